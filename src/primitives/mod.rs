//! The primitives, declared once each as data in their family file and collected by
//! [`registry`]. Everything else — name lookup, did-you-mean, arity and keyword checks,
//! `--docs`, REPL completion and help, the example tests — is generated from that table.
//!
//! A primitive is a plain function `fn(&dyn Context, Args) -> Result<Value>`. It receives
//! its arguments already evaluated, in signature order, with defaults filled in (so
//! `args.len()` equals the number of declared parameters, plus any variadic extras). It
//! labels errors by argument position (`Error::at_arg`); the evaluator turns those into
//! spans. Anything a primitive needs from the running program (calling a function value,
//! writing output, files) goes through [`Context`], which the runtime implements.

pub mod arithmetics;
pub mod booleans;
pub mod controls;
pub mod core;
pub mod fileio;
pub mod indexing;
pub mod iterative;
pub mod linalg;
pub mod listops;
pub mod matrixops;
pub mod random;
pub mod registry;
pub mod shaping;
pub mod solvers;
pub mod statistics;

use crate::diagnostics::{Error, Result};
use crate::value::Value;
use smallvec::SmallVec;

/// Evaluated arguments of one call.
pub type Args = SmallVec<[Value; 4]>;

/// What a primitive may ask of the running program.
pub trait Context: Sync {
    /// Calls a function value (user function, closure or primitive) with positional
    /// arguments.
    fn call(&self, f: &Value, args: Args) -> Result<Value>;
    /// Writes program output (`cout`) to stdout.
    fn write_out(&self, text: &str) -> Result<()>;
    /// Writes to stderr (`debug`).
    fn write_err(&self, text: &str) -> Result<()>;
    /// Reads a whole file, if the host allows it.
    fn read_file(&self, path: &str) -> Result<Vec<u8>>;
    /// Writes a whole file, if the host allows it.
    fn write_file(&self, path: &str, data: &[u8]) -> Result<()>;
    /// Returns an error when the run was interrupted; long-running primitives call it
    /// between items.
    fn check_interrupt(&self) -> Result<()>;
    /// The session's random generator (draws are effects and run in program order).
    fn random(&self) -> &parking_lot::Mutex<crate::kernels::random::Generator>;
    /// Calls `f` once per argument list and returns the results in input order; the
    /// evaluator runs the calls concurrently, each with its own random stream split off in
    /// input order (`parallel_map`). The first failing call's error (in input order) is
    /// returned.
    fn call_each(&self, f: &Value, calls: Vec<Args>) -> Result<Vec<Value>> {
        calls.into_iter().map(|a| self.call(f, a)).collect()
    }
    /// Starts calling the function `f` without arguments concurrently and returns a future
    /// of its value (`async`). Contexts without a scheduler call it right away.
    fn spawn(&self, f: &Value) -> Result<Value> {
        self.call(f, Args::new())
    }
}

pub type PrimFn = fn(&dyn Context, Args) -> Result<Value>;

/// How a table entry is evaluated.
#[derive(Clone, Copy)]
pub enum Eval {
    /// An ordinary primitive: arguments are evaluated first, then the function runs.
    Fn(PrimFn),
    /// A special form handled by the compiler (define, lambda, if, while, ...).
    Special,
}

/// The primitive families, named after Phylanx's plugin folders (spec 4.0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    Core,
    Arithmetics,
    Booleans,
    Controls,
    Listops,
    Matrixops,
    Statistics,
    Solvers,
    Fileio,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Core => "core",
            Family::Arithmetics => "arithmetics",
            Family::Booleans => "booleans",
            Family::Controls => "controls",
            Family::Listops => "listops",
            Family::Matrixops => "matrixops",
            Family::Statistics => "statistics",
            Family::Solvers => "solvers",
            Family::Fileio => "fileio",
        }
    }
}

/// Tiers of spec 4.0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    T1,
    T2,
    T3,
    T4,
}

