#!/usr/bin/python3
"""fairglmm benchmark driver (run through bench/run.sh, which provides the
cluster: PGHOST etc. in the environment).

Every figure is a ratio of two times (or sizes) measured in this run, on this
machine, so that the machine's speed cancels out:

  fit / scan       fairglmm_fit time over a plain aggregate reading the same
                   columns, SELECT count(*), sum(y::int), sum(x[1]),
                   count(strata), sum(sensitive::int) FROM t
  predict / expr   sum(fairglmm_predict(model, x, strata)) over
                   sum(x[1] * 0.5), both over the same rows
  peer / ours      R glm, lme4::glmer and scikit-learn LogisticRegression on
                   the same rows (read from CSV; reading is not timed) over
                   our fit of the corresponding model
  memory           the backend's peak resident memory (VmHWM, fresh
                   connection per fit) over the raw feature doubles (N x p x 8)

Times are the minimum over --reps runs, taken in turns (scan, fit, scan,
fit, ...) so that a slow phase of a busy machine hits both sides.
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
P = 20
N_STRATA = 1000
METHODS = ["lr", "crlr", "fair_crlr", "glmm", "fair_glmm"]
SCAN = "SELECT count(*), sum(y::int), sum(x[1]), count(strata), sum(sensitive::int) FROM {t}"
EXPR = "SELECT sum(x[1] * 0.5) FROM {t}"
PREDICT = "SELECT sum(fairglmm_predict((SELECT m FROM {t}_model), x, strata)) FROM {t}"
RHO, LAMBDA = 0.8, 1.0


def fit_sql(t, method):
    """The fit of one method; rho only for the fair methods, lambda only with strata."""
    rho = RHO if method.startswith("fair_") else 0
    lam = LAMBDA if method not in ("lr", "fair_lr") else 0
    return ("SELECT length(fairglmm_fit(y, x, strata, sensitive, %g, %g, "
            "'{\"method\": \"%s\"}')) FROM %s" % (rho, lam, method, t))


# a 4-category attribute and a weight, computed per row (float8 arithmetic)
TERMS_ATTR, TERMS_WEIGHT = "(id % 4)::int", "(0.5 + (id % 10) * 0.1::float8)"
SCAN_TERMS = ("SELECT count(*), sum(y::int), sum(x[1]), count(strata), sum(%s), sum(%s) FROM {t}"
              % (TERMS_ATTR, TERMS_WEIGHT))


def fit_terms_sql(t):
    """fair_crlr with the 4-category attribute and the weights (4 terms)."""
    return ("SELECT length(fairglmm_fit(y, x, strata, %s, %s, %g, %g, "
            "'{\"method\": \"fair_crlr\"}')) FROM %s" % (TERMS_ATTR, TERMS_WEIGHT, RHO, LAMBDA, t))


# the gaussian family: a continuous outcome yc (float8), lr and crlr
GAUSSIAN_METHODS = ("lr", "crlr")
SCAN_GAUSSIAN = "SELECT count(*), sum(yc), sum(x[1]), count(strata), count(sensitive) FROM {t}"


def fit_gaussian_sql(t, method):
    """The least-squares fit of one method (family gaussian from the float8 y)."""
    lam = LAMBDA if method == "crlr" else 0
    return ("SELECT length(fairglmm_fit(yc, x, strata, sensitive, 0, %g, "
            "'{\"method\": \"%s\"}')) FROM %s" % (lam, method, t))


def train_sql(t):
    """fair_crlr in passes over the table (fairglmm_train)."""
    return ("SELECT length(fairglmm_train('%s', 'y', 'x', 'strata', 'sensitive', %g, %g, "
            "'{\"method\": \"fair_crlr\"%s}'))" % (t, RHO, LAMBDA, "%s"))


class SqlError(Exception):
    def __init__(self, sqlstate, text):
        super().__init__(text)
        self.sqlstate = sqlstate


def psql(*commands, settings=()):
    """Run commands in one session; return stdout.  Errors raise SqlError."""
    args = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
            "-v", "VERBOSITY=verbose", "-c", "\\set VERBOSITY verbose"]
    for s in settings:
        args += ["-c", s]
    for c in commands:
        args += ["-c", c]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        m = re.search(r"ERROR:\s+([0-9A-Z]{5}):", r.stderr)
        raise SqlError(m.group(1) if m else None, r.stderr.strip())
    return r.stdout


def timed(sql, workers):
    """Server-side wall time of one statement, in ms (psql's \\timing)."""
    out = psql("LOAD 'fairglmm'", "\\timing on", sql,
               settings=["SET max_parallel_workers_per_gather = %d" % workers])
    times = re.findall(r"Time: ([0-9.]+) ms", out)
    return float(times[-1])


def best_of(reps, named_sql, workers):
    """{name: min ms} over reps rounds of running every statement in turn;
    a statement that fails is recorded as its SqlError."""
    best = {}
    for _ in range(reps):
        for name, sql in named_sql:
            if isinstance(best.get(name), SqlError):
                continue
            try:
                ms = timed(sql, workers)
            except SqlError as e:
                best[name] = e
                continue
            best[name] = min(best.get(name, ms), ms)
    return best


def peak_memory_kb(sql):
    """VmHWM of a fresh backend after running sql (serially)."""
    out = psql("SELECT pg_backend_pid()", sql,
               "SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'),"
               " 'VmHWM:\\s*(\\d+)'))[1]",
               settings=["SET max_parallel_workers_per_gather = 0"])
    return int(out.split()[-1])


def train_passes(t, workers):
    """The passes of one fairglmm_train run (option verbose): [(kind, ms)]."""
    args = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
            "-c", "SET max_parallel_workers_per_gather = %d" % workers,
            "-c", train_sql(t) % ', \"verbose\": true']
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        raise SqlError(None, r.stderr.strip())
    return [(k, float(ms)) for k, ms in
            re.findall(r"fairglmm_train: pass \d+ \(([^)]*)\): ([0-9.]+) ms", r.stderr)]


