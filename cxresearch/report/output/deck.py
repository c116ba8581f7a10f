"""PowerPoint decks (python-pptx): a title slide, then one slide per figure or table.

Figures go in as their saved PNG at the PNG's aspect ratio (python-pptx cannot place SVG);
tables of up to ``max_native_rows`` rows become native PowerPoint tables, longer ones an image.
Each content slide has a source line, the synthetic-data notice where it applies, and the
provenance (manifest entry) in its notes.

References
----------
python-pptx documentation, https://python-pptx.readthedocs.io (``add_picture``,
``add_table``, ``notes_slide``).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd

from cxresearch import paths
from cxresearch.paths import atomic_save
from cxresearch.report.output.save import destination

__all__ = ["save_deck"]

SYNTHETIC = "Reconstructed (synthetic) data \u2014 not observed responses"
_W, _H = 13.333, 7.5   # 16:9, inches


class _Slide:
    """What one content slide shows: ``png`` bytes or a ``table`` DataFrame."""

    def __init__(self, title, png=None, table=None, source=None, synthetic=False,
                 notes=None):
        self.title, self.png, self.table = title, png, table
        self.source, self.synthetic, self.notes = source, synthetic, notes


def _fig_png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=200)
    return buf.getvalue()


def _table_png(df: pd.DataFrame) -> bytes:
    import matplotlib.pyplot as plt

    rows = min(len(df), 40)
    fig, ax = plt.subplots(figsize=(12, 0.3 * (rows + 2)))
    ax.axis("off")
    cells = df.head(40).astype(str).to_numpy().tolist()
    tab = ax.table(cellText=cells, colLabels=[str(c) for c in df.columns], loc="upper left",
                   cellLoc="right", colLoc="center")
    tab.auto_set_font_size(False)
    tab.set_fontsize(8)
    if len(df) > 40:
        ax.set_title(f"first 40 of {len(df)} rows", fontsize=8, loc="left")
    png = _fig_png(fig)
    plt.close(fig)
    return png


def _from_entry(e: dict, base: Path) -> _Slide:
    files = e.get("files", {})
    title = e.get("name", "")
    notes = json.dumps(e, indent=1, default=str, ensure_ascii=False)
    waves = [f"{w.get('study')} {w.get('wave')}" for w in e.get("waves") or []
             if isinstance(w, dict)]
    source = ("cxresearch, " + ", ".join(waves)) if waves else None
    if e.get("kind") == "figure":
        if "png" not in files:
            raise ValueError(f"figure entry {title!r} has no PNG file (save it with "
                             "formats including 'png')")
        return _Slide(title, png=(base / files["png"]["path"]).read_bytes(), source=source,
                      synthetic=bool(e.get("synthetic")), notes=notes)
    if e.get("kind") == "table":
        cap = (e.get("table") or {}).get("caption") or title
        if "csv" not in files:
            raise ValueError(f"table entry {title!r} has no CSV file")
        df = pd.read_csv(base / files["csv"]["path"], dtype=str, keep_default_na=False)
        return _Slide(cap, table=df, synthetic=bool(e.get("synthetic")), notes=notes,
                      source=source)
    raise ValueError(f"manifest entry of kind {e.get('kind')!r} cannot go on a slide")


def _slide_of(item, base: Path) -> _Slide:
    from matplotlib.figure import Figure

    title = None
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], str):
        item, title = item
    if isinstance(item, dict) and "kind" in item:
        s = _from_entry(item, base)
    elif isinstance(item, Figure):
        s = _Slide("", png=_fig_png(item), synthetic=bool(getattr(item, "cx_synthetic",
                                                                     False)))
    elif isinstance(item, pd.DataFrame):
        s = _Slide("", table=item, synthetic=bool(item.attrs.get("synthetic", False)))
    elif hasattr(item, "wide") and hasattr(item, "notes") and hasattr(item, "pairs"):
        w = item.wide()
        w.columns = [c for _, c in w.columns]
        s = _Slide(item.title or "Banner", table=w.reset_index(),
                   synthetic=bool(item.synthetic), notes="\n".join(item.notes))
    elif isinstance(item, str | Path):
        p = Path(item)
        if p.suffix.lower() == ".svg":
            if p.with_suffix(".png").is_file():
                p = p.with_suffix(".png")
            else:
                raise ValueError(f"{p}: PowerPoint cannot place SVG; save a PNG beside it")
        if p.suffix.lower() not in (".png", ".jpg", ".jpeg"):
            raise ValueError(f"items: {p} is not a PNG or JPEG image")
        if not p.is_file():
            raise ValueError(f"items: {p} does not exist")
        s = _Slide(p.stem, png=p.read_bytes())
    else:
        raise TypeError(f"items entries must be manifest entries, figures, DataFrames, "
                        f"banners or image paths, got {type(item).__name__}")
    if title:
        s.title = title
    return s


def _text(slide, left, top, width, height, text, size, *, bold=False, color=None,
          align=None):
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    tf = box.text_frame
    tf.word_wrap = True
    p = tf.paragraphs[0]
    p.text = str(text)
    if align is not None:
        p.alignment = align
    for run in p.runs:
        run.font.size = Pt(size)
        run.font.bold = bold
        if color:
            run.font.color.rgb = RGBColor.from_string(color)
    return box


def _place_picture(slide, png: bytes, box):
    from PIL import Image
    from pptx.util import Inches

    left, top, width, height = box
    with Image.open(io.BytesIO(png)) as im:
        pw, ph = im.size
    scale = min(width / pw, height / ph)
    w, h = pw * scale, ph * scale
    return slide.shapes.add_picture(io.BytesIO(png), Inches(left + (width - w) / 2),
                                    Inches(top + (height - h) / 2), Inches(w), Inches(h))


def _place_table(slide, df: pd.DataFrame, box):
    from pptx.util import Inches, Pt

    left, top, width, _ = box
    rows, cols = len(df) + 1, len(df.columns)
    shape = slide.shapes.add_table(rows, cols, Inches(left), Inches(top), Inches(width),
                                   Inches(0.35 * rows))
    table = shape.table
    for j, c in enumerate(df.columns):
        table.cell(0, j).text = str(c)
    for i, row in enumerate(df.itertuples(index=False), start=1):
        for j, v in enumerate(row):
            table.cell(i, j).text = "" if v is None or (not isinstance(v, str) and pd.isna(v)) \
                else str(v)
    size = 12 if cols <= 6 else (10 if cols <= 10 else 8)
    for r in range(rows):
        for j in range(cols):
            for p in table.cell(r, j).text_frame.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(size)
    return shape


def save_deck(items, name, *, title: str = "Results", subtitle: str | None = None,
              source: str | None = None, synthetic: bool | None = None,
              max_native_rows: int = 12, base: str | Path | None = None,
              outdir: str | Path | None = None) -> Path:
    """Build a PowerPoint deck: a title slide, then one slide per figure or table.

    Parameters
    ----------
    items : list
        Manifest entries returned by ``save_figure``/``save_table``/``save_banner`` (their
        PNG / CSV files are read from ``base``), matplotlib figures, DataFrames, banner
        results, or PNG paths; an ``(item, "slide title")`` tuple sets the title.
    name : str or path
        A file stem (``"deck"``: ``<reports>/deck.pptx``, or in ``outdir``) or a path
        (``"out/deck.pptx"``), written atomically. Hostile names are refused as by every
        ``save_*`` (:func:`cxresearch.report.output.save.destination`). Each slide's notes
        carry the provenance of what it shows.
    title, subtitle : str
        Title slide.
    source : str, optional
        Source line on every content slide (e.g. the study and wave); default for manifest
        entries: the waves they were computed from.
    synthetic : bool, optional
        Force the synthetic-data notice on every slide (default: per item, from its entry or
        object).
    max_native_rows : int
        Tables with at most this many rows become native PowerPoint tables, longer ones an
        image (default 12).
    base : path, optional
        Folder that manifest entries' file paths are relative to (default: the reports
        folder).
    outdir : path, optional
        Folder for a deck given by name (default: the reports folder).

    Returns
    -------
    pathlib.Path

    References
    ----------
    python-pptx documentation.

    Examples
    --------
    >>> e = cx.save_figure(fig, "nps_by_owner")  # doctest: +SKIP
    >>> cx.save_deck([e, (banner_result, "NPS by owner")], "deck.pptx")  # doctest: +SKIP
    >>> # In R: officer::read_pptx() |> officer::add_slide() |> officer::ph_with(...)
    """
    from pptx import Presentation
    from pptx.util import Inches

    if isinstance(items, dict | str | Path) or not hasattr(items, "__iter__"):
        items = [items]
    items = list(items)
    folder, stem, _, _ = destination(name, outdir=outdir, sub="", allowed=("pptx",),
                                     default=("pptx",), what="save_deck")
    path = folder / f"{stem}.pptx"
    if isinstance(max_native_rows, bool) or not isinstance(max_native_rows, int) or \
            max_native_rows < 1:
        raise ValueError(f"max_native_rows must be a positive integer, got {max_native_rows!r}")
    base = Path(base) if base is not None else paths.reports_dir()
    slides = [_slide_of(it, base) for it in items]
    any_synth = bool(synthetic) or any(s.synthetic for s in slides)
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(_W), Inches(_H)
    first = prs.slides.add_slide(prs.slide_layouts[0])
    first.shapes.title.text = title
    sub = [subtitle] if subtitle else []
    if any_synth:
        sub.append(SYNTHETIC)
    first.placeholders[1].text = "\n".join(sub)
    blank = prs.slide_layouts[6]
    for s in slides:
        slide = prs.slides.add_slide(blank)
        _text(slide, 0.5, 0.3, _W - 1, 0.8, s.title or "", 24, bold=True)
        box = (0.5, 1.2, _W - 1, _H - 2.0)
        if s.table is not None and len(s.table) <= max_native_rows:
            _place_table(slide, s.table, box)
        else:
            _place_picture(slide, s.png if s.png is not None else _table_png(s.table), box)
        line = source or s.source
        if line:
            _text(slide, 0.5, _H - 0.6, _W - 1, 0.4, f"Source: {line}", 10, color="555555")
        if synthetic or s.synthetic:
            _text(slide, _W - 5.5, 0.05, 5.2, 0.35, SYNTHETIC, 11, bold=True, color="B00020")
        slide.notes_slide.notes_text_frame.text = s.notes or "provenance: not recorded"
    atomic_save(path, lambda tmp: prs.save(tmp))
    return path
