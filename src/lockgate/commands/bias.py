"""`lockgate bias --config analysis_config.json --data FILE [--predictions FILE] --out DIR
[--thresholds FILE] [--confidence LEVEL]`: prints metrics, their confidence intervals, thresholds
and verdicts; writes analysis.json, gate.json and report.html to DIR.

Exit status: 0 pass, 1 fail, 2 usage error, 3 needs-human, 4 invalid config or input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lockgate.errors import ContractInvalid, InputRejected

if TYPE_CHECKING:
    from lockgate.bias.check import BiasCheck
    from lockgate.bias.metric_value import MetricValue

EXIT_CODES = {"pass": 0, "fail": 1, "needs-human": 3}
EXIT_INVALID = 4


def add_parsers(sub: Any) -> None:
    """`lockgate bias`."""
    bias = sub.add_parser(
        "bias",
        help="Clarify-compatible bias metrics from files",
        description="Clarify-compatible bias check. "
        "Exit status: 0 pass, 1 fail, 2 usage error, 3 needs-human, 4 invalid config or input.",
    )
    add_bias_arguments(bias)


def add_bias_arguments(p: argparse.ArgumentParser) -> None:
    """The `lockgate bias` options (the subcommand's parser is built by lockgate.cli)."""
    p.add_argument("--config", required=True, type=Path, help="Clarify analysis_config.json")
    p.add_argument("--data", required=True, type=Path, help="dataset (CSV or Parquet, per dataset_type)")
    p.add_argument("--predictions", type=Path, help="predicted labels or scores, one row per data row")
    p.add_argument("--out", required=True, type=Path, help="output directory")
    p.add_argument("--thresholds", type=Path, help="gate thresholds JSON (default: the conventions)")
    p.add_argument(
        "--confidence", type=float, help="confidence level of the intervals, in (0, 1) (default 0.95)"
    )


def _load_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ContractInvalid(str(path), "(file)", f"cannot read {what}: {exc}") from exc


def _print_table(check: BiasCheck) -> None:
    checks = {(c.stage, c.facet, c.value_or_threshold, c.metric): c for c in check.gate.checks}
    rows = [("stage", "facet", "sensitive group", "metric", "value", "interval", "allowed", "verdict")]
    for r in check.analysis.results():
        for m in r.metrics:
            c = checks.get((r.stage, r.facet, r.value_or_threshold, m.name))
            allowed = (
                "" if c is None else f"[{_bound(c.threshold.min, '-inf')}, {_bound(c.threshold.max, '+inf')}]"
            )
            shown = f"{m.value:.6g}" if m.value is not None else f"null ({m.reason})"
            rows.append(
                (
                    r.stage,
                    r.facet,
                    r.value_or_threshold,
                    m.name,
                    shown,
                    _interval(m),
                    allowed,
                    c.status if c else "-",
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    print(f"\nverdict: {check.gate.verdict}")
    for reason in check.gate.reasons:
        print(f"  {reason}")


def _interval(metric: MetricValue) -> str:
    ci = metric.interval
    if ci is None or metric.value is None:
        return "-"
    if ci.lower is None or ci.upper is None:
        return f"null ({ci.reason})"
    return f"[{ci.lower:.4g}, {ci.upper:.4g}] {ci.level:g} {ci.method}"


def _bound(value: float | None, missing: str) -> str:
    return missing if value is None else f"{value:g}"


def run_bias(args: argparse.Namespace) -> int:
    """Run the bias check; see the module docstring for the exit status."""
    from lockgate.bias.check import bias_check  # numpy and pyarrow: only when the check runs
    from lockgate.bias.clarify_config import parse_analysis_config
    from lockgate.bias.policy import parse_policy
    from lockgate.bias.tables import load_inputs

    try:
        config = parse_analysis_config(_load_json(args.config, "analysis config"), str(args.config))
        thresholds = _load_json(args.thresholds, "thresholds") if args.thresholds else {}
        if args.confidence is not None and isinstance(thresholds, dict):
            thresholds = {**thresholds, "confidence": args.confidence}
        source = str(args.thresholds) if args.thresholds else "--confidence"
        policy = parse_policy(thresholds, source)
        table, config = load_inputs(config, args.data, args.predictions)
        check = bias_check(table, config, policy, source=str(args.data))
    except (ContractInvalid, InputRejected) as exc:
        print(f"lockgate bias: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    for warning in check.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "analysis.json").write_text(json.dumps(check.analysis_json, indent=2, allow_nan=False) + "\n")
    (args.out / "gate.json").write_text(json.dumps(check.gate.to_json(), indent=2, allow_nan=False) + "\n")
    (args.out / "report.html").write_text(check.report_html, encoding="utf-8")
    _print_table(check)
    return EXIT_CODES[check.gate.verdict]
