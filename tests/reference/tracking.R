# Reference numbers for tracking across waves (cxresearch: wave-on-wave changes, trends, tests),
# computed with R's survey package on its `api` data.  Waves are independent samples, stacked
# with the wave as (part of) the stratum, so that between-wave covariances are exactly zero.
#
# Run from tests/reference/:   Rscript tracking.R
# Writes tracking.json (committed; the tests read it and never need R) and data/trk_stacked.csv
# (the stacked data; the tests may rebuild it from data/apisrs.csv, apistrat.csv, apiclus1.csv).
# R 4.x, survey >= 4.1, jsonlite; the versions used are recorded in the JSON ("R", "survey").
#
# Stacked data (583 rows, in this order), columns of data/trk_stacked.csv:
#   wave 1 = apisrs   (all 200 rows, in row order)   within-wave stratum "all", psu = snum
#   wave 2 = apistrat (200 rows)                     within-wave stratum = stype, psu = snum
#   wave 3 = apiclus1 (183 rows)                     within-wave stratum "all", psu = dnum
#   wave      1, 2, 3 (integer)
#   snum      school number (from the source data)
#   stratum   paste(wave, within-wave stratum, sep = ".")  -> "1.all", "2.E", "2.H", "2.M", "3.all"
#   psu       paste(wave, snum, sep = ".") for waves 1, 2 (one unit per PSU);
#             paste(3, dnum, sep = ".") for wave 3 (school district = PSU)
#   pw        the source data's pw (sampling weight)
#   api00, stype (E/H/M), sch_wide (= sch.wide, "Yes"/"No")  from the source data
#   nps_x     = pmax(0, pmin(10, (api00 - 390) %/% 50))   (integer floor division; the floor at 0
#             matters for two apisrs rows with api00 < 390, which would give -1; the code below is
#             the same with or without it)
#   nps_code  = 100 * (nps_x >= 9) - 100 * (nps_x <= 6)
#   not in the CSV (rebuild them): sch_yes = as.numeric(sch_wide == "Yes"),
#             wave_index = as.numeric(wave)  (1, 2, 3; the trend regressor)
# Design (no fpc):  des = svydesign(id = ~psu, strata = ~stratum, weights = ~pw, data = stacked,
#                                   nest = TRUE)
#   PSUs 200 + 200 + 15 = 415, strata 5, so degf(des) = 410 (stored as "df").
# Each wave's own design (for the sanity check and the raking):
#   wave 1: svydesign(id = ~1, weights = ~pw, data = apisrs)
#   wave 2: svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat)
#   wave 3: svydesign(id = ~dnum, weights = ~pw, data = apiclus1)
# Computed:
#   per_wave   svyby(~y, ~wave, des, svymean, deff = TRUE, covmat = TRUE) for y = api00, nps_code,
#              sch_yes: est, se, deff (without-replacement deff, survey's deff = TRUE)
#   changes    svycontrast on those svyby objects: w2_w1 = w2 - w1, w3_w2 = w3 - w2,
#              w3_w1 = w3 - w1: est, se, t = est / se, p_t = 2 * pt(-|t|, degf(des)),
#              p_z = 2 * pnorm(-|t|)
#   trend      svyglm(y ~ wave_index, des) for y = api00, nps_code (gaussian), and
#              svyglm(I(nps_x >= 9) ~ wave_index, des, family = quasibinomial()): slope, se,
#              p_glm (summary(): t with the model's residual df = degf(des) - 1 = 409), p_t (t, df =
#              degf(des)), p_z; ci_t = confint(m, ddf = degf(des)) and ci_z = confint(m, ddf = Inf)
#              (NB confint.svyglm's argument is `ddf`: confint(m, df = ...) silently ignores df and
#              uses m$df.residual).
#   any_diff   svyglm(y ~ factor(wave), des); regTermTest(m, ~factor(wave)) (Wald F = chi2 / df,
#              default ddf = m$df.residual = degf(des) + 1 - #coefficients = 408; p from
#              F(df, ddf)): F, df, ddf, p, and the coefficients; y = api00, nps_code
#   interaction svyglm(api00 ~ factor(wave) * sch_wide, des) (6 coefficients, ddf = 405);
#              regTermTest(m, ~factor(wave):sch_wide): F, df, ddf, p
#   raked      targets: pooled weighted stype shares svymean(~stype, des); each wave's own design
#              is raked (calibrate(..., ~stype, pop, calfun = "raking")) to totals
#              pop = sum(wave weights) * shares (epsilon = 1e-12, maxit = 100; one raking
#              margin, so it is exact after one step); adjusted svymean(~api00) per wave (est,
#              se); changes with se = sqrt(se_a^2 + se_b^2) (independent samples), p_z and p_t
#              (df = degf(des)); the same changes from the unadjusted own designs for comparison.
#   sanity     per-wave SEs / deffs from svyby on the stacked design vs each wave's own design.
suppressMessages({library(survey); library(jsonlite)})
data(api)

