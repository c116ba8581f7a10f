"""Codebooks (layer 1): load, validate and draft the instruments that describe a survey.

``instrument`` (load_instrument, Instrument), ``items`` (Item, Level, label normalisation),
``checks`` (every contradiction a codebook can hold, reported at once).
"""

__all__: list[str] = []
