"""Check rows that stay in a data engine against the study's codebook, in SQL.

A wave opened where its rows live (:func:`cxresearch.open_wave`: a Parquet folder larger than
memory, a DuckDB relation, a Spark table) never passes through ingest's row-by-row
validation. :func:`engine_problems` asks the engine instead: it builds, for every codebook
column, a boolean expression "this row holds a value a stored wave may not hold" and counts
them all in **one aggregate query** (one scan of the data, whatever the number of columns),
after a screen of each column's minimum and maximum that clears the range checks it can
prove (answered from a Parquet file's statistics, without reading the rows). Only when
something is wrong does another query fetch up to five example values per problem
(``LIMIT``-ed, so it stops early), and one more, for a repeated respondent id, five of the
repeated ids.

What is counted, per column (the rules of ingest, see CONTRIBUTING.md, "How answers are
stored in a wave"):

* ``single``: a value that is neither a level ``value`` nor a level code;
* ``likert``/``rating``/``nps_0_10``: a non-integer value, or an integer outside the scale
  (a missing code such as ``-99`` included: a stored wave holds NULL there); text that is not
  a number;
* ``numeric``: not finite, below ``scale_min`` or above ``scale_max``; text that is not a number;
* ``multi`` (one column per option, ``<item>__<value>``): anything but true/false or 0/1, and
  more options chosen than ``max_choices``;
* design columns: a weight missing, non-finite or negative (or every weight zero), an fpc
  missing, non-finite or not positive, a stratum or PSU missing (a design column with no
  value at all counts as absent, as :meth:`~cxresearch.waves.Wave.design` treats it);
* the respondent id: missing, or repeated (``COUNT`` against ``COUNT(DISTINCT)``);
* a required item: its column absent, or a row without an answer;
* a column of the wrong type for its item (a date where a rating belongs);
* a column the codebook marks ``pii: true`` (its id or an alias) present in the source: its
  non-empty cells are counted, never shown.

Every problem is reported at once (:class:`~cxresearch.errors.IngestError`, each problem with
``column``, ``kind``, ``count`` and ``examples``); examples never come from PII columns and
pass through :func:`cxresearch.intake.privacy.redact` (an e-mail address in a comment is
withheld as in ingest's messages). NaN in a floating-point column counts as missing, as
pandas reads it. Not checked here (ingest does it on the rows it reads): e-mail or IP
addresses typed into columns not marked PII, and columns the codebook does not know (a hive
partition such as ``day=…`` is one; they are left alone).

Examples
--------
>>> import ibis, pandas as pd
>>> from cxresearch.codebooks.instrument import load_instrument
>>> t = ibis.memtable(pd.DataFrame({"respondent_id": ["a", "b", "b"],
...                                 "overall": [9, 11, 3]}))
>>> [(p["column"], p["kind"], p["count"]) for p in engine_problems(t, "ecsi_mobi")
...  if p["column"] in ("respondent_id", "overall")]                   # doctest: +SKIP
[('respondent_id', 'id_repeated', 1), ('overall', 'out_of_scale', 1)]
>>> # In R: dplyr::summarise(tbl(con, "t"), bad = sum(!overall %in% 0:10, na.rm = TRUE))
"""

from __future__ import annotations

import contextlib
import math
import os
import re
from dataclasses import dataclass, field

from cxresearch.codebooks.instrument import load_instrument
from cxresearch.errors import IngestError
from cxresearch.intake.privacy import redact
from cxresearch.sampling.sources import as_table

__all__ = ["EXAMPLES", "MEMORY_LIMIT", "check_engine", "engine_problems"]

#: example values shown per problem
EXAMPLES = 5
_TRUTHY = ("0", "1", "true", "false")
#: DuckDB's memory limit while the checks run (see :func:`engine_problems`)
MEMORY_LIMIT = "700MB"
_SIZE = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)")


@dataclass
class _Check:
    column: str
    kind: str
    what: str                      # "N row(s) <what>"
    hint: str | None
    bad: object = None             # ibis boolean expression (None: counted otherwise)
    show: str | None = None        # column whose values are examples (None: no examples)
    count: int | None = None       # column-level problems: known without a query
    only_if: str | None = None     # column that must hold a value (design columns)
    clear: object = None           # (min, max) of ``show`` -> True: no row can be bad
    examples: list = field(default_factory=list)


def _table(source, con):
    """An Ibis table from an EngineWave, EngineDesign, Ibis table, relation or path."""
    if hasattr(source, "_table") and hasattr(source, "instrument"):   # an EngineWave
        return source._table
    if hasattr(source, "table") and hasattr(source, "collapse"):      # an EngineDesign
        return source.table
    return as_table(source, con=con)


