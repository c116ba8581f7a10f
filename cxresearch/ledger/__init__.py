"""Published figures (layer 5): the ledger of figures typed in from the reports, and their checks.

``figures`` (published: the ledger with provenance), ``consistency`` (check_consistency),
``consistency_specs`` (the text-derived checks), ``claims`` (claim_check), ``grim`` (GRIM).
"""

__all__: list[str] = []
