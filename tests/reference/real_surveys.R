# Reference numbers for the report templates on two real surveys (issue 26), checked by
# tests/report/test_wavereport_design_tests.py and tests/pipeline/test_templates_real_surveys.py.
# Data: tests/pipeline/surveys/ (exported by tests/reference/real_surveys_data.R).
# Run from the repository root:  Rscript tests/reference/real_surveys.R > tests/reference/real_surveys.json
suppressMessages({library(survey); library(jsonlite)})
S <- "tests/pipeline/surveys"
a00 <- read.csv(file.path(S, "api_schools/api_2000.csv"))
a99 <- read.csv(file.path(S, "api_schools/api_1999.csv"))
names(a00) <- gsub(".", "_", names(a00), fixed = TRUE); names(a99) <- names(a00)
a00$stype <- factor(a00$stype, levels = c("E", "M", "H"))
a00$awards <- factor(a00$awards, levels = c("No", "Yes"))
d00 <- svydesign(ids = ~1, strata = ~stratum, weights = ~pw, fpc = ~fpc, data = a00)
seg <- function(y, g) {
  t <- regTermTest(svyglm(as.formula(paste(y, "~", g)), d00), as.formula(paste("~", g)))
  list(F = unname(t$Ftest[1]), df1 = unname(t$df), df2 = unname(t$ddf), p = unname(t$p[1]))
}
tests <- list()
for (g in c("stype", "awards"))
  for (y in c("api", "meals", "ell", "full", "avg_ed")) tests[[paste(y, g, sep = "|")]] <- seg(y, g)
# domain means and Kish's effective n within the domain
dom <- svyby(~api, ~awards, d00, svymean)
neff <- tapply(a00$pw, a00$awards, function(w) sum(w)^2 / sum(w^2))
mean_api <- svymean(~api, d00)
# tracking: 1999 (apisrs, one stratum) and 2000 (apistrat) stacked as independent samples
a99$stratum <- "all"
st <- rbind(transform(a99, wave = "1999"), transform(a00, wave = "2000"))
st$wstr <- paste(st$wave, st$stratum)
dst <- svydesign(ids = ~1, strata = ~wstr, weights = ~pw, fpc = ~fpc, data = st)
byw <- svyby(~api, ~wave, dst, svymean, covmat = TRUE)
ch <- svycontrast(byw, c(-1, 1))
ch_df <- degf(dst)
# BEPS: a simple random sample, classical one-way ANOVA of the index and the outcome
b <- read.csv(file.path(S, "beps_1997/beps.csv"))
b$economy <- (b$economic_cond_national + b$economic_cond_household) / 2
cls <- function(y, g) {
  t <- oneway.test(as.formula(paste(y, "~", g)), b, var.equal = TRUE)
  a <- anova(lm(as.formula(paste(y, "~", g)), b))
  list(F = unname(t$statistic), df1 = unname(t$parameter[1]), df2 = unname(t$parameter[2]),
       p = unname(t$p.value), F_anova = a[1, "F value"])
}
classical <- list()
for (g in c("vote", "gender")) for (y in c("blair", "economy"))
  classical[[paste(y, g, sep = "|")]] <- cls(y, g)
# deff with weights that average 1 (pw normalized): compared with sampling with replacement,
# svymean(deff = "replace"); the default (without replacement) uses 1 - n/sum(w) per domain
a00$nw <- a00$pw / mean(a00$pw)
dn <- svydesign(ids = ~1, strata = ~stratum, weights = ~nw, data = a00)
rep_deff <- svyby(~api, ~awards, dn, svymean, deff = "replace")
wor_deff <- suppressWarnings(svyby(~api, ~awards, dn, svymean, deff = TRUE))
cat(toJSON(list(
  api_normalized_deff = list(replace = rep_deff$DEff.api, wor = wor_deff$DEff.api,
                             neff = unname(as.numeric(tapply(a00$nw, a00$awards,
                                                      function(w) sum(w)^2 / sum(w^2))))),
  api_segment_tests = tests,
  api_awards = list(level = as.character(dom$awards), est = unname(coef(dom)),
                    se = unname(SE(dom)), neff = unname(as.numeric(neff))),
  api_mean = list(est = unname(coef(mean_api)), se = unname(SE(mean_api))),
  api_tracking = list(est = unname(coef(byw)), se = unname(SE(byw)),
                      change = unname(coef(ch)), change_se = unname(SE(ch)), df = ch_df,
                      p = 2 * pt(-abs(unname(coef(ch)) / unname(SE(ch))), ch_df)),
  beps_classical = classical,
  beps_blair_mean = list(est = mean(b$blair), se = sd(b$blair) / sqrt(nrow(b)))
), digits = NA, auto_unbox = TRUE, pretty = TRUE))
