#!/usr/bin/env python3
"""Writes a seeded week of daily customer snapshots for the Trestle insights example.

data/events.db     SQLite database with one table, `events`: one row per active customer
                   per day (`day` is TEXT YYYY-MM-DD) from 2026-11-24, with the columns
                   the churn example's model reads plus the segment columns `country`
                   and `plan`.
data/reference.csv the same columns for the day before (2026-11-23, without `day`): the
                   data the monitors compare against (run.sh profiles it).

The customer base changes during the week as it would: every day a few customers leave
(the likelier to churn, the likelier to leave) and a few sign up; support calls move;
a few customers change plan; about 2 % of the rows lack total_charges (the pipeline
imputes them). From --outage-day on, an outage in one country (--outage-country) makes
its fiber customers call support more, which the segment table shows as rising scores.

--postgres CONNINFO also loads the same rows into PostgreSQL (table `events`, replaced)
through `psql` and `\\copy` from a CSV file, so that the Postgres variant of the pipeline
reads the same data.

Standard library only; the same arguments give the same rows.
"""
import argparse
import csv
import datetime
import math
import os
import random
import sqlite3
import subprocess

COUNTRIES = [("US", 0.35), ("GB", 0.20), ("DE", 0.20), ("FR", 0.15), ("ES", 0.10)]
PLANS = [("basic", 0.40), ("standard", 0.35), ("premium", 0.25)]
CONTRACTS = [("month-to-month", 0.55), ("one-year", 0.25), ("two-year", 0.20)]
PAYMENTS = [("electronic_check", 0.34), ("mailed_check", 0.22), ("bank_transfer", 0.22), ("credit_card", 0.22)]
# The plan decides the internet service mostly: premium customers have fiber.
INTERNET_BY_PLAN = {
    "basic": [("dsl", 0.45), ("fiber", 0.15), ("none", 0.40)],
    "standard": [("dsl", 0.45), ("fiber", 0.45), ("none", 0.10)],
    "premium": [("dsl", 0.10), ("fiber", 0.90), ("none", 0.00)],
}
PLAN_CHARGE = {"basic": -8.0, "standard": 0.0, "premium": 15.0}
FIRST_DAY = datetime.date(2026, 11, 24)

COLUMNS = [("day", "TEXT NOT NULL", "date NOT NULL"),
           ("customer_id", "TEXT NOT NULL", "text NOT NULL"),
           ("country", "TEXT NOT NULL", "text NOT NULL"),
           ("plan", "TEXT NOT NULL", "text NOT NULL"),
           ("tenure_months", "INTEGER", "bigint"),
           ("monthly_charges", "REAL", "double precision"),
           ("total_charges", "REAL", "double precision"),
           ("contract", "TEXT", "text"),
           ("payment_method", "TEXT", "text"),
           ("internet_service", "TEXT", "text"),
           ("support_calls", "INTEGER", "bigint"),
           ("senior", "BOOLEAN", "boolean")]


def pick(rng, choices):
    x, acc = rng.random(), 0.0
    for value, p in choices:
        acc += p
        if x < acc:
            return value
    return choices[-1][0]


def new_customer(rng, n, tenure=None):
    plan = pick(rng, PLANS)
    contract = pick(rng, CONTRACTS)
    internet = pick(rng, INTERNET_BY_PLAN[plan])
    if tenure is None:
        tenure = min(72, int(rng.expovariate(1 / 24.0)) + (0 if contract == "month-to-month" else 6))
    base = {"dsl": 45.0, "fiber": 80.0, "none": 20.0}[internet]
    monthly = round(max(18.0, rng.gauss(base + PLAN_CHARGE[plan], 10.0)), 2)
    return {
        "customer_id": "C%07d" % n,
        "country": pick(rng, COUNTRIES),
        "plan": plan,
        "tenure_months": tenure,
        "monthly_charges": monthly,
        "total_charges": round(monthly * max(tenure, 1) * rng.uniform(0.95, 1.05), 2),
        "contract": contract,
        "payment_method": pick(rng, PAYMENTS),
        "internet_service": internet,
        "support_calls": min(10, int(rng.expovariate(1 / 1.5))),
        "senior": rng.random() < 0.16,
    }


def leave_probability(c):
    """Daily chance to leave: a steep function of how likely the customer is to churn."""
    z = (-1.2 + {"month-to-month": 1.3, "one-year": -0.2, "two-year": -1.4}[c["contract"]]
         + {"fiber": 0.7, "dsl": 0.0, "none": -0.6}[c["internet_service"]]
         + (0.5 if c["payment_method"] == "electronic_check" else 0.0)
         - 0.045 * c["tenure_months"] + 0.28 * c["support_calls"])
    return 0.01 / (1 + math.exp(-z))


