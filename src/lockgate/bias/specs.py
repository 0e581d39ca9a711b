"""Resolved analysis specs: what is the sensitive group, what is a positive label or prediction.

Clarify's config says "value_or_threshold" and leaves the meaning to the data; these specs say it
exactly, so every partition of a dataset builds its count table the same way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal, NotRequired, TypedDict, cast

Scalar = str | int | float | bool
FacetKind = Literal["values", "threshold", "one_vs_rest"]


@dataclass(frozen=True)
class FacetSpec:
    """A facet column. values: d = rows whose value is in `values`; threshold: d = (threshold, max];
    one_vs_rest: each distinct value in turn is d, the rest is a."""

    name: str
    kind: FacetKind
    values: tuple[Scalar, ...] = ()
    threshold: float | None = None


@dataclass(frozen=True)
class LabelSpec:
    """The label column: positive = value in `values`, or value > `threshold`."""

    name: str
    values: tuple[Scalar, ...] = ()
    threshold: float | None = None


@dataclass(frozen=True)
class PredictionSpec:
    """Predicted labels (judged like the label) or scores (positive = score > probability_threshold)."""

    name: str
    kind: Literal["labels", "scores"] = "labels"
    probability_threshold: float = 0.5


PRE_TRAINING_METHODS: tuple[str, ...] = ("CI", "DPL", "KL", "JS", "LP", "TVD", "KS", "CDDL")
POST_TRAINING_METHODS: tuple[str, ...] = (
    "DPPL",
    "DI",
    "DCA",
    "DCR",
    "RD",
    "SD",
    "DAR",
    "DRR",
    "AD",
    "TE",
    "CDDPL",
    "GE",
)
# Clarify's documentation spells DCA as DCAcc in places; both names mean the same metric.
METHOD_ALIASES: dict[str, str] = {"DCAcc": "DCA"}


@dataclass(frozen=True)
class BiasConfig:
    """Everything the engine needs; built from a Clarify analysis_config.json by clarify_config."""

    label: LabelSpec
    facets: tuple[FacetSpec, ...]
    group_variable: str | None = None
    prediction: PredictionSpec | None = None
    pre_training_methods: tuple[str, ...] = ()
    post_training_methods: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())


class FacetJson(TypedDict):
    """A FacetSpec as JSON."""

    name: str
    kind: FacetKind
    values: list[Scalar]
    threshold: float | None


class LabelJson(TypedDict):
    name: str
    values: list[Scalar]
    threshold: float | None


class PredictionJson(TypedDict):
    name: str
    kind: Literal["labels", "scores"]
    probability_threshold: float


class BiasConfigJson(TypedDict):
    """A BiasConfig as JSON (`dataclasses.asdict`; tuples become lists on the way through JSON)."""

    label: LabelJson
    facets: list[FacetJson]
    group_variable: str | None
    prediction: PredictionJson | None
    pre_training_methods: NotRequired[list[str]]
    post_training_methods: NotRequired[list[str]]
    warnings: NotRequired[list[str]]


def config_to_json(config: BiasConfig) -> BiasConfigJson:
    """A resolved config as plain JSON, to hand to every partition of a Distributed Map (resolve
    once, so every partition counts the same way)."""
    return cast(BiasConfigJson, asdict(config))


def config_from_json(data: BiasConfigJson) -> BiasConfig:
    prediction = data.get("prediction")
    return BiasConfig(
        label=LabelSpec(data["label"]["name"], tuple(data["label"]["values"]), data["label"]["threshold"]),
        facets=tuple(
            FacetSpec(f["name"], f["kind"], tuple(f["values"]), f["threshold"]) for f in data["facets"]
        ),
        group_variable=data.get("group_variable"),
        prediction=None if prediction is None else PredictionSpec(**prediction),
        pre_training_methods=tuple(data.get("pre_training_methods", ())),
        post_training_methods=tuple(data.get("post_training_methods", ())),
        warnings=tuple(data.get("warnings", ())),
    )
