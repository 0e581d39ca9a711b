"""Validate a dataset file against its contract in one streaming pass.

`validate` never raises for bad data: every problem, structural (empty, header only, undecodable,
ragged, NUL bytes, unreadable) or semantic (types, nulls, ranges, allowed values, label values, keys,
row count), becomes a failed rule in the report. `report.raise_if_failed()` turns a failed report
into the typed, non-retryable `DatasetRejected`.

Row numbers in examples are 1-based data rows (the first row after the header is 1). Ragged rows
are skipped, so rows after one are numbered as if it were absent; ragged rows themselves carry
their physical line number.

Multipart datasets (convention: `raw/<dataset>/<batch>/part-*.csv` then an empty
`raw/<dataset>/<batch>/_SUCCESS` marker that starts the run): each Distributed Map item validates
one part with `whole_dataset=False` (column rules and statistics only; rows numbered within the
part), returns `ValidationResult.to_json()` and stores `key_hashes.to_bytes()` beside its output;
the reduce step rebuilds them with `ValidationResult.from_json` and calls `finalize_parts`, which
merges reports, statistics and key hashes and applies the dataset rules (row count, has_data_rows,
key uniqueness across parts) once. The merged statistics equal one pass over the concatenated
parts, bit for bit (see `stats`).
"""

from __future__ import annotations

import csv
import hashlib
import shutil
import tempfile
import zlib
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypedDict

import numpy as np
import pyarrow as pa

from lockgate.data.contract import Contract
from lockgate.data.hashing import row_hashes
from lockgate.data.readers import (
    BatchSource,
    CsvSource,
    FileFormat,
    ReadFailed,
    Replay,
    detect_format,
    open_parquet,
    read_head,
)
from lockgate.data.report import MAX_EXAMPLES, FailureCollector, ValidationReport, merge_reports
from lockgate.data.rules import ARROW_TYPES, profile
from lockgate.data.stats import DatasetStats, DatasetStatsJson, KeyHashes, merge_stats
from lockgate.errors import InternalError
from lockgate.messages.base import JsonObject

BatchConsumer = Callable[[pa.RecordBatch, int], None]
"""Receives each batch, with every declared column in contract order and type (string columns may be
dictionary-encoded), and the batch's first row index (0-based)."""


class ValidationResultJson(TypedDict):
    """`ValidationResult.to_json()`: a Distributed Map item's result."""

    report: JsonObject  # ValidationReport.model_dump(mode="json"): a JSON boundary, from_json validates it
    stats: DatasetStatsJson


@dataclass
class ValidationResult:
    """Report, statistics and key hashes of one file (or of all parts, after `finalize_parts`)."""

    report: ValidationReport
    stats: DatasetStats
    key_hashes: KeyHashes | None = None

    def to_json(self) -> ValidationResultJson:
        """Report and statistics as JSON (a Distributed Map item's result: a few KB per column at
        most). Key hashes are too big for a state payload: store `key_hashes.to_bytes()` beside it."""
        return {"report": self.report.model_dump(mode="json"), "stats": self.stats.to_json()}

    @staticmethod
    def from_json(
        data: ValidationResultJson, contract: Contract, key_hashes: bytes | None = None
    ) -> ValidationResult:
        """Inverse of `to_json` (plus the stored key hashes, if any)."""
        return ValidationResult(
            ValidationReport.model_validate(data["report"]),
            DatasetStats.from_json(data["stats"], contract),
            KeyHashes.from_bytes(key_hashes) if key_hashes is not None else None,
        )


def _size_rule(size: int, contract: Contract) -> tuple[str, int, str] | None:
    """The one place the size rule is decided: (rule, count, detail) when `size` breaks it."""
    if size > contract.max_object_bytes:
        return (
            "max_object_bytes",
            size,
            f"{size} bytes is over the contract's limit of {contract.max_object_bytes}",
        )
    if size == 0:
        return "non_empty", 1, "the object has no bytes"
    return None


