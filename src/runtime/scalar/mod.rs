//! The scalar tier: user functions and `while` loops that compute only with plain numbers run
//! as typed register code instead of walking the tree.
//!
//! Recursive `fib(n)` or a counting loop spends all its time in interpreter overhead: every
//! node builds a [`Value`], every call a frame of locked slots. Here such code is lowered
//! (`lower.rs`), the first time it runs, into instructions over 64-bit registers whose types
//! (int64, float64, bool) are fixed at lowering time for the argument types it was entered
//! with, so `n - 1` is one wrapping integer subtraction and a call pushes a register window.
//!
//! What it covers: numbers and bools in constants, locals, globals and parameters; the
//! operators `+ - * / %` and comparisons; `if`, `while`, `for`, `block`, `define` and `store`
//! of locals and globals; calls of global user functions with positional arguments, which are
//! lowered into the same unit for the argument types they get. Anything else (arrays,
//! primitives, closures over locals, a variable whose type changes, ...) keeps the code on the
//! tree walker, which gives the same results; the tier only ever has to be faster.
//!
//! Same results as the tree walker, by construction:
//! - arithmetic is `scalar_op`'s (wrapping int64, NumPy's int/float promotion, true
//!   division); `%` goes through the kernel, errors included;
//! - loop iterations and calls are counted and checked for interrupts at the same points,
//!   the depth limit gives the same error, and errors carry the same call chain;
//! - a unit is valid only while the globals it calls still hold the functions it was lowered
//!   from, and its data globals still hold numbers of the lowered types (checked at each
//!   entry); the globals it reads are copied in at entry and the ones it writes written back
//!   at exit, even on error. Nothing else runs in between: a unit calls no host code, and a
//!   concurrent writer of the same global would be a race the compiler rejects inside a
//!   `parallel_block` and `async` tasks cannot write globals.

mod lower;

use super::frame::{Closure, Slot};
use super::Interp;
use crate::compile::tree::{FuncCode, Node};
use crate::diagnostics::{Error, Result};
use crate::kernels::elementwise::{self, BinOp, CmpOp};
use crate::syntax::span::Span;
use crate::value::Value;
use parking_lot::RwLock;
use std::sync::{Arc, OnceLock, Weak};

/// The static type of a register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    /// No value: the result of `store`, a `while`, an `if` without `else`.
    Nil,
    Bool,
    Int,
    Float,
}

impl Ty {
    /// The type of a value the tier can hold.
    fn of(v: &Value) -> Option<Ty> {
        Some(match v {
            Value::Nil => Ty::Nil,
            Value::Bool(_) => Ty::Bool,
            Value::Int(_) => Ty::Int,
            Value::Float(_) => Ty::Float,
            _ => return None,
        })
    }
}

/// A value as register bits.
fn bits(v: &Value) -> u64 {
    match v {
        Value::Bool(b) => u64::from(*b),
        Value::Int(i) => *i as u64,
        Value::Float(f) => f.to_bits(),
        _ => 0,
    }
}

fn value(ty: Ty, bits: u64) -> Value {
    match ty {
        Ty::Nil => Value::Nil,
        Ty::Bool => Value::Bool(bits != 0),
        Ty::Int => Value::Int(bits as i64),
        Ty::Float => Value::Float(f64::from_bits(bits)),
    }
}

/// Register index within the current function's window.
type Reg = u32;

