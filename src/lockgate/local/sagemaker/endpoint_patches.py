"""The SageMaker endpoint twin's hooks into moto (the behaviour lives in lockgate.local.sagemaker.endpoints).

Targets, each listed in `PATCH_TARGETS` and checked by tests/contract/test_endpoint_patches.py:
- `SageMakerModelBackend.create_endpoint` / `delete_endpoint`: wrapped (Creating -> InService).
- `SageMakerModelBackend.update_endpoint_weights_and_capacities`: replaced (moto applies the weights
  at once, stays InService, drops omitted instance counts; the twin goes Updating -> InService on the
  local clock and validates as AWS does).
- `SageMakerResponse.update_endpoint`: added (moto 5.2.5 raises NotImplementedError: no such method).
- `SageMakerRuntimeResponse.invoke_endpoint`: replaced (real predictions instead of b"body").
- `SageMakerRuntimeResponse.use_raw_body`: True (`BaseResponse.setup_class` decodes the body as
  UTF-8 otherwise; other bytes answered 500 before the endpoint saw them).
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import unquote

from moto.core.responses import ActionResult
from moto.sagemaker.models import FakeEndpoint, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

from lockgate.local.clock import LocalClock
from lockgate.local.sagemaker.endpoints import EndpointTwin

PATCH_TARGETS: tuple[tuple[object, str], ...] = (
    (SageMakerModelBackend, "create_endpoint"),
    (SageMakerModelBackend, "delete_endpoint"),
    (SageMakerModelBackend, "update_endpoint_weights_and_capacities"),
    (SageMakerResponse, "sagemaker_backend"),
    (SageMakerRuntimeResponse, "invoke_endpoint"),
    (SageMakerRuntimeResponse, "use_raw_body"),
    (FakeEndpoint, "_process_production_variants"),
)

_originals: dict[tuple[int, str], tuple[object, Any]] = {}
_lock = threading.Lock()


class _State:
    twin: EndpointTwin | None = None


_state = _State()


def apply(*, clock: LocalClock) -> EndpointTwin:
    """Install the endpoint twin on the local clock (idempotent); returns it."""
    with _lock:
        if _state.twin is not None:
            _state.twin.stop()
        _state.twin = EndpointTwin(clock)
        if not _originals:
            _replace(SageMakerModelBackend, "create_endpoint", _create_endpoint)
            _replace(SageMakerModelBackend, "delete_endpoint", _delete_endpoint)
            _replace(SageMakerModelBackend, "update_endpoint_weights_and_capacities", _update_weights)
            _replace(SageMakerResponse, "update_endpoint", _response_update_endpoint)
            _replace(SageMakerRuntimeResponse, "invoke_endpoint", _invoke_endpoint)
            # the body as sent: moto decodes it as UTF-8 otherwise, and answers 500 to other bytes
            _replace(SageMakerRuntimeResponse, "use_raw_body", True)
        return _state.twin


def remove() -> None:
    """Undo every patch and stop the twin's timers."""
    with _lock:
        for (_, name), (owner, original) in list(_originals.items()):
            if original is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
        _originals.clear()
        if _state.twin is not None:
            _state.twin.stop()
        _state.twin = None


def twin() -> EndpointTwin:
    """The installed twin (tests and the demo tune `creation_seconds` or `random` through it)."""
    if _state.twin is None:
        raise RuntimeError("lockgate.local.sagemaker.endpoint_patches.apply() has not been called")
    return _state.twin


_MISSING = object()


def _replace(owner: object, name: str, value: object) -> None:
    _originals[(id(owner), name)] = (owner, getattr(owner, name, _MISSING))
    setattr(owner, name, value)


def _original(owner: object, name: str) -> Any:
    return _originals[(id(owner), name)][1]


def _create_endpoint(
    self: SageMakerModelBackend, endpoint_name: str, endpoint_config_name: str, tags: list[dict[str, str]]
) -> FakeEndpoint:
    endpoint = _original(SageMakerModelBackend, "create_endpoint")(
        self, endpoint_name, endpoint_config_name, tags
    )
    twin().created(self, endpoint)
    return endpoint  # type: ignore[no-any-return]


def _delete_endpoint(self: SageMakerModelBackend, endpoint_name: str) -> None:
    _original(SageMakerModelBackend, "delete_endpoint")(self, endpoint_name)
    twin().deleted(self, endpoint_name)


def _update_weights(
    self: SageMakerModelBackend, endpoint_name: str, desired_weights_and_capacities: list[dict[str, Any]]
) -> str:
    return str(twin().update_weights(self, endpoint_name, desired_weights_and_capacities).arn)


def _response_update_endpoint(self: SageMakerResponse) -> ActionResult:
    endpoint = twin().update(
        self.sagemaker_backend,
        self._get_param("EndpointName"),
        self._get_param("EndpointConfigName"),
        self._get_param("DeploymentConfig"),
    )
    return ActionResult({"EndpointArn": endpoint.arn})


def _invoke_endpoint(self: SageMakerRuntimeResponse) -> tuple[int, dict[str, str], str]:
    name = unquote(self.path.split("/")[2])
    raw = getattr(self, "raw_body", self.body)
    body = raw if isinstance(raw, bytes) else str(raw or "").encode()
    headers = {key.lower(): value for key, value in self.headers.items()}
    return twin().invoke(self.current_account, self.region, name, body, headers)
