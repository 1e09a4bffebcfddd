#!/usr/bin/env bash
# Run every test of fairglmm: the core's unit tests (plain and with
# AddressSanitizer/UBSan) and the SQL regression suite on a throwaway cluster.
# Ends with the line "N passed, N failed" (one count per test program / file).
#
# PG_CONFIG (environment, optional): test against that PostgreSQL installation
# instead of the system's (the build, the install and the cluster all use it).
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
log=$(mktemp)

echo "== core unit tests"
for target in run asan; do
    make -s -C test/unit "$target" 2>&1 | tee "$log"
    p=$(grep -cE '^unit .*: [0-9]+ passed, 0 failed$' "$log")
    f=$(grep -cE '^unit .*: [0-9]+ passed, [1-9][0-9]* failed$|^FAILED:' "$log")
    # a test binary that crashed prints no summary line
    expected=$(ls test/unit/test_*.c | wc -l)
    [ $((p + f)) -lt "$expected" ] && f=$((expected - p))
    passed=$((passed + p)); failed=$((failed + f))
done

echo "== reference data (statsmodels)"
if ! /usr/bin/python3 test/reference/make_lr_reference.py test/data; then
    echo "reference data generation failed"; failed=$((failed + 1))
fi

echo "== SQL regression tests"
# shellcheck source=tools/pg_cluster.sh
source tools/pg_cluster.sh
fg_cluster_start || { echo "$passed passed, $((failed + 1)) failed"; exit 1; }
trap fg_cluster_stop EXIT
rm -rf results regression.diffs regression.out
make -s installcheck PG_CONFIG="${PG_CONFIG:-pg_config}" 2>&1 | tee "$log"
p=$(grep -cE '\.\.\. ok' "$log")
f=$(grep -cE '\.\.\. FAILED|failed \(ignored\)' "$log")
[ -f regression.diffs ] && [ "$f" = 0 ] && f=1
[ -f regression.diffs ] && { echo "-- regression.diffs (first 200 lines):"; head -200 regression.diffs; }
passed=$((passed + p)); failed=$((failed + f))
rm -f "$log"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
