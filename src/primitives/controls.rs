//! controls primitives (spec 4.6): the control special forms (`block`, `parallel_block`,
//! `if`, `while`, `for`, declared here and compiled by the compiler), the higher-order
//! forms over iterables (spec 2.8), `range`, and the coordinate builders `fromfunction` and
//! `indices`.

use super::core::arg;
use super::{bad_arg, Args, Context, Effects, Eval, Family, Primitive, Tier};
use crate::diagnostics::{Error, Result};
use crate::kernels::iterate::{grids, items, pack, Items};
use crate::value::{Array, DType, Range, Value};
use std::sync::Arc;

const fn special(
    name: &'static str,
    signature: &'static str,
    help: &'static str,
    examples: &'static [(&'static str, &'static str)],
) -> Primitive {
    Primitive {
        name,
        family: Family::Controls,
        tier: Tier::T1,
        signature,
        effects: Effects::PURE,
        help,
        examples,
        dtype_aliases: false,
        eval: Eval::Special,
    }
}

const fn prim(
    name: &'static str,
    tier: Tier,
    signature: &'static str,
    effects: Effects,
    help: &'static str,
    examples: &'static [(&'static str, &'static str)],
    f: super::PrimFn,
) -> Primitive {
    Primitive {
        name,
        family: Family::Controls,
        tier,
        signature,
        effects,
        help,
        examples,
        dtype_aliases: false,
        eval: Eval::Fn(f),
    }
}

