"""The one result protocol: ``.table``, ``.notes``, ``.summary()`` and ``_repr_html_``.

Every richer result of the package (regression, ordinal models, key drivers, banners, group
comparisons, cross-tabs, reliability, tracking, wave comparisons, ensembles of
reconstructions) derives from :class:`Result`:

``table``
    The tidy DataFrame (fixed columns where they apply: ``item`` or ``term``, ``estimate``,
    ``se``, ``ci_low``, ``ci_high``, ``n``, ``n_eff``, ``deff``, ``method``).
``notes``
    A list of :class:`Note` (plain strings): what was refused, warned or assumed, in words —
    small cells, single-respondent domains, separation, non-convergence, rows left out.
``summary()``
    A short text: one headline, the first rows of the table, the notes.
``_repr_html_()``
    A compact HTML table with the notes as numbered footnotes (JupyterLab's display).

Warnings an estimator raises are *also* recorded in its result's notes by the decorator
:func:`records_warnings`, so a notebook reads ``result.notes`` (or asks
``result.warned(SmallCellWarning)``) instead of catching warnings by hand. The warnings are
still raised, at the caller, so filters and ``pytest.warns`` keep working. Plain DataFrames
returned by the estimators (``mean``, ``nps``...) carry their notes in ``.attrs["notes"]``.

Examples
--------
>>> import pandas as pd, cxresearch as cx
>>> df = pd.DataFrame({"a": list("xxyyxy") * 3, "b": list("ppqqqp") * 3})
>>> res = cx.crosstab_test(df, "a", "b")  # doctest: +SKIP
>>> res.notes  # doctest: +SKIP
["crosstab 'a' x 'b': 4 of 4 expected counts below 5 (smallest 4.50); ..."]
>>> # In R: chisq.test() prints its "approximation may be incorrect" warning instead
"""

from __future__ import annotations

import functools
import html
import sys
import warnings

import pandas as pd

from cxresearch.errors import CxWarning

__all__ = ["Note", "Result", "add_notes", "notes_warned", "records_warnings", "reemit",
           "warnings_as_notes"]

_MAX_ROWS = 20


class Note(str):
    """A note of a result: a plain string that remembers the warning class it came from."""

    category: type[Warning] | None

    def __new__(cls, text, category: type[Warning] | None = None):
        self = super().__new__(cls, str(text))
        self.category = category
        return self

    def __reduce__(self):  # pickles (worker processes) with its category
        return (Note, (str(self), self.category))


def _note_text(w: warnings.WarningMessage) -> str:
    msg = str(w.message)
    cat = w.category
    if issubclass(cat, CxWarning):
        return msg
    if issubclass(cat, RuntimeWarning):
        return f"numerical warning ({cat.__name__}): {msg}; some numbers may be NaN or infinite"
    return f"{cat.__name__}: {msg}"


def _recorded(cat: type[Warning]) -> bool:
    return issubclass(cat, CxWarning | RuntimeWarning) or (
        cat.__module__.split(".")[0] in ("statsmodels", "scipy")
        and "Convergence" in cat.__name__)


def notes_warned(notes, category: type[Warning] | str) -> bool:
    """Whether ``notes`` (a result's, or a DataFrame's ``attrs["notes"]``) hold a warning of
    ``category`` (a class or a class name; subclasses count)."""
    for n in notes or []:
        cat = getattr(n, "category", None)
        if cat is None:
            continue
        if isinstance(category, str):
            if any(c.__name__ == category for c in cat.__mro__):
                return True
        elif issubclass(cat, category):
            return True
    return False


def add_notes(notes: list, new) -> list:
    """Append ``new`` (str, Note or iterable of them) to ``notes`` unless already there."""
    if isinstance(new, str):
        new = [new]
    for n in new:
        if n and str(n) not in {str(x) for x in notes}:
            notes.append(n if isinstance(n, Note) else Note(n))
    return notes


_AS_NOTES = {"on": False}


def warnings_as_notes(on: bool = True) -> None:
    """Show what a result records in its notes there only, not also as a warning on stderr.

    For notebooks and report runs, whose readers see the notes (``result.notes``, the HTML
    view's footnotes) and should not see stderr. Only warnings recorded into a result
    object's notes are held back; a warning of a plain DataFrame estimate (``mean``...),
    or of code that records nothing, is still shown. ``warnings_as_notes(False)`` restores
    the default (every warning shown as well as recorded).

    Examples
    --------
    >>> import cxresearch as cx
    >>> cx.warnings_as_notes()          # in a notebook's set-up cell
    >>> cx.warnings_as_notes(False)
    >>> # In R: suppressWarnings() around each call, keeping the messages by hand
    """
    _AS_NOTES["on"] = bool(on)


