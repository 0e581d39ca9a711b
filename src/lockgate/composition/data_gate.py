"""DataGateFunction: its settings, the data gate on S3, its idempotency and the step router."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from aws_lambda_powertools import Logger, Metrics

from lockgate.adapters.idempotency import Idempotency, build_idempotency
from lockgate.adapters.s3 import S3Store
from lockgate.composition.settings import HandlerSettings
from lockgate.messages.ingest import (
    IDEMPOTENCY_KEY,
    DataGateRequest,
    DatasetVersion,
    PartResult,
    PartStep,
    ReduceStep,
)
from lockgate.pipeline.data_gate import DataGate, ObjectRef
from lockgate.pipeline.rejections import Rejections


class DataGateSettings(HandlerSettings):
    """The data gate's environment."""

    idempotency_table: str


class Gate(Protocol):
    """The data gate's three steps (lockgate.pipeline.data_gate.DataGate)."""

    def check_object(self, obj: ObjectRef, dataset: str) -> DatasetVersion: ...
    def check_part(self, obj: ObjectRef, dataset: str, execution: str) -> PartResult: ...
    def reduce_parts(
        self, bucket: str, prefix: str, dataset: str, execution: str, parts: list[PartResult]
    ) -> DatasetVersion: ...


def build_data_gate() -> DataGate:
    """The gate on the stack's S3."""
    return DataGate(S3Store())


def build_step_idempotency(settings: DataGateSettings) -> Idempotency:
    """A repeat of the same step of the same run gets the first result (24 hours)."""
    return build_idempotency(
        settings.idempotency_table, key=IDEMPOTENCY_KEY, expires_after=timedelta(hours=24)
    )


def build_rejections(logger: Logger, metrics: Metrics) -> Rejections:
    """A rejection: one log line and a metric, no traceback."""
    return Rejections(logger, metrics)


def run_step(gate: Gate, request: DataGateRequest) -> DatasetVersion | PartResult:
    """The step the request names: one object, one part of a multipart dataset, or the reduce."""
    step = request.root
    if isinstance(step, ReduceStep):
        return gate.reduce_parts(step.bucket, step.prefix, step.dataset, step.execution, step.parts)
    obj = ObjectRef(step.bucket, step.key, step.version_id, step.etag, step.size)
    if isinstance(step, PartStep):
        return gate.check_part(obj, step.dataset, step.execution)
    return gate.check_object(obj, step.dataset)
