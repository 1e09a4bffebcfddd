#!/usr/bin/env bash
# Compare fairglmm's glmm (componentwise boosting, the paper's Algorithm 1)
# with lme4::glmer (Laplace, nAGQ = 1) on the same data: a survey like the
# paper's scenario 3.1 (tools/make_survey.sql), every row used for training.
# Prints fixed effects, the random-intercept SD and the random effects side
# by side, with the data-generating values, and crlr at lambda = 1/(2 s^2)
# (s^2 = glmer's variance) as a check on glmer's conditional modes.
#
#   bash tools/compare_lme4.sh [--strata 100] [--rows 200] [--scenario 1] [--seed 42]
#                              [--train-only] [--options '{"probes": 30}'] [--keep DIR]
#
#   --rows      rows per stratum (default 200: 20,000 rows); with at most
#               5,000 rows in all, glmm is also fitted with exact_trace
#   --train-only  fit on the survey's training rows only (3-5 per stratum, as
#               in the simulation study) and also score the other rows
#   --options   extra jsonb options for glmm (default none: the defaults)
#   --keep DIR  keep the exported CSV files and fits in DIR
#
# Needs Rscript with lme4 and /usr/bin/python3 with numpy.
set -euo pipefail
cd "$(dirname "$0")/.."

strata=100
rows=200
scenario=1
seed=42
options='{}'
keep=
train_only=false
while [ $# -gt 0 ]; do
    case "$1" in
        --strata) strata=$2; shift 2 ;;
        --rows) rows=$2; shift 2 ;;
        --scenario) scenario=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        --options) options=$2; shift 2 ;;
        --keep) keep=$2; shift 2 ;;
        --train-only) train_only=true; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "compare_lme4: unknown argument $1" >&2; exit 2 ;;
    esac
done
for v in "$strata" "$rows" "$seed"; do
    [[ $v =~ ^[0-9]+$ ]] || { echo "compare_lme4: --strata, --rows, --seed are integers" >&2; exit 2; }
done
[[ $scenario =~ ^[1-4]$ ]] || { echo "compare_lme4: --scenario 1..4" >&2; exit 2; }

if [ -n "$keep" ]; then mkdir -p "$keep"; work=$(cd "$keep" && pwd); else work=$(mktemp -d); fi
chmod 0777 "$work"   # the server (user postgres) never writes here; psql \copy does
# shellcheck source=tools/pg_cluster.sh
source tools/pg_cluster.sh
fg_cluster_start
cleanup() { fg_cluster_stop; [ -n "$keep" ] || rm -rf "$work"; }
trap cleanup EXIT
export PGOPTIONS="-c jit=off -c client_min_messages=warning"
psql -X -q -c "CREATE EXTENSION fairglmm"

n_total=$((strata * rows))
exact=false
[ "$n_total" -le 5000 ] && exact=true
$train_only && exact=true

psql -X -q -v scenario="$scenario" -v n_strata="$strata" -v rows_per_stratum="$rows" \
     -v seed="$seed" -v table=survey -f tools/make_survey.sql
# \copy writes relative to psql's working directory: run it in $work
(cd "$work" && psql -X -q -v opts="$options" -v exact="$exact" -v scenario="$scenario" \
                   -v train_only="$train_only") <<'EOF'
\set ON_ERROR_STOP on
-- the rows to fit on: all, or the training rows of the simulation design
\if :train_only
ALTER TABLE survey RENAME TO survey_all;
CREATE VIEW survey AS SELECT * FROM survey_all WHERE train;
\copy (SELECT y::int AS y, stratum, x[1] AS x1, x[2] AS x2, x[3] AS x3, sex FROM survey_all WHERE NOT train ORDER BY id) TO test.csv CSV HEADER
\endif
-- The data-generating intercepts: b_i = logit(mu) - (fixed part), per stratum.
SELECT b0, b1, b2, b3, bsex FROM (VALUES (1, -2.0, 0.4, 0.8, 0.5, 3.0), (2, -0.1, 1, 1, 1, 0.1),
    (3, -2.0, 0.4, 0.8, 0.5, 3.0), (4, -0.1, 1, 1, 1, 0.1)) AS v(sc, b0, b1, b2, b3, bsex)
