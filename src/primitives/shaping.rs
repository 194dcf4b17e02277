//! Shape manipulation primitives of the matrixops family (spec 4.8): shape queries,
//! transposing, reshaping, joining, repeating, flipping, sorting, padding. Argument parsing
//! lives here; the array work is in [`crate::kernels::shape`].

use super::{bad_arg, Args, Context, Effects, Eval, Family, Primitive, Tier};
use crate::diagnostics::{Error, Result};
use crate::kernels::shape as k;
use crate::value::{check_shape, Array, DType, Value};

fn array_arg(prim: &str, args: &Args, i: usize) -> Result<Array> {
    args[i]
        .to_array()
        .ok_or_else(|| bad_arg(prim, i, "a number or an array", &args[i]))
}

/// An int, or a list / range / int vector of ints.
fn int_list(prim: &str, v: &Value, arg: usize, what: &str) -> Result<Vec<i64>> {
    let bad = || bad_arg(prim, arg, what, v);
    match v {
        Value::Int(i) => Ok(vec![*i]),
        Value::Array(Array::Int(a)) if a.ndim() == 1 => Ok(a.iter().copied().collect()),
        Value::List(_) | Value::Range(_) => v
            .list_items()
            .ok_or_else(bad)?
            .iter()
            .map(|x| match x {
                Value::Int(i) => Ok(*i),
                _ => Err(bad()),
            })
            .collect(),
        _ => Err(bad()),
    }
}

fn int_arg(prim: &str, v: &Value, arg: usize) -> Result<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        _ => Err(bad_arg(prim, arg, "an integer", v)),
    }
}

fn dtype_arg(prim: &str, v: &Value, arg: usize) -> Result<Option<DType>> {
    match v {
        Value::Nil => Ok(None),
        Value::Str(s) => DType::parse(s).map(Some).ok_or_else(|| {
            Error::value(format!("{prim}: unknown dtype \"{s}\""))
                .at_arg(arg, "unknown dtype")
                .with_help("dtypes are \"bool\", \"int64\" (any \"int...\") and \"float64\" (any \"float...\")")
        }),
        _ => Err(bad_arg(prim, arg, "a dtype name", v)),
    }
}

/// The arrays of a stacking function's first argument: a list of numbers/arrays, or the
/// sub-arrays along axis 0 of an array.
fn array_list(prim: &str, v: &Value) -> Result<Vec<Array>> {
    if let Value::Array(a) = v {
        return Ok(match a {
            Array::Bool(x) => x
                .outer_iter()
                .map(|s| Array::from_bool(s.to_owned()))
                .collect(),
            Array::Int(x) => x
                .outer_iter()
                .map(|s| Array::from_int(s.to_owned()))
                .collect(),
            Array::Float(x) => x
                .outer_iter()
                .map(|s| Array::from_float(s.to_owned()))
                .collect(),
        });
    }
    let items = v
        .list_items()
        .ok_or_else(|| bad_arg(prim, 0, "a list of arrays", v))?;
    if items.is_empty() {
        return Err(
            Error::value(format!("{prim}: need at least one array to join"))
                .at_arg(0, "empty list"),
        );
    }
    items
        .iter()
        .enumerate()
        .map(|(i, x)| {
            x.to_array().ok_or_else(|| {
                Error::type_error(format!(
                    "{prim}: element {i} of the list must be a number or an array, not a {}",
                    x.describe()
                ))
                .at_arg(0, format!("element {i} is a {}", x.describe()))
            })
        })
        .collect()
}

fn out(a: Array) -> Result<Value> {
    Ok(Value::from_array(a))
}

fn p_shape(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("shape", &args, 0)?;
    let shape = a.shape();
    if args[1].is_nil() {
        return Ok(Value::list(
            shape.iter().map(|&n| Value::Int(n as i64)).collect(),
        ));
    }
    let d = k::norm_axis("shape", int_arg("shape", &args[1], 1)?, shape.len(), 1)?;
    Ok(Value::Int(shape[d] as i64))
}

