//! matrixops primitives (spec 4.8): array creation (constant, full, identity, eye, arange,
//! linspace, linearmatrix, ...), products (dot, outer, and trace of the arithmetics family),
//! argmax/argmin and count_nonzero. Products live in `kernels/linalg.rs`.

use super::statistics::{array_arg, dtype_arg};
use super::{bad_arg, Args, Context, Effects, Eval, Family, Primitive, Tier};
use crate::diagnostics::{Error, Result};
use crate::kernels::{linalg, reduce};
use crate::value::{check_shape, Array, DType, Value, MAX_NDIM};
use ndarray::{ArrayD, IxDyn};

// ---------------------------------------------------------------------------------------------
// Creation

/// A shape argument: nil (0-D), an integer (vector), or a list / range / int vector of up to
/// 4 extents. Shared by the creation and random primitives.
pub(crate) fn shape_arg(prim: &str, v: &Value, arg: usize) -> Result<Vec<usize>> {
    let items: Vec<Value> = match v {
        Value::Nil => return Ok(Vec::new()),
        Value::Int(_) | Value::Bool(_) => vec![v.clone()],
        Value::Float(f) if f.fract() == 0.0 => vec![v.clone()],
        Value::List(_) | Value::Range(_) => {
            v.list_items().map(|l| l.into_vec()).unwrap_or_default()
        }
        Value::Array(a) if a.ndim() == 1 && a.dtype() == DType::Int => {
            a.as_int().iter().map(|&i| Value::Int(i)).collect()
        }
        other => {
            return Err(bad_arg(
                prim,
                arg,
                "an integer, a list of integers or nil",
                other,
            ))
        }
    };
    if items.len() > MAX_NDIM {
        return Err(Error::value(format!(
            "{prim}: a shape has at most {MAX_NDIM} extents, not {}",
            items.len()
        ))
        .at_arg(arg, format!("{} extents", items.len())));
    }
    items
        .iter()
        .map(|x| match x.as_i64() {
            Some(n) if n >= 0 => Ok(n as usize),
            Some(n) => Err(
                Error::value(format!("{prim}: negative extent {n} in the shape"))
                    .at_arg(arg, "extents must be >= 0"),
            ),
            None => Err(bad_arg(prim, arg, "a list of integers", x)),
        })
        .collect()
}

/// A fill value: a 0-D number, or nil (zero).
fn fill_arg(prim: &str, v: &Value, arg: usize) -> Result<Value> {
    match v {
        Value::Nil => Ok(Value::Float(0.0)),
        Value::Bool(_) | Value::Int(_) | Value::Float(_) => Ok(v.clone()),
        other => Err(bad_arg(prim, arg, "a number (0-D)", other)),
    }
}

/// An array of `shape` filled with `value` converted to `dt`, size-checked first.
fn filled(prim: &str, value: &Value, shape: &[usize], dt: DType) -> Result<Value> {
    check_shape(shape, dt).map_err(|e| e.context(prim))?;
    let sh = IxDyn(shape);
    let a = match dt {
        DType::Float => Array::from_float(ArrayD::from_elem(sh, value.as_f64().unwrap_or(0.0))),
        DType::Int => {
            let i = match *value {
                Value::Float(f) => f as i64,
                _ => value.as_i64().unwrap_or(0),
            };
            Array::from_int(ArrayD::from_elem(sh, i))
        }
        DType::Bool => Array::from_bool(ArrayD::from_elem(sh, value.truthy().unwrap_or(false))),
    };
    Ok(Value::from_array(a))
}

fn constant(_cx: &dyn Context, args: Args) -> Result<Value> {
    let value = fill_arg("constant", &args[0], 0)?;
    let shape = shape_arg("constant", &args[1], 1)?;
    let dt = dtype_arg("constant", &args[2], 2)?.unwrap_or(DType::Float);
    filled("constant", &value, &shape, dt)
}

fn full(_cx: &dyn Context, args: Args) -> Result<Value> {
    let shape = shape_arg("full", &args[0], 0)?;
    let value = fill_arg("full", &args[1], 1)?;
    let dt = dtype_arg("full", &args[2], 2)?
        .or(value.dtype())
        .unwrap_or(DType::Float);
    filled("full", &value, &shape, dt)
}

fn constant_like(_cx: &dyn Context, args: Args) -> Result<Value> {
    let value = fill_arg("constant_like", &args[0], 0)?;
    let a = array_arg("constant_like", &args, 1)?;
    let dt = dtype_arg("constant_like", &args[2], 2)?.unwrap_or(DType::Float);
    filled("constant_like", &value, a.shape(), dt)
}

fn full_like(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("full_like", &args, 0)?;
    let value = fill_arg("full_like", &args[1], 1)?;
    let dt = dtype_arg("full_like", &args[2], 2)?.unwrap_or(a.dtype());
    filled("full_like", &value, a.shape(), dt)
}

fn count_arg(prim: &str, v: &Value, arg: usize, what: &str) -> Result<usize> {
    match v.as_i64() {
        Some(n) if n >= 0 && v.is_scalar() => Ok(n as usize),
        Some(n) if v.is_scalar() => Err(Error::value(format!(
            "{prim}: {what} must be >= 0, not {n}"
        ))
        .at_arg(arg, "negative")),
        _ => Err(bad_arg(prim, arg, "an integer", v)),
    }
}

