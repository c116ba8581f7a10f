"""Validation of a parsed codebook document (private helper of :mod:`cxresearch.instruments`).

:func:`build_instrument_parts` walks the YAML document once, appends every problem it finds to
``problems`` (each message names the item and what is wrong) and returns the pieces an
``Instrument`` is built from. It never stops at the first problem, so that a codebook author
sees everything to fix in one run.
"""

from __future__ import annotations

import re
from typing import Any

from cxresearch.errors import Problems

__all__ = ["build_instrument_parts"]

# snake_case ids: used with fullmatch only (``$`` with match would accept a trailing newline)
_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_TOP_KEYS = {"format_version", "study", "meta", "scales", "items", "indices", "ignore_columns"}
_META_REQUIRED = ("title", "publisher", "fieldwork_year", "population", "source", "languages")
# analysis: {outcome, drivers, segments} for the templates (issue 13; checked by
# cxresearch.codebooks.draft.check_codebook)
_META_OPTIONAL = ("published", "sample_size", "waves", "notes", "analysis", "wave_column")
_WAVE_KEYS = {"column", "period", "assumed", "assumed_reason"}
_ITEM_KEYS = {"id", "type", "wording", "scale", "levels", "ordered", "missing", "aliases",
              "reverse", "pii", "required", "assumed", "assumed_reason", "dimension",
              "scale_min", "scale_max", "options", "max_choices", "note", "evidence", "groups",
              "nps", "short"}
_LEVEL_KEYS = {"code", "value", "labels", "aliases", "short"}
_OPTION_KEYS = {"code", "value", "labels", "aliases", "assumed", "waves", "note"}
_MISSING_KEYS = {"code", "labels", "aliases"}
_SCALE_KEYS = {"levels", "ordered", "missing", "options", "scale_min", "scale_max"}
_INDEX_KEYS = {"items", "scoring", "label", "note"}
_SCORINGS = {"percent_of_max", "mean", "sum"}
_BOOL_KEYS = ("ordered", "reverse", "pii", "required", "assumed")
_TYPES = ("likert", "nps_0_10", "rating", "single", "multi", "numeric", "text", "id",
          "weight", "strata", "psu", "fpc")
_ORDINAL = {"likert", "nps_0_10", "rating"}
_NEEDS_LEVELS = {"likert", "single"}
_NO_LEVELS = {"multi", "numeric", "text", "id", "weight", "strata", "psu", "fpc"}
_SINGLETON_TYPES = ("id", "weight", "strata", "psu", "fpc")




def _wave_column(wc: Any, p: Problems) -> None:
    """``meta.wave_column``: the column of a long export that holds the wave (a name, or a
    mapping ``{column, period: month|quarter|year|null, assumed, assumed_reason}``)."""
    if wc is None or isinstance(wc, str) and wc.strip():
        return
    if not isinstance(wc, dict):
        p.append(f"meta: wave_column must be a column name or a mapping (column, period), "
                 f"got {wc!r:.80}")
        return
    for key in sorted(set(wc) - _WAVE_KEYS, key=str):
        p.append(f"meta.wave_column: unknown key {key!r} (allowed: "
                 f"{', '.join(sorted(_WAVE_KEYS))})")
    if not isinstance(wc.get("column"), str) or not wc["column"].strip():
        p.append(f"meta.wave_column: column must be a column name, got {wc.get('column')!r:.80}")
    if wc.get("period") not in (None, "month", "quarter", "year"):
        p.append(f"meta.wave_column: period must be month, quarter, year or null, got "
                 f"{wc.get('period')!r:.80}")
    if "assumed" in wc and not isinstance(wc["assumed"], bool):
        p.append(f"meta.wave_column: assumed must be true or false, got {wc['assumed']!r:.80}")


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_num(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _norm(text: Any) -> str:
    from cxresearch.codebooks.items import normalise_label

    return normalise_label(text)


def _labels(raw: Any, where: str, langs: list[str], p: Problems) -> dict[str, str]:
    """Validate a ``{lang: text}`` mapping; every codebook language must be present."""
    if not isinstance(raw, dict) or not raw:
        p.append(f"{where}: labels must be a mapping of language -> text, got {raw!r}")
        return {}
    out: dict[str, str] = {}
    for lang, text in raw.items():
        if lang not in langs:
            p.append(f"{where}: label language {lang!r} is not one of the codebook's "
                     f"languages {langs}")
        if not isinstance(text, str) or not text.strip():
            p.append(f"{where}: label for {lang!r} must be non-empty text, got {text!r} "
                     "(quote yes/no/on/off in YAML)")
            continue
        out[str(lang)] = text
    for lang in langs:
        if lang not in raw:
            p.append(f"{where}: no label in {lang!r}")
    return out


def _str_list(raw: Any, where: str, p: Problems) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(a, str | int) and not isinstance(a, bool)
                                            for a in raw):
        p.append(f"{where} must be a list of text, got {raw!r}")
        return []
    return [str(a) for a in raw]


