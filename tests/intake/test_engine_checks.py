"""Checks of rows in an engine against the codebook (issue 25, item 4): every value a stored
wave may not hold is counted in SQL, all problems reported at once, never a PII value shown.

Base rows: the mitto_cx example export, ingested (so they pass), written to Parquet and read
by DuckDB; each hostile class then breaks them in several ways.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

import cxresearch as cx
from cxresearch.errors import IngestError
from cxresearch.intake.engine_checks import check_engine, engine_problems

ROOT = Path(__file__).resolve().parents[2]
QUALTRICS = ROOT / "data" / "examples" / "mitto_cx" / "mitto_cx_qualtrics.csv"


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = cx.ingest(QUALTRICS, "mitto_cx", "w1", write=False)
    df = w.data.copy()
    for c in df.columns:   # as Parquet/DuckDB hold them: level values as text
        if isinstance(df[c].dtype, pd.CategoricalDtype):
            df[c] = df[c].astype(object).where(df[c].notna(), None).astype("string")
    return df


def _kinds(df, tmp_path=None, **kw):
    src = ibis.memtable(df)
    if tmp_path is not None:
        path = tmp_path / "rows.parquet"
        df.to_parquet(path, index=False)
        src = str(path)
    return {(p["column"], p["kind"]): p for p in engine_problems(src, "mitto_cx", **kw)}


def test_clean_rows_pass_through_parquet(rows, tmp_path):
    assert _kinds(rows, tmp_path) == {}
    w = cx.open_wave(str(tmp_path / "rows.parquet"), "mitto_cx", wave="w1")
    assert w.n_rows == len(rows)


def test_clean_rows_one_query(rows, monkeypatch):
    calls = []
    real = ibis.expr.types.Table.to_pyarrow

    def spy(self, *a, **k):
        calls.append(1)
        return real(self, *a, **k)

    monkeypatch.setattr(ibis.expr.types.Table, "to_pyarrow", spy)
    assert engine_problems(ibis.memtable(rows), "mitto_cx") == []
    assert len(calls) == 2   # the min/max screen, then every count in one aggregate


@pytest.mark.parametrize("value", [11, -1, -99, 100])
def test_out_of_scale(rows, value):
    df = rows.copy()
    df.loc[[0, 5], "nps"] = value
    p = _kinds(df)[("nps", "out_of_scale")]
    assert p["count"] == 2 and p["examples"] == [str(value)]
    assert "0..10" in p["problem"]


@pytest.mark.parametrize("value", [3.5, 0.25, -0.5])
def test_not_integer(rows, value):
    df = rows.copy()
    df["nps"] = df["nps"].astype("Float64")
    df.loc[3, "nps"] = value
    found = _kinds(df)
    assert found[("nps", "not_integer")]["count"] == 1
    assert ("nps", "out_of_scale") not in found


def test_text_in_a_rating(rows, tmp_path):
    df = rows.copy()
    df["nps"] = df["nps"].astype(object).where(df["nps"].notna(), None).astype(str)
    df.loc[df["nps"] == "None", "nps"] = None
    df.loc[1, "nps"] = "ten"
    df.loc[2, "nps"] = " 12 "
    found = _kinds(df, tmp_path)
    assert found[("nps", "not_a_number")]["examples"] == ["ten"]
    assert found[("nps", "out_of_scale")]["count"] == 1


@pytest.mark.parametrize("value", ["ceo", "Marketing", "9", ""])
def test_not_a_level(rows, value):
    df = rows.copy()
    df.loc[4, "role"] = value
    p = _kinds(df)[("role", "not_a_level")]
    assert p["count"] == 1 and p["examples"] == [value]


def test_level_codes_are_accepted(rows):
    df = rows.copy()
    inst = cx.load_instrument("mitto_cx")
    codes = {lv.value: lv.code for lv in inst["role"].levels}
    df["role"] = df["role"].map(codes).astype("Int64")
    assert _kinds(df) == {}
    df = df.copy(deep=True)   # ibis may hold the arrays read-only
    df.loc[0, "role"] = 7
    assert _kinds(df)[("role", "not_a_level")]["examples"] == ["7"]


@pytest.mark.parametrize("bad", [np.inf, -np.inf, 101.0, -3.0])
def test_numeric_range(rows, bad):
    df = rows.copy()
    df["csat_pct"] = df["csat_pct"].astype(float)
    df.loc[0, "csat_pct"] = bad
    found = _kinds(df)
    kind = ("not_finite" if np.isinf(bad) else "above_maximum" if bad > 0
            else "below_minimum")
    assert list(found) == [("csat_pct", kind)]


def test_nan_is_missing(rows):
    df = rows.copy()
    df["csat_pct"] = df["csat_pct"].astype(float)
    df.loc[0:3, "csat_pct"] = np.nan
    assert _kinds(df) == {}


@pytest.mark.parametrize("value,dtype", [(2, "Int64"), ("yes", "string"), (0.5, "Float64")])
def test_multi_flags(rows, value, dtype):
    df = rows.copy()
    col = next(c for c in df.columns if c.startswith("channels_used__"))
    df[col] = df[col].astype("Int64").astype(dtype) if dtype != "string" else \
        df[col].astype("string").str.lower()
    df.loc[0, col] = value
    assert _kinds(df)[(col, "not_a_flag")]["count"] == 1


def test_too_many_choices(rows):
    import copy

    inst = copy.deepcopy(cx.load_instrument("mitto_cx"))
    it = inst["channels_used"]
    it.max_choices = 2
    df = rows.copy()
    for c in it.columns():
        df[c] = False
    for c in it.columns()[:3]:
        df.loc[[0, 4], c] = True
    df.loc[1, it.columns()[0]] = True
    found = {(p["column"], p["kind"]): p for p in engine_problems(ibis.memtable(df), inst)}
    assert found[("channels_used", "too_many_choices")]["count"] == 2


def test_weights(rows):
    df = rows.copy()
    df["weight"] = 1.0
    assert _kinds(df.copy(deep=True)) == {}
    df.loc[0, "weight"] = -2.0
    df.loc[1, "weight"] = np.inf
    df.loc[2, "weight"] = None
    found = _kinds(df)
    assert found[("weight", "weight_negative")]["count"] == 1
    assert found[("weight", "weight_missing")]["count"] == 2
    df["weight"] = 0.0
    assert list(_kinds(df)) == [("weight", "weights_all_zero")]
    df["weight"] = np.nan   # no weight at all: the column counts as absent (unit weights)
    assert _kinds(df) == {}


def test_required_items(rows):
    df = rows.drop(columns=["role"])
    p = _kinds(df)[("role", "missing_required_item")]
    assert p["count"] == -1 and "has no column" in p["problem"]
    df = rows.copy()
    df.loc[[1, 2], "cx_owner"] = None
    assert _kinds(df)[("cx_owner", "required_empty")]["count"] == 2


def test_repeated_and_missing_ids(rows):
    df = rows.copy()
    df.loc[1, "respondent_id"] = df.loc[0, "respondent_id"]
    df.loc[3, "respondent_id"] = df.loc[0, "respondent_id"]
    df.loc[5, "respondent_id"] = "someone@example.org"
    df.loc[6, "respondent_id"] = "someone@example.org"
    df.loc[7, "respondent_id"] = None
    found = _kinds(df)
    p = found[("respondent_id", "id_repeated")]
    assert p["count"] == 3
    assert df.loc[0, "respondent_id"] in p["examples"]
    assert not any("@" in e for e in p["examples"])           # redacted as ingest does
    assert found[("respondent_id", "id_missing")]["count"] == 1


@pytest.mark.parametrize("name", ["respondent_email", "Email", "ip_address", "IPAddress"])
def test_pii_columns_counted_never_shown(rows, name):
    df = rows.copy()
    df[name] = "secret@example.org"
    df.loc[0, name] = None
    found = _kinds(df)
    p = found[(name, "pii_present")]
    assert p["count"] == len(df) - 1 and p["examples"] == []
    assert "secret" not in repr(list(found.values()))


def test_wrong_type(rows):
    df = rows.copy()
    df["nps"] = pd.Timestamp("2024-01-01")
    p = _kinds(df)[("nps", "wrong_type")]
    assert p["count"] == len(df)


def test_every_problem_at_once_and_open_wave(rows, tmp_path):
    df = rows.copy()
    df.loc[0, "nps"] = 42
    df.loc[1, "role"] = "boss"
    df["respondent_email"] = "a@b.org"
    df["weight"] = 1.0
    df.loc[2, "weight"] = -1.0
    path = tmp_path / "bad.parquet"
    df.to_parquet(path, index=False)
    with pytest.raises(IngestError) as err:
        cx.open_wave(str(path), "mitto_cx", wave="w1")
    kinds = {(p["column"], p["kind"]) for p in err.value.problems}
    assert kinds == {("nps", "out_of_scale"), ("role", "not_a_level"),
                     ("respondent_email", "pii_present"), ("weight", "weight_negative")}
    assert "a@b.org" not in str(err.value)
    # check=False: the caller's responsibility (the design still refuses a negative weight)
    with pytest.raises(ValueError, match="non-negative"):
        cx.open_wave(str(path), "mitto_cx", wave="w1", check=False)
    df["weight"] = 1.0
    df.to_parquet(path, index=False)
    w = cx.open_wave(str(path), "mitto_cx", wave="w1", check=False)
    assert w.n_rows == len(df)
    with pytest.raises(TypeError, match="check"):
        cx.open_wave(str(path), "mitto_cx", wave="w1", check="no")


def test_check_engine_on_an_engine_wave(rows, tmp_path):
    path = tmp_path / "ok.parquet"
    rows.to_parquet(path, index=False)
    w = cx.open_wave(str(path), "mitto_cx", wave="w1")
    check_engine(w, "mitto_cx")        # passes: returns None
    check_engine(w.design(), "mitto_cx")
    with pytest.raises(ValueError, match="examples"):
        engine_problems(w, "mitto_cx", examples=-1)


def test_memory_limit_is_restored(rows, tmp_path):
    from cxresearch.intake import engine_checks

    path = tmp_path / "ok.parquet"
    rows.to_parquet(path, index=False)
    w = cx.open_wave(str(path), "mitto_cx", wave="w1", check=False)
    con = engine_checks._duckdb_of(w._table)
    setting = "SELECT current_setting('memory_limit')"
    before = con.execute(setting).fetchall()[0][0]
    seen = []
    real = engine_checks._problems

    def spy(t, inst, k):
        seen.append(con.execute(setting).fetchall()[0][0])
        return real(t, inst, k)

    import pytest as _pt
    with _pt.MonkeyPatch.context() as mp:
        mp.setattr(engine_checks, "_problems", spy)
        assert engine_problems(w, "mitto_cx", memory_limit="300MB") == []
    assert seen and seen[0] != before and "MB" in seen[0].replace("MiB", "MB")
    assert con.execute(setting).fetchall()[0][0] == before
    for bad in ("lots", "1 GBs", 5, ""):
        with pytest.raises(ValueError, match="memory_limit"):
            engine_problems(w, "mitto_cx", memory_limit=bad)


def test_csv_source_and_hive_folder(rows, tmp_path):
    df = rows.copy()
    df.loc[0, "nps"] = 12
    f = tmp_path / "rows.csv"
    df.to_csv(f, index=False)
    p = {(q["column"], q["kind"]) for q in engine_problems(str(f), "mitto_cx")}
    assert ("nps", "out_of_scale") in p
    folder = tmp_path / "feedback"
    for k, part in enumerate((rows.iloc[:50], rows.iloc[50:])):
        d = folder / f"day=2026-11-0{k + 1}"
        d.mkdir(parents=True)
        part.to_parquet(d / "part-0.parquet", index=False)
    w = cx.open_wave(str(folder), "mitto_cx", wave="2026-11")   # "day" is not checked
    assert "day" in w.columns and w.n_rows == len(rows)


def test_integer_typed_numbers(rows):
    df = rows.copy()
    df["csat_pct"] = df["csat_pct"].round().astype("Int64")
    df["weight"] = 1
    assert _kinds(df.copy(deep=True)) == {}
    df.loc[0, "csat_pct"] = 150
    df.loc[1, "weight"] = -3
    found = _kinds(df)
    assert found[("csat_pct", "above_maximum")]["examples"] == ["150"]
    assert found[("weight", "weight_negative")]["examples"] == ["-3"]
