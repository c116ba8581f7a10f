"""Rows and columns of a banner table: from what the caller wrote to respondent-level arrays.

Private helper of :mod:`cxresearch.statistics.banner.build`. A *row spec* becomes one or more
:class:`Quantity` objects (a display row: a level share, a net, a mean, an NPS or a
multi-select option share, each an array ``y`` and a validity mask); a *column spec* becomes
:class:`Column` objects (a domain mask) grouped into comparison groups (the columns whose
letters are compared with each other: the levels of one banner item, or the inner levels
within one outer level of a nested banner).

Row specs
---------
``"q"``                       automatic: single-choice / coded items -> one row per level;
                              multi-select (``q__<option>`` columns) -> one row per option;
                              NPS items (codebook type ``nps_0_10``) -> NPS; other numbers -> mean
``"levels:q"``, ``"mean:q"``, ``"nps:q"``, ``"multi:q"``, ``"top2:q"``, ``"bottom2:q"``,
``"top3:q"`` ...              that kind explicitly
``{"kind": "net", "item": "q", "levels": [4, 5], "label": "Satisfied"}``  a custom net
``{"kind": "nps", "item": "q", "promoters": [7], "detractors": "1-5"}``   NPS cut-offs
``{"kind": "levels", "item": "q", "nets": {"Top-2": [4, 5]}}``            levels plus nets
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxresearch.statistics.design.resolve import refuse_infinite
from cxresearch.statistics.estimates.recommend import nps_code, nps_cutoffs

__all__: list[str] = []

KINDS = ("levels", "mean", "nps", "multi", "net", "top", "bottom")
_PREFIX = re.compile(r"^(levels|mean|nps|multi|top(\d+)|bottom(\d+)):(.+)$")


@dataclass
class Quantity:
    """One display row of a banner."""

    block: str            # the row spec's item (or label): rows of one block are shown together
    block_label: str
    kind: str             # level, net, mean, nps, option
    item: str
    level: str            # level value / option value / "mean" / "nps" / net label
    label: str
    y: np.ndarray         # float, 0 where not valid
    valid: np.ndarray     # bool
    scale: str            # "share" (0..1), "mean", "nps" (-100..100)
    note: str = ""


@dataclass
class Column:
    banner: str
    key: str
    label: str
    mask: np.ndarray
    group: int
    letter: str = ""


@dataclass
class Labels:
    instrument: object = None
    lang: str = "en"
    short: bool = False
    cache: dict = field(default_factory=dict)

    def item(self, item_id: str) -> str:
        it = self._item(item_id)
        if it is None:
            return item_id
        if self.short:
            s = getattr(it, "short", None)
            if isinstance(s, dict):
                s = s.get(self.lang) or s.get("en")
            if s:
                return str(s)
        w = getattr(it, "wording", None) or {}
        return str(w.get(self.lang) or w.get("en") or item_id)

    def level(self, item_id: str, value) -> str:
        it = self._item(item_id)
        if it is not None:
            for lv in list(getattr(it, "levels", []) or []) + list(getattr(it, "options", [])
                                                                     or []):
                if str(lv.value) == str(value) or (getattr(lv, "code", None) is not None and
                                                   _same_code(lv.code, value)):
                    if self.short:
                        s = getattr(lv, "short", None) or lv.labels.get("short")
                        if isinstance(s, dict):  # one short label per language
                            s = s.get(self.lang) or s.get("en")
                        if s:
                            return str(s)
                    return lv.label(self.lang)
        return str(value)

    def _item(self, item_id):
        if self.instrument is None:
            return None
        return getattr(self.instrument, "items", {}).get(item_id)

    def type_of(self, item_id: str):
        it = self._item(item_id)
        return getattr(it, "type", None) if it is not None else None


def _same_code(code, value) -> bool:
    try:
        return float(code) == float(value)
    except (TypeError, ValueError):
        return False


def _fmt_code(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


# --------------------------------------------------------------------------- columns
def _levels_of(s: pd.Series, name: str, argname: str) -> tuple[list, list]:
    """(level values in order, codes array with -1 for missing) of a banner/row item."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = list(s.cat.categories)
        return cats, s.cat.codes.to_numpy().astype(np.intp)
    if pd.api.types.is_float_dtype(s.dtype) or pd.api.types.is_integer_dtype(s.dtype) or \
            pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype) or \
            s.dtype == object:
        vals = s.dropna().unique().tolist()
        try:
            vals = sorted(vals)
        except TypeError:
            vals = sorted(vals, key=str)
        if len(vals) > 60:
            raise ValueError(f"{argname}={name!r} has {len(vals)} distinct values; a banner "
                             "item needs categories (bin it first)")
        arr = pd.Categorical(s.astype(object).where(s.notna(), None), categories=vals).codes
        return vals, np.asarray(arr, dtype=np.intp)
    raise TypeError(f"{argname}={name!r} has dtype {s.dtype}, which is not categorical")