def _levels(raw: Any, where: str, langs: list[str], p: Problems, Level) -> list:
    if not isinstance(raw, list):
        p.append(f"{where}: levels must be a list, got {type(raw).__name__}")
        return []
    out, codes, values = [], {}, {}
    for k, lv in enumerate(raw):
        at = f"{where}, level {k + 1}"
        if not isinstance(lv, dict):
            p.append(f"{at}: must be a mapping with code, value and labels")
            continue
        for key in set(lv) - _LEVEL_KEYS:
            p.append(f"{at}: unknown key {key!r}")
        code, value = lv.get("code"), lv.get("value")
        if not _is_int(code):
            p.append(f"{at}: code must be an integer, got {code!r}")
            continue
        if not isinstance(value, str) or not _SNAKE.fullmatch(value):
            p.append(f"{at} (code {code}): value must be snake_case text, got {value!r}")
            continue
        if code in codes:
            p.append(f"{where}: duplicate code {code} (values {codes[code]!r} and {value!r})")
        if value in values:
            p.append(f"{where}: duplicate value {value!r} (codes {values[value]} and {code})")
        codes.setdefault(code, value)
        values.setdefault(value, code)
        labels = _labels(lv.get("labels"), f"{at} ({value})", langs, p)
        aliases = tuple(_str_list(lv.get("aliases"), f"{at} ({value}) aliases", p))
        short = _short(lv.get("short"), f"{at} ({value})", langs, p)
        out.append(Level(code=code, value=value, labels=labels, aliases=aliases, short=short))
    return out


def _short(raw: Any, where: str, langs: list[str], p: Problems) -> dict[str, str]:
    """``short:`` label: one text (every language) or a ``{lang: text}`` mapping."""
    if raw is None:
        return {}
    if isinstance(raw, str) and raw.strip():
        return {lang: raw for lang in langs} or {"en": raw}
    if isinstance(raw, dict):
        return _labels(raw, f"{where} short", langs, p)
    p.append(f"{where}: short must be non-empty text or a mapping of language -> text, got "
             f"{raw!r}")
    return {}


