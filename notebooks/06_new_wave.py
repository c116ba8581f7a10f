# ---
# jupyter:
#   cxresearch:
#     reconstruct:
#     - mitto_cx
#     studies:
#     - '*'
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
# # 06 · A new wave: ingest, analyse, compare with the previous wave
#
# **Data.** *Observed*: the wave named by `wave` (ingested from a researcher's export with
# `cxresearch ingest`; by default the example export shipped in `data/examples/<study>/`, made-up
# respondents). *Reconstructed*: the previous wave, when the study's only earlier data is its
# reconstruction (synthetic). *Published*: the report's figures, for reference.
#
# Run it on your own wave with
# `cxresearch ingest export.csv --instrument mitto_cx --wave 2024 && cxresearch reproduce --study mitto_cx --wave 2024`.

# %% tags=["parameters"]
study = "mitto_cx"
wave = "example"  # the new wave
previous = None  # None: the latest earlier wave of the study
seed = 0
quick = False

# %%
from IPython.display import display

import cxresearch as cx
from cxresearch import notebook as nb

nb.setup()

# %%
new = nb.analysis_wave(study, wave, seed=seed)
old = nb.baseline_wave(study, wave, previous, seed=seed)
nb.say(f"New: {nb.describe_wave(new)}  \nPrevious: "
       + (nb.describe_wave(old) if old is not None else
          "none — the study has no earlier wave and no published figures to reconstruct "
          "one from, so only the new wave's estimates are shown"))
print(f"rows read {new.manifest.get('rows_read')}, kept {new.manifest.get('rows_kept')}, "
      f"rejected {new.manifest.get('rows_rejected')}")

# %% [markdown]
# ## Every item in both waves, and the differences
#
# Numeric items: means; single-choice items: the share of each answer. Differences between the
# waves have 95% intervals (the waves are independent samples); each item gets one test (Wald for
# means, Rao–Scott chi-square of wave × answer for choices), and the tests are adjusted together
# (Holm).

# %%
cmp = nb.compare_waves(old, new)
both = [w for w in (old, new) if w is not None]
synthetic = any(w.synthetic for w in both)
cx.save_table(cmp.estimates, f"{study}_wave_estimates", waves=both, synthetic=synthetic)
cx.save_table(cmp.differences, f"{study}_wave_differences", waves=both, synthetic=synthetic)
cx.save_table(cmp.tests, f"{study}_wave_tests", waves=both, synthetic=synthetic)
changed = cmp.tests[cmp.tests["reject"].astype(bool)]
nb.say("{k} items compared; {c} differ between {a} and {b} after Holm's adjustment{which}.",
       k=len(cmp.tests), c=len(changed), a=old.label if old is not None else "-",
       b=new.label,
       which=(" (" + ", ".join(changed["name"][:8])
              + (f" and {len(changed) - 8} more" if len(changed) > 8 else "") + ")")
       if len(changed) else "")
names = nb.labels(new)  # labels in the codebook's words
cx.show_table(cmp.tests.assign(name=[names.item(i) for i in cmp.tests["name"]],
                               reject=cmp.tests["reject"].map({True: "yes", False: "no"})),
              {"name": "Item", "test": "Test", "p_value": "p", "p_adjusted": "p (Holm)",
               "reject": "Changed"}, suppress_below=None)

# %%
# means of items on different scales, as percent of each scale's maximum (POMP, 0-100)
means = nb.to_pomp(cmp.estimates[cmp.estimates["level"].isna()], new.instrument)
if len(means):
    held = cmp.tests.rename(columns={"name": "item"})[["item", "reject"]]
    fig = cx.wave_comparison(means, item="item", wave="wave", synthetic=synthetic,
                             codebook=new, xlim=(0, 100),
                             changes=held.rename(columns={"reject": "significant"}),
                             xlabel="mean, % of the scale's maximum (POMP)",
                             note="* change significant after Holm's adjustment")
    cx.save_figure(fig, f"{study}_wave_comparison", data=means, waves=both,
                   synthetic=synthetic)
    display(fig)
cx.show_table(cmp.differences.assign(
    **{c: [names.item(i) for i in cmp.differences[c]] for c in ("item", "name")
       if c in cmp.differences.columns}), suppress_below=None)

# %% [markdown]
# ## Tracking: every rating across the waves
#
# `cx.track` stacks the waves as independent samples (each wave a stratum, its own strata and
# PSUs nested in it): the estimate per wave with its 95% interval, the change from the previous
# wave (t test on the design's degrees of freedom, Holm across the changes shown) and the linear
# trend. With three or more observed waves of a study, the `12_tracking` template shows every
# measure, by segment and adjusted for the mix of respondents.

# %%
rated = [i for i, it in new.instrument.items.items()
         if it.type in ("likert", "rating", "numeric", "nps_0_10")
         and all(i in w_.data.columns for w_ in both)]
if len(both) > 1 and rated:
    trk = cx.track(both, rated)
    cx.save_table(trk, f"{study}_tracking", waves=both, synthetic=synthetic)
    fig = cx.tracking_chart(trk)
    cx.save_figure(fig, f"{study}_tracking", data=trk, waves=both, synthetic=synthetic)
    display(fig)
    moved = trk[(trk["term"] == "change") & (trk["comparison"] == "previous")
                & (trk["p_adjusted"] < 0.05)]
    nb.say("{k} of {m} ratings changed between the waves after Holm's adjustment{which}.",
           k=len(moved), m=len(rated),
           which=(" (" + ", ".join(names.item(i) for i in moved["item"]) + ")")
           if len(moved) else "")
else:
    nb.say("Only one wave: nothing to track yet.")
