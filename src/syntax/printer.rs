//! The canonical code printer (`--print-code`): prints an AST as PhySL text that parses back to
//! the same tree (spec 1.12, ours).
//!
//! Binary operations are fully parenthesised, strings are quoted with escapes, floats always
//! contain `.` or an exponent, and `$line$col` decorations are kept. Care is needed where the
//! parser would read the text differently from the tree: a sign before a number literal is
//! folded into it (so `Neg(1)` prints as `-(1)`), and since newlines mean nothing, a top-level
//! expression that starts with `-`/`+` would continue the previous one and one that starts
//! with `(` would make a call of a preceding name (`print_program` adds parentheses there).

use super::ast::{ArrayData, ArrayLit, Expr, ExprKind, Ident, UnaryOp};
use std::fmt::Write;

/// Prints one expression in canonical, re-parseable form.
pub fn print_expr(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, e);
    out
}

/// Prints a program: one top-level expression per line, each line ending with `\n`.
pub fn print_program(exprs: &[Expr]) -> String {
    // A line that starts with a sign would continue the previous expression: parenthesise it.
    let mut lines: Vec<String> = exprs
        .iter()
        .enumerate()
        .map(|(i, e)| match print_expr(e) {
            line if i > 0 && starts_with_sign(e) => format!("({line})"),
            line => line,
        })
        .collect();
    // A line that ends with a name would become a call if the next line starts with `(`:
    // parenthesise it too. Backwards, since that makes this line start with `(` in turn.
    for i in (0..lines.len().saturating_sub(1)).rev() {
        if ends_with_name(&exprs[i]) && !lines[i].ends_with(')') && lines[i + 1].starts_with('(') {
            lines[i] = format!("({})", lines[i]);
        }
    }
    let mut out = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// True if the printed form starts with `-` or `+`.
fn starts_with_sign(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Int(v) => *v < 0,
        ExprKind::Float(v) => v.is_sign_negative() && !v.is_nan(),
        ExprKind::Unary { op, .. } => *op != UnaryOp::Not,
        _ => false,
    }
}

/// True if the printed form ends with a name (`x`, `-x`, `!x$1$2`).
fn ends_with_name(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Ident(_) => true,
        ExprKind::Unary { operand, .. } => {
            !operand_needs_parens(operand) && ends_with_name(operand)
        }
        _ => false,
    }
}

/// A unary operand that is a number literal, or starts with a sign itself, is parenthesised:
/// `-(1)` must not re-parse as the literal `-1`, nor `-(-1)` as `--1` (spec 1.3 folding).
fn operand_needs_parens(operand: &Expr) -> bool {
    matches!(operand.kind, ExprKind::Int(_) | ExprKind::Float(_)) || starts_with_sign(operand)
}

fn write_expr(out: &mut String, e: &Expr) {
    match &e.kind {
        ExprKind::Int(v) => {
            let _ = write!(out, "{v}");
        }
        ExprKind::Float(v) => write_float(out, *v),
        ExprKind::Str(s) => write_string(out, s),
        ExprKind::Ident(id) => write_ident(out, id),
        ExprKind::Array(a) => write_array(out, a),
        ExprKind::Call(call) => {
            write_ident(out, &call.callee);
            if let Some(attr) = &call.attribute {
                out.push('{');
                out.push_str(attr);
                out.push('}');
            }
            write_list(out, &call.args);
        }
        ExprKind::QuotedList(items) => {
            out.push('\'');
            write_list(out, items);
        }
        ExprKind::Unary { op, operand } => {
            out.push_str(op.symbol());
            if operand_needs_parens(operand) {
                out.push('(');
                write_expr(out, operand);
                out.push(')');
            } else {
                write_expr(out, operand);
            }
        }
        ExprKind::Binary { op, lhs, rhs } => {
            out.push('(');
            write_expr(out, lhs);
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            write_expr(out, rhs);
            out.push(')');
        }
    }
}

/// `(a, b, c)`.
fn write_list(out: &mut String, items: &[Expr]) {
    out.push('(');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_expr(out, item);
    }
    out.push(')');
}

fn write_ident(out: &mut String, id: &Ident) {
    out.push_str(&id.name);
    if let Some((line, col)) = id.position {
        let _ = write!(out, "${line}");
        if let Some(col) = col {
            let _ = write!(out, "${col}");
        }
    }
}

/// The shortest text that reads back as the same float and always contains `.` or an exponent
/// (Rust's `{:?}`: `1.0`, `0.1`, `1e-7`, `1.5e300`). Non-finite values print as the names of
/// the constants (`nan`, `inf`, `-inf`), which are floats inside array literals only.
fn write_float(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("nan");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "inf" } else { "-inf" });
    } else {
        let start = out.len();
        let _ = write!(out, "{v:?}");
        if !out[start..].contains(['.', 'e', 'E']) {
            out.push_str(".0");
        }
    }
}

