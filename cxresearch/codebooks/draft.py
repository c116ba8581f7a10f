"""Draft a codebook from a survey export (CSV/TSV, Qualtrics CSV, XLSX, SPSS ``.sav``).

``cxresearch codebook draft EXPORT --study NAME`` writes one item per column with its type
inferred from the answers, and marks every inferred choice ``assumed: true`` with the reason,
so that a researcher reviews a draft instead of typing 300 lines of YAML:

- integer answers in a short range -> ``rating`` with ``scale_min``/``scale_max``; 0-10 with a
  "recommend"-like header or wording -> ``nps_0_10``; SPSS value labels -> levels;
- few distinct text answers -> ``single`` with levels (a recognised agreement/satisfaction
  wording order, or labels such as ``"1 - Poor"``, give an ordered ``likert``); many -> ``text``;
- unique values under an id-like header -> ``id``; positive non-integers under a weight-like
  header -> ``weight``; ``strata``/``psu`` headers -> design columns;
- likely missing codes (-99, -9, -1 ... below a non-negative range; 9, 99, 999 ... set apart
  above it; "Don't know", "Prefer not to say", "N/A") -> ``missing``; SPSS user-missing
  values are taken as declared;
- headers or values that look like personal data (e-mail, IP address, names, phone, address,
  location) -> ``pii: true``; Qualtrics bookkeeping columns -> ``ignore_columns``;
- items with a shared prefix and the same scale (``qual_1 .. qual_8``) -> proposed indices.

Files are read in chunks (CSV through ``pyarrow.csv`` as text, SPSS through
``pyreadstat.read_file_in_chunks``) and only running summaries are kept per column (counts of
at most :data:`MAX_TRACKED` distinct answers, numeric range, a few sample values), so memory
does not grow with the number of rows. Written by hand: no library infers survey item types.

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
import math
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import yaml

from cxresearch.codebooks.items import normalise_label
from cxresearch.codebooks.scan import MAX_TRACKED, MISSING_LABELS, ColumnSummary, scan_export
from cxresearch.errors import CodebookError

__all__ = ["MAX_LEVELS", "MAX_TRACKED", "check_codebook", "draft_codebook", "scan_export"]

#: at most this many distinct text answers make a ``single`` item; more make ``text``
MAX_LEVELS = 12

_PII = re.compile(r"(e-?mail|ip ?address|ipaddress|\bip\b|first ?name|last ?name|full ?name|"
                  r"surname|recipient|\bname\b|phone|mobile ?number|telephone|\btel\b|"
                  r"street|address|postcode|post code|zip|latitude|longitude)", re.I)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_PHONE = re.compile(r"^\+?[\d ()\-]{9,}$")
_ID = re.compile(r"(^id$|_id$|^id_|response ?id|respondent|record ?id|uuid|^case|^resp_?id)",
                 re.I)
_WEIGHT = re.compile(r"^(weight|wt|wgt|weights|pond|poids|gewicht)(_.*)?$|weight", re.I)
_STRATA = re.compile(r"^(strata|stratum|strat)$", re.I)
_PSU = re.compile(r"^(psu|cluster|clu)$", re.I)
_RECOMMEND = re.compile(r"(recommend|nps|promoter|empfehl|推荐|rekomendasi)", re.I)
_QUALTRICS_META = {"startdate", "enddate", "status", "progress", "duration (in seconds)",
                   "finished", "recordeddate", "distributionchannel", "userlanguage",
                   "externalreference", "externaldatareference", "ipaddress",
                   "recipientlastname", "recipientfirstname", "recipientemail",
                   "locationlatitude", "locationlongitude"}
_MISSING_LABELS = MISSING_LABELS
_TYPICAL_HIGH_MISSING = {8, 9, 88, 98, 99, 888, 998, 999, 9999}
#: known answer orders (lowest first) that make a text item an ordered likert
_ORDERS = [
    ["strongly disagree", "disagree", "neither agree nor disagree", "agree", "strongly agree"],
    ["strongly disagree", "disagree", "neutral", "agree", "strongly agree"],
    ["very dissatisfied", "dissatisfied", "neutral", "satisfied", "very satisfied"],
    ["very dissatisfied", "dissatisfied", "neither satisfied nor dissatisfied", "satisfied",
     "very satisfied"],
    ["very poor", "poor", "fair", "good", "very good", "excellent"],
    ["poor", "fair", "good", "very good", "excellent"],
    ["very unlikely", "unlikely", "neutral", "likely", "very likely"],
    ["not at all important", "slightly important", "moderately important", "very important",
     "extremely important"],
    ["never", "rarely", "sometimes", "often", "always"],
]
_LEADING_CODE = re.compile(r"^\s*(-?\d+)\s*[-–:=.)]\s*(.+)$")


# ------------------------------------------------------------------------ inference


def _snake(text: str, taken: set[str]) -> str:
    import unicodedata

    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(text))  # ResponseId -> Response_Id
    s = unicodedata.normalize("NFKD", normalise_label(s))
    s = re.sub(r"[^0-9a-z]+", "_", s.encode("ascii", "ignore").decode()).strip("_")
    s = re.sub(r"_+", "_", s) or "item"
    if not s[0].isalpha():
        s = "q_" + s
    base, k = s, 2
    while s in taken:
        s, k = f"{base}_{k}", k + 1
    taken.add(s)
    return s


def _num(v: str) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _split_missing(codes: list[int]) -> tuple[list[int], list[int]]:
    """(substantive codes, likely missing codes) of a set of integer answers."""
    codes = sorted(set(codes))
    neg = [c for c in codes if c < 0]
    rest = [c for c in codes if c >= 0]
    missing = neg if rest else []
    rest = rest if rest else codes
    while len(rest) >= 3:
        top, below = rest[-1], rest[-2]
        if top in _TYPICAL_HIGH_MISSING and top - below >= 2 and top > below * 1.5:
            missing.append(top)
            rest = rest[:-1]
        else:
            break
    return rest, sorted(missing)


def _levels_from_labels(labels: list[str]) -> tuple[list[dict], bool, list[str]] | None:
    """Levels of a text item (code, value, label), whether ordered, and missing labels."""
    missing = [lab for lab in labels if normalise_label(lab) in _MISSING_LABELS]
    subst = [lab for lab in labels if lab not in missing]
    if not subst:
        return None
    coded = [_LEADING_CODE.match(lab) for lab in subst]
    taken: set[str] = set()
    if all(coded) and len({int(m.group(1)) for m in coded}) == len(coded):
        pairs = sorted((int(m.group(1)), lab) for m, lab in zip(coded, subst, strict=True))
        return ([{"code": c, "value": _snake(m, taken), "labels": {"en": lab}}
                 for (c, lab), m in zip(pairs, [_LEADING_CODE.match(p[1]).group(2)
                                                for p in pairs], strict=True)], True, missing)
    norm = {normalise_label(lab): lab for lab in subst}
    for order in _ORDERS:
        if set(norm) <= set(order) and len(norm) >= 3:
            ranks = [order.index(k) + 1 for k in norm]
            pairs = sorted(zip(ranks, norm.values(), strict=True))
            return ([{"code": r, "value": _snake(lab, taken), "labels": {"en": lab}}
                     for r, lab in pairs], True, missing)
    numeric = {lab: int(float(lab)) for lab in subst
               if _num(lab) is not None and float(lab).is_integer()}
    texts = {normalise_label(x): x for x in subst if x not in numeric}
    codes, mcodes = _split_missing(sorted(set(numeric.values()))) if numeric else ([], [])
    if mcodes and texts:
        missing = missing + mcodes
        numeric = {k: v for k, v in numeric.items() if v not in mcodes}
    if numeric and texts and codes == list(range(codes[0], codes[0] + len(codes))):
        for order in _ORDERS:  # codes 1..5 written partly as their labels
            if len(order) >= len(codes) and set(texts) <= set(order) and codes[0] in (0, 1) \
                    and codes[-1] <= codes[0] + len(order) - 1:
                lo = codes[0]
                return ([{"code": lo + k, "value": _snake(lab, taken),
                          "labels": {"en": texts.get(lab, lab[0].upper() + lab[1:])}}
                         for k, lab in enumerate(order)], True, missing)
    nxt = max(list(numeric.values()) + [0]) + 1
    levels = [{"code": numeric[lab], "value": _snake(f"code_{lab}", taken), "labels": {"en": lab}}
              for lab in sorted(numeric, key=numeric.get)]
    for lab in sorted((x for x in subst if x not in numeric), key=normalise_label):
        levels.append({"code": nxt, "value": _snake(lab, taken), "labels": {"en": lab}})
        nxt += 1
    return levels, False, missing


def _infer(col: ColumnSummary, wording: str | None, vlabels: dict, umissing: list,
           max_levels: int) -> tuple[dict, list[str]]:
    """The codebook entry of one column (without id) and the reasons of what was inferred."""
    h = col.header
    text = f"{h} {wording or ''}"
    item: dict = {}
    why: list[str] = []
    vals = col.values()
    samples = [s for s in col.samples if s]
    if col.answered == 0:
        return {"type": "text"}, ["no answers in the export: typed text; set the type by hand"]
    if _PII.search(h) or (wording and _PII.search(wording)) or any(
            _EMAIL.match(s) or _IPV4.match(s) for s in samples[:20]):
        return {"type": "text", "pii": True}, [
            "header or answers look like personal data (e-mail, IP, name, phone, address): "
            "pii, never stored in a wave"]
    distinct = len(vals) if vals is not None else None
    unique = distinct is None or distinct == col.answered
    if _ID.search(h) and unique and col.answered > 1:
        return {"type": "id"}, ["id-like header with a different value in every row"]
    if col.numeric and _STRATA.match(h):
        return {"type": "strata"}, ["header names strata"]
    if col.numeric and _PSU.match(h):
        return {"type": "psu"}, ["header names primary sampling units (clusters)"]
    if col.numeric and _WEIGHT.search(h) and col.lo > 0:
        return {"type": "weight"}, ["weight-like header with positive numbers"]
    numeric_answers = col.numeric and col.lo <= col.hi  # not only missing labels
    if numeric_answers and col.missing_labels:
        item["missing"] = sorted(col.missing_labels)
        why.append(f"{', '.join(map(repr, sorted(col.missing_labels)))} among numbers: "
                   f"proposed as missing")
    if numeric_answers and not samples_are_phone(samples):
        if vlabels:  # SPSS value labels: levels
            codes = sorted(int(c) for c in vlabels if _num(c) is not None and float(c).is_integer())
            miss = sorted({int(c) for c in umissing if float(c).is_integer()}
                          | {int(c) for c in codes
                             if normalise_label(vlabels.get(c, vlabels.get(float(c), "")))
                             in _MISSING_LABELS})
            subst = [c for c in codes if c not in miss]
            labs = {c: str(vlabels.get(c, vlabels.get(float(c)))) for c in subst}
            ordered = any(normalise_label(v) in o for o in _ORDERS for v in labs.values())
            taken: set[str] = set()
            item = {"type": "likert" if ordered else "single",
                    "levels": [{"code": c, "value": _snake(labs[c], taken),
                                "labels": {"en": labs[c]}} for c in subst]}
            if miss:
                item["missing"] = miss
            kind = "ordered agreement/satisfaction" if ordered else "unordered categories"
            why.append(f"levels from the SPSS value labels; {kind} assumed from the labels")
            return item, why
        if col.integer and vals is not None and distinct <= 30:
            codes = sorted({int(float(v)) for v in vals if v not in col.missing_labels})
            rest, miss = _split_missing(codes + [int(c) for c in umissing])
            miss = sorted(set(miss) | {int(c) for c in umissing})
            lo, hi = rest[0], rest[-1]
            if miss:
                item["missing"] = miss + item.get("missing", [])
                why.append(f"{', '.join(map(str, miss))} set apart from the answers "
                           f"{lo}..{hi}: proposed as missing codes")
            if len(rest) == 2 and set(rest) <= {0, 1}:
                item.update({"type": "single", "levels": [
                    {"code": 0, "value": "no", "labels": {"en": "No"}},
                    {"code": 1, "value": "yes", "labels": {"en": "Yes"}}]})
                why.append("answers 0/1: a yes/no item (labels assumed)")
                return item, why
            if hi - lo <= 10 and lo >= 0:
                smin = 0 if lo == 0 else 1
                if _RECOMMEND.search(text) and hi == 10 and lo != 1:
                    item["type"] = "nps_0_10"
                    why.append(f"answers {lo}..10 under a recommend-like header or wording: "
                               "the 0..10 Net Promoter question")
                    return item, why
                item.update({"type": "rating", "scale_min": smin, "scale_max": int(hi)})
                why.append(f"integer answers {lo}..{hi}: rating {smin}..{hi}"
                           + ("" if lo == smin else f" (nobody answered {smin}..{lo - 1})"))
                if _RECOMMEND.search(text):
                    why.append(f"a recommend question on {smin}..{hi}, not 0..10: not typed "
                               "nps_0_10 (declare nps cut-offs to compute an NPS)")
                return item, why
        item["type"] = "numeric"
        why.append(f"numbers from {col.lo:g} to {col.hi:g}"
                   + ("" if col.integer else " with decimals"))
        return item, why
    if vals is not None and 0 < distinct <= max_levels + 2:
        got = _levels_from_labels(list(vals))
        n_subst = len(got[0]) if got else 0
        if got and 1 <= n_subst <= max_levels:
            levels, ordered, miss = got
            item = {"type": "likert" if ordered else "single", "levels": levels}
            if miss:
                item["missing"] = miss
                why.append(f"{', '.join(map(repr, miss))} proposed as missing")
            why.append(f"{n_subst} distinct answers: "
                       + ("an ordered scale recognised from the labels" if ordered
                          else "categories (codes assigned alphabetically)"))
            return item, why
    multi = _joined_options(vals, max_levels)
    if multi:
        taken: set[str] = set()
        return {"type": "multi", "options": [
            {"code": k, "value": _snake(lab, taken), "labels": {"en": lab}}
            for k, lab in enumerate(multi, start=1)]}, [
            f"answers are combinations of {len(multi)} options joined by ';' or '|': a "
            f"multi-select question (options in order of first appearance)"]
    return {"type": "text"}, [f"{'many' if distinct is None else distinct} distinct text "
                              f"answers: free text"]


def _joined_options(vals: dict | None, max_levels: int) -> list[str] | None:
    """The options of a multi-select question exported as one column of joined labels
    (``"Email; SMS"``, ``"Email | SMS"``), or None. Needs at most ``3 * max_levels``
    distinct options, fewer than the distinct answers, and a separator in some answers."""
    if not vals or not any(re.search(r"[;|]", v) for v in vals):
        return None
    seen: dict[str, str] = {}
    for v in vals:
        for part in re.split(r"[;|]", v):
            part = part.strip()
            if part and normalise_label(part) not in seen:
                seen[normalise_label(part)] = part
    if not seen or len(seen) > 3 * max_levels or len(seen) >= len(vals):
        return None
    if any(k in _MISSING_LABELS for k in seen):
        return None
    return list(seen.values())


def samples_are_phone(samples: list[str]) -> bool:
    return bool(samples) and sum(bool(_PHONE.match(s)) for s in samples[:20]) >= 0.8 * min(
        20, len(samples)) and any(" " in s or "-" in s or s.startswith("+") for s in samples)


def _indices(items: list[dict]) -> dict:
    """Groups of two or more ordinal items sharing a prefix and the same scale."""
    groups: dict[str, list[dict]] = {}
    for it in items:
        if it["type"] not in ("rating", "likert"):
            continue
        m = re.match(r"^(.*?[a-z])_?(\d+)$", it["id"])
        if m:
            groups.setdefault(m.group(1).rstrip("_"), []).append(it)
    out = {}
    for prefix, members in groups.items():
        scales = {(m.get("scale_min"), m.get("scale_max"),
                   tuple(lv["code"] for lv in m.get("levels", []))) for m in members}
        if len(members) >= 2 and len(scales) == 1 and prefix not in {i["id"] for i in items}:
            out[prefix] = {"items": [m["id"] for m in members], "scoring": "mean"}
    return out


def _multi_groups(columns: list[ColumnSummary], wordings: dict) -> dict[str, list[tuple]]:
    """Per-option columns of multi-select questions (``Q4_1 .. Q4_9``, Qualtrics/SPSS): a
    shared prefix, two or more columns, each holding one label (or 1/0) or nothing.
    Returns prefix -> [(column, code, label)]."""
    groups: dict[str, list[tuple]] = {}
    for col in columns:
        m = re.match(r"^(.+?)_(\d+)$", col.header)
        vals = col.values()
        if not m or vals is None:
            continue
        flags = {v for v in vals if v in ("0", "1")}
        labels = [v for v in vals if v not in ("0", "1")]
        if len(labels) > 1 or (not labels and not flags) or (labels and "0" in flags):
            continue
        wording = wordings.get(col.header) or ""
        label = labels[0] if labels else (wording.rsplit(" - ", 1)[-1].strip()
                                          if " - " in wording else col.header)
        groups.setdefault(m.group(1), []).append((col, int(m.group(2)), label))
    return {k: v for k, v in groups.items()
            if len(v) >= 2 and len({c for _, c, _ in v}) == len(v)
            and len({normalise_label(lab) for _, _, lab in v}) == len(v)}


def _multi_item(prefix: str, members: list[tuple], wordings: dict, taken: set[str]) -> dict:
    iid = _snake(prefix, taken)
    texts = [wordings.get(c.header) or "" for c, _, _ in members]
    stem = texts[0].rsplit(" - ", 1)[0].strip() if texts[0] else ""
    opt_taken: set[str] = set()
    item = {"id": iid, "type": "multi", "wording": {"en": stem or prefix}}
    if normalise_label(prefix) != iid:
        item["aliases"] = [prefix]
    item["options"] = [{"code": code, "value": _snake(lab, opt_taken), "labels": {"en": lab}}
                       for _, code, lab in sorted(members, key=lambda t: t[1])]
    item["assumed"] = True
    item["assumed_reason"] = (f"columns {members[0][0].header}..{members[-1][0].header} each "
                              f"hold one answer or nothing: one multi-select question with "
                              f"{len(members)} options")
    return item


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
        CSV block size read at a time.

    Returns
    -------
    str
        YAML text that :func:`cxresearch.load_instrument` accepts, with a comment above each
        item showing what was observed.

    Examples
    --------
    >>> text = draft_codebook("export.csv", "members")            # doctest: +SKIP
    >>> # In R (listing only): labelled::look_for(haven::read_sav("export.sav"))
    """
    if not isinstance(study, str) or not re.fullmatch(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*", study):
        raise ValueError(f"study must be snake_case (letters, digits, _), got {study!r}")
    if not isinstance(max_levels, int) or isinstance(max_levels, bool) or max_levels < 2:
        raise ValueError(f"max_levels must be an integer >= 2, got {max_levels!r}")
    scan = scan_export(path, chunk_bytes=chunk_bytes)
    taken: set[str] = set()
    items, notes, ignore = [], [], []
    multi = _multi_groups(scan["columns"], scan["wordings"])
    first_of = {g[0][0].header: p for p, g in multi.items()}
    in_multi = {c.header for g in multi.values() for c, _, _ in g}
    for col in scan["columns"]:
        h = col.header
        if h in first_of:
            members = multi[first_of[h]]
            items.append(_multi_item(first_of[h], members, scan["wordings"], taken))
            notes.append(f"{len(members)} option columns, {sum(c.answered for c, _, _ in members)}"
                         f" ticks")
            continue
        if h in in_multi:
            continue
        if normalise_label(h) in _QUALTRICS_META and not _PII.search(h):
            ignore.append(h)
            continue
        wording = scan["wordings"].get(h) or None
        vl = scan["value_labels"].get(h) or {}
        entry, why = _infer(col, wording, vl, scan["user_missing"].get(h) or [], max_levels)
        iid = _snake(h, taken)
        item = {"id": iid, "type": entry.pop("type")}
        item["wording"] = {"en": wording or h}
        if not wording:
            why.append("no question text in the export: the header is the wording")
        if normalise_label(h) != iid:
            item["aliases"] = [h]
        item.update(entry)
        item["assumed"] = True
        item["assumed_reason"] = "; ".join(why)
        obs = (f"{col.answered} answers, {col.blank} blank"
               + (f", values {col.lo:g}..{col.hi:g}" if col.numeric and col.answered else "")
               + (f", {len(col.counts)} distinct" if col.counts is not None else ", many distinct"))
        items.append(item)
        notes.append(obs)
    if not items:
        raise ValueError(f"export {os.fspath(path)!r} has no columns to draft a codebook from")
    name = Path(path).name
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    doc_meta = {"title": f"{study} (codebook drafted from {name})",
                "publisher": "TODO: who ran the survey",
                "fieldwork_year": None,
                "population": "TODO: who was surveyed, how they were sampled",
                "source": [name], "languages": ["en"], "sample_size": scan["rows"],
                "notes": f"Drafted by `cxresearch codebook draft` on {now} from {name} "
                         f"({scan['rows']} rows, {len(scan['columns'])} columns). Review every "
                         f"item marked `assumed: true`, then delete the mark."}
    head = [f"# Codebook DRAFT for study {study!r}, from {name}: review before use.",
            "# Every inferred choice is marked `assumed: true` with its reason. Check types,",
            "# scales and missing codes, then run: cxresearch codebook check <this file>",
            "# Name an outcome and its drivers (items or indices) under meta.analysis for the",
            "# drivers report, and segments (single-choice items) for the wave report:",
            "#   analysis: {outcome: satisfaction, drivers: [quality, value], segments: [region]}",
            "format_version: 1", f"study: {study}"]
    body = yaml.safe_dump({"meta": doc_meta}, sort_keys=False, allow_unicode=True, width=96)
    body += "  analysis: {outcome: null, drivers: [], segments: []}\n"
    if ignore:
        body += "# Qualtrics bookkeeping columns, dropped on ingest\n"
        body += yaml.safe_dump({"ignore_columns": ignore}, sort_keys=False, allow_unicode=True,
                               width=96)
    body += "items:\n"
    for item, obs in zip(items, notes, strict=True):
        one = yaml.safe_dump([item], sort_keys=False, allow_unicode=True, width=96)
        body += f"  # observed: {obs}\n" + "".join(f"  {ln}\n" for ln in one.splitlines())
    idx = _indices(items)
    if idx:
        body += "# proposed from shared prefixes and scales: check that each is one construct\n"
        body += yaml.safe_dump({"indices": idx}, sort_keys=False, allow_unicode=True,
                               width=96, default_flow_style=None)
    text = "\n".join(head) + "\n" + body
    problems = check_codebook(text, name=study)
    if problems:  # a draft that does not load is a bug here, not the user's problem
        raise CodebookError(f"draft of {name}", problems)
    return text


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
    known = set(inst.items) | set(inst.indices)
    problems = []
    analysis = inst.meta.get("analysis") or {}
    if not isinstance(analysis, dict):
        return [f"meta.analysis must be a mapping (outcome, drivers, segments), got "
                f"{json.dumps(analysis, default=str)}"]
    for key in sorted(set(analysis) - {"outcome", "drivers", "segments"}):
        problems.append(f"meta.analysis: unknown key {key!r} (allowed: outcome, drivers, "
                        f"segments)")
    outcome = analysis.get("outcome")
    if outcome is not None and outcome not in known:
        problems.append(f"meta.analysis.outcome {outcome!r} is neither an item nor an index")
    for key in ("drivers", "segments"):
        names = analysis.get(key) or []
        if not isinstance(names, list):
            problems.append(f"meta.analysis.{key} must be a list, got {names!r}")
            continue
        for n in names:
            if n not in known:
                problems.append(f"meta.analysis.{key}: {n!r} is neither an item nor an index")
            elif key == "segments" and (n not in inst.items or inst.items[n].type != "single"):
                problems.append(f"meta.analysis.segments: {n!r} is not a single-choice item")
    if outcome is not None and outcome in (analysis.get("drivers") or []):
        problems.append(f"meta.analysis: the outcome {outcome!r} is also a driver")
    return problems