def build_columns(frame: pd.DataFrame, columns, labels: Labels) -> tuple[list[Column], int]:
    """Banner columns (without the total) and the number of comparison groups."""
    if isinstance(columns, str | tuple):
        columns = [columns]
    if not isinstance(columns, list) or not columns:
        raise TypeError(f"columns must be a banner item name, a (outer, inner) tuple or a list "
                        f"of them, got {columns!r}")
    out: list[Column] = []
    group = 0
    for spec in columns:
        if isinstance(spec, str) and spec not in frame.columns and _multi_cols(frame, spec):
            # a multi-select banner: one (overlapping) column per option; the stacked scores
            # carry the covariance of overlapping columns, so their comparisons stay valid
            for c in _multi_cols(frame, spec):
                v = frame[c]
                if not (pd.api.types.is_bool_dtype(v.dtype) or
                        pd.api.types.is_numeric_dtype(v.dtype)):
                    raise TypeError(f"columns: multi-select column {c!r} has dtype {v.dtype}")
                m = v.fillna(False).astype(bool).to_numpy()
                opt = c[len(spec) + 2:]
                out.append(Column(spec, f"{spec}={opt}", labels.level(spec, opt), m, group))
            group += 1
        elif isinstance(spec, str):
            s = _frame_col(frame, spec, "columns")
            vals, codes = _levels_of(s, spec, "columns")
            for j, v in enumerate(vals):
                out.append(Column(spec, f"{spec}={v}", labels.level(spec, v), codes == j, group))
            group += 1
        elif isinstance(spec, tuple) and len(spec) == 2 and all(isinstance(x, str) for x in spec):
            a, b = spec
            va, ca = _levels_of(_frame_col(frame, a, "columns"), a, "columns")
            vb, cb = _levels_of(_frame_col(frame, b, "columns"), b, "columns")
            for i, x in enumerate(va):
                for j, y in enumerate(vb):
                    out.append(Column(f"{a} / {b}", f"{a}={x} / {b}={y}",
                                      f"{labels.level(a, x)} / {labels.level(b, y)}",
                                      (ca == i) & (cb == j), group))
                group += 1
        else:
            raise TypeError(f"columns entries must be item names or (outer, inner) tuples of "
                            f"names, got {spec!r}")
    if not out:
        raise ValueError(f"columns={columns!r} gave no banner columns (no observed levels)")
    return out, group


def letters_for(k: int) -> list[str]:
    """A, B, ..., Z, AA, AB, ... (upper case; lower case marks the weaker level)."""
    out = []
    for i in range(k):
        s, j = "", i
        while True:
            s = chr(ord("A") + j % 26) + s
            j = j // 26 - 1
            if j < 0:
                break
        out.append(s)
    return out


# --------------------------------------------------------------------------- rows
def _frame_col(frame: pd.DataFrame, name: str, argname: str) -> pd.Series:
    if not isinstance(name, str):
        raise TypeError(f"{argname} entries must be column names, got {name!r}")
    if name not in frame.columns:
        raise ValueError(f"{argname}: {name!r} is not a column of the data (columns: "
                         f"{list(frame.columns)[:25]})")
    return frame[name]


def _numeric(s: pd.Series, item: str) -> np.ndarray:
    if isinstance(s.dtype, pd.CategoricalDtype):
        if not s.cat.ordered:
            raise TypeError(f"rows: item {item!r} is an unordered categorical; a mean or net "
                            "of positions needs an ordered scale")
        x = s.cat.codes.to_numpy().astype(float) + 1
        x[x < 1] = np.nan
        return x
    if pd.api.types.is_bool_dtype(s.dtype) or not (pd.api.types.is_numeric_dtype(s.dtype)):
        raise TypeError(f"rows: item {item!r} has dtype {s.dtype}, not numbers")
    x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    refuse_infinite(x, f"rows: item {item!r}")
    return x


def _multi_cols(frame: pd.DataFrame, item: str) -> list[str]:
    return [c for c in frame.columns if isinstance(c, str) and c.startswith(item + "__")]


def _normalise(spec) -> dict:
    if isinstance(spec, str):
        m = _PREFIX.match(spec)
        if m is None:
            return {"kind": "auto", "item": spec}
        head, item = spec.split(":", 1)
        if head.startswith("top") or head.startswith("bottom"):
            kind = "top" if head.startswith("top") else "bottom"
            return {"kind": kind, "item": item, "k": int(head[len(kind):])}
        return {"kind": head, "item": item}
    if isinstance(spec, dict):
        if "item" not in spec or not isinstance(spec["item"], str):
            raise ValueError(f"rows: a dict row spec needs 'item' (a column name), got {spec!r}")
        kind = spec.get("kind", "auto")
        if kind not in (*KINDS, "auto"):
            raise ValueError(f"rows: kind={kind!r} must be one of {KINDS}")
        return dict(spec, kind=kind)
    raise TypeError(f"rows entries must be item names, 'kind:item' strings or dicts, "
                    f"got {spec!r}")


