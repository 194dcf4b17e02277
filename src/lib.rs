//! physl: PhySL, the array language of Phylanx, in Rust.
//!
//! The embedding API has three parts:
//!
//! * [`Engine`]: configuration shared by everything it makes — the [`Limits`] (recursion
//!   depth, step budget), the host functions registered with [`Engine::register_fn`], the
//!   stdlib (functions written in PhySL, see [`stdlib`]) and the sources for diagnostics.
//!   Cheap to clone, `Send + Sync`.
//! * [`Program`]: a compiled program, run many times, by many sessions and threads at once.
//! * [`Session`]: the state of one use — globals, the [`Host`] (where output goes and whether
//!   files may be touched: **denied by default** for embedded sessions), the random
//!   generator and an [`InterruptHandle`].
//!
//! Values cross the boundary as [`Value`]s, converted from and to Rust types (scalars,
//! `String`, `Vec`, ndarray arrays of `f64`, `i64` and `bool`) with [`FromValue`] and
//! [`IntoValue`].
//!
//! ```
//! use ndarray::{array, Array1};
//! use physl::{Engine, IntoValue};
//!
//! let engine = physl::Engine::new();
//! let program = engine.compile("example", "define(f, x, x * 2) f(21)").unwrap();
//! let value = engine.session().run(&program).unwrap();
//! assert_eq!(value.to_string(), "42");
//!
//! // a model as a PhySL function, called with ndarray data
//! let mut session = engine.session();
//! session.eval("model.physl", "define(predict, x, w, logistic(dot(x, w)))").unwrap();
//! let x = array![[1.0, 2.0], [0.5, -1.0]].into_value().unwrap();
//! let w = array![0.0, 0.0].into_value().unwrap();
//! let p: Array1<f64> = session.call_global("predict", vec![x, w]).unwrap().extract().unwrap();
//! assert_eq!(p, array![0.5, 0.5]);
//! ```
//!
//! Errors are [`Error`]s with a stable code (`physl::type`, `physl::limit`, ...) and
//! render with their source lines through [`Error::render`] and [`Engine::sources`].

#[cfg(feature = "openblas")]
extern crate blas_src; // without it: rust-lld: undefined symbol: cblas_dgemm / cblas_dgemv / cblas_ddot

pub mod alloc;
pub mod compile;
pub mod diagnostics;
pub mod introspect;
pub mod kernels;
pub mod primitives;
pub mod runtime;
pub mod stdlib;
pub mod syntax;
#[cfg(test)]
pub(crate) mod testing;
pub mod value;

pub use diagnostics::{Error, ErrorKind, Result};
pub use runtime::convert::{FromValue, HostFn, IntoValue};
pub use runtime::host::{BufferHost, Host, StdHost};
pub use runtime::session::{Engine, InterruptHandle, Program, Session};
pub use runtime::Limits;
pub use syntax::parser::{completeness, Completeness};
pub use value::format::PrintFormat;
pub use value::{Array, DType, Value};
