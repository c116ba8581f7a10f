"""House style: palettes that survive greyscale and colour-vision deficiencies, physical
sizes, embedded-font settings, and the theme as context manager and global setter.

Oracles: CIE L* of black/white (0/100) and of Okabe-Ito blue (46.0, computed by hand from the
sRGB formula); colour-vision deficiency simulated with the Machado, Oliveira & Fernandes (2009)
matrices at severity 1.0 (the ones used by colorspace::simulate_cvd in R).
"""

from __future__ import annotations

import importlib
import itertools

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib import font_manager

import cxresearch as cx

T = importlib.import_module("cxresearch.report.style")

# Machado et al. (2009), severity 1.0, applied to linear RGB
CVD = {
    "protan": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                        [-0.003882, -0.048116, 1.051998]]),
    "deutan": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                        [-0.011820, 0.042940, 0.968881]]),
    "tritan": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                        [0.004733, 0.691367, 0.303900]]),
}


def _lab(rgb):
    lin = T._srgb_to_linear(np.clip(np.asarray(rgb, float), 0, 1))
    xyz = T._M @ lin / T._WHITE

    def f(t):
        return np.cbrt(t) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = (f(v) for v in xyz)
    return np.array([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)])


def _simulate(color, kind):
    lin = T._srgb_to_linear(np.asarray(mpl.colors.to_rgb(color)))
    return T._linear_to_srgb(np.clip(CVD[kind] @ lin, 0, 1))


def test_lightness_oracles():
    assert T.lightness("black") == pytest.approx(0, abs=1e-9)
    assert T.lightness("white") == pytest.approx(100, abs=1e-4)
    assert T.lightness("#0072B2") == pytest.approx(46.0, abs=0.1)


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 7, 9, 11])
def test_diverging_palette_distinct_in_greyscale(n):
    pal = T.diverging_palette(n)
    assert len(pal) == n and len(set(pal)) == n
    assert T.greyscale_distinct(pal, min_delta=6 if n <= 9 else 5)
    ls = [T.lightness(c) for c in pal]
    k = n // 2
    # darkest at the extremes, lighter towards the middle on each side
    assert all(a < b for a, b in itertools.pairwise(ls[:k]))
    assert all(a > b for a, b in itertools.pairwise(ls[n - k:]))
    if n % 2:
        assert ls[k] == max(ls)  # neutral is the lightest


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 9])
def test_sequential_palette_monotone(n):
    ls = [T.lightness(c) for c in T.sequential_palette(n)]
    assert all(a > b + 5 for a, b in itertools.pairwise(ls))


def test_qualitative_first_five_apart_in_greyscale():
    assert T.greyscale_distinct(T.qualitative_palette(5), min_delta=10)
    assert T.qualitative_palette(10)[8] == T.qualitative_palette(10)[0]  # cycles


@pytest.mark.parametrize("kind", sorted(CVD))
@pytest.mark.parametrize("palette", ["diverging5", "diverging7", "qualitative5", "sequential5"])
def test_palettes_survive_colour_vision_deficiency(kind, palette):
    pal = {"diverging5": T.diverging_palette(5), "diverging7": T.diverging_palette(7),
           "qualitative5": T.qualitative_palette(5),
           "sequential5": T.sequential_palette(5)}[palette]
    labs = [_lab(_simulate(c, kind)) for c in pal]
    d = min(np.linalg.norm(a - b) for a, b in itertools.combinations(labs, 2))
    assert d > 8, f"{palette} under {kind}: closest pair Delta E = {d:.1f}"


def test_palette_input_checks():
    with pytest.raises(ValueError, match="n must be an integer"):
        T.diverging_palette(1)
    with pytest.raises(ValueError, match="odd"):
        T.diverging_palette(4, neutral=True)
    with pytest.raises(ValueError, match="n must be"):
        T.sequential_palette(0)


def test_figure_sizes_are_physical():
    assert T.figure_size("single")[0] == pytest.approx(85 / 25.4)
    assert T.figure_size("double", height_mm=90) == pytest.approx((180 / 25.4, 90 / 25.4))
    assert T.figure_size(120)[0] == pytest.approx(120 / 25.4)
    with pytest.raises(ValueError, match="width must be"):
        T.figure_size("wide")
    with pytest.raises(ValueError, match="height_mm"):
        T.figure_size("single", height_mm=-1)


def test_theme_context_manager_restores_rcparams():
    before = mpl.rcParams.copy()
    with cx.theme(font_size=9) as th:
        assert mpl.rcParams["pdf.fonttype"] == 42
        assert mpl.rcParams["svg.fonttype"] == "none"
        assert mpl.rcParams["font.size"] == 9
        assert mpl.rcParams["font.sans-serif"][0] == "DejaVu Sans"
        assert T.current_theme() is th
    assert mpl.rcParams["font.size"] == before["font.size"]
    assert mpl.rcParams["pdf.fonttype"] == before["pdf.fonttype"]
    assert T.current_theme() is not th


def test_theme_nested_and_global():
    outer, inner = cx.theme(width="double"), cx.theme(font_size=10)
    with outer:
        with inner:
            assert T.current_theme() is inner
        assert T.current_theme() is outer
    saved = mpl.rcParams.copy()
    try:
        th = cx.theme(set_global=True, font_size=7)
        assert mpl.rcParams["font.size"] == 7
        assert T.current_theme() is th
        th2 = cx.theme(font_size=8).apply()
        assert T.current_theme() is th2
    finally:
        T._GLOBAL = None
        mpl.rcParams.update(saved)


def test_theme_font_ships_with_matplotlib():
    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"),
                                 fallback_to_default=False)
    assert "DejaVuSans" in path


def test_theme_input_checks():
    with pytest.raises(ValueError, match="font_size"):
        cx.theme(font_size=2)
    with pytest.raises(ValueError, match="width"):
        cx.theme(width="narrow")
