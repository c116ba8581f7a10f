"""Every ``save_*`` takes a name or a path.

``save_table(t, "mean_cusa")`` writes into the run's folder; ``save_table(t,
"out/mean_cusa.xlsx")``, ``save_banner(b, "out/banner.xlsx")``, ``save_figure(fig,
"out/fig.pdf")`` and ``save_deck(items, "out/deck.pptx")`` write there, the format from the
suffix, with the same provenance (a ``manifest.json`` in that folder). One checker
(``report.output.save.destination``) refuses hostile names with a ValueError naming ``name``
and its value. Oracle: the files on disk and the manifest read back.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import cxresearch as cx
from cxresearch.report.output.save import MAX_STEM, destination

TABLE = pd.DataFrame({"group": ["a", "b"], "estimate": [0.4, 0.6], "ci_low": [0.3, 0.5],
                      "ci_high": [0.5, 0.7], "n": [120, 80]})


@pytest.fixture
def reports(tmp_path, monkeypatch):
    root = tmp_path / "reports"
    monkeypatch.setenv("CXRESEARCH_REPORTS", str(root))
    monkeypatch.chdir(tmp_path)
    return root


@pytest.fixture(scope="module")
def banner():
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"seg": pd.Categorical(rng.choice(["a", "b"], 200)),
                      "q": rng.integers(1, 6, 200).astype(float)})
    return cx.banner(d, ["mean:q"], "seg", title="Q by segment")


def _fig():
    fig = Figure(figsize=(3, 2))
    FigureCanvasAgg(fig)  # a canvas that renders (save_figure checks the text as drawn)
    fig.subplots().plot([0, 1], [0, 1])
    fig.cx_data = pd.DataFrame({"x": [0, 1], "y": [0, 1]})
    return fig


def _files(folder: Path) -> list[str]:
    """The files written, without the manifest's lock file."""
    return sorted(p.name for p in folder.iterdir() if p.suffix != ".lock")


def _manifest(folder: Path) -> dict:
    entries = json.loads((folder / "manifest.json").read_text())
    entries = entries.get("entries", entries) if isinstance(entries, dict) else entries
    return {e["name"]: e for e in entries}


# ----------------------------------------------------------------------------- names
def test_a_name_writes_into_the_runs_folder_as_before(reports):
    e = cx.save_table(TABLE, "mean_cusa")
    assert _files(reports / "tables") == [
        "mean_cusa.csv", "mean_cusa.html", "mean_cusa.tex"]
    assert set(e["files"]) == {"csv", "tex", "html"}
    assert "mean_cusa" in _manifest(reports)


def test_a_name_with_a_known_suffix_chooses_the_format(reports):
    cx.save_table(TABLE, "mean_cusa.xlsx")
    assert _files(reports / "tables") == ["mean_cusa.xlsx"]


def test_a_name_with_dots_that_are_not_a_format_stays_a_stem(reports):
    e = cx.save_table(TABLE, "mean.v2")
    assert e["name"] == "mean.v2" and (reports / "tables" / "mean.v2.csv").is_file()


# ----------------------------------------------------------------------------- paths
def test_save_table_to_a_path(reports, tmp_path):
    e = cx.save_table(TABLE, "out/mean_cusa.xlsx", caption="Mean")
    out = tmp_path / "out"
    assert _files(out) == ["manifest.json", "mean_cusa.xlsx"]
    assert e["name"] == "mean_cusa" and set(e["files"]) == {"xlsx"}
    assert e["files"]["xlsx"]["path"] == "mean_cusa.xlsx"
    assert _manifest(out)["mean_cusa"]["files"] == e["files"]
    assert not (reports / "tables").exists()


def test_a_path_and_a_name_record_the_same_provenance(reports, tmp_path):
    by_name = cx.save_table(TABLE, "t", formats=("csv",))
    by_path = cx.save_table(TABLE, tmp_path / "elsewhere" / "t.csv")
    same = {k for k in by_name if k not in ("created", "files")}
    assert {k: by_name[k] for k in same} == {k: by_path[k] for k in same}
    assert by_name["files"]["csv"]["sha256"] == by_path["files"]["csv"]["sha256"]


def test_a_path_without_suffix_writes_the_default_formats_there(reports, tmp_path):
    cx.save_table(TABLE, "deep/er/t")
    assert _files(tmp_path / "deep" / "er") == [
        "manifest.json", "t.csv", "t.html", "t.tex"]


def test_save_banner_to_a_path(reports, tmp_path, banner):
    e = cx.save_banner(banner, "out/banner.xlsx")
    assert _files(tmp_path / "out") == ["banner.xlsx",
                                                                   "manifest.json"]
    assert set(e["files"]) == {"xlsx"}
    e = cx.save_banner(banner, tmp_path / "csvs" / "b.csv")
    assert set(e["files"]) == {"csv", "csv_long"}
    assert (tmp_path / "csvs" / "b_long.csv").is_file()


def test_save_figure_to_a_path(reports, tmp_path):
    e = cx.save_figure(_fig(), "out/fig.pdf")
    out = tmp_path / "out"
    assert _files(out) == ["fig.csv", "fig.pdf", "manifest.json"]
    assert set(e["files"]) == {"pdf", "csv"}
    assert (out / "fig.pdf").read_bytes()[:5] == b"%PDF-"
    assert _manifest(out)["fig"]["figure"]["png_dpi"] == 300


