"""PrepareBatchFunction: its settings and the first step of batch inference on S3 and the registry."""

from __future__ import annotations

import time
from collections.abc import Callable

from lockgate.adapters.s3 import S3Store
from lockgate.adapters.sagemaker_registry import ModelRegistry
from lockgate.composition.settings import HandlerSettings
from lockgate.messages.batch import BatchPlan, BatchPredictRequest
from lockgate.serving.batch_job import prepare


class PrepareBatchSettings(HandlerSettings):
    """ENVIRONMENT: the stack's, naming the dataset's model package group."""

    environment: str


def build_prepare_batch(settings: PrepareBatchSettings) -> Callable[[BatchPredictRequest], BatchPlan]:
    """request -> the plan (rows checked by the package's encoder, the transform to run)."""
    store, registry = S3Store(), ModelRegistry()

    def run(request: BatchPredictRequest) -> BatchPlan:
        return prepare(store, registry, request, settings.environment, int(time.time()))

    return run
