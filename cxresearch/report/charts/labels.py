"""Chart labels in the codebook's words.

A :class:`Labeller` turns the values a chart draws (item ids, answer levels, index names,
multi-select options, model terms) into the text a reader should see, in a chosen language:

* an item: its ``short`` label, else its wording when that is short enough for a label, else
  a tidied id (``csat_pct`` -> "CSAT pct");
* a level of a coded item: the level's ``short`` label, else its label (``provider_a`` ->
  "Provider A" as the codebook writes it, not "Provider a");
* an index (``measure``): the index ``label``;
* an option of a multi-select item (``top_trends__ai``): "<item>: <option label>";
* a model term (``servicetypecontract``, ``service_type[T.contract]``,
  ``C(service_type)[T.contract]``): "Service type: contract";
* anything else, or without a codebook: :func:`~cxresearch.report.charts.base.pretty`.

Explicit ``labels={value: text}`` always win.
"""

from __future__ import annotations

import re

from cxresearch.report.charts.base import pretty

__all__ = ["Labeller", "check_xlim", "common_prefix", "labeller"]

WORDING_MAX = 60  # a wording longer than this is a question, not a label


def _codebook(source):
    """The Instrument behind a Wave, an Instrument, a codebook name, or None."""
    if source is None:
        return None
    if hasattr(source, "items") and not hasattr(source, "instrument"):
        return source
    inst = getattr(source, "instrument", None)
    if inst is not None:
        return inst
    if isinstance(source, str):
        from cxresearch.codebooks.instrument import load_instrument

        return load_instrument(source)
    raise TypeError(f"codebook must be a Wave, an Instrument or a codebook name, got "
                    f"{type(source).__name__}")


def _pick(d, lang):
    if not d:
        return None
    if isinstance(d, str):
        return d
    return d.get(lang) or d.get("en")


