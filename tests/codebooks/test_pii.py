"""Personal data (issue 24, item 1): one detector reading whole columns; the draft marks such
columns ``pii: true`` with counts as evidence; no value of a personal-data or free-text column
appears in any file ``codebook draft`` writes or in what it prints.

Oracles: values built to be (or not be) personal data by the published rules — Luhn check
digits (ISO/IEC 7812), IBAN mod-97 (ISO 13616; the example IBANs of the standard's registry),
E.164 lengths; counts known by construction.
"""

from __future__ import annotations

import random

import pandas as pd
import pyarrow as pa
import pytest
import yaml

from cxresearch.codebooks.draft import draft
from cxresearch.codebooks.pii import PiiCounter, detect, redact
from cxresearch.intake.privacy import scan
from cxresearch.pipeline import cli

EMAILS = ["jane.doe@example.org", "x_y+tag@mail.example.co.uk", "o'brien@example.ie"]
PHONES = ["+44 7700 900123", "+1 (555) 123-4567", "0044 20 7946 0958", "07700 900123",
          "(020) 7946 0958", "555-123-4567", "06 12 34 56 78", "+4930123456",
          "+33 1 23 45 67 89", "030 12345678"]
IPS = ["192.168.0.17", "10.0.0.7", "2001:db8::ff00:42:8329", "fe80::1"]
CARDS = ["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005", "6011111111111117"]
IBANS = ["DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "NL91ABNA0417164300",
         "FR14 2004 1010 0505 0001 3M02 606"]
NOT_PII = ["5", "10", "-99", "2024-01-15", "12:30:45", "1234567.89", "0.123456789", "1974",
           "100234567", "0012345678", "R_1a2b3c", "3.14159265", "20240115", "1e10",
           "1,234,567", "Strongly agree", "N/A", "4111 1111 1111 1112", "DE00 3704 0044 0532 "
           "0130 00", "v1.2.3", "ISBN 978-3-16-148410-0"]


@pytest.mark.parametrize("kind,values", [("email", EMAILS), ("phone", PHONES), ("ip", IPS),
                                         ("card", CARDS), ("iban", IBANS)])
def test_each_kind_in_several_forms(kind, values):
    for v in values:
        assert detect(pa.array([v])) == {kind: 1}, v
    assert detect(pa.array(values + ["fine"] * 5)) == {kind: len(values)}


@pytest.mark.parametrize("value", NOT_PII)
def test_answers_that_are_not_personal_data(value):
    assert detect(pa.array([value] * 3)) == {}, value


def test_random_sixteen_digit_ids_are_not_cards():
    rng = random.Random(5)  # one in ten passes Luhn by chance: the column is not cards
    ids = [str(rng.randrange(10**15, 10**16)) for _ in range(2000)]
    assert detect(pa.array(ids)) == {}


def test_text_with_an_address_inside():
    col = pa.array(["please call me on +44 7700 900123 tomorrow", "mail jane@example.org",
                    "server 10.1.2.3 was slow", "nothing here at 5 pm"])
    assert detect(col) == {"email": 1, "phone": 1, "ip": 1}


def test_counter_is_streamed_and_keeps_no_values():
    c = PiiCounter()
    for k in range(50):  # 50 chunks, one e-mail in the last
        c.update(pa.array([f"answer {k}-{i}" for i in range(100)]
                          + (["late@example.org"] if k == 49 else [])))
    assert c.found() == {"email": 1} and c.cells == 5001
    assert "late@example.org" not in repr(vars(c))


def test_redact_every_kind():
    text = ("jane@example.org, +44 7700 900123, 10.0.0.7, 4111 1111 1111 1111, "
            "DE89 3704 0044 0532 0130 00; rating 5 on 2024-01-15 at 12:30")
    out = redact(text)
    for v in ("jane@", "7700", "10.0.0.7", "4111", "DE89"):
        assert v not in out
    assert "rating 5 on 2024-01-15 at 12:30" in out
    assert redact(7) == 7 and redact("fine") == "fine"


def test_ingest_scan_uses_the_same_detector():
    assert scan(pa.array(["+44 7700 900123", "ok"])) == {"phone": 1}


# ------------------------------------------------------------------ the draft


def _export(n=400, late=300):
    rng = random.Random(7)
    phone_col = [rng.choice(PHONES) for _ in range(n)]
    email_late = ["yes"] * n
    email_late[late] = "someone.late@example.org"  # far beyond a sample of 20
    email_late[late + 50] = "other.late@example.org"
    return pd.DataFrame({
        "contact": phone_col,
        "opt_in": email_late,
        "pay": [rng.choice(CARDS) for _ in range(n)],
        "bank": [rng.choice(IBANS) for _ in range(n)],
        "src": [rng.choice(IPS) for _ in range(n)],
        "comment": [f"my secret story number {i} about the shop" for i in range(n)],
        "essay": ["long " * 100 + str(i) for i in range(n)],
        "q1": [rng.randint(1, 5) for _ in range(n)],
    })


