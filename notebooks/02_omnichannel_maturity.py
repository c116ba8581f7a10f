# ---
# jupyter:
#   cxresearch:
#     reconstruct:
#     - mitto_cx
#     studies:
#     - mitto_cx
#   jupytext:
#     cell_metadata_filter: tags,-all
#     notebook_metadata_filter: cxresearch,kernelspec,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · Omnichannel maturity and what goes with it (Mitto & Demand Metric)
#
# **Data.** *Published*: shares and "k times more likely" ratios comparing fully omnichannel
# companies with less mature ones (ledger rows of `mitto_cx`). *Reconstructed*: respondent-level answers
# consistent with those figures (synthetic; maturity distribution and group sizes are assumptions).
# *Observed*: only when `wave` names an ingested wave (e.g. a new wave of the survey).

# %% tags=["parameters"]
study = "mitto_cx"
wave = None  # None: the reconstruction; or an ingested wave label, e.g. "2024"
seed = 0
n_reconstructions = 8  # reconstructions in the robustness ensemble
quick = False

# %%

import pandas as pd
from IPython.display import display

import cxresearch as cx
from cxresearch import notebook as nb

nb.setup()

# %%
w = nb.analysis_wave(study, wave, seed=seed)
outcomes = [y for y in ["revenue_growth", "cx_grade", "customer_loyalty", "cx_investment_plans", "response_time"] if y in w.data and w.data[y].notna().any()]
names = nb.labels(w)  # labels in the codebook's words
nb.say(nb.describe_wave(w) + "; outcomes analysed: "
       + ", ".join(names.item(y) for y in outcomes) + ".")
sizes = w.data["omnichannel_maturity"].value_counts(sort=False)
cx.show_table(pd.DataFrame({"Maturity stage": [names.level("omnichannel_maturity", g)
                                               for g in sizes.index],
                            "n": sizes.to_numpy()}), suppress_below=None)

# %% [markdown]
# ## Maturity against each outcome: tables, association tests, effect sizes

# %%
family = cx.TestFamily("maturity")
tests, sparse = [], []
for y in outcomes:
    ct = cx.crosstab_test(w, "omnichannel_maturity", y)  # ct.notes: small cells, rows left out
    if ct.warned("SmallCellWarning"):
        sparse.append(names.item(y))
    cx.save_table(ct.row_shares, f"maturity_by_{y}", synthetic=w.synthetic)
    t = ct.tests.assign(outcome=y)
    tests.append(t)
    family.add(y, ct)
tests = pd.concat(tests, ignore_index=True)
cx.save_table(tests, "maturity_tests", synthetic=w.synthetic)  # every statistic, tidy
stat = tests.pivot(index="outcome", columns="test", values="statistic")
p_rs = tests[tests["test"] == "rao_scott_f"].set_index("outcome")["p_value"]
compact = pd.DataFrame({
    "Outcome": [names.item(y) for y in outcomes],
    "Rao–Scott F": stat.loc[outcomes, "rao_scott_f"].to_numpy(),
    "p": p_rs.loc[outcomes].to_numpy(),
    "Cramér's V": stat.loc[outcomes, "cramers_v"].to_numpy(),
    "γ (ordered)": stat.loc[outcomes].get("gamma", pd.Series(index=outcomes, dtype=float))
    .to_numpy(),
})
v = dict(zip(compact["Outcome"], compact["Cramér's V"], strict=True))
gamma = dict(zip(compact["Outcome"], compact["γ (ordered)"], strict=True))
nb.say(
    "Effect sizes — Cramér's V: " + ", ".join(f"{k} {x:.2f}" for k, x in v.items())
    + "; Goodman–Kruskal γ (ordered outcomes): "
    + ", ".join(f"{k} {x:.2f}" for k, x in gamma.items() if pd.notna(x)) + "."
    + (f" Some expected counts are below 5 in the tables of {', '.join(sparse)}: the "
       "Rao–Scott tests are approximate there." if sparse else "")
)
cx.show_table(compact, caption="Maturity against each outcome (design-based Rao–Scott F "
              "test; all statistics in tables/maturity_tests)", suppress_below=None)

# %%
fig = cx.stacked_bars(w, outcome="revenue_growth", group="omnichannel_maturity",
                      synthetic=w.synthetic)
cx.save_figure(fig, "maturity_revenue_growth", waves=[w], synthetic=w.synthetic)
fig

# %% [markdown]
# ## Ordinal models with the respondent's role as a control

# %%
import numpy as np
from scipy import stats