/// An n×m matrix with ones on diagonal k.
fn eye_matrix(prim: &str, n: usize, m: usize, k: i64, dt: DType) -> Result<Value> {
    check_shape(&[n, m], dt).map_err(|e| e.context(prim))?;
    let mut a = ndarray::Array2::<f64>::zeros((n, m));
    for i in 0..n {
        let j = i as i128 + k as i128;
        if j >= 0 && j < m as i128 {
            a[[i, j as usize]] = 1.0;
        }
    }
    Ok(Value::from_array(Array::from_float(a.into_dyn()).cast(dt)))
}

fn identity(_cx: &dyn Context, args: Args) -> Result<Value> {
    let n = count_arg("identity", &args[0], 0, "the size")?;
    let dt = dtype_arg("identity", &args[1], 1)?.unwrap_or(DType::Float);
    eye_matrix("identity", n, n, 0, dt)
}

fn eye(_cx: &dyn Context, args: Args) -> Result<Value> {
    let n = count_arg("eye", &args[0], 0, "N")?;
    let m = if args[1].is_nil() {
        n
    } else {
        count_arg("eye", &args[1], 1, "M")?
    };
    let k = args[2]
        .as_i64()
        .filter(|_| args[2].is_scalar())
        .ok_or_else(|| bad_arg("eye", 2, "an integer", &args[2]))?;
    let dt = dtype_arg("eye", &args[3], 3)?.unwrap_or(DType::Float);
    eye_matrix("eye", n, m, k, dt)
}

fn arange(_cx: &dyn Context, args: Args) -> Result<Value> {
    for (i, v) in args.iter().take(3).enumerate() {
        if !(v.is_nil() || v.is_scalar()) {
            return Err(bad_arg("arange", i, "a number or nil", v));
        }
    }
    let (start, stop) = match (&args[0], &args[1]) {
        (Value::Nil, Value::Nil) => {
            return Err(Error::type_error("arange: missing the stop value")
                .at_call("arange needs at least a stop value"))
        }
        (s, Value::Nil) => (Value::Int(0), s.clone()),
        (Value::Nil, s) => (Value::Int(0), s.clone()),
        (a, b) => (a.clone(), b.clone()),
    };
    let step = if args[2].is_nil() {
        Value::Int(1)
    } else {
        args[2].clone()
    };
    let dt_arg = dtype_arg("arange", &args[3], 3)?;
    let all_int = [&start, &stop, &step]
        .iter()
        .all(|v| matches!(v, Value::Int(_) | Value::Bool(_)));
    let zero_step = || {
        Error::value("arange: step must not be 0")
            .at_arg(2, "step 0")
            .with_help("use a positive or negative step")
    };
    let out = if all_int {
        let (a, b, s) = (
            start.as_i64().unwrap_or(0),
            stop.as_i64().unwrap_or(0),
            step.as_i64().unwrap_or(0),
        );
        if s == 0 {
            return Err(zero_step());
        }
        let len = crate::value::Range {
            start: a,
            stop: b,
            step: s,
        }
        .len();
        check_shape(&[len], DType::Int).map_err(|e| e.context("arange"))?;
        let v: Vec<i64> = (0..len)
            .map(|i| a.wrapping_add((i as i64).wrapping_mul(s)))
            .collect();
        Array::from_int(
            ArrayD::from_shape_vec(IxDyn(&[len]), v).map_err(|e| Error::internal(e.to_string()))?,
        )
    } else {
        let (a, b, s) = (
            start.as_f64().unwrap_or(0.0),
            stop.as_f64().unwrap_or(0.0),
            step.as_f64().unwrap_or(0.0),
        );
        if s == 0.0 {
            return Err(zero_step());
        }
        let n = ((b - a) / s).ceil();
        if n >= 1.8e19 {
            return Err(Error::limit(format!("arange: {n} elements are too many"))
                .at_call("too many elements"));
        }
        let len = if n.is_nan() || n <= 0.0 {
            0
        } else {
            n as usize
        };
        check_shape(&[len], DType::Float).map_err(|e| e.context("arange"))?;
        // NumPy fills start + i*delta with delta = (start + step) - start
        let delta = (a + s) - a;
        let v: Vec<f64> = (0..len)
            .map(|i| if i == 0 { a } else { a + i as f64 * delta })
            .collect();
        Array::from_float(
            ArrayD::from_shape_vec(IxDyn(&[len]), v).map_err(|e| Error::internal(e.to_string()))?,
        )
    };
    Ok(Value::from_array(match dt_arg {
        Some(d) => out.cast(d),
        None => out,
    }))
}

fn linspace(_cx: &dyn Context, args: Args) -> Result<Value> {
    let start = args[0]
        .as_f64()
        .filter(|_| args[0].is_scalar())
        .ok_or_else(|| bad_arg("linspace", 0, "a number", &args[0]))?;
    let stop = args[1]
        .as_f64()
        .filter(|_| args[1].is_scalar())
        .ok_or_else(|| bad_arg("linspace", 1, "a number", &args[1]))?;
    let num = match args[2].as_i64().filter(|_| args[2].is_scalar()) {
        Some(n) if n >= 1 => n as usize,
        Some(n) => {
            return Err(
                Error::value(format!("linspace: num must be at least 1, not {n}"))
                    .at_arg(2, "fewer than 1"),
            )
        }
        None => return Err(bad_arg("linspace", 2, "an integer", &args[2])),
    };
    check_shape(&[num], DType::Float).map_err(|e| e.context("linspace"))?;
    // NumPy's algorithm: i*step + start, or (i/div)*delta when step underflows to 0, and the
    // last element exactly stop
    let div = (num - 1) as f64;
    let delta = stop - start;
    let step = delta / div;
    let mut v: Vec<f64> = (0..num)
        .map(|i| {
            let i = i as f64;
            if num == 1 {
                i * delta + start
            } else if step == 0.0 {
                (i / div) * delta + start
            } else {
                i * step + start
            }
        })
        .collect();
    if num > 1 {
        if let Some(last) = v.last_mut() {
            *last = stop;
        }
    }
    Ok(Value::from(
        ArrayD::from_shape_vec(IxDyn(&[num]), v).map_err(|e| Error::internal(e.to_string()))?,
    ))
}

