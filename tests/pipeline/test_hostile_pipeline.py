"""Hostile conditions for ``cxresearch reproduce`` (issue 12, part 5 and the run-folder/kill
items of part 1).

Classes (several variants each):

A. Unwritable destinations (``--out``, its sub-folders, the project's ``reports/``): one line on
   stderr naming the path, exit code 1, no traceback; ``run.json`` whenever the run folder
   exists.
B. A run that stops on an error half-way still leaves ``run.json`` saying so.
C. Runs starting in the same second get distinct run folders (no FileExistsError).
D. Names and error messages in the run's ``scorecard.md`` section are escaped.
E. ``kill -9`` of a run leaves no worker processes or kernels (slow: starts a kernel).

The test process runs as root in CI containers, where permission bits do not stop writes: the
variants use a *file in the way* (which stops root too); the chmod variants run only as a
normal user.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pytest

from cxresearch import paths
from cxresearch.pipeline import cli
from cxresearch.pipeline import run as pipeline
from cxresearch.pipeline.notebooks import NotebookResult

ROOT = Path(__file__).resolve().parents[2]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _notebook(path: Path, code: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(code))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture
def books(tmp_path):
    d = tmp_path / "nb"
    d.mkdir()
    _notebook(d / "01_x.ipynb", "x = 1")
    return d


def _cli(capsys, *argv) -> tuple[int, str]:
    code = cli.main(["reproduce", "--no-examples", "--no-progress", "--jobs", "1", *argv])
    err = capsys.readouterr().err
    return code, err


def _one_clear_line(code: int, err: str, path) -> None:
    assert code == cli.EXIT_FILES   # a file or folder cannot be written (issue 24: exit 3)
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert str(path) in lines[0], (path, err)
    assert lines[0].startswith("cxresearch reproduce: ")


# ------------------------------------------------------------------ A. unwritable
def test_out_is_a_file(books, tmp_path, capsys):
    target = tmp_path / "out.txt"
    target.write_text("not a folder")
    code, err = _cli(capsys, "--out", str(target), "--notebooks", str(books))
    _one_clear_line(code, err, target)
    assert target.read_text() == "not a folder"


def test_out_below_a_file(books, tmp_path, capsys):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    code, err = _cli(capsys, "--out", str(blocker / "run"), "--notebooks", str(books))
    _one_clear_line(code, err, blocker)


@pytest.mark.parametrize("sub", ["notebooks", "data", "figures", "tables"])
def test_run_sub_folder_blocked(books, tmp_path, capsys, sub):
    out = tmp_path / "run"
    out.mkdir()
    (out / sub).write_text("a file where a folder belongs")
    code, err = _cli(capsys, "--out", str(out), "--notebooks", str(books))
    _one_clear_line(code, err, out / sub)
    info = json.loads((out / "run.json").read_text())   # the run folder exists: run.json
    assert info["ok"] is False and sub in info["error"]


def test_reports_root_blocked(books, tmp_path, capsys, monkeypatch):
    reports = tmp_path / "reports"
    reports.write_text("x")
    cfg = paths.project_config()
    monkeypatch.setattr(paths, "project_config",
                        lambda *a, **k: {**cfg, "paths": {**cfg["paths"], "reports": reports}})
    code, err = _cli(capsys, "--notebooks", str(books))
    _one_clear_line(code, err, reports)


@pytest.mark.skipif(IS_ROOT, reason="permission bits do not stop root")
@pytest.mark.parametrize("where", ["out", "sub"])
def test_read_only_folders(books, tmp_path, capsys, where):
    out = tmp_path / "run"
    out.mkdir()
    ro = out if where == "out" else out / "notebooks"
    ro.mkdir(exist_ok=True)
    ro.chmod(0o500)
    try:
        code, err = _cli(capsys, "--out", str(out), "--notebooks", str(books))
    finally:
        ro.chmod(0o700)
    _one_clear_line(code, err, ro)


# ------------------------------------------------------------------ B. run.json on failure
@pytest.mark.parametrize("exc", [RuntimeError("boom in data"), KeyboardInterrupt(),
                                 PermissionError(13, "Permission denied", "/x/waves")])
def test_run_json_is_written_when_a_run_stops(books, tmp_path, monkeypatch, exc):
    def fail(*a, **k):
        raise exc

    monkeypatch.setattr(pipeline, "_prepare_data", fail)
    out = tmp_path / "run"
    with pytest.raises(type(exc)):
        pipeline.reproduce(notebooks=books, out=out, examples=True, progress=False, jobs=1)
    info = json.loads((out / "run.json").read_text())
    assert info["ok"] is False
    assert info["error"].startswith(type(exc).__name__)


# ------------------------------------------------------------------ C. same-second runs
class _FrozenClock:
    @staticmethod
    def now(tz=None):
        return datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def frozen(tmp_path, monkeypatch):
    cfg = paths.project_config()
    reports = tmp_path / "reports"
    monkeypatch.setattr(paths, "project_config",
                        lambda *a, **k: {**cfg, "paths": {**cfg["paths"], "reports": reports}})
    monkeypatch.setattr(pipeline, "datetime", _FrozenClock)
    return reports


def test_same_second_sequential(frozen):
    runs = [pipeline._new_run_dir(None)[0] for _ in range(5)]
    assert len({r.name for r in runs}) == 5
    assert runs[0].name == "20260102T030405Z" and runs[1].name == "20260102T030405Z-1"


def test_same_second_concurrent_threads(frozen):
    got, errors = [], []
    start = threading.Barrier(12)

    def one():
        start.wait()
        try:
            got.append(pipeline._new_run_dir(None)[0])
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=one) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not errors
    assert len({r.name for r in got}) == 12


def test_same_second_with_leftover_folders(frozen):
    frozen.mkdir(parents=True)
    for name in ("20260102T030405Z", "20260102T030405Z-1", "20260102T030405Z-3"):
        (frozen / name).mkdir()
    a = pipeline._new_run_dir(None)[0]
    b = pipeline._new_run_dir(None)[0]
    assert (a.name, b.name) == ("20260102T030405Z-2", "20260102T030405Z-4")


@pytest.mark.slow
def test_same_second_concurrent_processes(tmp_path):
    """Four processes claim a run folder in the same (frozen) second of the same reports/."""
    code = textwrap.dedent(f"""
        import sys, time
        from datetime import UTC, datetime
        from cxresearch import paths
        from cxresearch.pipeline import run as p
        cfg = paths.project_config()
        paths.project_config = lambda *a, **k: {{**cfg, "paths": {{**cfg["paths"],
                                                "reports": __import__("pathlib").Path(
                                                {str(tmp_path / "reports")!r})}}}}
        class C:
            @staticmethod
            def now(tz=None):
                return datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        p.datetime = C
        while time.time() < float(sys.argv[1]):
            time.sleep(0.001)
        print(p._new_run_dir(None)[0].name)
    """)
    at = str(time.time() + 4)
    procs = [subprocess.Popen([sys.executable, "-c", code, at], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-500:] for o in outs]
    names = [o[0].strip() for o in outs]
    assert len(set(names)) == 4, names


# ------------------------------------------------------------------ D. scorecard escaping
@pytest.mark.parametrize("hostile", [
    "x`<img src=x onerror=alert(1)>`",
    "<script>alert(1)</script>",
    "a|b\n# heading\n<b>bold</b>",
    "[click](javascript:alert(1))",
])
def test_scorecard_section_escapes_names_and_errors(tmp_path, hostile):
    rep = pipeline.RunReport(tmp_path)
    rep.notebooks = [NotebookResult(name=hostile, ok=False, seconds=1.0, parameters={},
                                    html="x.html", cell=2, error=f"ValueError: {hostile}")]
    rep.waves = [{"study": hostile, "wave": hostile, "kind": hostile, "rows_kept": 3,
                  "synthetic": False}]
    rep.problems = [f"ingest of {hostile} failed"]
    pipeline._finish(rep, hostile, hostile, {"p": hostile}, 1)
    md = (tmp_path / "scorecard.md").read_text()
    for tag in ("<img", "<script", "<b>"):
        assert tag not in md
    assert not re.search(r"(?<!\\)\]\(javascript", md)   # an escaped "\]" is no link
    assert "\n# heading" not in md
    json.loads((tmp_path / "run.json").read_text())


# ------------------------------------------------------------------ E. kill -9
def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:   # a zombie is dead for our purpose
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux")
def test_kill_9_leaves_no_workers(tmp_path):
    books = tmp_path / "nb"
    books.mkdir()
    marker = tmp_path / "pids.json"
    _notebook(books / "01_sleep.ipynb", textwrap.dedent(f"""
        import json, os, time, pathlib
        pathlib.Path({str(marker)!r}).write_text(json.dumps(
            {{"kernel": os.getpid(), "worker": os.getppid()}}))
        time.sleep(120)
    """))
    code = (f"from cxresearch.pipeline import run\n"
            f"run.reproduce(notebooks={str(books)!r}, out={str(tmp_path / 'run')!r}, "
            f"examples=False, progress=False, jobs=1)\n")
    main = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 90
        while not marker.exists() and time.time() < deadline and main.poll() is None:
            time.sleep(0.2)
        assert marker.exists(), "the notebook did not start"
        pids = json.loads(marker.read_text())
        assert _alive(pids["worker"]) and _alive(pids["kernel"])
        main.send_signal(signal.SIGKILL)
        main.wait(10)
        deadline = time.time() + 15   # the kernel's parent poller looks once a second
        while time.time() < deadline and (_alive(pids["worker"]) or _alive(pids["kernel"])):
            time.sleep(0.2)
        assert not _alive(pids["worker"]), "worker outlived the run"
        assert not _alive(pids["kernel"]), "kernel outlived the run"
    finally:
        if main.poll() is None:
            main.kill()
        if marker.exists():
            for pid in json.loads(marker.read_text()).values():
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)
