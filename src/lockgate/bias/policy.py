"""The gate policy: one threshold model for the contract, the CLI's thresholds file and the gate.

The dataset contract's `bias` section is a GatePolicy (data.contract.Bias extends it with the
facets and the group variable), so the contract's JSON Schema says exactly what the gate supports:
per-metric and per-facet thresholds, optional metrics, a margin, the confidence level of the
intervals and the smallest facet group the gate will decide on.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from lockgate.bias.interval_settings import DEFAULT_LEVEL, DEFAULT_RESAMPLES, DEFAULT_SEED, IntervalSettings
from lockgate.bias.specs import METHOD_ALIASES, POST_TRAINING_METHODS, PRE_TRAINING_METHODS
from lockgate.errors import ContractInvalid

KNOWN_METRICS = frozenset(PRE_TRAINING_METHODS) | frozenset(POST_TRAINING_METHODS)
# Below this many rows in a facet group (or its complement) the gate does not decide: see INTERVALS.md.
DEFAULT_MIN_GROUP_ROWS = 30


class Threshold(BaseModel):
    """Allowed range of a metric, inclusive; a missing side is unbounded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Threshold:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        for bound in (self.min, self.max):
            if bound is not None and not math.isfinite(bound):
                raise ValueError("min/max must be finite")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self

    def contains(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def text(self) -> str:
        low = "-inf" if self.min is None else f"{self.min:g}"
        high = "+inf" if self.max is None else f"{self.max:g}"
        return f"[{low}, {high}]"


def _range(low: float | None = None, high: float | None = None) -> Threshold:
    return Threshold(min=low, max=high)


# Conventions from the design: DI within [0.8, 1.25]; |DPL|, |DPPL|, |RD|, |AD| <= 0.1.
DEFAULT_THRESHOLDS: dict[str, Threshold] = {
    "DI": _range(0.8, 1.25),
    "DPL": _range(-0.1, 0.1),
    "DPPL": _range(-0.1, 0.1),
    "RD": _range(-0.1, 0.1),
    "AD": _range(-0.1, 0.1),
}


def canonical_metric(name: str) -> str:
    """A metric's canonical name (DCAcc -> DCA); ValueError if no such metric."""
    canonical = METHOD_ALIASES.get(name, name)
    if canonical not in KNOWN_METRICS:
        raise ValueError(f"unknown metric {name!r}; known: {', '.join(sorted(KNOWN_METRICS))}")
    return canonical


def _canonical_keys(raw: dict[str, Threshold]) -> dict[str, Threshold]:
    return {canonical_metric(k): v for k, v in raw.items()}


class GatePolicy(BaseModel):
    """How the gate judges the metrics. `thresholds` None means the conventions (DEFAULT_THRESHOLDS);
    `{}` gates nothing. `facet_thresholds[facet][metric]` overrides `thresholds[metric]`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    thresholds: dict[str, Threshold] | None = Field(
        default=None, description="Allowed range per metric (Clarify names); absent: the conventions."
    )
    facet_thresholds: dict[str, dict[str, Threshold]] = Field(
        default_factory=dict, description="Per facet column: metric -> allowed range (overrides)."
    )
    optional: list[str] = Field(default_factory=list, description="Metrics that may be null.")
    margin: Annotated[float, Field(ge=0)] = Field(
        default=0.0, description="An interval closer than this to a bound needs a human."
    )
    confidence: Annotated[float, Field(gt=0, lt=1)] = Field(
        default=DEFAULT_LEVEL, description="Confidence level of every metric's interval."
    )
    min_group_rows: Annotated[int, Field(ge=0)] = Field(
        default=DEFAULT_MIN_GROUP_ROWS,
        description="A facet group (or its complement) with fewer rows needs a human.",
    )
    bootstrap_resamples: Annotated[int, Field(ge=100, le=100_000)] = DEFAULT_RESAMPLES
    bootstrap_seed: Annotated[int, Field(ge=0)] = DEFAULT_SEED

    @field_validator("thresholds")
    @classmethod
    def _metric_names(cls, raw: dict[str, Threshold] | None) -> dict[str, Threshold] | None:
        return None if raw is None else _canonical_keys(raw)

    @field_validator("facet_thresholds")
    @classmethod
    def _facet_metric_names(cls, raw: dict[str, dict[str, Threshold]]) -> dict[str, dict[str, Threshold]]:
        return {facet: _canonical_keys(per_metric) for facet, per_metric in raw.items()}

    @field_validator("optional")
    @classmethod
    def _optional_names(cls, raw: list[str]) -> list[str]:
        return [canonical_metric(m) for m in raw]

    def threshold_for(self, facet: str, metric: str) -> Threshold | None:
        """The facet's own threshold for the metric, else the metric's, else None (not gated)."""
        general = DEFAULT_THRESHOLDS if self.thresholds is None else self.thresholds
        return self.facet_thresholds.get(facet, {}).get(metric) or general.get(metric)

    def interval_settings(self) -> IntervalSettings:
        return IntervalSettings(self.confidence, self.bootstrap_resamples, self.bootstrap_seed)

    def gate_policy(self) -> GatePolicy:
        """This policy as a plain GatePolicy (a contract's Bias section drops its facets)."""
        return GatePolicy.model_validate(self.model_dump(include=set(GatePolicy.model_fields)))


# The CLI's thresholds file predates the contract's names: {"metrics": ..., "facets": ...}.
LEGACY_KEYS = {"metrics": "thresholds", "facets": "facet_thresholds"}


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc if not str(p).startswith(("function-", "union[", "constrained-")))


def parse_policy(raw: Any, source: str = "thresholds") -> GatePolicy:
    """A policy from JSON: {"thresholds" (or "metrics"): {"DI": {"min": 0.8, "max": 1.25}},
    "facet_thresholds" (or "facets"): {"sex": {"DPL": {"max": 0.05}}}, "optional": ["KL"],
    "margin": 0.01, "confidence": 0.95, "min_group_rows": 30}. ContractInvalid names the field."""
    if isinstance(raw, GatePolicy):
        return raw.gate_policy()
    if not isinstance(raw, dict):
        raise ContractInvalid(source, "(root)", "expected a JSON object")
    data = {LEGACY_KEYS.get(k, k): v for k, v in raw.items()}
    try:
        return GatePolicy.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = _field_path(tuple(err["loc"])) or "(root)"
        for new, old in ((v, k) for k, v in LEGACY_KEYS.items() if k in raw):
            field = old + field[len(new) :] if field.startswith(new) else field
        raise ContractInvalid(source, field, err["msg"]) from exc
