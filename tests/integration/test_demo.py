"""`make demo` runs `lockgate demo`: it must pass end to end and show each step."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def test_the_demo_runs_every_step_and_exits_0(tmp_path: Path) -> None:
    run = subprocess.run(
        # 5000 rows: fewer, and noise can fail the bias gate
        [sys.executable, "-m", "lockgate.cli", "demo", "--output", str(tmp_path / "demo-output")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    out = run.stdout
    assert "pre-training bias gate: PASS" in out
    assert "quarantined with its report" in out and "label_values[credit_risk]: 12" in out
    assert "people were told: Lockgate ingest failed: DatasetRejected" in out
    assert "CheckParts" in out and "ReduceParts" in out
    assert out.rstrip().splitlines()[-1].startswith("demo succeeded")
    (report,) = (tmp_path / "demo-output").glob("*/pre-training-bias/report.html")  # kept after exit
    assert f"report {report}" in out and "s3://" not in out.split("bias gate:", 1)[1].splitlines()[0]
