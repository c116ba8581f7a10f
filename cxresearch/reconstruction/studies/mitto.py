"""Reconstruction model of Mitto & Demand Metric, State of Customer Experience (fieldwork 2021).

Two correlated latent factors per respondent's organisation: omnichannel **maturity** and CX
**performance**. The omnichannel-maturity stage is the maturity factor cut into four ordered
stages (assumed distribution ``maturity_dist``); the CX owner is a multinomial logit in which
the CEO answer rises and "no clear owner" falls with maturity; revenue growth, CX grade,
loyalty, response time, chatbot use, staffing, unification, visibility, the 0-10
recommendation score and CSAT are ordered probits loading on both factors (strength
``maturity_loading`` / ``performance_loading``); CX investment plans are a multinomial logit
(more "increase", fewer "don't know" with maturity). Role (marketing / customer service) shifts
expectations, channels, challenges, unification and visibility. Published figures then fix the
exact counts (see :mod:`cxresearch.recon_engine`).

The report's groups: *full omnichannel* = ``full_omnichannel``; *less mature* = every stage
below it; *immature* = ``no_strategy`` (assumption ``immature``: or also ``early_stage``).
"""

from __future__ import annotations

import numpy as np

from cxresearch.reconstruction.engine import ItemModel, StudyModel
from cxresearch.reconstruction.frame import Assumption, NotReconstructable
from cxresearch.reconstruction.models import (
    Count,
    Diff,
    GroupRank,
    Mean,
    MeanCount,
    Rank,
    Ratio,
    RowShare,
    Score,  # noqa: F401  (re-exported for symmetry with the other study modules)
    Share,
)

__all__ = ["MODEL"]

STAGES = ("no_strategy", "early_stage", "partial_omnichannel", "full_omnichannel")
OWNERS = ("ceo", "head_of_marketing", "head_of_customer_service", "chief_customer_officer",
          "head_of_sales", "other_executive", "no_clear_owner")
CHANNELS = ("email", "voice", "sms", "social_media", "google_business", "live_chat", "whatsapp",
            "facebook_messenger", "in_app_messaging", "other")
CHALLENGES = ("high_inquiry_volume", "standing_out", "understaffing", "fast_response",
              "channel_coordination", "shipping_inventory", "personalisation", "other")

ASSUMPTIONS = {a.name: a for a in [
    Assumption("n", 610, "number of respondents ('600+' published; more than 600)", 50, 5000,
               ensemble=False),
    Assumption("share_marketing", 0.5, "share of marketers (the rest customer service)",
               0.2, 0.8),
    Assumption("maturity_dist", (0.15, 0.30, 0.35, 0.20),
               "prior shares of the four omnichannel stages (no strategy, early, partial, full)",
               0.02, 0.7, simplex=True),
    Assumption("immature", "no_strategy", "which stages the report's 'immature' firms are",
               choices=("no_strategy", "no_strategy+early_stage")),
    Assumption("factor_corr", 0.4, "correlation of the maturity and performance factors",
               -0.2, 0.9),
    Assumption("maturity_loading", 0.5, "loading of outcomes on the maturity factor", 0.0, 0.8),
    Assumption("performance_loading", 0.3, "loading of outcomes on the performance factor",
               0.0, 0.6),
    Assumption("owner_maturity_link", 0.6,
               "how strongly CEO ownership rises and 'no clear owner' falls with maturity "
               "(logit per SD)", 0.0, 2.0),
    Assumption("csat_sd", 12.0, "spread (SD, points) of reported CSAT percentages", 4.0, 25.0),
    Assumption("unification_83", "conditional",
               "reading of '83% ... fully unified, see all conversations in one place': "
               "'conditional' (among the fully unified; no codebook item, not reconstructable) "
               "or 'literal' (83% fully unified: conflicts with 'less than a third')",
               choices=("conditional", "literal"), ensemble=False),
    Assumption("ratio_ceiling", 1.0, "'more than k times' is read as at most k + this "
               "(0: no ceiling)", 0.0, 10.0),
    Assumption("near_band", 0.15, "'nearly v' means within this relative distance below v",
               0.0, 0.5),
    Assumption("bound_margin", 0.1,
               "how far inside a one-sided bound the population is aimed (relative)", 0.0, 0.5),
]}


def _corr(a):
    r = a["factor_corr"]
    return np.array([[1.0, r], [r, 1.0]])


