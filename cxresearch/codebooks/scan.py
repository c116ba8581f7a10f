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

import csv as pycsv
import itertools
import math
import os
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from cxresearch.codebooks.items import normalise_label
from cxresearch.codebooks.pii import LONG_TEXT, PiiCounter

__all__ = ["MAX_HEADER", "MAX_TRACKED", "MAX_WORDING", "MISSING_LABELS", "SUFFIXES",
           "ColumnSummary", "scan_export"]

#: distinct answers counted per column; beyond, only the numeric summary is kept
MAX_TRACKED = 200
#: longest header accepted (characters); a longer one is refused, naming the column
MAX_HEADER = 1000
#: question texts (Qualtrics' second row) are cut to this many characters
MAX_WORDING = 1000
#: size of the distinct-value sketch (k minimum hashes): about 3 % error on distinct counts
_KMV = 1024
_DATE = (r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})"
         r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
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
        self.pii = PiiCounter()  # personal data, counted over every cell
        self.max_len = 0  # longest answer (characters)
        self.min_len = math.inf  # shortest answer
        self.spaces = 0  # answers holding white space (free text, not codes or ids)
        self.dates = 0  # answers that are dates or date-times
        self._kmv = np.zeros(0, dtype=np.uint64)  # smallest hashes of the distinct answers

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
        self.pii.update(vals)
        lens = pc.utf8_length(vals)
        mm = pc.min_max(lens)
        self.max_len = max(self.max_len, mm["max"].as_py() or 0)
        self.min_len = min(self.min_len, mm["min"].as_py() or 0)
        self.spaces += pc.sum(pc.cast(pc.match_substring(vals, " "), pa.int64())).as_py() or 0
        datey = pc.and_(pc.greater_equal(lens, 8), pc.less_equal(lens, 30))
        datey = pc.and_(datey, pc.or_(pc.or_(pc.match_substring(vals, "-"),
                                             pc.match_substring(vals, "/")),
                                      pc.greater_equal(pc.count_substring(vals, "."), 2)))
        if pc.any(datey).as_py():
            self.dates += pc.sum(pc.cast(pc.match_substring_regex(
                pc.filter(vals, datey), _DATE), pa.int64())).as_py() or 0
        if self.max_len > LONG_TEXT:  # free text: no levels, no samples, no counts
            self.counts = None
            self.samples = []
        elif len(self.samples) < 50:
            self.samples += vals.slice(0, 50 - len(self.samples)).to_pylist()
        if self.counts is None and self._sketchable():
            self._sketch(vals)
        if self.counts is not None:
            vc = pc.value_counts(vals)
            for v, c in zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist(),
                            strict=True):
                self.counts[v] += c
            if len(self.counts) > MAX_TRACKED:
                if self._sketchable():
                    self._sketch(pa.array(list(self.counts), pa.string()))
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

    def _sketchable(self) -> bool:
        """Only answers that could be ids are sketched: short, no spaces, not decimals."""
        return (self.max_len <= 64 and not self.spaces
                and not (self.numeric and not self.integer and self.lo <= self.hi))

    def _sketch(self, vals) -> None:
        """Keep the :data:`_KMV` smallest 64-bit hashes of the distinct answers (a
        k-minimum-values sketch: the number of distinct answers in fixed memory)."""
        import pandas as pd

        h = pd.util.hash_array(np.asarray(vals.to_numpy(zero_copy_only=False), dtype=object))
        self._kmv = np.unique(np.concatenate([self._kmv, h]))[:_KMV]

    @property
    def answered(self) -> int:
        return self.n - self.blank

    @property
    def distinct(self) -> float | None:
        """Number of distinct answers: exact while counted, else estimated from the sketch
        (None when answers are too long to sketch)."""
        if self.counts is not None:
            return float(len(self.counts))
        if not self._sketchable() or not len(self._kmv):
            return None
        if len(self._kmv) < _KMV:
            return float(len(self._kmv))
        return (_KMV - 1) / (float(self._kmv[-1]) / 2.0**64)

    @property
    def unique_per_row(self) -> bool:
        """Every answered row holds a different answer (exact up to MAX_TRACKED distinct
        answers, within the sketch's error beyond)."""
        d = self.distinct
        if d is None or self.answered < 2:
            return False
        if self.counts is not None:
            return max(self.counts.values()) == 1
        return d >= 0.95 * self.answered

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
    if not qualtrics and len(lines) < 3 and len(head) == 1 << 16:  # long question texts
        with path.open(encoding=enc, newline="", errors="replace") as fh, _field_limit():
            rows = list(itertools.islice(pycsv.reader(fh, delimiter=delim), 3))
        qualtrics = len(rows) == 3 and any('"ImportId"' in c for c in rows[2])
    return enc, delim, qualtrics