def check_size(file_name: str, size: int, contract: Contract) -> ValidationReport | None:
    """The failed report of an object rejected from its size alone (before a byte is read), or
    None when its size is fine. `report.raise_if_failed()` gives the DatasetRejected."""
    rule = _size_rule(size, contract)
    if rule is None:
        return None
    failures = FailureCollector()
    failures.add(rule[0], rule[1], detail=rule[2])
    return ValidationReport(
        passed=False,
        file=file_name,
        rows=0,
        bytes=size,
        failures=failures.failures(),
        warnings=contract.deprecations,
    )


class _ConsumerFailed(Exception):
    """Carries an exception raised by `on_batch` past the handlers that classify bad input."""


_BAD_DATA = (pa.ArrowException, csv.Error, UnicodeError, EOFError, zlib.error)


def _seekable_copy(file: BinaryIO, head: bytes, stack: ExitStack, workdir: Path | None) -> BinaryIO:
    """The file itself, rewound, when it can seek; else a temporary copy (Parquet reads the footer first)."""
    if file.seekable():
        file.seek(0)
        return file
    local: BinaryIO = stack.enter_context(tempfile.TemporaryFile(dir=workdir))  # noqa: SIM115
    local.write(head)
    shutil.copyfileobj(file, local, 8 << 20)
    local.seek(0)
    return local


def _sha256_and_rewind(file: BinaryIO) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := file.read(8 << 20):
        digest.update(chunk)
        size += len(chunk)
    file.seek(0)
    return digest.hexdigest(), size


class _Validator:
    def __init__(self, file_name: str, contract: Contract, on_batch: BatchConsumer | None) -> None:
        self.file_name = file_name
        self.contract = contract
        self.on_batch = on_batch
        self.failures = FailureCollector()
        self.stats = DatasetStats.for_contract(contract)
        self.key_parts: list[np.ndarray] = []
        self.rows = 0

    def check_header(self, names: list[str]) -> list[str]:
        contract = self.contract
        declared = [c.name for c in contract.columns]
        seen: set[str] = set()
        dups = [(i + 1, n) for i, n in enumerate(names) if n in seen or seen.add(n)]  # type: ignore[func-returns-value]
        self.failures.add("duplicate_columns", len(dups), dups, detail="header names given twice")
        unknown = [(i + 1, n) for i, n in enumerate(names) if n not in set(declared)]
        self.failures.add(
            "unknown_columns", len(unknown), unknown, detail="columns the contract does not declare"
        )
        label = contract.label.column
        missing = [n for n in declared if n not in set(names) and n != label]
        self.failures.add(
            "missing_columns",
            len(missing),
            [(0, n) for n in missing],
            detail="declared columns absent from the file",
        )
        if label not in names:
            self.failures.add(
                "missing_label", 1, [(0, label)], detail=f"the label column {label!r} is absent"
            )
        return [n for n in declared if n in set(names)]

    def run(self, source: BatchSource) -> None:
        present = self.check_header(source.columns)
        columns = self.contract.columns
        key_cols = [(k, self.contract.column(k).type) for k in self.contract.keys]
        keys_present = bool(key_cols) and all(k in present for k, _ in key_cols)
        for batch in source.batches:
            n = batch.num_rows
            if not n:
                continue
            typed: dict[str, pa.Array] = {}
            for col in columns:
                if col.name not in present:
                    continue
                typed[col.name] = profile(
                    batch.column(col.name),
                    col,
                    self.contract,
                    self.rows,
                    self.failures,
                    stats=self.stats.columns[col.name],
                )
            if keys_present:
                self.key_parts.append(row_hashes([(typed[k], t) for k, t in key_cols], n))
            if self.on_batch is not None:
                arrays = [
                    typed[c.name] if c.name in typed else pa.nulls(n, ARROW_TYPES[c.type]) for c in columns
                ]
                try:
                    self.on_batch(
                        pa.RecordBatch.from_arrays(arrays, names=[c.name for c in columns]), self.rows
                    )
                except Exception as exc:  # the consumer's own failure (e.g. a full disk): not bad data
                    raise _ConsumerFailed from exc
            self.rows += n

    def key_hashes(self) -> KeyHashes | None:
        if not self.contract.keys or not self.key_parts:
            return None
        ordered = np.concatenate(self.key_parts)
        ordered.sort()
        new_value = np.empty(len(ordered), dtype=bool)
        new_value[:1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=new_value[1:])
        repeats = len(ordered) - int(np.count_nonzero(new_value))
        if repeats:  # rare: pay for a stable argsort to name the rows
            order = np.argsort(np.concatenate(self.key_parts), kind="stable")
            starts = np.maximum.accumulate(np.where(new_value, np.arange(len(ordered)), 0))
            repeat = np.flatnonzero(~new_value)
            rows, firsts = order[repeat] + 1, order[starts[repeat]] + 1
            pick = np.argsort(rows, kind="stable")[:MAX_EXAMPLES]
            examples = [(int(rows[i]), f"same key as row {int(firsts[i])}") for i in pick]
            self.failures.add(
                "unique_keys", repeats, examples, detail=f"rows repeating a key {self.contract.keys}"
            )
        self.key_parts = []
        return KeyHashes(ordered[new_value] if repeats else ordered, repeats)


