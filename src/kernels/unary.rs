//! Elementwise unary kernels (math functions, rounding, predicates) and the running
//! reductions `cumsum`/`cumprod`, with NumPy result dtypes (spec 3.3).

use super::elementwise::{zeroed_f64, Elem, Num, Operand, PAR_MIN, PAR_TASK};
use super::vmath;
use crate::diagnostics::{Error, Result};
use crate::value::{DType, Value};
use ndarray::Axis;
use rayon::prelude::*;
use std::sync::Arc;

/// Elementwise unary operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Absolute,
    Floor,
    Ceil,
    Trunc,
    Rint,
    Conj,
    Real,
    Imag,
    Sqrt,
    InvSqrt,
    Cbrt,
    InvCbrt,
    Exp,
    Exp2,
    Exp10,
    Log,
    Log2,
    Log10,
    Sin,
    Cos,
    Tan,
    Sinh,
    Cosh,
    Tanh,
    Arcsin,
    Arccos,
    Arctan,
    Arcsinh,
    Arccosh,
    Arctanh,
    Erf,
    Erfc,
    Square,
    Sign,
    IsNan,
    IsInf,
    IsNegInf,
    IsPosInf,
    IsFinite,
}

/// How an operation treats int64 and bool input.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Always computes and returns float64.
    Float,
    /// Keeps int64 input integral (bool input: see [`unary`]).
    KeepInt,
    /// Returns bool; integers are always finite.
    Predicate,
}

impl UnaryOp {
    /// Every operation with its primitive name.
    pub const ALL: [(UnaryOp, &'static str); 40] = [
        (UnaryOp::Neg, "__minus"),
        (UnaryOp::Absolute, "absolute"),
        (UnaryOp::Floor, "floor"),
        (UnaryOp::Ceil, "ceil"),
        (UnaryOp::Trunc, "trunc"),
        (UnaryOp::Rint, "rint"),
        (UnaryOp::Conj, "conj"),
        (UnaryOp::Real, "real"),
        (UnaryOp::Imag, "imag"),
        (UnaryOp::Sqrt, "sqrt"),
        (UnaryOp::InvSqrt, "invsqrt"),
        (UnaryOp::Cbrt, "cbrt"),
        (UnaryOp::InvCbrt, "invcbrt"),
        (UnaryOp::Exp, "exp"),
        (UnaryOp::Exp2, "exp2"),
        (UnaryOp::Exp10, "exp10"),
        (UnaryOp::Log, "log"),
        (UnaryOp::Log2, "log2"),
        (UnaryOp::Log10, "log10"),
        (UnaryOp::Sin, "sin"),
        (UnaryOp::Cos, "cos"),
        (UnaryOp::Tan, "tan"),
        (UnaryOp::Sinh, "sinh"),
        (UnaryOp::Cosh, "cosh"),
        (UnaryOp::Tanh, "tanh"),
        (UnaryOp::Arcsin, "arcsin"),
        (UnaryOp::Arccos, "arccos"),
        (UnaryOp::Arctan, "arctan"),
        (UnaryOp::Arcsinh, "arcsinh"),
        (UnaryOp::Arccosh, "arccosh"),
        (UnaryOp::Arctanh, "arctanh"),
        (UnaryOp::Erf, "erf"),
        (UnaryOp::Erfc, "erfc"),
        (UnaryOp::Square, "square"),
        (UnaryOp::Sign, "sign"),
        (UnaryOp::IsNan, "isnan"),
        (UnaryOp::IsInf, "isinf"),
        (UnaryOp::IsNegInf, "isneginf"),
        (UnaryOp::IsPosInf, "isposinf"),
        (UnaryOp::IsFinite, "isfinite"),
    ];

    /// The primitive that error messages name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(op, _)| *op == self)
            .map_or("unary", |(_, n)| n)
    }

