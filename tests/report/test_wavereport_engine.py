"""The wave report on rows that stay in an engine (issue 25: "point cx.Design at a folder of
Parquet files and run the wave report template on it").

Each real survey is ingested in memory and also written as a hive-partitioned Parquet folder,
opened with ``cx.open_wave``; every section of the report (items, indices, NPS, segment
estimates and segment tests) must give the same numbers both ways. Tolerance: 1e-12 relative
(engine sums are DOUBLE, summed in another order; agreement seen is about 1e-14), and 1e-12
absolute for quantities that are 0. The segment tests are also checked against R
(``tests/reference/real_surveys.R``): design-based Wald F on api_schools (real weights,
strata, fpc; R package survey's ``apistrat``, GPL-2/3) and classical ANOVA F on BEPS 1997
(R package carData, GPL-2/3).
"""

from __future__ import annotations

import functools
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import cxresearch as cx
from cxresearch.report.narrative import wavereport as wr
from cxresearch.report.narrative.story import describe_wave
from cxresearch.statistics.relationships.engine_anova import anova_on_engine

ROOT = Path(__file__).resolve().parents[2]
SURVEYS = ROOT / "tests" / "pipeline" / "surveys"
REF = json.loads((ROOT / "tests" / "reference" / "real_surveys.json").read_text())
TOL = 1e-12


def _to_parquet_folder(data: pd.DataFrame, folder: Path, parts: int = 3) -> Path:
    """The rows as ingest stores them (categoricals as their values), split in hive
    partitions ``part=0..``: a folder of several files, read by the engine as one table."""
    d = data.copy()
    for c in d.columns:
        if isinstance(d[c].dtype, pd.CategoricalDtype):
            d[c] = d[c].astype(object)
    d["part"] = np.arange(len(d)) % parts
    folder.mkdir(parents=True)
    pq.write_to_dataset(pa.Table.from_pandas(d, preserve_index=False), folder,
                        partition_cols=["part"])
    return folder


@pytest.fixture(scope="module", params=[("api_schools", "api_2000.csv"),
                                        ("beps_1997", "beps.csv")], ids=lambda p: p[0])
