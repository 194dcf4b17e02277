#!/usr/bin/env python3
"""1 vs 2 threads for the fused (sigmoid) and unfused (x * y) elementwise kernels at 2^12..2^24
elements: the data behind PAR_MIN in src/kernels/fused.rs and src/kernels/elementwise.rs.

    benches/crossover.py PHYSL_BINARY

Below PAR_MIN both thread counts run serially, so build the binary with PAR_MIN lowered (e.g.
1 << 12) to see where a split starts to pay. Cells: median of 3 processes' medians.
"""
import os
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRAM = r"""define(main, n, repeat,
    block(
        define(x, 8.0 * splitmix64(1, n, "symmetric")),
        define(y, splitmix64(2, n, "symmetric")),
        bench("sigmoid", format("{{\"n\": {}}}", n), repeat, 3,
              lambda(1.0 / (1.0 + exp(-x))), lambda(r, sum(r))),
        bench("mul", format("{{\"n\": {}}}", n), repeat, 3,
              lambda(x * y), lambda(r, sum(r)))
    )
)
apply(main, sys_argv)
"""
SCRIPT = "/tmp/physl-crossover.physl"
with open(SCRIPT, "w") as f:
    f.write(open(os.path.join(ROOT, "benches", "workloads", "bench.physl")).read() + PROGRAM)
import json, subprocess, statistics, sys
B = sys.argv[1]
res = {}
for rnd in range(3):
    for k in range(12, 25):
        n = 1 << k
        rep = max(15, min(2000, (1 << 22) // n))
        for t in (1, 2):
            out = subprocess.run([B, "--threads", str(t), SCRIPT, str(n), str(rep)],
                                 capture_output=True, text=True).stdout
            for line in out.splitlines():
                j = json.loads(line)
                res.setdefault((j["workload"], k, t), []).append(j["median_s"])
print("load", open("/proc/loadavg").read().strip())
print("| 2^k | sigmoid 1 thr | sigmoid 2 thr | speed-up | mul 1 thr | mul 2 thr | speed-up |")
for k in range(12, 25):
    row = [f"2^{k}"]
    for w in ("sigmoid", "mul"):
        a = statistics.median(res[(w, k, 1)]); b = statistics.median(res[(w, k, 2)])
        row += [f"{a*1e6:.1f} us", f"{b*1e6:.1f} us", f"{a/b:.2f}"]
    print("| " + " | ".join(row) + " |")
