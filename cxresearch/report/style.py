"""House style for publication figures: one typographic scale, colour-blind-safe palettes,
physical figure sizes, no chart junk.

``theme()`` returns a :class:`Theme`, which is both a context manager (``with cx.theme(): ...``
sets the style for the block and restores the previous one) and a global setter
(``cx.theme().apply()`` or ``cx.theme(set_global=True)``). The chart functions in
:mod:`cxresearch.charts` always draw inside the active theme (the innermost ``with`` block,
else the one applied globally, else the default), so figures look the same in JupyterLab, in a
headless run (Agg) and in the reproduce pipeline.

Typography
    DejaVu Sans (it ships with matplotlib, so it exists wherever pip can install the package);
    one scale derived from ``font_size`` (axis labels = ``font_size``, ticks/legend/annotations
    one step smaller, titles one step larger). PDF/PS fonts are embedded as TrueType (Type 42),
    SVG text stays text (``svg.fonttype: none``) so that a designer can edit it.
Sizes
    single column 85 mm, double column 180 mm (:data:`SINGLE_COLUMN_MM`,
    :data:`DOUBLE_COLUMN_MM`); :func:`figure_size` turns them into inches.
Palettes
    :func:`diverging_palette` for agreement scales (orange = disagree, blue = agree, grey
    neutral), :func:`sequential_palette` for ordered stages (one blue hue, light to dark),
    :func:`qualitative_palette` for groups (Okabe & Ito 2008, reordered so that the first
    five differ in lightness). Diverging and sequential colours are built in CIE L*C*h so that
    every colour of a palette has a different lightness: they stay distinguishable when printed
    in greyscale (checked by :func:`greyscale_distinct`, and in the tests).

References
----------
Okabe, M. & Ito, K. (2008). Color Universal Design (CUD): how to make figures and
presentations that are friendly to colorblind people. https://jfly.uni-koeln.de/color/
Brewer, C. A. (2003). ColorBrewer. https://colorbrewer2.org
Heiberger, R. M. & Robbins, N. B. (2014). Design of diverging stacked bar charts for Likert
scales and other applications. Journal of Statistical Software 57(5).

Examples
--------
>>> import cxresearch as cx
>>> with cx.theme(width="double"):
...     pass
>>> cx.theme().figsize(height_mm=60)  # doctest: +ELLIPSIS
(3.34..., 2.36...)
>>> # In R: ggplot2::theme_classic(base_size = 8, base_family = "DejaVu Sans")
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
from matplotlib import colors as mcolors

__all__ = [
    "DOUBLE_COLUMN_MM",
    "OKABE_ITO",
    "SINGLE_COLUMN_MM",
    "Theme",
    "current_theme",
    "diverging_palette",
    "figure_size",
    "greyscale_distinct",
    "lightness",
    "mm",
    "qualitative_palette",
    "sequential_palette",
    "theme",
]

SINGLE_COLUMN_MM = 85.0
DOUBLE_COLUMN_MM = 180.0
_WIDTHS = {"single": SINGLE_COLUMN_MM, "double": DOUBLE_COLUMN_MM}

#: Okabe & Ito (2008), in the order used for groups: the first five have CIE L* of
#: 46, 71, 58, 0 and 89, so they stay apart in greyscale.
OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "bluish_green": "#009E73",
    "black": "#000000",
    "yellow": "#F0E442",
    "vermillion": "#D55E00",
    "sky_blue": "#56B4E9",
    "reddish_purple": "#CC79A7",
}

FONT_FAMILY = "DejaVu Sans"
#: neutral colours used by the charts
INK = "#222222"
MUTED = "#666666"
RULE = "#BBBBBB"
SYNTHETIC_INK = "#9B2F00"


def mm(x: float) -> float:
    """Millimetres to inches."""
    return float(x) / 25.4


def _width_mm(width: str | float) -> float:
    if isinstance(width, str):
        if width not in _WIDTHS:
            raise ValueError(
                f"width must be 'single', 'double' or a number of millimetres, got {width!r}"
            )
        return _WIDTHS[width]
    if isinstance(width, bool) or not isinstance(width, (int, float)) or not width > 0:
        raise ValueError(f"width must be 'single', 'double' or a positive number, got {width!r}")
    return float(width)


def figure_size(
    width: str | float = "single", height_mm: float | None = None, aspect: float = 0.62
) -> tuple[float, float]:
    """Figure size in inches for a journal column.

    Parameters
    ----------
    width : {"single", "double"} or float
        85 mm, 180 mm, or a width in millimetres.
    height_mm : float, optional
        Height in millimetres; default ``aspect`` times the width.
    aspect : float
        Height / width when ``height_mm`` is not given.
    """
    w = _width_mm(width)
    h = float(height_mm) if height_mm is not None else w * aspect
    if not h > 0:
        raise ValueError(f"height_mm must be positive, got {height_mm!r}")
    return mm(w), mm(h)


# ----------------------------------------------------------------------------- colour maths
_WHITE = np.array([0.95047, 1.0, 1.08883])  # D65


def _srgb_to_linear(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _linear_to_srgb(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * np.power(np.clip(c, 0, None), 1 / 2.4) - 0.055)


_M = np.array(
    [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
     [0.0193339, 0.1191920, 0.9503041]]
)


def lightness(color) -> float:
    """CIE L* (0 = black, 100 = white) of a matplotlib colour: its grey level in print."""
    rgb = _srgb_to_linear(np.asarray(mcolors.to_rgb(color), dtype=float))
    y = float(_M[1] @ rgb)
    return 116 * math.cbrt(y) - 16 if y > 216 / 24389 else 24389 / 27 * y


def _lch_to_rgb(L: float, C: float, h: float) -> np.ndarray | None:
    a, b = C * math.cos(math.radians(h)), C * math.sin(math.radians(h))
    fy = (L + 16) / 116
    fx, fz = fy + a / 500, fy - b / 200
    eps, kappa = 216 / 24389, 24389 / 27

    def finv(f):
        return f**3 if f**3 > eps else (116 * f - 16) / kappa

    xyz = np.array([finv(fx), finv(fy) if L > kappa * eps else L / kappa, finv(fz)]) * _WHITE
    rgb = _linear_to_srgb(np.linalg.solve(_M, xyz))
    if np.any(rgb < -1e-6) or np.any(rgb > 1 + 1e-6):
        return None
    return np.clip(rgb, 0, 1)


def _lch(L: float, C: float, h: float) -> str:
    """Hex colour of CIE L*C*h, reducing the chroma until it is inside the sRGB gamut."""
    lo, hi = 0.0, C
    best = _lch_to_rgb(L, 0.0, h)
    if _lch_to_rgb(L, C, h) is not None:
        return mcolors.to_hex(_lch_to_rgb(L, C, h))
    for _ in range(30):
        mid = (lo + hi) / 2
        rgb = _lch_to_rgb(L, mid, h)
        if rgb is None:
            hi = mid
        else:
            lo, best = mid, rgb
    return mcolors.to_hex(best)


def _check_n(n, minimum=1) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"n must be an integer >= {minimum}, got {n!r}")
    return int(n)


def diverging_palette(n: int, neutral: bool | None = None) -> list[str]:
    """Colours for an ``n``-point agreement scale, most negative first.

    Orange/brown for the disagree side, blue for the agree side (the pair that stays apart for
    all three common colour-vision deficiencies), a light grey for the neutral middle category
    (``neutral`` defaults to ``n`` odd). Extremes are darkest; lightness is interleaved
    between the two sides so that all ``n`` colours differ in CIE L* (greyscale print).
    """
    n = _check_n(n, 2)
    neutral = (n % 2 == 1) if neutral is None else bool(neutral)
    k = (n - 1) // 2 if neutral else n // 2
    if neutral and n % 2 == 0 or not neutral and n % 2 == 1:
        raise ValueError(f"a {'neutral' if neutral else 'two-sided'} scale needs "
                         f"{'an odd' if neutral else 'an even'} n, got n={n}")
    lmax, lmin = 80.0, 25.0
    steps = [lmax - j * (lmax - lmin) / max(2 * k - 1, 1) for j in range(2 * k)]
    neg = [_lch(steps[2 * i], 20 + 40 * (i + 1) / k, 55) for i in range(k)]  # mild -> strong
    pos = [_lch(steps[2 * i + 1], 20 + 30 * (i + 1) / k, 255) for i in range(k)]
    mid = [_lch(88.0, 0.0, 0.0)] if neutral else []
    return neg[::-1] + mid + pos


def sequential_palette(n: int) -> list[str]:
    """``n`` colours of one blue hue, light (first, lowest stage) to dark (last)."""
    n = _check_n(n)
    if n == 1:
        return [_lch(45.0, 40.0, 255)]
    lo, hi = (82.0, 22.0) if n > 2 else (72.0, 32.0)
    return [_lch(lo - j * (lo - hi) / (n - 1), 15 + 30 * j / (n - 1), 255) for j in range(n)]


def qualitative_palette(n: int) -> list[str]:
    """``n`` colours for unordered groups (Okabe & Ito), cycling past eight."""
    n = _check_n(n)
    base = list(OKABE_ITO.values())
    return [base[i % len(base)] for i in range(n)]


def greyscale_distinct(colors: Sequence, min_delta: float = 5.0) -> bool:
    """True when every pair of ``colors`` differs by at least ``min_delta`` in CIE L*."""
    ls = sorted(lightness(c) for c in colors)
    return all(b - a >= min_delta for a, b in zip(ls, ls[1:], strict=False))


# ----------------------------------------------------------------------------- the theme
_STACK: list[Theme] = []
_GLOBAL: Theme | None = None


class Theme:
    """A set of matplotlib rcParams plus the sizes the charts use.

    Use as a context manager (restores the previous rcParams on exit) or call
    :meth:`apply` to make it the global style. Attributes ``font_size``, ``small``
    (annotation size), ``width_mm`` and ``rc`` (the rcParams it sets).
    """

    def __init__(self, *, width="single", font_size: float = 8.0, rc: dict | None = None):
        self.width_mm = _width_mm(width)
        if isinstance(font_size, bool) or not isinstance(font_size, (int, float)) or not (
            4 <= font_size <= 24
        ):
            raise ValueError(f"font_size must be a number of points in [4, 24], got {font_size!r}")
        self.font_size = float(font_size)
        self.small = round(self.font_size * 0.875, 2)
        self.large = round(self.font_size * 1.125, 2)
        self.rc = self._rc()
        if rc:
            self.rc.update(rc)
        self._saved: list[dict] = []

    def _rc(self) -> dict:
        fs, small, large = self.font_size, self.small, self.large
        return {
            "font.family": "sans-serif",
            "font.sans-serif": [FONT_FAMILY],
            "mathtext.fontset": "dejavusans",
            # labels come from data (codebooks, respondents): a "$" is a dollar, never
            # mathtext, and TeX is never run on them (issue 12)
            "text.parse_math": False,
            "text.usetex": False,
            "font.size": fs,
            "axes.titlesize": large,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.labelsize": fs,
            "axes.labelcolor": INK,
            "axes.edgecolor": INK,
            "axes.linewidth": 0.6,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": False,
            "axes.axisbelow": True,
            "axes.prop_cycle": mpl.cycler(color=qualitative_palette(8)),
            "axes.formatter.useoffset": False,
            "xtick.labelsize": small,
            "ytick.labelsize": small,
            "xtick.color": INK,
            "ytick.color": INK,
            "xtick.major.width": 0.6,
            "ytick.major.width": 0.6,
            "xtick.major.size": 2.5,
            "ytick.major.size": 2.5,
            "legend.fontsize": small,
            "legend.frameon": False,
            "legend.handlelength": 1.2,
            "legend.handleheight": 0.8,
            "legend.columnspacing": 1.0,
            "legend.borderaxespad": 0.2,
            "figure.titlesize": large,
            "figure.figsize": figure_size(self.width_mm),
            "figure.dpi": 100,
            "figure.facecolor": "white",
            "figure.constrained_layout.use": True,
            "figure.constrained_layout.h_pad": 2 / 72,
            "figure.constrained_layout.w_pad": 2 / 72,
            "lines.linewidth": 1.0,
            "lines.markersize": 4.0,
            "patch.linewidth": 0.0,
            "grid.color": "#E5E5E5",
            "grid.linewidth": 0.5,
            "savefig.dpi": 300,
            "savefig.facecolor": "white",
            "savefig.bbox": None,
            "pdf.fonttype": 42,
            "ps.fonttype": 42,
            "svg.fonttype": "none",
            "svg.hashsalt": "cxresearch",
        }

    def figsize(self, height_mm: float | None = None, aspect: float = 0.62, width=None):
        """Figure size in inches at this theme's width (or ``width``)."""
        return figure_size(self.width_mm if width is None else width, height_mm, aspect)

    def apply(self) -> Theme:
        """Make this theme the global style (until another ``apply``)."""
        global _GLOBAL
        mpl.rcParams.update(self.rc)
        _GLOBAL = self
        return self

    def __enter__(self) -> Theme:
        self._saved.append(mpl.rcParams.copy())
        mpl.rcParams.update(self.rc)
        _STACK.append(self)
        return self

    def __exit__(self, *exc) -> None:
        saved = self._saved.pop()
        if _STACK and _STACK[-1] is self:
            _STACK.pop()
        with _quiet():
            mpl.rcParams.clear()
            mpl.rcParams.update(saved)

    def __repr__(self) -> str:
        return f"Theme(width_mm={self.width_mm:g}, font_size={self.font_size:g})"


