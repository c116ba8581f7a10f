"""Item scales for the CX indices (private helper of :mod:`cxresearch.statistics.estimates.indices`).

:func:`item_scale_of` reads an item's answers on a scale it knows — ``item_range=``, else the
codebook's ``scale_min``/``scale_max`` (or level codes), else an ordered categorical's
categories, else an explicit fallback — and refuses a numeric column with no known scale.
Reverse-keyed items (codebook ``reverse: true`` or ``reverse=``) are mirrored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxresearch.sampling.design import Design
from cxresearch.statistics.design.resolve import refuse_infinite
from cxresearch.statistics.estimates.recommend import declared_scale

__all__: list[str] = []


def check_range(item_range) -> tuple[int, int]:
    try:
        lo, hi = item_range
        ok = float(lo).is_integer() and float(hi).is_integer() and lo < hi
    except (TypeError, ValueError):
        ok = False
    if not ok or isinstance(lo, bool) or isinstance(hi, bool):
        raise ValueError(f"item_range must be (lowest, highest) whole numbers, got "
                         f"{item_range!r}")
    return int(lo), int(hi)


@dataclass(frozen=True)
class ItemScale:
    x: np.ndarray        # answer codes as floats, already mirrored when reversed
    ok: np.ndarray       # valid answers
    lo: int
    hi: int
    reversed: bool
    source: str          # where the scale came from (for method)


def item_scale_of(des: Design, instrument, item: str, item_range, reverse, fallback=None,
                   fallback_text: str = "") -> ItemScale:
    """An item's answers on its known scale: ``item_range`` > codebook > ordered categorical >
    ``fallback``; otherwise ``ValueError`` naming the item and how to give the scale.

    ``reverse`` None follows the codebook's ``reverse:`` (False without one); True/False
    override. Reversed answers are mirrored, ``lo + hi - x``, so that high is favourable.
    """
    it = getattr(instrument, "items", {}).get(item) if instrument is not None else None
    s = des.column(item)
    if pd.api.types.is_bool_dtype(s.dtype):
        raise TypeError(f"item {item!r} is boolean, not a rating scale")
    if isinstance(s.dtype, pd.CategoricalDtype):
        if not s.cat.ordered:
            raise TypeError(f"item {item!r} is an unordered categorical; an ordered scale is "
                            "needed")
        x = s.cat.codes.to_numpy().astype(float)
        x[x < 0] = np.nan
        x = x + 1
        lo, hi, src = 1, len(s.cat.categories), "ordered categories"
        if item_range is not None and check_range(item_range) != (lo, hi):
            raise ValueError(f"item_range={item_range!r} does not fit item {item!r}, an "
                             f"ordered categorical with {hi} categories (coded 1..{hi})")
    else:
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            raise TypeError(f"item {item!r} is not numeric (dtype {s.dtype})")
        x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        refuse_infinite(x, f"item {item!r}")
        declared = declared_scale(it) if it is not None else None
        if item_range is not None:
            (lo, hi), src = check_range(item_range), "item_range"
        elif declared is not None:
            (lo, hi), src = declared, "codebook scale"
        elif fallback is not None:
            (lo, hi), src = fallback, fallback_text
        else:
            raise ValueError(f"item {item!r} has no known scale: pass item_range=(lowest, "
                             "highest) (or coding= for likert_index), or give a Wave whose "
                             "codebook declares the item's scale")
    ok = np.isfinite(x)
    bad = ok & ((x < lo) | (x > hi) | (x != np.round(x)))
    if bad.any():
        vals = sorted(set(x[bad].tolist()))[:10]
        raise ValueError(f"item {item!r} has value(s) {vals} outside its scale {lo}..{hi} "
                         f"({int(bad.sum())} row(s)); recode them or declare them missing")
    rev = bool(getattr(it, "reverse", False)) if reverse is None else bool(reverse)
    if rev:
        x = np.where(ok, lo + hi - x, np.nan)
    return ItemScale(x, ok, int(lo), int(hi), rev, src)


def parse_coding(coding: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", str(coding))
    if not m or int(m.group(1)) >= int(m.group(2)):
        raise ValueError(f"coding must look like '1-5' or '0-4', got {coding!r}")
    return int(m.group(1)), int(m.group(2))


def dimensions(items, instrument) -> dict[str, list[str]]:
    if isinstance(items, str):
        idx = getattr(instrument, "indices", None) if instrument is not None else None
        if not idx or items not in idx:
            known = sorted(idx) if idx else []
            raise ValueError(f"items={items!r} is not an index of the codebook (indices: "
                             f"{known}); pass a list of item columns or a Wave")
        idef = idx[items]
        return {items: list(getattr(idef, "items", idef))}
    if isinstance(items, dict):
        return {str(k): list(v) for k, v in items.items()}
    if items is None or isinstance(items, int | float | bool) or not hasattr(items, "__iter__"):
        raise TypeError(f"items must be a list of item columns, an index name or a dict, got "
                        f"{items!r}")
    items = list(items)
    if not items:
        raise ValueError("items is empty")
    return {"index": items}


def reverse_set(reverse, cols) -> dict[str, bool | None]:
    if reverse is None:
        return dict.fromkeys(cols)
    if isinstance(reverse, str):
        reverse = [reverse]
    rev = set(reverse)
    unknown = sorted(rev - set(cols))
    if unknown:
        raise ValueError(f"reverse={sorted(rev)!r} names item(s) {unknown} that are not in "
                         f"the index ({cols})")
    return {c: c in rev for c in cols}
