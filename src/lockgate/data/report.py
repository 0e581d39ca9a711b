"""The validation report: every failed rule, its violating-row count and up to 5 examples."""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, Field

from lockgate.errors import DatasetRejected, counted_as

MAX_EXAMPLES = 5

# What a rule's count counts (singular; "" = the rule has no count worth showing). Default: row.
_UNITS = {
    "no_nul_bytes": "byte",
    "utf8": "invalid byte sequence",
    "encoding": "invalid byte sequence",
    "duplicate_columns": "column",
    "unknown_columns": "column",
    "missing_columns": "column",
    "max_object_bytes": "byte",
    "has_data_rows": "",
    "non_empty": "",
    "missing_label": "",
    "format": "",
    "readable_csv": "",
    "readable_parquet": "",
    "readable_gzip": "",
    "has_parts": "",
}
# What an example's `row` is, when not a data row ("" = no position: the value says it all).
_POSITIONS = {
    "ragged_rows": "line",
    "no_nul_bytes": "byte offset",
    "utf8": "byte offset",
    "encoding": "byte offset",
    "duplicate_columns": "column",
    "unknown_columns": "column",
    "missing_columns": "",
    "missing_label": "",
}


class Example(BaseModel):
    """One violation: the data row number (1 = first row after the header; for `ragged_rows` the
    physical line number; for byte-level rules the byte offset) and the offending value."""

    row: int
    value: Any = None
    file: str | None = None  # set when reports of several parts are merged


class RuleFailure(BaseModel):
    """A rule that failed: `count` rows (or bytes, or columns, as `detail` says) broke it."""

    rule: str
    column: str | None = None
    count: int
    detail: str = ""
    examples: list[Example] = Field(default_factory=list)

    @property
    def name(self) -> str:
        """`rule` or `rule[column]`: the name used in messages."""
        return f"{self.rule}[{self.column}]" if self.column else self.rule

    @property
    def unit(self) -> str:
        """What `count` counts, singular ("row", "byte", "column"); "" when it counts nothing useful."""
        return _UNITS.get(self.rule, "row")

    def counted(self) -> str:
        """ "3 rows", "1 byte"; "" for a rule without a count."""
        return counted_as(self.count, self.unit) if self.unit else ""

    def where(self, example: Example) -> str:
        """An example's place: "row 5", "line 7", "byte offset 500", "column 11", or ""."""
        position = _POSITIONS.get(self.rule, "row")
        return f"{position} {example.row}" if position else ""


class ValidationReport(BaseModel):
    """JSON-serialisable outcome of validating one file (or the merge of several parts)."""

    passed: bool
    file: str
    rows: int
    bytes: int = 0
    sha256: str | None = None
    failures: list[RuleFailure] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)  # e.g. the contract was migrated from an older schema

    def summary(self) -> str:
        """A short human-readable summary (a few lines), e.g. for an SNS message."""
        head = f"{self.file}: {'PASSED' if self.passed else 'FAILED'} ({self.rows} rows)"
        lines = [head, *(f"warning: {w}" for w in self.warnings)]
        for f in self.failures:
            sample = ", ".join(
                f"{where}: {e.value!r}" if (where := f.where(e)) else repr(e.value) for e in f.examples[:3]
            )
            lines.append(
                f"- {f.name}"
                + (f": {f.counted()}" if f.counted() else "")
                + (f" ({f.detail})" if f.detail else "")
                + (f" e.g. {sample}" if sample else "")
            )
        return "\n".join(lines)

    def raise_if_failed(self) -> None:
        """Raise DatasetRejected naming the file, the first failed rule with its count and detail,
        then each other failed rule once."""
        if self.passed:
            return
        first, others = self.failures[0], self.failures[1:]
        also = ", ".join(f"{f.name} ({f.counted()})" if f.counted() else f.name for f in others)
        detail = "; ".join(part for part in (first.detail, f"also failed: {also}" if also else "") if part)
        raise DatasetRejected(self.file, first.name, first.count, detail, unit=first.unit)


class FailureCollector:
    """Accumulates failures across batches, keyed by (rule, column), keeping the first examples."""

    def __init__(self) -> None:
        self._failures: dict[tuple[str, str | None], RuleFailure] = {}

    def add(
        self,
        rule: str,
        count: int,
        examples: list[tuple[int, Any]] = (),  # type: ignore[assignment]
        column: str | None = None,
        detail: str = "",
    ) -> None:
        """Record `count` more violations of `rule` (no-op when count is 0)."""
        if count <= 0:
            return
        key = (rule, column)
        failure = self._failures.get(key)
        if failure is None:
            failure = self._failures[key] = RuleFailure(rule=rule, column=column, count=0, detail=detail)
        failure.count += count
        room = MAX_EXAMPLES - len(failure.examples)
        failure.examples.extend(Example(row=r, value=_jsonable(v)) for r, v in list(examples)[:room])

    def failures(self) -> list[RuleFailure]:
        """The failures, in the order first seen."""
        return list(self._failures.values())


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    return value


def merge_reports(name: str, reports: list[ValidationReport]) -> ValidationReport:
    """One report for a dataset delivered in parts: counts add, examples keep their part's file."""
    merged: dict[tuple[str, str | None], RuleFailure] = {}
    for report in reports:
        for f in report.failures:
            into = merged.setdefault(
                (f.rule, f.column), RuleFailure(rule=f.rule, column=f.column, count=0, detail=f.detail)
            )
            into.count += f.count
            room = MAX_EXAMPLES - len(into.examples)
            into.examples.extend(
                e.model_copy(update={"file": e.file or report.file}) for e in f.examples[:room]
            )
    failures = list(merged.values())
    return ValidationReport(
        passed=not failures,
        file=name,
        rows=sum(r.rows for r in reports),
        bytes=sum(r.bytes for r in reports),
        failures=failures,
        warnings=list(dict.fromkeys(w for r in reports for w in r.warnings)),
    )
