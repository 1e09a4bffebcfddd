#!/usr/bin/env bash
# Test RMSE against the all-threshold disparity (parity_ks) for a continuous
# outcome, one line per method: the covariance penalty along a rho path
# (fair_lr, fair_crlr) and the coordinate descent of fair_threshold along a
# lambda_f path.  Splits the rows into training and test rows by a hash of
# their id (repeatable, several splits averaged), fits each path with
# fairglmm_path on the training rows, scores every row with
# fairglmm_predict and measures the RMSE and parity_ks of the test rows.
#
#   bash tools/tradeoff_gaussian.sh TABLE [options]    (see usage below)
#
# Runs psql against whatever the libpq environment selects (PGHOST, PGPORT,
# PGUSER, PGDATABASE, ... as tools/pg_cluster.sh exports them); the database
# needs the fairglmm extension.  Draws with matplotlib (Debian
# python3-matplotlib), installed here when missing and run as root.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: bash tools/tradeoff_gaussian.sh TABLE [options]

TABLE is a table or view name as SQL writes it (schema.table works).
Columns (names as stored in the catalogue):
  --id COL            a unique row key; the split hashes it    (default id)
  --y COL             continuous outcome, any numeric type     (default y)
  --x COL             features, float8[]                       (default x)
  --strata COL        stratum; none for no strata              (default stratum)
  --sensitive COL     sensitive attribute                      (default sensitive)
  --weight COL        row weight (fit, RMSE and parity_ks)     (default: none)
Fits:
  --methods LIST      comma-separated, of fair_lr, fair_crlr, fair_threshold
                      (default all three)
  --rhos LIST         rho path of fair_lr and fair_crlr, increasing
                      (default 0,10,100,300,1000,3000,10000,100000)
  --lambdas-f LIST    lambda_f path of fair_threshold, increasing
                      (default 0,0.3,1,2,3,5,10,20,50)
  --lambda L          ridge weight of the random intercepts    (default 1)
  --options JSON      more fit options for every fit, e.g. '{"thresholds": 20}'
Rows:
  --splits K          training/test splits, averaged           (default 1)
  --test-share F      share of each sensitive group's rows in the test set
                      (default 0.3)
Output:
  --out FILE          the picture, FILE.png or FILE.svg        (default tradeoff_gaussian.png);
                      the points (means over the splits) go to the same name with .csv
  --title TEXT        the plot's title
  --ks mean|pooled    the plot's x axis: parity_ks of each split's test rows,
                      averaged (mean), or of every split's test predictions
                      together (pooled)                        (default mean)
  --train-panel       a second panel: the training rows' RMSE and parity_ks

Split k (1..K) puts in the test set, within each category of the sensitive
attribute, the share F of rows with the smallest md5(k || ':' || id).  The
CSV's line random_scores is parity_ks of scores drawn independently of the
group (mean of 20 draws): what sampling alone gives on these test rows.  The
rho = 0 and lambda_f = 0 ends are the unfair fits (fair_crlr at rho 0 and
fair_threshold at lambda_f 0 are crlr; fair_lr at rho 0 is lr).
EOF
}

