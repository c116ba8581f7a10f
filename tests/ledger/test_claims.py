"""Claim checks: intervals against hand calculations, verdicts on hand-made ledgers (one must
come out contradicted), and the command line."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import cxresearch as cx
from cxresearch.ledger.claims import COLUMNS
from cxresearch.pipeline.cli import main

Z = 1.959963984540054


@pytest.fixture(scope="module")
def real():
    return cx.claim_check().set_index("claim_id")


def test_columns_and_vocabulary():
    res = cx.claim_check()
    assert list(res.columns) == COLUMNS
    assert res["claim_id"].is_unique
    assert set(res["verdict"]) <= {"supported", "contradicted", "undeterminable"}
    assert res["assumptions"].notna().all()
    ids = set(cx.published()["id"])
    for figs in res["figures"]:
        assert set(figs.split(";")) <= ids, figs


def test_investment_ratio_matches_hand_wald(real):
    # 75% of 144 vs 25% of 144: a=108, b=36, c=36, d=108; log RR se (Katz):
    se = math.sqrt(1 / 108 - 1 / 144 + 1 / 36 - 1 / 144)
    r = real.loc["mitto_cx.cx_investment_increase_ratio.full_omnichannel_vs_immature"]
    assert r["estimate"] == pytest.approx(3.0)
    assert r["ci_low"] == pytest.approx(3 * math.exp(-Z * se), rel=1e-6)
    assert r["ci_high"] == pytest.approx(3 * math.exp(Z * se), rel=1e-6)
    assert r["verdict"] == "supported"
    assert r["n_exposed"] == 144 and "equal" in r["assumptions"]


def test_nps_difference_conservative_interval(real):
    se = math.sqrt(8.5 * 1.5 / 144 + 5.8 * 4.2 / 456)  # SD at its maximum sqrt(m(10-m))
    r = real.loc["mitto_cx.nps.full_omnichannel_vs_less_mature"]
    assert r["estimate"] == pytest.approx(2.7)
    assert r["ci_low"] == pytest.approx(2.7 - Z * se)
    assert r["verdict"] == "supported"


def test_unpublished_components_are_undeterminable(real):
    r = real.loc["mitto_cx.significant_revenue_growth_ratio.full_omnichannel_vs_immature"]
    assert r["verdict"] == "undeterminable"
    assert r["basis"] == "claim value + assumed baseline"
    assert r["estimate"] == pytest.approx(3.0)  # the implied ratio, shown with its precision
    assert r["ci_low"] < 3 < r["ci_high"]
    assert real.loc["mitto_cx.nps_mean_diff.ceo_vs_other_owners", "verdict"] == \
        "undeterminable"


def test_bounds_that_do_not_fix_the_direction_are_undeterminable(real):
    # marketers 'three-quarters' vs customer service 'more than half' (could be 100 %)
    r = real.loc["mitto_cx.uses_ai_chatbots_or_automated_messaging.marketing_vs_customer_service"]
    assert r["verdict"] == "undeterminable"


def test_gscx_drop_two_independent_waves(real):
    r = real.loc["gscx_trends.digital_cx_drop"]
    p1, p0, n = 0.20, 0.38, 200
    se = math.sqrt(p1 * (1 - p1) / n + p0 * (1 - p0) / n)
    assert r["estimate"] == pytest.approx(-18)
    assert r["ci_low"] == pytest.approx(100 * (p1 - p0 - Z * se), rel=1e-6)
    assert r["verdict"] == "supported"
    assert real.loc["gscx_trends.top_trend.2023", "verdict"] == "undeterminable"


def _mitto(a, b, claim=3, bound="gt"):
    rows = [("mitto_cx.cx_investment_increase_ratio.full_omnichannel_vs_immature",
             "cx_investment_increase_ratio", "full_omnichannel_vs_immature", claim, "ratio",
             bound),
            ("mitto_cx.cx_investment_increase.full_omnichannel", "cx_investment_increase",
             "full_omnichannel", a, "percent", "eq"),
            ("mitto_cx.cx_investment_increase.immature", "cx_investment_increase", "immature",
             b, "percent", "eq")]
    return pd.DataFrame([dict(id=i, study="mitto_cx", wave=2021, metric=m, group=g, value=v,
                              unit=u, bound=bd) for i, m, g, v, u, bd in rows])


def test_claim_contradicted_by_its_own_components():
    # 40 % vs 20 %: RR 2, 95% CI about 1.4-2.8 at 144 vs 144 -> 'more than 3 times' contradicted
    res = cx.claim_check(ledger=_mitto(40, 20)).set_index("claim_id")
    r = res.loc["mitto_cx.cx_investment_increase_ratio.full_omnichannel_vs_immature"]
    assert r["estimate"] == pytest.approx(2.0)
    assert r["ci_high"] < 3
    assert r["verdict"] == "contradicted"


def test_claim_supported_and_assumptions_change_group_sizes():
    res = cx.claim_check(ledger=_mitto(80, 20), full_share=0.1).set_index("claim_id")
    r = res.loc["mitto_cx.cx_investment_increase_ratio.full_omnichannel_vs_immature"]
    assert r["n_exposed"] == 60 and r["verdict"] == "supported"


def test_bad_assumptions():
    with pytest.raises(ValueError, match="unknown assumption"):
        cx.claim_check(nonsense=1)
    with pytest.raises(ValueError, match="full_share must be between 0 and 1"):
        cx.claim_check(full_share=1.5)


def test_cli_prints_and_writes(tmp_path, capsys):
    assert main(["check-published", "--study", "mitto_cx", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Consistency checks" in out and "Claim checks" in out
    for name in ("published_consistency", "published_claims"):
        csv = pd.read_csv(tmp_path / f"{name}.csv")
        assert len(csv) > 0 and set(csv["study"]) == {"mitto_cx"}
        md = (tmp_path / f"{name}.md").read_text(encoding="utf-8")
        assert md.startswith("# ") and "| verdict |" not in md.splitlines()[0]
        assert "|---|" in md
