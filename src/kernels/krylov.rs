//! Krylov-subspace kernels (spec 4.10, BlazeIterative's solvers): preconditioned conjugate
//! gradients, preconditioned BiCGSTAB, restarted GMRES(30), and the Lanczos / Arnoldi
//! eigenvalue approximations.
//!
//! The matrix is copied once into a dense row-major buffer; every product, factorisation and
//! triangular solve is a plain sequential loop (inner products via `linalg::dot_f64`, whose
//! summation order is fixed), and the small eigenproblems go to faer with `Par::Seq`, so
//! results never depend on the thread count.
//!
//! Every solver starts from x = 0 and stops when the TRUE relative residual
//! ‖b − A·x‖ / ‖b‖ is at most [`TOL`] (a recursively updated residual that claims
//! convergence is always checked against the true one), or fails after
//! [`max_iterations`] iterations with an error naming the iterations run and the residual
//! reached. Breakdowns (a zero pivot in a preconditioner, pᵀAp ≤ 0 in CG, a vanishing
//! denominator in BiCGSTAB or GMRES) are errors with a help line naming another solver.
//! Errors carry no primitive name: the caller adds it with `Error::context`.

use crate::diagnostics::{Error, Result};
use crate::kernels::linalg::dot_f64;
use ndarray::{Array1, ArrayView1, ArrayView2};

mod precond;
use precond::{householder_qr, householder_rq, incomplete_cholesky, incomplete_lu, jacobi, Pre};
pub use precond::{BiPrecond, CgPrecond};

/// Relative-residual tolerance ‖b − A·x‖ / ‖b‖.
pub const TOL: f64 = 1e-10;
/// GMRES restart length.
pub const RESTART: usize = 30;

/// Iteration limit for an n × n system: 10·n, at least 100.
pub fn max_iterations(n: usize) -> usize {
    n.saturating_mul(10).max(100)
}

/// A square matrix, dense and row-major.
struct Dense {
    n: usize,
    a: Vec<f64>,
}

impl Dense {
    fn new(a: ArrayView2<'_, f64>) -> Dense {
        Dense {
            n: a.nrows(),
            a: a.iter().copied().collect(),
        }
    }
    fn at(&self, i: usize, j: usize) -> f64 {
        self.a[i * self.n + j]
    }
    fn row(&self, i: usize) -> &[f64] {
        &self.a[i * self.n..(i + 1) * self.n]
    }
    fn matvec(&self, x: &[f64], y: &mut [f64]) {
        for (i, yi) in y.iter_mut().enumerate() {
            *yi = dot_f64(self.row(i), x);
        }
    }
    /// Largest |aᵢⱼ − aⱼᵢ| relative to the largest |aᵢⱼ| is at most 1e-10.
    fn is_symmetric(&self) -> bool {
        let scale = self.a.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        (0..self.n).all(|i| (0..i).all(|j| (self.at(i, j) - self.at(j, i)).abs() <= 1e-10 * scale))
    }
}

fn norm(x: &[f64]) -> f64 {
    dot_f64(x, x).sqrt()
}

/// `y += s · x`
fn axpy(s: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += s * xi;
    }
}

fn true_residual(a: &Dense, b: &[f64], x: &[f64], r: &mut [f64]) -> f64 {
    a.matvec(x, r);
    for (ri, bi) in r.iter_mut().zip(b) {
        *ri = bi - *ri;
    }
    norm(r)
}

fn not_converged(its: usize, rel: f64) -> Error {
    Error::value(format!(
        "did not converge in {its} iterations (relative residual {rel:.3e}, tolerance {TOL:e})"
    ))
    .with_help(
        "the matrix may be ill-conditioned or unsuited to this method; try another iterative \
         solver or linear_solver_lu",
    )
}

