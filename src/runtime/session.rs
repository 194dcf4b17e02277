//! The embedding API: [`Engine`] (configuration and sources, shared), [`Program`] (compiled
//! once, run many times), [`Session`] (globals, host, interrupt flag).

use super::frame::{new_cell, Cell};
use super::host::{BufferHost, Host};
use super::{Interp, Limits};
use crate::compile::{self, tree, GlobalScope};
use crate::diagnostics::Result;
use crate::kernels::random::Generator;
use crate::primitives::Args;
use crate::syntax::{self, ast::Expr, SourceMap};
use crate::value::Value;
use parking_lot::Mutex;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Native stack for the evaluator: deep PhySL recursion must end in a `physl::limit`
/// error, never a stack overflow (the depth limit of 10 000 calls needs ~100 MB).
const EVAL_STACK: usize = 1 << 30;

/// Configuration shared by sessions: the source map (for diagnostics) and the limits.
/// Cheap to clone, `Send + Sync`.
#[derive(Clone, Default)]
pub struct Engine {
    sources: SourceMap,
    limits: Arc<Limits>,
}

/// A compiled program: immutable, `Send + Sync`, runnable many times.
#[derive(Clone, Debug)]
pub struct Program {
    pub(crate) inner: Arc<tree::Program>,
}

impl Program {
    pub fn tree(&self) -> &tree::Program {
        &self.inner
    }
}

impl Engine {
    pub fn new() -> Engine {
        Engine::default()
    }