def _kind_of(dt) -> str:
    if dt.is_boolean():
        return "bool"
    if dt.is_integer():
        return "int"
    if dt.is_floating() or dt.is_decimal():
        return "float"
    if dt.is_string():
        return "str"
    return "other"


def _finite(*v) -> bool:
    return all(x is not None and math.isfinite(float(x)) for x in v)


def _within(lo_ok: float | None, hi_ok: float | None):
    """A screen: the column's minimum and maximum lie within [lo_ok, hi_ok] (or it is empty)."""
    def clear(lo, hi) -> bool:
        if lo is None and hi is None:
            return True
        return (_finite(lo, hi) and (lo_ok is None or float(lo) >= lo_ok)
                and (hi_ok is None or float(hi) <= hi_ok))
    return clear


def _contiguous(codes) -> bool:
    return bool(codes) and sorted(codes) == list(range(min(codes), max(codes) + 1))


def _as_number(t, col: str, kind: str, checks: list, item_id: str):
    """A float64 expression of a numeric item's column (text parsed with TRY_CAST, what does
    not parse counted), and the 'present' mask (not NULL, not NaN); None for another type."""
    c = t[col]
    if kind == "int":   # as DOUBLE: one set of expressions (isinf is false for them)
        x = c.cast("float64")
        return x, x.notnull()
    if kind == "float":
        x = c.cast("float64")
        return x, x.notnull() & ~x.isnan()
    if kind == "str":
        s = c.strip()
        x = s.try_cast("float64")
        checks.append(_Check(col, "not_a_number", "hold text that is not a number",
                             f"item {item_id!r} stores numbers", (s != "") & x.isnull(), col))
        return x, x.notnull() & ~x.isnan()
    return None, None


def _wrong_type(t, col: str, dt, item, want: str) -> _Check:
    return _Check(col, "wrong_type", f"hold values of type {dt} where item {item.id!r} "
                  f"({item.type}) stores {want}", "convert the column before opening it",
                  t[col].notnull(), col)


def _coded_checks(item, col, kind, x, present, checks: list) -> None:
    """likert/rating/nps_0_10: whole numbers among the item's codes."""
    codes = item.codes
    span = (f"{min(codes)}..{max(codes)}" if _contiguous(codes)
            else ", ".join(map(str, codes))) if codes else "none"
    miss = item.missing_codes
    hint = (f"missing codes ({', '.join(map(str, miss))}) are NULL in a stored wave" if miss
            else f"item {item.id!r} stores codes {span}")
    screen = _within(min(codes), max(codes)) if _contiguous(codes) else None
    if kind == "int":
        checks.append(_Check(col, "out_of_scale", f"hold a code outside the scale {span}",
                             hint, present & ~x.isin([float(k) for k in codes]), col,
                             clear=screen))
        return
    whole = (x % 1.0) == 0
    checks.append(_Check(col, "not_integer", "hold a value that is not a whole number",
                         f"item {item.id!r} stores codes {span}",
                         present & ~x.isinf() & ~whole, col))
    checks.append(_Check(col, "out_of_scale", f"hold a code outside the scale {span}", hint,
                         present & (x.isinf() | (whole & ~x.isin([float(k) for k in codes]))),
                         col, clear=screen if kind == "float" else None))


