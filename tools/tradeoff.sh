#!/usr/bin/env bash
# Accuracy against disparate impact over rho, one line per method: fits a
# fairglmm_path per method on the training rows of TABLE, scores the
# evaluation rows with every model of each path, and draws the points (with
# the fair-Bayes frontier when the table has the true probabilities).
#
#   bash tools/tradeoff.sh TABLE [options]       (see usage below)
#
# Runs psql against whatever the libpq environment selects (PGHOST, PGPORT,
# PGUSER, PGDATABASE, ... as tools/pg_cluster.sh exports them); the database
# needs the fairglmm extension.  Draws with matplotlib (Debian
# python3-matplotlib), installed here when missing and run as root.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: bash tools/tradeoff.sh TABLE [options]

TABLE is a table or view name as SQL writes it (schema.table works).
Columns (names as stored in the catalogue; defaults are those of the demo's survey):
  --y COL             label, boolean or integer 0/1            (default y)
  --x COL             features, float8[]                       (default x)
  --strata COL        stratum, integer, bigint or text; none for no strata
                                                               (default stratum)
  --sensitive COL     sensitive attribute                      (default sex)
  --weight COL        row weight (fit, accuracy and DI)        (default: none)
  --reference-column COL
                      the true P(y = 1) of each row: adds the fair-Bayes
                      frontier of the evaluation rows          (default: none)
Fits:
  --methods LIST      comma-separated methods (default fair_lr,fair_crlr,fair_glmm);
                      lr, crlr, glmm ignore rho and give one point each
  --rhos LIST         comma-separated rhos >= 0, increasing
                      (default 0,0.03,0.1,0.3,1,3,10,30,100,300,1000)
  --lambda L          ridge weight of the random intercepts    (default 1)
  --options JSON      more fit options for every fit, e.g. '{"l2": 0.01}'
Rows (SQL predicates on TABLE's columns, written as in a WHERE clause):
  --train-where SQL   training rows                            (default: every row)
  --test-where SQL    evaluation rows                          (default: every row)
Output:
  --out FILE          the picture, FILE.png or FILE.svg        (default tradeoff.png);
                      the points go to the same name with .csv
  --title TEXT        the plot's title
EOF
}

die() { echo "tradeoff: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd -P)
python=/usr/bin/python3

table="" ycol=y xcol=x scol=stratum sens=sex wcol="" refcol=""
methods=fair_lr,fair_crlr,fair_glmm
rhos=0,0.03,0.1,0.3,1,3,10,30,100,300,1000
lambda=1 options='{}' train_where=true test_where=true out=tradeoff.png title=""

while [ $# -gt 0 ]; do
    arg=$1
    case "$arg" in
        -h|--help) usage; exit 0 ;;
        --*=*) set -- "${arg%%=*}" "${arg#*=}" "${@:2}"; continue ;;
        --*)
            [ $# -ge 2 ] || die "$arg needs a value (see --help)"
            value=$2
            case "$arg" in
                --y) ycol=$value ;;
                --x) xcol=$value ;;
                --strata) scol=$value ;;
                --sensitive) sens=$value ;;
                --weight) wcol=$value ;;
                --reference-column) refcol=$value ;;
                --methods) methods=$value ;;
                --rhos) rhos=$value ;;
                --lambda) lambda=$value ;;
                --options) options=$value ;;
                --train-where) train_where=$value ;;
                --test-where) test_where=$value ;;
                --out) out=$value ;;
                --title) title=$value ;;
                *) die "unknown option $arg (see --help)" ;;
            esac
            shift 2 ;;
        *)
            [ -z "$table" ] || die "one TABLE only; got '$table' and '$arg'"
            table=$arg; shift ;;
    esac
done
[ -n "$table" ] || { usage >&2; exit 2; }

# --- options that need no database --------------------------------------
num='([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]+)?'
[[ $lambda =~ ^$num$ ]] || die "--lambda must be a number >= 0, not '$lambda'"
[[ $rhos =~ ^$num(,$num)*$ ]] || die "--rhos must be comma-separated numbers >= 0, not '$rhos'"
$python - "$rhos" <<'PY' || die "--rhos must be finite and increasing: $rhos"
import math, sys
r = [float(v) for v in sys.argv[1].split(",")]
sys.exit(0 if all(math.isfinite(v) for v in r) and all(a < b for a, b in zip(r, r[1:])) else 1)
PY
$python - "$options" <<'PY' || die "--options must be a JSON object without method (--methods chooses it), not '$options'"
import json, sys
try:
    o = json.loads(sys.argv[1])
