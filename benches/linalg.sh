#!/usr/bin/env bash
# GEMM (n = 500, 1000, 2000) and GEMV (n = 10000) in physl — the default (faer) binary and the
# `openblas` feature binary — beside NumPy, on the same data, in one interleaved run.
#
#   benches/linalg.sh                   # builds what is missing, 3 rounds
#   ROUNDS=5 REPEAT=7 benches/linalg.sh
#   SIZES="gemm:500 gemv:4000" benches/linalg.sh
#
# Data: the SplitMix64 `symmetric(seed, i)` stream of ../shared/bench/README.md, made once by
# numpy_ref.py's own generator and handed to physl as .npy files (file_read_npy); A = seed 1,
# B / x = seed 2, row-major. Timing covers the product only: physl's `timer` special form around
# `dot(A, B)`, NumPy's time.perf_counter around `A @ B` (numpy_ref.py). Each process does one
# warm-up and REPEAT timed calls; the configurations run round-robin for ROUNDS rounds and each
# cell is the median of all its timed calls. The checksum (sum of the result) of every physl run
# is checked against NumPy's with rtol 1e-9.
#
# Needs: python3 with numpy; ../shared/bench/numpy_ref.py (or NUMPY_REF=path); libopenblas-dev
# for the openblas binary (skipped with a note if it cannot be built). The .npy files (800 MB
# for GEMV) go to BENCH_DIR (default target/bench-linalg) and are removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
numpy_ref=${NUMPY_REF:-../shared/bench/numpy_ref.py}
[ -f "$numpy_ref" ] || { echo "numpy_ref.py not found at $numpy_ref (set NUMPY_REF)" >&2; exit 1; }
faer_bin=target/release/physl
blas_bin=target-openblas/release/physl
[ -x "$faer_bin" ] || cargo build --release
if [ ! -x "$blas_bin" ]; then
  CARGO_TARGET_DIR=target-openblas cargo build --release --features openblas ||
    echo "note: the openblas binary did not build (apt-get install libopenblas-dev); its column is skipped" >&2
fi
export FAER_BIN=$faer_bin BLAS_BIN=$blas_bin NUMPY_REF=$numpy_ref
export BENCH_DIR=${BENCH_DIR:-target/bench-linalg} ROUNDS=${ROUNDS:-3} REPEAT=${REPEAT:-5}
export SIZES=${SIZES:-gemm:500 gemm:1000 gemm:2000 gemv:10000}

exec python3 - <<'EOF'
import importlib.util, json, os, random, shutil, statistics, subprocess, sys

ref = os.environ["NUMPY_REF"]
spec = importlib.util.spec_from_file_location("numpy_ref", ref)
nr = importlib.util.module_from_spec(spec)
spec.loader.exec_module(nr)
import numpy as np
nr.np = np  # numpy_ref imports numpy lazily in main()

out_dir = os.environ["BENCH_DIR"]
rounds, repeat = int(os.environ["ROUNDS"]), int(os.environ["REPEAT"])
cases = [(w, int(n)) for w, n in (s.split(":") for s in os.environ["SIZES"].split())]
bins = {"faer": os.environ["FAER_BIN"], "openblas": os.environ["BLAS_BIN"]}
bins = {k: v for k, v in bins.items() if os.access(v, os.X_OK)}
os.makedirs(out_dir, exist_ok=True)

def write_inputs(w, n):
    d = os.path.join(out_dir, f"{w}-{n}")
    os.makedirs(d, exist_ok=True)
    np.save(os.path.join(d, "a.npy"), nr.symmetric(nr.SEED_A, n * n).reshape(n, n))
    b = nr.symmetric(nr.SEED_B, n * n).reshape(n, n) if w == "gemm" else nr.symmetric(nr.SEED_B, n)
    np.save(os.path.join(d, "b.npy"), b)
    return d

def run_physl(binary, d):
    timed = "\n".join("timer(store(c, dot(a, b)), lambda(t, cout(t)))" for _ in range(repeat))
    src = (f'define(a, file_read_npy("{d}/a.npy"))\ndefine(b, file_read_npy("{d}/b.npy"))\n'
           f"define(c, dot(a, b))\n{timed}\nsum(c)\n")
    p = subprocess.run([binary, "-p", "--print-format", "json", "-c", src],
                       capture_output=True, text=True, check=True)
    lines = p.stdout.split("\n")
    times = [float(x) for x in lines[:repeat]]
    return times, json.loads(lines[repeat])["data"][0]

def run_numpy(w, n):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    p = subprocess.run([sys.executable, ref, "--repeat", str(repeat), "--warmup", "1", w, "--n", str(n)],
                       capture_output=True, text=True, check=True, env=env)
    r = json.loads(p.stdout.strip().splitlines()[-1])
    return r["runs"], r["checksum"]

load0 = os.getloadavg()[0]
runs = {}     # (case, config) -> [seconds]
sums = {}     # (case, config) -> checksum
bad = []
try:
    for case in cases:
        d = write_inputs(*case)
        configs = ["numpy"] + list(bins)
        for r in range(rounds):
            random.shuffle(configs)
            for cfg in configs:
                t, s = run_numpy(*case) if cfg == "numpy" else run_physl(bins[cfg], d)
                runs.setdefault((case, cfg), []).extend(t)
                sums.setdefault((case, cfg), s)
                ref_sum = sums.get((case, "numpy"))
                if ref_sum is not None and abs(s - ref_sum) > 1e-9 * abs(ref_sum):
                    bad.append(f"{case} {cfg}: checksum {s!r} != NumPy {ref_sum!r}")
        for cfg in bins:  # physl runs done before NumPy's first run
            s, ref_sum = sums[(case, cfg)], sums[(case, "numpy")]
            if abs(s - ref_sum) > 1e-9 * abs(ref_sum):
                bad.append(f"{case} {cfg}: checksum {s!r} != NumPy {ref_sum!r}")
        shutil.rmtree(d)
finally:
    shutil.rmtree(out_dir, ignore_errors=True)

def rate(w, n, t):
    return (2 * n**3 / t / 1e9, "GFLOP/s") if w == "gemm" else (8 * n * n / t / 1e9, "GB/s")

hdr = ["kernel", "n", "NumPy"] + [f"physl {c}" for c in bins] + [f"{c} / NumPy" for c in bins]
print(f"{rounds} rounds x {repeat} timed calls per process; cells: median ms (GFLOP/s for GEMM, "
      "GB/s of the matrix for GEMV); ratio = physl rate / NumPy rate")
print("| " + " | ".join(hdr) + " |")
print("|" + "|".join(["---"] * 2 + ["---:"] * (len(hdr) - 2)) + "|")
for (w, n) in cases:
    med = {c: statistics.median(runs[((w, n), c)]) for c in ["numpy"] + list(bins)}
    cell = lambda c: f"{med[c] * 1e3:.2f} ({rate(w, n, med[c])[0]:.1f})"
    ratio = [f"{rate(w, n, med[c])[0] / rate(w, n, med['numpy'])[0]:.2f}" for c in bins]
    print("| " + " | ".join([w.upper(), str(n), cell("numpy")] + [cell(c) for c in bins] + ratio) + " |")
print(f"load average (1 min) at start {load0:.2f}, at end {os.getloadavg()[0]:.2f} "
      f"({os.cpu_count()} CPUs; above ~0.3 other jobs shared the machine)")
print("checksums: " + ("all within rtol 1e-9 of NumPy's" if not bad else "MISMATCH"))
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
EOF
