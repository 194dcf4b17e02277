#!/usr/bin/env bash
# Cost of the profiling hook with recording off: alternates two builds (BASE without the hook,
# HOOK with it) on lra 750 steps, fib(25) and a 1e6-step loop; prints medians and ratios.
#   BASE=/path/to/old/physl HOOK=target/release/physl N=15 benches/profile_overhead.sh
cd "$(dirname "$0")/.."
export OUT=${TMPDIR:-/tmp}/profile_overhead.txt
B=${BASE:?set BASE to a physl built without the hook}; H=${HOOK:-target/release/physl}; N=${N:-9}
t() { "$@" 2>&1 >/dev/null | sed -n 's/^Elapsed time: \([0-9.e-]*\) \[s\]$/\1/p'; }
lra=(--time examples/lra.physl examples/data/breast_cancer.csv 0 569 0 30 30 1e-5 750 0)
fib=(--time -c 'define(fib, n, if(n < 2, n, fib(n - 1) + fib(n - 2))) fib(25)')
loop=(--time -c 'define(i, 0) while(i < 1000000, store(i, i + 1)) i')
for w in lra fib loop; do
  eval "args=(\"\${${w}[@]}\")"
  for i in $(seq $N); do echo "$w base $(t $B "${args[@]}")"; echo "$w hook $(t $H "${args[@]}")"; done
done > "$OUT"
cat /proc/loadavg
python3 - <<'PY'
import collections,statistics
d=collections.defaultdict(list)
for l in open(__import__('os').environ['OUT']):
    w,b,v=l.split(); d[(w,b)].append(float(v))
for w in ['lra','fib','loop']:
    b=statistics.median(d[(w,'base')]); h=statistics.median(d[(w,'hook')])
    print(f"{w:5} base {b*1e3:8.2f} ms  hook(off) {h*1e3:8.2f} ms  ratio {h/b:.3f}  (n={len(d[(w,'base')])}, base min {min(d[(w,'base')])*1e3:.2f} hook min {min(d[(w,'hook')])*1e3:.2f})")
PY