fn p_size(_cx: &dyn Context, args: Args) -> Result<Value> {
    Ok(Value::Int(array_arg("size", &args, 0)?.len() as i64))
}

fn p_ndim(_cx: &dyn Context, args: Args) -> Result<Value> {
    Ok(Value::Int(array_arg("ndim", &args, 0)?.ndim() as i64))
}

/// Normalised, distinct axes from an int or list argument.
fn axes_arg(prim: &str, v: &Value, arg: usize, ndim: usize) -> Result<Vec<usize>> {
    let mut axes = Vec::new();
    for a in int_list(prim, v, arg, "an axis or a list of axes")? {
        let ax = k::norm_axis(prim, a, ndim, arg)?;
        if axes.contains(&ax) {
            return Err(
                Error::value(format!("{prim}: repeated axis {a}")).at_arg(arg, "repeated axis")
            );
        }
        axes.push(ax);
    }
    Ok(axes)
}

fn p_transpose(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("transpose", &args, 0)?;
    let nd = a.ndim();
    let perm = if args[1].is_nil() {
        (0..nd).rev().collect()
    } else {
        let perm = axes_arg("transpose", &args[1], 1, nd)?;
        if perm.len() != nd {
            return Err(Error::value(format!(
                "transpose: axes must list each of the {nd} axes once, not {} entries",
                perm.len()
            ))
            .at_arg(1, "axes don't match the array"));
        }
        perm
    };
    let t = k::transpose(&a, &perm);
    // the row pass (kernels::rowpass) recognises `dot(transx, r)` with transx = transpose(x)
    if let (Array::Float(src), Array::Float(tt), [1, 0]) = (&a, &t, perm.as_slice()) {
        crate::kernels::rowpass::note_transpose(src, tt);
    }
    out(t)
}

fn p_expand_dims(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("expand_dims", &args, 0)?;
    let raw = int_list("expand_dims", &args[1], 1, "an axis or a list of axes")?;
    let mut axes = axes_arg("expand_dims", &args[1], 1, a.ndim() + raw.len())?;
    axes.sort_unstable();
    out(k::with_unit_axes("expand_dims", &a, &axes).map_err(|e| e.at_arg(1, "too many axes"))?)
}

fn p_squeeze(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("squeeze", &args, 0)?;
    let shape = a.shape().to_vec();
    let drop: Vec<usize> = if args[1].is_nil() {
        (0..shape.len()).filter(|&d| shape[d] == 1).collect()
    } else {
        let axes = axes_arg("squeeze", &args[1], 1, shape.len())?;
        if let Some(&bad) = axes.iter().find(|&&d| shape[d] != 1) {
            return Err(Error::value(format!(
                "squeeze: cannot remove axis {bad} of extent {} (only length-1 axes)",
                shape[bad]
            ))
            .at_arg(1, format!("axis {bad} has extent {}", shape[bad])));
        }
        axes
    };
    let new: Vec<usize> = (0..shape.len())
        .filter(|d| !drop.contains(d))
        .map(|d| shape[d])
        .collect();
    out(k::reshape("squeeze", a, &new)?)
}

fn p_reshape(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("reshape", &args, 0)?;
    let req = int_list("reshape", &args[1], 1, "an integer or a list of extents")?;
    let n = a.len();
    let mut shape = Vec::with_capacity(req.len());
    let mut infer = None;
    for (d, &e) in req.iter().enumerate() {
        match e {
            -1 if infer.is_none() => {
                infer = Some(d);
                shape.push(1);
            }
            e if e < 0 => {
                return Err(Error::value(format!(
                    "reshape: invalid extent {e} (only one -1 is allowed)"
                ))
                .at_arg(1, "invalid extent"))
            }
            e => shape.push(e as usize),
        }
    }
    let known = shape.iter().try_fold(1usize, |acc, &e| acc.checked_mul(e));
    // -1 is only determined when the other extents hold a nonzero divisor of the size
    let inferred = match (infer, known) {
        (Some(d), Some(k)) if k > 0 && n % k == 0 => {
            shape[d] = n / k;
            true
        }
        (Some(_), _) => false,
        (None, _) => true,
    };
    if !inferred || shape.iter().try_fold(1usize, |acc, &e| acc.checked_mul(e)) != Some(n) {
        return Err(Error::shape(format!(
            "reshape: cannot reshape an array of {n} elements (shape {:?}) into shape {req:?}",
            a.shape()
        ))
        .at_arg(1, format!("{req:?} does not hold {n} elements"))
        .at_arg(0, format!("shape {:?}", a.shape())));
    }
    out(k::reshape("reshape", a, &shape)?)
}

