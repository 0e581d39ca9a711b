"""The train pipeline end to end offline: DatasetVersionCreated -> bias -> SageMaker twin training
(or tuning) -> transform -> evaluate -> post-training bias -> register; and each bad input of
issue 7 ending where it should, with the reason."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from lockgate.local.fixtures import sample_csv
from lockgate.messages.ingest import DatasetVersionCreated
from lockgate.messages.package import PackageMetadata
from lockgate.names import split_uri

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
ROWS = 2500


def _contract(pipeline, name: str, **changes: Any) -> None:  # type: ignore[no-untyped-def]
    """Upload a variant of the credit contract as dataset `name`. The bias bars are wider than
    credit.yaml's: the test split of a few thousand rows is too small for +-0.1 on small facets,
    and these tests are about the train pipeline, not the bias gate's thresholds."""
    contract = yaml.safe_load((REPO / "contracts" / "credit.yaml").read_text())
    contract["name"] = name
    contract["bias"]["thresholds"] = {
        metric: {"min": -0.5, "max": 0.5} for metric in ("DPL", "DPPL", "RD", "AD")
    }
    for section, value in changes.items():
        contract[section] = value
    pipeline.cloud.client("s3").put_object(
        Bucket=pipeline.bucket, Key=f"contracts/{name}.yaml", Body=yaml.safe_dump(contract).encode()
    )


