"""Cells longer than Excel's limit (issue 24, item 5): cut at 32,767 characters with a marker
at the cut, a note under the table naming the cell, and a warning — never silently; shorter
cells (up to the limit exactly) are written in full."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from cxresearch.errors import CxWarning
from cxresearch.report.output.xlsx import XLSX_CELL_LIMIT, write_tables_xlsx


@pytest.mark.parametrize("n", [XLSX_CELL_LIMIT + 1, 40_000, 200_000])
def test_long_cell_truncated_with_note_and_warning(tmp_path, n):
    df = pd.DataFrame({"answer": ["y" * n, "short"], "k": [1, 2]})
    with pytest.warns(CxWarning, match=r"cell t!A2 holds .* characters"):
        write_tables_xlsx(tmp_path / "t.xlsx", [{"name": "t", "df": df}])
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")["t"]
    cell = ws["A2"].value
    assert len(cell) == XLSX_CELL_LIMIT
    assert cell.endswith(f"[truncated: {n:,} characters, Excel holds 32,767]")
    notes = [c.value for c in ws["A"] if isinstance(c.value, str) and "Cell A2" in c.value]
    assert notes and f"{n:,} in full" in notes[0]
    assert ws["A3"].value == "short"


@pytest.mark.parametrize("n", [100, XLSX_CELL_LIMIT - 1, XLSX_CELL_LIMIT])
def test_cells_up_to_the_limit_in_full(tmp_path, recwarn, n):
    text = "z" * (n - 1) + "!"
    write_tables_xlsx(tmp_path / "t.xlsx", [{"name": "t", "df": pd.DataFrame({"a": [text]})}])
    assert openpyxl.load_workbook(tmp_path / "t.xlsx")["t"]["A2"].value == text
    assert not [w for w in recwarn if issubclass(w.category, CxWarning)]


def test_long_header_and_formula_text(tmp_path):
    """A long header and a formula-like long text: both safe, both noted."""
    df = pd.DataFrame({"h" * 40_000: ["=" + "1+" * 20_000 + "1"]})
    with pytest.warns(CxWarning):
        write_tables_xlsx(tmp_path / "t.xlsx", [{"name": "t", "df": df}])
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")["t"]
    assert ws["A2"].value.startswith("'=") and ws["A2"].data_type == "s"
    notes = [c.value for c in ws["A"] if isinstance(c.value, str) and c.value.startswith(
        "Cell ")]
    assert len(notes) == 2
