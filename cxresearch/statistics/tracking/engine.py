"""Waves whose rows stay in a data engine (DuckDB, Spark): :func:`cxresearch.track` on
:class:`~cxresearch.sampling.engine.EngineDesign` inputs.

Two inputs are accepted: one engine design with a wave column (the stacked case) and a dict
``{label: engine design}`` (one table per wave; in-memory Designs may be mixed in). Every tracked
series reads the respondents only through the weighted totals of ``[y·ok, ok]`` per wave and
segment and their PSU totals (see :mod:`cxresearch.statistics.tracking.track`), and ``y`` is
constant within a cell of (stratum, PSU, wave, item, segment). So each item is aggregated by
ONE ``GROUP BY`` (:meth:`EngineDesign.collapse`, over the wave column, the item and ``by``) — an
item at a time, since crossing 20 items would explode the number of cells — and the stacked
aggregate is cut into one design per wave exactly as :func:`~cxresearch.statistics.tracking.
inputs.resolve_parts` cuts an in-memory stacked Design (the wave crossed with the strata, the
PSUs nested, each wave's own lonely-PSU check and fpc). An index (``measure="index"``) is one
derived column computed in the engine (the mean POMP of its items, null unless all are
answered), after one small aggregate per item checks its answers against the scale.

Not pushed down: ``adjust=`` (raking each wave) is refused by name until calibration runs in the
engine; rake an explicit in-memory sample (``design.sample(n)``) instead.

Examples
--------
>>> import ibis, pandas as pd, cxresearch as cx
>>> d = pd.DataFrame({"wave": [1, 1, 1, 2, 2, 2], "sat": [3.0, 4, 5, 4, 5, 5]})
>>> r = cx.track(cx.Design(ibis.memtable(d)), "sat", "wave", compare="previous")
>>> r.loc[r.term == "wave", "estimate"].round(3).tolist()
[4.0, 4.667]
>>> # In R: svyby(~sat, ~wave, svydesign(~1, strata=~wave, data=tbl(con, "d")), svymean)
"""

from __future__ import annotations

import copy
from types import SimpleNamespace

import numpy as np
import pandas as pd

from cxresearch.sampling.design import population_sizes
from cxresearch.sampling.engine import CollapsedDesign, is_engine_design
from cxresearch.statistics.tracking.inputs import (
    Part,
    _check_scale,
    _numeric,
    _sort_key,
    _wave_design,
    index_series_spec,
    index_spec,
)
from cxresearch.waves.storage import is_wave

__all__ = ["engine_index_group", "engine_parts", "is_engine_input", "refuse_adjust"]


def is_engine_input(obj) -> bool:
    """An engine design, or a dict/list holding at least one."""
    if is_engine_design(obj):
        return True
    vals = obj.values() if isinstance(obj, dict) else obj if isinstance(obj, list | tuple) \
        else ()
    return any(is_engine_design(v) for v in vals)


def refuse_adjust(adjust) -> None:
    if adjust is not None:
        raise ValueError(
            f"adjust={adjust!r}: composition control rakes each wave, and raking is not pushed "
            "down to an engine design (data in DuckDB, Spark or files) yet; track without "
            "adjust=, or rake an explicit in-memory sample of each wave (design.sample(n))")


def _with_rule(eng, lonely_psu):
    if lonely_psu is None or lonely_psu == eng.lonely_psu:
        return eng
    e = copy.copy(eng)   # the rule only enters the variance: same design, other rule
    e.lonely_psu = lonely_psu
    return e


