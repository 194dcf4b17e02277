//! The embedding API: limits, host functions, conversions, file access.

use ndarray::{array, Array1, Array2, ArrayD, IxDyn};
use physl::{BufferHost, Engine, FromValue, IntoValue, Limits, Value};
use std::sync::Arc;

#[test]
fn step_budget_stops_an_endless_loop() {
    let engine = Engine::with_limits(Limits {
        max_steps: Some(100_000),
        ..Limits::default()
    });
    let err = engine.session().eval("t", "while(true, 0)").unwrap_err();
    assert_eq!(err.code(), "physl::limit");
    assert!(err.message().contains("step budget"), "{}", err.message());
    // calls count too: endless recursion below the depth limit
    let engine = Engine::new().max_steps(1000);
    let err = engine
        .session()
        .eval("t", "define(f, n, if(n > 0, f(n - 1) + f(n - 1), 0)) f(30)")
        .unwrap_err();
    assert_eq!(err.code(), "physl::limit");
    // a program within the budget runs, and each run has its own budget
    let program = engine
        .compile(
            "t",
            "define(s, 0) for(define(i, 0), i < 100, store(i, i + 1), store(s, s + i)) s",
        )
        .unwrap();
    for _ in 0..3 {
        assert_eq!(engine.session().run(&program).unwrap().to_string(), "4950");
    }
}

#[test]
fn files_are_refused_by_default_with_a_clear_error() {
    let engine = Engine::new();
    let err = engine
        .session()
        .eval("t", "file_read_csv(\"examples/data/breast_cancer.csv\")")
        .unwrap_err();
    assert_eq!(err.code(), "physl::io");
    assert!(err.message().contains("not allowed"), "{}", err.message());
    assert!(
        err.message().contains("no file access"),
        "{}",
        err.message()
    );
    let rendered = err.render(engine.sources(), false, 100);
    assert!(rendered.contains("file_read_csv"), "{rendered}");
    // the embedder opts in
    let mut s = engine.session();
    s.set_host(Arc::new(BufferHost::new(true)));
    let v = s
        .eval(
            "t",
            "shape(file_read_csv(\"examples/data/breast_cancer.csv\"))",
        )
        .unwrap();
    assert_eq!(v.to_string(), "list(569, 31)");
}

#[test]
fn host_functions_with_typed_arguments() {
    let mut engine = Engine::new();
    engine
        .register_fn("answer", || 42i64)
        .unwrap()
        .register_fn("clip01", |a: ArrayD<f64>| a.mapv(|v| v.clamp(0.0, 1.0)))
        .unwrap()
        .register_fn("affine", |x: Array1<f64>, a: f64, b: f64| x * a + b)
        .unwrap()
        .register_fn("greet", |name: String| format!("hello {name}"))
        .unwrap()
        .register_fn("checked_sqrt", |x: f64| {
            if x < 0.0 {
                Err(physl::Error::value("checked_sqrt: negative input"))
            } else {
                Ok(x.sqrt())
            }
        })
        .unwrap();
    let mut s = engine.session();
    assert_eq!(s.eval("t", "answer() + 1").unwrap().to_string(), "43");
    assert_eq!(
        s.eval("t", "clip01([-1.0, 0.5, 2.0])").unwrap().to_string(),
        "[0, 0.5, 1]"
    );
    assert_eq!(
        s.eval("t", "affine([1, 2], 2, 0.5)").unwrap().to_string(),
        "[2.5, 4.5]"
    );
    assert_eq!(
        s.eval("t", "greet(\"physl\")").unwrap().to_string(),
        "hello physl"
    );
    // host functions are values too: fmap calls them back
    assert_eq!(
        s.eval("t", "fmap(checked_sqrt, list(4, 9))")
            .unwrap()
            .to_string(),
        "list(2, 3)"
    );
    assert_eq!(
        s.eval("t", "checked_sqrt(-1)").unwrap_err().code(),
        "physl::value"
    );
    // wrong arity and wrong types
    let e = s.eval("t", "affine([1, 2], 2)").unwrap_err();
    assert_eq!(e.code(), "physl::arity");
    assert!(e.message().contains("takes 3 arguments"), "{}", e.message());
    assert_eq!(s.eval("t", "answer(1)").unwrap_err().code(), "physl::arity");
    let e = s.eval("t", "affine([[1.0]], 2, 0)").unwrap_err();
    assert_eq!(e.code(), "physl::type");
    assert!(e.message().contains("argument 1"), "{}", e.message());
    let e = s.eval("t", "greet(3)").unwrap_err();
    assert_eq!(e.code(), "physl::type");
    let rendered = e.render(engine.sources(), false, 100);
    assert!(rendered.contains("greet(3)"), "{rendered}");
    // the names cannot be primitives, special forms or constants
    assert_eq!(
        engine.register_fn("dot", |x: f64| x).unwrap_err().code(),
        "physl::name"
    );
    assert!(engine.register_fn("define", |x: f64| x).is_err());
    assert!(engine.register_fn("pi", |x: f64| x).is_err());
    assert!(engine.register_fn("not a name", |x: f64| x).is_err());
}

