//! Reductions (sum, prod, amax, amin, mean, var, std, logsumexp, all, any) over all axes or a
//! set of axes, with NumPy's numerics: float sums are pairwise (NumPy's blocks of 8
//! accumulators under 128-element leaves), max/min propagate NaN, integers wrap.
//!
//! Every reduction is seen as `outer` independent lanes of `inner` elements. Work is split
//! only at fixed points (whole lanes, fixed pairwise split points), never by thread count, so
//! results are bit-identical on any number of threads.

use crate::diagnostics::{Error, Result};
use crate::value::{Array, DType, Value};
use ndarray::{ArrayD, IxDyn};
use rayon::prelude::*;
use std::borrow::Cow;

/// The reductions of spec 4.9.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Sum,
    Prod,
    Max,
    Min,
    Mean,
    Var,
    Std,
    LogSumExp,
    All,
    Any,
}

/// Above this many elements, lanes are reduced in parallel (whole lanes per task).
const PAR_ELEMS: usize = 1 << 16;
/// Above this length a single pairwise sum splits its two halves into rayon tasks; the split
/// points are the same as in the sequential recursion.
const PAR_PAIRWISE: usize = 1 << 17;

/// NumPy's pairwise summation (`pairwise_sum_DOUBLE`): exact same association, so results
/// match NumPy's `sum` of a contiguous array bit for bit.
pub fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &x in a {
            res += x;
        }
        res
    } else if n <= 128 {
        let mut r = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
        let end = n - n % 8;
        for chunk in a[8..end].chunks_exact(8) {
            for j in 0..8 {
                r[j] += chunk[j];
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in &a[end..] {
            res += x;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        let (lo, hi) = a.split_at(n2);
        if n > PAR_PAIRWISE {
            let (x, y) = rayon::join(|| pairwise_sum(lo), || pairwise_sum(hi));
            x + y
        } else {
            pairwise_sum(lo) + pairwise_sum(hi)
        }
    }
}

/// Pairwise sum of `f(x)` over a lane, through a small reusable buffer so the association is
/// the same as NumPy's sum of the materialised temporary.
fn pairwise_map(a: &[f64], buf: &mut Vec<f64>, f: impl Fn(f64) -> f64) -> f64 {
    buf.clear();
    buf.extend(a.iter().map(|&x| f(x)));
    pairwise_sum(buf)
}

/// Maximum with NaN propagation (NumPy `maximum.reduce`).
fn max_f64(acc: f64, x: f64) -> f64 {
    if x > acc || x.is_nan() {
        x
    } else {
        acc
    }
}

fn min_f64(acc: f64, x: f64) -> f64 {
    if x < acc || x.is_nan() {
        x
    } else {
        acc
    }
}

/// Normalises an `axis` argument (nil, an integer, or a list / int vector of distinct
/// integers, negative counting from the end) to a mask of reduced axes. `None` means all.
pub fn axis_mask(prim: &str, axis: &Value, ndim: usize, arg: usize) -> Result<Option<Vec<bool>>> {
    let items: Vec<Value> = match axis {
        Value::Nil => return Ok(None),
        Value::Int(_) | Value::Bool(_) | Value::Float(_) => vec![axis.clone()],
        Value::List(_) | Value::Range(_) => {
            axis.list_items().map(|l| l.into_vec()).unwrap_or_default()
        }
        Value::Array(a) if a.ndim() == 1 && a.dtype() == DType::Int => {
            a.as_int().iter().map(|&i| Value::Int(i)).collect()
        }
        other => {
            return Err(crate::primitives::bad_arg(
                prim,
                arg,
                "an integer, a list of integers or nil",
                other,
            ))
        }
    };
    let mut mask = vec![false; ndim];
    for item in &items {
        let Some(ax) = item.as_i64() else {
            return Err(crate::primitives::bad_arg(
                prim,
                arg,
                "an integer, a list of integers or nil",
                item,
            ));
        };
        let n = ndim as i64;
        if ax < -n || ax >= n {
            return Err(Error::index(format!(
                "{prim}: axis {ax} is out of bounds for an array of dimension {ndim}"
            ))
            .at_arg(arg, format!("axis {ax}"))
            .with_help(format!("valid axes are -{ndim} to {}", n - 1)));
        }
        let k = if ax < 0 { ax + n } else { ax } as usize;
        if mask[k] {
            return Err(Error::value(format!("{prim}: axis {ax} is given twice"))
                .at_arg(arg, "repeated axis"));
        }
        mask[k] = true;
    }
    Ok(Some(mask))
}

/// A reduction laid out as `outer` lanes of `inner` contiguous elements.
pub struct Lanes<'a, T: Clone> {
    pub data: Cow<'a, [T]>,
    pub outer: usize,
    pub inner: usize,
}

/// Moves the reduced axes last (copying only when the array is not already in that order) so
/// each output element reduces one contiguous lane.
pub fn lanes<'a, T: Copy>(a: &'a ArrayD<T>, mask: &[bool]) -> Lanes<'a, T> {
    let nd = a.ndim();
    let kept: Vec<usize> = (0..nd).filter(|&i| !mask[i]).collect();
    let red: Vec<usize> = (0..nd).filter(|&i| mask[i]).collect();
    let outer = kept.iter().map(|&i| a.shape()[i]).product();
    let inner = red.iter().map(|&i| a.shape()[i]).product();
    let perm: Vec<usize> = kept.iter().chain(red.iter()).copied().collect();
    let v = a.view().permuted_axes(IxDyn(&perm));
    let data = match v.to_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(v.iter().copied().collect()),
    };
    Lanes { data, outer, inner }
}

