"""Issue 10 item 7: `lockgate invoke` writes the result JSON alone on stdout (it pipes into
`python -m json.tool`); the offline warnings and the function's logs go to stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def test_invoke_prints_only_the_result_json_on_stdout() -> None:
    command = [sys.executable, "-m", "lockgate.cli", "invoke", "NotifyFailureFunction"]
    run = subprocess.run(
        [*command, "-e", "events/notify_failure.json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout)  # nothing but the JSON
    assert result["subject"] == "Lockgate ingest failed: DatasetRejected"
    assert "not applied offline" in run.stderr  # the offline-only warnings, on stderr
