# The gaussian glmm (boosting, test/realdata/lmm_fit) against lme4::lmer on
# simulated linear mixed models and on carData::Salaries; run by
# lmm_compare.sh, which builds the driver.  Prints the fixed effects with
# their standard errors, Q (the random-intercept variance) and sigma^2 side
# by side with lmer's REML and ML fits, the degrees of freedom each side's
# sigma^2 divides by, and a fair_glmm rho sweep on Salaries.
#
#   Rscript lmm_compare.R DRIVER WORKDIR
#
# What is asserted (loose on purpose: boosting is neither REML nor ML; see
# docs/gaussian-boosting.md):
#   - strata of 20 rows, and Salaries: every fixed effect within 0.5 of
#     lmer REML's standard error of it, our standard errors within 10 % of
#     lmer's, sigma^2 within 5 % and Q within 15 % of REML;
#   - strata of 4 rows: fixed effects within 1 standard error; sigma^2 above
#     REML's (boosting's trace counts the random intercepts as unshrunk) but
#     within 40 %, and our RSS divided by lmer's degrees of freedom instead
#     closes more than half of that gap;
#   - Salaries: fair_glmm's |cov(sex, prediction)| falls as rho grows.
# Ends with "lmm_compare: ok" or "lmm_compare: FAILED".
suppressMessages(library(lme4))

args <- commandArgs(TRUE)
driver <- args[1]
work <- args[2]
failures <- character(0)
check <- function(ok, what) {
  if (!isTRUE(ok)) failures <<- c(failures, what)
}

# y, the features, stratum (0 ..), s: the driver's CSV
write_set <- function(name, y, X, group, s) {
  f <- file.path(work, paste0(name, ".csv"))
  d <- data.frame(y = y, X, stratum = as.integer(factor(group)) - 1L, s = as.integer(s))
  write.csv(d, f, row.names = FALSE)
  f
}

ours <- function(file, method = "glmm", rho = 0, ...) {
  out <- system2(driver, c(file, method, format(rho), ...), stdout = TRUE)
  if (!is.null(attr(out, "status"))) stop("lmm_fit failed on ", file)
  kv <- strsplit(out, " ", fixed = TRUE)
  setNames(as.numeric(vapply(kv, `[`, "", 2)), vapply(kv, `[`, "", 1))
}

compare <- function(name, y, X, group, s, truth = NULL, strict = TRUE) {
  file <- write_set(name, y, X, group, s)
  d <- data.frame(y = y, X, g = factor(group))
  form <- reformulate(c(colnames(X), "(1 | g)"), response = "y")
  reml <- lmer(form, data = d, REML = TRUE)
  ml <- lmer(form, data = d, REML = FALSE)
  o <- ours(file)
  p <- ncol(X)
  vc <- function(m) as.data.frame(VarCorr(m))$vcov
  cf <- function(m) summary(m)$coefficients
  est <- c(o["intercept"], o[paste0("beta_", 1:p)])
  se <- c(o["se_intercept"], o[paste0("se_", 1:p)])
  tab <- data.frame(
    truth = if (is.null(truth)) NA else truth,
    REML = c(cf(reml)[, 1], vc(reml)),
    ML = c(cf(ml)[, 1], vc(ml)),
    glmm = c(est, o["q"], o["sigma2"]),
    REML_se = c(cf(reml)[, 2], NA, NA),
    glmm_se = c(se, NA, NA),
    row.names = c(rownames(cf(reml)), "Q", "sigma^2"))
  tab$diff_in_se <- (tab$glmm - tab$REML) / tab$REML_se
  # the degrees of freedom of each sigma^2: boosting's trace against the hat
  # trace of lmer's fit (sum of its leverages), and our RSS over the latter
  rss <- (o["rmse"]^2) * length(y)
  df_lmer <- sum(hatvalues(reml))
  cat(sprintf("\n== %s: %d rows, %d strata; glmm %d steps (stop %d), df %.2f\n",
              name, length(y), nlevels(d$g), o["steps"], o["stop_reason"], o["df"]))
  print(signif(tab, 6))
  cat(sprintf("lmer's hat trace %.2f; glmm's RSS / (N - that) = %.6g (REML sigma^2 %.6g)\n",
              df_lmer, rss / (length(y) - df_lmer), vc(reml)[2]))
  n_fixed <- p + 1
  fixed_gap <- max(abs(tab$diff_in_se[1:n_fixed]))
  s2_ratio <- o["sigma2"] / vc(reml)[2]
  q_ratio <- o["q"] / vc(reml)[1]
  if (strict) {
    check(fixed_gap < 0.5, sprintf("%s: fixed effects %.2f SE from REML", name, fixed_gap))
    check(all(abs(tab$glmm_se[1:n_fixed] / tab$REML_se[1:n_fixed] - 1) < 0.10),
          sprintf("%s: standard errors", name))
    check(abs(s2_ratio - 1) < 0.05, sprintf("%s: sigma^2 ratio %.3f", name, s2_ratio))
    check(abs(q_ratio - 1) < 0.15, sprintf("%s: Q ratio %.3f", name, q_ratio))
  } else {
    # few rows a stratum: boosting's early stop leaves the fixed effects
    # further from REML, but sigma^2, with the fit's own degrees of freedom,
    # stays close to REML's
    check(fixed_gap < 1, sprintf("%s: fixed effects %.2f SE from REML", name, fixed_gap))
    check(abs(s2_ratio - 1) < 0.05, sprintf("%s: sigma^2 ratio %.3f", name, s2_ratio))
    check(abs(q_ratio - 1) < 0.25, sprintf("%s: Q ratio %.3f", name, q_ratio))
  }
  invisible(list(o = o, reml = reml, file = file))
}