/// When the reduced axes are the leading ones of a standard-layout array, the data is `rows`
/// rows of `cols` outputs: reduce by accumulating whole rows (as NumPy does for axis 0).
fn leading<'a, T>(a: &'a ArrayD<T>, mask: &[bool]) -> Option<(&'a [T], usize, usize)> {
    let r = mask.iter().take_while(|&&m| m).count();
    if r == 0 || r == mask.len() || mask[r..].iter().any(|&m| m) {
        return None;
    }
    let s = a.as_slice()?;
    let rows: usize = a.shape()[..r].iter().product();
    let cols: usize = a.shape()[r..].iter().product();
    Some((s, rows, cols))
}

fn fold_leading<T: Copy + Send + Sync>(
    data: &[T],
    rows: usize,
    cols: usize,
    init: Option<T>,
    f: impl Fn(T, T) -> T,
) -> Vec<T> {
    let (mut out, start) = match init {
        Some(v) => (vec![v; cols], 0),
        None => (data[..cols].to_vec(), 1),
    };
    for row in data[start * cols..rows * cols].chunks_exact(cols) {
        for (o, &x) in out.iter_mut().zip(row) {
            *o = f(*o, x);
        }
    }
    out
}

/// Applies `f` to every lane, in parallel (by whole lanes) for big inputs.
fn map_lanes<T: Copy + Send + Sync, R: Send>(
    l: &Lanes<'_, T>,
    f: impl Fn(&[T]) -> R + Sync + Send,
) -> Vec<R> {
    let inner = l.inner;
    if inner == 0 {
        return (0..l.outer).map(|_| f(&[])).collect();
    }
    if l.data.len() > PAR_ELEMS && l.outer > 1 {
        l.data.par_chunks(inner).map(f).collect()
    } else {
        l.data.chunks(inner).map(f).collect()
    }
}

