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

from cxresearch.intake.engine_checks import check_engine
from cxresearch.waves.engine import EngineWave

__all__ = ["open_wave"]


def open_wave(source, instrument, wave: str = "engine", *, synthetic: bool = False,
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
    wave : str
        The label reports and provenance use (e.g. ``"2026-11"``).
    synthetic : bool
        True when the rows are made up (reconstructed or simulated); every report says so.
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
    for name, flag in (("synthetic", synthetic), ("check", check)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    manifest = {"wave": wave, "synthetic": synthetic}
    if isinstance(source, str) or hasattr(source, "__fspath__"):
        manifest["source_file"] = str(source)
    w = EngineWave(source, instrument, manifest, con=con, max_cells=max_cells,
                   lonely_psu=lonely_psu)
    if check:
        check_engine(w, w.instrument, name=manifest.get("source_file"))
    w.design()  # validate the design columns now, not in the middle of a report
    return w
