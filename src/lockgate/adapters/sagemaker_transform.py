"""SageMaker batch transform jobs, as `lockgate batch-predict` runs them (typed wrapper; the same
calls run against AWS and the offline twin)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import boto3

from lockgate.adapters.errors import guarded

DONE = ("Completed", "Failed", "Stopped")


class SageMakerTransform:
    """create_transform_job / describe_transform_job, and the role a package's run used."""

    def __init__(self, client: Any | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self._client: Any = guarded(client or boto3.client("sagemaker"))
        self._sleep = sleep

    def start(self, name: str, model: str, input_uri: str, output_path: str, instance_type: str) -> None:
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

    def wait(self, name: str, timeout_seconds: float, poll_seconds: float = 1.0) -> tuple[str, str]:
        """(status, failure reason) once the job ends, or ("InProgress", "") at the deadline."""
        deadline = time.monotonic() + timeout_seconds
        while True:
            described = self._client.describe_transform_job(TransformJobName=name)
            status = str(described["TransformJobStatus"])
            if status in DONE or time.monotonic() > deadline:
                return status, str(described.get("FailureReason", ""))
            self._sleep(poll_seconds)

    def role_of_transform(self, job: str) -> str:
        """The execution role of the model a (training run's) transform job used."""
        model = self._client.describe_transform_job(TransformJobName=job)["ModelName"]
        return str(self._client.describe_model(ModelName=model)["ExecutionRoleArn"])
