"""One reaction per alarm transition: rollback, idle (delete | scale-down), drift (retrain), notify.

`Remediator.handle` is the whole flow: ignore what is not ours or not ALARM, claim the transition in
the audit journal (idempotency), run the reaction's steps (each saved as done before the next), then
announce (SNS message, metric, RemediationTaken event). Safety rules: an endpoint is deleted or
scaled only when tagged `lockgate:idle-action`; a rollback never runs during a guardrail deployment
(the endpoint is Updating: the deployment rolls itself back) nor on an endpoint updated after the
alarm fired (the alarm judged a configuration that is gone); a retrain is skipped while one runs.
Dry-run records and announces what would have been done and changes nothing.

Alarms only for what exists (docs/alarms.md): an endpoint that does not exist gets no action nor
message and loses its alarms; an idle alarm inside the endpoint's idle window is set back to OK
quietly. A/B: a challenger's rollback alarm takes it out of traffic (weight 0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from lockgate.deployment.endpoint_alarms import AlarmSettings, sync
from lockgate.names import group_name, retrain_name, rollback_config_name, stage_of
from lockgate.remediation.alarms import AlarmRef, AlarmTransition, Reaction, parse_alarm_name
from lockgate.remediation.budget import BudgetReport
from lockgate.remediation.guidance import meaning
from lockgate.remediation.journal import Audit, AuditRecord, Claim, Status, Step
from lockgate.remediation.ports import (
    Alarms,
    Announcer,
    Billing,
    Datasets,
    Pipelines,
)
from lockgate.remediation.rules import changed_since as _changed_since
from lockgate.remediation.rules import previous as _previous
from lockgate.sagemaker_ports import EndpointInfo, Endpoints, Registry

IDLE_ACTION_TAG = "lockgate:idle-action"
DATASET_TAG = "lockgate:dataset"
PACKAGE_TAG = "lockgate:package"
IDLE_ACTIONS = ("delete", "scale-down")
CHAMPION = "champion"  # lockgate.deployment.variants: the live model of an A/B test
LEASE_SECONDS = 900.0  # the remediation function's timeout: an attempt older than this is dead


class Outcome:
    """Outcome words written to the audit record and the metric dimension."""

    DONE = "done"
    DRY_RUN = "dry-run"
    GONE = "resource-gone"
    LEFT_ALONE = "left-alone"
    SKIPPED = "skipped"
    YOUNG = "not-idle-yet"
    ALREADY = "already-done"
    NOTIFIED = "notified"
    FAILED = "failed"


@dataclass(frozen=True)
class Result:
    """What `handle` did: `claim` is None when the event was ignored."""

    outcome: str
    claim: Claim | None
    record: AuditRecord | None
    reason: str = ""


@dataclass
class Ports:
    """Every adapter a reaction may call."""

    endpoints: Endpoints
    registry: Registry
    datasets: Datasets
    pipelines: Pipelines
    audit: Audit
    announcer: Announcer
    alarms: Alarms | None = None
    billing: Billing | None = None  # AWS: the bill's hours; None offline (the local clock counts)


@dataclass
class Remediator:
    """Maps an alarm transition to its reaction and runs it once."""

    ports: Ports
    environment: str
    dry_run: bool = False
    rollback_wait_seconds: float = 600.0
    idle_window_seconds: float = 0.0  # IdlePeriods x IdlePeriodSeconds (0: no young-endpoint check)
    clock_speed: float = 1.0  # offline: local-clock seconds per real second (LOCKGATE_CLOCK_SPEED)
    alarm_settings: AlarmSettings | None = None  # an A/B endpoint rolled back gets AllTraffic alarms
    now: Callable[[], datetime] = lambda: datetime.now(UTC)

    def handle(self, transition: AlarmTransition) -> Result:
        """React to one transition (safe to call any number of times with the same one)."""
        ref = parse_alarm_name(transition.alarm_name, self.environment)
        if ref is None:
            return Result(Outcome.SKIPPED, None, None, f"not a Lockgate alarm of '{self.environment}'")
        if transition.state != "ALARM":
            return Result(Outcome.SKIPPED, None, None, f"state {transition.state}: only ALARM acts")
        fresh = AuditRecord(
            alarm=ref.name,
            timestamp=transition.timestamp,
            action=ref.reaction.value,
            dry_run=self.dry_run,
            reason=transition.reason,
            lease_until=self.now().timestamp() + LEASE_SECONDS,
            updated=self._stamp(),
        )
        claim, record = self.ports.audit.claim(fresh, self.now().timestamp())
        if claim is Claim.DUPLICATE:
            return Result(record.outcome or Status.IN_PROGRESS.value, claim, record, "already handled")
        run = _Run(self, record)
        try:
            record.outcome = run.react(ref, transition)
            run.announce(ref, transition)
        except Exception as error:
            record.status = Status.FAILED
            record.outcome = f"{Outcome.FAILED} after {[s.name for s in record.steps]}: {error}"
            run.save()
            self.ports.announcer.metric(ref.reaction.value, Outcome.FAILED)
            raise
        outcome = record.outcome
        record.status = Status.DONE
        run.save()
        return Result(outcome, claim, record)

    def enforce_budget(self, budget_hours: float) -> tuple[BudgetReport, list[Result]]:
        """The scheduled cost guard (lockgate.remediation.cost_guard)."""
        from lockgate.remediation.cost_guard import enforce_budget

        return enforce_budget(self, budget_hours)

    def _stamp(self) -> str:
        return self.now().isoformat(timespec="seconds")


@dataclass
class _Run:
    owner: Remediator
    record: AuditRecord

    @property
    def ports(self) -> Ports:
        return self.owner.ports

    def save(self) -> None:
        self.record.updated = self.owner._stamp()
        self.ports.audit.save(self.record)

    def step(
        self, name: str, detail: str, action: Callable[[], None] | None = None, *, changes: bool = True
    ) -> None:
        """Do `action` once across attempts (skipped when the journal has it). In dry-run an action
        that `changes` resources is only recorded as what would have been done."""
        if self.record.done(name):
            return
        pretend = self.record.dry_run and changes and action is not None
        if action is not None and not pretend:
            action()
        shown = f"would {detail}" if pretend else detail
        self.record.steps.append(Step(name=name, detail=shown, at=self.owner._stamp()))
        self.save()

    # -- the reactions -----------------------------------------------------------------------
    def react(self, ref: AlarmRef, transition: AlarmTransition) -> str:
        name = transition.endpoint_name
        endpoint = self.ports.endpoints.describe(name) if name else None
        if name and endpoint is None and not self.record.done("delete-endpoint"):
            self.record.resources = [f"endpoint/{name}"]
            return self._gone(name)
        if ref.reaction is Reaction.NOTIFY:
            self.record.resources = [f"{k}={v}" for k, v in transition.metric.dimensions.items()]
            return Outcome.NOTIFIED
        if ref.reaction is Reaction.DRIFT:
            return self._drift(ref, name, transition.episode_hash)
        if not name:
            return f"{Outcome.SKIPPED}: the alarm watches no EndpointName dimension"
        self.record.resources = [f"endpoint/{name}"]
        if ref.reaction is Reaction.IDLE:
            return self._idle(name, endpoint, transition)
        if endpoint is None:
            return self._gone(name)
        variant = transition.metric.dimensions.get("VariantName", "")
        if variant and len(endpoint.variants) > 1 and variant != CHAMPION:
            return self._take_out(endpoint, variant)
        return self._rollback(ref, name)

    def _gone(self, name: str) -> str:
        """No endpoint: nothing to do or announce; its alarms (ours) go with it."""
        if self.ports.alarms is not None and not self.record.dry_run:
            stale = self.ports.alarms.of_endpoint(self.owner.environment, name)
            if stale:
                self.step(
                    "delete-alarms", f"delete alarms {', '.join(stale)}", lambda: self._delete_alarms(stale)
                )
        return f"{Outcome.GONE}: endpoint {name} does not exist"

    def _one_variant(self) -> None:
        name, package = self.record.resources[0].removeprefix("endpoint/"), self.record.after["package"]
        settings = self.owner.alarm_settings or AlarmSettings()
        if self.ports.alarms is not None:
            sync(
                self.ports.alarms,
                self.owner.environment,
                name,
                ["AllTraffic"],
                settings=settings,
                package_arn=package,
            )

    def _delete_alarms(self, names: list[str]) -> None:
        if self.ports.alarms is not None:
            self.ports.alarms.delete(names)

    def _young(self, endpoint: EndpointInfo) -> float | None:
        """Local-clock seconds since the endpoint went InService, when under the idle window."""
        since = endpoint.last_modified or endpoint.created
        if self.owner.idle_window_seconds <= 0 or since is None:
            return None
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        age = (self.owner.now() - since).total_seconds() * self.owner.clock_speed
        return age if age < self.owner.idle_window_seconds else None

    def _take_out(self, endpoint: EndpointInfo, variant: str) -> str:
        """A/B: the failing challenger gets weight 0, the others share its traffic."""
        weights = {v.name: (0.0 if v.name == variant else 1.0) for v in endpoint.variants}
        if not self.record.steps and any(
            v.name == variant and v.current_weight == 0 for v in endpoint.variants
        ):
            return f"{Outcome.ALREADY}: {variant} of {endpoint.name} is already out of traffic"
        if not self.record.steps and endpoint.status != "InService":
            return f"{Outcome.SKIPPED}: {endpoint.name} is {endpoint.status}: its weights cannot change now"
        if not self.record.steps and _changed_since(endpoint, self.record.timestamp):
            return f"{Outcome.SKIPPED}: {endpoint.name} changed after the alarm fired"
        self._before(endpoint)
        shown = ", ".join(f"{k}={v:g}" for k, v in weights.items())
        self.step(
            "take-out-variant",
            f"take variant {variant} of {endpoint.name} out of traffic ({shown})",
            lambda: self.ports.endpoints.set_weights(endpoint.name, weights),
        )
        self.record.after = {"weights": shown}
        return self._finished()

    def _idle(self, name: str, endpoint: EndpointInfo | None, transition: AlarmTransition) -> str:
        if endpoint is None:  # an earlier attempt deleted it
            return self._finished()
        young = self._young(endpoint)
        if young is not None and not self.record.steps:
            window = self.owner.idle_window_seconds
            if self.ports.alarms is not None:
                reason = f"{name} InService for {young:.0f} s of its {window:.0f} s idle window"
                self.ports.alarms.reset(transition.alarm_name, reason)
            return (
                f"{Outcome.YOUNG}: {name} is InService for {young:.0f} s, "
                f"less than its idle window ({window:.0f} s)"
            )
        action = endpoint.tags.get(IDLE_ACTION_TAG, "")
        if action not in IDLE_ACTIONS:
            why = "not tagged" if not action else f"unknown {IDLE_ACTION_TAG}={action!r}"
            return (
                f"{Outcome.LEFT_ALONE}: {name} is {why} {IDLE_ACTION_TAG}=delete|scale-down (reported only)"
            )
        self._before(endpoint)
        if action == "delete":
            restore = (
                f"aws sagemaker create-endpoint --endpoint-name {name} "
                f"--endpoint-config-name {endpoint.config}"
            )
            self.step(
                "delete-endpoint",
                f"delete endpoint {name} (config and models kept)",
                lambda: self.ports.endpoints.delete(name),
            )
            if self.ports.alarms is not None:
                alarms = self.ports.alarms
                stale = [] if self.record.dry_run else alarms.of_endpoint(self.owner.environment, name)
                self.step(
                    "delete-alarms",
                    f"delete its alarms ({len(stale)})",
                    lambda: self._delete_alarms(stale),
                )
            self.record.after = {"endpoint": "deleted", "restore": restore}
        else:
            if endpoint.instance_count <= len(endpoint.variants):
                return f"{Outcome.SKIPPED}: {name} already runs one instance per variant"
            self.step(
                "scale-down",
                f"scale {name} to one instance per variant",
                lambda: self.ports.endpoints.scale_to_minimum(endpoint),
            )
            self.record.after = {"instances": str(len(endpoint.variants))}
        return self._finished()

    def _rollback(self, ref: AlarmRef, name: str) -> str:
        endpoint = self.ports.endpoints.describe(name)
        if endpoint is None:
            return self._gone(name)
        if (
            endpoint.status in ("Updating", "Creating", "SystemUpdating", "RollingBack")
            and not self.record.steps
        ):
            return (
                f"{Outcome.SKIPPED}: {name} is {endpoint.status} (a guardrail deployment rolls itself back)"
            )
        if not self.record.steps and _changed_since(endpoint, self.record.timestamp):
            return (
                f"{Outcome.SKIPPED}: {name} changed after the alarm fired (a guardrail deployment "
                "rolled it back or a new model went live): the alarm judged a configuration that is gone"
            )
        dataset = endpoint.tags.get(DATASET_TAG, "")
        current = endpoint.tags.get(PACKAGE_TAG, "")
        self._before(endpoint)
        if not dataset:
            return f"{Outcome.SKIPPED}: {name} has no {DATASET_TAG} tag: the package group is unknown"
        approved = [  # newest first
            arn
            for arn, _ in reversed(
                self.ports.registry.approved_packages(group_name(ref.environment, dataset))
            )
        ]
        previous = _previous(approved, current)
        if previous is None:
            return (
                f"{Outcome.SKIPPED}: no Approved package before {current or 'the live one'} to roll back to"
            )
        version = previous.rsplit("/", 1)[-1]
        config = rollback_config_name(name, version, self.record.timestamp)
        self.step(
            "deploy-previous",
            f"update {name} to package {previous} (config {config})",
            lambda: self.ports.endpoints.deploy_package(
                endpoint, self.ports.registry.package(previous), config
            ),
        )
        if self.record.dry_run:
            self.record.after = {"package": previous, "config": config}
            return self._finished()
        live = self.ports.endpoints.wait_for_config(name, config, self.owner.rollback_wait_seconds)
        self.step("verify", f"EndpointConfigName is {live}")
        if live != config:
            return f"{Outcome.FAILED}: {name} serves {live}, not the rollback config {config}"
        self.step(
            "tag",
            f"tag {PACKAGE_TAG}={previous}",
            lambda: self.ports.endpoints.tag(name, {PACKAGE_TAG: previous}),
        )
        self.record.after = {"package": previous, "config": config}
        if len(endpoint.variants) > 1:  # an A/B endpoint now serves AllTraffic: its alarms follow
            self.step("refresh-alarms", "alarms for AllTraffic; the A/B variants' deleted", self._one_variant)
        return self._finished()

    def _drift(self, ref: AlarmRef, endpoint_name: str | None, episode: str) -> str:
        dataset = self._dataset(ref, endpoint_name)
        self.record.resources = [f"dataset/{dataset}"] + (
            [f"endpoint/{endpoint_name}"] if endpoint_name else []
        )
        name = retrain_name(dataset, episode)
        if not self.record.done("start-train"):
            running = self.ports.pipelines.running_train(dataset)
            if running:
                return f"{Outcome.SKIPPED}: a train run is already under way ({running}): no retrain storm"
        version = self.ports.datasets.latest_version(dataset)
        if version is None:
            return f"{Outcome.GONE}: no dataset version of {dataset} to retrain on"
        self.record.before = {"dataset": dataset, "version": version.dataset_version}
        started: list[str] = []
        self.step(
            "start-train",
            f"start train {name} on {dataset} version {version.dataset_version[:12]}",
            lambda: started.append(self.ports.pipelines.start_train(name, version)[0]),
        )
        self.record.after = {"execution": started[0] if started else name}
        return self._finished()

    def _dataset(self, ref: AlarmRef, endpoint_name: str | None) -> str:
        if endpoint_name:
            endpoint = self.ports.endpoints.describe(endpoint_name)
            if endpoint is not None and endpoint.tags.get(DATASET_TAG):
                return endpoint.tags[DATASET_TAG]
            parsed = stage_of(ref.environment, endpoint_name)
            if parsed is not None:
                return parsed[0]
        return ref.subject.split("-", 1)[0]

    def _before(self, endpoint: EndpointInfo) -> None:
        if self.record.before:
            return
        self.record.before = {
            "status": endpoint.status,
            "config": endpoint.config,
            "package": endpoint.tags.get(PACKAGE_TAG, ""),
            "models": ",".join(v.model for v in endpoint.variants),
            "instances": str(endpoint.instance_count),
        }

    def _finished(self) -> str:
        return Outcome.DRY_RUN if self.record.dry_run else Outcome.DONE

    # -- telling people ----------------------------------------------------------------------
    def announce(self, ref: AlarmRef, transition: AlarmTransition) -> None:
        what, check = meaning(ref)
        done = "; ".join(s.detail for s in self.record.steps) or "nothing changed"
        prefix = "[DRY RUN] " if self.record.dry_run else ""
        message = "\n".join(
            [
                f"{prefix}Alarm {ref.name} is ALARM since {transition.timestamp}.",
                f"What it means: {what}",
                f"Reason: {transition.reason}",
                f"Reaction: {ref.reaction.value} -> {self.record.outcome}",
                f"Done: {done}",
                f"Resources: {', '.join(self.record.resources) or '-'}",
                f"Before: {self.record.before or '-'}  After: {self.record.after or '-'}",
                f"What to check: {check}",
            ]
        )

        # An endpoint that does not exist, not idle long enough, a variant already out: audited only.
        if self.record.outcome.startswith((Outcome.GONE, Outcome.YOUNG, Outcome.ALREADY)):
            return

        def tell() -> None:
            self.ports.announcer.notify(f"{prefix}Lockgate {ref.reaction.value}: {ref.name}", message)
            self.ports.announcer.metric(ref.reaction.value, self.record.outcome.split(":", 1)[0])
            self.ports.announcer.event(
                {
                    "alarm": ref.name,
                    "action": ref.reaction.value,
                    "outcome": self.record.outcome,
                    "timestamp": transition.timestamp,
                    "dryRun": str(self.record.dry_run).lower(),
                }
            )

        self.step("announce", "SNS message, metric and RemediationTaken event sent", tell, changes=False)
