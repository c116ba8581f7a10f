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
# # 12 · Tracking across waves
#
# The study's headline measures first — its outcome and, where the codebook declares them,
# the Net Promoter Score of its recommend questions and the top-box share of a rating
# outcome — in each observed wave, with the change from the previous and from the first wave
# (Holm-adjusted), the linear trend and a test of any difference; then every other index or
# rating. The waves are independent samples, each with its own design; tests are design-based
# when the study declares weights, strata or clusters. With segments in the codebook, each
# wave is also adjusted to the pooled mix of respondents, to show how much of a change is
# composition.
#
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
from IPython.display import Markdown, display

import cxresearch as cx
from cxresearch import notebook as nb

wr, story, Labeller = nb.wavereport, nb, nb.Labeller  # report helpers, narration
tr = nb.trackreport  # the tracking report's helpers

cx.theme(set_global=True)

labels = wr.wave_labels(study)
if len(labels) < 2:
    raise ValueError(f"{study} has {len(labels)} observed wave(s); tracking needs two")
waves = [wr.load_for_report(study, x) for x in labels]  # large waves stay in DuckDB
inst = waves[-1].instrument
names = Labeller(waves[-1], lang=wr.report_language(inst))
title = inst.meta.get("title", study)
plan = tr.tracking_plan(inst)
story.say("Waves of {title}: {labels}.", title=title, labels=", ".join(labels))

# %% [markdown]
# ## Headline measures

# %%
notes = wr.Notes(names)
kpis = tr.track_many(waves, [p for p in plan if p["kpi"]], conf_level=conf_level, notes=notes)
if len(kpis):
    shown = tr.labelled_tracking(kpis, names)
    cx.save_table(shown, f"{study}_tracking_kpis", waves=waves,
                  caption=f"{title}: headline measures across waves")
    fig = cx.tracking_chart(kpis, labels=tr.tracking_labels(kpis, names))
    cx.save_figure(fig, f"{study}_tracking_kpis", data=shown, waves=waves)
    display(fig)
    display(cx.show_table(shown[shown["term"] == "wave"],
                          {"item": "Measure", "wave": "Wave", "estimate": "Estimate",
                           "ci_low": f"{conf_level:.0%} CI", "n": "n",
                           "n_eff": "Effective n"}, footnote=(), suppress_below=None))
    display(cx.show_table(tr.labelled_tracking(tr.changes(kpis), names),
                          {"item": "Measure", "term": "Comparison", "from_wave": "From",
                           "wave": "To", "estimate": "Change",
                           "ci_low": f"{conf_level:.0%} CI", "p_value": "p",
                           "p_adjusted": "p (Holm)"}, footnote=(), suppress_below=None))
    story.say("{m}", m=tr.tracking_method_note(kpis))
else:
    story.say("The codebook names no outcome and no recommend question: the measures below "
              "are tracked without a headline.")
if len(notes):
    display(Markdown(notes.footnote()))

# %% [markdown]
# ## Every other measure

# %%
notes = wr.Notes(names)
rest = tr.track_many(waves, [p for p in plan if not p["kpi"]], conf_level=conf_level,
                     notes=notes)
if len(rest):
    shown = tr.labelled_tracking(rest, names)
    cx.save_table(shown, f"{study}_tracking", waves=waves,
                  caption=f"{title}: tracking across waves")
    fig = cx.tracking_chart(rest, labels=tr.tracking_labels(rest, names))
    cx.save_figure(fig, f"{study}_tracking", data=shown, waves=waves)
    display(fig)
    display(cx.show_table(tr.labelled_tracking(tr.changes(rest), names),
                          {"item": "Measure", "term": "Comparison", "from_wave": "From",
                           "wave": "To", "estimate": "Change",
                           "ci_low": f"{conf_level:.0%} CI", "p_value": "p",
                           "p_adjusted": "p (Holm)"}, footnote=(), suppress_below=None))
elif not kpis.shape[0]:
    story.say("Nothing to track: the codebook has no index, rating or numeric item with a "
              "scale.")
if len(notes):
    display(Markdown(notes.footnote()))

# %% [markdown]
# ## Is a change just a different mix of respondents?
#
# Each wave raked to the pooled sample's shares on the segment items, next to the unadjusted
# estimates.

# %%
notes = wr.Notes(names)
segs = wr.segments(inst)
absent = {s: [w.label for w in waves if s not in w.columns] for s in segs}
absent = {s: x for s, x in absent.items() if x}
if absent and (inst.meta.get("analysis") or {}).get("segments"):  # named: never dropped (#23)
    raise ValueError(f"meta.analysis.segments of {study}: not in every wave: {absent}")
for s, x in absent.items():
    notes.add(f"{names.item(s)} is not adjusted for: absent from wave(s) {', '.join(x)}")
segs = [s for s in segs if s not in absent]
if len(segs) > 2:
    notes.add(f"Adjusted for the first two segments ({', '.join(names.item(s) for s in segs[:2])})"
              f", not for {', '.join(names.item(s) for s in segs[2:])}")
segs = segs[:2]
measured = [p for p in plan if p["kpi"]] or plan[:3]
if any(wr.is_engine(w) for w in waves):
    story.say("The waves are read in the data engine (too large for memory): composition "
              "adjustment, which rakes each wave inside the tracking model, is computed only "
              "for waves read into memory, so it is not shown.")
elif segs and measured:
    adj = tr.track_many(waves, measured, conf_level=conf_level, notes=notes, adjust=segs)
    if len(adj):
        shown = tr.labelled_tracking(adj, names)
        cx.save_table(shown, f"{study}_tracking_adjusted", waves=waves,
                      caption=f"{title}: tracking, adjusted to the pooled mix on "
                              + ", ".join(names.item(s) for s in segs))
        display(cx.show_table(shown[shown["term"] == "wave"],
                              {"item": "Measure", "wave": "Wave", "weighting": "Weighting",
                               "estimate": "Estimate", "ci_low": f"{conf_level:.0%} CI"},
                              footnote=(), suppress_below=None))
else:
    story.say("No segment items in every wave: no composition adjustment.")
if len(notes):
    display(Markdown(notes.footnote()))
