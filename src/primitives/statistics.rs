//! statistics primitives (spec 4.9): the ten reductions sharing
//! `f(a, axis=nil, keepdims=nil, initial|dummy=nil, dtype=nil)`. Kernels in
//! `kernels/reduce.rs`.

use super::{bad_arg, Args, Context, Effects, Eval, Family, Primitive, Tier};
use crate::diagnostics::{Error, Result};
use crate::kernels::reduce::{self, Op};
use crate::value::{Array, DType, Value};

/// Parses an optional `dtype` argument (nil → `None`).
pub(crate) fn dtype_arg(prim: &str, v: &Value, arg: usize) -> Result<Option<DType>> {
    match v {
        Value::Nil => Ok(None),
        Value::Str(s) => DType::parse(s).map(Some).ok_or_else(|| {
            Error::value(format!("{prim}: unknown dtype \"{s}\""))
                .at_arg(arg, "not a dtype")
                .with_help("dtypes are \"bool\", \"int...\" (int64) or \"float...\" (float64)")
        }),
        other => Err(bad_arg(prim, arg, "a dtype string or nil", other)),
    }
}

/// The numeric argument `arg` as an array, or a type error labelled on it.
pub(crate) fn array_arg(prim: &str, args: &Args, arg: usize) -> Result<Array> {
    let v = args.get(arg).unwrap_or(&Value::Nil);
    v.to_array()
        .ok_or_else(|| bad_arg(prim, arg, "a number or an array", v))
}

fn reduction(prim: &str, op: Op, args: Args) -> Result<Value> {
    let a = array_arg(prim, &args, 0)?;
    let mask = reduce::axis_mask(prim, &args[1], a.ndim(), 1)?;
    let keepdims = args[2]
        .truthy()
        .map_err(|e| e.context(prim).at_arg(2, "keepdims"))?;
    let uses_initial = matches!(op, Op::Sum | Op::Prod | Op::Max | Op::Min);
    let initial = if uses_initial && !args[3].is_nil() {
        if !args[3].is_scalar() {
            return Err(bad_arg(prim, 3, "a number or nil", &args[3]));
        }
        Some(&args[3])
    } else {
        None
    };
    let dtype = dtype_arg(prim, &args[4], 4)?;
    let out = reduce::reduce(prim, &a, op, mask.as_deref(), keepdims, initial, dtype)?;
    Ok(Value::from_array(out))
}

fn sum(_cx: &dyn Context, args: Args) -> Result<Value> {
    // fast path: the common `sum(v)` of a contiguous float vector
    if let (Value::Array(Array::Float(a)), true) = (&args[0], args[1..].iter().all(Value::is_nil)) {
        if let Some(s) = a.as_slice() {
            return Ok(Value::Float(reduce::pairwise_sum(s)));
        }
    }
    reduction("sum", Op::Sum, args)
}
fn prod(_cx: &dyn Context, args: Args) -> Result<Value> {
    reduction("prod", Op::Prod, args)
}
fn amax(_cx: &dyn Context, args: Args) -> Result<Value> {
    reduction("amax", Op::Max, args)
}
fn amin(_cx: &dyn Context, args: Args) -> Result<Value> {
    reduction("amin", Op::Min, args)
}
fn mean(_cx: &dyn Context, args: Args) -> Result<Value> {
    reduction("mean", Op::Mean, args)
}
fn all(_cx: &dyn Context, args: Args) -> Result<Value> {
    reduction("all", Op::All, args)
}
fn any(_cx: &dyn Context, args: Args) -> Result<Value> {
    reduction("any", Op::Any, args)
}
fn var(_cx: &dyn Context, args: Args) -> Result<Value> {
    reduction("var", Op::Var, args)
}
fn std(_cx: &dyn Context, args: Args) -> Result<Value> {
    reduction("std", Op::Std, args)
}
fn logsumexp(_cx: &dyn Context, args: Args) -> Result<Value> {
    reduction("logsumexp", Op::LogSumExp, args)
}

