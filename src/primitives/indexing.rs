//! Indexing primitives of the matrixops family (spec 2.9, 4.8): `slice` and its
//! conveniences. The work is in [`crate::kernels::index`]; `store(slice(v, ...), x)` calls
//! [`crate::kernels::index::assign`] directly from the runtime.

use super::{Args, Context, Effects, Eval, Family, Primitive, Tier};
use crate::diagnostics::{Error, Result};
use crate::kernels::index::{slice, slice_labeled, Labels};
use crate::value::Value;

fn p_slice(_cx: &dyn Context, args: Args) -> Result<Value> {
    if args.len() > 5 {
        return Err(Error::arity(format!(
            "slice takes at most 4 index arguments, but {} were given",
            args.len() - 1
        ))
        .at_arg(5, "one index too many")
        .with_help("arrays have at most 4 axes"));
    }
    slice(&args[0], &args[1..])
}

fn p_slice_row(_cx: &dyn Context, args: Args) -> Result<Value> {
    slice_labeled(&args[0], &args[1..2], Labels(&[1]))
}

fn p_slice_column(_cx: &dyn Context, args: Args) -> Result<Value> {
    match &args[0] {
        Value::Array(a) if a.ndim() >= 2 => {
            slice_labeled(&args[0], &[Value::Nil, args[1].clone()], Labels(&[0, 1]))
        }
        // a vector is a row: its columns are its elements
        v => slice_labeled(v, &args[1..2], Labels(&[1])),
    }
}

fn p_slice_page(_cx: &dyn Context, args: Args) -> Result<Value> {
    match &args[0] {
        Value::Array(a) if a.ndim() >= 3 => slice_labeled(&args[0], &args[1..2], Labels(&[1])),
        v => Err(Error::type_error(format!(
            "slice_page: expects a tensor (3-D or 4-D array), not a {}",
            v.describe()
        ))
        .at_arg(0, format!("this is a {}", v.describe()))
        .with_help("use slice(a, i) to index the first axis of other values")),
    }
}

fn p_tuple_slice(_cx: &dyn Context, args: Args) -> Result<Value> {
    let indices: Vec<Value> = match args[1].list_items() {
        Some(items) => items.into_vec(),
        None => vec![args[1].clone()],
    };
    if indices.len() > 4 {
        return Err(Error::index(format!(
            "tuple_slice: at most 4 indices, but the list has {}",
            indices.len()
        ))
        .at_arg(1, "too many indices"));
    }
    slice_labeled(&args[0], &indices, Labels(&[1, 1, 1, 1]))
}

