#!/usr/bin/python3
"""Benchmark of the reporting aggregates (run through bench/metrics.sh, which
provides the cluster: PGHOST etc. in the environment).

Prints, for a table of --rows rows (default 1,000,000; 4 groups):

  count-based metric / count(*) GROUP BY
      each count-based aggregate over SELECT count(*) FROM t GROUP BY the
      same columns (yhat, sensitive; or yhat, y, sensitive), which reads the
      same columns and does the least work that still looks at each value
      combination; with a weight, both sides also read w (sum(w) in the
      baseline).  Serial (no parallel workers), and with 2 workers.
  parity_ks, parity_gap
      time (ms) and the backend's peak memory (VmHWM of a fresh connection)
      minus that of a plain scan of the same columns, also per row.

Times are the minimum over --reps runs taken in turns (baseline, metric,
baseline, metric, ...), so that a slow phase of a shared machine hits both.
"""

import argparse
import re
import subprocess
import sys


def psql(*commands, settings=()):
    args = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
    for c in list(settings) + list(commands):
        args += ["-c", c]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("psql failed: " + r.stderr.strip())
    return r.stdout


# with workers, the planner is told that they cost nothing, so it uses them
PARALLEL = ["SET parallel_setup_cost = 0", "SET parallel_tuple_cost = 0"]


def timed(sql, workers):
    settings = ["SET max_parallel_workers_per_gather = %d" % workers]
    if workers > 0:
        settings += PARALLEL
    out = psql("LOAD 'fairglmm'", "\\timing on", sql, settings=settings)
    return float(re.findall(r"Time: ([0-9.]+) ms", out)[-1])


def best_pair(base_sql, sql, workers, reps):
    b = m = float("inf")
    for _ in range(reps):
        b = min(b, timed(base_sql, workers))
        m = min(m, timed(sql, workers))
    return b, m


def peak_kb(sql):
    out = psql("LOAD 'fairglmm'", sql,
               "SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'),"
               " 'VmHWM:\\s*(\\d+)'))[1]",
               settings=["SET max_parallel_workers_per_gather = 0"])
    return int(out.split()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1000000)
    ap.add_argument("--reps", type=int, default=5)
    a = ap.parse_args()

    psql("DROP TABLE IF EXISTS bm",
         "SELECT setseed(0.314)",
         f"""CREATE TABLE bm AS
             SELECT i AS id, s, 'group ' || s AS s_text, y, p >= 0.5 AS yhat, p AS score,
                    (1 + (i % 5))::float8 AS w
             FROM (SELECT i, s, y,
                          1 / (1 + exp(-(random() * 4 - 2 + 1.2 * y::int - 0.3 * s))) AS p
                   FROM (SELECT i, ((i::bigint * 7919) % 4)::int AS s, random() < 0.4 AS y
                         FROM generate_series(1, {a.rows}) AS i) AS q) AS r""",
         "VACUUM ANALYZE bm",
         settings=["SET max_parallel_workers_per_gather = 0"])

    print("rows: %d, groups: 4, minimum of %d runs each" % (a.rows, a.reps))
    print()
    print("| metric | serial: ms (count(*) GROUP BY ms) | ratio | 2 workers: ratio |")
    print("| --- | --- | --- | --- |")
    sel = "SELECT count(*) FROM bm GROUP BY yhat, {s}"
    conf = "SELECT count(*) FROM bm GROUP BY yhat, y, {s}"
    wsel = "SELECT count(*), sum(w) FROM bm GROUP BY yhat, {s}"
    wconf = "SELECT count(*), sum(w) FROM bm GROUP BY yhat, y, {s}"
    cases = [
        ("disparate_impact(yhat, s)", sel),
        ("disparate_impact(yhat, s_text)", sel),
        ("demographic_parity_difference(yhat, s)", sel),
        ("equal_opportunity_ratio(yhat, y, s)", conf),
        ("equal_opportunity_difference(yhat, y, s)", conf),
        ("equalized_odds_ratio(yhat, y, s)", conf),
        ("equalized_odds_difference(yhat, y, s)", conf),
        ("fairness_report(yhat, y, s)", conf),
        ("disparate_impact(yhat, s, w)", wsel),
        ("equalized_odds_ratio(yhat, y, s, w)", wconf),
        ("fairness_report(yhat, y, s, w)", wconf),
    ]
    worst = 0.0
    for expr, base in cases:
        s = "s_text" if "s_text" in expr else "s"
        base_sql = base.format(s=s)
        sql = "SELECT %s FROM bm" % expr
        b, m = best_pair(base_sql, sql, 0, a.reps)
        bp, mp = best_pair(base_sql, sql, 2, a.reps)
        worst = max(worst, m / b)
        print("| `%s` | %.0f (%.0f) | %.2f | %.2f |" % (expr, m, b, m / b, mp / bp))
    print()
    print("largest serial ratio: %.2f (goal: at most 1.5)" % worst)
    print()

    scan = "SELECT count(*), sum(score), count(s) FROM bm"
    base_kb = peak_kb(scan)
    print("| score metric | ms | plain scan ms | peak memory above the scan | per row |")
    print("| --- | --- | --- | --- | --- |")
    for expr in ["parity_ks(score, s)", "parity_ks(score, s, w)",
                 "parity_gap(score, s, '{0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9}')",
                 "parity_gap(score, s, '{0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9}', w)"]:
        sql = "SELECT %s FROM bm" % expr
        b, m = best_pair(scan, sql, 0, a.reps)
        kb = peak_kb(sql) - base_kb
        print("| `%s` | %.0f | %.0f | %.1f MB | %.1f bytes |" % (expr, m, b, kb / 1024.0, kb * 1024.0 / a.rows))
    psql("DROP TABLE bm")


if __name__ == "__main__":
    main()
