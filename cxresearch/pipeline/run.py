"""The one-command reproduce pipeline (``make reproduce`` = ``cxresearch reproduce``).

A run does four things, in order, and writes everything under one folder
``reports/<run>/`` (``<run>`` is the UTC start time, ``reports/latest`` points at the newest):

1. **Data.** A run-local data folder ``<run>/data/waves/`` is filled with the repository's
   observed waves (linked, read-only) and with the example exports of ``data/examples/<study>/``
   ingested through the codebooks (``cx.ingest``); a summary per wave is printed. Nothing is
   written to the repository's ``data/waves/``. Codebooks, the published ledger and the examples
   are read from the repository (see :mod:`cxresearch.paths`).
2. **Reconstructions.** The synthetic waves the selected notebooks read are generated with
   ``cx.reconstruct`` into the run-local folder (in parallel, one process per study).
3. **Notebooks.** Every selected notebook is executed with papermill, ``--jobs`` at a time, each
   in its own kernel with ``CXRESEARCH_DATA`` (the run-local data), ``CXRESEARCH_REPORTS`` (the
   run folder), ``CXRESEARCH_NOTEBOOK`` (its name) and ``CXRESEARCH_PARAMETERS`` (the injected
   parameters, JSON) in its environment, so that ``save_figure``/``save_table`` write into the
   run folder with provenance. A failing notebook does not stop the others; the run then exits
   non-zero and names the notebook and the failing cell.
4. **Report.** Executed notebooks and their HTML versions go to ``<run>/notebooks/``; figures,
   tables and ``manifest.json`` are written there by the notebooks; ``scorecard.md`` (written by
   ``00_scorecard``) gains a section on this run; ``run.json`` records what ran.

Notebooks declare what they need in their metadata (``metadata["cxresearch"]``):
``studies`` (the studies the notebook covers; ``["*"]`` for any study, e.g. the new-wave
comparison; a notebook covering several takes a ``study`` parameter) and ``reconstruct`` (the
studies whose reconstruction it reads; default none; ``"study@2023"`` for a study reconstructed
per survey year, passed as ``year=2023``). ``--study`` selects the notebooks covering that study;
``--wave`` (with ``--study``) runs them on that wave. Parameters are passed only to notebooks
whose ``parameters`` cell declares them.

**Projects and templates.** The notebooks run are those of the current project (see
:mod:`cxresearch.paths`): the tool's repository runs its ``notebooks/``; a project made by
``cxresearch init`` runs the packaged study-agnostic templates (notebooks whose metadata has
``"template": true`` and ``"studies": ["*"]``: wave report, drivers, tracking) next to the
notebooks in its own ``notebooks/`` (one of its own with a template's file name replaces it).
A template runs once per study — ``--study``, else the ``[reproduce] templates`` list of
``cxresearch.toml``, else every study with a codebook in the project and a wave — as
``<template>-<study>``, with ``study`` passed as a parameter; a template whose metadata
``requires`` ``"outcome"`` (``meta.analysis.outcome`` in the codebook) or ``"waves>=2"`` (two
observed waves) is skipped, with the reason printed, for a study without it. ``"*"`` counts for
``--study``: a study with a codebook but no notebook naming it still gets the templates.
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Iterable
from concurrent.futures import as_completed
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cxresearch import paths
from cxresearch.paths import write_text_atomic
from cxresearch.pipeline.faults import (
    RUN_DIRS,
    check_writable,
    claim_run_dir,
    clean_incomplete,
    failed_run_json,
    incomplete_runs,
    mark_complete,
    mark_incomplete,
    worker_pool,
)
from cxresearch.pipeline.notebooks import (
    NotebookResult,
    NotebookSpec,
    discover_notebooks,
    execute_notebook,
)
from cxresearch.pipeline.rundata import (
    _prepare_data,
    _recon_assumptions,
    _recon_study,
    _reconstruct_one,
    _wave_summary,
    example_exports,
)
from cxresearch.pipeline.templates import (
    _is_template,
    _unmet,
    project_notebooks,
    template_studies,
)

__all__ = [
    "NotebookResult",
    "NotebookSpec",
    "RunReport",
    "discover_notebooks",
    "example_exports",
    "project_notebooks",
    "clean_runs",
    "reproduce",
    "run_cli",
    "template_studies",
]


# --------------------------------------------------------------------------- data


# --------------------------------------------------------------------------- the run


@dataclass
class RunReport:
    """The outcome of :func:`reproduce`."""

    run_dir: Path
    notebooks: list[NotebookResult] = field(default_factory=list)
    waves: list[dict] = field(default_factory=list)
    reconstructions: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # {"notebook", "study", "why"}
    seconds: float = 0.0
    phases: dict = field(default_factory=dict)  # phase -> seconds

    @property
    def ok(self) -> bool:
        return not self.problems and all(r.ok for r in self.notebooks)

    @property
    def failed(self) -> list[NotebookResult]:
        return [r for r in self.notebooks if not r.ok]


def _new_run_dir(out: str | os.PathLike | None) -> tuple[Path, bool]:
    if out is not None:
        run = Path(out).resolve()
        run.mkdir(parents=True, exist_ok=True)
        return run, False
    root = paths.project_config()["paths"]["reports"]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    root.mkdir(parents=True, exist_ok=True)
    # mkdir is the atomic claim: two runs starting in the same second get -1, -2, ...
    run, k = root / stamp, 1
    while True:
        try:
            run.mkdir()
            break
        except FileExistsError:
            run, k = root / f"{stamp}-{k}", k + 1
    return run, True


def _point_latest(run: Path) -> None:
    """``reports/latest`` -> the run (a symlink; a ``LATEST`` text file where links fail)."""
    link = run.parent / "latest"
    tmp = run.parent / f".latest.tmp-{os.getpid()}"
    try:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(run.name, target_is_directory=True)
        os.replace(tmp, link)
    except OSError:
        write_text_atomic(run.parent / "LATEST", run.name + "\n")


def _select(specs: list[NotebookSpec], study: str | None) -> list[NotebookSpec]:
    chosen = [s for s in specs if s.covers(study)]
    if study is not None and not any(study in s.studies for s in chosen) and any(
            _is_template(s) for s in chosen):
        from cxresearch.codebooks.instrument import list_instruments

        if study in list_instruments():
            return chosen
        raise ValueError(f"--study {study!r}: no codebook of that name (the templates need "
                         f"one); codebooks: {', '.join(list_instruments()) or 'none'}")
    if study is not None and not any(study in s.studies for s in chosen):
        known = sorted({st for s in specs for st in s.studies if st != "*"})
        raise ValueError(f"--study {study!r}: no notebook covers this study; "
                         f"studies with notebooks: {', '.join(known)}")
    return chosen


def _longest_first(specs: list[NotebookSpec], reports_root: Path) -> list[NotebookSpec]:
    """Start the notebooks that took longest in the latest run first (fewer idle workers at
    the end); notebooks without a recorded time go first, the rest keep their order."""
    try:
        info = json.loads((reports_root / "latest" / "run.json").read_text(encoding="utf-8"))
        took = {r["name"]: float(r["seconds"]) for r in info.get("notebooks", [])}
    except (OSError, ValueError, KeyError, TypeError):
        took = {}
    return sorted(specs, key=lambda s: -took.get(s.name, float("inf")))


def _notebook_parameters(spec: NotebookSpec, study, wave, extra: dict) -> dict:
    given = dict(extra)
    if study is not None:
        given["study"] = study
    if wave is not None:
        given["wave"] = wave
    return {k: v for k, v in given.items() if k in spec.parameters}


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.package_root(),
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _reproduce(
    study: str | None = None,
    wave: str | None = None,
    *,
    jobs: int | None = None,
    out: str | os.PathLike | None = None,
    parameters: dict | None = None,
    notebooks: str | os.PathLike | Iterable | None = None,
    examples: bool = True,
    kernel_name: str = "python3",
    timeout: float | None = None,
    progress: bool = True,
    stream=None,
) -> RunReport:
    """Ingest the examples, reconstruct, execute the notebooks and write ``reports/<run>/``.

    Parameters
    ----------
    study : str, optional
        Run only the notebooks covering this study (and ingest only its examples).
    wave : str, optional
        With ``study``: the wave the notebooks analyse (passed as their ``wave`` parameter),
        e.g. a wave just ingested with ``cxresearch ingest``; it must exist in
        ``data/waves/<study>/`` or among the examples.
    jobs : int, optional
        Notebooks executed at once (default: the number of cores).
    out : path, optional
        Report folder (default ``reports/<UTC timestamp>/``, with ``reports/latest``).
    parameters : dict, optional
        Notebook parameters (``{"n_reconstructions": 3, "quick": True}``), passed to each
        notebook that declares them. A name no selected notebook declares is an error.
    notebooks : folder or list of paths, optional
        Notebooks to run instead of the repository's ``notebooks/``.
    examples : bool, default True
        Ingest ``data/examples/<study>/`` into the run-local data.
    kernel_name : str, default "python3"
        Jupyter kernel; ``python3`` runs in the interpreter running the pipeline.
    timeout : float, optional
        Per-cell time limit in seconds.
    progress : bool, default True
        Show a progress bar.
    stream : file, optional
        Where messages go (default ``sys.stdout``).

    Returns
    -------
    RunReport
        ``ok`` is False when a notebook, an example ingest or a reconstruction failed.

    Examples
    --------
    >>> from cxresearch.pipeline import reproduce
    >>> report = reproduce(study="mitto_cx", parameters={"quick": True})  # doctest: +SKIP
    >>> report.ok, report.run_dir                                          # doctest: +SKIP
    >>> # In R: there is no single equivalent; rmarkdown::render() per notebook comes closest
    """
    stream = stream or sys.stdout

    def say(msg: str) -> None:
        print(msg, file=stream, flush=True)

    if wave is not None and study is None:
        raise ValueError(f"--wave {wave!r} needs --study: a wave label belongs to one study")
    if jobs is not None and (not isinstance(jobs, int) or jobs < 1):
        raise ValueError(f"jobs must be a positive integer, got {jobs!r}")
    jobs = jobs or os.cpu_count() or 1
    parameters = dict(parameters or {})
    for name in ("study", "wave"):
        if name in parameters:
            raise ValueError(f"pass {name} as --{name} (it also selects notebooks and waves), "
                             f"not as --param {name}={parameters[name]}")
    if notebooks is None:
        notebooks = project_notebooks()
    found = discover_notebooks(notebooks)
    specs = _select(found, study)
    skipped = [{"notebook": s.name, "study": None,
                "why": f"covers {', '.join(s.studies) or 'no study'}, not --study {study}"}
               for s in found if s not in specs]
    declared = set().union(*(s.parameters for s in specs)) if specs else set()
    unknown = sorted(set(parameters) - declared)
    if unknown:
        raise ValueError(f"parameter(s) {', '.join(unknown)} are declared by no selected "
                         f"notebook; declared: {', '.join(sorted(declared)) or 'none'}")

    if wave is not None:  # before anything is written
        stored = paths.waves_dir() / study
        have = sorted({p.name for p in stored.glob("*") if (p / "manifest.json").is_file()}
                      | {label for _, label, _ in (example_exports(study) if examples else [])})
        if wave not in have:
            raise ValueError(f"--wave {wave!r}: no wave {study}/{wave} in {paths.waves_dir()} "
                             f"or the examples; waves of {study}: {', '.join(have) or 'none'} "
                             f"(ingest it first: cxresearch ingest FILE --instrument {study} "
                             f"--wave {wave})")

    t_start = time.perf_counter()
    run_dir, is_default = _new_run_dir(out)
    claim_run_dir(run_dir)
    check_writable(run_dir, "data", "notebooks", "figures", "tables")
    mark_incomplete(run_dir)   # removed when the run has written its reports
    report = RunReport(run_dir, skipped=skipped)
    run_data = run_dir / "data"
    say(f"cxresearch reproduce → {run_dir}")
    stale = [d for d, alive in incomplete_runs(run_dir.parent) if not alive and d != run_dir]
    if is_default and stale:
        say(f"  ({len(stale)} incomplete run folder(s) of killed or failed runs are skipped, "
            f"e.g. {stale[-1].name}; remove them with: cxresearch reproduce --clean)")

    # 1. data ------------------------------------------------------------------
    if not examples:
        say("Example exports: not ingested (--no-examples)")
    elif example_exports(study):   # a project without examples gets no empty header
        say("Example exports:")
    report.problems += _prepare_data(run_data, study, say, examples)

    # 2. reconstructions -------------------------------------------------------
    # run for one study, the notebooks need only that study's reconstructions
    needed = sorted({r for s in specs for r in s.reconstruct
                     if study is None or _recon_study(r) == study})
    seed = int(parameters.get("seed", 0))
    env = {"CXRESEARCH_DATA": str(run_data), "CXRESEARCH_REPORTS": str(run_dir),
           "CXRESEARCH_PROJECT": str(paths.project_root()),
           "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    ctx = multiprocessing.get_context("spawn")
    if needed:
        tasks = [{"study": _recon_study(r), "assumptions": _recon_assumptions(r), "seed": seed,
                  "env": env} for r in needed]
        with worker_pool(min(jobs, len(tasks)), ctx) as pool:
            futures = [pool.submit(_reconstruct_one, t) for t in tasks]
            for fut in _progress(as_completed(futures), len(futures), "reconstructions",
                                 progress, stream):
                r = fut.result()
                report.reconstructions.append(r)
                if not r["ok"]:
                    report.problems.append(f"reconstruction of {r['study']} failed: {r['error']}")
    report.waves = _wave_summary(run_data / "waves")
    say("Waves in this run:")
    if not report.waves:
        say("  (none)")
    for w in report.waves:
        rej = f", {w['rows_rejected']} rejected" if w["rows_rejected"] else ""
        src = f" from {w['source_file']}" if isinstance(w["source_file"], str) else ""
        say(f"  {w['study']}/{w['wave']}: {w['rows_kept']} respondents{rej}, {w['kind']}"
            f"{' (synthetic)' if w['synthetic'] else ''}{src}")
    for p in report.problems:
        say(f"  problem: {p}")

    # 3. notebooks -------------------------------------------------------------
    nb_out = run_dir / "notebooks"
    nb_out.mkdir(exist_ok=True)
    report.phases["data and reconstructions"] = time.perf_counter() - t_start
    tasks = []
    runs = []  # (spec, name, study passed)
    with paths.environment(CXRESEARCH_DATA=str(run_data)):  # requirements judged on this run's waves
        for spec in _longest_first(specs, paths.project_config()["paths"]["reports"]):
            if not _is_template(spec):
                runs.append((spec, spec.name, study))
                continue
            for st in template_studies(study, example_exports if examples else None):
                why = _unmet(spec, st, example_exports if examples else None)
                if why:
                    report.skipped.append({"notebook": spec.name, "study": st, "why": why})
                    continue
                runs.append((spec, f"{spec.name}-{st}", st))
    for spec, name, st in runs:
        params = _notebook_parameters(spec, st, wave, parameters)
        tasks.append({
            "name": name, "input": str(spec.path), "output": str(nb_out / f"{name}.ipynb"),
            "parameters": params, "kernel_name": kernel_name, "cwd": str(spec.path.parent),
            "timeout": timeout,
            "env": {**env, "CXRESEARCH_NOTEBOOK": name,
                    "CXRESEARCH_PARAMETERS": json.dumps(params, sort_keys=True, default=str)},
        })
    if tasks:
        with worker_pool(min(jobs, len(tasks)), ctx) as pool:
            futures = [pool.submit(execute_notebook, t) for t in tasks]
            bar = _progress(as_completed(futures), len(futures), "notebooks", progress, stream)
            for fut in bar:
                res = NotebookResult(**fut.result())
                report.notebooks.append(res)
                if not res.ok and hasattr(bar, "write"):
                    bar.write(f"  {res.name} failed in cell {res.cell}: {res.error}",
                              file=stream)
    report.notebooks.sort(key=lambda r: r.name)
    report.seconds = time.perf_counter() - t_start
    report.phases["notebooks"] = report.seconds - report.phases["data and reconstructions"]

    # 4. report ----------------------------------------------------------------
    from cxresearch.ledger.figures import published
    from cxresearch.report.output.documents import write_published_checks

    ran = {study} if study else set(template_studies(None, example_exports)) | {
        st for s in specs for st in s.studies if st != "*"}
    if ran & set(published()["study"].astype(str)):
        write_published_checks(run_dir, study)  # published_{consistency,claims}.{csv,md}
    from cxresearch.report.output.deliverables import write_run_deliverables

    t_deliver = time.perf_counter()
    try:  # report.xlsx (every table of the run) and report.pptx (every figure)
        write_run_deliverables(run_dir)
    except Exception as exc:  # noqa: BLE001 - the notebooks' outputs stand without them
        report.problems.append(f"report.xlsx / report.pptx could not be written: {exc}")
    report.phases["deliverables"] = time.perf_counter() - t_deliver
    _remove_locks(run_dir)
    _finish(report, study, wave, parameters, jobs)
    mark_complete(run_dir)
    if is_default:
        _point_latest(run_dir)
    say(f"Notebooks run ({len(report.notebooks)}):" if report.notebooks
        else "Notebooks run: none")
    for r in report.notebooks:
        say("  " + r.describe())
    if report.skipped:
        say(f"Notebooks skipped ({len(report.skipped)}):")
        for sk in report.skipped:
            say(f"  {sk['notebook']}" + (f" for {sk['study']}" if sk["study"] else "")
                + f": {sk['why']}")
    for p in report.problems:
        say(f"Problem: {p}")
    n_ok = sum(r.ok for r in report.notebooks)
    say(f"{n_ok}/{len(report.notebooks)} notebooks ran; {report.seconds:.1f} s in all with "
        f"{jobs} job(s) (" + ", ".join(f"{k} {v:.1f} s" for k, v in report.phases.items())
        + ").")
    say(f"Reports: {run_dir}  (notebooks/, figures/, tables/, manifest.json, scorecard.md)")
    return report


def _remove_locks(run_dir: Path) -> None:
    """Remove the lock files the run's writers left (``manifest.json.lock``, the run-local
    waves' ``.locks/``): every writer has finished, and a report folder holds reports only."""
    import shutil

    for lock in run_dir.rglob("*.lock"):
        if lock.is_file() and not lock.is_symlink():
            try:
                lock.unlink()
            except OSError:
                pass
    for locks in (run_dir / "data" / "waves" / ".locks",):
        if locks.is_dir() and not locks.is_symlink():
            shutil.rmtree(locks, ignore_errors=True)


