# Reference numbers for cxresearch.groups and cxresearch.reliability (issue 5).
# Run from the repository root:  Rscript tests/reference/rel_groups.R
suppressPackageStartupMessages({library(psych); library(survey); library(jsonlite)})
out <- list(R = R.version.string, psych = as.character(packageVersion("psych")))
dir <- "tests/reference/data"
write.csv(chickwts, file.path(dir, "rel_chickwts.csv"), row.names = FALSE)
# ---- group comparisons on chickwts (6 feeds, 10-14 chicks each) --------------------------------
a <- anova(lm(weight ~ feed, chickwts))
ssb <- a$`Sum Sq`[1]; ssw <- a$`Sum Sq`[2]; dfb <- a$Df[1]; dfw <- a$Df[2]; msw <- ssw / dfw
kw <- kruskal.test(weight ~ feed, chickwts)
n <- nrow(chickwts)
out$anova <- list(F = a$`F value`[1], df1 = dfb, df2 = dfw, p = a$`Pr(>F)`[1],
                  eta2 = ssb / (ssb + ssw),
                  omega2 = (ssb - dfb * msw) / (ssb + ssw + msw),
                  epsilon2 = (ssb - dfb * msw) / (ssb + ssw))
ow <- oneway.test(weight ~ feed, chickwts, var.equal = FALSE)
out$welch <- list(F = unname(ow$statistic), df1 = unname(ow$parameter[1]),
                  df2 = unname(ow$parameter[2]), p = ow$p.value)
out$kruskal <- list(H = unname(kw$statistic), df = unname(kw$parameter), p = kw$p.value,
                    epsilon2 = unname(kw$statistic) / (n - 1))   # Tomczak & Tomczak (2014)
tk <- TukeyHSD(aov(weight ~ feed, chickwts))$feed
out$tukey <- list(pair = rownames(tk), diff = tk[, "diff"], lwr = tk[, "lwr"], upr = tk[, "upr"],
                  p = tk[, "p adj"])
pw <- pairwise.wilcox.test(chickwts$weight, chickwts$feed, p.adjust.method = "BH", exact = FALSE)
pwn <- pairwise.wilcox.test(chickwts$weight, chickwts$feed, p.adjust.method = "none",
                            exact = FALSE)
out$pairwise_wilcox <- list(rows = rownames(pw$p.value), cols = colnames(pw$p.value),
                            p_bh = pw$p.value, p_raw = pwn$p.value)
# ---- NPS by group: design-based Wald test on apistrat ----------------------------------------
# a 0-10 'likelihood to recommend' made from api00 deciles, to have an NPS on real design data
data(api)
apistrat$ltr <- as.integer(cut(apistrat$api00, quantile(apistrat$api00, 0:11 / 11),
                               include.lowest = TRUE)) - 1L
write.csv(apistrat[, c("stype", "pw", "fpc", "ltr", "sch.wide")],
          file.path(dir, "rel_apistrat_ltr.csv"), row.names = FALSE)
apistrat$nps <- ifelse(apistrat$ltr >= 9, 100, ifelse(apistrat$ltr <= 6, -100, 0))
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
by <- svyby(~nps, ~sch.wide, dstrat, svymean, covmat = TRUE)
d <- svycontrast(by, c(-1, 1))
out$nps_by <- list(group = as.character(by$sch.wide), nps = unname(coef(by)), se = unname(SE(by)),
                   diff = unname(coef(d)), diff_se = unname(SE(d)),
                   wald_chisq = unname(coef(d))^2 / unname(SE(d))^2)
cat3 <- factor(ifelse(apistrat$ltr >= 9, "promoter", ifelse(apistrat$ltr <= 6, "detractor",
                                                             "passive")))
ct <- suppressWarnings(chisq.test(table(apistrat$sch.wide, cat3), correct = FALSE))
out$nps_chisq <- list(statistic = unname(ct$statistic), df = unname(ct$parameter), p = ct$p.value)

# ---- reliability: psych::alpha on bfi ---------------------------------------------------------
bfi <- psychTools::bfi
items <- bfi[, c(paste0("A", 1:5), paste0("C", 1:5))]
write.csv(items, file.path(dir, "rel_bfi_ac.csv"), row.names = FALSE)
al <- function(x) {
  t <- x$total
  list(raw_alpha = t$raw_alpha, std_alpha = t$std.alpha, average_r = t$average_r,
       ase = t$ase, mean = t$mean, sd = t$sd,
       feldt = c(x$feldt$lower.ci, x$feldt$upper.ci),
       duhachek = c(t$raw_alpha - 1.96 * t$ase, t$raw_alpha + 1.96 * t$ase),
       alpha_drop = x$alpha.drop$raw_alpha, std_alpha_drop = x$alpha.drop$std.alpha,
       r_drop = x$item.stats$r.drop, r_cor = x$item.stats$r.cor, item = rownames(x$item.stats))
}
A <- items[, 1:5]; C <- items[, 6:10]
out$alpha_A_unkeyed <- suppressWarnings(al(alpha(A)))
out$alpha_A_keyed <- al(alpha(A, keys = c("A1")))
out$alpha_C_keyed <- al(alpha(C, keys = c("C4", "C5")))
# omega total from a one-factor maximum-likelihood factor analysis of the (pairwise)
# correlations, keyed items: (sum lambda)^2 / ((sum lambda)^2 + sum psi)
om <- function(x, keys) {
  x <- x; for (k in keys) x[[k]] <- 7 - x[[k]]
  f <- fa(cor(x, use = "pairwise"), nfactors = 1, fm = "ml", n.obs = nrow(x))
  l <- as.numeric(f$loadings); u <- f$uniquenesses
  list(loadings = l, uniq = unname(u), omega_total = sum(l)^2 / (sum(l)^2 + sum(u)))
}
out$omega_A <- om(A, "A1")
out$omega_C <- om(C, c("C4", "C5"))
out$omega_A_psych <- suppressWarnings(suppressMessages(
  omega(A, nfactors = 1, fm = "ml", key = c(-1, 1, 1, 1, 1), plot = FALSE)$omega.tot))
write_json(out, "tests/reference/rel_groups.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE, matrix = "rowmajor")
cat("wrote tests/reference/rel_groups.json\n")
