//! The embedding API: [`Engine`] (configuration, host functions, stdlib; shared),
//! [`Program`] (compiled once, run many times), [`Session`] (globals, host, interrupt flag).
//!
//! ```
//! use physl::{Engine, Limits};
//!
//! let mut engine = Engine::with_limits(Limits { max_steps: Some(1_000_000), ..Limits::default() });
//! engine.register_fn("clamp01", |x: f64| x.clamp(0.0, 1.0)).unwrap();
//! let program = engine.compile("model.physl", "define(f, x, clamp01(x * 2)) f").unwrap();
//! let mut session = engine.session();
//! let f = session.run(&program).unwrap();
//! assert_eq!(session.call(&f, vec![0.3.into()]).unwrap().to_string(), "0.6");
//! assert_eq!(session.call(&f, vec![0.7.into()]).unwrap().to_string(), "1");
//! ```

use super::convert::HostFn;
use super::frame::{new_cell, Cell};
use super::host::{BufferHost, Host};
use super::{Interp, Limits, RunShared};
use crate::compile::{self, tree, GlobalScope};
use crate::diagnostics::{Error, Result};
use crate::kernels::random::Generator;
use crate::primitives::{registry, Args, NativeFn};
use crate::syntax::{self, ast::Expr, SourceMap};
use crate::value::Value;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

// the evaluator's stack size: deep PhySL recursion must end in a `physl::limit` error,
// never a stack overflow (the depth limit of 10 000 calls needs ~100 MB)
use super::stack::EVAL_STACK;

/// Setting the flag (`store(true, Ordering::Relaxed)`) stops a running evaluation with
/// `physl::interrupted` at the next loop step or call. Safe to set from any thread or a
/// signal handler.
pub type InterruptHandle = Arc<AtomicBool>;

/// The globals every session starts with: `sys_argv`, the stdlib functions and the host
/// functions, in this order. `values[i]` is the start value of global `i`.
#[derive(Clone)]
struct Prelude {
    scope: GlobalScope,
    values: Vec<Value>,
}

impl Prelude {
    fn empty() -> Prelude {
        Prelude {
            scope: GlobalScope::new(),
            values: vec![Value::list(Vec::new())],
        }
    }

    /// The stdlib, compiled and defined once per process. Its closures refer to globals
    /// by index only, so they are valid in every session that starts from this prelude.
    fn stdlib() -> Arc<Prelude> {
        static STDLIB: OnceLock<Arc<Prelude>> = OnceLock::new();
        STDLIB
            .get_or_init(|| {
                let bare = Engine {
                    sources: SourceMap::new(),
                    limits: Arc::new(Limits::default()),
                    prelude: Arc::new(Prelude::empty()),
                    threads: 0,
                };
                let mut session = bare.session();
                for (name, text) in crate::stdlib::SOURCES {
                    // a broken stdlib is caught by the stdlib tests; the engine then still
                    // works, without it
                    if session.eval(name, text).is_err() {
                        return Arc::new(Prelude::empty());
                    }
                }
                let values = session.globals.iter().map(|c| c.read().clone()).collect();
                Arc::new(Prelude {
                    scope: session.scope,
                    values,
                })
            })
            .clone()
    }
}

/// Configuration shared by sessions: the limits, the host functions, the stdlib and the
/// source map (for diagnostics). Cheap to clone, `Send + Sync`.
///
/// Sessions made by [`Engine::session`] collect output in memory and **may not touch
/// files** ([`BufferHost`] with file access denied): `file_read_csv` and friends fail with
/// a `physl::io` error unless the embedder installs a host that allows them
/// ([`Session::set_host`] with [`BufferHost::new(true)`](BufferHost::new) or
/// [`StdHost`](super::host::StdHost)). The `physl` command line allows file access.
///
/// ```
/// let engine = physl::Engine::new();
/// let err = engine.session().eval("t", "file_read_csv(\"data.csv\")").unwrap_err();
/// assert_eq!(err.code(), "physl::io");
/// assert!(err.message().contains("not allowed"));
/// ```
#[derive(Clone)]
pub struct Engine {
    sources: SourceMap,
    limits: Arc<Limits>,
    prelude: Arc<Prelude>,
    /// Worker threads for concurrent evaluation (0: `PHYSL_THREADS`, else all cores).
    threads: usize,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("limits", &*self.limits)
            .field("prelude_globals", &self.prelude.scope.names())
            .finish()
    }
}

