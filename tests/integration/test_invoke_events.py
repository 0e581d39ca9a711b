"""`lockgate invoke` (the Docker-free `sam local invoke`) on every events/ file, as a user runs it.

Convention: events/<function folder>[_anything].json belongs to the function whose CodeUri is
functions/<function folder>/; a file whose name has "_rejected" must fail with a typed error.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lockgate.errors import LockgateError
from lockgate.local.deployer.template import load_template

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
LOCKGATE = [sys.executable, "-m", "lockgate.cli"]
# "_rejected" events must fail with one of Lockgate's typed errors (lockgate.errors), not a crash.
TYPED_ERRORS = {cls.__name__ for cls in (LockgateError, *LockgateError.__subclasses__())} | {
    sub.__name__ for cls in LockgateError.__subclasses__() for sub in cls.__subclasses__()
}


def _functions() -> dict[str, str]:
    """Function folder -> logical id, from template.yaml."""
    resources = load_template(REPO / "template.yaml")["Resources"]
    return {
        Path(r["Properties"]["CodeUri"]).name: logical_id
        for logical_id, r in resources.items()
        if r["Type"] == "AWS::Serverless::Function"
    }


def _owner(event_file: Path, functions: dict[str, str]) -> str:
    matches = [
        folder
        for folder in functions
        if event_file.stem == folder or event_file.stem.startswith(folder + "_")
    ]
    assert matches, f"{event_file.name} names no function folder of {sorted(functions)}"
    return functions[max(matches, key=len)]


def test_every_function_has_an_event_file() -> None:
    # events/deploy/ holds the samples that need a registered package (run after the deploy demo).
    files = [path.stem for path in (REPO / "events").rglob("*.json")]
    for folder in _functions():
        assert any(stem == folder or stem.startswith(folder + "_") for stem in files), (
            f"no events/**/{folder}*.json"
        )


def _invoke(event_file: Path, logical_id: str, *options: str) -> subprocess.CompletedProcess[str]:
    command = [*LOCKGATE, "invoke", logical_id, "--event", str(event_file), *options]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)


def _run_all(*options: str) -> dict[str, subprocess.CompletedProcess[str]]:
    functions = _functions()
    files = sorted((REPO / "events").glob("*.json"))
    with ThreadPoolExecutor(3) as pool:
        runs = list(pool.map(lambda path: _invoke(path, _owner(path, functions), *options), files))
    return {path.name: run for path, run in zip(files, runs, strict=True)}


def _check(runs: dict[str, subprocess.CompletedProcess[str]]) -> dict[str, dict[str, object]]:
    """Each run ended as its file says (a typed error for "_rejected", success otherwise); the results."""
    results = {}
    for name, run in runs.items():
        result = json.loads(run.stdout.strip().splitlines()[-1])
        if "_rejected" in name:
            assert run.returncode == 1, (name, run.stdout[-2000:])
            assert result["errorType"] in TYPED_ERRORS, result
        else:
            assert run.returncode == 0, (name, run.stdout[-1000:], run.stderr[-3000:])
            assert "errorType" not in result, result
        assert "REPORT RequestId" in run.stderr, run.stderr[-2000:]
        results[name] = result
    return results


@pytest.fixture(scope="module")
def fresh_results() -> dict[str, dict[str, object]]:
    """Every events/ file through `lockgate invoke` in a fresh local cloud each."""
    return _check(_run_all())


def test_lockgate_invoke_runs_every_event_file(fresh_results: dict[str, dict[str, object]]) -> None:
    assert len(fresh_results) == len(list((REPO / "events").glob("*.json")))


def test_endpoint_url_gives_the_same_results_against_a_running_lockgate_up(
    fresh_results: dict[str, dict[str, object]],
) -> None:
    up = subprocess.Popen(
        [*LOCKGATE, "up", "--seed"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert up.stdout is not None
        url = next(line.split()[3] for line in up.stdout if line.startswith("Lockgate local cloud: "))
        running = _check(_run_all("--endpoint-url", url))
    finally:
        up.terminate()
        up.wait(timeout=120)
    # Same fields, same error type, same decisions. Not fields that report the cloud's state: one
    # running cloud holds what the other files' invocations wrote (the starter's ingest made a dataset
    # version, so the drift reaction finds one to retrain on), a fresh cloud per file does not.
    for name, result in running.items():
        fresh = fresh_results[name]
        assert sorted(result) == sorted(fresh), (name, result, fresh)
        assert result.get("errorType") == fresh.get("errorType"), (name, result, fresh)
        for field in ("verdict", "action", "passed", "stage", "dataset"):
            assert result.get(field) == fresh.get(field), (name, field, result, fresh)


# A function that starts nothing, one that starts a state machine (its functions come along), one
# whose event is rejected: the lean cloud (no URL) and the whole template give the same outcome.
WHOLE_CLOUD_FILES = ("notify_failure.json", "starter_object_created.json", "evaluate_rejected.json")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")


def _masked(result: object) -> str:
    return ISO_TIME.sub("<time>", UUID.sub("<uuid>", json.dumps(result, sort_keys=True)))


def test_the_lean_cloud_gives_the_whole_clouds_results(fresh_results: dict[str, dict[str, object]]) -> None:
    functions = _functions()
    files = [REPO / "events" / name for name in WHOLE_CLOUD_FILES]
    with ThreadPoolExecutor(3) as pool:
        runs = list(pool.map(lambda path: _invoke(path, _owner(path, functions), "--whole-cloud"), files))
    whole = _check({path.name: run for path, run in zip(files, runs, strict=True)})
    for name, result in whole.items():
        assert _masked(result) == _masked(fresh_results[name]), (name, result, fresh_results[name])


def test_endpoint_url_that_serves_nothing_is_one_line_exit_2() -> None:
    run = _invoke(
        REPO / "events" / "notify_failure.json",
        "NotifyFailureFunction",
        "--endpoint-url",
        "http://127.0.0.1:9",
    )
    assert run.returncode == 2 and run.stdout == "", run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "lockgate up" in run.stderr, run.stderr


def test_an_unknown_function_is_a_usage_error() -> None:
    run = _invoke(REPO / "events" / "starter_object_created.json", "NoSuchFunction")
    assert run.returncode == 2 and "StarterFunction" in run.stderr and run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr  # issue 10 item 6
