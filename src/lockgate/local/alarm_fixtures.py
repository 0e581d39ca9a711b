"""Stand-ins for the endpoint twin (deploy) and the registry twin (train) that the alarm tests and
the alarm demo part use until those twins are merged: plain moto endpoints with the agreed tags,
capture files in the agreed JSON Lines layout, AWS/SageMaker metrics put by hand.

MERGE NOTE: once the endpoint twin is on main, `write_capture` and `put_invocations` may be
replaced by real invoke_endpoint calls; `create_endpoint` by the deploy pipeline.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import numpy as np

from lockgate.deployment.endpoint_alarms import AlarmSettings
from lockgate.names import environment_of

ROLE = "arn:aws:iam::123456789012:role/lockgate-sagemaker"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5"


def create_endpoint(
    sagemaker: Any,
    name: str,
    dataset: str,
    stage: str,
    *,
    variant: str = "AllTraffic",
    instances: int = 1,
    package_arn: str = "",
    extra_tags: dict[str, str] | None = None,
    artifact_bucket: str = "",
    cloudwatch: Any | None = None,
    alarm_settings: AlarmSettings | None = None,
) -> str:
    """A model, config (data capture on when a bucket is given) and endpoint, tagged as agreed; with
    a `cloudwatch` client, also the endpoint's alarms, as the deploy pipeline makes them once an
    endpoint is InService (lockgate.deployment.endpoint_alarms)."""
    sagemaker.create_model(
        ModelName=name,
        ExecutionRoleArn=ROLE,
        PrimaryContainer={
            "Image": IMAGE,
            "ModelDataUrl": f"s3://{artifact_bucket or 'b'}/models/{name}/model.tar.gz",
        },
    )
    config: dict[str, Any] = {
        "EndpointConfigName": name,
        "ProductionVariants": [
            {
                "VariantName": variant,
                "ModelName": name,
                "InstanceType": "ml.m5.xlarge",
                "InitialInstanceCount": instances,
                "InitialVariantWeight": 1.0,
            }
        ],
    }
    if artifact_bucket:
        config["DataCaptureConfig"] = {
            "EnableCapture": True,
            "InitialSamplingPercentage": 100,
            "DestinationS3Uri": f"s3://{artifact_bucket}/capture",
            "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
            "CaptureContentTypeHeader": {"CsvContentTypes": ["text/csv"]},
        }
    sagemaker.create_endpoint_config(**config)
    tags = {
        "lockgate:managed": "true",
        "lockgate:dataset": dataset,
        "lockgate:stage": stage,
        "lockgate:package": package_arn,
        **(extra_tags or {}),
    }
    arn = str(
        sagemaker.create_endpoint(
            EndpointName=name,
            EndpointConfigName=name,
            Tags=[{"Key": k, "Value": v} for k, v in tags.items() if v],
        )["EndpointArn"]
    )
    if cloudwatch is not None:
        from lockgate.adapters.endpoint_alarms import EndpointAlarms
        from lockgate.deployment.endpoint_alarms import sync

        environment = environment_of(name) or "dev"
        settings = alarm_settings or AlarmSettings()
        sync(
            EndpointAlarms(cloudwatch),
            environment,
            name,
            [variant],
            settings=settings,
            package_arn=package_arn,
        )
    return arn


def capture_lines(rows: np.ndarray, scores: np.ndarray, ids: list[str] | None = None) -> bytes:
    """One capture line per row (one-row requests), AWS's shape."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = []
    for i, (row, score) in enumerate(zip(rows, scores, strict=True)):
        lines.append(
            json.dumps(
                {
                    "captureData": {
                        "endpointInput": {
                            "observedContentType": "text/csv",
                            "mode": "INPUT",
                            "data": ",".join(f"{v:g}" for v in row),
                            "encoding": "CSV",
                        },
                        "endpointOutput": {
                            "observedContentType": "text/csv; charset=utf-8",
                            "mode": "OUTPUT",
                            "data": f"{score:.6f}",
                            "encoding": "CSV",
                        },
                    },
                    "eventMetadata": {"eventId": ids[i] if ids else str(uuid.uuid4()), "inferenceTime": now},
                    "eventVersion": "0",
                }
            )
        )
    return ("\n".join(lines) + "\n").encode()


def write_capture(s3: Any, bucket: str, endpoint: str, body: bytes, variant: str = "AllTraffic") -> str:
    """Put one capture file at capture/<endpoint>/<variant>/yyyy/mm/dd/hh/<uuid>.jsonl."""
    key = f"capture/{endpoint}/{variant}/{datetime.now(UTC):%Y/%m/%d/%H}/{uuid.uuid4()}.jsonl"
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    return key


def put_invocations(cloudwatch: Any, endpoint: str, count: float, variant: str = "AllTraffic") -> None:
    """AWS/SageMaker Invocations as the endpoint twin puts them."""
    cloudwatch.put_metric_data(
        Namespace="AWS/SageMaker",
        MetricData=[
            {
                "MetricName": "Invocations",
                "Value": count,
                "Dimensions": [
                    {"Name": "EndpointName", "Value": endpoint},
                    {"Name": "VariantName", "Value": variant},
                ],
            }
        ],
    )


def train_features(s3: Any, bucket: str, dataset: str, version: str) -> np.ndarray:
    """The train split's features (the xgboost/ split without its label column), model order."""
    from lockgate.data.xgboost_files import read_xgboost, xgboost_matrix

    prefix = f"datasets/{dataset}/{version}/xgboost/train/"
    parts = []
    for obj in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []):
        body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
        parts.append(xgboost_matrix(read_xgboost(body, obj["Key"]))[:, 1:])
    return np.vstack(parts).astype(np.float64)


def drifted(rows: np.ndarray, names: list[str], seed: int = 7) -> np.ndarray:
    """Live traffic that drifted: older applicants asking for three times the amount."""
    rng = np.random.default_rng(seed)
    out = rows[rng.integers(0, len(rows), len(rows))].copy()
    for name, scale, shift in (("credit_amount", 3.0, 0.0), ("age", 1.0, 20.0)):
        if name in names:
            j = names.index(name)
            out[:, j] = out[:, j] * scale + shift
    return out
