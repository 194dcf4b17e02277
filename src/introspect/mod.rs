//! Introspection: per-node counters, the execution tree as DOT and Newick (spec 7.4, 7.5),
//! Chrome traces and the work/span (critical path) report.
//!
//! [`Profiler`] records while a program runs (installed with
//! [`Session::set_profiler`](crate::Session::set_profiler)); [`Tree`] names the nodes of a
//! program; the other modules turn both into text.

pub mod critical;
pub mod dot;
pub mod names;
pub mod newick;
pub mod profiler;
pub mod report;
pub mod trace;

pub use names::Tree;
pub use profiler::{ProfileOptions, Profiler, TaskOrigin};