    /// The operation of a primitive name.
    pub fn from_name(name: &str) -> Option<UnaryOp> {
        Self::ALL
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(op, _)| *op)
    }

    pub(crate) fn kind(self) -> Kind {
        use UnaryOp::*;
        match self {
            Neg | Absolute | Floor | Ceil | Trunc | Conj | Real | Imag | Square | Sign => {
                Kind::KeepInt
            }
            IsNan | IsInf | IsNegInf | IsPosInf | IsFinite => Kind::Predicate,
            _ => Kind::Float,
        }
    }
}

/// Applies `op` elementwise. Result dtype (spec 3.3): float64 for the math functions;
/// `absolute`, `floor`, `ceil`, `trunc`, `conj`, `real`, `imag`, `square`, `sign` and
/// negation keep int64; for bool input `absolute`/`floor`/`ceil`/`trunc`/`real`/`imag` stay
/// bool, `square`/`conj` give int64, negation and `sign` are errors; predicates give bool.
/// A `dtype` converts the input first and the result after. Errors label argument 0.
pub fn unary(op: UnaryOp, x: Value, dtype: Option<DType>) -> Result<Value> {
    if dtype.is_none() {
        match x {
            Value::Float(f) if op.kind() != Kind::Predicate => {
                return Ok(Value::Float(float_fn(op, f)))
            }
            Value::Int(i) if op.kind() == Kind::KeepInt => return Ok(Value::Int(int_fn(op, i))),
            _ => {}
        }
    }
    let mut n = Num::from_arg(op.name(), 0, x)?;
    if let Some(dt) = dtype {
        n = n.cast(dt);
    }
    let r = unary_num(op, n)?;
    Ok(match dtype {
        Some(dt) => r.cast(dt),
        None => r,
    }
    .into_value())
}

/// [`unary`] on a split numeric operand, without a forced dtype.
pub fn unary_num(op: UnaryOp, n: Num) -> Result<Num> {
    Ok(match (op.kind(), n) {
        (Kind::Predicate, Num::Float(o)) => Num::Bool(o.map_to(move |f| predicate(op, f))),
        (Kind::Predicate, Num::Int(o)) => Num::Bool(o.map_to(move |_| op == UnaryOp::IsFinite)),
        (Kind::Predicate, Num::Bool(o)) => Num::Bool(o.map_to(move |_| op == UnaryOp::IsFinite)),
        (Kind::Float, n) => Num::Float(float_map(op, n.into_float())),
        (Kind::KeepInt, Num::Float(o)) => Num::Float(float_map(op, o)),
        (Kind::KeepInt, Num::Int(o)) => Num::Int(int_map(op, o)),
        (Kind::KeepInt, Num::Bool(o)) => match op {
            UnaryOp::Neg => {
                return Err(Error::type_error("__minus: cannot negate a bool")
                    .at_arg(0, "this is a bool")
                    .with_help("use `!a` or logical_not(a), or convert with astype(a, \"int\")"))
            }
            UnaryOp::Sign => {
                return Err(Error::type_error("sign: the sign of a bool is not defined")
                    .at_arg(0, "this is a bool")
                    .with_help("convert first with astype(a, \"int\")"))
            }
            UnaryOp::Square | UnaryOp::Conj => Num::Int(o.map_to(|b| b as i64)),
            UnaryOp::Imag => Num::Bool(o.map(|_| false)),
            _ => Num::Bool(o),
        },
    })
}

pub(crate) fn predicate(op: UnaryOp, f: f64) -> bool {
    match op {
        UnaryOp::IsNan => f.is_nan(),
        UnaryOp::IsInf => f.is_infinite(),
        UnaryOp::IsNegInf => f == f64::NEG_INFINITY,
        UnaryOp::IsPosInf => f == f64::INFINITY,
        _ => f.is_finite(),
    }
}

fn sign_f(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else if x == 0.0 {
        0.0
    } else {
        x
    }
}

