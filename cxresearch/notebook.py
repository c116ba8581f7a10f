"""The API of the notebooks and templates: everything a notebook uses besides ``cxresearch``.

A notebook imports two things::

    import cxresearch as cx            # estimators, charts, save_* (the analysis)
    from cxresearch import notebook as nb   # which wave, labels, narration, set-up

and nothing else of the package, so that what notebooks rely on is one documented, tested
surface (``tests/notebook/test_notebook_api.py`` checks both). The names below live in their topic
modules; this module gathers them and adds :func:`setup` and :func:`labels`.

Set-up
    :func:`setup` -- the house theme for every figure, pandas' display options, and what an
    estimator warns kept in its result's ``.notes`` (not on stderr).
Choosing the waves
    :func:`analysis_wave` -- the wave a study notebook analyses (``wave`` parameter, else the
    study's reconstruction); :func:`baseline_wave`, :func:`previous_wave` -- the wave a new
    one is compared with; :func:`default_wave`, :func:`wave_labels` -- the templates' choice
    (the newest observed wave) and a study's waves; :func:`reconstruction` -- a study's
    reconstruction (stored by ``make reproduce`` or generated).
Labels from the codebook
    :func:`labels` / :class:`Labeller` -- item, level, index and model-term labels in the
    codebook's words (``names.item("cusa")``, ``names.level("owner", "ceo")``,
    ``names.term("owner[T.ceo]")``); ``cx.show_table(t, codebook=w)`` relabels a tidy table by
    itself; :func:`pretty` -- a readable label for an id without a codebook.
Narration
    :func:`say` -- Markdown built from computed values, every value escaped; :func:`esc`;
    :func:`describe_wave` -- one line naming a wave, its size and kind.
Templates' building blocks (codebook-driven)
    :func:`analysis_spec`, :func:`segments`, :func:`index_design`, :func:`used_design_columns`,
    :func:`item_estimates`, :func:`index_estimates`, :func:`index_reliability`,
    :func:`nps_estimates`, :func:`segment_comparisons`, ``ORDINAL``; the modules
    ``wavereport`` (the wave and drivers reports: design-based segment tests, NPS of declared
    recommend items, tables in the codebook's words, ``Notes`` -- warnings as one footnote)
    and ``trackreport`` (the tracking report's headline measures and tables).
Waves compared, scores on one scale
    :func:`compare_waves` (every item of two waves, Holm-adjusted), :func:`to_pomp` (percent
    of the maximum possible score).
Published figures
    :func:`scorecard` / :class:`Scorecard` -- the checks of every study's published figures;
    :func:`write_scorecard` -- the scorecard as a Markdown document; :func:`ratio_claims` --
    a report's "k times more likely" claims re-estimated in a wave.
Warnings a notebook may state
    :class:`SmallCellWarning`, :class:`ConvergenceWarning` (``result.warned(...)`` and
    ``result.notes`` say the same without catching them).

Examples
--------
>>> from cxresearch import notebook as nb
>>> nb.esc("a*b")
'a\\\\*b'
>>> nb.pretty("csat_pct")
'CSAT pct'
>>> # In R (knitr): the set-up chunk, knitr::opts_chunk$set(...) and theme_set(...)
"""

from __future__ import annotations

import pandas as pd

from cxresearch.errors import ConvergenceWarning, SmallCellWarning
from cxresearch.ledger.ratios import RatioClaim, ratio_claims
from cxresearch.pipeline.selection import analysis_wave, baseline_wave, previous_wave
from cxresearch.reconstruction.scorecard import Scorecard, reconstruction, scorecard
from cxresearch.report.charts.base import pretty
from cxresearch.report.charts.labels import Labeller
from cxresearch.report.narrative import trackreport, wavereport
from cxresearch.report.narrative.story import describe_wave, esc, say
from cxresearch.report.narrative.wavereport import (
    ORDINAL,
    analysis_spec,
    default_wave,
    index_design,
    index_estimates,
    index_reliability,
    item_estimates,
    nps_estimates,
    segment_comparisons,
    segments,
    used_design_columns,
    wave_labels,
)
from cxresearch.report.output.documents import write_scorecard
from cxresearch.report.style import Theme, theme
from cxresearch.statistics.design.results import warnings_as_notes
from cxresearch.statistics.estimates.indices import to_pomp
from cxresearch.statistics.tracking.compare import compare_waves

