//! The row pass (`compile::rowpass`, `kernels::rowpass`): logistic-regression-like steps
//! agree with the unfused program within rounding, do not depend on the thread count, show
//! as a `row-pass` node, and fall back to the original statements (same values, same
//! errors) whenever the values do not fit.

use physl::compile::fuse::without_fusion;
use physl::compile::tree::{Node, NodeKind};
use physl::kernels::rowpass::runs;
use physl::{Array, Engine, Value};
use std::sync::Mutex;

/// The fusion switch and the run counter are process-wide.
static SERIAL: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn run_with(src: &str, fused: bool, threads: usize) -> Result<Value, String> {
    let engine = Engine::new().threads(threads);
    let compile = || engine.compile("t", src);
    let program = if fused {
        compile()
    } else {
        without_fusion(compile)
    };
    let full = |e: physl::Error| format!("{e:?} {:?} {:?} {:?}", e.labels(), e.help(), e.calls());
    let program = program.map_err(full)?;
    engine.session().run(&program).map_err(full)
}

fn run(src: &str, fused: bool) -> Result<Value, String> {
    run_with(src, fused, 0)
}

/// The float64 elements of each item of a list result.
fn floats(v: &Value) -> Vec<Vec<f64>> {
    let Value::List(items) = v else {
        panic!("a list, not {v:?}")
    };
    items
        .iter()
        .map(|i| match i.to_array() {
            Some(Array::Float(a)) => a.iter().copied().collect(),
            other => panic!("a float array, not {other:?}"),
        })
        .collect()
}

/// Each vector within `rel` of the other, relative to its largest element.
fn close(a: &Value, b: &Value, rel: f64) -> bool {
    floats(a).iter().zip(floats(b).iter()).all(|(x, y)| {
        let scale = y.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
        x.len() == y.len() && x.iter().zip(y).all(|(p, q)| (p - q).abs() <= rel * scale)
    })
}

fn bits(v: &Value) -> Vec<Vec<u64>> {
    floats(v)
        .iter()
        .map(|x| x.iter().map(|f| f.to_bits()).collect())
        .collect()
}

/// An lra program on the benchmark's synthetic data; `setup` may redefine things after
/// `transx`, `window` replaces the three statements.
fn lra(n: usize, d: usize, iterations: usize, setup: &str, window: &str) -> String {
    format!(
        r#"
define(lra, x, y, alpha, iterations,
    block(
        define(weights, constant(0.0, shape(x, 1))),
        define(transx, transpose(x)),
        define(pred, constant(0.0, shape(x, 0))),
        define(error, constant(0.0, shape(x, 0))),
        define(gradient, constant(0.0, shape(x, 1))),
        define(step, 0),
        {setup}
        while(step < iterations,
            block(
                {window},
                store(weights, weights - alpha * gradient),
                store(step, step + 1)
            )
        ),
        list(weights, pred, error, gradient)
    )
)
define(x, reshape(splitmix64(1, {n} * {d}, "symmetric"), list({n}, {d})))
define(label0, astype(slice_column(x, 0) + slice_column(x, {c1}) > 0.0, "float"))
define(y, where(splitmix64(2, {n}) < 0.1, 1.0 - label0, label0))
lra(x, y, 1e-2, {iterations})
"#,
        c1 = if d > 1 { 1 } else { 0 }
    )
}

const WINDOW: &str = "store(pred, 1.0 / (1.0 + exp(-dot(x, weights)))),
                store(error, pred - y),
                store(gradient, dot(transx, error))";

fn contains_row_pass(n: &Node) -> bool {
    if matches!(n.kind, NodeKind::RowPass { .. }) {
        assert_eq!(n.kind_name(), "row-pass");
        return true;
    }
    let mut found = false;
    n.kind.for_each_child(|c| found |= contains_row_pass(c));
    if let NodeKind::Define { value, .. } = &n.kind {
        if let NodeKind::Lambda { code, .. } = &value.kind {
            found |= contains_row_pass(&code.body);
        }
    }
    found
}

#[test]
fn the_window_becomes_a_row_pass_node() {
    let _g = lock();
    let src = lra(7, 2, 1, "", WINDOW);
    let engine = Engine::new();
    let program = engine.compile("t", &src).unwrap();
    assert!(contains_row_pass(&program.tree().main.body));
    let program = without_fusion(|| engine.compile("t", &src)).unwrap();
    assert!(!contains_row_pass(&program.tree().main.body));
    // only consecutive statements make a window
    let par = lra(
        7,
        2,
        1,
        "",
        "store(pred, dot(x, weights)), step, store(gradient, dot(transx, pred))",
    );
    let program = engine.compile("t", &par).unwrap();
    assert!(!contains_row_pass(&program.tree().main.body));
}