    pub fn with_limits(limits: Limits) -> Engine {
        Engine {
            sources: SourceMap::new(),
            limits: Arc::new(limits),
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Every source the engine has seen; needed to render diagnostics.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// Registers and parses a source.
    pub fn parse(&self, name: &str, text: &str) -> Result<Vec<Expr>> {
        let source = self.sources.add(name, text);
        on_big_stack(|| syntax::parse_program(text, source.base))
    }

    /// Compiles a standalone program (its own globals, `sys_argv` first).
    pub fn compile(&self, name: &str, text: &str) -> Result<Program> {
        let exprs = self.parse(name, text)?;
        self.compile_ast(&exprs)
    }

    /// Compiles already parsed expressions as a standalone program.
    pub fn compile_ast(&self, exprs: &[Expr]) -> Result<Program> {
        let mut scope = GlobalScope::new();
        let program = on_big_stack(|| compile::compile_program(exprs, &mut scope))?;
        Ok(Program {
            inner: Arc::new(program),
        })
    }

    /// A new session whose output is collected in memory and which may not touch files
    /// (embedders opt in with [`Session::set_host`]).
    pub fn session(&self) -> Session {
        Session {
            engine: self.clone(),
            scope: GlobalScope::new(),
            globals: vec![new_cell(Value::list(Vec::new()))],
            host: Arc::new(BufferHost::new(false)),
            interrupt: Arc::new(AtomicBool::new(false)),
            rng: Arc::new(Mutex::new(default_generator())),
        }
    }
}

/// The generator a new session starts with: `PHYSL_SEED` if set, else a seed from the OS.
fn default_generator() -> Generator {
    match std::env::var("PHYSL_SEED")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
    {
        Some(seed) => Generator::from_seed(seed),
        None => Generator::from_os(),
    }
}

/// The state of an interactive or embedded use: persistent globals, the host, the
/// interrupt flag.
pub struct Session {
    engine: Engine,
    scope: GlobalScope,
    globals: Vec<Cell>,
    host: Arc<dyn Host>,
    interrupt: Arc<AtomicBool>,
    rng: Arc<Mutex<Generator>>,
}

impl Session {
    /// Reseeds the session's random generator (`--seed`, `set_seed`).
    pub fn set_seed(&mut self, seed: u64) {
        *self.rng.lock() = Generator::from_seed(seed);
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn set_host(&mut self, host: Arc<dyn Host>) {
        self.host = host;
    }

    pub fn host(&self) -> &Arc<dyn Host> {
        &self.host
    }

    /// Setting the flag stops a running evaluation with `physl::interrupted` at the next
    /// loop step or call.
    pub fn interrupt_handle(&self) -> Arc<AtomicBool> {
        self.interrupt.clone()
    }

    /// Binds `sys_argv`.
    pub fn set_argv(&mut self, argv: Vec<Value>) {
        *self.globals[0].write() = Value::list(argv);
    }

    pub fn argv(&self) -> Value {
        self.globals[0].read().clone()
    }

    /// Runs a compiled program with fresh globals (`sys_argv` from this session). The
    /// session keeps them: later [`Session::call`]s and [`Session::eval`]s see the
    /// program's definitions.
    pub fn run(&mut self, program: &Program) -> Result<Value> {
        let argv = self.argv();
        let tree = &program.inner;
        self.globals = (0..tree.globals.len())
            .map(|i| new_cell(if i == 0 { argv.clone() } else { Value::Nil }))
            .collect();
        self.scope = tree.globals.clone();
        self.run_with_globals(tree, &self.globals)
    }

    fn run_with_globals(&self, program: &tree::Program, globals: &[Cell]) -> Result<Value> {
        self.interrupt
            .store(false, std::sync::atomic::Ordering::Relaxed);
        let limits = self.engine.limits.clone();
        let host = self.host.clone();
        let interrupt = self.interrupt.clone();
        let rng = self.rng.clone();
        on_big_stack(move || {
            let interp = Interp::new(globals, &*host, &limits, &interrupt, &rng);
            interp.run_main(&program.main)
        })
    }

    /// Compiles and runs source text against the session's persistent globals (the REPL):
    /// definitions stay for later calls; on an error, earlier definitions are kept.
    pub fn eval(&mut self, name: &str, text: &str) -> Result<Value> {
        let exprs = self.engine.parse(name, text)?;
        let mut scope = self.scope.clone();
        let program = on_big_stack(|| compile::compile_program(&exprs, &mut scope))?;
        while self.globals.len() < scope.len() {
            self.globals.push(new_cell(Value::Nil));
        }
        self.scope = scope;
        self.run_with_globals(&program, &self.globals)
    }

    /// Calls a function value (e.g. a program's `main`) with positional arguments.
    pub fn call(&self, f: &Value, args: Vec<Value>) -> Result<Value> {
        let limits = self.engine.limits.clone();
        let host = self.host.clone();
        let interrupt = self.interrupt.clone();
        let globals = &self.globals;
        let rng = self.rng.clone();
        on_big_stack(move || {
            let interp = Interp::new(globals, &*host, &limits, &interrupt, &rng);
            crate::primitives::Context::call(&interp, f, Args::from_vec(args))
        })
    }

    /// Names of the session's globals (for REPL completion).
    pub fn global_names(&self) -> Vec<String> {
        self.scope.names().iter().map(|n| n.to_string()).collect()
    }
}

/// Runs `f` on a thread with a large stack (falls back to the current thread if no thread
/// can be started).
pub fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        match std::thread::Builder::new()
            .name("physl-eval".into())
            .stack_size(EVAL_STACK)
            .spawn_scoped(s, f)
        {
            Ok(handle) => match handle.join() {
                Ok(v) => v,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Err(_) => unreachable_fallback(),
        }
    })
}

#[cold]
fn unreachable_fallback<T>() -> T {
    // Spawning a thread fails only when the process is out of resources; there is no
    // sensible way to continue a run then.
    eprintln!("physl: cannot start the evaluator thread (out of resources)");
    std::process::exit(1)
}

/// The value of a command-line argument (spec 2.10): a PhySL literal if the whole argument
/// parses as one, otherwise the argument as a string.
pub fn argv_value(arg: &str) -> Value {
    let Some(expr) = syntax::parser::parse_literal(arg) else {
        return Value::str(arg);
    };
    let engine = Engine::new();
    let program = match engine.compile_ast(std::slice::from_ref(&expr)) {
        Ok(p) => p,
        Err(_) => return Value::str(arg),
    };
    engine
        .session()
        .run(&program)
        .unwrap_or_else(|_| Value::str(arg))
}
