"""Waves whose rows stay in a data engine: a Parquet folder larger than memory, a DuckDB
relation or a Spark table, described by the study's codebook.

An :class:`EngineWave` is a :class:`~cxresearch.waves.storage.Wave` without ``data``: its
:meth:`~EngineWave.design` is an :class:`~cxresearch.sampling.engine.EngineDesign` on the
codebook's weight, strata, PSU and fpc columns, so every estimator that is pushed down
(``cx.mean``, ``cx.proportion``, ``cx.nps``, domains, cross-tabs, ``compare_groups``,
``regress``…) runs on it unchanged and the rows never come into Python. Whatever would need
the rows (``w.data``) says so and names the way out: an explicit in-memory sample
(:meth:`EngineWave.sample`).

Values are read as the engine holds them; the codebook's dtypes (ordered categoricals) are
applied to the small aggregates that come back, as :func:`~cxresearch.waves.load_wave` applies
them to a stored file. The rows are checked against the codebook when the wave is opened
through :func:`cxresearch.open_wave` (intake: :mod:`cxresearch.intake.engine_checks`, SQL
aggregates), as ingest checks an export; a stored wave opened with
``cx.load_wave(study, wave, engine=True)`` was checked at ingest and its files are checked
against the manifest's sha256.

Examples
--------
>>> import cxresearch as cx
>>> w = cx.open_wave("data/feedback/", "ecsi_mobi", wave="2026-11")   # doctest: +SKIP
>>> cx.mean(w, "cusa1")                                               # doctest: +SKIP
>>> # In R: svydesign(ids=~1, weights=~w, data=arrow::open_dataset("data/feedback/"))
"""

from __future__ import annotations

import pandas as pd

from cxresearch.sampling.engine import EngineDesign
from cxresearch.sampling.sources import as_table, describe_source
from cxresearch.waves.folders import _check_label
from cxresearch.waves.wave import Wave, _resolve_instrument

__all__ = ["EngineWave", "is_engine_wave"]


def is_engine_wave(obj) -> bool:
    """Whether ``obj`` is an :class:`EngineWave` (rows in an engine, no ``data``)."""
    return isinstance(obj, EngineWave)