def _dataset_rules(contract: Contract, rows: int, failures: FailureCollector) -> None:
    bounds = contract.rows
    if rows == 0:
        failures.add("has_data_rows", 1, detail="no data rows (header only, or every row rejected)")
    elif rows < bounds.min or (bounds.max is not None and rows > bounds.max):
        failures.add("row_count", rows, detail=f"{rows} rows, contract allows [{bounds.min}, {bounds.max}]")


def validate(
    file: BinaryIO | str | Path,
    file_name: str,
    contract: Contract,
    size: int | None = None,
    *,
    on_batch: BatchConsumer | None = None,
    whole_dataset: bool = True,
    workdir: Path | None = None,
) -> ValidationResult:
    """Validate one file (a path or a binary file object, read once) in one pass.

    The format comes from the name and the first bytes (`readers.detect_format`); a Parquet file
    that cannot seek is copied to a temporary file in `workdir` first. Bad data never raises: it
    is a failed rule in the report. Anything else (our bug, a full disk) raises `InternalError`
    naming the file.

    `size` (bytes, e.g. from the S3 event) is checked against `max_object_bytes` before reading.
    `on_batch` sees every typed batch (e.g. a `Splitter`); discard what it wrote if the report
    failed. `whole_dataset=False` skips the dataset rules (row count, has_data_rows, key
    uniqueness) for a part of a multipart dataset: see `finalize_parts`.
    """
    v = _Validator(file_name, contract, on_batch)
    if size is not None and (early := check_size(file_name, size, contract)) is not None:
        return ValidationResult(early, v.stats, None)
    sha256, nbytes = None, size or 0
    fmt: FileFormat | None = None
    with ExitStack() as stack:
        if isinstance(file, str | Path):
            file = stack.enter_context(open(file, "rb"))
        csv_source: CsvSource | None = None
        try:
            head = read_head(file)
            fmt = detect_format(file_name, head, contract)
            if fmt.type == "parquet":
                local = _seekable_copy(file, head, stack, workdir)
                sha256, nbytes = _sha256_and_rewind(local)
                source, _ = open_parquet(local, contract)
            else:
                csv_source = CsvSource(Replay(head, file), contract, v.failures, gzipped=fmt.gzipped)  # type: ignore[arg-type]
                source = csv_source.open()
            v.run(source)
            if csv_source is not None:
                sha256, nbytes = csv_source.hashing.sha256.hexdigest(), csv_source.hashing.size
        except _ConsumerFailed as exc:
            cause = exc.__cause__
            raise InternalError(file_name, f"writing the splits: {type(cause).__name__}: {cause}") from cause
        except ReadFailed as exc:
            v.failures.add(
                exc.rule, max(exc.count, 1) if exc.rule != "non_empty" else 1, detail=exc.detail[:500]
            )
            if fmt is None:  # not even the format could be read: has_data_rows would only repeat it
                whole_dataset = False
        except _BAD_DATA as exc:  # raised by a reader deeper than the readers' own handlers
            rule = "readable_parquet" if fmt is not None and fmt.type == "parquet" else "readable_csv"
            v.failures.add(rule, 1, detail=f"{type(exc).__name__}: {exc}"[:500])
        except Exception as exc:  # anything else is our bug: say so, naming the file
            raise InternalError(file_name, f"validating: {type(exc).__name__}: {exc}") from exc
        if csv_source is not None:
            csv_source.finish()
        v.stats.rows = v.rows  # also when reading stopped early
    return _result(v, file_name, sha256, nbytes, size=size, keys=v.key_hashes(), whole_dataset=whole_dataset)


