"""Consistency checks on small hand-made ledgers with known answers (several must come out
inconsistent), GRIM against hand calculation, and the verdicts on the real ledger."""

from __future__ import annotations

import pandas as pd
import pytest

import cxresearch as cx
from cxresearch.ledger.consistency import RESULT_COLUMNS, feasible_ns, grim_feasible


def L(*rows, study="mopinion_dcxm", wave=2022):
    """Hand-made ledger: rows are (id, metric, group, value, unit, bound[, n])."""
    out = []
    for r in rows:
        rid, metric, group, value, unit, bound, *rest = r
        out.append(dict(id=rid, study=study, wave=wave, metric=metric, group=group, value=value,
                        unit=unit, bound=bound, n=rest[0] if rest else None))
    return pd.DataFrame(out)


def verdict(res, check_id):
    hit = res[res["check_id"] == check_id]
    assert len(hit) == 1, (check_id, list(res["check_id"]))
    return hit.iloc[0]


# ----------------------------------------------------------------------------- composite
def test_composite_implied_statements_hand_calculation():
    # 4 * 70 = 280 points; 62 + 60 published -> the other two sum to 158, mean 79;
    # rounding: (4*69.5 - 122.5*... ) -> [ (278 - 123) / 2, (282 - 121) / 2 ] = [77.5, 80.5]
    led = L(("d", "dimension_score", "measure", 70, "score_percent", "eq"),
            ("s1", "statement_score", "measure_a", 62, "score_percent", "eq"),
            ("s2", "statement_score", "measure_b", 60, "score_percent", "eq"))
    r = verdict(cx.check_consistency(ledger=led), "mopinion_dcxm.composite.measure")
    assert r["verdict"] == "consistent"
    assert r["derived"] == 79 and r["derived_low"] == 77.5 and r["derived_high"] == 80.5
    assert r["figures"] == "d;s1;s2"


def test_composite_outside_rounding_interval_is_inconsistent():
    # all four published: mean 71.75, interval [71.25, 72.25] misses [69.5, 70.5]
    led = L(("d", "dimension_score", "measure", 70, "score_percent", "eq"),
            *[(f"s{i}", "statement_score", f"measure_{i}", v, "score_percent", "eq")
              for i, v in enumerate([62, 60, 75, 90])])
    assert verdict(cx.check_consistency(ledger=led),
                   "mopinion_dcxm.composite.measure")["verdict"] == "inconsistent"


def test_composite_on_rounding_boundary_is_consistent():
    # 62, 60, 72, 88 -> mean 70.5; each +-0.5 -> [70, 71] overlaps [69.5, 70.5]
    led = L(("d", "dimension_score", "measure", 70, "score_percent", "eq"),
            *[(f"s{i}", "statement_score", f"measure_{i}", v, "score_percent", "eq")
              for i, v in enumerate([62, 60, 72, 88])])
    assert verdict(cx.check_consistency(ledger=led),
                   "mopinion_dcxm.composite.measure")["verdict"] == "consistent"


def test_composite_implying_impossible_statements_is_inconsistent():
    # 90 with two statements of 50: the others would have to average 130 %
    led = L(("d", "dimension_score", "master", 90, "score_percent", "eq"),
            ("s1", "statement_score", "master_a", 50, "score_percent", "eq"),
            ("s2", "statement_score", "master_b", 50, "score_percent", "eq"))
    r = verdict(cx.check_consistency(ledger=led), "mopinion_dcxm.composite.master")
    assert r["verdict"] == "inconsistent" and r["derived"] == 130


# ----------------------------------------------------------------------------- order
def _order_ledger(other):
    return L(("d", "dimension_score", "master", 65, "score_percent", "eq"),
             ("s1", "statement_score", "master_low", 52, "score_percent", "eq"),
             ("s2", "statement_score", "master_x", other, "score_percent", "eq"),
             ("o", "statement_score_rank_from_bottom", "master_low", 1, "rank_from_bottom", "eq"))


def test_order_statement_holds():
    r = verdict(cx.check_consistency(ledger=_order_ledger(72)),
                "mopinion_dcxm.order.statement_score.master_low")
    assert r["verdict"] == "consistent"


def test_order_statement_violated_is_inconsistent():
    r = verdict(cx.check_consistency(ledger=_order_ledger(45)),
                "mopinion_dcxm.order.statement_score.master_low")
    assert r["verdict"] == "inconsistent" and "s2" in r["explanation"]