def clean_runs(stream=None) -> list[Path]:
    """Remove the run folders of the current project's ``reports/`` that killed or failed
    runs left (marked ``.incomplete``; runs still running are kept); returns those removed."""
    stream = stream or sys.stdout
    root = paths.project_config()["paths"]["reports"]
    removed, running = clean_incomplete(root)
    for d in removed:
        print(f"removed incomplete run folder {d}", file=stream)
    for d in running:
        print(f"kept {d}: its run is still running", file=stream)
    if not removed and not running:
        print(f"no incomplete run folders in {root}", file=stream)
    return removed


@functools.wraps(_reproduce)
def reproduce(*args, **kwargs) -> RunReport:
    dirs: list = []
    token = RUN_DIRS.set(dirs)
    try:
        return _reproduce(*args, **kwargs)
    except BaseException as exc:   # run.json whenever the run folder exists
        for run in dirs:
            failed_run_json(run, exc)
        raise
    finally:
        RUN_DIRS.reset(token)


def _progress(it, total: int, desc: str, enabled: bool, stream):
    if not enabled:
        return it
    from tqdm.auto import tqdm

    return tqdm(it, total=total, desc=desc, unit="nb" if desc == "notebooks" else "study",
                file=sys.stderr, dynamic_ncols=True, leave=True)