WHERE sc = :scenario \gset
CREATE TABLE truth AS
SELECT stratum::text AS stratum, count(*) AS n, sum(y::int) AS n_y,
       avg(ln(mu / (1 - mu)) - (:b0 + :b1 * x[1] + :b2 * x[2] + :b3 * x[3] + :bsex * x[4])) AS effect
FROM survey GROUP BY stratum;  -- n, n_y: the rows fitted
\copy (SELECT y::int AS y, stratum, x[1] AS x1, x[2] AS x2, x[3] AS x3, sex FROM survey ORDER BY id) TO data.csv CSV HEADER
\copy truth TO truth.csv CSV HEADER

CREATE TABLE fits (name text PRIMARY KEY, model bytea, ms float8);
CREATE FUNCTION timed_fit(p_name text, p_rho float8, p_lambda float8, p_opts jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp(); m bytea;
BEGIN
    SELECT fairglmm_fit(y, x, stratum, sex, p_rho, p_lambda, p_opts) INTO m FROM survey;
    INSERT INTO fits VALUES (p_name, m, 1000 * extract(epoch FROM clock_timestamp() - t0));
END $$;
\o /dev/null
SELECT timed_fit('glmm', 0, 1, :'opts'::jsonb || '{"method": "glmm"}');
SELECT timed_fit('glmm_exact', 0, 1, :'opts'::jsonb || '{"method": "glmm", "exact_trace": true}')
WHERE :'exact'::boolean;
SELECT timed_fit('crlr_lambda1', 0, 1, '{"method": "crlr"}');
SELECT timed_fit('glmm_nu0.1', 0, 1, :'opts'::jsonb || '{"method": "glmm", "nu": 0.1, "max_steps": 1000}');
\o
\copy (SELECT f.name, c.term, c.estimate FROM fits AS f, fairglmm_coefficients(f.model) AS c) TO ours_fixef.csv CSV HEADER
\copy (SELECT f.name, r.stratum, r.effect FROM fits AS f, fairglmm_random_effects(f.model) AS r) TO ours_ranef.csv CSV HEADER
\copy (SELECT name, ms, fairglmm_info(model) AS info FROM fits) TO ours_info.csv CSV HEADER
EOF

if $train_only; then
    echo "Data: scenario 3.$scenario, $strata strata x $rows rows = $n_total rows (seed $seed); fitted on the $(($(wc -l < "$work/data.csv") - 1)) training rows, scored on the rest"
else
    echo "Data: scenario 3.$scenario, $strata strata x $rows rows = $n_total rows (seed $seed), all rows used for training"
fi
Rscript tools/lme4_fit.R "$work/data.csv" "$work/glmer"

# crlr with lambda = 1/(2 s^2), s^2 = glmer's variance: the penalised
# likelihood whose joint mode PQL/h-likelihood estimates; its b should be
# close to glmer's conditional modes.
var=$(/usr/bin/python3 -c "import csv,sys; print(next(csv.DictReader(open(sys.argv[1])))['variance'])" "$work/glmer.summary.csv")
(cd "$work" && psql -X -q -v lam="$var") <<'EOF'
\set ON_ERROR_STOP on
SELECT timed_fit('crlr_glmer_lambda', 0, 1.0 / (2 * :lam), '{"method": "crlr"}') \g /dev/null
\copy (SELECT f.name, c.term, c.estimate FROM fits AS f, fairglmm_coefficients(f.model) AS c) TO ours_fixef.csv CSV HEADER
\copy (SELECT f.name, r.stratum, r.effect FROM fits AS f, fairglmm_random_effects(f.model) AS r) TO ours_ranef.csv CSV HEADER
\copy (SELECT name, ms, fairglmm_info(model) AS info FROM fits) TO ours_info.csv CSV HEADER
EOF
/usr/bin/python3 tools/compare_lme4.py "$work" "$scenario"
