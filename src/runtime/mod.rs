//! The evaluator: walks the execution tree. Each node evaluates its children, then calls its
//! primitive with the values.
//!
//! Children run left to right on the current thread unless the compiler marked a node's
//! children as effect-free and worth scheduling (`NodeSched::fork`); then [`sched`] decides
//! per child between inline evaluation and a rayon task (spec 7.3). An `Interp` is the state
//! of one task: concurrently running parts of a program each get a [`Interp::fork`].

pub mod convert;
pub mod executor;
pub mod frame;
pub mod host;
mod rowpass;
pub mod scalar;
pub mod sched;
pub mod session;
pub mod stack;

use crate::compile::tree::{CaptureFrom, FastOp, FuncCode, Node, NodeKind, VarRef};
use crate::diagnostics::{Error, ErrorKind, Result};
use crate::kernels;
use crate::kernels::elementwise;
use crate::kernels::random::Generator;
use crate::primitives::{self, Args, Context, Eval, NativeFn, PrimitiveFn};
use crate::value::future::Future;
use crate::value::{DType, Value};
use frame::{new_cell, Capture, Cell, Closure, Frame, Slot};
use host::Host;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

/// Limits of one run.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Deepest nesting of user-function calls (a `physl::limit` error beyond).
    pub max_depth: u32,
    /// Step budget of one run (`Session::run`, `eval` or `call`): loop iterations and
    /// function calls are counted, and the run stops with a `physl::limit` error once
    /// more than this many were taken. `None` = unlimited.
    pub max_steps: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 10_000,
            max_steps: None,
        }
    }
}

/// Owned handles to a run, for `async` tasks, which may outlive the call that started them
/// (a run ends only when all its futures have finished).
pub struct RunShared {
    pub globals: Arc<[Cell]>,
    pub host: Arc<dyn Host>,
    pub limits: Arc<Limits>,
    pub interrupt: Arc<AtomicBool>,
    steps: Arc<AtomicU64>,
    /// Every future started in the run, in program order.
    futures: Arc<Mutex<Vec<Arc<Future>>>>,
    /// The globals are an `async` task's private snapshot: reads see the state at the
    /// `async` call whatever the scheduling, and a store to one is an error (it would be
    /// lost).
    snapshot: bool,
}

impl RunShared {
    pub fn new(
        globals: Arc<[Cell]>,
        host: Arc<dyn Host>,
        limits: Arc<Limits>,
        interrupt: Arc<AtomicBool>,
    ) -> Arc<RunShared> {
        Arc::new(RunShared {
            globals,
            host,
            limits,
            interrupt,
            steps: Arc::new(AtomicU64::new(0)),
            futures: Arc::new(Mutex::new(Vec::new())),
            snapshot: false,
        })
    }

    /// The run as an `async` task started now sees it.
    fn snapshot(&self) -> Arc<RunShared> {
        Arc::new(RunShared {
            globals: self
                .globals
                .iter()
                .map(|c| new_cell(c.read().clone()))
                .collect(),
            host: self.host.clone(),
            limits: self.limits.clone(),
            interrupt: self.interrupt.clone(),
            steps: self.steps.clone(),
            futures: self.futures.clone(),
            snapshot: true,
        })
    }
}

/// The state of one task of a run: shared references to the run's globals, host and limits,
/// and the task's own call depth and generator.
pub struct Interp<'r> {
    pub globals: &'r [Cell],
    pub host: &'r dyn Host,
    pub limits: &'r Limits,
    pub interrupt: &'r AtomicBool,
    pub rng: &'r Mutex<Generator>,
    /// Depth of user-function calls of this task, including its parent's at the fork, so
    /// that the depth limit does not depend on scheduling. Only this task's thread touches
    /// it: relaxed loads and stores, no read-modify-write.
    depth: AtomicU32,
    /// Steps taken by the whole run (loop iterations and calls), checked against
    /// `limits.max_steps` (counted only when a budget is set).
    steps: Arc<AtomicU64>,
    /// The run, when futures can be started (absent: `async` evaluates at once).
    run: Option<&'r Arc<RunShared>>,
    /// Span of the primitive call being evaluated (packed start << 32 | end), so that a
    /// function called back through [`Context::call`] (by `fmap`, `apply`, ...) can name its
    /// call site in the error's call chain.
    current_call: AtomicU64,
    /// Set when counters or a trace were requested; `None` costs one branch per node.
    pub(crate) profiler: Option<&'r crate::introspect::Profiler>,
}

