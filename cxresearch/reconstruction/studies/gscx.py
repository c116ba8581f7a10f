"""Reconstruction model of the CX Network Global State of CX trend questions (2023, 2024).

Two waves, reconstructed separately (``year``): "top three trends affecting your role" and
"most important investment priorities", multi-select with three choices per respondent
(``choices``: exactly three, or up to three). One latent factor, an orientation towards data,
AI and automation (``ai_orientation``), raises the utility of the data/AI/automation options
and so makes those choices go together. Options whose shares are not published get prior
shares that fill the 300 % the choices add up to; published shares and ranks then fix the
counts exactly. The NICE commentary's metrics and components are kept as generic
multi-select items (no published shares).

Options are offered in both waves (the codebook's ``waves`` lists where the report shows them,
not where they were offered).
"""

from __future__ import annotations

import numpy as np

from cxresearch.reconstruction.engine import ItemModel, StudyModel
from cxresearch.reconstruction.frame import Assumption, NotReconstructable
from cxresearch.reconstruction.models import Rank, Share

__all__ = ["MODEL"]

# ledger groups with published figures (the codebook's option values)
TRENDS = ("digital_cx", "data_analytics", "conversational_ai", "ai_in_operations", "automation",
          "employee_experience")
PRIORITIES = ("customer_loyalty_retention", "journey_mapping", "complaints_feedback_management",
              "cx_service_automation", "data_insights_analytics",
              "conversational_ai_virtual_assistants", "customer_acquisition")
AI_TRENDS = ("data_analytics", "conversational_ai", "ai_in_operations", "automation",
             "generative_ai")
AI_PRIORITIES = ("cx_service_automation", "data_insights_analytics",
                 "conversational_ai_virtual_assistants",
                 "generative_ai")

TREND_PRIOR = {
    2023: {"digital_cx": .38, "data_analytics": .32, "conversational_ai": .29,
           "personalisation": .2, "omnichannel": .18, "employee_experience": .16,
           "customer_loyalty": .16, "journey_management": .15, "self_service": .13,
           "ai_in_operations": .12, "automation": .12, "voice_of_customer": .11,
           "generative_ai": .1, "cost_reduction": .1, "data_privacy_security": .08,
           "customer_centric_culture": .08, "cx_measurement_roi": .08,
           "contact_centre_transformation": .06, "hybrid_work": .05, "cost_of_living": .05,
           "sustainability": .03, "other": .02},
    2024: {"data_analytics": .42, "ai_in_operations": .39, "automation": .37,
           "generative_ai": .3, "personalisation": .26, "omnichannel": .24,
           "digital_cx": .2, "employee_experience": .2,
           "conversational_ai": .18, "customer_loyalty": .16, "journey_management": .14,
           "self_service": .12, "voice_of_customer": .1, "cost_reduction": .1,
           "data_privacy_security": .08, "customer_centric_culture": .07,
           "cx_measurement_roi": .06, "contact_centre_transformation": .05, "hybrid_work": .03,
           "cost_of_living": .03, "sustainability": .02, "other": .02},
}
PRIORITY_PRIOR = {
    2023: {"customer_loyalty_retention": .38, "journey_mapping": .3,
           "complaints_feedback_management": .27, "cx_service_automation": .22,
           "data_insights_analytics": .22, "conversational_ai_virtual_assistants": .2,
           "customer_acquisition": .18, "omnichannel": .18, "personalisation": .17,
           "self_service": .15, "employee_experience": .14, "voice_of_customer": .14,
           "cx_technology_platform": .13, "digital_transformation": .13, "agent_training": .1,
           "generative_ai": .06, "other": .03},
    2024: {"cx_service_automation": .4, "data_insights_analytics": .36,
           "conversational_ai_virtual_assistants": .33, "generative_ai": .25,
           "personalisation": .22,
           "omnichannel": .2, "journey_mapping": .19, "cx_technology_platform": .18,
           "complaints_feedback_management": .17, "customer_acquisition": .16,
           "self_service": .15, "voice_of_customer": .14, "digital_transformation": .13,
           "customer_loyalty_retention": .12, "employee_experience": .12,
           "agent_training": .1, "other": .03},
}

