"""cxresearch: customer-experience survey research.

Published benchmark figures with provenance, reconstructions labelled synthetic,
design-based estimators validated against R, and publication output.

The public namespace is curated here (as statsmodels' ``api`` modules are): every name in
``__all__`` maps to the flat topic module that defines it, and modules are imported on
first use so that ``import cxresearch`` and the command line stay fast.

Examples
--------
>>> import cxresearch as cx
>>> sorted(cx.__all__)[:3]
['Design', 'TestFamily', 'Wave']
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _pkg_version

try:
    __version__ = _pkg_version("cxresearch")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

# public name -> module that defines it (keep sorted by module, then name)
_API: dict[str, str] = {
    # codebooks & waves
    "Instrument": "codebooks.instrument",
    "load_instrument": "codebooks.instrument",
    "check_codebook": "codebooks.draft",
    "draft_codebook": "codebooks.draft",
    "init_project": "pipeline.project",
    "ingest": "intake.ingestion",
    "Wave": "waves.storage",
    "load_wave": "waves.storage",
    "open_wave": "intake.opening",
    "EngineWave": "waves.engine",
    # design & estimators
    "Design": "sampling.design",
    "mean": "statistics.estimates.means",
    "proportion": "statistics.estimates.means",
    "proportion_ci": "statistics.estimates.means",
    "total": "statistics.estimates.means",
    "bottom_box": "statistics.estimates.indices",
    "csat": "statistics.estimates.indices",
    "likert_index": "statistics.estimates.indices",
    "nps": "statistics.estimates.indices",
    "nps_code": "statistics.estimates.recommend",
    "nps_cutoffs": "statistics.estimates.recommend",
    "NpsCutoffs": "statistics.estimates.recommend",
    "top_box": "statistics.estimates.indices",
    "warnings_as_notes": "statistics.design.results",
    "rake": "statistics.design.weighting",
    "trim_weights": "statistics.design.weighting",
    "weight_summary": "statistics.design.weighting",
    "track": "statistics.tracking.track",
    "banner": "statistics.banner.build",
    # relationships
    "crosstab_test": "statistics.relationships.contingency",
    "two_by_two": "statistics.relationships.contingency",
    "compare_groups": "statistics.relationships.groups",
    "TestFamily": "statistics.relationships.multiplicity",
    "adjust_pvalues": "statistics.relationships.multiplicity",
    "ordinal_logit": "statistics.relationships.ordinal",
    "reliability": "statistics.relationships.reliability",
    "regress": "statistics.models.regression",
    "key_drivers": "statistics.models.drivers",
    # published figures
    "claim_check": "ledger.claims",
    "check_consistency": "ledger.consistency",
    "published": "ledger.figures",
    # reconstruction
    "reconstruct": "reconstruction.api",
    "fit_report": "reconstruction.api",
    "reconstruct_many": "reconstruction.ensemble",
    # output
    "agreement_bars": "report.charts.bars",
    "estimate_bars": "report.charts.bars",
    "forest_plot": "report.charts.bars",
    "driver_heatmap": "report.charts.drivers",
    "importance_performance": "report.charts.drivers",
    "published_vs_reproduced": "report.charts.bars",
    "stacked_bars": "report.charts.bars",
    "wave_comparison": "report.charts.bars",
    "tracking_chart": "report.charts.tracking",
    "save_figure": "report.output.save",
    "save_table": "report.output.save",
    "show_table": "report.output.tables",
    "save_banner": "report.output.banners",
    "save_deck": "report.output.deck",
    "theme": "report.style",
}

__all__ = sorted(_API)


def __getattr__(name: str):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'cxresearch' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
