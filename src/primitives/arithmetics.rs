//! arithmetics primitives (spec 4.4), plus the elementwise matrixops `power` and `clip`.
//! The numeric work is in `kernels::elementwise` and `kernels::unary`.

use super::{Args, Context, Effects, Eval, Family, Primitive, Tier};
use crate::diagnostics::{Error, Result};
use crate::kernels::elementwise::{binary_at, not_numeric, BinOp};
use crate::kernels::unary::{cumulate, unary, CumOp, UnaryOp};
use crate::value::broadcast::broadcast_shapes;
use crate::value::{DType, Value};
use smallvec::SmallVec;
use std::sync::Arc;

/// A `dtype=` argument: nil, or a dtype name (spec 3.2).
pub(crate) fn dtype_arg(prim: &str, pos: usize, v: &Value) -> Result<Option<DType>> {
    match v {
        Value::Nil => Ok(None),
        Value::Str(s) => DType::parse(s).map(Some).ok_or_else(|| {
            Error::value(format!("{prim}: unknown dtype \"{s}\""))
                .at_arg(pos, "not a dtype name")
                .with_help("dtypes are \"bool\", \"int64\" (any \"int...\") and \"float64\" (any \"float...\")")
        }),
        other => Err(super::bad_arg(prim, pos, "a dtype name or nil", other)),
    }
}

/// Left fold of an n-ary elementwise operator; operand k of the fold is argument k.
fn fold(op: BinOp, args: Args) -> Result<Value> {
    if args.len() > 2 && args.iter().all(Value::is_numeric) {
        // one check of all shapes, so that a mismatch labels the operands that disagree
        let shapes: SmallVec<[&[usize]; 4]> =
            args.iter().map(|v| v.shape().unwrap_or(&[])).collect();
        broadcast_shapes(&shapes).map_err(|e| e.context(op.name()))?;
    }
    let mut it = args.into_iter().enumerate();
    let mut acc = match it.next() {
        Some((_, v)) => v,
        None => return Err(Error::internal(format!("{}: no operands", op.name()))),
    };
    for (k, v) in it {
        acc = binary_at(op, acc, v, k.saturating_sub(1), k)?;
    }
    Ok(acc)
}

fn first(args: Args) -> Value {
    args.into_iter().next().unwrap_or_default()
}

fn p_add(_: &dyn Context, args: Args) -> Result<Value> {
    if args.first().is_some_and(Value::is_list) {
        return list_add(args);
    }
    fold(BinOp::Add, args)
}

/// `list + list` concatenates, `list + x` appends (spec 4.4).
fn list_add(args: Args) -> Result<Value> {
    let mut it = args.into_iter();
    let mut items = match it.next() {
        Some(Value::List(l)) => Arc::try_unwrap(l).unwrap_or_else(|l| (*l).clone()),
        Some(other) => other.list_items().map(|l| l.into_vec()).unwrap_or_default(),
        None => Vec::new(),
    };
    for v in it {
        if v.is_list() {
            if let Some(l) = v.list_items() {
                items.extend(l.iter().cloned());
            }
        } else {
            items.push(v);
        }
    }
    Ok(Value::list(items))
}

fn p_sub(_: &dyn Context, args: Args) -> Result<Value> {
    fold(BinOp::Sub, args)
}
fn p_mul(_: &dyn Context, args: Args) -> Result<Value> {
    fold(BinOp::Mul, args)
}
fn p_div(_: &dyn Context, args: Args) -> Result<Value> {
    fold(BinOp::Div, args)
}
fn p_mod(_: &dyn Context, args: Args) -> Result<Value> {
    fold(BinOp::Mod, args)
}
fn p_floor_divide(_: &dyn Context, args: Args) -> Result<Value> {
    fold(BinOp::FloorDiv, args)
}
fn p_maximum(_: &dyn Context, args: Args) -> Result<Value> {
    fold(BinOp::Max, args)
}
fn p_minimum(_: &dyn Context, args: Args) -> Result<Value> {
    fold(BinOp::Min, args)
}
fn p_power(_: &dyn Context, args: Args) -> Result<Value> {
    fold(BinOp::Pow, args)
}

fn p_minus(_: &dyn Context, args: Args) -> Result<Value> {
    match first(args) {
        Value::Int(i) => Ok(Value::Int(i.wrapping_neg())),
        Value::Float(f) => Ok(Value::Float(-f)),
        v => unary(UnaryOp::Neg, v, None),
    }
}

fn unary_prim(op: UnaryOp, args: Args) -> Result<Value> {
    let mut it = args.into_iter();
    let x = it.next().unwrap_or_default();
    let dtype = match it.next() {
        Some(v) => dtype_arg(op.name(), 1, &v)?,
        None => None,
    };
    unary(op, x, dtype)
}

macro_rules! unary_fns {
    ($($f:ident => $op:ident),* $(,)?) => {
        $(fn $f(_: &dyn Context, args: Args) -> Result<Value> {
            unary_prim(UnaryOp::$op, args)
        })*
    };
}

unary_fns! {
    p_absolute => Absolute, p_floor => Floor, p_ceil => Ceil, p_trunc => Trunc, p_rint => Rint,
    p_conj => Conj, p_real => Real, p_imag => Imag, p_sqrt => Sqrt, p_invsqrt => InvSqrt,
    p_cbrt => Cbrt, p_invcbrt => InvCbrt, p_exp => Exp, p_exp2 => Exp2, p_exp10 => Exp10,
    p_log => Log, p_log2 => Log2, p_log10 => Log10, p_sin => Sin, p_cos => Cos, p_tan => Tan,
    p_sinh => Sinh, p_cosh => Cosh, p_tanh => Tanh, p_arcsin => Arcsin, p_arccos => Arccos,
    p_arctan => Arctan, p_arcsinh => Arcsinh, p_arccosh => Arccosh, p_arctanh => Arctanh,
    p_erf => Erf, p_erfc => Erfc, p_square => Square, p_sign => Sign, p_isnan => IsNan,
    p_isinf => IsInf, p_isneginf => IsNegInf, p_isposinf => IsPosInf, p_isfinite => IsFinite,
}

fn cum(op: CumOp, args: Args) -> Result<Value> {
    let mut it = args.into_iter();
    let a = it.next().unwrap_or_default();
    let axis = match it.next().unwrap_or_default() {
        Value::Nil => None,
        v => Some(
            v.as_i64()
                .ok_or_else(|| super::bad_arg(op.name(), 1, "an integer axis or nil", &v))?,
        ),
    };
    let dtype = dtype_arg(op.name(), 2, &it.next().unwrap_or_default())?;
    cumulate(op, a, axis, dtype)
}

fn p_cumsum(_: &dyn Context, args: Args) -> Result<Value> {
    cum(CumOp::Sum, args)
}
fn p_cumprod(_: &dyn Context, args: Args) -> Result<Value> {
    cum(CumOp::Prod, args)
}

