#!/usr/bin/env bash
# Fuzz every harness built from test/fuzz/fuzz_*.c for SECONDS each (0: only
# replay the corpus once).  Prints one line per harness,
#     fuzz <name>: ok, <runs> runs in <s> s, <n> corpus inputs, peak RSS <m> MB
# or "fuzz <name>: FAILED ..." with the end of libFuzzer's log, and exits
# non-zero when any harness failed.  A failing input is kept in
# build/artifacts/; copy it into regress/<name>/ once the bug is fixed.
#
# The corpus of each harness is build/corpus/<name>/ (kept between local
# runs, empty in CI), started from the seeds the harness writes itself
# (FUZZ_WRITE_SEEDS) and from regress/<name>/.  The libFuzzer seed is fixed
# so a run can be repeated; set FUZZ_SEED to vary it.
set -uo pipefail
cd "$(dirname "$0")" || exit 1
seconds=${1:-60}

make -s all || { echo "fuzz: build FAILED"; exit 1; }

status=0
for src in fuzz_*.c; do
    name=${src#fuzz_}
    name=${name%.c}
    bin=build/fuzz_$name
    seeds=build/seeds/$name
    corpus=build/corpus/$name
    log=build/$name.log
    rm -rf "$seeds"
    mkdir -p "$seeds" "$corpus" build/artifacts
    if ! FUZZ_WRITE_SEEDS=$seeds "$bin" > "$log" 2>&1; then
        echo "fuzz $name: FAILED writing seeds"; tail -20 "$log"; status=1; continue
    fi
    args=(-seed="${FUZZ_SEED:-1}" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024
          -print_final_stats=1 -artifact_prefix="build/artifacts/$name-")
    [ -f "$name.dict" ] && args+=(-dict="$name.dict")
    if [ "$seconds" = 0 ]; then
        args+=(-runs=0)
    else
        args+=(-max_total_time="$seconds")
    fi
    dirs=("$corpus" "$seeds")
    [ -d "regress/$name" ] && dirs+=("regress/$name")
    start=$(date +%s)
    "$bin" "${args[@]}" "${dirs[@]}" > "$log" 2>&1
    rc=$?
    elapsed=$(( $(date +%s) - start ))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
    inputs=$(find "$corpus" -type f | wc -l)
    if [ "$rc" = 0 ] && ! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|broken promise' "$log"; then
        echo "fuzz $name: ok, ${runs:-?} runs in ${elapsed} s, $inputs corpus inputs, peak RSS ${rss:-?} MB"
    else
        echo "fuzz $name: FAILED (exit $rc); end of $log:"
        tail -40 "$log"
        status=1
    fi
done
exit $status