def build_rows(frame: pd.DataFrame, rows, labels: Labels, source) -> list[Quantity]:
    if isinstance(rows, str | dict):
        rows = [rows]
    if not isinstance(rows, list | tuple) or not rows:
        raise TypeError(f"rows must be a non-empty list of row specs, got {rows!r}")
    out: list[Quantity] = []
    for spec in rows:
        out += _rows_of(frame, _normalise(spec), labels, source)
    return out


def _auto_kind(frame, item, labels) -> str:
    t = labels.type_of(item)
    if t == "multi" or (item not in frame.columns and _multi_cols(frame, item)):
        return "multi"
    if t == "nps_0_10":
        return "nps"
    s = _frame_col(frame, item, "rows")
    if isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(s.dtype) or \
            pd.api.types.is_string_dtype(s.dtype) or s.dtype == object:
        return "levels"
    if t in ("likert", "rating", "single") and labels._item(item) is not None and \
            getattr(labels._item(item), "levels", None):
        return "levels"
    return "mean"


def _scale_codes(frame, item, labels, spec) -> tuple[np.ndarray, list]:
    """Numeric positions of an ordered item and its full list of scale points."""
    s = _frame_col(frame, item, "rows")
    x = _numeric(s, item)
    if isinstance(s.dtype, pd.CategoricalDtype):
        return x, list(range(1, len(s.cat.categories) + 1))
    sc = spec.get("item_range")
    it = labels._item(item)
    if sc is None and it is not None:
        lo, hi = getattr(it, "scale_min", None), getattr(it, "scale_max", None)
        if lo is not None and hi is not None:
            sc = (lo, hi)
        elif getattr(it, "levels", None):
            codes = [lv.code for lv in it.levels if lv.code is not None]
            sc = (min(codes), max(codes)) if codes else None
    if sc is None:
        raise ValueError(f"rows: the scale of {item!r} is unknown (no codebook scale); pass "
                         f"{{'kind': '{spec['kind']}', 'item': {item!r}, 'item_range': (1, 5)}}")
    lo, hi = int(sc[0]), int(sc[1])
    ok = np.isfinite(x)
    if (ok & ((x < lo) | (x > hi))).any():
        bad = sorted(set(x[ok & ((x < lo) | (x > hi))].tolist()))[:5]
        raise ValueError(f"rows: item {item!r} has value(s) {bad} outside its scale {lo}..{hi}")
    return x, list(range(lo, hi + 1))


def _rows_of(frame, spec, labels: Labels, source) -> list[Quantity]:
    """The quantities (banner rows) of one row spec, by kind."""
    item, kind = spec["item"], spec["kind"]
    if kind == "auto":
        kind = _auto_kind(frame, item, labels)
    blabel = spec.get("label") if kind != "net" else None
    blabel = blabel or labels.item(item)
    block = spec.get("block", item)
    if kind == "multi":
        return _multi_rows(frame, item, labels, block, blabel)
    s = _frame_col(frame, item, "rows")
    if kind == "levels":
        return _level_rows(frame, s, spec, labels, source, block, blabel)
    if kind in ("top", "bottom"):
        return _box_rows(frame, s, spec, kind, labels, block, blabel)
    if kind == "net":
        return _net_rows(s, spec, labels, block)
    if kind == "mean":
        x = _numeric(s, item)
        ok = np.isfinite(x)
        return [Quantity(block, blabel, "mean", item, "mean", spec.get("row_label", "Mean"),
                         np.where(ok, x, 0.0), ok, "mean")]
    if kind == "nps":
        cut = nps_cutoffs(source, item, spec.get("promoters"), spec.get("detractors"),
                          item_range=spec.get("item_range"))
        code = nps_code(s, cut)
        ok = np.isfinite(code)
        return [Quantity(block, blabel, "nps", item, "nps", spec.get("row_label", "NPS"),
                         np.where(ok, code, 0.0), ok, "nps", cut.describe())]
    raise ValueError(f"rows: unknown kind {kind!r} for {item!r}")