/// The output shape: kept axes, and with `keepdims` extent-1 axes where reduced.
fn out_shape(shape: &[usize], mask: &[bool], keepdims: bool) -> Vec<usize> {
    shape
        .iter()
        .zip(mask)
        .filter_map(|(&d, &m)| match (m, keepdims) {
            (false, _) => Some(d),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect()
}

fn build<T>(shape: Vec<usize>, data: Vec<T>) -> Result<ArrayD<T>> {
    ArrayD::from_shape_vec(IxDyn(&shape), data)
        .map_err(|e| Error::internal(format!("reduction result shape: {e}")))
}

/// Reduces `a` over the axes in `mask` (`None`: all axes). `initial` is used by sum, prod,
/// amax and amin; `dtype` forces the computation/result dtype. Errors name `prim`.
pub fn reduce(
    prim: &str,
    a: &Array,
    op: Op,
    mask: Option<&[bool]>,
    keepdims: bool,
    initial: Option<&Value>,
    dtype: Option<DType>,
) -> Result<Array> {
    let all;
    let mask = match mask {
        Some(m) => m,
        None => {
            all = vec![true; a.ndim()];
            &all
        }
    };
    let shape = out_shape(a.shape(), mask, keepdims);
    let reduced: usize = a
        .shape()
        .iter()
        .zip(mask)
        .filter(|(_, &m)| m)
        .map(|(&d, _)| d)
        .product();
    let outputs: usize = a
        .shape()
        .iter()
        .zip(mask)
        .filter(|(_, &m)| !m)
        .map(|(&d, _)| d)
        .product();
    let init = |what: DType| initial.filter(|v| !v.is_nil()).map(|v| scalar_as(v, what));

    match op {
        Op::Sum | Op::Prod => {
            // counting a whole mask (kmeans' cluster sizes): no int64 copy of the mask
            if let (Array::Bool(x), Op::Sum, None, true) = (a, op, dtype, mask.iter().all(|&m| m)) {
                if let (Some(s), None) = (x.as_slice(), init(DType::Int)) {
                    let count = s.iter().map(|&b| b as i64).sum::<i64>();
                    return Ok(Array::from_int(build(shape, vec![count])?));
                }
            }
            let work = match dtype.unwrap_or(a.dtype()) {
                DType::Float => DType::Float,
                _ => DType::Int,
            };
            let out = if work == DType::Float {
                let x = a.as_float();
                let i = init(DType::Float).and_then(|v| v.as_f64());
                Array::from_float(build(shape, float_sum_prod(&x, mask, op, i))?)
            } else {
                let x = a.as_int();
                let i = init(DType::Int).and_then(|v| v.as_i64());
                Array::from_int(build(shape, int_sum_prod(&x, mask, op, i))?)
            };
            Ok(match dtype {
                Some(d) => out.cast(d),
                None => out,
            })
        }
        Op::Max | Op::Min => {
            if reduced == 0 && outputs > 0 && init(DType::Float).is_none() {
                let which = if op == Op::Max { "maximum" } else { "minimum" };
                return Err(Error::value(format!(
                    "{prim}: zero-size array to reduction operation {which} which has no identity"
                ))
                .at_arg(0, "this array is empty")
                .with_help("pass `initial` to give empty reductions a value"));
            }
            let target = dtype.unwrap_or(a.dtype());
            let out = match target {
                DType::Float => {
                    let x = a.as_float();
                    let i = init(DType::Float).and_then(|v| v.as_f64());
                    let f = if op == Op::Max { max_f64 } else { min_f64 };
                    Array::from_float(build(shape, extreme(&x, mask, i, f64::NAN, f))?)
                }
                _ => {
                    let x = a.as_int();
                    let i = init(DType::Int).and_then(|v| v.as_i64());
                    let f: fn(i64, i64) -> i64 = if op == Op::Max { i64::max } else { i64::min };
                    Array::from_int(build(shape, extreme(&x, mask, i, 0, f))?)
                }
            };
            Ok(out.cast(target))
        }
        Op::All | Op::Any => {
            let any = op == Op::Any;
            let data = match a {
                Array::Bool(x) => truth(x, mask, any, |b| b),
                Array::Int(x) => truth(x, mask, any, |i| i != 0),
                Array::Float(x) => truth(x, mask, any, |f| f != 0.0),
            };
            Ok(Array::from_bool(build(shape, data)?))
        }
        Op::Mean | Op::Var | Op::Std | Op::LogSumExp => {
            let x = a.as_float();
            let data = float_stat(&x, mask, op);
            let out = Array::from_float(build(shape, data)?);
            Ok(match dtype {
                Some(d) => out.cast(d),
                None => out,
            })
        }
    }
}

/// A scalar converted to a dtype (arrays and non-numbers give nil, treated as absent).
fn scalar_as(v: &Value, d: DType) -> Value {
    match (v, d) {
        (Value::Bool(_) | Value::Int(_) | Value::Float(_), DType::Float) => {
            v.as_f64().map_or(Value::Nil, Value::Float)
        }
        (Value::Float(f), _) => Value::Int(*f as i64),
        (Value::Bool(_) | Value::Int(_), _) => v.as_i64().map_or(Value::Nil, Value::Int),
        _ => Value::Nil,
    }
}

fn float_sum_prod(x: &ArrayD<f64>, mask: &[bool], op: Op, init: Option<f64>) -> Vec<f64> {
    let sum = op == Op::Sum;
    if let Some((s, rows, cols)) = leading(x, mask) {
        if rows > 0 {
            return if sum {
                fold_leading(s, rows, cols, init, |a, b| a + b)
            } else {
                fold_leading(s, rows, cols, init, |a, b| a * b)
            };
        }
    }
    let l = lanes(x, mask);
    map_lanes(&l, |lane| {
        if sum {
            match init {
                Some(i) => i + pairwise_sum(lane),
                None => pairwise_sum(lane),
            }
        } else {
            lane.iter().fold(init.unwrap_or(1.0), |a, &b| a * b)
        }
    })
}

fn int_sum_prod(x: &ArrayD<i64>, mask: &[bool], op: Op, init: Option<i64>) -> Vec<i64> {
    let sum = op == Op::Sum;
    if let Some((s, rows, cols)) = leading(x, mask) {
        if rows > 0 {
            return if sum {
                fold_leading(s, rows, cols, init, i64::wrapping_add)
            } else {
                fold_leading(s, rows, cols, init, i64::wrapping_mul)
            };
        }
    }
    let l = lanes(x, mask);
    map_lanes(&l, |lane| {
        if sum {
            lane.iter()
                .fold(init.unwrap_or(0), |a, &b| a.wrapping_add(b))
        } else {
            lane.iter()
                .fold(init.unwrap_or(1), |a, &b| a.wrapping_mul(b))
        }
    })
}

/// max/min; lanes are non-empty unless `init` is given (checked by the caller).
fn extreme<T: Copy + Send + Sync>(
    x: &ArrayD<T>,
    mask: &[bool],
    init: Option<T>,
    empty: T,
    f: fn(T, T) -> T,
) -> Vec<T> {
    if let Some((s, rows, cols)) = leading(x, mask) {
        if rows > 0 {
            return fold_leading(s, rows, cols, init, f);
        }
    }
    let l = lanes(x, mask);
    map_lanes(&l, |lane| match (init, lane.split_first()) {
        (Some(i), _) => lane.iter().fold(i, |a, &b| f(a, b)),
        (None, Some((&first, rest))) => rest.iter().fold(first, |a, &b| f(a, b)),
        // empty lanes without initial are rejected by the caller; never reached
        (None, None) => empty,
    })
}

fn truth<T: Copy + Send + Sync>(
    x: &ArrayD<T>,
    mask: &[bool],
    any: bool,
    nz: impl Fn(T) -> bool + Sync + Send,
) -> Vec<bool> {
    let l = lanes(x, mask);
    map_lanes(&l, |lane| {
        if any {
            lane.iter().any(|&v| nz(v))
        } else {
            lane.iter().all(|&v| nz(v))
        }
    })
}

fn float_stat(x: &ArrayD<f64>, mask: &[bool], op: Op) -> Vec<f64> {
    if op == Op::Mean {
        if let Some((s, rows, cols)) = leading(x, mask) {
            if rows > 0 {
                let n = rows as f64;
                let mut out = fold_leading(s, rows, cols, None, |a, b| a + b);
                out.iter_mut().for_each(|v| *v /= n);
                return out;
            }
        }
    }
    let l = lanes(x, mask);
    map_lanes(&l, |lane| {
        let n = lane.len() as f64;
        match op {
            Op::Mean => pairwise_sum(lane) / n,
            Op::Var | Op::Std => {
                let v = variance(lane);
                if op == Op::Std {
                    v.sqrt()
                } else {
                    v
                }
            }
            _ => logsumexp(lane),
        }
    })
}

/// NumPy's `_var`: mean, squared deviations, pairwise sum, divide by N. Empty gives nan.
pub fn variance(lane: &[f64]) -> f64 {
    let n = lane.len() as f64;
    let mean = pairwise_sum(lane) / n;
    let mut buf = Vec::with_capacity(lane.len());
    pairwise_map(lane, &mut buf, |x| (x - mean) * (x - mean)) / n
}

/// log(sum(exp(x))), shifted by the maximum for range (as scipy): an all -inf or empty lane
/// gives -inf, a +inf gives inf, NaN propagates.
pub fn logsumexp(lane: &[f64]) -> f64 {
    let m = lane.iter().fold(f64::NEG_INFINITY, |a, &b| max_f64(a, b));
    if m.is_nan() {
        return f64::NAN;
    }
    let shift = if m.is_finite() { m } else { 0.0 };
    let mut buf = Vec::with_capacity(lane.len());
    pairwise_map(lane, &mut buf, |x| (x - shift).exp()).ln() + shift
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f64]) -> f64 {
        a.iter().sum()
    }

    #[test]
    fn pairwise_matches_small_and_is_accurate() {
        let v: Vec<f64> = (0..1000).map(|i| i as f64 * 0.5).collect();
        assert_eq!(pairwise_sum(&v), naive(&v));
        let tiny: Vec<f64> = std::iter::once(1.0)
            .chain(std::iter::repeat_n(1e-16, 1_000_000))
            .collect();
        let s = pairwise_sum(&tiny);
        assert!((s - (1.0 + 1e-10)).abs() < 1e-13, "{s}");
    }

    #[test]
    fn parallel_pairwise_is_deterministic() {
        let v: Vec<f64> = (0..1_000_003i64)
            .map(|i| ((i * 7919) % 1000) as f64 * 0.001 + 0.1)
            .collect();
        let a = pairwise_sum(&v);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let b = pool.install(|| pairwise_sum(&v));
        assert_eq!(a.to_bits(), b.to_bits());
    }

    #[test]
    fn lanes_of_middle_axis() {
        let a = ArrayD::from_shape_vec(IxDyn(&[2, 3, 2]), (0..12i64).collect()).unwrap();
        let l = lanes(&a, &[false, true, false]);
        assert_eq!((l.outer, l.inner), (4, 3));
        assert_eq!(&l.data[..3], &[0, 2, 4]);
    }

    #[test]
    fn logsumexp_edges() {
        assert_eq!(logsumexp(&[]), f64::NEG_INFINITY);
        assert_eq!(logsumexp(&[f64::INFINITY, 1.0]), f64::INFINITY);
        assert!(logsumexp(&[f64::NAN, 1.0]).is_nan());
        assert!((logsumexp(&[1000.0, 1000.0]) - (1000.0 + 2f64.ln())).abs() < 1e-12);
    }
}
