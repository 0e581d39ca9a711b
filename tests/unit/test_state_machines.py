"""Static checks of every statemachines/*.asl.json: statelint, the reliability rules of
DESIGN.md (every Task has TimeoutSeconds, Retry with backoff, MaxDelaySeconds and full jitter,
and a Catch of its own or on its enclosing Map/Parallel), and placeholders the template fills."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from statelint.linter import Linter  # type: ignore[import-untyped]

from lockgate.local.deployer.template import load_template

REPO = Path(__file__).resolve().parents[2]
MACHINES = sorted((REPO / "statemachines").glob("*.asl.json"))
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def _filled(text: str) -> dict[str, Any]:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"arn:aws:lambda:us-east-1:123456789012:function:{name}" if name.endswith("Arn") else name

    return json.loads(PLACEHOLDER.sub(value, text))


def _tasks(states: dict[str, Any], caught_above: bool = False) -> Iterator[tuple[str, dict[str, Any], bool]]:
    for name, state in states.items():
        if state["Type"] == "Task":
            yield name, state, caught_above
        for inner in [state.get("ItemProcessor") or state.get("Iterator"), *state.get("Branches", [])]:
            if inner:
                yield from _tasks(inner["States"], caught_above or bool(state.get("Catch")))


@pytest.mark.parametrize("path", MACHINES, ids=lambda p: p.name)
def test_statelint_finds_nothing(path: Path) -> None:
    problems = Linter.validate(_filled(path.read_text()))
    assert problems == [], problems


@pytest.mark.parametrize("path", MACHINES, ids=lambda p: p.name)
def test_every_task_times_out_retries_with_jitter_and_is_caught(path: Path) -> None:
    for name, task, caught_above in _tasks(_filled(path.read_text())["States"]):
        assert task.get("TimeoutSeconds") or task.get("HeartbeatSeconds"), f"{name}: no TimeoutSeconds"
        assert task.get("Retry"), f"{name}: no Retry"
        for retry in task["Retry"]:
            assert retry.get("JitterStrategy") == "FULL" and retry.get("MaxDelaySeconds"), f"{name}: {retry}"
            assert retry.get("BackoffRate", 1) > 1, f"{name}: no backoff"
        assert task.get("Catch") or caught_above, f"{name}: no Catch"


def test_every_placeholder_is_substituted_by_the_template() -> None:
    resources = load_template(REPO / "template.yaml")["Resources"]
    machines = {
        r["Properties"]["DefinitionUri"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Serverless::StateMachine"
    }
    assert sorted(machines) == [f"statemachines/{path.name}" for path in MACHINES]
    for uri, props in machines.items():
        used = set(PLACEHOLDER.findall((REPO / uri).read_text()))
        assert used == set(props.get("DefinitionSubstitutions", {})), uri
