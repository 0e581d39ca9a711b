"""The moto hooks of the CloudWatch twin and the thread that ticks it on the local clock.

1. New alarms start INSUFFICIENT_DATA (moto: OK); updating an alarm keeps its state, as on AWS.
2. Every state transition (evaluator or set_alarm_state) puts a "CloudWatch Alarm State Change"
   event on the default bus, so EventBridge rules match it.
3. A ticking thread evaluates every metric alarm over moto's stored metric data (`evaluation`),
   with Period on the local clock, and fires schedule rules (rate()/cron()) on the local clock;
   a schedule rule receives no other event (moto's empty pattern matches every event).
4. Executions that end put a "Step Functions Execution Status Change" event (moto emits none).

A state set by hand (set_alarm_state) is held until a datapoint newer than the change arrives, or
EvaluationPeriods x Period of local-clock time and at least MANUAL_HOLD_REAL_SECONDS have passed
(AWS re-evaluates at the next minute: a divergence kept so that `lockgate alarm`, the demo and
tests at clock speed 1000 see the state they set long enough for a reaction or a guardrail).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from moto.cloudwatch import models as cloudwatch_models
from moto.cloudwatch.models import Alarm, CloudWatchBackend, MetricAggregatedDatum, MetricDatum
from moto.events import models as events_models
from moto.events.models import Rule
from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication

from lockgate.local.clock import LocalClock
from lockgate.local.cloudwatch import events
from lockgate.local.cloudwatch.evaluation import INSUFFICIENT_DATA, AlarmRule, Datapoint, evaluate
from lockgate.local.cloudwatch.schedules import ScheduleError, period_seconds

LOG = logging.getLogger(__name__)

# (owner, attribute) pairs the twin replaces or reads; tests/contract/test_cloudwatch_twin.py checks them.
PATCH_TARGETS: tuple[tuple[object, str], ...] = (
    (CloudWatchBackend, "put_metric_alarm"),
    (Alarm, "update_state"),
    (BaseExecutionWorkerCommunication, "terminated"),
    (cloudwatch_models, "cloudwatch_backends"),
    (events_models, "events_backends"),
    (Rule, "send_to_targets"),
    (Rule, "arn"),
)
TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
MANUAL_HOLD_REAL_SECONDS = 10.0


class _Twin:
    """The running twin: the clock, the ticking thread, and what it remembers between ticks."""

    def __init__(self, clock: LocalClock) -> None:
        self.clock = clock
        self.stop = threading.Event()
        self.manual: dict[str, tuple[float, float]] = {}  # alarm arn -> (set at, held until), real time
        self.next_fire: dict[str, float] = {}  # schedule rule arn -> real time of its next firing
        self.evaluating = threading.local()
        self.firing = threading.local()  # set while a schedule rule fires its own targets
        self.thread = threading.Thread(target=self._run, name="lockgate-cloudwatch", daemon=True)

    @property
    def tick_seconds(self) -> float:
        """Real seconds between ticks: 10 s of local-clock time, within [20 ms, 0.5 s]."""
        return min(0.5, max(0.02, self.clock.scale(10.0)))

    def _run(self) -> None:
        while not self.stop.wait(self.tick_seconds):
            try:
                self.tick()
            except Exception:  # one bad alarm or rule must not stop the twin
                LOG.exception("CloudWatch twin tick failed")

    def tick(self, now: float | None = None) -> None:
        """Evaluate every alarm and fire due schedules once (tests call this directly)."""
        now = time.time() if now is None else now
        for backend in _backends(cloudwatch_models.cloudwatch_backends):
            for alarm in list(backend.alarms.values()):
                self._evaluate(backend, alarm, now)
        for backend in _backends(events_models.events_backends):
            for bus in list(backend.event_buses.values()):
                for rule in list(bus.rules.values()):
                    self._schedule(rule, now)

    def _evaluate(self, backend: CloudWatchBackend, alarm: Alarm, now: float) -> None:
        rule = _rule_of(alarm)
        if rule is None:
            return
        points = _datapoints(backend, alarm)
        if alarm.alarm_arn in self.manual:
            set_at, until = self.manual[alarm.alarm_arn]
            if now < until and not any(p.at > set_at for p in points):
                return
            del self.manual[alarm.alarm_arn]
        verdict = evaluate(
            rule, points, now=now, period_seconds=self.clock.scale(rule.period), current=alarm.state_value
        )
        if verdict.state == alarm.state_value:
            return
        reason_data = {
            "version": "1.0",
            "queryDate": events.alarm_timestamp(datetime.fromtimestamp(now, UTC)),
            "statistic": rule.statistic,
            "period": int(rule.period),
            "recentDatapoints": list(verdict.values),
            "threshold": rule.threshold,
            "evaluatedDatapoints": verdict.breaching,
        }
        self.evaluating.active = True
        try:
            alarm.update_state(verdict.reason, json.dumps(reason_data), verdict.state)
        finally:
            self.evaluating.active = False

    def _schedule(self, rule: Rule, now: float) -> None:
        expression = rule.scheduled_expression
        if not expression or rule.state != "ENABLED":
            self.next_fire.pop(rule.arn, None)
            return
        try:
            interval = self.clock.scale(period_seconds(expression))
        except ScheduleError:
            LOG.warning("schedule rule %s: unsupported expression %r", rule.name, expression)
            return
        due = self.next_fire.setdefault(rule.arn, now + interval)
        if now < due:
            return
        self.next_fire[rule.arn] = now + interval
        emitted = events.scheduled_event(rule.arn)
        message = _message(rule.account_id, rule.region_name, emitted)
        self.firing.active = True
        try:
            rule.send_to_targets(message)  # type: ignore[arg-type]  # moto's TypedDict of the same keys
        finally:
            self.firing.active = False


class _State:
    twin: _Twin | None = None
    originals: ClassVar[dict[tuple[int, str], tuple[object, Any]]] = {}


_state = _State()
_lock = threading.Lock()


def apply(*, clock: LocalClock, ticking: bool = True) -> None:
    """Install the hooks (idempotent) on `clock`; start the ticking thread unless `ticking` is False
    (LocalCloud starts it with `start_ticking()` once the functions the events reach are registered)."""
    with _lock:
        if _state.twin is not None:
            _state.twin.stop.set()
        _state.twin = _Twin(clock)
        if not _state.originals:
            _replace(CloudWatchBackend, "put_metric_alarm", _put_metric_alarm)
            _replace(Alarm, "update_state", _update_state)
            _replace(BaseExecutionWorkerCommunication, "terminated", _terminated)
            _replace(Rule, "send_to_targets", _send_to_targets)
        if ticking:
            _state.twin.thread.start()


def start_ticking() -> None:
    """Start evaluating alarms and firing schedules (once)."""
    with _lock:
        if _state.twin is not None and not _state.twin.thread.is_alive() and not _state.twin.stop.is_set():
            _state.twin.thread.start()


def remove() -> None:
    """Stop the thread (waiting for a tick in progress) and undo the hooks."""
    with _lock:
        if _state.twin is not None:
            _state.twin.stop.set()
            if _state.twin.thread.is_alive() and _state.twin.thread is not threading.current_thread():
                _state.twin.thread.join(timeout=10)
            _state.twin = None
        for (_, name), (owner, original) in list(_state.originals.items()):
            setattr(owner, name, original)
        _state.originals.clear()


def tick(now: float | None = None) -> None:
    """Run one evaluation/schedule pass now (tests; the thread does this on its own)."""
    if _state.twin is None:
        raise RuntimeError("lockgate.local.cloudwatch.patches.apply() has not been called")
    _state.twin.tick(now)


def _replace(owner: object, name: str, value: object) -> None:
    _state.originals[(id(owner), name)] = (owner, getattr(owner, name))
    setattr(owner, name, value)


def _original(owner: object, name: str) -> Any:
    return _state.originals[(id(owner), name)][1]


# 1. INSUFFICIENT_DATA at creation ------------------------------------------------------------


def _put_metric_alarm(self: CloudWatchBackend, name: str, *args: Any, **kwargs: Any) -> Alarm:
    previous = self.alarms.get(name)
    alarm: Alarm = _original(CloudWatchBackend, "put_metric_alarm")(self, name, *args, **kwargs)
    if previous is not None:  # AWS: an update leaves the state as it was
        alarm.state_value = previous.state_value
        alarm.state_reason = previous.state_reason
        alarm.state_reason_data = previous.state_reason_data
        alarm.state_updated_timestamp = previous.state_updated_timestamp
        alarm.history = previous.history
    else:
        alarm.state_value = INSUFFICIENT_DATA
    return alarm


# 2. State change events ----------------------------------------------------------------------


def _update_state(self: Alarm, reason: str, reason_data: str, state_value: str) -> None:
    before = events.AlarmState(
        self.state_value, self.state_reason, self.state_reason_data, _aware(self.state_updated_timestamp)
    )
    _original(Alarm, "update_state")(self, reason, reason_data, state_value)
    twin = _state.twin
    if twin is not None and not getattr(twin.evaluating, "active", False):
        rule = _rule_of(self)
        hold = twin.clock.scale(rule.period * rule.evaluation_periods) if rule else 0.0
        now = time.time()
        twin.manual[self.alarm_arn] = (now, now + max(MANUAL_HOLD_REAL_SECONDS, hold))
    if before.value == state_value:
        return
    after = events.AlarmState(state_value, reason, reason_data, _aware(self.state_updated_timestamp))
    config = events.AlarmConfig(
        description=self.description or "",
        namespace=self.namespace or "",
        metric_name=self.metric_name or "",
        dimensions={d.name: d.value or "" for d in self.dimensions if d.name},
        period=int(self.period or 0),
        stat=self.extended_statistic or self.statistic or "",
    )
    account = self.alarm_arn.split(":")[4]
    emitted = events.alarm_state_change(
        alarm_arn=self.alarm_arn, alarm_name=self.name, previous=before, current=after, config=config
    )
    _put(account, self.region_name, emitted)


# 3b. Schedule rules match no events -------------------------------------------------------------


def _send_to_targets(self: Rule, original_event: dict[str, Any], transform_input: bool = True) -> None:
    """A schedule rule has no event pattern, and moto's empty pattern matches every event: on AWS
    a schedule rule's targets receive only its own Scheduled Events."""
    twin = _state.twin
    if self.scheduled_expression and not (twin is not None and getattr(twin.firing, "active", False)):
        return
    _original(Rule, "send_to_targets")(self, original_event, transform_input)