except ValueError:
    sys.exit(1)
sys.exit(0 if isinstance(o, dict) and "method" not in o else 1)
PY
IFS=, read -r -a method_list <<< "$methods"
[ ${#method_list[@]} -gt 0 ] || die "--methods is empty"
for m in "${method_list[@]}"; do
    case "$m" in
        lr|fair_lr|crlr|fair_crlr|glmm|fair_glmm) ;;
        *) die "unknown method '$m' (lr, fair_lr, crlr, fair_crlr, glmm, fair_glmm)" ;;
    esac
done
[ "$(printf '%s\n' "${method_list[@]}" | sort | uniq -d)" = "" ] || die "--methods names a method twice"
case "$out" in
    *.png|*.svg) ;;
    *) die "--out must end in .png or .svg, not '$out'" ;;
esac
outdir=$(dirname "$out")
if [ ! -d "$outdir" ] || [ ! -w "$outdir" ]; then die "cannot write into $outdir"; fi
csv_out=${out%.*}.csv

# --- matplotlib ---------------------------------------------------------
if ! $python -c 'import matplotlib, numpy' 2>/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        echo "tradeoff: installing python3-matplotlib" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            python3-matplotlib >/dev/null
    else
        die "needs matplotlib: install the Debian package python3-matplotlib (as root: apt-get install python3-matplotlib)"
    fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# psql with every user value as a variable: :"name" quotes an identifier,
# :'name' a literal, :name is raw (the table, resolved below, and the WHERE
# predicates, which are SQL by design).
run_psql() {
    psql -X -q -At -v ON_ERROR_STOP=1 \
        -v table="$table" -v ycol="$ycol" -v xcol="$xcol" -v scol="$scol" \
        -v sens="$sens" -v wcol="$wcol" -v refcol="$refcol" \
        -v rhos="{$rhos}" -v lambda="$lambda" -v options="$options" \
        -v train_where="$train_where" -v test_where="$test_where" "$@"
}

# --- the database: extension, table, columns ----------------------------
check=$(run_psql 2>&1 <<'SQL'
SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'fairglmm') AS has_ext,
       to_regclass(:'table') IS NOT NULL AS has_table \gset
\if :has_ext
\else
\echo the database :DBNAME has no fairglmm extension (CREATE EXTENSION fairglmm)
\quit
\endif
\if :has_table
\else
\echo no table or view :table (give it as SQL writes it, e.g. myschema.mytable)
\quit
\endif
SELECT to_regclass(:'table')::oid AS rel_oid, to_regclass(:'table')::text AS rel \gset
SELECT CASE WHEN count(*) = 0 THEN 'ok ' || :'rel'
            ELSE 'no column ' || string_agg(format('%I (%s)', want, role), ', ') || ' in ' || :'rel'
                 || ' (its columns: ' || (SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum)
                                          FROM pg_attribute WHERE attrelid = :rel_oid
                                           AND attnum > 0 AND NOT attisdropped) || ')' END
FROM (VALUES (:'ycol', '--y'), (:'xcol', '--x'), (:'scol', '--strata'), (:'sens', '--sensitive'),
             (:'wcol', '--weight'), (:'refcol', '--reference-column')) AS v(want, role)
WHERE want <> '' AND NOT (role = '--strata' AND want = 'none')
  AND NOT EXISTS (SELECT FROM pg_attribute
                  WHERE attrelid = :rel_oid AND attname = want AND attnum > 0 AND NOT attisdropped);
SQL
) || die "cannot query the database: $check"
case "$check" in
    "ok "*) rel=${check#ok } ;;
    *) die "$check" ;;
esac

# --- one SQL per method: the path, then every model scored ---------------
# Evaluation rows count when y, x, the sensitive value (and weight, and
# reference) are not NULL and the model scores them.
has_w=false; [ -n "$wcol" ] && has_w=true
has_ref=false; [ -n "$refcol" ] && has_ref=true
no_strata=false; [ "$scol" = none ] && no_strata=true

points=$work/points.csv
echo "line,rho,accuracy,disparate_impact,expected_accuracy,train_accuracy,train_disparate_impact,rows" > "$points"
for m in "${method_list[@]}"; do
    fair=false; case "$m" in fair_*) fair=true ;; esac
    echo "tradeoff: $m" >&2
    run_psql -v rel="$rel" -v method="$m" -v fair="$fair" -v has_w="$has_w" \
             -v has_ref="$has_ref" -v no_strata="$no_strata" >> "$points" <<'SQL' ||
