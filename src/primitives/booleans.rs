//! booleans primitives (spec 4.5): comparisons, logical operators, `where`, `nonzero`.
//! The numeric work is in `kernels::elementwise`.

use super::{Args, Context, Effects, Eval, Family, Primitive, Tier};
use crate::diagnostics::{Error, Result};
use crate::kernels::elementwise::{
    compare, logical_at, logical_not, nonzero, select, CmpOp, LogicOp,
};
use crate::value::Value;

fn cmp(op: CmpOp, args: Args) -> Result<Value> {
    let mut it = args.into_iter();
    let a = it.next().unwrap_or_default();
    let b = it.next().unwrap_or_default();
    let numeric = match it.next() {
        None | Some(Value::Nil) | Some(Value::Bool(false)) => false,
        Some(v) => v
            .truthy()
            .map_err(|e| e.context(op.name()).at_arg(2, "not a truth value"))?,
    };
    compare(op, a, b, numeric)
}

fn p_eq(_: &dyn Context, args: Args) -> Result<Value> {
    cmp(CmpOp::Eq, args)
}
fn p_ne(_: &dyn Context, args: Args) -> Result<Value> {
    cmp(CmpOp::Ne, args)
}
fn p_lt(_: &dyn Context, args: Args) -> Result<Value> {
    cmp(CmpOp::Lt, args)
}
fn p_le(_: &dyn Context, args: Args) -> Result<Value> {
    cmp(CmpOp::Le, args)
}
fn p_gt(_: &dyn Context, args: Args) -> Result<Value> {
    cmp(CmpOp::Gt, args)
}
fn p_ge(_: &dyn Context, args: Args) -> Result<Value> {
    cmp(CmpOp::Ge, args)
}

/// Left fold; operand k is argument k.
fn logic(op: LogicOp, args: Args) -> Result<Value> {
    let mut it = args.into_iter().enumerate();
    let mut acc = it.next().map(|(_, v)| v).unwrap_or_default();
    for (k, v) in it {
        acc = logical_at(op, acc, v, k.saturating_sub(1), k)?;
    }
    Ok(acc)
}

fn p_and(_: &dyn Context, args: Args) -> Result<Value> {
    logic(LogicOp::And, args)
}
fn p_or(_: &dyn Context, args: Args) -> Result<Value> {
    logic(LogicOp::Or, args)
}
fn p_xor(_: &dyn Context, args: Args) -> Result<Value> {
    logic(LogicOp::Xor, args)
}
fn p_not(_: &dyn Context, args: Args) -> Result<Value> {
    logical_not(args.into_iter().next().unwrap_or_default())
}

fn p_where(_: &dyn Context, args: Args) -> Result<Value> {
    let mut it = args.into_iter();
    let c = it.next().unwrap_or_default();
    let x = it.next().unwrap_or_default();
    let y = it.next().unwrap_or_default();
    match (x.is_nil(), y.is_nil()) {
        (true, true) => nonzero(c, "where"),
        (false, false) => select(c, x, y),
        _ => Err(Error::arity("where takes 1 or 3 arguments: where(cond) or where(cond, x, y)")
            .at_call("the other branch is missing")
            .with_help("where(cond) lists the nonzero positions; where(cond, x, y) selects elementwise")),
    }
}

fn p_nonzero(_: &dyn Context, args: Args) -> Result<Value> {
    nonzero(args.into_iter().next().unwrap_or_default(), "nonzero")
}

macro_rules! prim {
    ($name:literal, $tier:ident, $sig:literal, $f:ident, $help:literal,
     [$(($c:literal, $o:literal)),* $(,)?]) => {
        Primitive {
            name: $name,
            family: Family::Booleans,
            tier: Tier::$tier,
            signature: $sig,
            effects: Effects::PURE,
            help: $help,
            examples: &[$(($c, $o)),*],
            dtype_aliases: false,
            eval: Eval::Fn($f),
        }
    };
}