pub(crate) static PRIMITIVES: &[Primitive] = &[
    special(
        "block",
        "block(statements...)",
        "Special form: evaluates its statements left to right and yields the last value \
         (nil when empty).\nIt opens a scope: a `define` inside is not visible after the block.",
        &[("block(define(x, 4), x * x)", "16"), ("block()", "nil")],
    ),
    special(
        "parallel_block",
        "parallel_block(statements...)",
        "Special form: evaluates its statements, possibly concurrently, and yields the value \
         of the last one in source order.\nUnlike Phylanx, two statements that `store` to \
         the same variable are a compile error, so the result never depends on scheduling.",
        &[
            ("parallel_block(1 + 1, 2 * 3, 10)", "10"),
            ("block(define(a, 0), define(b, 0), parallel_block(store(a, 1), store(b, 2)), list(a, b))", "list(1, 2)"),
        ],
    ),
    special(
        "if",
        "if(cond, then, else=nil)",
        "Special form: evaluates cond (truthiness of spec 3.5) and then exactly one branch.\n\
         A missing else yields nil. Arrays are true when any element is nonzero.",
        &[
            ("if(3 > 2, \"yes\", \"no\")", "yes"),
            ("if(false, 1)", "nil"),
            ("if([0, 0, 1], 1, 0)", "1"),
        ],
    ),
    special(
        "while",
        "while(cond, body)",
        "Special form: repeats body while cond is true; yields the last body value, nil when \
         the body never ran.",
        &[
            ("block(define(i, 0), define(s, 0), while(i < 5, block(store(s, s + i), store(i, i + 1))), s)", "10"),
            ("while(false, 1)", "nil"),
        ],
    ),
    special(
        "for",
        "for(init, cond, step, body)",
        "Special form: C-style loop: init once, then cond, body, step, cond, ...; yields the \
         last body value (nil when the body never ran).\nA `define` in init is visible in the \
         other three parts.",
        &[(
            "block(define(s, 0), for(define(i, 0), i < 5, store(i, i + 1), store(s, s + i * i)), s)",
            "30",
        )],
    ),
    prim(
        "for_each",
        Tier::T1,
        "for_each(f, iterable)",
        Effects::CALLS,
        "Calls f on every item of iterable and returns nil.\nItems are list elements, dict \
         keys, the elements of a vector, the rows of a matrix or the pages of a tensor; a \
         number is visited once. Unlike Phylanx it never stops early.",
        &[
            ("block(define(s, 0), for_each(lambda(x, store(s, s + x)), list(1, 2, 3)), s)", "6"),
            ("for_each(lambda(x, x), range(3))", "nil"),
        ],
        for_each,
    ),
    prim(
        "fmap",
        Tier::T1,
        "fmap(f, iterable, iterables...)",
        Effects::CALLS,
        "Maps f over one iterable, or over several zipped ones of equal length.\nLists (and \
         ranges and dicts) give a list; arrays give an array packing the per-item results \
         (0-D results make a vector, vectors a matrix) in their common dtype (Phylanx converts \
         to the input dtype). Mixing lists and arrays is an error.",
        &[
            ("fmap(lambda(x, x * x), list(1, 2, 3))", "list(1, 4, 9)"),
            ("fmap(lambda(x, x / 2.0), [1, 2, 3])", "[0.5, 1, 1.5]"),
            ("fmap(lambda(a, b, a * b), list(1, 2, 3), list(4, 5, 6))", "list(4, 10, 18)"),
        ],
        fmap,
    ),
    prim(
        "filter",
        Tier::T1,
        "filter(f, iterable)",
        Effects::CALLS,
        "List of the items of iterable for which f(item) is truthy.\nA vector is iterated \
         elementwise (Phylanx wraps a non-list as a one-element list).",
        &[
            ("filter(lambda(x, x % 2 == 0), list(1, 2, 3, 4, 5, 6))", "list(2, 4, 6)"),
            ("filter(lambda(x, x > 1), [1, 2, 3])", "list(2, 3)"),
        ],
        filter,
    ),
    prim(
        "fold_left",
        Tier::T1,
        "fold_left(f, initial, data)",
        Effects::CALLS,
        "Left fold: acc = f(acc, item) from the first item to the last, starting with initial.\n\
         A nil initial starts from the first item (nil for empty data); data is any iterable \
         (the rows of a matrix, for example).",
        &[
            ("fold_left(lambda(acc, x, acc * 10 + x), 0, list(1, 2, 3))", "123"),
            ("fold_left(lambda(a, b, a * b), nil, list(2, 3, 4))", "24"),
        ],
        fold_left,
    ),
    prim(
        "fold_right",
        Tier::T1,
        "fold_right(f, initial, data)",
        Effects::CALLS,
        "Right fold: acc = f(item, acc) from the last item back to the first, starting with \
         initial.\nA nil initial starts from the last item (nil for empty data).",
        &[
            ("fold_right(lambda(x, acc, acc * 10 + x), 0, list(1, 2, 3))", "321"),
            ("fold_right(lambda(a, b, a - b), 0, list(1, 2, 3))", "2"),
        ],
        fold_right,
    ),
    prim(
        "apply",
        Tier::T1,
        "apply(f, args)",
        Effects::CALLS,
        "Calls f with the elements of the list (or range) args as its positional arguments.\n\
         This is how scripts pass their command-line arguments: `apply(main, sys_argv)`.",
        &[
            ("apply(__add, list(1, 2))", "3"),
            ("apply(lambda(a, b, a - b), list(10, 4))", "6"),
        ],
        apply,
    ),
    prim(
        "range",
        Tier::T1,
        "range(start_or_stop, stop=nil, step=nil)",
        Effects::PURE,
        "Lazy int64 sequence like Python's range: range(stop), range(start, stop) or \
         range(start, stop, step).\nIt behaves as a list everywhere and prints as one; a step \
         of 0 is an error.",
        &[
            ("range(4)", "list(0, 1, 2, 3)"),
            ("range(2, 10, 3)", "list(2, 5, 8)"),
            ("range(5, 0, -2)", "list(5, 3, 1)"),
        ],
        range,
    ),
    prim(
        "parallel_map",
        Tier::T2,
        "parallel_map(f, iterable)",
        Effects::CALLS,
        "Like fmap over one iterable, but the calls may run concurrently; results keep the \
         input order.",
        &[("parallel_map(lambda(x, x + 1), list(1, 2, 3))", "list(2, 3, 4)")],
        parallel_map,
    ),
    prim(
        "async",
        Tier::T2,
        "async(expr)",
        Effects::CALLS,
        "Starts evaluating expr concurrently and returns a future; any primitive or operator \
         that consumes the future waits for it transparently.\nThe variables expr reads are \
         read when async is called (a snapshot), and expr may not store to variables outside \
         it (compile error), so the value never depends on scheduling. A run ends only when \
         all its futures have finished; an error in a future nobody awaited is reported then.",
        &[("async(6 * 7) + 1", "43")],
        async_prim,
    ),
    prim(
        "fromfunction",
        Tier::T2,
        "fromfunction(f, shape, dtype=\"float\")",
        Effects::CALLS,
        "Calls f once with N coordinate arrays of the given shape (N = len(shape)), the k-th \
         holding the index along axis k, and returns f's result (NumPy `fromfunction`).",
        &[
            ("fromfunction(lambda(i, j, i * 10 + j), list(2, 3))", "[[0, 1, 2], [10, 11, 12]]"),
            ("fromfunction(lambda(i, i * i), list(4), \"int\")", "[0, 1, 4, 9]"),
        ],
        fromfunction,
    ),
    prim(
        "indices",
        Tier::T2,
        "indices(shape, dtype=\"int\", sparse=false)",
        Effects::PURE,
        "List of N coordinate grids for the given shape, the k-th holding the index along \
         axis k (NumPy `indices`, but a list).\nWith sparse true the grids have extent 1 on the \
         other axes, so they broadcast; an empty shape gives an empty list.",
        &[
            ("indices(list(2, 2))", "list([[0, 0], [1, 1]], [[0, 1], [0, 1]])"),
            ("indices(list(2, 3), \"int\", true)", "list([[0], [1]], [[0, 1, 2]])"),
        ],
        indices,
    ),
];

