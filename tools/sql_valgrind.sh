#!/usr/bin/env bash
# On demand (not part of tools/test.sh, it takes tens of minutes): the SQL
# regression suite, and optionally the random-input test, with every server
# process under valgrind's memcheck.
#
#   bash tools/sql_valgrind.sh            # the regression suite
#   bash tools/sql_valgrind.sh --random   # and test/random with 500 mutants
#   FG_REGRESS="setup predict" bash tools/sql_valgrind.sh   # some tests only
#
# PG_CONFIG selects the installation, as for tools/test.sh; the extension
# must be installed (tools/setup.sh).  The cluster is made as usual by
# tools/pg_cluster.sh, then its postmaster is restarted under
#     valgrind --trace-children=yes
# so every backend runs under memcheck.  PostgreSQL's own allocations are
# not instrumented (palloc carves malloc'd blocks; that needs a
# USE_VALGRIND build), but invalid reads and writes outside malloc'd blocks,
# use of uninitialised values and bad frees are found, in our code and in
# OpenBLAS/LAPACKE as we call them.  An error whose stack passes through
# fairglmm.so fails the run; errors inside PostgreSQL alone are counted
# and shown, not judged.  Ends with "sql-valgrind: ok" or "... FAILED".
#
# Why not AddressSanitizer: the ASan runtime has to be preloaded into the
# uninstrumented postgres binary, and on Debian 12 that deadlocks at start
# (libgpg-error's constructor calls bindtextdomain, ASan initialises inside
# its malloc and calls dlerror, which takes the same gettext lock).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export PG_CONFIG=${PG_CONFIG:-pg_config}
random=no
[ "${1:-}" = --random ] && random=yes
command -v valgrind >/dev/null || { echo "sql-valgrind: FAILED (apt-get install valgrind)"; exit 1; }

# shellcheck source=tools/pg_cluster.sh
source tools/pg_cluster.sh
fg_cluster_start || { echo "sql-valgrind: FAILED (cluster)"; exit 1; }
trap fg_cluster_stop EXIT
dir=$FG_CLUSTER_DIR
fg__as_owner "$dir" "$FG_PG_BINDIR/pg_ctl" -D "$dir/data" stop -m fast -w >/dev/null \
    || { echo "sql-valgrind: FAILED (stopping the plain server)"; exit 1; }

# Restart the same cluster with every process under memcheck.
fg__as_owner "$dir" sh -c "exec valgrind --quiet --trace-children=yes --error-limit=no \
    --num-callers=40 --leak-check=no --read-var-info=no \
    --suppressions='$(pwd)/tools/valgrind.supp' --log-file='$dir/valgrind.%p.log' \
    '$FG_PG_BINDIR/postgres' -D '$dir/data' >> '$dir/log' 2>&1 &"
for _ in $(seq 1 180); do
    "$FG_PG_BINDIR/pg_isready" -q && break
    sleep 1
done
"$FG_PG_BINDIR/pg_isready" -q || { echo "sql-valgrind: FAILED (no server under valgrind)"; tail "$dir/log"; exit 1; }
echo "sql-valgrind: server under valgrind is up"

status=0
before=$(psql -X -At -c "SELECT pg_postmaster_start_time()")
start=$(date +%s)
[ -d test/data ] || /usr/bin/python3 test/reference/make_lr_reference.py test/data >/dev/null
rm -rf results regression.diffs regression.out
make -s installcheck PG_CONFIG="$PG_CONFIG" ${FG_REGRESS:+REGRESS="$FG_REGRESS"} 2>&1 \
    | tee "$dir/installcheck.log"
grep -qE '\.\.\. FAILED|failed \(ignored\)' "$dir/installcheck.log" && status=1
grep -q 'tests passed' "$dir/installcheck.log" || status=1
if [ "$random" = yes ]; then
    bash test/random/run.sh 500 || status=1
fi
after=$(psql -X -At -c "SELECT pg_postmaster_start_time()" 2>/dev/null)
[ "$before" = "$after" ] || { echo "sql-valgrind: the postmaster restarted (a backend crashed)"; status=1; }
fg__as_owner "$dir" "$FG_PG_BINDIR/pg_ctl" -D "$dir/data" stop -m fast -w -t 300 >/dev/null

# Each error record of memcheck is a block of "==pid== " lines ending in an
# empty one; keep those that pass through fairglmm.so.
ours=$(cat "$dir"/valgrind.*.log 2>/dev/null | awk '
    /^==[0-9]+== *$/ { if (rec ~ /fairglmm/) { print rec; n++ } rec = ""; next }
    /^==[0-9]+== / { rec = rec $0 "\n" }
    END { if (rec ~ /fairglmm/) { print rec; n++ } }')
others=$(cat "$dir"/valgrind.*.log 2>/dev/null | grep -cE '^==[0-9]+== (Invalid|Conditional|Use of|Syscall param|Mismatched|Source and destination)')
echo "sql-valgrind: $(( $(date +%s) - start )) s; memcheck errors outside fairglmm: $others"
if [ -n "$ours" ]; then
    echo "sql-valgrind: memcheck errors in fairglmm:"
    printf '%s\n' "$ours" | head -200
    status=1
fi
if [ "$status" = 0 ]; then echo "sql-valgrind: ok"; else echo "sql-valgrind: FAILED"; fi
exit $status
