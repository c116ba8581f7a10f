"""Markdown documents of a run: the one Markdown-table writer, the scorecard and the published
checks (``scorecard.md``, ``published_consistency.{csv,md}``, ``published_claims.{csv,md}``).

Every cell is escaped for Markdown (``|``, newlines) and HTML (``<``, ``>``, ``&``): text from
codebooks, file names or respondents never becomes markup in a rendered report.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import pandas as pd

from cxresearch import paths
from cxresearch.ledger.claims import claim_check
from cxresearch.ledger.consistency import check_consistency
from cxresearch.paths import write_text_atomic
from cxresearch.reconstruction.scorecard import Scorecard

__all__ = ["markdown_table", "markdown_text", "write_published_checks", "write_scorecard"]


def markdown_text(x) -> str:
    """One cell of a Markdown table: missing -> empty, floats to 3 significant digits, escaped
    for Markdown and HTML."""
    if x is None or (not isinstance(x, str) and pd.isna(x)):
        return ""
    text = f"{x:.3g}" if isinstance(x, float) else str(x)
    text = html.escape(text, quote=False)
    text = text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")  # no links
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ").replace("`", "\\`")


def markdown_table(df: pd.DataFrame) -> str:
    """A pipe table of ``df`` (header, separator, one line per row), every cell escaped."""
    head = "| " + " | ".join(markdown_text(c) for c in df.columns) + " |"
    sep = "|" + "---|" * len(df.columns)
    body = ["| " + " | ".join(markdown_text(v) for v in row) + " |"
            for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *body]) + "\n"


def write_published_checks(out, study=None, *, consistency=None, claims=None) -> list[Path]:
    """Write ``published_consistency.{csv,md}`` and ``published_claims.{csv,md}`` to ``out``.

    Used by ``cxresearch check-published --out DIR`` and by ``make reproduce`` (into the run's
    report folder). Writes are atomic. Returns the paths written.
    """

    cons = check_consistency(study) if consistency is None else consistency
    cl = claim_check(study) if claims is None else claims
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df, title in (("published_consistency", cons, "Consistency checks"),
                            ("published_claims", cl, "Claim checks")):
        write_text_atomic(out / f"{name}.csv",
                          paths.spreadsheet_safe_frame(df).to_csv(index=False))
        write_text_atomic(out / f"{name}.md", f"# {title} of the published figures\n\n" + markdown_table(df))
        written += [out / f"{name}.csv", out / f"{name}.md"]
    return written


def write_scorecard(card: Scorecard, path: str | os.PathLike | None = None) -> Path:
    """Write ``scorecard.md`` (default: in ``paths.reports_dir()``); returns its path."""
    path = Path(path) if path is not None else paths.reports_dir() / "scorecard.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    c = card.counts()
    lines = ["# Scorecard", "",
             f"Studies: {', '.join(card.studies)}. Ledger figures: {c['ledger']['figures']}.", "",
             "Reproduction of each published figure by the reconstructions (synthetic data "
             "fitted to the figures: a match shows the reconstruction is faithful, not that "
             "the report is right).", ""]
    for name in ("reproduction", "consistency", "claims"):
        counts = c[name]
        lines.append(f"- **{name}**: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    lines += ["", "## Counts per study", ""]
    per = pd.concat([
        card.reproduction.groupby("study")["status"].value_counts().unstack(fill_value=0),
        card.consistency.groupby("study")["verdict"].value_counts().unstack(fill_value=0)
        .add_prefix("consistency: "),
        card.claims.groupby("study")["verdict"].value_counts().unstack(fill_value=0)
        .add_prefix("claim: "),
    ], axis=1).fillna(0).astype(int).reset_index()
    lines += [markdown_table(per), ""]
    odd = card.consistency[card.consistency["verdict"].astype(str) == "inconsistent"]
    if len(odd):
        keep = [c for c in ("study", "check_id", "kind", "explanation") if c in odd.columns]
        lines += ["## Published figures that do not agree with each other", "",
                  markdown_table(odd[keep]), ""]
    missed = card.reproduction[card.reproduction["status"] == "not reproduced"]
    if len(missed):
        keep = [c for c in ("study", "id", "value", "bound", "reconstructed", "violation")
                if c in missed.columns]
        lines += ["## Figures the reconstructions do not reproduce", "",
                  markdown_table(missed[keep]), ""]
    verdict = card.claims["verdict"].astype(str)
    keep = [c for c in ("study", "claim_id", "claim", "explanation") if c in card.claims.columns]
    against = card.claims[verdict == "contradicted"]
    if len(against):
        lines += ["## Claims the published figures contradict", "",
                  "The report's own figures, at its sample sizes, point the other way.", "",
                  markdown_table(against[keep]), ""]
    open_ = card.claims[~verdict.isin(["supported", "contradicted"])]
    if len(open_):
        lines += ["## Claims that cannot be checked from the published figures", "",
                  "The figures the report publishes (shares, group sizes) do not determine "
                  "whether these hold; they are neither supported nor contradicted.", "",
                  markdown_table(open_[keep]), ""]
    write_text_atomic(path, "\n".join(lines) + "\n")
    return path