die() { echo "tradeoff_gaussian: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd -P)
python=/usr/bin/python3

table="" idcol=id ycol=y xcol=x scol=stratum sens=sensitive wcol=""
methods=fair_lr,fair_crlr,fair_threshold
rhos=0,10,100,300,1000,3000,10000,100000
lambdas_f=0,0.3,1,2,3,5,10,20,50
lambda=1 options='{}' splits=1 test_share=0.3 out=tradeoff_gaussian.png title="" ks=mean train_panel=""

while [ $# -gt 0 ]; do
    arg=$1
    case "$arg" in
        -h|--help) usage; exit 0 ;;
        --train-panel) train_panel=--train-panel; shift; continue ;;
        --*=*) set -- "${arg%%=*}" "${arg#*=}" "${@:2}"; continue ;;
        --*)
            [ $# -ge 2 ] || die "$arg needs a value (see --help)"
            value=$2
            case "$arg" in
                --id) idcol=$value ;;
                --y) ycol=$value ;;
                --x) xcol=$value ;;
                --strata) scol=$value ;;
                --sensitive) sens=$value ;;
                --weight) wcol=$value ;;
                --methods) methods=$value ;;
                --rhos) rhos=$value ;;
                --lambdas-f) lambdas_f=$value ;;
                --lambda) lambda=$value ;;
                --options) options=$value ;;
                --splits) splits=$value ;;
                --test-share) test_share=$value ;;
                --out) out=$value ;;
                --title) title=$value ;;
                --ks) ks=$value ;;
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
[[ $splits =~ ^[1-9][0-9]{0,2}$ ]] || die "--splits must be an integer from 1 to 999, not '$splits'"
for pair in "--rhos:$rhos" "--lambdas-f:$lambdas_f"; do
    name=${pair%%:*} list=${pair#*:}
    [[ $list =~ ^$num(,$num)*$ ]] || die "$name must be comma-separated numbers >= 0, not '$list'"
    $python - "$list" <<'PY' || die "$name must be finite and increasing: $list"
import math, sys
r = [float(v) for v in sys.argv[1].split(",")]
sys.exit(0 if all(math.isfinite(v) for v in r) and all(a < b for a, b in zip(r, r[1:])) else 1)
PY
done
[[ $test_share =~ ^$num$ ]] || die "--test-share must be a number strictly between 0 and 1, not '$test_share'"
$python - "$test_share" <<'PY' || die "--test-share must be a number strictly between 0 and 1, not '$test_share'"
import sys
try:
    f = float(sys.argv[1])
except ValueError:
    sys.exit(1)
sys.exit(0 if 0 < f < 1 else 1)
PY
$python - "$options" <<'PY' || die "--options must be a JSON object without method or family, not '$options'"
import json, sys
try:
    o = json.loads(sys.argv[1])
except ValueError:
    sys.exit(1)
sys.exit(0 if isinstance(o, dict) and "method" not in o and "family" not in o else 1)
PY
IFS=, read -r -a method_list <<< "$methods"
[ ${#method_list[@]} -gt 0 ] || die "--methods is empty"
for m in "${method_list[@]}"; do
    case "$m" in
        fair_lr|fair_crlr|fair_threshold) ;;
        *) die "unknown method '$m' (fair_lr, fair_crlr, fair_threshold)" ;;
    esac
done
[ "$(printf '%s\n' "${method_list[@]}" | sort | uniq -d)" = "" ] || die "--methods names a method twice"
case "$ks" in
    mean|pooled) ;;
    *) die "--ks must be mean or pooled, not '$ks'" ;;
esac
case "$out" in
    *.png|*.svg) ;;
    *) die "--out must end in .png or .svg, not '$out'" ;;
esac
outdir=$(dirname "$out")
if [ ! -d "$outdir" ] || [ ! -w "$outdir" ]; then die "cannot write into $outdir"; fi
csv_out=${out%.*}.csv

# --- matplotlib ---------------------------------------------------------
if ! $python -c 'import matplotlib' 2>/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        echo "tradeoff_gaussian: installing python3-matplotlib" >&2
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
# :'name' a literal, :name is raw (only the table, resolved below, and
# numbers checked above).
run_psql() {
    psql -X -q -At -v ON_ERROR_STOP=1 \
        -v table="$table" -v idcol="$idcol" -v ycol="$ycol" -v xcol="$xcol" -v scol="$scol" \
        -v sens="$sens" -v wcol="$wcol" -v lambda="$lambda" -v options="$options" \
        -v share="$test_share" "$@"
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
FROM (VALUES (:'idcol', '--id'), (:'ycol', '--y'), (:'xcol', '--x'), (:'scol', '--strata'),
             (:'sens', '--sensitive'), (:'wcol', '--weight')) AS v(want, role)
WHERE want <> '' AND NOT (role = '--strata' AND want = 'none')
  AND NOT EXISTS (SELECT FROM pg_attribute
                  WHERE attrelid = :rel_oid AND attname = want AND attnum > 0 AND NOT attisdropped);
SQL
) || die "cannot query the database: $check"
case "$check" in
    "ok "*) rel=${check#ok } ;;
    *) die "$check" ;;
esac

has_w=false; [ -n "$wcol" ] && has_w=true
no_strata=false; [ "$scol" = none ] && no_strata=true

