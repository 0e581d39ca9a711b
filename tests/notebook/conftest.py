"""One offline cloud with a finished ingest run and the train run it started, for the SDK tests."""

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
from lockgate.local.fixtures import data_bucket, sample_csv, upload_contracts
from lockgate.local.stepfunctions.executions import wait_for_execution
from lockgate.names import upload_execution_name

REPO = Path(__file__).resolve().parents[2]


@dataclass
class FinishedRuns:
    """The cloud plus the ingest run it finished and the train run that followed."""

    cloud: LocalCloud
    ingest: dict[str, Any]
    train: dict[str, Any]


@pytest.fixture(scope="session")
def finished_runs() -> Iterator[FinishedRuns]:
    """Upload the demo dataset and wait for its ingest and train runs to end."""
    cloud = LocalCloud(REPO / "template.yaml", clock=LocalClock(1000), warn=lambda _: None)
    with cloud:
        assert cloud.stack is not None
        upload_contracts(cloud)
        bucket, key = data_bucket(cloud), "raw/credit/notebook.csv"
        sfn = cloud.client("stepfunctions")
        version = cloud.client("s3").put_object(Bucket=bucket, Key=key, Body=sample_csv(2000))["VersionId"]
        ingest_arn = cloud.stack.outputs["IngestStateMachineArn"]
        ingest = wait_for_execution(sfn, ingest_arn, upload_execution_name(bucket, key, version), timeout=300)
        assert ingest["status"] == "SUCCEEDED", ingest
        dataset_version = json.loads(ingest["output"])["datasetVersion"]["version"]
        yield FinishedRuns(cloud, ingest, _train_run(cloud, dataset_version))


def _train_run(cloud: LocalCloud, version: str, timeout: float = 600) -> dict[str, Any]:
    assert cloud.stack is not None
    sfn, arn = cloud.client("stepfunctions"), cloud.stack.outputs["TrainStateMachineArn"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for execution in sfn.list_executions(stateMachineArn=arn)["executions"]:
            described = sfn.describe_execution(executionArn=execution["executionArn"])
            if json.loads(described["input"]).get("version") == version and described["status"] != "RUNNING":
                return dict(described)
        time.sleep(0.2)
    raise TimeoutError(f"no finished train run for {version}")