def _item_checks(t, item, schema, checks: list) -> None:   # noqa: C901 - one branch per type
    cols = [c for c in item.columns() if c in schema]
    if item.required and not cols:
        checks.append(_Check(item.id, "missing_required_item", "(all): required item "
                             f"{item.id!r} has no column", "every stored wave carries it",
                             count=-1))
        return
    for col in cols:
        dt = schema[col]
        kind = _kind_of(dt)
        c = t[col]
        if item.type == "single":
            values = list(item.values)
            codes = [lv.code for lv in item.levels]
            screen = None
            if kind == "str":
                ok = c.isin(values + [str(k) for k in codes])
            elif kind == "int":
                ok = c.isin(codes)
                screen = _within(min(codes), max(codes)) if _contiguous(codes) else None
            elif kind == "float":
                ok = c.isin([float(k) for k in codes]) | c.isnan()
            else:
                checks.append(_wrong_type(t, col, dt, item, "level values"))
                continue
            checks.append(_Check(col, "not_a_level", "hold a value that is not a level of "
                                 f"item {item.id!r}", "levels: " + ", ".join(values[:12])
                                 + (", ..." if len(values) > 12 else "")
                                 + " (or their codes)", c.notnull() & ~ok, col, clear=screen))
        elif item.type in ("likert", "rating", "nps_0_10", "numeric", "weight", "fpc"):
            x, present = _as_number(t, col, kind, checks, item.id)
            if x is None:
                checks.append(_wrong_type(t, col, dt, item, "numbers"))
                continue
            numeric = kind in ("int", "float")
            if item.type == "numeric":
                checks.append(_Check(col, "not_finite", "hold an infinite value",
                                     "a stored wave holds finite numbers only",
                                     present & x.isinf(), col,
                                     clear=_within(None, None) if numeric else None))
                if item.scale_min is not None:
                    checks.append(_Check(col, "below_minimum", "hold a value below the "
                                         f"minimum {item.scale_min:g}", None,
                                         present & ~x.isinf() & (x < item.scale_min), col,
                                         clear=_within(item.scale_min, None) if numeric
                                         else None))
                if item.scale_max is not None:
                    checks.append(_Check(col, "above_maximum", "hold a value above the "
                                         f"maximum {item.scale_max:g}", None,
                                         present & ~x.isinf() & (x > item.scale_max), col,
                                         clear=_within(None, item.scale_max) if numeric
                                         else None))
            elif item.type == "weight":
                missing = ~present if kind == "int" else ~present | x.isinf()
                checks.append(_Check(col, "weight_missing", "have no weight (missing or "
                                     "not finite)", "every respondent needs one", missing,
                                     None, only_if=col))
                checks.append(_Check(col, "weight_negative", "have a negative weight",
                                     "weights are non-negative", present & (x < 0), col,
                                     clear=_within(0.0, None) if numeric else None))
            elif item.type == "fpc":
                checks.append(_Check(col, "fpc_invalid", "have an fpc that is missing, not "
                                     "finite or not positive", "every respondent needs one",
                                     ~present | x.isinf() | (x <= 0), col, only_if=col))
            else:
                _coded_checks(item, col, kind, x, present, checks)
        elif item.type == "multi":
            if kind == "bool":
                continue
            screen = None
            if kind == "int":
                ok = c.isin([0, 1])
                screen = _within(0, 1)
            elif kind == "float":
                ok = c.isin([0.0, 1.0]) | c.isnan()
            elif kind == "str":
                ok = c.strip().lower().isin(list(_TRUTHY))
            else:
                checks.append(_wrong_type(t, col, dt, item, "true/false"))
                continue
            checks.append(_Check(col, "not_a_flag", "hold a value that is not true/false "
                                 "or 0/1", f"option columns of item {item.id!r} are flags",
                                 c.notnull() & ~ok, col, clear=screen))
        if item.type in ("strata", "psu"):
            checks.append(_Check(col, f"{item.type}_missing", f"have no {item.type}",
                                 "every respondent needs one", c.isnull(), None, only_if=col))
        elif item.required and item.type not in ("multi", "id", "weight", "fpc"):
            miss = c.isnull()
            if kind == "float":
                miss = miss | c.isnan()
            elif kind == "str":
                miss = miss | (c.strip() == "")
            checks.append(_Check(col, "required_empty", f"have no answer to the required "
                                 f"item {item.id!r}", "answer it, or drop the row", miss, None))
    if item.type == "multi" and cols:
        flags = [_flag(t[c], _kind_of(schema[c])) for c in cols]
        flags = [f for f in flags if f is not None]
        if flags and item.max_choices and item.max_choices < len(flags):
            chosen = sum(f.ifelse(1, 0) for f in flags)
            checks.append(_Check(item.id, "too_many_choices", f"chose more than "
                                 f"{item.max_choices} options of item {item.id!r}",
                                 f"choose at most {item.max_choices}",
                                 chosen > item.max_choices, None))
        if flags and item.required:
            checks.append(_Check(item.id, "required_empty", f"have no answer to the required "
                                 f"item {item.id!r}", "answer it, or drop the row",
                                 _all_null([t[c] for c in cols]), None))


def _flag(c, kind):
    if kind == "bool":
        return c
    if kind in ("int", "float"):
        return c.cast("float64") == 1.0
    if kind == "str":
        return c.strip().lower().isin(["1", "true"])
    return None


def _all_null(cols):
    out = cols[0].isnull()
    for c in cols[1:]:
        out = out & c.isnull()
    return out


