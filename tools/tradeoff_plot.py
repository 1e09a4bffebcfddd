#!/usr/bin/python3
"""Draw accuracy against disparate impact for tools/tradeoff.sh.

Reads the methods' points that tradeoff.sh collected with psql and, when the
table has a column of true probabilities, the evaluation rows' (mu, group,
weight); computes the fair-Bayes frontier from them; writes one CSV of every
point and draws the picture (PNG or SVG by the file name).

The fair-Bayes frontier
-----------------------
Let mu = P(y = 1 | x, s, stratum) be the true model.  A classifier that sees
(x, s, stratum) and may randomise predicts 1 with probability h in [0, 1]; its
expected accuracy (over the labels, on the evaluation rows) is

    sum_l w_l [h_l mu_l + (1 - h_l)(1 - mu_l)] / sum_l w_l,

and its disparate impact is min_g r_g / max_g r_g, with r_g the (weighted)
share of group g predicted 1.  For a fixed rate r_g, the best group accuracy
comes from predicting 1 for the rows of g with the largest mu (a threshold on
mu, randomised at the boundary row); as a function of r_g that accuracy
A_g(r) is piecewise linear and concave, largest at r*_g, the share of the
group with mu > 1/2 (Menon & Williamson 2018; Zeng et al. 2022).

DI >= L means every rate lies in [L R, R] for R = the largest rate.  For a
given R, each concave A_g is best at clip(r*_g, L R, R), and the sum of these
is a concave function of R (rising, flat, then falling), so a golden-section
search over R in [0, 1] finds

    F(L) = max over classifiers with DI >= L of the expected accuracy.

F is the reference line: no classifier of (x, s, stratum), trained on any
rows, has an expected accuracy above F at its own DI.  A model's realised
accuracy can exceed it by sampling noise of the labels only; its expected
accuracy (column expected_accuracy) cannot.

The CSV has one row per method and rho (line = the method) with the accuracy
and DI of the evaluation rows, the expected accuracy under the reference
column, and the training accuracy and DI; with a reference column also the
row line = bayes (the classifier mu > 1/2: its expected accuracy and DI) and
the rows line = fair_bayes, F at DI levels 0, 0.01, ..., 1 and at each
method's DI (disparate_impact = the level, accuracy = F).
"""

import argparse
import csv
import math
import sys

import numpy as np

GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
COLUMNS = ["line", "rho", "accuracy", "disparate_impact", "expected_accuracy",
           "train_accuracy", "train_disparate_impact", "rows"]
REFERENCE_LABEL = "fair_bayes"
BAYES_LABEL = "bayes"


def fail(message):
    print("tradeoff: " + message, file=sys.stderr)
    sys.exit(1)


def number(text):
    """A CSV field as a float; empty (SQL NULL) as NaN."""
    return float(text) if text not in ("", None) else math.nan


