#!/usr/bin/env bash
# tools/tradeoff.sh on the running cluster (tools/pg_cluster.sh), on a small
# survey of the paper's scenario 3.1 (40 strata of 150 rows):
#  - it draws a PNG and writes one CSV row per method x rho, with accuracy,
#    disparate impact and expected accuracy in [0, 1];
#  - a point of the CSV is what a plain fairglmm_fit at that rho gives when
#    scored in SQL;
#  - the fair-Bayes frontier: its left end is the Bayes classifier (mu > 1/2)
#    computed in SQL, it never rises with the DI level, no model's expected
#    accuracy lies above it at the model's DI, and on small random two-group
#    data it equals the best of every candidate pair of group rates;
#  - a missing column and an unknown method are refused with a message.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
db=fairglmm_tradeoff
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" 2>/dev/null' EXIT
fail() { echo "tradeoff: FAILED: $*"; exit 1; }

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" 2>/dev/null
psql -X -q -d postgres -c "CREATE DATABASE $db" || fail "cannot create $db"
export PGDATABASE=$db
psql -X -q -c "CREATE EXTENSION fairglmm" || fail "CREATE EXTENSION"
psql -X -q -v scenario=1 -v n_strata=40 -v rows_per_stratum=150 -v seed=7 -v table=small \
    -f tools/make_survey.sql || fail "make_survey.sql"

start=$(date +%s)
bash tools/tradeoff.sh small --methods fair_lr,fair_crlr,fair_glmm --rhos 0,1,100 \
    --train-where train --test-where "NOT train" --reference-column mu \
    --out "$tmp/t.png" > "$tmp/out" 2>&1 || { cat "$tmp/out"; fail "tools/tradeoff.sh exited $?"; }
echo "tradeoff: tools/tradeoff.sh ran in $(( $(date +%s) - start )) s"

# the same point by hand: fair_crlr at rho = 1, scored in SQL
psql -X -q -At -F, > "$tmp/direct.csv" <<'SQL' || fail "the direct fit"
SET jit = off;
WITH m AS (SELECT fairglmm_fit(y, x, stratum, sex, 1, 1, '{"method": "fair_crlr"}') AS m
           FROM small WHERE train)
SELECT avg((fairglmm_classify(m.m, s.x, s.stratum) = s.y)::int),
       disparate_impact(fairglmm_classify(m.m, s.x, s.stratum), s.sex), count(*)
FROM small AS s, m WHERE NOT s.train;
SELECT avg(greatest(mu, 1 - mu)), disparate_impact(mu > 0.5, sex) FROM small WHERE NOT train;
SQL

/usr/bin/python3 - "$tmp/t.png" "$tmp/t.csv" "$tmp/direct.csv" <<'PY' || fail "checks above"
import csv, itertools, math, os, sys
sys.path.insert(0, "tools")
import numpy as np
import tradeoff_plot as tp

png, table, direct = sys.argv[1:4]
problems = []
def check(ok, what):
    if not ok:
        problems.append(what)

with open(png, "rb") as f:
    check(f.read(8) == b"\x89PNG\r\n\x1a\n", "the picture is not a PNG")
check(os.path.getsize(png) > 10000, "the PNG is suspiciously small")

rows = list(csv.DictReader(open(table)))
num = lambda v: float(v) if v != "" else math.nan
points = [r for r in rows if r["line"] not in ("fair_bayes", "bayes")]
frontier = sorted((num(r["disparate_impact"]), num(r["accuracy"]))
                  for r in rows if r["line"] == "fair_bayes")
bayes = [r for r in rows if r["line"] == "bayes"]
want = {(m, r) for m in ("fair_lr", "fair_crlr", "fair_glmm") for r in (0.0, 1.0, 100.0)}
got = [(p["line"], num(p["rho"])) for p in points]
check(sorted(got) == sorted(want), "method x rho rows: %s" % got)
for p in points:
    for k in ("accuracy", "disparate_impact", "expected_accuracy", "train_accuracy"):
        check(0.0 <= num(p[k]) <= 1.0, "%s %s: %s = %s" % (p["line"], p["rho"], k, p[k]))