fn breakdown(what: &str, its: usize, rel: f64, help: &str) -> Error {
    Error::value(format!(
        "breakdown after {its} iterations: {what} (relative residual {rel:.3e})"
    ))
    .with_help(help.to_string())
}

const HELP_GENERAL: &str = "try iterative_solver_gmres or linear_solver_lu";
const HELP_CG: &str =
    "CG needs a symmetric positive definite matrix; try iterative_solver_bicgstab, \
     iterative_solver_gmres or linear_solver_lu";

/// Everything a solver needs: the matrix, b, ‖b‖ and the interrupt check.
struct System<'a> {
    a: Dense,
    b: Vec<f64>,
    bnorm: f64,
    check: &'a dyn Fn() -> Result<()>,
}

/// Copies the inputs; `Ok(None)` when the answer is trivially zero (n = 0 or b = 0).
fn system<'a>(
    a: ArrayView2<'_, f64>,
    b: ArrayView1<'_, f64>,
    check: &'a dyn Fn() -> Result<()>,
) -> Option<System<'a>> {
    let b: Vec<f64> = b.iter().copied().collect();
    let bnorm = norm(&b);
    if b.is_empty() || bnorm == 0.0 {
        return None;
    }
    Some(System {
        a: Dense::new(a),
        b,
        bnorm,
        check,
    })
}

fn positive(x: f64) -> bool {
    x > 0.0
}

fn not_pd_pre(its: usize, rel: f64) -> Error {
    let what = "the preconditioner is not positive definite";
    breakdown(what, its, rel, HELP_CG)
}

/// Preconditioned conjugate gradients for a symmetric positive definite `a`. The caller
/// has checked that `a` is square and `b` matches.
pub fn cg(
    a: ArrayView2<'_, f64>,
    b: ArrayView1<'_, f64>,
    precond: CgPrecond,
    check: &dyn Fn() -> Result<()>,
) -> Result<Array1<f64>> {
    let n = b.len();
    let Some(sys) = system(a, b, check) else {
        return Ok(Array1::zeros(n));
    };
    if !sys.a.is_symmetric() {
        return Err(Error::value("the matrix is not symmetric").with_help(HELP_CG));
    }
    let pre = match precond {
        CgPrecond::None => Pre::Identity,
        CgPrecond::Jacobi => Pre::Jacobi(jacobi(&sys.a, HELP_CG)?),
        CgPrecond::Ssor | CgPrecond::SymmetricGaussSeidel => {
            jacobi(&sys.a, HELP_CG)?;
            Pre::Sgs(&sys.a)
        }
        CgPrecond::IncompleteCholesky => Pre::Cholesky(incomplete_cholesky(&sys.a, HELP_CG)?),
    };
    let (a, bn) = (&sys.a, sys.bnorm);
    let maxit = max_iterations(n);
    let mut x = vec![0.0; n];
    let mut r = sys.b.clone();
    let (mut z, mut ap) = (vec![0.0; n], vec![0.0; n]);
    let mut rel = 1.0;
    let mut its = 0;
    // outer loop: (re)start from the true residual
    while its < maxit {
        pre.apply(&r, &mut z);
        let mut p = z.clone();
        let mut rz = dot_f64(&r, &z);
        if !positive(rz) {
            return Err(not_pd_pre(its, rel));
        }
        while its < maxit {
            (sys.check)()?;
            its += 1;
            a.matvec(&p, &mut ap);
            let pap = dot_f64(&p, &ap);
            if !positive(pap) || !rz.is_finite() {
                return Err(breakdown(
                    &format!("pᵀAp = {pap:.3e} ≤ 0, the matrix is not positive definite"),
                    its,
                    rel,
                    HELP_CG,
                ));
            }
            let alpha = rz / pap;
            axpy(alpha, &p, &mut x);
            axpy(-alpha, &ap, &mut r);
            rel = norm(&r) / bn;
            if rel <= TOL {
                break;
            }
            pre.apply(&r, &mut z);
            let rz_new = dot_f64(&r, &z);
            if !positive(rz_new) {
                return Err(not_pd_pre(its, rel));
            }
            let beta = rz_new / rz;
            rz = rz_new;
            for (pi, zi) in p.iter_mut().zip(&z) {
                *pi = zi + beta * *pi;
            }
        }
        rel = true_residual(a, &sys.b, &x, &mut r) / bn;
        if rel <= TOL {
            return Ok(Array1::from(x));
        }
    }
    Err(not_converged(its, rel))
}