fn expect_function(prim: &str, v: &Value) -> Result<()> {
    match v {
        Value::Func(_) => Ok(()),
        other => Err(bad_arg(prim, 0, "a function", other)),
    }
}

fn call1(cx: &dyn Context, f: &Value, x: Value) -> Result<Value> {
    let mut a = Args::new();
    a.push(x);
    cx.call(f, a)
}

fn call2(cx: &dyn Context, f: &Value, x: Value, y: Value) -> Result<Value> {
    let mut a = Args::new();
    a.push(x);
    a.push(y);
    cx.call(f, a)
}

fn for_each(cx: &dyn Context, args: Args) -> Result<Value> {
    let f = arg(&args, 0);
    expect_function("for_each", f)?;
    let it = items("for_each", 1, arg(&args, 1))?;
    for i in 0..it.len() {
        cx.check_interrupt()?;
        call1(cx, f, it.get(i))?;
    }
    Ok(Value::Nil)
}

fn fmap(cx: &dyn Context, args: Args) -> Result<Value> {
    map_impl("fmap", cx, &args)
}

fn parallel_map(cx: &dyn Context, args: Args) -> Result<Value> {
    map_impl("parallel_map", cx, &args)
}

fn map_impl(prim: &str, cx: &dyn Context, args: &Args) -> Result<Value> {
    let f = arg(args, 0);
    expect_function(prim, f)?;
    let sources = args.get(1..).unwrap_or(&[]);
    let its = sources
        .iter()
        .enumerate()
        .map(|(k, v)| items(prim, k + 1, v))
        .collect::<Result<Vec<_>>>()?;
    let Some(first) = its.first() else {
        return Err(Error::arity(format!("{prim}: needs at least one iterable")));
    };
    // a single number is visited once and its result returned as is
    if its.len() == 1 {
        if let Items::One(v) = first {
            cx.check_interrupt()?;
            return call1(cx, f, (*v).clone());
        }
    }
    let arrays = first.is_array();
    for (k, it) in its.iter().enumerate().skip(1) {
        let number = matches!(it, Items::One(_)) || matches!(first, Items::One(_));
        if it.is_array() != arrays || number {
            return Err(Error::type_error(format!(
                "{prim}: cannot zip a {} with a {}",
                sources[0].describe(),
                sources[k].describe()
            ))
            .at_arg(k + 1, format!("this is a {}", sources[k].describe()))
            .at_arg(1, format!("this is a {}", sources[0].describe()))
            .with_help("zipped iterables must all be lists or all be arrays"));
        }
        if it.len() != first.len() {
            return Err(Error::value(format!(
                "{prim}: the iterables have different lengths ({} and {})",
                first.len(),
                it.len()
            ))
            .at_arg(k + 1, format!("length {}", it.len()))
            .at_arg(1, format!("length {}", first.len())));
        }
    }
    let n = first.len();
    let results = if prim == "parallel_map" {
        cx.check_interrupt()?;
        let calls = (0..n)
            .map(|i| its.iter().map(|it| it.get(i)).collect())
            .collect();
        cx.call_each(f, calls)?
    } else {
        let mut results = Vec::with_capacity(n.min(1 << 20));
        for i in 0..n {
            cx.check_interrupt()?;
            let call_args: Args = its.iter().map(|it| it.get(i)).collect();
            results.push(cx.call(f, call_args)?);
        }
        results
    };
    if !arrays {
        return Ok(Value::list(results));
    }
    if let (true, Value::Array(a)) = (results.is_empty(), &sources[0]) {
        // nothing was called, so nothing says what f returns: keep the input as it is
        return Ok(Value::Array(a.clone()));
    }
    pack(prim, results)
}

fn filter(cx: &dyn Context, args: Args) -> Result<Value> {
    let f = arg(&args, 0);
    expect_function("filter", f)?;
    let it = items("filter", 1, arg(&args, 1))?;
    let mut kept = Vec::new();
    for i in 0..it.len() {
        cx.check_interrupt()?;
        let item = it.get(i);
        let keep = call1(cx, f, item.clone())?;
        let keep = keep.truthy().map_err(|e| {
            Error::type_error(format!(
                "filter: the function returned a {}",
                keep.describe()
            ))
            .at_arg(0, e.message().to_string())
            .with_help("the predicate must return a number, array, list, dict or nil")
        })?;
        if keep {
            kept.push(item);
        }
    }
    Ok(Value::list(kept))
}

fn fold_left(cx: &dyn Context, args: Args) -> Result<Value> {
    let f = arg(&args, 0);
    expect_function("fold_left", f)?;
    let it = items("fold_left", 2, arg(&args, 2))?;
    let n = it.len();
    let (mut acc, start) = match arg(&args, 1) {
        Value::Nil if n == 0 => return Ok(Value::Nil),
        Value::Nil => (it.get(0), 1),
        init => (init.clone(), 0),
    };
    for i in start..n {
        cx.check_interrupt()?;
        acc = call2(cx, f, acc, it.get(i))?;
    }
    Ok(acc)
}

