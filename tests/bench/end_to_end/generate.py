#!/usr/bin/python3
"""Writes the data and the model of the end-to-end benchmark (tests/bench/end_to_end).

    generate.py --rows N --out DIR [--seed S]

DIR/data.csv           N customer rows to score: id, four numbers, three categories, a
                       flag. About 2% of total_charges are empty (null), 0.5% of
                       contract values are a category the model never saw, 0.5% of
                       payment_method values are empty. No quotes, no malformed lines.
DIR/feature_params.json the mean, std and median of each numeric column of the
                       training rows, in the format of the features plugin's params_file
DIR/model.ubj          an XGBoost binary:logistic model (100 trees of depth 5) trained on
                       50 000 other rows after the same impute / scale / one_hot as
                       pipeline.yaml, with named features

The same seed gives the same files (numpy's PCG64, XGBoost with one thread).
The categories here are the ones pipeline.yaml, handwritten.cc and pandas_score.py
list; the benchmark's output comparison fails if they drift apart.
"""

import argparse
import json
import os

import numpy as np
import xgboost as xgb

CONTRACTS = ["month-to-month", "one-year", "two-year"]
PAYMENTS = ["electronic_check", "mailed_check", "bank_transfer", "credit_card"]
INTERNET = ["dsl", "fiber", "none"]
NUMERIC = ["tenure_months", "monthly_charges", "total_charges", "support_calls"]
HEADER = ["id"] + NUMERIC[:3] + ["contract", "payment_method", "internet_service", "support_calls", "senior"]
UNKNOWN = "__unknown__"
CATEGORICAL = [("contract", CONTRACTS), ("payment_method", PAYMENTS), ("internet_service", INTERNET)]
# The model's features, in its column order.
FEATURES = NUMERIC + ["senior"] + ["%s=%s" % (c, v) for c, cats in CATEGORICAL for v in cats + [UNKNOWN]]


def customers(rng, n):
    """n rows as a dict of numpy arrays; missing numbers are NaN, missing strings ''."""
    contract = rng.choice(np.array(CONTRACTS + ["three-year"]), size=n, p=[0.55, 0.25, 0.195, 0.005])
    payment = rng.choice(np.array(PAYMENTS + [""]), size=n, p=[0.34, 0.22, 0.22, 0.215, 0.005])
    internet = rng.choice(np.array(INTERNET), size=n, p=[0.35, 0.45, 0.20])
    tenure = np.minimum(72, rng.exponential(24.0, size=n).astype(np.int64) + np.where(contract == "month-to-month", 0, 6))
    base = np.select([internet == "dsl", internet == "fiber"], [45.0, 80.0], 20.0)
    monthly = np.round(np.maximum(18.0, rng.normal(base, 12.0)), 2)
    total = np.round(monthly * tenure * rng.uniform(0.95, 1.05, size=n), 2)
    total[rng.random(n) < 0.02] = np.nan
    calls = np.minimum(10, rng.exponential(1.5, size=n).astype(np.int64))
    senior = rng.random(n) < 0.16
    z = (-1.2 + np.select([contract == "month-to-month", contract == "one-year"], [1.3, -0.2], -1.4)
         + np.select([internet == "fiber", internet == "none"], [0.7, -0.6], 0.0)
         + np.where(payment == "electronic_check", 0.5, 0.0) - 0.045 * tenure + 0.28 * calls
         + 0.012 * (monthly - 60) + np.where(senior, 0.3, 0.0))
    churned = rng.random(n) < 1 / (1 + np.exp(-z))
    return {"tenure_months": tenure, "monthly_charges": monthly, "total_charges": total, "contract": contract,
            "payment_method": payment, "internet_service": internet, "support_calls": calls, "senior": senior,
            "churned": churned}


def features(rows, params):
    """The model's input matrix: impute (median), scale (standard), one_hot (unknown: bucket)."""
    cols = []
    for c in NUMERIC:
        x = rows[c].astype(np.float64)
        x = np.where(np.isnan(x), params[c]["median"], x)
        cols.append((x - params[c]["mean"]) / params[c]["std"])
    cols.append(rows["senior"].astype(np.float64))
    for c, cats in CATEGORICAL:
        v = rows[c]
        for cat in cats:
            cols.append((v == cat).astype(np.float64))
        cols.append(((v != "") & ~np.isin(v, cats)).astype(np.float64))
    return np.column_stack(cols).astype(np.float32)


def write_csv(path, rows, n, chunk=200000):
    with open(path, "w", newline="") as f:
        f.write(",".join(HEADER) + "\n")
        for start in range(0, n, chunk):
            end = min(n, start + chunk)
            total = ["" if np.isnan(t) else "%.2f" % t for t in rows["total_charges"][start:end]]
            lines = [
                "C%08d,%d,%.2f,%s,%s,%s,%s,%d,%s\n" % (start + i, te, mo, to, co, pa, it, ca, "true" if se else "false")
                for i, (te, mo, to, co, pa, it, ca, se) in enumerate(zip(
                    rows["tenure_months"][start:end].tolist(), rows["monthly_charges"][start:end].tolist(), total,
                    rows["contract"][start:end].tolist(), rows["payment_method"][start:end].tolist(),
                    rows["internet_service"][start:end].tolist(), rows["support_calls"][start:end].tolist(),
                    rows["senior"][start:end].tolist()))
            ]
            f.writelines(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, required=True, help="rows of data.csv")
    ap.add_argument("--out", required=True, help="directory to write into")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    train_rng, score_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(args.seed).spawn(2))

    train = customers(train_rng, 50000)
    params = {}
    for c in NUMERIC:
        x = train[c].astype(np.float64)
        x = x[~np.isnan(x)]
        params[c] = {"mean": float(x.mean()), "std": float(x.std()), "median": float(np.median(x))}
    with open(os.path.join(args.out, "feature_params.json"), "w") as f:
        json.dump(params, f, indent=2)
        f.write("\n")

    dtrain = xgb.DMatrix(features(train, params), label=train["churned"].astype(np.int64), feature_names=FEATURES)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 5, "eta": 0.1, "seed": 0, "nthread": 1}, dtrain,
                        num_boost_round=100)
    booster.set_attr(version="end-to-end-1")
    booster.save_model(os.path.join(args.out, "model.ubj"))

    write_csv(os.path.join(args.out, "data.csv"), customers(score_rng, args.rows), args.rows)


if __name__ == "__main__":
    main()
