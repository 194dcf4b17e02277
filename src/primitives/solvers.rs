//! solvers (spec 4.10): the direct linear solvers and `lu`, on faer (kernels in
//! `kernels/decomp.rs`). The iterative solvers of Phylanx's BlazeIterative build are in
//! `iterative.rs` (kernels in `kernels/krylov.rs`).

use super::statistics::array_arg;
use super::{bad_arg, Args, Context, Effects, Eval, Family, Primitive, Tier};
use crate::diagnostics::{Error, Result};
use crate::kernels::decomp;
use crate::value::{Array, Value};
use ndarray::{Array1, ArrayView1, ArrayView2, Ix1, Ix2};

fn shape_text(a: &Array) -> String {
    format!("shape {:?}", a.shape())
}

/// The matrix argument as float64 (any dtype converts, as NumPy).
fn matrix(prim: &str, args: &Args) -> Result<Array> {
    let a = array_arg(prim, args, 0)?;
    if a.ndim() != 2 || a.shape()[0] != a.shape()[1] {
        return Err(Error::shape(format!(
            "{prim}: expected a square matrix, got an array of shape {:?}",
            a.shape()
        ))
        .at_arg(0, shape_text(&a)));
    }
    Ok(Array::from_float((*a.as_float()).clone()))
}

fn uplo(prim: &str, v: &Value, arg: usize) -> Result<bool> {
    match v.as_str() {
        Some("L") | Some("l") => Ok(true),
        Some("U") | Some("u") => Ok(false),
        Some(other) => Err(Error::value(format!(
            "{prim}: uplo must be \"L\" or \"U\", not \"{other}\""
        ))
        .at_arg(arg, "not \"L\" or \"U\"")),
        None => Err(bad_arg(prim, arg, "the string \"L\" or \"U\"", v)),
    }
}

type SolveFn = dyn Fn(ArrayView2<'_, f64>, ArrayView1<'_, f64>) -> Result<Array1<f64>>;

fn solve(prim: &str, args: &Args, kernel: &SolveFn) -> Result<Value> {
    let a = matrix(prim, args)?;
    let b = array_arg(prim, args, 1)?;
    if b.ndim() != 1 || b.len() != a.shape()[0] {
        return Err(Error::shape(format!(
            "{prim}: the right-hand side must be a vector of {} elements, got shape {:?}",
            a.shape()[0],
            b.shape()
        ))
        .at_arg(1, shape_text(&b))
        .with_help("solvers take one right-hand-side vector"));
    }
    let (af, bf) = (a.as_float(), b.as_float());
    let internal = |e: ndarray::ShapeError| Error::internal(format!("{prim}: {e}"));
    let av = af.view().into_dimensionality::<Ix2>().map_err(internal)?;
    let bv = bf.view().into_dimensionality::<Ix1>().map_err(internal)?;
    let x = kernel(av, bv).map_err(|e| e.context(prim).at_arg(0, "this matrix"))?;
    Ok(Value::from(x.into_dyn()))
}

fn linear_solver_lu(_cx: &dyn Context, args: Args) -> Result<Value> {
    solve("linear_solver_lu", &args, &decomp::solve_lu)
}

fn linear_solver_ldlt(_cx: &dyn Context, args: Args) -> Result<Value> {
    let lower = uplo("linear_solver_ldlt", &args[2], 2)?;
    solve("linear_solver_ldlt", &args, &move |a, b| {
        decomp::solve_ldlt(a, b, lower)
    })
}

fn linear_solver_cholesky(_cx: &dyn Context, args: Args) -> Result<Value> {
    let lower = uplo("linear_solver_cholesky", &args[2], 2)?;
    solve("linear_solver_cholesky", &args, &move |a, b| {
        decomp::solve_cholesky(a, b, lower)
    })
}

