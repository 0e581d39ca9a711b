"""The SageMaker endpoint twin: endpoints that take time, update with guardrails and really predict.

moto 5.2.5 makes every endpoint InService at once, has no UpdateEndpoint and answers every
InvokeEndpoint with b"body". The twin (installed by `lockgate.local.sagemaker.endpoint_patches`) adds:

- Creating -> InService and Updating -> InService on the local clock;
- UpdateEndpointWeightsAndCapacities: Updating -> InService on the local clock, DesiredWeight
  applied at the end (routing follows it), ValidationException for an unknown variant, a negative
  weight, all weights 0, or an endpoint not InService;
- UpdateEndpoint with a validated DeploymentConfig (`guardrails.plan_rollout`): a blue/green
  rollout moves traffic to the new fleet step by step, checks the rollback alarms' state in moto's
  CloudWatch on every tick and rolls back to the old config (the endpoint stays InService on the
  OLD EndpointConfigName, as on AWS);
- InvokeEndpoint through the model's containers in order (`pipeline`: the encoder script from
  its artifact, real XGBoost), weighted routing, TargetVariant, the 6 MB limit, AWS's error shapes,
  metrics and data capture (`invocation`);
- "SageMaker Endpoint Deployment State Change" events on the default bus;
- a fault switch: a model tagged `lockgate:fault-5xx-rate=<0..1>` fails that share of calls
  with a 500 (ModelError to the caller, Invocation5XXErrors for the alarms).
"""

from __future__ import annotations

import io
import json
import random
import tarfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends
from moto.events.models import events_backends
from moto.sagemaker.exceptions import AWSValidationException
from moto.sagemaker.models import FakeEndpoint, SageMakerModelBackend, sagemaker_backends

from lockgate.local.clock import LocalClock
from lockgate.local.sagemaker import invocation, pipeline
from lockgate.local.sagemaker.guardrails import GuardrailError, RolloutPlan, plan_rollout
from lockgate.local.sagemaker.worker import load_xgboost

DEPLOYMENT_EVENT = "SageMaker Endpoint Deployment State Change"
CSV = "text/csv"
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024  # InvokeEndpoint: "Maximum payload size 6 MB"

Response = tuple[int, dict[str, str], str]


@dataclass
class Fleet:
    """The instances behind one endpoint config."""

    config_name: str
    variants: list[dict[str, Any]]
    data_capture: dict[str, Any]


