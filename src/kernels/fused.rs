//! Fused elementwise kernels: a chain of elementwise operations (arithmetic, comparisons,
//! math functions, `where`) evaluated in one pass over memory.
//!
//! The compiler (`compile::fuse`) turns a subtree of elementwise operations into a [`Fused`]
//! expression whose leaves are the other subtrees. At run time the leaves are evaluated,
//! then [`Fused::eval`] either
//! - runs the **fast path**: when every leaf is float64 (arrays or scalars), a bool, or an
//!   int64 scalar that the operation consuming it promotes to float64, and the types of every
//!   intermediate result are float64 or bool, the postfix program runs over the broadcast
//!   output in chunks of [`CHUNK`] elements (registers, allocated at compile time and
//!   reused once read, stay in L1 and live in a per-thread scratch space), in rayon tasks of
//!   [`TASK`] elements above [`PAR_MIN`], writing in place into a uniquely owned float64 leaf
//!   of the output's shape, or into the old array of the variable a `store` assigns
//!   ([`Fused::eval_store`]); or
//! - **falls back** to the unfused operations, one by one, on the leaf values (int arrays,
//!   strings, lists, shape mismatches...), so that results and errors (with the spans of
//!   both operands) are exactly those of the unfused tree.
//!
//! The fast path computes each element with the same scalar functions as the unfused
//! kernels (`float_scalar`, `CmpOp::test`, `float_fn`, `vmath::exp`), in the same dtype, so
//! its results are bit-identical to them; bools travel as 0.0 / 1.0, which every consumer
//! maps exactly as NumPy's promotion does.

use super::elementwise::{
    self, compare_at, float_scalar, zeroed_f64, BinOp, CmpOp, Elem, PAR_TASK, STORE_REUSE_MAX,
};
use super::unary::{float_fn, predicate, Kind, UnaryOp};
use super::vmath;
use crate::diagnostics::{Error, Result};
use crate::primitives::{Args, Context, Eval, Primitive};
use crate::syntax::span::Span;
use crate::value::broadcast::broadcast_pair;
use crate::value::{check_shape, Array, DType, Value};
use ndarray::ArrayD;
use rayon::prelude::*;
use smallvec::SmallVec;
use std::cell::Cell;
use std::fmt::Write as _;
use std::sync::Arc;

/// Elements per chunk: every register is one chunk of f64 (8 KB), so a program of a few
/// operations keeps its registers in L1/L2 while it streams its inputs and output.
pub const CHUNK: usize = 1024;
/// Elements per parallel task (a multiple of [`CHUNK`]); the split depends only on the size.
pub const TASK: usize = PAR_TASK;
/// Outputs of at least this many elements run on the rayon pool. Measured (µs per call,
/// 1 → 2 threads, quiet machine, 2026-11-26; threshold lowered for the run): `a * b + c`
/// 7e4 24.5 → 15.3–16.7, 1e5 34–35 → 24–25, 2e5 68 → 40–43; `1 / (1 + exp(-a))` 7e4
/// 71 → 39–42, 1e5 103 → 73, 2e5 207 → 110–116. At 4e4 (one task) nothing changes. An earlier
/// run under load saw no gain below 2^18; on a quiet machine the split pays from 2^16.
pub const PAR_MIN: usize = 1 << 16;

/// An elementwise operation of a fused expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FOp {
    Arith(BinOp),
    Cmp(CmpOp),
    Unary(UnaryOp),
    /// `where(cond, x, y)`.
    Where,
}

impl FOp {
    /// Number of operands (the leading arguments of the call).
    pub fn arity(self) -> usize {
        match self {
            FOp::Arith(_) | FOp::Cmp(_) => 2,
            FOp::Unary(_) => 1,
            FOp::Where => 3,
        }
    }
}

/// How the unfused tree evaluated an operation: as the evaluator's operator node
/// (`NodeKind::Binary`) or as a primitive call (`NodeKind::Prim`). The fallback repeats it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Binary,
    Prim,
}

/// A fused expression.
#[derive(Debug)]
pub enum FExpr {
    /// Leaf `i`: the value of the fused node's child `i`.
    Leaf(u32),
    /// A constant of the source (its value is known at compile time).
    Const(Value),
    Op(Box<FNode>),
}

/// One operation with everything the unfused evaluation needed.
#[derive(Debug)]
pub struct FNode {
    pub op: FOp,
    pub prim: &'static Primitive,
    pub origin: Origin,
    /// All arguments of the call in order: the operands, then (for primitive calls) the
    /// constant defaults the compiler filled in.
    pub args: Vec<FExpr>,
    pub span: Span,
    /// The spans of the argument nodes, for error labels.
    pub arg_spans: Vec<Span>,
}

/// Where an instruction reads an operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Arg {
    /// Input `i`: leaf `i`, or constant `i - n_leaves`.
    In(usize),
    /// Register `r` (before [`allocate`]: the result of instruction `r`).
    Reg(usize),
}

#[derive(Clone, Copy, Debug)]
struct Instr {
    op: FOp,
    args: [Arg; 3],
    /// The register the result goes to.
    dst: usize,
}

/// A fused expression and its postfix program.
#[derive(Debug)]
pub struct Fused {
    pub root: FExpr,
    pub n_leaves: usize,
    consts: Vec<Value>,
    prog: Vec<Instr>,
    /// Registers the program needs (see [`allocate`]).
    n_regs: usize,
}

/// A shape without a heap allocation (arrays have at most 4 axes).
type Shape = SmallVec<[usize; 4]>;

/// The type of a value inside the fast path; all travel as f64.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    Float,
    /// 0.0 or 1.0.
    Bool,
    /// An int64 scalar (only inputs), promoted by the operation that consumes it.
    Int,
}

