# Reference numbers for cxresearch.contingency / crosstab / multiplicity (issue 5).
# Run from the repository root:  Rscript tests/reference/rel_contingency.R
# Writes tests/reference/rel_contingency.json and the data it used under tests/reference/data/.
suppressPackageStartupMessages({library(MASS); library(vcd); library(coin); library(survey);
  library(jsonlite)})
out <- list(R = R.version.string, survey = as.character(packageVersion("survey")),
            vcd = as.character(packageVersion("vcd")))
dir <- "tests/reference/data"
write.csv(housing, file.path(dir, "rel_housing.csv"), row.names = FALSE)

# ---- housing Sat x Infl (frequency-weighted table) -------------------------------------------
tab <- xtabs(Freq ~ Sat + Infl, housing)
cs <- chisq.test(tab, correct = FALSE)
as <- assocstats(tab)
out$housing_table <- unclass(tab)
out$chisq <- list(statistic = unname(cs$statistic), df = unname(cs$parameter),
                  p = cs$p.value, expected = unclass(cs$expected),
                  stdres = unclass(cs$stdres), residuals = unclass(cs$residuals))
out$assocstats <- list(lr = as$chisq_tests[1, 1], lr_df = as$chisq_tests[1, 2],
                       lr_p = as$chisq_tests[1, 3], pearson = as$chisq_tests[2, 1],
                       cramer = as$cramer, phi = ifelse(is.na(as$phi), NA, as$phi),
                       contingency = as$contingency)

# Goodman-Kruskal gamma and Kendall tau-b with asymptotic SEs, written out by hand
# (Agresti 2013, sec. 3.4.6 / Brown & Benedetti 1977; the formulas of DescTools::GoodmanKruskalGamma
# and DescTools::KendallTauB, which is not installed here). Checked against a multinomial
# bootstrap of this table (2000 draws, seed 1): SD 0.0303 for gamma, 0.0207 for tau-b.
ord_assoc <- function(x) {
  x <- as.matrix(x); n <- sum(x); r <- nrow(x); k <- ncol(x)
  pi_c <- pi_d <- matrix(0, r, k)
  for (i in 1:r) for (j in 1:k) {
    pi_c[i, j] <- sum(x[row(x) < i & col(x) < j]) + sum(x[row(x) > i & col(x) > j])
    pi_d[i, j] <- sum(x[row(x) < i & col(x) > j]) + sum(x[row(x) > i & col(x) < j])
  }
  C <- sum(pi_c * x) / 2; D <- sum(pi_d * x) / 2
  gamma <- (C - D) / (C + D)
  psi <- 2 * (D * pi_c - C * pi_d) / (C + D)^2
  gamma_ase <- sqrt(sum(x * psi^2) - sum(x * psi)^2 / n)   # 'ASE1' (non-null)
  # tau-b
  wr <- n^2 - sum(rowSums(x)^2); wc <- n^2 - sum(colSums(x)^2)
  tau_b <- (2 * C - 2 * D) / sqrt(wr * wc)   # = (P - Q)/sqrt(wr wc) with P = 2C, Q = 2D
  w <- sqrt(wr * wc)
  vij <- outer(rowSums(x), rep(1, k)) * wc + outer(rep(1, r), colSums(x)) * wr
  dij <- pi_c - pi_d
  tau_ase <- 1 / w^2 * sqrt(sum(x * (2 * w * dij + tau_b * vij)^2) -
                              n^3 * tau_b^2 * (wr + wc)^2)
  list(gamma = gamma, gamma_ase = gamma_ase, tau_b = tau_b, tau_b_ase = tau_ase,
       concordant = C, discordant = D)
}
out$ordinal <- ord_assoc(tab)
# linear-by-linear: M^2 = (N - 1) r^2 with integer scores; and coin's version (N in place of N-1)
long <- housing[rep(seq_len(nrow(housing)), housing$Freq), c("Sat", "Infl")]
r <- cor(as.integer(long$Sat), as.integer(long$Infl))
N <- nrow(long)
lb <- lbl_test(Sat ~ Infl, data = long)
out$lbl <- list(r = r, N = N, M2 = (N - 1) * r^2, p = pchisq((N - 1) * r^2, 1, lower.tail = FALSE),
                coin_z = statistic(lb), coin_p = pvalue(lb)[1])

# ---- two by two / fisher ---------------------------------------------------------------------
t22 <- matrix(c(30, 10, 70, 90), 2)   # rows exposed / unexposed, cols yes / no
ft <- fisher.test(t22)
out$fisher <- list(table = t22, or = unname(ft$estimate), ci = as.numeric(ft$conf.int),
                   p = ft$p.value)
