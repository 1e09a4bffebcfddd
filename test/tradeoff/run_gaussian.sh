#!/usr/bin/env bash
# tools/tradeoff_gaussian.sh on the running cluster (tools/pg_cluster.sh), on
# a small simulated survey with a continuous outcome
# (tools/make_gaussian_survey.sql, 8 strata of 100 rows):
#  - it draws a PNG and writes one CSV row per method x parameter, and the
#    row random_scores;
#  - each split's test rows are the share asked of each sensitive group;
#  - a point of the CSV (one split) is what a plain fairglmm_fit at that rho
#    or lambda_f gives when scored in SQL on the same test rows;
#  - the unfair ends agree: fair_crlr at rho 0 = fair_threshold at lambda_f 0;
#  - with two splits, the means are the means of the two one-split runs;
#  - a missing column, a boolean y and an unknown method are refused.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
db=fairglmm_tradeoff_gaussian
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" 2>/dev/null' EXIT
fail() { echo "tradeoff_gaussian: FAILED: $*"; exit 1; }

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" 2>/dev/null
psql -X -q -d postgres -c "CREATE DATABASE $db" || fail "cannot create $db"
export PGDATABASE=$db
psql -X -q -c "CREATE EXTENSION fairglmm" || fail "CREATE EXTENSION"
psql -X -q -v n_strata=8 -v rows_per_stratum=100 -v seed=3 -v table=small \
    -f tools/make_gaussian_survey.sql || fail "make_gaussian_survey.sql"
psql -X -q -c "ALTER TABLE small ADD COLUMN yb boolean; UPDATE small SET yb = y > 1" || fail "yb"

start=$(date +%s)
for k in 1 2; do
    bash tools/tradeoff_gaussian.sh small --sensitive s --rhos 0,10,1000 --lambdas-f 0,2 \
        --splits "$k" --out "$tmp/t$k.png" > "$tmp/out" 2>&1 ||
        { cat "$tmp/out"; fail "tools/tradeoff_gaussian.sh --splits $k exited $?"; }
done
echo "tradeoff_gaussian: two runs in $(( $(date +%s) - start )) s"

# split 1 by hand: the test rows, then fair_crlr at rho 10 and
# fair_threshold at lambda_f 2 fitted on the others and scored in SQL
psql -X -q -At -F, > "$tmp/direct.csv" <<'SQL' || fail "the direct fits"
SET jit = off;
CREATE TEMP TABLE split AS
SELECT id, row_number() OVER (PARTITION BY s ORDER BY md5('1:' || id::text), id)
           <= round(0.3 * count(*) OVER (PARTITION BY s)) AS test
FROM small;
SELECT s, count(*) FILTER (WHERE test), count(*) FROM small JOIN split USING (id) GROUP BY s ORDER BY s;
WITH m AS (SELECT method, lf,
                  fairglmm_fit(y, x, stratum, s, lf, 1, jsonb_build_object('method', method)) AS m
           FROM small JOIN split USING (id), (VALUES ('fair_crlr', 10.0::float8), ('fair_threshold', 2)) AS v(method, lf)
           WHERE NOT test GROUP BY method, lf)
SELECT m.method, m.lf, sqrt(avg((fairglmm_predict(m.m, t.x, t.stratum) - t.y) ^ 2)),
       parity_ks(fairglmm_predict(m.m, t.x, t.stratum), t.s)
FROM m, small AS t JOIN split USING (id) WHERE test
GROUP BY m.method, m.lf ORDER BY m.method;
SQL

/usr/bin/python3 - "$tmp" <<'PY' || fail "checks above"
import csv, math, os, sys

tmp = sys.argv[1]
problems = []
def check(ok, what):
    if not ok:
        problems.append(what)