impl Ty {
    fn dtype(self) -> DType {
        match self {
            Ty::Float => DType::Float,
            Ty::Bool => DType::Bool,
            Ty::Int => DType::Int,
        }
    }
}

impl Fused {
    /// Builds the program of `root` (an [`FExpr::Op`]) over `n_leaves` leaves.
    pub fn new(root: FExpr, n_leaves: usize) -> Fused {
        let mut f = Fused {
            root,
            n_leaves,
            consts: Vec::new(),
            prog: Vec::new(),
            n_regs: 0,
        };
        let mut consts = Vec::new();
        let mut prog = Vec::new();
        emit(&f.root, n_leaves, &mut consts, &mut prog);
        f.n_regs = allocate(&mut prog);
        f.consts = consts;
        f.prog = prog;
        f
    }

    /// The expression as text for tree dumps: `fused(1.0 / (1.0 + exp(-_0)))`, `_i` being
    /// leaf `i`.
    pub fn describe(&self) -> String {
        let mut s = String::from("fused(");
        write_expr(&mut s, &self.root, 0);
        s.push(')');
        s
    }

    /// Number of operations fused.
    pub fn n_ops(&self) -> usize {
        self.prog.len()
    }

    /// Evaluates the expression on the leaf values (in leaf order).
    pub fn eval(&self, ctx: &dyn Context, leaves: Args) -> Result<Value> {
        self.eval_store(ctx, leaves, &mut || Value::Nil)
    }

    /// [`Fused::eval`] for `store(x, <this>)`: `old()` takes the value of `x` out of its
    /// variable. It is called only once the fast path is certain to run (nothing can fail
    /// or read `x` after that), for outputs of at most [`STORE_REUSE_MAX`] elements, so
    /// that the old array can hold the result: in place when it is also a leaf, now
    /// uniquely owned (`store(w, w - alpha * g)`), or as the output buffer when it is not
    /// (`store(p, 1.0 / (1.0 + exp(-z)))` of a loop) — instead of a fresh allocation
    /// while the old one is freed right after.
    pub fn eval_store(
        &self,
        ctx: &dyn Context,
        mut leaves: Args,
        old: &mut dyn FnMut() -> Value,
    ) -> Result<Value> {
        if let Some(plan) = self.plan(&leaves) {
            let small = |s: &Shape| s.iter().product::<usize>() <= STORE_REUSE_MAX;
            let old = match (plan.ty, &plan.shape) {
                (Ty::Float, Some(s)) if small(s) => old(),
                _ => Value::Nil,
            };
            return Ok(self.run(plan, &mut leaves, old));
        }
        let mut take = |i: u32| -> Result<Value> {
            leaves
                .get_mut(i as usize)
                .map(std::mem::take)
                .ok_or_else(|| Error::internal("fused: leaf out of range"))
        };
        slow(&self.root, ctx, &mut take)
    }

    /// The unfused evaluation with leaves evaluated on demand, in the unfused order: used
    /// when evaluating the leaves up front failed, so that the first error is the one the
    /// unfused tree reports (leaves are pure, so evaluating one twice changes nothing).
    pub fn eval_lazy(
        &self,
        ctx: &dyn Context,
        leaf: &mut dyn FnMut(u32) -> Result<Value>,
    ) -> Result<Value> {
        slow(&self.root, ctx, leaf)
    }

    // ------------------------------------------------------------------ fast path

    /// For the row pass (`kernels::rowpass`): whether the fast path computes a float64
    /// array when the leaves are float64 arrays of one length (`RowLeaf::Rows`) or the
    /// given scalars, the constants being scalars too.
    pub fn rows_float(&self, leaves: &[RowLeaf]) -> bool {
        if leaves.len() != self.n_leaves {
            return false;
        }
        let mut tys: SmallVec<[Ty; 16]> = SmallVec::new();
        let mut any_rows = false;
        for l in leaves {
            tys.push(match l {
                RowLeaf::Rows => {
                    any_rows = true;
                    Ty::Float
                }
                RowLeaf::Scalar(Value::Float(_)) => Ty::Float,
                RowLeaf::Scalar(Value::Bool(_)) => Ty::Bool,
                RowLeaf::Scalar(Value::Int(_)) => Ty::Int,
                RowLeaf::Scalar(_) => return false,
            });
        }
        for c in &self.consts {
            tys.push(match c {
                Value::Float(_) => Ty::Float,
                Value::Bool(_) => Ty::Bool,
                Value::Int(_) => Ty::Int,
                _ => return false,
            });
        }
        any_rows && self.result_ty(&tys) == Some(Ty::Float)
    }

    /// Runs the program on one block of rows: `leaves[i]` is leaf `i`'s block (as long as
    /// `out`) or scalar. Only after [`Fused::rows_float`] said yes for these leaves; the
    /// elements are those [`Fused::eval`] computes, bit for bit.
    pub fn run_rows(&self, leaves: &[RowIn], out: &mut [f64]) {
        use std::borrow::Cow;
        let ins: SmallVec<[Input; 8]> = leaves
            .iter()
            .map(|l| match *l {
                RowIn::Rows(s) => Input::Slice(Cow::Borrowed(s)),
                RowIn::Scalar(x) => Input::Scalar(x),
            })
            .chain(self.consts.iter().map(|c| Input::Scalar(scalar_f64(c))))
            .collect();
        self.run_range(&ins, 0, 0, out);
    }

