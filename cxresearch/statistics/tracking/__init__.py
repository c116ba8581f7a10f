"""Tracking across waves: per-wave estimates, changes, trends and composition.

``inputs`` (waves or a stacked design to per-wave designs), ``track`` (track and its result),
``compare`` (two waves, over track).
"""

__all__: list[str] = []
