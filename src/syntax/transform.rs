//! `-t FILE`: rewrite rules `pattern : replacement` applied to the AST before compiling
//! (spec 6.1; the `.physlrules` files of Phylanx, e.g. `_1 * _2 : _1 + _2`).
//!
//! Rules file: a sequence of `expr : expr` in PhySL syntax, comments and whitespace anywhere;
//! nothing separates one rule from the next. In a rule, `_N` (an identifier `_` digit ...)
//! matches any one expression, `__N` (`__` digit ...) any sequence of arguments — zero or
//! more — of a call, a quoted list or an operator. A placeholder that occurs twice in a
//! pattern must match equal subtrees both times. Operators match their primitives: the
//! pattern `__mul(_1, 2)` matches `x * 2` and `_1 * _2` matches `__mul(a, b)`. Everything else
//! matches only itself (names ignore `$line$col`; literals compare exactly, dtype included).
//!
//! Application is Phylanx's (`src/ast/transform_ast.cpp`): rules one after another in file
//! order, each in one top-down pass over every top-level expression; where the pattern
//! matches, the node is replaced and the pass does not look at the replacement again (so a
//! rule that reproduces its own pattern cannot loop). One deviation: the pass does descend into
//! the program subtrees bound to placeholders before they are substituted (Phylanx stops at
//! the match), so `_1 * _2 : _1 + _2` turns `a * b * c` into `a + b + c`, not `(a * b) + c`.
//! Nodes taken from the replacement keep their spans in the rules file, so an error in
//! rewritten code points at the rule that wrote it; substituted program subtrees keep theirs.

use super::ast::{Call, Expr, ExprKind, Ident, UnaryOp};
use super::parser::{parse_program, MAX_DEPTH};
use super::span::{SourceMap, Span};
use crate::diagnostics::{Error, Result};

/// One rule `pattern : replacement`.
#[derive(Clone, Debug)]
pub struct Rule {
    pub pattern: Expr,
    pub replacement: Expr,
}

/// Registers a rules file in `sources` and parses it.
pub fn load_rules(name: &str, text: &str, sources: &SourceMap) -> Result<Vec<Rule>> {
    let src = sources.add(name, text);
    crate::runtime::session::on_big_stack(|| parse_rules(text, src.base))
}

/// Parses the rules in `text`, whose first byte has global offset `base`.
pub fn parse_rules(text: &str, base: u32) -> Result<Vec<Rule>> {
    // Split at each `:` outside strings, comments and attributes; between two colons stand
    // a replacement and the next rule's pattern.
    let colons = separators(text);
    let mut pieces = Vec::new();
    let mut start = 0;
    for &end in colons.iter().chain(std::iter::once(&text.len())) {
        let piece = text.get(start..end).unwrap_or("");
        pieces.push((start, parse_program(piece, base + start as u32)?));
        start = end + 1;
    }
    let at = |off: usize| Span::new(base + off as u32, base + off as u32 + 1);
    let syntax = |msg: &str, span: Span, label: &str| {
        Error::parse(msg)
            .with_label(span, label)
            .with_help("write rules as `pattern : replacement`, e.g. `__mul(_1, 2) : _1 + _1`")
    };
    let last = pieces.len() - 1;
    let mut rules = Vec::new();
    let mut pattern: Option<Expr> = None;
    for (i, (_, mut exprs)) in pieces.into_iter().enumerate() {
        // Piece i stands between colon i-1 and colon i: the replacement of rule i (unless it
        // is the first piece), then the pattern of rule i+1 (unless it is the last).
        let want = usize::from(i > 0) + usize::from(i < last);
        if exprs.len() > want {
            let msg = if i == last {
                "a pattern without `:` and a replacement"
            } else {
                "expected `:`: a rule has one pattern and one replacement"
            };
            return Err(syntax(msg, exprs[want].span, "unexpected expression"));
        }
        if exprs.len() < want {
            return Err(if i > 0 && exprs.is_empty() {
                syntax(
                    "a rule without a replacement",
                    at(colons[i - 1]),
                    "nothing after this `:`",
                )
            } else {
                syntax(
                    "a rule without a pattern",
                    at(colons[i]),
                    "no pattern before this `:`",
                )
            });
        }
        let next_pattern = if i < last { exprs.pop() } else { None };
        if let (Some(p), Some(r)) = (pattern.take(), exprs.pop()) {
            rules.push(check_rule(Rule {
                pattern: p,
                replacement: r,
            })?);
        }
        pattern = next_pattern;
    }
    Ok(rules)
}