/// `minimum(maximum(a, a_min), a_max)` with nil bounds left out.
fn p_clip(_: &dyn Context, args: Args) -> Result<Value> {
    let mut it = args.into_iter();
    let a = it.next().unwrap_or_default();
    let lo = it.next().unwrap_or_default();
    let hi = it.next().unwrap_or_default();
    if !a.is_numeric() {
        return Err(not_numeric("clip", 0, &a));
    }
    for (v, p) in [(&lo, 1), (&hi, 2)] {
        if !v.is_nil() && !v.is_numeric() {
            return Err(super::bad_arg("clip", p, "numeric or nil", v));
        }
    }
    let shapes = [&a, &lo, &hi].map(|v| v.shape().unwrap_or(&[]));
    broadcast_shapes(&shapes).map_err(|e| e.context("clip"))?;
    let mut r = a;
    if !lo.is_nil() {
        r = binary_at(BinOp::Max, r, lo, 0, 1)?;
    }
    if !hi.is_nil() {
        r = binary_at(BinOp::Min, r, hi, 0, 2)?;
    }
    Ok(r)
}

macro_rules! prim {
    ($name:literal, $fam:ident, $tier:ident, $sig:expr, $f:ident, $aliases:literal, $help:literal,
     [$(($c:literal, $o:literal)),* $(,)?]) => {
        Primitive {
            name: $name,
            family: Family::$fam,
            tier: Tier::$tier,
            signature: $sig,
            effects: Effects::PURE,
            help: $help,
            examples: &[$(($c, $o)),*],
            dtype_aliases: $aliases,
            eval: Eval::Fn($f),
        }
    };
}

/// A unary math function `name(x, dtype=nil)`.
macro_rules! math {
    ($name:literal, $tier:ident, $f:ident, $help:literal, [$(($c:literal, $o:literal)),* $(,)?]) => {
        prim!($name, Arithmetics, $tier, concat!($name, "(x, dtype=nil)"), $f, false, $help,
              [$(($c, $o)),*])
    };
}

/// An elementwise predicate `name(x)`.
macro_rules! pred {
    ($name:literal, $f:ident, $help:literal, [$(($c:literal, $o:literal)),* $(,)?]) => {
        prim!($name, Arithmetics, T2, concat!($name, "(x)"), $f, false, $help, [$(($c, $o)),*])
    };
}

