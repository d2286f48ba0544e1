#!/usr/bin/env python3
"""Prints the insights example's tables, from SQLite (out/scores.db, out/insights.db) or,
with --postgres CONNINFO, from PostgreSQL (through psql).

  show.py counts DATE    rows of each table, in all and for DATE, with a digest of
                         DATE's rows (equal digests: equal rows)
  show.py segments DATE  segment_insights for DATE, aligned
  show.py trend          mean churn score per country and day (from customer_scores)

Standard library only.
"""
import argparse
import csv
import hashlib
import io
import sqlite3
import subprocess


class Tables:
    def __init__(self, postgres, out):
        self.postgres = postgres
        if not postgres:
            self.db = sqlite3.connect("file:%s/insights.db?mode=ro" % out, uri=True)
            self.db.execute("ATTACH DATABASE ? AS scores", ("file:%s/scores.db?mode=ro" % out,))

    def query(self, sql, *params):
        """Rows as tuples of text (so that both databases print alike)."""
        if not self.postgres:
            return [tuple("" if v is None else repr(v) if isinstance(v, float) else str(v) for v in row)
                    for row in self.db.execute(sql.replace("$1", "?1"), params)]
        # psql has no bind parameters on the command line: DATE is checked before it
        # gets here and set as a psql variable, which :'d' quotes as a literal.
        cmd = ["psql", "-X", "-q", "--csv", "-t", "-v", "ON_ERROR_STOP=1", "-d", self.postgres]
        for i, p in enumerate(params, 1):
            cmd += ["-v", "p%d=%s" % (i, p)]
            sql = sql.replace("$%d" % i, ":'p%d'" % i)
        out = subprocess.run(cmd, input=sql, text=True, capture_output=True, check=True).stdout
        return [tuple(r) for r in csv.reader(io.StringIO(out))]


def check_date(d):
    import datetime
    datetime.date.fromisoformat(d)
    return d


def print_table(header, rows, right):
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    fmt = lambda r: "  ".join(v.rjust(w) if i in right else v.ljust(w) for i, (v, w) in enumerate(zip(r, widths)))
    print(fmt(header).rstrip())
    for r in rows:
        print(fmt(r).rstrip())


def counts(t, date):
    for table in ("customer_scores", "segment_insights"):
        total = t.query("SELECT count(*) FROM %s" % table)[0][0]
        rows = t.query("SELECT * FROM %s WHERE day = $1" % table, date)
        digest = hashlib.sha256("\n".join(sorted("|".join(r) for r in rows)).encode()).hexdigest()[:16]
        print("%-17s %6s rows; %5d for %s (digest %s)" % (table + ":", total, len(rows), date, digest))


def segments(t, date):
    rows = t.query("SELECT country, plan, customers, mean_score, p90_score, high_risk_share "
                   "FROM segment_insights WHERE day = $1 ORDER BY country, plan", date)
    rows = [(c, p, n, "%.3f" % float(m), "%.3f" % float(q), "%.1f %%" % (100 * float(s))) for c, p, n, m, q, s in rows]
    print("segment_insights for %s (%d segments)" % (date, len(rows)))
    print_table(("country", "plan", "customers", "mean_score", "p90_score", "high_risk"), rows, {2, 3, 4, 5})


def trend(t):
    rows = t.query("SELECT country, day, avg(churn_probability) FROM customer_scores GROUP BY country, day "
                   "ORDER BY country, day")
    days = sorted({d for _, d, _ in rows})
    by = {}
    for c, d, m in rows:
        by.setdefault(c, {})[d] = "%.3f" % float(m)
    print("mean churn score per country and day (customer_scores)")
    print_table(["country"] + [d[5:] for d in days], [[c] + [by[c].get(d, "") for d in days] for c in sorted(by)],
                set(range(1, len(days) + 1)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["counts", "segments", "trend"])
    ap.add_argument("date", nargs="?", type=check_date)
    ap.add_argument("--postgres", metavar="CONNINFO")
    ap.add_argument("--out", default="out", help="directory of the SQLite files")
    args = ap.parse_args()
    if args.what != "trend" and not args.date:
        ap.error("%s needs a DATE" % args.what)
    t = Tables(args.postgres, args.out)
    if args.what == "counts":
        counts(t, args.date)
    elif args.what == "segments":
        segments(t, args.date)
    else:
        trend(t)


if __name__ == "__main__":
    main()
