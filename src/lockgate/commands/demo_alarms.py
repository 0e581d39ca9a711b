"""The demo's alarm part: three reactions happen by themselves on the local clock.

1. An idle staging endpoint tagged lockgate:idle-action=delete is deleted (config and model kept).
2. Drifted live traffic is captured; the monitor's schedule measures it; the drift alarm starts
   exactly one retrain on the latest dataset version.
3. An untagged idle production endpoint is left alone and reported.

Call `alarm_part(cloud)` at the end of the demo, on a cloud started with ALARM_DEMO_PARAMETERS
merged into its parameter overrides (a 5-minute idle window and a 5-minute monitoring schedule:
3 s each at clock speed 100). Endpoints the deploy part made are reused; missing ones are created
as plain endpoints with the agreed tags (lockgate.local.alarm_fixtures).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from lockgate.adapters.pipelines import S3Datasets
from lockgate.data.versioning import manifest_features
from lockgate.deployment.endpoint_alarms import AlarmSettings
from lockgate.local import alarm_fixtures as fx
from lockgate.local.cloud import LocalCloud
from lockgate.names import endpoint_name, reaction_alarm_name

ALARM_DEMO_PARAMETERS = {"IdlePeriodSeconds": "60", "IdlePeriods": "5", "MonitorSchedule": "rate(5 minutes)"}


def alarm_part(
    cloud: LocalCloud, say: Callable[[str], None] = print, dataset: str = "credit", timeout: float = 60.0
) -> bool:
    """Run the three reactions; True when all three happened within `timeout` seconds."""
    assert cloud.stack is not None
    outputs, env = cloud.stack.outputs, "dev"
    s3, sagemaker, cloudwatch, sfn = (
        cloud.client(s) for s in ("s3", "sagemaker", "cloudwatch", "stepfunctions")
    )
    data_bucket, artifacts = outputs["DataBucketName"], outputs["ArtifactBucketName"]
    staging, prod = endpoint_name(env, dataset, "staging"), endpoint_name(env, dataset, "prod")
    version = S3Datasets(data_bucket, s3).latest_version(dataset)
    if version is None:
        say(f"  alarm part skipped: no version of {dataset} yet")
        return False
    say("\n> alarms that fix things (nobody touches anything from here on)")
    for name, stage, tags in ((staging, "staging", {"lockgate:idle-action": "delete"}), (prod, "prod", {})):
        _ensure(sagemaker, cloudwatch, name, dataset, stage, artifacts=artifacts, tags=tags)
    say(f"  {staging} tagged lockgate:idle-action=delete; {prod} untagged")
    for name in (staging, prod):
        fx.put_invocations(cloudwatch, name, 1.0)  # their last traffic; then nothing for the idle window
    manifest = json.loads(
        s3.get_object(Bucket=data_bucket, Key=f"datasets/{dataset}/{version.dataset_version}/manifest.json")[
            "Body"
        ].read()
    )
    names = manifest_features(manifest)
    live = fx.drifted(fx.train_features(s3, data_bucket, dataset, version.dataset_version)[:5000], names)
    fx.write_capture(s3, artifacts, prod, fx.capture_lines(live, np.full(len(live), 0.5)))
    say(f"  {len(live):,} rows of drifted live traffic captured for {prod} (older applicants, 3x amounts)")
    began = time.monotonic()
    audit = outputs["AuditTableName"]
    want = {
        reaction_alarm_name(env, "idle", f"{dataset}-staging"): "done",
        reaction_alarm_name(env, "idle", f"{dataset}-prod"): "left-alone",
        reaction_alarm_name(env, "drift", f"{dataset}-features"): "done",
    }
    seen: dict[str, dict[str, Any]] = {}
    while time.monotonic() - began < timeout and len(seen) < len(want):
        for record in _records(cloud, audit):
            alarm, outcome = record["alarm"], record["outcome"]
            if (
                alarm in want
                and alarm not in seen
                and outcome.startswith(want[alarm])
                and record["status"] == "done"
            ):
                seen[alarm] = record
                say(f"  [{time.monotonic() - began:5.1f} s] {alarm}: {outcome}")
                for step in record["steps"]:
                    say(f"      - {step['detail']}")
        time.sleep(0.2)
    retrains = [
        e
        for e in sfn.list_executions(stateMachineArn=outputs["TrainStateMachineArn"])["executions"]
        if e["name"].startswith(f"retrain-{dataset}-")
    ]
    say(f"  retrain executions started by the drift alarm: {len(retrains)}")
    ok = len(seen) == len(want) and len(retrains) == 1
    verdict = "succeeded" if ok else "FAILED"
    say(f"  alarm part {verdict} in {time.monotonic() - began:.1f} s (`lockgate actions` lists them)")
    return ok


def _ensure(
    sagemaker: Any,
    cloudwatch: Any,
    name: str,
    dataset: str,
    stage: str,
    *,
    artifacts: str,
    tags: dict[str, str],
) -> None:
    """The deploy part's endpoint (its alarms made by the deploy pipeline), or a stand-in with the
    same alarms."""
    from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints

    endpoints = SageMakerEndpoints(sagemaker)
    if endpoints.endpoint(name) is None:
        settings = AlarmSettings(
            idle_period_seconds=int(ALARM_DEMO_PARAMETERS["IdlePeriodSeconds"]),
            idle_periods=int(ALARM_DEMO_PARAMETERS["IdlePeriods"]),
        )
        fx.create_endpoint(
            sagemaker,
            name,
            dataset,
            stage,
            extra_tags=tags,
            artifact_bucket=artifacts,
            cloudwatch=cloudwatch,
            alarm_settings=settings,
        )
        return
    if tags:
        endpoints.tag(name, tags)


def _records(cloud: LocalCloud, table: str) -> list[dict[str, Any]]:
    items = cloud.client("dynamodb").scan(TableName=table)["Items"]
    return [json.loads(i["record"]["S"]) for i in items]
