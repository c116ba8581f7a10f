"""Hostile exports at ingest: every case is refused with its row/column/value, or handled
correctly and said so — never a silent wrong answer, never personal data in what ingest writes
or prints.

Classes: decoding over the whole file (mixed GBK/UTF-8, header longer than the 64 KiB sample,
NUL bytes past it); non-finite and huge numbers in numeric, NPS, weight and Likert items;
personal data (PII columns, Qualtrics IP/e-mail metadata, unknown columns, e-mail/IP values in
unmarked columns and in the id) kept out of quarantine.csv, messages and the manifest;
spreadsheet formulas in quarantine.csv; spreadsheet/Parquet booleans in coded columns; SPSS
value labels that contradict the codebook (and the explicit option to trust them); file names
with control characters.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import cxresearch as cx
from cxresearch.errors import IngestError, PiiSuspectedWarning

ROOT = Path(__file__).resolve().parents[2]
CODEBOOK = """\
format_version: 1
study: hx
meta: {title: T, publisher: P, fieldwork_year: 2024, population: p, source: [none],
       languages: [en, zh]}
ignore_columns: [StartDate]
items:
  - {id: rid, type: id, wording: {en: Respondent, zh: 受访者}}
  - {id: email, type: text, pii: true, wording: {en: E-mail, zh: 邮箱}}
  - id: sat
    type: likert
    wording: {en: Satisfied, zh: 满意}
    levels:
      - {code: 1, value: disagree, labels: {en: Disagree, zh: 不同意}}
      - {code: 2, value: neutral, labels: {en: Neutral, zh: 中立}}
      - {code: 3, value: agree, labels: {en: Agree, zh: 同意}}
    missing: [9]
  - {id: rec, type: nps_0_10, wording: {en: Recommend, zh: 推荐}}
  - {id: spend, type: numeric, scale_min: 0, scale_max: 1000000, wording: {en: Spend, zh: 花费}}
  - {id: note, type: text, wording: {en: Comment, zh: 评论}}
  - id: channel
    type: multi
    wording: {en: Channels, zh: 渠道}
    options:
      - {value: email, labels: {en: E-mail channel, zh: 电子邮件}}
      - {value: phone, labels: {en: Phone, zh: 电话}}
  - {id: weight, type: weight, wording: {en: Weight, zh: 权重}}
