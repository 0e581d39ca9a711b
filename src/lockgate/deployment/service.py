"""The deploy steps between the handlers and the adapters (no boto3 here: ports only)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from lockgate import names
from lockgate.deployment import endpoint_alarms, variants
from lockgate.deployment.approval import approval_message
from lockgate.deployment.guardrails import CanaryParameters, deployment_config
from lockgate.deployment.plan import PackageSummary, decide
from lockgate.deployment.ports import Alarms, Events, Notifier, Objects, Records
from lockgate.deployment.smoke import compare, parse_predictions
from lockgate.errors import (
    DeploymentSuperseded,
    NoLiveChampion,
    PackageNotDeployable,
    SmokeTestFailed,
)
from lockgate.messages.deploy import (
    ApprovalNotice,
    ApprovalRequest,
    DeployRunInput,
    EndpointStatusRequest,
    EndpointStatusResult,
    EndpointTarget,
    EndpointUpdateRequest,
    EndpointUpdateResult,
    PrepareResult,
    RecordRequest,
    RecordResult,
    SmokeTestRequest,
    SmokeTestResult,
    VariantPlan,
)
from lockgate.messages.package import PackageMetadata
from lockgate.sagemaker_ports import EndpointInfo, Endpoints, PackageInfo, Registry

SplitOf = Callable[[str], variants.Split | None]  # dataset -> the A/B split its contract asks for


class PrepareParameters(Protocol):
    """What `prepare` reads of its function's settings (composition.prepare_deployment)."""

    @property
    def environment(self) -> str: ...
    @property
    def sagemaker_role_arn(self) -> str: ...
    @property
    def artifact_bucket(self) -> str: ...  # data capture goes under s3://<it>/capture
    @property
    def topic_arn(self) -> str: ...  # the rollback alarms' action ("" = none)
    @property
    def instance_type(self) -> str: ...
    @property
    def prod_instances(self) -> int: ...
    @property
    def latency_alarm_ms(self) -> float: ...


def prepare(
    run: DeployRunInput,
    registry: Registry,
    alarms: Alarms,
    settings: PrepareParameters,
    contract_split: SplitOf = lambda _dataset: None,
    *,
    endpoints: Endpoints,
) -> PrepareResult:
    """Decide what the event asks for; create the model, both configs and the rollback alarms.

    A/B (the run's `variants`, else the contract's): production gets a two-variant config, the
    live package as champion and this one as challenger. No live package: an explicit request
    fails (NoLiveChampion); the contract's falls back to deploying this package alone, saying so."""
    try:
        dataset = names.dataset_of_group(settings.environment, run.group)
    except ValueError as error:
        return PrepareResult(action="skip", reason=str(error))
    prod_endpoint = names.endpoint_name(settings.environment, dataset, "prod")
    live = endpoints.endpoint(prod_endpoint)
    approved = [
        PackageSummary(arn, version, "Approved") for arn, version in registry.approved_packages(run.group)
    ]
    event = PackageSummary(run.package_arn, run.version, run.status)
    decision = decide(event, approved, live.tags.get("lockgate:package") if live else None)
    if decision.target is None:
        return PrepareResult(
            action="skip", reason=decision.reason, dataset=dataset, package_arn=run.package_arn
        )
    package = registry.package(decision.target.arn)
    if decision.action == "restore":  # who rejected the live package, and why (its ApprovalDescription)
        said = registry.package(run.package_arn).approval_description
        decision = replace(decision, reason=f"{decision.reason} ({said})" if said else decision.reason)
    metadata = PackageMetadata.from_properties(package.metadata)
    if missing := metadata.missing("test_data", "predictions"):
        raise PackageNotDeployable(f"{package.arn}: CustomerMetadataProperties.{missing[0]} is missing")
    if not package.model_data_url:
        raise PackageNotDeployable(
            f"{package.arn}: InferenceSpecification.Containers[0].ModelDataUrl is missing"
        )
    tags = {"lockgate:managed": "true", "lockgate:dataset": dataset, "lockgate:package": package.arn}
    model = names.resource_name(settings.environment, dataset, package.version, package.arn, "model")
    endpoints.ensure_model(model, package, settings.sagemaker_role_arn, tags)
    staging_config = names.resource_name(settings.environment, dataset, package.version, package.arn, "stg")
    prod_config = names.resource_name(settings.environment, dataset, package.version, package.arn, "prd")
    endpoints.ensure_endpoint_config(
        staging_config, model, instance_type=settings.instance_type, instances=1, capture_uri=None, tags=tags
    )
    capture = f"s3://{settings.artifact_bucket}/capture"
    endpoints.ensure_endpoint_config(
        prod_config,
        model,
        instance_type=settings.instance_type,
        instances=settings.prod_instances,
        capture_uri=capture,
        tags=tags,
    )
    reason, ab = decision.reason, list[VariantPlan]()
    if decision.action == "deploy":
        reason, ab = _ab_variants(
            run,
            package,
            reason=reason,
            live=live,
            dataset=dataset,
            model=model,
            registry=registry,
            endpoints=endpoints,
            settings=settings,
            contract_split=contract_split,
        )
    if ab:
        prod_config = names.resource_name(
            settings.environment, dataset, package.version, package.arn, _ab_suffix(ab)
        )
        endpoints.ensure_variants_config(
            prod_config,
            [(v.name, v.model, v.weight) for v in ab],
            instance_type=settings.instance_type,
            instances=settings.prod_instances,
            capture_uri=capture,
            tags=tags,
        )
    five_xx, latency = names.alarm_names(prod_endpoint)
    alarm_list = alarms.ensure(prod_endpoint, five_xx, latency, settings.latency_alarm_ms, settings.topic_arn)
    return PrepareResult(
        action="restore" if decision.action == "restore" else "deploy",
        reason=reason,
        dataset=dataset,
        package_arn=package.arn,
        version=package.version,
        model=model,
        staging=EndpointTarget(
            endpoint=names.endpoint_name(settings.environment, dataset, "staging"),
            config=staging_config,
            stage="staging",
        ),
        prod=EndpointTarget(
            endpoint=prod_endpoint,
            config=prod_config,
            stage="prod",
            alarms=alarm_list,
            restore=decision.action == "restore",
            variants=ab,
        ),
        auto_approved=metadata.auto_approved,
        approval_description=package.approval_description,
        test_data=metadata.test_data,
        predictions=metadata.predictions,
        metadata=metadata.to_properties(),
    )


