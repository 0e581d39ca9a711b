"""Amazon SNS: messages for people (gates failed, approvals wanted, remediations done)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3

from lockgate.adapters.errors import guarded

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

_SUBJECT_LIMIT = 100


class Notifier:
    """Publishes to the project's topic."""

    def __init__(self, topic_arn: str, client: SNSClient | None = None) -> None:
        self._topic = topic_arn
        self._client = guarded(client or boto3.client("sns"))

    def publish(self, subject: str, message: str) -> str:
        """Send one message; returns its id."""
        response = self._client.publish(
            TopicArn=self._topic, Subject=subject[:_SUBJECT_LIMIT], Message=message
        )
        return str(response["MessageId"])
