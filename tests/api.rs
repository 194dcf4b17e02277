//! The embedding API: Engine / Program / Session.

use physl::{BufferHost, Engine, Limits, Program, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn program_is_send_sync_and_reusable() {
    assert_send_sync::<Program>();
    assert_send_sync::<Engine>();
    let engine = Engine::new();
    let program = engine
        .compile("t", "define(f, n, if(n < 2, n, f(n - 1) + f(n - 2))) f(15)")
        .unwrap();
    let results: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| engine.session().run(&program).unwrap().to_string()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(results.iter().all(|r| r == "610"), "{results:?}");
}

#[test]
fn session_keeps_definitions_across_entries() {
    let engine = Engine::new();
    let mut s = engine.session();
    s.eval("1", "define(x, 20) define(f, y, x + y)").unwrap();
    assert_eq!(s.eval("2", "f(1)").unwrap().to_string(), "21");
    // an error keeps earlier definitions
    assert!(s.eval("3", "define(z, 1) slice([1], 5)").is_err());
    assert_eq!(s.eval("4", "x * 2 + z").unwrap().to_string(), "41");
    assert!(s.eval("5", "undefined_thing").is_err());
    assert_eq!(s.eval("6", "store(x, 1) f(1)").unwrap().to_string(), "2");
}

#[test]
fn depth_limit_is_configurable() {
    let engine = Engine::with_limits(Limits {
        max_depth: 50,
        ..Limits::default()
    });
    let program = engine
        .compile("t", "define(f, n, if(n == 0, 0, 1 + f(n - 1)))")
        .unwrap();
    let mut s = engine.session();
    let f = s.run(&program).unwrap();
    assert_eq!(s.call(&f, vec![Value::Int(40)]).unwrap().to_string(), "40");
    assert_eq!(
        s.call(&f, vec![Value::Int(60)]).unwrap_err().code(),
        "physl::limit"
    );
}

#[test]
fn interrupt_stops_an_endless_loop() {
    let engine = Engine::new();
    let program = engine.compile("t", "while(true, 0)").unwrap();
    let mut s = engine.session();
    let flag = s.interrupt_handle();
    let err = std::thread::scope(|scope| {
        let h = scope.spawn(|| s.run(&program));
        std::thread::sleep(std::time::Duration::from_millis(50));
        flag.store(true, Ordering::Relaxed);
        h.join().unwrap()
    })
    .unwrap_err();
    assert_eq!(err.code(), "physl::interrupted");
}

#[test]
fn embedded_sessions_cannot_read_files_by_default() {
    let engine = Engine::new();
    let program = engine
        .compile("t", "file_read_csv(\"examples/data/breast_cancer.csv\")")
        .unwrap();
    let err = engine.session().run(&program).unwrap_err();
    assert_eq!(err.code(), "physl::io");
    let mut s = engine.session();
    s.set_host(Arc::new(BufferHost::new(true)));
    let program = engine
        .compile(
            "t",
            &format!(
                "shape(file_read_csv(\"{}/examples/data/breast_cancer.csv\"))",
                env!("CARGO_MANIFEST_DIR")
            ),
        )
        .unwrap();
    assert_eq!(s.run(&program).unwrap().to_string(), "list(569, 31)");
}

#[test]
fn output_goes_to_the_host() {
    let engine = Engine::new();
    let mut s = engine.session();
    let host = Arc::new(BufferHost::new(false));
    s.set_host(host.clone());
    s.eval("t", "cout(1, \"a\", [1.5, 2]) cout()").unwrap();
    assert_eq!(host.take_out(), "1 a [1.5, 2]\n\n");
}