def _pii_checks(t, inst, checks: list) -> None:
    lower = {c.lower(): c for c in t.columns}
    for item in inst.items.values():
        if not item.pii:
            continue
        names = [*item.columns(), item.id, *item.aliases]
        found = list(dict.fromkeys(lower[n.lower()] for n in names if n.lower() in lower))
        for col in found:
            checks.append(_Check(col, "pii_present", f"hold personal data: column {col!r} is "
                                 f"item {item.id!r}, marked pii in the codebook",
                                 "drop the column from the source; a stored wave never holds "
                                 "it (its values are not shown)", t[col].notnull(), None))


def _duckdb_of(t):
    """The DuckDB connection an Ibis table lives on, or None (another engine)."""
    try:
        backend = t.get_backend()
    except Exception:  # noqa: BLE001 - an unbound memtable
        return None
    return getattr(backend, "con", None) if getattr(backend, "name", "") == "duckdb" else None


@contextlib.contextmanager
def _memory_limit(t, limit: str | None):
    """DuckDB's ``memory_limit`` set to ``limit`` for the checks, then restored: the distinct
    respondent ids of 50M rows take 3 GB in a hash table, and DuckDB spills to its temporary
    folder instead when told to stay under a limit."""
    con = _duckdb_of(t) if limit else None
    if con is None:
        yield
        return
    old = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    con.execute(f"SET memory_limit = '{limit}'").fetchall()
    import duckdb

    fresh = duckdb.connect()
    try:
        default = fresh.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    finally:
        fresh.close()
    try:
        yield
    finally:   # the default back exactly (its printed form is rounded), else the setting
        con.execute("RESET memory_limit" if old == default
                    else f"SET memory_limit = '{old}'").fetchall()


def engine_problems(source, instrument, *, con=None, examples: int = EXAMPLES,
                    memory_limit: str | None = MEMORY_LIMIT) -> list[dict]:
    """Every value of ``source`` a stored wave of ``instrument`` may not hold, counted in the
    engine (module docstring: what is checked).

    Two aggregate queries at most: a *screen* of every checked column's minimum and maximum
    (which DuckDB answers from a Parquet file's statistics without reading the rows), which
    clears the range checks it can prove (codes within the scale, numbers within their
    bounds, weights non-negative); then **one** aggregate counting every check left, the
    respondent ids and their distinct values. Examples are fetched only for problems found.

    Parameters
    ----------
    source : EngineWave, EngineDesign, ibis Table, duckdb relation, path, glob or folder
        Rows with the codebook's column names (as ingest stores them).
    instrument : str or Instrument
        The codebook.
    con : ibis backend, optional
        Where a file source is read (default: an embedded DuckDB).
    examples : int
        Example values per problem (never from a PII column).
    memory_limit : str or None
        On DuckDB, its ``memory_limit`` while the checks run (restored afterwards), so that
        counting distinct respondent ids of tens of millions of rows spills to disk instead
        of holding them all; ``None`` leaves the engine's setting.

    Returns
    -------
    list of dict
        ``row`` (None), ``column``, ``value`` (None), ``problem`` (in words, with the count
        and examples), ``hint``, ``kind``, ``count`` (rows; -1 for an absent column) and
        ``examples``. Empty when the rows pass.

    Examples
    --------
    >>> engine_problems("feedback/", "ecsi_mobi")            # doctest: +SKIP
    []
    >>> # In R: dplyr::summarise(tbl(con, "t"), across(everything(), ~ sum(!. %in% codes)))
    """
    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 0:
        raise ValueError(f"examples must be a non-negative integer, got {examples!r}")
    if memory_limit is not None and not (isinstance(memory_limit, str)
                                         and _SIZE.fullmatch(memory_limit)):
        raise ValueError(f"memory_limit must be a size such as '1GB' or None, got "
                         f"{memory_limit!r}")
    t = _table(source, con)
    with _memory_limit(t, memory_limit):
        return _problems(t, instrument, examples)


