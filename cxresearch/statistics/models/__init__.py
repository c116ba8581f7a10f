"""Models: design-based regression and key-driver analysis.

``frame`` (model frames from formulas or column lists), ``regression`` (regress: gaussian,
binomial, poisson under the design) with its steps ``fitting`` (complete rows, the fit) and
``inference`` (the sandwich covariance, coefficient table, model statistics),
``regression_result`` (RegressionResult: predict, wald_test, marginal_effects),
``engine_linear`` (the gaussian model of an engine design from weighted cross-products),
``importance`` (LMG/Shapley, Johnson, beta from a correlation matrix), ``drivers``
(key_drivers: the importances with design-aware bootstrap intervals and performance).
"""

__all__: list[str] = []
