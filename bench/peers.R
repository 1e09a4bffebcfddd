# Peer fits for bench/bench.py: Rscript peers.R data.csv glm,glmer
# Prints one JSON line of elapsed seconds per fit; reading the CSV is not timed.
args <- commandArgs(trailingOnly = TRUE)
fits <- strsplit(args[2], ",")[[1]]
d <- read.csv(args[1])
d$g <- factor(d$g)
xs <- grep("^x[0-9]+$", names(d), value = TRUE)
out <- c()
if ("glm" %in% fits) {
    f <- as.formula(paste("y ~", paste(xs, collapse = " + ")))
    out["glm"] <- system.time(glm(f, data = d, family = binomial))[["elapsed"]]
}
if (any(c("glmer", "glmer0") %in% fits)) {
    suppressMessages(library(lme4))
    f <- as.formula(paste("y ~", paste(xs, collapse = " + "), "+ (1 | g)"))
    # nAGQ = 0: fixed effects estimated inside the penalised IRLS (lme4's fast setting)
    if ("glmer0" %in% fits)
        out["glmer0"] <- system.time(glmer(f, data = d, family = binomial, nAGQ = 0))[["elapsed"]]
    # the default (Laplace approximation, fixed effects in the outer optimisation)
    if ("glmer" %in% fits)
        out["glmer"] <- system.time(glmer(f, data = d, family = binomial))[["elapsed"]]
}
cat("{", paste(sprintf("\"%s\": %.3f", names(out), out), collapse = ", "), "}\n")
