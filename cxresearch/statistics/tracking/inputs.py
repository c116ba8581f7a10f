"""Inputs of :func:`cxresearch.track`: waves as per-wave designs, respondent values of each
measure, the trend's time axis and the composition-control margins.

Private helpers of :mod:`cxresearch.statistics.tracking.track` (split out to keep both modules short).
A stacked Design with a wave column is cut into one design per wave with the wave crossed with
the strata (waves are independent samples) and the PSUs nested in them; a design that was
calibrated (raked) across waves cannot be cut and is refused with the alternatives named.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxresearch.sampling.design import Design
from cxresearch.statistics.design.resolve import as_design, refuse_infinite
from cxresearch.statistics.estimates import recommend
from cxresearch.statistics.estimates.domains import refuse_huge
from cxresearch.waves.storage import is_wave, wave_year

__all__ = ["MEASURES", "Part", "check_measure_args", "index_series_spec", "index_spec",
           "pooled_margins", "resolve_parts", "series_values", "time_values"]

MEASURES = ("mean", "proportion", "nps", "index")


@dataclass
class Part:
    """One wave: its label, its own design, its data and codebook (None without one)."""

    label: object
    design: Design
    instrument: object = None
    synthetic: bool = False
    srs: bool = field(init=False)
    design_df: int = field(init=False)

    def __post_init__(self):
        self.srs = bool(self.design.srs)
        self.design_df = int(self.design.df)

    @property
    def data(self) -> pd.DataFrame:
        return self.design.data


def _split(design: Design, wave: str, columns=None) -> list[tuple[object, Design]]:
    """One design per wave of a stacked design (strata × wave, PSUs nested)."""
    if design.has_calibration:
        raise ValueError(
            "the design is calibrated (raked) across waves, so the waves are not independent "
            "samples and cannot be separated; pass the waves separately (a list of Waves or a "
            "dict {label: Design}) and use adjust= to rake each wave")
    col = design.column(wave)
    if col.isna().any():
        raise ValueError(f"wave column {wave!r} has {int(col.isna().sum())} missing value(s)")
    if isinstance(col.dtype, pd.CategoricalDtype):
        order = [c for c in col.cat.categories if (col == c).any()]
    else:
        order = sorted(pd.unique(col.to_numpy(dtype=object)), key=_sort_key)
    strata, psu = design._strata, design._psu  # same layer: the design's own codes
    N_h = design._N_h
    data = design.data
    if columns is not None and all(isinstance(c, str) and c in data.columns for c in columns):
        data = data[list(dict.fromkeys([*columns, wave]))]  # copy only what is analysed
    codes, uniq = pd.factorize(col)
    uniq = pd.Index(uniq)
    rows_of = np.argsort(codes, kind="stable")  # rows grouped by wave, in their order
    bounds = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=len(uniq)))])
    out = []
    for lab in order:
        k = uniq.get_loc(lab)
        m = rows_of[bounds[k]:bounds[k + 1]]  # positions, not a mask: one pass per wave
        if m.size and m[-1] - m[0] + 1 == m.size:  # rows of the wave together (sorted by
            m = slice(int(m[0]), int(m[-1]) + 1)   # wave, as usual): views, not copies
            sub = data.iloc[m].reset_index(drop=True)
        else:
            sub = data.take(m).reset_index(drop=True)
        fpc = None if not design.has_fpc else N_h[strata[m]]
        out.append((lab, Design(sub, weights=design.weights[m], strata=strata[m], psu=psu[m],
                                fpc=fpc, lonely_psu=design.lonely_psu)))
    if design.srs:
        out = [(lab, Design(d.data)) for lab, d in out]
    return out


def _sort_key(v):
    try:
        return (0, float(v), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(v))


def _wave_design(v, lonely_psu):
    """A Wave's design (its codebook's design columns) with the lonely-PSU rule ``lonely_psu``
    (None: the default, "fail"); a Design keeps its own rule unless one is given."""
    if is_wave(v):
        if lonely_psu is None:
            return v.design()
        cols = v.instrument.design_columns()
        kw = {k: (c if c is not None and c in v.data.columns and v.data[c].notna().any()
                  else None) for k, c in cols.items() if k in ("weights", "strata", "psu", "fpc")}
        return Design(v.data, **kw, lonely_psu=lonely_psu)
    d = as_design(v)
    if lonely_psu is not None and d.lonely_psu != lonely_psu:
        d = copy.copy(d)  # the rule only enters the variance: same design, other rule
        d.lonely_psu = lonely_psu
    return d


def resolve_parts(obj, wave: str, columns=None, lonely_psu=None) -> tuple[list[Part], dict]:
    """Waves -> list of :class:`Part`, plus ``{"study", "synthetic"}``. ``lonely_psu`` (a
    :class:`Design` rule) applies to every wave; None keeps each Design's own rule."""
    parts: list[Part] = []
    if isinstance(obj, dict):
        for lab, v in obj.items():
            inst = v.instrument if is_wave(v) else None
            parts.append(Part(lab, _wave_design(v, lonely_psu), inst,
                              bool(getattr(v, "synthetic", False))))
    elif isinstance(obj, list | tuple):
        for v in obj:
            if not is_wave(v):
                raise TypeError(f"a list of waves must hold Waves, got {type(v).__name__}; "
                                "pass a dict {label: Design or DataFrame} instead")
            parts.append(Part(v.label, _wave_design(v, lonely_psu), v.instrument,
                              bool(v.synthetic)))
        studies = {p.instrument.name for p in parts}
        if len(studies) > 1:
            raise ValueError(f"the waves belong to different studies {sorted(studies)}; "
                             "tracking compares waves of one study")
    elif isinstance(obj, Design | pd.DataFrame) or is_wave(obj):
        inst = obj.instrument if is_wave(obj) else None
        des = _wave_design(obj, lonely_psu)
        if not isinstance(wave, str) or wave not in des.data.columns:
            raise ValueError(f"wave={wave!r} is not a column of the data; name the column "
                             "that holds the wave, or pass a list of Waves")
        parts = [Part(lab, d, inst, bool(getattr(obj, "synthetic", False)))
                 for lab, d in _split(des, wave, columns)]
    else:
        raise TypeError("waves_or_design must be a list of Waves, a dict {label: Wave, Design "
                        f"or DataFrame}}, or a Design/DataFrame/Wave with a wave column, got "
                        f"{type(obj).__name__}")
    if len(parts) < 1:
        raise ValueError("no waves given")
    labs = [str(p.label) for p in parts]
    dup = sorted({x for x in labs if labs.count(x) > 1})
    if dup:
        raise ValueError(f"wave labels must be unique, got {dup} more than once")
    study = None
    if parts[0].instrument is not None:
        study = getattr(parts[0].instrument, "name", None)
    return parts, {"study": study, "synthetic": any(p.synthetic for p in parts)}