nps_of <- function(a) pmax(0, pmin(10, (a - 390) %/% 50))
w1 <- data.frame(wave = 1L, snum = apisrs$snum, stratum = "1.all",
                 psu = paste(1, apisrs$snum, sep = "."), pw = apisrs$pw, api00 = apisrs$api00,
                 sch_wide = as.character(apisrs$sch.wide), stype = as.character(apisrs$stype))
w2 <- data.frame(wave = 2L, snum = apistrat$snum, stratum = paste(2, apistrat$stype, sep = "."),
                 psu = paste(2, apistrat$snum, sep = "."), pw = apistrat$pw,
                 api00 = apistrat$api00, sch_wide = as.character(apistrat$sch.wide),
                 stype = as.character(apistrat$stype))
w3 <- data.frame(wave = 3L, snum = apiclus1$snum, stratum = "3.all",
                 psu = paste(3, apiclus1$dnum, sep = "."), pw = apiclus1$pw,
                 api00 = apiclus1$api00, sch_wide = as.character(apiclus1$sch.wide),
                 stype = as.character(apiclus1$stype))
stacked <- rbind(w1, w2, w3)
stacked$nps_x <- nps_of(stacked$api00)
stacked$nps_code <- 100 * (stacked$nps_x >= 9) - 100 * (stacked$nps_x <= 6)
write.csv(stacked, file.path("data", "trk_stacked.csv"), row.names = FALSE)
stacked$sch_yes <- as.numeric(stacked$sch_wide == "Yes")
stacked$wave_index <- as.numeric(stacked$wave)

des <- svydesign(id = ~psu, strata = ~stratum, weights = ~pw, data = stacked, nest = TRUE)
DF <- degf(des)
out <- list(R = R.version.string, survey = as.character(packageVersion("survey")),
            jsonlite = as.character(packageVersion("jsonlite")),
            n = nrow(stacked), n_wave = as.list(setNames(as.vector(table(stacked$wave)), 1:3)),
            n_psu = length(unique(stacked$psu)), n_strata = length(unique(stacked$stratum)),
            df = DF,
            nps_x_floor_rows = sum((stacked$api00 - 390) %/% 50 < 0))

## ---- per wave -----------------------------------------------------------------------------------
pv <- function(y) svyby(as.formula(paste0("~", y)), ~wave, des, svymean, deff = TRUE,
                        covmat = TRUE)
bys <- list(api00 = pv("api00"), nps_code = pv("nps_code"), sch_yes = pv("sch_yes"))
out$per_wave <- lapply(bys, function(b) list(wave = as.integer(as.character(b$wave)),
                                             est = unname(coef(b)), se = as.numeric(SE(b)),
                                             deff = as.numeric(deff(b))))

## ---- changes ------------------------------------------------------------------------------------
K <- list(w2_w1 = c(-1, 1, 0), w3_w2 = c(0, -1, 1), w3_w1 = c(-1, 0, 1))
chg <- function(b) {
  lapply(K, function(k) {
    cc <- svycontrast(b, k)
    est <- unname(coef(cc)); se <- as.numeric(SE(cc)); t <- est / se
    list(est = est, se = se, t = t, df = DF, p_t = 2 * pt(-abs(t), DF), p_z = 2 * pnorm(-abs(t)))
  })
}
out$changes <- list(api00 = chg(bys$api00), nps_code = chg(bys$nps_code),
                    sch_yes = chg(bys$sch_yes))

## ---- trend --------------------------------------------------------------------------------------
trend <- function(m) {
  s <- summary(m)$coefficients
  est <- s["wave_index", 1]; se <- s["wave_index", 2]; t <- est / se
  ct <- confint(m, ddf = DF)["wave_index", ]; cz <- confint(m, ddf = Inf)["wave_index", ]
  list(intercept = unname(coef(m)[1]), slope = est, se = se, t = t,
       df_glm = m$df.residual, p_glm = s["wave_index", 4],
       df = DF, p_t = 2 * pt(-abs(t), DF), p_z = 2 * pnorm(-abs(t)),
       ci_t = list(lo = unname(ct[1]), hi = unname(ct[2])),
       ci_z = list(lo = unname(cz[1]), hi = unname(cz[2])))
}
out$trend <- list(
  api00 = trend(svyglm(api00 ~ wave_index, des)),
  nps_code = trend(svyglm(nps_code ~ wave_index, des)),
  promoter_logit = trend(svyglm(I(nps_x >= 9) ~ wave_index, des, family = quasibinomial())))

## ---- any difference between waves; segment x wave interaction -----------------------------------
rtt <- function(m, term) {
  r <- regTermTest(m, term)
  list(F = unname(as.vector(r$Ftest)), df = unname(r$df), ddf = unname(r$ddf),
       p = unname(as.vector(r$p)))
}
m_api <- svyglm(api00 ~ factor(wave), des)
m_nps <- svyglm(nps_code ~ factor(wave), des)
out$any_diff <- list(
  api00 = c(rtt(m_api, ~factor(wave)), list(coef = unname(coef(m_api)),
                                            se = as.numeric(SE(m_api)))),
  nps_code = c(rtt(m_nps, ~factor(wave)), list(coef = unname(coef(m_nps)),
                                               se = as.numeric(SE(m_nps)))))
