"""The review console in a real browser (headless Debian Chromium driven by Playwright) against a
local cloud that has run the pipeline: every page renders within its weight, loads nothing from
outside, logs no console error, and its buttons are reachable by keyboard; Approve with a reason on
a pending package changes its registry status and starts its deploy run.

Screenshots of every page go to test-artifacts/console/ (git-ignored). Needs /usr/bin/chromium
(`make browser` installs it; `make test` depends on it)."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from lockgate.commands.console_cli import start_console
from lockgate.local.fixtures import sample_csv
from lockgate.names import deploy_execution_name

pytestmark = pytest.mark.integration
CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "console"
MAX_PAGE_BYTES = 200_000
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def console(pipeline: Any) -> Iterator[str]:
    """The console, serving on a free port against the integration cloud, after one upload has run
    the ingest and train pipelines."""
    body = sample_csv(2500, seed=24)
    assert pipeline.wait(pipeline.upload("raw/credit/console-it.csv", body))["status"] == "SUCCEEDED"
    pipeline.train_run_for(hashlib.sha256(body).hexdigest(), timeout=300)
    server = start_console(pipeline.cloud.url, port=0).start()
    yield server.url.rstrip("/")
    server.stop()


@pytest.fixture(scope="module")
def browser_page() -> Iterator[Any]:
    """A Chromium page with a fresh profile; every request and console error recorded on it."""
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run `make browser` (apt-get install chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="lockgate-chromium-")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport={"width": 1300, "height": 900},
        )
        page = context.new_page()
        page.requests, page.errors = [], []  # type: ignore[attr-defined]
        page.on("request", lambda request: page.requests.append(request.url))  # type: ignore[attr-defined]
        page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))  # type: ignore[attr-defined]
        page.on("pageerror", lambda error: page.errors.append(str(error)))  # type: ignore[attr-defined]
        yield page
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


def _visit(page: Any, url: str, shot: str) -> int:
    """Open `url`; check no outside request, no console error, weight; save a screenshot; bytes."""
    page.requests.clear()
    page.errors.clear()
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    weight = len(response.body())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{shot}.png"), full_page=True)
    origin = urlsplit(url).netloc
    outside = [
        r for r in page.requests if urlsplit(r).netloc not in (origin, "") and not r.startswith("data:")
    ]
    assert outside == [], f"{shot}: requests outside the console: {outside}"
    assert page.errors == [], f"{shot}: console errors: {page.errors}"
    assert weight <= MAX_PAGE_BYTES, f"{shot}: {weight} bytes > {MAX_PAGE_BYTES}"
    assert _every_button_reached_by_tab(page), f"{shot}: a button cannot be reached with Tab"
    return weight


def _every_button_reached_by_tab(page: Any) -> bool:
    """Tab through the page once; True when every button (and form field) got the focus."""
    stops = page.locator("a[href], button, input:not([type=hidden]), select").count()
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(stops + 2):
        page.keyboard.press("Tab")
        page.evaluate("document.activeElement && (document.activeElement.dataset.tabbed = 'yes')")
    return page.locator("button:not([data-tabbed]), input:not([type=hidden]):not([data-tabbed])").count() == 0


def _focusable_by_tab(page: Any, selector: str, limit: int = 400) -> bool:
    """True when pressing Tab from the top reaches the element matching `selector`."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement && document.activeElement.matches({selector!r})"):
            return True
    return False


