# Fit the random-intercept logistic model with lme4::glmer (Laplace, nAGQ = 1)
# on a CSV exported by tools/compare_lme4.sh or bench/boosting.sh.
#
#   Rscript tools/lme4_fit.R IN.csv OUT_PREFIX
#
# IN.csv: columns y (0/1), stratum, and the features (every other column).
# Writes OUT_PREFIX.fixef.csv (term, estimate), OUT_PREFIX.ranef.csv
# (stratum, effect) and OUT_PREFIX.summary.csv (fit_seconds, sd, variance,
# loglik, converged messages).  Only the glmer call is timed, not reading.
suppressPackageStartupMessages(library(lme4))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript tools/lme4_fit.R IN.csv OUT_PREFIX")
infile <- args[1]
out <- args[2]

if (requireNamespace("data.table", quietly = TRUE)) {
    d <- as.data.frame(data.table::fread(infile))
} else {
    d <- read.csv(infile)
}
d$stratum <- factor(d$stratum)
features <- setdiff(names(d), c("y", "stratum"))
f <- as.formula(paste("y ~", paste(features, collapse = " + "), "+ (1 | stratum)"))

t0 <- proc.time()[["elapsed"]]
m <- glmer(f, data = d, family = binomial, nAGQ = 1)
secs <- proc.time()[["elapsed"]] - t0

fe <- fixef(m)
names(fe)[names(fe) == "(Intercept)"] <- "intercept"
write.csv(data.frame(term = names(fe), estimate = unname(fe)),
          paste0(out, ".fixef.csv"), row.names = FALSE)
re <- ranef(m)$stratum
write.csv(data.frame(stratum = rownames(re), effect = re[[1]]),
          paste0(out, ".ranef.csv"), row.names = FALSE)
v <- as.data.frame(VarCorr(m))$vcov[1]
msgs <- m@optinfo$conv$lme4$messages
write.csv(data.frame(fit_seconds = secs, sd = sqrt(v), variance = v,
                     loglik = as.numeric(logLik(m)),
                     messages = if (is.null(msgs)) "" else paste(msgs, collapse = "; ")),
          paste0(out, ".summary.csv"), row.names = FALSE)
cat(sprintf("glmer: %d rows, %d features, %d strata: %.2f s\n",
            nrow(d), length(features), nlevels(d$stratum), secs))
