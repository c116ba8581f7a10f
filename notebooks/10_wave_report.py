# ---
# jupyter:
#   cxresearch:
#     reconstruct: []
#     requires: []
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
# # 10 · Wave report (template for any study)
#
# A study-agnostic report driven by the study's codebook: every item and index with its
# estimate and 95% interval (design-based when the codebook declares weights, strata or PSUs),
# the reliability of each multi-item index, the NPS of recommend items, and the segments
# (single-choice items the codebook lists under `meta.analysis.segments`, else every one with
# at most 12 levels) compared with multiplicity control.
#
# **How a notebook declares the studies it covers.** The `cxresearch` block of the notebook's
# metadata (the YAML header of this `.py` file) lists `studies`; `'*'` means any study. With
# `template: true` the reproduce pipeline runs the notebook once per study of the project
# (`--study`, the `[reproduce] templates` list of `cxresearch.toml`, or every study with a
# codebook and a wave), passing `study` (and `--wave` as `wave`) to the parameters cell;
# `requires` lists what a study must have (`outcome`, `waves>=2`), otherwise the run skips it.
# In the tool's repository it covers `ecsi_mobi` (the real ECSI customers, see also `07`).

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

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import cxresearch as cx
from cxresearch.report import story
from cxresearch.report import wavereport as wr

cx.theme(set_global=True)
pd.set_option("display.width", 140)
pd.set_option("display.max_columns", 12)
pd.set_option("display.max_colwidth", 60)
warnings.filterwarnings("ignore", module="statsmodels")

w = wr.default_wave(study, wave)
inst = w.instrument
design_cols = wr.used_design_columns(w)
display(Markdown(
    f"**{inst.meta.get('title', study)}** — {story.describe_wave(w)}.  \n"
    f"Design: {', '.join(f'{k} = `{v}`' for k, v in design_cols.items()) or 'none declared'}"
    f" ({'design-based' if design_cols else 'simple random sample'} intervals, "
    f"{conf_level:.0%})."))

# %% [markdown]
# ## Every item

# %%
items, not_computed = wr.item_estimates(w, conf_level=conf_level)
display(items.drop(columns=["method"]).round(3))
if len(items):
    print("method:", items["method"].iloc[0])
    cx.save_table(items, f"{study}_items", caption=f"{study}: every item, {conf_level:.0%} CI")
if len(not_computed):
    display(Markdown("**Not computed** (with the reason):"))
    display(not_computed)

# %% [markdown]
# ## Indices and their reliability

# %%
indices = wr.index_estimates(w, conf_level=conf_level)
if len(indices):
    display(indices.drop(columns=["method"]).round(3))
    cx.save_table(indices, f"{study}_indices",
                  caption=f"{study}: index scores (mean of items), {conf_level:.0%} CI")
    fig, ax = plt.subplots(figsize=(6, 0.45 * len(indices) + 1.2))
    ax.errorbar(indices["estimate"], range(len(indices)),
                xerr=[indices["estimate"] - indices["ci_low"],
                      indices["ci_high"] - indices["estimate"]], fmt="o", capsize=3)
    ax.set_yticks(range(len(indices)), indices["index"])
    ax.set_xlabel(f"mean score, {conf_level:.0%} CI")
    ax.set_title(f"{study}: indices ({story.describe_wave(w)})", fontsize=9)
    fig.tight_layout()
    cx.save_figure(fig, f"{study}_indices", data=indices, formats=("png", "svg"))
    plt.show()
    rel = wr.index_reliability(w)
    if len(rel):
        show = [c for c in ("index", "k", "measure", "estimate", "ci_low", "ci_high", "n")
                if c in rel]
        display(rel[show].round(3))
        cx.save_table(rel, f"{study}_reliability",
                      caption=f"{study}: Cronbach's alpha and omega of each index")
else:
    print("The codebook declares no indices (list them under `indices:` to get scores).")

# %% [markdown]
# ## NPS of the recommend items

# %%
nps, nps_notes = wr.nps_estimates(w, conf_level=conf_level)
if len(nps):
    display(nps.round(3))
    cx.save_table(nps, f"{study}_nps", caption=f"{study}: Net Promoter Score")
for note in nps_notes:
    print(note)
if not len(nps) and not nps_notes:
    print("No item is a 0-10 recommend question or declares NPS cut-offs.")

# %% [markdown]
# ## Segments

# %%
segs = wr.segments(inst)
outcomes = list(indices["index"]) if len(indices) else [
    i.id for i in inst if i.type in wr.ORDINAL][:10]
if segs and outcomes:
    by_seg, tests = wr.segment_comparisons(w, outcomes, segs, conf_level=conf_level)
    display(by_seg.drop(columns=["method"], errors="ignore").round(3))
    display(tests.round(4))
    cx.save_table(by_seg, f"{study}_segments",
                  caption=f"{study}: outcomes by segment, {conf_level:.0%} CI")
    cx.save_table(tests, f"{study}_segment_tests", ci=None,
                  caption=f"{study}: group comparisons, Holm-adjusted p-values")
elif not segs:
    print("No segments: the codebook has no single-choice item with 2-12 levels "
          "(or name them under meta.analysis.segments).")
else:
    print("No outcome to compare segments on: the codebook has no index and no ordinal item.")
