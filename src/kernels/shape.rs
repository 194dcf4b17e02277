//! Shape kernels (spec 4.8): transposing, reshaping, joining, repeating, flipping, sorting
//! and padding typed arrays. Every result is a fresh array in standard (row-major) layout,
//! which the rest of the crate relies on for `as_slice()`.

use crate::diagnostics::{Error, Result};
use crate::value::{check_shape, Array, DType, Value};
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn, Slice};
use std::cmp::Ordering;
use std::sync::Arc;

/// Applies a generic expression to the typed array inside and wraps the result in an
/// [`Array`] of the same dtype.
macro_rules! map_same {
    ($array:expr, $a:ident => $body:expr) => {
        match $array {
            $crate::value::Array::Bool($a) => $crate::value::Array::from_bool($body),
            $crate::value::Array::Int($a) => $crate::value::Array::from_int($body),
            $crate::value::Array::Float($a) => $crate::value::Array::from_float($body),
        }
    };
}
pub(crate) use map_same;

/// The array itself when it is row-major already, else a row-major copy.
pub fn std_layout<T: Clone>(a: ArrayD<T>) -> ArrayD<T> {
    if a.is_standard_layout() {
        a
    } else {
        a.as_standard_layout().into_owned()
    }
}

/// A row-major copy of a view (one copy whatever the view's strides).
pub fn owned_std<T: Clone>(v: ArrayViewD<'_, T>) -> ArrayD<T> {
    v.as_standard_layout().into_owned()
}

/// Takes the data out of a shared array, copying only when it is shared.
fn unshare<T: Clone>(a: Arc<ArrayD<T>>) -> ArrayD<T> {
    std_layout(Arc::try_unwrap(a).unwrap_or_else(|a| (*a).clone()))
}

fn internal(prim: &str, e: impl std::fmt::Display) -> Error {
    Error::internal(format!("{prim}: {e}"))
}

/// An axis argument, negative counting from the end, checked against `ndim`.
pub fn norm_axis(prim: &str, axis: i64, ndim: usize, arg: usize) -> Result<usize> {
    let a = if axis < 0 {
        axis as i128 + ndim as i128
    } else {
        axis as i128
    };
    if a < 0 || a >= ndim as i128 {
        return Err(Error::value(format!(
            "{prim}: axis {axis} is out of bounds for an array of dimension {ndim}"
        ))
        .at_arg(arg, format!("axis {axis}"))
        .with_help(format!(
            "valid axes are {} to {}",
            -(ndim as i64),
            ndim as i64 - 1
        )));
    }
    Ok(a as usize)
}

/// Same data in a new shape with the same element count (checked by the caller).
pub fn reshape(prim: &str, a: Array, shape: &[usize]) -> Result<Array> {
    check_shape(shape, a.dtype()).map_err(|e| e.context(prim))?;
    Ok(map_same!(a, x => unshare(x)
        .into_shape_with_order(IxDyn(shape))
        .map_err(|e| internal(prim, e))?))
}

/// Permutes the axes (`perm[i]` is the source axis of result axis `i`).
pub fn transpose(a: &Array, perm: &[usize]) -> Array {
    map_same!(a, x => owned_std(x.view().permuted_axes(IxDyn(perm))))
}

/// Column-major flattening.
pub fn flatten_f(a: &Array) -> Array {
    let perm: Vec<usize> = (0..a.ndim()).rev().collect();
    let t = transpose(a, &perm);
    let n = t.len();
    map_same!(t, x => unshare(x).into_shape_with_order(IxDyn(&[n])).unwrap_or_default())
}

/// Copies `pos` along `axis` (positions must be valid): the work behind repeat and tile.
pub fn gather_axis(a: &Array, axis: usize, pos: &[usize]) -> Result<Array> {
    fn go<T: Clone>(a: &ArrayD<T>, axis: usize, pos: &[usize]) -> Result<ArrayD<T>> {
        let src = a.as_standard_layout();
        let data = src.as_slice().unwrap_or(&[]);
        let shape = a.shape();
        let outer: usize = shape[..axis].iter().product();
        let inner: usize = shape[axis + 1..].iter().product();
        let n = shape[axis];
        let mut out = Vec::with_capacity(outer * pos.len() * inner);
        for o in 0..outer {
            for &p in pos {
                let start = (o * n + p) * inner;
                if let Some(block) = data.get(start..start + inner) {
                    out.extend_from_slice(block);
                }
            }
        }
        let mut new_shape = shape.to_vec();
        new_shape[axis] = pos.len();
        ArrayD::from_shape_vec(IxDyn(&new_shape), out).map_err(|e| internal("gather", e))
    }
    Ok(map_same!(a, x => go(x, axis, pos)?))
}

/// Reverses the given axes.
pub fn flip(a: &Array, axes: &[usize]) -> Array {
    map_same!(a, x => {
        let mut v = x.view();
        for &k in axes {
            v.invert_axis(Axis(k));
        }
        owned_std(v)
    })
}

/// The common dtype of arrays (spec 3.3).
pub fn common_dtype(arrays: &[Array]) -> DType {
    arrays
        .iter()
        .map(Array::dtype)
        .max()
        .unwrap_or(DType::Float)
}

/// Joins arrays of equal rank along an existing axis. Errors are labelled on argument 0
/// (the list of arrays).
pub fn concatenate(
    prim: &str,
    arrays: &[Array],
    axis: usize,
    dtype: Option<DType>,
) -> Result<Array> {
    let first = arrays.first().ok_or_else(|| {
        Error::value(format!("{prim}: need at least one array to join")).at_arg(0, "empty list")
    })?;
    let nd = first.ndim();
    for (i, a) in arrays.iter().enumerate().skip(1) {
        let same = a.ndim() == nd && (0..nd).all(|k| k == axis || a.shape()[k] == first.shape()[k]);
        if !same {
            let what = if a.ndim() != nd {
                format!("have {} and {} dimensions", nd, a.ndim())
            } else {
                format!("differ in an axis other than axis {axis}")
            };
            return Err(Error::shape(format!(
                "{prim}: array 0 of shape {:?} and array {i} of shape {:?} {what}",
                first.shape(),
                a.shape()
            ))
            .at_arg(0, format!("shapes {:?} and {:?}", first.shape(), a.shape()))
            .with_help("all extents except the joining axis must be equal"));
        }
    }
    let mut shape = first.shape().to_vec();
    shape[axis] = arrays.iter().map(|a| a.shape()[axis]).sum();
    let dtype = dtype.unwrap_or_else(|| common_dtype(arrays));
    check_shape(&shape, dtype).map_err(|e| e.context(prim))?;
    let cast: Vec<Array> = arrays.iter().map(|a| a.cast(dtype)).collect();
    fn join<T: Clone>(parts: Vec<&ArrayD<T>>, axis: usize, prim: &str) -> Result<ArrayD<T>> {
        let views: Vec<ArrayViewD<'_, T>> = parts.iter().map(|p| p.view()).collect();
        ndarray::concatenate(Axis(axis), &views)
            .map(std_layout)
            .map_err(|e| internal(prim, e))
    }
    Ok(match dtype {
        DType::Bool => Array::from_bool(join(
            cast.iter()
                .filter_map(|a| {
                    if let Array::Bool(x) = a {
                        Some(&**x)
                    } else {
                        None
                    }
                })
                .collect(),
            axis,
            prim,
        )?),
        DType::Int => Array::from_int(join(
            cast.iter()
                .filter_map(|a| {
                    if let Array::Int(x) = a {
                        Some(&**x)
                    } else {
                        None
                    }
                })
                .collect(),
            axis,
            prim,
        )?),
        DType::Float => Array::from_float(join(
            cast.iter()
                .filter_map(|a| {
                    if let Array::Float(x) = a {
                        Some(&**x)
                    } else {
                        None
                    }
                })
                .collect(),
            axis,
            prim,
        )?),
    })
}

