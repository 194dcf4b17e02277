#!/usr/bin/env python3
"""physl beside NumPy on the workloads of ../shared/bench/numpy_ref.py, in one interleaved run.

    benches/compare.py                      # everything, 3 rounds
    benches/compare.py --rounds 5
    benches/compare.py --only lra,kmeans    # workloads whose name starts with one of these
    benches/compare.py --skip threads,loops # leave out sections: threads, loops, numexpr
    benches/compare.py --quick              # small sizes (a smoke test of the harness)

Each physl workload is benches/workloads/NAME.physl behind benches/workloads/bench.physl (the
timing helper), run as `cat bench.physl NAME.physl | physl - ARGS`: it makes its inputs with
the splitmix64 primitive (bit-identical to numpy_ref.py's generator), times only the
computation with the `timer` special form, and prints numpy_ref.py's JSON line. For every case
the configurations (NumPy, physl, and numexpr for the elementwise ones) run in a freshly
shuffled order in each of ROUNDS rounds, each process doing its warm-up and REPEAT timed
calls; a cell is the median of all timed calls of its configuration. Every physl checksum is
checked against NumPy's with the tolerance of ../shared/bench/README.md; the script exits 1
on a mismatch.

Thread counts: `--threads N` is given to physl when its --help lists it, otherwise
RAYON_NUM_THREADS=N is set; NumPy gets numpy_ref.py's --threads N. The main table uses the
defaults (both use every core); the threads section runs GEMM, sigmoid and lra 100k at 1 and 2.

Loops: recursive fib(25) and a 1e6-step while loop beside python3, timing the computation
only (physl's timer around the call; time.perf_counter in Python), RUNS processes each.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKLOADS = os.path.join(ROOT, "benches", "workloads")

# (label, numpy_ref workload, numpy_ref options, physl argv, tolerance, numexpr expression)
# tolerance: ("rtol", x) or ("loose", x) (|Δ| <= x * |NumPy|, for the chaotic 750-step run)
def cases(quick, csv):
    n_big = 1_000_000 if quick else 10_000_000
    g = 300 if quick else 1000
    gv = 2000 if quick else 10000
    lra_big = 10000 if quick else 100000
    km = 10000 if quick else 100000
    return [
        ("gemm", "gemm", {"n": g}, [g], ("rtol", 1e-9), None),
        ("gemv", "gemv", {"n": gv}, [gv], ("rtol", 1e-9), None),
        ("axpy-fused", "axpy-fused", {"n": n_big}, [n_big], ("rtol", 1e-9), "a * b + c"),
        ("sigmoid", "sigmoid", {"n": n_big}, [n_big], ("rtol", 1e-9), "1 / (1 + exp(-x))"),
        ("sum-reduce", "sum-reduce", {"n": n_big}, [n_big], ("rtol", 1e-9), None),
        ("lra 569x30", "lra", {"n": 569, "d": 30, "iterations": 750, "alpha": 1e-5},
         [569, 30, 750, 1e-5], ("rtol", 1e-12), None),
        (f"lra {lra_big}x30", "lra", {"n": lra_big, "d": 30, "iterations": 100, "alpha": 1e-5},
         [lra_big, 30, 100, 1e-5], ("rtol", 1e-12), None),
        (f"lra {lra_big}x100", "lra", {"n": lra_big, "d": 100, "iterations": 100, "alpha": 1e-5},
         [lra_big, 100, 100, 1e-5], ("rtol", 1e-12), None),
        ("lra-breast-cancer 100", "lra-breast-cancer", {"iterations": 100, "alpha": 1e-5, "csv": csv},
         [csv, 100, 1e-5], ("rtol", 1e-8), None),
        ("lra-breast-cancer 750", "lra-breast-cancer", {"iterations": 750, "alpha": 1e-5, "csv": csv},
         [csv, 750, 1e-5], ("loose", 0.05), None),
        ("kmeans 250", "kmeans", {"n": 250, "k": 3, "iterations": 2}, [250, 3, 2], ("rtol", 1e-12), None),
        (f"kmeans {km}", "kmeans", {"n": km, "k": 8, "iterations": 10}, [km, 8, 10], ("rtol", 1e-12), None),
        ("als 10x5", "als", {}, [10, 5, 3, 5, 0.1, 40.0, 0.0], ("rtol", 1e-8), None),
        ("als 200x100", "als", {"users": 200, "items": 100, "factors": 10, "density": 0.05},
         [200, 100, 10, 5, 0.1, 40.0, 0.05], ("rtol", 1e-8), None),
    ]


THREAD_CASES = ("gemm", "sigmoid", "lra 100000x30", "lra 10000x30")  # label prefixes run at 1 and 2 threads


def numpy_env():
    return {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}


def last_json(text):
    return json.loads(text.strip().splitlines()[-1])


class Runner:
    def __init__(self, a):
        self.a = a
        help_text = subprocess.run([a.physl, "--help"], capture_output=True, text=True).stdout
        self.physl_has_threads = "--threads" in help_text
        with open(os.path.join(WORKLOADS, "bench.physl")) as f:
            self.helper = f.read()

    def physl(self, workload, argv, threads=None):
        with open(os.path.join(WORKLOADS, workload + ".physl")) as f:
            src = self.helper + "\n" + f.read()
        cmd = [self.a.physl]
        env = dict(os.environ)
        if threads is not None:
            if self.physl_has_threads:
                cmd += ["--threads", str(threads)]
            else:
                env["RAYON_NUM_THREADS"] = str(threads)
        cmd += ["-"] + [repr(x) if isinstance(x, float) else str(x) for x in argv]
        cmd += [str(self.a.repeat), str(self.a.warmup)]
        p = subprocess.run(cmd, input=src, capture_output=True, text=True, env=env)
        if p.returncode != 0:
            raise SystemExit(f"physl failed on {workload} {argv}:\n{p.stderr}")
        return last_json(p.stdout)

    def numpy(self, workload, opts, threads=None):
        cmd = [sys.executable, self.a.numpy_ref]
        if threads is not None:
            cmd += ["--threads", str(threads)]
        cmd += ["--repeat", str(self.a.repeat), "--warmup", str(self.a.warmup), workload]
        for k, v in opts.items():
            cmd += ["--" + k, str(v)]
        p = subprocess.run(cmd, capture_output=True, text=True, env=numpy_env())
        if p.returncode != 0:
            raise SystemExit(f"numpy_ref.py failed on {workload} {opts}:\n{p.stderr}")
        return last_json(p.stdout)

    def numexpr(self, workload, opts, expr):
        """numexpr on numpy_ref.py's own data (its default threads: every core)."""
        code = f"""
import importlib.util, json, statistics, time, sys
spec = importlib.util.spec_from_file_location("nr", {self.a.numpy_ref!r})
nr = importlib.util.module_from_spec(spec); spec.loader.exec_module(nr)
import numpy as np, numexpr as ne
nr.np = np
n = {opts['n']}
if {workload!r} == "axpy-fused":
    env = dict(a=nr.symmetric(1, n), b=nr.symmetric(2, n), c=nr.symmetric(3, n))
else:
    x = nr.symmetric(1, n); x *= 8.0; env = dict(x=x)
for _ in range({self.a.warmup}):
    r = ne.evaluate({expr!r}, local_dict=env)
runs = []
for _ in range({self.a.repeat}):
    t = time.perf_counter(); r = ne.evaluate({expr!r}, local_dict=env); runs.append(time.perf_counter() - t)
print(json.dumps({{"median_s": statistics.median(runs), "runs": runs, "checksum": float(r.sum())}}))
"""
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=numpy_env())
        if p.returncode != 0:
            return None
        return last_json(p.stdout)