pub(crate) static PRIMITIVES: &[Primitive] = &[
    prim!("__eq", T1, "__eq(a, b, numeric=false)", p_eq,
        "Elementwise equality with broadcasting, in the common dtype (`a == b`); bool result, or 1/0 in the common dtype when `numeric` is true.\nStrings compare bytewise; nil equals only nil; two lists are equal when their lengths and all elements are (one bool).",
        [("[1, 2, 3] == [1, 0, 3]", "[true, false, true]"), ("__eq([1, 2], 1, true)", "[1, 0]"), ("list(1, 2) == list(1, 2)", "true")]),
    prim!("__ne", T1, "__ne(a, b, numeric=false)", p_ne,
        "Elementwise inequality (`a != b`); the negation of __eq in every case.",
        [("4 != 4", "false"), ("nil != nil", "false"), ("\"abc\" != \"abd\"", "true")]),
    prim!("__lt", T1, "__lt(a, b, numeric=false)", p_lt,
        "Elementwise less-than with broadcasting (`a < b`); strings compare bytewise.",
        [("__lt([1, 2], 2)", "[true, false]"), ("\"abc\" < \"abd\"", "true")]),
    prim!("__le", T1, "__le(a, b, numeric=false)", p_le,
        "Elementwise less-or-equal with broadcasting (`a <= b`).",
        [("3 <= 3", "true")]),
    prim!("__gt", T1, "__gt(a, b, numeric=false)", p_gt,
        "Elementwise greater-than with broadcasting (`a > b`).",
        [("[[1, 2, 3], [4, 5, 6]] > [2, 2, 5]", "[[false, false, false], [true, true, true]]")]),
    prim!("__ge", T1, "__ge(a, b, numeric=false)", p_ge,
        "Elementwise greater-or-equal with broadcasting (`a >= b`).",
        [("__ge(2.5, 3)", "false")]),
    prim!("__and", T1, "__and(a, b, rest...)", p_and,
        "Elementwise logical and with broadcasting (`a && b`); bool result, nil counts as false.\nNot short-circuit: every operand is evaluated.",
        [("true && false", "false"), ("[true, true] && [true, false]", "[true, false]")]),
    prim!("__or", T1, "__or(a, b, rest...)", p_or,
        "Elementwise logical or with broadcasting (`a || b`); bool result, nil counts as false.\nNot short-circuit: every operand is evaluated.",
        [("false || true", "true"), ("[false, true] || false", "[false, true]")]),
    prim!("__not", T1, "__not(a)", p_not,
        "Elementwise logical negation (`!a`); bool result.",
        [("!0", "true"), ("__not([1, 0])", "[false, true]")]),
    prim!("__xor", T2, "__xor(a, b)", p_xor,
        "Elementwise logical exclusive or with broadcasting; bool result.",
        [("__xor(true, false)", "true")]),
    prim!("logical_and", T2, "logical_and(a, b)", p_and,
        "Elementwise logical and; alias of __and (NumPy name).",
        [("logical_and(true, false)", "false")]),
    prim!("logical_or", T2, "logical_or(a, b)", p_or,
        "Elementwise logical or; alias of __or (NumPy name).",
        [("logical_or([true, false], [false, false])", "[true, false]")]),
    prim!("logical_not", T2, "logical_not(a)", p_not,
        "Elementwise logical negation; alias of __not (NumPy name).",
        [("logical_not([true, false])", "[false, true]")]),
    prim!("logical_xor", T2, "logical_xor(a, b)", p_xor,
        "Elementwise logical exclusive or; alias of __xor (NumPy name).",
        [("logical_xor([true, true, false], [true, false, false])", "[false, true, false]")]),
    prim!("where", T2, "where(cond, x=nil, y=nil)", p_where,
        "With one argument, nonzero(cond); with three, x where cond is nonzero and y elsewhere, all broadcast, in the common dtype of x and y.\nExactly two arguments is an error.",
        [("where([true, false, true], [1, 2, 3], [10, 20, 30])", "[1, 20, 3]"), ("where([true, false], 1, 2.5)", "[1, 2.5]"), ("where([0, 3, 0, 4])", "list([1, 3])")]),
    prim!("nonzero", T2, "nonzero(a)", p_nonzero,
        "List of int64 index vectors, one per axis, locating the nonzero elements in row-major order (NumPy returns a tuple).\n0-D input gives a list with one vector.",
        [("nonzero([[0, 1], [2, 0]])", "list([0, 1], [1, 0])")]),
];

#[cfg(test)]
#[rustfmt::skip]
mod tests {
    use crate::primitives::arithmetics::testing::*;
    use crate::value::Value;

    const T: &str = r#"{"dtype": "bool", "shape": [], "data": [true]}"#;
    const F: &str = r#"{"dtype": "bool", "shape": [], "data": [false]}"#;

