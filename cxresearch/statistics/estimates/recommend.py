"""Who is a promoter: NPS cut-offs on an item's own scale (used by nps, compare_groups,
banner and tracking).

:func:`nps_cutoffs` decides the promoter and detractor answers of one item — from the
arguments, else the codebook item's ``nps:`` key, else the classic 9–10 / 0–6 but only for an
item on a 0–10 scale — and refuses an item on another scale that has no cut-offs.
:func:`nps_code` turns answers into +100 / 0 / −100 codes (NaN missing), whose mean is the NPS.
Both are re-exported by :mod:`cxresearch.statistics.estimates.indices` and the package.

References
----------
Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*, 81(12).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxresearch.codebooks.items import cutoff_values
from cxresearch.sampling.design import Design
from cxresearch.waves.storage import is_wave

__all__ = ["NpsCutoffs", "check_cutoffs_fit", "nps_code", "nps_cutoffs"]


# --------------------------------------------------------------------------- NPS cut-offs
@dataclass(frozen=True)
class NpsCutoffs:
    """Who counts as a promoter and a detractor on one item's scale.

    ``promoters`` and ``detractors`` are the answer codes of the two groups (sorted tuples of
    consecutive integers, promoters at one end of ``scale_min..scale_max`` and detractors at
    the other); every other answer on the scale is a passive. ``source`` says where the
    cut-offs came from: ``"classic"`` (9–10 / 0–6 on a 0–10 item), ``"codebook"`` (the item's
    ``nps:`` key) or ``"argument"`` (``promoters=``/``detractors=``). Build it with
    :func:`nps_cutoffs`; turn answers into codes with :func:`nps_code`.
    """

    item: str | None
    promoters: tuple[int, ...]
    detractors: tuple[int, ...]
    scale_min: int
    scale_max: int
    source: str = "classic"
    scale_from: str = "declared"  # "declared" (codebook or item_range=), "cut-offs", "assumed"

    @property
    def passives(self) -> tuple[int, ...]:
        """Answers on the scale that are neither promoters nor detractors."""
        taken = set(self.promoters) | set(self.detractors)
        return tuple(v for v in range(self.scale_min, self.scale_max + 1) if v not in taken)

    @property
    def classic(self) -> bool:
        """True for the classic definition (promoters 9–10, detractors 0–6 on 0–10)."""
        return (self.scale_min, self.scale_max) == (0, 10) and self.promoters == (9, 10) \
            and self.detractors == tuple(range(0, 7))

    @property
    def mean_name(self) -> str:
        """Name of the mean-answer row: ``mean_<min>_<max>`` (``mean_1_7``, ``mean_0_10``)."""
        return f"mean_{_tag(self.scale_min)}_{_tag(self.scale_max)}"

    @staticmethod
    def _span(values: tuple[int, ...]) -> str:
        if not values:
            return "none"
        return f"{values[0]}" if len(values) == 1 else f"{values[0]}-{values[-1]}"

    def describe(self) -> str:
        """The cut-offs as text for ``method``, e.g. ``promoters 7, detractors 1-5 on 1..7``."""
        where = {"classic": "classic", "codebook": "codebook", "argument": "given"}.get(
            self.source, self.source)
        return (f"promoters {self._span(self.promoters)}, passives "
                f"{self._span(self.passives)}, detractors {self._span(self.detractors)} on "
                f"{self.scale_min}..{self.scale_max} ({where} cut-offs)")


def _tag(v: int) -> str:
    return str(v) if v >= 0 else f"m{-v}"


def _instrument_of(source):
    """The codebook behind ``source`` (Wave, Instrument) or None (Design, DataFrame, None)."""
    if source is None or isinstance(source, pd.DataFrame | Design):
        return None
    if is_wave(source):
        return source.instrument
    if hasattr(source, "items") and isinstance(getattr(source, "items", None), dict):
        return source
    raise TypeError(f"source must be a Wave, an Instrument, a Design, a DataFrame or None, "
                    f"got {type(source).__name__}")


def declared_scale(it) -> tuple[int, int] | None:
    lo, hi = getattr(it, "scale_min", None), getattr(it, "scale_max", None)
    if lo is not None and hi is not None:
        return int(lo), int(hi)
    codes = [lv.code for lv in getattr(it, "levels", []) or [] if lv.code is not None]
    return (int(min(codes)), int(max(codes))) if codes else None


def nps_cutoffs(source, item: str, promoters=None, detractors=None, *,
                item_range=None) -> NpsCutoffs:
    """The promoter and detractor cut-offs for ``item``, from the arguments or the codebook.

    Rules, in order: ``promoters``/``detractors`` given -> those (both are needed); else the
    codebook item's ``nps:`` key; else the classic 9–10 / 0–6 when the item's scale is 0–10
    (or the item is not in a codebook, in which case answers must lie in 0..10). An item whose
    declared scale is not 0–10 and that has no cut-offs raises ``ValueError``.

    Parameters
    ----------
    source : Wave, Instrument, Design, DataFrame or None
        Where the item's scale and codebook cut-offs come from (only a Wave or an Instrument
        carries a codebook).
    item : str
    promoters, detractors : range, iterable of int, int or str, optional
        Answer codes of each group: ``range(6, 8)``, ``[7]``, ``"1-5"`` (inclusive). Each must
        be a run of consecutive answers; promoters above detractors (below for a reverse-keyed
        item).
    item_range : (int, int), optional
        Lowest and highest answer, when there is no codebook scale (default: the codebook's;
        without one, from the lowest detractor to the highest promoter, or 0..10).

    Returns
    -------
    NpsCutoffs

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*, 81(12).

    Examples
    --------
    >>> nps_cutoffs(None, "rec", promoters=[7], detractors=range(1, 6)).describe()
    'promoters 7, passives 6, detractors 1-5 on 1..7 (given cut-offs)'
    >>> # In R: svymean(~I(100 * (rec >= 7) - 100 * (rec <= 5)), design)
    """
    if not isinstance(item, str):
        raise TypeError(f"item must be a column name (str), got {item!r}")
    instrument = _instrument_of(source)
    it = getattr(instrument, "items", {}).get(item) if instrument is not None else None
    declared = declared_scale(it) if it is not None else None
    scale = item_range
    if scale is not None:
        try:
            lo, hi = scale
            ok = float(lo).is_integer() and float(hi).is_integer() and lo < hi
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ValueError(f"item_range={scale!r} must be (lowest, highest) whole numbers")
        scale = (int(lo), int(hi))
        if declared is not None and scale != declared:
            raise ValueError(f"item_range={scale!r} contradicts the codebook scale "
                             f"{declared[0]}..{declared[1]} of item {item!r}")
    reverse = bool(getattr(it, "reverse", False))
    if (promoters is None) != (detractors is None):
        raise ValueError(f"give both promoters= and detractors= for item {item!r} (got "
                         f"promoters={promoters!r}, detractors={detractors!r})")
    if promoters is not None:
        pro, det, source_txt = (cutoff_values(promoters, "promoters", item),
                                cutoff_values(detractors, "detractors", item), "argument")
    elif it is not None and getattr(it, "nps", None):
        spec = it.nps
        pro, det, source_txt = (cutoff_values(spec["promoters"], "promoters", item),
                                cutoff_values(spec["detractors"], "detractors", item), "codebook")
    else:
        sc = scale or declared
        if sc is not None and sc != (0, 10):
            raise ValueError(
                f"item {item!r} is on a {sc[0]}..{sc[1]} scale, not 0..10, and has no NPS "
                f"cut-offs: pass promoters= and detractors= (e.g. promoters=[{sc[1]}], "
                f"detractors=range({sc[0]}, {sc[1] - 1})), or declare them in the codebook "
                f"item ('nps: {{promoters: [{sc[1]}], detractors: \"{sc[0]}-{sc[1] - 2}\"}}')")
        return NpsCutoffs(item, (9, 10), tuple(range(0, 7)), 0, 10, "classic",
                          "declared" if sc is not None else "assumed")
    lo, hi = scale or declared or (min(det[0], pro[0]), max(det[-1], pro[-1]))
    scale_from = "declared" if (scale or declared) else "cut-offs"
    if set(pro) & set(det):
        raise ValueError(f"item {item!r}: promoters {list(pro)} and detractors {list(det)} "
                         "overlap")
    for nm, vals in (("promoters", pro), ("detractors", det)):
        if vals[0] < lo or vals[-1] > hi:
            raise ValueError(f"item {item!r}: {nm} {list(vals)} fall outside its scale "
                             f"{lo}..{hi}")
    top, bottom = (det, pro) if reverse else (pro, det)
    if not (top[-1] == hi and bottom[0] == lo and bottom[-1] < top[0]):
        want = "lowest" if reverse else "highest"
        raise ValueError(f"item {item!r}: promoters {list(pro)} must be the {want} answers and "
                         f"detractors {list(det)} the other end of its scale {lo}..{hi}"
                         + (" (the item is reverse-keyed)" if reverse else ""))
    return NpsCutoffs(item, pro, det, int(lo), int(hi), source_txt, scale_from)


def check_cutoffs_fit(x, cutoffs: NpsCutoffs) -> None:
    """Refuse cut-offs that the answers ``x`` show to be wrong, when no scale was declared.

    Without a codebook scale or ``item_range=``, two mistakes give a number that looks like an NPS
    and is not one: the classic 0–10 cut-offs applied to answers on a shorter scale (a 1–7
    item where nobody can be a promoter), and cut-offs no answer reaches (``promoters="11-12"``
    on 0–10 answers, inventing a 0..12 scale). Both raise ``ValueError`` naming the item, the
    answers seen and the ways to proceed. A declared scale is trusted (answers off it are
    refused by :func:`nps_code`).

    Examples
    --------
    >>> c = nps_cutoffs(None, "r")
    >>> check_cutoffs_fit([1, 3, 7, 5], c)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: item 'r': the answers run from 1 to 7 ...
    """
    if cutoffs.scale_from == "declared":
        return
    v = np.asarray(pd.to_numeric(pd.Series(np.asarray(x, dtype=object)), errors="coerce"),
                   dtype=float)
    v = v[np.isfinite(v)]
    if not v.size:
        return
    lo, hi = float(v.min()), float(v.max())
    ways = ("pass the cut-offs of its scale (promoters= and detractors=, e.g. promoters=[7], "
            "detractors=\"1-5\" on 1..7), or item_range=(0, 10) if it really is the 0-10 question, "
            "or analyse the Wave, whose codebook types the item (nps_0_10 or an nps: block)")
    if cutoffs.scale_from == "assumed" and hi <= 7:
        raise ValueError(f"item {cutoffs.item!r}: the answers run from {lo:g} to {hi:g}, "
                         "which does not look like the 0-10 recommend question the classic "
                         "cut-offs (promoters 9-10, detractors 0-6) are made for, and there is "
                         f"no codebook saying what the scale is; {ways}")
    pro, det = cutoffs.promoters, cutoffs.detractors
    top, bottom = (det, pro) if pro[0] < det[0] else (pro, det)
    if cutoffs.scale_from == "cut-offs" and (top[0] > hi or bottom[-1] < lo):
        far = top if top[0] > hi else bottom
        grp = "promoters" if far == pro else "detractors"
        raise ValueError(f"item {cutoffs.item!r}: {grp} {list(far)} lie beyond every answer (the "
                         f"answers run from {lo:g} to {hi:g}), so the cut-offs imply a scale "
                         f"{cutoffs.scale_min}..{cutoffs.scale_max} nobody answered on; check "
                         "the cut-offs, or give item_range=(lowest, highest) to confirm the scale")
    if cutoffs.scale_from == "cut-offs":
        # values beyond every answer AND beyond 0..10 imply a scale nobody answered on
        # ("9-12" or "-3-6" on 0-10 answers); an unanswered 0 or 10 is ordinary and passes
        off = [v for v in (*pro, *det) if (v > hi and v > 10) or (v < lo and v < 0)]
        if off:
            raise ValueError(f"item {cutoffs.item!r}: promoters {list(pro)} / detractors "
                             f"{list(det)} include {off}, beyond every answer (the answers run "
                             f"from {lo:g} to {hi:g}) and beyond 0..10, so they imply a scale "
                             f"{cutoffs.scale_min}..{cutoffs.scale_max} nobody answered on; "
                             "check the cut-offs, or give item_range=(lowest, highest) to "
                             "confirm the scale")


def nps_code(values, cutoffs: NpsCutoffs) -> np.ndarray:
    """NPS codes of answers: +100 promoter, 0 passive, −100 detractor, NaN missing.

    ``values`` are answer codes (array-like; NaN/None/pd.NA = missing). Answers off the
    cut-offs' scale or not whole numbers raise ``ValueError`` naming the item. The mean of
    the codes is the NPS.

    Examples
    --------
    >>> c = nps_cutoffs(None, "r")
    >>> nps_code([10, 8, 3, None], c).tolist()
    [100.0, 0.0, -100.0, nan]
    >>> # In R: ifelse(r >= 9, 100, ifelse(r <= 6, -100, 0))
    """
    if not isinstance(cutoffs, NpsCutoffs):
        raise TypeError(f"cutoffs must be an NpsCutoffs (from nps_cutoffs), got "
                        f"{type(cutoffs).__name__}")
    raw = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=object))
    if pd.api.types.is_bool_dtype(raw.dtype) or (raw.dtype == object and any(
            isinstance(v, bool | np.bool_) for v in raw.to_numpy())):
        raise TypeError(f"item {cutoffs.item!r}: answers are booleans, not answer codes")
    x = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if (raw.notna().to_numpy() & ~np.isfinite(x)).any():
        bad = raw[raw.notna().to_numpy() & ~np.isfinite(x)].tolist()[:5]
        raise ValueError(f"item {cutoffs.item!r} has non-numeric answers {bad}")
    ok = np.isfinite(x)
    bad = ok & ((x < cutoffs.scale_min) | (x > cutoffs.scale_max) | (x != np.round(x)))
    if bad.any():
        vals = sorted(set(x[bad].tolist()))[:10]
        raise ValueError(f"item {cutoffs.item!r} has value(s) {vals} outside its scale "
                         f"{cutoffs.scale_min}..{cutoffs.scale_max} ({int(bad.sum())} row(s)); "
                         "recode them or declare them missing")
    out = np.full(x.shape, np.nan)
    out[ok] = 0.0
    out[ok & np.isin(x, cutoffs.promoters)] = 100.0
    out[ok & np.isin(x, cutoffs.detractors)] = -100.0
    return out
