"""Figures fit for a deck: no overlapping or off-canvas text (text_problems, recorded by
save_figure), legends in scale order on one row, tracking axes on the scale's range.
Oracle: bounding boxes of the drawn texts, hand-built figures with known collisions."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import cxresearch as cx  # noqa: E402
from cxresearch.report.charts.check import text_problems  # noqa: E402


class TestTextProblems:
    def test_clean_figure(self):
        fig, ax = plt.subplots(figsize=(4, 3), layout="constrained")
        ax.plot([0, 1], [0, 1])
        ax.set_xlabel("x")
        ax.set_title("A title")
        assert text_problems(fig) == []

    @pytest.mark.parametrize("xy", [(0.5, 0.5), (0.51, 0.505), (0.49, 0.5)])
    def test_overlapping_texts(self, xy):
        fig, ax = plt.subplots()
        ax.text(0.5, 0.5, "first label")
        ax.text(*xy, "second label")
        probs = text_problems(fig)
        assert [p["kind"] for p in probs] == ["overlap"]
        assert {probs[0]["text"], probs[0]["other"]} == {"first label", "second label"}

    @pytest.mark.parametrize("x, y, ha", [(0.99, 0.5, "left"), (0.01, 0.5, "right"),
                                          (0.5, 1.0, "center"), (0.5, -0.01, "center")])
    def test_off_canvas(self, x, y, ha):
        fig = plt.figure(figsize=(3, 2))
        fig.text(x, y, "a label running off", ha=ha, va="bottom" if y >= 1 else "top")
        assert [p["kind"] for p in text_problems(fig)] == ["off canvas"]

    def test_ticks_outside_the_view_are_not_counted(self):
        fig, ax = plt.subplots(figsize=(3, 2), layout="constrained")
        ax.plot([0, 1], [0, 1])
        ax.set_xticks([-5, 0, 1, 5])               # -5 and 5 are never drawn
        ax.set_xlim(0, 1)
        assert text_problems(fig) == []

    def test_annotation_arrows_are_not_text(self):
        fig, ax = plt.subplots(figsize=(4, 3))
        for i in range(3):
            ax.annotate(f"label {i}", (0.1, 0.1 * i), xytext=(0.6, 0.3 + 0.2 * i),
                        arrowprops={"arrowstyle": "-"})
        assert text_problems(fig) == []

    def test_not_a_figure(self):
        with pytest.raises(TypeError, match="Figure"):
            text_problems("fig")


def test_save_figure_records_problems_and_title(tmp_path):
    fig, ax = plt.subplots()
    ax.text(0.5, 0.5, "one")
    ax.text(0.5, 0.5, "two")
    ax.set_title("Two labels on top of each other")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = cx.save_figure(fig, "clash", outdir=tmp_path, formats=("png",))
    assert e["figure"]["title"] == "Two labels on top of each other"
    assert [p["kind"] for p in e["figure"]["text_problems"]] == ["overlap"]


LIKERT = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
          "Strongly agree"]


def _likert():
    rng = np.random.default_rng(0)
    cat = pd.CategoricalDtype(LIKERT, ordered=True)
    return pd.DataFrame({f"s{i}": pd.Series(rng.choice(LIKERT, 200), dtype=cat)
                         for i in range(3)})


def test_scale_legend_in_order_on_one_row():
    d = _likert()
    fig = cx.agreement_bars(d, items=["s0", "s1", "s2"], levels=LIKERT)
    legend = fig.legends[0]
    texts = [t.get_text().replace("\n", " ") for t in legend.get_texts()]
    assert texts == LIKERT                              # the scale's order
    assert legend._ncols == 5                           # one row
    assert text_problems(fig) == []


def _track(measure="mean", lo=3.2, hi=3.6):
    res = pd.DataFrame({
        "item": ["q"] * 2, "measure": [measure] * 2, "weighting": ["unadjusted"] * 2,
        "term": ["wave"] * 2, "comparison": [None] * 2, "wave": ["2021-reconstructed", "2022"],
        "estimate": [lo + 0.1, hi - 0.1], "ci_low": [lo, hi - 0.2], "ci_high": [lo + 0.2, hi],
        "p_value": [np.nan] * 2, "p_adjusted": [np.nan] * 2})
    res.attrs["tracking"] = {"waves": ["2021-reconstructed", "2022"], "time": [1, 2],
                             "measure": measure, "study": "mitto_cx",
                             "labels": {"q": "Q"}}
    return res


@pytest.mark.parametrize("measure, want", [("proportion", (0, 100)), ("nps", (-100, 100)),
                                           ("index", (0, 100))])
def test_tracking_axis_on_the_measure_range(measure, want):
    res = _track(measure, 0.3, 0.4) if measure == "proportion" else _track(measure, 30, 40)
    fig = cx.tracking_chart(res)
    lo, hi = fig.axes[0].get_ylim()
    span = want[1] - want[0]
    assert lo == pytest.approx(want[0], abs=0.03 * span)
    assert hi == pytest.approx(want[1], abs=0.03 * span)


def test_tracking_axis_stated_or_free_and_wave_labels_in_words():
    res = _track()
    assert cx.tracking_chart(res, ylim=(1, 5)).axes[0].get_ylim() == (1, 5)
    free = cx.tracking_chart(res, ylim=None).axes[0].get_ylim()
    assert free[1] - free[0] < 1                       # the data decide
    labels = [t.get_text() for t in cx.tracking_chart(res).axes[-1].get_xticklabels()]
    assert labels[0] == "2021\n(reconstructed)"


@pytest.mark.parametrize("bad", ["data", (5, 1), (0, np.inf), ("a", "b"), 3])
def test_tracking_bad_ylim(bad):
    with pytest.raises(ValueError, match="ylim"):
        cx.tracking_chart(_track(), ylim=bad)
