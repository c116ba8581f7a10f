"""The draft's reading of one column: what a researcher would conclude from its header, its
question text and every answer (a :class:`~cxresearch.codebooks.scan.ColumnSummary`).

Rules, in order (each gives its reason, which the draft writes as ``assumed_reason``):

1. personal data — a header such as ``Email``/``Phone``/``Name``, or e-mail addresses, phone
   numbers, IP addresses, card numbers or IBANs in *any* answer (whole column counted by
   :mod:`cxresearch.codebooks.pii`) -> ``text`` with ``pii: true`` and the evidence as counts;
   answers longer than 200 characters -> free ``text`` (never levels);
2. the same answer in every row -> ignored (a survey round, a country) with the reason;
3. a different answer in every row under an id-like header, or codes without spaces, row
   numbers or fixed-width numbers -> ``id``;
4. a year (1900-2100) or wave/round header with few values, or dates -> proposed wave column;
5. ``weight``/``wt…``/``pw``, ``…stra``, ``…psu``, ``fpc`` headers -> design columns;
6. integer answers: 0/1 -> yes/no; a count-like header (kids, age, visits) -> ``numeric``;
   few codes (at most four) or codes with gaps under a header that does not read as a rating,
   or a categorical header (region, type, provider, occupation ...) -> ``single`` with the
   codes as levels and a note to label them; otherwise a contiguous short range -> ``rating``
   (``nps_0_10`` for 0-10 under a recommend header);
7. text answers: labels -> ``single``/``likert``; joined options -> ``multi``; else ``text``.

Examples
--------
>>> from cxresearch.codebooks.infer import infer_column                  # doctest: +SKIP
>>> # In R: there is no equivalent; labelled::look_for() lists columns without typing them
"""

from __future__ import annotations

import math
import re

from cxresearch.codebooks.items import normalise_label
from cxresearch.codebooks.pii import KIND_NAMES, evidence
from cxresearch.codebooks.scan import MISSING_LABELS, ColumnSummary

__all__ = ["MAX_LEVELS", "ORDERS", "PII_HEADER", "QUALTRICS_META", "infer_column", "is_outcome_like",
           "joined_options", "snake"]

#: at most this many distinct text answers make a ``single`` item; more make ``text``
MAX_LEVELS = 12

PII_HEADER = re.compile(r"(e-?mail|ip ?address|ipaddress|\bip\b|first ?name|last ?name|full ?name|"
                  r"surname|recipient|\bname\b|phone|mobile ?number|telephone|\btel\b|"
                  r"street|address|postcode|post code|zip|latitude|longitude)", re.I)
_ID = re.compile(r"(^id$|_id$|^id_|response ?id|respondent|record ?id|uuid|^case|^resp_?id|"
                 r"^seqn$|^serial|^row_?(id|num|number)?$|^obs$|^ident)", re.I)
_WEIGHT = re.compile(r"^(weight|wt|wgt|weights|pond|poids|gewicht|pw|wgt\w*|wt[a-z0-9]*)"
                     r"(_.*)?$|weight|gewicht|pondera", re.I)
_STRATA = re.compile(r"(^|_)(strata|stratum|strat)$|^\w*stra$", re.I)
_PSU = re.compile(r"(^|_)(psu|cluster|clu)$|^\w*psu$", re.I)
_FPC = re.compile(r"^fpc\d*$", re.I)
_WAVE = re.compile(r"^(wave|round|period|welle|vague|ronda|onda|year|yr|jahr|annee|année|"
                   r"survey_?year|fieldwork_?year|survey_?round|survey_?wave|cycle|edition|"
                   r"quarter|month|date|survey_?date|interview_?date|response_?date)$|wave",
                   re.I)
_DATE_HEADER = re.compile(r"date|time|datum|fecha|when", re.I)
_RATING = re.compile(r"(satisf|rate|rating|agree|likel|recommend|quality|score|importan|eas[ey]|"
                     r"effort|trust|loyal|value|experience|\bsat\b|nps|csat|\bces\b|scale|"
                     r"opinion|feel|happy|perceiv|expect|overall|how (well|much|good)|"
                     r"zufrieden|satisfait|puas|满意|evaluat|grade|self ?lr)", re.I)
