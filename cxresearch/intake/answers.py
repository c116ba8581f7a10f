"""Recoding and validation of a raw export's answers, column by column (used by ``ingest``).

The codebook decides what an answer means (:meth:`Item.code_for`, :meth:`Item.option_flag`,
:meth:`Item.split_multi`, :meth:`Item.is_missing` in :mod:`cxresearch.instruments`); this
module makes that fast: each column is dictionary-encoded once with Arrow and only its
*distinct* values are looked up, then the verdicts are broadcast back to the rows with numpy.
Numeric columns (many distinct values) are parsed and range-checked as whole vectors.
Row-level problems are kept as index vectors (:class:`RowProblems`) and become the
:class:`~cxresearch.errors.IngestError` records (row, column, value, problem, hint) only at the
end, so a million clean rows never create a Python object per cell.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections import Counter, defaultdict

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxresearch.codebooks.instrument import normalise_label
from cxresearch.errors import Problems
from cxresearch.intake.privacy import redact
from cxresearch.intake.readers import RawTable, to_numpy

__all__ = ["RowProblems", "convert_item", "multi_from_column", "multi_from_options"]

_FLOAT = {"numeric", "weight", "fpc"}
_NUM_RE = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"
_MAX_DETAIL = 5000  # detailed problems kept per (column, kind, value); the rest are counted


class RowProblems(Problems):
    """Problems of one ingest: file-level ones as records in the list itself (they fail the
    ingest even in quarantine mode), row-level ones as index vectors (:attr:`row_sets`), so
    that a million bad cells cost a few arrays, not a million dicts."""

    def __init__(self, raw: RawTable):
        super().__init__()
        self.raw = raw
        self.row_sets: list[tuple] = []  # (positions, column, kind, problem(s), hint, values)
        self.bad = np.zeros(raw.n, dtype=bool)

    @property
    def fatal(self) -> list[dict]:
        """The file-level problems."""
        return list(self)

    def file(self, problem, hint=None, column=None, value=None, row=None, kind="file"):
        """A problem that no row-quarantine can fix (the file or a whole column)."""
        self.add(problem, row=row, column=column, value=value, hint=hint, kind=kind)

    def rows(self, pos, column: str, kind: str, problem, hint, values=None):
        """Rows at positions ``pos`` have ``problem`` (a text, or one text per row).

        ``values`` are the offending cells (one per row); by default the raw cells of
        ``column``.
        """
        pos = np.asarray(pos, dtype=np.int64)
        if pos.size:
            self.bad[pos] = True
            self.row_sets.append((pos, column, kind, problem, hint, values))

    def column_mask(self, column: str) -> np.ndarray:
        """Rows that already have a problem in ``column``."""
        mask = np.zeros(self.raw.n, dtype=bool)
        for pos, col, *_ in self.row_sets:
            if col == column:
                mask[pos] = True
        return mask

    def as_dicts(self) -> list[dict]:
        """Every problem as an IngestError record, sorted by row."""
        out = [{k: redact(v) for k, v in p.items()} for p in self.fatal]
        out += [dict(p, kind="unreadable_row") for p in self.raw.problems]
        for pos, column, kind, problem, hint, values in self.row_sets:
            shown = pos[:_MAX_DETAIL]
            if values is None:
                col = self.raw.columns[self.raw.headers.index(column)]
                values = col.take(pa.array(shown)).to_pylist()
            coded = self.raw.value_labels.get(column, {})
            for i, p in enumerate(shown):
                h = hint
                if values[i] in coded:  # an SPSS value label the codebook does not know
                    h = f"the file labels its code {coded[values[i]]!r} so; {hint or ''}"
                out.append({"row": int(self.raw.rows[p]), "column": column,
                            "value": redact(values[i]),
                            "problem": redact(problem[i] if isinstance(problem, list)
                                              else problem),
                            "hint": redact(h), "kind": kind})
            if pos.size > _MAX_DETAIL:
                out.append({"row": None, "column": column, "value": None, "kind": kind,
                            "problem": f"... and {pos.size - _MAX_DETAIL} more row(s) with "
                            f"this problem", "hint": None})
        return sorted(out, key=lambda p: (p["row"] is not None, p["row"] or 0))

    def counts(self) -> list[dict]:
        """``[{reason, column, count}]``: rejected cells per kind of problem and column."""
        c: Counter = Counter()
        for pos, column, kind, *_ in self.row_sets:
            c[(kind, column)] += int(pos.size)
        if self.raw.problems:
            c[("unreadable_row", None)] += len(self.raw.problems)
        return [{"reason": k, "column": col, "count": n}
                for (k, col), n in sorted(c.items(), key=lambda kv: (kv[0][0], str(kv[0][1])))]

    def reasons_per_row(self) -> dict[int, list[str]]:
        out: dict[int, list[str]] = defaultdict(list)
        for pos, column, _kind, problem, _hint, _values in self.row_sets:
            for i, p in enumerate(pos):
                text = problem[i] if isinstance(problem, list) else problem
                out[int(p)].append(redact(f"{column}: {text}"))
        return out


# --------------------------------------------------------------------------- helpers


def _encode(col) -> tuple[list[str], np.ndarray]:
    """Distinct values and, per row, the index of its value (one hash pass, no copy of the
    strings; the chunks of an encoded chunked array share one dictionary)."""
    enc = pc.dictionary_encode(col)
    if isinstance(enc, pa.ChunkedArray):
        if enc.num_chunks == 0:
            return [], np.zeros(0, dtype=np.int32)
        idx = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in enc.chunks])
        return enc.chunk(enc.num_chunks - 1).dictionary.to_pylist(), idx
    return enc.dictionary.to_pylist(), enc.indices.to_numpy(zero_copy_only=False)


def _split_message(msg: str) -> tuple[str, str | None]:
    """Codebook messages read 'item ...: value ... is ...; expected ...' -> (problem, hint)."""
    problem, sep, rest = str(msg).partition("; expected ")
    return problem, (f"expected {rest}" if sep else None)


def _problem_kind(item, text: str) -> str:
    t = text.strip()
    try:
        x = float(t)
    except ValueError:
        return "not_numeric" if item.type in ("rating", "nps_0_10") else "unknown_label"
    if not np.isfinite(x) or not x.is_integer():
        return "not_whole"
    return "out_of_scale"


class _Kinds:
    """How an accepted answer was written (for the manifest's tally)."""

    def __init__(self, item):
        self.by_lang = {lang: {str(k).strip() for k in item.label_map(lang)}
                        for lang in ("en", "zh", "id")}
        self.exact = {str(k).strip() for k in item.label_map()}

    def __call__(self, text: str, code) -> str:
        t = text.strip()
        if t == "":
            return "empty"
        if code is None:
            return "missing"
        try:
            float(t)
            return "code"
        except ValueError:
            pass
        for lang, labels in self.by_lang.items():
            if t in labels:
                return f"label_{lang}"
        return "value_or_alias" if t in self.exact else "normalized_or_prefixed"


def _closest(item, text: str) -> str:
    keys = [str(k) for k in item.label_map()]
    near = difflib.get_close_matches(text.strip(), keys, n=1, cutoff=0.6)
    return f"; closest label: {near[0]!r}" if near else ""


# --------------------------------------------------------------------------- single columns


def _coded(item, header, col, probs: RowProblems, tally: Counter):
    """Per distinct value: code (int), NA flag, empty flag; and per row the value's index."""
    uniques, idx = _encode(col)
    codes = np.zeros(len(uniques), dtype=np.int64)
    na = np.ones(len(uniques), dtype=bool)
    empty = np.zeros(len(uniques), dtype=bool)
    counts = np.bincount(idx, minlength=len(uniques))
    kind_of = _Kinds(item)
    for u, text in enumerate(uniques):
        try:
            code = item.code_for(text)
        except ValueError as exc:
            problem, hint = _split_message(exc)
            kind = _problem_kind(item, text)
            if kind == "unknown_label":
                hint = (hint or "") + _closest(item, text)
            at = np.flatnonzero(idx == u)
            probs.rows(at, header, kind, problem, hint, values=[text] * at.size)
            continue
        tally[kind_of(text, code)] += int(counts[u])
        if code is not None:
            codes[u], na[u] = code, False
        empty[u] = text.strip() == ""
    return codes, na, empty, idx


def _numbers(item, header, col, probs: RowProblems, tally: Counter):
    """Floats per row (NaN for NA) and the mask of empty cells, checked as whole vectors."""
    ok = to_numpy(pc.match_substring_regex(col, _NUM_RE))
    vals = np.full(len(col), np.nan)
    if ok.any():
        txt = pc.utf8_trim_whitespace(col if ok.all() else col.filter(pa.array(ok)))
        vals[ok] = to_numpy(pc.cast(txt, pa.float64()))
    huge = ok & np.isinf(vals)  # '1e309', a 400-digit integer: beyond the float range
    if huge.any():
        probs.rows(np.flatnonzero(huge), header, "not_finite",
                   f"item {item.id!r}: value is too large to be stored as a number (beyond "
                   "±1.8e308, it would become infinity)", "check the cell: write a number, or "
                   "one of the codebook's missing codes")
        vals[huge] = np.nan
    missing = np.isin(vals, item.missing_codes) if item.missing_codes else np.zeros(len(col), bool)
    vals[missing] = np.nan
    empty = np.zeros(len(col), dtype=bool)
    if not ok.all():
        rest = np.flatnonzero(~ok)
        uniques, idx = _encode(col.take(pa.array(rest)))
        for u, text in enumerate(uniques):
            at = rest[idx == u]
            if text.strip() == "":
                empty[at] = True
            elif item.is_missing(text):
                missing[at] = True
            else:
                probs.rows(at, header, "not_numeric", f"item {item.id!r}: value {text!r} is "
                           "not a number", "write a number, or one of the codebook's missing "
                           f"codes {item.missing[:4]}" if item.missing else "write a number",
                           values=[text] * at.size)
    finite = np.isfinite(vals)
    lo, hi = item.scale_min, item.scale_max
    if item.type == "weight":
        neg = finite & (vals < 0)
        probs.rows(np.flatnonzero(neg), header, "negative_weight",
                   f"item {item.id!r}: negative weight", "weights must be >= 0")
    elif item.type == "fpc":
        probs.rows(np.flatnonzero(finite & (vals <= 0)), header, "bad_fpc",
                   f"item {item.id!r}: fpc must be positive",
                   "a population size, or a sampling fraction in (0, 1]")
    if lo is not None:
        probs.rows(np.flatnonzero(finite & (vals < lo)), header, "below_range",
                   f"item {item.id!r}: value below the minimum {lo:g}", f"range {lo:g}..{hi:g}")
    if hi is not None:
        probs.rows(np.flatnonzero(finite & (vals > hi)), header, "above_range",
                   f"item {item.id!r}: value above the maximum {hi:g}", f"range {lo:g}..{hi:g}")
    tally["number"] += int(finite.sum())
    tally["missing"] += int(missing.sum())
    tally["empty"] += int(empty.sum())
    return vals, empty


def _texts(item, col, tally: Counter):
    """Stripped text per row (Arrow-backed pandas strings), missing labels and blanks NA."""
    stripped = pc.utf8_trim_whitespace(col)
    empty = to_numpy(pc.equal(stripped, ""))
    missing = np.zeros(len(col), dtype=bool)
    if item.missing:
        keys = pa.array(sorted({normalise_label(m) for m in item.missing}))
        missing = to_numpy(pc.is_in(pc.utf8_lower(stripped), value_set=keys)) & ~empty
    na = empty | missing
    if na.any():
        stripped = pc.if_else(pa.array(na), pa.scalar(None, pa.string()), stripped)
    values = pd.array(stripped, dtype=pd.StringDtype())
    tally["text"] += int((~na).sum())
    tally["missing"] += int(missing.sum())
    tally["empty"] += int(empty.sum())
    return values, empty


def convert_item(item, header, col, probs: RowProblems, tally: Counter, declared=None):
    """One item's column -> (pandas array in the codebook's dtype, mask of empty cells).

    ``declared`` marks cells the source file itself declares missing (SPSS user-missing).
    """
    t = item.type
    if declared is not None:  # the file itself says these cells are missing: NA, not checked
        col = pc.if_else(pa.array(declared), "", col)
    if t in _FLOAT:
        vals, empty = _numbers(item, header, col, probs, tally)
        na = np.isnan(vals)
        vals[na] = 0.0
        out = pd.arrays.FloatingArray(vals, na)
    elif t in ("likert", "rating", "nps_0_10", "single"):
        codes, na, empty, idx = _coded(item, header, col, probs, tally)
        empty = empty[idx]
        if t == "single":  # category position per distinct value, then one gather
            pos = {lv.code: i for i, lv in enumerate(item.levels)}
            cat = np.array([-1 if na[u] else pos[int(c)] for u, c in enumerate(codes)],
                           dtype=np.int64)
            out = pd.Categorical.from_codes(cat[idx] if len(cat) else cat, dtype=item.dtype())
        else:
            out = pd.arrays.IntegerArray(codes[idx], na[idx])
    else:  # id, text, strata, psu
        out, empty = _texts(item, col, tally)
    if declared is not None:
        empty = empty & ~declared
        tally["empty"] -= int(declared.sum())
        tally["missing_declared_in_file"] += int(declared.sum())
    return out, empty


# --------------------------------------------------------------------------- multi-select


def _no_cap(item):
    """The item without max_choices: the cap is checked separately, for both layouts."""
    return dataclasses.replace(item, max_choices=None) if item.max_choices else item


def multi_from_options(item, cols: dict, probs: RowProblems, tally: Counter, n: int):
    """One column per option -> ({option value: bool array}, NA mask)."""
    out = {}
    answered = np.zeros(n, dtype=bool)
    for opt in item.options:
        sel = np.zeros(n, dtype=bool)
        if opt.value in cols:
            header, col = cols[opt.value]
            uniques, idx = _encode(col)
            flags = np.zeros(len(uniques), dtype=bool)
            seen = np.zeros(len(uniques), dtype=bool)
            for u, text in enumerate(uniques):
                try:
                    flag = item.option_flag(text, opt.value)
                except ValueError as exc:
                    problem, hint = _split_message(exc)
                    at = np.flatnonzero(idx == u)
                    probs.rows(at, header, "bad_option_cell", problem, hint or
                               f"1/0, true/false, or the label of option {opt.value!r}",
                               values=[text] * at.size)
                    continue
                flags[u] = bool(flag)
                seen[u] = flag is not None
            sel = flags[idx]
            answered |= seen[idx]
        out[opt.value] = sel
    # a respondent with every option column blank did not answer the question
    tally["multi_answered"] += int(answered.sum())
    return out, ~answered


def multi_from_column(item, header, col, probs: RowProblems, tally: Counter, n: int):
    """One column of delimited options -> ({option value: bool array}, NA mask)."""
    free = _no_cap(item)
    uniques, idx = _encode(col)
    sel = {op.value: np.zeros(len(uniques), dtype=bool) for op in item.options}
    na = np.zeros(len(uniques), dtype=bool)
    for u, text in enumerate(uniques):
        try:
            chosen = free.split_multi(text)
        except ValueError as exc:
            problem, hint = _split_message(exc)
            at = np.flatnonzero(idx == u)
            probs.rows(at, header, "unknown_option", f"{problem} (in {text!r})", hint,
                       values=[text] * at.size)
            continue
        if chosen is None:
            na[u] = True
            continue
        for v in chosen:
            sel[v][u] = True
    tally["multi_answered"] += int((~na[idx]).sum())
    return {v: s[idx] for v, s in sel.items()}, na[idx]


def check_ids(values, header, probs: RowProblems, raw: RawTable):
    """Duplicate respondent ids: every occurrence is a problem naming the other rows."""
    arr = pa.array(values).drop_null()
    if len(pc.unique(arr)) == len(arr):  # the usual case, in one hash pass
        return
    s = pd.Series(values)
    dup = s.duplicated(keep=False) & s.notna()
    pos = np.flatnonzero(dup.to_numpy())
    ids = s[dup]
    rows = pd.Series(raw.rows[pos], index=ids.index).groupby(ids, sort=False)
    shared = rows.transform(lambda g: ", ".join(map(str, g.iloc[:5]))
                            + (", ..." if len(g) > 5 else ""))
    probs.rows(pos, header, "duplicate_id",
               [f"respondent id {v!r} appears more than once (rows {r})"
                for v, r in zip(ids, shared, strict=True)],
               "respondent ids must be unique", values=list(ids))