def _multi_rows(frame, item, labels: Labels, block, blabel) -> list[Quantity]:
    """One row per option of a multi-select item: the share of those who answered."""
    res: list[Quantity] = []
    cols = _multi_cols(frame, item)
    if not cols:
        raise ValueError(f"rows: multi-select item {item!r} has no '{item}__<option>' "
                         "columns in the data")
    M = []
    for c in cols:
        s = frame[c]
        if not (pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype)):
            raise TypeError(f"rows: multi-select column {c!r} has dtype {s.dtype}, not "
                            "booleans")
        v = pd.to_numeric(s.astype("Float64"), errors="coerce").to_numpy(
            dtype=float, na_value=np.nan)
        if (np.isfinite(v) & (v != 0) & (v != 1)).any():
            raise ValueError(f"rows: multi-select column {c!r} holds values other than "
                             "0/1/True/False")
        M.append(v)
    M = np.column_stack(M)
    valid = np.isfinite(M).any(axis=1)   # base: respondents who answered the question
    for c, v in zip(cols, M.T, strict=True):
        opt = c[len(item) + 2:]
        res.append(Quantity(block, blabel, "option", item, opt, labels.level(item, opt),
                            np.where(valid, np.nan_to_num(v), 0.0), valid, "share",
                            "share of respondents who answered the question"))
    return res


def _level_rows(frame, s, spec, labels: Labels, source, block, blabel) -> list[Quantity]:
    """One row per level (every codebook level, answered or not), then the spec's nets."""
    item = spec["item"]
    res: list[Quantity] = []
    vals, codes = _levels_of(s, item, "rows")
    it = labels._item(item)
    book = [lv.code for lv in getattr(it, "levels", None) or []
            if getattr(lv, "code", None) is not None]
    if book and not isinstance(s.dtype, pd.CategoricalDtype) and \
            pd.api.types.is_numeric_dtype(s.dtype):
        # every codebook level is a row, answered or not; other codes are an error
        extra = sorted(set(vals) - set(float(c) for c in book))
        if extra:
            raise ValueError(f"rows: item {item!r} has code(s) {extra[:5]} that are not "
                             f"levels of its codebook ({book})")
        vals = list(book)
        codes = np.asarray(pd.Categorical(pd.to_numeric(s).astype(float),
                                          categories=[float(c) for c in book]).codes,
                           dtype=np.intp)
    valid = codes >= 0
    for j, v in enumerate(vals):
        res.append(Quantity(block, blabel, "level", item, _fmt_code(v),
                            labels.level(item, v), (codes == j).astype(float), valid,
                            "share"))
    for name, levs in (spec.get("nets") or {}).items():
        res += _rows_of(frame, {"kind": "net", "item": item, "levels": levs, "label": name,
                                "block": block}, labels, source)
    return res


def _box_rows(frame, s, spec, kind, labels: Labels, block, blabel) -> list[Quantity]:
    """Top-k or bottom-k box of an ordered item as one share row."""
    item = spec["item"]
    k = int(spec.get("k", 2))
    x, points = _scale_codes(frame, item, labels, spec)
    if not 1 <= k < len(points):
        raise ValueError(f"rows: {kind}{k} of {item!r} needs 1 <= k < {len(points)} "
                         "scale points")
    chosen = points[-k:] if kind == "top" else points[:k]
    if isinstance(s.dtype, pd.CategoricalDtype):
        names = [labels.level(item, s.cat.categories[p - 1]) for p in chosen]
    else:
        names = [labels.level(item, p) for p in chosen]
    text = f"{'Top' if kind == 'top' else 'Bottom'}-{k} ({', '.join(names)})"
    ok = np.isfinite(x)
    y = np.where(ok, np.isin(x, chosen), False).astype(float)
    return [Quantity(block, blabel, "net", item, f"{kind}{k}", spec.get("label") or text,
                     y, ok, "share")]


def _net_rows(s, spec, labels: Labels, block) -> list[Quantity]:
    """A custom net: the share answering any of the given levels."""
    item = spec["item"]
    levs = spec.get("levels")
    if levs is None or isinstance(levs, str) or not list(levs):
        raise ValueError(f"rows: net of {item!r} needs levels= (a list of level values or "
                         f"codes), got {levs!r}")
    levs = list(levs)
    if isinstance(s.dtype, pd.CategoricalDtype):
        unknown = [v for v in levs if v not in list(s.cat.categories)]
        if unknown:
            raise ValueError(f"rows: net levels {unknown} are not levels of {item!r} "
                             f"({list(s.cat.categories)})")
        ok = s.notna().to_numpy()
        y = s.isin(levs).to_numpy(dtype=bool)
    else:
        x = _numeric(s, item)
        ok = np.isfinite(x)
        y = np.isin(x, np.asarray(levs, dtype=float))
    label = spec.get("label") or "Net: " + ", ".join(labels.level(item, v) for v in levs)
    return [Quantity(block, labels.item(item), "net", item, str(label), str(label),
                     (y & ok).astype(float), ok, "share")]
