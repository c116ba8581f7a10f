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
    "Instrument": "instruments",
    "load_instrument": "instruments",
    "ingest": "ingestion",
    "Wave": "waves",
    "load_wave": "waves",
    # design & estimators
    "Design": "design",
    "mean": "estimates",
    "proportion": "estimates",
    "proportion_ci": "estimates",
    "total": "estimates",
    "csat": "indices",
    "likert_index": "indices",
    "nps": "indices",
    "top_box": "indices",
    "rake": "weighting",
    "trim_weights": "weighting",
    "weight_summary": "weighting",
    # relationships
    "crosstab_test": "contingency",
    "two_by_two": "contingency",
    "compare_groups": "groups",
    "TestFamily": "multiplicity",
    "adjust_pvalues": "multiplicity",
    "ordinal_logit": "ordinal",
    "reliability": "scales",
    # published figures
    "claim_check": "claims",
    "check_consistency": "consistency",
    "published": "ledger",
    # reconstruction
    "reconstruct": "reconstruction",
    "fit_report": "reconstruction",
    "reconstruct_many": "reconstruction",
    # output
    "agreement_bars": "charts",
    "estimate_bars": "charts",
    "forest_plot": "charts",
    "published_vs_reproduced": "charts",
    "stacked_bars": "charts",
    "wave_comparison": "charts",
    "save_figure": "output",
    "save_table": "output",
    "theme": "style",
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