    /// Decides whether the fast path applies, without consuming anything.
    fn plan(&self, leaves: &[Value]) -> Option<Plan> {
        if leaves.len() != self.n_leaves {
            return None;
        }
        let mut tys: SmallVec<[Ty; 16]> = SmallVec::new();
        let mut out = Shape::new();
        let mut any_array = false;
        for v in leaves.iter().chain(self.consts.iter()) {
            let ty = match v {
                Value::Float(_) | Value::Array(Array::Float(_)) => Ty::Float,
                Value::Bool(_) | Value::Array(Array::Bool(_)) => Ty::Bool,
                Value::Int(_) => Ty::Int,
                _ => return None,
            };
            if let Value::Array(a) = v {
                let s = a.shape();
                if !any_array {
                    out.extend_from_slice(s);
                } else if out.as_slice() != s {
                    out = Shape::from_vec(broadcast_pair(&out, s)?);
                }
                any_array = true;
            }
            tys.push(ty);
        }
        let ty = self.result_ty(&tys)?;
        if any_array && check_shape(&out, ty.dtype()).is_err() {
            return None;
        }
        Some(Plan {
            ty,
            shape: any_array.then_some(out),
        })
    }

    /// The type of the program's result when its inputs (leaves, then constants) have the
    /// types `tys`; `None` when some operation has no fast path for its operand types.
    fn result_ty(&self, tys: &[Ty]) -> Option<Ty> {
        // the type each register holds as the program runs
        let mut regs: SmallVec<[Ty; 16]> = smallvec::smallvec![Ty::Float; self.n_regs];
        let mut ty = None;
        for ins in &self.prog {
            let t = |a: Arg| match a {
                Arg::In(i) => tys.get(i).copied(),
                Arg::Reg(r) => regs.get(r).copied(),
            };
            let (a, b, c) = match ins.args.map(t) {
                [Some(a), Some(b), Some(c)] => (a, b, c),
                _ => return None,
            };
            let t = match ins.op {
                FOp::Arith(op) => match op.result_dtype(a.dtype(), b.dtype()) {
                    Some(DType::Float) => Ty::Float,
                    _ => return None,
                },
                FOp::Cmp(_) => match a.dtype().max(b.dtype()) {
                    DType::Float | DType::Bool => Ty::Bool,
                    DType::Int => return None,
                },
                FOp::Unary(op) => match (op.kind(), a) {
                    (Kind::Float, _) => Ty::Float,
                    (Kind::KeepInt, Ty::Float) => Ty::Float,
                    (Kind::Predicate, Ty::Float) => Ty::Bool,
                    _ => return None,
                },
                FOp::Where => match b.dtype().max(c.dtype()) {
                    DType::Float => Ty::Float,
                    _ => return None,
                },
            };
            *regs.get_mut(ins.dst)? = t;
            ty = Some(t);
        }
        ty
    }

    /// `old`: the store target's previous value (see [`Fused::eval_store`]), else nil.
    fn run(&self, plan: Plan, leaves: &mut Args, old: Value) -> Value {
        let Some(shape) = plan.shape else {
            // all scalars: one element
            let ins: SmallVec<[Input; 8]> = leaves
                .iter()
                .chain(self.consts.iter())
                .map(|v| Input::Scalar(scalar_f64(v)))
                .collect();
            let mut out = [0.0];
            drop(old);
            self.run_range(&ins, 0, 0, &mut out[..]);
            return match plan.ty {
                Ty::Bool => Value::Bool(out[0] != 0.0),
                _ => Value::Float(out[0]),
            };
        };
        let n: usize = shape.iter().product();
        let mut spare = match old {
            Value::Array(Array::Float(a)) => Some(a),
            _ => None,
        };
        // the variable's reference goes first when its array is also a leaf, so that the
        // leaf may be the only one left
        let is_leaf = |s: &Arc<ArrayD<f64>>| {
            leaves
                .iter()
                .any(|v| matches!(v, Value::Array(Array::Float(a)) if Arc::ptr_eq(a, s)))
        };
        if spare.as_ref().is_some_and(is_leaf) {
            spare = None;
        }
        // the output buffer: a uniquely owned float64 leaf of the output's shape, else the
        // store target's old array, else new
        let mut reuse = None;
        if plan.ty == Ty::Float {
            for (i, v) in leaves.iter_mut().enumerate() {
                if let Value::Array(Array::Float(a)) = v {
                    // the plain count first: get_mut's compare-exchange costs more, and a
                    // variable's array (the common leaf) is shared with the variable
                    if Arc::strong_count(a) == 1
                        && a.shape() == shape.as_slice()
                        && a.is_standard_layout()
                        && Arc::get_mut(a).is_some()
                    {
                        reuse = Some(i);
                        break;
                    }
                }
            }
        }
        let mut owned: Option<Arc<ArrayD<f64>>> = None;
        if let Some(i) = reuse {
            if let Some(Value::Array(Array::Float(a))) = leaves.get_mut(i).map(std::mem::take) {
                owned = Some(a);
            }
        } else if let Some(mut a) = spare.take() {
            // no input: the program writes every element and never reads the old ones
            if a.shape() == shape.as_slice()
                && a.is_standard_layout()
                && Arc::get_mut(&mut a).is_some()
            {
                owned = Some(a);
            }
        }
        drop(spare);
        // inputs that are not read in place get a buffer each in the scratch space
        let mut n_bufs = 0;
        let mut buf = || {
            n_bufs += 1;
            n_bufs - 1
        };
        let ins: SmallVec<[Input; 8]> = leaves
            .iter()
            .chain(self.consts.iter())
            .enumerate()
            .map(|(k, v)| {
                if reuse == Some(k) {
                    Input::Output(buf())
                } else {
                    Input::of(v, &shape, &mut buf)
                }
            })
            .collect();
        match (plan.ty, owned) {
            (Ty::Float, Some(mut a)) => {
                if let Some(d) = Arc::get_mut(&mut a).and_then(|m| m.as_slice_mut()) {
                    self.run_all(&ins, n_bufs, d);
                }
                Value::from_array(Array::Float(a))
            }
            (Ty::Float, None) => {
                let v = fresh_f64(n, |out| self.run_all(&ins, n_bufs, out));
                wrap(v, &shape)
            }
            _ => {
                let mut v = zeroed_f64(n);
                self.run_all(&ins, n_bufs, &mut v[..]);
                let b: Vec<bool> = if n >= PAR_MIN {
                    let mut b = Vec::with_capacity(n);
                    v.par_iter()
                        .with_min_len(TASK)
                        .map(|&x| x != 0.0)
                        .collect_into_vec(&mut b);
                    b
                } else {
                    v.iter().map(|&x| x != 0.0).collect()
                };
                wrap(b, &shape)
            }
        }
    }

