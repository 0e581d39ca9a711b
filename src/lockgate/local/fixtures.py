"""Objects the demo and the events/ files expect in a fresh local cloud."""

from __future__ import annotations

import io
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from lockgate.layout import CONTRACTS
from lockgate.local import moto_patches

if TYPE_CHECKING:
    from lockgate.local.cloud import LocalCloud

REPO_ROOT = Path(__file__).resolve().parents[3]
CONTRACTS_DIR = REPO_ROOT / "contracts"
SAMPLE_DATASET = "credit"
SAMPLE_KEY = "raw/credit/credit-sample.csv"
BROKEN_KEY = "raw/credit/broken-sample.csv"
SAMPLE_VERSION_PREFIX = "datasets/credit/sample/parquet/"
SAMPLE_PREDICTIONS_KEY = "predictions/credit/sample/test-scores.csv"
SAMPLE_LABELS_KEY = "predictions/credit/sample/test-labels.csv"  # the evaluate event's labels
SAMPLE_XGBOOST_PREFIX = "datasets/credit/sample/xgboost/"  # the plan_training event's splits
PART_KEYS = ("raw/credit/batch-1/part-00000.csv", "raw/credit/batch-1/part-00001.csv")
SAMPLE_BATCH_PREFIX = "models/credit/batch/lg-batch-sample/"  # the finish_batch event's job files
SAMPLE_ROWS = 1000
SAMPLE_SEED = 7
# The stack outputs seed_fixtures reads: a lean cloud (`lockgate invoke`) deploys what they name.
FIXTURE_OUTPUTS = frozenset({"DataBucketName"})


def sample_csv(rows: int = SAMPLE_ROWS, seed: int = SAMPLE_SEED) -> bytes:
    """The generated demo dataset as CSV bytes (deterministic)."""
    import pyarrow.csv as pacsv

    from lockgate.sample_data import generate_credit

    buffer = io.BytesIO()
    pacsv.write_csv(generate_credit(rows, seed), buffer)
    return buffer.getvalue()


def sample_parts(parts: int, rows: int = SAMPLE_ROWS, seed: int = SAMPLE_SEED) -> list[bytes]:
    """The demo dataset cut into `parts` CSV files, each with its header (a multipart batch)."""
    import pyarrow.csv as pacsv

    from lockgate.sample_data import generate_credit

    table, bodies = generate_credit(rows, seed), []
    bounds = [round(i * rows / parts) for i in range(parts + 1)]
    for start, stop in pairwise(bounds):
        buffer = io.BytesIO()
        pacsv.write_csv(table.slice(start, stop - start), buffer)
        bodies.append(buffer.getvalue())
    return bodies


def broken_csv(rows: int = SAMPLE_ROWS, seed: int = SAMPLE_SEED) -> bytes:
    """The demo dataset with 12 unknown label values and 3 impossible ages: fails its contract."""
    text = sample_csv(rows, seed).decode()
    text = text.replace(',"good"\n', ',"unknown"\n', 12)
    lines = text.splitlines(keepends=True)
    for row in (5, 50, 500):
        fields = lines[row].split(",")
        fields[1] = "-4"
        lines[row] = ",".join(fields)
    return "".join(lines).encode()


def sample_version() -> dict[str, bytes]:
    """A dataset version's split files and test-split scores: {key: bytes} (bias-check events).

    The scores come from a fixed formula of the label and the features (a stand-in model): the
    events/ files need predictions without a training job."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from lockgate.data.contract import load_contract
    from lockgate.data.splitting import split_table
    from lockgate.sample_data import generate_credit

    contract = load_contract(CONTRACTS_DIR / "credit.yaml")
    splits = split_table(generate_credit(SAMPLE_ROWS * 4, SAMPLE_SEED), contract)
    files = {
        f"{SAMPLE_VERSION_PREFIX}{name}/part-00000.parquet": body["parquet"] for name, body in splits.items()
    }
    table = pq.read_table(pa.BufferReader(splits["test"]["parquet"]))
    good = np.asarray(table.column("credit_risk").to_pylist()) == "good"
    amount = np.asarray(table.column("credit_amount").to_numpy(zero_copy_only=False), dtype=float)
    scores = np.clip(0.25 + 0.5 * good + 0.2 * (amount < np.median(amount)) - 0.1, 0.0, 1.0)
    files[SAMPLE_PREDICTIONS_KEY] = "".join(f"{score:.4f}\n" for score in scores).encode()
    files[SAMPLE_LABELS_KEY] = "".join(f"{int(g)}\n" for g in good).encode()
    for name, body in splits.items():
        files[f"{SAMPLE_XGBOOST_PREFIX}{name}/part-00000.parquet"] = body["xgboost"]
    return files


def sample_batch_job() -> dict[str, bytes]:
    """A batch-predict job after its transform (the finish_batch event): two of three rows scored,
    their keys, the third row's problem and the transform's answer: {artifact bucket key: bytes}."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(pa.table({"applicant_id": pa.array([7, 9], pa.int64())}), sink)
    return {
        f"{SAMPLE_BATCH_PREFIX}keys.parquet": sink.getvalue(),
        f"{SAMPLE_BATCH_PREFIX}problems.json": json.dumps(
            ["row 2: column 'credit_amount': 'lots' is not a number"]
        ).encode(),
        f"{SAMPLE_BATCH_PREFIX}output/records.csv.out": b"0.25\n0.75\n",
    }


def upload_contracts(cloud: LocalCloud) -> None:
    """Put every contracts/*.yaml into the data bucket under contracts/ (where functions read them)."""
    s3, bucket = cloud.client("s3"), data_bucket(cloud)
    for path in sorted(CONTRACTS_DIR.glob("*.yaml")):
        s3.put_object(Bucket=bucket, Key=f"{CONTRACTS}{path.name}", Body=path.read_bytes())


def seed_fixtures(cloud: LocalCloud) -> None:
    """Contracts plus the sample dataset, without starting any pipeline."""
    s3, bucket = cloud.client("s3"), data_bucket(cloud)
    with moto_patches.events_paused():
        upload_contracts(cloud)
        s3.put_object(Bucket=bucket, Key=SAMPLE_KEY, Body=sample_csv())
        s3.put_object(Bucket=bucket, Key=BROKEN_KEY, Body=broken_csv())
        for key, body in zip(PART_KEYS, sample_parts(len(PART_KEYS)), strict=True):
            s3.put_object(Bucket=bucket, Key=key, Body=body)
        for key, body in sample_version().items():
            s3.put_object(Bucket=bucket, Key=key, Body=body)
        artifacts = cloud.stack.outputs["ArtifactBucketName"] if cloud.stack else ""
        for key, body in sample_batch_job().items():
            s3.put_object(Bucket=artifacts, Key=key, Body=body)


def data_bucket(cloud: LocalCloud) -> str:
    """The deployed data bucket's name (one of FIXTURE_OUTPUTS)."""
    assert cloud.stack is not None
    return cloud.stack.outputs["DataBucketName"]
