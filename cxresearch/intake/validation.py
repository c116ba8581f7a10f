"""Validation of a read export against its codebook: the column mapping, the conversion of
every answer, the problems, the quarantine and the manifest of one wave.

The steps of :func:`cxresearch.intake.ingestion.ingest` (whose docstring states the rules),
shared by the whole-file ingest, the batch-wise ingest of large CSVs
(:mod:`cxresearch.intake.streaming`) and the ingest of long files holding several waves
(:mod:`cxresearch.intake.longfile`).
"""

from __future__ import annotations

import difflib
import json
import warnings
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from cxresearch import paths
from cxresearch.codebooks.instrument import list_instruments, load_instrument, normalise_label
from cxresearch.errors import IngestError, PiiSuspectedWarning, UnknownColumnsWarning, printable
from cxresearch.intake.answers import (
    RowProblems,
    check_ids,
    convert_item,
    multi_from_column,
    multi_from_options,
)
from cxresearch.intake.labels import check_file_labels
from cxresearch.intake.privacy import KIND_NAMES, redact, scan
from cxresearch.intake.readers import QUALTRICS_METADATA, RawTable
from cxresearch.waves.storage import Wave

__all__ = ["validate_export"]


# --------------------------------------------------------------------------- column mapping


def _wording_index(inst) -> dict[str, set[str]]:
    """Question wording (any language, normalized) -> item ids: exports that use the question
    text as header (Google Forms, SurveyMonkey) or as SPSS variable label."""
    out: dict[str, set[str]] = defaultdict(set)
    for it in inst.items.values():
        for text in it.wording.values():
            out[normalise_label(text)].add(it.id)
    return out


def _resolve(inst, header: str, wording: dict) -> str | None:
    """Wave column of an export header (ValueError when ambiguous), or None."""
    col = inst.resolve_column(header)
    if col is None:
        hits = wording.get(normalise_label(header), set())
        if len(hits) == 1:
            col = next(iter(hits))
    return col


def _best_other_codebook(headers: list[str], this: str):
    """(name, matched) of the other codebook that recognises most of these headers."""
    best = None
    for name in list_instruments():
        if name == this:
            continue
        try:
            other = load_instrument(name)
        except ValueError:  # a broken codebook is its own test's business
            continue
        k = 0
        for h in headers:
            try:
                k += other.resolve_column(h) is not None
            except ValueError:
                k += 1
        if k and (best is None or k > best[1]):
            best = (name, k)
    return best


def _map_columns(inst, raw: RawTable, probs: RowProblems) -> tuple[dict, dict]:
    """Assign each header to a wave column, or to a reason for dropping it.

    Returns ``(assigned, dropped)``: ``assigned[item_id]`` is a header, or for a multi-select
    given as one column per option a dict ``option value -> header``; ``dropped[reason]``
    lists headers (reasons ``pii``, ``ignored``, ``qualtrics_metadata``, ``unknown``).
    """
    wording = _wording_index(inst)
    assigned: dict = {}
    options: dict[str, dict] = defaultdict(dict)
    dropped: dict[str, list[str]] = defaultdict(list)
    unknown: list[str] = []
    claimed: dict[str, str] = {}
    for h in raw.headers:
        try:
            col = _resolve(inst, h, wording)
            if col is None and h in raw.variable_labels:  # SPSS label / Qualtrics question
                col = _resolve(inst, raw.variable_labels[h], wording)
        except ValueError as exc:
            probs.file(str(exc), "rename the column to the item id", column=h, row=1,
                       kind="ambiguous_column")
            continue
        if col is None:
            if inst.is_ignored(h):
                dropped["ignored"].append(h)
            elif normalise_label(h) in QUALTRICS_METADATA:
                dropped["qualtrics_metadata"].append(h)
            else:
                unknown.append(h)
            continue
        if col in claimed:
            probs.file(f"columns {claimed[col]!r} and {h!r} both map to {col!r}",
                       "keep one of them", column=h, row=1, kind="duplicate_column")
            continue
        claimed[col] = h
        iid, opt = inst.split_column(col) if col not in inst.items else (col, None)
        if inst.items[iid].pii:
            dropped["pii"].append(h)
        elif opt is None:
            assigned[iid] = h
        else:
            options[iid][opt] = h
    for iid, cols in options.items():
        if iid in assigned:
            probs.file(f"multi-select {iid!r} is given both as one column ({assigned[iid]!r}) "
                       f"and as one column per option ({', '.join(cols.values())})",
                       "keep one layout", column=assigned[iid], row=1, kind="duplicate_column")
        assigned[iid] = cols
    # a Qualtrics ResponseId is the respondent id when the id item has no column of its own
    id_item = inst.id_column()
    rid = [h for h in dropped["qualtrics_metadata"] if normalise_label(h) == "responseid"]
    if id_item and id_item not in assigned and rid:
        dropped["qualtrics_metadata"].remove(rid[0])
        assigned[id_item] = rid[0]
    _judge_unknown(inst, raw, unknown, assigned, dropped, probs)
    return assigned, dropped


