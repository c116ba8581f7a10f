"""Batch-wise ingest of a large CSV or Parquet export: memory independent of the number of rows.

:func:`cxresearch.intake.ingestion.ingest` sends a CSV or Parquet file of at least
:data:`STREAM_MIN_BYTES` here. The file is read in blocks
(:func:`cxresearch.intake.csvbatches.iter_csv_batches`, or record batches of a Parquet file,
:func:`cxresearch.intake.batches.iter_parquet_batches`); each block is validated exactly as the
whole file would be (the same column mapping, conversions, problems with their spreadsheet row
numbers, PII scan and quarantine) and its kept rows are appended to ``responses.parquet`` in a
private hidden folder beside the wave; only when every block passed is the wave written (moved
into place by :func:`cxresearch.waves.storage.write_wave`, atomically). The returned wave reads
its answers from that file when they are first used. A wave of more than :data:`PART_ROWS`
kept rows is stored as several part files (``responses/part-00000.parquet``, ..., each in the
manifest with its sha256): :func:`~cxresearch.waves.load_wave` reads either layout, and with
``engine=True`` hands the parts to DuckDB without reading them.

:func:`ingest_sources` is the same loop over several files (a folder of daily exports,
:mod:`cxresearch.intake.folder`): each file is mapped and validated on its own, its problems
carry its name, and its kept rows start a new part file.

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
from cxresearch.intake.batches import iter_parquet_batches
from cxresearch.intake.csvbatches import iter_csv_batches
from cxresearch.intake.labels import check_file_labels
from cxresearch.intake.privacy import redact
from cxresearch.intake.readers import (
    SAMPLE_BYTES,
    NotStreamable,
    _sniff_format,
)
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

__all__ = ["BLOCK_BYTES", "MAX_PROBLEMS", "PART_ROWS", "STREAM_MIN_BYTES", "batches",
           "ingest_sources", "ingest_streamed"]

#: CSV and Parquet exports at least this large are ingested batch by batch; smaller ones whole
STREAM_MIN_BYTES = 32 << 20
#: bytes of CSV text per block
BLOCK_BYTES = 4 << 20
#: row-level problems kept in detail (the rest are counted)
MAX_PROBLEMS = 5000
#: kept rows per part file: a larger wave is stored as responses/part-NNNNN.parquet files
PART_ROWS = 5_000_000


def batches(path: Path, encoding=None):
    """The :class:`~cxresearch.intake.readers.RawTable` blocks of a CSV or Parquet export
    (:class:`NotStreamable` for another format: read it whole)."""
    with open(path, "rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    if _sniff_format(path, head) == "parquet":
        return iter_parquet_batches(path)
    return iter_csv_batches(path, encoding=encoding, block_size=BLOCK_BYTES)


def ingest_streamed(inst, path: Path, wave: str, *, on_error: str, replace: bool, root,
                    synthetic, encoding, trust_file_labels: bool) -> StreamedWave:
    """Validate and write one wave from a large CSV or Parquet file, block by block (module
    docstring).

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
    run = _Run(inst, folder, on_error=on_error, trust_file_labels=trust_file_labels)
    try:
        run.feed(path, batches(path, encoding))
        if run.ids_repeat():   # a repeat (or, rarely, a hash collision): the whole-file
            raise NotStreamable("a respondent id repeats across blocks")   # reader decides
        manifest = run.manifest(wave, path, sha256_file(path), synthetic)
        out = run.wave(manifest, path.name)
        write_wave(out, replace=replace, root=root)
        return out
    finally:
        run.close()
        shutil.rmtree(folder, ignore_errors=True)   # empty once the wave took the files


