"""Provenance of exported figures and tables: atomic file writes, hashes, git state, the waves
used, and the ``manifest.json`` that ``save_figure``/``save_table`` append to.

The manifest is one JSON document ``{"schema": 1, "entries": [...]}`` with one entry per
``(kind, name)``; saving again under the same name replaces the entry. File paths in entries are
relative to the manifest's folder, so a report folder can be moved or compared between runs.
Updates are serialised with a ``filelock`` lock (see :func:`lock_file`) because the reproduce
pipeline runs notebooks in parallel; the document itself is replaced atomically.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from filelock import FileLock

from cxresearch import paths
from cxresearch.paths import atomic_write, sha256_file
from cxresearch.waves.storage import is_wave

try:  # POSIX; elsewhere the manifest update is not locked
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

__all__ = [
    "is_synthetic",
    "file_record",
    "git_state",
    "manifest_path",
    "package_version",
    "read_manifest",
    "run_context",
    "update_manifest",
    "wave_record",
]

SCHEMA = 1


def file_record(path: Path, base: Path) -> dict:
    try:
        rel = os.path.relpath(path, base)
    except ValueError:  # pragma: no cover - other drive on Windows
        rel = str(path)
    return {"path": Path(rel).as_posix(), "sha256": sha256_file(path),
            "bytes": path.stat().st_size}


def package_version() -> str:
    from cxresearch import __version__
    return __version__


def git_state(root: Path | None = None) -> dict:
    """``{"commit": sha or None, "dirty": bool or None}`` of the repository holding the code.

    Dirty means tracked files differ from the commit (untracked files are ignored).
    """
    root = Path(root or paths.project_root())
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=20, check=True).stdout.strip()
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                 "--untracked-files=no"], capture_output=True, text=True,
                                timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit or None, "dirty": bool(status.strip())}


def run_context(notebook: str | None, parameters: dict | None) -> tuple[str | None, dict]:
    """Notebook name and parameters, from the arguments or the pipeline's environment
    (``CXRESEARCH_NOTEBOOK``, ``CXRESEARCH_PARAMETERS`` as JSON)."""
    nb = notebook if notebook is not None else os.environ.get("CXRESEARCH_NOTEBOOK") or None
    if parameters is None:
        raw = os.environ.get("CXRESEARCH_PARAMETERS")
        if raw:
            try:
                parameters = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ValueError(f"CXRESEARCH_PARAMETERS is not valid JSON: {raw!r}") from exc
        else:
            parameters = {}
    if not isinstance(parameters, dict):
        raise TypeError(f"parameters must be a dict, got {type(parameters).__name__}")
    return nb, json.loads(json.dumps(parameters, sort_keys=True, default=str))


def _canonical_sha(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str,
                                     separators=(",", ":")).encode()).hexdigest()


def wave_record(wave) -> dict:
    """Provenance of one wave: a Wave, a manifest dict, or a wave folder / manifest path.

    ``manifest_sha256`` is the hash of the wave's ``manifest.json`` file when it can be found
    (``manifest_hashed: "file"``), else of the manifest's canonical JSON (``"canonical_json"``).
    """
    manifest, file = None, None
    if isinstance(wave, (str, os.PathLike)):
        p = Path(wave)
        file = p / "manifest.json" if p.is_dir() else p
        if not file.is_file():
            raise ValueError(f"waves: no manifest.json at {str(p)!r}")
        manifest = json.loads(file.read_text(encoding="utf-8"))
    elif isinstance(wave, dict):
        manifest = wave
    elif is_wave(wave):
        manifest = dict(wave.manifest or {})
        for attr in ("path", "folder", "directory"):
            cand = getattr(wave, attr, None)
            if cand is not None:
                cand = Path(cand)
                cand = cand / "manifest.json" if cand.is_dir() else cand
                if cand.is_file():
                    file = cand
                    break
    else:
        raise TypeError(f"waves must hold Wave objects, manifest dicts or paths, got "
                        f"{type(wave).__name__}")
    study = manifest.get("study", getattr(wave, "study", None))
    label = manifest.get("wave", getattr(wave, "label", None))
    synthetic = manifest.get("synthetic", getattr(wave, "synthetic", None))
    if file is None and study and label:
        cand = paths.waves_dir() / str(study) / str(label) / "manifest.json"
        if cand.is_file():
            try:
                if json.loads(cand.read_text(encoding="utf-8")) == json.loads(
                        json.dumps(manifest, default=str)):
                    file = cand
            except (OSError, json.JSONDecodeError):
                file = None
    rec = {
        "study": study,
        "wave": None if label is None else str(label),
        "synthetic": None if synthetic is None else bool(synthetic),
        "manifest_sha256": sha256_file(file) if file is not None else _canonical_sha(manifest),
        "manifest_hashed": "file" if file is not None else "canonical_json",
    }
    for key in ("source_sha256", "codebook_sha256", "seed"):
        if key in manifest:
            rec[key] = manifest[key]
    return rec


def manifest_path(reports: Path | None = None) -> Path:
    return Path(reports or paths.reports_dir()) / "manifest.json"


def read_manifest(path: str | os.PathLike | None = None) -> dict:
    """The manifest document (empty when there is none yet)."""
    path = Path(path) if path is not None else manifest_path()
    if not path.exists():
        return {"schema": SCHEMA, "entries": []}
    doc = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
        raise ValueError(f"{path} is not a cxresearch manifest (no 'entries' list)")
    return doc


def lock_file(path: Path) -> Path:
    """Where the lock of ``path`` lives: a file named by the hash of ``path``'s absolute name in
    the system's temporary folder, so that no ``.lock`` file is left beside a manifest the user
    keeps (a lock file must not be deleted after use: another process may hold it open). It
    serialises the processes of one machine, which is what writes one run folder."""
    key = hashlib.sha256(os.fsencode(Path(path).absolute())).hexdigest()[:32]
    folder = Path(tempfile.gettempdir()) / "cxresearch-locks"
    if not folder.is_dir():
        folder.mkdir(exist_ok=True)
        with contextlib.suppress(OSError):  # shared by every user, as /tmp is (sticky bit)
            os.chmod(folder, 0o1777)
    return folder / f"{key}.lock"


@contextlib.contextmanager
def _locked(path: Path):
    """An exclusive lock for ``path`` (``filelock``: works off POSIX too), see :func:`lock_file`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(lock_file(path))):
        yield