fn p_flatten(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("flatten", &args, 0)?;
    let n = a.len();
    match args[1].as_str() {
        Some("C" | "A" | "K") => out(k::reshape("flatten", a, &[n])?),
        Some("F") => out(k::flatten_f(&a)),
        _ => Err(Error::value("flatten: order must be \"C\" or \"F\"").at_arg(1, "unknown order")),
    }
}

/// Adds length-1 axes to reach at least `min` dimensions the way NumPy's
/// atleast_2d/atleast_3d do.
fn at_least(a: &Array, min: usize) -> Result<Array> {
    let s = a.shape();
    let shape = match (min, s.len()) {
        (_, n) if n >= min => return Ok(a.clone()),
        (1, 0) => vec![1],
        (2, 0) => vec![1, 1],
        (2, 1) => vec![1, s[0]],
        (3, 0) => vec![1, 1, 1],
        (3, 1) => vec![1, s[0], 1],
        (_, _) => vec![s[0], s[1], 1],
    };
    k::reshape("stack", a.clone(), &shape)
}

fn stack_like(prim: &str, args: &Args, min: usize, axis: Option<usize>) -> Result<Value> {
    let arrays = array_list(prim, &args[0])?
        .iter()
        .map(|a| at_least(a, min))
        .collect::<Result<Vec<_>>>()?;
    let dtype = dtype_arg(prim, &args[1], 1)?;
    // hstack joins vectors end to end, everything else along axis 1
    let axis = axis.unwrap_or_else(|| if arrays[0].ndim() == 1 { 0 } else { 1 });
    out(k::concatenate(prim, &arrays, axis, dtype)?)
}

fn p_vstack(_cx: &dyn Context, args: Args) -> Result<Value> {
    stack_like("vstack", &args, 2, Some(0))
}

fn p_hstack(_cx: &dyn Context, args: Args) -> Result<Value> {
    stack_like("hstack", &args, 1, None)
}

fn p_dstack(_cx: &dyn Context, args: Args) -> Result<Value> {
    stack_like("dstack", &args, 3, Some(2))
}

fn p_concatenate(_cx: &dyn Context, args: Args) -> Result<Value> {
    let arrays = array_list("concatenate", &args[0])?;
    if args[1].is_nil() {
        let flat = arrays
            .into_iter()
            .map(|a| {
                let n = a.len();
                k::reshape("concatenate", a, &[n])
            })
            .collect::<Result<Vec<_>>>()?;
        return out(k::concatenate("concatenate", &flat, 0, None)?);
    }
    if arrays.iter().any(|a| a.ndim() == 0) {
        return Err(
            Error::value("concatenate: 0-D values cannot be concatenated")
                .at_arg(0, "contains a number")
                .with_help("use hstack, or concatenate with axis nil"),
        );
    }
    let axis = k::norm_axis(
        "concatenate",
        int_arg("concatenate", &args[1], 1)?,
        arrays[0].ndim(),
        1,
    )?;
    out(k::concatenate("concatenate", &arrays, axis, None)?)
}