__all__ = [
    "ORDINAL",
    "ConvergenceWarning",
    "Labeller",
    "RatioClaim",
    "Scorecard",
    "SmallCellWarning",
    "analysis_spec",
    "analysis_wave",
    "baseline_wave",
    "compare_waves",
    "default_wave",
    "describe_wave",
    "esc",
    "index_design",
    "index_estimates",
    "index_reliability",
    "item_estimates",
    "labels",
    "nps_estimates",
    "pretty",
    "previous_wave",
    "ratio_claims",
    "reconstruction",
    "say",
    "scorecard",
    "segment_comparisons",
    "segments",
    "setup",
    "to_pomp",
    "trackreport",
    "used_design_columns",
    "wave_labels",
    "wavereport",
    "write_scorecard",
]

#: pandas display options :func:`setup` sets (a wide frame prints on one line in a notebook)
DISPLAY = {"display.width": 120, "display.max_columns": 20}


def setup(*, width: str | float = "single", font_size: float = 8.0,
          display: dict | None = None, notes: bool = True) -> Theme:
    """Set a notebook up: the house theme for every figure, pandas' display options, and
    warnings shown as results' notes.

    The first code cell of every notebook calls it once after the imports.

    Parameters
    ----------
    width : {"single", "double"} or float
        Default figure width (see :func:`cxresearch.theme`).
    font_size : float
        Base font size in points.
    display : dict, optional
        pandas options layered on :data:`DISPLAY` (``{"display.max_rows": 50}``); keys are
        pandas option names.
    notes : bool
        What an estimator warns goes into its result's ``.notes`` (shown with the result), not
        also onto stderr, which a reader of the report never sees
        (:func:`cxresearch.warnings_as_notes`). ``False`` shows every warning as well.

    Returns
    -------
    Theme
        The theme now applied globally.

    Raises
    ------
    TypeError
        ``display`` is not a dict.
    ValueError
        A ``display`` key that pandas does not know, or a ``width`` the theme refuses.

    Examples
    --------
    >>> from cxresearch import notebook as nb
    >>> th = nb.setup()
    >>> th.width_mm
    85.0
    >>> # In R: theme_set(theme_classic(base_size = 8)); options(width = 120)
    """
    if not isinstance(notes, bool):
        raise TypeError(f"notes must be True or False, got {notes!r}")
    if display is not None and not isinstance(display, dict):
        raise TypeError(f"display must be a dict of pandas options, got "
                        f"{type(display).__name__}")
    options = {**DISPLAY, **(display or {})}
    for key, value in options.items():
        try:
            pd.set_option(key, value)
        except (KeyError, pd.errors.OptionError) as exc:
            raise ValueError(f"display option {key!r} is not a pandas option ({exc})") from None
    th = theme(width=width, font_size=font_size, set_global=True)
    warnings_as_notes(notes)
    return th


def labels(source, lang: str | None = "en", overrides: dict | None = None) -> Labeller:
    """Labels in the codebook's words for a wave (or an instrument, or a codebook name).

    Parameters
    ----------
    source : Wave, Instrument or str
        Where the codebook comes from.
    lang : str
        Language of the labels (``"en"``; a codebook may carry others).
    overrides : dict, optional
        ``{value: text}`` that win over the codebook.

    Returns
    -------
    Labeller
        ``.item(id)``, ``.level(item, value)``, ``.term(model_term)``, ``.value(column, v)``,
        ``.frame(df)`` (a tidy table relabelled).

    Examples
    --------
    >>> from cxresearch import notebook as nb
    >>> names = nb.labels("mobi")  # doctest: +SKIP
    >>> names.item("cusa")  # doctest: +SKIP
    'Overall satisfaction'
    >>> # In R: labelled::var_label(df$cusa)
    """
    if source is None:
        raise TypeError("source must be a Wave, an Instrument or a codebook name, got None")
    return Labeller(source, lang, overrides)
