"""The twin reads training channels and transform input as the built-in XGBoost container does
(sagemaker-xgboost-container data_utils / serve_utils)."""

from __future__ import annotations

import io

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lockgate.local.sagemaker.algorithm import CSV, PARQUET, AlgorithmError, read_table
from lockgate.local.sagemaker.worker import ClientError, TransformSpec, transform


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def test_parquet_channel_label_is_the_first_column_whatever_the_names() -> None:
    table = pa.table(
        {
            "zz_first": pa.array([1, 0, 1], pa.int8()),
            "label": pa.array([5.5, None, 7.0]),
            "flag": pa.array([True, False, True]),
        }
    )
    matrix = read_table(_parquet(table), PARQUET)
    assert matrix.dtype == np.float32
    assert matrix[:, 0].tolist() == [1.0, 0.0, 1.0]  # by position, not by the name "label"
    assert matrix[0, 1] == 5.5 and np.isnan(matrix[1, 1])  # a null is XGBoost's missing value
    assert matrix[:, 2].tolist() == [1.0, 0.0, 1.0]


def test_parquet_channel_with_a_string_column_fails_the_job() -> None:
    table = pa.table({"label": pa.array([1, 0]), "city": pa.array(["a", "b"])})
    with pytest.raises(AlgorithmError, match=r"Failed to load parquet data.*column 1 \('city'\)"):
        read_table(_parquet(table), f"{PARQUET}; charset=binary")


def test_csv_channel_is_headerless_label_first() -> None:
    matrix = read_table(b"1,2.5,\n0,,3\n", CSV)
    assert matrix[:, 0].tolist() == [1.0, 0.0]
    assert np.isnan(matrix[0, 2]) and np.isnan(matrix[1, 1])


def test_transform_rejects_parquet_input_as_the_inference_container_does() -> None:
    spec = TransformSpec(
        "http://127.0.0.1:1", "us-east-1", "s3://b/m/model.tar.gz", "s3://b/test/", "s3://b/out", PARQUET
    )
    with pytest.raises(ClientError, match="application/x-parquet is not supported"):
        transform(spec)


def test_parquet_channel_reads_in_the_worker_without_pandas(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The warm worker blocks pandas (worker.UNUSED); pyarrow.dataset's import needs it, so the
    reader must not go through pq.read_table."""
    import subprocess
    import sys

    path = tmp_path / "part.parquet"
    path.write_bytes(_parquet(pa.table({"label": pa.array([1, 0], pa.int8()), "x": [0.5, None]})))
    code = (
        "import sys\n"
        "from lockgate.local.sagemaker.worker import UNUSED\n"
        "for name in UNUSED: sys.modules.setdefault(name, None)\n"
        "from lockgate.local.sagemaker.algorithm import PARQUET, read_table\n"
        f"print(read_table(open({str(path)!r}, 'rb').read(), PARQUET).shape)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-800:]
    assert done.stdout.strip() == "(2, 2)"