pub(crate) static PRIMITIVES: &[Primitive] = &[
    prim!("__add", Arithmetics, T1, "__add(a, b, rest...)", p_add, true,
        "Elementwise sum of two or more operands with broadcasting, in their common dtype (`a + b`).\nbool + bool stays bool (logical or), as NumPy. With a list first operand, a list right operand is concatenated and any other value appended. Strings are not addable.",
        [("__add(1, 2, 3)", "6"), ("[1, 2] + 0.5", "[1.5, 2.5]"), ("list(1) + list(2, 3)", "list(1, 2, 3)")]),
    prim!("__sub", Arithmetics, T1, "__sub(a, b, rest...)", p_sub, true,
        "Elementwise left-fold subtraction with broadcasting, in the common dtype (`a - b`).\nSubtracting a bool from a bool is an error, as in NumPy (Phylanx returns a bool).",
        [("__sub(10, 3, 2)", "5"), ("[1, 2] - 1", "[0, 1]"), ("true - false", "!physl::type")]),
    prim!("__mul", Arithmetics, T1, "__mul(a, b, rest...)", p_mul, true,
        "Elementwise (Hadamard) product of two or more operands with broadcasting (`a * b`).\nbool * bool stays bool (logical and). Not the matrix product: use dot.",
        [("__mul(2, 3, 4.0)", "24"), ("[[1, 2], [3, 4]] * [10, 100]", "[[10, 200], [30, 400]]")]),
    prim!("__div", Arithmetics, T1, "__div(a, b, rest...)", p_div, true,
        "Elementwise left-fold true division with broadcasting; always float64 (`a / b`).\nAs NumPy, x / 0 is inf or nan; Phylanx truncates int64 / int64.",
        [("7 / 2", "3.5"), ("1 / 0", "inf"), ("__div(100, 10, 4)", "2.5")]),
    prim!("__mod", Arithmetics, T1, "__mod(a, b)", p_mod, true,
        "Elementwise floored remainder with the sign of the divisor, as NumPy's `%` (`a % b`).\nFloats follow the same floored rule (`-7.5 % 2.0` is 0.5); integer modulo by zero is an error. Phylanx uses C's remainder on int64.",
        [("-7 % 3", "2"), ("-7.5 % 2.0", "0.5"), ("7 % 0", "!physl::zero_division")]),
    prim!("floor_divide", Arithmetics, T1, "floor_divide(a, b)", p_floor_divide, false,
        "Elementwise floored quotient, NumPy's `//`: int64 unless an operand is float64.\nInteger division by zero is an error (NumPy returns 0 with a warning).",
        [("floor_divide(-7, 2)", "-4"), ("floor_divide(7.5, 2)", "3"), ("floor_divide(7, 0)", "!physl::zero_division")]),
    prim!("__minus", Arithmetics, T1, "__minus(a)", p_minus, true,
        "Elementwise negation (`-a`); int64 wraps, float64 stays float64.\nNegating a bool is an error, as in NumPy (use `!a`).",
        [("__minus(5)", "-5"), ("__minus([1.5, -2.5])", "[-1.5, 2.5]"), ("__minus(true)", "!physl::type")]),
    prim!("maximum", Arithmetics, T2, "maximum(a, b, rest...)", p_maximum, true,
        "Elementwise maximum of two or more operands with broadcasting, in the common dtype.\nNaN propagates, as NumPy.",
        [("maximum([1, 5, 3], [4, 2, 3])", "[4, 5, 3]"), ("maximum(1, 2.5, 2)", "2.5")]),
    prim!("minimum", Arithmetics, T2, "minimum(a, b, rest...)", p_minimum, true,
        "Elementwise minimum of two or more operands with broadcasting, in the common dtype.\nNaN propagates, as NumPy.",
        [("minimum([1.5, 5.0], 2)", "[1.5, 2]")]),
    prim!("cumsum", Arithmetics, T2, "cumsum(a, axis=nil, dtype=nil)", p_cumsum, false,
        "Running sum along `axis`; with axis nil the input is flattened (row-major) to 1-D first.\nThe input dtype is kept except that bool gives int64 (Phylanx accumulates bools in a byte).",
        [("cumsum([1, 2, 3])", "[1, 3, 6]"), ("cumsum([[1, 2], [3, 4]], 0)", "[[1, 2], [4, 6]]"), ("cumsum([[1, 2], [3, 4]])", "[1, 3, 6, 10]")]),
    prim!("cumprod", Arithmetics, T2, "cumprod(a, axis=nil, dtype=nil)", p_cumprod, false,
        "Running product along `axis`; same axis and dtype rules as cumsum.",
        [("cumprod([1, 2, 3])", "[1, 2, 6]"), ("cumprod([[1, 2], [3, 4]], -1)", "[[1, 2], [3, 12]]")]),
    math!("absolute", T1, p_absolute, "Elementwise absolute value; int64 stays int64 (wrapping), bool stays bool.",
        [("absolute([-3, 0, 4])", "[3, 0, 4]"), ("absolute(-2.5)", "2.5")]),
    math!("floor", T1, p_floor, "Round toward -inf; int64 stays int64, as NumPy 2.1+ (Phylanx returns float64).",
        [("floor([1.7, -1.2])", "[1, -2]")]),
    math!("ceil", T1, p_ceil, "Round toward +inf; int64 stays int64, as NumPy 2.1+ (Phylanx returns float64).",
        [("ceil([1.2, -1.7])", "[2, -1]")]),
    math!("trunc", T2, p_trunc, "Round toward zero; int64 stays int64, as NumPy 2.1+ (Phylanx returns float64).",
        [("trunc([1.7, -1.7])", "[1, -1]")]),
    math!("rint", T2, p_rint, "Round to the nearest integer value, halves to even as NumPy; float64 result.\nPhylanx rounds halves away from zero.",
        [("rint([0.5, 1.5, 2.5, 2.6])", "[0, 2, 2, 3]")]),
    math!("conj", T2, p_conj, "Complex conjugate: the identity on real data (int64 stays int64, bool gives int64).",
        [("conj(3)", "3")]),
    math!("real", T2, p_real, "Real part: the identity on real data.",
        [("real(2.5)", "2.5")]),
    math!("imag", T2, p_imag, "Imaginary part: zeros of the input's dtype for real data.",
        [("imag([1.5, 2.5])", "[0, 0]")]),
    math!("sqrt", T1, p_sqrt, "Elementwise square root, float64 (nan for negative input).",
        [("sqrt([0, 1, 4])", "[0, 1, 2]"), ("sqrt(-1.0)", "nan")]),
    math!("invsqrt", T2, p_invsqrt, "Elementwise 1 / sqrt(x), float64.", [("invsqrt(4.0)", "0.5")]),
    math!("cbrt", T2, p_cbrt, "Elementwise cube root, float64.", [("cbrt(-27.0)", "-3")]),
    math!("invcbrt", T2, p_invcbrt, "Elementwise 1 / cbrt(x), float64.", [("invcbrt(8.0)", "0.5")]),
    math!("exp", T1, p_exp, "Elementwise e**x, float64.", [("exp(0)", "1"), ("exp(1.0)", "2.71828")]),
    math!("exp2", T2, p_exp2, "Elementwise 2**x, float64.", [("exp2(3)", "8")]),
    math!("exp10", T2, p_exp10, "Elementwise 10**x, float64.", [("exp10(2)", "100")]),
    math!("log", T1, p_log, "Elementwise natural logarithm, float64 (-inf at 0, nan below).",
        [("log(1)", "0"), ("log(0.0)", "-inf")]),
    math!("log2", T2, p_log2, "Elementwise base-2 logarithm, float64.", [("log2(8)", "3")]),
    math!("log10", T2, p_log10, "Elementwise base-10 logarithm, float64.", [("log10(1000)", "3")]),
    math!("sin", T1, p_sin, "Elementwise sine, float64.", [("sin(0)", "0")]),
    math!("cos", T1, p_cos, "Elementwise cosine, float64.", [("cos(0)", "1")]),
    math!("tan", T1, p_tan, "Elementwise tangent, float64.", [("tan(0.0)", "0")]),
    math!("sinh", T2, p_sinh, "Elementwise hyperbolic sine, float64.", [("sinh(0)", "0")]),
    math!("cosh", T2, p_cosh, "Elementwise hyperbolic cosine, float64.", [("cosh(0)", "1")]),
    math!("tanh", T1, p_tanh, "Elementwise hyperbolic tangent, float64.", [("tanh(0)", "0")]),
    math!("arcsin", T2, p_arcsin, "Elementwise inverse sine, float64 (nan outside [-1, 1]).",
        [("arcsin(1.0)", "1.5708")]),
    math!("arccos", T2, p_arccos, "Elementwise inverse cosine, float64 (nan outside [-1, 1]).",
        [("arccos(1.0)", "0")]),
    math!("arctan", T2, p_arctan, "Elementwise inverse tangent, float64.", [("arctan(1.0)", "0.785398")]),
    math!("arcsinh", T2, p_arcsinh, "Elementwise inverse hyperbolic sine, float64.", [("arcsinh(0)", "0")]),
    math!("arccosh", T2, p_arccosh, "Elementwise inverse hyperbolic cosine, float64 (nan below 1; Phylanx debug builds raise).",
        [("arccosh(1.0)", "0")]),
    math!("arctanh", T2, p_arctanh, "Elementwise inverse hyperbolic tangent, float64 (+-inf at +-1, nan beyond).",
        [("arctanh(0.5)", "0.549306")]),
    math!("erf", T2, p_erf, "Elementwise error function, float64.", [("erf(0.5)", "0.5205")]),
    math!("erfc", T2, p_erfc, "Elementwise complementary error function 1 - erf(x), float64.", [("erfc(0)", "1")]),
    math!("square", T1, p_square, "Elementwise x*x; int64 stays int64 (wrapping), bool gives int64.",
        [("square([1, -2, 3])", "[1, 4, 9]"), ("square(1.5)", "2.25")]),
    math!("sign", T2, p_sign, "Elementwise -1, 0 or +1 (nan for nan); int64 stays int64.\nThe sign of a bool is an error, as in NumPy.",
        [("sign([-5, 0, 7])", "[-1, 0, 1]"), ("sign(true)", "!physl::type")]),
    pred!("isnan", p_isnan, "Elementwise test for NaN; bool result of the same shape (integers are never NaN).",
        [("isnan([1.0, nan])", "[false, true]")]),
    pred!("isinf", p_isinf, "Elementwise test for +-inf; bool result of the same shape.",
        [("isinf([1.0, -inf, nan])", "[false, true, false]")]),
    pred!("isneginf", p_isneginf, "Elementwise test for -inf; bool result of the same shape.",
        [("isneginf([inf, -inf])", "[false, true]")]),
    pred!("isposinf", p_isposinf, "Elementwise test for +inf; bool result of the same shape.",
        [("isposinf([inf, -inf])", "[true, false]")]),
    pred!("isfinite", p_isfinite, "Elementwise test for a value that is neither inf nor NaN; bool result.",
        [("isfinite([1.0, inf, nan])", "[true, false, false]"), ("isfinite(3)", "true")]),
    prim!("power", Matrixops, T1, "power(base, exponent)", p_power, true,
        "Elementwise base**exponent with broadcasting and NumPy dtypes: int64 ** non-negative int64 stays int64 (wrapping).\nAn integer base with a negative integer exponent is an error, as NumPy; a float operand gives float64. (Phylanx: 0-D exponent, always float64.)",
        [("power(2, 10)", "1024"), ("power([1.0, 4.0], 0.5)", "[1, 2]"), ("power(2, -1)", "!physl::value")]),
    prim!("clip", Matrixops, T2, "clip(a, a_min, a_max)", p_clip, false,
        "Elementwise minimum(maximum(a, a_min), a_max) with broadcasting, in the common dtype; a nil bound is unbounded.",
        [("clip([-5, 0, 5, 10], 0, 6)", "[0, 0, 5, 6]"), ("clip([0.1, 0.9], nil, 0.5)", "[0.1, 0.5]")]),
];