/// Byte offsets of the `:` separators (outside strings, comments and `{...}` attributes).
fn separators(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'#' => i = skip_line(b, i),
            b'/' if b.get(i + 1) == Some(&b'/') => i = skip_line(b, i),
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 1;
            }
            b'{' => {
                while i < b.len() && b[i] != b'}' {
                    i += 1;
                }
            }
            b':' => out.push(i),
            _ => {}
        }
        i += 1;
    }
    out
}

fn skip_line(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
        i += 1;
    }
    i
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Hole {
    One,
    Seq,
}

/// `_N...` is a one-expression placeholder, `__N...` a sequence placeholder (spec 1.2).
fn placeholder(e: &Expr) -> Option<(Hole, &str)> {
    let ExprKind::Ident(id) = &e.kind else {
        return None;
    };
    hole_name(&id.name).map(|h| (h, id.name.as_str()))
}

fn hole_name(name: &str) -> Option<Hole> {
    let digit_after = |p: &str| {
        name.strip_prefix(p)
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
    };
    if digit_after("__") {
        Some(Hole::Seq)
    } else if digit_after("_") {
        Some(Hole::One)
    } else {
        None
    }
}

fn rule_error(msg: impl Into<String>, span: Span, label: &str) -> Error {
    Error::parse(msg).with_label(span, label).with_help(
        "`_1`, `_2`, ... stand for one expression, `__1`, `__2`, ... for a sequence of arguments",
    )
}

/// Placeholders used in a subtree, with their spans; placeholder function names are refused.
fn holes<'a>(e: &'a Expr, out: &mut Vec<(Hole, &'a str, Span)>) -> Result<()> {
    if let Some((h, n)) = placeholder(e) {
        out.push((h, n, e.span));
    }
    match &e.kind {
        ExprKind::Call(c) => {
            if hole_name(&c.callee.name).is_some() {
                return Err(rule_error(
                    "a placeholder cannot stand for a function name",
                    c.callee.span,
                    "placeholder used as a function",
                ));
            }
            c.args.iter().try_for_each(|a| holes(a, out))
        }
        ExprKind::QuotedList(items) => items.iter().try_for_each(|a| holes(a, out)),
        ExprKind::Unary { operand, .. } => holes(operand, out),
        ExprKind::Binary { lhs, rhs, .. } => {
            holes(lhs, out)?;
            holes(rhs, out)
        }
        _ => Ok(()),
    }
}

fn check_rule(rule: Rule) -> Result<Rule> {
    for (e, what) in [
        (&rule.pattern, "pattern"),
        (&rule.replacement, "replacement"),
    ] {
        if let Some((Hole::Seq, _)) = placeholder(e) {
            return Err(rule_error(
                format!("a sequence placeholder cannot be a whole {what}"),
                e.span,
                "stands for several expressions",
            ));
        }
    }
    let (mut bound, mut used) = (Vec::new(), Vec::new());
    holes(&rule.pattern, &mut bound)?;
    holes(&rule.replacement, &mut used)?;
    if let Some(&(_, name, span)) = used
        .iter()
        .find(|(h, n, _)| !bound.iter().any(|(bh, bn, _)| bh == h && bn == n))
    {
        return Err(rule_error(
            format!("the replacement uses `{name}`, which its pattern does not bind"),
            span,
            "not in the pattern",
        )
        .with_label(rule.pattern.span, "the pattern"));
    }
    Ok(rule)
}

// ------------------------------------------------------------------------------------------
// Matching

/// How a node is compared: operators as the calls of their primitives.
enum View<'a> {
    Call {
        name: &'a str,
        attribute: Option<&'a str>,
        args: Vec<&'a Expr>,
    },
    List(Vec<&'a Expr>),
    Leaf,
}