/// Right-preconditioned BiCGSTAB for a general square `a`. A breakdown restarts once from
/// the true residual (shadow residual r̂ = r); a breakdown right after a restart is an error.
pub fn bicgstab(
    a: ArrayView2<'_, f64>,
    b: ArrayView1<'_, f64>,
    precond: BiPrecond,
    check: &dyn Fn() -> Result<()>,
) -> Result<Array1<f64>> {
    let n = b.len();
    let Some(sys) = system(a, b, check) else {
        return Ok(Array1::zeros(n));
    };
    let help_ic = "the incomplete Cholesky preconditioner needs a symmetric positive definite \
                   matrix; try iterative_solver_bicgstab_lu or iterative_solver_gmres";
    let pre = match precond {
        BiPrecond::None => Pre::Identity,
        BiPrecond::IncompleteLu => Pre::Lu(incomplete_lu(&sys.a)?),
        BiPrecond::Qr => householder_qr(&sys.a)?,
        BiPrecond::Rq => householder_rq(&sys.a)?,
        BiPrecond::IncompleteCholesky => Pre::Cholesky(incomplete_cholesky(&sys.a, help_ic)?),
    };
    let (a, bn) = (&sys.a, sys.bnorm);
    let maxit = max_iterations(n);
    let mut x = vec![0.0; n];
    let mut r = sys.b.clone();
    let [mut v, mut p, mut y, mut s, mut z, mut t] = std::array::from_fn(|_| vec![0.0; n]);
    let mut rel = 1.0;
    let mut its = 0;
    while its < maxit {
        // (re)start from the true residual r (x = 0 and r = b the first time)
        let rhat = r.clone();
        let rhat_norm = norm(&rhat);
        let (mut rho, mut alpha, mut omega) = (1.0, 1.0, 1.0);
        v.fill(0.0);
        p.fill(0.0);
        let mut fresh = true;
        while its < maxit {
            (sys.check)()?;
            let rho_new = dot_f64(&rhat, &r);
            if rho_new.abs() <= f64::EPSILON * rhat_norm * norm(&r) || !rho_new.is_finite() {
                if fresh {
                    return Err(breakdown("r̂ᵀr vanishes", its, rel, HELP_GENERAL));
                }
                break;
            }
            its += 1;
            let beta = (rho_new / rho) * (alpha / omega);
            for i in 0..n {
                p[i] = r[i] + beta * (p[i] - omega * v[i]);
            }
            pre.apply(&p, &mut y);
            a.matvec(&y, &mut v);
            let den = dot_f64(&rhat, &v);
            if den.abs() <= f64::EPSILON * rhat_norm * norm(&v) || !den.is_finite() {
                if fresh {
                    return Err(breakdown("r̂ᵀAp vanishes", its, rel, HELP_GENERAL));
                }
                break;
            }
            fresh = false;
            alpha = rho_new / den;
            axpy(alpha, &y, &mut x);
            for i in 0..n {
                s[i] = r[i] - alpha * v[i];
            }
            rel = norm(&s) / bn;
            if rel <= TOL {
                break;
            }
            pre.apply(&s, &mut z);
            a.matvec(&z, &mut t);
            let tt = dot_f64(&t, &t);
            omega = if tt > 0.0 { dot_f64(&t, &s) / tt } else { 0.0 };
            if omega == 0.0 || !omega.is_finite() {
                // stagnation: keep x (already updated by α·y), restart
                r.copy_from_slice(&s);
                break;
            }
            axpy(omega, &z, &mut x);
            for i in 0..n {
                r[i] = s[i] - omega * t[i];
            }
            rel = norm(&r) / bn;
            if rel <= TOL {
                break;
            }
            rho = rho_new;
        }
        rel = true_residual(a, &sys.b, &x, &mut r) / bn;
        if !rel.is_finite() {
            return Err(breakdown("the iterates overflowed", its, rel, HELP_GENERAL));
        }
        if rel <= TOL {
            return Ok(Array1::from(x));
        }
    }
    Err(not_converged(its, rel))
}

