"""PowerPoint decks (python-pptx): a cover, a contents slide, then one slide per figure or
table, in the default 16:9 layout or a researcher's own ``.pptx``/``.potx`` master.

Every slide's title sits in the layout's title placeholder (so a master's fonts, colours and
outline view apply) and is a title in words: the caption or title a figure or table was saved
with, else the one given as ``(item, "title")``. Figures go in as their saved PNG at the
largest size that keeps their aspect inside the content area (a tall chart saved by
``save_figure`` also has a ``_slide.png`` laid out for a landscape slide, which is used);
tables of up to ``max_native_rows`` rows become native tables with number formats (percent,
signed NPS, decimals), banners native tables with superscript letters, longer tables an image.
The cover names the project, the studies and the kinds of data; the synthetic-data notice
appears once on each slide whose data are synthetic (a figure saved by ``save_figure`` carries
it in the picture) and never on a deck of observed data; the notes hold the provenance in
words (notebook, commit, waves, files and their hashes).

References
----------
python-pptx documentation, https://python-pptx.readthedocs.io (``add_picture``,
``add_table``, ``notes_slide``, slide layouts and placeholders).
"""

from __future__ import annotations

import io
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
        self.notice_drawn = False
        self.banner = None


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
    info = e.get("figure") or e.get("table") or {}
    title = info.get("title") or info.get("caption") or e.get("name", "")
    notes = _notes_words(e)
    waves = [f"{w.get('study')} {w.get('wave')}" for w in e.get("waves") or []
             if isinstance(w, dict)]
    source = ("cxresearch, " + ", ".join(waves)) if waves else None
    if e.get("kind") == "figure":
        if "png" not in files:
            raise ValueError(f"figure entry {title!r} has no PNG file (save it with "
                             "formats including 'png')")
        png = files.get("png_slide") or files["png"]   # laid out for a slide when tall
        s = _Slide(title, png=(base / png["path"]).read_bytes(), source=source,
                   synthetic=bool(e.get("synthetic")), notes=notes)
        s.notice_drawn = bool(e.get("synthetic"))  # save_figure drew it into the picture
        return s
    if e.get("kind") == "table":
        cap = (e.get("table") or {}).get("caption") or title
        if "csv" not in files:
            raise ValueError(f"table entry {title!r} has no CSV file")
        df = pd.read_csv(base / files["csv"]["path"], dtype=str, keep_default_na=False)
        return _Slide(cap, table=df, synthetic=bool(e.get("synthetic")), notes=notes,
                      source=source)
    raise ValueError(f"manifest entry of kind {e.get('kind')!r} cannot go on a slide")


def _figure_title(fig) -> str:
    """A figure's own title (its suptitle or first axes title), else ``""``."""
    sup = getattr(fig, "_suptitle", None)
    if sup is not None and sup.get_text().strip():
        return sup.get_text().replace("\n", " ").strip()
    for ax in fig.axes:
        t = ax.get_title().strip()
        if t:
            return t.replace("\n", " ")
    return ""


def _slide_of(item, base: Path) -> _Slide:
    from matplotlib.figure import Figure

    title = None
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], str):
        item, title = item
    if isinstance(item, dict) and "kind" in item:
        s = _from_entry(item, base)
    elif isinstance(item, Figure):
        from cxresearch.report.output.save import _has_synthetic_note

        s = _Slide(_figure_title(item), png=_fig_png(item),
                   synthetic=bool(getattr(item, "cx_synthetic", False)))
        s.notice_drawn = _has_synthetic_note(item)
    elif isinstance(item, pd.DataFrame):
        s = _Slide("", table=item, synthetic=bool(item.attrs.get("synthetic", False)))
    elif hasattr(item, "wide") and hasattr(item, "notes") and hasattr(item, "pairs"):
        s = _Slide(item.title or "Banner", synthetic=bool(item.synthetic),
                   notes="\n".join(item.notes))
        s.banner = item
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
    for k, line in enumerate(str(text).split("\n")):
        p = tf.paragraphs[0] if k == 0 else tf.add_paragraph()
        p.text = line
        if align is not None:
            p.alignment = align
        for run in p.runs:
            run.font.size = Pt(size)
            run.font.bold = bold
            if color:
                run.font.color.rgb = RGBColor.from_string(color)
    return box