ordered = [y for y in outcomes if w.data[y].cat.ordered]
models, lr = [], []
for y in ordered:
    fit = cx.ordinal_logit(w, y, ["omnichannel_maturity", "role"])
    base = cx.ordinal_logit(w, y, ["role"])
    coef = fit.table[fit.table["kind"] == "coefficient"].assign(outcome=y)
    models.append(coef)
    terms = [t for t in coef["term"] if str(t).startswith("omnichannel_maturity")]
    k = len(terms)
    if nb.used_design_columns(w):  # weighted: a likelihood ratio would ignore the design
        b = coef.set_index("term").loc[terms, "estimate"].to_numpy(dtype=float)
        chi2 = float(b @ np.linalg.solve(fit.vcov.loc[terms, terms].to_numpy(), b))
        test = "design-based Wald chi-square (design covariance of the coefficients)"
    else:
        chi2 = 2 * (fit.loglik - base.loglik)
        test = "likelihood ratio (a simple random sample: no weights, strata or clusters)"
    lr.append({"outcome": y, "test": test, "chi2": chi2, "df": k,
               "p_value": stats.chi2.sf(chi2, k)})
    family.add(f"{y}: ordinal model, maturity given role", lr[-1]["p_value"])
models = pd.concat(models, ignore_index=True)
lr = pd.DataFrame(lr)
cx.save_table(lr, "maturity_ordinal_lr_tests", synthetic=w.synthetic)
cx.save_table(models, "maturity_ordinal_models", synthetic=w.synthetic)
shown = pd.DataFrame({"Outcome": [names.item(y) for y in models["outcome"]],
                      "Term": [names.term(t) for t in models["term"]],
                      "estimate": models["odds_ratio"], "ci_low": models["or_ci_low"],
                      "ci_high": models["or_ci_high"], "p_value": models["p_value"]})
cx.show_table(shown, headers={"estimate": "Odds ratio"}, suppress_below=None)

# %% [markdown]
# ## A logistic model of significant revenue growth
#
# The report's headline outcome as a yes/no: significant revenue growth against maturity, with
# the respondent's role as a control — a design-based logistic regression (as R's `svyglm` with
# `quasibinomial`), odds ratios with 95% intervals on the design's degrees of freedom, and a Wald
# test of maturity as a whole (as `regTermTest`).

# %%
if "revenue_growth" in outcomes:
    growth = cx.regress(w, "revenue_growth ~ omnichannel_maturity + role", family="binomial",
                        event="significant_increase", exponentiate=True)
    cx.save_table(growth.coefficients, "maturity_growth_logistic", waves=[w])
    fig = cx.forest_plot(growth.coefficients, synthetic=w.synthetic)
    cx.save_figure(fig, "maturity_growth_logistic", data=growth.coefficients, waves=[w])
    display(fig)
    wald = growth.wald_test("omnichannel_maturity").iloc[0]
    family.add("revenue_growth: logistic model, maturity given role (Wald)", wald["p_value"])
    nb.say("Maturity as a whole, given role: F = {f:.1f} on {d1:.0f} and {d2:.0f} df, "
           "p = {p:.2g}.", f=wald["statistic"], d1=wald["df1"], d2=wald["df2"],
           p=wald["p_value"])
    cx.show_table(growth.coefficients.assign(term=[names.term(t) for t in
                                                   growth.coefficients["term"]]),
                  headers={"term": "Term", "estimate": "Odds ratio"}, suppress_below=None)

# %% [markdown]
# ## The outcomes as a banner: by maturity and by role
#
# Column percentages (NPS for the recommend item) with significance letters: a letter marks a
# column this cell is significantly higher than (upper case p < 0.01, lower case p < 0.05;
# design-based tests of the difference, as `svyby` + `svycontrast`). The notes under the banner
# state the test and its options; `tables/mitto_outcomes_banner.xlsx` is the Excel version.

# %%
rows = [r for r in ("nps", "customer_loyalty", "top2:cx_grade", "cx_investment_plans")
        if r.split(":")[-1] in w.data and w.data[r.split(":")[-1]].notna().any()]
b = cx.banner(w, rows, ["omnichannel_maturity", "role"], labels="short",
              title="Outcomes by omnichannel maturity and role")  # small bases: in b.notes
cx.save_banner(b, "mitto_outcomes_banner", waves=[w])
b

# %% [markdown]
# ## NPS and CSAT by maturity

# %%
nps_by = cx.mean(w, "nps", by="omnichannel_maturity")
csat_by = cx.mean(w, "csat_pct", by="omnichannel_maturity")
for name, tab in (("nps", nps_by), ("csat", csat_by)):
    cx.save_table(tab, f"maturity_{name}", synthetic=w.synthetic)
    g = cx.compare_groups(w, name if name == "nps" else "csat_pct", "omnichannel_maturity")
    family.add(f"{name} by maturity", g.tests["p_value"].iloc[0])
