"""Objects the demo and the events/ files expect in a fresh local cloud."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from lockgate.local import moto_patches

if TYPE_CHECKING:
    from lockgate.local.cloud import LocalCloud

REPO_ROOT = Path(__file__).resolve().parents[3]
CONTRACTS_DIR = REPO_ROOT / "contracts"
SAMPLE_DATASET = "credit"
SAMPLE_KEY = "raw/credit/credit-sample.csv"
SAMPLE_ROWS = 1000
SAMPLE_SEED = 7


def sample_csv(rows: int = SAMPLE_ROWS, seed: int = SAMPLE_SEED) -> bytes:
    """The generated demo dataset as CSV bytes (deterministic)."""
    import pyarrow.csv as pacsv

    from lockgate.sample_data import generate_credit

    buffer = io.BytesIO()
    pacsv.write_csv(generate_credit(rows, seed), buffer)
    return buffer.getvalue()


def upload_contracts(cloud: LocalCloud) -> None:
    """Put every contracts/*.yaml into the data bucket under contracts/ (where functions read them)."""
    s3, bucket = cloud.client("s3"), data_bucket(cloud)
    for path in sorted(CONTRACTS_DIR.glob("*.yaml")):
        s3.put_object(Bucket=bucket, Key=f"contracts/{path.name}", Body=path.read_bytes())


def seed_fixtures(cloud: LocalCloud) -> None:
    """Contracts plus the sample dataset, without starting any pipeline."""
    with moto_patches.events_paused():
        upload_contracts(cloud)
        cloud.client("s3").put_object(Bucket=data_bucket(cloud), Key=SAMPLE_KEY, Body=sample_csv())


def data_bucket(cloud: LocalCloud) -> str:
    """The deployed data bucket's name."""
    assert cloud.stack is not None
    return cloud.stack.outputs["DataBucketName"]
