#!/usr/bin/python3
"""Peer fit for bench/bench.py: scikit-learn LogisticRegression (lbfgs, no
penalty, i.e. the model of our `lr`) on the CSV's x columns.  Prints one JSON
line of elapsed seconds; reading the CSV is not timed."""
import json
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression

data = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
y = data[:, 0]
X = np.ascontiguousarray(data[:, 3:])
start = time.perf_counter()
LogisticRegression(penalty=None, max_iter=1000).fit(X, y)
print(json.dumps({"lr": time.perf_counter() - start}))