class _field_limit:
    """Python's csv module refuses fields over 128 KiB: lift the limit while reading."""

    def __enter__(self):
        self.old = pycsv.field_size_limit(min(sys.maxsize, 2**31 - 1))

    def __exit__(self, *exc):
        pycsv.field_size_limit(self.old)


def check_headers(name: str, names: list[str]) -> None:
    """Refuse a header row that cannot become a codebook: empty, repeated headers (also
    ignoring case and spacing, as headers are matched), a header longer than
    :data:`MAX_HEADER` characters."""
    if not names:
        raise ValueError(f"export {name!r}: the header row is empty")
    for k, h in enumerate(names, start=1):
        if len(h) > MAX_HEADER:
            raise ValueError(f"export {name!r}: the header of column {k} is {len(h):,} "
                             f"characters long (at most {MAX_HEADER:,}); it cannot be a "
                             f"column name: shorten it in the export")
    seen: dict[str, str] = {}
    for h in names:
        key = normalise_label(h)
        if key in seen:
            same = seen[key] == h
            raise ValueError(
                f"export {name!r}: the header row " + (f"repeats {h!r}" if same else
                f"has {seen[key]!r} and {h!r}, which differ only in case or spacing; "
                "columns are matched by header ignoring case, so rename one of them in "
                "the export (for instance add a suffix) and draft again"))
        seen[key] = h


def _records(path: Path, enc: str, chunk_bytes: int, limit: int):
    """The file after its header row as UTF-8 byte blocks of about ``chunk_bytes`` that end
    at a record boundary (a newline outside quotes: an even number of ``"`` before it), so
    that each block parses on its own and memory stays one block whatever the number of
    rows. A record longer than ``limit`` bytes raises ``_TooLong``."""
    if enc == "utf-8":
        fh = path.open("rb")
        read = lambda: fh.read(chunk_bytes)  # noqa: E731
    else:  # transcoded block by block
        fh = path.open(encoding=enc, newline="", errors="replace")
        read = lambda: fh.read(chunk_bytes).encode("utf-8")  # noqa: E731
    with fh:
        buf = b""
        header = True
        eol = None
        while True:
            data = read()
            buf += data
            if eol is None and buf:
                eol = 13 if b"\n" not in buf and b"\r" in buf else 10  # old Mac files: CR
            arr = np.frombuffer(buf, dtype=np.uint8)
            nl = np.flatnonzero(arr == eol)
            if nl.size and b'"' in buf:
                nl = nl[~np.logical_xor.accumulate(arr == 34)[nl]]  # not inside quotes
            del arr
            if header and nl.size:  # the header row is read apart
                buf, nl, header = buf[nl[0] + 1:], nl[1:] - (nl[0] + 1), False
            if not header and nl.size:
                if np.diff(nl, prepend=-1).max() > limit:
                    raise _TooLong(int(np.diff(nl, prepend=-1).max()))
                cut = int(nl[-1]) + 1
                yield buf[:cut]
                buf = buf[cut:]
            if len(buf) > limit:
                raise _TooLong(len(buf))
            if not data:
                if buf.strip() and not header:
                    yield buf
                return


class _TooLong(Exception):
    pass


