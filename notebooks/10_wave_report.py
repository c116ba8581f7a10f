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
# # 10 · Wave report
#
# Every item and index of the study with its estimate and 95% interval, the reliability of
# each multi-item index, the Net Promoter Score of the questions the codebook declares
# recommend questions, and the segments compared with a test that takes the survey design
# into account. Intervals and tests are design-based whenever the study has weights, strata
# or clusters; for a simple random sample the classical tests are used, and the report says so.
#
# **Data.** *Observed*: the study's own waves (ingested exports), or an example export.
# *Published*: none. *Reconstructed*: only when a reconstructed wave is passed as `wave`, and then
# labelled synthetic in every table.
#
# %% tags=["parameters"]
study = "ecsi_mobi"
wave = None  # None: the newest observed wave of the study
source = None  # or a Parquet file, glob or folder (rows stay in DuckDB): cx.open_wave
conf_level = 0.95
quick = False  # unused: the templates are fast

# %%
from IPython.display import Markdown, display

import cxresearch as cx
from cxresearch import notebook as nb

wr, story, Labeller = nb.wavereport, nb, nb.Labeller  # report helpers, narration

cx.theme(set_global=True)
cx.warnings_as_notes()  # what an estimator warns is in its result's .notes, shown below

w = wr.default_wave(study, wave, source)
inst = w.instrument
names = Labeller(w, lang=wr.report_language(w.instrument))  # the codebook's words
design_cols = wr.used_design_columns(w)
story.say("**{title}**", title=inst.meta.get("title", study))
story.say(story.describe_wave(w))  # already escaped Markdown
story.say("Design: {cols} ({kind}; {level:.0%} intervals).",
          cols=", ".join(f"{k} = {v}" for k, v in design_cols.items()) or "none declared",
          kind="design-based intervals and tests" if design_cols
          else "a simple random sample: classical tests", level=conf_level)
story.say(wr.method_note(w, conf_level))

# %% [markdown]
# ## Every item

# %%
notes = wr.Notes(names)
items, not_computed = notes.collect(wr.item_estimates, w, conf_level=conf_level)
if len(items):
    cx.save_table(wr.labelled(items, names), f"{study}_items", waves=[w],
                  caption=f"{inst.meta.get('title', study)}: every item, {conf_level:.0%} CI")
    display(cx.show_table(wr.labelled(items, names),
                          {"item": "Item", "level": "Answer", "estimate": "Estimate",
                           "ci_low": f"{conf_level:.0%} CI", "n": "n",
                           "n_eff": "Effective n"}, footnote=(), suppress_below=None))
for _, r in not_computed.iterrows():
    notes.add(f"{names.item(r['item'])}: not estimated ({r['reason']})")
if len(notes):
    display(Markdown(notes.footnote()))

# %% [markdown]
# ## Indices and their reliability
#
# An index is the mean of its items for respondents who answered all of them; its interval is
# design-based. Reliability: Cronbach's alpha with its interval and McDonald's omega.

# %%
notes = wr.Notes(names)
indices = notes.collect(wr.index_estimates, w, conf_level=conf_level)
if len(indices):
    shown = wr.labelled(indices, names, item="index")
    cx.save_table(shown, f"{study}_indices", waves=[w],
                  caption=f"{inst.meta.get('title', study)}: index scores (mean of items), "
                          f"{conf_level:.0%} CI")
    span = wr.index_span(inst)
    fig = cx.estimate_bars(shown, label="index", kind="point", xlim=span, synthetic=w.synthetic,
                           xlabel=f"mean of the index's items, {conf_level:.0%} CI"
                           + (f" (scale {span[0]:g}–{span[1]:g})" if span else ""))
    cx.save_figure(fig, f"{study}_indices", data=shown, waves=[w])
    display(fig)
    display(cx.show_table(shown, {"index": "Index", "estimate": "Mean",
                                  "ci_low": f"{conf_level:.0%} CI", "n": "n",
                                  "n_eff": "Effective n", "items": "Items"}, footnote=(),
                          suppress_below=None))
    rel = wr.index_reliability(w, notes=notes, names=names)
    if len(rel):
        rel = wr.labelled(rel, names, item="index")
        cx.save_table(rel, f"{study}_reliability", waves=[w],
                      caption=f"{inst.meta.get('title', study)}: Cronbach's alpha and omega "
                              "of each index")
        display(cx.show_table(rel, {"index": "Index", "measure": "Measure",
                                    "estimate": "Estimate", "ci_low": f"{conf_level:.0%} CI",
                                    "k": "Items", "n": "n"}, footnote=(), suppress_below=None))