def _judge_unknown(inst, raw, unknown, assigned, dropped, probs: RowProblems) -> None:
    """Unknown columns: another study's file and likely typos are errors; the rest dropped."""
    if not unknown:
        return
    answer_cols = [h for h in raw.headers
                   if h not in dropped["ignored"] and h not in dropped["qualtrics_metadata"]]
    matched = len(answer_cols) - len(unknown)
    if matched < len(answer_cols) / 2:
        other = _best_other_codebook(answer_cols, inst.name)
        hint = (f"its columns match the codebook {other[0]!r} ({other[1]} of "
                f"{len(answer_cols)}): check --instrument" if other and other[1] > matched
                else "check that this is the right file and codebook")
        shown = ", ".join(map(repr, unknown[:8])) + (", ..." if len(unknown) > 8 else "")
        probs.file(f"this does not look like a {inst.name} export: only {matched} of "
                   f"{len(answer_cols)} columns match its codebook (unknown: {shown})", hint,
                   kind="different_study")
        return
    free: dict[str, str] = {}  # headers of items that have no column in this file
    for it in inst.items.values():
        if it.id not in assigned and not it.pii:
            for name in (it.id, *it.aliases):
                free[normalise_label(name)] = it.id
    for h in unknown:
        near = difflib.get_close_matches(normalise_label(h), list(free), n=1, cutoff=0.85)
        if near:
            probs.file(f"unknown column {h!r}: did you mean {near[0]!r} (item "
                       f"{free[near[0]]!r}, which has no column)?",
                       "rename the column to the item id or one of its aliases", column=h,
                       row=1, kind="unknown_column")
        else:
            dropped["unknown"].append(h)


# --------------------------------------------------------------------------- the ingest


def _made_up(sha256: str) -> str | None:
    """The note of a made-up example export (listed by sha256 in data/examples/made_up.json)."""
    listing = paths.examples_dir() / "made_up.json"
    if not listing.is_file():
        return None
    doc = json.loads(listing.read_text(encoding="utf-8"))
    return doc.get("note", "made up") if sha256 in doc.get("files", {}).values() else None


_DESIGN_NEEDED = {"weight": "missing weight", "id": "missing respondent id",
                  "strata": "missing stratum", "psu": "missing PSU", "fpc": "missing fpc"}


def _convert(inst, raw: RawTable, assigned: dict, probs: RowProblems, tally: Counter) -> dict:
    """Convert and validate every assigned column; returns {wave column: pandas array}."""
    cols: dict[str, object] = {}
    col_of = dict(zip(raw.headers, raw.columns, strict=True))
    for iid, it in inst.items.items():
        src = assigned.get(iid)
        if it.pii:
            continue
        if src is None:
            if it.required:
                names = [iid, *it.aliases]
                probs.file(f"required item {iid!r} has no column",
                           f"looked for headers {', '.join(map(repr, names[:6]))}"
                           + (", ..." if len(names) > 6 else ""), column=iid,
                           kind="missing_required_item")
            continue
        if it.type == "multi":
            cols.update(_convert_multi(it, src, col_of, probs, tally, raw.n))
            continue
        values, empty = convert_item(it, src, col_of[src], probs, tally,
                                     raw.declared_missing.get(src))
        if it.type in _DESIGN_NEEDED:
            na = np.asarray(pd.isna(values)) & ~probs.column_mask(src)
            probs.rows(np.flatnonzero(na), src, f"{it.type}_missing", _DESIGN_NEEDED[it.type],
                       "every respondent needs one")
        elif it.required:
            probs.rows(np.flatnonzero(empty), src, "required_empty",
                       f"required item {iid!r} is empty", "answer it, or drop the row")
        if it.type == "id":
            check_ids(values, src, probs, raw)
        cols[iid] = values
    return cols


