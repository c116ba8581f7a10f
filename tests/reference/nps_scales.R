# Reference numbers for NPS on non-0-10 recommend scales with custom promoter/detractor
# cut-offs (cxresearch.indices), computed with R's survey package on its `api` data.
#
# Run from tests/reference/:   Rscript nps_scales.R
# Writes nps_scales.json (committed; the tests read it and never need R) and
# data/nps_scales_apistrat.csv / data/nps_scales_apisrs.csv (the api rows plus the derived items,
# for convenience; the tests can equally rebuild the items from data/apistrat.csv, apisrs.csv).
# R 4.x, survey >= 4.1, jsonlite; the versions used are recorded in the JSON ("R", "survey").
#
# Derived items (integer arithmetic, %/% is floor division; api00 is an integer), built the same
# way on apistrat and apisrs:
#   r7 = pmax(1, pmin(7, 1 + (api00 - 350) %/% 80))     a 1-7 "recommend" answer
#   r5 = pmax(1, pmin(5, 1 + (api00 - 350) %/% 120))    a 1-5 "recommend" answer
# (every scale value occurs at least 6 times in apistrat and apisrs; counts in "counts"; the
# constants are the proposed ones, unchanged.  Note r7 == 7 and r5 == 5 both mean api00 >= 830,
# so the promoter sets of "nps7" and "nps5" coincide; the detractor sets differ.)
# NPS codes (per respondent; the NPS is the survey mean of the code):
#   "nps7"     1-7, promoters {7},    detractors {1..5}: code = 100*(r7 == 7) - 100*(r7 <= 5)
#   "nps5"     1-5, promoters {5},    detractors {1..3}: code = 100*(r5 == 5) - 100*(r5 <= 3)
#   "nps7_67"  1-7, promoters {6,7},  detractors {1..4}: code = 100*(r7 >= 6) - 100*(r7 <= 4)
#   "mean_1_7" the plain mean of r7 (not an NPS)
# Designs:
#   strat    svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
#   wonly    svydesign(id = ~1, weights = ~pw, data = apistrat)      (weights only, no strata)
#   srs      svydesign(id = ~1, data = apisrs)                        (equal weights, no fpc)
#   plain    mean(code), sd(code) / sqrt(n) on apisrs (n = 200)
# For each design and code: est, se, deff (svymean(..., deff = TRUE): vs SRS *without*
# replacement, var_srs = svyvar / n * (N - n) / N with N = sum of weights; omitted for the srs
# design, where N = n and it is infinite), deff_replace (deff = "replace": var_srs = svyvar / n),
# ci_t = confint(m, df = degf(design)), ci_z = confint(m) (normal), and the
# promoter / detractor shares (svymean of the 0/1 indicators) with SEs. deff for "mean_1_7".
# by_stype (strat design), for each code: svyby(~code, ~stype, strat, svymean, deff = TRUE) and
# confint(b, df = degf(strat)) -- domain CIs use the whole design's df (197), not a per-domain df;
# by_stype_api00 pins that same convention on svyby(~api00, ~stype, strat, svymean).
suppressMessages({library(survey); library(jsonlite)})

mk <- function(d) transform(d,
  r7 = pmax(1, pmin(7, 1 + (api00 - 350) %/% 80)),
  r5 = pmax(1, pmin(5, 1 + (api00 - 350) %/% 120)))
addcodes <- function(d) transform(d,
  nps7 = 100 * (r7 == 7) - 100 * (r7 <= 5), pro7 = as.numeric(r7 == 7), det7 = as.numeric(r7 <= 5),
  nps5 = 100 * (r5 == 5) - 100 * (r5 <= 3), pro5 = as.numeric(r5 == 5), det5 = as.numeric(r5 <= 3),
  nps7_67 = 100 * (r7 >= 6) - 100 * (r7 <= 4),
  pro7_67 = as.numeric(r7 >= 6), det7_67 = as.numeric(r7 <= 4))
data(api)
st_items <- addcodes(mk(apistrat))
srs_items <- addcodes(mk(apisrs))
write.csv(st_items[, c("snum", "stype", "pw", "fpc", "api00", "r7", "r5")],
          file.path("data", "nps_scales_apistrat.csv"), row.names = FALSE)
