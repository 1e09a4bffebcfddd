"""Print fairglmm's glmm next to lme4::glmer (called by tools/compare_lme4.sh).

    /usr/bin/python3 tools/compare_lme4.py WORKDIR SCENARIO
"""
import csv
import json
import math
import os
import sys

import numpy as np

work, scenario = sys.argv[1], int(sys.argv[2])
TRUE_BETA = {1: [-2.0, 0.4, 0.8, 0.5, 3.0], 2: [-0.1, 1, 1, 1, 0.1],
             3: [-2.0, 0.4, 0.8, 0.5, 3.0], 4: [-0.1, 1, 1, 1, 0.1]}[scenario]
TERMS = ["intercept", "x1", "x2", "x3", "sex"]
OURS_TERM = {"intercept": "intercept", "x1": "x1", "x2": "x2", "x3": "x3", "x4": "sex"}


def rows(name):
    with open(f"{work}/{name}") as f:
        return list(csv.DictReader(f))


glmer_fe = {r["term"]: float(r["estimate"]) for r in rows("glmer.fixef.csv")}
glmer_re = {r["stratum"]: float(r["effect"]) for r in rows("glmer.ranef.csv")}
glmer_sum = rows("glmer.summary.csv")[0]
truth = {r["stratum"]: (float(r["effect"]), int(r["n"]), int(r["n_y"])) for r in rows("truth.csv")}
ours_fe, ours_re, info, ms = {}, {}, {}, {}
for r in rows("ours_fixef.csv"):
    ours_fe.setdefault(r["name"], {})[OURS_TERM[r["term"]]] = float(r["estimate"])
for r in rows("ours_ranef.csv"):
    ours_re.setdefault(r["name"], {})[r["stratum"]] = float(r["effect"])
for r in rows("ours_info.csv"):
    info[r["name"]] = json.loads(r["info"])
    ms[r["name"]] = float(r["ms"])

fits = [n for n in ["glmm", "glmm_exact", "glmm_nu0.1", "crlr_lambda1", "crlr_glmer_lambda"] if n in info]
LABEL = {"glmm": "glmm (defaults)", "glmm_exact": "glmm, exact_trace",
         "glmm_nu0.1": "glmm, nu = 0.1", "crlr_lambda1": "crlr, lambda = 1 (boosting start)",
         "crlr_glmer_lambda": "crlr, lambda = 1/(2 s2_glmer)"}


def table(header, body):
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    for row in body:
        print("| " + " | ".join(row) + " |")
    print()


def f3(v):
    return "" if v is None else f"{v:.3f}"


print("\nFixed effects (data-generating value, glmer Laplace, ours):\n")
table(["term", "true", "glmer"] + [LABEL[n] for n in fits],
      [[t, f3(TRUE_BETA[i]), f3(glmer_fe[t])] + [f3(ours_fe[n][t]) for n in fits]
       for i, t in enumerate(TERMS)])

bt = np.array([truth[s][0] for s in sorted(truth)])
print("Random-intercept SD:\n")
body = [["data-generating (population sd)", f"{3.0 if scenario in (1, 2) else 0.0:.3f}", ""],
        ["data-generating (sd of the drawn b_i)", f3(float(bt.std(ddof=0))), ""],
        ["glmer (Laplace ML)", f3(float(glmer_sum["sd"])), f"{float(glmer_sum['fit_seconds']):.2f} s"]]
for n in fits:
    i = info[n]
    if "random_intercept_variance" in i and i["random_intercept_variance"] is not None:
        body.append([LABEL[n] + ": sqrt(Q)", f3(math.sqrt(i["random_intercept_variance"])),
                     f"{ms[n] / 1000:.2f} s, {i.get('steps')} steps, stop {i.get('stop_reason')}, "
                     f"selected {i.get('selected')}"])
    else:
        body.append([LABEL[n] + ": (no Q; sd of b-hat)",
                     f3(float(np.std([ours_re[n][s] for s in sorted(truth)]))), f"{ms[n] / 1000:.2f} s"])
table(["estimate", "SD", "notes"], body)
if glmer_sum.get("messages"):
    print("glmer convergence messages:", glmer_sum["messages"], "\n")

strata = sorted(truth)
g = np.array([glmer_re[s] for s in strata])
print("Random effects b_i (100 strata): each estimator against glmer's conditional modes and against"
      " the data-generating b_i:\n")
body = []
for name, v in [("glmer", g)] + [(LABEL[n], np.array([ours_re[n][s] for s in strata])) for n in fits]:
    d = v - g
    body.append([name, f3(float(v.mean())), f3(float(v.std())),
                 f3(float(np.corrcoef(v, g)[0, 1])) if name != "glmer" else "1",
                 f3(float(np.abs(d).max())), f3(float(np.sqrt(np.mean(d ** 2)))),
                 f3(float(np.sqrt(np.mean((v - v.mean() - (g - g.mean())) ** 2)))),
                 f3(float(np.sqrt(np.mean((v - bt) ** 2)))),
                 f3(float(np.corrcoef(v, bt)[0, 1]))])
table(["estimator", "mean", "sd", "corr with glmer", "max abs diff", "RMS diff", "RMS diff, centred",
       "RMS error vs true b", "corr with true b"], body)

ours = np.array([ours_re["glmm"][s] for s in strata])
order = np.argsort(-np.abs(ours - g))[:8]
print("Largest differences, glmm (defaults) - glmer:\n")
table(["stratum", "rows", "sum y", "true b", "glmer", "glmm", "glmm - glmer",
       "crlr, lambda = 1/(2 s2)"],
      [[strata[k], str(truth[strata[k]][1]), str(truth[strata[k]][2]), f3(bt[k]), f3(g[k]), f3(ours[k]),
        f3(ours[k] - g[k]),
        f3(ours_re["crlr_glmer_lambda"][strata[k]]) if "crlr_glmer_lambda" in ours_re else ""]
       for k in order])

if os.path.exists(f"{work}/test.csv"):
    test = rows("test.csv")
    X = np.array([[1.0, float(r["x1"]), float(r["x2"]), float(r["x3"]), float(r["sex"])] for r in test])
    y = np.array([int(r["y"]) for r in test])
    s = X[:, 4]
    st = [r["stratum"] for r in test]

    def score(fe, re):
        eta = X @ np.array([fe[t] for t in TERMS]) + np.array([re.get(k, 0.0) for k in st])
        yhat = eta >= 0
        r1, r0 = yhat[s == 1].mean(), yhat[s == 0].mean()
        di = 1.0 if r1 == r0 else (0.0 if min(r1, r0) == 0 else min(r1 / r0, r0 / r1))
        return f3(float((yhat == y).mean())), f3(di)

    print(f"Test rows ({len(y)}), threshold 0.5:\n")
    table(["model", "accuracy", "DI"],
          [["glmer"] + list(score(glmer_fe, glmer_re))] +
          [[LABEL[n]] + list(score(ours_fe[n], ours_re[n])) for n in fits])
