//! Elementwise fusion: fused results and errors are exactly the unfused tree's, the fused
//! node shows in the tree, outputs reuse a uniquely owned leaf, and results do not depend on
//! the thread count.

use physl::compile::fuse::without_fusion;
use physl::compile::tree::{Node, NodeKind};
use physl::kernels::fused::Fused;
use physl::{Array, Engine, Value};
use proptest::prelude::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

struct Counting;
static LARGE: AtomicUsize = AtomicUsize::new(0);
const LARGE_BYTES: usize = 400_000;
/// Allocations of 8000 bytes exactly: the buffers of 1000-element float arrays.
static ARRAYS_1000: AtomicUsize = AtomicUsize::new(0);

fn count(layout: Layout) {
    if layout.size() >= LARGE_BYTES {
        LARGE.fetch_add(1, Ordering::Relaxed);
    }
    if layout.size() == 8000 {
        ARRAYS_1000.fetch_add(1, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout);
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The fusion switch and the allocation counter are process-wide.
static SERIAL: Mutex<()> = Mutex::new(());

fn run(src: &str, fused: bool) -> Result<Value, String> {
    let engine = Engine::new();
    let compile = || engine.compile("t", src);
    let program = if fused {
        compile()
    } else {
        without_fusion(compile)
    };
    // the whole diagnostic: message, labels with their spans and texts, help, call chain
    let full = |e: physl::Error| format!("{e:?} {:?} {:?} {:?}", e.labels(), e.help(), e.calls());
    let program = program.map_err(full)?;
    engine.session().run(&program).map_err(full)
}

/// Same dtype, shape and bits (NaNs included).
fn same(a: &Value, b: &Value) -> bool {
    match (a.to_array(), b.to_array()) {
        (Some(x), Some(y)) => {
            x.shape() == y.shape()
                && match (&x, &y) {
                    (Array::Float(p), Array::Float(q)) => p
                        .iter()
                        .zip(q.iter())
                        .all(|(u, v)| u.to_bits() == v.to_bits()),
                    (Array::Int(p), Array::Int(q)) => p == q,
                    (Array::Bool(p), Array::Bool(q)) => p == q,
                    _ => false,
                }
                && a.is_scalar() == b.is_scalar()
        }
        _ => format!("{a:?}") == format!("{b:?}"),
    }
}

fn find_fused(n: &Node) -> Option<&Fused> {
    match &n.kind {
        NodeKind::Fused { fused, .. } => Some(fused),
        NodeKind::Block(s) => s.iter().find_map(find_fused),
        NodeKind::Define { value, .. } | NodeKind::Store { value, .. } => find_fused(value),
        NodeKind::Prim { args, .. } => args.iter().find_map(find_fused),
        _ => None,
    }
}

fn fused_text(src: &str) -> Option<String> {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let program = Engine::new().compile("t", src).unwrap();
    find_fused(&program.tree().main.body).map(|f| f.describe())
}

#[test]
fn sigmoid_is_one_kernel_after_the_product() {
    let text =
        fused_text("define(x, [[1.0, 2.0]]) define(w, [0.5, 0.25]) 1.0 / (1.0 + exp(-dot(x, w)))");
    assert_eq!(text.as_deref(), Some("fused(1.0 / (1.0 + exp(-_0)))"));
    let text = fused_text("define(a, 1.0) define(b, 2.0) define(c, 3.0) a * b + c");
    assert_eq!(text.as_deref(), Some("fused(_0 * _1 + _2)"));
    let text = fused_text("define(x, 1.0) where(x > 0, sqrt(x), 0.0) * 2");
    assert_eq!(
        text.as_deref(),
        Some("fused(where(_0 > 0, sqrt(_1), 0.0) * 2)")
    );
    // one operation alone is not fused; effectful leaves are not fused
    assert_eq!(fused_text("define(x, 1.0) x + 1"), None);
    assert_eq!(fused_text("define(x, 1.0) x + 1 + random(2)"), None);
}

#[test]
fn errors_are_the_unfused_ones() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for src in [
        "define(x, [1.0, 2.0, 3.0]) x + [1.0, 2.0] * 2.0",
        "define(x, [1, 2, 3]) x % 0 + 1",
        "define(x, [true, false]) -x * 2.0",
        "define(s, \"a\") exp(s) + 1.0",
        "define(x, [1.0, 2.0]) (x + 1.0) * [[1.0], [2.0], [3.0]] - [1.0, 2.0, 3.0]",
        "define(x, [1.0, 2.0]) x * 2.0 + dot([1.0, 2.0], [1.0])",
        "define(x, list(1, 2)) x + list(3) + 1",
    ] {
        let (f, u) = (run(src, true), run(src, false));
        match (&f, &u) {
            (Err(a), Err(b)) => assert_eq!(a, b, "{src}"),
            (Ok(a), Ok(b)) => assert!(same(a, b), "{src}: {a:?} vs {b:?}"),
            _ => panic!("{src}: fused {f:?}, unfused {u:?}"),
        }
    }
    // the shape error names both operands' spans
    let e = run("define(x, [1.0, 2.0, 3.0]) x + [1.0, 2.0] * 2.0", true).unwrap_err();
    assert!(e.contains("shape [3]") && e.contains("shape [2]"), "{e}");
}

#[test]
fn output_reuses_a_uniquely_owned_leaf() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let count = |steps: usize| {
        let src = format!(
            "define(g, linspace(0.0, 1.0, 100000)) define(r, 0) define(i, 0)
             while(i < {steps}, block(store(r, 1.0 / (1.0 + exp(-cumsum(g)))), store(i, i + 1)))
             sum(r)"
        );
        let engine = Engine::new();
        let program = engine.compile("t", &src).unwrap();
        assert!(find_fused(&program.tree().main.body).is_none()); // inside the loop
        let before = LARGE.load(Ordering::Relaxed);
        engine.session().run(&program).unwrap();
        LARGE.load(Ordering::Relaxed) - before
    };
    let per_step = (count(30) - count(10)) as f64 / 20.0;
    // cumsum's result is the only large allocation: the fused kernel writes into it
    assert!(per_step <= 1.0, "{per_step} large allocations per step");
}

