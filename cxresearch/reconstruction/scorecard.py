"""The study's reconstruction as a notebook gets it, and the published-vs-reproduced scorecard.

- :func:`reconstruction` / :func:`reconstructions`: a stored reconstruction with the same seed
  and assumptions when the reproduce pipeline made one, generated otherwise (always synthetic);
- :func:`scorecard`: every ledger figure against its reproduction, with the consistency and
  claim checks (``00_scorecard``; written by :func:`cxresearch.report.output.documents.write_scorecard`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["RECONSTRUCTED", "Scorecard", "reconstruction", "reconstructions", "scorecard"]

RECONSTRUCTED = "-reconstructed"


def reconstruction(study: str, seed: int = 0, **assumptions):
    """The study's reconstruction for ``seed`` (and default or given assumptions).

    Read from ``data/waves/<study>/<year>-reconstructed/`` when a stored one was made with the
    same seed and assumptions (the reproduce pipeline writes it into the run's data folder);
    generated with :func:`cxresearch.reconstruct` otherwise. Always synthetic.
    """
    from cxresearch.waves.storage import list_waves, load_wave

    stored = list_waves(study)
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

