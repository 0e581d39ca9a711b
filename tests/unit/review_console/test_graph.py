"""The state machine graph from the ASL: every state, every kind of edge, layers, colours."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lockgate.pipeline.run_history import StateVisit
from lockgate.review_console import graph
from lockgate.review_console.pages import outcomes
from lockgate.review_console.reads import Machine, RunDetail, RunSummary

MACHINES = sorted((Path(__file__).resolve().parents[3] / "statemachines").glob("*.asl.json"))


def _all_states(asl: dict) -> set[str]:  # type: ignore[type-arg]
    names = set(asl["States"])
    for state in asl["States"].values():
        for branch in [state.get("ItemProcessor") or state.get("Iterator"), *state.get("Branches", [])]:
            if branch:
                names |= _all_states(branch)
    return names


@pytest.mark.parametrize("path", MACHINES, ids=lambda p: p.name)
def test_every_state_is_drawn_once_in_layers_that_flow_down(path: Path) -> None:
    asl = json.loads(path.read_text())
    state_graph = graph.parse_definition(path.read_text())
    names = [n.name for n in state_graph.nodes]
    assert sorted(names) == sorted(_all_states(asl))
    layers = graph.layers(state_graph)
    flat = [name for layer in layers for name in layer]
    assert sorted(flat) == sorted(names)
    assert layers[0][0] == asl["StartAt"]
    rank = {name: i for i, layer in enumerate(layers) for name in layer}
    loops = [e for e in state_graph.edges if rank[e.target] <= rank[e.source]]
    assert all(e.kind in ("next", "choice", "default") for e in loops)  # only the poll loops go back up
    svg = graph.render_svg(state_graph, {})
    assert svg.count('<g class="state not-reached">') == len(names)


def test_edges_of_each_kind() -> None:
    asl = {
        "StartAt": "Pick",
        "States": {
            "Pick": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.kind", "StringEquals": "many", "Next": "Each"}],
                "Default": "Work",
            },
            "Each": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "One", "States": {"One": {"Type": "Pass", "End": True}}},
                "Next": "Work",
            },
            "Work": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}],
                "End": True,
            },
            "Failed": {"Type": "Fail"},
        },
    }
    state_graph = graph.parse_definition(asl)
    kinds = {(e.source, e.target): e.kind for e in state_graph.edges}
    assert kinds == {
        ("Pick", "Each"): "choice",
        ("Pick", "Work"): "default",
        ("Each", "One"): "inner",
        ("Each", "Work"): "next",
        ("Work", "Failed"): "catch",
    }
    nodes = {n.name: n for n in state_graph.nodes}
    assert nodes["One"].parent == "Each" and nodes["Work"].waits_for_person
    choice = next(e for e in state_graph.edges if e.kind == "choice")
    assert choice.label == "kind Equals many"
    assert graph.layers(state_graph)[-1] == ["Failed"]  # the failure path below and right


def _run(visits: list[StateVisit], status: str = "FAILED") -> RunDetail:
    machine = Machine(arn="arn:aws:states:us-east-1:1:stateMachine:lockgate-x-dev", name="lockgate-x-dev")
    summary = RunSummary(arn="a", name="r", machine=machine, status=status, started=visits[0].entered)
    return RunDetail(summary=summary, definition="{}", visits=visits, input={}, output=None)


def test_outcomes_tell_caught_from_failed_and_waiting_from_running() -> None:
    asl = {
        "StartAt": "A",
        "States": {
            "A": {
                "Type": "Task",
                "Resource": "x",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Notify"}],
                "Next": "B",
            },
            "B": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "End": True},
            "Notify": {"Type": "Task", "Resource": "x", "Next": "Failed"},
            "Failed": {"Type": "Fail"},
        },
    }
    state_graph = graph.parse_definition(asl)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    caught = _run(
        [
            StateVisit("A", "Task", t0, t0 + timedelta(seconds=1), "failed"),
            StateVisit("Notify", "Task", t0 + timedelta(seconds=1), t0 + timedelta(seconds=2), "ok"),
            StateVisit("Failed", "Fail", t0 + timedelta(seconds=2), t0 + timedelta(seconds=2), "ok"),
        ]
    )
    assert outcomes(state_graph, caught) == {"A": "caught", "Notify": "succeeded", "Failed": "failed"}
    waiting = _run(
        [StateVisit("A", "Task", t0, t0, "ok"), StateVisit("B", "Task", t0, None, "running")], "RUNNING"
    )
    assert outcomes(state_graph, waiting) == {"A": "succeeded", "B": "waiting"}
    uncaught = _run([StateVisit("B", "Task", t0, t0, "failed")])
    assert outcomes(state_graph, uncaught) == {"B": "failed"}
    svg = graph.render_svg(state_graph, outcomes(state_graph, caught))
    assert '<g class="state caught">' in svg and svg.count('<g class="state not-reached">') == 1


def test_a_distributed_maps_items_take_the_maps_outcome() -> None:
    asl = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "One", "States": {"One": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        },
    }
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    run = _run([StateVisit("Each", "Map", t0, t0 + timedelta(seconds=1), "ok")], "SUCCEEDED")
    assert outcomes(graph.parse_definition(asl), run) == {"Each": "succeeded", "One": "succeeded"}
