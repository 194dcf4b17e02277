//! The parser: `grammar/physl.pest` recognises the text, this module builds the AST.
//!
//! Besides building nodes it does what the PEG cannot: operator precedence (spec 1.9, by
//! shunting-yard over the flat `prefix* primary (binop prefix* primary)*` chain), folding a
//! sign into a number literal (1.3), number ranges, string escapes (1.4), array shapes and
//! dtypes (1.6), and nesting limits, so that no input can overflow the stack here or in the
//! passes that walk the tree later. Pest's errors are put into plain words ("expected `,` or
//! `)`"), with the unclosed bracket labelled when the input ends early.

use super::ast::{ArrayData, ArrayLit, BinaryOp, Call, Expr, ExprKind, Ident, UnaryOp};
use super::span::Span;
use crate::diagnostics::Error;
use pest::iterators::{Pair, Pairs};
use pest::Parser;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/physl.pest"]
struct PhyslParser;

/// Maximum nesting of brackets (`(`, `[`, `'(`), checked before pest runs so that its
/// recursive descent and ours stay far from the stack limit: unoptimised, a level costs about
/// 8 KB of stack, so the engine parses on a thread with a large stack
/// (`runtime::session::on_big_stack`); 1000 levels need about 8 MB. Real programs nest fewer
/// than 20 levels; generated code may chain many operators.
pub const MAX_NESTING: usize = 1000;

/// Maximum depth of the AST (operator chains and stacked prefixes count too), so that later
/// passes, the printer and `Drop` can recurse over any tree the parser returns, and so that the
/// printed form of such a tree (one bracket per level, plus up to 4 for an array and 1 around a
/// top-level expression) nests at most [`MAX_NESTING`] brackets and so parses again.
pub const MAX_DEPTH: u32 = MAX_NESTING as u32 - 4;

/// Whether a REPL entry is ready to run (see [`completeness`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completeness {
    /// It parses.
    Complete,
    /// It fails only because it ends early: read another line.
    Incomplete,
    /// It fails for another reason: submit it so that the error is shown.
    Invalid,
}

/// Parses a whole program: zero or more top-level expressions (spec 1.10). `base` is the
/// global offset of `text`'s first byte (see [`super::span::SourceMap`]).
pub fn parse_program(text: &str, base: u32) -> Result<Vec<Expr>, Error> {
    parse_inner(text, base).map_err(|(error, _)| error)
}

/// Classifies REPL input: `Incomplete` iff parsing fails only because the input ended early
/// (an open `(`, `[`, `'(`, string, attribute or block comment, or a trailing operator).
pub fn completeness(text: &str) -> Completeness {
    match parse_inner(text, 0) {
        Ok(_) => Completeness::Complete,
        Err((_, true)) => Completeness::Incomplete,
        Err((_, false)) => Completeness::Invalid,
    }
}

/// `Some(expr)` iff `text` is exactly one literal: a (signed) number, a string, `true`/`false`/
/// `nil`, an array literal, or `'(...)`/`list(...)`/`make_list(...)` of literals. Used for
/// command-line arguments (spec 2.10); spans are relative to `text`.
pub fn parse_literal(text: &str) -> Option<Expr> {
    let mut exprs = parse_program(text, 0).ok()?;
    let expr = exprs.pop().filter(|_| exprs.is_empty())?;
    is_literal(&expr).then_some(expr)
}

fn is_literal(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Str(_) | ExprKind::Array(_) => true,
        ExprKind::Ident(id) => {
            id.position.is_none() && matches!(id.name.as_str(), "true" | "false" | "nil")
        }
        ExprKind::QuotedList(items) => items.iter().all(is_literal),
        ExprKind::Call(call) => {
            call.attribute.is_none()
                && call.callee.position.is_none()
                && matches!(call.callee.name.as_str(), "list" | "make_list")
                && call.args.iter().all(is_literal)
        }
        ExprKind::Unary { .. } | ExprKind::Binary { .. } => false,
    }
}

/// A parse error with its primary label.
fn error(message: impl Into<String>, span: Span, label: impl Into<String>) -> Error {
    Error::parse(message).with_label(span, label)
}

/// A parse error, and whether it is only due to the input ending early.
type Failure = (Error, bool);

fn parse_inner(text: &str, base: u32) -> Result<Vec<Expr>, Failure> {
    let scan = scan(text, text.len());
    if let Some(at) = scan.too_deep {
        let message = format!("brackets are nested too deeply (more than {MAX_NESTING} levels)");
        let help = "split the expression into parts with `define`";
        let span = offset_span(base, at, at + 1);
        return Err((
            error(message, span, "one level too deep").with_help(help),
            false,
        ));
    }
    if let Some((start, kind)) = scan.unclosed {
        let (what, len, help) = match kind {
            b'"' => ("string", 1, "add the closing `\"`"),
            b'*' => (
                "block comment",
                2,
                "add the closing `*/` (comments do not nest)",
            ),
            _ => ("attribute", 1, "an attribute is written `name{L#0}(...)`"),
        };
        // An open `{` that does not follow a name is no attribute: pest reports it below.
        if kind != b'{' || follows_name(text, start) {
            let span = offset_span(base, start, start + len);
            let label = format!("this {what} is never closed");
            return Err((
                error(format!("unterminated {what}"), span, label).with_help(help),
                true,
            ));
        }
    }
    let mut pairs =
        PhyslParser::parse(Rule::program, text).map_err(|e| syntax_error(text, base, &e))?;
    let program = pairs.next().expect("grammar guarantees a program pair");
    let builder = Builder { base };
    let exprs = program.into_inner().filter(|p| p.as_rule() == Rule::expr);
    exprs
        .map(|pair| builder.expr(pair).map(|(e, _)| e).map_err(|e| (e, false)))
        .collect()
}

