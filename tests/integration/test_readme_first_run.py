"""README's "First run, step by step" as a newcomer types it: every line of its sh block, in order,
as written (subprocesses of the real CLI and the AWS CLI against the `lockgate up` its first line
starts). The only things filled in are what a person reads off the terminal: the `export` lines
and `<data bucket>`. A line whose comment says "again until ..." is repeated until its output
shows that; a comment the test cannot read fails the test, so README and test move together."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
HEADING = "## First run, step by step (offline)"
DEADLINE_SECONDS = 900  # the whole walk; each step has its own timeout below
POLL_SECONDS = 300


def readme_steps() -> list[tuple[str, str]]:
    """(command, comment) of each line of the section's sh block; comment-only lines are skipped."""
    text = (REPO / "README.md").read_text()
    section = text.split(HEADING, 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    steps = []
    for line in block.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        command, _, comment = line.partition("    # ")
        steps.append((command.strip(), comment.strip()))
    return steps


def _start_up(command: str, workdir: Path) -> subprocess.Popen[str]:
    assert command == ".venv/bin/lockgate up", f"the first step must start the local cloud: {command}"
    return subprocess.Popen(
        ["bash", "-c", f"exec {command}"],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )


def _read_up(up: subprocess.Popen[str]) -> tuple[dict[str, str], str]:
    """The `export` lines and the data bucket of the `Try: aws s3 cp ... s3://<bucket>/...` line
    `lockgate up` printed; its later lines are read (and dropped) until it exits."""
    assert up.stdout is not None
    exports: dict[str, str] = {}
    bucket, seen, deadline = "", [], time.monotonic() + 120
    while time.monotonic() < deadline and not bucket:
        line = up.stdout.readline()
        seen.append(line)
        if match := re.search(r"export (\w+)=(\S+)", line):
            exports[match.group(1)] = match.group(2)
        if line.lstrip().startswith("Try:") and (match := re.search(r"s3://([^/\s]+)/", line)):
            bucket = match.group(1)
        if not line and up.poll() is not None:
            break
    assert exports.get("AWS_ENDPOINT_URL") and bucket, "".join(seen)
    threading.Thread(target=up.stdout.read, daemon=True).start()  # ends when `lockgate up` exits
    return exports, bucket


def _fill(command: str, bucket: str) -> str:
    filled = command.replace("<data bucket>", bucket)
    assert "<" not in filled.replace("<<", ""), f"a placeholder the test cannot fill: {command}"
    return filled


def _run(command: str, env: dict[str, str], workdir: Path) -> str:
    done = subprocess.run(
        ["bash", "-c", f"set -eo pipefail; {command}"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"{command}\nexit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _shown(comment: str, output: str, env: dict[str, str]) -> bool:
    """Whether `output` shows what an "again until ..." comment waits for."""
    if match := re.fullmatch(r"again until the (\S+) run is SUCCEEDED", comment):
        token = match.group(1).rstrip(".")
        return any(line.startswith("SUCCEEDED") and token in line for line in output.splitlines())
    if match := re.fullmatch(r"again until the (\S+) run waits at (\w+)", comment):
        token, state = match.groups()
        for run in re.split(r"\n(?=\S)", output):
            lines = run.splitlines()
            if (
                lines
                and lines[0].startswith("RUNNING")
                and token in lines[0]
                and any(state in line and "running" in line for line in lines[1:])
            ):
                return True
        return False
    if match := re.fullmatch(r"again until (\S+) is InService with live package \$(\w+)", comment):
        endpoint, variable = match.groups()
        for block in re.split(r"\n(?=\S)", output):
            lines = block.splitlines()
            if lines and lines[0].split()[:2] == [endpoint, "InService"]:
                return f"live package {env[variable]}" in block
        return False
    raise AssertionError(f"README asks to wait for something the test cannot read: {comment!r}")


def test_the_readme_first_run_works_as_written(tmp_path: Path) -> None:
    workdir = tmp_path / "project"
    workdir.mkdir()
    for entry in REPO.iterdir():  # the project folder, without writing into the repository
        if entry.name not in (".git", "data.csv", "rows.csv", "five.csv"):
            (workdir / entry.name).symlink_to(entry)
    steps = readme_steps()
    assert len(steps) >= 20, steps
    started, outputs = time.monotonic(), []
    up = _start_up(steps[0][0], workdir)
    try:
        exports, bucket = _read_up(up)
        env = {**os.environ, **exports}
        for command, comment in steps[1:]:
            assert time.monotonic() - started < DEADLINE_SECONDS, "the walk took too long"
            filled = _fill(command, bucket)
            if match := re.fullmatch(r"(\w+)=\$\((.*)\)", filled):  # VAR=$(...): a person keeps the value
                name = match.group(1)
                value = _run(f'{filled}; printf %s "${name}"', env, workdir).strip()
                assert value and value != "None", f"{command} gave {value!r}"
                env[name] = value
                continue
            output = _run(filled, env, workdir)
            if comment.startswith("again until"):
                deadline = time.monotonic() + POLL_SECONDS
                while not _shown(comment, output, env):
                    assert time.monotonic() < deadline, f"{command}: never showed {comment!r}:\n{output}"
                    time.sleep(1)
                    output = _run(filled, env, workdir)
            outputs.append((command, output))
        packages = _run(
            ".venv/bin/aws sagemaker list-model-packages --model-package-group-name lockgate-dev-credit "
            "--query 'ModelPackageSummaryList[].[ModelPackageArn,ModelApprovalStatus]' --output text",
            env,
            workdir,
        )
    finally:
        os.killpg(up.pid, signal.SIGINT)
        try:
            up.wait(120)
        except subprocess.TimeoutExpired:
            os.killpg(up.pid, signal.SIGKILL)
            up.wait(10)
    said = dict(outputs)
    scores = said[
        ".venv/bin/lockgate predict lockgate-dev-credit --file five.csv --endpoint-url $AWS_ENDPOINT_URL"
    ]
    assert len([line for line in scores.splitlines() if not line.startswith("#")]) == 5, scores
    rejected = said[
        '.venv/bin/lockgate reject $SECOND --reason "second thoughts" --endpoint-url $AWS_ENDPOINT_URL'
    ]
    assert f"goes back to approved v1 ({env['PACKAGE']})" in rejected, rejected
    assert env["SECOND"] != env["PACKAGE"], packages
    print(f"README first run: {time.monotonic() - started:.0f} s", file=sys.stderr)
