"""Reconstruction model of Mopinion's Digital CX Management Benchmark 2023 (fieldwork 2022).

Twelve 5-point agreement statements, four per dimension (Measure, Manage, Master). Each
dimension has a latent factor; the factors correlate (``dimension_corr``); a statement is an
ordered probit loading ``item_loading`` on its dimension's factor (so statements of a dimension
correlate about ``item_loading²``). "How successful are you at improving digital CX" loads
``success_loading`` on every dimension factor. Industry is a multinomial logit whose
categories differ in their factor means by ``industry_spread`` (the article says industries
differ widely, without figures).

Scores: a statement's (or dimension's) score is the sum of points divided by the maximum
points. Whether the five points are coded 1-5 or 0-4 is not published (``coding``); it changes
which answers a published score implies (70 % is a mean of 3.5 on 1-5 but 3.8 on the 1-5 codes
when 0-4 points are scored).
"""

from __future__ import annotations

import numpy as np

from cxresearch.reconstruction.engine import ItemModel, StudyModel
from cxresearch.reconstruction.frame import Assumption, NotReconstructable
from cxresearch.reconstruction.models import Diff, GroupRank, Score, Share

__all__ = ["MODEL"]

DIMENSIONS = {
    "measure": ("measure_collect_digital", "measure_continuous", "measure_all_channels",
                "measure_digital_vs_offline"),
    "manage": ("manage_analyse", "manage_report_teams", "manage_share_departments",
               "manage_board_kpis"),
    "master": ("master_meetings", "master_follow_up_48h", "master_improve", "master_close_loop"),
}
INDUSTRY_SHIFT = {  # relative position of industries on the factors (times industry_spread)
    "retail_ecommerce": 0.6, "financial_services": 0.4, "travel_hospitality": 0.2,
    "technology_software": 0.8, "telecom_utilities": 0.0, "government_public": -0.8,
    "healthcare": -0.4, "education": -0.6, "media_publishing": 0.0, "manufacturing": -0.5,
    "other": 0.0,
}

ASSUMPTIONS = {a.name: a for a in [
    Assumption("n", 200, "number of responding organisations (not published)", 30, 3000,
               ensemble=False),
    Assumption("coding", "1-5", "points of the 5 answers when scoring (1-5 or 0-4)",
               choices=("1-5", "0-4")),
    Assumption("dimension_corr", 0.6, "correlation between the Measure, Manage and Master "
               "factors", 0.0, 0.95),
    Assumption("item_loading", 0.7, "loading of a statement on its dimension factor", 0.3, 0.9),
    Assumption("success_loading", 0.3, "loading of 'successful at improving digital CX' on "
               "each dimension factor", 0.0, 0.45),
    Assumption("industry_spread", 0.4, "differences between industries (logit per factor SD)",
               0.0, 1.5),
    Assumption("near_band", 0.15, "'nearly v' means within this relative distance below v",
               0.0, 0.5),
    Assumption("bound_margin", 0.1,
               "how far inside a one-sided bound the population is aimed (relative)", 0.0, 0.5),
]}


def _corr(a):
    r = a["dimension_corr"]
    return np.array([[1.0, r, r], [r, 1.0, r], [r, r, 1.0]])


def _items(a, inst):
    lam = a["item_loading"]
    agree = {1: .05, 2: .12, 3: .25, 4: .40, 5: .18}
    out = [ItemModel("industry", None, kind="nominal",
                     loadings={f: {k: a["industry_spread"] * v
                                   for k, v in INDUSTRY_SHIFT.items()}
                               for f in DIMENSIONS})]
    for dim, items in DIMENSIONS.items():
        out += [ItemModel(i, agree, loadings={dim: lam}) for i in items]
    s = a["success_loading"]
    out.append(ItemModel("dcx_success", {"not_at_all_successful": .04, "not_very_successful": .2,
                                         "fairly_successful": .56, "very_successful": .2},
                         loadings={d: s for d in DIMENSIONS}))
    return {m.item: m for m in out}


def _rows(a):
    design = NotReconstructable("describes the questionnaire, not the answers")
    expert = NotReconstructable("an expert's opinion, not a survey result")
    stmts = {i: Score((i,)) for items in DIMENSIONS.values() for i in items}
    dims = {d: Score(items) for d, items in DIMENSIONS.items()}
    rows = {
        "mopinion_dcxm.n_dimensions.all": design,
        "mopinion_dcxm.statements_per_dimension.all": design,
        "mopinion_dcxm.likert_scale_points.all": design,
        "mopinion_dcxm.follow_up_window.master_follow_up_48h": design,
        "mopinion_dcxm.future_horizon.all": design,
        "mopinion_dcxm.dimension_score.measure": dims["measure"],
        "mopinion_dcxm.dimension_score.manage": dims["manage"],
        "mopinion_dcxm.dimension_score.master": dims["master"],
        "mopinion_dcxm.dimension_score.master.restated": dims["master"],
        "mopinion_dcxm.dimension_score_rank_from_bottom.master":
            GroupRank(None, dims, "master"),
        "mopinion_dcxm.statement_score_rank_from_bottom.master_follow_up_48h":
            GroupRank(None, stmts, "master_follow_up_48h"),
        "mopinion_dcxm.improving_digital_cx_successfully.all":
            Share("dcx_success", ("fairly_successful", "very_successful")),
        "mopinion_dcxm.change_maker_programs.all": NotReconstructable(
            "an expert's reading of a report summary ('one in four programs are change "
            "makers'); no codebook item classifies programs"),
        "mopinion_dcxm.programs_failing_to_drive_change.all": NotReconstructable(
            "an expert's reading of a report summary; no codebook item"),
        "mopinion_dcxm.complaints_reacted_to_immediately.all": NotReconstructable(
            "an expert's opinion about complaints in general, not a survey result"),
        "mopinion_dcxm.mopinion_internal_experts.all": NotReconstructable(
            "number of experts in a video, not a survey figure"),
        # "traditional CX gets more resources than digital": more respondents disagree than
        # agree that digital gets as much attention as offline CX
        "mopinion_dcxm.cx_resources_diff.traditional_vs_digital":
            Diff(Share("measure_digital_vs_offline", (1, 2)),
                 Share("measure_digital_vs_offline", (4, 5))),
        "mopinion_dcxm.measurement_attention_diff.website_vs_app_email": NotReconstructable(
            "compares measurement per channel; the codebook has no per-channel item"),
        "mopinion_dcxm.touchpoint_rank.website": expert,
        "mopinion_dcxm.interactions_on_website.all": expert,
        "mopinion_dcxm.unable_to_measure_other_channels.all": expert,
        "mopinion_dcxm.cx_programs_creating_own_silos.heart_of_the_customer_research":
            NotReconstructable("quoted from another study (Heart of the Customer)"),
    }
    for item in stmts:
        rid = f"mopinion_dcxm.statement_score.{item}"
        rows[rid] = stmts[item]
    return rows


MODEL = StudyModel(
    study="mopinion_dcxm", year="2022", assumptions=ASSUMPTIONS,
    factors=tuple(DIMENSIONS), corr=_corr, items=_items, rows=_rows,
    ctx=lambda a: {"coding": a["coding"]}, notes=__doc__,
)