def _bell(center: float, sd: float, lo: int, hi: int) -> np.ndarray:
    x = np.arange(lo, hi + 1)
    return np.exp(-0.5 * ((x - center) / sd) ** 2)


def _items(a, inst):
    ml, pl = a["maturity_loading"], a["performance_loading"]
    link = a["owner_maturity_link"]
    mkt = {"role": {"marketing": 1.0, "customer_service": 0.0}}
    cs = {"role": {"customer_service": 1.0, "marketing": 0.0}}

    def role_eff(m_shift, c_shift):
        return {"role": {"marketing": m_shift, "customer_service": c_shift}}

    out = [
        ItemModel("role", {"marketing": a["share_marketing"],
                           "customer_service": 1 - a["share_marketing"]}, kind="nominal"),
        ItemModel("cx_owner", {"ceo": .30, "head_of_marketing": .20,
                               "head_of_customer_service": .16, "chief_customer_officer": .09,
                               "head_of_sales": .08, "other_executive": .07,
                               "no_clear_owner": .10},
                  loadings={"maturity": {"ceo": 0.5 * link, "no_clear_owner": -1.2 * link,
                                         "chief_customer_officer": 0.3 * link}}),
        ItemModel("omnichannel_maturity", dict(zip(STAGES, a["maturity_dist"], strict=True)),
                  loadings={"maturity": 0.9}),
        ItemModel("customer_expectations", {"less_demanding": .05, "no_change": .30,
                                            "more_demanding": .65},
                  effects=role_eff(0.25, -0.25)),
        ItemModel("holiday_challenges",
                  {"high_inquiry_volume": .45, "standing_out": .4, "understaffing": .35,
                   "fast_response": .35, "channel_coordination": .3, "shipping_inventory": .25,
                   "personalisation": .25, "other": .05},
                  loadings={"performance": -0.2},
                  effects={"high_inquiry_volume": role_eff(-0.8, 1.0),
                           "standing_out": role_eff(1.0, -0.8)}),
        ItemModel("channels_used",
                  {"email": .85, "voice": .6, "sms": .5, "social_media": .5,
                   "google_business": .2, "live_chat": .4, "whatsapp": .25,
                   "facebook_messenger": .25, "in_app_messaging": .15, "other": .05},
                  loadings={"maturity": 0.4},
                  effects={"voice": role_eff(-0.9, 0.9), "social_media": role_eff(1.0, -0.7),
                           "sms": role_eff(0.1, 0.2)}),
        ItemModel("channels_planned",
                  {"email": .06, "voice": .12, "sms": .3, "social_media": .18,
                   "google_business": .3, "live_chat": .12, "whatsapp": .15,
                   "facebook_messenger": .1, "in_app_messaging": .1, "other": .03},
                  effects={"sms": {"channels_used__sms": {True: -2.5, False: 0.0},
                                   **role_eff(0.3, 0.0)},
                           "social_media": role_eff(0.4, 0.0), "voice": role_eff(0.4, 0.0),
                           "google_business": role_eff(0.3, 0.0)}),
        ItemModel("channel_unification", {"not_unified": .15, "somewhat_unified": .35,
                                          "mostly_unified": .25, "fully_unified": .25},
                  loadings={"maturity": 0.6}),
        ItemModel("systems_unification", {"not_unified": .15, "somewhat_unified": .35,
                                          "mostly_unified": .3, "fully_unified": .2},
                  loadings={"maturity": 0.6}, effects=role_eff(0.2, -0.2)),
        ItemModel("visibility", {"no_visibility": .2, "limited_visibility": .5,
                                 "good_visibility": .2, "full_visibility": .1},
                  loadings={"maturity": 0.4}, effects=role_eff(0.25, -0.25)),
        ItemModel("revenue_growth", {"significant_decrease": .05, "slight_decrease": .1,
                                     "flat": .25, "slight_increase": .4,
                                     "significant_increase": .2},
                  loadings={"maturity": ml, "performance": pl}),
        ItemModel("cx_grade", {"grade_f": .02, "grade_d": .05, "grade_c": .23, "grade_b": .45,
                               "grade_a": .25},
                  loadings={"maturity": ml, "performance": pl + 0.1}),
        ItemModel("customer_loyalty", {"many_detractors": .05, "some_detractors": .2,
                                       "neutral": .25, "somewhat_loyal": .35, "loyal": .15},
                  loadings={"maturity": ml, "performance": pl}),
        ItemModel("cx_investment_plans", {"decrease": .08, "stay_the_same": .3, "increase": .45,
                                          "dont_know": .17},
                  loadings={"maturity": {"increase": 2 * ml, "dont_know": -2 * ml},
                            "performance": {"increase": pl}}),
        ItemModel("response_time", {"real_time": .15, "under_1_hour": .25, "under_24_hours": .35,
                                    "one_to_two_days": .15, "more_than_two_days": .1},
                  loadings={"maturity": -ml, "performance": -pl / 2}),
        ItemModel("chatbot_use", {"not_using": .25, "planning": .15, "using": .6},
                  loadings={"maturity": 0.5}, effects=role_eff(0.3, -0.3)),
        ItemModel("chatbot_performance", None, loadings={"maturity": 0.4, "performance": 0.2},
                  effects={"systems_unification": {"fully_unified": 0.3, "mostly_unified": 0.15}},
                  asked_if={"chatbot_use": ["using"]}),
        ItemModel("staffing", {"understaffed": .3, "enough_to_survive": .4,
                               "enough_to_thrive": .3},
                  loadings={"maturity": 0.4, "performance": 0.2}),
        ItemModel("sms_engagement", {"worse": .05, "about_the_same": .15, "better": .8},
                  asked_if={"channels_used__sms": [True]}),
        ItemModel("nps", _bell(7.0, 2.2, 0, 10), loadings={"maturity": ml + 0.2,
                                                            "performance": pl}),
        ItemModel("csat_pct", _bell(69.0, a["csat_sd"], 0, 100),
                  loadings={"maturity": ml, "performance": pl}),
    ]
    del mkt, cs
    return {m.item: m for m in out}


