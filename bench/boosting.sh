#!/usr/bin/env bash
# Benchmark of the boosting fits (glmm, fair_glmm) against lme4::glmer on the
# same data, in one run on one throwaway cluster:
#   small: 100,000 rows x 4 features x 100 strata (tools/make_survey.sql,
#          scenario 3.1, every row used for training)
#   large: 1,000,000 rows x 20 features x 1,000 strata (x1..x19 ~ N(0, 1),
#          sex ~ Bernoulli(0.5) as 20th feature and sensitive attribute,
#          random intercepts with sd 2, y ~ Bernoulli(mu))
# Each fairglmm fit runs in a fresh connection; its time is measured in the
# server and its peak memory is the backend's VmHWM (peak resident set,
# /proc/self/status read by the backend itself right after the fit; it
# includes the shared buffers the scan touched, shown separately as
# RssShmem).  glmer runs on the same data exported to CSV (export and CSV
# reading excluded from its time; its peak memory is Rscript's maximum
# resident set from /usr/bin/time, which includes the data frame) under a
# time cap.
#
#   bash bench/boosting.sh [--sizes small,large] [--glmer-cap 600] [--keep DIR]
#
# Needs the extension installed for the PostgreSQL that tools/pg_cluster.sh
# finds (PG_CONFIG or FG_PG_BINDIR), Rscript with lme4, /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=small,large
cap=600
keep=
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) sizes=$2; shift 2 ;;
        --glmer-cap) cap=$2; shift 2 ;;
        --keep) keep=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "boosting.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ $sizes =~ ^(small|large)(,(small|large))*$ ]] || { echo "boosting.sh: --sizes small,large" >&2; exit 2; }
[[ $cap =~ ^[0-9]+$ ]] || { echo "boosting.sh: --glmer-cap is seconds" >&2; exit 2; }

if [ -n "$keep" ]; then mkdir -p "$keep"; work=$(cd "$keep" && pwd); else work=$(mktemp -d); fi
chmod 0777 "$work"
# shellcheck source=tools/pg_cluster.sh
source tools/pg_cluster.sh
fg_cluster_start
cleanup() { fg_cluster_stop; [ -n "$keep" ] || rm -rf "$work"; }
trap cleanup EXIT
# the large fit needs more than the default 1GB training-memory cap
export PGOPTIONS="-c jit=off -c client_min_messages=warning -c fairglmm.max_training_memory=8GB"
psql -X -q -c "CREATE EXTENSION fairglmm"

results="$work/results.tsv"
: > "$results"

make_data() {   # $1 = small | large: table bench_<size>, CSV $work/<size>.csv
    if [ "$1" = small ]; then
        psql -X -q -v scenario=1 -v n_strata=100 -v rows_per_stratum=1000 -v seed=42 \
             -v table=bench_small -f tools/make_survey.sql
    else
        psql -X -q <<'EOF'
\set ON_ERROR_STOP on
SET work_mem = '256MB';
SELECT setseed(0.42) \gset
CREATE TEMP TABLE b_strata AS
SELECT g AS stratum, 2.0 * sqrt(-2.0 * ln(1.0 - random())) * cos(2.0 * pi() * random()) AS b
FROM generate_series(1, 1000) AS g;
-- beta0 = -1, beta_j = 0.3 ((j mod 5) - 2) for x1..x19, beta_sex = 1.5
CREATE TABLE bench_large AS
SELECT id, stratum, xs || sex::float8 AS x, sex,
       random() < 1.0 / (1.0 + exp(-eta)) AS y
FROM (
    SELECT id, stratum, xs, sex,
           -1.0 + 1.5 * sex + b +
           (SELECT sum(v * 0.3 * ((i % 5) - 2)) FROM unnest(xs) WITH ORDINALITY AS u(v, i)) AS eta
    FROM (
        SELECT g AS id, (g - 1) / 1000 + 1 AS stratum,
               ARRAY(SELECT sqrt(-2.0 * ln(1.0 - random())) * cos(2.0 * pi() * random())
                     FROM generate_series(1, 19) WHERE g > 0) AS xs,
               (random() < 0.5)::int AS sex
        FROM generate_series(1, 1000000) AS g
    ) AS r
    JOIN b_strata USING (stratum)
) AS z;
ANALYZE bench_large;
EOF
    fi
    local cols
    if [ "$1" = small ]; then
        cols="x[1] AS x1, x[2] AS x2, x[3] AS x3, x[4] AS sex"
    else
        cols=$(seq 1 19 | sed 's/.*/x[&] AS x&/' | paste -sd, -)", x[20] AS sex"
    fi
    (cd "$work" && psql -X -q -c "\\copy (SELECT y::int AS y, stratum, $cols FROM bench_$1 ORDER BY id) TO $1.csv CSV HEADER")
    # warm the OS cache and shared buffers for the fits that follow
    psql -X -q -c "SELECT count(*) FROM bench_$1" >/dev/null
}

