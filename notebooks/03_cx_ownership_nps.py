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
# # 03 · Who owns CX, and does it show in NPS? (Mitto & Demand Metric)
#
# **Data.** *Published*: the shares and ranking of CX owners and the report's 0–10 "NPS" figures
# (ledger rows of `mitto_cx`). *Reconstructed*:
# respondent-level answers consistent with them (synthetic). *Observed*: only when `wave` names an
# ingested wave.
#
# The report's "NPS" is a mean of 0–10 answers; the classic Net Promoter Score is
# % promoters (9–10) minus % detractors (0–6), on −100…100. Both are shown below.

# %% tags=["parameters"]
study = "mitto_cx"
wave = None
seed = 0
quick = False

# %%

import pandas as pd
from IPython.display import display

import cxresearch as cx
from cxresearch import notebook as nb

nb.setup()

# %%
w = nb.analysis_wave(study, wave, seed=seed)
names = nb.labels(w)  # labels in the codebook's words
nb.say(nb.describe_wave(w))
owners = cx.proportion(w, "cx_owner")
cx.save_table(owners, "cx_owner_shares", synthetic=w.synthetic)


def owner_labels(df, column="cx_owner"):
    """The table with the CX owner groups in the codebook's words."""
    return df.assign(**{column: [names.level("cx_owner", v) for v in df[column]]})


level_col = "level" if "level" in owners.columns else "cx_owner"
cx.show_table(owner_labels(owners, level_col)[[level_col, "estimate", "ci_low", "ci_high", "n",
                                               "method"]],
              {level_col: "CX owner", "estimate": "Share (%)", "ci_low": "95% CI", "n": "n"},
              formats={"estimate": "prop", "ci_low": "prop", "ci_high": "prop"})

# %% [markdown]
# ## NPS by CX owner: group estimates with intervals

# %%
mean_nps = cx.mean(w, "nps", by="cx_owner")
classic = cx.nps(w, "nps", by="cx_owner")
cx.save_table(mean_nps, "nps_mean_by_owner", synthetic=w.synthetic)
cx.save_table(classic, "nps_classic_by_owner", synthetic=w.synthetic)
fig = cx.estimate_bars(mean_nps, label="cx_owner", synthetic=w.synthetic, codebook=w,
                       xlabel="Mean likelihood to recommend (0–10), 95% CI")
cx.save_figure(fig, "nps_by_owner", data=mean_nps, waves=[w], synthetic=w.synthetic)
display(fig)
cx.show_table(owner_labels(mean_nps), {"cx_owner": "CX owner", "estimate": "Mean (0–10)",
                                       "ci_low": "95% CI", "n": "n", "method": "method"})

# %% [markdown]
# ## Omnibus and post-hoc tests, effect sizes

# %%
design_cols = nb.used_design_columns(w)  # weights, strata, PSUs the wave carries
g = cx.compare_groups(w, "nps", "cx_owner")  # design-based Wald F for a Wave
cx.save_table(g.tests, "nps_owner_tests", synthetic=w.synthetic)
cx.show_table(g.tests, suppress_below=None)

# %% [markdown]
# Effect sizes (η², ω², ε²) come from the classical tests (ANOVA, Welch's ANOVA and
# Kruskal–Wallis), which treat the respondents as a simple random sample: they are shown only
# when the wave has no weights, strata or clusters.

# %%
if design_cols:
    nb.say("The wave has a survey design ({d}); the classical ANOVA and its effect sizes "
           "would ignore it, so only the design-based Wald test above is shown.",
           d=", ".join(f"{k} = {v}" for k, v in design_cols.items()))
