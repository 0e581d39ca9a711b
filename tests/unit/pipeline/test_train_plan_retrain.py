"""Retraining a dataset version on purpose: an execution named retrain-... claims its own run,
with its own job names and model prefix; the same DatasetVersionCreated twice still trains once."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lockgate.data.contract import load_contract
from lockgate.layout import bias_report_prefix, evaluation_report_prefix
from lockgate.messages.train import PlanTrainingInput
from lockgate.names import retrain_name, retrain_of
from lockgate.pipeline.train_plan import job_name, plan, tuning_job_name

REPO = Path(__file__).resolve().parents[3]
DATA, ARTIFACTS = "data", "artifacts"
MACHINE = "arn:aws:states:us-east-1:123456789012:execution:lockgate-train-dev"
VERSION = "f" * 64
JOB = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")  # SageMaker's job name pattern


class Claims:
    """The idempotency table: a conditional put per key."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}

    def claim(self, key: str, execution: str) -> str:
        return self.items.setdefault(key, execution)


def _request(store: Any, execution: str) -> PlanTrainingInput:
    prefix = f"datasets/credit/{VERSION}/splits"
    for name in ("train", "validation", "test"):  # a version written before the Parquet layout
        store.put(DATA, f"{prefix}/{name}/xgboost/part-0.csv", b"1,0.5,2\n0,0.1,3\n")
    splits = {
        name: {
            "xgboost": f"s3://{DATA}/{prefix}/{name}/xgboost/",
            "parquet": f"s3://{DATA}/{prefix}/{name}/parquet/",
        }
        for name in ("train", "validation", "test")
    }
    return PlanTrainingInput(dataset="credit", version=VERSION, execution=execution, splits=splits)


def _plan(store: Any, claims: Claims, execution: str) -> Any:
    contract = load_contract((REPO / "contracts" / "credit.yaml").read_text(), "credit.yaml")
    return plan(_request(store, f"{MACHINE}:{execution}"), contract, store, claims, ARTIFACTS)


def test_the_same_version_delivered_twice_still_trains_once(store: Any) -> None:
    claims = Claims()
    first, second = _plan(store, claims, "a1b2"), _plan(store, claims, "c3d4")
    assert not first.duplicate and second.duplicate
    assert second.first_execution == f"{MACHINE}:a1b2"


def test_a_retrain_of_a_trained_version_is_not_a_duplicate(store: Any) -> None:
    claims = Claims()
    first = _plan(store, claims, "a1b2")
    retrain = _plan(store, claims, retrain_name("credit", "manual-20261202T073000Z"))
    assert not retrain.duplicate
    assert retrain.training.TrainingJobName != first.training.TrainingJobName
    assert retrain.transform.TransformJobName != first.transform.TransformJobName
    assert retrain.model_output_path != first.model_output_path  # the first run's artifacts stay
    assert retrain.predictions.startswith(retrain.model_output_path + "/")
    assert JOB.match(retrain.training.TrainingJobName)
    assert first.run == "" and retrain.run == retrain_name("credit", "manual-20261202T073000Z")


def test_a_retrains_reports_go_beside_the_versions_not_over_them() -> None:
    name = retrain_name("credit", "manual-1")
    assert evaluation_report_prefix("credit", VERSION) == f"reports/credit/{VERSION}/evaluation/"
    assert evaluation_report_prefix("credit", VERSION, name) == f"reports/credit/{VERSION}/{name}/evaluation/"
    assert bias_report_prefix("credit", VERSION, "post_training", name).startswith(
        f"reports/credit/{VERSION}/{name}/bias/"
    )


def test_the_same_retrain_run_planned_again_is_itself_not_a_duplicate(store: Any) -> None:
    """A retried PlanTraining of one retrain execution keeps its claim (and its names)."""
    claims, name = Claims(), retrain_name("credit", "manual-1")
    once, again = _plan(store, claims, name), _plan(store, claims, name)
    assert not once.duplicate and not again.duplicate
    assert once.training.TrainingJobName == again.training.TrainingJobName


def test_two_retrains_get_two_runs(store: Any) -> None:
    claims = Claims()
    one = _plan(store, claims, retrain_name("credit", "manual-1"))
    two = _plan(store, claims, retrain_name("credit", "manual-2"))
    assert not one.duplicate and not two.duplicate
    assert one.training.TrainingJobName != two.training.TrainingJobName


def test_retrain_names_fit_every_limit() -> None:
    dataset, version = "d" * 60, "v" * 64
    name = retrain_name(dataset, "x" * 100)
    assert len(name) <= 80 and re.fullmatch(r"[A-Za-z0-9_-]+", name)
    assert retrain_of(f"{MACHINE}:{name}") == name
    assert retrain_of(f"{MACHINE}:3f6c2a9e-0000-4000-8000-000000000000") is None
    assert JOB.match(job_name(dataset, version, name)) and len(job_name(dataset, version, name)) <= 63
    assert len(tuning_job_name(dataset, version, name)) <= 32
    assert job_name(dataset, version) == job_name(dataset, version, None)  # first runs keep their names
