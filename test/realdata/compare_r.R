# The R side of test/realdata/compare_r.sh (see there).
#
#   Rscript test/realdata/compare_r.R DATADIR WORKDIR
#
# DATADIR: the raw CSVs (test/realdata/data).  WORKDIR: design_<ds>.csv (the
# SQL views' design: id, y, stratum, train, one column per feature) and
# ours_<ds>.csv (fairglmm's fits: fit, kind, name, value) per data set.
#
# What is asserted, and why:
#   design    R's own model.matrix() from the raw CSV equals the SQL design
#             exactly (same rows, same columns, same doubles), so both sides
#             fit the same problem.
#   lr        every coefficient of fairglmm's lr within a relative 1e-6 of
#             glm(), run to convergence (epsilon 1e-14): the same estimator,
#             the same maximum-likelihood estimate.  On nhanes, lr with the
#             examination weights within 1e-6 of survey::svyglm (design:
#             PSUs within strata, the weights): svyglm's point estimates
#             maximise the weighted log-likelihood, as fairglmm's do (the
#             scale of the weights does not matter to lr).
#   glmm      boosting (the paper's Algorithm 1, BIC-selected componentwise
#             steps, Q from a trace estimate) is not glmer's Laplace
#             approximation, so only loose agreement is defensible:
#             - test accuracy (fitted on the 70 % split, scored on the rest,
#               threshold 0.5) within 0.02 of glmer's;
#             - random-intercept SD within a factor 3 of glmer's, or both
#               below 0.1 (a few strata and a small between-stratum
#               variance leave either estimate near 0, where ratios mean
#               nothing).
#             The fixed effects, the correlation of the random effects and
#             the accuracy of always predicting the majority class (which
#             both models match on nhanes, where 10 % have y = 1) are
#             printed, not asserted.
# Exits 1 if any assertion fails.
suppressPackageStartupMessages(library(lme4))
suppressPackageStartupMessages(library(survey))
suppressPackageStartupMessages(library(sandwich))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript compare_r.R DATADIR WORKDIR")
datadir <- args[1]
work <- args[2]

LR_RTOL <- 1e-6
ACC_TOL <- 0.02
SD_FACTOR <- 3
SD_SMALL <- 0.1

raw <- function(name) read.csv(file.path(datadir, paste0(name, ".csv")), stringsAsFactors = FALSE)

# R's own design: treatment contrasts with the same reference levels as
# test/realdata/load.sql, rows with a missing y dropped (as fairglmm skips them)
r_design <- list(
    nhanes = function() {
        d <- raw("nhanes")
        d <- d[!is.na(d$HI_CHOL), ]
        d$race <- factor(d$race, levels = 1:4)
        d$agecat <- factor(d$agecat)        # sorted: (0,19] (19,39] (39,59] (59,Inf]
        mm <- model.matrix(~ I(RIAGENDR == 2) + race + agecat, data = d)
        list(id = d$id, y = d$HI_CHOL, stratum = d$SDMVSTRA, X = mm[, -1, drop = FALSE])
    },
    contraception = function() {
        d <- raw("contraception")
        mm <- model.matrix(~ age + I(age^2) + I(urban == "Y") + factor(livch), data = d)
        list(id = d$id, y = as.integer(d$use == "Y"), stratum = d$district, X = mm[, -1, drop = FALSE])
    },
    arrests = function() {
        d <- raw("arrests")
        d$colour <- relevel(factor(d$colour), ref = "White")
        mm <- model.matrix(~ colour + age + sex + employed + citizen + checks, data = d)
        list(id = d$id, y = as.integer(d$released == "Yes"), stratum = d$year, X = mm[, -1, drop = FALSE])
    }
)

failures <- character(0)
check <- function(ok, what) {
    if (!isTRUE(ok)) failures <<- c(failures, what)
    if (isTRUE(ok)) "yes" else "NO"
}
fmt <- function(x, digits = 6) trimws(formatC(x, digits = digits, format = "g"))

