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
# interval, the change from the previous and from the first wave (t tests on the design's
# degrees of freedom, Holm-adjusted), the linear trend and a test of any difference — the waves
# stacked as independent samples (`cx.track`). With segments in the codebook, the same by
# segment; adjusted to the pooled mix of respondents on the segments, to show how much of a
# change is composition. Declares `studies: ['*']`, `template: true` and `requires: ['waves>=2']`.

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
import pandas as pd
from IPython.display import display

import cxresearch as cx
from cxresearch import notebook as nb

nb.setup()

labels = nb.wave_labels(study)
if len(labels) < 2:
    raise ValueError(f"{study} has {len(labels)} observed wave(s); tracking needs two")
waves = [cx.load_wave(study, x) for x in labels]
inst = waves[-1].instrument
names = nb.labels(waves[-1])
measures = list(inst.indices) or [i.id for i in inst if i.type in nb.ORDINAL]
nb.say("Waves of {study}: {labels}.", study=study, labels=", ".join(labels))

# %%
tables, skipped = [], []
for m in measures:
    try:
        tables.append(cx.track(waves, m, conf_level=conf_level))
    except (ValueError, TypeError, KeyError) as exc:
        skipped.append(f"{m}: {exc}")
trend = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
for s in skipped:
    nb.say("Not tracked — {s}", s=s)
if len(trend):
    cx.save_table(trend, f"{study}_tracking", waves=waves,
                  caption=f"{study}: tracking across waves")
    fig = cx.tracking_chart(trend)
    cx.save_figure(fig, f"{study}_tracking", data=trend, waves=waves)
    display(fig)
    changes = trend[trend["term"] == "change"]
    display(cx.show_table(changes.assign(item=[names.item(i) for i in changes["item"]]),
                          {"item": "Measure", "comparison": "Against", "from_wave": "From",
                           "wave": "To", "estimate": "Change",
                           "ci_low": f"{conf_level:.0%} CI", "p_adjusted": "p (Holm)"},
                          suppress_below=None))
    slopes = trend[trend["term"] == "trend"]
    display(cx.show_table(slopes.assign(item=[names.item(i) for i in slopes["item"]]),
                          {"item": "Measure", "estimate": "Trend per wave",
                           "ci_low": f"{conf_level:.0%} CI", "p_value": "p"},
                          suppress_below=None))

# %% [markdown]
# ## Is a change just a different mix of respondents?
#
# Each wave raked to the pooled sample's shares on the segment items (`adjust=`), next to the
# unadjusted estimates.

# %%
segs = nb.segments(inst)
absent = {s: [w.label for w in waves if s not in w.data] for s in segs}
absent = {s: x for s, x in absent.items() if x}
if absent and (inst.meta.get("analysis") or {}).get("segments"):  # named: never dropped (#23)
    raise ValueError(f"meta.analysis.segments of {study}: not in every wave: {absent}")
for s, x in absent.items():
    nb.say("Segment {s} is not adjusted for: absent from wave(s) {x}.", s=s, x=", ".join(x))
segs = [s for s in segs if s not in absent]
if len(segs) > 2:
    nb.say("Adjusted for the first two segments: {a}; not for {b}.", a=", ".join(segs[:2]),
              b=", ".join(segs[2:]))
segs = segs[:2]
if segs and measures:
    adj = []
    for m in measures:
        try:
            adj.append(cx.track(waves, m, adjust=segs, conf_level=conf_level))
        except (ValueError, TypeError, KeyError) as exc:
            nb.say("{m}: no adjusted estimate ({e})", m=m, e=exc)
    if adj:
        adj = pd.concat(adj, ignore_index=True)
        cx.save_table(adj, f"{study}_tracking_adjusted", waves=waves,
                      caption=f"{study}: tracking, adjusted to the pooled mix on {segs}")
        per_wave = adj[adj["term"] == "wave"]
        display(cx.show_table(per_wave.assign(item=[names.item(i) for i in per_wave["item"]]),
                              {"item": "Measure", "wave": "Wave", "weighting": "Weighting",
                               "estimate": "Estimate", "ci_low": f"{conf_level:.0%} CI"},
                              suppress_below=None))
else:
    nb.say("No segment items in every wave: no composition adjustment.")