def simulate(args):
    """Yields (day, customer) for every active customer of every day, in id order, from
    the reference day (the day before FIRST_DAY) on."""
    rng = random.Random(args.seed)
    customers = {}
    next_id = 1000000
    for _ in range(args.customers):
        c = new_customer(rng, next_id)
        customers[c["customer_id"]] = c
        next_id += 1
    for d in range(-1, args.days):
        day = FIRST_DAY + datetime.timedelta(days=d)
        if d > -1:
            for cid in [cid for cid, c in customers.items() if rng.random() < leave_probability(c)]:
                del customers[cid]
            for _ in range(int(rng.gauss(args.customers * 0.004, 3)) if args.customers >= 100 else 0):
                c = new_customer(rng, next_id, tenure=0)
                customers[c["customer_id"]] = c
                next_id += 1
        outage = args.outage_day is not None and d >= args.outage_day
        for c in customers.values():
            # Support calls are a trailing count: a call now and then comes in and older
            # ones age out (each with the same chance, so the count hovers around 1).
            r = rng.random()
            if outage and c["country"] == args.outage_country and c["internet_service"] == "fiber" and r < 0.6:
                c["support_calls"] = min(10, c["support_calls"] + 1)
            elif r < 0.05:
                c["support_calls"] = min(10, c["support_calls"] + 1)
            elif r < 0.05 + 0.05 * c["support_calls"]:
                c["support_calls"] -= 1
            if rng.random() < 0.002:  # a plan change moves the monthly charges
                c["plan"] = pick(rng, PLANS)
                c["monthly_charges"] = round(max(18.0, c["monthly_charges"] + PLAN_CHARGE[c["plan"]]), 2)
            c["total_charges"] = round(c["total_charges"] + c["monthly_charges"] / 30.0, 2)
        for cid in sorted(customers):
            row = dict(customers[cid])
            if rng.random() < 0.02:
                row["total_charges"] = None  # missing in the export: impute fills it
            yield day.isoformat(), row


def csv_value(v):
    if v is None:
        return ""
    if v is True or v is False:
        return "true" if v else "false"
    return v


def write_reference(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([n for n, _, _ in COLUMNS[1:]])
        for r in rows:
            w.writerow([csv_value(r[n]) for n, _, _ in COLUMNS[1:]])


def write_sqlite(path, rows):
    tmp = path + ".tmp"
    if os.path.exists(tmp):
        os.remove(tmp)
    db = sqlite3.connect(tmp)
    db.execute("CREATE TABLE events (%s, PRIMARY KEY (day, customer_id))" %
               ", ".join("%s %s" % (name, sqlite_type) for name, sqlite_type, _ in COLUMNS))
    db.executemany("INSERT INTO events VALUES (%s)" % ", ".join("?" * len(COLUMNS)),
                   ([day] + [int(r[n]) if n == "senior" else r[n] for n, _, _ in COLUMNS[1:]] for day, r in rows))
    db.commit()
    db.close()
    os.replace(tmp, path)


def load_postgres(conninfo, rows, csv_path):
    with open(csv_path, "w", newline="") as f:
        w = csv.writer(f)
        for day, r in rows:
            w.writerow([day] + [csv_value(r[n]) for n, _, _ in COLUMNS[1:]])
    ddl = ("DROP TABLE IF EXISTS events;\n"
           "CREATE TABLE events (%s, PRIMARY KEY (day, customer_id));\n" %
           ", ".join("%s %s" % (name, pg_type) for name, _, pg_type in COLUMNS))
    script = ddl + "\\copy events FROM '%s' WITH (FORMAT csv)\n" % csv_path.replace("'", "''")
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-d", conninfo, "-f", "-"],
                   input=script, text=True, check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=4000, help="customers on the first day")
    ap.add_argument("--days", type=int, default=7, help="days from 2026-11-24")
    ap.add_argument("--outage-day", type=int, default=3, help="first day (0-based) of the outage")
    ap.add_argument("--outage-country", default="FR")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", default="data")
    ap.add_argument("--postgres", metavar="CONNINFO", help="also load the rows into this PostgreSQL database")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rows = list(simulate(args))
    reference_day = (FIRST_DAY - datetime.timedelta(days=1)).isoformat()
    write_reference(os.path.join(args.out, "reference.csv"), [r for day, r in rows if day == reference_day])
    rows = [(day, r) for day, r in rows if day != reference_day]
    write_sqlite(os.path.join(args.out, "events.db"), rows)
    print("wrote %d rows (%d days) to %s" % (len(rows), args.days, os.path.join(args.out, "events.db")))
    if args.postgres:
        load_postgres(args.postgres, rows, os.path.join(os.path.abspath(args.out), "events.csv"))
        print("loaded %d rows into PostgreSQL table events" % len(rows))


if __name__ == "__main__":
    main()