fn view(e: &Expr) -> View<'_> {
    match &e.kind {
        ExprKind::Call(c) => View::Call {
            name: &c.callee.name,
            attribute: c.attribute.as_deref(),
            args: c.args.iter().collect(),
        },
        ExprKind::Binary { op, lhs, rhs } => View::Call {
            name: op.primitive(),
            attribute: None,
            args: vec![lhs, rhs],
        },
        ExprKind::Unary { op, operand } => View::Call {
            name: unary_primitive(*op),
            attribute: None,
            args: vec![operand],
        },
        ExprKind::QuotedList(items) => View::List(items.iter().collect()),
        _ => View::Leaf,
    }
}

/// Unary `+` has no primitive; `"+"` cannot be written as a call name, so it only matches
/// itself.
fn unary_primitive(op: UnaryOp) -> &'static str {
    match op {
        UnaryOp::Neg => "__minus",
        UnaryOp::Not => "__not",
        UnaryOp::Plus => "+",
    }
}

fn leaf_eq(a: &Expr, b: &Expr) -> bool {
    match (&a.kind, &b.kind) {
        (ExprKind::Ident(x), ExprKind::Ident(y)) => x.name == y.name,
        _ => a.same_shape(b),
    }
}

/// Structural equality up to spans, `$` positions and operator/call spelling.
fn equivalent(a: &Expr, b: &Expr) -> bool {
    match (view(a), view(b)) {
        (
            View::Call {
                name: n1,
                attribute: a1,
                args: x,
            },
            View::Call {
                name: n2,
                attribute: a2,
                args: y,
            },
        ) => n1 == n2 && a1 == a2 && all_equivalent(&x, &y),
        (View::List(x), View::List(y)) => all_equivalent(&x, &y),
        (View::Leaf, View::Leaf) => leaf_eq(a, b),
        _ => false,
    }
}

fn all_equivalent(x: &[&Expr], y: &[&Expr]) -> bool {
    x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equivalent(a, b))
}

/// Placeholder bindings; a stack so that a failed alternative is undone by truncation.
#[derive(Default)]
struct Matcher<'p, 'a> {
    one: Vec<(&'p str, &'a Expr)>,
    seq: Vec<(&'p str, Vec<&'a Expr>)>,
}

impl<'p, 'a> Matcher<'p, 'a> {
    fn mark(&self) -> (usize, usize) {
        (self.one.len(), self.seq.len())
    }

    fn undo(&mut self, (one, seq): (usize, usize)) {
        self.one.truncate(one);
        self.seq.truncate(seq);
    }

    fn expr(&mut self, p: &'p Expr, e: &'a Expr) -> bool {
        if let Some((Hole::One, name)) = placeholder(p) {
            return match self.one.iter().find(|(n, _)| *n == name) {
                Some((_, bound)) => equivalent(bound, e),
                None => {
                    self.one.push((name, e));
                    true
                }
            };
        }
        match (view(p), view(e)) {
            (
                View::Call {
                    name: n1,
                    attribute: a1,
                    args: x,
                },
                View::Call {
                    name: n2,
                    attribute: a2,
                    args: y,
                },
            ) => n1 == n2 && a1 == a2 && self.list(&x, &y),
            (View::List(x), View::List(y)) => self.list(&x, &y),
            (View::Leaf, View::Leaf) => leaf_eq(p, e),
            _ => false,
        }
    }

    fn list(&mut self, ps: &[&'p Expr], es: &[&'a Expr]) -> bool {
        let Some((&p, rest)) = ps.split_first() else {
            return es.is_empty();
        };
        let mark = self.mark();
        if let Some((Hole::Seq, name)) = placeholder(p) {
            if let Some((_, bound)) = self.seq.iter().find(|(n, _)| *n == name) {
                let k = bound.len();
                return es.len() >= k
                    && all_equivalent(bound, &es[..k])
                    && self.list(rest, &es[k..]);
            }
            for k in 0..=es.len() {
                self.seq.push((name, es[..k].to_vec()));
                if self.list(rest, &es[k..]) {
                    return true;
                }
                self.undo(mark);
            }
            return false;
        }
        if let Some((&e, es_rest)) = es.split_first() {
            if self.expr(p, e) && self.list(rest, es_rest) {
                return true;
            }
        }
        self.undo(mark);
        false
    }
}

// ------------------------------------------------------------------------------------------
// Rewriting

/// A rewritten subtree and its depth.
type Built = (Expr, u32);

