# Reference numbers for cxresearch.ordinal (issue 5): MASS::polr, ordinal::clm, survey::svyolr.
# Run from the repository root:  Rscript tests/reference/rel_ordinal.R
suppressPackageStartupMessages({library(MASS); library(ordinal); library(survey); library(jsonlite)})
out <- list(R = R.version.string, MASS = as.character(packageVersion("MASS")),
            ordinal = as.character(packageVersion("ordinal")),
            survey = as.character(packageVersion("survey")))
dir <- "tests/reference/data"
write.csv(wine, file.path(dir, "rel_wine.csv"), row.names = FALSE)
fitinfo <- function(m) {
  v <- vcov(m)
  list(coef = as.list(coef(m)), zeta = as.list(m$zeta), se = as.list(sqrt(diag(v))),
       loglik = as.numeric(logLik(m)), aic = AIC(m), nobs = m$nobs,
       fitted_first = m$fitted.values[1:3, ])
}
# housing, frequency weights, and the same data expanded to one row per household
h_w <- polr(Sat ~ Infl + Type + Cont, weights = Freq, data = housing, Hess = TRUE)
long <- housing[rep(seq_len(nrow(housing)), housing$Freq), ]
h_x <- polr(Sat ~ Infl + Type + Cont, data = long, Hess = TRUE)
out$polr_housing_weighted <- fitinfo(h_w)
out$polr_housing_expanded <- fitinfo(h_x)
pr <- predict(h_w, newdata = housing[1:3, ], type = "probs")
out$polr_housing_pred <- unname(pr)
# probit link
h_p <- polr(Sat ~ Infl + Type + Cont, weights = Freq, data = housing, Hess = TRUE, method = "probit")
out$polr_housing_probit <- fitinfo(h_p)
# ordinal::clm on the same data (same convention: logit P(Y <= j) = theta_j - x beta)
c_w <- clm(Sat ~ Infl + Type + Cont, weights = Freq, data = housing)
out$clm_housing <- list(coef = as.list(coef(c_w)), se = as.list(sqrt(diag(vcov(c_w)))),
                        loglik = as.numeric(logLik(c_w)))
# likelihood-ratio test of proportional odds (nominal_test: each predictor in turn relaxed)
nt <- nominal_test(c_w)
out$clm_housing_nominal <- list(term = rownames(nt)[-1], LRT = nt$LRT[-1], df = nt$Df[-1],
                                p = nt$`Pr(>Chi)`[-1])
# wine
c_wine <- clm(rating ~ temp + contact, data = wine)
out$clm_wine <- list(coef = as.list(coef(c_wine)), se = as.list(sqrt(diag(vcov(c_wine)))),
                     loglik = as.numeric(logLik(c_wine)), aic = AIC(c_wine))
p_wine <- polr(rating ~ temp + contact, data = wine, Hess = TRUE)
out$polr_wine <- fitinfo(p_wine)
ntw <- nominal_test(c_wine)
out$clm_wine_nominal <- list(term = rownames(ntw)[-1], LRT = ntw$LRT[-1], df = ntw$Df[-1],
                             p = ntw$`Pr(>Chi)`[-1])
# Brant (1990) test written out by hand (package 'brant' is not installed): separate binary
# logits for Y > j, their joint covariance, Wald test that slopes are equal across j.
brant_test <- function(formula, data, weights = NULL) {
  mf <- model.frame(formula, data)
  y <- as.integer(model.response(mf)); X <- model.matrix(formula, data)
  w <- if (is.null(weights)) rep(1, nrow(X)) else weights
  K <- max(y); J <- K - 1; p <- ncol(X) - 1
  fits <- lapply(1:J, function(j) suppressWarnings(
    glm(as.numeric(y > j) ~ X - 1, family = binomial, weights = w)))
  B <- sapply(fits, coef); pi <- sapply(fits, fitted)
  V <- matrix(0, J * (p + 1), J * (p + 1))
  inv <- lapply(1:J, function(j) solve(crossprod(X, X * (w * pi[, j] * (1 - pi[, j])))))
  for (j in 1:J) for (l in j:J) {
    Wjl <- w * (pi[, l] - pi[, j] * pi[, l])
    Vjl <- inv[[j]] %*% crossprod(X, X * Wjl) %*% inv[[l]]
    V[(j - 1) * (p + 1) + 1:(p + 1), (l - 1) * (p + 1) + 1:(p + 1)] <- Vjl
    V[(l - 1) * (p + 1) + 1:(p + 1), (j - 1) * (p + 1) + 1:(p + 1)] <- t(Vjl)
  }
  keep <- unlist(lapply(1:J, function(j) (j - 1) * (p + 1) + 1 + 1:p))
  bstar <- as.vector(B[-1, ]); Vs <- V[keep, keep]
  D <- do.call(rbind, lapply(2:J, function(j) {
    m <- matrix(0, p, J * p); m[, 1:p] <- diag(p); m[, (j - 1) * p + 1:p] <- -diag(p); m }))
  Xsq <- as.numeric(t(D %*% bstar) %*% solve(D %*% Vs %*% t(D)) %*% (D %*% bstar))
  list(omnibus = Xsq, df = p * (J - 1), p = pchisq(Xsq, p * (J - 1), lower.tail = FALSE))
}
out$brant_wine <- brant_test(rating ~ temp + contact, wine)
out$brant_housing <- brant_test(Sat ~ Infl + Type + Cont, housing, weights = housing$Freq)

# svyolr on the api cluster sample (example of ?svyolr), and on the stratified sample
data(api)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dclus1 <- update(dclus1, mealcat = cut(meals, c(0, 25, 50, 75, 100), include.lowest = TRUE))
m1 <- svyolr(mealcat ~ ell + mobility + stype, design = dclus1)
out$svyolr_clus1 <- list(coef = as.list(coef(m1)), se = as.list(SE(m1)))
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dstrat <- update(dstrat, mealcat = cut(meals, c(0, 25, 50, 75, 100), include.lowest = TRUE))
m2 <- svyolr(mealcat ~ ell + mobility + stype, design = dstrat)
out$svyolr_strat <- list(coef = as.list(coef(m2)), se = as.list(SE(m2)))
write_json(out, "tests/reference/rel_ordinal.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE, matrix = "rowmajor")
cat("wrote tests/reference/rel_ordinal.json\n")
