"""Shared machinery of the chart functions: figure creation, synthetic-data detection, the
footer (source caption and the visible "Reconstructed (synthetic) data" note), column
look-up, and share labels that never overlap (inside a segment when they fit, otherwise as
colour chips beside the bar).

Figures are built with :class:`matplotlib.figure.Figure` (not pyplot), so charts work headless
and do not pile up in pyplot's figure registry; in IPython/JupyterLab a PNG formatter is
registered for them so that a returned figure is shown once.
"""

from __future__ import annotations

import math
import textwrap
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from cxresearch.errors import SingleRespondentWarning
from cxresearch.report.style import INK, MUTED, SYNTHETIC_INK, Theme, lightness
from cxresearch.sampling.design import Design, check_weights
from cxresearch.statistics.estimates.means import mean as estimate_mean
from cxresearch.waves.storage import is_wave

__all__ = [
    "SYNTHETIC_NOTE",
    "finish",
    "find_column",
    "new_figure",
    "place_share_labels",
    "text_color_for",
    "to_frame",
    "wrap_label",
    "above_layout",
    "mark_labelled",
]

SYNTHETIC_NOTE = "Reconstructed (synthetic) data \u2014 not observed responses"


# ----------------------------------------------------------------------------- inputs
def to_frame(data, name: str = "data") -> pd.DataFrame:
    """A DataFrame from a DataFrame, a Wave (``.data``) or a mapping of columns."""
    if isinstance(data, pd.DataFrame):
        return data
    if is_wave(data):
        return data.data
    if isinstance(data, dict):
        return pd.DataFrame(data)
    raise TypeError(f"{name} must be a pandas DataFrame (an estimator's output) or a Wave, "
                    f"got {type(data).__name__}")


def find_column(df: pd.DataFrame, given: str | None, candidates: Sequence[str], what: str,
                required: bool = True) -> str | None:
    """The column named ``given`` or the first of ``candidates`` present."""
    if given is not None:
        if given not in df.columns:
            raise ValueError(f"{what}={given!r} is not a column; columns are {list(df.columns)}")
        return given
    for c in candidates:
        if c in df.columns:
            return c
    if required:
        raise ValueError(f"no {what} column found: pass {what}=<column>; looked for "
                         f"{list(candidates)} in {list(df.columns)}")
    return None


def wrap_label(text, width: int | None) -> str:
    text = "" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text)
    if not width or len(text) <= width:
        return text
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=True)) or text


def text_color_for(face) -> str:
    """Black or white text, whichever reads better on ``face``."""
    return "white" if lightness(face) < 58 else INK


# ----------------------------------------------------------------------------- figures
def _register_ipython() -> None:
    """Show bare Figures in IPython/JupyterLab (pyplot normally does this)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of the notebooks only
        return
    ip = get_ipython()
    if ip is None:
        return
    fmt = ip.display_formatter.formatters.get("image/png")
    if fmt is None:
        return
    try:
        fmt.lookup_by_type(Figure)
        return  # already registered (e.g. by the inline backend)
    except KeyError:
        pass
    from IPython.core.pylabtools import print_figure

    fmt.for_type(Figure, lambda fig: print_figure(fig, "png", dpi=150))


def new_figure(th: Theme, width=None, height_pt: float | None = None,
               aspect: float = 0.62, height_mm: float | None = None) -> Figure:
    """A Figure of physical size at the theme's (or ``width``) column width."""
    if height_mm is None and height_pt is not None:
        height_mm = height_pt / 72 * 25.4
    fig = Figure(figsize=th.figsize(height_mm=height_mm, aspect=aspect, width=width),
                 layout="constrained")
    FigureCanvasAgg(fig)
    _register_ipython()
    return fig


def _wrap_measured(fig: Figure, text: str, size: float, avail_pt: float, **kw) -> list[str]:
    """Greedy word wrap measured with the renderer (so it is right for any font)."""
    renderer = fig.canvas.get_renderer()
    lines: list[str] = []
    cur = ""
    for word in text.split():
        trial = f"{cur} {word}".strip()
        if cur and _text_width_pt(fig, renderer, trial, size, **kw)[0] > avail_pt:
            lines.append(cur)
            cur = word
        else:
            cur = trial
    if cur:
        lines.append(cur)
    return lines


