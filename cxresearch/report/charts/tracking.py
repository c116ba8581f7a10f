"""Tracking chart: a measure over waves with intervals, significant changes and the trend.

Draws what :func:`cxresearch.track` computed (nothing is re-estimated here): one panel per
item, the estimate per wave with its confidence interval as a band or whiskers, a ring on every
wave whose change from the previous wave is significant (after the multiplicity adjustment the
tracking table carries), the composition-adjusted line dashed next to the unadjusted one,
one line per segment for ``by=``, gaps (items not asked in a wave) left open and labelled, and
the trend slope with its p-value under each panel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from cxresearch.report.charts.base import finish, legend_top, new_figure, wrap_label
from cxresearch.report.charts.redraw import redrawable
from cxresearch.report.provenance import is_synthetic
from cxresearch.report.style import INK, MUTED, OKABE_ITO, current_theme, qualitative_palette
from cxresearch.statistics.design.params import check

__all__ = ["tracking_chart"]

_NEEDED = ("item", "weighting", "term", "wave", "estimate")
_YLABEL = {"nps": "NPS (\u2212100..100)", "mean": "mean", "index": "index (POMP 0\u2013100)",
           "proportion": "share"}


def _fmt(x: float, percent: bool) -> str:
    if percent:
        return f"{100 * x:+.1f} pp".replace("-", "\u2212")
    return f"{x:+.3g}".replace("-", "\u2212")


def _pfmt(p: float) -> str:
    if not np.isfinite(p):
        return "p not defined"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _wave_label(v) -> str:
    """A wave's label for an axis: ``2021-reconstructed`` -> "2021\n(reconstructed)"."""
    s = str(v)
    for suf in ("-reconstructed", "_reconstructed"):
        if s.endswith(suf) and len(s) > len(suf):
            return s[: -len(suf)] + "\n(reconstructed)"
    return s


def _ylim(ylim, meta: dict, item, sub: pd.DataFrame, k: float):
    """The value axis range (see ``tracking_chart``), widened to hold every interval."""
    if ylim is None:
        return None
    if not isinstance(ylim, str):
        try:
            lo, hi = (float(v) for v in ylim)
        except (TypeError, ValueError):
            raise ValueError(f"ylim must be 'scale', None or (low, high), got {ylim!r}") \
                from None
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ValueError(f"ylim must be finite with low < high, got {ylim!r}")
        return lo, hi
    if ylim != "scale":
        raise ValueError(f"ylim must be 'scale', None or (low, high), got {ylim!r}")
    measure = meta.get("measure")
    rng = None
    if measure == "proportion":
        rng = (0.0, 1.0 * k)
    elif measure == "nps":
        rng = (-100.0, 100.0)
    elif measure == "index":
        rng = (0.0, 100.0)
    elif measure == "mean" and meta.get("study"):
        try:
            from cxresearch.report.charts.labels import Labeller

            sc = Labeller(str(meta["study"])).scale(item)
        except Exception:  # noqa: BLE001 - no codebook: the data decide
            sc = None
        rng = (float(sc[0]), float(sc[1])) if sc else None
    if rng is None:
        return None
    vals = pd.to_numeric(sub.loc[sub["term"] == "wave", ["ci_low", "ci_high"]].stack(),
                         errors="coerce").to_numpy(dtype=float) * k
    vals = vals[np.isfinite(vals)]
    lo = min([rng[0], *vals]) if len(vals) else rng[0]
    hi = max([rng[1], *vals]) if len(vals) else rng[1]
    pad = 0.02 * (hi - lo)
    return lo - pad, hi + pad


