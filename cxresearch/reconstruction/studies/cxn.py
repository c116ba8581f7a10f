"""Reconstruction model of CX Network's Digital Customer Experience Report 2021.

One latent factor, the organisation's **digital maturity**: governance (a dedicated team
rises with it, "no clear ownership" falls), data fragmentation (falls), unified view, data
integration, automation, personalisation, proactive management and the channel model (all
rise) load on it with strength ``maturity_loading``; challenges, identifiers and priorities are
multi-select items ("up to three" where the codebook says so). The sample size is contested in
the source (250 in the ROI paragraph, "190+" elsewhere): ``n`` defaults to 250, which meets
both as published ("more than 190").

Reading of the governance figures: the codebook's single governance question has to carry
"49 % several functions", "30 % dedicated team" and "more than half value a dedicated team"
(dedicated + planning one); together they leave at most 1 % for the remaining answers.
"""

from __future__ import annotations

import numpy as np

from cxresearch.reconstruction.engine import ItemModel, StudyModel
from cxresearch.reconstruction.frame import Assumption, NotReconstructable
from cxresearch.reconstruction.models import Count, Rank, Share

__all__ = ["MODEL"]

ASSUMPTIONS = {a.name: a for a in [
    Assumption("n", 250, "number of respondents (250 in the ROI paragraph; '190+' elsewhere)",
               50, 5000, ensemble=False),
    Assumption("maturity_loading", 0.5, "loading of the items on the digital-maturity factor",
               0.0, 0.8),
    Assumption("not_benefited_includes_no_self_service", False,
               "whether '49% have not yet benefited from self-service' also counts those "
               "without self-service channels"),
    Assumption("near_band", 0.15, "'nearly v' means within this relative distance below v",
               0.0, 0.5),
    Assumption("bound_margin", 0.1,
               "how far inside a one-sided bound the population is aimed (relative)", 0.0, 0.5),
]}


def _items(a, inst):
    lam = a["maturity_loading"]
    return {m.item: m for m in [
        ItemModel("dcx_governance", {"dedicated_team": .3, "planning_dedicated_team": .2,
                                     "multiple_functions": .45, "single_function": .03,
                                     "no_clear_ownership": .02},
                  loadings={"digital": {"dedicated_team": 2 * lam,
                                        "no_clear_ownership": -2 * lam}}),
        ItemModel("data_fragmentation", {"not_fragmented": .1, "slightly_fragmented": .2,
                                         "moderately_fragmented": .22,
                                         "severely_fragmented": .48},
                  loadings={"digital": -lam}),
        ItemModel("unified_view", {"no": .2, "in_progress": .25, "yes": .55},
                  loadings={"digital": lam}),
        ItemModel("data_integration", {"none": .1, "some_sources": .45, "most_sources": .3,
                                       "all_sources": .15}, loadings={"digital": lam}),
        ItemModel("automation_ai", None, loadings={"digital": lam}),
        ItemModel("knows_moments_that_matter", {"yes": .57, "no": .43},
                  loadings={"digital": {"yes": 2 * lam}}),
        ItemModel("self_service_benefit", {"benefited": .45, "not_yet_benefited": .45,
                                           "no_self_service": .1},
                  loadings={"digital": {"benefited": 2 * lam}}),
        ItemModel("persona_personalisation", {"no": .4, "planned": .28, "yes": .32},
                  loadings={"digital": lam}),
        ItemModel("proactive_cx", {"reactive": .3, "partly_proactive": .4, "proactive": .3},
                  loadings={"digital": lam}),
        ItemModel("channel_model", {"single_channel": .08, "multichannel_siloed": .25,
                                    "multichannel_partly_connected": .45, "omnichannel": .22},
                  loadings={"digital": lam}),
        ItemModel("roi_pressure", {"decreasing": .07, "unchanged": .4, "increasing": .53}),
        ItemModel("roi_helped_buy_in", {"yes": .4, "no": .3, "not_measured": .3},
                  loadings={"digital": {"yes": 2 * lam, "not_measured": -2 * lam}}),
        ItemModel("challenges", {"understanding_digital_behaviour": .5,
                                 "identifying_customers": .42, "data_silos": .4,
                                 "proving_roi": .35, "legacy_technology": .3,
                                 "channel_fragmentation": .3, "personalisation_at_scale": .25,
                                 "skills_resources": .25, "other": .05},
                  loadings={"digital": -0.3}, cap=3),
        ItemModel("customer_identifiers", {"email": .8, "phone_number": .7, "login": .6,
                                           "social_handle": .2, "third_party_id": .1,
                                           "customer_number": .35, "cookie_device_id": .25},
                  loadings={"digital": 0.3}),
        ItemModel("investment_threats", {"proving_roi": .5, "budget_cuts": .45,
                                         "economic_uncertainty": .35,
                                         "competing_priorities": .3, "leadership_support": .15,
                                         "legacy_technology": .15, "other": .05}, cap=2),
        ItemModel("investment_priorities", None, cap=3),
    ]}


