//! Evaluation of a `NodeKind::RowPass` node (see `compile::rowpass`, `kernels::rowpass`):
//! the one-pass kernel when the values allow it, the original statements otherwise.
//!
//! The fast path reads every variable the window reads from outside it once, up front
//! (awaiting futures), checks the shapes and types, computes every stored value, and then
//! stores them in statement order; nothing can fail between the first read and the stores,
//! so when it runs it is the unfused program up to the dot products' summation order.
//! Anything else (ints, broadcasting, a matrix that is not the recorded transpose of `x`,
//! lengths that differ) runs the original statements, so the values and errors are the
//! unfused ones.

use super::frame::{Frame, Slot};
use super::Interp;
use crate::compile::rowpass::{Recipe, Src, StepExpr};
use crate::compile::tree::{Node, NodeKind, VarRef};
use crate::diagnostics::Result;
use crate::kernels::fused::{RowIn, RowLeaf};
use crate::kernels::rowpass::{self as k, RSrc};
use crate::value::future::Future;
use crate::value::{Array, Value};
use ndarray::ArrayD;
use smallvec::SmallVec;
use std::sync::Arc;

/// Where a step's rows are, once the values are known.
#[derive(Clone, Copy)]
enum Rs {
    Dot,
    /// Output buffer `i`.
    Buf(usize),
    /// Input `i`, a float64 n-vector (its elements are `rows[i]`).
    Rows(usize),
    /// Input `i`, a scalar (as f64).
    Scalar(usize, f64),
}

/// How a step is computed on a block (a few per node, on the stack: no need to box).
#[allow(clippy::large_enum_variant)]
enum Plan<'r> {
    /// Copies the dot products into buffer `.0`.
    Dot(usize),
    /// Runs the fused program into buffer `buf`.
    Map {
        fused: &'r crate::kernels::fused::Fused,
        leaves: SmallVec<[Rs; 8]>,
        buf: usize,
    },
    /// Nothing to compute: the step stores what `Rs` holds.
    Alias,
}

/// An output buffer: a uniquely owned old array of the target, or new.
enum Buf {
    Reused(Arc<ArrayD<f64>>),
    Fresh(Vec<f64>),
}

