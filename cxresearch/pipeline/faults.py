"""Fault handling of a reproduce run (issue 12): run folders that cannot be written are
refused before any work, a run that stops on an error still leaves ``run.json``, and pool
workers die with the run (``kill -9`` leaves nothing behind)."""

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

__all__ = ["RUN_DIRS", "check_writable", "claim_run_dir", "die_with_parent", "failed_run_json"]

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
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

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
