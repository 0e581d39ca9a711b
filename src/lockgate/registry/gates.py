"""The evaluation gate and the auto-approval policy, from the dataset contract.

Evaluation gate: every `evaluation.minimums` bar must hold (an undefined metric fails its bar,
never passes by accident), and `regression_metric` may fall at most `max_regression` below the
latest Approved package of the group; with no Approved package yet the gate says so and passes
on the absolute bars alone.

Approval: Approved only when the policy's `auto_approve` is on, the evaluation gate passed, both
bias verdicts are "pass" and every approval minimum holds; otherwise PendingManualApproval. A
bias verdict "needs-human" is a reason for a person's review, never a failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from lockgate.data.contract import Approval, Evaluation

APPROVED, PENDING = "Approved", "PendingManualApproval"


@dataclass(frozen=True)
class GateResult:
    """pass or fail, with every reason (passing notes included)."""

    verdict: Literal["pass", "fail"]
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _bars(metrics: dict[str, float | None], minimums: dict[str, float], what: str) -> list[str]:
    failed = []
    for name, bar in sorted(minimums.items()):
        value = metrics.get(name)
        if value is None:
            failed.append(f"{what}: {name} is undefined (needs >= {bar:g})")
        elif value < bar:
            failed.append(f"{what}: {name} {value:.4f} < {bar:g}")
    return failed


def evaluation_gate(
    metrics: dict[str, float | None],
    policy: Evaluation,
    baseline: dict[str, float | None] | None,
    baseline_name: str | None = None,
) -> GateResult:
    """The gate's verdict for `metrics` against the contract and the latest Approved package."""
    reasons = _bars(metrics, policy.minimums, "minimum")
    notes: list[str] = []
    name = policy.regression_metric
    if baseline is None:
        notes.append("no Approved package in the group yet: no regression check, absolute bars only")
    else:
        new, old = metrics.get(name), baseline.get(name)
        if new is None or old is None:
            notes.append(f"regression check skipped: {name} undefined for the new model or {baseline_name}")
        elif old - new > policy.max_regression:
            reasons.append(
                f"regression: {name} {new:.4f} is {old - new:.4f} below {baseline_name} ({old:.4f}), "
                f"more than the allowed {policy.max_regression:g}"
            )
        else:
            notes.append(f"no regression: {name} {new:.4f} vs {old:.4f} of {baseline_name}")
    return GateResult("fail" if reasons else "pass", reasons, notes)


def approval(
    policy: Approval, gate: GateResult, bias_pre: str, bias_post: str, metrics: dict[str, float | None]
) -> tuple[str, list[str]]:
    """(ModelApprovalStatus, reasons) under the contract's auto-approval policy."""
    reasons: list[str] = []
    if not policy.auto_approve:
        reasons.append("the contract's approval policy asks for a person (auto_approve: false)")
    if gate.verdict != "pass":
        reasons.append("the evaluation gate did not pass")
    for stage, verdict in (("pre-training", bias_pre), ("post-training", bias_post)):
        if verdict != "pass":
            reasons.append(f"{stage} bias verdict is {verdict!r}: needs review")
    reasons += _bars(metrics, policy.minimums, "approval minimum")
    if reasons:
        return PENDING, reasons
    bars = ", ".join(f"{k} >= {v:g}" for k, v in sorted(policy.minimums.items())) or "no extra bars"
    return APPROVED, [f"auto-approved: evaluation gate passed, both bias verdicts pass, {bars}"]