class _quiet:
    def __enter__(self):
        import warnings

        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc):
        self._w.__exit__(*exc)


def theme(
    *,
    width: str | float = "single",
    font_size: float = 8.0,
    set_global: bool = False,
    rc: dict | None = None,
) -> Theme:
    """The house style, as a context manager or (``set_global=True``) applied globally.

    Parameters
    ----------
    width : {"single", "double"} or float
        Default figure width: single column (85 mm), double column (180 mm) or millimetres.
    font_size : float
        Base size in points (axis labels); ticks, legends and labels on bars are 7/8 of it.
    set_global : bool
        Apply at once (same as ``theme(...).apply()``).
    rc : dict, optional
        Extra rcParams layered on top.

    Returns
    -------
    Theme

    References
    ----------
    Okabe & Ito (2008); Brewer (2003); see the module docstring.

    Examples
    --------
    >>> import cxresearch as cx
    >>> with cx.theme(width="double") as th:
    ...     th.width_mm
    180.0
    >>> # In R: theme_set(theme_classic(base_size = 8))
    """
    th = Theme(width=width, font_size=font_size, rc=rc)
    if set_global:
        th.apply()
    return th


def current_theme() -> Theme:
    """The innermost active ``with theme()`` block, else the global one, else the default."""
    if _STACK:
        return _STACK[-1]
    if _GLOBAL is not None:
        return _GLOBAL
    return Theme()
