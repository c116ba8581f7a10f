"""Stacked-bar charts: diverging agreement bars (Likert items) and 100% stacked bars of an
ordered outcome by an ordered group. Re-exported by :mod:`cxresearch.charts`."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from matplotlib.transforms import blended_transform_factory

from cxresearch.errors import UnorderedCategoryWarning
from cxresearch.report.charts.base import (
    above_layout,
    as_percent,
    default_wrap,
    find_column,
    finish,
    fit_height,
    freeze_layout,
    instrument_item,
    label_size,
    legend_top,
    level_info,
    mark_labelled,
    new_figure,
    pitch_pt,
    place_share_labels,
    pretty,
    resolve_weights,
    row_positions,
    share_ticks,
    to_frame,
    weighted_shares,
    wrap_label,
)
from cxresearch.report.charts.labels import check_xlim, labeller
from cxresearch.report.charts.redraw import redrawable
from cxresearch.report.provenance import is_synthetic
from cxresearch.report.style import INK, current_theme, diverging_palette, sequential_palette

__all__ = ["agreement_bars", "stacked_bars"]

_BAR_HEIGHT = 0.72


# ----------------------------------------------------------------------------- helpers
# ----------------------------------------------------------------------------- agreement bars
@redrawable
def agreement_bars(
    data,
    *,
    items=None,
    item: str | None = None,
    level: str | None = None,
    value: str | None = None,
    dimension: str | None = None,
    levels=None,
    labels=None,
    item_labels: dict | None = None,
    neutral="auto",
    weights=None,
    sort: bool = False,
    wrap: int | None = None,
    label_position: str = "auto",
    show_n: bool = False,
    lang: str = "en",
    width=None,
    height_mm: float | None = None,
    synthetic: bool | None = None,
    source: str | None = None,
    note: str | None = None,
    title: str | None = None,
    codebook=None,
    xlim: tuple[float, float] | None = None,
    small_shares: str = "omit",
):
    """Diverging stacked bars of agreement items, neutral centred on zero.

    Parameters
    ----------
    data : DataFrame or Wave
        Either tidy shares (one row per item and level: columns ``item``, ``level`` and
        ``estimate`` as returned by ``cx.proportion(..., by=...)``; shares as proportions or
        percent, each item adding up to 1 or 100), or respondents (a Wave or a DataFrame) with
        ``items=`` naming the item columns, in which case weighted shares are computed here
        (weights from ``weights=`` or the Wave's codebook weight column).
    items : list of str, optional
        Item columns of respondent data (switches to respondent mode).
    item, level, value, dimension : str, optional
        Column names in tidy mode (defaults ``item``, ``level``, ``estimate``/``share``/
        ``value``, and ``dimension`` when present). With a Wave, dimensions come from the
        codebook (``Item.dimension``).
    levels : list, optional
        Scale order, most negative first (default: the categorical order, the codebook's
        levels, or sorted codes).
    labels : list or dict, optional
        Legend labels of the levels (default: codebook labels in ``lang``, else the values).
    item_labels : dict, optional
        Text per item (default: the codebook wording in ``lang``, else the item id).
    neutral : "auto", level or None
        The middle category centred on zero ("auto": the middle level of an odd scale).
    sort : bool
        Sort items within each dimension by their agree share.
    wrap : int, optional
        Wrap item labels at this many characters (default 24 in a single column, 44 wider;
        labels above the bars use the full width).
    label_position : {"auto", "left", "above"}
        Item labels left of the bars, or on their own line(s) above each bar so that the bars
        get the full width ("auto": above when the figure is narrower than 120 mm and the longest
        label is over 48 characters).
    show_n : bool
        Append "(n = ...)" to item labels when counts are known.
    width : {"single", "double"} or float
        Figure width; the height follows from the number of items unless ``height_mm``.
    synthetic : bool, optional
        Put the visible "Reconstructed (synthetic) data" note on the figure (detected from a
        Wave, ``attrs["synthetic"]`` or a ``synthetic`` column when None).
    source, note, title : str, optional
        Caption text under the figure ("Source: ...") and an optional title.
    codebook : Wave, Instrument or codebook name, optional
        Item, level and dimension (index) labels in ``lang`` (default: the Wave's codebook).
    xlim : (float, float), optional
        The percent axis range (default: the longest bar on each side).
    small_shares : {"omit", "beside"}
        A share whose number does not fit inside its segment is left unlabelled ("omit"; the
        figure's data file keeps every share, ``fig.cx_data["labelled"]`` says which) or
        written in plain text beside the bar ("beside"), never on a coloured patch that could
        be read as another bar segment.

    Returns
    -------
    matplotlib.figure.Figure
        With ``fig.cx_data``: the shares drawn (``dimension, item, item_label, level,
        level_label, share`` in percent, ``n``), which ``save_figure`` writes as CSV.

    Notes
    -----
    Every non-zero share is labelled at most once: inside its segment when the number fits,
    otherwise per ``small_shares`` (beside the bar: left of it for the disagree side, right of
    it for the neutral and agree sides). Shares below 0.5% read "<1". Zero shares have no
    segment and no label.

    References
    ----------
    Heiberger, R. M. & Robbins, N. B. (2014). Design of diverging stacked bar charts for Likert
    scales and other applications. Journal of Statistical Software 57(5).

    Examples
    --------
    >>> import pandas as pd, cxresearch as cx
    >>> df = pd.DataFrame({"item": ["q1"] * 5, "level": [1, 2, 3, 4, 5],
    ...                    "estimate": [.05, .1, .2, .4, .25]})
    >>> fig = cx.agreement_bars(df, labels=["SD", "D", "N", "A", "SA"])
    >>> # In R: HH::likert(item ~ ., data = wide, ReferenceZero = 3)
    """
    th = current_theme()
    src = data
    df = to_frame(data)
    synth = is_synthetic(synthetic, data, df)
    names = labeller(codebook, lang, None, data)
    xlim = check_xlim(xlim)
    _check_small(small_shares)
    with th:
        if items is not None:
            tidy, lvls, lab = _agreement_from_respondents(df, src, items, levels, labels,
                                                          item_labels, weights, lang, names)
        else:
            tidy, lvls, lab = _agreement_from_tidy(df, item, level, value, dimension, levels,
                                                   labels, item_labels, names)
        if label_position not in ("auto", "left", "above"):
            raise ValueError(f"label_position must be 'auto', 'left' or 'above', got "
                             f"{label_position!r}")
        if label_position == "auto":
            w_mm = th.width_mm if width is None else (
                180.0 if width == "double" else 85.0 if width == "single" else float(width))
            longest = max((len(str(t)) for t in tidy["item_label"]), default=0)
            label_position = "above" if w_mm < 120 and longest > 48 else "left"
        fig = _draw_agreement(th, tidy, lvls, lab, neutral, sort,
                              default_wrap(wrap, th, width) if label_position == "left" else wrap,
                              show_n, width,
                              height_mm, synth, source, note, title, label_position,
                              names=names, xlim=xlim, small_shares=small_shares)
    return fig


def _check_small(small_shares):
    if small_shares not in ("omit", "beside"):
        raise ValueError(f"small_shares must be 'omit' or 'beside', got {small_shares!r}")


def _agreement_from_tidy(df, item, level, value, dimension, levels, labels, item_labels,
                         names):
    item = find_column(df, item, ("item", "term", "variable"), "item")
    level = find_column(df, level, ("level", "value_label", "category", "response"), "level")
    value = find_column(df, value, ("estimate", "share", "proportion", "percent", "pct"), "value")
    dimension = find_column(df, dimension, ("dimension",), "dimension", required=False)
    if levels is None:
        col = df[level]
        if isinstance(col.dtype, pd.CategoricalDtype):
            levels = list(col.cat.categories)
        else:
            levels = list(pd.unique(col.dropna()))
    levels = list(levels)
    unknown = set(df[level].dropna()) - set(levels)
    if unknown:
        raise ValueError(f"levels does not list {sorted(map(str, unknown))}")
    vals = pd.to_numeric(df[value], errors="coerce")
    if vals.isna().any() or (vals < 0).any():
        raise ValueError(f"column {value!r} must hold non-negative shares without missing values")
    totals = vals.groupby(df[item], sort=False).sum()
    factor = as_percent(vals, totals, "item")
    tidy = pd.DataFrame({
        "dimension": df[dimension].astype(str) if dimension else "",
        "item": df[item].astype(str),
        "level": df[level],
        "share": vals * factor,
        "n": df["n"] if "n" in df.columns else np.nan,
    })
    first = str(tidy["item"].iloc[0]) if len(tidy) else None
    lab = _labels(labels, levels, names, first)
    il = item_labels or {}
    tidy["item_label"] = [il.get(i) or (names.item(i) if names.inst is not None else i)
                          for i in tidy["item"]]
    return tidy, levels, lab


def _labels(labels, levels, names=None, item=None):
    def one(v):
        return names.level(item, v) if names is not None and item is not None else pretty(v)

    if labels is None:
        return [one(v) for v in levels]
    if isinstance(labels, dict):
        return [str(labels[v]) if v in labels else one(v) for v in levels]
    labels = list(labels)
    if len(labels) != len(levels):
        raise ValueError(f"labels has {len(labels)} entries for {len(levels)} levels")
    return [str(x) for x in labels]


def _agreement_from_respondents(df, src, items, levels, labels, item_labels, weights, lang,
                                names):
    items = [items] if isinstance(items, str) else list(items)
    missing = [c for c in items if c not in df.columns]
    if missing:
        raise ValueError(f"items not in the data: {missing}")
    w = resolve_weights(df, weights, src)
    info = level_info(src, items[0], lang)
    lab = None
    if levels is None:
        first = df[items[0]]
        if isinstance(first.dtype, pd.CategoricalDtype):
            levels = list(first.cat.categories)
        elif info is not None:
            levels = info[0] if pd.api.types.is_numeric_dtype(first) else info[1]
            lab = info[2]
        else:
            levels = sorted(set().union(*(set(df[c].dropna()) for c in items)))
    levels = list(levels)
    shares = weighted_shares(df, items, w, levels)
    rows = []
    il = item_labels or {}
    for col in items:
        it = instrument_item(src, col)
        wording = (getattr(it, "wording", None) or {}) if it is not None else {}
        rows.append({"item": col, "dimension": str(getattr(it, "dimension", "") or ""),
                     "item_label": il.get(col) or wording.get(lang) or wording.get("en") or col})
    meta = pd.DataFrame(rows)
    tidy = shares.rename(columns={"col": "item"}).merge(meta, on="item", how="left")
    return tidy, levels, (_labels(labels, levels, names, items[0])
                          if labels is not None or lab is None else [str(x) for x in lab])


def _neutral_index(levels, neutral):
    if neutral is None:
        return None
    if isinstance(neutral, str) and neutral == "auto":
        return len(levels) // 2 if len(levels) % 2 == 1 else None
    if neutral not in levels:
        raise ValueError(f"neutral={neutral!r} is not one of the levels {levels}")
    idx = levels.index(neutral)
    if idx != (len(levels) - 1) / 2:
        raise ValueError(f"neutral={neutral!r} must be the middle level of {levels}")
    return idx


def _draw_agreement(th, tidy, levels, lab, neutral, sort, wrap, show_n, width, height_mm,
                    synth, source, note, title, label_position="left", *, names=None, xlim=None,
                    small_shares="omit"):
    nidx = _neutral_index(levels, neutral)
    colors = diverging_palette(len(levels), neutral=nidx is not None)
    lv_pos = {lv: i for i, lv in enumerate(levels)}
    tidy = tidy.copy()
    tidy["_li"] = tidy["level"].map(lv_pos)
    tidy["level_label"] = [lab[i] for i in tidy["_li"]]
    # item order: dimensions in order of appearance, items in order of appearance
    dims = list(pd.unique(tidy["dimension"]))
    order = []
    for d in dims:
        its = list(pd.unique(tidy.loc[tidy["dimension"] == d, "item"]))
        if sort:
            pos = tidy[(tidy["dimension"] == d) & (tidy["_li"] > (nidx if nidx is not None else
                                                                   len(levels) / 2 - 0.5))]
            agree = pos.groupby("item")["share"].sum()
            its = sorted(its, key=lambda i: -agree.get(i, 0.0))
        order.append((d, its))
    headings = bool(len(dims) > 1 or (dims and dims[0] != ""))
    entries = []  # (kind, key, text)
    for gi, (d, its) in enumerate(order):
        if headings:
            entries.append(("heading", d, names.item(d) if names is not None else pretty(d),
                            gi > 0))
        for it in its:
            sub = tidy[tidy["item"] == it]
            n = sub["n"].dropna()
            text = str(sub["item_label"].iloc[0])
            if show_n and len(n):
                text += f" (n\u00a0=\u00a0{int(n.iloc[0]):,})"
            entries.append(("item", it, wrap_label(text, wrap), False))
    above = label_position == "above"
    if above:
        fig = new_figure(th, width=width, height_pt=400)
        rows, above_labels, y_end = above_layout(fig, th, entries, wrap)
        ticks, ticklabels, heading_ticks = [], [], []
        fig.set_size_inches(fig.get_figwidth(), (y_end * pitch_pt(th) + 160) / 72)
    else:
        pos, ticklabels, y_end = row_positions(th, entries)
        ticks = list(pos)
        heading_ticks = [i for i, e in enumerate(entries) if e[0] == "heading"]
        rows = [(e[1], pos[i]) for i, e in enumerate(entries) if e[0] == "item"]
        fig = new_figure(th, width=width, height_pt=y_end * pitch_pt(th) + 160)
    legend_top(fig, th, colors, lab)
    ax = fig.add_subplot()
    segs = []
    for it, yy in rows:
        sub = tidy[tidy["item"] == it].set_index("_li")["share"]
        share = np.array([float(sub.get(i, 0.0)) for i in range(len(levels))])
        if nidx is not None:
            start = -(share[:nidx].sum() + share[nidx] / 2)
        else:
            start = -share[: len(levels) // 2].sum()
        lefts = start + np.concatenate([[0], np.cumsum(share)[:-1]])
        ax.barh(yy, share, left=lefts, height=_BAR_HEIGHT, color=colors, linewidth=0)
        for i in range(len(levels)):
            side = -1 if (i < nidx if nidx is not None else i < len(levels) // 2) else 1
            segs.append({"y": yy, "left": lefts[i], "width": share[i], "share": share[i],
                         "color": colors[i], "side": side, "order": i,
                         "bar_left": start, "bar_right": start + share.sum()})
    segs = pd.DataFrame(segs)
    if above:  # the zero line only behind the bars, never through the labels above them
        ys = np.array([yy for _, yy in rows])
        ax.vlines(np.zeros(len(ys)), ys - 0.5, ys + 0.5, color=INK, linewidth=0.6, zorder=0.5)
    else:
        ax.axvline(0, color=INK, linewidth=0.6, zorder=0.5)
    ax.set_yticks(ticks, ticklabels)
    for i in heading_ticks:
        ax.get_yticklabels()[i].set_fontweight("bold")
        ax.get_yticklabels()[i].set_fontsize(th.font_size)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(y_end, 0)
    ax.spines[["left"]].set_visible(False)
    if above:
        tr = blended_transform_factory(ax.transAxes, ax.transData)
        for yb, text, kind in above_labels:
            ax.text(0, yb, text, transform=tr, ha="left", va="bottom", gid="cx_item",
                    fontsize=th.font_size if kind == "heading" else th.small, color=INK,
                    fontweight="bold" if kind == "heading" else "normal", linespacing=1.05)
    core = (float(min(segs["bar_left"].min(), 0)) if len(segs) else -50,
            float(max(segs["bar_right"].max(), 0)) if len(segs) else 50)
    if xlim is not None:
        core = (min(xlim[0], core[0]), max(xlim[1], core[1]))  # never cut a bar
    # end labels as wide as any final tick label, so the frozen layout leaves room for them
    ax.set_xlim(core)
    ax.set_xticks([core[0], 0, core[1]], ["100", "0", "100"])
    ax.set_xlabel("% of respondents")
    finish(fig, th, data=None, synthetic=synth, source=source, note=note, title=title,
           chart="agreement_bars")
    fit_height(fig, ax, y_end, th, height_mm)
    freeze_layout(fig)
    texts = place_share_labels(ax, segs, size=label_size(th), core=core, outside=small_shares)
    share_ticks(ax, core, diverging=True)
    data = tidy.drop(columns=["_li"])[["dimension", "item", "item_label", "level",
                                       "level_label", "share", "n"]]
    data = mark_labelled(data.reset_index(drop=True), texts, rows, levels)
    fig.cx_data = data
    return fig


# ----------------------------------------------------------------------------- stacked bars
@redrawable
def stacked_bars(
    data,
    *,
    outcome: str | None = None,
    group: str | None = None,
    value: str | None = None,
    weights=None,
    outcome_levels=None,
    group_levels=None,
    labels=None,
    group_labels: dict | None = None,
    show_n: bool = True,
    wrap: int | None = None,
    legend_title: str | None = None,
    width=None,
    height_mm: float | None = None,
    synthetic: bool | None = None,
    source: str | None = None,
    note: str | None = None,
    title: str | None = None,
    codebook=None,
    lang: str = "en",
    xlim: tuple[float, float] | None = None,
    small_shares: str = "omit",
):
    """100% stacked bars of an ordered outcome by an (ordered) group, e.g. loyalty by
    omnichannel maturity stage.

    Parameters
    ----------
    data : DataFrame or Wave
        Tidy shares (one row per group and outcome level, shares in ``value``, default
        ``estimate``; each group adding up to 1 or 100) or respondents (no ``value`` column:
        ``outcome`` and ``group`` are then columns of answers and weighted row shares are
        computed here, weights from ``weights=`` or the Wave's codebook).
    outcome, group : str
        Columns of the outcome level and the group (tidy defaults: ``level`` and the first
        other non-statistic column).
    outcome_levels, group_levels : list, optional
        Orders (default: categorical order, else order of appearance / sorted codes).
    labels : list or dict, optional
        Legend labels of the outcome levels. ``group_labels`` renames groups.
    show_n : bool
        Append "(n = ...)" to group labels when counts are known.
    width, height_mm, synthetic, source, note, title, small_shares
        As for :func:`agreement_bars`.
    codebook, lang
        Group and outcome level labels, and the legend title, from the codebook (default: the
        Wave's) in language ``lang``; ``labels``/``group_labels``/``legend_title`` override.
    xlim : (float, float), optional
        The percent axis range (default 0-100).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.cx_data`` holds ``group, level, level_label, share`` (percent), ``n`` and
        ``labelled`` (whether the share's number is written on the bar).

    Notes
    -----
    Colours come from the sequential palette (lowest level lightest). An unordered
    categorical outcome draws an ``UnorderedCategoryWarning``. Labels as in
    :func:`agreement_bars` (chips to the right of the bar when a share does not fit).

    References
    ----------
    Robbins, N. B. (2013). Creating More Effective Graphs. Chart House.

    Examples
    --------
    >>> import pandas as pd, cxresearch as cx
    >>> df = pd.DataFrame({"group": ["low"] * 3 + ["high"] * 3, "level": ["no", "some", "yes"] * 2,
    ...                    "estimate": [.5, .3, .2, .2, .3, .5]})
    >>> fig = cx.stacked_bars(df, outcome="level", group="group")
    >>> # In R: ggplot(d, aes(group, share, fill = level)) + geom_col(position = "fill")
    """
    th = current_theme()
    src = data
    df = to_frame(data)
    synth = is_synthetic(synthetic, data, df)
    names = labeller(codebook, lang, None, data)
    xlim = check_xlim(xlim)
    _check_small(small_shares)
    with th:
        vcol = find_column(df, value, ("estimate", "share", "proportion", "percent"), "value",
                           required=False)
        if vcol is None:
            if outcome is None or group is None:
                raise ValueError("respondent data needs outcome= and group= column names")
            for nm, c in (("outcome", outcome), ("group", group)):
                if c not in df.columns:
                    raise ValueError(f"{nm}={c!r} is not a column of the data")
            tidy, olv, glv = _stacked_from_respondents(df, src, outcome, group, weights,
                                                       outcome_levels, group_levels)
        else:
            outcome = find_column(df, outcome, ("level", "outcome"), "outcome")
            skip = set({outcome, vcol, "synthetic", "measure", "item", "term"}) | set(
                ("se", "ci_low", "ci_high", "n", "n_eff", "deff", "method"))
            group = find_column(df, group, [c for c in df.columns if c not in skip], "group")
            tidy, olv, glv = _stacked_from_tidy(df, outcome, group, vcol, outcome_levels,
                                                group_levels)
        # the outcome item: the respondent column, or a tidy table's one ``item``
        o_item = outcome if vcol is None else (
            str(df["item"].iloc[0]) if "item" in df.columns and df["item"].nunique() == 1
            else outcome)
        if names.inst is not None:
            group_labels = {**{g: names.level(group, g) for g in glv}, **(group_labels or {})}
            if legend_title is None and names._item(o_item) is not None:
                legend_title = names.item(o_item)
        lab = _labels(labels, olv, names if names.inst is not None else None, o_item)
        return _draw_stacked(th, tidy, olv, glv, lab, group_labels, show_n,
                             default_wrap(wrap, th, width),
                             legend_title, width, height_mm, synth, source, note, title,
                             xlim=xlim, small_shares=small_shares)


def _order(col: pd.Series, given, what):
    if given is not None:
        given = list(given)
        unknown = set(col.dropna()) - set(given)
        if unknown:
            raise ValueError(f"{what} does not list {sorted(map(str, unknown))}")
        return given
    if isinstance(col.dtype, pd.CategoricalDtype):
        if not col.cat.ordered and what == "outcome_levels":
            warnings.warn(f"the outcome {col.name!r} is an unordered categorical; stacked_bars "
                          "draws it in category order with a sequential palette",
                          UnorderedCategoryWarning, stacklevel=4)
        return [c for c in col.cat.categories if c in set(col.dropna())] or list(
            col.cat.categories)
    if pd.api.types.is_numeric_dtype(col):
        return sorted(col.dropna().unique())
    return list(pd.unique(col.dropna()))


def _stacked_from_tidy(df, outcome, group, vcol, outcome_levels, group_levels):
    olv = _order(df[outcome], outcome_levels, "outcome_levels")
    glv = _order(df[group], group_levels, "group_levels")
    vals = pd.to_numeric(df[vcol], errors="coerce")
    if vals.isna().any() or (vals < 0).any():
        raise ValueError(f"column {vcol!r} must hold non-negative shares without missing values")
    factor = as_percent(vals, vals.groupby(df[group], sort=False).sum(), "group")
    tidy = pd.DataFrame({"group": df[group], "level": df[outcome], "share": vals * factor,
                         "n": df["n"] if "n" in df.columns else np.nan})
    return tidy, olv, glv


def _stacked_from_respondents(df, src, outcome, group, weights, outcome_levels, group_levels):
    w = resolve_weights(df, weights, src)
    olv = _order(df[outcome], outcome_levels, "outcome_levels")
    glv = _order(df[group], group_levels, "group_levels")
    rows = []
    for g in glv:
        mask = (df[group] == g).fillna(False).to_numpy(dtype=bool) & df[outcome].notna().to_numpy()
        tot = w[mask].sum()
        for lv in olv:
            hit = mask & (df[outcome] == lv).fillna(False).to_numpy(dtype=bool)
            rows.append({"group": g, "level": lv, "share": 100 * w[hit].sum() / tot if tot
                         else 0.0, "n": int(mask.sum())})
    return pd.DataFrame(rows), olv, glv


def _draw_stacked(th, tidy, olv, glv, lab, group_labels, show_n, wrap, legend_title, width,
                  height_mm, synth, source, note, title, *, xlim=None, small_shares="omit"):
    colors = sequential_palette(len(olv))
    gl = group_labels or {}
    entries = []
    for g in glv:
        text = str(gl.get(g, pretty(g)))
        n = tidy.loc[tidy["group"] == g, "n"].dropna()
        if show_n and len(n):
            text += f" (n\u00a0=\u00a0{int(n.iloc[0]):,})"
        entries.append(("item", g, wrap_label(text, wrap), False))
    pos, ticklabels, y_end = row_positions(th, entries)
    fig = new_figure(th, width=width, height_pt=y_end * pitch_pt(th) + 160)
    legend_top(fig, th, colors, lab, title=legend_title)
    ax = fig.add_subplot()
    segs = []
    for yy, g in zip(pos, glv, strict=True):
        sub = tidy[tidy["group"] == g].set_index("level")["share"]
        share = np.array([float(sub.get(lv, 0.0)) for lv in olv])
        lefts = np.concatenate([[0], np.cumsum(share)[:-1]])
        ax.barh(yy, share, left=lefts, height=_BAR_HEIGHT, color=colors, linewidth=0)
        for i in range(len(olv)):
            side = -1 if lefts[i] + share[i] / 2 < 50 else 1
            segs.append({"y": yy, "left": lefts[i], "width": share[i], "share": share[i],
                         "color": colors[i], "side": side, "order": i, "bar_left": 0.0,
                         "bar_right": float(share.sum())})
    segs = pd.DataFrame(segs)
    ax.set_yticks(pos, ticklabels)
    ax.tick_params(axis="y", length=0)
    ax.spines[["left"]].set_visible(False)
    ax.set_ylim(y_end, 0)
    core = (0.0, 100.0) if xlim is None else (min(xlim[0], 0.0), max(xlim[1], 100.0))
    ax.set_xlim(*core)
    ax.set_xticks([0, 50, 100])
    ax.set_xlabel("% within group")
    finish(fig, th, data=None, synthetic=synth, source=source, note=note, title=title,
           chart="stacked_bars")
    fit_height(fig, ax, y_end, th, height_mm)
    freeze_layout(fig)
    texts = place_share_labels(ax, segs, size=label_size(th), core=core, outside=small_shares)
    share_ticks(ax, core, diverging=False)
    data = tidy.copy()
    data["level_label"] = [lab[olv.index(v)] for v in data["level"]]
    data = data[["group", "level", "level_label", "share", "n"]].reset_index(drop=True)
    fig.cx_data = mark_labelled(data, texts, list(zip(glv, pos, strict=True)), olv,
                                 key="group")
    return fig