@dataclass
class EndpointState:
    """What the twin knows about an endpoint beyond moto's FakeEndpoint."""

    live: Fleet
    new: Fleet | None = None
    new_share: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class EndpointTwin:
    """The endpoint behaviour moto lacks. `creation_seconds`, `tick_seconds` and `weights_seconds`
    (a weight update's Updating time) are local-clock seconds; tests may raise `creation_seconds` to
    keep an endpoint Creating past a deadline."""

    def __init__(
        self,
        clock: LocalClock,
        *,
        creation_seconds: float = 30.0,
        tick_seconds: float = 5.0,
        weights_seconds: float = 10.0,
    ) -> None:
        self.clock = clock
        self.creation_seconds = creation_seconds
        self.weights_seconds = weights_seconds
        self.tick_seconds = tick_seconds
        self.random = random.Random()
        self._states: dict[tuple[str, str, str], EndpointState] = {}
        self._boosters: dict[str, Any] = {}
        self._boosters_lock = threading.Lock()
        self._containers = pipeline.Containers()
        self._stopped = threading.Event()

    def stop(self) -> None:
        """Stop every rollout and creation timer (they end at their next tick)."""
        self._stopped.set()

    # lifecycle -----------------------------------------------------------------------------

    def created(self, backend: SageMakerModelBackend, endpoint: FakeEndpoint) -> None:
        """moto just created `endpoint` InService: make it Creating, InService after the clock says so."""
        config = backend.endpoint_configs[endpoint.endpoint_config_name]
        key = (backend.account_id, backend.region_name, endpoint.endpoint_name)
        self._states[key] = EndpointState(live=_fleet(config))
        endpoint.endpoint_status = "Creating"
        self._emit(backend, endpoint, "Creating", endpoint.endpoint_config_name)
        self._spawn(self._finish_creation, backend, endpoint)

    def _finish_creation(self, backend: SageMakerModelBackend, endpoint: FakeEndpoint) -> None:
        if self._sleep(self.creation_seconds) and endpoint.endpoint_status == "Creating":
            endpoint.endpoint_status = "InService"
            self._emit(backend, endpoint, "InService", endpoint.endpoint_config_name)

    def deleted(self, backend: SageMakerModelBackend, name: str) -> None:
        """Forget a deleted endpoint."""
        self._states.pop((backend.account_id, backend.region_name, name), None)

    def update(
        self,
        backend: SageMakerModelBackend,
        name: str,
        config_name: str,
        deployment_config: dict[str, Any] | None,
    ) -> FakeEndpoint:
        """UpdateEndpoint: validate as SageMaker does, then roll out in the background."""
        endpoint = backend.endpoints.get(name)
        if endpoint is None:
            raise AWSValidationException(f'Could not find endpoint "{_arn(backend, "endpoint", name)}".')
        config = backend.endpoint_configs.get(config_name)
        if config is None:
            raise AWSValidationException(
                f'Could not find endpoint configuration "{_arn(backend, "endpoint-config", config_name)}".'
            )
        state = self._state(backend, endpoint)
        with state.lock:
            if endpoint.endpoint_status != "InService":
                raise AWSValidationException(
                    f'Cannot update in-progress endpoint "{endpoint.arn}" '
                    f"(status {endpoint.endpoint_status})."
                )
            old_names = sorted(str(v["VariantName"]) for v in state.live.variants)
            new_names = sorted(str(v["VariantName"]) for v in config.production_variants)
            if deployment_config and old_names != new_names:
                raise AWSValidationException(
                    "A DeploymentConfig needs the new endpoint configuration to keep the variant names "
                    f"of the old one ({', '.join(old_names)}); {config_name} has {', '.join(new_names)}."
                )
            try:
                instances = sum(int(v.get("InitialInstanceCount") or 1) for v in config.production_variants)
                plan = plan_rollout(deployment_config, new_instances=instances)
            except GuardrailError as error:
                raise AWSValidationException(str(error)) from error
            missing = [
                a
                for a in plan.alarms
                if a not in cloudwatch_backends[backend.account_id][backend.region_name].alarms
            ]
            if missing:
                raise AWSValidationException(
                    f"The alarm(s) {missing} in AutoRollbackConfiguration do not exist."
                )
            endpoint.endpoint_status = "Updating"
            state.new, state.new_share = _fleet(config), 0.0
        self._emit(backend, endpoint, "Updating", config_name)
        self._spawn(self._roll_out, backend, endpoint, state, plan, deployment_config)
        return endpoint

    def _roll_out(
        self,
        backend: SageMakerModelBackend,
        endpoint: FakeEndpoint,
        state: EndpointState,
        plan: RolloutPlan,
        deployment_config: dict[str, Any] | None,
    ) -> None:
        elapsed = [
            self.creation_seconds
        ]  # local-clock seconds so far (overhead of a loaded host not counted)
        if not self._sleep(self.creation_seconds):  # the new fleet is provisioned first
            return
        for step in plan.steps:
            state.new_share = step.new_share
            reason = self._bake(backend, plan, step.bake_seconds, elapsed)
            if reason:
                self._roll_back(backend, endpoint, state, reason)
                return
        reason = self._bake(backend, plan, plan.termination_wait_seconds, elapsed)
        if reason:
            self._roll_back(backend, endpoint, state, reason)
            return
        new = state.new
        if new is None:
            return
        with state.lock:
            endpoint.endpoint_config_name = new.config_name
            endpoint.production_variants = endpoint._process_production_variants(new.variants)
            endpoint.data_capture_config = new.data_capture
            endpoint.last_deployment_config = deployment_config  # type: ignore[attr-defined]
            endpoint.failure_reason = None
            endpoint.last_modified_time = datetime.now(UTC)
            state.live, state.new, state.new_share = new, None, 0.0
            endpoint.endpoint_status = "InService"
        self._emit(backend, endpoint, "InService", new.config_name)

    def _bake(
        self, backend: SageMakerModelBackend, plan: RolloutPlan, seconds: float, elapsed: list[float]
    ) -> str:
        """Wait `seconds` of local time checking the alarms every tick; '' or why to roll back."""
        left = seconds
        while True:
            firing = self._alarms_firing(backend, plan.alarms)
            if firing:
                return f"Alarm(s) {', '.join(firing)} went into ALARM state during the deployment."
            if elapsed[0] > plan.max_execution_seconds:
                return (
                    "The deployment exceeded MaximumExecutionTimeoutInSeconds "
                    f"({plan.max_execution_seconds:.0f})."
                )
            if left <= 0:
                return ""
            step = min(self.tick_seconds, left)
            if not self._sleep(step):
                return ""
            left -= step
            elapsed[0] += step

    def _alarms_firing(self, backend: SageMakerModelBackend, names: tuple[str, ...]) -> list[str]:
        alarms = cloudwatch_backends[backend.account_id][backend.region_name].alarms
        return [name for name in names if name in alarms and alarms[name].state_value == "ALARM"]

    def _roll_back(
        self, backend: SageMakerModelBackend, endpoint: FakeEndpoint, state: EndpointState, reason: str
    ) -> None:
        with state.lock:
            target = state.new.config_name if state.new else ""
            state.new, state.new_share = None, 0.0
            endpoint.failure_reason = f"Rolled back the update to {target}: {reason}"  # type: ignore[assignment]
            endpoint.last_modified_time = datetime.now(UTC)
            endpoint.endpoint_status = "InService"
        self._emit(backend, endpoint, "RolledBack", endpoint.endpoint_config_name, reason=reason)

    def update_weights(
        self, backend: SageMakerModelBackend, name: str, desired: list[dict[str, Any]]
    ) -> FakeEndpoint:
        """UpdateEndpointWeightsAndCapacities: validate as SageMaker does, go Updating (DesiredWeight and
        DesiredInstanceCount shown at once), apply them after `weights_seconds` of local time, InService.
        Traffic keeps the current weights until then, as on AWS."""
        endpoint = backend.endpoints.get(name)
        if endpoint is None:
            raise AWSValidationException(f'Could not find endpoint "{_arn(backend, "endpoint", name)}".')
        state = self._state(backend, endpoint)
        with state.lock:
            if endpoint.endpoint_status != "InService":
                raise AWSValidationException(
                    f'Cannot update in-progress endpoint "{endpoint.arn}" '
                    f"(status {endpoint.endpoint_status})."
                )
            variants = {str(v["VariantName"]): v for v in endpoint.production_variants}
            initial = {str(v["VariantName"]): v.get("InitialVariantWeight", 1.0) for v in state.live.variants}
            weights = {
                n: float(v["CurrentWeight"] if v.get("CurrentWeight") is not None else initial.get(n, 1.0))
                for n, v in variants.items()
            }
            seen: set[str] = set()
            for entry in desired:
                variant = str(entry.get("VariantName"))
                if variant in seen:
                    raise AWSValidationException(
                        f'The variant name "{variant}" was non-unique within the request.'
                    )
                if variant not in variants:
                    raise AWSValidationException(
                        f'The variant name(s) "{variant}" is/are not present within endpoint '
                        f'configuration "{endpoint.endpoint_config_name}".'
                    )
                seen.add(variant)
                weight = entry.get("DesiredWeight")
                if weight is not None and float(weight) < 0:
                    raise AWSValidationException(
                        f"1 validation error detected: Value '{weight}' at 'desiredWeightsAndCapacities."
                        "member.desiredWeight' failed to satisfy constraint: Member must have value "
                        "greater than or equal to 0"
                    )
                if weight is not None:
                    weights[variant] = float(weight)
            if sum(weights.values()) <= 0:
                raise AWSValidationException(
                    f"The weights of endpoint {name} would all be 0: no variant could take traffic."
                )
            for entry in desired:
                live = variants[str(entry["VariantName"])]
                if entry.get("DesiredWeight") is not None:
                    live["DesiredWeight"] = float(entry["DesiredWeight"])
                if entry.get("DesiredInstanceCount") is not None:
                    live["DesiredInstanceCount"] = int(entry["DesiredInstanceCount"])
            endpoint.endpoint_status = "Updating"
        self._emit(backend, endpoint, "Updating", endpoint.endpoint_config_name)
        self._spawn(self._apply_weights, backend, endpoint, state)
        return endpoint

    def _apply_weights(
        self, backend: SageMakerModelBackend, endpoint: FakeEndpoint, state: EndpointState
    ) -> None:
        if not self._sleep(self.weights_seconds):
            return
        with state.lock:
            for variant in endpoint.production_variants:
                if variant.get("DesiredWeight") is not None:
                    variant["CurrentWeight"] = variant["DesiredWeight"]
                if variant.get("DesiredInstanceCount") is not None:
                    variant["CurrentInstanceCount"] = variant["DesiredInstanceCount"]
            endpoint.last_modified_time = datetime.now(UTC)
            endpoint.endpoint_status = "InService"
        self._emit(backend, endpoint, "InService", endpoint.endpoint_config_name)

    # invocation ----------------------------------------------------------------------------

    def invoke(self, account: str, region: str, name: str, body: bytes, headers: dict[str, str]) -> Response:
        """InvokeEndpoint: route, predict, meter, capture."""
        if len(body) > MAX_PAYLOAD_BYTES:  # the API refuses it before any container sees it
            return invocation.error(
                400,
                "ValidationError",
                "1 validation error detected: Value at 'body' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_PAYLOAD_BYTES}",
            )
        backend = sagemaker_backends[account][region]
        endpoint = backend.endpoints.get(name)
        if endpoint is None:
            return invocation.error(
                400, "ValidationError", f"Endpoint {name} of account {account} not found."
            )
        if endpoint.endpoint_status not in ("InService", "Updating"):
            return invocation.error(
                400,
                "ValidationError",
                f"Endpoint {name} of account {account} is not in service "
                f"(status {endpoint.endpoint_status}).",
            )
        state = self._state(backend, endpoint)
        fleet, variant = invocation.route(
            state, endpoint, self.random, headers.get("x-amzn-sagemaker-target-variant")
        )
        if variant is None:
            return invocation.error(
                400, "ValidationError", "The variant named in TargetVariant is not part of the endpoint."
            )
        variant_name = str(variant["VariantName"])
        model = backend._models.get(variant["ModelName"])
        content_type = headers.get("content-type") or CSV
        accept = headers.get("accept") or ""
        began = time.perf_counter()
        chain = self._containers.chain(
            invocation.definitions(backend, model),
            invocation.fetcher(backend),
            lambda url: self._booster(backend, url),
        )
        try:
            output, output_type = pipeline.run(chain, body, content_type, accept)
        except pipeline.ContainerError as error:
            return invocation.model_error(backend, name, variant_name, error.status, error.message)
        if self.random.random() < invocation.fault_rate(model):
            return invocation.model_error(
                backend, name, variant_name, 500, "Injected fault (lockgate fault switch)."
            )
        latency_us = (time.perf_counter() - began) * 1e6
        text = output.decode()
        invocation.meter(backend, name, variant_name, errors_5xx=0, errors_4xx=0, latency_us=latency_us)
        invocation.capture(
            backend,
            name,
            variant_name,
            fleet.data_capture,
            self.random,
            data=(body.decode(errors="replace"), content_type),
            output=(text, output_type),
        )
        return 200, {"Content-Type": output_type, "x-Amzn-Invoked-Production-Variant": variant_name}, text

    def _booster(self, backend: SageMakerModelBackend, url: str) -> Any:
        with self._boosters_lock:
            if url not in self._boosters:
                xgb = load_xgboost()

                with tarfile.open(fileobj=io.BytesIO(invocation.fetcher(backend)(url))) as tar:
                    member = tar.extractfile("xgboost-model")
                    if member is None:
                        raise AWSValidationException(f"{url} holds no xgboost-model file.")
                    booster = xgb.Booster()
                    booster.load_model(bytearray(member.read()))
                booster.set_param("nthread", "1")
                self._boosters[url] = booster
            return self._boosters[url]

    # plumbing ------------------------------------------------------------------------------

    def _state(self, backend: SageMakerModelBackend, endpoint: FakeEndpoint) -> EndpointState:
        key = (backend.account_id, backend.region_name, endpoint.endpoint_name)
        if key not in self._states:  # created before the twin was installed
            self._states[key] = EndpointState(
                live=_fleet(backend.endpoint_configs[endpoint.endpoint_config_name])
            )
        return self._states[key]

    def _sleep(self, seconds: float) -> bool:
        """Sleep local-clock seconds; False when the twin was stopped meanwhile."""
        return not self._stopped.wait(self.clock.scale(seconds))

    def _spawn(self, target: Any, *args: Any) -> None:
        threading.Thread(target=target, args=args, daemon=True, name="lockgate-endpoint-twin").start()

    def _emit(
        self,
        backend: SageMakerModelBackend,
        endpoint: FakeEndpoint,
        status: str,
        config_name: str,
        reason: str = "",
    ) -> None:
        detail: dict[str, Any] = {
            "EndpointName": endpoint.endpoint_name,
            "EndpointArn": endpoint.arn,
            "EndpointConfigName": config_name,
            "EndpointStatus": status,
            "Tags": {tag["Key"]: tag["Value"] for tag in endpoint.tags},
        }
        if reason:
            detail["FailureReason"] = reason
        events_backends[backend.account_id][backend.region_name].put_events(
            [
                {
                    "Source": "aws.sagemaker",
                    "DetailType": DEPLOYMENT_EVENT,
                    "Detail": json.dumps(detail),
                    "Resources": [endpoint.arn],
                }
            ]
        )


def _fleet(config: Any) -> Fleet:
    return Fleet(
        config.endpoint_config_name,
        [dict(v) for v in config.production_variants],
        dict(config.data_capture_config or {}),
    )


def _arn(backend: SageMakerModelBackend, kind: str, name: str) -> str:
    return f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:{kind}/{name}"