/// Restarted GMRES(30), modified Gram–Schmidt with Givens rotations; the iteration count
/// is the number of Arnoldi steps over all restarts.
pub fn gmres(
    a: ArrayView2<'_, f64>,
    b: ArrayView1<'_, f64>,
    check: &dyn Fn() -> Result<()>,
) -> Result<Array1<f64>> {
    let n = b.len();
    let Some(sys) = system(a, b, check) else {
        return Ok(Array1::zeros(n));
    };
    let (a, bn) = (&sys.a, sys.bnorm);
    let maxit = max_iterations(n);
    let m = RESTART.min(n);
    let mut x = vec![0.0; n];
    let mut r = vec![0.0; n];
    let mut its = 0;
    loop {
        let beta = true_residual(a, &sys.b, &x, &mut r);
        let rel = beta / bn;
        if !rel.is_finite() {
            return Err(breakdown("the iterates overflowed", its, rel, HELP_GENERAL));
        }
        if rel <= TOL {
            return Ok(Array1::from(x));
        }
        if its >= maxit {
            return Err(not_converged(its, rel));
        }
        let mut basis: Vec<Vec<f64>> = vec![r.iter().map(|v| v / beta).collect()];
        let mut h = vec![vec![0.0; m]; m + 1]; // h[i][j]
        let (mut cs, mut sn) = (vec![0.0; m], vec![0.0; m]);
        let mut g = vec![0.0; m + 1];
        g[0] = beta;
        let mut k = 0;
        let mut w = vec![0.0; n];
        while k < m && its < maxit {
            (sys.check)()?;
            its += 1;
            a.matvec(&basis[k], &mut w);
            for (i, q) in basis.iter().enumerate() {
                let hij = dot_f64(&w, q);
                h[i][k] = hij;
                axpy(-hij, q, &mut w);
            }
            let hn = norm(&w);
            h[k + 1][k] = hn;
            for i in 0..k {
                let (p, q) = (h[i][k], h[i + 1][k]);
                h[i][k] = cs[i] * p + sn[i] * q;
                h[i + 1][k] = -sn[i] * p + cs[i] * q;
            }
            let (p, q) = (h[k][k], h[k + 1][k]);
            let d = p.hypot(q);
            if d == 0.0 || !d.is_finite() {
                return Err(breakdown(
                    "the Hessenberg matrix is singular (the matrix is singular on the Krylov \
                     subspace)",
                    its,
                    rel,
                    "check that the matrix is nonsingular; try linear_solver_lu",
                ));
            }
            cs[k] = p / d;
            sn[k] = q / d;
            h[k][k] = d;
            h[k + 1][k] = 0.0;
            g[k + 1] = -sn[k] * g[k];
            g[k] *= cs[k];
            k += 1;
            // a happy breakdown (hn = 0) means the solution lies in the current subspace
            if hn <= f64::EPSILON * d || g[k].abs() / bn <= TOL {
                break;
            }
            basis.push(w.iter().map(|v| v / hn).collect());
        }
        // solve the k × k triangle and update x
        let mut yv = g[..k].to_vec();
        for i in (0..k).rev() {
            let s: f64 = (i + 1..k).map(|j| h[i][j] * yv[j]).sum();
            yv[i] = (yv[i] - s) / h[i][i];
        }
        for (q, yi) in basis.iter().zip(&yv) {
            axpy(*yi, q, &mut x);
        }
    }
}