def read_points(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        for key in COLUMNS[1:]:
            row[key] = number(row.get(key, ""))
    return rows


class Group:
    """One group's accuracy A_g(r) as a function of its selection rate."""

    def __init__(self, mu, w):
        order = np.argsort(-mu, kind="stable")
        mu, w = mu[order], w[order]
        self.weight = w.sum()
        # rates at the breakpoints, and the gain over predicting 0 for all
        self.rate = np.concatenate(([0.0], np.cumsum(w) / self.weight))
        self.gain = np.concatenate(([0.0], np.cumsum(w * (2.0 * mu - 1.0))))
        self.base = float(np.sum(w * (1.0 - mu)))
        self.best_rate = float(self.rate[int(np.argmax(self.gain))])

    def correct(self, r):
        """Expected weight of correct predictions at rate r (randomised)."""
        return self.base + float(np.interp(r, self.rate, self.gain))


def best_accuracy(groups, total, level):
    """F(level): the best expected accuracy with DI >= level."""
    def value(big):
        return sum(g.correct(min(max(g.best_rate, level * big), big))
                   for g in groups) / total

    lo, hi = 0.0, 1.0
    a, b = hi - GOLDEN * (hi - lo), lo + GOLDEN * (hi - lo)
    fa, fb = value(a), value(b)
    for _ in range(80):
        if fa < fb:
            lo, a, fa = a, b, fb
            b = lo + GOLDEN * (hi - lo)
            fb = value(b)
        else:
            hi, b, fb = b, a, fa
            a = hi - GOLDEN * (hi - lo)
            fa = value(a)
    return max(fa, fb, value(0.0), value(1.0))


def frontier(path, levels):
    mus, groups_of, weights = [], [], []
    with open(path, newline="") as f:
        for line, (mu, group, w) in enumerate(csv.reader(f), 1):
            mu, w = float(mu), float(w)
            if not 0.0 <= mu <= 1.0:
                fail("reference column: row %d has %r, not a probability in [0, 1]" % (line, mu))
            mus.append(mu)
            groups_of.append(group)
            weights.append(w)
    if not mus:
        fail("reference column: no evaluation rows")
    mu, w = np.array(mus), np.array(weights)
    labels = np.array(groups_of)
    groups = [Group(mu[labels == g], w[labels == g]) for g in sorted(set(groups_of))]
    groups = [g for g in groups if g.weight > 0]
    if len(groups) < 2:
        fail("reference column: the evaluation rows have fewer than two groups")
    total = sum(g.weight for g in groups)
    # the unconstrained Bayes classifier (mu > 1/2): the frontier's left end
    rates = [g.best_rate for g in groups]
    bayes_di = min(rates) / max(rates) if max(rates) > 0 else 1.0
    bayes = {"line": BAYES_LABEL, "disparate_impact": bayes_di,
             "accuracy": sum(g.correct(g.best_rate) for g in groups) / total}
    return [bayes] + [{"line": REFERENCE_LABEL, "disparate_impact": float(level),
                       "accuracy": best_accuracy(groups, total, float(level))}
                      for level in levels]


def write_csv(path, points):
    def text(v):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v) if isinstance(v, float) else str(v)

    with open(path, "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(COLUMNS)
        for p in points:
            out.writerow([text(p.get(c)) for c in COLUMNS])


def draw(path, points, title, subtitle):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "fairglmm"   # reproducible SVG ids
    fig, ax = plt.subplots(figsize=(8.6, 4.8), dpi=100)
    reference = [p for p in points if p["line"] == REFERENCE_LABEL]
    bayes = [p for p in points if p["line"] == BAYES_LABEL]
    if reference and bayes:
        # left of the Bayes classifier's own DI the line is flat: there
        # "at DI >= level" is met by the Bayes classifier itself (dotted)
        b = bayes[0]
        left = [p for p in reference if p["disparate_impact"] <= b["disparate_impact"]]
        right = [b] + [p for p in reference if p["disparate_impact"] > b["disparate_impact"]]
        ax.plot([p["disparate_impact"] for p in left], [p["accuracy"] for p in left],
                color="black", linewidth=1.2, linestyle=":", zorder=3)
        ax.plot([p["disparate_impact"] for p in right], [p["accuracy"] for p in right],
                color="black", linewidth=2.0, label="fair Bayes (true model)", zorder=3)
        ax.plot([b["disparate_impact"]], [b["accuracy"]], marker="*", markersize=10,
                color="black", linestyle="none", zorder=5)
        ax.annotate("Bayes classifier (mu > 1/2)", (b["disparate_impact"], b["accuracy"]),
                    textcoords="offset points", xytext=(-8, -13), ha="right", fontsize=7)
    markers = "osD^vP*X"
    methods = [m for m in dict.fromkeys(p["line"] for p in points)
               if m not in (REFERENCE_LABEL, BAYES_LABEL)]
    for i, method in enumerate(methods):
        pts = [p for p in points if p["line"] == method
               and not math.isnan(p["disparate_impact"]) and not math.isnan(p["accuracy"])]
        if not pts:
            continue
        ax.plot([p["disparate_impact"] for p in pts], [p["accuracy"] for p in pts],
                marker=markers[i % len(markers)], markersize=5, linewidth=1.4,
                label=method, zorder=4)
        first, last = pts[0], pts[-1]
        if not method.startswith("fair_"):
            continue                      # one point: the method ignores rho
        for p, side in ((first, "left"), (last, "right")):
            if len(pts) > 1 or side == "left":
                ax.annotate("rho=%g" % p["rho"], (p["disparate_impact"], p["accuracy"]),
                            textcoords="offset points", xytext=(4, -11 if side == "left" else 5),
                            fontsize=7, color="dimgray")
    ax.axvline(0.8, color="gray", linestyle="--", linewidth=1.0, label="four-fifths rule (DI = 0.8)")
    ax.set_xlim(0.0, 1.02)
    ax.set_xlabel("disparate impact on the evaluation rows (1 = parity)")
    ax.set_ylabel("accuracy on the evaluation rows")
    ax.set_title(title + ("\n" + subtitle if subtitle else ""), fontsize=10)
    ax.grid(True, color="0.9")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    fig.tight_layout()
    fig.savefig(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", required=True, help="CSV of the methods' points")
    ap.add_argument("--reference", help="CSV of mu, group, weight of the evaluation rows")
    ap.add_argument("--out", required=True, help="the picture, .png or .svg")
    ap.add_argument("--csv", required=True, help="the CSV of every point")
    ap.add_argument("--title", default="Accuracy against disparate impact over rho")
    ap.add_argument("--subtitle", default="")
    args = ap.parse_args()

    points = read_points(args.points)
    counts = {int(p["rows"]) for p in points if not math.isnan(p["rows"])}
    if len(counts) == 1 and args.subtitle:
        args.subtitle += " (%d rows)" % counts.pop()
    if args.reference:
        levels = set(np.round(np.linspace(0.0, 1.0, 101), 10))
        # also at every method's own DI, so F is read off exactly there
        levels.update(p["disparate_impact"] for p in points
                      if not math.isnan(p["disparate_impact"]))
        points += frontier(args.reference, sorted(levels))
    write_csv(args.csv, points)
    draw(args.out, points, args.title, args.subtitle)


if __name__ == "__main__":
    main()
