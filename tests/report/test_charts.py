"""Charts: each type renders on ordinary and edge-case inputs (one group, a zero share, a 100%
share, long labels, many items); share labels on stacked bars never overlap, never leave the
figure and never vanish (checked on the drawn text bounding boxes); synthetic data always
carry the visible note; the data behind each figure is attached for save_figure.

Oracles: shares computed by hand (weighted counts / weighted total); the z test of a change by
hand from the two standard errors; geometry from matplotlib's own text extents.
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from support import fake_wave

import cxresearch as cx
from cxresearch.report.charts.base import SYNTHETIC_NOTE, format_share, label_size

LEVELS = ["strongly_disagree", "disagree", "neutral", "agree", "strongly_agree"]


def likert(shares: dict[str, list[float]], dims: dict[str, str] | None = None, n=200):
    rows = []
    for item, ps in shares.items():
        for lv, p in zip(LEVELS, ps, strict=True):
            rows.append({"dimension": (dims or {}).get(item, ""), "item": item, "level": lv,
                         "estimate": p, "n": n})
    df = pd.DataFrame(rows)
    if dims is None:
        df = df.drop(columns="dimension")
    return df


def random_likert(k, seed=0, dims=True):
    rng = np.random.default_rng(seed)
    shares = {f"item_{i:02d}": list(rng.dirichlet([0.6, 1, 1.5, 3, 2])) for i in range(k)}
    d = {f"item_{i:02d}": ["measure", "manage", "master"][i % 3] for i in range(k)} if dims \
        else None
    return likert(shares, d)


# ----------------------------------------------------------------------------- geometry
def _boxes(fig, gids=("cx_share", "cx_share_beside", "cx_item", "cx_value")):
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    out = []
    for ax in fig.axes:
        for t in ax.texts:
            if t.get_gid() in gids and t.get_visible() and t.get_text():
                patch = t.get_bbox_patch()
                bb = patch.get_window_extent(r) if patch is not None else t.get_window_extent(r)
                out.append((t, bb))
    return out


def assert_no_overlaps(fig):
    boxes = _boxes(fig)
    for (t1, b1), (t2, b2) in itertools.combinations(boxes, 2):
        inter = (min(b1.x1, b2.x1) - max(b1.x0, b2.x0), min(b1.y1, b2.y1) - max(b1.y0, b2.y0))
        assert not (inter[0] > 0.5 and inter[1] > 0.5), (
            f"labels {t1.get_text()!r} and {t2.get_text()!r} overlap")
    fb = fig.bbox
    r = fig.canvas.get_renderer()
    ticks = [lab.get_window_extent(r) for ax in fig.axes for lab in ax.get_yticklabels()
             if lab.get_text()]
    for t, b in boxes:
        assert b.x0 >= fb.x0 - 0.5 and b.x1 <= fb.x1 + 0.5 and b.y0 >= fb.y0 - 0.5 and \
            b.y1 <= fb.y1 + 0.5, f"label {t.get_text()!r} leaves the figure"
        for tb in ticks:
            assert not (min(b.x1, tb.x1) - max(b.x0, tb.x0) > 0.5 and
                        min(b.y1, tb.y1) - max(b.y0, tb.y0) > 0.5), (
                f"label {t.get_text()!r} overlaps an axis label")
    return boxes


def assert_every_share_labelled(fig, shares_percent, beside=False):
    """Every non-zero share is in the figure's data; its number is on the figure exactly when
    ``labelled`` says so -- always with ``small_shares="beside"``, and otherwise left out only
    when it does not fit inside its segment; no label sits on a coloured patch."""
    boxes = _boxes(fig, gids=("cx_share", "cx_share_beside"))
    texts = sorted(t.get_text() for t, _ in boxes)
    data = fig.cx_data
    assert sorted(np.round(data.loc[data["share"] > 0, "share"], 6)) == \
        sorted(round(p, 6) for p in shares_percent if p > 0)
    assert not data.loc[data["share"] <= 0, "labelled"].any()
    assert texts == sorted(format_share(p) for p in data.loc[data["labelled"], "share"])
    assert all(t.get_bbox_patch() is None for t, _ in boxes), "a label on a coloured patch"
    if beside:
        assert data.loc[data["share"] > 0, "labelled"].all()
        return
    r = fig.canvas.get_renderer()
    ax = fig.axes[0]
    for s in data.loc[(data["share"] > 0) & ~data["labelled"], "share"]:
        t = ax.text(0, 0, format_share(s), fontsize=label_size(cx.report.style.current_theme()))
        w_px = t.get_window_extent(r).width
        t.remove()
        seg_px = ax.transData.transform((s, 0))[0] - ax.transData.transform((0, 0))[0]
        assert w_px > seg_px - 3 * fig.dpi / 72, f"share {s} fits its segment but is unlabelled"


def inside_labels_fit(fig):
    """Labels drawn inside a bar segment lie within that segment."""
    r = fig.canvas.get_renderer()
    ax = fig.axes[0]
    for t, bb in _boxes(fig, gids=("cx_share",)):
        x, y = t.get_position()
        seg = [p for p in ax.patches if p.get_y() <= y <= p.get_y() + p.get_height()
               and p.get_x() <= x <= p.get_x() + p.get_width()]
        assert seg, f"no segment under label {t.get_text()!r}"
        sb = seg[0].get_window_extent(r)
        assert bb.x0 >= sb.x0 - 0.5 and bb.x1 <= sb.x1 + 0.5


def has_synthetic_note(fig):
    return any(SYNTHETIC_NOTE.split(" \u2014")[0] in t.get_text() for t in fig.texts)


@pytest.fixture(autouse=True)
def _no_pyplot_leak():
    before = set(plt.get_fignums())
    yield
    assert set(plt.get_fignums()) == before, "charts must not register pyplot figures"


# ----------------------------------------------------------------------------- agreement bars
@pytest.mark.parametrize("case", ["ordinary", "zero_share", "full_share", "tiny_shares",
                                  "one_item", "long_labels"])
def test_agreement_bars_edge_cases_no_overlap(case):
    shares = {
        "ordinary": {"a": [.05, .1, .2, .4, .25], "b": [.1, .2, .3, .3, .1]},
        "zero_share": {"a": [0, .1, .2, .45, .25], "b": [.0, .0, .0, .5, .5]},
        "full_share": {"a": [0, 0, 0, 0, 1.0], "b": [1.0, 0, 0, 0, 0]},
        "tiny_shares": {"a": [.004, .01, .02, .006, .96], "b": [.01, .01, .01, .01, .96],
                        "c": [.2, .2, .2, .2, .2]},
        "one_item": {"a": [.05, .1, .2, .4, .25]},
        "long_labels": {"We measure the customer experience across every digital channel, "
                        "consistently, and report it monthly to the board": [.1, .15, .2, .3, .25],
                        "short": [.3, .3, .1, .2, .1]},
    }[case]
    df = likert(shares)
    for small in ("omit", "beside"):
        fig = cx.agreement_bars(df, small_shares=small)
        assert fig.get_figwidth() == pytest.approx(85 / 25.4)
        assert_no_overlaps(fig)
        assert_every_share_labelled(fig, [100 * p for ps in shares.values() for p in ps],
                                    beside=small == "beside")
        inside_labels_fit(fig)
    assert not has_synthetic_note(fig)
    got = fig.cx_data.groupby("item")["share"].sum()
    assert np.allclose(got, 100)


@pytest.mark.slow
@pytest.mark.parametrize("width", ["single", "double"])
def test_agreement_bars_many_items_grouped_by_dimension(width):
    df = random_likert(30, seed=3)
    fig = cx.agreement_bars(df, width=width, sort=True)
    boxes = assert_no_overlaps(fig)
    assert_every_share_labelled(fig, 100 * df["estimate"].to_numpy())
    inside_labels_fit(fig)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert {"Measure", "Manage", "Master"} <= set(ticks)
    # items stay under their own dimension heading
    order = [t for t in ticks if t.startswith("item") or t in ("Measure", "Manage", "Master")]
    current = None
    dim_of = dict(zip(df["item"], df["dimension"], strict=False))
    for t in order:
        if t in ("Measure", "Manage", "Master"):
            current = t.lower()
        else:
            assert dim_of[t] == current
    assert len([b for b in boxes if b[0].get_gid() != "cx_item"]) == fig.cx_data["labelled"].sum()


@pytest.mark.parametrize("position", ["left", "above"])
def test_agreement_bars_label_positions_long_statements(position):
    words = ("We give measuring digital customer experience as much attention, budget and "
             "resources as offline customer experience").split()
    shares = {" ".join(words[: 6 + i]): list(np.random.default_rng(i).dirichlet([1, 2, 2, 4, 2]))
              for i in range(8)}
    dims = {k: ("measure" if i < 4 else "manage") for i, k in enumerate(shares)}
    df = likert(shares, dims)
    fig = cx.agreement_bars(df, label_position=position)
    boxes = assert_no_overlaps(fig)
    items = [t for t, _ in boxes if t.get_gid() == "cx_item"]
    if position == "above":
        assert len(items) == 8 + 2  # statements and the two dimension headings
        assert not [t for t in fig.axes[0].get_yticklabels() if t.get_text()]
        # every label stays inside the figure width
        r = fig.canvas.get_renderer()
        assert all(t.get_window_extent(r).x1 <= fig.bbox.x1 for t in items)
    else:
        assert not items
    assert_every_share_labelled(fig, 100 * df["estimate"].to_numpy())
    auto = cx.agreement_bars(df)  # single column + long statements: labels above
    assert any(t.get_gid() == "cx_item" for t in auto.axes[0].texts)
    with pytest.raises(ValueError, match="label_position"):
        cx.agreement_bars(df, label_position="right")


def test_agreement_bars_neutral_is_centred_on_zero():
    df = likert({"a": [.1, .2, .3, .25, .15]})
    fig = cx.agreement_bars(df)
    ax = fig.axes[0]
    bars = sorted(ax.patches, key=lambda p: p.get_x())
    neutral = bars[2]
    assert neutral.get_x() == pytest.approx(-15)
    assert neutral.get_x() + neutral.get_width() == pytest.approx(15)
    assert bars[0].get_x() == pytest.approx(-45)


def test_agreement_bars_percent_input_and_checks():
    df = likert({"a": [5, 10, 20, 40, 25]})
    fig = cx.agreement_bars(df)
    assert fig.cx_data["share"].sum() == pytest.approx(100)
    bad = likert({"a": [.1, .1, .1, .1, .1]})
    with pytest.raises(ValueError, match="add up to 1"):
        cx.agreement_bars(bad)
    with pytest.raises(ValueError, match="middle level"):
        cx.agreement_bars(df, neutral="agree")
    with pytest.raises(TypeError, match="DataFrame"):
        cx.agreement_bars([1, 2, 3])


def _wave(n=60, seed=1, synthetic=True):
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({
        "q1": pd.array(rng.integers(1, 6, n), dtype="Int64"),
        "q2": pd.array(rng.integers(1, 6, n), dtype="Int64"),
        "w": rng.uniform(0.5, 2, n),
        "stage": pd.Categorical(rng.choice(["low", "mid", "high"], n),
                                categories=["low", "mid", "high"], ordered=True),
        "loyal": pd.Categorical(rng.choice(["no", "some", "yes"], n),
                                categories=["no", "some", "yes"], ordered=True),
    })
    data.loc[0, "q1"] = pd.NA
    levels = [SimpleNamespace(code=i + 1, value=v, labels={"en": v.replace("_", " ").title()})
              for i, v in enumerate(LEVELS)]
    items = {q: SimpleNamespace(id=q, levels=levels, dimension=d, wording={"en": f"Statement {q}"})
             for q, d in (("q1", "measure"), ("q2", "manage"))}
    inst = SimpleNamespace(items=items, design_columns=lambda: {"weights": "w", "strata": None,
                                                                "psu": None, "fpc": None})
    return fake_wave(data, inst, {"study": "demo", "wave": "2023-reconstructed",
                                  "synthetic": synthetic})


def test_agreement_bars_from_a_wave_uses_weights_codebook_and_is_synthetic():
    w = _wave()
    fig = cx.agreement_bars(w, items=["q1", "q2"])
    d = w.data
    ok = d["q1"].notna()
    expected = 100 * d.loc[ok & (d["q1"] == 4), "w"].sum() / d.loc[ok, "w"].sum()
    got = fig.cx_data.query("item == 'q1' and level == 4")["share"].iloc[0]
    assert got == pytest.approx(expected)
    assert fig.cx_data.query("item == 'q1'")["n"].iloc[0] == ok.sum()
    assert has_synthetic_note(fig)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Strongly Agree" in " ".join(legend).replace("\n", " ")
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "Statement q1" in ticks and "Measure" in ticks
    assert_no_overlaps(fig)


def test_synthetic_detection_and_contradiction():
    df = likert({"a": [.05, .1, .2, .4, .25]})
    df.attrs["synthetic"] = True
    assert has_synthetic_note(cx.agreement_bars(df))
    with pytest.raises(ValueError, match="synthetic=False"):
        cx.agreement_bars(df, synthetic=False)
    plain = likert({"a": [.05, .1, .2, .4, .25]})
    assert has_synthetic_note(cx.agreement_bars(plain, synthetic=True))
    col = plain.assign(synthetic=True)
    assert has_synthetic_note(cx.agreement_bars(col))


def test_source_caption():
    fig = cx.agreement_bars(likert({"a": [.05, .1, .2, .4, .25]}), source="Mopinion (2023)")
    assert any(t.get_text().startswith("Source: Mopinion (2023).") for t in fig.texts)


# ----------------------------------------------------------------------------- stacked bars
@pytest.mark.parametrize("case", ["ordinary", "one_group", "zero_and_full", "tiny"])
def test_stacked_bars_edge_cases(case):
    data = {
        "ordinary": {"low": [.4, .3, .2, .1], "mid": [.25, .25, .3, .2], "high": [.02, .08, .3, .6]},
        "one_group": {"all": [.1, .2, .3, .4]},
        "zero_and_full": {"low": [0, 0, 0, 1.0], "high": [0, .5, 0, .5]},
        "tiny": {"low": [.005, .005, .01, .98], "high": [.97, .01, .01, .01]},
    }[case]
    rows = [{"stage": g, "level": lv, "estimate": p, "n": 50}
            for g, ps in data.items() for lv, p in zip(["a", "b", "c", "d"], ps, strict=True)]
    for small in ("omit", "beside"):
        fig = cx.stacked_bars(pd.DataFrame(rows), outcome="level", group="stage",
                              small_shares=small)
        assert_no_overlaps(fig)
        assert_every_share_labelled(fig, [100 * p for ps in data.values() for p in ps],
                                    beside=small == "beside")
        inside_labels_fit(fig)


def test_stacked_bars_from_respondents_weighted():
    w = _wave(n=80, seed=4, synthetic=False)
    fig = cx.stacked_bars(w, outcome="loyal", group="stage")
    d = w.data
    m = d["stage"] == "high"
    expected = 100 * d.loc[m & (d["loyal"] == "yes"), "w"].sum() / d.loc[m, "w"].sum()
    got = fig.cx_data.query("group == 'high' and level == 'yes'")["share"].iloc[0]
    assert got == pytest.approx(expected)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ticks[0].startswith("Low") and ticks[-1].startswith("High")  # ordered group
    assert not has_synthetic_note(fig)


def test_stacked_bars_warns_on_unordered_outcome():
    df = pd.DataFrame({"g": ["a", "b"] * 10, "y": pd.Categorical(["x", "y"] * 10)})
    with pytest.warns(cx.errors.UnorderedCategoryWarning):
        cx.stacked_bars(df, outcome="y", group="g")


# ----------------------------------------------------------------------------- estimate bars
def _estimates(k=4, long=False):
    rng = np.random.default_rng(k)
    est = rng.uniform(4, 9, k)
    lab = [("A very long group label that needs wrapping onto several lines " if long else "")
           + f"group {i}" for i in range(k)]
    return pd.DataFrame({"group": lab, "estimate": est, "ci_low": est - .5, "ci_high": est + .5,
                         "n": rng.integers(20, 200, k)})


@pytest.mark.parametrize("kind", ["bar", "point"])
@pytest.mark.parametrize("k,long", [(1, False), (4, True), (25, False)])
def test_estimate_bars_render(kind, k, long):
    df = _estimates(k, long)
    fig = cx.estimate_bars(df, kind=kind, show_n=True, xlabel="NPS (0-10 mean)", width="double")
    ax = fig.axes[0]
    assert len(ax.get_yticks()) == k
    assert fig.get_figwidth() == pytest.approx(180 / 25.4)
    values = [t for t in ax.texts if t.get_gid() == "cx_value"]
    assert len(values) == k
    fig.canvas.draw()
    assert ax.get_window_extent().x1 <= fig.bbox.x1


def test_estimate_bars_hue_percent_and_checks():
    df = pd.DataFrame({"dimension": ["Measure", "Manage"] * 2, "wave": ["2023"] * 2 + ["2024"] * 2,
                       "estimate": [.6, .5, .65, .45], "ci_low": [.55, .45, .6, .4],
                       "ci_high": [.65, .55, .7, .5]})
    fig = cx.estimate_bars(df, label="dimension", hue="wave", percent=True)
    assert fig.cx_data["plotted_estimate"].max() == pytest.approx(65)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["2023", "2024"]
    bad = df.assign(ci_low=df["estimate"] + .1)
    with pytest.raises(ValueError, match="ci_low <= estimate"):
        cx.estimate_bars(bad, label="dimension", hue="wave")
    with pytest.raises(ValueError, match="kind"):
        cx.estimate_bars(df, kind="pie")


# ----------------------------------------------------------------------------- forest plot
def test_forest_plot_log_scale_reference_and_edge_cases():
    df = pd.DataFrame({"study": ["a", "a", "b", "b"], "claim": ["x", "y", "z", "zero cell"],
                       "measure": "risk_ratio", "estimate": [2.0, 0.5, 1.1, 0.0],
                       "ci_low": [1.2, 0.3, 0.9, 0.0], "ci_high": [3.3, 0.8, 1.4, np.inf]})
    fig = cx.forest_plot(df, group="study")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert any(np.allclose(line.get_xdata(), [1, 1]) for line in ax.lines)
    assert "Risk ratio" in ax.get_xlabel()
    notes = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert "2.00 [1.20, 3.30]" in notes and "0.00 [0.00, \u221e]" in notes
    one = cx.forest_plot(df.iloc[[0]])
    assert len(one.axes[0].get_yticks()) == 1


def test_forest_plot_checks():
    df = pd.DataFrame({"claim": ["x", "y"], "measure": ["risk_ratio", "odds_ratio"],
                       "estimate": [2.0, 1.5], "ci_low": [1.0, 1.1], "ci_high": [3.0, 2.0]})
    with pytest.raises(ValueError, match="several measures"):
        cx.forest_plot(df)
    assert "Odds ratio" in cx.forest_plot(df, measure="odds_ratio").axes[0].get_xlabel()
    with pytest.raises(ValueError, match="must not be negative"):
        cx.forest_plot(df.assign(estimate=[-1, 1.5], ci_low=[-2, 1.1]), measure="risk_ratio")


# ----------------------------------------------------------------------------- waves
def test_wave_comparison_marks_significant_changes():
    df = pd.DataFrame({"wave": [2023] * 3 + [2024] * 3, "item": ["AI", "Omni", "Privacy"] * 2,
                       "estimate": [.30, .25, .12, .42, .24, .13], "se": [.02] * 6})
    df["ci_low"], df["ci_high"] = df["estimate"] - 1.96 * df["se"], df["estimate"] + 1.96 * df["se"]
    fig = cx.wave_comparison(df, percent=True, synthetic=True)
    d = fig.cx_data.drop_duplicates("item").set_index("item")
    z = (42 - 30) / np.hypot(2, 2)
    assert d.loc["AI", "p_value"] == pytest.approx(2 * stats.norm.sf(z))
    assert bool(d.loc["AI", "significant"]) and not bool(d.loc["Omni", "significant"])
    notes = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert notes[0] == "+12.0 pp*" and notes[1] == "\u22121.0 pp"
    assert has_synthetic_note(fig)


def test_wave_comparison_given_changes_one_wave_and_item_alias():
    df = pd.DataFrame({"wave": ["2023", "2024"], "option": ["x", "x"], "estimate": [.2, .3]})
    ch = pd.DataFrame({"option": ["x"], "p_value": [0.2]})
    fig = cx.wave_comparison(df, item="option", changes=ch)
    assert fig.cx_data["significant"].iloc[0] == False  # noqa: E712 - pandas boolean
    one = cx.wave_comparison(df.iloc[[0]], item="option")
    assert len(one.axes) == 1


# ----------------------------------------------------------------------------- published
def test_published_vs_reproduced_bounds_and_panels():
    df = pd.DataFrame({
        "id": ["a.eq", "b.approx", "c.lt", "d.le", "e.gt", "f.ge"],
        "value": [53, 18, 25, 3.0, 50, 600], "bound": ["eq", "approx", "lt", "le", "gt", "ge"],
        "unit": ["percent", "percent", "percent", "ratio", "percent", "count"],
        "reproduced": [53.2, 17.5, 23.0, 2.9, 51.0, 612], "met": [True] * 5 + [False]})
    fig = cx.published_vs_reproduced(df, synthetic=True)
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["Percent", "Ratio", "Count"]
    markers = {line.get_marker() for ax in fig.axes for line in ax.lines}
    assert {"D", "<", ">", "o"} <= markers
    legend = " ".join(t.get_text() for t in fig.legends[0].get_texts())
    assert "\u2264" in legend and "\u2265" in legend and "misses" in legend
    assert has_synthetic_note(fig)
    with pytest.raises(ValueError, match="bound must be one of"):
        cx.published_vs_reproduced(df.assign(bound="about"))


def test_every_chart_attaches_its_data():
    figs = [cx.agreement_bars(likert({"a": [.05, .1, .2, .4, .25]})),
            cx.estimate_bars(_estimates(2)),
            cx.forest_plot(pd.DataFrame({"claim": ["x"], "estimate": [2.0], "ci_low": [1.0],
                                         "ci_high": [4.0]}))]
    for fig in figs:
        assert isinstance(fig.cx_data, pd.DataFrame) and len(fig.cx_data)


def test_figures_display_once_in_ipython(monkeypatch):
    """A bare Figure gets a PNG formatter in IPython/JupyterLab (pyplot is not used)."""
    import IPython
    from IPython.core.formatters import PNGFormatter
    from matplotlib.figure import Figure

    from cxresearch.report.charts import base as charts_base
    fmt = PNGFormatter()
    fake = SimpleNamespace(display_formatter=SimpleNamespace(formatters={"image/png": fmt}))
    with monkeypatch.context() as m:
        m.setattr(IPython, "get_ipython", lambda: fake)
        charts_base._register_ipython()
        charts_base._register_ipython()  # idempotent
    png = fmt(cx.estimate_bars(_estimates(2)))
    assert png[:4] == b"\x89PNG"
    assert fmt.lookup_by_type(Figure) is not None


def test_labels_from_snake_case_and_groups():
    from cxresearch.report.charts.base import pretty

    assert pretty("top_trends__digital_cx") == "Top trends: digital CX"
    assert pretty("ceo") == "CEO" and pretty("manage_board_kpis") == "Manage board KPIs"
    assert pretty("Already nice") == "Already nice"
    df = pd.DataFrame({"dimension": ["measure"] * 2 + ["manage"] * 2,
                       "item": ["m1", "measure", "g1", "manage"],
                       "estimate": [.7, .6, .5, .4], "ci_low": [.6, .5, .4, .3],
                       "ci_high": [.8, .7, .6, .5]})
    fig = cx.estimate_bars(df, group="dimension", kind="point")
    ticks = [t for t in fig.axes[0].get_yticklabels()]
    assert [t.get_text() for t in ticks] == ["Measure", "M1", "Measure", "Manage", "G1",
                                             "Manage"]
    assert [t.get_fontweight() for t in ticks][0] == "bold"


def test_agreement_bars_item_nobody_answered():
    w = _wave(n=30, seed=5, synthetic=False)
    w.data["q2"] = pd.array([pd.NA] * 30, dtype="Int64")
    fig = cx.agreement_bars(w, items=["q1", "q2"])
    q2 = fig.cx_data.query("item == 'q2'")
    assert (q2["share"] == 0).all() and (q2["n"] == 0).all()
    assert_no_overlaps(fig)


@pytest.mark.parametrize("module", ["cxresearch.report.style", "cxresearch.report.charts.bars",
                                    "cxresearch.report.charts.stacked", "cxresearch.report.charts.compare"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    res = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert res.attempted > 0 and res.failed == 0


def test_estimate_bars_negative_values_keep_labels_inside():
    df = pd.DataFrame({"band": ["1-6", "over 6 to 8", "over 8 to 10"],
                       "estimate": [-67.5, 4.5, 71.8], "ci_low": [-87.0, -7.0, 59.0],
                       "ci_high": [-48.0, 16.0, 84.0]})
    fig = cx.estimate_bars(df, label="band", ref=0)
    fig.draw_without_rendering()
    r = fig.canvas.get_renderer()
    ax = fig.axes[0]
    axbox = ax.get_window_extent(r)
    for t in ax.texts:
        bb = t.get_window_extent(r)
        assert axbox.x0 - 0.5 <= bb.x0 and bb.x1 <= axbox.x1 + 0.5, t.get_text()


def test_stacked_bars_wave_with_unfilled_optional_weights():
    """An all-missing optional weight column means unit weights (as Wave.design() says)."""
    w = _wave(n=40, seed=6, synthetic=False)
    w.data["w"] = np.nan
    fig = cx.stacked_bars(w, outcome="loyal", group="stage")
    d = w.data
    m = d["stage"] == "low"
    expected = 100 * ((d["loyal"] == "yes") & m).sum() / m.sum()
    assert fig.cx_data.query("group == 'low' and level == 'yes'")["share"].iloc[0] == \
        pytest.approx(expected)
    # a Wave whose design() gives the weights: those are used
    w2 = _wave(n=40, seed=6, synthetic=False)
    w2.design = lambda: SimpleNamespace(weights=np.where(w2.data["stage"] == "low", 2.0, 1.0))
    fig2 = cx.agreement_bars(w2, items=["q1"])
    ok = w2.data["q1"].notna()
    wt = np.where(w2.data["stage"] == "low", 2.0, 1.0)
    expected = 100 * wt[ok & (w2.data["q1"] == 5)].sum() / wt[ok].sum()
    assert fig2.cx_data.query("level == 5")["share"].iloc[0] == pytest.approx(expected)


# ----------------------------------------------------------------------------- codebook labels
def _codebook():
    """A stand-in codebook: a coded item with level labels (one with a short label), a 1-7
    rating with a short label, an item whose wording is a question, and an index."""
    from cxresearch.codebooks.items import Level

    service = SimpleNamespace(
        id="service_type", type="single", wording={"en": "Service type", "de": "Serviceart"},
        short={}, levels=[Level(1, "contract", {"en": "contract", "de": "Vertrag"}),
                          Level(2, "prepaid", {"en": "prepaid"}),
                          Level(3, "provider_a", {"en": "Provider A"}, short={"en": "Prov. A"})],
        scale_min=None, scale_max=None, options=[])
    sat = SimpleNamespace(id="sat", type="numeric", wording={"en": "How satisfied are you?"},
                          short={"en": "Satisfaction", "de": "Zufriedenheit"}, levels=[],
                          scale_min=1, scale_max=7, options=[])
    role = SimpleNamespace(id="role", type="single", wording={"en": "Which team are you in?"},
                           short={}, levels=[Level(1, "marketing", {"en": "Marketing"})],
                           scale_min=None, scale_max=None, options=[])
    return SimpleNamespace(items={"service_type": service, "sat": sat, "role": role},
                           indices={"loyalty": ["sat"]},
                           index_info={"loyalty": {"items": ["sat"],
                                                   "label": {"en": "Loyalty", "de": "Treue"}}})


class TestCodebookLabels:
    @pytest.mark.parametrize("term,want", [
        ("service_typecontract", "Service type: contract"),
        ("servicetypecontract", "Service type: contract"),
        ("service_type[T.contract]", "Service type: contract"),
        ("C(service_type)[T.prepaid]", "Service type: prepaid"),
        ("service_typeprovider_a", "Service type: Prov. A"),
        ("rolemarketing", "Role: Marketing"),  # a question wording is not a label
        ("sat", "Satisfaction"),
        ("sat:service_typecontract", "Satisfaction \u00d7 Service type: contract"),
        ("unknown_term", "Unknown term"),
    ])
    def test_model_terms(self, term, want):
        from cxresearch.report.charts.labels import Labeller

        assert Labeller(_codebook()).term(term) == want

    def test_language_and_overrides(self):
        from cxresearch.report.charts.labels import Labeller

        de = Labeller(_codebook(), lang="de")
        assert de.term("service_typecontract") == "Serviceart: Vertrag"
        assert de.level("service_type", "prepaid") == "prepaid"  # falls back to English
        assert de.item("loyalty") == "Treue" and de.item("sat") == "Zufriedenheit"
        assert Labeller(_codebook(), labels={"sat": "Sat."}).item("sat") == "Sat."
        assert Labeller(None).value("service_type", "provider_a") == "Provider a"
        with pytest.raises(TypeError, match="lang"):
            Labeller(_codebook(), lang=2)
        with pytest.raises(TypeError, match="labels"):
            Labeller(_codebook(), labels=["a"])
        with pytest.raises(TypeError, match="codebook"):
            Labeller(3.5)

    def test_forest_plot_terms_in_words(self):
        df = pd.DataFrame({"term": ["service_typeprepaid", "service_typeprovider_a", "sat"],
                           "estimate": [1.5, 0.7, 2.0], "ci_low": [1.1, 0.5, 1.6],
                           "ci_high": [2.1, 0.98, 2.5]})
        fig = cx.forest_plot(df, codebook=_codebook())
        ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert ticks == ["Service type: prepaid", "Service type: Prov. A", "Satisfaction"]
        de = cx.forest_plot(df, codebook=_codebook(), lang="de")
        assert [t.get_text() for t in de.axes[0].get_yticklabels()][2] == "Zufriedenheit"

    def test_estimate_bars_levels_and_rating_scale(self):
        df = pd.DataFrame({"service_type": ["contract", "provider_a"], "term": "sat",
                           "estimate": [5.2, 4.1], "ci_low": [4.9, 3.7],
                           "ci_high": [5.5, 4.5]})
        fig = cx.estimate_bars(df, label="service_type", codebook=_codebook())
        ax = fig.axes[0]
        assert [t.get_text() for t in ax.get_yticklabels()] == ["contract", "Prov. A"]
        assert ax.get_xlim()[0] == 1 and ax.get_xlim()[1] >= 7  # the 1-7 scale
        assert all(p.get_x() == pytest.approx(1) for p in ax.patches)  # bars start at 1
        # without a codebook, bars start at 0; an explicit range wins
        assert cx.estimate_bars(df, label="service_type").axes[0].get_xlim()[0] < 1
        fig = cx.estimate_bars(df, label="service_type", codebook=_codebook(), xlim=(3, 6))
        assert fig.axes[0].get_xlim() == (3, 6)

    def test_stacked_bars_levels_and_legend_from_the_wave(self):
        from cxresearch.codebooks.items import Level

        w = _wave(n=60, seed=2, synthetic=False)
        w.instrument.items["stage"] = SimpleNamespace(
            id="stage", levels=[Level(1, "low", {"en": "Low maturity"}),
                                Level(2, "mid", {"en": "Middle"}),
                                Level(3, "high", {"en": "High maturity"})],
            wording={"en": "Maturity"}, short={}, options=[])
        w.instrument.items["loyal"] = SimpleNamespace(
            id="loyal", levels=[Level(1, "no", {"en": "Not loyal"}),
                                Level(2, "some", {"en": "Somewhat"}),
                                Level(3, "yes", {"en": "Loyal"})],
            wording={"en": "Loyalty"}, short={}, options=[])
        fig = cx.stacked_bars(w, outcome="loyal", group="stage")
        ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert ticks[0].startswith("Low maturity") and ticks[1].startswith("Middle")
        legend = fig.legends[0]
        assert [t.get_text() for t in legend.get_texts()] == ["Not loyal", "Somewhat", "Loyal"]
        assert legend.get_title().get_text() == "Loyalty"


def _axis_ranges():
    lik = likert({"a": [.05, .1, .2, .4, .25]})
    est = pd.DataFrame({"group": ["a", "b"], "estimate": [1.0, 2.0], "ci_low": [.5, 1.5],
                        "ci_high": [1.5, 2.5]})
    waves = pd.DataFrame({"wave": [2023, 2024], "item": ["x", "x"], "estimate": [.3, .4]})
    pvr = pd.DataFrame({"id": ["a"], "value": [50], "unit": ["percent"], "reproduced": [51]})
    stacked = pd.DataFrame({"g": ["a"] * 2, "level": ["x", "y"], "estimate": [.4, .6]})
    return [
        ("estimate_bars", lambda r: cx.estimate_bars(est, xlim=r), (-1, 4), True),
        ("forest_plot", lambda r: cx.forest_plot(est, xlim=r), (0.2, 5), True),
        ("wave_comparison", lambda r: cx.wave_comparison(waves, xlim=r), (0, 1), True),
        ("published_vs_reproduced", lambda r: cx.published_vs_reproduced(pvr, xlim=r),
         (0, 100), True),
        ("agreement_bars", lambda r: cx.agreement_bars(lik, xlim=r), (-100, 100), False),
        ("stacked_bars", lambda r: cx.stacked_bars(stacked, outcome="level", group="g",
                                                   xlim=r), (0, 100), False),
    ]


@pytest.mark.parametrize("name,draw,rng,exact", _axis_ranges(), ids=lambda v: v
                         if isinstance(v, str) else "")
def test_every_chart_takes_an_axis_range(name, draw, rng, exact):
    ax = draw(rng).axes[0]
    lo, hi = ax.get_xlim()
    if exact:
        assert (lo, hi) == pytest.approx(rng), name
    else:  # shares: the range is covered (labels beside the bars may widen it)
        assert lo <= rng[0] + 1e-9 and hi >= rng[1] - 1e-9, name
    for bad in [(5, 1), (0, float("nan")), "wide", (1,)]:
        with pytest.raises(ValueError, match="xlim"):
            draw(bad)


@pytest.mark.parametrize("values", [[-67.5, 4.5, 71.8], [-3.0, -1.0, -0.2], [0.4, 2.0, 9.0]])
def test_value_labels_never_touch_the_whiskers(values):
    est = np.array(values)
    df = pd.DataFrame({"band": ["a", "b", "c"], "estimate": est, "ci_low": est - 2.5,
                       "ci_high": est + 2.5})
    fig = cx.estimate_bars(df, label="band", ref=0)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    ax = fig.axes[0]
    whiskers = [seg for coll in ax.collections for seg in coll.get_segments()]
    texts = [t for t in ax.texts if t.get_gid() == "cx_value"]
    assert len(texts) == 3
    for t in texts:
        bb = t.get_window_extent(r)
        for seg in whiskers:
            (x0, y0), (x1, y1) = ax.transData.transform(seg)
            sx0, sx1, sy0, sy1 = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
            overlap_x = min(bb.x1, sx1) - max(bb.x0, sx0)
            overlap_y = min(bb.y1, sy1 + 0.5) - max(bb.y0, sy0 - 0.5)
            assert not (overlap_x > 0 and overlap_y > 0), f"{t.get_text()!r} touches a whisker"


def test_wave_comparison_states_a_shared_question_once():
    from cxresearch.report.charts.labels import common_prefix

    assert common_prefix(["Top trends: AI", "Top trends: omnichannel"]) == (
        "Top trends", ["AI", "Omnichannel"])
    assert common_prefix(["Top trends: AI", "Priorities: AI"])[0] is None
    assert common_prefix(["Top trends: AI"])[0] is None
    assert common_prefix(["NPS", "Top trends: AI"])[0] is None
    df = pd.DataFrame({"wave": [2023, 2023, 2024, 2024], "item": ["t__ai", "t__omni"] * 2,
                       "estimate": [.30, .25, .42, .24], "se": [.02, .02, .02, .02]})
    fig = cx.wave_comparison(df, percent=True)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["AI", "Omni"]
    assert ax.get_xlabel() == "T (%)"
    assert cx.wave_comparison(df, percent=True, xlabel="Share").axes[0].get_xlabel() == "Share"
