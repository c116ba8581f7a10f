"""Readers of raw survey exports: CSV (incl. Qualtrics), XLSX, SPSS ``.sav`` and Parquet.

Every reader returns a :class:`RawTable`: the file's columns as text (Arrow string arrays, ``""``
for an empty cell), the source row number of every record, and how the file was read (format,
encoding, delimiter, each with the reason it was chosen), so that ingestion validates one kind
of input and the manifest can explain the reading.

Row numbers are the 1-based rows a researcher sees when opening the file in a spreadsheet: the
header is row 1 and the first respondent row 2 (row 4 in a Qualtrics export, after the
question-text and import-id rows). In a ``.sav`` or Parquet file, case ``k`` is row ``k + 1``.
A record whose quoted values span several lines still counts as one row.

Detection is deterministic (content first, file name second):

* format: zip magic -> XLSX, ``$FL2``/``$FL3`` -> SPSS, ``PAR1`` -> Parquet, otherwise text;
* encoding: a byte-order mark decides (UTF-8, UTF-16 LE/BE); otherwise strict UTF-8 over the
  whole file; otherwise strict GB18030 (a superset of GBK/GB2312) *if* nearly all non-ASCII
  characters it yields are Chinese *and* no part of the file is UTF-8 Chinese text (a file that
  mixes the two is refused, naming a line of each: no guess, no mojibake); otherwise the file is
  refused with the offending byte and line;
* the header is read whole (however long its line), and a NUL byte anywhere in any value (a
  damaged or binary file) is refused with its row and column;
* spreadsheet booleans stay ``TRUE``/``FALSE`` text (a Likert column of booleans is refused,
  not read as codes 1/0); SPSS value labels are kept beside the stored codes, so that ingest
  can check them against the codebook.
* delimiter: the one of ``, ; TAB |`` that splits the header into the most fields with the
  sampled rows splitting into the same number (ties in that order).
"""

from __future__ import annotations

import csv
import errno
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxresearch.errors import IngestError
from cxresearch.intake.encodings import SAMPLE_BYTES, bytes_have, char_counts
from cxresearch.intake.encodings import detect_encoding as _detect_encoding
from cxresearch.intake.encodings import fatal as _fatal
from cxresearch.intake.encodings import stream_codec as _stream_codec

__all__ = ["QUALTRICS_METADATA", "SAMPLE_BYTES", "NotStreamable", "RawTable", "bytes_have",
           "char_counts", "read_export", "to_numpy"]

DELIMITERS = [",", ";", "\t", "|"]
_DELIM_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

# Qualtrics response metadata columns (not answers); dropped and counted. ResponseId is kept
# as the respondent id when the codebook's id item has no column of its own.
QUALTRICS_METADATA = {
    "startdate", "enddate", "status", "ipaddress", "progress", "duration (in seconds)",
    "finished", "recordeddate", "responseid", "recipientlastname", "recipientfirstname",
    "recipientemail", "externalreference", "externaldatareference", "locationlatitude",
    "locationlongitude", "distributionchannel", "userlanguage", "q_recaptchascore",
    "q_relevantidduplicate", "q_relevantidduplicatescore", "q_relevantidfraudscore",
    "q_relevantidlaststartdate", "q_ballotboxstuffing", "q_totalduration", "q_url",
}


@dataclass
class RawTable:
    """A raw export as text: what the file says, before any codebook is applied."""

    headers: list[str]
    columns: list  # Arrow string (chunked) arrays, "" for empty, one per header
    rows: np.ndarray  # source row number of each record (int64)
    info: dict = field(default_factory=dict)  # format, encoding, delimiter, ... with reasons
    problems: list[dict] = field(default_factory=list)  # unreadable records (row-level)
    bad_rows: dict[int, str] = field(default_factory=dict)  # row -> raw text of such records
    declared_missing: dict[str, np.ndarray] = field(default_factory=dict)  # SPSS user-missing
    value_labels: dict[str, dict[str, object]] = field(default_factory=dict)  # SPSS label->code
    stored_codes: dict[str, object] = field(default_factory=dict)  # SPSS codes before labels
    code_labels: dict[str, dict[str, str]] = field(default_factory=dict)  # SPSS code -> label
    missing_spec: dict[str, list] = field(default_factory=dict)  # SPSS user-missing ranges
    variable_labels: dict[str, str] = field(default_factory=dict)  # header -> question text

    @property
    def n(self) -> int:
        return len(self.rows)


