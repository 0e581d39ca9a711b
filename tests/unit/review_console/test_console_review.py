"""The review of a needs-human bias gate from the console, without a cloud: the run page's form
(token, read-only), the POST's checks, and that it calls the same function as `lockgate review`."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from lockgate.commands import review_cli
from lockgate.commands.usage import CliError
from lockgate.pipeline.run_history import StateVisit
from lockgate.review_console import pages
from lockgate.review_console.reads import Machine, Reads, RunDetail, RunSummary
from lockgate.review_console.server import ConsoleServer, ConsoleSettings

PACKAGE = "arn:aws:sagemaker:r:1:model-package/lockgate-dev-german/3"
RUN = "arn:aws:states:us-east-1:123456789012:execution:lockgate-train-dev:run-1"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _post(url: str, form: dict[str, str]) -> tuple[int, str, str]:
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST")
    try:
        with opener.open(request) as response:
            return response.status, response.headers.get("Location", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", ""), error.read().decode()


def _serve(read_only: bool = False) -> ConsoleServer:
    reads = Reads(lambda service: None, "http://127.0.0.1:1")
    return ConsoleServer(reads, ConsoleSettings(read_only=read_only, where="http://127.0.0.1:1")).start()


@pytest.fixture
def console() -> Iterator[ConsoleServer]:
    server = _serve()
    yield server
    server.stop()


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    made: list[tuple[Any, ...]] = []

    def decide(endpoint_url: str | None, target: str, reason: str, *, approve: bool) -> str:
        made.append((endpoint_url, target, reason, approve))
        return "approved the pre-training review of credit abc: training goes on"

    monkeypatch.setattr(review_cli, "decide", decide)
    return made


def _alert(page: str) -> str:
    return page.split('role="alert">', 1)[1].split("</p>", 1)[0]


def test_the_review_post_calls_lockgate_review_and_redirects_to_the_run(
    console: ConsoleServer, calls: list[tuple[Any, ...]]
) -> None:
    token = console.settings.csrf_token
    status, location, _ = _post(
        console.url + "review", {"action": "reject", "run": RUN, "reason": " too few rows ", "csrf": token}
    )
    assert status == 303
    assert calls == [("http://127.0.0.1:1", RUN, "too few rows", False)]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    assert urllib.parse.urlsplit(location).path == "/run" and query["arn"] == [RUN]
    assert console.settings.notices[query["notice"][0]].startswith("approved the pre-training review")
    _post(console.url + "review", {"action": "approve", "run": RUN, "reason": "ok", "csrf": token})
    assert calls[-1][3] is True


def test_the_review_post_needs_the_token_a_reason_a_run_and_an_action(
    console: ConsoleServer, calls: list[tuple[Any, ...]]
) -> None:
    form = {"action": "approve", "run": RUN, "reason": "ok"}
    assert _post(console.url + "review", {**form, "csrf": "stale"})[0] == 403
    assert _post(console.url + "review", form)[0] == 403
    token = console.settings.csrf_token
    status, _, page = _post(console.url + "review", {**form, "reason": "  ", "csrf": token})
    assert status == 400 and _alert(page) == "a reason is required: nothing changed"
    status, _, page = _post(console.url + "review", {**form, "run": "run-1", "csrf": token})
    assert status == 400 and "not a run ARN" in _alert(page)
    status, _, page = _post(console.url + "review", {**form, "action": "maybe", "csrf": token})
    assert status == 400 and "choose Approve or Reject" in _alert(page)
    assert calls == []


def test_a_cli_error_is_the_one_line_of_the_page(
    console: ConsoleServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def decide(*args: Any, **kwargs: Any) -> str:
        raise CliError("the review of run-1 was already answered (approved)")

    monkeypatch.setattr(review_cli, "decide", decide)
    form = {"action": "approve", "run": RUN, "reason": "ok", "csrf": console.settings.csrf_token}
    status, _, page = _post(console.url + "review", form)
    assert status == 400 and _alert(page) == "the review of run-1 was already answered (approved)"


def test_read_only_refuses_the_review(calls: list[tuple[Any, ...]]) -> None:
    server = _serve(read_only=True)
    try:
        form = {"action": "approve", "run": RUN, "reason": "ok", "csrf": server.settings.csrf_token}
        status, _, page = _post(server.url + "review", form)
        assert status == 403 and "read-only" in _alert(page)
        assert calls == []
    finally:
        server.stop()


def _run(status: str, last: str, exited: datetime | None) -> RunDetail:
    now = datetime.now(UTC)
    machine = Machine(
        arn="arn:aws:states:us-east-1:1:stateMachine:lockgate-train-dev", name="lockgate-train-dev"
    )
    return RunDetail(
        summary=RunSummary(arn=RUN, name="run-1", machine=machine, status=status, started=now),
        definition="{}",
        visits=[
            StateVisit("BiasPre", "Task", now, now, "ok"),
            StateVisit(last, "Task", now, exited, "ok" if exited else "running"),
        ],
        input={"dataset": "credit"},
        output=None,
    )


def test_only_a_run_waiting_at_awaiting_review_gets_the_form() -> None:
    assert pages._waits_for_person(_run("RUNNING", "AwaitingReview", None))
    assert not pages._waits_for_person(_run("RUNNING", "Train", None))
    assert not pages._waits_for_person(_run("SUCCEEDED", "AwaitingReview", datetime.now(UTC)))


def test_the_form_carries_the_token_and_the_run_and_read_only_shows_the_command() -> None:
    run = _run("RUNNING", "AwaitingReview", None)
    settings = ConsoleSettings()
    form = pages._review_form(run, settings)
    assert 'action="/review"' in form and f'value="{settings.csrf_token}"' in form
    assert f'name="run" value="{RUN}"' in form and "required" in form
    assert 'value="approve"' in form and 'value="reject"' in form
    shown = pages._review_form(run, ConsoleSettings(read_only=True))
    assert "<form" not in shown and "lockgate review run-1 --approve|--reject" in shown


def test_the_shared_decision_refuses_a_blank_reason_before_any_call() -> None:
    with pytest.raises(CliError, match="reason is required"):
        review_cli.decide("http://127.0.0.1:1", "run-1", "   ", approve=True)


class _FakeSfn:
    """DescribeExecution and GetExecutionHistory of three runs, counting the describes."""

    def __init__(self) -> None:
        self.described: list[str] = []
        now = datetime.now(UTC)
        self.histories = {
            "waiting": [
                _entered(1, "BiasPre", now),
                _exited(2, "BiasPre", now),
                _entered(3, "AwaitingReview", now),
            ],
            "training": [
                _entered(1, "AwaitingReview", now),
                _exited(2, "AwaitingReview", now),
                _entered(3, "Train", now),
            ],
        }

    def describe_execution(self, **kwargs: str) -> dict[str, Any]:
        arn = kwargs["executionArn"]
        self.described.append(arn)
        inputs = {"d-1": '{"packageArn": "p"}', "d-2": json.dumps({"packageArn": PACKAGE})}
        return {"input": inputs.get(arn.rsplit(":", 1)[-1], '{"dataset": "credit"}')}

    def get_paginator(self, name: str) -> Any:
        assert name == "get_execution_history"
        histories = self.histories

        class Pages:
            def paginate(self, **kwargs: str) -> list[dict[str, Any]]:
                return [{"events": histories[kwargs["executionArn"].rsplit(":", 1)[-1]]}]

        return Pages()


def _entered(event: int, name: str, at: datetime) -> dict[str, Any]:
    return {
        "id": event,
        "type": "TaskStateEntered",
        "timestamp": at,
        "stateEnteredEventDetails": {"name": name},
    }


def _exited(event: int, name: str, at: datetime) -> dict[str, Any]:
    return {
        "id": event,
        "type": "TaskStateExited",
        "timestamp": at,
        "stateExitedEventDetails": {"name": name},
    }


def _summary(name: str, pipeline: str, status: str = "RUNNING") -> RunSummary:
    machine = Machine(
        arn=f"arn:aws:states:r:1:stateMachine:lockgate-{pipeline}-dev", name=f"lockgate-{pipeline}-dev"
    )
    arn = f"arn:aws:states:r:1:execution:lockgate-{pipeline}-dev:{name}"
    return RunSummary(arn=arn, name=name, machine=machine, status=status, started=datetime.now(UTC))


def test_the_runs_list_reads_each_dataset_once_and_marks_only_the_waiting_run() -> None:
    sfn = _FakeSfn()
    reads = Reads(lambda service: sfn)
    runs = [_summary(n, "train") for n in ("waiting", "training")]
    runs += [_summary(n, "deploy") for n in ("d-1", "d-2")]
    expected = {runs[0].arn: "credit", runs[1].arn: "credit", runs[3].arn: "german"}
    assert reads.datasets(runs) == expected  # a deploy run's: its package group's dataset
    assert reads.datasets(runs) == expected
    assert sorted(sfn.described) == sorted(r.arn for r in runs)  # a run's input is described once
    assert [reads.waiting_for_person(r) for r in runs] == [True, False, False, False]
    assert not reads.waiting_for_person(_summary("waiting", "train", status="SUCCEEDED"))
