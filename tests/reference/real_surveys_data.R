# Exports the two real public surveys that tests/pipeline/test_templates_real_surveys.py runs
# the report templates on (issue 26). Run from the repository root:
#   Rscript tests/reference/real_surveys_data.R
# 1. api_schools: California Academic Performance Index, from R package survey (GPL-2 | GPL-3;
#    data: California Department of Education, public). Wave "1999": apisrs (simple random
#    sample of 200 schools; API of 1999); wave "2000": apistrat (stratified by school type,
#    200 schools; API of 2000). Real sampling weights pw and fpc; strata: school type in
#    apistrat, one stratum in apisrs (a simple random sample).
# 2. beps_1997: British Election Panel Study 1997-2001, 1525 respondents, from R package
#    carData (GPL >= 2), data set BEPS: 1-5 ratings of the party leaders and of the economy,
#    a 1-11 Euroscepticism scale. No weights (a simple random sample for the tests).
suppressMessages({library(survey); library(carData)})
data(api)
keep <- c("stype", "api", "meals", "ell", "full", "avg.ed", "enroll", "awards",
          "sch.wide", "pw", "fpc", "stratum")
a99 <- apisrs; a99$api <- a99$api99; a99$stratum <- "all"
a00 <- apistrat; a00$api <- a00$api00; a00$stratum <- as.character(a00$stype)
out <- "tests/pipeline/surveys/api_schools"
write.csv(a99[, keep], file.path(out, "api_1999.csv"), row.names = FALSE, na = "")
write.csv(a00[, keep], file.path(out, "api_2000.csv"), row.names = FALSE, na = "")
b <- BEPS
names(b) <- tolower(gsub(".", "_", names(b), fixed = TRUE))
write.csv(b, "tests/pipeline/surveys/beps_1997/beps.csv", row.names = FALSE)
