"""What :func:`cxresearch.track` returns: the tidy DataFrame itself, with the result protocol.

Examples
--------
>>> import pandas as pd, cxresearch as cx
>>> r = cx.track(pd.DataFrame({"wave": [1, 1, 2, 2], "s": [1.0, 2, 2, 4]}), "s", "wave")
>>> type(r).__name__, type(r[r.term == "wave"]).__name__
('TrackResult', 'DataFrame')
>>> # In R: svyby(~s, ~wave, des, svymean) gives the per-wave rows
"""

from __future__ import annotations

import pandas as pd

from cxresearch.statistics.design.results import Result

__all__ = ["TrackResult"]


class TrackResult(Result, pd.DataFrame):
    """What :func:`track` returns: the tidy DataFrame itself, with the result protocol.

    Every DataFrame operation works as before (and gives a plain DataFrame); ``table`` is the
    same rows as a plain DataFrame, ``notes`` what was assumed or warned (gaps, composition
    adjustment, a trend that did not converge), ``summary()`` and ``_repr_html_`` show a
    compact view with the notes as footnotes.
    """

    @property
    def _constructor(self):
        return pd.DataFrame

    def __repr__(self) -> str:  # a DataFrame prints as one
        return pd.DataFrame.__repr__(self)

    @property
    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self)

    @property
    def notes(self) -> list:
        return self.attrs.setdefault("notes", [])

    def _headline(self) -> str:
        info = self.attrs.get("tracking", {})
        items = ", ".join(map(str, pd.unique(self["item"]))) if "item" in self else ""
        return (f"tracking {items} ({info.get('measure', '')}) across "
                f"{len(info.get('waves', []))} waves")
