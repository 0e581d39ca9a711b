"""Issue 10 items 6-8: ordinary mistakes are one line on stderr saying what to do, exit 2, no
traceback; an unknown function is named before anything deploys; `lockgate runs` shows why a
run failed, filters by status and dataset, and says how many runs it does not show."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lockgate import cli
from lockgate.commands.console import describe_runs

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = str(REPO / "template.yaml")


def _one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return err


def test_a_missing_event_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    err = _one_line_exit_2(
        ["invoke", "StarterFunction", "-e", str(tmp_path / "nope.json"), "--template", TEMPLATE], capsys
    )
    assert "nope.json" in err and "no such" in err.lower()


def test_a_malformed_event_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    event = tmp_path / "bad.json"
    event.write_text('{"detail": {"bucket": }')
    err = _one_line_exit_2(["invoke", "StarterFunction", "-e", str(event), "--template", TEMPLATE], capsys)
    assert "bad.json" in err and "JSON" in err and "line 1" in err


@pytest.mark.parametrize("command", [["invoke", "StarterFunction"], ["up"], ["demo"], ["translate"]])
def test_no_template(command: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    err = _one_line_exit_2([*command, "--template", str(tmp_path / "template.yaml")], capsys)
    assert "template.yaml" in err and "--template" in err


def test_an_unknown_function_is_named_before_anything_deploys(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from lockgate.commands import invoke

    def no_cloud(*args: object, **kwargs: object) -> None:
        raise AssertionError("deployed before checking the function name")

    monkeypatch.setattr(invoke, "invoke_fresh", no_cloud)
    err = _one_line_exit_2(["invoke", "StarterFuncton", "--template", TEMPLATE], capsys)
    assert "StarterFuncton" in err and "StarterFunction" in err


def test_runs_against_an_endpoint_that_is_not_running(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    err = _one_line_exit_2(["runs", "--endpoint-url", f"http://127.0.0.1:{port}"], capsys)
    assert f"127.0.0.1:{port}" in err and "lockgate up" in err


def test_retrain_against_an_endpoint_that_is_not_running(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    err = _one_line_exit_2(["retrain", "credit", "--endpoint-url", f"http://127.0.0.1:{port}"], capsys)
    assert f"127.0.0.1:{port}" in err and "lockgate up" in err


class FakeStepFunctions:
    """list_executions / describe_execution / get_execution_history over a list of runs."""

    def __init__(self, runs: list[dict[str, Any]]) -> None:
        self.runs = runs

    def get_paginator(self, name: str) -> Any:
        assert name == "list_executions"
        runs = self.runs

        class Paginator:
            def paginate(self, stateMachineArn: str, **kwargs: Any) -> list[dict[str, Any]]:  # noqa: N803
                status = kwargs.get("statusFilter")
                picked = [r for r in runs if status is None or r["status"] == status]
                return [{"executions": [dict(r, stateMachineArn=stateMachineArn) for r in picked]}]

        return Paginator()

    def describe_execution(self, executionArn: str) -> dict[str, Any]:  # noqa: N803
        return next(r for r in self.runs if r["executionArn"] == executionArn)

    def get_execution_history(self, executionArn: str, maxResults: int) -> dict[str, Any]:  # noqa: N803
        return {"events": []}


def _run(number: int, status: str, dataset: str) -> dict[str, Any]:
    start = datetime(2026, 12, 1, tzinfo=UTC) + timedelta(minutes=number)
    run = {
        "executionArn": f"arn:x:execution:ingest:run-{number}",
        "name": f"run-{number}",
        "status": status,
        "startDate": start,
        "stopDate": start + timedelta(seconds=2),
        "input": f'{{"dataset": "{dataset}"}}',
    }
    if status == "FAILED":
        message = f"s3://b/raw/{dataset}/x.csv: rule 'range[age]' failed (3 rows)"
        cause = json.dumps({"errorMessage": message, "errorType": "DatasetRejected"})
        run |= {"error": "DatasetRejected", "cause": cause}
    return run


def test_runs_show_why_a_run_failed_and_how_many_are_hidden() -> None:
    runs = [
        _run(n, "FAILED" if n % 3 == 0 else "SUCCEEDED", "credit" if n % 2 else "loans") for n in range(30)
    ]
    lines = describe_runs(FakeStepFunctions(runs), ["arn:x:stateMachine:ingest"], limit=5)
    text = "\n".join(lines)
    assert "DatasetRejected" in text and "rule 'range[age]' failed (3 rows)" in text
    assert "errorMessage" not in text
    assert "25 more runs not shown" in text


def test_runs_filter_by_status_and_dataset() -> None:
    runs = [
        _run(n, "FAILED" if n % 3 == 0 else "SUCCEEDED", "credit" if n % 2 else "loans") for n in range(30)
    ]
    lines = describe_runs(
        FakeStepFunctions(runs), ["arn:x:stateMachine:ingest"], limit=50, status="FAILED", dataset="credit"
    )
    shown = [line for line in lines if line.startswith("FAILED")]
    assert len(shown) == 5  # 3, 9, 15, 21, 27
    assert not any(line.startswith("SUCCEEDED") for line in lines)
    assert "loans" not in "\n".join(lines)


def test_the_runs_options_exist() -> None:
    args = cli.build_parser().parse_args(
        ["runs", "--endpoint-url", "http://x", "--status", "FAILED", "--dataset", "credit"]
    )
    assert (args.status, args.dataset) == ("FAILED", "credit")