/// The scalar function of a float operation (predicates excluded).
#[inline]
pub fn float_fn(op: UnaryOp, x: f64) -> f64 {
    use UnaryOp::*;
    match op {
        Neg => -x,
        Absolute => x.abs(),
        Floor => x.floor(),
        Ceil => x.ceil(),
        Trunc => x.trunc(),
        Rint => x.round_ties_even(),
        Conj | Real => x,
        Imag => 0.0,
        Sqrt => x.sqrt(),
        InvSqrt => 1.0 / x.sqrt(),
        Cbrt => x.cbrt(),
        InvCbrt => 1.0 / x.cbrt(),
        Exp => vmath::exp(x),
        Exp2 => x.exp2(),
        Exp10 => 10f64.powf(x),
        Log => x.ln(),
        Log2 => x.log2(),
        Log10 => x.log10(),
        Sin => x.sin(),
        Cos => x.cos(),
        Tan => x.tan(),
        Sinh => x.sinh(),
        Cosh => x.cosh(),
        Tanh => x.tanh(),
        Arcsin => x.asin(),
        Arccos => x.acos(),
        Arctan => x.atan(),
        Arcsinh => x.asinh(),
        Arccosh => x.acosh(),
        Arctanh => x.atanh(),
        Erf => erf(x),
        Erfc => erfc(x),
        Square => x * x,
        Sign => sign_f(x),
        IsNan | IsInf | IsNegInf | IsPosInf | IsFinite => x,
    }
}

/// Monomorphised per operation so the cheap ones vectorise.
fn float_map(op: UnaryOp, o: Operand<f64>) -> Operand<f64> {
    use UnaryOp::*;
    match op {
        Neg => o.map(|x| -x),
        Absolute => o.map(f64::abs),
        Floor => o.map(f64::floor),
        Ceil => o.map(f64::ceil),
        Trunc => o.map(f64::trunc),
        Rint => o.map(f64::round_ties_even),
        Square => o.map(|x| x * x),
        Sqrt => o.map(f64::sqrt),
        Conj | Real => o,
        Exp => map_slices(o, vmath::exp_into, vmath::exp_in_place),
        op => o.map(move |x| float_fn(op, x)),
    }
}

/// An operation with slice kernels (SIMD inside): in place when the buffer is not shared,
/// on the rayon pool in fixed tasks when large.
fn map_slices(
    o: Operand<f64>,
    into: fn(&[f64], &mut [f64]),
    in_place: fn(&mut [f64]),
) -> Operand<f64> {
    let mut a = match o {
        Operand::Scalar(x) => {
            let mut v = [x];
            in_place(&mut v);
            return Operand::Scalar(v[0]);
        }
        Operand::Array(a) => a,
    };
    if let Some(d) = Arc::get_mut(&mut a).and_then(|m| m.as_slice_memory_order_mut()) {
        if d.len() >= PAR_MIN {
            d.par_chunks_mut(PAR_TASK).for_each(in_place);
        } else {
            in_place(d);
        }
        return Operand::Array(a);
    }
    if let Some(s) = a.as_slice() {
        let mut v = zeroed_f64(s.len());
        if s.len() >= PAR_MIN {
            v.par_chunks_mut(PAR_TASK)
                .zip(s.par_chunks(PAR_TASK))
                .for_each(|(d, s)| into(s, d));
        } else {
            into(s, &mut v);
        }
        if let Ok(r) = ndarray::ArrayD::from_shape_vec(a.raw_dim(), v) {
            return Operand::Array(Arc::new(r));
        }
    }
    // not contiguous: element by element through the same kernel
    Operand::Array(Arc::new(a.mapv(|x| {
        let mut v = [x];
        in_place(&mut v);
        v[0]
    })))
}

/// The scalar function of an integral operation on int64 (wrapping, as NumPy).
#[inline]
fn int_fn(op: UnaryOp, x: i64) -> i64 {
    match op {
        UnaryOp::Neg => x.wrapping_neg(),
        UnaryOp::Absolute => x.wrapping_abs(),
        UnaryOp::Square => x.wrapping_mul(x),
        UnaryOp::Sign => x.signum(),
        UnaryOp::Imag => 0,
        _ => x,
    }
}

fn int_map(op: UnaryOp, o: Operand<i64>) -> Operand<i64> {
    match op {
        UnaryOp::Neg => o.map(i64::wrapping_neg),
        UnaryOp::Absolute => o.map(i64::wrapping_abs),
        UnaryOp::Square => o.map(|x| x.wrapping_mul(x)),
        UnaryOp::Sign => o.map(i64::signum),
        UnaryOp::Imag => o.map(|_| 0),
        _ => o,
    }
}

