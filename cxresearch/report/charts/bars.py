"""Publication charts built from the estimators' tidy outputs.

Every function returns a :class:`matplotlib.figure.Figure` drawn in the active
:func:`cxresearch.style` (physical size, embedded-font-ready), with the data behind it in
``fig.cx_data`` (written as CSV by :func:`cxresearch.save_figure`), a ``source=`` caption, and a
visible "Reconstructed (synthetic) data" note when ``synthetic=True`` or when the input is
marked synthetic (a Wave, ``df.attrs["synthetic"]`` or a ``synthetic`` column).

============================  ===========================================================
:func:`agreement_bars`        diverging stacked bars of agreement items (Likert)
:func:`stacked_bars`          100% stacked bars of an ordered outcome by a group
:func:`estimate_bars`         estimates with confidence intervals by group
:func:`forest_plot`           risk / odds ratios with CIs on a log scale, line at 1
:func:`wave_comparison`       estimates per wave with CIs, significant changes marked
:func:`published_vs_reproduced`  ledger figures against their reproduction, with bounds
============================  ===========================================================

Input columns follow CONTRIBUTING.md: ``estimate, se, ci_low, ci_high, n, ...`` plus a
leading ``term``/``level``/``item`` column or group columns.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from cxresearch.report.charts.base import (
    default_wrap,
    find_column,
    finish,
    fit_height,
    legend_top,
    new_figure,
    pretty,
    row_positions,
    to_frame,
    wrap_label,
)
from cxresearch.report.charts.compare import published_vs_reproduced, wave_comparison
from cxresearch.report.charts.labels import check_xlim, labeller
from cxresearch.report.charts.redraw import redrawable
from cxresearch.report.charts.stacked import agreement_bars, stacked_bars
from cxresearch.report.provenance import is_synthetic
from cxresearch.report.style import INK, MUTED, OKABE_ITO, RULE, current_theme, qualitative_palette

__all__ = [
    "agreement_bars",
    "estimate_bars",
    "forest_plot",
    "published_vs_reproduced",
    "stacked_bars",
    "wave_comparison",
]

_STATS = {"estimate", "se", "ci_low", "ci_high", "n", "n_eff", "deff", "method", "synthetic",
          "p_value", "p", "statistic", "df", "measure", "pvalue", "p_adj", "significant"}
_LABEL_CANDIDATES = ("label", "group", "term", "level", "item", "comparison", "claim", "metric",
                     "id")
_MARKERS = ["o", "s", "D", "^", "v", "P", "X", "h"]


def _label_col(df, given, exclude=()):
    cands = [c for c in _LABEL_CANDIDATES if c in df.columns and c not in exclude]
    cands += [c for c in df.columns if c not in _STATS and c not in exclude and c not in cands]
    return find_column(df, given, cands, "label")


def _num(df, col, what):
    v = pd.to_numeric(df[col], errors="coerce").astype(float)
    return v.to_numpy(dtype=float, na_value=np.nan)


def _check_ci(est, lo, hi, names):
    bad = np.isfinite(lo) & np.isfinite(est) & (lo > est + 1e-9 * np.maximum(1, abs(est)))
    bad |= np.isfinite(hi) & np.isfinite(est) & (hi < est - 1e-9 * np.maximum(1, abs(est)))
    if bad.any():
        raise ValueError(f"ci_low <= estimate <= ci_high is violated for {list(names[bad])}")


def _wrap_default(wrap, th, width):
    return default_wrap(wrap, th, width)


# ----------------------------------------------------------------------------- estimate bars
@redrawable
def estimate_bars(
    data,
    *,
    label: str | None = None,
    hue: str | None = None,
    group: str | None = None,
    estimate: str = "estimate",
    ci: tuple[str, str] = ("ci_low", "ci_high"),
    kind: str = "bar",
    ref: float | None = None,
    xlabel: str | None = None,
    percent: bool = False,
    show_n: bool = False,
    values: bool = True,
    order=None,
    wrap: int | None = None,
    width=None,
    height_mm: float | None = None,
    synthetic: bool | None = None,
    source: str | None = None,
    note: str | None = None,
    title: str | None = None,
    codebook=None,
    lang: str = "en",
    labels: dict | None = None,
    xlim: tuple[float, float] | None = None,
):
    """Estimates with confidence intervals by group, as horizontal bars or points.

    Parameters
    ----------
    data : DataFrame
        An estimator's tidy output: ``estimate, ci_low, ci_high`` (``n`` optional) and a label
        column (``label``, ``group``, ``term``, ``level``, ``item``, ... or ``label=``), e.g.
        dimension scores, NPS by CX owner, CSAT by maturity stage.
    hue : str, optional
        A second grouping drawn side by side within each label (e.g. wave or role), in the
        qualitative palette with a different marker per hue (readable in greyscale).
    group : str, optional
        Column whose values become bold section headings (e.g. ``dimension``), rows listed
        under their own heading.
    kind : {"bar", "point"}
        Bars from ``ref`` (default 0) or points; whiskers are the CI either way.
    ref : float, optional
        Reference value: bars start there and a thin line is drawn (e.g. 0 for NPS).
    percent : bool
        The estimates are proportions: draw them as percent.
    values : bool
        Print each estimate beside its whisker.
    show_n : bool
        Append "(n = ...)" to the labels.
    width, height_mm, synthetic, source, note, title
        As for :func:`agreement_bars`.
    codebook : Wave, Instrument or codebook name, optional
        Labels come from it (level labels, item ``short`` labels or wordings, index labels;
        model terms as "Item: level"), in language ``lang``; ``labels={value: text}`` override.
        When the estimates are means of one rating item or index, the bars start at the
        scale's minimum and the axis spans the scale (a 1-7 mean is drawn on 1-7).
    xlim : (float, float), optional
        The value axis range (in the drawn units: percent when ``percent=True``).

    Returns
    -------
    matplotlib.figure.Figure

    References
    ----------
    Cleveland, W. S. (1985). The Elements of Graphing Data. Wadsworth.

    Examples
    --------
    >>> import pandas as pd, cxresearch as cx
    >>> df = pd.DataFrame({"group": ["CEO", "Marketing"], "estimate": [8.5, 5.8],
    ...                    "ci_low": [8.1, 5.3], "ci_high": [8.9, 6.3]})
    >>> fig = cx.estimate_bars(df, xlabel="NPS (0-10 mean)")
    >>> # In R: ggplot(d, aes(estimate, group)) + geom_col() + geom_errorbarh(aes(xmin = ci_low, xmax = ci_high))
    """
    if kind not in ("bar", "point"):
        raise ValueError(f"kind must be 'bar' or 'point', got {kind!r}")
    th = current_theme()
    df = to_frame(data).copy()
    synth = is_synthetic(synthetic, data, df)
    lab = _label_col(df, label, exclude=tuple(c for c in (hue, group) if c))
    for nm, c in (("hue", hue), ("group", group)):
        if c is not None and c not in df.columns:
            raise ValueError(f"{nm}={c!r} is not a column; columns are {list(df.columns)}")
    est = _num(df, find_column(df, estimate, (), "estimate"), "estimate")
    has_ci = all(c in df.columns for c in ci)
    lo = _num(df, ci[0], "ci_low") if has_ci else np.full(len(df), np.nan)
    hi = _num(df, ci[1], "ci_high") if has_ci else np.full(len(df), np.nan)
    _check_ci(est, lo, hi, df[lab].astype(str).to_numpy())
    k = 100.0 if percent else 1.0
    est, lo, hi = est * k, lo * k, hi * k
    names = labeller(codebook, lang, labels, data)
    row_values = list(order) if order is not None else list(pd.unique(df[lab]))
    hues = list(pd.unique(df[hue])) if hue else [None]
    wrap = _wrap_default(wrap, th, width)
    xlim = check_xlim(xlim)
    rating = None if percent or ref is not None else _rating_scale(df, lab, names)
    # rows: (group value or None, label value); headings where the group changes
    rows_spec = []
    for gv in (list(pd.unique(df[group])) if group else [None]):
        in_g = df if gv is None else df[df[group] == gv]
        for g in row_values:
            if (in_g[lab] == g).any():
                rows_spec.append((gv, g))
    entries, keys = [], []
    for idx, (gv, g) in enumerate(rows_spec):
        if group and (idx == 0 or rows_spec[idx - 1][0] != gv):
            entries.append(("heading", gv, names.value(group, gv), idx > 0))
            keys.append(None)
        m = (df[lab] == g) & ((df[group] == gv) if group else True)
        t = str(names.value(lab, g))
        n = df.loc[m, "n"] if "n" in df.columns else pd.Series([], dtype=float)
        if show_n and len(n.dropna()) and not hue:
            t += f" (n\u00a0=\u00a0{int(n.dropna().iloc[0]):,})"
        entries.append(("item", g, wrap_label(t, wrap), False))
        keys.append((gv, g))
    with th:
        scale = max(1.0, 0.55 * len(hues) + 0.2) if hue else 1.0
        pos, ticklabels, y_end = row_positions(th, entries)
        pos = [p * scale for p in pos]
        y_end *= scale
        fig = new_figure(th, width=width, height_pt=y_end * 16 + 120)
        ax = fig.add_subplot()
        colors = qualitative_palette(len(hues)) if hue else [OKABE_ITO["blue"]]
        band = 0.72 * scale
        slot = band / len(hues)
        base = float(ref) if ref is not None else rating[0] if rating else 0.0
        handles = []
        for j, hv in enumerate(hues):
            sel = np.ones(len(df), bool) if hv is None else (df[hue] == hv).to_numpy()
            for gi, key in enumerate(keys):
                if key is None:
                    continue
                gv, g = key
                m = sel & (df[lab] == g).to_numpy()
                if group:
                    m &= (df[group] == gv).to_numpy()
                if not m.any():
                    continue
                i = np.flatnonzero(m)[0]
                y = pos[gi] - band / 2 + slot * (j + 0.5)
                if kind == "bar":
                    ax.barh(y, est[i] - base, left=base, height=slot * 0.85, color=colors[j],
                            linewidth=0)
                else:
                    ax.plot(est[i], y, marker=_MARKERS[j % len(_MARKERS)], color=colors[j],
                            markersize=4.5, linestyle="none", zorder=3)
                if np.isfinite(lo[i]) and np.isfinite(hi[i]):
                    ax.errorbar(est[i], y, xerr=[[est[i] - lo[i]], [hi[i] - est[i]]], fmt="none",
                                ecolor=INK, elinewidth=0.8, capsize=1.5, capthick=0.8, zorder=4)
                if values:
                    xr = hi[i] if np.isfinite(hi[i]) else est[i]
                    if est[i] < base and np.isfinite(lo[i]):
                        xr, ha, off = lo[i], "right", -3
                    else:
                        ha, off = "left", 3
                    ax.annotate(_fmt(est[i], percent), (xr, y), xytext=(off, 0),
                                textcoords="offset points", va="center", ha=ha,
                                fontsize=th.small, color=INK, gid="cx_value")
            if hv is not None:
                handles.append(Line2D([], [], color=colors[j], marker=_MARKERS[j % 8] if kind ==
                                      "point" else "s", linestyle="none",
                                      markersize=5, label=names.value(hue, hv)))
        if ref is not None or kind == "bar":
            ax.axvline(base, color=INK if kind == "bar" else RULE, linewidth=0.6, zorder=2)
        ax.set_yticks(pos, ticklabels)
        for gi, key in enumerate(keys):
            if key is None:
                ax.get_yticklabels()[gi].set_fontweight("bold")
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.set_ylim(y_end, 0)
        vals = np.concatenate([est, lo[np.isfinite(lo)], hi[np.isfinite(hi)], [base]])
        vals = vals[np.isfinite(vals)]
        span = (vals.max() - vals.min()) or 1.0
        # room for the value labels: right of positive bars, left of negative ones
        left_pad = 0.18 if values and (est < base).any() else 0.04
        right_pad = 0.18 if values and (est >= base).any() else 0.04
        if rating:  # a rating mean: the scale's own range, room for the values at its end
            sspan = rating[1] - rating[0]
            ax.set_xlim(rating[0], max(rating[1], vals.max()) + (0.12 * sspan if values else 0))
            ax.spines["bottom"].set_bounds(*rating)
        else:
            ax.set_xlim(min(vals.min(), base) - left_pad * span,
                        max(vals.max(), base) + right_pad * span)
        if xlim is not None:
            ax.set_xlim(*xlim)
        ax.xaxis.grid(True)
        if xlabel or percent:
            ax.set_xlabel(xlabel or "%")
        if handles:
            legend_top(fig, th, None, [h.get_label() for h in handles],
                       title=names.column(hue),
                       handles=handles)
        out = df.copy()
        out["plotted_estimate"], out["plotted_ci_low"], out["plotted_ci_high"] = est, lo, hi
        finish(fig, th, data=out, synthetic=synth, source=source, note=note, title=title,
               chart="estimate_bars")
        fit_height(fig, ax, y_end, th, height_mm)
    return fig


def _rating_scale(df, lab, names):
    """The (min, max) of the one rating item or index the estimates are means of, or None."""
    if names.inst is None:
        return None
    for col in ("item", "term", "variable", "index"):
        if col in df.columns and df[col].nunique() == 1:
            return names.scale(df[col].iloc[0])
    found = {names.scale(v) for v in pd.unique(df[lab])}
    return found.pop() if len(found) == 1 else None


def _fmt(v, percent=False):
    if not np.isfinite(v):
        return ""
    a = abs(v)
    d = 0 if percent and a >= 10 else (1 if a >= 1 or percent else 2)
    if a >= 100:
        d = 0
    return f"{v:.{d}f}".replace("-", "\u2212")


# ----------------------------------------------------------------------------- forest plot
@redrawable
def forest_plot(
    data,
    *,
    label: str | None = None,
    measure: str | None = None,
    group: str | None = None,
    ref: float = 1.0,
    annotate: bool = True,
    xlabel: str | None = None,
    wrap: int | None = None,
    width=None,
    height_mm: float | None = None,
    synthetic: bool | None = None,
    source: str | None = None,
    note: str | None = None,
    title: str | None = None,
    codebook=None,
    lang: str = "en",
    labels: dict | None = None,
    xlim: tuple[float, float] | None = None,
):
    """Forest plot of ratios (risk or odds ratios) with CIs on a log scale, line at 1.

    Parameters
    ----------
    data : DataFrame
        Rows with ``estimate, ci_low, ci_high`` and a label column (``label``, ``claim``,
        ``comparison``, ``term``, ...); e.g. ``claim_check()`` or ``two_by_two()`` output.
    measure : str, optional
        Keep only rows whose ``measure`` column equals this (e.g. ``"risk_ratio"``); when the
        column is present and not filtered it must hold a single measure.
    group : str, optional
        Column whose values become bold section headings (e.g. ``study``).
    annotate : bool
        Write "estimate [low, high]" in a column at the right.
    ref : float
        Reference line (1 = no difference).
    codebook, lang, labels
        Row labels from the codebook: model terms (``servicetypecontract``,
        ``service_type[T.contract]``) as "Service type: contract"; see :func:`estimate_bars`.
    xlim : (float, float), optional
        The ratio axis range (positive; log scale).

    Notes
    -----
    Ratios must be positive. An infinite or missing bound (a zero cell) is drawn as an arrow to
    the edge of the axis; an estimate of 0 or infinity is drawn as an arrow only.

    References
    ----------
    Lewis, S. & Clarke, M. (2001). Forest plots: trying to see the wood and the trees. BMJ
    322, 1479-1480.

    Examples
    --------
    >>> import pandas as pd, cxresearch as cx
    >>> df = pd.DataFrame({"claim": ["A", "B"], "measure": "risk_ratio", "estimate": [2.1, 0.8],
    ...                    "ci_low": [1.4, 0.5], "ci_high": [3.2, 1.3]})
    >>> fig = cx.forest_plot(df)
    >>> # In R: forestplot::forestplot(labeltext = claim, mean = estimate, lower = ci_low, upper = ci_high)
    """
    th = current_theme()
    df = to_frame(data).copy()
    synth = is_synthetic(synthetic, data, df)
    df, measure = _model_ratios(df, measure)
    if "measure" in df.columns:
        if measure is not None:
            df = df[df["measure"] == measure]
            if df.empty:
                raise ValueError(f"no rows with measure == {measure!r}")
        elif df["measure"].nunique() > 1:
            raise ValueError("the data hold several measures "
                             f"{sorted(df['measure'].astype(str).unique())}; pass measure=")
        measure = measure or (str(df["measure"].iloc[0]) if len(df) else None)
    if df.empty:
        raise ValueError("data has no rows to plot")
    lab = _label_col(df, label, exclude=(group,) if group else ())
    est, lo, hi = (_num(df, c, c) for c in ("estimate", "ci_low", "ci_high"))
    if (est < 0).any() or (lo < 0).any() or (hi < 0).any():
        raise ValueError("forest_plot draws ratios on a log scale: estimate, ci_low and "
                         "ci_high must not be negative")
    _check_ci(est, lo, hi, df[lab].astype(str).to_numpy())
    wrap = _wrap_default(wrap, th, width)
    names = labeller(codebook, lang, labels, data)
    xlim = check_xlim(xlim, log=True)
    entries, idx = [], []
    groups = list(pd.unique(df[group])) if group else [None]
    for gi, gv in enumerate(groups):
        sub = np.flatnonzero((df[group] == gv).to_numpy()) if group else np.arange(len(df))
        if group:
            entries.append(("heading", gv, names.value(group, gv), gi > 0))
            idx.append(None)
        for i in sub:
            entries.append(("item", i, wrap_label(names.value(lab, df[lab].iloc[i]), wrap),
                            False))
            idx.append(i)
    with th:
        pos, ticklabels, y_end = row_positions(th, entries)
        fig = new_figure(th, width=width, height_pt=y_end * 16 + 120)
        ax = fig.add_subplot()
        fin = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in (est, lo, hi)] + [[ref]])
        xmin, xmax = fin.min(), fin.max()
        lpad = 0.08 * max(math.log10(xmax / xmin), 0.3)
        xmin, xmax = xmin / 10**lpad, xmax * 10**lpad
        if xlim is not None:
            xmin, xmax = xlim
        ax.set_xscale("log")
        ax.set_xlim(xmin, xmax)
        ax.axvline(ref, color=MUTED, linewidth=0.7, linestyle=(0, (3, 2)), zorder=1)
        notes = []
        for p, i in zip(pos, idx, strict=True):
            if i is None:
                notes.append("")
                continue
            e, a, b = est[i], lo[i], hi[i]
            a_ok = np.isfinite(a) and a > 0
            b_ok = np.isfinite(b)
            x0 = a if a_ok else xmin
            x1 = b if b_ok else xmax
            ax.plot([x0, x1], [p, p], color=INK, linewidth=0.9, solid_capstyle="butt", zorder=2)
            if not a_ok:
                ax.plot(xmin, p, marker="<", color=INK, markersize=3.5, zorder=3)
            if not b_ok:
                ax.plot(xmax, p, marker=">", color=INK, markersize=3.5, zorder=3)
            if np.isfinite(e) and e > 0:
                ax.plot(e, p, marker="s", color=OKABE_ITO["blue"], markersize=4.5, zorder=4,
                        markeredgecolor="white", markeredgewidth=0.4)
            notes.append(f"{_r(e)} [{_r(a)}, {_r(b)}]")
        ax.set_yticks(pos, ticklabels)
        for k, e in enumerate(entries):
            if e[0] == "heading":
                ax.get_yticklabels()[k].set_fontweight("bold")
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.set_ylim(y_end, 0)
        _log_ticks(ax, xmin, xmax)
        name = {"risk_ratio": "Risk ratio", "odds_ratio": "Odds ratio",
                "rate_ratio": "Rate ratio"}.get(measure or "", pretty(measure or "Ratio"))
        ax.set_xlabel(xlabel or f"{name} (95% CI, log scale)")
        if annotate:
            ax2 = ax.twinx()
            ax2.set_ylim(ax.get_ylim())
            ax2.set_yticks(pos, notes)
            ax2.tick_params(axis="y", length=0, labelsize=th.small)
            for s in ax2.spines.values():
                s.set_visible(False)
        out = df.copy()
        finish(fig, th, data=out, synthetic=synth, source=source, note=note, title=title,
               chart="forest_plot")
        fit_height(fig, ax, y_end, th, height_mm)
    return fig


def _model_ratios(df, measure):
    """Model tables as ratios: ``regress`` (link-scale or exponentiated, intercept dropped)
    and ``ordinal_logit`` (its odds-ratio columns, coefficients only); others unchanged."""
    if {"kind", "odds_ratio", "or_ci_low", "or_ci_high"} <= set(df.columns):
        df = df[df["kind"] == "coefficient"]
        if df["odds_ratio"].isna().all():
            raise ValueError("forest_plot draws odds ratios; this ordinal model has none "
                             "(probit link)")
        df = df.assign(estimate=df["odds_ratio"], ci_low=df["or_ci_low"],
                       ci_high=df["or_ci_high"])
        return df, measure or "odds_ratio"
    kind = df.attrs.get("measure")
    if kind not in ("odds_ratio", "rate_ratio", "log_odds_ratio", "log_rate_ratio",
                    "coefficient") or "term" not in df.columns:
        return df, measure
    if kind == "coefficient":
        raise ValueError("forest_plot draws ratios; a linear model's coefficients are "
                         "differences (use estimate_bars(..., ref=0))")
    df = df[df["term"] != "(Intercept)"]
    if kind.startswith("log_"):
        df = df.assign(estimate=np.exp(df["estimate"]), ci_low=np.exp(df["ci_low"]),
                       ci_high=np.exp(df["ci_high"]))
    return df, measure or kind.removeprefix("log_")


def _r(v):
    if not np.isfinite(v):
        return "\u221e" if v > 0 else "NA"
    return f"{v:.{2 if abs(v) < 10 else 1 if abs(v) < 100 else 0}f}"


def _log_ticks(ax, xmin, xmax):
    nice = [0.001, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
    tk = [t for t in nice if xmin <= t <= xmax]
    if len(tk) < 3:
        tk = sorted(set(tk) | {t for t in (0.25, 0.75, 1.5, 3, 4) if xmin <= t <= xmax})
    if len(tk) > 7:
        tk = [t for t in tk if t in (0.001, 0.01, 0.1, 1, 10, 100, 1000)]
    ax.xaxis.set_major_locator(FixedLocator(tk))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
