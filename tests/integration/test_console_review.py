"""A needs-human pre-training bias gate decided in the review console, offline end to end: the runs
list marks the run "waiting for a person" beside its dataset, its run page has Approve / Reject with
the console's token, and Reject (the same code as `lockgate review`) ends the run as ReviewRejected
with the decision in lineage and the audit (issues 22 and 24). The setup is test_review_flow's."""

from __future__ import annotations

import html
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lockgate.adapters.audit_table import AuditTable
from lockgate.commands.console_cli import start_console

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
DATASET = "console-review"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _get(url: str) -> str:
    with urllib.request.urlopen(url) as response:
        return str(response.read().decode())


def _post(url: str, form: dict[str, str]) -> tuple[int, str, str]:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST")
    try:
        with urllib.request.build_opener(_NoRedirect).open(request) as response:
            return response.status, response.headers.get("Location", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", ""), error.read().decode()


@pytest.fixture(scope="module")
def console(pipeline: Any) -> Iterator[str]:
    server = start_console(pipeline.cloud.url, port=0).start()
    yield server.url.rstrip("/")
    server.stop()


def test_a_person_rejects_a_waiting_run_in_the_console(pipeline: Any, console: str) -> None:
    pipeline.needs_human_contract(DATASET)
    version, arn = pipeline.waiting_for_review(DATASET, seed=424)
    sfn = pipeline.cloud.client("stepfunctions")

    runs = _get(f"{console}/runs?dataset={DATASET}")
    row = next(r for r in runs.split("<tr") if html.escape(arn) in r or arn.rsplit(":", 1)[-1] in r)
    assert "waiting for a person" in row and f"<td>{DATASET}</td>" in row

    run_page = _get(f"{console}/run?" + urllib.parse.urlencode({"arn": arn}))
    assert 'action="/review"' in run_page and "Waiting for a person" in run_page
    token = html.unescape(re.search(r'name="csrf" value="([^"]+)"', run_page).group(1))  # type: ignore[union-attr]
    form = {"run": arn, "action": "reject", "reason": "collect more data first"}

    assert _post(f"{console}/review", {**form, "csrf": "stale"})[0] == 403
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"

    status, location, _ = _post(f"{console}/review", {**form, "csrf": token})
    assert status == 303 and location.startswith("/run?")
    shown = _get(console + location)
    assert "the run ends as ReviewRejected" in shown and 'role="status"' in shown

    deadline = time.monotonic() + 120
    while (finished := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the rejected run still runs"
        time.sleep(0.1)
    assert finished["status"] == "FAILED" and finished["error"] == "ReviewRejected"
    assert "collect more data first" in finished["cause"]
    assert "Waiting for a person" not in _get(f"{console}/run?" + urllib.parse.urlencode({"arn": arn}))

    audit = AuditTable(pipeline.cloud.stack.outputs["AuditTableName"], pipeline.cloud.client("dynamodb"))
    [record] = [r for r in audit.recent(200) if r.alarm.endswith(version)]
    assert record.action == "review-reject" and record.reason == "collect more data first"

    status, _, page = _post(f"{console}/review", {**form, "csrf": token})
    assert status == 400 and "already answered (rejected)" in page
