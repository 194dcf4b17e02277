//! Linear-algebra kernels: factorisations on faer (LU with partial pivoting, Cholesky LLᵀ,
//! Bunch–Kaufman LBLᵀ, SVD), a Gauss–Jordan inverse, NumPy's norms, cross and gradient. Inputs are float64 ndarray matrix views (any strides; faer
//! reads them in place); results are row-major ndarray arrays.
//!
//! Singularity follows LAPACK (and so NumPy): a matrix is singular when elimination meets a
//! pivot that is exactly zero. Errors carry no primitive name: callers add it with
//! `Error::context` and label the argument.

use crate::diagnostics::{Error, Result};
use faer::linalg::solvers::{DenseSolveCore, Solve};
use faer::Side;
use ndarray::{Array1, Array2, ArrayD, ArrayView1, ArrayView2, Axis, IxDyn, Slice};

pub use super::linalg::faer_ref;

/// Row-major ndarray copy of a faer matrix.
pub fn to_ndarray(m: faer::MatRef<'_, f64>) -> Array2<f64> {
    Array2::from_shape_fn((m.nrows(), m.ncols()), |(i, j)| m[(i, j)])
}

fn singular() -> Error {
    Error::value("the matrix is singular")
        .with_help("a singular matrix has no inverse; check for linearly dependent rows")
}

/// Checks that `a` is square; the error names the shape.
pub fn check_square(a: &ArrayView2<'_, f64>) -> Result<usize> {
    if a.nrows() != a.ncols() {
        return Err(Error::shape(format!(
            "expected a square matrix, got shape [{}, {}]",
            a.nrows(),
            a.ncols()
        )));
    }
    Ok(a.nrows())
}

/// Parity of a permutation given as a forward index array: +1 for even, -1 for odd.
fn perm_sign(fwd: &[usize]) -> f64 {
    let mut seen = vec![false; fwd.len()];
    let mut sign = 1.0;
    for start in 0..fwd.len() {
        if seen[start] {
            continue;
        }
        let (mut j, mut len) = (start, 0usize);
        while !seen[j] {
            seen[j] = true;
            j = fwd[j];
            len += 1;
        }
        if len % 2 == 0 {
            sign = -sign;
        }
    }
    sign
}

/// LU with partial pivoting of a square matrix.
fn plu(a: &ArrayView2<'_, f64>) -> faer::linalg::solvers::PartialPivLu<f64> {
    faer_ref(a).partial_piv_lu()
}

fn has_zero_pivot(lu: &faer::linalg::solvers::PartialPivLu<f64>) -> bool {
    let u = lu.U();
    (0..u.nrows().min(u.ncols())).any(|i| u[(i, i)] == 0.0)
}

/// Determinant via LU: the permutation sign times the product of U's diagonal.
/// 0×0 gives 1.
pub fn determinant(a: ArrayView2<'_, f64>) -> Result<f64> {
    let n = check_square(&a)?;
    if n == 0 {
        return Ok(1.0);
    }
    // NumPy's way: sign · exp(Σ ln|uᵢᵢ|), so results agree to the last bit more often and a
    // singular matrix gives +0
    let lu = plu(&a);
    let u = lu.U();
    let mut sign = perm_sign(lu.P().arrays().0);
    let mut logdet = 0.0;
    for i in 0..n {
        let d = u[(i, i)];
        if d == 0.0 {
            return Ok(0.0);
        }
        if d < 0.0 {
            sign = -sign;
        }
        logdet += d.abs().ln();
    }
    Ok(sign * logdet.exp())
}

/// Inverse via LU. Error: not square, or a zero pivot (singular).
pub fn inverse(a: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
    let n = check_square(&a)?;
    if n == 0 {
        return Ok(Array2::zeros((0, 0)));
    }
    let lu = plu(&a);
    if has_zero_pivot(&lu) {
        return Err(singular());
    }
    Ok(to_ndarray(lu.inverse().as_ref()))
}