def check(tol, got, ref):
    kind, x = tol
    return abs(got - ref) <= x * abs(ref)


def fmt_s(t):
    if t is None:
        return "-"
    return f"{t * 1e3:.3g} ms" if t < 1 else f"{t:.3g} s"


def run_section(runner, a, section_cases, thread_counts):
    """Interleaved rounds over every (case, config); returns {(label, config): [runs]} and sums."""
    runs, sums, bad = {}, {}, []
    for label, w, opts, argv, tol, expr in section_cases:
        configs = []
        for t in thread_counts:
            configs += [("numpy", t), ("physl", t)]
            if expr and t is None and "numexpr" not in a.skip and runner.numexpr_ok:
                configs.append(("numexpr", t))
        for _ in range(a.rounds):
            random.shuffle(configs)
            for cfg in configs:
                kind, t = cfg
                if kind == "numpy":
                    r = runner.numpy(w, opts, t)
                elif kind == "physl":
                    r = runner.physl(w, argv, t)
                else:
                    r = runner.numexpr(w, opts, expr)
                    if r is None:
                        continue
                runs.setdefault((label, cfg), []).extend(r["runs"])
                sums.setdefault((label, cfg), []).append(r["checksum"])
        for t in thread_counts:
            ref = sums[(label, ("numpy", t))][0]
            for kind in ("physl", "numexpr"):
                for s in sums.get((label, (kind, t)), []):
                    if not check(tol, s, ref):
                        bad.append(f"{label} {kind} threads={t}: checksum {s!r} vs NumPy {ref!r} ({tol[0]} {tol[1]})")
        print(f"  done: {label}", file=sys.stderr, flush=True)
    return runs, sums, bad


def median(runs, key):
    r = runs.get(key)
    return statistics.median(r) if r else None


