"""RegisterModelFunction: its settings and the registrar (evaluation gate, package, lineage)."""

from __future__ import annotations

from lockgate.adapters.dynamodb import LineageTable
from lockgate.adapters.s3 import S3Store
from lockgate.adapters.sagemaker_registry import ModelRegistry
from lockgate.composition.settings import HandlerSettings
from lockgate.pipeline.register import Registrar


class RegisterModelSettings(HandlerSettings):
    """DATA_BUCKET (contracts), ENVIRONMENT (group names), XGBOOST_IMAGE, ENCODER_IMAGE (the
    scikit-learn container that runs the encoder), LINEAGE_TABLE."""

    data_bucket: str
    environment: str
    xgboost_image: str
    encoder_image: str
    lineage_table: str


def build_registrar(settings: RegisterModelSettings) -> Registrar:
    """The registrar on S3, the SageMaker model registry and the lineage table."""
    return Registrar(
        S3Store(),
        ModelRegistry(),
        LineageTable(settings.lineage_table),
        settings.data_bucket,
        settings.environment,
        settings.xgboost_image,
        settings.encoder_image,
    )
