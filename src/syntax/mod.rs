//! Surface syntax: spans, the AST, the pest parser and the canonical code printer.

pub mod ast;
pub mod ast_json;
pub mod parser;
pub mod printer;
pub mod span;
pub mod transform;

pub use ast::*;
pub use parser::{completeness, parse_program, Completeness};
pub use printer::{print_expr, print_program};
pub use span::{Source, SourceMap, Span};
