#!/usr/bin/env bash
# Real-data corpus: every method on many random samples of the real data
# sets (test/realdata/load.sql), counting per (data set, method, fraction)
# the fits that returned a model, returned one with a WARNING, were refused
# with an ERROR (with the messages and their counts) or returned NULL.
#
# Needs a running server with fairglmm installed and PGHOST/PGPORT/PGUSER
# set (tools/pg_cluster.sh; tools/test.sh runs this).  Uses its own database.
#
#   test/realdata/corpus.sh [--replicates N] [--fractions 0.02,0.05,0.2]
#                           [--datasets nhanes,contraception,arrests]
#                           [--methods lr,fair_lr,crlr,fair_crlr,glmm,fair_glmm]
#                           [--rho 1] [--lambda 1] [--criterion crash|intended]
#                           [--keep DIR]
#
#   --replicates  samples per (data set, method, fraction); default 100
#                 (or $CORPUS_REPLICATES)
#   --criterion   when the run fails (default intended, or $CORPUS_CRITERION):
#                 crash     a lost session, a crashed backend, or an
#                           error outside SQLSTATE class 22 (data exception):
#                           refusals of the data are reported, not failed;
#                 intended  also any error whose message is not one of the
#                           intended refusals listed below.
#   --keep DIR    write fits.csv (one line per fit) and warnings.csv there
#   CORPUS_OPTIONS  a jsonb object merged into every fit's options, e.g.
#                 CORPUS_OPTIONS='{"max_iter": 500}' (its keys win, except
#                 "method")
#
# Sample r of data set d at fraction f is the rows with
# realdata.draw(d, id, r) < f (an MD5 of the three), so every run draws the
# same samples and the smaller fractions of a replicate nest in the larger.
# The fair methods use rho = 1, lambda = 1 (lambda also for crlr and the
# boosting's warm start; lr ignores both).
#
# Prints markdown tables and ends with "corpus: ok" or "corpus: FAILED".
set -uo pipefail
cd "$(dirname "$0")" || exit 1

# The errors that are the intended answer to a sample (the data, not the
# solver, rule out a fit): message prefixes, one per line.  Only these
# count as refusals under --criterion intended.
INTENDED_REFUSALS=(
    "y has only one class"
    "the sensitive attribute is constant"
    "no rows to fit"
    "feature is constant"
    "features are collinear"
)

replicates=${CORPUS_REPLICATES:-100}
fractions=0.02,0.05,0.2
datasets=nhanes,contraception,arrests
methods=lr,fair_lr,crlr,fair_crlr,glmm,fair_glmm
rho=1
lambda=1
criterion=${CORPUS_CRITERION:-intended}
keep=
options=${CORPUS_OPTIONS:-'{}'}
while [ $# -gt 0 ]; do
    case "$1" in
        --replicates) replicates=$2; shift 2 ;;
        --fractions) fractions=$2; shift 2 ;;
        --datasets) datasets=$2; shift 2 ;;
        --methods) methods=$2; shift 2 ;;
        --rho) rho=$2; shift 2 ;;
        --lambda) lambda=$2; shift 2 ;;
        --criterion) criterion=$2; shift 2 ;;
        --keep) keep=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "corpus: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ $replicates =~ ^[1-9][0-9]*$ ]] || { echo "corpus: --replicates must be a positive integer" >&2; exit 2; }
[[ $fractions =~ ^(0?\.[0-9]+|1)(,(0?\.[0-9]+|1))*$ ]] || { echo "corpus: --fractions: numbers in (0, 1], comma-separated" >&2; exit 2; }
[[ $datasets =~ ^(nhanes|contraception|arrests)(,(nhanes|contraception|arrests))*$ ]] \
    || { echo "corpus: --datasets: nhanes, contraception, arrests" >&2; exit 2; }
[[ $methods =~ ^[a-z_]+(,[a-z_]+)*$ ]] || { echo "corpus: --methods: a comma-separated list" >&2; exit 2; }
case "$criterion" in crash|intended) ;; *) echo "corpus: --criterion crash or intended" >&2; exit 2 ;; esac

db=fairglmm_corpus
tmp=$(mktemp -d)
# A sentinel session sleeps on the server for the whole run: a backend that
# crashes makes the postmaster end every session, so the sentinel gone at
# the end means a crash, wherever it happened (pg_postmaster_start_time()
# does not change when the postmaster restarts its backends).
sentinel=
sentinel_app="fairglmm_corpus_sentinel_$$"
stop_sentinel() {
    [ -n "$sentinel" ] || return 0
    psql -X -q -At -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                                   WHERE application_name = '$sentinel_app'" >/dev/null 2>&1
    wait "$sentinel" 2>/dev/null
    sentinel=
}
trap 'stop_sentinel; rm -rf "$tmp"' EXIT
fail() { echo "corpus: FAILED ($*)"; exit 1; }
# after a backend crash the server restarts its sessions and recovers: wait
wait_ready() {
    local i
    for i in $(seq 120); do
        psql -X -q -At -d postgres -c "SELECT 1" >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    return 1
}

psql -X -q -d postgres -c "SET client_min_messages = warning" \
    -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" \
    || fail "cannot create database $db"
