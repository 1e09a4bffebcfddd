#!/usr/bin/env bash
# The gaussian family against R on carData::Salaries (test/realdata/load.sql,
# realdata.salaries_model: salary in dollars, five features, six strata
# rank x discipline):
#   lr            vs lm(): coefficients within a relative 1e-10, standard
#                 errors, residual variance, logLik, AIC, BIC and R^2 within
#                 1e-9
#   lr weighted   (weights 1, 2, 3 by id) vs lm(weights = w / mean(w)), the
#                 same tolerances
#   lr robust     vs sandwich::vcovCL(cluster = ~ stratum, type = "HC0"),
#                 standard errors within 1e-8
#   crlr          at lambda = sigma^2 / (2 Q) from lme4::lmer's REML fit vs
#                 lmer's fixed effects and conditional modes within 1e-7:
#                 with the variance ratio fixed, crlr's normal equations are
#                 Henderson's mixed model equations, which lmer solves.  On
#                 the two years only: rank and discipline as fixed effects
#                 leave the strata (rank x discipline) almost no variance,
#                 and lmer's fit would be singular
# Needs a running server with fairglmm installed (PGHOST etc., as
# tools/pg_cluster.sh sets them) and Rscript with lme4 and sandwich.  Uses
# its own database.  Prints the comparisons and ends with
# "compare_gaussian: ok" or "compare_gaussian: FAILED".
#
#   test/realdata/compare_gaussian.sh
set -uo pipefail
cd "$(dirname "$0")" || exit 1
fail() { echo "compare_gaussian: FAILED ($*)"; exit 1; }
command -v Rscript >/dev/null || fail "Rscript not found (Debian: r-base-core, r-cran-lme4)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db=fairglmm_compare_gaussian
psql -X -q -d postgres -c "SET client_min_messages = warning" \
    -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" || fail "cannot create database $db"
export PGDATABASE=$db
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION fairglmm" || fail "CREATE EXTENSION"
psql -X -q -v ON_ERROR_STOP=1 -v datadir="$PWD/data" -f load.sql || fail "load.sql"

# the design as fairglmm sees it, with the weights
(cd "$work" && psql -X -q -v ON_ERROR_STOP=1) <<'EOF' || fail "design export"
\copy (SELECT id, y, x[1] AS x1, x[2] AS x2, x[3] AS x3, x[4] AS x4, x[5] AS x5, stratum, sensitive::int AS s, 1 + id % 3 AS w FROM realdata.salaries_model ORDER BY id) TO 'design.csv' WITH (FORMAT csv, HEADER)
EOF
Rscript compare_gaussian.R lambda "$work" || fail "lmer's lambda"
lambda=$(cat "$work/lambda.txt")

# fairglmm's fits: coefficients with standard errors, statistics, random effects
(cd "$work" && psql -X -q -v ON_ERROR_STOP=1 -v lambda="$lambda") <<'EOF' || fail "fairglmm fits"
SET client_min_messages = warning;
CREATE TEMP TABLE fits AS
SELECT 'lr' AS fit, fairglmm_fit(y, x, stratum, sensitive, 0, 0, '{"method": "lr", "tol": 1e-14}') AS m
FROM realdata.salaries_model
UNION ALL
SELECT 'lr_weighted', fairglmm_fit(y, x, stratum, sensitive, (1 + id % 3)::float8, 0, 0,
                                   '{"method": "lr", "tol": 1e-14}')
FROM realdata.salaries_model
UNION ALL
SELECT 'lr_robust', fairglmm_fit(y, x, stratum, sensitive, 0, 0, '{"method": "lr", "vcov": "robust", "tol": 1e-14}')
FROM realdata.salaries_model
UNION ALL
SELECT 'crlr', fairglmm_fit(y, x[1:2], stratum, sensitive, 0, :lambda, '{"method": "crlr", "tol": 1e-14}')
FROM realdata.salaries_model;
CREATE TEMP TABLE ours AS
SELECT fit, 'coef' AS kind, c.term AS name, c.estimate AS value FROM fits, fairglmm_coefficients(m) AS c
UNION ALL
SELECT fit, 'se', c.term, c.std_error FROM fits, fairglmm_coefficients(m) AS c
UNION ALL
SELECT fit, 'ranef', r.stratum, r.effect FROM fits, fairglmm_random_effects(m) AS r
UNION ALL
SELECT fit, 'stat', s.key, s.value::float8
FROM fits, jsonb_each_text(fairglmm_info(m) -> 'fit_statistics') AS s
WHERE s.value IS NOT NULL AND jsonb_typeof(fairglmm_info(m) -> 'fit_statistics' -> s.key) = 'number';
\copy (SELECT fit, kind, name, value FROM ours ORDER BY fit, kind, name) TO 'ours.csv' WITH (FORMAT csv, HEADER)
EOF
Rscript compare_gaussian.R compare "$work" || fail "comparison"
psql -X -q -d postgres -c "DROP DATABASE $db"
echo "compare_gaussian: ok"
