"""Formatting of publication tables: rounding rules, confidence intervals, p-values,
small-cell suppression, and the LaTeX (booktabs) and HTML renderings used by
:func:`cxresearch.save_table`.

Rounding rules (one place, so that every table agrees)
    * numbers are rounded half away from zero on their decimal representation
      (2.675 -> 2.68, as a reader rounding the printed digits would), never banker's rounding;
    * percentages (``"pct"``: values already in percent; ``"prop"``: proportions shown as
      percent) with 1 decimal;
    * estimates, standard errors and CI bounds with ``estimate_decimals`` (default 2) unless the
      column has its own spec; ``n_eff`` 1 decimal, ``deff`` 2 decimals;
    * counts as integers with a thin thousands separator-free plain form (``1234``);
    * p-values with 3 decimals, below 0.001 as ``<0.001``;
    * a CI as ``[low, high]`` in the estimate's format, in one column;
    * missing values as an empty cell.

Small-cell suppression
    Cells of the ``count_columns`` below ``k`` (``suppress_below``) are shown as ``<k``; every
    statistic based on them (by default all other numeric cells of the row; or as mapped by
    ``based_on``) is replaced by ``–``, and a note says so. Secondary (complementary)
    suppression is not applied: when a total is published beside suppressed cells, a suppressed
    count may be recoverable by subtraction; suppress or drop totals yourself in that case.
"""

from __future__ import annotations

import html
import math
from decimal import ROUND_HALF_UP, Decimal, localcontext

import numpy as np
import pandas as pd

__all__ = ["ReaderTable", "format_table", "latex_escape", "latex_unsupported", "round_half_up", "show_table",
           "to_html", "to_latex"]

SUPPRESSED = "\u2013"
_P_NAMES = {"p", "p_value", "pvalue", "p_adj", "p_adjusted", "p.value", "pval"}
_COUNT_NAMES = {"n", "count", "counts", "n_respondents", "unweighted_n", "frequency"}


def round_half_up(x: float, decimals: int) -> str:
    """``x`` rounded half away from zero to ``decimals`` places, as text."""
    try:
        xf = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(xf):
        return ""
    if math.isinf(xf):
        return "\u221e" if xf > 0 else "\u2212\u221e"
    d = Decimal(repr(xf))
    q = Decimal(1).scaleb(-decimals)
    with localcontext() as ctx:
        ctx.prec = max(28, d.adjusted() + decimals + 5)
        out = d.copy_abs().quantize(q, rounding=ROUND_HALF_UP)
    s = f"{out:.{decimals}f}"
    return ("-" + s) if d < 0 and out != 0 else s


def format_p(p: float) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)) or pd.isna(p):
        return ""
    p = float(p)
    if not 0 <= p <= 1:
        raise ValueError(f"p-values must lie in [0, 1], got {p}")
    return "<0.001" if p < 0.001 else round_half_up(p, 3)


def _spec_for(col: str, formats: dict, count_cols: list, estimate_decimals: int):
    if col in formats:
        return formats[col]
    low = str(col).lower()
    if col in count_cols:
        return "count"
    if low in _P_NAMES or low.startswith("p_") and low not in ("p_hat",):
        return "p"
    if low.endswith("pct") or "percent" in low or "%" in low:
        return "pct"
    if low == "n_eff":
        return 1
    if low == "deff":
        return 2
    return estimate_decimals


def _fmt_value(v, spec) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if callable(spec):
        return str(spec(v))
    if isinstance(v, (str, bool, np.bool_)):
        return str(v)
    if spec == "p":
        return format_p(v)
    if spec == "count":
        return str(int(round(float(v))))
    if spec == "pct":
        return round_half_up(float(v), 1)
    if spec == "prop":
        return round_half_up(100 * float(v), 1)
    if isinstance(spec, str) and spec.startswith("{"):
        return spec.format(v)
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        if isinstance(v, (int, np.integer)):
            return str(v)
        return round_half_up(float(v), int(spec))
    raise ValueError(f"unknown format spec {spec!r}: use 'pct', 'prop', 'p', 'count', a number "
                     "of decimals, a format string or a callable")


def _auto_counts(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if str(c).lower() in _COUNT_NAMES
            or (str(c).lower().startswith("n_") and str(c).lower() not in ("n_eff",))]