/// Orthogonalises `w` against every vector of `q` (twice, classical Gram–Schmidt with
/// reorthogonalisation); returns the coefficients of the first pass plus the second.
fn orthogonalise(q: &[Vec<f64>], w: &mut [f64]) -> Vec<f64> {
    let mut coef = vec![0.0; q.len()];
    for _ in 0..2 {
        for (c, qi) in coef.iter_mut().zip(q) {
            let d = dot_f64(w, qi);
            *c += d;
            axpy(-d, qi, w);
        }
    }
    coef
}

/// A unit vector orthogonal to `q` (which spans fewer than n dimensions): the unit basis
/// vector eᵢ farthest from span(q) (least ‖Qᵀeᵢ‖, first on ties), orthogonalised.
fn fresh_direction(q: &[Vec<f64>], n: usize) -> Vec<f64> {
    let mut best = (0, f64::INFINITY);
    for i in 0..n {
        let inside: f64 = q.iter().map(|v| v[i] * v[i]).sum();
        if inside < best.1 {
            best = (i, inside);
        }
    }
    let mut e = vec![0.0; n];
    e[best.0] = 1.0;
    orthogonalise(q, &mut e);
    let en = norm(&e);
    e.iter().map(|v| v / en).collect()
}

fn check_eig_args(a: &Dense, b: &[f64], k: usize) -> Result<()> {
    if k < 1 || k > a.n {
        return Err(Error::value(format!(
            "n must be between 1 and the matrix size {}, got {k}",
            a.n
        )));
    }
    if norm(b) == 0.0 || !norm(b).is_finite() {
        return Err(Error::value(
            "the start vector b must be nonzero and finite",
        ));
    }
    Ok(())
}

/// A k-step Krylov process: the orthonormal basis Q and the k × k projection H = QᵀAQ
/// (Hessenberg; tridiagonal up to rounding for a symmetric a). A breakdown (an invariant subspace found
/// before k steps) continues with a fresh direction orthogonal to Q, leaving a zero
/// subdiagonal entry in H, so H's eigenvalues stay eigenvalues of the projection.
fn krylov(a: &Dense, b: &[f64], k: usize, check: &dyn Fn() -> Result<()>) -> Result<Vec<f64>> {
    let n = a.n;
    let scale =
        a.a.iter()
            .map(|v| v * v)
            .sum::<f64>()
            .sqrt()
            .max(f64::MIN_POSITIVE);
    let bn = norm(b);
    let mut q: Vec<Vec<f64>> = vec![b.iter().map(|v| v / bn).collect()];
    let mut h = vec![0.0; k * k];
    let mut w = vec![0.0; n];
    for j in 0..k {
        check()?;
        a.matvec(&q[j], &mut w);
        let coef = orthogonalise(&q, &mut w);
        for (i, c) in coef.iter().enumerate() {
            h[i * k + j] = *c;
        }
        if j + 1 == k {
            break;
        }
        let hn = norm(&w);
        if hn <= 1e-12 * scale {
            q.push(fresh_direction(&q, n));
        } else {
            h[(j + 1) * k + j] = hn;
            q.push(w.iter().map(|v| v / hn).collect());
        }
    }
    Ok(h)
}