#[test]
fn store_reuses_the_old_array() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let count = |body: &str, steps: usize| {
        let src = format!(
            "define(f, n, block(
                 define(g, linspace(0.0, 1.0, 1000)), define(w, g * 0.5), define(p, g * 0.25),
                 define(i, 0),
                 while(i < n, block({body}, store(i, i + 1))),
                 sum(w) + sum(p)))
             f({steps})"
        );
        let engine = Engine::new();
        let program = engine.compile("t", &src).unwrap();
        let before = ARRAYS_1000.load(Ordering::Relaxed);
        engine.session().run(&program).unwrap();
        ARRAYS_1000.load(Ordering::Relaxed) - before
    };
    for body in [
        // the target is a leaf: updated in place
        "store(w, w - 0.5 * g)",
        // the target is not read: its old array takes the result
        "store(p, 1.0 / (1.0 + exp(-g)))",
        // the same for one operator (not fused)
        "store(p, g - w)",
        "store(w, w * 0.5)",
    ] {
        let per_step = (count(body, 30) as f64 - count(body, 10) as f64) / 20.0;
        assert!(
            per_step <= 0.0,
            "{body}: {per_step} large allocations per step"
        );
    }
}

#[test]
fn stores_of_fused_values_equal_unfused_ones() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for body in [
        // in place, and an alias of the old array keeps its values
        "define(w, a * 1.0), define(old, w), store(w, w - 0.5 * b), list(w, old)",
        "define(w, a * 1.0), store(w, w - 0.5 * w), w",
        // the old array as the output, and a reader of it keeping its values
        "define(p, a * 1.0), define(q, p), store(p, 1.0 / (1.0 + exp(-b))), list(p, q)",
        // another shape or dtype: the old value is not used
        "define(p, a * 1.0), store(p, p + [[1.0], [2.0]] * 2.0), p",
        "define(p, a * 1.0), store(p, p > b * 2.0), p",
        "define(p, 1.5), store(p, p * b + 1.0), p",
        "define(p, a * 1.0), store(p, 2.0 * 3.0 + 1.0), p",
        "define(p, [1, 2, 3]), store(p, p * 2 + 1), p",
        "define(p, a * 1.0), store(p, p * list(1) + 1.0), p",
        // a captured variable (a cell) and a loop
        "define(w, a * 1.0), define(get, lambda(w)), store(w, w * 2.0 + 1.0), list(w, get())",
        "define(w, a * 1.0), define(i, 0), while(i < 5, block(store(w, w - 0.1 * (w - b)), store(i, i + 1))), w",
    ] {
        let src = format!(
            "define(f, a, b, block({body}))
             f([-1.5, 0.0, 2.25], [0.5, nan, -inf])"
        );
        let (fu, un) = (run(&src, true), run(&src, false));
        assert!(fu.is_ok() != body.contains("list(1)"), "{body}: {fu:?}");
        match (&fu, &un) {
            (Err(a), Err(b)) => assert_eq!(a, b, "{body}"),
            (Ok(a), Ok(b)) => {
                let (x, y) = (format!("{a:?}"), format!("{b:?}"));
                assert_eq!(x, y, "{body}")
            }
            _ => panic!("{body}: fused {fu:?}, unfused {un:?}"),
        }
    }
}