def test_save_deck_to_a_path_or_a_name(reports, tmp_path):
    p = cx.save_deck([_fig()], "out/deck.pptx")
    assert p == Path("out/deck.pptx") and p.is_file()
    p = cx.save_deck([_fig()], "deck")
    assert p == reports / "deck.pptx" and p.is_file()
    p = cx.save_deck([_fig()], "d2", outdir=tmp_path / "decks")
    assert p == tmp_path / "decks" / "d2.pptx" and p.is_file()


def test_the_four_share_argument_order_and_names():
    sigs = {f.__name__: inspect.signature(f) for f in
            (cx.save_table, cx.save_figure, cx.save_banner, cx.save_deck)}
    for name, sig in sigs.items():
        params = list(sig.parameters.values())
        assert params[1].name == "name", name
        assert all(p.kind is p.KEYWORD_ONLY for p in params[2:]), name
        assert {"outdir", "synthetic"} <= set(sig.parameters), name
    for name in ("save_table", "save_figure", "save_banner"):
        assert {"formats", "waves", "notebook", "parameters"} <= set(sigs[name].parameters)
        assert sigs[name].parameters["formats"].default is None


# ----------------------------------------------------------------------------- hostile
SAVES = {
    "save_table": lambda name, **kw: cx.save_table(TABLE, name, **kw),
    "save_figure": lambda name, **kw: cx.save_figure(_fig(), name, **kw),
    "save_banner": None,  # filled in by the fixture below (needs a banner)
    "save_deck": lambda name, **kw: cx.save_deck([_fig()], name, **kw),
}

HOSTILE = [
    "a\nb", "out/a\nb.csv", "a\rb", "a\x00b", "a\tb", "a\x1bb", "a\u2028b", "evil\u202etxt.csv",
    "x" * 300, "out/" + "y" * (MAX_STEM + 1) + ".csv",
    "", "   ", "a b", "../x;rm", ".hidden", "trailing.", "a:b", "a*b", "a|b", "a\\b",
    "CON", "con", "nul.csv", "Aux.v1", "LPT1", "com9", "out/PRN.xlsx",
    None, 3, 2.5, ["a"], b"bytes",
]


@pytest.fixture
def save(request, banner):
    fn = SAVES[request.param] or (lambda name, **kw: cx.save_banner(banner, name, **kw))
    return fn


@pytest.mark.parametrize("save", list(SAVES), indirect=True)
@pytest.mark.parametrize("name", HOSTILE, ids=repr)
def test_hostile_names_are_refused_naming_argument_and_value(reports, tmp_path, save, name):
    with pytest.raises(ValueError) as err:
        save(name)
    assert str(err.value).startswith("name ")
    assert repr(name) in str(err.value)
    assert not any(tmp_path.rglob("*.csv")) and not any(tmp_path.rglob("*.pptx"))


@pytest.mark.parametrize("save", list(SAVES), indirect=True)
@pytest.mark.parametrize("kind", ["slash", "existing", "path"])
def test_a_directory_is_not_a_destination(reports, tmp_path, save, kind):
    (tmp_path / "adir").mkdir()
    name = {"slash": "out/", "existing": "adir", "path": tmp_path / "adir"}[kind]
    if kind == "existing":
        name = "./adir"
    with pytest.raises(ValueError, match="directory"):
        save(name)


@pytest.mark.parametrize("save", list(SAVES), indirect=True)
def test_a_folder_in_both_name_and_outdir_is_refused(reports, tmp_path, save):
    with pytest.raises(ValueError, match="outdir"):
        save("sub/x", outdir=tmp_path)


@pytest.mark.parametrize("fn, suffix", [("save_table", "pdf"), ("save_table", "pptx"),
                                        ("save_figure", "xlsx"), ("save_figure", "csv"),
                                        ("save_banner", "html"), ("save_deck", "ppt"),
                                        ("save_deck", "pdf")])
def test_a_suffix_the_function_does_not_write_is_refused(reports, banner, fn, suffix):
    save = SAVES[fn] or (lambda name, **kw: cx.save_banner(banner, name, **kw))
    with pytest.raises(ValueError, match=rf"name ends in '\.{suffix}'"):
        save(f"out/x.{suffix}")


@pytest.mark.parametrize("fn, formats", [("save_table", ("csv",)), ("save_figure", ("png",)),
                                         ("save_banner", ("csv",))])
def test_formats_that_contradict_the_suffix_are_refused(reports, banner, fn, formats):
    save = SAVES[fn] or (lambda name, **kw: cx.save_banner(banner, name, **kw))
    suffix = {"save_table": "xlsx", "save_figure": "pdf", "save_banner": "xlsx"}[fn]
    with pytest.raises(ValueError, match="contradicts"):
        save(f"out/x.{suffix}", formats=formats)
    # the same format twice is no contradiction
    save(f"out/x.{suffix}", formats=(suffix,))


def test_destination_is_the_one_checker():
    folder, stem, fmts, manifest = destination("out/a.csv", sub="tables", allowed=("csv",),
                                               default=("csv",))
    assert (folder, stem, fmts, manifest) == (Path("out"), "a", ("csv",),
                                              Path("out/manifest.json"))
    with pytest.raises(ValueError, match="formats must be among"):
        destination("a", sub="tables", formats=("doc",), allowed=("csv",), default=("csv",))