SECRETS = (EMAILS + PHONES + IPS + CARDS + IBANS + ["someone.late@example.org",
           "other.late@example.org", "my secret story", "long long"])


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    p = tmp_path_factory.mktemp("pii") / "export.csv"
    _export().to_csv(p, index=False)
    return p


def test_draft_marks_pii_with_counts(exported):
    d = draft(exported, "s", chunk_bytes=4096)  # many chunks
    items = {i["id"]: i for i in yaml.safe_load(d.yaml)["items"]}
    for col, kind in [("contact", "phone numbers"), ("opt_in", "e-mail addresses"),
                      ("pay", "payment-card numbers"), ("bank", "IBANs"),
                      ("src", "IP addresses")]:
        it = items[col]
        assert it["pii"] is True and it["type"] == "text", col
        assert kind in it["evidence"] and "of 400 answers" in it["evidence"], it
    assert items["opt_in"]["evidence"] == "e-mail addresses in 2 of 400 answers"
    assert items["comment"]["type"] == items["essay"]["type"] == "text"
    assert items["q1"]["type"] == "rating"


def test_no_pii_or_free_text_value_in_any_file_draft_writes(exported, tmp_path, capsys):
    out = tmp_path / "codebooks" / "s.yaml"
    out.parent.mkdir()
    assert cli.main(["codebook", "draft", str(exported), "--study", "s", "-o", str(out)]) == 0
    printed = capsys.readouterr()
    files = list(out.parent.iterdir())
    assert {f.name for f in files} == {"s.yaml", "s.review.html"}
    for f in files:
        text = f.read_text(encoding="utf-8")
        for secret in SECRETS:
            assert secret not in text, (f.name, secret)
            assert secret not in printed.out + printed.err
        # and not in any spelling the serializers could give it
        assert "7700" not in text and "@example" not in text and "4111" not in text


def test_header_names_personal_data_without_answers_to_count(tmp_path):
    df = pd.DataFrame({"Email": ["", ""] * 10, "first name": ["Ann", "Bob"] * 10,
                       "q": [1, 2] * 10})
    p = tmp_path / "h.csv"
    df.to_csv(p, index=False)
    d = draft(p, "s")
    items = {i["id"]: i for i in yaml.safe_load(d.yaml)["items"]}
    assert items["first_name"]["pii"] is True
    assert "Ann" not in d.yaml and "Ann" not in d.review


def test_pii_in_a_multi_select_option_column_is_not_an_option(tmp_path):
    df = pd.DataFrame({"ch_1": ["Email", ""] * 20, "ch_2": ["", "jane@example.org"] * 20})
    p = tmp_path / "m.csv"
    df.to_csv(p, index=False)
    d = draft(p, "s")
    assert "jane@example.org" not in d.yaml and "jane@example.org" not in d.review


@pytest.mark.parametrize("row", ["1,2,jane@example.org,extra", '1,"unterminated jane@example.org'])
def test_unreadable_rows_are_reported_without_their_content(tmp_path, row):
    p = tmp_path / "bad.csv"
    p.write_text("a,b,c\n1,2,3\n" + row + "\n4,5,6\n")
    with pytest.raises(ValueError, match="not a readable") as exc:
        draft(p, "s")
    assert "jane" not in str(exc.value)


@pytest.mark.parametrize("answers", [
    ["I love it", "Too slow for me", "Great staff", "", "", ""] * 1,  # few, each different
    ["This is a long answer with many more than eight words in it", "ok", "ok"] * 3])
def test_few_free_text_answers_never_become_levels(tmp_path, answers):
    df = pd.DataFrame({"why": answers, "q": list(range(1, len(answers) + 1))})
    p = tmp_path / "t.csv"
    df.to_csv(p, index=False)
    d = draft(p, "s")
    assert yaml.safe_load(d.yaml)["items"][0]["type"] == "text"
    for a in answers:
        if a and a != "ok":
            assert a not in d.yaml and a not in d.review


def test_sentences_joined_by_semicolons_are_not_options(tmp_path):
    rng = random.Random(3)
    parts = ["the staff in the shop was really friendly to me", "my parcel came two days late",
             "nothing else to add from my side today"]
    df = pd.DataFrame({"remarks": ["; ".join(rng.sample(parts, 2)) for _ in range(60)]})
    p = tmp_path / "r.csv"
    df.to_csv(p, index=False)
    d = draft(p, "s")
    assert yaml.safe_load(d.yaml)["items"][0]["type"] == "text"
    assert not any(x in d.yaml or x in d.review for x in parts)
