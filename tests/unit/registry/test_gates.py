"""The evaluation gate and the auto-approval policy."""

from __future__ import annotations

from lockgate.data.contract import Approval, Evaluation
from lockgate.registry.gates import APPROVED, PENDING, approval, evaluation_gate

POLICY = Evaluation(minimums={"auc": 0.7}, regression_metric="auc", max_regression=0.02)


def test_no_approved_package_yet_passes_on_the_bars_alone_and_says_so() -> None:
    gate = evaluation_gate({"auc": 0.8}, POLICY, None)
    assert gate.verdict == "pass" and "no Approved package" in gate.notes[0]


def test_a_bar_missed_or_undefined_fails() -> None:
    assert evaluation_gate({"auc": 0.6}, POLICY, None).verdict == "fail"
    assert "undefined" in evaluation_gate({"auc": None}, POLICY, None).reasons[0]


def test_regression_beyond_the_margin_fails_within_passes() -> None:
    worse = evaluation_gate({"auc": 0.75}, POLICY, {"auc": 0.80}, "pkg/1")
    assert worse.verdict == "fail" and "pkg/1" in worse.reasons[0]
    assert evaluation_gate({"auc": 0.79}, POLICY, {"auc": 0.80}, "pkg/1").verdict == "pass"


def test_auto_approval_needs_every_condition() -> None:
    gate = evaluation_gate({"auc": 0.8}, POLICY, None)
    on = Approval(auto_approve=True, minimums={"auc": 0.75})
    assert approval(on, gate, "pass", "pass", {"auc": 0.8})[0] == APPROVED
    status, reasons = approval(on, gate, "pass", "needs-human", {"auc": 0.8})
    assert status == PENDING and "needs review" in reasons[0] and "fail" not in reasons[0]
    assert approval(Approval(), gate, "pass", "pass", {"auc": 0.8})[0] == PENDING
    assert approval(on, gate, "pass", "pass", {"auc": 0.74})[0] == PENDING