    /// Runs the program over the whole output, in tasks above [`PAR_MIN`].
    fn run_all<O: Out + ?Sized>(&self, ins: &[Input], n_bufs: usize, out: &mut O) {
        if out.len() >= PAR_MIN {
            out.par_tasks(&|t, o: &mut O| self.run_range(ins, n_bufs, t * TASK, o));
        } else {
            self.run_range(ins, n_bufs, 0, out);
        }
    }

    /// Computes output elements `start .. start + out.len()` into `out` (which holds the
    /// values of the reused leaf, if any, on entry).
    fn run_range<O: Out + ?Sized>(&self, ins: &[Input], n_bufs: usize, start: usize, out: &mut O) {
        let np = self.prog.len();
        // registers of small outputs are only as long as the output: a 30-element update
        // touches 30 elements of each, not a whole chunk
        let stride = CHUNK.min(out.len());
        // the reused leaf is read where it is, except by the last instruction, which
        // overwrites it: then each chunk of it is copied first
        let reads_output = |ins_: &Instr| {
            ins_.args[..ins_.op.arity()]
                .iter()
                .any(|a| matches!(a, Arg::In(k) if matches!(ins.get(*k), Some(Input::Output(_)))))
        };
        let copy_output = self.prog.last().is_some_and(reads_output);
        with_scratch((self.n_regs + n_bufs) * stride, |scratch| {
            let (regs, bufs) = scratch.split_at_mut(self.n_regs * stride);
            let mut pos = 0;
            while pos < out.len() {
                let len = stride.min(out.len() - pos);
                let first = start + pos;
                // gathered inputs (and the reused leaf's values, if copied) go to their
                // buffers first
                for inp in ins {
                    match inp {
                        Input::Output(k) if copy_output => {
                            bufs[k * stride..k * stride + len].copy_from_slice(out.values(pos, len))
                        }
                        Input::Gather(g) => gather(
                            &g.data,
                            &g.strides,
                            &g.dims,
                            first,
                            &mut bufs[g.buf * stride..g.buf * stride + len],
                        ),
                        _ => {}
                    }
                }
                for (i, ins_) in self.prog.iter().enumerate() {
                    // `allocate` never gives an instruction an operand's register, so its
                    // destination lies wholly before or after each register it reads
                    let (lo, hi) = regs.split_at_mut(ins_.dst * stride);
                    let (dst, hi) = hi.split_at_mut(stride);
                    let reg = |r: usize| -> &[f64] {
                        if r < ins_.dst {
                            lo.get(r * stride..r * stride + len).unwrap_or(&[])
                        } else {
                            let o = (r - ins_.dst - 1) * stride;
                            hi.get(o..o + len).unwrap_or(&[])
                        }
                    };
                    let at = Chunk {
                        ins,
                        bufs,
                        stride,
                        first,
                        len,
                    };
                    if i + 1 == np {
                        let a = ins_.args.map(|a| at.src(a, &reg, Reused::Copied));
                        out.write(pos, &mut dst[..len], |d| apply_wide(ins_.op, a, d));
                    } else {
                        let reused = match copy_output {
                            true => Reused::Copied,
                            false => Reused::InPlace(out.values(pos, len)),
                        };
                        let a = ins_.args.map(|a| at.src(a, &reg, reused));
                        apply_wide(ins_.op, a, &mut dst[..len]);
                    }
                }
                pos += len;
            }
        });
    }
}

thread_local! {
    /// The fast path's registers and input buffers, kept between calls: allocating and
    /// zeroing them per call (tens of KB through calloc) cost more than the arithmetic of a
    /// few hundred elements.
    static SCRATCH: Cell<Vec<f64>> = const { Cell::new(Vec::new()) };
}

/// Scratch space larger than this (in f64) is not kept by the thread: only programs of
/// dozens of operations need it.
const SCRATCH_KEEP: usize = 64 * CHUNK;

/// Runs `f` on `len` f64 of scratch space (of unspecified contents). The space is moved out
/// of the thread's slot while `f` runs, so a nested call would just get a new one.
fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f64]) -> R) -> R {
    let mut v = SCRATCH.try_with(Cell::take).unwrap_or_default();
    if v.len() < len {
        v.resize(len, 0.0);
    }
    let r = f(&mut v[..len]);
    if v.len() <= SCRATCH_KEEP {
        // fails only while the thread shuts down: the space is then just freed
        let _ = SCRATCH.try_with(|s| s.set(v));
    }
    r
}

