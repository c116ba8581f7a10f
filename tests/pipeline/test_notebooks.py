"""The committed notebooks: jupytext pairs that agree, clean, and green when executed.

Each ``notebooks/NN_topic.ipynb`` has a percent-format twin ``NN_topic.py`` (the reviewable
source, linted by ruff); the pair must agree in its cells (sources, cell tags, the project's
``cxresearch`` metadata), not byte for byte, so that a notebook saved from JupyterLab (with the
kernel's ``language_info``, cell ids, view state) still agrees. The committed ``.ipynb`` carries
no outputs. Executing runs the whole reproduce pipeline once (example ingestion,
reconstructions, every notebook in parallel) with small parameters, and then asserts per
notebook, so that a failure names the notebook and its cell.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import jupytext
import nbformat
import pytest

from cxresearch.pipeline import run as pipeline

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(p for p in NOTEBOOK_DIR.glob("*.ipynb") if not p.name.startswith("_"))
EXPECTED = ["00_scorecard", "01_mopinion_benchmark", "02_omnichannel_maturity",
            "03_cx_ownership_nps", "04_cxnetwork_digital_cx_2021", "05_cx_trends",
            "06_new_wave", "07_real_customers"]
QUICK = {"quick": True, "n_reconstructions": 3}


def _cells(nb) -> list[tuple[str, str, list[str]]]:
    """What a pair must agree on, per cell: kind, source (outer blank lines aside), tags."""
    return [(c.cell_type, c.source.strip("\n"), sorted(c.metadata.get("tags", [])))
            for c in nb.cells]


def pair_disagreement(ipynb: Path) -> str | None:
    """None when ``ipynb`` and its ``.py`` twin agree in their cells and the ``cxresearch``
    metadata; otherwise what differs, and how to bring them together."""
    script = ipynb.with_suffix(".py")
    fix = f"run `jupytext --sync notebooks/{ipynb.name}`"
    if not script.is_file():
        return f"{ipynb.name} has no paired {script.name}: {fix}"
    nb = nbformat.read(ipynb, as_version=4)
    text = jupytext.read(script)
    problems = []
    for key in ("cxresearch",):
        if nb.metadata.get(key) != text.metadata.get(key):
            problems.append(f"metadata.{key}: {nb.metadata.get(key)!r} in the .ipynb, "
                            f"{text.metadata.get(key)!r} in the .py")
    a, b = _cells(nb), _cells(text)
    if len(a) != len(b):
        problems.append(f"{len(a)} cells in the .ipynb, {len(b)} in the .py")
    for i, (x, y) in enumerate(zip(a, b, strict=False), start=1):
        if x != y:
            what = ("kind" if x[0] != y[0] else "source" if x[1] != y[1] else "tags")
            problems.append(f"cell {i} differs in its {what}: "
                            f"{x[1][:60]!r} (.ipynb) vs {y[1][:60]!r} (.py)")
            break
    if problems:
        return f"{ipynb.name} and {script.name} disagree ({'; '.join(problems)}): {fix}"
    return None


def outputs_left(nb) -> list[int]:
    """1-based positions of code cells that carry outputs or an execution count."""
    return [i for i, c in enumerate(nb.cells, start=1)
            if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]


def test_the_notebooks_are_there():
    names = [p.stem for p in NOTEBOOKS]
    assert set(EXPECTED) <= set(names), sorted(set(EXPECTED) - set(names))
    scripts = {p.stem for p in NOTEBOOK_DIR.glob("[0-9]*.py")}
    assert scripts == set(names), f"unpaired: {sorted(scripts ^ set(names))}"
    assert not (NOTEBOOK_DIR / "_cells.py").exists() and not (NOTEBOOK_DIR / "_build.py").exists()


def test_jupytext_pairs_every_notebook_with_a_percent_script():
    from jupytext.config import load_jupytext_config

    config = load_jupytext_config(str(NOTEBOOKS[0]))
    assert config is not None, "notebooks/jupytext.toml not found by jupytext"
    assert config.formats in ("ipynb,py:percent", ["ipynb,py:percent"])
    assert "cxresearch" in config.notebook_metadata_filter


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_is_clean(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    left = outputs_left(nb)
    assert not left, (f"{path.name}: outputs stripped? cells {left} carry outputs; run "
                      f"`jupyter nbconvert --clear-output --inplace notebooks/{path.name}`")
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: {len(tagged)} cells tagged 'parameters', want 1"
    assert "quick" in tagged[0].source
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    for word in ("Published", "Reconstructed", "Observed"):
        assert word in first.source, f"{path.name}: first cell does not say what is {word}"
    meta = nb.metadata.get("cxresearch", {})
    assert meta.get("studies"), f"{path.name}: metadata.cxresearch.studies missing"
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_agrees_with_its_script(path):
    assert pair_disagreement(path) is None, pair_disagreement(path)


@pytest.fixture
def pair(tmp_path):
    """A copy of the 02 pair (it has the most metadata) in a scratch folder."""
    for name in ("02_omnichannel_maturity.ipynb", "02_omnichannel_maturity.py", "jupytext.toml"):
        shutil.copy(NOTEBOOK_DIR / name, tmp_path)
    return tmp_path / "02_omnichannel_maturity.ipynb"


def _as_saved_by_a_kernel(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.9",
                                    "mimetype": "text/x-python", "file_extension": ".py"}
    for n, cell in enumerate(nb.cells):
        cell.metadata["collapsed"] = False
        if cell.cell_type == "code":
            cell.execution_count = n
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hello\n")]
            cell.metadata["execution"] = {"iopub.status.idle": "2026-11-30T21:00:00Z"}
    nbformat.write(nb, path)


class TestPairAgreement:
    def test_outputs_and_language_info_agree_but_are_not_stripped(self, pair):
        _as_saved_by_a_kernel(pair)
        assert pair_disagreement(pair) is None
        assert outputs_left(nbformat.read(pair, as_version=4)), "outputs check cannot fail"

    @pytest.mark.parametrize("edit", ["source", "tag", "metadata", "extra_cell", "no_script"])
    def test_a_one_sided_edit_is_caught(self, pair, edit):
        script = pair.with_suffix(".py")
        text = script.read_text(encoding="utf-8")
        if edit == "source":
            script.write_text(text.replace('study = "mitto_cx"', 'study = "cxn_dcx"'), "utf-8")
        elif edit == "tag":
            script.write_text(text.replace('# %% tags=["parameters"]', "# %%"), "utf-8")
        elif edit == "metadata":
            script.write_text(text.replace("#     - mitto_cx", "#     - cxn_dcx", 1), "utf-8")
        elif edit == "extra_cell":
            script.write_text(text + "\n# %%\nprint('new')\n", "utf-8")
        else:
            script.unlink()
        message = pair_disagreement(pair)
        assert message is not None and "jupytext --sync notebooks/" in message, message

    def test_sync_brings_an_edited_script_into_the_notebook(self, pair):
        import subprocess
        import sys

        script = pair.with_suffix(".py")
        script.write_text(script.read_text("utf-8").replace("seed = 0", "seed = 1"), "utf-8")
        assert pair_disagreement(pair) is not None
        subprocess.run([sys.executable, "-m", "jupytext", "--quiet", "--sync", str(script)],
                       check=True, cwd=pair.parent)
        assert pair_disagreement(pair) is None
        nb = nbformat.read(pair, as_version=4)
        assert "seed = 1" in nb.cells[1].source and nb.cells[1].metadata["tags"] == ["parameters"]
        assert nb.metadata["cxresearch"]["studies"] == ["mitto_cx"]


class TestLabSave:
    """What JupyterLab does on save: jupytext's contents manager plus the repository hook."""

    def _manager(self, root):
        from jupytext import TextFileContentsManager

        from cxresearch.pipeline import lab

        cm = TextFileContentsManager(root_dir=str(root))
        cm.pre_save_hook = lab.strip_outputs
        return cm

    def test_save_writes_both_and_strips_outputs(self, pair, monkeypatch):
        from cxresearch import paths

        monkeypatch.setattr(paths, "project_root", lambda: pair.parent.parent)
        notebooks = pair.parent.parent / "notebooks"
        notebooks.mkdir(exist_ok=True)
        for f in pair.parent.iterdir():
            if f.is_file():
                shutil.copy(f, notebooks)
        cm = self._manager(pair.parent.parent)
        model = cm.get(f"notebooks/{pair.name}")
        nb = copy.deepcopy(model["content"])
        nb.metadata["language_info"] = {"name": "python", "version": "3.11.9"}
        nb.cells[1].source = nb.cells[1].source.replace("seed = 0", "seed = 2")
        nb.cells[2].outputs = [nbformat.v4.new_output("stream", name="stderr", text="x\n")]
        nb.cells[2].execution_count = 1
        cm.save({"type": "notebook", "content": nb}, f"notebooks/{pair.name}")
        saved = notebooks / pair.name
        assert "seed = 2" in saved.with_suffix(".py").read_text("utf-8")
        assert pair_disagreement(saved) is None
        on_disk = nbformat.read(saved, as_version=4)
        assert not outputs_left(on_disk)
        assert on_disk.cells[1].metadata["tags"] == ["parameters"]
        assert on_disk.metadata["cxresearch"]["studies"] == ["mitto_cx"]

    def test_hook_leaves_notebooks_outside_the_repository_folder(self, tmp_path, monkeypatch):
        from cxresearch import paths
        from cxresearch.pipeline import lab

        monkeypatch.setattr(paths, "project_root", lambda: tmp_path / "repo")
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
        nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]

        class CM:
            def _get_os_path(self, path):
                return str(tmp_path / "reports" / path)

        lab.strip_outputs({"type": "notebook", "content": nb}, "run/x.ipynb", CM())
        assert nb.cells[0].outputs
        lab.strip_outputs({"type": "file", "content": "text"}, "x.py", CM())

    def test_lab_config_registers_the_hook(self):
        config = json.loads((NOTEBOOK_DIR / ".jupyter" / "jupyter_server_config.json").read_text())
        hook = config["ContentsManager"]["pre_save_hook"]
        from jupyter_server.utils import import_item

        assert callable(import_item(hook))
        # that make lab puts this folder on JUPYTER_CONFIG_PATH: tests/test_environment.py


