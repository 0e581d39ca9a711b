"""What people are told when a model waits for their production approval."""

from __future__ import annotations

from collections.abc import Mapping

from lockgate.messages.package import PackageMetadata


def approval_message(
    package_arn: str, metadata: PackageMetadata, evaluation: Mapping[str, object], staging: str
) -> str:
    """The SNS body: package, evaluation summary, both bias verdicts, report links, how to answer."""
    metrics = ", ".join(f"{k}={v}" for k, v in sorted(evaluation.items())) or "no metrics recorded"
    lines = [
        f"Model package {package_arn} passed staging ({staging}) and its smoke test.",
        f"Dataset {metadata.dataset or '?'} version {(metadata.dataset_version or '?')[:12]}.",
        f"Evaluation: {metrics}.",
        f"Bias before training: {metadata.bias_pre_verdict or 'unknown'}; "
        f"after training: {metadata.bias_post_verdict or 'unknown'}.",
        f"Reports: {metadata.evaluation_report or '-'} | {metadata.bias_pre or '-'} | "
        f"{metadata.bias_post or '-'}",
        f"Approve: lockgate approve {package_arn} --reason '...'",
        f"Reject:  lockgate reject {package_arn} --reason '...'",
    ]
    return "\n".join(lines)
