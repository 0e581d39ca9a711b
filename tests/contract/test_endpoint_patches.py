"""Contract tests: the moto internals that lockgate.local.sagemaker.endpoint_patches relies on."""

from __future__ import annotations

import inspect

import pytest
from moto.sagemaker.models import FakeEndpoint, FakeEndpointConfig, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemakerruntime.models import SageMakerRuntimeBackend
from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

from lockgate.local.clock import LocalClock
from lockgate.local.sagemaker import endpoint_patches


def _params(function: object) -> list[str]:
    return list(inspect.signature(function).parameters)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("owner", "name"), endpoint_patches.PATCH_TARGETS, ids=lambda x: getattr(x, "__name__", x)
)
def test_every_patch_target_exists(owner: object, name: str) -> None:
    assert hasattr(owner, name), (
        f"moto moved {getattr(owner, '__name__', owner)}.{name}: update endpoint_patches"
    )


def test_moto_still_lacks_update_endpoint() -> None:
    """If moto learns UpdateEndpoint, check whether the twin's version should still replace it."""
    assert not hasattr(SageMakerResponse, "update_endpoint")
    assert not hasattr(SageMakerModelBackend, "update_endpoint")


def test_backend_signatures_and_fields_the_twin_reads() -> None:
    assert _params(SageMakerModelBackend.create_endpoint) == [
        "self",
        "endpoint_name",
        "endpoint_config_name",
        "tags",
    ]
    assert _params(SageMakerModelBackend.delete_endpoint) == ["self", "endpoint_name"]
    assert _params(SageMakerModelBackend.update_endpoint_weights_and_capacities) == [
        "self",
        "endpoint_name",
        "desired_weights_and_capacities",
    ]
    backend = SageMakerModelBackend("us-east-1", "123456789012")
    for name in ("endpoints", "endpoint_configs", "_models", "model_packages"):
        assert isinstance(getattr(backend, name), dict), name
    for name in ("endpoint_status", "endpoint_config_name", "production_variants", "failure_reason", "tags"):
        assert f"self.{name} =" in inspect.getsource(FakeEndpoint.__init__), name
    for name in ("production_variants", "data_capture_config", "endpoint_config_name"):
        assert f"self.{name} =" in inspect.getsource(FakeEndpointConfig.__init__), name


def test_moto_weight_update_is_still_instant() -> None:
    """The twin replaces it (Updating -> InService on the local clock, AWS's validation); check whether
    that is still needed when moto stops applying weights at once and staying InService."""
    source = inspect.getsource(SageMakerModelBackend.update_endpoint_weights_and_capacities)
    assert 'variant["CurrentWeight"] = desired_weight' in source
    assert 'endpoint.endpoint_status = "InService"' in source and "Cannot update" not in source


def test_runtime_invoke_is_a_response_method_over_a_canned_backend() -> None:
    assert _params(SageMakerRuntimeResponse.invoke_endpoint) == ["self"]
    assert "results_queue" in inspect.getsource(SageMakerRuntimeBackend.invoke_endpoint)


def test_apply_and_remove() -> None:
    original = SageMakerModelBackend.create_endpoint
    endpoint_patches.apply(clock=LocalClock(1000))
    try:
        assert SageMakerModelBackend.create_endpoint is not original
        assert hasattr(SageMakerResponse, "update_endpoint")
        assert endpoint_patches.twin().clock.speed == 1000
    finally:
        endpoint_patches.remove()
    assert SageMakerModelBackend.create_endpoint is original
    assert not hasattr(SageMakerResponse, "update_endpoint")