pub(crate) static PRIMITIVES: &[Primitive] = &[
    Primitive {
        name: "slice",
        family: Family::Matrixops,
        tier: Tier::T1,
        signature: "slice(a, i0, indices...)",
        effects: Effects::PURE,
        help: "Index or slice an array (one index per leading axis, up to 4), a list, or a dict by key.\n\
               Index forms: integer (drops the axis; negative counts from the end), nil or list() \
               (whole axis), list(i), list(start, stop[, step]) with nil defaults and Python \
               clamping, range objects, int64 index arrays (gather) and bool masks. Results are \
               copies. Unlike NumPy, list(i) drops the axis like an integer.",
        examples: &[
            ("slice([10, 20, 30, 40], -1)", "40"),
            ("slice([[1, 2, 3], [4, 5, 6]], nil, 2)", "[3, 6]"),
            ("slice([10, 20, 30, 40], list(nil, nil, -1))", "[40, 30, 20, 10]"),
        ],
        dtype_aliases: false,
        eval: Eval::Fn(p_slice),
    },
    Primitive {
        name: "slice_row",
        family: Family::Matrixops,
        tier: Tier::T1,
        signature: "slice_row(m, rows)",
        effects: Effects::PURE,
        help: "Select rows of a matrix: slice(m, rows); on vectors the same as slice(v, rows).",
        examples: &[("slice_row([[1, 2], [3, 4], [5, 6]], 2)", "[5, 6]")],
        dtype_aliases: false,
        eval: Eval::Fn(p_slice_row),
    },
    Primitive {
        name: "slice_column",
        family: Family::Matrixops,
        tier: Tier::T1,
        signature: "slice_column(m, cols)",
        effects: Effects::PURE,
        help: "Select columns of a matrix: slice(m, nil, cols); an integer gives a vector.\n\
               A vector is treated as one row, so its columns are its elements.",
        examples: &[
            ("slice_column([[1, 2], [3, 4], [5, 6]], 1)", "[2, 4, 6]"),
            ("slice_column([[1, 2, 3], [4, 5, 6]], list(1, 3))", "[[2, 3], [5, 6]]"),
        ],
        dtype_aliases: false,
        eval: Eval::Fn(p_slice_column),
    },
    Primitive {
        name: "slice_page",
        family: Family::Matrixops,
        tier: Tier::T2,
        signature: "slice_page(t, pages)",
        effects: Effects::PURE,
        help: "Select pages (axis 0) of a 3-D tensor: slice(t, pages).",
        examples: &[(
            "slice_page([[[1, 2]], [[3, 4]], [[5, 6]]], list(1, 3))",
            "[[[3, 4]], [[5, 6]]]",
        )],
        dtype_aliases: false,
        eval: Eval::Fn(p_slice_page),
    },
    Primitive {
        name: "tuple_slice",
        family: Family::Matrixops,
        tier: Tier::T2,
        signature: "tuple_slice(a, indices)",
        effects: Effects::PURE,
        help: "slice(a, i0, i1, ...) with the index arguments supplied as one list.",
        examples: &[("tuple_slice([[1, 2, 3], [4, 5, 6]], list(1, list(0, 2)))", "[4, 5]")],
        dtype_aliases: false,
        eval: Eval::Fn(p_tuple_slice),
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::index::assign;
    use crate::primitives::TestContext;
    use crate::value::{format, Array, Range};
    use ndarray::{ArrayD, IxDyn};
    use smallvec::smallvec;
    use std::sync::Arc;

    fn arr(shape: &[usize], data: Vec<i64>) -> Value {
        Value::from_array(Array::from_int(
            ArrayD::from_shape_vec(IxDyn(shape), data).unwrap(),
        ))
    }
    fn farr(shape: &[usize], data: Vec<f64>) -> Value {
        Value::from_array(Array::from_float(
            ArrayD::from_shape_vec(IxDyn(shape), data).unwrap(),
        ))
    }
    fn arange(n: i64) -> Value {
        arr(&[n as usize], (0..n).collect())
    }
    fn reshaped(n: i64, shape: &[usize]) -> Value {
        arr(shape, (0..n).collect())
    }
    fn l(items: Vec<Value>) -> Value {
        Value::list(items)
    }
    fn i(v: i64) -> Value {
        Value::Int(v)
    }
    fn json(v: &Value) -> String {
        format::json(v)
    }
    fn sl(v: &Value, idx: Vec<Value>) -> Value {
        slice(v, &idx).unwrap_or_else(|e| panic!("{e:?}"))
    }
    fn sl_err(v: &Value, idx: Vec<Value>) -> &'static str {
        slice(v, &idx).unwrap_err().code()
    }
    /// Compares the JSON contract form, ignoring whitespace.
    fn check(got: &Value, want: &str) {
        let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert_eq!(strip(&json(got)), strip(want));
    }

    #[test]
    fn vectors() {
        let v = arr(&[4], vec![10, 20, 30, 40]);
        check(
            &sl(&v, vec![i(2)]),
            r#"{"dtype":"int64","shape":[],"data":[30]}"#,
        );
        check(
            &sl(&v, vec![i(-1)]),
            r#"{"dtype":"int64","shape":[],"data":[40]}"#,
        );
        let r = sl(
            &arr(&[5], vec![10, 20, 30, 40, 50]),
            vec![l(vec![i(1), i(4)])],
        );
        check(&r, r#"{"dtype":"int64","shape":[3],"data":[20,30,40]}"#);
        check(
            &sl(&arange(10), vec![l(vec![i(1), i(8), i(3)])]),
            r#"{"dtype":"int64","shape":[3],"data":[1,4,7]}"#,
        );
        check(
            &sl(&arange(6), vec![l(vec![i(5), i(0), i(-2)])]),
            r#"{"dtype":"int64","shape":[3],"data":[5,3,1]}"#,
        );
        check(
            &sl(&arange(8), vec![l(vec![i(-5), i(-2)])]),
            r#"{"dtype":"int64","shape":[3],"data":[3,4,5]}"#,
        );
        check(
            &sl(&arange(6), vec![l(vec![Value::Nil, i(3)])]),
            r#"{"dtype":"int64","shape":[3],"data":[0,1,2]}"#,
        );
        check(
            &sl(&arange(6), vec![l(vec![i(3), Value::Nil])]),
            r#"{"dtype":"int64","shape":[3],"data":[3,4,5]}"#,
        );
        check(
            &sl(&arange(5), vec![l(vec![Value::Nil, Value::Nil, i(-1)])]),
            r#"{"dtype":"int64","shape":[5],"data":[4,3,2,1,0]}"#,
        );
        check(
            &sl(&arange(5), vec![l(vec![i(3), i(3)])]),
            r#"{"dtype":"int64","shape":[0],"data":[]}"#,
        );
        check(
            &sl(&arange(5), vec![l(vec![i(2), i(100)])]),
            r#"{"dtype":"int64","shape":[3],"data":[2,3,4]}"#,
        );
        check(
            &sl(&arange(5), vec![l(vec![i(-100), i(2)])]),
            r#"{"dtype":"int64","shape":[2],"data":[0,1]}"#,
        );
        check(
            &sl(&arange(5), vec![l(vec![i(100), i(-100), i(-2)])]),
            r#"{"dtype":"int64","shape":[3],"data":[4,2,0]}"#,
        );
        check(
            &sl(
                &arange(5),
                vec![l(vec![Value::Nil, Value::Nil, i(i64::MIN)])],
            ),
            r#"{"dtype":"int64","shape":[1],"data":[4]}"#,
        );
        let f = farr(&[4], vec![0.5, 1.5, 2.5, 3.5]);
        check(
            &sl(&f, vec![l(vec![i(1), i(3)])]),
            r#"{"dtype":"float64","shape":[2],"data":[1.5,2.5]}"#,
        );
        let b = Value::from_array(Array::from_bool(
            ArrayD::from_shape_vec(IxDyn(&[3]), vec![true, false, true]).unwrap(),
        ));
        check(
            &sl(&b, vec![i(1)]),
            r#"{"dtype":"bool","shape":[],"data":[false]}"#,
        );
        // whole-axis forms
        for idx in [Value::Nil, l(vec![]), l(vec![Value::Nil])] {
            check(
                &sl(&arange(3), vec![idx]),
                r#"{"dtype":"int64","shape":[3],"data":[0,1,2]}"#,
            );
        }
    }

    #[test]
    fn matrices_and_tensors() {
        let m = arr(&[2, 3], vec![1, 2, 3, 4, 5, 6]);
        check(
            &sl(&m, vec![i(1)]),
            r#"{"dtype":"int64","shape":[3],"data":[4,5,6]}"#,
        );
        check(
            &sl(&m, vec![i(1), i(2)]),
            r#"{"dtype":"int64","shape":[],"data":[6]}"#,
        );
        check(
            &sl(&m, vec![i(-1), i(-3)]),
            r#"{"dtype":"int64","shape":[],"data":[4]}"#,
        );
        check(
            &sl(&m, vec![l(vec![Value::Nil, Value::Nil]), i(1)]),
            r#"{"dtype":"int64","shape":[2],"data":[2,5]}"#,
        );
        check(
            &sl(&m, vec![Value::Nil, i(0)]),
            r#"{"dtype":"int64","shape":[2],"data":[1,4]}"#,
        );
        check(
            &sl(&m, vec![i(0), l(vec![i(1), i(3)])]),
            r#"{"dtype":"int64","shape":[2],"data":[2,3]}"#,
        );
        check(
            &sl(&m, vec![l(vec![i(0), i(2)]), l(vec![i(1), i(3)])]),
            r#"{"dtype":"int64","shape":[2,2],"data":[2,3,5,6]}"#,
        );
        let m16 = reshaped(16, &[4, 4]);
        check(
            &sl(&m16, vec![l(vec![i(1), i(3)]), l(vec![i(1), i(3)])]),
            r#"{"dtype":"int64","shape":[2,2],"data":[5,6,9,10]}"#,
        );
        let m25 = reshaped(25, &[5, 5]);
        check(
            &sl(
                &m25,
                vec![l(vec![i(0), i(5), i(2)]), l(vec![i(4), i(0), i(-2)])],
            ),
            r#"{"dtype":"int64","shape":[3,2],"data":[4,2,14,12,24,22]}"#,
        );
        check(
            &sl(&reshaped(12, &[4, 3]), vec![l(vec![i(1), i(4)]), i(2)]),
            r#"{"dtype":"int64","shape":[3],"data":[5,8,11]}"#,
        );
        let t = reshaped(24, &[2, 3, 4]);
        check(
            &sl(&t, vec![i(1), i(2), i(3)]),
            r#"{"dtype":"int64","shape":[],"data":[23]}"#,
        );
        check(
            &sl(&t, vec![i(0)]),
            r#"{"dtype":"int64","shape":[3,4],"data":[0,1,2,3,4,5,6,7,8,9,10,11]}"#,
        );
        check(
            &sl(
                &t,
                vec![l(vec![Value::Nil, Value::Nil]), i(1), l(vec![i(1), i(3)])],
            ),
            r#"{"dtype":"int64","shape":[2,2],"data":[5,6,17,18]}"#,
        );
        let q = reshaped(16, &[2, 2, 2, 2]);
        check(
            &sl(&q, vec![i(1), i(0), i(1), i(0)]),
            r#"{"dtype":"int64","shape":[],"data":[10]}"#,
        );
        check(
            &sl(&q, vec![i(1), Value::Nil, Value::Nil, i(-1)]),
            r#"{"dtype":"int64","shape":[2,2],"data":[9,11,13,15]}"#,
        );
        // list(i) drops the axis like an integer
        check(
            &sl(&arr(&[2, 2], vec![1, 2, 3, 4]), vec![l(vec![i(1)])]),
            r#"{"dtype":"int64","shape":[2],"data":[3,4]}"#,
        );
    }

    #[test]
    fn fancy_masks_and_ranges() {
        let v = arr(&[4], vec![10, 20, 30, 40]);
        check(
            &sl(&v, vec![arr(&[3], vec![3, 0, 0])]),
            r#"{"dtype":"int64","shape":[3],"data":[40,10,10]}"#,
        );
        check(
            &sl(&v, vec![arr(&[2], vec![-1, -4])]),
            r#"{"dtype":"int64","shape":[2],"data":[40,10]}"#,
        );
        let mask = Value::from_array(Array::from_bool(
            ArrayD::from_shape_vec(IxDyn(&[4]), vec![true, false, true, false]).unwrap(),
        ));
        check(
            &sl(&v, vec![mask]),
            r#"{"dtype":"int64","shape":[2],"data":[10,30]}"#,
        );
        let none = Value::from_array(Array::from_bool(ArrayD::from_elem(IxDyn(&[2]), false)));
        check(
            &sl(&farr(&[2], vec![1.5, 2.5]), vec![none]),
            r#"{"dtype":"float64","shape":[0],"data":[]}"#,
        );
        let r = Value::Range(Arc::new(Range {
            start: 0,
            stop: 5,
            step: 2,
        }));
        check(
            &sl(&arr(&[5], vec![10, 20, 30, 40, 50]), vec![r]),
            r#"{"dtype":"int64","shape":[3],"data":[10,30,50]}"#,
        );
        // rows of a matrix by index array; columns by index array
        let m = reshaped(6, &[3, 2]);
        check(
            &sl(&m, vec![arr(&[2], vec![2, 0])]),
            r#"{"dtype":"int64","shape":[2,2],"data":[4,5,0,1]}"#,
        );
        check(
            &sl(&m, vec![Value::Nil, arr(&[3], vec![1, 1, 0])]),
            r#"{"dtype":"int64","shape":[3,3],"data":[1,1,0,3,3,2,5,5,4]}"#,
        );
        // two index arrays pair up (NumPy)
        check(
            &sl(&m, vec![arr(&[2], vec![0, 2]), arr(&[2], vec![1, 0])]),
            r#"{"dtype":"int64","shape":[2],"data":[1,4]}"#,
        );
        // a 2-D mask selects elements
        let mm = Value::from_array(Array::from_bool(
            ArrayD::from_shape_vec(IxDyn(&[3, 2]), vec![false, true, true, false, false, true])
                .unwrap(),
        ));
        check(
            &sl(&m, vec![mm]),
            r#"{"dtype":"int64","shape":[3],"data":[1,2,5]}"#,
        );
        // NumPy: an integer and an index array separated by a slice put the index axis first
        let t = reshaped(24, &[2, 3, 4]);
        let r = sl(&t, vec![i(0), Value::Nil, arr(&[2], vec![0, 1])]);
        assert_eq!(r.shape().unwrap(), &[2, 3]);
        check(
            &r,
            r#"{"dtype":"int64","shape":[2,3],"data":[0,4,8,1,5,9]}"#,
        );
        // a 2-D index array
        check(
            &sl(&arange(5), vec![arr(&[2, 2], vec![0, 1, 4, 3])]),
            r#"{"dtype":"int64","shape":[2,2],"data":[0,1,4,3]}"#,
        );
        // list(array) is the same as the array
        check(
            &sl(&v, vec![l(vec![arr(&[2], vec![1, 2])])]),
            r#"{"dtype":"int64","shape":[2],"data":[20,30]}"#,
        );
    }

    #[test]
    fn errors() {
        let v = arr(&[3], vec![1, 2, 3]);
        assert_eq!(sl_err(&v, vec![i(3)]), "physl::index");
        assert_eq!(sl_err(&v, vec![i(-4)]), "physl::index");
        assert_eq!(sl_err(&v, vec![i(0), i(0)]), "physl::index");
        assert_eq!(
            sl_err(&arr(&[2, 2], vec![1, 2, 3, 4]), vec![i(0), i(2)]),
            "physl::index"
        );
        assert_eq!(sl_err(&Value::Int(5), vec![i(0)]), "physl::index");
        assert_eq!(sl_err(&Value::str("abc"), vec![i(0)]), "physl::type");
        assert_eq!(
            sl_err(&arange(5), vec![l(vec![i(0), i(5), i(0)])]),
            "physl::value"
        );
        assert_eq!(sl_err(&v, vec![Value::Float(1.0)]), "physl::type");
        assert_eq!(sl_err(&v, vec![Value::str("a")]), "physl::type");
        assert_eq!(sl_err(&v, vec![arr(&[2], vec![0, 3])]), "physl::index");
        assert_eq!(
            sl_err(&v, vec![l(vec![i(0), i(1), i(1), i(1)])]),
            "physl::value"
        );
        let short = Value::from_array(Array::from_bool(ArrayD::from_elem(IxDyn(&[2]), true)));
        assert_eq!(sl_err(&v, vec![short]), "physl::index");
        assert_eq!(sl_err(&l(vec![i(1), i(2)]), vec![i(5)]), "physl::index");
        assert_eq!(
            sl_err(&l(vec![i(1), i(2)]), vec![i(0), i(0)]),
            "physl::index"
        );
        // labels: index k is argument k + 1
        let e = slice(&arr(&[2, 2], vec![1, 2, 3, 4]), &[i(0), i(7)]).unwrap_err();
        assert!(e
            .labels()
            .iter()
            .any(|lb| lb.place == crate::diagnostics::Place::Arg(2)));
        assert!(e.message().starts_with("slice:"));
        // huge ranges are rejected without being materialised
        let big = Value::Range(Arc::new(Range {
            start: 0,
            stop: i64::MAX,
            step: 1,
        }));
        assert_eq!(sl_err(&v, vec![big]), "physl::index");
    }

    #[test]
    fn lists_ranges_dicts() {
        let li = l(vec![i(10), i(20), i(30)]);
        check(
            &sl(&li, vec![i(1)]),
            r#"{"dtype":"int64","shape":[],"data":[20]}"#,
        );
        check(
            &sl(&li, vec![i(-1)]),
            r#"{"dtype":"int64","shape":[],"data":[30]}"#,
        );
        let l4 = l(vec![i(10), i(20), i(30), i(40)]);
        assert_eq!(
            format::plain(&sl(&l4, vec![l(vec![i(1), i(3)])])),
            "list(20, 30)"
        );
        assert_eq!(
            format::plain(&sl(&l4, vec![l(vec![Value::Nil, Value::Nil, i(-1)])])),
            "list(40, 30, 20, 10)"
        );
        let nested = l(vec![l(vec![i(1), i(2)]), l(vec![i(3), i(4)])]);
        check(
            &sl(&sl(&nested, vec![i(1)]), vec![i(0)]),
            r#"{"dtype":"int64","shape":[],"data":[3]}"#,
        );
        let r = Value::Range(Arc::new(Range {
            start: 0,
            stop: 10,
            step: 1,
        }));
        assert_eq!(
            format::plain(&sl(&r, vec![l(vec![i(2), i(5)])])),
            "list(2, 3, 4)"
        );
        assert_eq!(
            format::plain(&sl(&r, vec![l(vec![Value::Nil, Value::Nil, i(-3)])])),
            "list(9, 6, 3, 0)"
        );
        assert_eq!(format::plain(&sl(&r, vec![i(-1)])), "9");
        let mut d = crate::value::Dict::new();
        d.insert(crate::value::Key::Str("a".into()), i(1));
        d.insert(crate::value::Key::Int(2), Value::str("two"));
        let d = Value::Dict(Arc::new(d));
        check(
            &sl(&d, vec![Value::str("a")]),
            r#"{"dtype":"int64","shape":[],"data":[1]}"#,
        );
        assert_eq!(format::plain(&sl(&d, vec![i(2)])), "two");
        assert_eq!(sl_err(&d, vec![Value::str("b")]), "physl::index");
        assert_eq!(sl_err(&d, vec![arange(2)]), "physl::type");
    }

    #[test]
    fn stores() {
        let mut v = arr(&[3], vec![1, 2, 3]);
        assign(&mut v, &[i(1)], i(20)).unwrap();
        check(&v, r#"{"dtype":"int64","shape":[3],"data":[1,20,3]}"#);
        let mut v = arange(6);
        assign(&mut v, &[l(vec![i(1), i(4)])], i(0)).unwrap();
        check(&v, r#"{"dtype":"int64","shape":[6],"data":[0,0,0,0,4,5]}"#);
        let mut v = farr(&[4], vec![0.0; 4]);
        assign(
            &mut v,
            &[l(vec![i(0), i(4), i(2)])],
            farr(&[2], vec![1.5, 2.5]),
        )
        .unwrap();
        check(
            &v,
            r#"{"dtype":"float64","shape":[4],"data":[1.5,0.0,2.5,0.0]}"#,
        );
        let mut v = farr(&[2], vec![1.5, 2.5]);
        assign(&mut v, &[i(0)], i(7)).unwrap();
        check(&v, r#"{"dtype":"float64","shape":[2],"data":[7.0,2.5]}"#);
        // float into int truncates; into bool by truthiness
        let mut v = arange(3);
        assign(&mut v, &[i(0)], Value::Float(-2.7)).unwrap();
        check(&v, r#"{"dtype":"int64","shape":[3],"data":[-2,1,2]}"#);
        let mut b = Value::from_array(Array::from_bool(ArrayD::from_elem(IxDyn(&[2]), false)));
        assign(&mut b, &[i(1)], Value::Float(0.5)).unwrap();
        check(&b, r#"{"dtype":"bool","shape":[2],"data":[false,true]}"#);
        let mut m = farr(&[3, 2], vec![0.0; 6]);
        assign(&mut m, &[i(1)], farr(&[2], vec![4.0, 5.0])).unwrap();
        check(
            &m,
            r#"{"dtype":"float64","shape":[3,2],"data":[0.0,0.0,4.0,5.0,0.0,0.0]}"#,
        );
        let mut m = farr(&[2, 3], vec![0.0; 6]);
        assign(&mut m, &[Value::Nil, i(2)], farr(&[2], vec![7.0, 8.0])).unwrap();
        check(
            &m,
            r#"{"dtype":"float64","shape":[2,3],"data":[0.0,0.0,7.0,0.0,0.0,8.0]}"#,
        );
        let mut m = reshaped(9, &[3, 3]);
        assign(&mut m, &[l(vec![i(0), i(2)]), l(vec![i(1), i(3)])], i(-1)).unwrap();
        check(
            &m,
            r#"{"dtype":"int64","shape":[3,3],"data":[0,-1,-1,3,-1,-1,6,7,8]}"#,
        );
        // mask store
        let mut v = arr(&[4], vec![1, -2, 3, -4]);
        let mask = Value::from_array(Array::from_bool(
            ArrayD::from_shape_vec(IxDyn(&[4]), vec![false, true, false, true]).unwrap(),
        ));
        assign(&mut v, &[mask], i(0)).unwrap();
        check(&v, r#"{"dtype":"int64","shape":[4],"data":[1,0,3,0]}"#);
        // fancy store with a broadcast value; a [1, n] value into a row
        let mut m = reshaped(6, &[2, 3]);
        assign(
            &mut m,
            &[Value::Nil, arr(&[2], vec![0, 2])],
            arr(&[2, 1], vec![9, 8]),
        )
        .unwrap();
        check(
            &m,
            r#"{"dtype":"int64","shape":[2,3],"data":[9,1,9,8,4,8]}"#,
        );
        assign(&mut m, &[i(0)], arr(&[1, 3], vec![5, 6, 7])).unwrap();
        check(
            &m,
            r#"{"dtype":"int64","shape":[2,3],"data":[5,6,7,8,4,8]}"#,
        );
        // shape mismatch and dtype errors
        let mut v = arange(4);
        assert_eq!(
            assign(&mut v, &[l(vec![i(0), i(2)])], arange(3))
                .unwrap_err()
                .code(),
            "physl::shape"
        );
        assert_eq!(
            assign(&mut v, &[i(9)], i(1)).unwrap_err().code(),
            "physl::index"
        );
        assert_eq!(
            assign(&mut v, &[i(0)], Value::str("x")).unwrap_err().code(),
            "physl::type"
        );
        let mut s = Value::Int(3);
        assert_eq!(
            assign(&mut s, &[i(0)], i(1)).unwrap_err().code(),
            "physl::index"
        );
        // copy on write: the other holder does not see the store
        let a = farr(&[2], vec![1.5, 2.5]);
        let mut b = a.clone();
        assign(&mut b, &[i(1)], Value::Float(0.0)).unwrap();
        check(&a, r#"{"dtype":"float64","shape":[2],"data":[1.5,2.5]}"#);
        check(&b, r#"{"dtype":"float64","shape":[2],"data":[1.5,0.0]}"#);
        // a slice is a copy
        let v = arr(&[3], vec![1, 2, 3]);
        let mut w = sl(&v, vec![l(vec![i(0), i(2)])]);
        assign(&mut w, &[i(0)], i(99)).unwrap();
        check(&v, r#"{"dtype":"int64","shape":[3],"data":[1,2,3]}"#);
        check(&w, r#"{"dtype":"int64","shape":[2],"data":[99,2]}"#);
        // reverse fill in a loop
        let mut v = arange(4);
        for k in 0..4 {
            assign(&mut v, &[i(-1 - k)], i(k)).unwrap();
        }
        check(&v, r#"{"dtype":"int64","shape":[4],"data":[3,2,1,0]}"#);
    }

    #[test]
    fn stores_into_lists_and_dicts() {
        let mut li = l(vec![i(1), i(2), i(3)]);
        assign(&mut li, &[i(-1)], Value::str("x")).unwrap();
        assert_eq!(format::plain(&li), "list(1, 2, x)");
        assign(&mut li, &[l(vec![i(0), i(2)])], l(vec![i(7), i(8)])).unwrap();
        assert_eq!(format::plain(&li), "list(7, 8, x)");
        assign(&mut li, &[l(vec![i(0), i(1)])], l(vec![i(5), i(6)])).unwrap();
        assert_eq!(format::plain(&li), "list(5, 6, 8, x)");
        assert_eq!(
            assign(&mut li, &[i(9)], i(0)).unwrap_err().code(),
            "physl::index"
        );
        let mut r = Value::Range(Arc::new(Range {
            start: 0,
            stop: 3,
            step: 1,
        }));
        assign(&mut r, &[i(0)], i(9)).unwrap();
        assert_eq!(format::plain(&r), "list(9, 1, 2)");
        let mut d = crate::value::Dict::new();
        d.insert(crate::value::Key::Str("a".into()), i(1));
        let mut d = Value::Dict(Arc::new(d));
        assign(&mut d, &[Value::str("b")], i(5)).unwrap();
        assign(&mut d, &[Value::str("a")], Value::Float(2.5)).unwrap();
        check(
            &d,
            r#"{"dict":[["a",{"dtype":"float64","shape":[],"data":[2.5]}],["b",{"dtype":"int64","shape":[],"data":[5]}]]}"#,
        );
        assert_eq!(
            assign(&mut d, &[arange(2)], i(1)).unwrap_err().code(),
            "physl::type"
        );
    }

    #[test]
    fn primitives() {
        let cx = TestContext::default();
        let m = reshaped(6, &[3, 2]);
        let r = p_slice_row(&cx, smallvec![m.clone(), i(2)]).unwrap();
        check(&r, r#"{"dtype":"int64","shape":[2],"data":[4,5]}"#);
        let r = p_slice_column(&cx, smallvec![m.clone(), i(1)]).unwrap();
        check(&r, r#"{"dtype":"int64","shape":[3],"data":[1,3,5]}"#);
        let r = p_slice_column(&cx, smallvec![arange(3), i(1)]).unwrap();
        check(&r, r#"{"dtype":"int64","shape":[],"data":[1]}"#);
        let r = p_tuple_slice(&cx, smallvec![m.clone(), l(vec![i(1), i(0)])]).unwrap();
        check(&r, r#"{"dtype":"int64","shape":[],"data":[2]}"#);
        let t = reshaped(8, &[2, 2, 2]);
        let r = p_slice_page(&cx, smallvec![t, i(1)]).unwrap();
        check(&r, r#"{"dtype":"int64","shape":[2,2],"data":[4,5,6,7]}"#);
        assert_eq!(
            p_slice_page(&cx, smallvec![m.clone(), i(1)])
                .unwrap_err()
                .code(),
            "physl::type"
        );
        let e = p_slice(&cx, smallvec![m, i(0), i(0), i(0), i(0), i(0)]).unwrap_err();
        assert_eq!(e.code(), "physl::arity");
    }
}
