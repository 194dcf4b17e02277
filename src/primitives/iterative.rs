//! solvers, iterative part (spec 4.10): the Krylov solvers of Phylanx's BlazeIterative build
//! — CG and BiCGSTAB with their preconditioners, restarted GMRES, Lanczos and Arnoldi.
//! Kernels in `kernels/krylov.rs`; this file checks arguments and builds the table.

use super::statistics::array_arg;
use super::{bad_arg, Args, Context, Effects, Eval, Family, Primitive, Tier};
use crate::diagnostics::{Error, Result};
use crate::kernels::krylov::{self, BiPrecond, CgPrecond};
use crate::value::{Array, Value};
use ndarray::{Array1, ArrayView1, ArrayView2, Ix1, Ix2};

/// The square matrix (argument 0) and the right-hand-side / start vector (argument 1), as
/// float64 (int and bool convert).
fn system(prim: &str, args: &Args) -> Result<(Array, Array)> {
    let a = array_arg(prim, args, 0)?;
    if a.ndim() != 2 || a.shape()[0] != a.shape()[1] {
        return Err(Error::shape(format!(
            "{prim}: expected a square matrix, got an array of shape {:?}",
            a.shape()
        ))
        .at_arg(0, format!("shape {:?}", a.shape())));
    }
    let b = array_arg(prim, args, 1)?;
    if b.ndim() != 1 {
        return Err(Error::type_error(format!(
            "{prim}: argument 2 must be a vector, not an array of shape {:?}",
            b.shape()
        ))
        .at_arg(1, format!("shape {:?}", b.shape()))
        .with_help("the iterative solvers take one right-hand-side vector"));
    }
    if b.len() != a.shape()[0] {
        return Err(Error::shape(format!(
            "{prim}: the matrix has shape {:?} but the vector has shape {:?}",
            a.shape(),
            b.shape()
        ))
        .at_arg(1, format!("shape {:?}", b.shape())));
    }
    Ok((
        Array::from_float((*a.as_float()).clone()),
        Array::from_float((*b.as_float()).clone()),
    ))
}

type Kernel<'k> = dyn Fn(ArrayView2<'_, f64>, ArrayView1<'_, f64>) -> Result<Array1<f64>> + 'k;

fn run(prim: &str, args: &Args, kernel: &Kernel<'_>) -> Result<Value> {
    let (a, b) = system(prim, args)?;
    let (af, bf) = (a.as_float(), b.as_float());
    let internal = |e: ndarray::ShapeError| Error::internal(format!("{prim}: {e}"));
    let av = af.view().into_dimensionality::<Ix2>().map_err(internal)?;
    let bv = bf.view().into_dimensionality::<Ix1>().map_err(internal)?;
    let x = kernel(av, bv).map_err(|e| e.context(prim).at_arg(0, "this matrix"))?;
    Ok(Value::Array(Array::from_float(x.into_dyn())))
}

fn cg(prim: &str, cx: &dyn Context, args: &Args, p: CgPrecond) -> Result<Value> {
    run(prim, args, &|a, b| {
        krylov::cg(a, b, p, &|| cx.check_interrupt())
    })
}

fn bicgstab(prim: &str, cx: &dyn Context, args: &Args, p: BiPrecond) -> Result<Value> {
    run(prim, args, &|a, b| {
        krylov::bicgstab(a, b, p, &|| cx.check_interrupt())
    })
}

fn eigen(prim: &str, cx: &dyn Context, args: &Args, lanczos: bool) -> Result<Value> {
    let k = match &args[2] {
        Value::Int(k) => *k,
        v => return Err(bad_arg(prim, 2, "an integer", v)),
    };
    let size = match args[0].to_array() {
        Some(a) if a.ndim() == 2 => a.shape()[0] as i64,
        _ => 0,
    };
    let (_, _) = system(prim, args)?;
    if k < 1 || k > size {
        return Err(Error::value(format!(
            "{prim}: n must be between 1 and the matrix size {size}, got {k}"
        ))
        .at_arg(2, "out of range"));
    }
    let k = k as usize;
    run(prim, args, &|a, b| {
        let check = || cx.check_interrupt();
        if lanczos {
            krylov::lanczos(a, b, k, &check)
        } else {
            krylov::arnoldi(a, b, k, &check)
        }
    })
}

