"""cxresearch.notebook: the one module notebooks import besides ``cxresearch``.

The notebooks (``.py`` twins and ``.ipynb``) import nothing else of the package and use only
names the two modules publish; the functions defined in ``cxresearch.notebook`` (``setup``,
``labels``) and ``show_table(codebook=)`` behave as documented.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import matplotlib as mpl
import pandas as pd
import pytest

import cxresearch as cx
from cxresearch import notebook as nb

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.py"))
IPYNB = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))


def _package_imports(tree: ast.AST) -> list[str]:
    """Every import of the package in a module, as written."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "cxresearch"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == \
                "cxresearch":
            found += [f"{node.module}:{a.name}" for a in node.names]
    return found


def _attributes(tree: ast.AST, alias: str) -> set[str]:
    return {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name) and n.value.id == alias}


def _ipynb_source(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    # IPython magics are not Python
    return "\n".join(line for src in code for line in src.splitlines()
                     if not line.lstrip().startswith(("%", "!")))


ALLOWED = {"cxresearch", "cxresearch:notebook"}


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 10 and len(IPYNB) == len(NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS + IPYNB, ids=lambda p: p.name)
def test_notebooks_import_only_cxresearch_and_its_notebook_module(path):
    src = _ipynb_source(path) if path.suffix == ".ipynb" else path.read_text(encoding="utf-8")
    tree = ast.parse(src)
    imports = _package_imports(tree)
    assert set(imports) <= ALLOWED, f"{path.name} imports {sorted(set(imports) - ALLOWED)}"
    assert "cxresearch:notebook" in imports


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_use_only_published_names(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    unknown_nb = sorted(_attributes(tree, "nb") - set(nb.__all__))
    unknown_cx = sorted(_attributes(tree, "cx") - set(cx.__all__))
    assert not unknown_nb, f"{path.name} uses nb.{unknown_nb}, not in cxresearch.notebook"
    assert not unknown_cx, f"{path.name} uses cx.{unknown_cx}, not in cxresearch.__all__"


def test_every_public_name_resolves_and_is_documented():
    undocumented = []
    for name in nb.__all__:
        obj = getattr(nb, name)
        if callable(obj) and not (obj.__doc__ or "").strip():
            undocumented.append(name)
        assert name in (nb.__doc__ or "") or name in {"RatioClaim", "ORDINAL"}, name
    assert not undocumented


def test_notebook_module_sits_on_top_of_the_layers():
    import tomllib

    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = cfg["contracts"][0]["layers"]
    assert layers[0] == "cxresearch.notebook"


# ----------------------------------------------------------------------------- setup
@pytest.fixture
def restore(monkeypatch):
    """setup() changes global state: matplotlib's rcParams, the global theme, pandas'
    options. Put all three back, so that later tests (charts) see the defaults."""
    from cxresearch.report import style
    from cxresearch.statistics.design import results

    monkeypatch.setattr(style, "_GLOBAL", style._GLOBAL)
    monkeypatch.setitem(results._AS_NOTES, "on", results._AS_NOTES["on"])
    opts = {k: pd.get_option(k) for k in ("display.width", "display.max_columns",
                                          "display.max_rows")}
    with mpl.rc_context():
        yield
    for k, v in opts.items():
        pd.set_option(k, v)


def test_setup_applies_the_theme_and_display_options(restore):
    th = nb.setup(width="double", font_size=11, display={"display.max_rows": 33})
    assert th.width_mm == 180.0
    assert pd.get_option("display.width") == 120
    assert pd.get_option("display.max_columns") == 20
    assert pd.get_option("display.max_rows") == 33
    assert mpl.rcParams["font.size"] == 11.0
    from cxresearch.report.style import current_theme
    from cxresearch.statistics.design.results import _AS_NOTES

    assert current_theme() is th
    assert _AS_NOTES["on"] is True
    nb.setup(notes=False)
    assert _AS_NOTES["on"] is False


@pytest.mark.parametrize("notes", [None, 1, "yes"])
def test_setup_refuses_notes_that_is_not_a_bool(restore, notes):
    with pytest.raises(TypeError, match="notes"):
        nb.setup(notes=notes)


@pytest.mark.parametrize("display", [["display.width"], "display.width=3", 3])
def test_setup_refuses_display_that_is_not_a_dict(restore, display):
    with pytest.raises(TypeError, match="display"):
        nb.setup(display=display)


@pytest.mark.parametrize("key", ["display.nope", "width", "", "display.width\n"])
def test_setup_refuses_unknown_pandas_options(restore, key):
    with pytest.raises(ValueError, match="display option"):
        nb.setup(display={key: 1})


@pytest.mark.parametrize("width", ["triple", -5, None])
def test_setup_refuses_a_width_the_theme_refuses(restore, width):
    with pytest.raises((ValueError, TypeError)):
        nb.setup(width=width)


# ----------------------------------------------------------------------------- labels
@pytest.fixture(scope="module")
def mitto():
    return cx.load_instrument("mitto_cx")


def test_labels_come_from_the_codebook(mitto):
    names = nb.labels(mitto)
    assert isinstance(names, nb.Labeller)
    assert names.item("omnichannel_maturity") == "Omnichannel maturity"
    assert names.item("not_an_item") == nb.pretty("not_an_item")
    assert nb.labels(mitto, overrides={"role": "Job"}).item("role") == "Job"


@pytest.mark.parametrize("source", [None, 3, 2.5])
def test_labels_refuse_what_is_not_a_codebook(source):
    with pytest.raises(TypeError):
        nb.labels(source)


def test_show_table_relabels_ids_values_and_levels_with_the_codebook(mitto):
    lvl = mitto.items["revenue_growth"].levels[0]
    stage = mitto.items["omnichannel_maturity"].levels[0]
    df = pd.DataFrame({"omnichannel_maturity": [stage.value], "item": ["revenue_growth"],
                       "level": [lvl.value], "estimate": [0.25], "n": [40]})
    shown = cx.show_table(df, codebook=mitto, suppress_below=None)
    names = nb.labels(mitto)
    assert list(shown.table.columns[:3]) == ["Omnichannel maturity", "Item", "Level"]
    row = shown.table.iloc[0]
    assert row["Item"] == "Revenue growth"
    assert row["Level"] == names.level("revenue_growth", lvl.value) != lvl.value
    assert row["Omnichannel maturity"] == names.level("omnichannel_maturity", stage.value)
    # without a codebook nothing is relabelled; headers= still wins over the codebook
    assert cx.show_table(df, suppress_below=None).table.iloc[0]["Item"] == "revenue_growth"
    wins = cx.show_table(df, codebook=mitto, headers={"omnichannel_maturity": "Stage"},
                         suppress_below=None)
    assert "Stage" in wins.table.columns


def test_show_table_keeps_values_the_codebook_does_not_know(mitto):
    df = pd.DataFrame({"item": ["a claim written by hand", "revenue_growth"],
                       "estimate": [1.0, 2.0]})
    shown = cx.show_table(df, codebook=nb.labels(mitto))
    assert list(shown.table["Item"]) == ["a claim written by hand", "Revenue growth"]


def test_show_table_relabels_model_terms(mitto):
    lvl = mitto.items["role"].levels[1]
    df = pd.DataFrame({"term": [f"role[T.{lvl.value}]", "Intercept"], "estimate": [0.5, 1.0]})
    shown = cx.show_table(df, codebook=mitto)
    assert shown.table.iloc[0]["Term"].startswith(nb.labels(mitto).item("role") + ": ")


# ----------------------------------------------------------------------------- narration
def test_say_escapes_values_and_describe_wave_names_the_wave(capsys):
    nb.say("File {f}", f="a*b<x>.csv")
    assert capsys.readouterr().out.strip() == "File a\\*b&lt;x&gt;\\.csv"
    with pytest.raises(TypeError):
        nb.say(42)
