"""Lineage: dataset version -> execution -> training/tuning job -> transform job -> model package
-> endpoint -> actions, as edges between typed nodes, queryable both ways.

Storage (lockgate.adapters.dynamodb.LineageTable): one item per direction of every edge,
{pk: parent, sk: child, direction: "down"} and {pk: child, sk: parent, direction: "up"}; node
ids are `<kind>#<id>`. `walk` follows one direction from a node, breadth first, without repeats.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict

Kind = Literal[
    "dataset",
    "version",
    "execution",
    "training-job",
    "tuning-job",
    "transform-job",
    "model-package",
    "endpoint",
    "endpoint-config",
    "deploy-run",
    "action",
    "review",
]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
Direction = Literal["down", "up"]


class Node(BaseModel):
    """A lineage node: `kind#id`."""

    model_config = ConfigDict(frozen=True)

    kind: Kind
    id: str

    @property
    def key(self) -> str:
        """The table key of this node."""
        return f"{self.kind}#{self.id}"

    @classmethod
    def parse(cls, key: str) -> Node:
        """`kind#id` -> Node (ValueError for an unknown kind)."""
        kind, sep, ident = key.partition("#")
        if not sep or kind not in KINDS:
            raise ValueError(
                f"not a lineage node id: {key!r} (expected <kind>#<id>, kinds {', '.join(KINDS)})"
            )
        return cls(kind=kind, id=ident)  # type: ignore[arg-type]


class Edge(BaseModel):
    """parent -> child, with string attributes (e.g. the execution that made it)."""

    model_config = ConfigDict(frozen=True)

    parent: Node
    child: Node
    attrs: dict[str, str] = {}


Neighbours = Callable[[Node, Direction], Iterable[tuple[Node, dict[str, str]]]]


def walk(start: Node, neighbours: Neighbours, direction: Direction) -> list[Edge]:
    """Every edge reachable from `start` going `direction` ("down": towards models/endpoints)."""
    seen = {start}
    frontier = [start]
    edges: list[Edge] = []
    while frontier:
        node = frontier.pop(0)
        for other, attrs in neighbours(node, direction):
            parent, child = (node, other) if direction == "down" else (other, node)
            edges.append(Edge(parent=parent, child=child, attrs=attrs))
            if other not in seen:
                seen.add(other)
                frontier.append(other)
    return edges


def node_for(text: str) -> Node:
    """What a person types: a package ARN, a `kind#id`, or a dataset name."""
    if ":model-package/" in text:
        return Node(kind="model-package", id=text)
    if "#" in text:
        return Node.parse(text)
    return Node(kind="dataset", id=text)


def render(start: Node, down: list[Edge], up: list[Edge]) -> list[str]:
    """Lines for `lockgate lineage`: ancestors first (up), then descendants (down)."""
    lines = [f"{start.key}"]
    for edge in up:
        lines.append(f"  ^ {edge.parent.key} -> {edge.child.key}")
    for edge in down:
        extra = " ".join(f"{k}={v}" for k, v in sorted(edge.attrs.items()))
        lines.append(f"  v {edge.parent.key} -> {edge.child.key}" + (f"  ({extra})" if extra else ""))
    return lines