_MODULES: dict[str, object] = {}


def _module_of(filename: str):
    """The module object whose file is ``filename`` (for re-emitting a warning in place)."""
    if filename not in _MODULES:
        _MODULES[filename] = next(
            (m for m in list(sys.modules.values())
             if getattr(m, "__file__", None) == filename), None)
    return _MODULES[filename]


def reemit(w: warnings.WarningMessage) -> None:
    """Raise a caught warning again at its original place (module, line), so that the
    filters of the code around apply to it as if it had never been caught."""
    mod = _module_of(w.filename)
    name = getattr(mod, "__name__", None)
    registry = mod.__dict__.setdefault("__warningregistry__", {}) if mod is not None else None
    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, module=name,
                           registry=registry, source=w.source)


def records_warnings(func):
    """Decorate an estimator: its warnings are also recorded in the result's notes.

    cxresearch warnings, numpy's ``RuntimeWarning`` (division by zero...) and the convergence
    warnings of statsmodels/scipy become :class:`Note` entries of ``result.notes`` (or of
    ``result.attrs["notes"]`` for a DataFrame) and are raised again at the caller of the
    estimator; any other warning is raised again at its original place, so the caller's
    filters apply as before.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CxWarning)
            warnings.simplefilter("always", RuntimeWarning)
            result = func(*args, **kwargs)
        new = [Note(_note_text(w), w.category) for w in caught if _recorded(w.category)]
        held = _AS_NOTES["on"] and isinstance(result, Result) \
            and not isinstance(result, pd.DataFrame)
        if new:
            if isinstance(result, pd.DataFrame):
                result.attrs["notes"] = add_notes(list(result.attrs.get("notes", [])), new)
            elif isinstance(getattr(result, "notes", None), list):
                add_notes(result.notes, new)
        for w in caught:
            if _recorded(w.category) and held:
                continue  # in the result's notes, which the reader sees
            if _recorded(w.category):  # at the caller of the estimator, where it is useful
                warnings.warn(w.message, w.category, stacklevel=2)
            else:
                reemit(w)
        return result

    return wrapper


def _compact(table: pd.DataFrame) -> pd.DataFrame:
    """The table for display: the first rows, floats rounded, without the long method text
    and the columns that are empty in every row shown (at most 12 columns)."""
    t = pd.DataFrame(table).head(_MAX_ROWS)
    drop = [c for c in ("method", "note") if c in t.columns and len(t.columns) > 4]
    drop += [c for c in t.columns if c not in drop and t[c].isna().all() and len(t)]
    t = t.drop(columns=drop)
    return t.iloc[:, :12].round(4)


class Result:
    """Base of every result object (see the module docstring).

    Subclasses provide ``table`` (a field or a property) and ``notes`` (a list), and may
    override :meth:`_headline` (the first line of :meth:`summary`).
    """

    table: pd.DataFrame
    notes: list

    def _headline(self) -> str:
        n = getattr(self, "n", None)
        return type(self).__name__ + (f" (n = {n})" if n is not None else "")

    def warned(self, category: type[Warning] | str) -> bool:
        """Whether a warning of ``category`` (a class, or its name such as
        ``"SmallCellWarning"``; subclasses count) was recorded in ``notes``."""
        return notes_warned(self.notes, category)

    def summary(self) -> str:
        """Short text: the headline, the first rows of the table, the notes."""
        lines = [self._headline()]
        t = self.table
        if t is not None and len(t):
            lines.append(_compact(t).to_string(index=False, max_rows=10))
            if len(t) > 10:
                lines.append(f"... {len(t)} rows in .table")
        lines += [f"[{i}] {n}" for i, n in enumerate(self.notes, 1)]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        t = self.table
        head = f"<p><b>{html.escape(self._headline())}</b></p>"
        body = _compact(t).to_html(index=False, escape=True, na_rep="") if t is not None else ""
        if t is not None and len(t) > _MAX_ROWS:
            body += f"<p><small>first {_MAX_ROWS} of {len(t)} rows (see .table)</small></p>"
        notes = "".join(f"<li>{html.escape(str(n))}</li>" for n in self.notes)
        foot = (f'<ol class="cx-notes" style="font-size: smaller">{notes}</ol>'
                if notes else "")
        return head + body + foot
