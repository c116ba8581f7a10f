"""Comparing a score across groups: means, or NPS, by a grouping variable.

For a simple random sample (a plain DataFrame): one-way ANOVA, Welch's ANOVA and
Kruskal-Wallis with effect sizes (eta², omega², epsilon²), Tukey HSD (Tukey-Kramer) and pairwise
Wilcoxon rank-sum tests with Benjamini-Hochberg adjustment, from scipy. With a weighted or
complex design (a Design or a Wave) the group means come with linearized SEs and the test is the
design-based Wald F of equal group means (``survey::regTermTest`` style, denominator df = design
df); the classical tests are then not shown, because they would ignore the design.

``kind="nps"``: the score is a likelihood to recommend; each group's NPS (-100..100) is the
mean of +100 (promoter), 0 (passive) and -100 (detractor), with the cut-offs of
:func:`cxresearch.nps_cutoffs` (arguments, else the codebook's ``nps:`` key, else the classic
9-10 / 0-6 for a 0-10 item only; a non-0-10 codebook item without cut-offs is refused). The
differences are tested twice, and both are shown: a Wald test on the group NPS (design-based
for a design, multinomial SEs otherwise) and a chi-square (Rao-Scott for a design) on
promoter/passive/detractor x group.

The ``groups`` table is, for every input, the domain estimate of :func:`cxresearch.mean` (or
:func:`cxresearch.nps`) with ``by=group`` — the same estimate, SE, interval, ``n`` and
``deff`` — with a plain DataFrame taken as a simple random sample (``svydesign(ids=~1)``).
Its interval follows the package's one convention (t on the whole design's df; ``df=``
chooses otherwise; see :mod:`cxresearch.statistics.estimates.means`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from cxresearch.sampling.design import Design
from cxresearch.statistics.design.params import check_params
from cxresearch.statistics.design.resolve import (
    column,
    design_weights,
    dropped_note,
    named,
    refuse_infinite,
    resolve,
    row_counts,
    total_variance,
)
from cxresearch.statistics.design.results import Result, records_warnings
from cxresearch.statistics.estimates.domains import (
    COLUMNS,
    assemble,
    design_label,
    ratio_estimates,
    refuse_huge,
)
from cxresearch.statistics.estimates.recommend import nps_code, nps_cutoffs
from cxresearch.statistics.relationships.multiplicity import adjust_pvalues

__all__ = ["GroupComparison", "compare_groups"]

TEST_COLUMNS = ["test", "statistic", "df", "df2", "p_value", "eta2", "omega2", "epsilon2",
                "method"]


@dataclass(repr=False)  # repr: Result.__repr__ (the summary)
class GroupComparison(Result):
    """What :func:`compare_groups` returns (the result protocol: ``table`` is ``groups``,
    ``notes``, ``summary()``, ``_repr_html_``).

    ``groups`` (``group, estimate, se, ci_low, ci_high, n, n_eff, deff, method`` — exactly the
    rows of ``mean(d, value, by=group)`` / ``nps(..., by=group)`` — plus ``sd`` and ``median``
    for means of a plain DataFrame), ``tests`` (one row per test with effect sizes), ``posthoc``
    (``test, group1, group2, estimate, ci_low, ci_high, p_value, p_adjusted, method``;
    estimate = group2 - group1 as R's ``TukeyHSD``), ``p_value`` (the primary test).
    """

    groups: pd.DataFrame
    tests: pd.DataFrame
    posthoc: pd.DataFrame
    primary: str
    n: int
    n_dropped: int
    notes: list = field(default_factory=list)

    @property
    def p_value(self) -> float:
        return float(self.tests.set_index("test").loc[self.primary, "p_value"])

    @property
    def table(self) -> pd.DataFrame:
        return self.groups

    def _headline(self) -> str:
        return (f"{len(self.groups)} groups compared: {self.primary} p = {self.p_value:.3g}, "
                f"n = {self.n}")


def _trow(test, stat, df, df2, p, method, **eff):
    return dict(test=test, statistic=float(stat), df=df, df2=df2, p_value=float(p),
                eta2=eff.get("eta2", np.nan), omega2=eff.get("omega2", np.nan),
                epsilon2=eff.get("epsilon2", np.nan), method=method)


def _classical(samples, labels, conf_level, note):
    k = len(samples)
    n = sum(len(s) for s in samples)
    allv = np.concatenate(samples)
    grand = allv.mean()
    ssb = sum(len(s) * (s.mean() - grand) ** 2 for s in samples)
    ssw = sum(((s - s.mean()) ** 2).sum() for s in samples)
    dfb, dfw = k - 1, n - k
    msw = ssw / dfw
    F = (ssb / dfb) / msw
    tests = [
        _trow("anova", F, dfb, dfw, stats.f.sf(F, dfb, dfw), "one-way ANOVA F" + note,
              eta2=ssb / (ssb + ssw), omega2=(ssb - dfb * msw) / (ssb + ssw + msw),
              epsilon2=(ssb - dfb * msw) / (ssb + ssw)),
    ]
    # Welch (1951) ANOVA, as R's oneway.test(var.equal = FALSE)
    ni = np.array([len(s) for s in samples], float)
    mi = np.array([s.mean() for s in samples])
    vi = np.array([s.var(ddof=1) for s in samples])
    wi = ni / vi
    sw = wi.sum()
    mw = (wi * mi).sum() / sw
    tmp = ((1 - wi / sw) ** 2 / (ni - 1)).sum() / (k**2 - 1)
    Fw = ((wi * (mi - mw) ** 2).sum() / (k - 1)) / (1 + 2 * (k - 2) * tmp)
    tests.append(_trow("welch_anova", Fw, k - 1, 1 / (3 * tmp), stats.f.sf(Fw, k - 1, 1 / (3 * tmp)),
                       "Welch's ANOVA (unequal variances)" + note))
    kw = stats.kruskal(*samples)
    tests.append(_trow("kruskal_wallis", kw.statistic, k - 1, np.nan, kw.pvalue,
                       "Kruskal-Wallis H (ties corrected); epsilon² = H/(n-1)" + note,
                       epsilon2=kw.statistic / (n - 1)))
    post = []
    tk = stats.tukey_hsd(*samples)
    ci = tk.confidence_interval(confidence_level=conf_level)
    pw_rows = []
    for i, j in itertools.combinations(range(k), 2):
        post.append(dict(test="tukey_hsd", group1=labels[i], group2=labels[j],
                         estimate=float(mi[j] - mi[i]), ci_low=float(-ci.high[i, j]),
                         ci_high=float(-ci.low[i, j]), p_value=float(tk.pvalue[i, j]),
                         p_adjusted=float(tk.pvalue[i, j]),
                         method="Tukey HSD (Tukey-Kramer), p already family-wise"))
        mw_ = stats.mannwhitneyu(samples[j], samples[i], method="asymptotic",
                                 use_continuity=True, alternative="two-sided")
        pw_rows.append(dict(test="wilcoxon", group1=labels[i], group2=labels[j],
                            estimate=float(np.median(samples[j]) - np.median(samples[i])),
                            ci_low=np.nan, ci_high=np.nan, p_value=float(mw_.pvalue),
                            method="Wilcoxon rank-sum (normal approx., continuity), "
                                   "Benjamini-Hochberg over pairs; estimate = difference of "
                                   "medians"))
    padj = adjust_pvalues([r["p_value"] for r in pw_rows], "BH")
    for r, p in zip(pw_rows, padj, strict=True):
        r["p_adjusted"] = float(p)
    return tests, post + pw_rows


def _design_means(design, v, g, ok, k, labels, conf_level, kind):
    """Group means with linearized SEs and the Wald F of their equality."""
    w = design_weights(design, len(v)) * ok
    vv = np.where(ok, v, 0.0)
    gg = np.where(ok, g, 0)
    T = np.bincount(gg, weights=w, minlength=k)
    S = np.bincount(gg, weights=w * vv, minlength=k)
    mu = S / T
    Z = np.zeros((len(v), k))
    rows = np.flatnonzero(ok)
    Z[rows, gg[rows]] = (vv[rows] - mu[gg[rows]]) / T[gg[rows]]
    V = total_variance(design, Z)
    se = np.sqrt(np.diag(V))
    nu = float(design.df)
    tq = stats.t.ppf(0.5 + conf_level / 2, nu) if nu > 0 else np.nan
    fr = row_counts(design, len(v))  # rows per frame row (engine cells), else 1
    nk = np.bincount(gg[ok], weights=fr[ok], minlength=k)
    # SRS variance of a mean, with the weighted variance, for the design effect
    var_w = np.bincount(gg, weights=w * (vv - mu[gg]) ** 2, minlength=k) / T
    deff = se**2 / (var_w / nk)
    label = "NPS" if kind == "nps" else "mean"
    groups = pd.DataFrame({
        "group": labels, "estimate": mu, "se": se, "ci_low": mu - tq * se,
        "ci_high": mu + tq * se, "n": nk, "n_eff": nk / deff, "deff": deff,
        "method": f"weighted {label}, linearized SE, t CI on design df {nu:g}"})
    C = np.column_stack([-np.ones(k - 1), np.eye(k - 1)])
    d = C @ mu
    X2 = float(d @ np.linalg.solve(C @ V @ C.T, d))
    q = k - 1
    F = X2 / q
    test = _trow("wald", F, q, nu, stats.f.sf(F, q, nu),
                 f"design-based Wald F of equal group {label}s (X² = {X2:.4f})")
    post = []
    for i, j in itertools.combinations(range(k), 2):
        c = np.zeros(k)
        c[j], c[i] = 1, -1
        est, s = float(c @ mu), float(np.sqrt(c @ V @ c))
        post.append(dict(test="wald_pair", group1=labels[i], group2=labels[j], estimate=est,
                         ci_low=est - tq * s, ci_high=est + tq * s,
                         p_value=float(2 * stats.t.sf(abs(est / s), nu)),
                         method=f"design-based difference of {label}s, t on design df; "
                                "p_adjusted: Benjamini-Hochberg over pairs"))
    padj = adjust_pvalues([r["p_value"] for r in post], "BH")
    for r, p in zip(post, padj, strict=True):
        r["p_adjusted"] = float(p)
    return groups, test, post


def _group_table(frame, design, v, g, ok, labels, conf_level, df, what) -> pd.DataFrame:
    """Group estimates exactly as ``mean(d, value, by=group)`` / ``nps(..., by=group)``."""
    des = design if design is not None else Design(frame)
    gtable = pd.DataFrame({"group": labels})
    gcode = np.where(ok, g, -1)
    y = np.where(ok, np.nan_to_num(v), 0.0)
    res = ratio_estimates(des, y, ok.astype(float), ok, gcode, gtable, "value")
    out = assemble(gtable, res, {}, conf_level, df,
                   f"{what}; linearized SE ({design_label(des)})")
    return out[["group", *COLUMNS]]


@records_warnings
@check_params
def compare_groups(d, value: str, group: str, *, kind: str = "mean", conf_level: float = 0.95,
                   promoters=None, detractors=None, item_range=None, df=None
                   ) -> GroupComparison:
    """Compare a numeric score, or the NPS, across the levels of a grouping variable.

    Parameters
    ----------
    d : DataFrame, Design or Wave
        A DataFrame is a simple random sample (classical tests); a Design or Wave gives
        design-based estimates and Wald tests.
    value : str
        Numeric column (for ``kind="nps"``: a likelihood-to-recommend item).
    group : str
        Grouping column (categorical order kept; otherwise sorted).
    kind : {"mean", "nps"}
    conf_level : float
    promoters, detractors, item_range
        NPS cut-offs and the item's answer range for ``kind="nps"``, as in
        :func:`cxresearch.nps`.
    df : None, "design", "domain" or float
        Degrees of freedom of the group intervals, as in :func:`cxresearch.mean` (default:
        the whole design's df for every group).

    Returns
    -------
    GroupComparison

    References
    ----------
    Welch, B. L. (1951). *Biometrika* 38, 330-336. Kruskal & Wallis (1952), *JASA* 47.
    Tomczak, M. & Tomczak, E. (2014). The need to report effect size estimates revisited.
    *Trends in Sport Sciences* 21, 19-25 (epsilon² for Kruskal-Wallis).
    Reichheld, F. (2003). The one number you need to grow. *HBR* (NPS).

    Examples
    --------
    >>> import pandas as pd, cxresearch as cx
    >>> df = pd.DataFrame({"y": [1., 2, 3, 4, 5, 6, 7, 8, 9], "g": list("aaabbbccc")})
    >>> float(round(cx.compare_groups(df, "y", "g").tests.loc[0, "statistic"], 3))
    27.0
    >>> # In R: anova(lm(y ~ g, df)); oneway.test(y ~ g, df); kruskal.test(y ~ g, df)
    """
    if kind not in ("mean", "nps"):
        raise ValueError(f"kind must be 'mean' or 'nps', got {kind!r}")
    if kind == "mean" and (promoters is not None or detractors is not None or
                           item_range is not None):
        raise ValueError("promoters=, detractors= and item_range= apply only to kind='nps'")
    frame, design = resolve(d, columns=[value, group])
    fr = row_counts(design, len(frame))  # rows per frame row (engine cells), else 1
    x = _values(d, frame, value, group, kind, promoters, detractors, item_range, fr)
    note = dropped_note(x.n_dropped, "value or group")
    notes = [note.lstrip("; ")] if note else []
    strl = [str(lab) for lab in x.labels]
    table = _group_table(frame, design, x.v, x.g, x.ok, strl, conf_level, df, x.what)
    table["method"] += note
    n = int(fr[x.ok].sum())
    if design is not None:
        tests, post = _design_tests(design, x, group, strl, conf_level, kind)
        return GroupComparison(groups=table, tests=pd.DataFrame(tests, columns=TEST_COLUMNS),
                               posthoc=pd.DataFrame(post), primary="wald", n=n,
                               n_dropped=x.n_dropped, notes=notes)
    samples = [x.v[x.ok & (x.g == i)] for i in range(len(strl))]
    if kind == "mean":
        groups = table.assign(sd=[float(s.std(ddof=1)) for s in samples],
                              median=[float(np.median(s)) for s in samples])
        tests, post = _classical(samples, strl, conf_level, note)
        return GroupComparison(groups=groups, tests=pd.DataFrame(tests,
                               columns=TEST_COLUMNS), posthoc=pd.DataFrame(post),
                               primary="anova", n=n, n_dropped=x.n_dropped, notes=notes)
    tests, post = _nps_srs(samples, strl, conf_level)
    return GroupComparison(groups=table, tests=pd.DataFrame(tests,
                           columns=TEST_COLUMNS), posthoc=pd.DataFrame(post),
                           primary="wald_chisq", n=n, n_dropped=x.n_dropped, notes=notes)


@dataclass
class _Values:
    """The score per row (NaN = missing), group codes (-1 = missing) and the rows used."""

    v: np.ndarray
    cat3: np.ndarray | None
    what: str
    g: np.ndarray
    labels: list
    ok: np.ndarray
    n_dropped: int


def _values(d, frame, value, group, kind, promoters, detractors, item_range, fr) -> _Values:
    """Scores (the value, or NPS codes -100/0/100) and groups, checked."""
    vs = column(frame, value, "value")
    gs = column(frame, group, "group")
    if not pd.api.types.is_numeric_dtype(vs.dtype) or pd.api.types.is_bool_dtype(vs.dtype):
        raise TypeError(f"value={named(value, 'value')} must be numeric, got dtype {vs.dtype}")
    v = vs.astype("float64").to_numpy(na_value=np.nan)
    refuse_infinite(v, f"value={named(value, 'value')}")
    refuse_huge(v, f"value={named(value, 'value')}")
    what, cat3 = "weighted mean", None
    if kind == "nps":
        from cxresearch.waves.storage import is_wave

        cut = nps_cutoffs(d if is_wave(d) else None,
                          value if isinstance(value, str) else "value", promoters, detractors,
                          item_range=item_range)
        v = nps_code(v, cut)
        cat3 = np.where(v == 100, 2, np.where(v == 0, 1, 0))
        what = f"NPS ({cut.describe()})"
    if isinstance(gs.dtype, pd.CategoricalDtype):
        used = set(pd.unique(gs.dropna()))
        labels = [c for c in gs.cat.categories if c in used]
    else:
        labels = sorted(pd.unique(gs.dropna()).tolist(), key=str)
    g = pd.Categorical(gs, categories=labels).codes.astype(np.int64)
    ok = (g >= 0) & ~np.isnan(v)
    k = len(labels)
    if k < 2:
        raise ValueError(f"group={named(group, 'group')} needs at least two groups, got "
                         f"{labels}")
    counts = np.bincount(g[ok], weights=fr[ok], minlength=k).astype(np.int64)
    if np.any(counts < 2):
        raise ValueError(f"every group needs at least two answers; {named(group, 'group')} "
                         f"has {dict(zip(map(str, labels), counts.tolist(), strict=True))}")
    return _Values(v, cat3, what, g, labels, ok, int(fr[~ok].sum()))


def _design_tests(design, x: _Values, group, strl, conf_level, kind):
    """Design-based Wald test and pairwise contrasts; for NPS also Rao-Scott on the 3 classes."""
    _, test, post = _design_means(design, np.nan_to_num(x.v), x.g, x.ok, len(strl), strl,
                                  conf_level, kind)
    tests = [test]
    if kind == "nps":
        from cxresearch.statistics.relationships.crosstab import crosstab_test
        cats = pd.Series(pd.Categorical.from_codes(
            np.where(x.ok, x.cat3, -1), categories=["detractor", "passive", "promoter"]),
            name="NPS class")
        grp = pd.Series(pd.Categorical.from_codes(np.where(x.ok, x.g, -1), categories=strl),
                        name=str(group) if isinstance(group, str) else "group")
        ct = crosstab_test(design, cats, grp)
        r = ct.tests.set_index("test").loc["rao_scott_f"]
        tests.append(_trow("rao_scott_f", r["statistic"], r["df"], r["df2"], r["p_value"],
                           "Rao-Scott F on promoter/passive/detractor x group"))
    return tests, post


def _nps_srs(samples, strl, conf_level):
    """NPS of a simple random sample: multinomial SEs, Wald test, X² on the three classes."""
    k = len(samples)
    z = stats.norm.ppf(0.5 + conf_level / 2)
    mus, vars_ = [], []
    for s in samples:
        pp, pd_ = np.mean(s == 100), np.mean(s == -100)
        mus.append(100 * (pp - pd_))
        vars_.append(100**2 * (pp + pd_ - (pp - pd_) ** 2) / len(s))
    mus, V = np.array(mus), np.diag(vars_)
    C = np.column_stack([-np.ones(k - 1), np.eye(k - 1)])
    dd = C @ mus
    X2 = float(dd @ np.linalg.solve(C @ V @ C.T, dd))
    tests = [_trow("wald_chisq", X2, k - 1, np.nan, stats.chi2.sf(X2, k - 1),
                   "Wald chi-square of equal group NPS (independent multinomial groups)")]
    tab = np.array([[np.sum(s == c) for c in (-100, 0, 100)] for s in samples], float)
    keep = tab.sum(0) > 0
    chi = stats.chi2_contingency(tab[:, keep], correction=False)
    tests.append(_trow("pearson_chisq", chi.statistic, chi.dof, np.nan, chi.pvalue,
                       "Pearson X² on promoter/passive/detractor x group"))
    post = []
    for i, j in itertools.combinations(range(k), 2):
        est = mus[j] - mus[i]
        s = np.sqrt(vars_[i] + vars_[j])
        post.append(dict(test="wald_pair", group1=strl[i], group2=strl[j], estimate=est,
                         ci_low=est - z * s, ci_high=est + z * s,
                         p_value=float(2 * stats.norm.sf(abs(est / s))),
                         method="difference of NPS, Wald; p_adjusted: Benjamini-Hochberg"))
    padj = adjust_pvalues([r["p_value"] for r in post], "BH")
    for r, p in zip(post, padj, strict=True):
        r["p_adjusted"] = float(p)
    return tests, post
