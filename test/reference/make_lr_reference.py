#!/usr/bin/python3
"""Reference data and fits for the plain logistic-regression path.

Usage: make_lr_reference.py OUTDIR

Writes, for each data set NAME in (lr1, lr2):
  NAME.csv      id,y,s,stratum,x   (x is a PostgreSQL array literal, quoted)
  NAME_ref.csv  term,estimate      (intercept, x1..xp from statsmodels Logit)

Floats are written with repr(), the shortest text that reads back as the same
double, so PostgreSQL's float8 input gets bit-identical values.  Data come
from numpy's legacy RandomState, whose streams numpy keeps frozen, so the
files are the same on every run and numpy version.
"""

import csv
import os
import sys

import numpy as np
import statsmodels.api as sm


def fnum(v):
    return repr(float(v))


def pg_array(row):
    return "{" + ",".join(fnum(v) for v in row) + "}"


def make_lr1():
    """N=2000, p=3, correlated features, about half positives, 20 strata."""
    rs = np.random.RandomState(20240515)
    n, p, n_strata = 2000, 3, 20
    # AR(1)-style correlation: corr(x_i, x_j) = 0.5^|i-j|
    cov = np.array([[0.5 ** abs(i - j) for j in range(p)] for i in range(p)])
    x = rs.multivariate_normal(np.zeros(p), cov, size=n)
    stratum = rs.randint(1, n_strata + 1, size=n)
    b = rs.normal(0.0, 0.5, size=n_strata)        # mild stratum intercepts
    eta = 0.2 + x @ np.array([0.8, -0.5, 0.3]) + b[stratum - 1]
    y = (rs.uniform(size=n) < 1.0 / (1.0 + np.exp(-eta))).astype(int)
    # sensitive attribute: P(s = 1) is 0.35 for y = 0 and 0.65 for y = 1
    s = (rs.uniform(size=n) < 0.35 + 0.3 * y).astype(int)
    return x, y, s, stratum


def make_lr2():
    """N=5000, p=6, wildly different feature scales, ~15% positives, 50 strata."""
    rs = np.random.RandomState(7031)
    n, p, n_strata = 5000, 6, 50
    z = rs.normal(size=(n, p))
    z[:, 3] = 0.6 * z[:, 0] + 0.8 * z[:, 3]       # some correlation
    z[:, 5] = -0.5 * z[:, 1] + np.sqrt(0.75) * z[:, 5]
    # raw features: x1 ~ 1e3 (with a large mean), x2 ~ 1e-2, the rest mixed
    loc = np.array([1000.0, 0.0, 5.0, 0.0, -2.0, 0.0])
    scale = np.array([300.0, 0.01, 1.0, 50.0, 0.2, 1.0])
    x = loc + z * scale
    # unequal stratum sizes
    w = rs.gamma(2.0, size=n_strata)
    stratum = rs.choice(np.arange(1, n_strata + 1), size=n, p=w / w.sum())
    b = rs.normal(0.0, 0.3, size=n_strata)
    gamma = np.array([0.9, -0.7, 0.4, 0.5, -0.3, 0.2])   # effects per sd
    eta = -2.5 + z @ gamma + b[stratum - 1]
    y = (rs.uniform(size=n) < 1.0 / (1.0 + np.exp(-eta))).astype(int)
    s = (rs.uniform(size=n) < 0.25 + 0.4 * y).astype(int)
    return x, y, s, stratum


def fit(x, y):
    X = sm.add_constant(x, has_constant="add")
    res = sm.Logit(y, X).fit(method="newton", tol=1e-14, maxiter=200, disp=0)
    # Trust the score, not the stopping rule: it must vanish to rounding level.
    grad = X.T @ (y - 1.0 / (1.0 + np.exp(-(X @ res.params))))
    gscale = np.abs(X).sum(axis=0)            # |dl/dbeta_j| bound per column
    rel_grad = float(np.max(np.abs(grad) / gscale))
    if rel_grad > 1e-10:
        sys.exit("statsmodels fit did not converge: rel grad %g" % rel_grad)
    return res, rel_grad


def write(outdir, name, x, y, s, stratum):
    n, p = x.shape
    with open(os.path.join(outdir, name + ".csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "y", "s", "stratum", "x"])
        for i in range(n):
            w.writerow([i + 1, int(y[i]), int(s[i]), int(stratum[i]), pg_array(x[i])])

    res, rel_grad = fit(x, y)
    with open(os.path.join(outdir, name + "_ref.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["term", "estimate"])
        terms = ["intercept"] + ["x%d" % (j + 1) for j in range(p)]
        for t, v in zip(terms, res.params):
            w.writerow([t, fnum(v)])

    print("%s: N=%d p=%d strata=%d pos=%.3f corr(s,y)=%.3f loglik=%.6f "
          "newton_iter=%d converged=%s rel_grad=%.1e" % (
              name, n, p, len(np.unique(stratum)), y.mean(),
              np.corrcoef(s, y)[0, 1], res.llf,
              res.mle_retvals["iterations"], res.mle_retvals["converged"],
              rel_grad))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_lr_reference.py OUTDIR")
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    write(outdir, "lr1", *make_lr1())
    write(outdir, "lr2", *make_lr2())


if __name__ == "__main__":
    main()
