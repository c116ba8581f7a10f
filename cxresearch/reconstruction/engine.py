"""The reconstruction engine: from a study model and the ledger to respondent-level answers.

Generative model (the same for every study; the study modules set its parameters):

- each respondent has latent factor scores ``F`` (multivariate normal, correlations set by the
  study, e.g. Mitto's omnichannel maturity and CX performance, Mopinion's Measure / Manage /
  Master with an assumed between-dimension correlation);
- an **ordinal** item is an ordered probit: latent ``y = Σ λ_f F_f + effects + s·e`` with
  ``s² = 1 - Var(Σ λ F)``, cut at thresholds that give the assumed marginal shares;
- a **nominal** item is a multinomial logit with utilities ``log base_k + Σ γ_fk F_f + effects``;
- a **multi-select** item is one logit per option (``logit base_o + λ F``), at most (or exactly)
  ``cap`` choices per respondent;
- ``effects`` shift an item by the answers to earlier items (e.g. CX owner on maturity), and
  ``asked_if`` restricts an item to the respondents a questionnaire would route to it.

Items are generated in dependency order (an item comes after every item its figures condition
on). For each group of items linked by published figures (a *component*) the engine

1. computes every respondent's prior answer probabilities from the model;
2. tilts them (:func:`cxresearch.fitting.tilt`) so that the *expected* published figures lie
   inside their intervals — aimed at the middle of two-sided intervals and ``bound_margin``
   inside one-sided bounds, only for figures the prior misses (an active set);
3. samples answers (so that replicates differ as samples do);
4. moves the integer counts per cell as little as possible so that every figure holds exactly
   (:func:`cxresearch.fitting.solve_counts`), or, when figures conflict, as close as possible,
   naming the conflict;
5. gives the counts back to respondents following their latent scores.

Written by hand: no library does this (see :mod:`cxresearch.fitting` for the references).
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import expit, logit, ndtr, ndtri

from cxresearch.reconstruction.assign import assign_multiselect, assign_transport, rank_cut
from cxresearch.reconstruction.fitting import solve_counts, tilt
from cxresearch.reconstruction.frame import Frame, NotReconstructable
from cxresearch.reconstruction.models import Layout, Rank, Spec
from cxresearch.reconstruction.targets import FitTarget, Interval

__all__ = ["ItemModel", "StudyModel", "generate", "row_interval"]

_NEAR = re.compile(r"\bnearly\b|\balmost\b|(?<!最)近|几乎|幾乎|hampir", re.IGNORECASE)


@dataclass
class ItemModel:
    """Prior model of one codebook item (see the module docstring).

    ``base``: level value -> prior share (single/ordinal), option value -> prior inclusion
    probability (multi), or a sequence aligned with the levels. ``loadings``: factor -> λ
    (ordinal, multi) or factor -> {level: γ} (nominal). ``effects``: key -> {level of key ->
    shift} (ordinal/multi) or key -> {level of key -> {level: shift}} (nominal).
    """

    item: str
    base: object = None
    loadings: dict = field(default_factory=dict)
    effects: dict = field(default_factory=dict)
    asked_if: dict | None = None
    cap: int | None = None
    exact: bool = False
    kind: str | None = None


@dataclass
class StudyModel:
    """A study's reconstruction model: assumptions, factors, item priors and the ledger map."""

    study: str
    year: str
    assumptions: dict
    factors: tuple
    corr: object  # callable(a) -> (f, f) correlation matrix
    items: object  # callable(a, inst) -> dict item -> ItemModel
    rows: object  # callable(a) -> dict ledger id -> Spec | NotReconstructable
    ctx: object = None  # callable(a) -> dict passed to specs (coding, ...)
    wave_filter: object = None  # callable(a) -> ledger wave to fit (None: all rows)
    notes: str = ""

    def context(self, a: dict) -> dict:
        return dict(self.ctx(a)) if self.ctx else {}


