#!/usr/bin/env bash
# Memory flatness: one backend scores a million rows and fits 132 models per
# round, five rounds in one session; VmRSS, RssAnon (private memory),
# RssShmem (the shared buffers this backend has touched so far; it grows as
# scans cycle through their buffer rings) and VmHWM are read from
# /proc/self/status after each round.  Round 0 warms up.  The assertion is
# deliberately robust: private memory after the last round may exceed that
# after round 1 by at most MEMORY_BOUND_KB (default 16 MB), i.e. no leak that
# grows with the work.  The figures are printed either way.
#
# Needs a running server (superuser connection, for pg_read_file) with
# fairglmm installed and PGHOST/PGPORT/PGUSER set; uses its own database.
# Ends with "memory: ok" or "memory: FAILED".
set -uo pipefail
cd "$(dirname "$0")" || exit 1
bound=${MEMORY_BOUND_KB:-16384}
db=fairglmm_memory
out=$(mktemp)
trap 'rm -f "$out"' EXIT

psql -X -q -d postgres -c "SET client_min_messages = warning" \
    -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" \
    || { echo "memory: FAILED (cannot create database $db)"; exit 1; }
start=$(date +%s)
PGDATABASE=$db psql -X -q -f memory.sql > "$out" 2>&1
rc=$?
if [ "$rc" != 0 ] || grep -q '^f$' "$out"; then
    echo "memory: FAILED (psql exit $rc or a check returned false):"; tail -20 "$out"; exit 1
fi
echo "memory: backend $(sed -n 's/^pid|//p' "$out"), $(( $(date +%s) - start )) s"
printf '%-7s %12s %12s %12s %12s\n' round "VmRSS kB" "RssAnon kB" "RssShmem kB" "VmHWM kB"
sed -n 's/^mem|//p' "$out" | while IFS='|' read -r round rss anon shmem hwm; do
    printf '%-7s %12s %12s %12s %12s\n' "$round" "$rss" "$anon" "$shmem" "$hwm"
done
first=$(sed -n 's/^mem|1|[0-9]*|\([0-9]*\)|.*/\1/p' "$out")
last=$(sed -n 's/^mem|4|[0-9]*|\([0-9]*\)|.*/\1/p' "$out")
if [ -z "$first" ] || [ -z "$last" ]; then
    echo "memory: FAILED (no figures)"; exit 1
fi
growth=$(( last - first ))
echo "memory: private memory grew by $growth kB from round 1 to round 4 (bound $bound kB)"
if [ "$growth" -lt "$bound" ]; then
    psql -X -q -d postgres -c "DROP DATABASE $db"
    echo "memory: ok"
else
    echo "memory: FAILED"
    exit 1
fi