t22b <- matrix(c(3, 1, 7, 12), 2)
ftb <- fisher.test(t22b)
out$fisher_small <- list(table = t22b, or = unname(ftb$estimate), ci = as.numeric(ftb$conf.int),
                         p = ftb$p.value)
# Wald RR / OR / RD by hand (epitools-style)
a <- 30; b <- 70; c <- 10; d <- 90
out$wald22 <- list(rr = (a / (a + b)) / (c / (c + d)),
                   rr_se_log = sqrt(1/a - 1/(a + b) + 1/c - 1/(c + d)),
                   or = a * d / (b * c), or_se_log = sqrt(1/a + 1/b + 1/c + 1/d),
                   rd = a / (a + b) - c / (c + d),
                   rd_se = sqrt(0.3 * 0.7 / 100 + 0.1 * 0.9 / 100))

# ---- api data: svychisq (all four statistics) and design-based 2x2 ---------------------------
data(api)
apistrat$ell4 <- cut(apistrat$ell, quantile(apistrat$ell, 0:4 / 4), include.lowest = TRUE,
                     labels = c("q1", "q2", "q3", "q4"))
apiclus1$ell4 <- cut(apiclus1$ell, quantile(apiclus1$ell, 0:4 / 4), include.lowest = TRUE,
                     labels = c("q1", "q2", "q3", "q4"))
keep <- c("snum", "dnum", "stype", "sch.wide", "comp.imp", "awards", "both", "meals", "ell",
          "ell4", "mobility", "api00", "avg.ed", "pw", "fpc")
write.csv(apistrat[, keep], file.path(dir, "rel_apistrat.csv"), row.names = FALSE)
write.csv(apiclus1[, keep], file.path(dir, "rel_apiclus1.csv"), row.names = FALSE)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
chis <- function(f, des) {
  res <- list()
  for (s in c("Chisq", "F", "Wald", "adjWald")) {
    x <- svychisq(f, des, statistic = s)
    res[[s]] <- list(statistic = unname(x$statistic), parameter = unname(x$parameter),
                     p = unname(x$p.value))
  }
  res
}
out$svychisq <- list(
  strat_stype_ell4 = chis(~stype + ell4, dstrat),
  strat_stype_schwide = chis(~stype + sch.wide, dstrat),
  clus1_stype_ell4 = chis(~stype + ell4, dclus1),
  clus1_awards_both = chis(~awards + both, dclus1))
out$svytable_strat <- unclass(svytable(~stype + ell4, dstrat))
# design-based 2x2: exposure stype == "E", outcome sch.wide == "Yes", on dclus1
dclus1 <- update(dclus1, ex = factor(stype == "E", levels = c(FALSE, TRUE)),
                 yes = as.numeric(sch.wide == "Yes"))
by <- svyby(~yes, ~ex, dclus1, svymean, covmat = TRUE)
ctr <- function(e) { x <- svycontrast(by, e); c(est = unname(coef(x)), se = unname(SE(x))) }
out$svy22 <- list(
  p = unname(coef(by)),
  log_rr = ctr(quote(log(`TRUE`) - log(`FALSE`))),
  log_or = ctr(quote(log(`TRUE` / (1 - `TRUE`)) - log(`FALSE` / (1 - `FALSE`)))),
  rd = ctr(quote(`TRUE` - `FALSE`)))

# raked cluster design (?rake example margins): calibrate(calfun = "raking") gives the variance
# of the calibration estimator (residuals on all margins jointly); rake() approximates it with
# sequential post-stratification residuals, so its statistics differ slightly.
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
dclus1b <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dr <- rake(dclus1b, list(~stype, ~sch.wide), list(pop.types, pop.schwide),
           control = list(maxit = 100, epsilon = 1e-10))
dc <- calibrate(dclus1b, ~stype + sch.wide, c(6194, 755, 1018, 5122), calfun = "raking",
                epsilon = 1e-12, maxit = 200)
out$svychisq_raked <- list(rake = chis(~ell4 + comp.imp, dr), calibrate = chis(~ell4 + comp.imp, dc),
                           weights_calibrate = unname(weights(dc)))

# ---- p.adjust ----------------------------------------------------------------------------------
p <- c(0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216, 0.5, 0.9)
out$p_adjust <- list(p = p)
for (m in c("holm", "hochberg", "hommel", "bonferroni", "BH", "BY")) out$p_adjust[[m]] <- p.adjust(p, m)

write_json(out, "tests/reference/rel_contingency.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE, matrix = "rowmajor")
cat("wrote tests/reference/rel_contingency.json\n")