def ingest_sources(inst, sources: list, wave: str, *, on_error: str, replace: bool, root,
                   synthetic, encoding, trust_file_labels: bool, label: str, read_whole,
                   whole=()) -> StreamedWave:
    """One wave from several exports (``sources``: paths), all or nothing; each file's
    problems carry its name (``file``), a respondent id repeated in two files is a problem
    (counted in DuckDB over the kept rows), and each file's kept rows start a part file.
    ``read_whole(path)`` gives a file that cannot be read in batches (or is in ``whole``) as
    one block."""
    folder = stream_folder(inst.name, wave, root)
    run = _Run(inst, folder, on_error=on_error, trust_file_labels=trust_file_labels,
               tag_files=True)
    try:
        for path in sources:
            try:
                try:
                    if path in whole:
                        raise NotStreamable("read whole")
                    blocks = batches(path, encoding)
                    first = next(blocks, None)
                except NotStreamable:
                    blocks, first = iter(()), read_whole(path)
                run.feed(path, _chain(first, blocks), new_part=True)
            except IngestError as exc:   # the file cannot be read: its problems, then on
                run.file_failed(path, exc.problems)
        run.folder_ids_check()
        sha = _combined_sha(run.sources)
        manifest = run.manifest(wave, Path(sources[0]), sha, synthetic,
                                folder_sources=run.sources, label=label, depth=1)
        out = run.wave(manifest, label)
        write_wave(out, replace=replace, root=root)
        return out
    finally:
        run.close()
        shutil.rmtree(folder, ignore_errors=True)


def _chain(first, rest):
    if first is None:
        return
    yield first
    try:
        yield from rest
    except NotStreamable:   # only a CSV decides this after its first block
        raise _Restart() from None


class _Restart(Exception):
    """A file of a folder turned out not streamable after its first block: the folder ingest
    starts again, reading that file whole (:mod:`cxresearch.intake.folder`)."""

    path = None


def _restart_names(blocks, path):
    try:
        yield from blocks
    except _Restart as again:
        again.path = path
        raise


def _combined_sha(files: list[dict]) -> str:
    import hashlib

    h = hashlib.sha256()
    for f in files:
        h.update(f"{f['file']}\0{f['sha256']}\n".encode())
    return h.hexdigest()


