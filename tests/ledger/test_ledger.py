"""The published-figures ledger: every row traceable to its seed, vocabularies known, reader
typed and strict. Oracle: the seed documents themselves (passages must occur verbatim)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import cxresearch as cx
from cxresearch.ledger.figures import BOUNDS, COLUMNS, PASSAGE_SEP, UNITS, as_ledger, interval

ROOT = Path(__file__).resolve().parents[2]
LEDGER = ROOT / "data" / "published" / "ledger.csv"
SEEDS = ROOT.parent / "shared" / "seeds"


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


@pytest.fixture(scope="module")
def led():
    return cx.published()


def test_dtypes_and_columns(led):
    assert list(led.columns) == COLUMNS
    assert isinstance(led["study"].dtype, pd.CategoricalDtype)
    assert isinstance(led["unit"].dtype, pd.CategoricalDtype)
    assert isinstance(led["bound"].dtype, pd.CategoricalDtype)
    assert led["value"].dtype == "Float64"
    assert led["n"].dtype == "Int64" and led["wave"].dtype == "Int64"
    assert led["value"].notna().all()


def test_ids_unique_and_cover_all_studies(led):
    assert led["id"].is_unique
    assert set(led["study"]) == {"mopinion_dcxm", "mitto_cx", "cxn_dcx", "gscx_trends"}
    assert len(led) > 150  # every figure of four documents
    assert all(i.startswith(f"{s}.") for i, s in zip(led["id"], led["study"], strict=True))


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed documents (../shared/seeds) not present")
def test_every_passage_occurs_in_its_cited_seed(led):
    texts = {p.name: _norm(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}
    missing = []
    for _, r in led.iterrows():
        files = str(r["source"]).split(";")
        assert all(f in texts for f in files), f"{r['id']}: unknown source {files}"
        for part in str(r["passage"]).split(PASSAGE_SEP):
            assert part.strip(), f"{r['id']}: empty passage part"
            if not any(_norm(part) in texts[f] for f in files):
                missing.append(r["id"])
    assert not missing, f"passages not found verbatim: {missing}"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed documents (../shared/seeds) not present")
def test_numeric_value_appears_in_passage_where_written_in_digits(led):
    """A plain percentage typed in must be one the passage shows (guards against typos)."""
    rows = led[(led["unit"] == "percent") & (led["bound"] == "eq")]
    for _, r in rows.iterrows():
        v = float(r["value"])
        digits = re.findall(r"\d+(?:\.\d+)?", str(r["passage"]))
        if "%" in str(r["passage"]):
            assert any(abs(float(d) - v) < 1e-9 for d in digits), r["id"]


def test_mopinion_rows_cite_both_languages(led):
    mop = led[led["study"] == "mopinion_dcxm"]
    assert mop["source"].str.contains("000_").all() and mop["source"].str.contains("001_").all()
    assert mop["passage"].str.contains(PASSAGE_SEP, regex=False).all()


def test_known_figures(led):
    v = led.set_index("id")["value"]
    assert v["mitto_cx.nps_mean.full_omnichannel"] == 8.5
    assert v["mitto_cx.nps_mean.less_mature"] == 5.8
    assert v["mopinion_dcxm.dimension_score.master"] == 65
    assert v["cxn_dcx.respondents.all.roi_paragraph"] == 250
    assert v["gscx_trends.trend_rank.digital_cx.2024"] == 7
    b = led.set_index("id")["bound"]
    assert b["mitto_cx.no_or_limited_visibility.marketing"] == "le"  # nearly two-thirds
    assert b["mitto_cx.respondents.all"] == "gt"  # 600+


def test_units_and_bounds_documented():
    readme = (ROOT / "data" / "published" / "README.md").read_text(encoding="utf-8")
    for word in UNITS + BOUNDS:
        assert f"`{word}`" in readme, word


def test_study_filter_and_bad_study():
    m = cx.published("mitto_cx")
    assert set(m["study"]) == {"mitto_cx"}
    with pytest.raises(ValueError, match="study must be one of"):
        cx.published("nope")


def _write(tmp_path, rows):
    df = pd.DataFrame(rows, columns=COLUMNS)
    p = tmp_path / "ledger.csv"
    df.to_csv(p, index=False)
    return p


GOOD = dict(id="mitto_cx.x.all", study="mitto_cx", wave=2021, source="002.txt", section="s",
            metric="x", group="all", value=10, unit="percent", bound="eq", n="", note="",
            passage="p")


def test_validation_names_row_and_problem(tmp_path):
    bad_unit = {**GOOD, "id": "a", "unit": "furlongs"}
    dup1, dup2 = {**GOOD, "id": "d"}, {**GOOD, "id": "d"}
    no_value = {**GOOD, "id": "v", "value": ""}
    bad_bound = {**GOOD, "id": "b", "bound": "about"}
    no_passage = {**GOOD, "id": "q", "passage": ""}
    p = _write(tmp_path, [GOOD, bad_unit, dup1, dup2, no_value, bad_bound, no_passage])
    with pytest.raises(ValueError) as err:
        cx.published(path=p)
    msg = str(err.value)
    assert "row 3 (id 'a'): unknown unit 'furlongs'" in msg
    assert "duplicate id 'd' in rows 4, 5" in msg
    assert "row 6 (id 'v'): missing or non-numeric value" in msg
    assert "unknown bound 'about'" in msg
    assert "row 8 (id 'q'): empty passage" in msg


def test_as_ledger_accepts_minimal_frames():
    df = pd.DataFrame([dict(id="a", study="cxn_dcx", wave=2021, metric="m", group="all",
                            value=3, unit="count", bound="eq")])
    out = as_ledger(df)
    assert out["n"].isna().all() and out["value"].dtype == "Float64"
    with pytest.raises(TypeError, match="ledger must be"):
        as_ledger(42)


@pytest.mark.parametrize("args, expected", [
    ((65, "score_percent", "eq"), (64.5, 65.5)),          # integer: +-0.5
    ((8.5, "score_0_10", "eq"), (8.45, 8.55)),            # one decimal: +-0.05
    ((66.7, "percent", "le"), (0.0, 200 / 3)),            # nearly two-thirds
    ((50, "percent", "gt"), (50.0, 100.0)),               # more than half
    ((75, "percent", "approx"), (70.0, 80.0)),            # three-quarters
    ((3, "ratio", "le"), (0.0, 3.0)),                     # nearly 3 times
])
def test_interval(args, expected):
    lo, hi = interval(*args)[:2]
    assert lo == pytest.approx(expected[0]) and hi == pytest.approx(expected[1])


def test_interval_rejects_unknown_bound():
    with pytest.raises(ValueError, match="bound must be one of"):
        interval(1, "percent", "roughly")