def test_order_statement_violated_by_unpublished_statements():
    # 65 * 4 = 260; 52 + 100 published -> the other two average 54 < 52? no: 54 >= 52.
    # Use 60: 52 + 100 = 152, others average (240 - 152) / 2 = 44 < 52 -> some lower
    led = L(("d", "dimension_score", "master", 60, "score_percent", "eq"),
            ("s1", "statement_score", "master_low", 52, "score_percent", "eq"),
            ("s2", "statement_score", "master_x", 100, "score_percent", "eq"),
            ("o", "statement_score_rank_from_bottom", "master_low", 1, "rank_from_bottom", "eq"))
    r = verdict(cx.check_consistency(ledger=led), "mopinion_dcxm.order.statement_score.master_low")
    assert r["verdict"] == "inconsistent"


def test_rank_against_shares():
    ok = L(("r1", "trend_rank", "a", 1, "rank", "eq"), ("r2", "trend_rank", "b", 2, "rank", "eq"),
           ("s1", "trend_share", "a", 40, "percent", "eq"),
           ("s2", "trend_share", "b", 30, "percent", "eq"), study="gscx_trends", wave=2024)
    bad = ok.copy()
    bad.loc[bad["id"] == "s1", "value"] = 20
    cid = "gscx_trends.rank.trend_rank.2024"
    assert verdict(cx.check_consistency(ledger=ok), cid)["verdict"] == "consistent"
    assert verdict(cx.check_consistency(ledger=bad), cid)["verdict"] == "inconsistent"


# ----------------------------------------------------------------------------- ratio / diff
def _ratio_ledger(claim_value, claim_bound, a=40, b=20):
    return L(("k", "invest_ratio", "x_vs_y", claim_value, "ratio", claim_bound),
             ("a", "invest", "x", a, "percent", "eq"), ("b", "invest", "y", b, "percent", "eq"),
             study="mitto_cx", wave=2021)


def test_ratio_contradicting_components_is_inconsistent():
    # 40 / 20 = 2, interval [39.5/20.5, 40.5/19.5] = [1.93, 2.08]: "more than 3 times" impossible
    r = verdict(cx.check_consistency(ledger=_ratio_ledger(3, "gt")),
                "mitto_cx.ratio.invest_ratio.x_vs_y")
    assert r["verdict"] == "inconsistent"
    assert r["derived"] == 2
    assert r["derived_low"] == pytest.approx(39.5 / 20.5)
    assert r["derived_high"] == pytest.approx(40.5 / 19.5)


def test_ratio_matching_components_is_consistent():
    r = verdict(cx.check_consistency(ledger=_ratio_ledger(2, "eq")),
                "mitto_cx.ratio.invest_ratio.x_vs_y")
    assert r["verdict"] == "consistent"


def test_ratio_without_components_is_undetermined():
    led = L(("k", "growth_ratio", "x_vs_y", 3, "ratio", "gt"), study="mitto_cx", wave=2021)
    assert verdict(cx.check_consistency(ledger=led),
                   "mitto_cx.ratio.growth_ratio.x_vs_y")["verdict"] == "undetermined"


def test_difference_against_components():
    led = L(("g", "score_gap", "x_vs_y", 8, "points", "eq"),
            ("a", "score", "x", 77, "percent", "eq"), ("b", "score", "y", 60, "percent", "eq"),
            study="mitto_cx", wave=2021)
    r = verdict(cx.check_consistency(ledger=led), "mitto_cx.difference.score_gap.x_vs_y")
    assert r["verdict"] == "inconsistent" and r["derived"] == 17


# ----------------------------------------------------------------------------- partition
def test_partition_summing_to_112_is_inconsistent():
    led = L(*[(f"m{i}", "maturity_share", g, v, "percent", "eq")
              for i, (g, v) in enumerate([("a", 40), ("b", 45), ("c", 27)])],
            study="mitto_cx", wave=2021)
    r = verdict(cx.check_consistency(ledger=led), "mitto_cx.partition.maturity_share.2021")
    assert r["verdict"] == "inconsistent" and r["derived"] == 112


def test_multi_select_may_exceed_100_but_not_k_times_100():
    rows = [(f"t{i}", "trend_share", g, v, "percent", "eq")
            for i, (g, v) in enumerate([("a", 42), ("b", 39), ("c", 37), ("d", 20)])]
    led = L(*rows, ("k", "trend_max_choices", "all", 3, "count", "eq"), study="gscx_trends",
            wave=2024)
    cid = "gscx_trends.partition.trend_share.2024"
    r = verdict(cx.check_consistency(ledger=led), cid)
    assert r["verdict"] == "consistent" and r["derived"] == 138
    single = cx.check_consistency(ledger=led.iloc[:4], partitions={"trend_share": 100})
    assert verdict(single, cid)["verdict"] == "inconsistent"


