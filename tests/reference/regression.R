# Reference numbers for regression (design-based svyglm, plain lm/glm, frequency weights,
# average marginal effects) and key-driver analysis (LMG/Shapley, Johnson relative weights).
#
# Run from tests/reference/:   Rscript regression.R
# Writes regression.json (committed; the tests read it and never need R). No data files are
# written: the api data are R's survey `data(api)`, already exported as data/apistrat.csv,
# data/apiclus1.csv, data/apisrs.csv by survey_core.R (same rows, same order); the ECSI data
# are read from ../../data/examples/ecsi_mobi/mobi.csv. R.version.string and the survey version
# are recorded in the JSON ("R", "survey"). Needs only survey and jsonlite (no relaimpo, no
# sandwich: LMG, Johnson weights and HC0/HC1 are computed here from their definitions).
#
# ---- conventions for every svyglm block (keys of a "model" object) ---------------------------
#   terms        coefficient names as R names them, e.g. "(Intercept)", "ell", "stypeH",
#                "ell:stypeM"; every vector below is in this order
#   coef, se     estimate and design-based (linearization) SE = sqrt(diag(vcov(m)))
#   t, p         summary(m)$coefficients: t = coef/se, p = 2*pt(-|t|, df_residual)
#   vcov         full design-based covariance matrix (rows in `terms` order)
#   degf         degf(design): #PSU - #strata (stratified) / #PSU - 1 (cluster, weights-only)
#   df_residual  m$df.residual = degf(design) + 1 - #coefficients (what summary/confint use)
#   dispersion   summary(m)$dispersion (weighted residual variance; informational)
#   ci_degf      Wald CI coef -/+ qt(.975, degf) * se, i.e. confint(m, ddf = degf(design))
#   ci_default   confint(m) with survey's default, which in survey 4.1 is
#                ddf = m$df.residual: coef -/+ qt(.975, df_residual) * se
#   ci_z         confint(m, ddf = Inf): coef -/+ qnorm(.975) * se
#   CAVEAT: confint.svyglm's argument is `ddf`, not `df`; `confint(m, df = degf(design))` is
#   silently swallowed by `...` and returns ci_default. ci_degf above uses ddf = degf.
#   Each CI is {lo: [...], hi: [...]} in `terms` order.
#   regTermTest(m, ~term) (method = "Wald", the default) is stored as {Ftest, df, ddf, p}:
#   Ftest = b' V^-1 b / df with b, V the tested coefficients and their vcov block,
#   df = number of tested coefficients, ddf = m$df.residual (regTermTest's default), and
#   p = pf(Ftest, df, ddf, lower.tail = FALSE).
#
# ---- blocks ------------------------------------------------------------------------------------
#   dstrat  = svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=apistrat)
#   dclus1  = svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=apiclus1)
#   dwonly  = svydesign(id=~1, weights=~pw, data=apistrat)          (weights only, no strata/fpc)
#   strat_gauss     svyglm(api00 ~ ell + meals + mobility + stype, dstrat); test_stype
#   strat_logit     svyglm(I(sch.wide=="Yes") ~ ell + meals + stype, dstrat, quasibinomial);
#                   plus exp_coef = exp(coef), exp_ci_degf = exp(ci_degf); test_stype
#   clus1_gauss     svyglm(api00 ~ ell + meals + mobility, dclus1)
#   clus1_logit     svyglm(I(sch.wide=="Yes") ~ ell + meals, dclus1, quasibinomial) (+ exp_*)
#   strat_poisson   svyglm(enroll ~ ell + meals + stype, dstrat, quasipoisson) (+ exp_*)
#   wonly_gauss     the strat_gauss model on dwonly; test_stype
#   strat_interact  svyglm(api00 ~ ell * stype, dstrat); test_ell_stype = regTermTest(~ell:stype)
#   lm_srs          lm(api00 ~ ell + meals + mobility, apisrs), unweighted: coef, se, t, p,
#                   r2, adj_r2, sigma, aic = AIC(m), loglik = logLik(m) (df = p + 1 incl. sigma),
#                   fstat {value, df1, df2}, se_hc0, se_hc1. With X the model matrix, e the
#                   residuals, n rows, k coefficients: HC0 = (X'X)^-1 X' diag(e^2) X (X'X)^-1,
#                   HC1 = HC0 * n / (n - k); se_hc* = sqrt(diag(.)).
#   glm_srs         glm(I(sch.wide=="Yes") ~ ell + meals, binomial, apisrs): coef, se, z, p,
#                   deviance, null_deviance, df_residual, df_null, aic, loglik
#   freqwt          apisrs with fw = 1 + (snum %% 3) (values 1..3, sum(fw) stored):
#                   weighted = lm(api00 ~ ell + meals, weights = fw) (residual df = n - k);
#                   expanded = the same lm, unweighted, on rows repeated fw times
#                   (residual df = sum(fw) - k). Coefficients agree exactly; the SEs differ
#                   only by the df: se_expanded = se_weighted * sqrt((n - k) / (sum(fw) - k)).
#   ame_strat_logit average marginal effects for strat_logit, for ell and meals:
#                   AME_x(b) = sum_i w_i * b_x * p_i (1 - p_i) / sum_i w_i, p_i = plogis(x_i'b),
#                   w_i = pw (the design weights), over all 200 apistrat rows.
#                   SE = sqrt(G V G') with V = vcov(m) (design-based svyglm vcov) and
#                   G = dAME/db, analytic: G_k = sum_i w_i [1{k=x} p_i(1-p_i)
#                   + b_x p_i(1-p_i)(1-2p_i) x_ik] / sum_i w_i. This is the delta method with the
#                   svyglm vcov only: the sampling variability of the weighted mean over the
#                   sample is ignored (conditional AME). se_numeric uses a central-difference
#                   gradient (h = 1e-6) as a check; grad stores the analytic G (terms order).
#
# ---- key-driver analysis (kda_* blocks), ECSI mobile-phone data, 250 rows, no missing ---------
#   kda_cusa1           outcome CUSA1, drivers PERQ1..PERQ7, IMAG1, CUEX1, PERV1, unweighted
#   kda_cusa1_weighted  same, weights w = 1 + (i %% 4), i = 1-based row index in file order
#                       (w cycles 2,3,4,1,2,...); weights stored in the block
#   kda_cusl1           outcome CUSL1, drivers PERQ1, PERQ2, IMAG1, CUEX1, PERV1, unweighted
#   Complete cases on outcome + drivers (n stored; all 250 rows are complete).
#   Keys: outcome, drivers (order of every vector), n, sum_w,
#     r2       R^2 of the full OLS model (weighted: WLS with intercept and
#              R^2 = 1 - sum w e^2 / sum w (y - ybar_w)^2, ybar_w the weighted mean)
#     lmg      LMG / Shapley value by the all-subsets definition, R^2 of every subset from an
#              lm() fit with intercept (R^2 of the empty set = 0):
#              LMG_j = sum_{S not containing j} |S|! (p-|S|-1)! / p! * (R2(S u {j}) - R2(S))
#     lmg_share  lmg / r2 (sums to 1)
#     johnson_raw   Johnson (2000) relative weights: R = correlation matrix of the drivers
#              (weighted: cov.wt(cbind(X, y), wt = w, cor = TRUE)$cor), r = correlations of
#              drivers with the outcome, R = Q diag(lambda) Q' (eigen), L = Q diag(sqrt(lambda)) Q'
#              (symmetric square root), beta* = L^-1 r, raw_j = sum_k L[j,k]^2 beta*_k^2;
#              sum(raw) = r' R^-1 r = r2
#     johnson_share johnson_raw / r2
#     std_beta standardized regression coefficients R^-1 r (= lm slopes * sd_x / sd_y, with
#              weighted SDs/correlations in the weighted case)
#     cor_y    zero-order (weighted) correlations of each driver with the outcome
#     coef     unstandardized full-model (W)LS coefficients, "(Intercept)" first (coef_terms)
suppressMessages({library(survey); library(jsonlite)})
data(api)

