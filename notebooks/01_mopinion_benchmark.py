# ---
# jupyter:
#   cxresearch:
#     reconstruct:
#     - mopinion_dcxm
#     studies:
#     - mopinion_dcxm
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
# # 01 · Mopinion Digital CX Management Benchmark
#
# **Data.** *Published*: three dimension scores (Measure, Manage, Master; sum of points ÷ maximum
# points over four 5-point agreement statements each) and the statement scores the article names.
# *Reconstructed*: respondent-level answers consistent with those scores (synthetic; the sample
# size and the correlation between dimensions are assumptions, stated below). *Observed*: only
# when the `wave` parameter names an ingested wave.

# %% tags=["parameters"]
study = "mopinion_dcxm"
wave = None  # None: the reconstruction; or an ingested wave label
seed = 0
n_reconstructions = 6  # reconstructions in the ensemble (cycles 3 inter-dimension correlations)
quick = False

# %%
import pandas as pd

import cxresearch as cx
from cxresearch import notebook as nb

nb.setup()

# %%
w = nb.analysis_wave(study, wave, seed=seed)
inst = w.instrument
dims = list(inst.indices)[:3]
ledger = cx.published(study)
names = nb.labels(w)  # labels in the codebook's words
nb.say(nb.describe_wave(w))

# %% [markdown]
# ## Dimension and statement scores with 95% intervals

# %%
scores = pd.concat(
    [cx.likert_index(w, d).assign(dimension=d) for d in dims], ignore_index=True
)
cx.save_table(scores, "mopinion_scores", waves=[w], synthetic=w.synthetic)
cx.show_table(scores.assign(
    dimension=[names.item(d) for d in scores["dimension"]],
    item=[names.item(i) if k == "item" else "Dimension score (all four)"
          for i, k in zip(scores["item"], scores["kind"], strict=True)]),
    {"dimension": "Dimension", "item": "Statement", "estimate": "Score (% of maximum)",
     "ci_low": "95% CI", "n": "n"},
    formats={"estimate": "prop", "ci_low": "prop", "ci_high": "prop"})

# %%
dim_rows = scores[scores["kind"] == "index"]
pub = ledger[ledger["metric"] == "dimension_score"].drop_duplicates("group")
cmp_ = pub[["group", "value"]].merge(dim_rows, left_on="group", right_on="item")
nb.say("; ".join(
    f"{r.group}: published {r.value:.0f}, reproduced {100 * r.estimate:.1f} "
    f"[{100 * r.ci_low:.1f}, {100 * r.ci_high:.1f}]" for r in cmp_.itertuples()
))
plot = scores.assign(statement=scores["item"].where(scores["kind"] == "item",
                                                    "Dimension score (all four)"))
fig = cx.estimate_bars(plot, label="statement", group="dimension", percent=True,
                       xlabel="score (sum of points / maximum points)", synthetic=w.synthetic,
                       codebook=w, xlim=(0, 115))
cx.save_figure(fig, "mopinion_scores", data=plot, waves=[w], synthetic=w.synthetic)
fig

# %% [markdown]
# ## Statements the article does not publish
#
# A dimension score is the mean of its four statement scores, so the published dimension score and
# the published statements bound the unpublished ones (with the rounding interval of each figure).

# %%
checks = cx.check_consistency(study)
implied = checks[checks["kind"].astype(str) == "composite"]
cx.save_table(implied, "mopinion_implied_statements")
for r in implied.itertuples():
    nb.say("- {x}", x=r.explanation)
cx.show_table(implied[["check_id", "verdict", "derived", "derived_low", "derived_high"]],
              {"check_id": "Check", "verdict": "Verdict", "derived": "Implied score",
               "derived_low": "lowest", "derived_high": "highest"}, suppress_below=None)

# %% [markdown]
# ## What a score means under 1–5 and 0–4 coding

# %%
coding = pd.concat(
    [cx.likert_index(w, d, coding=c).assign(dimension=d, coding=c)
     for d in dims for c in ("1-5", "0-4")], ignore_index=True
)
wide = coding[coding["kind"] == "index"].pivot(index="dimension", columns="coding",
                                               values="estimate")