/// A copy of `a` broadcast to `shape` (NumPy rules, leading length-1 axes of `a` beyond the
/// target's rank dropped).
pub fn broadcast_to(prim: &str, a: &Array, shape: &[usize]) -> Result<Array> {
    check_shape(shape, a.dtype()).map_err(|e| e.context(prim))?;
    let fail = || {
        Error::shape(format!(
            "{prim}: values of shape {:?} cannot be broadcast to shape {shape:?}",
            a.shape()
        ))
        .at_arg(2, format!("shape {:?}", a.shape()))
    };
    let mut trimmed = a.shape().to_vec();
    while trimmed.len() > shape.len() && trimmed[0] == 1 {
        trimmed.remove(0);
    }
    let a = reshape(prim, a.clone(), &trimmed)?;
    Ok(map_same!(&a, x => owned_std(x.broadcast(IxDyn(shape)).ok_or_else(fail)?)))
}

/// Adds length-1 axes at `axes` (sorted positions in the result).
pub fn with_unit_axes(prim: &str, a: &Array, axes: &[usize]) -> Result<Array> {
    let mut shape = a.shape().to_vec();
    for &k in axes {
        shape.insert(k.min(shape.len()), 1);
    }
    reshape(prim, a.clone(), &shape)
}

/// Total order used by sort, argsort and unique: NaN after everything, as NumPy.
pub trait SortKey: Clone + PartialEq {
    fn total_cmp(&self, other: &Self) -> Ordering;
    /// Equality for unique (NaNs are equal to each other).
    fn same(&self, other: &Self) -> bool {
        self.total_cmp(other) == Ordering::Equal
    }
}
impl SortKey for bool {
    fn total_cmp(&self, other: &Self) -> Ordering {
        self.cmp(other)
    }
}
impl SortKey for i64 {
    fn total_cmp(&self, other: &Self) -> Ordering {
        self.cmp(other)
    }
}
impl SortKey for f64 {
    fn total_cmp(&self, other: &Self) -> Ordering {
        match (self.is_nan(), other.is_nan()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            _ => self.partial_cmp(other).unwrap_or(Ordering::Equal),
        }
    }
}

/// Stable sort of every lane along `axis`.
pub fn sort(a: &Array, axis: usize) -> Array {
    fn go<T: SortKey>(x: &ArrayD<T>, axis: usize) -> ArrayD<T> {
        let mut out = owned_std(x.view());
        let mut buf: Vec<T> = Vec::new();
        for mut lane in out.lanes_mut(Axis(axis)) {
            buf.clear();
            buf.extend(lane.iter().cloned());
            buf.sort_by(T::total_cmp);
            for (d, s) in lane.iter_mut().zip(buf.drain(..)) {
                *d = s;
            }
        }
        out
    }
    map_same!(a, x => go(&**x, axis))
}

/// Indices that stably sort every lane along `axis`.
pub fn argsort(a: &Array, axis: usize) -> ArrayD<i64> {
    fn go<T: SortKey>(x: &ArrayD<T>, axis: usize) -> ArrayD<i64> {
        let mut out = ArrayD::<i64>::zeros(x.raw_dim());
        let mut idx: Vec<usize> = Vec::new();
        for (lane, mut dst) in x
            .lanes(Axis(axis))
            .into_iter()
            .zip(out.lanes_mut(Axis(axis)))
        {
            let vals: Vec<&T> = lane.iter().collect();
            idx.clear();
            idx.extend(0..vals.len());
            idx.sort_by(|&i, &j| vals[i].total_cmp(vals[j]));
            for (d, &i) in dst.iter_mut().zip(idx.iter()) {
                *d = i as i64;
            }
        }
        out
    }
    with_dtype_ref(a, |x| go(x, axis), |x| go(x, axis), |x| go(x, axis))
}

fn with_dtype_ref<R>(
    a: &Array,
    b: impl FnOnce(&ArrayD<bool>) -> R,
    i: impl FnOnce(&ArrayD<i64>) -> R,
    f: impl FnOnce(&ArrayD<f64>) -> R,
) -> R {
    match a {
        Array::Bool(x) => b(x),
        Array::Int(x) => i(x),
        Array::Float(x) => f(x),
    }
}

/// Sorted distinct elements of the flattened array.
pub fn unique_flat(a: &Array) -> Array {
    fn go<T: SortKey>(x: &ArrayD<T>) -> ArrayD<T> {
        let mut v: Vec<T> = x.iter().cloned().collect();
        v.sort_by(T::total_cmp);
        v.dedup_by(|p, q| p.same(q));
        ndarray::Array1::from(v).into_dyn()
    }
    map_same!(a, x => go(&**x))
}

/// Sorted distinct sub-arrays along `axis` (lexicographic order).
pub fn unique_axis(a: &Array, axis: usize) -> Result<Array> {
    fn keep<T: SortKey>(x: &ArrayD<T>, axis: usize) -> Vec<usize> {
        let rows: Vec<Vec<T>> = x
            .axis_iter(Axis(axis))
            .map(|r| r.iter().cloned().collect())
            .collect();
        let lex = |i: usize, j: usize| {
            rows[i]
                .iter()
                .zip(&rows[j])
                .map(|(p, q)| p.total_cmp(q))
                .find(|o| *o != Ordering::Equal)
                .unwrap_or(Ordering::Equal)
        };
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|&i, &j| lex(i, j));
        order.dedup_by(|p, q| lex(*p, *q) == Ordering::Equal);
        order
    }
    let pos = with_dtype_ref(a, |x| keep(x, axis), |x| keep(x, axis), |x| keep(x, axis));
    gather_axis(a, axis, &pos)
}

/// `diag`: a vector becomes a square matrix with it on diagonal `k`; a matrix gives its
/// diagonal `k`.
pub fn diag(a: &Array, k: i64) -> Result<Array> {
    fn from_vec<T: Clone + Default>(x: &ArrayD<T>, k: i64) -> Result<ArrayD<T>> {
        let n = x.len();
        let off = k.unsigned_abs() as usize;
        let m = n
            .checked_add(off)
            .ok_or_else(|| Error::value("diag: k is too large").at_arg(1, "k"))?;
        check_shape(&[m, m], DType::Float).map_err(|e| e.context("diag"))?;
        let mut out = ArrayD::from_elem(IxDyn(&[m, m]), T::default());
        for (i, v) in x.iter().enumerate() {
            let (r, c) = if k >= 0 { (i, i + off) } else { (i + off, i) };
            if let Some(slot) = out.get_mut(IxDyn(&[r, c])) {
                *slot = v.clone();
            }
        }
        Ok(out)
    }
    fn of_matrix<T: Clone>(x: &ArrayD<T>, k: i64) -> ArrayD<T> {
        let (rows, cols) = (x.shape()[0] as i128, x.shape()[1] as i128);
        let k = k as i128;
        let (r0, c0) = if k >= 0 { (0, k) } else { (-k, 0) };
        let len = (rows - r0).min(cols - c0).max(0) as usize;
        let v: Vec<T> = (0..len)
            .filter_map(|i| x.get(IxDyn(&[r0 as usize + i, c0 as usize + i])).cloned())
            .collect();
        ndarray::Array1::from(v).into_dyn()
    }
    Ok(match a.ndim() {
        1 => map_same!(a, x => from_vec(&**x, k)?),
        2 => map_same!(a, x => of_matrix(&**x, k)),
        n => {
            return Err(
                Error::value(format!("diag: input must be 1-D or 2-D, not {n}-D"))
                    .at_arg(0, format!("{n}-D value")),
            )
        }
    })
}