def engine_parts(obj, wave: str, columns: list, lonely_psu=None) -> tuple[list[Part], dict]:
    """Per-wave designs on the cells of one ``GROUP BY`` over ``columns`` (and the wave
    column), with the wave labels and order of the in-memory route."""
    cols = [c for c in dict.fromkeys(columns) if c is not None]
    if is_engine_design(obj):
        eng = _with_rule(obj, lonely_psu)
        if not isinstance(wave, str) or wave not in eng.columns:
            raise ValueError(f"wave={wave!r} is not a column of the data; name the column "
                             "that holds the wave, or pass a list of Waves")
        cols = [c for c in cols if c != wave and c in eng.columns]
        parts = [Part(lab, d) for lab, d in _split_cells(eng, wave, cols)]
    elif isinstance(obj, dict | list | tuple):
        if isinstance(obj, list | tuple):  # a list of waves: their labels
            bad = [type(v).__name__ for v in obj if not is_wave(v)]
            if bad:
                raise TypeError(f"a list must hold Waves (their labels name the waves), got "
                                f"{bad[0]}; engine designs are tracked as one design with a "
                                "wave column or as a dict {label: design}")
            obj = {v.label: v for v in obj}
        parts = []
        for lab, v in obj.items():
            if is_engine_design(v):
                wv = is_wave(v)  # an engine wave: its codebook and kind come along
                e = _with_rule(v.design() if wv else v, lonely_psu)
                parts.append(Part(lab, e.collapse([c for c in cols if c in e.columns]),
                                  v.instrument if wv else None,
                                  bool(getattr(v, "synthetic", False)) if wv else False))
            else:
                parts.append(Part(lab, _wave_design(v, lonely_psu),
                                  getattr(v, "instrument", None),
                                  bool(getattr(v, "synthetic", False))))
    else:
        raise TypeError("engine designs are tracked as one design with a wave column or as a "
                        f"dict {{label: design}}, got {type(obj).__name__}")
    if not parts:
        raise ValueError("no waves given")
    labs = [str(p.label) for p in parts]
    dup = sorted({x for x in labs if labs.count(x) > 1})
    if dup:
        raise ValueError(f"wave labels must be unique, got {dup} more than once")
    insts = {p.instrument.name for p in parts if getattr(p, "instrument", None) is not None}
    return parts, {"study": next(iter(insts)) if len(insts) == 1 else None,
                   "synthetic": any(getattr(p, "synthetic", False) for p in parts)}


def _split_cells(eng, wave: str, cols: list) -> list:
    """The stacked aggregate cut into one design per wave, as ``inputs._split`` cuts rows."""
    cd = eng.collapse([wave, *cols])
    col = cd.data[wave]
    if col.isna().any():
        raise ValueError(f"wave column {wave!r} has {int(cd.freq[col.isna().to_numpy()].sum())} "
                         "missing value(s)")
    if isinstance(col.dtype, pd.CategoricalDtype):
        order = [c for c in col.cat.categories if (col == c).any()]
    else:
        order = sorted(pd.unique(col.to_numpy(dtype=object)), key=_sort_key)
    codes, uniq = pd.factorize(col)
    uniq = pd.Index(uniq)
    out = []
    for lab in order:
        m = np.flatnonzero(codes == uniq.get_loc(lab))
        out.append((lab, _wave_cells(cd, eng, m, cols)))
    return out


