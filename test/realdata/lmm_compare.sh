#!/usr/bin/env bash
# The gaussian glmm (linear mixed model by boosting) against lme4::lmer, on
# two simulated LMMs (300 strata of 20 and of 4 rows) and on
# carData::Salaries (salary ~ yrs.since.phd + yrs.service + sex, a random
# intercept per rank x discipline), with a fair_glmm rho sweep on Salaries.
# No server: a small driver (lmm_fit.c) fits with the plain-C core, built
# here; lmm_compare.R simulates, exports, runs lmer and prints the tables.
# Results and their explanation: docs/gaussian-boosting.md.
#
#   test/realdata/lmm_compare.sh [--keep DIR]
#
# Needs a C compiler, OpenBLAS and LAPACKE (as the unit tests), and Rscript
# with lme4 and carData (Debian: r-base-core, r-cran-lme4, r-cran-cardata).
# Ends with "lmm_compare: ok" or "lmm_compare: FAILED".
set -euo pipefail
cd "$(dirname "$0")"
keep=
while [ $# -gt 0 ]; do
    case "$1" in
        --keep) keep=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "lmm_compare: unknown argument $1" >&2; exit 2 ;;
    esac
done
command -v Rscript >/dev/null || { echo "lmm_compare: FAILED (Rscript not found)"; exit 1; }
if [ -n "$keep" ]; then mkdir -p "$keep"; work=$(cd "$keep" && pwd); else work=$(mktemp -d); fi
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT

${CC:-gcc} -std=gnu11 -O2 -I../../src/core ../../src/core/*.c lmm_fit.c -o "$work/lmm_fit" \
    -lopenblas -llapacke -lm
Rscript lmm_compare.R "$work/lmm_fit" "$work"