_W = r"(?<![a-z])"  # a word start: not after a letter (snake_case and camelCase split first)
_CATEGORICAL = re.compile(
    r"(region|country|gender|provider|segment|channel|sector|industry|occupation|ethnic|"
    r"educ|department|branch|language|brand|company|vendor|operator|carrier|category|"
    r"marital|employ|location|district|market|cohort|agecat|age_?group|age_?band|"
    r"income_?group|size_?class|religion|"
    + _W + r"(state|city|sex|type|group|job|race|status|store|product|plan|role|class|party|"
    r"site|area|zone|tier)(?![a-z]))", re.I)
_COUNT = re.compile(
    r"(kids|child|siblings|number|count|how many|household|persons|visits|tenure|duration|"
    r"amount|spend|price|income|salary|quantity|^n_|"
    + _W + r"(num|times|days|years|age|months|minutes|hours|cost|qty|size)(?![a-z]))", re.I)
#: an overall outcome: satisfaction, loyalty, recommendation (ECSI/ACSI abbreviations too)
_OUTCOME = re.compile(r"(satisf|overall|recommend|\bnps\b|loyal|repurchase|retention|"
                      r"likely to (return|buy|renew|continue|stay|use)|\bcsat\b|\bosat\b|"
                      r"\bltr\b|^cusa|^cusl|^sat(_|\d|$)|^ovr|zufrieden|satisfait|满意|"
                      r"kepuasan|puas)", re.I)
_RECOMMEND = re.compile(r"(recommend|nps|promoter|empfehl|推荐|rekomendasi)", re.I)
QUALTRICS_META = {"startdate", "enddate", "status", "progress", "duration (in seconds)",
                   "finished", "recordeddate", "distributionchannel", "userlanguage",
                   "externalreference", "externaldatareference", "ipaddress",
                   "recipientlastname", "recipientfirstname", "recipientemail",
                   "locationlatitude", "locationlongitude"}
