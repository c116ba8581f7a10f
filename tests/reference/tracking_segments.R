# Extra reference numbers for cx.track (issue 16): the segment trends of the stacked api waves.
# Same stacked design as tracking.R (reads data/trk_stacked.csv, which tracking.R writes).
# Run from tests/reference/:   Rscript tracking_segments.R   -> tracking_segments.json
#   trend_interaction  svyglm(api00 ~ wave_index * sch_wide, des);
#                      regTermTest(m, ~wave_index:sch_wide): F, df, ddf, p (ddf = degf + 1 - 4)
#   seg_slopes         svyglm(api00 ~ wave_index, subset(des, sch_wide == s)): slope, se
#   cells              svyby(~api00, ~wave + sch_wide, des, svymean): est, se (wave-major)
suppressMessages({library(survey); library(jsonlite)})
d <- read.csv(file.path("data", "trk_stacked.csv"), colClasses = c(psu = "character",
                                                                    stratum = "character"))
d$wave_index <- as.numeric(d$wave)
des <- svydesign(id = ~psu, strata = ~stratum, weights = ~pw, data = d, nest = TRUE)
m <- svyglm(api00 ~ wave_index * sch_wide, des)
r <- regTermTest(m, ~wave_index:sch_wide)
slope <- function(s) {
  ms <- svyglm(api00 ~ wave_index, subset(des, sch_wide == s))
  list(slope = unname(coef(ms)[2]), se = unname(SE(ms)[2]))
}
cells <- svyby(~api00, ~wave + sch_wide, des, svymean)
out <- list(R = R.version.string, survey = as.character(packageVersion("survey")),
            trend_interaction = list(F = unname(as.vector(r$Ftest)), df = unname(r$df),
                                     ddf = unname(r$ddf), p = unname(as.vector(r$p)),
                                     coef = unname(coef(m)), coef_names = names(coef(m))),
            seg_slopes = list(No = slope("No"), Yes = slope("Yes")),
            cells = list(wave = cells$wave, sch_wide = as.character(cells$sch_wide),
                         est = unname(coef(cells)), se = unname(SE(cells))))
jsonlite::write_json(out, "tracking_segments.json", auto_unbox = TRUE, digits = NA,
                     pretty = TRUE)
cat("wrote tracking_segments.json\n")
