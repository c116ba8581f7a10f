"""Draft a codebook from a survey export (CSV/TSV, Qualtrics CSV, XLSX, SPSS ``.sav``).

``cxresearch codebook draft EXPORT --study NAME`` writes one item per column with its type
inferred from the answers (the rules are in :mod:`cxresearch.codebooks.infer`: personal data,
free text, constants, ids, wave columns, design columns, codes versus ratings, labels), marks
every inferred choice ``assumed: true`` with the reason, and writes a review page beside it
(:mod:`cxresearch.codebooks.review`: one line per column with the evidence, riskiest first):

- likely missing codes (-99, 9, 99 ... set apart; "Don't know", "N/A") -> ``missing``; SPSS
  user-missing values are taken as declared; Qualtrics bookkeeping columns, constant columns
  and the proposed wave column -> ``ignore_columns`` (the wave column also under
  ``meta.wave_column``);
- items with a shared prefix and the same scale (``qual_1 .. qual_8``) -> proposed indices,
  never holding an item that reads as the outcome (overall satisfaction, loyalty, recommend);
- ``meta.analysis`` proposes outcome candidates, drivers (the other indices and scale items)
  and segments (single-choice items), marked ``assumed``: the researcher names the outcome.

The YAML is written by the YAML serializer from one mapping; the only comment lines are fixed
text, so nothing from the export (file name, headers, answers) can become YAML structure.
Personal-data and free-text answers never reach the codebook or the review page: the draft
says *what* it found in counts (:mod:`cxresearch.codebooks.pii`).

Files are read in blocks (CSV cut at record boundaries, SPSS through
``pyreadstat.read_file_in_chunks``) and only running summaries are kept per column (counts of
at most :data:`MAX_TRACKED` distinct answers, numeric range, a distinct-value sketch,
personal-data counts), so memory does not grow with the number of rows
(``benchmarks/bench_draft.py``). Written by hand: no library infers survey item types.

References
----------
DDI Alliance (2014). *DDI-Codebook 2.5* (variables, categories, missing categories).
Qualtrics, "Exporting response data" (three header rows: ids, question texts, ImportId).

Examples
--------
>>> from cxresearch.codebooks.draft import draft_codebook
>>> text = draft_codebook("data/examples/ecsi_mobi/mobi.csv", "ecsi_draft")  # doctest: +SKIP
>>> # In R: there is no drafting tool; labelled::look_for(haven::read_sav(f)) lists the same
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml

from cxresearch.codebooks.infer import (
    MAX_LEVELS,
    PII_HEADER,
    QUALTRICS_META,
    infer_column,
    is_outcome_like,
    snake,
)
from cxresearch.codebooks.items import normalise_label
from cxresearch.codebooks.scan import MAX_TRACKED, ColumnSummary, scan_export
from cxresearch.errors import CodebookError

__all__ = ["MAX_LEVELS", "MAX_TRACKED", "Draft", "check_codebook", "draft", "draft_codebook",
           "scan_export"]

_ORDINAL = ("rating", "likert", "nps_0_10")
_SINGLETON = ("id", "weight", "strata", "psu", "fpc")
#: the only comment lines of a draft: fixed text, nothing from the export is interpolated
_HEADER = """\
# Codebook DRAFT: review before use (the review page beside it lists the evidence, riskiest
# item first). Every inferred choice is marked `assumed: true` with its reason: check types,
# scales and missing codes, delete the marks, then run `cxresearch codebook check` on it.
# meta.analysis proposes outcome candidates, drivers and segments: name the outcome.
"""


@dataclass
class Draft:
    """A drafted codebook: ``yaml`` (the codebook text), ``review`` (an HTML review page),
    ``decisions`` (one dict per export column: header, id, type, reason, risk, evidence)."""

    yaml: str
    review: str
    decisions: list[dict] = field(default_factory=list)


def _indices(items: list[dict], outcome_like: set[str]) -> tuple[dict, list[str]]:
    """Groups of two or more ordinal items sharing a prefix and the same scale, and the
    outcome candidates among indices. A group made only of outcome-like items (``cusa1..3``)
    is an index and an outcome candidate; an outcome-like item in a mixed group (an overall
    satisfaction ``q8`` after ``q1..q7``) is left out of the index (an index never holds an
    item proposed as the outcome)."""
    groups: dict[str, list[dict]] = {}
    for it in items:
        if it["type"] not in ("rating", "likert"):
            continue
        m = re.match(r"^(.*?[a-z])_?(\d+)$", it["id"])
        if m:
            groups.setdefault(m.group(1).rstrip("_"), []).append(it)
    out, candidates = {}, []
    ids = {i["id"] for i in items}
    for prefix, members in groups.items():
        if prefix in ids:
            continue
        whole = all(m["id"] in outcome_like for m in members) or is_outcome_like(prefix)
        if not whole:
            members = [m for m in members if m["id"] not in outcome_like]
        scales = {(m.get("scale_min"), m.get("scale_max"),
                   tuple(lv["code"] for lv in m.get("levels", []))) for m in members}
        if len(members) >= 2 and len(scales) == 1:
            out[prefix] = {"items": [m["id"] for m in members], "scoring": "mean"}
            if whole:
                candidates.append(prefix)
    return out, candidates


def _analysis(items: list[dict], idx: dict, idx_candidates: list[str],
              outcome_like: set[str]) -> dict:
    in_index = {i for v in idx.values() for i in v["items"]}
    cands = list(idx_candidates) + [i["id"] for i in items if i["id"] in outcome_like
                                    and i["id"] not in in_index]
    drivers = [k for k in idx if k not in cands] + [
        i["id"] for i in items if i["type"] in _ORDINAL and i["id"] not in in_index
        and i["id"] not in cands]
    segments = [i["id"] for i in items if i["type"] == "single" and not i.get("pii")
                and 2 <= len(i.get("levels", [])) <= MAX_LEVELS]
    why = [("outcome candidates read as satisfaction, loyalty or recommendation: "
            + ", ".join(cands)) if cands else "no item reads as an overall outcome"]
    if len(drivers) < 2:  # one index: its items are the drivers
        drivers = [i["id"] for i in items if i["type"] in _ORDINAL and i["id"] not in cands]
    if len(drivers) < 2:
        why.append(f"{len(drivers)} possible driver(s): a drivers report needs two or more")
        drivers = []
    else:
        why.append("drivers: the indices and scale items that are not outcome candidates")
    why.append("segments: single-choice items with 2-12 levels")
    return {"outcome": None, "outcome_candidates": cands, "drivers": drivers,
            "segments": segments, "assumed": True,
            "assumed_reason": "; ".join(why) + "; name the outcome (one of the candidates)"}


def draft(path: str | os.PathLike, study: str, *, max_levels: int = MAX_LEVELS,
          chunk_bytes: int = 16 << 20) -> Draft:
    """Draft a codebook and its review page from an export; see :func:`draft_codebook`.

    Examples
    --------
    >>> d = draft("export.csv", "members")                        # doctest: +SKIP
    >>> d.yaml, d.review                                          # doctest: +SKIP
    >>> # In R (listing only): labelled::look_for(haven::read_sav("export.sav"))
    """
    from cxresearch.codebooks.review import review_html

    if not isinstance(study, str) or not re.fullmatch(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*", study):
        raise ValueError(f"study must be snake_case (letters, digits, _), got {study!r:.80}")
    if len(study) > 64:  # it names a file: keep it well inside every file system's limit
        raise ValueError(f"study must be at most 64 characters, got {len(study)}: "
                         f"{study[:40]!r}...")
    if not isinstance(max_levels, int) or isinstance(max_levels, bool) or max_levels < 2:
        raise ValueError(f"max_levels must be an integer >= 2, got {max_levels!r}")
    scan = scan_export(path, chunk_bytes=chunk_bytes)
    name = Path(path).name
    taken: set[str] = set()
    items: list[dict] = []
    ignore: list[str] = []
    decisions: list[dict] = []
    singletons: dict[str, str] = {}
    wave: dict | None = None
    multi = _multi_groups(scan["columns"], scan["wordings"])
    first_of = {g[0][0].header: p for p, g in multi.items()}
    in_multi = {t[0].header for g in multi.values() for t in g}
    for col in scan["columns"]:
        h = col.header
        if h in first_of:
            members = multi[first_of[h]]
            item = _multi_item(first_of[h], members, scan["wordings"], taken)
            items.append(item)
            decisions.append(_decision(col, item["id"], item, item["assumed_reason"],
                                       columns=[t[0].header for t in members]))
            continue
        if h in in_multi:
            continue
        if normalise_label(h) in QUALTRICS_META and not PII_HEADER.search(h):
            ignore.append(h)
            decisions.append(_decision(col, None, {"type": "ignore", "hidden": True},
                                       "Qualtrics bookkeeping column: dropped on ingest"))
            continue
        wording = scan["wordings"].get(h) or None
        vl = scan["value_labels"].get(h) or {}
        entry, why = infer_column(col, wording, vl, scan["user_missing"].get(h) or [],
                                  max_levels)
        typ = entry.pop("type")
        if typ == "wave" and wave is not None:
            typ, why = "ignore", why + [f"another wave-like column ({wave['column']!r} is "
                                        "proposed): ignored"]
        if typ in ("ignore", "wave"):
            ignore.append(h)
            if typ == "wave":
                wave = {"column": h, **entry, "assumed": True, "assumed_reason": "; ".join(
                    why + ["listed under ignore_columns; ingest a long file with "
                           "--wave-column to make one wave per value"])}
            decisions.append(_decision(col, None, {"type": typ, **entry}, "; ".join(why)))
            continue
        if typ in _SINGLETON:
            if typ in singletons:
                why.append(f"a second {typ}-like column (the codebook has one {typ}: "
                           f"{singletons[typ]!r}): typed {'numeric' if col.numeric else 'text'}")
                typ = "numeric" if col.numeric else "text"
            else:
                singletons[typ] = h
        iid = snake(h, taken)
        item = {"id": iid, "type": typ, "wording": {"en": wording or (
            h if h.strip() else f"column {len(decisions) + 1} (blank header)")}}
        if not wording:
            why.append("no question text in the export: the header is the wording")
        if normalise_label(h) != iid:
            item["aliases"] = [h]
        item.update(entry)
        item["assumed"] = True
        item["assumed_reason"] = "; ".join(why)
        items.append(item)
        decisions.append(_decision(col, iid, item, item["assumed_reason"]))
    if not items:
        raise ValueError(f"export {name!r} has no columns to draft a codebook from")
    by_id = {d["id"]: d for d in decisions if d["id"]}
    outcome_like = {i["id"] for i in items if i["type"] in _ORDINAL and is_outcome_like(
        i["id"], by_id[i["id"]]["header"], i["wording"]["en"])}
    idx, idx_cands = _indices(items, outcome_like)
    analysis = _analysis(items, idx, idx_cands, outcome_like)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    meta = {"title": f"{study} (codebook drafted from {name})",
            "publisher": "TODO: who ran the survey", "fieldwork_year": None,
            "population": "TODO: who was surveyed, how they were sampled",
            "source": [name], "languages": ["en"], "sample_size": scan["rows"],
            "notes": f"Drafted by `cxresearch codebook draft` on {now} ({scan['rows']} rows, "
                     f"{len(scan['columns'])} columns). Review every item marked "
                     "`assumed: true`, then delete the mark.",
            "analysis": analysis}
    if wave:
        meta["wave_column"] = wave
    doc = {"format_version": 1, "study": study, "meta": meta}
    if ignore:
        doc["ignore_columns"] = ignore
    doc["items"] = items
    if idx:
        doc["indices"] = idx
    text = _HEADER + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=96)
    problems = check_codebook(text, name=study)
    if problems:  # a draft that does not load is a bug here, not the user's problem
        raise CodebookError(f"draft of {name}", problems)
    return Draft(yaml=text, review=review_html(study, name, scan["rows"], decisions, analysis,
                                               idx), decisions=decisions)


def draft_codebook(path: str | os.PathLike, study: str, *, max_levels: int = MAX_LEVELS,
                   chunk_bytes: int = 16 << 20) -> str:
    """Draft codebook YAML for an export; every inferred choice is marked ``assumed``.

    Parameters
    ----------
    path : path
        CSV/TSV/TXT (UTF-8, UTF-16, Windows-1252; delimiter sniffed), Qualtrics CSV (three
        header rows), XLSX or SPSS ``.sav``.
    study : str
        The study name (snake_case): the codebook's name and file name.
    max_levels : int, default 12
        Most distinct text answers for a ``single`` item.
    chunk_bytes : int
        CSV block size read at a time (a cell larger than this is refused, naming its
        column).

    Returns
    -------
    str
        YAML text that :func:`cxresearch.load_instrument` accepts, written by a YAML
        serializer (nothing from the export is formatted into the text by hand). The review
        page comes with :func:`draft`.

    Examples
    --------
    >>> text = draft_codebook("export.csv", "members")            # doctest: +SKIP
    >>> # In R (listing only): labelled::look_for(haven::read_sav("export.sav"))
    """
    return draft(path, study, max_levels=max_levels, chunk_bytes=chunk_bytes).yaml


def _decision(col: ColumnSummary, iid: str | None, item: dict, reason: str,
              columns: list[str] | None = None) -> dict:
    from cxresearch.codebooks.review import evidence_of

    return {"header": col.header, "id": iid, "type": item["type"], "reason": reason,
            "columns": columns or [col.header], "pii": bool(item.get("pii")),
            "note": item.get("note"), "missing": item.get("missing"),
            "evidence": evidence_of(col, item)}


def _multi_groups(columns: list[ColumnSummary], wordings: dict) -> dict[str, list[tuple]]:
    """Per-option columns of multi-select questions (``Q4_1 .. Q4_9``, Qualtrics/SPSS): a
    shared prefix, two or more columns, each holding one label (or 1/0) or nothing — or up
    to three labels (the option in the respondents' languages) when the question text names
    the option (Qualtrics' ``question - option``). Returns prefix -> [(column, code, label,
    other labels)]."""
    groups: dict[str, list[tuple]] = {}
    for col in columns:
        m = re.match(r"^(.+?)_(\d+)$", col.header)
        vals = col.values()
        if not m or vals is None or col.pii.found() or col.max_len > 200:
            continue
        flags = {v for v in vals if v in ("0", "1")}
        labels = sorted((v for v in vals if v not in ("0", "1")), key=lambda v: -vals[v])
        wording = wordings.get(col.header) or ""
        named = wording.rsplit(" - ", 1)[-1].strip() if " - " in wording else ""
        if (len(labels) > (3 if named else 1) or (not labels and not flags)
                or (labels and "0" in flags)):
            continue
        label = named if named and len(labels) > 1 else (labels[0] if labels else
                                                          (named or col.header))
        others = [v for v in labels if normalise_label(v) != normalise_label(label)]
        groups.setdefault(m.group(1), []).append((col, int(m.group(2)), label, others))
    return {k: v for k, v in groups.items()
            if len(v) >= 2 and len({t[1] for t in v}) == len(v)
            and len({normalise_label(t[2]) for t in v}) == len(v)}


def _multi_item(prefix: str, members: list[tuple], wordings: dict, taken: set[str]) -> dict:
    iid = snake(prefix, taken)
    texts = [wordings.get(t[0].header) or "" for t in members]
    stem = texts[0].rsplit(" - ", 1)[0].strip() if texts[0] else ""
    opt_taken: set[str] = set()
    item = {"id": iid, "type": "multi", "wording": {"en": stem or prefix}}
    if normalise_label(prefix) != iid:
        item["aliases"] = [prefix]
    item["options"] = [{"code": code, "value": snake(lab, opt_taken), "labels": {"en": lab},
                        **({"aliases": others} if others else {})}
                       for _, code, lab, others in sorted(members, key=lambda t: t[1])]
    item["assumed"] = True
    item["assumed_reason"] = (f"columns {members[0][0].header}..{members[-1][0].header} each "
                              f"hold one answer or nothing: one multi-select question with "
                              f"{len(members)} options")
    return item


def check_codebook(path_or_text, name: str | None = None) -> list[str]:
    """Every problem of a codebook: what :func:`load_instrument` reports, and names under
    ``meta.analysis`` (outcome, drivers, segments) that are not items or indices.

    ``path_or_text`` is a path to a YAML file or the YAML text. Returns an empty list when the
    codebook is valid.
    """
    from cxresearch.codebooks.instrument import instrument_from_text, load_instrument

    try:
        if isinstance(path_or_text, os.PathLike) or (
                isinstance(path_or_text, str) and "\n" not in path_or_text):
            inst = load_instrument(Path(path_or_text))
        else:
            inst = instrument_from_text(path_or_text, name)
    except CodebookError as exc:
        return list(exc.problems)
    return _check_analysis(inst)


_ANALYSIS_KEYS = ("outcome", "drivers", "segments", "outcome_candidates", "assumed",
                  "assumed_reason")
_SCALED = ("rating", "likert", "nps_0_10", "numeric")


def _check_analysis(inst) -> list[str]:
    """Problems of ``meta.analysis``: every name exists; the outcome and drivers are on a
    scale (scale items, numeric items or indices); the outcome is not a driver nor inside a
    driver index (named or the default drivers every index but the outcome); at least two
    drivers; segments are single-choice items."""
    known = set(inst.items) | set(inst.indices)
    problems = []
    analysis = inst.meta.get("analysis") or {}
    if not isinstance(analysis, dict):
        return [f"meta.analysis must be a mapping (outcome, drivers, segments), got "
                f"{json.dumps(analysis, default=str)[:200]}"]
    for key in sorted(set(analysis) - set(_ANALYSIS_KEYS), key=str):
        problems.append(f"meta.analysis: unknown key {key!r} (allowed: "
                        f"{', '.join(_ANALYSIS_KEYS)})")

    def scaled(n: str) -> bool:
        return n in inst.indices or inst.items[n].type in _SCALED

    outcome = analysis.get("outcome")
    if outcome is not None and (not isinstance(outcome, str) or outcome not in known):
        problems.append(f"meta.analysis.outcome {outcome!r} is neither an item nor an index")
        outcome = None
    elif outcome is not None and not scaled(outcome):
        problems.append(f"meta.analysis.outcome {outcome!r} is a {inst.items[outcome].type} "
                        "item, not on a scale (a rating, likert, 0-10, numeric item or index)")
    for key in ("drivers", "segments", "outcome_candidates"):
        names = analysis.get(key) or []
        if not isinstance(names, list):
            problems.append(f"meta.analysis.{key} must be a list, got {names!r}")
            continue
        for n in names:
            if not isinstance(n, str) or n not in known:
                problems.append(f"meta.analysis.{key}: {n!r} is neither an item nor an index")
            elif key == "segments" and (n not in inst.items or inst.items[n].type != "single"):
                problems.append(f"meta.analysis.segments: {n!r} is not a single-choice item")
            elif key == "drivers" and not scaled(n):
                problems.append(f"meta.analysis.drivers: {n!r} is a {inst.items[n].type} item, "
                                "not on a scale (a rating, likert, 0-10, numeric item or index)")
    if outcome is None:
        return problems
    named = analysis.get("drivers") if isinstance(analysis.get("drivers"), list) else []
    drivers = [d for d in named if isinstance(d, str) and d in known]
    default = not named
    if default:  # what the drivers report uses when none are named
        pool = list(inst.indices) or [i.id for i in inst if i.type in _ORDINAL]
        drivers = [x for x in pool if x != outcome]
    if outcome in named:
        problems.append(f"meta.analysis: the outcome {outcome!r} is also a driver")
    out_items = set(inst.indices.get(outcome, [outcome]))
    for d in drivers:
        if d in inst.indices and outcome in inst.indices[d]:
            problems.append(
                f"meta.analysis: the outcome {outcome!r} is inside the "
                f"{'default ' if default else ''}driver index {d!r} (its items: "
                f"{', '.join(inst.indices[d])}); take {outcome!r} out of that index"
                + (" or name the drivers under meta.analysis.drivers" if default else ""))
        elif d != outcome and d in out_items:
            problems.append(f"meta.analysis: driver {d!r} is an item of the outcome index "
                            f"{outcome!r}")
    if len(drivers) < 2:
        problems.append(f"meta.analysis: the drivers report needs at least two drivers, "
                        f"{'found' if default else 'named'} {drivers}"
                        + (" (every index or scale item but the outcome)" if default else ""))
    return problems