def row_interval(row, near_band: float, ratio_ceiling: float = 0.0) -> Interval:
    """The interval a ledger row allows (``published.interval``), read as the words mean.

    Two readings are added to the published bound, both assumptions: "nearly v" (``le``/``lt``
    whose note or passage says nearly / almost / 近 / hampir) lies within ``near_band`` (relative)
    below ``v``; "more than k times" (a ``ratio`` with ``gt``/``ge``) is at most
    ``k + ratio_ceiling`` (0 = no ceiling), since a writer would otherwise say the next number.
    """
    from cxresearch.ledger.figures import interval

    lo, hi, lo_open, hi_open = interval(row["value"], str(row["unit"]), str(row["bound"]))
    # a one-sided bound stays one-sided (the unit's limits are not part of the claim)
    if str(row["bound"]) in ("gt", "ge"):
        hi, hi_open = math.inf, False
    if str(row["bound"]) in ("lt", "le"):
        lo, lo_open = -math.inf, False
    if str(row["unit"]) == "ratio" and str(row["bound"]) in ("gt", "ge") and ratio_ceiling > 0:
        hi, hi_open = float(row["value"]) + ratio_ceiling, False
    if str(row["bound"]) == "eq" and np.isfinite(hi) and str(row["unit"]) not in ("rank",):
        hi_open = True  # reported values round half up (Excel's ROUND): v + 0.5 would not
    text = " ".join(str(row.get(c, "") or "") for c in ("note", "passage"))
    if str(row["bound"]) in ("le", "lt") and _NEAR.search(text) and near_band > 0:
        lo = max(lo, hi - near_band * abs(hi))
        lo_open = False
    return Interval(float(lo), float(hi), bool(lo_open), bool(hi_open))


def _rng(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), zlib.crc32(name.encode())])


# --------------------------------------------------------------------------------------------
# priors
# --------------------------------------------------------------------------------------------
def _block_keys(inst, item: str) -> list[str]:
    it = inst.items[item]
    return [f"{item}__{o.value}" for o in it.options] if it.type == "multi" else [item]


def _default_model(inst, item: str) -> ItemModel:
    it = inst.items[item]
    if it.type == "multi":
        J = len(it.options)
        p = 0.3 if not it.max_choices else min(0.3, 0.8 * it.max_choices / J)
        return ItemModel(item, {o.value: p for o in it.options}, cap=it.max_choices)
    if it.type == "single" and not it.ordered:
        return ItemModel(item, None, kind="nominal")
    return ItemModel(item, None, loadings={})


def _kind(inst, m: ItemModel) -> str:
    it = inst.items[m.item]
    if it.type == "multi":
        return "multi"
    if m.kind:
        return m.kind
    return "ordinal" if (it.type != "single" or it.ordered) else "nominal"


def _base_vector(fr: Frame, key: str, base) -> np.ndarray:
    sp = fr.space(key)
    K = sp.size
    if base is None:
        if sp.ordered and K > 2:  # a mild, unimodal default: Binomial(K-1, 0.55)
            v = np.array([math.comb(K - 1, k) * 0.55 ** k * 0.45 ** (K - 1 - k)
                          for k in range(K)])
        else:
            v = np.ones(K)
    elif isinstance(base, dict):
        v = np.array([float(base.get(val, base.get(str(val), 0.0))) for val in sp.values])
        if v.sum() <= 0:
            raise ValueError(f"prior shares of {key} are all zero")
    else:
        v = np.asarray(base, dtype=float)
        if v.size != K:
            raise ValueError(f"prior of {key} has {v.size} shares for {K} levels")
    v = np.clip(v, 1e-6, None)
    return v / v.sum()


def _shift(fr: Frame, effects: dict, n: int, level=None) -> np.ndarray:
    out = np.zeros(n)
    for key, by_level in (effects or {}).items():
        sp = fr.space(key)
        codes = fr.get(key)
        for val, eff in by_level.items():
            e = eff.get(level, 0.0) if isinstance(eff, dict) else eff
            out[codes == sp.index(val)] += float(e)
    return out


