"""Each endpoint's alarms, owned by the deploy pipeline (pure: the specs and which to keep).

When a deploy run sees an endpoint InService it creates or refreshes that endpoint's alarms; when an
endpoint or a variant goes (idle delete, promotion, rollback to one variant) its alarms go too
(`stale`). Names follow the remediation convention `lockgate-<env>-<reaction>-<subject>`:

- `…-rollback-<dataset>[-<variant>]-5xx` / `-latency`: production, one pair per live variant (no
  variant part for AllTraffic); Invocation5XXErrors Sum > 0 for 2 of 2 minutes (a challenger: 1 of
  1) / ModelLatency Average over the threshold for 3 of 3.
- `…-idle-<dataset>-prod` / `-staging`: both; Invocations Sum <= 0 for IdlePeriods x
  IdlePeriodSeconds (missing data breaching), on the variant taking most traffic.
- `…-drift-<dataset>-features`: production; Lockgate/Monitoring drifted_features > 0.
- `…-notify-<dataset>-bias`: production; Lockgate/Monitoring bias_violations > 0.

Tags: lockgate:managed, lockgate:endpoint, lockgate:package, lockgate:reaction (and lockgate:variant).
The deploy's canary guardrail alarms (`<endpoint>-5xx`, `-latency`, names.alarm_names)
are SageMaker's, not a reaction's: they are left alone here.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, Field

from lockgate.names import reaction_alarm_name, stage_of
from lockgate.sagemaker_ports import VariantInfo

REACTIONS = ("rollback", "idle", "drift", "notify")


class AlarmSettings(BaseModel):
    """The template's alarm parameters."""

    idle_period_seconds: int = Field(default=3600, ge=10)
    idle_periods: int = Field(default=2, ge=1)
    latency_microseconds: float = Field(default=500_000.0, gt=0)
    topic_arn: str = ""


class AlarmSpec(BaseModel):
    """One put_metric_alarm."""

    name: str
    description: str
    reaction: str
    namespace: str
    metric: str
    dimensions: dict[str, str]
    statistic: str
    period: int
    evaluation_periods: int
    datapoints: int
    threshold: float
    comparison: str
    treat_missing: str
    tags: dict[str, str] = Field(default_factory=dict)


class EndpointAlarmStore(Protocol):
    """CloudWatch alarms of Lockgate's endpoints (lockgate.adapters.endpoint_alarms)."""

    def put(self, specs: list[AlarmSpec], topic_arn: str = "") -> None:
        """Create or refresh each alarm (put_metric_alarm is idempotent by name)."""
        ...

    def of_endpoint(self, environment: str, endpoint: str) -> list[str]:
        """Names of this environment's reaction alarms that watch `endpoint`."""
        ...

    def delete(self, names: list[str]) -> None:
        """Delete these alarms (absent ones are fine)."""
        ...


