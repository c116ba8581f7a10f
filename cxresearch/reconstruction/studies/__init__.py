"""One generative model per benchmark study (``MODEL`` in each module)."""

__all__: list[str] = []
