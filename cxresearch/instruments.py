"""Survey codebooks: load, validate and query ``data/instruments/<study>.yaml``.

A codebook (an *instrument*) says what a wave of a study contains: every item with its type,
wording in English, Chinese and Indonesian, answer levels (integer code, stable snake_case
``value`` and labels per language), missing-value codes, column aliases used by survey exports,
reverse keying, PII flag, and which items form which index. The YAML format is documented in
``data/instruments/README.md``.

:func:`load_instrument` refuses a codebook that contradicts itself with a
:class:`~cxresearch.errors.CodebookError` that lists every problem found, not only the first.
The ingester uses :meth:`Item.code_for`, :meth:`Item.option_for`, :meth:`Item.option_flag` and
:meth:`Instrument.resolve_column` to map a raw export onto the codebook; :meth:`Instrument.dtype`
and :meth:`Instrument.apply_dtypes` fix how each column is stored in ``responses.parquet``.

Validation is hand-written (no schema library expresses the cross-field rules: codes versus
missing codes, labels shared between levels, aliases shared between items); the parsing is
PyYAML with a loader that also refuses duplicate mapping keys, which YAML silently overwrites.

References
----------
DDI Alliance (2014). *DDI-Codebook 2.5*: variable-level metadata (labels, categories, missing
categories) that this format mirrors in a lighter form.

Examples
--------
>>> import cxresearch as cx
>>> inst = cx.load_instrument("mopinion_dcxm")
>>> inst.indices["measure"][:2]
['measure_collect_digital', 'measure_continuous']
>>> inst.items["measure_all_channels"].code_for("Setuju")
4
>>> # In R: labelled::val_labels(df$measure_all_channels)
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from . import paths
from ._codebook_checks import Problems, build_instrument_parts
from .errors import CodebookError

__all__ = [
    "CODED_TYPES",
    "DESIGN_TYPES",
    "ITEM_TYPES",
    "ORDINAL_TYPES",
    "Instrument",
    "Item",
    "Level",
    "Option",
    "list_instruments",
    "load_instrument",
    "normalise_label",
]

#: Every item type a codebook may use.
ITEM_TYPES = ("likert", "nps_0_10", "rating", "single", "multi", "numeric", "text", "id",
              "weight", "strata", "psu", "fpc")
#: Types stored as integer codes on an ordered scale.
ORDINAL_TYPES = frozenset({"likert", "nps_0_10", "rating"})
#: Types whose answers are integer codes (``single`` is stored as its level values).
CODED_TYPES = frozenset({"likert", "nps_0_10", "rating", "single"})
#: Design column types -> key of :meth:`Instrument.design_columns`.
DESIGN_TYPES = {"weight": "weights", "strata": "strata", "psu": "psu", "fpc": "fpc"}

_INT_RE = re.compile(r"^[+-]?\d+(?:\.0*)?$")
_NUM_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_CODE_PREFIX_RE = re.compile(r"^\s*([+-]?\d+)\s*(?:[-=:.)]|\s)\s*(.*?)\s*$")
_TRUE = {"1", "true", "yes", "y", "x", "selected", "checked", "是", "選中", "选中", "ya", "dipilih"}
_FALSE = {"0", "false", "no", "n", "not selected", "unchecked", "否", "未选中", "未選中", "tidak",
          "tidak dipilih"}


def normalise_label(text: Any) -> str:
    """The key used for case- and whitespace-insensitive matching.

    Unicode NFKC (full-width letters, digits and punctuation become their ASCII forms),
    case-folded, surrounding whitespace removed and inner runs collapsed to one space.

    >>> normalise_label("  Strongly   AGREE ")
    'strongly agree'
    """
    s = unicodedata.normalize("NFKC", str(text))
    return " ".join(s.split()).casefold()


def _is_blank(raw: Any) -> bool:
    if raw is None or raw is pd.NA or raw is pd.NaT:
        return True
    if isinstance(raw, float) and np.isnan(raw):
        return True
    return isinstance(raw, str) and raw.strip() == ""


def _as_int(raw: Any) -> int | None:
    """``raw`` as an int when it is an integral number or its text, else None."""
    if isinstance(raw, bool | np.bool_):
        return None
    if isinstance(raw, int | np.integer):
        return int(raw)
    if isinstance(raw, float | np.floating):
        return int(raw) if float(raw).is_integer() else None
    if isinstance(raw, str) and _INT_RE.match(raw.strip()):
        return int(float(raw.strip()))
    return None


@dataclass(frozen=True)
class Level:
    """One answer level of a coded item: integer ``code``, snake_case ``value``, labels."""

    code: int
    value: str
    labels: dict[str, str]
    aliases: tuple[str, ...] = ()

    def label(self, lang: str = "en") -> str:
        """The label in ``lang`` (English, then the value, when that language is missing)."""
        return self.labels.get(lang) or self.labels.get("en") or self.value


@dataclass(frozen=True)
class Option:
    """One option of a multi-select item (stored as the column ``<item>__<value>``)."""

    value: str
    labels: dict[str, str]
    code: int | None = None
    aliases: tuple[str, ...] = ()
    assumed: bool = False
    waves: tuple[str, ...] = ()

    def label(self, lang: str = "en") -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.value


@dataclass(eq=False)
class Item:
    """One codebook item. See ``data/instruments/README.md`` for every attribute."""

    id: str
    type: str
    wording: dict[str, str] = field(default_factory=dict)
    levels: list[Level] = field(default_factory=list)
    ordered: bool = False
    missing: list[int | str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    reverse: bool = False
    pii: bool = False
    required: bool = False
    assumed: bool = False
    assumed_reason: str | None = None
    dimension: str | None = None
    scale_min: float | None = None
    scale_max: float | None = None
    options: list[Option] = field(default_factory=list)
    max_choices: int | None = None
    note: str | None = None
    evidence: str | None = None
    groups: dict[str, list[str]] = field(default_factory=dict)
    # lookup tables, filled by _index()
    _exact: dict[str, int | None] = field(default_factory=dict, repr=False)
    _loose: dict[str, int | None] = field(default_factory=dict, repr=False)
    _opt_exact: dict[str, str] = field(default_factory=dict, repr=False)
    _opt_loose: dict[str, str] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ structure
    def __post_init__(self) -> None:
        self._index()

    def _index(self) -> None:
        """Build the answer lookup tables (labels in every language, values, aliases)."""
        exact: dict[str, int | None] = {}
        loose: dict[str, set] = {}

        def add(text: Any, target: int | None) -> None:
            key = str(text).strip()
            exact.setdefault(key, target)
            loose.setdefault(normalise_label(key), set()).add(target)

        for lv in self.levels:
            for text in (*lv.labels.values(), lv.value, *lv.aliases):
                add(text, lv.code)
        for m in self.missing:
            if isinstance(m, str):
                add(m, None)
        self._exact = exact
        self._loose = {k: next(iter(v)) for k, v in loose.items() if len(v) == 1}
        opt_exact: dict[str, str] = {}
        opt_loose: dict[str, set] = {}
        for op in self.options:
            texts = [*op.labels.values(), op.value, *op.aliases]
            if op.code is not None:
                texts.append(str(op.code))
            for text in texts:
                key = str(text).strip()
                opt_exact.setdefault(key, op.value)
                opt_loose.setdefault(normalise_label(key), set()).add(op.value)
        self._opt_exact = opt_exact
        self._opt_loose = {k: next(iter(v)) for k, v in opt_loose.items() if len(v) == 1}

    @property
    def is_ordinal(self) -> bool:
        """True for likert/rating/nps items and for single items with ordered levels."""
        return self.type in ORDINAL_TYPES or (self.type == "single" and self.ordered)

    @property
    def codes(self) -> list[int]:
        """Valid answer codes (every integer of the scale for rating/nps, else level codes)."""
        if self.type in ("rating", "nps_0_10") and self.scale_min is not None:
            return list(range(int(self.scale_min), int(self.scale_max) + 1))
        return [lv.code for lv in self.levels]

    @property
    def values(self) -> list[str]:
        """Level values in code order (the categories of a ``single`` column)."""
        return [lv.value for lv in self.levels]

    @property
    def missing_codes(self) -> list[int]:
        return [m for m in self.missing if isinstance(m, int)]

    def level(self, code_or_value: int | str) -> Level:
        """The :class:`Level` with this code or value (``KeyError`` naming the item if none)."""
        for lv in self.levels:
            if lv.code == code_or_value or lv.value == code_or_value:
                return lv
        raise KeyError(f"item {self.id!r} has no level {code_or_value!r}")

    def columns(self) -> list[str]:
        """Wave column(s) of this item: ``[id]``, or ``<id>__<option>`` per multi option."""
        if self.type == "multi":
            return [f"{self.id}__{op.value}" for op in self.options]
        return [self.id]

    def dtype(self):
        """pandas dtype of this item's column(s) in a wave (CONTRIBUTING.md table)."""
        t = self.type
        if t in ORDINAL_TYPES:
            return pd.Int64Dtype()
        if t in ("numeric", "weight", "fpc"):
            return pd.Float64Dtype()
        if t == "single":
            return pd.CategoricalDtype(self.values, ordered=self.ordered)
        if t == "multi":
            return pd.BooleanDtype()
        return pd.StringDtype()

    # ------------------------------------------------------------------ labels
    def label_map(self, lang: str | None = None) -> dict[str, int | None]:
        """Label -> code for this item's levels.

        With ``lang`` ('en', 'zh', 'id'): the labels in that language only. Without: every
        spelling the ingester accepts as it is written in the codebook - labels in every
        language, level values, level aliases, and missing labels (mapped to ``None``).
        For a multi-select item the map goes to option values instead of codes.
        """
        if self.type == "multi":
            if lang is None:
                return dict(self._opt_exact)
            return {op.labels[lang]: op.value for op in self.options if lang in op.labels}
        if lang is None:
            return dict(self._exact)
        return {lv.labels[lang]: lv.code for lv in self.levels if lang in lv.labels}

    def is_missing(self, raw: Any) -> bool:
        """True when ``raw`` is one of the item's declared missing codes or labels."""
        if _is_blank(raw):
            return False
        n = _as_int(raw)
        if n is not None:
            return n in self.missing_codes
        key = str(raw).strip()
        if key in self._exact:
            return self._exact[key] is None
        return self._loose.get(normalise_label(key), 0) is None

    def code_for(self, raw: Any) -> int | float | None:
        """The code of one raw answer, ``None`` for a blank or a declared missing answer.

        Accepts the code itself (``4``, ``"4"``, ``4.0``), a label in any codebook language, a
        level value or alias, ``"4 - Agree"``/``"4 = Agree"`` forms, and spellings that differ
        only in case, width or whitespace when that is unambiguous for the item. ``numeric``
        items return a float. Raises ``ValueError`` naming the item, the value and a hint.
        """
        if _is_blank(raw):
            return None
        if self.type in ("numeric", "weight", "fpc"):
            return self._number_for(raw)
        if self.type not in CODED_TYPES:
            raise TypeError(f"item {self.id!r} of type {self.type!r} has no codes")
        n = _as_int(raw)
        if n is None and isinstance(raw, float | np.floating):
            raise ValueError(self._bad(raw, "is not a whole number"))
        if n is not None:
            return self._check_code(n, raw)
        key = str(raw).strip()
        if key in self._exact:
            return self._exact[key]
        loose = normalise_label(key)
        if loose in self._loose:
            return self._loose[loose]
        if _NUM_RE.match(key):
            raise ValueError(self._bad(raw, "is not a whole number"))
        m = _CODE_PREFIX_RE.match(key)
        if m:
            code = self._check_code(int(m.group(1)), raw)
            rest = m.group(2)
            if code is None or not rest:
                return code
            target = self._exact.get(rest, self._loose.get(normalise_label(rest), "?"))
            if target == code or (target == "?" and not self.levels):
                return code
            raise ValueError(self._bad(raw, f"code {code} does not match label {rest!r}"))
        raise ValueError(self._bad(raw, "is not a code, label or missing code of this item"))

    def _check_code(self, n: int, raw: Any) -> int | None:
        if n in self.missing_codes:
            return None
        if n in set(self.codes):
            return n
        lo, hi = (min(self.codes), max(self.codes)) if self.codes else (None, None)
        raise ValueError(self._bad(raw, f"is outside the item's codes ({lo}..{hi})"))

    def _number_for(self, raw: Any) -> float | None:
        if isinstance(raw, bool | np.bool_):
            raise ValueError(self._bad(raw, "is not a number"))
        if isinstance(raw, str):
            key = raw.strip()
            if self.is_missing(key):
                return None
            if not _NUM_RE.match(key):
                raise ValueError(self._bad(raw, "is not a number"))
            x = float(key)
        else:
            x = float(raw)
        if x.is_integer() and int(x) in self.missing_codes:
            return None
        if not np.isfinite(x):
            raise ValueError(self._bad(raw, "is not a finite number"))
        if self.scale_min is not None and x < self.scale_min:
            raise ValueError(self._bad(raw, f"is below the minimum {self.scale_min:g}"))
        if self.scale_max is not None and x > self.scale_max:
            raise ValueError(self._bad(raw, f"is above the maximum {self.scale_max:g}"))
        return x

    def _bad(self, raw: Any, what: str) -> str:
        if self.type == "multi":
            allowed = [op.value for op in self.options]
        elif self.levels and self.type in ("single", "likert"):
            allowed = [f"{lv.code}={lv.label('en')}" for lv in self.levels]
        elif self.codes:
            allowed = [f"{min(self.codes)}..{max(self.codes)}"]
        else:
            allowed = []
        if self.missing:
            allowed.append("missing: " + ", ".join(map(str, self.missing[:4])))
        hint = "; expected " + "; ".join(allowed[:12]) if allowed else ""
        return f"item {self.id!r}: value {raw!r} {what}{hint}"

    def value_for(self, raw: Any) -> str | None:
        """For a ``single`` item: the level value of a raw answer (None when missing)."""
        code = self.code_for(raw)
        return None if code is None else self.level(code).value

    # ------------------------------------------------------------------ multi-select
    def option_for(self, raw: Any) -> str:
        """The option value named by ``raw`` (value, code, label in any language, alias)."""
        key = str(raw).strip()
        n = _as_int(raw)
        if n is not None:
            key = str(n)
        if key in self._opt_exact:
            return self._opt_exact[key]
        loose = normalise_label(key)
        if loose in self._opt_loose:
            return self._opt_loose[loose]
        raise ValueError(self._bad(raw, "is not an option of this multi-select item"))

    def split_multi(self, cell: Any) -> set[str] | None:
        """Option values ticked in one combined multi-select cell (None when blank/missing).

        Separators ``;``, ``|`` and ``,`` are understood; a label that itself contains a comma
        is recognised as a whole.
        """
        if _is_blank(cell) or self.is_missing(cell):
            return None
        text = str(cell).strip()
        try:
            return {self.option_for(text)}
        except ValueError:
            pass
        parts = [p for p in re.split(r"[;|]", text)] if re.search(r"[;|]", text) else [text]
        out: set[str] = set()
        for part in parts:
            pieces = [p.strip() for p in part.split(",")]
            i = 0
            while i < len(pieces):
                for j in range(len(pieces), i, -1):  # longest run of pieces that is a label
                    cand = ",".join(pieces[i:j]).strip()
                    try:
                        out.add(self.option_for(cand))
                        i = j
                        break
                    except ValueError:
                        continue
                else:
                    if pieces[i] == "":
                        i += 1
                        continue
                    raise ValueError(self._bad(pieces[i], "is not an option of this item"))
        if self.max_choices is not None and len(out) > self.max_choices:
            raise ValueError(self._bad(cell, f"ticks {len(out)} options, more than the "
                                             f"maximum {self.max_choices}"))
        return out

    def option_flag(self, raw: Any, option: str) -> bool | None:
        """Whether one per-option column cell means *ticked* (None when blank or missing).

        Ticked: 1, true, yes/是/ya, x, or the option's own label, value or code. Not ticked:
        0, false, no/否/tidak, "not selected". Anything else raises ``ValueError``.
        """
        if _is_blank(raw) or self.is_missing(raw):
            return None
        if isinstance(raw, bool | np.bool_):
            return bool(raw)
        n = _as_int(raw)
        if n in (0, 1):
            return bool(n)
        key = normalise_label(raw)
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        try:
            hit = self.option_for(raw)
        except ValueError:
            hit = None
        if hit == option:
            return True
        raise ValueError(self._bad(raw, f"is not a tick mark for option {option!r}"))


