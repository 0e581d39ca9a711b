from datetime import UTC, datetime, timedelta

from lockgate.pipeline.run_history import state_visits

T0 = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)


def _event(number: int, kind: str, ms: int, name: str | None = None) -> dict:
    event: dict = {"id": number, "type": kind, "timestamp": T0 + timedelta(milliseconds=ms)}
    if kind.endswith("StateEntered"):
        event["stateEnteredEventDetails"] = {"name": name}
    if kind.endswith("StateExited"):
        event["stateExitedEventDetails"] = {"name": name}
    return event


def test_states_in_order_with_durations() -> None:
    events = [
        _event(1, "ExecutionStarted", 0),
        _event(2, "TaskStateEntered", 1, "Validate"),
        _event(3, "TaskStateExited", 251, "Validate"),
        _event(4, "SucceedStateEntered", 252, "Done"),
        _event(5, "SucceedStateExited", 252, "Done"),
        _event(6, "ExecutionSucceeded", 253),
    ]
    visits = state_visits(events)
    assert [(v.name, v.type, v.outcome, v.seconds) for v in visits] == [
        ("Validate", "Task", "ok", 0.25),
        ("Done", "Succeed", "ok", 0.0),
    ]


def test_a_fail_state_is_closed_by_the_execution_failure() -> None:
    events = [
        _event(1, "TaskStateEntered", 0, "Validate"),
        _event(2, "TaskFailed", 10),
        _event(3, "TaskStateExited", 11, "Validate"),
        _event(4, "FailStateEntered", 12, "IngestFailed"),
        _event(5, "ExecutionFailed", 13),
    ]
    visits = state_visits(events)
    assert [(v.name, v.outcome) for v in visits] == [("Validate", "failed"), ("IngestFailed", "failed")]
    assert visits[1].seconds == 0.001


def test_a_running_state_has_no_duration() -> None:
    (visit,) = state_visits([_event(1, "TaskStateEntered", 0, "Train")])
    assert (visit.outcome, visit.seconds) == ("running", None)
