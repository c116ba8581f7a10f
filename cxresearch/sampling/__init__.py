"""Sampling: the survey design object and its variance engine.

``design`` holds :class:`Design` (weights, strata, PSUs, fpc, calibrations) and
``Design.total_variance``, the one Taylor-linearisation engine every estimator uses. It needs
only numpy and pandas and sits below ``waves``, so ``Wave.design()`` builds one without a cycle.
"""

__all__: list[str] = []
