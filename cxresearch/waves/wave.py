"""The wave objects: :class:`Wave` (answers in memory, the codebook they follow, where they
came from) and :class:`StreamedWave` (answers written batch by batch to Parquet, read when
first used). Storing and loading them is :mod:`cxresearch.waves.storage`; a wave whose rows
stay in an engine is :class:`~cxresearch.waves.engine.EngineWave`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from cxresearch.sampling.design import Design
from cxresearch.waves.folders import _check_label, response_files

__all__ = ["StreamedWave", "Wave", "is_wave", "read_parts", "wave_year"]


def _resolve_instrument(instrument):
    if isinstance(instrument, str | os.PathLike):
        from cxresearch.codebooks.instrument import load_instrument

        return load_instrument(instrument)
    return instrument


class Wave:
    """A validated wave: answers, the codebook they follow, and where they came from.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent, columns and dtypes as the codebook prescribes.
    instrument : cxresearch.instruments.Instrument or str
        The codebook (or its name).
    manifest : dict
        Provenance, with at least ``study`` and ``wave``; keys as in CONTRIBUTING.md.
    quarantine : pandas.DataFrame, optional
        Rows rejected at ingest (with a ``_reasons`` column); written to ``quarantine.csv``.

    Attributes
    ----------
    data, instrument, manifest, quarantine
    study : str
    label : str
        The wave label, e.g. ``"2024"`` or ``"2021-reconstructed"``.
    synthetic : bool
        True for reconstructed (or made-up example) data.

    Examples
    --------
    >>> import cxresearch as cx
    >>> w = cx.load_wave("mitto_cx", "2021")            # doctest: +SKIP
    >>> w.synthetic, w.manifest["rows_kept"]            # doctest: +SKIP
    >>> d = w.design()                                  # doctest: +SKIP
    >>> # In R: des <- survey::svydesign(ids = ~1, weights = ~weight, data = df)
    """

    def __init__(self, data: pd.DataFrame, instrument, manifest: dict, quarantine=None):
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
        if not isinstance(manifest, dict):
            raise TypeError(f"manifest must be a dict, got {type(manifest).__name__}")
        self.data = data
        self.instrument = _resolve_instrument(instrument)
        self.manifest = dict(manifest)
        self.manifest.setdefault("study", getattr(self.instrument, "name", None))
        for key in ("study", "wave"):
            _check_label(f"manifest[{key!r}]", self.manifest.get(key))
        self.quarantine = quarantine
        self.path: Path | None = None

    @property
    def study(self) -> str:
        return self.manifest["study"]

    @property
    def label(self) -> str:
        return self.manifest["wave"]

    @property
    def synthetic(self) -> bool:
        return bool(self.manifest.get("synthetic", False))

    @property
    def columns(self) -> list[str]:
        """The wave's columns (as :attr:`EngineWave.columns`, whose rows are elsewhere)."""
        return list(self.data.columns)

    @property
    def n_rows(self) -> int:
        """Respondents in the wave."""
        return len(self.data)

    def answered(self, columns) -> dict:
        """Respondents with an answer in each of ``columns``."""
        return {c: int(self.data[c].notna().sum()) for c in columns}

    def design(self):
        """The survey design of this wave, from the codebook's weight/strata/psu/fpc columns.

        A design column that the codebook declares but the export did not carry (absent, or
        entirely NA, as ingest stores an absent optional item) is left out: no weight column
        gives unit weights.

        Returns
        -------
        cxresearch.design.Design
        """
        cols = self.instrument.design_columns()
        kwargs = {
            key: (col if col is not None and col in self.data.columns
                  and self.data[col].notna().any() else None)
            for key, col in cols.items()
            if key in ("weights", "strata", "psu", "fpc")
        }
        return Design(self.data, **kwargs)

    def __repr__(self) -> str:
        kind = "synthetic" if self.synthetic else "observed"
        return (
            f"<Wave {self.study}/{self.label}: {len(self.data)} respondents × "
            f"{self.data.shape[1]} columns, {kind}>"
        )


class StreamedWave(Wave):
    """A wave whose answers were written to Parquet batch by batch (a large export): its
    ``data`` is read from the file the first time it is used, so that ingesting a file never
    holds all its rows in memory. Before it is written, ``staged`` is the Parquet file (or
    the list of part files, stored as ``responses/part-NNNNN.parquet``) and ``data`` an empty
    frame with the codebook's columns and dtypes."""

    def __init__(self, empty: pd.DataFrame, instrument, manifest: dict,
                 staged: Path | list[Path], quarantine=None):
        super().__init__(empty, instrument, manifest, quarantine=quarantine)
        self.staged: Path | list[Path] | None = (
            [Path(p) for p in staged] if isinstance(staged, list | tuple) else Path(staged))
        self._loaded = False   # until written, ``data`` is the empty frame

    @property
    def data(self) -> pd.DataFrame:
        if not self._loaded and self.staged is None and self.path is not None:
            self._data = self.instrument.apply_dtypes(read_parts(
                response_files(self.path, self.manifest)))
            self._loaded = True
        return self._data

    @data.setter
    def data(self, value: pd.DataFrame) -> None:
        self._data = value
        self._loaded = True

    def __repr__(self) -> str:
        kind = "synthetic" if self.synthetic else "observed"
        return (f"<Wave {self.study}/{self.label}: {self.manifest.get('rows_kept')} "
                f"respondents, {kind}, read batch by batch>")


def read_parts(files: list[Path]) -> pd.DataFrame:
    """The answers of one or several Parquet files, in order, as one frame."""
    if len(files) == 1:
        return pd.read_parquet(files[0])
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def wave_year(label: str) -> int | None:
    """The year a wave label starts with (``2021-reconstructed`` -> 2021), or None."""
    m = re.match(r"(\d{4})", str(label))
    return int(m.group(1)) if m else None


def is_wave(obj) -> bool:
    """Whether ``obj`` is a :class:`Wave` (the one test every layer uses)."""
    return isinstance(obj, Wave)
