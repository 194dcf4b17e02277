//! Preconditioners of the Krylov solvers: Jacobi, symmetric Gauss–Seidel (= SSOR with
//! ω = 1), IC(0), ILU(0), and Householder QR / RQ. Each is built once from the dense matrix
//! and applied as `z = M⁻¹ r` by sequential triangular solves.

use super::{axpy, norm, Dense, HELP_GENERAL};
use crate::diagnostics::{Error, Result};
use crate::kernels::linalg::dot_f64;

/// Preconditioners of the CG family (M ≈ A, symmetric positive definite).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CgPrecond {
    None,
    /// M = D (the diagonal).
    Jacobi,
    /// SSOR with ω = 1: M = (D + L) D⁻¹ (D + Lᵀ); for a symmetric matrix this is the
    /// symmetric Gauss–Seidel preconditioner (as in BlazeIterative).
    Ssor,
    /// IC(0): M = K Kᵀ, K the Cholesky factor restricted to the nonzero pattern of a.
    IncompleteCholesky,
    /// M = (D + L) D⁻¹ (D + U).
    SymmetricGaussSeidel,
}

/// Preconditioners of the BiCGSTAB family (applied on the right).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BiPrecond {
    None,
    /// ILU(0): unit-lower L and upper U restricted to the nonzero pattern of a.
    IncompleteLu,
    /// Full Householder QR, M = Q R (= a up to rounding).
    Qr,
    /// Full Householder RQ, M = R Q (= a up to rounding).
    Rq,
    /// IC(0) of the lower triangle, M = K Kᵀ.
    IncompleteCholesky,
}

/// A preconditioner ready to apply: `z = M⁻¹ r`.
pub(super) enum Pre<'a> {
    Identity,
    /// Inverse diagonal.
    Jacobi(Vec<f64>),
    /// (D + L) D⁻¹ (D + U) read from `a`.
    Sgs(&'a Dense),
    /// Lower factor K (row-major n × n, only i ≥ j used).
    Cholesky(Vec<f64>),
    /// ILU(0) in place: strict lower part = L (unit diagonal), upper part = U.
    Lu(Vec<f64>),
    /// R (upper part) and the Householder vectors (start index, v, vᵀv).
    Qr(Vec<f64>, Vec<(usize, Vec<f64>, f64)>),
    Rq(Vec<f64>, Vec<(usize, Vec<f64>, f64)>),
}

pub(super) fn zero_pivot(kind: &str, row: usize, help: &str) -> Error {
    Error::value(format!(
        "the {kind} preconditioner meets a zero pivot in row {row}"
    ))
    .with_help(help.to_string())
}

pub(super) fn jacobi(a: &Dense, help: &str) -> Result<Vec<f64>> {
    (0..a.n)
        .map(|i| {
            let d = a.at(i, i);
            if d == 0.0 || !d.is_finite() {
                Err(zero_pivot("diagonal", i, help))
            } else {
                Ok(1.0 / d)
            }
        })
        .collect()
}

/// IC(0) on the lower triangle's nonzero pattern. Error: a pivot that is not positive.
pub(super) fn incomplete_cholesky(a: &Dense, help: &str) -> Result<Vec<f64>> {
    let n = a.n;
    let mut k = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            k[i * n + j] = a.at(i, j);
        }
    }
    for c in 0..n {
        let d = k[c * n + c];
        if d <= 0.0 || !d.is_finite() {
            return Err(Error::value(format!(
                "the incomplete Cholesky preconditioner meets a pivot {d:.3e} ≤ 0 in row {c} \
                 (the matrix is not positive definite)"
            ))
            .with_help(help.to_string()));
        }
        let d = d.sqrt();
        k[c * n + c] = d;
        for i in c + 1..n {
            if a.at(i, c) != 0.0 {
                k[i * n + c] /= d;
            }
        }
        for j in c + 1..n {
            let kjc = k[j * n + c];
            if kjc == 0.0 {
                continue;
            }
            for i in j..n {
                if a.at(i, j) != 0.0 {
                    k[i * n + j] -= k[i * n + c] * kjc;
                }
            }
        }
    }
    Ok(k)
}

/// ILU(0) (IKJ variant) on the nonzero pattern of a. Error: a zero pivot.
pub(super) fn incomplete_lu(a: &Dense) -> Result<Vec<f64>> {
    let n = a.n;
    let mut m = a.a.clone();
    for i in 0..n {
        for k in 0..i {
            if a.at(i, k) == 0.0 {
                continue;
            }
            let piv = m[k * n + k];
            if piv == 0.0 || !piv.is_finite() {
                return Err(zero_pivot("incomplete LU", k, HELP_GENERAL));
            }
            let l = m[i * n + k] / piv;
            m[i * n + k] = l;
            for j in k + 1..n {
                if a.at(i, j) != 0.0 {
                    m[i * n + j] -= l * m[k * n + j];
                }
            }
        }
        let piv = m[i * n + i];
        if piv == 0.0 || !piv.is_finite() {
            return Err(zero_pivot("incomplete LU", i, HELP_GENERAL));
        }
    }
    Ok(m)
}