/// Helpers for the unit tests of the elementwise families.
#[cfg(test)]
pub(crate) mod testing {
    use crate::diagnostics::Result;
    use crate::primitives::{call_primitive, registry, Args, TestContext};
    use crate::value::{format, Value};
    use ndarray::{ArrayD, IxDyn};

    /// Parses an array literal such as `[[1, 2], [3, nan]]`, `2.5`, `true` into a value:
    /// float64 if any element has a `.`, `e`, `nan` or `inf`, bool if all are bools.
    pub fn lit(s: &str) -> Value {
        fn parse(
            t: &[String],
            i: &mut usize,
            shape: &mut Vec<usize>,
            depth: usize,
            out: &mut Vec<String>,
        ) {
            if t[*i] == "[" {
                *i += 1;
                let mut n = 0;
                while t[*i] != "]" {
                    parse(t, i, shape, depth + 1, out);
                    n += 1;
                    if t[*i] == "," {
                        *i += 1;
                    }
                }
                *i += 1;
                if shape.len() <= depth {
                    shape.resize(depth + 1, usize::MAX);
                }
                if shape[depth] == usize::MAX {
                    shape[depth] = n;
                }
            } else {
                out.push(t[*i].clone());
                *i += 1;
            }
        }
        let spaced = s
            .replace('[', " [ ")
            .replace(']', " ] ")
            .replace(',', " , ");
        let toks: Vec<String> = spaced.split_whitespace().map(String::from).collect();
        let (mut shape, mut items, mut i) = (Vec::new(), Vec::new(), 0);
        parse(&toks, &mut i, &mut shape, 0, &mut items);
        if shape.is_empty() && items.len() == 1 {
            shape.clear();
        }
        let is_float = items
            .iter()
            .any(|x| x != "true" && x != "false" && x.contains(['.', 'e', 'n']));
        let f = |x: &String| -> f64 {
            match x.as_str() {
                "nan" => f64::NAN,
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                "true" => 1.0,
                "false" => 0.0,
                _ => x.parse().expect("number"),
            }
        };
        if items.iter().all(|x| x == "true" || x == "false") {
            let d: Vec<bool> = items.iter().map(|x| x == "true").collect();
            Value::from(ArrayD::from_shape_vec(IxDyn(&shape), d).expect("shape"))
        } else if is_float {
            let d: Vec<f64> = items.iter().map(f).collect();
            Value::from(ArrayD::from_shape_vec(IxDyn(&shape), d).expect("shape"))
        } else {
            let d: Vec<i64> = items.iter().map(|x| x.parse().expect("int")).collect();
            Value::from(ArrayD::from_shape_vec(IxDyn(&shape), d).expect("shape"))
        }
    }

    /// Calls a primitive by name with defaults filled in, as the runtime would.
    pub fn call(name: &str, args: Vec<Value>) -> Result<Value> {
        let found = registry::lookup(name).expect("primitive exists");
        call_primitive(&TestContext::default(), found.prim, Args::from_vec(args))
    }

    /// Calls with array-literal arguments.
    pub fn call_lit(name: &str, args: &[&str]) -> Result<Value> {
        call(name, args.iter().map(|s| lit(s)).collect())
    }

    fn close(a: &serde_json::Value, b: &serde_json::Value) -> bool {
        use serde_json::Value as J;
        match (a, b) {
            (J::Number(x), J::Number(y)) => {
                let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
                (x - y).abs() <= 1e-12 * y.abs().max(1e-300) || x == y
            }
            (J::Array(x), J::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(u, v)| close(u, v))
            }
            (J::Object(x), J::Object(y)) => {
                x.len() == y.len() && x.iter().all(|(k, u)| y.get(k).is_some_and(|v| close(u, v)))
            }
            _ => a == b,
        }
    }

    /// Checks a value against the JSON contract of spec 5.3 (floats to 1e-12 relative).
    pub fn assert_json(v: &Value, expected: &str) {
        let got = format::json(v);
        let g: serde_json::Value = serde_json::from_str(&got).expect("our json parses");
        let e: serde_json::Value = serde_json::from_str(expected).expect("expected json parses");
        assert!(close(&g, &e), "got {got}\nexpected {expected}");
    }

    /// `call_lit` and `assert_json` in one.
    pub fn check(name: &str, args: &[&str], expected: &str) {
        match call_lit(name, args) {
            Ok(v) => assert_json(&v, expected),
            Err(e) => panic!("{name}{args:?} failed: {}", e.message()),
        }
    }

    /// Asserts that the call fails with `code` and returns the error.
    pub fn check_err(name: &str, args: Vec<Value>, code: &str) -> crate::diagnostics::Error {
        match call(name, args) {
            Ok(v) => panic!("{name} should fail with {code}, got {v:?}"),
            Err(e) => {
                assert_eq!(e.code(), code, "{}", e.message());
                e
            }
        }
    }
}

#[cfg(test)]
#[rustfmt::skip]
mod tests {
    use super::testing::*;
    use crate::value::Value;

    const I3: &str = r#"{"dtype": "int64", "shape": [], "data": [3]}"#;