fn p_stack(_cx: &dyn Context, args: Args) -> Result<Value> {
    let arrays = array_list("stack", &args[0])?;
    let first = arrays[0].shape().to_vec();
    if let Some((i, a)) = arrays
        .iter()
        .enumerate()
        .find(|(_, a)| a.shape() != first.as_slice())
    {
        return Err(Error::shape(format!(
            "stack: all arrays must have the same shape, but array 0 has shape {first:?} and array {i} has shape {:?}",
            a.shape()
        ))
        .at_arg(0, format!("shapes {first:?} and {:?}", a.shape())));
    }
    let axis = k::norm_axis("stack", int_arg("stack", &args[1], 1)?, first.len() + 1, 1)?;
    let dtype = dtype_arg("stack", &args[2], 2)?;
    let expanded = arrays
        .iter()
        .map(|a| k::with_unit_axes("stack", a, &[axis]))
        .collect::<Result<Vec<_>>>()?;
    out(k::concatenate("stack", &expanded, axis, dtype)?)
}

fn p_repeat(_cx: &dyn Context, args: Args) -> Result<Value> {
    let mut a = array_arg("repeat", &args, 0)?;
    let axis = if args[2].is_nil() {
        let n = a.len();
        a = k::reshape("repeat", a, &[n])?;
        0
    } else {
        k::norm_axis("repeat", int_arg("repeat", &args[2], 2)?, a.ndim(), 2)?
    };
    let n = a.shape()[axis];
    let counts = int_list("repeat", &args[1], 1, "an integer or a list of counts")?;
    if counts.iter().any(|&c| c < 0) {
        return Err(Error::value("repeat: counts must not be negative").at_arg(1, "negative count"));
    }
    let counts: Vec<usize> = match counts.len() {
        1 => vec![counts[0] as usize; n],
        m if m == n => counts.iter().map(|&c| c as usize).collect(),
        m => {
            return Err(Error::shape(format!(
                "repeat: {m} counts given for an axis of length {n}"
            ))
            .at_arg(1, format!("{m} counts"))
            .at_arg(0, format!("axis {axis} has length {n}")))
        }
    };
    let total = counts.iter().try_fold(0usize, |acc, &c| acc.checked_add(c));
    let mut shape = a.shape().to_vec();
    shape[axis] = total.unwrap_or(usize::MAX);
    check_shape(&shape, a.dtype()).map_err(|e| e.context("repeat"))?;
    let pos: Vec<usize> = counts
        .iter()
        .enumerate()
        .flat_map(|(i, &c)| std::iter::repeat_n(i, c))
        .collect();
    out(k::gather_axis(&a, axis, &pos)?)
}

fn p_tile(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("tile", &args, 0)?;
    let reps = int_list("tile", &args[1], 1, "an integer or a list of counts")?;
    if reps.iter().any(|&r| r < 0) {
        return Err(Error::value("tile: counts must not be negative").at_arg(1, "negative count"));
    }
    let nd = a.ndim().max(reps.len());
    let mut shape = vec![1usize; nd - a.ndim()];
    shape.extend_from_slice(a.shape());
    let mut full = vec![1usize; nd - reps.len()];
    full.extend(reps.iter().map(|&r| r as usize));
    let target: Vec<usize> = shape
        .iter()
        .zip(&full)
        .map(|(&n, &r)| n.saturating_mul(r))
        .collect();
    check_shape(&target, a.dtype()).map_err(|e| e.context("tile").at_arg(1, "too many copies"))?;
    let mut t = k::reshape("tile", a, &shape)?;
    for (axis, (&n, &r)) in shape.iter().zip(&full).enumerate() {
        if r != 1 {
            let pos: Vec<usize> = (0..r).flat_map(|_| 0..n).collect();
            t = k::gather_axis(&t, axis, &pos)?;
        }
    }
    out(t)
}

fn p_flip(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("flip", &args, 0)?;
    let axes = if args[1].is_nil() {
        (0..a.ndim()).collect()
    } else {
        axes_arg("flip", &args[1], 1, a.ndim())?
    };
    out(k::flip(&a, &axes))
}

fn flip_axis(prim: &str, args: &Args, axis: usize) -> Result<Value> {
    let a = array_arg(prim, args, 0)?;
    if a.ndim() <= axis {
        return Err(Error::value(format!(
            "{prim}: needs an array of at least {} dimensions",
            axis + 1
        ))
        .at_arg(0, format!("{}-D value", a.ndim())));
    }
    out(k::flip(&a, &[axis]))
}