fn linearmatrix(_cx: &dyn Context, args: Args) -> Result<Value> {
    let nx = count_arg("linearmatrix", &args[0], 0, "nx")?;
    let ny = count_arg("linearmatrix", &args[1], 1, "ny")?;
    let mut f = [0.0; 3];
    for (i, slot) in f.iter_mut().enumerate() {
        let v = &args[i + 2];
        *slot = v
            .as_f64()
            .filter(|_| v.is_scalar())
            .ok_or_else(|| bad_arg("linearmatrix", i + 2, "a number", v))?;
    }
    check_shape(&[nx, ny], DType::Float).map_err(|e| e.context("linearmatrix"))?;
    let [x0, dx, dy] = f;
    let a = ndarray::Array2::from_shape_fn((nx, ny), |(i, j)| x0 + i as f64 * dx + j as f64 * dy);
    Ok(Value::from(a.into_dyn()))
}

// ---------------------------------------------------------------------------------------------
// Products

fn dot(_cx: &dyn Context, args: Args) -> Result<Value> {
    linalg::dot(&args[0], &args[1])
}

fn outer(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("outer", &args, 0)?;
    let b = array_arg("outer", &args, 1)?;
    Ok(Value::Array(linalg::outer(&a, &b)?))
}

fn trace(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("trace", &args, 0)?;
    let dt = dtype_arg("trace", &args[1], 1)?;
    match a.ndim() {
        0 => Ok(Value::from_array(match dt {
            Some(d) => a.cast(d),
            None => a,
        })),
        1 => Err(
            Error::value("trace: needs a matrix (at least 2 dimensions), not a vector")
                .at_arg(0, format!("shape {:?}", a.shape()))
                .with_help("for a vector, `sum` adds its elements"),
        ),
        _ => Ok(Value::from_array(linalg::trace(&a, dt))),
    }
}

// ---------------------------------------------------------------------------------------------
// argmax / argmin / count_nonzero

/// Index of the first extreme of a non-empty lane; the first NaN wins (NumPy).
fn arg_extreme<T: Copy + PartialOrd>(lane: &[T], max: bool, is_nan: impl Fn(T) -> bool) -> i64 {
    let Some(&first) = lane.first() else { return 0 };
    if is_nan(first) {
        return 0;
    }
    let (mut best, mut bv) = (0usize, first);
    for (i, &v) in lane.iter().enumerate().skip(1) {
        if is_nan(v) {
            return i as i64;
        }
        if (max && v > bv) || (!max && v < bv) {
            best = i;
            bv = v;
        }
    }
    best as i64
}

fn arg_reduce(prim: &str, max: bool, args: Args) -> Result<Value> {
    let a = array_arg(prim, &args, 0)?;
    let mask = reduce::axis_mask(prim, &args[1], a.ndim(), 1)?;
    let single = mask
        .as_ref()
        .map_or(0, |m| m.iter().filter(|&&b| b).count());
    if single > 1 {
        return Err(
            Error::type_error(format!("{prim}: axis must be a single integer"))
                .at_arg(1, "several axes"),
        );
    }
    let mask = mask.unwrap_or_else(|| vec![true; a.ndim()]);
    let reduced: usize = a
        .shape()
        .iter()
        .zip(&mask)
        .filter(|(_, &m)| m)
        .map(|(&d, _)| d)
        .product();
    let shape: Vec<usize> = a
        .shape()
        .iter()
        .zip(&mask)
        .filter(|(_, &m)| !m)
        .map(|(&d, _)| d)
        .collect();
    let outputs: usize = shape.iter().product();
    if reduced == 0 && outputs > 0 {
        return Err(Error::value(format!(
            "{prim}: attempt to get {prim} of an empty sequence"
        ))
        .at_arg(0, "this array is empty"));
    }
    let out: Vec<i64> = match &a {
        // axis 0 of a matrix (kmeans' argmin over the centroids): rows in place, no transpose
        Array::Float(x) if outputs > 0 && leading_rows(x, &mask).is_some() => {
            let (s, rows) = leading_rows(x, &mask).unwrap_or_default();
            arg_extreme_rows(s, rows, outputs, max)
        }
        Array::Float(x) => {
            let l = reduce::lanes(x, &mask);
            chunks(&l.data, l.inner, l.outer)
                .map(|c| arg_extreme(c, max, f64::is_nan))
                .collect()
        }
        Array::Int(x) => {
            let l = reduce::lanes(x, &mask);
            chunks(&l.data, l.inner, l.outer)
                .map(|c| arg_extreme(c, max, |_| false))
                .collect()
        }
        Array::Bool(x) => {
            let l = reduce::lanes(x, &mask);
            chunks(&l.data, l.inner, l.outer)
                .map(|c| arg_extreme(c, max, |_| false))
                .collect()
        }
    };
    let arr =
        ArrayD::from_shape_vec(IxDyn(&shape), out).map_err(|e| Error::internal(e.to_string()))?;
    Ok(Value::from(arr))
}

