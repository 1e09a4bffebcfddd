# The R side of test/realdata/compare_gaussian.sh (see there for what is
# compared and why).
#
#   Rscript compare_gaussian.R lambda WORKDIR    lmer's REML fit: lambda = sigma^2 / (2 Q) to WORKDIR/lambda.txt
#   Rscript compare_gaussian.R compare WORKDIR   WORKDIR/ours.csv against lm, sandwich and lmer
suppressPackageStartupMessages(library(lme4))
suppressPackageStartupMessages(library(sandwich))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript compare_gaussian.R lambda|compare WORKDIR")
work <- args[2]
d <- read.csv(file.path(work, "design.csv"), stringsAsFactors = FALSE)
d$stratum <- factor(d$stratum)
form <- y ~ x1 + x2 + x3 + x4 + x5
reml <- lmer(y ~ x1 + x2 + (1 | stratum), data = d, REML = TRUE,
             control = lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 0.2, rhoend = 1e-10)))
vc <- as.data.frame(VarCorr(reml))
q <- vc$vcov[vc$grp == "stratum"]
sigma2 <- vc$vcov[vc$grp == "Residual"]
if (args[1] == "lambda") {
  # printed with every digit, so both sides use the same ratio
  if (isSingular(reml)) stop("lmer's fit is singular")
  writeLines(sprintf("%.17g", sigma2 / (2 * q)), file.path(work, "lambda.txt"))
  quit(status = 0)
}

ours <- read.csv(file.path(work, "ours.csv"), stringsAsFactors = FALSE)
get <- function(fit, kind) {
  o <- ours[ours$fit == fit & ours$kind == kind, ]
  setNames(o$value, o$name)
}
failures <- character(0)
check <- function(ok, what) {
  cat(sprintf("  %-58s %s\n", what, if (isTRUE(ok)) "ok" else "FAILED"))
  if (!isTRUE(ok)) failures <<- c(failures, what)
}
rel <- function(a, b) max(abs(a - b) / pmax(abs(b), 1e-300))
terms <- c("intercept", "x1", "x2", "x3", "x4", "x5")

compare_lm <- function(fit, r, name, vcov_r = vcov(r), se_tol = 1e-9) {
  est <- get(fit, "coef")[terms]
  se <- get(fit, "se")[terms]
  st <- get(fit, "stat")
  ref <- unname(coef(r))
  ref_se <- sqrt(diag(vcov_r))
  ll <- logLik(r)
  cat(sprintf("%s (%d rows):\n", name, nrow(d)))
  print(signif(data.frame(fairglmm = est, R = ref, se = se, R_se = unname(ref_se), row.names = terms), 10))
  check(rel(est, ref) <= 1e-10, sprintf("%s: coefficients within 1e-10 (%.1e)", name, rel(est, ref)))
  check(rel(se, ref_se) <= se_tol, sprintf("%s: standard errors within %.0e (%.1e)", name, se_tol, rel(se, ref_se)))
  if (fit != "lr_robust") {
    check(rel(st["residual_variance"], sigma(r)^2) <= 1e-9,
          sprintf("%s: residual variance %.6g (R %.6g)", name, st["residual_variance"], sigma(r)^2))
    check(rel(st["loglik"], as.numeric(ll)) <= 1e-10,
          sprintf("%s: logLik %.10g (R %.10g)", name, st["loglik"], as.numeric(ll)))
    check(rel(st["aic"], AIC(r)) <= 1e-10, sprintf("%s: AIC %.10g (R %.10g)", name, st["aic"], AIC(r)))
    check(rel(st["bic"], BIC(r)) <= 1e-10, sprintf("%s: BIC %.10g (R %.10g)", name, st["bic"], BIC(r)))
    r2 <- summary(r)$r.squared
    check(abs(st["r_squared"] - r2) <= 1e-10, sprintf("%s: R^2 %.10f (R %.10f)", name, st["r_squared"], r2))
  }
}

ols <- lm(form, data = d)
compare_lm("lr", ols, "lr vs lm")
w1 <- d$w / mean(d$w)
wls <- lm(form, data = d, weights = w1)
compare_lm("lr_weighted", wls, "weighted lr vs lm(weights)")
compare_lm("lr_robust", ols, "robust lr vs vcovCL(HC0)",
           vcovCL(ols, cluster = ~ stratum, type = "HC0"), se_tol = 1e-8)

# crlr with lmer's variance ratio: Henderson's equations, lmer's solution
est <- get("crlr", "coef")[terms[1:3]]
ref <- unname(fixef(reml))
re <- get("crlr", "ranef")
re_ref <- ranef(reml)$stratum[, 1]
names(re_ref) <- rownames(ranef(reml)$stratum)
re <- re[names(re_ref)]
cat(sprintf("crlr at lambda = sigma^2 / (2 Q) = %.6g (lmer REML: Q %.6g, sigma^2 %.6g):\n",
            sigma2 / (2 * q), q, sigma2))
print(signif(data.frame(fairglmm = c(est, re), lmer = c(ref, re_ref),
                        row.names = c(terms[1:3], names(re_ref))), 10))
check(rel(est, ref) <= 1e-7, sprintf("crlr vs lmer: fixed effects within 1e-7 (%.1e)", rel(est, ref)))
check(max(abs(re - re_ref)) <= 1e-7 * max(abs(re_ref)),
      sprintf("crlr vs lmer: conditional modes within 1e-7 (%.1e)", max(abs(re - re_ref)) / max(abs(re_ref))))

if (length(failures) > 0) {
  cat("failed:", paste(failures, collapse = "; "), "\n")
  quit(status = 1)
}