impl<'r> Interp<'r> {
    pub fn new(
        globals: &'r [Cell],
        host: &'r dyn Host,
        limits: &'r Limits,
        interrupt: &'r AtomicBool,
        rng: &'r Mutex<Generator>,
    ) -> Interp<'r> {
        Interp {
            globals,
            host,
            limits,
            interrupt,
            rng,
            depth: AtomicU32::new(0),
            steps: Arc::new(AtomicU64::new(0)),
            run: None,
            current_call: AtomicU64::new(0),
            profiler: None,
        }
    }

    /// The first task of a run.
    pub fn for_run(run: &'r Arc<RunShared>, rng: &'r Mutex<Generator>) -> Interp<'r> {
        Interp {
            globals: &run.globals,
            host: &*run.host,
            limits: &run.limits,
            interrupt: &run.interrupt,
            rng,
            depth: AtomicU32::new(0),
            steps: run.steps.clone(),
            run: Some(run),
            current_call: AtomicU64::new(0),
            profiler: None,
        }
    }

    /// Ends a run: awaits its value if it is a future, then every future the run started
    /// (in program order); the first error of a future nobody awaited is the run's error.
    pub fn finish(&self, result: Result<Value>) -> Result<Value> {
        let result = result.and_then(|v| self.ready(v));
        let Some(run) = self.run else {
            return result;
        };
        let mut first_error = None;
        loop {
            // futures may start futures: take them in rounds
            let started = std::mem::take(&mut *run.futures.lock());
            if started.is_empty() {
                break;
            }
            for f in started {
                if let Err(e) = f.wait() {
                    first_error.get_or_insert(e);
                }
            }
        }
        match (result, first_error) {
            (Ok(_), Some(e)) => Err(e),
            (r, _) => r,
        }
    }

    /// A value ready for consumption: futures are awaited.
    #[inline]
    fn ready(&self, v: Value) -> Result<Value> {
        match Future::of(&v) {
            Some(f) => f.wait(),
            None => Ok(v),
        }
    }

    /// The state of a task started from this one: same run, same depth so far, and its own
    /// generator when given (otherwise this task's, for children that draw none).
    pub fn fork<'s>(&'s self, rng: Option<&'s Mutex<Generator>>) -> Interp<'s> {
        Interp {
            globals: self.globals,
            host: self.host,
            limits: self.limits,
            interrupt: self.interrupt,
            rng: rng.unwrap_or(self.rng),
            depth: AtomicU32::new(self.depth.load(Ordering::Relaxed)),
            steps: self.steps.clone(),
            run: self.run,
            current_call: AtomicU64::new(self.current_call.load(Ordering::Relaxed)),
            profiler: self.profiler,
        }
    }

    /// Records every node evaluation of this run in `p` (counters, trace events).
    pub fn with_profiler(mut self, p: Option<&'r crate::introspect::Profiler>) -> Interp<'r> {
        self.profiler = p;
        self
    }

    /// Runs a program's top level.
    pub fn run_main(&self, main: &FuncCode) -> Result<Value> {
        let frame = Frame::new(main, &[]);
        self.eval(&main.body, &frame)
    }

    /// Checked once per loop iteration and per call: the common case (no interrupt, no
    /// step budget) must stay two loads and a branch.
    #[inline(always)]
    fn interrupted(&self) -> Result<()> {
        if self.interrupt.load(Ordering::Relaxed) || self.limits.max_steps.is_some() {
            return self.interrupted_slow();
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn interrupted_slow(&self) -> Result<()> {
        if self.interrupt.load(Ordering::Relaxed) {
            return Err(Error::new(ErrorKind::Interrupted, "interrupted"));
        }
        if let Some(max) = self.limits.max_steps {
            let steps = self.steps.fetch_add(1, Ordering::Relaxed);
            if steps >= max {
                return Err(Error::limit(format!("step budget of {max} steps exceeded"))
                    .with_help(
                        "loop iterations and calls count as steps; raise Limits::max_steps",
                    ));
            }
        }
        Ok(())
    }

    // ------------------------------------------------------------------ variables

    #[cold]
    fn global_write_error(name: &str) -> Error {
        Error::value(format!(
            "`{name}` is a global variable and cannot be changed inside async(...)"
        ))
        .with_help("async tasks see the globals as they were when async was called; return the new value from the async expression instead")
    }

    #[inline]
    fn check_global_write(&self, name: &str) -> Result<()> {
        match self.run {
            Some(run) if run.snapshot => Err(Self::global_write_error(name)),
            _ => Ok(()),
        }
    }

    fn global(&self, i: u32) -> Result<&Cell> {
        self.globals
            .get(i as usize)
            .ok_or_else(|| Error::internal(format!("global {i} does not exist in this run")))
    }

    fn read(&self, var: VarRef, frame: &Frame) -> Result<Value> {
        Ok(match var {
            VarRef::Local(i) => frame
                .with(i, |s| match s {
                    Slot::Val(v) => v.clone(),
                    Slot::Cell(c) => c.read().clone(),
                })
                .ok_or_else(|| slot_error(i))?,
            VarRef::Upvalue(i) => match upvalue(frame, i)? {
                Capture::Cell(c) => c.read().clone(),
                Capture::Value(v) => v.clone(),
            },
            VarRef::Global(i) => self.global(i)?.read().clone(),
        })
    }

    /// Runs `f` on the variable's value with write access.
    fn with_var_mut<T>(
        &self,
        var: VarRef,
        frame: &Frame,
        name: &str,
        f: impl FnOnce(&mut Value) -> Result<T>,
    ) -> Result<T> {
        match var {
            VarRef::Local(i) => frame
                .with_mut(i, |s| match s {
                    Slot::Val(v) => f(v),
                    Slot::Cell(c) => f(&mut c.write()),
                })
                .ok_or_else(|| slot_error(i))?,
            VarRef::Upvalue(i) => match upvalue(frame, i)? {
                Capture::Cell(c) => f(&mut c.write()),
                Capture::Value(_) => Err(Error::type_error(format!(
                    "`{name}` is a parameter of an enclosing function and cannot be assigned"
                ))),
            },
            VarRef::Global(i) => {
                self.check_global_write(name)?;
                f(&mut self.global(i)?.write())
            }
        }
    }

    // ------------------------------------------------------------------ evaluation

    /// Evaluates a node. Kept small so that its stack frame and prologue stay cheap: the
    /// rarer kinds live in [`Interp::eval_other`].
    pub fn eval(&self, node: &Node, frame: &Frame) -> Result<Value> {
        if let Some(p) = self.profiler {
            return self.eval_profiled(p, node, frame);
        }
        self.eval_node(node, frame)
    }

    /// The evaluation proper, without the profiling hook.
    #[inline(always)]
    pub(crate) fn eval_node(&self, node: &Node, frame: &Frame) -> Result<Value> {
        match &node.kind {
            NodeKind::Const(v) => Ok(v.clone()),
            NodeKind::Var(var) => self.read(*var, frame),
            NodeKind::Binary { op, prim, lhs, rhs } => {
                self.eval_binary(node, *op, prim, lhs, rhs, frame)
            }
            NodeKind::If {
                cond,
                then,
                otherwise,
            } => {
                if self.condition(cond, frame)? {
                    self.eval(then, frame)
                } else if let Some(o) = otherwise {
                    self.eval(o, frame)
                } else {
                    Ok(Value::Nil)
                }
            }
            // calls, loops and stores each get a small function of their own: going through
            // `eval_other`, whose frame is sized for every kind, costs more than the work
            NodeKind::Call {
                callee,
                name,
                args,
                keywords,
            } => self.eval_call(node, callee, name, args, keywords, frame),
            NodeKind::While { cond, body, scalar } => {
                self.eval_while(node, cond, body, scalar, frame)
            }
            NodeKind::Store {
                target,
                name,
                value,
            } => self.eval_store(node, *target, name, value, frame),
            _ => self.eval_other(node, frame),
        }
    }

    /// An operand: constants and plain locals are read here, without a call of `eval`
    /// (unless a profiler counts every node).
    #[inline(always)]
    fn operand(&self, n: &Node, frame: &Frame) -> Result<Value> {
        if self.profiler.is_none() {
            match &n.kind {
                NodeKind::Const(v) => return Ok(v.clone_fast()),
                NodeKind::Var(VarRef::Local(i)) => {
                    if let Some(v) = frame.value(*i) {
                        return Ok(v);
                    }
                }
                // skips `eval`'s dispatch for the common nested operator (`fib(n - 1)`)
                NodeKind::Binary { op, prim, lhs, rhs } => {
                    return self.eval_binary(n, *op, prim, lhs, rhs, frame)
                }
                NodeKind::Var(VarRef::Global(i)) => {
                    if let Some(cell) = self.globals.get(*i as usize) {
                        return Ok(cell.read().clone());
                    }
                }
                _ => {}
            }
        }
        self.eval(n, frame)
    }

    #[inline(never)]
    fn eval_binary(
        &self,
        node: &Node,
        op: FastOp,
        prim: &'static crate::primitives::Primitive,
        lhs: &Node,
        rhs: &Node,
        frame: &Frame,
    ) -> Result<Value> {
        let (a, b) = self.binary_operands(node, lhs, rhs, frame)?;
        if let Some(v) = scalar_op(op, &a, &b) {
            forget_numbers(a, b);
            return Ok(v);
        }
        self.binary_general(node, op, prim, lhs, rhs, a, b)
    }

    /// The operands of an operator node, concurrently when the scheduler said so.
    #[inline(always)]
    fn binary_operands(
        &self,
        node: &Node,
        lhs: &Node,
        rhs: &Node,
        frame: &Frame,
    ) -> Result<(Value, Value)> {
        Ok(if node.sched.fork {
            let mut v = self.eval_children(&[lhs, rhs], frame)?.into_iter();
            match (v.next(), v.next()) {
                (Some(a), Some(b)) => (a, b),
                _ => return Err(Error::internal("operator lost an operand")),
            }
        } else {
            (self.operand(lhs, frame)?, self.operand(rhs, frame)?)
        })
    }

    /// Operators on anything but two plain numbers: arrays, futures, lists, strings, and
    /// the scalar cases that can fail (integer `%` by zero, ...).
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn binary_general(
        &self,
        node: &Node,
        op: FastOp,
        prim: &'static crate::primitives::Primitive,
        lhs: &Node,
        rhs: &Node,
        a: Value,
        b: Value,
    ) -> Result<Value> {
        let (a, b) = (self.ready(a)?, self.ready(b)?);
        let result = if a.is_numeric() && b.is_numeric() {
            match op {
                FastOp::Arith(op) => elementwise::binary_at(op, a, b, 0, 1),
                FastOp::Cmp(op) => elementwise::compare_at(op, a, b, false, 0, 1),
            }
        } else {
            let Eval::Fn(f) = prim.eval else {
                return Err(Error::internal("operator without a function"));
            };
            let mut args = Args::new();
            args.push(a);
            args.push(b);
            if let FastOp::Cmp(_) = op {
                args.push(Value::Bool(false));
            }
            f(self, args)
        };
        result.map_err(|e| {
            e.locate(node.span, |i| match i {
                0 => Some(lhs.span),
                1 => Some(rhs.span),
                _ => None,
            })
        })
    }

    #[inline(never)]
    fn eval_other(&self, node: &Node, frame: &Frame) -> Result<Value> {
        match &node.kind {
            NodeKind::Const(_)
            | NodeKind::Var(_)
            | NodeKind::Binary { .. }
            | NodeKind::If { .. }
            | NodeKind::Call { .. }
            | NodeKind::While { .. }
            | NodeKind::Store { .. } => {
                Err(Error::internal("eval_other called for a hot node kind"))
            }
            NodeKind::Prim { prim, args, dtype } => {
                let Eval::Fn(f) = prim.eval else {
                    return Err(Error::internal(format!(
                        "special form {} reached eval",
                        prim.name
                    )));
                };
                let mut values = if node.sched.fork {
                    let children: smallvec::SmallVec<[&Node; 4]> = args.iter().collect();
                    self.eval_children(&children, frame)?
                } else {
                    self.eval_args(args, frame)?
                };
                for v in values.iter_mut() {
                    if Future::of(v).is_some() {
                        *v = self.ready(std::mem::take(v))?;
                    }
                }
                if let Some(dt) = dtype {
                    for v in values.iter_mut() {
                        if let Some(a) = v.to_array() {
                            *v = Value::from_array(a.cast(*dt));
                        }
                    }
                }
                let outer = self.current_call.load(Ordering::Relaxed);
                self.current_call.store(pack(node.span), Ordering::Relaxed);
                let result = f(self, values);
                self.current_call.store(outer, Ordering::Relaxed);
                let result = result.map_err(|e| locate(e, node, args))?;
                Ok(match dtype {
                    Some(dt) if result.dtype().is_some_and(|d| d != *dt) => cast_value(result, *dt),
                    _ => result,
                })
            }
            NodeKind::For {
                init,
                cond,
                step,
                body,
            } => {
                self.eval(init, frame)?;
                let mut last = Value::Nil;
                while self.condition(cond, frame)? {
                    self.interrupted()?;
                    last = self.eval(body, frame)?;
                    self.eval(step, frame)?;
                }
                Ok(last)
            }
            NodeKind::ParallelBlock(stmts) => self.eval_parallel_block(stmts, frame),
            NodeKind::Block(stmts) => self.eval_block(stmts, frame),
            NodeKind::Define {
                target,
                value,
                is_function,
            } => self.define(*target, value, *is_function, frame),
            NodeKind::StoreSlice {
                target,
                name,
                indices,
                value,
            } => {
                let mut idx = self.eval_args(indices, frame)?;
                for i in idx.iter_mut() {
                    *i = self.ready(std::mem::take(i))?;
                }
                let v = self.eval(value, frame)?;
                let v = self.ready(v)?;
                self.with_var_mut(*target, frame, name, |slot| {
                    kernels::index::assign(slot, &idx, v)
                })
                .map_err(|e| {
                    // the kernel labels the sliced value as 0 and index k as k + 1
                    e.locate(node.span, |i| match i {
                        0 => None,
                        i => indices.get(i - 1).map(|n| n.span).filter(|s| !s.is_dummy()),
                    })
                })?;
                Ok(Value::Nil)
            }
            NodeKind::Lambda { code, captures } => {
                let upvalues = captures
                    .iter()
                    .map(|c| capture(frame, *c))
                    .collect::<Result<Box<[Capture]>>>()?;
                Ok(Value::Func(Arc::new(Closure {
                    code: code.clone(),
                    upvalues,
                })))
            }
            NodeKind::Timer { expr, done } => {
                let start = std::time::Instant::now();
                let v = self.eval(expr, frame)?;
                // for a deferred result the timer stops when the future completes (spec 7.3)
                let v = self.ready(v)?;
                let secs = start.elapsed().as_secs_f64();
                let f = self.eval(done, frame)?;
                self.call_value(
                    &f,
                    Args::from_elem(Value::Float(secs), 1),
                    &[],
                    "timer",
                    node,
                )?;
                Ok(v)
            }
            NodeKind::Fused { fused, leaves } => {
                self.eval_fused(node, fused, leaves, frame, &mut || Value::Nil)
            }
            NodeKind::RowPass { recipe, stmts } => self.eval_row_pass(recipe, stmts, frame),
        }
    }

    /// A fused node; `old` as in [`kernels::fused::Fused::eval_store`].
    fn eval_fused(
        &self,
        node: &Node,
        fused: &kernels::fused::Fused,
        leaves: &[Node],
        frame: &Frame,
        old: &mut dyn FnMut() -> Value,
    ) -> Result<Value> {
        match if node.sched.fork {
            let children: smallvec::SmallVec<[&Node; 4]> = leaves.iter().collect();
            self.eval_children(&children, frame)
        } else {
            self.eval_args(leaves, frame)
        }
        // leaves may be futures (an `async` read through a variable): await them, in
        // place (collecting into new Args moved every value twice)
        .and_then(|mut values| {
            for v in values.iter_mut() {
                if Future::of(v).is_some() {
                    *v = self.ready(std::mem::take(v))?;
                }
            }
            Ok(values)
        }) {
            Ok(values) => fused.eval_store(self, values, old),
            // the first error must be the unfused tree's: rerun in its order
            Err(_) => fused.eval_lazy(self, &mut |i| match leaves.get(i as usize) {
                Some(leaf) => self.eval(leaf, frame).and_then(|v| self.ready(v)),
                None => Err(Error::internal("fused: leaf out of range")),
            }),
        }
    }

    /// The value of `store(x, value)` where `x` is the local in slot `i`: a fused value or
    /// an arithmetic operator may take `x`'s old array for its result (see
    /// `Fused::eval_store`, `elementwise::binary_store`). Only a plain slot: nothing but
    /// this evaluation reaches it (a cell is shared with closures), and the scheduler runs
    /// nothing concurrently that reads a variable being stored to. Out of line: its frame
    /// would otherwise grow `eval_other`'s, which every nested node pays for.
    #[inline(never)]
    fn store_value(&self, value: &Node, i: u32, frame: &Frame) -> Result<Value> {
        match (&value.kind, self.profiler) {
            (NodeKind::Fused { .. } | NodeKind::Binary { .. }, Some(p)) => {
                let entry = p.enter();
                let r = self.store_value_node(value, i, frame);
                p.exit(entry, value, &r);
                r
            }
            (NodeKind::Fused { .. } | NodeKind::Binary { .. }, None) => {
                self.store_value_node(value, i, frame)
            }
            _ => self.eval(value, frame),
        }
    }

    #[inline(always)]
    fn store_value_node(&self, value: &Node, i: u32, frame: &Frame) -> Result<Value> {
        let mut old = || {
            frame
                .with_mut(i, |s| match s {
                    Slot::Val(v) => std::mem::take(v),
                    Slot::Cell(_) => Value::Nil,
                })
                .unwrap_or_default()
        };
        match &value.kind {
            NodeKind::Fused { fused, leaves } => {
                self.eval_fused(value, fused, leaves, frame, &mut old)
            }
            NodeKind::Binary { op, prim, lhs, rhs } => {
                let (a, b) = self.binary_operands(value, lhs, rhs, frame)?;
                // scalar arithmetic (loop counters) first, as in eval_binary
                if let Some(v) = scalar_op(*op, &a, &b) {
                    forget_numbers(a, b);
                    return Ok(v);
                }
                if let FastOp::Arith(bop) = op {
                    let (a, b) = (self.ready(a)?, self.ready(b)?);
                    if let Some(v) = elementwise::binary_store(*bop, &a, &b, &mut old) {
                        return Ok(v);
                    }
                    return self.binary_general(value, *op, prim, lhs, rhs, a, b);
                }
                self.binary_general(value, *op, prim, lhs, rhs, a, b)
            }
            _ => self.eval_node(value, frame),
        }
    }

    #[inline(never)]
    fn eval_while(
        &self,
        node: &Node,
        cond: &Node,
        body: &Node,
        tier: &scalar::Tier,
        frame: &Frame,
    ) -> Result<Value> {
        if let Some(result) = self.scalar_loop(tier, node, frame) {
            return result;
        }
        let mut last = Value::Nil;
        while self.condition(cond, frame)? {
            self.interrupted()?;
            last = self.eval(body, frame)?;
        }
        Ok(last)
    }

    #[inline(never)]
    fn eval_store(
        &self,
        node: &Node,
        target: VarRef,
        name: &str,
        value: &Node,
        frame: &Frame,
    ) -> Result<Value> {
        let v = match target {
            VarRef::Local(i) => self.store_value(value, i, frame)?,
            _ => self.operand(value, frame)?,
        };
        self.with_var_mut(target, frame, name, |slot| {
            *slot = v;
            Ok(())
        })
        .map_err(|e| e.locate(node.span, |_| None))?;
        Ok(Value::Nil)
    }

    #[inline(never)]
    fn eval_call(
        &self,
        node: &Node,
        callee: &Node,
        name: &str,
        args: &[Node],
        keywords: &[(Box<str>, Node)],
        frame: &Frame,
    ) -> Result<Value> {
        let f = self.operand(callee, frame)?;
        // The common call, a closure with positional arguments only: they are evaluated
        // straight into the callee's frame (no argument vector in between). A closure is
        // not a future, so it needs no `ready`.
        if keywords.is_empty() {
            if let Value::Func(obj) = &f {
                if let Some(c) = obj.as_any().downcast_ref::<Closure>() {
                    if args.len() == c.code.params.len() && c.code.scalar.may_apply() {
                        return self.call_maybe_scalar(c, args, node, frame);
                    }
                    if args.len() <= c.code.params.len() {
                        let callee_frame = Frame::try_new(
                            &c.code,
                            &c.upvalues,
                            args.iter().map(|a| self.operand(a, frame)),
                        )?;
                        return self
                            .enter_closure(&c.code, &callee_frame, args.len(), &[], node)
                            .map_err(|e| e.push_call(&c.code.name, node.span));
                    }
                }
            }
        }
        let f = self.ready(f)?;
        let values = self.eval_args(args, frame)?;
        let mut kw = Vec::with_capacity(keywords.len());
        for (k, v) in keywords.iter() {
            kw.push((k.as_ref(), self.eval(v, frame)?));
        }
        self.call_value(&f, values, &kw, name, node)
    }

    /// A closure call that the scalar tier may take: the arguments are evaluated first, then
    /// either the tier runs it or they become the frame of a tree-walked call.
    #[inline(never)]
    fn call_maybe_scalar(
        &self,
        c: &Closure,
        args: &[Node],
        node: &Node,
        frame: &Frame,
    ) -> Result<Value> {
        let mut values: smallvec::SmallVec<[Value; 4]> = smallvec::SmallVec::new();
        for a in args {
            values.push(self.operand(a, frame)?);
        }
        let result = match self.scalar_call(&c.code, &values, node) {
            Some(r) => r,
            None => {
                let callee_frame =
                    Frame::try_new(&c.code, &c.upvalues, values.into_iter().map(Ok))?;
                self.enter_closure(&c.code, &callee_frame, args.len(), &[], node)
            }
        };
        result.map_err(|e| e.push_call(&c.code.name, node.span))
    }

    /// A block's statements in order; its value is the last one's (nil when empty).
    fn eval_block(&self, stmts: &[Node], frame: &Frame) -> Result<Value> {
        let mut last = Value::Nil;
        for s in stmts {
            last = self.eval(s, frame)?;
        }
        Ok(last)
    }

    /// Evaluates nodes in order on this thread.
    fn eval_args(&self, args: &[Node], frame: &Frame) -> Result<Args> {
        let mut values = Args::with_capacity(args.len());
        for a in args {
            values.push(self.eval(a, frame)?);
        }
        Ok(values)
    }

    #[inline]
    fn condition(&self, cond: &Node, frame: &Frame) -> Result<bool> {
        // `i < n` on two numbers: the comparison's bool is the condition, without building
        // a value (the loop and `if` hot path)
        if let NodeKind::Binary {
            op: op @ FastOp::Cmp(_),
            prim,
            lhs,
            rhs,
        } = &cond.kind
        {
            if self.profiler.is_none() && !cond.sched.fork {
                let a = self.operand(lhs, frame)?;
                let b = self.operand(rhs, frame)?;
                let v = match scalar_op(*op, &a, &b) {
                    Some(Value::Bool(t)) => {
                        forget_numbers(a, b);
                        return Ok(t);
                    }
                    Some(v) => v,
                    None => self.binary_general(cond, *op, prim, lhs, rhs, a, b)?,
                };
                return self.truth(v, cond);
            }
        }
        let v = self.eval(cond, frame)?;
        self.truth(v, cond)
    }

    #[inline(always)]
    fn truth(&self, v: Value, cond: &Node) -> Result<bool> {
        if let Value::Bool(b) = v {
            return Ok(b);
        }
        let v = self.ready(v)?;
        v.truthy().map_err(|e| e.locate(cond.span, |_| None))
    }

    fn define(
        &self,
        target: VarRef,
        value: &Node,
        is_function: bool,
        frame: &Frame,
    ) -> Result<Value> {
        match target {
            VarRef::Local(i) if frame.is_cell(i) => {
                // A fresh cell per execution (Phylanx's variable-factory). For a function
                // the cell exists before the closure is built, so it can call itself.
                let cell = new_cell(Value::Nil);
                if is_function {
                    set_slot(frame, i, Slot::Cell(cell.clone()))?;
                    let v = self.eval(value, frame)?;
                    *cell.write() = v.clone();
                    Ok(v)
                } else {
                    let v = self.eval(value, frame)?;
                    *cell.write() = v.clone();
                    set_slot(frame, i, Slot::Cell(cell))?;
                    Ok(v)
                }
            }
            VarRef::Local(i) => {
                let v = self.eval(value, frame)?;
                set_slot(frame, i, Slot::Val(v.clone()))?;
                Ok(v)
            }
            VarRef::Global(i) => {
                let v = self.eval(value, frame)?;
                self.check_global_write("a global")?;
                *self.global(i)?.write() = v.clone();
                Ok(v)
            }
            VarRef::Upvalue(_) => Err(Error::internal("define of a captured variable")),
        }
    }

    // ------------------------------------------------------------------ calls

    /// Calls a function value from a call node (`name` for messages, `node` for spans).
    fn call_value(
        &self,
        f: &Value,
        args: Args,
        keywords: &[(&str, Value)],
        name: &str,
        node: &Node,
    ) -> Result<Value> {
        let Value::Func(obj) = f else {
            return Err(Error::type_error(format!(
                "`{name}` is a {}, not a function",
                f.describe()
            ))
            .with_label(node.span, "called here"));
        };
        let any = obj.as_any();
        if let Some(c) = any.downcast_ref::<Closure>() {
            return self
                .call_closure(c, args, keywords, node)
                .map_err(|e| e.push_call(&c.code.name, node.span));
        }
        if !keywords.is_empty() {
            return Err(Error::arity(format!(
                "`{name}` does not take keyword arguments when called as a value"
            ))
            .with_label(node.span, "here"));
        }
        if let Some(p) = any.downcast_ref::<PrimitiveFn>() {
            return primitives::call_primitive(self, p.0, args)
                .map_err(|e| e.locate(node.span, |_| None));
        }
        if let Some(n) = any.downcast_ref::<NativeFn>() {
            return (n.func)(self, args).map_err(|e| e.locate(node.span, |_| None));
        }
        Err(Error::internal(format!(
            "unknown kind of function `{}`",
            obj.name()
        )))
    }

    fn call_closure(
        &self,
        c: &Closure,
        args: Args,
        keywords: &[(&str, Value)],
        node: &Node,
    ) -> Result<Value> {
        let code = &*c.code;
        let n_params = code.params.len();
        if args.len() > n_params {
            return Err(Error::arity(format!(
                "{} takes {} argument{}, but {} were given",
                code.name,
                n_params,
                if n_params == 1 { "" } else { "s" },
                args.len()
            ))
            .with_label(node.span, "called here"));
        }
        if keywords.is_empty() && args.len() == n_params && code.scalar.may_apply() {
            if let Some(result) = self.scalar_call(&c.code, &args, node) {
                return result;
            }
        }
        let n_given = args.len();
        let frame = Frame::try_new(code, &c.upvalues, args.into_iter().map(Ok))?;
        self.enter_closure(code, &frame, n_given, keywords, node)
    }

    /// Runs a closure whose first `n_given` parameters are already in `frame`.
    fn enter_closure(
        &self,
        code: &FuncCode,
        frame: &Frame,
        n_given: usize,
        keywords: &[(&str, Value)],
        node: &Node,
    ) -> Result<Value> {
        let n_params = code.params.len();
        // An `Interp` belongs to one task on one thread, so a load and a store (no atomic
        // read-modify-write) suffice.
        let depth = self.depth.load(Ordering::Relaxed) + 1;
        self.depth.store(depth, Ordering::Relaxed);
        let _guard = DepthGuard(&self.depth);
        self.call_checks(depth, node.span)?;
        if keywords.is_empty() && n_given == n_params {
            return self.eval(&code.body, frame);
        }
        let mut given: smallvec::SmallVec<[bool; 8]> = smallvec::smallvec![false; n_params];
        given[..n_given].iter_mut().for_each(|g| *g = true);
        for (k, v) in keywords {
            let Some(i) = code.params.iter().position(|p| &*p.name == *k) else {
                return Err(
                    Error::arity(format!("{} has no parameter named `{k}`", code.name))
                        .with_label(node.span, "called here"),
                );
            };
            if given[i] {
                return Err(
                    Error::arity(format!("{}: parameter `{k}` is given twice", code.name))
                        .with_label(node.span, "called here"),
                );
            }
            given[i] = true;
            set_slot(frame, i as u32, Slot::Val(v.clone()))?;
        }
        for (i, p) in code.params.iter().enumerate() {
            if given[i] {
                continue;
            }
            match &p.default {
                Some(d) => {
                    let v = self.eval(d, frame)?;
                    set_slot(frame, i as u32, Slot::Val(v))?;
                }
                None => {
                    return Err(Error::arity(format!(
                        "{} is missing the argument `{}`",
                        code.name, p.name
                    ))
                    .with_label(node.span, "called here"))
                }
            }
        }
        self.eval(&code.body, frame)
    }
}

struct DepthGuard<'a>(&'a AtomicU32);

impl Drop for DepthGuard<'_> {
    fn drop(&mut self) {
        self.0.store(
            self.0.load(Ordering::Relaxed).saturating_sub(1),
            Ordering::Relaxed,
        );
    }
}

