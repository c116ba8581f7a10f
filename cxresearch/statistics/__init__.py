"""Statistics (layer 4): the design object, its one variance engine and every estimator.

``design`` (Design, the linearization engine), ``estimates`` (mean, total, proportion, CIs),
``indices`` (likert_index, top_box, nps, csat), ``weighting`` (rake, trim, summaries),
``contingency``/``crosstab`` (tables and association), ``groups`` (compare_groups),
``ordinal`` (proportional odds), ``scales`` (reliability), ``multiplicity`` (p adjustment),
``inputs`` (turning DataFrames, Designs and Waves into clean arrays).
"""

__all__: list[str] = []
