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
# `cx.key_drivers` and `cx.importance_performance` (relative importance with design-aware
# intervals) are used when this version of cxresearch has them; otherwise the notebook shows
# each driver's correlation with the outcome and says so.

# **Data.** *Observed*: the study's own waves (ingested exports), or an example export.
# *Published*: none. *Reconstructed*: only when a reconstructed wave is passed as `wave`, and then
# labelled synthetic in every table.
#
# %% tags=["parameters"]
study = "ecsi_mobi"
wave = None  # None: the newest observed wave of the study
conf_level = 0.95
quick = False  # unused: the templates are fast

# %%
import warnings

import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import cxresearch as cx
from cxresearch.report import story
from cxresearch.report import wavereport as wr

cx.theme(set_global=True)
pd.set_option("display.width", 140)
warnings.filterwarnings("ignore", module="statsmodels")

w = wr.default_wave(study, wave)
spec = wr.analysis_spec(w.instrument)
design, _ = wr.index_design(w)
outcome, drivers = spec["outcome"], [d for d in spec["drivers"] if d in design.data]
display(Markdown(f"{story.describe_wave(w)}.  \nOutcome: `{outcome}`; drivers: "
                 + ", ".join(f"`{d}`" for d in drivers)))
if outcome is None or outcome not in design.data:
    raise ValueError(f"meta.analysis.outcome {outcome!r} is not an item or index of {study}")

# %%
if hasattr(cx, "key_drivers"):
    import matplotlib.pyplot as plt

    kd = cx.key_drivers(design, outcome, drivers, B=100 if quick else 500, seed=1)
    table = getattr(kd, "table", kd)
    display(Markdown(f"R² of the full model: {getattr(kd, 'r2', float('nan')):.3f}, "
                     f"n = {getattr(kd, 'n', len(design.data))}"))
    display(table.round(3))
    cx.save_table(table, f"{study}_key_drivers",
                  caption=f"{study}: key drivers of {outcome} (relative importance)")
    if hasattr(cx, "importance_performance"):
        fig = cx.importance_performance(kd)
        cx.save_figure(fig, f"{study}_importance_performance", data=table,
                       formats=("png", "svg"))
        plt.show()
else:
    display(Markdown("`cx.key_drivers` is not in this version of cxresearch: showing each "
                     "driver's (unweighted) Pearson correlation with the outcome, with a "
                     "Fisher-z interval, as a first look."))
    from scipy import stats

    rows = []
    d = design.data
    for drv in drivers:
        x = np.array(d[[drv, outcome]].astype("Float64").dropna().to_numpy(dtype=float),
                     copy=True)
        r = float(np.corrcoef(x[:, 0], x[:, 1])[0, 1])
        z, se = np.arctanh(r), 1 / np.sqrt(len(x) - 3)
        q = stats.norm.ppf(0.5 + conf_level / 2)
        perf = cx.mean(design, drv, conf_level=conf_level).iloc[0]
        rows.append({"driver": drv, "r": r, "ci_low": np.tanh(z - q * se),
                     "ci_high": np.tanh(z + q * se), "n": len(x),
                     "performance": perf["estimate"]})
    corr = pd.DataFrame(rows).sort_values("r", ascending=False)
    display(corr.round(3))
    cx.save_table(corr, f"{study}_driver_correlations",
                  caption=f"{study}: correlation of each driver with {outcome}")