ASSUMPTIONS = {a.name: a for a in [
    Assumption("year", 2024, "which wave to reconstruct", choices=(2023, 2024),
               ensemble=False),
    Assumption("n", 400, "number of respondents of the wave (not published)", 50, 5000,
               ensemble=False),
    Assumption("choices", "exactly", "three choices per respondent: 'exactly' or 'up_to'",
               choices=("exactly", "up_to")),
    Assumption("ai_orientation", 0.8, "how strongly data/AI/automation choices go together "
               "(logit per SD of the latent orientation)", 0.0, 2.0),
    Assumption("near_band", 0.15, "'nearly v' means within this relative distance below v",
               0.0, 0.5),
    Assumption("bound_margin", 0.1,
               "how far inside a one-sided bound the population is aimed (relative)", 0.0, 0.5),
]}


def _items(a, inst):
    y = int(a["year"])
    exact = a["choices"] == "exactly"
    k = a["ai_orientation"]
    trend_load = {o: ({"ai": k} if o in AI_TRENDS else {"ai": -0.2 * k})
                  for o in TREND_PRIOR[y]}
    prio_load = {o: ({"ai": k} if o in AI_PRIORITIES else {"ai": -0.2 * k})
                 for o in PRIORITY_PRIOR[y]}
    return {m.item: m for m in [
        ItemModel("respondent_type", {"practitioner": .7, "analyst": .08, "researcher": .05,
                                      "vendor_consultant": .12, "other": .05}, kind="nominal"),
        ItemModel("top_trends", TREND_PRIOR[y], loadings=trend_load, cap=3, exact=exact),
        ItemModel("investment_priorities", PRIORITY_PRIOR[y], loadings=prio_load, cap=3,
                  exact=exact),
    ]}


def _rows(a):
    y = int(a["year"])
    out = {}
    for opt in TRENDS:
        grp = opt
        out[f"gscx_trends.trend_share.{grp}.{y}"] = Share(f"top_trends__{opt}")
        out[f"gscx_trends.trend_rank.{grp}.{y}"] = Rank("top_trends", opt)
        out[f"gscx_trends.trend_rank.{grp}.{y}.restated"] = Rank("top_trends", opt)
    for opt in PRIORITIES:
        grp = opt
        out[f"gscx_trends.investment_priority_rank.{grp}.{y}"] = Rank("investment_priorities",
                                                                      opt)
    design = NotReconstructable("describes the questionnaire or the report, not the answers")
    quoted = NotReconstructable("quoted from another study or an expert, not a GSCX result")
    case = NotReconstructable("a case study of one company, not a survey result")
    for rid in ("trend_options.all", "trend_max_choices.all", "trends_changing_role_chart.all",
                "years_compared.all", "focus_year.all", "digital_cx_components.all",
                "publication_year.all"):
        out[f"gscx_trends.{rid}.{y}"] = design
    for rid in ("prefer_brands_relevant_recommendations.customers_accenture",
                "fcr_improvement.dimension_data_study",
                "csat_improvement_per_fcr_point.dimension_data_study",
                "operating_cost_reduction_high_fcr.dimension_data_study",
                "csat_improvement.forrester_report",
                "revenue_increase_per_csat_point.forrester_report",
                "high_effort_likely_to_switch.gartner_research",
                "aht_reduction.mckinsey_research",
                "satisfaction_increase_from_aht.mckinsey_research",
                "csat_increase_from_resolution_time.all.2024.low",
                "csat_increase_from_resolution_time.all.2024.high",
                "clv_increase.mckinsey_2021_report",
                "profitability_increase_from_clv.mckinsey_2021_report.2024.low",
                "profitability_increase_from_clv.mckinsey_2021_report.2024.high",
                "report_year.mckinsey_2021_report",
                "clv_increase_from_personalisation.all.2024.low",
                "clv_increase_from_personalisation.all.2024.high"):
        out[f"gscx_trends.{rid}" + ("" if rid.endswith((".low", ".high")) else f".{y}")] = quoted
    for rid in ("agents", "interactions_per_year", "languages", "nice_cxone_selection_year",
                "global_cecs"):
        out[f"gscx_trends.{rid}.marriott_case.{y}"] = case
    return out


MODEL = StudyModel(
    study="gscx_trends", year="2024", assumptions=ASSUMPTIONS, factors=("ai",),
    corr=lambda a: np.eye(1), items=_items, rows=_rows,
    wave_filter=lambda a: int(a["year"]), notes=__doc__,
)
