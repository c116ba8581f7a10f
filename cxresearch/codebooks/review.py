"""The review page of a drafted codebook: one line per export column with the type the draft
inferred, the evidence (answers, blanks, distinct values, range, a tiny text histogram), and
what to check — the riskiest first, so that a survey of 50 items is reviewed in minutes.

Every text on the page is HTML-escaped. Answers of personal-data columns, free-text columns
and ids are never shown (the evidence is counts only); the histogram shows answers only of
columns with at most :data:`MAX_BARS` distinct short answers.

Examples
--------
>>> from cxresearch.codebooks.draft import draft
>>> page = draft("export.csv", "members").review                  # doctest: +SKIP
>>> # In R: no equivalent; summarytools::dfSummary(df) gives a similar one-line-per-column view
"""

from __future__ import annotations

import html

from cxresearch.codebooks.pii import evidence as pii_evidence

__all__ = ["MAX_BARS", "evidence_of", "review_html", "sparkline"]

#: most distinct answers drawn as a histogram
MAX_BARS = 12
_BARS = "▁▂▃▄▅▆▇█"
#: types whose answers may be shown on the page (labels and codes, not respondents' words)
_SHOWN = {"single", "likert", "rating", "nps_0_10", "ignore", "wave", "multi"}


def sparkline(counts: list[int]) -> str:
    """One block character per count, scaled to the largest.

    Examples
    --------
    >>> sparkline([1, 4, 8, 2])
    '▂▅█▃'
    >>> # In R: no base equivalent (the sparkline package draws the same in HTML)
    """
    top = max(counts) if counts else 0
    if not top:
        return ""
    return "".join(_BARS[min(len(_BARS) - 1, int(round((len(_BARS) - 1) * c / top)))]
                   for c in counts)


def evidence_of(col, item: dict) -> dict:
    """The counts shown for one column: answered, blank, distinct, range, and — for coded
    answers only — the distinct answers with a histogram. Never an answer of a personal-data,
    free-text or id column."""
    ev: dict = {"answered": col.answered, "blank": col.blank}
    d = col.distinct
    ev["distinct"] = None if d is None else (int(d) if col.counts is not None else f"~{d:,.0f}")
    if col.numeric and col.answered and col.lo <= col.hi:
        ev["range"] = (col.lo, col.hi)
    found = col.pii.found()
    if found:
        ev["pii"] = pii_evidence(found, col.answered)
    vals = col.values()
    typ = item.get("type")
    if (typ in _SHOWN and not item.get("pii") and not item.get("hidden") and not found
            and vals is not None
            and len(vals) <= MAX_BARS and col.max_len <= 60):
        def key(v):
            try:
                return (0, float(v), v)
            except ValueError:
                return (1, 0.0, v)
        order = sorted(vals, key=key)
        ev["histogram"] = [(v, vals[v]) for v in order]
    return ev


def _risk(d: dict) -> tuple[int, str]:
    """(risk 1-5, what to check) of one decision."""
    typ, why, ev = d["type"], d["reason"], d["evidence"]
    few = ev["answered"] < 10
    if d["pii"]:
        return 5, ("personal data: keep pii: true (dropped on ingest); "
                   + (f"found {ev['pii']}" if ev.get("pii") else "named by the header"))
    if typ == "wave":
        return 4, "is this the wave column? ingest the file with --wave-column"
    if d.get("note"):
        return 4, "write what each code means (labels) or retype the item"
    if d.get("missing"):
        return 4, f"are {', '.join(map(str, d['missing']))} really missing codes?"
    if typ == "ignore":
        return 3, "ignored: confirm nothing is lost"
    if "nobody answered" in why:
        return 3 + few, "is the scale's low end right? nobody used it"
    if typ == "id" and "id-like header" not in why:
        return 3, "an id? (a different value in every row)"
    if typ == "text":
        return 2 + few, "free text: its answers stay out of reports; retype if coded"
    if typ in ("single", "likert"):
        return 2 + few, "check the levels, their order and labels"
    if typ == "numeric":
        return 2 + few, "a count or a measure? (a scale would be rating)"
    if typ in ("weight", "strata", "psu", "fpc"):
        return 2, f"check that this is the survey's {typ} column"
    if typ == "multi":
        return 2, "check the options"
    return 1 + few, "check the scale's end points"


def _fmt_evidence(ev: dict) -> str:
    parts = [f"{ev['answered']:,} answered", f"{ev['blank']:,} blank"]
    if ev.get("distinct") is not None:
        parts.append(f"{ev['distinct']} distinct")
    else:
        parts.append("many distinct")
    if "range" in ev:
        lo, hi = ev["range"]
        parts.append(f"range {lo:g}..{hi:g}")
    text = ", ".join(parts)
    if ev.get("pii"):
        text += f"; {ev['pii']}"
    return text


def review_html(study: str, source: str, rows: int, decisions: list[dict], analysis: dict,
                indices: dict) -> str:
    """The review page (HTML, every text escaped), riskiest column first."""
    e = html.escape
    scored = sorted(((*_risk(d), k, d) for k, d in enumerate(decisions)),
                    key=lambda t: (-t[0], t[2]))
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>Codebook draft review: {e(study)}</title>",
           "<style>body{font:14px system-ui,sans-serif;margin:1.5em}"
           "table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:4px 8px;"
           "vertical-align:top;text-align:left}.r5,.r4{background:#fde8e8}.r3{background:#fff5d6}"
           ".h{font-family:monospace;white-space:pre}</style></head><body>",
           f"<h1>Codebook draft review: {e(study)}</h1>",
           f"<p>From <code>{e(source)}</code>: {rows:,} rows, {len(decisions)} columns. "
           "Riskiest first; answers of personal-data, free-text and id columns are never "
           "shown.</p>"]
    a = analysis
    out.append("<h2>Analysis (meta.analysis, assumed)</h2><ul>")
    out.append(f"<li>Outcome candidates: {e(', '.join(a['outcome_candidates']) or 'none')} "
               "— name one as <code>outcome</code></li>")
    out.append(f"<li>Drivers: {e(', '.join(a['drivers']) or 'none')}</li>")
    out.append(f"<li>Segments: {e(', '.join(a['segments']) or 'none')}</li>")
    for name, spec in indices.items():
        out.append(f"<li>Index {e(name)}: {e(', '.join(spec['items']))}</li>")
    out.append("</ul><h2>Columns</h2><table><tr><th>risk</th><th>column</th><th>item</th>"
               "<th>type</th><th>evidence</th><th>histogram</th><th>check</th>"
               "<th>why</th></tr>")
    for risk, check, _, d in scored:
        ev = d["evidence"]
        hist = ev.get("histogram")
        spark = ""
        if hist:
            bars = sparkline([c for _, c in hist])
            spark = " ".join(f"{e(v)}:{b}" for (v, _), b in zip(hist, bars, strict=True))
        cols = d["columns"]
        head = cols[0] if len(cols) == 1 else f"{cols[0]} … {cols[-1]} ({len(cols)} columns)"
        out.append(f'<tr class="r{risk}"><td>{risk}</td><td class="h">{e(head)}</td>'
                   f"<td>{e(d['id'] or '—')}</td><td>{e(d['type'])}</td>"
                   f"<td>{e(_fmt_evidence(ev))}</td><td class=\"h\">{spark}</td>"
                   f"<td>{e(check)}</td><td>{e(d['reason'])}</td></tr>")
    out.append("</table></body></html>")
    return "\n".join(out) + "\n"
