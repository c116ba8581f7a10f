"""Bad (and awkward) input to ``cx.ingest``: every case must name what is wrong, or be accepted
when the codebook makes the answer unambiguous.

Each case builds a small export of the ``mitto_cx`` codebook (or another study's where it
matters) in a temporary folder and runs the ingest with ``CXRESEARCH_DATA`` pointed at a
temporary data folder, so nothing touches the repository. Row numbers in the assertions are
the rows a spreadsheet shows (header = row 1).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os

import numpy as np
import pandas as pd
import pytest

import cxresearch as cx
from cxresearch.errors import IngestError, UnknownColumnsWarning, WaveExistsError

HEADER = ["ResponseId", "Q1", "Q9", "Q10", "Q20", "Q21", "Q4", "weight"]
GOOD = [
    ["R1", "Marketing", "CEO", "Full omnichannel strategy implemented", "9", "75", "Email", "1.2"],
    ["R2", "Customer service", "No clear owner", "2", "6", "60", "Email;SMS / text messaging",
     "0.8"],
    ["R3", "Marketing", "Head of marketing", "3", "8", "70", "", "1"],
]


def _csv(rows, header=HEADER, delimiter=",") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows([header, *rows])
    return buf.getvalue()


def _rows(**changes):
    """GOOD with cells replaced: changes like r1_Q10="7" (row index 0-based, column name)."""
    rows = [list(r) for r in GOOD]
    for key, value in changes.items():
        i, col = key.split("_", 1)
        rows[int(i[1:])][HEADER.index(col)] = value
    return rows




def _write(tmp_path, content, name="export.csv", encoding="utf-8"):
    p = tmp_path / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_bytes(content.encode(encoding))
    return p


def _fails(path, *patterns, instrument="mitto_cx", **kw) -> IngestError:
    with pytest.raises(IngestError) as info:
        cx.ingest(path, instrument, "w1", **kw)
    text = str(info.value)
    for pat in patterns:
        assert pat in text, f"{pat!r} not in:\n{text}"
    return info.value


def _problem(err: IngestError, kind: str) -> dict:
    hits = [p for p in err.problems if p.get("kind") == kind]
    assert hits, f"no problem of kind {kind!r} in {[p.get('kind') for p in err.problems]}"
    return hits[0]


def _nothing_written(data):
    assert list((data / "waves").rglob("*")) == []


# --------------------------------------------------------------------------- file level


def test_empty_file(tmp_path, data):
    _fails(_write(tmp_path, b""), "the file is empty")
    _nothing_written(data)


def test_whitespace_only_file(tmp_path, data):
    _fails(_write(tmp_path, "\n  \n"), "the file is empty")


def test_header_only(tmp_path, data):
    err = _fails(_write(tmp_path, _csv([])), "header but no data rows")
    assert _problem(err, "no_rows")["row"] is None


def test_binary_garbage(tmp_path, data):
    junk = np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8).tobytes()
    _fails(_write(tmp_path, junk), "binary, not a text export")


def test_legacy_xls_refused(tmp_path, data):
    _fails(_write(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.xls"),
           "legacy binary Excel", "save it as .xlsx")


def test_renamed_file_refused(tmp_path, data):
    _fails(_write(tmp_path, _csv(GOOD), "export.xlsx"), "named .xlsx", "not that format")


def test_wrong_encoding_named_with_line(tmp_path, data):
    # Windows-1252 text ("Très") is neither UTF-8, UTF-16 nor Chinese GB18030
    text = _csv(_rows(r2_Q1="Très marketing"))
    err = _fails(_write(tmp_path, text, encoding="cp1252"), "encoding is not recognised",
                 "not UTF-8", "cp1252")
    assert err.problems[0]["row"] == 4  # the line holding the byte


def test_wrong_encoding_can_be_forced(tmp_path, data):
    text = _csv(_rows(r2_Q1="Marketing", r2_Q9="CEO"))
    w = cx.ingest(_write(tmp_path, text, encoding="cp1252"), "mitto_cx", "w1", encoding="cp1252",
                  write=False)
    assert w.manifest["reading"]["encoding"] == "cp1252"


def test_truncated_last_row(tmp_path, data):
    text = _csv(GOOD) + "R4,Marketing,CEO"  # cut off mid-row, no newline
    err = _fails(_write(tmp_path, text), "row has 3 field(s) but the header has 8")
    assert _problem(err, "unreadable_row")["row"] == 5


def test_row_with_extra_field(tmp_path, data):
    text = _csv(GOOD) + "R4,Marketing,CEO,2,7,55,Email,1,surplus\n"
    err = _fails(_write(tmp_path, text), "9 field(s) but the header has 8", "unquoted delimiter")
    assert _problem(err, "unreadable_row")["row"] == 5


def test_duplicate_column_header(tmp_path, data):
    _fails(_write(tmp_path, _csv([r + ["x"] for r in GOOD], HEADER + ["Q1"])),
           "column header 'Q1' appears 2 times")


# --------------------------------------------------------------------------- columns


def test_unknown_column_that_looks_like_a_typo(tmp_path, data):
    header = [("Omnichanel maturity" if h == "Q10" else h) for h in HEADER]
    err = _fails(_write(tmp_path, _csv(GOOD, header)), "unknown column 'Omnichanel maturity'",
                 "did you mean 'omnichannel maturity'", "omnichannel_maturity")
    assert _problem(err, "unknown_column")["column"] == "Omnichanel maturity"


def test_unknown_column_is_dropped_and_counted(tmp_path, data):
    path = _write(tmp_path, _csv([r + ["blue"] for r in GOOD], HEADER + ["favourite_colour"]))
    with pytest.warns(UnknownColumnsWarning, match="favourite_colour"):
        w = cx.ingest(path, "mitto_cx", "w1")
    assert w.manifest["columns_dropped"]["unknown"] == ["favourite_colour"]
    assert "favourite_colour" not in w.data.columns


def test_missing_required_item(tmp_path, data):
    keep = [i for i, h in enumerate(HEADER) if h != "Q9"]
    rows = [[r[i] for i in keep] for r in GOOD]
    err = _fails(_write(tmp_path, _csv(rows, [HEADER[i] for i in keep])),
                 "required item 'cx_owner' has no column", "'Q9'")
    assert _problem(err, "missing_required_item")["column"] == "cx_owner"


def test_different_studys_export(tmp_path, data):
    cxn = cx.paths.examples_dir() / "cxn_dcx" / "cxn_dcx_responses.sav"
    err = _fails(cxn, "does not look like a mitto_cx export", "codebook 'cxn_dcx'",
                 "check --instrument")
    assert _problem(err, "different_study")


def test_multi_select_in_both_layouts(tmp_path, data):
    path = _write(tmp_path, _csv([r + ["1"] for r in GOOD], HEADER + ["Q4_1"]))
    _fails(path, "multi-select 'channels_used' is given both as one column")


# --------------------------------------------------------------------------- values


def test_out_of_scale_code(tmp_path, data):
    err = _fails(_write(tmp_path, _csv(_rows(r1_Q10="7"))), "'7' is outside the item's codes (1..4)")
    p = _problem(err, "out_of_scale")
    assert (p["row"], p["column"], p["value"]) == (3, "Q10", "7")


def test_non_whole_code(tmp_path, data):
    err = _fails(_write(tmp_path, _csv(_rows(r0_Q10="2.5"))), "'2.5' is not a whole number")
    assert _problem(err, "not_whole")["row"] == 2


def test_unknown_label(tmp_path, data):
    err = _fails(_write(tmp_path, _csv(_rows(r2_Q1="Sales"))), "item 'role': value 'Sales'",
                 "expected 1=Marketing; 2=Customer service")
    p = _problem(err, "unknown_label")
    assert (p["row"], p["column"]) == (4, "Q1")


def test_label_differing_in_case_and_spaces_is_accepted(tmp_path, data):
    w = cx.ingest(_write(tmp_path, _csv(_rows(r0_Q1="  MARKETING ", r1_Q9="no   CLEAR owner"))),
                  "mitto_cx", "w1", write=False)
    assert list(w.data["role"].astype(str))[0] == "marketing"
    assert list(w.data["cx_owner"].astype(str))[1] == "no_clear_owner"
    assert w.manifest["answers"]["normalized_or_prefixed"] == 2


def test_labels_in_other_languages_are_accepted(tmp_path, data):
    rows = _rows(r0_Q1="营销", r1_Q1="Layanan pelanggan", r0_Q9="没有明确的所有者")
    w = cx.ingest(_write(tmp_path, _csv(rows)), "mitto_cx", "w1", write=False)
    assert list(w.data["role"].astype(str)) == ["marketing", "customer_service", "marketing"]
    assert w.data["cx_owner"].astype(str).iloc[0] == "no_clear_owner"
    assert w.manifest["answers"]["label_zh"] >= 2 and w.manifest["answers"]["label_id"] >= 1


def test_missing_codes_and_labels_become_na(tmp_path, data):
    w = cx.ingest(_write(tmp_path, _csv(_rows(r0_Q20="-99", r1_Q20="不知道", r2_Q21="Don't know"))),
                  "mitto_cx", "w1", write=False)
    assert w.data["nps"].isna().tolist() == [True, True, False]
    assert w.data["csat_pct"].isna().tolist() == [False, False, True]


def test_duplicate_respondent_id(tmp_path, data):
    err = _fails(_write(tmp_path, _csv(_rows(r2_ResponseId="R1"))),
                 "respondent id 'R1' appears more than once (rows 2, 4)")
    assert sorted(p["row"] for p in err.problems if p["kind"] == "duplicate_id") == [2, 4]


def test_mixed_types_in_numeric_column(tmp_path, data):
    err = _fails(_write(tmp_path, _csv(_rows(r1_Q21="seventy"))),
                 "item 'csat_pct': value 'seventy' is not a number")
    assert _problem(err, "not_numeric")["column"] == "Q21"


def test_non_numeric_nps(tmp_path, data):
    err = _fails(_write(tmp_path, _csv(_rows(r0_Q20="eight"))), "item 'nps': value 'eight'")
    assert _problem(err, "not_numeric")["value"] == "eight"


def test_nps_eleven(tmp_path, data):
    err = _fails(_write(tmp_path, _csv(_rows(r0_Q20="11"))), "'11' is outside the item's codes (0..10)")
    assert _problem(err, "out_of_scale")["row"] == 2


def test_numeric_above_range(tmp_path, data):
    err = _fails(_write(tmp_path, _csv(_rows(r0_Q21="130"))), "above the maximum 100")
    assert _problem(err, "above_range")["value"] == "130"


def test_negative_weight(tmp_path, data):
    err = _fails(_write(tmp_path, _csv(_rows(r1_weight="-0.5"))), "negative weight")
    assert _problem(err, "negative_weight")["row"] == 3


def test_missing_weight(tmp_path, data):
    err = _fails(_write(tmp_path, _csv(_rows(r2_weight=""))), "missing weight")
    assert _problem(err, "weight_missing")["row"] == 4


def test_required_item_empty(tmp_path, data):
    err = _fails(_write(tmp_path, _csv(_rows(r0_Q1=" "))), "required item 'role' is empty")
    assert _problem(err, "required_empty")["row"] == 2


def test_unknown_option_in_joined_multi_select(tmp_path, data):
    err = _fails(_write(tmp_path, _csv(_rows(r0_Q4="Email;Fax"))), "value 'Fax' is not an option")
    assert _problem(err, "unknown_option")["column"] == "Q4"


def test_bad_tick_in_option_column(tmp_path, data):
    header = [h for h in HEADER if h != "Q4"] + ["Q4_1", "Q4_3"]
    rows = [[c for h, c in zip(HEADER, r, strict=True) if h != "Q4"] + t
            for r, t in zip(GOOD, [["1", "0"], ["Email", ""], ["maybe", "1"]], strict=True)]
    err = _fails(_write(tmp_path, _csv(rows, header)), "'maybe' is not a tick mark")
    assert _problem(err, "bad_option_cell")["row"] == 4


def test_too_many_choices_in_multi_select(tmp_path, data):
    header = ["respondent_id", "Top trends", "Investment priorities"]
    rows = [["G1", "Data and analytics | Conversational AI", "Personalisation"],
            ["G2", "Data and analytics | Conversational AI | Automation | Personalisation",
             "Personalisation"]]
    err = _fails(_write(tmp_path, _csv(rows, header)), "4 options chosen, more than the maximum 3",
                 instrument="gscx_trends")
    assert _problem(err, "too_many_choices")["row"] == 3


def test_multiple_problems_reported_at_once(tmp_path, data):
    rows = _rows(r0_Q10="9", r1_Q1="Sales", r2_weight="-1", r2_Q20="12")
    err = _fails(_write(tmp_path, _csv(rows)), "4 problem(s) found")
    assert {(p["row"], p["column"]) for p in err.problems} == {
        (2, "Q10"), (3, "Q1"), (4, "weight"), (4, "Q20")}
    assert all(p["hint"] for p in err.problems)


# --------------------------------------------------------------------------- encodings, layouts


@pytest.mark.parametrize("encoding,bom", [("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE),
                                          ("utf-16-be", codecs.BOM_UTF16_BE)])
def test_byte_order_marks(tmp_path, data, encoding, bom):
    text = _csv(_rows(r0_Q1="营销"))
    w = cx.ingest(_write(tmp_path, bom + text.encode(encoding)), "mitto_cx", "w1", write=False)
    assert w.manifest["columns_mapped"]["ResponseId"] == "respondent_id"  # BOM not in the header
    assert "byte-order mark" in w.manifest["reading"]["encoding_reason"]
    assert w.data["role"].astype(str).iloc[0] == "marketing"


def test_gb18030_chinese_export(tmp_path, data):
    rows = _rows(r0_Q1="营销", r1_Q1="客户服务", r2_Q9="首席执行官")
    w = cx.ingest(_write(tmp_path, _csv(rows), encoding="gb18030"), "mitto_cx", "w1", write=False)
    assert w.manifest["reading"]["encoding"] == "gb18030"
    assert "Chinese" in w.manifest["reading"]["encoding_reason"]
    assert list(w.data["role"].astype(str)) == ["marketing", "customer_service", "marketing"]


@pytest.mark.parametrize("delimiter,name", [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_delimiter_is_sniffed(tmp_path, data, delimiter, name):
    w = cx.ingest(_write(tmp_path, _csv(GOOD, delimiter=delimiter)), "mitto_cx", "w1",
                  write=False)
    assert w.manifest["reading"]["delimiter"] == delimiter
    assert w.manifest["reading"]["delimiter_reason"].startswith(name)
    assert len(w.data) == 3


def test_qualtrics_header_rows_and_row_numbers(tmp_path, data):
    qtext = ["Response ID", "Which team?", "Who owns CX?", "Strategy?", "NPS", "CSAT", "Channels",
             "Weight"]
    imports = [json.dumps({"ImportId": f"QID{i}"}) for i in range(len(HEADER))]
    rows = [qtext, imports, *_rows(r0_Q10="5")]
    err = _fails(_write(tmp_path, _csv(rows)), "'5' is outside the item's codes")
    assert _problem(err, "out_of_scale")["row"] == 4  # header, question text, import ids, R1


# --------------------------------------------------------------------------- other formats


def _xlsx(tmp_path, header, rows, merge=None):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    if merge:
        ws.merge_cells(merge)
    p = tmp_path / "export.xlsx"
    wb.save(p)
    return p


def test_xlsx_merged_header(tmp_path, data):
    header = HEADER[:3] + ["Q10", None] + HEADER[5:]
    rows = [r[:4] + ["x"] + r[5:] for r in GOOD]
    err = _fails(_xlsx(tmp_path, header, rows, merge="D1:E1"), "header cells D1:E1 are merged")
    assert err.problems[0]["row"] == 1


def test_xlsx_empty_header_cell(tmp_path, data):
    header = HEADER[:4] + [None] + HEADER[5:]
    _fails(_xlsx(tmp_path, header, GOOD), "column E has answers but an empty header cell")


def test_xlsx_numbers_and_row_numbers(tmp_path, data):
    rows = [[int(c) if c.isdigit() else c for c in r] for r in _rows(r2_Q10="8")]
    err = _fails(_xlsx(tmp_path, HEADER, rows), "'8' is outside the item's codes")
    assert _problem(err, "out_of_scale")["row"] == 4


def test_sav_unknown_value_label(tmp_path, data):
    import pyreadstat

    df = pd.DataFrame({"ResponseId": ["R1", "R2"], "Q1": [1.0, 3.0], "Q9": [1.0, 1.0],
                       "Q10": [2.0, 4.0]})
    p = tmp_path / "export.sav"
    pyreadstat.write_sav(df, str(p), variable_value_labels={
        "Q1": {1.0: "Marketing", 3.0: "Sales and marketing"}, "Q9": {1.0: "CEO"}})
    err = _fails(p, "value 'Sales and marketing'", "the file labels its code 3.0 so")
    assert _problem(err, "unknown_label")["row"] == 3


def test_parquet_export(tmp_path, data):
    df = pd.DataFrame({"respondent_id": ["a", "b"], "role": pd.Categorical(["marketing", "Marketing"]),
                       "cx_owner": ["ceo", "CEO"], "omnichannel_maturity": [1, 4],
                       "nps": [7.0, 10.0], "weight": [1.0, 2.5]})
    p = tmp_path / "export.parquet"
    df.to_parquet(p)
    w = cx.ingest(p, "mitto_cx", "w1", write=False)
    assert w.manifest["reading"]["format"] == "parquet"
    assert w.data["nps"].tolist() == [7, 10] and w.data["weight"].tolist() == [1.0, 2.5]


# --------------------------------------------------------------------------- writing


def test_existing_wave_without_replace(tmp_path, data):
    path = _write(tmp_path, _csv(GOOD))
    cx.ingest(path, "mitto_cx", "w1")
    before = (data / "waves" / "mitto_cx" / "w1" / "manifest.json").read_bytes()
    with pytest.raises(WaveExistsError, match="already exists.*replace=True, or --replace"):
        cx.ingest(path, "mitto_cx", "w1")
    assert (data / "waves" / "mitto_cx" / "w1" / "manifest.json").read_bytes() == before
    w = cx.ingest(_write(tmp_path, _csv(GOOD[:2]), "second.csv"), "mitto_cx", "w1", replace=True)
    assert w.manifest["rows_kept"] == 2
    assert sorted(p.name for p in (data / "waves" / "mitto_cx").iterdir()) == ["w1"]


def test_nothing_written_on_failure(tmp_path, data):
    _fails(_write(tmp_path, _csv(_rows(r0_Q10="0"))), "nothing was written")
    _nothing_written(data)


def test_quarantine_mode_counts_and_keeps_reasons(tmp_path, data):
    rows = _rows(r0_Q10="9", r2_weight="-1") + [["R4", "Marketing", "CEO", "1", "5", "50", "", "1"]]
    w = cx.ingest(_write(tmp_path, _csv(rows) + "R5,Marketing\n"), "mitto_cx", "w1",
                  on_error="quarantine")
    m = w.manifest
    assert (m["rows_read"], m["rows_kept"], m["rows_rejected"]) == (5, 2, 3)
    assert {(r["reason"], r["count"]) for r in m["rejections"]} == {
        ("out_of_scale", 1), ("negative_weight", 1), ("unreadable_row", 1)}
    q = pd.read_csv(data / "waves" / "mitto_cx" / "w1" / "quarantine.csv", dtype=str)
    assert q["_source_row"].tolist() == ["2", "4", "6"]
    assert "outside the item's codes" in q["_reasons"].iloc[0]
    assert w.data["respondent_id"].tolist() == ["R2", "R4"]


def test_quarantine_still_fails_on_column_problems(tmp_path, data):
    keep = [i for i, h in enumerate(HEADER) if h != "Q1"]
    rows = [[r[i] for i in keep] for r in GOOD]
    _fails(_write(tmp_path, _csv(rows, [HEADER[i] for i in keep])),
           "required item 'role' has no column", on_error="quarantine")
    _nothing_written(data)


def test_pii_columns_never_reach_responses(tmp_path, data):
    header = HEADER + ["RecipientEmail", "IPAddress"]
    rows = [r + [f"p{i}@example.com", f"10.0.0.{i}"] for i, r in enumerate(GOOD)]
    w = cx.ingest(_write(tmp_path, _csv(rows, header)), "mitto_cx", "w1")
    assert sorted(w.manifest["columns_dropped"]["pii"]) == ["IPAddress", "RecipientEmail"]
    stored = pd.read_parquet(data / "waves" / "mitto_cx" / "w1" / "responses.parquet")
    assert not {"respondent_email", "ip_address"} & set(stored.columns)
    assert not stored.astype(str).apply(lambda s: s.str.contains("@example.com")).any().any()


def test_bad_arguments(tmp_path, data):
    path = _write(tmp_path, _csv(GOOD))
    with pytest.raises(ValueError, match="on_error must be 'fail' or 'quarantine', got 'skip'"):
        cx.ingest(path, "mitto_cx", "w1", on_error="skip")
    with pytest.raises(ValueError, match="wave must be .* got '../up'"):
        cx.ingest(path, "mitto_cx", "../up")
    with pytest.raises(FileNotFoundError, match="no such export file"):
        cx.ingest(tmp_path / "nope.csv", "mitto_cx", "w1")
    assert not os.listdir(data / "waves")


def test_invalid_utf8_after_the_sniffed_sample(tmp_path, data):
    # the first 64 KiB are plain ASCII; the bad byte comes late: the parser must catch it
    many = [[f"R{i}", "Marketing", "CEO", "2", "7", "50", "", "1"] for i in range(1, 3000)]
    text = _csv(many) + "R9999,Très,CEO,2,7,50,,1\n"
    assert len(text) > 70_000
    err = _fails(_write(tmp_path, text, encoding="cp1252"), "encoding is not recognised")
    assert err.problems[0]["row"] == 3001


def test_gb18030_after_the_sniffed_sample(tmp_path, data):
    many = [[f"R{i}", "Marketing", "CEO", "2", "7", "50", "", "1"] for i in range(1, 3000)]
    text = _csv(many + [["R9999", "营销", "首席执行官", "2", "7", "50", "", "1"]])
    w = cx.ingest(_write(tmp_path, text, encoding="gb18030"), "mitto_cx", "w1", write=False)
    assert w.manifest["reading"]["encoding"] == "gb18030"
    assert w.data["role"].astype(str).iloc[-1] == "marketing"
