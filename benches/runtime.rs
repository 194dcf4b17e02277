//! The runtime's own overheads, through the public embedding API:
//!
//!     cargo bench --bench runtime
//!
//! - `task/inline` vs `task/rayon_join`: two tiny closures run one after the other vs as a
//!   `rayon::join` pair — what the scheduler saves by running small work inline;
//! - `call/embedded`: one `Session::call_global` of a one-line user function;
//! - `call/in_loop`: 1000 user-function calls inside a PhySL while loop (per element);
//! - `loop/step`: 1000 steps of `while(i < n, store(i, i + 1))` (per element).
//!
//! Side-by-side numbers against NumPy and python3 come from benches/compare.py.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use physl::runtime::scalar::without_scalar_tier;
use physl::{Engine, Value};
use std::hint::black_box;

fn tiny(x: u64) -> u64 {
    black_box(x)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(17)
}

fn task_overhead(c: &mut Criterion) {
    let mut g = c.benchmark_group("task");
    g.bench_function("inline", |b| b.iter(|| tiny(1) ^ tiny(2)));
    g.bench_function("rayon_join", |b| {
        b.iter(|| {
            let (x, y) = rayon::join(|| tiny(1), || tiny(2));
            x ^ y
        })
    });
    g.finish();
}

fn calls_and_loops(c: &mut Criterion) {
    let engine = Engine::new();
    let mut session = engine.session();
    session
        .eval("defs", "define(f, x, x + 1)")
        .expect("the definition compiles");
    let mut g = c.benchmark_group("call");
    g.bench_function("embedded", |b| {
        b.iter(|| {
            session
                .call_global("f", vec![Value::Int(black_box(1))])
                .expect("f runs")
        })
    });
    let n = 1000u64;
    let in_loop = engine
        .compile(
            "in_loop",
            &format!("define(g, x, x + 1) define(i, 0) while(i < {n}, store(i, g(i))) i"),
        )
        .expect("compiles");
    g.throughput(Throughput::Elements(n));
    g.bench_with_input(BenchmarkId::new("in_loop", n), &in_loop, |b, p| {
        b.iter(|| engine.session().run(p).expect("runs"))
    });
    // the same on the tree walker, without the scalar tier
    g.bench_with_input(BenchmarkId::new("in_loop_tree", n), &in_loop, |b, p| {
        b.iter(|| without_scalar_tier(|| engine.session().run(p).expect("runs")))
    });
    g.finish();

    let mut g = c.benchmark_group("loop");
    let steps = engine
        .compile(
            "steps",
            &format!("define(i, 0) while(i < {n}, store(i, i + 1)) i"),
        )
        .expect("compiles");
    g.throughput(Throughput::Elements(n));
    g.bench_with_input(BenchmarkId::new("step", n), &steps, |b, p| {
        b.iter(|| engine.session().run(p).expect("runs"))
    });
    g.bench_with_input(BenchmarkId::new("step_tree", n), &steps, |b, p| {
        b.iter(|| without_scalar_tier(|| engine.session().run(p).expect("runs")))
    });
    g.finish();
}

criterion_group!(benches, task_overhead, calls_and_loops);
criterion_main!(benches);