macro_rules! entry_fns {
    ($($name:ident => $body:expr;)*) => {
        $(#[allow(non_snake_case)]
        fn $name(cx: &dyn Context, args: Args) -> Result<Value> {
            let f: &dyn Fn(&str, &dyn Context, &Args) -> Result<Value> = &$body;
            f(stringify!($name), cx, &args)
        })*
    };
}

entry_fns! {
    iterative_solver_conjugate_gradient => |p, cx, a| cg(p, cx, a, CgPrecond::None);
    iterative_solver_cg_jacobi => |p, cx, a| cg(p, cx, a, CgPrecond::Jacobi);
    iterative_solver_cg_ssor => |p, cx, a| cg(p, cx, a, CgPrecond::Ssor);
    iterative_solver_cg_incompleteCholesky =>
        |p, cx, a| cg(p, cx, a, CgPrecond::IncompleteCholesky);
    iterative_solver_cg_symmetric_gauss_seidel =>
        |p, cx, a| cg(p, cx, a, CgPrecond::SymmetricGaussSeidel);
    iterative_solver_bicgstab => |p, cx, a| bicgstab(p, cx, a, BiPrecond::None);
    iterative_solver_bicgstab_lu => |p, cx, a| bicgstab(p, cx, a, BiPrecond::IncompleteLu);
    iterative_solver_bicgstab_qr => |p, cx, a| bicgstab(p, cx, a, BiPrecond::Qr);
    iterative_solver_bicgstab_rq => |p, cx, a| bicgstab(p, cx, a, BiPrecond::Rq);
    iterative_solver_bicgstab_cholesky =>
        |p, cx, a| bicgstab(p, cx, a, BiPrecond::IncompleteCholesky);
    iterative_solver_gmres => |p, cx, a| run(p, a, &|m, b| krylov::gmres(m, b, &|| cx.check_interrupt()));
    iterative_solver_lanczos => |p, cx, a| eigen(p, cx, a, true);
    iterative_solver_arnoldi => |p, cx, a| eigen(p, cx, a, false);
}

const fn prim(
    name: &'static str,
    signature: &'static str,
    help: &'static str,
    examples: &'static [(&'static str, &'static str)],
    f: super::PrimFn,
) -> Primitive {
    Primitive {
        name,
        family: Family::Solvers,
        tier: Tier::T3,
        signature,
        effects: Effects::PURE,
        help,
        examples,
        dtype_aliases: false,
        eval: Eval::Fn(f),
    }
}

/// Shared tail of the solvers' help.
macro_rules! solver_help {
    ($first:expr, $detail:expr) => {
        concat!(
            $first,
            "\n",
            $detail,
            " Starts from x = 0 and stops when ‖b − a·x‖/‖b‖ ≤ 1e-10 (the true residual); \
             gives up after max(10·n, 100) iterations with a physl::value error naming the \
             iterations and the residual reached. The third argument is accepted and ignored \
             (as Phylanx). float64; int and bool convert. Errors: a not square or b of the \
             wrong length (physl::shape), b not a vector (physl::type), breakdown or no \
             convergence (physl::value)."
        )
    };
}