/// An output buffer of the fast path: initialised (a reused leaf, written in place) or fresh.
trait Out: Send {
    fn len(&self) -> usize;
    /// The current values of `pos .. pos + len` (only asked of initialised outputs).
    fn values(&self, pos: usize, len: usize) -> &[f64];
    /// Stores `f`'s chunk at `pos .. pos + scratch.len()`, computed in place or in `scratch`.
    fn write(&mut self, pos: usize, scratch: &mut [f64], f: impl FnOnce(&mut [f64]));
    /// `f(t, task t's part)` for consecutive parts of [`TASK`] elements, on the rayon pool.
    fn par_tasks(&mut self, f: &(dyn Fn(usize, &mut Self) + Sync));
}

impl Out for [f64] {
    fn len(&self) -> usize {
        <[f64]>::len(self)
    }
    fn values(&self, pos: usize, len: usize) -> &[f64] {
        &self[pos..pos + len]
    }
    fn write(&mut self, pos: usize, scratch: &mut [f64], f: impl FnOnce(&mut [f64])) {
        f(&mut self[pos..pos + scratch.len()]);
    }
    fn par_tasks(&mut self, f: &(dyn Fn(usize, &mut Self) + Sync)) {
        self.par_chunks_mut(TASK)
            .enumerate()
            .for_each(|(t, o)| f(t, o));
    }
}

/// A fresh output: its memory is never zeroed (for a recycled 80 MB block that pass would
/// cost as much as the arithmetic); each chunk is computed in an L1-resident register and
/// copied out, so no `&mut [f64]` ever points at uninitialised memory.
impl Out for [std::mem::MaybeUninit<f64>] {
    fn len(&self) -> usize {
        <[std::mem::MaybeUninit<f64>]>::len(self)
    }
    fn values(&self, _pos: usize, _len: usize) -> &[f64] {
        &[] // never asked: a fresh output is no input
    }
    fn write(&mut self, pos: usize, scratch: &mut [f64], f: impl FnOnce(&mut [f64])) {
        f(scratch);
        for (d, &x) in self[pos..pos + scratch.len()]
            .iter_mut()
            .zip(scratch.iter())
        {
            d.write(x);
        }
    }
    fn par_tasks(&mut self, f: &(dyn Fn(usize, &mut Self) + Sync)) {
        self.par_chunks_mut(TASK)
            .enumerate()
            .for_each(|(t, o)| f(t, o));
    }
}

/// `n` float64 values computed by `fill` into fresh memory that is never zeroed; `fill` must
/// write every element (the fused program writes each output chunk once).
fn fresh_f64(n: usize, fill: impl FnOnce(&mut [std::mem::MaybeUninit<f64>])) -> Vec<f64> {
    let mut v: Vec<f64> = elementwise::large_vec(n);
    let spare = &mut v.spare_capacity_mut()[..n];
    fill(spare);
    // SAFETY: `fill` initialised all `n` elements (run_range writes every chunk of its
    // output, see `Out::write`), and the capacity is at least `n`.
    unsafe { v.set_len(n) };
    v
}

/// A leaf of a row-pass program, for [`Fused::rows_float`].
pub enum RowLeaf<'a> {
    /// A float64 array as long as the output.
    Rows,
    Scalar(&'a Value),
}

/// A leaf's value for [`Fused::run_rows`].
#[derive(Clone, Copy)]
pub enum RowIn<'a> {
    Rows(&'a [f64]),
    Scalar(f64),
}

struct Plan {
    ty: Ty,
    /// `None` when every input is a scalar.
    shape: Option<Shape>,
}

/// An input of the fast path, ready for chunked access.
enum Input<'a> {
    Scalar(f64),
    /// Contiguous, of the output's shape.
    Slice(std::borrow::Cow<'a, [f64]>),
    /// Broadcast (boxed: the common inputs stay small to move around).
    Gather(Box<Gather<'a>>),
    /// The reused leaf: its values are the output buffer's contents, copied into scratch
    /// buffer `.0` before each chunk is overwritten.
    Output(usize),
}

/// Element `i` of the output reads `data[sum(idx_d * strides_d)]`, gathered into scratch
/// buffer `buf` chunk by chunk.
struct Gather<'a> {
    data: std::borrow::Cow<'a, [f64]>,
    strides: Shape,
    dims: Shape,
    buf: usize,
}

impl<'a> Input<'a> {
    /// `buf` hands out scratch buffer numbers.
    fn of(v: &'a Value, shape: &[usize], buf: &mut impl FnMut() -> usize) -> Input<'a> {
        use std::borrow::Cow;
        let data: Cow<'a, [f64]> = match v {
            Value::Array(Array::Float(a)) => match a.as_slice() {
                Some(s) => Cow::Borrowed(s),
                None => Cow::Owned(a.iter().copied().collect()),
            },
            // bools (and, defensively, ints) as exact f64: one conversion pass
            Value::Array(Array::Bool(a)) => Cow::Owned(a.iter().map(|&b| b as u8 as f64).collect()),
            Value::Array(Array::Int(a)) => Cow::Owned(a.iter().map(|&i| i as f64).collect()),
            other => return Input::Scalar(scalar_f64(other)),
        };
        let own = v.shape().unwrap_or(&[]);
        if own == shape {
            return Input::Slice(data);
        }
        // row-major strides of the leaf, 0 along broadcast axes, aligned to the output
        let pad = shape.len() - own.len();
        let mut strides: Shape = smallvec::smallvec![0; shape.len()];
        let mut acc = 1;
        for d in (0..own.len()).rev() {
            strides[pad + d] = if own[d] == 1 { 0 } else { acc };
            acc *= own[d];
        }
        Input::Gather(Box::new(Gather {
            data,
            strides,
            dims: Shape::from_slice(shape),
            buf: buf(),
        }))
    }
}

fn scalar_f64(v: &Value) -> f64 {
    match v {
        Value::Float(x) => *x,
        Value::Int(i) => *i as f64,
        Value::Bool(b) => *b as u8 as f64,
        _ => f64::NAN,
    }
}

