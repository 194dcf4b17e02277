#!/usr/bin/env python3
"""Side-by-side timing of the fused elementwise workloads: physl vs NumPy in one run.

Writes the exact NumPy inputs of ../shared/bench (sigmoid: x = 8*symmetric(1); axpy-fused:
a, b, c = symmetric(1), (2), (3)) to .npy files, loads them in physl, times only the
computation (`timer`, median of 7 after a warm-up) and alternates physl and NumPy ROUNDS
times. Prints per-round ratios, their median, the load average and the checksums (sum of
the result; rtol 1e-9 against NumPy).

usage: benches/fusion.py [--physl target/release/physl] [--n 10000000] [--rounds 5]
       [--bench ../shared/bench] [--workloads sigmoid,axpy-fused]
Thread counts: run it with RAYON_NUM_THREADS=1 or 2 (physl); NumPy's elementwise code is
single-threaded.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

ap = argparse.ArgumentParser()
ap.add_argument("--physl", default="target/release/physl")
ap.add_argument("--n", type=int, default=10_000_000)
ap.add_argument("--rounds", type=int, default=5)
ap.add_argument("--bench", default=os.path.join(os.path.dirname(__file__), "../../shared/bench"))
ap.add_argument("--workloads", default="sigmoid,axpy-fused")
args = ap.parse_args()
sys.path.insert(0, os.path.abspath(args.bench))
import numpy as np
import numpy_ref as ref
ref.np = np

tmp = tempfile.mkdtemp(prefix="physl-fusion-")
n = args.n
x = ref.symmetric(1, n); x *= 8.0
a, b, c = ref.symmetric(1, n), ref.symmetric(2, n), ref.symmetric(3, n)
for name, arr in [("x", x), ("a", a), ("b", b), ("c", c)]:
    np.save(os.path.join(tmp, name + ".npy"), arr)

EXPR = {"sigmoid": ("1.0 / (1.0 + exp(-x))", ["x"]), "axpy-fused": ("a * b + c", ["a", "b", "c"])}
NUMPY = {"sigmoid": lambda: 1.0 / (1.0 + np.exp(-x)), "axpy-fused": lambda: a * b + c}

def physl_script(w):
    expr, names = EXPR[w]
    defs = "\n".join(f'define({v}, file_read_npy("{tmp}/{v}.npy"))' for v in names)
    return f"""{defs}
define(ts, list())
define(r, 0)
define(i, 0)
while(i < 8, block(
  store(r, timer({expr}, lambda(t, store(ts, ts + list(t))))),
  store(i, i + 1)))
cout(ts)
cout(format("{{:.17g}}", sum(r)))
"""

def run_physl(w):
    path = os.path.join(tmp, w + ".physl")
    open(path, "w").write(physl_script(w))
    out = subprocess.run([args.physl, path], capture_output=True, text=True, check=True).stdout
    lines = out.strip().splitlines()
    ts = [float(t) for t in lines[0].strip()[5:-1].split(",")][1:]  # drop the warm-up
    return statistics.median(ts), float(lines[1])

def run_numpy(w):
    f = NUMPY[w]
    r = f()
    ts = []
    for _ in range(7):
        t0 = time.perf_counter(); r = f(); ts.append(time.perf_counter() - t0)
    return statistics.median(ts), float(r.sum())

for w in args.workloads.split(","):
    ratios = []
    for k in range(args.rounds):
        tp, cp = run_physl(w)
        tn, cn = run_numpy(w)
        ratios.append(tp / tn)
        print(f"{w} round {k}: physl {tp*1e3:.2f} ms  numpy {tn*1e3:.2f} ms  ratio {tp/tn:.3f}  "
              f"load {open('/proc/loadavg').read().split()[0]}", flush=True)
    rel = abs(cp - cn) / abs(cn)
    print(json.dumps({"workload": w, "n": n, "threads": os.environ.get("RAYON_NUM_THREADS", "default"),
                      "median_ratio": statistics.median(ratios), "ratios": ratios,
                      "checksum_physl": cp, "checksum_numpy": cn, "rel_diff": rel,
                      "within_rtol_1e-9": rel <= 1e-9}), flush=True)
