"""Batch-wise reading of a large Parquet export: the same :class:`RawTable` s as the whole-file
reader gives, a record batch at a time (``pyarrow.parquet.ParquetFile.iter_batches``), so that
ingest holds one batch of rows in memory, not the file.

The text of every value is what :func:`cxresearch.intake.readers.read_export` gives for the
whole file (dictionary columns decoded, booleans as ``true``/``false`` text, integral floats
without ``.0``, NaN as missing), and so are the row numbers (case ``k`` is row ``k + 1``), the
blank-row skipping and the NUL refusal; ``tests/intake/test_parquet_batches.py`` ingests files
both ways and compares the waves, manifests and problems.

Memory: one record batch (:data:`PARQUET_BATCH_ROWS` rows) and the row group it comes from, as
the file was written (pyarrow's default row group is 1Mi rows; a file written as one huge row
group is read a row group at a time all the same).

Examples
--------
>>> for raw in iter_parquet_batches("export.parquet"):     # doctest: +SKIP
...     print(raw.rows[0], raw.n)
>>> # In R: arrow::open_dataset("export.parquet") |> arrow::map_batches(f)
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxresearch.intake.readers import (
    NotStreamable,
    RawTable,
    _drop_blank_lines,
    _num_text,
    _refuse_nul,
)

__all__ = ["PARQUET_BATCH_ROWS", "data_bytes", "iter_parquet_batches", "parquet_text"]

#: rows per record batch read from a Parquet export
PARQUET_BATCH_ROWS = 65_536

_ROW_NUMBERS = "case k of the file is reported as row k + 1 (header = row 1)"


def data_bytes(path: Path) -> int:
    """The size that decides whether an export is read in batches: a Parquet file's
    uncompressed data (its row groups' ``total_byte_size``: a 30 MB file may hold 1.5 GB of
    answers), any other file's size on disk."""
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as fh:
        if fh.read(4) != b"PAR1":
            return size
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
        return max(size, sum(meta.row_group(k).total_byte_size
                             for k in range(meta.num_row_groups)))
    except Exception:  # noqa: BLE001 - the reader reports a damaged file
        return size


def parquet_text(arr) -> pa.Array:
    """One Parquet column as the text the whole-file reader gives (see module docstring)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if pa.types.is_boolean(arr.type):  # not codes 1/0: "true"/"false" text
        arr = pc.cast(arr, pa.string())
    return _num_text(arr)


def iter_parquet_batches(path: str | os.PathLike, *, batch_rows: int | None = None):
    """Read a Parquet export a record batch at a time; yields :class:`RawTable` s.

    Raises :class:`~cxresearch.intake.readers.NotStreamable` (before any batch) when the file
    cannot be opened as Parquet or repeats a column name: the whole-file reader then reports
    it as it always did.
    """
    import pyarrow.parquet as pq

    path = Path(path)
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:   # noqa: BLE001 - the whole-file reader words the error
        raise NotStreamable(f"not a readable Parquet file: {exc}") from None
    headers = [str(c) for c in pf.schema_arrow.names]
    if len(set(headers)) != len(headers):
        raise NotStreamable("duplicate column names")
    seen = 0
    info = {"format": "parquet", "header_rows": 1, "row_numbers": _ROW_NUMBERS,
            "read": "in batches"}
    try:
        for batch in pf.iter_batches(batch_size=batch_rows or PARQUET_BATCH_ROWS,
                                     use_threads=False):
            cols = [parquet_text(batch.column(i)) for i in range(batch.num_columns)]
            rows = np.arange(seen + 2, seen + 2 + batch.num_rows, dtype=np.int64)
            seen += batch.num_rows
            raw = RawTable(headers=list(headers), columns=cols, rows=rows, info=dict(info))
            _drop_blank_lines(raw)
            _refuse_nul(path, raw)
            yield raw
    finally:
        pf.close()