def _ab_variants(
    run: DeployRunInput,
    package: PackageInfo,
    *,
    reason: str,
    live: EndpointInfo | None,
    dataset: str,
    model: str,
    registry: Registry,
    endpoints: Endpoints,
    settings: PrepareParameters,
    contract_split: SplitOf,
) -> tuple[str, list[VariantPlan]]:
    """(reason, the two variants) of an A/B deploy, or (reason, []) when the canary applies."""
    asked = run.variants
    split = variants.check_weights(asked.champion, asked.challenger) if asked else contract_split(dataset)
    if split is None:
        return reason, []
    champion_arn = live.tags.get("lockgate:package", "") if live else ""
    endpoint = names.endpoint_name(settings.environment, dataset, "prod")
    if not champion_arn:
        if asked is not None:
            raise NoLiveChampion(
                f"{endpoint} serves no model yet, so A/B {split.label()} has no champion; "
                f"deploy {package.arn} without --variants first"
            )
        return (
            f"{reason}; the contract asks for A/B {split.label()} but {endpoint} serves no model yet: "
            "deployed as its only variant (canary)",
            [],
        )
    champion = registry.package(champion_arn)
    champion_model = names.resource_name(
        settings.environment, dataset, champion.version, champion.arn, "model"
    )
    endpoints.ensure_model(
        champion_model,
        champion,
        settings.sagemaker_role_arn,
        {"lockgate:managed": "true", "lockgate:dataset": dataset, "lockgate:package": champion.arn},
    )
    ab = [
        VariantPlan(
            name=variants.CHAMPION, package_arn=champion.arn, model=champion_model, weight=split.champion
        ),
        VariantPlan(name=variants.CHALLENGER, package_arn=package.arn, model=model, weight=split.challenger),
    ]
    source = "--variants" if asked else "the contract"
    return (
        f"{reason}; A/B {split.label()} ({source}): champion v{champion.version} vs challenger "
        f"v{package.version}",
        ab,
    )


def _ab_suffix(ab: list[VariantPlan]) -> str:
    split = variants.Split(ab[0].weight, ab[1].weight)
    return variants.config_suffix(ab[0].package_arn, split)