def endpoint_alarms(
    environment: str,
    endpoint: str,
    variants: list[str],
    settings: AlarmSettings,
    package_arn: str = "",
) -> list[AlarmSpec]:
    """The alarms an endpoint serving `variants` (most traffic first) should have."""
    parsed = stage_of(environment, endpoint)
    if parsed is None or not variants:
        return []
    dataset, stage = parsed
    tags = {"lockgate:managed": "true", "lockgate:endpoint": endpoint}
    if package_arn:
        tags["lockgate:package"] = package_arn
    on = {"EndpointName": endpoint}
    busiest = {**on, "VariantName": variants[0]}
    specs = [
        AlarmSpec(
            name=reaction_alarm_name(environment, "idle", f"{dataset}-{stage}"),
            description=(
                f"{endpoint} had no invocations for {settings.idle_periods} x "
                f"{settings.idle_period_seconds} s -> delete or scale down if tagged "
                "lockgate:idle-action, else report"
            ),
            reaction="idle",
            namespace="AWS/SageMaker",
            metric="Invocations",
            dimensions=busiest,
            statistic="Sum",
            period=settings.idle_period_seconds,
            evaluation_periods=settings.idle_periods,
            datapoints=settings.idle_periods,
            threshold=0,
            comparison="LessThanOrEqualToThreshold",
            treat_missing="breaching",
            tags=tags,
        )
    ]
    if stage == "staging":
        return specs
    for variant in variants:
        part = "" if variant == "AllTraffic" else f"-{variant}"
        watched = {**on, "VariantName": variant}
        variant_tags = {**tags, "lockgate:variant": variant}
        # a challenger leaves traffic after one minute with 5XX (cheap, undone by a promotion or a
        # new deploy); the endpoint's model is rolled back only after two in a row
        minutes = 2 if variant in ("AllTraffic", "champion") or len(variants) == 1 else 1
        specs += [
            AlarmSpec(
                name=reaction_alarm_name(environment, "rollback", f"{dataset}{part}-5xx"),
                description=f"{endpoint} variant {variant} answers with 5XX errors -> "
                + (
                    "roll back to the previous Approved package"
                    if not part or variant == "champion"
                    else "take it out of traffic"
                ),
                reaction="rollback",
                namespace="AWS/SageMaker",
                metric="Invocation5XXErrors",
                dimensions=watched,
                statistic="Sum",
                period=60,
                evaluation_periods=minutes,
                datapoints=minutes,
                threshold=0,
                comparison="GreaterThanThreshold",
                treat_missing="notBreaching",
                tags=variant_tags,
            ),
            AlarmSpec(
                name=reaction_alarm_name(environment, "rollback", f"{dataset}{part}-latency"),
                description=f"{endpoint} variant {variant} answers slowly (ModelLatency average)",
                reaction="rollback",
                namespace="AWS/SageMaker",
                metric="ModelLatency",
                dimensions=watched,
                statistic="Average",
                period=60,
                evaluation_periods=3,
                datapoints=3,
                threshold=settings.latency_microseconds,
                comparison="GreaterThanThreshold",
                treat_missing="notBreaching",
                tags=variant_tags,
            ),
        ]
    specs += [
        AlarmSpec(
            name=reaction_alarm_name(environment, "drift", f"{dataset}-features"),
            description=(
                f"{endpoint}: live features drifted from the training baseline (KS rejects at the "
                "contract's monitoring.alpha, Holm-corrected, PSI lower bound >= monitoring.min_psi) "
                "-> retrain on the latest dataset version"
            ),
            reaction="drift",
            metric="drifted_features",
            period=3600,
            evaluation_periods=1,
            datapoints=1,
            threshold=0,
            comparison="GreaterThanThreshold",
            treat_missing="ignore",
            tags=tags,
            namespace="Lockgate/Monitoring",
            dimensions=on,
            statistic="Maximum",
        ),
        AlarmSpec(
            name=reaction_alarm_name(environment, "notify", f"{dataset}-bias"),
            description=(
                f"{endpoint}: post-training bias on labelled live traffic left the contract's bounds"
            ),
            reaction="notify",
            metric="bias_violations",
            period=3600,
            evaluation_periods=1,
            datapoints=1,
            threshold=0,
            comparison="GreaterThanThreshold",
            treat_missing="ignore",
            tags=tags,
            namespace="Lockgate/Monitoring",
            dimensions=on,
            statistic="Maximum",
        ),
    ]
    return [s.model_copy(update={"tags": {**s.tags, "lockgate:reaction": s.reaction}}) for s in specs]


def is_reaction_alarm(environment: str, name: str) -> bool:
    """True for `lockgate-<env>-<reaction>-…` names (not the canary's `<endpoint>-5xx`)."""
    return any(name.startswith(reaction_alarm_name(environment, r, "")) for r in REACTIONS)


def sync(
    store: EndpointAlarmStore,
    environment: str,
    endpoint: str,
    variants: list[str],
    *,
    settings: AlarmSettings,
    package_arn: str = "",
) -> tuple[list[str], list[str]]:
    """Create or refresh the endpoint's alarms and delete the ones it no longer has (variants gone;
    every one when `variants` is empty: the endpoint is gone). Returns (kept, deleted)."""
    specs = endpoint_alarms(environment, endpoint, variants, settings, package_arn)
    if specs:
        store.put(specs, settings.topic_arn)
    keep = {s.name for s in specs}
    stale = [n for n in store.of_endpoint(environment, endpoint) if n not in keep]
    if stale:
        store.delete(stale)
    return sorted(keep), stale


def live_variants(described: list[VariantInfo]) -> list[str]:
    """Names of an endpoint's variants that take traffic, most first (a variant at weight 0, e.g.
    the loser of a promotion or a challenger taken out, is not live)."""
    ordered = sorted(described, key=lambda v: v.current_weight, reverse=True)
    live = [v.name for v in ordered if v.current_weight > 0 and v.name]
    return live or [v.name for v in ordered if v.name]