fn fold_right(cx: &dyn Context, args: Args) -> Result<Value> {
    let f = arg(&args, 0);
    expect_function("fold_right", f)?;
    let it = items("fold_right", 2, arg(&args, 2))?;
    let n = it.len();
    let (mut acc, end) = match arg(&args, 1) {
        Value::Nil if n == 0 => return Ok(Value::Nil),
        Value::Nil => (it.get(n - 1), n - 1),
        init => (init.clone(), n),
    };
    for i in (0..end).rev() {
        cx.check_interrupt()?;
        acc = call2(cx, f, it.get(i), acc)?;
    }
    Ok(acc)
}

fn apply(cx: &dyn Context, args: Args) -> Result<Value> {
    let f = arg(&args, 0);
    expect_function("apply", f)?;
    let list = arg(&args, 1);
    let items = list
        .list_items()
        .ok_or_else(|| bad_arg("apply", 1, "a list of arguments", list))?;
    cx.call(f, items.iter().cloned().collect())
}

/// The compiler turns `async(expr)` into `async(lambda(expr))`, so the expression arrives
/// unevaluated, as a function of no arguments.
fn async_prim(cx: &dyn Context, args: Args) -> Result<Value> {
    let f = arg(&args, 0);
    expect_function("async", f)?;
    cx.spawn(f)
}

fn range_bound(v: &Value, pos: usize) -> Result<i64> {
    v.as_i64()
        .ok_or_else(|| bad_arg("range", pos, "an integer", v))
}

fn range(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = range_bound(arg(&args, 0), 0)?;
    let (start, stop) = match arg(&args, 1) {
        Value::Nil => (0, a),
        b => (a, range_bound(b, 1)?),
    };
    let step = match arg(&args, 2) {
        Value::Nil => 1,
        s => range_bound(s, 2)?,
    };
    if step == 0 {
        return Err(Error::value("range: step must not be zero").at_arg(2, "this step is 0"));
    }
    Ok(Value::Range(Arc::new(Range { start, stop, step })))
}

// ---------------------------------------------------------------------------------------------
// Coordinate grids

/// A shape argument: a list/range of extents, an integer vector, or one integer.
pub(crate) fn parse_shape(prim: &str, pos: usize, v: &Value) -> Result<Vec<usize>> {
    let bad = || bad_arg(prim, pos, "a shape (a list of non-negative integers)", v);
    let extents: Vec<i64> = match v {
        Value::List(_) | Value::Range(_) => {
            let items = v.list_items().ok_or_else(bad)?;
            items
                .iter()
                .map(|x| x.as_i64().ok_or_else(bad))
                .collect::<Result<_>>()?
        }
        Value::Array(Array::Int(a)) if a.ndim() == 1 => a.iter().copied().collect(),
        Value::Int(i) => vec![*i],
        _ => return Err(bad()),
    };
    extents
        .iter()
        .map(|&e| {
            usize::try_from(e).map_err(|_| {
                Error::value(format!("{prim}: negative extent {e} in the shape"))
                    .at_arg(pos, "extents must be >= 0")
            })
        })
        .collect()
}

fn parse_dtype(prim: &str, pos: usize, v: &Value, default: DType) -> Result<DType> {
    match v {
        Value::Nil => Ok(default),
        Value::Str(s) => DType::parse(s).ok_or_else(|| {
            Error::value(format!("{prim}: unknown dtype \"{s}\""))
                .at_arg(pos, "not a dtype")
                .with_help("dtypes are \"bool\", \"int\"/\"int64\" and \"float\"/\"float64\"")
        }),
        other => Err(bad_arg(prim, pos, "a dtype name", other)),
    }
}

fn fromfunction(cx: &dyn Context, args: Args) -> Result<Value> {
    let f = arg(&args, 0);
    expect_function("fromfunction", f)?;
    let shape = parse_shape("fromfunction", 1, arg(&args, 1))?;
    let dtype = parse_dtype("fromfunction", 2, arg(&args, 2), DType::Float)?;
    let coords = grids("fromfunction", &shape, dtype, false)?;
    cx.call(f, coords.into_iter().collect())
}