    #[test]
    fn conformance_comparisons() {
        check("__lt", &["1", "2"], T);
        check("__gt", &["1", "2"], F);
        check("__le", &["3", "3"], T);
        check("__ge", &["2", "3"], F);
        check("__eq", &["4", "4"], T);
        check("__ne", &["4", "4"], F);
        check("__eq", &["1", "1.0"], T);
        check("__lt", &["2.5", "3"], T);
        check("__eq", &["true", "1"], T);
        check("__ne", &["nan", "nan"], T);
        check("__eq", &["nan", "nan"], F);
        check("__gt", &["inf", "1000000000.0"], T);
        check("__eq", &["-inf", "-inf"], T);
        check("__lt", &["[1, 5, 3]", "3"], r#"{"dtype": "bool", "shape": [3], "data": [true, false, false]}"#);
        check("__eq", &["[1, 2, 3]", "[1, 0, 3]"], r#"{"dtype": "bool", "shape": [3], "data": [true, false, true]}"#);
        check("__ge", &["[[1, 2], [3, 4]]", "2"], r#"{"dtype": "bool", "shape": [2, 2], "data": [false, true, true, true]}"#);
        check("__ne", &["[1.0, 2.0]", "[1.0, 2.5]"], r#"{"dtype": "bool", "shape": [2], "data": [false, true]}"#);
        check("__le", &["[1, 2, 3]", "[1.5, 1.5, 3.0]"], r#"{"dtype": "bool", "shape": [3], "data": [true, false, true]}"#);
        check("__gt", &["[[1, 2, 3], [4, 5, 6]]", "[2, 2, 5]"], r#"{"dtype": "bool", "shape": [2, 3], "data": [false, false, false, true, true, true]}"#);
        check("__lt", &["[[1], [5]]", "[2, 4, 6]"], r#"{"dtype": "bool", "shape": [2, 3], "data": [true, true, true, false, false, true]}"#);
        check("__eq", &["[1, 2, 3]", "[1, 0, 3]", "true"], r#"{"dtype": "int64", "shape": [3], "data": [1, 0, 1]}"#);
        check("__lt", &["[1.5, 3.0]", "2", "true"], r#"{"dtype": "float64", "shape": [2], "data": [1.0, 0.0]}"#);
        check("__lt", &["false", "true"], T);
        let e = check_err("__lt", vec![lit("[1, 2, 3]"), lit("[1, 2]")], "physl::shape");
        assert_eq!(e.labels().len(), 2);
    }

    #[test]
    fn strings_nil_and_lists() {
        let s = Value::from;
        let l = |v: Vec<Value>| Value::list(v);
        let b = |name: &str, a: Value, c: Value| call(name, vec![a, c]).unwrap();
        assert_json(&b("__eq", s("abc"), s("abc")), T);
        assert_json(&b("__ne", s("abc"), s("abd")), T);
        assert_json(&b("__eq", s("abc"), s("abd")), F);
        assert_json(&b("__lt", s("abc"), s("abd")), T);
        assert_json(&b("__ge", s("b"), s("abc")), T);
        assert_json(&b("__eq", l(vec![lit("1"), lit("2")]), l(vec![lit("1"), lit("2")])), T);
        assert_json(&b("__eq", l(vec![lit("1"), lit("2")]), l(vec![lit("1"), lit("3")])), F);
        assert_json(&b("__ne", l(vec![lit("1"), lit("2")]), l(vec![lit("1"), lit("2")])), F);
        assert_json(&b("__eq", l(vec![lit("1")]), l(vec![lit("1"), lit("2")])), F);
        assert_json(&b("__eq", l(vec![l(vec![s("a")])]), l(vec![l(vec![s("a")])])), T);
        assert_json(&b("__eq", Value::Nil, Value::Nil), T);
        assert_json(&b("__ne", Value::Nil, Value::Nil), F);
        assert_json(&b("__eq", Value::Nil, lit("0")), F);
        assert_json(&b("__ne", lit("[1, 2]"), Value::Nil), T);
        assert_json(&b("__eq", l(vec![]), lit("1")), F);
        check_err("__eq", vec![s("a"), lit("1")], "physl::type");
        check_err("__lt", vec![s("a"), lit("1")], "physl::type");
        check_err("__lt", vec![Value::Nil, lit("1")], "physl::type");
        check_err("__lt", vec![l(vec![]), l(vec![])], "physl::type");
        let d = Value::Dict(std::sync::Arc::new(crate::value::Dict::new()));
        check_err("__eq", vec![d.clone(), d.clone()], "physl::type");
        assert_json(&b("__eq", Value::Nil, d), F);
    }

    #[test]
    fn conformance_logic() {
        check("__and", &["true", "false"], F);
        check("__or", &["false", "true"], T);
        check("__not", &["true"], F);
        check("__not", &["0"], T);
        check("__not", &["2.5"], F);
        check("__not", &["[0, 1, 2]"], r#"{"dtype": "bool", "shape": [3], "data": [true, false, false]}"#);
        check("__and", &["2", "0"], F);
        check("__or", &["0.0", "0.5"], T);
        check("__and", &["[true, true, false]", "[true, false, false]"], r#"{"dtype": "bool", "shape": [3], "data": [true, false, false]}"#);
        check("__or", &["[true, false, false]", "[false, false, true]"], r#"{"dtype": "bool", "shape": [3], "data": [true, false, true]}"#);
        check("__and", &["true", "true", "false"], F);
        check("__or", &["false", "false", "true"], T);
        check("logical_and", &["true", "false"], F);
        check("logical_or", &["[true, false]", "[false, false]"], r#"{"dtype": "bool", "shape": [2], "data": [true, false]}"#);
        check("logical_not", &["[true, false]"], r#"{"dtype": "bool", "shape": [2], "data": [false, true]}"#);
        check("logical_xor", &["[true, true, false]", "[true, false, false]"], r#"{"dtype": "bool", "shape": [3], "data": [false, true, false]}"#);
        check("__or", &["[false, true]", "false"], r#"{"dtype": "bool", "shape": [2], "data": [false, true]}"#);
        check("__not", &["[1, 0]"], r#"{"dtype": "bool", "shape": [2], "data": [false, true]}"#);
        check("__and", &["[[true], [false]]", "[true, false, true]"], r#"{"dtype": "bool", "shape": [2, 3], "data": [true, false, true, false, false, false]}"#);
        check("__xor", &["nan", "0"], T);
        // nil is false, lists by truthiness, strings are errors
        assert_json(&call("__or", vec![Value::Nil, lit("[0, 2]")]).unwrap(), r#"{"dtype": "bool", "shape": [2], "data": [false, true]}"#);
        assert_json(&call("__not", vec![Value::Nil]).unwrap(), T);
        assert_json(&call("__and", vec![Value::list(vec![lit("0")]), lit("true")]).unwrap(), T);
        assert_json(&call("__not", vec![Value::list(vec![])]).unwrap(), T);
        let e = check_err("__and", vec![lit("true"), Value::from("s")], "physl::type");
        assert!(e
            .labels()
            .iter()
            .any(|l| l.place == crate::diagnostics::Place::Arg(1)));
        check_err("__not", vec![Value::from("s")], "physl::type");
        check_err("__and", vec![lit("[true, false]"), lit("[true, false, true]")], "physl::shape");
    }

    #[test]
    fn where_forms() {
        check("where", &["[true, false, true]", "[1, 2, 3]", "[10, 20, 30]"], r#"{"dtype": "int64", "shape": [3], "data": [1, 20, 3]}"#);
        check("where", &["[true, false]", "1", "2.5"], r#"{"dtype": "float64", "shape": [2], "data": [1.0, 2.5]}"#);
        check("where", &["[0, 3]", "[1.5, 2.5]", "0.0"], r#"{"dtype": "float64", "shape": [2], "data": [0.0, 2.5]}"#);
        check("where", &["[true, false, true]", "[[1, 2, 3], [4, 5, 6]]", "0"], r#"{"dtype": "int64", "shape": [2, 3], "data": [1, 0, 3, 4, 0, 6]}"#);
        check("where", &["[0, 3, 0, 4]"], r#"[{"dtype": "int64", "shape": [2], "data": [1, 3]}]"#);
        check("nonzero", &["[[0, 1], [2, 0]]"], r#"[{"dtype": "int64", "shape": [2], "data": [0, 1]}, {"dtype": "int64", "shape": [2], "data": [1, 0]}]"#);
        check("where", &["true", "false", "true"], F);
        check_err("where", vec![lit("[true]"), lit("1")], "physl::arity");
        check_err("nonzero", vec![Value::from("s")], "physl::type");
    }
}
