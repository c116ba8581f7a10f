"""Notebook support: narration built from computed values and the templates' building blocks.

``story`` (say, describe_wave), ``wavereport`` (codebook-driven sections of the templates).
Notebooks reach these through :mod:`cxresearch.notebook`.
"""

__all__: list[str] = []