/// `iterative_solver_lanczos`: the k Ritz values of a symmetric `a` from k Lanczos steps
/// started at `b` (full reorthogonalisation), ascending. With k = n they are a's eigenvalues.
pub fn lanczos(
    a: ArrayView2<'_, f64>,
    b: ArrayView1<'_, f64>,
    k: usize,
    check: &dyn Fn() -> Result<()>,
) -> Result<Array1<f64>> {
    let a = Dense::new(a);
    let b: Vec<f64> = b.iter().copied().collect();
    check_eig_args(&a, &b, k)?;
    if !a.is_symmetric() {
        return Err(Error::value("the matrix is not symmetric")
            .with_help("Lanczos needs a symmetric matrix; try iterative_solver_arnoldi"));
    }
    let h = krylov(&a, &b, k, check)?;
    // the tridiagonal T: symmetrise (the upper entries equal the lower up to rounding)
    let t = faer::Mat::from_fn(k, k, |i, j| {
        if i.abs_diff(j) > 1 {
            0.0
        } else {
            0.5 * (h[i * k + j] + h[j * k + i])
        }
    });
    let par = faer::Par::Seq;
    let mut s = faer::diag::Diag::<f64>::zeros(k);
    let req = faer::linalg::evd::self_adjoint_evd_scratch::<f64>(
        k,
        faer::linalg::evd::ComputeEigenvectors::No,
        par,
        Default::default(),
    );
    let mut buf = faer::dyn_stack::MemBuffer::new(req);
    faer::linalg::evd::self_adjoint_evd(
        t.as_ref(),
        s.as_mut(),
        None,
        par,
        faer::dyn_stack::MemStack::new(&mut buf),
        Default::default(),
    )
    .map_err(|e| Error::value(format!("the eigenvalue iteration failed ({e:?})")))?;
    let mut vals: Vec<f64> = s.column_vector().iter().copied().collect();
    vals.sort_by(f64::total_cmp);
    Ok(Array1::from(vals))
}

/// `iterative_solver_arnoldi`: the k Ritz values of `a` from k Arnoldi steps started at
/// `b`, ascending. Error when a Ritz value is complex (physl has no complex dtype).
pub fn arnoldi(
    a: ArrayView2<'_, f64>,
    b: ArrayView1<'_, f64>,
    k: usize,
    check: &dyn Fn() -> Result<()>,
) -> Result<Array1<f64>> {
    let a = Dense::new(a);
    let b: Vec<f64> = b.iter().copied().collect();
    check_eig_args(&a, &b, k)?;
    let h = krylov(&a, &b, k, check)?;
    let hm = faer::Mat::from_fn(k, k, |i, j| h[i * k + j]);
    let par = faer::Par::Seq;
    let (mut re, mut im) = (
        faer::diag::Diag::<f64>::zeros(k),
        faer::diag::Diag::<f64>::zeros(k),
    );
    let req = faer::linalg::evd::evd_scratch::<f64>(
        k,
        faer::linalg::evd::ComputeEigenvectors::No,
        faer::linalg::evd::ComputeEigenvectors::No,
        par,
        Default::default(),
    );
    let mut buf = faer::dyn_stack::MemBuffer::new(req);
    faer::linalg::evd::evd_real(
        hm.as_ref(),
        re.as_mut(),
        im.as_mut(),
        None,
        None,
        par,
        faer::dyn_stack::MemStack::new(&mut buf),
        Default::default(),
    )
    .map_err(|e| Error::value(format!("the eigenvalue iteration failed ({e:?})")))?;
    let re: Vec<f64> = re.column_vector().iter().copied().collect();
    let im: Vec<f64> = im.column_vector().iter().copied().collect();
    let scale = re
        .iter()
        .zip(&im)
        .fold(0.0f64, |m, (r, i)| m.max(r.hypot(*i)));
    if let Some((r, i)) = re.iter().zip(&im).find(|(_, i)| i.abs() > 1e-6 * scale) {
        return Err(Error::value(format!(
            "a Ritz value is complex ({r} {} {}i)",
            if *i < 0.0 { '-' } else { '+' },
            i.abs()
        ))
        .with_help(
            "physl has no complex dtype; for a symmetric matrix use iterative_solver_lanczos",
        ));
    }
    let mut vals = re;
    vals.sort_by(f64::total_cmp);
    Ok(Array1::from(vals))
}