fn p_flipud(_cx: &dyn Context, args: Args) -> Result<Value> {
    flip_axis("flipud", &args, 0)
}

fn p_fliplr(_cx: &dyn Context, args: Args) -> Result<Value> {
    flip_axis("fliplr", &args, 1)
}

fn p_astype(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("astype", &args, 0)?;
    match dtype_arg("astype", &args[1], 1)? {
        Some(d) => out(a.cast(d)),
        None => Err(bad_arg("astype", 1, "a dtype name", &args[1])),
    }
}

fn p_diag(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("diag", &args, 0)?;
    out(k::diag(&a, int_arg("diag", &args[1], 1)?)?)
}

fn p_unique(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("unique", &args, 0)?;
    if args[1].is_nil() {
        return out(k::unique_flat(&a));
    }
    let axis = k::norm_axis("unique", int_arg("unique", &args[1], 1)?, a.ndim(), 1)?;
    out(k::unique_axis(&a, axis)?)
}

/// The array and axis of sort/argsort: axis nil flattens.
fn sort_args(prim: &str, args: &Args) -> Result<(Array, usize)> {
    let a = array_arg(prim, args, 0)?;
    if !args[2].is_nil() && args[2].as_str().is_none() {
        return Err(bad_arg(prim, 2, "a string", &args[2]));
    }
    if args[1].is_nil() {
        let n = a.len();
        return Ok((k::reshape(prim, a, &[n])?, 0));
    }
    let axis = k::norm_axis(prim, int_arg(prim, &args[1], 1)?, a.ndim(), 1)?;
    Ok((a, axis))
}

fn p_sort(_cx: &dyn Context, args: Args) -> Result<Value> {
    let (a, axis) = sort_args("sort", &args)?;
    out(k::sort(&a, axis))
}

fn p_argsort(_cx: &dyn Context, args: Args) -> Result<Value> {
    let (a, axis) = sort_args("argsort", &args)?;
    out(Array::from_int(k::argsort(&a, axis)))
}

fn p_pad(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("pad", &args, 0)?;
    match args[2].as_str() {
        Some("constant") => {}
        Some(m) => {
            return Err(Error::value(format!(
                "pad: mode \"{m}\" is not supported; only \"constant\" is"
            ))
            .at_arg(2, "unsupported mode"))
        }
        None => return Err(bad_arg("pad", 2, "a mode name", &args[2])),
    }
    let nd = a.ndim();
    let what = "an integer, list(before, after) or a list of such pairs";
    let pair = |v: &Value| -> Result<(usize, usize)> {
        let w = int_list("pad", v, 1, what)?;
        let (b, e) = match w.as_slice() {
            [x] => (*x, *x),
            [b, e] => (*b, *e),
            _ => return Err(bad_arg("pad", 1, what, v)),
        };
        if b < 0 || e < 0 {
            return Err(
                Error::value("pad: widths must not be negative").at_arg(1, "negative width")
            );
        }
        Ok((b as usize, e as usize))
    };
    let per_axis: Vec<Value> = match args[1].list_items() {
        Some(items) if items.iter().any(|x| x.is_list()) => items.into_vec(),
        _ => vec![args[1].clone()],
    };
    let widths = match per_axis.len() {
        1 => vec![pair(&per_axis[0])?; nd],
        m if m == nd => per_axis.iter().map(pair).collect::<Result<Vec<_>>>()?,
        m => {
            return Err(
                Error::shape(format!("pad: {m} pad widths given for a {nd}-D array"))
                    .at_arg(1, format!("{m} pairs")),
            )
        }
    };
    out(k::pad(&a, &widths, &args[3])?)
}

