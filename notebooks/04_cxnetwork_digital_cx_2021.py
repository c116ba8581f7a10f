# ---
# jupyter:
#   cxresearch:
#     reconstruct:
#     - cxn_dcx
#     studies:
#     - cxn_dcx
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
# # 04 · CX Network, Digital Customer Experience 2021
#
# **Data.** *Published*: single shares (governance, fragmented data, unified view, personalisation,
# proactive CX, …). *Reconstructed*: answers consistent with them (synthetic), used only to show the
# same estimates from respondent-level data. *Observed*: only when `wave` names an ingested wave.

# %% tags=["parameters"]
study = "cxn_dcx"
wave = None
seed = 0
quick = False

# %%
import pandas as pd

import cxresearch as cx
from cxresearch import notebook as nb

nb.setup()

# %%
ledger = cx.published(study)
shares = ledger[(ledger["unit"] == "percent") & (ledger["group"] == "all")].reset_index(drop=True)
sizes = sorted(ledger.loc[ledger["metric"] == "respondents", "value"].astype(int).unique())
nb.say(
    f"{len(shares)} published shares of all respondents. The report states "
    f"{' and '.join(str(n) for n in sizes)} respondents in different places; every interval "
    "below is given at each of them (at the smaller n it is wider)."
)

# %% [markdown]
# ## Every share with its 95% interval at the report's n

# %%
tables = []
for n in sizes:
    x = (shares["value"].astype(float) / 100 * n).round().astype(int).to_numpy()
    ci = cx.proportion_ci(x, n, method="wilson")
    tables.append(pd.concat([shares[["id", "metric", "value", "bound"]],
                             ci[["estimate", "ci_low", "ci_high", "n"]]], axis=1))
table = pd.concat(tables, ignore_index=True)
cx.save_table(table, "cxn_shares_intervals")
widest = table.assign(width=table["ci_high"] - table["ci_low"]).sort_values("width").iloc[-1]
nb.say(f"The widest interval is ±{50 * widest['width']:.1f} points "
       f"({widest['metric']} at n = {widest['n']}).")
cx.show_table(table.assign(metric=table["metric"].map(nb.pretty)),
              {"metric": "Published share", "value": "Published (%)", "n": "n",
               "ci_low": "95% CI (%)"},
              formats={"value": 0, "ci_low": "prop", "ci_high": "prop"}, suppress_below=None)

# %%
at_n = table[table["n"] == sizes[0]]
fig = cx.estimate_bars(at_n, label="metric", percent=True, xlim=(0, 100),
                       source=f"CX Network (2021); 95% Wilson intervals at n = {sizes[0]}")
cx.save_figure(fig, "cxn_shares", data=at_n)
fig

# %% [markdown]
# ## What the complementary figures imply

# %%
checks = cx.check_consistency(study)
cx.save_table(checks, "cxn_consistency")
for r in checks[checks["verdict"] != "consistent"].itertuples():
    nb.say("- **{v}** ({k}): {x}", v=r.verdict, k=r.kind, x=r.explanation)
cx.show_table(checks[["check_id", "kind", "verdict", "explanation"]],
              {"check_id": "Check", "kind": "Kind", "verdict": "Verdict",
               "explanation": "Explanation"}, suppress_below=None)

# %% [markdown]
# ## The same shares from respondent-level data

# %%
w = nb.analysis_wave(study, wave, seed=seed)
nb.say(nb.describe_wave(w))
single = [i for i, it in w.instrument.items.items() if it.type == "single" and i in w.data]
asked = [i for i in single if w.data[i].notna().any()]
if len(asked) < len(single):
    nb.say("Not answered in this wave: {items}.", items=", ".join(sorted(set(single) - set(asked))))
props = pd.concat([cx.proportion(w, i) for i in asked], ignore_index=True)
cx.save_table(props, "cxn_wave_shares", synthetic=w.synthetic)
names = nb.labels(w)  # labels in the codebook's words
cx.show_table(props.assign(item=[names.item(i) for i in props["item"]],
                           level=[names.level(i, v) for i, v in
                                  zip(props["item"], props["level"], strict=True)]),
              {"item": "Question", "level": "Answer", "estimate": "Share (%)",
               "ci_low": "95% CI", "n": "n"},
              formats={"estimate": "prop", "ci_low": "prop", "ci_high": "prop"})
