"""Turning what an estimator receives into a design: resolution, weighting, replicates.

``resolve`` (one resolver: DataFrame, Design or Wave to frame and design; ``as_design``;
clean columns, dropped-row notes, refusing infinities), ``weighting`` (rake, trim, weight
summary: calibration with linearised SEs), ``bootstrap`` (Rao-Wu rescaling factors).
The bottom of ``statistics``: imports nothing else of it.
"""

__all__: list[str] = []
