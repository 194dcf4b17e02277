//! physl: PhySL, the array language of Phylanx, in Rust.
//!
//! ```
//! let engine = physl::Engine::new();
//! let program = engine.compile("example", "define(f, x, x * 2) f(21)").unwrap();
//! let value = engine.session().run(&program).unwrap();
//! assert_eq!(value.to_string(), "42");
//! ```

pub mod compile;
pub mod diagnostics;
pub mod introspect;
pub mod kernels;
pub mod primitives;
pub mod runtime;
pub mod syntax;
#[cfg(test)]
pub(crate) mod testing;
pub mod value;

pub use diagnostics::{Error, ErrorKind, Result};
pub use runtime::host::{BufferHost, Host, StdHost};
pub use runtime::session::{Engine, Program, Session};
pub use runtime::Limits;
pub use syntax::parser::{completeness, Completeness};
pub use value::format::PrintFormat;
pub use value::{Array, DType, Value};