cx.save_table(wide.reset_index(), "mopinion_coding", synthetic=w.synthetic)
r = wide.iloc[0]
nb.say(
    f"The same answers score {100 * r['1-5']:.1f} under 1–5 coding and {100 * r['0-4']:.1f} "
    f"under 0–4 coding ({wide.index[0]}): a 'score of 70' is only comparable across reports "
    "that code the scale the same way."
)
cx.show_table(wide.reset_index().assign(dimension=lambda f: f["dimension"].map(names.item)),
              {"dimension": "Dimension", "1-5": "Score, 1–5 coding", "0-4": "Score, 0–4 coding"},
              formats={"1-5": "prop", "0-4": "prop"}, suppress_below=None)

# %% [markdown]
# ## Reliability of each dimension
#
# On a reconstruction, alpha and omega restate the inter-item correlation the reconstruction
# assumed; they say something about the survey only on observed data.

# %%
rel = pd.concat([cx.reliability(w, inst.indices[d]).table.assign(dimension=d) for d in dims],
                ignore_index=True)
cx.save_table(rel, "mopinion_reliability", synthetic=w.synthetic)
wide_rel = rel.pivot(index="dimension", columns="measure", values="estimate").reindex(dims)
alpha = rel[rel["measure"] == "alpha"].set_index("dimension").reindex(dims)
cx.show_table(pd.DataFrame({
    "Dimension": [names.item(d) for d in dims], "estimate": alpha["estimate"].to_numpy(),
    "ci_low": alpha["ci_low"].to_numpy(), "ci_high": alpha["ci_high"].to_numpy(),
    "Omega total": wide_rel.get("omega_total", pd.Series(index=dims, dtype=float)).to_numpy(),
    "n": alpha["n"].to_numpy(), "method": alpha["method"].to_numpy()}),
    headers={"estimate": "Cronbach's alpha"}, suppress_below=None)


# %% [markdown]
# ## Does Master really trail Measure and Manage?
#
# The article ranks Master last. Whether the gap is distinguishable from zero depends on the
# sample size and on how strongly the dimensions correlate within respondents (a paired
# comparison), neither of which is published; the ensemble below varies both.

# %%
def master_gap(wave):
    items = wave.instrument.indices
    d = wave.data
    per = {k: d[items[k]].astype("Float64").mean(axis=1) for k in dims}
    gap = pd.DataFrame({"gap": per[dims[2]] - (per[dims[0]] + per[dims[1]]) / 2})
    return cx.mean(gap, "gap").assign(term="master_minus_others")

gap = master_gap(w)
nb.say(
    f"In this wave Master minus the mean of Measure and Manage is "
    f"{gap['estimate'].iloc[0]:.2f} points on the 1–5 scale, 95% CI "
    f"[{gap['ci_low'].iloc[0]:.2f}, {gap['ci_high'].iloc[0]:.2f}]."
)
cx.show_table(gap.assign(term="Master − mean of Measure and Manage"),
              {"term": "Difference", "estimate": "Points (1–5 scale)", "ci_low": "95% CI",
               "n": "n"}, suppress_below=None)

# %%
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
nb.say(
    f"Across {k} reconstructions of n = {n_rec} (correlation between dimensions cycled over "
    f"{', '.join(map(str, grid['dimension_corr']))}), the gap is significantly below zero in "
    f"{100 * res['significant'].mean():.0f}% of them. The more the dimensions correlate, the "
    "smaller the spread of the within-respondent gap and the smaller the sample that detects it "
    "(median n needed for p < 0.05 per correlation below); the report publishes neither n "
    "nor the correlation."
)
cx.show_table(by_cell.assign(share_significant=100 * by_cell["share_significant"]),
              {"dimension_corr": "Correlation between dimensions", "replicates": "Replicates",
               "mean_gap": "Mean gap", "sd_gap": "SD of the gap",
               "share_significant": "% significant", "n_for_significance": "n for p < 0.05"},
              formats={"dimension_corr": 1, "replicates": "count", "share_significant": 0,
                       "n_for_significance": 0}, suppress_below=None)

# %% [markdown]
# ## Agreement with each statement

# %%
fig = cx.agreement_bars(w, items=[i for d in dims for i in inst.indices[d]],
                        synthetic=w.synthetic)
cx.save_figure(fig, "mopinion_agreement", waves=[w], synthetic=w.synthetic)
fig