pub(crate) static PRIMITIVES: &[Primitive] = &[
    prim(
        "iterative_solver_conjugate_gradient",
        "iterative_solver_conjugate_gradient(a, b, ignored=nil)",
        solver_help!(
            "Solves a x = b for a symmetric positive definite a by conjugate gradients.",
            "a must be symmetric (to 1e-10 relative); pᵀ·a·p ≤ 0 (a not positive definite) \
             is a breakdown error."
        ),
        &[
            (
                "iterative_solver_conjugate_gradient([[4.0, 0.0], [0.0, 2.0]], [8.0, 2.0])",
                "[2, 1]",
            ),
            (
                "iterative_solver_conjugate_gradient([[1.0, 2.0], [2.0, 1.0]], [1.0, -1.0])",
                "!physl::value",
            ),
        ],
        iterative_solver_conjugate_gradient,
    ),
    prim(
        "iterative_solver_cg_jacobi",
        "iterative_solver_cg_jacobi(a, b, ignored=nil)",
        solver_help!(
            "Conjugate gradients with the Jacobi (diagonal) preconditioner, for symmetric \
             positive definite a.",
            "A zero diagonal entry is a breakdown error."
        ),
        &[(
            "iterative_solver_cg_jacobi([[4.0, 0.0], [0.0, 2.0]], [8.0, 2.0])",
            "[2, 1]",
        )],
        iterative_solver_cg_jacobi,
    ),
    prim(
        "iterative_solver_cg_ssor",
        "iterative_solver_cg_ssor(a, b, ignored=nil)",
        solver_help!(
            "Conjugate gradients with the SSOR preconditioner (ω = 1), for symmetric positive \
             definite a.",
            "M = (D + L)·D⁻¹·(D + Lᵀ) with D the diagonal and L the strict lower triangle; with \
             ω = 1 this equals the symmetric Gauss–Seidel preconditioner (as in BlazeIterative). \
             A zero diagonal entry is a breakdown error."
        ),
        &[(
            "iterative_solver_cg_ssor([[4.0, 0.0], [0.0, 2.0]], [8.0, 2.0])",
            "[2, 1]",
        )],
        iterative_solver_cg_ssor,
    ),
    prim(
        "iterative_solver_cg_incompleteCholesky",
        "iterative_solver_cg_incompleteCholesky(a, b, ignored=nil)",
        solver_help!(
            "Conjugate gradients with the incomplete Cholesky IC(0) preconditioner, for \
             symmetric positive definite a.",
            "IC(0): the Cholesky factor computed only on the nonzero pattern of a's lower \
             triangle (BlazeIterative instead masks the full factor). A pivot ≤ 0 is a \
             breakdown error."
        ),
        &[(
            "iterative_solver_cg_incompleteCholesky([[4.0, 0.0], [0.0, 2.0]], [8.0, 2.0])",
            "[2, 1]",
        )],
        iterative_solver_cg_incompleteCholesky,
    ),
    prim(
        "iterative_solver_cg_symmetric_gauss_seidel",
        "iterative_solver_cg_symmetric_gauss_seidel(a, b, ignored=nil)",
        solver_help!(
            "Conjugate gradients with the symmetric Gauss–Seidel preconditioner, for symmetric \
             positive definite a.",
            "M = (D + L)·D⁻¹·(D + U) (D diagonal, L / U strict triangles). A zero diagonal \
             entry is a breakdown error."
        ),
        &[(
            "iterative_solver_cg_symmetric_gauss_seidel([[4.0, 0.0], [0.0, 2.0]], [8.0, 2.0])",
            "[2, 1]",
        )],
        iterative_solver_cg_symmetric_gauss_seidel,
    ),
    prim(
        "iterative_solver_bicgstab",
        "iterative_solver_bicgstab(a, b, ignored=nil)",
        solver_help!(
            "Solves a x = b for a general square a by BiCGSTAB.",
            "A breakdown (r̂ᵀr or r̂ᵀAp vanishing) restarts once from the true residual; a \
             second one in a row is an error."
        ),
        &[
            (
                "iterative_solver_bicgstab([[4.0, 0.0], [0.0, 2.0]], [8.0, 2.0])",
                "[2, 1]",
            ),
            (
                "iterative_solver_bicgstab([[1.0, 0.0], [0.0, 1.0]], [1.0, 2.0, 3.0])",
                "!physl::shape",
            ),
        ],
        iterative_solver_bicgstab,
    ),
    prim(
        "iterative_solver_bicgstab_lu",
        "iterative_solver_bicgstab_lu(a, b, ignored=nil)",
        solver_help!(
            "BiCGSTAB preconditioned (on the right) by the incomplete LU factorisation ILU(0).",
            "ILU(0): LU without pivoting computed only on a's nonzero pattern (for a dense a \
             this is the exact LU, and BiCGSTAB converges at once). BlazeIterative uses the \
             full pivoted LU. A zero pivot is a breakdown error."
        ),
        &[(
            "iterative_solver_bicgstab_lu([[4.0, 0.0], [0.0, 2.0]], [8.0, 2.0])",
            "[2, 1]",
        )],
        iterative_solver_bicgstab_lu,
    ),
    prim(
        "iterative_solver_bicgstab_rq",
        "iterative_solver_bicgstab_rq(a, b, ignored=nil)",
        solver_help!(
            "BiCGSTAB preconditioned (on the right) by a Householder RQ factorisation a = R·Q.",
            "There is no incomplete RQ on a's pattern (Q is dense), so the full factorisation \
             is used, as BlazeIterative: M = a up to rounding and BiCGSTAB converges in one or \
             two steps (an orthogonal solve plus refinement). A zero diagonal in R (a \
             singular) is an error."
        ),
        &[(
            "iterative_solver_bicgstab_rq([[4.0, 0.0], [0.0, 2.0]], [8.0, 2.0])",
            "[2, 1]",
        )],
        iterative_solver_bicgstab_rq,
    ),
    prim(
        "iterative_solver_bicgstab_qr",
        "iterative_solver_bicgstab_qr(a, b, ignored=nil)",
        solver_help!(
            "BiCGSTAB preconditioned (on the right) by a Householder QR factorisation a = Q·R.",
            "The full factorisation is used (no incomplete QR exists on a's pattern), as \
             BlazeIterative: M = a up to rounding, so BiCGSTAB converges in one or two steps. \
             A zero diagonal in R (a singular) is an error."
        ),
        &[(
            "iterative_solver_bicgstab_qr([[4.0, 0.0], [0.0, 2.0]], [8.0, 2.0])",
            "[2, 1]",
        )],
        iterative_solver_bicgstab_qr,
    ),
    prim(
        "iterative_solver_bicgstab_cholesky",
        "iterative_solver_bicgstab_cholesky(a, b, ignored=nil)",
        solver_help!(
            "BiCGSTAB preconditioned (on the right) by the incomplete Cholesky factorisation \
             IC(0) of a's lower triangle.",
            "a need not be symmetric, but the preconditioner reads its lower triangle and needs \
             positive pivots: a pivot ≤ 0 is a breakdown error (try iterative_solver_bicgstab_lu)."
        ),
        &[(
            "iterative_solver_bicgstab_cholesky([[4.0, 0.0], [0.0, 2.0]], [8.0, 2.0])",
            "[2, 1]",
        )],
        iterative_solver_bicgstab_cholesky,
    ),
    prim(
        "iterative_solver_gmres",
        "iterative_solver_gmres(a, b, ignored=nil)",
        solver_help!(
            "Solves a x = b for a general square a by restarted GMRES(30), unpreconditioned.",
            "Modified Gram–Schmidt Arnoldi with Givens rotations; the iteration count is the \
             number of Arnoldi steps over all restarts. A singular projected system is a \
             breakdown error."
        ),
        &[
            (
                "iterative_solver_gmres([[4.0, 0.0], [0.0, 2.0]], [8.0, 2.0])",
                "[2, 1]",
            ),
            (
                "iterative_solver_gmres([[4.0, 0.0], [0.0, 2.0]], [[8.0, 2.0]])",
                "!physl::type",
            ),
        ],
        iterative_solver_gmres,
    ),
    prim(
        "iterative_solver_lanczos",
        "iterative_solver_lanczos(a, b, n)",
        "Approximates n eigenvalues of a symmetric matrix a by n Lanczos steps from the start \
         vector b; returns the n Ritz values as a float64 vector, ascending.\n\
         Full reorthogonalisation; with n equal to a's size the values are a's eigenvalues. \
         If the Krylov space becomes invariant early, the process continues from a unit \
         vector orthogonal to it (deterministic), so n values are always returned. Errors: \
         a not symmetric (to 1e-10 relative), n outside 1..size, or b zero (physl::value); \
         shapes as the solvers.",
        &[
            (
                "iterative_solver_lanczos([[3.0, 0.0], [0.0, 1.0]], [1.0, 1.0], 2)",
                "[1, 3]",
            ),
            (
                "iterative_solver_lanczos([[3.0, 0.0], [0.0, 1.0]], [1.0, 1.0], 3)",
                "!physl::value",
            ),
        ],
        iterative_solver_lanczos,
    ),
    prim(
        "iterative_solver_arnoldi",
        "iterative_solver_arnoldi(a, b, n)",
        "Approximates n eigenvalues of a square matrix a by n Arnoldi steps from the start \
         vector b; returns the n Ritz values (eigenvalues of the n×n Hessenberg projection) \
         as a float64 vector, ascending.\n\
         Works for nonsymmetric a, but a complex Ritz value (imaginary part above 1e-6 of the \
         largest |value|; smaller ones are rounding and dropped) is a physl::value error \
         (physl has no complex dtype; BlazeIterative silently returns the real parts). An invariant \
         subspace found early continues from an orthogonal unit vector. Errors: n outside \
         1..size or b zero (physl::value); shapes as the solvers.",
        &[
            (
                "iterative_solver_arnoldi([[3.0, 0.0], [0.0, 1.0]], [1.0, 1.0], 2)",
                "[1, 3]",
            ),
            (
                "iterative_solver_arnoldi([[0.0, -1.0], [1.0, 0.0]], [1.0, 0.0], 2)",
                "!physl::value",
            ),
        ],
        iterative_solver_arnoldi,
    ),
];

