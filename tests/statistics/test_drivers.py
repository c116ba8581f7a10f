"""cx.key_drivers against R (tests/reference/regression.R, kda_* blocks, real ECSI data) and
invariants; the rescaling bootstrap; the importance-performance chart and heatmap.

Tolerances: every importance is a closed-form function of the correlation matrix; R computes
LMG by 2^p lm() refits and we by sweeps of the correlation matrix, so they agree to rounding
(~1e-14); we allow 1e-10 absolute (importances are O(0.01-0.6)).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import r_reference

import cxresearch as cx
from cxresearch.sampling.design import Design
from cxresearch.statistics.design.bootstrap import rescaling_bootstrap_weights

ROOT = Path(__file__).resolve().parents[2]
R = r_reference("regression")
MOBI = pd.read_csv(ROOT / "data" / "examples" / "ecsi_mobi" / "mobi.csv")
KEYS = {"shapley": "lmg", "johnson": "johnson_raw", "beta": "std_beta", "correlation": "cor_y"}


@pytest.mark.parametrize("block", ["kda_cusa1", "kda_cusa1_weighted", "kda_cusl1"])
def test_against_r(block):
    r = R[block]
    df = MOBI.assign(w=r["w"]) if r["weighted"] else MOBI
    kd = cx.key_drivers(df, r["outcome"], r["drivers"], method="all", B=0,
                        weights="w" if r["weighted"] else None)
    assert kd.r2 == pytest.approx(r["r2"], abs=1e-12)
    assert kd.n == r["n"] and kd.n_dropped == 0
    t = kd.table
    for m, key in KEYS.items():
        sub = t[t["measure"] == m]
        assert sub["driver"].tolist() == r["drivers"]
        np.testing.assert_allclose(sub["importance"], r[key], atol=1e-10)
    np.testing.assert_allclose(t[t["measure"] == "shapley"]["share"], r["lmg_share"], atol=1e-10)
    np.testing.assert_allclose(t[t["measure"] == "johnson"]["share"], r["johnson_share"],
                               atol=1e-10)


def test_weighted_design_equals_weighted_frame():
    r = R["kda_cusa1_weighted"]
    df = MOBI.assign(w=r["w"])
    a = cx.key_drivers(Design(df, weights="w"), r["outcome"], r["drivers"], B=0)
    np.testing.assert_allclose(a.table["importance"], r["lmg"], atol=1e-10)


class TestInvariants:
    def _data(self, n=400, seed=0):
        rng = np.random.default_rng(seed)
        base = rng.normal(size=(n, 1))
        X = 0.6 * base + rng.normal(size=(n, 5))
        df = pd.DataFrame(X, columns=list("abcde"))
        df["y"] = X @ [0.8, 0.5, 0.3, 0.0, 0.2] + rng.normal(size=n)
        df["noise"] = rng.normal(size=n)
        return df

    def test_lmg_and_johnson_sum_to_r2(self):
        df = self._data()
        kd = cx.key_drivers(df, "y", list("abcde"), method=["shapley", "johnson"], B=0)
        for m in ("shapley", "johnson"):
            sub = kd.table[kd.table["measure"] == m]
            assert sub["importance"].sum() == pytest.approx(kd.r2, abs=1e-12)
            assert sub["share"].sum() == pytest.approx(1.0, abs=1e-12)
        r2 = cx.regress(df, "y", list("abcde")).stats["r2"]
        assert kd.r2 == pytest.approx(r2, abs=1e-12)

    def test_unit_weights_equal_unweighted(self):
        df = self._data()
        a = cx.key_drivers(df, "y", list("abcde"), method="all", B=0).table
        b = cx.key_drivers(df, "y", list("abcde"), method="all", B=0,
                           weights=np.ones(len(df))).table
        np.testing.assert_allclose(a["importance"], b["importance"], atol=1e-13)

    def test_frequency_weights_equal_expanded_rows(self):
        df = self._data(200).assign(fw=lambda d: 1 + np.arange(len(d)) % 3)
        a = cx.key_drivers(df, "y", list("abcde"), method="all", B=0, weights="fw").table
        ex = df.loc[df.index.repeat(df["fw"])]
        b = cx.key_drivers(ex, "y", list("abcde"), method="all", B=0).table
        np.testing.assert_allclose(a["importance"], b["importance"], atol=1e-12)

    def test_uncorrelated_driver_gets_about_zero(self):
        rng = np.random.default_rng(5)
        n = 20000
        df = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "z"])
        df["y"] = df["a"] + 0.5 * df["b"] + rng.normal(size=n)
        kd = cx.key_drivers(df, "y", ["a", "b", "z"], method="all", B=0).table
        z = kd[kd["driver"] == "z"]
        # sampling noise of a correlation at n = 20000 is ~0.007; of its R^2 share ~1e-4
        assert (z[z["measure"].isin(["shapley", "johnson"])]["importance"] < 5e-4).all()
        assert (z["importance"].abs() < 0.03).all()
        assert (z["rank"] == 3).all()

    def test_order_of_drivers_does_not_matter(self):
        df = self._data()
        a = cx.key_drivers(df, "y", list("abcde"), B=0).table.set_index("driver")
        b = cx.key_drivers(df, "y", list("edcba"), B=0).table.set_index("driver")
        np.testing.assert_allclose(a.loc[list("abcde"), "importance"],
                                   b.loc[list("abcde"), "importance"], atol=1e-13)

    def test_two_drivers_shapley_closed_form(self):
        # p = 2: LMG_1 = (r1^2 + R2 - r2^2) / 2 (average of the two orderings)
        df = self._data()
        kd = cx.key_drivers(df, "y", ["a", "b"], method="all", B=0).table
        r = kd[kd["measure"] == "correlation"]["importance"].to_numpy()
        r2 = kd.attrs["r2"]
        lmg = kd[kd["measure"] == "shapley"]["importance"].to_numpy()
        assert lmg[0] == pytest.approx((r[0] ** 2 + r2 - r[1] ** 2) / 2, abs=1e-13)

    def test_listwise_deletion_counts(self):
        df = self._data()
        df.loc[[1, 2], "a"] = np.nan
        df.loc[[2, 5], "y"] = np.nan
        kd = cx.key_drivers(df, "y", list("abc"), B=0)
        assert kd.n == len(df) - 3 and kd.n_dropped == 3
        full = cx.key_drivers(df.dropna(subset=["a", "b", "c", "y"]), "y", list("abc"), B=0)
        np.testing.assert_allclose(kd.table["importance"], full.table["importance"])


class TestBootstrap:
    def test_rescaled_weights_mean_and_structure(self):
        df = pd.DataFrame({"h": np.repeat(["a", "b"], [6, 9]), "psu": np.arange(15) // 3,
                           "w": np.linspace(1, 3, 15)})
        d = Design(df, weights="w", strata="h", psu="psu")
        W = rescaling_bootstrap_weights(d, B=4000, seed=1)
        # E[w*] = w (the rescaling is unbiased)
        np.testing.assert_allclose(W.mean(1), d.weights, rtol=0.05)
        # rows of one PSU share their factor
        f = W / d.weights[:, None]
        assert np.allclose(f[0], f[1]) and np.allclose(f[0], f[2])
        # m_h = n_h - 1 PSUs drawn: stratum "a" has 2 PSUs, each replicate picks 1 -> 0 or 2x
        assert set(np.unique(np.round(f[:6], 10))) <= {0.0, 2.0}

    def test_bootstrap_se_near_linearization_for_a_mean(self):
        # the rescaling bootstrap variance of a weighted mean ~ the linearized variance
        rng = np.random.default_rng(2)
        df = pd.DataFrame({"y": rng.normal(size=300), "h": np.repeat(list("abc"), 100),
                           "w": rng.uniform(1, 4, 300)})
        d = Design(df, weights="w", strata="h")
        W = rescaling_bootstrap_weights(d, B=2000, seed=3)
        est = (W * df["y"].to_numpy()[:, None]).sum(0) / W.sum(0)
        lin = float(cx.mean(d, "y")["se"].iloc[0])
        assert est.std() == pytest.approx(lin, rel=0.1)   # B = 2000: MC error ~3%

    def test_intervals_and_differences(self):
        r = R["kda_cusl1"]
        kd = cx.key_drivers(MOBI, r["outcome"], r["drivers"], B=200, seed=11)
        t = kd.table
        assert (t["ci_low"] <= t["importance"]).all() and (t["importance"] <= t["ci_high"]).all()
        assert (t["ci_low"] >= 0).all()
        assert "Rao-Wu" in t["method"].iloc[0]
        d = kd.differences
        assert len(d) == 10
        row = d[(d["driver_a"] == "PERQ1") & (d["driver_b"] == "IMAG1")].iloc[0]
        imp = t.set_index("driver")["importance"]
        assert row["difference"] == pytest.approx(imp["PERQ1"] - imp["IMAG1"])
        assert row["ci_low"] < row["ci_high"] and 0 <= row["p_value"] <= 1

    def test_seed_reproducible(self):
        r = R["kda_cusl1"]
        a = cx.key_drivers(MOBI, r["outcome"], r["drivers"], method="johnson", B=50, seed=4)
        b = cx.key_drivers(MOBI, r["outcome"], r["drivers"], method="johnson", B=50, seed=4)
        c = cx.key_drivers(MOBI, r["outcome"], r["drivers"], method="johnson", B=50, seed=5)
        np.testing.assert_array_equal(a.table["ci_low"], b.table["ci_low"])
        assert not np.array_equal(a.table["ci_low"], c.table["ci_low"])

    def test_singular_replicates_are_reported(self):
        # a driver that is non-zero in one row is constant in ~37% of replicates
        rng = np.random.default_rng(4)
        df = pd.DataFrame({"a": rng.normal(size=30), "rare": np.r_[1.0, np.zeros(29)]})
        df["y"] = df["a"] + rng.normal(size=30)
        kd = cx.key_drivers(df, "y", ["a", "rare"], method="johnson", B=200, seed=1)
        assert "singular replicate(s) left out" in kd.table["method"].iloc[0]
        assert np.isfinite(kd.table[["ci_low", "ci_high"]].to_numpy()).all()

    def test_clustered_design_resamples_psus(self):
        rng = np.random.default_rng(8)
        n = 240
        df = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
        df["psu"] = np.arange(n) // 12
        df["y"] = df["a"] + rng.normal(size=n) + np.repeat(rng.normal(size=20), 12)
        kd = cx.key_drivers(Design(df, psu="psu"), "y", ["a", "b", "c"], B=100, seed=1)
        assert np.isfinite(kd.table[["ci_low", "ci_high"]].to_numpy()).all()


class TestHostileInput:
    def _df(self):
        rng = np.random.default_rng(1)
        df = pd.DataFrame(rng.normal(size=(100, 3)), columns=["a", "b", "c"])
        df["y"] = df.sum(axis=1) + rng.normal(size=100)
        return df

    @pytest.mark.parametrize("kw,match", [
        ({"method": "dominance"}, "method must be"),
        ({"B": -1}, "B must be"),
        ({"B": 2.5}, "B must be an integer"),
        ({"conf_level": 0}, "conf_level"),
    ])
    def test_bad_arguments(self, kw, match):
        with pytest.raises((ValueError, TypeError), match=match):
            cx.key_drivers(self._df(), "y", ["a", "b"], **kw)

    def test_binary_outcome_refused(self):
        df = self._df().assign(yb=lambda d: (d["y"] > 0).astype(int))
        with pytest.raises(ValueError, match="binary|two values"):
            cx.key_drivers(df, "yb", ["a", "b"], B=0)

    def test_categorical_outcome_refused(self):
        df = self._df().assign(cat=lambda d: pd.Categorical(
            pd.cut(d["y"], 3, labels=["lo", "mid", "hi"]), ordered=True))
        with pytest.raises(ValueError, match="must be numeric.*ordered categorical"):
            cx.key_drivers(df, "cat", ["a", "b"], B=0)

    def test_constant_driver(self):
        with pytest.raises(ValueError, match=r"\['k'\] are constant"):
            cx.key_drivers(self._df().assign(k=1.0), "y", ["a", "k"], B=0)

    def test_collinear_drivers(self):
        df = self._df().assign(s=lambda d: d["a"] + d["b"])
        with pytest.raises(ValueError, match="collinear"):
            cx.key_drivers(df, "y", ["a", "b", "s"], B=0)

    def test_infinite_and_missing_columns(self):
        df = self._df()
        df.loc[3, "a"] = np.inf
        with pytest.raises(ValueError, match="'a' has 1 infinite"):
            cx.key_drivers(df, "y", ["a", "b"], B=0)
        with pytest.raises(ValueError, match="'zz' is not a column"):
            cx.key_drivers(self._df(), "y", ["a", "zz"], B=0)

    def test_structure_errors(self):
        with pytest.raises(ValueError, match="at least two"):
            cx.key_drivers(self._df(), "y", ["a"], B=0)
        with pytest.raises(ValueError, match="also listed"):
            cx.key_drivers(self._df(), "y", ["a", "y"], B=0)
        with pytest.raises(ValueError, match="duplicates"):
            cx.key_drivers(self._df(), "y", ["a", "a"], B=0)
        with pytest.raises(TypeError):
            cx.key_drivers("not data", "y", ["a", "b"], B=0)


class TestCharts:
    def _kd(self):
        r = R["kda_cusl1"]
        return cx.key_drivers(MOBI, r["outcome"], r["drivers"], B=50, seed=1,
                              item_range={d: (1, 10) for d in r["drivers"]})

    def test_importance_performance(self, tmp_path):
        kd = self._kd()
        fig = cx.importance_performance(kd, source="ECSI mobi")
        data = fig.cx_data
        assert set(data["quadrant"]) <= {"Concentrate here", "Keep up the good work",
                                         "Low priority", "Possible overkill"}
        # POMP on a 1-10 scale
        np.testing.assert_allclose(data["pomp"], 100 * (data["mean"] - 1) / 9)
        # quadrant lines at the means
        ax = fig.axes[0]
        xs = [ln.get_xdata()[0] for ln in ax.lines if len(set(ln.get_xdata())) == 1]
        assert any(np.isclose(x, data["pomp"].mean()) for x in xs)
        fig.savefig(tmp_path / "ipa.png")
        assert not fig.cx_synthetic

    def test_importance_performance_labels_and_synthetic(self):
        kd = self._kd()
        fig = cx.importance_performance(kd, labels={"PERV1": "Price for quality"},
                                        synthetic=True, performance="mean")
        texts = [t.get_text() for t in fig.axes[0].texts]
        assert "Price for quality" in texts
        assert any("synthetic" in t.get_text().lower() for t in fig.texts)

    def test_importance_performance_errors(self):
        r = R["kda_cusl1"]
        kd = cx.key_drivers(MOBI, r["outcome"], r["drivers"], B=0)
        with pytest.raises(ValueError, match="needs the driver scales"):
            cx.importance_performance(kd, performance="pomp")
        with pytest.raises(ValueError, match="not in the table"):
            cx.importance_performance(kd, method="johnson")
        with pytest.raises(TypeError):
            cx.importance_performance([1, 2])

    def test_saved_like_every_figure(self, tmp_path):
        fig = cx.importance_performance(self._kd())
        cx.save_figure(fig, "drivers_ipa", formats=("png",), outdir=tmp_path)
        files = [p.name for p in tmp_path.rglob("drivers_ipa*")]
        assert "drivers_ipa.png" in files and any(f.endswith(".csv") for f in files)

    def test_heatmap(self):
        fig = cx.driver_heatmap(self._kd())
        assert len(fig.cx_data) == 36
        assert fig.cx_chart == "driver_heatmap"


class TestWave:
    DRIVERS = ["perq1", "perq2", "imag1", "cuex1", "perv1"]

    def test_real_ecsi_wave_labels_pomp_and_r(self, data):
        from cxresearch import paths

        w = cx.ingest(paths.examples_dir() / "ecsi_mobi" / "mobi.csv", "ecsi_mobi", "example")
        kd = cx.key_drivers(w, "cusl1", self.DRIVERS, B=0)
        r = R["kda_cusl1"]
        np.testing.assert_allclose(kd.table["importance"], r["lmg"], atol=1e-10)
        # POMP from the codebook's 1-10 scale
        t = kd.table
        assert (t["scale_min"] == 1).all() and (t["scale_max"] == 10).all()
        np.testing.assert_allclose(t["pomp"], 100 * (t["mean"] - 1) / 9)
        assert kd.labels["perv1"] != "perv1"          # a codebook label, not the id
        fig = cx.importance_performance(kd)
        texts = [x.get_text() for x in fig.axes[0].texts]
        assert kd.labels["perq1"] in texts
        assert not fig.cx_synthetic

    def test_codebook_for_a_design(self):
        df = MOBI.rename(columns=str.lower)
        kd = cx.key_drivers(Design(df), "cusl1", self.DRIVERS, B=0, codebook="ecsi_mobi")
        assert (kd.table["scale_max"] == 10).all() and kd.labels["perq1"] != "perq1"
        plain = cx.key_drivers(df, "cusl1", self.DRIVERS, B=0)
        assert plain.labels is None and plain.table["pomp"].isna().all()

    def test_synthetic_wave_is_marked(self):
        from support import fake_wave

        df = MOBI.rename(columns=str.lower)
        w = fake_wave(df, None, synthetic=True, design=lambda: Design(df))
        kd = cx.key_drivers(w, "cusl1", self.DRIVERS, B=0)
        assert kd.synthetic
        fig = cx.importance_performance(kd)
        assert fig.cx_synthetic


@pytest.mark.parametrize("module", ["cxresearch.statistics.models.drivers",
                                    "cxresearch.statistics.design.bootstrap",
                                    "cxresearch.report.charts.drivers"])
def test_docstring_examples(module):
    import doctest
    import importlib

    res = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert res.failed == 0 and res.attempted > 0