lr_rows <- list()
se_rows <- list()
glmm_se_rows <- list()
ll_rows <- list()
svy_rows <- list()
glmm_rows <- list()
design_rows <- list()
for (ds in names(r_design)) {
    design <- read.csv(file.path(work, paste0("design_", ds, ".csv")))
    ours <- read.csv(file.path(work, paste0("ours_", ds, ".csv")), stringsAsFactors = FALSE)
    features <- setdiff(names(design), c("id", "y", "stratum", "train"))
    X <- as.matrix(design[, features])

    # 1. the design
    mine <- r_design[[ds]]()
    same <- identical(as.integer(mine$id), as.integer(design$id)) &&
        identical(as.numeric(mine$y), as.numeric(design$y)) &&
        identical(as.numeric(mine$stratum), as.numeric(design$stratum)) &&
        identical(dim(mine$X), dim(X)) &&
        max(abs(unname(mine$X) - unname(X))) == 0
    design_rows[[ds]] <- data.frame(dataset = ds, rows = nrow(X), features = ncol(X),
                                    identical = check(same, paste(ds, "design differs from R's model.matrix")))

    # 2. lr against glm
    f <- as.formula(paste("y ~", paste(features, collapse = " + ")))
    g <- glm(f, data = design, family = binomial, control = glm.control(epsilon = 1e-14, maxit = 100))
    theirs <- coef(g)
    names(theirs)[names(theirs) == "(Intercept)"] <- "intercept"
    oc <- ours[ours$fit == "lr_full" & ours$kind == "coef", ]
    est <- setNames(as.numeric(oc$value), oc$name)[names(theirs)]
    rel <- abs(est - theirs) / abs(theirs)
    for (term in names(theirs)) {
        lr_rows[[length(lr_rows) + 1]] <- data.frame(
            dataset = ds, term = term, fairglmm = fmt(est[[term]], 10), glm = fmt(theirs[[term]], 10),
            rel_diff = fmt(rel[[term]], 2),
            ok = check(is.finite(rel[[term]]) && rel[[term]] <= LR_RTOL,
                       sprintf("%s lr %s: relative difference %g", ds, term, rel[[term]])))
    }

    # 2a. standard errors, likelihoods, robust standard errors of lr
    se_r <- sqrt(diag(vcov(g)))
    names(se_r)[names(se_r) == "(Intercept)"] <- "intercept"
    os <- ours[ours$fit == "lr_full" & ours$kind == "se", ]
    se_o <- setNames(as.numeric(os$value), os$name)[names(se_r)]
    rob_r <- sqrt(diag(vcovCL(g, cluster = ~ stratum, type = "HC0")))
    names(rob_r)[names(rob_r) == "(Intercept)"] <- "intercept"
    orb <- ours[ours$fit == "lr_robust" & ours$kind == "se", ]
    rob_o <- setNames(as.numeric(orb$value), orb$name)[names(rob_r)]
    for (term in names(se_r)) {
        rel_se <- abs(se_o[[term]] - se_r[[term]]) / se_r[[term]]
        rel_rob <- abs(rob_o[[term]] - rob_r[[term]]) / rob_r[[term]]
        se_rows[[length(se_rows) + 1]] <- data.frame(
            dataset = ds, term = term, se_fairglmm = fmt(se_o[[term]], 8), se_glm = fmt(se_r[[term]], 8),
            rel_se = fmt(rel_se, 2),
            robust_fairglmm = fmt(rob_o[[term]], 8), vcovCL = fmt(rob_r[[term]], 8), rel_robust = fmt(rel_rob, 2),
            ok = check(is.finite(rel_se) && rel_se <= LR_RTOL && is.finite(rel_rob) && rel_rob <= LR_RTOL,
                       sprintf("%s lr %s: SE relative difference %g, robust %g", ds, term, rel_se, rel_rob)))
    }
    linfo <- function(name) as.numeric(ours$value[ours$fit == "lr_full" & ours$kind == "info" & ours$name == name])
    ll_checks <- c(loglik = linfo("loglik") - as.numeric(logLik(g)),
                   deviance = linfo("deviance") - deviance(g),
                   null_deviance = linfo("null_deviance") - g$null.deviance,
                   aic = linfo("aic") - AIC(g), bic = linfo("bic") - BIC(g))
    for (what in names(ll_checks)) {
        ref <- switch(what, loglik = as.numeric(logLik(g)), deviance = deviance(g),
                      null_deviance = g$null.deviance, aic = AIC(g), bic = BIC(g))
        rel_ll <- abs(ll_checks[[what]]) / abs(ref)
        ll_rows[[length(ll_rows) + 1]] <- data.frame(
            dataset = ds, statistic = what, fairglmm = fmt(ref + ll_checks[[what]], 12), R = fmt(ref, 12),
            rel_diff = fmt(rel_ll, 2),
            ok = check(is.finite(rel_ll) && rel_ll <= 1e-8, sprintf("%s lr %s: relative difference %g", ds, what, rel_ll)))
    }

    # 2b. weighted lr against svyglm (nhanes: examination weights, strata and PSUs)
    if (ds == "nhanes") {
        nh_raw <- read.csv(file.path(datadir, "nhanes.csv"))
        wd <- merge(design, nh_raw[, c("id", "SDMVPSU", "SDMVSTRA", "WTMEC2YR")], by = "id")
        sd_design <- svydesign(ids = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR,
                               nest = TRUE, data = wd)
        sg <- svyglm(f, design = sd_design, family = quasibinomial(),
                     control = glm.control(epsilon = 1e-14, maxit = 100))
        theirs_w <- coef(sg)
        names(theirs_w)[names(theirs_w) == "(Intercept)"] <- "intercept"
        ow <- ours[ours$fit == "lr_weighted" & ours$kind == "coef", ]
        est_w <- setNames(as.numeric(ow$value), ow$name)[names(theirs_w)]
        rel_w <- abs(est_w - theirs_w) / abs(theirs_w)
        ows <- ours[ours$fit == "lr_weighted" & ours$kind == "se", ]
        se_w <- setNames(as.numeric(ows$value), ows$name)[names(theirs_w)]
        svy_se <- sqrt(diag(vcov(sg)))
        names(svy_se)[names(svy_se) == "(Intercept)"] <- "intercept"
        for (term in names(theirs_w)) {
            svy_rows[[length(svy_rows) + 1]] <- data.frame(
                se_fairglmm_model = fmt(se_w[[term]], 6), se_svyglm_design = fmt(svy_se[[term]], 6),
                dataset = ds, term = term, fairglmm = fmt(est_w[[term]], 10), svyglm = fmt(theirs_w[[term]], 10),
                unweighted_glm = fmt(theirs[[term]], 6), rel_diff = fmt(rel_w[[term]], 2),
                ok = check(is.finite(rel_w[[term]]) && rel_w[[term]] <= LR_RTOL,
                           sprintf("%s weighted lr %s: relative difference %g", ds, term, rel_w[[term]])))
        }
    }

    # 3. glmm against glmer: SD on the full data, accuracy on the split
    fr <- as.formula(paste("y ~", paste(features, collapse = " + "), "+ (1 | stratum)"))
    design$stratum <- factor(design$stratum)
    msgs <- character(0)
    catch <- function(expr) withCallingHandlers(expr, warning = function(w) {
        msgs <<- c(msgs, conditionMessage(w)); invokeRestart("muffleWarning") },
        message = function(m) { msgs <<- c(msgs, trimws(conditionMessage(m))); invokeRestart("muffleMessage") })
    full <- catch(glmer(fr, data = design, family = binomial))
    train <- design[design$train == 1, ]
    test <- design[design$train == 0, ]
    tr <- catch(glmer(fr, data = train, family = binomial))
    p <- predict(tr, newdata = test, type = "response", allow.new.levels = TRUE)
    acc_r <- mean((p >= 0.5) == (test$y == 1))
    sd_r <- sqrt(as.data.frame(VarCorr(full))$vcov[1])

    info <- function(fit, name) ours$value[ours$fit == fit & ours$kind == "info" & ours$name == name]
    sd_o <- as.numeric(info("glmm_full", "random_intercept_sd"))
    acc_o <- as.numeric(ours$value[ours$fit == "glmm_train" & ours$kind == "test" & ours$name == "accuracy"])
    n_test <- as.integer(ours$value[ours$fit == "glmm_train" & ours$kind == "test" & ours$name == "rows"])
    stopifnot(n_test == nrow(test))
    re_o <- ours[ours$fit == "glmm_full" & ours$kind == "ranef", ]
    re_r <- ranef(full)$stratum
    b_r <- setNames(re_r[[1]], rownames(re_r))[re_o$name]
    b_cor <- if (sd(b_r) > 0 && sd(as.numeric(re_o$value)) > 0) cor(as.numeric(re_o$value), b_r) else NA
    fe_o <- ours[ours$fit == "glmm_full" & ours$kind == "coef", ]
    fe_r <- fixef(full)
    names(fe_r)[names(fe_r) == "(Intercept)"] <- "intercept"
    fe_diff <- max(abs(setNames(as.numeric(fe_o$value), fe_o$name)[names(fe_r)] - fe_r))

    # fixed-effect standard errors of glmm next to glmer's (printed, not asserted)
    ose <- ours[ours$fit == "glmm_full" & ours$kind == "se", ]
    se_glmer <- sqrt(diag(as.matrix(vcov(full))))
    names(se_glmer)[names(se_glmer) == "(Intercept)"] <- "intercept"
    se_glmm <- setNames(as.numeric(ose$value), ose$name)[names(se_glmer)]
    for (term in names(se_glmer))
        glmm_se_rows[[length(glmm_se_rows) + 1]] <- data.frame(
            dataset = ds, term = term, se_glmm = fmt(se_glmm[[term]], 4), se_glmer = fmt(se_glmer[[term]], 4),
            ratio = fmt(se_glmm[[term]] / se_glmer[[term]], 3))

    sd_ok <- (sd_o < SD_SMALL && sd_r < SD_SMALL) ||
        (sd_o > 0 && sd_r > 0 && sd_o / sd_r <= SD_FACTOR && sd_r / sd_o <= SD_FACTOR)
    glmm_rows[[ds]] <- data.frame(
        dataset = ds, strata = nlevels(design$stratum),
        sd_fairglmm = fmt(sd_o, 4), sd_glmer = fmt(sd_r, 4),
        sd_ok = check(sd_ok, sprintf("%s glmm: random-intercept SD %g vs glmer %g", ds, sd_o, sd_r)),
        test_rows = n_test, majority_class = sprintf("%.4f", max(mean(test$y), 1 - mean(test$y))),
        acc_fairglmm = sprintf("%.4f", acc_o), acc_glmer = sprintf("%.4f", acc_r),
        acc_ok = check(abs(acc_o - acc_r) <= ACC_TOL,
                       sprintf("%s glmm: test accuracy %.4f vs glmer %.4f", ds, acc_o, acc_r)),
        ranef_cor = fmt(b_cor, 3), fixef_max_abs_diff = fmt(fe_diff, 3),
        steps = info("glmm_full", "steps"), stop = info("glmm_full", "stop_reason"))
    if (length(msgs))
        cat(sprintf("glmer on %s said: %s\n", ds, gsub("\\s*\n\\s*", " ", paste(unique(msgs), collapse = " | "))))
}

