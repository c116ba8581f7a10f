"""Waves: one study's respondent-level answers, validated against its codebook.

A wave lives in ``data/waves/<study>/<wave>/`` as ``responses.parquet`` (one row per
respondent, columns and dtypes as in CONTRIBUTING.md, "How answers are stored in a wave"),
``manifest.json`` (where the rows came from) and, for an ingest run with
``on_error="quarantine"``, ``quarantine.csv`` (the rejected rows with their reasons).

Waves are observed (ingested from a researcher's export) or reconstructed (generated to be
consistent with published figures; ``synthetic: true``, label ``<year>-reconstructed``). The
manifest says which, and so does :attr:`Wave.synthetic`.

Writes are atomic and serialised: a writer holds a lock per wave (``filelock``, in
``<waves>/.locks/<study>/<wave>.lock``) while it checks that the wave does not exist, writes it
to a hidden temporary folder beside its final place (``.<wave>.new-*``) and renames it into
place, so of two writers of one new wave exactly one wins and the other fails with
:class:`~cxresearch.errors.WaveExistsError`, writing nothing. A replacement moves the old wave
aside (``.<wave>.old-*``) before renaming the new one in; a process killed between those two
renames leaves both, and the next :func:`load_wave`, :func:`list_waves` or write of that wave
resolves them (a complete new wave, whose files match its manifest, wins; otherwise the old one
is restored) and removes the left-over hidden folders, with a
:class:`~cxresearch.errors.WaveRecoveredWarning` saying what it did.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from cxresearch import paths
from cxresearch.errors import (
    CodebookChangedWarning,
    CxWarning,
    WaveExistsError,
    WaveRecoveredWarning,
    printable,
)
from cxresearch.paths import sha256_file, spreadsheet_safe_frame
from cxresearch.waves.engine import EngineWave
from cxresearch.waves.folders import (  # noqa: F401 - names this module has always offered
    _LABEL_RE,
    MANIFEST,
    PARTS,
    QUARANTINE,
    RESPONSES,
    _check_label,
    _recover_locked,
    _wave_lock,
    check_label,
    recover_wave,
    response_files,
    stream_folder,
    wave_dir,
)
from cxresearch.waves.wave import (  # noqa: F401 - names this module has always offered
    StreamedWave,
    Wave,
    _resolve_instrument,
    is_wave,
    read_parts,
    wave_year,
)

__all__ = [
    "is_wave",
    "wave_year",
    "CodebookChangedWarning",
    "Wave",
    "WaveExistsError",
    "WaveRecoveredWarning",
    "check_label",
    "list_waves",
    "recover_wave",
    "load_wave",
    "wave_dir",
    "write_wave",
    "write_waves",
    "StreamedWave",
    "stream_folder",
]


def _jsonable(obj):
    """json.dumps default: numpy scalars, paths, timestamps."""
    if hasattr(obj, "item") and callable(obj.item):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, datetime | pd.Timestamp):
        return obj.isoformat()
    raise TypeError(f"manifest value of type {type(obj).__name__} is not JSON-serialisable")


def _complete_manifest(wave: Wave) -> dict:
    from cxresearch import __version__
    m = dict(wave.manifest)
    m.setdefault("synthetic", False)
    m.setdefault("rows_kept", int(len(wave.data)))
    m.setdefault("rows_rejected", 0 if wave.quarantine is None else int(len(wave.quarantine)))
    m.setdefault("rows_read", int(m["rows_kept"]) + int(m["rows_rejected"]))
    m.setdefault("rejections", [])
    m.setdefault("codebook_sha256", getattr(wave.instrument, "sha256", None))
    m.setdefault("package_version", __version__)
    m.setdefault("created", datetime.now(UTC).isoformat(timespec="seconds"))
    m["columns"] = {c: str(t) for c, t in wave.data.dtypes.items()}
    return m


def write_wave(wave: Wave, replace: bool = False, root: str | os.PathLike | None = None) -> Path:
    """Write a wave to ``<root>/<study>/<wave>/`` atomically.

    The files are written to a temporary folder in the same parent and renamed into place, so
    that nothing is left behind when a write fails and a reader never sees a partial wave.

    Parameters
    ----------
    wave : Wave
    replace : bool, default False
        Overwrite an existing wave. Without it an existing wave raises
        :class:`WaveExistsError` and is left untouched.
    root : path, optional
        Folder of waves; defaults to ``paths.waves_dir()`` (``$CXRESEARCH_DATA/waves``).

    Returns
    -------
    pathlib.Path
        The wave's folder. ``manifest.json`` gains ``columns``, ``files`` (sha256 of each
        file written), and defaults for ``created``, ``package_version``, ``codebook_sha256``
        and the row counts when they were not set.

    Examples
    --------
    >>> cx.waves.write_wave(wave, replace=True)          # doctest: +SKIP
    >>> # In R: arrow::write_parquet(df, "responses.parquet")
    """
    return write_waves([wave], replace=replace, root=root)[0]


def write_waves(waves: list[Wave], replace: bool = False,
                root: str | os.PathLike | None = None) -> list[Path]:
    """Write several waves all or nothing (the waves of one long file).

    Every wave's lock is taken (in a fixed order), every target is checked (an existing wave
    without ``replace`` raises :class:`WaveExistsError` naming all of them, writing nothing),
    every wave is written to its hidden temporary folder, and only then are they renamed into
    place; an error before the renames leaves nothing, an error during them undoes the renames
    done (old waves restored). A process killed during the renames is resolved wave by wave
    by the usual recovery (see the module docstring).

    Returns
    -------
    list of pathlib.Path
        The waves' folders, in the order given.
    """
    import contextlib

    waves = list(waves)
    if not all(isinstance(w, Wave) for w in waves):
        bad = next(w for w in waves if not isinstance(w, Wave))
        raise TypeError(f"wave must be a Wave, got {type(bad).__name__}")
    if not isinstance(replace, bool):
        raise TypeError(f"replace must be True or False, got {replace!r}")
    targets = [wave_dir(w.study, w.label, root) for w in waves]
    if len(set(targets)) != len(targets):
        raise ValueError("two waves of this write have the same study and label")
    for w in waves:
        _refuse_infinite(w)
    manifests = [_complete_manifest(w) for w in waves]
    for t in targets:
        t.parent.mkdir(parents=True, exist_ok=True)
    staged: list[Path] = []
    with contextlib.ExitStack() as stack:
        for t in sorted(targets):
            stack.enter_context(_wave_lock(t))
        for w, t in zip(waves, targets, strict=True):
            for line in _recover_locked(t):
                warnings.warn(f"wave {w.study}/{w.label}: {line}", WaveRecoveredWarning,
                              stacklevel=3)
        there = [f"{w.study}/{w.label}" for w, t in zip(waves, targets, strict=True)
                 if t.exists()]
        if there and not replace:
            raise WaveExistsError(
                f"wave{'s' if len(there) > 1 else ''} {', '.join(there)} already exist"
                f"{'' if len(there) > 1 else 's'} at {targets[0].parent.parent}; nothing was "
                "written (pass replace=True, or --replace on the command line, to overwrite)")
        try:
            for w, t, m in zip(waves, targets, manifests, strict=True):
                staged.append(_stage(w, t, m))
            done: list[tuple[Path, Path, Path | None]] = []   # (tmp, target, old)
            try:
                for tmp, t in zip(staged, targets, strict=True):
                    old = None
                    if t.exists():  # replace=True: move the old aside, then the new in
                        old = Path(tempfile.mkdtemp(prefix=f".{t.name}.old-", dir=t.parent))
                        os.replace(t, old / "wave")
                    try:
                        os.rename(tmp, t)   # under the lock: nobody created it meanwhile
                    except OSError:
                        if old is not None:
                            os.replace(old / "wave", t)
                            shutil.rmtree(old, ignore_errors=True)
                        raise
                    done.append((tmp, t, old))
            except BaseException:
                for tmp, t, old in reversed(done):  # undo: the old waves come back
                    with contextlib.suppress(OSError):
                        os.rename(t, tmp)
                        if old is not None:
                            os.replace(old / "wave", t)
                            shutil.rmtree(old, ignore_errors=True)
                raise
            for _, _, old in done:
                if old is not None:
                    shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            for tmp in staged:
                shutil.rmtree(tmp, ignore_errors=True)
            raise
    for w, t, m in zip(waves, targets, manifests, strict=True):
        w.manifest = m
        w.path = t
    return targets


def _stage(wave: Wave, target: Path, manifest: dict) -> Path:
    """Write a wave's files into a hidden temporary folder beside ``target``; returns it."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        staged = getattr(wave, "staged", None)
        names = [RESPONSES]
        if staged is not None:   # a StreamedWave: its responses were written batch by batch
            parts = [Path(p) for p in staged] if isinstance(staged, list) else [Path(staged)]
            if len(parts) > 1:   # several part files: responses/part-00000.parquet, ...
                (tmp / PARTS).mkdir()
                names = [f"{PARTS}/part-{k:05d}.parquet" for k in range(len(parts))]
            for part, name in zip(parts, names, strict=True):
                os.replace(part, tmp / name)
            shutil.rmtree(parts[0].parent, ignore_errors=True)
            wave.staged = None
        else:
            wave.data.to_parquet(tmp / RESPONSES, index=False)
        files = {name: sha256_file(tmp / name) for name in names}
        if wave.quarantine is not None and len(wave.quarantine):
            safe = spreadsheet_safe_frame(wave.quarantine)
            # CRLF rows (RFC 4180): pandas quotes a lone "\r" in a cell only then
            safe.to_csv(tmp / QUARANTINE, index=False, encoding="utf-8",
                        lineterminator="\r\n")
            files[QUARANTINE] = sha256_file(tmp / QUARANTINE)
        manifest["files"] = files
        text = json.dumps(manifest, indent=2, ensure_ascii=False, default=_jsonable)
        with open(tmp / MANIFEST, "w", encoding="utf-8") as fh:  # written last: complete
            fh.write(text + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o755)  # mkdtemp makes it 0700
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


