#!/usr/bin/env bash
# Interpreter overhead beside python3: recursive fib(25) and a 1e6-step while loop, timing the
# computation only (physl's timer special form; time.perf_counter in Python). Now a section of
# benches/compare.py, which runs it with the NumPy workloads; this runs the loops alone.
#   benches/loops.sh [--physl path/to/physl] [--loop-runs N]
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 benches/compare.py --only loops "$@"