fn p_insert(_cx: &dyn Context, args: Args) -> Result<Value> {
    let mut a = array_arg("insert", &args, 0)?;
    let dtype = dtype_arg("insert", &args[4], 4)?.unwrap_or(a.dtype());
    let axis = if args[3].is_nil() {
        let n = a.len();
        a = k::reshape("insert", a, &[n])?;
        0
    } else {
        k::norm_axis("insert", int_arg("insert", &args[3], 3)?, a.ndim(), 3)?
    };
    let n = a.shape()[axis];
    let scalar_obj = matches!(args[1], Value::Int(_));
    let mut obj = Vec::new();
    for p in int_list("insert", &args[1], 1, "an index or a list of indices")? {
        let q = if p < 0 {
            p as i128 + n as i128
        } else {
            p as i128
        };
        if q < 0 || q > n as i128 {
            return Err(Error::index(format!(
                "insert: index {p} is out of bounds for axis {axis} with size {n}"
            ))
            .at_arg(1, format!("index {p}")));
        }
        obj.push(q as usize);
    }
    let mut vals = match &args[2] {
        // a list of numbers (or equal-shaped arrays) is an array one rank up
        l @ (Value::List(_) | Value::Range(_)) => {
            let parts = array_list("insert", l).map_err(|e| e.at_arg(2, "values"))?;
            let parts = parts
                .iter()
                .map(|p| k::with_unit_axes("insert", p, &[0]))
                .collect::<Result<Vec<_>>>()?;
            k::concatenate("insert", &parts, 0, Some(dtype))?
        }
        _ => array_arg("insert", &args, 2)?,
    }
    .cast(dtype);
    if scalar_obj {
        // NumPy: values get at least a.ndim axes, and their first axis becomes `axis`
        let mut shape = vec![1usize; a.ndim().saturating_sub(vals.ndim())];
        shape.extend_from_slice(vals.shape());
        vals = k::reshape("insert", vals, &shape)?;
        let mut perm: Vec<usize> = (1..vals.ndim()).collect();
        perm.insert(axis.min(perm.len()), 0);
        vals = k::transpose(&vals, &perm);
    }
    let count = if scalar_obj {
        vals.shape().get(axis).copied().unwrap_or(1)
    } else {
        obj.len()
    };
    let mut slot_shape = a.shape().to_vec();
    slot_shape[axis] = count;
    let block = k::broadcast_to("insert", &vals, &slot_shape)?;
    let joined = k::concatenate("insert", &[a.cast(dtype), block], axis, Some(dtype))?;
    // where each source row goes: original j keeps j; inserted slot i is row n + i
    let mut slots: Vec<(usize, usize)> = if scalar_obj {
        (0..count).map(|i| (obj[0], i)).collect()
    } else {
        obj.iter()
            .copied()
            .enumerate()
            .map(|(i, p)| (p, i))
            .collect()
    };
    slots.sort_by_key(|&(p, _)| p);
    let mut order = Vec::with_capacity(n + count);
    let mut next = slots.iter().peekable();
    for j in 0..=n {
        while let Some(&&(_, i)) = next.peek().filter(|s| s.0 == j) {
            order.push(n + i);
            next.next();
        }
        if j < n {
            order.push(j);
        }
    }
    out(k::gather_axis(&joined, axis, &order)?)
}

macro_rules! prim {
    ($name:literal, $tier:ident, $sig:literal, $f:ident, $help:expr, [$($ex:expr),* $(,)?]) => {
        Primitive {
            name: $name,
            family: Family::Matrixops,
            tier: Tier::$tier,
            signature: $sig,
            effects: Effects::PURE,
            help: $help,
            examples: &[$($ex),*],
            dtype_aliases: false,
            eval: Eval::Fn($f),
        }
    };
}

