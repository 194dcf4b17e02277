//! The scalar tier (`runtime::scalar`): every program here gives the same value, the same
//! globals afterwards and the same diagnostic (message, labels, help, call chain) with the
//! tier as without it, and the programs meant for the tier do run in it.

use physl::runtime::scalar::{entries, without_scalar_tier};
use physl::{Engine, Value};
use std::sync::Mutex;

/// The tier switch and the entry counter are process-wide.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs the entries in one session; returns each entry's value or full diagnostic, then the
/// listed globals.
fn run(engine: &Engine, entries_src: &[&str], globals: &[&str]) -> Vec<String> {
    let mut session = engine.session();
    let full = |e: physl::Error| {
        format!(
            "error {:?} {:?} {:?} {:?} {}",
            e.kind(),
            e.labels(),
            e.help(),
            e.calls(),
            e
        )
    };
    let mut out: Vec<String> = entries_src
        .iter()
        .map(|src| match session.eval("t", src) {
            Ok(v) => format!("{v:?}"),
            Err(e) => full(e),
        })
        .collect();
    out.extend(
        globals
            .iter()
            .map(|g| format!("{g} = {:?}", session.get(g))),
    );
    out
}

/// Same results both ways; returns them and whether the tier ran.
/// (A fresh engine per run: spans count from the start of its sources.)
fn both(engine: impl Fn() -> Engine, src: &[&str], globals: &[&str]) -> (Vec<String>, bool) {
    let _lock = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let walked = without_scalar_tier(|| run(&engine(), src, globals));
    let before = entries();
    let tiered = run(&engine(), src, globals);
    let ran = entries() > before;
    assert_eq!(tiered, walked, "tier and tree differ on {src:?}");
    (tiered, ran)
}

fn check(src: &[&str], expected_last: &str) {
    let (out, ran) = both(Engine::new, src, &[]);
    assert!(ran, "the scalar tier did not run {src:?}");
    assert_eq!(
        out.last().map(String::as_str),
        Some(expected_last),
        "{src:?}"
    );
}

#[test]
fn recursion_on_ints_and_floats() {
    let fib = "define(fib, n, if(n < 2, n, fib(n - 1) + fib(n - 2)))";
    check(&[fib, "fib(20)"], "6765");
    check(&[fib, "fib(20.0)"], "6765.0");
    check(
        &["define(f, n, if(n == 0, 0, 1 + f(n - 1)))", "f(5000)"],
        "5000",
    );
}

#[test]
fn numpy_arithmetic() {
    check(&["define(g, a, b, a / b)", "g(7, 2)"], "3.5");
    check(&["define(g, a, b, a / b)", "g(1, 0)"], "inf");
    check(&["define(m, a, b, a % b)", "m(-7, 3)"], "2");
    check(&["define(m, a, b, a % b)", "m(7.5, -2)"], "-0.5");
    check(&["define(m, a, b, a % b)", "m(7, 2.5)"], "2.0");
    // wrapping int64, as NumPy's arrays
    check(&["define(w, x, x * x + 1)", "w(9223372036854775807)"], "2");
    check(&["define(w, x, y, x - y)", "w(3, 0.5)"], "2.5");
    check(&["define(c, x, y, x < y)", "c(2, 2.5)"], "true");
    check(&["define(c, x, y, x == y)", "c(0.1 + 0.2, 0.3)"], "false");
    check(&["define(q, n, if(n, 1, 2))", "q(0.0)"], "2");
    check(&["define(q, n, if(n, 1, 2))", "q(-3)"], "1");
    check(&["define(q, n, if(n, 1, 2))", "q(true)"], "1");
}

#[test]
fn loops_locals_and_globals() {
    check(
        &[
            "define(f, x, n, block(define(s, 0.0), define(i, 0), \
             while(i < n, block(store(s, s + x * i), store(i, i + 1))), s))",
            "f(0.5, 100)",
        ],
        "2475.0",
    );
    let (out, ran) = both(
        Engine::new,
        &[
            "define(i, 0)",
            "define(s, 0)",
            "while(i < 1000, block(store(s, s + i), store(i, i + 1)))",
            "s",
        ],
        &["i", "s"],
    );
    assert!(ran);
    assert_eq!(out[3..], ["499500", "i = Some(1000)", "s = Some(499500)"]);
    // a loop inside a tree-walked function, on the function's locals
    check(
        &[
            "define(f, n, block(define(i, 0), define(t, 0), \
             while(i < n, block(define(sq, i * i), store(t, t + sq), store(i, i + 1))), \
             list(i, t)))",
            "f(10)",
        ],
        "list(10, 285)",
    );
    // functions reading and storing globals
    check(
        &[
            "define(count, 0)",
            "define(bump, n, block(store(count, count + n), count))",
            "bump(2)",
            "bump(3)",
        ],
        "5",
    );
    check(
        &[
            "define(k, 3)",
            "define(f, x, x * k)",
            "f(2)",
            "define(k, 2.5)",
            "f(2)",
        ],
        "5.0",
    );
    // a nested loop calling a function
    check(
        &[
            "define(sq, x, x * x)",
            "define(total, 0)",
            "define(i, 0)",
            "while(i < 30, block(define(j, 0), while(j < i, block(store(total, total + sq(j)), store(j, j + 1))), store(i, i + 1)))",
            "total",
        ],
        "58870",
    );
}