def to_numpy(arr) -> np.ndarray:
    """An Arrow array or chunked array as a numpy array (copies only when it must)."""
    if isinstance(arr, pa.ChunkedArray):
        return arr.to_numpy()
    return arr.to_numpy(zero_copy_only=False)


# --------------------------------------------------------------------------- detection


def _sniff_format(path: Path, head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head[:4] in (b"$FL2", b"$FL3"):
        return "sav"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        _fatal(path, "this is a legacy binary Excel (.xls) or other OLE file, which is not read",
               "open it in Excel and save it as .xlsx or CSV (UTF-8)")
    ext = path.suffix.lower()
    if ext in (".xlsx", ".xlsm", ".sav", ".zsav", ".parquet", ".pq"):
        _fatal(path, f"the file is named {ext} but its content is not that format "
               f"(it starts with {head[:8]!r})", "check that the file was not renamed or damaged")
    return "csv"


def _text_sample(path: Path, enc: str, bom: int) -> tuple[str, int]:
    """The header line, however long, plus about 64 KiB of the lines after it (decoded), and
    the length of the header line: delimiter and header are sniffed from whole lines."""
    with open(path, encoding=_stream_codec(enc, bom), errors="replace", newline="") as fh:
        first = fh.readline()
        return first + fh.read(SAMPLE_BYTES), len(first)


def _sniff_delimiter(text: str) -> tuple[str, str]:
    lines = text.splitlines(keepends=True)
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may cut the last line
    sample = "".join(lines[:50])
    best, best_score, notes = ",", (-1.0, 0), []
    for d in DELIMITERS:
        try:
            recs = [r for r in csv.reader(io.StringIO(sample), delimiter=d) if r]
        except csv.Error:
            continue
        if not recs:
            continue
        k = len(recs[0])
        same = sum(len(r) == k for r in recs[1:]) / max(len(recs) - 1, 1)
        notes.append(f"{_DELIM_NAMES[d]} gives {k} header field(s)")
        score = (same if k > 1 else -0.5, k)
        if score > best_score:
            best, best_score = d, score
    reason = (f"{_DELIM_NAMES[best]}: splits the header into {best_score[1]} fields and "
              f"{best_score[0]:.0%} of the sampled rows alike ({'; '.join(notes)})")
    return best, reason


# --------------------------------------------------------------------------- CSV


def _read_csv(path: Path, head: bytes, encoding: str | None, full: bool = False) -> RawTable:
    import pyarrow.csv as pacsv

    enc, enc_reason, bom = _detect_encoding(path, head, encoding, full)
    text_head, first_len = _text_sample(path, enc, bom)
    # the csv module refuses fields over 128 KiB by default: allow what this file holds
    csv.field_size_limit(max(csv.field_size_limit(), path.stat().st_size + 1))
    if not text_head.strip():
        _fatal(path, "the file is empty", "export the survey again; the file has no header")
    delim, delim_reason = _sniff_delimiter(text_head)
    header = next(csv.reader(io.StringIO(text_head), delimiter=delim))
    k = len(header)
    invalid: list[str] = []

    def handler(row):
        invalid.append(row.text)
        return "skip"

    read_opts = pacsv.ReadOptions(autogenerate_column_names=True,
                                  block_size=max(1 << 24, 8 * first_len),
                                  encoding=_stream_codec(enc, bom, arrow=True))
    parse_opts = pacsv.ParseOptions(delimiter=delim, newlines_in_values=True,
                                    ignore_empty_lines=False, invalid_row_handler=handler)
    conv_opts = pacsv.ConvertOptions(column_types={f"f{i}": pa.string() for i in range(k)},
                                     strings_can_be_null=False, quoted_strings_can_be_null=False)
    try:
        try:
            table = pacsv.read_csv(path, read_opts, parse_opts, conv_opts)
        except pa.ArrowInvalid as exc:
            if "straddling" not in str(exc):
                raise
            # a record longer than a block (a 40 MB answer): one block holding the whole file
            read_opts.block_size = int(min(path.stat().st_size + 1, 2**31 - 1))
            invalid.clear()
            table = pacsv.read_csv(path, read_opts, parse_opts, conv_opts)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if "utf8" in str(exc).lower() and not full and encoding is None:
            return _read_csv(path, head, encoding, full=True)  # invalid UTF-8 past the sample
        _fatal(path, f"the CSV could not be parsed: {exc}",
               "check quoting (an unclosed quote swallows the rest of the file)")
    cols = [table.column(i) for i in range(k)]  # chunked: no copy
    headers = [col[0].as_py() for col in cols] if table.num_rows else header
    cols = [col.slice(1) for col in cols]
    n = table.num_rows - 1
    raw = RawTable(headers=[str(h) for h in headers], columns=cols, rows=np.arange(2, n + 2),
                   info={"format": "csv", "encoding": enc, "encoding_reason": enc_reason,
                         "delimiter": delim, "delimiter_reason": delim_reason})
    if invalid:
        _locate_bad_records(path, enc, bom, delim, k, raw)
    return raw


def _locate_bad_records(path, enc, bom, delim, k, raw: RawTable) -> None:
    """Some records had the wrong number of fields (Arrow skipped them without saying where):
    scan the file once with the csv module to find their row numbers, and renumber the rest."""
    good = []
    with open(path, encoding=_stream_codec(enc, bom), newline="") as fh:
        for i, rec in enumerate(csv.reader(fh, delimiter=delim), start=1):
            if i == 1:
                continue
            if len(rec) == k or not rec:  # Arrow keeps a blank line as an empty record
                good.append(i)
            else:
                text = delim.join(rec)
                raw.bad_rows[i] = text
                what = "fewer" if len(rec) < k else "more"
                raw.problems.append({  # the record is not shown: it may hold PII columns
                    "row": i, "column": None, "value": None,
                    "problem": f"row has {len(rec)} field(s) but the header has {k} ({what})",
                    "hint": "a truncated row, or an unquoted delimiter/line break inside a value"
                    if what == "fewer" else "an unquoted delimiter inside a value: quote it"})
    if len(good) != raw.n:  # the two parsers disagree: trust neither silently
        _fatal(path, f"the CSV parses inconsistently ({raw.n} vs {len(good)} complete rows)",
               "check the quoting of the file")
    raw.rows = np.asarray(good, dtype=np.int64)


def _drop_blank_lines(raw: RawTable) -> None:
    """Drop records whose every field is empty (blank lines), and count them."""
    if not raw.n or not raw.columns:
        return
    blank = np.ones(raw.n, dtype=bool)
    for col in raw.columns:
        blank &= to_numpy(pc.equal(col, ""))
        if not blank.any():
            return
    keep = pa.array(~blank)
    raw.columns = [c.filter(keep) for c in raw.columns]
    raw.rows = raw.rows[~blank]
    raw.info["blank_rows_skipped"] = raw.info.get("blank_rows_skipped", 0) + int(blank.sum())


def _qualtrics(raw: RawTable) -> None:
    """Detect a Qualtrics export (question-text row + ImportId row) and drop those rows."""
    if raw.n < 1:
        return
    first = [c[0].as_py() for c in raw.columns]
    second = [c[1].as_py() for c in raw.columns] if raw.n > 1 else []

    def is_import_row(vals):
        return sum(v.startswith('{"ImportId"') for v in vals) >= max(1, len(vals) // 2)

    lowered = {h.strip().lower() for h in raw.headers}
    if second and is_import_row(second):
        extra, qtext, reason = 2, first, 'row 2 holds question text, row 3 {"ImportId": ...}'
    elif is_import_row(first):
        extra, qtext, reason = 1, None, 'row 2 holds {"ImportId": ...} import ids'
    elif "responseid" in lowered and any(v in ("Response ID", "ResponseID") for v in first):
        extra, qtext, reason = 1, first, "row 2 holds question text (legacy export)"
    else:
        return
    if qtext:
        raw.variable_labels = {h: v for h, v in zip(raw.headers, qtext, strict=True) if v}
    raw.columns = [c.slice(extra) for c in raw.columns]
    raw.rows = raw.rows[extra:]
    raw.info.update(qualtrics=True, header_rows=1 + extra,
                    qualtrics_reason=f"Qualtrics export: {reason}; those rows were dropped")


# --------------------------------------------------------------------------- XLSX


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):  # a spreadsheet boolean is not a code: kept as its text
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


def _read_xlsx(path: Path, sheet: str | None) -> RawTable:
    import openpyxl
    from openpyxl.utils import get_column_letter

    big = path.stat().st_size > 20_000_000
    try:
        wb = openpyxl.load_workbook(path, read_only=big, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        _fatal(path, f"the workbook could not be opened: {exc}", "save it again from Excel")
    names = wb.sheetnames
    if sheet is not None and sheet not in names:
        _fatal(path, f"no sheet {sheet!r} in the workbook", f"sheets: {', '.join(names)}")
    ws = wb[sheet] if sheet is not None else wb[names[0]]
    values = []
    rownums = []
    for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if any(v is not None and str(v).strip() != "" for v in row):
            values.append([_cell_text(v) for v in row])
            rownums.append(r)
    if not values:
        _fatal(path, f"sheet {ws.title!r} is empty", "put the export in the first sheet")
    width = max(len(v) for v in values)
    values = [v + [""] * (width - len(v)) for v in values]
    header, body, header_row = values[0], values[1:], rownums[0]
    problems = []
    merged = [] if big else [str(m) for m in ws.merged_cells.ranges
                             if m.min_row <= header_row <= m.max_row]
    for rng in merged:
        problems.append({"row": header_row, "column": None, "value": rng,
                         "problem": f"header cells {rng} are merged",
                         "hint": "unmerge them and give every column its own header"})
    keep = []
    for j, h in enumerate(header):
        has_data = any(r[j] != "" for r in body)
        if h.strip() == "":
            if has_data:
                problems.append({"row": header_row, "column": get_column_letter(j + 1),
                                 "value": None,
                                 "problem": f"column {get_column_letter(j + 1)} has answers but "
                                 "an empty header cell (merged or missing header)",
                                 "hint": "give the column the item id or its codebook alias"})
            continue
        keep.append(j)
    if problems:
        raise IngestError(str(path), problems)
    cols = [pa.array([r[j] for r in body], type=pa.string()) for j in keep]
    info = {"format": "xlsx", "sheet": ws.title,
            "sheet_reason": "given by the caller" if sheet else
            f"first sheet of {len(names)} ({', '.join(names)})"}
    return RawTable(headers=[header[j].strip() for j in keep], columns=cols,
                    rows=np.asarray(rownums[1:], dtype=np.int64), info=info)


# --------------------------------------------------------------------------- SAV, Parquet


def _num_text(arr: pa.Array) -> pa.Array:
    """Numbers as text with integral floats written without '.0'."""
    if pa.types.is_floating(arr.type):
        # NaN in a binary float column is how pandas/numpy write a missing value: missing.
        # +-inf stays "inf"/"-inf" text, which ingest refuses with its row and column.
        arr = pc.if_else(pc.is_nan(arr), pa.scalar(None, arr.type), arr)
        vals = arr.to_numpy(zero_copy_only=False)
        integral = np.isfinite(vals) & (np.floor(vals) == vals) & (np.abs(vals) < 2**53)
        as_int = pc.cast(pa.array(np.where(integral, vals, 0).astype(np.int64)), pa.string())
        txt = pc.if_else(pa.array(integral), as_int, pc.cast(arr, pa.string()))
        return pc.fill_null(txt, "")
    return pc.fill_null(pc.cast(arr, pa.string()), "")  # strings pass through as text


def _read_sav(path: Path) -> RawTable:
    import pyreadstat

    try:
        df, meta = pyreadstat.read_sav(str(path), user_missing=True,
                                       dates_as_pandas_datetime=False)
    except Exception as exc:
        _fatal(path, f"the SPSS file could not be read: {exc}", "save it again from SPSS")
    headers, cols = list(df.columns), []
    raw = RawTable(headers=headers, columns=cols, rows=np.arange(2, len(df) + 2),
                   info={"format": "sav", "encoding": meta.file_encoding,
                         "encoding_reason": "declared in the SPSS file header",
                         "value_labels": "SPSS value labels replace the stored codes"})
    ranges = meta.missing_ranges or {}
    for h in headers:
        s = df[h]
        arr = pa.array(s.to_numpy(dtype=object), from_pandas=True)
        if pa.types.is_null(arr.type):
            arr = pa.array([None] * len(s), type=pa.string())
        labels = meta.variable_value_labels.get(h, {})
        txt = _num_text(arr)
        if labels:
            raw.stored_codes[h] = txt
            raw.code_labels[h] = {_cell_text(k): str(v) for k, v in labels.items()}
            keys = pa.array([_cell_text(k) for k in labels], type=pa.string())
            lab = pa.array([str(v) for v in labels.values()], type=pa.string())
            idx = pc.index_in(txt, value_set=keys)
            txt = pc.if_else(pc.is_null(idx), txt, pc.take(lab, pc.fill_null(idx, 0)))
            raw.value_labels[h] = {str(v): k for k, v in labels.items()}
        if h in ranges:
            raw.missing_spec[h] = list(ranges[h])
        if h in ranges and len(s):
            miss = np.zeros(len(s), dtype=bool)
            numeric = pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type)
            vals = arr.to_numpy(zero_copy_only=False) if numeric else s.to_numpy(dtype=object)
            for rng in ranges[h]:
                lo, hi = rng["lo"], rng["hi"]
                if numeric:
                    miss |= (vals >= lo) & (vals <= hi)
                else:
                    miss |= np.array([v == lo or v == hi for v in vals], dtype=bool)
            raw.declared_missing[h] = miss
        cols.append(txt)
    raw.variable_labels = {h: lab for h, lab in zip(meta.column_names, meta.column_labels,
                                                    strict=True) if lab}
    return raw


def _read_parquet(path: Path) -> RawTable:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:
        _fatal(path, f"the Parquet file could not be read: {exc}", "write it again")
    cols = []
    for col in table.columns:
        arr = col.combine_chunks()
        if pa.types.is_dictionary(arr.type):
            arr = arr.cast(arr.type.value_type)
        if pa.types.is_boolean(arr.type):  # not codes 1/0: "true"/"false" text
            arr = pc.cast(arr, pa.string())
        cols.append(_num_text(arr))
    return RawTable(headers=[str(c) for c in table.column_names], columns=cols,
                    rows=np.arange(2, table.num_rows + 2), info={"format": "parquet"})


def _refuse_nul(path: Path, raw: RawTable) -> None:
    """A NUL character in a header or value means a damaged or binary file: refuse it, naming
    where (a prefix check would let one slip into an id past the first 64 KiB)."""
    problems = []
    for h in raw.headers:
        if "\x00" in h:
            problems.append({"row": 1, "column": h, "value": None,
                             "problem": "the header contains a NUL byte", "hint": None})
    for h, col in zip(raw.headers, raw.columns, strict=True):
        if not len(col) or not bytes_have(col, "\x00"):
            continue
        hit = to_numpy(pc.fill_null(pc.match_substring(col, "\x00"), False))
        for p in np.flatnonzero(hit)[:20]:
            problems.append({"row": int(raw.rows[p]), "column": h, "value": None,
                             "problem": "the value contains a NUL byte (the file is damaged "
                             "or binary)", "hint": None})
    if problems:
        problems[0]["hint"] = ("export the survey again; a text export never contains NUL "
                               "bytes")
        raise IngestError(str(path), problems)


# --------------------------------------------------------------------------- entry point


def read_export(path: str | os.PathLike, *, encoding: str | None = None,
                sheet: str | None = None) -> RawTable:
    """Read a raw survey export into a :class:`RawTable` of text columns.

    Parameters
    ----------
    path : path
        CSV/TSV/TXT (incl. Qualtrics exports), XLSX, SPSS ``.sav`` or Parquet.
    encoding : str, optional
        Force a text encoding instead of detecting it (any Python codec name).
    sheet : str, optional
        XLSX worksheet; the first sheet by default.

    Raises
    ------
    IngestError
        The file is empty, binary, undecodable or not parseable; the error names why.

    Examples
    --------
    >>> from cxresearch.readers import read_export
    >>> raw = read_export("data/examples/mitto_cx/mitto_cx_qualtrics.csv")  # doctest: +SKIP
    >>> raw.info["qualtrics"], raw.rows[:2]                                  # doctest: +SKIP
    (True, array([4, 5]))
    >>> # In R: readr::read_csv(f, skip = 3, col_names = names, col_types = cols(.default = "c"))
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder, not an export file", str(path))
    if not path.is_file():
        raise FileNotFoundError(errno.ENOENT, "no such export file", str(path))
    if path.stat().st_size == 0:
        _fatal(path, "the file is empty (0 bytes)", "export the survey again")
    with open(path, "rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    fmt = _sniff_format(path, head)
    if fmt == "xlsx":
        raw = _read_xlsx(path, sheet)
    elif fmt == "sav":
        raw = _read_sav(path)
    elif fmt == "parquet":
        raw = _read_parquet(path)
    else:
        try:
            raw = _read_csv(path, head, encoding)
        except csv.Error as exc:   # the csv module's own refusals (a bare CR in a field, ...)
            _fatal(path, f"the CSV could not be parsed: {exc}",
                   "check the line breaks and quoting of the file, or export it again")
        _qualtrics(raw)
    raw.info.setdefault("format", fmt)
    raw.info.setdefault("header_rows", 1)
    raw.info["row_numbers"] = ("1-based rows as a spreadsheet shows them: the header is row 1"
                               + (f" (rows 2-{raw.info['header_rows']} are Qualtrics header rows)"
                                  if raw.info["header_rows"] > 1 else "")
                               + f", respondents start on row {raw.info['header_rows'] + 1}"
                               if fmt in ("csv", "xlsx") else
                               "case k of the file is reported as row k + 1 (header = row 1)")
    _drop_blank_lines(raw)
    _refuse_nul(path, raw)
    dup = sorted({h for h in raw.headers if raw.headers.count(h) > 1})
    if dup:
        raise IngestError(str(path), [{"row": 1, "column": h, "value": None,
                                       "problem": f"column header {h!r} appears "
                                       f"{raw.headers.count(h)} times",
                                       "hint": "every column needs its own header"}
                                      for h in dup])
    return raw



# --------------------------------------------------------------------------- streaming


class NotStreamable(Exception):
    """This CSV cannot be read batch by batch with row numbers the whole-file reader would
    give (a record with the wrong number of fields, invalid UTF-8 after the sample, a record
    longer than a block, an unusual header): the caller reads it whole instead."""
