"""A folder of exports as one wave: the daily (or hourly) files of continuous feedback.

``cx.ingest(FOLDER, instrument, wave="2026-11")`` (and ``cxresearch ingest FOLDER
--instrument S --wave 2026-11``) takes every export directly in the folder — CSV/TSV, Parquet,
XLSX, SPSS, in file-name order, hidden files and sub-folders left out — as **the rows of one
wave**, each file a partition of it:

* Why one wave: a CX team's feedback platform drops one file a day; the wave a report and the
  tracking compare is the month or quarter those days make up, not the day (a day is a domain
  at most). Files that *are* different waves go in different folders, or in one long file with
  ``--wave-column``.
* Each file is read and validated on its own (its own column mapping, Qualtrics header rows,
  encoding; a large file batch by batch, :mod:`cxresearch.intake.streaming`), and every
  problem of every file is reported at once, each with its ``file`` and row.
* A respondent id may appear once in the whole wave: an id repeated in two files is a problem
  (counted exactly in DuckDB over the kept rows; within one file the rows are named).
* All or nothing: one problem in one file (with ``on_error="fail"``) and nothing is written;
  otherwise the wave is written atomically as ``responses/part-NNNNN.parquet`` — each file's
  kept rows in their own part file(s) — with the manifest listing every file (name, sha256,
  bytes, rows read and kept) under ``source_files``.
* Adding tomorrow's file: put it in the folder and ingest again with ``replace=True``
  (``--replace``); every file is validated again and the wave is replaced in one rename.

Examples
--------
>>> import cxresearch as cx
>>> w = cx.ingest("exports/2026-11/", "ecsi_mobi", "2026-11")          # doctest: +SKIP
>>> [f["file"] for f in w.manifest["source_files"]]                     # doctest: +SKIP
['2026-11-01.csv', '2026-11-02.csv', ...]
>>> # In R: do.call(rbind, lapply(list.files("exports/2026-11", full.names = TRUE), read.csv))
"""

from __future__ import annotations

import errno
from pathlib import Path

from cxresearch.intake.readers import read_export
from cxresearch.intake.streaming import _Restart, ingest_sources

__all__ = ["EXPORT_SUFFIXES", "export_files", "ingest_folder"]

#: file names a folder ingest takes as exports (case-insensitive)
EXPORT_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".pq", ".xlsx", ".xlsm", ".sav",
                   ".zsav")


def export_files(folder: Path) -> list[Path]:
    """The exports directly in ``folder``, in file-name order (hidden files, files starting
    with ``_`` or ``~$`` (an open spreadsheet's lock file) and sub-folders left out)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(folder))
    return sorted((p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES
                   and not p.name.startswith((".", "_", "~$"))), key=lambda p: p.name)


def ingest_folder(folder, inst, wave: str, *, on_error: str, replace: bool, root, synthetic,
                  encoding, trust_file_labels: bool):
    """Ingest every export of ``folder`` as one wave (module docstring); returns the
    :class:`~cxresearch.waves.storage.StreamedWave` written.

    Raises
    ------
    IngestError
        Every problem of every file (each with its ``file``); nothing was written.
    FileNotFoundError
        The folder holds no export.
    """
    folder = Path(folder)
    files = export_files(folder)
    if not files:
        raise FileNotFoundError(errno.ENOENT, "the folder holds no export file ("
                                + ", ".join(EXPORT_SUFFIXES) + "); point at an export or at "
                                "a folder of them", str(folder))
    whole: set[Path] = set()

    def read_whole(path: Path):
        return read_export(path, encoding=encoding)

    while True:
        try:
            return ingest_sources(inst, files, wave, on_error=on_error, replace=replace,
                                  root=root, synthetic=synthetic, encoding=encoding,
                                  trust_file_labels=trust_file_labels,
                                  label=folder.name, read_whole=read_whole, whole=whole)
        except _Restart as again:   # a CSV found unstreamable after its first block
            whole.add(Path(again.path))
