"""RequestApproval (lambda:invoke.waitForTaskToken): keep the token under the package, tell people.
`lockgate approve|reject <package>` answers with send_task_success / send_task_failure."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lockgate.composition.request_approval import RequestApprovalSettings, build_request_approval
from lockgate.messages.base import JsonObject
from lockgate.messages.deploy import ApprovalRequest
from lockgate.tracing import lambda_tracer

logger = Logger()
tracer = lambda_tracer()
metrics = Metrics()
settings = RequestApprovalSettings.from_env()
request_approval = build_request_approval(settings)


@logger.inject_lambda_context(log_event=False)  # the event holds the task token
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ApprovalRequest)
def lambda_handler(event: ApprovalRequest, context: LambdaContext) -> JsonObject:
    """ApprovalRequest -> ApprovalNotice."""
    notice = request_approval(event)
    logger.info("approval requested", extra={"package": event.package_arn})
    return notice.to_payload()