class Instrument:
    """A validated codebook. Build it with :func:`load_instrument`.

    Attributes: ``name``, ``path``, ``sha256`` (of the YAML file's bytes), ``meta`` (dict),
    ``items`` (dict id -> :class:`Item`, in codebook order), ``indices`` (dict name -> item
    ids), ``index_info`` (dict name -> scoring and labels), ``ignore_columns``.
    """

    def __init__(self, name: str, path: Path | None, sha256: str, meta: dict,
                 items: dict[str, Item], indices: dict[str, list[str]],
                 index_info: dict[str, dict] | None = None,
                 ignore_columns: list[str] | None = None,
                 headers: tuple[dict, dict] | None = None):
        self.name = name
        self.path = path
        self.sha256 = sha256
        self.meta = meta
        self.items = items
        self.indices = indices
        self.index_info = index_info or {n: {"items": v} for n, v in indices.items()}
        self.ignore_columns = list(ignore_columns or [])
        self._headers_exact, self._headers_loose = headers or ({}, {})
        self._ignored = {normalise_label(h) for h in self.ignore_columns}

    def __repr__(self) -> str:
        return f"<Instrument {self.name!r}: {len(self.items)} items, sha256 {self.sha256[:12]}>"

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items.values())

    def __contains__(self, item_id: object) -> bool:
        return item_id in self.items

    def __getitem__(self, item_id: str) -> Item:
        return self.item(item_id)

    def item(self, item_id: str) -> Item:
        """The :class:`Item` with this id (``KeyError`` naming the codebook if none)."""
        try:
            return self.items[item_id]
        except KeyError:
            raise KeyError(f"codebook {self.name!r} has no item {item_id!r}") from None

    # ------------------------------------------------------------------ columns & dtypes
    def columns(self, include_pii: bool = False) -> list[str]:
        """Wave column names in codebook order (multi-select expanded to ``<id>__<option>``).

        PII items are left out unless ``include_pii``: they never reach ``responses.parquet``.
        """
        out: list[str] = []
        for it in self.items.values():
            if it.pii and not include_pii:
                continue
            out.extend(it.columns())
        return out

    def split_column(self, column: str) -> tuple[str, str | None]:
        """``(item_id, option_value or None)`` of a wave column name."""
        if column in self.items:
            return column, None
        base, sep, opt = column.partition("__")
        if sep and base in self.items and any(o.value == opt for o in self.items[base].options):
            return base, opt
        raise KeyError(f"{column!r} is not a column of codebook {self.name!r}")

    def dtype(self, column: str):
        """pandas dtype of a wave column (an item id or a ``<id>__<option>`` column)."""
        item_id, _ = self.split_column(column)
        return self.items[item_id].dtype()

    def dtypes(self, include_pii: bool = False) -> dict[str, Any]:
        """Column -> dtype for every wave column."""
        return {c: self.dtype(c) for c in self.columns(include_pii=include_pii)}

    def apply_dtypes(self, df: pd.DataFrame) -> pd.DataFrame:
        """A copy of ``df`` with every codebook column cast to its wave dtype.

        ``single`` columns may hold level values or codes; a value the codebook does not know
        raises ``ValueError`` (nothing is turned into NA silently). Columns that are not in the
        codebook are left as they are.
        """
        out = df.copy()
        for col in out.columns:
            try:
                item_id, _ = self.split_column(col)
            except KeyError:
                continue
            item = self.items[item_id]
            s = out[col]
            dt = item.dtype()
            try:
                if isinstance(dt, pd.CategoricalDtype):
                    out[col] = _to_categorical(s, item, dt)
                elif isinstance(dt, pd.Int64Dtype):
                    out[col] = pd.to_numeric(s, errors="raise").astype(dt)
                elif isinstance(dt, pd.Float64Dtype):
                    out[col] = pd.to_numeric(s, errors="raise").astype(dt)
                else:
                    out[col] = s.astype(dt)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"column {col!r} of codebook {self.name!r} cannot be stored "
                                 f"as {dt}: {exc}") from None
        return out

    def design_columns(self) -> dict[str, str | None]:
        """``{'weights': col|None, 'strata': col|None, 'psu': col|None, 'fpc': col|None}``."""
        out: dict[str, str | None] = dict.fromkeys(("weights", "strata", "psu", "fpc"))
        for it in self.items.values():
            if it.type in DESIGN_TYPES:
                out[DESIGN_TYPES[it.type]] = it.id
        return out

    def id_column(self) -> str | None:
        """The respondent-id item, if the codebook has one."""
        return next((it.id for it in self.items.values() if it.type == "id"), None)

    def required_items(self) -> list[str]:
        return [it.id for it in self.items.values() if it.required]

    def pii_items(self) -> list[str]:
        return [it.id for it in self.items.values() if it.pii]

    # ------------------------------------------------------------------ export headers
    def resolve_column(self, header: str) -> str | None:
        """Map an export header to a wave column, or ``None`` when the codebook does not know it.

        Tries the item ids and aliases as written, then ignoring case, width and whitespace
        (only when that points to a single column; otherwise ``ValueError`` names the
        candidates). Returns the item id, or for a per-option column of a multi-select item
        (``Q4_1``, ``channels_used__email``, ``channels_used_email``) the ``<id>__<option>``
        wave column; use :meth:`split_column` to tell them apart. Columns listed under
        ``ignore_columns`` also give ``None``; :meth:`is_ignored` tells them apart.
        """
        key = str(header).strip()
        if key in self._headers_exact:
            return self._headers_exact[key]
        hits = self._headers_loose.get(normalise_label(key))
        if not hits:
            return None
        if len(hits) > 1:
            raise ValueError(f"header {header!r} matches several columns of codebook "
                             f"{self.name!r} when case and spaces are ignored: "
                             f"{', '.join(sorted(hits))}; rename it to the exact alias")
        return next(iter(hits))

    def is_ignored(self, header: str) -> bool:
        """True for export metadata columns the codebook lists under ``ignore_columns``."""
        return normalise_label(header) in self._ignored

    def codebook_table(self, lang: str = "en") -> pd.DataFrame:
        """One row per item: id, type, dimension, wording, levels, flags (for reports)."""
        rows = []
        for it in self.items.values():
            if it.type == "multi":
                answers = "; ".join(op.label(lang) for op in it.options)
            elif it.levels:
                answers = "; ".join(f"{lv.code}={lv.label(lang)}" for lv in it.levels)
            elif it.scale_min is not None:
                answers = f"{it.scale_min:g}..{it.scale_max:g}"
            else:
                answers = ""
            rows.append({"item": it.id, "type": it.type, "dimension": it.dimension,
                         "wording": it.wording.get(lang, it.wording.get("en", "")),
                         "answers": answers, "missing": ", ".join(map(str, it.missing)),
                         "required": it.required, "pii": it.pii, "reverse": it.reverse,
                         "assumed": it.assumed, "assumed_reason": it.assumed_reason})
        return pd.DataFrame(rows)


