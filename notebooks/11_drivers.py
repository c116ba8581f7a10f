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
# # 11 · Key drivers
#
# Which of the drivers the study names matter most for its outcome: each driver's Shapley
# value (LMG) — its average contribution to R² over every order in which the drivers can
# enter a linear model of the outcome, exact over all subsets and weighted by the design —
# with bootstrap intervals that resample the design's clusters within strata (Rao–Wu
# rescaling), the differences between drivers that the bootstrap supports, and an
# importance–performance chart.
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
quick = False  # True: 100 bootstrap replicates instead of 500

# %%
from IPython.display import Markdown, display

import cxresearch as cx
from cxresearch import notebook as nb

wr, story, Labeller = nb.wavereport, nb, nb.Labeller  # report helpers, narration

cx.theme(set_global=True)

w = wr.default_wave(study, wave, source)
names = Labeller(w, lang=wr.report_language(w.instrument))  # the codebook's words
spec = wr.analysis_spec(w.instrument)
design, _ = wr.index_design(w)
outcome, drivers = spec["outcome"], list(spec["drivers"])
unusable = [d for d in drivers if d not in wr.row_columns(design)]  # never dropped (#23)
inside = [d for d in drivers if outcome in w.instrument.indices.get(d, [])]
if unusable or inside or len(drivers) < 2:
    raise ValueError(f"meta.analysis of {study}: " + "; ".join(
        ([f"drivers {unusable} are not items or indices of this wave"] if unusable else [])
        + ([f"the outcome {outcome!r} is inside driver index(es) {inside}"] if inside else [])
        + ([f"drivers needs at least two, got {drivers}"] if len(drivers) < 2 else []))
        + "; fix it and run `cxresearch codebook check`")
if outcome is None or outcome not in wr.row_columns(design):
    raise ValueError(f"meta.analysis.outcome {outcome!r} is not an item or index of {study}")
title = w.instrument.meta.get("title", study)
story.say(story.describe_wave(w))
story.say("Outcome: **{o}**; drivers: {d}.", o=names.item(outcome),
          d=", ".join(names.item(x) for x in drivers))

# %%
notes = wr.Notes(names)
kd = notes.collect(cx.key_drivers, design, outcome, drivers, B=100 if quick else 500, seed=1,
                   codebook=w.instrument)
ranked = wr.drivers_ranked(kd, names)
cx.save_table(ranked, f"{study}_key_drivers", waves=[w],
              caption=f"{title}: key drivers of {names.item(outcome)} (Shapley/LMG share of R²)")
story.say("R² of the full model of {o}: {r2:.3f} (n = {n}).", o=names.item(outcome), r2=kd.r2,
          n=kd.n)
display(cx.show_table(ranked, {"driver": "Driver", "importance": "Importance (R²)",
                               "ci_low": f"{conf_level:.0%} CI", "share": "Share of R²",
                               "rank": "Rank", "pomp": "Performance (0–100)"},
                      suppress_below=None))
try:
    fig = cx.importance_performance(kd, labels={d: names.item(d) for d in drivers},
                                    title=f"Key drivers of {names.item(outcome)}")
except ValueError as exc:
    notes.add(f"No importance–performance chart: {exc}")
else:
    cx.save_figure(fig, f"{study}_importance_performance", data=fig.cx_data.assign(
        driver=lambda t: t["label"]), waves=[w])
    display(fig)
    notes.add(wr.pomp_note(w, drivers, names))
if len(notes):
    display(Markdown(notes.footnote()))

# %% [markdown]
# ## Which differences between drivers are real?
#
# The bootstrap gives each pair of drivers an interval for the difference of their importances;
# the pairs whose interval excludes zero are listed (no adjustment for the number of pairs).

# %%
notes = wr.Notes(names)
diff = wr.labelled_differences(kd.differences, names)
alpha = 1 - conf_level
real = diff[diff["p_value"] < alpha] if "p_value" in diff else diff.iloc[0:0]
cx.save_table(diff, f"{study}_driver_differences", waves=[w],
              caption=f"{title}: differences between the drivers' importances for "
                      f"{names.item(outcome)}")
story.say("{k} of {m} pairs of drivers differ in importance at the {a:.0%} level{c}",
          k=len(real), m=len(diff), a=alpha, c=":" if len(real) else ".")
if len(real):
    display(cx.show_table(real, {"driver_a": "More important", "driver_b": "Than",
                                 "difference": "Difference (R²)",
                                 "ci_low": f"{conf_level:.0%} CI", "p_value": "p"},
                          footnote=(), suppress_below=None))
fig = cx.driver_heatmap(kd, labels={d: names.item(d) for d in [*drivers, outcome]},
                        title=f"Correlations of the drivers with {names.item(outcome)}")
cx.save_figure(fig, f"{study}_driver_correlations",
               data=wr.labelled_matrix(kd.correlations, names), waves=[w])
display(fig)
