"""The stakeholder deliverables of a run: ``report.xlsx`` (a tabulation of every table) and
``report.pptx`` (a presentation of every figure), built from the run folder's
``manifest.json``.

The workbook opens on a Contents sheet (one hyperlinked line per table: title, base, data
kind, study and wave); each table sheet has a title in words, a subtitle (base, weighting,
data kind, wave), headers, items and answers in the codebook's words, numbers as numbers with
formats (percent for shares, signed integers for NPS, fixed decimals for means), intervals as
two numeric columns, notes as footnotes and a print set-up (landscape when wide, one page
wide, header row repeated, source in the footer); banners keep their banner layout; a compact
provenance sheet closes it (one row per output). The deck is built by
:func:`cxresearch.report.output.deck.save_deck` with titles and provenance in words.

Called by the reproduce pipeline after the notebooks ran; usable on any reports folder.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from cxresearch.report.charts.base import pretty
from cxresearch.report.output.deck import save_deck
from cxresearch.report.output.typed import typed_table
from cxresearch.report.output.xlsx import Workbook
from cxresearch.report.provenance import read_manifest

__all__ = ["describe_entry", "write_run_deliverables"]

_SYNTH_SUFFIXES = (" (reconstructed, synthetic data)", "(reconstructed, synthetic data)")


@lru_cache(maxsize=32)
def _instrument(study: str):
    from cxresearch.codebooks.instrument import load_instrument

    try:
        return load_instrument(study)
    except Exception:  # noqa: BLE001 - no codebook for this study: labels fall back to words
        return None


def _labeller(study):
    from cxresearch.report.charts.labels import Labeller

    inst = _instrument(study) if study else None
    return Labeller(inst) if inst is not None else Labeller(None)


def _notebook_meta(run_dir: Path, notebook) -> dict:
    if not notebook:
        return {}
    p = run_dir / "notebooks" / f"{notebook}.ipynb"
    try:
        return json.loads(p.read_text(encoding="utf-8")).get("metadata", {}).get(
            "cxresearch", {}) or {}
    except (OSError, ValueError):
        return {}


def _study_of(e: dict, meta: dict) -> str | None:
    for w in e.get("waves") or []:
        if isinstance(w, dict) and w.get("study"):
            return str(w["study"])
    params = e.get("parameters") or {}
    if isinstance(params, dict) and isinstance(params.get("study"), str):
        return params["study"]
    studies = [s for s in meta.get("studies") or [] if s != "*"]
    return studies[0] if len(studies) == 1 else None


def _data_kind(e: dict, meta: dict) -> str:
    if e.get("synthetic"):
        return "Reconstructed (synthetic)"
    if e.get("waves"):
        return "Observed"
    name = str(e.get("name", ""))
    if name.startswith(("scorecard", "published")) or "consistency" in name:
        return "Published figures"
    if meta.get("reconstruct"):
        return "Published figures"
    return "Observed" if meta else "Not recorded"


def _name_words(name: str, labeller=None, study: str | None = None) -> str:
    """A file stem in words, item ids inside it replaced by the codebook's labels
    (``maturity_by_cx_grade`` -> "Maturity by self-rated CX grade")."""
    items = sorted((getattr(getattr(labeller, "inst", None), "items", None) or {}), key=len,
                   reverse=True)
    parts, buf = [], name
    while buf:
        hit = next((i for i in items if buf == i or buf.startswith(i + "_")), None)
        if hit is not None and labeller.item(hit) != pretty(hit):
            lab = labeller.item(hit)
            parts.append(lab if lab[:2].isupper() else lab[:1].lower() + lab[1:])
            buf = buf[len(hit) + 1:]
            continue
        head, _, buf = buf.partition("_")
        w = pretty(head)
        parts.append(w if w[:2].isupper() else w.lower())
    words = " ".join(p for p in parts if p)
    return words[:1].upper() + words[1:]


def _title(e: dict, labeller=None, study: str | None = None) -> str:
    info = e.get("table") or e.get("figure") or {}
    t = info.get("title") or info.get("caption") or ""
    for suf in _SYNTH_SUFFIXES:
        if t.endswith(suf):
            t = t[: -len(suf)]
    if not t or t.strip().lower().startswith("reconstructed (synthetic) data"):
        t = _name_words(str(e.get("name", "output")), labeller, study)
    return t.strip().rstrip(".") or pretty(e.get("name", "output"))


def _waves_text(e: dict, study: str | None) -> str:
    inst = _instrument(study) if study else None
    stitle = (getattr(inst, "meta", {}) or {}).get("title") if inst is not None else None
    waves = [str(w.get("wave")) for w in e.get("waves") or [] if isinstance(w, dict)]
    head = stitle or (study or "")
    if waves:
        return f"{head}, wave {', '.join(dict.fromkeys(waves))}" if head else \
            f"wave {', '.join(waves)}"
    return head


def _weighting(methods: list[str]) -> str | None:
    if not methods:
        return None
    text = " ".join(methods).lower()
    if "simple random sample" in text and "weights" not in text:
        return "unweighted (simple random sample)"
    if "design(" in text or "weight" in text:
        return "weighted, design-based variance"
    return None


def _base_text(bases: list[float]) -> str | None:
    if not bases:
        return None
    lo, hi = min(bases), max(bases)
    return f"n = {lo:,.0f}" if lo == hi else f"n = {lo:,.0f}\u2013{hi:,.0f}"


def describe_entry(e: dict, run_dir: Path) -> dict:
    """Words for one manifest entry: ``title``, ``data`` (kind), ``study``, ``waves`` (study
    title and waves), ``labeller``, ``notebook``."""
    meta = _notebook_meta(Path(run_dir), e.get("notebook"))
    study = _study_of(e, meta)
    lab = _labeller(study)
    return {"title": _title(e, lab, study), "data": _data_kind(e, meta), "study": study,
            "waves": _waves_text(e, study), "labeller": lab, "notebook": e.get("notebook")}


def _banner_from_long(path: Path, e: dict, labeller):
    """A BannerResult rebuilt from a saved banner's tidy long CSV."""
    from cxresearch.statistics.banner.build import BannerResult

    t = pd.read_csv(path, keep_default_na=True)
    for c in ("letters", "vs_total", "letter", "level", "row_label", "block_label"):
        if c in t:
            t[c] = t[c].astype(object).where(t[c].notna(), "").astype(str)
    for c in ("small_base", "suppressed"):
        if c in t:
            t[c] = t[c].astype(str).str.lower().eq("true")
    seen = t.drop_duplicates("column")[["column", "column_label", "letter"]].reset_index(
        drop=True)
    banners = [c.split("=", 1)[0] if "=" in c else "Total" for c in seen["column"]]
    groups, order = [], {}
    for b in banners:
        if b == "Total":
            groups.append(-1)
        else:
            groups.append(order.setdefault(b, len(order)))
    cols = seen.assign(banner=banners, group=groups)
    cols["banner_label"] = ["" if b == "Total" else " / ".join(
        labeller.item(x.strip()) for x in b.split("/")) for b in banners]
    info = e.get("table") or {}
    opts = dict(info.get("banner") or {})
    res = BannerResult(t, pd.DataFrame(), cols, [n for n in info.get("notes", [])],
                       opts, bool(e.get("synthetic")), info.get("caption"))
    return res


