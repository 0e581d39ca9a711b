"""NotifyFailureFunction: its settings and the people it tells."""

from __future__ import annotations

from lockgate.adapters.sns import Notifier
from lockgate.composition.settings import HandlerSettings
from lockgate.messages.notify import NotifyFailureRequest
from lockgate.pipeline.failure_message import failure_message


class NotifySettings(HandlerSettings):
    """The notifier's environment."""

    topic_arn: str


def build_notifier(settings: NotifySettings) -> Notifier:
    """SNS on the stack's topic."""
    return Notifier(settings.topic_arn)


def message(request: NotifyFailureRequest) -> tuple[str, str]:
    """(subject, body) naming the run, what happened and why."""
    return failure_message(request)
