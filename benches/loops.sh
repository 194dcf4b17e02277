#!/usr/bin/env bash
# Interpreter overhead beside python3: recursive fib(25) and a 1e6-step while loop.
# Times the computation only (physl --time excludes parsing/compiling; Python's
# time.perf_counter around the call). One run each, interleaved; prints ratios.
#   benches/loops.sh [path/to/physl]
set -euo pipefail
cd "$(dirname "$0")/.."
physl=${1:-target/release/physl}
[ -x "$physl" ] || cargo build --release
runs=${RUNS:-3}

physl_time() { "$physl" --time -c "$1" 2>&1 >/dev/null | sed -n 's/^Elapsed time: \([0-9.e-]*\) \[s\]$/\1/p'; }
py_time() { python3 -c "
import time, sys
sys.setrecursionlimit(100000)
$1
t = time.perf_counter(); run(); print(time.perf_counter() - t)"; }

fib_physl='define(fib, n, if(n < 2, n, fib(n - 1) + fib(n - 2))) fib(25)'
fib_py='
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
def run(): fib(25)'
loop_physl='define(i, 0) while(i < 1000000, store(i, i + 1)) i'
loop_py='
def run():
    i = 0
    while i < 1000000:
        i = i + 1'

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for name in fib loop; do
  p=$(for _ in $(seq "$runs"); do eval "physl_time \"\$${name}_physl\""; done | median)
  q=$(for _ in $(seq "$runs"); do eval "py_time \"\$${name}_py\""; done | median)
  awk -v n="$name" -v p="$p" -v q="$q" 'BEGIN { printf "%-6s physl %8.4f s   python3 %8.4f s   ratio %.2f\n", n, p, q, p / q }'
done
