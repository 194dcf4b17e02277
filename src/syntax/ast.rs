//! The abstract syntax tree. Every node carries the byte span of its source text.
//!
//! The AST is what the parser produces and the code printer prints; it knows nothing of
//! primitives or scopes. Operators stay operators here (the compiler maps them to `__add` ...).

use super::span::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// An int64 literal (a prefix sign written directly before the digits is folded in).
    Int(i64),
    /// A float64 literal.
    Float(f64),
    /// A string literal with its escapes already decoded.
    Str(String),
    /// A name (`x`, `nil`, `true`, `__add`, `x$3$4`).
    Ident(Ident),
    /// An array literal `[...]`, 1-D to 4-D.
    Array(ArrayLit),
    /// `name{attr}(args)`.
    Call(Call),
    /// `'(a, b)`: a quoted list (ours: same as `list(a, b)`).
    QuotedList(Vec<Expr>),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    /// The name without `$line$col` decoration.
    pub name: String,
    /// The `$line[$col]` decoration of generated code, if any.
    pub position: Option<(i64, Option<i64>)>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub callee: Ident,
    /// The `{...}` placement attribute, without braces.
    pub attribute: Option<String>,
    pub args: Vec<Expr>,
}

/// Element data of an array literal, row-major, with its shape (1 to 4 extents).
#[derive(Clone, Debug, PartialEq)]
pub struct ArrayLit {
    pub shape: Vec<usize>,
    pub data: ArrayData,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ArrayData {
    Bool(Vec<bool>),
    Int(Vec<i64>),
    Float(Vec<f64>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-x` → `__minus`
    Neg,
    /// `!x` → `__not`
    Not,
    /// `+x` → identity (ours)
    Plus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl BinaryOp {
    /// The operator's source text.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
        }
    }

    /// The primitive the operator stands for (spec 1.9).
    pub fn primitive(self) -> &'static str {
        match self {
            BinaryOp::Or => "__or",
            BinaryOp::And => "__and",
            BinaryOp::Eq => "__eq",
            BinaryOp::Ne => "__ne",
            BinaryOp::Lt => "__lt",
            BinaryOp::Le => "__le",
            BinaryOp::Gt => "__gt",
            BinaryOp::Ge => "__ge",
            BinaryOp::Add => "__add",
            BinaryOp::Sub => "__sub",
            BinaryOp::Mul => "__mul",
            BinaryOp::Div => "__div",
            BinaryOp::Mod => "__mod",
        }
    }

    /// Binding strength, 1 (loosest) to 6.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq | BinaryOp::Ne => 3,
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => 4,
            BinaryOp::Add | BinaryOp::Sub => 5,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => 6,
        }
    }
}

impl UnaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Not => "!",
            UnaryOp::Plus => "+",
        }
    }
}

impl Expr {
    /// Structural equality that ignores spans (used by the printer round-trip tests).
    pub fn same_shape(&self, other: &Expr) -> bool {
        use ExprKind::*;
        match (&self.kind, &other.kind) {
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
            (Str(a), Str(b)) => a == b,
            (Ident(a), Ident(b)) => a.name == b.name && a.position == b.position,
            (Array(a), Array(b)) => {
                a.shape == b.shape
                    && match (&a.data, &b.data) {
                        (ArrayData::Float(x), ArrayData::Float(y)) => {
                            x.len() == y.len()
                                && x.iter().zip(y).all(|(p, q)| {
                                    p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan())
                                })
                        }
                        (x, y) => x == y,
                    }
            }
            (Call(a), Call(b)) => {
                a.callee.name == b.callee.name
                    && a.callee.position == b.callee.position
                    && a.attribute == b.attribute
                    && a.args.len() == b.args.len()
                    && a.args.iter().zip(&b.args).all(|(x, y)| x.same_shape(y))
            }
            (QuotedList(a), QuotedList(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_shape(y))
            }
            (Unary { op: o1, operand: a }, Unary { op: o2, operand: b }) => {
                o1 == o2 && a.same_shape(b)
            }
            (
                Binary {
                    op: o1,
                    lhs: l1,
                    rhs: r1,
                },
                Binary {
                    op: o2,
                    lhs: l2,
                    rhs: r2,
                },
            ) => o1 == o2 && l1.same_shape(l2) && r1.same_shape(r2),
            _ => false,
        }
    }
}
