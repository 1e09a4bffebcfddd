#!/usr/bin/python3
"""Reference values for the fairness reporting aggregates.

Usage: make_metrics_reference.py OUTDIR

Writes three files:
  metrics_data.csv    set,id,yhat,y,s,score,w         the rows of each data set
  metrics_ref.csv     set,weighted,metric,value,thresholds
                      every summary metric, without and with the weights
  metrics_groups.csv  set,weighted,group,rows,weight,selection_rate,tpr,fpr,precision,accuracy

The metrics are computed here with numpy alone, straight from their
definitions, independently of the C code:

  - fairlearn's definitions: selection rate = weighted mean of yhat in a
    group; true-positive rate = weight of yhat = 1 among the group's y = 1
    rows over the weight of those rows; false-positive rate likewise for
    y = 0; demographic_parity_ratio / _difference = min / max and max - min
    of the selection rates over the groups; equal opportunity the same for
    the true-positive rates; equalized odds with agg="worst_case": the
    smaller of the TPR and FPR ratios, the larger of the two differences.
  - fairglmm's documented conventions where fairlearn gives NaN or warns:
    a group where a rate's denominator (a weight sum) is 0 is left out of
    that rate's comparison; fewer than two groups left: undefined (an empty
    field, NULL in SQL); all rates equal (all zero included): ratio 1; the
    smallest 0 and the largest not: ratio 0.
  - the seed "Fair and Accurate Regression" (Deza, Gomez, Atamturk): the gap
    |P(score > b) - P(score > b | group)| at given thresholds b, and its
    supremum over all b, taken over the groups: parity_gap and parity_ks
    (sup_b |F_group(b) - F_all(b)|, the same supremum, as the weighted
    empirical distribution functions F(b) = P(score <= b) = 1 - P(score > b)).

Data sets (numpy's legacy RandomState, whose streams are frozen, so the
files are the same on every run):
  two      2 groups (s = 0/1), 2,000 rows, whole-number weights 0..5
  four     4 groups (text), 3,000 rows, fractional weights, some 0; scores
           rounded to two decimals, so they tie
  four_nopos  4 groups, 1,200 rows, one group without y = 1 (its TPR is
           undefined), one without y = 0 (its FPR is undefined)

Floats are written with repr(), the shortest text that reads back as the
same double.
"""

import csv
import os
import sys

import numpy as np

THRESHOLDS = [0.2, 0.35, 0.5, 0.5, 0.65, 0.8]


def fnum(v):
    return "" if v is None or not np.isfinite(v) else repr(float(v))


def make_two():
    rs = np.random.RandomState(314159)
    n = 2000
    s = (rs.uniform(size=n) < 0.4).astype(int)
    y = (rs.uniform(size=n) < 0.35 + 0.2 * s).astype(int)
    score = 1.0 / (1.0 + np.exp(-(rs.normal(size=n) + 1.2 * y - 0.6 + 0.4 * s)))
    yhat = (score >= 0.5).astype(int)
    w = rs.randint(0, 6, size=n).astype(float)
    return [str(v) for v in s], yhat, y, score, w


def make_four():
    rs = np.random.RandomState(271828)
    n = 3000
    names = np.array(["north", "south", "east", "west"])
    g = rs.choice(4, size=n, p=[0.4, 0.3, 0.2, 0.1])
    y = (rs.uniform(size=n) < np.array([0.3, 0.45, 0.5, 0.6])[g]).astype(int)
    score = np.round(1.0 / (1.0 + np.exp(-(rs.normal(size=n) * 1.3 + 1.5 * y - 0.8
                                             + np.array([0.0, 0.3, -0.4, 0.6])[g]))), 2)
    yhat = (score >= 0.5).astype(int)
    w = rs.gamma(2.0, 0.7, size=n)
    w[rs.uniform(size=n) < 0.05] = 0.0
    return list(names[g]), yhat, y, score, w


def make_four_nopos():
    rs = np.random.RandomState(161803)
    n = 1200
    names = np.array(["a", "b", "c", "d"])
    g = rs.choice(4, size=n)
    y = (rs.uniform(size=n) < 0.5).astype(int)
    y[g == 2] = 0            # group c: no positives, TPR undefined
    y[g == 3] = 1            # group d: no negatives, FPR undefined
    score = rs.uniform(size=n) * 0.6 + 0.3 * y + 0.05 * g
    yhat = (score >= 0.45).astype(int)
    w = rs.uniform(0.0, 2.0, size=n)
    return list(names[g]), yhat, y, score, w


def compare(rates):
    """Ratio and difference over the defined rates, by the conventions above."""
    r = [v for v in rates if v is not None]
    if len(r) < 2:
        return None, None
    lo, hi = min(r), max(r)
    if lo == hi:
        ratio = 1.0
    elif lo == 0.0:
        ratio = 0.0
    else:
        ratio = lo / hi
    return ratio, hi - lo


