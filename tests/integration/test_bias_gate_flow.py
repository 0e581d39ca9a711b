"""DatasetVersionCreated starts the train state machine, whose first gate is the bias check:
reports in the artifact bucket in Clarify's shape, bias_metric_* in the function's logs (EMF)."""

from __future__ import annotations

import hashlib
import json

import pytest

from lockgate.local.fixtures import sample_csv

pytestmark = pytest.mark.integration


def test_a_new_dataset_version_is_bias_checked(pipeline) -> None:  # type: ignore[no-untyped-def]
    body = sample_csv(3000, seed=31)
    assert pipeline.wait(pipeline.upload("raw/credit/bias/good.csv", body))["status"] == "SUCCEEDED"
    version = hashlib.sha256(body).hexdigest()
    run = pipeline.train_run_for(version, timeout=240)
    # The run goes on to training and later gates (issue 7); this test is about the first gate.
    sfn = pipeline.cloud.client("stepfunctions")
    events = sfn.get_execution_history(executionArn=run["executionArn"], maxResults=1000)["events"]
    exited = next(
        e["stateExitedEventDetails"]
        for e in events
        if e["type"] == "TaskStateExited" and e["stateExitedEventDetails"]["name"] == "PreTrainingBias"
    )
    bias = json.loads(exited["output"])["preTrainingBias"]
    assert bias["verdict"] == "pass" and bias["reasons"] == []
    artifacts = pipeline.cloud.stack.outputs["ArtifactBucketName"]
    s3 = pipeline.cloud.client("s3")
    key = f"reports/credit/{version}/bias/pre_training/analysis.json"
    analysis = json.loads(s3.get_object(Bucket=artifacts, Key=key)["Body"].read())
    facets = analysis["pre_training_bias_metrics"]["facets"]
    assert set(facets) == {"sex", "age", "foreign_worker"}
    names = {m["name"] for m in facets["sex"][0]["metrics"]}
    assert {"CI", "DPL", "KL", "JS", "LP", "TVD", "KS", "CDDL"} <= names
    html = s3.get_object(Bucket=artifacts, Key=key.replace("analysis.json", "report.html"))["Body"].read()
    assert b"<svg" in html


def test_bias_metrics_reach_cloudwatch_logs_as_emf(pipeline) -> None:  # type: ignore[no-untyped-def]
    logs = pipeline.cloud.client("logs")
    group = pipeline.cloud.stack.functions["BiasCheckFunction"].log_group
    pipeline.cloud.runtime.flush_logs()
    messages = [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]]
    emf = [json.loads(m) for m in messages if m.startswith("{") and "bias_metric_" in m]
    assert emf, messages[:5]
    directive = emf[0]["_aws"]["CloudWatchMetrics"][0]
    assert directive["Dimensions"][0] == ["Facet", "FacetValue", "BiasStage"] or set(
        directive["Dimensions"][0]
    ) >= {"Facet", "FacetValue", "BiasStage"}
    assert directive["Metrics"][0]["Name"].startswith("bias_metric_")
