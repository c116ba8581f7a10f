"""The ledger of published figures (``data/published/ledger.csv``).

Every number the four benchmark documents publish is typed in once, with its unit, the bound the
wording implies ("nearly", "more than"), the base where it is known and the verbatim passage it
comes from (see ``data/published/README.md``). :func:`published` reads and validates the file and
returns it with proper dtypes; :func:`interval` turns a row's value and bound into the interval of
true values it is consistent with, which the consistency and claim checks build on.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from cxresearch import paths

__all__ = ["BOUNDS", "COLUMNS", "STUDIES", "UNITS", "as_ledger", "decimals", "interval", "published"]

COLUMNS = ["id", "study", "wave", "source", "section", "metric", "group", "value", "unit",
           "bound", "n", "note", "passage"]
STUDIES = ["mopinion_dcxm", "mitto_cx", "cxn_dcx", "gscx_trends"]
UNITS = ["percent", "score_percent", "score_0_10", "ratio", "points", "percent_change", "count",
         "rank", "rank_from_bottom", "hours", "months", "minutes", "years", "year"]
BOUNDS = ["eq", "approx", "lt", "le", "gt", "ge"]
PASSAGE_SEP = " || "

#: half-width of the band an ``approx`` figure is taken to mean, per unit (absolute), and the
#: relative half-width used for the others
APPROX_ABS = {"percent": 5.0, "score_percent": 5.0, "points": 5.0, "score_0_10": 0.5}
APPROX_REL = 0.10

#: natural limits of each unit (used to close open intervals)
UNIT_LIMITS = {"percent": (0.0, 100.0), "score_percent": (0.0, 100.0),
               "score_0_10": (0.0, 10.0), "ratio": (0.0, math.inf)}


def ledger_path(path=None) -> Path:
    """The ledger file: ``path`` when given, else ``data/published/ledger.csv`` of the project."""
    return Path(path) if path is not None else paths.published_dir() / "ledger.csv"


def _validate(raw: pd.DataFrame, source: str, require_passage: bool = True) -> list[str]:
    problems: list[str] = []
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        return [f"missing column(s) {missing}; expected {COLUMNS}"]
    for i, row in enumerate(raw.to_dict("records")):
        where = f"row {i + 2} (id {row['id']!r})"  # +2: header is line 1, rows are 0-based
        if not isinstance(row["id"], str) or not row["id"].strip():
            problems.append(f"row {i + 2}: empty id")
        if row["study"] not in STUDIES:
            problems.append(f"{where}: unknown study {row['study']!r}; expected one of {STUDIES}")
        if row["unit"] not in UNITS:
            problems.append(f"{where}: unknown unit {row['unit']!r}; expected one of {UNITS}")
        if row["bound"] not in BOUNDS:
            problems.append(f"{where}: unknown bound {row['bound']!r}; expected one of {BOUNDS}")
        value = pd.to_numeric(pd.Series([row["value"]]), errors="coerce").iloc[0]
        if pd.isna(value):
            problems.append(f"{where}: missing or non-numeric value {row['value']!r}")
        n = row["n"]
        if isinstance(n, str) and n.strip() and n.strip().lower() not in ("nan", "<na>", "none"):
            try:
                if float(n) != int(float(n)) or float(n) <= 0:
                    raise ValueError
            except ValueError:
                problems.append(f"{where}: n must be a positive integer, got {n!r}")
        if require_passage and (not isinstance(row["passage"], str)
                                or not row["passage"].strip()):
            problems.append(f"{where}: empty passage (every figure must be traceable)")
        if not isinstance(row["metric"], str) or not re.fullmatch(r"[a-z0-9_]+", row["metric"]):
            problems.append(f"{where}: metric {row['metric']!r} is not snake_case")
    dup = raw["id"][raw["id"].duplicated(keep=False)]
    for rid in sorted(set(dup.dropna())):
        lines = [str(i + 2) for i, x in enumerate(raw["id"]) if x == rid]
        problems.append(f"duplicate id {rid!r} in rows {', '.join(lines)}")
    return problems


def published(study: str | None = None, *, path=None) -> pd.DataFrame:
    """The published-figures ledger as a typed DataFrame.

    Parameters
    ----------
    study : str, optional
        One of ``mopinion_dcxm``, ``mitto_cx``, ``cxn_dcx``, ``gscx_trends``; ``None`` for all.
    path : str or Path, optional
        Another ledger file with the same columns (tests use small hand-made ledgers);
        default ``data/published/ledger.csv`` (``$CXRESEARCH_DATA`` honoured).

    Returns
    -------
    pandas.DataFrame
        Columns ``id, study, wave, source, section, metric, group, value, unit, bound, n, note,
        passage``; ``study``, ``unit`` and ``bound`` are categoricals, ``value`` is ``Float64``,
        ``wave`` and ``n`` are ``Int64``, the text columns are strings.

    Raises
    ------
    ValueError
        The file is malformed: unknown study, unit or bound, a duplicate id, a missing value,
        an empty passage. Every problem is listed, each naming its row (line in the file) and id.

    References
    ----------
    The columns and their vocabularies are documented in ``data/published/README.md``.

    Examples
    --------
    >>> import cxresearch as cx
    >>> led = cx.published("mitto_cx")
    >>> led.set_index("id").loc["mitto_cx.nps_mean.full_omnichannel", "value"]
    8.5
    >>> # In R: subset(read.csv("data/published/ledger.csv"), study == "mitto_cx")
    """
    if study is not None and study not in STUDIES:
        raise ValueError(f"study must be one of {STUDIES} or None, got {study!r}")
    file = ledger_path(path)
    if not file.is_file():
        raise FileNotFoundError(f"published ledger not found: {file}")
    raw = pd.read_csv(file, dtype=str, keep_default_na=False, na_values=[""])
    out = _typed(raw, str(file), require_passage=True)
    if study is not None:
        out = out[out["study"] == study].reset_index(drop=True)
    return out


def as_ledger(ledger, study: str | None = None) -> pd.DataFrame:
    """A ledger given as ``None`` (the repository's), a path, or a DataFrame, typed and checked.

    A DataFrame may leave out ``source, section, note, passage`` (hand-made ledgers in tests);
    ``id, study, wave, metric, group, value, unit, bound`` are required, ``n`` is optional.
    """
    if ledger is None:
        return published(study)
    if isinstance(ledger, str | Path):
        return published(study, path=ledger)
    if not isinstance(ledger, pd.DataFrame):
        raise TypeError(f"ledger must be None, a path or a DataFrame, got {type(ledger).__name__}")
    raw = ledger.copy()
    for col in ("source", "section", "note", "passage", "n"):
        if col not in raw.columns:
            raw[col] = pd.NA
    raw = raw.reset_index(drop=True)
    raw = raw.astype({c: "object" for c in raw.columns}).where(raw.notna(), None)
    raw = raw.map(lambda x: x if x is None or isinstance(x, str) else str(x))
    out = _typed(raw, "ledger argument", require_passage=False)
    if study is not None:
        out = out[out["study"] == study].reset_index(drop=True)
    return out


def _typed(raw: pd.DataFrame, source: str, require_passage: bool) -> pd.DataFrame:
    problems = _validate(raw, source, require_passage)
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ValueError(f"ledger {source} has {len(problems)} problem(s):\n{lines}")
    out = raw[COLUMNS].copy()
    for col in ("id", "source", "section", "metric", "group", "note", "passage"):
        out[col] = out[col].astype("string")
    out["study"] = pd.Categorical(out["study"], categories=STUDIES)
    out["unit"] = pd.Categorical(out["unit"], categories=UNITS)
    out["bound"] = pd.Categorical(out["bound"], categories=BOUNDS)
    out["value"] = pd.to_numeric(out["value"]).astype("Float64")
    out["wave"] = pd.to_numeric(out["wave"]).astype("Int64")
    out["n"] = pd.to_numeric(out["n"]).astype("Int64")
    return out


def decimals(value) -> int:
    """Number of decimals a published value carries (``69`` -> 0, ``8.5`` -> 1, ``33.3`` -> 1)."""
    text = repr(float(value))
    if "e" in text or "E" in text:
        return 0
    frac = text.split(".")[1].rstrip("0") if "." in text else ""
    return len(frac)


def interval(value, unit: str = "percent", bound: str = "eq", ndigits: int | None = None):
    """Interval of true values a published figure is consistent with.

    ``eq`` with ``d`` decimals is the rounding interval ``[v - 0.5*10**-d, v + 0.5*10**-d]``;
    ``approx`` is ``v ± 5`` points for percentages and scores (``± 0.5`` on a 0-10 scale,
    ``± 10 %`` relative otherwise); ``lt``/``le`` run from the unit's lower limit to ``v``,
    ``gt``/``ge`` from ``v`` to its upper limit. Verbal fractions typed as 33.3 / 66.7 are read
    to their exact value (1/3, 2/3) so that "nearly two-thirds" is at most 66.67.

    Returns
    -------
    tuple of float
        ``(low, high, low_open, high_open)``.

    Examples
    --------
    >>> interval(65, "score_percent")
    (64.5, 65.5, False, False)
    >>> interval(3, "ratio", "gt")
    (3.0, inf, True, False)
    """
    v = float(value)
    lo_lim, hi_lim = UNIT_LIMITS.get(unit, (-math.inf, math.inf))
    d = decimals(v) if ndigits is None else ndigits
    if bound in ("lt", "le", "gt", "ge"):
        exact = {33.3: 100 / 3, 66.7: 200 / 3, 16.7: 100 / 6, 83.3: 500 / 6}.get(round(v, 1))
        if unit in ("percent", "score_percent") and exact is not None:
            v = exact
    if bound == "eq":
        h = 0.5 * 10.0 ** (-d)
        return (max(v - h, lo_lim), min(v + h, hi_lim), False, False)
    if bound == "approx":
        h = APPROX_ABS.get(unit, abs(v) * APPROX_REL)
        return (max(v - h, lo_lim), min(v + h, hi_lim), False, False)
    if bound in ("lt", "le"):
        return (lo_lim, v, False, bound == "lt")
    if bound in ("gt", "ge"):
        return (v, hi_lim, bound == "gt", False)
    raise ValueError(f"bound must be one of {BOUNDS}, got {bound!r}")