impl Default for Engine {
    fn default() -> Engine {
        Engine::new()
    }
}

/// A compiled program: immutable, `Send + Sync`, runnable many times, by many sessions at
/// once.
#[derive(Clone, Debug)]
pub struct Program {
    pub(crate) inner: Arc<tree::Program>,
}

impl Program {
    pub fn tree(&self) -> &tree::Program {
        &self.inner
    }
}

/// True if `name` can be a PhySL identifier.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Engine {
    /// An engine with the default [`Limits`] and the stdlib.
    pub fn new() -> Engine {
        let sources = SourceMap::new();
        // The stdlib's spans point into its sources: every engine registers them first, in
        // the same order, so that they get the same offsets as when the stdlib was compiled.
        for (name, text) in crate::stdlib::SOURCES {
            sources.add(*name, *text);
        }
        Engine {
            sources,
            limits: Arc::new(Limits::default()),
            prelude: Prelude::stdlib(),
            threads: 0,
        }
    }

    /// Sets the number of worker threads that evaluate concurrent parts of programs and
    /// parallel kernels (builder style; spec 6.2 `--threads`). 0 means `PHYSL_THREADS` if
    /// set, else all cores. With 1 everything runs left to right on one thread; results are
    /// the same for every count.
    ///
    /// ```
    /// let engine = physl::Engine::new().threads(2);
    /// assert_eq!(engine.thread_count(), 2);
    /// let mut s = engine.session();
    /// assert_eq!(s.eval("t", "parallel_map(lambda(x, x * x), list(1, 2, 3))").unwrap().to_string(), "list(1, 4, 9)");
    /// ```
    pub fn threads(mut self, n: usize) -> Engine {
        self.threads = n;
        self
    }

    /// The number of worker threads runs of this engine use.
    pub fn thread_count(&self) -> usize {
        resolve_threads(self.threads)
    }

    /// An engine with the given limits and the stdlib.
    pub fn with_limits(limits: Limits) -> Engine {
        Engine {
            limits: Arc::new(limits),
            ..Engine::new()
        }
    }

    /// Sets the deepest nesting of user-function calls (builder style).
    pub fn max_depth(mut self, depth: u32) -> Engine {
        Arc::make_mut(&mut self.limits).max_depth = depth;
        self
    }

    /// Sets the step budget of each run (builder style); see [`Limits::max_steps`].
    ///
    /// ```
    /// let engine = physl::Engine::new().max_steps(10_000);
    /// let err = engine.session().eval("t", "while(true, 0)").unwrap_err();
    /// assert_eq!(err.code(), "physl::limit");
    /// ```
    pub fn max_steps(mut self, steps: u64) -> Engine {
        Arc::make_mut(&mut self.limits).max_steps = Some(steps);
        self
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Every source the engine has seen; needed to render diagnostics.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// Registers a host function: a Rust closure of 0 to 6 arguments whose parameter types
    /// implement [`FromValue`](super::convert::FromValue) and whose result implements
    /// [`IntoValue`](super::convert::IntoValue) (a `Result` of it included). PhySL code
    /// compiled by this engine (and sessions made after this call) can call it by name.
    /// Calls with the wrong number of arguments fail with `physl::arity`, arguments that
    /// do not convert with `physl::type`. The name may not be a primitive, a special form or a
    /// constant (a `physl::name` error); registering a name again replaces the function.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// let mut engine = physl::Engine::new();
    /// engine
    ///     .register_fn("scale", |a: ArrayD<f64>, k: f64| a * k)
    ///     .unwrap();
    /// let mut s = engine.session();
    /// assert_eq!(s.eval("t", "scale([1, 2], 1.5)").unwrap().to_string(), "[1.5, 3]");
    /// assert_eq!(s.eval("t", "scale([1, 2])").unwrap_err().code(), "physl::arity");
    /// assert_eq!(s.eval("t", "scale(\"a\", 2)").unwrap_err().code(), "physl::type");
    /// ```
    pub fn register_fn<A, R, F: HostFn<A, R>>(&mut self, name: &str, f: F) -> Result<&mut Engine> {
        let arity = F::ARITY;
        let fname = name.to_string();
        self.register_raw_fn(name, move |args: &[Value]| {
            if args.len() != arity {
                return Err(Error::arity(format!(
                    "{fname} takes {arity} argument{}, but {} {} given",
                    if arity == 1 { "" } else { "s" },
                    args.len(),
                    if args.len() == 1 { "was" } else { "were" }
                )));
            }
            f.call(&fname, args)
        })
    }

    /// Registers a host function that takes its arguments as they come (any number).
    pub fn register_raw_fn(
        &mut self,
        name: &str,
        f: impl Fn(&[Value]) -> Result<Value> + Send + Sync + 'static,
    ) -> Result<&mut Engine> {
        if !is_identifier(name) {
            return Err(Error::name(format!(
                "`{name}` is not a valid function name"
            )));
        }
        if compile::RESERVED.contains(&name) || compile::constant(name).is_some() {
            return Err(Error::name(format!(
                "`{name}` is reserved and cannot name a host function"
            )));
        }
        if registry::lookup(name).is_some() {
            return Err(Error::name(format!(
                "`{name}` is a primitive; a host function cannot replace it"
            )));
        }
        let value = NativeFn::value(name, move |_cx, args: Args| f(&args));
        let prelude = Arc::make_mut(&mut self.prelude);
        let i = prelude.scope.define(name, None) as usize;
        if prelude.values.len() <= i {
            prelude.values.resize(i + 1, Value::Nil);
        }
        prelude.values[i] = value;
        Ok(self)
    }

    /// Registers and parses a source.
    pub fn parse(&self, name: &str, text: &str) -> Result<Vec<Expr>> {
        let source = self.sources.add(name, text);
        on_big_stack(|| syntax::parse_program(text, source.base))
    }

    /// Reads a `--dump-ast` file (JSON, `docs/ast-format.md`); its sources are registered so
    /// that diagnostics point into them. `file` names the dump in error messages.
    pub fn load_ast(&self, file: &str, json: &str) -> Result<Vec<Expr>> {
        on_big_stack(|| syntax::ast_json::load(json, file, &self.sources))
    }

    /// The `--dump-ast` JSON of expressions parsed (or loaded) by this engine.
    pub fn dump_ast(&self, exprs: &[Expr]) -> String {
        on_big_stack(|| syntax::ast_json::dump(exprs, &self.sources))
    }

    /// Compiles a standalone program (its own globals: `sys_argv`, the stdlib, the host
    /// functions, then the program's).
    pub fn compile(&self, name: &str, text: &str) -> Result<Program> {
        let exprs = self.parse(name, text)?;
        self.compile_ast(&exprs)
    }

    /// Compiles already parsed expressions as a standalone program.
    pub fn compile_ast(&self, exprs: &[Expr]) -> Result<Program> {
        let mut scope = self.prelude.scope.clone();
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
            scope: self.prelude.scope.clone(),
            globals: self.prelude.values.iter().cloned().map(new_cell).collect(),
            host: Arc::new(BufferHost::new(false)),
            interrupt: Arc::new(AtomicBool::new(false)),
            rng: Arc::new(Mutex::new(default_generator())),
            profiler: None,
            call_costs: CallCosts::default(),
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
/// interrupt flag, the random generator.
pub struct Session {
    engine: Engine,
    scope: GlobalScope,
    /// Shared with each run as one reference (a call does not copy the list).
    globals: Arc<[Cell]>,
    host: Arc<dyn Host>,
    interrupt: InterruptHandle,
    rng: Arc<Mutex<Generator>>,
    profiler: Option<Arc<crate::introspect::Profiler>>,
    call_costs: CallCosts,
}

/// How long the last [`Session::call`] of each function, and the last [`Session::run`] of
/// each program, took: that decides where the next one runs.
#[derive(Default)]
struct CallCosts {
    /// Keyed by the address of the function object or program; the entry keeps it alive,
    /// so that the address cannot be reused by something else while the entry exists.
    last: Mutex<HashMap<usize, (Repeated, std::time::Duration)>>,
}

/// What a session may run again.
enum Repeated {
    Func(Value),
    Program(Arc<tree::Program>),
}

impl Repeated {
    fn address(&self) -> Option<usize> {
        match self {
            Repeated::Func(Value::Func(obj)) => Some(Arc::as_ptr(obj) as *const () as usize),
            Repeated::Func(_) => None,
            Repeated::Program(p) => Some(Arc::as_ptr(p) as usize),
        }
    }
}

impl CallCosts {
    /// Below this a call runs on the caller's thread: the pool handoff would cost more than
    /// a tenth of the call, more than its concurrency could win back.
    const SHORT: std::time::Duration = std::time::Duration::from_micros(500);
    /// Entries kept at most (an embedder calling many distinct closures once each must not
    /// grow the map without bound).
    const MAX_ENTRIES: usize = 1024;

    fn is_short(&self, work: &Repeated) -> bool {
        work.address()
            .and_then(|k| self.last.lock().get(&k).map(|(_, t)| *t < Self::SHORT))
            .unwrap_or(false)
    }

    fn record(&self, work: Repeated, took: std::time::Duration) {
        let Some(k) = work.address() else { return };
        let mut last = self.last.lock();
        if last.len() >= Self::MAX_ENTRIES && !last.contains_key(&k) {
            last.clear();
        }
        last.insert(k, (work, took));
    }
}

impl Session {
    /// Records every node evaluation of later runs, evals and calls in `p` (counters,
    /// trace events); `None` stops recording.
    pub fn set_profiler(&mut self, p: Option<Arc<crate::introspect::Profiler>>) {
        self.profiler = p;
    }

    /// Reseeds the session's random generator (`--seed`, `set_seed`).
    pub fn set_seed(&mut self, seed: u64) {
        *self.rng.lock() = Generator::from_seed(seed);
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Where output goes and whether files may be read or written.
    pub fn set_host(&mut self, host: Arc<dyn Host>) {
        self.host = host;
    }

    pub fn host(&self) -> &Arc<dyn Host> {
        &self.host
    }

    /// Setting the flag stops a running evaluation with `physl::interrupted` at the next
    /// loop step or call. Each run, eval and call clears it when it starts.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        self.interrupt.clone()
    }

    /// Binds `sys_argv`.
    pub fn set_argv(&mut self, argv: Vec<Value>) {
        *self.globals[0].write() = Value::list(argv);
    }

    pub fn argv(&self) -> Value {
        self.globals[0].read().clone()
    }

    /// Forgets every definition: back to `sys_argv`, the stdlib and the host functions
    /// (the host, the generator and `sys_argv` stay).
    pub fn reset(&mut self) {
        let argv = self.argv();
        let prelude = &self.engine.prelude;
        self.scope = prelude.scope.clone();
        self.globals = prelude.values.iter().cloned().map(new_cell).collect();
        *self.globals[0].write() = argv;
    }

    /// The value of a global (`None` if no such global is defined).
    pub fn get(&self, name: &str) -> Option<Value> {
        let (i, _) = self.scope.lookup(name)?;
        Some(self.globals.get(i as usize)?.read().clone())
    }

    /// Defines (or overwrites) a global, e.g. to hand data to later [`Session::eval`]s.
    ///
    /// ```
    /// let mut s = physl::Engine::new().session();
    /// s.set("n", 20i64.into()).unwrap();
    /// assert_eq!(s.eval("t", "n + 1").unwrap().to_string(), "21");
    /// ```
    pub fn set(&mut self, name: &str, value: Value) -> Result<()> {
        if !is_identifier(name)
            || compile::RESERVED.contains(&name)
            || compile::constant(name).is_some()
        {
            return Err(Error::name(format!("`{name}` cannot be defined")));
        }
        let i = self.scope.define(name, None) as usize;
        self.grow_globals(i + 1);
        *self.globals[i].write() = value;
        Ok(())
    }

    /// Runs a compiled program with fresh globals (`sys_argv` from this session). The
    /// session keeps them: later [`Session::call`]s and [`Session::eval`]s see the
    /// program's definitions.
    pub fn run(&mut self, program: &Program) -> Result<Value> {
        let argv = self.argv();
        let tree = &program.inner;
        let start = &self.engine.prelude.values;
        self.globals = (0..tree.globals.len())
            .map(|i| match i {
                0 => new_cell(argv.clone()),
                i => new_cell(start.get(i).cloned().unwrap_or(Value::Nil)),
            })
            .collect();
        self.scope = tree.globals.clone();
        self.run_with_globals(tree, Some(Repeated::Program(tree.clone())))
    }

    /// Makes room for `n` globals (new ones are nil).
    fn grow_globals(&mut self, n: usize) {
        if self.globals.len() < n {
            let mut all = self.globals.to_vec();
            all.resize_with(n, || new_cell(Value::Nil));
            self.globals = all.into();
        }
    }

    /// Owned handles to the session's state for one run.
    fn run_shared(&self) -> Arc<RunShared> {
        RunShared::new(
            self.globals.clone(),
            self.host.clone(),
            self.engine.limits.clone(),
            self.interrupt.clone(),
        )
    }

    fn run_with_globals(&self, program: &tree::Program, work: Option<Repeated>) -> Result<Value> {
        self.interrupt.store(false, Ordering::Relaxed);
        let run = self.run_shared();
        let rng = self.rng.clone();
        let profiler = self.profiler.clone();
        self.run_where_cheapest(work, move || {
            let interp = Interp::for_run(&run, &rng).with_profiler(profiler.as_deref());
            let result = interp.run_main(&program.main);
            interp.finish(result)
        })
    }

    /// Compiles and runs source text against the session's persistent globals (the REPL):
    /// definitions stay for later calls; on an error, earlier definitions are kept.
    ///
    /// ```
    /// let mut s = physl::Engine::new().session();
    /// s.eval("1", "define(square_sum, a, b, a * a + b * b)").unwrap();
    /// assert_eq!(s.eval("2", "square_sum(3, 4)").unwrap().to_string(), "25");
    /// // the stdlib is there too
    /// assert_eq!(s.eval("3", "logistic(0.0)").unwrap().to_string(), "0.5");
    /// ```
    pub fn eval(&mut self, name: &str, text: &str) -> Result<Value> {
        let exprs = self.engine.parse(name, text)?;
        let mut scope = self.scope.clone();
        let program = on_big_stack(|| compile::compile_program(&exprs, &mut scope))?;
        self.grow_globals(scope.len());
        self.scope = scope;
        self.run_with_globals(&program, None)
    }

    /// Calls a function value (e.g. a program's `main`) with positional arguments.
    pub fn call(&self, f: &Value, args: Vec<Value>) -> Result<Value> {
        self.interrupt.store(false, Ordering::Relaxed);
        let run = self.run_shared();
        let rng = self.rng.clone();
        let profiler = self.profiler.clone();
        self.run_where_cheapest(Some(Repeated::Func(f.clone())), move || {
            let interp = Interp::for_run(&run, &rng).with_profiler(profiler.as_deref());
            let result = crate::primitives::Context::call(&interp, f, Args::from_vec(args));
            interp.finish(result)
        })
    }

    /// Runs `body` (a call or a program run) where it costs least.
    ///
    /// Something whose previous run's work took under [`CallCosts::SHORT`] runs on the calling
    /// thread, switched onto a deep stack, which saves the ~50 µs handoff to the worker pool;
    /// it then evaluates its children in order, as an `async` task does, and its parallel
    /// kernels use rayon's global pool. Longer work, first runs, source text (`eval`) and
    /// profiled runs go to the pool, where `parallel_block`, `parallel_map` and the
    /// scheduler's tasks are concurrent. The result is the same either way.
    fn run_where_cheapest(
        &self,
        work: Option<Repeated>,
        body: impl FnOnce() -> Result<Value> + Send,
    ) -> Result<Value> {
        let here =
            self.profiler.is_none() && work.as_ref().is_some_and(|w| self.call_costs.is_short(w));
        // The work's own time decides, not the wait for a worker: on a loaded machine that
        // wait alone can pass SHORT, and counting it would keep short work on the pool.
        let timed = move || {
            let start = std::time::Instant::now();
            let result = body();
            (result, start.elapsed())
        };
        let on_this_thread = if here {
            super::stack::on_eval_stack(timed)
        } else {
            Err(timed)
        };
        let (result, took) =
            on_this_thread.unwrap_or_else(|timed| in_pool(self.engine.threads, timed));
        if let Some(w) = work {
            self.call_costs.record(w, took);
        }
        result
    }

    /// Calls the function bound to a global name.
    ///
    /// ```
    /// let mut s = physl::Engine::new().session();
    /// s.eval("m", "define(add, a, b, a + b)").unwrap();
    /// assert_eq!(s.call_global("add", vec![1i64.into(), 2i64.into()]).unwrap().to_string(), "3");
    /// ```
    pub fn call_global(&self, name: &str, args: Vec<Value>) -> Result<Value> {
        let f = self
            .get(name)
            .ok_or_else(|| Error::name(format!("`{name}` is not defined")))?;
        self.call(&f, args)
    }

    /// Names of the session's globals (for REPL completion).
    pub fn global_names(&self) -> Vec<String> {
        self.scope.names().iter().map(|n| n.to_string()).collect()
    }
}

/// The thread count for a requested count (0 = `PHYSL_THREADS`, else all cores).
pub fn resolve_threads(requested: usize) -> usize {
    if requested > 0 {
        return requested;
    }
    std::env::var("PHYSL_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| {
            // std reads the cgroup quota files on every call; the answer does not change
            static CORES: OnceLock<usize> = OnceLock::new();
            *CORES.get_or_init(|| {
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(1)
            })
        })
}

/// The shared worker pool with `threads` threads (built once per count and process). Its
/// threads have the evaluator's large stack: evaluation itself runs on them.
fn pool(threads: usize) -> Option<Arc<rayon::ThreadPool>> {
    static POOLS: Mutex<Vec<(usize, Arc<rayon::ThreadPool>)>> = Mutex::new(Vec::new());
    let mut pools = POOLS.lock();
    if let Some((_, p)) = pools.iter().find(|(n, _)| *n == threads) {
        return Some(p.clone());
    }
    let p = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(EVAL_STACK)
        .start_handler(|_| {
            super::stack::mark_big_stack_thread();
            super::executor::mark_pool_worker();
        })
        .thread_name(|i| format!("physl-worker-{i}"))
        .build()
        .ok()?;
    let p = Arc::new(p);
    pools.push((threads, p.clone()));
    Some(p)
}

/// Runs `f` on the worker pool of `threads` threads (0 = default count); if no pool can be
/// built, on one big-stack thread (everything then runs sequentially).
pub fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    match pool(resolve_threads(threads)) {
        Some(p) => p.install(f),
        None => on_big_stack(f),
    }
}

/// Runs `f` on a new thread with a large stack. Parsing goes through here rather than
/// [`super::stack::on_eval_stack`]: the parser's own stack probe (pest's, through
/// `stacker`) only knows a thread's original stack and reports a switched one as exhausted.
pub fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        match std::thread::Builder::new()
            .name("physl-eval".into())
            .stack_size(EVAL_STACK)
            .spawn_scoped(s, || {
                super::stack::mark_big_stack_thread();
                f()
            }) {
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