def _footer_lines(fig: Figure, source: str | None, note: str | None, synthetic: bool,
                  size: float) -> list[tuple[str, dict]]:
    avail = fig.get_figwidth() * 72 * 0.98 - 4
    lines: list[tuple[str, dict]] = []
    if synthetic:
        kw = {"color": SYNTHETIC_INK, "fontweight": "bold"}
        for ln in _wrap_measured(fig, SYNTHETIC_NOTE, size, avail, fontweight="bold"):
            lines.append((ln, kw))
    text = " ".join(t for t in [f"Source: {source.rstrip('.')}." if source else None, note] if t)
    for ln in _wrap_measured(fig, text, size, avail):
        lines.append((ln, {"color": MUTED}))
    return lines


def finish(fig: Figure, th: Theme, *, data: pd.DataFrame | None, synthetic: bool,
           source: str | None = None, note: str | None = None, title: str | None = None,
           chart: str = "") -> Figure:
    """Footer (synthetic note first, then source), title, and provenance attributes.

    The footer height is reserved in the constrained layout, so it never overlaps the axes.
    Attributes set on the figure: ``cx_data`` (the tidy data behind it, written as CSV by
    ``save_figure``), ``cx_synthetic``, ``cx_chart``.
    """
    size = th.small
    lines = _footer_lines(fig, source, note, synthetic, size)
    h_in = fig.get_figheight()
    line_h = size * 1.45 / 72
    foot = (len(lines) * line_h + (3 / 72 if lines else 0)) / h_in
    top = 0.0
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontsize=th.large, fontweight="bold", color=INK)
    for i, (text, kw) in enumerate(lines):
        y = (2 / 72 + (len(lines) - 1 - i) * line_h) / h_in
        fig.text(0.01, y, text, ha="left", va="bottom", fontsize=size, gid="cx_footer", **kw)
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set") and lines:
        try:
            engine.set(rect=(0, foot, 1, 1 - foot - top))
        except TypeError:  # pragma: no cover - matplotlib < 3.7 has no rect
            pass
    fig.cx_data = None if data is None else data.reset_index(drop=True)
    fig.cx_synthetic = bool(synthetic)
    fig.cx_chart = chart
    return fig


