"""template.yaml's S3 prefixes (the raw/ rule that starts ingest, the lifecycle rules) are the
ones lockgate.layout builds keys with."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lockgate import layout
from lockgate.local.deployer.template import load_template

REPO = Path(__file__).resolve().parents[2]
RESOURCES: dict[str, Any] = load_template(REPO / "template.yaml")["Resources"]


def _key_prefixes(pattern: Any) -> Iterator[str]:
    """Every `{"prefix": ...}` under detail.object.key of an EventBridge pattern."""
    if isinstance(pattern, dict):
        for key, value in pattern.items():
            if key == "key" and isinstance(value, list):
                yield from (item["prefix"] for item in value if isinstance(item, dict) and "prefix" in item)
            else:
                yield from _key_prefixes(value)


def _s3_rule_prefixes() -> list[tuple[str, str]]:
    found = []
    for name, resource in RESOURCES.items():
        for event in resource.get("Properties", {}).get("Events", {}).values():
            pattern = event.get("Properties", {}).get("Pattern", {})
            if "aws.s3" in pattern.get("source", []):
                found += [(name, prefix) for prefix in _key_prefixes(pattern)]
    return found


def _lifecycle_prefixes(bucket: str) -> dict[str, str | None]:
    rules = RESOURCES[bucket]["Properties"].get("LifecycleConfiguration", {}).get("Rules", [])
    return {rule["Id"]: rule.get("Prefix", rule.get("Filter", {}).get("Prefix")) for rule in rules}


def test_the_upload_rule_listens_under_raw() -> None:
    rules = _s3_rule_prefixes()
    assert ("StarterFunction", layout.RAW) in rules
    assert all(prefix.startswith(layout.PREFIXES) for _, prefix in rules), rules


def test_lifecycle_rules_name_only_layout_prefixes() -> None:
    for bucket in ("DataBucket", "ArtifactBucket"):
        for rule, prefix in _lifecycle_prefixes(bucket).items():
            assert prefix is None or prefix in layout.PREFIXES, f"{bucket} rule {rule}: {prefix}"


def test_multipart_staging_expires() -> None:
    assert layout.STAGING in _lifecycle_prefixes("DataBucket").values()
    assert layout.staging_prefix("credit", "run-1").startswith(layout.STAGING)


def test_keys_are_built_under_their_prefixes() -> None:
    assert layout.version_prefix("credit", "abc") == "datasets/credit/abc/"
    assert layout.manifest_key("credit", "abc") == "datasets/credit/abc/manifest.json"
    assert layout.quarantined_key("raw/credit/2026/a.csv", "credit") == "quarantine/credit/2026/a.csv"
    assert layout.contract_key("credit") == "contracts/credit.yaml"
    assert layout.bias_report_prefix("credit", "abc", "pre_training").startswith(layout.REPORTS)