/// Pads each axis with `widths[axis] = (before, after)` copies of `value` (cast to a's dtype).
pub fn pad(a: &Array, widths: &[(usize, usize)], value: &Value) -> Result<Array> {
    let shape: Vec<usize> = a
        .shape()
        .iter()
        .zip(widths)
        .map(|(&n, &(b, e))| n.checked_add(b).and_then(|m| m.checked_add(e)))
        .collect::<Option<_>>()
        .ok_or_else(|| Error::value("pad: pad widths are too large").at_arg(1, "too large"))?;
    check_shape(&shape, a.dtype()).map_err(|e| e.context("pad"))?;
    let fill = value
        .to_array()
        .ok_or_else(|| crate::primitives::bad_arg("pad", 3, "a number", value))?
        .cast(a.dtype());
    fn go<T: Clone>(
        x: &ArrayD<T>,
        fill: T,
        shape: &[usize],
        widths: &[(usize, usize)],
    ) -> ArrayD<T> {
        let mut out = ArrayD::from_elem(IxDyn(shape), fill);
        let mut view = out.view_mut();
        for (k, &(b, _)) in widths.iter().enumerate() {
            let n = x.shape()[k] as isize;
            view.slice_axis_inplace(Axis(k), Slice::new(b as isize, Some(b as isize + n), 1));
        }
        view.assign(x);
        out
    }
    Ok(match (a, &fill) {
        (Array::Bool(x), Array::Bool(f)) => Array::from_bool(go(
            x,
            f.iter().next().copied().unwrap_or_default(),
            &shape,
            widths,
        )),
        (Array::Int(x), Array::Int(f)) => Array::from_int(go(
            x,
            f.iter().next().copied().unwrap_or_default(),
            &shape,
            widths,
        )),
        (Array::Float(x), Array::Float(f)) => Array::from_float(go(
            x,
            f.iter().next().copied().unwrap_or_default(),
            &shape,
            widths,
        )),
        _ => return Err(internal("pad", "cast failed")),
    })
}

#[cfg(test)]
mod tests {
    //! The conformance cases of this family, run through the real engine (a fast guard that
    //! does not need ../shared), and edge cases.
    use crate::diagnostics::Result;
    use crate::value::Value;

    fn run(code: &str) -> Result<Value> {
        crate::testing::eval(code)
    }