def _convert_multi(it, src, col_of, probs: RowProblems, tally: Counter, n: int) -> dict:
    if isinstance(src, dict):
        sel, na = multi_from_options(it, {v: (h, col_of[h]) for v, h in src.items()},
                                     probs, tally, n)
        header = next(iter(src.values()))
    else:
        sel, na = multi_from_column(it, src, col_of[src], probs, tally, n)
        header = src
    if it.max_choices:
        k = np.sum(list(sel.values()), axis=0)
        over = np.flatnonzero(k > it.max_choices)
        probs.rows(over, header, "too_many_choices",
                   [f"item {it.id!r}: {int(k[p])} options chosen, more than the maximum "
                    f"{it.max_choices}" for p in over],
                   f"choose at most {it.max_choices}")
    if it.required:
        probs.rows(np.flatnonzero(na), header, "required_empty",
                   f"required item {it.id!r} has no answer", "answer it, or drop the row")
    return {f"{it.id}__{v}": pd.arrays.BooleanArray(s, na.copy()) for v, s in sel.items()}


def _validate(inst, raw: RawTable, path: Path, wave: str, *, on_error: str, synthetic,
              trust_file_labels: bool, sha: str, extra: dict | None = None,
              stacklevel: int = 3) -> Wave:
    """Validate one wave's rows of a read export: the Wave (not written), or IngestError."""
    probs = RowProblems(raw)
    if raw.n == 0 and not raw.problems:
        probs.file("the file has a header but no data rows", "export the responses again",
                   kind="no_rows")
    tally: Counter = Counter()
    assigned, dropped = _map_columns(inst, raw, probs)
    check_file_labels(inst, raw, assigned, probs, trust_file_labels)
    suspected = _suspect_pii(inst, raw, assigned)
    cols = _convert(inst, raw, assigned, probs, tally)
    all_problems = probs.as_dicts()
    _warn_pii(path, suspected, stacklevel + 1)
    if probs.fatal or (all_problems and on_error == "fail"):
        raise IngestError(path.name, all_problems)
    if dropped.get("unknown"):
        warnings.warn(f"{printable(path.name)}: {len(dropped['unknown'])} column(s) match no "
                      f"item of {inst.name} and were dropped: {dropped['unknown']}",
                      UnknownColumnsWarning, stacklevel=stacklevel)
    keep = ~probs.bad
    data = _assemble(inst, cols, keep, raw.n)
    quarantine = (_quarantine(raw, probs, assigned, suspected)
                  if (probs.bad.any() or raw.bad_rows) else None)
    manifest = _manifest(inst, wave, path, sha, synthetic, info=raw.info,
                         rows_read=int(raw.n + len(raw.bad_rows)), rows_kept=int(keep.sum()),
                         rows_rejected=int((~keep).sum() + len(raw.bad_rows)),
                         rejections=probs.counts(), on_error=on_error, assigned=assigned,
                         dropped=dropped, tally=tally, suspected=suspected, extra=extra)
    return Wave(data, inst, manifest, quarantine=quarantine)


def _manifest(inst, wave, path: Path, sha: str, synthetic, *, info, rows_read, rows_kept,
              rows_rejected, rejections, on_error, assigned, dropped, tally, suspected,
              extra=None) -> dict:
    """The manifest of an ingested wave (whole-file and batch-wise ingest alike)."""
    made_up = _made_up(sha)
    return {
        "study": inst.name, "wave": wave,
        "synthetic": bool(made_up is not None if synthetic is None else synthetic),
        **({"example": True, "synthetic_reason": made_up} if made_up else {}),
        "source_file": path.name, "source_sha256": sha,
        "source_bytes": path.stat().st_size,
        "reading": info,
        "rows_read": int(rows_read),
        "rows_kept": int(rows_kept),
        "rows_rejected": int(rows_rejected),
        "rejections": rejections,
        "on_error": on_error,
        "columns_mapped": {(h if isinstance(h, str) else ", ".join(h.values())): iid
                           for iid, h in assigned.items()},
        "columns_dropped": {k: v for k, v in dropped.items() if v},
        "columns_dropped_count": sum(len(v) for v in dropped.values()),
        "items_absent": [i for i, it in inst.items.items() if i not in assigned and not it.pii],
        "answers": dict(sorted(tally.items())),
        **({"pii_suspected": suspected} if suspected else {}),
        "codebook": inst.name,
        "codebook_sha256": inst.sha256,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **(extra or {}),
    }