def _rows(a):
    full = {"omnichannel_maturity": ["full_omnichannel"]}
    imm = {"omnichannel_maturity": (["no_strategy"] if a["immature"] == "no_strategy"
                                    else ["no_strategy", "early_stage"])}
    less = {"omnichannel_maturity": list(STAGES[:3])}
    high = full
    mkt = {"role": ["marketing"]}
    cs = {"role": ["customer_service"]}
    ceo = {"cx_owner": ["ceo"]}
    not_ceo = {"cx_owner": [o for o in OWNERS if o != "ceo"]}
    owners = {o: {"cx_owner": [o]} for o in OWNERS}
    stage_groups = {"immature": imm["omnichannel_maturity"]}
    for s in STAGES:
        if s not in stage_groups["immature"]:
            stage_groups[s] = [s]
    stage_groups = {g: {"omnichannel_maturity": v} for g, v in stage_groups.items()}
    chal = tuple(f"holiday_challenges__{c}" for c in CHALLENGES)
    planned = tuple(f"channels_planned__{c}" for c in CHANNELS)
    design = NotReconstructable("describes the questionnaire or the report, not the answers")
    sig = ("significant_increase",)
    rows = {
        "mitto_cx.respondents.all": Count(),
        "mitto_cx.core_strategic_elements.all": design,
        "mitto_cx.planning_year.all": design,
        "mitto_cx.revenue_window.all": design,
        "mitto_cx.response_time_threshold.all": design,
        "mitto_cx.demands_increase_or_same.all":
            Share("customer_expectations", ("no_change", "more_demanding")),
        "mitto_cx.demands_higher_next_year_diff.marketing_vs_customer_service":
            Diff(Share("customer_expectations", ("more_demanding",), mkt),
                 Share("customer_expectations", ("more_demanding",), cs)),
        "mitto_cx.faces_multiple_holiday_challenges.all": RowShare(chal, 2),
        "mitto_cx.holiday_challenges_selected_mean.all.low": MeanCount(chal),
        "mitto_cx.holiday_challenges_selected_mean.all.high": MeanCount(chal),
        "mitto_cx.holiday_challenge_rank_high_inquiry_volume.customer_service":
            Rank("holiday_challenges", "high_inquiry_volume", cs),
        "mitto_cx.holiday_challenge_rank_standing_out.marketing":
            Rank("holiday_challenges", "standing_out", mkt),
        "mitto_cx.channel_rank_email.customer_service": Rank("channels_used", "email", cs),
        "mitto_cx.channel_rank_voice.customer_service": Rank("channels_used", "voice", cs),
        "mitto_cx.channel_rank_sms.customer_service": Rank("channels_used", "sms", cs),
        "mitto_cx.holiday_promotion_channel_rank_email.marketing":
            Rank("channels_used", "email", mkt),
        "mitto_cx.holiday_promotion_channel_rank_social_media.marketing":
            Rank("channels_used", "social_media", mkt),
        "mitto_cx.holiday_promotion_channel_rank_sms.marketing":
            Rank("channels_used", "sms", mkt),
        "mitto_cx.increase_channels_2022_diff.marketing_vs_customer_service":
            Diff(MeanCount(planned, mkt), MeanCount(planned, cs)),
        "mitto_cx.plan_sms_next_year_among_non_users.customer_service":
            Share("channels_planned__sms", (True,),
                  {"role": ["customer_service"], "channels_used__sms": [False]}),
        "mitto_cx.google_business_adoption_rank_2022.marketing":
            Rank("channels_planned", "google_business", mkt),
        "mitto_cx.google_business_adoption_rank_2022.customer_service":
            Rank("channels_planned", "google_business", cs),
        "mitto_cx.channels_fully_unified.all": Share("channel_unification", ("fully_unified",)),
        "mitto_cx.some_unification.all":
            Share("channel_unification", ("somewhat_unified", "mostly_unified", "fully_unified")),
        "mitto_cx.systems_fully_unified_diff.marketing_vs_customer_service":
            Diff(Share("systems_unification", ("fully_unified",), mkt),
                 Share("systems_unification", ("fully_unified",), cs)),
        "mitto_cx.no_or_limited_visibility.marketing":
            Share("visibility", ("no_visibility", "limited_visibility"), mkt),
        "mitto_cx.no_or_limited_visibility.customer_service":
            Share("visibility", ("no_visibility", "limited_visibility"), cs),
        "mitto_cx.cx_owner_rank.ceo": Rank("cx_owner", "ceo"),
        "mitto_cx.cx_owner_rank.head_of_marketing": Rank("cx_owner", "head_of_marketing"),
        "mitto_cx.cx_owner_rank.head_of_customer_service":
            Rank("cx_owner", "head_of_customer_service"),
        "mitto_cx.cx_owner_share.no_clear_owner": Share("cx_owner", ("no_clear_owner",)),
        "mitto_cx.cx_owner_share.no_clear_owner.restated": Share("cx_owner", ("no_clear_owner",)),
        "mitto_cx.cx_owner_share.ceo": Share("cx_owner", ("ceo",)),
        "mitto_cx.some_omnichannel_strategy.all": Share("omnichannel_maturity", STAGES[1:]),
        "mitto_cx.maturity_share.full_omnichannel":
            Share("omnichannel_maturity", ("full_omnichannel",)),
        "mitto_cx.significant_revenue_growth_ratio.full_omnichannel_vs_immature":
            Ratio(Share("revenue_growth", sig, full), Share("revenue_growth", sig, imm)),
        "mitto_cx.small_or_flat_revenue_growth.all":
            Share("revenue_growth", ("flat", "slight_increase")),
        "mitto_cx.cx_grade_a_ratio.full_omnichannel_vs_immature":
            Ratio(Share("cx_grade", ("grade_a",), full), Share("cx_grade", ("grade_a",), imm)),
        "mitto_cx.loyal_customers_ratio.full_omnichannel_vs_less_mature":
            Ratio(Share("customer_loyalty", ("loyal",), full),
                  Share("customer_loyalty", ("loyal",), less)),
        "mitto_cx.any_detractors_ratio.full_omnichannel_vs_less_mature":
            Ratio(Share("customer_loyalty", ("many_detractors", "some_detractors"), full),
                  Share("customer_loyalty", ("many_detractors", "some_detractors"), less)),
        "mitto_cx.budget_known_rank_from_bottom.immature":
            GroupRank(lambda w: Share("cx_investment_plans",
                                      ("decrease", "stay_the_same", "increase"), w),
                      stage_groups, "immature"),
        "mitto_cx.cx_investment_increase_ratio.full_omnichannel_vs_immature":
            Ratio(Share("cx_investment_plans", ("increase",), full),
                  Share("cx_investment_plans", ("increase",), imm)),
        "mitto_cx.cx_investment_increase.full_omnichannel":
            Share("cx_investment_plans", ("increase",), full),
        "mitto_cx.cx_investment_increase.immature":
            Share("cx_investment_plans", ("increase",), imm),
        "mitto_cx.respond_realtime_or_within_hour.full_omnichannel":
            Share("response_time", ("real_time", "under_1_hour"), full),
        "mitto_cx.respond_realtime_or_within_hour.immature":
            Share("response_time", ("real_time", "under_1_hour"), imm),
        "mitto_cx.chatbot_use_diff.full_omnichannel_vs_others":
            Diff(Share("chatbot_use", ("using",), full), Share("chatbot_use", ("using",), less)),
        "mitto_cx.uses_ai_chatbots_or_automated_messaging.customer_service":
            Share("chatbot_use", ("using",), cs),
        "mitto_cx.uses_ai_chatbots_or_automated_messaging.marketing":
            Share("chatbot_use", ("using",), mkt),
        "mitto_cx.nps_mean.full_omnichannel": Mean("nps", full),
        "mitto_cx.nps_mean.less_mature": Mean("nps", less),
        "mitto_cx.csat_mean.all": Mean("csat_pct"),
        "mitto_cx.csat_gap.full_omnichannel_vs_all": Diff(Mean("csat_pct", full),
                                                          Mean("csat_pct")),
        "mitto_cx.cx_grade_rank_from_bottom.no_clear_owner":
            GroupRank(lambda w: Mean("cx_grade", w), owners, "no_clear_owner"),
        "mitto_cx.nps_mean_rank_from_bottom.no_clear_owner":
            GroupRank(lambda w: Mean("nps", w), owners, "no_clear_owner"),
        "mitto_cx.omnichannel_maturity_rank_from_bottom.no_clear_owner":
            GroupRank(lambda w: Mean("omnichannel_maturity", w), owners, "no_clear_owner"),
        "mitto_cx.cx_investment_next_year_rank_from_bottom.no_clear_owner":
            GroupRank(lambda w: Share("cx_investment_plans", ("increase",), w), owners,
                      "no_clear_owner"),
        "mitto_cx.nps_mean_diff.ceo_vs_other_owners": Diff(Mean("nps", ceo),
                                                           Mean("nps", not_ceo)),
        "mitto_cx.revenue_growth_diff.ceo_vs_other_owners":
            Diff(Mean("revenue_growth", ceo), Mean("revenue_growth", not_ceo)),
        "mitto_cx.cx_grade_diff.ceo_vs_all": Diff(Mean("cx_grade", ceo), Mean("cx_grade")),
        "mitto_cx.loyalty_diff.ceo_vs_other_owners":
            Diff(Mean("customer_loyalty", ceo), Mean("customer_loyalty", not_ceo)),
        "mitto_cx.understaffed.all": Share("staffing", ("understaffed",)),
        "mitto_cx.adequately_staffed.high_maturity": Share("staffing", ("enough_to_thrive",), high),
        "mitto_cx.new_channel_2022_rank_sms.all": Rank("channels_planned", "sms"),
        "mitto_cx.new_channel_2022_rank_google_business.all":
            Rank("channels_planned", "google_business"),
        "mitto_cx.chatbot_performance_rank.fully_unified":
            GroupRank(lambda w: Mean("chatbot_performance", {**cs, **w}),
                      {lv: {"systems_unification": [lv]} for lv in
                       ("not_unified", "somewhat_unified", "mostly_unified", "fully_unified")},
                      "fully_unified", from_bottom=False),
        "mitto_cx.sms_better_engagement.sms_users":
            Share("sms_engagement", ("better",), {"channels_used__sms": [True]}),
    }
    if a["unification_83"] == "literal":
        rows["mitto_cx.see_all_conversations_one_place.fully_unified"] = \
            Share("channel_unification", ("fully_unified",))
    else:
        rows["mitto_cx.see_all_conversations_one_place.fully_unified"] = NotReconstructable(
            "read as 83% of the fully unified can see all conversations in one place; the "
            "codebook has no item for seeing conversations in one place (assumption "
            "unification_83='literal' maps it to channel_unification and shows the conflict)")
    return rows


MODEL = StudyModel(
    study="mitto_cx", year="2021", assumptions=ASSUMPTIONS,
    factors=("maturity", "performance"), corr=_corr, items=_items, rows=_rows,
    notes=__doc__,
)
