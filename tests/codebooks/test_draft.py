"""Codebook drafting (issue 13): types, scales, missing codes, PII, ids, weights, NPS, levels,
multi-select groups and indices inferred from exports; every inference marked ``assumed``;
the draft loads and ingests its own export; chunked reading gives the same draft.

Oracles: exports built here with a known answer for every column; the real ECSI export (24
items on 1-10 scales, documented in data/examples/ecsi_mobi/README.md); the ingest of the
export through the drafted codebook (every row kept, values unchanged).
"""

from __future__ import annotations

import csv
import re

import numpy as np
import pandas as pd
import pytest
import yaml

import cxresearch as cx
from cxresearch import paths
from cxresearch.codebooks.draft import check_codebook, draft_codebook, scan_export
from cxresearch.codebooks.instrument import instrument_from_text

MOBI = paths.package_root() / "data" / "examples" / "ecsi_mobi" / "mobi.csv"


def _items(text: str) -> dict:
    return {it["id"]: it for it in yaml.safe_load(text)["items"]}


def _survey(n: int = 120, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sat = rng.integers(1, 8, n).astype(object)
    sat[:7] = -99  # missing code below a 1..7 scale
    q5 = rng.integers(1, 6, n).astype(object)
    q5[:4] = 99  # missing code set apart above a 1..5 scale
    agree = np.array(["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
                      "Strongly agree", "Don't know"])[rng.integers(0, 6, n)]
    return pd.DataFrame({
        "ResponseId": [f"R_{i:05d}" for i in range(n)],
        "Email": [f"person{i}@example.org" for i in range(n)],
        "weight": rng.uniform(0.5, 2.0, n).round(3),
        "satisfaction": sat,
        "Q5": q5,
        "How likely are you to recommend us to a friend?": rng.integers(0, 11, n),
        "recommend_1_10": rng.integers(1, 11, n),
        "agree_service": agree,
        "region": rng.choice(["North", "South", "East"], n),
        "quality": [f"{k} - {lab}" for k, lab in zip(
            rng.integers(1, 4, n), ["x"] * n, strict=True)],
        "comment": [f"free text answer number {i}" for i in range(n)],
        "qual_1": rng.integers(1, 6, n), "qual_2": rng.integers(1, 6, n),
        "qual_3": rng.integers(1, 6, n),
        "ch_1": rng.choice(["Email", ""], n), "ch_2": rng.choice(["Phone", ""], n),
        "ch_3": rng.choice(["Chat", ""], n),
        "score": rng.normal(50, 10, n).round(2),
    }).assign(quality=lambda d: d["quality"].str.replace(
        r"^(\d) - x$", lambda m: {"1": "1 - Poor", "2": "2 - Fair", "3": "3 - Good"}[m[1]],
        regex=True))


@pytest.fixture(scope="module")
def survey_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("exports") / "survey.csv"
    _survey().to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def drafted(survey_csv):
    return draft_codebook(survey_csv, "members")


def test_types_scales_and_missing_codes(drafted):
    it = _items(drafted)
    assert it["response_id"]["type"] == "id"
    assert it["email"]["type"] == "text" and it["email"]["pii"] is True
    assert it["weight"]["type"] == "weight"
    assert (it["satisfaction"]["type"], it["satisfaction"]["scale_min"],
            it["satisfaction"]["scale_max"], it["satisfaction"]["missing"]) == (
        "rating", 1, 7, [-99])
    assert (it["q5"]["scale_max"], it["q5"]["missing"]) == (5, [99])
    nps = it["how_likely_are_you_to_recommend_us_to_a_friend"]
    assert nps["type"] == "nps_0_10"
    assert nps["aliases"] == ["How likely are you to recommend us to a friend?"]
    # recommend on 1..10 is not the NPS question: a rating, and the reason says so
    assert it["recommend_1_10"]["type"] == "rating"
    assert "not typed nps_0_10" in it["recommend_1_10"]["assumed_reason"]
    assert it["comment"]["type"] == "text" and "pii" not in it["comment"]
    assert it["score"]["type"] == "numeric"


def test_levels_order_and_missing_labels(drafted):
    it = _items(drafted)
    agree = it["agree_service"]
    assert agree["type"] == "likert"
    assert [lv["labels"]["en"] for lv in agree["levels"]] == [
        "Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
        "Strongly agree"]
    assert agree["missing"] == ["Don't know"]
    q = it["quality"]
    assert q["type"] == "likert"
    assert [(lv["code"], lv["labels"]["en"]) for lv in q["levels"]] == [
        (1, "1 - Poor"), (2, "2 - Fair"), (3, "3 - Good")]
    region = it["region"]
    assert region["type"] == "single"
    assert sorted(lv["value"] for lv in region["levels"]) == ["east", "north", "south"]


def test_multi_select_group_and_indices(drafted):
    it = _items(drafted)
    ch = it["ch"]
    assert ch["type"] == "multi"
    assert [(o["code"], o["labels"]["en"]) for o in ch["options"]] == [
        (1, "Email"), (2, "Phone"), (3, "Chat")]
    assert not {"ch_1", "ch_2", "ch_3"} & set(it)
    doc = yaml.safe_load(drafted)
    assert doc["indices"] == {"qual": {"items": ["qual_1", "qual_2", "qual_3"],
                                       "scoring": "mean"}}


def test_every_inference_is_marked_with_a_reason(drafted):
    for item in yaml.safe_load(drafted)["items"]:
        assert item["assumed"] is True, item["id"]
        assert len(item["assumed_reason"]) > 10, item["id"]
    analysis = yaml.safe_load(drafted)["meta"]["analysis"]  # proposed, marked assumed (#23)
    assert analysis["outcome"] is None and analysis["assumed"] is True
    assert analysis["outcome_candidates"] == [
        "satisfaction", "how_likely_are_you_to_recommend_us_to_a_friend", "recommend_1_10"]


def test_draft_loads_and_ingests_its_own_export_unchanged(drafted, survey_csv):
    inst = instrument_from_text(drafted, "members")
    assert check_codebook(drafted, "members") == []
    w = cx.ingest(survey_csv, inst, "2025", write=False)
    raw = _survey()
    assert w.manifest["rows_kept"] == len(raw) and w.manifest["rows_rejected"] == 0
    assert "email" not in w.data  # PII never reaches the wave
    sat = pd.to_numeric(raw["satisfaction"])
    np.testing.assert_array_equal(w.data["satisfaction"].isna(), sat.eq(-99))
    assert w.data["satisfaction"].dropna().tolist() == sat[sat != -99].tolist()
    assert int(w.data["ch__email"].sum()) == int((raw["ch_1"] == "Email").sum())
    assert w.data["agree_service"].isna().sum() == (raw["agree_service"] == "Don't know").sum()


def test_real_ecsi_export():
    text = draft_codebook(MOBI, "mobi")
    it = _items(text)
    assert len(it) == 24
    assert {v["type"] for v in it.values()} == {"rating"}
    assert {(v["scale_min"], v["scale_max"]) for v in it.values()} == {(1, 10)}
    assert "aliases" not in it["cusa1"]  # headers match ids ignoring case
    assert "nobody answered 1..3" in it["cusa1"]["assumed_reason"]
    idx = yaml.safe_load(text)["indices"]
    assert set(idx) == {"cuex", "cusa", "cusl", "imag", "perq", "perv"}
    assert idx["perq"]["items"] == [f"perq{i}" for i in range(1, 8)]
    w = cx.ingest(MOBI, instrument_from_text(text, "mobi"), "x", write=False)
    assert w.data.shape == (250, 24) and w.manifest["rows_rejected"] == 0
    raw = pd.read_csv(MOBI)
    assert w.data["perv2"].tolist() == raw["PERV2"].tolist()


def test_chunked_reading_gives_the_same_draft(survey_csv):
    def body(t):
        return re.sub(r"on \d{4}-\d\d-\d\d \d\d:\d\d UTC", "", t)

    assert body(draft_codebook(survey_csv, "members", chunk_bytes=1 << 10)) == body(
        draft_codebook(survey_csv, "members"))
    small = scan_export(survey_csv, chunk_bytes=1 << 10)
    assert small["rows"] == 120
    sat = next(c for c in small["columns"] if c.header == "satisfaction")
    assert (sat.lo, sat.hi, sat.integer, sat.answered) == (-99, 7, True, 120)


def test_encodings_delimiters_and_formats(tmp_path):
    df = pd.DataFrame({"Région": ["Île", "Zürich", "Île"] * 10, "q1": [1, 2, 3] * 10})
    df.to_csv(tmp_path / "a.csv", sep=";", index=False, encoding="cp1252")
    df.to_csv(tmp_path / "b.csv", sep="\t", index=False, encoding="utf-16")
    df.to_excel(tmp_path / "c.xlsx", index=False)
    for name in ("a.csv", "b.csv", "c.xlsx"):
        it = _items(draft_codebook(tmp_path / name, "enc"))
        assert it["region"]["aliases"] == ["Région"], name
        assert sorted(lv["labels"]["en"] for lv in it["region"]["levels"]) == ["Zürich", "Île"]
        # three codes under a header that does not read as a rating: a single choice (#23)
        assert (it["q1"]["type"], [lv["code"] for lv in it["q1"]["levels"]]) == (
            "single", [1, 2, 3]), name


def test_spss_labels_and_user_missing(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    df = pd.DataFrame({"gender": [1.0, 2.0, 1.0, 9.0] * 5, "sat": [1.0, 3.0, 5.0, 4.0] * 5})
    path = tmp_path / "s.sav"
    pyreadstat.write_sav(df, str(path), column_labels=["Gender", "Overall satisfaction"],
                         variable_value_labels={"gender": {1: "Male", 2: "Female",
                                                           9: "Prefer not to say"}},
                         missing_ranges={"gender": [9]})
    it = _items(draft_codebook(path, "spss"))
    g = it["gender"]
    assert g["type"] == "single" and g["missing"] == [9]
    assert [(lv["code"], lv["labels"]["en"]) for lv in g["levels"]] == [(1, "Male"),
                                                                          (2, "Female")]
    assert it["sat"]["wording"]["en"] == "Overall satisfaction"


def test_qualtrics_three_header_rows(tmp_path):
    rows = [
        ["StartDate", "ResponseId", "IPAddress", "Q1", "Q2"],
        ["Start Date", "Response ID", "IP Address", "How satisfied are you overall?",
         "How likely are you to recommend us?"],
        ['{"ImportId":"startDate"}', '{"ImportId":"_recordId"}', '{"ImportId":"ipAddress"}',
         '{"ImportId":"QID1"}', '{"ImportId":"QID2"}'],
    ] + [["2024-01-01", f"R_{i}", f"10.0.0.{i}", str(1 + i % 5), str(i % 11)]
         for i in range(30)]
    path = tmp_path / "q.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL).writerows(rows)
    text = draft_codebook(path, "qx")
    it = _items(text)
    assert yaml.safe_load(text)["ignore_columns"] == ["StartDate"]
    assert it["q1"]["wording"]["en"] == "How satisfied are you overall?"
    assert it["q2"]["type"] == "nps_0_10"
    assert it["ipaddress"]["pii"] is True
    assert it["response_id"]["type"] == "id"
    w = cx.ingest(path, instrument_from_text(text, "qx"), "1", write=False)
    assert w.manifest["rows_kept"] == 30


def test_codes_mixed_with_labels_and_missing_labels_among_numbers(tmp_path):
    pd.DataFrame({"a": ["1", "2", "Agree", "5", "Strongly disagree", "3", "4", "-99"] * 5,
                  "amount": ["1.5", "2.25", "Don't know", "7.0"] * 10,
                  "r": ["1", "2", "3", "4", "5", "Don't know", "2", "3"] * 5}).to_csv(
        tmp_path / "m.csv", index=False)
    text = draft_codebook(tmp_path / "m.csv", "mixed")
    it = _items(text)
    assert it["a"]["type"] == "likert" and it["a"]["missing"] == [-99]
    assert [(lv["code"], lv["value"]) for lv in it["a"]["levels"]][::4] == [
        (1, "strongly_disagree"), (5, "strongly_agree")]
    assert (it["amount"]["type"], it["amount"]["missing"]) == ("numeric", ["Don't know"])
    assert (it["r"]["type"], it["r"]["scale_max"], it["r"]["missing"]) == (
        "rating", 5, ["Don't know"])
    w = cx.ingest(tmp_path / "m.csv", instrument_from_text(text, "mixed"), "1", write=False)
    assert w.manifest["rows_rejected"] == 0
    assert w.data["a"].tolist()[:8] == [1, 2, 4, 5, 1, 3, 4, pd.NA]
    assert int(w.data["amount"].isna().sum()) == 10


def test_joined_multi_select_column(tmp_path):
    path = paths.package_root() / "data" / "examples" / "gscx_trends" / "gscx_trends_2024.csv"
    text = draft_codebook(path, "trends")
    it = _items(text)
    assert it["metrics"]["type"] == "multi"
    assert "Net Promoter Score (NPS)" in [o["labels"]["en"] for o in it["metrics"]["options"]]
    assert len(it["top_trends"]["options"]) == 22
    w = cx.ingest(path, instrument_from_text(text, "trends"), "1", write=False)
    raw = pd.read_csv(path, sep=";")
    nps_col = next(c for c in w.data if c.startswith("metrics__net_promoter"))
    assert int(w.data[nps_col].sum()) == int(raw["Metrics"].str.contains(
        "Net Promoter Score", regex=False).sum())
    # free text with an occasional ";" is not mistaken for a multi-select
    pd.DataFrame({"c": [f"answer {i}; more" for i in range(40)]}).to_csv(
        tmp_path / "t.csv", index=False)
    assert _items(draft_codebook(tmp_path / "t.csv", "t"))["c"]["type"] == "text"


class TestHostileInput:
    def test_missing_and_unsupported_files(self, tmp_path):
        with pytest.raises(ValueError, match="does not exist"):
            draft_codebook(tmp_path / "nope.csv", "x")
        (tmp_path / "a.json").write_text("{}")
        with pytest.raises(ValueError, match="unsupported file type '.json'"):
            draft_codebook(tmp_path / "a.json", "x")

    def test_bad_arguments(self, survey_csv):
        for bad in ("My Study", "1abc", "", None):
            with pytest.raises(ValueError, match="study must be snake_case"):
                draft_codebook(survey_csv, bad)
        for bad in (1, True, "12"):
            with pytest.raises(ValueError, match="max_levels must be an integer"):
                draft_codebook(survey_csv, "x", max_levels=bad)

    def test_duplicate_and_empty_headers(self, tmp_path):
        (tmp_path / "d.csv").write_text("a,b,a\n1,2,3\n")
        with pytest.raises(ValueError, match="repeats 'a'"):
            draft_codebook(tmp_path / "d.csv", "x")
        (tmp_path / "e.csv").write_text("")
        with pytest.raises(ValueError, match="header row is empty"):
            draft_codebook(tmp_path / "e.csv", "x")

    def test_header_only_and_awkward_headers(self, tmp_path):
        (tmp_path / "h.csv").write_text('q1,"2nd question",Ünïcode é,"a__b"\n')
        it = _items(draft_codebook(tmp_path / "h.csv", "x"))
        assert set(it) == {"q1", "q_2nd_question", "unicode_e", "a_b"}
        assert all("no answers" in v["assumed_reason"] for v in it.values())

    def test_formula_like_and_numeric_labels_still_load(self, tmp_path):
        pd.DataFrame({"g": ["=SUM(A1)", "3", "4", "yes"] * 5}).to_csv(tmp_path / "f.csv",
                                                                     index=False)
        text = draft_codebook(tmp_path / "f.csv", "x")
        levels = _items(text)["g"]["levels"]
        assert [(lv["code"], lv["labels"]["en"]) for lv in levels] == [
            (3, "3"), (4, "4"), (5, "=SUM(A1)"), (6, "yes")]

    def test_check_reports_analysis_names(self, drafted):
        doc = yaml.safe_load(drafted)
        doc["meta"]["analysis"] = {"outcome": "qual", "drivers": ["qual", "nope"],
                                   "segments": ["region"], "extra": 1}
        bad = yaml.safe_dump(doc, sort_keys=False)
        problems = check_codebook(bad, "members")
        assert any(p.startswith("meta.analysis: unknown key 'extra' (allowed: outcome, "
                                "drivers, segments") for p in problems)
        assert "meta.analysis.drivers: 'nope' is neither an item nor an index" in problems
        assert "meta.analysis: the outcome 'qual' is also a driver" in problems
        assert not any("region" in p for p in problems)