fn offset_span(base: u32, start: usize, end: usize) -> Span {
    let off = |p: usize| base.saturating_add(u32::try_from(p).unwrap_or(u32::MAX));
    Span::new(off(start), off(end))
}

/// True if the text before `offset` ends with a name (so a `{` there starts an attribute).
fn follows_name(text: &str, offset: usize) -> bool {
    let last = text[..offset].trim_end().bytes().next_back();
    last.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
}

// ---------------------------------------------------------------------------------------------
// Bracket scan: nesting limit, unterminated strings/comments/attributes, and which brackets are
// open at an error. It finds strings, comments and attributes exactly where the grammar does,
// since none of `"`, `#`, `/`, `{` can occur inside another token.

struct Scan {
    /// Brackets open where the scan stopped: the bracket byte and its offset.
    open: Vec<(u8, usize)>,
    /// Offset and kind (`"`, `*` or `{`) of a string/comment/attribute that never ends.
    unclosed: Option<(usize, u8)>,
    /// Offset of the first bracket nested deeper than [`MAX_NESTING`].
    too_deep: Option<usize>,
}

fn scan(text: &str, upto: usize) -> Scan {
    let bytes = text.as_bytes();
    let find = |from: usize, pat: &[u8]| {
        let rest = bytes.get(from..)?;
        Some(from + rest.windows(pat.len()).position(|w| w == pat)?)
    };
    let line_end = |from: usize| {
        let end = bytes[from..].iter().position(|&b| b == b'\n' || b == b'\r');
        end.map_or(bytes.len(), |e| from + e)
    };
    let (mut open, mut i) = (Vec::new(), 0);
    while i < upto.min(bytes.len()) {
        // Where the token starting at `i` ends (`None`: it never does).
        let end = match bytes[i] {
            b'"' => {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                (j < bytes.len()).then_some(j + 1)
            }
            b'#' => Some(line_end(i)),
            b'/' if bytes.get(i + 1) == Some(&b'/') => Some(line_end(i)),
            b'/' if bytes.get(i + 1) == Some(&b'*') => find(i + 2, b"*/").map(|e| e + 2),
            b'{' => find(i + 1, b"}").map(|e| e + 1),
            b @ (b'(' | b'[') => {
                open.push((b, i));
                if open.len() > MAX_NESTING {
                    return Scan {
                        open,
                        unclosed: None,
                        too_deep: Some(i),
                    };
                }
                Some(i + 1)
            }
            b @ (b')' | b']') => {
                if open.last().is_some_and(|&(o, _)| closer(o) == b) {
                    open.pop();
                }
                Some(i + 1)
            }
            _ => Some(i + 1),
        };
        let Some(end) = end else {
            let kind = if bytes[i] == b'/' { b'*' } else { bytes[i] };
            return Scan {
                open,
                unclosed: Some((i, kind)),
                too_deep: None,
            };
        };
        i = end;
    }
    Scan {
        open,
        unclosed: None,
        too_deep: None,
    }
}

fn closer(opener: u8) -> u8 {
    if opener == b'(' {
        b')'
    } else {
        b']'
    }
}

// ---------------------------------------------------------------------------------------------
// Putting pest's errors into words.

fn syntax_error(text: &str, base: u32, err: &pest::error::Error<Rule>) -> Failure {
    use pest::error::{ErrorVariant, InputLocation};
    let pos = match err.location {
        InputLocation::Pos(p) | InputLocation::Span((p, _)) => p.min(text.len()),
    };
    let at_end = pos == text.len();
    let expected = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => describe_expected(positives),
        // Pest's own call/stack limits; the bracket scan normally stops such input earlier.
        ErrorVariant::CustomError { message } => {
            let message = format!("the program is nested too deeply ({message})");
            return (error(message, offset_span(base, pos, pos), "here"), false);
        }
    };
    let open = scan(text, pos).open;
    let bracket = |(b, at): (u8, usize)| (offset_span(base, at, at + 1), b as char);
    let (end, found) = token_at(text, pos);
    let first = text.as_bytes().get(pos).copied().unwrap_or(0);
    // At the end of input, point just after the last token rather than at trailing blank lines.
    let span = match at_end {
        true => offset_span(base, text.trim_end().len(), text.trim_end().len()),
        false => offset_span(base, pos, end),
    };
    let message = format!("expected {expected}, found {found}");
    let e = match (first, open.last().copied()) {
        (_, Some(top)) if at_end => {
            let (at, c) = bracket(top);
            let closers: String = open.iter().rev().map(|&(o, _)| closer(o) as char).collect();
            let them = if open.len() == 1 { "it" } else { "them" };
            error(message, span, format!("expected {expected}"))
                .with_label(at, format!("this `{c}` is never closed"))
                .with_help(format!("add `{closers}` to close {them}"))
        }
        (b')' | b']', None) => error(format!("unmatched {found}"), span, "no bracket to close")
            .with_help("remove it, or add the missing opening bracket before it"),
        (b')' | b']', Some(top)) if closer(top.0) != first => {
            let (at, c) = bracket(top);
            error(message, span, format!("this does not close the `{c}`"))
                .with_label(at, format!("this `{c}` is still open"))
                .with_help(format!("close it with `{}` first", closer(top.0) as char))
        }
        _ => {
            let e = error(message, span, format!("expected {expected}"));
            let starts_expr = first.is_ascii_alphanumeric() || b"_\"(['".contains(&first);
            if first == b'{' {
                e.with_help("an attribute `{...}` may only follow a call's name")
            } else if expected.contains("`,`") && starts_expr {
                e.with_help("is a `,` missing before it?")
            } else if found == "`=`" {
                e.with_help("PhySL has no `=`: use `define(x, value)` or `store(x, value)`")
            } else {
                e
            }
        }
    };
    (e, at_end)
}

