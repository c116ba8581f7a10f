# ---
# jupyter:
#   cxresearch:
#     reconstruct:
#     - gscx_trends@2023
#     - gscx_trends@2024
#     studies:
#     - gscx_trends
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
# # 05 · Global State of CX: trends and investment priorities, 2023 and 2024
#
# **Data.** *Published*: multi-select "top 3" shares for 2023 and 2024. *Reconstructed*: respondents
# choosing at most three options each, consistent with those shares (synthetic). *Observed*: only
# when `wave` names an ingested wave.
#
# Multi-select shares do not sum to 100%: each is the share of respondents choosing the option, and
# a respondent counts in up to three of them.

# %% tags=["parameters"]
study = "gscx_trends"
wave = None
seed = 0
quick = False

# %%
import pandas as pd
from IPython.display import display

import cxresearch as cx
from cxresearch import notebook as nb

nb.setup()

# %%
ledger = cx.published(study)
trend = ledger[ledger["metric"] == "trend_share"]
trend.pivot_table(index="group", columns="wave", values="value", observed=True)

# %% [markdown]
# ## Shares by year from the respondent-level data
#
# Each option of a multi-select question is its own yes/no variable: the share choosing it, with
# its interval. A respondent names at most three options, so the shares add up to at most 300%.

# %%
older = nb.reconstruction(study, seed=seed, year=2023)
newer = (nb.analysis_wave(study, wave, seed=seed) if wave is not None
         else nb.reconstruction(study, seed=seed, year=2024))
nb.say(f"2023: {nb.describe_wave(older)}  \n2024: {nb.describe_wave(newer)}")
questions = [i for i in ("top_trends", "investment_priorities") if i in newer.instrument.items]
for w in (older, newer):
    for q in questions:
        chosen = w.data.filter(like=f"{q}__").astype("Float64").sum(axis=1)
        nb.say("{label}, {q}: options chosen per respondent {lo}–{hi}, mean {m:.2f}.",
               label=w.label, q=q, lo=int(chosen.min()), hi=int(chosen.max()),
               m=chosen.mean())

# %% [markdown]
# ## Changes between 2023 and 2024, with intervals and adjusted tests

# %%
cmp = nb.compare_waves(older, newer, items=questions)
synthetic = older.synthetic or newer.synthetic
shares = cmp.estimates
cx.save_table(shares, "gscx_shares", waves=[older, newer], synthetic=synthetic)
cx.save_table(cmp.differences, "gscx_changes", waves=[older, newer], synthetic=synthetic)
cx.save_table(cmp.tests, "gscx_change_tests", waves=[older, newer], synthetic=synthetic)
years_published = trend.groupby("group", observed=True)["wave"].nunique()
both_years = [f"top_trends__{g}" for g in years_published[years_published >= 2].index]
anchored = cmp.tests[cmp.tests["name"].isin(both_years)]
nb.say(
    f"{len(cmp.tests)} options were offered in both years (per the codebook); "
    f"{int(cmp.tests['reject'].sum())} changed after Holm's adjustment. Only "
    f"{len(anchored)} of them have a published share in both years "
    f"({', '.join(anchored['name'])}): "
    + "; ".join(f"{r.name} {'changed' if r.reject else 'no significant change'} "
             f"(adjusted p = {r.p_adjusted:.3g})" for r in anchored.itertuples())
    + ". The other changes follow from the reconstruction's assumptions for shares the report "
    "does not publish, and are shown as an illustration of the method, not as findings."
)
names = nb.labels(newer)  # labels in the codebook's words
cx.show_table(cmp.tests.assign(name=[names.item(i) for i in cmp.tests["name"]],
                               reject=cmp.tests["reject"].map({True: "yes", False: "no"})),
              {"name": "Option", "p_value": "p", "p_adjusted": "p (Holm)",
               "reject": "Changed"}, suppress_below=None)

# %%
held = cmp.tests.rename(columns={"name": "item", "reject": "significant"})
for q in questions:
    part = shares[shares["item"].str.startswith(f"{q}__")]
    fig = cx.wave_comparison(part, item="item", wave="wave", synthetic=synthetic, percent=True,
                             codebook=newer,
                             changes=held[["item", "significant"]],
                             note="* change significant after Holm's adjustment")
    cx.save_figure(fig, f"gscx_changes_{q}", data=part, waves=[older, newer],
                   synthetic=synthetic)
    display(fig)
cx.show_table(cmp.differences.assign(
    **{c: [names.item(i) for i in cmp.differences[c]] for c in ("item", "name")
       if c in cmp.differences.columns}), suppress_below=None,
    formats={"estimate": "prop", "ci_low": "prop", "ci_high": "prop", "se": "prop"})

# %% [markdown]
# ## Published shares against the reconstructions

# %%
fits = pd.concat([cx.fit_report(w).assign(wave=w.label) for w in (older, newer)
                  if w.label.endswith("-reconstructed")], ignore_index=True)
cx.show_table(fits[fits["id"].isin(trend["id"])], suppress_below=None)