/// A double-quoted string with the escapes of spec 1.4. Other control characters use `\xNN`
/// (always two digits, so a following hex digit is not absorbed); other text prints raw.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() && (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Nested brackets following the shape, e.g. `[[1, 2], [3, 4]]`, `[[]]` for shape `[1, 0]`.
fn write_array(out: &mut String, a: &ArrayLit) {
    let len = match &a.data {
        ArrayData::Bool(v) => v.len(),
        ArrayData::Int(v) => v.len(),
        ArrayData::Float(v) => v.len(),
    };
    // A literal always has 1 to 4 extents; print a malformed one as a flat vector.
    let flat = [len];
    let size = a.shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    let shape = if a.shape.is_empty() || size != Some(len) {
        &flat[..]
    } else {
        &a.shape[..]
    };
    let mut next = 0;
    write_rows(out, &a.data, shape, &mut next);
}

fn write_rows(out: &mut String, data: &ArrayData, shape: &[usize], next: &mut usize) {
    out.push('[');
    for i in 0..shape[0] {
        if i > 0 {
            out.push_str(", ");
        }
        if shape.len() > 1 {
            write_rows(out, data, &shape[1..], next);
            continue;
        }
        match data {
            ArrayData::Bool(v) => out.push_str(if v[*next] { "true" } else { "false" }),
            ArrayData::Int(v) => {
                let _ = write!(out, "{}", v[*next]);
            }
            ArrayData::Float(v) => write_float(out, v[*next]),
        }
        *next += 1;
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parser::parse_program;
    use crate::syntax::span::Span;

    fn parse(text: &str) -> Vec<Expr> {
        parse_program(text, 0).unwrap_or_else(|e| panic!("{text:?}: {e:?}"))
    }

    fn node(kind: ExprKind) -> Expr {
        Expr {
            kind,
            span: Span::DUMMY,
        }
    }

    fn unary(op: UnaryOp, operand: ExprKind) -> Expr {
        let operand = Box::new(node(operand));
        node(ExprKind::Unary { op, operand })
    }

    #[test]
    fn precedence_and_associativity() {
        let cases = [
            ("a - b + c", "((a - b) + c)"),
            ("-a * b", "(-a * b)"),
            ("!a == b", "(!a == b)"),
            ("a < b < c", "((a < b) < c)"),
            ("1 + 2 * 3", "(1 + (2 * 3))"),
            ("f(x)\n-1", "(f(x) - 1)"),
            ("a || b && c || !d", "((a || (b && c)) || !d)"),
            (
                "a == b != c <= d + e % f / g",
                "((a == b) != (c <= (d + ((e % f) / g))))",
            ),
            ("a * (b + c) - -d", "((a * (b + c)) - -d)"),
            ("a && b && c", "((a && b) && c)"),
        ];
        for (text, want) in cases {
            assert_eq!(print_program(&parse(text)), format!("{want}\n"), "{text}");
        }
    }

    #[test]
    fn numbers_strings_and_unary_operands() {
        let floats = [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e-7, "1e-7"),
            (1e100, "1e100"),
            (-2.5, "-2.5"),
            (-0.0, "-0.0"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e308"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (v, want) in floats {
            assert_eq!(print_expr(&node(ExprKind::Float(v))), want);
        }
        let s = "q\"b\\n\nt\tr\rbell\u{7}del\u{7f}nel\u{85}é😀\x01F";
        let printed = print_expr(&node(ExprKind::Str(s.into())));
        assert_eq!(
            printed,
            r#""q\"b\\n\nt\tr\rbell\x07del\x7fnel\x85é😀\x01F""#
        );
        assert!(parse(&printed)[0].same_shape(&node(ExprKind::Str(s.into()))));
        assert_eq!(print_expr(&unary(UnaryOp::Neg, ExprKind::Int(1))), "-(1)");
        assert_eq!(
            print_expr(&unary(UnaryOp::Neg, ExprKind::Float(-2.5))),
            "-(-2.5)"
        );
        assert_eq!(print_expr(&unary(UnaryOp::Not, ExprKind::Int(-1))), "!(-1)");
        assert_eq!(
            print_expr(&unary(UnaryOp::Plus, ExprKind::Str("s".into()))),
            "+\"s\""
        );
        let nested = unary(UnaryOp::Neg, unary(UnaryOp::Plus, ExprKind::Int(3)).kind);
        assert_eq!(print_expr(&nested), "-(+(3))");
        // A malformed array (no shape) still prints, as a vector.
        let flat = ArrayLit {
            shape: vec![],
            data: ArrayData::Int(vec![1, 2]),
        };
        assert_eq!(print_expr(&node(ExprKind::Array(flat))), "[1, 2]");
    }

    #[test]
    fn top_level_expressions_stay_apart() {
        let cases = [
            ("(x) (-1) (y) (a + b)", "(x)\n(-1)\n(y)\n(a + b)\n"),
            ("(a) (b) (!c) (1)", "a\nb\n!c\n1\n"),
            ("(a) (b) (!c) (-1)", "(a)\n(b)\n(!c)\n(-1)\n"),
            ("(-x) (a)", "-x\na\n"),
            ("(!x) (1 + 2) [1] (-2.5)", "(!x)\n(1 + 2)\n[1]\n(-2.5)\n"),
            ("-1 2 (x$1$2) (-(y))", "-1\n2\n(x$1$2)\n(-y)\n"),
            (
                "f(x) (g) (-f(y)) (h) ('(1))",
                "f(x)\n(g)\n(-f(y))\nh\n'(1)\n",
            ),
        ];
        for (text, want) in cases {
            let printed = print_program(&parse(text));
            assert_eq!(printed, want, "{text}");
            assert_eq!(parse(&printed).len(), parse(text).len(), "{text}");
        }
        assert_eq!(print_program(&[]), "");
    }

    /// Programs covering every construct; each must survive `parse(print(parse(p)))`.
    const PROGRAMS: &[&str] = &[
        "define(x, 42)",
        "define(fact, n, if(n <= 1, 1, n * fact(n - 1)))\nfact(10)",
        "a - b + c",
        "-a * b",
        "!a == b",
        "a < b < c",
        "1 + 2 * 3 % 4 / 5",
        "f(x)\n-1",
        "a || b && c || !d",
        "x != y == (z >= w) && x > -y",
        "- - x --1 -(1) +x - +2 !!true",
        "-(-(1)) -(+(2.5)) !(-3) +(+4)",
        r#""esc \n \t \\ \" \a \b \f \v \x7f \x41 \q é 😀""#,
        "\"multi\nline\r\nstring\"",
        "'(1, 2.5, \"s\", [1, 2], '(), list())",
        "' ( ) make_list(1)",
        "f{L#0}(x$1$2, y$3) g{ any text # here }()",
        "define$3$4(fact$3$11, n$3$17, block(n$-1$0))",
        "[[1.5, -2], [3e10, 4e-10]]",
        "[[[true, false]], [[false, true]]]",
        "[nan, inf, -inf, ninf, -nan, +inf]",
        "[] [[]] [[], []] [[[[1]]]] [[[[]]]]",
        "-9223372036854775808 9223372036854775807",
        "(x) (-1) (y) (a + b) (-x) (a) (!x) (1 + 2)",
        "1.0 0.1 1e-7 1e100 -0.0 5e-324 1.7976931348623157e308 123456789.125",
        "while(i < 10, block(store(i, i + 1), cout(i)))",
        "lambda(x, y, x + y)",
        "apply(__add, list(1, 2)) sum(m, __arg(axis, 0))",
        "if (x, a, b)",
        "#!/usr/bin/env physl\n# c\nx // d\n/* e */ y",
        "'(-1, -x, !y, +z, -[1], -'(1), -\"s\", -f(x))",
        "-[1, 2] - -'(1) * !\"s\"",
        "for_each(lambda(x, cout(x)), range(10))",
        "(((a)))",
        "nan inf true false nil",
        "x\n(y)\nz\n(-1)",
    ];

    #[test]
    fn printing_round_trips_and_is_idempotent() {
        crate::runtime::session::on_big_stack(round_trips);
    }

    fn round_trips() {
        // The deepest trees the parser accepts print within its bracket nesting limit.
        let depth = crate::syntax::parser::MAX_DEPTH as usize;
        let chain = vec!["[[[[1]]]]"; depth].join(" - ");
        let calls = format!(
            "(x) (-{}[[[[1]]]]{})",
            "f(".repeat(depth - 2),
            ")".repeat(depth - 2)
        );
        let programs = PROGRAMS
            .iter()
            .copied()
            .chain([chain.as_str(), calls.as_str()]);
        for program in programs {
            let first = parse(program);
            let printed = print_program(&first);
            let second = parse(&printed);
            assert_eq!(
                first.len(),
                second.len(),
                "{program:?} printed as {printed:?}"
            );
            for (a, b) in first.iter().zip(&second) {
                assert!(a.same_shape(b), "{program:?} printed as {printed:?}");
            }
            assert_eq!(print_program(&second), printed, "{program:?}");
            assert!(printed.ends_with('\n') || printed.is_empty());
            assert_eq!(printed.lines().count(), first.len(), "{printed:?}");
        }
    }
}