/// What evaluating a primitive may do besides computing its value. The compiler combines
/// these into the effects of a subtree: only effect-free siblings may run concurrently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Effects {
    /// Reads or writes files, stdout or stderr.
    pub io: bool,
    /// Draws random numbers or changes the generator.
    pub random: bool,
    /// Calls function values it receives (its effects are those of the functions).
    pub calls: bool,
    /// Writes a variable (special forms `store`, `define`).
    pub writes: bool,
}

impl Effects {
    pub const PURE: Effects = Effects {
        io: false,
        random: false,
        calls: false,
        writes: false,
    };
    pub const IO: Effects = Effects {
        io: true,
        ..Effects::PURE
    };
    pub const RANDOM: Effects = Effects {
        random: true,
        ..Effects::PURE
    };
    pub const CALLS: Effects = Effects {
        calls: true,
        ..Effects::PURE
    };
    pub const WRITES: Effects = Effects {
        writes: true,
        ..Effects::PURE
    };

    pub fn is_pure(self) -> bool {
        self == Effects::PURE
    }

    pub fn union(self, o: Effects) -> Effects {
        Effects {
            io: self.io || o.io,
            random: self.random || o.random,
            calls: self.calls || o.calls,
            writes: self.writes || o.writes,
        }
    }
}

/// One entry of the primitive table.
pub struct Primitive {
    pub name: &'static str,
    pub family: Family,
    pub tier: Tier,
    /// The call signature, e.g. `"sum(a, axis=nil, keepdims=nil, initial=nil, dtype=nil)"`.
    /// Parameters with `=default` are optional (defaults are PhySL literals); a last
    /// parameter written `rest...` takes any number of further arguments. This string is
    /// the only source of the arity, the keyword names and the defaults.
    pub signature: &'static str,
    pub effects: Effects,
    /// One or two sentences; the first line is the summary shown by `--docs`.
    pub help: &'static str,
    /// `(code, expected plain output)`; an expected value starting with `!` is an error
    /// code (`"!physl::shape"`). Every example runs as a test.
    pub examples: &'static [(&'static str, &'static str)],
    /// Registers the `NAME__bool`, `NAME__int`, `NAME__float` aliases (spec 4.1).
    pub dtype_aliases: bool,
    pub eval: Eval,
}

impl std::fmt::Debug for Primitive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Primitive({})", self.name)
    }
}

/// A parsed parameter of a signature.
#[derive(Clone, Debug)]
pub struct Param {
    pub name: &'static str,
    /// `None` for a required parameter.
    pub default: Option<Value>,
}

/// A parsed signature.
#[derive(Clone, Debug)]
pub struct Signature {
    /// Fixed parameters, in order (the variadic rest excluded).
    pub params: Vec<Param>,
    /// Name of the variadic rest parameter, if any.
    pub rest: Option<&'static str>,
}

impl Signature {
    /// Fewest arguments a call may pass.
    pub fn min_args(&self) -> usize {
        self.params
            .iter()
            .take_while(|p| p.default.is_none())
            .count()
    }

    /// Most arguments a call may pass (`None` = unbounded).
    pub fn max_args(&self) -> Option<usize> {
        if self.rest.is_some() {
            None
        } else {
            Some(self.params.len())
        }
    }

    pub fn position(&self, keyword: &str) -> Option<usize> {
        self.params.iter().position(|p| p.name == keyword)
    }

    /// Human description of the accepted count: "2", "1 to 3", "at least 2".
    pub fn arity_text(&self) -> String {
        let min = self.min_args();
        match self.max_args() {
            None => format!("at least {min}"),
            Some(max) if max == min => format!("{min}"),
            Some(max) => format!("{min} to {max}"),
        }
    }
}

