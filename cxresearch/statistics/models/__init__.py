"""Models: design-based regression and key-driver analysis.

``frame`` (model frames from formulas or column lists), ``regression`` (regress: gaussian,
binomial, poisson under the design), ``importance`` (LMG/Shapley, Johnson, beta from a
correlation matrix), ``drivers`` (key_drivers: the importances with design-aware bootstrap
intervals and performance).
"""

__all__: list[str] = []
