#!/usr/bin/python3
"""Draw test RMSE against test parity_ks for tools/tradeoff_gaussian.sh.

Reads the CSV the script wrote (one row per method and parameter, means over
the splits: line, param, test_rmse, test_rmse_sd, test_parity_ks,
test_parity_ks_sd, pooled_test_parity_ks, train_rmse, train_parity_ks,
test_rows, train_rows, seconds_per_fit, sweeps, converged, splits) and draws one line per
method, the points in the order of the parameter (rho for fair_lr and
fair_crlr, lambda_f for fair_threshold), each labelled with its parameter.
With several splits a cross marks one standard error of the mean over the
splits in each direction.  The row line = random_scores (parity_ks of scores
independent of the group: what sampling alone gives on these test rows) is a
dotted vertical line.  --ks pooled puts pooled_test_parity_ks (parity_ks of
the test predictions of every split together) on the x axis instead of the
mean over the splits.  --train-panel adds a panel of the same fits on their
training rows (training RMSE against training parity_ks).  PNG or SVG by the
file name.
"""

import argparse
import csv
import math
import sys

PARAM = {"fair_threshold": "lambda_f"}
NULL_LINE = "random_scores"
STYLE = {"fair_lr": ("tab:blue", "o"), "fair_crlr": ("tab:orange", "s"),
         "fair_threshold": ("tab:green", "D")}


def fail(message):
    print("tradeoff_gaussian: " + message, file=sys.stderr)
    sys.exit(1)


def number(text):
    return float(text) if text not in ("", None) else math.nan


def read_points(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        fail("no points in " + path)
    for r in rows:
        for k in list(r):
            if k != "line":
                r[k] = number(r[k])
    return rows


def panel(ax, points, xcol, ycol, xsd, ysd, xlabel, ylabel):
    """One panel: a line per method of ycol against xcol, the noise line."""
    for p in points:
        if p["line"] == NULL_LINE and not math.isnan(p[xcol]):
            ax.axvline(p[xcol], color="gray", linestyle=":", linewidth=1.2,
                       label="random scores (sampling noise alone)")
    for method in dict.fromkeys(p["line"] for p in points if p["line"] != NULL_LINE):
        pts = [p for p in points if p["line"] == method
               and not math.isnan(p[ycol]) and not math.isnan(p[xcol])]
        if not pts:
            continue
        pts.sort(key=lambda p: p["param"])
        color, marker = STYLE.get(method, (None, "o"))
        name = "%s (%s path)" % (method, PARAM.get(method, "rho"))
        ax.plot([p[xcol] for p in pts], [p[ycol] for p in pts],
                marker=marker, markersize=5, linewidth=1.3, color=color, label=name, zorder=4)
        for p in pts:
            n = p["splits"]
            if n > 1 and (xsd or ysd):
                ax.errorbar(p[xcol], p[ycol],
                            xerr=p[xsd] / math.sqrt(n) if xsd else None,
                            yerr=p[ysd] / math.sqrt(n) if ysd else None,
                            color=color, alpha=0.35, linewidth=0.8, zorder=3)
            ax.annotate("%g" % p["param"], (p[xcol], p[ycol]),
                        textcoords="offset points", xytext=(4, 3), fontsize=6.5,
                        color=color)
    ax.set_xlim(left=0.0)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.set_ylabel(ylabel)
    ax.grid(True, color="0.9")


def draw(path, points, title, subtitle, ks, train_panel):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "fairglmm"   # reproducible SVG ids
    if train_panel:
        fig, (ax, tx) = plt.subplots(1, 2, figsize=(12.0, 5.0), dpi=80, sharey=True)
    else:
        fig, ax = plt.subplots(figsize=(8.6, 5.0), dpi=90)
    xcol = "pooled_test_parity_ks" if ks == "pooled" else "test_parity_ks"
    panel(ax, points, xcol, "test_rmse", "test_parity_ks_sd" if ks == "mean" else None,
          "test_rmse_sd",
          ("parity_ks of the test predictions" if ks == "mean" else
           "parity_ks of every split's test predictions pooled")
          + "\n(largest gap between a group's and everyone's share above any threshold;"
          " 0 = the same distribution)", "test RMSE")
    if train_panel:
        panel(tx, points, "train_parity_ks", "train_rmse", None, None,
              "parity_ks of the training predictions", "training RMSE")
        tx.yaxis.set_tick_params(labelleft=True)
        tx.set_title("the same fits on their training rows", fontsize=9)
        ax.set_title("test rows", fontsize=9)
        fig.suptitle(title + ("\n" + subtitle if subtitle else ""), fontsize=10)
    else:
        ax.set_title(title + ("\n" + subtitle if subtitle else ""), fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", required=True, help="the CSV of tradeoff_gaussian.sh")
    ap.add_argument("--out", required=True, help="the picture, .png or .svg")
    ap.add_argument("--title", default="Test RMSE against the all-threshold disparity")
    ap.add_argument("--subtitle", default="")
    ap.add_argument("--ks", choices=("mean", "pooled"), default="mean",
                    help="the x axis: mean over the splits, or pooled")
    ap.add_argument("--train-panel", action="store_true",
                    help="a second panel: training RMSE against training parity_ks")
    args = ap.parse_args()
    draw(args.out, read_points(args.points), args.title, args.subtitle, args.ks,
         args.train_panel)


if __name__ == "__main__":
    main()