def _provenance_row(e: dict, d: dict) -> dict:
    files = e.get("files") or {}
    ftxt = "\n".join(f"{Path(v.get('path', '')).name} {str(v.get('sha256', ''))[:12]}"
                     for v in files.values() if isinstance(v, dict))
    g = e.get("git") or {}
    commit = str(g.get("commit") or "")[:10] + (" (uncommitted changes)" if g.get("dirty")
                                                 else "")
    return {"output": d["title"], "kind": e.get("kind", ""), "notebook": e.get("notebook"),
            "files": ftxt, "commit": commit, "waves": d["waves"], "data": d["data"],
            "created": str(e.get("created", "")).replace("T", " ").rstrip("Z")}


def write_workbook(run_dir, entries, *, title: str, others=()) -> Path:
    """``report.xlsx`` of a run: contents, one tabulated sheet per table, provenance."""
    from cxresearch.report.output.banners import banner_sheet

    run_dir = Path(run_dir)
    book = Workbook(run_dir / "report.xlsx")
    contents = book.add_sheet("Contents")
    rows, prov = [], []
    for e in entries:
        d = describe_entry(e, run_dir)
        files = e.get("files", {})
        info = e.get("table") or {}
        source = f"Source: {d['waves'] or 'cxresearch'}; {d['data'].lower()} data; " \
                 f"cxresearch run {run_dir.name}"
        if info.get("banner") and "csv_long" in files:
            res = _banner_from_long(run_dir / files["csv_long"]["path"], e, d["labeller"])
            res.title = d["title"]
            sheet = banner_sheet(book, res, d["title"], synthetic=bool(e.get("synthetic")),
                                 subtitle=f"Data: {d['data']}" + (
                                     f" \u00b7 {d['waves']}" if d["waves"] else ""),
                                 footer=source)
            n = res.table.loc[res.table["column"] == "Total", "n"] if len(res.table) else []
            base = _base_text([float(x) for x in n]) if len(n) else None
        else:
            df = pd.read_csv(run_dir / files["csv"]["path"], dtype=str, keep_default_na=False)
            typed = typed_table(df, d["labeller"])
            base = _base_text(typed.bases)
            parts = [f"Base: {base}" if base else None]
            w = _weighting(typed.methods)
            parts.append(f"Weighting: {w}" if w else None)
            parts.append(f"Data: {d['data']}")
            parts.append(d["waves"] or None)
            notes = [n for n in info.get("notes", []) if n not in typed.footnotes]
            sheet = book.tabulation(d["title"], typed,
                                    subtitle=" \u00b7 ".join(p for p in parts if p),
                                    footnotes=typed.footnotes + notes,
                                    synthetic=bool(e.get("synthetic")), source=source)
        rows.append({"sheet": sheet, "title": d["title"], "base": base, "data": d["data"],
                     "waves": d["waves"]})
        prov.append(_provenance_row(e, d))
    prov += [_provenance_row(e, describe_entry(e, run_dir)) for e in others]
    kinds = sorted({r["data"] for r in rows})
    book.contents(contents, rows, title=title,
                  subtitle=f"{len(rows)} tables \u00b7 data: {', '.join(kinds).lower()} \u00b7 "
                           f"cxresearch run {run_dir.name}")
    book.provenance_rows(prov, note="One row per table and figure; files are relative to the run folder "
                                    "(sha256 abbreviated to its first 12 hex digits); the "
                                    "full record is manifest.json.")
    return book.close()


