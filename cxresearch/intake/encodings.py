"""Byte-level reading of text exports: which encoding a file is in, decided over the whole
file, and fast character scans of Arrow string columns (used by :mod:`.readers` and
:mod:`.privacy`).

Encoding: a byte-order mark decides (UTF-8, UTF-32/UTF-16 LE/BE); otherwise strict UTF-8 over
the whole file; otherwise strict GB18030 (a superset of GBK/GB2312) *if* nearly all non-ASCII
characters it yields are Chinese *and* no part of the file is UTF-8 text beyond ASCII (a file
mixing the two is refused, naming a line of each); otherwise the file is refused with the
offending byte and line. A caller who knows the encoding passes it and it is used as given.

References
----------
The Unicode Standard, ch. 3, "UTF-8" (well-formed byte sequences, table 3-7).
GB 18030-2005, *Information technology — Chinese coded character set*.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxresearch.errors import IngestError

__all__ = ["SAMPLE_BYTES", "bytes_have", "char_counts", "detect_encoding", "fatal",
           "stream_codec"]

SAMPLE_BYTES = 1 << 16


def fatal(path, problem: str, hint: str | None = None, row=None, column=None, value=None):
    """Raise an :class:`IngestError` with one file-level problem."""
    raise IngestError(str(path), [{"row": row, "column": column, "value": value,
                                   "problem": problem, "hint": hint}])


def bytes_have(col, literal: str) -> bool:
    """Whether the character occurs anywhere in the column's character data (one vectorised
    byte comparison per chunk, no per-cell work; may say yes for a sliced-off cell)."""
    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    code = ord(literal)
    for chunk in chunks:
        if not pa.types.is_string(chunk.type):
            return True  # large_string etc.: let the exact pass decide
        data = chunk.buffers()[2]
        if data is not None and (np.frombuffer(data, dtype=np.uint8) == code).any():
            return True
    return False


def char_counts(col, literal: str) -> np.ndarray:
    """How often a one-byte character occurs in each cell (vectorised over the Arrow buffers:
    a cumulative count of the character, read at each cell's offsets)."""
    code = ord(literal)
    out = []
    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    for chunk in chunks:
        n = len(chunk)
        if not pa.types.is_string(chunk.type):
            chunk = pc.cast(chunk, pa.string())
        _, offsets, data = chunk.buffers()
        if data is None or n == 0:
            out.append(np.zeros(n, dtype=np.int64))
            continue
        off = np.frombuffer(offsets, dtype=np.int32)[chunk.offset: chunk.offset + n + 1]
        hits = np.concatenate([[0], np.cumsum(np.frombuffer(data, dtype=np.uint8) == code)])
        out.append(hits[off[1:]] - hits[off[:-1]])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def detect_encoding(path: Path, head: bytes, forced: str | None,
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
        fatal(path, "the file is binary, not a text export (it contains NUL bytes)",
               "export the survey as CSV, XLSX, SPSS .sav or Parquet")
    ctrl = sum(sample.count(bytes([b])) for b in [*range(0, 9), 11, 12, *range(14, 32)])
    if sample and ctrl > 0.01 * len(sample):
        fatal(path, f"the file is binary, not a text export ({ctrl} control bytes in the "
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
    _refuse_mixed_encodings(path)
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
    fatal(path, f"the file's encoding is not recognised: not UTF-8 (invalid byte {byte!r} on "
           f"line {line}), not UTF-16 (no byte-order mark) and not Chinese GB18030/GBK text",
           "likely Windows-1252/Latin-1: re-save the file as 'CSV UTF-8', or pass "
           "encoding='cp1252' to cx.ingest", row=line)
    raise AssertionError  # unreachable


_NON_ASCII_RUN = re.compile(rb"[\x80-\xff]+")


def _refuse_mixed_encodings(path: Path) -> None:
    """Refuse a file that is not valid UTF-8 yet holds UTF-8 text beyond Latin (e.g. Chinese).

    Every run of non-ASCII bytes is classified: valid UTF-8 with a character of three or more
    bytes (CJK and most non-Latin scripts), or of accented Latin letters glued to an ASCII
    letter (``café``), versus not UTF-8 at all. GBK/GB18030 Chinese text almost never forms
    such runs, so a file holding both kinds mixes two encodings (a
    GBK export with pasted-in UTF-8 answers, or the reverse): decoding it either way would turn
    some answers into mojibake, so it is refused, naming a line of each kind.
    """
    data = path.read_bytes()
    first: dict[bool, tuple[int, bytes]] = {}
    seen: set[tuple] = set()
    for m in _NON_ASCII_RUN.finditer(data):
        run = m.group()
        glued = (m.start() > 0 and chr(data[m.start() - 1]).isalpha()) or (
            m.end() < len(data) and chr(data[m.end()]).isalpha())
        if (run, glued) in seen:
            continue
        seen.add((run, glued))
        try:
            text = run.decode("utf-8")
        except UnicodeDecodeError:
            utf8 = False
        else:  # CJK etc., or accented Latin letters inside an ASCII word ("café")
            utf8 = any(ord(c) >= 0x800 for c in text) or (glued and all(
                unicodedata.name(c, "").startswith("LATIN") for c in text))
        if utf8 not in first:
            first[utf8] = (data.count(b"\n", 0, m.start()) + 1, run[:12])
            if len(first) == 2:
                break
    if len(first) == 2:
        (u_line, u_run), (o_line, o_run) = first[True], first[False]
        fatal(path, f"the file mixes text encodings: line {u_line} holds UTF-8 text "
               f"({u_run.decode('utf-8', 'replace')!r}) while line {o_line} is not UTF-8 "
               f"(bytes {o_run!r}, e.g. GBK/GB18030 or Windows-1252); decoding it either way "
               "would garble some answers",
               "re-save the whole file in one encoding (CSV UTF-8), or pass the encoding "
               "explicitly (encoding='gb18030' or 'utf-8') if you know it", row=o_line)


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


def stream_codec(enc: str, bom: int, arrow: bool = False) -> str:
    """The codec that reads the whole file (consuming a byte-order mark)."""
    if enc in ("utf-8", "utf8"):
        return "utf8" if arrow else ("utf-8-sig" if bom else "utf-8")  # Arrow skips the BOM
    if bom:
        return enc[:6]  # "utf-16" / "utf-32": the BOM tells the byte order and is consumed
    return enc