fit_ours() {   # $1 size, $2 method, $3 rho: one fresh connection
    psql -X -q -At -F $'\t' -v size="$1" -v method="$2" -v rho="$3" <<'EOF' >> "$results"
\set ON_ERROR_STOP on
-- serial: on 2 CPUs a parallel fit is slower, and the leader's merge copies the workers' rows
SET max_parallel_workers_per_gather = 0;
SELECT clock_timestamp() AS t0 \gset
SELECT fairglmm_info(fairglmm_fit(y, x, stratum, sex, :rho, 1,
                                  jsonb_build_object('method', :'method'))) AS info
FROM bench_:size \gset
SELECT :'size', :'method',
       round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::numeric, 2),
       round((substring(s FROM 'VmHWM:\s+(\d+) kB')::numeric / 1024), 0),
       round((substring(s FROM 'RssShmem:\s+(\d+) kB')::numeric / 1024), 0),
       (:'info'::jsonb ->> 'steps') || ' steps, stop ' || (:'info'::jsonb ->> 'stop_reason')
       || ', SD of b ' || round((:'info'::jsonb ->> 'random_intercept_sd')::numeric, 3)
FROM (SELECT pg_read_file('/proc/self/status') AS s) AS st;
EOF
}

fit_glmer() {   # $1 size
    local rc=0 secs peak note
    /usr/bin/time -f '%M %e' -o "$work/$1.time" \
        timeout "$cap" Rscript tools/lme4_fit.R "$work/$1.csv" "$work/$1.glmer" > "$work/$1.glmer.log" 2>&1 || rc=$?
    peak=$(awk 'END { printf "%.0f", $1 / 1024 }' "$work/$1.time")
    if [ "$rc" = 0 ]; then
        secs=$(/usr/bin/python3 -c "import csv,sys; r=next(csv.DictReader(open(sys.argv[1]))); print('%.2f' % float(r['fit_seconds']))" "$work/$1.glmer.summary.csv")
        note="SD of b $(/usr/bin/python3 -c "import csv,sys; print('%.3f' % float(next(csv.DictReader(open(sys.argv[1])))['sd']))" "$work/$1.glmer.summary.csv")"
    elif [ "$rc" = 124 ]; then
        secs=">$cap"; note="did not finish within $cap s (whole Rscript, CSV reading included)"
    else
        secs="failed"; note="exit $rc: $(tail -n 1 "$work/$1.glmer.log")"
    fi
    printf '%s\tglmer (lme4, Laplace)\t%s\t%s\t\t%s\n' "$1" "$secs" "$peak" "$note" >> "$results"
}

for size in ${sizes//,/ }; do
    echo "== $size: generating data" >&2
    make_data "$size"
    echo "== $size: glmm, fair_glmm" >&2
    fit_ours "$size" glmm 0
    fit_ours "$size" fair_glmm 0.8
    echo "== $size: glmer (cap $cap s)" >&2
    fit_glmer "$size"
done

echo
echo "Boosting benchmark ($(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo); one run)"
/usr/bin/python3 - "$results" <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
desc = {"small": "100,000 rows x 4 features x 100 strata",
        "large": "1,000,000 rows x 20 features x 1,000 strata"}
print("| data | fit | time (s) | peak memory (MB) | of which shared buffers (MB) | glmer time / this | notes |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for r in rows:
    size, fit, secs, peak, shm, note = (r + [""] * 6)[:6]
    glmer = next((g[2] for g in rows if g[0] == size and g[1].startswith("glmer")), "")
    ratio = ""
    try:
        if not fit.startswith("glmer"):
            if glmer.startswith(">"):
                ratio = "> %.0f" % (float(glmer[1:]) / float(secs))
            else:
                ratio = "%.0f" % (float(glmer) / float(secs))
    except ValueError:
        pass
    print(f"| {desc[size]} | {fit} | {secs} | {peak} | {shm} | {ratio} | {note} |")
EOF