def _assemble(inst, cols: dict, keep: np.ndarray, n: int) -> pd.DataFrame:
    """The wave frame: every codebook column (absent items as NA), kept rows only."""
    frame = {c: cols[c] if c in cols else pd.array([pd.NA] * n, dtype=inst.dtype(c))
             for c in inst.columns()}
    df = pd.DataFrame(frame, copy=False)
    if not keep.all():
        df = df.loc[keep].reset_index(drop=True)
    # the converters build the codebook dtypes already; cast (a copy) only what differs
    off = [c for c in df.columns if df[c].dtype != inst.dtype(c)]
    if off:
        df[off] = inst.apply_dtypes(df[off])
    return df


def _answer_headers(assigned: dict) -> list[str]:
    """The export headers mapped to (non-PII) codebook items, in mapping order."""
    out: list[str] = []
    for h in assigned.values():
        out.extend(h.values() if isinstance(h, dict) else [h])
    return out


def _suspect_pii(inst, raw: RawTable, assigned: dict) -> dict:
    """``{header: {"email": n, "ip": n}}`` for answer columns holding e-mail/IP addresses."""
    out = {}
    for h in _answer_headers(assigned):
        found = scan(raw.columns[raw.headers.index(h)])
        if found:
            out[h] = found
    return out


def _warn_pii(path: Path, suspected: dict, stacklevel: int = 3) -> None:
    for h, found in suspected.items():
        what = " and ".join(f"{n} value(s) that look like {KIND_NAMES.get(k, k)}"
                            for k, n in found.items())
        warnings.warn(f"{printable(path.name)}: column {h!r} is not marked pii but holds "
                      f"{what}; they are withheld from messages and quarantine.csv (mark the "
                      "item 'pii: true' in the codebook if it is personal data)",
                      PiiSuspectedWarning, stacklevel=stacklevel)


def _quarantine(raw: RawTable, probs: RowProblems, assigned: dict, suspected: dict) -> pd.DataFrame:
    """Rejected rows with their reasons: only the columns mapped to non-PII items (never PII,
    Qualtrics metadata such as IP addresses, or unknown columns), e-mail/IP values withheld;
    an unreadable record is listed by its row number only."""
    pos = np.flatnonzero(probs.bad)
    reasons = probs.reasons_per_row()
    q = pd.DataFrame({h: raw.columns[raw.headers.index(h)].take(pa.array(pos)).to_pylist()
                      for h in _answer_headers(assigned)})
    for h in suspected:  # the columns where e-mail/IP addresses were found
        q[h] = [redact(v) for v in q[h]]
    q.insert(0, "_reasons", ["; ".join(reasons[int(p)]) for p in pos])
    q.insert(0, "_source_row", raw.rows[pos])
    if raw.bad_rows:
        extra = pd.DataFrame({"_source_row": list(raw.bad_rows),
                              "_reasons": ["unreadable_row: wrong number of fields"]
                              * len(raw.bad_rows)})
        q = pd.concat([q, extra], ignore_index=True).sort_values("_source_row",
                                                                 ignore_index=True)
    return q.astype(str).replace({"nan": "", "<NA>": ""})



def validate_export(inst, raw: RawTable, path, wave: str, *, on_error: str = "fail",
                    synthetic=None, trust_file_labels: bool = False, sha: str | None = None):
    """The validated :class:`~cxresearch.waves.Wave` of a read export (not written), or
    :class:`~cxresearch.errors.IngestError` with every problem.

    Examples
    --------
    >>> from cxresearch.intake.readers import read_export                     # doctest: +SKIP
    >>> w = validate_export(inst, read_export("export.csv"), "export.csv", "2024")  # doctest: +SKIP
    >>> # In R: no direct equivalent (validation by hand after haven::read_sav)
    """
    from cxresearch.paths import sha256_file

    path = Path(path)
    return _validate(inst, raw, path, wave, on_error=on_error, synthetic=synthetic,
                     trust_file_labels=trust_file_labels, sha=sha or sha256_file(path))