fn lu(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("lu", &args, 0)?;
    if a.ndim() != 2 {
        return Err(Error::shape(format!(
            "lu: expected a matrix, got an array of shape {:?}",
            a.shape()
        ))
        .at_arg(0, shape_text(&a)));
    }
    let af = a.as_float();
    let av = af
        .view()
        .into_dimensionality::<Ix2>()
        .map_err(|e| Error::internal(format!("lu: {e}")))?;
    let (l, u, p) = decomp::lu_blaze(av);
    Ok(Value::list(vec![
        Value::Array(Array::from_float(l.into_dyn())),
        Value::Array(Array::from_float(u.into_dyn())),
        Value::Array(Array::from_float(p.into_dyn())),
    ]))
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

pub(crate) static PRIMITIVES: &[Primitive] = &[
    prim(
        "linear_solver_lu",
        "linear_solver_lu(a, b)",
        "Solves a x = b for a square matrix a and a right-hand-side vector b via LU with partial \
         pivoting (as NumPy's linalg.solve); float64.\n\
         Integer and bool inputs are converted. Error: not square, b not a vector of matching \
         length (physl::shape), singular — an exactly zero pivot (physl::value).",
        &[
            (
                "linear_solver_lu([[3.0, 1.0], [1.0, 2.0]], [9.0, 8.0])",
                "[2, 3]",
            ),
            (
                "linear_solver_lu([[1.0, 2.0], [2.0, 4.0]], [1.0, 1.0])",
                "!physl::value",
            ),
            (
                "linear_solver_lu([[3.0, 1.0], [1.0, 2.0]], [[9.0], [8.0]])",
                "!physl::shape",
            ),
        ],
        linear_solver_lu,
    ),
    prim(
        "linear_solver_ldlt",
        "linear_solver_ldlt(a, b, uplo=\"L\")",
        "Solves a symmetric system a x = b via LDLᵀ with Bunch-Kaufman pivoting (LAPACK's sytrf, \
         as Blaze), reading only the triangle named by uplo (\"L\" lower, \"U\" upper).\n\
         Works for indefinite matrices. Error: singular (physl::value), shapes as for \
         linear_solver_lu.",
        &[
            (
                "linear_solver_ldlt([[2.0, 1.0], [1.0, 3.0]], [3.0, 5.0])",
                "[0.8, 1.4]",
            ),
            (
                "linear_solver_ldlt([[0.0, 1.0], [1.0, 0.0]], [2.0, 3.0], \"U\")",
                "[3, 2]",
            ),
        ],
        linear_solver_ldlt,
    ),
    prim(
        "linear_solver_cholesky",
        "linear_solver_cholesky(a, b, uplo=\"L\")",
        "Solves a symmetric positive definite system a x = b via Cholesky (LLᵀ), reading only \
         the triangle named by uplo (\"L\" or \"U\").\n\
         Error: not positive definite (physl::value), shapes as for linear_solver_lu.",
        &[
            (
                "linear_solver_cholesky([[4.0, 2.0], [2.0, 3.0]], [2.0, 1.0])",
                "[0.5, 0]",
            ),
            (
                "linear_solver_cholesky([[1.0, 2.0], [2.0, 1.0]], [1.0, 1.0])",
                "!physl::value",
            ),
        ],
        linear_solver_cholesky,
    ),
    prim(
        "lu",
        "lu(m)",
        "LU decomposition with pivoting in Blaze's row-major convention: list(L, U, P) with \
         m = dot(dot(L, U), P).\n\
         L is lower triangular and carries the pivots on its diagonal, U is unit upper \
         triangular, P a permutation matrix applied on the right (column pivoting; SciPy's \
         lu instead returns m = P·L·U with a unit-diagonal L). Any m × n matrix; float64.",
        &[
            (
                "lu([[1.0, 2.0], [3.0, 4.0]])",
                "list([[2, 0], [4, 1]], [[1, 0.5], [0, 1]], [[0, 1], [1, 0]])",
            ),
            ("lu([1, 2])", "!physl::shape"),
        ],
        lu,
    ),
];

#[cfg(test)]
mod tests {
    use crate::testing::{eval, plain};
    use crate::value::Value;

    fn floats(src: &str) -> Vec<f64> {
        match eval(src).unwrap_or_else(|e| panic!("{src}: {e}")) {
            Value::Array(a) => a.as_float().iter().copied().collect(),
            v => panic!("{src}: {v}"),
        }
    }

    #[test]
    fn solvers_match_numpy() {
        let a = "[[4.0, 2.0, 0.6], [2.0, 5.0, 1.0], [0.6, 1.0, 3.0]]";
        // numpy.linalg.solve(a, [1, 2, 3])
        let want = [
            0.004484304932735425,
            0.21255605381165918,
            0.9282511210762333,
        ];
        for call in [
            format!("linear_solver_lu({a}, [1.0, 2.0, 3.0])"),
            format!("linear_solver_ldlt({a}, [1.0, 2.0, 3.0])"),
            format!("linear_solver_ldlt({a}, [1.0, 2.0, 3.0], \"U\")"),
            format!("linear_solver_cholesky({a}, [1.0, 2.0, 3.0])"),
            format!("linear_solver_cholesky({a}, [1, 2, 3], \"U\")"),
        ] {
            let got = floats(&call);
            for (g, w) in got.iter().zip(want) {
                assert!((g - w).abs() < 1e-12, "{call}: {got:?}");
            }
        }
        // only the named triangle is read
        assert_eq!(
            plain("linear_solver_cholesky([[4.0, 99.0], [2.0, 3.0]], [2.0, 1.0])"),
            "[0.5, 0]"
        );
        assert_eq!(
            plain("linear_solver_cholesky([[4.0, 2.0], [99.0, 3.0]], [2.0, 1.0], \"U\")"),
            "[0.5, 0]"
        );
    }

    #[test]
    fn solver_errors() {
        for p in [
            "linear_solver_lu",
            "linear_solver_ldlt",
            "linear_solver_cholesky",
        ] {
            assert_eq!(
                plain(&format!("{p}([[1.0, 2.0], [2.0, 4.0]], [1.0, 1.0])")),
                "physl::value"
            );
            assert_eq!(
                plain(&format!("{p}([[1.0, 2.0, 3.0]], [1.0])")),
                "physl::shape"
            );
            assert_eq!(
                plain(&format!("{p}([[1.0, 0.0], [0.0, 1.0]], [1.0])")),
                "physl::shape"
            );
            assert_eq!(
                plain(&format!("{p}([[1.0, 0.0], [0.0, 1.0]], 1.0)")),
                "physl::shape"
            );
            assert_eq!(
                plain(&format!("{p}([[1.0, 0.0], [0.0, 1.0]], [[1.0], [1.0]])")),
                "physl::shape"
            );
            assert_eq!(plain(&format!("{p}(\"a\", [1.0])")), "physl::type");
        }
        assert_eq!(
            plain("linear_solver_cholesky([[1.0, 2.0], [2.0, 1.0]], [1.0, 1.0])"),
            "physl::value"
        );
        assert_eq!(
            plain("linear_solver_ldlt([[1.0, 2.0], [2.0, 1.0]], [1.0, 1.0], \"X\")"),
            "physl::value"
        );
        assert_eq!(
            plain("linear_solver_ldlt([[1.0, 2.0], [2.0, 1.0]], [1.0, 1.0], 1)"),
            "physl::type"
        );
        let e = eval("linear_solver_cholesky([[1.0, 2.0], [2.0, 1.0]], [1.0, 1.0])").unwrap_err();
        assert!(
            e.message().contains("not positive definite"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn lu_reconstructs() {
        for m in [
            "[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]]",
            "[[0.0, 2.0], [3.0, 1.0]]",
            "[[1, 2, 3], [4, 5, 6]]",
            "[[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]]",
            "[[1.0, 2.0], [2.0, 4.0]]",
        ] {
            let src = format!(
                "block(define(f, lu({m})), dot(dot(slice(f, 0), slice(f, 1)), slice(f, 2)) - {m})"
            );
            assert!(floats(&src).iter().all(|d| d.abs() < 1e-12), "{src}");
        }
        assert_eq!(
            plain("lu([[1.0, 2.0], [3.0, 4.0]])"),
            "list([[2, 0], [4, 1]], [[1, 0.5], [0, 1]], [[0, 1], [1, 0]])"
        );
        assert_eq!(plain("lu(3)"), "physl::shape");
    }
}