md <- function(df) {
    cat("| ", paste(names(df), collapse = " | "), " |\n", sep = "")
    cat("|", paste(rep(" --- |", ncol(df)), collapse = ""), "\n", sep = "")
    for (i in seq_len(nrow(df)))
        cat("| ", paste(vapply(df[i, ], as.character, ""), collapse = " | "), " |\n", sep = "")
    cat("\n")
}
cat("\n## Design: the SQL views against R's model.matrix\n\n")
md(do.call(rbind, design_rows))
cat(sprintf("## lr against glm(family = binomial), relative tolerance %g\n\n", LR_RTOL))
md(do.call(rbind, lr_rows))
cat(sprintf("## lr standard errors against summary(glm) and, with vcov robust, sandwich::vcovCL(cluster = ~ stratum, type = \"HC0\"), relative tolerance %g\n\n", LR_RTOL))
md(do.call(rbind, se_rows))
cat("## lr log-likelihood, deviances, AIC and BIC against logLik, deviance, AIC and BIC of glm, relative tolerance 1e-8\n\n")
md(do.call(rbind, ll_rows))
cat(sprintf("## lr with survey weights against survey::svyglm's point estimates, relative tolerance %g\n\n", LR_RTOL))
md(do.call(rbind, svy_rows))
cat(sprintf("## glmm (boosting, default options) against glmer: SD within a factor %g (or both < %g), test accuracy within %g\n\n",
            SD_FACTOR, SD_SMALL, ACC_TOL))
md(do.call(rbind, glmm_rows))
cat("## glmm fixed-effect standard errors next to glmer's (not asserted: boosting's estimate and its conditional Hessian are not glmer's Laplace fit)\n\n")
md(do.call(rbind, glmm_se_rows))
if (length(failures)) {
    cat("compare_r failures:\n", paste0("  ", failures, "\n"), sep = "")
    quit(status = 1)
}