/// One instruction. Registers are relative to the current function's window; jump targets
/// are absolute instruction indices.
#[derive(Clone, Copy, Debug)]
enum Op {
    Const {
        dst: Reg,
        bits: u64,
    },
    Move {
        dst: Reg,
        src: Reg,
    },
    IntToFloat {
        dst: Reg,
        src: Reg,
    },
    NegI {
        dst: Reg,
        src: Reg,
    },
    NegF {
        dst: Reg,
        src: Reg,
    },
    AddI {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    SubI {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    MulI {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    AddIK {
        dst: Reg,
        a: Reg,
        k: i64,
    },
    SubIK {
        dst: Reg,
        a: Reg,
        k: i64,
    },
    MulIK {
        dst: Reg,
        a: Reg,
        k: i64,
    },
    /// `+ - * /` on float64, through the kernels' element functions.
    ArithF {
        op: BinOp,
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    ArithFK {
        op: BinOp,
        dst: Reg,
        a: Reg,
        k: f64,
    },
    /// `%` (and anything else that can fail) on two numbers of types `ta`, `tb`, through
    /// `elementwise::binary_at`; `site` indexes [`Unit::sites`] for the error's spans.
    Kernel {
        op: BinOp,
        dst: Reg,
        a: Reg,
        ta: Ty,
        b: Reg,
        tb: Ty,
        site: u32,
    },
    CmpI {
        op: CmpOp,
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    CmpF {
        op: CmpOp,
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    /// Jumps to `to` unless `a op b` (int64): a condition's compare and branch in one.
    JumpUnlessI {
        op: CmpOp,
        a: Reg,
        b: Reg,
        to: u32,
    },
    JumpUnlessIK {
        op: CmpOp,
        a: Reg,
        k: i64,
        to: u32,
    },
    JumpUnlessF {
        op: CmpOp,
        a: Reg,
        b: Reg,
        to: u32,
    },
    /// Jumps to `to` unless register `cond` is nonzero (bool, int64) ...
    JumpUnless {
        cond: Reg,
        to: u32,
    },
    /// ... or a nonzero float64 (NaN is true, as in `Value::truthy`).
    JumpUnlessFloat {
        cond: Reg,
        to: u32,
    },
    Jump {
        to: u32,
    },
    /// A loop iteration: interrupt and step-budget check.
    Iteration,
    /// Calls function `func` of the unit with the `n` registers from `args` as its
    /// parameters; the result goes to `dst`.
    Call {
        func: u32,
        dst: Reg,
        args: Reg,
        site: u32,
    },
    Return {
        src: Reg,
    },
    GetGlobal {
        dst: Reg,
        global: u32,
    },
    SetGlobal {
        global: u32,
        src: Reg,
    },
}

impl Op {
    /// The register an instruction computes, for those that only compute one (no jumps, no
    /// moves, no stores to globals); the lowering may redirect it.
    fn result_mut(&mut self) -> Option<&mut Reg> {
        match self {
            Op::Const { dst, .. }
            | Op::IntToFloat { dst, .. }
            | Op::NegI { dst, .. }
            | Op::NegF { dst, .. }
            | Op::AddI { dst, .. }
            | Op::SubI { dst, .. }
            | Op::MulI { dst, .. }
            | Op::AddIK { dst, .. }
            | Op::SubIK { dst, .. }
            | Op::MulIK { dst, .. }
            | Op::ArithF { dst, .. }
            | Op::ArithFK { dst, .. }
            | Op::Kernel { dst, .. }
            | Op::CmpI { dst, .. }
            | Op::CmpF { dst, .. }
            | Op::Call { dst, .. }
            | Op::GetGlobal { dst, .. } => Some(dst),
            _ => None,
        }
    }
}

/// A lowered function of a unit.
#[derive(Debug)]
struct Function {
    name: Box<str>,
    entry: u32,
    n_params: u32,
    n_regs: u32,
    result: Ty,
}

/// Spans of a call or an operator, for errors.
#[derive(Clone, Copy, Debug)]
struct Site {
    node: Span,
    lhs: Span,
    rhs: Span,
}

/// A global the unit reads or writes as data.
#[derive(Debug)]
struct GlobalUse {
    index: u32,
    ty: Ty,
    written: bool,
}

/// Lowered code: the entry function (0) and every function it calls, for the types they
/// are called with.
#[derive(Debug)]
pub struct Unit {
    ops: Vec<Op>,
    functions: Vec<Function>,
    sites: Vec<Site>,
    globals: Vec<GlobalUse>,
    /// Globals called as functions, with the code they held when the unit was lowered.
    callees: Vec<(u32, Weak<FuncCode>)>,
    /// For a loop: the frame slots it uses (registers `0..`), with their types and whether
    /// the loop writes them.
    slots: Vec<(u32, Ty, bool)>,
}

/// What a function or a `while` node keeps of the tier: whether its code can be lowered at
/// all (decided once), and the units lowered so far, by entry types.
#[derive(Default)]
pub struct Tier {
    shape: OnceLock<Option<Shape>>,
    units: RwLock<Vec<Lowered>>,
}

impl std::fmt::Debug for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tier")
    }
}

/// A unit lowered for some entry types, or `None` if they did not lower.
type Lowered = (Box<[Ty]>, Option<Arc<Unit>>);

/// The static part of the decision: for a loop, the frame slots it touches.
#[derive(Debug)]
struct Shape {
    slots: Box<[u32]>,
}

/// Units lowered per function or loop, by entry types, at most: after that the code stays
/// on the tree walker for new types.
const MAX_UNITS: usize = 4;

impl Tier {
    /// False once the code is known not to lower (one load).
    #[inline]
    pub fn may_apply(&self) -> bool {
        !matches!(self.shape.get(), Some(None))
    }

    /// Whether the body of `code` (this tier's function) is made only of what lowers,
    /// decided on first use.
    fn function_lowers(&self, code: &FuncCode) -> bool {
        self.shape
            .get_or_init(|| lower::function_shape(code))
            .is_some()
    }

    /// The unit for entry types `key`, lowering it on first use (`None`: stay on the tree).
    fn unit(
        &self,
        interp: &Interp<'_>,
        key: &[Ty],
        lower: impl FnOnce() -> Option<Unit>,
    ) -> Option<Arc<Unit>> {
        {
            let units = self.units.read();
            for (k, u) in units.iter() {
                if &**k == key {
                    return match u {
                        Some(u) if u.still_valid(interp) => Some(u.clone()),
                        _ => None,
                    };
                }
            }
            if units.len() >= MAX_UNITS {
                return None;
            }
        }
        let unit = lower().map(Arc::new);
        let mut units = self.units.write();
        if units.len() < MAX_UNITS && !units.iter().any(|(k, _)| &**k == key) {
            units.push((key.into(), unit.clone()));
        }
        unit.filter(|u| u.still_valid(interp))
    }
}

impl Unit {
    /// The globals it calls still hold the same functions, its data globals numbers of the
    /// lowered types, and a write to a global is allowed.
    fn still_valid(&self, interp: &Interp<'_>) -> bool {
        let callees_same = self.callees.iter().all(|(g, code)| {
            interp.globals.get(*g as usize).is_some_and(|cell| {
                let v = cell.read();
                closure_of(&v).is_some_and(|c| std::ptr::eq(Arc::as_ptr(&c.code), code.as_ptr()))
            })
        });
        let globals_same = self.globals.iter().all(|g| {
            interp
                .globals
                .get(g.index as usize)
                .is_some_and(|cell| Ty::of(&cell.read()) == Some(g.ty))
        });
        let may_write =
            !self.globals.iter().any(|g| g.written) || !interp.run.is_some_and(|r| r.snapshot);
        callees_same && globals_same && may_write
    }
}

/// A closure without captures (the only kind a unit calls).
fn closure_of(v: &Value) -> Option<&Closure> {
    match v {
        Value::Func(f) => f
            .as_any()
            .downcast_ref::<Closure>()
            .filter(|c| c.upvalues.is_empty()),
        _ => None,
    }
}

/// Process-wide switch, for comparisons: the tier never changes results, only speed.
static DISABLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Runs `f` with the scalar tier off (every call and loop walks the tree). The switch is
/// process-wide: callers that run programs concurrently must serialise (the tests hold a
/// lock).
pub fn without_scalar_tier<T>(f: impl FnOnce() -> T) -> T {
    let before = DISABLED.swap(true, std::sync::atomic::Ordering::SeqCst);
    let r = f();
    DISABLED.store(before, std::sync::atomic::Ordering::SeqCst);
    r
}

/// Runs of lowered code so far (calls and loops entered from the tree walker), for tests and
/// introspection: the tier is meant to be invisible otherwise.
static ENTRIES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many times lowered code has been entered in this process.
pub fn entries() -> u64 {
    ENTRIES.load(std::sync::atomic::Ordering::Relaxed)
}

/// Off with `PHYSL_NO_SCALAR_TIER=1` (read once) or inside [`without_scalar_tier`].
fn enabled() -> bool {
    static ENV_OFF: OnceLock<bool> = OnceLock::new();
    !DISABLED.load(std::sync::atomic::Ordering::Relaxed)
        && !*ENV_OFF
            .get_or_init(|| std::env::var_os("PHYSL_NO_SCALAR_TIER").is_some_and(|v| v != "0"))
}

// ---------------------------------------------------------------------------- entry points

impl Interp<'_> {
    /// Calls `code` with `args` in the scalar tier, if it applies: `None` hands the call
    /// back to the tree walker (nothing has been evaluated). `node` is the call.
    pub(super) fn scalar_call(
        &self,
        code: &Arc<FuncCode>,
        args: &[Value],
        node: &Node,
    ) -> Option<Result<Value>> {
        if self.profiler.is_some() || !enabled() {
            return None;
        }
        if !code.scalar.function_lowers(code) {
            return None;
        }
        let mut key: smallvec::SmallVec<[Ty; 4]> = smallvec::SmallVec::new();
        for a in args {
            key.push(Ty::of(a).filter(|t| *t != Ty::Nil)?);
        }
        let unit = code
            .scalar
            .unit(self, &key, || lower::function(self.globals, code, &key))?;
        let inputs: smallvec::SmallVec<[u64; 4]> = args.iter().map(bits).collect();
        Some(self.run_unit(&unit, &inputs, node))
    }

    /// Runs `while(cond, body)` (the node `node`, with tier `tier`) in the scalar tier if it
    /// applies: `None` hands it back to the tree walker (nothing has run).
    pub(super) fn scalar_loop(
        &self,
        tier: &Tier,
        node: &Node,
        frame: &super::frame::Frame<'_>,
    ) -> Option<Result<Value>> {
        if self.profiler.is_some() || !enabled() {
            return None;
        }
        let shape = tier
            .shape
            .get_or_init(|| lower::loop_shape(node, frame.code))
            .as_ref()?;
        let mut key: smallvec::SmallVec<[Ty; 8]> = smallvec::SmallVec::new();
        let mut inputs: smallvec::SmallVec<[u64; 8]> = smallvec::SmallVec::new();
        for &slot in shape.slots.iter() {
            let (ty, b) = frame.with(slot, |s| match s {
                Slot::Val(v) => Ty::of(v).map(|t| (t, bits(v))),
                Slot::Cell(_) => None,
            })??;
            key.push(ty);
            inputs.push(b);
        }
        let unit = tier.unit(self, &key, || {
            lower::while_loop(self.globals, node, frame.code, &shape.slots, &key)
        })?;
        let mut out: smallvec::SmallVec<[u64; 8]> = smallvec::SmallVec::new();
        let result = self.run_loop(&unit, &inputs, &mut out);
        for (i, &(slot, ty, written)) in unit.slots.iter().enumerate() {
            if let (true, Some(b)) = (written, out.get(i)) {
                drop(frame.set(slot, Slot::Val(value(ty, *b))));
            }
        }
        Some(result)
    }

    /// A function unit, entered from the call `node`: the depth checks of a call, then the
    /// code.
    fn run_unit(&self, unit: &Unit, inputs: &[u64], node: &Node) -> Result<Value> {
        let depth = self.depth.load(std::sync::atomic::Ordering::Relaxed) + 1;
        self.call_checks(depth, node.span)?;
        let result = with_spare(|spare| self.execute(unit, inputs, depth, spare));
        result.map(|b| value(unit.functions[0].result, b))
    }

    /// A loop unit: the loop's slots come in as `inputs` and go out in `out`.
    fn run_loop(
        &self,
        unit: &Unit,
        inputs: &[u64],
        out: &mut smallvec::SmallVec<[u64; 8]>,
    ) -> Result<Value> {
        let depth = self.depth.load(std::sync::atomic::Ordering::Relaxed);
        let result = with_spare(|spare| {
            let result = self.execute(unit, inputs, depth, spare);
            out.extend(spare.regs.iter().take(unit.slots.len()).copied());
            result
        });
        result.map(|b| value(unit.functions[0].result, b))
    }

    /// Copies the unit's globals in, runs it, and writes the written ones back (also after
    /// an error: the tree walker would have stored them by then). `regs` holds the entry
    /// function's registers afterwards.
    fn execute(&self, unit: &Unit, inputs: &[u64], depth: u32, spare: &mut Spare) -> Result<u64> {
        ENTRIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut globals: smallvec::SmallVec<[u64; 4]> = unit
            .globals
            .iter()
            .map(|g| {
                self.globals
                    .get(g.index as usize)
                    .map_or(0, |cell| bits(&cell.read()))
            })
            .collect();
        let result = self.interpret(unit, inputs, depth, &mut globals, spare);
        for (g, b) in unit.globals.iter().zip(globals.iter()) {
            if g.written {
                if let Some(cell) = self.globals.get(g.index as usize) {
                    let old = std::mem::replace(&mut *cell.write(), value(g.ty, *b));
                    drop(old);
                }
            }
        }
        result
    }

    /// The checks of entering a user function at `depth` (shared with the tree walker).
    pub(super) fn call_checks(&self, depth: u32, span: Span) -> Result<()> {
        if depth > self.limits.max_depth {
            return Err(depth_error(self.limits.max_depth, span));
        }
        if super::stack::exhausted() {
            return Err(stack_error(depth, self.limits.max_depth, span));
        }
        self.interrupted()
    }

    /// The interpreter loop.
    fn interpret(
        &self,
        unit: &Unit,
        inputs: &[u64],
        entry_depth: u32,
        globals: &mut [u64],
        spare: &mut Spare,
    ) -> Result<u64> {
        let Spare { regs, frames } = spare;
        let ops = &unit.ops[..];
        let entry = &unit.functions[0];
        regs.clear();
        regs.resize(entry.n_regs.max(inputs.len() as u32) as usize, 0);
        regs[..inputs.len()].copy_from_slice(inputs);
        frames.clear();
        let mut base = 0usize;
        let mut size = entry.n_regs;
        let mut pc = entry.entry as usize;
        let mut depth = entry_depth;
        // Registers and return records live on the heap: deep recursion is bounded by a
        // budget of its own (in 8-byte words), a quarter of the evaluator's stack, which
        // still holds millions of levels of a small function.
        let budget = super::stack::EVAL_STACK / 4 / 8;
        let words_per_frame = std::mem::size_of::<Return>().div_ceil(8);

        let fail = |e: Error, frames: &[Return]| -> Error {
            frames.iter().rev().fold(e, |e, f| {
                e.push_call(
                    &unit.functions[f.func as usize].name,
                    unit.sites[f.site as usize].node,
                )
            })
        };
        macro_rules! r {
            ($i:expr) => {
                regs[base + $i as usize]
            };
        }
        loop {
            let Some(op) = ops.get(pc) else {
                return Err(Error::internal("scalar tier: ran past the code"));
            };
            pc += 1;
            match *op {
                Op::Const { dst, bits } => r!(dst) = bits,
                Op::Move { dst, src } => r!(dst) = r!(src),
                Op::IntToFloat { dst, src } => r!(dst) = (r!(src) as i64 as f64).to_bits(),
                Op::NegI { dst, src } => r!(dst) = (r!(src) as i64).wrapping_neg() as u64,
                Op::NegF { dst, src } => r!(dst) = (-f64::from_bits(r!(src))).to_bits(),
                Op::AddI { dst, a, b } => {
                    r!(dst) = (r!(a) as i64).wrapping_add(r!(b) as i64) as u64
                }
                Op::SubI { dst, a, b } => {
                    r!(dst) = (r!(a) as i64).wrapping_sub(r!(b) as i64) as u64
                }
                Op::MulI { dst, a, b } => {
                    r!(dst) = (r!(a) as i64).wrapping_mul(r!(b) as i64) as u64
                }
                Op::AddIK { dst, a, k } => r!(dst) = (r!(a) as i64).wrapping_add(k) as u64,
                Op::SubIK { dst, a, k } => r!(dst) = (r!(a) as i64).wrapping_sub(k) as u64,
                Op::MulIK { dst, a, k } => r!(dst) = (r!(a) as i64).wrapping_mul(k) as u64,
                Op::ArithF { op, dst, a, b } => {
                    let (x, y) = (f64::from_bits(r!(a)), f64::from_bits(r!(b)));
                    r!(dst) = elementwise::float_scalar(op, x, y).to_bits();
                }
                Op::ArithFK { op, dst, a, k } => {
                    let x = f64::from_bits(r!(a));
                    r!(dst) = elementwise::float_scalar(op, x, k).to_bits();
                }
                Op::Kernel {
                    op,
                    dst,
                    a,
                    ta,
                    b,
                    tb,
                    site,
                } => {
                    let (x, y) = (value(ta, r!(a)), value(tb, r!(b)));
                    match elementwise::binary_at(op, x, y, 0, 1) {
                        Ok(v) => r!(dst) = bits(&v),
                        Err(e) => {
                            let s = unit.sites[site as usize];
                            let e = e.locate(s.node, |i| match i {
                                0 => Some(s.lhs),
                                1 => Some(s.rhs),
                                _ => None,
                            });
                            return Err(fail(e, frames));
                        }
                    }
                }
                Op::CmpI { op, dst, a, b } => {
                    r!(dst) = u64::from(op.test(r!(a) as i64, r!(b) as i64))
                }
                Op::CmpF { op, dst, a, b } => {
                    r!(dst) = u64::from(op.test(f64::from_bits(r!(a)), f64::from_bits(r!(b))))
                }
                Op::JumpUnlessI { op, a, b, to } => {
                    if !op.test(r!(a) as i64, r!(b) as i64) {
                        pc = to as usize;
                    }
                }
                Op::JumpUnlessIK { op, a, k, to } => {
                    if !op.test(r!(a) as i64, k) {
                        pc = to as usize;
                    }
                }
                Op::JumpUnlessF { op, a, b, to } => {
                    if !op.test(f64::from_bits(r!(a)), f64::from_bits(r!(b))) {
                        pc = to as usize;
                    }
                }
                Op::JumpUnless { cond, to } => {
                    if r!(cond) == 0 {
                        pc = to as usize;
                    }
                }
                Op::JumpUnlessFloat { cond, to } => {
                    if f64::from_bits(r!(cond)) == 0.0 {
                        pc = to as usize;
                    }
                }
                Op::Jump { to } => pc = to as usize,
                Op::Iteration => {
                    if let Err(e) = self.interrupted() {
                        return Err(fail(e, frames));
                    }
                }
                Op::Call {
                    func,
                    dst,
                    args,
                    site,
                } => {
                    let callee = &unit.functions[func as usize];
                    depth += 1;
                    let new_base = base + size as usize;
                    let need = new_base + callee.n_regs as usize;
                    let used = need + (frames.len() + 1) * words_per_frame;
                    // the call checks of `call_checks`, but the registers live on the heap:
                    // their budget stands for the native stack's
                    let checked = if depth > self.limits.max_depth || used > budget {
                        let span = unit.sites[site as usize].node;
                        Err(if used > budget {
                            stack_error(depth, self.limits.max_depth, span)
                        } else {
                            depth_error(self.limits.max_depth, span)
                        })
                    } else {
                        self.interrupted()
                    };
                    if let Err(e) = checked {
                        let e = e.push_call(&callee.name, unit.sites[site as usize].node);
                        return Err(fail(e, frames));
                    }
                    if regs.len() < need {
                        regs.resize(need.next_power_of_two(), 0);
                    }
                    let from = base + args as usize;
                    for i in 0..callee.n_params as usize {
                        regs[new_base + i] = regs[from + i];
                    }
                    frames.push(Return {
                        pc: pc as u32,
                        base: base as u32,
                        size,
                        dst,
                        func,
                        site,
                    });
                    base = new_base;
                    size = callee.n_regs;
                    pc = callee.entry as usize;
                }
                Op::Return { src } => {
                    let v = r!(src);
                    match frames.pop() {
                        None => {
                            // the loop's slots are its entry registers: leave them there
                            regs.truncate(entry.n_regs as usize);
                            return Ok(v);
                        }
                        Some(f) => {
                            depth -= 1;
                            base = f.base as usize;
                            size = f.size;
                            pc = f.pc as usize;
                            r!(f.dst) = v;
                        }
                    }
                }
                Op::GetGlobal { dst, global } => r!(dst) = globals[global as usize],
                Op::SetGlobal { global, src } => globals[global as usize] = r!(src),
            }
        }
    }
}

/// A suspended caller.
struct Return {
    pc: u32,
    base: u32,
    size: u32,
    dst: Reg,
    /// Function called and the call's site, for the error's call chain.
    func: u32,
    site: u32,
}

/// The register file and return stack of a run, kept per thread between runs so that
/// entering a unit allocates nothing (a tree-walked loop may call a lowered function often).
#[derive(Default)]
struct Spare {
    regs: Vec<u64>,
    frames: Vec<Return>,
}

/// Runs `f` with this thread's spare register file (a fresh one if it is in use: a unit
/// never reenters the tree walker, but a host could nest runs).
fn with_spare<T>(f: impl FnOnce(&mut Spare) -> T) -> T {
    thread_local! {
        static SPARE: std::cell::Cell<Option<Box<Spare>>> = const { std::cell::Cell::new(None) };
    }
    let mut spare = SPARE.with(|s| s.take()).unwrap_or_default();
    let result = f(&mut spare);
    // after a very deep recursion, give the memory back
    if spare.regs.capacity() <= 1 << 16 && spare.frames.capacity() <= 1 << 14 {
        SPARE.with(|s| s.set(Some(spare)));
    }
    result
}

#[cold]
fn depth_error(max_depth: u32, span: Span) -> Error {
    Error::limit(format!(
        "recursion depth limit of {max_depth} calls exceeded"
    ))
    .with_label(span, "this call went too deep")
    .with_help("check the recursion's base case; raise the limit with --max-depth")
}

#[cold]
fn stack_error(depth: u32, max_depth: u32, span: Span) -> Error {
    Error::limit(format!(
        "recursion at depth {depth} has used up the evaluator's stack"
    ))
    .with_label(span, "this call went too deep")
    .with_help(format!(
        "the depth limit ({max_depth}) is more than the stack holds for this function; \
         lower --max-depth or check the recursion's base case"
    ))
}
