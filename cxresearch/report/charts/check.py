"""Checks of a drawn figure's text: labels that overlap each other or run off the canvas.

:func:`text_problems` draws the figure and compares the bounding boxes of every visible text
(tick labels, axis labels, titles, legend texts, annotations, footers). ``save_figure``
records what it finds in the manifest entry (``figure.text_problems``), so a test can check
every figure a run saved.

Examples
--------
>>> import matplotlib.pyplot as plt
>>> from cxresearch.report.charts.check import text_problems
>>> fig, ax = plt.subplots()
>>> _ = ax.text(0.5, 0.5, "one"); _ = ax.text(0.5, 0.5, "two")
>>> [p["kind"] for p in text_problems(fig)]
['overlap']
>>> # In R: no equivalent in ggplot2; ggrepel avoids overlaps when drawing
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.text import Text

__all__ = ["text_problems"]


def _undrawn_ticks(fig: Figure) -> set[int]:
    """Ids of tick labels matplotlib does not draw (ticks outside the view limits)."""
    every, drawn = set(), set()
    for ax in fig.axes:
        for axis in ax._axis_map.values():
            for tick in axis.majorTicks + axis.minorTicks:
                every.update((id(tick.label1), id(tick.label2)))
            for tick in axis._update_ticks():
                drawn.update((id(tick.label1), id(tick.label2)))
    return every - drawn


def _texts(fig: Figure):
    seen = _undrawn_ticks(fig)
    for t in fig.findobj(Text):
        if id(t) in seen or not t.get_visible() or not t.get_text().strip():
            continue
        if t.axes is not None and not t.axes.get_visible():
            continue
        seen.add(id(t))
        yield t


def _clipped_out(t: Text, renderer) -> bool:
    """A tick label or text outside its axes' view (matplotlib does not draw it)."""
    if t.get_clip_on() and t.axes is not None and t.get_clip_box() is not None:
        bb = Text.get_window_extent(t, renderer)
        return not bb.overlaps(t.get_clip_box())
    return False


def text_problems(fig: Figure, *, tolerance_pt: float = 1.0) -> list[dict]:
    """Overlapping texts and texts running off the canvas.

    Parameters
    ----------
    fig : Figure
    tolerance_pt : float
        Overlaps and overhangs smaller than this (points) are ignored (glyph boxes include
        some blank space).

    Returns
    -------
    list of dict
        ``{"kind": "overlap" | "off canvas", "text": ..., "other": ...}``, empty when the
        figure is clean.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    tol = tolerance_pt * fig.dpi / 72
    W, H = fig.bbox.width, fig.bbox.height
    boxes = []
    out = []
    for t in _texts(fig):
        if _clipped_out(t, renderer):
            continue
        bb = Text.get_window_extent(t, renderer)   # an annotation's text, not its arrow
        if bb.width <= 0 or bb.height <= 0:
            continue
        label = t.get_text().replace("\n", " ")[:60]
        if bb.x0 < -tol or bb.y0 < -tol or bb.x1 > W + tol or bb.y1 > H + tol:
            out.append({"kind": "off canvas", "text": label, "other": None})
        boxes.append((bb, label, t))
    for i in range(len(boxes)):
        a, la, ta = boxes[i]
        for j in range(i + 1, len(boxes)):
            b, lb, tb = boxes[j]
            w = min(a.x1, b.x1) - max(a.x0, b.x0)
            h = min(a.y1, b.y1) - max(a.y0, b.y0)
            same = la == lb and max(abs(a.x0 - b.x0), abs(a.y0 - b.y0),
                                    abs(a.x1 - b.x1), abs(a.y1 - b.y1)) < 0.5
            if w > tol and h > tol and not same:   # the same text twice reads as once
                out.append({"kind": "overlap", "text": la, "other": lb})
    return out