# ----------------------------------------------------------------------------- GRIM
def test_grim_hand_calculations():
    # Brown & Heathers' example logic: 5.19 from n = 28 integers is impossible
    assert not grim_feasible(5.19, 28, 2)
    assert grim_feasible(5.18, 28, 2)  # 145 / 28 = 5.1786
    assert grim_feasible(53, 250, 0, multiplier=100)  # 132/250 = 52.8
    assert not grim_feasible(33, 10, 0, multiplier=100)  # 30 or 40 only
    # dimension score (4 items x 5 points): multiples of 5/n percent
    assert grim_feasible(65, 4, 0, 20, multiplier=100)  # 52 of 80 points
    assert not grim_feasible(61, 2, 0, 20, multiplier=100)  # steps of 2.5: 60, 62.5
    assert feasible_ns(76, 0, range(1, 30), multiplier=100) == [17, 21, 25, 29]
    with pytest.raises(ValueError, match="n must be a positive integer"):
        grim_feasible(1.0, 0, 1)


def test_grim_infeasible_percentage_in_ledger():
    led = L(("p", "share_x", "all", 33, "percent", "eq", 10), study="cxn_dcx", wave=2021)
    r = verdict(cx.check_consistency(ledger=led), "cxn_dcx.grim.share_x.all")
    assert r["verdict"] == "inconsistent"


def test_grim_joint_with_stated_sample_sizes():
    # 33% is impossible with n = 10 but possible with 191-199 (e.g. 64/194 = 32.99)
    led = L(("p", "share_x", "all", 30, "percent", "eq"),
            ("n1", "respondents", "all", 10, "count", "eq"), study="cxn_dcx", wave=2021)
    r = verdict(cx.check_consistency(ledger=led), "cxn_dcx.grim.joint.2021")
    assert r["verdict"] == "consistent"  # 3/10
    led.loc[0, "value"] = 33
    r = verdict(cx.check_consistency(ledger=led), "cxn_dcx.grim.joint.2021")
    assert r["verdict"] == "inconsistent" and "NOT feasible" in r["explanation"]


# ----------------------------------------------------------------------------- restatements
def test_restatement_disagreeing_is_inconsistent():
    led = L(("a", "view", "all", 55, "percent", "approx"),
            ("b", "view", "all", 55, "percent", "eq"), study="cxn_dcx", wave=2021)
    assert verdict(cx.check_consistency(ledger=led),
                   "cxn_dcx.restatement.view.all.2021")["verdict"] == "consistent"
    led.loc[1, "value"] = 70
    assert verdict(cx.check_consistency(ledger=led),
                   "cxn_dcx.restatement.view.all.2021")["verdict"] == "inconsistent"


def test_sample_size_190_plus_vs_250_is_a_contradiction():
    led = L(("a", "respondents", "all", 190, "count", "gt"),
            ("b", "respondents", "all", 250, "count", "eq"), study="cxn_dcx", wave=2021)
    r = verdict(cx.check_consistency(ledger=led), "cxn_dcx.contradiction.respondents.all.2021")
    assert r["verdict"] == "inconsistent" and "190-odd" in r["explanation"]


# ----------------------------------------------------------------------------- real ledger
@pytest.fixture(scope="module")
def real():
    return cx.check_consistency()


def test_real_ledger_table_shape(real):
    assert list(real.columns) == RESULT_COLUMNS
    assert real["check_id"].is_unique
    assert set(real["verdict"].dropna()) <= {"consistent", "inconsistent", "undetermined"}
    assert real["verdict"].notna().all()
    assert (real["explanation"].str.len() > 20).all()
    ids = set(cx.published()["id"])
    for figs in real["figures"]:
        assert set(figs.split(";")) <= ids, figs


def test_real_ledger_known_results(real):
    r = real.set_index("check_id")
    # Mopinion: implied means of the unpublished statements (hand: 4*70-122=158 -> 79, etc.)
    assert r.loc["mopinion_dcxm.composite.measure", "derived"] == 79
    assert r.loc["mopinion_dcxm.composite.manage", "derived"] == 70
    assert r.loc["mopinion_dcxm.composite.master", "derived"] == 68
    assert r.loc["mopinion_dcxm.order.statement_score.master_follow_up_48h", "verdict"] == \
        "consistent"
    # flagged contradictions, never silently resolved
    for cid in ("cxn_dcx.contradiction.respondents.all.2021",
                "mitto_cx.contradiction.full_unification_83",
                "mopinion_dcxm.contradiction.manage_caption_id"):
        assert r.loc[cid, "verdict"] == "inconsistent", cid
    assert r.loc["mitto_cx.mixture.csat_mature", "derived"] == 77
    assert r.loc["gscx_trends.partition.trend_share.2024", "verdict"] == "consistent"


def test_study_filter(real):
    m = cx.check_consistency("mitto_cx")
    assert set(m["study"]) == {"mitto_cx"}
    assert len(m) == (real["study"] == "mitto_cx").sum()