def rate(num, den):
    return num / den if den > 0 else None


def group_rates(yhat, y, w):
    """rows, weight and the five rates of one group (None where undefined)."""
    sel = rate(np.sum(w * yhat), np.sum(w))
    tpr = rate(np.sum(w * yhat * y), np.sum(w * y))
    fpr = rate(np.sum(w * yhat * (1 - y)), np.sum(w * (1 - y)))
    prec = rate(np.sum(w * yhat * y), np.sum(w * yhat))
    acc = rate(np.sum(w * (yhat == y)), np.sum(w))
    return len(w), float(np.sum(w)), sel, tpr, fpr, prec, acc


def ecdf_gap(score, w, groups, at):
    """largest over groups and points b of |P(score <= b) - P(score <= b | g)|"""
    def cdf(mask):
        order = np.argsort(score[mask], kind="stable")
        s = score[mask][order]
        cw = np.concatenate([[0.0], np.cumsum(w[mask][order])])
        total = cw[-1]
        # weight of the scores <= b: everything left of the first score > b
        return cw[np.searchsorted(s, at, side="right")] / total, total
    f_all, _ = cdf(np.ones(len(score), dtype=bool))
    best, active = 0.0, 0
    for g in sorted(set(groups)):
        mask = groups == g
        if np.sum(w[mask]) <= 0:
            continue
        active += 1
        f_g, _ = cdf(mask)
        best = max(best, float(np.max(np.abs(f_g - f_all))))
    return best if active >= 2 else None


def threshold_gap(score, w, groups, thresholds):
    """the seed's statistic: largest |P(score > b) - P(score > b | g)| over groups and b"""
    total = np.sum(w)
    best, active = 0.0, 0
    for g in sorted(set(groups)):
        mask = groups == g
        wg = np.sum(w[mask])
        if wg <= 0:
            continue
        active += 1
        for b in thresholds:
            p_all = np.sum(w[score > b]) / total
            p_g = np.sum(w[mask & (score > b)]) / wg
            best = max(best, abs(p_all - p_g))
    return float(best) if active >= 2 else None


def metrics(s, yhat, y, score, w):
    groups = np.array(s)
    per_group = {}
    for g in sorted(set(s)):
        m = groups == g
        per_group[g] = group_rates(yhat[m], y[m], w[m])
    di, dpd = compare([v[2] for v in per_group.values()])
    eor, eod = compare([v[3] for v in per_group.values()])
    fr, fd = compare([v[4] for v in per_group.values()])
    eq_r = None if eor is None or fr is None else min(eor, fr)
    eq_d = None if eod is None or fd is None else max(eod, fd)
    # every distinct score is a candidate b for the supremum; the distribution
    # functions are constant between them and 0 below the smallest
    ks = ecdf_gap(score, w, groups, np.unique(score))
    gap = threshold_gap(score, w, groups, THRESHOLDS)
    summary = {
        "disparate_impact": di,
        "demographic_parity_difference": dpd,
        "equal_opportunity_ratio": eor,
        "equal_opportunity_difference": eod,
        "equalized_odds_ratio": eq_r,
        "equalized_odds_difference": eq_d,
        "parity_ks": ks,
        "parity_gap": gap,
    }
    return summary, per_group


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    sets = [("two", make_two()), ("four", make_four()), ("four_nopos", make_four_nopos())]
    thresholds = "{" + ",".join(repr(t) for t in THRESHOLDS) + "}"
    with open(os.path.join(out, "metrics_data.csv"), "w", newline="") as fd, \
            open(os.path.join(out, "metrics_ref.csv"), "w", newline="") as fr, \
            open(os.path.join(out, "metrics_groups.csv"), "w", newline="") as fg:
        dw, rw, gw = csv.writer(fd, lineterminator="\n"), csv.writer(fr, lineterminator="\n"), \
            csv.writer(fg, lineterminator="\n")
        dw.writerow(["set", "id", "yhat", "y", "s", "score", "w"])
        rw.writerow(["set", "weighted", "metric", "value", "thresholds"])
        gw.writerow(["set", "weighted", "group", "rows", "weight", "selection_rate", "tpr", "fpr",
                     "precision", "accuracy"])
        for name, (s, yhat, y, score, w) in sets:
            for i in range(len(s)):
                dw.writerow([name, i + 1, int(yhat[i]), int(y[i]), s[i], fnum(score[i]), fnum(w[i])])
            for weighted in (False, True):
                weights = w if weighted else np.ones(len(s))
                summary, per_group = metrics(s, yhat, y, score, weights)
                for metric, value in summary.items():
                    rw.writerow([name, str(weighted).lower(), metric, fnum(value),
                                 thresholds if metric == "parity_gap" else ""])
                for g, (rows, weight, *rates) in per_group.items():
                    gw.writerow([name, str(weighted).lower(), g, rows, fnum(weight)]
                                + [fnum(r) for r in rates])


if __name__ == "__main__":
    main()
