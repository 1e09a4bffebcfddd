#!/usr/bin/env bash
# Run every test of fairglmm: the core's unit tests (plain and with
# AddressSanitizer/UBSan) and the SQL regression suite on a throwaway cluster.
# Ends with the line "N passed, N failed" (one count per test program / file).
# An exported PG_CONFIG selects the PostgreSQL installation to build against,
# install into and run the cluster from (default: pg_config on the PATH).
set -uo pipefail
cd "$(dirname "$0")/.."
# clang and its runtime build the fuzz harnesses (libFuzzer); R, its survey,
# mlmRev and carData packages (the real-data corpus) and lme4 (the comparison
# with glmer) serve test/realdata; matplotlib draws for test/tradeoff
FG_EXTRA_PACKAGES="${FG_EXTRA_PACKAGES:-} clang-14 libclang-rt-14-dev \
    r-base-core r-cran-survey r-cran-mlmrev r-cran-cardata r-cran-lme4 r-cran-sandwich \
    python3-matplotlib" bash tools/setup.sh \
    || { echo "0 passed, 1 failed"; exit 1; }

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

echo "== fuzzing: every decoder of untrusted bytes, ${FG_FUZZ_SECONDS:-60} s each (libFuzzer, ASan/UBSan)"
bash test/fuzz/run.sh "${FG_FUZZ_SECONDS:-60}" 2>&1 | tee "$log"
p=$(grep -cE '^fuzz [a-z_]+: ok' "$log")
f=$(grep -cE '^fuzz .*FAILED' "$log")
expected=$(ls test/fuzz/fuzz_*.c | wc -l)
[ $((p + f)) -lt "$expected" ] && f=$((expected - p))
passed=$((passed + p)); failed=$((failed + f))

echo "== reference data (statsmodels, numpy): the committed test/data is what the scripts make"
refdir=$(mktemp -d)
if /usr/bin/python3 test/reference/make_lr_reference.py "$refdir" \
        && /usr/bin/python3 test/reference/make_metrics_reference.py "$refdir" \
        && diff -r "$refdir" test/data; then
    echo "reference data: ok"; passed=$((passed + 1))
else
    echo "FAILED: reference data differ from what test/reference/make_*_reference.py make"; failed=$((failed + 1))
fi
rm -rf "$refdir"

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

echo "== make installcheck in a clean clone of HEAD (nothing generated, nothing untracked)"
if git rev-parse --verify -q HEAD >/dev/null 2>&1; then
    clone=$(mktemp -d)
    if git clone -q . "$clone/fairglmm" &&
       (cd "$clone/fairglmm" && make -s installcheck PG_CONFIG="${PG_CONFIG:-pg_config}" >"$log" 2>&1) &&
       ! grep -qE '\.\.\. FAILED' "$log"; then
        echo "clean-clone installcheck: ok ($(grep -cE '\.\.\. ok' "$log") tests)"; passed=$((passed + 1))
    else
        echo "FAILED: make installcheck in a clean clone"; tail -20 "$log"; failed=$((failed + 1))
    fi
    rm -rf "$clone"
else
    echo "not a git checkout: skipped"
fi

echo "== server-level tests (test/*/run.sh on the same cluster)"
# the real-data corpus with fewer replicates than its default 100 (about a
# third of the time); every error that is not an intended refusal fails it
# (see test/realdata/corpus.sh)
export CORPUS_REPLICATES=${CORPUS_REPLICATES:-30}
for t in test/random/run.sh test/cancel/run.sh test/load/run.sh test/load/memory.sh \
         test/realdata/corpus.sh test/realdata/compare_r.sh test/realdata/compare_gaussian.sh \
         test/realdata/lmm_compare.sh test/upgrade/run.sh test/packaging/run.sh test/tradeoff/run.sh \
         test/tradeoff/run_gaussian.sh; do
    if bash "$t"; then
        passed=$((passed + 1))
    else
        echo "FAILED: $t"; failed=$((failed + 1))
    fi
done
rm -f "$log"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