# ------------------------------------------------------------------ time axis
def time_values(time, labels: list) -> tuple[list[float], str, str]:
    """The trend regressor per wave, its name and unit."""
    G = len(labels)
    if time is None:
        return [float(g + 1) for g in range(G)], "wave_index", "wave"
    if isinstance(time, str):
        if time != "year":
            raise ValueError(f"time must be None, 'year', a dict or a sequence, got {time!r}")
        years = [wave_year(str(lab)) for lab in labels]
        if any(y is None for y in years):
            bad = [lab for lab, y in zip(labels, years, strict=True) if y is None]
            raise ValueError(f"time='year': wave label(s) {bad} do not start with a year; "
                             "give the times as a dict {wave: year or date}")
        return [float(y) for y in years], "year", "year"
    if isinstance(time, dict):
        missing = [lab for lab in labels if lab not in time and str(lab) not in time]
        if missing:
            raise ValueError(f"time has no value for wave(s) {missing}")
        vals = [time[lab] if lab in time else time[str(lab)] for lab in labels]
    else:
        vals = list(time)
        if len(vals) != G:
            raise ValueError(f"time has {len(vals)} values for {G} waves")
    if all(isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
           for v in vals):
        out = [float(v) for v in vals]
        unit = "unit of time"
    else:
        try:
            ts = pd.to_datetime(pd.Series(vals))
        except (TypeError, ValueError):
            raise ValueError(f"time values must be numbers or dates, got {vals!r}") from None
        out = [t.year + (t.day_of_year - 1) / (366 if t.is_leap_year else 365) for t in ts]
        unit = "year"
    if not np.all(np.isfinite(out)):
        raise ValueError(f"time values must be finite, got {vals!r}")
    if len(set(out)) < len(out):
        raise ValueError(f"time gives two waves the same value: {vals!r}")
    return out, "time", unit