#[cfg(test)]
#[allow(clippy::needless_range_loop)]
mod tests {
    use crate::testing::{eval, plain};
    use crate::value::Value;

    const CG: [&str; 5] = [
        "iterative_solver_conjugate_gradient",
        "iterative_solver_cg_jacobi",
        "iterative_solver_cg_ssor",
        "iterative_solver_cg_incompleteCholesky",
        "iterative_solver_cg_symmetric_gauss_seidel",
    ];
    const GENERAL: [&str; 6] = [
        "iterative_solver_bicgstab",
        "iterative_solver_bicgstab_lu",
        "iterative_solver_bicgstab_rq",
        "iterative_solver_bicgstab_qr",
        "iterative_solver_bicgstab_cholesky",
        "iterative_solver_gmres",
    ];

    fn floats(src: &str) -> Vec<f64> {
        match eval(src).unwrap_or_else(|e| panic!("{}: {e}", &src[..src.len().min(80)])) {
            Value::Array(a) => a.as_float().iter().copied().collect(),
            v => panic!("{v}"),
        }
    }

    fn literal(m: &[Vec<f64>]) -> String {
        let rows: Vec<String> = m
            .iter()
            .map(|r| {
                let v: Vec<String> = r.iter().map(|x| format!("{x:?}")).collect();
                format!("[{}]", v.join(", "))
            })
            .collect();
        format!("[{}]", rows.join(", "))
    }