class _Run:
    """The state of a batch-wise ingest: counts, problems, ids and the part files written."""

    def __init__(self, inst, folder: Path, *, on_error, trust_file_labels, tag_files=False):
        self.inst, self.folder, self.on_error = inst, folder, on_error
        self.trust = trust_file_labels
        self.tag = tag_files
        self.tally: Counter = Counter()
        self.counts: Counter = Counter()
        self.suspected: dict[str, Counter] = {}
        self.fatal: dict[tuple, dict] = {}
        self.details: list[dict] = []
        self.more = 0
        self.quarantines: list[pd.DataFrame] = []
        self.ids: list[np.ndarray] = []
        self.n_read = self.n_kept = self.blank = 0
        self.parts: list[Path] = []
        self.part_rows = 0
        self.writer = self.schema = None
        self.assigned = self.dropped = self.info = None
        self.sources: list[dict] = []
        self.unknown: dict[str, list] = {}
        self.id_item = inst.id_column()

    # ----------------------------------------------------------------- blocks
    def _failing(self) -> bool:
        return bool(self.fatal or (self.details and self.on_error == "fail"))

    def _write(self, table, new_part: bool) -> None:
        import pyarrow.parquet as pq

        if self.writer is not None and (new_part or self.part_rows >= PART_ROWS):
            self.writer.close()
            self.writer = None
        if self.writer is None:
            if self.schema is None:
                self.schema = table.schema
            self.parts.append(self.folder / f"part-{len(self.parts):05d}.parquet")
            self.writer = pq.ParquetWriter(self.parts[-1], self.schema)
            self.part_rows = 0
        self.writer.write_table(table)
        self.part_rows += table.num_rows

    def feed(self, path: Path, blocks, new_part: bool = False) -> None:
        """Validate and write (while nothing failed) every block of one file."""
        inst = self.inst
        assigned = dropped = info = None
        read0, kept0, blank0 = self.n_read, self.n_kept, self.blank
        fresh = new_part
        try:
            for raw in _restart_names(blocks, path):
                probs = RowProblems(raw)
                if assigned is None:
                    info = dict(raw.info)
                    assigned, dropped = _map_columns(inst, raw, probs)
                    check_file_labels(inst, raw, assigned, probs, self.trust)
                self.blank += int(raw.info.get("blank_rows_skipped", 0))
                for h, found in _suspect_pii(inst, raw, assigned).items():
                    self.suspected.setdefault(h, Counter()).update(found)
                cols = _convert(inst, raw, assigned, probs, self.tally)
                for p in probs.fatal:
                    key = (path.name, p["problem"], p.get("column")) if self.tag \
                        else (p["problem"], p.get("column"))
                    self.fatal.setdefault(key, self._tagged(p, path))
                file_level = list(probs)
                probs.clear()                      # the row-level problems only, in detail
                for d in probs.as_dicts():
                    if len(self.details) < MAX_PROBLEMS:
                        self.details.append(self._tagged(d, path))
                    else:
                        self.more += 1
                probs.extend(file_level)
                for c in probs.counts():
                    self.counts[(c["reason"], c["column"])] += c["count"]
                keep = ~probs.bad
                self.n_read += raw.n + len(raw.bad_rows)   # unreadable records too
                self.n_kept += int(keep.sum())
                if self.id_item in cols:   # 64-bit hashes of the kept ids: 8 bytes a row
                    kept = pd.Series(cols[self.id_item])[keep].dropna().astype(str)
                    self.ids.append(pd.util.hash_array(kept.to_numpy(dtype=object)))
                if probs.bad.any() or raw.bad_rows:
                    q = _quarantine(raw, probs, assigned, self.suspected, inst)
                    if self.tag:
                        q.insert(0, "_source_file", path.name)
                    self.quarantines.append(q)
                if self._failing():
                    continue                       # nothing will be written: only collect
                table = pa.Table.from_pandas(_assemble(inst, cols, keep, raw.n),
                                             preserve_index=False, schema=self.schema)
                self._write(table, fresh)
                fresh = False
        finally:
            if self.writer is not None and self._failing():
                self.writer.close()
                self.writer = None
        if assigned is None:
            if not self.tag:
                raise NotStreamable("no data")
            assigned, dropped, info = {}, {}, {}
        if self.n_read == read0:
            key = (path.name, "no rows", None) if self.tag else ("no rows", None)
            self.fatal[key] = self._tagged(
                {"row": None, "column": None, "value": None,
                 "problem": "the file has a header but no data rows",
                 "hint": "export the responses again", "kind": "no_rows"}, path)
        if self.assigned is None:
            self.assigned, self.dropped, self.info = assigned, dropped, info
        else:
            for k, v in dropped.items():
                self.dropped[k] = sorted(set(self.dropped.get(k, [])) | set(v))
        if dropped.get("unknown"):
            self.unknown[path.name] = dropped["unknown"]
        self.sources.append({"file": path.name, "sha256": sha256_file(path),
                             "bytes": path.stat().st_size,
                             "format": (info or {}).get("format"),
                             "rows_read": self.n_read - read0,
                             "rows_kept": self.n_kept - kept0,
                             **({"blank_rows_skipped": self.blank - blank0}
                                if self.blank > blank0 else {})})

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def file_failed(self, path: Path, problems: list[dict]) -> None:
        """A file of a folder that could not be read: its problems, as fatal ones."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        for k, p in enumerate(problems):
            self.fatal[(path.name, "unreadable", k)] = self._tagged(p, path)

    def _tagged(self, p: dict, path: Path) -> dict:
        p = {k: redact(v) for k, v in p.items()}
        return {"file": path.name, **p} if self.tag else p

    # ----------------------------------------------------------------- ids
    def ids_repeat(self) -> bool:
        """Whether a kept respondent id occurs twice (by its 64-bit hash)."""
        if not self.ids:
            return False
        every = np.concatenate(self.ids)
        self.ids.clear()
        every.sort()
        return every.size > 1 and bool((every[1:] == every[:-1]).any())

    def folder_ids_check(self) -> None:
        """Ids repeated across the files: counted exactly in DuckDB over the kept rows (a
        problem of the folder; within one file the block checks name the rows)."""
        if not self.ids_repeat() or self._failing() or not self.parts:
            return
        import duckdb

        if self.writer is not None:
            self.writer.close()
            self.writer = None
        files = ", ".join("'" + str(p).replace("'", "''") + "'" for p in self.parts)
        col = '"' + self.id_item.replace('"', '""') + '"'
        con = duckdb.connect()
        try:
            rows = con.sql(f"SELECT {col}, count(*) FROM read_parquet([{files}]) WHERE {col} "
                           f"IS NOT NULL GROUP BY {col} HAVING count(*) > 1").fetchall()
        finally:
            con.close()
        if not rows:
            return
        shown = ", ".join(repr(redact(str(v))) for v, _ in rows[:5])
        self.fatal[("(folder)", "ids repeat", self.id_item)] = {
            "file": None, "row": None, "column": self.id_item, "value": None,
            "kind": "duplicate_id",
            "problem": f"{len(rows)} respondent id(s) appear on more than one row of the "
                       f"folder's files ({sum(n for _, n in rows) - len(rows)} extra row(s)), "
                       f"e.g. {shown}",
            "hint": "one row per respondent: drop the repeated answers or ingest the files "
                    "as separate waves"}

    # ----------------------------------------------------------------- the wave
    def manifest(self, wave: str, path: Path, sha: str, synthetic, folder_sources=None,
                 label: str | None = None, depth: int = 0):
        inst = self.inst
        fatal = list(self.fatal.values())
        if self.more:
            self.details.append({"row": None, "column": None, "value": None, "kind": "more",
                                 "problem": f"... and {self.more} more row problem(s)",
                                 "hint": None})
        problems = sorted(fatal + self.details,
                          key=lambda p: (p.get("file") or "", p["row"] is not None,
                                         p["row"] or 0))
        found = {h: dict(c) for h, c in self.suspected.items()}
        name = Path(label) if label else path
        _warn_pii(name, found, 5 + depth)   # _warn_pii, manifest, ingest_*, ingest, caller
        if self._failing():
            raise IngestError(name.name, problems)
        for name, unknown in self.unknown.items():
            warnings.warn(f"{printable(name)}: {len(unknown)} column(s) match no item of "
                          f"{inst.name} and were dropped: {unknown}", UnknownColumnsWarning,
                          stacklevel=4 + depth)
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        if not self.parts:   # every row rejected: an empty file with the codebook's columns
            import pyarrow.parquet as pq

            empty = pa.Table.from_pandas(_assemble(inst, {}, np.zeros(0, bool), 0),
                                         preserve_index=False)
            self.parts.append(self.folder / "part-00000.parquet")
            pq.write_table(empty, self.parts[0])
        info = dict(self.info)
        if self.blank:
            info["blank_rows_skipped"] = self.blank
        rejections = [{"reason": k, "column": col, "count": n}
                      for (k, col), n in sorted(self.counts.items(),
                                                key=lambda kv: (kv[0][0], str(kv[0][1])))]
        extra = None
        if folder_sources is not None:   # a folder: its name, total size and each file
            info["read"] = "in batches, file by file"
            extra = {"source_file": label, "source_bytes": sum(
                f["bytes"] for f in folder_sources), "source_files": folder_sources}
        m = _manifest(inst, wave, path, sha, synthetic, info=info, rows_read=self.n_read,
                      rows_kept=self.n_kept, rows_rejected=self.n_read - self.n_kept,
                      rejections=rejections, on_error=self.on_error, assigned=self.assigned,
                      dropped=self.dropped, tally=self.tally, suspected=found, extra=extra)
        return m

    def wave(self, manifest: dict, name: str) -> StreamedWave:
        quarantine = (pd.concat(self.quarantines, ignore_index=True) if self.quarantines
                      else None)
        staged = self.parts if len(self.parts) > 1 else self.parts[0]
        return StreamedWave(_assemble(self.inst, {}, np.zeros(0, bool), 0), self.inst,
                            manifest, staged=staged, quarantine=quarantine)