def update_endpoint(
    request: EndpointUpdateRequest, endpoints: Endpoints, canary: CanaryParameters
) -> EndpointUpdateResult:
    """Create the endpoint (first deploy) or update it; production updates carry the guardrails."""
    target = request.target
    current = endpoints.endpoint(target.endpoint)
    if current is None:
        tags = {
            "lockgate:managed": "true",
            "lockgate:dataset": request.dataset,
            "lockgate:stage": target.stage,
            "lockgate:package": request.package_arn,
        }
        endpoints.create_endpoint(target.endpoint, target.config, tags)
        return EndpointUpdateResult(endpoint=target.endpoint, config=target.config, action="created")
    if current.config == target.config and current.status == "InService":
        return EndpointUpdateResult(endpoint=target.endpoint, config=target.config, action="unchanged")
    live = current.tags.get("lockgate:package", "")
    if (
        target.stage == "prod"
        and not target.restore
        and _same_group(live, request.package_arn)
        and _version(live) > _version(request.package_arn)
    ):
        raise DeploymentSuperseded(
            f"{target.endpoint} already serves the newer package {live}; "
            f"{request.package_arn} is not deployed"
        )
    guard, note = None, ""
    if target.stage == "prod":
        before = sorted(v.name for v in current.variants)
        after = sorted(v.name for v in target.variants) or ["AllTraffic"]
        if before and before != after:
            # AWS: blue/green traffic shifting needs the new config to keep the old variant names
            note = (
                f"variants change ({', '.join(before)} -> {', '.join(after)}): SageMaker shifts "
                "traffic all at once, without the canary and its rollback alarms"
            )
        else:
            guard = deployment_config(
                mode=canary.traffic_mode,
                step_percent=canary.canary_percent,
                wait_seconds=canary.canary_wait_seconds,
                termination_wait_seconds=canary.termination_wait_seconds,
                alarms=target.alarms,
            )
    endpoints.update_endpoint(target.endpoint, target.config, guard)
    if target.stage == "staging":  # production's tag moves only once its update has held (RecordDeployment)
        endpoints.set_tags(target.endpoint, {"lockgate:package": request.package_arn})
    return EndpointUpdateResult(endpoint=target.endpoint, config=target.config, action="updated", note=note)


def _version(package_arn: str) -> int:
    tail = package_arn.rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _same_group(first: str, second: str) -> bool:
    return bool(first) and first.rsplit("/", 1)[0] == second.rsplit("/", 1)[0]


def poll(
    request: EndpointStatusRequest,
    endpoints: Endpoints,
    alarms: endpoint_alarms.EndpointAlarmStore | None = None,
    alarm_settings: endpoint_alarms.AlarmSettings | None = None,
    environment: str = "",
) -> EndpointStatusResult:
    """One look at the endpoint for the wait loop; `expired` once the deadline's attempts are used.
    InService: the endpoint's alarms are created or refreshed for the variants it serves (its idle
    window starts now), and the alarms of variants it no longer serves go."""
    current = endpoints.endpoint(request.endpoint)
    if alarms is not None and current is not None and current.status == "InService":
        live = endpoint_alarms.live_variants(current.variants)
        package = current.tags.get("lockgate:package", "")
        if current.config == request.config and request.package_arn:
            package = request.package_arn
        settings = alarm_settings or endpoint_alarms.AlarmSettings()
        endpoint_alarms.sync(
            alarms, environment, request.endpoint, live, settings=settings, package_arn=package
        )
    attempt = request.attempt + 1
    status = current.status if current else "Missing"
    serving = current.config if current else ""
    return EndpointStatusResult(
        endpoint=request.endpoint,
        config=request.config,
        status=status,
        serving_config=serving,
        matches=serving == request.config,
        attempt=attempt,
        max_attempts=request.max_attempts,
        expired=attempt >= request.max_attempts,
        failure_reason=current.failure_reason if current else "the endpoint does not exist",
    )


def smoke_test(request: SmokeTestRequest, endpoints: Endpoints, objects: Objects) -> SmokeTestResult:
    """Send test rows to the endpoint; every prediction must match the transform's within the tolerance."""
    rows = [
        line
        for line in objects.read(*names.split_uri(request.test_data)).decode().splitlines()
        if line.strip()
    ]
    rows = rows[: request.rows]
    expected = parse_predictions(objects.read(*names.split_uri(request.predictions)).decode())[: len(rows)]
    body, latency_ms = endpoints.invoke_csv(request.endpoint, "\n".join(rows))
    result = compare(parse_predictions(body), expected, request.tolerance)
    if not result.passed:
        raise SmokeTestFailed(
            f"{request.endpoint}: {result.mismatches} of {len(rows)} predictions differ "
            f"from {request.predictions} "
            f"by more than {request.tolerance} (max {result.max_abs_diff:.3g})"
        )
    return SmokeTestResult(
        rows=result.rows, max_abs_diff=result.max_abs_diff, latency_ms=latency_ms, passed=True
    )