// ---------------------------------------------------------------------------------------------
// erf / erfc: port of FreeBSD msun s_erf.c (via musl and the Rust `libm` crate).
// Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved. Developed at SunPro, a
// Sun Microsystems, Inc. business. Permission to use, copy, modify, and distribute this
// software is freely granted, provided that this notice is preserved.
#[allow(clippy::excessive_precision)]
mod erf_impl {

    const ERX: f64 = 8.45062911510467529297e-01;
    const EFX8: f64 = 1.02703333676410069053e+00;
    const PP: [f64; 5] = [
        1.28379167095512558561e-01,
        -3.25042107247001499370e-01,
        -2.84817495755985104766e-02,
        -5.77027029648944159157e-03,
        -2.37630166566501626084e-05,
    ];
    const QQ: [f64; 5] = [
        3.97917223959155352819e-01,
        6.50222499887672944485e-02,
        5.08130628187576562776e-03,
        1.32494738004321644526e-04,
        -3.96022827877536812320e-06,
    ];
    const PA: [f64; 7] = [
        -2.36211856075265944077e-03,
        4.14856118683748331666e-01,
        -3.72207876035701323847e-01,
        3.18346619901161753674e-01,
        -1.10894694282396677476e-01,
        3.54783043256182359371e-02,
        -2.16637559486879084300e-03,
    ];
    const QA: [f64; 6] = [
        1.06420880400844228286e-01,
        5.40397917702171048937e-01,
        7.18286544141962662868e-02,
        1.26171219808761642112e-01,
        1.36370839120290507362e-02,
        1.19844998467991074170e-02,
    ];
    const RA: [f64; 8] = [
        -9.86494403484714822705e-03,
        -6.93858572707181764372e-01,
        -1.05586262253232909814e+01,
        -6.23753324503260060396e+01,
        -1.62396669462573470355e+02,
        -1.84605092906711035994e+02,
        -8.12874355063065934246e+01,
        -9.81432934416914548592e+00,
    ];
    const SA: [f64; 8] = [
        1.96512716674392571292e+01,
        1.37657754143519042600e+02,
        4.34565877475229228821e+02,
        6.45387271733267880336e+02,
        4.29008140027567833386e+02,
        1.08635005541779435134e+02,
        6.57024977031928170135e+00,
        -6.04244152148580987438e-02,
    ];
    const RB: [f64; 7] = [
        -9.86494292470009928597e-03,
        -7.99283237680523006574e-01,
        -1.77579549177547519889e+01,
        -1.60636384855821916062e+02,
        -6.37566443368389627722e+02,
        -1.02509513161107724954e+03,
        -4.83519191608651397019e+02,
    ];
    const SB: [f64; 7] = [
        3.03380607434824582924e+01,
        3.25792512996573918826e+02,
        1.53672958608443695994e+03,
        3.19985821950859553908e+03,
        2.55305040643316442583e+03,
        4.74528541206955367215e+02,
        -2.24409524465858183362e+01,
    ];

    /// Horner evaluation of `c[0] + z*c[1] + z^2*c[2] + ...`.
    #[inline]
    fn poly(z: f64, c: &[f64]) -> f64 {
        c.iter().rev().fold(0.0, |acc, &k| acc * z + k)
    }

    /// `1 + z*c[0] + z^2*c[1] + ...`.
    #[inline]
    fn poly1(z: f64, c: &[f64]) -> f64 {
        1.0 + z * poly(z, c)
    }

    fn high_word(x: f64) -> u32 {
        (x.to_bits() >> 32) as u32
    }

    fn erfc1(x: f64) -> f64 {
        let s = x.abs() - 1.0;
        1.0 - ERX - poly(s, &PA) / poly1(s, &QA)
    }