class EngineWave(Wave):
    """A wave of a study whose rows stay in a data engine.

    Parameters
    ----------
    source : path, glob, folder, list of paths, duckdb relation or ibis Table
        The rows, one per respondent, with the codebook's column names (as ingest stores
        them). Parquet folders with hive partitions (``wave=…/day=…``) are read as one table.
    instrument : str or Instrument
        The codebook (or its name) describing the columns.
    manifest : dict, optional
        Provenance; ``wave`` (the label) defaults to ``"engine"``, ``study`` to the codebook's
        name.
    con : ibis backend, optional
        Where file sources are read (default: an embedded DuckDB).
    max_cells : int
        Passed to :class:`~cxresearch.sampling.engine.EngineDesign`.

    Attributes
    ----------
    instrument, manifest, study, label, synthetic, columns, n_rows, backend

    Examples
    --------
    >>> import ibis, pandas as pd                                         # doctest: +SKIP
    >>> w = EngineWave("feedback/*.parquet", "ecsi_mobi", {"wave": "2026"})  # doctest: +SKIP
    >>> w.design()                                                        # doctest: +SKIP
    EngineDesign(n=40000000, strata=50, psu=20000, df=19950, backend=duckdb)
    >>> # In R: svydesign(..., data = DBI::dbReadTable(con, "feedback")) with svydb/sqlsurvey
    """

    def __init__(self, source, instrument, manifest: dict | None = None, *, con=None,
                 max_cells: int = 5_000_000, lonely_psu: str = "fail"):
        if manifest is not None and not isinstance(manifest, dict):
            raise TypeError(f"manifest must be a dict, got {type(manifest).__name__}")
        self.instrument = _resolve_instrument(instrument)
        self.manifest = dict(manifest or {})
        self.manifest.setdefault("study", getattr(self.instrument, "name", None))
        self.manifest.setdefault("wave", "engine")
        for key in ("study", "wave"):
            _check_label(f"manifest[{key!r}]", self.manifest.get(key))
        self.quarantine = None
        self.path = None
        table = as_table(source, con=con)
        self.backend = describe_source(table)
        self.manifest.setdefault("source", self.backend)
        self._table = table
        self._max_cells = max_cells
        self._lonely_psu = lonely_psu
        self._design = None

    #: estimators treat an engine wave as its engine design (``is_engine_design``)
    engine_rows = True
    _OWN = frozenset({"_design", "_table", "_max_cells", "_lonely_psu", "_check"})

    def __getattr__(self, name):
        """Attributes of the engine design (``collapse``, ``table``, ``spec``…), so that an
        estimator's engine route takes the wave as it takes ``w.design()``."""
        if name.startswith("__") or name in self._OWN:
            raise AttributeError(name)
        return getattr(self.design(), name)

    # ----------------------------------------------------------------- rows
    @property
    def data(self) -> pd.DataFrame:
        raise TypeError(
            f"wave {self.study}/{self.label} keeps its rows in the engine ({self.backend}); "
            "estimate on w.design() (every pushed-down estimator takes it, or the wave itself) "
            "or take an explicit in-memory sample with w.sample(n)")

    @data.setter
    def data(self, value) -> None:
        raise TypeError("an engine wave's rows cannot be replaced; open another source")

    @property
    def columns(self) -> list[str]:
        """The columns of the rows (codebook columns and design columns)."""
        return list(self._table.columns)

    @property
    def n_rows(self) -> int:
        """Rows (respondents) in the engine: one aggregate, made when the design is built."""
        return int(self.design().n)

    def answered(self, columns) -> dict:
        """Respondents with an answer in each of ``columns`` (one aggregate, cached)."""
        return self.design().answered([c for c in columns])

    # ----------------------------------------------------------------- design
    def design_columns(self) -> dict:
        """The codebook's weight/strata/psu/fpc columns that the rows carry with at least one
        value (as :meth:`Wave.design` leaves out a declared column the export lacked)."""
        declared = {k: c for k, c in self.instrument.design_columns().items()
                    if k in ("weights", "strata", "psu", "fpc") and c is not None
                    and c in self._table.columns}
        if not declared:
            return {}
        probe = EngineDesign(self._table, max_cells=self._max_cells)
        have = probe.answered(list(declared.values()))
        return {k: c for k, c in declared.items() if have[c] > 0}

    def design(self) -> EngineDesign:
        """The survey design on the rows (built once; one aggregate per PSU)."""
        if self._design is None:
            eng = EngineDesign(self._table, **self.design_columns(), max_cells=self._max_cells,
                               lonely_psu=self._lonely_psu)
            cols = set(self._table.columns)
            eng.dtypes = {c: dt for c, dt in self.instrument.dtypes().items() if c in cols}
            self._design = eng
        return self._design

    def sample(self, n: int, seed: int = 0) -> Wave:
        """An explicit in-memory Bernoulli sample of about ``n`` respondents as a
        :class:`Wave` (weights divided by the sampling fraction; see
        :meth:`EngineDesign.sample`), labelled ``<wave>-sample`` so that nothing reported
        from it passes for the whole wave."""
        d = self.design().sample(n, seed=seed)
        data = self.instrument.apply_dtypes(d.data)
        m = dict(self.manifest, wave=f"{self.label}-sample",
                 sample={"n": int(len(data)), "of": int(self.n_rows), "seed": int(seed)})
        return Wave(data, self.instrument, m)

    def __repr__(self) -> str:
        kind = "synthetic" if self.synthetic else "observed"
        return f"<EngineWave {self.study}/{self.label}: rows in {self.backend}, {kind}>"