def request_approval(
    request: ApprovalRequest, records: Records, notifier: Notifier, objects: Objects
) -> ApprovalNotice:
    """Store the task token under the package, then tell people what to approve and how."""
    records.store_approval(request.package_arn, request.task_token, request.execution)
    evaluation: dict[str, object] = {}
    metadata = PackageMetadata.from_properties(request.metadata)
    uri = metadata.evaluation
    if uri:
        try:
            import json

            loaded = json.loads(objects.read(*names.split_uri(uri)))
            evaluation = dict(loaded.get("metrics", loaded)) if isinstance(loaded, dict) else {}
        except Exception:  # a missing summary must not block the approval request
            evaluation = {"evaluation": "unreadable"}
    message = approval_message(request.package_arn, metadata, evaluation, request.staging_endpoint)
    subject = f"Lockgate: approve {request.dataset} model for production?"
    return ApprovalNotice(message_id=notifier.publish(subject, message))


def record(
    request: RecordRequest,
    registry: Registry,
    records: Records,
    events: Events,
    notifier: Notifier,
    *,
    endpoints: Endpoints,
) -> RecordResult:
    """Lineage (package -> endpoint-config -> endpoint, deploy run), the package note, the event."""
    outcome = "restored" if request.restore else request.outcome
    attrs = {"outcome": outcome, "run": request.execution, "reason": request.reason[:500]}
    package = f"model-package#{request.package_arn}"
    config, endpoint = f"endpoint-config#{request.config}", f"endpoint#{request.endpoint}"
    run = f"deploy-run#{request.execution}"
    records.link(package, run, **attrs)
    records.link(run, config, **attrs)
    records.link(config, endpoint, **attrs)
    detail = {
        "dataset": request.dataset,
        "packageArn": request.package_arn,
        "endpoint": request.endpoint,
        "config": request.config,
        "execution": request.execution,
        "outcome": outcome,
        "reason": request.reason,
    }
    if request.outcome == "rolled-back":
        registry.note_package(request.package_arn, f"rolled back on {request.endpoint}: {request.reason}")
        events.put("DeploymentRolledBack", detail, [request.package_arn])
        notifier.publish(
            f"Lockgate: {request.dataset} deployment rolled back",
            f"The production update of {request.endpoint} to {request.package_arn} was rolled back: "
            f"{request.reason}\nThe previous model keeps serving. Run: {request.execution}",
        )
        return RecordResult(outcome=request.outcome, edges=3, event="DeploymentRolledBack")
    if request.variants:
        return _record_ab(request, detail, registry, events, notifier)
    if request.restore:
        if request.replaces:
            records.link(f"model-package#{request.replaces}", run, **{**attrs, "outcome": "rejected"})
        notifier.publish(
            f"Lockgate: {request.dataset} production restored",
            f"{request.endpoint} serves {request.package_arn} again, in place of the rejected "
            f"{request.replaces}: {request.reason}\nRun: {request.execution}",
        )
    endpoints.set_tags(request.endpoint, {"lockgate:package": request.package_arn})
    registry.note_package(request.package_arn, f"{outcome} on {request.endpoint}")
    events.put("DeploymentSucceeded", detail, [request.package_arn])
    return RecordResult(outcome=outcome, edges=3, event="DeploymentSucceeded")


def _record_ab(
    request: RecordRequest, detail: dict[str, str], registry: Registry, events: Events, notifier: Notifier
) -> RecordResult:
    """An A/B endpoint: the champion stays the live package (`lockgate:package`) until a promotion."""
    split = ", ".join(f"{v.name} {v.weight:g} ({v.package_arn})" for v in request.variants)
    registry.note_package(request.package_arn, f"challenger on {request.endpoint}: {split}"[:256])
    events.put("DeploymentSucceeded", {**detail, "variants": split}, [request.package_arn])
    notifier.publish(
        f"Lockgate: {request.dataset} A/B test live",
        f"{request.endpoint} now serves two variants: {split}.\n"
        f"Compare them: lockgate variants {request.endpoint}\n"
        f"Promote the winner: lockgate promote {request.endpoint} --variant challenger|champion\n"
        f"Run: {request.execution}",
    )
    return RecordResult(outcome=request.outcome, edges=3, event="DeploymentSucceeded")