export PGDATABASE=$db
start=$(date +%s)
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION fairglmm" || fail "CREATE EXTENSION"
psql -X -q -v ON_ERROR_STOP=1 -v datadir="$PWD/data" -f load.sql || fail "load.sql"
psql -X -q -v ON_ERROR_STOP=1 -f corpus.sql || fail "corpus.sql"
# (psql interpolates variables in a script, not in -c)
echo "SELECT CASE WHEN jsonb_typeof(:'opts'::jsonb) = 'object' THEN 'ok' END" \
    | psql -X -q -At -v ON_ERROR_STOP=1 -v opts="$options" 2>/dev/null | grep -qx ok \
    || fail "CORPUS_OPTIONS is not a jsonb object: $options"
PGAPPNAME=$sentinel_app psql -X -q -d postgres -c "SELECT pg_sleep(86400)" >/dev/null 2>&1 &
sentinel=$!
for _ in $(seq 100); do
    [ "$(psql -X -At -d postgres -c "SELECT count(*) FROM pg_stat_activity
                                     WHERE application_name = '$sentinel_app'")" = 1 ] && break
    sleep 0.1
done

sessions_failed=0
echo "corpus: $replicates replicates x fractions $fractions x methods $methods; options $options; rho $rho, lambda $lambda"
for ds in ${datasets//,/ }; do
    t0=$(date +%s)
    {
        echo "\\set VERBOSITY terse"
        echo "\\set SHOW_CONTEXT never"
        echo "SET client_min_messages = notice;"
        echo "\\o /dev/null"
        echo "SELECT realdata.corpus_prepare('$ds', 1, $replicates);"
        for m in ${methods//,/ }; do
            for f in ${fractions//,/ }; do
                echo "SELECT realdata.corpus_run('$ds', '$m', $f, 1, $replicates, $rho, $lambda, :'opts');"
            done
        done
    } > "$tmp/$ds.sql"
    # one session per data set; stderr carries the markers and the warnings
    psql -X -q -v ON_ERROR_STOP=1 -v opts="$options" -f "$tmp/$ds.sql" 2> "$tmp/$ds.stderr"
    rc=$?
    if [ "$rc" != 0 ]; then
        echo "corpus: the session of $ds ended with exit code $rc; its last messages:"
        grep -v 'NOTICE:  corpus-fit ' "$tmp/$ds.stderr" | tail -5
        sessions_failed=$((sessions_failed + 1))
        wait_ready || fail "the server does not accept connections after the session of $ds"
    fi
    # WARNING lines after the marker "corpus-fit d|m|f|r" belong to that fit
    awk -v OFS='\t' '
        /NOTICE:  corpus-fit / { sub(/.*NOTICE:  corpus-fit /, ""); split($0, k, "|"); next }
        /WARNING:  / { msg = $0; sub(/.*WARNING:  /, "", msg); gsub(/[\t\\]/, " ", msg);
                       print k[1], k[2], k[3], k[4], msg }' "$tmp/$ds.stderr" > "$tmp/$ds.warnings"
    psql -X -q -v ON_ERROR_STOP=1 \
        -c "\\copy realdata.corpus_warnings FROM '$tmp/$ds.warnings'" || fail "loading the warnings of $ds"
    echo "corpus: $ds: $(( $(date +%s) - t0 )) s"
done
if kill -0 "$sentinel" 2>/dev/null; then crashed=no; else crashed=yes; fi
stop_sentinel

intended=$(printf '%s\n' "${INTENDED_REFUSALS[@]}")
psql -X -q -At -v ON_ERROR_STOP=1 -v intended="$intended" -v fractions="$fractions" \
    -f report.sql > "$tmp/report" || fail "report"
cat "$tmp/report"
if [ -n "$keep" ]; then
    mkdir -p "$keep"
    psql -X -q -c "\\copy (SELECT * FROM realdata.corpus_fits ORDER BY 1, 2, 3, 4) TO '$keep/fits.csv' CSV HEADER" \
        -c "\\copy (SELECT * FROM realdata.corpus_warnings ORDER BY 1, 2, 3, 4) TO '$keep/warnings.csv' CSV HEADER"
fi

unexpected_class=$(sed -n 's/^unexpected_class=//p' "$tmp/report")
unintended=$(sed -n 's/^unintended=//p' "$tmp/report")
echo "corpus: $(( $(date +%s) - start )) s; criterion $criterion"
problems=()
[ "$sessions_failed" = 0 ] || problems+=("$sessions_failed sessions ended early")
[ "$crashed" = no ] || problems+=("a backend crashed: the sentinel session was ended")
[ "${unexpected_class:-x}" = 0 ] || problems+=("${unexpected_class:-?} errors outside SQLSTATE class 22")
if [ "$criterion" = intended ]; then
    [ "${unintended:-x}" = 0 ] || problems+=("${unintended:-?} errors that are not intended refusals")
fi
if [ ${#problems[@]} = 0 ]; then
    psql -X -q -d postgres -c "DROP DATABASE $db"
    echo "corpus: ok"
else
    msg=$(printf '%s; ' "${problems[@]}")
    fail "${msg%; }"
fi
