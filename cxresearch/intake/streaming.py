"""Batch-wise ingest of a large CSV export: memory independent of the number of rows.

:func:`cxresearch.intake.ingestion.ingest` sends a CSV of at least
:data:`STREAM_MIN_BYTES` here. The file is read in blocks
(:func:`cxresearch.intake.readers.iter_csv_batches`); each block is validated exactly as the
whole file would be (the same column mapping, conversions, problems with their spreadsheet row
numbers, PII scan and quarantine) and its kept rows are appended to ``responses.parquet`` in a
private hidden folder beside the wave; only when every block passed is the wave written (moved
into place by :func:`cxresearch.waves.storage.write_wave`, atomically). The returned wave reads
its answers from that file when they are first used.

What a block cannot decide alone goes back to the whole-file reader, before anything is
written (:class:`~cxresearch.intake.readers.NotStreamable`): a record with the wrong number of
fields (its row number needs the whole file), invalid UTF-8 after the sampled start, a record
longer than a block, and a respondent id repeated in two blocks. The answers, the manifest
(apart from ``reading.read = "in batches"``) and the problems are those of the whole-file
ingest; a test compares both on the same files.

Peak memory is about one block of text (4 MiB) and its converted rows plus 8 bytes per
respondent id (a 64-bit hash, to find an id repeated across blocks);
``benchmarks/bench_ingest.py --rows 1000000 5000000`` measures it.
"""

from __future__ import annotations

import shutil
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from cxresearch.errors import IngestError, UnknownColumnsWarning, printable
from cxresearch.intake.answers import RowProblems
from cxresearch.intake.labels import check_file_labels
from cxresearch.intake.privacy import redact
from cxresearch.intake.readers import NotStreamable, iter_csv_batches
from cxresearch.intake.validation import (
    _assemble,
    _convert,
    _manifest,
    _map_columns,
    _quarantine,
    _suspect_pii,
    _warn_pii,
)
from cxresearch.waves.storage import StreamedWave, sha256_file, stream_folder, write_wave

__all__ = ["BLOCK_BYTES", "MAX_PROBLEMS", "STREAM_MIN_BYTES", "ingest_streamed"]

#: CSV exports at least this large are ingested batch by batch; smaller ones are read whole
STREAM_MIN_BYTES = 32 << 20
#: bytes of CSV text per block
BLOCK_BYTES = 4 << 20
#: row-level problems kept in detail (the rest are counted)
MAX_PROBLEMS = 5000


def ingest_streamed(inst, path: Path, wave: str, *, on_error: str, replace: bool, root,
                    synthetic, encoding, trust_file_labels: bool) -> StreamedWave:
    """Validate and write one wave from a large CSV, block by block (module docstring).

    Raises
    ------
    NotStreamable
        Nothing was written; read the file whole instead.
    IngestError
        Every problem, as the whole-file ingest reports them; nothing was written.

    Examples
    --------
    >>> from cxresearch.intake.streaming import ingest_streamed      # doctest: +SKIP
    >>> # called by cx.ingest for large CSVs; in R: readr::read_csv_chunked()
    """
    folder = stream_folder(inst.name, wave, root)
    try:
        return _ingest(inst, path, wave, folder, on_error=on_error, replace=replace,
                       root=root, synthetic=synthetic, encoding=encoding,
                       trust_file_labels=trust_file_labels)
    finally:
        shutil.rmtree(folder, ignore_errors=True)   # empty once the wave took the file


