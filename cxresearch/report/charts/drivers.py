"""Charts of a key-driver analysis: the importance-performance map and a correlation heatmap.

Both take what :func:`cxresearch.key_drivers` returns (the result, or its ``table``) and return a
:class:`matplotlib.figure.Figure` in the active style, with the data behind it in
``fig.cx_data``, saved like every figure by :func:`cxresearch.save_figure`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import seaborn as sns

from cxresearch.report.charts.base import finish, new_figure, wrap_label
from cxresearch.report.charts.redraw import redrawable
from cxresearch.report.provenance import is_synthetic
from cxresearch.report.style import INK, MUTED, OKABE_ITO, RULE, current_theme

__all__ = ["driver_heatmap", "importance_performance"]

_QUADRANTS = {  # (importance high?, performance high?) -> label (Martilla & James 1977)
    (True, False): "Concentrate here",
    (True, True): "Keep up the good work",
    (False, False): "Low priority",
    (False, True): "Possible overkill",
}


def _table_and_labels(data, labels):
    table = getattr(data, "table", data)
    if not isinstance(table, pd.DataFrame):
        raise TypeError("data must be the result of cx.key_drivers (or its .table), "
                        f"got {type(data).__name__}")
    need = {"driver", "importance"}
    if not need <= set(table.columns):
        raise ValueError(f"data lacks the columns {sorted(need - set(table.columns))}; pass "
                         "the result of cx.key_drivers")
    names = dict(getattr(data, "labels", None) or {})
    names.update(labels or {})
    return table, names


def _spread(values: np.ndarray, min_gap: float) -> np.ndarray:
    """Nudge sorted label positions apart by at least ``min_gap`` (keeps their order)."""
    order = np.argsort(values)
    out = values.astype(float).copy()
    for k in range(1, len(order)):
        a, b = order[k - 1], order[k]
        if out[b] - out[a] < min_gap:
            out[b] = out[a] + min_gap
    shift = (out - values)[order].mean()
    return out - shift


@redrawable
def importance_performance(data, *, method: str | None = None, performance: str | None = None,
                           labels: dict | None = None, ci: bool = True,
                           quadrant_labels: bool = True, wrap: int = 22, width=None,
                           height_mm: float | None = None, synthetic: bool | None = None,
                           source: str | None = None, note: str | None = None,
                           title: str | None = None):
    """Importance-performance map of key drivers, quadrant lines at the means.

    Parameters
    ----------
    data : KeyDriverResult or DataFrame
        ``cx.key_drivers(...)`` or its ``table`` (columns ``driver, importance, mean`` and
        optionally ``pomp, ci_low, ci_high, measure``).
    method : str, optional
        Which importance to draw when the table holds several (``"shapley"``, ``"johnson"``,
        ...); default the first.
    performance : {"pomp", "mean"}, optional
        x axis: POMP (default; 0-100 on each driver's codebook scale, one axis for all) or
        the raw mean (only sensible when every driver is on the same scale). With POMP,
        drivers without a scale (age, counts) are left out and named in the chart's note.
        Default: POMP when any driver has a scale, else the raw mean (said in the note).
    labels : dict, optional
        Driver -> label; default the codebook's short labels (given a Wave), else the ids.
    ci : bool
        Vertical bars for the importance interval (bootstrap).
    quadrant_labels : bool
        Name the quadrants (Martilla & James 1977).

    Returns
    -------
    matplotlib.figure.Figure

    References
    ----------
    Martilla, J. A. & James, J. C. (1977). Importance-performance analysis. *Journal of
    Marketing* 41(1), 77-79.

    Examples
    --------
    >>> import numpy as np, pandas as pd, cxresearch as cx
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame(rng.integers(1, 11, size=(200, 3)), columns=["a", "b", "c"])
    >>> df["y"] = df["a"] + df["b"] + rng.normal(size=200)
    >>> fig = cx.importance_performance(cx.key_drivers(df, "y", ["a", "b", "c"], B=50, seed=1))
    >>> # In R: ggplot(kd, aes(mean, importance)) + geom_point() + geom_vline(xintercept = mean(kd$mean))
    """
    table, names = _table_and_labels(data, labels)
    df = table.copy()
    if "measure" in df.columns:
        method = method or str(df["measure"].iloc[0])
        df = df[df["measure"] == method]
        if df.empty:
            raise ValueError(f"method={method!r} is not in the table "
                             f"({sorted(table['measure'].unique())})")
    if df.empty:
        raise ValueError("data has no drivers to plot")
    scaled = df["pomp"].notna() if "pomp" in df.columns else pd.Series(False, df.index)
    if performance is None:  # POMP whenever a driver has a scale; raw means only without any
        performance = "pomp" if scaled.any() else "mean"
        if not scaled.any():
            extra = ("Performance is each driver's raw mean: no driver has a declared answer "
                     "scale, so the axis is only meaningful if all share one.")
            note = f"{note} {extra}" if note else extra
    if performance not in ("pomp", "mean"):
        raise ValueError(f"performance must be 'pomp' or 'mean', got {performance!r}")
    left_out: list[str] = []
    if performance == "pomp":
        if not scaled.any():
            raise ValueError("performance='pomp' needs the driver scales: no driver has a "
                             "scale in the codebook, so there is no common 0-100 axis; run "
                             "key_drivers on a Wave whose codebook gives the drivers' "
                             "scale_min/scale_max (or item_range={...}), or pass "
                             "performance='mean' for drivers that share one scale")
        left_out = [str(names.get(d, d)) for d in df.loc[~scaled, "driver"]]
        df = df[scaled]
    if performance not in df.columns:
        raise ValueError(f"data lacks the column {performance!r}")
    if left_out:
        extra = ("Not shown (no answer scale in the codebook, so no 0–100 performance): "
                 + ", ".join(left_out) + ".")
        note = f"{note} {extra}" if note else extra
    synth = is_synthetic(synthetic, data if isinstance(data, pd.DataFrame) else
                         getattr(data, "synthetic", None), df)
    x = df[performance].to_numpy(dtype=float)
    y = df["importance"].to_numpy(dtype=float)
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("importance and performance must be finite for every driver")
    lo = df["ci_low"].to_numpy(dtype=float) if "ci_low" in df.columns else np.full(len(df), np.nan)
    hi = df["ci_high"].to_numpy(dtype=float) if "ci_high" in df.columns else np.full(len(df),
                                                                                     np.nan)
    text = [wrap_label(str(names.get(d, d)), wrap) for d in df["driver"]]
    th = current_theme()
    with th:
        fig = new_figure(th, width=width, aspect=0.8, height_mm=height_mm)
        ax = fig.add_subplot()
        xm, ym = float(x.mean()), float(y.mean())
        ax.axvline(xm, color=RULE, linewidth=0.8, zorder=1)
        ax.axhline(ym, color=RULE, linewidth=0.8, zorder=1)
        if ci and np.isfinite(lo).all() and np.isfinite(hi).all():
            ax.errorbar(x, y, yerr=[y - lo, hi - y], fmt="none", ecolor=MUTED, elinewidth=0.7,
                        capsize=0, zorder=2)
        hot = (y >= ym) & (x < xm)
        ax.scatter(x[~hot], y[~hot], s=22, color=OKABE_ITO["blue"], zorder=3, linewidths=0)
        ax.scatter(x[hot], y[hot], s=26, color=OKABE_ITO["vermillion"], zorder=3,
                   linewidths=0)
        xs = np.concatenate([x, [xm]])
        ylo = np.nanmin(np.concatenate([y, lo])) if ci else y.min()
        yhi = np.nanmax(np.concatenate([y, hi])) if ci else y.max()
        if performance == "pomp":             # one fixed 0-100 axis for every driver
            xs = np.array([0.0, 100.0])
        xr = (xs.max() - xs.min()) or 1.0
        yr = (yhi - ylo) or 1.0
        x_lab = xs.max() + 0.10 * xr          # a column of labels right of the points
        ax.set_xlim(xs.min() - 0.08 * xr, xs.max() + 0.75 * xr)
        if performance == "pomp":
            ax.set_xticks([0, 25, 50, 75, 100])
        y0, y1 = min(0, ylo - 0.04 * yr), yhi + 0.10 * yr
        ax.set_ylim(y0, y1)
        # label heights in data units, from the axes height in points
        fig.canvas.draw()
        ax_pt = ax.get_window_extent().height * 72 / fig.dpi
        line = th.small * 1.25 / max(ax_pt, 1) * (y1 - y0)
        gaps = np.array([line * (t.count("\n") + 1) for t in text])
        order = np.argsort(y)
        ypt = y.astype(float).copy()
        for k in range(1, len(order)):
            a_, b_ = order[k - 1], order[k]
            need = (gaps[a_] + gaps[b_]) / 2 + 0.15 * line
            if ypt[b_] - ypt[a_] < need:
                ypt[b_] = ypt[a_] + need
        top = ypt[order[-1]] + gaps[order[-1]] / 2
        if top > y1:                      # shift the column down, never below the axis
            ypt -= min(top - y1, ypt[order[0]] - gaps[order[0]] / 2 - y0)
        for xi, yi, yl, t, h in zip(x, y, ypt, text, hot, strict=True):
            ax.annotate(t, (xi, yi), xytext=(x_lab, yl), fontsize=th.small,
                        color=OKABE_ITO["vermillion"] if h else INK, va="center", ha="left",
                        gid="cx_value",
                        arrowprops={"arrowstyle": "-", "color": RULE, "linewidth": 0.5,
                                    "shrinkA": 1, "shrinkB": 3})
        if quadrant_labels:
            # each caption in its own corner of the data region, on two lines, so that the
            # four never meet whatever the means are
            left, right = xs.min() - 0.06 * xr, xs.max()
            spots = {(True, False): (left, y1, "left", "top"),
                     (True, True): (right, y1, "right", "top"),
                     (False, False): (left, y0, "left", "bottom"),
                     (False, True): (right, y0, "right", "bottom")}
            for key, lab in _QUADRANTS.items():
                qx, qy, ha, va = spots[key]
                ax.text(qx, qy, wrap_label(lab, 12), ha=ha, va=va, fontsize=th.small - 0.5,
                        color=MUTED, style="italic", zorder=0, linespacing=1.0)
        meth = df["measure"].iloc[0] if "measure" in df.columns else "importance"
        ylab = {"shapley": "Importance (R\u00b2 contribution, LMG)",
                "johnson": "Importance (Johnson's relative weight)",
                "beta": "Importance (standardized coefficient)",
                "correlation": "Importance (correlation with outcome)"}.get(meth, "Importance")
        ax.set_ylabel(ylab)
        ax.set_xlabel("Performance (POMP, 0\u2013100)" if performance == "pomp"
                      else "Performance (mean)")
        out = df.assign(label=[names.get(d, d) for d in df["driver"]],
                        quadrant=[_QUADRANTS[(bool(a >= ym), bool(b >= xm))]
                                  for a, b in zip(y, x, strict=True)])
        finish(fig, th, data=out, synthetic=synth, source=source, note=note, title=title,
               chart="importance_performance")
    return fig


@redrawable
def driver_heatmap(data, *, labels: dict | None = None, annotate: bool | None = None,
                   wrap: int = 40,
                   width=None, height_mm: float | None = None, synthetic: bool | None = None,
                   source: str | None = None, note: str | None = None,
                   title: str | None = None):
    """Heatmap of the (weighted) correlations between the drivers and the outcome.

    Parameters
    ----------
    data : KeyDriverResult
        ``cx.key_drivers(...)`` (its ``correlations``), or a square correlation DataFrame.
    labels : dict, optional
        Column -> label; default the codebook's short labels (given a Wave).
    annotate : bool, optional
        Write the correlations in the cells (default: when there are at most 8 variables).

    Returns
    -------
    matplotlib.figure.Figure

    References
    ----------
    Waskom, M. (2021). seaborn: statistical data visualization. *JOSS* 6(60), 3021.

    Examples
    --------
    >>> import numpy as np, pandas as pd, cxresearch as cx
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    >>> df["y"] = df["a"] + rng.normal(size=200)
    >>> fig = cx.driver_heatmap(cx.key_drivers(df, "y", ["a", "b", "c"], B=0))
    >>> # In R: corrplot::corrplot(cov.wt(d, wt = w, cor = TRUE)$cor)
    """
    C = getattr(data, "correlations", data)
    if not isinstance(C, pd.DataFrame) or C.shape[0] != C.shape[1]:
        raise TypeError("data must be the result of cx.key_drivers or a square correlation "
                        "DataFrame")
    names = dict(getattr(data, "labels", None) or {})
    names.update(labels or {})
    synth = is_synthetic(synthetic, getattr(data, "synthetic", None))
    tick = [wrap_label(str(names.get(c, c)), wrap) for c in C.columns]
    mask = np.triu(np.ones(C.shape, dtype=bool), k=1)
    if annotate is None:
        annotate = C.shape[0] <= 8
    th = current_theme()
    with th:
        fig = new_figure(th, width=width, aspect=1.0, height_mm=height_mm)
        ax = fig.add_subplot()
        with warnings.catch_warnings():   # seaborn's own cmap.set_bad (matplotlib 3.10+)
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            sns.heatmap(C.to_numpy(dtype=float), mask=mask, ax=ax, vmin=-1, vmax=1, center=0,
                        cmap="RdBu_r", annot=annotate, fmt=".2f", square=True,
                        linewidths=0.4, linecolor="white",
                        annot_kws={"fontsize": max(th.small - 1, 4.5)},
                        xticklabels=tick, yticklabels=tick,
                        cbar_kws={"shrink": 0.6, "label": "Correlation"})
        ax.tick_params(axis="both", length=0, labelsize=th.small)
        ax.set_xticklabels(ax.get_xticklabels(), rotation=90)
        tidy = C.stack().rename("correlation").reset_index()
        tidy.columns = ["row", "column", "correlation"]
        finish(fig, th, data=tidy, synthetic=synth, source=source, note=note, title=title,
               chart="driver_heatmap")
    return fig
