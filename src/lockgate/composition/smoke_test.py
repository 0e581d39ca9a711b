"""SmokeTestFunction: its settings (none of its own) and the staging endpoint's smoke test."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from lockgate.adapters.s3 import S3Store
from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints
from lockgate.composition.settings import HandlerSettings
from lockgate.deployment import service
from lockgate.messages.deploy import SmokeTestRequest, SmokeTestResult


class SmokeTestSettings(HandlerSettings):
    """smoke_test: nothing beyond the SDK's own environment."""


def build_smoke_test(settings: SmokeTestSettings) -> Callable[[SmokeTestRequest], SmokeTestResult]:
    """request -> the endpoint's predictions on test rows against the transform's (SmokeTestFailed)."""
    return partial(service.smoke_test, endpoints=SageMakerEndpoints(), objects=S3Store())
