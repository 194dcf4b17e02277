//! The execution tree: what the compiler produces and the evaluator walks.
//!
//! A [`Program`] is immutable and `Send + Sync`; it can run many times, from many threads.
//! Names are already resolved to slots: the evaluator never looks a variable up by string.
//!
//! # The frame / closure / variable model (invariants)
//!
//! Storage classes, decided at compile time:
//! - **Global** `Global(i)`: a name defined in the program's outermost scope (and `sys_argv`,
//!   always global 0). Globals live in the run's global table as shared cells; a `define` at
//!   top level writes into the cell, so functions see later stores. The REPL appends new
//!   globals between entries; existing indices never move.
//! - **Local** `Local(i)`: parameters and `define`s inside a function body (or inside a
//!   `block` at top level) get slot `i` of the frame of one invocation. Every invocation has
//!   a fresh frame, so recursion is safe. Shadowing in nested blocks gets a new slot (lexical
//!   scoping, spec 2.2; no Phylanx bug 8.2/22).
//! - **Cell slots**: a local `define`d variable that some inner `lambda` captures is marked
//!   in [`FuncCode::cell_slots`]; its frame slot holds a shared cell instead of a value.
//!   Executing the `define` creates a *fresh* cell (as Phylanx's variable-factory does), and
//!   for a function definition the cell exists before the closure is built, so the function
//!   can call itself.
//! - **Upvalue** `Upvalue(i)`: inside a closure, entry `i` of the captures made when the
//!   closure was created. Captured variables are shared cells (stores are visible both ways,
//!   spec 2.5); captured parameters are copied by value at creation.
//!
//! Frames are `Sync` (each slot is behind its own lock) so that the runtime may later evaluate
//! effect-free subtrees of one frame on several threads: those only read slots. Writes
//! (`define`, `store`) happen only in effectful subtrees, which run in program order.

use crate::kernels::elementwise::{BinOp, CmpOp};
use crate::primitives::Primitive;
use crate::syntax::span::Span;
use crate::value::{DType, Value};
use std::sync::Arc;

/// Where a variable lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarRef {
    Local(u32),
    Upvalue(u32),
    Global(u32),
}

/// What a closure captures when it is created: a slot of the creating frame (cell or value)
/// or one of the creating closure's own captures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptureFrom {
    Local(u32),
    Upvalue(u32),
}

#[derive(Debug)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
    /// What evaluating this subtree may do besides computing a value (effect analysis,
    /// computed bottom-up when the node is built).
    pub effects: NodeEffects,
    /// The scheduler's measurements of this node (inline-versus-task decision, spec 7.3).
    pub sched: crate::runtime::sched::NodeSched,
}

/// Effects of evaluating a subtree (not counting the bodies of lambdas it creates, which
/// run only when called).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeEffects(u8);

impl NodeEffects {
    pub const PURE: NodeEffects = NodeEffects(0);
    /// Stores or defines a variable.
    pub const WRITES: NodeEffects = NodeEffects(1);
    /// Calls a function value, whose effects are unknown here.
    pub const CALLS: NodeEffects = NodeEffects(2);
    /// Reads or writes files or the terminal.
    pub const IO: NodeEffects = NodeEffects(4);
    /// Draws random numbers.
    pub const RANDOM: NodeEffects = NodeEffects(8);

    pub fn union(self, other: NodeEffects) -> NodeEffects {
        NodeEffects(self.0 | other.0)
    }
    pub fn contains(self, other: NodeEffects) -> bool {
        self.0 & other.0 == other.0
    }
    pub fn intersects(self, other: NodeEffects) -> bool {
        self.0 & other.0 != 0
    }
    /// No effect at all: the subtree may run at any time, on any thread.
    pub fn is_pure(self) -> bool {
        self.0 == 0
    }

    /// The effects a primitive's table entry declares.
    pub fn of_primitive(e: crate::primitives::Effects) -> NodeEffects {
        let mut out = NodeEffects::PURE;
        for (flag, bit) in [
            (e.writes, NodeEffects::WRITES),
            (e.calls, NodeEffects::CALLS),
            (e.io, NodeEffects::IO),
            (e.random, NodeEffects::RANDOM),
        ] {
            if flag {
                out = out.union(bit);
            }
        }
        out
    }
}

