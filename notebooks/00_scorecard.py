# ---
# jupyter:
#   cxresearch:
#     reconstruct:
#     - mopinion_dcxm
#     - mitto_cx
#     - cxn_dcx
#     - gscx_trends@2023
#     - gscx_trends@2024
#     studies:
#     - mopinion_dcxm
#     - mitto_cx
#     - cxn_dcx
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
# # 00 · Scorecard: every published figure, checked and reproduced
#
# **Data.** *Published*: the ledger of figures typed in from the four reports
# (`data/published/ledger.csv`, each row with its source passage). *Reconstructed*: one synthetic
# respondent-level wave per study, generated to be consistent with those figures (seed below).
# *Observed*: none in this notebook.
#
# A reconstruction that matches the figures it was fitted to shows that the figures *can* hold
# together — it does not show that the report is right. The consistency checks (do the published
# figures agree with each other?) and the claim checks (do the comparisons the reports draw follow
# from their own numbers at their sample sizes?) are what add knowledge.

# %% tags=["parameters"]
study = None  # one study id, or None for all four
seed = 0  # seed of the reconstructions
quick = False

# %%
from IPython.display import display

import cxresearch as cx
from cxresearch import notebook as nb

nb.setup()

# %%
card = nb.scorecard(study, seed=seed)
counts = card.counts()
rep, cons, claims = counts["reproduction"], counts["consistency"], counts["claims"]
nb.say(
    f"The ledger holds **{counts['ledger']['figures']}** published figures from "
    f"{len(card.studies)} stud{'y' if len(card.studies) == 1 else 'ies'} "
    f"({', '.join(card.studies)}). "
    f"Reproduction: {', '.join(f'{v} {k}' for k, v in rep.items())}. "
    f"Consistency checks: {', '.join(f'{v} {k}' for k, v in cons.items())}. "
    f"Claims: {', '.join(f'{v} {k}' for k, v in claims.items())}."
)

# %% [markdown]
# ## Published figures against their reproduction

# %%
reconstructable = card.reproduction[card.reproduction["status"] != "not reconstructable"]
fig = cx.published_vs_reproduced(reconstructable, synthetic=True)
cx.save_figure(fig, "scorecard_published_vs_reproduced", data=reconstructable, synthetic=True)
display(fig)
cx.save_table(card.reproduction, "scorecard_reproduction", synthetic=True)
cx.show_table(card.reproduction["status"].value_counts().rename_axis("status")
              .reset_index(name="figures"), {"status": "Reproduction", "figures": "Figures"},
              suppress_below=None)

# %%
missed = card.reproduction[card.reproduction["status"] == "not reproduced"]
nb.say(
    "Every reconstructable figure is reproduced at its reported precision."
    if missed.empty else
    f"**{len(missed)}** figure(s) are not reproduced by the reconstruction; the fit report "
    "says by how much (the published figures cannot all hold at once, or the model is too "
    "narrow):"
)
if len(missed):
    display(cx.show_table(missed, suppress_below=None))

# %% [markdown]
# ## Consistency of the published figures

# %%
cx.save_table(card.consistency, "scorecard_consistency")
cx.show_table(card.consistency.groupby(["study", "verdict"], observed=True).size()
              .unstack(fill_value=0).reset_index(), suppress_below=None)

# %%
flagged = card.consistency[card.consistency["verdict"] != "consistent"]
nb.say(f"{len(flagged)} check(s) are not plainly consistent:")
cx.show_table(flagged[[c for c in ("study", "check_id", "kind", "verdict", "explanation")
                       if c in flagged.columns]], suppress_below=None)

# %% [markdown]
# ## The reports' claims

# %%
cx.save_table(card.claims, "scorecard_claims")
cx.show_table(card.claims.groupby(["study", "verdict"], observed=True).size()
              .unstack(fill_value=0).reset_index(), suppress_below=None)

# %%
path = nb.write_scorecard(card)
nb.say("Scorecard written to {name} in the report folder.", name=path.name)
open_claims = card.claims[card.claims["verdict"] != "supported"]
cx.show_table(open_claims[[c for c in ("study", "claim", "verdict", "explanation")
                           if c in open_claims.columns]], suppress_below=None)