def _prior(fr: Frame, F: np.ndarray, fidx: dict, C: np.ndarray, m: ItemModel, kind: str,
           key: str, rows: np.ndarray) -> np.ndarray:
    """Log prior answer probabilities of ``rows`` for ``key`` (rows × K)."""
    n = fr.n
    if kind == "ordinal":
        base = _base_vector(fr, key, m.base)
        lam = np.zeros(len(fidx))
        for f, v in (m.loadings or {}).items():
            lam[fidx[f]] = v
        var = float(lam @ C @ lam)
        if var > 0.9:  # strong loadings with correlated factors: the factors may explain at
            lam = lam * math.sqrt(0.9 / var)  # most 90 % of an item's latent variance
            var = 0.9
        s = math.sqrt(1.0 - var)
        mu = F @ lam + _shift(fr, m.effects, n)
        tau = ndtri(np.clip(np.cumsum(base)[:-1], 1e-12, 1 - 1e-12))
        cdf = ndtr((tau[None, :] - mu[rows, None]) / s)
        cdf = np.hstack([np.zeros((rows.size, 1)), cdf, np.ones((rows.size, 1))])
        p = np.clip(np.diff(cdf, axis=1), 1e-12, None)
        return np.log(p / p.sum(axis=1, keepdims=True))
    if kind == "nominal":
        sp = fr.space(key)
        base = _base_vector(fr, key, m.base)
        u = np.tile(np.log(base), (n, 1))
        for f, by_level in (m.loadings or {}).items():
            for val, g in by_level.items():
                u[:, sp.index(val)] += g * F[:, fidx[f]]
        for k, val in enumerate(sp.values):
            u[:, k] += _shift(fr, m.effects, n, level=val)
        u = u[rows]
        return u - np.logaddexp.reduce(u, axis=1, keepdims=True)
    # multi option: Bernoulli
    opt = key.split("__", 1)[1]
    base = m.base.get(opt, 0.3) if isinstance(m.base, dict) else 0.3
    lam = m.loadings.get(opt, m.loadings) if isinstance(m.loadings, dict) else {}
    eta = np.full(n, float(logit(np.clip(base, 1e-4, 1 - 1e-4))))
    for f, v in (lam or {}).items():
        if isinstance(v, int | float):
            eta += v * F[:, fidx[f]]
    eta += _shift(fr, m.effects.get(opt, {}) if m.effects else {}, n)
    p1 = expit(eta[rows])
    return np.log(np.clip(np.column_stack([1 - p1, p1]), 1e-12, None))


# --------------------------------------------------------------------------------------------
# the engine
# --------------------------------------------------------------------------------------------
def _dep_keys(m: ItemModel, inst) -> set[str]:
    """Keys an item's prior depends on (effects and routing)."""
    ks = set((m.asked_if or {}).keys())
    if inst.items[m.item].type == "multi":
        for eff in (m.effects or {}).values():
            ks |= set(eff)
    else:
        ks |= set(m.effects or {})
    return ks


def _aims(iv: Interval, margin: float, unit_scale: float) -> tuple:
    """Lower and upper aims for the expected value of a figure allowed in ``iv``."""
    lo, hi = iv.lo, iv.hi
    if np.isfinite(lo) and np.isfinite(hi):
        q = (hi - lo) / 4.0
        return lo + q, hi - q
    lo_aim = lo + margin * max(abs(lo), unit_scale) if np.isfinite(lo) else None
    hi_aim = hi - margin * max(abs(hi), unit_scale) if np.isfinite(hi) else None
    return lo_aim, hi_aim


def _asked(fr: Frame, m: ItemModel) -> np.ndarray:
    return fr.mask(m.asked_if) if m.asked_if else np.ones(fr.n, dtype=bool)


def _spec_keys(spec: Spec, inst) -> set[str]:
    out = set()
    for k in spec.keys():
        out |= set(_block_keys(inst, k.split(":", 1)[1])) if k.startswith("@rank:") else {k}
    return out


