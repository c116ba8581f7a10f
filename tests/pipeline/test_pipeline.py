"""The reproduce pipeline, on tiny throwaway notebooks (the real notebooks: test_notebooks.py).

Each executed notebook starts a kernel (a couple of seconds), so the notebooks here are few and
one run covers several assertions.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest

from cxresearch.pipeline import cli, rundata
from cxresearch.pipeline import run as pipeline


def _notebook(path: Path, cells: list[tuple[str, str]], meta: dict | None = None) -> Path:
    """Write a notebook of (kind, source) cells; kind 'parameters' is a tagged code cell."""
    nb = nbformat.v4.new_notebook()
    for kind, src in cells:
        if kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(src))
        else:
            cell = nbformat.v4.new_code_cell(src)
            if kind == "parameters":
                cell.metadata["tags"] = ["parameters"]
            nb.cells.append(cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    if meta is not None:
        nb.metadata["cxresearch"] = meta
    nbformat.write(nb, path)
    return path


ENV_PROBE = """
import json, os, sys, pathlib
probe = {k: os.environ.get(k) for k in
         ("CXRESEARCH_DATA", "CXRESEARCH_REPORTS", "CXRESEARCH_NOTEBOOK",
          "CXRESEARCH_PARAMETERS")}
probe["executable"] = sys.executable
probe["n"] = n
pathlib.Path(os.environ["CXRESEARCH_REPORTS"], "probe.json").write_text(json.dumps(probe))
"""


@pytest.fixture
def books(tmp_path):
    d = tmp_path / "nb"
    d.mkdir()
    _notebook(d / "01_good.ipynb", [("markdown", "# good"), ("parameters", "n = 1\nquick = False"),
                                    ("code", ENV_PROBE)], {"studies": ["study_a"]})
    _notebook(d / "02_bad.ipynb", [("parameters", "n = 1"), ("code", "x = 1"),
                                   ("code", "y = n / 0\n# second line")], {"studies": ["study_b"]})
    _notebook(d / "_helper.ipynb", [("code", "raise SystemExit('must not run')")])
    return d


@pytest.mark.slow
def test_failing_notebook_named_with_cell_and_others_still_run(books, tmp_path, capsys):
    out = tmp_path / "run"
    code = cli.main(["reproduce", "--notebooks", str(books), "--out", str(out), "--jobs", "2",
                     "--no-examples", "--no-progress", "--param", "n=3"])
    captured = capsys.readouterr()
    assert code == 1
    # the failing notebook and its cell are named on stderr
    assert "02_bad" in captured.err
    assert "ZeroDivisionError" in captured.err
    assert "y = n / 0" in captured.err
    run = json.loads((out / "run.json").read_text())
    by_name = {r["name"]: r for r in run["notebooks"]}
    assert set(by_name) == {"01_good", "02_bad"}  # _helper is not a runnable notebook
    bad = by_name["02_bad"]
    assert not bad["ok"]
    # cells as committed: [parameters, x = 1, y = n / 0] -> the third, counted from 1 (papermill
    # inserts an injected-parameters cell in the executed copy; that one is not counted)
    assert bad["cell"] == 3
    assert "02_bad: FAILED in cell 3 (In [" in captured.err
    assert by_name["01_good"]["ok"]
    # both executed notebooks and their HTML versions are in the report
    for name in ("01_good", "02_bad"):
        assert (out / "notebooks" / f"{name}.ipynb").is_file()
        assert (out / "notebooks" / f"{name}.html").is_file()
    # the environment each notebook saw
    probe = json.loads((out / "probe.json").read_text())
    assert probe["CXRESEARCH_REPORTS"] == str(out)
    assert probe["CXRESEARCH_DATA"] == str(out / "data")
    assert probe["CXRESEARCH_NOTEBOOK"] == "01_good"
    assert json.loads(probe["CXRESEARCH_PARAMETERS"]) == {"n": 3}
    assert probe["n"] == 3  # the --param reached the parameters cell
    # the kernel runs in the interpreter running the pipeline (the venv's)
    assert Path(probe["executable"]).resolve() == Path(sys.executable).resolve()
    card = (out / "scorecard.md").read_text()
    assert "| [02_bad](notebooks/02_bad.html) | FAILED |" in card
    assert "| [01_good](notebooks/01_good.html) | ok |" in card


@pytest.mark.slow
def test_study_selects_notebooks_and_success_exits_zero(books, tmp_path):
    report = pipeline.reproduce(study="study_a", notebooks=books, out=tmp_path / "r",
                                examples=False, progress=False, jobs=1,
                                parameters={"quick": True})
    assert report.ok
    assert [r.name for r in report.notebooks] == ["01_good"]
    assert report.notebooks[0].parameters == {"quick": True}


def test_unknown_parameter_is_refused_naming_it(books, tmp_path):
    with pytest.raises(ValueError, match=r"n_recon.*declared: n, quick"):
        pipeline.reproduce(notebooks=books, out=tmp_path / "r", examples=False,
                           progress=False, parameters={"n_recon": 3})


def test_study_and_wave_are_flags_not_parameters(books, tmp_path):
    with pytest.raises(ValueError, match="pass study as --study"):
        pipeline.reproduce(notebooks=books, out=tmp_path / "r", parameters={"study": "x"})


def test_unknown_study_and_wave_without_study_are_refused(books, tmp_path):
    with pytest.raises(ValueError, match="no notebook covers this study.*study_a, study_b"):
        pipeline.reproduce(study="nope", notebooks=books, out=tmp_path / "r", examples=False)
    with pytest.raises(ValueError, match="--wave '2024' needs --study"):
        pipeline.reproduce(wave="2024", notebooks=books, out=tmp_path / "r", examples=False)


def test_missing_wave_is_refused_with_the_ingest_command(books, tmp_path, monkeypatch):
    monkeypatch.setenv("CXRESEARCH_DATA", str(tmp_path / "data"))
    with pytest.raises(ValueError, match="cxresearch ingest FILE --instrument study_a --wave 2031"):
        pipeline.reproduce(study="study_a", wave="2031", notebooks=books, out=tmp_path / "r",
                           examples=False, progress=False)
    assert not (tmp_path / "r").exists()  # refused before anything was written


def test_discover_reads_metadata_and_parameters(books):
    specs = pipeline.discover_notebooks(books)
    assert [s.name for s in specs] == ["01_good", "02_bad"]
    assert specs[0].studies == ["study_a"]
    assert specs[0].reconstruct == []  # none unless declared
    assert set(specs[0].parameters) == {"n", "quick"}
    assert specs[0].covers("study_a") and not specs[0].covers("study_b")


def test_latest_points_at_newest_run(tmp_path):
    for name in ("20260101T000000Z", "20260101T000001Z"):
        run = tmp_path / name
        run.mkdir()
        pipeline._point_latest(run)
        assert (tmp_path / "latest").resolve() == run.resolve()


def test_observed_waves_are_linked_and_reconstructions_are_not(tmp_path):
    src = tmp_path / "src"
    for wave in ("2024", "2021-reconstructed"):
        (src / "mitto_cx" / wave).mkdir(parents=True)
        (src / "mitto_cx" / wave / "manifest.json").write_text("{}")
        (src / "mitto_cx" / wave / "responses.parquet").write_bytes(b"PAR1")
        (src / "mitto_cx" / wave / "quarantine.csv").write_text("id,email\n1,a@b.example\n")
    dst = tmp_path / "dst"
    rundata._link_waves(src, dst)
    linked = dst / "mitto_cx" / "2024"
    assert (linked / "responses.parquet").is_symlink() and (linked / "manifest.json").is_symlink()
    # the rejected rows (and anything else stored beside a wave) never reach a report folder
    assert not (linked / "quarantine.csv").exists() and not linked.is_symlink()
    assert not (dst / "mitto_cx" / "2021-reconstructed").exists()


def test_example_exports_labels(tmp_path, monkeypatch):
    ex = tmp_path / "data" / "examples"
    (ex / "one").mkdir(parents=True)
    (ex / "one" / "export.csv").write_text("id\n1\n")
    (ex / "one" / "README.md").write_text("not an export")
    (ex / "two").mkdir()
    (ex / "two" / "a b.xlsx").write_bytes(b"")
    (ex / "two" / "c.sav").write_bytes(b"")
    monkeypatch.setenv("CXRESEARCH_DATA", str(tmp_path / "data"))
    got = [(s, w, p.name) for s, w, p in pipeline.example_exports()]
    assert got == [("one", "example", "export.csv"), ("two", "example-a-b", "a b.xlsx"),
                   ("two", "example-c", "c.sav")]
    assert [g[0] for g in pipeline.example_exports("two")] == ["two", "two"]


def test_reconstruction_entries_per_year():
    assert pipeline._recon_study("gscx_trends@2023") == "gscx_trends"
    assert pipeline._recon_assumptions("gscx_trends@2023") == {"year": 2023}
    assert pipeline._recon_assumptions("mitto_cx") == {}


def test_parameters_reach_only_notebooks_declaring_them(books):
    good, bad = pipeline.discover_notebooks(books)
    assert pipeline._notebook_parameters(good, "study_a", None, {"quick": True, "n": 2}) == {
        "quick": True, "n": 2}
    assert pipeline._notebook_parameters(bad, None, None, {"quick": True, "n": 2}) == {"n": 2}


def test_longest_notebooks_start_first(books, tmp_path):
    run = tmp_path / "20260101T000000Z"
    run.mkdir()
    (run / "run.json").write_text(json.dumps(
        {"notebooks": [{"name": "01_good", "seconds": 1.0}, {"name": "02_bad", "seconds": 9.0}]}))
    pipeline._point_latest(run)
    specs = pipeline.discover_notebooks(books)
    assert [s.name for s in pipeline._longest_first(specs, tmp_path)] == ["02_bad", "01_good"]
    # no previous run: the order is kept
    assert [s.name for s in pipeline._longest_first(specs, tmp_path / "none")] == [
        "01_good", "02_bad"]


def test_a_kernel_failure_is_retried_once_and_reported(tmp_path, monkeypatch):
    """An infrastructure failure (kernel did not start) gets one more attempt, and the result
    says so; a cell error is never retried (the failing-notebook test above covers that)."""
    import papermill as pm

    from cxresearch.pipeline import notebooks as notebook_runs
    calls = []

    def flaky(input_path, output_path, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Kernel didn't respond in 120 seconds")
        Path(output_path).write_text(Path(input_path).read_text())

    monkeypatch.setattr(pm, "execute_notebook", flaky)
    nb = tmp_path / "x.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]), nb)
    task = {"name": "x", "input": str(nb), "output": str(tmp_path / "out.ipynb"),
            "parameters": {}, "kernel_name": "python3", "cwd": str(tmp_path), "timeout": None,
            "env": {}}
    res = notebook_runs.NotebookResult(**notebook_runs.execute_notebook(task))
    assert len(calls) == 2
    assert res.ok and res.error is None
    assert "Kernel didn't respond" in res.retried_after
    assert "retried once" in res.describe()