def _place_picture(slide, png: bytes, box):
    """The picture at the largest size that keeps its aspect inside ``box`` (inches);
    returns the shape."""
    from PIL import Image
    from pptx.util import Inches

    left, top, width, height = box
    with Image.open(io.BytesIO(png)) as im:
        pw, ph = im.size
    scale = min(width / pw, height / ph)
    w, h = pw * scale, ph * scale
    return slide.shapes.add_picture(io.BytesIO(png), Inches(left + (width - w) / 2),
                                    Inches(top + (height - h) / 2), Inches(w), Inches(h))


def _cell_text(c) -> str:
    from cxresearch.report.output.typed import TypedCell

    if not isinstance(c, TypedCell):
        return "" if c is None else str(c)
    v, f = c.value, c.fmt
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if f == "pct0":
        return f"{100 * v:.0f}%"
    if f == "pct1":
        return f"{100 * v:.1f}%"
    if f == "signed":
        return f"{v:+.0f}"
    if f == "int":
        return f"{v:,.0f}"
    if f == "p":
        return f"{v:.3f}"
    if f.startswith("dec"):
        return f"{v:.{int(f[3:] or 0)}f}"
    return str(v)


def _place_table(slide, df: pd.DataFrame, box):
    """A native table: headers and labels in words, numbers with their formats (percent,
    signed NPS, decimals) right-aligned."""
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches, Pt

    from cxresearch.report.output.typed import typed_table

    typed = typed_table(df.astype(object).where(df.notna(), "").astype(str))
    left, top, width, height = box
    rows, cols = len(typed.rows) + 1, len(typed.headers)
    size = 14 if cols <= 5 and rows <= 8 else 12 if cols <= 7 else (10 if cols <= 10 else 8)
    row_h = min(height / rows, size / 72 * 2.2)
    shape = slide.shapes.add_table(rows, cols, Inches(left), Inches(top), Inches(width),
                                   Inches(row_h * rows))
    table = shape.table
    for j, head in enumerate(typed.headers):
        table.cell(0, j).text = str(head)
    for i, row in enumerate(typed.rows, start=1):
        for j, c in enumerate(row):
            table.cell(i, j).text = _cell_text(c)
    for r in range(rows):
        for j in range(cols):
            for p in table.cell(r, j).text_frame.paragraphs:
                if typed.numeric[j]:
                    p.alignment = PP_ALIGN.RIGHT
                for run in p.runs:
                    run.font.size = Pt(size)
                    run.font.bold = r == 0
    return shape, typed.footnotes


def _flat_banner(result) -> pd.DataFrame:
    w = result.wide()
    w.columns = [c for _, c in w.columns]
    return w.reset_index()


