"""Chart functions: ``base`` (shared drawing helpers, shares through the estimators), ``labels``
(codebook words), ``bars``, ``compare``, ``stacked``, ``drivers`` (importance-performance,
heatmap), ``tracking`` (tracking_chart)."""

__all__: list[str] = []