/// Inverse by Gauss–Jordan elimination with partial pivoting on the augmented [A | I].
pub fn inverse_gje(a: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
    let n = check_square(&a)?;
    let mut m = a.to_owned();
    let mut inv = Array2::<f64>::eye(n);
    for k in 0..n {
        // pivot: largest magnitude in column k at or below row k (first one on ties)
        let mut p = k;
        for i in k + 1..n {
            if m[[i, k]].abs() > m[[p, k]].abs() {
                p = i;
            }
        }
        let piv = m[[p, k]];
        if piv == 0.0 {
            return Err(singular());
        }
        if p != k {
            for j in 0..n {
                m.swap([p, j], [k, j]);
                inv.swap([p, j], [k, j]);
            }
        }
        for j in 0..n {
            m[[k, j]] /= piv;
            inv[[k, j]] /= piv;
        }
        for i in 0..n {
            if i == k {
                continue;
            }
            let f = m[[i, k]];
            if f == 0.0 {
                continue;
            }
            for j in 0..n {
                m[[i, j]] -= f * m[[k, j]];
                inv[[i, j]] -= f * inv[[k, j]];
            }
        }
    }
    Ok(inv)
}

/// `a` square with `n` rows and `b` a vector of length `n`.
fn check_system(a: &ArrayView2<'_, f64>, b: &ArrayView1<'_, f64>) -> Result<usize> {
    let n = check_square(a)?;
    if b.len() != n {
        return Err(Error::shape(format!(
            "the right-hand side has {} elements but the matrix has {n} rows",
            b.len()
        )));
    }
    Ok(n)
}

fn rhs(b: &ArrayView1<'_, f64>) -> faer::Mat<f64> {
    faer::Mat::from_fn(b.len(), 1, |i, _| b[i])
}

fn col0(x: &faer::Mat<f64>) -> Array1<f64> {
    Array1::from_shape_fn(x.nrows(), |i| x[(i, 0)])
}

/// Solves `a x = b` via LU with partial pivoting. Error: singular (zero pivot).
pub fn solve_lu(a: ArrayView2<'_, f64>, b: ArrayView1<'_, f64>) -> Result<Array1<f64>> {
    let n = check_system(&a, &b)?;
    if n == 0 {
        return Ok(Array1::zeros(0));
    }
    let lu = plu(&a);
    if has_zero_pivot(&lu) {
        return Err(singular());
    }
    let mut x = rhs(&b);
    lu.solve_in_place(x.as_mut());
    Ok(col0(&x))
}

fn side(lower: bool) -> Side {
    if lower {
        Side::Lower
    } else {
        Side::Upper
    }
}

/// Solves a symmetric positive definite system via Cholesky, reading the lower (or upper)
/// triangle of `a`. Error: not positive definite.
pub fn solve_cholesky(
    a: ArrayView2<'_, f64>,
    b: ArrayView1<'_, f64>,
    lower: bool,
) -> Result<Array1<f64>> {
    let n = check_system(&a, &b)?;
    if n == 0 {
        return Ok(Array1::zeros(0));
    }
    let llt = faer_ref(&a).llt(side(lower)).map_err(|_| {
        Error::value("the matrix is not positive definite").with_help(
            "Cholesky needs a symmetric positive definite matrix; use linear_solver_ldlt or linear_solver_lu otherwise",
        )
    })?;
    let mut x = rhs(&b);
    llt.solve_in_place(x.as_mut());
    Ok(col0(&x))
}

/// Solves a symmetric (possibly indefinite) system via Bunch–Kaufman LBLᵀ (LAPACK's sytrf,
/// which Blaze's `ldlt` calls), reading the lower (or upper) triangle. Error: singular.
pub fn solve_ldlt(
    a: ArrayView2<'_, f64>,
    b: ArrayView1<'_, f64>,
    lower: bool,
) -> Result<Array1<f64>> {
    let n = check_system(&a, &b)?;
    if n == 0 {
        return Ok(Array1::zeros(0));
    }
    let f = faer_ref(&a).lblt(side(lower));
    let (d, s) = (f.B_diag(), f.B_subdiag());
    let (d, s) = (d.column_vector(), s.column_vector());
    let mut i = 0;
    while i < n {
        if i + 1 < n && s[i] != 0.0 {
            if d[i] * d[i + 1] - s[i] * s[i] == 0.0 {
                return Err(singular());
            }
            i += 2;
        } else {
            if d[i] == 0.0 {
                return Err(singular());
            }
            i += 1;
        }
    }
    let mut x = rhs(&b);
    f.solve_in_place(x.as_mut());
    Ok(col0(&x))
}

