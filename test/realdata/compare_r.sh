#!/usr/bin/env bash
# fairglmm against R on the full real data sets (test/realdata/load.sql):
#   lr    vs glm(family = binomial): every coefficient and standard error
#         within a relative 1e-6, log-likelihood, deviances and AIC within
#         1e-8; with vcov robust, standard errors against
#         sandwich::vcovCL(cluster = ~ stratum, type = "HC0") within 1e-6;
#         on nhanes, lr with the survey weights vs survey::svyglm's point
#         estimates (the same pseudo-likelihood), also within 1e-6
#   glmm  (boosting, default options) vs lme4::glmer(y ~ x + (1 | stratum),
#         family = binomial): the random-intercept SD (full data) and the
#         accuracy on held-out rows (fitted on a 70 % training split), with
#         loose tolerances, since boosting is not glmer's estimator (see
#         compare_r.R for what is asserted and why).
# Both sides fit the same design: the SQL views' x is exported column by
# column, and R checks that it is exactly the model matrix it builds itself
# from the raw CSVs with model.matrix() (the same reference levels).
#
# Needs a running server with fairglmm installed and PGHOST/PGPORT/PGUSER
# set (tools/pg_cluster.sh; tools/test.sh runs this), and Rscript with lme4
# (Debian: r-base-core, r-cran-lme4).  Uses its own database.
#
#   test/realdata/compare_r.sh [--keep DIR]
#
# Prints a table per comparison and ends with "compare_r: ok" or
# "compare_r: FAILED"; exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")" || exit 1
keep=
while [ $# -gt 0 ]; do
    case "$1" in
        --keep) keep=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "compare_r: unknown argument $1" >&2; exit 2 ;;
    esac
done
fail() { echo "compare_r: FAILED ($*)"; exit 1; }
command -v Rscript >/dev/null || fail "Rscript not found (Debian: r-base-core, r-cran-lme4)"

if [ -n "$keep" ]; then mkdir -p "$keep"; work=$(cd "$keep" && pwd); else work=$(mktemp -d); fi
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT
db=fairglmm_compare_r
psql -X -q -d postgres -c "SET client_min_messages = warning" \
    -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" \
    || fail "cannot create database $db"
export PGDATABASE=$db
start=$(date +%s)
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION fairglmm" || fail "CREATE EXTENSION"
psql -X -q -v ON_ERROR_STOP=1 -v datadir="$PWD/data" -f load.sql || fail "load.sql"

# Per data set: the design (the rows with a y; x one column per feature,
# named as in realdata.features; train = the 70 % split), and fairglmm's
# fits.  \copy writes relative to psql's working directory: run it in $work.
for ds in nhanes contraception arrests; do
    cols=$(psql -X -At -v ON_ERROR_STOP=1 -c "SELECT string_agg(format('x[%s] AS %I', position, name), ', ' ORDER BY position)
                                              FROM realdata.features WHERE dataset = '$ds'") || fail "feature list of $ds"
    (cd "$work" && psql -X -q -v ON_ERROR_STOP=1 -v ds="$ds" -v cols="$cols") <<'EOF' || fail "fairglmm fits of $ds"
SET client_min_messages = warning;
CREATE TEMP TABLE d AS
SELECT id, y, x, stratum, sensitive, realdata.draw(:'ds', id, 0) < 0.7 AS train
FROM realdata.model WHERE dataset = :'ds' AND y IS NOT NULL;
\set opts_lr '{"method": "lr"}'
\set opts_glmm '{"method": "glmm"}'
CREATE TEMP TABLE fits AS
SELECT 'lr_full' AS fit, fairglmm_fit(y, x, stratum, sensitive, 0, 1,
           :'opts_lr'::jsonb || jsonb_build_object('feature_names', realdata.feature_names(:'ds'))) AS m FROM d
UNION ALL
SELECT 'glmm_full', fairglmm_fit(y, x, stratum, sensitive, 0, 1,
           :'opts_glmm'::jsonb || jsonb_build_object('feature_names', realdata.feature_names(:'ds'))) FROM d
UNION ALL
SELECT 'glmm_train', fairglmm_fit(y, x, stratum, sensitive, 0, 1,
           :'opts_glmm'::jsonb || jsonb_build_object('feature_names', realdata.feature_names(:'ds'))) FROM d WHERE train
UNION ALL
SELECT 'lr_robust', fairglmm_fit(y, x, stratum, sensitive, 0, 1,
           :'opts_lr'::jsonb || jsonb_build_object('vcov', 'robust', 'feature_names', realdata.feature_names(:'ds'))) FROM d
UNION ALL
-- nhanes carries survey weights: lr with them (NULL model elsewhere, no rows)
SELECT 'lr_weighted', fairglmm_fit(d.y, d.x, d.stratum, d.sensitive, n.wtmec2yr, 0, 1,
           :'opts_lr'::jsonb || jsonb_build_object('feature_names', realdata.feature_names(:'ds')))
FROM d JOIN realdata.nhanes AS n USING (id) WHERE :'ds' = 'nhanes';
-- \copy takes no variables: fixed file names, renamed by the script
CREATE TEMP VIEW design AS
SELECT id, y::int AS y, stratum, train::int AS train, :cols FROM d;
\copy (SELECT * FROM design ORDER BY id) TO 'design.csv' CSV HEADER
CREATE TEMP VIEW ours AS
SELECT f.fit, 'coef' AS kind, c.term AS name, c.estimate::text AS value
FROM fits AS f, fairglmm_coefficients(f.m) AS c
UNION ALL
SELECT f.fit, 'se', c.term, c.std_error::text FROM fits AS f, fairglmm_coefficients(f.m) AS c
UNION ALL
SELECT f.fit, 'ranef', r.stratum, r.effect::text FROM fits AS f, fairglmm_random_effects(f.m) AS r
UNION ALL
SELECT f.fit, 'info', i.key, i.value FROM fits AS f, jsonb_each_text(fairglmm_info(f.m)) AS i
WHERE i.key IN ('random_intercept_sd', 'steps', 'stop_reason', 'converged', 'rows_used', 'iterations')
UNION ALL
SELECT f.fit, 'info', i.key, i.value
FROM fits AS f, jsonb_each_text(fairglmm_info(f.m) -> 'fit_statistics') AS i
UNION ALL
SELECT 'glmm_train', 'test', 'accuracy', avg((fairglmm_classify(f.m, d.x, d.stratum) = d.y)::int)::text
FROM fits AS f, d WHERE f.fit = 'glmm_train' AND NOT d.train
UNION ALL
SELECT 'glmm_train', 'test', 'rows', count(*)::text FROM d WHERE NOT d.train;
\copy (SELECT * FROM ours ORDER BY 1, 2, 3) TO 'ours.csv' CSV HEADER
EOF
    mv "$work/design.csv" "$work/design_$ds.csv" && mv "$work/ours.csv" "$work/ours_$ds.csv" || fail "exports of $ds"
done

Rscript compare_r.R "$PWD/data" "$work"
rc=$?
psql -X -q -d postgres -c "DROP DATABASE $db"
echo "compare_r: $(( $(date +%s) - start )) s"
[ "$rc" = 0 ] || fail "see the table above"
echo "compare_r: ok"