class Labeller:
    """Display text for chart values from a codebook (see the module docstring)."""

    def __init__(self, codebook=None, lang: str | None = "en", labels: dict | None = None):
        if lang is not None and not isinstance(lang, str):
            raise TypeError(f"lang must be a language code such as 'en', got {lang!r}")
        if labels is not None and not isinstance(labels, dict):
            raise TypeError(f"labels must be a dict value -> text, got {type(labels).__name__}")
        self.inst = _codebook(codebook)
        self.lang = lang or "en"
        self.labels = {str(k): str(v) for k, v in (labels or {}).items()}

    # -- look-ups
    def _item(self, item_id):
        items = getattr(self.inst, "items", None) or {}
        try:
            return items.get(str(item_id))
        except AttributeError:  # pragma: no cover - items is always a dict
            return None

    def item(self, item_id) -> str:
        """Label of an item (or index) id."""
        key = str(item_id)
        if key in self.labels:
            return self.labels[key]
        it = self._item(key)
        if it is not None:
            short = _pick(getattr(it, "short", None), self.lang)
            if short:
                return short
            wording = _pick(getattr(it, "wording", None), self.lang)
            if wording and len(wording) <= WORDING_MAX and not wording.rstrip().endswith("?"):
                return wording
            return pretty(key)
        info = (getattr(self.inst, "index_info", None) or {}).get(key)
        if info:
            lab = _pick(info.get("short"), self.lang) or _pick(info.get("label"), self.lang)
            if lab:
                return lab
        if "__" in key and self.inst is not None:
            base, opt = key.split("__", 1)
            it = self._item(base)
            if it is not None:
                for op in getattr(it, "options", []) or []:
                    if op.value == opt:
                        return f"{self.item(base)}: {op.label(self.lang)}"
        return pretty(key)

    def level(self, item_id, value) -> str:
        """Label of answer ``value`` (its ``value`` name or integer code) of ``item_id``."""
        key = str(value)
        if key in self.labels:
            return self.labels[key]
        it = self._item(item_id)
        for lv in (getattr(it, "levels", None) or []) if it is not None else []:
            if lv.value == key or str(lv.code) == key:
                short = _pick(getattr(lv, "short", None), self.lang)
                return short or _pick(lv.labels, self.lang) or lv.value
        return pretty(key)

    def value(self, column, value) -> str:
        """Label of ``value`` drawn from ``column`` of a tidy table."""
        key = str(value)
        if key in self.labels:
            return self.labels[key]
        if column is not None and self._item(column) is not None and \
                getattr(self._item(column), "levels", None):
            return self.level(column, value)
        if column in ("term", "variable"):
            return self.term(value)
        if self.inst is not None and (self._item(key) is not None or "__" in key or
                                      key in (getattr(self.inst, "index_info", None) or {})):
            return self.item(key)
        return pretty(key)

    def column(self, column) -> str:
        """Label of a column name (an item, an index, or a tidy column)."""
        return self.item(column)

    def term(self, term) -> str:
        """A model term as "Item: level" (``servicetypecontract`` -> "Service type: contract")."""
        key = str(term)
        if key in self.labels:
            return self.labels[key]
        m = re.fullmatch(r"(?:C\()?([A-Za-z0-9_.]+?)\)?\[T\.(.+)\]", key)
        if m:
            return f"{self.item(m.group(1))}: {self.level(m.group(1), m.group(2))}"
        if self._item(key) is not None:
            return self.item(key)
        items = getattr(self.inst, "items", None) or {}
        for cand in sorted(items, key=len, reverse=True):  # longest prefix first
            squashed = cand.replace("_", "")
            for prefix in (cand, squashed):
                if key.startswith(prefix) and len(key) > len(prefix):
                    rest = key[len(prefix):].lstrip("_")
                    lv = self._match_level(cand, rest)
                    if lv is not None:
                        return f"{self.item(cand)}: {lv}"
        if ":" in key:  # an interaction
            return " \u00d7 ".join(self.term(p) for p in key.split(":"))
        return pretty(key)

    def _match_level(self, item_id, rest):
        it = self._item(item_id)
        for lv in getattr(it, "levels", None) or []:
            if rest in (lv.value, lv.value.replace("_", ""), str(lv.code)):
                return self.level(item_id, lv.value)
        return None

    # -- tables
    def _known(self, key: str) -> bool:
        if self._item(key) is not None or key in (getattr(self.inst, "index_info", None) or {}):
            return True
        return "__" in key and self._item(key.split("__", 1)[0]) is not None

    def _coded(self, column) -> bool:
        it = self._item(column)
        return it is not None and bool(getattr(it, "levels", None))

    def frame(self, df):
        """A copy of a tidy table with its ids in the codebook's words.

        ``item``/``index``/``measure``/``outcome`` values that are item or index ids get their
        label,
        ``term``/``variable`` values their term label, ``level`` values the level label of the
        row's item (its ``item``, else ``term`` column), and the values of a column named after a coded item (a ``by=`` column)
        their level labels. Values the codebook does not know are left as they are. Headers
        are renamed by :meth:`headers`.
        """
        out = df.copy()
        owner = next((c for c in ("item", "term", "variable") if c in df.columns), None)
        for col in out.columns:
            key = str(col)
            if key in ("item", "index", "measure", "outcome"):
                out[col] = [self.item(v) if isinstance(v, str) and self._known(v) else v
                            for v in out[col]]
            elif key in ("term", "variable"):
                out[col] = [self.term(v) if isinstance(v, str) else v for v in out[col]]
            elif key == "level" and owner is not None:
                out[col] = [self.level(i, v) if isinstance(i, str) and self._coded(i)
                            and v is not None and v == v else v
                            for i, v in zip(df[owner], df[col], strict=True)]
            elif self._coded(key):
                out[col] = [self.level(key, v) if v is not None and v == v else v
                            for v in out[col]]
        return out

    def headers(self, columns) -> dict:
        """``{column: label}`` for the columns named after an item or index of the codebook."""
        return {c: self.item(c) for c in columns if isinstance(c, str) and self._known(c)}

    def scale(self, item_id) -> tuple[float, float] | None:
        """``(scale_min, scale_max)`` of a rating item or index (its items' common range)."""
        it = self._item(item_id)
        ids = [str(item_id)] if it is not None else list(
            (getattr(self.inst, "indices", None) or {}).get(str(item_id), []))
        ranges = set()
        for i in ids:
            x = self._item(i)
            lo, hi = getattr(x, "scale_min", None), getattr(x, "scale_max", None)
            if lo is None or hi is None:
                return None
            ranges.add((float(lo), float(hi)))
        return ranges.pop() if len(ranges) == 1 else None


def labeller(codebook=None, lang: str | None = "en", labels: dict | None = None,
             data=None) -> Labeller:
    """A :class:`Labeller` from ``codebook=`` or, failing that, the Wave the chart draws."""
    if codebook is None and data is not None and getattr(data, "instrument", None) is not None:
        codebook = data
    return Labeller(codebook, lang, labels)


def check_xlim(xlim, log: bool = False):
    """``xlim`` as two finite increasing floats (positive on a log axis), or None."""
    if xlim is None:
        return None
    try:
        lo, hi = (float(v) for v in xlim)
    except (TypeError, ValueError):
        raise ValueError(f"xlim must be a pair (low, high) of numbers, got {xlim!r}") from None
    import math

    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi) or (log and lo <= 0):
        raise ValueError(f"xlim must be finite with low < high{' and low > 0 (log axis)' if log else ''}, "
                         f"got {xlim!r}")
    return lo, hi


def common_prefix(texts: list[str]) -> tuple[str | None, list[str]]:
    """``("Top trends", ["AI", "Omnichannel"])`` from ``["Top trends: AI", "Top trends:
    Omnichannel"]``: the "Question: " part every label shares, and the labels without it
    (unchanged, with None, when there is no such shared part or only one label)."""
    heads = {t.split(": ", 1)[0] for t in texts if ": " in t}
    if len(texts) < 2 or len(heads) != 1 or not all(": " in t for t in texts):
        return None, list(texts)
    head = heads.pop()
    rest = [t.split(": ", 1)[1] for t in texts]
    return head, [r[:1].upper() + r[1:] for r in rest]