def _rows(a):
    nr_case = NotReconstructable("a case study of one company, not a survey result")
    nr_page = NotReconstructable("metadata of the web page carrying the translation")
    nr_prev = NotReconstructable("compares with the previous year's wave, which is not "
                                 "published")
    not_benefited = (("not_yet_benefited", "no_self_service")
                     if a["not_benefited_includes_no_self_service"] else ("not_yet_benefited",))
    return {
        "cxn_dcx.respondents.all": Count(),
        "cxn_dcx.customer_identifier_rank.email": Rank("customer_identifiers", "email"),
        "cxn_dcx.customer_identifier_rank.phone_number":
            Rank("customer_identifiers", "phone_number"),
        "cxn_dcx.customer_identifier_rank.login": Rank("customer_identifiers", "login"),
        "cxn_dcx.respondents.all.restated": Count(),
        "cxn_dcx.respondents.all.roi_paragraph": Count(),
        "cxn_dcx.roi_pressure_increasing.all": Share("roi_pressure", ("increasing",)),
        "cxn_dcx.roi_challenge_rank.all": Rank("investment_threats", "proving_roi"),
        "cxn_dcx.prior_roi_helps_buy_in.all": Share("roi_helped_buy_in", ("yes",)),
        "cxn_dcx.digital_cx_multiple_functions.all":
            Share("dcx_governance", ("multiple_functions",)),
        "cxn_dcx.digital_cx_multiple_functions.all.words":
            Share("dcx_governance", ("multiple_functions",)),
        "cxn_dcx.values_dedicated_team.all":
            Share("dcx_governance", ("dedicated_team", "planning_dedicated_team")),
        "cxn_dcx.has_dedicated_team.all": Share("dcx_governance", ("dedicated_team",)),
        "cxn_dcx.lacks_data_infrastructure.all":
            Share("data_integration", ("none", "some_sources", "most_sources")),
        "cxn_dcx.severe_data_fragmentation.all":
            Share("data_fragmentation", ("severely_fragmented",)),
        "cxn_dcx.severe_data_fragmentation_change.2021_vs_2020": nr_prev,
        "cxn_dcx.unified_customer_view.all": Share("unified_view", ("yes",)),
        "cxn_dcx.unified_customer_view.all.restated": Share("unified_view", ("yes",)),
        "cxn_dcx.integrates_all_data_sources.all": Share("data_integration", ("all_sources",)),
        "cxn_dcx.online_portal_registration_increase.ergon_energy_case": nr_case,
        "cxn_dcx.online_portal_registration_window.ergon_energy_case": nr_case,
        "cxn_dcx.shopping_malls.majid_al_futtaim_case": nr_case,
        "cxn_dcx.campaign_conversion_rate_before.majid_al_futtaim_case": nr_case,
        "cxn_dcx.campaign_conversion_rate_after.majid_al_futtaim_case": nr_case,
        "cxn_dcx.campaign_conversion_rate_ratio.majid_al_futtaim_case": nr_case,
        "cxn_dcx.customer_records_before.majid_al_futtaim_case": nr_case,
        "cxn_dcx.customer_records_after.majid_al_futtaim_case": nr_case,
        "cxn_dcx.does_not_know_moments_that_matter.all":
            Share("knows_moments_that_matter", ("no",)),
        "cxn_dcx.not_benefited_from_self_service.all":
            Share("self_service_benefit", not_benefited),
        "cxn_dcx.tailors_content_by_persona.all": Share("persona_personalisation", ("yes",)),
        "cxn_dcx.proactive_journey_management.all": Share("proactive_cx", ("proactive",)),
        "cxn_dcx.channel_model_rank_multichannel.all":
            Rank("channel_model", "multichannel_partly_connected"),
        "cxn_dcx.omnichannel_investment_priority_change.2021_vs_2020": nr_prev,
        "cxn_dcx.values_convenience_would_pay_more.customers_pwc": NotReconstructable(
            "quoted from a PwC survey of customers, not from this study"),
        "cxn_dcx.pandemic_start_year.all": NotReconstructable("context year, not a result"),
        "cxn_dcx.page_comments.all": nr_page,
        "cxn_dcx.page_views.all": nr_page,
        "cxn_dcx.page_saves.all": nr_page,
        "cxn_dcx.page_reading_time.all": nr_page,
    }


MODEL = StudyModel(
    study="cxn_dcx", year="2021", assumptions=ASSUMPTIONS, factors=("digital",),
    corr=lambda a: np.eye(1), items=_items, rows=_rows, notes=__doc__,
)