/// LU in Blaze's row-major convention `a = L · U · P`: L lower triangular (carrying the
/// pivots on its diagonal), U unit upper triangular, P a permutation matrix applied on the
/// right (column pivoting). Computed as the row-pivoted LU of aᵀ, transposed. Any m × n.
pub fn lu_blaze(a: ArrayView2<'_, f64>) -> (Array2<f64>, Array2<f64>, Array2<f64>) {
    let (m, n) = (a.nrows(), a.ncols());
    let k = m.min(n);
    if k == 0 {
        return (Array2::zeros((m, k)), Array2::zeros((k, n)), Array2::eye(n));
    }
    // aᵀ = Pᵀ Lt Ut  (faer: rows of Lt·Ut are the rows of aᵀ permuted by P)
    let at = a.t();
    let f = faer_ref(&at).partial_piv_lu();
    let (lt, ut) = (f.L(), f.U()); // lt: n×k unit lower, ut: k×m upper
    let l = Array2::from_shape_fn((m, k), |(i, j)| ut[(j, i)]);
    let u = Array2::from_shape_fn((k, n), |(i, j)| lt[(j, i)]);
    // (P aᵀ)[i] = aᵀ[fwd[i]]  =>  a = (Lt Ut)ᵀ P with P[i, fwd[i]] = 1
    let fwd = f.P().arrays().0;
    let mut p = Array2::zeros((n, n));
    for (i, &j) in fwd.iter().enumerate() {
        p[[i, j]] = 1.0;
    }
    (l, u, p)
}

/// Singular values, largest first. Error: the SVD did not converge.
pub fn singular_values(a: ArrayView2<'_, f64>) -> Result<Vec<f64>> {
    if a.nrows() == 0 || a.ncols() == 0 {
        return Ok(Vec::new());
    }
    if a.iter().any(|v| !v.is_finite()) {
        return Ok(vec![f64::NAN; a.nrows().min(a.ncols())]);
    }
    faer_ref(&a)
        .singular_values()
        .map_err(|_| Error::value("the singular value decomposition did not converge"))
}

/// The `ord` of NumPy's `linalg.norm`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NormOrd {
    /// nil: 2-norm of vectors, Frobenius norm of matrices.
    Default,
    Fro,
    Nuc,
    P(f64),
}

fn max_nan(it: impl Iterator<Item = f64>, max: bool) -> Result<f64> {
    let mut acc: Option<f64> = None;
    for v in it {
        acc = Some(match acc {
            None => v,
            Some(a) if a.is_nan() || v.is_nan() => f64::NAN,
            Some(a) => {
                if max {
                    a.max(v)
                } else {
                    a.min(v)
                }
            }
        });
    }
    acc.ok_or_else(|| {
        Error::value("zero-size array to a maximum/minimum reduction, which has no identity")
    })
}

/// Vector norm of one lane (NumPy's `linalg.norm` with a single axis).
pub fn vector_norm(x: &[f64], ord: NormOrd) -> Result<f64> {
    let abs = x.iter().map(|v| v.abs());
    Ok(match ord {
        NormOrd::Default => sum_sq(x).sqrt(),
        NormOrd::P(2.0) => sum_sq(x).sqrt(),
        NormOrd::P(p) if p == f64::INFINITY => max_nan(abs, true)?,
        NormOrd::P(p) if p == f64::NEG_INFINITY => max_nan(abs, false)?,
        NormOrd::P(0.0) => x.iter().filter(|v| **v != 0.0).count() as f64,
        NormOrd::P(1.0) => crate::kernels::reduce::pairwise_sum(&abs.collect::<Vec<_>>()),
        NormOrd::P(p) => {
            let pw: Vec<f64> = abs.map(|v| v.powf(p)).collect();
            crate::kernels::reduce::pairwise_sum(&pw).powf(1.0 / p)
        }
        NormOrd::Fro | NormOrd::Nuc => {
            return Err(Error::value("invalid norm order for vectors")
                .with_help("\"fro\" and \"nuc\" are matrix norms; give two axes"))
        }
    })
}

