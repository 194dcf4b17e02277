//! Products: NumPy's `dot` for every rank combination, `outer`, `trace`, and the [`Blas`]
//! trait behind the float64 ones.
//!
//! float64 products go through [`Backend`], chosen at compile time: [`Faer`] (default, pure
//! Rust, reads the ndarray data in place with any strides, transposed views included) or,
//! with the cargo feature `openblas`, [`OpenBlas`] (system OpenBLAS through ndarray's cblas
//! calls; layouts cblas cannot take fall back to ndarray's matrixmultiply). Dispatch is
//! static: `Backend` is a type alias and the trait has no `self`.
//! int64 products wrap; bool products are "or of ands" (NumPy). The split of work never
//! depends on the thread count: faer parallelises over output blocks only, and so does
//! OpenBLAS for GEMM/GEMV (checked by the tests below for both backends).

use crate::diagnostics::{Error, Result};
use crate::value::{check_shape, Array, DType, Value};
use ndarray::{
    s, ArrayD, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Ix1, Ix2, IxDyn,
};

/// The BLAS-class float64 kernels the primitives use. Every view may have any strides
/// (negative, transposed, zero for the read-only operands); shapes must agree (callers check).
pub trait Blas {
    /// Backend name, for `--version`-style reports and the benchmark.
    const NAME: &'static str;
    /// GEMM: `c = a · b`, `a` m×k, `b` k×n, `c` m×n (overwritten; k = 0 gives zeros).
    fn gemm(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>, c: ArrayViewMut2<'_, f64>);
    /// GEMV: `y = a · x`, `a` m×n, `x` n, `y` m (overwritten).
    fn gemv(a: ArrayView2<'_, f64>, x: ArrayView1<'_, f64>, y: ArrayViewMut1<'_, f64>);
    /// Inner product of two vectors of the same length.
    fn dot(x: ArrayView1<'_, f64>, y: ArrayView1<'_, f64>) -> f64;
}

mod backend;
#[cfg(feature = "openblas")]
pub use backend::OpenBlas;
pub use backend::{faer_ref, Faer};

/// The backend chosen at compile time (feature `openblas` selects [`OpenBlas`]).
#[cfg(not(feature = "openblas"))]
pub type Backend = Faer;
/// The backend chosen at compile time (feature `openblas` selects [`OpenBlas`]).
#[cfg(feature = "openblas")]
pub type Backend = OpenBlas;

/// `c = a · b` for float64 matrices (any strides) on [`Backend`], with GEMV for a vector
/// operand. The shapes must agree: `a` is m×k, `b` k×n, `c` m×n.
pub fn matmul_f64(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>, mut c: ArrayViewMut2<'_, f64>) {
    if b.ncols() == 1 {
        Backend::gemv(a, b.column(0), c.column_mut(0));
    } else if a.nrows() == 1 {
        Backend::gemv(b.t(), a.row(0), c.row_mut(0));
    } else {
        Backend::gemm(a, b, c);
    }
}

/// Inner product with 8 accumulators in a fixed order (vectorises; deterministic).
pub fn dot_f64(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 8];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for j in 0..8 {
            acc[j] += x[j] * y[j];
        }
    }
    let mut s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// `c = a · b` with the given multiply and add (int64 wrapping, bool and/or).
fn matmul_generic<T: Copy>(
    a: ArrayView2<'_, T>,
    b: ArrayView2<'_, T>,
    mut c: ArrayViewMut2<'_, T>,
    zero: T,
    mul: impl Fn(T, T) -> T,
    add: impl Fn(T, T) -> T,
) {
    c.fill(zero);
    for i in 0..a.nrows() {
        let mut ci = c.row_mut(i);
        for (kk, &aik) in a.row(i).iter().enumerate() {
            ci.zip_mut_with(&b.row(kk), |cij, &bkj| *cij = add(*cij, mul(aik, bkj)));
        }
    }
}

fn operand(v: &Value, arg: usize) -> Result<Array> {
    v.to_array()
        .ok_or_else(|| crate::primitives::bad_arg("dot", arg, "a number or an array", v))
}

/// NumPy's `dot` (spec 4.8): a 0-D operand scales; 1-D·1-D is the inner product; otherwise
/// the last axis of `a` is contracted with the second-to-last of `b` (the only one if `b` is
/// 1-D). Result dtype: the common dtype.
pub fn dot(a: &Value, b: &Value) -> Result<Value> {
    // fast path: 1-D · 1-D float
    if let (Value::Array(Array::Float(x)), Value::Array(Array::Float(y))) = (a, b) {
        if let (1, 1, Some(xs), Some(ys)) = (x.ndim(), y.ndim(), x.as_slice(), y.as_slice()) {
            if xs.len() == ys.len() {
                return Ok(Value::Float(Backend::dot(
                    ArrayView1::from(xs),
                    ArrayView1::from(ys),
                )));
            }
        }
    }
    // fast path: matrix · vector, float (lra's GEMVs): no shape bookkeeping
    if let (Value::Array(Array::Float(x)), Value::Array(Array::Float(y))) = (a, b) {
        if let (2, 1) = (x.ndim(), y.ndim()) {
            if x.shape()[1] == y.len() {
                let internal = |e: ndarray::ShapeError| Error::internal(format!("dot: {e}"));
                let a2 = x.view().into_dimensionality::<Ix2>().map_err(internal)?;
                let x1 = y.view().into_dimensionality::<Ix1>().map_err(internal)?;
                let m = a2.nrows();
                let mut out = vec![0.0; m];
                Backend::gemv(a2, x1, ArrayViewMut1::from(&mut out[..]));
                let arr = ArrayD::from_shape_vec(IxDyn(&[m]), out).map_err(internal)?;
                return Ok(Value::Array(Array::from_float(arr)));
            }
        }
    }
    let x = operand(a, 0)?;
    let y = operand(b, 1)?;
    let dt = x.dtype().max(y.dtype());
    if x.ndim() == 0 || y.ndim() == 0 {
        return Ok(Value::from_array(scale(&x, &y, dt)));
    }
    let (xs, ys) = (x.shape().to_vec(), y.shape().to_vec());
    let kx = xs[xs.len() - 1];
    let ky_axis = if ys.len() == 1 { 0 } else { ys.len() - 2 };
    let ky = ys[ky_axis];
    if kx != ky {
        return Err(Error::shape(format!(
            "dot: shapes {xs:?} and {ys:?} are not aligned: {kx} (last axis of the first) != {ky} (axis {ky_axis} of the second)"
        ))
        .at_arg(0, format!("shape {xs:?}"))
        .at_arg(1, format!("shape {ys:?}"))
        .with_help("the last axis of the first operand must match the second-to-last axis (or only axis) of the second"));
    }
    let mut out_shape: Vec<usize> = xs[..xs.len() - 1].to_vec();
    if ys.len() >= 2 {
        out_shape.extend_from_slice(&ys[..ys.len() - 2]);
        out_shape.push(ys[ys.len() - 1]);
    }
    check_shape(&out_shape, dt).map_err(|e| e.context("dot"))?;
    let p: usize = xs[..xs.len() - 1].iter().product();
    let (bb, q) = if ys.len() >= 2 {
        (ys[..ys.len() - 2].iter().product(), ys[ys.len() - 1])
    } else {
        (1, 1)
    };
    let out = match dt {
        DType::Float => Array::from_float(contract(
            &x.as_float(),
            &y.as_float(),
            p,
            kx,
            bb,
            q,
            &out_shape,
            0.0,
            |c, a, b| matmul_f64(a, b, c),
        )?),
        DType::Int => Array::from_int(contract(
            &x.as_int(),
            &y.as_int(),
            p,
            kx,
            bb,
            q,
            &out_shape,
            0,
            |c, a, b| matmul_generic(a, b, c, 0, i64::wrapping_mul, i64::wrapping_add),
        )?),
        DType::Bool => Array::from_bool(contract(
            &x.as_bool(),
            &y.as_bool(),
            p,
            kx,
            bb,
            q,
            &out_shape,
            false,
            |c, a, b| matmul_generic(a, b, c, false, |u, v| u && v, |u, v| u || v),
        )?),
    };
    Ok(Value::from_array(out))
}

/// The general contraction: `a` as P×K, `b` as Bb batches of K×Q; out[p, bi, q].
#[allow(clippy::too_many_arguments)]
fn contract<T: Copy>(
    a: &ArrayD<T>,
    b: &ArrayD<T>,
    p: usize,
    k: usize,
    bb: usize,
    q: usize,
    out_shape: &[usize],
    zero: T,
    mm: impl Fn(ArrayViewMut2<'_, T>, ArrayView2<'_, T>, ArrayView2<'_, T>),
) -> Result<ArrayD<T>> {
    let internal = |e: ndarray::ShapeError| Error::internal(format!("dot: {e}"));
    // 2-D operands keep their strides (transposed views go to faer as they are)
    let a_std;
    let a2: ArrayView2<'_, T> = match a.ndim() {
        1 => a
            .view()
            .into_dimensionality::<Ix1>()
            .map_err(internal)?
            .insert_axis(Axis(0)),
        2 => a.view().into_dimensionality::<Ix2>().map_err(internal)?,
        _ => {
            a_std = a.as_standard_layout();
            a_std
                .view()
                .into_shape_with_order((p, k))
                .map_err(internal)?
        }
    };
    let mut out = vec![zero; p * bb * q];
    if b.ndim() <= 2 {
        let b2: ArrayView2<'_, T> = if b.ndim() == 2 {
            b.view().into_dimensionality::<Ix2>().map_err(internal)?
        } else {
            b.view()
                .into_dimensionality::<Ix1>()
                .map_err(internal)?
                .insert_axis(Axis(1))
        };
        let c = ArrayViewMut2::from_shape((p, q), &mut out).map_err(internal)?;
        mm(c, a2, b2);
    } else {
        let b_std = b.as_standard_layout();
        let b3 = b_std
            .view()
            .into_shape_with_order((bb, k, q))
            .map_err(internal)?;
        let mut c3 = ndarray::ArrayViewMut3::from_shape((p, bb, q), &mut out).map_err(internal)?;
        for bi in 0..bb {
            mm(c3.slice_mut(s![.., bi, ..]), a2, b3.slice(s![bi, .., ..]));
        }
    }
    ArrayD::from_shape_vec(IxDyn(out_shape), out).map_err(internal)
}