write.csv(srs_items[, c("snum", "stype", "api00", "r7", "r5")],
          file.path("data", "nps_scales_apisrs.csv"), row.names = FALSE)

out <- list(R = R.version.string, survey = as.character(packageVersion("survey")),
            jsonlite = as.character(packageVersion("jsonlite")))
cnt <- function(x, lv) { t <- table(factor(x, levels = lv)); setNames(as.list(as.integer(t)), lv) }
out$counts <- list(apistrat = list(r7 = cnt(st_items$r7, 1:7), r5 = cnt(st_items$r5, 1:5)),
                   apisrs = list(r7 = cnt(srs_items$r7, 1:7), r5 = cnt(srs_items$r5, 1:5)))
stopifnot(all(unlist(out$counts) >= 3))

designs <- list(
  strat = svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = st_items),
  wonly = svydesign(id = ~1, weights = ~pw, data = st_items),
  srs = suppressWarnings(svydesign(id = ~1, data = srs_items)))  # "assuming equal probability"
codes <- list(nps7 = c("nps7", "pro7", "det7"), nps5 = c("nps5", "pro5", "det5"),
              nps7_67 = c("nps7_67", "pro7_67", "det7_67"))

one <- function(v, des) {
  f <- as.formula(paste0("~", v))
  m <- svymean(f, des, deff = TRUE)
  mr <- svymean(f, des, deff = "replace")
  ct <- confint(svymean(f, des), df = degf(des)); cz <- confint(svymean(f, des))
  r <- list(est = unname(coef(m)), se = as.numeric(SE(m)), deff = as.numeric(deff(m)),
            deff_replace = as.numeric(deff(mr)),
            ci_t = list(lo = ct[1, 1], hi = ct[1, 2]), ci_z = list(lo = cz[1, 1], hi = cz[1, 2]))
  if (!is.finite(r$deff)) r$deff <- NULL   # srs design: sum of weights = n, so (N - n)/N = 0
  r
}
out$designs <- list()
for (dn in names(designs)) {
  des <- designs[[dn]]
  r <- list(df = degf(des), n = nrow(des))
  for (cn in names(codes)) {
    v <- codes[[cn]]
    r[[cn]] <- one(v[1], des)
    r[[cn]]$promoters <- one(v[2], des)[c("est", "se")]
    r[[cn]]$detractors <- one(v[3], des)[c("est", "se")]
  }
  r$mean_1_7 <- one("r7", des)
  out$designs[[dn]] <- r
}
# plain (unweighted, textbook) mean and SE on apisrs
pl <- list(n = nrow(srs_items))
for (cn in c(names(codes), "r7")) {
  x <- srs_items[[cn]]
  pl[[if (cn == "r7") "mean_1_7" else cn]] <- list(est = mean(x), se = sd(x) / sqrt(length(x)))
}
out$designs$plain <- pl
# sanity: design SRS equals the plain numbers (svymean with equal weights, no fpc: sd/sqrt(n))
out$sanity <- list(srs_equals_plain = isTRUE(all.equal(out$designs$srs$nps7$se, pl$nps7$se,
                                                       tolerance = 1e-12)))

## ---- domains: NPS (1-7) by stype; api00 by stype -------------------------------------------
dstrat <- designs$strat
byout <- function(f) {
  b <- svyby(f, ~stype, dstrat, svymean, deff = TRUE)
  ct <- confint(b, df = degf(dstrat)); cz <- confint(b)
  list(groups = as.character(b$stype), est = unname(coef(b)), se = as.numeric(SE(b)),
       deff = unname(deff(b)), df = degf(dstrat),
       ci_t_lo = unname(ct[, 1]), ci_t_hi = unname(ct[, 2]),
       ci_z_lo = unname(cz[, 1]), ci_z_hi = unname(cz[, 2]))
}
out$by_stype <- list(nps7 = byout(~nps7), nps5 = byout(~nps5), nps7_67 = byout(~nps7_67))
out$by_stype_api00 <- byout(~api00)

jsonlite::write_json(out, "nps_scales.json", auto_unbox = TRUE, digits = NA, pretty = TRUE)
cat("wrote nps_scales.json\n")