    fn erfc2(ix: u32, x: f64) -> f64 {
        if ix < 0x3ff40000 {
            return erfc1(x);
        }
        let x = x.abs();
        let s = 1.0 / (x * x);
        let (r, big_s) = if ix < 0x4006db6d {
            (poly(s, &RA), poly1(s, &SA))
        } else {
            (poly(s, &RB), poly1(s, &SB))
        };
        let z = f64::from_bits(x.to_bits() & 0xffff_ffff_0000_0000);
        (-z * z - 0.5625).exp() * ((z - x) * (z + x) + r / big_s).exp() / x
    }

    /// The error function, accurate to about 1 ulp.
    pub fn erf(x: f64) -> f64 {
        let hx = high_word(x);
        let negative = hx >> 31 != 0;
        let ix = hx & 0x7fffffff;
        if ix >= 0x7ff00000 {
            // erf(nan) = nan, erf(+-inf) = +-1
            return 1.0 - 2.0 * (negative as u8 as f64) + 1.0 / x;
        }
        if ix < 0x3feb0000 {
            if ix < 0x3e300000 {
                return 0.125 * (8.0 * x + EFX8 * x);
            }
            let z = x * x;
            return x + x * (poly(z, &PP) / poly1(z, &QQ));
        }
        let y = if ix < 0x40180000 {
            1.0 - erfc2(ix, x)
        } else {
            1.0 - f64::from_bits(0x0010000000000000)
        };
        if negative {
            -y
        } else {
            y
        }
    }

    /// The complementary error function `1 - erf(x)`, computed without cancellation.
    pub fn erfc(x: f64) -> f64 {
        let hx = high_word(x);
        let negative = hx >> 31 != 0;
        let ix = hx & 0x7fffffff;
        if ix >= 0x7ff00000 {
            // erfc(nan) = nan, erfc(+inf) = 0, erfc(-inf) = 2
            return 2.0 * (negative as u8 as f64) + 1.0 / x;
        }
        if ix < 0x3feb0000 {
            if ix < 0x3c700000 {
                return 1.0 - x;
            }
            let z = x * x;
            let y = poly(z, &PP) / poly1(z, &QQ);
            if negative || ix < 0x3fd00000 {
                return 1.0 - (x + x * y);
            }
            return 0.5 - (x - 0.5 + x * y);
        }
        if ix < 0x403c0000 {
            return if negative {
                2.0 - erfc2(ix, x)
            } else {
                erfc2(ix, x)
            };
        }
        let tiny = f64::from_bits(0x0010000000000000);
        if negative {
            2.0 - tiny
        } else {
            tiny * tiny
        }
    }
}
pub use erf_impl::{erf, erfc};

// ---------------------------------------------------------------------------------------------
// cumsum / cumprod

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CumOp {
    Sum,
    Prod,
}

impl CumOp {
    pub fn name(self) -> &'static str {
        match self {
            CumOp::Sum => "cumsum",
            CumOp::Prod => "cumprod",
        }
    }
}

/// Running sum or product along `axis` (negative counts from the end); `None` flattens
/// first (row-major) and gives a 1-D result. The input dtype is kept except that bool gives
/// int64; `dtype` converts the input first. Errors label argument 0 (input) and 1 (axis).
pub fn cumulate(op: CumOp, a: Value, axis: Option<i64>, dtype: Option<DType>) -> Result<Value> {
    let name = op.name();
    let mut n = Num::from_arg(name, 0, a)?;
    n = match dtype {
        Some(dt) => n.cast(dt),
        None if n.dtype() == DType::Bool => n.cast(DType::Int),
        None => n,
    };
    let ndim = n.shape().len();
    let axis = match axis {
        None => None,
        Some(ax) => {
            let k = if ax < 0 {
                ax.checked_add(ndim as i64)
            } else {
                Some(ax)
            };
            match k {
                Some(k) if k >= 0 && (k as usize) < ndim => Some(k as usize),
                _ => {
                    return Err(Error::index(format!(
                        "{name}: axis {ax} is out of bounds for an array of dimension {ndim}"
                    ))
                    .at_arg(1, format!("valid axes: -{ndim} to {}", ndim as i64 - 1)))
                }
            }
        }
    };
    Ok(match n {
        Num::Bool(o) => Num::Bool(scan(o, axis, |x, y| x | y, |x, y| x & y, op)),
        Num::Int(o) => Num::Int(scan(o, axis, i64::wrapping_add, i64::wrapping_mul, op)),
        Num::Float(o) => Num::Float(scan(o, axis, |x, y| x + y, |x, y| x * y, op)),
    }
    .into_value())
}

