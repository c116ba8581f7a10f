"""Killed and failed ``reproduce`` runs (issue 24, item 6; issue 23, item 5).

A run folder is marked ``.incomplete`` from the moment it is claimed until its reports are
written. Classes, several variants each:

A. A complete run leaves no marker, no lock file (``manifest.json.lock``, the run-local
   waves' ``.locks/``), lists what it ran and what it skipped and why, and prints no empty
   "Example exports:" header in a project without examples.
B. A run stopped by an error, by Ctrl-C or by ``kill -9`` keeps the marker; ``latest`` never
   points at it; the next run says it is skipped; ``reproduce --clean`` removes it and keeps
   complete runs and runs still running.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from cxresearch.pipeline import cli
from cxresearch.pipeline import run as pipeline
from cxresearch.pipeline.faults import INCOMPLETE, clean_incomplete, incomplete_runs

ROOT = Path(__file__).resolve().parents[2]


def _notebook(path: Path, code: str, meta: dict | None = None) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(code))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    if meta:
        nb.metadata["cxresearch"] = meta
    nbformat.write(nb, path)
    return path


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.delenv("CXRESEARCH_DATA", raising=False)
    monkeypatch.delenv("CXRESEARCH_REPORTS", raising=False)
    assert cli.main(["init", str(tmp_path / "proj"), "--study", "members"]) == 0
    return tmp_path / "proj"


def _run(project, *argv) -> int:
    return cli.main(["reproduce", "--no-progress", "--jobs", "1", "--project", str(project),
                     *argv])


def _runs(project) -> list[Path]:
    return sorted(p for p in (project / "reports").iterdir()
                  if p.is_dir() and not p.is_symlink())


# ------------------------------------------------------------------ A. a complete run


@pytest.mark.slow
def test_complete_run_is_tidy(project, capsys):
    books = project / "notebooks"
    _notebook(books / "01_tables.ipynb",
              "import pandas as pd, cxresearch as cx\n"
              "cx.save_table(pd.DataFrame({'a': [1, 2]}), 'small')")
    assert _run(project) == 0
    out = capsys.readouterr().out
    run = _runs(project)[-1]
    assert not (run / INCOMPLETE).exists()
    assert not list(run.rglob("*.lock")), list(run.rglob("*.lock"))
    assert not (run / "data" / "waves" / ".locks").exists()
    assert "Example exports:" not in out          # the project has no examples
    assert "Notebooks run (1):" in out and "01_tables" in out
    # the templates were skipped (no codebook, no wave) and that is said, with why
    info = json.loads((run / "run.json").read_text())
    assert info["ok"] is True and isinstance(info["skipped"], list)
    assert (project / "reports" / "latest").resolve() == run.resolve()


def test_skipped_notebooks_are_listed_with_why(tmp_path, capsys, monkeypatch):
    """Notebooks that cover another study and templates a study cannot run are listed."""
    books = tmp_path / "nb"
    books.mkdir()
    _notebook(books / "10_other.ipynb", "x = 1", {"studies": ["mitto_cx"]})
    _notebook(books / "11_mine.ipynb", "x = 1", {"studies": ["cxn_dcx"]})
    monkeypatch.setattr(pipeline, "execute_notebook", None)   # never reached: no tasks run
    seen = {}

    def fake_finish(report, *a, **k):
        seen["skipped"] = report.skipped
        raise KeyboardInterrupt   # stop before anything else; the folder stays incomplete

    monkeypatch.setattr(pipeline, "_finish", fake_finish)
    monkeypatch.setattr(pipeline, "worker_pool", _no_pool)
    code = cli.main(["reproduce", "--no-examples", "--no-progress", "--study", "cxn_dcx",
                     "--notebooks", str(books), "--out", str(tmp_path / "out")])
    assert code == cli.EXIT_INTERRUPTED
    assert {s["notebook"] for s in seen["skipped"]} == {"10_other"}
    assert "not --study cxn_dcx" in seen["skipped"][0]["why"]
    assert (tmp_path / "out" / INCOMPLETE).is_file()


class _no_pool:
    """A stand-in pool that runs nothing (the notebooks' results are not needed here)."""

    def __init__(self, *a, **k):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def submit(self, fn, task):
        from concurrent.futures import Future

        f = Future()
        f.set_result({"name": task["name"], "ok": True, "seconds": 0.0, "parameters": {},
                      "output": task["output"]})
        return f


# ------------------------------------------------------------------ B. incomplete runs


def _fake_run(root: Path, name: str, *, pid: int | None = None, complete=False) -> Path:
    d = root / name
    (d / "notebooks").mkdir(parents=True)
    (d / "run.json").write_text("{}")
    if not complete:
        (d / INCOMPLETE).write_text(json.dumps({"pid": pid or 999_999_999,
                                                "host": socket.gethostname(),
                                                "started": "2026-01-01T00:00:00+00:00"}))
    return d


def test_clean_removes_dead_runs_only(tmp_path):
    root = tmp_path / "reports"
    dead = _fake_run(root, "20260101T000000Z")
    dead2 = _fake_run(root, "20260101T000001Z")
    (dead2 / INCOMPLETE).write_text("not json")                 # a damaged marker: dead
    done = _fake_run(root, "20260101T000002Z", complete=True)
    alive = _fake_run(root, "20260101T000003Z", pid=os.getpid())
    elsewhere = _fake_run(root, "20260101T000004Z")
    (elsewhere / INCOMPLETE).write_text(json.dumps({"pid": 1, "host": "another-machine"}))
    assert {d.name for d, running in incomplete_runs(root) if not running} == {
        dead.name, dead2.name}
    removed, running = clean_incomplete(root)
    assert sorted(removed) == [dead, dead2]
    assert set(running) == {alive, elsewhere}
    assert done.is_dir() and alive.is_dir() and elsewhere.is_dir()
    assert not dead.exists() and not dead2.exists()


def test_clean_cli(project, capsys):
    dead = _fake_run(project / "reports", "20260101T000000Z")
    done = _fake_run(project / "reports", "20260101T000001Z", complete=True)
    assert _run(project, "--clean") == 0
    out = capsys.readouterr().out
    assert f"removed incomplete run folder {dead}" in out
    assert not dead.exists() and done.is_dir()
    assert _run(project, "--clean") == 0
    assert "no incomplete run folders" in capsys.readouterr().out


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyboardInterrupt(),
                                 OSError(28, "No space left on device")])