/// `store(x, a op b)` writes into `x`'s old array when it can: the values are those of
/// `a op b` evaluated alone, bit for bit, and other references to the old array keep its
/// values.
#[test]
fn stores_of_operators_equal_plain_operators() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let operands = [
        ("[-1.5, 0.0, 2.25, nan]", "[0.5, nan, -inf, 3.0]"),
        ("[-1.5, 0.0, 2.25, nan]", "-0.0"),
        ("3", "[-1.5, 0.0, 2.25, inf]"),
        ("[[1.5, -2.0], [0.0, nan]]", "[4.0, -0.5]"),
        ("[[1.5], [-2.0]]", "[[1.5, -2.0], [0.0, nan]]"),
        ("[[1.5, -2.0], [0.0, nan]]", "[[2.0], [3.0]]"),
        ("[1.5, -2.0, 7.0]", "[1, 2, 3]"),
        ("[true, false]", "[1.5, 2.5]"),
        ("[7.0]", "[1.0, 2.0, 3.0]"),
    ];
    let ops = ["+", "-", "*", "/", "%"];
    let mut checked = 0;
    for (a, b) in operands {
        for op in ops {
            // the old value: same shape as the result, or not; a float array, or not
            for (init, alias) in ["a * 0.0 + b * 0.0", "a * 1.0", "b * 1.0", "1.0", "[0.0]"]
                .into_iter()
                .flat_map(|i| [(i, "x"), (i, "nil")])
            {
                let src = format!(
                    "define(f, a, b, block(define(x, {init}), define(y, {alias}), \
                     store(x, a {op} b), list(x, y, a {op} b, {init})))
                     f({a}, {b})"
                );
                let r = run(&src, true);
                let Ok(Value::List(l)) = &r else {
                    // a shape mismatch or an unsupported pair: the same error either way
                    let plain = run(&format!("{a} {op} {b}"), true);
                    assert!(plain.is_err(), "{src}: {r:?} but {plain:?}");
                    continue;
                };
                assert!(same(&l[0], &l[2]), "{src}: {:?} vs {:?}", l[0], l[2]);
                if alias == "x" {
                    assert!(same(&l[1], &l[3]), "{src}: alias {:?} vs {:?}", l[1], l[3]);
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 400, "only {checked} cases ran");
}

struct NoContext(parking_lot::Mutex<physl::kernels::random::Generator>);

impl physl::primitives::Context for NoContext {
    fn call(&self, _: &Value, _: physl::primitives::Args) -> physl::Result<Value> {
        Err(physl::Error::internal("no calls here"))
    }
    fn write_out(&self, _: &str) -> physl::Result<()> {
        Ok(())
    }
    fn write_err(&self, _: &str) -> physl::Result<()> {
        Ok(())
    }
    fn read_file(&self, _: &str) -> physl::Result<Vec<u8>> {
        Err(physl::Error::internal("no files"))
    }
    fn write_file(&self, _: &str, _: &[u8]) -> physl::Result<()> {
        Err(physl::Error::internal("no files"))
    }
    fn check_interrupt(&self) -> physl::Result<()> {
        Ok(())
    }
    fn random(&self) -> &parking_lot::Mutex<physl::kernels::random::Generator> {
        &self.0
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let src =
        "define(x, 1.0) define(y, 1.0) where(x > 0.5, 1.0 / (1.0 + exp(-x * y)), tanh(x) - y)";
    let program = {
        let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        Engine::new().compile("t", src).unwrap()
    };
    let fused = find_fused(&program.tree().main.body).expect("fused");
    let n = 1_000_003;
    let x: Vec<f64> = (0..n)
        .map(|i| ((i * 7919) % 20011) as f64 / 1000.0 - 10.0)
        .collect();
    let y: Vec<f64> = (0..n)
        .map(|i| ((i * 104729) % 3001) as f64 / 1000.0 - 1.5)
        .collect();
    let leaves = || {
        let mut a = physl::primitives::Args::new();
        // leaves in source order: x, x, y, x, y
        for v in [&x, &x, &y, &x, &y] {
            a.push(Value::from(ndarray::Array1::from(v.clone()).into_dyn()));
        }
        a
    };
    let cx = NoContext(parking_lot::Mutex::new(
        physl::kernels::random::Generator::from_seed(1),
    ));
    let mut results = Vec::new();
    for threads in [1, 2, 8] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        results.push(pool.install(|| fused.eval(&cx, leaves()).unwrap()));
    }
    assert!(same(&results[0], &results[1]) && same(&results[0], &results[2]));
    // and they are the unfused values, element by element
    let r = results[0].to_array().unwrap();
    let Array::Float(r) = r else {
        panic!("float result")
    };
    for i in (0..n).step_by(9973) {
        let (xi, yi) = (x[i], y[i]);
        let want = if xi > 0.5 {
            1.0 / (1.0 + physl::kernels::vmath::exp(-xi * yi))
        } else {
            xi.tanh() - yi
        };
        assert_eq!(
            r.as_slice().unwrap()[i].to_bits(),
            want.to_bits(),
            "element {i}"
        );
    }
}

/// A random elementwise expression over the test's variables.
fn expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("a".to_string()),
        Just("b".to_string()),
        Just("f".to_string()),
        Just("k".to_string()),
        Just("m".to_string()),
        Just("i".to_string()),
        Just("2.5".to_string()),
        Just("3".to_string()),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (
                inner.clone(),
                inner.clone(),
                prop_oneof![
                    Just("+"),
                    Just("-"),
                    Just("*"),
                    Just("/"),
                    Just("%"),
                    Just("<"),
                    Just(">="),
                    Just("==")
                ]
            )
                .prop_map(|(l, r, op)| format!("({l} {op} {r})")),
            (
                inner.clone(),
                prop_oneof![
                    Just("exp"),
                    Just("sqrt"),
                    Just("absolute"),
                    Just("tanh"),
                    Just("__minus"),
                    Just("floor"),
                    Just("isnan")
                ]
            )
                .prop_map(|(x, f)| format!("{f}({x})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, x, y)| format!("where({c}, {x}, {y})")),
            (inner.clone(), inner).prop_map(|(x, y)| format!("maximum({x}, {y})")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
    #[test]
    fn fused_equals_unfused(e in expr(), shape_b in prop_oneof![Just("[3]"), Just("[2, 1]"), Just("[2, 3]"), Just("[4]"), Just("[]")]) {
        let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let b = match shape_b {
            "[3]" => "[0.5, -1.0, 2.0]",
            "[2, 1]" => "[[1.5], [-0.25]]",
            "[2, 3]" => "[[1.0, -2.0, 0.0], [3.5, nan, -0.0]]",
            "[4]" => "[1.0, 2.0, 3.0, 4.0]",
            _ => "7.25",
        };
        let src = format!(
            "define(a, [-1.5, 0.0, 2.25]) define(b, {b}) define(f, -0.75) define(k, 2)
             define(m, [true, false, true]) define(i, [1, -2, 3]) {e}"
        );
        let (fu, un) = (run(&src, true), run(&src, false));
        match (&fu, &un) {
            (Err(x), Err(y)) => prop_assert_eq!(x, y),
            (Ok(x), Ok(y)) => prop_assert!(same(x, y), "{}: {:?} vs {:?}", e, x, y),
            _ => prop_assert!(false, "{}: fused {:?}, unfused {:?}", e, fu, un),
        }
    }
}

/// The variables of the kernel-size tests: `a` float with infinities and NaNs, `m` bool,
/// `i` int64, all of length `n`; `b` of a shape that broadcasts with them; `f`/`k` scalars.
fn sized_vars(n: usize, shape_b: &str) -> String {
    let b = match shape_b {
        "same" => "splitmix64(2, n, \"symmetric\") * 2.0".to_string(),
        "matrix" => "reshape(splitmix64(2, 2 * n, \"symmetric\"), list(2, n))".to_string(),
        "column" => "reshape(splitmix64(2, 2, \"symmetric\"), list(2, 1))".to_string(),
        _ => "7.25".to_string(),
    };
    format!(
        "define(n, {n})
         define(u, splitmix64(1, n, \"symmetric\") * 4.0)
         define(a, where(u > 3.5, inf, where(u < -3.5, ninf, where(u > 3.2, nan, u))))
         define(b, {b}) define(f, -0.75) define(k, 2)
         define(m, u > 0.5) define(i, astype(u * 3.0, \"int\"))\n"
    )
}

/// Fused equals unfused, bit for bit, at the sizes the kernels treat differently: one
/// element, fewer than a vector, a small update (30), a logistic-regression column (569),
/// around one chunk (1024) and over several chunks, with every broadcasting shape.
#[test]
fn fused_equals_unfused_at_kernel_sizes() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let exprs = [
        "1.0 / (1.0 + exp(-a))",
        "a - f * b",
        "(a - b) * (b + a) / (a * f - b)",
        "where(m, a * 2.5, b - k) + i",
        "maximum(a, b) - sqrt(absolute(b)) * k",
        "(a < b) == m",
        "isnan(a * b) + 1.5",
        // a fresh leaf is the output: read in place, or (read by the last operation)
        // copied chunk by chunk before it is overwritten
        "tanh(cumsum(u) * f) + a",
        "-(cumsum(u) - b) * 3",
        "cumsum(u) - f * b",
        "where(cumsum(u) > 0.0, cumsum(u), a * 2.0)",
    ];
    for n in [1usize, 3, 7, 30, 569, 1023, 1024, 1025, 2500] {
        for shape_b in ["same", "matrix", "column", "scalar"] {
            for e in exprs {
                let src = format!("{}{e}", sized_vars(n, shape_b));
                let (fu, un) = (run(&src, true), run(&src, false));
                match (&fu, &un) {
                    (Err(x), Err(y)) => assert_eq!(x, y, "{e} n={n} b={shape_b}"),
                    (Ok(x), Ok(y)) => assert!(same(x, y), "{e} n={n} b={shape_b}: {x:?} vs {y:?}"),
                    _ => panic!("{e} n={n} b={shape_b}: fused {fu:?}, unfused {un:?}"),
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]
    #[test]
    fn fused_equals_unfused_at_random_sizes(
        e in expr(),
        n in prop_oneof![Just(1usize), Just(5), Just(30), Just(569), Just(1025), Just(2100)],
        shape_b in prop_oneof![Just("same"), Just("matrix"), Just("column"), Just("scalar")],
    ) {
        let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let src = format!("{}{e}", sized_vars(n, shape_b));
        let (fu, un) = (run(&src, true), run(&src, false));
        match (&fu, &un) {
            (Err(x), Err(y)) => prop_assert_eq!(x, y),
            (Ok(x), Ok(y)) => prop_assert!(same(x, y), "{} n={}: {:?} vs {:?}", e, n, x, y),
            _ => prop_assert!(false, "{} n={}: fused {:?}, unfused {:?}", e, n, fu, un),
        }
    }
}