def _refuse_infinite(wave: Wave) -> None:
    """A wave never stores +-inf (an overflowed number is not an answer): ValueError naming
    the column and the first row."""
    for col in wave.data.columns:
        s = wave.data[col]
        if pd.api.types.is_float_dtype(s.dtype):
            vals = s.to_numpy(dtype=float, na_value=float("nan"))
            bad = np.flatnonzero(np.isinf(vals))
            if bad.size:
                raise ValueError(f"column {col!r} of wave {wave.study}/{wave.label} holds "
                                 f"{bad.size} infinite value(s) (first at row {bad[0]}); a wave "
                                 "stores finite numbers only — make them missing or fix them")


def load_wave(instrument, wave: str, root: str | os.PathLike | None = None, *,
              project: str | os.PathLike | None = None, engine: bool = False) -> Wave:
    """Read a stored wave, with the codebook's dtypes (ordered categoricals) restored.

    Parameters
    ----------
    instrument : str or Instrument
        Codebook name (``"mitto_cx"``) or a loaded :class:`~cxresearch.instruments.Instrument`.
    wave : str
        Wave label, e.g. ``"2021"`` or ``"2021-reconstructed"``.
    root : path, optional
        Folder of waves; defaults to ``paths.waves_dir()``.
    project : path, optional
        A project folder (with ``cxresearch.toml``): read its waves and codebooks. Default:
        the current project (``--project``, or found from the current directory).
    engine : bool, default False
        ``True``: an :class:`~cxresearch.waves.engine.EngineWave` over the wave's Parquet
        file(s), read by an embedded DuckDB, so that a wave larger than memory is never read
        into pandas (its ``design()`` is an engine design; every pushed-down estimator takes
        it). The files are checked against the manifest's sha256 first, as for ``False``;
        the rows were checked against the codebook at ingest.

    Returns
    -------
    Wave
        (An ``EngineWave`` with ``engine=True``.)

    Warns
    -----
    CodebookChangedWarning
        When the codebook's sha256 differs from the one recorded at ingest: the answers were
        validated against another version of it.

    Examples
    --------
    >>> w = cx.load_wave("mitto_cx", "2021")              # doctest: +SKIP
    >>> w.data["maturity"].cat.ordered                      # doctest: +SKIP
    True
    >>> big = cx.load_wave("feedback", "2026-11", engine=True)   # doctest: +SKIP
    >>> cx.nps(big, "recommend")                                 # doctest: +SKIP
    >>> # In R: df <- arrow::read_parquet("data/waves/mitto_cx/2021/responses.parquet")
    """
    from cxresearch.codebooks.instrument import Instrument

    if not isinstance(instrument, str | os.PathLike | Instrument):
        raise TypeError("instrument must be a codebook name, a path to its YAML file or an "
                        f"Instrument, got {type(instrument).__name__} {instrument!r:.80}")
    if not isinstance(engine, bool):
        raise TypeError(f"engine must be True or False, got {engine!r}")
    if project is not None:
        with paths.use_project(project):
            return load_wave(instrument, wave, root, engine=engine)
    inst = _resolve_instrument(instrument)
    folder = wave_dir(inst.name, wave, root)
    recover_wave(inst.name, wave, root)
    if not (folder / MANIFEST).is_file() or not response_files(folder):
        have = sorted(p.name for p in folder.parent.iterdir() if p.is_dir()
                      and not p.name.startswith(".")) if folder.parent.is_dir() else []
        raise FileNotFoundError(
            f"no wave {inst.name}/{wave} under {folder.parent.parent}; waves of {inst.name}: "
            f"{', '.join(have) or 'none'} (ingest one with `cxresearch ingest`)"
        )
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    files = response_files(folder, manifest)
    for f in files:
        recorded = (manifest.get("files") or {}).get(f.relative_to(folder).as_posix())
        if recorded is not None and (not f.is_file() or recorded != sha256_file(f)):
            raise ValueError(
                f"{f} does not match the sha256 in its manifest: the file was "
                "changed (or removed) after it was written; ingest the wave again"
            )
    if manifest.get("codebook_sha256") not in (None, inst.sha256):
        warnings.warn(
            f"codebook {inst.name} changed since wave {wave} was written "
            f"(sha256 {str(manifest['codebook_sha256'])[:12]}… then, {inst.sha256[:12]}… now); "
            "the answers were validated against the earlier version — ingest again to "
            "revalidate",
            CodebookChangedWarning,
            stacklevel=2,
        )
    quarantine = None
    if (folder / QUARANTINE).is_file():
        quarantine = pd.read_csv(folder / QUARANTINE, dtype=str, keep_default_na=False)
    if engine:   # the rows stay in DuckDB: never read into pandas
        out = EngineWave([str(f) for f in files], inst, manifest)
        out.quarantine = quarantine
        out.path = folder
        return out
    data = inst.apply_dtypes(read_parts(files))
    out = Wave(data, inst, manifest, quarantine=quarantine)
    out.path = folder
    return out