#[cold]
fn slot_error(i: u32) -> Error {
    Error::internal(format!("frame slot {i} out of range"))
}

/// Writes a slot; the old content is dropped after the write.
fn set_slot(frame: &Frame, i: u32, slot: Slot) -> Result<()> {
    match frame.set(i, slot) {
        Some(old) => {
            drop(old);
            Ok(())
        }
        None => Err(slot_error(i)),
    }
}

fn upvalue<'f>(frame: &'f Frame, i: u32) -> Result<&'f Capture> {
    frame
        .upvalues
        .get(i as usize)
        .ok_or_else(|| Error::internal(format!("capture {i} out of range")))
}

fn capture(frame: &Frame, from: CaptureFrom) -> Result<Capture> {
    Ok(match from {
        CaptureFrom::Local(i) => frame
            .with(i, |s| match s {
                Slot::Val(v) => Capture::Value(v.clone()),
                Slot::Cell(c) => Capture::Cell(c.clone()),
            })
            .ok_or_else(|| slot_error(i))?,
        CaptureFrom::Upvalue(i) => upvalue(frame, i)?.clone(),
    })
}

/// The closure of an `async` with the current values of the variables it captured: the
/// expression sees the state at the `async` call whenever it runs (the compiler has
/// ensured it does not store to them).
fn snapshot_captures(f: &Value) -> Value {
    let Value::Func(obj) = f else {
        return f.clone();
    };
    let Some(c) = obj.as_any().downcast_ref::<Closure>() else {
        return f.clone();
    };
    let upvalues = c
        .upvalues
        .iter()
        .map(|u| match u {
            Capture::Cell(cell) => Capture::Value(cell.read().clone()),
            Capture::Value(v) => Capture::Value(v.clone()),
        })
        .collect();
    Value::Func(Arc::new(Closure {
        code: c.code.clone(),
        upvalues,
    }))
}

