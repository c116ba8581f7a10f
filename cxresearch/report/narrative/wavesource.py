"""Which wave a report template reads, and how: stored in memory, stored but read in the
engine (large waves), or rows elsewhere (``source=``); the wave's design with its index scores;
the codebook's analysis plan (outcome, drivers, segments) and report language.

Split from :mod:`~cxresearch.report.narrative.wavereport`, which re-exports every name for
the templates (``nb.wavereport``).

Examples
--------
>>> from cxresearch.report.narrative import wavesource
>>> wavesource.engine_rows() >= 0
True
>>> # In R: no equivalent (report plumbing); rows in a database as with svydb / sqlsurvey
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "ENGINE_ROWS",
    "ORDINAL",
    "analysis_spec",
    "default_wave",
    "engine_rows",
    "index_design",
    "is_engine",
    "load_for_report",
    "report_language",
    "row_columns",
    "segments",
    "answered",
    "used_design_columns",
    "wave_labels",
]

ORDINAL = ("likert", "rating", "nps_0_10")


def wave_labels(study: str, observed_only: bool = True) -> list[str]:
    """The stored waves of ``study``, oldest first (reconstructions left out unless
    ``observed_only`` is False); ordered by the year a label starts with, then the label."""
    from cxresearch.waves.storage import list_waves, wave_year

    table = list_waves(study)
    labels = [str(x) for x in table["wave"]] if len(table) else []
    if observed_only:
        labels = [x for x in labels if not x.endswith("-reconstructed")]
    return sorted(labels, key=lambda x: (wave_year(x) is None, wave_year(x) or 0, x))


#: stored waves of at least this many respondents open in the engine (their rows stay in
#: DuckDB: ``load_wave(..., engine=True)``) when a template reads them; the environment
#: variable ``CXRESEARCH_ENGINE_ROWS`` sets another threshold (0: every stored wave)
ENGINE_ROWS = 2_000_000


def engine_rows() -> int:
    """The threshold in force: ``$CXRESEARCH_ENGINE_ROWS`` when set to a whole number, else
    :data:`ENGINE_ROWS`."""
    import os

    raw = os.environ.get("CXRESEARCH_ENGINE_ROWS", "").strip()
    if not raw:
        return ENGINE_ROWS
    if not raw.isdigit():
        raise ValueError(f"CXRESEARCH_ENGINE_ROWS must be a whole number of rows, got {raw!r}")
    return int(raw)


def load_for_report(study: str, wave: str):
    """A stored wave as a template reads it: in memory, or in the engine (rows in DuckDB, see
    :func:`cxresearch.open_wave`) when its manifest counts at least :func:`engine_rows` kept
    rows (2 million by default), so that a wave larger than memory is never loaded."""
    import json

    import cxresearch as cx
    from cxresearch.waves.folders import MANIFEST, wave_dir

    try:
        m = json.loads((wave_dir(study, wave) / MANIFEST).read_text(encoding="utf-8"))
        big = int(m.get("rows_kept") or 0) >= engine_rows()
    except (OSError, ValueError, TypeError):
        big = False  # load_wave says what is wrong with the folder
    return cx.load_wave(study, wave, engine=big)


def is_engine(w) -> bool:
    """Whether a wave's rows stay in the engine (no ``data`` in memory)."""
    from cxresearch.waves.engine import is_engine_wave

    return is_engine_wave(w)


def default_wave(study: str, wave: str | None = None, source=None):
    """The wave a template analyses: the rows at ``source`` when given (a Parquet file, glob
    or folder, or any source ``cx.Design`` takes; they stay in the engine, see
    :func:`cxresearch.open_wave`), else ``wave`` when given, else the newest observed stored
    wave, else the study's example export (``<examples>/<study>/``) ingested in memory."""
    import cxresearch as cx
    from cxresearch import paths

    if source is not None:
        return cx.open_wave(source, study, wave=wave)
    if wave is None:
        labels = wave_labels(study)
        if labels:
            return load_for_report(study, labels[-1])
    else:
        try:
            return load_for_report(study, wave)
        except FileNotFoundError:
            if not str(wave).startswith("example"):
                raise
    folder = paths.examples_dir() / study
    found = sorted(p for p in folder.glob("*") if p.suffix.lower() in
                   (".csv", ".tsv", ".txt", ".xlsx", ".sav", ".parquet")
                   and not p.name.startswith(("_", ".")))
    if found:
        return cx.ingest(str(found[0]), study, wave or "example", write=False)
    raise ValueError(f"study {study!r} has no observed wave{'' if wave is None else f' {wave!r}'}"
                     f"; ingest one first: cxresearch ingest EXPORT --instrument {study} "
                     f"--wave LABEL")