m_int <- svyglm(api00 ~ factor(wave) * sch_wide, des)
out$interaction <- c(rtt(m_int, ~factor(wave):sch_wide),
                     list(coef_names = names(coef(m_int)), coef = unname(coef(m_int)),
                          se = as.numeric(SE(m_int))))

## ---- own designs, sanity ------------------------------------------------------------------------
own <- list(
  svydesign(id = ~1, weights = ~pw, data = subset(stacked, wave == 1)),
  svydesign(id = ~1, strata = ~stype, weights = ~pw, data = subset(stacked, wave == 2)),
  svydesign(id = ~psu, weights = ~pw, data = subset(stacked, wave == 3)))
own_m <- lapply(c("api00", "nps_code", "sch_yes"), function(y)
  lapply(own, function(d) svymean(as.formula(paste0("~", y)), d, deff = TRUE)))
names(own_m) <- c("api00", "nps_code", "sch_yes")
out$sanity <- list()
for (y in names(own_m)) {
  se_own <- sapply(own_m[[y]], function(m) as.numeric(SE(m))); est_own <- sapply(own_m[[y]], coef)
  deff_own <- sapply(own_m[[y]], function(m) as.numeric(deff(m)))
  out$sanity[[y]] <- list(
    own_est = unname(est_own), own_se = unname(se_own), own_deff = unname(deff_own),
    max_abs_se_diff = max(abs(se_own - out$per_wave[[y]]$se)),
    max_abs_deff_diff = max(abs(deff_own - out$per_wave[[y]]$deff)),
    se_match = isTRUE(all.equal(unname(se_own), out$per_wave[[y]]$se, tolerance = 1e-10)),
    cross_wave_cov_max = max(abs(vcov(bys[[y]])[row(vcov(bys[[y]])) != col(vcov(bys[[y]]))])))
}
# the same own designs built from the raw api data (wave 3 clustered by dnum)
own_raw <- list(svydesign(id = ~1, weights = ~pw, data = apisrs),
                svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat),
                svydesign(id = ~dnum, weights = ~pw, data = apiclus1))
out$sanity$raw_designs_api00_se <- sapply(own_raw, function(d)
  as.numeric(SE(svymean(~api00, d))))
stopifnot(all(sapply(out$sanity[c("api00", "nps_code", "sch_yes")], `[[`, "se_match")))

## ---- raked comparison ---------------------------------------------------------------------------
shares <- svymean(~stype, des)
sh <- setNames(unname(coef(shares)), sub("^stype", "", names(coef(shares))))
raked <- list()
for (w in 1:3) {
  d <- own_raw[[w]]
  W <- sum(weights(d))
  pop <- c(`(Intercept)` = W, stypeH = W * sh[["H"]], stypeM = W * sh[["M"]])
  cal <- calibrate(d, ~stype, pop, calfun = "raking", epsilon = 1e-12, maxit = 100)
  m <- svymean(~api00, cal)
  chk <- svytotal(~stype, cal)
  raked[[w]] <- list(wave = w, sum_w = W, pop_E = W * sh[["E"]], pop_H = W * sh[["H"]],
                     pop_M = W * sh[["M"]], est = unname(coef(m)), se = as.numeric(SE(m)),
                     unadj_est = unname(coef(svymean(~api00, d))),
                     unadj_se = as.numeric(SE(svymean(~api00, d))),
                     cal_totals_max_err = max(abs(unname(coef(chk)) -
                                                  W * c(sh[["E"]], sh[["H"]], sh[["M"]]))))
}
rchg <- function(a, b, what = "est", swhat = "se") {
  est <- raked[[b]][[what]] - raked[[a]][[what]]
  se <- sqrt(raked[[a]][[swhat]]^2 + raked[[b]][[swhat]]^2); t <- est / se
  list(est = est, se = se, t = t, p_z = 2 * pnorm(-abs(t)), p_t = 2 * pt(-abs(t), DF))
}
out$raked <- list(
  targets = list(E = sh[["E"]], H = sh[["H"]], M = sh[["M"]], se = as.list(setNames(
    as.numeric(SE(shares)), names(sh)))),
  waves = raked,
  changes = list(w2_w1 = rchg(1, 2), w3_w2 = rchg(2, 3), w3_w1 = rchg(1, 3)),
  changes_unadjusted = list(w2_w1 = rchg(1, 2, "unadj_est", "unadj_se"),
                            w3_w2 = rchg(2, 3, "unadj_est", "unadj_se"),
                            w3_w1 = rchg(1, 3, "unadj_est", "unadj_se")))

jsonlite::write_json(out, "tracking.json", auto_unbox = TRUE, digits = NA, pretty = TRUE)
cat("wrote tracking.json\n")