def fit_xlabels(fig: Figure) -> None:
    """Wrap x-axis labels that are wider than their axes (constrained layout does not move
    axes sideways for a long centred label, so it would run off the figure)."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        lab = ax.xaxis.label
        text = lab.get_text().replace("\n", " ")
        if not text:
            continue
        avail = ax.get_window_extent(renderer).width * 72 / fig.dpi
        if lab.get_window_extent(renderer).width * 72 / fig.dpi > avail:
            lines = _wrap_measured(fig, text, lab.get_fontsize(), avail)
            lab.set_text("\n".join(lines))


def freeze_layout(fig: Figure, rounds: int = 1) -> None:
    """Run the layout a few times, then fix the axes positions (label placement depends on
    the axes' size, so the layout must not move afterwards)."""
    for _ in range(rounds):
        fig.draw_without_rendering()
    fig.set_layout_engine("none")


# ----------------------------------------------------------------------------- share labels
def _text_width_pt(fig: Figure, renderer, text: str, size: float, **kw) -> tuple[float, float]:
    t = fig.text(0, 0, text, fontsize=size, **kw)
    bb = t.get_window_extent(renderer)
    t.remove()
    return bb.width * 72 / fig.dpi, bb.height * 72 / fig.dpi


def format_share(p: float) -> str:
    """A share in percent as a label: whole numbers, ``<1`` for (0, 0.5)."""
    if p <= 0:
        return "0"
    if p < 0.5:
        return "<1"
    if p > 99.5 and p < 100:
        return ">99"
    return f"{int(np.floor(p + 0.5))}"


def place_share_labels(ax, segments: pd.DataFrame, *, size: float, core: tuple[float, float],
                       symmetric: bool = False, pad_pt: float = 1.5, gap_pt: float = 2.0,
                       chip_pad_pt: float = 1.2, show_zero: bool = False,
                       outside: str = "omit") -> list:
    """Label the segments of horizontal stacked bars without overlaps.

    ``segments`` has one row per segment: ``y``, ``left``, ``width`` (data units), ``share``
    (percent), ``color``, ``side`` (-1: chips go left of the bar's left end, +1: right of its
    right end), ``bar_left``, ``bar_right`` (the extent of the whole bar at that ``y``) and
    ``order`` (position along the bar). A label goes inside its segment when its text plus
    padding fits. Otherwise, with ``outside="omit"``, it is not drawn (the chart's data keeps
    it); with ``outside="beside"`` it is written in plain ink beside the bar (no coloured patch,
    which a reader could take for another segment), side by side in points, so the numbers can
    neither overlap each other nor the bar; the x-limits are then set so that every one is
    inside the axes. Returns the list of Text artists (gid ``cx_share`` / ``cx_share_beside``),
    each with ``cx_y`` and ``cx_order`` (the segment it labels).
    """
    if outside not in ("omit", "beside"):
        raise ValueError(f"outside must be 'omit' or 'beside', got {outside!r}")
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    seg = segments.copy()
    seg = seg[(seg["share"] > 0) | show_zero].reset_index(drop=True)
    seg["text"] = [format_share(p) for p in seg["share"]]
    widths = {t: _text_width_pt(fig, renderer, t, size)[0] for t in set(seg["text"])}
    seg["tw"] = [widths[t] for t in seg["text"]]
    lo, hi = core
    pad = 0.01 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    if symmetric:
        m = max(abs(lo), abs(hi))
        lo, hi = -m, m
    ax_w = ax.get_window_extent(renderer).width * 72 / fig.dpi
    inside = np.ones(len(seg), dtype=bool)
    left_m = right_m = 0.0
    chip_w = seg["tw"] + 2 * chip_pad_pt + gap_pt

    def margins(out: np.ndarray, scale: float) -> tuple[float, float]:
        # chips sit beside their own bar: they need margin only beyond the free room there
        lm = rm = 0.0
        for side in (-1, 1):
            sel = out & (seg["side"] == side).to_numpy()
            if not sel.any():
                continue
            need = chip_w[sel].groupby(seg["y"][sel]).sum() + gap_pt
            end = seg[sel].groupby("y")["bar_left" if side < 0 else "bar_right"].first()
            room = (end - lo) / scale if side < 0 else (hi - end) / scale
            extra = float((need - room).clip(lower=0).max())
            if side < 0:
                lm = extra
            else:
                rm = extra
        return lm, rm

    for _ in range(12):
        scale = (hi - lo) / max(ax_w - left_m - right_m, ax_w * 0.25)  # data per point
        new_inside = ((seg["tw"] + 2 * pad_pt) * scale <= seg["width"]).to_numpy()
        lm, rm = margins(~new_inside, scale) if outside == "beside" else (0.0, 0.0)
        stable = bool((new_inside == inside).all()) and abs(lm - left_m) < 0.01 \
            and abs(rm - right_m) < 0.01
        inside, left_m, right_m = new_inside, lm, rm
        if stable:
            break
    scale = (hi - lo) / max(ax_w - left_m - right_m, ax_w * 0.25)
    ax.set_xlim(lo - left_m * scale, hi + right_m * scale)
    texts = []
    for i, r in seg.iterrows():
        if inside[i]:
            t = ax.text(r["left"] + r["width"] / 2, r["y"], r["text"], ha="center", va="center",
                        fontsize=size, color=text_color_for(r["color"]), gid="cx_share",
                        clip_on=False)
            t.cx_y, t.cx_order = r["y"], r["order"]
            texts.append(t)
    if outside == "omit":
        return texts
    for (y, side), grp in seg[~inside].groupby(["y", "side"], sort=False):
        grp = grp.sort_values("order", ascending=(side > 0))
        offset = gap_pt
        for _, r in grp.iterrows():
            w = r["tw"] + 2 * chip_pad_pt
            x0 = r["bar_right"] if side > 0 else r["bar_left"]
            centre = side * (offset + w / 2)
            t = ax.annotate(
                r["text"], xy=(x0, y), xytext=(centre, 0), textcoords="offset points",
                ha="center", va="center", fontsize=size, color=MUTED,
                gid="cx_share_beside", annotation_clip=False)
            t.cx_y, t.cx_order = r["y"], r["order"]
            texts.append(t)
            offset += w + gap_pt
    return texts


def mark_labelled(data, texts, rows, levels, key="item", level_key="level"):
    """Add ``labelled``: whether the share's number is written on the figure."""
    done = {(t.cx_y, t.cx_order) for t in texts if hasattr(t, "cx_y")}
    ypos = dict(rows)
    order = {lv: i for i, lv in enumerate(levels)}
    data["labelled"] = [(ypos.get(k), order.get(lv)) in done
                        for k, lv in zip(data[key], data[level_key], strict=True)]
    return data


def above_layout(fig, th, entries, wrap):
    """Rows with the label on its own line(s) above the bar: (bar positions, labels, end).

    Labels are wrapped to the figure width (measured) unless ``wrap`` is given.
    """
    pitch = pitch_pt(th)
    avail = fig.get_figwidth() * 72 - 10
    line = th.small * 1.22
    y, bars, labels = 0.1, [], []
    for kind, key, text, gap in entries:
        size = th.font_size if kind == "heading" else th.small
        flat = text.replace("\n", " ")
        lines = wrap_label(flat, wrap).split("\n") if wrap else _wrap_measured(
            fig, flat, size, avail, fontweight="bold" if kind == "heading" else "normal")
        if kind == "heading":
            y += 0.45 if gap else 0.0
            h = (len(lines) * size * 1.22 + 2) / pitch
            labels.append((y + h, "\n".join(lines), kind))
            y += h
        else:
            kb = (len(lines) * line + 1) / pitch
            labels.append((y + kb, "\n".join(lines), kind))
            bars.append((key, y + kb + 0.5))
            y += kb + 1
    return bars, labels, y + 0.1


# ----------------------------------------------------------------------------- row layout
_ACRONYMS = {"ai", "aht", "b2b", "b2c", "ceo", "ces", "cfo", "cio", "clv", "cmo", "coo", "crm",
             "csat", "cto", "cx", "dcx", "eu", "fcr", "it", "ivr", "kpi", "kpis", "nps", "roi",
             "sms", "uk", "us", "ux", "vp", "voc"}


def _acronym(word: str) -> str:
    w = word.lower()
    if w not in _ACRONYMS:
        return word
    return "KPIs" if w == "kpis" else w.upper()


def pretty(value) -> str:
    """Display text of a snake_case value: ``top_trends__digital_cx`` -> "Top trends: digital
    CX"; text that already has spaces only gets a capital first letter."""
    s = str(value)
    if " " not in s and "_" in s:
        parts = s.split("__")
        words = [[_acronym(w) for w in p.split("_") if w] for p in parts]
        s = ": ".join(" ".join(w) for w in words if w)
    elif " " not in s and s.lower() in _ACRONYMS:
        s = _acronym(s)
    return s[:1].upper() + s[1:]


def _legend_ncols(fig, th, labels, handle_pt, gap: float = 1.0) -> int:
    renderer = fig.canvas.get_renderer()
    widths = [max(_text_width_pt(fig, renderer, ln, th.small)[0] for ln in lab.split("\n"))
              + handle_pt for lab in labels]
    avail = fig.get_figwidth() * 72 - 12
    for c in range(len(labels), 0, -1):
        rows = math.ceil(len(labels) / c)
        cols = [max(widths[i * c + j] for i in range(rows) if i * c + j < len(widths))
                for j in range(c)]
        if sum(cols) + th.small * gap * (c - 1) <= avail:
            return c
    return 1


def _row_major(items: list, ncol: int) -> list:
    """Reorder so that matplotlib's column-wise legend fill reads row by row."""
    n = len(items)
    sizes = [len(a) for a in np.array_split(np.arange(n), ncol)]
    out = []
    for j in range(ncol):
        out.extend(items[i * ncol + j] for i in range(sizes[j]))
    return out


def legend_top(fig, th, colors, labels, title=None, handles=None, wrap: int = 18):
    """A legend above the axes in the order given (a scale's order), on one row when the
    labels fit it once wrapped to two or three short lines (compact handles), else as many
    columns as fit the figure width, read row by row. ``handles`` (artists) replace the
    colour patches built from ``colors``."""
    raw = ["" if lab is None else str(lab) for lab in labels]
    compact = {"handlelength": 1.0, "handletextpad": 0.35, "columnspacing": 0.7}
    handle_pt = th.small * (1.0 + 0.35) + 2
    n = len(raw)
    chosen = None
    if 1 < n <= 7:
        for w in sorted({wrap, 16, 14, 12, 10, 9}, reverse=True):
            cand = [wrap_label(lab, w) for lab in raw]
            if max(c.count("\n") for c in cand) > 2:
                continue
            if _legend_ncols(fig, th, cand, handle_pt, gap=0.7) == n:
                chosen = cand
                break
    if chosen is not None:
        labels, ncol = chosen, n
    else:
        labels = [wrap_label(lab, wrap) for lab in raw]
        ncol = _legend_ncols(fig, th, labels, handle_pt=handle_pt, gap=0.7)
    if handles is None:
        handles = [Patch(facecolor=c, edgecolor="none") for c in colors]
    pairs = _row_major(list(zip(handles, labels, strict=True)), ncol)
    return fig.legend([p[0] for p in pairs], [p[1] for p in pairs], loc="outside upper center",
                      ncols=ncol, title=title, title_fontsize=th.small, fontsize=th.small,
                      **compact)


def label_size(th) -> float:
    """Size of the share numbers on bars: a step below the tick labels, never under 6 pt."""
    return max(round(th.small - 0.5, 2), 6.0)


def default_wrap(wrap, th, width) -> int:
    if wrap is not None:
        return wrap
    w = th.width_mm if width is None else (180.0 if width == "double" else
                                          85.0 if width == "single" else float(width))
    return 24 if w < 120 else 44


def pitch_pt(th) -> float:
    """Height of a one-line row: a bar plus room for a share chip above and below."""
    return max(th.small * 2.1, label_size(th) * 1.3 + 8)


def row_positions(th, entries):
    """Centres of rows of varying height (in units of one-line rows), top to bottom.

    ``entries`` are ``(kind, key, text, gap_before)``; returns positions, texts and the end.
    """
    pitch = pitch_pt(th)
    pos, texts, y = [], [], 0.15
    for kind, _key, text, gap in entries:
        lines = text.count("\n") + 1
        h = max(1.0, (lines * th.small * 1.22 + 4) / pitch)
        if kind == "heading":
            y += 0.45 if gap else 0.0
            h = max(h, 0.9)
        pos.append(y + h / 2)
        texts.append(text)
        y += h
    return pos, texts, y + 0.15


def fit_height(fig, ax, units: float, th, height_mm) -> None:
    """Set the figure height so that one row unit is one pitch (unless ``height_mm``);
    ``ax`` may be one Axes or a list whose heights add up. Long x labels are wrapped first."""
    axes = ax if isinstance(ax, (list, tuple)) else [ax]
    fit_xlabels(fig)
    if height_mm is not None:
        fig.set_size_inches(fig.get_figwidth(), height_mm / 25.4)
        return
    want = units * pitch_pt(th)
    fig.draw_without_rendering()
    have = sum(a.get_window_extent().height for a in axes) * 72 / fig.dpi
    h = fig.get_figheight() + (want - have) / 72
    fig.set_size_inches(fig.get_figwidth(), max(h, 1.0))


def share_ticks(ax, core, diverging: bool) -> None:
    """Percent ticks inside the bars' range, at least ~22 pt apart."""
    lo, hi = ax.get_xlim()
    pts = ax.get_window_extent().width * 72 / ax.figure.dpi
    per_pt = (hi - lo) / pts
    step = next((s for s in (5, 10, 20, 25, 50, 100) if s / per_pt >= 22), 100)
    first = -math.floor(-core[0] / step + 1e-9) * step
    tk = np.arange(first, core[1] + 1e-9, step)
    if 0 not in tk:
        tk = np.sort(np.append(tk, 0.0))
    ax.set_xticks(tk, [f"{abs(int(round(t)))}" for t in tk])
    ax.spines["bottom"].set_bounds(tk[0], tk[-1])


# ----------------------------------------------------------------------------- shares from data
def resolve_weights(df: pd.DataFrame, weights, source) -> np.ndarray:
    """Weights from a column name or an array; for a Wave without ``weights=``, the weights of
    ``wave.design()`` (the same rule as the estimators: an all-missing optional weight column
    means unit weights), else the codebook's weight column; otherwise 1."""
    if weights is None and is_wave(source):
        try:
            w = np.asarray(source.design().weights, dtype=float)
        except Exception:  # noqa: BLE001 - no usable design: fall back to the codebook column
            w = None
        if w is not None and w.shape == (len(df),) and np.all(np.isfinite(w)) and np.all(w >= 0):
            return w
    if weights is None and is_wave(source):
        try:
            weights = source.instrument.design_columns().get("weights")
        except Exception:  # noqa: BLE001 - a codebook without design columns: unit weights
            weights = None
        if weights is not None and (weights not in df.columns or df[weights].isna().all()):
            weights = None
    if weights is None:
        return np.ones(len(df))
    w = df[weights] if isinstance(weights, str) else pd.Series(np.asarray(weights, dtype=float))
    if isinstance(weights, str) and weights not in df.columns:
        raise ValueError(f"weights={weights!r} is not a column of the data")
    w = check_weights(w, "row")
    if len(w) != len(df):
        raise ValueError(f"weights has {len(w)} values for {len(df)} rows")
    return w


def instrument_item(source, item_id):
    inst = getattr(source, "instrument", None)
    items = getattr(inst, "items", None)
    if items is None:
        return None
    try:
        return items[item_id]
    except (KeyError, TypeError):
        return None


def level_info(source, item_id, lang):
    """(codes/values in order, labels) from the codebook, or None."""
    it = instrument_item(source, item_id)
    levels = getattr(it, "levels", None) if it is not None else None
    if not levels:
        return None
    codes = [lv.code for lv in levels]
    labels = [(lv.labels or {}).get(lang) or (lv.labels or {}).get("en") or lv.value
              for lv in levels]
    return codes, [lv.value for lv in levels], labels


def weighted_shares(df, columns, w, levels):
    """Share (percent) of each level of each item among those who answered it, through the
    estimator (``cx.mean`` of the level's indicator under the weights: the same number
    ``cx.proportion`` gives), so that charts do no weighted arithmetic of their own."""
    rows = []
    for col in columns:
        x = df[col]
        ok = x.notna().to_numpy()
        n = int(ok.sum())
        if not n or not w[ok].sum():
            # an item nobody answered gets an empty bar (shares 0), not NaN
            rows += [{"col": col, "level": lv, "share": 0.0, "n": n} for lv in levels]
            continue
        ind = {f"l{i}": np.where(ok, (x == lv).fillna(False).to_numpy(dtype=bool), np.nan)
               for i, lv in enumerate(levels)}
        frame = pd.DataFrame(ind).assign(_w=w)
        with warnings.catch_warnings():  # a chart draws the share only, not its SE
            warnings.simplefilter("ignore", SingleRespondentWarning)
            est = estimate_mean(Design(frame, weights="_w"), list(ind))
        for i, lv in enumerate(levels):
            share = float(est.loc[est["item"] == f"l{i}", "estimate"].iloc[0])
            rows.append({"col": col, "level": lv, "share": 100 * share, "n": n})
    return pd.DataFrame(rows)


def as_percent(shares: pd.Series, totals: pd.Series, what: str) -> float:
    """Factor that turns the shares into percent (1 or 100), checking each total."""
    t = totals.to_numpy(dtype=float)
    if np.all(np.abs(t - 1) <= 0.03):
        return 100.0
    if np.all(np.abs(t - 100) <= 3):
        return 1.0
    bad = totals[(np.abs(t - 1) > 0.03) & (np.abs(t - 100) > 3)]
    raise ValueError(f"the shares of each {what} must add up to 1 (proportions) or 100 "
                     f"(percent); these do not: {bad.round(4).to_dict()}")
