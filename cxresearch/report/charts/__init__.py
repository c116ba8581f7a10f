"""Chart functions: ``base`` (shared drawing helpers), ``bars``, ``compare``, ``stacked``."""

__all__: list[str] = []
