# Reference numbers for tests/test_wavereport.py (issue 13): index scores of the ECSI mobi data
# (mean of an index's items per respondent, complete answers) estimated with survey::svymean,
# once as a simple random sample and once under a made-up stratified, weighted design:
#   stratum = (row - 1) %% 3, weight = 1 + ((row - 1) %% 5) / 4   (rows counted from 1)
# Intervals: t with the design's degrees of freedom (confint(..., df = degf(des))).
# Run: Rscript tests/reference/wavereport_mobi.R > tests/reference/wavereport_mobi.json
suppressPackageStartupMessages({library(survey); library(jsonlite)})
mobi <- read.csv("data/examples/ecsi_mobi/mobi.csv")
n <- nrow(mobi)
mobi$stratum <- (seq_len(n) - 1) %% 3
mobi$w <- 1 + ((seq_len(n) - 1) %% 5) / 4
mobi$quality <- rowMeans(mobi[, paste0("PERQ", 1:7)])
mobi$satisfaction <- rowMeans(mobi[, paste0("CUSA", 1:3)])
mobi$value <- rowMeans(mobi[, paste0("PERV", 1:2)])
one <- function(des) {
  out <- list()
  for (v in c("quality", "satisfaction", "value", "CUEX1")) {
    m <- svymean(as.formula(paste0("~", v)), des)
    ci <- confint(m, df = degf(des))
    out[[v]] <- list(estimate = unname(coef(m)), se = as.numeric(SE(m)),
                     ci_low = ci[1, 1], ci_high = ci[1, 2])
  }
  out
}
srs <- svydesign(ids = ~1, probs = ~1, data = mobi)
strat <- svydesign(ids = ~1, strata = ~stratum, weights = ~w, data = mobi)
cat(toJSON(list(srs = one(srs), stratified = one(strat),
                r_version = R.version.string,
                survey_version = as.character(packageVersion("survey"))),
           digits = NA, auto_unbox = TRUE, pretty = TRUE))
