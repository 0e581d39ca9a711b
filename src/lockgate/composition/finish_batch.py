"""FinishBatchFunction: the last step of batch inference (scores and bad rows beside the input)."""

from __future__ import annotations

from collections.abc import Callable

from lockgate.adapters.s3 import S3Store
from lockgate.messages.batch import BatchPlan, BatchPredictResult
from lockgate.serving.batch_job import finish


def build_finish_batch() -> Callable[[BatchPlan], BatchPredictResult]:
    """plan (after its transform) -> the scores and report written beside the input."""
    store = S3Store()

    def run(plan: BatchPlan) -> BatchPredictResult:
        return finish(store, plan)

    return run