def _nps(raw: Any, where: str, typ: str, ordered: bool, smin, smax, reverse: bool,
         p: Problems) -> dict | None:
    """``nps: {promoters: [7], detractors: "1-5"}`` -> cut-offs, checked against the scale."""
    from cxresearch.codebooks.items import cutoff_values

    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"promoters", "detractors"}:
        p.append(f"{where}: nps must be a mapping with exactly promoters and detractors "
                 f"(e.g. {{promoters: [7], detractors: '1-5'}}), got {raw!r}")
        return None
    if not (typ in _ORDINAL or (typ == "single" and ordered)):
        p.append(f"{where}: nps cut-offs need an ordinal item, not {typ}")
        return None
    out = {}
    for key in ("promoters", "detractors"):
        try:
            out[key] = cutoff_values(raw[key], key)
        except (TypeError, ValueError) as e:
            p.append(f"{where}: nps {e}")
            return None
    pro, det = out["promoters"], out["detractors"]
    if set(pro) & set(det):
        p.append(f"{where}: nps promoters {list(pro)} and detractors {list(det)} overlap")
        return None
    if _is_int(smin) and _is_int(smax):
        top, bottom = (det, pro) if reverse else (pro, det)
        if min(pro[0], det[0]) < smin or max(pro[-1], det[-1]) > smax:
            p.append(f"{where}: nps cut-offs {list(pro)} / {list(det)} fall outside the scale "
                     f"{smin}..{smax}")
            return None
        if not (top[-1] == smax and bottom[0] == smin and bottom[-1] < top[0]):
            p.append(f"{where}: nps promoters {list(pro)} must be the "
                     f"{'lowest' if reverse else 'highest'} answers of {smin}..{smax} and "
                     f"detractors {list(det)} the other end")
            return None
    else:
        p.append(f"{where}: nps cut-offs need the item's scale (scale_min/scale_max or levels)")
        return None
    return out


def _options(raw: Any, where: str, langs: list[str], p: Problems, Option) -> list:
    if not isinstance(raw, list) or not raw:
        p.append(f"{where}: a multi-select item needs a non-empty list of options")
        return []
    out, codes, values = [], {}, set()
    for k, op in enumerate(raw):
        at = f"{where}, option {k + 1}"
        if not isinstance(op, dict):
            p.append(f"{at}: must be a mapping with value and labels")
            continue
        for key in set(op) - _OPTION_KEYS:
            p.append(f"{at}: unknown key {key!r}")
        value, code = op.get("value"), op.get("code", k + 1)
        if not isinstance(value, str) or not _SNAKE.fullmatch(value):
            p.append(f"{at}: value must be snake_case text, got {value!r}")
            continue
        if not _is_int(code):
            p.append(f"{at} ({value}): code must be an integer, got {code!r}")
            code = None
        if value in values:
            p.append(f"{where}: duplicate option value {value!r}")
        if code is not None and code in codes:
            p.append(f"{where}: duplicate option code {code} ({codes[code]!r} and {value!r})")
        values.add(value)
        if code is not None:
            codes.setdefault(code, value)
        labels = _labels(op.get("labels"), f"{at} ({value})", langs, p)
        waves = tuple(str(w) for w in (op.get("waves") or []))
        out.append(Option(value=value, labels=labels, code=code,
                          aliases=tuple(_str_list(op.get("aliases"), f"{at} aliases", p)),
                          assumed=bool(op.get("assumed", False)), waves=waves))
    return out


