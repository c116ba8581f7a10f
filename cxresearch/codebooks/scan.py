"""Reading a survey export in chunks for :mod:`cxresearch.codebooks.draft`: one running
summary per column (answer counts up to :data:`MAX_TRACKED` distinct answers, numeric range and
integer-ness, missing-value labels among numbers, sample values), so that memory does not grow
with the number of rows. CSV/TSV/TXT through ``pyarrow.csv`` as text (encoding and delimiter
sniffed; Qualtrics' question-text and ImportId rows recognised), SPSS ``.sav`` through
``pyreadstat.read_file_in_chunks`` with variable labels, value labels and user-missing values,
XLSX through pandas.

References
----------
Apache Arrow, ``pyarrow.csv.open_csv`` (streaming CSV reader).

Examples
--------
>>> from cxresearch.codebooks.scan import scan_export
>>> scan = scan_export("data/examples/ecsi_mobi/mobi.csv")     # doctest: +SKIP
>>> scan["rows"], scan["columns"][0].header                     # doctest: +SKIP
>>> # In R: readr::read_csv_chunked(f, callback) with a summarising callback
"""

from __future__ import annotations

import math
import os
from collections import Counter
from pathlib import Path

__all__ = ["MAX_TRACKED", "MISSING_LABELS", "SUFFIXES", "ColumnSummary", "scan_export"]

#: distinct answers counted per column; beyond, only the numeric summary is kept
MAX_TRACKED = 200
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".sav")
#: answers that mean "no substantive answer" (compared after normalise_label)
MISSING_LABELS = frozenset({
    "don't know", "dont know", "do not know", "prefer not to say", "prefer not to answer",
    "n/a", "na", "not applicable", "refused", "no answer", "dk", "weiß nicht", "不知道",
    "tidak tahu"})


class ColumnSummary:
    """Running summary of one column."""

    def __init__(self, header: str):
        self.header = header
        self.n = 0
        self.blank = 0
        self.counts: Counter | None = Counter()
        self.numeric = True
        self.lo = math.inf
        self.hi = -math.inf
        self.integer = True
        self.samples: list[str] = []
        self.missing_labels: Counter = Counter()  # "Don't know" & co. in a numeric column

    def update(self, arr) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pc.utf8_trim_whitespace(arr.cast(pa.string()))
        blank = pc.or_(pc.is_null(arr), pc.equal(arr, "")).fill_null(True)
        nb = pc.sum(blank).as_py() or 0
        self.n += len(arr)
        self.blank += nb
        vals = pc.filter(arr, pc.invert(blank))
        if len(vals) == 0:
            return
        if len(self.samples) < 50:
            self.samples += vals.slice(0, 50 - len(self.samples)).to_pylist()
        if self.counts is not None:
            vc = pc.value_counts(vals)
            for v, c in zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist(),
                            strict=True):
                self.counts[v] += c
            if len(self.counts) > MAX_TRACKED:
                self.counts = None
        if self.numeric:
            low = pc.utf8_lower(vals)
            is_miss = pc.is_in(low, value_set=pa.array(sorted(MISSING_LABELS)))
            if pc.any(is_miss).as_py():
                for v in pc.filter(vals, is_miss).to_pylist():
                    self.missing_labels[v] += 1
                vals = pc.filter(vals, pc.invert(is_miss))
                if len(vals) == 0:
                    return
            try:
                x = pc.cast(vals, pa.float64())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                self.numeric = False
                return
            if pc.any(pc.is_nan(x)).as_py():
                self.numeric = False
                return
            mm = pc.min_max(x)
            self.lo = min(self.lo, mm["min"].as_py())
            self.hi = max(self.hi, mm["max"].as_py())
            if self.integer and not pc.all(pc.equal(x, pc.floor(x))).as_py():
                self.integer = False

    @property
    def answered(self) -> int:
        return self.n - self.blank

    def values(self) -> dict[str, int] | None:
        return dict(self.counts) if self.counts is not None else None


def _sniff_text(path: Path) -> tuple[str, str, bool]:
    """Encoding, delimiter and whether the file is a Qualtrics export (ImportId row)."""
    head = path.open("rb").read(1 << 16)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc = "utf-16"
    else:
        enc = "utf-8"
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not just a character cut at the buffer's end
                enc = "cp1252"
    text = head.decode(enc, errors="ignore").lstrip("\ufeff")
    first = text.splitlines()[0] if text else ""
    delim = max([",", ";", "\t", "|"], key=first.count)
    lines = text.splitlines()
    qualtrics = len(lines) >= 3 and '"ImportId"' in lines[2].replace('""', '"')
    return enc, delim, qualtrics


