//! Linear algebra of matrixops (spec 4.8, tier T3): cross, determinant, inverse, invGJE,
//! norm, tensordot, gradient, hsplit, vsplit; and arithmetics' `normalize` (spec 4.4).
//! Factorisations are in `kernels/decomp.rs` (faer); numerics follow NumPy.

use super::statistics::{array_arg, dtype_arg};
use super::{bad_arg, Args, Context, Effects, Eval, Family, Primitive, Tier};
use crate::diagnostics::{Error, Result};
use crate::kernels::decomp::{self, NormOrd};
use crate::kernels::shape::{self, map_same};
use crate::value::broadcast::{broadcast_pair, shape_mismatch};
use crate::value::{check_shape, Array, DType, Value};
use ndarray::{ArrayD, Axis, Ix2, IxDyn, Slice};

fn shape_text(a: &Array) -> String {
    format!("shape {:?}", a.shape())
}

/// The float64 data of a 2-D argument, or a shape error naming its shape.
fn square_input<R>(
    prim: &str,
    a: &Array,
    f: impl FnOnce(ndarray::ArrayView2<'_, f64>) -> Result<R>,
) -> Result<R> {
    let data = a.as_float();
    let view = data.view().into_dimensionality::<Ix2>().map_err(|_| {
        Error::shape(format!(
            "{prim}: expected a square matrix, got an array of shape {:?}",
            a.shape()
        ))
        .at_arg(0, shape_text(a))
    })?;
    f(view).map_err(|e| {
        let label = if e.code() == "physl::shape" {
            shape_text(a)
        } else {
            "this matrix".to_string()
        };
        e.context(prim).at_arg(0, label)
    })
}

// ---------------------------------------------------------------------------------------------
// inverse, invGJE, determinant

fn inverse_with(prim: &str, args: &Args, gje: bool) -> Result<Value> {
    let a = array_arg(prim, args, 0)?;
    if a.ndim() == 0 {
        let x = a.get_flat(0).and_then(|v| v.as_f64()).unwrap_or(0.0);
        if x == 0.0 {
            return Err(Error::value(format!("{prim}: the matrix is singular"))
                .at_arg(0, "zero has no reciprocal"));
        }
        return Ok(Value::Float(1.0 / x));
    }
    let inv = square_input(prim, &a, |m| {
        if gje {
            decomp::inverse_gje(m)
        } else {
            decomp::inverse(m)
        }
    })?;
    Ok(Value::from(inv.into_dyn()))
}

fn inverse(_cx: &dyn Context, args: Args) -> Result<Value> {
    inverse_with("inverse", &args, false)
}

fn inv_gje(_cx: &dyn Context, args: Args) -> Result<Value> {
    inverse_with("invGJE", &args, true)
}

fn determinant(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("determinant", &args, 0)?;
    if a.ndim() == 0 {
        return Ok(Value::Float(
            a.get_flat(0).and_then(|v| v.as_f64()).unwrap_or(0.0),
        ));
    }
    Ok(Value::Float(square_input(
        "determinant",
        &a,
        decomp::determinant,
    )?))
}

// ---------------------------------------------------------------------------------------------
// cross

fn cross(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("cross", &args, 0)?;
    let b = array_arg("cross", &args, 1)?;
    for (i, x) in [&a, &b].into_iter().enumerate() {
        let k = x.shape().last().copied().unwrap_or(0);
        if x.ndim() == 0 || !(k == 2 || k == 3) {
            return Err(Error::value(
                "cross: incompatible dimensions for cross product (the last axis must have 2 or 3 elements)",
            )
            .at_arg(i, shape_text(x)));
        }
    }
    let (sa, sb) = (a.shape(), b.shape());
    let lead = broadcast_pair(&sa[..sa.len() - 1], &sb[..sb.len() - 1])
        .ok_or_else(|| shape_mismatch(sa, sb, 0, 1).context("cross"))?;
    let dt = a.dtype().max(b.dtype());
    let out = match dt {
        DType::Bool => {
            return Err(Error::type_error(
                "cross: boolean arrays are not supported (NumPy cannot subtract booleans)",
            )
            .at_arg(0, "bool"))
        }
        DType::Int => Array::from_int(decomp::cross_lanes(
            &a.as_int(),
            &b.as_int(),
            &lead,
            i64::wrapping_mul,
            i64::wrapping_sub,
        )?),
        DType::Float => Array::from_float(decomp::cross_lanes(
            &a.as_float(),
            &b.as_float(),
            &lead,
            |x, y| x * y,
            |x, y| x - y,
        )?),
    };
    Ok(Value::from_array(out))
}

// ---------------------------------------------------------------------------------------------
// norm, normalize

fn ord_arg(v: &Value) -> Result<NormOrd> {
    Ok(match v {
        Value::Nil => NormOrd::Default,
        Value::Str(s) => match &**s {
            "fro" | "f" => NormOrd::Fro,
            "nuc" => NormOrd::Nuc,
            "inf" => NormOrd::P(f64::INFINITY),
            "-inf" => NormOrd::P(f64::NEG_INFINITY),
            other => {
                return Err(
                    Error::value(format!("norm: invalid norm order \"{other}\""))
                        .at_arg(1, "unknown order")
                        .with_help("orders are nil, a number, inf, -inf, \"fro\" or \"nuc\""),
                )
            }
        },
        Value::Bool(_) | Value::Int(_) | Value::Float(_) => NormOrd::P(v.as_f64().unwrap_or(0.0)),
        other => return Err(bad_arg("norm", 1, "a number, a string or nil", other)),
    })
}

fn axes_arg(prim: &str, v: &Value, ndim: usize, arg: usize) -> Result<Option<Vec<usize>>> {
    let raw: Vec<Value> = match v {
        Value::Nil => return Ok(None),
        Value::Int(_) | Value::Bool(_) => vec![v.clone()],
        Value::Array(a) if a.ndim() == 1 && a.dtype() != DType::Float => {
            (0..a.len()).filter_map(|i| a.get_flat(i)).collect()
        }
        _ => match v.list_items() {
            Some(items) => items.into_vec(),
            None => {
                return Err(bad_arg(
                    prim,
                    arg,
                    "an integer, a list of integers or nil",
                    v,
                ))
            }
        },
    };
    let mut axes = Vec::with_capacity(raw.len());
    for item in &raw {
        let i = item
            .as_i64()
            .ok_or_else(|| bad_arg(prim, arg, "an integer, a list of integers or nil", item))?;
        let ax = shape::norm_axis(prim, i, ndim, arg)?;
        if axes.contains(&ax) {
            return Err(
                Error::value(format!("{prim}: duplicate axis {i}")).at_arg(arg, "repeated axis")
            );
        }
        axes.push(ax);
    }
    Ok(Some(axes))
}

fn norm(_cx: &dyn Context, args: Args) -> Result<Value> {
    let x = array_arg("norm", &args, 0)?;
    let ord = ord_arg(&args[1])?;
    let nd = x.ndim();
    let keepdims = args[3]
        .truthy()
        .map_err(|e| e.context("norm").at_arg(3, "keepdims"))?;
    let data = x.as_float();
    let axes = match axes_arg("norm", &args[2], nd, 2)? {
        Some(a) => a,
        None if ord == NormOrd::Default => {
            // 2-norm of the flattened array, any rank
            let flat: Vec<f64> = data.iter().map(|v| v * v).collect();
            let r = crate::kernels::reduce::pairwise_sum(&flat).sqrt();
            return Ok(if keepdims && nd > 0 {
                Value::from(ArrayD::from_elem(IxDyn(&vec![1; nd]), r))
            } else {
                Value::Float(r)
            });
        }
        None => match nd {
            1 => vec![0],
            2 => vec![0, 1],
            _ => {
                return Err(Error::value(format!(
                    "norm: an order needs a vector or a matrix (or axis), not a {nd}-D array"
                ))
                .at_arg(0, shape_text(&x)))
            }
        },
    };
    if axes.is_empty() || axes.len() > 2 {
        return Err(Error::value("norm: axis must name one or two axes").at_arg(2, "axes"));
    }
    let out = decomp::norm_axes(data.view(), ord, &axes, keepdims)
        .map_err(|e| e.context("norm").at_arg(1, "this order"))?;
    Ok(Value::from(out))
}

fn normalize(_cx: &dyn Context, args: Args) -> Result<Value> {
    let x = array_arg("normalize", &args, 0)?;
    let dtype = dtype_arg("normalize", &args[1], 1)?;
    if x.ndim() != 1 {
        return Err(Error::shape(format!(
            "normalize: expected a vector, got an array of shape {:?}",
            x.shape()
        ))
        .at_arg(0, shape_text(&x)));
    }
    let data = x.as_float();
    let sq: Vec<f64> = data.iter().map(|v| v * v).collect();
    let n = crate::kernels::reduce::pairwise_sum(&sq).sqrt();
    if n == 0.0 && !data.is_empty() {
        return Err(Error::value("normalize: the vector has zero length")
            .at_arg(0, "all elements are zero"));
    }
    let out = Array::from_float(data.mapv(|v| v / n));
    Ok(Value::from_array(out.cast(dtype.unwrap_or(DType::Float))))
}

// ---------------------------------------------------------------------------------------------
// tensordot

fn axis_list(v: &Value, ndim: usize, arg_name: &str) -> Result<Vec<usize>> {
    let items: Vec<Value> = match v {
        Value::Int(_) | Value::Bool(_) => vec![v.clone()],
        Value::Array(a) if a.ndim() == 1 && a.dtype() != DType::Float => {
            (0..a.len()).filter_map(|i| a.get_flat(i)).collect()
        }
        _ => v.list_items().map(|l| l.into_vec()).ok_or_else(|| {
            bad_arg(
                "tensordot",
                2,
                "an integer or list(list(...), list(...))",
                v,
            )
        })?,
    };
    let mut out = Vec::new();
    for it in items {
        let i = it
            .as_i64()
            .ok_or_else(|| bad_arg("tensordot", 2, "integer axes", &it))?;
        let ax = shape::norm_axis("tensordot", i, ndim, 2)
            .map_err(|e| e.with_help(format!("axis {i} of {arg_name}")))?;
        if out.contains(&ax) {
            return Err(
                Error::value(format!("tensordot: repeated axis {i} for {arg_name}"))
                    .at_arg(2, "axes"),
            );
        }
        out.push(ax);
    }
    Ok(out)
}

fn tensordot(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("tensordot", &args, 0)?;
    let b = array_arg("tensordot", &args, 1)?;
    let (na, nb) = (a.ndim(), b.ndim());
    let (ax_a, ax_b) = if let Some(n) = args[2].as_i64().filter(|_| args[2].is_scalar()) {
        if n < 0 || n as usize > na || n as usize > nb {
            return Err(Error::value(format!(
                "tensordot: cannot sum over {n} axes of arrays with {na} and {nb} dimensions"
            ))
            .at_arg(2, "axes"));
        }
        let n = n as usize;
        ((na - n..na).collect::<Vec<_>>(), (0..n).collect::<Vec<_>>())
    } else {
        let pair = args[2]
            .list_items()
            .filter(|l| l.len() == 2)
            .ok_or_else(|| {
                bad_arg(
                    "tensordot",
                    2,
                    "an integer or list(list(...), list(...))",
                    &args[2],
                )
            })?;
        let xa = axis_list(&pair[0], na, "the first array")?;
        let xb = axis_list(&pair[1], nb, "the second array")?;
        if xa.len() != xb.len() {
            return Err(Error::value(format!(
                "tensordot: {} axes given for the first array but {} for the second",
                xa.len(),
                xb.len()
            ))
            .at_arg(2, "axes"));
        }
        (xa, xb)
    };
    for (&i, &j) in ax_a.iter().zip(&ax_b) {
        if a.shape()[i] != b.shape()[j] {
            return Err(Error::shape(format!(
                "tensordot: shape mismatch: axis {i} of the first array has {} elements, axis {j} of the second has {}",
                a.shape()[i],
                b.shape()[j]
            ))
            .at_arg(0, shape_text(&a))
            .at_arg(1, shape_text(&b)));
        }
    }
    let free_a: Vec<usize> = (0..na).filter(|i| !ax_a.contains(i)).collect();
    let free_b: Vec<usize> = (0..nb).filter(|i| !ax_b.contains(i)).collect();
    let ext = |s: &[usize], ax: &[usize]| ax.iter().map(|&i| s[i]).collect::<Vec<_>>();
    let (fa, fb) = (ext(a.shape(), &free_a), ext(b.shape(), &free_b));
    let mut out_shape = fa.clone();
    out_shape.extend_from_slice(&fb);
    check_shape(&out_shape, a.dtype().max(b.dtype())).map_err(|e| e.context("tensordot"))?;
    let k: usize = ext(a.shape(), &ax_a).iter().product();
    let (m, n) = (fa.iter().product::<usize>(), fb.iter().product::<usize>());
    let perm_a: Vec<usize> = free_a.iter().chain(&ax_a).copied().collect();
    let perm_b: Vec<usize> = ax_b.iter().chain(&free_b).copied().collect();
    let a2 = shape::reshape("tensordot", shape::transpose(&a, &perm_a), &[m, k])?;
    let b2 = shape::reshape("tensordot", shape::transpose(&b, &perm_b), &[k, n])?;
    let prod = crate::kernels::linalg::dot(&Value::Array(a2), &Value::Array(b2))?;
    let prod = prod
        .to_array()
        .ok_or_else(|| Error::internal("tensordot: dot gave no array"))?;
    Ok(Value::from_array(shape::reshape(
        "tensordot",
        prod,
        &out_shape,
    )?))
}

// ---------------------------------------------------------------------------------------------
// gradient

fn gradient(_cx: &dyn Context, args: Args) -> Result<Value> {
    let m = array_arg("gradient", &args, 0)?;
    if m.ndim() == 0 {
        return Err(Error::shape(
            "gradient: expected an array with at least one axis, got a scalar",
        )
        .at_arg(0, "0-D"));
    }
    let single = args[1].is_scalar() || (args[1].is_nil() && m.ndim() == 1);
    let axes =
        axes_arg("gradient", &args[1], m.ndim(), 1)?.unwrap_or_else(|| (0..m.ndim()).collect());
    let f = m.as_float();
    let mut parts = Vec::with_capacity(axes.len());
    for &ax in &axes {
        if m.shape()[ax] < 2 {
            return Err(Error::value(format!(
                "gradient: axis {ax} has {} element(s); at least 2 are needed for a gradient",
                m.shape()[ax]
            ))
            .at_arg(0, shape_text(&m)));
        }
        parts.push(Value::from(decomp::gradient_axis(&f, ax)));
    }
    Ok(if single && parts.len() == 1 {
        parts.pop().unwrap_or_default()
    } else {
        Value::list(parts)
    })
}

// ---------------------------------------------------------------------------------------------
// hsplit, vsplit

fn split(prim: &str, args: &Args, axis: usize) -> Result<Value> {
    let a = array_arg(prim, args, 0)?;
    let len = a.shape()[axis];
    let bounds: Vec<(usize, usize)> =
        if let (true, Some(n)) = (args[1].is_scalar(), args[1].as_i64()) {
            if n <= 0 {
                return Err(Error::value(format!(
                    "{prim}: the number of parts must be positive, not {n}"
                ))
                .at_arg(1, "not positive"));
            }
            let n = n as usize;
            if len % n != 0 {
                return Err(Error::value(format!(
                "{prim}: array split does not result in an equal division: {len} {} into {n} parts",
                if axis == 0 { "rows" } else { "columns" }
            ))
                .at_arg(1, format!("{len} is not divisible by {n}")));
            }
            let w = len / n;
            (0..n).map(|i| (i * w, (i + 1) * w)).collect()
        } else {
            // NumPy: a list of split indices (clipped to the extent)
            let idx = axis_free_ints(prim, &args[1])?;
            let mut cuts = vec![0usize];
            for i in idx {
                let c = if i < 0 {
                    (len as i64 + i).max(0)
                } else {
                    i.min(len as i64)
                } as usize;
                cuts.push(c);
            }
            cuts.push(len);
            cuts.windows(2).map(|w| (w[0], w[1].max(w[0]))).collect()
        };
    let parts = bounds
        .into_iter()
        .map(|(s, e)| {
            Value::from_array(map_same!(&a, x => shape::owned_std(
                x.slice_axis(Axis(axis), Slice::from(s..e))
            )))
        })
        .collect();
    Ok(Value::list(parts))
}

fn axis_free_ints(prim: &str, v: &Value) -> Result<Vec<i64>> {
    let items: Vec<Value> = match v {
        Value::Array(a) if a.ndim() == 1 && a.dtype() != DType::Float => {
            (0..a.len()).filter_map(|i| a.get_flat(i)).collect()
        }
        _ => v
            .list_items()
            .map(|l| l.into_vec())
            .ok_or_else(|| bad_arg(prim, 1, "a number of parts or a list of split indices", v))?,
    };
    items
        .iter()
        .map(|it| {
            it.as_i64()
                .ok_or_else(|| bad_arg(prim, 1, "integer split indices", it))
        })
        .collect()
}

fn hsplit(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("hsplit", &args, 0)?;
    if a.ndim() == 0 {
        return Err(Error::shape("hsplit: cannot split a scalar").at_arg(0, "0-D"));
    }
    split("hsplit", &args, if a.ndim() == 1 { 0 } else { 1 })
}

fn vsplit(_cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("vsplit", &args, 0)?;
    if a.ndim() < 2 {
        return Err(Error::shape(format!(
            "vsplit: needs an array of 2 or more dimensions, got shape {:?}",
            a.shape()
        ))
        .at_arg(0, shape_text(&a)));
    }
    split("vsplit", &args, 0)
}

/// NumPy's `inner`: a 0-D operand scales; otherwise the sum over the last axes of both.
fn inner(cx: &dyn Context, args: Args) -> Result<Value> {
    let a = array_arg("inner", &args, 0)?;
    let b = array_arg("inner", &args, 1)?;
    if a.ndim() == 0 || b.ndim() == 0 {
        return crate::kernels::elementwise::binary(
            crate::kernels::elementwise::BinOp::Mul,
            args[0].clone(),
            args[1].clone(),
        )
        .map_err(|e| e.context("inner"));
    }
    let (la, lb) = (a.shape()[a.ndim() - 1], b.shape()[b.ndim() - 1]);
    if la != lb {
        return Err(Error::shape(format!(
            "inner: the last axes differ: shapes {:?} and {:?}",
            a.shape(),
            b.shape()
        ))
        .at_arg(0, format!("last axis {la}"))
        .at_arg(1, format!("last axis {lb}")));
    }
    let axes = |n: usize| Value::list(vec![Value::Int(n as i64 - 1)]);
    let mut targs = Args::new();
    targs.push(args[0].clone());
    targs.push(args[1].clone());
    targs.push(Value::list(vec![axes(a.ndim()), axes(b.ndim())]));
    tensordot(cx, targs).map_err(|e| e.context("inner"))
}

// ---------------------------------------------------------------------------------------------
// The table

const fn prim(
    name: &'static str,
    family: Family,
    signature: &'static str,
    help: &'static str,
    examples: &'static [(&'static str, &'static str)],
    f: super::PrimFn,
) -> Primitive {
    Primitive {
        name,
        family,
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
        "inner",
        Family::Matrixops,
        "inner(a, b)",
        "Inner product as NumPy's inner: the sum of products over the last axes of a and b (ours; \
         Phylanx has no inner).\n\
         A 0-D operand scales the other. Result dtype: the common dtype. Error: the last axes \
         differ (physl::shape).",
        &[
            ("inner([1, 2, 3], [4, 5, 6])", "32"),
            ("inner([[1, 2], [3, 4]], [1, 1])", "[3, 7]"),
            ("inner([1, 2], [1, 2, 3])", "!physl::shape"),
        ],
        inner,
    ),
    prim(
        "cross",
        Family::Matrixops,
        "cross(a, b)",
        "Cross product of 3-element vectors; row-wise (along the last axis) for matrices, with \
         the leading axes broadcast (NumPy).\n\
         2-element vectors give the scalar z component; a 2- and a 3-element vector are crossed \
         with the missing z taken as 0. Result: the common dtype. Error: a last axis that is not \
         2 or 3, or bool operands.",
        &[
            ("cross([1, 0, 0], [0, 1, 0])", "[0, 0, 1]"),
            ("cross([1.0, 2.0], [3.0, 4.0])", "-2"),
            ("cross([1, 2, 3, 4], [1, 2, 3, 4])", "!physl::value"),
        ],
        cross,
    ),
    prim(
        "determinant",
        Family::Matrixops,
        "determinant(m)",
        "Determinant of a square matrix via LU with partial pivoting (as NumPy), float64.\n\
         A 0-D argument is returned as float64. Error: not a square matrix.",
        &[
            ("determinant([[1, 2], [3, 4]])", "-2"),
            ("determinant([[1, 2, 3]])", "!physl::shape"),
        ],
        determinant,
    ),
    prim(
        "inverse",
        Family::Matrixops,
        "inverse(m)",
        "Inverse of a square matrix via LU with partial pivoting, float64 for every input dtype.\n\
         A 0-D argument gives its reciprocal. Error: not square (physl::shape) or singular — an \
         exactly zero pivot, as NumPy's LinAlgError (physl::value).",
        &[
            ("inverse([[2, 0], [0, 4]])", "[[0.5, 0], [0, 0.25]]"),
            ("inverse([[1.0, 2.0], [2.0, 4.0]])", "!physl::value"),
            ("inverse([[1, 2, 3]])", "!physl::shape"),
        ],
        inverse,
    ),
    prim(
        "invGJE",
        Family::Matrixops,
        "invGJE(m)",
        "Inverse of a square matrix by Gauss-Jordan elimination with partial pivoting (float64).\n\
         Same results and errors as inverse.",
        &[
            (
                "invGJE([[4.0, 7.0], [2.0, 6.0]])",
                "[[0.6, -0.7], [-0.2, 0.4]]",
            ),
            ("invGJE([[0, 0], [0, 0]])", "!physl::value"),
        ],
        inv_gje,
    ),
    prim(
        "norm",
        Family::Matrixops,
        "norm(x, ord=nil, axis=nil, keepdims=false)",
        "NumPy's linalg.norm, float64: vector norms (ord nil/2, 1, inf, -inf, 0, any p) and \
         matrix norms (nil/\"fro\", \"nuc\", 1, -1, 2, -2, inf, -inf; 2, -2 and \"nuc\" by SVD).\n\
         axis is an integer (vector norms along it) or a list of two (matrix norms); without \
         axis and ord the whole array is flattened. ord may also be the string \"inf\"/\"-inf\".",
        &[
            ("norm([3.0, 4.0])", "5"),
            ("norm([1, -2, 3], 1)", "6"),
            ("norm([[1, 2], [3, 4]], nil, 1)", "[2.23607, 5]"),
        ],
        norm,
    ),
    prim(
        "tensordot",
        Family::Matrixops,
        "tensordot(a, b, axes=2)",
        "Sum of products over the last `axes` axes of a and the first `axes` of b, or over \
         explicit axes list(list(a_axes...), list(b_axes...)) (NumPy).\n\
         Result dtype: the common dtype. Error: contracted extents differ.",
        &[
            ("tensordot([[1, 2], [3, 4]], [[1, 2], [3, 4]])", "30"),
            (
                "tensordot([[0, 1, 2], [3, 4, 5]], [[0, 1], [2, 3], [4, 5]], 1)",
                "[[10, 13], [28, 40]]",
            ),
            ("tensordot([1, 2], [1, 2, 3], 1)", "!physl::shape"),
        ],
        tensordot,
    ),
    prim(
        "gradient",
        Family::Matrixops,
        "gradient(m, axis=nil)",
        "Numerical gradient with unit spacing (NumPy's np.gradient): central differences inside, \
         one-sided first differences at the edges; float64.\n\
         A vector gives a vector; a matrix (or higher) without axis gives a list with one \
         gradient per axis, with an integer axis one array. Error: fewer than 2 elements along an \
         axis.",
        &[
            ("gradient([1, 4, 9, 16])", "[3, 4, 6, 7]"),
            (
                "gradient([[1, 2, 4], [2, 5, 9]], 1)",
                "[[1, 1.5, 2], [3, 3.5, 4]]",
            ),
            ("gradient([1])", "!physl::value"),
        ],
        gradient,
    ),
    prim(
        "hsplit",
        Family::Matrixops,
        "hsplit(m, n)",
        "Split column-wise (along axis 1; a vector along axis 0) into n equal parts; returns a \
         list (NumPy's hsplit). n may also be a list of split indices.\n\
         Error: the column count is not divisible by n.",
        &[
            (
                "hsplit([[1, 2, 3, 4], [5, 6, 7, 8]], 2)",
                "list([[1, 2], [5, 6]], [[3, 4], [7, 8]])",
            ),
            ("hsplit([1, 2, 3, 4], 2)", "list([1, 2], [3, 4])"),
            ("hsplit([[1, 2, 3]], 2)", "!physl::value"),
        ],
        hsplit,
    ),
    prim(
        "vsplit",
        Family::Matrixops,
        "vsplit(m, n)",
        "Split row-wise (along axis 0) into n equal parts; returns a list (NumPy's vsplit). n may \
         also be a list of split indices.\n\
         Error: the row count is not divisible by n, or fewer than 2 dimensions.",
        &[
            ("vsplit([[1, 2], [3, 4]], 2)", "list([[1, 2]], [[3, 4]])"),
            ("vsplit([1, 2], 2)", "!physl::shape"),
        ],
        vsplit,
    ),
    prim(
        "normalize",
        Family::Arithmetics,
        "normalize(x, dtype=nil)",
        "A vector divided by its L2 norm, float64 unless dtype is given.\n\
         Phylanx raises for every input; ours normalises vectors. Error: other ranks, or a \
         nonempty all-zero vector (it has no direction).",
        &[
            ("normalize([3, 4])", "[0.6, 0.8]"),
            ("normalize([[1, 2]])", "!physl::shape"),
        ],
        normalize,
    ),
];

#[cfg(test)]
mod tests {
    use crate::testing::{eval, plain};
    use crate::value::Value;

    /// The elements of a numeric result, as float64.
    fn floats(src: &str) -> Vec<f64> {
        match eval(src).unwrap_or_else(|e| panic!("{src}: {e}")) {
            Value::Array(a) => a.as_float().iter().copied().collect(),
            v => vec![v.as_f64().unwrap_or_else(|| panic!("{src}: {v}"))],
        }
    }

    fn close(src: &str, want: &[f64]) {
        let got = floats(src);
        assert_eq!(got.len(), want.len(), "{src}: {got:?}");
        for (g, w) in got.iter().zip(want) {
            assert!(
                (g - w).abs() <= 1e-12 + 1e-9 * w.abs() || (g.is_nan() && w.is_nan()),
                "{src}: {got:?} vs {want:?}"
            );
        }
    }

    #[test]
    fn inverses_and_determinants() {
        let a = "[[3.0, 1.0, 2.0], [1.0, 4.0, 1.0], [2.0, 1.0, 5.0]]";
        // numpy.linalg.inv / det
        let inv = [
            0.475, -0.075, -0.175, -0.075, 0.275, -0.025, -0.175, -0.025, 0.275,
        ];
        close(&format!("inverse({a})"), &inv);
        close(&format!("invGJE({a})"), &inv);
        close(&format!("determinant({a})"), &[40.000000000000014]);
        close(
            "inverse([[4.0, 7.0], [2.0, 6.0]])",
            &[0.6, -0.7000000000000001, -0.2, 0.4],
        );
        close("inverse(4)", &[0.25]);
        close("determinant(2)", &[2.0]);
        close("determinant([[0, 1], [1, 0]])", &[-1.0]);
        assert_eq!(plain("__type(inverse([[2, 0], [0, 4]]))"), "4");
        for p in ["inverse", "invGJE"] {
            assert_eq!(
                plain(&format!("{p}([[1.0, 2.0], [2.0, 4.0]])")),
                "physl::value"
            );
            assert_eq!(
                plain(&format!("{p}([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])")),
                "physl::shape"
            );
            assert_eq!(plain(&format!("{p}([1.0, 2.0])")), "physl::shape");
            assert_eq!(plain(&format!("{p}(0)")), "physl::value");
            assert_eq!(plain(&format!("{p}(\"x\")")), "physl::type");
        }
        assert_eq!(plain("determinant([[1, 2, 3]])"), "physl::shape");
        assert_eq!(plain("determinant([[1, 2], [2, 4]])"), "0");
        let e = eval("inverse([[1.0, 2.0], [2.0, 4.0]])").unwrap_err();
        assert!(
            e.message().starts_with("inverse: the matrix is singular"),
            "{}",
            e.message()
        );
        let e = eval("inverse([[1.0, 2.0, 3.0]])").unwrap_err();
        assert!(e.message().contains("[1, 3]"), "{}", e.message());
    }

    #[test]
    fn crosses() {
        assert_eq!(
            plain("cross([[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [1, 0, 0]])"),
            "[[-6, 12, -6], [0, 6, -5]]"
        );
        assert_eq!(plain("cross([1, 2], [3, 4, 5])"), "[10, -5, -2]");
        assert_eq!(
            plain("cross([[1, 2, 3], [4, 5, 6]], [0, 0, 1])"),
            "[[2, -1, 0], [5, -4, 0]]"
        );
        assert_eq!(
            plain("cross([[1, 2], [3, 4]], [[5, 6], [7, 8]])"),
            "[-4, -4]"
        );
        assert_eq!(
            plain("cross([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])"),
            "[-3, 6, -3]"
        );
        assert_eq!(
            plain("cross([true, false, true], [true, true, true])"),
            "physl::type"
        );
        assert_eq!(plain("cross(1, [1, 2, 3])"), "physl::value");
        assert_eq!(
            plain("cross([[1, 2, 3], [4, 5, 6]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]])"),
            "physl::shape"
        );
    }

    #[test]
    fn norms_match_numpy() {
        let m = "[[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]]";
        for (ord, want) in [
            ("nil", 9.539392014169456),
            ("\"fro\"", 9.539392014169456),
            ("\"nuc\"", 11.653785350898488),
            ("1", 9.0),
            ("-1", 5.0),
            ("2", 9.225027715260929),
            ("-2", 2.4287576356375586),
            ("inf", 15.0),
            ("-inf", 6.0),
        ] {
            close(&format!("norm({m}, {ord})"), &[want]);
        }
        let v = "[1.0, -2.0, 0.0, 3.0]";
        for (ord, want) in [
            ("nil", 3.7416573867739413),
            ("2", 3.7416573867739413),
            ("1", 6.0),
            ("inf", 3.0),
            ("\"-inf\"", 0.0),
            ("0", 3.0),
            ("3", 3.3019272488946263),
            ("-1", 0.0),
        ] {
            close(&format!("norm({v}, {ord})"), &[want]);
        }
        let t = "reshape(arange(24.0), list(2, 3, 4))";
        close(
            &format!("norm({t}, nil, list(1, 2))"),
            &[22.494443758403985, 61.78996682310163],
        );
        close(
            &format!("norm({t}, 2, list(0, 2))"),
            &[27.278740934924464, 36.795010111317204, 47.10309908823585],
        );
        assert_eq!(
            plain(&format!("shape(norm({t}, nil, 1, true))")),
            "list(2, 1, 4)"
        );
        assert_eq!(
            plain(&format!("shape(norm({t}, nil, nil, true))")),
            "list(1, 1, 1)"
        );
        close(&format!("norm({t})"), &[65.75712889109438]);
        close("norm([[1, 2], [3, 4]], inf, list(1, 0))", &[6.0]);
        close("norm([[1, 2], [3, 4]], nil, 1)", &[5f64.sqrt(), 5.0]);
        assert_eq!(plain(&format!("norm({t}, 1)")), "physl::value");
        assert_eq!(plain(&format!("norm({v}, \"fro\")")), "physl::value");
        assert_eq!(plain(&format!("norm({m}, 3)")), "physl::value");
        assert_eq!(plain(&format!("norm({m}, \"bad\")")), "physl::value");
        assert_eq!(
            plain(&format!("norm({m}, nil, list(0, 0))")),
            "physl::value"
        );
        assert_eq!(plain(&format!("norm({m}, nil, 2)")), "physl::value");
    }

    #[test]
    fn normalizes() {
        close("normalize([3, 4])", &[0.6, 0.8]);
        assert_eq!(plain("normalize([0, 0])"), "physl::value");
        assert_eq!(plain("normalize(3)"), "physl::shape");
        assert_eq!(plain("normalize([3, 4], \"int\")"), "[0, 0]");
    }

    #[test]
    fn tensordots() {
        assert_eq!(plain("tensordot([[1, 2], [3, 4]], [[1, 2], [3, 4]])"), "30");
        assert_eq!(
            plain("tensordot(reshape(arange(24), list(2, 3, 4)), reshape(arange(6), list(3, 2)), list(list(1), list(0)))"),
            "[[[40, 52], [46, 61], [52, 70], [58, 79]], [[112, 160], [118, 169], [124, 178], [130, 187]]]"
        );
        assert_eq!(plain("tensordot([1, 2], [3, 4], 0)"), "[[3, 4], [6, 8]]");
        assert_eq!(plain("tensordot([1.5, 2.0], [2, 4], 1)"), "11");
        assert_eq!(plain("tensordot([1, 2], [3, 4], 3)"), "physl::value");
        assert_eq!(
            plain("tensordot([1, 2], [3, 4], list(list(0), list(0, 0)))"),
            "physl::value"
        );
        assert_eq!(
            plain("tensordot([[1, 2]], [[1, 2]], list(list(0, 1), list(1, 0)))"),
            "physl::shape"
        );
        assert_eq!(plain("tensordot([[1, 2]], [1, 2], \"x\")"), "physl::type");
    }

    #[test]
    fn gradients() {
        assert_eq!(plain("gradient([1, 4, 9, 16])"), "[3, 4, 6, 7]");
        assert_eq!(plain("gradient([1, 3])"), "[2, 2]");
        assert_eq!(
            plain("gradient([[1, 2, 4], [2, 5, 9]])"),
            "list([[1, 3, 5], [1, 3, 5]], [[1, 1.5, 2], [3, 3.5, 4]])"
        );
        close(
            "gradient([[1.0, 2, 4, 8], [3, 5, 9, 10], [0, 1, 1, 2]], 0)",
            &[
                2.0, 3.0, 5.0, 2.0, -0.5, -0.5, -1.5, -3.0, -3.0, -4.0, -8.0, -8.0,
            ],
        );
        assert_eq!(plain("gradient([[1, 2], [3, 4]], -1)"), "[[1, 1], [1, 1]]");
        assert_eq!(plain("gradient([[1, 2]])"), "physl::value");
        assert_eq!(plain("gradient(5)"), "physl::shape");
        assert_eq!(plain("gradient([1, 2], 1)"), "physl::value");
    }

    #[test]
    fn splits() {
        assert_eq!(
            plain("vsplit([[1, 2], [3, 4], [5, 6], [7, 8]], 2)"),
            "list([[1, 2], [3, 4]], [[5, 6], [7, 8]])"
        );
        assert_eq!(
            plain("hsplit([0, 1, 2, 3, 4, 5], list(2, 4))"),
            "list([0, 1], [2, 3], [4, 5])"
        );
        assert_eq!(
            plain("hsplit([0, 1, 2, 3, 4, 5], list(4, 10))"),
            "list([0, 1, 2, 3], [4, 5], [])"
        );
        assert_eq!(plain("hsplit([[1.5, 2.5]], 1)"), "list([[1.5, 2.5]])");
        assert_eq!(plain("hsplit([[1, 2, 3]], 2)"), "physl::value");
        assert_eq!(plain("hsplit([[1, 2, 3]], 0)"), "physl::value");
        assert_eq!(plain("vsplit([[1, 2], [3, 4], [5, 6]], 2)"), "physl::value");
        assert_eq!(plain("hsplit(3, 1)"), "physl::shape");
        assert_eq!(plain("vsplit([1, 2], 1)"), "physl::shape");
    }
}
