# Reference numbers for banner tables with pairwise column comparisons (cxresearch crosstab /
# banner significance letters), computed with R's survey package on its `api` data.
#
# Run from tests/reference/:   Rscript banner.R
# Writes banner.json (committed; the tests read it and never need R).  No data files: the tests
# read data/apistrat.csv, data/apiclus1.csv, data/apisrs.csv and rebuild the rows below.
# R 4.x, survey >= 4.1, jsonlite; the versions used are recorded in the JSON ("R", "survey").
#
# Designs (no fpc in either):
#   strat   svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat)   degf = 197
#           (the banner columns are the strata, so column covariances are exactly 0)
#   clus1   svydesign(id = ~dnum, weights = ~pw, data = apiclus1)                  degf = 14
#           (districts hold several school types, so the columns share PSUs and covary)
# Banner columns: stype, in the order E, H, M.
# Rows (derived columns, rebuilt the same way on every data set):
#   awards     awards_yes = as.numeric(awards == "Yes")        (proportion)
#   sch_wide   sch_yes    = as.numeric(sch.wide == "Yes")      (proportion)
#   api00      mean of api00
#   ell        mean of ell
#   api00_band band = cut(api00, c(-Inf, 600, 750, Inf)) (right-closed): levels
#              "le600" = (-Inf,600] (api00 <= 600), "600to750" = (600,750] (600 < api00 <= 750),
#              "gt750" = (750,Inf] (api00 > 750); each level's column % (as a proportion) from
#              svyby(~band, ~stype, des, svymean) -- the levels' column shares sum to 1.
# Per row (and per band level) and design:
#   b = svyby(~y, ~stype, des, svymean, covmat = TRUE)
#   columns, est, se, vcov (3 x 3, row-major list of rows), n (unweighted column count),
#   wbase (sum of weights in the column), neff (Kish: sum(w)^2 / sum(w^2) in the column)
#   pairs: for (a, b) in (E,H), (E,M), (H,M): diff = est[a] - est[b] = svycontrast(b, a - b),
#          se, t = diff / se, df = degf(des), p_t = 2 * pt(-|t|, df), p_z = 2 * pnorm(-|t|)
#   complement: for each column X: in_X = factor "in"/"out" (stype == X or not), added with
#          update(des, ...); c = svyby(~y, ~in_X, des, svymean,
#          covmat = TRUE); diff = mean(in X) - mean(not X) via svycontrast; se, t, df = degf(des),
#          p_t, p_z; also est_in, est_out, se_in, se_out.
# Unweighted tests on apisrs by stype (columns E, H, M; pairs as above):
#   prop.test(c(x_a, x_b), c(n_a, n_b), correct = FALSE)$p.value for awards == "Yes" and
#   sch.wide == "Yes" (with the chi-square statistic; small_expected = R warned that an expected
#   count is below 5); t.test(api00[a], api00[b], var.equal = FALSE) (Welch: t, df, p) and
#   var.equal = TRUE (pooled: t, df, p); n, x, p (share) or mean, sd per column.
suppressMessages({library(survey); library(jsonlite)})
data(api)

prep <- function(d) transform(d,
  awards_yes = as.numeric(awards == "Yes"),
  sch_yes = as.numeric(sch.wide == "Yes"),
  band = cut(api00, c(-Inf, 600, 750, Inf)))
apistrat2 <- prep(apistrat); apiclus12 <- prep(apiclus1); apisrs2 <- prep(apisrs)
band_keys <- setNames(c("le600", "600to750", "gt750"), levels(apistrat2$band))

designs <- list(
  strat = svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat2),
  clus1 = svydesign(id = ~dnum, weights = ~pw, data = apiclus12))
COLS <- c("E", "H", "M")
PAIRS <- list(c("E", "H"), c("E", "M"), c("H", "M"))

out <- list(R = R.version.string, survey = as.character(packageVersion("survey")),
            jsonlite = as.character(packageVersion("jsonlite")),
            columns = COLS, band_levels = unname(band_keys),
            band_labels = names(band_keys))

test_row <- function(est, se, DF) {
  t <- est / se
  list(t = t, df = DF, p_t = 2 * pt(-abs(t), DF), p_z = 2 * pnorm(-abs(t)))
}