def generate(model: StudyModel, a: dict, seed: int, inst, ledger: pd.DataFrame):
    """Generate one reconstruction. Returns ``(frame, report)``.

    ``report`` holds ``rows`` (ledger id -> dict(spec, interval, fitted, status, reason)),
    ``components`` (per component: keys, status, changed counts, conflicts, violations) and
    ``warnings``.
    """
    n = int(a["n"])
    ctx = model.context(a)
    fr = Frame(inst, n)
    factors = list(model.factors)
    fidx = {f: i for i, f in enumerate(factors)}
    C = np.asarray(model.corr(a), dtype=float) if factors else np.zeros((0, 0))
    F = (_rng(seed, "@factors").multivariate_normal(np.zeros(len(factors)), C, size=n)
         if factors else np.zeros((n, 0)))
    models = dict(model.items(a, inst))

    # ledger rows -> specs and intervals
    mapping = model.rows(a)
    wave = model.wave_filter(a) if model.wave_filter else None
    rows: dict[str, dict] = {}
    for r in ledger.to_dict("records"):
        if wave is not None and int(r["wave"]) != int(wave):
            continue
        spec = mapping.get(r["id"])
        if spec is None:
            spec = NotReconstructable("not mapped to the codebook yet (new ledger row?)")
        entry = {"row": r, "spec": spec}
        if isinstance(spec, Spec):
            entry["interval"] = row_interval(r, a.get("near_band", 0.15),
                                             a.get("ratio_ceiling", 0.0))
        rows[r["id"]] = entry

    # blocks (one per generated item) and components linked by fitted figures
    gen_items = [it.id for it in inst if not it.pii and it.type in
                 ("single", "likert", "nps_0_10", "rating", "numeric", "multi")
                 and (it.type != "numeric" or it.scale_min is not None)]
    block_of = {k: item for item in gen_items for k in _block_keys(inst, item)}
    parent = {item: item for item in gen_items}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    fitted = {i: e for i, e in rows.items() if isinstance(e["spec"], Spec) and e["spec"].fit}
    for e in fitted.values():
        items = sorted({block_of[k] for k in _spec_keys(e["spec"], inst)})
        for other in items[1:]:
            parent[find(other)] = find(items[0])
    comps: dict[str, list[str]] = {}
    for item in gen_items:
        comps.setdefault(find(item), []).append(item)
    deps = {root: set() for root in comps}
    for item in gen_items:
        m = models.get(item) or _default_model(inst, item)
        for k in _dep_keys(m, inst):
            deps[find(item)].add(find(block_of[k]))
    for e in fitted.values():
        root = find(block_of[next(iter(_spec_keys(e["spec"], inst)))])
        deps[root] |= {find(block_of[k]) for k in e["spec"].where_keys()}
    order, done = [], set()
    codebook_pos = {item: i for i, item in enumerate(gen_items)}

    def visit(root, stack=()):
        if root in done:
            return
        if root in stack:
            raise ValueError(f"{model.study}: figures condition on each other in a cycle: "
                             f"{' -> '.join(stack + (root,))}")
        for d in sorted(deps[root] - {root}, key=lambda r: codebook_pos[r]):
            visit(d, stack + (root,))
        done.add(root)
        order.append(root)

    for root in sorted(comps, key=lambda r: codebook_pos[r]):
        visit(root)

    report = {"rows": rows, "components": [], "warnings": []}
    margin = float(a.get("bound_margin", 0.1))
    for root in order:
        _component(fr, F, fidx, C, models, comps[root], fitted, inst, ctx, seed, margin,
                   report, block_of)
    for item in inst:
        if item.type == "id":
            fr.codes[item.id] = None  # filled when the frame becomes a DataFrame
    return fr, report


