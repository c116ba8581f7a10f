"""Comparison charts: wave over wave, and published figures against their reproduction.
Re-exported by :mod:`cxresearch.charts`."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from scipy import stats

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
from cxresearch.report.charts.labels import check_xlim, common_prefix, labeller
from cxresearch.report.charts.redraw import redrawable
from cxresearch.report.provenance import is_synthetic
from cxresearch.report.style import INK, OKABE_ITO, RULE, current_theme, sequential_palette
from cxresearch.statistics.design.params import check

__all__ = ["published_vs_reproduced", "wave_comparison"]

_STATS = {"estimate", "se", "ci_low", "ci_high", "n", "n_eff", "deff", "method", "synthetic",
          "p_value", "significant", "change", "measure"}


def _num(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").astype(float).to_numpy(dtype=float, na_value=np.nan)


def _fit_multi(fig, axes, units, th, height_mm):
    fit_height(fig, list(axes), sum(units), th, height_mm)


# ----------------------------------------------------------------------------- waves
@redrawable
def wave_comparison(
    data,
    *,
    wave: str = "wave",
    label: str | None = None,
    item: str | None = None,
    estimate: str = "estimate",
    ci: tuple[str, str] = ("ci_low", "ci_high"),
    changes: pd.DataFrame | None = None,
    alpha: float = 0.05,
    wave_order=None,
    percent: bool = False,
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
    """Estimates per wave with CIs, one row per item, significant changes marked.

    Parameters
    ----------
    data : DataFrame
        Tidy rows ``wave, <label>, estimate`` with optional ``ci_low, ci_high, se`` (e.g. the
        GSCX trend shares of 2023 and 2024, or ``cx.proportion`` on two waves).
    wave, label : str
        The wave column and the item column (default: the first non-statistic column);
        ``item=`` is accepted as another name for ``label=``.
    changes : DataFrame, optional
        The change test per item (columns ``<label>`` and ``p_value`` or ``significant``), e.g.
        from ``compare_groups``. Without it, a ``p_value``/``significant`` column on the later
        wave's rows is used, else a two-sided z test of the difference of the last two waves
        from their ``se`` (independent samples), else changes are not tested.
    alpha : float
        Significance level for the mark.
    percent : bool
        Estimates are proportions: draw as percent and write changes in points.
    codebook, lang, labels
        Item labels from the codebook (``short`` label, else a short wording; multi-select
        options as "Item: option"), in language ``lang``; ``labels={value: text}`` override.
    xlim : (float, float), optional
        The value axis range (percent when ``percent=True``).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.cx_data`` adds per item the change between the last two waves, its p-value,
        whether it is significant, and how it was tested.

    Notes
    -----
    Older waves are lighter (sequential palette). The change between the last two waves is
    written at the right; significant changes get a solid black connector and a star, the
    others a thin grey connector.

    References
    ----------
    Agresti, A. (2013). Categorical Data Analysis, 3rd ed., section 3.1 (difference of
    proportions for independent samples).

    Examples
    --------
    >>> import pandas as pd, cxresearch as cx
    >>> df = pd.DataFrame({"wave": [2023, 2023, 2024, 2024], "item": ["AI", "Omni"] * 2,
    ...                    "estimate": [.30, .25, .42, .24], "se": [.02, .02, .02, .02]})
    >>> fig = cx.wave_comparison(df, percent=True)
    >>> # In R: svyttest(share ~ wave, design) for each item
    """
    check("alpha", alpha)
    if item is not None:
        if label is not None and label != item:
            raise ValueError(f"label={label!r} and item={item!r} name different columns")
        label = item
    th = current_theme()
    df = to_frame(data).copy()
    synth = is_synthetic(synthetic, data, df)
    if wave not in df.columns:
        raise ValueError(f"wave={wave!r} is not a column; columns are {list(df.columns)}")
    lab = find_column(df, label, [c for c in ("label", "item", "group", "term", "level",
                                              "metric") if c in df.columns and c != wave]
                      + [c for c in df.columns if c not in _STATS and c != wave], "label")
    waves = list(wave_order) if wave_order is not None else sorted(pd.unique(df[wave]),
                                                                  key=_wave_key)
    items = list(pd.unique(df[lab]))
    k = 100.0 if percent else 1.0
    est = _num(df[estimate]) * k
    lo = _num(df[ci[0]]) * k if ci[0] in df.columns else np.full(len(df), np.nan)
    hi = _num(df[ci[1]]) * k if ci[1] in df.columns else np.full(len(df), np.nan)
    se = _num(df["se"]) * k if "se" in df.columns else np.full(len(df), np.nan)
    table = _changes(df, lab, wave, waves, items, est, se, changes, alpha)
    wrap = default_wrap(wrap, th, width)
    names = labeller(codebook, lang, labels, data)
    xlim = check_xlim(xlim)
    with th:
        shown = [names.value(lab, it) for it in items]
        question, shown = common_prefix(shown)  # "Top trends: AI", ... -> "AI", axis says it
        entries = [("item", it, wrap_label(t, wrap), False)
                   for it, t in zip(items, shown, strict=True)]
        pos, ticklabels, y_end = row_positions(th, entries)
        fig = new_figure(th, width=width, height_pt=y_end * 16 + 120)
        ax = fig.add_subplot()
        colors = sequential_palette(len(waves)) if len(waves) > 1 else [OKABE_ITO["blue"]]
        off = np.linspace(-0.16, 0.16, len(waves)) if len(waves) > 1 else [0.0]
        for p, it in zip(pos, items, strict=True):
            pts = []
            for j, w in enumerate(waves):
                m = ((df[lab] == it) & (df[wave] == w)).to_numpy()
                if not m.any():
                    continue
                i = np.flatnonzero(m)[0]
                y = p + off[j]
                if np.isfinite(lo[i]) and np.isfinite(hi[i]):
                    ax.plot([lo[i], hi[i]], [y, y], color=colors[j], linewidth=1.0, zorder=2)
                ax.plot(est[i], y, marker="o", color=colors[j], markersize=4.2, zorder=4,
                        markeredgecolor="white", markeredgewidth=0.4)
                pts.append((est[i], y))
            row = table[table["label"] == it]
            sig = bool(row["significant"].iloc[0]) if len(row) and pd.notna(
                row["significant"].iloc[0]) else False
            if len(pts) > 1:
                xs, ys = zip(*pts, strict=True)
                ax.plot(xs, ys, color=INK if sig else RULE, linewidth=1.1 if sig else 0.7,
                        zorder=3)
        ax.set_yticks(pos, ticklabels)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.set_ylim(y_end, 0)
        ax.xaxis.grid(True)
        if xlim is not None:
            ax.set_xlim(*xlim)
        unit = "%" if percent else "Estimate"
        ax.set_xlabel(xlabel or (f"{question} ({unit})" if question else unit))
        notes = []
        big = np.nanmax(np.abs(est)) if np.isfinite(est).any() else 1.0
        dec = 1 if percent or big > 1 else 2
        for it in items:
            row = table[table["label"] == it]
            ch = row["change"].iloc[0] if len(row) else np.nan
            sig = row["significant"].iloc[0] if len(row) else pd.NA
            txt = "" if not np.isfinite(ch) else f"{ch:+.{dec}f}".replace("-", "\u2212")
            if txt and percent:
                txt += " pp"
            if txt and pd.notna(sig) and bool(sig):
                txt += "*"
            notes.append(txt)
        if len(waves) > 1:
            ax2 = ax.twinx()
            ax2.set_ylim(ax.get_ylim())
            ax2.set_yticks(pos, notes)
            ax2.tick_params(axis="y", length=0, labelsize=th.small)
            for s in ax2.spines.values():
                s.set_visible(False)
        handles = [Line2D([], [], marker="o", color=c, linestyle="-", linewidth=1.0,
                          markersize=4.2, label=str(w)) for w, c in zip(waves, colors,
                                                                         strict=True)]
        if table["significant"].notna().any():
            handles.append(Line2D([], [], color=INK, linewidth=1.1,
                                  label=f"* significant change (p < {alpha:g})"))
        legend_top(fig, th, None, [h.get_label() for h in handles], handles=handles, wrap=32)
        out = df.copy()
        out = out.merge(table.rename(columns={"label": lab}), on=lab, how="left")
        finish(fig, th, data=out, synthetic=synth, source=source, note=note, title=title,
               chart="wave_comparison")
        _fit_multi(fig, [ax], [y_end], th, height_mm)
    return fig


def _wave_key(w):
    try:
        return (0, float(str(w).split("-")[0]), str(w))
    except ValueError:
        return (1, 0.0, str(w))


def _changes(df, lab, wave, waves, items, est, se, changes, alpha):
    rows = []
    for it in items:
        r = {"label": it, "change": np.nan, "p_value": np.nan, "significant": pd.NA,
             "test": "not tested"}
        if len(waves) > 1:
            a = np.flatnonzero(((df[lab] == it) & (df[wave] == waves[-2])).to_numpy())
            b = np.flatnonzero(((df[lab] == it) & (df[wave] == waves[-1])).to_numpy())
            if len(a) and len(b):
                a, b = a[0], b[0]
                r["change"] = est[b] - est[a]
                if changes is not None:
                    c = changes[changes[lab if lab in changes.columns else "label"] == it]
                    if len(c):
                        if "p_value" in c.columns:
                            r["p_value"] = float(c["p_value"].iloc[0])
                            r["significant"] = bool(r["p_value"] < alpha)
                        if "significant" in c.columns:
                            r["significant"] = bool(c["significant"].iloc[0])
                        r["test"] = "given"
                elif "p_value" in df.columns and pd.notna(df["p_value"].iloc[b]):
                    r["p_value"] = float(df["p_value"].iloc[b])
                    r["significant"] = bool(r["p_value"] < alpha)
                    r["test"] = "given"
                elif "significant" in df.columns and pd.notna(df["significant"].iloc[b]):
                    r["significant"] = bool(df["significant"].iloc[b])
                    r["test"] = "given"
                elif np.isfinite(se[a]) and np.isfinite(se[b]) and (se[a] + se[b]) > 0:
                    z = r["change"] / np.hypot(se[a], se[b])
                    r["p_value"] = float(2 * stats.norm.sf(abs(z)))
                    r["significant"] = bool(r["p_value"] < alpha)
                    r["test"] = "z test, independent samples (se)"
        rows.append(r)
    t = pd.DataFrame(rows)
    t["significant"] = t["significant"].astype("boolean")
    return t


# ----------------------------------------------------------------------------- published
_UNITS = {"percent": "Percent", "score_0_10": "Score (0\u201310)", "score_percent":
          "Score (% of maximum)", "ratio": "Ratio", "count": "Count", "rank": "Rank",
          "points": "Points", "years": "Years"}
_BOUND_STYLE = {  # marker, filled, legend text
    "eq": ("D", True, "published value"),
    "approx": ("D", False, "published \u2248 (approximate)"),
    "lt": ("<", False, "published < bound"),
    "le": ("<", True, "published \u2264 bound"),
    "gt": (">", False, "published > bound"),
    "ge": (">", True, "published \u2265 bound"),
}


@redrawable
def published_vs_reproduced(
    data,
    *,
    label: str | None = None,
    published: str | None = None,
    reproduced: str | None = None,
    bound: str = "bound",
    unit: str = "unit",
    ci: tuple[str, str] = ("ci_low", "ci_high"),
    met: str | None = None,
    kind: str = "auto",
    wrap: int | None = None,
    width=None,
    height_mm: float | None = None,
    synthetic: bool | None = None,
    source: str | None = None,
    note: str | None = None,
    title: str | None = None,
    xlim: tuple[float, float] | None = None,
):
    """Each ledger figure against its reproduction, one panel per unit.

    Parameters
    ----------
    data : DataFrame
        One row per ledger figure: a label (``label``/``id``), the published value
        (``published``/``value``/``target``), its ``bound`` (eq, approx, lt, le, gt, ge), its
        ``unit`` (panels), and the reproduction (``reproduced``/``reconstructed``/``estimate``)
        with an optional interval ``ci_low, ci_high`` (e.g. across reconstructions) and an
        optional boolean ``met``.
    met : str, optional
        Column saying whether the reproduction meets the published figure (default ``met`` when
        present); unmet reproductions are drawn as open vermillion circles.
    kind : {"auto", "rows", "scatter"}
        ``rows``: one labelled row per figure (published marker and reproduction side by side);
        ``scatter``: reproduced against published with the line of equality, one small panel
        per unit, for long ledgers (the ids are in the CSV, and unmet ones are listed under the
        figure). ``auto``: rows up to 40 figures, else scatter.
    xlim : (float, float), optional
        The value axis range of every panel (both axes of the scatter panels).

    Notes
    -----
    Published markers: filled diamond = stated value, open diamond = approximate, triangles
    point the way the true value lies (open: strict, filled: inclusive bound). Reproductions:
    black dots with their interval.

    References
    ----------
    Heathers, J. et al. (2018). Recovering data from summary statistics: Sample Parameter
    Reconstruction via Iterative TEchniques (SPRITE). PeerJ Preprints 6:e26968v1.

    Examples
    --------
    >>> import pandas as pd, cxresearch as cx
    >>> df = pd.DataFrame({"id": ["a", "b"], "value": [53, 3.0], "bound": ["eq", "le"],
    ...                    "unit": ["percent", "ratio"], "reproduced": [53.2, 2.8]})
    >>> fig = cx.published_vs_reproduced(df, synthetic=True)
    >>> # In R: ggplot(d, aes(value, id)) + geom_point(aes(shape = bound)) + geom_point(aes(reproduced))
    """
    if kind not in ("auto", "rows", "scatter"):
        raise ValueError(f"kind must be 'auto', 'rows' or 'scatter', got {kind!r}")
    th = current_theme()
    df = to_frame(data).copy().reset_index(drop=True)
    synth = is_synthetic(synthetic, data, df)
    if df.empty:
        raise ValueError("data has no rows to plot")
    xlim = check_xlim(xlim)
    pub = find_column(df, published, ("published", "value", "target"), "published")
    rep = find_column(df, reproduced, ("reproduced", "reconstructed", "estimate"), "reproduced")
    lab = find_column(df, label, ("label", "id", "metric"), "label")
    if bound not in df.columns:
        df[bound] = "eq"
    bad = sorted(set(df[bound].dropna().astype(str)) - set(_BOUND_STYLE))
    if bad:
        raise ValueError(f"bound must be one of {sorted(_BOUND_STYLE)}, got {bad}")
    df[bound] = df[bound].fillna("eq").astype(str)
    if unit not in df.columns:
        df[unit] = ""
    met = met if met is not None else ("met" if "met" in df.columns else None)
    units = list(pd.unique(df[unit].astype(str)))
    if kind == "scatter" or (kind == "auto" and len(df) > 40):
        with th:
            return _pvr_scatter(th, df, units, pub, rep, lab, bound, unit, ci, met, width,
                                height_mm, synth, source, note, title, xlim=xlim)
    wrap = default_wrap(wrap, th, width)
    with th:
        panels = []
        for u in units:
            sub = df[df[unit].astype(str) == u]
            entries = [("item", i, wrap_label(t, wrap), False) for i, t in
                       zip(sub.index, sub[lab].astype(str), strict=True)]
            panels.append((u, sub, *row_positions(th, entries)))
        units_h = [p[4] for p in panels]
        fig = new_figure(th, width=width, height_pt=sum(units_h) * 16 + 60 * len(panels) + 90)
        axes = fig.subplots(len(panels), 1, height_ratios=units_h, squeeze=False)[:, 0]
        for ax, (u, sub, pos, ticklabels, y_end) in zip(axes, panels, strict=True):
            pv, rv = _num(sub[pub]), _num(sub[rep])
            lo = _num(sub[ci[0]]) if ci[0] in sub.columns else np.full(len(sub), np.nan)
            hi = _num(sub[ci[1]]) if ci[1] in sub.columns else np.full(len(sub), np.nan)
            for k, (p, b) in enumerate(zip(pos, sub[bound], strict=True)):
                mk, filled, _ = _BOUND_STYLE[b]
                ax.plot(pv[k], p, marker=mk, markersize=5, linestyle="none", zorder=3,
                        color=OKABE_ITO["orange"], markerfacecolor=OKABE_ITO["orange"] if filled
                        else "white", markeredgewidth=1.0)
                if np.isfinite(lo[k]) and np.isfinite(hi[k]):
                    ax.plot([lo[k], hi[k]], [p, p], color=INK, linewidth=0.9, zorder=2)
                ok = True if met is None else bool(sub[met].iloc[k]) if pd.notna(
                    sub[met].iloc[k]) else True
                ax.plot(rv[k], p, marker="o", markersize=3.6, linestyle="none", zorder=4,
                        color=INK if ok else OKABE_ITO["vermillion"],
                        markerfacecolor=INK if ok else "white", markeredgewidth=0.9)
            ax.set_yticks(pos, ticklabels)
            ax.tick_params(axis="y", length=0)
            ax.spines["left"].set_visible(False)
            ax.set_ylim(y_end, 0)
            ax.xaxis.grid(True)
            ax.set_title(_UNITS.get(u, pretty(u)) if u else "", fontsize=th.font_size)
            vals = np.concatenate([pv, rv, lo, hi])
            vals = vals[np.isfinite(vals)]
            if len(vals):
                span = (vals.max() - vals.min()) or max(abs(vals.max()), 1.0)
                ax.set_xlim(vals.min() - 0.08 * span, vals.max() + 0.08 * span)
            if xlim is not None:
                ax.set_xlim(*xlim)
        legend_top(fig, th, None, *_pvr_handles(df, bound, met))
        finish(fig, th, data=df, synthetic=synth, source=source, note=note, title=title,
               chart="published_vs_reproduced")
        _fit_multi(fig, list(axes), units_h, th, height_mm)
    return fig


def _is_met(df, met) -> np.ndarray:
    if met is None:
        return np.ones(len(df), dtype=bool)
    v = df[met]
    return np.array([True if pd.isna(x) else bool(x) for x in v], dtype=bool)


def _pvr_handles(df, bound, met, published_color=None):
    col = published_color or OKABE_ITO["orange"]
    used = [b for b in _BOUND_STYLE if b in set(df[bound])]
    handles = [Line2D([], [], marker=_BOUND_STYLE[b][0], color=col,
                      markerfacecolor=col if _BOUND_STYLE[b][1] else "white",
                      linestyle="none", markersize=5, label=_BOUND_STYLE[b][2]) for b in used]
    if published_color is None:
        handles.append(Line2D([], [], marker="o", color=INK, linestyle="-", linewidth=0.9,
                              markersize=3.6, label="reproduced (interval)"))
    if not _is_met(df, met).all():
        handles.append(Line2D([], [], marker="o", color=OKABE_ITO["vermillion"],
                              markerfacecolor="white", linestyle="none", markersize=3.6,
                              label="reproduction misses the figure"))
    return [h.get_label() for h in handles], None, handles


def _pvr_scatter(th, df, units, pub, rep, lab, bound, unit, ci, met, width, height_mm, synth,
                 source, note, title, xlim=None):
    """Reproduced against published, one square panel per unit, line of equality."""
    import math

    n = len(units)
    w_mm = th.width_mm if width is None else (180.0 if width == "double" else 85.0 if
                                              width == "single" else float(width))
    ncols = min(n, 2 if w_mm < 120 else 4)
    nrows = math.ceil(n / ncols)
    panel_mm = (w_mm - 14) / ncols
    fig = new_figure(th, width=width, height_mm=height_mm or nrows * (panel_mm + 8) + 40)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    ok_all = _is_met(df, met)
    for ax, u in zip(axes, units, strict=False):
        m = (df[unit].astype(str) == u).to_numpy()
        sub = df[m]
        pv, rv = _num(sub[pub]), _num(sub[rep])
        lo = _num(sub[ci[0]]) if ci[0] in sub.columns else np.full(len(sub), np.nan)
        hi = _num(sub[ci[1]]) if ci[1] in sub.columns else np.full(len(sub), np.nan)
        ok = ok_all[m]
        vals = np.concatenate([pv, rv, lo, hi])
        vals = vals[np.isfinite(vals)]
        a, b = (vals.min(), vals.max()) if len(vals) else (0.0, 1.0)
        pad = 0.06 * ((b - a) or max(abs(b), 1.0))
        a, b = (a - pad, b + pad) if xlim is None else xlim
        ax.plot([a, b], [a, b], color=RULE, linewidth=0.8, linestyle=(0, (3, 2)), zorder=1)
        for k, bd in enumerate(sub[bound]):
            mk, filled, _ = _BOUND_STYLE[bd]
            colr = INK if ok[k] else OKABE_ITO["vermillion"]
            if np.isfinite(lo[k]) and np.isfinite(hi[k]):
                ax.plot([pv[k], pv[k]], [lo[k], hi[k]], color=colr, linewidth=0.7, zorder=2)
            ax.plot(pv[k], rv[k], marker=mk, markersize=4, linestyle="none", zorder=3,
                    color=colr, markerfacecolor=colr if filled and ok[k] else "white",
                    markeredgewidth=0.8, alpha=0.9)
        ax.set_xlim(a, b)
        ax.set_ylim(a, b)
        ax.set_aspect("equal", adjustable="box")
        ax.set_title(f"{_UNITS.get(u, pretty(u)) if u else 'Value'} ({len(sub)})",
                     fontsize=th.small)
        ax.tick_params(labelsize=th.small * 0.9)
    for i, ax in enumerate(axes[:n]):
        if i + ncols >= n:  # lowest panel of its column
            ax.set_xlabel("Published", fontsize=th.small)
        if i % ncols == 0:
            ax.set_ylabel("Reproduced", fontsize=th.small)
    for ax in axes[n:]:
        ax.set_visible(False)
    labels, _, handles = _pvr_handles(df, bound, met, published_color=INK)
    legend_top(fig, th, None, labels, handles=handles)
    missed = df.loc[~ok_all, lab].astype(str).tolist()
    extra = None
    if missed:
        extra = "Not met: " + ", ".join(missed[:12]) + (
            f" and {len(missed) - 12} more" if len(missed) > 12 else "") + "."
    fig_note = " ".join(t for t in (note, extra) if t) or None
    finish(fig, th, data=df, synthetic=synth, source=source, note=fig_note, title=title,
           chart="published_vs_reproduced")
    return fig
