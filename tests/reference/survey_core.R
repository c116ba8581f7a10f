# Reference numbers for the survey statistics core (cxresearch.design / estimates / indices /
# weighting), computed with R's survey package on its `api` data.
#
# Run from tests/reference/:   Rscript survey_core.R
# Writes survey_core.json (committed; the tests read it and never need R) and, once,
# data/apistrat.csv, data/apiclus1.csv, data/apisrs.csv (the api data exported from R).
#
# R 4.x, survey >= 4.1, jsonlite. Derived items (shared with tests/test_indices.py, which
# rebuilds them with the same integer formulas):
#   nps_x = pmin(10, (api00 - 390) %/% 50)              a 0-10 "recommend" answer
#   q1 = pmin(5, 1 + meals %/% 20); q2 = pmin(5, 1 + ell %/% 15), NA when ell > 70
#   q3 = pmin(5, 1 + emer %/% 5)                         1-5 "agreement" items
suppressMessages({library(survey); library(jsonlite)})
data(api)
dir.create("data", showWarnings = FALSE)
for (nm in c("apistrat", "apiclus1", "apisrs")) {
  f <- file.path("data", paste0(nm, ".csv"))
  if (!file.exists(f)) write.csv(get(nm), f, row.names = FALSE)
}

out <- list(R = R.version.string, survey = as.character(packageVersion("survey")))
st <- function(x) list(est = unname(coef(x)), se = unname(SE(x)))
std <- function(x) c(st(x), list(deff = unname(deff(x))))
ci <- function(x, df = Inf) { v <- confint(x, df = df); list(lo = unname(v[, 1]), hi = unname(v[, 2])) }
cp <- function(x) list(est = as.vector(unclass(x))[1], se = sqrt(as.vector(attr(x, "var"))),
                       lo = unname(attr(x, "ci")[1]),
                       hi = unname(attr(x, "ci")[2]))
byres <- function(b, with_deff = TRUE) {
  r <- list(groups = as.character(b[[1]]), est = unname(coef(b)), se = unname(SE(b)))
  if (with_deff) r$deff <- unname(deff(b))
  r
}
byci <- function(b) list(groups = as.character(b[[1]]), est = unname(b[[2]]),
                         lo = unname(b$ci_l), hi = unname(b$ci_u))

## ---- stratified design with fpc -----------------------------------------------------------
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
m <- svymean(~api00 + enroll, dstrat, deff = TRUE)
out$strat <- list(
  df = degf(dstrat),
  mean = std(m),
  mean_ci_t = ci(svymean(~api00, dstrat), df = degf(dstrat)),
  mean_ci_z = ci(svymean(~api00, dstrat)),
  total = std(svytotal(~enroll, dstrat, deff = TRUE)),
  total_ci_t = ci(svytotal(~enroll, dstrat), df = degf(dstrat)),
  by_schwide = byres(svyby(~api00, ~sch.wide, dstrat, svymean, deff = TRUE)),
  by_schwide_total = byres(svyby(~enroll, ~sch.wide, dstrat, svytotal, deff = TRUE)),
  awards = std(svymean(~awards, dstrat, deff = TRUE)),
  ciprop = lapply(c(logit = "logit", beta = "beta", mean = "mean"), function(meth)
    cp(svyciprop(~I(sch.wide == "Yes"), dstrat, method = meth))),
  by_stype_beta = byci(svyby(~I(sch.wide == "Yes"), ~stype, dstrat, svyciprop,
                             method = "beta", vartype = "ci")),
  by_stype_logit = byci(svyby(~I(awards == "Yes"), ~stype, dstrat, svyciprop,
                              method = "logit", vartype = "ci"))
)
dstrat_nofpc <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat)
out$strat_nofpc <- list(mean = std(svymean(~api00, dstrat_nofpc, deff = TRUE)))

## ---- one-stage cluster sample ---------------------------------------------------------------
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
dclus1_nofpc <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1)
out$clus1 <- list(
  df = degf(dclus1),
  mean = std(svymean(~api00, dclus1, deff = TRUE)),
  total = std(svytotal(~enroll, dclus1, deff = TRUE)),
  mean_nofpc = std(svymean(~api00, dclus1_nofpc, deff = TRUE)),
  total_nofpc = st(svytotal(~enroll, dclus1_nofpc)),
  by_stype = byres(svyby(~api00, ~stype, dclus1, svymean, deff = TRUE)),
  ciprop = lapply(c(logit = "logit", beta = "beta", mean = "mean"), function(meth)
    cp(svyciprop(~I(both == "Yes"), dclus1, method = meth))),
  by_stype_logit = byci(svyby(~I(sch.wide == "Yes"), ~stype, dclus1, svyciprop,
                              method = "logit", vartype = "ci")),
  by_stype_df = sapply(c("E", "H", "M"), function(s) degf(subset(dclus1, stype == s)))
)

## ---- simple random samples ------------------------------------------------------------------
dsrs_fpc <- svydesign(id = ~1, fpc = ~fpc, data = apisrs)  # weights derived from fpc
dsrs <- svydesign(id = ~1, data = apisrs, weights = ~I(rep(1, nrow(apisrs))))
out$srs <- list(
  fpc_weights = unname(weights(dsrs_fpc)[1]),
  mean_fpc = std(svymean(~api00, dsrs_fpc, deff = TRUE)),
  mean_unit = st(svymean(~api00, dsrs)),
  unweighted = list(mean = mean(apisrs$api00), se = sd(apisrs$api00) / sqrt(nrow(apisrs))),
  ciprop_logit = cp(svyciprop(~I(sch.wide == "Yes"), dsrs, method = "logit")),
  ciprop_beta = cp(svyciprop(~I(sch.wide == "Yes"), dsrs, method = "beta"))
)