#[test]
fn host_functions_work_in_compiled_programs_across_threads() {
    let mut engine = Engine::new();
    engine.register_fn("twice", |x: i64| 2 * x).unwrap();
    let program = engine
        .compile("t", "define(f, n, twice(n) + 1) f(20)")
        .unwrap();
    let out: Vec<String> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..4)
            .map(|_| sc.spawn(|| engine.session().run(&program).unwrap().to_string()))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(out.iter().all(|o| o == "41"), "{out:?}");
}

#[test]
fn ndarray_data_in_and_out() {
    let engine = Engine::new();
    let mut s = engine.session();
    s.eval(
        "model.physl",
        "define(predict, x, w, logistic_predict(x, w) > 0.5)",
    )
    .unwrap();
    let x: Array2<f64> = array![[1.0, 2.0], [-1.0, -3.0], [0.5, 0.0]];
    let w: Array1<f64> = array![1.0, 0.5];
    let p = s
        .call_global(
            "predict",
            vec![x.into_value().unwrap(), w.into_value().unwrap()],
        )
        .unwrap();
    let p: Array1<bool> = p.extract().unwrap();
    assert_eq!(p, array![true, false, true]);
    // ints, bools and scalars
    let v = Value::from(ArrayD::from_elem(IxDyn(&[2, 2]), 3i64));
    let a: Array2<i64> = v.extract().unwrap();
    assert_eq!(a.sum(), 12);
    assert!(Array2::<bool>::from_value(&v).is_err());
    assert_eq!(f64::from_value(&Value::Int(2)).unwrap(), 2.0);
    let l: Vec<f64> = s.eval("t", "list(1, 2.5)").unwrap().extract().unwrap();
    assert_eq!(l, vec![1.0, 2.5]);
}

#[test]
fn stdlib_is_defined_and_can_be_shadowed() {
    let engine = Engine::new();
    let mut s = engine.session();
    assert_eq!(
        s.eval("t", "accuracy([1, 0], [1, 1])").unwrap().to_string(),
        "0.5"
    );
    s.eval("t", "define(accuracy, a, b, 99)").unwrap();
    assert_eq!(s.eval("t", "accuracy(1, 2)").unwrap().to_string(), "99");
    // a new session has the stdlib version again
    assert_eq!(
        engine
            .session()
            .eval("t", "accuracy([1, 0], [1, 1])")
            .unwrap()
            .to_string(),
        "0.5"
    );
    // errors inside the stdlib point into its source
    let e = s.eval("t", "standardize(\"x\")").unwrap_err();
    let rendered = e.render(engine.sources(), false, 100);
    assert!(rendered.contains("stdlib/ml.physl"), "{rendered}");
}

#[test]
fn reset_and_globals() {
    let engine = Engine::new();
    let mut s = engine.session();
    s.set("data", array![1.0, 2.0].into_value().unwrap())
        .unwrap();
    assert_eq!(s.eval("t", "sum(data)").unwrap().to_string(), "3");
    assert!(s.get("data").is_some());
    s.reset();
    assert!(s.get("data").is_none());
    assert!(s.eval("t", "data").is_err());
    assert!(s.get("logistic").is_some());
}

/// A function whose last call was short runs on the caller's thread on the next call
/// (`Session::call` skips the pool handoff); that path keeps every guarantee of the pool
/// path. A host function reports the thread it runs on, which shows the path taken.
#[test]
fn repeated_embedded_calls_keep_depth_limit_futures_parallel_map_and_random_draws() {
    let mut engine = Engine::new().threads(2);
    engine
        .register_fn("thread_name", || {
            std::thread::current().name().unwrap_or("").to_string()
        })
        .unwrap();
    let mut s = engine.session();
    s.eval(
        "defs",
        "define(deep, n, if(n == 0, thread_name(), deep(n - 1)))
         define(twice, x, block(define(a, async(x * 2)), a + 1))
         define(draws, k, parallel_map(lambda(j, random(list(2)) * j), list(k, k + 1)))",
    )
    .unwrap();
    let text = |v: Value| v.to_string();
    let here = std::thread::current().name().unwrap_or("").to_string();
    let call = |f: &str, n: i64| s.call_global(f, vec![Value::Int(n)]);
    // The first call goes to the pool; once a call was short, the next one stays here.
    // Where a call runs depends on how long the previous one took, so the checks below
    // allow a slow machine several tries instead of asserting on one.
    let first = text(call("deep", 1).unwrap());
    assert!(first.starts_with("physl-worker"), "{first}");
    // 9000 nested calls from the test thread (a 2 MB stack) need the switched stack
    let ran_here = (0..20).any(|_| {
        call("deep", 1).unwrap();
        text(call("deep", 9000).unwrap()) == here
    });
    assert!(ran_here, "deep recursion never ran on the calling thread");
    // beyond the depth limit: the diagnostic, not a stack overflow
    for _ in 0..3 {
        call("deep", 1).unwrap();
        let err = call("deep", 20_000).unwrap_err();
        assert_eq!(err.code(), "physl::limit");
    }
    for _ in 0..3 {
        assert_eq!(text(call("twice", 20).unwrap()), "41");
    }
    // the same seed gives the same draws whichever path a call takes
    let mut seen = Vec::new();
    for _ in 0..4 {
        s.set_seed(7);
        seen.push(text(s.call_global("draws", vec![Value::Int(3)]).unwrap()));
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:?}");
    // errors keep their code whichever path
    for _ in 0..3 {
        let err = s.call_global("twice", vec![Value::str("a")]).unwrap_err();
        assert_eq!(err.code(), "physl::type", "{}", err.message());
    }
}