/// Pest's expected rules in plain words. An operator, or `(`/an attribute after a name, can
/// follow any operand, so they are mentioned only when nothing else was expected.
fn describe_expected(positives: &[Rule]) -> String {
    const WORDS: [&str; 7] = [
        "an expression",
        "`,`",
        "`)`",
        "`]`",
        "end of input",
        "`(`",
        "an operator",
    ];
    let mut seen = [false; WORDS.len()];
    for rule in positives {
        seen[match rule {
            Rule::comma => 1,
            Rule::rparen => 2,
            Rule::rbracket => 3,
            Rule::EOI => 4,
            Rule::lparen | Rule::attribute => 5,
            Rule::binop => 6,
            _ => 0, // a rule that starts an expression
        }] = true;
    }
    let shown = if seen[..5].contains(&true) { 5 } else { 7 };
    let words: Vec<&str> = (0..shown).filter(|&i| seen[i]).map(|i| WORDS[i]).collect();
    match words.as_slice() {
        [] => "something else".to_string(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The end of the token starting at `pos`, and how a message shows it.
fn token_at(text: &str, pos: usize) -> (usize, String) {
    let rest = &text[pos..];
    let is_word = |c: char| c.is_ascii_alphanumeric() || "_$.".contains(c);
    let two_char = ["||", "&&", "==", "!=", "<=", ">="]
        .iter()
        .any(|o| rest.starts_with(o));
    let len = match rest.chars().next() {
        None => return (pos, "end of input".to_string()),
        Some('"') => return (pos + 1, "a string".to_string()),
        Some(c) if is_word(c) => rest.find(|c| !is_word(c)).unwrap_or(rest.len()),
        Some(_) if two_char => 2,
        Some(c) => c.len_utf8(),
    };
    let token = &rest[..len];
    match token.char_indices().nth(20) {
        Some((cut, _)) => (pos + len, format!("`{}…`", &token[..cut])),
        None => (pos + len, format!("`{token}`")),
    }
}

// ---------------------------------------------------------------------------------------------
// Building the AST. Builders return the node and its depth (for [`MAX_DEPTH`]).

type Built = (Expr, u32);

struct Builder {
    base: u32,
}

impl Builder {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        offset_span(self.base, pair.as_span().start(), pair.as_span().end())
    }

    fn node(&self, kind: ExprKind, span: Span, depth: u32) -> Result<Built, Error> {
        if depth > MAX_DEPTH {
            let message = format!("expression is nested too deeply (more than {MAX_DEPTH} levels)");
            let help = "split it into parts with `define`";
            return Err(error(message, span, "this expression").with_help(help));
        }
        Ok((Expr { kind, span }, depth))
    }

    /// `operand (binop operand)*`, resolved by precedence; all operators are left-associative.
    fn expr(&self, pair: Pair<'_, Rule>) -> Result<Built, Error> {
        let mut inner = pair.into_inner();
        let first = self.operand(&mut inner)?;
        if inner.peek().is_none() {
            return Ok(first);
        }
        let (mut operands, mut ops) = (vec![first], Vec::<BinaryOp>::new());
        while let Some(op) = inner.next() {
            let op = binary_op(op.as_str());
            while ops
                .last()
                .is_some_and(|t| t.precedence() >= op.precedence())
            {
                self.reduce(&mut operands, &mut ops)?;
            }
            ops.push(op);
            operands.push(self.operand(&mut inner)?);
        }
        while !ops.is_empty() {
            self.reduce(&mut operands, &mut ops)?;
        }
        Ok(operands.pop().expect("one operand remains after reducing"))
    }

    fn reduce(&self, operands: &mut Vec<Built>, ops: &mut Vec<BinaryOp>) -> Result<(), Error> {
        let op = ops.pop().expect("reduce is called with an operator");
        let (rhs, rd) = operands.pop().expect("an operator has two operands");
        let (lhs, ld) = operands.pop().expect("an operator has two operands");
        let span = lhs.span.to(rhs.span);
        let (lhs, rhs) = (Box::new(lhs), Box::new(rhs));
        operands.push(self.node(ExprKind::Binary { op, lhs, rhs }, span, ld.max(rd) + 1)?);
        Ok(())
    }

    /// `prefix* primary`. Prefixes apply innermost first; a `-`/`+` written directly before a
    /// number token is folded into the literal (spec 1.3).
    fn operand(&self, inner: &mut Pairs<'_, Rule>) -> Result<Built, Error> {
        let mut prefixes = Vec::new();
        let primary = loop {
            let pair = inner.next().expect("grammar guarantees a primary");
            if pair.as_rule() != Rule::prefix {
                break pair;
            }
            prefixes.push(pair);
        };
        let mut built = match prefixes.last() {
            Some(sign) if primary.as_rule() == Rule::number && sign.as_str() != "!" => {
                (self.number(primary, prefixes.pop())?, 1)
            }
            _ => self.primary(primary)?,
        };
        for prefix in prefixes.into_iter().rev() {
            let op = match prefix.as_str() {
                "-" => UnaryOp::Neg,
                "!" => UnaryOp::Not,
                _ => UnaryOp::Plus,
            };
            let (operand, depth) = built;
            let span = self.span(&prefix).to(operand.span);
            let operand = Box::new(operand);
            built = self.node(ExprKind::Unary { op, operand }, span, depth + 1)?;
        }
        Ok(built)
    }

    fn primary(&self, pair: Pair<'_, Rule>) -> Result<Built, Error> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.clone().into_inner();
        match rule {
            Rule::number => Ok((self.number(pair, None)?, 1)),
            Rule::string => self.node(ExprKind::Str(unescape(pair.as_str())), span, 1),
            Rule::paren => {
                // No paren node: keep the inner expression, widened to cover the parentheses.
                let expr = inner.next().expect("grammar guarantees an expression");
                let (expr, depth) = self.expr(expr)?;
                Ok((Expr { span, ..expr }, depth))
            }
            Rule::call => self.call(inner, span),
            Rule::qlist => {
                let (items, depth) = self.args(inner)?;
                self.node(ExprKind::QuotedList(items), span, depth + 1)
            }
            Rule::array => {
                let mut flat = Flat::default();
                let shape = self.array(pair, 1, &mut flat)?;
                let data = flat.into_data();
                self.node(ExprKind::Array(ArrayLit { shape, data }), span, 1)
            }
            rule => unreachable!("grammar guarantees a primary, got {rule:?}"),
        }
    }

    /// A name, or a call `name{attribute}(args)` (kept out of `primary` to keep its stack frame
    /// small on the recursive path).
    fn call(&self, mut inner: Pairs<'_, Rule>, span: Span) -> Result<Built, Error> {
        let callee = self.ident(inner.next().expect("grammar guarantees a name"))?;
        if inner.peek().is_none() {
            // Just a name. (The `call` pair may end with whitespace, the name never does.)
            let span = callee.span;
            return self.node(ExprKind::Ident(callee), span, 1);
        }
        let attribute = match inner.peek() {
            Some(p) if p.as_rule() == Rule::attribute => {
                Some(p.as_str()[1..p.as_str().len() - 1].to_string())
            }
            _ => None,
        };
        let (args, depth) = self.args(inner)?;
        let call = Call {
            callee,
            attribute,
            args,
        };
        self.node(ExprKind::Call(call), span, depth + 1)
    }

    /// The expressions among `parts` (arguments or elements) and their greatest depth.
    fn args(&self, parts: Pairs<'_, Rule>) -> Result<(Vec<Expr>, u32), Error> {
        let (mut items, mut depth) = (Vec::new(), 0);
        for part in parts.filter(|p| p.as_rule() == Rule::expr) {
            let (expr, d) = self.expr(part)?;
            depth = depth.max(d);
            items.push(expr);
        }
        Ok((items, depth))
    }

    /// `name`, `name$line` or `name$line$col`.
    fn ident(&self, pair: Pair<'_, Rule>) -> Result<Ident, Error> {
        let span = self.span(&pair);
        let mut parts = pair.as_str().split('$');
        let name = parts.next().unwrap_or_default().to_string();
        let mut numbers = parts.map(|p| {
            let message = format!("source position `${p}` is out of range");
            p.parse::<i64>()
                .map_err(|_| error(message, span, "in this name's decoration"))
        });
        let position = match numbers.next() {
            None => None,
            Some(line) => Some((line?, numbers.next().transpose()?)),
        };
        Ok(Ident {
            name,
            position,
            span,
        })
    }

    /// A number token, with the sign (a `-` or `+` prefix pair) folded in if there is one.
    fn number(&self, pair: Pair<'_, Rule>, sign: Option<Pair<'_, Rule>>) -> Result<Expr, Error> {
        let text = pair.as_str();
        let sign_text = sign.as_ref().map_or("", |s| s.as_str());
        let start = sign.as_ref().unwrap_or(&pair).as_span().start();
        let span = offset_span(self.base, start, pair.as_span().end());
        let shown = format!("{sign_text}{text}");
        // The grammar lets the token run on into letters, so that `12abc` or `1e` is one bad
        // token rather than a number followed by a name. Rust's float syntax is exactly ours.
        let is_float = text.contains(['.', 'e', 'E']);
        let kind = if !is_float && text.bytes().all(|b| b.is_ascii_digit()) {
            let magnitude = text.parse::<u64>().map_or(i128::MAX, i128::from);
            let value = if sign_text == "-" {
                -magnitude
            } else {
                magnitude
            };
            let Ok(value) = i64::try_from(value) else {
                let (min, max) = (i64::MIN, i64::MAX);
                let help = format!("int64 holds {min} to {max}; write `{shown}.0` for a float");
                let message = format!("integer literal `{shown}` does not fit in int64");
                return Err(error(message, span, "out of range").with_help(help));
            };
            ExprKind::Int(value)
        } else if let Some(value) = text.parse::<f64>().ok().filter(|_| is_float) {
            if !value.is_finite() {
                let message = format!("float literal `{shown}` is out of range");
                return Err(error(message, span, "does not fit in a float64"));
            }
            ExprKind::Float(if sign_text == "-" { -value } else { value })
        } else {
            let help =
                "numbers look like `12`, `1.5`, `.5` or `1e-3`; names cannot start with a digit";
            let message = format!("invalid number `{text}`");
            return Err(error(message, self.span(&pair), "not a number").with_help(help));
        };
        Ok(Expr { kind, span })
    }
}

fn binary_op(symbol: &str) -> BinaryOp {
    match symbol {
        "||" => BinaryOp::Or,
        "&&" => BinaryOp::And,
        "==" => BinaryOp::Eq,
        "!=" => BinaryOp::Ne,
        "<" => BinaryOp::Lt,
        "<=" => BinaryOp::Le,
        ">" => BinaryOp::Gt,
        ">=" => BinaryOp::Ge,
        "+" => BinaryOp::Add,
        "-" => BinaryOp::Sub,
        "*" => BinaryOp::Mul,
        "/" => BinaryOp::Div,
        "%" => BinaryOp::Mod,
        other => unreachable!("grammar guarantees a binary operator, got {other:?}"),
    }
}

/// Decodes a string token (with its quotes) per spec 1.4; unknown escapes stay verbatim.
fn unescape(token: &str) -> String {
    let body = &token[1..token.len() - 1];
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let decoded = match chars.next() {
            Some('a') => '\u{07}',
            Some('b') => '\u{08}',
            Some('f') => '\u{0C}',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('v') => '\u{0B}',
            Some(c @ ('\\' | '\'' | '"')) => c,
            Some('x') => {
                // One or two hex digits give the code point U+00NN; `\x` alone stays as is.
                let mut code = None;
                for _ in 0..2 {
                    let Some(d) = chars.peek().and_then(|c| c.to_digit(16)) else {
                        break;
                    };
                    code = Some(code.unwrap_or(0) * 16 + d);
                    chars.next();
                }
                match code.and_then(char::from_u32) {
                    Some(c) => c,
                    None => {
                        out.push('\\');
                        'x'
                    }
                }
            }
            // Any other sequence: the backslash is an ordinary character.
            other => {
                out.push('\\');
                match other {
                    Some(c) => c,
                    None => continue,
                }
            }
        };
        out.push(decoded);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Array literals (spec 1.6): nested brackets are flattened into one row-major buffer.

#[derive(Clone, Copy)]
enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
}

/// The elements of one array literal collected so far, with what the dtype rules need.
#[derive(Default)]
struct Flat {
    data: Vec<Scalar>,
    first_bool: Option<Span>,
    first_number: Option<Span>,
}

impl Flat {
    fn push(&mut self, value: Scalar, span: Span) -> Result<(), Error> {
        match value {
            Scalar::Bool(_) => self.first_bool.get_or_insert(span),
            _ => self.first_number.get_or_insert(span),
        };
        if let (Some(b), Some(n)) = (self.first_bool, self.first_number) {
            let (first, bad) = if b.start < n.start { (b, n) } else { (n, b) };
            let message = "array literal mixes booleans and numbers";
            return Err(error(message, bad, "this element is of the other kind")
                .with_label(first, "the first element")
                .with_help("an array literal holds either booleans or numbers"));
        }
        self.data.push(value);
        Ok(())
    }

    /// dtype: all bools -> Bool; all ints -> Int; otherwise Float (so `[]` is Float).
    fn into_data(self) -> ArrayData {
        let v = self.data;
        let all_int = !v.is_empty() && v.iter().all(|s| matches!(s, Scalar::Int(_)));
        match v.first() {
            Some(Scalar::Bool(_)) => {
                ArrayData::Bool(v.iter().map(|s| matches!(s, Scalar::Bool(true))).collect())
            }
            _ if all_int => ArrayData::Int(
                v.iter()
                    .map(|s| if let Scalar::Int(i) = s { *i } else { 0 })
                    .collect(),
            ),
            _ => ArrayData::Float(
                v.iter()
                    .map(|s| match *s {
                        Scalar::Int(i) => i as f64,
                        Scalar::Float(f) => f,
                        Scalar::Bool(b) => f64::from(u8::from(b)),
                    })
                    .collect(),
            ),
        }
    }
}

/// The value of an array element that is a scalar literal: a (folded) number, `true`,
/// `false`, or `nan`/`inf`/`ninf` with an optional sign.
fn scalar(e: &Expr) -> Option<Scalar> {
    let named = |name: &str| match name {
        "true" => Some(Scalar::Bool(true)),
        "false" => Some(Scalar::Bool(false)),
        "nan" => Some(Scalar::Float(f64::NAN)),
        "inf" => Some(Scalar::Float(f64::INFINITY)),
        "ninf" => Some(Scalar::Float(f64::NEG_INFINITY)),
        _ => None,
    };
    match &e.kind {
        ExprKind::Int(v) => Some(Scalar::Int(*v)),
        ExprKind::Float(v) => Some(Scalar::Float(*v)),
        ExprKind::Ident(id) => named(&id.name),
        ExprKind::Unary { op, operand } if *op != UnaryOp::Not => match &operand.kind {
            ExprKind::Ident(id) => match named(&id.name)? {
                Scalar::Float(v) if *op == UnaryOp::Neg => Some(Scalar::Float(-v)),
                v @ Scalar::Float(_) => Some(v),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

impl Builder {
    /// Flattens the array literal `pair` (at nesting `level`, 1 for the outermost) into `flat`
    /// and returns its shape.
    fn array(
        &self,
        pair: Pair<'_, Rule>,
        level: usize,
        flat: &mut Flat,
    ) -> Result<Vec<usize>, Error> {
        if level > 4 {
            let message = "array literal has more than 4 dimensions";
            return Err(error(message, self.span(&pair), "a 5th level of brackets")
                .with_help("array literals have 1 to 4 dimensions"));
        }
        // The first element fixes what the others must be: scalars (shape `None`) or rows of
        // one shape.
        let mut first: Option<(Option<Vec<usize>>, Span)> = None;
        let mut count = 0;
        for item in pair.into_inner().filter(|p| p.as_rule() == Rule::expr) {
            let mut parts = item.clone().into_inner();
            let (shape, item_span) = match (parts.next(), parts.next()) {
                // Just a nested array literal (no sign, no operator): a row.
                (Some(row), None) if row.as_rule() == Rule::array => {
                    let span = self.span(&row);
                    (Some(self.array(row, level + 1, flat)?), span)
                }
                _ => {
                    let (expr, _) = self.expr(item)?;
                    let Some(value) = scalar(&expr) else {
                        let message = "array elements must be literal numbers or booleans";
                        let help = "build an array from computed values with `hstack(list(...))` \
                                    (or `vstack`), or use `list(...)` for a list";
                        return Err(error(message, expr.span, "not a literal").with_help(help));
                    };
                    flat.push(value, expr.span)?;
                    (None, expr.span)
                }
            };
            count += 1;
            let Some((first_shape, first_span)) = &first else {
                first = Some((shape, item_span));
                continue;
            };
            if shape == *first_shape {
                continue;
            }
            let describe = |s: &Option<Vec<usize>>| match s.as_deref() {
                None => "a number".to_string(),
                Some([n]) => format!("a row of {n} element{}", if *n == 1 { "" } else { "s" }),
                Some(s) => format!("a row of shape {s:?}"),
            };
            let message = if shape.is_some() != first_shape.is_some() {
                "array literal mixes numbers and nested arrays"
            } else {
                "array literal is ragged: rows differ in shape"
            };
            let first_label = format!("the first element is {}", describe(first_shape));
            return Err(
                error(message, item_span, format!("this is {}", describe(&shape)))
                    .with_label(*first_span, first_label)
                    .with_help("all elements must be numbers, or all rows of the same shape"),
            );
        }
        let mut shape = vec![count];
        if let Some((Some(row), _)) = first {
            shape.extend(row);
        }
        Ok(shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Place;
    use crate::syntax::printer::print_program;

    /// The canonical print of a program (one line per top-level expression, joined by ` ; `).
    fn show(text: &str) -> String {
        let exprs = parse_program(text, 0).unwrap_or_else(|e| panic!("{text:?}: {e:?}"));
        print_program(&exprs).trim_end().replace('\n', " ; ")
    }

    fn one(text: &str) -> Expr {
        let mut exprs = parse_program(text, 0).unwrap_or_else(|e| panic!("{text:?}: {e:?}"));
        assert_eq!(exprs.len(), 1, "{text:?}");
        exprs.remove(0)
    }

    fn err(text: &str) -> Error {
        parse_program(text, 0).expect_err(text)
    }

    /// Message and label spans of the error for `text`.
    fn fail(text: &str) -> (String, Vec<(u32, u32)>) {
        let e = err(text);
        let span = |l: &crate::diagnostics::Label| match l.place {
            Place::Span(s) => (s.start, s.end),
            _ => panic!("unlocated label"),
        };
        (
            e.message().to_string(),
            e.labels().iter().map(span).collect(),
        )
    }

    /// `source => expected` lines of a test table (`⏎` in the source stands for a newline).
    fn table(text: &str) -> impl Iterator<Item = (String, &str)> {
        text.lines().filter(|l| !l.trim().is_empty()).map(|line| {
            let (source, want) = line.split_once(" => ").expect("a `=>` in each line");
            (source.trim().replace('⏎', "\n"), want.trim())
        })
    }

    #[test]
    fn literals() {
        let cases = r#"
            '(0, 42, -7, - 7, +7, !7, -(1), --1, -+1, - -x)  => '(0, 42, -7, -7, 7, !(7), -(1), -(-1), -(1), -(-x))
            '(9223372036854775807, -9223372036854775808, - 1)  => '(9223372036854775807, -9223372036854775808, -1)
            '(1., .5, 2.5, 1e5, 3E-2, -2.5, -0.0, 1e-7)  => '(1.0, 0.5, 2.5, 100000.0, 0.03, -2.5, -0.0, 1e-7)
            a-1 + -a * b < c  => (((a - 1) + (-a * b)) < c)
            "\a\b\f\n\r\t\v\\\'\""  => "\x07\x08\x0c\n\r\t\x0b\\'\""
            '("\x41\x4g\x7\xff\x", "\q", "é")  => '("A\x04g\x07ÿ\\x", "\\q", "é")
            "two⏎lines # not a comment"  => "two\nlines # not a comment"
            '(info, nancy, nan, inf, ninf, true, nil, _x1, __add)  => '(info, nancy, nan, inf, ninf, true, nil, _x1, __add)
            '(x$3$14, y$7, z$-1$2, define$3$4(fact$3$11, 1))  => '(x$3$14, y$7, z$-1$2, define$3$4(fact$3$11, 1))
            #!/usr/bin/env physl⏎f(1) // c⏎/* b⏎ # */ g (2) # end  => f(1) ; g(2)
            a /* c */ - b // c⏎ + c  => ((a - b) + c)
            f() foo{L#1}(a, b) ' (1, x) '() (f)(x)  => f() ; foo{L#1}(a, b) ; '(1, x) ; '() ; f ; x
            [] [[]] [[], []] [1, 2] [[1.0, 2], [3, 4]]  => [] ; [[]] ; [[], []] ; [1, 2] ; [[1.0, 2.0], [3.0, 4.0]]
            [[[1]]] [[[[true]], [[false]]]] [-1, +2, - 3] [(4)]  => [[[1]]] ; [[[[true]], [[false]]]] ; [-1, 2, -3] ; [4]
            [nan, -inf, ninf, +inf, -ninf] [1, 2.5e300]  => [nan, -inf, -inf, inf, inf] ; [1.0, 2.5e300]
        "#;
        for (text, want) in table(cases) {
            assert_eq!(show(&text), want, "{text}");
        }
        assert_eq!(show("").len() + show(" # only\n // comments\n").len(), 0);
        assert!(matches!(one("-0.0").kind, ExprKind::Float(z) if z.is_sign_negative()));
        let ExprKind::Array(a) = one("[[[1, 2, 3]], [[4, 5, 6]]]").kind else {
            panic!()
        };
        assert_eq!(
            (a.shape, a.data),
            (vec![2, 1, 3], ArrayData::Int(vec![1, 2, 3, 4, 5, 6]))
        );
        let ExprKind::Array(a) = one("[[true], [false]]").kind else {
            panic!()
        };
        assert_eq!(a.data, ArrayData::Bool(vec![true, false]));
        let ExprKind::Array(a) = one("[[]]").kind else {
            panic!()
        };
        assert_eq!((a.shape, a.data), (vec![1, 0], ArrayData::Float(vec![])));
    }

    #[test]
    fn bad_literals() {
        let cases = r#"
            9223372036854775808  => integer literal `9223372036854775808` does not fit in int64
            +9223372036854775808  => integer literal `+9223372036854775808` does not fit in int64
            -9223372036854775809  => integer literal `-9223372036854775809` does not fit in int64
            -(9223372036854775808)  => integer literal `9223372036854775808` does not fit in int64
            1 -9223372036854775808  => integer literal `9223372036854775808` does not fit in int64
            1e400  => float literal `1e400` is out of range
            12abc  => invalid number `12abc`
            f(1e)  => invalid number `1e`
            1.5x  => invalid number `1.5x`
            x$99999999999999999999  => source position `$99999999999999999999` is out of range
            [[1, 2], [3]]  => array literal is ragged: rows differ in shape
            [[], [1]]  => array literal is ragged: rows differ in shape
            [[[[[1]]]]]  => array literal has more than 4 dimensions
            [1, [2]]  => array literal mixes numbers and nested arrays
            [[1], 2]  => array literal mixes numbers and nested arrays
            [true, 1]  => array literal mixes booleans and numbers
            [[1], [true]]  => array literal mixes booleans and numbers
        "#;
        for (text, want) in table(cases) {
            assert_eq!(err(&text).message(), want, "{text}");
        }
        assert_eq!(fail("- 9223372036854775809").1, [(0, 21)]);
        assert_eq!(fail("[[1, 2], [3]]").1, [(9, 12), (1, 7)]);
        assert_eq!(fail("[false, true, 1]").1, [(14, 15), (1, 6)]);
        assert_eq!(fail("[[[[[1]]]]]").1, [(4, 7)]);
        assert_eq!(fail("[1, 2 * x]").1, [(4, 9)]);
        for text in [
            "[x, 1]", "[1 + 1]", "[-true]", "[f(1)]", "[-(1)]", "[\"s\"]", "['(1)]",
        ] {
            let e = err(text);
            assert_eq!(
                e.message(),
                "array elements must be literal numbers or booleans"
            );
            assert!(e
                .help()
                .is_some_and(|h| h.contains("hstack") && h.contains("list(")));
        }
    }

    #[test]
    fn spans_are_exact_and_shifted_by_base() {
        let exprs = parse_program("  f(x, 10)\n- 1  ", 100).expect("parses");
        let at = |e: &Expr| (e.span.start, e.span.end);
        let ExprKind::Binary { lhs, rhs, .. } = &exprs[0].kind else {
            panic!()
        };
        assert_eq!(
            (at(&exprs[0]), at(lhs), at(rhs)),
            ((102, 114), (102, 110), (113, 114))
        );
        let ExprKind::Call(call) = &lhs.kind else {
            panic!()
        };
        assert_eq!((call.callee.span.start, call.callee.span.end), (102, 103));
        assert_eq!(
            (at(&call.args[0]), at(&call.args[1])),
            ((104, 105), (107, 109))
        );
        let e = one("(a + b) * -2");
        let ExprKind::Binary { lhs, rhs, .. } = &e.kind else {
            panic!()
        };
        assert_eq!((at(&e), at(lhs), at(rhs)), ((0, 12), (0, 7), (10, 12)));
        let e = one("- - 1");
        let ExprKind::Unary { operand, .. } = &e.kind else {
            panic!()
        };
        assert_eq!((at(&e), at(operand)), ((0, 5), (2, 5)));
        assert_eq!(at(&one("x$1$2  ")), (0, 5));
        assert_eq!(at(&one("'( a ) ")), (0, 6));
        assert_eq!(at(&one("g {L#0} ( ) ")), (0, 11));
    }

    #[test]
    fn syntax_errors_are_readable() {
        let e = err("f(1, 2");
        assert_eq!(e.help(), Some("add `)` to close it"));
        assert!(e.labels()[1].text.contains("`(` is never closed"));
        // `source => message @ label spans`.
        let cases = r#"
            f(1, 2  => expected `,` or `)`, found end of input @ 6..6 1..2
            f([1, (2⏎⏎  => expected `)`, found end of input @ 8..8 6..7
            f(1 2)  => expected `,` or `)`, found `2` @ 4..5
            1 )  => unmatched `)` @ 2..3
            [1, 2)  => expected `,` or `]`, found `)` @ 5..6 0..1
            f(1,)  => expected an expression, found `)` @ 4..5
            1 +  => expected an expression, found end of input @ 3..3
            f(  => expected an expression or `)`, found end of input @ 2..2 1..2
            'x  => expected `(`, found `x` @ 1..2
            f{L#0} x  => expected `(`, found `x` @ 7..8
            a || && b  => expected an expression, found `&&` @ 5..7
            f("abc  => unterminated string @ 2..3
            x /* open  => unterminated block comment @ 2..4
            x = 1  => expected an expression or end of input, found `=` @ 2..3
        "#;
        for (text, want) in table(cases) {
            let (message, spans) = fail(&text);
            let spans: Vec<String> = spans.iter().map(|(a, b)| format!("{a}..{b}")).collect();
            assert_eq!(format!("{message} @ {}", spans.join(" ")), want, "{text}");
        }
        assert_eq!(err("f([1, (2").help(), Some("add `)])` to close them"));
        for text in [
            "x$", "f(a b", "[1 2]", "1 + * 2", "f(x) {", "a @ b", ". 5", "f(x))", "\u{3bb}",
        ] {
            let e = err(text);
            assert_eq!(e.kind(), crate::diagnostics::ErrorKind::Parse);
            assert!(!e.labels().is_empty(), "{text}");
            // Pest's rule names never show.
            let raw = [
                "operand", "binop", "rparen", "EOI", "expr", "args", "comma", "ident",
            ];
            let mut words = e.message().split(|c: char| !c.is_alphanumeric());
            assert!(words.all(|w| !raw.contains(&w)), "{text}: {}", e.message());
        }
    }

    #[test]
    fn nesting_limits() {
        crate::runtime::session::on_big_stack(nesting_limits_on_a_big_stack);
    }

    fn nesting_limits_on_a_big_stack() {
        let nested = |n: usize| format!("{}x{}", "(".repeat(n), ")".repeat(n));
        assert!(parse_program(&nested(MAX_NESTING), 0).is_ok());
        assert!(err(&nested(MAX_NESTING + 1))
            .message()
            .contains("nested too deeply"));
        assert!(err(&"[".repeat(100_000))
            .message()
            .contains("nested too deeply"));
        assert!(err(&format!("{}x", "-".repeat(5000)))
            .message()
            .contains("too deeply"));
        let sum = |n: usize| vec!["x"; n].join(" + ");
        assert!(parse_program(&sum(MAX_DEPTH as usize), 0).is_ok());
        assert!(err(&sum(MAX_DEPTH as usize + 2))
            .message()
            .contains("too deeply"));
        let calls = |n: usize| format!("{}1{}", "f(".repeat(n), ")".repeat(n));
        assert!(parse_program(&calls(MAX_DEPTH as usize - 1), 0).is_ok());
        assert!(err(&calls(MAX_DEPTH as usize))
            .message()
            .contains("too deeply"));
    }

    #[test]
    fn completeness_of_repl_input() {
        use Completeness::*;
        let cases = [
            ("", Complete),
            ("f(x)", Complete),
            ("1 # comment", Complete),
            ("f(", Incomplete),
            ("f(1, g(2)", Incomplete),
            ("[1,", Incomplete),
            ("'(", Incomplete),
            ("'", Incomplete),
            ("\"abc", Incomplete),
            ("/* x", Incomplete),
            ("1 +", Incomplete),
            ("a &&\n", Incomplete),
            ("-", Incomplete),
            ("!", Incomplete),
            ("f{L#0", Incomplete),
            (")", Invalid),
            ("f(1 2", Invalid),
            ("[x]", Invalid),
            ("9223372036854775808", Invalid),
            ("x + {", Invalid),
        ];
        for (text, want) in cases {
            assert_eq!(completeness(text), want, "{text:?}");
        }
    }

    #[test]
    fn literals_for_the_command_line() {
        let some = [
            "0",
            "-5",
            "1e-5",
            "\"a b\"",
            "true",
            "nil",
            "[1, 2]",
            "'(1, \"a\")",
            " 7 # c",
        ];
        for text in some
            .into_iter()
            .chain(["list(1, list(2.5, [true]))", "make_list()"])
        {
            assert!(parse_literal(text).is_some(), "{text}");
        }
        let none = [
            "x", "data.csv", "1 2", "f(1)", "list(x)", "-(1)", "1 + 2", "", "inf", "'(y)",
        ];
        for text in none {
            assert!(parse_literal(text).is_none(), "{text}");
        }
        assert_eq!(parse_literal("-3").map(|e| e.kind), Some(ExprKind::Int(-3)));
    }

    #[test]
    fn a_megabyte_parses_quickly() {
        let chunk = "define(f$1$2, x, y, block(store(x, (x + 1.5) * -y), if(x < [1, 2], \
                     '(x, \"s\"), f(x - 1, y)))) // comment\n";
        let text = chunk.repeat((1 << 20) / chunk.len() + 1);
        let start = std::time::Instant::now();
        assert_eq!(
            parse_program(&text, 0).map(|e| e.len()),
            Ok(text.len() / chunk.len())
        );
        assert!(start.elapsed().as_secs() < 10, "took {:?}", start.elapsed());
    }
}
