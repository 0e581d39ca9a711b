"""Promotion of an A/B test's winner: all traffic to it, its package becomes the live one."""

from __future__ import annotations

from lockgate.deployment import endpoint_alarms, variants
from lockgate.deployment.ports import Events, Notifier, Records
from lockgate.errors import EndpointBusy, VariantsInvalid
from lockgate.messages.deploy import PromoteRequest, PromoteResult
from lockgate.sagemaker_ports import Endpoints, Registry


def promote(
    request: PromoteRequest,
    registry: Registry,
    records: Records,
    events: Events,
    notifier: Notifier,
    *,
    endpoints: Endpoints,
    action_id: str,
    alarms: endpoint_alarms.EndpointAlarmStore | None = None,
    alarm_settings: endpoint_alarms.AlarmSettings | None = None,
    environment: str = "",
) -> PromoteResult:
    """All traffic to the winning variant (UpdateEndpointWeightsAndCapacities), its package becomes
    the live one; lineage, event and a message record who promoted what and why. The loser's
    alarms go (the winner's stay and cover the whole endpoint)."""
    current = endpoints.endpoint(request.endpoint)
    if current is None:
        raise VariantsInvalid(f"no endpoint {request.endpoint}; list them with `lockgate endpoints`")
    if current.status != "InService":
        raise EndpointBusy(request.endpoint, f"it is {current.status}; promote once it is InService")
    live = endpoints.variants(request.endpoint)
    weights = variants.promotion_weights([v.name for v in live], request.variant)
    endpoints.set_weights(request.endpoint, weights)
    winner = next(v for v in live if v.name == request.variant)
    if winner.package_arn:
        endpoints.set_tags(request.endpoint, {"lockgate:package": winner.package_arn})
    if alarms is not None:
        endpoint_alarms.sync(
            alarms,
            environment,
            request.endpoint,
            [winner.name],
            settings=alarm_settings or endpoint_alarms.AlarmSettings(),
            package_arn=winner.package_arn,
        )
    shown = ", ".join(f"{name}={weight:g}" for name, weight in weights.items())
    attrs = {
        "outcome": "promoted",
        "variant": request.variant,
        "weights": shown,
        "by": request.by,
        "reason": request.reason[:500],
    }
    action = f"action#promote/{request.endpoint}/{action_id}"
    records.link(f"endpoint#{request.endpoint}", action, **attrs)
    if winner.package_arn:
        records.link(f"model-package#{winner.package_arn}", f"endpoint#{request.endpoint}", **attrs)
        registry.note_package(winner.package_arn, f"promoted on {request.endpoint} ({shown})")
    detail = {
        "endpoint": request.endpoint,
        "variant": request.variant,
        "packageArn": winner.package_arn,
        "weights": shown,
        "by": request.by,
        "reason": request.reason,
    }
    events.put("VariantPromoted", detail, [winner.package_arn] if winner.package_arn else [])
    notifier.publish(
        f"Lockgate: {request.variant} promoted on {request.endpoint}",
        f"{request.by} promoted variant {request.variant} ({winner.package_arn or 'package unknown'}) "
        f"on {request.endpoint}: weights {shown}. Reason: {request.reason or '-'}",
    )
    return PromoteResult(
        endpoint=request.endpoint,
        variant=request.variant,
        package_arn=winner.package_arn,
        weights=weights,
        status="Updating",
    )