def _missing(raw: Any, where: str, langs: list[str], p: Problems) -> list:
    """Missing entries: an int code, a label, or ``{code, labels, aliases}``; flattened."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        p.append(f"{where}: missing must be a list, got {raw!r}")
        return []
    out: list = []
    for m in raw:
        if _is_int(m) or (isinstance(m, str) and m.strip()):
            out.append(m)
        elif isinstance(m, dict):
            for key in set(m) - _MISSING_KEYS:
                p.append(f"{where}: missing entry has unknown key {key!r}")
            if "code" in m:
                if _is_int(m["code"]):
                    out.append(m["code"])
                else:
                    p.append(f"{where}: missing code must be an integer, got {m['code']!r}")
            if "labels" in m:
                out.extend(_labels(m["labels"], f"{where} missing {m.get('code')!r}", langs,
                                   p).values())
            out.extend(_str_list(m.get("aliases"), f"{where} missing aliases", p))
        else:
            p.append(f"{where}: missing entry {m!r} is neither a code, a label nor a mapping")
    return out


def _label_conflicts(item_id: str, levels: list, missing: list, p: Problems) -> None:
    """Labels, values and aliases that name two different codes; numeric-looking labels."""
    owner: dict[str, Any] = {}
    for lv in levels:
        for text in (*lv.labels.values(), lv.value, *lv.aliases):
            key = str(text).strip()
            if key in owner and owner[key] != lv.code:
                p.append(f"item {item_id!r}: label {key!r} is used for codes {owner[key]} "
                         f"and {lv.code}")
            owner.setdefault(key, lv.code)
            if re.fullmatch(r"[+-]?\d+", key) and int(key) != lv.code:
                p.append(f"item {item_id!r}: label {key!r} of code {lv.code} looks like "
                         f"code {int(key)}")
    codes = {lv.code for lv in levels}
    norm = {_norm(k): v for k, v in owner.items()}
    for m in missing:
        if _is_int(m) and m in codes:
            p.append(f"item {item_id!r}: missing code {m} is also a valid code")
        elif isinstance(m, str):
            hit = owner.get(m.strip(), norm.get(_norm(m)))
            if hit is not None:
                p.append(f"item {item_id!r}: missing label {m!r} is also the label of code {hit}")


def _item(raw: dict, k: int, ctx: dict, p: Problems, Item, Level, Option):
    langs, scales = ctx["langs"], ctx["scales"]
    item_id = raw.get("id")
    if not isinstance(item_id, str) or not _SNAKE.fullmatch(item_id) or "__" in item_id:
        p.append(f"item {k + 1}: id must be snake_case text without '__', got {item_id!r}")
        return None
    w = f"item {item_id!r}"
    for key in set(raw) - _ITEM_KEYS:
        p.append(f"{w}: unknown key {key!r}")
    typ = raw.get("type")
    if typ not in _TYPES:
        p.append(f"{w}: unknown type {typ!r} (one of {', '.join(_TYPES)})")
        return None
    for key in _BOOL_KEYS:
        if key in raw and not isinstance(raw[key], bool):
            p.append(f"{w}: {key} must be true or false, got {raw[key]!r}")
    scale: dict = {}
    if "scale" in raw:
        scale = scales.get(raw["scale"]) if isinstance(raw["scale"], str) else None
        if scale is None:
            p.append(f"{w}: scale {raw['scale']!r} is not defined under scales:")
            scale = {}
    get = lambda key, default=None: raw.get(key, scale.get(key, default))  # noqa: E731
    wording = raw.get("wording")
    if not isinstance(wording, dict) or not wording:
        p.append(f"{w}: wording must be a mapping of language -> text")
        wording = {}
    else:
        wording = _labels(wording, f"{w} wording", langs, p)
    levels = _levels(get("levels"), w, langs, p, Level) if get("levels") is not None else []
    if typ in _NEEDS_LEVELS and not levels:
        p.append(f"{w}: a {typ} item needs levels (codes, values and labels)")
    if typ in _NO_LEVELS and get("levels") is not None:
        p.append(f"{w}: a {typ} item cannot have levels")
    options: list = []
    opt_raw = raw.get("options", scale.get("options"))
    if isinstance(opt_raw, str):
        opt_raw = scales.get(opt_raw, {}).get("options")
        if opt_raw is None:
            p.append(f"{w}: options {raw['options']!r} is not a scale with options")
    if typ == "multi":
        options = _options(opt_raw, w, langs, p, Option)
    elif opt_raw is not None:
        p.append(f"{w}: only multi-select items have options, this one is {typ}")
    missing = _missing(scale.get("missing"), w, langs, p) + _missing(raw.get("missing"), w,
                                                                      langs, p)
    # scale bounds
    smin, smax = raw.get("scale_min", scale.get("scale_min")), raw.get("scale_max",
                                                                        scale.get("scale_max"))
    for key, val in (("scale_min", smin), ("scale_max", smax)):
        if val is not None and not _is_num(val):
            p.append(f"{w}: {key} must be a number, got {val!r}")
    if typ == "nps_0_10":
        if (smin not in (None, 0)) or (smax not in (None, 10)):
            p.append(f"{w}: an nps_0_10 item runs from 0 to 10, not {smin}..{smax}")
        smin, smax = 0, 10
    if typ == "likert" and levels and smin is None and smax is None:
        smin, smax = min(lv.code for lv in levels), max(lv.code for lv in levels)
    if typ == "rating" and (smin is None or smax is None):
        p.append(f"{w}: a rating item needs scale_min and scale_max")
    if _is_num(smin) and _is_num(smax) and smin > smax:
        p.append(f"{w}: scale_min {smin} is greater than scale_max {smax}")
    if typ in _ORDINAL and _is_num(smin) and _is_num(smax):
        if not (_is_int(smin) and _is_int(smax)):
            p.append(f"{w}: scale_min and scale_max of a {typ} item must be integers")
        for lv in levels:
            if not smin <= lv.code <= smax:
                p.append(f"{w}: level code {lv.code} lies outside scale {smin}..{smax}")
        for m in missing:
            if _is_int(m) and smin <= m <= smax:
                p.append(f"{w}: missing code {m} lies inside the valid scale {smin}..{smax}")
    if typ == "numeric":
        for m in missing:
            if (_is_int(m) and _is_num(smin) and _is_num(smax) and smin <= m <= smax) or (
                    _is_int(m) and smin is None and smax is None):
                p.append(f"{w}: missing code {m} is a valid numeric answer (set scale_min/"
                         "scale_max to keep it outside the valid range)")
    if typ == "multi":
        opt_codes = {op.code for op in options}
        for m in missing:
            if _is_int(m) and m in opt_codes:
                p.append(f"{w}: missing code {m} is also an option code")
    _label_conflicts(item_id, levels, missing, p)
    # flags
    default_ordered = typ in _ORDINAL or bool(scale.get("ordered", False))
    ordered = bool(raw.get("ordered", scale.get("ordered", default_ordered)))
    if typ in _ORDINAL and raw.get("ordered") is False:
        p.append(f"{w}: a {typ} item is ordered by definition; remove 'ordered: false'")
        ordered = True
    if typ not in _ORDINAL | {"single"} and raw.get("ordered"):
        p.append(f"{w}: ordered applies only to coded items, not to {typ}")
    reverse = bool(raw.get("reverse", False))
    if reverse and not (typ in _ORDINAL or (typ == "single" and ordered)):
        p.append(f"{w}: reverse keying needs an ordinal item (likert, rating, nps_0_10 or an "
                 f"ordered single), not an {'unordered ' if typ == 'single' else ''}{typ}")
    assumed = bool(raw.get("assumed", False))
    reason = raw.get("assumed_reason")
    if assumed and (not isinstance(reason, str) or not reason.strip()):
        p.append(f"{w}: assumed: true needs a one-line assumed_reason")
    if reason is not None and not assumed:
        p.append(f"{w}: assumed_reason given but assumed is not true")
    max_choices = raw.get("max_choices")
    if max_choices is not None:
        if typ != "multi":
            p.append(f"{w}: max_choices applies only to multi-select items")
        elif not _is_int(max_choices) or not 1 <= max_choices <= max(len(options), 1):
            p.append(f"{w}: max_choices must be an integer from 1 to the number of options "
                     f"({len(options)}), got {max_choices!r}")
    groups = raw.get("groups") or {}
    if groups and (not isinstance(groups, dict) or not levels):
        p.append(f"{w}: groups must map a group name to level values of this item")
        groups = {}
    values = {lv.value for lv in levels}
    for g, members in groups.items():
        if not isinstance(g, str) or not _SNAKE.fullmatch(g):
            p.append(f"{w}: group name {g!r} must be snake_case")
        bad = [m for m in (members if isinstance(members, list) else [])
               if not isinstance(m, str) or m not in values]
        if not isinstance(members, list) or not members or bad:
            p.append(f"{w}: group {g!r} must list level values of this item; unknown: {bad}")
    for key in ("dimension", "note", "evidence"):
        if raw.get(key) is not None and not isinstance(raw.get(key), str):
            p.append(f"{w}: {key} must be text, got {raw.get(key)!r}")
    return Item(id=item_id, type=typ, wording=wording, levels=levels, ordered=ordered,
                missing=missing, aliases=_str_list(raw.get("aliases"), f"{w} aliases", p),
                reverse=reverse, pii=bool(raw.get("pii", False)),
                required=bool(raw.get("required", False)), assumed=assumed,
                assumed_reason=reason if isinstance(reason, str) else None,
                dimension=raw.get("dimension"), scale_min=smin, scale_max=smax,
                options=options, max_choices=max_choices if _is_int(max_choices) else None,
                note=raw.get("note"), evidence=raw.get("evidence"),
                groups={g: list(m) for g, m in groups.items() if isinstance(m, list)},
                short=_short(raw.get("short"), w, langs, p),
                nps=_nps(raw.get("nps"), w, typ, ordered, smin, smax, reverse, p))


def _headers(items: dict, ignore: list[str], p: Problems) -> tuple[dict, dict]:
    """Export header -> wave column tables; explicit ids/aliases may not collide."""
    from cxresearch.codebooks.items import normalise_label

    explicit: dict[str, str] = {}
    for it in items.values():
        for name in (it.id, *it.aliases):
            key = str(name).strip()
            if key in explicit and explicit[key] != it.id:
                p.append(f"alias {key!r} is used by items {explicit[key]!r} and {it.id!r}")
            explicit.setdefault(key, it.id)
    generated: dict[str, set] = {}
    for it in items.values():
        if it.type != "multi":
            continue
        for op in it.options:
            col = f"{it.id}__{op.value}"
            forms = {col, f"{it.id}_{op.value}", *op.aliases}
            for base in (it.id, *it.aliases):
                if op.code is not None:
                    forms.add(f"{base}_{op.code}")
                forms.add(f"{base}_{op.value}")
            for f in forms:
                generated.setdefault(f, set()).add(col)
    exact = dict(explicit)
    for f, cols in generated.items():
        if f not in exact and len(cols) == 1:
            exact[f] = next(iter(cols))
    loose: dict[str, set] = {}
    for f, col in exact.items():
        loose.setdefault(normalise_label(f), set()).add(col)
    for h in ignore:
        if h.strip() in explicit:
            p.append(f"ignore_columns lists {h!r}, which is item {explicit[h.strip()]!r} or "
                     "its alias")
    return exact, loose


def build_instrument_parts(doc: Any, p: Problems, expect_name: str | None,
                           Item, Level, Option) -> dict:
    """Validate ``doc`` (the parsed YAML) and return the constructor arguments of Instrument."""
    if not isinstance(doc, dict):
        p.append(f"the codebook must be a YAML mapping, got {type(doc).__name__}")
        return {}
    for key in set(doc) - _TOP_KEYS:
        p.append(f"unknown top-level key {key!r} (allowed: {', '.join(sorted(_TOP_KEYS))})")
    if doc.get("format_version", 1) != 1:
        p.append(f"format_version {doc.get('format_version')!r} is not supported (this "
                 "version of cxresearch reads format 1)")
    name = doc.get("study")
    if not isinstance(name, str) or not _SNAKE.fullmatch(name):
        p.append(f"study must be a snake_case study id, got {name!r}")
        name = str(name)
    if expect_name is not None and name != expect_name:
        p.append(f"study {name!r} does not match the file name {expect_name!r}.yaml")
    meta = doc.get("meta")
    if not isinstance(meta, dict):
        p.append("meta must be a mapping (title, publisher, fieldwork_year, population, "
                 "source, languages)")
        meta = {}
    for key in _META_REQUIRED:
        if key not in meta:
            p.append(f"meta: {key} is missing")
    for key in set(meta) - set(_META_REQUIRED) - set(_META_OPTIONAL):
        p.append(f"meta: unknown key {key!r} (allowed: "
                 f"{', '.join(_META_REQUIRED + _META_OPTIONAL)})")
    langs = meta.get("languages") or ["en"]
    if not isinstance(langs, list) or "en" not in langs:
        p.append(f"meta: languages must be a list that includes 'en', got {langs!r}")
        langs = ["en"]
    src = meta.get("source")
    if src is not None and not (isinstance(src, list) and all(isinstance(s, str) for s in src)):
        p.append(f"meta: source must be a list of file names, got {src!r}")
    fy = meta.get("fieldwork_year")
    if fy is not None and not (_is_int(fy) and 1900 < fy < 2200):
        p.append(f"meta: fieldwork_year must be a year or null, got {fy!r}")
    _wave_column(meta.get("wave_column"), p)
    scales = doc.get("scales") or {}
    if not isinstance(scales, dict):
        p.append("scales must be a mapping of scale name -> levels/options/missing")
        scales = {}
    for sname, sc in scales.items():
        if not isinstance(sc, dict):
            p.append(f"scale {sname!r} must be a mapping")
            scales[sname] = {}
            continue
        for key in set(sc) - _SCALE_KEYS:
            p.append(f"scale {sname!r}: unknown key {key!r}")
    raw_items = doc.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        p.append("items must be a non-empty list")
        raw_items = []
    ctx = {"langs": langs, "scales": scales}
    items: dict = {}
    for k, raw in enumerate(raw_items):
        if not isinstance(raw, dict):
            p.append(f"item {k + 1} must be a mapping, got {raw!r}")
            continue
        it = _item(raw, k, ctx, p, Item, Level, Option)
        if it is None:
            continue
        if it.id in items:
            p.append(f"duplicate item id {it.id!r} (items {list(items).index(it.id) + 1} "
                     f"and {k + 1})")
            continue
        items[it.id] = it
    for typ in _SINGLETON_TYPES:
        ids = [i.id for i in items.values() if i.type == typ]
        if len(ids) > 1:
            p.append(f"more than one {typ} column: {', '.join(ids)}")
    indices, index_info = _indices(doc.get("indices") or {}, items, p)
    ignore = _str_list(doc.get("ignore_columns"), "ignore_columns", p)
    headers = _headers(items, ignore, p)
    return {"name": name, "meta": meta, "items": items, "indices": indices,
            "index_info": index_info, "ignore_columns": ignore, "headers": headers}


def _indices(raw: Any, items: dict, p: Problems) -> tuple[dict, dict]:
    if not isinstance(raw, dict):
        p.append("indices must be a mapping of index name -> list of item ids")
        return {}, {}
    indices, info = {}, {}
    for name, spec in raw.items():
        if not isinstance(name, str) or not _SNAKE.fullmatch(name):
            p.append(f"index name {name!r} must be snake_case")
        entry = spec if isinstance(spec, dict) else {"items": spec}
        for key in set(entry) - _INDEX_KEYS:
            p.append(f"index {name!r}: unknown key {key!r}")
        ids = entry.get("items")
        if not isinstance(ids, list) or not ids:
            p.append(f"index {name!r} must list at least one item id")
            continue
        seen = set()
        for i in ids:
            if not isinstance(i, str):
                p.append(f"index {name!r}: item ids must be text, got {i!r}")
                continue
            if i in seen:
                p.append(f"index {name!r} names item {i!r} twice")
            seen.add(i)
            if i not in items:
                p.append(f"index {name!r} names item {i!r}, which is not in the codebook")
            elif not items[i].is_ordinal:
                p.append(f"index {name!r} names item {i!r} of type {items[i].type}, which "
                         "has no ordered numeric scale")
        scoring = entry.get("scoring", "percent_of_max")
        if not isinstance(scoring, str) or scoring not in _SCORINGS:
            p.append(f"index {name!r}: scoring {scoring!r} is not one of "
                     f"{', '.join(sorted(_SCORINGS))}")
        indices[name] = list(ids)
        info[name] = {**entry, "items": list(ids), "scoring": scoring}
    return indices, info
