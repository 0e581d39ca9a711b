"""Expected rejections (bad input, `InputRejected`) in a handler's logs: one structured line and a
counted metric, no traceback; the error still reaches Step Functions under its own type.

Raising through Powertools' decorators costs tracebacks (the runtime's `[ERROR]` record, the
Parser's and Tracer's `logger.exception`) plus a "No application metrics" warning per rejection.
So the inner wrapper (on the handler itself, under every decorator) logs and counts the
rejection and returns it as a `Rejected` result, and the outer wrapper (above every Powertools
decorator) raises it again with no traceback of ours. Anything else (our bugs) passes through
untouched, traceback and all.

    @rejections.raised            # outermost
    @logger.inject_lambda_context
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    @event_parser(model=...)
    @rejections.logged            # innermost
    def lambda_handler(event, context): ...
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypedDict, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from lockgate.errors import InputRejected

Handler = TypeVar("Handler", bound=Callable[..., Any])


class RejectionFields(TypedDict):
    """A rejection's log fields: the error's type name and what it names."""

    error: str
    file: str
    rule: str
    count: int
    unit: str | None
    detail: str  # the first 1000 characters


class Rejected(dict[str, str | int | None]):
    """A rejection carried out of the Powertools decorators as a plain result (a handler's result
    is a JSON object to them: the tracer records it), its values the `RejectionFields`."""

    def __init__(self, error: InputRejected) -> None:
        super().__init__(**rejection_fields(error))
        self.error = error


def rejection_fields(error: InputRejected) -> RejectionFields:
    """The structured fields of a rejection's log line."""
    return {
        "error": type(error).__name__,
        "file": error.file,
        "rule": error.rule,
        "count": error.count,
        "unit": error.unit,
        "detail": error.detail[:1000],
    }


class Rejections:
    """The two wrappers of one handler (see the module docstring)."""

    def __init__(self, logger: Logger, metrics: Metrics, metric_name: str = "InputsRejected") -> None:
        self.logger, self.metrics, self.metric_name = logger, metrics, metric_name

    def logged(self, handler: Handler) -> Handler:
        """Log and count a rejection, and return it as a `Rejected` result."""

        @functools.wraps(handler)
        def run(event: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return handler(event, context, *args, **kwargs)
            except InputRejected as error:
                self.logger.warning("input rejected", extra=rejection_fields(error))
                self.metrics.add_metric(name=self.metric_name, unit=MetricUnit.Count, value=1)
                return Rejected(error)

        return run  # type: ignore[return-value]

    @staticmethod
    def raised(handler: Handler) -> Handler:
        """Raise a `Rejected` result's error again, with no traceback of ours."""

        @functools.wraps(handler)
        def run(event: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
            result = handler(event, context, *args, **kwargs)
            if isinstance(result, Rejected):
                raise result.error.with_traceback(None) from None
            return result

        return run  # type: ignore[return-value]
