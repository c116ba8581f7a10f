"""The stakeholder deliverables of a run: ``report.xlsx`` (every table) and ``report.pptx``
(every figure), built from the run folder's ``manifest.json``.

Called by the reproduce pipeline after the notebooks ran; usable on any reports folder.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cxresearch.report.output.deck import save_deck
from cxresearch.report.output.xlsx import Workbook
from cxresearch.report.provenance import read_manifest

__all__ = ["write_run_deliverables"]


def write_run_deliverables(run_dir, *, title: str | None = None) -> dict[str, Path]:
    """Write ``<run_dir>/report.xlsx`` and ``<run_dir>/report.pptx``.

    ``report.xlsx`` has one sheet per table of the manifest (the CSV as ``save_table`` or
    ``save_banner`` wrote it, plain numbers written as numbers, notes and the synthetic notice
    under it) and a final provenance sheet; ``report.pptx`` has a title slide and one slide
    per figure (its PNG), with the provenance in the slide notes. A file is not written when
    the run has no table (no figure).

    Parameters
    ----------
    run_dir : path
        A reports folder holding ``manifest.json`` (``reports/<run>/``).
    title : str, optional
        Title slide of the deck (default ``cxresearch report <run>``).

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
    entries = doc["entries"]
    tables = [e for e in entries if e.get("kind") == "table" and "csv" in e.get("files", {})]
    figures = [e for e in entries if e.get("kind") == "figure" and "png" in e.get("files", {})]
    out: dict[str, Path] = {}
    head = title or f"cxresearch report {run_dir.name}"
    if tables:
        book = Workbook(run_dir / "report.xlsx")
        for e in tables:
            df = pd.read_csv(run_dir / e["files"]["csv"]["path"], dtype=str,
                             keep_default_na=False)
            info = e.get("table") or {}
            book.table(e["name"], df, title=info.get("caption") or e["name"],
                       notes=info.get("notes", ()), synthetic=bool(e.get("synthetic")),
                       text_numbers=True)
        book.provenance(tables)
        out["xlsx"] = book.close()
    if figures:
        out["pptx"] = save_deck(figures, run_dir / "report.pptx", title=head,
                                base=run_dir, source=f"cxresearch run {run_dir.name}")
    return out