fn sum_sq(x: &[f64]) -> f64 {
    crate::kernels::reduce::pairwise_sum(&x.iter().map(|v| v * v).collect::<Vec<_>>())
}

/// Matrix norm (NumPy's `linalg.norm` with two axes).
pub fn matrix_norm(m: ArrayView2<'_, f64>, ord: NormOrd) -> Result<f64> {
    let abs_sums = |axis: usize| -> Vec<f64> {
        m.lanes(ndarray::Axis(axis))
            .into_iter()
            .map(|l| l.iter().map(|v| v.abs()).sum())
            .collect()
    };
    Ok(match ord {
        NormOrd::Default | NormOrd::Fro => sum_sq(&m.iter().copied().collect::<Vec<_>>()).sqrt(),
        NormOrd::Nuc => singular_values(m)?.iter().sum(),
        NormOrd::P(p) if p == 2.0 || p == -2.0 => {
            max_nan(singular_values(m)?.into_iter(), p > 0.0)?
        }
        // column sums (over the row axis), then max/min over columns
        NormOrd::P(p) if p == 1.0 || p == -1.0 => max_nan(abs_sums(0).into_iter(), p > 0.0)?,
        NormOrd::P(p) if p.is_infinite() => max_nan(abs_sums(1).into_iter(), p > 0.0)?,
        NormOrd::P(_) => {
            return Err(Error::value("invalid norm order for matrices")
                .with_help("matrix orders are nil, \"fro\", \"nuc\", 1, -1, 2, -2, inf and -inf"))
        }
    })
}

/// `linalg.norm(x, ord, axis=axes, keepdims)` for one axis (vector norms) or two (matrix
/// norms; `axes[0]` is the row axis). Axes are valid and distinct (checked by the caller).
pub fn norm_axes(
    x: ndarray::ArrayViewD<'_, f64>,
    ord: NormOrd,
    axes: &[usize],
    keepdims: bool,
) -> Result<ndarray::ArrayD<f64>> {
    let nd = x.ndim();
    let xshape = x.shape().to_vec();
    let others: Vec<usize> = (0..nd).filter(|i| !axes.contains(i)).collect();
    let perm: Vec<usize> = others.iter().chain(axes).copied().collect();
    let moved = x.permuted_axes(ndarray::IxDyn(&perm));
    let moved = moved.as_standard_layout();
    let outer: Vec<usize> = others.iter().map(|&i| xshape[i]).collect();
    let count: usize = outer.iter().product();
    let inner: Vec<usize> = axes.iter().map(|&i| xshape[i]).collect();
    let flat = moved
        .as_slice()
        .ok_or_else(|| Error::internal("norm: layout"))?;
    let size: usize = inner.iter().product();
    let mut out = Vec::with_capacity(count);
    for c in 0..count {
        let lane = &flat[c * size..(c + 1) * size];
        out.push(if axes.len() == 1 {
            vector_norm(lane, ord)?
        } else {
            let m = ArrayView2::from_shape((inner[0], inner[1]), lane)
                .map_err(|e| Error::internal(format!("norm: {e}")))?;
            matrix_norm(m, ord)?
        });
    }
    let shape: Vec<usize> = if keepdims {
        (0..nd)
            .map(|i| if axes.contains(&i) { 1 } else { xshape[i] })
            .collect()
    } else {
        outer
    };
    ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&shape), out)
        .map_err(|e| Error::internal(format!("norm: {e}")))
}

