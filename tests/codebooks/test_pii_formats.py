"""Personal data in exports other than CSV (audit of issue 24, item 1): the same detector runs
on Excel workbooks (where card numbers and phone numbers often arrive as numbers) and SPSS
files; the draft marks each column ``pii: true`` and no value reaches the codebook or the
review page.
"""

from __future__ import annotations

import random

import pandas as pd
import pytest
import yaml

from cxresearch.codebooks.draft import draft

EMAILS = ["jane.doe@example.org", "x_y+tag@mail.example.co.uk", "late.comer@example.net"]
PHONES = ["+44 7700 900123", "07700 900456", "(020) 7946 0958", "+1 (555) 123-4567"]
CARDS_AS_NUMBERS = [4111111111111111, 5500000000000004, 378282246310005, 6011111111111117]
IBANS = ["DE89370400440532013000", "GB82WEST12345698765432", "NL91ABNA0417164300"]
IPS = ["192.168.0.17", "10.0.0.77", "2001:db8::ff00:42:8329"]


def _frame(n=60):
    rng = random.Random(7)
    return pd.DataFrame({
        "q1": [rng.randint(1, 5) for _ in range(n)],
        "q2": [rng.randint(1, 5) for _ in range(n)],
        "opt_in": [""] * 25 + [EMAILS[i % 3] for i in range(n - 25)],
        "contact": [PHONES[i % 4] for i in range(n)],
        "pay": [CARDS_AS_NUMBERS[i % 4] for i in range(n)],
        "bank": [IBANS[i % 3] for i in range(n)],
        "src": [IPS[i % 3] for i in range(n)],
    })


def _check(d):
    items = {i["id"]: i for i in yaml.safe_load(d.yaml)["items"]}
    for col in ("opt_in", "contact", "pay", "bank", "src"):
        assert items[col].get("pii") is True, items[col]
    for text in (d.yaml, d.review):
        for v in EMAILS + PHONES + IBANS + IPS + [str(c) for c in CARDS_AS_NUMBERS]:
            assert v not in text, v
        assert "7700" not in text and "@example" not in text and "411111" not in text


def test_xlsx_with_numbers_for_cards(tmp_path):
    path = tmp_path / "export.xlsx"
    _frame().to_excel(path, index=False)
    _check(draft(path, "s"))


def test_sav(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    path = tmp_path / "export.sav"
    df = _frame()
    df["pay"] = df["pay"].astype(str)
    pyreadstat.write_sav(df, str(path))
    _check(draft(path, "s"))


def test_tab_separated_and_semicolon(tmp_path):
    for sep, suffix in (("\t", ".tsv"), (";", ".csv")):
        path = tmp_path / f"export{suffix}"
        _frame().to_csv(path, index=False, sep=sep)
        _check(draft(path, "s"))


@pytest.mark.parametrize("value,kind", [
    (" +44 7700 900123", "phone"), ("+44 7700 900123 ", "phone"), ("\t07700 900123", "phone"),
    ("4111111111111111 ", "card"), ("  5500-0000-0000-0004", "card"),
    (" GB82WEST12345698765432\t", "iban"), (" jane.doe@example.org ", "email"),
    ("tel: 020 7946 0958", "phone"), ("Tel.:(020) 7946 0958", "phone"),
    ("Mobile 07700 900123", "phone"), ("M: 07700900123", "phone"),
    ("telephone: +44 7700 900123", "phone"), ("fax 0201234567", "phone"),
])
def test_padded_and_labelled_values(value, kind):
    """Spaces around a cell (spreadsheets keep them) and a label before a phone number do not
    hide the value (both were missed on main)."""
    import pyarrow as pa

    from cxresearch.codebooks.pii import detect

    assert detect(pa.array([value])) == {kind: 1}


@pytest.mark.parametrize("value", ["Total: 12345678", "Phone 12", "tel", "mob: yes please",
                                   "T: 5", "m: 2024-01-15", "  5  ", " 1999 "])
def test_labels_and_padding_do_not_make_personal_data(value):
    import pyarrow as pa

    from cxresearch.codebooks.pii import detect

    assert detect(pa.array([value])) == {}
