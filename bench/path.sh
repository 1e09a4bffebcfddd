#!/usr/bin/env bash
# The cost of a fitting path and of a target search against one fit, on the
# running cluster (tools/pg_cluster.sh) with fairglmm installed: ROWS rows
# (default 200,000) x 20 features x 1,000 strata, fair_crlr, serial; each
# timing the minimum of REPS runs (default 3); TARGET the disparate impact
# the target search aims at (default 0.9).  Prints the ratios.
#
#   bash bench/path.sh [ROWS] [REPS]
set -euo pipefail
rows=${1:-200000}
reps=${2:-3}
db=fairglmm_bench_path
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<SQL
CREATE EXTENSION fairglmm;
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.3);
CREATE TABLE t AS
SELECT i AS id, (i::bigint * 7919 % 1000)::int AS g, s, x,
       random() < 1 / (1 + exp(-(-0.6 + 0.8 * x[1] - 0.6 * x[2] + 1.2 * s::int))) AS y
FROM (SELECT i, i % 5 < 2 AS s,
             ARRAY(SELECT random() * 2 - 1 + 1.0 * (j = 1 AND i % 5 < 2)::int
                   FROM generate_series(1, 20) AS j WHERE i > 0) AS x
      FROM generate_series(1, $rows) AS i) AS q;
VACUUM ANALYZE t;
SQL
time_ms() {
    local best=
    for _ in $(seq "$reps"); do
        local t
        t=$(psql -X -q -At -d "$db" -c "SET max_parallel_workers_per_gather = 0" -c '\timing on' -c "$1" \
            | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1)
        if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
    done
    echo "$best"
}
# the rhos as a float8[] literal: an expression such as array_agg(numeric)
# would be cast to float8[] again for every row, which costs more than the fits
rhos=$(psql -X -q -At -d "$db" -c "SELECT array_agg((10 ^ (k / 4.0 - 2))::float8 ORDER BY k) FROM generate_series(0, 19) AS k")
fit=$(time_ms "SELECT length(fairglmm_fit(y, x, g, s, 1, 1, '{\"method\": \"fair_crlr\"}')) FROM t")
fit_none=$(time_ms "SELECT length(fairglmm_fit(y, x, g, s, 1, 1, '{\"method\": \"fair_crlr\", \"vcov\": \"none\"}')) FROM t")
path=$(time_ms "SELECT length(fairglmm_path(y, x, g, s, '$rhos'::float8[], 1, '{\"method\": \"fair_crlr\"}')) FROM t")
path_none=$(time_ms "SELECT length(fairglmm_path(y, x, g, s, '$rhos'::float8[], 1, '{\"method\": \"fair_crlr\", \"vcov\": \"none\"}')) FROM t")
target_level=${TARGET:-0.9}
di0=$(psql -X -q -At -d "$db" -c "SELECT round((fairglmm_info(fairglmm_fit(y, x, g, s, 0, 1, '{\"method\": \"fair_crlr\"}')) ->> 'train_disparate_impact')::numeric, 4) FROM t")
target=$(time_ms "SELECT length(fairglmm_fit(y, x, g, s, 0, 1, '{\"method\": \"fair_crlr\", \"target\": {\"disparate_impact\": $target_level}}')) FROM t")
steps=$(psql -X -q -At -d "$db" -c "SELECT fairglmm_info(fairglmm_fit(y, x, g, s, 0, 1, '{\"method\": \"fair_crlr\", \"target\": {\"disparate_impact\": $target_level}}')) ->> 'target_rho' FROM t")
echo "rows: $rows, fair_crlr, serial, minimum of $reps runs"
echo "one fit: $fit ms (vcov none: $fit_none ms)"
awk -v a="$path" -v b="$fit" 'BEGIN{printf "path of 20 rho: %.0f ms, %.2f x one fit\n", a, a / b}'
awk -v a="$path_none" -v b="$fit_none" 'BEGIN{printf "path of 20 rho, vcov none: %.0f ms, %.2f x one fit with vcov none\n", a, a / b}'
awk -v a="$target" -v b="$fit" -v l="$target_level" -v d="$di0" -v r="$steps" 'BEGIN{printf "target search (disparate impact %s from %s at rho 0; found rho %s): %.0f ms, %.2f x one fit\n", l, d, r, a, a / b}'
psql -X -q -d postgres -c "DROP DATABASE $db"