"""
HEADER = ["rid", "email", "sat", "rec", "spend", "note", "weight"]
GOOD = [["r1", "a@b.com", "1", "9", "10", "ok", "1"],
        ["r2", "c@d.com", "3", "7", "20", "fine", "1.5"],
        ["r3", "e@f.org", "2", "10", "30", "好", "0.5"]]


@pytest.fixture
def hx(tmp_path):
    path = tmp_path / "hx.yaml"
    path.write_text(CODEBOOK, encoding="utf-8")
    return path


def _csv(rows, header=HEADER) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([header, *rows])  # quotes a lone \r
    return buf.getvalue()


def _write(tmp_path, content, name="export.csv", encoding="utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return p


def _rows(**cells):
    """GOOD with cells replaced: r1_spend="..." (0-based row, column)."""
    rows = [list(r) for r in GOOD]
    for key, value in cells.items():
        i, col = key.split("_", 1)
        rows[int(i[1:])][HEADER.index(col)] = value
    return rows


def _refused(path, hx, *patterns, **kw) -> IngestError:
    with pytest.raises(IngestError) as info:
        cx.ingest(path, hx, "w1", **kw)
    for pat in patterns:
        assert pat in str(info.value), f"{pat!r} not in:\n{info.value}"
    return info.value


def _no_waves(data):
    assert [p for p in (data / "waves").rglob("*") if ".locks" not in p.parts] == []


# --------------------------------------------------------------------------- decoding


def _gbk_with_utf8_cells(utf8_rows: set[int], n: int = 40) -> bytes:
    lines = [",".join(HEADER).encode()]
    for i in range(n):
        text = "非常满意的服务" if i % 2 else "一般般吧"
        enc = "utf-8" if i in utf8_rows else "gbk"
        lines.append(f"r{i},x{i}@example.com,2,8,5,{text},1".encode(enc))
    return b"\n".join(lines) + b"\n"


@pytest.mark.parametrize("utf8_rows", [{5}, {0, 1}, {39}, set(range(0, 40, 3))])
def test_mostly_gbk_with_some_utf8_is_refused_not_mojibake(data, hx, tmp_path, utf8_rows):
    path = _write(tmp_path, _gbk_with_utf8_cells(utf8_rows))
    err = _refused(path, hx, "mixes text encodings", "UTF-8")
    assert "@" not in str(err)
    _no_waves(data)


def test_mostly_utf8_with_a_gbk_cell_is_refused(data, hx, tmp_path):
    rows = [f"r{i},x@y.z,2,8,5,{'非常满意' if i != 7 else ''},1".encode() for i in range(30)]
    rows[7] = "r7,x@y.z,2,8,5,非常满意,1".encode("gbk")
    path = _write(tmp_path, b"\n".join([",".join(HEADER).encode(), *rows]) + b"\n")
    _refused(path, hx, "mixes text encodings")


def test_mixed_cells_in_one_line_are_refused(data, hx, tmp_path):
    line = b"r1,a@b.c,2,8,5," + "满意".encode() + b" " + "满意".encode("gbk") + b",1"
    path = _write(tmp_path, ",".join(HEADER).encode() + b"\n" + line + b"\n")
    _refused(path, hx, "mixes text encodings")


@pytest.mark.parametrize("latin", ["café", "naïve", "Ångström", "Müller"])
def test_gbk_with_utf8_accented_words_is_refused(data, hx, tmp_path, latin):
    rows = [f"r{i},x@y.z,2,8,5,非常满意,1".encode("gbk") for i in range(20)]
    rows[11] = f"r11,x@y.z,2,8,5,{latin} ok,1".encode()
    path = _write(tmp_path, b"\n".join([",".join(HEADER).encode(), *rows]) + b"\n")
    _refused(path, hx, "mixes text encodings", "line 13")


def test_gbk_single_characters_that_happen_to_be_valid_utf8_are_read(data, hx, tmp_path):
    # 女 is C5 AE in GBK, which is also valid UTF-8 ("Ů"): alone in a cell it is GBK text
    rows = [f"r{i},x@y.z,2,8,5,{'女' if i % 2 else '男'},1".encode("gbk") for i in range(20)]
    path = _write(tmp_path, b"\n".join([",".join(HEADER).encode(), *rows]) + b"\n")
    w = cx.ingest(path, hx, "w1", write=False)
    assert set(w.data["note"]) == {"女", "男"}


def test_pure_gbk_still_reads_and_forcing_the_encoding_decides(data, hx, tmp_path):
    path = _write(tmp_path, _gbk_with_utf8_cells(set()))
    w = cx.ingest(path, hx, "w1", write=False)
    assert w.manifest["reading"]["encoding"] == "gb18030"
    assert set(w.data["note"]) == {"非常满意的服务", "一般般吧"}
    mixed = _write(tmp_path, _gbk_with_utf8_cells({3}), name="mixed.csv")
    # forced GBK: the caller decides; the UTF-8 cell is not valid GB18030 and the CSV reader
    # says so (no silent replacement characters)
    err = _refused(mixed, hx, encoding="gb18030")
    assert "could not be parsed" in str(err) or "decode" in str(err).lower()


@pytest.mark.parametrize("pad", [70_000, 140_000])
def test_header_longer_than_the_sample(data, hx, tmp_path, pad):
    header = ["rid", "x" * pad, "sat", "rec", "spend", "note", "weight"]
    rows = [["r1", "", "1", "9", "10", "ok", "1"], ["r2", "", "3", "7", "20", "fine", "2"]]
    path = _write(tmp_path, _csv(rows, header))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = cx.ingest(path, hx, "w1", write=False)
    assert list(w.data["sat"]) == [1, 3]
    assert list(w.data["weight"]) == [1.0, 2.0]
    assert w.data[["sat", "rec", "spend", "note", "weight"]].notna().all().all()


def test_long_quoted_header_cell(data, hx, tmp_path):
    header = ["rid", "sat", "rec", "spend", "note", "weight", "x, " * 30_000]
    rows = [["r1", "1", "9", "10", "ok", "1", ""]]
    path = _write(tmp_path, _csv(rows, header))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = cx.ingest(path, hx, "w1", write=False)
    assert w.data.loc[0, "note"] == "ok" and w.data.loc[0, "weight"] == 1.0


@pytest.mark.parametrize("column", ["rid", "note", "sat"])
@pytest.mark.parametrize("where", [70_000, 300_000])
def test_nul_byte_after_the_sample_is_refused(data, hx, tmp_path, column, where):
    n = where // 20
    rows = [[f"r{i}", "a@b.c", "2", "8", "5", "text", "1"] for i in range(n)]
    rows[-1][HEADER.index(column)] = rows[-1][HEADER.index(column)][:1] + "\x00" + "z"
    path = _write(tmp_path, _csv(rows))
    assert path.stat().st_size > 65_536 and path.read_bytes().index(b"\x00") > 65_536
    err = _refused(path, hx, "NUL byte", f"row {n + 1}")
    assert any(p["column"] == column for p in err.problems)
    _no_waves(data)


def test_nul_in_a_parquet_string(data, hx, tmp_path):
    t = pa.table({"rid": ["r1", "r\x002"], "sat": ["1", "2"]})
    pq.write_table(t, tmp_path / "x.parquet")
    _refused(tmp_path / "x.parquet", hx, "NUL byte", "row 3")


# --------------------------------------------------------------------------- non-finite numbers

HUGE = ["1e309", "-1e309", "1E400", "9" * 400, "1" + "0" * 400 + ".5", "-" + "9" * 320]
NOT_NUMBERS = ["inf", "-inf", "Infinity", "nan", "NaN", "-NaN", "1e309x"]


@pytest.mark.parametrize("value", HUGE + NOT_NUMBERS)
@pytest.mark.parametrize("column", ["spend", "rec", "weight", "sat"])
def test_non_finite_numbers_are_refused_with_row_column_value(data, hx, tmp_path, value,
                                                              column):
    path = _write(tmp_path, _csv(_rows(**{f"r1_{column}": value})))
    err = _refused(path, hx)
    hits = [p for p in err.problems if p["row"] == 3 and p["column"] == column]
    assert hits and hits[0]["value"] == value, err.problems
    w = cx.ingest(path, hx, "w1", on_error="quarantine")
    assert w.manifest["rows_rejected"] == 1 and len(w.data) == 2
    for col in ("spend", "weight"):
        assert np.isfinite(w.data[col].to_numpy(dtype=float, na_value=0.0)).all()


def test_parquet_nan_is_missing_and_inf_is_refused(data, hx, tmp_path):
    nan, inf = float("nan"), float("inf")
    pq.write_table(pa.table({"rid": ["a", "b", "c"], "spend": [1.0, nan, 2.0]}),
                   tmp_path / "n.parquet")
    w = cx.ingest(tmp_path / "n.parquet", hx, "w1", write=False)
    assert w.data["spend"].isna().tolist() == [False, True, False]
    for bad in (inf, -inf):
        pq.write_table(pa.table({"rid": ["a", "b"], "weight": [1.0, bad]}),
                       tmp_path / "i.parquet")
        err = _refused(tmp_path / "i.parquet", hx, "row 3", "'weight'")
        assert "inf" in str(err)


def test_huge_but_finite_is_range_checked(data, hx, tmp_path):
    path = _write(tmp_path, _csv(_rows(r0_spend="1e300")))
    _refused(path, hx, "above the maximum")


# --------------------------------------------------------------------------- personal data


def _quarantine(data) -> pd.DataFrame:
    return pd.read_csv(data / "waves" / "hx" / "w1" / "quarantine.csv", dtype=str,
                       keep_default_na=False)


def _all_text(data) -> str:
    return "\n".join(p.read_text("utf-8", errors="replace")
                     for p in (data / "waves").rglob("*") if p.is_file()
                     and p.suffix in (".csv", ".json"))


def test_pii_column_never_reaches_quarantine_messages_or_manifest(data, hx, tmp_path):
    rows = _rows(r1_sat="7", r2_rec="eleven")
    path = _write(tmp_path, _csv(rows))
    err = _refused(path, hx)
    for secret in ("c@d.com", "e@f.org"):
        assert secret not in str(err)
    cx.ingest(path, hx, "w1", on_error="quarantine")
    q = _quarantine(data)
    assert "email" not in q.columns and len(q) == 2
    text = _all_text(data)
    for secret in ("a@b.com", "c@d.com", "e@f.org"):
        assert secret not in text


def test_qualtrics_metadata_and_unknown_columns_stay_out_of_quarantine(data, hx, tmp_path):
    header = [*HEADER, "IPAddress", "RecipientEmail", "mystery"]
    rows = [[*r, f"10.0.0.{i}", f"boss{i}@corp.com", f"secret{i}"]
            for i, r in enumerate(_rows(r0_sat="5"))]
    path = _write(tmp_path, _csv(rows, header))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cx.ingest(path, hx, "w1", on_error="quarantine")
    q = _quarantine(data)
    assert not {"IPAddress", "RecipientEmail", "mystery", "email"} & set(q.columns)
    text = _all_text(data)
    assert "10.0.0.0" not in text and "boss0@corp.com" not in text and "secret0" not in text


@pytest.mark.parametrize("value,kind", [
    ("write to jane.doe@example.com please", "e-mail"),
    ("JANE@EXAMPLE.CO.UK", "e-mail"),
    ("from 192.168.10.24", "IP"),
    ("2001:db8::8a2e:370:7334", "IP"),
    ("fe80::1", "IP"),
])
def test_email_or_ip_in_an_unmarked_column_warns_and_is_withheld(data, hx, tmp_path, value,
                                                                 kind):
    path = _write(tmp_path, _csv(_rows(r0_note=value, r0_sat="8")))
    with pytest.warns(PiiSuspectedWarning, match=f"column 'note'.*{kind}") as rec:
        err = _refused(path, hx)
    assert value not in str(err) and value not in str(rec[0].message)
    with pytest.warns(PiiSuspectedWarning):
        w = cx.ingest(path, hx, "w1", on_error="quarantine")
    assert w.manifest["pii_suspected"] == {"note": {"email" if kind == "e-mail" else "ip": 1}}
    q = _quarantine(data)
    assert "withheld" in q.loc[0, "note"]
    assert value not in _all_text(data)


@pytest.mark.parametrize("ids", [["a@b.com", "c@d.com", "a@b.com"],
                                 ["10.1.1.1", "10.1.1.2", "10.1.1.1"]])
def test_email_or_ip_as_respondent_id(data, hx, tmp_path, ids):
    rows = _rows(r0_rid=ids[0], r1_rid=ids[1], r2_rid=ids[2])  # a duplicate id as well
    path = _write(tmp_path, _csv(rows))
    with pytest.warns(PiiSuspectedWarning, match="column 'rid'"):
        err = _refused(path, hx, "appears more than once")
    assert ids[0] not in str(err)


def test_values_that_only_resemble_addresses_do_not_warn(data, hx, tmp_path):
    rows = _rows(r0_note="at 12:30:45 on v1.2.3", r1_note="price 3.5", r2_note="a @ b")
    path = _write(tmp_path, _csv(rows))
    with warnings.catch_warnings():
        warnings.simplefilter("error", PiiSuspectedWarning)
        w = cx.ingest(path, hx, "w1", write=False)
    assert "pii_suspected" not in w.manifest


def test_unreadable_row_is_listed_without_its_text(data, hx, tmp_path):
    text = _csv(GOOD) + "r9,secret@x.com,1,2\n"
    path = _write(tmp_path, text)
    err = _refused(path, hx, "field(s)")
    assert "secret@x.com" not in str(err)
    cx.ingest(path, hx, "w1", on_error="quarantine")
    assert "secret@x.com" not in _all_text(data)
    assert "_raw" not in _quarantine(data).columns


# --------------------------------------------------------------------------- formulas


@pytest.mark.parametrize("payload", ['=HYPERLINK("http://x","y")', "+1+cmd|' /C calc'!A0",
                                     "-2+3", "@SUM(A1)", "\tTAB", "\r=1"])
def test_quarantine_neutralises_formulas(data, hx, tmp_path, payload):
    path = _write(tmp_path, _csv(_rows(r0_note=payload, r0_sat="bad")))
    cx.ingest(path, hx, "w1", on_error="quarantine")
    q = _quarantine(data)
    assert q.loc[0, "note"].startswith("'")
    assert q.loc[0, "_source_row"] == "2"  # numbers stay numbers


# --------------------------------------------------------------------------- booleans


def _xlsx(tmp_path, rows, header, name="x.xlsx") -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(tmp_path / name)
    return tmp_path / name


@pytest.mark.parametrize("column,cell", [("sat", True), ("sat", False), ("rec", True),
                                         ("spend", False), ("weight", True)])
def test_excel_booleans_in_coded_or_numeric_columns_are_refused(data, hx, tmp_path, column,
                                                                cell):
    rows = [["r1", 1, 9, 10, "ok", 1], ["r2", 2, 8, 20, "ok", 1]]
    header = ["rid", "sat", "rec", "spend", "note", "weight"]
    rows[1][header.index(column)] = cell
    err = _refused(_xlsx(tmp_path, rows, header), hx)
    assert any(p["column"] == column and p["row"] == 3
               and p["value"] in ("TRUE", "FALSE") for p in err.problems), err.problems


@pytest.mark.parametrize("column,cell", [
    ("sat", "date"), ("sat", 2.5), ("sat", "#N/A"), ("rec", "#DIV/0!"), ("spend", "date"),
    ("weight", "#VALUE!"), ("sat", 0.5)])
def test_other_excel_type_confusions_are_refused(data, hx, tmp_path, column, cell):
    import datetime as dt

    header = ["rid", "sat", "rec", "spend", "note", "weight"]
    rows = [["r1", 1, 9, 10, "ok", 1], ["r2", 2, 8, 20, "ok", 1]]
    rows[1][header.index(column)] = dt.datetime(2024, 3, 1) if cell == "date" else cell
    err = _refused(_xlsx(tmp_path, rows, header), hx)
    assert any(p["column"] == column and p["row"] == 3 for p in err.problems), err.problems


def test_excel_booleans_still_tick_multi_select_options(data, hx, tmp_path):
    header = ["rid", "sat", "channel__email", "channel__phone"]
    rows = [["r1", 1, True, False], ["r2", 2, False, True]]
    w = cx.ingest(_xlsx(tmp_path, rows, header), hx, "w1", write=False)
    assert list(w.data["channel__email"]) == [True, False]


def test_parquet_booleans_in_a_likert_column_are_refused(data, hx, tmp_path):
    pq.write_table(pa.table({"rid": ["r1", "r2"], "sat": [True, False]}), tmp_path / "b.parquet")
    _refused(tmp_path / "b.parquet", hx, "'true'")


# --------------------------------------------------------------------------- SPSS labels


def _sav(tmp_path, labels, missing=None, name="x.sav") -> Path:
    import pyreadstat

    df = pd.DataFrame({"rid": ["a", "b", "c"], "sat": [1.0, 2.0, 3.0], "rec": [9.0, 10.0, 0.0]})
    kw = {"missing_ranges": missing} if missing else {}
    pyreadstat.write_sav(df, str(tmp_path / name), variable_value_labels=labels, **kw)
    return tmp_path / name


AGREE = {1: "Disagree", 2: "Neutral", 3: "Agree"}
CONTRADICTIONS = {
    "reversed": ({"sat": {1: "Agree", 2: "Neutral", 3: "Disagree"}}, None,
                 "labels code 1 'Agree'", [3, 2, 1]),
    "numeral": ({"sat": {1: "3", 2: "2", 3: "3"}}, None, "labels code 1 '3'", [3, 2, 3]),
    "lacks_code": ({"sat": {**AGREE, 7: "Totally"}}, None, "code 7 'Totally'", [1, 2, 3]),
    "other_language": ({"sat": {1: "同意", 2: "中立", 3: "不同意"}}, None,
                       "labels code 1 '同意'", [3, 2, 1]),
    "user_missing": ({"sat": AGREE}, {"sat": [3]}, "declares code 3 user-missing",
                     [1, 2, None]),
    "nps_numeral": ({"rec": {0: "10", 10: "0"}}, None, "labels code 0 '10'", [1, 2, 3]),
}


@pytest.mark.parametrize("case", list(CONTRADICTIONS))
def test_spss_labels_contradicting_the_codebook(data, hx, tmp_path, case):
    labels, missing, says, _ = CONTRADICTIONS[case]
    path = _sav(tmp_path, labels, missing)
    err = _refused(path, hx, says, "trust_file_labels")
    p = next(p for p in err.problems if p["kind"] == "file_labels_contradict")
    assert p["column"] in labels or p["column"] in (missing or {})
    _no_waves(data)


@pytest.mark.parametrize("case", ["reversed", "numeral", "other_language", "user_missing"])
def test_trusting_the_files_labels_is_explicit(data, hx, tmp_path, case):
    labels, missing, _, expected = CONTRADICTIONS[case]
    w = cx.ingest(_sav(tmp_path, labels, missing), hx, "w1", trust_file_labels=True)
    assert [None if pd.isna(v) else v for v in w.data["sat"]] == expected
    assert "trusted" in w.manifest["reading"]["value_labels"]


@pytest.mark.parametrize("labels", [{"sat": AGREE}, {"sat": {1: "disagree", 3: "AGREE"}},
                                    {"rec": {0: "Not at all likely", 10: "Extremely likely"}},
                                    {"sat": {9: "Don't know"}}])
def test_agreeing_labels_read_the_codes(data, hx, tmp_path, labels):
    w = cx.ingest(_sav(tmp_path, labels), hx, "w1", write=False)
    assert list(w.data["sat"]) == [1, 2, 3] and list(w.data["rec"]) == [9, 10, 0]


def test_cli_flag_trusts_the_files_labels(data, hx, tmp_path):
    from cxresearch.pipeline.cli import build_parser

    path = _sav(tmp_path, CONTRADICTIONS["reversed"][0])
    args = build_parser().parse_args(["ingest", str(path), "--instrument", str(hx), "--wave",
                                      "w1", "--trust-file-labels"])
    assert args.trust_file_labels is True
    from cxresearch.intake.ingestion import run_cli

    assert run_cli(args, None) == 0
    assert list(cx.load_wave(hx, "w1").data["sat"]) == [3, 2, 1]


def test_ingest_checks_its_flags(data, hx, tmp_path):
    path = _write(tmp_path, _csv(GOOD))
    with pytest.raises(TypeError, match="trust_file_labels must be True or False"):
        cx.ingest(path, hx, "w1", trust_file_labels="yes")
    with pytest.raises(TypeError, match="instrument must be"):
        cx.ingest(path, None, "w1")
    with pytest.raises(TypeError, match="path must be a file path"):
        cx.ingest(None, hx, "w1")


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize("name", ["evil\x1b[2J.csv", "a\u202egpj.csv", "bell\x07.csv",
                                  "nl\nname.csv"])
def test_control_characters_in_file_names_are_printed_escaped(data, hx, tmp_path, name,
                                                              capsys):
    from cxresearch.intake.ingestion import run_cli
    from cxresearch.pipeline.cli import build_parser

    path = _write(tmp_path, _csv(_rows(r0_sat="8", r1_note="x@y.com")), name=name)
    err = _refused(path, hx)
    first = str(err).splitlines()[0]
    assert first.isprintable() and any(e in first for e in ("\\x", "\\u", "\\n"))
    args = build_parser().parse_args(["ingest", str(path), "--instrument", str(hx),
                                      "--wave", "w1", "--on-error", "quarantine"])
    assert run_cli(args, None) == 0
    out = capsys.readouterr()
    lines = (out.out + out.err).splitlines()
    assert any("warning:" in line and "note" in line for line in lines)  # the PII warning
    assert all(line.isprintable() for line in lines), lines


@pytest.mark.slow
def test_cli_prints_an_escaped_file_name(data, hx, tmp_path):
    path = _write(tmp_path, _csv(_rows(r0_sat="8")), name="evil\x1b]0;pwned\x07.csv")
    env = {**os.environ, "CXRESEARCH_DATA": str(data)}
    proc = subprocess.run([str(ROOT / ".venv" / "bin" / "cxresearch"), "ingest", str(path),
                           "--instrument", str(hx), "--wave", "w1"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "\x1b" not in proc.stderr and "\\x1b" in proc.stderr


@pytest.mark.parametrize("label", ["2024\n", "２０２４", "2024 ", "../x"])
def test_ingest_refuses_lookalike_wave_labels(data, hx, tmp_path, label):
    path = _write(tmp_path, _csv(GOOD))
    with pytest.raises(ValueError, match="wave must be"):
        cx.ingest(path, hx, label)
    _no_waves(data)


def test_manifest_has_no_personal_data(data, hx, tmp_path):
    path = _write(tmp_path, _csv(GOOD))
    cx.ingest(path, hx, "w1")
    m = json.loads((data / "waves" / "hx" / "w1" / "manifest.json").read_text("utf-8"))
    assert "@" not in json.dumps(m)