def _result(
    v: _Validator,
    file_name: str,
    sha256: str | None,
    nbytes: int,
    *,
    size: int | None = None,
    keys: KeyHashes | None,
    whole_dataset: bool,
) -> ValidationResult:
    if size is None and nbytes and (rule := _size_rule(nbytes, v.contract)) is not None:
        v.failures.add(*rule[:2], detail=rule[2])  # size unknown up front: caught after reading
    if whole_dataset:
        _dataset_rules(v.contract, v.rows, v.failures)
    failures = v.failures.failures()
    report = ValidationReport(
        passed=not failures,
        file=file_name,
        rows=v.rows,
        bytes=nbytes,
        sha256=sha256,
        failures=failures,
        warnings=v.contract.deprecations,
    )
    return ValidationResult(report, v.stats, keys)


def finalize_parts(name: str, parts: list[ValidationResult], contract: Contract) -> ValidationResult:
    """Merge the results of parts validated with `whole_dataset=False` and apply the dataset rules.

    Key uniqueness across parts merges the parts' `KeyHashes` (duplicates within a part keep
    their examples; duplicates across parts are counted, without row examples).
    """
    report = merge_reports(name, [p.report for p in parts])
    stats = merge_stats([p.stats for p in parts], contract)
    keys: KeyHashes | None = None
    for p in parts:
        if p.key_hashes is not None:
            keys = p.key_hashes if keys is None else keys.merge(p.key_hashes)
    failures = FailureCollector()
    within = {(f.rule, f.column) for f in report.failures}
    _dataset_rules(contract, stats.rows, failures)
    if keys is not None and keys.duplicates and ("unique_keys", None) not in within:
        failures.add(
            "unique_keys", keys.duplicates, detail=f"rows repeating a key {contract.keys} across parts"
        )
    elif keys is not None and keys.duplicates:
        for f in report.failures:
            if f.rule == "unique_keys":
                f.count = keys.duplicates
    report.failures.extend(failures.failures())
    report.passed = not report.failures
    return ValidationResult(report, stats, keys)


def main(argv: list[str] | None = None) -> int:
    """Validate a local file: `python -m lockgate.data.validation FILE CONTRACT [--json]` (exit 1: failed)."""
    import argparse
    import json

    from lockgate.data.contract import load_contract

    parser = argparse.ArgumentParser(prog="python -m lockgate.data.validation", description=main.__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("contract", type=Path)
    parser.add_argument("--json", action="store_true", help="print the report and statistics as JSON")
    args = parser.parse_args(argv)
    result = validate(args.file, args.file.name, load_contract(args.contract), args.file.stat().st_size)
    print(json.dumps(result.to_json(), indent=2) if args.json else result.report.summary())
    return 0 if result.report.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
