"""Issue 19 item 1: imports follow the command. In a fresh interpreter per command: build the parser,
parse the command's arguments, import its run function (lockgate.commands.COMMANDS) and every import
its module and the command modules it uses make inside their functions (the lazy run path), then
check which heavy modules are loaded. No timer: `bench/cli.py` measures the seconds."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import lockgate.commands
from lockgate.commands import COMMANDS

COMMANDS_DIR = Path(lockgate.commands.__file__).parent
# What no endpoint command and no local computation may load: the local cloud (moto, its server, the
# twins), xgboost, and data-frame libraries Lockgate does not use.
HEAVY = (
    "moto",
    "werkzeug",
    "flask",
    "xgboost",
    "pandas",
    "sklearn",
    "scipy",
    "samtranslator",
    "lockgate.local",
)
ALLOWED_LOCAL = {
    "lockgate.local",
    "lockgate.local.clock",
    "lockgate.local.endpoint_client",
    "lockgate.local.faults",
}
# Building the parser (`lockgate --help`) loads none of these either.
PARSER_HEAVY = (*HEAVY, "boto3", "botocore", "pydantic", "numpy", "pyarrow", "aws_lambda_powertools", "yaml")
# The commands that run the local cloud itself.
LOCAL_CLOUD = {"up", "invoke", "demo", "translate"}
ARGV = {
    "runs": [],
    "lineage": ["credit"],
    "bias": ["--config", "c.json", "--data", "d.csv", "--out", "o"],
    "alarm": ["x", "--state", "OK"],
    "actions": [],
    "monitor": ["run"],
    "approve": ["arn"],
    "reject": ["arn", "--reason", "r"],
    "predict": ["ep", "--file", "f.csv"],
    "endpoints": [],
    "fault": ["ep", "v", "--5xx-rate", "0"],
    "retrain": ["credit"],
    "deploy": ["arn", "--variants", "90/10"],
    "promote": ["ep", "--variant", "champion"],
    "variants": ["ep"],
    "console": ["--read-only"],
    "review": ["run-1", "--approve", "--reason", "r"],
    "contract": ["check", "contracts/credit.yaml"],
    "batch-predict": ["credit", "s3://bucket/new.csv"],
}
# What options.aws_client imports for a command that calls an endpoint.
ENDPOINT_CLIENT = {"boto3", "botocore.exceptions", "lockgate.local.endpoint_client"}
SHARED = {"lockgate.commands.options", "lockgate.commands.usage"}
PROBE = """
import importlib, json, sys
from lockgate.cli import build_parser
from lockgate.commands import COMMANDS
args = build_parser().parse_args(json.loads(sys.argv[1]))
module, _, name = COMMANDS[args.command].partition(":")
getattr(importlib.import_module("lockgate.commands." + module), name)
for lazy in json.loads(sys.argv[2]):
    try:
        importlib.import_module(lazy)
    except ModuleNotFoundError:  # `from module import name`: a name, not a module
        pass
print(json.dumps(sorted(sys.modules)))
"""


def lazy_imports(module: str, seen: set[str] | None = None) -> set[str]:
    """Every module `lockgate.commands.<module>` imports anywhere (functions included), and those of
    the command modules it imports, transitively (not through options.py, whose local_cloud only the
    local-cloud commands call)."""
    seen = set() if seen is None else seen
    found: set[str] = set()
    if module in seen:
        return found
    seen.add(module)
    tree = ast.parse((COMMANDS_DIR / f"{module}.py").read_text())
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from package import module` imports the module: the probe tries each name as one
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        for name in names:
            found.add(name)
            if (
                name.startswith("lockgate.commands.")
                and name not in SHARED
                and (COMMANDS_DIR / f"{name.rsplit('.', 1)[1]}.py").exists()
            ):
                found |= lazy_imports(name.rsplit(".", 1)[1], seen)
    return found


def loaded(argv: list[str], lazy: set[str] = frozenset()) -> set[str]:  # type: ignore[assignment]
    probe = [sys.executable, "-c", PROBE, json.dumps(argv), json.dumps(sorted(lazy))]
    run = subprocess.run(probe, capture_output=True, text=True, check=False, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return set(json.loads(run.stdout))


def heavy(modules: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        m
        for m in modules
        if m not in ALLOWED_LOCAL and any(m == f or m.startswith(f + ".") for f in forbidden)
    )


def test_every_command_is_covered() -> None:
    assert set(COMMANDS) == set(ARGV) | LOCAL_CLOUD


def test_the_parser_alone_loads_nothing_heavy() -> None:
    """`lockgate --help` and every command's arguments parsed: no boto3, pydantic, numpy, moto... yet."""
    probe = (
        "import json, sys\n"
        "from lockgate.cli import build_parser\n"
        "for argv in json.loads(sys.argv[1]):\n"
        "    build_parser().parse_args(argv)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    argvs = json.dumps([[command, *argv] for command, argv in ARGV.items()])
    run = subprocess.run(
        [sys.executable, "-c", probe, argvs], capture_output=True, text=True, check=True, timeout=120
    )
    assert heavy(set(json.loads(run.stdout)), PARSER_HEAVY) == []


@pytest.mark.parametrize("command", sorted(ARGV))
def test_a_command_loads_only_what_its_path_uses(command: str) -> None:
    """The run function and all its module's lazy imports: no moto, local cloud, xgboost, pandas."""
    module = COMMANDS[command].partition(":")[0]
    lazy = {name for name in lazy_imports(module) if name != "__future__"} | ENDPOINT_CLIENT
    modules = loaded([command, *ARGV[command]], lazy)
    assert f"lockgate.commands.{module}" in modules
    assert heavy(modules, HEAVY) == []


def test_the_probe_sees_a_heavy_import() -> None:
    """The check can fail: the local cloud's module path is caught."""
    modules = loaded(["runs"], {"lockgate.local.cloud"})
    assert "moto" in heavy(modules, HEAVY)
