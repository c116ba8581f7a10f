# ---
# jupyter:
#   cxresearch:
#     reconstruct: []
#     requires:
#     - outcome
#     studies:
#     - '*'
#     template: true
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
# # 11 · Key drivers (template for any study that names an outcome)
#
# Runs for a study whose codebook names an outcome under `meta.analysis`
# (`analysis: {outcome: satisfaction, drivers: [quality, value]}`; outcome and drivers are
# items or indices; without `drivers`, every other index is a driver). Declares
# `studies: ['*']`, `template: true` and `requires: [outcome]` in its metadata.
#
# Key drivers: each driver's Shapley value (LMG) — its average contribution to R² over every
# order in which the drivers can enter a linear model of the outcome, exact over all subsets
# and weighted by the design — with bootstrap intervals that resample PSUs within strata (Rao–Wu
# rescaling), the differences between drivers, and an importance–performance chart.

# **Data.** *Observed*: the study's own waves (ingested exports), or an example export.
# *Published*: none. *Reconstructed*: only when a reconstructed wave is passed as `wave`, and then
# labelled synthetic in every table.
#
# %% tags=["parameters"]
study = "ecsi_mobi"
wave = None  # None: the newest observed wave of the study
conf_level = 0.95
quick = False  # True: 100 bootstrap replicates instead of 500

# %%
from IPython.display import display

import cxresearch as cx
from cxresearch import notebook as nb

nb.setup()

w = nb.default_wave(study, wave)
names = nb.labels(w)  # labels in the codebook's words
spec = nb.analysis_spec(w.instrument)
design, _ = nb.index_design(w)
outcome, drivers = spec["outcome"], list(spec["drivers"])
unusable = [d for d in drivers if d not in design.data]  # never dropped silently (#23)
inside = [d for d in drivers if outcome in w.instrument.indices.get(d, [])]
if unusable or inside or len(drivers) < 2:
    raise ValueError(f"meta.analysis of {study}: " + "; ".join(
        ([f"drivers {unusable} are not items or indices of this wave"] if unusable else [])
        + ([f"the outcome {outcome!r} is inside driver index(es) {inside}"] if inside else [])
        + ([f"drivers needs at least two, got {drivers}"] if len(drivers) < 2 else []))
        + "; fix it and run `cxresearch codebook check`")
if outcome is None or outcome not in design.data:
    raise ValueError(f"meta.analysis.outcome {outcome!r} is not an item or index of {study}")
nb.say(nb.describe_wave(w))
nb.say("Outcome: {o}; drivers: {d}.", o=names.item(outcome),
       d=", ".join(names.item(x) for x in drivers))

# %%
kd = cx.key_drivers(design, outcome, drivers, B=100 if quick else 500, seed=1,
                    codebook=w.instrument)
cx.save_table(kd.table, f"{study}_key_drivers", waves=[w],
              caption=f"{study}: key drivers of {outcome} (Shapley/LMG share of R²)")
nb.say("R² of the full model: {r2:.3f} (n = {n}).", r2=kd.r2, n=kd.n)
fig = cx.importance_performance(kd)
cx.save_figure(fig, f"{study}_importance_performance", data=kd.table, waves=[w])
display(fig)
display(cx.show_table(kd.table.assign(driver=[names.item(x) for x in kd.table["driver"]]),
                      {"driver": "Driver", "importance": "Importance (R²)",
                       "ci_low": f"{conf_level:.0%} CI", "share": "Share of R²",
                       "rank": "Rank", "pomp": "Performance (POMP)"}, suppress_below=None))

# %% [markdown]
# ## Which differences between drivers are real?
#
# The bootstrap gives each pair of drivers an interval for the difference of their importances;
# pairs whose interval excludes zero are listed (no adjustment for the number of pairs).

# %%
diff = kd.differences
real = diff[diff["p_value"] < 1 - conf_level] if "p_value" in diff else diff.iloc[0:0]
cx.save_table(diff, f"{study}_driver_differences", waves=[w],
              caption=f"{study}: differences between drivers' importances")
nb.say("{k} of {m} pairs of drivers differ in importance at the {a:.0%} level.",
       k=len(real), m=len(diff), a=1 - conf_level)
fig = cx.driver_heatmap(kd)
cx.save_figure(fig, f"{study}_driver_correlations", data=kd.correlations, waves=[w])
display(fig)
