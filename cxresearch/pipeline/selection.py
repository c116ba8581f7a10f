"""Which wave a notebook analyses and which wave it is compared with.

- :func:`analysis_wave`: an observed wave when a ``wave`` parameter names one (e.g. a new wave
  just ingested), otherwise the study's reconstruction (stored by the reproduce pipeline, or
  generated); an example export not yet stored is ingested in memory;
- :func:`previous_wave` / :func:`baseline_wave`: the wave a new wave is compared with.
"""

from __future__ import annotations

from cxresearch.reconstruction.scorecard import RECONSTRUCTED, reconstruction
from cxresearch.waves.storage import list_waves, wave_year

__all__ = ["analysis_wave", "baseline_wave", "previous_wave"]


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
        from cxresearch.pipeline.rundata import example_exports

        found = [p for st, label, p in example_exports(study) if label == wave]
        if not found:
            raise
        import cxresearch as cx

        return cx.ingest(str(found[0]), study, wave, write=False)


def previous_wave(study: str, wave: str) -> str | None:
    """The wave that ``wave`` is compared with: the latest other wave of the study.

    Waves are ordered by the year their label starts with (``2021-reconstructed`` < ``2024``);
    labels without a year (``example``) come after every dated one, so an example export is
    compared with the newest dated wave. Among waves of the same year an observed wave comes
    after its reconstruction. Returns None when the study has no other wave.
    """
    labels = [w for w in list_waves(study)["wave"] if w != wave]

    def key(label: str):
        y = wave_year(label)
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

