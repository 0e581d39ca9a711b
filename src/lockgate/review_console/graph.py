"""A state machine's graph drawn from its ASL, coloured by what one run did (pure; inline SVG).

States are laid out in layers (longest path from StartAt over forward edges; loops drawn as back
edges on the side), each layer ordered by its parents' positions. Edges: Next and a Choice's
branches (labelled with the branch), Default, Catch (dashed) and a Map's or Parallel's inner start
(dotted, "each item" / "branch"). A state's colour is its outcome in the run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from lockgate.review_console.html import esc

Outcome = Literal["succeeded", "failed", "caught", "waiting", "running", "not-reached"]
EdgeKind = Literal["next", "choice", "default", "catch", "inner"]

COLOURS: dict[str, tuple[str, str]] = {  # outcome -> (fill, stroke)
    "succeeded": ("#d8f0dc", "#2e7d32"),
    "failed": ("#fbdada", "#c62828"),
    "caught": ("#ffe8c7", "#c26a00"),
    "waiting": ("#d9e6fb", "#1f5fbf"),
    "running": ("#fff6c2", "#9a7b00"),
    "not-reached": ("#f3f3f3", "#9e9e9e"),
}
NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 168, 34, 22, 30, 12


class GraphNode(BaseModel):
    """One state (nested states carry their Map or Parallel parent)."""

    model_config = ConfigDict(frozen=True)

    name: str
    type: str
    parent: str | None = None
    waits_for_person: bool = False


class GraphEdge(BaseModel):
    """A transition between two states."""

    model_config = ConfigDict(frozen=True)

    source: str
    target: str
    kind: EdgeKind
    label: str = ""


class StateGraph(BaseModel):
    """Every state of a definition, nested ones included, and every transition."""

    start: str
    nodes: list[GraphNode]
    edges: list[GraphEdge]


def parse_definition(definition: str | Mapping[str, Any]) -> StateGraph:
    """The graph of an ASL definition (JSON text or parsed)."""
    asl = json.loads(definition) if isinstance(definition, str) else definition
    nodes: list[GraphNode] = []
    edges: list[GraphEdge] = []
    _collect(asl, None, nodes, edges)
    return StateGraph(start=str(asl["StartAt"]), nodes=nodes, edges=edges)


def _collect(
    asl: Mapping[str, Any], parent: str | None, nodes: list[GraphNode], edges: list[GraphEdge]
) -> None:
    for name, state in asl.get("States", {}).items():
        resource = str(state.get("Resource", ""))
        nodes.append(
            GraphNode(
                name=name,
                type=state["Type"],
                parent=parent,
                waits_for_person=resource.endswith(".waitForTaskToken"),
            )
        )
        if "Next" in state:
            edges.append(GraphEdge(source=name, target=state["Next"], kind="next"))
        for choice in state.get("Choices", []):
            edges.append(
                GraphEdge(source=name, target=choice["Next"], kind="choice", label=_condition(choice))
            )
        if "Default" in state:
            edges.append(GraphEdge(source=name, target=state["Default"], kind="default", label="default"))
        for catch in state.get("Catch", []):
            label = ",".join(e.removeprefix("States.") for e in catch.get("ErrorEquals", []))
            edges.append(GraphEdge(source=name, target=catch["Next"], kind="catch", label=label))
        inner = state.get("ItemProcessor") or state.get("Iterator")
        branches = [inner] if inner else list(state.get("Branches", []))
        for branch in branches:
            label = "each item" if inner else "branch"
            edges.append(GraphEdge(source=name, target=branch["StartAt"], kind="inner", label=label))
            _collect(branch, name, nodes, edges)


def _condition(choice: Mapping[str, Any]) -> str:
    """A short label for a Choice rule: its variable's last part and the test."""
    if "Condition" in choice:  # JSONata
        return str(choice["Condition"]).strip("{}% ")[:28]
    for key in ("And", "Or", "Not"):
        if key in choice:
            return key.lower()
    variable = str(choice.get("Variable", "")).rsplit(".", 1)[-1]
    for key, value in choice.items():
        if key not in ("Variable", "Next") and key != "Comment":
            test = (
                key.removesuffix("Path").replace("String", "").replace("Numeric", "").replace("Boolean", "")
            )
            return f"{variable} {test} {value}"[:28]
    return variable[:28]


