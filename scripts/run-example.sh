#!/usr/bin/env bash
# The README's first command: installs what Trestle needs (Debian 12), builds it and runs
# the flagship example (examples/churn), printing its run summary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
exec "$root/examples/churn/run.sh"
