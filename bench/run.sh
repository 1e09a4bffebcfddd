#!/usr/bin/env bash
# fairglmm benchmark: builds and installs the extension, starts a throwaway
# PostgreSQL cluster, generates its own data there, and prints one table of
# ratios measured in this run (see docs/performance.md).
#
#   bash bench/run.sh                  # 100k and 1M rows, with R and scikit-learn
#   bash bench/run.sh --no-peers       # fairglmm only
#   bash bench/run.sh --rows 100000    # quicker
#   bash bench/run.sh --large          # also a fit whose state exceeds 1 GB
#   bash bench/run.sh --help           # every option
#
# PG_CONFIG (environment, optional) selects the PostgreSQL installation, as
# for tools/setup.sh.  Needs a few GB of disk for the cluster and the
# exported CSV files; everything is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

peers=1
for a in "$@"; do
    [ "$a" = "--no-peers" ] && peers=0
    [ "$a" = "--help" ] || [ "$a" = "-h" ] && exec /usr/bin/python3 bench/bench.py --help
done
if [ "$peers" = 1 ]; then
    export FG_EXTRA_PACKAGES="${FG_EXTRA_PACKAGES:-} r-base-core r-cran-lme4 python3-sklearn"
fi
bash tools/setup.sh

# shellcheck source=tools/pg_cluster.sh
source tools/pg_cluster.sh
fg_cluster_start
work=$(mktemp -d /tmp/fairglmm-bench.XXXXXX)
chmod 0777 "$work"          # the server (user postgres) may write here too
cleanup() {
    local rc=$?
    fg_cluster_stop
    rm -rf "$work"
    return $rc
}
trap cleanup EXIT

/usr/bin/python3 bench/bench.py --workdir "$work" "$@"