def _problems(t, instrument, examples: int) -> list[dict]:
    inst = load_instrument(instrument) if isinstance(instrument, str | os.PathLike) \
        else instrument
    schema = dict(t.schema().items())
    checks: list[_Check] = []
    _pii_checks(t, inst, checks)
    for item in inst.items.values():
        if not item.pii:
            _item_checks(t, item, schema, checks)
    id_col = inst.id_column()
    id_col = id_col if id_col in schema and not inst.items[id_col].pii else None
    weights = [c for c in schema if c in inst.items and inst.items[c].type == "weight"
               and _kind_of(schema[c]) in ("int", "float")]
    # 1. the screen: minimum and maximum of every screened column (Parquet statistics)
    screened = list(dict.fromkeys([ck.show for ck in checks if ck.clear is not None]
                                  + [ck.only_if for ck in checks if ck.only_if] + weights))
    agg = {"__n": t.count()}
    for j, col in enumerate(screened):
        agg[f"__lo{j}"] = t[col].min()
        agg[f"__hi{j}"] = t[col].max()
    row = t.aggregate(**agg).to_pyarrow().to_pylist()[0]
    n = int(row["__n"] or 0)
    lo = {col: row[f"__lo{j}"] for j, col in enumerate(screened)}
    hi = {col: row[f"__hi{j}"] for j, col in enumerate(screened)}
    left = [ck for ck in checks
            if not (ck.only_if and hi[ck.only_if] is None)   # a design column without any
            and not (ck.clear is not None and ck.clear(lo[ck.show], hi[ck.show]))]  # value
    # 2. one aggregate: every check the screen did not clear, and the respondent ids
    agg = {f"__c{i}": ck.bad.ifelse(1, 0).sum() for i, ck in enumerate(left)
           if ck.bad is not None}
    if id_col is not None:
        agg["__ids"] = t[id_col].count()
        agg["__idd"] = t[id_col].nunique()
    row = t.aggregate(**agg).to_pyarrow().to_pylist()[0] if agg and n else {}
    found: list[_Check] = []
    for i, ck in enumerate(left):
        ck.count = int(row.get(f"__c{i}") or 0) if ck.bad is not None else ck.count
        if ck.count:
            found.append(ck)
    flagged = {ck.column for ck in found if ck.kind.startswith("weight")}
    for col in weights:
        if n and hi[col] is not None and float(hi[col]) == 0 and col not in flagged:
            found.append(_Check(col, "weights_all_zero", "(all): every weight is zero",
                                "a design needs a positive weight", count=n))
    if id_col is not None and n:
        if row["__ids"] < n:
            found.append(_Check(id_col, "id_missing", "have no respondent id",
                                "every respondent needs one", count=n - int(row["__ids"])))
        if row["__ids"] != row["__idd"]:
            rep = _Check(id_col, "id_repeated", "repeat a respondent id already used by "
                         "another row", "one row per respondent",
                         count=int(row["__ids"] - row["__idd"]))
            rep.examples = _repeated_ids(t, id_col, examples) if examples else []
            found.append(rep)
    if examples:
        _fetch_examples(t, [ck for ck in found if ck.show and ck.bad is not None], examples)
    return [_as_dict(ck) for ck in found]


def _repeated_ids(t, col: str, k: int) -> list[str]:
    e = (t.filter(t[col].notnull()).group_by(col).aggregate(__k=lambda s: s.count())
         .filter(lambda s: s["__k"] > 1).select(col).limit(k))
    return [redact(str(v)) for v in e.to_pyarrow().column(0).to_pylist()]


def _fetch_examples(t, checks: list[_Check], k: int) -> None:
    """Up to ``k`` distinct example values per problem: one UNION ALL of LIMIT-ed selects."""
    import ibis

    if not checks:
        return
    parts = [t.filter(ck.bad.fill_null(False)).select(
        __k=ibis.literal(i), __v=t[ck.show].cast("string")).limit(20 * k)
        for i, ck in enumerate(checks)]
    e = parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)
    got = e.to_pyarrow().to_pydict()
    for i, v in zip(got["__k"], got["__v"], strict=True):
        ex = checks[i].examples
        v = "NULL" if v is None else redact(v)
        if v not in ex and len(ex) < k:
            ex.append(v)


def _as_dict(ck: _Check) -> dict:
    if ck.count == -1:
        text = ck.what[len("(all): "):]
    elif ck.what.startswith("(all): "):
        text = ck.what[len("(all): "):]
    else:
        text = f"{ck.count} row(s) {ck.what}"
    if ck.examples:
        text += " (e.g. " + ", ".join(repr(v) for v in ck.examples) + ")"
    return {"row": None, "column": ck.column, "value": None, "problem": text, "hint": ck.hint,
            "kind": ck.kind, "count": ck.count, "examples": list(ck.examples)}


def check_engine(source, instrument, *, con=None, name: str | None = None) -> None:
    """Raise :class:`~cxresearch.errors.IngestError` listing every problem
    :func:`engine_problems` finds (nothing is returned when the rows pass).

    Examples
    --------
    >>> check_engine("feedback/", "ecsi_mobi")                 # doctest: +SKIP
    >>> # In R: stopifnot(all(dplyr::pull(summarise(tbl, bad = sum(...)), bad) == 0))
    """
    problems = engine_problems(source, instrument, con=con)
    if problems:
        label = name or (str(source) if isinstance(source, str | os.PathLike)
                         else "the engine's rows")
        raise IngestError(label, problems)
