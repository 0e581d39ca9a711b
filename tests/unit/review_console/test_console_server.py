"""The console's HTTP side without a cloud: one-line error pages, the CSRF token, read-only mode,
what /report serves, and the decision's own checks. The reads are fakes (unit tests)."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from lockgate.review_console.operations import Operations
from lockgate.review_console.reads import ConsoleError, Reads
from lockgate.review_console.server import ConsoleServer, ConsoleSettings


class ExplodingClient:
    """Every AWS call fails with a multi-line message, as a broken endpoint would."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError(
                "first line of the failure\nTraceback (most recent call last):\n  secret detail"
            )

        return fail


def _serve(read_only: bool = False) -> ConsoleServer:
    reads = Reads(lambda service: ExplodingClient(), "http://127.0.0.1:1")
    return ConsoleServer(reads, ConsoleSettings(read_only=read_only, where="http://127.0.0.1:1")).start()


@pytest.fixture
def console() -> Iterator[ConsoleServer]:
    server = _serve()
    yield server
    server.stop()


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _post(url: str, form: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _alert(page: str) -> str:
    return page.split('role="alert">', 1)[1].split("</p>", 1)[0]


def test_a_failing_page_is_one_line_without_a_traceback(console: ConsoleServer) -> None:
    status, page = _get(console.url + "runs")
    assert status == 500
    assert _alert(page) == "first line of the failure"
    assert "Traceback" not in page and "secret detail" not in page


def test_unknown_pages_and_bad_queries(console: ConsoleServer) -> None:
    assert _get(console.url + "nosuch")[0] == 404
    status, page = _get(console.url + "run")
    assert status == 400 and _alert(page) == "this page needs ?arn=..."


def test_a_post_needs_the_process_token(console: ConsoleServer) -> None:
    status, page = _post(
        console.url + "decide", {"action": "approve", "package": "p", "reason": "r", "csrf": "x"}
    )
    assert status == 403 and "token" in _alert(page)
    status, page = _post(console.url + "decide", {"action": "approve", "package": "p", "reason": "r"})
    assert status == 403


def test_the_token_lets_the_decision_through_to_its_checks(console: ConsoleServer) -> None:
    token = console.settings.csrf_token
    status, page = _post(
        console.url + "decide", {"action": "approve", "package": "p", "reason": " ", "csrf": token}
    )
    assert status == 400 and _alert(page) == "a reason is required: nothing changed"
    status, page = _post(
        console.url + "decide", {"action": "approve", "package": "p", "reason": "ok", "csrf": token}
    )
    assert status == 400 and "not a model package ARN" in _alert(page)


def test_read_only_refuses_every_post() -> None:
    server = _serve(read_only=True)
    try:
        token = server.settings.csrf_token
        status, page = _post(
            server.url + "decide", {"action": "approve", "package": "p", "reason": "r", "csrf": token}
        )
        assert status == 403 and "read-only" in _alert(page)
    finally:
        server.stop()


def test_pages_carry_a_strict_content_security_policy(console: ConsoleServer) -> None:
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(console.url + "nosuch")
    policy = raised.value.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy


@pytest.mark.parametrize(
    "uri",
    [
        "s3://other-bucket/reports/x/report.html",
        "s3://lockgate-data-dev/raw/credit/data.csv",
        "s3://lockgate-data-dev/reports/x/model.tar.gz",
        "http://example.com/report.html",
    ],
)
def test_report_serves_only_lockgates_reports(uri: str) -> None:
    reads = Reads(lambda service: ExplodingClient())
    with pytest.raises(ConsoleError):
        reads.report(uri)


def test_a_decision_needs_a_reason_and_a_package_arn() -> None:
    operations = Operations(Reads(lambda service: ExplodingClient()))
    arn = "arn:aws:sagemaker:us-east-1:1:model-package/lockgate-dev-credit/1"
    with pytest.raises(ConsoleError, match="reason is required"):
        operations.decide(arn, "  ", reject=False)
    with pytest.raises(ConsoleError, match="not a model package"):
        operations.decide("credit", "fine", reject=True)


def test_an_unreachable_endpoint_is_one_line_naming_it() -> None:
    from lockgate.local.endpoint_client import client_for

    reads = Reads(lambda service: client_for(service, "http://127.0.0.1:9"), "http://127.0.0.1:9")
    server = ConsoleServer(reads, ConsoleSettings(where="http://127.0.0.1:9")).start()
    try:
        status, page = _get(server.url + "models")
    finally:
        server.stop()
    assert status == 502
    assert "Could not connect to the endpoint URL" in _alert(page)
    assert "lockgate up" in _alert(page) and "Traceback" not in page
