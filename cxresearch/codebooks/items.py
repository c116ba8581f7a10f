"""Codebook items and answer levels (private helper of :mod:`cxresearch.instruments`).

:class:`Item` turns raw export answers into codes (:meth:`Item.code_for`), option values
(:meth:`Item.option_for`, :meth:`Item.split_multi`, :meth:`Item.option_flag`) and wave dtypes.
The public names are re-exported by :mod:`cxresearch.instruments`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CODED_TYPES", "DESIGN_TYPES", "ITEM_TYPES", "ORDINAL_TYPES", "Item", "Level",
           "Option", "cutoff_values", "normalise_label"]

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


def cutoff_values(spec: Any, name: str, item: Any = None) -> tuple[int, ...]:
    """NPS cut-off answers as a sorted tuple of consecutive whole numbers.

    ``spec`` is a whole number, ``"lo-hi"`` text (inclusive, also ``"lo..hi"``), a ``range``
    or a list of whole numbers. A list with gaps (``[1, 5]``) is refused rather than guessed:
    it could mean the two answers or the range 1..5. ``ValueError``/``TypeError`` name
    ``name``, ``item`` and the value.

    >>> cutoff_values("1-5", "detractors")
    (1, 2, 3, 4, 5)
    """
    where = f" for item {item!r}" if item is not None else ""
    what = f"{name}={spec!r}{where}"
    if isinstance(spec, bool | np.bool_) or isinstance(spec, dict | float | np.floating):
        raise TypeError(f"{what} must be whole numbers, a range or 'lo-hi'")
    if isinstance(spec, int | np.integer):
        vals = [int(spec)]
    elif isinstance(spec, str):
        m = re.fullmatch(r"\s*([+-]?\d+)\s*(?:(?:-|\.\.|–)\s*([+-]?\d+)\s*)?", spec)
        if m is None:
            raise ValueError(f"{what} is not 'lo-hi' (e.g. '1-5') nor a whole number")
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) is not None else lo
        if lo > hi:
            raise ValueError(f"{what}: the range runs backwards")
        vals = list(range(lo, hi + 1))
    else:
        try:
            raw = list(spec)
        except TypeError:
            raise TypeError(f"{what} must be whole numbers, a range or 'lo-hi'") from None
        vals = []
        for v in raw:
            n = _as_int(v) if not isinstance(v, str) else None
            if n is None:
                raise ValueError(f"{what} holds {v!r}, not a whole number")
            vals.append(n)
    vals = sorted(set(vals))
    if not vals:
        raise ValueError(f"{what} is empty")
    if vals[-1] - vals[0] + 1 != len(vals):
        raise ValueError(f"{what} is not a run of consecutive answers; list every value "
                         f"(e.g. {list(range(vals[0], vals[-1] + 1))}) or write "
                         f"'{vals[0]}-{vals[-1]}' for the range")
    return tuple(vals)


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
        whole = raw.strip().split(".")[0]  # exact: int(float(...)) overflows on 400 digits
        return int(whole) if len(whole) <= 4000 else None
    return None


@dataclass(frozen=True)
class Level:
    """One answer level of a coded item: integer ``code``, snake_case ``value``, labels."""

    code: int
    value: str
    labels: dict[str, str]
    aliases: tuple[str, ...] = ()
    short: dict[str, str] = field(default_factory=dict)

    def label(self, lang: str = "en") -> str:
        """The label in ``lang`` (English, then the value, when that language is missing)."""
        return self.labels.get(lang) or self.labels.get("en") or self.value

    def short_label(self, lang: str = "en") -> str:
        """The ``short:`` label for charts and tables in ``lang``, else :meth:`label`."""
        return self.short.get(lang) or self.short.get("en") or self.label(lang)


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
    short: dict[str, str] = field(default_factory=dict)
    #: NPS cut-offs ``{"promoters": (...), "detractors": (...)}`` from the ``nps:`` key.
    nps: dict[str, tuple[int, ...]] | None = None
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

    def short_label(self, lang: str = "en") -> str:
        """The ``short:`` label for charts and tables in ``lang`` (else English, else id)."""
        return self.short.get(lang) or self.short.get("en") or self.id

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
            pieces = part.split(",")
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
                    if pieces[i].strip() == "":
                        i += 1
                        continue
                    raise ValueError(self._bad(pieces[i].strip(),
                                               "is not an option of this item"))
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
