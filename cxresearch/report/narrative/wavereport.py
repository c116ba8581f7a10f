"""Building blocks of the study-agnostic notebook templates (wave report, drivers, tracking).

Everything here is driven by the codebook: which items are ordinal, numeric, single- or
multi-choice, which indices exist, which items carry NPS cut-offs, which items are segments,
and (``meta.analysis``) which outcome and drivers the researcher named. The estimates come from
the package's estimators on the wave's design (:meth:`Wave.design`: weights, strata and PSUs
from the codebook's design columns), so intervals are design-based whenever the codebook has a
design. Anything that cannot be computed for an item is listed with the reason, never dropped
silently.

References
----------
Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley (design-based means
and proportions, domain estimates).
Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian
Journal of Statistics* 6, 65-70.

Examples
--------
>>> from cxresearch.report.narrative import wavereport
>>> w = wavereport.default_wave("mobi")                  # doctest: +SKIP
>>> wavereport.item_estimates(w)                         # doctest: +SKIP
>>> # In R: survey::svymean(~cuex1 + cuex2, des, na.rm = TRUE); confint(...)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "ORDINAL",
    "analysis_spec",
    "default_wave",
    "index_design",
    "index_estimates",
    "index_reliability",
    "item_estimates",
    "nps_estimates",
    "segment_comparisons",
    "segments",
    "used_design_columns",
    "wave_labels",
]

ORDINAL = ("likert", "rating", "nps_0_10")
_COLS = ["estimate", "se", "ci_low", "ci_high", "n", "n_eff", "deff", "method"]


def wave_labels(study: str, observed_only: bool = True) -> list[str]:
    """The stored waves of ``study``, oldest first (reconstructions left out unless
    ``observed_only`` is False); ordered by the year a label starts with, then the label."""
    from cxresearch.waves.storage import list_waves, wave_year

    table = list_waves(study)
    labels = [str(x) for x in table["wave"]] if len(table) else []
    if observed_only:
        labels = [x for x in labels if not x.endswith("-reconstructed")]
    return sorted(labels, key=lambda x: (wave_year(x) is None, wave_year(x) or 0, x))


def default_wave(study: str, wave: str | None = None):
    """The wave a template analyses: ``wave`` when given, else the newest observed stored
    wave, else the study's example export (``<examples>/<study>/``) ingested in memory."""
    import cxresearch as cx
    from cxresearch import paths

    if wave is None:
        labels = wave_labels(study)
        if labels:
            return cx.load_wave(study, labels[-1])
    else:
        try:
            return cx.load_wave(study, wave)
        except FileNotFoundError:
            if not str(wave).startswith("example"):
                raise
    folder = paths.examples_dir() / study
    found = sorted(p for p in folder.glob("*") if p.suffix.lower() in
                   (".csv", ".tsv", ".txt", ".xlsx", ".sav", ".parquet")
                   and not p.name.startswith(("_", ".")))
    if found:
        return cx.ingest(str(found[0]), study, wave or "example", write=False)
    raise ValueError(f"study {study!r} has no observed wave{'' if wave is None else f' {wave!r}'}"
                     f"; ingest one first: cxresearch ingest EXPORT --instrument {study} "
                     f"--wave LABEL")


def analysis_spec(inst) -> dict:
    """``meta.analysis`` of a codebook with defaults: ``outcome`` (None), ``drivers`` (every
    index, else every ordinal item, but the outcome), ``segments``."""
    a = dict(inst.meta.get("analysis") or {})
    outcome = a.get("outcome")
    drivers = list(a.get("drivers") or [])
    if outcome and not drivers:
        pool = list(inst.indices) or [i.id for i in inst if i.type in ORDINAL]
        drivers = [x for x in pool if x != outcome]
    return {"outcome": outcome, "drivers": drivers, "segments": segments(inst)}