fn wrap<T: Elem>(v: Vec<T>, shape: &[usize]) -> Value {
    match elementwise::from_shape_vec(shape, v) {
        Some(a) => Value::from_array(T::wrap(Arc::new(a))),
        None => Value::Nil,
    }
}

/// Fills `buf` with the broadcast input's elements at output positions `first..`.
fn gather(data: &[f64], strides: &[usize], dims: &[usize], first: usize, buf: &mut [f64]) {
    let nd = dims.len();
    let mut idx = [0usize; 8];
    let mut rem = first;
    for d in (0..nd).rev() {
        if dims[d] > 0 {
            idx[d] = rem % dims[d];
            rem /= dims[d];
        }
    }
    let mut off: usize = (0..nd).map(|d| idx[d] * strides[d]).sum();
    for b in buf.iter_mut() {
        *b = data.get(off).copied().unwrap_or(f64::NAN);
        // increment the multi-index, innermost axis first
        let mut d = nd;
        while d > 0 {
            d -= 1;
            idx[d] += 1;
            off += strides[d];
            if idx[d] < dims[d] {
                break;
            }
            off -= idx[d] * strides[d];
            idx[d] = 0;
        }
    }
}

/// Output elements `first .. first + len` of the inputs; scratch buffers are `stride`
/// elements apart.
struct Chunk<'a> {
    ins: &'a [Input<'a>],
    bufs: &'a [f64],
    stride: usize,
    first: usize,
    len: usize,
}

/// Where an instruction finds the reused leaf's chunk.
#[derive(Clone, Copy)]
enum Reused<'a> {
    /// Copied to its scratch buffer.
    Copied,
    /// Still in the output, not yet overwritten.
    InPlace(&'a [f64]),
}

impl<'a> Chunk<'a> {
    /// Operand `a` of an instruction; `reg(r)` is register `r`'s chunk.
    fn src(&self, a: Arg, reg: &impl Fn(usize) -> &'a [f64], reused: Reused<'a>) -> Src<'a> {
        let (stride, len) = (self.stride, self.len);
        let buf = |k: usize| self.bufs.get(k * stride..k * stride + len).unwrap_or(&[]);
        match a {
            Arg::Reg(r) => Src::V(reg(r)),
            Arg::In(k) => match self.ins.get(k) {
                Some(Input::Scalar(x)) => Src::S(*x),
                Some(Input::Slice(d)) => Src::V(d.get(self.first..self.first + len).unwrap_or(&[])),
                Some(Input::Output(b)) => match reused {
                    Reused::Copied => Src::V(buf(*b)),
                    Reused::InPlace(v) => Src::V(v),
                },
                Some(Input::Gather(g)) => Src::V(buf(g.buf)),
                None => Src::S(f64::NAN),
            },
        }
    }
}

/// An operand of one chunk.
#[derive(Clone, Copy)]
enum Src<'a> {
    S(f64),
    V(&'a [f64]),
}

#[inline(always)]
fn map1(a: Src, dst: &mut [f64], f: impl Fn(f64) -> f64) {
    match a {
        Src::S(x) => dst.fill(f(x)),
        Src::V(x) => dst.iter_mut().zip(x).for_each(|(d, &x)| *d = f(x)),
    }
}

#[inline(always)]
fn map2(a: Src, b: Src, dst: &mut [f64], f: impl Fn(f64, f64) -> f64) {
    match (a, b) {
        (Src::V(x), Src::V(y)) => {
            for ((d, &x), &y) in dst.iter_mut().zip(x).zip(y) {
                *d = f(x, y);
            }
        }
        (Src::V(x), Src::S(y)) => dst.iter_mut().zip(x).for_each(|(d, &x)| *d = f(x, y)),
        (Src::S(x), Src::V(y)) => dst.iter_mut().zip(y).for_each(|(d, &y)| *d = f(x, y)),
        (Src::S(x), Src::S(y)) => dst.fill(f(x, y)),
    }
}

/// [`apply`] compiled for the widest vector unit the CPU has: the crate's baseline is SSE2
/// (two lanes), and division, the bulk of `1 / (1 + exp(-x))` after exp, runs 2-4× faster
/// on AVX2/AVX-512 lanes. Every operation is an exact IEEE one (no FMA contraction in Rust),
/// so the bits are those of the scalar code.
fn apply_wide(op: FOp, a: [Src; 3], dst: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f")]
        unsafe fn avx512(op: FOp, a: [Src; 3], dst: &mut [f64]) {
            apply(op, a, dst)
        }
        #[target_feature(enable = "avx2")]
        unsafe fn avx2(op: FOp, a: [Src; 3], dst: &mut [f64]) {
            apply(op, a, dst)
        }
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F (checked just above).
            return unsafe { avx512(op, a, dst) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { avx2(op, a, dst) };
        }
    }
    apply(op, a, dst)
}

