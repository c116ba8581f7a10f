"""Tracking across waves: per-wave estimates, changes, trends and composition.

``inputs`` (waves or a stacked design to per-wave designs), ``track`` (track), ``result``
(TrackResult: the tidy table with the result protocol), ``compare`` (two waves, over track).
"""

__all__: list[str] = []