def segments(inst, max_levels: int = 12) -> list[str]:
    """Segment items: ``meta.analysis.segments`` when given, else every single-choice item
    with 2 to ``max_levels`` levels."""
    given = (inst.meta.get("analysis") or {}).get("segments")
    if given:
        return list(given)
    return [i.id for i in inst if i.type == "single" and 2 <= len(i.levels) <= max_levels
            and not i.pii]


def index_design(w):
    """The wave's design with one score column per multi-item index added (mean of the
    index's items; a respondent who skipped any of them has no score), and the scores' names.
    """
    from cxresearch.sampling.design import Design

    inst = w.instrument
    data = w.data.copy()
    names = []
    for name, items in inst.indices.items():
        cols = [c for c in items if c in data]
        if not cols or name in data:
            continue
        block = np.array(data[cols].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
                         copy=True)
        complete = ~np.isnan(block).any(axis=1)
        score = np.full(len(block), np.nan)
        score[complete] = block[complete].mean(axis=1)
        data[name] = pd.array(score, dtype="Float64")
        names.append(name)
    design = Design(data, **used_design_columns(w))
    return design, names


def used_design_columns(w) -> dict:
    """The codebook's weight/strata/psu/fpc columns that the wave carries (a declared column
    the export lacked, stored all-NA, is left out, as :meth:`Wave.design` does)."""
    return {k: c for k, c in w.instrument.design_columns().items()
            if k in ("weights", "strata", "psu", "fpc") and c is not None
            and c in w.data.columns and w.data[c].notna().any()}


def _row(term: str, level, res: pd.DataFrame) -> dict:
    r = res.iloc[0]
    return {"item": term, "level": level, **{c: r.get(c) for c in _COLS}}


