"""Dataset versions (S3 manifests) and the train state machine, as the drift reaction uses them."""

from __future__ import annotations

import json
from typing import Any

import boto3

from lockgate.adapters.errors import guarded
from lockgate.adapters.stepfunctions import StepFunctions
from lockgate.layout import manifest_key, split_locations
from lockgate.messages.ingest import DatasetSource, StoredDatasetVersion, train_input


class S3Datasets:
    """datasets/<dataset>/<version>/manifest.json in the data bucket."""

    def __init__(self, bucket: str, client: Any | None = None) -> None:
        self._bucket = bucket
        self._client = guarded(client or boto3.client("s3"))

    def latest_version(self, dataset: str) -> StoredDatasetVersion | None:
        """The version whose manifest says it was created last."""
        newest: StoredDatasetVersion | None = None
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=f"datasets/{dataset}/"):
            for obj in page.get("Contents", []):
                key = obj["Key"]
                if not key.endswith("/manifest.json") or key.count("/") != 3:
                    continue
                candidate = self._read(dataset, key)
                if newest is None or candidate.created > newest.created:
                    newest = candidate
        return newest

    def version(self, dataset: str, version: str) -> StoredDatasetVersion | None:
        """One version by its id, or None when it has no manifest (not a complete version)."""
        key = manifest_key(dataset, version)
        try:
            return self._read(dataset, key)
        except self._client.exceptions.NoSuchKey:
            return None

    def _read(self, dataset: str, key: str) -> StoredDatasetVersion:
        manifest = json.loads(self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read())
        source = manifest["source"]  # lockgate.data.versioning.Source: the raw object or batch folder
        return StoredDatasetVersion.model_validate(
            {
                "dataset": dataset,
                "version": manifest["version"],
                "manifest": f"s3://{self._bucket}/{key}",
                "splits": split_locations(self._bucket, key.removesuffix("manifest.json")),
                "source": DatasetSource(
                    bucket=source["bucket"], key=source["key"], version_id=source.get("version_id")
                ),
                "created": manifest.get("created", ""),
            }
        )


class TrainPipeline:
    """The train state machine: one execution per deterministic name."""

    def __init__(self, state_machine_arn: str, data_bucket: str, client: Any | None = None) -> None:
        self._arn = state_machine_arn
        self._bucket = data_bucket
        self._client = guarded(client or boto3.client("stepfunctions"))
        self._starter = StepFunctions(self._client)

    def running_train(self, dataset: str) -> str | None:
        """A RUNNING execution whose input names the dataset."""
        for page in self._client.get_paginator("list_executions").paginate(
            stateMachineArn=self._arn, statusFilter="RUNNING"
        ):
            for execution in page.get("executions", []):
                described = self._client.describe_execution(executionArn=execution["executionArn"])
                detail = train_input(described.get("input"))
                if detail is not None and detail.dataset == dataset:
                    return str(execution["executionArn"])
        return None

    def start_train(self, name: str, version: StoredDatasetVersion) -> tuple[str, bool]:
        """Start the train pipeline with the version's DatasetVersionCreated detail."""
        detail = version.announced(f"remediation:{name}")
        result = self._starter.start_once(self._arn, name, detail.to_payload())
        return result.execution_arn, result.started


class ExecutionHistory:
    """Reads an execution's history."""

    def __init__(self, client: Any | None = None) -> None:
        self._client = guarded(client or boto3.client("stepfunctions"))

    def notified_by_catch(self, execution_arn: str) -> bool:
        """True when the execution entered a state named NotifyFailure."""
        pages = self._client.get_paginator("get_execution_history").paginate(executionArn=execution_arn)
        for page in pages:
            for event in page.get("events", []):
                if event.get("stateEnteredEventDetails", {}).get("name") == "NotifyFailure":
                    return True
        return False
