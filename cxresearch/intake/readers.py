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
* encoding: a byte-order mark decides (UTF-8, UTF-16 LE/BE); otherwise strict UTF-8; otherwise
  strict GB18030 (a superset of GBK/GB2312) *if* nearly all non-ASCII characters it yields are
  Chinese; otherwise the file is refused with the offending byte and line;
* delimiter: the one of ``, ; TAB |`` that splits the header into the most fields with the
  sampled rows splitting into the same number (ties in that order).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxresearch.errors import IngestError

__all__ = ["QUALTRICS_METADATA", "RawTable", "read_export", "to_numpy"]

DELIMITERS = [",", ";", "\t", "|"]
_DELIM_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
SAMPLE_BYTES = 1 << 16

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
    variable_labels: dict[str, str] = field(default_factory=dict)  # header -> question text

    @property
    def n(self) -> int:
        return len(self.rows)


def to_numpy(arr) -> np.ndarray:
    """An Arrow array or chunked array as a numpy array (copies only when it must)."""
    if isinstance(arr, pa.ChunkedArray):
        return arr.to_numpy()
    return arr.to_numpy(zero_copy_only=False)


def _fatal(path, problem: str, hint: str | None = None, row=None, column=None, value=None):
    raise IngestError(str(path), [{"row": row, "column": column, "value": value,
                                   "problem": problem, "hint": hint}])


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