num = lambda v: float(v) if v != "" else math.nan
for k in (1, 2):
    png = os.path.join(tmp, "t%d.png" % k)
    check(open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n", "t%d.png is not a PNG" % k)
runs = {k: {(r["line"], num(r["param"]) if r["param"] else None): r
            for r in csv.DictReader(open(os.path.join(tmp, "t%d.csv" % k)))} for k in (1, 2)}
want = {("fair_lr", r) for r in (0.0, 10.0, 1000.0)} | {("fair_crlr", r) for r in (0.0, 10.0, 1000.0)} \
    | {("fair_threshold", r) for r in (0.0, 2.0)} | {("random_scores", None)}
for k in (1, 2):
    check(set(runs[k]) == want, "--splits %d: rows %s" % (k, sorted(runs[k], key=str)))
one, two = runs[1], runs[2]

lines = open(os.path.join(tmp, "direct.csv")).read().split()
groups = [l.split(",") for l in lines if l.split(",")[0] in ("f", "t")]
tests = sum(int(g[1]) for g in groups)
for g in groups:
    check(int(g[1]) == round(0.3 * int(g[2])), "group %s: %s test rows of %s" % tuple(g))
for l in lines:
    f = l.split(",")
    if f[0] in ("fair_crlr", "fair_threshold"):
        p = one.get((f[0], float(f[1])))
        if p is None:
            continue
        check(abs(num(p["test_rmse"]) - float(f[2])) < 1e-9 * float(f[2])
              and abs(num(p["test_parity_ks"]) - float(f[3])) < 1e-12
              and int(float(p["test_rows"])) == tests,
              "%s at %s: CSV %s / %s on %s rows, direct %s / %s on %d"
              % (f[0], f[1], p["test_rmse"], p["test_parity_ks"], p["test_rows"], f[2], f[3], tests))
for k in (1, 2):
    a, b = runs[k][("fair_crlr", 0.0)], runs[k][("fair_threshold", 0.0)]
    check(all(a[c] == b[c] for c in ("test_rmse", "test_parity_ks", "train_rmse", "train_parity_ks")),
          "--splits %d: fair_crlr at rho 0 and fair_threshold at lambda_f 0 differ" % k)
    for key, p in runs[k].items():
        for c in ("test_parity_ks", "train_parity_ks", "pooled_test_parity_ks"):
            check(0 <= num(p[c]) <= 1, "%s: %s = %s" % (key, c, p[c]))
        check(int(p["splits"]) == k, "%s: splits %s" % (key, p["splits"]))
# the fair paths move towards parity on the training rows
for m in ("fair_crlr", "fair_lr"):
    check(num(one[(m, 1000.0)]["train_parity_ks"]) < num(one[(m, 0.0)]["train_parity_ks"]),
          "%s: training parity_ks does not fall from rho 0 to 1000" % m)
    check(num(one[(m, 1000.0)]["train_rmse"]) > num(one[(m, 0.0)]["train_rmse"]),
          "%s: training RMSE does not rise from rho 0 to 1000" % m)
# two splits: split 1 is the one-split run, so the mean is (that + split 2) / 2,
# and split 2 differs
for key in want - {("random_scores", None)}:
    p1, p2 = one[key], two[key]
    check(num(p2["test_rmse_sd"]) > 0, "%s: the two splits give the same test RMSE" % (key,))
    second = 2 * num(p2["test_rmse"]) - num(p1["test_rmse"])
    check(second > 0 and abs(num(p2["test_rmse_sd"]) - abs(second - num(p1["test_rmse"])) / math.sqrt(2))
          < 1e-9 * num(p2["test_rmse"]), "%s: the two-split mean and sd do not fit split 1" % (key,))
for p in problems:
    print("tradeoff_gaussian: " + p)
print("tradeoff_gaussian: %d points checked" % sum(len(r) for r in runs.values()))
sys.exit(1 if problems else 0)
PY

# refusals
if bash tools/tradeoff_gaussian.sh small --sensitive gender --out "$tmp/x.png" > "$tmp/err" 2>&1 ||
   ! grep -q "no column gender (--sensitive)" "$tmp/err"; then
    cat "$tmp/err"; fail "a missing column is not refused as such"
fi
if bash tools/tradeoff_gaussian.sh small --sensitive s --y yb --rhos 0 --methods fair_crlr \
       --out "$tmp/x.png" > "$tmp/err" 2>&1 ||
   ! grep -q "cannot cast type boolean to double precision" "$tmp/err"; then
    cat "$tmp/err"; fail "a boolean y is not refused"
fi
if bash tools/tradeoff_gaussian.sh small --methods fair_glmm --out "$tmp/x.png" > "$tmp/err" 2>&1 ||
   ! grep -q "unknown method 'fair_glmm'" "$tmp/err"; then
    cat "$tmp/err"; fail "an unknown method is not refused as such"
fi
echo "tradeoff_gaussian: ok"