def layers(graph: StateGraph) -> list[list[str]]:
    """States in layers: the longest forward path from the start (back edges of loops ignored)."""
    forward = _forward_edges(graph)
    names = [n.name for n in graph.nodes]
    rank = dict.fromkeys(names, 0)
    order = _topological(names, forward, graph.start)
    for name in order:
        for target in forward.get(name, []):
            rank[target] = max(rank[target], rank[name] + 1)
    result: list[list[str]] = [[] for _ in range(max(rank.values(), default=0) + 1)]
    position: dict[str, float] = {}
    parents: dict[str, list[str]] = {}
    for source, targets in forward.items():
        for target in targets:
            parents.setdefault(target, []).append(source)
    for name in order:
        result[rank[name]].append(name)
    happy = _reaches_success(graph)
    for layer in result:  # the happy path on the left, failure paths right; then by parents' position
        layer.sort(
            key=lambda n: (n not in happy, _mean(position.get(p, 0.0) for p in parents.get(n, [])) or 0.0)
        )
        for index, name in enumerate(layer):
            position[name] = index - (len(layer) - 1) / 2
    return [layer for layer in result if layer]


def _reaches_success(graph: StateGraph) -> set[str]:
    """States from which a non-Fail end can be reached without a Catch (the happy path)."""
    types = {n.name: n.type for n in graph.nodes}
    outgoing: dict[str, list[str]] = {}
    for edge in graph.edges:
        if edge.kind != "catch":
            outgoing.setdefault(edge.source, []).append(edge.target)
    good = {n for n, t in types.items() if t != "Fail" and not outgoing.get(n)}
    changed = True
    while changed:
        changed = False
        for name, targets in outgoing.items():
            if name not in good and any(t in good for t in targets):
                good.add(name)
                changed = True
    return good


def _mean(values: Iterable[float]) -> float | None:
    items = list(values)
    return sum(items) / len(items) if items else None


def _forward_edges(graph: StateGraph) -> dict[str, list[str]]:
    """Adjacency without the edges that close a loop (found by a depth-first walk from the start)."""
    adjacency: dict[str, list[str]] = {}
    for edge in graph.edges:
        if edge.target not in adjacency.get(edge.source, []):
            adjacency.setdefault(edge.source, []).append(edge.target)
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    roots = [graph.start] + [n.name for n in graph.nodes]
    for root in roots:
        if root in state:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, index = stack.pop()
            targets = adjacency.get(node, [])
            if index < len(targets):
                stack.append((node, index + 1))
                target = targets[index]
                if state.get(target) == 1:
                    back.add((node, target))
                elif target not in state:
                    state[target] = 1
                    stack.append((target, 0))
            else:
                state[node] = 2
    return {s: [t for t in ts if (s, t) not in back] for s, ts in adjacency.items()}


def _topological(names: list[str], forward: dict[str, list[str]], start: str) -> list[str]:
    indegree = dict.fromkeys(names, 0)
    for targets in forward.values():
        for target in targets:
            indegree[target] = indegree.get(target, 0) + 1
    ready = [start] + [n for n in names if indegree[n] == 0 and n != start]
    order: list[str] = []
    while ready:
        name = ready.pop(0)
        if name in order:
            continue
        order.append(name)
        for target in forward.get(name, []):
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    return order + [n for n in names if n not in order]