/// A value that is also a variable's (`define` yields it) must reach both places.
#[test]
fn values_shared_with_variables() {
    check(
        &[
            "define(f, n, block(define(a, 0), define(b, define(a, n + 1)), a + b))",
            "f(1)",
        ],
        "4",
    );
    check(
        &[
            "define(g, x, y, x * 10 + y)",
            "define(f, n, block(define(a, 0), g(define(a, n + 1), a)))",
            "f(1)",
        ],
        "22",
    );
    check(
        &[
            // the branch's `define` makes a variable of the branch (the outer a stays 0)
            "define(f, n, block(define(a, 0), define(c, if(n > 0, define(a, n * 3), 0)), a + c))",
            "f(2)",
        ],
        "6",
    );
    check(
        &[
            "define(f, n, block(define(a, 0), define(c, if(n > 0, block(store(a, n * 3), a), 0)), a + c))",
            "f(2)",
        ],
        "12",
    );
    check(
        &[
            "define(f, n, block(define(a, n), define(b, a + block(store(a, 100), a)), a * 1000 + b))",
            "f(1)",
        ],
        "100101",
    );
}

#[test]
fn code_the_tier_does_not_take_runs_the_same() {
    // a variable changing type, arrays, primitives, closures over locals, keyword calls
    for src in [
        &[
            "define(h, n, block(define(x, 1), if(n > 0, store(x, 1.5)), x))",
            "h(1)",
            "h(0)",
        ][..],
        &["define(g, x, x + 1)", "g(linspace(0, 1, 3))"],
        &["define(g, x, exp(x) + 1)", "g(0)"],
        &[
            "define(g, x, block(define(a, lambda(y, x + y)), a(1)))",
            "g(2)",
        ],
        &["define(g, x, y, x - y)", "g(__arg(y, 1), __arg(x, 5))"],
        &[
            "define(i, 0)",
            "while(i < 3, block(cout(i), store(i, i + 1)))",
        ],
        &["define(i, 0)", "while(i < 3, store(i, i + 0.5))", "i"],
        &[
            "define(b, true)",
            "define(n, 0)",
            "while(b, block(store(n, n + 1), store(b, n < 5)))",
            "n",
        ],
    ] {
        both(Engine::new, src, &[]);
    }
}

#[test]
fn redefined_callees_and_globals() {
    let (out, ran) = both(
        Engine::new,
        &[
            "define(g, x, x + 1)",
            "define(f, x, g(x) * 2)",
            "f(1)",
            "define(g, x, x + 10)",
            "f(1)",
            "define(g, x, list(x))",
            "f(1)",
        ],
        &[],
    );
    assert!(ran);
    assert_eq!(out[2], "4");
    assert_eq!(out[4], "22");
    assert!(out[6].starts_with("error"), "{}", out[6]);
}

#[test]
fn errors_are_the_tree_walkers() {
    // modulo by zero deep in a recursion: message, spans and the call chain
    let (out, ran) = both(
        Engine::new,
        &["define(f, n, if(n == 0, 1 % n, f(n - 1)))", "f(3)"],
        &[],
    );
    assert!(ran);
    assert!(out[1].contains("ZeroDivision"), "{}", out[1]);
    // depth limit
    let (out, _) = both(
        || Engine::new().max_depth(50),
        &[
            "define(f, n, if(n == 0, 0, 1 + f(n - 1)))",
            "f(49)",
            "f(100)",
        ],
        &[],
    );
    assert_eq!(out[1], "49");
    assert!(out[2].contains("recursion depth limit of 50"), "{}", out[2]);
    // a loop that fails half-way has stored what it stored before
    let (out, ran) = both(
        Engine::new,
        &[
            "define(i, 0)",
            "define(k, 0)",
            "while(i < 10, block(store(i, i + 1), store(k, i % (5 - i))))",
        ],
        &["i", "k"],
    );
    assert!(ran);
    assert!(out[2].contains("modulo by zero"), "{}", out[2]);
    assert_eq!(out[3..], ["i = Some(5)", "k = Some(0)"]);
}

#[test]
fn step_budget_counts_the_same_steps() {
    for n in [40, 49, 50, 51, 60] {
        let engine = || Engine::new().max_steps(50);
        let src = format!("define(i, 0)\nwhile(i < {n}, store(i, i + 1))\ni");
        let (out, _) = both(engine, &[&src], &["i"]);
        let fib = format!(
            "define(f, n, if(n < 2, n, f(n - 1) + f(n - 2)))\nf({})",
            n / 8
        );
        both(engine, &[&fib], &[]);
        assert!(!out.is_empty());
    }
}

#[test]
fn async_tasks_may_not_store_globals_in_the_tier_either() {
    let (out, _) = both(
        Engine::new,
        &[
            "define(i, 0)",
            "define(r, async(while(i < 3, store(i, i + 1))))",
            "r + 1",
        ],
        &["i"],
    );
    assert!(out.iter().any(|o| o.contains("async")), "{out:?}");
}

