"""One local cloud for the integration tests: the real template, state machines and handlers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lockgate.local.clock import LocalClock
from lockgate.local.cloud import LocalCloud
from lockgate.local.fixtures import upload_contracts
from lockgate.local.stepfunctions.executions import wait_for_execution
from lockgate.pipeline.execution_names import execution_name

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Pipeline:
    """The running cloud plus what tests need to drive and observe it."""

    cloud: LocalCloud
    bucket: str
    ingest_arn: str
    train_arn: str
    queue_url: str  # subscribed to the notification topic: what people would be told
    events_queue_url: str  # a rule sends every `lockgate` event here

    def upload(self, key: str, body: bytes) -> str:
        """Put an object under the data bucket; returns the execution name it must start."""
        version = self.cloud.client("s3").put_object(Bucket=self.bucket, Key=key, Body=body)["VersionId"]
        return execution_name(self.bucket, key, version)

    def wait(self, name: str, timeout: float = 120.0) -> dict[str, Any]:
        """Wait for the named ingest execution to finish; returns describe_execution."""
        return wait_for_execution(self.cloud.client("stepfunctions"), self.ingest_arn, name, timeout)

    def train_run_for(self, version: str, timeout: float = 120.0) -> dict[str, Any]:
        """The finished train execution that DatasetVersionCreated for `version` started."""
        sfn, deadline = self.cloud.client("stepfunctions"), time.monotonic() + timeout
        while time.monotonic() < deadline:
            for execution in sfn.list_executions(stateMachineArn=self.train_arn)["executions"]:
                described = sfn.describe_execution(executionArn=execution["executionArn"])
                if (
                    json.loads(described["input"]).get("version") == version
                    and described["status"] != "RUNNING"
                ):
                    return dict(described)
            time.sleep(0.1)
        raise TimeoutError(f"no finished train run for {version}")

    def executions_named(self, name: str) -> list[dict[str, Any]]:
        """Every ingest execution with this name (Step Functions allows at most one)."""
        sfn = self.cloud.client("stepfunctions")
        return [
            e for e in sfn.list_executions(stateMachineArn=self.ingest_arn)["executions"] if e["name"] == name
        ]

    def notifications(self) -> list[dict[str, Any]]:
        """Messages published to the notification topic so far (drains the queue)."""
        return _drain(self.cloud.client("sqs"), self.queue_url)

    def lockgate_events(self) -> list[dict[str, Any]]:
        """`lockgate` events put on the default bus so far (drains the queue)."""
        return _drain(self.cloud.client("sqs"), self.events_queue_url)

    def read(self, key: str) -> bytes:
        """An object of the data bucket."""
        return self.cloud.client("s3").get_object(Bucket=self.bucket, Key=key)["Body"].read()


def _drain(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    messages = []
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in batch:
            messages.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return messages


@pytest.fixture(scope="package")  # torn down with the last integration test: its twins patch moto's classes
def pipeline() -> Iterator[Pipeline]:
    cloud = LocalCloud(
        REPO / "template.yaml", clock=LocalClock(1000), log_sink=lambda *_: None, warn=lambda _: None
    )
    with cloud:
        assert cloud.stack is not None
        outputs = cloud.stack.outputs
        sqs, sns = cloud.client("sqs"), cloud.client("sns")
        queue_url = sqs.create_queue(QueueName="it-notifications")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(TopicArn=outputs["NotificationTopicArn"], Protocol="sqs", Endpoint=queue_arn)
        events_queue_url = sqs.create_queue(QueueName="it-lockgate-events")["QueueUrl"]
        events_queue_arn = sqs.get_queue_attributes(QueueUrl=events_queue_url, AttributeNames=["QueueArn"])
        events = cloud.client("events")
        events.put_rule(Name="it-lockgate-events", EventPattern=json.dumps({"source": ["lockgate"]}))
        events.put_targets(
            Rule="it-lockgate-events",
            Targets=[{"Id": "q", "Arn": events_queue_arn["Attributes"]["QueueArn"]}],
        )
        upload_contracts(cloud)
        yield Pipeline(
            cloud,
            outputs["DataBucketName"],
            outputs["IngestStateMachineArn"],
            outputs["TrainStateMachineArn"],
            queue_url,
            events_queue_url,
        )
