"""Excel workbooks for stakeholders (XlsxWriter): tables, banners, notes and provenance.

One sheet per table, frozen header rows, number formats (percent, decimals), notes under the
table (test, α, multiplicity, bases, the synthetic-data notice) and the provenance on a final
sheet. Every text cell and header goes through :func:`cxresearch.paths.spreadsheet_safe` (no
cell is ever evaluated as a formula: text is written with ``write_string``), and numbers stay
numbers. Files are written atomically. Read back with openpyxl in the tests.

A text longer than Excel's cell limit (32,767 characters) is cut there with a marker at its end
(``… [truncated: N characters, Excel holds 32,767]``), a note under the table naming the cell,
and a :class:`~cxresearch.errors.CxWarning`: never silently (the CSV and HTML tables hold the
full text).

References
----------
XlsxWriter documentation, https://xlsxwriter.readthedocs.io (``write_string``,
``freeze_panes``, ``num_format``). OWASP: CSV injection.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from cxresearch.paths import atomic_save, spreadsheet_safe

__all__ = ["Workbook", "print_setup", "sheet_name", "title_sheet_name", "write_tables_xlsx"]

_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")
_PLAIN_NUMBER = re.compile(r"^-?\d+(?:\.(\d+))?$")
SYNTHETIC = "Reconstructed (synthetic) data, not observed survey responses."
#: the most characters an Excel cell holds
XLSX_CELL_LIMIT = 32_767


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (≤ 31 characters, none of ``[]:*?/\\``)."""
    base = _BAD_SHEET.sub("_", str(name)).strip("'") or "Sheet"
    base = base[:31]
    out, i = base, 2
    while out.lower() in {t.lower() for t in taken}:
        suffix = f"~{i}"
        out = base[:31 - len(suffix)] + suffix
        i += 1
    taken.add(out)
    return out


def title_sheet_name(title: str, taken: set[str]) -> str:
    """A sheet name from a title in words: cut at a word boundary to 31 characters, unique
    (``~2``, ``~3`` ... on a clash)."""
    t = " ".join(_BAD_SHEET.sub(" ", str(title)).split()).strip("'") or "Sheet"
    if len(t) > 31:
        cut = t[:31].rsplit(" ", 1)[0]
        t = cut if len(cut) >= 12 else t[:31]
    return sheet_name(t.rstrip(" ,;:-\u2013"), taken)


def print_setup(ws, *, ncols: int, width_chars: float, header_row: int | None,
                footer: str | None = None, last_col: int | None = None) -> None:
    """Print set-up of a table sheet: landscape when wide, fit to one page wide (as many
    pages tall as needed), the header row repeated on every page, the source in the footer."""
    ws.set_paper(9)  # A4
    if ncols > 6 or width_chars > 95:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
    if header_row is not None:
        ws.repeat_rows(header_row)
    foot = (footer or "").replace("&", "&&")[:230]
    ws.set_header("&R&8Page &P of &N")            # the footer's full width is the source's
    if foot:
        ws.set_footer(f"&L&8{foot}")
    ws.hide_gridlines(2)


def row_height(texts_widths, *, font: float = 11, max_lines: int = 8) -> float | None:
    """Height (points) of a row whose wrapped text cells are ``(text, column width)`` pairs;
    None when one line is enough (LibreOffice does not grow rows written without a height)."""
    import math

    lines = 1
    for text, width in texts_widths:
        per = max(1.0, width * 1.3 * 11 / font)   # text is narrower than the digit "0"
        n = sum(max(1, math.ceil(len(part) / per)) for part in str(text).split("\n"))
        lines = max(lines, n)
    lines = min(lines, max_lines)
    return None if lines == 1 else round(lines * font * 1.32 + 2, 1)


