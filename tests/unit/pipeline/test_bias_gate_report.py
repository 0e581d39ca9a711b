"""Issue 10 item 10 at the bias gate: its report.html names the dataset, version, stage and source."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.csv


def _text(html: str) -> str:
    html = re.sub(r"<title>.*?</title>", "", html)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_bias_gate_heads_its_report_with_the_dataset_version_and_source(store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from lockgate.pipeline.bias_gate import BiasGate
    from lockgate.pipeline.data_gate import DataGate, ObjectRef
    from lockgate.sample_data import generate_credit

    contract = Path(__file__).resolve().parents[3] / "contracts" / "credit.yaml"
    store.put("data", "contracts/credit.yaml", contract.read_bytes())
    buffer = io.BytesIO()
    pa.csv.write_csv(generate_credit(2000, seed=3), buffer)
    store.put("data", "raw/credit/a.csv", buffer.getvalue())
    version = DataGate(store, workdir=tmp_path).check_object(ObjectRef("data", "raw/credit/a.csv"), "credit")
    data = version.splits["train"].parquet
    _, summary = BiasGate(store, "art").check("data", "credit", version.dataset_version, data)
    text = _text(store.read("art", summary.report.removeprefix("s3://art/")).decode())
    assert all(shown in text for shown in ("credit", version.dataset_version, "pre-training", data)), text[
        :800
    ]