def write_run_deliverables(run_dir, *, title: str | None = None,
                           template: str | Path | None = None) -> dict[str, Path]:
    """Write ``<run_dir>/report.xlsx`` and ``<run_dir>/report.pptx``.

    ``report.xlsx``: a Contents sheet, one tabulated sheet per table of the manifest and a
    compact provenance sheet (see the module docstring). ``report.pptx``: a cover naming the
    project and the kinds of data, a contents slide and one slide per figure with its title in
    words, the synthetic-data notice where it applies and the provenance in words in the
    notes. A file is not written when the run has no table (no figure).

    Parameters
    ----------
    run_dir : path
        A reports folder holding ``manifest.json`` (``reports/<run>/``).
    title : str, optional
        Title of the workbook's contents sheet and the deck's cover (default: the project's
        name and the run).
    template : path, optional
        A ``.pptx``/``.potx`` master for the deck (see :func:`save_deck`).

    Returns
    -------
    dict
        ``{"xlsx": path, "pptx": path}`` for the files written.

    References
    ----------
    XlsxWriter and python-pptx documentation; OWASP, CSV injection.

    Examples
    --------
    >>> from cxresearch.report.output.deliverables import write_run_deliverables  # doctest: +SKIP
    >>> write_run_deliverables("reports/latest")  # doctest: +SKIP
    {'xlsx': PosixPath('reports/latest/report.xlsx'), 'pptx': PosixPath('reports/latest/report.pptx')}
    >>> # In R: openxlsx::write.xlsx(tables, "report.xlsx"); officer::read_pptx() |> print()
    """
    run_dir = Path(run_dir)
    doc = read_manifest(run_dir / "manifest.json")
    # the notebooks' order, and inside a notebook the order the outputs were made in
    entries = sorted(doc["entries"], key=lambda e: (str(e.get("notebook") or ""),
                                                    str(e.get("created") or "")))
    tables = [e for e in entries if e.get("kind") == "table" and "csv" in e.get("files", {})]
    figures = [e for e in entries if e.get("kind") == "figure" and "png" in e.get("files", {})]
    out: dict[str, Path] = {}
    project = _project_name(run_dir)
    head = title or f"{project}: results"
    if tables:
        out["xlsx"] = write_workbook(run_dir, tables, title=head, others=figures)
    if figures:
        described = [describe_entry(e, run_dir) for e in figures]
        items = [(e, d["title"]) for e, d in zip(figures, described, strict=True)]
        studies = list(dict.fromkeys(d["waves"].split(", wave")[0] for d in described
                                     if d["waves"]))
        kinds = list(dict.fromkeys(d["data"] for d in described))
        sub = [f"Studies: {'; '.join(studies)}" if studies else None,
               f"Data: {', '.join(k.lower() for k in kinds)}",
               f"cxresearch run {run_dir.name}"]
        out["pptx"] = save_deck(items, run_dir / "report.pptx", title=head,
                                subtitle="\n".join(s for s in sub if s), base=run_dir,
                                template=template)
    return out


def _project_name(run_dir: Path) -> str:
    """The project's name: ``[project] name`` of cxresearch.toml above the run, else the
    folder's name."""
    for parent in [run_dir, *run_dir.parents]:
        toml = parent / "cxresearch.toml"
        if toml.is_file():
            try:
                import tomllib

                doc = tomllib.loads(toml.read_text(encoding="utf-8"))
                name = (doc.get("project") or {}).get("name")
                if name:
                    return str(name)
            except (OSError, ValueError):
                pass
            return parent.name
    return run_dir.parent.parent.name if run_dir.parent.name == "reports" else run_dir.name
