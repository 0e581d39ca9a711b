"""BiasCheckFunction: its settings and the bias gate on S3."""

from __future__ import annotations

from lockgate.adapters.s3 import S3Store
from lockgate.composition.settings import HandlerSettings
from lockgate.pipeline.bias_gate import BiasGate


class BiasCheckSettings(HandlerSettings):
    """The bias check's environment."""

    data_bucket: str
    artifact_bucket: str


def build_bias_gate(settings: BiasCheckSettings) -> BiasGate:
    """The gate reading and writing the stack's buckets."""
    return BiasGate(S3Store(), settings.artifact_bucket)
