"""Relationships between variables: tables, group comparisons, ordinal models, reliability.

``crosstab`` and ``contingency`` (Rao-Scott, association, 2x2), ``groups`` (compare_groups),
``ordinal`` (proportional odds), ``reliability`` (alpha, omega), ``multiplicity``
(adjust_pvalues, test families).
"""

__all__: list[str] = []
