"""Tracking across waves: per-wave estimates, changes, trends and composition.

``inputs`` (waves or a stacked design to per-wave designs), ``track`` (track), ``stats``
(per-wave sums, a wave's estimate, trend fit, Wald tests), ``series`` (the rows of one series),
``engine`` (waves whose rows stay in DuckDB or Spark), ``result``
(TrackResult: the tidy table with the result protocol), ``compare`` (two waves, over track).
"""

__all__: list[str] = []
