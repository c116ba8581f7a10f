# ---
# jupyter:
#   cxresearch:
#     reconstruct: []
#     requires:
#     - waves>=2
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
# # 12 · Tracking across waves (template for any study with two or more observed waves)
#
# Every index (or, without indices, every ordinal item) in each observed wave, with its
# interval, and the change from the previous wave. Declares `studies: ['*']`,
# `template: true` and `requires: ['waves>=2']`. Uses `cx.track` when this version of
# cxresearch has it; otherwise wave-by-wave estimates and independent-samples differences.

# **Data.** *Observed*: the study's own waves (ingested exports), or an example export.
# *Published*: none. *Reconstructed*: only when a reconstructed wave is passed as `wave`, and then
# labelled synthetic in every table.
#
# %% tags=["parameters"]
study = "ecsi_mobi"
wave = None  # unused: every observed wave is tracked
conf_level = 0.95
quick = False  # unused: the templates are fast

# %%
import warnings

import numpy as np
import pandas as pd
from IPython.display import Markdown, display
from scipy import stats

import cxresearch as cx
from cxresearch.report import wavereport as wr

pd.set_option("display.width", 140)
warnings.filterwarnings("ignore", module="statsmodels")

labels = wr.wave_labels(study)
if len(labels) < 2:
    raise ValueError(f"{study} has {len(labels)} observed wave(s); tracking needs two")
waves = [cx.load_wave(study, x) for x in labels]
inst = waves[-1].instrument
measures = list(inst.indices) or [i.id for i in inst if i.type in wr.ORDINAL]
display(Markdown(f"Waves of `{study}`: " + ", ".join(f"`{x}`" for x in labels)))

# %%
if hasattr(cx, "track"):
    tables = []
    for m in measures:
        try:
            tables.append(cx.track(waves, m))
        except (ValueError, TypeError, KeyError) as exc:
            print(f"{m}: not tracked ({exc})")
    trend = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
else:
    display(Markdown("`cx.track` is not in this version of cxresearch: wave-by-wave means "
                     "and the change from the previous wave (independent samples)."))
    rows = []
    for w in waves:
        design, _ = wr.index_design(w)
        for m in measures:
            if m in design.data:
                r = cx.mean(design, m, conf_level=conf_level).iloc[0]
                rows.append({"measure": m, "wave": w.label, **r.to_dict()})
    trend = pd.DataFrame(rows).drop(columns=["term"], errors="ignore")
    trend["change"] = trend.groupby("measure")["estimate"].diff()
    se_change = np.sqrt(trend["se"] ** 2 + trend.groupby("measure")["se"].shift() ** 2)
    q = stats.norm.ppf(0.5 + conf_level / 2)
    trend["change_ci_low"] = trend["change"] - q * se_change
    trend["change_ci_high"] = trend["change"] + q * se_change
display(trend.drop(columns=["method"], errors="ignore").round(3))
cx.save_table(trend, f"{study}_tracking", caption=f"{study}: tracking across waves")
