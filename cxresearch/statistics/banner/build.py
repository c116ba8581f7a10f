"""Banner tables: questions down the side, segments across the top, significance letters.

:func:`banner` computes, for every row (a level share, a net, a mean, an NPS, a multi-select
option) and every column (the total and each level of one or more banner items, optionally
nested), the estimate with its linearized SE, the unweighted, weighted and Kish effective
bases, and the pairwise column comparisons that decide the letters: each column carries a
letter; a cell shows the letters of the columns of its comparison group that it is
significantly **higher** than, upper case at the stricter α and lower case at the looser one.

The test of two columns ``a``, ``b`` is the design-based test of the difference of two domain
estimates, as ``svyby(..., covmat = TRUE)`` followed by ``svycontrast``: the influence
functions of all column estimates of a row are stacked and passed together to
:meth:`Design.total_variance` (the one variance engine), so the covariance of domains that share
PSUs enters ``Var(a - b) = V_aa + V_bb - 2 V_ab``; ``t = (a - b) / se`` is referred to Student's
t with the design degrees of freedom (PSUs minus strata). The optional comparison with the total
is the complement test (column vs everyone else), the same way. ``test="classical"`` gives the
tabulation packages' unweighted tests instead (pooled two-proportion test = ``prop.test(...,
correct = FALSE)``; Welch's t for means), for unweighted simple random samples only.
Written by hand: no maintained Python library computes banner letters from design-based tests.

References
----------
Lumley, T. (2010). *Complex Surveys*. Wiley. Ch. 2 (domains), 3 (``svyby``, ``svycontrast``).
Kish, L. (1965). *Survey Sampling*. Wiley (effective sample size).
Holm, S. (1979); Benjamini, Y., & Hochberg, Y. (1995) (multiplicity within a row).
IBM (2021). SPSS Custom Tables: compare column proportions / means (APA-style subscripts and
letters); Displayr / Q: column comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from cxresearch.sampling.engine import is_engine_design
from cxresearch.statistics.banner.core import (
    _cells,
    _classical,
    _p_t,
    _psu_design,
    _row_core,
)
from cxresearch.statistics.banner.engine import engine_rows, equal_row_weights
from cxresearch.statistics.banner.rows import (
    Column,
    Labels,
    Quantity,
    build_columns,
    build_rows,
    letters_for,
)
from cxresearch.statistics.design.params import check, check_params
from cxresearch.statistics.design.resolve import as_design
from cxresearch.statistics.design.results import Result, records_warnings
from cxresearch.statistics.relationships.multiplicity import adjust_pvalues
from cxresearch.waves.storage import is_wave

__all__ = ["BannerResult", "banner"]

_MULT = {"none": "none", "holm": "holm", "bh": "BH", "fdr": "BH"}
TABLE_COLUMNS = ["row", "block", "block_label", "item", "kind", "level", "row_label", "column",
                 "column_label",
                 "letter", "estimate", "se", "ci_low", "ci_high", "n", "n_eff", "deff",
                 "method", "wbase", "sd", "scale", "small_base", "suppressed", "letters",
                 "vs_total", "p_total"]


@dataclass
class BannerResult(Result):
    """What :func:`banner` returns (the result protocol: ``table``, ``notes``, ``summary()``,
    ``_repr_html_`` showing the wide view with the notes as footnotes).

    Attributes
    ----------
    table : DataFrame
        Tidy long table, one row per (banner row, column): ``row`` (display order),
        ``block``/``block_label``/``item``/``kind`` (``level``, ``net``, ``mean``, ``nps``,
        ``option``)/``level``/``row_label``, ``column``/``column_label``/``letter``,
        the standard ``estimate, se, ci_low, ci_high, n, n_eff, deff, method`` (``n``: the
        unweighted base; ``n_eff``: Kish's effective base), ``wbase`` (weighted base), ``sd``
        (means), ``scale`` (``share`` 0..1, ``mean``, ``nps`` −100..100), ``small_base``,
        ``suppressed``, ``letters`` (the columns this cell is significantly higher than),
        ``vs_total`` (``"+"``/``"-"`` when compared with the total) and ``p_total``.
    pairs : DataFrame
        Every pairwise comparison: ``row``, ``a``, ``b`` (column keys), ``letter_a``,
        ``letter_b``, ``diff`` (a − b), ``se``, ``t``, ``df``, ``p``, ``p_adj``, ``sig``
        (``""``, ``"lower"`` or ``"upper"``), ``test``.
    columns : DataFrame
        ``column, banner, column_label, letter, group`` (the total has no letter, group −1).
    notes : list of str
        The test and options, printed under every banner, and what was warned.
    options : dict
    synthetic : bool
    """

    table: pd.DataFrame
    pairs: pd.DataFrame
    columns: pd.DataFrame
    notes: list[str]
    options: dict = field(default_factory=dict)
    synthetic: bool = False
    title: str | None = None

    def wide(self, decimals: int = 0, mean_decimals: int = 2, show_sd: bool = True,
             bases: bool = True) -> pd.DataFrame:
        """The formatted display view: rows down, ``(banner, column (letter))`` across."""
        from cxresearch.statistics.banner.format import wide_view

        return wide_view(self, decimals=decimals, mean_decimals=mean_decimals,
                         show_sd=show_sd, bases=bases)

    def __str__(self) -> str:
        from cxresearch.statistics.banner.format import as_text

        return as_text(self)

    def __repr__(self) -> str:
        return self.__str__()

    def _headline(self) -> str:
        return self.title or (f"banner: {self.table['row'].nunique()} rows x "
                              f"{len(self.columns)} columns")

    def _repr_html_(self) -> str:
        from cxresearch.statistics.banner.format import as_html

        return as_html(self)


def _group_label(lab, spec: str) -> str:
    """A banner variable in words for a group header (short label, else its wording);
    ``""`` for the total."""
    if spec == "Total":
        return ""
    out = []
    for part in str(spec).split(" / "):
        it = lab._item(part)
        s = getattr(it, "short", None) if it is not None else None
        if isinstance(s, dict):
            s = s.get(lab.lang) or s.get("en")
        out.append(str(s) if s else lab.item(part) if it is not None else
                   part.replace("_", " ").strip().capitalize())
    return " / ".join(out)


def _alphas(alpha) -> tuple[float, float | None]:
    if isinstance(alpha, bool):
        raise TypeError(f"alpha must be a number or a pair (upper, lower), got {alpha!r}")
    if isinstance(alpha, int | float):
        pair = (float(alpha), None)
    else:
        try:
            a, b = alpha
            pair = (float(a), float(b))
        except (TypeError, ValueError):
            raise TypeError(f"alpha must be a number or a pair (upper, lower), got "
                            f"{alpha!r}") from None
    for a in pair:
        if a is not None:
            check("alpha", a)
    if pair[1] is not None and pair[1] <= pair[0]:
        raise ValueError(f"alpha=(upper, lower) needs upper < lower (e.g. (0.01, 0.05)), "
                         f"got {alpha!r}")
    return pair


@records_warnings
@check_params(skip=("alpha",))
def banner(d, rows, columns, *, total: bool = True, alpha=(0.01, 0.05),
           p_adjust: str = "none", compare_total: bool = False, test: str = "design",
           welch: bool = True, min_base: int = 30, suppress_below: int = 5,
           conf_level: float = 0.95, lang: str = "en", labels: str = "full",
           title: str | None = None) -> BannerResult:
    """A banner table with significance letters.

    Parameters
    ----------
    d : Design, DataFrame or Wave
        A DataFrame is a simple random sample with unit weights; a Wave gives its design and
        its codebook (labels, scales, NPS cut-offs, multi-select options).
    rows : list of row specs
        Item names (automatic kind), ``"kind:item"`` strings (``levels``, ``mean``, ``nps``,
        ``multi``, ``top2``, ``bottom2``, ``topK``) or dicts (custom nets ``{"kind": "net",
        "item": q, "levels": [...], "label": ...}``, NPS cut-offs ``{"kind": "nps", "item": q,
        "promoters": ..., "detractors": ...}``); see :mod:`cxresearch.statistics.banner.rows`.
    columns : str, (outer, inner) tuple or list of them
        Banner items; each level is a column. A tuple nests the inner item within each level
        of the outer one (letters compare the inner columns within one outer level). A
        multi-select item gives one column per option (respondents who chose it); such
        columns overlap, and their covariance enters the tests.
    total : bool
        Show the total column first (default True).
    alpha : float or (float, float)
        ``(upper, lower)``: upper-case letters at ``p < upper``, lower case at ``p < lower``
        (default ``(0.01, 0.05)``); one number gives upper-case letters only.
    p_adjust : str
        Adjustment of the pairwise p-values within a row and comparison group: ``"none"``
        (default), ``"holm"``, ``"bh"`` or another of R's ``p.adjust`` methods (the argument
        has this name in every function that adjusts for multiplicity).
    compare_total : bool
        Also test each column against the rest of the sample (the complement test); the
        cell gets ``vs_total`` ``"+"`` or ``"-"`` at the looser α.
    test : {"design", "classical"}
        ``"design"`` (default): design-based t test of the difference of domain estimates
        with design df. ``"classical"``: pooled two-proportion z test (``prop.test(correct =
        FALSE)``) and Welch's t (``welch=False``: pooled-variance t) — unweighted data only.
    min_base : int
        Columns with fewer unweighted respondents are flagged ``small_base`` (default 30).
    suppress_below : int
        Columns with fewer respondents show no estimate and take part in no test (default 5).
    conf_level : float
        For ``ci_low``/``ci_high`` (t interval with design df).
    lang : str
        Codebook label language (``"en"``, ``"zh"``, ``"id"``...).
    labels : {"full", "short"}
        Codebook wording/labels, or their ``short`` forms where the codebook has them.

    Returns
    -------
    BannerResult
        ``.table`` (tidy long), ``.pairs`` (every comparison with its p-value), ``.wide()``
        (display), ``.notes``; ``print(result)`` shows the banner as text.

    References
    ----------
    Lumley, T. (2010). *Complex Surveys*. Wiley, ch. 3 (``svyby``, ``svycontrast``).
    Kish, L. (1965). *Survey Sampling*. Wiley (effective sample size).

    Examples
    --------
    >>> import cxresearch as cx  # doctest: +SKIP
    >>> b = cx.banner(wave, rows=["top2:q5", "mean:q5", "nps:recommend"],
    ...               columns=["region", "segment"], p_adjust="holm")  # doctest: +SKIP
    >>> print(b)  # doctest: +SKIP
    >>> # In R: b <- svyby(~y, ~region, des, svymean, covmat = TRUE)
    >>> #       svycontrast(b, c(1, -1, 0))   # column A vs column B; 2 * pt(-|t|, degf(des))
    """
    if test not in ("design", "classical"):
        raise ValueError(f"test must be 'design' or 'classical', got {test!r}")
    mult = _MULT.get(p_adjust.lower(), p_adjust.lower())
    a_up, a_lo = _alphas(alpha)
    if labels not in ("full", "short"):
        raise ValueError(f"labels must be 'full' or 'short', got {labels!r}")
    instrument = d.instrument if is_wave(d) else None
    synthetic = bool(getattr(d, "synthetic", False)) if is_wave(d) else False
    lab = Labels(instrument, lang, labels == "short")
    need_v = test == "design"
    if is_engine_design(d):   # rows in an engine: one GROUP BY per row item
        cols, n_groups, quantities, cores, des = engine_rows(
            d, rows, columns, lab, total=total, compare_total=compare_total, need_v=need_v)
        shown = d
    else:
        des = shown = as_design(d)
        cores = None
    frame = des.data
    synthetic = synthetic or bool(frame.attrs.get("synthetic", False))
    if test == "classical":
        if not (equal_row_weights(des) and len(des.strata_levels) == 1 and des.psu_is_row):
            raise ValueError("test='classical' is for unweighted simple random samples; this "
                             "design has weights, strata or clusters - use test='design'")
    if cores is None:
        cols, n_groups = build_columns(frame, columns, lab)
        quantities = build_rows(frame, rows, lab, d if is_wave(d) else des)
    for c, letter in zip(cols, letters_for(len(cols)), strict=True):
        c.letter = letter
    df = float(des.df)
    tq = stats.t.ppf((1 + conf_level) / 2, df) if df > 0 else np.nan
    everyone = np.ones(des.n, dtype=bool)
    allcols = ([Column("Total", "Total", "Total", everyone, -1, "")] if total else []) + cols
    if cores is None:
        cell, M = _cells(allcols)
        psu = _psu_design(des) if need_v else None
        comp_idx = [allcols.index(c) for c in cols] if compare_total else []
    records, pair_recs = [], []
    # the matrices are small (cells x columns, PSUs x columns): a multi-threaded BLAS only
    # adds hand-over cost, which on a busy machine is a thousand times the work
    with threadpool_limits(limits=1, user_api="blas"):
        for r, q in enumerate(quantities):
            core = cores[r] if cores is not None else _row_core(
                q, cell, M, des.weights, des, comp_idx, need_v, psu)
            recs, prs = _one_row(r, q, allcols, cols, n_groups, shown, core, df, tq, test,
                                 welch, suppress_below, min_base, compare_total, mult, a_up,
                                 a_lo)
            records += recs
            pair_recs += prs
    table = pd.DataFrame(records, columns=TABLE_COLUMNS)
    pairs = pd.DataFrame.from_records(pair_recs, columns=[
        "row", "a", "b", "letter_a", "letter_b", "diff", "se", "t", "df", "p", "p_adj", "sig",
        "test"])
    coltab = pd.DataFrame({"column": [c.key for c in allcols],
                           "banner": [c.banner for c in allcols],
                           "banner_label": [_group_label(lab, c.banner) for c in allcols],
                           "column_label": [c.label for c in allcols],
                           "letter": [c.letter for c in allcols],
                           "group": [c.group for c in allcols]})
    options = {"alpha": (a_up, a_lo), "p_adjust": mult, "compare_total": compare_total,
               "test": test, "welch": welch, "min_base": min_base,
               "suppress_below": suppress_below, "df": df, "lang": lang, "labels": labels,
               "design": repr(shown)}
    notes = _notes(options, quantities, synthetic, shown)
    table.attrs["synthetic"] = synthetic
    return BannerResult(table, pairs, coltab, notes, options, synthetic, title)


def _one_row(r, q: Quantity, allcols, cols, n_groups, des, core, df, tq, test, welch,
             suppress_below, min_base, compare_total, mult, a_up, a_lo):
    """Records and pairwise tests of one display row from its ``(stats, comp, V)``."""
    stats_, comp, V = core
    K = len(allcols)
    method = _method(q, test, des)
    recs = []
    ok_cols = [s[3] >= suppress_below and s[0] > 0 for s in stats_]
    for i, (c, (W, mu, var, n, neff)) in enumerate(zip(allcols, stats_, strict=True)):
        sup = not ok_cols[i]
        if test == "design":
            se = float(np.sqrt(max(V[i, i], 0.0)))
        else:
            se = float(np.sqrt(var / n)) if n > 1 else np.nan
        srs = var / n if n > 1 else np.nan
        deff = se * se / srs if srs and srs > 0 else np.nan
        lo, hi = mu - tq * se, mu + tq * se
        if q.scale == "share":
            lo, hi = max(lo, 0.0), min(hi, 1.0)
        elif q.scale == "nps":
            lo, hi = max(lo, -100.0), min(hi, 100.0)
        est = [mu, se, lo, hi]
        if sup:
            est = [np.nan] * 4
            deff = np.nan
        recs.append({"row": r, "block": q.block, "block_label": q.block_label, "item": q.item,
                     "kind": q.kind, "level": q.level, "row_label": q.label, "column": c.key,
                     "column_label": c.label, "letter": c.letter, "estimate": est[0],
                     "se": est[1], "ci_low": est[2], "ci_high": est[3], "n": n, "n_eff": neff,
                     "deff": deff, "method": method, "wbase": W,
                     "sd": np.sqrt(var) if q.scale == "mean" and not sup else np.nan,
                     "scale": q.scale, "small_base": n < min_base, "suppressed": sup,
                     "letters": "", "vs_total": "", "p_total": np.nan})
    off = 1 if allcols[0].key == "Total" and allcols[0].group == -1 else 0
    prs = []
    letters = {i: [] for i in range(K)}
    for g in range(n_groups):
        idx = [i for i in range(off, K) if allcols[i].group == g]
        fam = []
        for ai, i in enumerate(idx):
            for j in idx[ai + 1:]:
                diff = stats_[i][1] - stats_[j][1]
                if not (ok_cols[i] and ok_cols[j]):
                    se = t = p = np.nan
                    dfx = df
                elif test == "design":
                    se = float(np.sqrt(max(V[i, i] + V[j, j] - 2 * V[i, j], 0.0)))
                    t = diff / se if se > 0 else np.nan
                    p = np.nan   # all p-values of the family at once, below
                    dfx = df
                else:
                    se, t, dfx, p = _classical(stats_[i][3:4] + stats_[i][1:3],
                                               stats_[j][3:4] + stats_[j][1:3], q.scale, welch)
                fam.append([r, allcols[i].key, allcols[j].key, allcols[i].letter,
                            allcols[j].letter, diff, se, t, dfx, p, np.nan, "", test])
        if fam and test == "design":
            pv = _p_t(np.array([f[7] for f in fam], dtype=float), df)
            for f, p in zip(fam, pv, strict=True):
                f[9] = float(p)
        if fam:
            padj = adjust_pvalues([f[9] for f in fam], mult)
            for f, pa in zip(fam, padj, strict=True):
                f[10] = pa
                sig = "upper" if pa < a_up else ("lower" if a_lo is not None and pa < a_lo
                                                 else "")
                f[11] = sig
                if sig:
                    hi_key, lo_letter = (f[1], f[4]) if f[5] > 0 else (f[2], f[3])
                    i_hi = next(k for k in idx if allcols[k].key == hi_key)
                    letters[i_hi].append(lo_letter if sig == "upper" else lo_letter.lower())
            prs += fam
    for i in range(K):
        recs[i]["letters"] = "".join(sorted(letters[i], key=lambda s: (s.upper(), s.islower())))
    if compare_total:
        ps = []
        for k, c in enumerate(cols):
            i = allcols.index(c)
            Wo, muo, varo, no = comp[k]
            diff = stats_[i][1] - muo
            if not ok_cols[i] or no < suppress_below:
                ps.append((i, diff, np.nan))
                continue
            if test == "design":
                se = float(np.sqrt(max(V[K + k, K + k], 0.0)))
                t = diff / se if se > 0 else np.nan
                p = float(_p_t(np.array([t]), df)[0]) if np.isfinite(t) else np.nan
            else:
                p = _classical((stats_[i][3], stats_[i][1], stats_[i][2]), (no, muo, varo),
                               q.scale, welch)[3]
            ps.append((i, diff, p))
        padj = adjust_pvalues([p for _, _, p in ps], mult)
        cut = a_lo if a_lo is not None else a_up
        for (i, diff, _), pa in zip(ps, padj, strict=True):
            recs[i]["p_total"] = pa
            if pa < cut:
                recs[i]["vs_total"] = "+" if diff > 0 else "-"
    return recs, prs


def _method(q: Quantity, test: str, des) -> str:
    what = {"share": "column share", "mean": "column mean", "nps": "NPS (-100..100)"}[q.scale]
    if q.note:
        what += f" ({q.note})"
    if test == "classical":
        return f"{what}; unweighted"
    return f"{what}; linearized SE, {des!r}"


def _notes(o: dict, quantities, synthetic: bool, des) -> list[str]:
    a_up, a_lo = o["alpha"]
    if o["test"] == "design":
        test = ("Letters: design-based t tests of the difference between two column estimates "
                "(linearized variance of the domain estimates including their covariance, as "
                f"svyby + svycontrast in R), t with {o['df']:g} design df.")
    else:
        test = ("Letters: unweighted tests - pooled two-proportion z test (prop.test, no "
                "continuity correction) for percentages; "
                + ("Welch's t test" if o["welch"] else "pooled-variance t test")
                + " for means.")
    lv = (f"UPPER case: p < {a_up:g}; lower case: p < {a_lo:g}." if a_lo is not None
          else f"Letters at p < {a_up:g}.")
    mult = {"none": "no adjustment for multiple comparisons",
            "holm": "Holm adjustment", "BH": "Benjamini-Hochberg (FDR) adjustment"}.get(
        o["p_adjust"], f"{o['p_adjust']} adjustment (p.adjust)")
    notes = [test, "A letter marks a column this cell is significantly HIGHER than, within the "
             "same banner item. " + lv + f" Within each row: {mult}."]
    if o["compare_total"]:
        notes.append("\u25b2 / \u25bc (vs_total + / -): column significantly higher / lower "
                     f"than the rest of the sample (complement test) at p < {(a_lo or a_up):g}.")
    notes.append(f"Bases: unweighted respondents answering the row; weighted base and Kish "
                 f"effective base shown. Bases below {o['min_base']} are flagged (*); "
                 f"below {o['suppress_below']} the estimate is suppressed and not tested.")
    if any(q.kind == "option" for q in quantities):
        notes.append("Multi-select rows: base = respondents who answered the question, so the "
                     "options can add to more than 100%.")
    for q in quantities:
        if q.kind == "nps" and q.note:
            notes.append(f"NPS {q.item}: {q.note}.")
    if synthetic:
        notes.append("Reconstructed (synthetic) data, not observed survey responses.")
    return notes
