"""Export figures and tables for publication, each with a provenance entry.

:func:`save_figure` writes PDF (TrueType/Type 42 fonts, embedded), SVG (text kept as text),
PNG (300 dpi or more, with its dpi in the file) and the data behind the figure as CSV;
:func:`save_table` writes CSV, LaTeX (booktabs) and HTML with the rounding rules and small-cell
suppression of :mod:`cxresearch.output_tables`. Both append an entry to
``<reports>/manifest.json`` (see :mod:`cxresearch.output_provenance`) saying which files were
written (paths and sha256), from which notebook and parameters, at which git commit (and
whether the working tree was dirty), with which package version, from which waves (with their
manifests' hashes), and whether any input was synthetic.

Saving the same figure twice from the same inputs gives byte-identical CSV, PDF and SVG and the
same manifest entry apart from ``created`` (PDF without a creation date, SVG with a fixed hash
salt and no date).

Examples
--------
>>> import cxresearch as cx, pandas as pd
>>> df = pd.DataFrame({"group": ["A", "B"], "estimate": [.4, .6], "ci_low": [.3, .5],
...                    "ci_high": [.5, .7], "n": [120, 3]})
>>> entry = cx.save_table(df, "demo", outdir="/tmp/cx_demo")  # doctest: +SKIP
>>> # In R: knitr::kable(df, format = "latex", booktabs = TRUE)
"""

from __future__ import annotations

import io
import os
import re
import warnings
from pathlib import Path

import matplotlib as mpl
import pandas as pd
from matplotlib import cbook
from matplotlib.figure import Figure
from matplotlib.mathtext import MathTextParser
from matplotlib.text import Text

from cxresearch import paths
from cxresearch.errors import SyntheticDataWarning
from cxresearch.paths import atomic_save, atomic_write, spreadsheet_safe_frame
from cxresearch.report.output.tables import format_table, to_html, to_latex
from cxresearch.report.provenance import (
    file_record,
    git_state,
    is_synthetic,
    manifest_path,
    now_utc,
    package_version,
    run_context,
    update_manifest,
    wave_record,
)