# 4. Step Functions status change -------------------------------------------------------------


def _terminated(self: BaseExecutionWorkerCommunication) -> None:
    _original(BaseExecutionWorkerCommunication, "terminated")(self)
    execution = self.execution
    status = getattr(execution.exec_status, "value", None)
    if status not in TERMINAL:
        return
    emitted = events.execution_status_change(
        execution_arn=execution.exec_arn,
        state_machine_arn=execution.state_machine_arn,
        name=execution.name,
        status=status,
        start=_aware(execution.start_date),
        stop=_aware(execution.stop_date),
        payload=json.dumps(execution.input_data),
        output=json.dumps(execution.output, default=str) if execution.exec_status == "SUCCEEDED" else None,
        error=execution.error,
        cause=execution.cause,
    )
    try:
        _put(execution.account_id, execution.region_name, emitted)
    except Exception:  # an execution's end must never fail because of its event
        LOG.exception("could not emit the status change of %s", execution.exec_arn)


# helpers -------------------------------------------------------------------------------------


def _put(account: str, region: str, emitted: events.Emitted) -> None:
    backend = events_models.events_backends[account][region]
    backend.put_events(
        [
            {
                "Source": emitted.source,
                "DetailType": emitted.detail_type,
                "Resources": emitted.resources,
                "Detail": json.dumps(emitted.detail, default=str),
            }
        ]
    )


