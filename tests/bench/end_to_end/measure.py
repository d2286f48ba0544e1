#!/usr/bin/python3
"""Runs a command and writes what GNU time's -f '%e %M %U %S' would: wall seconds, peak
RSS in KiB, user and system CPU seconds, on one line of OUT_FILE. run.sh uses it where
/usr/bin/time is not GNU time. Exits with the command's status.

    measure.py OUT_FILE COMMAND [ARGS...]
"""

import os
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: measure.py OUT_FILE COMMAND [ARGS...]")
    start = time.perf_counter()
    child = subprocess.Popen(sys.argv[2:])
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    with open(sys.argv[1], "w") as f:
        # ru_maxrss is in KiB on Linux.
        f.write("%.3f %d %.2f %.2f\n" % (wall, usage.ru_maxrss, usage.ru_utime, usage.ru_stime))
    code = child.returncode
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