__all__ = ["destination", "save_figure", "save_table"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_SAVE_RC = {"pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none",
            "svg.hashsalt": "cxresearch", "pdf.compression": 6}


# Windows device names: a file called CON, con.xlsx or LPT1.csv cannot be opened there
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$",
             *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: longest file stem accepted (file systems allow 255 bytes; room is left for suffixes)
MAX_STEM = 200
# suffixes of files some writer produces: given to the wrong save_* they are refused, not
# taken as part of the stem
_FILE_SUFFIXES = {"pdf", "svg", "png", "jpg", "jpeg", "gif", "tif", "tiff", "eps", "ps", "csv",
                  "tsv", "tex", "html", "htm", "xlsx", "xls", "ods", "pptx", "ppt", "docx",
                  "doc", "json", "txt", "md", "parquet"}


def destination(name, *, outdir=None, sub: str, formats=None, allowed=(), default=(),
                what: str = "save") -> tuple[Path, str, tuple, Path]:
    """Where a ``save_*`` function writes: ``(folder, stem, formats, manifest)``.

    The one checker of the ``name`` argument every ``save_*`` shares:

    - a **name** (``"mean_cusa"``, a str without ``/``): files go into the run's folder
      (``<reports>/<sub>``, or ``outdir``) with the run's manifest, in ``formats`` (default
      ``default``);
    - a **path** (a str with ``/``, or a :class:`pathlib.Path`; ``"out/mean_cusa.xlsx"``):
      files go into its folder, with a ``manifest.json`` there;
    - either way a suffix that is one of ``allowed`` (``.xlsx``) chooses the format; a name
      without such a suffix writes ``formats``.

    Refused with a ValueError naming ``name`` and its value: anything but a str or a path;
    an empty name; control, line-break or bidirectional-override characters in the file name; a
    stem that is not letters, digits, ``_``, ``-``, ``.`` (starting with a letter or digit,
    not ending with ``.``) or is longer than :data:`MAX_STEM`; Windows device names (``CON``,
    ``nul.csv``, ``LPT1``); a directory (``"out/"``, an existing folder); a file suffix this
    function does not write; a folder in both ``name`` and ``outdir``; ``formats`` that
    contradict the suffix.
    """
    def refuse(why: str):
        raise ValueError(f"name {why}, got {name!r}")

    if isinstance(name, os.PathLike):
        text, is_path = os.fspath(name), True
    elif isinstance(name, str):
        text = name
        is_path = "/" in text or os.sep in text
    else:
        refuse("must be a file name (str) or a path")
    if not isinstance(text, str):
        refuse("must be a text path, not bytes")
    if not text.strip():
        refuse("is empty")
    # the file's own name is checked; the folders above it are where the user (or the run)
    # already keeps files, whatever they are called
    if _CONTROL.search(Path(text).name if is_path else text):
        refuse("contains a control or line-break character")
    if text.endswith(("/", os.sep)) or (is_path and Path(text).is_dir()):
        refuse("is a directory; give a file name such as 'out/table.xlsx'")
    p = Path(text)
    suffix = p.suffix.lower().lstrip(".")
    fmts = default if formats is None else ((formats,) if isinstance(formats, str)
                                            else tuple(formats))
    if suffix in allowed:
        stem = p.name[: -len(p.suffix)]
        if formats is not None and tuple(fmts) != (suffix,):
            raise ValueError(f"formats={formats!r} contradicts the suffix of name {name!r}: "
                             "give one or the other")
        fmts = (suffix,)
    elif suffix in _FILE_SUFFIXES:
        refuse(f"ends in '.{suffix}', which {what} does not write (it writes "
               f"{', '.join('.' + a for a in allowed)})")
    else:
        stem = p.name
    if len(stem) > MAX_STEM:
        refuse(f"has a file stem of {len(stem)} characters (at most {MAX_STEM})")
    if not _NAME.match(stem) or stem.endswith("."):
        refuse("must be a file stem of letters, digits, '_', '-', '.' (or a path ending in one)")
    if stem.split(".")[0].upper() in _RESERVED:
        refuse(f"is {stem.split('.')[0]!r}, a device name on Windows")
    bad = sorted(set(map(str, fmts)) - set(allowed))
    if bad or not fmts:
        raise ValueError(f"formats must be among {', '.join(allowed)}, got {list(fmts)}")
    if is_path:
        if outdir is not None:
            refuse("names a folder and outdir= is given: give the folder in one of them")
        folder, manifest = p.parent, p.parent / "manifest.json"
    else:
        folder, manifest = _locations(outdir, sub)
    taken = [f"{stem}.{f}" for f in fmts if (folder / f"{stem}.{f}").is_dir()]
    if taken:
        refuse(f"would write over {', '.join(taken)} in {folder}, which is a folder; choose "
               "another name or move the folder")
    return folder, stem, tuple(fmts), manifest


def _locations(outdir, sub: str) -> tuple[Path, Path]:
    reports = paths.reports_dir()
    if outdir is None:
        return reports / sub, manifest_path(reports)
    out = Path(outdir)
    return out, out / "manifest.json"


def _waves(waves) -> list[dict]:
    if waves is None:
        return []
    if not isinstance(waves, (list, tuple)):
        waves = [waves]
    recs = [wave_record(w) for w in waves]
    return sorted(recs, key=lambda r: (str(r["study"]), str(r["wave"])))


def _csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV text of ``df`` with every text cell and header neutralised for spreadsheets."""
    buf = io.StringIO()
    spreadsheet_safe_frame(df).to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def _write_bytes(path: Path, data: bytes) -> None:
    with atomic_write(path, "wb") as fh:
        fh.write(data)


def _base_entry(kind, name, notebook, parameters, wave_recs, synthetic) -> dict:
    nb, params = run_context(notebook, parameters)
    return {
        "kind": kind,
        "name": name,
        "created": now_utc(),
        "notebook": nb,
        "parameters": params,
        "git": git_state(),
        "package": {"name": "cxresearch", "version": package_version()},
        "versions": {"matplotlib": mpl.__version__, "pandas": pd.__version__},
        "waves": wave_recs,
        "synthetic": synthetic,
    }


def _defuse_text(fig: Figure) -> None:
    """Text of a figure that TeX or mathtext would choke on is drawn as plain text.

    cxresearch's theme already turns mathtext and TeX off for every label (labels come from
    data); a figure made outside it may still carry ``$...$`` from a codebook or a
    respondent: TeX is switched off (``\\input`` must never reach LaTeX) and any text whose
    mathtext does not parse is shown literally, so that saving never fails on a label.
    """
    parser = MathTextParser("path")
    for t in fig.findobj(Text):
        if t.get_usetex():
            t.set_usetex(False)
        text = t.get_text()
        if not t.get_parse_math() or not cbook.is_math_text(text):
            continue
        try:
            parser.parse(text, 72, t.get_fontproperties())
        except Exception:  # noqa: BLE001 - any parse failure: draw the text literally
            t.set_parse_math(False)


# ----------------------------------------------------------------------------- figures
def save_figure(
    fig: Figure,
    name: str,
    *,
    data: pd.DataFrame | None = None,
    notebook: str | None = None,
    parameters: dict | None = None,
    waves=None,
    synthetic: bool | None = None,
    outdir: str | Path | None = None,
    dpi: int = 300,
    formats=None,
) -> dict:
    """Write a figure as PDF, SVG, PNG and its data as CSV, and record its provenance.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A chart from :mod:`cxresearch.charts` or any matplotlib figure.
    name : str or path
        A file stem (``"nps_by_owner"``: ``<reports>/figures/nps_by_owner.pdf`` ...) or a path
        (``"out/fig.pdf"``: that file, its format from the suffix, the data CSV beside it and
        a ``manifest.json`` in its folder). An existing manifest entry of that name is
        replaced. Hostile names are refused (see :func:`destination`).
    data : DataFrame, optional
        The data behind the figure (default: ``fig.cx_data`` set by the chart functions).
    notebook, parameters : optional
        Default from ``$CXRESEARCH_NOTEBOOK`` and ``$CXRESEARCH_PARAMETERS`` (JSON), which the
        reproduce pipeline sets for each notebook.
    waves : Wave, manifest dict, path, or a list of them
        The waves the figure was computed from (study, wave, synthetic and the sha256 of each
        manifest are recorded).
    synthetic : bool, optional
        Default: True when any wave, the figure or ``data`` is synthetic. ``False`` with a
        synthetic input raises ``ValueError``. A synthetic figure without the visible note gets
        it added (with a ``SyntheticDataWarning``).
    outdir : path, optional
        Folder for the files and the manifest (default ``<reports>/figures`` and
        ``<reports>/manifest.json``, reports = ``$CXRESEARCH_REPORTS`` or ``reports/``).
    dpi : int
        PNG resolution, at least 300.
    formats : tuple of {"pdf", "svg", "png"}, optional
        Default all three, or the one the suffix of ``name`` names.

    Returns
    -------
    dict
        The manifest entry.

    References
    ----------
    Rule, A. et al. (2019). Ten simple rules for writing and sharing computational analyses in
    Jupyter Notebooks. PLOS Comput. Biol. 15(7): e1007007. Luger, R. et al. (2021).
    showyourwork! https://github.com/showyourwork/showyourwork

    Examples
    --------
    >>> import cxresearch as cx  # doctest: +SKIP
    >>> fig = cx.estimate_bars(df)  # doctest: +SKIP
    >>> cx.save_figure(fig, "nps_by_owner", waves=[wave])  # doctest: +SKIP
    >>> # In R: ggsave("nps_by_owner.pdf", device = cairo_pdf, width = 85, units = "mm")
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    folder, name, formats, manifest = destination(
        name, outdir=outdir, sub="figures", formats=formats, allowed=("pdf", "svg", "png"),
        default=("pdf", "svg", "png"), what="save_figure")
    if isinstance(dpi, bool) or not isinstance(dpi, int) or dpi < 300:
        raise ValueError(f"dpi must be an integer >= 300, got {dpi!r}")
    if data is None:
        data = getattr(fig, "cx_data", None)
    if data is not None and not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a DataFrame, got {type(data).__name__}")
    wave_recs = _waves(waves)
    synth = is_synthetic(synthetic, *wave_recs, bool(getattr(fig, "cx_synthetic", False)), data)
    if synth and not _has_synthetic_note(fig):
        warnings.warn(f"figure {name!r} is based on synthetic data but carries no note; adding "
                      "'Reconstructed (synthetic) data' at its top right",
                      SyntheticDataWarning, stacklevel=2)
        _add_corner_note(fig)
    base = manifest.parent
    files: dict[str, dict] = {}
    _defuse_text(fig)
    with mpl.rc_context(_SAVE_RC):
        for fmt in formats:
            path = folder / f"{name}.{fmt}"
            if fmt == "pdf":
                kw = {"metadata": {"CreationDate": None, "ModDate": None,
                                   "Creator": f"cxresearch {package_version()}"}}
            elif fmt == "svg":
                kw = {"metadata": {"Date": None, "Creator": f"cxresearch {package_version()}"}}
            else:
                # pHYs stores pixels per metre: 300 dpi is 11811.02 ppm; rounding up keeps the
                # stated resolution at or above `dpi` (300.02) instead of 299.9994.
                ppm = -(-dpi * 10000 // 254)
                kw = {"dpi": dpi, "pil_kwargs": {"dpi": (ppm * 0.0254, ppm * 0.0254)},
                      "metadata": {"Software": f"cxresearch {package_version()}"}}
            atomic_save(path, lambda tmp, fmt=fmt, kw=kw: fig.savefig(tmp, format=fmt, **kw))
            files[fmt] = file_record(path, base)
    if "png" in formats:
        alt = _slide_variant(fig, synth, dpi)
        if alt is not None:
            path = folder / f"{name}_slide.png"
            ppm = -(-dpi * 10000 // 254)
            with mpl.rc_context(_SAVE_RC):
                atomic_save(path, lambda tmp: alt.savefig(
                    tmp, format="png", dpi=dpi, pil_kwargs={"dpi": (ppm * 0.0254,) * 2},
                    metadata={"Software": f"cxresearch {package_version()}"}))
            files["png_slide"] = file_record(path, base)
    if data is not None:
        path = folder / f"{name}.csv"
        _write_bytes(path, _csv_bytes(data))
        files["csv"] = file_record(path, base)
    else:
        warnings.warn(f"figure {name!r}: no data behind it (pass data=) - no CSV written",
                      UserWarning, stacklevel=2)
    entry = _base_entry("figure", name, notebook, parameters, wave_recs, synth)
    w, h = fig.get_size_inches()
    from cxresearch.report.charts.check import text_problems

    screen_dpi = fig.get_dpi()
    fig.set_dpi(dpi if "png" in formats else 72)   # checked as the PNG (PDF/SVG) draws it
    problems = text_problems(fig)
    fig.set_dpi(screen_dpi)
    entry["figure"] = {"chart": getattr(fig, "cx_chart", None) or None,
                       "title": _own_title(fig),
                       "text_problems": problems,
                       "width_mm": round(w * 25.4, 1), "height_mm": round(h * 25.4, 1),
                       "png_dpi": dpi}
    entry["files"] = files
    update_manifest(manifest, entry)
    return entry


SLIDE_FONTS_PT = (11.0, 9.5, 8.0)   # tried in turn; 11 pt placed 12.5 in wide is ~14 pt
SLIDE_AREA_IN = (12.5, 5.9)          # the content area of a 16:9 slide below its title


def _slide_variant(fig: Figure, synthetic: bool, dpi: int = 300) -> Figure | None:
    """The same chart drawn again for a landscape slide when the figure is tall and was made
    by a cxresearch chart function (``fig.cx_redraw``): ``SLIDE_WIDTH_MM`` wide at each size of
    ``SLIDE_FONTS_PT`` in turn, keeping the first whose text, once fitted into the slide's
    content area, reads larger than the journal figure's would and which has no overlapping
    or off-canvas text; None when there is none."""
    from cxresearch.report.charts.check import text_problems
    from cxresearch.report.charts.redraw import SLIDE_WIDTH_MM
    from cxresearch.report.style import Theme, current_theme

    redraw = getattr(fig, "cx_redraw", None)
    w, h = fig.get_size_inches()
    if redraw is None or h / w < 0.7:
        return None
    aw_, ah_ = SLIDE_AREA_IN

    def on_slide(size_pt, fw, fh):
        return size_pt * min(aw_ / fw, ah_ / fh)

    best, best_pt = None, on_slide(current_theme().font_size, w, h)
    for pt in SLIDE_FONTS_PT:
        try:
            with warnings.catch_warnings(), Theme(width=SLIDE_WIDTH_MM, font_size=pt):
                warnings.simplefilter("ignore")
                alt = redraw(width=SLIDE_WIDTH_MM)
        except Exception:  # noqa: BLE001 - the journal figure is saved; a variant is a bonus
            return None
        aw, ah = alt.get_size_inches()
        eff = on_slide(pt, aw, ah)
        alt.set_dpi(dpi)               # text is laid out at the resolution it is saved at
        if eff > best_pt * 1.1 and not text_problems(alt):
            best, best_pt = alt, eff
            break            # the largest size that reads well: smaller ones read smaller
    if best is None:
        return None
    if synthetic and not _has_synthetic_note(best):
        _add_corner_note(best)
    _defuse_text(best)
    return best


def _own_title(fig: Figure) -> str | None:
    """The figure's title in words for decks and contents (``cx_title``, its suptitle, or the
    title of its only axes), None when it has none."""
    t = getattr(fig, "cx_title", None)
    sup = getattr(fig, "_suptitle", None)
    if not t and sup is not None:
        t = sup.get_text()
    if not t and len(fig.axes) == 1:
        t = fig.axes[0].get_title()
    t = " ".join(str(t or "").split())
    return t or None


def _has_synthetic_note(fig: Figure) -> bool:
    from cxresearch.report.charts.base import SYNTHETIC_NOTE

    head = SYNTHETIC_NOTE.split(" \u2014")[0]
    return any(head in t.get_text().replace("\n", " ") for t in fig.findobj(
        lambda a: hasattr(a, "get_text")))


def _add_corner_note(fig: Figure) -> None:
    from cxresearch.report.charts.base import SYNTHETIC_NOTE
    from cxresearch.report.style import SYNTHETIC_INK

    fig.text(0.99, 0.99, SYNTHETIC_NOTE.split(" \u2014")[0], ha="right", va="top",
             fontsize=mpl.rcParams["font.size"] * 0.85, color=SYNTHETIC_INK, fontweight="bold",
             gid="cx_footer", bbox={"fc": "white", "ec": "none", "alpha": 0.85, "pad": 1})
    fig.cx_synthetic = True


# ----------------------------------------------------------------------------- tables
def save_table(
    df: pd.DataFrame,
    name: str,
    *,
    count_columns=None,
    suppress_below: int | None = 5,
    based_on: dict | None = None,
    formats=None,
    column_formats: dict | None = None,
    estimate_decimals: int = 2,
    ci: tuple[str, str] | None = ("ci_low", "ci_high"),
    ci_label: str = "95% CI",
    caption: str | None = None,
    notes=None,
    source: str | None = None,
    index: bool = False,
    notebook: str | None = None,
    parameters: dict | None = None,
    waves=None,
    synthetic: bool | None = None,
    outdir: str | Path | None = None,
) -> dict:
    """Write a table as CSV, LaTeX (booktabs) and HTML, with rounding rules, small-cell
    suppression and a provenance entry.

    Parameters
    ----------
    df : DataFrame
        Usually an estimator's tidy output; ``ci_low``/``ci_high`` become one "95% CI" column.
    name : str or path
        A file stem (``"mean_cusa"``: ``<reports>/tables/mean_cusa.csv`` ...) or a path
        (``"out/mean_cusa.xlsx"``: that file, its format from the suffix, with a
        ``manifest.json`` in its folder). An existing manifest entry of that name is replaced.
        Hostile names are refused (see :func:`destination`).
    count_columns : list of str, optional
        Columns of respondent counts (default: ``n``, ``count``, ``n_*`` except ``n_eff``).
    suppress_below : int or None
        k: counts below k are shown as ``<k`` and the statistics based on them as ``–``
        (``None`` turns suppression off). Default 5.
    based_on : dict, optional
        ``{statistic column: count column}`` when a table has several count columns; without
        it every statistic of a row with any small count is suppressed.
    formats : tuple of str or dict, optional
        Files to write, among ``"csv"``, ``"tex"``, ``"html"``, ``"xlsx"`` (default the
        first three, or the one the suffix of ``name`` names; ``"xlsx"``: a workbook with the table, its notes and a provenance sheet,
        see :mod:`cxresearch.report.output.xlsx`). A dict here is taken as ``column_formats``.
    column_formats : dict, optional
        Per-column spec: ``"pct"`` (percent, 1 dp), ``"prop"`` (proportion shown as percent,
        1 dp), ``"p"`` (p-value), ``"count"``, a number of decimals, a format string or a
        callable. Defaults follow the column names (see :mod:`cxresearch.output_tables`).
    caption, notes, source : optional
        Caption; extra notes (str or list) and a source line for the table footer.
    synthetic : bool, optional
        As for :func:`save_figure`; a synthetic table carries a note in its caption/footer.
    waves, notebook, parameters, outdir
        As for :func:`save_figure` (tables go to ``<reports>/tables``).

    Returns
    -------
    dict
        The manifest entry, with ``table`` (rows, columns, suppression, notes).

    References
    ----------
    Office for National Statistics (2021). Statistical disclosure control for tables produced
    from surveys. Hundepool, A. et al. (2012). Statistical Disclosure Control. Wiley, ch. 5.

    Examples
    --------
    >>> import cxresearch as cx, pandas as pd  # doctest: +SKIP
    >>> cx.save_table(cx.nps(design, by="owner"), "nps_by_owner", caption="NPS by CX owner")  # doctest: +SKIP
    >>> # In R: kableExtra::kbl(df, booktabs = TRUE) plus sdcTable for suppression
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    if isinstance(formats, dict):
        column_formats = {**formats, **(column_formats or {})}
        formats = None
    folder, name, outputs, manifest = destination(
        name, outdir=outdir, sub="tables", formats=formats,
        allowed=("csv", "tex", "html", "xlsx"), default=("csv", "tex", "html"),
        what="save_table")
    wave_recs = _waves(waves)
    synth = is_synthetic(synthetic, *wave_recs, df)
    table, info = format_table(df, count_columns=count_columns, suppress_below=suppress_below,
                               based_on=based_on, formats=column_formats,
                               estimate_decimals=estimate_decimals, ci=ci, ci_label=ci_label,
                               index=index)
    all_notes = []
    if synth:
        all_notes.append("Reconstructed (synthetic) data, not observed survey responses.")
    all_notes += info["notes"]
    if notes:
        all_notes += [notes] if isinstance(notes, str) else list(notes)
    if source:
        all_notes.append(f"Source: {source.rstrip('.')}.")
    cap = caption
    if synth:
        cap = (caption.rstrip(".") + " (reconstructed, synthetic data)") if caption else \
            "Reconstructed (synthetic) data"
    base = manifest.parent
    files = {}
    if "csv" in outputs:
        _write_bytes(folder / f"{name}.csv", _csv_bytes(table))
        files["csv"] = file_record(folder / f"{name}.csv", base)
    if "tex" in outputs:
        _write_bytes(folder / f"{name}.tex", to_latex(
            table, info, caption=cap, label=f"tab:{name}", notes=all_notes).encode("utf-8"))
        files["tex"] = file_record(folder / f"{name}.tex", base)
    if "html" in outputs:
        _write_bytes(folder / f"{name}.html", to_html(table, info, caption=cap, notes=all_notes,
                                                      name=name).encode("utf-8"))
        files["html"] = file_record(folder / f"{name}.html", base)
    entry = _base_entry("table", name, notebook, parameters, wave_recs, synth)
    if "xlsx" in outputs:
        from cxresearch.report.output.xlsx import write_tables_xlsx

        write_tables_xlsx(folder / f"{name}.xlsx", [
            {"name": name, "df": table, "title": cap, "notes": all_notes, "synthetic": synth,
             "text_numbers": True}], provenance=[entry])
        files["xlsx"] = file_record(folder / f"{name}.xlsx", base)
    entry["table"] = {"rows": len(table), "columns": list(table.columns), "caption": cap,
                      "suppress_below": info["suppress_below"],
                      "count_columns": info["count_columns"],
                      "small_count_cells": info["small_counts"],
                      "suppressed_cells": info["suppressed"], "notes": all_notes}
    entry["files"] = files
    update_manifest(manifest, entry)
    return entry