fn scan<T: Elem>(
    o: Operand<T>,
    axis: Option<usize>,
    add: impl Fn(T, T) -> T,
    mul: impl Fn(T, T) -> T,
    op: CumOp,
) -> Operand<T> {
    let f = |acc: T, x: T| match op {
        CumOp::Sum => add(acc, x),
        CumOp::Prod => mul(acc, x),
    };
    match axis {
        None => {
            let mut v: Vec<T> = match &o {
                Operand::Scalar(x) => vec![*x],
                Operand::Array(a) => a.iter().copied().collect(),
            };
            for i in 1..v.len() {
                v[i] = f(v[i - 1], v[i]);
            }
            Operand::Array(Arc::new(ndarray::Array1::from(v).into_dyn()))
        }
        Some(ax) => match o {
            // axis was validated against ndim, so a scalar never gets here
            Operand::Scalar(x) => Operand::Scalar(x),
            Operand::Array(mut a) => {
                Arc::make_mut(&mut a)
                    .accumulate_axis_inplace(Axis(ax), |&prev, cur| *cur = f(prev, *cur));
                Operand::Array(a)
            }
        },
    }
}

#[cfg(test)]
#[rustfmt::skip]
mod tests {
    use super::*;

    #[test]
    fn erf_matches_reference_values() {
        // reference values of CPython's math.erf / math.erfc
        let cases = [
            (0.0, 0.0, 1.0),
            (1e-10, 1.1283791670955126e-10, 0.999999999887162),
            (0.1, 0.1124629160182849, 0.8875370839817152),
            (0.5, 0.5204998778130465, 0.4795001221869535),
            (1.0, 0.8427007929497149, 0.15729920705028513),
            (1.5, 0.9661051464753108, 0.033894853524689274),
            (2.5, 0.999593047982555, 0.0004069520174449589),
            (4.0, 0.9999999845827421, 1.541725790028002e-08),
            (10.0, 1.0, 2.088487583762545e-45),
            (-1.0, -0.8427007929497149, 1.842700792949715),
            (-3.0, -0.9999779095030014, 1.9999779095030015),
        ];
        for (x, e, ec) in cases {
            let (a, b) = (erf(x), erfc(x));
            assert!((a - e).abs() <= 2e-16 * e.abs().max(1e-300), "erf({x}) = {a}, want {e}");
            assert!((b - ec).abs() <= 1e-15 * ec.abs(), "erfc({x}) = {b}, want {ec}");
        }
        assert_eq!(erf(f64::INFINITY), 1.0);
        assert_eq!(erf(f64::NEG_INFINITY), -1.0);
        assert_eq!(erfc(f64::NEG_INFINITY), 2.0);
        assert_eq!(erfc(f64::INFINITY), 0.0);
        assert!(erf(f64::NAN).is_nan() && erfc(f64::NAN).is_nan());
    }

    #[test]
    fn names_round_trip() {
        for (op, name) in UnaryOp::ALL {
            assert_eq!(op.name(), name);
            assert_eq!(UnaryOp::from_name(name), Some(op));
        }
    }

    #[test]
    fn rint_and_sign_edge_cases() {
        assert_eq!(float_fn(UnaryOp::Rint, -2.5), -2.0);
        assert_eq!(float_fn(UnaryOp::Rint, 3.5), 4.0);
        assert!(float_fn(UnaryOp::Sign, f64::NAN).is_nan());
        assert_eq!(float_fn(UnaryOp::Sign, -0.0), 0.0);
        assert_eq!(float_fn(UnaryOp::Exp10, 3.0), 1000.0);
        let v = unary(UnaryOp::Sign, Value::Int(i64::MIN), None).unwrap();
        assert!(matches!(v, Value::Int(-1)));
    }
}
