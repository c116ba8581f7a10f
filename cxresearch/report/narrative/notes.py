"""Notes of a report: what was refused, warned or assumed, in words, each said once.

The reader's page never shows a warning: :meth:`Notes.collect` runs a computation and turns
the warnings it raises into notes, :meth:`Notes.add` keeps the first line of a message without
file paths or printed objects and, given a :class:`~cxresearch.report.charts.labels.Labeller`,
writes the codebook's labels for the item, index and level ids in it; :meth:`Notes.footnote`
is the Markdown block a template renders once under a section.

Examples
--------
>>> n = Notes()
>>> n.add("SingleRespondentWarning: only one respondent in wave 'b'")
>>> print(n.footnote())
**Notes.**
1. only one respondent in wave 'b'
"""

from __future__ import annotations

import os
import re
import warnings

__all__ = ["NUMPY_NOISE", "READER_WORDS", "Notes"]

_DEPRECATIONS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)
_PACKAGE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))) + os.sep


def _library_deprecation(w) -> bool:
    """A deprecation notice raised inside a library other than cxresearch (e.g. ibis telling
    pandas 3 users about ``future.infer_string``): for developers, never a reader's note."""
    if not issubclass(w.category, _DEPRECATIONS):
        return False
    name = os.path.abspath(str(getattr(w, "filename", "") or ""))
    return not name.startswith(_PACKAGE)

NUMPY_NOISE = re.compile(r"encountered in|divide by zero|Degrees of freedom <= 0|Mean of empty")


#: messages written for a programmer (function and argument names, what to call instead)
#: that a report shows in words for its reader
READER_WORDS = [
    (re.compile(r"no bootstrap intervals on an engine design without PSUs"),
     "The importances have no intervals: the answers are read in the data engine and the "
     "survey has no clusters (PSUs), so the bootstrap behind the intervals and the "
     "differences between drivers would need every respondent's row. The importances "
     "themselves are exact."),
]


class Notes:
    """What a report refused, warned or assumed, in words, each said once.

    ``add(text)`` keeps the first line of a message, without file paths, printed objects or
    warning class names; ``collect(fn, ...)`` runs ``fn`` and turns the warnings it raises into
    notes (the reader's page never shows a warning); ``footnote()`` is the Markdown block to
    render once under a section.
    """

    def __init__(self, names=None):
        self.items: list[str] = []
        self.names = names  # a Labeller: quoted ids in messages become the codebook's labels

    @staticmethod
    def clean(text) -> str:
        t = str(text).strip().splitlines()[0] if str(text).strip() else ""
        t = re.sub(r"(?:[A-Za-z]:)?(?:/[\w.\-]+){2,}(?::\d+)?", "", t)  # file paths
        t = re.sub(r"\b\w+(?:Warning|Error):\s*", "", t)
        t = re.sub(r"\s+", " ", t).strip(" ;")
        return t[:400] + ("…" if len(t) > 400 else "")

    def _relabel(self, t: str) -> str:
        inst = getattr(self.names, "inst", None)
        if inst is None:
            return t
        known = set(getattr(inst, "items", {})) | set(getattr(inst, "indices", {}) or {})

        def sub(m):
            return f"“{self.names.item(m.group(1))}”" if m.group(1) in known else m.group(0)

        def level(m):
            if m.group(1) not in known:
                return m.group(0)
            return f"{self.names.item(m.group(1))} = “{self.names.level(m.group(1), m.group(2))}”"

        t = re.sub(r"\b([A-Za-z_][A-Za-z0-9_]*)='([^']*)'", level, t)
        t = re.sub(r"'([A-Za-z_][A-Za-z0-9_]*)'", sub, t)
        # ids with an underscore are no English words: label them wherever they stand
        t = re.sub(r"\b([a-z][a-z0-9]*_[a-z0-9_]+)\b",
                   lambda m: self.names.item(m.group(1)) if m.group(1) in known else m.group(0),
                   t)
        lead = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(:| by | \()", t)
        if lead and lead.group(1) in known:
            t = self.names.item(lead.group(1)) + t[lead.end(1):]
        return t

    def add(self, text) -> None:
        t = str(text)
        for pattern, words in READER_WORDS:  # a developer's message, in a reader's words
            if pattern.search(t):
                t = words
                break
        t = self._relabel(self.clean(t))
        if t and t not in self.items:
            self.items.append(t)

    def extend(self, texts) -> None:
        for t in texts or []:
            self.add(t)

    def collect(self, fn, *args, **kwargs):
        """``fn(*args, **kwargs)`` with its warnings recorded as notes, not printed."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = fn(*args, **kwargs)
        for c in caught:
            if issubclass(c.category, RuntimeWarning) and NUMPY_NOISE.search(str(c.message)):
                continue  # floating-point noise: the undefined value shows as a blank
            if _library_deprecation(c):
                continue  # a library's notice to developers (ibis, pandas), not a finding
            self.add(c.message)
        for res in out if isinstance(out, tuple) else (out,):
            self.extend(self._recorded(res))
        return out

    @staticmethod
    def _recorded(res) -> list:
        """What a result recorded in its notes (the result protocol's ``.notes``, or a
        DataFrame's ``attrs["notes"]``), floating-point noise left out."""
        try:
            found = getattr(res, "notes", None)
            if not isinstance(found, list):
                found = (getattr(res, "attrs", None) or {}).get("notes", [])
        except Exception:  # noqa: BLE001 - a result without notes has nothing to add
            return []
        return [n for n in (found or []) if not NUMPY_NOISE.search(str(n))]

    def __len__(self) -> int:
        return len(self.items)

    def footnote(self) -> str:
        """The notes as one Markdown block (empty string when there are none)."""
        if not self.items:
            return ""
        return "\n".join(["**Notes.**", *[f"{i}. {t}" for i, t in
                                          enumerate(self.items, 1)]])