SET jit = off;
\if :no_strata
\set sv 'NULL::integer'
\else
\set sv 't.' :"scol"
\endif
\if :has_w
\set wv '(t.' :"wcol" ')::float8'
\else
\set wv '1::float8'
\endif
\if :has_ref
\set mu '(t.' :"refcol" ')::float8'
\else
\set mu 'NULL::float8'
\endif
SELECT :'options'::jsonb || jsonb_build_object('method', :'method') AS opts \gset
CREATE TEMP TABLE fits AS
\if :fair
SELECT r.rho, r.model, r.train_accuracy, r.train_disparate_impact
FROM (SELECT
\if :has_w
             fairglmm_path(t.:"ycol", t.:"xcol", :sv, t.:"sens", :wv, :'rhos'::float8[], :lambda, :'opts')
\else
             fairglmm_path(t.:"ycol", t.:"xcol", :sv, t.:"sens", :'rhos'::float8[], :lambda, :'opts')
\endif
             AS p
      FROM :rel AS t WHERE (:train_where)) AS q,
     fairglmm_path_report(q.p) AS r;
\else
SELECT 0::float8 AS rho, f.model,
       (fairglmm_info(f.model) ->> 'train_accuracy')::float8 AS train_accuracy,
       (fairglmm_info(f.model) ->> 'train_disparate_impact')::float8 AS train_disparate_impact
FROM (SELECT
\if :has_w
             fairglmm_fit(t.:"ycol", t.:"xcol", :sv, t.:"sens", :wv, 0, :lambda, :'opts')
\else
             fairglmm_fit(t.:"ycol", t.:"xcol", :sv, t.:"sens", 0, :lambda, :'opts')
\endif
             AS model
      FROM :rel AS t WHERE (:train_where)) AS f;
\endif
CREATE TEMP TABLE evaluation AS
SELECT t.:"xcol" AS x, :sv AS s, t.:"ycol"::int AS y, t.:"sens" AS g, :wv AS w, :mu AS mu
FROM :rel AS t
WHERE (:test_where) AND t.:"ycol" IS NOT NULL AND t.:"xcol" IS NOT NULL
  AND t.:"sens" IS NOT NULL AND :wv IS NOT NULL AND (NOT :has_ref OR :mu IS NOT NULL);
\pset format csv
\pset tuples_only on
SELECT :'method', f.rho, e.accuracy, e.di, e.expected, f.train_accuracy, f.train_disparate_impact, e.rows
FROM fits AS f,
LATERAL (SELECT sum(w * (yhat::int = y)::int) / sum(w) AS accuracy,
                disparate_impact(yhat, g, w) AS di,
                sum(w * CASE WHEN yhat THEN mu ELSE 1 - mu END) / sum(w) AS expected,
                count(*) AS rows
         FROM (SELECT fairglmm_classify(f.model, v.x, v.s) AS yhat, v.y, v.g, v.w, v.mu
               FROM evaluation AS v) AS scored
         WHERE yhat IS NOT NULL) AS e
ORDER BY f.rho;
SQL
        die "$m failed (the error is above)"
done

# --- the reference rows: mu, group, weight of the evaluation rows --------
ref_args=()
if [ "$has_ref" = true ]; then
    run_psql -v rel="$rel" -v has_w="$has_w" -v no_strata="$no_strata" > "$work/reference.csv" <<'SQL' ||
\if :has_w
\set wv '(t.' :"wcol" ')::float8'
\else
\set wv '1::float8'
\endif
\pset format csv
\pset tuples_only on
SELECT t.:"refcol"::float8, t.:"sens"::text, :wv
FROM :rel AS t
WHERE (:test_where) AND t.:"ycol" IS NOT NULL AND t.:"xcol" IS NOT NULL
  AND t.:"sens" IS NOT NULL AND :wv IS NOT NULL AND t.:"refcol" IS NOT NULL;
SQL
        die "reading the reference column failed (the error is above)"
    ref_args=(--reference "$work/reference.csv")
fi

subtitle="$rel; training rows: $train_where; evaluation rows: $test_where"
$python "$here/tradeoff_plot.py" --points "$points" "${ref_args[@]}" \
    --out "$out" --csv "$csv_out" --subtitle "$subtitle" \
    ${title:+--title "$title"}
echo "tradeoff: wrote $out and $csv_out" >&2
