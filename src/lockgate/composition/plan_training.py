"""PlanTrainingFunction: its settings and the training plan on the dataset's contract."""

from __future__ import annotations

from collections.abc import Callable

from lockgate.adapters.dynamodb import RunClaims
from lockgate.adapters.s3 import S3Store
from lockgate.composition.settings import HandlerSettings
from lockgate.messages.train import PlanTrainingInput, PlanTrainingOutput
from lockgate.pipeline.contracts import dataset_contract
from lockgate.pipeline.train_plan import plan


class PlanTrainingSettings(HandlerSettings):
    """DATA_BUCKET (contracts), ARTIFACT_BUCKET (models, test copies), IDEMPOTENCY_TABLE (claims)."""

    data_bucket: str
    artifact_bucket: str
    idempotency_table: str


def build_planner(settings: PlanTrainingSettings) -> Callable[[PlanTrainingInput], PlanTrainingOutput]:
    """request -> the run's plan, from the dataset's contract (a repeat ends as a duplicate)."""
    store, claims = S3Store(), RunClaims(settings.idempotency_table)

    def plan_run(request: PlanTrainingInput) -> PlanTrainingOutput:
        contract = dataset_contract(store, settings.data_bucket, request.dataset)
        return plan(request, contract, store, claims, settings.artifact_bucket)

    return plan_run
