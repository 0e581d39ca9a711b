"""Issue 10, "and then": malformed and hostile uploads and events against the whole local cloud
(S3 -> EventBridge -> starter -> ingest state machine -> data gate -> quarantine -> SNS).

Every upload that names a dataset gives exactly one execution; a bad one FAILS with a typed
error, lands in quarantine/ with its report (DatasetRejected) or stays only in raw/ (others), and
people are told with a message naming the file and the rule. Keys the starter cannot route are
told once and start nothing. Valid-but-unusual files (CRLF, BOM, gzip, Parquet, odd keys)
succeed. Malformed events are typed errors naming the field. Files are small: each case uses
the smallest input that still shows its behaviour (200 KB for the CSV field limit of 128 KiB,
10,000 header columns)."""

from __future__ import annotations

import gzip
import io
import json
import time
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lockgate.local.fixtures import sample_csv
from lockgate.sample_data import generate_credit

pytestmark = pytest.mark.integration

ROWS = 150  # the credit contract wants at least 100 rows
GOOD = sample_csv(ROWS, seed=21)
HEADER, REST = GOOD.split(b"\n", 1)


def _parquet(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def _nested_parquet() -> bytes:
    table = generate_credit(ROWS, seed=22)
    ages = pa.array([[int(a)] for a in table["age"].to_pylist()], pa.list_(pa.int64()))
    return _parquet(table.set_column(table.column_names.index("age"), "age", ages))


def _with_row(extra: bytes) -> bytes:
    return GOOD + extra


PARQUET = _parquet(generate_credit(ROWS, seed=23))


@dataclass(frozen=True)
class Upload:
    """One upload and what must come of it: SUCCEEDED, or FAILED with `error` and `rule`."""

    name: str
    key: str
    body: bytes
    error: str | None = None  # None: the run succeeds
    rule: str | None = None  # the first failed rule, named in the message
    quarantined: bool = True  # a rejection keeps a copy and its report under quarantine/


UPLOADS = [
    # -- rejected: typed DatasetRejected, quarantined with the report, people told ----------------
    Upload("zero bytes", "raw/credit/bad/empty.csv", b"", "DatasetRejected", "non_empty"),
    Upload(
        "header only", "raw/credit/bad/header-only.csv", HEADER + b"\n", "DatasetRejected", "has_data_rows"
    ),
    Upload(
        "latin-1 bytes",
        "raw/credit/bad/latin1.csv",
        _with_row(b"999,30,f\xe9male,no,car,1.0,6,none,1,good\n"),
        "DatasetRejected",
        "utf8",
    ),
    Upload(
        "utf-16",
        "raw/credit/bad/utf16.csv",
        GOOD.decode().encode("utf-16"),
        "DatasetRejected",
        "no_nul_bytes",
    ),
    Upload(
        "NUL bytes",
        "raw/credit/bad/nul.csv",
        GOOD[:300] + b"\x00\x00" + GOOD[300:],
        "DatasetRejected",
        "no_nul_bytes",
    ),
    Upload(
        "ragged rows", "raw/credit/bad/ragged.csv", _with_row(b"1,2,3\n"), "DatasetRejected", "ragged_rows"
    ),
    Upload(
        "duplicate header names",
        "raw/credit/bad/dup-header.csv",
        HEADER + b',"age"\n' + REST.replace(b"\n", b",30\n"),
        "DatasetRejected",
        "duplicate_columns",
    ),
    Upload(
        "10,000 columns",
        "raw/credit/bad/wide.csv",
        HEADER
        + b"".join(b",c%d" % i for i in range(10_000))
        + b"\n"
        + REST.replace(b"\n", b"," * 10_000 + b"\n"),
        "DatasetRejected",
        "unknown_columns",
    ),
    Upload(
        "200 KB header field",
        "raw/credit/bad/huge-header-field.csv",
        b'applicant_id,"' + b"x" * 200_000 + b'"\n1,2\n',
        "DatasetRejected",
        "readable_csv",
    ),
    Upload(
        "200 KB value",
        "raw/credit/bad/huge-value.csv",
        _with_row(b'999,30,female,no,"' + b"y" * 200_000 + b'",1.0,6,none,1,good\n'),
        "DatasetRejected",
        "allowed[purpose]",
    ),
    Upload(
        "quoted newline in a value",
        "raw/credit/bad/quoted-newline.csv",
        _with_row(b'999,30,female,no,"car\nloan",1.0,6,none,1,good\n'),
        "DatasetRejected",
        "allowed[purpose]",
    ),
    Upload(
        "unterminated quote",
        "raw/credit/bad/open-quote.csv",
        _with_row(b'999,30,"female,no,car,1.0,6,none,1,good\n'),
        "DatasetRejected",
        "ragged_rows",
    ),
    Upload(
        "CR-only line ends",
        "raw/credit/bad/cr-only.csv",
        GOOD.replace(b"\n", b"\r"),
        "DatasetRejected",
        "readable_csv",
    ),
    Upload(
        "wrong types",
        "raw/credit/bad/types.csv",
        _with_row(b"999,thirty,female,no,car,1.0,6,none,1,good\n"),
        "DatasetRejected",
        "type[age]",
    ),
    Upload(
        "binary garbage",
        "raw/credit/bad/garbage.csv",
        bytes(range(256)) * 16,
        "DatasetRejected",
        "no_nul_bytes",
    ),
    Upload(
        "blob named .parquet",
        "raw/credit/bad/blob.parquet",
        b"just,some\ntext,here\n",
        "DatasetRejected",
        "readable_parquet",
    ),
    Upload(
        "truncated Parquet",
        "raw/credit/bad/truncated.parquet",
        PARQUET[: len(PARQUET) // 2],
        "DatasetRejected",
        "readable_parquet",
    ),
    Upload("zero-byte Parquet", "raw/credit/bad/empty.parquet", b"", "DatasetRejected", "non_empty"),
    Upload(
        "nested Parquet types",
        "raw/credit/bad/nested.parquet",
        _nested_parquet(),
        "DatasetRejected",
        "type[age]",
    ),
    Upload("Parquet named .csv", "raw/credit/bad/parquet-inside.csv", PARQUET, "DatasetRejected", "format"),
    Upload(
        "gzipped Parquet",
        "raw/credit/bad/x.parquet.gz",
        gzip.compress(PARQUET, mtime=0),
        "DatasetRejected",
        "format",
    ),
    Upload(
        "corrupt gzip",
        "raw/credit/bad/corrupt.csv.gz",
        gzip.compress(GOOD, mtime=0)[:200] + b"junk" * 50,
        "DatasetRejected",
        "readable_gzip",
    ),
    Upload("named .gz, not gzip", "raw/credit/bad/not-gzip.csv.gz", GOOD, "DatasetRejected", "readable_gzip"),
    Upload(
        "spreadsheet", "raw/credit/bad/sheet.xlsx", b"PK\x03\x04" + b"\x00" * 100, "DatasetRejected", "format"
    ),
    Upload("JSON lines", "raw/credit/bad/rows.json", b'{"applicant_id": 1}\n', "DatasetRejected", "format"),
    Upload(
        "no contract",
        "raw/nocontract/a.csv",
        GOOD,
        "ContractInvalid",
        "contracts/nocontract.yaml",
        quarantined=False,
    ),
    # -- valid but unusual: succeed ------------------------------------------------------------------
    Upload("CRLF line ends", "raw/credit/ok/crlf.csv", sample_csv(ROWS, seed=31).replace(b"\n", b"\r\n")),
    Upload("UTF-8 byte order mark", "raw/credit/ok/bom.csv", b"\xef\xbb\xbf" + sample_csv(ROWS, seed=32)),
    Upload("gzip", "raw/credit/ok/data.csv.gz", gzip.compress(sample_csv(ROWS, seed=33), mtime=0)),
    Upload(
        "gzip without .gz", "raw/credit/ok/gzip-inside.csv", gzip.compress(sample_csv(ROWS, seed=34), mtime=0)
    ),
    Upload("Parquet", "raw/credit/ok/data.parquet", PARQUET),
    Upload(
        "unicode, percent and plus key", "raw/credit/ok/ünï cødé 100%+1 (copy).csv", sample_csv(ROWS, seed=35)
    ),
    Upload("1,000-byte key", "raw/credit/ok/" + "k" * 981 + ".csv", sample_csv(ROWS, seed=36)),
]


class Inbox:
    """What people were told, kept across cases (the queue is drained once per look)."""

    def __init__(self, pipeline: Any) -> None:
        self.pipeline, self.messages = pipeline, list[dict[str, Any]]()

    def about(self, text: str, wait: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + wait
        while True:
            self.messages += self.pipeline.notifications()
            found = [m for m in self.messages if text in m["Message"]]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.2)


@pytest.fixture(scope="module")
def inbox(pipeline: Any) -> Inbox:
    pipeline.notifications()  # what earlier modules left
    return Inbox(pipeline)


def _keys(pipeline: Any, prefix: str) -> list[str]:
    listed = pipeline.cloud.client("s3").list_objects_v2(Bucket=pipeline.bucket, Prefix=prefix)
    return [o["Key"] for o in listed.get("Contents", [])]


@pytest.mark.parametrize("case", UPLOADS, ids=[u.name for u in UPLOADS])
def test_an_upload(pipeline: Any, inbox: Inbox, case: Upload) -> None:
    name = pipeline.upload(case.key, case.body)
    described = pipeline.wait(name)
    assert len(pipeline.executions_named(name)) == 1
    _, dataset, relative = case.key.split("/", 2)
    quarantine = f"quarantine/{dataset}/{relative}"
    if case.error is None:
        assert described["status"] == "SUCCEEDED", described.get("cause")
        assert json.loads(described["input"])["key"] == case.key
        assert _keys(pipeline, quarantine) == []
        return
    assert (described["status"], described["error"]) == ("FAILED", case.error), described.get("cause")
    cause = json.loads(described["cause"])["errorMessage"]
    assert str(case.rule) in cause, cause
    assert pipeline.read(case.key) == case.body  # raw/ untouched
    if case.quarantined:
        assert case.key in cause, cause
        assert pipeline.read(quarantine) == case.body
        report = json.loads(pipeline.read(quarantine + ".report.json"))
        failed = [f["rule"] + (f"[{f['column']}]" if f["column"] else "") for f in report["failures"]]
        assert case.rule in failed, failed
    else:
        assert _keys(pipeline, quarantine) == []
    (message,) = inbox.about(case.key)
    assert message["Subject"] == f"Lockgate ingest failed: {case.error}"
    assert str(case.rule) in message["Message"] and "Traceback" not in message["Message"]


@dataclass(frozen=True)
class OddKey:
    """An object under raw/ that starts no ingest: told to people once (unroutable) or ignored."""

    name: str
    key: str
    told: bool


ODD_KEYS = [
    OddKey("file directly under raw/", "raw/credit-direct.csv", told=True),
    OddKey("empty dataset folder", "raw//loose.csv", told=True),
    OddKey("dotfile", "raw/credit/.DS_Store", told=False),
    OddKey("folder marker", "raw/credit/new-folder/", told=False),
    OddKey("part file without _SUCCESS", "raw/credit/batch-x/part-00000.csv", told=False),
]


@pytest.mark.parametrize("case", ODD_KEYS, ids=[k.name for k in ODD_KEYS])
def test_an_object_that_starts_nothing(pipeline: Any, inbox: Inbox, case: OddKey) -> None:
    name = pipeline.upload(case.key, GOOD if not case.key.endswith("/") else b"")
    time.sleep(1.5)  # the starter runs asynchronously: give it time to (wrongly) start something
    assert pipeline.executions_named(name) == []
    told = inbox.about(f"s3://{pipeline.bucket}/{case.key} ", wait=5.0 if case.told else 0.5)
    if case.told:
        (message,) = told  # once, despite at-least-once delivery
        assert message["Subject"] == "Lockgate: an upload under raw/ was not processed"
        assert "raw/<dataset>/<file>" in message["Message"]
    else:
        assert told == []


@dataclass(frozen=True)
class BadEvent:
    """A hand-made event or payload: a typed error naming the field, and nothing started."""

    name: str
    function: str
    event: dict[str, Any]
    error: str
    mentions: str


def _starter_event(**object_fields: Any) -> dict[str, Any]:
    event = {
        "version": "0",
        "id": "e1",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "123456789012",
        "time": "2026-11-22T05:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "version": "0",
            "bucket": {"name": "lockgate-data"},
            "object": {"key": "raw/credit/x.csv", "size": 10, "etag": "e", **object_fields},
            "request-id": "r",
            "requester": "1",
            "source-ip-address": "127.0.0.1",
            "reason": "PutObject",
        },
    }
    return event


def _without_key() -> dict[str, Any]:
    event = _starter_event()
    del event["detail"]["object"]["key"]
    return event


BAD_EVENTS = [
    BadEvent("starter: no object key", "StarterFunction", _without_key(), "ValidationError", "key"),
    BadEvent(
        "starter: size not a number", "StarterFunction", _starter_event(size="big"), "ValidationError", "size"
    ),
    BadEvent("starter: not an S3 event", "StarterFunction", {"hello": "world"}, "ValidationError", "detail"),
    BadEvent(
        "data gate: no dataset",
        "DataGateFunction",
        {"step": "object", "bucket": "data", "key": "raw/x/a.csv"},
        "ValidationError",
        "dataset",
    ),
    BadEvent(
        "data gate: unknown step",
        "DataGateFunction",
        {"step": "explode", "bucket": "data", "dataset": "credit"},
        "ValidationError",
        "step",
    ),
    BadEvent(
        "notify: misspelt field",
        "NotifyFailureFunction",
        {"pipeline": "ingest", "outcom": "x"},
        "ValidationError",
        "outcom",
    ),
]


@pytest.mark.parametrize("case", BAD_EVENTS, ids=[e.name for e in BAD_EVENTS])
def test_a_malformed_event(pipeline: Any, case: BadEvent) -> None:
    sfn = pipeline.cloud.client("stepfunctions")
    before = len(sfn.list_executions(stateMachineArn=pipeline.ingest_arn)["executions"])
    function = pipeline.cloud.stack.functions[case.function].name
    result = pipeline.cloud.runtime.invoke(function, json.dumps(case.event).encode())
    error = json.loads(result.payload)
    assert result.function_error and error["errorType"] == case.error, error
    assert case.mentions in error["errorMessage"], error["errorMessage"]
    assert len(sfn.list_executions(stateMachineArn=pipeline.ingest_arn)["executions"]) == before
