"""Amazon SNS: messages for people (gates failed, approvals wanted, remediations done)."""

from __future__ import annotations

from typing import Any

import boto3

_SUBJECT_LIMIT = 100


class Notifier:
    """Publishes to the project's topic."""

    def __init__(self, topic_arn: str, client: Any | None = None) -> None:
        self._topic = topic_arn
        self._client = client or boto3.client("sns")

    def publish(self, subject: str, message: str) -> str:
        """Send one message; returns its id."""
        response = self._client.publish(
            TopicArn=self._topic, Subject=subject[:_SUBJECT_LIMIT], Message=message
        )
        return str(response["MessageId"])