@redrawable
def tracking_chart(result: pd.DataFrame, *, items=None, ci: str = "band", alpha: float = 0.05,
                   adjusted: bool = True, use_adjusted_p: bool = True, percent=None,
                   labels: dict | None = None, ylabel: str | None = None,
                   wrap: int | None = None,
                   width=None, height_mm: float | None = None, synthetic: bool | None = None,
                   source: str | None = None, note: str | None = None,
                   title: str | None = None, ylim="scale"):
    """Estimates over waves from :func:`cxresearch.track`, with CIs and significant changes.

    Parameters
    ----------
    result : DataFrame
        The output of ``cx.track`` (its ``attrs["tracking"]`` gives the wave order, the
        times, the segment column, the item labels from the codebook and whether the data are
        synthetic).
    items : list of str, optional
        Items to draw (default: all), one panel each.
    ci : {"band", "whiskers", "none"}
        How to draw the confidence intervals.
    alpha : float
        A wave gets a ring when its change from the previous wave has p < alpha.
    adjusted : bool
        Draw the composition-adjusted estimates (dashed) when the result has them.
    use_adjusted_p : bool
        Use ``p_adjusted`` (Holm/BH across the changes shown) rather than ``p_value``.
    percent : bool, optional
        Draw proportions as percent (default: when the measure is ``proportion``).
    labels : dict, optional
        Panel titles per item (default: the codebook wording in the result's attrs).
    ylim : "scale", None or (low, high)
        The value axis: ``"scale"`` (default) spans the measure's full range (the item's
        codebook scale for means, 0–100% for shares, −100..100 for NPS, 0–100 for POMP
        indices) so that a small change does not look like a large one; ``None`` lets the
        data decide; a pair states the range.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.cx_data`` holds the rows drawn.

    References
    ----------
    Lumley (2010), *Complex Surveys*, ch. 5 (comparing waves); Holm (1979).

    Examples
    --------
    >>> res = cx.track(waves, "recommend", measure="nps")     # doctest: +SKIP
    >>> fig = cx.tracking_chart(res)                          # doctest: +SKIP
    >>> # In R: ggplot(svyby(~nps, ~wave, des, svymean), aes(wave, nps)) + geom_pointrange()
    """
    if not isinstance(result, pd.DataFrame):
        raise TypeError(f"result must be the DataFrame returned by cx.track, got "
                        f"{type(result).__name__}")
    missing = [c for c in _NEEDED if c not in result.columns]
    if missing:
        raise ValueError(f"result lacks column(s) {missing}; pass the output of cx.track")
    if ci not in ("band", "whiskers", "none"):
        raise ValueError(f"ci must be 'band', 'whiskers' or 'none', got {ci!r}")
    check("alpha", alpha)
    meta = dict(result.attrs.get("tracking", {}))
    by = meta.get("by")
    waves = meta.get("waves") or list(pd.unique(result.loc[result.term == "wave", "wave"]))
    times = meta.get("time") or list(range(1, len(waves) + 1))
    xpos = dict(zip(map(str, waves), times, strict=True))
    all_items = list(pd.unique(result["item"]))
    if items is None:
        items = all_items
    else:
        items = [items] if isinstance(items, str) else list(items)
        bad = [i for i in items if i not in all_items]
        if bad:
            raise ValueError(f"items {bad} are not in the result (items: {all_items})")
    if percent is None:
        percent = set(result["measure"]) == {"proportion"}
    k = 100.0 if percent else 1.0
    names = {**meta.get("labels", {}), **(labels or {})}
    synth = is_synthetic(synthetic, result, {"synthetic": meta.get("synthetic", False)})
    segs = [None] if by is None else [s for s in pd.unique(result[by].dropna())]
    colors = [OKABE_ITO["blue"]] if by is None else qualitative_palette(len(segs))
    weightings = ["unadjusted"] + (["adjusted"] if adjusted
                                   and (result["weighting"] == "adjusted").any() else [])
    unit = "wave" if meta.get("time_name") in (None, "wave_index") else (
        "year" if meta.get("time_name") == "year" else "unit of time")
    span = float(np.ptp(times)) or 1.0
    pcol = "p_adjusted" if use_adjusted_p and "p_adjusted" in result else "p_value"
    th = current_theme()
    with th:
        wide = th.figsize(height_mm=100, width=width)[0] * 25.4 >= 200
        ncols = min(3, len(items)) if wide else 1       # a slide: panels side by side
        nrows = -(-len(items) // ncols)
        fig = new_figure(th, width=width, height_mm=height_mm or min(
            (75 if ncols > 1 else 60) + 55 * nrows, 240))
        grid = fig.subplots(nrows, ncols, squeeze=False, sharex=True)
        axes = grid.ravel()[:len(items)]
        for k, extra in enumerate(grid.ravel()[len(items):], start=len(items)):
            extra.set_visible(False)
            grid.ravel()[k - ncols].xaxis.set_tick_params(labelbottom=True)
        if wrap is None:  # characters that fit the panel width at the title's size
            wrap = max(20, int(fig.get_figwidth() / ncols * 72 * 0.85 /
                               (0.66 * th.font_size)))
        drawn, trends = [], []
        for ax, item in zip(axes, items, strict=True):
            sub = result[result["item"] == item]
            foot = []
            for wname in weightings:
                for s, seg in enumerate(segs):
                    m = (sub["weighting"] == wname)
                    if by is not None:
                        m &= sub[by] == seg
                    rows = sub[m]
                    w = rows[rows["term"] == "wave"]
                    x = np.array([xpos[str(v)] for v in w["wave"]], dtype=float)
                    x = x + 0.025 * span * (s - (len(segs) - 1) / 2)  # segments side by side
                    y = w["estimate"].to_numpy(dtype=float) * k
                    lo = w["ci_low"].to_numpy(dtype=float) * k
                    hi = w["ci_high"].to_numpy(dtype=float) * k
                    dash = "--" if wname == "adjusted" else "-"
                    col = colors[s]
                    ax.plot(x, y, dash, color=col, marker="o", markersize=4,
                            linewidth=1.4 if wname == "unadjusted" else 1.1, zorder=3,
                            markerfacecolor=col if wname == "unadjusted" else "white")
                    if ci == "band" and wname == "unadjusted":
                        ax.fill_between(x, lo, hi, color=col, alpha=0.15, linewidth=0,
                                        zorder=1)
                    elif ci == "whiskers":
                        off = 0.012 * span * (1 if wname == "adjusted" else 0)
                        ax.vlines(x + off, lo, hi, color=col, linewidth=0.9, zorder=2,
                                  linestyles="dashed" if wname == "adjusted" else "solid")
                    ch = rows[(rows["term"] == "change") & (rows["comparison"] == "previous")]
                    sig = ch[pd.to_numeric(ch[pcol], errors="coerce") < alpha]
                    if wname == "adjusted":  # rings mark the unadjusted changes only
                        sig = sig.iloc[0:0]
                    for v in sig["wave"]:
                        i = list(map(str, w["wave"])).index(str(v))
                        ax.plot(x[i], y[i], marker="o", markersize=10, markerfacecolor="none",
                                markeredgecolor=INK, markeredgewidth=1.1, zorder=4)
                    for v, n in zip(w["wave"], w["estimate"], strict=True):
                        if pd.isna(n):
                            ax.annotate("not asked", (xpos[str(v)], 0.5), xycoords=(
                                "data", "axes fraction"), ha="center", va="center",
                                fontsize=th.small, color=MUTED, rotation=90)
                    tr = rows[rows["term"] == "trend"]
                    if len(tr) and wname == "unadjusted" and np.isfinite(tr["estimate"].iloc[0]):
                        who = "" if seg is None else f"{seg}: "
                        foot.append(f"{who}trend {_fmt(tr['estimate'].iloc[0], percent)} per "
                                    f"{unit} ({_pfmt(tr['p_value'].iloc[0])})")
                    drawn.append(w.assign(weighting=wname))
            ax.set_title(wrap_label(names.get(item, item), wrap), loc="left", fontsize=th.font_size,
                         color=INK)
            ax.yaxis.grid(True)
            if foot:
                trends.append((f"{names.get(item, item)} \u2014 " if len(items) > 1 else "")
                              + "; ".join(foot))
            ax.set_ylabel(ylabel or ("%" if percent else _YLABEL.get(meta.get("measure"),
                                                                    "estimate")))
            lim = _ylim(ylim, meta, item, sub, k)
            if lim is not None:
                ax.set_ylim(*lim)
        for c in range(ncols):
            col = [grid[r, c] for r in range(nrows) if grid[r, c].get_visible()]
            if col:
                col[-1].set_xticks(times, [_wave_label(v) for v in waves])
                col[-1].set_xlabel("wave")
        handles, texts = [], []
        if by is not None:
            for s, seg in enumerate(segs):
                handles.append(Line2D([], [], color=colors[s], marker="o", markersize=4))
                texts.append(str(seg))
        else:
            handles.append(Line2D([], [], color=colors[0], marker="o", markersize=4))
            texts.append("estimate" + (" with 95% CI" if ci != "none" else ""))
        if len(weightings) > 1:
            handles.append(Line2D([], [], color=MUTED, linestyle="--", marker="o",
                                  markerfacecolor="white", markersize=4))
            texts.append("adjusted for composition (raked to common margins)")
        handles.append(Line2D([], [], color=INK, marker="o", markersize=9, linestyle="none",
                              markerfacecolor="none"))
        how = (f"{meta.get('p_adjust', 'holm')}-adjusted p" if pcol == "p_adjusted" else "p")
        texts.append(f"change from the previous wave, {how} < {alpha:g}"
                     + (" (unadjusted line)" if len(weightings) > 1 else ""))
        legend_top(fig, th, None, texts, handles=handles, wrap=40)
        data = pd.concat(drawn, ignore_index=True) if drawn else result.iloc[0:0]
        foot_note = " ".join(t for t in (". ".join(trends) + "." if trends else "", note) if t)
        finish(fig, th, data=data, synthetic=synth, source=source, note=foot_note or None,
               title=title,
               chart="tracking_chart")
    return fig
