#!/usr/bin/env bash
# The main job: install and build fairglmm, start a throwaway PostgreSQL
# cluster, and run tools/demo.sql (train every method on a synthetic survey,
# score in SQL, report accuracy and disparate impact).
#   tools/demo.sh [scenario 1-4] [seed]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
# shellcheck source=tools/pg_cluster.sh
source tools/pg_cluster.sh
fg_cluster_start
trap fg_cluster_stop EXIT
psql -X -q -c "CREATE EXTENSION fairglmm"
psql -X -v scenario="${1:-1}" -v seed="${2:-42}" -f tools/demo.sql
