"""Open a wave whose rows stay in a data engine (``cx.open_wave``): a Parquet folder larger
than memory, CSV files, a DuckDB relation or a Spark/warehouse table, read through the study's
codebook.

Examples
--------
>>> import cxresearch as cx
>>> w = cx.open_wave("exports/feedback/", "ecsi_mobi", wave="2026-11")  # doctest: +SKIP
>>> cx.nps(w, "recommend")                                             # doctest: +SKIP
>>> # In R: svydesign(ids=~1, weights=~w, data=arrow::open_dataset("exports/feedback/"))
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cxresearch.intake.engine_checks import check_engine
from cxresearch.paths import check_label
from cxresearch.waves.engine import EngineWave

__all__ = ["open_wave"]


def open_wave(source, instrument, wave: str | None = None, *, synthetic: bool | None = None,
              con=None, max_cells: int = 5_000_000, lonely_psu: str = "fail",
              check: bool = True) -> EngineWave:
    """A wave of ``instrument`` whose rows stay where they are (DuckDB by default).

    Parameters
    ----------
    source : path, glob, folder, list of paths, duckdb relation or ibis Table
        One row per respondent with the codebook's column names. A folder of Parquet files
        with hive partitions (``day=2026-11-01/part-0.parquet``) is one table.
    instrument : str or Instrument
        The study's codebook (its name or a loaded one).
    wave : str, optional
        The label reports and provenance use (e.g. ``"2026-11"``). Default: the ``wave`` of a
        ``manifest.json`` in the folder (a stored wave), else the folder or file name, else
        ``"engine"``.
    synthetic : bool, optional
        True when the rows are made up (reconstructed or simulated); every report says so.
        Default: the ``synthetic`` of a ``manifest.json`` in the folder, else False.
    con : ibis backend, optional
        Where file sources are read; default an embedded DuckDB.
    max_cells, lonely_psu
        As :class:`~cxresearch.sampling.engine.EngineDesign`.
    check : bool, default True
        Check the rows against the codebook in the engine first
        (:func:`~cxresearch.intake.engine_checks.engine_problems`: one aggregate query,
        seconds for tens of millions of Parquet rows): values outside a scale, unknown levels,
        bad flags, bad design columns, repeated ids, PII columns. ``False`` skips it: then the
        caller vouches that the rows are what a stored wave holds (for instance rows written
        by ``cxresearch ingest``, or checked once already); estimates on unchecked rows may
        count a ``-99`` as an answer.

    Returns
    -------
    EngineWave
        A :class:`~cxresearch.waves.Wave` without ``data``: pass it (or ``w.design()``) to
        any pushed-down estimator or to the wave report template (``source=``).

    Raises
    ------
    IngestError
        (A ValueError.) With ``check``: every problem of the rows at once, each with its
        column, kind, count of rows and up to five example values (never PII values).
    ValueError
        A design column the codebook declares holds impossible values (as ``cx.Design``).

    Examples
    --------
    >>> import cxresearch as cx
    >>> w = cx.open_wave("feedback/", "ecsi_mobi", wave="2026-11")   # doctest: +SKIP
    >>> w.n_rows                                                     # doctest: +SKIP
    40000000
    >>> # In R: svydesign(ids=~1, data=arrow::open_dataset("feedback/")) (svydb/sqlsurvey)
    """
    if synthetic is not None and not isinstance(synthetic, bool):
        raise TypeError(f"synthetic must be True, False or None, got {synthetic!r}")
    if not isinstance(check, bool):
        raise TypeError(f"check must be True or False, got {check!r}")
    manifest = _sidecar(source)
    if wave is not None:
        manifest["wave"] = wave
    manifest.setdefault("wave", _label_from(source))
    if synthetic is not None:
        manifest["synthetic"] = synthetic
    manifest.setdefault("synthetic", False)
    if isinstance(source, str | os.PathLike):
        # the folder or file name only: reader pages never show where a file lives
        manifest["source_file"] = Path(os.fspath(source).rstrip("/\\")).name
    w = EngineWave(source, instrument, manifest, con=con, max_cells=max_cells,
                   lonely_psu=lonely_psu)
    if check:
        check_engine(w, w.instrument, name=manifest.get("source_file"))
    w.design()  # validate the design columns now, not in the middle of a report
    return w


def _sidecar(source) -> dict:
    """``study``, ``wave`` and ``synthetic`` from a ``manifest.json`` in a source folder (or
    beside a source file), as a stored wave or a reconstruction writes it; else nothing."""
    if not isinstance(source, str | os.PathLike):
        return {}
    p = Path(source)
    for cand in (p / "manifest.json", p.parent / "manifest.json"):
        if cand.is_file():
            try:
                m = json.loads(cand.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return {}
            if isinstance(m, dict):
                return {k: m[k] for k in ("wave", "synthetic", "seed", "example")
                        if k in m and m[k] is not None}
    return {}


def _label_from(source) -> str:
    """A wave label from a folder or file name (``exports/2026-11/`` -> ``2026-11``), else
    ``"engine"``."""
    if isinstance(source, str | os.PathLike):
        name = Path(os.fspath(source).rstrip("/\\")).name
        stem = name.split(".")[0]
        try:
            return check_label("wave", stem)
        except ValueError:
            pass
    return "engine"