out <- list(R = R.version.string, survey = as.character(packageVersion("survey")),
            jsonlite = as.character(packageVersion("jsonlite")))
lohi <- function(v) list(lo = unname(v[, 1]), hi = unname(v[, 2]))
tt <- function(r) list(Ftest = unname(as.vector(r$Ftest)), df = unname(r$df),
                       ddf = unname(r$ddf), p = unname(as.vector(r$p)))
svyres <- function(m, design, expo = FALSE) {
  s <- summary(m)
  cf <- s$coefficients
  dg <- degf(design)
  ci_degf <- confint(m, ddf = dg)
  # hand check of the t-based interval with degf
  hand <- cbind(coef(m) - qt(0.975, dg) * SE(m), coef(m) + qt(0.975, dg) * SE(m))
  stopifnot(max(abs(hand - ci_degf)) < 1e-8)
  r <- list(terms = rownames(cf), coef = unname(cf[, 1]), se = unname(cf[, 2]),
            t = unname(cf[, 3]), p = unname(cf[, 4]), vcov = unname(vcov(m)),
            degf = dg, df_residual = m$df.residual, dispersion = unname(s$dispersion[1]),
            ci_degf = lohi(ci_degf), ci_default = lohi(confint(m)),
            ci_z = lohi(confint(m, ddf = Inf)))
  if (expo) {
    r$exp_coef <- unname(exp(coef(m)))
    r$exp_ci_degf <- lohi(exp(ci_degf))
  }
  r
}