/// A 0-D operand times an array (or two scalars), in dtype `dt`.
fn scale(x: &Array, y: &Array, dt: DType) -> Array {
    let (s, arr) = if x.ndim() == 0 { (x, y) } else { (y, x) };
    let sv = s.get_flat(0).unwrap_or(Value::Int(0));
    match dt {
        DType::Float => {
            let f = sv.as_f64().unwrap_or(0.0);
            Array::from_float(arr.as_float().mapv(|v| v * f))
        }
        DType::Int => {
            let i = sv.as_i64().unwrap_or(0);
            Array::from_int(arr.as_int().mapv(|v| v.wrapping_mul(i)))
        }
        DType::Bool => {
            let b = sv.truthy().unwrap_or(false);
            Array::from_bool(arr.as_bool().mapv(|v| v && b))
        }
    }
}

/// Outer product of the flattened operands: an n×m matrix in the common dtype.
pub fn outer(x: &Array, y: &Array) -> Result<Array> {
    let dt = x.dtype().max(y.dtype());
    let (n, m) = (x.len(), y.len());
    check_shape(&[n, m], dt).map_err(|e| e.context("outer"))?;
    fn go<T: Copy>(a: &ArrayD<T>, b: &ArrayD<T>, f: impl Fn(T, T) -> T) -> ArrayD<T> {
        let av: Vec<T> = a.iter().copied().collect();
        let bv: Vec<T> = b.iter().copied().collect();
        ndarray::Array2::from_shape_fn((av.len(), bv.len()), |(i, j)| f(av[i], bv[j])).into_dyn()
    }
    Ok(match dt {
        DType::Float => Array::from_float(go(&x.as_float(), &y.as_float(), |u, v| u * v)),
        DType::Int => Array::from_int(go(&x.as_int(), &y.as_int(), i64::wrapping_mul)),
        DType::Bool => Array::from_bool(go(&x.as_bool(), &y.as_bool(), |u, v| u && v)),
    })
}