cx.show_table(nps_by.assign(omnichannel_maturity=[
    names.level("omnichannel_maturity", v) for v in nps_by["omnichannel_maturity"]]),
    {"omnichannel_maturity": "Maturity stage", "estimate": "Mean NPS answer (0–10)",
     "ci_low": "95% CI", "n": "n"})

# %% [markdown]
# ## All tests together, adjusted for multiplicity (Holm)

# %%
adjusted = family.table(p_adjust="holm")
cx.save_table(adjusted, "maturity_tests_adjusted", synthetic=w.synthetic)
n_sig = int((adjusted["p_adjusted"] < 0.05).sum())
nb.say(f"{n_sig} of {len(adjusted)} maturity tests stay below 0.05 after Holm's adjustment.")
cx.show_table(adjusted.drop(columns=["family"], errors="ignore").assign(
    name=[names.item(n) if n.isidentifier() else n for n in adjusted["name"]],
    reject=adjusted["reject"].map({True: "yes", False: "no"})),
    footnote=("method", "adjustment"), suppress_below=None)

# %% [markdown]
# ## The "k times more likely" claims
#
# Each claim compares fully omnichannel companies with immature ones (no omnichannel strategy; in
# a reconstruction, the `immature` assumption says which stages count) or with all less mature
# ones. The forest plot shows the risk ratio in this wave with its 95% interval; the table puts it
# beside what the report states. On a reconstruction these ratios were *constrained* to the
# published bounds, so the point estimates agree with the report by construction and validate
# nothing; what the figure adds is the width of the interval at the group sizes the report implies.
# On an observed wave the same figure is a genuine test of the claims.

# %%
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


def comparison_groups(wave):
    """The stages a wave counts as immature (a reconstruction's assumption), and the rest."""
    immature = wave.manifest.get("assumptions", {}).get("immature", "no_strategy")
    return {"immature": immature.split("+"), "less mature": None}


def ratio_claims(wave):
    return nb.ratio_claims(wave, CLAIMS, exposure="omnichannel_maturity",
                           exposed="full_omnichannel", exposed_label="full",
                           groups=comparison_groups)


rr = ratio_claims(w)
cx.save_table(rr, "maturity_ratio_claims", waves=[w], synthetic=w.synthetic)
fig = cx.forest_plot(rr, label="claim", synthetic=w.synthetic)
cx.save_figure(fig, "maturity_ratio_claims", data=rr, waves=[w], synthetic=w.synthetic)
display(cx.show_table(rr[["claim", "published", "estimate", "ci_low", "ci_high", "p_value"]],
                      headers={"estimate": "Risk ratio"}, suppress_below=None))
fig


# %% [markdown]
# ## How robust is each conclusion across reconstructions?
#
# This section is about the published report, whichever wave is analysed above: the same tests
# rerun on reconstructions whose unpublished assumptions are drawn from their plausible ranges.

# %%
def analysis(wave):
    rows = []
    for y in outcomes:
        ct = cx.crosstab_test(wave, "omnichannel_maturity", y)  # small cells: in ct.notes
        rows.append(ct.tests.iloc[[0]].assign(outcome=f"association with {names.item(y)}",
                                              sparse=ct.warned("SmallCellWarning")))
    rr = ratio_claims(wave)[["claim", "estimate", "p_value"]]
    rows.append(rr.rename(columns={"claim": "outcome"}).assign(
        outcome=lambda f: "risk ratio: " + f["outcome"]))
    return pd.concat(rows, ignore_index=True)

k = n_reconstructions if not quick else min(n_reconstructions, 3)
varied = ["maturity_dist", "share_marketing", "owner_maturity_link", "csat_sd"]
res, _ = cx.reconstruct_many(study, k, analysis, seed=seed, vary=varied)
robust = res.groupby("outcome", sort=False).agg(
    share_p_below_0_05=("p_value", lambda p: (p < 0.05).mean()), max_p=("p_value", "max"),
    sparse=("sparse", lambda s: int(s.fillna(False).astype(bool).sum()))).reset_index()
cx.save_table(robust, "maturity_robustness", synthetic=True)
nb.say(f"Across {k} reconstructions ({', '.join(varied)} drawn from their ranges): " + "; ".join(
    f"{r.outcome} significant in {100 * r.share_p_below_0_05:.0f}%" for r in robust.itertuples()
) + "." + "".join(
    f" In {r.sparse} of them the table {r.outcome.removeprefix('association with ')} has "
    "expected counts below 5 (the test is approximate there)." for r in robust.itertuples()
    if r.sparse))
cx.show_table(robust.drop(columns="sparse").assign(
    share_p_below_0_05=100 * robust["share_p_below_0_05"]),
    {"outcome": "Conclusion", "share_p_below_0_05": "% of reconstructions with p < 0.05",
     "max_p": "Largest p"}, formats={"share_p_below_0_05": 0, "max_p": "p"},
    suppress_below=None)