/// The data and row count when `mask` reduces exactly the leading axes of a standard-layout
/// array, so each output is a column of `rows` rows.
fn leading_rows<'a>(x: &'a ArrayD<f64>, mask: &[bool]) -> Option<(&'a [f64], usize)> {
    let r = mask.iter().take_while(|&&m| m).count();
    if r == 0 || r == mask.len() || mask[r..].iter().any(|&m| m) {
        return None;
    }
    Some((x.as_slice()?, x.shape()[..r].iter().product()))
}

/// Columns per parallel task of [`arg_extreme_rows`]: tasks own whole output columns, so the
/// result does not depend on the thread count.
const ARG_COLS: usize = 1 << 13;

/// [`arg_extreme`] of every column of a `rows` x `cols` row-major matrix, walking the rows in
/// order (the first extreme and the first NaN win, as in the lane version).
fn arg_extreme_rows(data: &[f64], rows: usize, cols: usize, max: bool) -> Vec<i64> {
    let block = |c0: usize, out: &mut [i64]| {
        let w = out.len();
        let mut best: Vec<f64> = data[c0..c0 + w].to_vec();
        out.fill(0);
        for r in 1..rows {
            let row = &data[r * cols + c0..r * cols + c0 + w];
            // branch-free selects, with `max` hoisted out of the loop, so it vectorises
            let ri = r as i64;
            let step = |o: &mut i64, b: &mut f64, v: f64, better: bool| {
                let take = (better | v.is_nan()) & !b.is_nan();
                *b = if take { v } else { *b };
                *o = if take { ri } else { *o };
            };
            if max {
                for ((o, b), &v) in out.iter_mut().zip(best.iter_mut()).zip(row) {
                    step(o, b, v, v > *b);
                }
            } else {
                for ((o, b), &v) in out.iter_mut().zip(best.iter_mut()).zip(row) {
                    step(o, b, v, v < *b);
                }
            }
        }
    };
    let mut out = vec![0i64; cols];
    if rows * cols > 1 << 16 {
        use rayon::prelude::*;
        out.par_chunks_mut(ARG_COLS)
            .enumerate()
            .for_each(|(i, o)| block(i * ARG_COLS, o));
    } else {
        block(0, &mut out);
    }
    out
}

/// `outer` lanes of `inner` elements (inner may be 0 only when outer is 0).
fn chunks<T>(data: &[T], inner: usize, outer: usize) -> impl Iterator<Item = &[T]> {
    data.chunks(inner.max(1)).take(outer)
}

fn argmax(_cx: &dyn Context, args: Args) -> Result<Value> {
    arg_reduce("argmax", true, args)
}

fn argmin(_cx: &dyn Context, args: Args) -> Result<Value> {
    arg_reduce("argmin", false, args)
}

fn count_nonzero(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("count_nonzero", &args, 0)?;
    let n = match &a {
        Array::Bool(x) => x.iter().filter(|&&b| b).count(),
        Array::Int(x) => x.iter().filter(|&&i| i != 0).count(),
        Array::Float(x) => x.iter().filter(|&&f| f != 0.0).count(),
    };
    Ok(Value::Int(n as i64))
}

// ---------------------------------------------------------------------------------------------
// The table

#[allow(clippy::too_many_arguments)]
const fn prim(
    name: &'static str,
    family: Family,
    tier: Tier,
    signature: &'static str,
    help: &'static str,
    examples: &'static [(&'static str, &'static str)],
    dtype_aliases: bool,
    f: super::PrimFn,
) -> Primitive {
    Primitive {
        name,
        family,
        tier,
        signature,
        effects: Effects::PURE,
        help,
        examples,
        dtype_aliases,
        eval: Eval::Fn(f),
    }
}

use Family::{Arithmetics, Matrixops};

