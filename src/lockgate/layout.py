"""The S3 key layout, in one place: every key Lockgate builds in its buckets comes from here, and
tests/unit/test_layout.py checks template.yaml's prefixes (the raw/ rule, lifecycle rules) against it.
Resource and execution names, and splitting an s3:// URI, are lockgate.names'.

Data bucket:
  raw/<dataset>/<file>                                      uploads; the EventBridge rule's prefix
  raw/<dataset>/<batch>/part-* then <batch>/_SUCCESS        a multipart upload
  contracts/<dataset>.yaml|.yml|.json                       the dataset contract
  quarantine/<dataset>/<path>(.report.json|.report.txt)     rejected data, its report beside it
  datasets/<dataset>/<version>/manifest.json                one content-addressed version
  datasets/<dataset>/<version>/<kind>/<split>/part-*.parquet its splits (kind: parquet = the
                                                            dataset's columns; xgboost = label
                                                            first, numeric, for training)
  datasets/_staging/<dataset>/<execution>/...               parts of a multipart dataset before
                                                            reduce (expired by a lifecycle rule)
Artifact bucket:
  reports/<dataset>/<version>/bias/<stage>/...              bias reports (analysis.json, ...)
"""

from __future__ import annotations

RAW = "raw/"
CONTRACTS = "contracts/"
QUARANTINE = "quarantine/"
DATASETS = "datasets/"
STAGING = f"{DATASETS}_staging/"
REPORTS = "reports/"

# Every top-level prefix Lockgate writes or reads (the template's rules may name only these).
PREFIXES = (RAW, CONTRACTS, QUARANTINE, DATASETS, STAGING, REPORTS)

CONTRACT_SUFFIXES = (".yaml", ".yml", ".json")
MANIFEST = "manifest.json"
VALIDATION_REPORT = "validation-report.json"
SPLITS = ("train", "validation", "test")
KINDS = ("parquet", "xgboost")  # the two files of each split (and their folders in a version)


def s3_uri(bucket: str, key: str) -> str:
    """s3://bucket/key (lockgate.names.split_uri splits it again)."""
    return f"s3://{bucket}/{key}"


def split_locations(bucket: str, prefix: str) -> dict[str, dict[str, str]]:
    """{split: {"parquet": s3 prefix, "xgboost": s3 prefix}} for a version folder."""
    return {split: {kind: s3_uri(bucket, f"{prefix}{kind}/{split}/") for kind in KINDS} for split in SPLITS}


def raw_prefix(dataset: str) -> str:
    """Where a dataset's uploads land."""
    return f"{RAW}{dataset}/"


def relative_to_raw(key: str, dataset: str) -> str:
    """A raw key's path below raw/<dataset>/ (kept as it is in quarantine)."""
    return key.removeprefix(raw_prefix(dataset))


def contract_key(dataset: str, suffix: str = ".yaml") -> str:
    """The dataset contract's key."""
    return f"{CONTRACTS}{dataset}{suffix}"


def quarantine_prefix(dataset: str) -> str:
    """Where a dataset's rejected data and reports go."""
    return f"{QUARANTINE}{dataset}/"


def quarantined_key(key: str, dataset: str) -> str:
    """Where a rejected raw object is copied."""
    return quarantine_prefix(dataset) + relative_to_raw(key, dataset)


def version_prefix(dataset: str, version: str) -> str:
    """Where one dataset version lives."""
    return f"{DATASETS}{dataset}/{version}/"


def manifest_key(dataset: str, version: str) -> str:
    """The manifest of a version (written last: its existence marks a complete version)."""
    return version_prefix(dataset, version) + MANIFEST


def staging_prefix(dataset: str, execution: str) -> str:
    """Where a multipart ingest keeps its parts' results until reduce."""
    return f"{STAGING}{dataset}/{execution}/"


def report_prefix(dataset: str, version: str, run: str = "") -> str:
    """Where a version's reports go (artifact bucket); a deliberate retrain's under its run name."""
    return f"{REPORTS}{dataset}/{version}/" + (f"{run}/" if run else "")


def bias_report_prefix(dataset: str, version: str, stage: str, run: str = "") -> str:
    """Where a bias check of one stage writes its reports (artifact bucket)."""
    return f"{report_prefix(dataset, version, run)}bias/{stage}/"


def evaluation_report_prefix(dataset: str, version: str, run: str = "") -> str:
    """Where the evaluation writes evaluation.json and report.html (artifact bucket)."""
    return f"{report_prefix(dataset, version, run)}evaluation/"
