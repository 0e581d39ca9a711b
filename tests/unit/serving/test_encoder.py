"""The encoder (the script shipped with each model) against the data gate's training matrix, and
its refusals: each names the row and the column."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from lockgate.data.contract import load_contract
from lockgate.data.splitting import split_table
from lockgate.data.xgboost_files import xgboost_matrix
from lockgate.sample_data import generate_credit
from lockgate.serving import artifact
from lockgate.serving.encoder import Encoder, EncoderError, matrix_csv, scores_of
from lockgate.serving.encoder_table import encode_table, read_csv_table

CONTRACT = load_contract(Path(__file__).parents[3] / "contracts" / "credit.yaml")
SPEC = artifact.spec(CONTRACT, dataset="credit", version="v1")
ENC = Encoder(SPEC)
INPUTS = ENC.inputs  # contract order without the label


@pytest.fixture(scope="module")
def split() -> dict[str, dict[str, bytes]]:
    return split_table(generate_credit(3000, seed=5), CONTRACT)


def _csv(table: pa.Table, header: bool) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=header, quoting_style="none"))
    return sink.getvalue()


@pytest.mark.parametrize("header", [False, True])
def test_csv_rows_encode_to_the_training_matrix(split, header) -> None:  # type: ignore[no-untyped-def]
    raw = pq.read_table(pa.BufferReader(split["test"]["parquet"])).select(INPUTS)
    expected = xgboost_matrix(pq.read_table(pa.BufferReader(split["test"]["xgboost"])))[:, 1:]
    got = ENC.encode_body(_csv(raw, header), "text/csv")
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got.astype(np.float32), expected.astype(np.float32))


def test_json_instances_and_reordered_header_encode_the_same(split) -> None:  # type: ignore[no-untyped-def]
    raw = pq.read_table(pa.BufferReader(split["train"]["parquet"])).slice(0, 200)
    expected = xgboost_matrix(pq.read_table(pa.BufferReader(split["train"]["xgboost"])).slice(0, 200))[:, 1:]
    body = json.dumps({"instances": raw.to_pylist()}).encode()  # the label is sent too: ignored
    np.testing.assert_array_equal(ENC.encode_body(body, "application/json"), expected)
    reordered = raw.select(list(reversed(raw.column_names)))
    np.testing.assert_array_equal(ENC.encode_body(_csv(reordered, True), "text/csv"), expected)


def test_the_vectorised_batch_path_equals_the_row_path(split) -> None:  # type: ignore[no-untyped-def]
    raw = pq.read_table(pa.BufferReader(split["train"]["parquet"])).select(INPUTS)
    text = pacsv.read_csv(
        pa.BufferReader(_csv(raw, True)),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in INPUTS}),
    )
    matrix, good, problems = encode_table(ENC, text)
    assert good.all() and not problems
    rows = ENC.encode_body(_csv(raw, False), "text/csv").astype(np.float32)
    np.testing.assert_array_equal(matrix, rows)
    typed, good, problems = encode_table(ENC, read_csv_table(ENC, _csv(raw, True)))
    assert good.all() and not problems
    np.testing.assert_array_equal(typed, rows)


def test_the_batch_path_reports_each_bad_row_and_scores_the_rest() -> None:
    body = (
        b"7,30,male,yes,car,1000.5,12,none,3\n8,31,male,yes,car,lots,12,none,3\n"
        b"9,32,,yes,car,1.5,12,none,3\n10,33,female,no,car,inf,12,none,3\n11,34,alien,no,car,2,12,none,3\n"
    )
    matrix, good, problems = encode_table(ENC, read_csv_table(ENC, body))
    assert good.tolist() == [True, False, False, False, True]
    assert matrix.shape == (2, ENC.width)
    assert sorted(p.split(":")[0] for p in problems) == ["row 2", "row 3", "row 4"]
    assert any("'lots' is not a number" in p for p in problems)
    sex = [i for i, n in enumerate(SPEC["features"]) if n.startswith("sex=")]
    assert matrix[1, sex].tolist() == [0.0, 0.0]  # an unknown category: all zeros


def test_an_unknown_category_is_all_zeros_as_in_training() -> None:
    row = "7,30,other,yes,car,1000.5,12,none,3\n"
    matrix = ENC.encode_body(row.encode(), "text/csv")
    sex = [i for i, n in enumerate(SPEC["features"]) if n.startswith("sex=")]
    assert matrix[0, sex].tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"", "text/csv", "empty"),
        (b"applicant_id,age,sex\n", "text/csv", "header line only"),
        (b"7;30;male;yes;car;1000;12;none;3\n", "text/csv", "row 1 has 1 field(s)"),
        (b'{"rows": []}', "application/json", '"instances"'),
        (
            b"7,30,male,yes,car,abc,12,none,3\n",
            "text/csv",
            "row 1: column 'credit_amount': 'abc' is not a number",
        ),
        (b"7,30,male,yes,car,NaN,12,none,3\n", "text/csv", "'NaN' is not a finite number"),
        (b"7,30,male,yes,car,inf,12,none,3\n", "text/csv", "'inf' is not a finite number"),
        (b"7,30.5,male,yes,car,1,12,none,3\n", "text/csv", "'30.5' is not an integer"),
        (b"7,30,\xff,yes,car,1,12,none,3\n", "text/csv", "not UTF-8"),
        (b"7,30,male,yes,car,1,12,none,3\n", "application/x-parquet", "not supported"),
        (
            b'{"instances": [{"age": 30, "sex": "male", "foreign_worker": "yes", "purpose": "car",'
            b' "credit_amount": 1.0, "duration_months": 2, "savings": "none", "employment_years": 1,'
            b' "colour": "red"}]}',
            "application/json",
            "'colour' are not in the contract",
        ),
        (b'{"instances": [{"age": 30}]}', "application/json", "row 1: column 'sex' is missing"),
        (
            b'{"instances": [{"age": "x", "sex": "male", "foreign_worker": "yes", "purpose": "car",'
            b' "credit_amount": 1.0, "duration_months": 2, "savings": "none", "employment_years": 1}]}',
            "application/json",
            "row 1: column 'age': 'x' is not a number",
        ),
    ],
)
def test_bad_requests_name_the_rule(body: bytes, content_type: str, message: str) -> None:
    with pytest.raises(EncoderError) as caught:
        ENC.encode_body(body, content_type)
    assert message in caught.value.message
    assert caught.value.status_code in (400, 415)


def test_answers_follow_accept() -> None:
    scores = scores_of("0.75\n0.25\n", "text/csv")
    assert ENC.answer(scores, "text/csv") == ("0.75\n0.25\n", "text/csv")
    assert ENC.answer(scores, "text/csv;labels=true")[0] == "0.75,good\n0.25,bad\n"
    body, kind = ENC.answer(scores, "application/json; labels=true")
    assert kind == "application/json"
    assert json.loads(body) == {
        "predictions": [{"score": 0.75, "predicted_label": "good"}, {"score": 0.25, "predicted_label": "bad"}]
    }
    assert json.loads(ENC.answer(scores, "application/json")[0]) == {
        "predictions": [{"score": 0.75}, {"score": 0.25}]
    }
    with pytest.raises(EncoderError):
        ENC.answer(scores, "image/png")


def test_matrix_csv_round_trips_and_marks_missing() -> None:
    matrix = np.array([[1.0, np.nan, 1234.5678]])
    assert matrix_csv(matrix) == "1.0,,1234.5678\n"


def test_the_artifact_ships_the_module_bytes_deterministically() -> None:
    first, second = artifact.tarball(SPEC), artifact.tarball(SPEC)
    assert first == second
    spec, script = artifact.read_tarball(first)
    assert spec == json.loads(json.dumps(SPEC))
    assert script == artifact.script_source()


def test_the_artifact_names_are_the_shipped_scripts() -> None:
    """artifact.py repeats two names of the self-contained script (so registering loads no numpy)."""
    from lockgate.serving import artifact, encoder

    assert (artifact.SPEC_FILE, artifact.STAGE_ENV) == (encoder.SPEC_FILE, encoder.STAGE_ENV)


def test_the_artifact_ships_the_vectorised_path_and_the_twin_runs_that_copy() -> None:
    """The offline batch transform encodes with the artifact's own `lockgate_encoder_table.py`,
    judging rows by the artifact's own script (its rules, its EncoderError)."""
    from lockgate.local.sagemaker.pipeline import load_script
    from lockgate.serving import encoder_table

    script = load_script(artifact.tarball(SPEC), None, artifact.SCRIPT, "encode")
    table = script.sibling(artifact.TABLE_SCRIPT)
    assert table is not None and table is not encoder_table and table.__file__ != encoder_table.__file__
    assert Path(table.__file__).read_bytes() == artifact.table_script_source()
    assert script.sibling("missing.py") is None
    shipped = script.model.encoder
    body = b"7,30,male,yes,car,1000.5,12,none,3\n8,31,male,yes,car,lots,12,none,3\n"
    matrix, good, problems = table.encode_table(shipped, table.read_csv_table(shipped, body))
    want = encode_table(ENC, read_csv_table(ENC, body))
    np.testing.assert_array_equal(matrix, want[0])
    assert good.tolist() == want[1].tolist() == [True, False] and problems == want[2]
    with pytest.raises(script.module.EncoderError):
        table.encode_table(shipped, table.read_csv_table(shipped, b"nope\n1\n"))