/// Cross products along the last axis of `a` and `b` (2 or 3 elements), leading axes
/// broadcast to `lead` (NumPy's `cross`): 2×2 gives the z component only.
pub fn cross_lanes<T: Copy + Default>(
    a: &ArrayD<T>,
    b: &ArrayD<T>,
    lead: &[usize],
    mul: impl Fn(T, T) -> T,
    sub: impl Fn(T, T) -> T,
) -> Result<ArrayD<T>> {
    let internal = |e: ndarray::ShapeError| Error::internal(format!("cross: {e}"));
    let (ka, kb) = (a.shape()[a.ndim() - 1], b.shape()[b.ndim() - 1]);
    let n: usize = lead.iter().product();
    let bcast = |x: &ArrayD<T>, k: usize| -> Result<ArrayD<T>> {
        let mut s = lead.to_vec();
        s.push(k);
        let v = x
            .broadcast(IxDyn(&s))
            .ok_or_else(|| Error::internal("cross: broadcast failed"))?;
        v.as_standard_layout()
            .into_owned()
            .into_shape_with_order(IxDyn(&[n, k]))
            .map_err(internal)
    };
    let (a2, b2) = (bcast(a, ka)?, bcast(b, kb)?);
    let z = T::default();
    let get = |x: &ArrayD<T>, i: usize, j: usize, k: usize| if j < k { x[[i, j]] } else { z };
    let three = ka == 3 || kb == 3;
    let mut out = Vec::with_capacity(n * if three { 3 } else { 1 });
    for i in 0..n {
        let (a0, a1, a2v) = (get(&a2, i, 0, ka), get(&a2, i, 1, ka), get(&a2, i, 2, ka));
        let (b0, b1, b2v) = (get(&b2, i, 0, kb), get(&b2, i, 1, kb), get(&b2, i, 2, kb));
        if three {
            out.push(sub(mul(a1, b2v), mul(a2v, b1)));
            out.push(sub(mul(a2v, b0), mul(a0, b2v)));
        }
        out.push(sub(mul(a0, b1), mul(a1, b0)));
    }
    let mut shape = lead.to_vec();
    if three {
        shape.push(3);
    }
    ArrayD::from_shape_vec(IxDyn(&shape), out).map_err(internal)
}