def _read_text(path: Path, chunk_bytes: int):
    """Yield (headers, wordings) once, then pyarrow tables of string columns."""
    import csv as pycsv
    import io

    import pyarrow as pa
    from pyarrow import csv

    enc, delim, qualtrics = _sniff_text(path)
    if enc != "utf-8":  # pyarrow reads UTF-8 only: re-encode (held in memory)
        src = io.BytesIO(path.read_text(encoding=enc).encode("utf-8"))
    else:
        src = str(path)
    with path.open(encoding=enc, newline="", errors="replace") as fh:
        names = next(pycsv.reader(fh, delimiter=delim), [])
    names = [n.lstrip("\ufeff") for n in names]
    if not names or len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"export {path.name!r}: the header row "
                         + ("is empty" if not names else f"repeats {', '.join(dup)}"))
    opts = csv.ReadOptions(block_size=chunk_bytes, column_names=names, skip_rows=1)
    reader = csv.open_csv(src, read_options=opts,
                          parse_options=csv.ParseOptions(delimiter=delim,
                                                         newlines_in_values=qualtrics),
                          convert_options=csv.ConvertOptions(
                              column_types={n: pa.string() for n in names},
                              strings_can_be_null=False, check_utf8=True))
    wordings: dict[str, str] = {}
    first = True
    empty = True
    for batch in reader:
        empty = False
        table = pa.Table.from_batches([batch])
        if first and qualtrics:  # rows 1-2: question texts and ImportId json
            for n in names:
                wordings[n] = str(table.column(n)[0].as_py() or "").strip()
            table = table.slice(2)
        first = False
        yield names, wordings, table
    if empty:  # a header without rows
        yield names, wordings, pa.table({n: pa.array([], pa.string()) for n in names})


def scan_export(path: str | os.PathLike, chunk_bytes: int = 16 << 20, chunk_rows: int = 200_000):
    """Summaries of every column of an export, read in chunks.

    Returns
    -------
    dict
        ``columns`` (list of ``_Column``), ``wordings`` (header -> question text from a
        Qualtrics second row or SPSS variable labels), ``value_labels`` (header -> {code:
        label}, SPSS), ``user_missing`` (header -> codes, SPSS), ``rows``, ``format``.
    """
    import pyarrow as pa

    path = Path(path)
    if not isinstance(path, Path) or not path.is_file():
        raise ValueError(f"export {os.fspath(path)!r} does not exist")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"export {path.name!r}: unsupported file type {suffix!r}; expected "
                         f"one of {', '.join(SUFFIXES)}")
    cols: dict[str, ColumnSummary] = {}
    out = {"wordings": {}, "value_labels": {}, "user_missing": {}, "format": suffix[1:]}

    def feed(table) -> None:
        for name in table.column_names:
            cols.setdefault(name, ColumnSummary(name)).update(table.column(name).combine_chunks())

    if suffix == ".sav":
        import pyreadstat

        _, meta = pyreadstat.read_sav(str(path), metadataonly=True, user_missing=True)
        out["wordings"] = {k: v for k, v in meta.column_names_to_labels.items() if v}
        out["value_labels"] = dict(meta.variable_value_labels or {})
        out["user_missing"] = {k: [x for x in v] for k, v in
                               (getattr(meta, "missing_user_values", None) or {}).items()}
        for k, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
            out["user_missing"].setdefault(k, [])
            out["user_missing"][k] += [r["lo"] for r in ranges if r["lo"] == r["hi"]]
        for df, _ in pyreadstat.read_file_in_chunks(pyreadstat.read_sav, str(path),
                                                    chunksize=chunk_rows, user_missing=True):
            feed(pa.Table.from_pandas(df.astype("string"), preserve_index=False))
        names = list(meta.column_names)
    elif suffix in (".xlsx", ".xls"):
        import pandas as pd

        df = pd.read_excel(path, dtype=str)
        names = [str(c) for c in df.columns]
        df.columns = names
        feed(pa.Table.from_pandas(df.astype("string"), preserve_index=False))
    else:
        names = []
        for names, wordings, table in _read_text(path, chunk_bytes):  # noqa: B007
            out["wordings"] = wordings
            feed(table)
    out["columns"] = [cols.get(n, ColumnSummary(n)) for n in names]
    out["rows"] = max((c.n for c in out["columns"]), default=0)
    return out