else:
    classical = cx.compare_groups(w.data, "nps", "cx_owner")
    cx.save_table(classical.tests, "nps_owner_effect_sizes", synthetic=w.synthetic)
    a = classical.tests.set_index("test").loc["anova"]
    nb.say(f"CX owner accounts for η² = {a['eta2']:.3f} (ω² = {a['omega2']:.3f}) of the "
           "variance of the 0–10 recommendation score (classical one-way ANOVA: the wave "
           "has no weights, strata or clusters, so it is a simple random sample).")
    display(cx.show_table(classical.tests, suppress_below=None))

# %%
cx.save_table(g.posthoc, "nps_owner_posthoc", synthetic=w.synthetic)
cx.show_table(g.posthoc, suppress_below=None)

# %%
gn = cx.compare_groups(w, "nps", "cx_owner", kind="nps")
cx.save_table(gn.tests, "nps_classic_owner_tests", synthetic=w.synthetic)
cx.show_table(gn.tests, suppress_below=None)

# %% [markdown]
# ## The report's 0–10 mean against a classic NPS

# %%
net = classic[classic["measure"] == "nps"].set_index("cx_owner")["estimate"]
avg = classic[classic["measure"] == "mean_0_10"].set_index("cx_owner")["estimate"]
both = pd.DataFrame({"mean_0_10": avg, "classic_nps": net,
                     "rank_mean": avg.rank(ascending=False), "rank_nps": net.rank(ascending=False)})
cx.save_table(both.reset_index(), "nps_mean_vs_classic", synthetic=w.synthetic)
moved = both[both["rank_mean"] != both["rank_nps"]]
top = both["mean_0_10"].idxmax()
low = both["mean_0_10"].idxmin()
top_, low_ = names.level("cx_owner", top), names.level("cx_owner", low)
nb.say(
    f"Highest mean 0–10 score: {top_} ({both.loc[top, 'mean_0_10']:.1f}; classic NPS "
    f"{both.loc[top, 'classic_nps']:.0f}); lowest: {low_} ({both.loc[low, 'mean_0_10']:.1f}; "
    f"classic NPS {both.loc[low, 'classic_nps']:.0f}). "
    + ("The two measures rank the owners identically." if moved.empty else
       f"The two measures rank {len(moved)} of {len(both)} owner groups differently "
       f"({', '.join(names.level('cx_owner', v) for v in moved.index)}).")
)
cx.show_table(owner_labels(both.reset_index()),
              {"cx_owner": "CX owner", "mean_0_10": "Mean (0–10)", "classic_nps": "Classic NPS",
               "rank_mean": "Rank by mean", "rank_nps": "Rank by NPS"},
              formats={"classic_nps": 0, "rank_mean": 0, "rank_nps": 0}, suppress_below=None)

# %% [markdown]
# ## CX owner against maturity, CX grade and investment plans

# %%
family = cx.TestFamily("owner")
rows, sparse = [], []
for y in [c for c in ("omnichannel_maturity", "cx_grade", "cx_investment_plans")
          if c in w.data and w.data[c].notna().any()]:
    ct = cx.crosstab_test(w, "cx_owner", y)  # ct.notes: small cells, rows left out
    if ct.warned("SmallCellWarning"):
        sparse.append(names.item(y))
    rows.append(ct.tests.assign(outcome=y))
    family.add(y, ct.tests["p_value"].iloc[0])
family.add("nps", g.tests["p_value"].iloc[0])
adjusted = family.table(p_adjust="holm")
cx.save_table(pd.concat(rows, ignore_index=True), "owner_crosstab_tests", synthetic=w.synthetic)
cx.save_table(adjusted, "owner_tests_adjusted", synthetic=w.synthetic)
if sparse:
    nb.say(f"Some expected counts are below 5 in the tables of CX owner by "
           f"{', '.join(sparse)}: the Rao–Scott tests are approximate there.")
cx.show_table(adjusted.drop(columns=["family"], errors="ignore").assign(
    name=[names.item(n) if n.isidentifier() else n for n in adjusted["name"]],
    reject=adjusted["reject"].map({True: "yes", False: "no"})),
    footnote=("method", "adjustment"), suppress_below=None)