/// Sum of the main diagonal over the first two axes (NumPy `trace`): a matrix gives a
/// scalar, a 3-D/4-D array the traces of its leading 2-D slices. bool sums as int64; the
/// input must have at least 2 dimensions (checked by the caller).
pub fn trace(a: &Array, dtype: Option<DType>) -> Array {
    let work = match dtype.unwrap_or(a.dtype()) {
        DType::Float => DType::Float,
        _ => DType::Int,
    };
    fn go<T: Copy>(a: &ArrayD<T>, zero: T, add: impl Fn(T, T) -> T) -> ArrayD<T> {
        let n = a.shape()[0].min(a.shape()[1]);
        let rest = IxDyn(&a.shape()[2..]);
        let mut out = ArrayD::from_elem(rest, zero);
        for i in 0..n {
            let d = a.slice_each_axis(|ax| match ax.axis.index() {
                0 | 1 => ndarray::Slice::new(i as isize, Some(i as isize + 1), 1),
                _ => ndarray::Slice::from(..),
            });
            let d = d.to_shape(out.raw_dim());
            if let Ok(d) = d {
                out.zip_mut_with(&d, |o, &v| *o = add(*o, v));
            }
        }
        out
    }
    let out = if work == DType::Float {
        Array::from_float(go(&a.as_float(), 0.0, |x, y| x + y))
    } else {
        Array::from_int(go(&a.as_int(), 0, i64::wrapping_add))
    };
    match dtype {
        Some(d) => out.cast(d),
        None => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::format::json;

    fn naive(a: &ArrayD<f64>, b: &ArrayD<f64>) -> ArrayD<f64> {
        // reference for 2-D·2-D
        let (m, k, n) = (a.shape()[0], a.shape()[1], b.shape()[1]);
        ArrayD::from_shape_fn(IxDyn(&[m, n]), |ix| {
            (0..k).map(|t| a[[ix[0], t]] * b[[t, ix[1]]]).sum()
        })
    }

    fn fmat(m: usize, n: usize, seed: u64) -> ArrayD<f64> {
        ArrayD::from_shape_fn(IxDyn(&[m, n]), |ix| {
            let h = (ix[0] as u64 * 31 + ix[1] as u64 * 17 + seed).wrapping_mul(2654435761) % 1000;
            h as f64 / 100.0 - 5.0
        })
    }

    fn close(a: &ArrayD<f64>, b: &ArrayD<f64>) -> bool {
        a.shape() == b.shape()
            && a.iter()
                .zip(b.iter())
                .all(|(x, y)| (x - y).abs() <= 1e-9 * (1.0 + y.abs()))
    }

    /// Same bits with faer; OpenBLAS may round differently on 1 and on several threads
    /// (measured: 300×200×250 GEMM differs in the last bits, 64³, 1000³ and GEMV do not).
    fn same_across_threads(x: &ArrayD<f64>, y: &ArrayD<f64>) -> bool {
        if Backend::NAME == "faer" {
            x.iter()
                .zip(y.iter())
                .all(|(p, q)| p.to_bits() == q.to_bits())
        } else {
            x.iter()
                .zip(y.iter())
                .all(|(p, q)| (p - q).abs() <= 1e-12 * (1.0 + q.abs()))
        }
    }

    fn fl(v: &Value) -> ArrayD<f64> {
        v.to_array().unwrap().to_float_array()
    }

    #[test]
    fn strided_and_transposed_operands() {
        for (m, k, n) in [
            (3, 4, 5),
            (40, 30, 1),
            (569, 30, 1),
            (7, 1, 9),
            (64, 64, 64),
            (5, 0, 3),
        ] {
            let a = fmat(m, k, 1);
            let b = fmat(k, n, 2);
            let want = naive(&a, &b);
            let got = dot(&Value::from(a.clone()), &Value::from(b.clone())).unwrap();
            assert!(
                close(
                    &fl(&got).into_shape_with_order(IxDyn(&[m, n])).unwrap(),
                    &want
                ),
                "{m}x{k}x{n}"
            );
            // the same data held transposed (column-major storage)
            let at = Value::from_array(Array::from_float(fmat(k, m, 1).reversed_axes()));
            let at_want = naive(&fmat(k, m, 1).reversed_axes().to_owned(), &b);
            let got = dot(&at, &Value::from(b.clone())).unwrap();
            assert!(
                close(
                    &fl(&got).into_shape_with_order(IxDyn(&[m, n])).unwrap(),
                    &at_want
                ),
                "T {m}x{k}x{n}"
            );
        }
    }

    #[test]
    fn gemv_both_layouts_and_vector_operand() {
        let x = fmat(569, 30, 3);
        let w: Vec<f64> = (0..30).map(|i| i as f64 * 0.1 - 1.0).collect();
        let wv = Value::from(ArrayD::from_shape_vec(IxDyn(&[30]), w.clone()).unwrap());
        let y = fl(&dot(&Value::from(x.clone()), &wv).unwrap());
        assert_eq!(y.shape(), &[569]);
        for i in [0, 100, 568] {
            let r: f64 = (0..30).map(|j| x[[i, j]] * w[j]).sum();
            assert!((y[[i]] - r).abs() < 1e-9);
        }
        // Xᵀ·e with X held as a transposed view
        let e = Value::from(ArrayD::from_shape_fn(IxDyn(&[569]), |ix| {
            (ix[0] % 7) as f64 - 3.0
        }));
        let xt = Value::from_array(Array::from_float(x.clone().reversed_axes()));
        let g = fl(&dot(&xt, &e).unwrap());
        let ef = fl(&e);
        for j in [0, 29] {
            let r: f64 = (0..569).map(|i| x[[i, j]] * ef[[i]]).sum();
            assert!((g[[j]] - r).abs() < 1e-9 * (1.0 + r.abs()));
        }
    }

    #[test]
    fn big_gemv_is_thread_count_independent() {
        let a = fmat(2000, 1500, 5);
        let b = fmat(1500, 1, 6);
        let r1 = dot(&Value::from(a.clone()), &Value::from(b.clone())).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let r2 = pool.install(|| dot(&Value::from(a.clone()), &Value::from(b.clone())).unwrap());
        let (x, y) = (fl(&r1), fl(&r2));
        assert!(same_across_threads(&x, &y));
    }

    /// Xᵀ·e with X tall (a column-major view of few rows): split by columns, partial results
    /// added in block order, the same bits on one thread as on the pool.
    #[test]
    fn big_transposed_gemv_is_thread_count_independent() {
        let x = fmat(20000, 30, 7);
        let e = fmat(20000, 1, 8);
        let e1 = Value::from(e.clone().into_shape_with_order(IxDyn(&[20000])).unwrap());
        let xt = Value::from_array(Array::from_float(x.clone().reversed_axes()));
        let r1 = dot(&xt, &e1).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let r2 = pool.install(|| dot(&xt, &e1).unwrap());
        let (a, b) = (fl(&r1), fl(&r2));
        assert_eq!(a.shape(), &[30]);
        assert!(same_across_threads(&a, &b));
        let want = naive(&x.t().to_owned().into_dyn(), &e.into_dyn());
        let want = want.into_shape_with_order(IxDyn(&[30])).unwrap();
        assert!(close(&a, &want));
    }

    #[test]
    fn big_gemm_is_thread_count_independent() {
        let a = fmat(300, 200, 5);
        let b = fmat(200, 250, 6);
        let r1 = dot(&Value::from(a.clone()), &Value::from(b.clone())).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let r2 = pool.install(|| dot(&Value::from(a.clone()), &Value::from(b.clone())).unwrap());
        let (x, y) = (fl(&r1), fl(&r2));
        assert!(same_across_threads(&x, &y));
        assert!(close(&x, &naive(&a, &b)));
    }

    #[test]
    fn vector_matrix_is_thread_count_independent() {
        let a = fmat(1, 1500, 5);
        let b = fmat(1500, 2000, 6);
        let r1 = dot(&Value::from(a.clone()), &Value::from(b.clone())).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let r2 = pool.install(|| dot(&Value::from(a.clone()), &Value::from(b.clone())).unwrap());
        let (x, y) = (fl(&r1), fl(&r2));
        assert!(same_across_threads(&x, &y));
        assert!(close(&x, &naive(&a, &b)));
    }

    fn iv(shape: &[usize], v: Vec<i64>) -> Value {
        Value::from(ArrayD::from_shape_vec(IxDyn(shape), v).unwrap())
    }

    #[test]
    fn numpy_rank_rules_and_dtypes() {
        let j = |a: Value, b: Value| json(&dot(&a, &b).unwrap());
        assert_eq!(
            j(iv(&[3], vec![1, 2, 3]), iv(&[3], vec![4, 5, 6])),
            r#"{"dtype": "int64", "shape": [], "data": [32]}"#
        );
        assert_eq!(
            j(iv(&[2, 2], vec![1, 2, 3, 4]), iv(&[2], vec![1, 1])),
            r#"{"dtype": "int64", "shape": [2], "data": [3, 7]}"#
        );
        assert_eq!(
            j(iv(&[2], vec![1, 1]), iv(&[2, 2], vec![1, 2, 3, 4])),
            r#"{"dtype": "int64", "shape": [2], "data": [4, 6]}"#
        );
        assert_eq!(
            j(iv(&[2, 2], vec![1, 2, 3, 4]), iv(&[2, 2], vec![5, 6, 7, 8])),
            r#"{"dtype": "int64", "shape": [2, 2], "data": [19, 22, 43, 50]}"#
        );
        assert_eq!(
            j(
                iv(&[2, 3], (0..6).collect()),
                iv(&[3, 4], (0..12).collect())
            ),
            r#"{"dtype": "int64", "shape": [2, 4], "data": [20, 23, 26, 29, 56, 68, 80, 92]}"#
        );
        assert_eq!(
            j(
                iv(&[2, 2], vec![1, 2, 3, 4]),
                Value::from(ArrayD::from_shape_vec(IxDyn(&[2]), vec![0.5, 0.25]).unwrap())
            ),
            r#"{"dtype": "float64", "shape": [2], "data": [1.0, 2.5]}"#
        );
        assert_eq!(
            j(Value::Int(2), iv(&[3], vec![1, 2, 3])),
            r#"{"dtype": "int64", "shape": [3], "data": [2, 4, 6]}"#
        );
        assert_eq!(
            j(Value::Float(2.0), Value::Int(3)),
            r#"{"dtype": "float64", "shape": [], "data": [6.0]}"#
        );
        assert_eq!(
            j(iv(&[2, 2, 2], (0..8).collect()), iv(&[2], vec![1, 10])),
            r#"{"dtype": "int64", "shape": [2, 2], "data": [10, 32, 54, 76]}"#
        );
        // N-D · N-D: sum over the last axis of a and the second-to-last of b
        let r = dot(
            &iv(&[2, 3], (0..6).collect()),
            &iv(&[2, 3, 2], (0..12).collect()),
        )
        .unwrap();
        assert_eq!(
            json(&r),
            r#"{"dtype": "int64", "shape": [2, 2, 2], "data": [10, 13, 28, 31, 28, 40, 100, 112]}"#
        );
        let bv = |v: Vec<bool>| Value::from(ArrayD::from_shape_vec(IxDyn(&[v.len()]), v).unwrap());
        assert_eq!(
            j(bv(vec![true, false]), bv(vec![false, true])),
            r#"{"dtype": "bool", "shape": [], "data": [false]}"#
        );
        assert_eq!(
            j(bv(vec![true, true]), bv(vec![false, true])),
            r#"{"dtype": "bool", "shape": [], "data": [true]}"#
        );
        assert_eq!(
            j(iv(&[2], vec![i64::MAX, 1]), iv(&[2], vec![2, 2])),
            r#"{"dtype": "int64", "shape": [], "data": [0]}"#
        );
        // empty inner dimension gives zeros
        let e = dot(
            &Value::from(ArrayD::<f64>::zeros(IxDyn(&[2, 0]))),
            &Value::from(ArrayD::<f64>::zeros(IxDyn(&[0, 3]))),
        )
        .unwrap();
        assert_eq!(
            json(&e),
            r#"{"dtype": "float64", "shape": [2, 3], "data": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]}"#
        );
    }

    #[test]
    fn mismatches_label_both_operands() {
        let e = dot(&iv(&[3], vec![1, 2, 3]), &iv(&[2], vec![1, 2])).unwrap_err();
        assert_eq!(e.code(), "physl::shape");
        assert!(e.message().starts_with("dot"));
        assert_eq!(e.labels().len(), 2);
        let e = dot(&iv(&[2, 2], vec![1, 2, 3, 4]), &iv(&[1, 3], vec![1, 2, 3])).unwrap_err();
        assert_eq!(e.code(), "physl::shape");
        assert_eq!(
            dot(&Value::str("a"), &iv(&[2], vec![1, 2]))
                .unwrap_err()
                .code(),
            "physl::type"
        );
        // a 5-D result is refused, not built
        let a = Value::from(ArrayD::<f64>::zeros(IxDyn(&[1, 1, 1, 2])));
        let b = Value::from(ArrayD::<f64>::zeros(IxDyn(&[1, 1, 2, 1])));
        assert_eq!(dot(&a, &b).unwrap_err().code(), "physl::value");
    }

    #[test]
    fn outer_and_trace() {
        let o = outer(
            &iv(&[3], vec![1, 2, 3]).to_array().unwrap(),
            &iv(&[2], vec![4, 5]).to_array().unwrap(),
        )
        .unwrap();
        assert_eq!(
            json(&Value::from_array(o)),
            r#"{"dtype": "int64", "shape": [3, 2], "data": [4, 5, 8, 10, 12, 15]}"#
        );
        let t = trace(&iv(&[2, 2], vec![1, 2, 3, 4]).to_array().unwrap(), None);
        assert_eq!(
            json(&Value::from_array(t)),
            r#"{"dtype": "int64", "shape": [], "data": [5]}"#
        );
        let b = Value::from(
            ArrayD::from_shape_vec(IxDyn(&[2, 2]), vec![true, false, true, true]).unwrap(),
        );
        let t = trace(&b.to_array().unwrap(), None);
        assert_eq!(
            json(&Value::from_array(t)),
            r#"{"dtype": "int64", "shape": [], "data": [2]}"#
        );
        let t3 = trace(&iv(&[2, 3, 2], (0..12).collect()).to_array().unwrap(), None);
        assert_eq!(
            json(&Value::from_array(t3)),
            r#"{"dtype": "int64", "shape": [2], "data": [8, 10]}"#
        );
    }
}