_MISSING_LABELS = MISSING_LABELS
_TYPICAL_HIGH_MISSING = {8, 9, 88, 98, 99, 888, 998, 999, 9999}
#: known answer orders (lowest first) that make a text item an ordered likert
ORDERS = [
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


def snake(text: str, taken: set[str]) -> str:
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
        return ([{"code": c, "value": snake(m, taken), "labels": {"en": lab}}
                 for (c, lab), m in zip(pairs, [_LEADING_CODE.match(p[1]).group(2)
                                                for p in pairs], strict=True)], True, missing)
    norm = {normalise_label(lab): lab for lab in subst}
    for order in ORDERS:
        ranks = {k: _rank(order, k) for k in norm}
        if None not in ranks.values() and len(set(ranks.values())) >= 3:
            return _ordered_levels(order, ranks, norm, present_only=True), True, missing
    numeric = {lab: int(float(lab)) for lab in subst
               if _num(lab) is not None and float(lab).is_integer()}
    texts = {normalise_label(x): x for x in subst if x not in numeric}
    codes, mcodes = _split_missing(sorted(set(numeric.values()))) if numeric else ([], [])
    if mcodes and texts:
        missing = missing + mcodes
        numeric = {k: v for k, v in numeric.items() if v not in mcodes}
    if numeric and texts and codes and codes[0] >= 0:
        for order in ORDERS:  # codes 1..5 written partly as their labels
            ranks = {k: _rank(order, k) for k in texts}
            lo = 0 if codes[0] == 0 else 1
            if None not in ranks.values() and codes[-1] <= lo + len(order) - 1:
                return (_ordered_levels(order, ranks, texts, present_only=False, lo=lo),
                        True, missing)
    nxt = max(list(numeric.values()) + [0]) + 1
    levels = [{"code": numeric[lab], "value": snake(f"code_{lab}", taken), "labels": {"en": lab}}
              for lab in sorted(numeric, key=numeric.get)]
    for lab in sorted((x for x in subst if x not in numeric), key=normalise_label):
        levels.append({"code": nxt, "value": snake(lab, taken), "labels": {"en": lab}})
        nxt += 1
    return levels, False, missing


#: the same scale points in other languages (Indonesian, German, French, Spanish, Dutch,
#: Chinese), so that an export answered in two languages gives one ordered scale
_NEUTRAL = ["neutral", "netral", "neutre", "neutro", "neutraal", "weder noch",
            "ni d'accord ni pas d'accord", "ni de acuerdo ni en desacuerdo",
            "noch eens noch oneens", "中立", "一般", "neither agree nor disagree",
            "neither satisfied nor dissatisfied"]
_SYNONYMS = {
    "strongly disagree": ["sangat tidak setuju", "stimme überhaupt nicht zu",
                          "pas du tout d'accord", "totalmente en desacuerdo",
                          "helemaal mee oneens", "非常不同意"],
    "disagree": ["tidak setuju", "stimme nicht zu", "pas d'accord", "en desacuerdo",
                 "mee oneens", "不同意"],
    "neither agree nor disagree": _NEUTRAL, "neutral": _NEUTRAL,
    "neither satisfied nor dissatisfied": _NEUTRAL,
    "agree": ["setuju", "stimme zu", "d'accord", "de acuerdo", "mee eens", "同意"],
    "strongly agree": ["sangat setuju", "stimme voll zu", "stimme voll und ganz zu",
                       "tout à fait d'accord", "totalmente de acuerdo", "helemaal mee eens",
                       "非常同意"],
    "very dissatisfied": ["sangat tidak puas", "sehr unzufrieden", "très insatisfait",
                          "muy insatisfecho", "zeer ontevreden", "非常不满意"],
    "dissatisfied": ["tidak puas", "unzufrieden", "insatisfait", "insatisfecho",
                     "ontevreden", "不满意"],
    "satisfied": ["puas", "zufrieden", "satisfait", "satisfecho", "tevreden", "满意"],
    "very satisfied": ["sangat puas", "sehr zufrieden", "très satisfait", "muy satisfecho",
                       "zeer tevreden", "非常满意"],
}


def _rank(order: list[str], label: str) -> int | None:
    """Position of a (normalised) label on a known scale, in any of the languages above."""
    for r, point in enumerate(order):
        if label == point or label in _SYNONYMS.get(point, ()):
            return r
    return None


def _ordered_levels(order: list[str], ranks: dict, labels: dict, *, present_only: bool,
                    lo: int = 1) -> list[dict]:
    """Levels of a recognised scale: one per point (the points answered, or all of them),
    the English label first and the other languages' labels as aliases."""
    by_rank: dict[int, list[str]] = {}
    for k, r in ranks.items():
        by_rank.setdefault(r, []).append(labels[k])
    taken: set[str] = set()
    out = []
    for r in (sorted(by_rank) if present_only else range(len(order))):
        labs = by_rank.get(r, [])
        english = [x for x in labs if normalise_label(x) == order[r]]
        main = english[0] if english else order[r][0].upper() + order[r][1:]
        level = {"code": (r + 1) if present_only else lo + r, "value": snake(main, taken),
                 "labels": {"en": main}}
        others = [x for x in labs if x != main]
        if others:
            level["aliases"] = others
        out.append(level)
    return out


def _words(text: str) -> str:
    """``ServiceType`` -> ``service_type``: camelCase split so that word rules see words."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text).lower()


def is_outcome_like(*texts: str | None) -> bool:
    """Whether a header, id or question text reads as an overall outcome (satisfaction,
    loyalty, likelihood to recommend)."""
    return any(t and _OUTCOME.search(t) for t in texts)


def _codes_single(codes: list[int], why: list[str], reason: str) -> dict:
    why.append(f"{reason}: a single choice with the codes as levels")
    return {"type": "single", "levels": [
        {"code": c, "value": f"code_{c}".replace("-", "minus_"), "labels": {"en": str(c)}}
        for c in codes],
        "note": "the export holds only the codes " + ", ".join(map(str, codes))
                + ": write what each code means under labels (and a value name) from the "
                  "questionnaire"}


def infer_column(col: ColumnSummary, wording: str | None, vlabels: dict, umissing: list,
                 max_levels: int) -> tuple[dict, list[str]]:
    """The codebook entry of one column (without id) and the reasons of what was inferred.

    The entry's ``type`` may also be ``"ignore"`` (a constant column) or ``"wave"`` (a
    proposed wave column); the draft lists those under ``ignore_columns``.
    """
    h = col.header
    text = f"{h} {wording or ''}"
    item: dict = {}
    why: list[str] = []
    vals = col.values()
    if col.answered == 0:
        return {"type": "text"}, ["no answers in the export: typed text; set the type by hand"]
    found = col.pii.found()
    asked = (wording or "").rsplit(" - ", 1)[0]  # "question - option": the question only
    if found or PII_HEADER.search(h) or (asked and PII_HEADER.search(asked)):
        ev = evidence(found, col.answered) if found else ""
        what = ", ".join(KIND_NAMES[k] for k in found)
        return {"type": "text", "pii": True, **({"evidence": ev} if ev else {})}, [
            (f"answers hold {what} (counted over every row): personal data"
             if found else "the header or question names personal data (e-mail, IP, name, "
                           "phone, address)")
            + "; pii: never stored in a wave, its answers never shown"]
    if col.max_len > 200:
        return {"type": "text"}, [f"answers up to {col.max_len:,} characters long: free "
                                  "text (its answers are never shown)"]
    if col.numeric and _STRATA.search(h):
        return {"type": "strata"}, ["header names strata"]
    if col.numeric and _PSU.search(h):
        return {"type": "psu"}, ["header names primary sampling units (clusters)"]
    if col.numeric and _FPC.match(h) and col.lo > 0:
        return {"type": "fpc"}, ["header names the finite population correction"]
    if col.numeric and _WEIGHT.search(h) and col.lo > 0 and (
            not col.integer or re.search("weight|gewicht|pond", h, re.I)):
        return {"type": "weight"}, ["weight-like header with positive numbers"]
    if vals is not None and len(vals) == 1 and col.blank == 0 and col.answered >= 2:
        return {"type": "ignore"}, [
            f"the same answer in all {col.answered:,} rows: nothing to analyse (a survey "
            "round, a country, a constant); ignored on ingest"]
    unique = col.unique_per_row
    if unique and col.answered > 1 and _ID.search(h):
        return {"type": "id"}, ["id-like header with a different value in every row"]
    if unique and col.answered >= 20 and not _WEIGHT.search(h):
        if not col.numeric and col.spaces == 0 and col.max_len <= 64 and not col.dates:
            return {"type": "id"}, ["a different code without spaces in every row: an id"]
        if col.numeric and col.integer and col.hi - col.lo + 1 == col.answered:
            return {"type": "id"}, [f"the numbers {col.lo:g}..{col.hi:g}, one per row: row "
                                    "numbers (an id)"]
        if col.numeric and col.integer and col.min_len == col.max_len >= 5:
            return {"type": "id"}, ["a different fixed-width number in every row: an id"]
    distinct = len(vals) if vals is not None else None
    if col.dates and col.dates >= 0.9 * col.answered and (
            _WAVE.search(h) or _DATE_HEADER.search(h)):
        return {"type": "wave", "period": "month"}, [
            f"dates in {col.dates:,} of {col.answered:,} answers: proposed as the wave column "
            "(group them into waves by month, quarter or year)"]
    if (col.numeric and col.integer and distinct is not None and 2 <= distinct <= 30
            and 1900 <= col.lo and col.hi <= 2100 and (_WAVE.search(h) or distinct <= 12)
            and not re.search(r"birth|born|since|founded|established|geboren|naissance", h,
                              re.I)):
        return {"type": "wave"}, [
            f"{distinct} years {col.lo:.0f}..{col.hi:.0f}: proposed as the wave column "
            "(one wave per year)"]
    if distinct is not None and 2 <= distinct <= 30 and _WAVE.search(h) and not _COUNT.search(h):
        return {"type": "wave"}, [f"{distinct} values under a wave-like header: proposed as "
                                  "the wave column"]
    numeric_answers = col.numeric and col.lo <= col.hi  # not only missing labels
    if numeric_answers and col.missing_labels:
        item["missing"] = sorted(col.missing_labels)
        why.append(f"{', '.join(map(repr, sorted(col.missing_labels)))} among numbers: "
                   f"proposed as missing")
    if numeric_answers:
        if vlabels:  # SPSS value labels: levels
            codes = sorted(int(c) for c in vlabels if _num(c) is not None and float(c).is_integer())
            miss = sorted({int(c) for c in umissing if float(c).is_integer()}
                          | {int(c) for c in codes
                             if normalise_label(vlabels.get(c, vlabels.get(float(c), "")))
                             in _MISSING_LABELS})
            subst = [c for c in codes if c not in miss]
            labs = {c: str(vlabels.get(c, vlabels.get(float(c)))) for c in subst}
            ordered = any(normalise_label(v) in o for o in ORDERS for v in labs.values())
            taken: set[str] = set()
            item = {"type": "likert" if ordered else "single",
                    "levels": [{"code": c, "value": snake(labs[c], taken),
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
            rating = _RATING.search(text)
            cat = None if rating else _CATEGORICAL.search(_words(text))
            gaps = len(rest) < 0.7 * (hi - lo + 1)  # {1, 2, 5, 9}, not 1..10 missing a 2
            if cat and len(rest) <= max_levels:
                item.update(_codes_single(rest, why, f"{len(rest)} integer codes under a "
                                          f"header that names categories ({cat.group(0)!r})"))
                return item, why
            if not rating and _COUNT.search(_words(h)):
                why.append(f"a count or amount ({_COUNT.search(_words(h)).group(0)!r} in "
                           "the header)")
                item["type"] = "numeric"
                why.append(f"numbers from {col.lo:g} to {col.hi:g}")
                return item, why
            if not rating and len(rest) <= 4:
                item.update(_codes_single(rest, why, f"only {len(rest)} integer codes "
                                          f"({', '.join(map(str, rest))}) and a header that "
                                          f"does not read as a rating"))
                return item, why
            if not rating and gaps and hi - lo <= 10 and len(rest) <= max_levels:
                item.update(_codes_single(rest, why, f"integer codes with gaps "
                                          f"({', '.join(map(str, rest))}), not a scale"))
                return item, why
            if hi - lo <= 10 and lo >= 0 and hi <= 11:
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
    if vals is not None and 0 < distinct <= 3 * max_levels:  # a scale in two languages too
        wordy = max(len(v.split()) for v in vals) > 8
        if wordy or (distinct == col.answered >= 3 and distinct > 2 and col.spaces):
            return {"type": "text"}, [
                ("answers of more than eight words" if wordy else
                 f"{distinct} answers, each different and in words") + ": free text (its "
                "answers are never shown; retype it if it is a coded question)"]
        got = _levels_from_labels(list(vals))
        n_subst = len(got[0]) if got else 0
        if got and 1 <= n_subst <= max_levels and (got[1] or distinct <= max_levels + 2):
            levels, ordered, miss = got
            item = {"type": "likert" if ordered else "single", "levels": levels}
            if miss:
                item["missing"] = miss
                why.append(f"{', '.join(map(repr, miss))} proposed as missing")
            why.append(f"{n_subst} distinct answers: "
                       + ("an ordered scale recognised from the labels" if ordered
                          else "categories (codes assigned alphabetically)"))
            return item, why
    multi = joined_options(vals, max_levels)
    if multi:
        taken: set[str] = set()
        return {"type": "multi", "options": [
            {"code": k, "value": snake(lab, taken), "labels": {"en": lab}}
            for k, lab in enumerate(multi, start=1)]}, [
            f"answers are combinations of {len(multi)} options joined by ';' or '|': a "
            f"multi-select question (options in order of first appearance)"]
    return {"type": "text"}, [f"{'many' if distinct is None else distinct} distinct text "
                              f"answers: free text"]


def joined_options(vals: dict | None, max_levels: int) -> list[str] | None:
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
    if any(len(x) > 60 or len(x.split()) > 6 for x in seen.values()):
        return None  # sentences joined by ";" are free text, not options
    if not seen or len(seen) > 3 * max_levels or len(seen) >= len(vals):
        return None
    if any(k in _MISSING_LABELS for k in seen):
        return None
    return list(seen.values())