    #[test]
    fn conformance_arithmetic() {
        check("__add", &["1", "2"], I3);
        check("__add", &["1.5", "2.25"], r#"{"dtype": "float64", "shape": [], "data": [3.75]}"#);
        check("__add", &["1", "2.5"], r#"{"dtype": "float64", "shape": [], "data": [3.5]}"#);
        check("__sub", &["3", "10"], r#"{"dtype": "int64", "shape": [], "data": [-7]}"#);
        check("__mul", &["3", "0.5"], r#"{"dtype": "float64", "shape": [], "data": [1.5]}"#);
        check("__div", &["7", "2"], r#"{"dtype": "float64", "shape": [], "data": [3.5]}"#);
        check("__div", &["8", "2"], r#"{"dtype": "float64", "shape": [], "data": [4.0]}"#);
        check("__div", &["1", "0"], r#"{"dtype": "float64", "shape": [], "data": ["inf"]}"#);
        check("__div", &["-1.0", "0.0"], r#"{"dtype": "float64", "shape": [], "data": ["-inf"]}"#);
        check("__div", &["0.0", "0.0"], r#"{"dtype": "float64", "shape": [], "data": ["nan"]}"#);
        check("__div", &["100", "10", "5"], r#"{"dtype": "float64", "shape": [], "data": [2.0]}"#);
        check("__mod", &["17", "5"], r#"{"dtype": "int64", "shape": [], "data": [2]}"#);
        check("__mod", &["-7", "3"], r#"{"dtype": "int64", "shape": [], "data": [2]}"#);
        check("__mod", &["7", "-3"], r#"{"dtype": "int64", "shape": [], "data": [-2]}"#);
        check("__mod", &["7.5", "2.0"], r#"{"dtype": "float64", "shape": [], "data": [1.5]}"#);
        check("__mod", &["-7.5", "2.0"], r#"{"dtype": "float64", "shape": [], "data": [0.5]}"#);
        check("__mod", &["7.5", "-2.0"], r#"{"dtype": "float64", "shape": [], "data": [-0.5]}"#);
        check("__sub", &["10", "3", "2"], r#"{"dtype": "int64", "shape": [], "data": [5]}"#);
        check("__add", &["true", "true"], r#"{"dtype": "bool", "shape": [], "data": [true]}"#);
        check("__mul", &["true", "false"], r#"{"dtype": "bool", "shape": [], "data": [false]}"#);
        check("__add", &["true", "2"], I3);
        check("__mul", &["true", "2.5"], r#"{"dtype": "float64", "shape": [], "data": [2.5]}"#);
        check("__div", &["true", "true"], r#"{"dtype": "float64", "shape": [], "data": [1.0]}"#);
        check("__mul", &["3000000000", "3"], r#"{"dtype": "int64", "shape": [], "data": [9000000000]}"#);
        check("__add", &["[1, 2, 3]", "[10, 20, 30]"], r#"{"dtype": "int64", "shape": [3], "data": [11, 22, 33]}"#);
        check("__div", &["[1, 2, 3]", "2"], r#"{"dtype": "float64", "shape": [3], "data": [0.5, 1.0, 1.5]}"#);
        check("__sub", &["[1.5, 2.5]", "[0.5, 0.25]"], r#"{"dtype": "float64", "shape": [2], "data": [1.0, 2.25]}"#);
        check("__add", &["[true, false, true]", "1"], r#"{"dtype": "int64", "shape": [3], "data": [2, 1, 2]}"#);
        check("__mul", &["[[1, 2], [3, 4]]", "[[2, 2], [3, 3]]"], r#"{"dtype": "int64", "shape": [2, 2], "data": [2, 4, 9, 12]}"#);
        check("__mod", &["[5, -5, 7, 0]", "3"], r#"{"dtype": "int64", "shape": [4], "data": [2, 1, 1, 0]}"#);
        check("__minus", &["[1, -2, 3]"], r#"{"dtype": "int64", "shape": [3], "data": [-1, 2, -3]}"#);
        check("__minus", &["[[1.5, 0.0], [-2.0, 3.0]]"], r#"{"dtype": "float64", "shape": [2, 2], "data": [-1.5, -0.0, 2.0, -3.0]}"#);
        check("__add", &["[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]", "1"], r#"{"dtype": "int64", "shape": [2, 2, 2], "data": [2, 3, 4, 5, 6, 7, 8, 9]}"#);
        check("__add", &["1", "2", "3", "4"], r#"{"dtype": "int64", "shape": [], "data": [10]}"#);
        check("__mul", &["2", "3", "4.0"], r#"{"dtype": "float64", "shape": [], "data": [24.0]}"#);
        check("floor_divide", &["7", "2"], I3);
        check("floor_divide", &["-7", "2"], r#"{"dtype": "int64", "shape": [], "data": [-4]}"#);
        check("floor_divide", &["7.5", "2"], r#"{"dtype": "float64", "shape": [], "data": [3.0]}"#);
        check("floor_divide", &["[7, -7, 8]", "[2, 2, -3]"], r#"{"dtype": "int64", "shape": [3], "data": [3, -4, -3]}"#);
    }

    #[test]
    fn conformance_broadcasting() {
        check("__sub", &["10", "[[1, 2], [3, 4]]"], r#"{"dtype": "int64", "shape": [2, 2], "data": [9, 8, 7, 6]}"#);
        check("__add", &["[[1, 2, 3], [4, 5, 6]]", "[10, 20, 30]"], r#"{"dtype": "int64", "shape": [2, 3], "data": [11, 22, 33, 14, 25, 36]}"#);
        check("__mul", &["[1.0, 0.5]", "[[2.0, 4.0], [6.0, 8.0]]"], r#"{"dtype": "float64", "shape": [2, 2], "data": [2.0, 2.0, 6.0, 4.0]}"#);
        check("__add", &["[[1], [2], [3]]", "[10, 20]"], r#"{"dtype": "int64", "shape": [3, 2], "data": [11, 21, 12, 22, 13, 23]}"#);
        check("__mul", &["[[1], [2]]", "[[3, 4, 5]]"], r#"{"dtype": "int64", "shape": [2, 3], "data": [3, 4, 5, 6, 8, 10]}"#);
        check("__sub", &["[[1, 2], [3, 4]]", "[[1], [2]]"], r#"{"dtype": "int64", "shape": [2, 2], "data": [0, 1, 1, 2]}"#);
        check("__add", &["[[5]]", "[[1, 2], [3, 4]]"], r#"{"dtype": "int64", "shape": [2, 2], "data": [6, 7, 8, 9]}"#);
        check("__add", &["[5]", "[1, 2, 3]"], r#"{"dtype": "int64", "shape": [3], "data": [6, 7, 8]}"#);
        check("__add", &["[[[0, 1, 2], [3, 4, 5]], [[6, 7, 8], [9, 10, 11]]]", "[[1, 1, 1], [2, 2, 2]]"], r#"{"dtype": "int64", "shape": [2, 2, 3], "data": [1, 2, 3, 5, 6, 7, 7, 8, 9, 11, 12, 13]}"#);
        check("__add", &["[[[0, 1], [2, 3]], [[4, 5], [6, 7]]]", "[[[100]], [[200]]]"], r#"{"dtype": "int64", "shape": [2, 2, 2], "data": [100, 101, 102, 103, 204, 205, 206, 207]}"#);
        check("__add", &["[1, 2, 3]", "[[0.5], [1.5]]"], r#"{"dtype": "float64", "shape": [2, 3], "data": [1.5, 2.5, 3.5, 2.5, 3.5, 4.5]}"#);
        check("__add", &["[true, false]", "[[1], [2]]"], r#"{"dtype": "int64", "shape": [2, 2], "data": [2, 1, 3, 2]}"#);
        check("__div", &["[[2, 4], [6, 8]]", "[2, 4]"], r#"{"dtype": "float64", "shape": [2, 2], "data": [1.0, 1.0, 3.0, 2.0]}"#);
        check("__mod", &["[[7, 8], [9, 10]]", "[[3], [4]]"], r#"{"dtype": "int64", "shape": [2, 2], "data": [1, 2, 1, 2]}"#);
        check("maximum", &["[[1, 5], [7, 2]]", "[3, 3]"], r#"{"dtype": "int64", "shape": [2, 2], "data": [3, 5, 7, 3]}"#);
        check("__add", &["[1, 2, 3]", "[[10], [20]]", "0.5"], r#"{"dtype": "float64", "shape": [2, 3], "data": [11.5, 12.5, 13.5, 21.5, 22.5, 23.5]}"#);
        check("power", &["[[1.0], [2.0]]", "[1.0, 2.0, 3.0]"], r#"{"dtype": "float64", "shape": [2, 3], "data": [1.0, 1.0, 1.0, 2.0, 4.0, 8.0]}"#);
        // 4-D with every axis broadcast
        let v = call_lit("__add", &["[[[[1]], [[2]]]]", "[[[[10, 20, 30]]]]"]).unwrap();
        assert_json(&v, r#"{"dtype": "int64", "shape": [1, 2, 1, 3], "data": [11, 21, 31, 12, 22, 32]}"#);
        // empty arrays broadcast against length-1 axes
        let empty = call("__add", vec![Value::from(ndarray::ArrayD::<f64>::zeros(ndarray::IxDyn(&[0]))), lit("[1]")]) .unwrap();
        assert_json(&empty, r#"{"dtype": "float64", "shape": [0], "data": []}"#);
    }

    #[test]
    fn conformance_elementwise_math() {
        check("exp", &["[0, 1, 2]"], r#"{"dtype": "float64", "shape": [3], "data": [1.0, 2.718281828459045, 7.38905609893065]}"#);
        check("log", &["[1, 4]"], r#"{"dtype": "float64", "shape": [2], "data": [0.0, 1.3862943611198906]}"#);
        check("log", &["0.0"], r#"{"dtype": "float64", "shape": [], "data": ["-inf"]}"#);
        check("log", &["-1.0"], r#"{"dtype": "float64", "shape": [], "data": ["nan"]}"#);
        check("sqrt", &["[0, 1, 4, 9]"], r#"{"dtype": "float64", "shape": [4], "data": [0.0, 1.0, 2.0, 3.0]}"#);
        check("tan", &["[0.0, 0.5]"], r#"{"dtype": "float64", "shape": [2], "data": [0.0, 0.5463024898437905]}"#);
        check("tanh", &["[-1.0, 0.0, 1.0]"], r#"{"dtype": "float64", "shape": [3], "data": [-0.7615941559557649, 0.0, 0.7615941559557649]}"#);
        check("arcsin", &["[0.0, 0.5, 1.0]"], r#"{"dtype": "float64", "shape": [3], "data": [0.0, 0.5235987755982989, 1.5707963267948966]}"#);
        check("arccos", &["[1.0, 0.0, -1.0]"], r#"{"dtype": "float64", "shape": [3], "data": [0.0, 1.5707963267948966, 3.141592653589793]}"#);
        check("arcsinh", &["1.0"], r#"{"dtype": "float64", "shape": [], "data": [0.881373587019543]}"#);
        check("arccosh", &["2.0"], r#"{"dtype": "float64", "shape": [], "data": [1.3169578969248168]}"#);
        check("arctanh", &["0.5"], r#"{"dtype": "float64", "shape": [], "data": [0.5493061443340549]}"#);
        check("arcsin", &["2.0"], r#"{"dtype": "float64", "shape": [], "data": ["nan"]}"#);
        check("absolute", &["[-3, 0, 4]"], r#"{"dtype": "int64", "shape": [3], "data": [3, 0, 4]}"#);
        check("square", &["[1, -2, 3]"], r#"{"dtype": "int64", "shape": [3], "data": [1, 4, 9]}"#);
        check("sign", &["[-5, 0, 7]"], r#"{"dtype": "int64", "shape": [3], "data": [-1, 0, 1]}"#);
        check("sign", &["[-2.5, 0.0, 3.0]"], r#"{"dtype": "float64", "shape": [3], "data": [-1.0, 0.0, 1.0]}"#);
        check("floor", &["[1.7, -1.2, 3.0]"], r#"{"dtype": "float64", "shape": [3], "data": [1.0, -2.0, 3.0]}"#);
        check("ceil", &["[1.2, -1.7, 3.0]"], r#"{"dtype": "float64", "shape": [3], "data": [2.0, -1.0, 3.0]}"#);
        check("rint", &["[0.5, 1.5, 2.5, -0.5, 2.6]"], r#"{"dtype": "float64", "shape": [5], "data": [0.0, 2.0, 2.0, -0.0, 3.0]}"#);
        check("rint", &["[1, 2]"], r#"{"dtype": "float64", "shape": [2], "data": [1.0, 2.0]}"#);
        check("exp2", &["[0.0, 3.0, -1.0]"], r#"{"dtype": "float64", "shape": [3], "data": [1.0, 8.0, 0.5]}"#);
        check("log10", &["[1.0, 100.0, 0.001]"], r#"{"dtype": "float64", "shape": [3], "data": [0.0, 2.0, -3.0]}"#);
        check("cbrt", &["[8.0, -27.0, 2.0]"], r#"{"dtype": "float64", "shape": [3], "data": [2.0, -3.0, 1.2599210498948732]}"#);
        check("erf", &["[0.0, 0.5, -1.0]"], r#"{"dtype": "float64", "shape": [3], "data": [0.0, 0.5204998778130465, -0.8427007929497149]}"#);
        check("invsqrt", &["[4.0, 16.0]"], r#"{"dtype": "float64", "shape": [2], "data": [0.5, 0.25]}"#);
        check("power", &["2", "10"], r#"{"dtype": "int64", "shape": [], "data": [1024]}"#);
        check("power", &["[1, 2, 3]", "2"], r#"{"dtype": "int64", "shape": [3], "data": [1, 4, 9]}"#);
        check("power", &["[1.0, 4.0, 9.0]", "0.5"], r#"{"dtype": "float64", "shape": [3], "data": [1.0, 2.0, 3.0]}"#);
        check("power", &["2", "-1.0"], r#"{"dtype": "float64", "shape": [], "data": [0.5]}"#);
        check("power", &["true", "false"], r#"{"dtype": "int64", "shape": [], "data": [1]}"#);
        check("maximum", &["[1, 5, 3]", "[4, 2, 3]"], r#"{"dtype": "int64", "shape": [3], "data": [4, 5, 3]}"#);
        check("minimum", &["[1.5, 5.0]", "2"], r#"{"dtype": "float64", "shape": [2], "data": [1.5, 2.0]}"#);
        check("maximum", &["[1.0, nan]", "[0.0, 2.0]"], r#"{"dtype": "float64", "shape": [2], "data": [1.0, "nan"]}"#);
        check("minimum", &["[nan, 1.0]", "[0.0, nan]"], r#"{"dtype": "float64", "shape": [2], "data": ["nan", "nan"]}"#);
        check("maximum", &["true", "false"], r#"{"dtype": "bool", "shape": [], "data": [true]}"#);
        check("clip", &["[-5, 0, 5, 10]", "0", "6"], r#"{"dtype": "int64", "shape": [4], "data": [0, 0, 5, 6]}"#);
        check("clip", &["[0.1, 0.5, 0.9]", "0.2", "0.8"], r#"{"dtype": "float64", "shape": [3], "data": [0.2, 0.5, 0.8]}"#);
        check("clip", &["[[1.0, -1.0], [3.0, 0.5]]", "0.0", "1.0"], r#"{"dtype": "float64", "shape": [2, 2], "data": [1.0, 0.0, 1.0, 0.5]}"#);
        check("isnan", &["[1.0, nan, inf]"], r#"{"dtype": "bool", "shape": [3], "data": [false, true, false]}"#);
        check("isinf", &["[1.0, -inf, nan]"], r#"{"dtype": "bool", "shape": [3], "data": [false, true, false]}"#);
        check("isfinite", &["[1.0, inf, nan]"], r#"{"dtype": "bool", "shape": [3], "data": [true, false, false]}"#);
        check("isfinite", &["[1, 2]"], r#"{"dtype": "bool", "shape": [2], "data": [true, true]}"#);
        check("isneginf", &["[inf, -inf]"], r#"{"dtype": "bool", "shape": [2], "data": [false, true]}"#);
        check("isposinf", &["[inf, -inf]"], r#"{"dtype": "bool", "shape": [2], "data": [true, false]}"#);
        for f in ["floor", "ceil", "trunc"] {
            check(f, &["[1, -2]"], r#"{"dtype": "int64", "shape": [2], "data": [1, -2]}"#);
        }
    }

    #[test]
    fn unary_dtypes() {
        check("absolute", &["[true, false]"], r#"{"dtype": "bool", "shape": [2], "data": [true, false]}"#);
        check("square", &["[true, false]"], r#"{"dtype": "int64", "shape": [2], "data": [1, 0]}"#);
        check("conj", &["true"], r#"{"dtype": "int64", "shape": [], "data": [1]}"#);
        check("imag", &["[1, 2]"], r#"{"dtype": "int64", "shape": [2], "data": [0, 0]}"#);
        check("imag", &["[true]"], r#"{"dtype": "bool", "shape": [1], "data": [false]}"#);
        check("sqrt", &["true"], r#"{"dtype": "float64", "shape": [], "data": [1.0]}"#);
        check("absolute", &["-9223372036854775808"], r#"{"dtype": "int64", "shape": [], "data": [-9223372036854775808]}"#);
        check("__minus", &["-9223372036854775808"], r#"{"dtype": "int64", "shape": [], "data": [-9223372036854775808]}"#);
        // dtype= converts the input, then the result
        let v = call("sqrt", vec![lit("[4, 9]"), Value::from("int")]).unwrap();
        assert_json(&v, r#"{"dtype": "int64", "shape": [2], "data": [2, 3]}"#);
        let v = call("absolute", vec![lit("[-1, 2]"), Value::from("float64")]).unwrap();
        assert_json(&v, r#"{"dtype": "float64", "shape": [2], "data": [1.0, 2.0]}"#);
        check_err("sqrt", vec![lit("1"), Value::from("complex")], "physl::value");
        check_err("sqrt", vec![lit("1"), Value::Int(3)], "physl::type");
        check_err("sign", vec![lit("[true]")], "physl::type");
        check_err("__minus", vec![lit("[true, false]")], "physl::type");
        check_err("exp", vec![Value::from("abc")], "physl::type");
        check_err("exp", vec![Value::Nil], "physl::type");
    }

    #[test]
    fn numpy_float_modulo_and_floor_division() {
        let m = |a: &str, b: &str| call_lit("__mod", &[a, b]).unwrap();
        let fd = |a: &str, b: &str| call_lit("floor_divide", &[a, b]).unwrap();
        assert_json(&m("5.0", "0.0"), r#"{"dtype": "float64", "shape": [], "data": ["nan"]}"#);
        assert_json(&m("-7.5", "inf"), r#"{"dtype": "float64", "shape": [], "data": ["inf"]}"#);
        assert_json(&m("inf", "2.0"), r#"{"dtype": "float64", "shape": [], "data": ["nan"]}"#);
        assert_json(&m("-4.0", "2.0"), r#"{"dtype": "float64", "shape": [], "data": [0.0]}"#);
        assert_json(&fd("5.0", "0.0"), r#"{"dtype": "float64", "shape": [], "data": ["inf"]}"#);
        assert_json(&fd("-5.0", "0.0"), r#"{"dtype": "float64", "shape": [], "data": ["-inf"]}"#);
        assert_json(&fd("0.0", "0.0"), r#"{"dtype": "float64", "shape": [], "data": ["nan"]}"#);
        assert_json(&fd("-7.5", "inf"), r#"{"dtype": "float64", "shape": [], "data": [-1.0]}"#);
        assert_json(&fd("[7, -7]", "[2.0, 2.0]"), r#"{"dtype": "float64", "shape": [2], "data": [3.0, -4.0]}"#);
        assert_json(&m("true", "true"), r#"{"dtype": "int64", "shape": [], "data": [0]}"#);
        assert_json(&fd("true", "true"), r#"{"dtype": "int64", "shape": [], "data": [1]}"#);
        // i64::MIN // -1 wraps; % gives 0
        assert_json(&fd("-9223372036854775808", "-1"), r#"{"dtype": "int64", "shape": [], "data": [-9223372036854775808]}"#);
        assert_json(&m("-9223372036854775808", "-1"), r#"{"dtype": "int64", "shape": [], "data": [0]}"#);
        // -0.0 % 2.0 is +0.0 and -0.0 % -2.0 is -0.0 (sign of the divisor)
        assert_json(&m("[-0.0, 0.0]", "-2.0"), r#"{"dtype": "float64", "shape": [2], "data": [-0.0, -0.0]}"#);
    }

    #[test]
    fn integer_overflow_wraps() {
        check("__add", &["9223372036854775807", "1"], r#"{"dtype": "int64", "shape": [], "data": [-9223372036854775808]}"#);
        check("__mul", &["[9223372036854775807]", "2"], r#"{"dtype": "int64", "shape": [1], "data": [-2]}"#);
        check("power", &["2", "64"], r#"{"dtype": "int64", "shape": [], "data": [0]}"#);
        check("power", &["[-1, 0]", "[9223372036854775807, 0]"], r#"{"dtype": "int64", "shape": [2], "data": [-1, 1]}"#);
    }

    #[test]
    fn errors_are_labelled() {
        use crate::diagnostics::Place;
        let e = check_err("__mod", vec![lit("7"), lit("0")], "physl::zero_division");
        assert!(e.labels().iter().any(|l| l.place == Place::Arg(1)));
        let e = check_err("__mod", vec![lit("[4, 5]"), lit("[2, 0]")], "physl::zero_division");
        assert!(e.message().starts_with("__mod"));
        check_err("floor_divide", vec![lit("7"), lit("0")], "physl::zero_division");
        check_err("floor_divide", vec![lit("[true]"), lit("false")], "physl::zero_division");
        let e = check_err("power", vec![lit("2"), lit("-1")], "physl::value");
        assert!(e.labels().iter().any(|l| l.place == Place::Arg(1)));
        check_err("power", vec![lit("[2, 3]"), lit("[1, -1]")], "physl::value");
        let e = check_err("__add", vec![Value::from("a"), lit("1")], "physl::type");
        assert!(e.labels().iter().any(|l| l.place == Place::Arg(0)));
        let e = check_err("__add", vec![lit("1"), lit("2"), Value::from("a")], "physl::type");
        assert!(e.labels().iter().any(|l| l.place == Place::Arg(2)));
        check_err("__add", vec![Value::Nil, lit("1")], "physl::type");
        check_err("__sub", vec![lit("true"), lit("false")], "physl::type");
        check_err("__sub", vec![lit("[true]"), lit("[false]")], "physl::type");
        // bool - bool at a later step of the fold
        check_err("__sub", vec![lit("true"), lit("false"), lit("1")], "physl::type");
        check("__sub", &["1", "true", "false"], r#"{"dtype": "int64", "shape": [], "data": [0]}"#);
        let e = check_err("__add", vec![lit("[1, 2, 3]"), lit("[1, 2]")], "physl::shape");
        assert!(e.labels().iter().any(|l| l.place == Place::Arg(0)));
        assert!(e.labels().iter().any(|l| l.place == Place::Arg(1)));
        check_err("__mul", vec![lit("[[1, 2, 3], [4, 5, 6]]"), lit("[[1, 2], [3, 4]]")], "physl::shape");
        // a three-operand mismatch labels the operands that disagree
        let e = check_err("__add", vec![lit("[1, 2]"), lit("1"), lit("[1, 2, 3]")], "physl::shape");
        assert!(e.labels().iter().any(|l| l.place == Place::Arg(2)));
        assert!(e.labels().iter().any(|l| l.place == Place::Arg(0)));
        // integer division by zero inside an empty result is no error (nothing is divided)
        let empty = Value::from(ndarray::ArrayD::<i64>::zeros(ndarray::IxDyn(&[0])));
        assert!(call("__mod", vec![empty, lit("[0]")]).is_ok());
    }

    #[test]
    fn list_addition() {
        let l = |v: Vec<Value>| Value::list(v);
        let r = call("__add", vec![l(vec![Value::Int(1), Value::Int(2)]), l(vec![Value::Int(3)])]) .unwrap();
        assert_eq!(crate::value::format::plain(&r), "list(1, 2, 3)");
        let r = call("__add", vec![l(vec![Value::Int(1)]), lit("[2, 3]"), Value::from("x")]) .unwrap();
        assert_eq!(crate::value::format::plain(&r), "list(1, [2, 3], x)");
        let range = Value::Range(std::sync::Arc::new(crate::value::Range {
            start: 0, stop: 2, step: 1, }));
        let r = call("__add", vec![l(vec![]), range]).unwrap();
        assert_eq!(crate::value::format::plain(&r), "list(0, 1)");
        check_err("__add", vec![Value::from("a"), Value::from("b")], "physl::type");
        check_err("__add", vec![lit("1"), l(vec![])], "physl::type");
    }

    #[test]
    fn cumulative() {
        check("cumsum", &["[1, 2, 3]"], r#"{"dtype": "int64", "shape": [3], "data": [1, 3, 6]}"#);
        check("cumsum", &["[[1, 2], [3, 4]]"], r#"{"dtype": "int64", "shape": [4], "data": [1, 3, 6, 10]}"#);
        check("cumsum", &["[[1, 2], [3, 4]]", "0"], r#"{"dtype": "int64", "shape": [2, 2], "data": [1, 2, 4, 6]}"#);
        check("cumsum", &["[[1, 2], [3, 4]]", "-1"], r#"{"dtype": "int64", "shape": [2, 2], "data": [1, 3, 3, 7]}"#);
        check("cumsum", &["[true, true, false]"], r#"{"dtype": "int64", "shape": [3], "data": [1, 2, 2]}"#);
        check("cumsum", &["5"], r#"{"dtype": "int64", "shape": [1], "data": [5]}"#);
        check("cumprod", &["[1.5, 2.0, 2.0]"], r#"{"dtype": "float64", "shape": [3], "data": [1.5, 3.0, 6.0]}"#);
        check("cumprod", &["[[1, 2], [3, 4]]", "1"], r#"{"dtype": "int64", "shape": [2, 2], "data": [1, 2, 3, 12]}"#);
        let v = call("cumsum", vec![lit("[1, 2]"), Value::Nil, Value::from("float")]) .unwrap();
        assert_json(&v, r#"{"dtype": "float64", "shape": [2], "data": [1.0, 3.0]}"#);
        check_err("cumsum", vec![lit("[1, 2]"), lit("1")], "physl::index");
        check_err("cumsum", vec![lit("[1, 2]"), lit("-2")], "physl::index");
        check_err("cumsum", vec![lit("5"), lit("0")], "physl::index");
        check_err("cumsum", vec![Value::from("s")], "physl::type");
    }

    #[test]
    fn clip_bounds() {
        check("clip", &["[1, 5, 9]", "[2, 2, 2]", "[3, 4, 8]"], r#"{"dtype": "int64", "shape": [3], "data": [2, 4, 8]}"#);
        let v = call("clip", vec![lit("[1, 5, 9]"), Value::Nil, lit("4.5")]).unwrap();
        assert_json(&v, r#"{"dtype": "float64", "shape": [3], "data": [1.0, 4.5, 4.5]}"#);
        let v = call("clip", vec![lit("[1, 5]"), Value::Nil, Value::Nil]).unwrap();
        assert_json(&v, r#"{"dtype": "int64", "shape": [2], "data": [1, 5]}"#);
        check_err("clip", vec![lit("[1, 5]"), lit("[1, 2, 3]"), Value::Nil], "physl::shape");
        check_err("clip", vec![lit("[1, 5]"), Value::from("a"), Value::Nil], "physl::type");
    }

    #[test]
    fn in_place_reuse_keeps_other_bindings_intact() {
        let a = lit("[1.0, 2.0, 3.0]");
        let kept = a.clone();
        let r = call("__add", vec![a, lit("1.0")]).unwrap();
        assert_json(&r, r#"{"dtype": "float64", "shape": [3], "data": [2.0, 3.0, 4.0]}"#);
        assert_json(&kept, r#"{"dtype": "float64", "shape": [3], "data": [1.0, 2.0, 3.0]}"#);
    }
}
