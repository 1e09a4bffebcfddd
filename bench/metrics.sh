#!/usr/bin/env bash
# Benchmark of the reporting aggregates: builds and installs the extension,
# starts a throwaway cluster, makes its own table and prints the ratios of
# bench/metrics.py (each count-based metric over count(*) GROUP BY the same
# columns; parity_ks and parity_gap time and peak memory).
#
#   bash bench/metrics.sh                 # 1,000,000 rows, 5 runs per timing
#   bash bench/metrics.sh --rows 100000   # quicker
#
# PG_CONFIG (environment, optional) selects the PostgreSQL installation.
set -euo pipefail
cd "$(dirname "$0")/.."
for a in "$@"; do
    [ "$a" = "--help" ] || [ "$a" = "-h" ] && exec /usr/bin/python3 bench/metrics.py --help
done
bash tools/setup.sh

# shellcheck source=tools/pg_cluster.sh
source tools/pg_cluster.sh
fg_cluster_start
trap fg_cluster_stop EXIT
psql -X -q -c "CREATE EXTENSION fairglmm"
/usr/bin/python3 bench/metrics.py "$@"