# y: a formula for one numeric variable (lev = NULL), or ~band (lev = "band<level>"): svyby's
# coefficient names are "<group>" for one numeric variable and "<group>:band<level>" for a factor
nmf <- function(g, lev) if (is.null(lev)) g else paste0(g, ":", lev)
row_result <- function(des, y, lev) {
  DF <- degf(des)
  b <- svyby(y, ~stype, des, svymean, covmat = TRUE)
  nm <- nmf(COLS, lev)
  cf <- coef(b)
  stopifnot(all(nm %in% names(cf)))
  V <- vcov(b)[nm, nm]
  est <- unname(cf[nm]); se <- unname(sqrt(diag(V)))
  pairs <- do.call(rbind, lapply(PAIRS, function(p) {
    k <- setNames(rep(0, length(cf)), names(cf))
    k[nmf(p[1], lev)] <- 1; k[nmf(p[2], lev)] <- -1
    cc <- svycontrast(b, k)
    d <- unname(coef(cc)); s <- as.numeric(SE(cc))
    data.frame(a = p[1], b = p[2], diff = d, se = s, test_row(d, s, DF))
  }))
  comp <- do.call(rbind, lapply(COLS, function(X) {
    dX <- update(des, in_X = factor(ifelse(stype == X, "in", "out"), levels = c("in", "out")))
    cb <- svyby(y, ~in_X, dX, svymean, covmat = TRUE)
    cfc <- coef(cb); nmc <- nmf(c("in", "out"), lev)
    stopifnot(all(nmc %in% names(cfc)))
    k <- setNames(rep(0, length(cfc)), names(cfc)); k[nmc[1]] <- 1; k[nmc[2]] <- -1
    cc <- svycontrast(cb, k)
    d <- unname(coef(cc)); s <- as.numeric(SE(cc))
    data.frame(column = X, est_in = unname(cfc[nmc[1]]), est_out = unname(cfc[nmc[2]]),
               se_in = unname(sqrt(diag(vcov(cb)))[match(nmc[1], names(cfc))]),
               se_out = unname(sqrt(diag(vcov(cb)))[match(nmc[2], names(cfc))]),
               diff = d, se = s, test_row(d, s, DF))
  }))
  w <- weights(des); st <- as.character(des$variables$stype)
  list(columns = COLS, est = est, se = se,
       vcov = unname(lapply(seq_len(nrow(V)), function(i) unname(V[i, ]))),
       n = sapply(COLS, function(X) sum(st == X), USE.NAMES = FALSE),
       wbase = sapply(COLS, function(X) sum(w[st == X]), USE.NAMES = FALSE),
       neff = sapply(COLS, function(X) sum(w[st == X])^2 / sum(w[st == X]^2), USE.NAMES = FALSE),
       pairs = pairs, complement = comp)
}

out$designs <- list()
for (dn in names(designs)) {
  des <- designs[[dn]]
  r <- list(awards = row_result(des, ~awards_yes, NULL),
            sch_wide = row_result(des, ~sch_yes, NULL),
            api00 = row_result(des, ~api00, NULL),
            ell = row_result(des, ~ell, NULL))
  r$api00_band <- lapply(setNames(names(band_keys), band_keys), function(lb)
    c(list(label = lb), row_result(des, ~band, paste0("band", lb))))
  out$designs[[dn]] <- list(df = degf(des), rows = r)
}

## ---- unweighted tests on apisrs ----------------------------------------------------------------
s <- apisrs2; s$stype <- as.character(s$stype)
col_stats <- function(v) list(
  n = sapply(COLS, function(X) sum(s$stype == X), USE.NAMES = FALSE),
  x = sapply(COLS, function(X) sum(s[[v]][s$stype == X]), USE.NAMES = FALSE),
  p = sapply(COLS, function(X) mean(s[[v]][s$stype == X]), USE.NAMES = FALSE))
proppairs <- function(v) do.call(rbind, lapply(PAIRS, function(p) {
  xa <- sum(s[[v]][s$stype == p[1]]); xb <- sum(s[[v]][s$stype == p[2]])
  na <- sum(s$stype == p[1]); nb <- sum(s$stype == p[2])
  warned <- FALSE   # R warns "Chi-squared approximation may be incorrect" (an expected count < 5)
  pt_ <- withCallingHandlers(prop.test(c(xa, xb), c(na, nb), correct = FALSE),
                             warning = function(w) {
                               warned <<- TRUE; invokeRestart("muffleWarning") })
  data.frame(a = p[1], b = p[2], diff = xa / na - xb / nb, chisq = unname(pt_$statistic),
             p = pt_$p.value, small_expected = warned)
}))
tpairs <- function(v) do.call(rbind, lapply(PAIRS, function(p) {
  ya <- s[[v]][s$stype == p[1]]; yb <- s[[v]][s$stype == p[2]]
  wl <- t.test(ya, yb, var.equal = FALSE); po <- t.test(ya, yb, var.equal = TRUE)
  data.frame(a = p[1], b = p[2], diff = mean(ya) - mean(yb),
             t_welch = unname(wl$statistic), df_welch = unname(wl$parameter),
             p_welch = wl$p.value,
             t_pooled = unname(po$statistic), df_pooled = unname(po$parameter),
             p_pooled = po$p.value)
}))
out$unweighted_srs <- list(
  columns = COLS,
  n = sapply(COLS, function(X) sum(s$stype == X), USE.NAMES = FALSE),
  awards = c(col_stats("awards_yes"), list(pairs = proppairs("awards_yes"))),
  sch_wide = c(col_stats("sch_yes"), list(pairs = proppairs("sch_yes"))),
  api00 = list(n = sapply(COLS, function(X) sum(s$stype == X), USE.NAMES = FALSE),
               mean = sapply(COLS, function(X) mean(s$api00[s$stype == X]), USE.NAMES = FALSE),
               sd = sapply(COLS, function(X) sd(s$api00[s$stype == X]), USE.NAMES = FALSE),
               pairs = tpairs("api00")))

## ---- sanity -------------------------------------------------------------------------------------
sv <- out$designs
out$sanity <- list(
  # strata = columns: the stratified design's column covariances are 0
  strat_offdiag_max = max(abs(unlist(lapply(sv$strat$rows[c("awards", "api00")], function(r) {
    V <- do.call(rbind, r$vcov); V[row(V) != col(V)] })))),
  # clustered design: columns share PSUs, covariances are not 0
  clus1_offdiag_max = max(abs(unlist(lapply(sv$clus1$rows[c("awards", "api00")], function(r) {
    V <- do.call(rbind, r$vcov); V[row(V) != col(V)] })))),
  band_shares_sum = lapply(sv, function(d) Reduce(`+`, lapply(d$rows$api00_band, `[[`, "est"))))

jsonlite::write_json(out, "banner.json", auto_unbox = TRUE, digits = NA, pretty = TRUE)
cat("wrote banner.json\n")
