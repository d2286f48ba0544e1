#!/usr/bin/python3
"""Fits the churn example's model: the feature parameters that `impute` and `scale`
read, and a logistic regression over the features the pipeline builds (the same
imputation, one-hot encoding and standardisation), written as the JSON file the
`linear` operator loads. Uses Debian's python3-numpy; deterministic (Newton's method).

    /usr/bin/python3 fit.py data/train.csv models/churn
"""
import csv
import json
import os
import sys

import numpy as np

NUMERIC = ["tenure_months", "monthly_charges", "total_charges", "support_calls"]
CATEGORIES = {
    "contract": ["month-to-month", "one-year", "two-year"],
    "payment_method": ["electronic_check", "mailed_check", "bank_transfer", "credit_card"],
    "internet_service": ["dsl", "fiber", "none"],
}
# One category per column is left out of the model (it is the baseline), so that the
# one-hot columns are not collinear with the intercept.
BASELINE = {"contract": "one-year", "payment_method": "mailed_check", "internet_service": "dsl"}


def main(train_path, out_dir):
    with open(train_path) as f:
        rows = list(csv.DictReader(f))
    num = {c: np.array([float(r[c]) if r[c] else np.nan for r in rows]) for c in NUMERIC}
    params = {}
    for c, v in num.items():
        ok = v[~np.isnan(v)]
        params[c] = {"mean": float(ok.mean()), "std": float(ok.std()), "median": float(np.median(ok))}
        v[np.isnan(v)] = params[c]["median"]  # what `impute` with strategy median does
    names, cols = [], []
    for c in NUMERIC:
        names.append(c)
        cols.append((num[c] - params[c]["mean"]) / params[c]["std"])  # what `scale` does
    for c, cats in CATEGORIES.items():
        for cat in cats:
            if cat == BASELINE[c]:
                continue
            names.append(f"{c}={cat}")  # the column name `one_hot` gives
            cols.append(np.array([1.0 if r[c] == cat else 0.0 for r in rows]))
    X = np.column_stack([np.ones(len(rows))] + cols)
    y = np.array([float(r["churned"]) for r in rows])
    w = np.zeros(X.shape[1])
    for _ in range(25):  # Newton's method with a small ridge term for stability
        p = 1 / (1 + np.exp(-X @ w))
        grad = X.T @ (p - y) + 1e-4 * w
        hess = X.T @ (X * (p * (1 - p))[:, None]) + 1e-4 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    p = 1 / (1 + np.exp(-X @ w))
    accuracy = float(((p >= 0.5) == (y == 1)).mean())
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "feature_params.json"), "w") as f:
        json.dump(params, f, indent=2)
        f.write("\n")
    model = {"type": "logistic", "version": "2026-11-25", "features": names,
             "coefficients": [float(x) for x in w[1:]], "intercept": float(w[0])}
    with open(os.path.join(out_dir, "logistic.json"), "w") as f:
        json.dump(model, f, indent=2)
        f.write("\n")
    print(f"fitted {len(names)} features on {len(rows)} rows; training accuracy {accuracy:.3f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/train.csv",
         sys.argv[2] if len(sys.argv) > 2 else "models/churn")
