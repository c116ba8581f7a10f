"""Where a wave lives and how its writes are kept safe: the folder layout, the lock per wave,
and the recovery of what a killed write left behind.

A wave is ``<waves>/<study>/<wave>/`` holding ``manifest.json``, its answers as
``responses.parquet`` or, for a large or multi-file ingest, as several part files
``responses/part-NNNNN.parquet`` (each listed in the manifest with its sha256; readers take
either layout through :func:`response_files`), and ``quarantine.csv`` when rows were set aside.

Writes hold a lock per wave (``filelock``, in ``<waves>/.locks/<study>/<wave>.lock``), write to a
hidden temporary folder beside the final place and rename it in; a replacement moves the old
wave aside first. :func:`recover_wave` resolves what a process killed between those renames
left (module docstring of :mod:`cxresearch.waves.storage`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path

from cxresearch import paths
from cxresearch.errors import WaveRecoveredWarning
from cxresearch.paths import sha256_file

__all__ = ["MANIFEST", "PARTS", "QUARANTINE", "RESPONSES", "check_label", "recover_wave",
           "response_files", "stream_folder", "wave_dir"]

RESPONSES = "responses.parquet"
PARTS = "responses"  # folder of part files (responses/part-00000.parquet, ...)
MANIFEST = "manifest.json"
QUARANTINE = "quarantine.csv"

# study ids and wave labels become folder names: paths.check_label keeps them portable
_LABEL_RE = paths.LABEL_RE
_LOCK_TIMEOUT = 300.0  # seconds a writer waits for another writer of the same wave


check_label = paths.check_label  # the rule lives in paths, beside the other name rules


_check_label = check_label



def wave_dir(study: str, wave: str, root: str | os.PathLike | None = None) -> Path:
    """Folder of a wave: ``<root>/<study>/<wave>`` (root defaults to ``paths.waves_dir()``)."""
    base = Path(root) if root is not None else paths.waves_dir()
    return base / _check_label("study", study) / _check_label("wave", wave)



def response_files(folder: Path, manifest: dict | None = None) -> list[Path]:
    """The Parquet files holding a stored wave's answers: ``responses.parquet``, or the part
    files ``responses/part-*.parquet`` in order (those the manifest lists, when given)."""
    folder = Path(folder)
    if manifest is not None:
        listed = sorted(f for f in (manifest.get("files") or {})
                        if f == RESPONSES or f.startswith(PARTS + "/"))
        if listed:
            return [folder / f for f in listed]
    if (folder / RESPONSES).is_file():
        return [folder / RESPONSES]
    return sorted((folder / PARTS).glob("part-*.parquet"))


# ------------------------------------------------------------------ locking and recovery


def _wave_lock(target: Path):
    """The lock of one wave (``<waves>/.locks/<study>/<wave>.lock``), outside the wave folders
    so that a study folder holds only waves."""
    from filelock import FileLock

    lock_dir = target.parent.parent / ".locks" / target.parent.name
    lock_dir.mkdir(parents=True, exist_ok=True)
    return FileLock(str(lock_dir / f"{target.name}.lock"), timeout=_LOCK_TIMEOUT)


def _leftovers(target: Path) -> dict[str, list[Path]]:
    """Hidden folders of killed writes of this wave: ``new`` (complete or not) and ``old``."""
    out: dict[str, list[Path]] = {"new": [], "old": []}
    if not target.parent.is_dir():
        return out
    prefix = f".{target.name}."
    for p in target.parent.iterdir():
        if not p.name.startswith(prefix) or not p.is_dir():
            continue
        kind = p.name[len(prefix):].split("-", 1)[0]
        if kind == "stream" and _owner_alive(p.name[len(prefix):]):
            continue   # a batch-wise ingest still writing (see stream_folder)
        if kind in ("new", "tmp", "stream"):
            out["new"].append(p)
        elif kind == "old":
            out["old"].append(p)
    return out


def _owner_alive(rest: str) -> bool:
    """``stream-<pid>-<random>``: whether process ``pid`` still runs (on this machine)."""
    try:
        pid = int(rest.split("-")[1])
        os.kill(pid, 0)
    except (IndexError, ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def stream_folder(study: str, wave: str, root: str | os.PathLike | None = None) -> Path:
    """A private hidden folder beside a wave's final place for a batch-wise ingest to write
    ``responses.parquet`` into before :func:`write_wave` moves it into the wave
    (``.<wave>.stream-<pid>-*``: left alone while its process runs, removed by the recovery
    once it is dead)."""
    target = wave_dir(study, wave, root)
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{wave}.stream-{os.getpid()}-", dir=target.parent))



def _complete(folder: Path) -> bool:
    """A written wave folder whose files all match the sha256 in its manifest."""
    try:
        m = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = m.get("files") or {}
        return any(f == RESPONSES or f.startswith(PARTS + "/") for f in files) and all(
            (folder / f).is_file() and sha256_file(folder / f) == h for f, h in files.items())
    except (OSError, ValueError, AttributeError):
        return False


def _recover_locked(target: Path) -> list[str]:
    """Resolve the left-overs of killed writes of one wave (the caller holds its lock)."""
    left = _leftovers(target)
    if not left["new"] and not left["old"]:
        return []
    done: list[str] = []
    newest = lambda ps: sorted(ps, key=lambda q: q.stat().st_mtime_ns, reverse=True)  # noqa: E731
    if not target.exists():
        olds = [q for q in newest(left["old"]) if (q / "wave").is_dir()]
        news = [q for q in newest(left["new"]) if _complete(q)] if olds else []
        if news:  # killed between the two renames of a replace: the new wave was complete
            os.rename(news[0], target)
            done.append(f"completed an interrupted replacement of {target.name} with the new "
                        f"wave from {news[0].name}")
        elif olds:
            os.rename(olds[0] / "wave", target)
            done.append(f"restored {target.name} from {olds[0].name} (an interrupted "
                        "replacement had moved it aside and left no complete new wave)")
    for q in left["new"] + left["old"]:
        if q.exists():
            shutil.rmtree(q, ignore_errors=True)
            if q.exists():
                done.append(f"could not remove the left-over folder {q}")
            else:
                done.append(f"removed the left-over folder {q.name} of a killed write")
    return done


def recover_wave(study: str, wave: str, root: str | os.PathLike | None = None) -> list[str]:
    """Resolve what killed writes of one wave left behind; returns what was done.

    A replacement killed between its two renames leaves no wave but the old copy in
    ``.<wave>.old-*`` and the new one in ``.<wave>.new-*``: the new one wins when complete
    (every file matches its manifest), otherwise the old one is restored. Other hidden
    folders of killed writes are removed. Each action is also reported with a
    :class:`~cxresearch.errors.WaveRecoveredWarning`. Called by :func:`load_wave`,
    :func:`list_waves` and :func:`write_wave`; it takes the wave's lock.

    Examples
    --------
    >>> from cxresearch.waves.storage import recover_wave
    >>> recover_wave("mitto_cx", "2024")                  # doctest: +SKIP
    []
    >>> # In R: no equivalent (file-system housekeeping)
    """
    target = wave_dir(study, wave, root)
    left = _leftovers(target)
    if not left["new"] and not left["old"]:
        return []
    try:
        with _wave_lock(target):
            done = _recover_locked(target)
    except OSError as exc:  # read-only data folder: say so, change nothing
        done = [f"left-over folders of a killed write of {study}/{wave} were found in "
                f"{target.parent} but could not be resolved ({exc}): "
                + ", ".join(q.name for q in left["new"] + left["old"])]
    for line in done:
        warnings.warn(f"wave {study}/{wave}: {line}", WaveRecoveredWarning, stacklevel=3)
    return done