impl Interp<'_> {
    pub(super) fn eval_row_pass(
        &self,
        recipe: &Recipe,
        stmts: &[Node],
        frame: &Frame,
    ) -> Result<Value> {
        if let Some(r) = self.row_pass_fast(recipe, stmts, frame) {
            return r;
        }
        self.eval_block(stmts, frame)
    }

    /// A variable's value, awaited; `None` on any error (the fallback reports it).
    fn row_read(&self, v: VarRef, frame: &Frame) -> Option<Value> {
        let v = self.read(v, frame).ok()?;
        if Future::of(&v).is_some() {
            return self.ready(v).ok();
        }
        Some(v)
    }

    /// The fast path, or `None` (having written nothing) when it does not apply.
    fn row_pass_fast(
        &self,
        recipe: &Recipe,
        stmts: &[Node],
        frame: &Frame,
    ) -> Option<Result<Value>> {
        let xv = self.row_read(recipe.x, frame)?;
        let wv = self.row_read(recipe.w, frame)?;
        let tv = self.row_read(recipe.xt, frame)?;
        let (Value::Array(Array::Float(xa)), Value::Array(Array::Float(wa))) = (&xv, &wv) else {
            return None;
        };
        let Value::Array(Array::Float(ta)) = &tv else {
            return None;
        };
        let (n, d) = match *xa.shape() {
            [n, d] if n > 0 && d > 0 => (n, d),
            _ => return None,
        };
        let x = xa.as_slice()?;
        let w = wa.as_slice().filter(|w| w.len() == d && wa.ndim() == 1)?;
        if !k::is_transpose(ta, xa) {
            return None;
        }
        let inputs = recipe
            .inputs
            .iter()
            .map(|v| self.row_read(*v, frame))
            .collect::<Option<SmallVec<[Value; 8]>>>()?;
        // the inputs' rows (empty for scalars)
        let mut rows: SmallVec<[&[f64]; 8]> = SmallVec::new();
        let mut input_rs: SmallVec<[Rs; 8]> = SmallVec::new();
        for (i, v) in inputs.iter().enumerate() {
            let (r, s): (Rs, &[f64]) = match v {
                Value::Array(Array::Float(a)) if a.shape() == [n] => (Rs::Rows(i), a.as_slice()?),
                Value::Float(f) => (Rs::Scalar(i, *f), &[]),
                Value::Int(v) => (Rs::Scalar(i, *v as f64), &[]),
                Value::Bool(b) => (Rs::Scalar(i, *b as u8 as f64), &[]),
                _ => return None,
            };
            input_rs.push(r);
            rows.push(s);
        }
        // each step's rows and how to compute them
        let mut step_rs: SmallVec<[Rs; 8]> = SmallVec::new();
        let mut plans: SmallVec<[Plan; 8]> = SmallVec::new();
        let mut n_bufs = 0;
        let src = |s: Src, step_rs: &[Rs]| match s {
            Src::Dot => Some(Rs::Dot),
            Src::Step(i) => step_rs.get(i).copied(),
            Src::Input(i) => input_rs.get(i).copied(),
        };
        for step in &recipe.steps {
            match &step.expr {
                StepExpr::Copy(Src::Dot) => {
                    step_rs.push(Rs::Buf(n_bufs));
                    plans.push(Plan::Dot(n_bufs));
                    n_bufs += 1;
                }
                StepExpr::Copy(s) => {
                    step_rs.push(src(*s, &step_rs)?);
                    plans.push(Plan::Alias);
                }
                StepExpr::Map { fused, leaves } => {
                    let leaves = leaves
                        .iter()
                        .map(|s| src(*s, &step_rs))
                        .collect::<Option<SmallVec<[Rs; 8]>>>()?;
                    let kinds: SmallVec<[RowLeaf; 8]> = leaves
                        .iter()
                        .map(|l| match *l {
                            Rs::Scalar(i, _) => RowLeaf::Scalar(&inputs[i]),
                            _ => RowLeaf::Rows,
                        })
                        .collect();
                    if !fused.rows_float(&kinds) {
                        return None;
                    }
                    step_rs.push(Rs::Buf(n_bufs));
                    plans.push(Plan::Map {
                        fused,
                        leaves,
                        buf: n_bufs,
                    });
                    n_bufs += 1;
                }
            }
        }
        let r = match src(recipe.r, &step_rs)? {
            Rs::Dot => RSrc::Dot,
            Rs::Buf(b) => RSrc::Out(b),
            Rs::Rows(i) => RSrc::Input(rows.get(i)?),
            Rs::Scalar(..) => return None,
        };
        // certain now: take the targets' old arrays where they can hold the results
        let mut bufs: SmallVec<[Buf; 8]> = SmallVec::new();
        for (step, plan) in recipe.steps.iter().zip(&plans) {
            if matches!(plan, Plan::Alias) {
                continue;
            }
            let old = match step.target {
                VarRef::Local(i) => frame.with_mut(i, |s| match s {
                    Slot::Val(v @ Value::Array(Array::Float(_))) => {
                        let Value::Array(Array::Float(a)) = &*v else {
                            return None;
                        };
                        if Arc::strong_count(a) == 1
                            && Arc::weak_count(a) == 0
                            && a.shape() == [n]
                            && a.is_standard_layout()
                        {
                            match std::mem::take(v) {
                                Value::Array(Array::Float(a)) => Some(a),
                                _ => None,
                            }
                        } else {
                            None
                        }
                    }
                    _ => None,
                }),
                _ => None,
            };
            bufs.push(match old.flatten() {
                Some(a) => Buf::Reused(a),
                None => Buf::Fresh(crate::kernels::elementwise::zeroed_f64(n)),
            });
        }
        let grad = {
            let mut outs: SmallVec<[&mut [f64]; 8]> = SmallVec::new();
            for b in bufs.iter_mut() {
                outs.push(match b {
                    Buf::Reused(a) => Arc::get_mut(a)?.as_slice_mut()?,
                    Buf::Fresh(v) => &mut v[..],
                });
            }
            let rows = &rows[..];
            let plans = &plans[..];
            let block = move |global: std::ops::Range<usize>,
                              local: std::ops::Range<usize>,
                              p: &[f64],
                              outs: &mut [&mut [f64]]| {
                for plan in plans {
                    match plan {
                        Plan::Alias => {}
                        Plan::Dot(b) => outs[*b][local.clone()].copy_from_slice(p),
                        Plan::Map { fused, leaves, buf } => {
                            let (before, rest) = outs.split_at_mut(*buf);
                            let ins: SmallVec<[RowIn; 8]> = leaves
                                .iter()
                                .map(|l| match *l {
                                    Rs::Dot => RowIn::Rows(p),
                                    Rs::Buf(b) => RowIn::Rows(&before[b][local.clone()]),
                                    Rs::Rows(i) => RowIn::Rows(&rows[i][global.clone()]),
                                    Rs::Scalar(_, f) => RowIn::Scalar(f),
                                })
                                .collect();
                            fused.run_rows(&ins, &mut rest[0][local.clone()]);
                        }
                    }
                }
            };
            k::run(x, n, d, w, &mut outs, r, &block)
        };
        // the values, then the stores in statement order
        let values: SmallVec<[Value; 8]> = bufs
            .into_iter()
            .map(|b| {
                let a = match b {
                    Buf::Reused(a) => a,
                    Buf::Fresh(v) => Arc::new(ndarray::Array1::from_vec(v).into_dyn()),
                };
                Value::from_array(Array::Float(a))
            })
            .collect();
        let grad = Value::from_array(Array::Float(Arc::new(
            ndarray::Array1::from_vec(grad).into_dyn(),
        )));
        let mut stored: SmallVec<[Value; 8]> = SmallVec::new();
        for rs in &step_rs {
            stored.push(match *rs {
                Rs::Buf(b) => values[b].clone(),
                Rs::Rows(i) | Rs::Scalar(i, _) => inputs[i].clone(),
                // a step's value is never the scratch of the dot products (Plan::Dot copies)
                Rs::Dot => Value::Nil,
            });
        }
        stored.push(grad);
        let targets = recipe.steps.iter().map(|s| s.target).chain([recipe.grad]);
        for ((target, v), stmt) in targets.zip(stored).zip(stmts) {
            let (NodeKind::Store { name, .. }, span) = (&stmt.kind, stmt.span) else {
                return Some(Err(crate::diagnostics::Error::internal(
                    "row pass: a statement is not a store",
                )));
            };
            if let Err(e) = self
                .with_var_mut(target, frame, name, |slot| {
                    *slot = v;
                    Ok(())
                })
                .map_err(|e| e.locate(span, |_| None))
            {
                return Some(Err(e));
            }
        }
        Some(Ok(Value::Nil))
    }
}
