#!/usr/bin/env bash
# SQL-level random-input test: thousands of mutated models through every
# function that takes a model, and random feature arrays (empty, NULL
# elements, NaN, infinities, extremes, huge lengths, wrong shapes) through
# every function that takes features.  Each call must give a value or a
# clean error, and the postmaster must not restart.
#
# Needs a running server with fairglmm installed and PGHOST/PGPORT/PGUSER
# set (tools/pg_cluster.sh; tools/test.sh runs this).  Uses its own database.
#   test/random/run.sh [MUTANTS (3000)] [SEED (20240515)]
# Prints a summary and ends with "random-input: ok" or "random-input: FAILED".
set -uo pipefail
cd "$(dirname "$0")" || exit 1
mutants=${1:-3000}
seed=${2:-20240515}
db=fairglmm_random
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "random-input: FAILED ($*)"; exit 1; }

psql -X -q -d postgres -c "SET client_min_messages = warning" \
    -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" \
    || fail "cannot create database $db"
export PGDATABASE=$db
start=$(date +%s)
psql -X -q -f setup.sql || fail "setup"
psql -X -q -At -c "SELECT name || E'\t' || m FROM rt_base ORDER BY name" > "$tmp/base.tsv" \
    || fail "base models"
/usr/bin/python3 mutate_models.py "$mutants" "$seed" < "$tmp/base.tsv" > "$tmp/mutants.tsv" \
    || fail "mutation generator"
psql -X -q -c "\\copy rt_mutants (kind, base, hex) FROM '$tmp/mutants.tsv'" || fail "loading mutants"
psql -X -q -f check.sql > "$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
verdict=$(sed -n 's/^random-input: .* verdict //p' "$tmp/out")
# a crash would have ended the session; ask a new one whether the postmaster restarted
same=$(psql -X -At -c "SELECT pg_postmaster_start_time() = t FROM rt_start" 2>/dev/null)
echo "random-input: $(( $(date +%s) - start )) s"
if [ "$rc" = 0 ] && [ "$verdict" = pass ] && [ "$same" = t ]; then
    psql -X -q -d postgres -c "DROP DATABASE $db"
    echo "random-input: ok"
else
    fail "exit $rc, verdict '${verdict}', same postmaster '${same}'"
fi
