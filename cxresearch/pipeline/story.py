"""Notebook support: which wave a notebook analyses, how it says so, and the scorecard.

The notebooks in ``notebooks/`` are thin: a ``parameters`` cell, narrative, and calls into
:mod:`cxresearch`. What more than one of them needs lives here:

- :func:`analysis_wave` — the wave a study notebook analyses: an observed wave when a ``wave``
  parameter names one (e.g. a new wave just ingested), otherwise the study's reconstruction
  (read from the run's data folder when the reproduce pipeline made it, generated otherwise);
- :func:`previous_wave` and :func:`compare_waves` — the wave a new wave is compared with, and
  the comparison (differences with intervals, tests adjusted together);
- :func:`describe_wave` and :func:`say` — narrative built from computed values only;
- :func:`scorecard` / :func:`write_scorecard` — every ledger figure against its reproduction,
  with the consistency and claim checks (``00_scorecard``, ``reports/<run>/scorecard.md``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cxresearch import paths

__all__ = [
    "Scorecard",
    "WaveComparison",
    "analysis_wave",
    "baseline_wave",
    "compare_waves",
    "describe_wave",
    "previous_wave",
    "reconstruction",
    "reconstructions",
    "say",
    "scorecard",
    "to_pomp",
    "write_scorecard",
]

RECONSTRUCTED = "-reconstructed"


def say(text: str) -> None:
    """Display Markdown in a notebook (print it elsewhere); use f-strings of computed values."""
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display

        if get_ipython() is not None:
            display(Markdown(text))
            return
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        pass
    print(text)


def _waves(study: str) -> pd.DataFrame:
    from cxresearch.waves.storage import list_waves

    return list_waves(study)


def reconstruction(study: str, seed: int = 0, **assumptions):
    """The study's reconstruction for ``seed`` (and default or given assumptions).

    Read from ``data/waves/<study>/<year>-reconstructed/`` when a stored one was made with the
    same seed and assumptions (the reproduce pipeline writes it into the run's data folder);
    generated with :func:`cxresearch.reconstruct` otherwise. Always synthetic.
    """
    from cxresearch.waves.storage import load_wave

    stored = _waves(study)
    for label in stored.loc[stored["wave"].str.endswith(RECONSTRUCTED), "wave"]:
        w = load_wave(study, label)
        same_seed = w.manifest.get("seed") == seed
        given = {k: v for k, v in (w.manifest.get("assumptions") or {}).items()
                 if k in assumptions}
        if same_seed and given == assumptions:
            return w
    import cxresearch as cx

    return cx.reconstruct(study, seed=seed, **assumptions)


def reconstructions(study: str, seed: int = 0) -> list:
    """Every reconstruction of a study: one per survey year when the codebook lists several
    (``meta.waves``, e.g. GSCX 2023 and 2024, passed as ``year=``), else one."""
    from cxresearch.codebooks.instrument import load_instrument

    years = (load_instrument(study).meta or {}).get("waves") or []
    if len(years) > 1:
        return [reconstruction(study, seed=seed, year=int(y) if str(y).isdigit() else y)
                for y in years]
    return [reconstruction(study, seed=seed)]


def analysis_wave(study: str, wave: str | None = None, seed: int = 0):
    """The wave a study notebook analyses: ``wave`` when given, else the reconstruction.

    An example wave (``example``, ``example-<file>``) that is not stored — a notebook opened
    in JupyterLab rather than run by ``make reproduce`` — is ingested from
    ``data/examples/<study>/`` in memory.
    """
    if wave is None or str(wave).endswith(RECONSTRUCTED):
        return reconstruction(study, seed=seed)
    from cxresearch.waves.storage import load_wave

    try:
        return load_wave(study, wave)
    except FileNotFoundError:
        from cxresearch.pipeline.run import example_exports

        found = [p for st, label, p in example_exports(study) if label == wave]
        if not found:
            raise
        import cxresearch as cx

        return cx.ingest(str(found[0]), study, wave, write=False)


def _year(label: str) -> int | None:
    m = re.match(r"^(\d{4})", label)
    return int(m.group(1)) if m else None


def previous_wave(study: str, wave: str) -> str | None:
    """The wave that ``wave`` is compared with: the latest other wave of the study.

    Waves are ordered by the year their label starts with (``2021-reconstructed`` < ``2024``);
    labels without a year (``example``) come after every dated one, so an example export is
    compared with the newest dated wave. Among waves of the same year an observed wave comes
    after its reconstruction. Returns None when the study has no other wave.
    """
    labels = [w for w in _waves(study)["wave"] if w != wave]

    def key(label: str):
        y = _year(label)
        return (y is None, y or 0, not label.endswith(RECONSTRUCTED), label)

    this = key(wave)
    earlier = sorted(k for k in map(key, labels) if k < this)
    if earlier:
        return earlier[-1][3]
    return sorted(map(key, labels))[-1][3] if labels else None


def baseline_wave(study: str, wave: str, previous: str | None = None, seed: int = 0):
    """The wave ``wave`` is compared with: ``previous`` when given, else the latest earlier
    stored wave (:func:`previous_wave`), else the study's reconstruction when the study has
    published figures; None when there is nothing to compare with."""
    label = previous or previous_wave(study, wave)
    if label is not None:
        return analysis_wave(study, label, seed=seed)
    import cxresearch as cx

    if study in set(cx.published()["study"].astype(str)):
        return reconstruction(study, seed=seed)
    return None


def describe_wave(w) -> str:
    """One line naming a wave, its size and its kind (observed / example / reconstructed)."""
    m = w.manifest
    if str(w.label).endswith(RECONSTRUCTED):
        kind = f"reconstructed — synthetic respondents, seed {m.get('seed')}"
    elif m.get("example"):
        kind = "example export of made-up respondents"
    elif w.synthetic:
        kind = "synthetic"
    else:
        kind = "observed"
    src = f", from `{m['source_file']}`" if m.get("source_file") else ""
    return f"**{w.study}/{w.label}**: {len(w.data):,} respondents ({kind}{src})"


# --------------------------------------------------------------------------- wave comparison

_NUMERIC = ("likert", "rating", "nps_0_10", "numeric")


@dataclass
class WaveComparison:
    """Estimates per wave, their differences, and the tests adjusted as one family."""

    estimates: pd.DataFrame  # item, level, wave, estimate, se, ci_low, ci_high, n, ...
    differences: pd.DataFrame  # item, level, difference, se, ci_low, ci_high, p_value
    tests: pd.DataFrame  # one test per item, with p_adjusted (TestFamily.table)


def compare_waves(old, new, items=None, *, method: str = "holm",
                  conf_level: float = 0.95) -> WaveComparison:
    """Compare two waves of one study item by item.

    Numeric items (Likert, ratings, 0–10, numeric): difference of the design-based means,
    SE of the difference as for independent samples (``sqrt(se_old² + se_new²)``; two waves are
    separate samples), normal interval and Wald test; each option of a multi-select item
    likewise, as the share choosing it (options the codebook lists as offered in some waves only
    are compared when both waves' years are among them). Single-choice items: the share of each
    level in both waves and its difference likewise, plus one omnibus test per item: the
    Rao–Scott corrected chi-square of wave × answer on the stacked waves
    (:func:`cxresearch.crosstab_test`, with the codebook's weights when both waves carry them,
    unit weights otherwise).
    All item tests form one family adjusted by ``method`` (Holm by default).

    Parameters
    ----------
    old, new : Wave
        ``old`` may be None (no earlier wave): then only ``new``'s estimates are returned.
    items : list of str, optional
        Default: every numeric and single-choice item present in both waves.

    Examples
    --------
    >>> cmp = compare_waves(cx.load_wave("mitto_cx", "2021"), cx.load_wave("mitto_cx", "2024"))
    ... # doctest: +SKIP
    >>> # In R: svyttest(nps ~ wave, des) per item; svychisq(~wave + cx_owner, des)
    """
    import numpy as np
    from scipy import stats

    import cxresearch as cx

    inst = new.instrument
    if items is None:
        items = [i for i, it in inst.items.items() if it.type in (*_NUMERIC, "single", "multi")]
    # a multi-select item is one yes/no column per option: each option is compared on its own
    waves = [w for w in (old, new) if w is not None]
    years = {_year(str(w.label)) for w in waves}
    cols = []
    for i in items:
        if inst.items[i].type == "multi":
            # options the codebook says were offered only in some waves (`waves:`) are compared
            # only when both waves are among them
            cols += [(f"{i}__{o.value}", "option") for o in inst.items[i].options
                     if not o.waves or years <= {_year(str(y)) for y in o.waves}]
        else:
            cols.append((i, "numeric" if inst.items[i].type in _NUMERIC else "single"))
    # only what both waves asked (an option not offered in a wave has no answers there)
    cols = [(c, k) for c, k in cols
            if all(c in w.data and w.data[c].notna().any() for w in waves)]
    z = stats.norm.ppf(0.5 + conf_level / 2)
    weight = inst.design_columns().get("weights")
    both_weighted = weight is not None and all(
        weight in w.data and w.data[weight].notna().all() for w in waves)
    est, diff = [], []
    family = cx.TestFamily("wave differences")
    for item, kind in cols:
        numeric = kind == "numeric"
        per_wave = {}
        for w in waves:
            if numeric:
                e = cx.mean(w, item, conf_level=conf_level)
            else:
                e = cx.proportion(w, item, level=True if kind == "option" else None,
                                  conf_level=conf_level)
            e = e.assign(item=item, wave=w.label)
            if numeric:
                e["level"] = None
            per_wave[w.label] = e.set_index("level")
            est.append(e)
        if old is None:
            continue
        a, b = per_wave[old.label], per_wave[new.label]
        for level in b.index.intersection(a.index, sort=False):
            d = float(b.loc[level, "estimate"] - a.loc[level, "estimate"])
            se = float(np.hypot(a.loc[level, "se"], b.loc[level, "se"]))
            p = float(2 * stats.norm.sf(abs(d / se))) if se > 0 else float("nan")
            diff.append({"item": item, "level": level, "difference": d, "se": se,
                         "ci_low": d - z * se, "ci_high": d + z * se, "p_value": p})
        if kind != "single":
            family.add(item, diff[-1]["p_value"],
                       test="Wald z, difference of " + ("means" if numeric else "shares"))
        else:
            cols = [item] + ([weight] if both_weighted else [])
            stacked = pd.concat([w.data[cols].assign(wave=w.label) for w in (old, new)],
                                ignore_index=True)
            # the two waves' categoricals may list different levels: compare as labels
            stacked[item] = stacked[item].astype(str).where(stacked[item].notna())
            design = cx.Design(stacked, weights=weight) if both_weighted else stacked
            family.add(item, cx.crosstab_test(design, "wave", item))
    estimates = pd.concat(est, ignore_index=True) if est else pd.DataFrame()
    lead = ["item", "level", "wave"]
    estimates = estimates[lead + [c for c in estimates.columns if c not in lead + ["term"]]]
    differences = pd.DataFrame(diff, columns=["item", "level", "difference", "se", "ci_low",
                                              "ci_high", "p_value"])
    tests = family.table(method=method) if len(family) else pd.DataFrame(
        columns=["family", "name", "test", "p_value", "p_adjusted", "adjustment", "reject"])
    return WaveComparison(estimates, differences, tests)


def to_pomp(estimates: pd.DataFrame, instrument, item: str = "item") -> pd.DataFrame:
    """Means on their items' scales -> percent of maximum possible (0–100), so that items on
    different scales share one axis: ``100 (x - min) / (max - min)`` with the codebook's scale
    (``scale_min``/``scale_max``) applied to ``estimate``, ``ci_low``, ``ci_high`` (and ``se``
    scaled). Rows whose item has no scale in the codebook are dropped."""
    out = []
    for name, rows in estimates.groupby(item, sort=False):
        it = instrument.items.get(str(name))
        lo, hi = getattr(it, "scale_min", None), getattr(it, "scale_max", None)
        if lo is None or hi is None or hi == lo:
            continue
        rows = rows.copy()
        for c in ("estimate", "ci_low", "ci_high"):
            rows[c] = 100 * (rows[c].astype(float) - lo) / (hi - lo)
        if "se" in rows:
            rows["se"] = 100 * rows["se"].astype(float) / (hi - lo)
        out.append(rows.assign(scale=f"{lo:g}–{hi:g}"))
    return pd.concat(out, ignore_index=True) if out else estimates.iloc[0:0]


# --------------------------------------------------------------------------- scorecard


@dataclass
class Scorecard:
    """Ledger figures against their reproduction, plus the consistency and claim checks."""

    ledger: pd.DataFrame
    reproduction: pd.DataFrame  # ledger id, study, target, reconstructed, met, status
    consistency: pd.DataFrame
    claims: pd.DataFrame
    studies: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        """Counts per verdict: ``{"reproduction": {...}, "consistency": {...}, "claims": {...}}``."""
        def vc(s: pd.Series) -> dict[str, int]:
            return {str(k): int(v) for k, v in s.value_counts().sort_index().items()}

        return {"ledger": {"figures": int(len(self.ledger))},
                "reproduction": vc(self.reproduction["status"]),
                "consistency": vc(self.consistency["verdict"]),
                "claims": vc(self.claims["verdict"])}


def scorecard(study: str | None = None, seed: int = 0) -> Scorecard:
    """Build the scorecard of one study or of every study in the ledger.

    For each ledger figure, its reproduction status: ``reproduced`` (the reconstruction meets
    it at its reported precision or bound), ``not reproduced`` (it does not: the fit report says
    by how much) or ``not reconstructable`` (not a function of respondents' answers, e.g. a
    figure quoted from another study).
    """
    import cxresearch as cx

    ledger = cx.published(study)
    studies = sorted(ledger["study"].astype(str).unique())
    fits = []
    for st in studies:
        for w in reconstructions(st, seed=seed):
            fit = cx.fit_report(w)
            fit.insert(0, "study", st)
            fits.append(fit)
    fit = pd.concat(fits, ignore_index=True) if fits else pd.DataFrame(columns=["id", "met"])
    # a figure of a study reconstructed per year is fitted in its own year's wave only
    fit = fit.sort_values("met", na_position="first").drop_duplicates("id", keep="last")
    rep = ledger[["id", "study", "metric", "group", "value", "unit", "bound"]].merge(
        fit.drop(columns=[c for c in ("study", "metric", "group", "unit", "bound")
                          if c in fit.columns]), on="id", how="left")
    met = rep["met"] if "met" in rep.columns else pd.Series(pd.NA, index=rep.index)
    rep["reason"] = rep["how"].where(met.isna()) if "how" in rep.columns else pd.NA
    rep["status"] = [
        "not reconstructable" if pd.isna(m) else ("reproduced" if bool(m) else "not reproduced")
        for m in met
    ]
    return Scorecard(ledger=ledger, reproduction=rep,
                     consistency=cx.check_consistency(study),
                     claims=cx.claim_check(study), studies=studies)


def _md_table(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    out = ["| " + " | ".join(map(str, cols)) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        cells = ["" if pd.isna(v) else str(v).replace("|", "\\|").replace("\n", " ")
                 for v in row]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def write_scorecard(card: Scorecard, path: str | os.PathLike | None = None) -> Path:
    """Write ``scorecard.md`` (default: in ``paths.reports_dir()``); returns its path."""
    path = Path(path) if path is not None else paths.reports_dir() / "scorecard.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    c = card.counts()
    lines = ["# Scorecard", "",
             f"Studies: {', '.join(card.studies)}. Ledger figures: {c['ledger']['figures']}.", "",
             "Reproduction of each published figure by the reconstructions (synthetic data "
             "fitted to the figures: a match shows the reconstruction is faithful, not that "
             "the report is right).", ""]
    for name in ("reproduction", "consistency", "claims"):
        counts = c[name]
        lines.append(f"- **{name}**: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    lines += ["", "## Counts per study", ""]
    per = pd.concat([
        card.reproduction.groupby("study")["status"].value_counts().unstack(fill_value=0),
        card.consistency.groupby("study")["verdict"].value_counts().unstack(fill_value=0)
        .add_prefix("consistency: "),
        card.claims.groupby("study")["verdict"].value_counts().unstack(fill_value=0)
        .add_prefix("claim: "),
    ], axis=1).fillna(0).astype(int).reset_index()
    lines += [_md_table(per), ""]
    odd = card.consistency[card.consistency["verdict"].astype(str) == "inconsistent"]
    if len(odd):
        keep = [c for c in ("study", "check_id", "kind", "explanation") if c in odd.columns]
        lines += ["## Published figures that do not agree with each other", "",
                  _md_table(odd[keep]), ""]
    missed = card.reproduction[card.reproduction["status"] == "not reproduced"]
    if len(missed):
        keep = [c for c in ("study", "id", "value", "bound", "reconstructed", "violation")
                if c in missed.columns]
        lines += ["## Figures the reconstructions do not reproduce", "",
                  _md_table(missed[keep]), ""]
    bad = card.claims[card.claims["verdict"].astype(str) != "supported"]
    if len(bad):
        keep = [c for c in ("study", "claim_id", "claim", "verdict", "explanation")
                if c in bad.columns]
        lines += ["## Claims not supported", "", _md_table(bad[keep]), ""]
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path