def test_reader_html_hides_code_and_links_the_executed_notebook(tmp_path):
    from cxresearch.pipeline.notebooks import reader_html

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# A title the reader sees"),
        nbformat.v4.new_code_cell("secret_code_marker = 41 + 1\nsecret_code_marker")])
    nb.cells[1].outputs = [nbformat.v4.new_output("execute_result",
                                                  data={"text/plain": "42"}, execution_count=1)]
    nb.cells[1].execution_count = 1
    path = tmp_path / "05_topic.ipynb"
    nbformat.write(nb, path)
    html = reader_html(path)
    assert "A title the reader sees" in html and ">42<" in html.replace("\n", "")
    assert "secret_code_marker" not in html and 'highlight hl-ipython3' not in html
    assert "Out[1]" not in html and "In [1]" not in html
    assert 'href="05_topic.ipynb"' in html


def test_every_notebook_declares_parameters_the_pipeline_passes():
    specs = {s.name: s for s in pipeline.discover_notebooks()}
    for name, spec in specs.items():
        assert "quick" in spec.parameters, name
        if name != "00_scorecard":  # the scorecard is about the published figures only
            assert "wave" in spec.parameters, f"{name}: no wave parameter for new waves"
        if "*" in spec.studies or len(spec.studies) > 1:
            assert "study" in spec.parameters, f"{name}: covers several studies, no study param"


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("reproduce")
    return pipeline.reproduce(out=out, parameters=QUICK, jobs=2, progress=False)


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_runs_green(quick_run, name):
    res = {r.name: r for r in quick_run.notebooks}
    assert name in res, f"{name} was not run"
    assert res[name].ok, res[name].describe()
    assert Path(res[name].html).is_file()
    executed = nbformat.read(res[name].output, as_version=4)
    stderr = [(i, o.get("text", "")[:200]) for i, c in enumerate(executed.cells, start=1)
              if c.cell_type == "code" for o in c.get("outputs", [])
              if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, f"{name}: stderr reaches the reader (catch and say it): {stderr}"
    html = Path(res[name].html).read_text("utf-8")
    assert 'highlight hl-ipython3' not in html, f"{name}: the reader's HTML shows code"
    assert f'href="{Path(res[name].output).name}"' in html


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
def test_quick_run_writes_the_report(quick_run):
    run = quick_run.run_dir
    assert not quick_run.problems, quick_run.problems
    assert (run / "scorecard.md").is_file()
    card = (run / "scorecard.md").read_text()
    assert "## This run" in card and "# Scorecard" in card
    for name in ("published_consistency", "published_claims"):
        for ext in ("csv", "md"):
            assert (run / f"{name}.{ext}").stat().st_size > 200, f"{name}.{ext} missing or empty"
    info = json.loads((run / "run.json").read_text())
    assert info["parameters"] == QUICK
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest, "no figure or table was registered in manifest.json"
    assert list((run / "figures").glob("*.png")), "no figure written"
    assert list((run / "tables").glob("*.csv")), "no table written"
    kinds = {w["kind"] for w in quick_run.waves}
    assert {"example", "reconstructed"} <= kinds


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
def test_every_figure_of_the_run_has_clean_text(quick_run):
    """save_figure draws every figure a run saves and records texts that overlap or run off
    the canvas (cxresearch.report.charts.check.text_problems): none may."""
    manifest = json.loads((quick_run.run_dir / "manifest.json").read_text())
    figures = [e for e in manifest["entries"] if e["kind"] == "figure"]
    assert figures
    bad = {e["name"]: e["figure"].get("text_problems") for e in figures
           if e["figure"].get("text_problems")}
    assert not bad, f"figures with overlapping or off-canvas text: {bad}"


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
def test_new_wave_reruns_the_study_and_compares(tmp_path, monkeypatch):
    """README walk-through: ingest an export as wave 2024, reproduce that study on it."""
    import cxresearch as cx

    monkeypatch.setenv("CXRESEARCH_DATA", str(tmp_path / "data"))
    export = ROOT / "data" / "examples" / "mitto_cx" / "mitto_cx_qualtrics.csv"
    cx.ingest(str(export), "mitto_cx", "2024")
    report = pipeline.reproduce(study="mitto_cx", wave="2024", out=tmp_path / "run",
                                parameters=QUICK, jobs=2, progress=False)
    ran = {r.name: r for r in report.notebooks}
    # the study's notebooks, and the study-agnostic templates (studies ["*"]): the wave report,
    # and tracking, since the study now has two observed waves (2024 and the example export)
    assert set(ran) == {"00_scorecard", "02_omnichannel_maturity", "03_cx_ownership_nps",
                        "06_new_wave", "10_wave_report-mitto_cx", "12_tracking-mitto_cx"}
    for r in ran.values():
        assert r.ok, r.describe()
        if r.name != "00_scorecard":
            assert r.parameters["wave"] == "2024"
    tests = (tmp_path / "run" / "tables" / "mitto_cx_wave_tests.csv").read_text()
    assert tests.strip(), "06_new_wave wrote no comparison"
    html = Path(ran["06_new_wave"].html).read_text()
    assert "mitto_cx/2024" in html and "2021-reconstructed" in html
