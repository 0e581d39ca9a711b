"""What each Lockgate alarm means and what a person should check: the text of the SNS message."""

from __future__ import annotations

from lockgate.remediation.alarms import AlarmRef, Reaction

_BY_SUBJECT: tuple[tuple[str, str, str], ...] = (
    (
        "lambda-errors",
        "A Lockgate function raised errors.",
        "Read the function's log group for the stack trace; check the failed run with `lockgate runs`.",
    ),
    (
        "lambda-throttles",
        "A Lockgate function was throttled.",
        "Check the account's Lambda concurrency and reserved concurrency; retries happen by themselves.",
    ),
    (
        "dlq",
        "Events or async invocations could not be delivered and wait in the dead-letter queue.",
        "Read the messages in the DLQ, fix the cause, then redrive them.",
    ),
    (
        "pipeline-failures",
        "A Lockgate state machine execution failed, timed out or was aborted.",
        "Open the execution with `lockgate runs`; the failure notification names the step and the cause.",
    ),
    (
        "5xx",
        "The endpoint returns server errors.",
        "Check the endpoint's CloudWatch logs and the live package; a rollback was attempted.",
    ),
    (
        "latency",
        "The endpoint answers slowly.",
        "Check ModelLatency per variant and the instance type; a rollback was attempted.",
    ),
    (
        "bias",
        "Post-training bias on live traffic left its bounds.",
        "Read the monitor's bias report; review the model before the next approval.",
    ),
    (
        "features",
        "Live feature distributions drifted from the training baseline.",
        "Compare the drift report with the training data; a retrain was started on the latest version.",
    ),
    (
        "idle",
        "The endpoint received no invocations for the idle window.",
        "Is it still needed? Tag it lockgate:idle-action=delete|scale-down to let Lockgate act.",
    ),
)


def meaning(alarm: AlarmRef) -> tuple[str, str]:
    """(what it means, what to check) for an alarm, from its subject."""
    for key, what, check in _BY_SUBJECT:
        if alarm.subject.endswith(key) or f"-{key}-" in f"-{alarm.subject}-":
            return what, check
    defaults = {
        Reaction.ROLLBACK: ("An endpoint alarm fired.", "Check the endpoint's metrics and live package."),
        Reaction.IDLE: _BY_SUBJECT[-1][1:],
        Reaction.DRIFT: _BY_SUBJECT[-2][1:],
        Reaction.NOTIFY: ("A Lockgate alarm fired.", "Read the alarm's reason and its metric."),
    }
    return defaults[alarm.reaction]