simulate <- function(n, per, q = 1, sigma2 = 4, seed = 1) {
  set.seed(seed)
  N <- n * per
  g <- rep(seq_len(n), each = per)
  s <- rbinom(N, 1, 0.4)
  X <- cbind(x1 = rnorm(N) + 0.8 * s, x2 = rnorm(N), x3 = rnorm(N))
  y <- drop(2 + X %*% c(1, -0.5, 0.25)) + rnorm(n, sd = sqrt(q))[g] + rnorm(N, sd = sqrt(sigma2))
  list(y = y, X = X, g = g, s = s)
}

truth <- c(2, 1, -0.5, 0.25, 1, 4)
a <- simulate(300, 20, seed = 11)
compare("sim_300x20", a$y, a$X, a$g, a$s, truth)
b <- simulate(300, 4, seed = 12)
compare("sim_300x4", b$y, b$X, b$g, b$s, truth, strict = FALSE)

# Salaries: the grouping with the most groups (rank x discipline: 6; rank
# alone 3, discipline alone 2), salary in dollars as it is
data(Salaries, package = "carData")
S <- Salaries
X <- cbind(yrs.since.phd = S$yrs.since.phd, yrs.service = S$yrs.service,
           sexMale = as.numeric(S$sex == "Male"))
sal <- compare("salaries", S$salary, X, interaction(S$rank, S$discipline, drop = TRUE),
               S$sex == "Female")
re <- ranef(sal$reml)$g
cat("random intercepts (lmer REML conditional modes vs glmm):\n")
print(data.frame(lmer = signif(re[, 1], 6),
                 glmm = signif(sal$o[paste0("b_", seq_len(nrow(re)) - 1)], 6),
                 row.names = rownames(re)))

cat("\n== salaries, fair_glmm (s = female): rho, cov(s, prediction), sexMale, Q, sigma^2\n")
last <- Inf
for (rho in c(0, 0.01, 0.1, 1, 10)) {
  f <- ours(sal$file, "fair_glmm", rho)
  cat(sprintf("rho %-5g cov %10.2f  sexMale %9.1f  Q %.4g  sigma^2 %.4g  steps %d\n",
              rho, f["cov"], f["beta_3"], f["q"], f["sigma2"], f["steps"]))
  check(abs(f["cov"]) < last || rho == 0, sprintf("fair_glmm cov at rho %g", rho))
  last <- abs(f["cov"])
}

if (length(failures)) {
  cat("\n", paste("failed:", failures, collapse = "\n"), "\n", sep = "")
  cat("lmm_compare: FAILED\n")
  quit(status = 1)
}
cat("\nlmm_compare: ok\n")