def test_stopped_run_keeps_marker(project, capsys, monkeypatch, exc):
    def stop(*a, **k):
        raise exc

    monkeypatch.setattr(pipeline, "_prepare_data", stop)
    code = _run(project)
    err = capsys.readouterr().err
    assert code in (cli.EXIT_INTERNAL, cli.EXIT_INTERRUPTED, cli.EXIT_FILES)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    [run] = _runs(project)
    assert (run / INCOMPLETE).is_file()
    assert json.loads((run / "run.json").read_text())["ok"] is False
    assert not (project / "reports" / "latest").exists()     # never points at it
    if isinstance(exc, KeyboardInterrupt):
        assert "--clean" in err


@pytest.mark.slow
def test_kill_9_leaves_marked_folder_that_next_run_skips(project):
    _notebook(project / "notebooks" / "01_slow.ipynb", "import time\ntime.sleep(60)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CXRESEARCH_DATA", None)
    proc = subprocess.Popen([sys.executable, "-m", "cxresearch.pipeline.cli", "reproduce",
                             "--no-progress", "--jobs", "1"], cwd=project, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not list((project / "reports").glob(
                "*/notebooks/")):
            time.sleep(0.2)
        time.sleep(1.0)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    [run] = _runs(project)
    assert (run / INCOMPLETE).is_file()
    assert not (project / "reports" / "latest").exists()
    (project / "notebooks" / "01_slow.ipynb").unlink()
    out = subprocess.run([sys.executable, "-m", "cxresearch.pipeline.cli", "reproduce",
                          "--no-progress", "--jobs", "1"], cwd=project, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "1 incomplete run folder(s)" in out.stdout and "--clean" in out.stdout
    latest = (project / "reports" / "latest").resolve()
    assert latest != run.resolve() and not (latest / INCOMPLETE).exists()
    out = subprocess.run([sys.executable, "-m", "cxresearch.pipeline.cli", "reproduce",
                          "--clean"], cwd=project, env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and not run.exists(), out
