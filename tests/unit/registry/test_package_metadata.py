"""PackageMetadata: the model package's CustomerMetadataProperties, written once and read back typed.

The keys are the wire format of packages already registered; a package written before the model
existed reads the same, and nothing outside lockgate.messages.package reads a key by string."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from lockgate.messages.package import METADATA_VALUE_MAX, PackageMetadata
from lockgate.messages.train import RegisterModelInput
from lockgate.registry.package import create_request

REPO = Path(__file__).resolve().parents[3]
EVENT = REPO / "events" / "register_model_rejected.json"

# What registry/package.metadata() wrote before PackageMetadata (a package registered then).
WRITTEN_BEFORE = {
    "dataset": "credit",
    "version": "a" * 64,
    "execution": "arn:aws:states:us-east-1:123456789012:execution:lockgate-train-dev:run-1",
    "trainingJob": "lg-train-credit-aaaa",
    "transformJob": "lg-transform-credit-aaaa",
    "testData": "s3://data/datasets/credit/a/test-records.csv",
    "predictions": "s3://artifacts/predictions/credit/a/test.csv.out",
    "testLabels": "s3://data/datasets/credit/a/test-labels.csv",
    "evaluation": "s3://artifacts/evaluation/credit/a/evaluation.json",
    "evaluationReport": "s3://artifacts/evaluation/credit/a/report.html",
    "biasPre": "s3://artifacts/bias/credit/a/pre-training/analysis.json",
    "biasPost": "s3://artifacts/bias/credit/a/post-training/analysis.json",
    "biasPreVerdict": "pass",
    "biasPostVerdict": "warn",
    "autoApproved": "true",
    "approvalStatus": "Approved",
    "approvalReasons": "auto-approved: every gate passed",
    "tuningJob": "lg-tune-credit-aaaa",
    "encoder": "s3://artifacts/models/credit/a/encoder.tar.gz",
}


def _request(**changes: object) -> RegisterModelInput:
    payload = json.loads(EVENT.read_text())
    payload["dataset"] = "credit"
    request = RegisterModelInput.model_validate(payload)
    return request.model_copy(update=changes)


def test_a_package_registered_before_reads_and_writes_back_unchanged() -> None:
    metadata = PackageMetadata.from_properties(WRITTEN_BEFORE)
    assert metadata.dataset_version == "a" * 64  # the content hash, key "version"
    assert (metadata.test_data, metadata.auto_approved) == (WRITTEN_BEFORE["testData"], True)
    assert metadata.tuning_job == "lg-tune-credit-aaaa" and metadata.bias_post_verdict == "warn"
    assert metadata.to_properties() == WRITTEN_BEFORE


def test_the_registry_writes_the_same_keys_as_before() -> None:
    request = _request()
    properties = create_request(request, "g", "image:1", status="Approved", reasons="ok")[
        "CustomerMetadataProperties"
    ]
    assert list(properties) == [k for k in WRITTEN_BEFORE if k not in ("tuningJob", "encoder")]
    assert properties["version"] == request.version and properties["autoApproved"] == "true"
    assert PackageMetadata.from_properties(properties).to_properties() == properties
    tuned = _request(model=request.model.model_copy(update={"tuning_job": "t"}), encoder="s3://a/e.tar.gz")
    written = create_request(tuned, "g", "i", status="PendingManualApproval", reasons="")
    assert list(written["CustomerMetadataProperties"]) == list(WRITTEN_BEFORE)
    assert written["CustomerMetadataProperties"]["autoApproved"] == "false"


def test_free_text_is_clipped_and_a_too_long_uri_is_an_error() -> None:
    written = create_request(_request(), "g", "i", status="Rejected", reasons="x" * 1000)
    reasons = written["CustomerMetadataProperties"]["approvalReasons"]
    assert len(reasons) == METADATA_VALUE_MAX and reasons.endswith("…")
    with pytest.raises(ValidationError, match="testData"):
        PackageMetadata.from_properties({"testData": "s3://b/" + "k" * METADATA_VALUE_MAX})


def test_a_note_keeps_every_other_key_including_ones_lockgate_does_not_know() -> None:
    properties = {**WRITTEN_BEFORE, "owner": "risk-team"}
    noted = PackageMetadata.from_properties(properties).with_note("n" * 300).to_properties()
    assert noted == {**properties, "deployNote": "n" * (METADATA_VALUE_MAX - 1) + "…"}


def test_a_package_without_metadata_reads_as_empty_and_says_what_is_missing() -> None:
    metadata = PackageMetadata.from_properties({"dataset": "credit"})
    assert metadata.missing("test_data", "predictions") == ["testData", "predictions"]
    assert not metadata.auto_approved and metadata.to_properties() == {"dataset": "credit"}


def test_a_query_names_the_keys_a_search_matches() -> None:
    assert PackageMetadata.query(dataset_version="v", training_job="t") == {
        "version": "v",
        "trainingJob": "t",
    }


# --------------------------------------------------- nobody else reads a key by string

KEYS = {(info.alias or name) for name, info in PackageMetadata.model_fields.items()}
SOURCES = [
    path
    for root in (REPO / "src" / "lockgate", REPO / "functions")
    for path in sorted(root.rglob("*.py"))
    if path.name != "package.py" or path.parent.name != "messages"
]


def _key_reads(tree: ast.AST, text: str) -> list[str]:
    """`<...metadata...>["key"]` and `<...metadata...>.get("key", ...)` with a metadata key."""
    found = []
    for node in ast.walk(tree):
        target, key = None, None
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            target, key = node.value, node.slice.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            target, key = node.func.value, node.args[0].value
        if target is not None and key in KEYS:
            where = (ast.get_source_segment(text, target) or "").lower()
            if "metadata" in where or where in ("meta", "intended"):
                found.append(f"line {node.lineno}: {ast.get_source_segment(text, node)}")
    return found


def test_the_checker_finds_a_read_by_key() -> None:
    text = 'a = package.metadata["testData"]\nb = meta.get("biasPreVerdict", "-")\nc = row["testData"]\n'
    assert _key_reads(ast.parse(text), text) == [
        'line 1: package.metadata["testData"]',
        'line 2: meta.get("biasPreVerdict", "-")',
    ]


def test_no_module_reads_a_metadata_key_by_string() -> None:
    reads = {}
    for path in SOURCES:
        text = path.read_text()
        if found := _key_reads(ast.parse(text), text):
            reads[str(path.relative_to(REPO))] = found
    assert reads == {}, "read them with PackageMetadata.from_properties"