/// Discards the operands of a successful [`scalar_op`]: it succeeds only on `Int` and
/// `Float`, which own nothing, so skipping their destructor leaks nothing and saves the
/// out-of-line `drop_in_place` call the compiler cannot see is a no-op.
#[inline(always)]
fn forget_numbers(a: Value, b: Value) {
    debug_assert!(matches!(a, Value::Int(_) | Value::Float(_)));
    debug_assert!(matches!(b, Value::Int(_) | Value::Float(_)));
    std::mem::forget(a);
    std::mem::forget(b);
}

/// `a op b` for two plain numbers when it cannot fail: the interpreter's hottest path
/// (`i + 1`, `n < 2`). Same results as the kernels (`elementwise::binary_at`): NumPy's
/// promotion of int and float, wrapping int64 arithmetic, true division.
#[inline(always)]
fn scalar_op(op: FastOp, a: &Value, b: &Value) -> Option<Value> {
    use elementwise::BinOp;
    let arith_ok = |op: BinOp| matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div);
    Some(match (op, a, b) {
        (FastOp::Arith(op), Value::Int(x), Value::Int(y)) if arith_ok(op) => match op {
            BinOp::Add => Value::Int(x.wrapping_add(*y)),
            BinOp::Sub => Value::Int(x.wrapping_sub(*y)),
            BinOp::Mul => Value::Int(x.wrapping_mul(*y)),
            _ => Value::Float(*x as f64 / *y as f64),
        },
        (FastOp::Arith(op), Value::Float(x), Value::Float(y)) if arith_ok(op) => {
            Value::Float(elementwise::float_scalar(op, *x, *y))
        }
        (FastOp::Arith(op), Value::Int(x), Value::Float(y)) if arith_ok(op) => {
            Value::Float(elementwise::float_scalar(op, *x as f64, *y))
        }
        (FastOp::Arith(op), Value::Float(x), Value::Int(y)) if arith_ok(op) => {
            Value::Float(elementwise::float_scalar(op, *x, *y as f64))
        }
        (FastOp::Cmp(c), Value::Int(x), Value::Int(y)) => Value::Bool(c.test(*x, *y)),
        (FastOp::Cmp(c), Value::Float(x), Value::Float(y)) => Value::Bool(c.test(*x, *y)),
        (FastOp::Cmp(c), Value::Int(x), Value::Float(y)) => Value::Bool(c.test(*x as f64, *y)),
        (FastOp::Cmp(c), Value::Float(x), Value::Int(y)) => Value::Bool(c.test(*x, *y as f64)),
        _ => return None,
    })
}