/// NumPy's `gradient` along `ax` with unit spacing (extent >= 2, checked by the caller):
/// central differences inside, first differences at the edges.
pub fn gradient_axis(f: &ArrayD<f64>, ax: usize) -> ArrayD<f64> {
    let n = f.shape()[ax];
    let mut out = ArrayD::<f64>::zeros(f.raw_dim());
    let sl = |r: std::ops::Range<usize>| Slice::from(r);
    if n > 2 {
        let d = (&f.slice_axis(Axis(ax), sl(2..n)) - &f.slice_axis(Axis(ax), sl(0..n - 2))) / 2.0;
        out.slice_axis_mut(Axis(ax), sl(1..n - 1)).assign(&d);
    }
    let first = &f.slice_axis(Axis(ax), sl(1..2)) - &f.slice_axis(Axis(ax), sl(0..1));
    out.slice_axis_mut(Axis(ax), sl(0..1)).assign(&first);
    let last = &f.slice_axis(Axis(ax), sl(n - 1..n)) - &f.slice_axis(Axis(ax), sl(n - 2..n - 1));
    out.slice_axis_mut(Axis(ax), sl(n - 1..n)).assign(&last);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn close(a: &Array2<f64>, b: &Array2<f64>) -> bool {
        a.shape() == b.shape()
            && a.iter()
                .zip(b)
                .all(|(x, y)| (x - y).abs() <= 1e-12 + 1e-9 * y.abs())
    }

    #[test]
    fn determinants_match_numpy() {
        let a = array![[1.0, 2.0], [3.0, 4.0]];
        assert!((determinant(a.view()).unwrap() + 2.0).abs() < 1e-12);
        let b = array![[6.0, 1.0, 1.0], [4.0, -2.0, 5.0], [2.0, 8.0, 7.0]];
        assert!((determinant(b.view()).unwrap() + 306.0).abs() < 1e-9);
        let p = array![[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]];
        assert_eq!(determinant(p.view()).unwrap(), 1.0);
        let s = array![[0.0, 1.0], [1.0, 0.0]];
        assert_eq!(determinant(s.view()).unwrap(), -1.0);
        assert_eq!(determinant(Array2::zeros((0, 0)).view()).unwrap(), 1.0);
        assert_eq!(
            determinant(array![[1.0, 2.0], [2.0, 4.0]].view()).unwrap(),
            0.0
        );
        assert!(determinant(Array2::zeros((2, 3)).view()).is_err());
    }

    #[test]
    fn inverses_agree() {
        let a = array![[4.0, 7.0], [2.0, 6.0]];
        let want = array![[0.6, -0.7000000000000001], [-0.2, 0.4]];
        assert!(close(&inverse(a.view()).unwrap(), &want));
        assert!(close(&inverse_gje(a.view()).unwrap(), &want));
        let sing = array![[1.0, 2.0], [2.0, 4.0]];
        assert_eq!(inverse(sing.view()).unwrap_err().code(), "physl::value");
        assert_eq!(inverse_gje(sing.view()).unwrap_err().code(), "physl::value");
        assert_eq!(
            inverse(Array2::zeros((2, 3)).view()).unwrap_err().code(),
            "physl::shape"
        );
        // transposed (non-contiguous) input is read in place
        let t = array![[4.0, 2.0], [7.0, 6.0]];
        assert!(close(&inverse(t.t()).unwrap(), &want));
    }

    #[test]
    fn solvers() {
        let a = array![[4.0, 2.0, 0.6], [2.0, 5.0, 1.0], [0.6, 1.0, 3.0]];
        let b = array![1.0, 2.0, 3.0];
        // numpy.linalg.solve(a, b)
        let want = [
            0.004484304932735425,
            0.21255605381165918,
            0.9282511210762333,
        ];
        for x in [
            solve_lu(a.view(), b.view()).unwrap(),
            solve_cholesky(a.view(), b.view(), true).unwrap(),
            solve_cholesky(a.view(), b.view(), false).unwrap(),
            solve_ldlt(a.view(), b.view(), true).unwrap(),
            solve_ldlt(a.view(), b.view(), false).unwrap(),
        ] {
            for (g, w) in x.iter().zip(want) {
                assert!((g - w).abs() < 1e-12, "{g} vs {w}");
            }
        }
        // indefinite but regular: LDLT (Bunch–Kaufman) works, Cholesky refuses
        let s = array![[0.0, 1.0], [1.0, 0.0]];
        let y = solve_ldlt(s.view(), array![2.0, 3.0].view(), true).unwrap();
        assert_eq!(y.to_vec(), vec![3.0, 2.0]);
        assert!(solve_cholesky(s.view(), array![2.0, 3.0].view(), true).is_err());
        let sing = array![[1.0, 2.0], [2.0, 4.0]];
        assert!(solve_lu(sing.view(), array![1.0, 1.0].view()).is_err());
        assert!(solve_ldlt(sing.view(), array![1.0, 1.0].view(), true).is_err());
        assert!(solve_lu(a.view(), array![1.0].view()).is_err());
    }

    #[test]
    fn lu_reconstructs_blaze_style() {
        let a = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]];
        for m in [
            a.clone(),
            a.slice(ndarray::s![..2, ..]).to_owned(),
            a.slice(ndarray::s![.., ..2]).to_owned(),
        ] {
            let (l, u, p) = lu_blaze(m.view());
            assert!(close(&l.dot(&u).dot(&p), &m), "{l} {u} {p}");
            for i in 0..u.nrows() {
                assert_eq!(u[[i, i]], 1.0);
            }
        }
    }

    #[test]
    fn singular_values_of_diag() {
        let a = array![[3.0, 0.0], [0.0, -4.0]];
        let s = singular_values(a.view()).unwrap();
        assert!((s[0] - 4.0).abs() < 1e-12 && (s[1] - 3.0).abs() < 1e-12);
    }
}
