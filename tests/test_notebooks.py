"""The committed notebooks: clean (no outputs, one parameters cell) and green when executed.

Executing runs the whole reproduce pipeline once (example ingestion, reconstructions, every
notebook in parallel) with small parameters, and then asserts per notebook, so that a failure
names the notebook and its cell.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from cxresearch.pipeline import run as pipeline

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").glob("*.ipynb") if not p.name.startswith("_"))
EXPECTED = ["00_scorecard", "01_mopinion_benchmark", "02_omnichannel_maturity",
            "03_cx_ownership_nps", "04_cxnetwork_digital_cx_2021", "05_cx_trends",
            "06_new_wave", "07_real_customers"]
QUICK = {"quick": True, "n_reconstructions": 3}


def test_the_eight_notebooks_are_there():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_is_clean(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    with_output = [i for i, c in enumerate(nb.cells)
                   if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not with_output, f"{path.name}: cells {with_output} carry outputs; strip them"
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


def test_notebooks_match_their_cell_sources():
    """The committed .ipynb are what notebooks/_build.py writes from notebooks/_cells.py."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_build", ROOT / "notebooks" / "_build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for path in NOTEBOOKS:
        built = mod.build(path.stem, mod.NOTEBOOKS[path.stem])
        assert nbformat.writes(built).rstrip() == path.read_text(encoding="utf-8").rstrip(), (
            f"{path.name} differs from notebooks/_cells.py: run python notebooks/_build.py")


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
def test_new_wave_reruns_the_study_and_compares(tmp_path, monkeypatch):
    """README walk-through: ingest an export as wave 2024, reproduce that study on it."""
    import cxresearch as cx

    monkeypatch.setenv("CXRESEARCH_DATA", str(tmp_path / "data"))
    export = ROOT / "data" / "examples" / "mitto_cx" / "mitto_cx_qualtrics.csv"
    cx.ingest(str(export), "mitto_cx", "2024")
    report = pipeline.reproduce(study="mitto_cx", wave="2024", out=tmp_path / "run",
                                parameters=QUICK, jobs=2, progress=False)
    ran = {r.name: r for r in report.notebooks}
    assert set(ran) == {"00_scorecard", "02_omnichannel_maturity", "03_cx_ownership_nps",
                        "06_new_wave"}
    for r in ran.values():
        assert r.ok, r.describe()
        if r.name != "00_scorecard":
            assert r.parameters["wave"] == "2024"
    tests = (tmp_path / "run" / "tables" / "mitto_cx_wave_tests.csv").read_text()
    assert tests.strip(), "06_new_wave wrote no comparison"
    html = Path(ran["06_new_wave"].html).read_text()
    assert "mitto_cx/2024" in html and "2021-reconstructed" in html