#[test]
fn parallel_loops_on_distinct_locals() {
    check(
        &[
            "define(f, n, block(define(a, 0), define(b, 0), define(i, 0), define(j, 0), \
             parallel_block(while(i < n, block(store(a, a + i), store(i, i + 1))), \
                            while(j < n, block(store(b, b + 2 * j), store(j, j + 1)))), \
             list(a, b)))",
            "f(100)",
        ],
        "list(4950, 9900)",
    );
}

#[test]
fn embedded_calls_use_the_tier() {
    let _lock = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let engine = Engine::new();
    let mut session = engine.session();
    session
        .eval("t", "define(fib, n, if(n < 2, n, fib(n - 1) + fib(n - 2)))")
        .unwrap();
    let before = entries();
    let v = session.call_global("fib", vec![Value::Int(15)]).unwrap();
    assert_eq!(format!("{v:?}"), "610");
    assert!(entries() > before);
}

/// Random scalar programs (functions with defines, stores, `if`, `while`, calls, int and
/// float arithmetic) give the same values and errors with the tier and without it.
#[test]
fn random_programs_agree() {
    struct Gen(u64);
    impl Gen {
        fn next(&mut self) -> u64 {
            // SplitMix64
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn pick<'a>(&mut self, xs: &'a [String]) -> &'a str {
            &xs[self.below(xs.len() as u64) as usize]
        }
        fn expr(&mut self, vars: &[String], depth: u32, floats: bool) -> String {
            if depth == 0 || self.below(10) < 3 {
                return match self.below(10) {
                    0..=3 => self.pick(vars).to_string(),
                    4..=7 => (self.below(15) as i64 - 5).to_string(),
                    _ if floats => format!("{:.2}", self.below(600) as f64 / 100.0 - 3.0),
                    _ => (self.below(9) as i64).to_string(),
                };
            }
            let ops: &[&str] = if floats {
                &["+", "-", "*", "/", "%", "<", ">", "==", "<=", "!="]
            } else {
                &["+", "-", "*", "%", "+", "-", "*"]
            };
            match self.below(10) {
                0..=5 => {
                    let op = ops[self.below(ops.len() as u64) as usize];
                    let (a, b) = (
                        self.expr(vars, depth - 1, floats),
                        self.expr(vars, depth - 1, floats),
                    );
                    format!("({a} {op} {b})")
                }
                6 => {
                    let (c, a, b) = (
                        self.expr(vars, depth - 1, floats),
                        self.expr(vars, depth - 1, floats),
                        self.expr(vars, depth - 1, floats),
                    );
                    format!("if({c}, {a}, {b})")
                }
                7 if vars.len() > 2 => {
                    let v = self.pick(&vars[2..]).to_string();
                    let e = self.expr(vars, depth - 1, floats);
                    format!("block(store({v}, {e}), {v})")
                }
                8 => {
                    let (a, b) = (
                        self.expr(vars, depth - 1, floats),
                        self.expr(vars, depth - 1, floats),
                    );
                    format!("g({a}, {b})")
                }
                _ => format!("-{}", self.expr(vars, depth - 1, floats)),
            }
        }
    }
    let mut ran = 0;
    for seed in 0..120u64 {
        let floats = seed % 2 == 0;
        let mut r = Gen(seed);
        let mut vars: Vec<String> = vec!["n".into(), "m".into()];
        let mut stmts = Vec::new();
        for i in 0..1 + r.below(4) {
            let e = r.expr(&vars, 3, floats);
            stmts.push(format!("define(v{i}, {e})"));
            vars.push(format!("v{i}"));
        }
        if r.below(10) < 7 {
            let body: Vec<String> = (0..1 + r.below(3))
                .map(|_| {
                    let v = r.pick(&vars[2..]).to_string();
                    let e = r.expr(&vars, 2, floats);
                    format!("store({v}, {e})")
                })
                .collect();
            let k = r.below(7);
            stmts.push("define(c, 0)".into());
            stmts.push(format!(
                "while(c < {k}, block({}, store(c, c + 1)))",
                body.join(", ")
            ));
        }
        stmts.push(r.expr(&vars, 3, floats));
        let g = format!("define(g, a, b, if(a < b, a * 2 - b, b + {}))", r.below(4));
        let f = format!("define(f, n, m, block({}))", stmts.join(", "));
        let args = ["1", "2", "-3", "0", "7"];
        let calls: Vec<String> = (0..3)
            .map(|_| {
                let a = args[r.below(5) as usize];
                let b = if floats {
                    "2.5"
                } else {
                    args[r.below(5) as usize]
                };
                format!("f({a}, {b})")
            })
            .collect();
        let mut src: Vec<&str> = vec![&g, &f];
        src.extend(calls.iter().map(String::as_str));
        let (_, tier) = both(Engine::new, &src, &[]);
        ran += usize::from(tier);
    }
    // most programs are ones the tier takes (the rest fail to type or to run)
    assert!(ran > 40, "the tier ran on only {ran} of 120 programs");
}
