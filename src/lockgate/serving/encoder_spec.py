"""The shape of `encoder.json`, the spec an encoder artifact carries: written by
`lockgate.serving.artifact.spec`, read by `lockgate.serving.encoder` (which names these types for
the type checker only, so the shipped script stays self-contained)."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

type ColumnValue = str | int | float | bool
"""A value of a contract column."""


class ColumnSpec(TypedDict):
    """One contract column, in contract order, with its role in the model's input."""

    name: str
    type: str  # the contract's column type: string, integer, float or boolean
    nullable: bool
    role: Literal["label", "feature", "ignored"]
    allowed: NotRequired[list[ColumnValue]]  # a string feature's categories, one-hot in this order


class LabelSpec(TypedDict):
    """The label column, the answer's label values and the decision threshold."""

    column: str
    positive: str
    negative: str
    threshold: float


class EncoderSpec(TypedDict):
    """encoder.json (format 1)."""

    format: int
    dataset: str
    version: str
    contract: str  # the contract's sha256
    columns: list[ColumnSpec]
    keys: list[str]
    features: list[str]  # the training matrix's column names, in order
    label: LabelSpec
