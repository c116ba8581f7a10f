"""Long files: one export holding several waves (continuous feedback, a tracking export).

``cx.ingest(path, study, wave_column="year")`` (``cxresearch ingest FILE --instrument S
--wave-column year``) reads the file once and ingests each value of the column as its own wave;
with a date column, ``wave_period="month"|"quarter"|"year"`` groups the dates into waves
(``2024-03``, ``2024-Q1``, ``2024``). Rules:

* every wave is validated on its own rows, exactly as a file of that wave alone would be (a
  respondent id may recur across waves: a panel);
* **all or nothing**: a problem in any wave (with ``on_error="fail"``), an empty or invalid
  wave value, an unreadable date, or an existing wave without ``replace`` — and nothing is
  written; the waves are written together by :func:`cxresearch.waves.storage.write_waves`;
* the wave column is not stored (it is the wave's label) unless it is a codebook item; the
  manifest of each wave records ``wave_column``, ``wave_period`` and the file's other waves.
"""

from __future__ import annotations

import re
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from cxresearch.codebooks.instrument import load_instrument, normalise_label
from cxresearch.errors import IngestError
from cxresearch.intake.readers import RawTable, read_export, to_numpy
from cxresearch.intake.validation import _validate
from cxresearch.paths import check_label
from cxresearch.waves.storage import recover_wave, sha256_file, wave_dir, write_waves

__all__ = ["PERIODS", "ingest_long", "wave_labels"]

#: how dates are grouped into waves
PERIODS = ("month", "quarter", "year")
_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([ T].*)?$")
_DAY_FIRST = re.compile(r"^\d{1,2}[./]\d{1,2}[./]\d{4}([ T].*)?$")
_YEAR_MONTH = re.compile(r"^\d{4}-\d{1,2}$")


def _find_column(raw: RawTable, name: str) -> str:
    if name in raw.headers:
        return name
    hits = [h for h in raw.headers if normalise_label(h) == normalise_label(name)]
    if len(hits) == 1:
        return hits[0]
    shown = ", ".join(map(repr, raw.headers[:12])) + (", ..." if len(raw.headers) > 12 else "")
    raise IngestError(str(raw.info.get("path", "export")), [{
        "row": 1, "column": name, "value": None, "kind": "wave_column",
        "problem": f"no column {name!r} to take the wave labels from"
                   + (" (several match ignoring case)" if hits else ""),
        "hint": f"columns: {shown}"}])