def format_table(
    df: pd.DataFrame,
    *,
    count_columns=None,
    suppress_below: int | None = 5,
    based_on: dict | None = None,
    formats: dict | None = None,
    estimate_decimals: int = 2,
    ci: tuple[str, str] | None = ("ci_low", "ci_high"),
    ci_label: str = "95% CI",
    index: bool = False,
    drop_empty: bool = False,
    footnote=(),
) -> tuple[pd.DataFrame, dict]:
    """The table as text cells, plus ``info`` (notes, suppressed cells, alignment).

    ``drop_empty=True`` drops columns whose every cell is empty (all missing); the columns in
    ``footnote`` (e.g. ``("method",)``) leave the table and their distinct values become one
    note each ("Method: ..."), so long method descriptions are neither repeated nor truncated.

    Returns
    -------
    (DataFrame of str, dict)
        ``info`` has ``notes`` (list of str), ``suppressed`` (number of cells hidden, counts and
        statistics), ``small_counts`` (number of count cells below k), ``numeric`` (column ->
        bool, for right alignment) and ``count_columns``.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    if suppress_below is not None and (isinstance(suppress_below, bool) or
                                       not isinstance(suppress_below, (int, np.integer))
                                       or suppress_below < 1):
        raise ValueError(f"suppress_below must be a positive integer or None, got "
                         f"{suppress_below!r}")
    data = df.reset_index() if index else df.reset_index(drop=True)
    if data.columns.duplicated().any():
        raise ValueError(f"duplicate column names: {list(data.columns[data.columns.duplicated()])}")
    formats = dict(formats or {})
    counts = list(count_columns) if count_columns is not None else _auto_counts(data)
    for c in counts:
        if c not in data.columns:
            raise ValueError(f"count_columns: {c!r} is not a column; columns are "
                             f"{list(data.columns)}")
    based_on = dict(based_on or {})
    for s, c in based_on.items():
        if s not in data.columns or c not in counts:
            raise ValueError(f"based_on maps {s!r} -> {c!r}: both must be columns and the "
                             "second a count column")
    numeric = {c: bool(pd.api.types.is_numeric_dtype(data[c])) and
               not pd.api.types.is_bool_dtype(data[c]) for c in data.columns}
    k = suppress_below
    small = pd.DataFrame(False, index=data.index, columns=counts)
    if k is not None:
        for c in counts:
            v = pd.to_numeric(data[c], errors="coerce")
            small[c] = (v < k).fillna(False).to_numpy(dtype=bool)
    # which statistic cells depend on small counts
    hide = pd.DataFrame(False, index=data.index, columns=data.columns)
    stat_cols = [c for c in data.columns if numeric[c] and c not in counts]
    if counts and k is not None:
        for c in stat_cols:
            if c in based_on:
                hide[c] = small[based_on[c]].to_numpy()
            else:
                hide[c] = small.any(axis=1).to_numpy()
    out = pd.DataFrame(index=data.index)
    est_spec = _spec_for("estimate", formats, counts, estimate_decimals) \
        if "estimate" in data.columns else estimate_decimals
    ci_cols = ci if ci and all(c in data.columns for c in ci) else None
    for c in data.columns:
        if ci_cols and c == ci_cols[1]:
            continue
        if ci_cols and c == ci_cols[0]:
            spec = formats.get(ci_cols[0], est_spec)
            cells = []
            for i in data.index:
                a, b = data.at[i, ci_cols[0]], data.at[i, ci_cols[1]]
                if hide.at[i, ci_cols[0]] or hide.at[i, ci_cols[1]]:
                    cells.append(SUPPRESSED)
                elif pd.isna(a) or pd.isna(b):
                    cells.append("")
                else:
                    cells.append(f"[{_fmt_value(a, spec)}, {_fmt_value(b, spec)}]")
            out[ci_label] = cells
            numeric[ci_label] = True
            continue
        spec = _spec_for(c, formats, counts, estimate_decimals) if numeric[c] else str
        cells = []
        for i in data.index:
            if c in counts and small.at[i, c]:
                cells.append(f"<{k}")
            elif hide.at[i, c]:
                cells.append(SUPPRESSED)
            else:
                cells.append(_fmt_value(data.at[i, c], spec) if numeric[c] else
                             ("" if pd.isna(data.at[i, c]) else str(data.at[i, c])))
        out[str(c)] = cells
    n_small = int(small.to_numpy().sum())
    n_hidden = int(hide.to_numpy().sum())
    notes = []
    if isinstance(footnote, str):
        footnote = (footnote,)
    for c in footnote:
        if str(c) not in out.columns:
            continue
        values = [v for v in pd.unique(out[str(c)]) if v]
        if values:
            notes.append(f"{_header(str(c))}: {'; '.join(values)}.")
        out = out.drop(columns=str(c))
    if drop_empty:
        out = out[[c for c in out.columns if (out[c] != "").any()]]
    if n_small:
        notes.append(f"Cells based on fewer than {k} respondents are shown as \u201c<{k}\u201d; "
                     f"statistics based on them are suppressed ({SUPPRESSED}).")
    if any(_spec_for(c, formats, counts, estimate_decimals) == "p" for c in data.columns
           if numeric[c]):
        notes.append("p-values below 0.001 are shown as <0.001.")
    info = {"notes": notes, "small_counts": n_small, "suppressed": n_small + n_hidden,
            "numeric": {str(c): bool(v) for c, v in numeric.items()},
            "count_columns": [str(c) for c in counts], "suppress_below": k}
    return out, info


# ----------------------------------------------------------------------------- renderers
_LATEX_SPECIAL = {"\u221e": r"$\infty$", "\u2212": "$-$", "&": r"\&", "%": r"\%", "$": r"\$",
                  "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                  "^": r"\textasciicircum{}", "\\": r"\textbackslash{}", "<": r"\textless{}",
                  ">": r"\textgreater{}", SUPPRESSED: "--", "\u2014": "---", "\u201c": "``",
                  "\u201d": "''", "\u2018": "`", "\u2019": "'", "\u00a0": "~",
                  "\u2009": r"\,", "\u202f": r"\,", "\u2026": r"\dots{}", "\u00b7": r"$\cdot$",
                  "\u2022": r"\textbullet{}", "\u00d7": r"$\times$", "\u00f7": r"$\div$",
                  "\u00b1": r"$\pm$", "\u2264": r"$\leq$", "\u2265": r"$\geq$",
                  "\u2260": r"$\neq$", "\u2248": r"$\approx$", "\u2192": r"$\rightarrow$",
                  "\u2190": r"$\leftarrow$", "\u00b0": r"\textdegree{}",
                  "\u00b2": r"$^{2}$", "\u00b3": r"$^{3}$", "\u00b9": r"$^{1}$",
                  "\u2070": r"$^{0}$", "\u2074": r"$^{4}$", "\u2080": r"$_{0}$",
                  "\u2081": r"$_{1}$", "\u2082": r"$_{2}$", "\u00a7": r"\S{}",
                  "\u20ac": r"\texteuro{}", "\u00a3": r"\pounds{}", "\u2030": r"\textperthousand{}"}
# Greek letters as math (chi, gamma, alpha, omega, ... in test and reliability tables); the
# capitals that look like Latin letters are typeset as those letters
_LOWER = ["alpha", "beta", "gamma", "delta", "varepsilon", "zeta", "eta", "theta", "iota",
          "kappa", "lambda", "mu", "nu", "xi", "o", "pi", "rho", "varsigma", "sigma", "tau",
          "upsilon", "phi", "chi", "psi", "omega"]
_UPPER = ["A", "B", r"\Gamma", r"\Delta", "E", "Z", "H", r"\Theta", "I", "K", r"\Lambda", "M",
          "N", r"\Xi", "O", r"\Pi", "P", None, r"\Sigma", "T", r"\Upsilon", r"\Phi", "X",
          r"\Psi", r"\Omega"]
for _i, (_lo, _up) in enumerate(zip(_LOWER, _UPPER, strict=True)):
    _LATEX_SPECIAL[chr(0x3B1 + _i)] = "o" if _lo == "o" else f"$\\{_lo}$"
    if _up is not None:
        _LATEX_SPECIAL[chr(0x391 + _i)] = f"${_up}$" if _up.startswith("\\") else _up


def _pdflatex_safe(ch: str) -> bool:
    """Characters pdflatex typesets from UTF-8 input with T1 fonts: ASCII and the accented
    Latin letters of Latin-1 and Latin Extended-A."""
    return ord(ch) < 128 or (0xC0 <= ord(ch) <= 0x17F and ch.isalpha())


def latex_escape(text: str) -> str:
    """Escape LaTeX specials and spell out symbols pdflatex cannot typeset from raw UTF-8
    (``²`` -> ``$^{2}$``, ``χ`` -> ``$\\chi$``, ``≤`` -> ``$\\leq$``, ...); other characters
    are kept (see :func:`latex_unsupported`)."""
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def latex_unsupported(text: str) -> list[str]:
    """The characters of escaped ``text`` that pdflatex cannot typeset (CJK, emoji, ...)."""
    return sorted({ch for ch in text if not _pdflatex_safe(ch)})


def to_latex(table: pd.DataFrame, info: dict, *, caption: str | None, label: str,
             notes: list[str]) -> str:
    """A booktabs ``table`` environment (needs ``\\usepackage{booktabs}``)."""
    align = "".join("r" if info["numeric"].get(str(c), False) else "l" for c in table.columns)
    lines = ["% Generated by cxresearch.save_table; needs \\usepackage{booktabs} (and, for accented "
             "letters, \\usepackage[T1]{fontenc})", "\\begin{table}[htbp]", "\\centering"]
    if caption:
        lines.append(f"\\caption{{{latex_escape(caption)}}}")
    lines.append(f"\\label{{{label}}}")
    lines.append(f"\\begin{{tabular}}{{{align}}}")
    lines.append("\\toprule")
    lines.append(" & ".join(latex_escape(c) for c in table.columns) + " \\\\")
    lines.append("\\midrule")
    for row in table.itertuples(index=False):
        lines.append(" & ".join(latex_escape(v) for v in row) + " \\\\")
    lines.append("\\bottomrule")
    lines.append("\\end{tabular}")
    if notes:
        lines.append("\\par\\smallskip")
        lines.append("{\\footnotesize " + " ".join(latex_escape(n) for n in notes) + "\\par}")
    lines.append("\\end{table}")
    text = "\n".join(lines) + "\n"
    rest = latex_unsupported(text)
    if rest:  # text pdflatex cannot typeset (e.g. CJK labels): say which engine it needs
        text = (f"% Contains {''.join(rest)}, which pdflatex cannot typeset: compile with "
                "xelatex or lualatex (and a font that has them)\n" + text)
    return text


def to_html(table: pd.DataFrame, info: dict, *, caption: str | None, notes: list[str],
            name: str) -> str:
    """A self-contained ``<table>`` with caption and a footer of notes."""
    num = [info["numeric"].get(str(c), False) for c in table.columns]
    esc = html.escape
    out = [f'<table class="cx-table" id="{esc(name)}" style="border-collapse:collapse;'
           'font-family:\'DejaVu Sans\',sans-serif;font-size:0.9em">']
    if caption:
        out.append(f'<caption style="text-align:left;font-weight:bold">{esc(caption)}</caption>')
    top = "border-top:1.5px solid #222;border-bottom:0.8px solid #222;padding:2px 8px"
    out.append("<thead><tr>" + "".join(
        f'<th style="{top};text-align:{"right" if r else "left"}">{esc(str(c))}</th>'
        for c, r in zip(table.columns, num, strict=True)) + "</tr></thead>")
    out.append("<tbody>")
    nrows = len(table)
    for i, row in enumerate(table.itertuples(index=False)):
        bottom = ";border-bottom:1.5px solid #222" if i == nrows - 1 else ""
        out.append("<tr>" + "".join(
            f'<td style="padding:2px 8px;text-align:{"right" if r else "left"}{bottom}">'
            f"{esc(str(v))}</td>" for v, r in zip(row, num, strict=True)) + "</tr>")
    out.append("</tbody>")
    if notes:
        out.append(f'<tfoot><tr><td colspan="{len(table.columns)}" style="font-size:0.85em;'
                   f'padding-top:4px">{esc(" ".join(notes))}</td></tr></tfoot>')
    out.append("</table>")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- reader tables
_HEADERS = {"estimate": "Estimate", "se": "SE", "p_value": "p", "p": "p",
            "p_adjusted": "p (adjusted)", "p_adj": "p (adjusted)", "n": "n",
            "n_eff": "Effective n", "deff": "Design effect", "df": "df",
            "statistic": "Statistic", "odds_ratio": "Odds ratio", "or_ci_low": "OR 95% CI low",
            "or_ci_high": "OR 95% CI high", "method": "Method", "reject": "Significant"}


def _header(col: str) -> str:
    if col in _HEADERS:
        return _HEADERS[col]
    if not (col.isascii() and col.isidentifier()):  # already written for a reader ("γ", "95% CI")
        return col
    text = col.replace("__", ": ").replace("_", " ")
    return text[:1].upper() + text[1:]


class ReaderTable:
    """A formatted table for a reader: shown as HTML in a notebook (with its notes as a
    footer), as aligned text elsewhere. ``table`` holds the text cells, ``notes`` the
    footnotes, ``data`` the numbers it was made from."""

    def __init__(self, table: pd.DataFrame, info: dict, caption: str | None,
                 data: pd.DataFrame):
        self.table, self.info, self.caption, self.data = table, info, caption, data
        self.notes = list(info["notes"])

    def _repr_html_(self) -> str:
        return to_html(self.table, self.info, caption=self.caption, notes=self.notes,
                       name="cx-reader-table")

    def __repr__(self) -> str:
        body = self.table.to_string(index=False) if len(self.table.columns) else "(no columns)"
        head = f"{self.caption}\n" if self.caption else ""
        return head + body + "".join(f"\n{n}" for n in self.notes)


def show_table(df: pd.DataFrame, columns=None, *, caption: str | None = None,
               footnote=("method",), formats: dict | None = None,
               estimate_decimals: int = 2, suppress_below: int | None = 5,
               headers: dict | None = None, codebook=None) -> ReaderTable:
    """A compact, formatted table for notebooks and reports (the full tidy table goes to
    ``tables/`` with :func:`cxresearch.save_table`).

    Numbers are rounded per quantity as :func:`format_table` does (estimates 2 decimals,
    percentages 1, counts as integers, p-values 3 decimals or ``<0.001``), a CI is one
    ``[low, high]`` column, columns with no value are dropped, and the ``footnote`` columns
    (the estimation method) become notes under the table instead of repeated cells.

    Parameters
    ----------
    df : DataFrame
        A tidy result (``estimate, se, ci_low, ci_high, n, ...``).
    columns : list or dict, optional
        Columns to show, in order; a dict also renames them (``{"item": "Statement"}``).
    caption : str, optional
    footnote : sequence of str
        Columns turned into notes (default ``("method",)``).
    formats, estimate_decimals, suppress_below
        As for :func:`format_table` (``formats={"estimate": "prop"}`` shows proportions as
        percent).
    headers : dict, optional
        Header text per column; default readable names (``p_value`` -> "p").
    codebook : Wave, Instrument, codebook name or Labeller, optional
        Show ids in the codebook's words: item, level and model-term values and the headers
        of columns named after items (:meth:`Labeller.frame`); ``columns`` and ``headers``
        still win.

    Returns
    -------
    ReaderTable
        Displayed as an HTML table with notes in a notebook.

    References
    ----------
    American Psychological Association (2020). Publication Manual, 7th ed., ch. 7 (tables).

    Examples
    --------
    >>> import pandas as pd, cxresearch as cx
    >>> df = pd.DataFrame({"level": ["yes", "no"], "estimate": [0.6123, 0.3877],
    ...                    "ci_low": [0.55, 0.33], "ci_high": [0.67, 0.45], "n": [200, 200],
    ...                    "p_value": [0.0004, 0.2], "method": ["wilson", "wilson"]})
    >>> print(cx.show_table(df))
    Level Estimate       95% CI   n      p
      yes     0.61 [0.55, 0.67] 200 <0.001
       no     0.39 [0.33, 0.45] 200  0.200
    Method: wilson.
    p-values below 0.001 are shown as <0.001.
    >>> # In R: knitr::kable(transform(df, ci = sprintf("[%.2f, %.2f]", ci_low, ci_high)))
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    auto = {}
    if codebook is not None:
        from cxresearch.report.charts.labels import Labeller

        lab = codebook if isinstance(codebook, Labeller) else Labeller(codebook)
        df, auto = lab.frame(df), lab.headers(df.columns)
    rename = {}
    if columns is not None:
        if isinstance(columns, dict):
            rename = {str(k): str(v) for k, v in columns.items()}
            columns = list(columns)
        columns = list(columns)
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise ValueError(f"columns {missing} are not in the table; columns are "
                             f"{list(df.columns)}")
        keep = list(columns)
        # the CI's second bound and the footnote columns come along with their partners
        for extra in ("ci_high", *footnote):
            if extra in df.columns and extra not in keep and (extra != "ci_high"
                                                              or "ci_low" in keep):
                keep.append(extra)
        df = df[keep]
    table, info = format_table(df, suppress_below=suppress_below, formats=formats,
                               estimate_decimals=estimate_decimals, drop_empty=True,
                               footnote=footnote)
    names = {**{c: auto.get(c, _header(c)) for c in table.columns}, **rename, **(headers or {})}
    table = table.rename(columns=names)
    info = {**info, "numeric": {names.get(k, k): v for k, v in info["numeric"].items()}}
    return ReaderTable(table, info, caption, df)