struct Bindings {
    one: Vec<(String, Built)>,
    seq: Vec<(String, Vec<Built>)>,
}

/// Applies `rules` (in order) to a program; see the module docs.
pub fn apply(exprs: Vec<Expr>, rules: &[Rule]) -> Result<Vec<Expr>> {
    crate::runtime::session::on_big_stack(|| {
        let mut exprs = exprs;
        for rule in rules {
            exprs = exprs
                .into_iter()
                .map(|e| rewrite(e, rule).map(|(e, _)| e))
                .collect::<Result<_>>()?;
        }
        Ok(exprs)
    })
}

fn too_deep(span: Span) -> Error {
    Error::limit(format!(
        "the transformed program is nested too deeply (more than {MAX_DEPTH} levels)"
    ))
    .with_label(span, "in this rewritten expression")
    .with_help("a rule whose replacement nests its pattern's parts deeper grows the tree each time it applies")
}

fn node(kind: ExprKind, span: Span, depth: u32) -> Result<Built> {
    if depth > MAX_DEPTH {
        return Err(too_deep(span));
    }
    Ok((Expr { kind, span }, depth))
}

fn rewrite(e: Expr, rule: &Rule) -> Result<Built> {
    let bare = placeholder(&rule.pattern).is_some();
    let found = {
        let mut m = Matcher::default();
        m.expr(&rule.pattern, &e).then(|| {
            let one: Vec<(String, Expr)> = m
                .one
                .iter()
                .map(|(n, x)| (n.to_string(), (*x).clone()))
                .collect();
            let seq: Vec<(String, Vec<Expr>)> = m
                .seq
                .iter()
                .map(|(n, xs)| (n.to_string(), xs.iter().map(|x| (*x).clone()).collect()))
                .collect();
            (one, seq)
        })
    };
    if let Some((one, seq)) = found {
        // A bare placeholder pattern binds the node itself: descending would never end.
        let sub = |x: Expr| {
            if bare {
                Ok((x.clone(), depth(&x)))
            } else {
                rewrite(x, rule)
            }
        };
        let b = Bindings {
            one: one
                .into_iter()
                .map(|(n, x)| Ok((n, sub(x)?)))
                .collect::<Result<_>>()?,
            seq: seq
                .into_iter()
                .map(|(n, xs)| Ok((n, xs.into_iter().map(sub).collect::<Result<_>>()?)))
                .collect::<Result<_>>()?,
        };
        return instantiate(&rule.replacement, &b);
    }
    let span = e.span;
    match e.kind {
        ExprKind::Call(c) => {
            let (args, d) = rewrite_all(c.args, rule)?;
            let call = Call { args, ..c };
            node(ExprKind::Call(call), span, d + 1)
        }
        ExprKind::QuotedList(items) => {
            let (items, d) = rewrite_all(items, rule)?;
            node(ExprKind::QuotedList(items), span, d + 1)
        }
        ExprKind::Unary { op, operand } => {
            let (x, d) = rewrite(*operand, rule)?;
            node(
                ExprKind::Unary {
                    op,
                    operand: Box::new(x),
                },
                span,
                d + 1,
            )
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let (l, dl) = rewrite(*lhs, rule)?;
            let (r, dr) = rewrite(*rhs, rule)?;
            let kind = ExprKind::Binary {
                op,
                lhs: Box::new(l),
                rhs: Box::new(r),
            };
            node(kind, span, dl.max(dr) + 1)
        }
        kind => Ok((Expr { kind, span }, 1)),
    }
}

fn rewrite_all(xs: Vec<Expr>, rule: &Rule) -> Result<(Vec<Expr>, u32)> {
    let mut depth = 0;
    let mut out = Vec::with_capacity(xs.len());
    for x in xs {
        let (x, d) = rewrite(x, rule)?;
        depth = depth.max(d);
        out.push(x);
    }
    Ok((out, depth))
}

/// Depth of an original subtree (at most [`MAX_DEPTH`], as the parser or loader made it).
fn depth(e: &Expr) -> u32 {
    1 + match &e.kind {
        ExprKind::Call(Call { args: xs, .. }) | ExprKind::QuotedList(xs) => {
            xs.iter().map(depth).max().unwrap_or(0)
        }
        ExprKind::Unary { operand, .. } => depth(operand),
        ExprKind::Binary { lhs, rhs, .. } => depth(lhs).max(depth(rhs)),
        _ => 0,
    }
}

