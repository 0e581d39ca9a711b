"""The exception tree. Handlers let these escape: their class name becomes Lambda's `errorType`,
which the state machines match in Retry/Catch (`ErrorEquals: ["DatasetRejected"]`)."""

from __future__ import annotations


class LockgateError(Exception):
    """Base of every error Lockgate raises on purpose."""

    retryable: bool = False


class InputRejected(LockgateError):
    """Bad input: never retried. Names the file, the rule and how many rows/bytes broke it.

    `unit` says what `count` counts ("3 rows", "1 byte"); "" for a rule without a count (an
    unreadable file); None keeps the bare number."""

    def __init__(
        self, file: str, rule: str, count: int, detail: str = "", *, unit: str | None = None
    ) -> None:
        self.file, self.rule, self.count, self.detail, self.unit = file, rule, count, detail, unit
        counted = f" ({count})" if unit is None else f" ({counted_as(count, unit)})" if unit else ""
        message = f"{file}: rule '{rule}' failed{counted}"
        super().__init__(f"{message}: {detail}" if detail else message)


def counted_as(count: int, unit: str) -> str:
    """ "1 row", "3 rows", "2 byte sequences": a count with its (singular) unit."""
    return f"{count:,} {unit}" + ("" if count == 1 else "s")


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


class EndpointBusy(TransientError):
    """Another update holds the endpoint (SageMaker allows one at a time): retried, then the run fails."""

    def __init__(self, endpoint: str, detail: str = "") -> None:
        self.endpoint = endpoint
        super().__init__(f"endpoint {endpoint} is busy with another update{': ' + detail if detail else ''}")


class SmokeTestFailed(LockgateError):
    """The staging endpoint's predictions differ from the batch transform's on the same rows."""


class DeploymentRolledBack(LockgateError):
    """SageMaker rolled the production update back (an alarm fired); the old model keeps serving."""


class PackageNotDeployable(LockgateError):
    """The model package lacks what a deployment needs (artifact, test data, predictions); names the field."""


class DeploymentSuperseded(LockgateError):
    """A newer package of the same group is already live on the endpoint: this older one is not deployed."""


class ApprovalNotRecorded(LockgateError):
    """The model package exists, but setting its approval status and reasons failed: it stays
    PendingManualApproval. The intended status and reasons are on the package
    (CustomerMetadataProperties approvalStatus, approvalReasons); a retry of the step sets them."""

    def __init__(self, package_arn: str, status: str, detail: str) -> None:
        self.package_arn, self.status, self.detail = package_arn, status, detail
        super().__init__(
            f"model package {package_arn} was registered but its approval ({status}) was not recorded: "
            f"{detail}. It stays PendingManualApproval; its metadata (approvalStatus, approvalReasons) "
            "holds what was decided. Fix the cause, then answer it: "
            f"`lockgate approve|reject {package_arn} --reason '...'` (a retried step finishes it itself)"
        )


class VariantsInvalid(LockgateError):
    """An A/B request SageMaker or Lockgate cannot honour: weights negative or both zero, a variant the
    endpoint lacks, a promotion on a single-variant endpoint. Names what to change; nothing changed."""


class NoLiveChampion(LockgateError):
    """An explicit A/B deploy (`lockgate deploy --variants`) for an endpoint with no live model: there
    is no champion to compare with. Deploy it normally first; nothing changed."""


class InternalError(LockgateError):
    """Lockgate's own bug (not bad input): names the file it was working on; the original object
    stays where it was (raw/ is never changed), so the run can be repeated once the bug is fixed."""

    def __init__(self, file: str, detail: str) -> None:
        self.file, self.detail = file, detail
        super().__init__(
            f"{file}: internal error (a Lockgate bug, not bad data; the object is unchanged): {detail}"
        )


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
