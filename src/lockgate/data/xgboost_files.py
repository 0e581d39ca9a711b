"""Reading the xgboost/ split files back (the writer is lockgate.data.splitting): pyarrow and its
Parquet reader only, so a handler that reads them (the training plan, the monitor's baseline) loads
neither pyarrow.compute nor the splitter; numpy only where a matrix is asked for."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    import numpy as np

XGBOOST_CONTENT_TYPE = "application/x-parquet"  # the xgboost/ splits: the training channels' type
XGBOOST_SUFFIX = ".parquet"


def read_xgboost(body: bytes, key: str) -> pa.Table:
    """One xgboost/ split file: Parquet, or the headerless CSV of versions written before the
    Parquet layout (`.csv` keys); columns stay in file order, label first."""
    if key.endswith(".csv"):
        import pyarrow.csv as pacsv

        options = pacsv.ReadOptions(autogenerate_column_names=True)
        return pacsv.read_csv(pa.BufferReader(body), read_options=options)
    return pq.read_table(pa.BufferReader(body))


def xgboost_matrix(table: pa.Table) -> np.ndarray:
    """An xgboost/ table as float64 (label in column 0, a null is NaN)."""
    import numpy as np  # the monitor's path; the training plan's never builds a matrix

    if table.num_rows == 0:
        return np.empty((0, table.num_columns))
    return np.column_stack(
        [np.asarray(c.cast(pa.float64()).to_numpy(zero_copy_only=False)) for c in table.columns]
    )


def xgboost_csv(table: pa.Table, *, label: bool) -> bytes:
    """Headerless CSV of an xgboost/ table as the built-in XGBoost reads `text/csv` (a null is an
    empty field): with the label first, or (label=False) the features only, as inference wants."""
    import pyarrow.csv as pacsv  # only the training plan writes CSV

    data = table if label else table.drop_columns([table.column_names[0]])
    sink = io.BytesIO()
    if data.num_rows:
        pacsv.write_csv(data, sink, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    return sink.getvalue()