def item_estimates(w, conf_level: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every item's estimate with its interval: means of ordinal and numeric items, shares of
    each level of single-choice items and of each option of multi-select items.

    Returns ``(estimates, not_computed)``; the second lists items left out and why.
    """
    import cxresearch as cx

    design, _ = index_design(w)
    rows, skipped = [], []
    for item in w.instrument:
        try:
            if item.type in ORDINAL or item.type == "numeric":
                rows.append(_row(item.id, None, cx.mean(design, item.id,
                                                        conf_level=conf_level)))
            elif item.type == "single":
                res = cx.proportion(design, item.id, conf_level=conf_level)
                lvl = "level" if "level" in res else res.columns[0]
                for _, r in res.iterrows():
                    rows.append({"item": item.id, "level": r[lvl], **{c: r.get(c)
                                                                     for c in _COLS}})
            elif item.type == "multi":
                for opt in item.options:
                    col = f"{item.id}__{opt.value}"
                    if col in design.data:
                        res = cx.proportion(design, col, level=True, conf_level=conf_level)
                        rows.append(_row(item.id, opt.value, res))
            else:
                continue
        except (ValueError, TypeError, KeyError) as exc:
            skipped.append({"item": item.id, "type": item.type,
                            "reason": f"{type(exc).__name__}: {exc}"})
    return (pd.DataFrame(rows, columns=["item", "level", *_COLS]),
            pd.DataFrame(skipped, columns=["item", "type", "reason"]))


def index_estimates(w, conf_level: float = 0.95) -> pd.DataFrame:
    """The mean score of each index (mean of its items, complete answers) with its interval."""
    import cxresearch as cx

    design, names = index_design(w)
    rows = []
    for name in names:
        res = cx.mean(design, name, conf_level=conf_level)
        row = _row(name, None, res)
        row["items"] = ", ".join(w.instrument.indices[name])
        row["method"] = f"index = mean of its items (complete answers); {row['method']}"
        rows.append(row)
    return pd.DataFrame(rows, columns=["item", "level", *_COLS, "items"]).rename(
        columns={"item": "index"}).drop(columns="level")


def index_reliability(w) -> pd.DataFrame:
    """Cronbach's alpha (with its interval) and McDonald's omega of each index of two or
    more items (``cx.reliability``; unweighted, as ``psych::alpha``). What was warned (omega's
    factor analysis not converging...) is in ``.attrs["notes"]``, one line per index."""
    import cxresearch as cx

    rows, notes = [], []
    for name, items in w.instrument.indices.items():
        cols = [c for c in items if c in w.data]
        if len(cols) < 2:
            continue
        try:
            res = cx.reliability(w.data, cols)
        except (ValueError, TypeError) as exc:
            rows.append({"index": name, "measure": "alpha", "note": str(exc)})
            continue
        scale = res.table
        notes += [f"{name}: {n}" for n in res.notes if getattr(n, "category", None)]
        for _, r in scale[scale["measure"].isin(["alpha", "omega_total"])].iterrows():
            rows.append({"index": name, **r.to_dict(), "k": len(cols)})
    out = pd.DataFrame(rows)
    out.attrs["notes"] = notes
    return out


def nps_estimates(w, conf_level: float = 0.95) -> tuple[pd.DataFrame, list[str]]:
    """NPS of the recommend items: items typed ``nps_0_10``, on a 0-10 scale, or with ``nps``
    cut-offs in the codebook. Returns the estimates and notes (items refused by ``cx.nps``,
    with its message)."""
    import cxresearch as cx

    rows, notes = [], []
    for item in w.instrument:
        zero_ten = item.scale_min == 0 and item.scale_max == 10
        if not (item.type == "nps_0_10" or zero_ten or getattr(item, "nps", None)):
            continue
        try:
            res = cx.nps(w, item.id, conf_level=conf_level)
        except ValueError as exc:
            notes.append(f"{item.id}: no NPS ({exc})")
            continue
        rows.append(_row(item.id, None, res))
    return pd.DataFrame(rows, columns=["item", "level", *_COLS]).drop(columns="level"), notes


def segment_comparisons(w, outcomes: list[str], segs: list[str], conf_level: float = 0.95,
                        adjust: str = "holm") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each outcome (index or item) by each segment: domain estimates with intervals, and one
    test per (outcome, segment) with p-values adjusted for the whole family (Holm).

    Returns ``(by_segment, tests)``: ``outcome, segment, level, estimate, se, ci_low, ci_high,
    n, n_eff, deff, method`` and ``outcome, segment, test, statistic, p_value, n, p_adjusted,
    adjustment`` (a pair that could not be tested has ``test = "not computed"`` and a
    ``note``). The test is ``cx.compare_groups`` (its primary test) on
    the answers — unweighted — and says so when the design has weights.
    """
    import cxresearch as cx

    design, _ = index_design(w)
    est, tests = [], []
    weighted = "weights" in used_design_columns(w)
    for seg in segs:
        for out in outcomes:
            if out not in design.data or seg not in design.data:
                continue
            try:
                res = cx.mean(design, out, by=seg, conf_level=conf_level)
                res = res.rename(columns={seg: "level"}).drop(columns=["item"], errors="ignore")
                res.insert(0, "segment", seg)  # fixed names, whatever the items are called
                res.insert(0, "outcome", out)
                est.append(res)
                g = cx.compare_groups(design.data, out, seg, conf_level=conf_level)
                t = g.tests.set_index("test").loc[g.primary]
                tests.append({"outcome": out, "segment": seg, "test": g.primary,
                              "statistic": t.get("statistic"), "p_value": g.p_value,
                              "n": g.n, "weighted": False if weighted else None})
            except (ValueError, TypeError, KeyError) as exc:
                tests.append({"outcome": out, "segment": seg, "test": "not computed",
                              "p_value": np.nan, "note": f"{type(exc).__name__}: {exc}"})
    tests = pd.DataFrame(tests)
    if len(tests):
        p = tests["p_value"].to_numpy(dtype=float)
        ok = ~np.isnan(p)
        adj = np.full(p.shape, np.nan)
        if ok.any():
            adj[ok] = cx.adjust_pvalues(p[ok], method=adjust)
        tests["p_adjusted"] = adj
        tests["adjustment"] = f"{adjust} over {int(ok.sum())} tests"
    by = pd.concat(est, ignore_index=True) if est else pd.DataFrame()
    return by, tests
