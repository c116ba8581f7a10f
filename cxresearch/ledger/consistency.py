"""Consistency checks of the published figures.

A careful reader checks a report's numbers against each other before building on them. Every
check here works on the ledger (``cx.published()``) only and returns one row per check:

``composite``
    a composite score against its components, with rounding intervals (each Mopinion dimension
    score = mean of its four statement scores; what that implies for the statements not published);
``order``
    "scores lowest" / ranks against the values they order;
``ratio`` / ``difference``
    "k times as likely" and "a gap of d points" against the component figures;
``mixture``
    subgroup figures against the overall figure they average into (NPS 8.5 vs 5.8, CSAT gap);
``partition``
    shares of one question: single-choice shares cannot sum past 100 %, "choose k" shares past
    k x 100 %;
``grim``
    GRIM-style granularity (Brown & Heathers 2017): which sample sizes make a reported mean or
    percentage achievable with integer answers, and whether the stated n is among them;
``restatement`` / ``contradiction`` / ``translation``
    a figure stated twice, sources that disagree with themselves, the two languages of the
    Mopinion article - flagged and explained, never silently resolved.

Rounding intervals: a value published with d decimals stands for
[v - 0.5 * 10**-d, v + 0.5 * 10**-d]; verbal bounds ("nearly", "more than") widen that to
the intervals of :func:`cxresearch.ledger.interval`.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from cxresearch.ledger.consistency_specs import TEXT_CHECKS
from cxresearch.ledger.figures import PASSAGE_SEP, as_ledger, decimals, interval
from cxresearch.ledger.grim import feasible_ns, grim_feasible

__all__ = ["check_consistency", "feasible_ns", "grim_feasible"]

RESULT_COLUMNS = ["check_id", "study", "kind", "figures", "verdict", "derived", "derived_low",
                  "derived_high", "explanation"]
VERDICTS = ["consistent", "inconsistent", "undetermined"]

#: single-choice questions whose shares cannot sum past the total given here
DEFAULT_PARTITIONS = {"cx_owner_share": 100.0, "maturity_share": 100.0}
_SHARE_UNITS = ("percent", "score_percent")


# ----------------------------------------------------------------------------- helpers
def _iv(row) -> tuple[float, float]:
    lo, hi, _, _ = interval(float(row["value"]), str(row["unit"]), str(row["bound"]))
    return lo, hi


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def _row(check_id, study, kind, ids, verdict, derived=np.nan, lo=np.nan, hi=np.nan,
         explanation=""):
    return dict(check_id=check_id, study=study, kind=kind, figures=";".join(ids),
                verdict=verdict, derived=derived, derived_low=lo, derived_high=hi,
                explanation=explanation)


def _find(L, study, metric, group=None, wave=None) -> pd.DataFrame:
    m = (L["study"] == study) & (L["metric"] == metric)
    if group is not None:
        m &= L["group"] == group
    if wave is not None:
        m &= L["wave"] == wave
    return L[m]


def _first(L, study, metric, group, wave=None):
    hit = _find(L, study, metric, group, wave)
    return None if hit.empty else hit.iloc[0]


def _overlap(a, b) -> bool:
    return a[0] <= b[1] + 1e-12 and b[0] <= a[1] + 1e-12


# ----------------------------------------------------------------------------- composite
def _composite_checks(L) -> tuple[list[dict], dict]:
    out, implied = [], {}
    dims = L[L["metric"] == "dimension_score"].drop_duplicates(["study", "wave", "group"])
    for _, d in dims.iterrows():
        study, wave, dim = d["study"], d["wave"], d["group"]
        k_row = _first(L, study, "statements_per_dimension", "all")
        k = int(k_row["value"]) if k_row is not None else 4
        st = L[(L["study"] == study) & (L["wave"] == wave) & (L["metric"] == "statement_score")
               & L["group"].str.startswith(f"{dim}_")]
        p, m = len(st), k - len(st)
        d_lo, d_hi = _iv(d)
        ids = [d["id"], *st["id"]]
        s_lo = sum(_iv(r)[0] for _, r in st.iterrows())
        s_hi = sum(_iv(r)[1] for _, r in st.iterrows())
        s_pt = float(st["value"].sum()) if p else 0.0
        cid = f"{study}.composite.{dim}"
        head = (f"{dim} score {_fmt(d['value'])} is the mean of its {k} statement scores "
                f"(sum of points / maximum points, every respondent answering every statement); "
                f"{_fmt(d['value'])} stands for [{_fmt(d_lo)}, {_fmt(d_hi)}], each statement "
                f"score for its own +-0.5 rounding interval. ")
        if m < 0:
            out.append(_row(cid, study, "composite", ids, "inconsistent", explanation=head +
                            f"{p} statement scores are published for a dimension of {k}."))
            continue
        if m == 0:
            lo, hi = s_lo / k, s_hi / k
            ok = _overlap((lo, hi), (d_lo, d_hi))
            out.append(_row(cid, study, "composite", ids, "consistent" if ok else "inconsistent",
                            s_pt / k, lo, hi, head + f"The statements average to [{_fmt(lo)}, "
                            f"{_fmt(hi)}], which {'overlaps' if ok else 'misses'} it."))
            continue
        lo, hi = (k * d_lo - s_hi) / m, (k * d_hi - s_lo) / m
        pt = (k * float(d["value"]) - s_pt) / m
        implied[(study, wave, dim)] = (lo, hi, m)
        feasible = hi >= 0 and lo <= 100
        floor_note = ""
        if feasible and hi < 20:
            floor_note = (" Under 1-5 coding no statement can score below 20 %, so this is "
                          "only achievable with 0-4 coding.")
        verdict = "consistent" if feasible else "inconsistent"
        pub = ", ".join(f"{_fmt(v)}" for v in st["value"]) or "none"
        out.append(_row(cid, study, "composite", ids, verdict, pt, max(lo, 0.0), min(hi, 100.0),
                        head + f"Published statements: {pub}. The {m} unpublished statement(s) "
                        f"must then average {_fmt(pt)} (interval [{_fmt(lo)}, {_fmt(hi)}]), "
                        f"{'within' if feasible else 'outside'} the 0-100 range of a score."
                        + floor_note))
    return out, implied


# ----------------------------------------------------------------------------- order / rank
def _order_checks(L, implied) -> list[dict]:
    out = []
    rows = L[(L["unit"] == "rank_from_bottom") & L["metric"].str.endswith("_rank_from_bottom")]
    for _, r in rows.iterrows():
        study, wave, g = r["study"], r["wave"], r["group"]
        base = r["metric"][: -len("_rank_from_bottom")]
        vals = _find(L, study, base, wave=wave).drop_duplicates("group")
        cid = f"{study}.order.{base}.{g}"
        subj = vals[vals["group"] == g]
        others = vals[vals["group"] != g]
        if int(r["value"]) != 1 or subj.empty or others.empty:
            why = ("only 'lowest' (rank 1 from the bottom) is checked" if int(r["value"]) != 1
                   else f"no published {base} for {g}" if subj.empty
                   else f"no published {base} for the groups {g} is compared with")
            out.append(_row(cid, study, "order", [r["id"]], "undetermined",
                            explanation=f"'{g} is lowest on {base}': {why}."))
            continue
        s_lo, s_hi = _iv(subj.iloc[0])
        worse = [o["id"] for _, o in others.iterrows() if _iv(o)[1] < s_lo]
        sure = all(s_hi <= _iv(o)[0] for _, o in others.iterrows())
        ids = [r["id"], subj.iloc[0]["id"], *others["id"]]
        extra = ""
        if base == "statement_score":
            for (st, wv, dim), (lo, hi, m) in implied.items():
                if st == study and wv == wave:
                    if hi < s_lo:
                        worse.append(f"unpublished {dim} statements")
                    extra += (f" The {m} unpublished {dim} statement(s) average [{_fmt(lo)}, "
                              f"{_fmt(hi)}]: each must be >= {_fmt(s_lo)} for the claim.")
        if worse:
            verdict = "inconsistent"
            msg = f"but {', '.join(worse)} is lower."
        elif sure:
            verdict = "consistent"
            msg = "and every other published value is at least as high."
        else:
            verdict = "undetermined"
            msg = "but the rounding intervals overlap, so the order is not settled."
        out.append(_row(cid, study, "order", ids, verdict, float(subj.iloc[0]["value"]), s_lo,
                        s_hi, f"'{g} scores lowest on {base}' ({_fmt(subj.iloc[0]['value'])}) "
                        + msg + extra))
    return out


def _rank_share_checks(L) -> list[dict]:
    out = []
    ranks = L[(L["unit"] == "rank") & L["metric"].str.endswith("_rank")]
    for (study, wave, metric), grp in ranks.groupby(["study", "wave", "metric"], observed=True):
        prefix = metric[: -len("_rank")]
        shares = _find(L, study, f"{prefix}_share", wave=wave).drop_duplicates("group")
        if shares.empty:
            continue
        rk = grp.drop_duplicates("group").set_index("group")
        sh = shares.set_index("group")
        problems, ids = [], [*rk["id"], *sh["id"]]
        groups = list(sh.index)
        for a in groups:
            for b in groups:
                if a == b:
                    continue
                ra = rk["value"].get(a, pd.NA)
                rb = rk["value"].get(b, pd.NA)
                a_iv, b_iv = _iv(sh.loc[a]), _iv(sh.loc[b])
                above = (pd.notna(ra) and pd.notna(rb) and ra < rb) or (
                    pd.notna(ra) and ra == 1 and pd.isna(rb))
                if above and a_iv[1] < b_iv[0]:
                    problems.append(f"{a} ranks above {b} but its share is lower")
                if pd.notna(ra) and pd.notna(rb) and ra == rb and a < b and not _overlap(a_iv,
                                                                                      b_iv):
                    problems.append(f"{a} and {b} are tied at rank {int(ra)} with different "
                                    "shares")
        # gaps: ranks between two published ranks must have shares between theirs
        known = sorted((int(rk.loc[g, "value"]), g) for g in groups if g in rk.index)
        gaps = []
        for (r1, g1), (r2, g2) in zip(known, known[1:], strict=False):
            if r2 - r1 > 1:
                gaps.append(f"ranks {r1 + 1}-{r2 - 1} must lie in [{_fmt(_iv(sh.loc[g2])[0])}, "
                            f"{_fmt(_iv(sh.loc[g1])[1])}]")
        verdict = "inconsistent" if problems else "consistent"
        text = (f"Ranks of {metric} ({wave}) against the published shares: "
                + ("; ".join(problems) if problems else "the order of the shares matches the "
                   "ranks") + (". Implied: " + "; ".join(gaps) if gaps else "") + ".")
        out.append(_row(f"{study}.rank.{metric}.{wave}", study, "order", ids, verdict,
                        explanation=text))
    return out


# ----------------------------------------------------------------------------- ratio / diff
def _components(L, r, suffixes):
    study, wave, metric, group = r["study"], r["wave"], r["metric"], r["group"]
    base = metric
    for suf in suffixes:
        if metric.endswith(suf):
            base = metric[: -len(suf)]
            break
    if "_vs_" in group:
        a, b = group.split("_vs_", 1)
        cands = [(base, a, base, b), (f"{base}_mean", a, f"{base}_mean", b)]
    else:
        cands = [(f"{base}_after", group, f"{base}_before", group)]
    for ma, ga, mb, gb in cands:
        ra, rb = _first(L, study, ma, ga, wave), _first(L, study, mb, gb, wave)
        if ra is not None and rb is not None:
            return ra, rb
    return None, None


def _claim_verdict(claim_iv, nominal, derived_iv) -> str:
    if not _overlap(claim_iv, derived_iv):
        return "inconsistent"
    if claim_iv[0] - 1e-9 <= nominal <= claim_iv[1] + 1e-9:
        return "consistent"
    return "undetermined"


def _ratio_diff_checks(L) -> list[dict]:
    out = []
    for kind, unit, sufs in (("ratio", "ratio", ("_ratio",)),
                             ("difference", "points", ("_diff", "_gap", "_change"))):
        rows = L[(L["unit"] == unit) & L["metric"].str.endswith(sufs)]
        for _, r in rows.iterrows():
            study, cid = r["study"], f"{r['study']}.{kind}.{r['metric']}.{r['group']}"
            claim_iv = _iv(r)
            ra, rb = _components(L, r, sufs)
            words = f"{r['bound']} {_fmt(r['value'])}"
            if ra is None:
                out.append(_row(cid, study, kind, [r["id"]], "undetermined", explanation=(
                    f"The claim ({kind} {words}) cannot be checked: the component figures for "
                    f"{r['group'].replace('_vs_', ' and ')} are not published.")))
                continue
            (a_lo, a_hi), (b_lo, b_hi) = _iv(ra), _iv(rb)
            av, bv = float(ra["value"]), float(rb["value"])
            if kind == "ratio":
                nominal = av / bv if bv else math.inf
                lo = a_lo / b_hi if b_hi > 0 else math.inf
                hi = a_hi / b_lo if b_lo > 0 else math.inf
            else:
                nominal, lo, hi = av - bv, a_lo - b_hi, a_hi - b_lo
            verdict = _claim_verdict(claim_iv, nominal, (lo, hi))
            out.append(_row(cid, study, kind, [r["id"], ra["id"], rb["id"]], verdict, nominal,
                            lo, hi, (
                                f"Claim: {kind} {words}. Components {ra['group']} "
                                f"{ra['bound']} {_fmt(av)} ([{_fmt(a_lo)}, {_fmt(a_hi)}]) and "
                                f"{rb['group']} {rb['bound']} {_fmt(bv)} ([{_fmt(b_lo)}, "
                                f"{_fmt(b_hi)}]) give {_fmt(nominal)} at face value, "
                                f"[{_fmt(lo)}, {_fmt(hi)}] over their intervals.")))
    return out


# ----------------------------------------------------------------------------- mixture
def _mixture_checks(L) -> list[dict]:
    """Subgroup figures against the whole-sample figure they average into (Mitto)."""
    out = []
    share = _first(L, "mitto_cx", "maturity_share", "full_omnichannel")
    if share is None:
        return out
    w_lo, w_hi = _iv(share)
    w_lo, w_hi = w_lo / 100, w_hi / 100
    hi_ = _first(L, "mitto_cx", "nps_mean", "full_omnichannel")
    lo_ = _first(L, "mitto_cx", "nps_mean", "less_mature")
    if hi_ is not None and lo_ is not None:
        (h1, h2), (l1, l2) = _iv(hi_), _iv(lo_)
        o_lo, o_hi = l1 + w_lo * (h1 - l1), l2 + w_hi * (h2 - l2)
        w_mid = (w_lo + w_hi) / 2
        pt = float(lo_["value"]) + w_mid * float(hi_["value"] - lo_["value"])
        out.append(_row("mitto_cx.mixture.nps_overall", "mitto_cx", "mixture",
                        [hi_["id"], lo_["id"], share["id"]], "undetermined", pt, o_lo, o_hi, (
                            f"No overall NPS is published. With full-omnichannel firms "
                            f"{share['bound']} {_fmt(share['value'])}% of the sample, means "
                            f"{_fmt(hi_['value'])} (full) and {_fmt(lo_['value'])} (less mature) "
                            f"imply an overall mean in [{_fmt(o_lo)}, {_fmt(o_hi)}] (mid-share "
                            f"{_fmt(pt)}); the headline gap of "
                            f"{_fmt(float(hi_['value'] - lo_['value']))} points is mostly the "
                            "full group standing out from an overall mean near the less mature "
                            "one. 'NPS' of 8.5/5.8 read as mean 0-10 ratings (see the label "
                            "check).")))
    tot = _first(L, "mitto_cx", "csat_mean", "all")
    gap = _first(L, "mitto_cx", "csat_gap", "full_omnichannel_vs_all")
    if tot is not None and gap is not None:
        (t1, t2), (g1, g2) = _iv(tot), _iv(gap)
        m_lo, m_hi = t1 + g1, t2 + g2
        # rest of the sample: overall = w*mature + (1-w)*rest
        cands = [(t - w * m) / (1 - w) for t in (t1, t2) for m in (m_lo, m_hi)
                 for w in (max(w_lo, 1e-9), w_hi)]
        r_lo, r_hi = min(cands), max(cands)
        ok = r_hi >= 0 and r_lo <= 100
        out.append(_row("mitto_cx.mixture.csat_mature", "mitto_cx", "mixture",
                        [tot["id"], gap["id"], share["id"]], "consistent" if ok else
                        "inconsistent", float(tot["value"] + gap["value"]), m_lo, m_hi, (
                            f"Overall CSAT {_fmt(tot['value'])}% and a gap of "
                            f"{_fmt(gap['value'])} points put the mature (read: full-omnichannel) "
                            f"subsample at {_fmt(float(tot['value'] + gap['value']))} "
                            f"([{_fmt(m_lo)}, {_fmt(m_hi)}]; the direction is implied, not "
                            f"stated - {_fmt(float(tot['value'] - gap['value']))} if it were "
                            f"below). With that group under {_fmt(w_hi * 100)}% of the sample "
                            f"the rest average [{_fmt(r_lo)}, {_fmt(r_hi)}]: feasible.")))
    return out


# ----------------------------------------------------------------------------- partition
def _partition_checks(L, partitions) -> list[dict]:
    out = []
    totals = dict(DEFAULT_PARTITIONS)
    for _, r in L[L["metric"].str.endswith("_max_choices")].iterrows():
        totals[r["metric"][: -len("_max_choices")] + "_share"] = 100.0 * float(r["value"])
    totals.update(partitions or {})
    for metric, total in totals.items():
        rows = L[(L["metric"] == metric) & L["unit"].isin(_SHARE_UNITS)]
        for (study, wave), grp in rows.groupby(["study", "wave"], observed=True):
            grp = grp.drop_duplicates("group")
            ivs = [_iv(r) for _, r in grp.iterrows()]
            lo, hi = sum(i[0] for i in ivs), sum(i[1] for i in ivs)
            pt = float(grp["value"].sum())
            over = [r["id"] for (_, r), i in zip(grp.iterrows(), ivs, strict=True) if i[0] > 100]
            ok = lo <= total + 1e-9 and not over
            kind = "single-choice" if total <= 100 else f"choose-{int(total // 100)}"
            text = (f"{kind} shares of {metric} ({wave}) sum to {_fmt(pt)} ([{_fmt(lo)}, "
                    f"{_fmt(hi)}] over their bounds); they cannot exceed {_fmt(total)}")
            if total > 100:
                text += " (multi-select shares may sum past 100)"
            if over:
                text += f"; {', '.join(over)} exceed 100 on their own"
            if ok:
                text += f". Left for unpublished options: at most {_fmt(max(total - lo, 0))}."
            else:
                text += ": impossible."
            out.append(_row(f"{study}.partition.{metric}.{wave}", study, "partition",
                            list(grp["id"]), "consistent" if ok else "inconsistent", pt, lo, hi,
                            text))
    return out


# ----------------------------------------------------------------------------- GRIM rows
def _grim_checks(L) -> list[dict]:
    out = []
    # rows with a stated n
    rows = L[L["n"].notna() & (L["bound"] == "eq") & L["unit"].isin(["percent", "score_0_10"])]
    for _, r in rows.iterrows():
        mult = 100.0 if r["unit"] == "percent" else 1.0
        d = decimals(r["value"])
        ok = grim_feasible(float(r["value"]), int(r["n"]), d, multiplier=mult)
        out.append(_row(f"{r['study']}.grim.{r['metric']}.{r['group']}", r["study"], "grim",
                        [r["id"]], "consistent" if ok else "inconsistent", float(r["value"]),
                        explanation=f"{_fmt(r['value'])} with n = {int(r['n'])}: steps of "
                        f"{_fmt(mult / int(r['n']))}; {'achievable' if ok else 'not achievable'}"
                        f" with integer answers."))
    # joint feasibility where n is not published: every exact figure of a study/wave at once
    specs = {"score_percent": None, "percent": (1, 100.0), "score_0_10": (1, 1.0)}
    for (study, wave), grp in L[(L["bound"] == "eq") & L["unit"].isin(list(specs))
                                & L["n"].isna()].groupby(["study", "wave"], observed=True):
        if study == "mitto_cx":
            continue  # subgroup means of unpublished subgroup sizes: not one n
        grp = grp[~grp["group"].str.endswith("_case") & ~grp["metric"].str.startswith("page_")]
        grp = grp[~grp["note"].fillna("").str.contains("Quoted from|Expert", regex=True)]
        if grp.empty:
            continue
        feas = None
        for _, r in grp.iterrows():
            if r["unit"] == "score_percent":
                sp = 20 if r["metric"] == "dimension_score" else 5
                ns = set(feasible_ns(float(r["value"]), decimals(r["value"]), range(1, 1001), sp,
                                     multiplier=100.0))
            else:
                sp, mult = specs[str(r["unit"])]
                ns = set(feasible_ns(float(r["value"]), decimals(r["value"]), range(1, 1001), sp,
                                     multiplier=mult))
            feas = ns if feas is None else feas & ns
        smallest = min(feas) if feas else np.nan
        verdict = "consistent" if feas else "inconsistent"
        stated = _stated_ns(L, study, wave)
        note = ""
        if stated:
            hits = {lab: sorted(set(ns) & (feas or set())) for lab, ns in stated.items()}
            note = " Stated sample sizes: " + "; ".join(
                f"{lab}: {'feasible' if h else 'NOT feasible'}"
                + (f" ({len(h)} of {len(stated[lab])} values)" if len(stated[lab]) > 1 else "")
                for lab, h in hits.items()) + "."
            if not any(hits.values()):
                verdict = "inconsistent"
        out.append(_row(f"{study}.grim.joint.{wave}", study, "grim", list(grp["id"]), verdict,
                        smallest, smallest, 1000 if feas else np.nan, (
                            f"n is not published. The {len(grp)} exact figures of {study} "
                            f"({wave}) are jointly achievable with integer answers for "
                            f"{len(feas or [])} of the sample sizes 1-1000; the smallest is "
                            f"{_fmt(smallest)}. (Statement scores: points/(5n); dimension "
                            "scores: points/(20n), 1-5 coding; shares: k/n.)" + note)))
    # single subgroup means whose group size is not published (Mitto NPS)
    for _, r in L[(L["unit"] == "score_0_10") & (L["bound"] == "eq") & L["n"].isna()].iterrows():
        ns = feasible_ns(float(r["value"]), decimals(r["value"]), range(1, 1001))
        out.append(_row(f"{r['study']}.grim.{r['metric']}.{r['group']}", r["study"], "grim",
                        [r["id"]], "consistent" if ns else "inconsistent",
                        float(min(ns)) if ns else np.nan, explanation=(
                            f"Mean {_fmt(r['value'])} of integer 0-10 answers: achievable for "
                            f"{len(ns)} of n = 1-1000, the smallest being {min(ns) if ns else 'none'}"
                            "; every n >= 10 works, so the (unpublished) group size is not "
                            "constrained.")))
    return out


def _stated_ns(L, study, wave) -> dict[str, list[int]]:
    """Sample sizes a study states: exact counts, and '190+' read as 191-199."""
    out: dict[str, list[int]] = {}
    for _, r in _find(L, study, "respondents", "all").iterrows():
        v = float(r["value"])
        if r["bound"] == "eq":
            out[f"n = {int(v)}"] = [int(v)]
        elif r["bound"] == "gt":
            lo, hi = _plus_interval(v)
            out[f"n = {int(v)}+ ({int(lo) + 1}-{int(hi) - 1})"] = list(range(int(lo) + 1,
                                                                               int(hi)))
    return out


# ----------------------------------------------------------------------------- restatements
def _plus_interval(v: float) -> tuple[float, float]:
    """'190+' / '600 多': the count lies in (v, next multiple of the last non-zero digit)."""
    z = len(str(int(v))) - len(str(int(v)).rstrip("0"))
    return (v, v + 10.0 ** max(z, 0))


def _restatement_checks(L) -> list[dict]:
    out = []
    for (study, wave, metric, group), grp in L.groupby(["study", "wave", "metric", "group"],
                                                       observed=True):
        if len(grp) < 2 or grp["id"].str.endswith((".low", ".high")).all():
            continue
        grp = grp[~grp["id"].str.endswith((".low", ".high"))]
        if len(grp) < 2:
            continue
        respondents = metric == "respondents"
        ivs = []
        for _, r in grp.iterrows():
            if respondents and r["bound"] == "gt":
                ivs.append(_plus_interval(float(r["value"])))
            else:
                ivs.append(_iv(r))
        lo, hi = max(i[0] for i in ivs), min(i[1] for i in ivs)
        ok = lo <= hi + 1e-9
        desc = "; ".join(f"{r['id']}: {r['bound']} {_fmt(r['value'])} -> [{_fmt(i[0])}, "
                         f"{_fmt(i[1])}]" for (_, r), i in zip(grp.iterrows(), ivs, strict=True))
        kind = "contradiction" if (respondents and not ok) else "restatement"
        text = f"The same figure stated {len(grp)} times: {desc}. "
        text += ("The statements agree." if ok else "They cannot all be true.")
        if respondents:
            text += (" '190+' (190 多) is read as 190-odd, i.e. (190, 200); read loosely as "
                     "'more than 190' it would admit 250, but a report would not describe 250 "
                     "respondents as '190+'. Possible reconciliations (250 invited/surveyed, "
                     "190+ complete answers) are not stated in the source: flagged, not "
                     "resolved. Percentages of this study are checked against both bases.")
        out.append(_row(f"{study}.{kind}.{metric}.{group}.{wave}", study, kind, list(grp["id"]),
                        "consistent" if ok else "inconsistent", np.nan,
                        lo if ok else np.nan, hi if ok else np.nan, text))
    return out


# ----------------------------------------------------------------------------- translations
_NUM = re.compile(r"\d+(?:[.,]\d+)?")


def _translation_checks(L) -> list[dict]:
    out = []
    rows = L[L["passage"].fillna("").str.contains(PASSAGE_SEP, regex=False)]
    for study, grp in rows.groupby("study", observed=True):
        agree, differ, words = [], [], []
        for _, r in grp.iterrows():
            parts = str(r["passage"]).split(PASSAGE_SEP)
            nums = [sorted(_NUM.findall(p)) for p in parts]
            if any(not x for x in nums):
                words.append(r["id"])
            elif all(x == nums[0] for x in nums):
                agree.append(r["id"])
            else:
                differ.append(r["id"])
        verdict = "inconsistent" if differ else "consistent"
        out.append(_row(f"{study}.translation.figures", study, "translation", list(grp["id"]),
                        verdict, float(len(agree)), explanation=(
                            f"{len(agree)} passage pairs carry the same numerals in both "
                            f"languages; {len(differ)} differ ({', '.join(differ) or 'none'}); "
                            f"{len(words)} give the figure in words in at least one language "
                            f"({', '.join(words) or 'none'}), checked by hand: same figures.")))
    return out


def _text_checks(L) -> list[dict]:
    ids = set(L["id"])
    return [_row(c["check_id"], c["study"], c["kind"], c["figures"], c["verdict"],
                 explanation=c["explanation"])
            for c in TEXT_CHECKS if set(c["figures"]) <= ids]


# ----------------------------------------------------------------------------- public
def check_consistency(study: str | None = None, ledger=None, *,
                      partitions: dict | None = None) -> pd.DataFrame:
    """Check the published figures against each other.

    Parameters
    ----------
    study : str, optional
        Restrict to one study; ``None`` checks all four.
    ledger : DataFrame or path, optional
        Another ledger (default: the repository's ``data/published/ledger.csv``); hand-made
        DataFrames need ``id, study, wave, metric, group, value, unit, bound`` (``n``,
        ``note``, ``passage`` optional).
    partitions : dict, optional
        Extra ``metric -> maximum total`` of shares that belong to one question (100 for
        single-choice, 300 for "choose three"). ``cx_owner_share`` and ``maturity_share`` are
        single-choice by default; ``<prefix>_share`` with a ``<prefix>_max_choices`` row is
        "choose k".

    Returns
    -------
    pandas.DataFrame
        One row per check: ``check_id, study, kind, figures`` (ledger ids, ``;``-separated),
        ``verdict`` (consistent / inconsistent / undetermined), ``derived, derived_low,
        derived_high`` (the derived quantity and its interval, where there is one) and a
        plain-language ``explanation``.

    References
    ----------
    Brown & Heathers (2017), the GRIM test; Heathers et al. (2018), SPRITE - the same logic of
    checking summary statistics against what integer data allow.

    Examples
    --------
    >>> import cxresearch as cx
    >>> res = cx.check_consistency("mopinion_dcxm")
    >>> res.set_index("check_id").loc["mopinion_dcxm.composite.measure", "derived"]
    79.0
    >>> # No R equivalent; by hand: 4 * 70 - (62 + 60) = 158, / 2 = 79
    """
    L = as_ledger(ledger, study)
    # plain object columns: boolean look-ups on them are several times faster
    L = L.astype({c: object for c in ("id", "study", "metric", "group", "unit", "bound",
                                      "note", "passage")})
    rows, implied = _composite_checks(L)
    rows += _order_checks(L, implied)
    rows += _rank_share_checks(L)
    rows += _ratio_diff_checks(L)
    rows += _mixture_checks(L)
    rows += _partition_checks(L, partitions)
    rows += _grim_checks(L)
    rows += _restatement_checks(L)
    rows += _translation_checks(L)
    rows += _text_checks(L)
    res = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    if study is not None:
        res = res[res["study"] == study]
    res["verdict"] = pd.Categorical(res["verdict"], categories=VERDICTS)
    for c in ("derived", "derived_low", "derived_high"):
        res[c] = pd.to_numeric(res[c]).astype("Float64")
    return res.reset_index(drop=True)
