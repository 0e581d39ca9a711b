"""The one registry of bias metrics: per name, its stage, Clarify's description, the scalar
definition (metrics_pre / metrics_post: one count table) and the vectorised one (metrics_vector:
a stack of bootstrap resamples). Clarify's method lists (specs.PRE_TRAINING_METHODS,
POST_TRAINING_METHODS) name the same metrics; a unit test checks they agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from lockgate.bias import metrics_post as post
from lockgate.bias import metrics_pre as pre
from lockgate.bias import metrics_vector as vector
from lockgate.bias.metric_value import FacetCells, MetricValue, empty_side_reason, undefined

Stage = Literal["pre_training", "post_training"]
PRE: Stage = "pre_training"
POST: Stage = "post_training"
Scalar = Callable[[FacetCells], MetricValue]


@dataclass(frozen=True)
class BiasMetric:
    """One metric: its stage, description, and both definitions."""

    stage: Stage
    description: str
    scalar: Scalar
    vector: vector.Vector


METRICS: dict[str, BiasMetric] = {
    "CI": BiasMetric(PRE, "Class Imbalance (CI)", pre.ci, vector.ci),
    "DPL": BiasMetric(PRE, "Difference in Positive Proportions in Labels (DPL)", pre.dpl, vector.dpl),
    "KL": BiasMetric(PRE, "Kullback-Liebler Divergence (KL)", pre.kl, vector.kl),
    "JS": BiasMetric(PRE, "Jensen-Shannon Divergence (JS)", pre.js, vector.js),
    "LP": BiasMetric(PRE, "L-p Norm (LP)", pre.lp, vector.lp),
    "TVD": BiasMetric(PRE, "Total Variation Distance (TVD)", pre.tvd, vector.tvd),
    "KS": BiasMetric(PRE, "Kolmogorov-Smirnov Distance (KS)", pre.ks, vector.ks),
    "CDDL": BiasMetric(PRE, "Conditional Demographic Disparity in Labels (CDDL)", pre.cddl, vector.cddl),
    "DPPL": BiasMetric(
        POST, "Difference in Positive Proportions in Predicted Labels (DPPL)", post.dppl, vector.dppl
    ),
    "DI": BiasMetric(POST, "Disparate Impact (DI)", post.di, vector.di),
    "DCA": BiasMetric(POST, "Difference in Conditional Acceptance (DCA)", post.dca, vector.dca),
    "DCR": BiasMetric(POST, "Difference in Conditional Rejection (DCR)", post.dcr, vector.dcr),
    "RD": BiasMetric(POST, "Recall Difference (RD)", post.rd, vector.rd),
    "SD": BiasMetric(POST, "Specificity Difference (SD)", post.sd, vector.sd),
    "DAR": BiasMetric(POST, "Difference in Acceptance Rates (DAR)", post.dar, vector.dar),
    "DRR": BiasMetric(POST, "Difference in Rejection Rates (DRR)", post.drr, vector.drr),
    "AD": BiasMetric(POST, "Accuracy Difference (AD)", post.ad, vector.ad),
    "TE": BiasMetric(POST, "Treatment Equality (TE)", post.te, vector.te),
    "CDDPL": BiasMetric(
        POST, "Conditional Demographic Disparity in Predicted Labels (CDDPL)", post.cddpl, vector.cddpl
    ),
    "GE": BiasMetric(POST, "Generalized Entropy (GE)", post.ge, vector.ge),
}

PRE_TRAINING: dict[str, Scalar] = {n: m.scalar for n, m in METRICS.items() if m.stage == PRE}
POST_TRAINING: dict[str, Scalar] = {n: m.scalar for n, m in METRICS.items() if m.stage == POST}
VECTOR_METRICS: dict[str, vector.Vector] = {n: m.vector for n, m in METRICS.items()}
DESCRIPTIONS: dict[str, str] = {n: m.description for n, m in METRICS.items()}


def compute_pre_training(cells: FacetCells, methods: tuple[str, ...]) -> list[MetricValue]:
    """The requested pre-training metrics, in the order given; all None if a side is empty."""
    reason = empty_side_reason(cells)
    if reason:
        return [undefined(m, reason) for m in methods]
    return [PRE_TRAINING[m](cells) for m in methods]


def compute_post_training(cells: FacetCells, methods: tuple[str, ...]) -> list[MetricValue]:
    """The requested post-training metrics, in the order given; all None if a side is empty."""
    reason = empty_side_reason(cells)
    if reason:  # GE is over all rows, so it stays defined
        return [post.ge(cells) if m == "GE" else undefined(m, reason) for m in methods]
    return [POST_TRAINING[m](cells) for m in methods]