def _ingest(inst, path, wave, folder: Path, *, on_error, replace, root, synthetic, encoding,
            trust_file_labels) -> StreamedWave:
    import pyarrow.parquet as pq

    staged = folder / "responses.parquet"
    tally: Counter = Counter()
    counts: Counter = Counter()
    suspected: dict[str, Counter] = {}
    fatal: dict[tuple, dict] = {}
    details: list[dict] = []
    more = 0
    quarantines: list[pd.DataFrame] = []
    ids: list[np.ndarray] = []
    n_read = n_kept = blank = 0
    writer = schema = None
    assigned = dropped = info = None
    id_item = inst.id_column()
    try:
        for b, raw in enumerate(iter_csv_batches(path, encoding=encoding,
                                                 block_size=BLOCK_BYTES)):
            probs = RowProblems(raw)
            if b == 0:
                info = dict(raw.info)
                assigned, dropped = _map_columns(inst, raw, probs)
                check_file_labels(inst, raw, assigned, probs, trust_file_labels)
            blank += int(raw.info.get("blank_rows_skipped", 0))
            for h, found in _suspect_pii(inst, raw, assigned).items():
                suspected.setdefault(h, Counter()).update(found)
            cols = _convert(inst, raw, assigned, probs, tally)
            for p in probs.fatal:
                fatal.setdefault((p["problem"], p.get("column")), p)
            file_level = list(probs)
            probs.clear()                      # the row-level problems only, in detail
            for d in probs.as_dicts():
                if len(details) < MAX_PROBLEMS:
                    details.append(d)
                else:
                    more += 1
            probs.extend(file_level)
            for c in probs.counts():
                counts[(c["reason"], c["column"])] += c["count"]
            keep = ~probs.bad
            n_read += raw.n
            n_kept += int(keep.sum())
            if id_item in cols:   # 64-bit hashes of the kept ids: 8 bytes a row
                kept = pd.Series(cols[id_item])[keep].dropna().astype(str)
                ids.append(pd.util.hash_array(kept.to_numpy(dtype=object)))
            if probs.bad.any():
                quarantines.append(_quarantine(raw, probs, assigned, suspected))
            if fatal or (details and on_error == "fail"):
                continue                       # nothing will be written: only collect
            table = pa.Table.from_pandas(_assemble(inst, cols, keep, raw.n),
                                         preserve_index=False, schema=schema)
            if writer is None:
                schema = table.schema
                writer = pq.ParquetWriter(staged, schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    if assigned is None:
        raise NotStreamable("no data")
    if ids:   # a repeat (or, rarely, a hash collision): the whole-file reader decides
        every = np.concatenate(ids)
        ids.clear()
        every.sort()
        if every.size > 1 and bool((every[1:] == every[:-1]).any()):
            raise NotStreamable("a respondent id repeats across blocks")
        del every
    if n_read == 0:
        fatal[("no rows", None)] = {"row": None, "column": None, "value": None,
                                    "problem": "the file has a header but no data rows",
                                    "hint": "export the responses again", "kind": "no_rows"}
    fatal_dicts = [{k: redact(v) for k, v in p.items()} for p in fatal.values()]
    if more:
        details.append({"row": None, "column": None, "value": None, "kind": "more",
                        "problem": f"... and {more} more row problem(s)", "hint": None})
    problems = sorted(fatal_dicts + details,
                      key=lambda p: (p["row"] is not None, p["row"] or 0))
    found = {h: dict(c) for h, c in suspected.items()}
    _warn_pii(path, found, 5)   # _warn_pii, _ingest, ingest_streamed, ingest, caller
    if fatal or (details and on_error == "fail"):
        raise IngestError(path.name, problems)
    if dropped.get("unknown"):
        warnings.warn(f"{printable(path.name)}: {len(dropped['unknown'])} column(s) match no "
                      f"item of {inst.name} and were dropped: {dropped['unknown']}",
                      UnknownColumnsWarning, stacklevel=4)
    if writer is None:   # every row rejected: an empty file with the codebook's columns
        empty = pa.Table.from_pandas(_assemble(inst, {}, np.zeros(0, bool), 0),
                                     preserve_index=False)
        pq.write_table(empty, staged)
    if blank:
        info["blank_rows_skipped"] = blank
    rejections = [{"reason": k, "column": col, "count": n}
                  for (k, col), n in sorted(counts.items(),
                                            key=lambda kv: (kv[0][0], str(kv[0][1])))]
    manifest = _manifest(inst, wave, path, sha256_file(path), synthetic, info=info,
                         rows_read=n_read, rows_kept=n_kept, rows_rejected=n_read - n_kept,
                         rejections=rejections, on_error=on_error, assigned=assigned,
                         dropped=dropped, tally=tally, suspected=found)
    quarantine = (pd.concat(quarantines, ignore_index=True) if quarantines else None)
    out = StreamedWave(_assemble(inst, {}, np.zeros(0, bool), 0), inst, manifest,
                       staged=staged, quarantine=quarantine)
    write_wave(out, replace=replace, root=root)
    return out