class Workbook:
    """A thin wrapper of ``xlsxwriter.Workbook`` that writes only safe cells.

    Use as a context manager around an atomic write: ``Workbook(path)`` collects sheets and
    ``close()`` writes the file (temporary name, then rename).
    """

    def __init__(self, path):
        import xlsxwriter

        self.path = Path(path)
        self._tmp = None
        self._buf = __import__("io").BytesIO()
        self.wb = xlsxwriter.Workbook(self._buf, {"in_memory": True, "nan_inf_to_errors": True,
                                                  "strings_to_formulas": False,
                                                  "strings_to_urls": False,
                                                  "strings_to_numbers": False})
        self.names: set[str] = set()
        self.truncated: list[tuple[str, str, int]] = []   # (sheet, cell, full length)
        f = self.wb.add_format
        self.fmt = {
            "title": f({"bold": True, "font_size": 13}),
            "head": f({"bold": True, "bottom": 1, "text_wrap": True, "valign": "bottom"}),
            "headc": f({"bold": True, "bottom": 1, "align": "center", "text_wrap": True}),
            "letter_head": f({"bold": True, "align": "center", "font_color": "#555555"}),
            "note": f({"italic": True, "font_color": "#444444"}),
            "warn": f({"bold": True, "font_color": "#B00020"}),
            "text": f({}),
            "bold": f({"bold": True}),
            "letters": f({"font_color": "#1F4E79", "bold": True, "font_script": 1,
                          "align": "left"}),
            "pct0": f({"num_format": "0%"}), "pct1": f({"num_format": "0.0%"}),
            "int": f({"num_format": "#,##0"}), "base": f({"num_format": "#,##0",
                                                          "font_color": "#555555"}),
            "muted": f({"font_color": "#555555"}),
            "subtitle": f({"italic": True, "font_color": "#444444", "font_size": 10}),
            "th": f({"bold": True, "bottom": 1, "top": 1, "text_wrap": True, "valign": "bottom",
                     "bg_color": "#EEF2F7"}),
            "thr": f({"bold": True, "bottom": 1, "top": 1, "text_wrap": True, "valign": "bottom",
                      "align": "right", "bg_color": "#EEF2F7"}),
            "foot": f({"font_color": "#444444", "font_size": 9, "text_wrap": False}),
            "footwarn": f({"bold": True, "font_color": "#B00020", "font_size": 9}),
            "link": f({"font_color": "#1F4E79", "underline": 1}),
            "wrap": f({"text_wrap": True, "valign": "top", "indent": 1}),
            "indent": f({"indent": 1}),
            "wrapsmall": f({"text_wrap": True, "valign": "top", "font_size": 9}),
            "textr": f({"align": "right"}),
            "signed": f({"num_format": "+0;-0;0"}),
            "p": f({"num_format": "0.000"}),
        }
        self._dec: dict[int, object] = {}

    def typed_format(self, key: str):
        """The cell format of a :class:`~cxresearch.report.output.typed.TypedCell` kind."""
        if key.startswith("dec"):
            return self.dec(int(key[3:] or 0))
        return self.fmt.get(key)

    def dec(self, k: int):
        if k not in self._dec:
            self._dec[k] = self.wb.add_format({"num_format": "0" + ("." + "0" * k if k else "")})
        return self._dec[k]

    def add_sheet(self, name: str):
        return self.wb.add_worksheet(sheet_name(name, self.names))

    def text(self, ws, r: int, c: int, value, fmt=None) -> None:
        """A text cell, neutralised against formula injection."""
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            ws.write_blank(r, c, None, fmt)
            return
        text = spreadsheet_safe(str(value))
        if len(text) > XLSX_CELL_LIMIT:
            from xlsxwriter.utility import xl_rowcol_to_cell

            from cxresearch.errors import CxWarning

            mark = f" … [truncated: {len(text):,} characters, Excel holds {XLSX_CELL_LIMIT:,}]"
            cell = xl_rowcol_to_cell(r, c)
            self.truncated.append((ws.get_name(), cell, len(text)))
            warnings.warn(f"{self.path.name}: cell {ws.get_name()}!{cell} holds {len(text):,} "
                          f"characters, more than Excel's {XLSX_CELL_LIMIT:,}; it was "
                          f"truncated there, with a note in the sheet (the CSV and HTML "
                          f"tables hold the full text)", CxWarning, stacklevel=3)
            text = text[:XLSX_CELL_LIMIT - len(mark)] + mark
        ws.write_string(r, c, text, fmt)

    def cell(self, ws, r: int, c: int, value, fmt=None) -> None:
        """A number stays a number (NaN -> blank); anything else is a safe text cell."""
        if isinstance(value, bool | np.bool_):
            ws.write_boolean(r, c, bool(value), fmt)
        elif isinstance(value, int | float | np.integer | np.floating):
            if np.isfinite(value):
                ws.write_number(r, c, float(value), fmt)
            else:
                ws.write_blank(r, c, None, fmt)
        else:
            self.text(ws, r, c, value, fmt)

    def notes(self, ws, r: int, notes, synthetic: bool = False) -> int:
        r += 1
        if synthetic:
            self.text(ws, r, 0, SYNTHETIC, self.fmt["warn"])
            r += 1
        for n in notes or []:
            if n == SYNTHETIC:
                continue
            self.text(ws, r, 0, n, self.fmt["note"])
            r += 1
        return r

    def table(self, name: str, df: pd.DataFrame, *, title: str | None = None, notes=(),
              synthetic: bool = False, text_numbers: bool = False) -> str:
        """A sheet holding ``df``; returns the sheet name. With ``text_numbers`` the cells
        are formatted text (as ``save_table`` renders them) and plain numbers among them are
        written as numbers with the decimals shown."""
        ws = self.add_sheet(name)
        r = 0
        if title or synthetic:
            head = title or name
            if synthetic and "synthetic" not in head.lower():
                head += " (reconstructed, synthetic data)"
            self.text(ws, 0, 0, head, self.fmt["title"])
            r = 2
        for j, col in enumerate(df.columns):
            self.text(ws, r, j, col, self.fmt["head"])
            width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200)])
            ws.set_column(j, j, min(max(8, width + 2), 60))
        ws.freeze_panes(r + 1, 0)
        values = df.astype(object).to_numpy() if len(df.columns) else np.empty((len(df), 0))
        for i, row in enumerate(values, start=r + 1):
            for j, v in enumerate(row):
                if text_numbers and isinstance(v, str) and _PLAIN_NUMBER.match(v.strip()):
                    m = _PLAIN_NUMBER.match(v.strip())
                    self.cell(ws, i, j, float(v), self.dec(len(m.group(1) or "")))
                elif isinstance(v, float | np.floating) and float(v).is_integer() and \
                        abs(v) < 1e15 and str(df.columns[j]).lower() in ("n", "count"):
                    self.cell(ws, i, j, v, self.fmt["int"])
                else:
                    self.cell(ws, i, j, v)
        cut = [f"Cell {cell} was truncated to Excel's limit of {XLSX_CELL_LIMIT:,} characters "
               f"({n:,} in full; the CSV and HTML tables hold the full text)."
               for sheet, cell, n in self.truncated if sheet == ws.get_name()]
        self.notes(ws, r + len(df) + 1, [*(notes or []), *cut], synthetic)
        widths = [min(max(8, max([len(str(c))] + [len(str(v)) for v in df[c].head(200)]) + 2),
                      60) for c in df.columns]
        print_setup(ws, ncols=len(df.columns), width_chars=sum(widths), header_row=r)
        return ws.get_name()

    def provenance(self, entries, name: str = "Provenance") -> str:
        """A final sheet: one block per manifest entry (kind, name, files, git, waves)."""
        ws = self.add_sheet(name)
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 100)
        self.text(ws, 0, 0, "Provenance", self.fmt["title"])
        r = 2
        for e in entries:
            for key in ("kind", "name", "created", "notebook", "synthetic", "package", "git",
                        "waves", "files", "parameters"):
                if key not in e:
                    continue
                v = e[key]
                v = v if isinstance(v, str) else json.dumps(v, default=str, sort_keys=True)
                self.text(ws, r, 0, key, self.fmt["bold"])
                self.text(ws, r, 1, v)
                r += 1
            r += 1
        return ws.get_name()

    def tabulation(self, title: str, typed, *, subtitle: str | None = None,
                   footnotes=(), synthetic: bool = False, source: str | None = None,
                   sheet: str | None = None) -> str:
        """A table sheet as a tabulation: title in words, subtitle (base, weighting, data,
        wave), headers in words, typed numbers with formats, footnotes under the table, print
        set-up. ``typed`` is a :class:`~cxresearch.report.output.typed.TypedTable`; returns
        the sheet name."""
        ws = self.wb.add_worksheet(title_sheet_name(sheet or title, self.names))
        f = self.fmt
        self.text(ws, 0, 0, title, f["title"])
        if subtitle:
            self.text(ws, 1, 0, subtitle, f["subtitle"])
        h = 3
        widths = []
        for j, head in enumerate(typed.headers):
            self.text(ws, h, j, head, f["thr"] if typed.numeric[j] else f["th"])
            cells = [row[j] for row in typed.rows[:300]]
            longest = max([len(str(c.value)) + (2 if c.fmt.startswith("pct") else 0)
                           for c in cells if c.value is not None] or [4])
            head_w = max(len(w) for w in str(head).split())
            w = min(max(longest + 2, head_w + 2, 9 if typed.numeric[j] else 10),
                    12 if typed.numeric[j] else 48)
            widths.append(w)
            ws.set_column(j, j, w, (f["wrap"] if w >= 48 else f["indent"])
                          if not typed.numeric[j] else None)
        ws.set_row(h, 30 if any(len(str(x)) > w for x, w in zip(typed.headers, widths,
                                                               strict=True)) else None)
        for i, row in enumerate(typed.rows, start=h + 1):
            tall = row_height([(c.value, widths[j]) for j, c in enumerate(row)
                               if isinstance(c.value, str) and widths[j] >= 48])
            if tall:
                ws.set_row(i, tall)
            for j, c in enumerate(row):
                if c.value is None:
                    continue
                if isinstance(c.value, str):
                    self.text(ws, i, j, c.value, f["textr"] if typed.numeric[j] else
                              f["wrap"] if widths[j] >= 48 else f["indent"])
                else:
                    self.cell(ws, i, j, c.value, self.typed_format(c.fmt))
        ws.freeze_panes(h + 1, 0)
        r = h + len(typed.rows) + 2
        if synthetic:
            self.text(ws, r, 0, SYNTHETIC, f["footwarn"])
            r += 1
        for n in list(footnotes):
            if n == SYNTHETIC or not n:
                continue
            self.text(ws, r, 0, n, f["foot"])
            r += 1
        print_setup(ws, ncols=len(typed.headers), width_chars=sum(widths), header_row=h,
                    footer=source)
        return ws.get_name()

    def contents(self, ws, rows, *, title: str, subtitle: str | None = None) -> None:
        """Fill the contents sheet ``ws`` (created first so that it opens first): one
        hyperlinked line per table (``rows``: dicts ``sheet, title, base, data, waves``)."""
        f = self.fmt
        self.text(ws, 0, 0, title, f["title"])
        if subtitle:
            self.text(ws, 1, 0, subtitle, f["subtitle"])
        heads = ["#", "Table", "Base", "Data", "Study and wave"]
        widths = [4, 64, 16, 26, 40]
        for j, (hd, w) in enumerate(zip(heads, widths, strict=True)):
            self.text(ws, 3, j, hd, f["th"])
            ws.set_column(j, j, w)
        for i, r in enumerate(rows, start=4):
            ws.write_number(i, 0, i - 3)
            ws.write_url(i, 1, f"internal:'{r['sheet']}'!A1", f["link"],
                         string=spreadsheet_safe(str(r["title"]))[:255])
            self.text(ws, i, 2, r.get("base") or "")
            self.text(ws, i, 3, r.get("data") or "")
            self.text(ws, i, 4, r.get("waves") or "")
        ws.freeze_panes(4, 0)
        print_setup(ws, ncols=5, width_chars=sum(widths), header_row=3,
                    footer=subtitle)
        ws.activate()

    def provenance_rows(self, rows, *, name: str = "Provenance", note: str | None = None
                        ) -> str:
        """A compact final sheet: one row per output (``rows``: dicts with ``output, kind,
        notebook, files, commit, waves, data, created``) that prints in a few pages."""
        ws = self.add_sheet(name)
        f = self.fmt
        self.text(ws, 0, 0, "Provenance: where every output comes from", f["title"])
        if note:
            self.text(ws, 1, 0, note, f["subtitle"])
        heads = [("output", "Output", 34), ("kind", "Kind", 7), ("notebook", "Notebook", 22),
                 ("waves", "Study and wave", 24), ("data", "Data", 14),
                 ("files", "Files (sha256, first 12 hex digits)", 52),
                 ("commit", "Commit", 12), ("created", "Created (UTC)", 17)]
        for j, (_, hd, w) in enumerate(heads):
            self.text(ws, 3, j, hd, f["th"])
            ws.set_column(j, j, w)
        for i, r in enumerate(rows, start=4):
            tall = row_height([(r.get(k) or "", w) for k, _, w in heads], font=9)
            ws.set_row(i, tall)
            for j, (key, _, _) in enumerate(heads):
                self.text(ws, i, j, r.get(key) or "", f["wrapsmall"])
        ws.freeze_panes(4, 1)
        print_setup(ws, ncols=len(heads), width_chars=sum(w for *_, w in heads),
                    header_row=3, footer="cxresearch provenance")
        return ws.get_name()

    def close(self) -> Path:
        self.wb.close()
        data = self._buf.getvalue()
        atomic_save(self.path, lambda tmp: Path(tmp).write_bytes(data))
        return self.path


def write_tables_xlsx(path, tables, provenance=None) -> Path:
    """Write ``tables`` (list of dicts ``name, df, title, notes, synthetic, text_numbers``)
    into one workbook with a provenance sheet (``provenance``: list of manifest entries)."""
    book = Workbook(path)
    for t in tables:
        book.table(t["name"], t["df"], title=t.get("title"), notes=t.get("notes", ()),
                   synthetic=bool(t.get("synthetic")), text_numbers=t.get("text_numbers",
                                                                          False))
    if provenance is not None:
        book.provenance(provenance)
    return book.close()
