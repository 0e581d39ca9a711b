"""Capture of a raw-record endpoint is measured on the model's features, encoded as training did."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from lockgate.data.contract import load_contract
from lockgate.monitoring.capture import read_capture
from lockgate.monitoring.raw_capture import encode_capture
from lockgate.serving.artifact import spec
from lockgate.serving.encoder import Encoder

CONTRACT = load_contract(Path(__file__).parents[3] / "contracts" / "credit.yaml")
ROW = "7,30,male,yes,car,1000.5,12,none,3"


def _record(data: str, kind: str, output: str, output_kind: str = "text/csv") -> bytes:
    capture = {
        "endpointInput": {"observedContentType": kind, "mode": "INPUT", "data": data, "encoding": "CSV"},
        "endpointOutput": {
            "observedContentType": output_kind,
            "mode": "OUTPUT",
            "data": output,
            "encoding": "CSV",
        },
    }
    return json.dumps(
        {"captureData": capture, "eventMetadata": {"eventId": "e1"}, "eventVersion": "0"}
    ).encode()


def test_raw_csv_and_json_requests_become_the_models_feature_rows() -> None:
    width = Encoder(spec(CONTRACT, dataset="credit", version="v")).width
    instance = dict(
        zip(
            [
                "applicant_id",
                "age",
                "sex",
                "foreign_worker",
                "purpose",
                "credit_amount",
                "duration_months",
                "savings",
                "employment_years",
            ],
            ROW.split(","),
            strict=True,
        )
    )
    blobs = [
        _record(ROW + "\n" + ROW + "\n", "text/csv", "0.25\n0.25\n"),
        _record(
            json.dumps({"instances": [instance]}),
            "application/json",
            '{"predictions": [{"score": 0.5}]}',
            "application/json",
        ),
        _record("7,30,male,yes,car,lots,12,none,3\n", "text/csv", ""),  # refused by the encoder: dropped
    ]
    encoded, dropped = encode_capture(blobs, CONTRACT, "credit", "v")
    assert dropped == 1
    captured = read_capture(encoded, width)
    assert captured.rows == 3 and captured.scores.tolist() == [0.25, 0.25, 0.5]
    expected = Encoder(spec(CONTRACT, dataset="credit", version="v")).encode_body(ROW.encode(), "text/csv")[0]
    np.testing.assert_array_equal(captured.features, np.vstack([expected] * 3))


def test_numeric_capture_of_older_endpoints_is_kept_as_it_is() -> None:
    width = Encoder(spec(CONTRACT, dataset="credit", version="v")).width
    numeric = ",".join(["1"] * width)
    blob = _record(numeric, "text/csv", "0.5")
    encoded, dropped = encode_capture([blob], CONTRACT, "credit", "v")
    assert dropped == 0 and json.loads(encoded[0])["captureData"]["endpointInput"]["data"] == numeric