## ---- design-based regression (svyglm) ------------------------------------------------------
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
dwonly <- svydesign(id = ~1, weights = ~pw, data = apistrat)

m1 <- svyglm(api00 ~ ell + meals + mobility + stype, dstrat)
out$strat_gauss <- c(svyres(m1, dstrat), list(test_stype = tt(regTermTest(m1, ~stype))))

m2 <- svyglm(I(sch.wide == "Yes") ~ ell + meals + stype, dstrat, family = quasibinomial())
out$strat_logit <- c(svyres(m2, dstrat, expo = TRUE),
                     list(test_stype = tt(regTermTest(m2, ~stype))))

m3 <- svyglm(api00 ~ ell + meals + mobility, dclus1)
out$clus1_gauss <- svyres(m3, dclus1)
m3b <- svyglm(I(sch.wide == "Yes") ~ ell + meals, dclus1, family = quasibinomial())
out$clus1_logit <- svyres(m3b, dclus1, expo = TRUE)

m4 <- svyglm(enroll ~ ell + meals + stype, dstrat, family = quasipoisson())
out$strat_poisson <- svyres(m4, dstrat, expo = TRUE)

m5 <- svyglm(api00 ~ ell + meals + mobility + stype, dwonly)
out$wonly_gauss <- c(svyres(m5, dwonly), list(test_stype = tt(regTermTest(m5, ~stype))))

m6 <- svyglm(api00 ~ ell * stype, dstrat)
out$strat_interact <- c(svyres(m6, dstrat),
                        list(test_ell_stype = tt(regTermTest(m6, ~ell:stype))))

## ---- average marginal effects for strat_logit -----------------------------------------------
X2 <- model.matrix(m2); b2 <- coef(m2); V2 <- vcov(m2); w2 <- weights(dstrat)
stopifnot(nrow(X2) == length(w2))
ame_fun <- function(b, x) {
  p <- plogis(drop(X2 %*% b))
  sum(w2 * b[x] * p * (1 - p)) / sum(w2)
}
ame_grad <- function(b, x) {
  p <- plogis(drop(X2 %*% b))
  g <- colSums(w2 * b[x] * p * (1 - p) * (1 - 2 * p) * X2)
  g[x] <- g[x] + sum(w2 * p * (1 - p))
  g / sum(w2)
}
num_grad <- function(b, x, h = 1e-6) sapply(seq_along(b), function(k) {
  e <- replace(numeric(length(b)), k, h)
  (ame_fun(b + e, x) - ame_fun(b - e, x)) / (2 * h)
})
ame <- list(terms = names(b2), vars = c("ell", "meals"), ame = c(), se = c(), se_numeric = c(),
            grad = list())
for (x in c("ell", "meals")) {
  G <- ame_grad(b2, x); Gn <- num_grad(b2, x)
  stopifnot(max(abs(G - Gn)) < 1e-7)
  ame$ame <- c(ame$ame, ame_fun(b2, x))
  ame$se <- c(ame$se, sqrt(drop(t(G) %*% V2 %*% G)))
  ame$se_numeric <- c(ame$se_numeric, sqrt(drop(t(Gn) %*% V2 %*% Gn)))
  ame$grad[[x]] <- unname(G)
}
out$ame_strat_logit <- ame

