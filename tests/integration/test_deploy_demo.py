"""The demo's deploy part runs whole on packages the train pipeline registered: the first model to
production; the next dataset version's model, made faulty with `lockgate fault`, rolled back by the
5XX alarm the CloudWatch twin raises from the canary's metrics."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from lockgate.commands.demo_deploy import FAULTY, OK, OTHER, run_deploy_demo
from lockgate.local.fixtures import sample_csv
from lockgate.names import alarm_names, endpoint_name

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
ROWS = 2500
DATASET = "demo"


def _upload_contract(pipeline: Any) -> None:
    """credit.yaml as dataset `demo`, with bias bars wide enough for a few thousand rows (this test
    is about deploying what the pipeline registered, not the bias gate)."""
    contract = yaml.safe_load((REPO / "contracts" / "credit.yaml").read_text())
    contract["name"] = DATASET
    contract["bias"]["thresholds"] = {m: {"min": -0.5, "max": 0.5} for m in ("DPL", "DPPL", "RD", "AD")}
    pipeline.cloud.client("s3").put_object(
        Bucket=pipeline.bucket, Key=f"contracts/{DATASET}.yaml", Body=yaml.safe_dump(contract).encode()
    )


def _upload(pipeline: Any, name: str, seed: int) -> str:
    """A new dataset version (its DatasetVersionCreated starts a train run); returns the version."""
    body = sample_csv(ROWS, seed=seed)
    assert pipeline.wait(pipeline.upload(f"raw/{DATASET}/{name}.csv", body))["status"] == "SUCCEEDED"
    return hashlib.sha256(body).hexdigest()


def test_deploy_demo_part_on_trained_packages(pipeline) -> None:  # type: ignore[no-untyped-def]
    _upload_contract(pipeline)
    run = pipeline.train_run_for(_upload(pipeline, "first", seed=31), timeout=240)
    assert run["status"] == "SUCCEEDED", run.get("cause")
    first = json.loads(run["output"])["registration"]["packageArn"]
    _upload(pipeline, "second", seed=32)  # the demo's part finds the package this version's run registers
    timings = run_deploy_demo(pipeline.cloud, first, dataset=DATASET)
    split = timings["split"]
    # every call the faulty model did not take was answered by the first one: the traffic sends the
    # model's own feature rows (a wrong width would be 4XX "other errors", not the canary's 5XX)
    assert split[OTHER] == 0 and split[OK] >= 1 and split[FAULTY] >= 1, split
    assert timings["ok"], timings
    sm = pipeline.cloud.client("sagemaker")
    prod = sm.describe_endpoint(EndpointName=endpoint_name("dev", DATASET, "prod"))
    assert prod["EndpointStatus"] == "InService" and "-v1-" in prod["EndpointConfigName"]
    assert "5xx" in prod["FailureReason"]
    (alarm,) = pipeline.cloud.client("cloudwatch").describe_alarms(
        AlarmNames=[alarm_names(endpoint_name("dev", DATASET, "prod"))[0]]
    )["MetricAlarms"]
    assert alarm["StateReason"].startswith("Threshold Crossed")  # the evaluator's words: nobody set it
