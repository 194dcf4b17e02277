//! The row-pass rewrite: consecutive statements of a block
//!
//! ```text
//! store(p, f(dot(x, w)))          # S1: dot(x, w), alone, an operand of an operator, or a
//!                                 #     leaf of a fused expression
//! store(q, g(p, y, ...))          # zero or more elementwise stores (fused, operator, variable)
//! store(grad, dot(xt, q))         # Sk: the product with a vector stored in the window
//! ```
//!
//! become one `NodeKind::RowPass` node. When at run time `xt` is the transpose of `x` (a
//! recorded `transpose(x)`, see `kernels::rowpass`) and the values have the simple shapes
//! (x a float64 n×d matrix, w a float64 d-vector, the other arrays float64 n-vectors), the
//! node reads `x` once per execution, block of rows by block of rows, instead of `x` for the
//! first product and `xt` for the last; otherwise it runs the original statements, which it
//! keeps. Found in every plain block (not `parallel_block`), nested anywhere (loop bodies,
//! branches), not inside lambdas (their bodies are rewritten when they are compiled). Off
//! with the fusion pass (`PHYSL_NO_FUSION=1`, `fuse::without_fusion`), or alone with
//! `PHYSL_NO_ROWPASS=1` (to compare timings).
//!
//! Targets must be local variables (plain slots or cells, written as `store` writes them);
//! distinct; and the matrix `xt` must not be stored before the last statement. Every
//! statement's variable that names a target stored EARLIER in the window is that
//! statement's result; any other variable is read once when the node starts — the value the
//! unfused statements read too, since nothing in the window stores it before they do.

use super::tree::{FastOp, Node, NodeKind, VarRef};
use crate::kernels::fused::{FExpr, FNode, FOp, Fused, Origin};
use crate::value::Value;
use std::sync::Arc;

/// What the row pass computes; statement `i` of the node's `stmts` is step `i`, the last
/// statement the gradient product.
#[derive(Debug)]
pub struct Recipe {
    pub x: VarRef,
    pub w: VarRef,
    pub xt: VarRef,
    /// The variables read when the node starts, in order of first use.
    pub inputs: Vec<VarRef>,
    pub steps: Vec<Step>,
    /// The vector `dot(xt, r)` multiplies.
    pub r: Src,
    /// The gradient's variable.
    pub grad: VarRef,
}

/// One statement before the product.
#[derive(Debug)]
pub struct Step {
    pub target: VarRef,
    pub expr: StepExpr,
}

#[derive(Debug)]
pub enum StepExpr {
    /// `store(q, v)`.
    Copy(Src),
    /// An elementwise expression of the sources.
    Map { fused: Arc<Fused>, leaves: Vec<Src> },
}

/// Where a step reads a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Src {
    /// `dot(x, w)`.
    Dot,
    /// The result of step `i` (an earlier one).
    Step(usize),
    /// `Recipe::inputs[i]`.
    Input(usize),
}

/// Rewrites every eligible window of `node` (see the module doc).
pub fn rewrite(node: &mut Node) {
    if super::fuse::enabled() && std::env::var_os("PHYSL_NO_ROWPASS").is_none_or(|v| v == "0") {
        visit(node);
    }
}

fn visit(node: &mut Node) {
    if let NodeKind::Block(stmts) = &mut node.kind {
        stmts.iter_mut().for_each(visit);
        *stmts = rewrite_block(std::mem::take(stmts));
        return;
    }
    match &mut node.kind {
        // nothing inside those forms a window: fused leaves are pure, a row pass is done
        NodeKind::Fused { .. } | NodeKind::RowPass { .. } => {}
        kind => kind.for_each_child_mut(visit),
    }
}

/// The statements with each window replaced.
fn rewrite_block(stmts: Box<[Node]>) -> Box<[Node]> {
    let mut windows = Vec::new();
    let mut i = 0;
    while i < stmts.len() {
        match find_window(&stmts[i..]) {
            Some((len, recipe)) => {
                windows.push((i, len, recipe));
                i += len;
            }
            None => i += 1,
        }
    }
    if windows.is_empty() {
        return stmts;
    }
    let mut out = Vec::with_capacity(stmts.len());
    let mut it = stmts.into_vec().into_iter().enumerate().peekable();
    for (start, len, recipe) in windows {
        while it.peek().is_some_and(|(k, _)| *k < start) {
            if let Some((_, s)) = it.next() {
                out.push(s);
            }
        }
        let inner: Vec<Node> = it.by_ref().take(len).map(|(_, s)| s).collect();
        let span = match (inner.first(), inner.last()) {
            (Some(a), Some(b)) => a.span.to(b.span),
            _ => continue,
        };
        out.push(Node::new(
            NodeKind::RowPass {
                recipe: Arc::new(recipe),
                stmts: inner.into_boxed_slice(),
            },
            span,
        ));
    }
    out.extend(it.map(|(_, s)| s));
    out.into_boxed_slice()
}

/// `store(target, value)` of a local.
fn local_store(n: &Node) -> Option<(VarRef, &Node)> {
    match &n.kind {
        NodeKind::Store {
            target: t @ VarRef::Local(_),
            value,
            ..
        } => Some((*t, value)),
        _ => None,
    }
}

fn var(n: &Node) -> Option<VarRef> {
    match n.kind {
        NodeKind::Var(v) => Some(v),
        _ => None,
    }
}