def _message(account: str, region: str, emitted: events.Emitted) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": emitted.detail_type,
        "source": emitted.source,
        "account": account,
        "time": time.time(),
        "region": region,
        "resources": emitted.resources,
        "detail": emitted.detail,
        "ingestion-time": time.time(),
    }


def _backends(backend_dict: Any) -> list[Any]:
    found = []
    for regions in list(backend_dict.values()):
        for backend in list(regions.values()):
            found.append(backend)
    return found


def _rule_of(alarm: Alarm) -> AlarmRule | None:
    stat = alarm.extended_statistic or alarm.statistic
    if not alarm.metric_name or alarm.metric_data_queries or not stat or not alarm.period:
        return None  # metric-math and composite alarms are not evaluated here
    rule = AlarmRule(
        statistic=str(stat),
        period=float(alarm.period),
        evaluation_periods=int(alarm.evaluation_periods or 1),
        datapoints_to_alarm=int(alarm.datapoints_to_alarm or alarm.evaluation_periods or 1),
        threshold=float(alarm.threshold),
        comparison=str(alarm.comparison_operator),
        treat_missing_data=str(alarm.treat_missing_data or "missing"),
    )
    return rule if rule.supported() else None


def _datapoints(backend: CloudWatchBackend, alarm: Alarm) -> list[Datapoint]:
    wanted = {(d.name, d.value) for d in alarm.dimensions}
    points = []
    for datum in list(backend.metric_data):
        if datum.namespace != alarm.namespace or datum.name != alarm.metric_name:
            continue
        if {(d.name, d.value) for d in datum.dimensions} != wanted:
            continue
        at = _aware(datum.timestamp).timestamp()
        if isinstance(datum, MetricAggregatedDatum):
            points.append(
                Datapoint(
                    at,
                    datum.sum / max(datum.sample_count, 1.0),
                    datum.sample_count,
                    datum.min,
                    datum.max,
                    datum.sum,
                )
            )
        elif isinstance(datum, MetricDatum):
            points.append(Datapoint(at, float(datum.value)))
    return points


def _aware(moment: Any) -> datetime:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if not isinstance(moment, datetime):
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