pub(crate) static PRIMITIVES: &[Primitive] = &[
    prim(
        "constant",
        Matrixops,
        Tier::T1,
        "constant(value, shape=nil, dtype=\"float64\")",
        "An array of the given shape filled with value (nil: zeros).\n\
         shape is nil (0-D), an integer (vector) or a list of 1-4 extents. The dtype is float64 \
         unless given, even for an integer value (Phylanx; NumPy's full takes the value's dtype).",
        &[
            ("constant(7, 3)", "[7, 7, 7]"),
            ("constant(1, list(2, 2), \"int\")", "[[1, 1], [1, 1]]"),
            ("constant(0, list(-1, 2))", "!physl::value"),
        ],
        false,
        constant,
    ),
    prim(
        "full",
        Matrixops,
        Tier::T2,
        "full(shape, value, dtype=nil)",
        "An array of the given shape filled with value; the dtype defaults to the value's (NumPy).",
        &[
            ("full(3, 2.5)", "[2.5, 2.5, 2.5]"),
            ("full(list(2, 2), true)", "[[true, true], [true, true]]"),
        ],
        false,
        full,
    ),
    prim(
        "constant_like",
        Matrixops,
        Tier::T2,
        "constant_like(value, a, dtype=nil)",
        "An array of a's shape filled with value; float64 unless dtype is given.",
        &[("constant_like(3, [1, 2])", "[3, 3]")],
        false,
        constant_like,
    ),
    prim(
        "full_like",
        Matrixops,
        Tier::T2,
        "full_like(a, value, dtype=nil)",
        "An array of a's shape and dtype filled with value (converted to that dtype).",
        &[
            ("full_like([1.5, 2.5], 3)", "[3, 3]"),
            ("full_like([1, 2], 2.7)", "[2, 2]"),
        ],
        false,
        full_like,
    ),
    prim(
        "identity",
        Matrixops,
        Tier::T1,
        "identity(n, dtype=nil)",
        "The n x n identity matrix, float64 unless dtype is given.",
        &[("identity(2)", "[[1, 0], [0, 1]]")],
        false,
        identity,
    ),
    prim(
        "eye",
        Matrixops,
        Tier::T2,
        "eye(N, M=nil, k=0, dtype=\"float\")",
        "An N x M matrix (M defaults to N) with ones on diagonal k (k > 0 above the main \
         diagonal, k < 0 below), float64 unless dtype is given.",
        &[("eye(2, 3, 1)", "[[0, 1, 0], [0, 0, 1]]")],
        false,
        eye,
    ),
    prim(
        "arange",
        Matrixops,
        Tier::T2,
        "arange(start=nil, stop=nil, step=1, dtype=nil)",
        "Evenly spaced values in [start, stop); with one value it is the stop and start is 0.\n\
         int64 when all arguments are integers, float64 otherwise (NumPy). Error: step 0.",
        &[
            ("arange(4)", "[0, 1, 2, 3]"),
            ("arange(10, 0, -3)", "[10, 7, 4, 1]"),
            ("arange(0, 5, 0)", "!physl::value"),
        ],
        false,
        arange,
    ),
    prim(
        "linspace",
        Matrixops,
        Tier::T2,
        "linspace(start, stop, num)",
        "num evenly spaced float64 values from start to stop, both included (NumPy's algorithm; \
         Phylanx takes the dtype from the arguments). Error: num < 1.",
        &[("linspace(0, 1, 5)", "[0, 0.25, 0.5, 0.75, 1]")],
        true,
        linspace,
    ),
    prim(
        "linearmatrix",
        Matrixops,
        Tier::T3,
        "linearmatrix(nx, ny, x0, dx, dy)",
        "An nx x ny float64 matrix with element (i, j) = x0 + i*dx + j*dy.",
        &[("linearmatrix(2, 3, 0, 10, 1)", "[[0, 1, 2], [10, 11, 12]]")],
        true,
        linearmatrix,
    ),
    prim(
        "dot",
        Matrixops,
        Tier::T1,
        "dot(a, b)",
        "NumPy's dot: a 0-D operand scales; vector.vector is the inner product; otherwise the \
         last axis of a is contracted with the second-to-last (or only) axis of b.\n\
         Result in the common dtype; int64 wraps. Error: the contracted extents differ.",
        &[
            ("dot([1, 2, 3], [4, 5, 6])", "32"),
            ("dot([[1, 2], [3, 4]], [1, 1])", "[3, 7]"),
            ("dot([1, 2, 3], [1, 2])", "!physl::shape"),
        ],
        false,
        dot,
    ),
    prim(
        "outer",
        Matrixops,
        Tier::T2,
        "outer(a, b)",
        "Outer product of the flattened inputs: always a matrix, in the common dtype.",
        &[("outer([1, 2], [3, 4, 5])", "[[3, 4, 5], [6, 8, 10]]")],
        false,
        outer,
    ),
    prim(
        "trace",
        Arithmetics,
        Tier::T3,
        "trace(x, dtype=nil)",
        "Sum of the main diagonal of a matrix, in the input dtype as NumPy (bool gives int64; \
         Phylanx returns float64); 3-D/4-D give the traces over the first two axes; a 0-D \
         value is returned as is. Error: a vector.",
        &[
            ("trace([[1, 2], [3, 4]])", "5"),
            ("trace([1, 2])", "!physl::value"),
        ],
        false,
        trace,
    ),
    prim(
        "argmax",
        Matrixops,
        Tier::T2,
        "argmax(a, axis=nil)",
        "Index (int64) of the first maximum of the flattened array, or the indices along axis.\n\
         A NaN counts as the maximum (NumPy). Error: an empty array.",
        &[
            ("argmax([3, 9, 2, 9])", "1"),
            ("argmax([[1, 8, 3], [9, 2, 3]], 0)", "[1, 0, 0]"),
        ],
        false,
        argmax,
    ),
    prim(
        "argmin",
        Matrixops,
        Tier::T2,
        "argmin(a, axis=nil)",
        "Index (int64) of the first minimum of the flattened array, or the indices along axis.\n\
         A NaN counts as the minimum (NumPy). Error: an empty array.",
        &[
            ("argmin([3.5, -1.0, 2.0, -1.0])", "1"),
            ("argmin([[1, 8, 3], [9, 2, 3]], 1)", "[0, 1]"),
        ],
        false,
        argmin,
    ),
    prim(
        "count_nonzero",
        Matrixops,
        Tier::T2,
        "count_nonzero(a)",
        "Number of nonzero elements (int64); NaN counts as nonzero.",
        &[("count_nonzero([0, 1, 2, 0, 3])", "3")],
        false,
        count_nonzero,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::{call_primitive, TestContext};
    use crate::value::format::json;
    use smallvec::SmallVec;

    fn call(p: &str, args: &[Value]) -> Result<Value> {
        let prim = PRIMITIVES.iter().find(|x| x.name == p).unwrap();
        call_primitive(
            &TestContext::default(),
            prim,
            args.iter().cloned().collect::<SmallVec<_>>(),
        )
    }
    fn j(p: &str, args: &[Value]) -> String {
        json(&call(p, args).unwrap())
    }
    fn code(p: &str, args: &[Value]) -> &'static str {
        call(p, args).unwrap_err().code()
    }
    fn l(v: &[i64]) -> Value {
        Value::list(v.iter().map(|&i| Value::Int(i)).collect())
    }
    fn iv(shape: &[usize], v: Vec<i64>) -> Value {
        Value::from(ArrayD::from_shape_vec(IxDyn(shape), v).unwrap())
    }
    fn fv(shape: &[usize], v: Vec<f64>) -> Value {
        Value::from(ArrayD::from_shape_vec(IxDyn(shape), v).unwrap())
    }
    const NIL: Value = Value::Nil;

    #[test]
    fn constants() {
        assert_eq!(
            j("constant", &[Value::Float(7.0), Value::Int(3)]),
            r#"{"dtype": "float64", "shape": [3], "data": [7.0, 7.0, 7.0]}"#
        );
        assert_eq!(
            j("constant", &[Value::Int(1), l(&[2, 2])]),
            r#"{"dtype": "float64", "shape": [2, 2], "data": [1.0, 1.0, 1.0, 1.0]}"#
        );
        assert_eq!(
            j(
                "constant",
                &[Value::Int(5), Value::Int(4), Value::str("int")]
            ),
            r#"{"dtype": "int64", "shape": [4], "data": [5, 5, 5, 5]}"#
        );
        assert_eq!(
            j(
                "constant",
                &[Value::Int(1), Value::Int(3), Value::str("bool")]
            ),
            r#"{"dtype": "bool", "shape": [3], "data": [true, true, true]}"#
        );
        assert_eq!(
            j("constant", &[Value::Float(2.5), l(&[2, 1, 3])]),
            r#"{"dtype": "float64", "shape": [2, 1, 3], "data": [2.5, 2.5, 2.5, 2.5, 2.5, 2.5]}"#
        );
        assert_eq!(
            j("constant", &[Value::Int(3)]),
            r#"{"dtype": "float64", "shape": [], "data": [3.0]}"#
        );
        assert_eq!(
            j("constant", &[NIL, Value::Int(2)]),
            r#"{"dtype": "float64", "shape": [2], "data": [0.0, 0.0]}"#
        );
        assert_eq!(
            j("constant", &[Value::Int(1), l(&[1, 1, 1, 2])]),
            r#"{"dtype": "float64", "shape": [1, 1, 1, 2], "data": [1.0, 1.0]}"#
        );
        assert_eq!(
            j("constant", &[Value::Int(1), l(&[0, 3])]),
            r#"{"dtype": "float64", "shape": [0, 3], "data": []}"#
        );
        assert_eq!(
            code("constant", &[Value::Float(0.0), l(&[-1, 2])]),
            "physl::value"
        );
        assert_eq!(
            code("constant", &[Value::Float(0.0), l(&[1, 1, 1, 1, 1])]),
            "physl::value"
        );
        assert_eq!(
            code("constant", &[Value::Float(0.0), l(&[1 << 40, 1 << 30])]),
            "physl::limit"
        );
        assert_eq!(
            code("constant", &[Value::str("x"), Value::Int(2)]),
            "physl::type"
        );
        assert_eq!(
            code(
                "constant",
                &[Value::Int(1), Value::Int(2), Value::str("complex")]
            ),
            "physl::value"
        );
        let e = call("constant", &[Value::Float(0.0), l(&[-1, 2])]).unwrap_err();
        assert!(e.message().starts_with("constant"));
    }

    #[test]
    fn fulls_and_likes() {
        assert_eq!(
            j("full", &[l(&[2, 3]), Value::Int(7)]),
            r#"{"dtype": "int64", "shape": [2, 3], "data": [7, 7, 7, 7, 7, 7]}"#
        );
        assert_eq!(
            j("full", &[Value::Int(3), Value::Float(2.5)]),
            r#"{"dtype": "float64", "shape": [3], "data": [2.5, 2.5, 2.5]}"#
        );
        assert_eq!(
            j("full_like", &[iv(&[2, 2], vec![1, 2, 3, 4]), Value::Int(9)]),
            r#"{"dtype": "int64", "shape": [2, 2], "data": [9, 9, 9, 9]}"#
        );
        assert_eq!(
            j("full_like", &[fv(&[2], vec![1.5, 2.5]), Value::Int(3)]),
            r#"{"dtype": "float64", "shape": [2], "data": [3.0, 3.0]}"#
        );
        assert_eq!(
            j("full_like", &[iv(&[2], vec![1, 2]), Value::Float(2.7)]),
            r#"{"dtype": "int64", "shape": [2], "data": [2, 2]}"#
        );
        assert_eq!(
            j("constant_like", &[Value::Int(3), iv(&[2], vec![1, 2])]),
            r#"{"dtype": "float64", "shape": [2], "data": [3.0, 3.0]}"#
        );
        assert_eq!(
            j("full_like", &[Value::Int(4), Value::Int(1)]),
            r#"{"dtype": "int64", "shape": [], "data": [1]}"#
        );
    }

    #[test]
    fn identities_and_eyes() {
        assert_eq!(
            j("identity", &[Value::Int(3)]),
            r#"{"dtype": "float64", "shape": [3, 3], "data": [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]}"#
        );
        assert_eq!(
            j("identity", &[Value::Int(2), Value::str("int")]),
            r#"{"dtype": "int64", "shape": [2, 2], "data": [1, 0, 0, 1]}"#
        );
        assert_eq!(
            j("eye", &[Value::Int(3), Value::Int(4), Value::Int(1)]),
            r#"{"dtype": "float64", "shape": [3, 4], "data": [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]}"#
        );
        assert_eq!(
            j("eye", &[Value::Int(4), Value::Int(4), Value::Int(-2)]),
            r#"{"dtype": "float64", "shape": [4, 4], "data": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]}"#
        );
        assert_eq!(
            j("eye", &[Value::Int(2), NIL, Value::Int(5)]),
            r#"{"dtype": "float64", "shape": [2, 2], "data": [0.0, 0.0, 0.0, 0.0]}"#
        );
        assert_eq!(code("identity", &[Value::Int(-1)]), "physl::value");
        assert_eq!(code("identity", &[Value::Int(1 << 40)]), "physl::limit");
        for k in [i64::MIN, i64::MAX] {
            assert_eq!(
                j("eye", &[Value::Int(2), NIL, Value::Int(k)]),
                r#"{"dtype": "float64", "shape": [2, 2], "data": [0.0, 0.0, 0.0, 0.0]}"#
            );
        }
    }

    #[test]
    fn aranges() {
        assert_eq!(
            j("arange", &[Value::Int(5)]),
            r#"{"dtype": "int64", "shape": [5], "data": [0, 1, 2, 3, 4]}"#
        );
        assert_eq!(
            j("arange", &[Value::Int(2), Value::Int(7)]),
            r#"{"dtype": "int64", "shape": [5], "data": [2, 3, 4, 5, 6]}"#
        );
        assert_eq!(
            j("arange", &[Value::Int(10), Value::Int(0), Value::Int(-3)]),
            r#"{"dtype": "int64", "shape": [4], "data": [10, 7, 4, 1]}"#
        );
        assert_eq!(
            j(
                "arange",
                &[Value::Float(0.0), Value::Float(1.0), Value::Float(0.25)]
            ),
            r#"{"dtype": "float64", "shape": [4], "data": [0.0, 0.25, 0.5, 0.75]}"#
        );
        assert_eq!(
            j("arange", &[Value::Int(5), Value::Int(2)]),
            r#"{"dtype": "int64", "shape": [0], "data": []}"#
        );
        assert_eq!(
            j("arange", &[Value::Float(2.5)]),
            r#"{"dtype": "float64", "shape": [3], "data": [0.0, 1.0, 2.0]}"#
        );
        assert_eq!(
            j("arange", &[Value::Int(3), NIL, NIL, Value::str("float")]),
            r#"{"dtype": "float64", "shape": [3], "data": [0.0, 1.0, 2.0]}"#
        );
        assert_eq!(
            code("arange", &[Value::Int(0), Value::Int(5), Value::Int(0)]),
            "physl::value"
        );
        assert_eq!(
            code(
                "arange",
                &[Value::Float(0.0), Value::Float(1e300), Value::Float(1e-300)]
            ),
            "physl::limit"
        );
        assert_eq!(
            code("arange", &[Value::Int(i64::MIN), Value::Int(i64::MAX)]),
            "physl::limit"
        );
        assert_eq!(code("arange", &[]), "physl::type");
        assert_eq!(
            j("arange", &[Value::Float(0.0), Value::Float(f64::NAN)]),
            r#"{"dtype": "float64", "shape": [0], "data": []}"#
        );
    }

    #[test]
    fn linspaces_and_linearmatrix() {
        assert_eq!(
            j(
                "linspace",
                &[Value::Float(0.0), Value::Float(1.0), Value::Int(5)]
            ),
            r#"{"dtype": "float64", "shape": [5], "data": [0.0, 0.25, 0.5, 0.75, 1.0]}"#
        );
        assert_eq!(
            j("linspace", &[Value::Int(0), Value::Int(10), Value::Int(6)]),
            r#"{"dtype": "float64", "shape": [6], "data": [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]}"#
        );
        assert_eq!(
            j("linspace", &[Value::Int(3), Value::Int(10), Value::Int(1)]),
            r#"{"dtype": "float64", "shape": [1], "data": [3.0]}"#
        );
        // the last element is exactly stop, as NumPy
        let v = call(
            "linspace",
            &[Value::Float(0.1), Value::Float(0.7), Value::Int(7)],
        )
        .unwrap();
        assert_eq!(
            v.to_array().unwrap().get_flat(6).unwrap().as_f64(),
            Some(0.7)
        );
        assert_eq!(
            code("linspace", &[Value::Int(0), Value::Int(1), Value::Int(0)]),
            "physl::value"
        );
        assert_eq!(
            j(
                "linearmatrix",
                &[
                    Value::Int(2),
                    Value::Int(3),
                    Value::Int(0),
                    Value::Int(10),
                    Value::Int(1)
                ]
            ),
            r#"{"dtype": "float64", "shape": [2, 3], "data": [0.0, 1.0, 2.0, 10.0, 11.0, 12.0]}"#
        );
    }

    #[test]
    fn products_through_the_table() {
        assert_eq!(
            j("dot", &[iv(&[3], vec![1, 2, 3]), iv(&[3], vec![4, 5, 6])]),
            r#"{"dtype": "int64", "shape": [], "data": [32]}"#
        );
        assert_eq!(
            j("dot", &[fv(&[2], vec![0.5, 1.5]), fv(&[2], vec![2.0, 4.0])]),
            r#"{"dtype": "float64", "shape": [], "data": [7.0]}"#
        );
        assert_eq!(
            j(
                "dot",
                &[iv(&[1, 3], vec![1, 2, 3]), iv(&[3, 1], vec![1, 2, 3])]
            ),
            r#"{"dtype": "int64", "shape": [1, 1], "data": [14]}"#
        );
        assert_eq!(
            code("dot", &[iv(&[3], vec![1, 2, 3]), iv(&[2], vec![1, 2])]),
            "physl::shape"
        );
        assert_eq!(
            code(
                "dot",
                &[iv(&[2, 2], vec![1, 2, 3, 4]), iv(&[1, 3], vec![1, 2, 3])]
            ),
            "physl::shape"
        );
        assert_eq!(
            code("dot", &[Value::str("a"), iv(&[2], vec![1, 2])]),
            "physl::type"
        );
        assert_eq!(
            j("outer", &[iv(&[3], vec![1, 2, 3]), iv(&[2], vec![4, 5])]),
            r#"{"dtype": "int64", "shape": [3, 2], "data": [4, 5, 8, 10, 12, 15]}"#
        );
        assert_eq!(
            j("outer", &[Value::Int(2), fv(&[1], vec![0.5])]),
            r#"{"dtype": "float64", "shape": [1, 1], "data": [1.0]}"#
        );
        assert_eq!(
            j("trace", &[iv(&[2, 2], vec![1, 2, 3, 4])]),
            r#"{"dtype": "int64", "shape": [], "data": [5]}"#
        );
        assert_eq!(
            j(
                "trace",
                &[fv(
                    &[3, 3],
                    vec![1.5, 2.0, 0.0, 3.0, 4.0, 1.0, 0.0, 0.0, -2.0]
                )]
            ),
            r#"{"dtype": "float64", "shape": [], "data": [3.5]}"#
        );
        assert_eq!(
            j("trace", &[Value::Int(4)]),
            r#"{"dtype": "int64", "shape": [], "data": [4]}"#
        );
        assert_eq!(
            j(
                "trace",
                &[iv(&[2, 3], vec![1, 2, 3, 4, 5, 6]), Value::str("float")]
            ),
            r#"{"dtype": "float64", "shape": [], "data": [6.0]}"#
        );
        assert_eq!(code("trace", &[iv(&[2], vec![1, 2])]), "physl::value");
    }

    #[test]
    fn argextremes() {
        assert_eq!(
            j("argmax", &[iv(&[4], vec![3, 9, 2, 9])]),
            r#"{"dtype": "int64", "shape": [], "data": [1]}"#
        );
        assert_eq!(
            j("argmin", &[fv(&[4], vec![3.5, -1.0, 2.0, -1.0])]),
            r#"{"dtype": "int64", "shape": [], "data": [1]}"#
        );
        assert_eq!(
            j("argmax", &[iv(&[2, 2], vec![1, 8, 9, 2])]),
            r#"{"dtype": "int64", "shape": [], "data": [2]}"#
        );
        assert_eq!(
            j(
                "argmax",
                &[iv(&[2, 3], vec![1, 8, 3, 9, 2, 3]), Value::Int(0)]
            ),
            r#"{"dtype": "int64", "shape": [3], "data": [1, 0, 0]}"#
        );
        assert_eq!(
            j(
                "argmin",
                &[iv(&[2, 3], vec![1, 8, 3, 9, 2, 3]), Value::Int(-1)]
            ),
            r#"{"dtype": "int64", "shape": [2], "data": [0, 1]}"#
        );
        assert_eq!(
            j("argmax", &[fv(&[3], vec![1.0, f64::NAN, 3.0])]),
            r#"{"dtype": "int64", "shape": [], "data": [1]}"#
        );
        assert_eq!(
            j("argmin", &[fv(&[3], vec![1.0, 0.0, f64::NAN])]),
            r#"{"dtype": "int64", "shape": [], "data": [2]}"#
        );
        let b = Value::from(ArrayD::from_shape_vec(IxDyn(&[3]), vec![false, true, true]).unwrap());
        assert_eq!(
            j("argmax", &[b]),
            r#"{"dtype": "int64", "shape": [], "data": [1]}"#
        );
        assert_eq!(
            j("argmax", &[Value::Float(2.0)]),
            r#"{"dtype": "int64", "shape": [], "data": [0]}"#
        );
        assert_eq!(code("argmax", &[fv(&[0], vec![])]), "physl::value");
        assert_eq!(
            code("argmax", &[iv(&[2], vec![1, 2]), Value::Int(1)]),
            "physl::index"
        );
        assert_eq!(
            j(
                "argmax",
                &[iv(&[2, 2, 2, 2], (0..16).collect()), Value::Int(2)]
            ),
            r#"{"dtype": "int64", "shape": [2, 2, 2], "data": [1, 1, 1, 1, 1, 1, 1, 1]}"#
        );
        assert_eq!(
            j("count_nonzero", &[iv(&[5], vec![0, 1, 2, 0, 3])]),
            r#"{"dtype": "int64", "shape": [], "data": [3]}"#
        );
        assert_eq!(
            j("count_nonzero", &[fv(&[2, 2], vec![0.0, 1.5, 0.0, -2.0])]),
            r#"{"dtype": "int64", "shape": [], "data": [2]}"#
        );
    }
}
