"""RequestApprovalFunction: its settings and the approval request (token kept, people told)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from lockgate.adapters.deploy_records import DeployRecords
from lockgate.adapters.s3 import S3Store
from lockgate.adapters.sns import Notifier
from lockgate.composition.settings import HandlerSettings
from lockgate.deployment import service
from lockgate.messages.deploy import ApprovalNotice, ApprovalRequest


class RequestApprovalSettings(HandlerSettings):
    """request_approval: where tokens are kept and people told."""

    lineage_table: str
    topic_arn: str


def build_request_approval(settings: RequestApprovalSettings) -> Callable[[ApprovalRequest], ApprovalNotice]:
    """request -> the token kept under the package, people told what to approve and how."""
    return partial(
        service.request_approval,
        records=DeployRecords(settings.lineage_table),
        notifier=Notifier(settings.topic_arn),
        objects=S3Store(),
    )