const fn stat(
    name: &'static str,
    tier: Tier,
    signature: &'static str,
    help: &'static str,
    examples: &'static [(&'static str, &'static str)],
    f: super::PrimFn,
) -> Primitive {
    Primitive {
        name,
        family: Family::Statistics,
        tier,
        signature,
        effects: Effects::PURE,
        help,
        examples,
        dtype_aliases: false,
        eval: Eval::Fn(f),
    }
}

pub(crate) static PRIMITIVES: &[Primitive] = &[
    stat(
        "sum",
        Tier::T1,
        "sum(a, axis=nil, keepdims=nil, initial=nil, dtype=nil)",
        "Sum of the elements, over all axes or the given axis (or list of axes); `initial` is added.\n\
         int64 and float64 keep their dtype; bool input sums as int64 (NumPy; Phylanx returns a \
         saturated bool). Float sums are pairwise like NumPy's.",
        &[
            ("sum([1, 2, 3])", "6"),
            ("sum([[1, 2], [3, 4]], 0)", "[4, 6]"),
            ("sum([1, 2], 1)", "!physl::index"),
        ],
        sum,
    ),
    stat(
        "prod",
        Tier::T2,
        "prod(a, axis=nil, keepdims=nil, initial=nil, dtype=nil)",
        "Product of the elements, over all axes or along axis; `initial` multiplies.\n\
         dtype as for sum (bool gives int64); integer products wrap.",
        &[("prod([1, 2, 3, 4])", "24"), ("prod([[1, 2], [3, 4]], 1)", "[2, 12]")],
        prod,
    ),
    stat(
        "amax",
        Tier::T2,
        "amax(a, axis=nil, keepdims=nil, initial=nil, dtype=nil)",
        "Maximum of the elements, over all axes or along axis; NaN propagates (NumPy).\n\
         `initial` is a lower bound for the result. Error: an empty reduction without initial.",
        &[("amax([3, 9, 2])", "9"), ("amax([[1, 8], [5, 2]], 0)", "[5, 8]")],
        amax,
    ),
    stat(
        "amin",
        Tier::T2,
        "amin(a, axis=nil, keepdims=nil, initial=nil, dtype=nil)",
        "Minimum of the elements, over all axes or along axis; NaN propagates (NumPy).\n\
         `initial` is an upper bound for the result. Error: an empty reduction without initial.",
        &[("amin([3, 9, 2])", "2"), ("amin([[1, 8], [5, 2]], 1)", "[1, 2]")],
        amin,
    ),
    stat(
        "mean",
        Tier::T2,
        "mean(a, axis=nil, keepdims=nil, dummy=nil, dtype=nil)",
        "Arithmetic mean, always float64 unless dtype is given.\n\
         The mean of an empty array is nan (NumPy; Phylanx raises).",
        &[("mean([1, 2, 3, 4])", "2.5"), ("mean([[1, 2], [3, 6]], 0)", "[2, 4]")],
        mean,
    ),
    stat(
        "all",
        Tier::T2,
        "all(a, axis=nil, keepdims=nil, dummy=nil, dtype=nil)",
        "True when every element is nonzero (NaN counts as nonzero), over all axes or along axis.",
        &[("all([1, 2, 3])", "true"), ("all([[true, true], [false, true]], 0)", "[false, true]")],
        all,
    ),
    stat(
        "any",
        Tier::T2,
        "any(a, axis=nil, keepdims=nil, dummy=nil, dtype=nil)",
        "True when some element is nonzero, over all axes or along axis.",
        &[("any([0.0, 0.0])", "false"), ("any([[false, true], [false, false]], 1)", "[true, false]")],
        any,
    ),
    stat(
        "var",
        Tier::T3,
        "var(a, axis=nil, keepdims=nil, dummy=nil, dtype=nil)",
        "Population variance (divides by N), float64.\n\
         An empty input gives nan (NumPy; Phylanx raises).",
        &[("var([1.0, 2.0, 3.0, 4.0])", "1.25"), ("var([[1, 2, 3], [4, 5, 6]], 1)", "[0.666667, 0.666667]")],
        var,
    ),
    stat(
        "std",
        Tier::T3,
        "std(a, axis=nil, keepdims=nil, dummy=nil, dtype=nil)",
        "Population standard deviation (square root of var), float64.\n\
         An empty input gives nan (NumPy; Phylanx raises).",
        &[("std([2, 4, 4, 4, 5, 5, 7, 9])", "2"), ("std([[1.0, 2.0], [3.0, 6.0]], 0)", "[1, 2]")],
        std,
    ),
    stat(
        "logsumexp",
        Tier::T3,
        "logsumexp(a, axis=nil, keepdims=nil, dummy=nil, dtype=nil)",
        "log(sum(exp(a))) over all axes or along axis, float64, computed shifted by the maximum \
         so large inputs do not overflow (as scipy).",
        &[("logsumexp([0.0, 0.0])", "0.693147"), ("logsumexp([1000.0, 1000.0])", "1000.69")],
        logsumexp,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::TestContext;
    use crate::value::format::json;
    use ndarray::{ArrayD, IxDyn};
    use smallvec::smallvec;

    fn ints(shape: &[usize], v: Vec<i64>) -> Value {
        Value::from(ArrayD::from_shape_vec(IxDyn(shape), v).unwrap())
    }
    fn floats(shape: &[usize], v: Vec<f64>) -> Value {
        Value::from(ArrayD::from_shape_vec(IxDyn(shape), v).unwrap())
    }
    fn bools(shape: &[usize], v: Vec<bool>) -> Value {
        Value::from(ArrayD::from_shape_vec(IxDyn(shape), v).unwrap())
    }
    fn call(p: &str, a: Value, rest: &[Value]) -> Result<Value> {
        let prim = PRIMITIVES.iter().find(|x| x.name == p).unwrap();
        let mut args: Args = smallvec![a];
        args.extend(rest.iter().cloned());
        crate::primitives::call_primitive(&TestContext::default(), prim, args)
    }
    fn j(p: &str, a: Value, rest: &[Value]) -> String {
        json(&call(p, a, rest).unwrap())
    }
    fn m23() -> Value {
        ints(&[2, 3], vec![1, 2, 3, 4, 5, 6])
    }
    const NIL: Value = Value::Nil;

    #[test]
    fn sums() {
        assert_eq!(
            j("sum", ints(&[4], vec![1, 2, 3, 4]), &[]),
            r#"{"dtype": "int64", "shape": [], "data": [10]}"#
        );
        assert_eq!(
            j("sum", floats(&[3], vec![0.5, 1.5, 2.25]), &[]),
            r#"{"dtype": "float64", "shape": [], "data": [4.25]}"#
        );
        assert_eq!(
            j("sum", m23(), &[Value::Int(0)]),
            r#"{"dtype": "int64", "shape": [3], "data": [5, 7, 9]}"#
        );
        assert_eq!(
            j("sum", m23(), &[Value::Int(-1)]),
            r#"{"dtype": "int64", "shape": [2], "data": [6, 15]}"#
        );
        assert_eq!(
            j("sum", m23(), &[Value::Int(1), Value::Bool(true)]),
            r#"{"dtype": "int64", "shape": [2, 1], "data": [6, 15]}"#
        );
        assert_eq!(
            j("sum", m23(), &[Value::Int(0), Value::Bool(true)]),
            r#"{"dtype": "int64", "shape": [1, 3], "data": [5, 7, 9]}"#
        );
        assert_eq!(
            j("sum", m23(), &[NIL, Value::Bool(true)]),
            r#"{"dtype": "int64", "shape": [1, 1], "data": [21]}"#
        );
        assert_eq!(
            j("sum", bools(&[4], vec![true, false, true, true]), &[]),
            r#"{"dtype": "int64", "shape": [], "data": [3]}"#
        );
        let t = ints(&[2, 3, 4], (0..24).collect());
        assert_eq!(
            j("sum", t.clone(), &[Value::Int(1)]),
            r#"{"dtype": "int64", "shape": [2, 4], "data": [12, 15, 18, 21, 48, 51, 54, 57]}"#
        );
        assert_eq!(
            j("sum", t.clone(), &[]),
            r#"{"dtype": "int64", "shape": [], "data": [276]}"#
        );
        assert_eq!(
            j("sum", t, &[Value::list(vec![Value::Int(0), Value::Int(2)])]),
            r#"{"dtype": "int64", "shape": [3], "data": [60, 92, 124]}"#
        );
        assert_eq!(
            j("sum", Value::Int(5), &[]),
            r#"{"dtype": "int64", "shape": [], "data": [5]}"#
        );
        assert_eq!(
            j("sum", ints(&[0], vec![]), &[]),
            r#"{"dtype": "int64", "shape": [], "data": [0]}"#
        );
        assert_eq!(
            j("sum", floats(&[2], vec![1.0, f64::INFINITY]), &[]),
            r#"{"dtype": "float64", "shape": [], "data": ["inf"]}"#
        );
        assert_eq!(
            j(
                "sum",
                ints(&[3], vec![1, 2, 3]),
                &[NIL, NIL, Value::Int(10)]
            ),
            r#"{"dtype": "int64", "shape": [], "data": [16]}"#
        );
        assert_eq!(
            j("sum", ints(&[2], vec![i64::MAX, 1]), &[]),
            format!(
                r#"{{"dtype": "int64", "shape": [], "data": [{}]}}"#,
                i64::MIN
            )
        );
        assert_eq!(
            j(
                "sum",
                ints(&[2], vec![1, 2]),
                &[NIL, NIL, NIL, Value::str("float")]
            ),
            r#"{"dtype": "float64", "shape": [], "data": [3.0]}"#
        );
    }

    #[test]
    fn sum_errors() {
        assert_eq!(
            call("sum", Value::str("abc"), &[]).unwrap_err().code(),
            "physl::type"
        );
        assert_eq!(
            call("sum", ints(&[3], vec![1, 2, 3]), &[Value::Int(1)])
                .unwrap_err()
                .code(),
            "physl::index"
        );
        assert_eq!(
            call("sum", Value::Int(3), &[Value::Int(0)])
                .unwrap_err()
                .code(),
            "physl::index"
        );
        let e = call("sum", m23(), &[NIL, NIL, NIL, Value::str("complex")]).unwrap_err();
        assert_eq!(e.code(), "physl::value");
        assert!(e.message().starts_with("sum"));
    }

    #[test]
    fn float_sum_accuracy_large() {
        let n = 1_000_001;
        let v: Vec<f64> = (0..n).map(|i| 0.1 + (i % 3) as f64 * 1e-3).collect();
        let exact: f64 = (0..n).map(|i| 0.1 + (i % 3) as f64 * 1e-3).sum::<f64>();
        let got = call("sum", floats(&[n], v.clone()), &[])
            .unwrap()
            .as_f64()
            .unwrap();
        assert!((got - exact).abs() <= 1e-9 * exact.abs());
        // along axis 1 of a matrix gives the same as the vector's pairwise sum
        let m = floats(&[1, n], v);
        let row = call("sum", m, &[Value::Int(1)]).unwrap();
        let Value::Array(Array::Float(r)) = row else {
            panic!()
        };
        assert_eq!(r[[0]].to_bits(), got.to_bits());
    }

    #[test]
    fn prods_and_extremes() {
        assert_eq!(
            j("prod", ints(&[4], vec![1, 2, 3, 4]), &[]),
            r#"{"dtype": "int64", "shape": [], "data": [24]}"#
        );
        assert_eq!(
            j("prod", ints(&[2, 2], vec![1, 2, 3, 4]), &[Value::Int(0)]),
            r#"{"dtype": "int64", "shape": [2], "data": [3, 8]}"#
        );
        assert_eq!(
            j("prod", floats(&[3], vec![0.5, 4.0, 3.0]), &[]),
            r#"{"dtype": "float64", "shape": [], "data": [6.0]}"#
        );
        assert_eq!(
            j("amax", ints(&[3], vec![3, 9, 2]), &[]),
            r#"{"dtype": "int64", "shape": [], "data": [9]}"#
        );
        assert_eq!(
            j("amin", floats(&[3], vec![3.5, -9.0, 2.0]), &[]),
            r#"{"dtype": "float64", "shape": [], "data": [-9.0]}"#
        );
        assert_eq!(
            j("amax", ints(&[2, 2], vec![1, 8, 5, 2]), &[Value::Int(0)]),
            r#"{"dtype": "int64", "shape": [2], "data": [5, 8]}"#
        );
        assert_eq!(
            j("amin", ints(&[2, 2], vec![1, 8, 5, 2]), &[Value::Int(1)]),
            r#"{"dtype": "int64", "shape": [2], "data": [1, 2]}"#
        );
        assert_eq!(
            j(
                "amax",
                ints(&[2, 2, 3], (0..12).collect()),
                &[Value::Int(2)]
            ),
            r#"{"dtype": "int64", "shape": [2, 2], "data": [2, 5, 8, 11]}"#
        );
        assert_eq!(
            j("amax", floats(&[3], vec![1.0, f64::NAN, 3.0]), &[]),
            r#"{"dtype": "float64", "shape": [], "data": ["nan"]}"#
        );
        assert_eq!(
            j(
                "amin",
                floats(&[2, 2], vec![1.0, f64::NAN, 3.0, 0.0]),
                &[Value::Int(0)]
            ),
            r#"{"dtype": "float64", "shape": [2], "data": [1.0, "nan"]}"#
        );
        assert_eq!(
            j("amax", bools(&[2], vec![false, true]), &[]),
            r#"{"dtype": "bool", "shape": [], "data": [true]}"#
        );
        assert_eq!(
            j(
                "amax",
                ints(&[3], vec![1, 2, 3]),
                &[NIL, NIL, Value::Int(10)]
            ),
            r#"{"dtype": "int64", "shape": [], "data": [10]}"#
        );
        assert_eq!(
            j("amax", ints(&[0], vec![]), &[NIL, NIL, Value::Int(-5)]),
            r#"{"dtype": "int64", "shape": [], "data": [-5]}"#
        );
        assert_eq!(
            call("amax", ints(&[0], vec![]), &[]).unwrap_err().code(),
            "physl::value"
        );
        assert_eq!(
            call("amin", ints(&[3, 0], vec![]), &[Value::Int(1)])
                .unwrap_err()
                .code(),
            "physl::value"
        );
        // reducing a non-empty axis of an array with no outputs is fine
        assert_eq!(
            j("amin", ints(&[0, 3], vec![]), &[Value::Int(1)]),
            r#"{"dtype": "int64", "shape": [0], "data": []}"#
        );
    }

    #[test]
    fn means_and_moments() {
        assert_eq!(
            j("mean", ints(&[4], vec![1, 2, 3, 4]), &[]),
            r#"{"dtype": "float64", "shape": [], "data": [2.5]}"#
        );
        assert_eq!(
            j(
                "mean",
                floats(&[2, 2], vec![1.0, 2.0, 3.0, 6.0]),
                &[Value::Int(0)]
            ),
            r#"{"dtype": "float64", "shape": [2], "data": [2.0, 4.0]}"#
        );
        assert_eq!(
            j("mean", m23(), &[Value::Int(1), Value::Bool(true)]),
            r#"{"dtype": "float64", "shape": [2, 1], "data": [2.0, 5.0]}"#
        );
        assert_eq!(
            j("mean", bools(&[4], vec![true, false, true, true]), &[]),
            r#"{"dtype": "float64", "shape": [], "data": [0.75]}"#
        );
        assert_eq!(
            j("var", floats(&[4], vec![1.0, 2.0, 3.0, 4.0]), &[]),
            r#"{"dtype": "float64", "shape": [], "data": [1.25]}"#
        );
        assert_eq!(
            j("var", ints(&[4], vec![1, 2, 3, 4]), &[]),
            r#"{"dtype": "float64", "shape": [], "data": [1.25]}"#
        );
        assert_eq!(
            j("var", m23(), &[Value::Int(1)]),
            r#"{"dtype": "float64", "shape": [2], "data": [0.6666666666666666, 0.6666666666666666]}"#
        );
        assert_eq!(
            j(
                "std",
                floats(&[8], vec![2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]),
                &[]
            ),
            r#"{"dtype": "float64", "shape": [], "data": [2.0]}"#
        );
        assert_eq!(
            j(
                "std",
                floats(&[2, 2], vec![1.0, 2.0, 3.0, 6.0]),
                &[Value::Int(0)]
            ),
            r#"{"dtype": "float64", "shape": [2], "data": [1.0, 2.0]}"#
        );
        for p in ["mean", "var", "std"] {
            assert_eq!(
                j(p, floats(&[0], vec![]), &[]),
                r#"{"dtype": "float64", "shape": [], "data": ["nan"]}"#
            );
        }
        assert_eq!(
            j("var", Value::Float(3.0), &[]),
            r#"{"dtype": "float64", "shape": [], "data": [0.0]}"#
        );
    }

    #[test]
    fn logsumexps() {
        let v = call("logsumexp", floats(&[3], vec![1.0, 2.0, 3.0]), &[])
            .unwrap()
            .as_f64()
            .unwrap();
        assert!((v - 3.40760596444438).abs() < 1e-12 * 3.4);
        let r = call(
            "logsumexp",
            floats(&[2, 2], vec![0.0, 1.0, 2.0, 3.0]),
            &[Value::Int(1)],
        )
        .unwrap();
        let Value::Array(Array::Float(r)) = r else {
            panic!()
        };
        assert!((r[[0]] - 1.3132616875182228).abs() < 1e-12);
        assert!((r[[1]] - 3.313261687518223).abs() < 1e-12);
    }

    #[test]
    fn all_any() {
        assert_eq!(
            j("all", ints(&[3], vec![1, 2, 3]), &[]),
            r#"{"dtype": "bool", "shape": [], "data": [true]}"#
        );
        assert_eq!(
            j("all", bools(&[2], vec![true, false]), &[]),
            r#"{"dtype": "bool", "shape": [], "data": [false]}"#
        );
        assert_eq!(
            j("any", floats(&[2], vec![0.0, 0.0]), &[]),
            r#"{"dtype": "bool", "shape": [], "data": [false]}"#
        );
        assert_eq!(
            j(
                "any",
                bools(&[2, 2], vec![false, true, false, false]),
                &[Value::Int(1)]
            ),
            r#"{"dtype": "bool", "shape": [2], "data": [true, false]}"#
        );
        assert_eq!(
            j(
                "all",
                bools(&[2, 2], vec![true, true, false, true]),
                &[Value::Int(0)]
            ),
            r#"{"dtype": "bool", "shape": [2], "data": [false, true]}"#
        );
        assert_eq!(
            j("all", floats(&[0], vec![]), &[]),
            r#"{"dtype": "bool", "shape": [], "data": [true]}"#
        );
        assert_eq!(
            j("any", floats(&[1], vec![f64::NAN]), &[]),
            r#"{"dtype": "bool", "shape": [], "data": [true]}"#
        );
    }

    #[test]
    fn four_d_and_negative_axes() {
        let q = ints(&[2, 2, 2, 2], (0..16).collect());
        assert_eq!(
            j("sum", q.clone(), &[Value::Int(-4)]),
            r#"{"dtype": "int64", "shape": [2, 2, 2], "data": [8, 10, 12, 14, 16, 18, 20, 22]}"#
        );
        assert_eq!(
            j(
                "amax",
                q,
                &[
                    Value::list(vec![Value::Int(1), Value::Int(3)]),
                    Value::Bool(true)
                ]
            ),
            r#"{"dtype": "int64", "shape": [2, 1, 2, 1], "data": [5, 7, 13, 15]}"#
        );
    }

    /// Every number in a value (lists flattened), as bits.
    fn bits(v: &Value, out: &mut Vec<u64>) {
        match v {
            Value::List(_) => {
                for item in v.list_items().map(|l| l.into_vec()).unwrap_or_default() {
                    bits(&item, out);
                }
            }
            other => {
                let a = other.to_array().expect("a number or an array");
                out.extend(a.as_float().iter().map(|x| x.to_bits()));
            }
        }
    }

    /// Reductions, argmin, products and a few LRA steps give the same bits in pools of 1, 2 and
    /// 8 threads, at sizes above every parallel threshold (spec: results do not depend on the
    /// thread count).
    #[test]
    fn bit_identical_on_1_2_and_8_threads() {
        let src = r#"
            define(x, splitmix64(1, 1000003, "symmetric"))
            define(m, reshape(splitmix64(2, 8 * 100001, "symmetric"), list(8, 100001)))
            define(t, reshape(splitmix64(3, 3 * 200000), list(200000, 3)))
            define(a, reshape(splitmix64(4, 300 * 300, "symmetric"), list(300, 300)))
            define(v, splitmix64(5, 300, "symmetric"))
            define(lx, reshape(splitmix64(6, 20000 * 30, "symmetric"), list(20000, 30)))
            define(ly, astype(splitmix64(7, 20000) < 0.5, "float"))
            define(w, constant(0.0, 30))
            define(step, 0)
            while(step < 5, block(
                store(w, w - 1e-3 * dot(transpose(lx), 1.0 / (1.0 + exp(-dot(lx, w))) - ly)),
                store(step, step + 1)))
            list(sum(x), mean(x), var(x), sum(m, 0), sum(m, 1), mean(m, 1), sum(t, 0),
                 mean(t, 0), amax(m, 1), argmin(m, 0), argmax(m, 0), argmin(x), argmax(t, 1),
                 dot(x, x), dot(a, a), dot(a, v), dot(v, a), w)
        "#;
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let v = pool.install(|| crate::testing::eval(src)).unwrap();
            let mut out = Vec::new();
            bits(&v, &mut out);
            out
        };
        let one = run(1);
        assert!(one.len() > 200_000, "{}", one.len());
        assert_eq!(one, run(2), "2 threads");
        assert_eq!(one, run(8), "8 threads");
    }

    /// argmin/argmax over axis 0 walk the rows in place; they agree with the lane version
    /// (through a transpose) on ties and NaNs, small and above the parallel threshold.
    #[test]
    fn leading_axis_arg_extremes_agree_with_lanes() {
        let small = "define(m, [[1.0, nan, 2.0, 0.0, 3.0], [1.0, 0.0, nan, 0.0, 3.0], \
                     [0.5, nan, 1.0, -1.0, 4.0]]) ";
        assert_eq!(
            crate::testing::plain(&format!("{small} list(argmin(m, 0), argmax(m, 0))")),
            "list([2, 0, 1, 2, 0], [0, 0, 1, 0, 2])"
        );
        let big = "define(m, floor(4.0 * reshape(splitmix64(8, 8 * 30001), list(8, 30001)))) \
                   list(all(argmin(m, 0) == argmin(transpose(m), 1)), \
                        all(argmax(m, 0) == argmax(transpose(m), 1)))";
        assert_eq!(crate::testing::plain(big), "list(true, true)");
    }
}
