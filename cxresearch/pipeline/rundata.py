"""The data a reproduce run works on, in its own folder ``reports/<run>/data/``.

- :func:`example_exports`: the raw exports of ``data/examples/<study>/`` (each ingested into the
  run as wave ``example`` or ``example-<file>``);
- observed waves of the project are linked in file by file (``responses.parquet`` and
  ``manifest.json`` only — never ``quarantine.csv``), never modified;
- reconstructions are generated into the run (one task per study and year, in worker processes);
- a summary of every wave of the run for ``run.json`` and the console.
"""

from __future__ import annotations

import json
import os
import textwrap
import time
from pathlib import Path

from cxresearch import paths

__all__ = ["EXAMPLE_WAVE", "EXPORT_SUFFIXES", "RECONSTRUCTED_SUFFIX", "example_exports"]

#: file types that ``data/examples/<study>/`` may hold as raw exports
EXPORT_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".sav", ".parquet")
#: wave label given to an ingested example export
EXAMPLE_WAVE = "example"
RECONSTRUCTED_SUFFIX = "-reconstructed"


def example_exports(study: str | None = None) -> list[tuple[str, str, Path]]:
    """The example raw exports as ``(study, wave label, path)``.

    Every file of ``data/examples/<study>/`` with a raw-export suffix is an export of that
    study (the folder name is the codebook name). A folder with one export gives wave
    ``example``; with several, ``example-<file stem>``.
    """
    root = paths.examples_dir()
    out = []
    if not root.is_dir():
        return out
    for sdir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if study is not None and sdir.name != study:
            continue
        files = sorted(p for p in sdir.iterdir()
                       if p.suffix.lower() in EXPORT_SUFFIXES and not p.name.startswith(("_", ".")))
        for f in files:
            label = EXAMPLE_WAVE if len(files) == 1 else f"{EXAMPLE_WAVE}-{_slug(f.stem)}"
            out.append((sdir.name, label, f))
    return out



def _slug(text: str) -> str:
    keep = "".join(c if c.isalnum() or c in "._-" else "-" for c in text)
    return keep.strip("-._") or "file"



def _link_waves(source: Path, target: Path) -> None:
    """Link the observed waves of ``source`` into ``target`` (reconstructions are regenerated).

    Only what a notebook reads is linked — ``responses.parquet`` and ``manifest.json`` of each
    wave — never the wave folder itself: a report folder must not expose ``quarantine.csv``
    (rejected rows) or anything else stored beside a wave."""
    if not source.is_dir() or source.resolve() == target.resolve():
        return
    for sdir in sorted(p for p in source.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for wdir in sorted(p for p in sdir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if wdir.name.endswith(RECONSTRUCTED_SUFFIX) or not (wdir / "manifest.json").is_file():
                continue
            dest = target / sdir.name / wdir.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            if not dest.exists():
                dest.mkdir()
                for name in ("responses.parquet", "manifest.json"):
                    if (wdir / name).is_file():
                        (dest / name).symlink_to((wdir / name).resolve())



def _prepare_data(run_data: Path, study: str | None, say, examples: bool = True) -> list[str]:
    """Fill the run-local data folder; returns problems (ingest failures)."""
    source_waves = paths.waves_dir()
    shared = {"instruments": paths.instruments_dir(), "published": paths.published_dir(),
              "examples": paths.examples_dir()}
    run_waves = run_data / "waves"
    run_waves.mkdir(parents=True, exist_ok=True)
    repo_data = paths.project_root() / "data"
    for name, src in shared.items():  # only when they do not come from the repository anyway
        if src.is_dir() and src.resolve() != (repo_data / name).resolve():
            (run_data / name).symlink_to(src.resolve(), target_is_directory=True)
    _link_waves(source_waves, run_waves)
    problems = []
    with paths.environment(CXRESEARCH_DATA=str(run_data)):
        exports = example_exports(study) if examples else []
        if exports:
            import cxresearch as cx
            from cxresearch.intake.ingestion import summary
        for st, label, path in exports:
            if (run_waves / st / label).exists():
                say(f"  {st}/{label}: already present, {path.name} not ingested again")
                continue
            try:
                w = cx.ingest(str(path), st, label)
                say(textwrap.indent(summary(w), "  "))
            except Exception as exc:
                problems.append(f"ingest of example {path} ({st}/{label}) failed: {exc}")
                say(f"  {st}/{label}: INGEST FAILED — {type(exc).__name__}: {exc}")
    return problems



def _reconstruct_one(task: dict) -> dict:
    """Generate and store one study's reconstruction (in a worker process)."""
    os.environ.update(task["env"])
    t0 = time.perf_counter()
    try:
        import cxresearch as cx
        from cxresearch.waves.storage import write_wave

        wave = cx.reconstruct(task["study"], seed=task["seed"], **task["assumptions"])
        write_wave(wave, replace=True)
        return {"study": task["study"], "wave": wave.label, "ok": True,
                "seconds": time.perf_counter() - t0}
    except Exception as exc:
        return {"study": task["study"], "ok": False, "seconds": time.perf_counter() - t0,
                "error": f"{type(exc).__name__}: {exc}"}



def _recon_study(entry: str) -> str:
    return entry.split("@", 1)[0]



def _recon_assumptions(entry: str) -> dict:
    """``"gscx_trends@2023"`` -> ``{"year": 2023}`` (a study reconstructed per survey year)."""
    if "@" not in entry:
        return {}
    year = entry.split("@", 1)[1]
    return {"year": int(year) if year.isdigit() else year}



def _wave_summary(run_waves: Path) -> list[dict]:
    if not run_waves.is_dir():
        return []
    from cxresearch.waves.storage import list_waves

    table = list_waves(root=run_waves)
    rows = []
    for r in table.itertuples(index=False):
        manifest = json.loads((Path(r.path) / "manifest.json").read_text(encoding="utf-8"))
        kind = ("reconstructed" if str(r.wave).endswith(RECONSTRUCTED_SUFFIX)
                else "example" if manifest.get("example") else "observed")
        rows.append({"study": r.study, "wave": r.wave, "kind": kind,
                     "synthetic": bool(r.synthetic) if r.synthetic is not None else None,
                     "rows_kept": _int(r.rows_kept), "rows_rejected": _int(r.rows_rejected),
                     "source_file": r.source_file})
    return rows



def _int(x):
    try:
        return int(x)
    except (TypeError, ValueError):
        return None