#[derive(Debug)]
pub enum NodeKind {
    Const(Value),
    Var(VarRef),
    /// An arithmetic or comparison operator on two operands: the interpreter's hot path
    /// (`i + 1`, `i < n`). Scalars and arrays go straight to the elementwise kernel; other
    /// kinds (a list `+`) fall back to the primitive `prim`.
    Binary {
        op: FastOp,
        prim: &'static Primitive,
        lhs: Box<Node>,
        rhs: Box<Node>,
    },
    /// A call of a table primitive with arguments in signature order (defaults filled in).
    Prim {
        prim: &'static Primitive,
        args: Box<[Node]>,
        /// Forced dtype of a `NAME__int`-style alias.
        dtype: Option<DType>,
    },
    /// A call of a function value held in a variable.
    Call {
        callee: Box<Node>,
        /// Name of the callee as written (for the call chain in errors).
        name: Box<str>,
        args: Box<[Node]>,
        /// Keyword arguments `__arg(name, value)`.
        keywords: Box<[(Box<str>, Node)]>,
    },
    If {
        cond: Box<Node>,
        then: Box<Node>,
        otherwise: Option<Box<Node>>,
    },
    While {
        cond: Box<Node>,
        body: Box<Node>,
        /// The loop's scalar-tier code, lowered when it first runs (`runtime::scalar`).
        scalar: crate::runtime::scalar::Tier,
    },
    For {
        init: Box<Node>,
        cond: Box<Node>,
        step: Box<Node>,
        body: Box<Node>,
    },
    Block(Box<[Node]>),
    ParallelBlock(Box<[Node]>),
    /// `define(x, value)`: bind a variable (value semantics).
    Define {
        target: VarRef,
        value: Box<Node>,
        /// True for `define(f, params..., body)`: the slot's cell must exist before the
        /// closure is built so the function can call itself.
        is_function: bool,
    },
    /// `store(x, value)`.
    Store {
        target: VarRef,
        name: Box<str>,
        value: Box<Node>,
    },
    /// `store(slice(x, i...), value)`.
    StoreSlice {
        target: VarRef,
        name: Box<str>,
        indices: Box<[Node]>,
        value: Box<Node>,
    },
    /// Creates a closure.
    Lambda {
        code: Arc<FuncCode>,
        captures: Box<[CaptureFrom]>,
    },
    /// `timer(expr, done)`: evaluates `expr`, calls `done(seconds)`, yields `expr`'s value.
    Timer {
        expr: Box<Node>,
        done: Box<Node>,
    },
    /// A chain of elementwise operations made one kernel by `compile::fuse`; `leaves` are
    /// the other subtrees (all effect-free), evaluated first, in source order.
    /// `fused.describe()` prints the expression for tree dumps.
    Fused {
        fused: Arc<crate::kernels::fused::Fused>,
        leaves: Box<[Node]>,
    },
    /// Consecutive statements `store(p, f(dot(x, w)))`, elementwise stores and
    /// `store(g, dot(xt, r))` run as one pass over the rows of `x` (`compile::rowpass`);
    /// `stmts` are the original statements: the fallback, and the children for effects
    /// and dumps.
    RowPass {
        recipe: Arc<crate::compile::rowpass::Recipe>,
        stmts: Box<[Node]>,
    },
}

/// The children of a node kind, in evaluation order, each passed to `$f`; `$iter` is `iter`
/// or `iter_mut`. One body for [`NodeKind::for_each_child`] and its `_mut` twin.
macro_rules! each_child {
    ($kind:expr, $f:ident, $iter:ident) => {
        match $kind {
            NodeKind::Const(_) | NodeKind::Var(_) | NodeKind::Lambda { .. } => {}
            NodeKind::Binary { lhs, rhs, .. } => {
                $f(lhs);
                $f(rhs);
            }
            NodeKind::Prim { args, .. } => args.$iter().for_each($f),
            NodeKind::Call {
                callee,
                args,
                keywords,
                ..
            } => {
                $f(callee);
                args.$iter().for_each(&mut $f);
                keywords.$iter().for_each(|(_, v)| $f(v));
            }
            NodeKind::If {
                cond,
                then,
                otherwise,
            } => {
                $f(cond);
                $f(then);
                if let Some(o) = otherwise {
                    $f(o);
                }
            }
            NodeKind::While { cond, body, .. } => {
                $f(cond);
                $f(body);
            }
            NodeKind::For {
                init,
                cond,
                step,
                body,
            } => {
                $f(init);
                $f(cond);
                $f(body);
                $f(step);
            }
            NodeKind::Block(s) | NodeKind::ParallelBlock(s) => s.$iter().for_each($f),
            NodeKind::RowPass { stmts, .. } => stmts.$iter().for_each($f),
            NodeKind::Define { value, .. } | NodeKind::Store { value, .. } => $f(value),
            NodeKind::StoreSlice { indices, value, .. } => {
                indices.$iter().for_each(&mut $f);
                $f(value);
            }
            NodeKind::Timer { expr, done } => {
                $f(expr);
                $f(done);
            }
            NodeKind::Fused { leaves, .. } => leaves.$iter().for_each($f),
        }
    };
}

impl NodeKind {
    /// Calls `f` on every child node evaluated as part of this node, in evaluation order
    /// (parameter defaults and lambda bodies belong to their functions, not to this tree).
    pub fn for_each_child<'a>(&'a self, mut f: impl FnMut(&'a Node)) {
        each_child!(self, f, iter)
    }

    /// [`NodeKind::for_each_child`] with write access, for the compiler's rewriting passes
    /// (fusion, the row pass).
    pub fn for_each_child_mut(&mut self, mut f: impl FnMut(&mut Node)) {
        each_child!(self, f, iter_mut)
    }
}

/// Operators with a direct kernel path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FastOp {
    Arith(BinOp),
    Cmp(CmpOp),
}

