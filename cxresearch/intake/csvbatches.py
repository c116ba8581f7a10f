"""A CSV export read in blocks of records (the streamed ingest of large files): the same
encoding, delimiter, Qualtrics and blank-line handling as :func:`~cxresearch.intake.readers.
read_export`, with spreadsheet row numbers, and :class:`~cxresearch.intake.readers.
NotStreamable` for what a block cannot decide alone.

Split from :mod:`cxresearch.intake.readers` (which reads a whole file).

Examples
--------
>>> from cxresearch.intake.csvbatches import iter_csv_batches
>>> # for raw, first_row in iter_csv_batches("export.csv"): ...   # doctest: +SKIP
>>> # In R: readr::read_csv_chunked("export.csv", callback)
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from pathlib import Path

import numpy as np
import pyarrow as pa

from cxresearch.intake.encodings import SAMPLE_BYTES
from cxresearch.intake.encodings import detect_encoding as _detect_encoding
from cxresearch.intake.encodings import stream_codec as _stream_codec
from cxresearch.intake.readers import (
    NotStreamable,
    RawTable,
    _drop_blank_lines,
    _qualtrics,
    _refuse_nul,
    _sniff_delimiter,
    _sniff_format,
    _text_sample,
)

__all__ = ["iter_csv_batches"]


def _first_records_together(reader, pending: list, n: int):
    """The reader's batches, the first ones joined until they hold ``n`` records (the header
    and the Qualtrics question-text and import-id rows are judged together)."""
    for batch in reader:
        if pending is not None:
            pending.append(batch)
            if sum(b.num_rows for b in pending) < n:
                continue
            batch = pa.Table.from_batches(pending)
            pending = None
        yield batch
    if pending:
        yield pa.Table.from_batches(pending)


def iter_csv_batches(path: str | os.PathLike, *, encoding: str | None = None,
                     block_size: int = 16 << 20):
    """Read a CSV export batch by batch: yields :class:`RawTable` s of about ``block_size``
    bytes each, with the same headers, row numbers, Qualtrics handling, blank-line skipping
    and NUL refusal as :func:`read_export` (the first batch carries the header rows; memory
    stays about one batch, whatever the number of rows).

    Raises :class:`NotStreamable` (before or during the batches) where the whole-file reader
    must decide; the caller then discards what it did and calls :func:`read_export`.

    Examples
    --------
    >>> for raw in iter_csv_batches("big.csv"):        # doctest: +SKIP
    ...     print(raw.rows[0], raw.n)
    >>> # In R: readr::read_csv_chunked(f, callback, chunk_size = 100000)
    """
    import pyarrow.csv as pacsv

    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    if _sniff_format(path, head) != "csv":
        raise NotStreamable("not a CSV")
    enc, enc_reason, bom = _detect_encoding(path, head, encoding, False)
    text_head, first_len = _text_sample(path, enc, bom)
    if not text_head.strip():
        raise NotStreamable("empty")
    delim, delim_reason = _sniff_delimiter(text_head)
    try:
        header = next(csv.reader(io.StringIO(text_head), delimiter=delim))
    except csv.Error as exc:
        raise NotStreamable(str(exc)) from None
    k = len(header)

    def handler(row):
        return "error"   # the whole-file reader locates such records and numbers the rest

    # one thread: the threaded reader decodes several blocks ahead (memory, not speed, is
    # what the batches are for)
    read_opts = pacsv.ReadOptions(autogenerate_column_names=True, use_threads=False,
                                  block_size=max(block_size, 8 * first_len),
                                  encoding=_stream_codec(enc, bom, arrow=True))
    parse_opts = pacsv.ParseOptions(delimiter=delim, newlines_in_values=True,
                                    ignore_empty_lines=False, invalid_row_handler=handler)
    conv_opts = pacsv.ConvertOptions(column_types={f"f{i}": pa.string() for i in range(k)},
                                     strings_can_be_null=False, quoted_strings_can_be_null=False)
    info = {"format": "csv", "encoding": enc, "encoding_reason": enc_reason,
            "delimiter": delim, "delimiter_reason": delim_reason, "header_rows": 1,
            "read": "in batches"}
    headers: list[str] | None = None
    labels: dict[str, str] = {}
    seen = 0   # records so far, the header record included
    try:
        # a Python file object: given a path, Arrow reads far ahead (most of the file)
        fh = open(path, "rb")   # noqa: SIM115 - closed in the finally below
        reader = pacsv.open_csv(fh, read_opts, parse_opts, conv_opts)
        pending: list = []   # the first records, until the Qualtrics header rows are in
        for batch in _first_records_together(reader, pending, 3):
            if batch.num_columns != k:
                raise NotStreamable("the number of columns changed")
            cols = [batch.column(i) for i in range(k)]
            rows = np.arange(seen + 1, seen + batch.num_rows + 1, dtype=np.int64)
            seen += batch.num_rows
            if headers is None:
                if not batch.num_rows:
                    continue
                headers = [str(c[0].as_py()) for c in cols]
                if len(set(headers)) != len(headers) or any("\x00" in h for h in headers):
                    raise NotStreamable("duplicate or damaged headers")
                cols, rows = [c.slice(1) for c in cols], rows[1:]
                raw = RawTable(headers=list(headers), columns=cols, rows=rows, info=dict(info))
                _qualtrics(raw)
                info, labels = raw.info, raw.variable_labels
            else:
                raw = RawTable(headers=list(headers), columns=cols, rows=rows, info=dict(info),
                               variable_labels=labels)
            raw.info.pop("blank_rows_skipped", None)
            raw.info["row_numbers"] = (
                "1-based rows as a spreadsheet shows them: the header is row 1"
                + (f" (rows 2-{info['header_rows']} are Qualtrics header rows)"
                   if info["header_rows"] > 1 else "")
                + f", respondents start on row {info['header_rows'] + 1}")
            _drop_blank_lines(raw)
            _refuse_nul(path, raw)
            yield raw
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise NotStreamable(str(exc)) from None
    finally:
        with contextlib.suppress(NameError, OSError):
            fh.close()
    if headers is None:
        raise NotStreamable("no records")