/// Turns argument-position labels of a primitive's error into spans of the call's arguments.
fn locate(e: Error, node: &Node, args: &[Node]) -> Error {
    e.locate(node.span, |i| {
        args.get(i).map(|a| a.span).filter(|s| !s.is_dummy())
    })
}

impl Context for Interp<'_> {
    fn call(&self, f: &Value, args: Args) -> Result<Value> {
        if let Some(future) = Future::of(f) {
            return self.call(&future.wait()?, args);
        }
        let Value::Func(obj) = f else {
            return Err(Error::type_error(format!(
                "expected a function, not a {}",
                f.describe()
            )));
        };
        let any = obj.as_any();
        if let Some(c) = any.downcast_ref::<Closure>() {
            // called back by a primitive: the call site is that primitive's call
            let site = unpack(self.current_call.load(Ordering::Relaxed));
            let site = if site.is_dummy() { c.code.span } else { site };
            let node = Node::constant(Value::Nil, site);
            return self
                .call_closure(c, args, &[], &node)
                .map_err(|e| e.push_call(&c.code.name, site));
        }
        if let Some(p) = any.downcast_ref::<PrimitiveFn>() {
            return primitives::call_primitive(self, p.0, args);
        }
        if let Some(n) = any.downcast_ref::<NativeFn>() {
            return (n.func)(self, args);
        }
        Err(Error::internal(format!(
            "unknown kind of function `{}`",
            obj.name()
        )))
    }

    fn write_out(&self, text: &str) -> Result<()> {
        self.host.write_out(text)
    }

    fn write_err(&self, text: &str) -> Result<()> {
        self.host.write_err(text)
    }

    fn read_file(&self, path: &str) -> Result<Vec<u8>> {
        self.host.read_file(path)
    }

    fn write_file(&self, path: &str, data: &[u8]) -> Result<()> {
        self.host.write_file(path, data)
    }

    fn check_interrupt(&self) -> Result<()> {
        self.interrupted()
    }

    fn random(&self) -> &Mutex<Generator> {
        self.rng
    }

    fn call_each(&self, f: &Value, calls: Vec<Args>) -> Result<Vec<Value>> {
        Interp::call_each(self, f, calls)
    }

    fn spawn(&self, f: &Value) -> Result<Value> {
        let Some(run) = self.run else {
            return self.call(f, Args::new());
        };
        let f = snapshot_captures(f);
        let generator = self.rng.lock().split();
        let depth = self.depth.load(Ordering::Relaxed);
        let task_run = run.snapshot();
        let future = Future::new(move || {
            let rng = Mutex::new(generator);
            let task = Interp::for_run(&task_run, &rng);
            task.depth.store(depth, Ordering::Relaxed);
            let v = task.call(&f, Args::new())?;
            task.ready(v)
        });
        run.futures.lock().push(future.clone());
        executor::submit(future.clone(), rayon::current_num_threads());
        Ok(Value::Func(future))
    }
}

fn pack(s: crate::syntax::span::Span) -> u64 {
    (u64::from(s.start) << 32) | u64::from(s.end)
}

fn unpack(p: u64) -> crate::syntax::span::Span {
    crate::syntax::span::Span::new((p >> 32) as u32, p as u32)
}

/// Casts a numeric value to `dtype` (used for dtype-suffixed aliases).
pub fn cast_value(v: Value, dtype: DType) -> Value {
    match v.to_array() {
        Some(a) => Value::from_array(a.cast(dtype)),
        None => v,
    }
}
