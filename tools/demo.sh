#!/usr/bin/env bash
# The main job: install and build fairglmm, start a throwaway PostgreSQL
# cluster, and run tools/demo.sql (train every method on a synthetic survey,
# score in SQL, report accuracy and disparate impact).
#   tools/demo.sh [--plot FILE] [scenario 1-4] [seed]
# --plot FILE also draws accuracy against disparate impact over rho for
# fair_lr, fair_crlr and fair_glmm with the fair-Bayes frontier of the true
# model (tools/tradeoff.sh; FILE ends in .png or .svg, its points go to the
# same name with .csv).
set -euo pipefail
plot=""
positional=()
while [ $# -gt 0 ]; do
    case "$1" in
        --plot) [ $# -ge 2 ] || { echo "demo: --plot needs a file name (.png or .svg)" >&2; exit 2; }
                plot=$2; shift 2 ;;
        --plot=*) plot=${1#--plot=}; shift ;;
        -*) echo "usage: tools/demo.sh [--plot FILE] [scenario 1-4] [seed]" >&2; exit 2 ;;
        *) positional+=("$1"); shift ;;
    esac
done
scenario=${positional[0]:-1}
seed=${positional[1]:-42}
if [ -n "$plot" ]; then
    case "$plot" in
        *.png|*.svg) ;;
        *) echo "demo: --plot FILE must end in .png or .svg" >&2; exit 2 ;;
    esac
    case "$plot" in /*) ;; *) plot=$PWD/$plot ;; esac
    export FG_EXTRA_PACKAGES="${FG_EXTRA_PACKAGES:-} python3-matplotlib"
fi
cd "$(dirname "$0")/.."
bash tools/setup.sh
# shellcheck source=tools/pg_cluster.sh
source tools/pg_cluster.sh
fg_cluster_start
trap fg_cluster_stop EXIT
psql -X -q -c "CREATE EXTENSION fairglmm"
psql -X -v scenario="$scenario" -v seed="$seed" -f tools/demo.sql
if [ -n "$plot" ]; then
    echo
    echo "The trade-off over rho on the same survey (train rows; evaluated on the others):"
    bash tools/tradeoff.sh survey --train-where train --test-where "NOT train" \
        --reference-column mu --out "$plot" \
        --title "Scenario 3.$scenario of the paper (seed $seed): accuracy against disparate impact over rho"
fi
