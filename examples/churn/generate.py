#!/usr/bin/env python3
"""Writes a seeded, realistic customer-churn data set for the Trestle churn example.

data/train.csv     labelled customers (column `churned`), clean, to fit the model
data/customers.csv customers to score: the same columns without the label, with
                   missing total_charges, a contract type the model never saw, and a
                   few malformed lines (as real exports have)

Standard library only; the same seed gives the same files.
"""
import argparse
import math
import os
import random

CONTRACTS = [("month-to-month", 0.55), ("one-year", 0.25), ("two-year", 0.20)]
PAYMENTS = [("electronic_check", 0.34), ("mailed_check", 0.22), ("bank_transfer", 0.22), ("credit_card", 0.22)]
INTERNET = [("dsl", 0.35), ("fiber", 0.45), ("none", 0.20)]
HEADER = ["customer_id", "signup_date", "tenure_months", "monthly_charges", "total_charges",
          "contract", "payment_method", "internet_service", "support_calls", "senior"]


def pick(rng, choices):
    x, acc = rng.random(), 0.0
    for value, p in choices:
        acc += p
        if x < acc:
            return value
    return choices[-1][0]


def customer(rng, i):
    contract = pick(rng, CONTRACTS)
    internet = pick(rng, INTERNET)
    payment = pick(rng, PAYMENTS)
    tenure = min(72, int(rng.expovariate(1 / 24.0)) + (0 if contract == "month-to-month" else 6))
    base = {"dsl": 45.0, "fiber": 80.0, "none": 20.0}[internet]
    monthly = round(max(18.0, rng.gauss(base, 12.0)), 2)
    total = round(monthly * tenure * rng.uniform(0.95, 1.05), 2)
    calls = min(10, int(rng.expovariate(1 / 1.5)))
    senior = rng.random() < 0.16
    signup_month = 72 - tenure
    signup = "20%02d-%02d-%02d 09:%02d:00" % (19 + signup_month // 12, 1 + signup_month % 12, 1 + i % 28, i % 60)
    z = (-1.2 + {"month-to-month": 1.3, "one-year": -0.2, "two-year": -1.4}[contract]
         + {"fiber": 0.7, "dsl": 0.0, "none": -0.6}[internet]
         + (0.5 if payment == "electronic_check" else 0.0)
         - 0.045 * tenure + 0.28 * calls + 0.012 * (monthly - 60) + (0.3 if senior else 0.0))
    churned = rng.random() < 1 / (1 + math.exp(-z))
    row = ["C%07d" % i, signup, str(tenure), "%.2f" % monthly, "%.2f" % total,
           contract, payment, internet, str(calls), "true" if senior else "false"]
    return row, churned


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=100000, help="customers to score")
    ap.add_argument("--train-rows", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", default="data")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)

    with open(os.path.join(args.out, "train.csv"), "w") as f:
        f.write(",".join(HEADER + ["churned"]) + "\n")
        for i in range(args.train_rows):
            row, churned = customer(rng, i)
            f.write(",".join(row + ["1" if churned else "0"]) + "\n")

    with open(os.path.join(args.out, "customers.csv"), "w") as f:
        f.write(",".join(HEADER) + "\n")
        for i in range(args.rows):
            row, _ = customer(rng, 1000000 + i)
            r = rng.random()
            if r < 0.02:
                row[4] = ""                      # total_charges missing
            elif r < 0.023:
                row[5] = "quarterly"             # a contract type the model never saw
            elif r < 0.0245:
                row[2] = "n/a"                   # not a number: the line is dead-lettered
            elif r < 0.026:
                row = row[:6]                    # a truncated line
            f.write(",".join(row) + "\n")


if __name__ == "__main__":
    main()
