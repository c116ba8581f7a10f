"""Models: design-based regression and key-driver analysis.

``frame`` (model frames from formulas or column lists), ``regression`` (regress: gaussian,
binomial, poisson under the design), ``drivers`` (key_drivers: LMG/Shapley, Johnson).
"""

__all__: list[str] = []