def _open_template(template):
    """A Presentation from a researcher's ``.pptx``/``.potx`` master, its own slides removed
    (only the masters, layouts, theme, fonts, colours and logo are kept)."""

    from pptx import Presentation

    p = Path(template)
    if p.suffix.lower() not in (".pptx", ".potx"):
        raise ValueError(f"template must be a .pptx or .potx file, got {str(template)!r}")
    if not p.is_file():
        raise ValueError(f"template: {p} does not exist")
    data = p.read_bytes()
    try:
        if p.suffix.lower() == ".potx":
            data = _potx_as_pptx(data)
        prs = Presentation(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same user error
        raise ValueError(f"template: {p} is not a PowerPoint file python-pptx can read "
                         f"({type(exc).__name__}: {exc})") from None
    sld = prs.slides._sldIdLst
    for sid in list(sld):
        prs.part.drop_rel(sid.rId)
        sld.remove(sid)
    return prs

def _potx_as_pptx(data: bytes) -> bytes:
    """A .potx's bytes relabelled as a presentation (python-pptx opens a template once its
    main part says presentation)."""
    import zipfile

    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            b = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                b = b.replace(b"presentationml.template.main+xml",
                              b"presentationml.presentation.main+xml")
            z.writestr(info, b)
    return out.getvalue()

def _layout(prs, names, *, need_body: bool = False):
    """The first layout named in ``names`` (case-insensitive), else one with a title
    placeholder (and a body placeholder when ``need_body``)."""
    from pptx.enum.shapes import PP_PLACEHOLDER

    by = {lay.name.strip().lower(): lay for lay in prs.slide_layouts}
    for n in names:
        if n in by:
            return by[n]
    for lay in prs.slide_layouts:
        kinds = {ph.placeholder_format.type for ph in lay.placeholders}
        if (PP_PLACEHOLDER.TITLE in kinds or PP_PLACEHOLDER.CENTER_TITLE in kinds) and (
                not need_body or PP_PLACEHOLDER.BODY in kinds or
                PP_PLACEHOLDER.OBJECT in kinds):
            return lay
    return prs.slide_layouts[0]

def _default_geometry(prs) -> None:
    """python-pptx's own template is 4:3: widen its layouts' placeholders to the 16:9 slide
    (titles left-aligned on top, bodies below them)."""
    from pptx.util import Inches, Pt

    sw = prs.slide_width / 914400
    for lay in prs.slide_layouts:
        name = lay.name.strip().lower()
        for ph in lay.placeholders:
            idx = ph.placeholder_format.idx
            if name == "title slide":
                ph.left, ph.width = Inches(0.8), Inches(sw - 1.6)
                if idx == 0:
                    ph.top, ph.height = Inches(2.2), Inches(1.6)
                else:
                    ph.top, ph.height = Inches(4.0), Inches(2.2)
            elif idx == 0:
                ph.left, ph.top, ph.width, ph.height = (Inches(0.4), Inches(0.25),
                                                        Inches(sw - 0.8), Inches(0.95))
                tf = ph.text_frame
                tf.word_wrap = True
                for para in tf.paragraphs:
                    para.alignment = 1  # left
                    para.font.size = Pt(28)
                    para.font.bold = True
            else:
                ph.left, ph.top, ph.width, ph.height = (Inches(0.6), Inches(1.35),
                                                        Inches(sw - 1.2), Inches(5.4))

def _style_title(ttl, size: int = 28) -> None:
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Pt

    tf = ttl.text_frame
    tf.word_wrap = True
    tf.vertical_anchor = MSO_ANCHOR.MIDDLE
    n = len(ttl.text_frame.text)
    for para in tf.paragraphs:
        para.alignment = PP_ALIGN.LEFT
        for run in para.runs:
            run.font.size = Pt(size if n <= 60 else size - 6 if n <= 90 else size - 10)
            run.font.bold = True

def _title_and_area(slide, title: str, sw: float, sh: float, restyle: bool = False):
    """Put ``title`` in the slide's title placeholder; remove the other empty placeholders;
    return the content area (left, top, width, height) in inches below the title."""
    from pptx.util import Emu

    emu = 914400
    ttl = slide.shapes.title
    bottom = 1.3
    if ttl is not None:
        ttl.text = title or ""
        if restyle:
            _style_title(ttl)
        if ttl.top is not None and ttl.height is not None:
            bottom = (Emu(ttl.top) + Emu(ttl.height)) / emu + 0.1
    for ph in list(slide.placeholders):
        if ttl is not None and ph.shape_id == ttl.shape_id:
            continue
        ph._element.getparent().remove(ph._element)
    margin = 0.4
    return (margin, bottom, sw - 2 * margin, sh - bottom - 0.55)

def _notes_words(e: dict) -> str:
    """The provenance of a manifest entry in words."""
    lines = []
    waves = [f"{w.get('study')} wave {w.get('wave')}" for w in e.get("waves") or []
             if isinstance(w, dict)]
    kind = "reconstructed (synthetic) data" if e.get("synthetic") else (
        "observed data" if waves else "data as recorded in the manifest")
    what = "Figure" if e.get("kind") == "figure" else "Table"
    lines.append(f"{what} \u201c{e.get('name')}\u201d from {kind}" +
                 (f" ({', '.join(waves)})" if waves else "") + ".")
    if e.get("notebook"):
        lines.append(f"Made by notebook {e['notebook']}" + (
            f" with parameters {e['parameters']}" if e.get("parameters") else "") + ".")
    g = e.get("git") or {}
    if g.get("commit"):
        lines.append(f"Code: commit {str(g['commit'])[:10]}" +
                     (" with uncommitted changes" if g.get("dirty") else "") +
                     f", cxresearch {(e.get('package') or {}).get('version', '')}.")
    if e.get("created"):
        lines.append(f"Created {str(e['created']).replace('T', ' ').rstrip('Z')} UTC.")
    files = e.get("files") or {}
    if files:
        lines.append("Files: " + "; ".join(
            f"{v.get('path')} (sha256 {str(v.get('sha256', ''))[:12]}\u2026)"
            for v in files.values() if isinstance(v, dict)) + ".")
    return "\n".join(lines)

def save_deck(items, name, *, title: str = "Results", subtitle: str | None = None,
              source: str | None = None, synthetic: bool | None = None,
              max_native_rows: int = 12, base: str | Path | None = None,
              template: str | Path | None = None, outdir: str | Path | None = None) -> Path:
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
    template : path, optional
        A researcher's own ``.pptx`` or ``.potx`` master: its slide size, layouts, theme
        fonts and colours and logo are used (its own slides are dropped). Slides use the
        layouts named "Title Slide", "Title and Content" (contents) and "Title Only"
        (charts, tables), else the first layout with a title placeholder.
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
    n_synth = sum(1 for s in slides if synthetic or s.synthetic)
    if template is not None:
        prs = _open_template(template)
    else:
        prs = Presentation()
        prs.slide_width, prs.slide_height = Inches(_W), Inches(_H)
        _default_geometry(prs)
    emu = 914400
    sw, sh = prs.slide_width / emu, prs.slide_height / emu
    cover = prs.slides.add_slide(_layout(prs, ("title slide", "title")))
    cover.shapes.title.text = title
    sub = [subtitle] if subtitle else []
    if n_synth and n_synth == len(slides):
        sub.append(SYNTHETIC)
    elif n_synth:
        sub.append(f"{n_synth} of {len(slides)} slides show reconstructed (synthetic) data "
                   "and say so; the others show observed or published data.")
    body = [ph for ph in cover.placeholders if ph.placeholder_format.idx != 0]
    if body:
        body[0].text = "\n".join(sub)
        if template is None:
            from pptx.util import Pt

            for para in body[0].text_frame.paragraphs:
                for run in para.runs:
                    run.font.size = Pt(16 if len("\n".join(sub)) < 200 else 12)
        for ph in body[1:]:
            ph._element.getparent().remove(ph._element)
    elif sub:
        _text(cover, 0.6, sh * 0.62, sw - 1.2, 1.2, "\n".join(sub), 16)
    content = _layout(prs, ("title only", "title and content"))
    titles = [s.title or f"Slide {k + 2}" for k, s in enumerate(slides)]
    if len(slides) > 1:
        from pptx.util import Pt

        per = 12
        for start in range(0, len(titles), per):
            toc = prs.slides.add_slide(_layout(prs, ("title and content",), need_body=True))
            toc.shapes.title.text = "Contents" if start == 0 else "Contents (continued)"
            if template is None:
                _style_title(toc.shapes.title)
            box = [ph for ph in toc.placeholders if ph.placeholder_format.idx != 0]
            lines = [f"{start + k + 1}. {t}" for k, t in enumerate(titles[start:start + per])]
            if box:
                box[0].text = "\n".join(lines)
                for para in box[0].text_frame.paragraphs:
                    for run in para.runs:
                        run.font.size = Pt(18)
                for ph in box[1:]:
                    ph._element.getparent().remove(ph._element)
            else:
                _text(toc, 0.6, 1.4, sw - 1.2, sh - 2, "\n".join(lines), 16)
    for s, head in zip(slides, titles, strict=True):
        slide = prs.slides.add_slide(content)
        left, top, width, height = _title_and_area(slide, head, sw, sh,
                                                   restyle=template is None)
        notice = bool(synthetic or s.synthetic) and not s.notice_drawn
        if notice:  # once, above the content
            _text(slide, left, top - 0.05, width, 0.3, SYNTHETIC, 11, bold=True,
                  color="B00020")
            top, height = top + 0.3, height - 0.3
        box = (left, top, width, height)
        foot = []
        if s.banner is not None and len(s.banner.table["row"].unique()) <= 14:
            from cxresearch.report.output.banners import banner_slide_table

            banner_slide_table(slide, s.banner, box)
        elif s.table is not None and len(s.table) <= max_native_rows:
            _, foot = _place_table(slide, s.table, box)
        else:
            png = s.png if s.png is not None else _table_png(
                s.table if s.table is not None else _flat_banner(s.banner))
            _place_picture(slide, png, box)
        line = source or s.source
        if line:
            _text(slide, left, sh - 0.5, width, 0.35, f"Source: {line}", 10, color="555555")
        notes = s.notes or "Provenance: not recorded."
        if foot:
            notes += "\n" + "\n".join(foot)
        slide.notes_slide.notes_text_frame.text = notes
    atomic_save(path, lambda tmp: prs.save(tmp))
    return path
