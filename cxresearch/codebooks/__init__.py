"""Codebooks (bottom layer): load, validate and draft the instruments that describe a survey.

``instrument`` (load_instrument, Instrument; bounded YAML loading), ``items`` (Item, Level,
labels, NPS cut-offs, short labels), ``checks`` (every contradiction a codebook can hold,
reported at once), ``draft`` (draft_codebook, check_codebook: a codebook from an export, every
guess marked ``assumed``), ``scan`` (chunked reading of large exports for drafting).
"""

__all__: list[str] = []
