"""Fault handling of a reproduce run (issue 12): run folders that cannot be written are
refused before any work, a run that stops on an error still leaves ``run.json``, and pool
workers die with the run (``kill -9`` leaves nothing behind).

Incomplete runs (issue 24): a run folder holds a marker file ``.incomplete`` (the run's pid,
host and start time) from the moment it is claimed until the run has written ``run.json``
and its reports. A run killed (``kill -9``, Ctrl-C, power loss) or stopped by an error keeps
the marker: ``reports/latest`` never points at it, later runs skip it (they say how many such
folders there are) and ``cxresearch reproduce --clean`` removes the folders of runs that are
no longer running (:func:`clean_incomplete`)."""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from cxresearch.paths import write_text_atomic

__all__ = ["INCOMPLETE", "RUN_DIRS", "check_writable", "claim_run_dir", "clean_incomplete",
           "die_with_parent", "failed_run_json", "incomplete_runs", "mark_complete",
           "mark_incomplete", "worker_pool"]

#: marker file of a run folder whose run has not finished (killed, failed or still running)
INCOMPLETE = ".incomplete"

RUN_DIRS: contextvars.ContextVar[list | None] = contextvars.ContextVar("cx_run_dirs",
                                                                        default=None)


def claim_run_dir(run: Path) -> Path:
    """Remember the run folder of the current :func:`reproduce` call (for its ``run.json``)."""
    dirs = RUN_DIRS.get()
    if dirs is not None:
        dirs.append(run)
    return run


def check_writable(run: Path, *subs: str) -> None:
    """Fail before any work when the run folder or an existing sub-folder cannot be written
    (a file in the way, no permission), naming the path."""
    for d in [run, *(run / s for s in subs)]:
        if d.exists() and not d.is_dir():
            raise NotADirectoryError(20, "a file is in the way of a folder", str(d))
        target = d if d.is_dir() else run
        try:
            fd, tmp = tempfile.mkstemp(prefix=".cx-write-probe-", dir=target)
        except OSError as exc:
            raise type(exc)(exc.errno, exc.strerror, str(target)) from None
        os.close(fd)
        os.unlink(tmp)


def die_with_parent(parent: int) -> None:
    """Pool-worker initializer: a worker dies with the run (Linux ``PR_SET_PDEATHSIG``), so a
    ``kill -9`` of ``cxresearch reproduce`` leaves no workers behind; their Jupyter kernels
    stop on their own when their parent goes (ipykernel's parent poller)."""
    import signal

    # Ctrl-C reaches the whole process group: the run itself stops its workers (see
    # worker_pool), so a worker ignores it instead of printing a traceback of its own
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)   # PR_SET_PDEATHSIG = 1
    if os.getppid() != parent:   # the run died before the line above took effect
        os._exit(1)


def failed_run_json(run: Path, exc: BaseException) -> None:
    """``run.json`` of a run that stopped on an error (kept, and marked, if one exists)."""
    path = run / "run.json"
    try:
        info = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {
            "run": run.name, "created": datetime.now(UTC).isoformat(timespec="seconds")}
        info.update(ok=False, error=f"{type(exc).__name__}: {exc}")
        write_text_atomic(path, json.dumps(info, indent=2, default=str) + "\n")
    except OSError:
        pass   # the folder itself cannot be written: the caller reports the first error


def mark_incomplete(run: Path) -> None:
    """Put the marker of an unfinished run into ``run`` (pid, host, start time as JSON)."""
    import socket

    info = {"pid": os.getpid(), "host": socket.gethostname(),
            "started": datetime.now(UTC).isoformat(timespec="seconds")}
    write_text_atomic(run / INCOMPLETE, json.dumps(info) + "\n")


def mark_complete(run: Path) -> None:
    """Remove the marker: the run wrote its ``run.json`` and reports."""
    with contextlib.suppress(FileNotFoundError):
        (run / INCOMPLETE).unlink()


def _running(marker: Path) -> bool:
    """Whether the run that wrote ``marker`` is still running (same host, pid alive)."""
    import socket

    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
        pid, host = int(info["pid"]), info["host"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if host != socket.gethostname():
        return True   # another machine's run (a shared folder): never touched
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def incomplete_runs(root: Path) -> list[tuple[Path, bool]]:
    """``(folder, still_running)`` for every run folder under ``root`` holding the marker."""
    if not Path(root).is_dir():
        return []
    out = []
    for d in sorted(Path(root).iterdir()):
        if d.is_dir() and not d.is_symlink() and (d / INCOMPLETE).is_file():
            out.append((d, _running(d / INCOMPLETE)))
    return out


def clean_incomplete(root: Path) -> tuple[list[Path], list[Path]]:
    """Remove the run folders under ``root`` left by runs that were killed or stopped on an
    error; returns ``(removed, kept_because_running)``. Complete runs are never touched."""
    import shutil

    removed, running = [], []
    for d, alive in incomplete_runs(root):
        if alive:
            running.append(d)
            continue
        shutil.rmtree(d)
        removed.append(d)
    return removed, running


@contextlib.contextmanager
def worker_pool(max_workers: int, ctx):
    """A process pool whose workers die with the run; on Ctrl-C or any error the queued tasks
    are cancelled and the running workers stopped at once (no wait for their notebooks)."""
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=max_workers, mp_context=ctx,
                               initializer=die_with_parent, initargs=(os.getpid(),))
    try:
        yield pool
    except BaseException:
        procs = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.kill()
        raise
    pool.shutdown(wait=True)