acc, di, n = (float(v) for v in open(direct).readline().strip().split(","))
bayes_acc, bayes_di = (float(v) for v in open(direct).readlines()[1].strip().split(","))
crlr = [p for p in points if p["line"] == "fair_crlr" and num(p["rho"]) == 1.0]
check(len(crlr) == 1 and abs(num(crlr[0]["accuracy"]) - acc) <= 2.0 / n
      and abs(num(crlr[0]["disparate_impact"]) - di) <= 0.01 and int(crlr[0]["rows"]) == int(n),
      "fair_crlr at rho 1: %s, a direct fit: accuracy %g, DI %g, %d rows" % (crlr, acc, di, n))

check(len(bayes) == 1 and abs(num(bayes[0]["accuracy"]) - bayes_acc) < 1e-9
      and abs(num(bayes[0]["disparate_impact"]) - bayes_di) < 1e-9,
      "the Bayes classifier: CSV %s, SQL accuracy %r DI %r" % (bayes, bayes_acc, bayes_di))
check(frontier and frontier[0][0] == 0.0 and abs(frontier[0][1] - bayes_acc) < 1e-9,
      "the frontier at level 0 is not the Bayes accuracy")
check(all(b[1] <= a[1] + 1e-12 for a, b in zip(frontier, frontier[1:])),
      "the frontier rises somewhere")
F = dict(frontier)
for p in points:
    d = num(p["disparate_impact"])
    check(d in F, "no frontier point at %s %s's DI %r" % (p["line"], p["rho"], d))
    if d in F:
        check(num(p["expected_accuracy"]) <= F[d] + 1e-9,
              "%s rho %s: expected accuracy %s above the frontier %r at DI %r"
              % (p["line"], p["rho"], p["expected_accuracy"], F[d], d))
        # the realised accuracy, within 4 standard deviations of label noise
        check(num(p["accuracy"]) <= F[d] + 4 * math.sqrt(0.25 / int(p["rows"])),
              "%s rho %s: accuracy %s far above the frontier %r" % (p["line"], p["rho"], p["accuracy"], F[d]))

# exactness on small random data: the best over every candidate pair of
# rates (breakpoints, and points of the lines r_low = level r_high)
rng = np.random.default_rng(11)
worst = 0.0
for trial in range(30):
    sizes = rng.integers(3, 25, size=2)
    a, b = (tp.Group(rng.beta(1 + 2 * k, 2, size=sizes[k]), rng.uniform(0.5, 2.0, size=sizes[k]))
            for k in range(2))
    total = a.weight + b.weight
    for level in (0.0, 0.3, 0.6, 0.8, 0.95, 1.0):
        cand = list(itertools.product(a.rate, b.rate))
        for r in a.rate:
            cand += [(r, level * r)] + ([(r, r / level)] if level > 0 and r <= level else [])
        for r in b.rate:
            cand += [(level * r, r)] + ([(r / level, r)] if level > 0 and r <= level else [])
        best = max((a.correct(x) + b.correct(y)) / total for x, y in cand
                   if (1.0 if max(x, y) == 0 else min(x, y) / max(x, y)) >= level - 1e-12)
        worst = max(worst, abs(tp.best_accuracy([a, b], total, level) - best))
check(worst < 1e-12, "the frontier differs from the exhaustive best by %g" % worst)

for p in problems:
    print("tradeoff: " + p)
print("tradeoff: %d points, %d frontier points, exhaustive check within %.1e"
      % (len(points), len(frontier), worst))
sys.exit(1 if problems else 0)
PY

# refusals
if bash tools/tradeoff.sh small --sensitive gender --out "$tmp/x.png" > "$tmp/err" 2>&1 ||
   ! grep -q "no column gender (--sensitive)" "$tmp/err"; then
    cat "$tmp/err"; fail "a missing column is not refused as such"
fi
if bash tools/tradeoff.sh small --methods fair_lr,probit --out "$tmp/x.png" > "$tmp/err" 2>&1 ||
   ! grep -q "unknown method 'probit'" "$tmp/err"; then
    cat "$tmp/err"; fail "an unknown method is not refused as such"
fi
echo "tradeoff: ok"
