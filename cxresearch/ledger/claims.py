"""Claim checks: what the reports' comparative claims imply, with 95 % intervals.

For every comparative claim of the four documents ("k times as likely", "higher NPS", "dropped to
seventh", ...) :func:`claim_check` gives the implied risk ratio or difference with a 95 % interval
under the stated sample size and the group sizes the report implies, says which assumptions it
made where the report is silent, and whether the claim as worded is **supported**,
**contradicted** or **undeterminable** from what was published:

- *supported*: the published figures give an estimate that meets the claim as worded and whose
  95 % interval excludes "no difference";
- *contradicted*: the published figures (or the interval around them) fall outside what the claim
  says;
- *undeterminable*: the figures the claim rests on are not published. Where a claimed ratio is
  given, the row still shows the interval such a ratio would have at the implied group sizes
  (basis ``claim value + assumed baseline``): whether the study could have seen it at all.

Intervals of 2 x 2 measures come from :func:`cxresearch.two_by_two` (log-scale Wald for the risk
ratio, Wald for the difference); differences of means use a normal interval with the largest
standard deviation the scale allows (``sqrt(m * (max - m))``), so they are conservative.
``cxresearch check-published`` prints this table and :func:`cxresearch.check_consistency`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cxresearch.ledger.figures import as_ledger
from cxresearch.statistics.relationships.contingency import two_by_two

__all__ = ["claim_check"]

COLUMNS = ["claim_id", "study", "claim", "figures", "measure", "claimed", "estimate", "ci_low",
           "ci_high", "n_exposed", "n_unexposed", "basis", "assumptions", "verdict",
           "explanation"]
VERDICTS = ["supported", "contradicted", "undeterminable"]
Z95 = 1.959963984540054

#: default assumptions where the reports are silent (every one is printed with its claim)
DEFAULTS = dict(full_share=0.24, immature_equal=True, baseline=0.2, ceo_share=0.34,
                no_owner_share=0.09, marketing_share=0.5, gscx_n=200)


# ----------------------------------------------------------------------------- helpers
def _get(L, rid):
    hit = L[L["id"] == rid]
    return None if hit.empty else hit.iloc[0]


def _val(L, rid, default=None):
    r = _get(L, rid)
    return default if r is None else float(r["value"])


def _words(r) -> str:
    b = {"eq": "", "approx": "about ", "lt": "less than ", "le": "at most ", "gt": "more than ",
         "ge": "at least "}[str(r["bound"])]
    return f"{b}{r['value']:g}"


def _two_by_two(a, b, c, d) -> tuple[dict, dict, str]:
    """(risk ratio row, risk difference row, method) of a 2 x 2 table, from cx.two_by_two."""
    res = two_by_two(table=[[a, b], [c, d]]).set_index("measure")
    rr, rd = res.loc["risk_ratio"], res.loc["risk_difference"]
    return (dict(estimate=rr["estimate"], ci_low=rr["ci_low"], ci_high=rr["ci_high"],
                 method=str(rr["method"])),
            dict(estimate=rd["estimate"], ci_low=rd["ci_low"], ci_high=rd["ci_high"],
                 method=str(rd["method"])),
            str(rr["method"]))


def _table(p1, n1, p0, n0):
    """Expected 2 x 2 counts (not rounded: the implied table, as a weighted one would be)."""
    a, c = p1 * n1, p0 * n0
    return a, n1 - a, c, n0 - c


def _res(claim_id, study, claim, ids, measure, claimed, est=np.nan, lo=np.nan, hi=np.nan,
         n1=np.nan, n0=np.nan, basis="none", assumptions="", verdict="undeterminable",
         explanation=""):
    return dict(claim_id=claim_id, study=study, claim=claim, figures=";".join(ids),
                measure=measure, claimed=claimed, estimate=est, ci_low=lo, ci_high=hi,
                n_exposed=n1, n_unexposed=n0, basis=basis, assumptions=assumptions,
                verdict=verdict, explanation=explanation)


def _verdict(est, lo, hi, claim_lo, claim_hi, null, bounds_iv=None) -> str:
    """supported / contradicted / undeterminable for an estimate from published figures."""
    if hi < claim_lo - 1e-9 or lo > claim_hi + 1e-9:
        return "contradicted"
    if bounds_iv is not None and bounds_iv[0] <= null <= bounds_iv[1]:
        return "undeterminable"  # the published bounds do not fix the direction
    point_ok = claim_lo - 1e-9 <= est <= claim_hi + 1e-9
    return "supported" if point_ok and (lo > null or hi < null) else "undeterminable"


def _claim_range(r) -> tuple[float, float]:
    v = float(r["value"])
    return {"eq": (v, v), "approx": (0.8 * v, 1.2 * v), "lt": (-math.inf, v),
            "le": (-math.inf, v), "gt": (v, math.inf), "ge": (v, math.inf)}[str(r["bound"])]


def _sd_max(m, top):
    return math.sqrt(max(m * (top - m), 1e-12))


# ----------------------------------------------------------------------------- Mitto
def _mitto(L, o) -> list[dict]:
    out = []
    n = int(_val(L, "mitto_cx.respondents.all", 600))
    n_full = round(o["full_share"] * n)
    n_imm = n_full if o["immature_equal"] else n - n_full
    n_less = n - n_full
    size_note = (f"n = {n} (report: 600+); full omnichannel {o['full_share']:.0%} of n = {n_full} "
                 f"(report: less than a quarter); immature group size unpublished, assumed equal "
                 f"to the full group ({n_imm}); less mature = the rest ({n_less})")

    # ratio claims with published components or none
    for rid, claim, comp_a, comp_b, n0 in (
        ("mitto_cx.significant_revenue_growth_ratio.full_omnichannel_vs_immature",
         "Full omnichannel firms are more than 3x as likely as immature ones to have grown "
         "revenue significantly in the past year", None, None, n_imm),
        ("mitto_cx.cx_grade_a_ratio.full_omnichannel_vs_immature",
         "Full omnichannel firms are nearly 3x as likely to rate their CX an 'A'", None, None,
         n_imm),
        ("mitto_cx.loyal_customers_ratio.full_omnichannel_vs_less_mature",
         "Full omnichannel firms are nearly 4x as likely to have loyal customers", None, None,
         n_less),
        ("mitto_cx.cx_investment_increase_ratio.full_omnichannel_vs_immature",
         "Full omnichannel firms are more than 3x as likely to increase CX investment",
         "mitto_cx.cx_investment_increase.full_omnichannel",
         "mitto_cx.cx_investment_increase.immature", n_imm),
    ):
        r = _get(L, rid)
        if r is None:
            continue
        k = float(r["value"])
        c_lo, c_hi = _claim_range(r)
        if comp_a and _get(L, comp_a) is not None and _get(L, comp_b) is not None:
            ra, rb = _get(L, comp_a), _get(L, comp_b)
            p1, p0 = float(ra["value"]) / 100, float(rb["value"]) / 100
            rr, _, method = _two_by_two(*_table(p1, n_full, p0, n0))
            verdict = _verdict(rr["estimate"], rr["ci_low"], rr["ci_high"], c_lo, c_hi, 1.0)
            out.append(_res(
                f"{rid}", "mitto_cx", claim, [rid, comp_a, comp_b], "risk_ratio",
                f"ratio {_words(r)}", rr["estimate"], rr["ci_low"], rr["ci_high"], n_full, n0,
                "published components", size_note + f"; shares read at face value "
                f"({_words(ra)}% vs {_words(rb)}%)", verdict,
                f"{p1:.0%} vs {p0:.0%} gives RR {rr['estimate']:.2f} (95% CI "
                f"{rr['ci_low']:.2f}-{rr['ci_high']:.2f}, {method}). 'Less than a quarter' in "
                f"the immature group pushes the ratio above {k:g}, so the wording holds at face "
                "value; the interval also admits ratios below it."))
            continue
        p0 = o["baseline"] if k * o["baseline"] < 0.95 else 0.9 / k
        rr, _, method = _two_by_two(*_table(min(k * p0, 0.99), n_full, p0, n0))
        out.append(_res(
            rid, "mitto_cx", claim, [rid], "risk_ratio", f"ratio {_words(r)}", rr["estimate"],
            rr["ci_low"], rr["ci_high"], n_full, n0, "claim value + assumed baseline",
            size_note + f"; outcome share in the comparison group assumed {p0:.0%}",
            "undeterminable",
            f"Neither group's share is published, so the ratio cannot be checked. Were it "
            f"exactly {k:g} (baseline {p0:.0%}), the 95% CI at these group sizes would be "
            f"{rr['ci_low']:.2f}-{rr['ci_high']:.2f} ({method}): distinguishable from 1, but "
            f"not from {rr['ci_low']:.1f} times - the precision the claim's 'k times' would "
            "have had."))

    # response time: shares published, relationship claimed
    ra = _get(L, "mitto_cx.respond_realtime_or_within_hour.full_omnichannel")
    rb = _get(L, "mitto_cx.respond_realtime_or_within_hour.immature")
    if ra is not None and rb is not None:
        p1, p0 = float(ra["value"]) / 100, float(rb["value"]) / 100
        rr, rd, method = _two_by_two(*_table(p1, n_full, p0, n_imm))
        verdict = _verdict(rr["estimate"], rr["ci_low"], rr["ci_high"], 1.0, math.inf, 1.0)
        out.append(_res(
            "mitto_cx.response_time.full_omnichannel_vs_immature", "mitto_cx",
            "Response time is strongly related to omnichannel maturity (more than half of full "
            "omnichannel firms answer in real time or within an hour, less than a third of "
            "immature firms)", [ra["id"], rb["id"]], "risk_ratio", "ratio > 1",
            rr["estimate"], rr["ci_low"], rr["ci_high"], n_full, n_imm, "published components",
            size_note + "; shares at their bounds (50% vs 33.3%), the weakest contrast the "
            "wording allows", verdict,
            f"At the weakest reading RR = {rr['estimate']:.2f} (95% CI {rr['ci_low']:.2f}-"
            f"{rr['ci_high']:.2f}, {method}), difference {100 * rd['estimate']:.1f} points "
            f"({100 * rd['ci_low']:.1f} to {100 * rd['ci_high']:.1f}, {rd['method']})."))

    # NPS and CSAT: differences of means, conservative SD
    ra, rb = _get(L, "mitto_cx.nps_mean.full_omnichannel"), _get(L, "mitto_cx.nps_mean.less_mature")
    if ra is not None and rb is not None:
        m1, m0 = float(ra["value"]), float(rb["value"])
        se = math.sqrt(_sd_max(m1, 10) ** 2 / n_full + _sd_max(m0, 10) ** 2 / n_less)
        d = m1 - m0
        out.append(_res(
            "mitto_cx.nps.full_omnichannel_vs_less_mature", "mitto_cx",
            "Full omnichannel firms have a higher NPS (8.5) than less mature ones (5.8)",
            [ra["id"], rb["id"]], "mean_difference", "difference > 0", d, d - Z95 * se,
            d + Z95 * se, n_full, n_less, "published components",
            size_note + "; 'NPS' read as mean 0-10 rating; SD at its maximum for each mean "
            f"(sqrt(m(10-m)): {_sd_max(m1, 10):.2f}, {_sd_max(m0, 10):.2f})",
            _verdict(d, d - Z95 * se, d + Z95 * se, 0, math.inf, 0.0),
            f"Difference {d:.1f} points, 95% CI {d - Z95 * se:.2f} to {d + Z95 * se:.2f} even "
            "with the largest possible spread; normal interval."))
    tot, gap = _get(L, "mitto_cx.csat_mean.all"), _get(L, "mitto_cx.csat_gap.full_omnichannel_vs_all")
    if tot is not None and gap is not None:
        w = n_full / n
        m1 = float(tot["value"] + gap["value"])
        m0 = (float(tot["value"]) - w * m1) / (1 - w)
        se = math.sqrt(_sd_max(m1, 100) ** 2 / n_full + _sd_max(m0, 100) ** 2 / n_less)
        d = m1 - m0
        out.append(_res(
            "mitto_cx.csat.full_omnichannel_vs_rest", "mitto_cx",
            "Mature omnichannel firms have a CSAT 8 points above the full sample (69%)",
            [tot["id"], gap["id"]], "mean_difference", "difference > 0", d, d - Z95 * se,
            d + Z95 * se, n_full, n_less, "published components",
            size_note + "; the gap read as mature above the full sample; mature = full "
            "omnichannel; firm-level CSAT SD at its maximum sqrt(m(100-m))",
            _verdict(d, d - Z95 * se, d + Z95 * se, 0, math.inf, 0.0),
            f"Mature {m1:.0f}% vs the rest {m0:.1f}% (implied by 69% overall): difference "
            f"{d:.1f} points, 95% CI {d - Z95 * se:.1f} to {d + Z95 * se:.1f}."))

    # marketing vs customer service, figures side by side
    nm = round(o["marketing_share"] * n)
    ns = n - nm
    mk_note = (f"n = {n} split marketing / customer service {nm}/{ns} (the split is not "
               "published)")
    for metric, claim, hi_grp in (
        ("no_or_limited_visibility", "Customer-service teams lack visibility of other teams' "
         "customer interactions more often than marketers (three-quarters vs nearly two-thirds)",
         "customer_service"),
        ("uses_ai_chatbots_or_automated_messaging", "Marketers use AI chatbots / automated "
         "messaging more often than customer-service teams (three-quarters vs more than half)",
         "marketing"),
    ):
        ra = _get(L, f"mitto_cx.{metric}.{hi_grp}")
        lo_grp = "marketing" if hi_grp == "customer_service" else "customer_service"
        rb = _get(L, f"mitto_cx.{metric}.{lo_grp}")
        if ra is None or rb is None:
            continue
        from cxresearch.ledger.figures import interval
        a_iv, b_iv = interval(ra["value"], str(ra["unit"]), str(ra["bound"]))[:2], \
            interval(rb["value"], str(rb["unit"]), str(rb["bound"]))[:2]
        bounds_iv = (a_iv[0] - b_iv[1], a_iv[1] - b_iv[0])
        p1, p0 = float(ra["value"]) / 100, float(rb["value"]) / 100
        n1, n0 = (ns, nm) if hi_grp == "customer_service" else (nm, ns)
        _, rd, method = _two_by_two(*_table(p1, n1, p0, n0))
        est, lo, hi = 100 * rd["estimate"], 100 * rd["ci_low"], 100 * rd["ci_high"]
        out.append(_res(
            f"mitto_cx.{metric}.{hi_grp}_vs_{lo_grp}", "mitto_cx", claim,
            [ra["id"], rb["id"]], "risk_difference", "difference > 0 (implied by the figures)",
            est, lo, hi, n1, n0, "published components", mk_note + "; shares at face value",
            _verdict(est, lo, hi, 0, math.inf, 0.0, bounds_iv),
            f"{_words(ra)}% vs {_words(rb)}%: {est:.1f} points at face value (95% CI "
            f"{lo:.1f} to {hi:.1f}, {rd['method']}); over the verbal bounds the difference lies in "
            f"[{bounds_iv[0]:.1f}, {bounds_iv[1]:.1f}] points."))

    # direction-only claims (no figures for the groups)
    n_ceo, n_none = round(o["ceo_share"] * n), round(o["no_owner_share"] * n)
    for rid, claim, n1, n0, top in (
        ("mitto_cx.nps_mean_diff.ceo_vs_other_owners", "CEO-owned CX comes with a higher NPS",
         n_ceo, n - n_ceo, 10),
        ("mitto_cx.revenue_growth_diff.ceo_vs_other_owners",
         "CEO-owned CX comes with more marked revenue growth", n_ceo, n - n_ceo, None),
        ("mitto_cx.cx_grade_diff.ceo_vs_all", "CEO-owned CX comes with an above-average CX grade",
         n_ceo, n - n_ceo, None),
        ("mitto_cx.loyalty_diff.ceo_vs_other_owners", "CEO-owned CX comes with higher loyalty",
         n_ceo, n - n_ceo, None),
        ("mitto_cx.nps_mean_rank_from_bottom.no_clear_owner",
         "Firms with no clear CX owner have the lowest NPS", n_none, n - n_none, 10),
        ("mitto_cx.cx_grade_rank_from_bottom.no_clear_owner",
         "Firms with no clear CX owner have the lowest CX grade", n_none, n - n_none, None),
        ("mitto_cx.omnichannel_maturity_rank_from_bottom.no_clear_owner",
         "Firms with no clear CX owner are the least mature", n_none, n - n_none, None),
        ("mitto_cx.cx_investment_next_year_rank_from_bottom.no_clear_owner",
         "Firms with no clear CX owner are least likely to invest in CX next year", n_none,
         n - n_none, None),
        ("mitto_cx.demands_higher_next_year_diff.marketing_vs_customer_service",
         "Marketers expect more demanding customers than customer-service staff do", nm, ns,
         None),
        ("mitto_cx.increase_channels_2022_diff.marketing_vs_customer_service",
         "Marketers are more likely to add channels in 2022", nm, ns, None),
        ("mitto_cx.systems_fully_unified_diff.marketing_vs_customer_service",
         "Marketers more often report fully unified systems", nm, ns, None),
        ("mitto_cx.chatbot_use_diff.full_omnichannel_vs_others",
         "Full omnichannel firms are more likely to use chatbots", n_full, n - n_full, None),
        ("mitto_cx.any_detractors_ratio.full_omnichannel_vs_less_mature",
         "Full omnichannel firms are less likely to report any detractors", n_full, n_less, None),
        ("mitto_cx.budget_known_rank_from_bottom.immature",
         "Immature firms are least likely to know what will happen to their budget", n_imm,
         n - n_imm, None),
    ):
        r = _get(L, rid)
        if r is None:
            continue
        hw_mean = Z95 * 5.0 * math.sqrt(1 / n1 + 1 / n0) if top else np.nan
        hw_prop = 100 * Z95 * 0.5 * math.sqrt(1 / n1 + 1 / n0)
        detect = (f"a difference in mean 0-10 rating under {hw_mean:.2f} points" if top else
                  f"a difference in shares under {hw_prop:.1f} points")
        out.append(_res(
            rid.replace("_rank_from_bottom", "_lowest"), "mitto_cx", claim, [rid], "direction",
            f"{r['metric']} {_words(r)} ({r['unit']})", n1=n1, n0=n0, basis="none",
            assumptions=f"n = {n}; group sizes assumed {n1} vs {n0} (CEO {o['ceo_share']:.0%}, "
            f"no clear owner {o['no_owner_share']:.0%}, marketing {o['marketing_share']:.0%})",
            explanation=f"No figures are published for the groups compared. At these group "
            f"sizes {detect} could not be told from zero (worst-case spread), so the claim "
            "needs the group figures to be checked."))
    return out


# ----------------------------------------------------------------------------- CXN / GSCX
def _min_n_two_sample(p1, p0, paired=False, top=5000) -> int | None:
    for n in range(10, top + 1, 5):
        if paired:
            se = math.sqrt(max(p1 + p0 - (p1 - p0) ** 2, 1e-12) / n)
        else:
            se = math.sqrt(p1 * (1 - p1) / n + p0 * (1 - p0) / n)
        if abs(p1 - p0) - Z95 * se > 0:
            return n
    return None


def _gscx(L, o) -> list[dict]:
    out = []
    n = int(o["gscx_n"])
    a, b = _get(L, "gscx_trends.trend_share.digital_cx.2023"), \
        _get(L, "gscx_trends.trend_share.digital_cx.2024")
    if a is not None and b is not None:
        p1, p0 = float(b["value"]) / 100, float(a["value"]) / 100
        rr, rd, method = _two_by_two(*_table(p1, n, p0, n))
        est, lo, hi = 100 * rd["estimate"], 100 * rd["ci_low"], 100 * rd["ci_high"]
        nmin = _min_n_two_sample(p1, p0)
        out.append(_res(
            "gscx_trends.digital_cx_drop", "gscx_trends",
            "Digital CX fell from the top trend in 2023 (38%) to seventh in 2024 (20%)",
            [a["id"], b["id"]], "risk_difference", "difference < 0", est, lo, hi, n, n,
            "published components", f"waves independent samples of n = {n} each (sample sizes "
            "not published in the seed)", _verdict(est, lo, hi, -math.inf, 0, 0.0),
            f"{est:.0f} points (95% CI {lo:.1f} to {hi:.1f}, {rd['method']}; RR "
            f"{rr['estimate']:.2f}, {method}); "
            f"significant from n = {nmin} per wave on."))
    for wave, top_id, next_id, claim in (
        (2023, "digital_cx", "data_analytics", "Digital CX was the top trend in 2023 (38% vs "
         "32% for data analytics)"),
        (2024, "data_analytics", "ai_in_operations", "Data and analytics was the top trend in "
         "2024 (42% vs 39% for AI in operations)"),
    ):
        ra = _get(L, f"gscx_trends.trend_share.{top_id}.{wave}")
        rb = _get(L, f"gscx_trends.trend_share.{next_id}.{wave}")
        if ra is None or rb is None:
            continue
        p1, p0 = float(ra["value"]) / 100, float(rb["value"]) / 100
        se = math.sqrt((p1 + p0 - (p1 - p0) ** 2) / n)
        d = 100 * (p1 - p0)
        lo, hi = d - 100 * Z95 * se, d + 100 * Z95 * se
        nmin = _min_n_two_sample(p1, p0, paired=True)
        out.append(_res(
            f"gscx_trends.top_trend.{wave}", "gscx_trends", claim, [ra["id"], rb["id"]],
            "risk_difference", "difference > 0", d, lo, hi, n, n, "published components",
            f"one sample of n = {n} (not published); both options chosen by the same "
            "respondents (choose 3), variance taken at its maximum (no one chose both)",
            _verdict(d, lo, hi, 0, math.inf, 0.0),
            f"{d:.0f} points, 95% CI {lo:.1f} to {hi:.1f}; 'top' is a statement about the "
            f"sample; as a population claim it needs n >= {nmin}."))
    r = _get(L, "gscx_trends.investment_priority_rank.customer_loyalty_retention.2024")
    if r is not None:
        out.append(_res(
            "gscx_trends.loyalty_priority_drop", "gscx_trends",
            "Customer loyalty and retention went from the top investment priority (2023) to "
            "outside the top ten (2024)", [r["id"],
                                          "gscx_trends.investment_priority_rank."
                                          "customer_loyalty_retention.2023"], "direction",
            "rank 1 -> rank > 10", assumptions="", explanation="Only ranks are published; "
            "without the shares the size of the change cannot be estimated."))
    return out


def _cxn(L, o) -> list[dict]:
    out = []
    for rid, claim in (
        ("cxn_dcx.severe_data_fragmentation_change.2021_vs_2020",
         "Severe data fragmentation (more than 45%) is higher than last year"),
        ("cxn_dcx.omnichannel_investment_priority_change.2021_vs_2020",
         "Omnichannel is rising as an investment priority compared with last year"),
    ):
        r = _get(L, rid)
        if r is None:
            continue
        out.append(_res(rid, "cxn_dcx", claim, [rid], "direction", "difference > 0",
                        explanation="Last year's figure is not published; the 2021 sample size "
                        "itself is contradictory (250 vs 190+, see check_consistency)."))
    return out


def _mopinion(L, o) -> list[dict]:
    out = []
    m = _get(L, "mopinion_dcxm.dimension_score.master")
    if m is not None:
        out.append(_res(
            "mopinion_dcxm.master_below_measure_manage", "mopinion_dcxm",
            "The Master phase scores below Measure and Manage (65% vs 70%)",
            [m["id"], "mopinion_dcxm.dimension_score.measure",
             "mopinion_dcxm.dimension_score.manage"], "mean_difference", "difference < 0",
            -5.0, basis="published components",
            assumptions="n and the respondent-level spread are not published",
            explanation="A 5-point gap in the sample; its interval needs n and the correlation "
            "of the dimension scores within respondents, neither published (the figures are "
            "jointly achievable for n >= 51, see check_consistency)."))
    return out


# ----------------------------------------------------------------------------- public
def claim_check(study: str | None = None, ledger=None, **assumptions) -> pd.DataFrame:
    """Check the comparative claims of the reports against their own figures.

    Parameters
    ----------
    study : str, optional
        One study, or ``None`` for all four.
    ledger : DataFrame or path, optional
        Another ledger (default: ``data/published/ledger.csv``).
    **assumptions
        Override the defaults used where the reports are silent: ``full_share`` (share of
        full-omnichannel firms, 0.24: "less than a quarter"), ``immature_equal`` (immature group
        as large as the full group, True), ``baseline`` (outcome share in the comparison group
        when only a ratio is published, 0.2), ``ceo_share`` (0.34), ``no_owner_share`` (0.09),
        ``marketing_share`` (0.5), ``gscx_n`` (GSCX respondents per wave, 200).

    Returns
    -------
    pandas.DataFrame
        One row per claim: ``claim_id, study, claim, figures, measure`` (risk_ratio,
        risk_difference, mean_difference, direction), ``claimed``, ``estimate, ci_low,
        ci_high`` (risk differences in percentage points), ``n_exposed, n_unexposed``,
        ``basis`` (published components / claim value + assumed baseline / none),
        ``assumptions``, ``verdict`` (supported / contradicted / undeterminable) and
        ``explanation``.

    References
    ----------
    Rothman, Greenland & Lash (2008), *Modern Epidemiology*, ch. 14 (Wald intervals for the
    risk ratio and difference); Agresti (2013), *Categorical Data Analysis*, 3.1.

    Examples
    --------
    >>> import cxresearch as cx
    >>> res = cx.claim_check("mitto_cx")
    >>> res.set_index("claim_id").loc["mitto_cx.nps.full_omnichannel_vs_less_mature", "verdict"]
    'supported'
    >>> # In R: epitools::riskratio(matrix(c(36, 108, 108, 36), 2), method = "wald")
    """
    unknown = set(assumptions) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown assumption(s) {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    o = {**DEFAULTS, **assumptions}
    if not 0 < float(o["full_share"]) < 1:
        raise ValueError(f"full_share must be between 0 and 1, got {o['full_share']!r}")
    L = as_ledger(ledger, study)
    rows = _mitto(L, o) + _cxn(L, o) + _gscx(L, o) + _mopinion(L, o)
    res = pd.DataFrame(rows, columns=COLUMNS)
    res["verdict"] = pd.Categorical(res["verdict"], categories=VERDICTS)
    for c in ("estimate", "ci_low", "ci_high"):
        res[c] = pd.to_numeric(res[c]).astype("Float64")
    for c in ("n_exposed", "n_unexposed"):
        res[c] = pd.to_numeric(res[c]).round().astype("Int64")
    return res.reset_index(drop=True)


# ----------------------------------------------------------------------------- CLI