/// `dot(a, b)` of two variables.
fn dot_of_vars(n: &Node) -> Option<(VarRef, VarRef)> {
    match &n.kind {
        NodeKind::Prim {
            prim,
            args,
            dtype: None,
        } if prim.name == "dot" => match &args[..] {
            [a, b] => Some((var(a)?, var(b)?)),
            _ => None,
        },
        _ => None,
    }
}

/// Collects the recipe while the window is matched.
struct Builder {
    inputs: Vec<VarRef>,
    targets: Vec<VarRef>,
}

impl Builder {
    /// The source of a variable read by the step about to be added.
    fn src(&mut self, v: VarRef) -> Src {
        if let Some(i) = self.targets.iter().position(|t| *t == v) {
            return Src::Step(i);
        }
        let i = match self.inputs.iter().position(|x| *x == v) {
            Some(i) => i,
            None => {
                self.inputs.push(v);
                self.inputs.len() - 1
            }
        };
        Src::Input(i)
    }

    /// An elementwise step; `dot`: the `dot(x, w)` an operand of the first step's operator
    /// may be (taken when used).
    fn step(&mut self, value: &Node, dot: &mut Option<(VarRef, VarRef)>) -> Option<StepExpr> {
        match &value.kind {
            NodeKind::Var(v) => Some(StepExpr::Copy(self.src(*v))),
            NodeKind::Fused { fused, leaves } => {
                let leaves = leaves
                    .iter()
                    .map(|l| var(l).map(|v| self.src(v)))
                    .collect::<Option<Vec<_>>>()?;
                Some(StepExpr::Map {
                    fused: fused.clone(),
                    leaves,
                })
            }
            NodeKind::Binary {
                op: FastOp::Arith(op),
                prim,
                lhs,
                rhs,
            } => {
                // a one-operation fused program (the same scalar function as the operator)
                let mut leaves = Vec::new();
                let mut operand = |n: &Node| -> Option<FExpr> {
                    match &n.kind {
                        NodeKind::Var(v) => {
                            leaves.push(self.src(*v));
                            Some(FExpr::Leaf(leaves.len() as u32 - 1))
                        }
                        NodeKind::Const(c @ (Value::Float(_) | Value::Int(_) | Value::Bool(_))) => {
                            Some(FExpr::Const(c.clone()))
                        }
                        NodeKind::Prim { .. } if dot.is_none() => {
                            *dot = dot_of_vars(n);
                            dot.as_ref()?;
                            leaves.push(Src::Dot);
                            Some(FExpr::Leaf(leaves.len() as u32 - 1))
                        }
                        _ => None,
                    }
                };
                let args = vec![operand(lhs)?, operand(rhs)?];
                let root = FExpr::Op(Box::new(FNode {
                    op: FOp::Arith(*op),
                    prim,
                    origin: Origin::Binary,
                    args,
                    span: value.span,
                    arg_spans: vec![lhs.span, rhs.span],
                }));
                let n = leaves.len();
                Some(StepExpr::Map {
                    fused: Arc::new(Fused::new(root, n)),
                    leaves,
                })
            }
            _ => None,
        }
    }
}

/// A window at the start of `stmts`: its length and recipe.
fn find_window(stmts: &[Node]) -> Option<(usize, Recipe)> {
    let (p, e1) = local_store(stmts.first()?)?;
    let mut b = Builder {
        inputs: Vec::new(),
        targets: Vec::new(),
    };
    // S1: dot(x, w), or a fused expression with one dot(x, w) leaf and variable leaves
    let (x, w, first) = match &e1.kind {
        NodeKind::Fused { fused, leaves } => {
            let mut dot = None;
            let mut srcs = Vec::with_capacity(leaves.len());
            for l in leaves.iter() {
                if let Some(v) = var(l) {
                    srcs.push(b.src(v));
                } else if let (Some(xw), None) = (dot_of_vars(l), dot) {
                    dot = Some(xw);
                    srcs.push(Src::Dot);
                } else {
                    return None;
                }
            }
            let (x, w) = dot?;
            let map = StepExpr::Map {
                fused: fused.clone(),
                leaves: srcs,
            };
            (x, w, map)
        }
        NodeKind::Binary { .. } => {
            // an operator with dot(x, w) as an operand
            let mut dot = None;
            let map = b.step(e1, &mut dot)?;
            let (x, w) = dot?;
            (x, w, map)
        }
        _ => {
            let (x, w) = dot_of_vars(e1)?;
            (x, w, StepExpr::Copy(Src::Dot))
        }
    };
    b.targets.push(p);
    let mut steps = vec![Step {
        target: p,
        expr: first,
    }];
    for (k, s) in stmts.iter().enumerate().skip(1) {
        let (target, value) = local_store(s)?;
        if let Some((xt, rv)) = dot_of_vars(value) {
            // Sk: the product with a vector stored in the window
            let r @ Src::Step(_) = b.src(rv) else {
                return None;
            };
            // the matrix is read when the node starts: it must not be stored before
            if b.targets.contains(&xt) || b.targets.contains(&target) {
                return None;
            }
            let recipe = Recipe {
                x,
                w,
                xt,
                inputs: b.inputs,
                steps,
                r,
                grad: target,
            };
            return Some((k + 1, recipe));
        }
        if b.targets.contains(&target) {
            return None;
        }
        let expr = b.step(value, &mut Some((x, w)))?;
        b.targets.push(target);
        steps.push(Step { target, expr });
    }
    None
}
