"""The exception tree. Handlers let these escape: their class name becomes Lambda's `errorType`,
which the state machines match in Retry/Catch (`ErrorEquals: ["DatasetRejected"]`)."""

from __future__ import annotations


class LockgateError(Exception):
    """Base of every error Lockgate raises on purpose."""

    retryable: bool = False


class InputRejected(LockgateError):
    """Bad input: never retried. Names the file, the rule and how many rows/bytes broke it."""

    def __init__(self, file: str, rule: str, count: int, detail: str = "") -> None:
        self.file, self.rule, self.count, self.detail = file, rule, count, detail
        message = f"{file}: rule '{rule}' failed ({count})"
        super().__init__(f"{message}: {detail}" if detail else message)


class DatasetRejected(InputRejected):
    """A dataset broke its contract; the report lists every failed rule."""


class ContractInvalid(LockgateError):
    """A dataset contract (or a Clarify analysis config) is itself invalid; names the field."""

    def __init__(self, source: str, field: str, detail: str) -> None:
        self.source, self.field, self.detail = source, field, detail
        super().__init__(f"{source}: field '{field}': {detail}")


class TransientError(LockgateError):
    """A dependency failed in a way worth retrying (throttling, a 5xx)."""

    retryable = True


def error_named(error_type: str) -> type[LockgateError] | None:
    """The Lockgate error class a Lambda `errorType` (a Step Functions `Error`) names, or None.

    The class name is the wire format between a function and the state machines; this is the one
    place that reads it back, so callers test `issubclass`, never compare strings."""
    pending: list[type[LockgateError]] = [LockgateError]
    while pending:
        cls = pending.pop()
        if cls.__name__ == error_type:
            return cls
        pending.extend(cls.__subclasses__())
    return None
