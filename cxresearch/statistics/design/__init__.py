"""Turning what an estimator receives into a design, and what every estimator shares.

``resolve`` (the one resolver: DataFrame, Design or Wave to frame and design, saying what a
DataFrame means; ``as_design`` its shorthand; clean columns, dropped-row notes, refusing
infinities), ``params`` (the one table of argument constraints and its checker), ``results``
(the result protocol: ``table``, ``notes``, ``summary()``, ``_repr_html_``; warnings recorded
as notes), ``weighting`` (rake, trim, weight summary: calibration with linearised SEs),
``bootstrap`` (Rao-Wu rescaling factors). The bottom of ``statistics``: imports nothing else
of it.
"""

__all__: list[str] = []
