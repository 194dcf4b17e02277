//! Elementwise fusion: a maximal subtree of two or more elementwise operations becomes one
//! `NodeKind::Fused` node whose leaves are the other subtrees (variables, `dot(...)`, ...).
//! Constants stay inside the fused expression.
//!
//! Fused: operator nodes (`+ - * / %` and comparisons), the unary math primitives of
//! `kernels::unary` (`-x`, `exp`, `log`, `sqrt`, `tanh`, ...) called without a dtype,
//! `maximum`/`minimum`/`power`/`floor_divide` of two operands, and `where(c, x, y)`.
//! Only subtrees whose leaves are all effect-free are fused: the fused node evaluates its
//! leaves before any operation, which is unobservable for pure leaves, and when a leaf fails
//! it reruns the unfused order (see `kernels::fused`) so the first error is the same.
//!
//! Set `PHYSL_NO_FUSION=1` (or call [`without_fusion`]) to compile without the pass, e.g. to
//! compare results or timings.

use super::tree::{FastOp, Node, NodeKind};
use crate::kernels::elementwise::BinOp;
use crate::kernels::fused::{FExpr, FNode, FOp, Fused, Origin};
use crate::kernels::unary::UnaryOp;
use crate::value::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Process-wide: compilation runs on its own big-stack thread, so a thread-local switch
/// would not reach it.
static DISABLED: AtomicBool = AtomicBool::new(false);

/// Runs `f` (which compiles) with fusion off. The switch is process-wide: callers that
/// compile concurrently must serialise (the tests hold a lock).
pub fn without_fusion<T>(f: impl FnOnce() -> T) -> T {
    let before = DISABLED.swap(true, Ordering::SeqCst);
    let r = f();
    DISABLED.store(before, Ordering::SeqCst);
    r
}

/// Whether the fusion passes (this one and `compile::rowpass`) run.
pub(crate) fn enabled() -> bool {
    !DISABLED.load(Ordering::SeqCst) && std::env::var_os("PHYSL_NO_FUSION").is_none_or(|v| v == "0")
}

/// Fuses every eligible subtree of `node` (not descending into lambdas: their bodies are
/// fused when they are compiled).
pub fn fuse(node: &mut Node) {
    if enabled() {
        visit(node);
    }
}

fn visit(node: &mut Node) {
    if region_ops(node) >= 2 && region_pure(node) {
        let span = node.span;
        let old = std::mem::replace(node, Node::constant(Value::Nil, span));
        let mut leaves = Vec::new();
        let root = build(old, &mut leaves);
        let fused = Fused::new(root, leaves.len());
        *node = Node::new(
            NodeKind::Fused {
                fused: Arc::new(fused),
                leaves: leaves.into_boxed_slice(),
            },
            span,
        );
        return;
    }
    match &mut node.kind {
        // a fused node's leaves were visited before it was built
        NodeKind::Fused { .. } => {}
        kind => kind.for_each_child_mut(visit),
    }
}

/// The elementwise operation a node performs, if it is one the fused kernel reproduces.
fn classify(node: &Node) -> Option<(FOp, Origin)> {
    match &node.kind {
        NodeKind::Binary { op, .. } => Some((
            match op {
                FastOp::Arith(b) => FOp::Arith(*b),
                FastOp::Cmp(c) => FOp::Cmp(*c),
            },
            Origin::Binary,
        )),
        NodeKind::Prim {
            prim,
            args,
            dtype: None,
        } => {
            let op = match UnaryOp::from_name(prim.name) {
                Some(u) => FOp::Unary(u),
                None => match prim.name {
                    "where" => FOp::Where,
                    "maximum" => FOp::Arith(BinOp::Max),
                    "minimum" => FOp::Arith(BinOp::Min),
                    "power" => FOp::Arith(BinOp::Pow),
                    "floor_divide" => FOp::Arith(BinOp::FloorDiv),
                    _ => return None,
                },
            };
            let n = op.arity();
            let is_nil = |a: &Node| matches!(a.kind, NodeKind::Const(Value::Nil));
            // operands given (a literal nil operand is `where`'s other form or an error);
            // anything after them is a default nil (dtype=nil), and nothing more
            if args.len() < n || args[..n].iter().any(is_nil) || !args[n..].iter().all(is_nil) {
                return None;
            }
            if matches!(op, FOp::Arith(_)) && args.len() != 2 {
                return None;
            }
            Some((op, Origin::Prim))
        }
        _ => None,
    }
}

fn operands(node: &Node, op: FOp) -> Vec<&Node> {
    match &node.kind {
        NodeKind::Binary { lhs, rhs, .. } => vec![lhs, rhs],
        NodeKind::Prim { args, .. } => args.iter().take(op.arity()).collect(),
        _ => Vec::new(),
    }
}

/// Number of operations in the elementwise region rooted at `node`.
fn region_ops(node: &Node) -> usize {
    match classify(node) {
        None => 0,
        Some((op, _)) => {
            1 + operands(node, op)
                .into_iter()
                .map(region_ops)
                .sum::<usize>()
        }
    }
}

/// Whether every leaf of the region rooted at `node` is effect-free.
fn region_pure(node: &Node) -> bool {
    match classify(node) {
        None => pure(node),
        Some((op, _)) => operands(node, op).into_iter().all(region_pure),
    }
}

/// Effect-free: evaluating it twice, or earlier, is unobservable.
fn pure(node: &Node) -> bool {
    node.effects.is_pure()
}

/// Moves the region rooted at `node` into a fused expression, its leaves into `leaves`
/// (each fused inside itself first).
fn build(node: Node, leaves: &mut Vec<Node>) -> FExpr {
    let Some((op, origin)) = classify(&node) else {
        if let NodeKind::Const(v) = &node.kind {
            return FExpr::Const(v.clone());
        }
        let mut leaf = node;
        visit(&mut leaf);
        leaves.push(leaf);
        return FExpr::Leaf(leaves.len() as u32 - 1);
    };
    let span = node.span;
    let (prim, children): (_, Vec<Node>) = match node.kind {
        NodeKind::Binary { prim, lhs, rhs, .. } => (prim, vec![*lhs, *rhs]),
        NodeKind::Prim { prim, args, .. } => (prim, args.into_vec()),
        // classify accepted only the two kinds above
        _ => return FExpr::Const(Value::Nil),
    };
    let arg_spans = children.iter().map(|c| c.span).collect();
    let args = children
        .into_iter()
        .enumerate()
        .map(|(k, c)| {
            if k < op.arity() {
                build(c, leaves)
            } else {
                FExpr::Const(Value::Nil)
            }
        })
        .collect();
    FExpr::Op(Box::new(FNode {
        op,
        prim,
        origin,
        args,
        span,
        arg_spans,
    }))
}
