"""cxresearch.ledger.ratios.ratio_claims: a report's "k times more likely" claims in a wave.

The risk ratio of each claim is the one :func:`cxresearch.two_by_two` gives on the exposed
group against the comparison group (exactly: the same function on the same rows), weighted
when the codebook declares weights; the published bound and value sit beside it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support import fake_wave

import cxresearch as cx
from cxresearch.ledger.ratios import RatioClaim, ratio_claims


class _Inst:
    def __init__(self, weights=None):
        self._w = weights

    def design_columns(self):
        return {"weights": self._w, "strata": None, "psu": None, "fpc": None}


LEDGER = pd.DataFrame({"id": ["s.ratio_a", "s.ratio_b"], "bound": ["gt", "approx"],
                       "value": [2.0, 1.5]})


def _wave(weights=False, seed=1, n=400):
    rng = np.random.default_rng(seed)
    stage = rng.choice(["none", "early", "mid", "full"], size=n)
    p = np.where(stage == "full", 0.5, 0.2)
    d = pd.DataFrame({"stage": stage, "grow": np.where(rng.random(n) < p, "yes", "no"),
                      "loyal": np.where(rng.random(n) < p, "loyal", "not")})
    d.loc[:4, "grow"] = None  # unanswered: dropped for that claim only
    if weights:
        d["w"] = rng.uniform(0.5, 2.0, n)
    return fake_wave(d, _Inst("w" if weights else None), {"study": "s"})


CLAIMS = [("growth", "grow", "yes", "immature", "s.ratio_a"),
          RatioClaim("loyalty", "loyal", "loyal", "rest", "s.ratio_b")]


def _by_hand(w, item, level, other_levels, weighted):
    d = w.data
    keep = d["stage"].eq("full") | d["stage"].isin(other_levels)
    f = d[keep].dropna(subset=[item]).assign(e=lambda x: x["stage"] == "full",
                                             o=lambda x: x[item] == level)
    des = cx.Design(f, weights="w") if weighted else f
    t = cx.two_by_two(des, exposure="e", outcome="o")
    return t[t["measure"] == "risk_ratio"].iloc[0]


@pytest.mark.parametrize("weighted", [False, True])
def test_each_claim_is_two_by_two_on_the_compared_groups(weighted):
    w = _wave(weighted)
    rr = ratio_claims(w, CLAIMS, exposure="stage", exposed="full",
                      groups={"immature": ["none"]}, ledger=LEDGER)
    assert list(rr["claim"]) == ["growth (full vs immature)", "loyalty (full vs rest)"]
    assert list(rr["published"]) == ["gt 2", "approx 1.5"]
    for row, (item, level, others) in zip(rr.itertuples(), [
            ("grow", "yes", ["none"]), ("loyal", "loyal", ["none", "early", "mid"])],
            strict=True):
        ref = _by_hand(w, item, level, others, weighted)
        for col in ("estimate", "se", "ci_low", "ci_high", "p_value", "n"):
            assert getattr(row, col) == pytest.approx(ref[col], rel=1e-12), col


def test_groups_may_depend_on_the_wave_and_name_every_other_level():
    w = _wave()
    w.manifest["assumptions"] = {"immature": "none+early"}

    def groups(wave):
        return {"immature": wave.manifest["assumptions"]["immature"].split("+"),
                "less mature": None}

    rr = ratio_claims(w, [("growth", "grow", "yes", "immature", "s.ratio_a"),
                          ("growth", "grow", "yes", "less mature", "s.ratio_a")],
                      exposure="stage", exposed="full", exposed_label="top", groups=groups,
                      ledger=LEDGER)
    assert rr["claim"].iloc[0] == "growth (top vs immature)"
    assert rr["estimate"].iloc[0] == pytest.approx(
        _by_hand(w, "grow", "yes", ["none", "early"], False)["estimate"])
    assert rr["estimate"].iloc[1] == pytest.approx(
        _by_hand(w, "grow", "yes", ["none", "early", "mid"], False)["estimate"])


def test_claims_as_dicts():
    rr = ratio_claims(_wave(), [dict(zip(("label", "item", "level", "versus", "ledger_id"),
                                         CLAIMS[0], strict=True))],
                      exposure="stage", exposed=["full"], groups={"immature": ["none"]},
                      ledger=LEDGER)
    assert len(rr) == 1


@pytest.mark.parametrize("kw, match", [
    ({"exposure": "nope"}, "exposure 'nope'"),
    ({"claims": [("g", "nope", "yes", "rest", "s.ratio_a")]}, "item 'nope'"),
    ({"claims": [("g", "grow", "yes", "elsewhere", "s.ratio_a")]}, "versus='elsewhere'"),
    ({"claims": [("g", "grow", "yes", "rest", "s.missing")]}, "ledger_id 's.missing'"),
    ({"claims": [("g", "grow", "yes")]}, "claims must be"),
    ({"claims": [{"label": "g"}]}, "lacks"),
    ({"claims": []}, "empty"),
])
def test_hostile_claims_are_refused_naming_the_argument(kw, match):
    args = {"claims": CLAIMS, "exposure": "stage", **kw}
    claims = args.pop("claims")
    with pytest.raises(ValueError, match=match):
        ratio_claims(_wave(), claims, exposed="full", groups={"immature": ["none"]},
                     ledger=LEDGER, **args)


@pytest.mark.parametrize("claims", ["growth", {"a": 1}, 42])
def test_claims_that_are_not_a_list_are_refused(claims):
    with pytest.raises(TypeError, match="claims must be"):
        ratio_claims(_wave(), claims, exposure="stage", exposed="full", ledger=LEDGER)


@pytest.mark.slow
def test_the_mitto_claims_on_the_reconstruction():
    from cxresearch import notebook as nb

    w = nb.analysis_wave("mitto_cx")
    claims = [("significant revenue growth", "revenue_growth", "significant_increase",
               "less mature",
               "mitto_cx.significant_revenue_growth_ratio.full_omnichannel_vs_immature")]
    rr = nb.ratio_claims(w, claims, exposure="omnichannel_maturity",
                         exposed="full_omnichannel", groups={"less mature": None})
    assert rr["estimate"].iloc[0] > 1 and rr["ci_low"].iloc[0] < rr["estimate"].iloc[0]
