"""Each handler's cold import loads only what its path uses (issue 19 item 2): checked on sys.modules
in a fresh interpreter, not on a timer. The seconds are bench/cold_start.py's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from lockgate.local.deployer.template import load_template

REPO = Path(__file__).resolve().parents[2]
WATCHED = ("aws_xray_sdk.core", "pyarrow", "numpy", "moto", "xgboost", "lockgate.local", "lockgate.commands")
# The handlers that read data (Parquet, CSV, predictions) and compute on it.
READS_DATA = {
    "data_gate",
    "bias_check",
    "evaluate",
    "monitor",
    "plan_training",
    "prepare_batch",
    "finish_batch",
}
PROBE = (
    "import json, sys\nsys.path[:0] = [{code!r}, {src!r}]\nimport app\n"
    "print(json.dumps(sorted(m for m in {watched!r} if m in sys.modules)))"
)


def _placeholder(value: Any, parameters: dict[str, Any]) -> str:
    if isinstance(value, dict) and "Ref" in value:
        return str(parameters.get(value["Ref"], {}).get("Default", f"lockgate-local-{value['Ref']}"))
    if isinstance(value, dict):
        return "arn:aws:iam::123456789012:role/placeholder"
    return str(value)


def _handlers() -> list[tuple[str, dict[str, str]]]:
    template = load_template(REPO / "template.yaml")
    parameters = template.get("Parameters", {})
    common = template["Globals"]["Function"]["Environment"]["Variables"]
    found = []
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            props = resource["Properties"]
            variables = {**common, **props.get("Environment", {}).get("Variables", {})}
            env = {k: _placeholder(v, parameters) for k, v in variables.items()}
            found.append((Path(props["CodeUri"]).name, env))
    return sorted(found)


def _loaded(folder: str, env: dict[str, str], trace_disabled: bool = True) -> list[str]:
    code = str(REPO / "functions" / folder)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "LAMBDA_", "AWS_SAM"))}
    environ |= {"AWS_DEFAULT_REGION": "us-east-1", **env}
    if trace_disabled:
        environ["POWERTOOLS_TRACE_DISABLED"] = "true"
    else:
        environ["LAMBDA_TASK_ROOT"] = code  # on Lambda, tracing on
    probe = PROBE.format(code=code, src=str(REPO / "src"), watched=WATCHED)
    run = subprocess.run(
        [sys.executable, "-c", probe], env=environ, capture_output=True, text=True, cwd=code, check=False
    )
    assert run.returncode == 0, (folder, run.stderr[-2000:])
    return list(json.loads(run.stdout))


def test_each_handler_loads_no_xray_sdk_when_tracing_is_off_and_no_data_stack_unless_it_reads_data() -> None:
    handlers = _handlers()
    assert len(handlers) >= 18
    with ThreadPoolExecutor(4) as pool:
        loaded = dict(zip([h[0] for h in handlers], pool.map(lambda h: _loaded(*h), handlers), strict=True))
    for folder, modules in loaded.items():
        allowed = {"pyarrow", "numpy"} if folder in READS_DATA else set()
        assert set(modules) <= allowed, f"functions/{folder}/app.py loads {sorted(set(modules) - allowed)}"
    assert {"pyarrow", "numpy"} <= set(loaded["data_gate"])  # the probe sees what is loaded


@pytest.mark.parametrize("folder", ["starter"])
def test_on_lambda_with_tracing_on_the_handler_uses_the_xray_sdk(folder: str) -> None:
    env = dict(_handlers())[folder]
    assert "aws_xray_sdk.core" in _loaded(folder, env, trace_disabled=False)
