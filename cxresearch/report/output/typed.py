"""A saved table's text cells turned back into typed, labelled cells for a tabulation.

``save_table`` writes what a reader sees (``0.36``, ``[0.33, 0.40]``, ``<0.001``, ``<5``,
``–``). A workbook must hold numbers with number formats instead: this module reads those
cells back as numbers with the decimals shown, chooses the format from what the row measures
(a share: percent; an NPS: a signed integer; a mean: fixed decimals), splits an interval into
two numeric columns, keeps suppression marks and ``<0.001`` as text, puts the ``method`` column
into footnotes, and writes headers, items and answers in the codebook's words.

The value stored in a cell is the value shown in the saved table (rounded as printed): the
workbook never shows a precision the table did not publish.

Examples
--------
>>> import pandas as pd
>>> from cxresearch.report.output.typed import typed_table
>>> t = typed_table(pd.DataFrame({"estimate": ["0.36"], "95% CI": ["[0.33, 0.40]"],
...                               "method": ["proportion; logit CI"]}))
>>> t.headers, [c.fmt for c in t.rows[0]]
(['Estimate', '95% CI low', '95% CI high'], ['pct0', 'pct0', 'pct0'])
>>> # In R: openxlsx::createStyle(numFmt = "0%") on a numeric column
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["TypedCell", "TypedTable", "column_header", "typed_table"]

_NUM = re.compile(r"^[-+\u2212]?\d+(?:\.(\d+))?$")
_CI = re.compile(r"^\[\s*([^,\]]+)\s*,\s*([^\]]+)\s*\]$")
_CI_HEAD = re.compile(r"^\d+(?:\.\d+)?% CI$")
_P = {"p", "p_value", "pvalue", "p_adj", "p_adjusted", "p.value", "pval", "p_total"}
_COUNTS = {"n", "count", "counts", "n_respondents", "unweighted_n", "frequency", "base"}
_HEAD = {
    "term": "Term", "level": "Answer", "item": "Item", "estimate": "Estimate",
    "se": "Std. error", "n": "Base (n)", "n_eff": "Effective base", "deff": "Design effect",
    "p_value": "p-value", "p": "p-value", "p_adj": "Adjusted p", "p_adjusted": "Adjusted p",
    "difference": "Difference", "diff": "Difference", "driver": "Driver",
    "importance": "Importance", "share": "Share", "rank": "Rank", "measure": "Measure",
    "mean": "Mean", "pomp": "POMP (0\u2013100)", "scale_min": "Scale minimum",
    "scale_max": "Scale maximum", "metric": "Metric", "value": "Value", "bound": "Bound",
    "wave": "Wave", "group": "Group", "statistic": "Statistic", "df": "df", "count": "Count",
    "variable": "Variable", "label": "Label", "id": "Identifier", "index": "Index",
    "alpha": "Cronbach's \u03b1", "omega": "McDonald's \u03c9", "odds_ratio": "Odds ratio",
    "coef": "Coefficient", "r": "Correlation", "t": "t", "z": "z", "chi2": "\u03c7\u00b2",
    "published": "Published", "reconstructed": "Reconstructed", "observed": "Observed",
}
_LABEL_COLUMNS = ("item", "term", "variable", "driver", "metric", "measure", "index", "scale",
                  "dimension")


@dataclass
class TypedCell:
    """One cell: ``value`` (float, str or None) and ``fmt`` (``text``, ``int``, ``pct0``,
    ``pct1``, ``signed``, ``dec<k>``, ``p``)."""

    value: object
    fmt: str = "text"


@dataclass
class TypedTable:
    """Headers in words, rows of :class:`TypedCell`, footnotes, and which columns are
    numeric (right-aligned)."""

    headers: list[str]
    rows: list[list[TypedCell]]
    footnotes: list[str] = field(default_factory=list)
    numeric: list[bool] = field(default_factory=list)
    bases: list[float] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)


def column_header(col, labeller=None) -> str:
    """A column name in words: tidy names from a fixed list, items from the codebook."""
    key = str(col)
    if key.lower() in _HEAD:
        return _HEAD[key.lower()]
    if labeller is not None:
        return labeller.column(key)
    from cxresearch.report.charts.base import pretty

    return pretty(key)


def _decimals(text: str) -> int:
    m = _NUM.match(text)
    return len(m.group(1) or "") if m else 0


def _number(text: str):
    t = text.strip().replace("\u2212", "-")
    if _NUM.match(t):
        return float(t)
    return None


def _row_kind(method: str) -> str | None:
    m = method.lower()
    if "nps" in m or "net promoter" in m:
        return "nps"
    if m.startswith("proportion") or "column share" in m or " proportion" in m:
        return "share"
    return None


def _value_cell(text: str, kind: str | None, role: str) -> TypedCell:
    """``role``: ``stat`` (estimate-like), ``se``, ``count``, ``p``, ``share`` or ``other``."""
    s = str(text).strip()
    if s == "" or s.lower() == "nan":
        return TypedCell(None, "text")
    x = _number(s)
    if x is None:
        return TypedCell(s, "text")
    k = _decimals(s.lstrip("+-\u2212"))
    if role == "count":
        return TypedCell(x, "int")
    if role == "p":
        return TypedCell(x, "p")
    if role == "share" or (kind == "share" and role in ("stat", "se")):
        return TypedCell(x, "pct1" if k >= 3 else "pct0")
    if kind == "nps" and role == "stat":
        return TypedCell(x, "signed")
    if kind == "nps" and role == "se":
        return TypedCell(x, "dec1")
    return TypedCell(x, f"dec{k}")


def _role(col: str) -> str:
    low = col.lower()
    if low in _COUNTS or (low.startswith("n_") and low != "n_eff"):
        return "count"
    if low in _P or (low.startswith("p_") and low != "p_hat"):
        return "p"
    if low == "share" or low.endswith("_share"):
        return "share"
    if low == "se":
        return "se"
    if low in ("estimate", "difference", "diff", "mean", "ci_low", "ci_high", "change"):
        return "stat"
    return "other"


def _label(labeller, col: str, value: str, row: dict) -> str:
    if col == "level" and value in ("True", "False"):
        return "Selected" if value == "True" else "Not selected"
    if value == "" or labeller is None:
        return value
    if col == "level":
        owner = next((row[c] for c in ("item", "term", "variable") if row.get(c)), None)
        return labeller.level(owner, value) if owner else labeller.value(None, value)
    if col in _LABEL_COLUMNS or labeller._item(col) is not None:
        return labeller.value(col, value)
    return value


def _shares_by_row(data: pd.DataFrame, plan) -> bool:
    """A crosstab of shares: every numeric cell in [0, 1] and every row adding to 1 (as
    printed, within rounding), e.g. outcome levels across, groups down."""
    cols = [c for c, how in plan if how == "num" and _role(c) == "other"]
    if len(cols) < 2 or len(data) == 0:
        return False
    for rec in data[cols].to_dict("records"):
        vals = [_number(v) for v in rec.values()]
        if any(v is None or not 0 <= v <= 1 for v in vals):
            return False
        if abs(sum(vals) - 1) > 0.005 * len(vals) + 1e-9:
            return False
    return True


def typed_table(df: pd.DataFrame, labeller=None) -> TypedTable:
    """Typed, labelled cells of a table of text cells (as ``save_table`` wrote it).

    Parameters
    ----------
    df : DataFrame
        The table as text (a saved table's CSV read with ``dtype=str``).
    labeller : Labeller, optional
        The codebook's words (:class:`cxresearch.report.charts.labels.Labeller`).

    Returns
    -------
    TypedTable
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a DataFrame, got {type(df).__name__}")
    data = df.astype(object).where(df.notna(), "").astype(str)
    cols = [str(c) for c in data.columns]
    data.columns = cols
    methods = list(data["method"]) if "method" in cols else [""] * len(data)
    kinds = [_row_kind(m) for m in methods]
    if "level" in cols:  # a multi-select option (selected / not): the row is a share
        kinds = [k or ("share" if lv in ("True", "False") else None)
                 for k, lv in zip(kinds, data["level"], strict=True)]
    footnotes = []
    distinct = list(dict.fromkeys(m for m in methods if m))
    if distinct:
        footnotes += [f"Method: {m}" for m in distinct]
    keep = [c for c in cols if c != "method" and (data[c].str.strip() != "").any()]
    headers, numeric, plan = [], [], []
    for c in keep:
        vals = [v.strip() for v in data[c]]
        is_ci = bool(_CI_HEAD.match(c)) or (
            any(vals) and all(v == "" or v == "\u2013" or _CI.match(v) for v in vals)
            and any(_CI.match(v) for v in vals))
        if is_ci:
            head = c if _CI_HEAD.match(c) else column_header(c, labeller)
            headers += [f"{head} low", f"{head} high"]
            numeric += [True, True]
            plan.append((c, "ci"))
            continue
        nums = [v for v in vals if v not in ("", "\u2013") and not v.startswith("<")]
        is_num = bool(nums) and all(_number(v) is not None for v in nums)
        headers.append(column_header(c, labeller))
        numeric.append(is_num)
        plan.append((c, "num" if is_num else "text"))
    if not any(kinds) and _shares_by_row(data, plan):
        kinds = ["share"] * len(data)
        plan = [(c, "share" if how == "num" and _role(c) == "other" else how)
                for c, how in plan]
    rows = []
    bases = []
    for i, rec in enumerate(data.to_dict("records")):
        out = []
        for c, how in plan:
            v = rec[c].strip()
            if how == "ci":
                m = _CI.match(v)
                if m:
                    out += [_value_cell(m.group(1), kinds[i], "stat"),
                            _value_cell(m.group(2), kinds[i], "stat")]
                else:
                    out += [TypedCell(v or None), TypedCell(v or None)]
            elif how in ("num", "share"):
                role = "share" if how == "share" else _role(c)
                out.append(_value_cell(v, kinds[i], role))
                if role == "count" and c.lower() in ("n", "base") and _number(v) is not None:
                    bases.append(float(_number(v)))
            else:
                out.append(TypedCell(_label(labeller, c, v, rec) or None))
        rows.append(out)
    return TypedTable(headers, rows, footnotes, numeric, bases, distinct)