def report_language(inst) -> str:
    """The language of the labels in a report: the project's ``[project] language`` when the
    codebook has labels in it (``meta.languages``), else English."""
    from cxresearch import paths

    try:
        lang = (paths.project_config().get("project") or {}).get("language") or "en"
    except (ValueError, OSError):
        lang = "en"
    langs = inst.meta.get("languages") or ["en"]
    return lang if lang in langs else "en"


def analysis_spec(inst) -> dict:
    """``meta.analysis`` of a codebook with defaults: ``outcome`` (None), ``drivers`` (every
    index, else every ordinal item, but the outcome), ``segments``."""
    a = dict(inst.meta.get("analysis") or {})
    outcome = a.get("outcome")
    drivers = list(a.get("drivers") or [])
    if outcome and not drivers:
        pool = list(inst.indices) or [i.id for i in inst if i.type in ORDINAL]
        drivers = [x for x in pool if x != outcome]
    return {"outcome": outcome, "drivers": drivers, "segments": segments(inst)}


def segments(inst, max_levels: int = 12) -> list[str]:
    """Segment items: ``meta.analysis.segments`` when given, else every single-choice item
    with 2 to ``max_levels`` levels."""
    given = (inst.meta.get("analysis") or {}).get("segments")
    if given:
        return list(given)
    return [i.id for i in inst if i.type == "single" and 2 <= len(i.levels) <= max_levels
            and not i.pii]


def index_design(w):
    """The wave's design with one score column per multi-item index added (mean of the
    index's items; a respondent who skipped any of them has no score), and the scores' names.
    """
    from cxresearch.sampling.design import Design
    from cxresearch.waves.engine import is_engine_wave

    inst = w.instrument
    if is_engine_wave(w):
        return _engine_index_design(w)
    data = w.data.copy()
    names = []
    for name, items in inst.indices.items():
        cols = [c for c in items if c in data]
        if not cols or name in data:
            continue
        block = np.array(data[cols].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
                         copy=True)
        complete = ~np.isnan(block).any(axis=1)
        score = np.full(len(block), np.nan)
        score[complete] = block[complete].mean(axis=1)
        data[name] = pd.array(score, dtype="Float64")
        names.append(name)
    design = Design(data, **used_design_columns(w))
    return design, names


def _engine_index_design(w):
    """:func:`index_design` of an engine wave: the scores are computed in the engine (the sum
    of the items over their number; null when any item is unanswered), so the rows stay
    there; a score takes few distinct values, so its estimates are pushed down exactly."""
    import ibis

    eng = w.design()
    have = set(eng.columns)
    exprs, names = {}, []
    for name, items in w.instrument.indices.items():
        cols = [c for c in items if c in have]
        if not cols or name in have:
            continue

        def score(t, cols=cols):
            vals = [t[c].cast("float64") for c in cols]
            vals = [ibis.ifelse(v.isnan(), ibis.null("float64"), v) for v in vals]
            total = vals[0]
            for v in vals[1:]:
                total = total + v
            return total / float(len(cols))

        exprs[name] = score
        names.append(name)
    return (eng.with_columns(**exprs) if exprs else eng), names


def row_columns(design) -> list:
    """The columns of a design's rows, in memory or in an engine."""
    cols = getattr(design, "columns", None)
    return list(cols) if cols is not None and not callable(cols) else list(design.data.columns)


def answered(design, col: str) -> bool:
    """Whether any respondent answered ``col`` (one engine aggregate, cached, for rows that
    stay in an engine)."""
    if col not in row_columns(design):
        return False
    if hasattr(design, "answered"):
        return design.answered([col])[col] > 0
    return bool(design.data[col].notna().any())


def used_design_columns(w) -> dict:
    """The codebook's weight/strata/psu/fpc columns that the wave carries (a declared column
    the export lacked, stored all-NA, is left out, as :meth:`Wave.design` does)."""
    if hasattr(w, "design_columns"):
        return w.design_columns()
    return {k: c for k, c in w.instrument.design_columns().items()
            if k in ("weights", "strata", "psu", "fpc") and c is not None
            and c in w.data.columns and w.data[c].notna().any()}