def _to_categorical(s: pd.Series, item: Item, dt: pd.CategoricalDtype) -> pd.Series:
    if isinstance(s.dtype, pd.CategoricalDtype) and list(s.cat.categories) == list(dt.categories):
        return s.astype(dt)
    by_code = {str(lv.code): lv.value for lv in item.levels}
    obj = s.astype(object)
    known = set(dt.categories)
    mapped = obj.map(lambda v: v if (v in known or _is_blank(v)) else by_code.get(
        str(_as_int(v)) if _as_int(v) is not None else "\0", v))
    bad = sorted({str(v) for v in mapped.dropna().unique() if v not in known})
    if bad:
        raise ValueError(f"values {bad[:10]} are not levels of item {item.id!r} "
                         f"(levels: {', '.join(dt.categories)})")
    return pd.Series(pd.Categorical(mapped.where(mapped.notna(), None), dtype=dt),
                     index=s.index, name=s.name)


# ---------------------------------------------------------------------- loading
class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that records duplicate mapping keys instead of silently keeping the last."""

    duplicate_keys: list[str]


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    loader.flatten_mapping(node)
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            loader.duplicate_keys.append(
                f"line {key_node.start_mark.line + 1}: key {key!r} appears twice in one mapping")
        seen[key] = True
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                              _construct_mapping)

_CACHE: dict[tuple, Instrument] = {}


def list_instruments() -> list[str]:
    """Names of the codebooks in :func:`cxresearch.paths.instruments_dir`."""
    return sorted(p.stem for p in paths.instruments_dir().glob("*.yaml"))


def _locate(name_or_path: str | os.PathLike) -> tuple[Path, str | None]:
    text = os.fspath(name_or_path)
    looks_like_path = (isinstance(name_or_path, os.PathLike) or text.endswith((".yaml", ".yml"))
                       or os.sep in text or "/" in text)
    if looks_like_path:
        path = Path(text)
        if not path.is_file():
            raise ValueError(f"codebook file {text!r} does not exist")
        return path, None
    path = paths.instruments_dir() / f"{text}.yaml"
    if not path.is_file():
        raise ValueError(f"no codebook named {text!r} in {paths.instruments_dir()}; available: "
                         f"{', '.join(list_instruments()) or 'none'}")
    return path, text


def load_instrument(name_or_path: str | os.PathLike | Instrument) -> Instrument:
    """Load and validate a codebook by study name (``"mitto_cx"``) or by path.

    A name is looked up as ``<name>.yaml`` in :func:`cxresearch.paths.instruments_dir`. Every
    problem found is reported at once in a :class:`~cxresearch.errors.CodebookError`.
    Loaded codebooks are cached by path, modification time and size.

    Examples
    --------
    >>> import cxresearch as cx
    >>> inst = cx.load_instrument("mitto_cx")
    >>> inst.design_columns()["weights"]
    'weight'
    >>> inst.items["cx_owner"].code_for("没有明确的所有者")
    7
    >>> # In R: haven::read_sav() carries the same value labels as attributes
    """
    if isinstance(name_or_path, Instrument):
        return name_or_path
    path, name = _locate(name_or_path)
    raw = path.read_bytes()
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size, name)
    if key in _CACHE:
        return _CACHE[key]
    inst = _parse(raw, path, name)
    _CACHE[key] = inst
    return inst


def _parse(raw: bytes, path: Path | None, expect_name: str | None) -> Instrument:
    source = str(path) if path is not None else "<codebook>"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodebookError(source, [f"file is not UTF-8 text ({exc})"]) from None
    loader = _StrictLoader(text)
    loader.duplicate_keys = []
    try:
        doc = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise CodebookError(source, [f"not valid YAML: {exc}"]) from None
    finally:
        loader.dispose()
    problems = Problems(list(loader.duplicate_keys))
    parts = build_instrument_parts(doc, problems, expect_name, Item, Level, Option)
    if problems:
        raise CodebookError(source, problems)
    return Instrument(sha256=hashlib.sha256(raw).hexdigest(), path=path, **parts)


def instrument_from_text(text: str, name: str | None = None) -> Instrument:
    """Build an :class:`Instrument` from YAML text (tests, notebooks); same validation."""
    return _parse(text.encode("utf-8"), None, name)