/// Householder reflector for `x`: (v, vᵀv) with (I − 2vvᵀ/vᵀv)·x = α·e_last (or e_0).
fn reflector(x: &[f64], pivot: usize) -> Option<(Vec<f64>, f64)> {
    let nx = norm(x);
    if nx == 0.0 {
        return None;
    }
    let alpha = if x[pivot] >= 0.0 { -nx } else { nx };
    let mut v = x.to_vec();
    v[pivot] -= alpha;
    let vv = dot_f64(&v, &v);
    (vv > 0.0).then_some((v, vv))
}

fn check_triangle(r: &[f64], n: usize, kind: &str) -> Result<()> {
    for i in 0..n {
        let d = r[i * n + i];
        if d == 0.0 || !d.is_finite() {
            return Err(zero_pivot(kind, i, HELP_GENERAL).with_help(
                "the matrix is singular (R has a zero diagonal entry); nothing can solve it",
            ));
        }
    }
    Ok(())
}

/// QR by Householder: A = H₀…Hₙ₋₂ R.
pub(super) fn householder_qr(a: &Dense) -> Result<Pre<'static>> {
    let n = a.n;
    let mut r = a.a.clone();
    let mut hs = Vec::new();
    for k in 0..n.saturating_sub(1) {
        let x: Vec<f64> = (k..n).map(|i| r[i * n + k]).collect();
        if let Some((v, vv)) = reflector(&x, 0) {
            for j in k..n {
                let s: f64 = (k..n).map(|i| v[i - k] * r[i * n + j]).sum();
                let f = 2.0 * s / vv;
                for i in k..n {
                    r[i * n + j] -= f * v[i - k];
                }
            }
            hs.push((k, v, vv));
        }
    }
    check_triangle(&r, n, "QR")?;
    Ok(Pre::Qr(r, hs))
}

/// RQ by Householder from the last row up: A·Hₙ₋₁…H₁ = R, so A = R·H₁…Hₙ₋₁.
pub(super) fn householder_rq(a: &Dense) -> Result<Pre<'static>> {
    let n = a.n;
    let mut r = a.a.clone();
    let mut hs = Vec::new();
    for k in (1..n).rev() {
        let x: Vec<f64> = r[k * n..k * n + k + 1].to_vec();
        if let Some((v, vv)) = reflector(&x, k) {
            for i in 0..=k {
                let row = &mut r[i * n..i * n + k + 1];
                let f = 2.0 * dot_f64(row, &v) / vv;
                axpy(-f, &v, row);
            }
            hs.push((0, v, vv));
        }
    }
    check_triangle(&r, n, "RQ")?;
    Ok(Pre::Rq(r, hs))
}

fn apply_reflector(start: usize, v: &[f64], vv: f64, y: &mut [f64]) {
    let seg = &mut y[start..start + v.len()];
    let f = 2.0 * dot_f64(seg, v) / vv;
    axpy(-f, v, seg);
}

/// Solves U z = y in place for the upper triangle of `u` (row-major n × n).
fn back_substitute(u: &[f64], n: usize, z: &mut [f64], unit: bool) {
    for i in (0..n).rev() {
        let s = dot_f64(&u[i * n + i + 1..(i + 1) * n], &z[i + 1..]);
        z[i] -= s;
        if !unit {
            z[i] /= u[i * n + i];
        }
    }
}

/// Solves L z = y in place for the lower triangle of `l`.
fn forward_substitute(l: &[f64], n: usize, z: &mut [f64], unit: bool) {
    for i in 0..n {
        let s = dot_f64(&l[i * n..i * n + i], &z[..i]);
        z[i] -= s;
        if !unit {
            z[i] /= l[i * n + i];
        }
    }
}

impl Pre<'_> {
    pub(super) fn apply(&self, r: &[f64], z: &mut [f64]) {
        z.copy_from_slice(r);
        match self {
            Pre::Identity => {}
            Pre::Jacobi(inv) => z.iter_mut().zip(inv).for_each(|(zi, d)| *zi *= d),
            Pre::Sgs(a) => {
                let n = a.n;
                forward_substitute(&a.a, n, z, false);
                for (i, zi) in z.iter_mut().enumerate() {
                    *zi *= a.at(i, i);
                }
                back_substitute(&a.a, n, z, false);
            }
            Pre::Cholesky(k) => {
                let n = z.len();
                forward_substitute(k, n, z, false);
                // Kᵀ z = y: column access of K
                for i in (0..n).rev() {
                    let s: f64 = (i + 1..n).map(|j| k[j * n + i] * z[j]).sum();
                    z[i] = (z[i] - s) / k[i * n + i];
                }
            }
            Pre::Lu(m) => {
                let n = z.len();
                forward_substitute(m, n, z, true);
                back_substitute(m, n, z, false);
            }
            Pre::Qr(r, hs) => {
                for (s, v, vv) in hs {
                    apply_reflector(*s, v, *vv, z);
                }
                back_substitute(r, z.len(), z, false);
            }
            Pre::Rq(r, hs) => {
                back_substitute(r, z.len(), z, false);
                for (s, v, vv) in hs.iter().rev() {
                    apply_reflector(*s, v, *vv, z);
                }
            }
        }
    }
}
