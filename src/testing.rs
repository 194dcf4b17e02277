//! Helpers for unit tests: run PhySL source through the real engine.

use crate::diagnostics::Result;
use crate::runtime::host::BufferHost;
use crate::runtime::session::Engine;
use crate::value::Value;
use std::sync::Arc;

/// Compiles and runs `src` in a fresh session (files allowed, fixed seed 0); returns the
/// program's value.
pub fn eval(src: &str) -> Result<Value> {
    let engine = Engine::new();
    let mut session = engine.session();
    session.set_host(Arc::new(BufferHost::new(true)));
    session.set_seed(0);
    session.eval("test", src)
}

/// The value of `src` in the `--print-format json` contract, or the error code.
pub fn json(src: &str) -> String {
    match eval(src) {
        Ok(v) => crate::value::format::json(&v),
        Err(e) => e.code().to_string(),
    }
}

/// The value of `src` in the plain format, or the error code.
pub fn plain(src: &str) -> String {
    match eval(src) {
        Ok(v) => v.to_string(),
        Err(e) => e.code().to_string(),
    }
}

#[test]
fn helpers_work() {
    assert_eq!(plain("1 + 2"), "3");
    assert_eq!(plain("undefined_name"), "physl::name");
    assert_eq!(
        json("[1.5]"),
        r#"{"dtype": "float64", "shape": [1], "data": [1.5]}"#
    );
}