else:
    story.say("The codebook declares no indices.")
if len(notes):
    display(Markdown(notes.footnote()))

# %% [markdown]
# ## Net Promoter Score
#
# Only for the questions the codebook declares recommend questions (the 0–10 question, or an
# item with its own promoter and detractor cut-offs); other ratings are means above.

# %%
notes = wr.Notes(names)
nps, nps_notes = notes.collect(wr.nps_estimates, w, conf_level=conf_level)
notes.extend(nps_notes)
if len(nps):
    shown = wr.labelled(nps, names)
    cx.save_table(shown, f"{study}_nps", waves=[w],
                  caption=f"{inst.meta.get('title', study)}: Net Promoter Score")
    display(cx.show_table(shown, {"item": "Question", "estimate": "NPS",
                                  "ci_low": f"{conf_level:.0%} CI", "n": "n",
                                  "n_eff": "Effective n"}, estimate_decimals=1, footnote=(),
                          suppress_below=None))
    story.say("NPS = % promoters − % detractors (−100 to 100); the cut-offs: {c}.",
              c="; ".join(f"{names.item(i)}: {c}" for i, c in wr.nps_cutoff_text(w, nps)))
elif not nps_notes:
    story.say("The codebook declares no recommend question, so no NPS is shown.")
if len(notes):
    display(Markdown(notes.footnote()))

# %% [markdown]
# ## Segments

# %%
notes = wr.Notes(names)
segs = wr.segments(inst)
if [s for s in segs if s not in w.columns]:  # never dropped silently (#23)
    raise ValueError(f"meta.analysis.segments of {study}: "
                     f"{[s for s in segs if s not in w.columns]} are not items of this wave")
outcomes = wr.segment_outcomes(inst)
if segs and outcomes:
    by_seg, tests = wr.segment_comparisons(w, outcomes, segs, conf_level=conf_level,
                                           notes=notes, names=names)
    if len(by_seg):
        by_seg = wr.labelled_segments(by_seg, names)
        cx.save_table(by_seg, f"{study}_segments", waves=[w],
                      caption=f"{inst.meta.get('title', study)}: outcomes by segment, "
                              f"{conf_level:.0%} CI")
        display(cx.show_table(by_seg, {"outcome": "Outcome", "segment": "Segment",
                                       "level": "Group", "estimate": "Mean",
                                       "ci_low": f"{conf_level:.0%} CI", "n": "n",
                                       "n_eff": "Effective n"}, footnote=(),
                              suppress_below=None))
    if len(tests):
        tests = wr.labelled_segments(tests, names)
        cx.save_table(tests, f"{study}_segment_tests", ci=None, waves=[w],
                      caption=f"{inst.meta.get('title', study)}: do the segments differ? "
                              "(Holm-adjusted p-values)")
        display(cx.show_table(tests, {"outcome": "Outcome", "segment": "Segment",
                                      "test": "Test", "statistic": "F", "df1": "df1",
                                      "df2": "df2", "p_value": "p", "p_adjusted": "p (Holm)"},
                              footnote=(), suppress_below=None))
        story.say("{m}", m=wr.test_note(tests))
elif not segs:
    story.say("No segments: the codebook has no single-choice item with 2–12 levels.")
else:
    story.say("No outcome to compare segments on: the codebook has no index and no rating.")
if len(notes):
    display(Markdown(notes.footnote()))