def _wave_cells(cd, eng, m: np.ndarray, cols: list) -> CollapsedDesign:
    """One wave's cells as a design: the structure ``Design(rows of the wave, weights,
    strata=stacked stratum codes, psu=stacked PSU codes, fpc=stacked N_h)`` would have."""
    freq = cd.freq[m]
    n = int(freq.sum())
    srs = eng.srs
    h_stacked = cd._strata[m]
    if srs:
        hcode = np.zeros(len(m), dtype=np.intp)
        levels = pd.Index(["(all)"])
    else:
        hs, hcode = np.unique(h_stacked, return_inverse=True)
        levels = pd.Index(hs)
    H = len(levels)
    cells = {c: cd.data[c].iloc[m].reset_index(drop=True) for c in cols}
    cells.update({"__n": pd.Series(freq), "__W": pd.Series(cd.weights[m]),
                  "__W2": pd.Series(cd.w2[m]), "__npos": pd.Series(cd.npos[m]),
                  "__h": pd.Series(hcode.astype(np.intp))})
    if cd._psu is None or srs:
        psu = None
        n_h = np.bincount(hcode, weights=freq, minlength=H).astype(np.int64)
        P, psu_stratum, psu_is_row = n, None, True
    else:
        psu = "__psu"
        pu, pcode = np.unique(cd._psu[m], return_inverse=True)
        P = len(pu)
        psu_stratum = np.zeros(P, dtype=np.intp)
        psu_stratum[pcode] = hcode
        n_h = np.bincount(psu_stratum, minlength=H)
        cells["__psu"] = pd.Series(pcode.astype(np.intp))
        psu_is_row = P == n
    if eng.has_fpc and not srs:
        N = eng._N_h[np.unique(h_stacked)].astype(float)
        N_h = population_sizes(N, N.copy(), n_h, levels)
        f_h = (N_h - n_h) / N_h
    else:
        N_h, f_h = np.full(H, np.inf), np.ones(H)
    if not srs and not np.any(cd.weights[m] > 0):
        raise ValueError("weights are all zero")
    lonely = (n_h == 1) & (f_h > 1e-7)
    if lonely.any() and eng.lonely_psu == "fail":
        names = ", ".join(repr(x) for x in levels[lonely][:5])
        raise ValueError(
            f"stratum {names} has only one PSU, so its variance cannot be estimated; "
            "pass lonely_psu='adjust', 'certainty', 'remove' or 'average' "
            "(as options(survey.lonely.psu=...) in R)")
    stub = SimpleNamespace(
        spec={"weights": None, "strata": None if srs else "__h", "psu": psu, "fpc": None},
        dtypes={}, n=n, lonely_psu=eng.lonely_psu, srs=srs, has_fpc=eng.has_fpc and not srs,
        strata_levels=levels, psu_is_row=psu_is_row, _psu_stratum=psu_stratum, n_psu=P,
        _n_h=n_h, _f_h=f_h, _N_h=N_h, _lonely_h=lonely, df=int(P - H))
    return CollapsedDesign(stub, cells, cols)


# ------------------------------------------------------------------ index
def engine_index_group(obj, wave: str, index, scale, by, lonely_psu):
    """``(parts, values, specs)`` of ``measure="index"``: the items are checked against their
    scales by one small aggregate each, then the mean POMP is one derived column."""
    name, cols, scales = index_spec([], index, scale)
    present: dict = {}    # wave label -> items answered there
    for c in cols:
        parts, _ = engine_parts(obj, wave, [c], lonely_psu)
        for p in parts:
            ok = c in p.data.columns and p.data[c].notna().sum() > 0
            present.setdefault(p.label, {})[c] = (ok, p)
    missing = {}
    for lab, got in present.items():
        absent = [c for c in cols if not got[c][0]]
        if absent:
            missing[lab] = f"item(s) {absent} not asked"
            continue
        for c, (lo, hi) in zip(cols, scales, strict=True):
            x = _numeric(got[c][1].data[c], c, lab, got[c][1].design.freq)
            _check_scale(x, c, lo, hi, lab)
    if len(missing) == len(present):
        raise ValueError(f"index {name!r}: its items are missing in every wave")

    def derive(e):
        import ibis
        if any(c not in e.columns for c in cols):
            return e
        acc = ibis.literal(0.0)
        for c, (lo, hi) in zip(cols, scales, strict=True):
            acc = acc + (e.table[c].cast("float64") - float(lo)) * (100.0 / (hi - lo) / len(cols))
        d = copy.copy(e)
        d.table = e.table.mutate(__index=acc)
        return d

    src = derive(obj) if is_engine_design(obj) else (
        {k: derive(v) if is_engine_design(v) else v for k, v in obj.items()})
    parts, _ = engine_parts(src, wave, ["__index", by], lonely_psu)
    vals = []
    for p in parts:
        if p.label in missing:
            vals.append(None)
        elif "__index" in p.data.columns:
            vals.append(p.data["__index"].to_numpy(dtype=float, na_value=np.nan))
        else:   # an in-memory wave among engine ones: its index as the in-memory route
            acc = np.zeros(len(p.data))
            for c, (lo, hi) in zip(cols, scales, strict=True):
                acc += (_numeric(p.data[c], c, p.label) - lo) * (100.0 / (hi - lo) / len(cols))
            vals.append(acc)
    return parts, [vals], [index_series_spec(name, cols, missing)]