def _detect_encoding(path: Path, head: bytes, forced: str | None,
                     full: bool = False) -> tuple[str, str, int]:
    """Return (python codec, reason, BOM length).

    Without ``full``, a file whose first 64 KiB are valid UTF-8 is taken as UTF-8: the CSV
    parser validates every later byte and :func:`_read_csv` comes back with ``full=True`` (a
    scan of the whole file) when it finds an invalid one.
    """
    if forced:
        codecs.lookup(forced)  # LookupError names an unknown codec
        return forced, f"given by the caller (encoding={forced!r})", 0
    for bom, enc, name in ((codecs.BOM_UTF8, "utf-8", "UTF-8"),
                           (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 LE"),
                           (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 BE"),
                           (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"),
                           (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE")):
        if head.startswith(bom):
            return enc, f"{name} byte-order mark at the start of the file", len(bom)
    sample = head[:SAMPLE_BYTES]
    if b"\x00" in sample:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        half = len(sample) / 2
        if odd > 0.3 * half and even < 0.05 * half:
            return "utf-16-le", "no byte-order mark; NUL in every other byte (UTF-16 LE)", 0
        if even > 0.3 * half and odd < 0.05 * half:
            return "utf-16-be", "no byte-order mark; NUL in every other byte (UTF-16 BE)", 0
        _fatal(path, "the file is binary, not a text export (it contains NUL bytes)",
               "export the survey as CSV, XLSX, SPSS .sav or Parquet")
    ctrl = sum(sample.count(bytes([b])) for b in [*range(0, 9), 11, 12, *range(14, 32)])
    if sample and ctrl > 0.01 * len(sample):
        _fatal(path, f"the file is binary, not a text export ({ctrl} control bytes in the "
               f"first {len(sample)})", "export the survey as CSV, XLSX, SPSS .sav or Parquet")
    if not full:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
            return "utf-8", "no byte-order mark; the whole file is valid UTF-8", 0
        except UnicodeDecodeError:
            pass
    bad = _first_invalid(path, "utf-8")
    if bad is None:
        return "utf-8", "no byte-order mark; the whole file is valid UTF-8", 0
    if _first_invalid(path, "gb18030") is None:
        text = path.read_bytes().decode("gb18030")
        wide = set(c for c in text if ord(c) > 127)
        # Chinese text: ideographs/CJK punctuation whose bytes are all >= 0x80 (GB2312 zone).
        # Latin-1 text read as GBK gives characters whose second byte is an ASCII letter.
        cjk = sum(1 for c in wide if ("CJK" in unicodedata.name(c, "")
                                      or 0x3000 <= ord(c) <= 0x303F
                                      or 0xFF00 <= ord(c) <= 0xFFEF)
                  and min(c.encode("gb18030")) >= 0x80)
        if wide and cjk >= 0.9 * len(wide):
            return ("gb18030", f"no byte-order mark; not valid UTF-8 (byte {bad[1]!r} on line "
                    f"{bad[0]}); valid GB18030/GBK and {cjk} of {len(wide)} distinct non-ASCII "
                    "characters are Chinese (GB2312 zone)", 0)
    line, byte = bad
    _fatal(path, f"the file's encoding is not recognised: not UTF-8 (invalid byte {byte!r} on "
           f"line {line}), not UTF-16 (no byte-order mark) and not Chinese GB18030/GBK text",
           "likely Windows-1252/Latin-1: re-save the file as 'CSV UTF-8', or pass "
           "encoding='cp1252' to cx.ingest", row=line)
    raise AssertionError  # unreachable


def _first_invalid(path: Path, enc: str) -> tuple[int, bytes] | None:
    """(line, bytes) of the first undecodable byte sequence, or None; streams the file."""
    dec = codecs.getincrementaldecoder(enc)()
    line = 1
    with open(path, "rb") as fh:
        while True:
            block = fh.read(1 << 22)
            final = not block
            try:
                dec.decode(block, final=final)
            except UnicodeDecodeError as exc:
                return line + exc.object[: exc.start].count(b"\n"), exc.object[
                    exc.start: exc.start + 4]
            if final:
                return None
            line += block.count(b"\n")


def _stream_codec(enc: str, bom: int, arrow: bool = False) -> str:
    """The codec that reads the whole file (consuming a byte-order mark)."""
    if enc in ("utf-8", "utf8"):
        return "utf8" if arrow else ("utf-8-sig" if bom else "utf-8")  # Arrow skips the BOM
    if bom:
        return enc[:6]  # "utf-16" / "utf-32": the BOM tells the byte order and is consumed
    return enc


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
    text_head = head[bom:].decode(enc, errors="ignore")
    if not text_head.strip():
        _fatal(path, "the file is empty", "export the survey again; the file has no header")
    delim, delim_reason = _sniff_delimiter(text_head)
    header = next(csv.reader(io.StringIO(text_head), delimiter=delim))
    k = len(header)
    invalid: list[str] = []

    def handler(row):
        invalid.append(row.text)
        return "skip"

    read_opts = pacsv.ReadOptions(autogenerate_column_names=True, block_size=1 << 24,
                                  encoding=_stream_codec(enc, bom, arrow=True))
    parse_opts = pacsv.ParseOptions(delimiter=delim, newlines_in_values=True,
                                    ignore_empty_lines=False, invalid_row_handler=handler)
    conv_opts = pacsv.ConvertOptions(column_types={f"f{i}": pa.string() for i in range(k)},
                                     strings_can_be_null=False, quoted_strings_can_be_null=False)
    try:
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
                raw.problems.append({
                    "row": i, "column": None, "value": text[:80],
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
    if isinstance(v, bool):
        return "1" if v else "0"
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
            keys = pa.array([_cell_text(k) for k in labels], type=pa.string())
            lab = pa.array([str(v) for v in labels.values()], type=pa.string())
            idx = pc.index_in(txt, value_set=keys)
            txt = pc.if_else(pc.is_null(idx), txt, pc.take(lab, pc.fill_null(idx, 0)))
            raw.value_labels[h] = {str(v): k for k, v in labels.items()}
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
        if pa.types.is_boolean(arr.type):
            arr = pc.cast(arr, pa.int8())
        cols.append(_num_text(arr))
    return RawTable(headers=[str(c) for c in table.column_names], columns=cols,
                    rows=np.arange(2, table.num_rows + 2), info={"format": "parquet"})


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
    if not path.is_file():
        raise FileNotFoundError(f"no such export file: {path}")
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
        raw = _read_csv(path, head, encoding)
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
    dup = sorted({h for h in raw.headers if raw.headers.count(h) > 1})
    if dup:
        raise IngestError(str(path), [{"row": 1, "column": h, "value": None,
                                       "problem": f"column header {h!r} appears "
                                       f"{raw.headers.count(h)} times",
                                       "hint": "every column needs its own header"}
                                      for h in dup])
    return raw