impl FastOp {
    /// The fast path of a two-operand call of `name`, if it has one.
    pub fn of(name: &str) -> Option<FastOp> {
        Some(match name {
            "__add" => FastOp::Arith(BinOp::Add),
            "__sub" => FastOp::Arith(BinOp::Sub),
            "__mul" => FastOp::Arith(BinOp::Mul),
            "__div" => FastOp::Arith(BinOp::Div),
            "__mod" => FastOp::Arith(BinOp::Mod),
            "__eq" => FastOp::Cmp(CmpOp::Eq),
            "__ne" => FastOp::Cmp(CmpOp::Ne),
            "__lt" => FastOp::Cmp(CmpOp::Lt),
            "__le" => FastOp::Cmp(CmpOp::Le),
            "__gt" => FastOp::Cmp(CmpOp::Gt),
            "__ge" => FastOp::Cmp(CmpOp::Ge),
            _ => return None,
        })
    }
}

/// A parameter of a user function.
#[derive(Debug)]
pub struct ParamCode {
    pub name: Box<str>,
    /// Evaluated in the callee's frame when the argument is omitted.
    pub default: Option<Node>,
}

/// The compiled code of a user function or lambda.
#[derive(Debug)]
pub struct FuncCode {
    /// The defined name, or `"lambda"`.
    pub name: Box<str>,
    pub params: Box<[ParamCode]>,
    /// Number of frame slots (parameters first, then locals).
    pub n_slots: u32,
    /// `cell_slots[i]`: slot `i` is captured by an inner closure and holds a shared cell.
    pub cell_slots: Box<[bool]>,
    pub body: Node,
    pub span: Span,
    /// The function's scalar-tier code, lowered when it is first called with plain numbers
    /// (`runtime::scalar`).
    pub scalar: crate::runtime::scalar::Tier,
}

impl FuncCode {
    pub fn min_args(&self) -> usize {
        self.params
            .iter()
            .take_while(|p| p.default.is_none())
            .count()
    }
}

/// A compiled program: top-level expressions run in order in a frame of `main.n_slots`
/// slots (for defines in top-level blocks), with `globals.len()` globals.
#[derive(Debug)]
pub struct Program {
    pub main: Arc<FuncCode>,
    /// The globals, by index (`sys_argv` is 0), with what the compiler knew of them.
    pub globals: crate::compile::GlobalScope,
    /// Number of globals that existed before this program was compiled (REPL entries).
    pub first_new_global: usize,
}

impl Node {
    pub fn new(kind: NodeKind, span: Span) -> Node {
        let mut effects = match &kind {
            NodeKind::Prim { prim, .. } | NodeKind::Binary { prim, .. } => {
                NodeEffects::of_primitive(prim.effects)
            }
            NodeKind::Call { .. } | NodeKind::Timer { .. } => NodeEffects::CALLS,
            NodeKind::Define { .. } | NodeKind::Store { .. } | NodeKind::StoreSlice { .. } => {
                NodeEffects::WRITES
            }
            _ => NodeEffects::PURE,
        };
        let mut children: smallvec::SmallVec<[&Node; 4]> = smallvec::SmallVec::new();
        kind.for_each_child(|c| {
            effects = effects.union(c.effects);
            children.push(c);
        });
        // only operands of an operator or a primitive are scheduled; special forms order
        // their children themselves
        let fork = matches!(
            kind,
            NodeKind::Binary { .. } | NodeKind::Prim { .. } | NodeKind::Fused { .. }
        ) && crate::runtime::sched::may_fork(&children);
        drop(children);
        Node {
            kind,
            span,
            effects,
            sched: crate::runtime::sched::NodeSched::new(fork),
        }
    }

    /// True for leaves whose evaluation costs nothing worth scheduling.
    pub fn is_trivial(&self) -> bool {
        matches!(
            self.kind,
            NodeKind::Const(_) | NodeKind::Var(_) | NodeKind::Lambda { .. }
        )
    }

    pub fn constant(v: Value, span: Span) -> Node {
        Node::new(NodeKind::Const(v), span)
    }

    /// A short name of the node's kind, for introspection.
    pub fn kind_name(&self) -> &str {
        match &self.kind {
            NodeKind::Const(_) => "constant",
            NodeKind::Var(_) => "access-variable",
            NodeKind::Prim { prim, .. } | NodeKind::Binary { prim, .. } => prim.name,
            NodeKind::Call { .. } => "call-function",
            NodeKind::If { .. } => "if",
            NodeKind::While { .. } => "while",
            NodeKind::For { .. } => "for",
            NodeKind::Block(_) => "block",
            NodeKind::ParallelBlock(_) => "parallel_block",
            NodeKind::Define { .. } => "define-variable",
            NodeKind::Store { .. } | NodeKind::StoreSlice { .. } => "store",
            NodeKind::Lambda { .. } => "lambda",
            NodeKind::Timer { .. } => "timer",
            NodeKind::Fused { .. } => "fused",
            NodeKind::RowPass { .. } => "row-pass",
        }
    }
}