pub(crate) static PRIMITIVES: &[Primitive] = &[
    prim!("shape", T1, "shape(a, dim=nil)", p_shape,
        "List of the int64 extents of a (empty for a number), or the extent of dimension dim.\n\
         Negative dim counts from the end. Unlike NumPy the result is a list, not a tuple.",
        [("shape([[1, 2, 3], [4, 5, 6]])", "list(2, 3)"), ("shape(5)", "list()"),
         ("shape([[1, 2, 3], [4, 5, 6]], -1)", "3")]),
    prim!("size", T1, "size(a)", p_size, "Total number of elements (int64).",
        [("size([[1, 2, 3], [4, 5, 6]])", "6")]),
    prim!("ndim", T1, "ndim(a)", p_ndim, "Number of dimensions, 0 to 4.",
        [("ndim(3.0)", "0"), ("ndim([[1], [2]])", "2")]),
    prim!("transpose", T1, "transpose(a, axes=nil)", p_transpose,
        "Reverse the axes (vectors and numbers unchanged) or permute them by axes (list or int vector).",
        [("transpose([[1, 2, 3], [4, 5, 6]])", "[[1, 4], [2, 5], [3, 6]]")]),
    prim!("expand_dims", T2, "expand_dims(a, axis)", p_expand_dims,
        "Insert a length-1 axis at position axis (negative counts from the end of the result).",
        [("shape(expand_dims([1, 2, 3], 1))", "list(3, 1)"), ("expand_dims(5, 0)", "[5]")]),
    prim!("squeeze", T2, "squeeze(a, axis=nil)", p_squeeze,
        "Remove length-1 axes: all of them, or the given one(s). Error: an axis of extent > 1.",
        [("squeeze([[1], [2], [3]])", "[1, 2, 3]"), ("squeeze([[1, 2]], 1)", "!physl::value")]),
    prim!("reshape", T2, "reshape(a, newshape)", p_reshape,
        "Same data in row-major order with a new shape (int or list; one extent may be -1).",
        [("reshape([1, 2, 3, 4, 5, 6], list(3, -1))", "[[1, 2], [3, 4], [5, 6]]"),
         ("reshape([1, 2, 3], 2)", "!physl::shape")]),
    prim!("flatten", T2, "flatten(a, order=\"C\")", p_flatten,
        "1-D copy of a: order \"C\" is row-major, \"F\" column-major.",
        [("flatten([[1, 2], [3, 4]])", "[1, 2, 3, 4]"), ("flatten([[1, 2], [3, 4]], \"F\")", "[1, 3, 2, 4]")]),
    prim!("vstack", T2, "vstack(arrays, dtype=nil)", p_vstack,
        "Stack a list of arrays vertically: numbers and vectors become rows, matrices are joined along axis 0.",
        [("vstack(list([1, 2], [3, 4]))", "[[1, 2], [3, 4]]")]),
    prim!("hstack", T2, "hstack(arrays, dtype=nil)", p_hstack,
        "Stack a list of arrays horizontally: vectors (and numbers) end to end, others along axis 1.",
        [("hstack(list([1, 2], 3))", "[1, 2, 3]"), ("hstack(list([[1], [2]], [[3], [4]]))", "[[1, 3], [2, 4]]")]),
    prim!("dstack", T2, "dstack(arrays, dtype=nil)", p_dstack,
        "Stack a list of arrays along a third axis: a vector (n) becomes (1, n, 1), a matrix (r, c) becomes (r, c, 1).",
        [("shape(dstack(list([1, 2], [3, 4])))", "list(1, 2, 2)")]),
    prim!("concatenate", T2, "concatenate(arrays, axis=0)", p_concatenate,
        "Join a list of arrays along an existing axis; axis nil flattens them first.\n\
         The result has the common dtype. Error: ranks or other extents differ.",
        [("concatenate(list([1, 2], [3]))", "[1, 2, 3]"),
         ("concatenate(list([[1, 2]], [[1, 2, 3]]), 0)", "!physl::shape")]),
    prim!("stack", T2, "stack(arrays, axis=0, dtype=nil)", p_stack,
        "Join a list of equal-shaped arrays along a new axis.",
        [("stack(list([1, 2], [3, 4]), 1)", "[[1, 3], [2, 4]]")]),
    prim!("repeat", T2, "repeat(a, repeats, axis=nil)", p_repeat,
        "Repeat each element (count or per-element counts) along axis; axis nil flattens first.",
        [("repeat([1, 2, 3], 2)", "[1, 1, 2, 2, 3, 3]"), ("repeat([1, 2, 3], list(1, 0, 2))", "[1, 3, 3]")]),
    prim!("tile", T2, "tile(a, reps)", p_tile,
        "Repeat the whole array reps times per axis (int or list, aligned at the last axis).",
        [("tile([1, 2], 3)", "[1, 2, 1, 2, 1, 2]"), ("tile([1, 2], list(2, 1))", "[[1, 2], [1, 2]]")]),
    prim!("flip", T2, "flip(a, axes=nil)", p_flip,
        "Reverse the order of elements along all axes or along the given axis/axes.",
        [("flip([[1, 2], [3, 4]])", "[[4, 3], [2, 1]]"), ("flip([[1, 2], [3, 4]], 0)", "[[3, 4], [1, 2]]")]),
    prim!("flipud", T2, "flipud(a)", p_flipud, "Reverse along axis 0.",
        [("flipud([[1, 2], [3, 4]])", "[[3, 4], [1, 2]]")]),
    prim!("fliplr", T2, "fliplr(a)", p_fliplr, "Reverse along axis 1 (needs at least 2 dimensions).",
        [("fliplr([[1, 2], [3, 4]])", "[[2, 1], [4, 3]]"), ("fliplr([1, 2])", "!physl::value")]),
    prim!("astype", T2, "astype(x, dtype)", p_astype,
        "Copy converted to dtype (\"bool\", \"int...\", \"float...\"); float to int truncates toward zero.\n\
         NaN and infinities saturate (NaN becomes 0) instead of NumPy's platform-dependent values.",
        [("astype([1.7, -1.7], \"int\")", "[1, -1]"), ("astype([0, 3], \"bool\")", "[false, true]")]),
    prim!("diag", T2, "diag(a, k=0)", p_diag,
        "A vector becomes a square matrix with it on diagonal k; a matrix gives its diagonal k.",
        [("diag([1, 2])", "[[1, 0], [0, 2]]"), ("diag([[1, 2], [3, 4]], 1)", "[2]")]),
    prim!("unique", T2, "unique(a, axis=nil)", p_unique,
        "Sorted distinct elements of the flattened array, or sorted distinct sub-arrays along axis.\n\
         NaNs count as one value, as in NumPy 2.",
        [("unique([3, 1, 3, 2, 1])", "[1, 2, 3]"), ("unique([[1, 2], [0, 1], [1, 2]], 0)", "[[0, 1], [1, 2]]")]),
    prim!("sort", T2, "sort(a, axis=-1, kind=\"quicksort\", order=nil)", p_sort,
        "Sorted copy along axis (nil: flattened); stable, NaN last. kind and order are ignored.",
        [("sort([3, 1, 2])", "[1, 2, 3]"), ("sort([[3, 1], [2, 4]], 0)", "[[2, 1], [3, 4]]")]),
    prim!("argsort", T2, "argsort(a, axis=-1, kind=\"quicksort\", order=nil)", p_argsort,
        "Indices (int64) that sort a along axis (nil: flattened); stable, NaN last. kind and order are ignored.",
        [("argsort([30, 10, 20])", "[1, 2, 0]")]),
    prim!("pad", T2, "pad(a, pad_width, mode=\"constant\", constant_values=0)", p_pad,
        "Pad each axis with (before, after) copies of constant_values; only mode \"constant\" exists.\n\
         pad_width is an int, list(before, after), or one such pair per axis.",
        [("pad([1, 2], 1)", "[0, 1, 2, 0]"), ("pad([1, 2], list(0, 2), \"constant\", 9)", "[1, 2, 9, 9]")]),
    prim!("insert", T2, "insert(arr, obj, values, axis=nil, dtype=nil)", p_insert,
        "Copy of arr with values inserted before index/indices obj along axis (nil: flattened first).\n\
         The result keeps arr's dtype unless dtype is given; values broadcast to the inserted slots.",
        [("insert([1, 2, 3], 1, 9)", "[1, 9, 2, 3]"), ("insert([1, 2, 3], list(0, 3), list(8, 9))", "[8, 1, 2, 3, 9]"),
         ("insert([[1, 2], [3, 4]], 1, 0, 1)", "[[1, 0, 2], [3, 0, 4]]")]),
];
