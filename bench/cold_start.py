"""Cold imports of the Lambda handlers, each beside `import boto3` and Powertools + boto3 alone.

Each row imports one functions/<folder>/app.py in a fresh interpreter, as Lambda's cold start does:
sys.path is the function's code, then the layer's python/ directory (`sam build`'s
.aws-sam/build/<Function>/ and .aws-sam/build/LockgateLayer/python/ when they exist, else
functions/<folder>/ and src/), then the venv (boto3, as the Lambda runtime provides it). The
environment is the template's for that function (Globals included; resources as placeholder
names), tracing off as offline (POWERTOOLS_TRACE_DISABLED=true). Seconds are the best of
`--repeats` runs (bytecode cached), the time of `import app` alone: module-level clients and
settings included, the interpreter's own start not; the ratios use CPU seconds, which a loaded
machine disturbs far less than wall seconds. The heavy modules each import leaves in
sys.modules are listed, so a handler that loads what its path does not use shows it.

Goal (issue 19): each handler <= 1.5x Powertools + boto3 imported alone.

Run: .venv/bin/python bench/cold_start.py [--repeats 5] [--source build|src]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / ".aws-sam" / "build"
GOAL = 1.5
# Modules a handler should load only when its path uses them.
HEAVY = ("aws_xray_sdk.core", "pyarrow", "numpy", "yaml", "jsonschema", "pandas", "xgboost", "moto")
# What every handler imports from Powertools (its logger, metrics, tracer and event parser).
POWERTOOLS = (
    "from aws_lambda_powertools import Logger, Metrics, Tracer\n"
    "from aws_lambda_powertools.utilities.parser import event_parser\n"
    "from aws_lambda_powertools.utilities.typing import LambdaContext"
)
PROBE = """
import json, sys, time
sys.path[:0] = {paths!r}
began, cpu = time.perf_counter(), time.process_time()
{code}
seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
print(json.dumps({{"seconds": seconds, "cpu": cpu, "heavy": [m for m in {heavy!r} if m in sys.modules]}}))
"""


def _template() -> dict[str, Any]:
    import yaml

    class Loader(yaml.SafeLoader):
        """CloudFormation short tags as {tag: value}."""

    def tag(loader: Loader, suffix: str, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            return {suffix: loader.construct_scalar(node)}
        if isinstance(node, yaml.SequenceNode):
            return {suffix: loader.construct_sequence(node, deep=True)}
        return {suffix: loader.construct_mapping(node, deep=True)}  # type: ignore[arg-type]

    Loader.add_multi_constructor("!", tag)
    return dict(yaml.load((REPO / "template.yaml").read_text(), Loader=Loader))


def _value(value: Any, parameters: dict[str, Any]) -> str:
    """A placeholder for an intrinsic: a parameter's default, a resource's name, an ARN."""
    if isinstance(value, dict):
        (kind, arg), *_ = value.items()
        if kind == "Ref":
            return str(parameters.get(arg, {}).get("Default", f"lockgate-local-{arg}"))
        if kind == "GetAtt":
            return f"arn:aws:iam::123456789012:role/{str(arg).split('.')[0]}"
        return "placeholder"
    return str(value)


def functions() -> list[tuple[str, str, dict[str, str]]]:
    """(logical id, folder, environment) of every function in template.yaml."""
    template = _template()
    parameters = template.get("Parameters", {})
    common = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    found = []
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        variables = {**common, **props.get("Environment", {}).get("Variables", {})}
        env = {name: _value(value, parameters) for name, value in variables.items()}
        found.append((logical_id, Path(props["CodeUri"]).name, env))
    return sorted(found, key=lambda row: row[1])


def measure(paths: list[str], code: str, env: dict[str, str], repeats: int) -> tuple[float, float, list[str]]:
    """Best-of wall and CPU seconds of `code` in a fresh interpreter, and the heavy modules it loaded."""
    probe = PROBE.format(paths=paths, code=code, heavy=HEAVY)
    full_env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        **env,
    }
    best, best_cpu, heavy = float("inf"), float("inf"), []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", probe],
            env=full_env,
            capture_output=True,
            text=True,
            cwd=paths[0],
            check=False,
        )
        if out.returncode:
            raise SystemExit(f"{paths[0]}: {out.stderr.strip().splitlines()[-1]}")
        result = json.loads(out.stdout)
        best, best_cpu, heavy = min(best, result["seconds"]), min(best_cpu, result["cpu"]), result["heavy"]
    return best, best_cpu, heavy


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--source", choices=("build", "src"), default="build" if BUILD.is_dir() else "src")
    args = parser.parse_args()
    layer = str(BUILD / "LockgateLayer" / "python") if args.source == "build" else str(REPO / "src")
    origin = "sam build (.aws-sam/build)" if args.source == "build" else "src/ and functions/ (no sam build)"
    print(f"load average {os.getloadavg()[0]:.2f}; code from {origin}")
    boto = measure([layer], "import boto3", {}, args.repeats)
    reference = measure([layer], f"import boto3\n{POWERTOOLS}", {}, args.repeats)
    # For scale, not a goal: the same plus the one boto3 client almost every handler makes at init
    # (the first client of a process loads botocore's endpoint and retry data, ~45 ms CPU here).
    client = measure([layer], f"import boto3\n{POWERTOOLS}\nboto3.client('sns')", {}, args.repeats)
    rows = [
        ("import boto3", *boto),
        ("import boto3 + Powertools", *reference),
        ("  + one client (sns), for scale", *client),
    ]
    for logical_id, folder, env in functions():
        code = str(BUILD / logical_id) if args.source == "build" else str(REPO / "functions" / folder)
        rows.append((f"functions/{folder}", *measure([code, layer], "import app", env, args.repeats)))
    width = max(len(row[0]) for row in rows)
    print(
        f"{'import':<{width}}  {'wall ms':>7}  {'cpu ms':>6}  {'x boto3':>7}  {'x PT+boto3':>10}  "
        "heavy modules loaded"
    )
    missed = 0
    for name, seconds, cpu, heavy in rows:
        ratio = cpu / reference[1]
        flag = "" if ratio <= GOAL or not name.startswith("functions/") else "  over goal"
        missed += bool(flag)
        print(
            f"{name:<{width}}  {seconds * 1000:7.0f}  {cpu * 1000:6.0f}  {cpu / boto[1]:7.2f}  "
            f"{ratio:10.2f}  {', '.join(heavy) or '-'}{flag}"
        )
    print(
        f"ratios of CPU seconds (best of {args.repeats}; wall is load-sensitive). "
        f"Goal: each handler <= {GOAL}x boto3 + Powertools; {missed} over"
    )


if __name__ == "__main__":
    main()
