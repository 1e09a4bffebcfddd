#!/usr/bin/env bash
# The paper's simulation study (Sec. 3.1-3.4) driven in SQL on a throwaway
# cluster: for each scenario and replicate, make a survey of 100 strata x 1,000
# rows (tools/make_survey.sql), train every method on 3-5 rows per stratum,
# score the other rows, and print per scenario the paper's table layout
# (mean, p25, median, p75, p95, std of accuracy and of disparate impact), the
# paper's own numbers under each family, and two references that know the
# true mu: the true model (mu >= 0.5) and the best classifier with DI >= 0.9.
#
#   bash tools/simulate.sh [--replicates R] [--scenarios 1,2,3,4]
#                          [--labels honest|authors|honest,authors] [--seed S]
#                          [--population fresh|fixed] [--authors-u U]
#                          [--extra-rho 2,5,10] [--csv FILE] [--markdown]
#
#   --replicates R     replicates per scenario and label generator (default 20;
#                      the paper uses 100, about 2.5 s each on 2 cores)
#   --labels           honest: y ~ Bernoulli(mu) (default); authors: y = (u < mu)
#                      with one uniform u shared by all rows, as in the
#                      authors' generator (labels a deterministic threshold of
#                      mu); both: honest,authors
#   --seed S           replicate r uses seed S + r - 1 (default 1)
#   --population       fresh (default): a new population per replicate; fixed:
#                      one population (seed S) and a new training sample per
#                      replicate (train_seed S + r), as in the authors' code
#   --authors-u U      fix the shared uniform of --labels authors (default: one
#                      extra draw from the population's seed)
#   --extra-rho LIST   also fit fair_glmm and fair_crlr at these rho values
#                      (paper scaling, penalty (rho/N)(a'delta)^2)
#   --csv FILE         also write the per-replicate results to FILE
#   --markdown         print the tables as Markdown
#
# Needs the extension built and installed for the PostgreSQL that
# tools/pg_cluster.sh finds (PG_CONFIG or FG_PG_BINDIR select it).
set -euo pipefail
cd "$(dirname "$0")/.."

replicates=20
scenarios=1,2,3,4
labels=honest
seed=1
population=fresh
authors_u=
extra_rho=
csv=
markdown=0
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
    case "$1" in
        --replicates) replicates=$2; shift 2 ;;
        --scenarios) scenarios=$2; shift 2 ;;
        --labels) labels=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        --population) population=$2; shift 2 ;;
        --authors-u) authors_u=$2; shift 2 ;;
        --extra-rho) extra_rho=$2; shift 2 ;;
        --csv) csv=$2; shift 2 ;;
        --markdown) markdown=1; shift ;;
        -h|--help) usage 0 ;;
        *) echo "simulate: unknown argument $1" >&2; usage ;;
    esac
done
[[ $replicates =~ ^[1-9][0-9]*$ ]] || { echo "simulate: --replicates must be a positive integer" >&2; exit 2; }
[[ $scenarios =~ ^[1-4](,[1-4])*$ ]] || { echo "simulate: --scenarios is a list of 1..4" >&2; exit 2; }
[[ $labels =~ ^(honest|authors)(,(honest|authors))?$ ]] || { echo "simulate: --labels honest, authors or honest,authors" >&2; exit 2; }
[[ $seed =~ ^-?[0-9]+$ ]] || { echo "simulate: --seed must be an integer" >&2; exit 2; }
[[ $population =~ ^(fresh|fixed)$ ]] || { echo "simulate: --population fresh or fixed" >&2; exit 2; }
[ -z "$authors_u" ] || [[ $authors_u =~ ^0?\.[0-9]+$ ]] || { echo "simulate: --authors-u must be in (0, 1)" >&2; exit 2; }
[ -z "$extra_rho" ] || [[ $extra_rho =~ ^[0-9.eE+]+(,[0-9.eE+]+)*$ ]] || { echo "simulate: --extra-rho is a list of numbers" >&2; exit 2; }

# shellcheck source=tools/pg_cluster.sh
source tools/pg_cluster.sh
fg_cluster_start
trap fg_cluster_stop EXIT
export PGOPTIONS="-c jit=off"
psql -X -q -c "CREATE EXTENSION fairglmm"
psql -X -q -f tools/sim_setup.sql

if [ -n "$extra_rho" ]; then
    i=0
    for r in ${extra_rho//,/ }; do
        i=$((i + 1))
        psql -X -q -v rho="$r" -v i="$i" <<'EOF'
INSERT INTO sim_runs VALUES
  (19 + :i, 'Fair GLMM', 'Fair GLMM, rho = ' || :'rho', 'fair_glmm', 'value', 1, '{}', :rho),
  (59 + :i, 'Fair CRLR', 'Fair CRLR, rho = ' || :'rho', 'fair_crlr', 'value', 1, '{}', :rho);
EOF
    done
fi

start=$(date +%s)
script=$(mktemp)
trap 'rm -f "$script"; fg_cluster_stop' EXIT
{
    for lab in ${labels//,/ }; do
        for sc in ${scenarios//,/ }; do
            for ((r = 1; r <= replicates; r++)); do
                echo "\\set scenario $sc"
                echo "\\set labels $lab"
                echo "\\set replicate $r"
                if [ "$population" = fixed ]; then
                    echo "\\set seed $seed"
                    echo "\\set train_seed $((seed + r))"
                else
                    echo "\\set seed $((seed + r - 1))"
                    echo "\\unset train_seed"
                fi
                if [ -n "$authors_u" ]; then echo "\\set authors_u $authors_u"; else echo "\\unset authors_u"; fi
                echo "\\i tools/sim_replicate.sql"
                echo "SELECT to_char(clock_timestamp(), 'HH24:MI:SS') AS fg_now \\gset"
                echo "\\warn :fg_now scenario 3.$sc, $lab labels, replicate $r of $replicates"
            done
        done
    done
} > "$script"
psql -X -q -f "$script"
elapsed=$(( $(date +%s) - start ))

report() {
    for lab in ${labels//,/ }; do
        for sc in ${scenarios//,/ }; do
            psql -X -q -v scenario="$sc" -v labels="$lab" "$@" -f tools/sim_report.sql
        done
    done
}
echo "Simulation: $replicates replicates x scenarios $scenarios x labels $labels," \
     "population $population, seed $seed${authors_u:+, authors_u $authors_u}; $elapsed s"
if [ "$markdown" = 1 ]; then
    # unaligned rows become Markdown table rows; a rule goes under each header
    report -P format=unaligned -P fieldsep=' | ' |
        awk '/ \| / { if (!intable) { print "| " $0 " |"; n = gsub(/ \| /, "&");
                                       s = "|"; for (i = 0; i <= n; i++) s = s " --- |"; print s;
                                       intable = 1; next }
                      print "| " $0 " |"; next }
             { intable = 0; print }'
else
    report
fi
if [ -n "$csv" ]; then
    psql -X -q -c "\\copy (SELECT * FROM sim_results ORDER BY labels, scenario, replicate, ord) TO '$csv' CSV HEADER"
    echo "per-replicate results: $csv"
fi
