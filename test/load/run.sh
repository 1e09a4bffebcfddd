#!/usr/bin/env bash
# Load test: pgbench runs several clients at once for a fixed time, mixing
# fits of every method on small groups, scoring, disparate impact and
# storing fitted models.  Passes with zero failed or aborted transactions
# and the postmaster still the same one.
#
# Needs a running server with fairglmm installed and PGHOST/PGPORT/PGUSER
# set (tools/pg_cluster.sh; tools/test.sh runs this).  Uses its own database.
#   LOAD_SECONDS (60), LOAD_CLIENTS (4), LOAD_THREADS (2)
# Ends with "load: ok" or "load: FAILED".
set -uo pipefail
cd "$(dirname "$0")" || exit 1
seconds=${LOAD_SECONDS:-60}
clients=${LOAD_CLIENTS:-4}
threads=${LOAD_THREADS:-2}
db=fairglmm_load
out=$(mktemp)
trap 'rm -f "$out"' EXIT
pgbench=${FG_PG_BINDIR:+$FG_PG_BINDIR/}pgbench

psql -X -q -d postgres -c "SET client_min_messages = warning" \
    -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" \
    || { echo "load: FAILED (cannot create database $db)"; exit 1; }
export PGDATABASE=$db
psql -X -q -At -f setup.sql || { echo "load: FAILED (setup)"; exit 1; }
before=$(psql -X -At -c "SELECT pg_postmaster_start_time()")

"$pgbench" -n -c "$clients" -j "$threads" -T "$seconds" -P 15 \
    -f fit.pgbench@2 -f score.pgbench@3 -f disparate_impact.pgbench@3 -f store.pgbench@1 \
    > "$out" 2>&1
rc=$?
cat "$out"

after=$(psql -X -At -c "SELECT pg_postmaster_start_time()" 2>/dev/null)
processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")
failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$out")
stored=$(psql -X -At -c "SELECT count(*) FROM lt_store" 2>/dev/null)
echo "load: $clients clients, $seconds s: ${processed:-?} transactions (${tps:-?} tps), ${failed:-?} failed, $stored models stored"
if [ "$rc" = 0 ] && ! grep -q aborted "$out" && [ "${failed:-x}" = 0 ] && [ "${processed:-0}" -gt 0 ] \
        && [ -n "$after" ] && [ "$before" = "$after" ]; then
    psql -X -q -d postgres -c "DROP DATABASE $db"
    echo "load: ok"
else
    echo "load: FAILED (pgbench exit $rc, postmaster started '$before' then '$after')"
    exit 1
fi