def test_every_page_renders_light_offline_and_without_errors(console: str, browser_page: Any) -> None:
    page = browser_page
    weights = {"runs": _visit(page, f"{console}/runs", "runs")}
    pipelines = page.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert {"ingest", "train"} <= set(pipelines), pipelines
    train_row = page.locator("tbody tr", has_text="train").first
    train_row.locator("a").click()
    run_url = page.url
    weights["run"] = _visit(page, run_url, "run-train")
    assert page.locator("svg.graph g.state").count() >= 20  # the train machine's states, drawn from its ASL
    assert page.locator("svg.graph g.state.succeeded").count() >= 3
    weights["gates"] = _visit(page, run_url.replace("/run?", "/gates?"), "gates-train")
    assert page.get_by_text("pre-training").first.is_visible()
    assert page.get_by_role("cell", name="credit_risk", exact=True).count() == 1  # the data gate's counts
    assert page.locator("svg.chart").count() >= 3  # a bias chart per facet value
    assert "s3://" not in "".join(page.locator("a").evaluate_all("els => els.map(e => e.href)"))
    weights["filtered"] = _visit(
        page, f"{console}/runs?pipeline=ingest&status=SUCCEEDED&dataset=credit", "runs-ingest"
    )
    assert set(page.locator("tbody tr td:nth-child(2)").all_inner_texts()) == {"ingest"}
    assert set(page.locator("tbody tr td:nth-child(3)").all_inner_texts()) == {"credit"}  # the dataset
    for name in ("models", "endpoints", "alarms"):
        weights[name] = _visit(page, f"{console}/{name}", name)
    weights["lineage"] = _visit(page, f"{console}/lineage?node=credit", "lineage")
    print("page bytes:", weights)


def test_error_pages_are_one_line(console: str, browser_page: Any) -> None:
    page = browser_page
    response = page.goto(f"{console}/run?arn=arn:aws:states:us-east-1:123456789012:execution:nope:x")
    assert response is not None and response.status == 400
    alert = page.get_by_role("alert").inner_text()
    assert "\n" not in alert and "Traceback" not in page.content()