/// One operation over a chunk. Each case uses the unfused kernels' scalar function.
#[inline(always)]
fn apply(op: FOp, [a, b, c]: [Src; 3], dst: &mut [f64]) {
    match op {
        FOp::Arith(BinOp::Add) => map2(a, b, dst, |x, y| x + y),
        FOp::Arith(BinOp::Sub) => map2(a, b, dst, |x, y| x - y),
        FOp::Arith(BinOp::Mul) => map2(a, b, dst, |x, y| x * y),
        FOp::Arith(BinOp::Div) => map2(a, b, dst, |x, y| x / y),
        FOp::Arith(op) => map2(a, b, dst, move |x, y| float_scalar(op, x, y)),
        FOp::Cmp(op) => map2(a, b, dst, move |x, y| op.test(x, y) as u8 as f64),
        FOp::Unary(UnaryOp::Exp) => match a {
            Src::V(x) => vmath::exp_into(x, dst),
            Src::S(x) => dst.fill(vmath::exp(x)),
        },
        FOp::Unary(UnaryOp::Neg) => map1(a, dst, |x| -x),
        FOp::Unary(op) if op.kind() == Kind::Predicate => {
            map1(a, dst, move |x| predicate(op, x) as u8 as f64)
        }
        FOp::Unary(op) => map1(a, dst, move |x| float_fn(op, x)),
        FOp::Where => {
            let at = |s: Src, i: usize| match s {
                Src::S(x) => x,
                Src::V(v) => v.get(i).copied().unwrap_or(f64::NAN),
            };
            for (i, d) in dst.iter_mut().enumerate() {
                *d = if at(a, i) != 0.0 { at(b, i) } else { at(c, i) };
            }
        }
    }
}

// ---------------------------------------------------------------------- program building

fn emit(e: &FExpr, n_leaves: usize, consts: &mut Vec<Value>, prog: &mut Vec<Instr>) -> Arg {
    match e {
        FExpr::Leaf(i) => Arg::In(*i as usize),
        FExpr::Const(v) => {
            consts.push(v.clone());
            Arg::In(n_leaves + consts.len() - 1)
        }
        FExpr::Op(node) => {
            let mut args = [Arg::In(0); 3];
            for (k, a) in node.args.iter().take(node.op.arity()).enumerate() {
                args[k] = emit(a, n_leaves, consts, prog);
            }
            prog.push(Instr {
                op: node.op,
                args,
                dst: 0,
            });
            Arg::Reg(prog.len() - 1)
        }
    }
}

/// Gives each instruction of `prog` (from [`emit`]: `Arg::Reg(i)` is instruction `i`'s
/// result) a register and rewrites its operands to registers; returns the number of
/// registers. Each result is read once (the program is a tree), so its register is free
/// again after that read: `1 / (1 + exp(-x))` needs two registers, not four, which keeps a
/// chunk's working set in L1. A result never shares a register with an operand of its own
/// instruction, so operations never run in place.
fn allocate(prog: &mut [Instr]) -> usize {
    let mut reg_of = vec![0; prog.len()];
    let mut free: Vec<usize> = Vec::new();
    let mut n = 0;
    for i in 0..prog.len() {
        let arity = prog[i].op.arity();
        let mut used = [None; 3];
        for (k, a) in prog[i].args.iter_mut().take(arity).enumerate() {
            if let Arg::Reg(j) = *a {
                let r = reg_of.get(j).copied().unwrap_or(0);
                used[k] = Some(r);
                *a = Arg::Reg(r);
            }
        }
        let dst = match free.iter().position(|r| !used.contains(&Some(*r))) {
            Some(p) => free.remove(p),
            None => {
                n += 1;
                n - 1
            }
        };
        free.extend(used.iter().flatten());
        prog[i].dst = dst;
        reg_of[i] = dst;
    }
    n
}

/// Binding strength of an infix operation (`None`: not written infix).
fn infix(n: &FNode) -> Option<(&'static str, u8)> {
    if n.origin != Origin::Binary {
        return None;
    }
    Some(match n.op {
        FOp::Arith(BinOp::Add) => ("+", 2),
        FOp::Arith(BinOp::Sub) => ("-", 2),
        FOp::Arith(BinOp::Mul) => ("*", 3),
        FOp::Arith(BinOp::Div) => ("/", 3),
        FOp::Arith(BinOp::Mod) => ("%", 3),
        FOp::Cmp(CmpOp::Eq) => ("==", 1),
        FOp::Cmp(CmpOp::Ne) => ("!=", 1),
        FOp::Cmp(CmpOp::Lt) => ("<", 1),
        FOp::Cmp(CmpOp::Le) => ("<=", 1),
        FOp::Cmp(CmpOp::Gt) => (">", 1),
        FOp::Cmp(CmpOp::Ge) => (">=", 1),
        _ => return None,
    })
}

/// Writes `e`, in parentheses when it binds less tightly than `min` requires.
fn write_expr(s: &mut String, e: &FExpr, min: u8) {
    match e {
        FExpr::Leaf(i) => {
            let _ = write!(s, "_{i}");
        }
        FExpr::Const(v) => match v {
            Value::Float(x) => {
                let _ = write!(s, "{x:?}");
            }
            other => s.push_str(&crate::value::format::plain(other)),
        },
        FExpr::Op(n) => {
            if let (Some((sym, prec)), [l, r, ..]) = (infix(n), n.args.as_slice()) {
                let paren = prec < min;
                if paren {
                    s.push('(');
                }
                // left-associative: a right operand of equal strength needs parentheses
                write_expr(s, l, prec);
                let _ = write!(s, " {sym} ");
                write_expr(s, r, prec + 1);
                if paren {
                    s.push(')');
                }
            } else if let (FOp::Unary(UnaryOp::Neg), [x, ..]) = (n.op, n.args.as_slice()) {
                s.push('-');
                write_expr(s, x, 4);
            } else {
                s.push_str(n.prim.name);
                s.push('(');
                for (k, a) in n.args.iter().take(n.op.arity()).enumerate() {
                    if k > 0 {
                        s.push_str(", ");
                    }
                    write_expr(s, a, 0);
                }
                s.push(')');
            }
        }
    }
}

// ---------------------------------------------------------------------- exact fallback

