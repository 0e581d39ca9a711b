"""Amazon SageMaker jobs run outside a state machine (lockgate.sagemaker_ports.Jobs): the batch
transform of `lockgate batch-predict`. Training and tuning jobs run as the train state machine's
service integrations, so no Python calls them. The same calls run against AWS and the offline twin;
throttling, 5xx and connection failures become TransientError (`adapters.errors.guarded`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3

from lockgate.adapters.errors import guarded
from lockgate.sagemaker_ports import TransformStatus

if TYPE_CHECKING:
    from mypy_boto3_sagemaker.type_defs import DescribeTransformJobResponseTypeDef

DONE = ("Completed", "Failed", "Stopped")


class SageMakerJobs:
    """create_transform_job / describe_transform_job."""

    def __init__(self, client: Any | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self._client: Any = guarded(client or boto3.client("sagemaker"))
        self._sleep = sleep

    def start_transform(
        self, name: str, model: str, input_uri: str, output_path: str, instance_type: str
    ) -> None:
        """A transform of every line of `input_uri` (text/csv, one record per line)."""
        self._client.create_transform_job(
            TransformJobName=name,
            ModelName=model,
            TransformInput={
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": input_uri}},
                "ContentType": "text/csv",
                "SplitType": "Line",
            },
            TransformOutput={"S3OutputPath": output_path, "Accept": "text/csv", "AssembleWith": "Line"},
            TransformResources={"InstanceType": instance_type, "InstanceCount": 1},
            Tags=[{"Key": "lockgate:managed", "Value": "true"}],
        )

    def _describe_transform(self, name: str) -> DescribeTransformJobResponseTypeDef:
        """DescribeTransformJob."""
        described: DescribeTransformJobResponseTypeDef = self._client.describe_transform_job(
            TransformJobName=name
        )
        return described

    def wait_transform(self, name: str, timeout_seconds: float, poll_seconds: float = 1.0) -> TransformStatus:
        """The job once it ends, or InProgress at the deadline."""
        deadline = time.monotonic() + timeout_seconds
        while True:
            described = self._describe_transform(name)
            status = str(described["TransformJobStatus"])
            if status in DONE or time.monotonic() > deadline:
                return TransformStatus(status=status, failure_reason=str(described.get("FailureReason", "")))
            self._sleep(poll_seconds)

    def transform_model(self, job: str) -> str:
        """The model a (training run's) transform job ran."""
        return str(self._describe_transform(job)["ModelName"])
