"""Charts drawn again at another size: a tall journal figure laid out anew for a slide.

:func:`redrawable` wraps the public chart functions so that the figure they return remembers
its call (``fig.cx_redraw(width=..., height_mm=...)``); ``save_figure`` uses it to write a
``<name>_slide.png`` at ``SLIDE_WIDTH_MM`` for a deck instead of shrinking a tall figure.

Examples
--------
>>> import cxresearch as cx  # doctest: +SKIP
>>> fig = cx.agreement_bars(wave, items=items)            # 85 mm wide, tall  # doctest: +SKIP
>>> wide = fig.cx_redraw(width=250)                       # the same chart, slide-wide  # doctest: +SKIP
>>> # In R: ggsave(p, width = 250, units = "mm") redraws a ggplot at any size
"""

from __future__ import annotations

import functools

from matplotlib.figure import Figure

__all__ = ["SLIDE_WIDTH_MM", "redrawable"]

SLIDE_WIDTH_MM = 250.0   # a slide's content area at the theme's point sizes (12.5 in ~ 1.27x)


def redrawable(func):
    """Decorator of chart functions: the figure remembers how to draw itself again at another
    size (``fig.cx_redraw(width=..., height_mm=...)``), so that ``save_figure`` can lay a tall
    journal figure out again for a landscape slide instead of a deck shrinking it."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        fig = func(*args, **kwargs)
        if isinstance(fig, Figure):
            fig.cx_redraw = functools.partial(_redraw, func, args, dict(kwargs))
        return fig

    return wrapper


def _redraw(func, args, kwargs, **override):
    kw = {**kwargs, **override}
    if "width" in override and "height_mm" not in override:
        kw.pop("height_mm", None)        # the height follows the new width
    return func(*args, **kw)