/// Calls from several threads at once into one compiled program each take the fast path
/// on their own thread's stack.
#[test]
fn short_calls_from_many_threads() {
    let engine = Engine::new();
    let program = engine.compile("t", "define(sq, x, x * x) sq").unwrap();
    std::thread::scope(|scope| {
        for t in 0..4i64 {
            let engine = &engine;
            let program = &program;
            scope.spawn(move || {
                let mut s = engine.session();
                let f = s.run(program).unwrap();
                for i in 0..200i64 {
                    let v = s.call(&f, vec![Value::Int(t * 1000 + i)]).unwrap();
                    assert_eq!(v.to_string(), ((t * 1000 + i) * (t * 1000 + i)).to_string());
                }
            });
        }
    });
}

/// `Session::run` of a program whose last run was short also stays on the calling thread,
/// with the same results; a host function that compiles source text while running works
/// on either thread (the parser runs on a thread of its own).
#[test]
fn repeated_short_runs_stay_on_the_calling_thread() {
    let mut engine = Engine::new();
    engine
        .register_fn("thread_name", || {
            std::thread::current().name().unwrap_or("").to_string()
        })
        .unwrap();
    let inner = engine.clone();
    engine
        .register_fn("compiled_ok", move |src: String| {
            inner.compile("inner", &src).is_ok()
        })
        .unwrap();
    let here = std::thread::current().name().unwrap_or("").to_string();
    let mut s = engine.session();
    // (thread name, the rest of the result as text)
    let mut run = |program: &physl::Program| match s.run(program).unwrap() {
        Value::List(items) => (
            items[0].to_string(),
            items[1..].iter().map(Value::to_string).collect::<Vec<_>>(),
        ),
        other => panic!("not a list: {other}"),
    };
    let short = engine
        .compile("t", "list(thread_name(), sum(linspace(0, 1, 11)))")
        .unwrap();
    let (first, rest) = run(&short);
    assert!(first.starts_with("physl-worker"), "{first}");
    assert_eq!(rest, ["5.5"]);
    // the decision counts the run's own work, so even a loaded machine gets here soon
    let ran_here = (0..200).any(|_| {
        let (name, again) = run(&short);
        assert_eq!(again, rest);
        name == here
    });
    assert!(ran_here, "never ran on the calling thread");
    // compiling inside a run: the parser's thread start is part of the work, so on a
    // loaded machine this may stay on the pool; the result is the same on both
    let compiles = engine
        .compile(
            "t",
            "list(thread_name(), compiled_ok(\"define(f, x, x + 1) f(1)\"), sum(linspace(0, 1, 11)))",
        )
        .unwrap();
    for _ in 0..20 {
        let (_, again) = run(&compiles);
        assert_eq!(again, ["true", "5.5"]);
    }
}

/// The same through the embedding API, for a call that runs on the caller's thread (its
/// switched stack has the same guard as the pool's threads).
#[test]
fn depth_limit_beyond_the_stack_is_a_limit_error_on_the_calling_thread_too() {
    let engine = Engine::new().max_depth(u32::MAX);
    let mut s = engine.session();
    s.eval("defs", "define(f, n, if(n == 0, 0, 1 + f(n - 1)))")
        .unwrap();
    for _ in 0..3 {
        assert_eq!(
            s.call_global("f", vec![Value::Int(5)]).unwrap().to_string(),
            "5"
        );
        let err = s
            .call_global("f", vec![Value::Int(100_000_000)])
            .unwrap_err();
        assert_eq!(err.code(), "physl::limit");
        assert!(err.message().contains("used up"), "{}", err.message());
    }
}
