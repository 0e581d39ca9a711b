"""`lockgate console` against a URL stays light: the command, the console and the decision code
import no moto, no local cloud, no SageMaker twin and no xgboost (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HEAVY = (
    "moto",
    "xgboost",
    "lockgate.local.cloud",
    "lockgate.local.sagemaker",
    "lockgate.local.stepfunctions",
)
SRC = Path(__file__).resolve().parents[3] / "src"


def test_the_console_imports_nothing_heavy() -> None:
    code = (
        "import json, sys\n"
        "import lockgate.commands.console_cli as cli\n"
        "server = cli.start_console('http://127.0.0.1:9', port=0)\n"
        "import lockgate.review_console.pages, lockgate.review_console.server, lockgate.commands.deploy_cli\n"
        "server.stop()\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