def _run(pipeline, dataset: str, seed: int, timeout: float = 180) -> tuple[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    body = sample_csv(ROWS, seed=seed)
    assert pipeline.wait(pipeline.upload(f"raw/{dataset}/data.csv", body))["status"] == "SUCCEEDED"
    version = hashlib.sha256(body).hexdigest()
    return version, pipeline.train_run_for(version, timeout)


def _history(pipeline, run: dict[str, Any]) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    sfn = pipeline.cloud.client("stepfunctions")
    return list(sfn.get_execution_history(executionArn=run["executionArn"], maxResults=1000)["events"])


def test_a_dataset_version_ends_as_a_registered_model_package(pipeline) -> None:  # type: ignore[no-untyped-def]
    _contract(pipeline, "credit-it")
    version, run = _run(pipeline, "credit-it", 101)
    assert run["status"] == "SUCCEEDED", run.get("cause")
    out = json.loads(run["output"])
    registration = out["registration"]
    assert registration["verdict"] == "pass"
    assert registration["approvalStatus"] == "PendingManualApproval"  # credit.yaml: auto_approve false
    assert registration["packageGroup"] == "lockgate-dev-credit-it"
    sm = pipeline.cloud.client("sagemaker")
    package = sm.describe_model_package(ModelPackageName=registration["packageArn"])
    meta = package["CustomerMetadataProperties"]
    assert meta["version"] == version and meta["trainingJob"] == out["model"]["trainingJob"]
    assert meta["autoApproved"] == "false" and meta["biasPreVerdict"] == "pass"
    assert set(meta) >= {
        "dataset",
        "execution",
        "transformJob",
        "testData",
        "predictions",
        "testLabels",
        "evaluation",
        "evaluationReport",
        "biasPre",
        "biasPost",
        "biasPostVerdict",
    }
    assert PackageMetadata.from_properties(meta).to_properties() == meta  # the one model of them
    # the train run's input is DatasetVersionCreated's detail, naming the raw upload it came from
    detail = DatasetVersionCreated.model_validate(json.loads(run["input"]))
    assert (detail.dataset, detail.dataset_version) == ("credit-it", version)
    assert detail.source.key == "raw/credit-it/data.csv" and ":lockgate-ingest-" in detail.execution
    assert "auto_approve: false" in package["ApprovalDescription"]
    # an inference pipeline: the encoder (scikit-learn container) -> XGBoost -> the encoder
    encode, container, decode = package["InferenceSpecification"]["Containers"]
    assert container["Image"].endswith("/sagemaker-xgboost:3.0-5")
    for stage, step in (("encode", encode), ("decode", decode)):
        assert step["Image"].endswith("/sagemaker-scikit-learn:1.2-1-cpu-py3")
        assert step["ModelDataUrl"] == meta["encoder"] == step["Environment"]["SAGEMAKER_SUBMIT_DIRECTORY"]
        assert step["Environment"]["SAGEMAKER_PROGRAM"] == "lockgate_encoder.py"
        assert step["Environment"]["LOCKGATE_STAGE"] == stage
    assert meta["testData"].endswith("/test/records.csv")
    assert container["ModelDataUrl"].endswith(
        f"/models/credit-it/{version}/{out['model']['trainingJob']}/output/model.tar.gz"
    )
    assert package["ModelMetrics"]["Bias"]["PostTrainingReport"]["S3Uri"] == meta["biasPost"]
    job = sm.describe_training_job(TrainingJobName=out["model"]["trainingJob"])
    assert job["TrainingJobStatus"] == "Completed"
    s3 = pipeline.cloud.client("s3")
    bucket, key = split_uri(meta["evaluation"])
    evaluation = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    metrics = evaluation["binary_classification_metrics"]
    assert metrics["auc"]["value"] > 0.6 and set(metrics["confusion_matrix"]) == {"0", "1"}
    report = s3.get_object(Bucket=bucket, Key=key.replace("evaluation.json", "report.html"))["Body"].read()
    assert report.count(b"<svg") == 3
    assert out["postTrainingBias"]["analysis"].endswith("post_training/analysis.json")
    registered = [e for e in pipeline.lockgate_events() if e["detail-type"] == "ModelRegistered"]
    assert any(e["detail"]["packageArn"] == registration["packageArn"] for e in registered)
    review = [n for n in pipeline.notifications() if "ModelNeedsReview" in json.dumps(n)]
    assert review, "a package waiting for approval tells people"
    assert all("needs a person's review" in n["Subject"] and "failed" not in n["Subject"] for n in review)


def test_lineage_walks_both_ways(pipeline) -> None:  # type: ignore[no-untyped-def]
    from lockgate.adapters.dynamodb import LineageTable
    from lockgate.lineage import Node, walk

    table = LineageTable(pipeline.cloud.stack.outputs["LineageTableName"], pipeline.cloud.client("dynamodb"))
    down = walk(Node(kind="dataset", id="credit-it"), table.neighbours, "down")
    kinds = {edge.child.kind for edge in down}
    assert {"version", "execution", "training-job", "transform-job", "model-package"} <= kinds
    package = next(edge.child for edge in down if edge.child.kind == "model-package")
    up = walk(package, table.neighbours, "up")
    assert Node(kind="dataset", id="credit-it") in {edge.parent for edge in up}


def test_the_same_dataset_version_created_twice_trains_once(pipeline) -> None:  # type: ignore[no-untyped-def]
    _contract(pipeline, "credit-twice")
    version, run = _run(pipeline, "credit-twice", 102)
    assert run["status"] == "SUCCEEDED", run.get("cause")
    created = [
        e
        for e in pipeline.lockgate_events()
        if e["detail-type"] == "DatasetVersionCreated" and e["detail"]["version"] == version
    ]
    assert created
    entry = {
        "Source": "lockgate",
        "DetailType": "DatasetVersionCreated",
        "Detail": json.dumps(created[0]["detail"]),
    }
    pipeline.cloud.client("events").put_events(Entries=[entry, entry])  # delivered twice more
    sfn = pipeline.cloud.client("stepfunctions")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        runs = [
            sfn.describe_execution(executionArn=e["executionArn"])
            for e in sfn.list_executions(stateMachineArn=pipeline.train_arn)["executions"]
        ]
        mine = [r for r in runs if json.loads(r["input"]).get("version") == version]
        if len(mine) == 3 and all(r["status"] != "RUNNING" for r in mine):
            break
        time.sleep(0.2)
    assert [r["status"] for r in mine] == ["SUCCEEDED"] * 3
    duplicates = [r for r in mine if "registration" not in json.loads(r["output"])]
    assert len(duplicates) == 2 and all(json.loads(r["output"])["plan"]["duplicate"] for r in duplicates)
    sm = pipeline.cloud.client("sagemaker")
    packages = sm.list_model_packages(
        ModelPackageGroupName="lockgate-dev-credit-twice", SortOrder="Descending"
    )
    versions = [
        sm.describe_model_package(ModelPackageName=p["ModelPackageArn"])["CustomerMetadataProperties"][
            "version"
        ]
        for p in packages["ModelPackageSummaryList"]
    ]
    assert versions.count(version) == 1


def test_an_unknown_hyperparameter_fails_the_run_with_the_reason(pipeline) -> None:  # type: ignore[no-untyped-def]
    _contract(
        pipeline,
        "credit-badhp",
        training={"hyperparameters": {"objective": "binary:logistic", "num_round": 5, "learning_speed": 3}},
    )
    _, run = _run(pipeline, "credit-badhp", 103)
    assert run["status"] == "FAILED"
    assert "AlgorithmError" in run["cause"] and "learning_speed" in run["cause"]
    assert any("learning_speed" in json.dumps(n) for n in pipeline.notifications())


def test_a_tuned_run_registers_the_best_training_job(pipeline) -> None:  # type: ignore[no-untyped-def]
    tuning = {
        "strategy": "Random",
        "max_jobs": 3,
        "max_parallel_jobs": 2,
        "ranges": {"max_depth": {"type": "integer", "min": 2, "max": 5}},
    }
    _contract(
        pipeline,
        "credit-tuned",
        training={
            "hyperparameters": {"objective": "binary:logistic", "num_round": 20, "eval_metric": "auc"},
            "tuning": tuning,
        },
    )
    _, run = _run(pipeline, "credit-tuned", 104, timeout=240)
    assert run["status"] == "SUCCEEDED", run.get("cause")
    out = json.loads(run["output"])
    sm = pipeline.cloud.client("sagemaker")
    tuned = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=out["model"]["tuningJob"])
    assert tuned["BestTrainingJob"]["TrainingJobName"] == out["model"]["trainingJob"]
    meta = sm.describe_model_package(ModelPackageName=out["registration"]["packageArn"])[
        "CustomerMetadataProperties"
    ]
    assert meta["tuningJob"] == out["model"]["tuningJob"]