def pair(request, tmp_path_factory):
    study, f = request.param
    inst = cx.load_instrument(SURVEYS / study / f"{study}.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mem = cx.ingest(str(SURVEYS / study / f), inst, "2000", write=False)
    folder = _to_parquet_folder(mem.data, tmp_path_factory.mktemp(study) / "rows")
    eng = cx.open_wave(str(folder), inst, wave="2000")
    return study, mem, eng


def _same(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    assert list(a.columns) == list(b.columns), what
    assert len(a) == len(b) and len(a), what
    for c in a.columns:
        if pd.api.types.is_numeric_dtype(a[c]) and not pd.api.types.is_bool_dtype(a[c]):
            x, y = a[c].to_numpy(float), b[c].to_numpy(float)
            assert (np.isnan(x) == np.isnan(y)).all(), (what, c)
            ok = ~np.isnan(x)
            np.testing.assert_allclose(y[ok], x[ok], rtol=TOL, atol=TOL, err_msg=f"{what}.{c}")
        else:
            same = [(pd.isna(u) and pd.isna(v)) or u == v for u, v in zip(a[c], b[c],
                                                                          strict=True)]
            assert all(same), (what, c)


def test_items_indices_and_nps_are_the_same_from_a_parquet_folder(pair):
    _, mem, eng = pair
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        i1, s1 = wr.item_estimates(mem)
        i2, s2 = wr.item_estimates(eng)
        _same(i1, i2, "items")
        assert s1.equals(s2)
        n1, notes1 = wr.nps_estimates(mem)
        n2, notes2 = wr.nps_estimates(eng)
        assert notes1 == notes2
        if len(n1):
            _same(n1, n2, "nps")
        x1, x2 = wr.index_estimates(mem), wr.index_estimates(eng)
        if len(x1):
            _same(x1, x2, "indices")


def test_segment_estimates_and_tests_are_the_same_and_match_r(pair):
    study, mem, eng = pair
    inst = mem.instrument
    segs, outs = wr.segments(inst), wr.segment_outcomes(inst)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b1, t1 = wr.segment_comparisons(mem, outs, segs)
        b2, t2 = wr.segment_comparisons(eng, outs, segs)
    _same(b1, b2, "by segment")
    _same(t1, t2, "segment tests")
    ref = REF["api_segment_tests"] if study == "api_schools" else REF["beps_classical"]
    checked = 0
    for key, r in ref.items():
        out, seg = key.split("|")
        row = t2[(t2["outcome"] == out) & (t2["segment"] == seg)]
        if len(row):
            checked += 1
            # R prints 15 significant digits; the F is a ratio of sums
            assert row["statistic"].iloc[0] == pytest.approx(r.get("F_anova", r["F"]),
                                                              rel=1e-9)
            assert row["df2"].iloc[0] == r["df2"]
    assert checked >= 4
    kind = "design-based Wald F" if study == "api_schools" else "classical one-way ANOVA F"
    assert set(t2["test"]) == {kind}


def test_a_strata_share_under_fpc_weights_has_a_standard_error_of_exactly_zero(pair):
    study, mem, eng = pair
    if study != "api_schools":
        pytest.skip("api_schools is the stratified wave")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        share = cx.proportion(eng, "stype")
    # the strata shares are fixed by the design: on the rows their variance is exactly 0,
    # and the engine's cell sums give exactly 0 too (no one-pass rounding residue)
    assert (share["se"] == 0).all()


def test_an_engine_wave_says_where_its_rows_are_and_never_loads_them(pair, tmp_path):
    _, mem, eng = pair
    assert eng.n_rows == mem.n_rows
    assert set(mem.columns) <= set(eng.columns)
    with pytest.raises(TypeError, match="keeps its rows in the engine"):
        eng.data  # noqa: B018
    line = describe_wave(eng)
    assert "the rows stay in duckdb" in line
    assert str(tmp_path.parent) not in line and "/" not in line.split("“")[-1]
    sample = eng.sample(50, seed=1)
    assert sample.label.endswith("-sample") and sample.manifest["sample"]["of"] == eng.n_rows


def test_open_wave_takes_label_and_synthetic_from_a_stored_manifest(tmp_path):
    df = pd.DataFrame({"cusa1": [7, 8, 9, 10] * 5})
    folder = _to_parquet_folder(df, tmp_path / "2026-11")
    # one column of a codebook with 23 required items: the engine checks would refuse it
    open_wave = functools.partial(cx.open_wave, check=False)
    w = open_wave(str(folder), "ecsi_mobi")
    assert w.label == "2026-11" and w.synthetic is False
    (folder / "manifest.json").write_text(json.dumps({"wave": "2021-reconstructed",
                                                      "synthetic": True}))
    w = open_wave(str(folder), "ecsi_mobi")
    assert w.label == "2021-reconstructed" and w.synthetic
    assert "synthetic" in describe_wave(w)
    w = open_wave(str(folder), "ecsi_mobi", wave="nov", synthetic=False)
    assert (w.label, w.synthetic) == ("nov", False)
    with pytest.raises(ValueError, match="wave"):
        open_wave(str(folder), "ecsi_mobi", wave="../x")
    with pytest.raises(TypeError, match="synthetic"):
        open_wave(str(folder), "ecsi_mobi", synthetic="yes")


# ------------------------------------------------------------------ classical ANOVA by sums
def _design(df, **kw):
    import ibis

    return cx.Design(ibis.memtable(df), **kw)


def test_anova_by_sums_equals_the_row_level_anova_even_far_from_zero():
    rng = np.random.default_rng(5)
    for shift in (0.0, 1e6, -3e8):
        df = pd.DataFrame({"y": rng.normal(size=3000) + shift,
                           "g": rng.choice(list("abcd"), 3000)})
        df.loc[rng.choice(3000, 40, replace=False), "y"] = np.nan
        df.loc[rng.choice(3000, 40, replace=False), "g"] = None
        ok = df["y"].notna() & df["g"].notna()
        ref = cx.compare_groups(df[ok].reset_index(drop=True), "y", "g").tests
        ref = ref.set_index("test").loc["anova"]
        got = anova_on_engine(_design(df), "y", "g")
        # far from zero the F is a ratio of small differences: the row-level route itself
        # agrees with exact rational arithmetic to ~1e-9 at shift 1e6 (see the module notes)
        assert got["statistic"] == pytest.approx(ref["statistic"], rel=1e-6 if shift else TOL)
        assert (got["df1"], got["df2"], got["n"]) == (ref["df"], ref["df2"], int(ok.sum()))


def test_anova_by_sums_is_exact_against_rational_arithmetic():
    from fractions import Fraction

    rng = np.random.default_rng(9)
    df = pd.DataFrame({"y": rng.normal(size=400) + 1e6, "g": rng.choice(list("abc"), 400)})
    groups = {k: [Fraction(v) for v in df.loc[df.g == k, "y"]] for k in "abc"}
    n = sum(len(v) for v in groups.values())
    grand = sum(sum(v) for v in groups.values()) / n
    ssb = sum(len(v) * (sum(v) / len(v) - grand) ** 2 for v in groups.values())
    ssw = sum(sum((x - sum(v) / len(v)) ** 2 for x in v) for v in groups.values())
    exact = float((ssb / 2) / (ssw / (n - 3)))
    assert anova_on_engine(_design(df), "y", "g")["statistic"] == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize("case, match", [
    ("weighted", "simple random sample"),
    ("one group", "at least two"),
    ("no residual df", "residual degrees of freedom"),
    ("constant", "does not vary"),
    ("missing column", "not a column"),
])
def test_anova_by_sums_refuses_what_it_cannot_answer(case, match):
    df = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 6], "g": list("aabbcc"), "w": [1.0] * 6})
    value = "y"
    kw = {}
    if case == "weighted":
        kw = {"weights": "w"}
    elif case == "one group":
        df["g"] = "a"
    elif case == "no residual df":
        df = df.iloc[[0, 2, 4]]
    elif case == "constant":
        df["y"] = [1.0, 1, 2, 2, 3, 3]
    elif case == "missing column":
        value = "nope"
    with pytest.raises(ValueError, match=match):
        anova_on_engine(_design(df, **kw), value, "g")


def test_a_libraries_deprecation_notice_never_becomes_a_readers_note():
    import ibis

    from cxresearch.errors import CxWarning
    from cxresearch.report.narrative.notes import Notes

    def engine_call():  # ibis tells pandas 3 users about future.infer_string
        warnings.warn_explicit("The 'future.infer_string' option is deprecated",
                               DeprecationWarning, ibis.__file__, 60)
        warnings.warn_explicit("option x will change", FutureWarning, pd.__file__, 1)
        warnings.warn("2 respondents had no weight", CxWarning, stacklevel=1)
        return 1

    notes = Notes()
    notes.collect(engine_call)
    assert notes.items == ["2 respondents had no weight"]