# --- the SQL: rows once, then per split and method one path, scored -----
# fg_rows holds the rows with y, x, the sensitive value (and weight) not
# NULL; y as float8, so any numeric column fits the gaussian family.
# fg_scores keeps every row's prediction by every model of every split.
cat > "$work/setup.sql" <<'SQL'
SET jit = off;
SET client_min_messages = warning;
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
CREATE TEMP TABLE fg_rows AS
SELECT t.:"idcol" AS id, t.:"ycol"::float8 AS y, t.:"xcol" AS x, :sv AS s, t.:"sens" AS g, :wv AS w
FROM :rel AS t
WHERE t.:"ycol" IS NOT NULL AND t.:"xcol" IS NOT NULL AND t.:"sens" IS NOT NULL AND :wv IS NOT NULL;
SELECT count(*) AS n_rows, count(DISTINCT id) AS n_ids, count(*) FILTER (WHERE id IS NULL) AS n_null_ids
FROM fg_rows \gset
SELECT :n_rows > 0 AND :n_ids = :n_rows AND :n_null_ids = 0 AS ids_ok \gset
\if :ids_ok
\else
\echo tradeoff_gaussian: the column :idcol must be a unique, non-NULL key of the used rows (:n_rows rows, :n_ids distinct)
\quit
\endif
CREATE TEMP TABLE fg_split (split int, id text, test boolean);
CREATE TEMP TABLE fg_scores (split int, line text, param float8, id text, p float8);
CREATE TEMP TABLE fg_fit_info (split int, line text, param float8, seconds_per_fit float8,
                               sweeps float8, converged boolean, threshold_disparity float8);
SQL

# split k: within each sensitive category, the share F with the smallest hash
cat > "$work/split.sql" <<'SQL'
INSERT INTO fg_split
SELECT :split, id::text,
       row_number() OVER (PARTITION BY g ORDER BY md5(:split || ':' || id::text), id)
       <= round(:share * count(*) OVER (PARTITION BY g))
FROM fg_rows;
SQL

# one path: the time of the whole path, divided by its fits, is the time per fit
cat > "$work/path.sql" <<'SQL'
SELECT :'options'::jsonb || jsonb_build_object('method', :'method', 'family', 'gaussian') AS opts \gset
SELECT clock_timestamp() AS t0 \gset
CREATE TEMP TABLE fg_fits AS
SELECT r.rho, r.model
FROM (SELECT
\if :has_w
             fairglmm_path(r.y, r.x, r.s, r.g, r.w, :'grid'::float8[], :lambda, :'opts')
\else
             fairglmm_path(r.y, r.x, r.s, r.g, :'grid'::float8[], :lambda, :'opts')
\endif
             AS p
      FROM fg_rows AS r JOIN fg_split AS sp ON sp.split = :split AND sp.id = r.id::text
      WHERE NOT sp.test) AS q,
     fairglmm_path_report(q.p) AS r;
SELECT extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)
       / cardinality(:'grid'::float8[]) AS secs \gset
INSERT INTO fg_fit_info
SELECT :split, :'method', rho, :secs, (i ->> 'sweeps')::float8, (i ->> 'converged')::boolean,
       (i ->> 'threshold_disparity')::float8
FROM fg_fits, fairglmm_info(model) AS i;
INSERT INTO fg_scores
SELECT :split, :'method', f.rho, r.id::text, fairglmm_predict(f.model, r.x, r.s)
FROM fg_fits AS f, fg_rows AS r;
DROP TABLE fg_fits;
SQL

# the points: per split, then means over the splits, and pooled over the
# splits' test rows; line random_scores: parity_ks of scores drawn
# independently of the group (a hash of the row), the value sampling alone
# gives, mean of 20 draws
cat > "$work/report.sql" <<'SQL'
\pset format csv
\pset tuples_only off
WITH scored AS (
  SELECT sc.split, sc.line, sc.param, sc.p, r.y, r.g, r.w, sp.test
  FROM fg_scores AS sc JOIN fg_rows AS r ON r.id::text = sc.id
       JOIN fg_split AS sp ON sp.split = sc.split AND sp.id = sc.id
  WHERE sc.p IS NOT NULL),
