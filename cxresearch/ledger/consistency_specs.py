"""Checks of the source texts that need a reader, not arithmetic (private to consistency).

Each entry names the ledger ids it concerns; :func:`cxresearch.check_consistency` reports it when
those ids are in the ledger it is given. The verdict is the reader's judgement of the text as it
stands, and the explanation says what would resolve it; nothing is silently resolved.
"""

from __future__ import annotations

__all__: list[str] = []

TEXT_CHECKS: list[dict] = [
    dict(
        check_id="mopinion_dcxm.contradiction.manage_caption_id",
        study="mopinion_dcxm", kind="contradiction", verdict="inconsistent",
        figures=["mopinion_dcxm.statement_score.manage_share_departments",
                 "mopinion_dcxm.statement_score.manage_board_kpis"],
        explanation=(
            "In the Indonesian article (001) the first caption of the Manage chart reads 'Skor "
            "untuk dua subtema dalam fase Master' (two subthemes of the Master phase) while the "
            "text, the second caption and the Chinese article (管理階段兩個子主題) put the 72 % "
            "and 68 % statements in Manage. Read as a captioning error in 001; the ledger "
            "follows the text (Manage)."),
    ),
    dict(
        check_id="mopinion_dcxm.contradiction.master_gap_wording",
        study="mopinion_dcxm", kind="translation", verdict="consistent",
        figures=["mopinion_dcxm.dimension_score.master",
                 "mopinion_dcxm.dimension_score_rank_from_bottom.master"],
        explanation=(
            "Chinese says Master 'lags behind the other phases' (落後於其他階段), Indonesian "
            "'slightly less than the other phases' (sedikit kurang); later zh '僅落後於' vs id "
            "'hanya sedikit tertinggal' (only slightly behind). The figures agree (65 vs 70 in "
            "both); only the strength of the wording differs. Similarly Manage practices are "
            "'very frequent' (頻率很高) in zh and 'fairly often' (cukup sering) in id."),
    ),
    dict(
        check_id="mopinion_dcxm.contradiction.complaints_three_quarters",
        study="mopinion_dcxm", kind="translation", verdict="undetermined",
        figures=["mopinion_dcxm.complaints_reacted_to_immediately.all"],
        explanation=(
            "Expert quote: zh 'this already accounts for 3/4 of complaints' (這已經佔投訴的 "
            "3/4), id 'Ini sudah memakan waktu beberapa 3/4 dari keluhan' ('this already takes "
            "some 3/4 of complaints', garbled). Same 3/4, unclear referent; an opinion, not a "
            "survey figure."),
    ),
    dict(
        check_id="mopinion_dcxm.contradiction.success_definition",
        study="mopinion_dcxm", kind="contradiction", verdict="undetermined",
        figures=["mopinion_dcxm.improving_digital_cx_successfully.all"],
        explanation=(
            "76 % 'report they are successfully improving digital CX' (quoted by an expert); "
            "another expert is surprised how many feel 'fairly successful' (相當成功 / cukup "
            "berhasil). Whether 76 % counts 'fairly successful' with 'very successful' is not "
            "stated; the reconstruction must choose and say so."),
    ),
    dict(
        check_id="mitto_cx.contradiction.full_unification_83",
        study="mitto_cx", kind="contradiction", verdict="inconsistent",
        figures=["mitto_cx.see_all_conversations_one_place.fully_unified",
                 "mitto_cx.channels_fully_unified.all"],
        explanation=(
            "Read literally, the Chinese translation says 83 % of participants have fully "
            "unified their customer channels (83% 的参与者...实现了完全统一), which contradicts "
            "'less than one third of teams have fully unified channels'. Most likely the "
            "original says that 83 % of participants WITH full unification can see all "
            "conversations in one place (a conditional share); the ledger records that reading "
            "(group fully_unified) and this check flags the conflict of the text as it stands."),
    ),
    dict(
        check_id="mitto_cx.contradiction.nps_label",
        study="mitto_cx", kind="contradiction", verdict="undetermined",
        figures=["mitto_cx.nps_mean.full_omnichannel", "mitto_cx.nps_mean.less_mature"],
        explanation=(
            "The report calls 8.5 and 5.8 'NPS'. A net promoter score runs from -100 to 100 and "
            "is usually reported as an integer; one decimal place and a 'close relationship' "
            "with values this small fit a mean 0-10 likelihood-to-recommend much better. Both "
            "readings are arithmetically possible; the ledger records score_0_10 and the "
            "reconstruction must state the reading it uses."),
    ),
    dict(
        check_id="mitto_cx.contradiction.loyalty_4x_reading",
        study="mitto_cx", kind="contradiction", verdict="undetermined",
        figures=["mitto_cx.loyal_customers_ratio.full_omnichannel_vs_less_mature"],
        explanation=(
            "'更有可能有近乎 4 倍的忠诚客户' mixes 'more likely to have loyal customers' with "
            "'nearly 4 times as many loyal customers'; a risk ratio and a ratio of means are "
            "different quantities. The comparison group ('less mature') also differs from the "
            "revenue and CX-grade claims ('immature')."),
    ),
    dict(
        check_id="cxn_dcx.contradiction.more_than_third_49",
        study="cxn_dcx", kind="contradiction", verdict="consistent",
        figures=["cxn_dcx.digital_cx_multiple_functions.all",
                 "cxn_dcx.digital_cx_multiple_functions.all.words"],
        explanation=(
            "'More than one third of the research group (49%)': 49 is more than a third, so the "
            "words and the number agree, but the wording understates it (49 % is 'almost half');"
            " probably a translation slip. The number is used."),
    ),
    dict(
        check_id="cxn_dcx.contradiction.dedicated_team_base",
        study="cxn_dcx", kind="contradiction", verdict="undetermined",
        figures=["cxn_dcx.values_dedicated_team.all", "cxn_dcx.has_dedicated_team.all"],
        explanation=(
            "'More than half recognise the value of a dedicated team, of which (其中) 30 % have "
            "already set one up': 30 % of all respondents (ledger reading) or 30 % of the "
            "'more than half' (then more than 15 % of all). Either reading is consistent with "
            "the other figures; the base is not stated."),
    ),
    dict(
        check_id="cxn_dcx.partition.governance",
        study="cxn_dcx", kind="partition", verdict="consistent",
        figures=["cxn_dcx.digital_cx_multiple_functions.all", "cxn_dcx.has_dedicated_team.all"],
        explanation=(
            "If 'supported by several functions' (49 %) and 'a dedicated team' (30 %) are "
            "options of one single-choice governance question they sum to 79 % <= 100 %, "
            "leaving 21 % for other set-ups; the question wording is not published."),
    ),
    dict(
        check_id="cxn_dcx.contradiction.unified_view_vs_all_sources",
        study="cxn_dcx", kind="contradiction", verdict="consistent",
        figures=["cxn_dcx.unified_customer_view.all", "cxn_dcx.integrates_all_data_sources.all"],
        explanation=(
            "About 55 % have a unified view of customer data while fewer than 20 % integrate "
            "and use all data sources: not contradictory (a unified view need not cover every "
            "source), but the two figures describe different things and should not be merged."),
    ),
    dict(
        check_id="mitto_cx.complement.demands",
        study="mitto_cx", kind="partition", verdict="consistent",
        figures=["mitto_cx.demands_increase_or_same.all"],
        explanation=(
            "More than 90 % expect customer demands to rise or stay the same, so fewer than "
            "10 % expect them to fall (complement), matching 'very few ... expect customers to be"
            " less demanding in 2022' (很少)."),
    ),
    dict(
        check_id="gscx_trends.contradiction.scrambled_lists",
        study="gscx_trends", kind="contradiction", verdict="undetermined",
        figures=["gscx_trends.trend_share.data_analytics.2024",
                 "gscx_trends.investment_priority_rank.data_insights_analytics.2024"],
        explanation=(
            "The extracted text of the NICE report is out of order: the 2024 sentence 'data and "
            "analytics took first place (42%), then AI-driven technology in operations (39%) "
            "and automation (37%)' sits between the investment-priority paragraphs. It is read "
            "as the 2024 trends ranking (it explains why digital CX fell to seventh); read as "
            "investment priorities it would contradict the stated 2024 top three (automation, "
            "data insights and analytics, conversational AI)."),
    ),
    dict(
        check_id="gscx_trends.contradiction.seven_components",
        study="gscx_trends", kind="partition", verdict="consistent",
        figures=["gscx_trends.digital_cx_components.all.2024"],
        explanation=(
            "'Seven components' are announced and seven are listed (automation, "
            "personalisation, omnichannel integration, self-service options, user-centred "
            "design, data security and privacy, speed and reliability)."),
    ),
    dict(
        check_id="gscx_trends.contradiction.quoted_effect_sizes",
        study="gscx_trends", kind="contradiction", verdict="undetermined",
        figures=["gscx_trends.clv_increase.mckinsey_2021_report.2024",
                 "gscx_trends.profitability_increase_from_clv.mckinsey_2021_report.2024.low",
                 "gscx_trends.profitability_increase_from_clv.mckinsey_2021_report.2024.high"],
        explanation=(
            "'A 5-point increase in CLV lifts profitability by 25-95 points' (attributed to a "
            "2021 McKinsey report) echoes the well-known Bain/Reichheld figure for a 5 % rise in "
            "customer RETENTION raising profits 25-95 %; 'percentage points' of profitability is "
            "not a meaningful unit here. Quoted from elsewhere, not checkable from the report."),
    ),
]
