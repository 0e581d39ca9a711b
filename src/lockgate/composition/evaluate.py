"""EvaluateFunction: its settings and the evaluator on S3."""

from __future__ import annotations

from lockgate.adapters.s3 import S3Store
from lockgate.composition.settings import HandlerSettings
from lockgate.pipeline.evaluate import Evaluator


class EvaluateSettings(HandlerSettings):
    """ARTIFACT_BUCKET: where evaluation.json and report.html go."""

    artifact_bucket: str


def build_evaluator(settings: EvaluateSettings) -> Evaluator:
    """The evaluator reading predictions and labels from S3."""
    return Evaluator(S3Store(), settings.artifact_bucket)