impl Primitive {
    /// The parsed signature (parsed once, on first use).
    pub fn sig(&'static self) -> &'static Signature {
        registry::signature_of(self)
    }

    pub fn is_special(&self) -> bool {
        matches!(self.eval, Eval::Special)
    }

    pub fn summary(&self) -> &'static str {
        self.help.lines().next().unwrap_or("")
    }
}

/// Parses a signature string. Panics on a malformed one: signatures are static table data,
/// checked by a test over the whole table, never user input.
pub fn parse_signature(name: &str, sig: &'static str) -> Signature {
    let open = sig
        .find('(')
        .unwrap_or_else(|| panic!("signature of {name} has no `(`: {sig}"));
    let inner = sig[open + 1..]
        .strip_suffix(')')
        .unwrap_or_else(|| panic!("signature of {name} does not end in `)`: {sig}"));
    let mut params = Vec::new();
    let mut rest = None;
    for part in split_top_level(inner) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        assert!(
            rest.is_none(),
            "{name}: the variadic parameter must be last"
        );
        if let Some(r) = part.strip_suffix("...") {
            rest = Some(r.trim());
        } else if let Some((p, d)) = part.split_once('=') {
            params.push(Param {
                name: p.trim(),
                default: Some(
                    parse_default(d.trim())
                        .unwrap_or_else(|| panic!("{name}: cannot parse default `{d}` in {sig}")),
                ),
            });
        } else {
            assert!(
                params.iter().all(|p: &Param| p.default.is_none()),
                "{name}: required parameter `{part}` after an optional one"
            );
            params.push(Param {
                name: part,
                default: None,
            });
        }
    }
    Signature { params, rest }
}

