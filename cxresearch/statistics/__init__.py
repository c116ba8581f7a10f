"""Statistics: the design object, its one variance engine and every estimator.

``design`` (Design; ``total_variance`` is the one linearization engine), ``inputs`` (DataFrame,
Design or Wave to clean arrays), ``estimates`` (mean, total, proportion, CIs), ``indices``,
``recommend`` and ``itemscales`` (NPS, top/bottom box, CSAT, Likert indices on the item's own
scale), ``weighting`` (rake, trim), ``contingency``/``crosstab`` (tables, association),
``groups`` (compare_groups), ``ordinal`` (proportional odds), ``scales`` (reliability),
``multiplicity``, ``regression`` + ``modelframe`` (regress), ``drivers`` + ``bootstrap``
(key_drivers), ``tracking`` + ``trackinput`` (track), ``wavecompare`` (two waves, over track),
``banner`` + ``banner_core``/``banner_rows``/``banner_format`` (banner tables with letters).
"""

__all__: list[str] = []