def _parse_dates(values: np.ndarray) -> pd.Series:
    """ISO dates (``2024-03-31``, ``2024-03``, with a time or not) and day-first dates
    (``31/03/2024``, ``31.03.2024``); anything else is NaT."""
    s = pd.Series(values, dtype=object).astype(str).str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    iso = s.str.match(_ISO)
    ym = s.str.match(_YEAR_MONTH)
    dfirst = s.str.match(_DAY_FIRST)
    if iso.any():
        out[iso] = pd.to_datetime(s[iso].str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    if ym.any():
        out[ym] = pd.to_datetime(s[ym] + "-01", format="%Y-%m-%d", errors="coerce")
    if dfirst.any():
        d = s[dfirst].str.slice(0, 10).str.replace(".", "/", regex=False)
        out[dfirst] = pd.to_datetime(d, format="%d/%m/%Y", errors="coerce")
    return out


def wave_labels(values, period: str | None) -> tuple[np.ndarray, list[tuple[int, str, str]]]:
    """Wave label of every row, and ``(position, value, problem)`` for rows that have none.

    Without ``period`` the value itself (stripped) is the label and must be a valid wave label
    (:func:`cxresearch.paths.check_label`); with a period, dates become ``YYYY-MM``,
    ``YYYY-Qn`` or ``YYYY``.

    Examples
    --------
    >>> wave_labels(["2024-02-10", "10/05/2024"], "quarter")[0].tolist()
    ['2024-Q1', '2024-Q2']
    >>> # In R: paste0(lubridate::year(d), "-Q", lubridate::quarter(d))
    """
    vals = np.asarray(values, dtype=object)
    labels = np.empty(len(vals), dtype=object)
    bad: list[tuple[int, str, str]] = []
    if period is None:
        cache: dict[str, tuple[str | None, str | None]] = {}
        for i, v in enumerate(vals):
            key = str(v).strip()
            if key not in cache:
                if not key:
                    cache[key] = (None, "no wave label (the cell is empty)")
                else:
                    try:
                        cache[key] = (check_label("wave", key), None)
                    except ValueError as exc:
                        cache[key] = (None, str(exc))
            lab, why = cache[key]
            if lab is None:
                bad.append((i, key, why))
            else:
                labels[i] = lab
        return labels, bad
    dates = _parse_dates(vals)
    ok = dates.notna().to_numpy()
    d = dates[ok]
    if period == "year":
        lab = d.dt.year.astype(str)
    elif period == "quarter":
        lab = d.dt.year.astype(str) + "-Q" + d.dt.quarter.astype(str)
    else:
        lab = d.dt.year.astype(str) + "-" + d.dt.month.map("{:02d}".format)
    labels[ok] = lab.to_numpy(dtype=object)
    for i in np.flatnonzero(~ok):
        v = str(vals[i]).strip()
        bad.append((int(i), v, "no date (the cell is empty)" if not v else
                    "not a date (expected 2024-03-31, 2024-03 or 31/03/2024)"))
    return labels, bad


def _subset(raw: RawTable, mask: np.ndarray, drop: str | None, first: bool) -> RawTable:
    """The rows of ``raw`` where ``mask`` holds (without column ``drop``); the file's
    unreadable records go with the first wave only, so that they are reported once."""
    keep_cols = [j for j, h in enumerate(raw.headers) if h != drop]
    sel = pa.array(mask)
    sub = RawTable(
        headers=[raw.headers[j] for j in keep_cols],
        columns=[raw.columns[j].filter(sel) for j in keep_cols],
        rows=raw.rows[mask], info=dict(raw.info),
        problems=list(raw.problems) if first else [],
        bad_rows=dict(raw.bad_rows) if first else {},
        declared_missing={h: m[mask] for h, m in raw.declared_missing.items() if h != drop},
        value_labels=dict(raw.value_labels),
        stored_codes={h: (c.filter(sel) if hasattr(c, "filter") else c)
                      for h, c in raw.stored_codes.items() if h != drop},
        code_labels=dict(raw.code_labels), missing_spec=dict(raw.missing_spec),
        variable_labels=dict(raw.variable_labels))
    return sub


def ingest_long(path, instrument, wave_column: str, *, wave_period: str | None = None,
                on_error: str = "fail", replace: bool = False, write: bool = True, root=None,
                synthetic: bool | None = None, encoding: str | None = None,
                sheet: str | None = None, trust_file_labels: bool = False) -> list:
    """Ingest a long file, one wave per value of ``wave_column`` (see the module docstring).

    Parameters are those of :func:`cxresearch.intake.ingestion.ingest`; ``wave_period`` is
    ``"month"``, ``"quarter"``, ``"year"`` or None (the values are the labels).

    Returns
    -------
    list of cxresearch.waves.Wave
        Sorted by label.

    Raises
    ------
    IngestError
        Every problem of every wave (each message names its wave), or of the wave column.

    Examples
    --------
    >>> import cxresearch as cx
    >>> waves = cx.ingest("tracking.csv", "members", wave_column="year")   # doctest: +SKIP
    >>> [w.label for w in waves]                                           # doctest: +SKIP
    ['2022', '2023', '2024']
    >>> # In R: split(df, df$year), then one validation per part
    """
    if not isinstance(wave_column, str) or not wave_column.strip():
        raise TypeError(f"wave_column must be a column name, got {wave_column!r}")
    if wave_period is not None and wave_period not in PERIODS:
        raise ValueError(f"wave_period must be one of {', '.join(PERIODS)} or None, got "
                         f"{wave_period!r}")
    if on_error not in ("fail", "quarantine"):
        raise ValueError(f"on_error must be 'fail' or 'quarantine', got {on_error!r}")
    if not isinstance(path, str | PathLike):
        raise TypeError(f"path must be a file path, got {type(path).__name__}")
    inst = load_instrument(instrument)
    path = Path(path)
    raw = read_export(path, encoding=encoding, sheet=sheet)
    raw.info["path"] = path.name
    col = _find_column(raw, wave_column)
    values = to_numpy(raw.columns[raw.headers.index(col)])
    labels, bad = wave_labels(values, wave_period)
    if bad:
        shown = bad[:50]
        raise IngestError(path.name, [
            {"row": int(raw.rows[i]), "column": col, "value": v, "kind": "wave_column",
             "problem": why, "hint": "every row needs a wave"
             + (f" (a date, grouped by {wave_period})" if wave_period else "")}
            for i, v, why in shown] + ([{
                "row": None, "column": col, "value": None, "kind": "wave_column",
                "problem": f"... and {len(bad) - 50} more row(s) without a wave",
                "hint": None}] if len(bad) > 50 else []))
    groups = sorted(set(labels.tolist()))
    if not groups:
        raise IngestError(path.name, [{"row": None, "column": col, "value": None,
                                       "kind": "no_rows", "hint": "export the responses again",
                                       "problem": "the file has a header but no data rows"}])
    targets = {g: wave_dir(inst.name, g, root) for g in groups}
    if write:
        for g in groups:
            recover_wave(inst.name, g, root)
        there = [g for g in groups if targets[g].exists()]
        if there and not replace:
            from cxresearch.errors import WaveExistsError

            raise WaveExistsError(
                f"wave(s) {', '.join(f'{inst.name}/{g}' for g in there)} already exist in "
                f"{targets[there[0]].parent}; nothing was read or written (pass "
                f"replace=True, or --replace on the command line, to overwrite them)")
    drop = None if _is_item(inst, col) else col
    sha = sha256_file(path)
    waves, problems = [], []
    for k, g in enumerate(groups):
        mask = labels == g
        extra = {"wave_column": col, "wave_period": wave_period, "waves_in_file": groups,
                 "rows_in_file": int(raw.n)}
        try:
            waves.append(_validate(inst, _subset(raw, mask, drop, k == 0), path, g,
                                   on_error=on_error, synthetic=synthetic,
                                   trust_file_labels=trust_file_labels, sha=sha,
                                   extra=extra, stacklevel=4))
        except IngestError as exc:
            problems += [dict(p, problem=f"wave {g}: {p['problem']}") for p in exc.problems]
    if problems:
        raise IngestError(path.name, problems)
    if write:
        write_waves(waves, replace=replace, root=root)
    return waves


def _is_item(inst, header: str) -> bool:
    try:
        return inst.resolve_column(header) is not None
    except ValueError:
        return False

