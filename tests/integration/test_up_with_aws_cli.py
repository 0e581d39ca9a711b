"""`lockgate up` serves the local cloud; the real AWS CLI's `s3 cp` starts the pipeline;
`lockgate runs` shows the run; Ctrl-C stops it cleanly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lockgate.local.fixtures import sample_csv

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
AWS_CLI = Path(sys.executable).with_name("aws")


def _wait_for_line(process: subprocess.Popen[str], pattern: str, timeout: float = 60) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        seen.append(line)
        if match := re.search(pattern, line):
            return match
        if not line and process.poll() is not None:
            break
    raise AssertionError(f"no line matching {pattern!r} in: {''.join(seen)}")


def test_aws_cli_upload_to_lockgate_up_starts_the_pipeline(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "lockgate.cli", "up", "--clock-speed", "1000"]
    up = subprocess.Popen(
        [*command, "--log", str(tmp_path / "up.log")],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        url = _wait_for_line(up, r"Lockgate local cloud: (http://127\.0\.0\.1:\d+)").group(1)
        # Quiet by default: the first-upload hint names the bucket, the contract first (issue 22 item 5).
        bucket = _wait_for_line(up, r"Try: aws s3 cp contracts/credit\.yaml s3://([^/]+)/contracts/").group(1)
        env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        contract = REPO / "contracts" / "credit.yaml"
        data = tmp_path / "data.csv"
        data.write_bytes(sample_csv(400, seed=21))
        for source, target in [(contract, "contracts/credit.yaml"), (data, "raw/credit/data.csv")]:
            subprocess.run(
                [str(AWS_CLI), "--endpoint-url", url, "s3", "cp", str(source), f"s3://{bucket}/{target}"],
                env=env,
                check=True,
                capture_output=True,
                timeout=60,
            )
        deadline, runs = time.monotonic() + 60, ""
        while "SUCCEEDED" not in runs and time.monotonic() < deadline:
            runs = subprocess.run(
                [sys.executable, "-m", "lockgate.cli", "runs", "--endpoint-url", url],
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            ).stdout
            time.sleep(0.2)
        assert "SUCCEEDED" in runs and "credit-data-csv" in runs, runs
        assert "CheckObject" in runs and " ms" in runs, runs
        finished = _wait_for_line(up, r"^run (\w+) .*credit-data-csv")  # one line per finished run
        assert finished.group(1) == "SUCCEEDED"
    finally:
        up.send_signal(signal.SIGINT)
        # Ctrl-C stops the workers, the twins and the server: about 1-7 s; under CI's parallel
        # phases it once took over 30 s (a train run the upload started was still going).
        failed = sys.exc_info()[1]  # what the test body raised, if anything: said with a hang
        try:
            code = up.wait(timeout=120)
        except subprocess.TimeoutExpired:
            up.kill()
            log = (tmp_path / "up.log").read_text().splitlines()[-120:]
            raise AssertionError(
                f"lockgate up did not stop in 120 s (the test body: {failed!r}); its log ends:\n"
                + "\n".join(log)
            ) from failed
        assert code == 0


def test_ctrl_c_stops_lockgate_up_even_when_started_with_sigint_ignored(tmp_path: Path) -> None:
    """A non-interactive shell starts `cmd &` with SIGINT and SIGQUIT ignored (POSIX, job control
    off), and Python keeps an inherited SIG_IGN: `up` installs its own handler, so Ctrl-C (SIGINT)
    still stops it. CI launched in the background hung here before."""
    command = 'trap "" INT; exec "$0" -m lockgate.cli up --log "$1"'  # an ignored signal survives exec
    up = subprocess.Popen(
        ["sh", "-c", command, sys.executable, str(tmp_path / "up.log")],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        _wait_for_line(up, r"Lockgate local cloud: (http://127\.0\.0\.1:\d+)")
    finally:
        up.send_signal(signal.SIGINT)
        try:
            code = up.wait(timeout=60)
        except subprocess.TimeoutExpired:
            up.kill()
            raise AssertionError("lockgate up ignored Ctrl-C (SIGINT inherited as ignored)") from None
    assert code == 0