fn instantiate(r: &Expr, b: &Bindings) -> Result<Built> {
    if let Some((Hole::One, name)) = placeholder(r) {
        // `check_rule` made sure every placeholder of the replacement is bound.
        if let Some((_, x)) = b.one.iter().find(|(n, _)| n == name) {
            return Ok(x.clone());
        }
    }
    let has_seq = |xs: &[&Expr]| {
        xs.iter()
            .any(|x| matches!(placeholder(x), Some((Hole::Seq, _))))
    };
    match &r.kind {
        ExprKind::Call(c) => {
            let (args, d) = instantiate_list(c.args.iter(), b)?;
            let call = Call {
                callee: c.callee.clone(),
                attribute: c.attribute.clone(),
                args,
            };
            node(ExprKind::Call(call), r.span, d + 1)
        }
        ExprKind::QuotedList(items) => {
            let (items, d) = instantiate_list(items.iter(), b)?;
            node(ExprKind::QuotedList(items), r.span, d + 1)
        }
        ExprKind::Unary { op, operand } if !has_seq(&[operand]) => {
            let (x, d) = instantiate(operand, b)?;
            node(
                ExprKind::Unary {
                    op: *op,
                    operand: Box::new(x),
                },
                r.span,
                d + 1,
            )
        }
        ExprKind::Binary { op, lhs, rhs } if !has_seq(&[lhs, rhs]) => {
            let (l, dl) = instantiate(lhs, b)?;
            let (x, dr) = instantiate(rhs, b)?;
            let kind = ExprKind::Binary {
                op: *op,
                lhs: Box::new(l),
                rhs: Box::new(x),
            };
            node(kind, r.span, dl.max(dr) + 1)
        }
        // An operator with a sequence operand: keep the operator when the spliced operands
        // fit it, else write the call of its primitive (`__add(a, b, c)`).
        ExprKind::Unary { op, operand } => {
            let (mut xs, d) = instantiate_list(std::iter::once(&**operand), b)?;
            if xs.len() == 1 {
                let x = Box::new(xs.remove(0));
                return node(
                    ExprKind::Unary {
                        op: *op,
                        operand: x,
                    },
                    r.span,
                    d + 1,
                );
            }
            if *op == UnaryOp::Plus {
                return Err(Error::arity(format!(
                    "unary `+` got {} operands from a sequence placeholder",
                    xs.len()
                ))
                .with_label(r.span, "in this replacement"));
            }
            primitive_call(unary_primitive(*op), r.span, xs, d)
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let (mut xs, d) = instantiate_list([&**lhs, &**rhs].into_iter(), b)?;
            if xs.len() == 2 {
                let (l, x) = (Box::new(xs.remove(0)), Box::new(xs.remove(0)));
                let kind = ExprKind::Binary {
                    op: *op,
                    lhs: l,
                    rhs: x,
                };
                return node(kind, r.span, d + 1);
            }
            primitive_call(op.primitive(), r.span, xs, d)
        }
        _ => Ok((r.clone(), 1)),
    }
}

fn primitive_call(name: &str, span: Span, args: Vec<Expr>, d: u32) -> Result<Built> {
    let callee = Ident {
        name: name.to_string(),
        position: None,
        span,
    };
    let call = Call {
        callee,
        attribute: None,
        args,
    };
    node(ExprKind::Call(call), span, d + 1)
}

fn instantiate_list<'r>(
    xs: impl Iterator<Item = &'r Expr>,
    b: &Bindings,
) -> Result<(Vec<Expr>, u32)> {
    let (mut out, mut depth) = (Vec::new(), 0);
    for x in xs {
        if let Some((Hole::Seq, name)) = placeholder(x) {
            if let Some((_, items)) = b.seq.iter().find(|(n, _)| n == name) {
                for (e, d) in items {
                    depth = depth.max(*d);
                    out.push(e.clone());
                }
                continue;
            }
        }
        let (e, d) = instantiate(x, b)?;
        depth = depth.max(d);
        out.push(e);
    }
    Ok((out, depth))
}

#[cfg(test)]
mod tests;