## ---- lonely PSU -------------------------------------------------------------------------------
lon <- rbind(head(subset(apistrat, stype == "E"), 10), head(subset(apistrat, stype == "H"), 10),
             head(subset(apistrat, stype == "M"), 1))
dlon <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = lon)
out$lonely <- list()
for (opt in c("adjust", "certainty", "remove", "average")) {
  options(survey.lonely.psu = opt)
  out$lonely[[opt]] <- st(svymean(~api00, dlon))
}
options(survey.lonely.psu = "fail")

## ---- raking and calibration -------------------------------------------------------------------
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
rk <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide),
           control = list(maxit = 100, epsilon = 1e-10))
rk_default <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide))
cal <- calibrate(dclus1, ~stype + sch.wide, c(6194, 755, 1018, 5122), calfun = "raking",
                 epsilon = 1e-12, maxit = 100)
out$rake_clus1 <- list(
  weights = unname(weights(rk)),
  cal_weights = unname(weights(cal)),
  rake_mean = st(svymean(~api00, rk)),
  rake_total = st(svytotal(~enroll, rk)),
  rake_default_mean = st(svymean(~api00, rk_default)),
  cal_mean = st(svymean(~api00, cal)),
  cal_total = st(svytotal(~enroll, cal)),
  cal_by_stype = byres(svyby(~api00, ~stype, cal, svymean), FALSE),
  cal_ciprop_logit = cp(svyciprop(~I(awards == "Yes"), cal, method = "logit"))
)
# stratified start, unequal starting weights: rake's backfitting approximation differs a little
pop.awards <- data.frame(awards = c("No", "Yes"), Freq = c(2027, 4167))
rks <- rake(dstrat, list(~sch.wide, ~awards), list(pop.schwide, pop.awards),
            control = list(maxit = 100, epsilon = 1e-10))
cals <- calibrate(dstrat, ~sch.wide + awards, c(6194, 5122, 4167), calfun = "raking",
                  epsilon = 1e-12, maxit = 100)
out$rake_strat <- list(
  weights = unname(weights(rks)),
  rake_mean = st(svymean(~api00, rks)),
  cal_mean = st(svymean(~api00, cals)),
  cal_total = st(svytotal(~enroll, cals))
)

## ---- derived CX items: NPS, Likert index, top box -----------------------------------------
items <- transform(apistrat,
                   nps_x = pmin(10, (api00 - 390) %/% 50),
                   q1 = pmin(5, 1 + meals %/% 20),
                   q2 = ifelse(ell > 70, NA, pmin(5, 1 + ell %/% 15)),
                   q3 = pmin(5, 1 + emer %/% 5))
ditems <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = items)
dcomplete <- subset(ditems, !is.na(q2))
out$items <- list(
  nps = std(svymean(~I(100 * (nps_x >= 9) - 100 * (nps_x <= 6)), ditems, deff = TRUE)),
  nps_ci_t = ci(svymean(~I(100 * (nps_x >= 9) - 100 * (nps_x <= 6)), ditems), df = degf(ditems)),
  mean_0_10 = st(svymean(~nps_x, ditems)),
  nps_by_schwide = byres(svyby(~I(100 * (nps_x >= 9) - 100 * (nps_x <= 6)), ~sch.wide, ditems,
                               svymean, deff = TRUE)),
  # Mopinion share, points 1-5: sum of points / (5 * 3) among complete answers
  index_share = st(svyratio(~I(q1 + q2 + q3), ~I(0 * q1 + 15), dcomplete)),
  # points 0-4
  index_share_04 = st(svyratio(~I(q1 + q2 + q3 - 3), ~I(0 * q1 + 12), dcomplete)),
  item_q2_share = st(svyratio(~q2, ~I(0 * q2 + 5), dcomplete)),
  # POMP: 100 * mean of (x - 1) / 4
  index_pomp = st(svymean(~I(100 * (q1 + q2 + q3 - 3) / 12), dcomplete)),
  index_by_schwide = byres(svyby(~I(q1 + q2 + q3), ~sch.wide, dcomplete, svyratio,
                                 denominator = ~I(0 * q1 + 15)), FALSE),
  top2_q1 = cp(svyciprop(~I(q1 >= 4), ditems, method = "logit")),
  csat3_q3 = cp(svyciprop(~I(q3 >= 3), ditems, method = "beta"))
)

## ---- plain counts -----------------------------------------------------------------------------
pc <- list()
for (xn in list(c(7, 20), c(0, 15), c(15, 15), c(48, 200), c(1, 3))) {
  x <- xn[1]; n <- xn[2]; z <- qnorm(0.975)
  key <- paste0(x, "_", n)
  nt <- n + z^2; pt <- (x + z^2 / 2) / nt
  pc[[key]] <- list(
    x = x, n = n,
    clopper_pearson = unname(binom.test(x, n)$conf.int[1:2]),
    wilson = unname(prop.test(x, n, correct = FALSE)$conf.int[1:2]),
    jeffreys = qbeta(c(0.025, 0.975), x + 0.5, n - x + 0.5),
    agresti_coull = pmin(1, pmax(0, pt + c(-1, 1) * z * sqrt(pt * (1 - pt) / nt)))
  )
}
out$plain <- pc

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "survey_core.json")
cat("wrote survey_core.json\n")