def loops(a):
    prog = {
        "fib(25)": ("define(fib, n, if(n < 2, n, fib(n - 1) + fib(n - 2)))\n"
                    "timer(fib(25), lambda(t, cout(t)))",
                    "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n"
                    "def run(): fib(25)"),
        "while 1e6": ("define(i, 0)\ntimer(while(i < 1000000, store(i, i + 1)), lambda(t, cout(t)))",
                      "def run():\n    i = 0\n    while i < 1000000:\n        i = i + 1"),
    }
    out = []
    for name, (ph, py) in prog.items():
        p_t, q_t = [], []
        for _ in range(a.loop_runs):
            for which in random.sample(["physl", "python"], 2):
                if which == "physl":
                    p = subprocess.run([a.physl, "-c", ph], capture_output=True, text=True, check=True)
                    p_t.append(float(p.stdout.split()[0]))
                else:
                    code = py + "\nimport time\nt = time.perf_counter(); run(); print(time.perf_counter() - t)"
                    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
                    q_t.append(float(p.stdout.split()[0]))
        out.append((name, statistics.median(p_t), statistics.median(q_t)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--physl", default=os.path.join(ROOT, "target", "release", "physl"))
    ap.add_argument("--numpy-ref", default=os.environ.get(
        "NUMPY_REF", os.path.join(ROOT, "..", "shared", "bench", "numpy_ref.py")))
    ap.add_argument("--csv", default=os.path.join(ROOT, "..", "shared", "data", "breast_cancer.csv"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--loop-runs", type=int, default=3)
    ap.add_argument("--only", default="", help="comma-separated label prefixes (or 'loops')")
    ap.add_argument("--skip", default="", help="comma-separated: threads, loops, numexpr")
    ap.add_argument("--quick", action="store_true", help="small sizes")
    a = ap.parse_args()
    a.skip = set(filter(None, a.skip.split(",")))
    only = [s for s in a.only.split(",") if s]
    if not os.access(a.physl, os.X_OK):
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)
    runner = Runner(a)
    try:
        import numexpr  # noqa: F401
        runner.numexpr_ok = True
    except ImportError:
        runner.numexpr_ok = False
        print("note: numexpr is not installed (pip install numexpr); its column is empty", file=sys.stderr)

    sel = [c for c in cases(a.quick, a.csv) if not only or any(c[0].startswith(o) for o in only)]
    load0, t0 = os.getloadavg(), time.time()
    bad = []
    main_runs, main_sums, b = run_section(runner, a, sel, [None])
    bad += b
    th_sel = [c for c in sel if c[0].startswith(THREAD_CASES)] if "threads" not in a.skip else []
    th_runs, _, b = run_section(runner, a, th_sel, [1, 2]) if th_sel else ({}, {}, [])
    bad += b
    want_loops = "loops" not in a.skip and (not only or "loops" in only)
    loop_rows = loops(a) if want_loops else []
    load1 = os.getloadavg()

    print(f"{a.rounds} rounds x {a.repeat} timed calls per process (+{a.warmup} warm-up), "
          f"interleaved; cells: median; ratio = physl time / NumPy time (lower is better)")
    print()
    if sel:
        print("| workload | NumPy | physl | physl / NumPy | numexpr | checksum (physl) | vs NumPy |")
        print("|---|---:|---:|---:|---:|---|---|")
        for label, w, opts, argv, tol, expr in sel:
            n = median(main_runs, (label, ("numpy", None)))
            p = median(main_runs, (label, ("physl", None)))
            x = median(main_runs, (label, ("numexpr", None)))
            s = main_sums[(label, ("physl", None))][0]
            ref = main_sums[(label, ("numpy", None))][0]
            rel = abs(s - ref) / abs(ref) if ref else abs(s)
            ok = "ok" if check(tol, s, ref) else "MISMATCH"
            print(f"| {label} | {fmt_s(n)} | {fmt_s(p)} | {p / n:.2f} | {fmt_s(x)} | {s:.15g} | "
                  f"{ok}, rel {rel:.1e} ({tol[0]} {tol[1]:g}) |")
        print()
    if th_sel:
        print("| workload | NumPy 1 thr | NumPy 2 thr | physl 1 thr | physl 2 thr | ratio 1 thr | ratio 2 thr |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for label, *_ in th_sel:
            m = {(k, t): median(th_runs, (label, (k, t))) for k in ("numpy", "physl") for t in (1, 2)}
            print(f"| {label} | {fmt_s(m['numpy', 1])} | {fmt_s(m['numpy', 2])} | {fmt_s(m['physl', 1])} | "
                  f"{fmt_s(m['physl', 2])} | {m['physl', 1] / m['numpy', 1]:.2f} | {m['physl', 2] / m['numpy', 2]:.2f} |")
        print()
    if loop_rows:
        print("| loop | python3 | physl | physl / python3 |")
        print("|---|---:|---:|---:|")
        for name, p, q in loop_rows:
            print(f"| {name} | {fmt_s(q)} | {fmt_s(p)} | {p / q:.2f} |")
        print()
    print(f"load average (1/5/15 min) at start {load0[0]:.2f}/{load0[1]:.2f}/{load0[2]:.2f}, "
          f"at end {load1[0]:.2f}/{load1[1]:.2f}/{load1[2]:.2f}; {os.cpu_count()} CPUs; "
          f"{time.time() - t0:.0f} s; physl threads via "
          f"{'--threads' if runner.physl_has_threads else 'RAYON_NUM_THREADS'}")
    print("checksums: " + ("all within tolerance of NumPy's" if not bad else "MISMATCH"))
    for x in bad:
        print("  " + x)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
