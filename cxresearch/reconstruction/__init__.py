"""Reconstruction (layer 6): synthetic respondent-level waves consistent with the ledger.

``api`` (reconstruct, fit_report, assumptions), ``engine`` (generation), ``fitting``
(max-entropy and integer fits), ``targets``, ``frame``, ``models``, ``assign``, ``ensemble``
(reconstruct_many) and one module per study in ``studies/``.
"""

__all__: list[str] = []