## ---- unweighted lm / glm on apisrs ----------------------------------------------------------
ml <- lm(api00 ~ ell + meals + mobility, data = apisrs)
sl <- summary(ml)
X <- model.matrix(ml); e <- resid(ml); n <- nrow(X); k <- ncol(X)
XtXi <- solve(crossprod(X))
hc0 <- XtXi %*% crossprod(X * e) %*% XtXi        # X' diag(e^2) X = crossprod(X * e)
hc1 <- hc0 * n / (n - k)
ll <- logLik(ml)
out$lm_srs <- list(terms = rownames(sl$coefficients), coef = unname(sl$coefficients[, 1]),
                   se = unname(sl$coefficients[, 2]), t = unname(sl$coefficients[, 3]),
                   p = unname(sl$coefficients[, 4]), n = n, df_residual = ml$df.residual,
                   r2 = sl$r.squared, adj_r2 = sl$adj.r.squared, sigma = sl$sigma,
                   aic = AIC(ml), bic = BIC(ml), loglik = as.numeric(ll),
                   loglik_df = attr(ll, "df"),
                   fstat = list(value = unname(sl$fstatistic[1]), df1 = unname(sl$fstatistic[2]),
                                df2 = unname(sl$fstatistic[3])),
                   ci = lohi(confint(ml)),
                   se_hc0 = unname(sqrt(diag(hc0))), se_hc1 = unname(sqrt(diag(hc1))))

mg <- glm(I(sch.wide == "Yes") ~ ell + meals, family = binomial(), data = apisrs)
sg <- summary(mg)
out$glm_srs <- list(terms = rownames(sg$coefficients), coef = unname(sg$coefficients[, 1]),
                    se = unname(sg$coefficients[, 2]), z = unname(sg$coefficients[, 3]),
                    p = unname(sg$coefficients[, 4]), n = nrow(apisrs),
                    deviance = mg$deviance, null_deviance = mg$null.deviance,
                    df_residual = mg$df.residual, df_null = mg$df.null, aic = AIC(mg),
                    loglik = as.numeric(logLik(mg)), iter = mg$iter)

## ---- frequency weights ----------------------------------------------------------------------
fwd <- transform(apisrs, fw = 1 + (snum %% 3))
mw <- lm(api00 ~ ell + meals, data = fwd, weights = fw)
exd <- fwd[rep(seq_len(nrow(fwd)), fwd$fw), ]
me <- lm(api00 ~ ell + meals, data = exd)
sw <- summary(mw)$coefficients; se_ <- summary(me)$coefficients
stopifnot(max(abs(coef(mw) - coef(me))) < 1e-8)
stopifnot(max(abs(se_[, 2] - sw[, 2] * sqrt(mw$df.residual / me$df.residual))) < 1e-8)
out$freqwt <- list(
  fw_rule = "fw = 1 + (snum %% 3) on apisrs (all 200 rows, file order)",
  fw = fwd$fw, n = nrow(fwd), sum_fw = sum(fwd$fw), terms = rownames(sw),
  weighted = list(coef = unname(sw[, 1]), se = unname(sw[, 2]), sigma = summary(mw)$sigma,
                  df_residual = mw$df.residual, r2 = summary(mw)$r.squared),
  expanded = list(coef = unname(se_[, 1]), se = unname(se_[, 2]), t = unname(se_[, 3]),
                  p = unname(se_[, 4]), sigma = summary(me)$sigma,
                  df_residual = me$df.residual, r2 = summary(me)$r.squared))

## ---- key-driver analysis on ECSI ------------------------------------------------------------
mobi <- read.csv("../../data/examples/ecsi_mobi/mobi.csv")
mobi$.w <- 1 + (seq_len(nrow(mobi)) %% 4)

