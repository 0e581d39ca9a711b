"""Issue 22 items 4 and 5: `lockgate invoke` of an invalid event says one line per field; `lockgate up`
and the demo put everything but their answer in a log file."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from lockgate.commands.console import LogFile
from lockgate.commands.event_errors import WithoutValidationTrace, field_lines, invalid_fields
from lockgate.commands.up import finished_run_line


class Bucket(BaseModel):
    name: str


class Detail(BaseModel):
    bucket: Bucket
    key: str


class Event(BaseModel):
    source: str
    detail: Detail


def _lambda_error(event: dict[str, Any]) -> bytes:
    try:
        Event.model_validate(event)
    except Exception as error:  # pydantic's ValidationError, as the worker reports it
        return json.dumps(
            {"errorMessage": str(error), "errorType": type(error).__name__, "stackTrace": ["  File x\n"]}
        ).encode()
    raise AssertionError("the event was valid")


def test_one_line_per_invalid_field() -> None:
    payload = _lambda_error({"detail": {"bucket": 5}})
    assert invalid_fields(payload) == [
        ("source", "Field required"),
        ("detail.bucket", "Input should be a valid dictionary or instance of Bucket"),
        ("detail.key", "Field required"),
    ]
    lines = field_lines("StarterFunction", payload)
    assert lines[0] == "lockgate invoke: StarterFunction: event field 'source' (Event): Field required"
    assert len(lines) == 3 and all(
        "[type=" not in line and "errors.pydantic.dev" not in line for line in lines
    )


@pytest.mark.parametrize(
    "payload",
    [b'{"ok": true}', b"not json", b'{"errorType": "KeyError", "errorMessage": "x"}', b"[1]"],
)
def test_other_results_have_no_field_lines(payload: bytes) -> None:
    assert invalid_fields(payload) == [] and field_lines("F", payload) == []


def test_the_runtime_s_validation_trace_is_not_shown() -> None:
    shown: list[str] = []
    sink = WithoutValidationTrace(lambda function, line: shown.append(line))
    for line in [
        "START RequestId: 1",
        "a log line",
        "[ERROR] ValidationError: 3 validation errors for Event",
        "source",
        "  Field required [type=missing]",
        "Traceback (most recent call last):",
        "END RequestId: 1",
        "REPORT RequestId: 1",
    ]:
        sink("f", line)
    assert shown == ["START RequestId: 1", "a log line", "END RequestId: 1", "REPORT RequestId: 1"]


def test_other_errors_keep_their_trace() -> None:
    shown: list[str] = []
    sink = WithoutValidationTrace(lambda function, line: shown.append(line))
    for line in ["[ERROR] KeyError: 'x'", "Traceback (most recent call last):"]:
        sink("f", line)
    assert len(shown) == 2


def test_the_log_file_takes_lines_warnings_and_function_logs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = LogFile(tmp_path / ".lockgate" / "up.log")
    log.line("IAM offline: the resource of sagemaker:X is not derived offline")
    log.function_line("lockgate-starter-dev", "START RequestId: 1")
    handler = log.logging_handler()
    logging.getLogger("some.library").addHandler(handler)
    try:
        logging.getLogger("some.library").warning("careful")
    finally:
        logging.getLogger("some.library").removeHandler(handler)
    log.close()
    log.line("after the end")  # a worker's last line: dropped, no error
    assert capsys.readouterr() == ("", "")  # quiet: nothing on the terminal
    assert (tmp_path / ".lockgate" / "up.log").read_text().splitlines() == [
        "IAM offline: the resource of sagemaker:X is not derived offline",
        "[lockgate-starter-dev] START RequestId: 1",
        "WARNING some.library: careful",
    ]


def test_verbose_shows_the_log_live(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = LogFile(tmp_path / "up.log", echo=True)
    log.line("a warning")
    log.close()
    assert capsys.readouterr().err == "a warning\n"


class _Sfn:
    def describe_execution(self, executionArn: str) -> dict[str, Any]:  # noqa: N803
        return {"error": "DatasetRejected"}


def test_one_line_per_finished_run() -> None:
    start = datetime(2026, 12, 7, tzinfo=UTC)
    execution = {"executionArn": "a", "name": "credit-x", "status": "SUCCEEDED", "startDate": start}
    done = {**execution, "stopDate": start + timedelta(seconds=2.5)}
    assert finished_run_line(_Sfn(), "lockgate-ingest-dev", done) == (
        "run SUCCEEDED    2.50 s  credit-x  (lockgate-ingest-dev)"
    )
    failed = finished_run_line(_Sfn(), "lockgate-ingest-dev", {**done, "status": "FAILED"})
    assert failed.endswith("error DatasetRejected") and "\n" not in failed