def _component(fr, F, fidx, C, models, items, fitted, inst, ctx, seed, margin, report,
               block_of):
    keys = [k for item in items for k in _block_keys(inst, item)]
    mods = {item: models.get(item) or _default_model(inst, item) for item in items}
    kinds = {item: _kind(inst, mods[item]) for item in items}
    mine = {i: e for i, e in fitted.items()
            if block_of[next(iter(_spec_keys(e["spec"], inst)))] in items}
    # cells: each key split by what its figures condition on (a multi item: one split)
    cond: dict[str, set] = {k: set() for k in keys}
    for e in mine.values():
        for k in _spec_keys(e["spec"], inst):
            cond[k] |= e["spec"].where_keys()
    for item in items:
        if mods[item].asked_if:
            for k in _block_keys(inst, item):
                cond[k] |= set(mods[item].asked_if)
        if kinds[item] == "multi":
            common = set().union(*(cond[k] for k in _block_keys(inst, item)))
            for k in _block_keys(inst, item):
                cond[k] = set(common)
    lay = Layout(fr)
    offset = 0
    rowsets, logps = {}, {}
    for item in items:
        asked = _asked(fr, mods[item])
        for k in _block_keys(inst, item):
            cks = sorted(cond[k])
            rws = np.flatnonzero(asked)
            combo = np.stack([fr.get(c)[rws] for c in cks], axis=1) if cks else \
                np.zeros((rws.size, 0), dtype=np.int64)
            cells, cell_of = np.unique(combo, axis=0, return_inverse=True)
            cell_of = cell_of.reshape(-1)
            K = fr.space(k).size
            sizes = np.bincount(cell_of, minlength=len(cells)) if rws.size else np.zeros(0)
            lay.keys[k] = {"cond": cks, "cells": [tuple(c) for c in cells], "sizes": sizes,
                           "offset": offset, "K": K, "rows": rws, "cell_of": cell_of}
            offset += len(cells) * K
            rowsets[k] = rws
            logps[k] = _prior(fr, F, fidx, C, mods[item], kinds[item], k, rws)
    nvar = offset
    # published ranks per (item, where) so that Rank constraints agree with each other
    pranks: dict = {}
    for e in fitted.values():
        s = e["spec"]
        if isinstance(s, Rank) and str(e["row"]["bound"]) == "eq":
            from cxresearch.reconstruction.models import _freeze

            pranks.setdefault((s.item, _freeze(s.where)), {})[s.target] = float(e["row"]["value"])
    prior_share = {}
    for k in keys:
        sp = fr.space(k)
        p = np.exp(logps[k]).mean(axis=0) if rowsets[k].size else np.zeros(sp.size)
        if sp.option is not None:
            prior_share[(sp.item, sp.option)] = float(p[1])
        else:
            for j, v in enumerate(sp.values):
                prior_share[(sp.item, v)] = float(p[j])
    cctx = dict(ctx, published_ranks=pranks, prior_share=prior_share)
    targets: list[FitTarget] = []
    for rid, e in mine.items():
        try:
            ts = e["spec"].constraints(rid, e["interval"], lay, cctx)
        except (ValueError, KeyError, NotImplementedError) as exc:
            e["fit_error"] = str(exc)
            continue
        targets.extend(ts)
        e["fitted"] = True

    # 1. tilt the priors so the expected figures fall inside their intervals
    Kmax = max(lay.keys[k]["K"] for k in keys)
    R = sum(rowsets[k].size for k in keys)
    logp = np.full((R, Kmax), -np.inf)
    var_of = np.zeros((R, Kmax), dtype=np.int64)
    pos = 0
    slices = {}
    for k in keys:
        L = lay.keys[k]
        r = rowsets[k].size
        logp[pos:pos + r, :L["K"]] = logps[k]
        var_of[pos:pos + r, :L["K"]] = L["offset"] + L["cell_of"][:, None] * L["K"] + \
            np.arange(L["K"])[None, :]
        slices[k] = slice(pos, pos + r)
        pos += r
    valid = np.isfinite(logp)
    q = np.exp(logp - np.logaddexp.reduce(logp, axis=1, keepdims=True))
    tres = None
    if targets:
        base_exp = np.bincount(var_of[valid], weights=q[valid], minlength=nvar)
        # every figure: stay inside its interval, shrunk to the middle half (two-sided) or
        # moved ``margin`` inside a one-sided bound (expected values only; step 3 is exact)
        rows_A, rows_b, rows_s, rows_u = [], [], [], []
        for t in targets:
            lo_aim, hi_aim = _aims(t.interval, margin if t.aim_margin is None else
                                   t.aim_margin, t.unit_scale)
            for aim, sense in ((lo_aim, 1.0), (hi_aim, -1.0)):
                if aim is None:
                    continue
                lin = t.num if t.den is None else t.num - t.den * aim
                vec = lin.row(nvar)
                rows_A.append(np.where(valid, vec[var_of], 0.0))
                rows_b.append((aim if t.den is None else 0.0) - lin.const)
                rows_s.append(sense)
                rows_u.append(t.unit_scale * (1.0 if t.den is None else
                                              max(1.0, abs(t.den.value(base_exp)))))
        tres = tilt(logp, np.array(rows_A), np.array(rows_b), np.array(rows_s),
                    scale=np.array(rows_u))
        if not tres.converged and margin > 0:  # margins can clash ("more than half" next to
            # "49%"): aim at the bounds themselves before handing the conflict to the MILP
            report["warnings_margin"] = report.get("warnings_margin", 0) + 1
            return _component(fr, F, fidx, C, models, items, fitted, inst, ctx, seed, 0.0,
                              report, block_of)
        q = tres.q
    # 2. sample
    base = np.zeros(nvar)
    noise = {}
    for item in items:
        rng = _rng(seed, item)
        bkeys = _block_keys(inst, item)
        if kinds[item] == "multi":
            rws = rowsets[bkeys[0]]
            qq = np.column_stack([q[slices[k], 1] for k in bkeys]) if rws.size else \
                np.zeros((0, len(bkeys)))
            L = rng.logistic(size=qq.shape)
            util = logit(np.clip(qq, 1e-9, 1 - 1e-9)) + L
            chosen = _sample_multi(util, qq, mods[item])
            noise[item] = util
            for j, k in enumerate(bkeys):
                lv = chosen[:, j].astype(np.int64)
                np.add.at(base, var_of[slices[k], 0] + lv, 1)
                fr.codes[k] = _full(fr.n, rowsets[k], lv)
            continue
        k = bkeys[0]
        qk = q[slices[k], :lay.keys[k]["K"]]
        if kinds[item] == "ordinal":
            u = rng.uniform(size=qk.shape[0])
            cum = np.cumsum(qk, axis=1)
            lv = np.minimum((cum < u[:, None]).sum(axis=1), qk.shape[1] - 1)
            lo = np.where(lv > 0, cum[np.arange(lv.size), lv - 1], 0.0)
            width = np.maximum(qk[np.arange(lv.size), lv], 1e-12)
            noise[item] = lv + np.clip((u - lo) / width, 0, 1)
        else:
            util = np.log(np.clip(qk, 1e-300, None)) + rng.gumbel(size=qk.shape)
            lv = np.argmax(util, axis=1)
            noise[item] = util
        np.add.at(base, var_of[slices[k], 0] + lv, 1)
        fr.codes[k] = _full(fr.n, rowsets[k], lv)
    comp = {"items": items, "targets": len(targets), "status": "prior", "changed": 0,
            "tilt_converged": None if tres is None else bool(tres.converged)}
    report["components"].append(comp)
    if not targets:
        return
    # 3. exact fit of the counts
    ub = np.zeros(nvar)
    sums, caps = [], []
    for item in items:
        for k in _block_keys(inst, item):
            L = lay.keys[k]
            for c, size in enumerate(L["sizes"]):
                idx = L["offset"] + c * L["K"] + np.arange(L["K"])
                ub[idx] = size
                sums.append((idx, float(size)))
        m = mods[item]
        if kinds[item] == "multi" and m.cap:
            bk = _block_keys(inst, item)
            L0 = lay.keys[bk[0]]
            for c, size in enumerate(L0["sizes"]):
                idx = np.array([lay.keys[k]["offset"] + c * 2 + 1 for k in bk])
                (sums if m.exact else caps).append((idx, float(m.cap * size)))
    sol = solve_counts(base, ub, targets, sums=sums, caps=caps)
    comp.update(status=sol.status, changed=sol.changed, conflicts=sol.conflicts,
                violations=sol.violations, message=sol.message)
    if sol.status == "failed":
        report["warnings"].append(f"solver failed for {items}: {sol.message}")
        return
    # 4. give the counts back to respondents
    x = sol.x
    for item in items:
        bkeys = _block_keys(inst, item)
        if kinds[item] == "multi":
            L0 = lay.keys[bkeys[0]]
            util = noise[item]
            out = np.zeros(util.shape, dtype=bool)
            for c in range(len(L0["cells"])):
                sel = np.flatnonzero(L0["cell_of"] == c)
                cnt = np.array([x[lay.keys[k]["offset"] + c * 2 + 1] for k in bkeys])
                m = mods[item]
                now = np.column_stack([fr.codes[k][rowsets[k]][sel] for k in bkeys]) > 0
                if np.array_equal(now.sum(axis=0), cnt):
                    out[sel] = now  # this cell's counts were not moved
                elif m.cap:
                    out[sel] = assign_multiselect(util[sel], cnt, m.cap, exact=m.exact)
                else:
                    for j in range(len(bkeys)):
                        order = sel[np.argsort(-util[sel, j], kind="stable")]
                        out[order[:cnt[j]], j] = True
            for j, k in enumerate(bkeys):
                fr.codes[k] = _full(fr.n, rowsets[k], out[:, j].astype(np.int64))
            continue
        k = bkeys[0]
        L = lay.keys[k]
        counts = x[L["offset"]:L["offset"] + len(L["cells"]) * L["K"]].reshape(-1, L["K"])
        if kinds[item] == "ordinal":
            lv = rank_cut(noise[item], L["cell_of"], counts)
        else:
            lv = fr.codes[k][rowsets[k]].copy()  # the sampled answers
            for c in range(len(L["cells"])):
                sel = np.flatnonzero(L["cell_of"] == c)
                if np.array_equal(np.bincount(lv[sel], minlength=L["K"]), counts[c]):
                    continue  # this cell's counts were not moved
                lv[sel] = assign_transport(noise[item][sel], counts[c])
        fr.codes[k] = _full(fr.n, rowsets[k], lv)