per_split AS (
  SELECT split, line, param,
         sqrt(sum(w * (y - p) ^ 2) FILTER (WHERE test) / sum(w) FILTER (WHERE test)) AS test_rmse,
         parity_ks(p, g, w) FILTER (WHERE test) AS test_ks,
         sqrt(sum(w * (y - p) ^ 2) FILTER (WHERE NOT test) / sum(w) FILTER (WHERE NOT test)) AS train_rmse,
         parity_ks(p, g, w) FILTER (WHERE NOT test) AS train_ks,
         count(*) FILTER (WHERE test) AS test_rows, count(*) FILTER (WHERE NOT test) AS train_rows
  FROM scored GROUP BY split, line, param),
pooled AS (
  SELECT line, param, parity_ks(p, g, w) FILTER (WHERE test) AS pooled_ks
  FROM scored GROUP BY line, param),
draws AS (
  SELECT d, sp.split, sp.test, r.g, r.w,
         ('x' || left(md5('random_scores:' || d || ':' || r.id::text), 8))::bit(32)::bigint::float8 AS p
  FROM fg_rows AS r JOIN fg_split AS sp ON sp.id = r.id::text, generate_series(1, 20) AS d),
null_split AS (
  SELECT d, split, parity_ks(p, g, w) FILTER (WHERE test) AS test_ks,
         parity_ks(p, g, w) FILTER (WHERE NOT test) AS train_ks
  FROM draws GROUP BY d, split),
null_pooled AS (
  SELECT d, parity_ks(p, g, w) FILTER (WHERE test) AS pooled_ks FROM draws GROUP BY d)
SELECT s.line, s.param, avg(s.test_rmse) AS test_rmse, stddev_samp(s.test_rmse) AS test_rmse_sd,
       avg(s.test_ks) AS test_parity_ks, stddev_samp(s.test_ks) AS test_parity_ks_sd,
       max(pl.pooled_ks) AS pooled_test_parity_ks,
       avg(s.train_rmse) AS train_rmse, avg(s.train_ks) AS train_parity_ks,
       avg(i.threshold_disparity) AS train_threshold_disparity,
       avg(s.test_rows) AS test_rows, avg(s.train_rows) AS train_rows,
       avg(i.seconds_per_fit) AS seconds_per_fit, avg(i.sweeps) AS sweeps,
       avg(i.converged::int) AS converged, count(*) AS splits
FROM per_split AS s JOIN pooled AS pl USING (line, param)
     JOIN fg_fit_info AS i USING (split, line, param)
GROUP BY s.line, s.param
UNION ALL
SELECT 'random_scores', NULL, NULL, NULL, avg(test_ks), stddev_samp(test_ks),
       (SELECT avg(pooled_ks) FROM null_pooled), NULL, avg(train_ks), NULL, NULL, NULL, NULL,
       NULL, NULL, count(DISTINCT split)
FROM null_split
ORDER BY 1, 2;
SQL

{
    echo "\\i $work/setup.sql"
    for k in $(seq 1 "$splits"); do
        echo "\\set split $k"
        echo "\\i $work/split.sql"
        for m in "${method_list[@]}"; do
            grid=$rhos; [ "$m" = fair_threshold ] && grid=$lambdas_f
            echo "\\set method $m"
            echo "\\set grid '{$grid}'"
            echo "\\warn tradeoff_gaussian: split $k of $splits, $m"
            echo "\\i $work/path.sql"
        done
    done
    echo "\\i $work/report.sql"
} > "$work/main.sql"

echo "tradeoff_gaussian: $rel, ${#method_list[@]} methods, $splits split(s)" >&2
run_psql -v rel="$rel" -v has_w="$has_w" -v no_strata="$no_strata" -f "$work/main.sql" \
    > "$work/points.csv" || die "the fits failed (the error is above)"
grep -q '^line,' "$work/points.csv" || { cat "$work/points.csv" >&2; die "no points were computed"; }
sed -n '/^line,/,$p' "$work/points.csv" > "$csv_out"

subtitle="$rel; test share $test_share of each group, $splits split(s) averaged"
$python "$here/tradeoff_gaussian_plot.py" --points "$csv_out" --out "$out" \
    --subtitle "$subtitle" --ks "$ks" $train_panel ${title:+--title "$title"}
echo "tradeoff_gaussian: wrote $out and $csv_out" >&2