def pass_ms(runs, kind):
    """The least over runs of the median time of the passes of one kind."""
    per_run = [median([ms for k, ms in run if k == kind]) for run in runs]
    per_run = [v for v in per_run if v is not None]
    return min(per_run) if per_run else None


def median(v):
    v = sorted(v)
    return v[len(v) // 2] if v else None


def make_table(t, n):
    """N rows, P features, N_STRATA strata; deterministic (setseed, one backend)."""
    psql("DROP TABLE IF EXISTS %s, %s_model" % (t, t),
         "SELECT setseed(0.2024)",
         f"""CREATE TABLE {t} AS
             SELECT i AS id, g AS strata, s AS sensitive, x,
                    random() < 1 / (1 + exp(-(-0.3 + 0.8 * x[1] - 0.6 * x[2] + 0.4 * x[3]
                                                + 0.2 * x[4] + 0.5 * s::int
                                                + 1.2 * sin(g * 12.9898)))) AS y,
                    -0.3 + 0.8 * x[1] - 0.6 * x[2] + 0.4 * x[3] + 0.2 * x[4] + 0.5 * s::int
                        + 1.2 * sin(g * 12.9898) + 2 * (random() - 0.5) AS yc
             FROM (SELECT i, g, s,
                          ARRAY(SELECT (random() - 0.5) * 3.4641 + 0.5 * (j = 1 AND s)::int
                                FROM generate_series(1, {P}) AS j) AS x
                   FROM (SELECT i, ((i::bigint * 7919) % {N_STRATA})::int AS g, random() < 0.5 AS s
                         FROM generate_series(1, {n}) AS i) AS a) AS b""",
         "VACUUM ANALYZE %s" % t,
         settings=["SET max_parallel_workers_per_gather = 0"])


def export_csv(t, path):
    cols = ", ".join("x[%d] AS x%d" % (j, j) for j in range(1, P + 1))
    psql("COPY (SELECT y::int AS y, sensitive::int AS s, strata AS g, %s FROM %s ORDER BY id) "
         "TO '%s' WITH (FORMAT csv, HEADER)" % (cols, t, path))


def run_r(csv, fits):
    """Elapsed seconds of the R fits (reading the CSV is not timed)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    r = subprocess.run(["Rscript", os.path.join(HERE, "peers.R"), csv, ",".join(fits)],
                       capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError("R failed:\n" + r.stderr[-2000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def run_sklearn(csv):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    r = subprocess.run([sys.executable, os.path.join(HERE, "peers_sklearn.py"), csv],
                       capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError("scikit-learn failed:\n" + r.stderr[-2000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"model name\s*:\s*(.+)", f.read())
            cpu = m.group(1).strip() if m else cpu
        with open("/proc/meminfo") as f:
            mem = int(re.search(r"MemTotal:\s*(\d+)", f.read()).group(1)) / 1024 / 1024
    except OSError:
        mem = 0
    pg = psql("SHOW server_version").strip()
    blas = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libopenblas0-pthread"],
                          capture_output=True, text=True).stdout or "?"
    return "%s, %d CPUs, %.0f GB RAM, %s; PostgreSQL %s, OpenBLAS %s" % (
        cpu, os.cpu_count(), mem, platform.system() + " " + platform.release(), pg, blas)


def fmt_ratio(num, den):
    if isinstance(num, SqlError):
        if num.sqlstate == "0A000":
            return "n/a (method not available)"
        return "error %s" % num.sqlstate
    if num is None or den is None or isinstance(den, SqlError):
        return "-"
    return "%.2f" % (num / den)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", default="100000,1000000",
                    help="comma-separated table sizes (default 100000,1000000)")
    ap.add_argument("--reps", type=int, default=5, help="runs per timing; the minimum counts")
    ap.add_argument("--workers", type=int, default=2,
                    help="max_parallel_workers_per_gather of the parallel columns (default 2)")
    ap.add_argument("--no-peers", action="store_true", help="skip R and scikit-learn")
    ap.add_argument("--glmer-max-rows", type=int, default=0,
                    help="also run lme4::glmer with its default settings (nAGQ = 1) up to "
                    "this many rows (default 0: never).  With 20 fixed effects it optimises "
                    "them by derivative-free search: 2 minutes at 20,000 rows, more than 18 "
                    "at 100,000 on the benchmark machine.  Its nAGQ = 0 setting runs at "
                    "every size")
    ap.add_argument("--large", action="store_true",
                    help="also fit a state above 1 GB, and show the limit's error")
    ap.add_argument("--workdir", default="/tmp", help="where the CSV exports go")
    ap.add_argument("--train-large", type=int, default=0, metavar="ROWS",
                    help="also time fairglmm_train on a table of ROWS rows (10000000 for the "
                    "issue's figure): serial against parallel and against fairglmm_fit, and "
                    "with fairglmm.max_training_memory a fifth of the rows' size")
    a = ap.parse_args()
    sizes = [int(s) for s in a.rows.split(",")]

    psql("CREATE EXTENSION IF NOT EXISTS fairglmm")
    rows = []                       # (measure, {n: value})
    res = {}
    t0 = time.time()
    for n in sizes:
        t = "t%d" % n
        log("generating %d rows x %d features x %d strata" % (n, P, N_STRATA))
        make_table(t, n)
        psql("CREATE TABLE %s_model AS SELECT fairglmm_fit(y, x, strata, sensitive, %g, %g, "
             "'{\"method\": \"fair_crlr\"}') AS m FROM %s" % (t, RHO, LAMBDA, t),
             settings=["SET max_parallel_workers_per_gather = 0"])
        r = res[n] = {}
        for label, workers in (("serial", 0), ("parallel", a.workers)):
            log("timing fits, %s" % label)
            named = [("scan", SCAN.format(t=t))] + [(m, fit_sql(t, m)) for m in METHODS] + \
                [("train", train_sql(t) % "")] + \
                [("scan_terms", SCAN_TERMS.format(t=t)), ("terms", fit_terms_sql(t))] + \
                [("scan_gaussian", SCAN_GAUSSIAN.format(t=t))] + \
                [("gaussian_" + m, fit_gaussian_sql(t, m)) for m in GAUSSIAN_METHODS]
            r[label] = best_of(a.reps, named, workers)
            log("timing scoring, %s" % label)
            r[label].update(best_of(a.reps, [("expr", EXPR.format(t=t)),
                                             ("predict", PREDICT.format(t=t))], workers))
        log("passes of fairglmm_train")
        r["passes"] = [train_passes(t, 0) for _ in range(a.reps)]
        log("peak memory")
        r["mem_fit"] = peak_memory_kb(fit_sql(t, "fair_crlr"))
        r["mem_train"] = peak_memory_kb(train_sql(t) % "")
        r["mem_scan"] = peak_memory_kb(SCAN.format(t=t))
        r["raw_kb"] = n * P * 8 / 1024

        if not a.no_peers:
            csv = os.path.join(a.workdir, "%s.csv" % t)
            export_csv(t, csv)
            fits = ["glm", "glmer0"] + (["glmer"] if n <= a.glmer_max_rows else [])
            log("R: %s" % ", ".join(fits))
            r["R"] = run_r(csv, fits)
            log("scikit-learn")
            r["sklearn"] = run_sklearn(csv)
            os.unlink(csv)

    # ---------- the table ----------
    def row(measure, fn):
        rows.append((measure, {n: fn(res[n]) for n in sizes}))

    row("plain scan, serial (ms)", lambda r: "%.0f" % r["serial"]["scan"])
    for label in ("serial", "parallel"):
        for m in METHODS:
            row("fit `%s` / plain scan, %s" % (m, label if label == "serial" else
                                               "parallel (%d workers)" % a.workers),
                lambda r, m=m, label=label: fmt_ratio(r[label][m], r[label]["scan"]))
    for label in ("serial", "parallel"):
        row("fit `fair_crlr`, 4-category attribute and weights / scan of the same columns, %s"
            % label, lambda r, label=label: fmt_ratio(r[label]["terms"], r[label]["scan_terms"]))
    for label in ("serial", "parallel"):
        for m in GAUSSIAN_METHODS:
            row("fit `%s`, gaussian (float8 y) / scan of the same columns, %s" % (m, label),
                lambda r, m=m, label=label: fmt_ratio(r[label]["gaussian_" + m],
                                                      r[label]["scan_gaussian"]))
    for label in ("serial", "parallel"):
        row("fit `fair_crlr` in passes (`fairglmm_train`) / plain scan, %s" % label,
            lambda r, label=label: fmt_ratio(r[label]["train"], r[label]["scan"]))
    for label in ("serial", "parallel"):
        row("`fairglmm_train` / `fairglmm_fit`, `fair_crlr`, %s" % label,
            lambda r, label=label: fmt_ratio(r[label]["train"], r[label]["fair_crlr"]))
    row("passes of `fairglmm_train` (`fair_crlr`)", lambda r: "%d" % len(r["passes"][0]))
    for kind in ("strata and categories", "summary", "Newton, with the Hessian",
                 "Newton, with the Hessian, and the metrics"):
        row("one `fairglmm_train` pass (%s) / plain scan, serial%s" % (
            kind, ", median of a run" if kind.startswith("Newton") else ""),
            lambda r, kind=kind: fmt_ratio(pass_ms(r["passes"], kind), r["serial"]["scan"]))
    for label in ("serial", "parallel"):
        row("`fairglmm_predict` / `sum(x[1] * 0.5)`, %s" % label,
            lambda r, label=label: fmt_ratio(r[label]["predict"], r[label]["expr"]))
    if not a.no_peers:
        ours = lambda r, m: r["serial"][m]
        row("R `glm` / our `lr`", lambda r: fmt_ratio(1000 * r["R"]["glm"], ours(r, "lr")))
        for key, what in (("glmer", "`lme4::glmer`"), ("glmer0", "`lme4::glmer`, nAGQ = 0")):
            for m in ("glmm", "fair_glmm"):
                row("%s / our `%s`" % (what, m), lambda r, m=m, key=key:
                    fmt_ratio(ours(r, m), 1) if isinstance(ours(r, m), SqlError) else
                    fmt_ratio(1000 * r["R"][key], ours(r, m)) if key in r["R"] else
                    "not run (see --glmer-max-rows)")
            for m in ("crlr", "fair_crlr"):
                row("%s / our `%s` (closest mixed model we have)" % (what, m),
                    lambda r, m=m, key=key: fmt_ratio(1000 * r["R"][key], ours(r, m))
                    if key in r["R"] else "not run (see --glmer-max-rows)")
        row("scikit-learn `LogisticRegression` / our `lr`",
            lambda r: fmt_ratio(1000 * r["sklearn"]["lr"], ours(r, "lr")))
    row("peak backend memory during fit / raw feature doubles",
        lambda r: "%.2f" % (r["mem_fit"] / r["raw_kb"]))
    row("(peak during fit - peak during plain scan) / raw feature doubles",
        lambda r: "%.2f" % ((r["mem_fit"] - r["mem_scan"]) / r["raw_kb"]))
    row("peak backend memory during `fairglmm_train` - during plain scan (MB)",
        lambda r: "%.1f" % ((r["mem_train"] - r["mem_scan"]) / 1024))

    print()
    print("fairglmm benchmark, %d features, %d strata, rho %g, lambda %g; %d runs each, minimum"
          % (P, N_STRATA, RHO, LAMBDA, a.reps))
    print("machine: " + machine())
    print("peers single-threaded (OPENBLAS_NUM_THREADS=1), like a backend with "
          "fairglmm.blas_threads = 1; peer times exclude reading the data")
    print()
    head = ["measure"] + ["%s rows" % format(n, ",") for n in sizes]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join([" --- "] * len(head)) + "|")
    for measure, vals in rows:
        print("| " + " | ".join([measure] + [vals[n] for n in sizes]) + " |")
    print()
    if not a.no_peers:
        for n in sizes:
            rr = res[n]
            print("%s rows: R glm %.1f s, glmer (nAGQ = 0) %.1f s%s; scikit-learn %.1f s; "
                  "our serial fits: %s" % (
                format(n, ","), rr["R"]["glm"], rr["R"]["glmer0"],
                ", glmer (default) %.1f s" % rr["R"]["glmer"] if "glmer" in rr["R"] else "",
                rr["sklearn"]["lr"],
                ", ".join("%s %.2f s" % (m, rr["serial"][m] / 1000) for m in METHODS
                          if not isinstance(rr["serial"][m], SqlError))))
    if a.large:
        large(a)
    if a.train_large:
        train_large(a)
    log("done in %.0f s" % (time.time() - t0))


def large(a):
    """A fit whose training state exceeds 1 GB (huge allocations), then the
    same with a limit below what it needs."""
    n = 7000000
    src = ("(SELECT i %% %d AS strata, random() < 0.5 AS sensitive, x, "
           "random() < 1 / (1 + exp(-x[1])) AS y FROM generate_series(1, %d) AS i, "
           "LATERAL (SELECT ARRAY(SELECT random() - 0.5 + 0 * i FROM generate_series(1, %d))"
           " AS x) AS q) AS d" % (N_STRATA, n, P))
    log("large: %d rows x %d features generated on the fly" % (n, P))
    sql = fit_sql(src, "crlr")
    kb = peak_memory_kb("SET fairglmm.max_training_memory = '4GB'; " + sql)
    print("large: %s rows x %d features (state %.2f GB): fit succeeded with "
          "fairglmm.max_training_memory = '4GB'; peak backend memory %.2f GB"
          % (format(n, ","), P, n * (8 * P + 6) / 2**30, kb / 2**20))
    try:
        psql("SET fairglmm.max_training_memory = '1GB'", sql,
             settings=["SET max_parallel_workers_per_gather = 0"])
        print("large: no error with a 1 GB limit (unexpected)")
    except SqlError as e:
        detail = re.search(r"DETAIL:\s+(.*)", str(e))
        print("large: with a 1 GB limit: %s" % (detail.group(1) if detail else str(e)))


def train_large(a):
    """fairglmm_train on a table beyond what a fit holds: serial, parallel,
    against fairglmm_fit, and with a memory limit a fifth of the rows' size."""
    n = a.train_large
    t = "t_train%d" % n
    log("train-large: generating %d rows x %d features" % (n, P))
    make_table(t, n)
    raw_mb = n * P * 8 / 2**20
    table_mb = float(psql("SELECT pg_total_relation_size('%s') / 1048576.0" % t))
    res = {}
    for label, workers in (("serial", 0), ("parallel", a.workers)):
        log("train-large: timing, %s" % label)
        res[label] = best_of(max(1, a.reps // 2), [
            ("scan", SCAN.format(t=t)), ("train", train_sql(t) % ""),
            ("fit", "SET fairglmm.max_training_memory = '16GB'; " + fit_sql(t, "fair_crlr"))],
            workers)
    passes = [train_passes(t, 0) for _ in range(max(1, a.reps // 2))]
    limit_mb = int(raw_mb / 5)
    limit = "SET fairglmm.max_training_memory = '%dMB'; " % limit_mb
    log("train-large: peak memory with a %d MB limit" % limit_mb)
    kb_train = peak_memory_kb(limit + train_sql(t) % "")
    kb_scan = peak_memory_kb(SCAN.format(t=t))
    try:
        psql(limit + fit_sql(t, "fair_crlr"), settings=["SET max_parallel_workers_per_gather = 0"])
        fit_limited = "no error (unexpected)"
    except SqlError as e:
        m = re.search(r"ERROR:\s+(?:[0-9A-Z]{5}:\s+)?(.*)", str(e))
        fit_limited = "error: %s" % (m.group(1) if m else str(e)[:120])
    print()
    print("fairglmm_train on %s rows x %d features (%.0f MB of feature doubles, table %.0f MB), "
          "fair_crlr, %d passes" % (format(n, ","), P, raw_mb, table_mb, len(passes[0])))
    print()
    print("| measure | value |")
    print("| --- | --- |")
    for label in ("serial", "parallel"):
        r = res[label]
        print("| plain scan, %s (ms) | %s |" % (label, "%.0f" % r["scan"]))
        print("| `fairglmm_train` / plain scan, %s | %s |" % (label, fmt_ratio(r["train"], r["scan"])))
        print("| `fairglmm_train` / `fairglmm_fit`, %s | %s |" % (label, fmt_ratio(r["train"], r["fit"])))
    print("| `fairglmm_train`, serial / parallel (%d workers) | %s |"
          % (a.workers, fmt_ratio(res["serial"]["train"], res["parallel"]["train"])))
    print("| one pass with the Hessian / plain scan, serial, median of a run | %s |"
          % fmt_ratio(pass_ms(passes, "Newton, with the Hessian"), res["serial"]["scan"]))
    print("| `fairglmm.max_training_memory` (a fifth of the feature doubles) | %d MB |" % limit_mb)
    print("| `fairglmm_train` under that limit: peak backend memory | %.0f MB (a plain scan: %.0f MB) |"
          % (kb_train / 1024, kb_scan / 1024))
    print("| `fairglmm_fit` under that limit | %s |" % fit_limited)


def log(msg):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