fn split_top_level(s: &'static str) -> Vec<&'static str> {
    let mut parts = Vec::new();
    let (mut depth, mut start, mut in_str) = (0i32, 0usize, false);
    for (i, c) in s.char_indices() {
        match c {
            '"' => in_str = !in_str,
            '(' if !in_str => depth += 1,
            ')' if !in_str => depth -= 1,
            ',' if !in_str && depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// Default values are small literals: nil, true, false, numbers, strings, `list(...)`.
fn parse_default(s: &'static str) -> Option<Value> {
    Some(match s {
        "nil" => Value::Nil,
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ if s.starts_with('"') && s.ends_with('"') && s.len() >= 2 => {
            Value::str(&s[1..s.len() - 1])
        }
        _ if s.starts_with("list(") && s.ends_with(')') => {
            let items = split_top_level(&s[5..s.len() - 1])
                .into_iter()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(parse_default)
                .collect::<Option<Vec<_>>>()?;
            Value::list(items)
        }
        _ if s.contains(['.', 'e', 'E']) => Value::Float(s.parse().ok()?),
        _ => Value::Int(s.parse().ok()?),
    })
}

/// The standard "wrong kind of argument" error, labelled on the argument:
/// `bad_arg("slice", 1, "an integer, list or nil", &v)` →
/// "slice: argument 2 must be an integer, list or nil, not a string".
pub fn bad_arg(prim: &str, arg: usize, expected: &str, got: &Value) -> Error {
    Error::type_error(format!(
        "{prim}: argument {} must be {expected}, not a {}",
        arg + 1,
        got.describe()
    ))
    .at_arg(arg, format!("this is a {}", got.describe()))
}

/// A function value backed by a table primitive (`fmap(sqrt, ...)`, `apply(__add, ...)`).
#[derive(Debug)]
pub struct PrimitiveFn(pub &'static Primitive);

impl crate::value::FuncObj for PrimitiveFn {
    fn name(&self) -> &str {
        self.0.name
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Signature of a host function.
pub type NativeCallable = dyn Fn(&dyn Context, Args) -> Result<Value> + Send + Sync;

/// A function value implemented in Rust by an embedder (or a test): called with the
/// positional arguments as given.
pub struct NativeFn {
    pub name: String,
    pub func: Box<NativeCallable>,
}

impl std::fmt::Debug for NativeFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NativeFn({})", self.name)
    }
}

impl crate::value::FuncObj for NativeFn {
    fn name(&self) -> &str {
        &self.name
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl NativeFn {
    /// Wraps a closure as a function value.
    pub fn value(
        name: &str,
        func: impl Fn(&dyn Context, Args) -> Result<Value> + Send + Sync + 'static,
    ) -> Value {
        Value::Func(std::sync::Arc::new(NativeFn {
            name: name.to_string(),
            func: Box::new(func),
        }))
    }
}

/// The function value of a primitive.
pub fn primitive_value(p: &'static Primitive) -> Value {
    Value::Func(std::sync::Arc::new(PrimitiveFn(p)))
}

/// Checks the argument count of a call through a function value and fills in defaults, so
/// the primitive sees the same argument list as from a direct call.
pub fn fill_args(p: &'static Primitive, mut args: Args) -> Result<Args> {
    let sig = p.sig();
    let n = args.len();
    if n < sig.min_args() || sig.max_args().is_some_and(|m| n > m) {
        return Err(Error::arity(format!(
            "{} takes {} argument{}, but {n} {} given",
            p.name,
            sig.arity_text(),
            if sig.arity_text() == "1" { "" } else { "s" },
            if n == 1 { "was" } else { "were" }
        ))
        .at_call(format!("signature: {}", p.signature)));
    }
    for param in &sig.params[n.min(sig.params.len())..] {
        args.push(param.default.clone().unwrap_or(Value::Nil));
    }
    Ok(args)
}

/// Calls a primitive through its function value.
pub fn call_primitive(cx: &dyn Context, p: &'static Primitive, args: Args) -> Result<Value> {
    match p.eval {
        Eval::Fn(f) => f(cx, fill_args(p, args)?),
        Eval::Special => Err(Error::type_error(format!(
            "`{}` is a special form and cannot be called as a function value",
            p.name
        ))),
    }
}

/// A [`Context`] for unit tests of primitives: calls primitives and [`NativeFn`]s,
/// collects stdout, reads files from disk.
#[cfg(test)]
pub struct TestContext {
    pub out: parking_lot::Mutex<String>,
    pub rng: parking_lot::Mutex<crate::kernels::random::Generator>,
}

#[cfg(test)]
impl Default for TestContext {
    fn default() -> Self {
        TestContext {
            out: parking_lot::Mutex::new(String::new()),
            rng: parking_lot::Mutex::new(crate::kernels::random::Generator::from_seed(0)),
        }
    }
}

#[cfg(test)]
impl Context for TestContext {
    fn call(&self, f: &Value, args: Args) -> Result<Value> {
        match f {
            Value::Func(obj) => {
                if let Some(p) = obj.as_any().downcast_ref::<PrimitiveFn>() {
                    call_primitive(self, p.0, args)
                } else if let Some(n) = obj.as_any().downcast_ref::<NativeFn>() {
                    (n.func)(self, args)
                } else {
                    Err(Error::internal("TestContext cannot call this function"))
                }
            }
            other => Err(Error::type_error(format!(
                "cannot call a {}",
                other.describe()
            ))),
        }
    }
    fn write_out(&self, text: &str) -> Result<()> {
        self.out.lock().push_str(text);
        Ok(())
    }
    fn write_err(&self, _text: &str) -> Result<()> {
        Ok(())
    }
    fn read_file(&self, path: &str) -> Result<Vec<u8>> {
        std::fs::read(path).map_err(|e| Error::io(format!("cannot read {path}: {e}")))
    }
    fn write_file(&self, path: &str, data: &[u8]) -> Result<()> {
        std::fs::write(path, data).map_err(|e| Error::io(format!("cannot write {path}: {e}")))
    }
    fn check_interrupt(&self) -> Result<()> {
        Ok(())
    }
    fn random(&self) -> &parking_lot::Mutex<crate::kernels::random::Generator> {
        &self.rng
    }
}
