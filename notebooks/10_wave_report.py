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

from IPython.display import display

import cxresearch as cx
from cxresearch import notebook as nb

nb.setup()

w = nb.default_wave(study, wave)
inst = w.instrument
names = nb.labels(w)  # labels in the codebook's words
design_cols = nb.used_design_columns(w)
nb.say("**{title}**", title=inst.meta.get("title", study))
nb.say(nb.describe_wave(w))  # already escaped Markdown
nb.say("Design: {cols} ({kind} intervals, {level:.0%}).",
       cols=", ".join(f"{k} = {v}" for k, v in design_cols.items()) or "none declared",
       kind="design-based" if design_cols else "simple random sample", level=conf_level)

# %% [markdown]
# ## Every item

# %%
items, not_computed = nb.item_estimates(w, conf_level=conf_level)
if len(items):
    cx.save_table(items, f"{study}_items", waves=[w],
                  caption=f"{study}: every item, {conf_level:.0%} CI")
    display(cx.show_table(items.assign(level=items["level"].fillna("")),
                          {"item": "Item", "level": "Answer", "estimate": "Estimate",
                           "ci_low": f"{conf_level:.0%} CI", "n": "n"}, suppress_below=None,
                          codebook=w))
if len(not_computed):
    nb.say("**Not computed** (with the reason):")
    display(cx.show_table(not_computed,
                          {"item": "Item", "type": "Type", "reason": "Reason"}, footnote=(),
                          suppress_below=None, codebook=w))

# %% [markdown]
# ## Indices and their reliability
#
# An index is the mean of its items for respondents who answered all of them; its interval is
# design-based. Reliability: Cronbach's alpha with its interval and McDonald's omega.

# %%
indices = nb.index_estimates(w, conf_level=conf_level)
if len(indices):
    cx.save_table(indices, f"{study}_indices", waves=[w],
                  caption=f"{study}: index scores (mean of items), {conf_level:.0%} CI")
    scales = {(inst.items[i].scale_min, inst.items[i].scale_max)
              for members in inst.indices.values() for i in members
              if getattr(inst.items[i], "scale_min", None) is not None}
    span = (min(s[0] for s in scales), max(s[1] for s in scales)) if scales else None
    fig = cx.estimate_bars(indices, label="index", kind="point", xlim=span, synthetic=w.synthetic,
                           xlabel=f"mean of the index's items, {conf_level:.0%} CI"
                           + (f" (scale {span[0]:g}–{span[1]:g})" if span else ""))
    cx.save_figure(fig, f"{study}_indices", data=indices, waves=[w])
    display(fig)
    display(cx.show_table(indices, {"index": "Index", "estimate": "Mean",
                                    "ci_low": f"{conf_level:.0%} CI", "n": "n",
                                    "items": "Items"}, suppress_below=None))
    rel = nb.index_reliability(w)  # what was warned is in rel.attrs["notes"]
    if len(rel):
        cx.save_table(rel, f"{study}_reliability", waves=[w],
                      caption=f"{study}: Cronbach's alpha and omega of each index")
        display(cx.show_table(rel, {"index": "Index", "measure": "Measure",
                                    "estimate": "Estimate", "ci_low": f"{conf_level:.0%} CI",
                                    "k": "Items", "n": "n"}, suppress_below=None))
    for note in rel.attrs.get("notes", []):
        nb.say(note)
else:
    nb.say("The codebook declares no indices (list them under `indices:` to get scores).")

# %% [markdown]
# ## NPS of the recommend items

# %%
nps, nps_notes = nb.nps_estimates(w, conf_level=conf_level)
if len(nps):
    cx.save_table(nps, f"{study}_nps", waves=[w], caption=f"{study}: Net Promoter Score")
    display(cx.show_table(nps,
                          {"item": "Item", "estimate": "NPS", "ci_low": f"{conf_level:.0%} CI",
                           "n": "n"}, estimate_decimals=1, suppress_below=None, codebook=w))
for note in nps_notes:
    nb.say("{note}", note=note)
if not len(nps) and not nps_notes:
    nb.say("No item is a 0–10 recommend question or declares NPS cut-offs.")

# %% [markdown]
# ## Segments

# %%
segs = nb.segments(inst)
if [s for s in segs if s not in w.data]:  # never dropped silently (#23)
    raise ValueError(f"meta.analysis.segments of {study}: "
                     f"{[s for s in segs if s not in w.data]} are not items of this wave")
outcomes = list(indices["index"]) if len(indices) else [
    i.id for i in inst if i.type in nb.ORDINAL][:10]
if segs and outcomes:
    by_seg, tests = nb.segment_comparisons(w, outcomes, segs, conf_level=conf_level)
    cx.save_table(by_seg, f"{study}_segments", waves=[w],
                  caption=f"{study}: outcomes by segment, {conf_level:.0%} CI")
    cx.save_table(tests, f"{study}_segment_tests", ci=None, waves=[w],
                  caption=f"{study}: group comparisons, Holm-adjusted p-values")
    display(cx.show_table(by_seg, codebook=w, suppress_below=None))
    display(cx.show_table(tests, suppress_below=None))
elif not segs:
    nb.say("No segments: the codebook has no single-choice item with 2–12 levels "
           "(or name them under `meta.analysis.segments`).")
else:
    nb.say("No outcome to compare segments on: the codebook has no index and no ordinal "
           "item.")