def _full(n: int, rows: np.ndarray, levels: np.ndarray) -> np.ndarray:
    out = np.full(n, -1, dtype=np.int64)
    out[rows] = levels
    return out


def _sample_multi(util: np.ndarray, q: np.ndarray, m: ItemModel) -> np.ndarray:
    """Choice sets: independent options, trimmed to ``cap``; with ``exact``, the top ``cap``
    by utility with option offsets calibrated so that inclusion rates match ``q``."""
    n, J = util.shape
    if n == 0:
        return np.zeros((0, J), dtype=bool)
    if m.cap and m.exact:
        want = np.clip(q.sum(axis=0), 0.5, None)
        want *= m.cap * n / want.sum()
        delta = np.zeros(J)
        for _ in range(40):
            top = np.argsort(-(util + delta), axis=1)[:, :m.cap]
            got = np.bincount(top.ravel(), minlength=J) + 0.5
            delta += 0.7 * (np.log(want) - np.log(got))
        out = np.zeros((n, J), dtype=bool)
        top = np.argsort(-(util + delta), axis=1)[:, :m.cap]
        np.put_along_axis(out, top, True, axis=1)
        return out
    out = util > 0
    if m.cap:
        over = out.sum(axis=1) > m.cap
        if over.any():
            top = np.argsort(-util[over], axis=1)[:, :m.cap]
            trimmed = np.zeros((over.sum(), J), dtype=bool)
            np.put_along_axis(trimmed, top, True, axis=1)
            out[over] = trimmed
    return out