/// The unfused evaluation: each operation as the evaluator ran it, errors located on the
/// same spans.
fn slow(e: &FExpr, ctx: &dyn Context, leaf: &mut dyn FnMut(u32) -> Result<Value>) -> Result<Value> {
    let n = match e {
        FExpr::Leaf(i) => return leaf(*i),
        FExpr::Const(v) => return Ok(v.clone()),
        FExpr::Op(n) => n,
    };
    let mut values = Args::with_capacity(n.args.len());
    for a in &n.args {
        values.push(slow(a, ctx, leaf)?);
    }
    let Eval::Fn(f) = n.prim.eval else {
        return Err(Error::internal("fused operation without a function"));
    };
    match n.origin {
        Origin::Binary => {
            let mut it = values.into_iter();
            let (a, b) = (it.next().unwrap_or_default(), it.next().unwrap_or_default());
            let r = if a.is_numeric() && b.is_numeric() {
                match n.op {
                    FOp::Arith(op) => elementwise::binary_at(op, a, b, 0, 1),
                    FOp::Cmp(op) => compare_at(op, a, b, false, 0, 1),
                    _ => Err(Error::internal("fused: operator node of a non-operator")),
                }
            } else {
                let mut args = Args::new();
                args.push(a);
                args.push(b);
                if let FOp::Cmp(_) = n.op {
                    args.push(Value::Bool(false));
                }
                f(ctx, args)
            };
            r.map_err(|e| e.locate(n.span, |i| n.arg_spans.get(i).copied().filter(|_| i < 2)))
        }
        Origin::Prim => f(ctx, values).map_err(|e| {
            e.locate(n.span, |i| {
                n.arg_spans.get(i).copied().filter(|s| !s.is_dummy())
            })
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_walks_broadcast_axes() {
        // a [2, 1, 3] input broadcast to [2, 2, 3]
        let data: Vec<f64> = (0..6).map(|i| i as f64).collect();
        let strides = vec![3, 0, 1];
        let dims = vec![2, 2, 3];
        let mut buf = vec![0.0; 12];
        gather(&data, &strides, &dims, 0, &mut buf);
        assert_eq!(buf, [0., 1., 2., 0., 1., 2., 3., 4., 5., 3., 4., 5.]);
        let mut tail = vec![0.0; 5];
        gather(&data, &strides, &dims, 7, &mut tail);
        assert_eq!(tail, [4., 5., 3., 4., 5.]);
    }

    fn ins(op: FOp, args: &[Arg]) -> Instr {
        let mut a = [Arg::In(0); 3];
        a[..args.len()].copy_from_slice(args);
        Instr {
            op,
            args: a,
            dst: 0,
        }
    }

    /// Every operand register holds the value its instruction produced when it is read, and
    /// no instruction writes a register it reads.
    fn check_allocation(mut prog: Vec<Instr>) -> usize {
        let orig = prog.clone();
        let n = allocate(&mut prog);
        let mut holds: Vec<Option<usize>> = vec![None; n];
        for (i, (new, old)) in prog.iter().zip(&orig).enumerate() {
            for k in 0..old.op.arity() {
                match (old.args[k], new.args[k]) {
                    (Arg::Reg(j), Arg::Reg(r)) => {
                        assert_eq!(holds[r], Some(j), "instruction {i} operand {k}");
                        assert_ne!(r, new.dst, "instruction {i} writes its operand");
                    }
                    (a, b) => assert_eq!(a, b),
                }
            }
            holds[new.dst] = Some(i);
        }
        n
    }

    #[test]
    fn registers_are_reused_once_read() {
        use Arg::{In, Reg};
        let (add, mul) = (FOp::Arith(BinOp::Add), FOp::Arith(BinOp::Mul));
        // 1 / (1 + exp(-x)): a chain needs two registers
        let sigmoid = vec![
            ins(FOp::Unary(UnaryOp::Neg), &[In(0)]),
            ins(FOp::Unary(UnaryOp::Exp), &[Reg(0)]),
            ins(add, &[In(1), Reg(1)]),
            ins(FOp::Arith(BinOp::Div), &[In(2), Reg(2)]),
        ];
        assert_eq!(check_allocation(sigmoid), 2);
        // (a * b) + (c * d): both products live at once, the sum goes to a third
        let balanced = vec![
            ins(mul, &[In(0), In(1)]),
            ins(mul, &[In(2), In(3)]),
            ins(add, &[Reg(0), Reg(1)]),
        ];
        assert_eq!(check_allocation(balanced), 3);
        // where(a < b, a * b, -(a + b)) * (a - b)
        let mixed = vec![
            ins(FOp::Cmp(CmpOp::Lt), &[In(0), In(1)]),
            ins(mul, &[In(0), In(1)]),
            ins(add, &[In(0), In(1)]),
            ins(FOp::Unary(UnaryOp::Neg), &[Reg(2)]),
            ins(FOp::Where, &[Reg(0), Reg(1), Reg(3)]),
            ins(FOp::Arith(BinOp::Sub), &[In(0), In(1)]),
            ins(mul, &[Reg(4), Reg(5)]),
        ];
        assert!(check_allocation(mixed) <= 4);
        // only inputs: one register for the result
        assert_eq!(check_allocation(vec![ins(add, &[In(0), In(1)])]), 1);
    }

    #[test]
    fn scratch_is_private_to_each_use() {
        let got = with_scratch(100, |outer| {
            outer.fill(1.0);
            // a nested use (never made by the kernels) gets space of its own
            let inner = with_scratch(50, |inner| {
                inner.fill(2.0);
                inner.len()
            });
            (inner, outer.iter().all(|&x| x == 1.0))
        });
        assert_eq!(got, (50, true));
        // too large to keep: still usable
        let n = SCRATCH_KEEP + 1;
        assert_eq!(with_scratch(n, |s| s.len()), n);
        assert_eq!(with_scratch(0, |s| s.len()), 0);
    }
}