wr2 <- function(fit, y, w) {
  ybar <- sum(w * y) / sum(w)
  1 - sum(w * resid(fit)^2) / sum(w * (y - ybar)^2)
}
kda <- function(outcome, drivers, weighted = FALSE) {
  d <- mobi[complete.cases(mobi[, c(outcome, drivers)]), c(outcome, drivers, ".w")]
  y <- d[[outcome]]; w <- if (weighted) d$.w else rep(1, nrow(d))
  p <- length(drivers)
  # R^2 for all 2^p subsets, indexed by bitmask + 1
  r2s <- numeric(2^p)
  for (mask in 1:(2^p - 1)) {
    S <- drivers[bitwAnd(mask, 2^(0:(p - 1))) > 0]
    fit <- lm(reformulate(S, outcome), data = d, weights = w)
    r2s[mask + 1] <- wr2(fit, y, w)
  }
  full <- lm(reformulate(drivers, outcome), data = d, weights = w)
  r2 <- r2s[2^p]
  stopifnot(abs(r2 - summary(full)$r.squared) < 1e-12)
  lmg <- numeric(p)
  for (j in 1:p) {
    bj <- 2^(j - 1)
    for (mask in 0:(2^p - 1)) {
      if (bitwAnd(mask, bj) > 0) next
      s <- sum(bitwAnd(mask, 2^(0:(p - 1))) > 0)
      wt <- factorial(s) * factorial(p - s - 1) / factorial(p)
      lmg[j] <- lmg[j] + wt * (r2s[mask + bj + 1] - r2s[mask + 1])
    }
  }
  C <- cov.wt(as.matrix(d[, c(drivers, outcome)]), wt = w, cor = TRUE)$cor
  Rxx <- C[drivers, drivers]; rxy <- C[drivers, outcome]
  ev <- eigen(Rxx, symmetric = TRUE)
  L <- ev$vectors %*% diag(sqrt(ev$values)) %*% t(ev$vectors)
  bstar <- solve(L, rxy)
  raw <- drop((L^2) %*% (bstar^2))
  beta <- solve(Rxx, rxy)
  stopifnot(abs(sum(lmg) - r2) < 1e-10, abs(sum(raw) - r2) < 1e-10,
            abs(sum(rxy * beta) - r2) < 1e-10)
  # standardized betas equal lm slopes rescaled by (weighted) SDs
  sdw <- sqrt(diag(cov.wt(as.matrix(d[, c(drivers, outcome)]), wt = w)$cov))
  stopifnot(max(abs(coef(full)[drivers] * sdw[drivers] / sdw[outcome] - beta)) < 1e-10)
  res <- list(outcome = outcome, drivers = drivers, weighted = weighted, n = nrow(d),
              sum_w = sum(w), r2 = r2, lmg = unname(lmg), lmg_share = unname(lmg / r2),
              johnson_raw = unname(raw), johnson_share = unname(raw / r2),
              std_beta = unname(beta), cor_y = unname(rxy),
              coef_terms = names(coef(full)), coef = unname(coef(full)))
  if (weighted) res$w <- w
  res
}
drv10 <- c(paste0("PERQ", 1:7), "IMAG1", "CUEX1", "PERV1")
out$kda_cusa1 <- kda("CUSA1", drv10)
out$kda_cusa1_weighted <- kda("CUSA1", drv10, weighted = TRUE)
out$kda_cusl1 <- kda("CUSL1", c("PERQ1", "PERQ2", "IMAG1", "CUEX1", "PERV1"))

write_json(out, "regression.json", auto_unbox = TRUE, digits = NA, pretty = TRUE)

## ---- summary ----------------------------------------------------------------------------------
cat(out$R, "| survey", out$survey, "\n")
show <- function(nm) {
  b <- out[[nm]]
  cat(sprintf("%-15s %s\n", nm, paste(sprintf("%s=%.4g(%.3g)", b$terms, b$coef, b$se),
                                       collapse = " ")))
}
for (nm in c("strat_gauss", "strat_logit", "clus1_gauss", "clus1_logit", "strat_poisson",
             "wonly_gauss", "strat_interact", "lm_srs", "glm_srs")) show(nm)
with(out$strat_gauss$test_stype, cat(sprintf("strat_gauss  stype Wald F=%.4f df=%d ddf=%d p=%.4g\n",
                                             Ftest, df, ddf, p)))
with(out$ame_strat_logit, cat(sprintf("AME %s = %.5f (SE %.5f)\n", vars, ame, se), sep = ""))
for (nm in c("kda_cusa1", "kda_cusa1_weighted", "kda_cusl1")) {
  b <- out[[nm]]
  cat(sprintf("%s: n=%d R2=%.4f\n  LMG share     %s\n  Johnson share %s\n", nm, b$n, b$r2,
              paste(sprintf("%s=%.3f", b$drivers, b$lmg_share), collapse = " "),
              paste(sprintf("%s=%.3f", b$drivers, b$johnson_share), collapse = " ")))
}
cat("wrote regression.json\n")