def _too_long(path: Path, names: list[str], delim: str, enc: str, limit: int) -> ValueError:
    """One line naming the column and row of a cell larger than the reading limit."""
    where = ""
    with path.open(encoding=enc, newline="", errors="replace") as fh, _field_limit():
        for r, row in enumerate(pycsv.reader(fh, delimiter=delim)):
            big = [k for k, v in enumerate(row) if len(v) >= limit // 8]
            if big and r:
                k = max(big, key=lambda j: len(row[j]))
                col = names[k] if k < len(names) else f"#{k + 1}"
                where = f" column {col!r}, row {r + 1}, holds a cell of {len(row[k]):,} characters;"
                break
    return ValueError(f"export {path.name!r}:{where} a record over {limit:,} bytes is not a "
                      "survey answer: remove or shorten that cell")


def _read_text(path: Path, chunk_bytes: int):
    """Yield (headers, wordings, pyarrow table of string columns) per block of records."""
    import pyarrow as pa
    from pyarrow import csv

    enc, delim, qualtrics = _sniff_text(path)
    with path.open(encoding=enc, newline="", errors="replace") as fh, _field_limit():
        names = next(pycsv.reader(fh, delimiter=delim), [])
    names = [n.lstrip("\ufeff") for n in names]
    check_headers(path.name, names)
    convert = csv.ConvertOptions(column_types={n: pa.string() for n in names},
                                 strings_can_be_null=False, check_utf8=True)
    wordings: dict[str, str] = {}
    first = True
    empty = True
    limit = 4 * chunk_bytes
    blocks = _records(path, enc, chunk_bytes, limit)
    while True:
        try:
            block = next(blocks)
        except StopIteration:
            break
        except _TooLong:
            raise _too_long(path, names, delim, enc, limit) from None
        try:
            table = csv.read_csv(pa.py_buffer(block), read_options=csv.ReadOptions(
                column_names=names, use_threads=False, block_size=len(block) + (1 << 16)),
                parse_options=csv.ParseOptions(delimiter=delim,
                                               newlines_in_values=b'"' in block),
                convert_options=convert)
        except pa.ArrowInvalid as exc:
            why = re.sub(r"(got \d+)\s*:.*", r"\1", str(exc).splitlines()[0])[:200]
            raise ValueError(f"export {path.name!r}: not a readable {delim!r}-delimited "
                             f"file ({why}; the row's content is not shown)") from None
        empty = False
        if first and qualtrics:  # rows 1-2: question texts and ImportId json
            for n in names:
                text = str(table.column(n)[0].as_py() or "").strip()
                wordings[n] = text if len(text) <= MAX_WORDING else text[:MAX_WORDING] + "…"
            table = table.slice(2)
        first = False
        yield names, wordings, table
    if empty:  # a header without rows
        yield names, wordings, pa.table({n: pa.array([], pa.string()) for n in names})


def _cell_text(v) -> str:
    """A worksheet cell as pandas ``read_excel(dtype=str)`` writes it."""
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _read_xlsx(path: Path, chunk_rows: int):
    """Yield (headers, table of string columns) per ``chunk_rows`` rows of the first sheet,
    read in openpyxl's streaming mode (memory one chunk, whatever the number of rows)."""
    import pyarrow as pa
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        head = next(rows, ())
        names = [str(c) if c is not None else f"Unnamed: {k}" for k, c in enumerate(head)]
        check_headers(path.name, names)
        width = len(names)
        while True:
            block = [r for r in itertools.islice(rows, chunk_rows)]
            if not block:
                break
            block = [r for r in block if any(c is not None for c in r)]
            cols = list(zip(*[(tuple(r) + (None,) * width)[:width] for r in block],
                            strict=True)) if block else [()] * width
            yield names, pa.table({n: pa.array([_cell_text(v) for v in c], pa.string())
                                   for n, c in zip(names, cols, strict=True)})
        if not names:
            return
    finally:
        wb.close()


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
        names = list(meta.column_names)
        check_headers(path.name, names)
        out["wordings"] = {k: v if len(v) <= MAX_WORDING else v[:MAX_WORDING] + "…"
                           for k, v in meta.column_names_to_labels.items() if v}
        out["value_labels"] = dict(meta.variable_value_labels or {})
        out["user_missing"] = {k: [x for x in v] for k, v in
                               (getattr(meta, "missing_user_values", None) or {}).items()}
        for k, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
            out["user_missing"].setdefault(k, [])
            out["user_missing"][k] += [r["lo"] for r in ranges if r["lo"] == r["hi"]]
        for df, _ in pyreadstat.read_file_in_chunks(pyreadstat.read_sav, str(path),
                                                    chunksize=chunk_rows, user_missing=True):
            feed(pa.Table.from_pandas(df.astype("string"), preserve_index=False))
    elif suffix == ".xlsx":
        names = []
        for names, table in _read_xlsx(path, chunk_rows):  # noqa: B007
            feed(table)
    elif suffix == ".xls":
        import pandas as pd

        df = pd.read_excel(path, dtype=str)
        names = [str(c) for c in df.columns]
        check_headers(path.name, names)
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