    /// Deterministic test matrix with some zeros: symmetric positive definite (strictly
    /// diagonally dominant, positive diagonal) or nonsymmetric with a diagonal dominating
    /// its row and column sums.
    fn matrix(n: usize, symmetric: bool) -> Vec<Vec<f64>> {
        let mut m = vec![vec![0.0; n]; n];
        for i in 0..n {
            for j in 0..n {
                if i == j {
                    continue;
                }
                m[i][j] = if symmetric {
                    let (s, d) = (i + j, i.abs_diff(j));
                    if s % 3 == 0 {
                        0.0
                    } else {
                        ((s * 7 + d * 3) % 11) as f64 / 5.0 - 1.0
                    }
                } else if (i * j) % 4 == 1 {
                    0.0
                } else {
                    ((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0
                };
            }
        }
        for i in 0..n {
            let row: f64 = m[i].iter().map(|v| v.abs()).sum();
            let col: f64 = (0..n).map(|k| m[k][i].abs()).sum();
            m[i][i] = 1.0 + if symmetric { row } else { row + col } + (i % 5) as f64;
        }
        m
    }

    fn rhs(n: usize) -> String {
        let v: Vec<String> = (0..n)
            .map(|i| format!("{:?}", ((i * 5) % 7) as f64 - 3.0 + 0.25))
            .collect();
        format!("[{}]", v.join(", "))
    }

    fn close(got: &[f64], want: &[f64], tol: f64, what: &str) {
        assert_eq!(got.len(), want.len(), "{what}");
        let scale = want.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() <= tol * scale, "{what}: {g} vs {w}");
        }
    }

    /// Every solver of `names` agrees with linear_solver_lu to 1e-8.
    fn check_solvers(names: &[&str], a: &str, b: &str, what: &str) {
        let want = floats(&format!("linear_solver_lu({a}, {b})"));
        for p in names {
            let got = floats(&format!("{p}({a}, {b})"));
            close(&got, &want, 1e-8, &format!("{p} on {what}"));
        }
    }