def list_waves(study: str | None = None, root: str | os.PathLike | None = None) -> pd.DataFrame:
    """The stored waves, one row each, from their manifests.

    Returns
    -------
    pandas.DataFrame
        Columns ``study, wave, synthetic, rows_kept, rows_rejected, source_file, created,
        path``, sorted by study and wave.

    Examples
    --------
    >>> from cxresearch.waves.storage import list_waves
    >>> list_waves("mitto_cx")[["wave", "synthetic", "rows_kept"]]    # doctest: +SKIP
    >>> # In R: list.dirs("data/waves/mitto_cx", recursive = FALSE)
    """
    base = Path(root) if root is not None else paths.waves_dir()
    cols = ["study", "wave", "synthetic", "rows_kept", "rows_rejected", "source_file",
            "created", "path"]
    rows = []
    studies = [base / study] if study is not None else sorted(base.glob("*"))
    for sdir in studies:
        if not sdir.is_dir() or sdir.name.startswith("."):
            continue
        stranded = {q.name[1:].split(".old-")[0] for q in sdir.iterdir()
                    if q.name.startswith(".") and ".old-" in q.name}
        for label in sorted(stranded):
            if _LABEL_RE.fullmatch(label):
                recover_wave(sdir.name, label, base)
        for wdir in sorted(sdir.iterdir()):
            mfile = wdir / MANIFEST
            if wdir.name.startswith(".") or not mfile.is_file():
                continue
            if not _LABEL_RE.fullmatch(wdir.name):  # made by hand: "2024\n" looks like 2024
                warnings.warn(f"skipped the folder {printable(wdir.name)!r} in {sdir}: not a "
                              "valid wave label (rename it)", CxWarning, stacklevel=2)
                continue
            m = json.loads(mfile.read_text(encoding="utf-8"))
            rows.append({**{k: m.get(k) for k in cols}, "study": sdir.name,
                         "wave": wdir.name, "path": str(wdir)})
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["study", "wave"], ignore_index=True)