def _finish(report: RunReport, study, wave, parameters: dict, jobs: int) -> None:
    """Write ``run.json`` and add this run's section to ``scorecard.md``."""
    from cxresearch import __version__
    run_dir = report.run_dir
    info = {
        "run": run_dir.name, "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "study": study, "wave": wave, "parameters": parameters, "jobs": jobs,
        "seconds": round(report.seconds, 2), "phases": report.phases, "ok": report.ok,
        "git_commit": _git_commit(),
        "package_version": __version__, "python": sys.executable,
        "waves": report.waves, "reconstructions": report.reconstructions,
        "notebooks": [asdict(r) for r in report.notebooks], "skipped": report.skipped,
        "problems": report.problems,
    }
    write_text_atomic(run_dir / "run.json", json.dumps(info, indent=2, default=str) + "\n")

    # every name, label, path and error message is escaped: scorecard.md is rendered as HTML
    from urllib.parse import quote

    from cxresearch.report.narrative.story import esc
    from cxresearch.report.output.documents import markdown_text

    lines = ["", "## This run", "",
             f"Run {esc(run_dir.name)}, commit {esc((info['git_commit'] or 'unknown')[:12])}, "
             f"{report.seconds:.1f} s with {jobs} job(s)"
             + (f", study {esc(study)}" if study else "") + (f", wave {esc(wave)}" if wave else "")
             + (f", parameters {esc(json.dumps(parameters, sort_keys=True))}" if parameters
                else "")
             + ".", "",
             "| notebook | status | seconds | failing cell |", "|---|---|---:|---|"]
    for r in report.notebooks:
        cell = "" if r.ok else (f"{r.cell}: {r.error}" if r.cell is not None else r.error or "")
        cell = markdown_text(cell)
        name = (f"[{markdown_text(r.name)}](notebooks/{quote(r.name)}.html)" if r.html
                else markdown_text(r.name))
        lines.append(f"| {name} | {'ok' if r.ok else 'FAILED'} | {r.seconds:.1f} | {cell} |")
    lines += ["", "| wave | kind | respondents | synthetic |", "|---|---|---:|---|"]
    for w in report.waves:
        lines.append(f"| {markdown_text(w['study'])}/{markdown_text(w['wave'])} | "
                     f"{markdown_text(w['kind'])} | {markdown_text(w['rows_kept'])} | "
                     f"{'yes' if w['synthetic'] else 'no'} |")
    if report.problems:
        lines += ["", "Problems:", ""] + [f"- {esc(p)}" for p in report.problems]
    card = run_dir / "scorecard.md"
    if card.is_file():
        head = card.read_text(encoding="utf-8")
    elif not paths.is_package_project():  # a researcher's own project: no published figures
        head = (f"# Report of project {paths.project_root().name}\n\nThe notebooks of this "
                f"run: the study-agnostic templates and the project's own notebooks.\n")
    else:
        head = ("# Scorecard\n\nThe scorecard notebook (00_scorecard) did not write its part "
                "in this run.\n")
    write_text_atomic(card, head.rstrip("\n") + "\n" + "\n".join(lines) + "\n")


# --------------------------------------------------------------------------- CLI


def run_cli(args, parse_sets) -> int:
    """``cxresearch reproduce [--study S] [--wave W] [--jobs N] [--out DIR] [--param k=v]``."""
    if getattr(args, "clean", False):
        clean_runs()
        return 0
    params = parse_sets(args.param)
    for key, value in list(params.items()):  # True/False/None spelled as in Python
        if isinstance(value, str) and value in {"True", "False", "true", "false", "None"}:
            params[key] = {"true": True, "false": False, "none": None}[value.lower()]
    # an unwritable reports/, --out or run sub-folder raises OSError: the CLI's one error
    # boundary prints it as one line (exit 3)
    report = reproduce(study=args.study, wave=args.wave, jobs=args.jobs, out=args.out,
                       parameters=params, notebooks=args.notebooks,
                       examples=not args.no_examples, progress=not args.no_progress,
                       timeout=args.timeout)
    if not report.ok:
        for r in report.failed:
            print(f"cxresearch reproduce: notebook {r.describe()}", file=sys.stderr)
        for p in report.problems:
            print(f"cxresearch reproduce: {p}", file=sys.stderr)
        return 1
    return 0