# ------------------------------------------------------------------ values per measure
def _item_of(parts, col):
    for p in parts:
        inst = p.instrument
        if inst is not None and col in getattr(inst, "items", {}):
            return inst.items[col]
    return None


def _scale(parts, col, scale):
    if scale is not None:
        lo, hi = scale
        return int(lo), int(hi)
    it = _item_of(parts, col)
    if it is not None and getattr(it, "scale_min", None) is not None \
            and getattr(it, "scale_max", None) is not None:
        return int(it.scale_min), int(it.scale_max)
    if it is not None and getattr(it, "levels", None):
        codes = [lv.code for lv in it.levels if lv.code is not None]
        if codes:
            return int(min(codes)), int(max(codes))
    return None


def _numeric(s: pd.Series, col: str, label, freq=None) -> np.ndarray:
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    if isinstance(s.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(s.dtype):
        raise TypeError(f"item {col!r} is not numeric in wave {label!r} (dtype {s.dtype}); "
                        "use measure='proportion' with level=")
    x = s.to_numpy(dtype=float, na_value=np.nan)
    try:
        refuse_infinite(x, f"item {col!r} in wave {label!r}")
        refuse_huge(x, f"item {col!r} in wave {label!r}")
    except ValueError as e:
        if freq is None:
            raise
        # an engine design's cells: count rows, and say where the first is in words
        bad = np.isinf(x) if "infinite" in str(e) else np.isfinite(x) & (np.abs(x) > 1e100)
        msg = re.sub(r" has \d+ ", f" has {int(np.asarray(freq)[bad].sum())} ", str(e), count=1)
        raise ValueError(re.sub(r"first at row \d+", "first in an aggregate cell", msg)) from None
    return x


def _freq(part):
    """Rows per row of a wave's frame: None (respondents) or an engine aggregate's counts."""
    return getattr(part.design, "freq", None)


def _check_scale(x, col, lo, hi, label):
    ok = np.isfinite(x)
    bad = ok & ((x < lo) | (x > hi))
    if bad.any():
        vals = sorted(set(x[bad].tolist()))[:10]
        raise ValueError(f"item {col!r} has value(s) {vals} outside its scale {lo}..{hi} in "
                         f"wave {label!r}; recode them or declare them missing")


def _categories(parts, col):
    """Each wave's declared (categorical) or observed level set of a non-numeric item."""
    sets = {}
    for p in parts:
        if col not in p.data.columns or p.data[col].notna().sum() == 0:
            continue
        s = p.data[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            sets[p.label] = [str(c) for c in s.cat.categories]
    return sets


def _level_map(parts, col):
    """Map each wave's categories to the codebook's level values, or refuse naming them."""
    sets = _categories(parts, col)
    distinct = {tuple(sorted(v)) for v in sets.values()}
    if len(distinct) <= 1:
        return None
    it = _item_of(parts, col)
    mapping, unmapped = {}, {}
    for lab, cats in sets.items():
        for c in cats:
            v = None
            if it is not None:
                try:
                    v = it.value_for(c)
                except (KeyError, ValueError):
                    v = None
            if v is None:
                unmapped.setdefault(lab, []).append(c)
            else:
                mapping[c] = v
    if unmapped or it is None:
        allv = sorted(set().union(*map(set, sets.values())))
        detail = "; ".join(f"wave {lab!r}: {sorted(set(allv) - set(c))} absent"
                           for lab, c in sets.items() if set(allv) - set(c))
        raise ValueError(
            f"item {col!r} has different level sets in different waves ({detail}); "
            + (f"levels {unmapped} are not in the codebook — add them as aliases of a level"
               if it is not None else "map them to common levels first (or load the waves "
               "with a codebook that lists the old labels as aliases)"))
    return mapping


def check_measure_args(measure, level, top_box, promoters, detractors) -> None:
    """Refuse arguments that do not belong to ``measure``."""
    if measure != "nps" and (promoters is not None or detractors is not None):
        raise ValueError(f"promoters= and detractors= are for measure='nps', not {measure!r}")
    if measure != "proportion" and (level is not None or top_box is not None):
        raise ValueError(f"level= and top_box= are for measure='proportion', not {measure!r}")
    if level is not None and top_box is not None:
        raise ValueError("give level= or top_box=, not both")
    if top_box is not None and (isinstance(top_box, bool) or int(top_box) != top_box
                                or top_box < 1):
        raise ValueError(f"top_box must be a positive whole number, got {top_box!r}")


def series_values(parts, items, measure, *, level=None, top_box=None, scale=None,
                  promoters=None, detractors=None):
    """Per series: respondent values per wave (float, NaN = not valid; None = not asked) and a
    spec (labels, method text, notes)."""
    check_measure_args(measure, level, top_box, promoters, detractors)
    if measure == "index":
        return _index_values(parts, items[0], scale)
    values, specs = [], []
    for col in items:
        missing = {p.label: "item not asked" for p in parts if col not in p.data.columns}
        missing.update({p.label: "no answers" for p in parts if p.label not in missing
                        and not p.data[col].notna().any()})
        if len(missing) == len(parts):
            if any(col in p.data.columns for p in parts):
                raise ValueError(f"item {col!r} has no answers in any wave")
            raise ValueError(f"item {col!r} is not in any wave (columns of the first wave: "
                             f"{list(parts[0].data.columns)[:15]})")
        it = _item_of(parts, col)
        label = it.wording.get("en", col) if it is not None and getattr(
            it, "wording", None) else col
        notes = [f"no estimate in wave {lab!r} ({why}); shown as a gap"
                 for lab, why in missing.items()]
        spec = {"item": col, "measure": measure, "label": label, "missing": missing,
                "notes": notes, "units": "points"}
        vals = []
        if measure == "mean":
            for p in parts:
                vals.append(None if p.label in missing
                            else _numeric(p.data[col], col, p.label, _freq(p)))
            spec.update(what="mean", short="means")
        elif measure == "nps":
            cut = _nps_cutoffs(parts, col, promoters, detractors, scale)
            for p in parts:
                vals.append(None if p.label in missing else _nps_code(
                    p.data[col], cut, p.label, getattr(p.design, "freq", None)))
            if cut.scale_from != "declared":  # a declared scale is not checked
                recommend.check_cutoffs_fit(_answer_range(
                    [p.data[col] for p in parts if p.label not in missing]), cut)
            spec.update(what=f"NPS ({cut.describe()})", short="NPS", units="NPS points")
        else:
            vals, what = _proportion_values(parts, col, missing, level, top_box, scale, notes)
            spec.update(what=what, short="shares", units="share")
        values.append(vals)
        specs.append(spec)
    return values, specs


def _answer_range(series: list) -> np.ndarray:
    """The lowest and highest numeric answer over the waves — all that
    :func:`~cxresearch.statistics.estimates.recommend.check_cutoffs_fit` reads of them —
    without converting a million answers to objects and back."""
    lo, hi = np.inf, -np.inf
    for s in series:
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            x = s.to_numpy(dtype=float, na_value=np.nan)
        else:
            x = pd.to_numeric(s.astype(object), errors="coerce").to_numpy(dtype=float,
                                                                         na_value=np.nan)
        x = x[np.isfinite(x)]
        if x.size:
            lo, hi = min(lo, float(x.min())), max(hi, float(x.max()))
    return np.array([lo, hi]) if np.isfinite(lo) else np.array([])


def _nps_cutoffs(parts, col, promoters, detractors, scale):
    """The item's promoter/detractor cut-offs: arguments, else codebook, else classic 0-10
    (:func:`cxresearch.nps_cutoffs`, the rule ``cx.nps`` uses)."""
    src = next((p.instrument for p in parts if p.instrument is not None), None)
    return recommend.nps_cutoffs(src, col, promoters, detractors, item_range=scale)


def _nps_code(s, cut, label, freq=None):
    try:
        return recommend.nps_code(s, cut)
    except ValueError as e:
        msg = str(e)
        if freq is not None and " row(s))" in msg:   # an engine design's cells: count rows
            x = pd.to_numeric(s.astype(object), errors="coerce").to_numpy(dtype=float,
                                                                         na_value=np.nan)
            ok = np.isfinite(x)
            bad = ok & ((x < cut.scale_min) | (x > cut.scale_max) | (x != np.round(x)))
            msg = re.sub(r"\(\d+ row\(s\)\)", f"({int(np.asarray(freq)[bad].sum())} row(s))",
                         msg)
        raise ValueError(f"wave {label!r}: {msg}") from None


def _proportion_values(parts, col, missing, level, top_box, scale, notes):
    mapping = _level_map(parts, col)
    present = [p for p in parts if p.label not in missing]
    s0 = present[0].data[col]
    vals = []
    if pd.api.types.is_bool_dtype(s0.dtype) and level in (None, True):
        for p in parts:
            vals.append(None if p.label in missing
                        else _numeric(p.data[col], col, p.label, _freq(p)))
        return vals, "share answering yes"
    if top_box is not None:
        sc = _scale(parts, col, scale)
        if sc is None:
            raise ValueError(f"top_box= needs the scale of item {col!r}: it is not in a codebook"
                             "; pass item_range=(lowest, highest)")
        lo, hi = sc
        if top_box > hi - lo:
            raise ValueError(f"top_box={top_box} leaves no lower answers on {lo}..{hi}")
        for p in parts:
            if p.label in missing:
                vals.append(None)
                continue
            x = _numeric(p.data[col], col, p.label, _freq(p))
            _check_scale(x, col, lo, hi, p.label)
            vals.append(np.where(np.isfinite(x), (x >= hi - top_box + 1).astype(float), np.nan))
        return vals, f"top-{top_box}-box share (answers {hi - top_box + 1}..{hi} on {lo}..{hi})"
    if level is None:
        raise ValueError(f"measure='proportion' of item {col!r} needs level= (a level or a "
                         "list of levels) or top_box=")
    wanted = list(level) if isinstance(level, list | tuple | set) else [level]
    seen = set()
    for p in parts:
        if p.label in missing:
            vals.append(None)
            continue
        s = p.data[col]
        if isinstance(s.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(
                s.dtype):
            obj = s.astype(object)
            if mapping:
                obj = obj.map(lambda v: mapping.get(str(v), v) if pd.notna(v) else v)
            keys = obj.map(lambda v: str(v) if pd.notna(v) else v)
            cats = [str(c) for c in (s.cat.categories if isinstance(s.dtype, pd.CategoricalDtype)
                                     else pd.unique(s.dropna()))]
            if mapping:
                cats = [mapping.get(c, c) for c in cats]
            seen |= set(cats)
            hit = keys.isin([str(v) for v in wanted]).to_numpy(dtype=bool)
            vals.append(np.where(s.notna().to_numpy(), hit.astype(float), np.nan))
        else:
            x = _numeric(s, col, p.label, _freq(p))
            seen |= set(x[np.isfinite(x)].tolist())
            try:
                codes = [float(v) for v in wanted]
            except (TypeError, ValueError):
                raise ValueError(f"level={level!r}: item {col!r} is numeric in wave "
                                 f"{p.label!r}; give answer codes") from None
            vals.append(np.where(np.isfinite(x), np.isin(x, codes).astype(float), np.nan))
    unknown = [v for v in wanted if str(v) not in {str(c) for c in seen}
               and not (isinstance(v, int | float) and float(v) in seen)]
    if unknown:
        raise ValueError(f"level(s) {unknown} of item {col!r} occur in no wave (levels seen: "
                         f"{sorted(map(str, seen))[:20]})")
    return vals, f"share of {', '.join(map(str, wanted))}"


def index_spec(parts, index, scale) -> tuple[str, list, list]:
    """An index's name, items and their scales (a codebook index name or a list of items)."""
    if isinstance(index, str):
        inst = next((p.instrument for p in parts if p.instrument is not None), None)
        idx = getattr(inst, "indices", None) or {}
        if index not in idx:
            raise ValueError(f"item={index!r} is not an index of the codebook (indices: "
                             f"{sorted(idx)}); pass a list of items for measure='index'")
        name, cols = index, list(idx[index])
    else:
        cols = list(index)
        if len(cols) < 1 or not all(isinstance(c, str) for c in cols):
            raise TypeError(f"measure='index' needs a list of item columns, got {index!r}")
        name = "index(" + ", ".join(cols) + ")"
    scales = []
    for c in cols:
        sc = _scale(parts, c, scale)
        if sc is None:
            raise ValueError(f"measure='index' needs the scale of item {c!r}; pass "
                             "item_range=(lowest, highest)")
        scales.append(sc)
    return name, cols, scales


def index_series_spec(name: str, cols: list, missing: dict) -> dict:
    return {"item": name, "measure": "index", "label": name, "missing": missing,
            "notes": [f"no estimate in wave {k!r} ({v}); shown as a gap"
                      for k, v in missing.items()],
            "what": f"index: mean POMP 0-100 of {len(cols)} item(s), respondents answering all",
            "short": "index scores", "units": "POMP points"}


def _index_values(parts, index, scale):
    name, cols, scales = index_spec(parts, index, scale)
    vals, missing = [], {}
    for p in parts:
        absent = [c for c in cols if c not in p.data.columns or p.data[c].notna().sum() == 0]
        if absent:
            missing[p.label] = f"item(s) {absent} not asked"
            vals.append(None)
            continue
        acc = np.zeros(len(p.data))
        for c, (lo, hi) in zip(cols, scales, strict=True):
            x = _numeric(p.data[c], c, p.label)
            _check_scale(x, c, lo, hi, p.label)
            acc += (x - lo) * (100.0 / (hi - lo) / len(cols))  # NaN stays NaN
        vals.append(acc)  # mean POMP; NaN unless every item answered
    if len(missing) == len(parts):
        raise ValueError(f"index {name!r}: its items are missing in every wave")
    return [vals], [index_series_spec(name, cols, missing)]


# ------------------------------------------------------------------ composition margins
def pooled_margins(parts, adjust) -> tuple[dict, str]:
    """Raking targets: given ``{col: {level: share}}`` or the pooled (stacked, design-weighted)
    shares of the listed columns."""
    if isinstance(adjust, str):
        adjust = [adjust]
    if isinstance(adjust, dict):
        if not adjust:
            raise ValueError("adjust={} gives no margins")
        for c in adjust:
            for p in parts:
                if c not in p.data.columns:
                    raise ValueError(f"adjust: column {c!r} is not in wave {p.label!r}")
        return adjust, "adjusted: each wave raked to the given margins " + ", ".join(adjust)
    if not isinstance(adjust, list | tuple) or not adjust:
        raise TypeError(f"adjust must be a list of columns or a dict of margins, got {adjust!r}")
    margins = {}
    for c in adjust:
        tot: dict = {}
        for p in parts:
            if c not in p.data.columns:
                raise ValueError(f"adjust: column {c!r} is not in wave {p.label!r}, so that "
                                 "wave cannot be raked to it")
            s = p.data[c]
            if s.isna().any():
                raise ValueError(f"adjust: column {c!r} has {int(s.isna().sum())} missing "
                                 f"value(s) in wave {p.label!r}; raking needs every respondent")
            keys = s.astype(object).map(str).to_numpy()
            for k, v in pd.Series(p.design.weights).groupby(keys).sum().items():
                tot[k] = tot.get(k, 0.0) + float(v)
        total = sum(tot.values())
        margins[c] = {k: v / total for k, v in sorted(tot.items())}
        for p in parts:
            p_levels = set(p.data[c].astype(object).map(str))
            absent = sorted(set(tot) - p_levels)
            if absent:
                raise ValueError(f"adjust: level(s) {absent} of {c!r} have no respondents in "
                                 f"wave {p.label!r}; collapse them before adjusting")
    note = ("adjusted: each wave raked to the pooled sample's shares of " + ", ".join(adjust)
            + " (targets treated as fixed)")
    return {c: m for c, m in margins.items()}, note
