"""Sampling: the survey design object and its variance engine.

``design`` holds :class:`Design` (weights, strata, PSUs, fpc, calibrations) and
``Design.total_variance``; ``variance`` turns PSU totals into the linearized variance, shared by
the in-memory route and the engine route; ``engine`` and ``sources`` keep the rows of a large
design in DuckDB, Spark or files and bring back per-cell sums only. It needs only numpy and
pandas (ibis and duckdb when an engine design is built) and sits below ``waves``, so
``Wave.design()`` builds one without a cycle.
"""

from cxresearch.sampling import engine as _engine  # noqa: F401  (registers cx.Design(path))

__all__: list[str] = []