def render_svg(graph: StateGraph, outcomes: Mapping[str, Outcome], title: str = "state machine") -> str:
    """The graph as inline SVG; states without an outcome are drawn as not reached."""
    rows = layers(graph)
    width = max(len(r) for r in rows) * (NODE_W + GAP_X) - GAP_X + 2 * PAD + 80
    height = len(rows) * (NODE_H + GAP_Y) - GAP_Y + 2 * PAD
    centre: dict[str, tuple[float, float]] = {}
    for y_index, row in enumerate(rows):
        row_width = len(row) * (NODE_W + GAP_X) - GAP_X
        x0 = (width - 80 - row_width) / 2
        for x_index, name in enumerate(row):
            centre[name] = (
                x0 + x_index * (NODE_W + GAP_X) + NODE_W / 2,
                PAD + y_index * (NODE_H + GAP_Y) + NODE_H / 2,
            )
    rank = {name: i for i, row in enumerate(rows) for name in row}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{esc(title)}">',
        "<defs>",
        *(
            f'<marker id="arrow-{k}" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" '
            f'orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" fill="{c}"/></marker>'
            for k, c in (("n", "#555"), ("c", "#c26a00"), ("i", "#1f5fbf"))
        ),
        "</defs>",
    ]
    for edge in graph.edges:
        if edge.source in centre and edge.target in centre:
            parts.append(_edge_svg(edge, centre, rank, width - 70))
    for node in graph.nodes:
        if node.name in centre:
            parts.append(_node_svg(node, centre[node.name], outcomes.get(node.name, "not-reached")))
    parts.append("</svg>")
    return "".join(parts)


def _edge_svg(
    edge: GraphEdge, centre: Mapping[str, tuple[float, float]], rank: Mapping[str, int], side: float
) -> str:
    (x1, y1), (x2, y2) = centre[edge.source], centre[edge.target]
    colour, marker, dash = {"catch": ("#d9a35f", "c", "5,3"), "inner": ("#1f5fbf", "i", "2,3")}.get(
        edge.kind, ("#555", "n", "")
    )
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    if rank[edge.target] <= rank[edge.source]:  # a loop back: around the right side
        path = (
            f"M{x1 + NODE_W / 2:.0f},{y1:.0f} C{side:.0f},{y1:.0f} "
            f"{side:.0f},{y2:.0f} {x2 + NODE_W / 2:.0f},{y2:.0f}"
        )
        lx, ly = side - 4, (y1 + y2) / 2
    else:
        sy, ty = y1 + NODE_H / 2, y2 - NODE_H / 2
        mid = (sy + ty) / 2
        path = f"M{x1:.0f},{sy:.0f} C{x1:.0f},{mid:.0f} {x2:.0f},{mid:.0f} {x2:.0f},{ty:.0f}"
        lx, ly = (x1 + x2) / 2, mid
    title = f"{edge.source} → {edge.target} ({edge.kind}{': ' + edge.label if edge.label else ''})"
    label = (
        f'<text x="{lx:.0f}" y="{ly:.0f}" class="edge-label">{esc(edge.label[:22])}</text>'
        if edge.label and edge.kind == "inner"
        else ""
    )
    return (
        f'<g><title>{esc(title)}</title><path d="{path}" fill="none" stroke="{colour}" stroke-width="1.2"'
        f'{dash_attr} marker-end="url(#arrow-{marker})"/>{label}</g>'
    )


def _node_svg(node: GraphNode, at: tuple[float, float], outcome: Outcome) -> str:
    fill, stroke = COLOURS[outcome]
    x, y = at[0] - NODE_W / 2, at[1] - NODE_H / 2
    rx = 17 if node.type in ("Succeed", "Fail") else 4 if node.type != "Choice" else 12
    width = 2.4 if outcome in ("failed", "waiting") else 1.2
    dash = ' stroke-dasharray="4,2"' if node.parent else ""
    label = node.name if len(node.name) <= 22 else node.name[:21] + "…"
    return (
        f'<g class="state {outcome}"><title>{esc(node.name)} ({esc(node.type)}): {outcome}'
        f"{' — inside ' + esc(node.parent) if node.parent else ''}</title>"
        f'<rect x="{x:.0f}" y="{y:.0f}" width="{NODE_W}" height="{NODE_H}" rx="{rx}" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="{width}"{dash}/>'
        f'<text x="{at[0]:.0f}" y="{at[1] - 2:.0f}" class="state-name">{esc(label)}</text>'
        f'<text x="{at[0]:.0f}" y="{at[1] + 11:.0f}" class="state-type">{esc(node.type)}'
        f"{' · person' if node.waits_for_person else ''}</text></g>"
    )
