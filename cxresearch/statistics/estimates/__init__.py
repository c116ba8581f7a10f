"""Estimates of means, totals, shares and the CX indices on an item's own scale.

``means`` (mean, total, proportion, proportion_ci), ``recommend`` (NPS cut-offs from the
codebook), ``itemscales`` (top/bottom box and CSAT scale reading), ``indices`` (nps, top_box,
bottom_box, csat, likert_index, POMP).
"""

__all__: list[str] = []