def test_a_tuning_job_whose_every_child_fails_fails_the_run(pipeline) -> None:  # type: ignore[no-untyped-def]
    tuning = {
        "max_jobs": 2,
        "max_parallel_jobs": 2,
        "ranges": {"max_depth": {"type": "integer", "min": 2, "max": 5}},
    }
    _contract(
        pipeline,
        "credit-tunebad",
        training={
            "hyperparameters": {"objective": "binary:logistic", "num_round": 5, "gamma": -1},
            "tuning": tuning,
        },
    )
    _, run = _run(pipeline, "credit-tunebad", 105)
    assert run["status"] == "FAILED"
    assert "All training jobs failed" in run["cause"]


def test_a_throttled_registry_is_retried_then_fails_with_the_reason(pipeline, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from moto.sagemaker.exceptions import SagemakerClientError
    from moto.sagemaker.models import SageMakerModelBackend

    class Throttled(SagemakerClientError):
        code = "ThrottlingException"

    calls = []

    def throttled(self, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs)
        raise Throttled("Rate exceeded")

    _contract(pipeline, "credit-throttled")
    monkeypatch.setattr(SageMakerModelBackend, "create_model_package", throttled)
    _, run = _run(pipeline, "credit-throttled", 106)
    assert run["status"] == "FAILED"
    assert run["error"] == "TransientError" and "ThrottlingException" in run["cause"]
    assert len(calls) >= 2, "the register step is retried before the run fails"


def _invoke(pipeline, function: str, payload: dict[str, Any]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    name = pipeline.cloud.stack.functions[function].name
    out = pipeline.cloud.client("lambda").invoke(FunctionName=name, Payload=json.dumps(payload).encode())
    return dict(json.loads(out["Payload"].read()))


@pytest.mark.parametrize(
    ("scores", "rule"),
    [("0.1\n0.9\n", "one prediction per test row"), ("0.1\nnan\n0.7\n", "finite scores")],
    ids=["row-count-mismatch", "nan-scores"],
)
def test_evaluate_rejects_predictions_that_do_not_line_up(pipeline, scores: str, rule: str) -> None:  # type: ignore[no-untyped-def]
    bucket = pipeline.cloud.stack.outputs["ArtifactBucketName"]
    s3 = pipeline.cloud.client("s3")
    s3.put_object(Bucket=bucket, Key="eval-bad/labels.csv", Body=b"0\n1\n1\n")
    s3.put_object(Bucket=bucket, Key="eval-bad/scores.csv.out", Body=scores.encode())
    result = _invoke(
        pipeline,
        "EvaluateFunction",
        {
            "dataset": "credit",
            "version": "bad",
            "labels": f"s3://{bucket}/eval-bad/labels.csv",
            "predictions": f"s3://{bucket}/eval-bad/scores.csv.out",
            "threshold": 0.5,
        },
    )
    assert result["errorType"] == "InputRejected" and rule in result["errorMessage"]


def test_a_trained_version_is_retrained_on_purpose_without_touching_claims(pipeline, capsys) -> None:  # type: ignore[no-untyped-def]
    from lockgate.cli import main
    from lockgate.local.stepfunctions.executions import wait_for_execution

    _contract(pipeline, "credit-retrain")
    version, run = _run(pipeline, "credit-retrain", 107)
    assert run["status"] == "SUCCEEDED", run.get("cause")
    first = json.loads(run["output"])
    url = pipeline.cloud.url
    assert main(["retrain", "credit-retrain", "--version", version, "--endpoint-url", url]) == 0
    printed = capsys.readouterr().out
    name = printed.split(":execution:lockgate-train-dev:", 1)[1].split()[0]
    assert name.startswith("retrain-credit-retrain-manual-")
    sfn = pipeline.cloud.client("stepfunctions")
    retrained = wait_for_execution(sfn, pipeline.train_arn, name, timeout=180)
    assert retrained["status"] == "SUCCEEDED", retrained.get("cause")
    again = json.loads(retrained["output"])
    assert again["plan"]["duplicate"] is False
    assert again["model"]["trainingJob"] != first["model"]["trainingJob"]
    assert again["registration"]["packageArn"] != first["registration"]["packageArn"]
    assert again["plan"]["modelOutputPath"].startswith(first["plan"]["modelOutputPath"] + "/retrain-")
    # the version's own claim is untouched: DatasetVersionCreated delivered again is still a duplicate
    table = pipeline.cloud.stack.resources["IdempotencyTable"].physical_id
    claims = pipeline.cloud.client("dynamodb").scan(TableName=table)["Items"]
    keys = {c["id"]["S"] for c in claims if version in c["id"]["S"]}
    assert keys == {f"train#credit-retrain#{version}", f"train#credit-retrain#{version}#{name}"}


def test_an_unrecorded_approval_fails_the_run_naming_the_package(pipeline, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from moto.sagemaker.exceptions import SagemakerClientError
    from moto.sagemaker.models import SageMakerModelBackend

    class Denied(SagemakerClientError):
        code = "AccessDeniedException"

    def denied(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise Denied("not authorized to perform sagemaker:UpdateModelPackage")

    _contract(pipeline, "credit-unrecorded")
    monkeypatch.setattr(SageMakerModelBackend, "update_model_package", denied)
    _, run = _run(pipeline, "credit-unrecorded", 108)
    monkeypatch.undo()
    assert run["status"] == "FAILED"
    assert run["error"] == "ApprovalNotRecorded" and "lockgate approve|reject" in run["cause"]
    sm = pipeline.cloud.client("sagemaker")
    (summary,) = sm.list_model_packages(ModelPackageGroupName="lockgate-dev-credit-unrecorded")[
        "ModelPackageSummaryList"
    ]
    assert summary["ModelPackageArn"] in run["cause"]
    package = sm.describe_model_package(ModelPackageName=summary["ModelPackageArn"])
    assert package["ModelApprovalStatus"] == "PendingManualApproval"
    decided = package["CustomerMetadataProperties"]
    assert decided["approvalStatus"] in ("Approved", "PendingManualApproval") and decided["approvalReasons"]
    assert not package.get("ApprovalDescription")  # the update never landed: the metadata says what was meant


def test_a_throttled_approval_update_is_retried_on_the_same_package(pipeline, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from moto.sagemaker.exceptions import SagemakerClientError
    from moto.sagemaker.models import SageMakerModelBackend

    class Throttled(SagemakerClientError):
        code = "ThrottlingException"

    original, calls = SageMakerModelBackend.update_model_package, []

    def throttled_once(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args)
        if len(calls) == 1:
            raise Throttled("Rate exceeded")
        return original(self, *args, **kwargs)

    _contract(pipeline, "credit-throttled-update")
    monkeypatch.setattr(SageMakerModelBackend, "update_model_package", throttled_once)
    _, run = _run(pipeline, "credit-throttled-update", 109)
    monkeypatch.undo()
    assert run["status"] == "SUCCEEDED", run.get("cause")
    assert len(calls) >= 2
    sm = pipeline.cloud.client("sagemaker")
    (summary,) = sm.list_model_packages(ModelPackageGroupName="lockgate-dev-credit-throttled-update")[
        "ModelPackageSummaryList"
    ]
    package = sm.describe_model_package(ModelPackageName=summary["ModelPackageArn"])
    registration = json.loads(run["output"])["registration"]
    assert registration["packageArn"] == summary["ModelPackageArn"] and not registration["alreadyRegistered"]
    assert package["ApprovalDescription"] == "; ".join(registration["reasons"]) != ""