    #[test]
    fn conformance_cases() {
        let mut failures = Vec::new();
        for (name, code, expected) in CASES {
            let got = run(code);
            let ok = match (&got, *expected) {
                (Err(e), "ERROR") => e.code() != "physl::name" && e.code() != "physl::internal",
                (Ok(_), "ERROR") => false,
                (Ok(v), exp) => {
                    let g: serde_json::Value =
                        serde_json::from_str(&crate::value::format::json(v)).unwrap();
                    let w: serde_json::Value = serde_json::from_str(exp).unwrap();
                    g == w
                }
                (Err(_), _) => false,
            };
            if !ok {
                failures.push(format!("{name}: {code}\n   got {got:?}\n  want {expected}"));
            }
        }
        assert!(CASES.len() > 140);
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn edge_cases() {
        #[rustfmt::skip]
        let cases = [
            // sort/argsort: NaN last, stable, axis nil flattens
            ("sort([3.0, nan, -1.0, 2.0])", "[-1, 2, 3, nan]"),
            ("argsort([2, 1, 2, 1])", "[1, 3, 0, 2]"),
            ("argsort([nan, 1.0, 0.0])", "[2, 1, 0]"),
            ("sort([[3, 1], [2, 0]], nil)", "[0, 1, 2, 3]"),
            ("sort([[3, 1], [2, 0]], -2)", "[[2, 0], [3, 1]]"),
            ("sort([true, false, true])", "[false, true, true]"),
            ("unique([nan, 1.0, nan])", "[1, nan]"),
            ("unique(5)", "[5]"),
            ("unique([[1, 2], [1, 2]], 1)", "[[1, 2], [1, 2]]"),
            // empty arrays
            ("shape(reshape(arange(0), list(0, 3)))", "list(0, 3)"),
            ("shape(vstack(list(reshape(arange(0), list(0, 2)), [1, 2])))", "list(1, 2)"),
            ("sort(arange(0))", "[]"),
            ("flip(arange(0))", "[]"),
            ("repeat([1, 2], 0)", "[]"),
            ("shape(tile([1, 2], list(0, 2)))", "list(0, 4)"),
            // 4-D
            ("shape(reshape(arange(16), list(2, 2, 2, 2)))", "list(2, 2, 2, 2)"),
            ("shape(transpose(reshape(arange(24), list(1, 2, 3, 4))))", "list(4, 3, 2, 1)"),
            ("shape(expand_dims(reshape(arange(8), list(2, 2, 2)), -1))", "list(2, 2, 2, 1)"),
            ("expand_dims(reshape(arange(16), list(2, 2, 2, 2)), 0)", "!physl::value"),
            ("shape(stack(list(reshape(arange(8), list(2, 2, 2)), reshape(arange(8), list(2, 2, 2))), 3))", "list(2, 2, 2, 2)"),
            ("shape(expand_dims([1, 2], list(0, 2)))", "list(1, 2, 1)"),
            // reshape
            ("reshape(arange(6), list(-1, -1))", "!physl::value"),
            ("reshape(arange(6), list(4, -1))", "!physl::shape"),
            ("reshape(arange(6), list(-2, 3))", "!physl::value"),
            ("reshape([7], list())", "7"),
            ("reshape(arange(0), list(0, -1))", "!physl::shape"),
            ("flatten(5)", "[5]"),
            ("flatten([[1, 2], [3, 4]], \"X\")", "!physl::value"),
            // transpose
            ("transpose(5)", "5"),
            ("transpose([[1, 2]], list(0))", "!physl::value"),
            ("transpose([[1, 2]], list(0, 0))", "!physl::value"),
            ("transpose([[1, 2]], list(-1, 0))", "[[1], [2]]"),
            // squeeze
            ("squeeze([[[5]]])", "5"),
            ("squeeze([[1, 2]], -2)", "[1, 2]"),
            ("squeeze([[1, 2]], 5)", "!physl::value"),
            // shape, size, ndim
            ("shape([[1, 2]], 2)", "!physl::value"),
            ("shape(\"abc\")", "!physl::type"),
            ("size(7)", "1"),
            ("ndim(reshape(arange(16), list(2, 2, 2, 2)))", "4"),
            // joining
            ("vstack(list([1, 2], [1, 2, 3]))", "!physl::shape"),
            ("hstack(list([[1, 2]], [[1], [2]]))", "!physl::shape"),
            ("concatenate(list([[1, 2]], [1, 2]))", "!physl::shape"),
            ("concatenate(list([[1, 2]], [[3]]), nil)", "[1, 2, 3]"),
            ("concatenate(list(1, 2))", "!physl::value"),
            ("concatenate(list())", "!physl::value"),
            ("concatenate(list([1], \"a\"))", "!physl::type"),
            ("concatenate(list([1, 2], [3]), 1)", "!physl::value"),
            ("vstack(list(1, 2.5))", "[[1], [2.5]]"),
            ("hstack(list(true, false))", "[true, false]"),
            ("hstack(list([1], [2]), \"float\")", "[1, 2]"),
            ("vstack([[1, 2], [3, 4]])", "[[1, 2], [3, 4]]"),
            ("stack(list([1, 2], [3]))", "!physl::shape"),
            ("stack(list(1, 2))", "[1, 2]"),
            ("stack(list([1, 2], [3, 4]), -1)", "[[1, 3], [2, 4]]"),
            ("dstack(list(1, 2))", "[[[1, 2]]]"),
            // repeat / tile
            ("repeat([[1, 2], [3, 4]], list(1, 2), 1)", "[[1, 2, 2], [3, 4, 4]]"),
            ("repeat([1, 2, 3], list(1, 2))", "!physl::shape"),
            ("repeat([1, 2, 3], -1)", "!physl::value"),
            ("repeat(7, 3)", "[7, 7, 7]"),
            ("tile(5, 3)", "[5, 5, 5]"),
            ("tile([[1, 2]], 2)", "[[1, 2, 1, 2]]"),
            ("tile([1, 2], -1)", "!physl::value"),
            ("tile([1, 2], list(1, 1, 1, 1, 1))", "!physl::value"),
            // flip
            ("flip(5)", "5"),
            ("flip([[1, 2], [3, 4]], list(0, 1))", "[[4, 3], [2, 1]]"),
            ("flip([[1, 2], [3, 4]], 2)", "!physl::value"),
            ("flipud(5)", "!physl::value"),
            // astype, count_nonzero, diag
            ("astype([1.5, nan], \"int64\")", "[1, 0]"),
            ("astype([1.5, 0.0], \"bool\")", "[true, false]"),
            ("astype(1, \"complex\")", "!physl::value"),
            ("astype(1, 3)", "!physl::type"),
            ("count_nonzero([[true, false], [true, true]])", "3"),
            ("count_nonzero(-0.5)", "1"),
            ("diag([1, 2], -1)", "[[0, 0, 0], [1, 0, 0], [0, 2, 0]]"),
            ("diag([[1, 2], [3, 4]], 5)", "[]"),
            ("diag([[1, 2, 3]], -1)", "[]"),
            ("diag(5)", "!physl::value"),
            ("diag([true], 0)", "[[true]]"),
            // pad
            ("pad([[1]], 1)", "[[0, 0, 0], [0, 1, 0], [0, 0, 0]]"),
            ("pad([[1]], list(list(0, 1), list(1, 0)))", "[[0, 1], [0, 0]]"),
            ("pad([1.5], 1, \"constant\", 2)", "[2, 1.5, 2]"),
            ("pad([1], 1, \"edge\")", "!physl::value"),
            ("pad([1], -1)", "!physl::value"),
            ("pad([[1]], list(list(0, 1), list(1, 0), list(1, 1)))", "!physl::shape"),
            // slicing through the table entry
            ("slice([1, 2, 3], 0, 0)", "!physl::index"),
            ("slice(reshape(arange(16), list(2, 2, 2, 2)), 0, 0, 0, 0, 0)", "!physl::arity"),
            ("tuple_slice([[1, 2], [3, 4]], list(nil, 1))", "[2, 4]"),
            ("tuple_slice([[1, 2], [3, 4]], 1)", "[3, 4]"),
            // insert
            ("insert([1, 2, 3], -1, list(8, 9))", "[1, 2, 8, 9, 3]"),
            ("insert([1, 2, 3], 1, 2.5)", "[1, 2, 2, 3]"),
            ("insert([1, 2, 3], 1, 2.5, nil, \"float\")", "[1, 2.5, 2, 3]"),
            ("insert([[1, 2], [3, 4]], 1, 5)", "[1, 5, 2, 3, 4]"),
            ("insert([[1, 2], [3, 4]], 2, [7, 8], 0)", "[[1, 2], [3, 4], [7, 8]]"),
            ("insert([[1, 2], [3, 4]], 0, [7, 8], 1)", "[[7, 1, 2], [8, 3, 4]]"),
            ("insert([1, 2, 3], list(2, 0, 2), list(7, 8, 9))", "[8, 1, 2, 7, 9, 3]"),
            ("insert([1, 2, 3], 4, 0)", "!physl::index"),
            ("insert([[1, 2], [3, 4]], 1, [7, 8, 9], 0)", "!physl::shape"),
        ];
        let mut failures = Vec::new();
        for (code, want) in cases {
            let got = match run(code) {
                Ok(v) => crate::value::format::plain(&v),
                Err(e) => format!("!{}", e.code()),
            };
            if got != want {
                failures.push(format!("{code}: got {got}, want {want}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn errors_are_labelled_and_prefixed() {
        let e = run("vstack(list([1, 2], [1, 2, 3]))").unwrap_err();
        assert!(e.message().starts_with("vstack:"), "{}", e.message());
        assert!(e.message().contains("[1, 2]") && e.message().contains("[1, 3]"));
        assert!(e.primary_span().is_some(), "labelled on the argument");
        let e = run("reshape(arange(6), list(4, 2))").unwrap_err();
        assert!(e.primary_span().is_some(), "labelled on the argument");
    }

    #[rustfmt::skip]
    const CASES: &[(&str, &str, &str)] = &[
        ("array_creation/hstack_vectors", r#"hstack(list([1, 2], [3, 4, 5]))"#, r#"{"dtype": "int64", "shape": [5], "data": [1, 2, 3, 4, 5]}"#),
        ("array_creation/hstack_scalars", r#"hstack(list(1, 2, 3))"#, r#"{"dtype": "int64", "shape": [3], "data": [1, 2, 3]}"#),
        ("array_creation/hstack_promotes", r#"hstack(list([1, 2], [0.5]))"#, r#"{"dtype": "float64", "shape": [3], "data": [1.0, 2.0, 0.5]}"#),
        ("array_creation/hstack_matrices", r#"hstack(list([[1], [2]], [[3, 4], [5, 6]]))"#, r#"{"dtype": "int64", "shape": [2, 3], "data": [1, 3, 4, 2, 5, 6]}"#),
        ("array_creation/vstack_vectors", r#"vstack(list([1, 2, 3], [4, 5, 6]))"#, r#"{"dtype": "int64", "shape": [2, 3], "data": [1, 2, 3, 4, 5, 6]}"#),
        ("array_creation/vstack_matrices", r#"vstack(list([[1, 2]], [[3, 4], [5, 6]]))"#, r#"{"dtype": "int64", "shape": [3, 2], "data": [1, 2, 3, 4, 5, 6]}"#),
        ("array_creation/dstack_matrices", r#"dstack(list([[1, 2], [3, 4]], [[5, 6], [7, 8]]))"#, r#"{"dtype": "int64", "shape": [2, 2, 2], "data": [1, 5, 2, 6, 3, 7, 4, 8]}"#),
        ("array_creation/stack_default_axis", r#"stack(list([1, 2], [3, 4]))"#, r#"{"dtype": "int64", "shape": [2, 2], "data": [1, 2, 3, 4]}"#),
        ("array_creation/stack_axis_1", r#"stack(list([1, 2], [3, 4]), 1)"#, r#"{"dtype": "int64", "shape": [2, 2], "data": [1, 3, 2, 4]}"#),
        ("array_creation/concatenate_vectors", r#"concatenate(list([1, 2], [3]))"#, r#"{"dtype": "int64", "shape": [3], "data": [1, 2, 3]}"#),
        ("array_creation/concatenate_axis_1", r#"concatenate(list([[1, 2], [3, 4]], [[5], [6]]), 1)"#, r#"{"dtype": "int64", "shape": [2, 3], "data": [1, 2, 5, 3, 4, 6]}"#),
        ("array_creation/diag_from_vector", r#"diag([1, 2, 3])"#, r#"{"dtype": "int64", "shape": [3, 3], "data": [1, 0, 0, 0, 2, 0, 0, 0, 3]}"#),
        ("array_creation/diag_from_vector_offset", r#"diag([1, 2], 1)"#, r#"{"dtype": "int64", "shape": [3, 3], "data": [0, 1, 0, 0, 0, 2, 0, 0, 0]}"#),
        ("array_creation/astype_float_to_int_truncates", r#"astype([1.7, -1.7, 2.5], "int")"#, r#"{"dtype": "int64", "shape": [3], "data": [1, -1, 2]}"#),
        ("array_creation/astype_int_to_bool", r#"astype([0, 3, 0], "bool")"#, r#"{"dtype": "bool", "shape": [3], "data": [false, true, false]}"#),
        ("array_creation/astype_bool_to_float", r#"astype([true, false], "float")"#, r#"{"dtype": "float64", "shape": [2], "data": [1.0, 0.0]}"#),
        ("array_creation/astype_scalar", r#"astype(3.9, "int")"#, r#"{"dtype": "int64", "shape": [], "data": [3]}"#),
        ("broadcasting/tensor_plus_vector", r#"reshape(arange(12), make_list(2, 2, 3)) + [100, 200, 300]"#, r#"{"dtype": "int64", "shape": [2, 2, 3], "data": [100, 201, 302, 103, 204, 305, 106, 207, 308, 109, 210, 311]}"#),
        ("broadcasting/tensor_plus_matrix", r#"reshape(arange(12), make_list(2, 2, 3)) + [[1, 1, 1], [2, 2, 2]]"#, r#"{"dtype": "int64", "shape": [2, 2, 3], "data": [1, 2, 3, 5, 6, 7, 7, 8, 9, 11, 12, 13]}"#),
        ("broadcasting/tensor_times_column", r#"reshape(arange(8), make_list(2, 2, 2)) * [[10], [20]]"#, r#"{"dtype": "int64", "shape": [2, 2, 2], "data": [0, 10, 40, 60, 40, 50, 120, 140]}"#),
        ("broadcasting/tensor_plus_page_vector", r#"reshape(arange(8), make_list(2, 2, 2)) + reshape([100, 200], make_list(2, 1, 1))"#, r#"{"dtype": "int64", "shape": [2, 2, 2], "data": [100, 101, 102, 103, 204, 205, 206, 207]}"#),
        ("broadcasting/tensor_1x2x3_plus_matrix", r#"reshape(arange(6), make_list(1, 2, 3)) + [[10, 20, 30], [40, 50, 60]]"#, r#"{"dtype": "int64", "shape": [1, 2, 3], "data": [10, 21, 32, 43, 54, 65]}"#),
        ("broadcasting/pairwise_differences", r#"expand_dims([1, 2, 3], 1) - [1, 2, 3]"#, r#"{"dtype": "int64", "shape": [3, 3], "data": [0, -1, -2, 1, 0, -1, 2, 1, 0]}"#),
        ("broadcasting/broadcast_result_shape", r#"shape([[1], [2], [3]] * [1, 2, 3, 4])"#, r#"[{"dtype": "int64", "shape": [], "data": [3]}, {"dtype": "int64", "shape": [], "data": [4]}]"#),
        ("control_flow/for_loop_builds_array", r#"block(
        define(v, constant(0, 5, "int")),
        for(define(i, 0), i < 5, store(i, i + 1), store(slice(v, i), i * i)),
        v
    )"#, r#"{"dtype": "int64", "shape": [5], "data": [0, 1, 4, 9, 16]}"#),
        ("errors/index_scalar", r#"slice(5, 0)"#, r#"ERROR"#),
        ("errors/slice_string", r#"slice("abc", 0)"#, r#"ERROR"#),
        ("errors/reshape_wrong_size", r#"reshape(arange(6), make_list(4, 2))"#, r#"ERROR"#),
        ("errors/vstack_mismatch", r#"vstack(list([1, 2], [1, 2, 3]))"#, r#"ERROR"#),
        ("errors/concatenate_mismatch", r#"concatenate(list([[1, 2]], [[1, 2, 3]]), 0)"#, r#"ERROR"#),
        ("errors/squeeze_axis_not_one", r#"squeeze([[1, 2]], 1)"#, r#"ERROR"#),
        ("errors/index_out_of_range", r#"slice([1, 2, 3], 3)"#, r#"ERROR"#),
        ("errors/negative_index_out_of_range", r#"slice([1, 2, 3], -4)"#, r#"ERROR"#),
        ("errors/matrix_column_index_out_of_range", r#"slice([[1, 2], [3, 4]], 0, 2)"#, r#"ERROR"#),
        ("errors/list_index_out_of_range", r#"slice(list(1, 2), 5)"#, r#"ERROR"#),
        ("errors/slice_step_zero", r#"slice(arange(5), make_list(0, 5, 0))"#, r#"ERROR"#),
        ("errors/too_many_indices", r#"slice([1, 2, 3], 0, 0)"#, r#"ERROR"#),
        ("errors/dict_missing_key", r#"slice(dict(list(list("a", 1))), "b")"#, r#"ERROR"#),
        ("indexing_slicing/index_1d", r#"slice([10, 20, 30, 40], 2)"#, r#"{"dtype": "int64", "shape": [], "data": [30]}"#),
        ("indexing_slicing/index_1d_negative", r#"slice([10, 20, 30, 40], -1)"#, r#"{"dtype": "int64", "shape": [], "data": [40]}"#),
        ("indexing_slicing/index_bool_vector", r#"slice([true, false, true], 1)"#, r#"{"dtype": "bool", "shape": [], "data": [false]}"#),
        ("indexing_slicing/range_1d", r#"slice([10, 20, 30, 40, 50], make_list(1, 4))"#, r#"{"dtype": "int64", "shape": [3], "data": [20, 30, 40]}"#),
        ("indexing_slicing/range_1d_step", r#"slice(arange(10), make_list(1, 8, 3))"#, r#"{"dtype": "int64", "shape": [3], "data": [1, 4, 7]}"#),
        ("indexing_slicing/range_1d_negative_step", r#"slice(arange(6), make_list(5, 0, -2))"#, r#"{"dtype": "int64", "shape": [3], "data": [5, 3, 1]}"#),
        ("indexing_slicing/range_1d_negative_bounds", r#"slice(arange(8), make_list(-5, -2))"#, r#"{"dtype": "int64", "shape": [3], "data": [3, 4, 5]}"#),
        ("indexing_slicing/range_1d_nil_start", r#"slice(arange(6), make_list(nil, 3))"#, r#"{"dtype": "int64", "shape": [3], "data": [0, 1, 2]}"#),
        ("indexing_slicing/range_1d_nil_stop", r#"slice(arange(6), make_list(3, nil))"#, r#"{"dtype": "int64", "shape": [3], "data": [3, 4, 5]}"#),
        ("indexing_slicing/range_1d_reverse", r#"slice(arange(5), make_list(nil, nil, -1))"#, r#"{"dtype": "int64", "shape": [5], "data": [4, 3, 2, 1, 0]}"#),
        ("indexing_slicing/range_1d_empty_result", r#"slice(arange(5), make_list(3, 3))"#, r#"{"dtype": "int64", "shape": [0], "data": []}"#),
        ("indexing_slicing/range_1d_stop_past_end_clamps", r#"slice(arange(5), make_list(2, 100))"#, r#"{"dtype": "int64", "shape": [3], "data": [2, 3, 4]}"#),
        ("indexing_slicing/range_float_vector", r#"slice([0.5, 1.5, 2.5, 3.5], make_list(1, 3))"#, r#"{"dtype": "float64", "shape": [2], "data": [1.5, 2.5]}"#),
        ("indexing_slicing/matrix_row", r#"slice([[1, 2, 3], [4, 5, 6]], 1)"#, r#"{"dtype": "int64", "shape": [3], "data": [4, 5, 6]}"#),
        ("indexing_slicing/matrix_element", r#"slice([[1, 2, 3], [4, 5, 6]], 1, 2)"#, r#"{"dtype": "int64", "shape": [], "data": [6]}"#),
        ("indexing_slicing/matrix_element_negative", r#"slice([[1, 2, 3], [4, 5, 6]], -1, -3)"#, r#"{"dtype": "int64", "shape": [], "data": [4]}"#),
        ("indexing_slicing/matrix_column_make_list_nil", r#"slice([[1, 2, 3], [4, 5, 6]], make_list(nil, nil), 1)"#, r#"{"dtype": "int64", "shape": [2], "data": [2, 5]}"#),
        ("indexing_slicing/matrix_column_nil", r#"slice([[1, 2, 3], [4, 5, 6]], nil, 0)"#, r#"{"dtype": "int64", "shape": [2], "data": [1, 4]}"#),
        ("indexing_slicing/matrix_row_range", r#"slice([[1, 2], [3, 4], [5, 6]], make_list(0, 2))"#, r#"{"dtype": "int64", "shape": [2, 2], "data": [1, 2, 3, 4]}"#),
        ("indexing_slicing/matrix_block", r#"slice(reshape(arange(16), make_list(4, 4)), make_list(1, 3), make_list(1, 3))"#, r#"{"dtype": "int64", "shape": [2, 2], "data": [5, 6, 9, 10]}"#),
        ("indexing_slicing/matrix_steps_both_axes", r#"slice(reshape(arange(25), make_list(5, 5)), make_list(0, 5, 2), make_list(4, 0, -2))"#, r#"{"dtype": "int64", "shape": [3, 2], "data": [4, 2, 14, 12, 24, 22]}"#),
        ("indexing_slicing/matrix_row_then_column_range", r#"slice([[1, 2, 3], [4, 5, 6]], 0, make_list(1, 3))"#, r#"{"dtype": "int64", "shape": [2], "data": [2, 3]}"#),
        ("indexing_slicing/matrix_column_range_of_rows", r#"slice(reshape(arange(12), make_list(4, 3)), make_list(1, 4), 2)"#, r#"{"dtype": "int64", "shape": [3], "data": [5, 8, 11]}"#),
        ("indexing_slicing/matrix_last_column_float", r#"slice([[1.5, 2.5], [3.5, 4.5]], make_list(nil, nil), -1)"#, r#"{"dtype": "float64", "shape": [2], "data": [2.5, 4.5]}"#),
        ("indexing_slicing/tensor_element", r#"slice(reshape(arange(24), make_list(2, 3, 4)), 1, 2, 3)"#, r#"{"dtype": "int64", "shape": [], "data": [23]}"#),
        ("indexing_slicing/tensor_page", r#"slice(reshape(arange(24), make_list(2, 3, 4)), 0)"#, r#"{"dtype": "int64", "shape": [3, 4], "data": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]}"#),
        ("indexing_slicing/tensor_mixed_slices", r#"slice(reshape(arange(24), make_list(2, 3, 4)), make_list(nil, nil), 1, make_list(1, 3))"#, r#"{"dtype": "int64", "shape": [2, 2], "data": [5, 6, 17, 18]}"#),
        ("indexing_slicing/slice_row_primitive", r#"slice_row([[1, 2], [3, 4], [5, 6]], 2)"#, r#"{"dtype": "int64", "shape": [2], "data": [5, 6]}"#),
        ("indexing_slicing/slice_column_primitive", r#"slice_column([[1, 2], [3, 4], [5, 6]], 1)"#, r#"{"dtype": "int64", "shape": [3], "data": [2, 4, 6]}"#),
        ("indexing_slicing/slice_column_range_primitive", r#"slice_column([[1, 2, 3], [4, 5, 6]], make_list(1, 3))"#, r#"{"dtype": "int64", "shape": [2, 2], "data": [2, 3, 5, 6]}"#),
        ("indexing_slicing/integer_array_index", r#"slice([10, 20, 30, 40], [3, 0, 0])"#, r#"{"dtype": "int64", "shape": [3], "data": [40, 10, 10]}"#),
        ("indexing_slicing/boolean_mask_literal", r#"slice([10, 20, 30, 40], [true, false, true, false])"#, r#"{"dtype": "int64", "shape": [2], "data": [10, 30]}"#),
        ("indexing_slicing/boolean_mask_from_comparison", r#"block(define(v, [5, 1, 7, 3]), slice(v, v > 4))"#, r#"{"dtype": "int64", "shape": [2], "data": [5, 7]}"#),
        ("indexing_slicing/boolean_mask_selects_nothing", r#"block(define(v, [1.5, 2.5]), slice(v, v > 10.0))"#, r#"{"dtype": "float64", "shape": [0], "data": []}"#),
        ("indexing_slicing/index_from_variable", r#"block(define(i, 2), slice([5, 6, 7, 8], i))"#, r#"{"dtype": "int64", "shape": [], "data": [7]}"#),
        ("indexing_slicing/range_from_expressions", r#"block(define(n, 4), slice(arange(10), make_list(n - 2, n + 2)))"#, r#"{"dtype": "int64", "shape": [4], "data": [2, 3, 4, 5]}"#),
        ("indexing_slicing/slice_result_arithmetic", r#"slice([1, 2, 3, 4], make_list(1, 3)) * 10"#, r#"{"dtype": "int64", "shape": [2], "data": [20, 30]}"#),
        ("indexing_slicing/shape_of_sliced_matrix", r#"shape(slice(reshape(arange(24), make_list(4, 6)), make_list(1, 3), make_list(nil, nil, 2)))"#, r#"[{"dtype": "int64", "shape": [], "data": [2]}, {"dtype": "int64", "shape": [], "data": [3]}]"#),
        ("indexing_slicing/store_element", r#"block(define(v, [1, 2, 3]), store(slice(v, 1), 20), v)"#, r#"{"dtype": "int64", "shape": [3], "data": [1, 20, 3]}"#),
        ("indexing_slicing/store_range_scalar", r#"block(define(v, arange(6)), store(slice(v, make_list(1, 4)), 0), v)"#, r#"{"dtype": "int64", "shape": [6], "data": [0, 0, 0, 0, 4, 5]}"#),
        ("indexing_slicing/store_strided_range_array", r#"block(define(v, [0.0, 0.0, 0.0, 0.0]), store(slice(v, make_list(0, 4, 2)), [1.5, 2.5]), v)"#, r#"{"dtype": "float64", "shape": [4], "data": [1.5, 0.0, 2.5, 0.0]}"#),
        ("indexing_slicing/store_int_into_float_vector", r#"block(define(v, [1.5, 2.5]), store(slice(v, 0), 7), v)"#, r#"{"dtype": "float64", "shape": [2], "data": [7.0, 2.5]}"#),
        ("indexing_slicing/store_matrix_element", r#"block(define(m, constant(0, make_list(2, 2), "int")), store(slice(m, 1, 0), 7), m)"#, r#"{"dtype": "int64", "shape": [2, 2], "data": [0, 0, 7, 0]}"#),
        ("indexing_slicing/store_matrix_row", r#"block(define(m, constant(0.0, make_list(3, 2))), store(slice(m, 1), [4.0, 5.0]), m)"#, r#"{"dtype": "float64", "shape": [3, 2], "data": [0.0, 0.0, 4.0, 5.0, 0.0, 0.0]}"#),
        ("indexing_slicing/store_matrix_column", r#"block(define(m, constant(0.0, make_list(2, 3))), store(slice(m, nil, 2), [7.0, 8.0]), m)"#, r#"{"dtype": "float64", "shape": [2, 3], "data": [0.0, 0.0, 7.0, 0.0, 0.0, 8.0]}"#),
        ("indexing_slicing/store_matrix_block_scalar", r#"block(define(m, reshape(arange(9), make_list(3, 3))), store(slice(m, make_list(0, 2), make_list(1, 3)), -1), m)"#, r#"{"dtype": "int64", "shape": [3, 3], "data": [0, -1, -1, 3, -1, -1, 6, 7, 8]}"#),
        ("indexing_slicing/store_boolean_mask", r#"block(define(v, [1, -2, 3, -4]), store(slice(v, v < 0), 0), v)"#, r#"{"dtype": "int64", "shape": [4], "data": [1, 0, 3, 0]}"#),
        ("indexing_slicing/slice_result_is_a_copy", r#"block(define(v, [1, 2, 3]), define(w, slice(v, make_list(0, 2))), store(slice(w, 0), 99), list(v, w))"#, r#"[{"dtype": "int64", "shape": [3], "data": [1, 2, 3]}, {"dtype": "int64", "shape": [2], "data": [99, 2]}]"#),
        ("indexing_slicing/assigned_variable_is_a_copy", r#"block(define(a, [1.5, 2.5]), define(b, a), store(slice(b, 1), 0.0), list(a, b))"#, r#"[{"dtype": "float64", "shape": [2], "data": [1.5, 2.5]}, {"dtype": "float64", "shape": [2], "data": [1.5, 0.0]}]"#),
        ("indexing_slicing/store_in_loop_reverse_fill", r#"block(define(v, constant(0, 4, "int")), for(define(i, 0), i < 4, store(i, i + 1), store(slice(v, -1 - i), i)), v)"#, r#"{"dtype": "int64", "shape": [4], "data": [3, 2, 1, 0]}"#),
        ("indexing_slicing/one_element_list_index_drops_axis", r#"slice([[1, 2], [3, 4]], list(1))"#, r#"{"dtype": "int64", "shape": [2], "data": [3, 4]}"#),
        ("indexing_slicing/range_object_as_index", r#"slice([10, 20, 30, 40, 50], range(0, 5, 2))"#, r#"{"dtype": "int64", "shape": [3], "data": [10, 30, 50]}"#),
        ("linalg/transpose_matrix", r#"transpose([[1, 2, 3], [4, 5, 6]])"#, r#"{"dtype": "int64", "shape": [3, 2], "data": [1, 4, 2, 5, 3, 6]}"#),
        ("linalg/transpose_vector_unchanged", r#"transpose([1, 2, 3])"#, r#"{"dtype": "int64", "shape": [3], "data": [1, 2, 3]}"#),
        ("linalg/transpose_tensor_reverses_axes", r#"transpose(reshape(arange(24), make_list(2, 3, 4)))"#, r#"{"dtype": "int64", "shape": [4, 3, 2], "data": [0, 12, 4, 16, 8, 20, 1, 13, 5, 17, 9, 21, 2, 14, 6, 18, 10, 22, 3, 15, 7, 19, 11, 23]}"#),
        ("linalg/transpose_tensor_axes", r#"transpose(reshape(arange(24), make_list(2, 3, 4)), [1, 0, 2])"#, r#"{"dtype": "int64", "shape": [3, 2, 4], "data": [0, 1, 2, 3, 12, 13, 14, 15, 4, 5, 6, 7, 16, 17, 18, 19, 8, 9, 10, 11, 20, 21, 22, 23]}"#),
        ("linalg/diag_of_matrix", r#"diag([[1, 2, 3], [4, 5, 6], [7, 8, 9]])"#, r#"{"dtype": "int64", "shape": [3], "data": [1, 5, 9]}"#),
        ("linalg/diag_of_matrix_offset", r#"diag([[1, 2, 3], [4, 5, 6], [7, 8, 9]], -1)"#, r#"{"dtype": "int64", "shape": [2], "data": [4, 8]}"#),
        ("lists_dicts/slice_list_index", r#"slice(list(10, 20, 30), 1)"#, r#"{"dtype": "int64", "shape": [], "data": [20]}"#),
        ("lists_dicts/slice_list_negative_index", r#"slice(list(10, 20, 30), -1)"#, r#"{"dtype": "int64", "shape": [], "data": [30]}"#),
        ("lists_dicts/slice_list_range", r#"slice(list(10, 20, 30, 40), make_list(1, 3))"#, r#"[{"dtype": "int64", "shape": [], "data": [20]}, {"dtype": "int64", "shape": [], "data": [30]}]"#),
        ("lists_dicts/slice_list_step", r#"slice(list(0, 1, 2, 3, 4, 5), make_list(0, 6, 2))"#, r#"[{"dtype": "int64", "shape": [], "data": [0]}, {"dtype": "int64", "shape": [], "data": [2]}, {"dtype": "int64", "shape": [], "data": [4]}]"#),
        ("lists_dicts/slice_list_reverse", r#"slice(list(1, 2, 3), make_list(nil, nil, -1))"#, r#"[{"dtype": "int64", "shape": [], "data": [3]}, {"dtype": "int64", "shape": [], "data": [2]}, {"dtype": "int64", "shape": [], "data": [1]}]"#),
        ("lists_dicts/nested_list_index", r#"slice(slice(list(list(1, 2), list(3, 4)), 1), 0)"#, r#"{"dtype": "int64", "shape": [], "data": [3]}"#),
        ("lists_dicts/dict_lookup", r#"block(define(d, dict(list(list("a", 1), list("b", 2)))), slice(d, "b"))"#, r#"{"dtype": "int64", "shape": [], "data": [2]}"#),
        ("lists_dicts/dict_int_keys", r#"slice(dict(list(list(1, "one"), list(2, "two"))), 2)"#, r#""two""#),
        ("lists_dicts/dict_store_new_key", r#"block(define(d, dict(list(list("a", 1)))), store(slice(d, "b"), 5), d)"#, r#"{"dict": [["a", {"dtype": "int64", "shape": [], "data": [1]}], ["b", {"dtype": "int64", "shape": [], "data": [5]}]]}"#),
        ("lists_dicts/dict_store_overwrites", r#"block(define(d, dict(list(list("a", 1)))), store(slice(d, "a"), 2.5), slice(d, "a"))"#, r#"{"dtype": "float64", "shape": [], "data": [2.5]}"#),
        ("lists_dicts/dict_value_is_list", r#"slice(dict(list(list("k", list(1, 2)))), "k")"#, r#"[{"dtype": "int64", "shape": [], "data": [1]}, {"dtype": "int64", "shape": [], "data": [2]}]"#),
        ("reductions/count_nonzero_vector", r#"count_nonzero([0, 1, 2, 0, 3])"#, r#"{"dtype": "int64", "shape": [], "data": [3]}"#),
        ("reductions/count_nonzero_matrix", r#"count_nonzero([[0.0, 1.5], [0.0, -2.0]])"#, r#"{"dtype": "int64", "shape": [], "data": [2]}"#),
        ("shape_manipulation/shape_vector", r#"shape([1, 2, 3])"#, r#"[{"dtype": "int64", "shape": [], "data": [3]}]"#),
        ("shape_manipulation/shape_matrix", r#"shape([[1, 2, 3], [4, 5, 6]])"#, r#"[{"dtype": "int64", "shape": [], "data": [2]}, {"dtype": "int64", "shape": [], "data": [3]}]"#),
        ("shape_manipulation/shape_scalar_is_empty_list", r#"shape(5)"#, r#"[]"#),
        ("shape_manipulation/shape_with_dimension", r#"shape([[1, 2, 3], [4, 5, 6]], 1)"#, r#"{"dtype": "int64", "shape": [], "data": [3]}"#),
        ("shape_manipulation/size_matrix", r#"size([[1, 2, 3], [4, 5, 6]])"#, r#"{"dtype": "int64", "shape": [], "data": [6]}"#),
        ("shape_manipulation/ndim_tensor", r#"ndim(reshape(arange(8), make_list(2, 2, 2)))"#, r#"{"dtype": "int64", "shape": [], "data": [3]}"#),
        ("shape_manipulation/ndim_scalar", r#"ndim(3.0)"#, r#"{"dtype": "int64", "shape": [], "data": [0]}"#),
        ("shape_manipulation/reshape_vector_to_matrix", r#"reshape(arange(6), make_list(2, 3))"#, r#"{"dtype": "int64", "shape": [2, 3], "data": [0, 1, 2, 3, 4, 5]}"#),
        ("shape_manipulation/reshape_infers_minus_one", r#"reshape(arange(6), make_list(3, -1))"#, r#"{"dtype": "int64", "shape": [3, 2], "data": [0, 1, 2, 3, 4, 5]}"#),
        ("shape_manipulation/reshape_to_vector_int_shape", r#"reshape([[1, 2], [3, 4]], 4)"#, r#"{"dtype": "int64", "shape": [4], "data": [1, 2, 3, 4]}"#),
        ("shape_manipulation/reshape_to_tensor", r#"reshape(arange(12), make_list(2, 3, 2))"#, r#"{"dtype": "int64", "shape": [2, 3, 2], "data": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]}"#),
        ("shape_manipulation/reshape_float_keeps_dtype", r#"reshape([1.5, 2.5, 3.5, 4.5], make_list(2, 2))"#, r#"{"dtype": "float64", "shape": [2, 2], "data": [1.5, 2.5, 3.5, 4.5]}"#),
        ("shape_manipulation/flatten_matrix", r#"flatten([[1, 2], [3, 4]])"#, r#"{"dtype": "int64", "shape": [4], "data": [1, 2, 3, 4]}"#),
        ("shape_manipulation/flatten_tensor", r#"flatten(reshape(arange(8), make_list(2, 2, 2)))"#, r#"{"dtype": "int64", "shape": [8], "data": [0, 1, 2, 3, 4, 5, 6, 7]}"#),
        ("shape_manipulation/flatten_bool", r#"flatten([[true, false], [false, true]])"#, r#"{"dtype": "bool", "shape": [4], "data": [true, false, false, true]}"#),
        ("shape_manipulation/expand_dims_axis_0", r#"expand_dims([1, 2, 3], 0)"#, r#"{"dtype": "int64", "shape": [1, 3], "data": [1, 2, 3]}"#),
        ("shape_manipulation/expand_dims_axis_1", r#"expand_dims([1, 2, 3], 1)"#, r#"{"dtype": "int64", "shape": [3, 1], "data": [1, 2, 3]}"#),
        ("shape_manipulation/expand_dims_negative_axis", r#"expand_dims([[1, 2], [3, 4]], -1)"#, r#"{"dtype": "int64", "shape": [2, 2, 1], "data": [1, 2, 3, 4]}"#),
        ("shape_manipulation/expand_dims_scalar", r#"expand_dims(5, 0)"#, r#"{"dtype": "int64", "shape": [1], "data": [5]}"#),
        ("shape_manipulation/shape_after_expand_dims", r#"shape(expand_dims(constant(0.0, make_list(2, 3)), 1))"#, r#"[{"dtype": "int64", "shape": [], "data": [2]}, {"dtype": "int64", "shape": [], "data": [1]}, {"dtype": "int64", "shape": [], "data": [3]}]"#),
        ("shape_manipulation/squeeze_column", r#"squeeze([[1], [2], [3]])"#, r#"{"dtype": "int64", "shape": [3], "data": [1, 2, 3]}"#),
        ("shape_manipulation/squeeze_row", r#"squeeze([[1, 2, 3]])"#, r#"{"dtype": "int64", "shape": [3], "data": [1, 2, 3]}"#),
        ("shape_manipulation/squeeze_axis", r#"squeeze([[[1, 2, 3]]], 0)"#, r#"{"dtype": "int64", "shape": [1, 3], "data": [1, 2, 3]}"#),
        ("shape_manipulation/tile_vector", r#"tile([1, 2], 3)"#, r#"{"dtype": "int64", "shape": [6], "data": [1, 2, 1, 2, 1, 2]}"#),
        ("shape_manipulation/tile_vector_2d_reps", r#"tile([1, 2], make_list(2, 2))"#, r#"{"dtype": "int64", "shape": [2, 4], "data": [1, 2, 1, 2, 1, 2, 1, 2]}"#),
        ("shape_manipulation/tile_matrix", r#"tile([[1, 2], [3, 4]], make_list(1, 2))"#, r#"{"dtype": "int64", "shape": [2, 4], "data": [1, 2, 1, 2, 3, 4, 3, 4]}"#),
        ("shape_manipulation/repeat_vector", r#"repeat([1, 2, 3], 2)"#, r#"{"dtype": "int64", "shape": [6], "data": [1, 1, 2, 2, 3, 3]}"#),
        ("shape_manipulation/repeat_matrix_axis_0", r#"repeat([[1, 2], [3, 4]], 2, 0)"#, r#"{"dtype": "int64", "shape": [4, 2], "data": [1, 2, 1, 2, 3, 4, 3, 4]}"#),
        ("shape_manipulation/repeat_matrix_flattens", r#"repeat([[1, 2], [3, 4]], 2)"#, r#"{"dtype": "int64", "shape": [8], "data": [1, 1, 2, 2, 3, 3, 4, 4]}"#),
        ("shape_manipulation/repeat_per_element_counts", r#"repeat([1, 2, 3], [1, 0, 2])"#, r#"{"dtype": "int64", "shape": [3], "data": [1, 3, 3]}"#),
        ("shape_manipulation/flip_vector", r#"flip([1, 2, 3])"#, r#"{"dtype": "int64", "shape": [3], "data": [3, 2, 1]}"#),
        ("shape_manipulation/flip_matrix_axis_0", r#"flip([[1, 2], [3, 4]], 0)"#, r#"{"dtype": "int64", "shape": [2, 2], "data": [3, 4, 1, 2]}"#),
        ("shape_manipulation/flip_matrix_all_axes", r#"flip([[1, 2], [3, 4]])"#, r#"{"dtype": "int64", "shape": [2, 2], "data": [4, 3, 2, 1]}"#),
        ("shape_manipulation/fliplr", r#"fliplr([[1, 2, 3], [4, 5, 6]])"#, r#"{"dtype": "int64", "shape": [2, 3], "data": [3, 2, 1, 6, 5, 4]}"#),
        ("shape_manipulation/flipud", r#"flipud([[1, 2, 3], [4, 5, 6]])"#, r#"{"dtype": "int64", "shape": [2, 3], "data": [4, 5, 6, 1, 2, 3]}"#),
        ("shape_manipulation/sort_vector", r#"sort([3, 1, 2])"#, r#"{"dtype": "int64", "shape": [3], "data": [1, 2, 3]}"#),
        ("shape_manipulation/sort_matrix_last_axis", r#"sort([[3, 1, 2], [9, 7, 8]])"#, r#"{"dtype": "int64", "shape": [2, 3], "data": [1, 2, 3, 7, 8, 9]}"#),
        ("shape_manipulation/sort_matrix_axis_0", r#"sort([[3, 1], [2, 4]], 0)"#, r#"{"dtype": "int64", "shape": [2, 2], "data": [2, 1, 3, 4]}"#),
        ("shape_manipulation/argsort_vector", r#"argsort([30, 10, 20])"#, r#"{"dtype": "int64", "shape": [3], "data": [1, 2, 0]}"#),
        ("shape_manipulation/unique_int", r#"unique([3, 1, 3, 2, 1])"#, r#"{"dtype": "int64", "shape": [3], "data": [1, 2, 3]}"#),
        ("shape_manipulation/unique_float", r#"unique([2.5, 2.5, -1.0])"#, r#"{"dtype": "float64", "shape": [2], "data": [-1.0, 2.5]}"#),
        ("shape_manipulation/transpose_of_reshape", r#"transpose(reshape(arange(6), make_list(2, 3)))"#, r#"{"dtype": "int64", "shape": [3, 2], "data": [0, 3, 1, 4, 2, 5]}"#),
    ];
}