#[test]
fn row_pass_agrees_with_the_unfused_program() {
    let _g = lock();
    for n in [1, 7, 569, 5000, 100_003] {
        for d in [1, 2, 30, 100] {
            let src = lra(n, d, 3, "", WINDOW);
            let before = runs();
            let f = run(&src, true).unwrap();
            assert!(runs() > before, "{n}x{d}: the row pass did not run");
            let u = run(&src, false).unwrap();
            assert!(close(&f, &u, 1e-12), "{n}x{d}: {f:?} vs {u:?}");
        }
    }
}

#[test]
fn other_statement_shapes_agree_too() {
    let _g = lock();
    for window in [
        // the product alone, a copy, an operator with a constant, a read of a later target
        "store(pred, dot(x, weights)), store(error, pred), store(gradient, dot(transx, error))",
        "store(pred, dot(x, weights)), store(gradient, dot(transx, pred))",
        "store(pred, dot(x, weights) * 0.5), store(error, y - pred),
         store(gradient, dot(transx, error))",
        "store(pred, tanh(dot(x, weights)) * 0.5 + error), store(error, 2.0 * pred - y),
         store(gradient, dot(transx, error))",
        // a statement reads its own target's old value
        "store(pred, 1.0 / (1.0 + exp(-dot(x, weights)))), store(error, pred - y + 0.5 * error),
         store(gradient, dot(transx, error))",
        // an int scalar and a bool in the elementwise part
        "store(pred, maximum(dot(x, weights), 0) + 1), store(error, where(y > 0.5, pred, -pred)),
         store(gradient, dot(transx, error))",
    ] {
        for (n, d) in [(7, 3), (569, 30), (5000, 2)] {
            let src = lra(n, d, 3, "", window);
            let before = runs();
            let f = run(&src, true).unwrap();
            assert!(runs() > before, "{window}: the row pass did not run");
            let u = run(&src, false).unwrap();
            assert!(close(&f, &u, 1e-12), "{window} {n}x{d}: {f:?} vs {u:?}");
        }
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let _g = lock();
    for (n, d) in [(100_003, 30), (5000, 100), (569, 30)] {
        let src = lra(n, d, 3, "", WINDOW);
        let results: Vec<_> = [1, 2, 8]
            .iter()
            .map(|&t| bits(&run_with(&src, true, t).unwrap()))
            .collect();
        assert_eq!(results[0], results[1], "{n}x{d}");
        assert_eq!(results[0], results[2], "{n}x{d}");
    }
}

#[test]
fn values_that_do_not_fit_run_the_original_statements() {
    let _g = lock();
    for setup in [
        // not the transpose of x
        "store(transx, 2.0 * transpose(x)),",
        "store(transx, transpose(x + 0.0)),",
        "store(transx, transpose(reshape(splitmix64(9, shape(x, 0) * shape(x, 1)), list(shape(x, 0), shape(x, 1))))),",
        // x changes after its transpose was taken: the transpose is stale
        "store(slice(x, 0, 0), 5.0),",
        // int arrays
        "store(x, astype(x * 10.0, \"int\")), store(transx, transpose(x)),",
        // a 2-D y broadcasts
        "store(y, reshape(y, list(shape(y, 0), 1))),",
    ] {
        let src = lra(569, 30, 3, setup, WINDOW);
        let before = runs();
        let f = run(&src, true);
        assert_eq!(runs(), before, "{setup}: the row pass ran");
        let u = run(&src, false);
        match (&f, &u) {
            (Ok(a), Ok(b)) => assert_eq!(bits(a), bits(b), "{setup}"),
            (Err(a), Err(b)) => assert_eq!(a, b, "{setup}"),
            _ => panic!("{setup}: fused {f:?}, unfused {u:?}"),
        }
    }
}

#[test]
fn errors_are_the_unfused_ones() {
    let _g = lock();
    for setup in [
        // y one longer: `pred - y` fails
        "store(y, constant(1.0, shape(x, 0) + 1)),",
        // weights too short: dot(x, weights) fails
        "store(weights, constant(0.0, shape(x, 1) - 1)),",
        // a string
        "store(y, \"y\"),",
    ] {
        let src = lra(569, 30, 3, setup, WINDOW);
        let (f, u) = (run(&src, true), run(&src, false));
        match (&f, &u) {
            (Err(a), Err(b)) => assert_eq!(a, b, "{setup}"),
            _ => panic!("{setup}: fused {f:?}, unfused {u:?}"),
        }
    }
}
