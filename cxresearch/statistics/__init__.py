"""Statistics: every estimator, in sub-packages by topic (bottom to top).

``design`` (input resolution, weighting, bootstrap factors), ``estimates`` (means, totals,
shares, NPS, top-box, CSAT, indices), ``relationships`` (cross-tabs, group comparisons, ordinal
models, reliability, multiplicity), ``models`` (regression, key drivers), ``banner`` and
``tracking``. The Design object itself lives in :mod:`cxresearch.sampling`. The import-linter
contract in ``pyproject.toml`` keeps this order.
"""

__all__: list[str] = []
