"""What people are told when a model waits for their production approval."""

from __future__ import annotations

from collections.abc import Mapping


def approval_message(
    package_arn: str, metadata: Mapping[str, str], evaluation: Mapping[str, object], staging: str
) -> str:
    """The SNS body: package, evaluation summary, both bias verdicts, report links, how to answer."""
    metrics = ", ".join(f"{k}={v}" for k, v in sorted(evaluation.items())) or "no metrics recorded"
    lines = [
        f"Model package {package_arn} passed staging ({staging}) and its smoke test.",
        f"Dataset {metadata.get('dataset', '?')} version {metadata.get('version', '?')[:12]}.",
        f"Evaluation: {metrics}.",
        f"Bias before training: {metadata.get('biasPreVerdict', 'unknown')}; "
        f"after training: {metadata.get('biasPostVerdict', 'unknown')}.",
        f"Reports: {metadata.get('evaluationReport', '-')} | {metadata.get('biasPre', '-')} | "
        f"{metadata.get('biasPost', '-')}",
        f"Approve: lockgate approve {package_arn} --reason '...'",
        f"Reject:  lockgate reject {package_arn} --reason '...'",
    ]
    return "\n".join(lines)
