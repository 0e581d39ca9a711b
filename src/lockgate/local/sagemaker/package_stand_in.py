"""STAND-IN for the train branch's register step (delete at merge; see the deploy report).

Until the train engineer's training twin and register step land, the deploy tests, bench and demo
need a model package of the agreed shape (coordination.md): a tiny XGBoost Booster saved as
`xgboost-model` inside model.tar.gz, the test split's features-only CSV, the "transform" `.out`
predictions, a package with the agreed CustomerMetadataProperties, and the "SageMaker Model
Package State Change" event on the default bus, which the twin would emit.
"""

from __future__ import annotations

import io
import json
import tarfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

FEATURES = 6
XGBOOST_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5"


@dataclass(frozen=True)
class StandInPackage:
    """What a registered package gives the deploy pipeline."""

    arn: str
    group: str
    dataset: str
    version: str
    test_rows: np.ndarray


def train_booster(seed: int, rounds: int = 10, depth: int = 3) -> tuple[Any, np.ndarray]:
    """A tiny binary:logistic Booster and its test rows (features only)."""
    import xgboost as xgb

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(400, FEATURES)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=0.5, size=400) > 0).astype(int)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": depth, "nthread": 1},
        xgb.DMatrix(x[:300], label=y[:300]),
        rounds,
    )
    return booster, x[300:]


def model_tarball(booster: Any) -> bytes:
    """model.tar.gz with `xgboost-model` inside, as the built-in XGBoost writes it."""
    raw = bytes(booster.save_raw("ubj"))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("xgboost-model")
        info.size = len(raw)
        tar.addfile(info, io.BytesIO(raw))
    return buffer.getvalue()


def _csv(rows: np.ndarray) -> str:
    return "\n".join(",".join(f"{v:.7g}" for v in row) for row in rows) + "\n"


def register(
    s3: Any,
    sagemaker: Any,
    *,
    bucket: str,
    dataset: str = "credit",
    environment: str = "dev",
    seed: int = 1,
    approve: bool = True,
    auto_approved: bool = False,
    bad_predictions: bool = False,
) -> StandInPackage:
    """Write the artifacts, create the group and package (Pending), then approve it if asked."""
    import xgboost as xgb

    booster, rows = train_booster(seed)
    version = f"{seed:064x}"
    base = f"models/{dataset}/{version}/train-{seed}"
    s3.put_object(Bucket=bucket, Key=f"{base}/output/model.tar.gz", Body=model_tarball(booster))
    s3.put_object(Bucket=bucket, Key=f"{base}/test/test.csv", Body=_csv(rows).encode())
    predictions = booster.predict(xgb.DMatrix(rows))
    if bad_predictions:
        predictions = 1 - predictions
    s3.put_object(
        Bucket=bucket,
        Key=f"{base}/transform/test.csv.out",
        Body="\n".join(f"{p:.8g}" for p in predictions).encode(),
    )
    evaluation = {"metrics": {"auc": 0.9, "accuracy": 0.85}}
    s3.put_object(Bucket=bucket, Key=f"{base}/evaluation.json", Body=json.dumps(evaluation).encode())
    group = f"lockgate-{environment}-{dataset}"
    try:
        sagemaker.create_model_package_group(ModelPackageGroupName=group)
    except sagemaker.exceptions.ClientError:
        pass
    except Exception as error:  # moto answers an existing group with a ValidationException
        if "already exists" not in str(error):
            raise
    uri = f"s3://{bucket}/{base}"
    arn = sagemaker.create_model_package(
        ModelPackageGroupName=group,
        ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={
            "Containers": [{"Image": XGBOOST_IMAGE, "ModelDataUrl": f"{uri}/output/model.tar.gz"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        CustomerMetadataProperties={
            "dataset": dataset,
            "version": version,
            "execution": f"arn:aws:states:us-east-1:123456789012:execution:lockgate-train:{seed}",
            "trainingJob": f"train-{seed}",
            "transformJob": f"transform-{seed}",
            "testData": f"{uri}/test/test.csv",
            "predictions": f"{uri}/transform/test.csv.out",
            "testLabels": f"{uri}/test/labels.csv",
            "evaluation": f"{uri}/evaluation.json",
            "evaluationReport": f"{uri}/report.html",
            "biasPre": f"{uri}/bias/pre/analysis.json",
            "biasPost": f"{uri}/bias/post/analysis.json",
            "biasPreVerdict": "pass",
            "biasPostVerdict": "pass",
            "autoApproved": "true" if auto_approved else "false",
        },
    )["ModelPackageArn"]
    package = StandInPackage(arn, group, dataset, version, rows)
    if approve:
        set_status(sagemaker, package.arn, "Approved", "approved by the stand-in")
    return package


def set_status(sagemaker: Any, arn: str, status: str, description: str = "") -> None:
    """update_model_package(status), then the event the train branch's twin will emit."""
    # moto 5.2.5 wipes CustomerMetadataProperties on an approval-only update (the train branch fixes it).
    metadata = sagemaker.describe_model_package(ModelPackageName=arn).get("CustomerMetadataProperties", {})
    sagemaker.update_model_package(
        ModelPackageArn=arn,
        ModelApprovalStatus=status,
        ApprovalDescription=description,
        CustomerMetadataProperties=metadata,
    )
    emit_state_change(sagemaker, arn)


def emit_state_change(sagemaker: Any, arn: str, events: Any | None = None) -> None:
    """Put "SageMaker Model Package State Change" (detail = DescribeModelPackage) on the default bus."""
    detail = sagemaker.describe_model_package(ModelPackageName=arn)
    detail.pop("ResponseMetadata", None)
    client = events or _events_like(sagemaker)
    client.put_events(
        Entries=[
            {
                "Source": "aws.sagemaker",
                "DetailType": "SageMaker Model Package State Change",
                "Detail": json.dumps(detail, default=_json_safe),
                "Resources": [arn],
            }
        ]
    )


def _events_like(sagemaker: Any) -> Any:
    import boto3

    meta = sagemaker.meta
    return boto3.client(
        "events",
        endpoint_url=meta.endpoint_url if "amazonaws.com" not in meta.endpoint_url else None,
        region_name=meta.region_name,
    )


def _json_safe(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