def update_manifest(path: Path, entry: dict) -> None:
    """Add ``entry`` (replacing one of the same kind and name) under an exclusive lock."""
    with _locked(path):
        doc = read_manifest(path)
        key = (entry["kind"], entry["name"])
        entries = [e for e in doc["entries"] if (e.get("kind"), e.get("name")) != key]
        entries.append(entry)
        entries.sort(key=lambda e: (str(e.get("kind")), str(e.get("name"))))
        doc = {"schema": SCHEMA, "entries": entries}
        with atomic_write(path, "w") as fh:
            fh.write(json.dumps(doc, indent=2, sort_keys=False, ensure_ascii=False, default=str))
            fh.write("\n")


def now_utc() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_synthetic(synthetic: bool | None, *sources) -> bool:
    """Explicit ``synthetic`` wins when True; otherwise any source says so.

    A source is synthetic when it has a true ``synthetic`` attribute (a Wave), a true
    ``attrs["synthetic"]`` (a DataFrame from a synthetic wave), a ``synthetic`` column with any
    true value, or a manifest dict with ``synthetic: true``. ``synthetic=False`` together with a
    synthetic source raises: a reconstruction must never be labelled as observed data.
    """
    found = False
    for src in sources:
        if src is None:
            continue
        if isinstance(src, pd.DataFrame):
            if bool(src.attrs.get("synthetic", False)):
                found = True
            if "synthetic" in src.columns and src["synthetic"].fillna(False).astype(bool).any():
                found = True
        elif isinstance(src, (bool, np.bool_)):
            found = found or bool(src)
        elif isinstance(src, dict):
            found = found or bool(src.get("synthetic", False))
        elif bool(getattr(src, "synthetic", False) is True):
            found = True
    if synthetic is None:
        return found
    if not isinstance(synthetic, (bool, np.bool_)):
        raise TypeError(f"synthetic must be True, False or None, got {synthetic!r}")
    if not synthetic and found:
        raise ValueError("synthetic=False but the input is marked synthetic (a Wave, "
                         "attrs['synthetic'] or a 'synthetic' column); reconstructed data must "
                         "be labelled as such")
    return bool(synthetic)