fn indices(_cx: &dyn Context, args: Args) -> Result<Value> {
    let shape = parse_shape("indices", 0, arg(&args, 0))?;
    let dtype = parse_dtype("indices", 1, arg(&args, 1), DType::Int)?;
    let sparse = arg(&args, 2);
    let sparse = sparse
        .truthy()
        .map_err(|_| bad_arg("indices", 2, "a bool", sparse))?;
    Ok(Value::list(grids("indices", &shape, dtype, sparse)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::{NativeFn, TestContext};
    use crate::value::format::plain;
    use crate::value::Dict;
    use ndarray::{ArrayD, IxDyn};
    use smallvec::smallvec;

    fn ints(v: &[i64]) -> Value {
        Value::list(v.iter().map(|&i| Value::Int(i)).collect())
    }

    fn vec_i(v: &[i64]) -> Value {
        Value::from(ArrayD::from_shape_vec(IxDyn(&[v.len()]), v.to_vec()).unwrap())
    }

    fn mat_i(r: usize, c: usize, v: &[i64]) -> Value {
        Value::from(ArrayD::from_shape_vec(IxDyn(&[r, c]), v.to_vec()).unwrap())
    }

    fn add() -> Value {
        NativeFn::value("add", |_, a| {
            let (x, y) = (a[0].to_array().unwrap(), a[1].to_array().unwrap());
            match (x, y) {
                (Array::Int(x), Array::Int(y)) => Ok(Value::from(&*x + &*y)),
                (x, y) => Ok(Value::from(&*x.as_float() + &*y.as_float())),
            }
        })
    }

    fn scale(k: f64) -> Value {
        NativeFn::value("scale", move |_, a| {
            Ok(Value::from(
                a[0].to_array().unwrap().as_float().mapv(|x| x * k),
            ))
        })
    }

    fn double_int() -> Value {
        NativeFn::value("double", |_, a| match &a[0] {
            Value::Int(i) => Ok(Value::Int(i * 2)),
            Value::Array(Array::Int(x)) => Ok(Value::from(x.mapv(|i| i * 2))),
            other => Err(Error::type_error(format!("double: {other:?}"))),
        })
    }

    fn run(f: fn(&dyn Context, Args) -> Result<Value>, args: Args) -> Result<Value> {
        f(&TestContext::default(), args)
    }

    #[test]
    fn for_each_visits_items_and_returns_nil() {
        let seen = Arc::new(parking_lot::Mutex::new(Vec::new()));
        let s2 = seen.clone();
        let rec = NativeFn::value("rec", move |_, a| {
            s2.lock().push(plain(&a[0]));
            Ok(Value::Bool(true)) // Phylanx would stop here; we must not
        });
        let mut d = Dict::default();
        d.insert(crate::value::Key::Str("k".into()), Value::Int(1));
        d.insert(crate::value::Key::Int(2), Value::Int(1));
        for v in [
            ints(&[1, 2]),
            Value::Range(Arc::new(Range {
                start: 3,
                stop: 0,
                step: -1,
            })),
            Value::Dict(Arc::new(d)),
            vec_i(&[7, 8]),
            mat_i(2, 2, &[1, 2, 3, 4]),
            Value::Float(2.5),
        ] {
            assert!(run(for_each, smallvec![rec.clone(), v]).unwrap().is_nil());
        }
        assert_eq!(seen.lock().join(" "), "1 2 3 2 1 k 2 7 8 [1, 2] [3, 4] 2.5");
        let e = run(for_each, smallvec![rec.clone(), Value::str("ab")]).unwrap_err();
        assert_eq!(e.code(), "physl::type");
        let e = run(for_each, smallvec![Value::Int(1), ints(&[1])]).unwrap_err();
        assert_eq!(e.code(), "physl::type");
    }

    #[test]
    fn fmap_lists_and_ranges() {
        let r = run(fmap, smallvec![double_int(), ints(&[1, 2, 3])]).unwrap();
        assert_eq!(plain(&r), "list(2, 4, 6)");
        let rng = Value::Range(Arc::new(Range {
            start: 0,
            stop: 3,
            step: 1,
        }));
        let r = run(fmap, smallvec![double_int(), rng.clone()]).unwrap();
        assert_eq!(plain(&r), "list(0, 2, 4)");
        let r = run(fmap, smallvec![add(), ints(&[1, 2, 3]), rng]).unwrap();
        assert_eq!(plain(&r), "list(1, 3, 5)");
        let r = run(fmap, smallvec![double_int(), ints(&[])]).unwrap();
        assert_eq!(plain(&r), "list()");
        // a list of arrays stays a list
        let r = run(
            fmap,
            smallvec![double_int(), Value::list(vec![vec_i(&[1]), vec_i(&[2, 3])])],
        )
        .unwrap();
        assert_eq!(plain(&r), "list([2], [4, 6])");
    }

    #[test]
    fn fmap_arrays_pack_common_dtype() {
        let r = run(fmap, smallvec![double_int(), vec_i(&[1, 2, 3])]).unwrap();
        assert_eq!(format!("{r:?}"), "[2, 4, 6]");
        assert_eq!(r.dtype(), Some(DType::Int));
        let r = run(fmap, smallvec![scale(0.5), vec_i(&[1, 2, 3])]).unwrap();
        assert_eq!(r.dtype(), Some(DType::Float));
        assert_eq!(plain(&r), "[0.5, 1, 1.5]");
        // rows of a matrix -> vector results -> matrix
        let r = run(fmap, smallvec![double_int(), mat_i(2, 2, &[1, 2, 3, 4])]).unwrap();
        assert_eq!(r.shape(), Some(&[2usize, 2][..]));
        assert_eq!(plain(&r), "[[2, 4], [6, 8]]");
        // results of mixed dtypes: int for one item, float for the other
        let mixed = NativeFn::value("mixed", |_, a| {
            Ok(if a[0].as_i64() == Some(1) {
                Value::Int(1)
            } else {
                Value::Float(0.5)
            })
        });
        let r = run(fmap, smallvec![mixed, vec_i(&[1, 2])]).unwrap();
        assert_eq!(r.dtype(), Some(DType::Float));
        assert_eq!(plain(&r), "[1, 0.5]");
        // a bool result array
        let pos = NativeFn::value("pos", |_, a| Ok(Value::Bool(a[0].as_i64().unwrap() > 1)));
        let r = run(fmap, smallvec![pos, vec_i(&[1, 2])]).unwrap();
        assert_eq!(plain(&r), "[false, true]");
        // zipped arrays
        let r = run(fmap, smallvec![add(), vec_i(&[1, 2]), vec_i(&[10, 20])]).unwrap();
        assert_eq!(plain(&r), "[11, 22]");
        // an empty vector maps to itself
        let empty = Value::from(ArrayD::<f64>::zeros(IxDyn(&[0])));
        let r = run(fmap, smallvec![double_int(), empty]).unwrap();
        assert_eq!(r.shape(), Some(&[0usize][..]));
        // a number is visited once
        let r = run(fmap, smallvec![double_int(), Value::Int(4)]).unwrap();
        assert_eq!(r.as_i64(), Some(8));
    }

    #[test]
    fn fmap_errors() {
        let e = run(fmap, smallvec![add(), ints(&[1, 2]), ints(&[1])]).unwrap_err();
        assert_eq!(e.code(), "physl::value");
        let e = run(fmap, smallvec![add(), vec_i(&[1, 2]), vec_i(&[1])]).unwrap_err();
        assert_eq!(e.code(), "physl::value");
        let e = run(fmap, smallvec![add(), ints(&[1, 2]), vec_i(&[1, 2])]).unwrap_err();
        assert_eq!(e.code(), "physl::type");
        let e = run(fmap, smallvec![add(), Value::Int(1), ints(&[1])]).unwrap_err();
        assert_eq!(e.code(), "physl::type");
        let e = run(fmap, smallvec![add(), ints(&[1]), Value::Int(1)]).unwrap_err();
        assert_eq!(e.code(), "physl::type");
        let e = run(fmap, smallvec![Value::Nil, ints(&[1])]).unwrap_err();
        assert_eq!(e.code(), "physl::type");
        let to_list = NativeFn::value("l", |_, a| Ok(Value::list(vec![a[0].clone()])));
        let e = run(fmap, smallvec![to_list, vec_i(&[1])]).unwrap_err();
        assert_eq!(e.code(), "physl::type");
        let ragged = NativeFn::value("r", |_, a| {
            let n = a[0].as_i64().unwrap() as usize;
            Ok(Value::from(ArrayD::<i64>::zeros(IxDyn(&[n]))))
        });
        let e = run(fmap, smallvec![ragged, vec_i(&[1, 2])]).unwrap_err();
        assert_eq!(e.code(), "physl::shape");
        // rank 5 cannot be packed
        let four_d = NativeFn::value("d4", |_, _| {
            Ok(Value::from(ArrayD::<i64>::zeros(IxDyn(&[1, 1, 1, 1]))))
        });
        let e = run(fmap, smallvec![four_d, vec_i(&[1])]).unwrap_err();
        assert_eq!(e.code(), "physl::value");
        // errors of the function propagate unchanged
        let fail = NativeFn::value("fail", |_, _| Err(Error::index("slice: boom")));
        let e = run(fmap, smallvec![fail, ints(&[1])]).unwrap_err();
        assert_eq!(e.code(), "physl::index");
        assert_eq!(e.message(), "slice: boom");
    }

    #[test]
    fn parallel_map_is_fmap() {
        let r = run(parallel_map, smallvec![double_int(), ints(&[1, 2])]).unwrap();
        assert_eq!(plain(&r), "list(2, 4)");
        let r = run(parallel_map, smallvec![double_int(), vec_i(&[1, 2])]).unwrap();
        assert_eq!(plain(&r), "[2, 4]");
    }

    #[test]
    fn filter_keeps_truthy() {
        let even = NativeFn::value("even", |_, a| {
            Ok(Value::Bool(a[0].as_i64().unwrap() % 2 == 0))
        });
        let r = run(filter, smallvec![even.clone(), ints(&[1, 2, 3, 4])]).unwrap();
        assert_eq!(plain(&r), "list(2, 4)");
        let r = run(filter, smallvec![even.clone(), vec_i(&[1, 2, 3, 4])]).unwrap();
        assert_eq!(plain(&r), "list(2, 4)");
        assert!(matches!(r.list_items().unwrap()[0], Value::Int(2)));
        let r = run(filter, smallvec![even, ints(&[1, 3])]).unwrap();
        assert_eq!(plain(&r), "list()");
        let s = NativeFn::value("s", |_, _| Ok(Value::str("x")));
        assert_eq!(
            run(filter, smallvec![s, ints(&[1])]).unwrap_err().code(),
            "physl::type"
        );
    }

    #[test]
    fn folds() {
        let digits = NativeFn::value("d", |_, a| {
            Ok(Value::Int(
                a[0].as_i64().unwrap() * 10 + a[1].as_i64().unwrap(),
            ))
        });
        let r = run(
            fold_left,
            smallvec![digits.clone(), Value::Int(0), ints(&[1, 2, 3])],
        )
        .unwrap();
        assert_eq!(r.as_i64(), Some(123));
        let r = run(
            fold_left,
            smallvec![digits.clone(), Value::Nil, ints(&[1, 2, 3])],
        )
        .unwrap();
        assert_eq!(r.as_i64(), Some(123));
        assert!(
            run(fold_left, smallvec![digits.clone(), Value::Nil, ints(&[])])
                .unwrap()
                .is_nil()
        );
        assert_eq!(
            run(
                fold_left,
                smallvec![digits.clone(), Value::Int(5), ints(&[])]
            )
            .unwrap()
            .as_i64(),
            Some(5)
        );
        // fold_right: f(item, acc)
        let rdig = NativeFn::value("r", |_, a| {
            Ok(Value::Int(
                a[1].as_i64().unwrap() * 10 + a[0].as_i64().unwrap(),
            ))
        });
        let r = run(
            fold_right,
            smallvec![rdig.clone(), Value::Int(0), ints(&[1, 2, 3])],
        )
        .unwrap();
        assert_eq!(r.as_i64(), Some(321));
        let sub = NativeFn::value("sub", |_, a| {
            Ok(Value::Int(a[0].as_i64().unwrap() - a[1].as_i64().unwrap()))
        });
        let r = run(
            fold_right,
            smallvec![sub.clone(), Value::Int(0), ints(&[1, 2, 3])],
        )
        .unwrap();
        assert_eq!(r.as_i64(), Some(2));
        let r = run(fold_right, smallvec![sub, Value::Nil, ints(&[1, 2, 3])]).unwrap();
        assert_eq!(r.as_i64(), Some(2)); // 1 - (2 - 3)
        assert!(run(fold_right, smallvec![rdig, Value::Nil, ints(&[])])
            .unwrap()
            .is_nil());
        // rows of a matrix
        let r = run(
            fold_left,
            smallvec![add(), Value::Int(0), mat_i(2, 2, &[1, 2, 3, 4])],
        )
        .unwrap();
        assert_eq!(plain(&r), "[4, 6]");
        let r = run(
            fold_left,
            smallvec![add(), Value::Float(0.0), ints(&[1, 2, 3])],
        )
        .unwrap();
        assert!(matches!(r, Value::Float(f) if f == 6.0));
        let e = run(fold_left, smallvec![add(), Value::Nil, Value::str("x")]).unwrap_err();
        assert_eq!(e.code(), "physl::type");
    }

    #[test]
    fn apply_spreads_arguments() {
        let r = run(apply, smallvec![add(), ints(&[2, 3])]).unwrap();
        assert_eq!(r.as_i64(), Some(5));
        let rng = Value::Range(Arc::new(Range {
            start: 4,
            stop: 6,
            step: 1,
        }));
        assert_eq!(run(apply, smallvec![add(), rng]).unwrap().as_i64(), Some(9));
        assert_eq!(
            run(apply, smallvec![add(), Value::Int(1)])
                .unwrap_err()
                .code(),
            "physl::type"
        );
        assert_eq!(
            run(apply, smallvec![Value::Int(1), ints(&[])])
                .unwrap_err()
                .code(),
            "physl::type"
        );
    }

    #[test]
    fn async_calls_its_function() {
        // without a scheduler (TestContext) the call happens at once
        let answer = NativeFn::value("answer", |_, _| Ok(Value::Int(42)));
        assert_eq!(
            run(async_prim, smallvec![answer]).unwrap().as_i64(),
            Some(42)
        );
        assert_eq!(
            run(async_prim, smallvec![Value::Int(42)])
                .unwrap_err()
                .code(),
            "physl::type"
        );
    }

    #[test]
    fn ranges() {
        let r = |a: Value, b: Value, c: Value| run(range, smallvec![a, b, c]);
        assert_eq!(
            plain(&r(Value::Int(4), Value::Nil, Value::Nil).unwrap()),
            "list(0, 1, 2, 3)"
        );
        assert_eq!(
            plain(&r(Value::Int(2), Value::Int(10), Value::Int(3)).unwrap()),
            "list(2, 5, 8)"
        );
        assert_eq!(
            plain(&r(Value::Int(5), Value::Int(0), Value::Int(-2)).unwrap()),
            "list(5, 3, 1)"
        );
        assert_eq!(
            plain(&r(Value::Int(3), Value::Int(3), Value::Nil).unwrap()),
            "list()"
        );
        assert_eq!(
            plain(&r(Value::Float(3.0), Value::Nil, Value::Nil).unwrap()),
            "list(0, 1, 2)"
        );
        assert_eq!(
            r(Value::Int(0), Value::Int(5), Value::Int(0))
                .unwrap_err()
                .code(),
            "physl::value"
        );
        assert_eq!(
            r(Value::Float(1.5), Value::Nil, Value::Nil)
                .unwrap_err()
                .code(),
            "physl::type"
        );
        assert_eq!(
            r(Value::str("a"), Value::Nil, Value::Nil)
                .unwrap_err()
                .code(),
            "physl::type"
        );
        let big = r(Value::Int(i64::MIN), Value::Int(i64::MAX), Value::Nil).unwrap();
        assert!(matches!(big, Value::Range(_)));
    }

    #[test]
    fn indices_grids() {
        let r = run(
            indices,
            smallvec![ints(&[2, 3]), Value::str("int"), Value::Bool(false)],
        )
        .unwrap();
        assert_eq!(
            plain(&r),
            "list([[0, 0, 0], [1, 1, 1]], [[0, 1, 2], [0, 1, 2]])"
        );
        let r = run(
            indices,
            smallvec![ints(&[2, 3]), Value::str("int"), Value::Bool(true)],
        )
        .unwrap();
        assert_eq!(plain(&r), "list([[0], [1]], [[0, 1, 2]])");
        let r = run(
            indices,
            smallvec![ints(&[3]), Value::str("float"), Value::Bool(false)],
        )
        .unwrap();
        assert_eq!(r.list_items().unwrap()[0].dtype(), Some(DType::Float));
        let r = run(
            indices,
            smallvec![ints(&[]), Value::str("int"), Value::Bool(false)],
        )
        .unwrap();
        assert_eq!(plain(&r), "list()");
        let r = run(
            indices,
            smallvec![ints(&[1, 1, 1, 2]), Value::Nil, Value::Bool(false)],
        )
        .unwrap();
        assert_eq!(r.list_items().unwrap().len(), 4);
        assert_eq!(
            run(
                indices,
                smallvec![ints(&[1, 1, 1, 1, 1]), Value::Nil, Value::Bool(false)]
            )
            .unwrap_err()
            .code(),
            "physl::value"
        );
        assert_eq!(
            run(
                indices,
                smallvec![ints(&[-1]), Value::Nil, Value::Bool(false)]
            )
            .unwrap_err()
            .code(),
            "physl::value"
        );
        assert_eq!(
            run(
                indices,
                smallvec![ints(&[2]), Value::str("complex"), Value::Bool(false)]
            )
            .unwrap_err()
            .code(),
            "physl::value"
        );
        assert_eq!(
            run(
                indices,
                smallvec![Value::str("x"), Value::Nil, Value::Bool(false)]
            )
            .unwrap_err()
            .code(),
            "physl::type"
        );
        assert_eq!(
            run(
                indices,
                smallvec![ints(&[1 << 40, 1 << 40]), Value::Nil, Value::Bool(false)]
            )
            .unwrap_err()
            .code(),
            "physl::limit"
        );
    }

    #[test]
    fn fromfunction_calls_once() {
        let f = NativeFn::value("f", |_, a| {
            assert_eq!(a.len(), 2);
            let i = a[0].to_array().unwrap().as_float();
            let j = a[1].to_array().unwrap().as_float();
            Ok(Value::from(&*i * 10.0 + &*j))
        });
        let r = run(
            fromfunction,
            smallvec![f, ints(&[2, 3]), Value::str("float")],
        )
        .unwrap();
        assert_eq!(r.dtype(), Some(DType::Float));
        assert_eq!(plain(&r), "[[0, 1, 2], [10, 11, 12]]");
        let n = NativeFn::value("n", |_, a| Ok(Value::Int(a.len() as i64)));
        assert_eq!(
            run(fromfunction, smallvec![n.clone(), ints(&[]), Value::Nil])
                .unwrap()
                .as_i64(),
            Some(0)
        );
        let dt = NativeFn::value("dt", |_, a| Ok(Value::str(a[0].kind_name())));
        assert_eq!(
            run(
                fromfunction,
                smallvec![dt, Value::Int(3), Value::str("int")]
            )
            .unwrap()
            .as_str(),
            Some("int64")
        );
        assert_eq!(
            run(fromfunction, smallvec![Value::Nil, ints(&[1]), Value::Nil])
                .unwrap_err()
                .code(),
            "physl::type"
        );
    }
}