    #[test]
    fn cg_family_solves_spd_systems() {
        for n in [3, 10, 57, 200] {
            let a = literal(&matrix(n, true));
            check_solvers(&CG, &a, &rhs(n), &format!("spd n={n}"));
        }
        // the 1-D Laplacian (condition number ~ 1e3): CG needs ~n steps
        let n: usize = 60;
        let lap: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| match i.abs_diff(j) {
                        0 => 2.0,
                        1 => -1.0,
                        _ => 0.0,
                    })
                    .collect()
            })
            .collect();
        check_solvers(&CG, &literal(&lap), &rhs(n), "laplacian");
        // numpy.linalg.solve([[4, 1, .5], [1, 3, .2], [.5, .2, 5]], [1, 2, 3])
        let want = [0.023208694050469714, 0.6207404678578007, 0.5728495118806409];
        for p in CG.iter().chain(&GENERAL) {
            let got = floats(&format!(
                "{p}([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 5.0]], [1.0, 2.0, 3.0])"
            ));
            close(&got, &want, 1e-8, p);
        }
    }

    #[test]
    fn general_solvers_solve_nonsymmetric_systems() {
        for n in [3, 10, 57, 200] {
            let a = literal(&matrix(n, false));
            check_solvers(&GENERAL, &a, &rhs(n), &format!("nonsymmetric n={n}"));
        }
        // they also solve the SPD systems
        let a = literal(&matrix(40, true));
        check_solvers(&GENERAL, &a, &rhs(40), "spd n=40");
        // numpy.linalg.solve([[3, 1, 0], [-1, 4, 2], [0.5, -2, 5]], [1, 0, -1])
        let want = [
            0.28205128205128205,
            0.15384615384615385,
            -0.16666666666666666,
        ];
        for p in GENERAL {
            let got = floats(&format!(
                "{p}([[3.0, 1.0, 0.0], [-1.0, 4.0, 2.0], [0.5, -2.0, 5.0]], [1, 0, -1])"
            ));
            close(&got, &want, 1e-8, p);
        }
        // int and bool inputs convert; the third argument is ignored
        for p in CG.iter().chain(&GENERAL) {
            assert_eq!(
                plain(&format!("{p}([[2, 0], [0, 1]], [4, 3], 42)")),
                "[2, 3]"
            );
            assert_eq!(
                plain(&format!("{p}([[true, false], [false, true]], [1, 0])")),
                "[1, 0]"
            );
            // b = 0 and the empty system
            assert_eq!(
                plain(&format!("{p}([[2.0, 1.0], [1.0, 2.0]], [0, 0])")),
                "[0, 0]"
            );
        }
    }

    #[test]
    fn results_do_not_depend_on_threads() {
        let a = literal(&matrix(80, false));
        let src = format!("iterative_solver_gmres({a}, {})", rhs(80));
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| floats(&src))
        };
        let one = run(1);
        assert_eq!(one, run(4));
    }

    fn err(src: &str) -> crate::diagnostics::Error {
        eval(src).expect_err(src)
    }

    #[test]
    fn shape_and_type_errors() {
        for p in CG.iter().chain(&GENERAL) {
            let e = err(&format!("{p}([[1.0, 2.0, 3.0]], [1.0])"));
            assert_eq!(e.code(), "physl::shape");
            assert!(e.message().starts_with(p) && e.message().contains("[1, 3]"));
            let e = err(&format!("{p}([[1.0, 0.0], [0.0, 1.0]], [1.0, 2.0, 3.0])"));
            assert_eq!(e.code(), "physl::shape", "{}", e.message());
            assert!(e.message().contains("[2, 2]") && e.message().contains("[3]"));
            for b in ["[[1.0], [1.0]]", "1.0", "\"b\""] {
                assert_eq!(
                    plain(&format!("{p}([[1.0, 0.0], [0.0, 1.0]], {b})")),
                    "physl::type",
                    "{p} {b}"
                );
            }
            assert_eq!(plain(&format!("{p}(\"a\", [1.0])")), "physl::type");
            assert_eq!(
                plain(&format!("{p}([1.0, 2.0], [1.0, 2.0])")),
                "physl::shape"
            );
        }
    }

    #[test]
    fn breakdowns_are_value_errors() {
        let cases = [
            // not symmetric
            (
                "iterative_solver_conjugate_gradient([[2.0, 1.0], [0.0, 2.0]], [1, 1])",
                "not symmetric",
            ),
            // indefinite: pᵀAp ≤ 0
            (
                "iterative_solver_conjugate_gradient([[1.0, 2.0], [2.0, 1.0]], [1, -1])",
                "not positive definite",
            ),
            (
                "iterative_solver_cg_jacobi([[0.0, 1.0], [1.0, 0.0]], [1, 1])",
                "zero pivot",
            ),
            (
                "iterative_solver_cg_ssor([[0.0, 1.0], [1.0, 0.0]], [1, 1])",
                "zero pivot",
            ),
            (
                "iterative_solver_cg_symmetric_gauss_seidel([[1.0, 0.0], [0.0, -1.0]], [1, 1])",
                "not positive definite",
            ),
            (
                "iterative_solver_cg_incompleteCholesky([[1.0, 2.0], [2.0, 1.0]], [1, 1])",
                "not positive definite",
            ),
            (
                "iterative_solver_bicgstab_cholesky([[1.0, 2.0], [2.0, 1.0]], [1, 1])",
                "not positive definite",
            ),
            (
                "iterative_solver_bicgstab_lu([[0.0, 1.0], [1.0, 0.0]], [1, 2])",
                "zero pivot",
            ),
            (
                "iterative_solver_bicgstab_qr([[1.0, 2.0], [2.0, 4.0]], [1, 2])",
                "zero pivot",
            ),
            (
                "iterative_solver_bicgstab_rq([[1.0, 2.0], [2.0, 4.0]], [1, 2])",
                "zero pivot",
            ),
            // skew-symmetric: r̂ᵀAp = 0 at once
            (
                "iterative_solver_bicgstab([[0.0, 1.0], [-1.0, 0.0]], [1, 0])",
                "breakdown",
            ),
            // singular, inconsistent
            (
                "iterative_solver_gmres([[1.0, 1.0], [1.0, 1.0]], [1, 0])",
                "breakdown",
            ),
        ];
        for (src, text) in cases {
            let e = err(src);
            assert_eq!(e.code(), "physl::value", "{src}: {}", e.message());
            let name = src.split('(').next().unwrap();
            assert!(e.message().starts_with(name), "{}", e.message());
            assert!(e.message().contains(text), "{src}: {}", e.message());
            assert!(e.help().is_some(), "{src}");
        }
        // no convergence: the 14×14 Hilbert matrix (condition ~ 1e19)
        let n = 14;
        let h: Vec<Vec<f64>> = (0..n)
            .map(|i| (0..n).map(|j| 1.0 / (i + j + 1) as f64).collect())
            .collect();
        for p in [
            "iterative_solver_conjugate_gradient",
            "iterative_solver_gmres",
        ] {
            let e = err(&format!("{p}({}, {})", literal(&h), rhs(n)));
            assert_eq!(e.code(), "physl::value", "{}", e.message());
            assert!(e.message().contains("iterations"), "{}", e.message());
            assert!(e.message().contains("relative residual"), "{}", e.message());
        }
    }

    fn eig(p: &str, a: &str, b: &str, n: usize) -> Vec<f64> {
        floats(&format!("{p}({a}, {b}, {n})"))
    }

    #[test]
    fn ritz_values_match_known_spectra() {
        for p in ["iterative_solver_lanczos", "iterative_solver_arnoldi"] {
            // diagonal 1..n, start vector of ones: all eigenvalues with n steps
            for n in [3, 12, 40] {
                let d: Vec<Vec<f64>> = (0..n)
                    .map(|i| {
                        (0..n)
                            .map(|j| if i == j { (i + 1) as f64 } else { 0.0 })
                            .collect()
                    })
                    .collect();
                let ones = format!("[{}]", vec!["1.0"; n].join(", "));
                let got = eig(p, &literal(&d), &ones, n);
                let want: Vec<f64> = (1..=n).map(|k| k as f64).collect();
                close(&got, &want, 1e-6, p);
            }
            // tridiagonal Toeplitz (2, -1): λ_k = 2 − 2cos(kπ/(n+1))
            for n in [5usize, 30] {
                let t: Vec<Vec<f64>> = (0..n)
                    .map(|i| {
                        (0..n)
                            .map(|j| match i.abs_diff(j) {
                                0 => 2.0,
                                1 => -1.0,
                                _ => 0.0,
                            })
                            .collect()
                    })
                    .collect();
                let want: Vec<f64> = (1..=n)
                    .map(|k| 2.0 - 2.0 * (k as f64 * std::f64::consts::PI / (n + 1) as f64).cos())
                    .collect();
                let got = eig(p, &literal(&t), &rhs(n), n);
                close(&got, &want, 1e-6, p);
                // fewer steps: the extreme Ritz values lie inside the spectrum
                let few = eig(p, &literal(&t), &rhs(n), 3);
                assert_eq!(few.len(), 3);
                assert!(few[0] >= want[0] - 1e-9 && few[2] <= want[n - 1] + 1e-9);
                assert!(few.windows(2).all(|w| w[0] <= w[1]));
            }
            // a start vector inside an invariant subspace still gives every eigenvalue
            let got = eig(
                p,
                "[[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 3.0]]",
                "[1.0, 0.0, 0.0]",
                3,
            );
            close(&got, &[1.0, 2.0, 3.0], 1e-12, p);
        }
        // repeated eigenvalues (b spans a 3-D invariant subspace), and identity(120) where
        // every step breaks down
        for p in ["iterative_solver_lanczos", "iterative_solver_arnoldi"] {
            let d = "[[1.0, 0, 0, 0, 0], [0, 1.0, 0, 0, 0], [0, 0, 2.0, 0, 0], [0, 0, 0, 2.0, 0], \
                     [0, 0, 0, 0, 3.0]]";
            close(
                &eig(p, d, "[1.0, 1, 1, 1, 1]", 5),
                &[1.0, 1.0, 2.0, 2.0, 3.0],
                1e-12,
                p,
            );
            let got = eig(p, "identity(120)", "linspace(1.0, 2.0, 120)", 120);
            close(&got, &[1.0; 120], 1e-12, p);
        }
        // on a symmetric matrix, k Lanczos and k Arnoldi steps give the same Ritz values
        let s = literal(&matrix(30, true));
        for k in [1, 4, 10] {
            let l = eig("iterative_solver_lanczos", &s, &rhs(30), k);
            let a = eig("iterative_solver_arnoldi", &s, &rhs(30), k);
            close(&l, &a, 1e-8, "lanczos vs arnoldi");
        }
        // Arnoldi on a nonsymmetric matrix with real eigenvalues 1..4
        let got = eig(
            "iterative_solver_arnoldi",
            "[[1.0, 2.0, 0.5, 1.0], [0.0, 2.0, 3.0, -1.0], [0.0, 0.0, 3.0, 2.0], [0.0, 0.0, 0.0, 4.0]]",
            "[1.0, 1.0, 1.0, 1.0]",
            4,
        );
        close(&got, &[1.0, 2.0, 3.0, 4.0], 1e-8, "arnoldi triangular");
    }

    #[test]
    fn ritz_errors() {
        for p in ["iterative_solver_lanczos", "iterative_solver_arnoldi"] {
            let a = "[[2.0, 1.0], [1.0, 2.0]]";
            for (src, code) in [
                (format!("{p}({a}, [1.0, 1.0], 0)"), "physl::value"),
                (format!("{p}({a}, [1.0, 1.0], 3)"), "physl::value"),
                (format!("{p}({a}, [1.0, 1.0], -1)"), "physl::value"),
                (format!("{p}({a}, [1.0, 1.0], 1.5)"), "physl::type"),
                (format!("{p}({a}, [0.0, 0.0], 2)"), "physl::value"),
                (format!("{p}({a}, [1.0], 2)"), "physl::shape"),
                (format!("{p}({a}, [[1.0, 1.0]], 2)"), "physl::type"),
                (format!("{p}([[1.0, 2.0]], [1.0], 1)"), "physl::shape"),
            ] {
                assert_eq!(plain(&src), code, "{src}");
            }
        }
        let e = err("iterative_solver_lanczos([[2.0, 1.0], [0.0, 2.0]], [1.0, 1.0], 2)");
        assert!(e.message().contains("not symmetric"), "{}", e.message());
        let e = err("iterative_solver_arnoldi([[0.0, -1.0], [1.0, 0.0]], [1.0, 0.0], 2)");
        assert!(e.message().contains("complex"), "{}", e.message());
    }
}