def test_approve_by_click_changes_the_registry_and_starts_the_deploy(
    console: str, browser_page: Any, quick_packages: Any, pipeline: Any
) -> None:
    package = quick_packages.register("console-it", seed=24, approve=False)
    page = browser_page
    _visit(page, f"{console}/models", "models-before")
    row = page.locator("tr", has=page.locator(f"input[value='{package.arn}']"))
    approve = row.get_by_role("button", name="Approve")
    assert _focusable_by_tab(page, f"form:has(input[value='{package.arn}']) button[value='approve']")
    approve.click()  # no reason yet: the browser keeps the form (the reason is required)
    assert "models" in page.url and page.get_by_role("status").count() == 0
    row.get_by_label("Reason").fill("metrics fine; checked in the console test")
    row.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    assert "approved" in page.get_by_role("status").inner_text()
    assert "/models?notice=" in page.url  # redirected after the post: a reload decides nothing again
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "models-after-approve.png"), full_page=True)
    sagemaker = pipeline.cloud.client("sagemaker")
    assert sagemaker.describe_model_package(ModelPackageName=package.arn)["ModelApprovalStatus"] == "Approved"
    deploy_arn = pipeline.cloud.stack.outputs["DeployStateMachineArn"]
    name, deadline = deploy_execution_name(package.arn, "Approved"), time.monotonic() + 60
    while time.monotonic() < deadline:
        names = [
            e["name"]
            for e in pipeline.cloud.client("stepfunctions").list_executions(stateMachineArn=deploy_arn)[
                "executions"
            ]
        ]
        if name in names:
            break
        time.sleep(0.2)
    assert name in names, f"no deploy run {name}"
    _visit(page, f"{console}/runs?pipeline=deploy", "runs-deploy")
    assert page.get_by_text(name).count() == 1

    # Staging and the smoke test pass; the run then waits for a person's production approval.
    _wait_for_production_approval(pipeline, package.arn)
    page.get_by_text(name).click()
    _visit(page, page.url, "run-deploy-waiting")
    assert page.locator("svg.graph g.state.waiting").count() == 1  # RequestApproval, drawn as waiting
    _visit(page, page.url.replace("/run?", "/gates?"), "gates-deploy-waiting")
    assert page.get_by_role("heading", name="Smoke test on staging").count() == 1
    _visit(page, f"{console}/models", "models-waiting-for-production")
    row = page.locator("tr", has=page.locator(f"input[value='{package.arn}']"))
    assert "waiting: production" in row.inner_text()
    row.get_by_label("Reason").fill("staging smoke test passed; go")
    row.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    assert "for production" in page.get_by_role("status").inner_text()
    sfn, deadline = pipeline.cloud.client("stepfunctions"), time.monotonic() + 180
    run_arn = f"{deploy_arn.replace(':stateMachine:', ':execution:')}:{name}"
    while sfn.describe_execution(executionArn=run_arn)["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sfn.describe_execution(executionArn=run_arn)["status"] == "SUCCEEDED"


def test_reject_by_click_ends_a_run_waiting_for_a_bias_review(
    console: str, browser_page: Any, pipeline: Any
) -> None:
    """A needs-human pre-training gate (test_review_flow's setup): the runs list marks the run, its
    page has Approve / Reject reached by Tab, an empty reason is refused, Reject ends the run."""
    pipeline.needs_human_contract("console-bias")
    _, run_arn = pipeline.waiting_for_review("console-bias", seed=26)
    page = browser_page
    _visit(page, f"{console}/runs?dataset=console-bias", "runs-waiting-for-review")
    row = page.locator("tbody tr", has_text=run_arn.rsplit(":", 1)[-1])
    assert "waiting for a person" in row.inner_text() and "console-bias" in row.inner_text()
    row.locator("a").click()
    _visit(page, page.url, "run-waiting-for-review")
    assert _focusable_by_tab(page, "form[action='/review'] button[value='reject']")
    page.get_by_role("button", name="Reject").click()  # no reason: the browser keeps the form
    assert page.get_by_role("status").count() == 0
    page.get_by_label("Reason (bias review)").fill("groups too small; collect more data")
    page.get_by_role("button", name="Reject").click()
    page.wait_for_load_state()
    assert "ReviewRejected" in page.get_by_role("status").inner_text() and "/run?" in page.url
    sfn, deadline = pipeline.cloud.client("stepfunctions"), time.monotonic() + 120
    while (run := sfn.describe_execution(executionArn=run_arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the rejected run still runs"
        time.sleep(0.2)
    assert run["status"] == "FAILED" and run["error"] == "ReviewRejected"


def _wait_for_production_approval(pipeline: Any, package_arn: str, timeout: float = 180) -> None:
    dynamodb, table = pipeline.cloud.client("dynamodb"), pipeline.cloud.stack.outputs["LineageTableName"]
    key = {"pk": {"S": f"model-package#{package_arn}"}, "sk": {"S": "approval#prod"}}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if dynamodb.get_item(TableName=table, Key=key).get("Item"):
            return
        time.sleep(0.1)
    raise TimeoutError(f"no production approval request for {package_arn}")


def test_read_only_console_hides_buttons_and_refuses_posts(pipeline: Any, browser_page: Any) -> None:
    server = start_console(pipeline.cloud.url, port=0, read_only=True).start()
    try:
        page = browser_page
        _visit(page, f"{server.url}models", "models-read-only")
        assert page.get_by_role("button").count() == 0
        response = page.request.post(
            f"{server.url}decide", form={"action": "approve", "package": "x", "reason": "y"}
        )
        assert response.status == 403 and "read-only" in response.text()
    finally:
        server.stop()


def test_a_post_without_the_token_changes_nothing(
    console: str, browser_page: Any, quick_packages: Any
) -> None:
    package = quick_packages.register("console-csrf", seed=25, approve=False)
    response = browser_page.request.post(
        f"{console}/decide",
        form={"action": "approve", "package": package.arn, "reason": "forged", "csrf": "guess"},
    )
    assert response.status == 403 and "token" in response.text()
    status = quick_packages.cloud.client("sagemaker").describe_model_package(ModelPackageName=package.arn)
    assert status["ModelApprovalStatus"] == "PendingManualApproval"
