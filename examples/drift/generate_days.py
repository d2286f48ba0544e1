#!/usr/bin/env python3
"""Writes a week of daily customer files for the Trestle drift example.

It uses the churn example's generator (examples/churn/generate.py) for the customers and
adds a `country` and an `event_time` column. Day 0 is the reference (what the model was trained on); days
1..7 are the files a scheduler hands to the pipeline, one per day. From day --drift-from
(default 4) on, two things change, as they do in production:

- a new country code ("BR") appears in about 12% of the rows, and
- monthly_charges shifts up by about 15 (a price change nobody told the model about).

data/reference.csv         day 0, the reference the profile is computed from
data/day-1.csv ... day-7   the daily files

Standard library only; the same seed gives the same files.
"""
import argparse
import datetime
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "churn"))
import generate  # noqa: E402  (the churn example's generator)

COUNTRIES = [("US", 0.55), ("DE", 0.20), ("GB", 0.15), ("FR", 0.10)]
HEADER = generate.HEADER + ["country", "event_time"]
FIRST_DAY = datetime.datetime(2026, 11, 16)  # day 0


def day_rows(rng, day, rows, drift_from):
    drifted = day >= drift_from
    midnight = FIRST_DAY + datetime.timedelta(days=day)
    for i in range(rows):
        # When the customer was scored that day: spread evenly over the day, in order.
        at = midnight + datetime.timedelta(seconds=int(86399 * i / max(1, rows - 1)))
        row, _ = generate.customer(rng, day * 1000000 + i)
        if drifted:
            row[3] = "%.2f" % (float(row[3]) + rng.gauss(15.0, 3.0))  # monthly_charges
            country = "BR" if rng.random() < 0.12 else generate.pick(rng, COUNTRIES)
        else:
            country = generate.pick(rng, COUNTRIES)
        yield row + [country, at.strftime("%Y-%m-%d %H:%M:%S")]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--rows", type=int, default=20000, help="customers per day")
    ap.add_argument("--drift-from", type=int, default=4)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", default="data")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    names = [("reference.csv", 0)] + [("day-%d.csv" % d, d) for d in range(1, args.days + 1)]
    for name, day in names:
        with open(os.path.join(args.out, name), "w") as f:
            f.write(",".join(HEADER) + "\n")
            for row in day_rows(rng, day, args.rows, args.drift_from):
                f.write(",".join(row) + "\n")


if __name__ == "__main__":
    main()
