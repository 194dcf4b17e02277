//! Elementwise binary kernels: arithmetic, comparisons, logic and `where`, with NumPy
//! broadcasting and promotion (spec 3.3, 3.4).
//!
//! Every entry point takes its operands by value so that a uniquely owned array buffer can
//! be reused for the result. Scalar-with-scalar work never allocates (the interpreter's hot
//! path: `i + 1`, `i < n`); array-with-scalar and same-shape array-with-array run as plain
//! loops over contiguous slices; only differing shapes go through ndarray broadcasting.
//!
//! Errors are labelled on argument positions; the `*_at` variants let n-ary primitives say
//! which of their arguments the two operands are.

use crate::diagnostics::{Error, Result};
use crate::value::broadcast::{broadcast_pair, broadcast_shapes, shape_mismatch};
use crate::value::{check_shape, Array, DType, Value};
use ndarray::{ArrayD, IxDyn, Zip};
use rayon::prelude::*;
use std::sync::Arc;

// ---------------------------------------------------------------------------------------------
// Typed operands

/// An element type of physl arrays.
pub trait Elem: Copy + PartialOrd + Send + Sync + 'static {
    const DTYPE: DType;
    fn into_value(self) -> Value;
    fn wrap(a: Arc<ArrayD<Self>>) -> Array;
}

impl Elem for bool {
    const DTYPE: DType = DType::Bool;
    fn into_value(self) -> Value {
        Value::Bool(self)
    }
    fn wrap(a: Arc<ArrayD<bool>>) -> Array {
        Array::Bool(a)
    }
}

impl Elem for i64 {
    const DTYPE: DType = DType::Int;
    fn into_value(self) -> Value {
        Value::Int(self)
    }
    fn wrap(a: Arc<ArrayD<i64>>) -> Array {
        Array::Int(a)
    }
}

impl Elem for f64 {
    const DTYPE: DType = DType::Float;
    fn into_value(self) -> Value {
        Value::Float(self)
    }
    fn wrap(a: Arc<ArrayD<f64>>) -> Array {
        Array::Float(a)
    }
}

/// A numeric operand of one element type: a scalar, or an array of 1 to 4 dimensions.
#[derive(Clone, Debug)]
pub enum Operand<T> {
    Scalar(T),
    Array(Arc<ArrayD<T>>),
}

impl<T: Elem> Operand<T> {
    pub fn shape(&self) -> &[usize] {
        match self {
            Operand::Scalar(_) => &[],
            Operand::Array(a) => a.shape(),
        }
    }

    pub fn into_value(self) -> Value {
        match self {
            Operand::Scalar(x) => x.into_value(),
            Operand::Array(a) => Value::from_array(T::wrap(a)),
        }
    }

    /// Applies `f` to every element, in place when the buffer is not shared.
    pub fn map(self, f: impl Fn(T) -> T + Sync + Send) -> Operand<T> {
        match self {
            Operand::Scalar(x) => Operand::Scalar(f(x)),
            Operand::Array(a) => Operand::Array(map_same(a, f)),
        }
    }

    /// Applies `f` to every element into a new element type.
    pub fn map_to<R: Elem>(&self, f: impl Fn(T) -> R + Sync + Send) -> Operand<R> {
        match self {
            Operand::Scalar(x) => Operand::Scalar(f(*x)),
            Operand::Array(a) => Operand::Array(Arc::new(par_map_new(a, f))),
        }
    }

    /// The operand as an array (a scalar becomes 0-D), for broadcasting.
    fn to_arc(&self) -> Arc<ArrayD<T>> {
        match self {
            Operand::Scalar(x) => Arc::new(ArrayD::from_elem(IxDyn(&[]), *x)),
            Operand::Array(a) => a.clone(),
        }
    }
}

/// A numeric value split by dtype, owning its buffer.
#[derive(Clone, Debug)]
pub enum Num {
    Bool(Operand<bool>),
    Int(Operand<i64>),
    Float(Operand<f64>),
}

impl Num {
    /// Splits a numeric value; gives the value back when it is not numeric.
    pub fn from_value(v: Value) -> std::result::Result<Num, Value> {
        Ok(match v {
            Value::Bool(b) => Num::Bool(Operand::Scalar(b)),
            Value::Int(i) => Num::Int(Operand::Scalar(i)),
            Value::Float(f) => Num::Float(Operand::Scalar(f)),
            Value::Array(Array::Bool(a)) => Num::Bool(Operand::Array(a)),
            Value::Array(Array::Int(a)) => Num::Int(Operand::Array(a)),
            Value::Array(Array::Float(a)) => Num::Float(Operand::Array(a)),
            other => return Err(other),
        })
    }

    /// Like [`Num::from_value`], with the standard type error labelled on argument `pos`.
    pub fn from_arg(prim: &str, pos: usize, v: Value) -> Result<Num> {
        Num::from_value(v).map_err(|v| not_numeric(prim, pos, &v))
    }

    pub fn dtype(&self) -> DType {
        match self {
            Num::Bool(_) => DType::Bool,
            Num::Int(_) => DType::Int,
            Num::Float(_) => DType::Float,
        }
    }

    pub fn shape(&self) -> &[usize] {
        match self {
            Num::Bool(o) => o.shape(),
            Num::Int(o) => o.shape(),
            Num::Float(o) => o.shape(),
        }
    }

    pub fn into_value(self) -> Value {
        match self {
            Num::Bool(o) => o.into_value(),
            Num::Int(o) => o.into_value(),
            Num::Float(o) => o.into_value(),
        }
    }

    /// Elementwise "nonzero" (NaN is nonzero).
    pub fn into_bool(self) -> Operand<bool> {
        match self {
            Num::Bool(o) => o,
            Num::Int(o) => o.map_to(|i| i != 0),
            Num::Float(o) => o.map_to(|f| f != 0.0),
        }
    }

    pub fn into_int(self) -> Operand<i64> {
        match self {
            Num::Bool(o) => o.map_to(|b| b as i64),
            Num::Int(o) => o,
            // `as` truncates toward zero and saturates, NaN -> 0 (spec 3.3)
            Num::Float(o) => o.map_to(|f| f as i64),
        }
    }

    pub fn into_float(self) -> Operand<f64> {
        match self {
            Num::Bool(o) => o.map_to(|b| b as u8 as f64),
            Num::Int(o) => o.map_to(|i| i as f64),
            Num::Float(o) => o,
        }
    }

    pub fn cast(self, dtype: DType) -> Num {
        match dtype {
            DType::Bool => Num::Bool(self.into_bool()),
            DType::Int => Num::Int(self.into_int()),
            DType::Float => Num::Float(self.into_float()),
        }
    }
}

/// The type error for a non-numeric operand, labelled on argument `pos`.
pub fn not_numeric(prim: &str, pos: usize, v: &Value) -> Error {
    Error::type_error(format!(
        "{prim}: operand {} must be numeric, not a {}",
        pos + 1,
        v.describe()
    ))
    .at_arg(pos, format!("this is a {}", v.describe()))
}

fn internal(prim: &str) -> Error {
    Error::internal(format!("{prim}: broadcast of checked shapes failed"))
}

/// The broadcast shape of two operands (a shape error labelled on both otherwise), checked
/// against the memory limit when it is larger than both.
fn out_shape(
    prim: &str,
    a: &[usize],
    b: &[usize],
    pa: usize,
    pb: usize,
    dt: DType,
) -> Result<Vec<usize>> {
    let out = broadcast_pair(a, b).ok_or_else(|| shape_mismatch(a, b, pa, pb).context(prim))?;
    if out != a && out != b {
        check_shape(&out, dt)?;
    }
    Ok(out)
}

fn is_empty(shape: &[usize]) -> bool {
    shape.contains(&0)
}

// ---------------------------------------------------------------------------------------------
// Generic loops

/// Maps in place when the buffer is not shared, into a new buffer otherwise.
fn map_same<T: Elem>(mut a: Arc<ArrayD<T>>, f: impl Fn(T) -> T + Sync + Send) -> Arc<ArrayD<T>> {
    // the plain count first (see zip_same)
    let unique = match Arc::strong_count(&a) {
        1 => Arc::get_mut(&mut a),
        _ => None,
    };
    match unique {
        Some(m) => {
            match m.as_slice_memory_order_mut() {
                Some(d) if d.len() >= PAR_MIN => d
                    .par_chunks_mut(PAR_TASK)
                    .for_each(|c| c.iter_mut().for_each(|x| *x = f(*x))),
                _ => m.mapv_inplace(f),
            }
            a
        }
        None => Arc::new(par_map_new(&a, f)),
    }
}

// ---------------------------------------------------------------------------------------------
// Parallel loops

/// Contiguous arrays of at least this many elements are mapped on the rayon pool, in tasks
/// of [`PAR_TASK`] elements (fixed, so the split never depends on the thread count; each
/// element is computed alone, so the split could not change a bit anyway).
/// Measured (`x * y`, unfused; 1 vs 2 threads, median of 3 processes, load 1.3, 2 cores;
/// threshold lowered to 2^12 for the run; benches/crossover.py):
///   2^15 5.8/5.7 us (one task: no split possible), 2^16 13.5/8.4 us (1.61×),
///   2^17 28.9/17.9 us (1.61×), 2^18 60/36 us (1.67×), 2^20 373/237 us (1.57×),
///   2^22..2^24 1.16-1.28× (memory bound).
/// Two tasks pay from 2^16, but a repeat run with the other core busy showed no gain up to
/// 2^19, so the threshold stays one step above the first gain.
pub const PAR_MIN: usize = 1 << 17;
/// Elements per parallel task (256 KB of f64: long enough to amortise a task, short enough
/// to balance two to eight threads on arrays just above [`PAR_MIN`]).
pub const PAR_TASK: usize = 1 << 15;

/// Runs `f` compiled for the widest vector unit the CPU has (`f` and what it calls inline
/// are compiled inside a function with the features enabled): the crate's baseline is SSE2,
/// two f64 lanes, and small kernels (`pred - y` over 569 elements) spend much of their
/// time in the loop itself. The scalar functions are the same IEEE operations (Rust never
/// contracts to FMA), so the bits are those of the baseline code.
#[inline(always)]
pub fn wide<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f")]
        unsafe fn avx512<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        #[target_feature(enable = "avx2")]
        unsafe fn avx2<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F (checked just above).
            return unsafe { avx512(f) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { avx2(f) };
        }
    }
    f()
}

/// An array of `shape` over `v` (row-major); `None` when the sizes differ. 1-D and 2-D
/// arrays are built with static dimensions and converted: ndarray's dynamic path (shape
/// conversion, checks and strides over a dynamic index) costs as much as the arithmetic of
/// a 30-element kernel.
pub fn from_shape_vec<T>(shape: &[usize], v: Vec<T>) -> Option<ArrayD<T>> {
    match *shape {
        [n] if n == v.len() => Some(ndarray::Array1::from_vec(v).into_dyn()),
        [r, c] => ndarray::Array2::from_shape_vec((r, c), v)
            .ok()
            .map(|a| a.into_dyn()),
        _ => ArrayD::from_shape_vec(IxDyn(shape), v).ok(),
    }
}

/// A vector with room for `n` elements whose pages the kernel is asked to back with huge
/// pages when large: a fresh 80 MB output otherwise costs ~20k page faults, more time than
/// the arithmetic of a cheap elementwise kernel.
pub fn large_vec<T>(n: usize) -> Vec<T> {
    let v: Vec<T> = Vec::with_capacity(n);
    advise_huge(
        v.as_ptr() as usize,
        n.saturating_mul(std::mem::size_of::<T>()),
    );
    v
}

/// `n` zeros, from fresh zero pages (calloc does not write them), huge-page advised: an
/// output buffer that slice kernels can write through `&mut [f64]`.
pub fn zeroed_f64(n: usize) -> Vec<f64> {
    let v = vec![0.0; n];
    advise_huge(v.as_ptr() as usize, n.saturating_mul(8));
    v
}

#[cfg(target_os = "linux")]
fn advise_huge(addr: usize, len: usize) {
    extern "C" {
        fn madvise(addr: *mut std::ffi::c_void, len: usize, advice: i32) -> i32;
    }
    const MADV_HUGEPAGE: i32 = 14;
    const PAGE: usize = 4096;
    if len < (4 << 20) {
        return;
    }
    let start = addr.saturating_add(PAGE - 1) & !(PAGE - 1);
    let end = addr.saturating_add(len) & !(PAGE - 1);
    if end > start {
        // SAFETY: the range lies inside an allocation this process owns; MADV_HUGEPAGE is
        // only a hint and changes no contents. Failure (THP off) is harmless and ignored.
        unsafe {
            madvise(start as *mut std::ffi::c_void, end - start, MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge(_addr: usize, _len: usize) {}

/// `f` of every element into a new array of the same shape; parallel when large.
pub fn par_map_new<T: Elem, R: Elem>(a: &ArrayD<T>, f: impl Fn(T) -> R + Sync + Send) -> ArrayD<R> {
    if let Some(s) = a.as_slice() {
        if s.len() >= PAR_MIN {
            let mut v = large_vec(s.len());
            s.par_iter()
                .with_min_len(PAR_TASK)
                .map(|&x| f(x))
                .collect_into_vec(&mut v);
            if let Ok(r) = ArrayD::from_shape_vec(a.raw_dim(), v) {
                return r;
            }
        }
    }
    a.mapv(f)
}

/// `dst[i] = g(dst[i], src[i])` with `src` broadcast to `dst`'s shape.
fn zip_into<T: Elem>(
    prim: &str,
    dst: &mut ArrayD<T>,
    src: &ArrayD<T>,
    g: impl Fn(T, T) -> T + Sync + Send,
) -> Result<()> {
    if let (Some(k), Some(s)) = (block_len(dst.shape(), src.shape()), src.as_slice()) {
        if let Some(d) = dst.as_slice_mut() {
            if k == d.len() && k >= PAR_MIN {
                d.par_chunks_mut(PAR_TASK)
                    .zip(s.par_chunks(PAR_TASK))
                    .for_each(|(d, s)| {
                        for (d, &s) in d.iter_mut().zip(s) {
                            *d = g(*d, s);
                        }
                    });
                return Ok(());
            }
            for chunk in d.chunks_mut(k) {
                for (d, &s) in chunk.iter_mut().zip(s) {
                    *d = g(*d, s);
                }
            }
            return Ok(());
        }
    }
    let sv = src.broadcast(dst.raw_dim()).ok_or_else(|| internal(prim))?;
    Zip::from(dst).and(&sv).for_each(|d, &s| *d = g(*d, s));
    Ok(())
}

/// When `small` broadcasts to `big` by repeating whole row-major blocks (its shape without
/// leading 1s is a suffix of `big`), the block length: the common matrix-plus-row case runs
/// as plain slice loops. `None` for empty blocks.
fn block_len(big: &[usize], small: &[usize]) -> Option<usize> {
    let lead = small.iter().take_while(|&&d| d == 1).count();
    let s = &small[lead..];
    if s.len() > big.len() || big[big.len() - s.len()..] != *s {
        return None;
    }
    let k: usize = s.iter().product();
    (k > 0).then_some(k)
}

/// A new array of shape `out` with `f(a[i], b[i])`, both broadcast.
fn zip_new<T: Elem, R: Elem>(
    prim: &str,
    a: &ArrayD<T>,
    b: &ArrayD<T>,
    out: &[usize],
    f: impl Fn(T, T) -> R + Sync + Send,
) -> Result<ArrayD<R>> {
    if let (Some(x), Some(y)) = (a.as_slice(), b.as_slice()) {
        if a.shape() == out && b.shape() == out && x.len() >= PAR_MIN {
            let mut v = large_vec(x.len());
            x.par_iter()
                .zip(y.par_iter())
                .with_min_len(PAR_TASK)
                .map(|(&x, &y)| f(x, y))
                .collect_into_vec(&mut v);
            return from_shape_vec(out, v).ok_or_else(|| internal(prim));
        }
        let mut v: Vec<R> = Vec::new();
        if a.shape() == out {
            if let Some(k) = block_len(out, b.shape()) {
                v.reserve_exact(x.len());
                wide(|| {
                    for chunk in x.chunks(k) {
                        v.extend(chunk.iter().zip(y).map(|(&x, &y)| f(x, y)));
                    }
                });
            }
        } else if b.shape() == out {
            if let Some(k) = block_len(out, a.shape()) {
                v.reserve_exact(y.len());
                wide(|| {
                    for chunk in y.chunks(k) {
                        v.extend(x.iter().zip(chunk).map(|(&x, &y)| f(x, y)));
                    }
                });
            }
        }
        if !v.is_empty() {
            return from_shape_vec(out, v).ok_or_else(|| internal(prim));
        }
    }
    let av = a.broadcast(IxDyn(out)).ok_or_else(|| internal(prim))?;
    let bv = b.broadcast(IxDyn(out)).ok_or_else(|| internal(prim))?;
    Ok(Zip::from(&av).and(&bv).map_collect(|&x, &y| f(x, y)))
}

/// `f` elementwise over two broadcast operands of the result's own type, reusing a uniquely
/// owned operand buffer of the result shape.
fn zip_same<T: Elem>(
    prim: &str,
    a: Operand<T>,
    b: Operand<T>,
    out: &[usize],
    f: impl Fn(T, T) -> T + Copy + Sync + Send,
) -> Result<Operand<T>> {
    Ok(match (a, b) {
        (Operand::Scalar(x), Operand::Scalar(y)) => Operand::Scalar(f(x, y)),
        (Operand::Array(a), Operand::Scalar(y)) => Operand::Array(map_same(a, move |x| f(x, y))),
        (Operand::Scalar(x), Operand::Array(b)) => Operand::Array(map_same(b, move |y| f(x, y))),
        (Operand::Array(mut a), Operand::Array(mut b)) => {
            // the plain count first: variables' arrays (the common operands) are shared, and
            // get_mut's compare-exchange costs as much as a 30-element loop
            if a.shape() == out && Arc::strong_count(&a) == 1 {
                if let Some(m) = Arc::get_mut(&mut a) {
                    zip_into(prim, m, &b, f)?;
                    return Ok(Operand::Array(a));
                }
            }
            if b.shape() == out && Arc::strong_count(&b) == 1 {
                if let Some(m) = Arc::get_mut(&mut b) {
                    zip_into(prim, m, &a, move |y, x| f(x, y))?;
                    return Ok(Operand::Array(b));
                }
            }
            Operand::Array(Arc::new(zip_new(prim, &a, &b, out, f)?))
        }
    })
}

/// `f` elementwise over two broadcast operands into another element type.
fn zip_to<T: Elem, R: Elem>(
    prim: &str,
    a: &Operand<T>,
    b: &Operand<T>,
    out: &[usize],
    f: impl Fn(T, T) -> R + Copy + Sync + Send,
) -> Result<Operand<R>> {
    Ok(match (a, b) {
        (Operand::Scalar(x), Operand::Scalar(y)) => Operand::Scalar(f(*x, *y)),
        (Operand::Array(a), Operand::Scalar(y)) => {
            let y = *y;
            Operand::Array(Arc::new(par_map_new(a, move |x| f(x, y))))
        }
        (Operand::Scalar(x), Operand::Array(b)) => {
            let x = *x;
            Operand::Array(Arc::new(par_map_new(b, move |y| f(x, y))))
        }
        (Operand::Array(a), Operand::Array(b)) => {
            Operand::Array(Arc::new(zip_new(prim, a, b, out, f)?))
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Arithmetic

/// Binary arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    /// True division, always float64.
    Div,
    /// Floored remainder (NumPy `%`).
    Mod,
    /// Floored quotient (NumPy `//`).
    FloorDiv,
    Pow,
    /// NaN-propagating maximum.
    Max,
    /// NaN-propagating minimum.
    Min,
}

impl BinOp {
    /// The primitive that error messages name.
    pub fn name(self) -> &'static str {
        match self {
            BinOp::Add => "__add",
            BinOp::Sub => "__sub",
            BinOp::Mul => "__mul",
            BinOp::Div => "__div",
            BinOp::Mod => "__mod",
            BinOp::FloorDiv => "floor_divide",
            BinOp::Pow => "power",
            BinOp::Max => "maximum",
            BinOp::Min => "minimum",
        }
    }

    /// The dtype the operation computes in (and returns) for operands of dtypes `a` and
    /// `b`; `None` for bool - bool, which NumPy refuses.
    pub fn result_dtype(self, a: DType, b: DType) -> Option<DType> {
        let common = a.max(b);
        Some(match self {
            BinOp::Div => DType::Float,
            BinOp::Sub if common == DType::Bool => return None,
            BinOp::Mod | BinOp::FloorDiv | BinOp::Pow if common == DType::Bool => DType::Int,
            _ => common,
        })
    }
}

/// Floored integer remainder; `b` must not be 0. `i64::MIN % -1` is 0.
#[inline]
pub fn mod_i(a: i64, b: i64) -> i64 {
    let r = a.wrapping_rem(b);
    if r != 0 && ((r < 0) != (b < 0)) {
        r.wrapping_add(b)
    } else {
        r
    }
}

/// Floored integer quotient; `b` must not be 0. `i64::MIN // -1` wraps to `i64::MIN`.
#[inline]
pub fn floordiv_i(a: i64, b: i64) -> i64 {
    let q = a.wrapping_div(b);
    if a.wrapping_rem(b) != 0 && ((a < 0) != (b < 0)) {
        q.wrapping_sub(1)
    } else {
        q
    }
}

/// Wrapping integer power; `e` must not be negative.
#[inline]
pub fn pow_i(mut base: i64, e: i64) -> i64 {
    let mut e = e as u64;
    let mut acc: i64 = 1;
    while e > 0 {
        if e & 1 == 1 {
            acc = acc.wrapping_mul(base);
        }
        base = base.wrapping_mul(base);
        e >>= 1;
    }
    acc
}

/// NumPy's `npy_divmod` for floats: (floored quotient, remainder with the divisor's sign).
#[inline]
pub fn divmod_f(a: f64, b: f64) -> (f64, f64) {
    let m = a % b; // C fmod
    if b == 0.0 {
        return (a / b, m);
    }
    let mut div = (a - m) / b;
    let mut md = m;
    if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            md += b;
            div -= 1.0;
        }
    } else {
        md = 0.0f64.copysign(b);
    }
    let floordiv = if div != 0.0 {
        let mut fd = div.floor();
        if div - fd > 0.5 {
            fd += 1.0;
        }
        fd
    } else {
        0.0f64.copysign(a / b)
    };
    (floordiv, md)
}

/// NumPy `remainder` for floats: `x % 0.0` is NaN, `-7.5 % 2.0` is `0.5`.
#[inline]
pub fn mod_f(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        a % b
    } else {
        divmod_f(a, b).1
    }
}

/// NumPy `floor_divide` for floats: `x // 0.0` is `x / 0.0`.
#[inline]
pub fn floordiv_f(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        a / b
    } else {
        divmod_f(a, b).0
    }
}

#[inline]
pub fn max_f(a: f64, b: f64) -> f64 {
    if a >= b || a.is_nan() {
        a
    } else {
        b
    }
}

#[inline]
pub fn min_f(a: f64, b: f64) -> f64 {
    if a <= b || a.is_nan() {
        a
    } else {
        b
    }
}

/// Evaluates `$body` with `$f` bound to the float64 element function of `$op`: the one
/// table behind [`float_scalar`], `float_op` and [`binary_store`]. Each arm binds its own
/// function, so a loop over `$f` compiles to straight-line code for that operator.
macro_rules! with_float_fn {
    ($op:expr, $f:ident => $body:expr) => {
        match $op {
            BinOp::Add => {
                let $f = |x: f64, y: f64| x + y;
                $body
            }
            BinOp::Sub => {
                let $f = |x: f64, y: f64| x - y;
                $body
            }
            BinOp::Mul => {
                let $f = |x: f64, y: f64| x * y;
                $body
            }
            BinOp::Div => {
                let $f = |x: f64, y: f64| x / y;
                $body
            }
            BinOp::Mod => {
                let $f = mod_f;
                $body
            }
            BinOp::FloorDiv => {
                let $f = floordiv_f;
                $body
            }
            BinOp::Pow => {
                let $f = f64::powf;
                $body
            }
            BinOp::Max => {
                let $f = max_f;
                $body
            }
            BinOp::Min => {
                let $f = min_f;
                $body
            }
        }
    };
}

/// The float64 result of `op` on two floats.
#[inline]
pub fn float_scalar(op: BinOp, x: f64, y: f64) -> f64 {
    with_float_fn!(op, f => f(x, y))
}

fn zero_division(op: BinOp, pos: usize) -> Error {
    let what = if op == BinOp::Mod {
        "modulo"
    } else {
        "division"
    };
    Error::zero_division(format!("{}: integer {what} by zero", op.name()))
        .at_arg(pos, "this divisor is zero")
        .with_help("use float operands for IEEE results (x % 0.0 is nan, x // 0.0 is inf)")
}

fn negative_power(pos: usize) -> Error {
    Error::value("power: integers to negative integer powers are not allowed")
        .at_arg(pos, "this exponent is negative")
        .with_help("use a float base or exponent, e.g. power(2.0, -1)")
}

#[inline]
fn int_scalar(op: BinOp, x: i64, y: i64, pb: usize) -> Result<Value> {
    Ok(Value::Int(match op {
        BinOp::Add => x.wrapping_add(y),
        BinOp::Sub => x.wrapping_sub(y),
        BinOp::Mul => x.wrapping_mul(y),
        BinOp::Div => return Ok(Value::Float(x as f64 / y as f64)),
        BinOp::Mod | BinOp::FloorDiv if y == 0 => return Err(zero_division(op, pb)),
        BinOp::Mod => mod_i(x, y),
        BinOp::FloorDiv => floordiv_i(x, y),
        BinOp::Pow if y < 0 => return Err(negative_power(pb)),
        BinOp::Pow => pow_i(x, y),
        BinOp::Max => x.max(y),
        BinOp::Min => x.min(y),
    }))
}

/// Elementwise `a op b` with broadcasting and NumPy promotion; errors are labelled on
/// arguments 0 and 1.
pub fn binary(op: BinOp, a: Value, b: Value) -> Result<Value> {
    binary_at(op, a, b, 0, 1)
}

/// [`binary`] with the operands' argument positions for error labels.
pub fn binary_at(op: BinOp, a: Value, b: Value, pa: usize, pb: usize) -> Result<Value> {
    match (&a, &b) {
        (Value::Int(x), Value::Int(y)) => return int_scalar(op, *x, *y, pb),
        (Value::Float(x), Value::Float(y)) => return Ok(Value::Float(float_scalar(op, *x, *y))),
        (Value::Int(x), Value::Float(y)) => {
            return Ok(Value::Float(float_scalar(op, *x as f64, *y)))
        }
        (Value::Float(x), Value::Int(y)) => {
            return Ok(Value::Float(float_scalar(op, *x, *y as f64)))
        }
        _ => {}
    }
    let name = op.name();
    let na = Num::from_arg(name, pa, a)?;
    let nb = Num::from_arg(name, pb, b)?;
    binary_num(op, na, nb, pa, pb).map(Num::into_value)
}

/// [`binary_at`] on split numeric operands.
pub fn binary_num(op: BinOp, a: Num, b: Num, pa: usize, pb: usize) -> Result<Num> {
    let name = op.name();
    let dt = op.result_dtype(a.dtype(), b.dtype()).ok_or_else(|| {
        Error::type_error(format!("{name}: cannot subtract a bool from a bool"))
            .at_arg(pb, "this is a bool")
            .at_arg(pa, "this is a bool")
            .with_help("use logical_xor(a, b), or convert first with astype(a, \"int\")")
    })?;
    let out = out_shape(name, a.shape(), b.shape(), pa, pb, dt)?;
    Ok(match dt {
        DType::Float => Num::Float(float_op(op, a.into_float(), b.into_float(), &out)?),
        DType::Int => {
            let (x, y) = (a.into_int(), b.into_int());
            if !is_empty(&out) {
                let bad = match op {
                    BinOp::Mod | BinOp::FloorDiv => {
                        any(&y, |v| v == 0).then(|| zero_division(op, pb))
                    }
                    BinOp::Pow => any(&y, |v| v < 0).then(|| negative_power(pb)),
                    _ => None,
                };
                if let Some(e) = bad {
                    return Err(e);
                }
            }
            Num::Int(int_op(op, x, y, &out)?)
        }
        DType::Bool => Num::Bool(bool_op(op, a.into_bool(), b.into_bool(), &out)?),
    })
}

/// Outputs of at most this many elements may be written into the old array of the
/// variable a `store` assigns (here and in the fused kernel) instead of a fresh one. The
/// saving is fixed (an allocation, a free, an array header: ~100 ns), while writing lines
/// that another core has just read (a parallel GEMV split over the vector) costs per line:
/// lra 100000×30 on 2 threads, `store(error, pred - y)` took 107 µs instead of 49 µs.
/// Measured (lra, 2 threads, old array always vs never reused, µs per step): 569×30
/// 5.17/5.47, 1000×40 10.5/10.8, 2000×30 16.0/16.8, 4000×30 33.6/34.5, 8000×30 71.7/50.1;
/// the bound stays well below the loss.
pub const STORE_REUSE_MAX: usize = 1024;

/// `a op b` for `store(x, a op b)`, float64 result, written into `x`'s old array when that
/// saves an allocation; `old()` takes that array out of `x`. `None` (with `old` not called,
/// or its value dropped) when the ordinary path must run: other dtypes, a result shape not
/// that of an operand (that path checks the memory limit, which may fail), outputs above
/// [`STORE_REUSE_MAX`], or no suitable old array. When the old array is an operand,
/// dropping the variable's reference lets the ordinary path reuse it in place. The elements
/// are those of `float_op` (one table, `with_float_fn`): same operand order, ints converted
/// alike.
pub fn binary_store(
    op: BinOp,
    a: &Value,
    b: &Value,
    old: &mut dyn FnMut() -> Value,
) -> Option<Value> {
    let (x, y) = (Float::of(a)?, Float::of(b)?);
    let out = broadcast_pair(x.shape(), y.shape())?;
    if out != x.shape() && out != y.shape() {
        return None;
    }
    let n: usize = out.iter().product();
    if n == 0 || n > STORE_REUSE_MAX || out.is_empty() {
        return None;
    }
    let Value::Array(Array::Float(mut dst)) = old() else {
        return None;
    };
    if x.is(&dst) || y.is(&dst) || dst.shape() != out.as_slice() {
        return None;
    }
    let d = Arc::get_mut(&mut dst)?.as_slice_mut()?;
    let done = with_float_fn!(op, f => fill(d, &out, x, y, f));
    done.then(|| Value::Array(Array::Float(dst)))
}

/// A borrowed operand of [`binary_store`]: a float64 array, or a scalar as float64.
#[derive(Clone, Copy)]
enum Float<'a> {
    Scalar(f64),
    Array(&'a ArrayD<f64>),
}

impl<'a> Float<'a> {
    fn of(v: &'a Value) -> Option<Float<'a>> {
        Some(match v {
            Value::Float(x) => Float::Scalar(*x),
            Value::Int(i) => Float::Scalar(*i as f64),
            Value::Array(Array::Float(a)) => Float::Array(a),
            _ => return None,
        })
    }
    fn shape(&self) -> &[usize] {
        match self {
            Float::Scalar(_) => &[],
            Float::Array(a) => a.shape(),
        }
    }
    fn is(&self, a: &Arc<ArrayD<f64>>) -> bool {
        matches!(self, Float::Array(x) if std::ptr::eq(*x, &**a))
    }
}

/// `d[i] = f(a[i], b[i])` over the output's elements (`d` of shape `out`), when one operand
/// has shape `out` and the other is a scalar or repeats as whole row-major blocks (the
/// cases [`zip_new`] runs as plain loops); `false`, with nothing written, otherwise.
fn fill(d: &mut [f64], out: &[usize], a: Float, b: Float, f: impl Fn(f64, f64) -> f64) -> bool {
    // the operand of the output's shape, and how the other repeats along it
    let (big, small, swapped) = match (a, b) {
        (Float::Array(x), _) if x.shape() == out => (x, b, false),
        (_, Float::Array(y)) if y.shape() == out => (y, a, true),
        _ => return false,
    };
    let Some(xs) = big.as_slice() else {
        return false;
    };
    if swapped {
        fill_from(d, out, xs, small, |x, y| f(y, x))
    } else {
        fill_from(d, out, xs, small, f)
    }
}

/// [`fill`] with `xs` the operand of the output's shape: `d[i] = g(xs[i], small[i])`.
fn fill_from(
    d: &mut [f64],
    out: &[usize],
    xs: &[f64],
    small: Float,
    g: impl Fn(f64, f64) -> f64,
) -> bool {
    match small {
        Float::Scalar(y) => wide(|| {
            for (d, &x) in d.iter_mut().zip(xs) {
                *d = g(x, y);
            }
        }),
        Float::Array(s) => {
            let (Some(k), Some(ys)) = (block_len(out, s.shape()), s.as_slice()) else {
                return false;
            };
            wide(|| {
                for (dc, xc) in d.chunks_mut(k).zip(xs.chunks(k)) {
                    for ((d, &x), &y) in dc.iter_mut().zip(xc).zip(ys) {
                        *d = g(x, y);
                    }
                }
            })
        }
    }
    true
}

fn any<T: Elem>(o: &Operand<T>, p: impl Fn(T) -> bool) -> bool {
    match o {
        Operand::Scalar(x) => p(*x),
        Operand::Array(a) => a.iter().any(|&x| p(x)),
    }
}

fn float_op(op: BinOp, a: Operand<f64>, b: Operand<f64>, out: &[usize]) -> Result<Operand<f64>> {
    let n = op.name();
    with_float_fn!(op, f => zip_same(n, a, b, out, f))
}

/// Divisors and exponents were checked by the caller.
fn int_op(op: BinOp, a: Operand<i64>, b: Operand<i64>, out: &[usize]) -> Result<Operand<i64>> {
    let n = op.name();
    match op {
        BinOp::Add => zip_same(n, a, b, out, i64::wrapping_add),
        BinOp::Sub => zip_same(n, a, b, out, i64::wrapping_sub),
        BinOp::Mul => zip_same(n, a, b, out, i64::wrapping_mul),
        BinOp::Mod => zip_same(n, a, b, out, |x, y| if y == 0 { 0 } else { mod_i(x, y) }),
        BinOp::FloorDiv => zip_same(
            n,
            a,
            b,
            out,
            |x, y| if y == 0 { 0 } else { floordiv_i(x, y) },
        ),
        BinOp::Pow => zip_same(n, a, b, out, |x, y| if y < 0 { 0 } else { pow_i(x, y) }),
        BinOp::Max => zip_same(n, a, b, out, i64::max),
        BinOp::Min => zip_same(n, a, b, out, i64::min),
        // result_dtype sends `/` to float64
        BinOp::Div => Err(Error::internal("__div: integer computation requested")),
    }
}

fn bool_op(op: BinOp, a: Operand<bool>, b: Operand<bool>, out: &[usize]) -> Result<Operand<bool>> {
    let n = op.name();
    match op {
        BinOp::Add | BinOp::Max => zip_same(n, a, b, out, |x, y| x | y),
        BinOp::Mul | BinOp::Min => zip_same(n, a, b, out, |x, y| x & y),
        // result_dtype never computes these in bool
        _ => Err(Error::internal(format!("{n}: bool computation requested"))),
    }
}

// ---------------------------------------------------------------------------------------------
// Comparisons

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn name(self) -> &'static str {
        match self {
            CmpOp::Eq => "__eq",
            CmpOp::Ne => "__ne",
            CmpOp::Lt => "__lt",
            CmpOp::Le => "__le",
            CmpOp::Gt => "__gt",
            CmpOp::Ge => "__ge",
        }
    }

    #[inline]
    pub fn test<T: PartialOrd>(self, x: T, y: T) -> bool {
        match self {
            CmpOp::Eq => x == y,
            CmpOp::Ne => x != y,
            CmpOp::Lt => x < y,
            CmpOp::Le => x <= y,
            CmpOp::Gt => x > y,
            CmpOp::Ge => x >= y,
        }
    }

    fn holds_for(self, o: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Eq => o == Equal,
            CmpOp::Ne => o != Equal,
            CmpOp::Lt => o == Less,
            CmpOp::Le => o != Greater,
            CmpOp::Gt => o == Greater,
            CmpOp::Ge => o != Less,
        }
    }
}

/// Elementwise comparison in the common dtype with broadcasting. Returns bool, or with
/// `numeric` the common dtype holding 1/0. Also: strings compare bytewise; `==`/`!=` treat
/// nil and lists by whole-value equality.
pub fn compare(op: CmpOp, a: Value, b: Value, numeric: bool) -> Result<Value> {
    compare_at(op, a, b, numeric, 0, 1)
}

/// [`compare`] with the operands' argument positions for error labels.
pub fn compare_at(
    op: CmpOp,
    a: Value,
    b: Value,
    numeric: bool,
    pa: usize,
    pb: usize,
) -> Result<Value> {
    if !numeric {
        match (&a, &b) {
            (Value::Int(x), Value::Int(y)) => return Ok(Value::Bool(op.test(*x, *y))),
            (Value::Float(x), Value::Float(y)) => return Ok(Value::Bool(op.test(*x, *y))),
            (Value::Int(x), Value::Float(y)) => return Ok(Value::Bool(op.test(*x as f64, *y))),
            (Value::Float(x), Value::Int(y)) => return Ok(Value::Bool(op.test(*x, *y as f64))),
            _ => {}
        }
    }
    let name = op.name();
    match (&a, &b) {
        (Value::Str(x), Value::Str(y)) => {
            return Ok(Value::Bool(op.holds_for(x.as_bytes().cmp(y.as_bytes()))))
        }
        _ if a.is_numeric() && b.is_numeric() => {}
        _ if matches!(op, CmpOp::Eq | CmpOp::Ne)
            && (a.is_nil() || b.is_nil() || a.is_list() || b.is_list()) =>
        {
            let eq = values_equal_at(name, &a, &b, pa, pb)?;
            return Ok(Value::Bool(eq == (op == CmpOp::Eq)));
        }
        _ => {
            let (pos, v) = if a.is_numeric() { (pb, &b) } else { (pa, &a) };
            let other = if a.is_numeric() { &a } else { &b };
            return Err(Error::type_error(format!(
                "{name}: cannot compare a {} with a {}",
                v.describe(),
                other.describe()
            ))
            .at_arg(pos, format!("this is a {}", v.describe()))
            .with_help("comparisons work on numbers and arrays, and on two strings"));
        }
    }
    let na = Num::from_arg(name, pa, a)?;
    let nb = Num::from_arg(name, pb, b)?;
    let dt = na.dtype().max(nb.dtype());
    let out = out_shape(name, na.shape(), nb.shape(), pa, pb, DType::Bool)?;
    let r = match dt {
        DType::Bool => zip_to(name, &na.into_bool(), &nb.into_bool(), &out, move |x, y| {
            op.test(x, y)
        })?,
        DType::Int => zip_to(name, &na.into_int(), &nb.into_int(), &out, move |x, y| {
            op.test(x, y)
        })?,
        DType::Float => zip_to(
            name,
            &na.into_float(),
            &nb.into_float(),
            &out,
            move |x, y| op.test(x, y),
        )?,
    };
    Ok(if numeric {
        Num::Bool(r).cast(dt).into_value()
    } else {
        r.into_value()
    })
}

/// Whole-value equality (`==` on lists and nil, spec 4.5): nil equals only nil, lists are
/// equal when their lengths and all elements are, arrays when shapes and all elements are,
/// values of different kinds are unequal. Dicts and functions cannot be compared.
pub fn values_equal(a: &Value, b: &Value) -> Result<bool> {
    values_equal_at("__eq", a, b, 0, 1)
}

fn values_equal_at(name: &str, a: &Value, b: &Value, pa: usize, pb: usize) -> Result<bool> {
    if a.is_nil() || b.is_nil() {
        return Ok(a.is_nil() && b.is_nil());
    }
    for (v, p) in [(a, pa), (b, pb)] {
        if matches!(v, Value::Dict(_) | Value::Func(_)) {
            return Err(Error::type_error(format!(
                "{name}: a {} cannot be compared",
                v.describe()
            ))
            .at_arg(p, format!("this is a {}", v.describe())));
        }
    }
    Ok(match (a, b) {
        (Value::Str(x), Value::Str(y)) => x == y,
        _ if a.is_list() && b.is_list() => match (a.list_items(), b.list_items()) {
            (Some(x), Some(y)) => {
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (u, v) in x.iter().zip(y.iter()) {
                    if !values_equal_at(name, u, v, pa, pb)? {
                        return Ok(false);
                    }
                }
                true
            }
            _ => false,
        },
        _ if a.is_numeric() && b.is_numeric() => match (a.to_array(), b.to_array()) {
            (Some(x), Some(y)) => arrays_equal(&x, &y),
            _ => false,
        },
        _ => false,
    })
}

/// Same shape and all elements equal in the common dtype (NaN is unequal to itself).
pub fn arrays_equal(a: &Array, b: &Array) -> bool {
    if a.shape() != b.shape() {
        return false;
    }
    match a.dtype().max(b.dtype()) {
        DType::Bool => a
            .as_bool()
            .iter()
            .zip(b.as_bool().iter())
            .all(|(x, y)| x == y),
        DType::Int => a
            .as_int()
            .iter()
            .zip(b.as_int().iter())
            .all(|(x, y)| x == y),
        DType::Float => a
            .as_float()
            .iter()
            .zip(b.as_float().iter())
            .all(|(x, y)| x == y),
    }
}

// ---------------------------------------------------------------------------------------------
// Logic

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogicOp {
    And,
    Or,
    Xor,
}

impl LogicOp {
    pub fn name(self) -> &'static str {
        match self {
            LogicOp::And => "__and",
            LogicOp::Or => "__or",
            LogicOp::Xor => "__xor",
        }
    }
}

/// An operand of a logical operator as bools: numbers elementwise "nonzero", nil false,
/// lists and dicts by truthiness (spec 3.5); strings and functions are type errors.
pub fn truth_operand(prim: &str, pos: usize, v: Value) -> Result<Operand<bool>> {
    match v {
        Value::Nil => Ok(Operand::Scalar(false)),
        Value::List(_) | Value::Range(_) | Value::Dict(_) => {
            Ok(Operand::Scalar(v.truthy().unwrap_or(false)))
        }
        Value::Str(_) | Value::Func(_) => Err(Error::type_error(format!(
            "{prim}: a {} does not hold a boolean value",
            v.describe()
        ))
        .at_arg(pos, format!("this is a {}", v.describe()))),
        other => Ok(Num::from_arg(prim, pos, other)?.into_bool()),
    }
}

/// Elementwise logical and/or/xor with broadcasting; bool result.
pub fn logical(op: LogicOp, a: Value, b: Value) -> Result<Value> {
    logical_at(op, a, b, 0, 1)
}

/// [`logical`] with the operands' argument positions for error labels.
pub fn logical_at(op: LogicOp, a: Value, b: Value, pa: usize, pb: usize) -> Result<Value> {
    if let (Value::Bool(x), Value::Bool(y)) = (&a, &b) {
        return Ok(Value::Bool(match op {
            LogicOp::And => *x && *y,
            LogicOp::Or => *x || *y,
            LogicOp::Xor => *x != *y,
        }));
    }
    let name = op.name();
    let x = truth_operand(name, pa, a)?;
    let y = truth_operand(name, pb, b)?;
    let out = out_shape(name, x.shape(), y.shape(), pa, pb, DType::Bool)?;
    let r = match op {
        LogicOp::And => zip_same(name, x, y, &out, |x, y| x & y)?,
        LogicOp::Or => zip_same(name, x, y, &out, |x, y| x | y)?,
        LogicOp::Xor => zip_same(name, x, y, &out, |x, y| x ^ y)?,
    };
    Ok(r.into_value())
}

/// Elementwise logical negation; bool result.
pub fn logical_not(a: Value) -> Result<Value> {
    if let Value::Bool(x) = a {
        return Ok(Value::Bool(!x));
    }
    Ok(truth_operand("__not", 0, a)?.map(|x| !x).into_value())
}

// ---------------------------------------------------------------------------------------------
// where / nonzero

/// `where(cond, x, y)`: x where cond is nonzero, else y; all three broadcast, result in the
/// common dtype of x and y. Labels arguments 0, 1, 2.
pub fn select(cond: Value, x: Value, y: Value) -> Result<Value> {
    let name = "where";
    let c = truth_operand(name, 0, cond)?;
    let x = Num::from_arg(name, 1, x)?;
    let y = Num::from_arg(name, 2, y)?;
    let dt = x.dtype().max(y.dtype());
    let out = broadcast_shapes(&[c.shape(), x.shape(), y.shape()]).map_err(|e| e.context(name))?;
    check_shape(&out, dt)?;
    Ok(match dt {
        DType::Bool => select_t(&c, &x.into_bool(), &y.into_bool(), &out)?.into_value(),
        DType::Int => select_t(&c, &x.into_int(), &y.into_int(), &out)?.into_value(),
        DType::Float => select_t(&c, &x.into_float(), &y.into_float(), &out)?.into_value(),
    })
}

fn select_t<T: Elem>(
    c: &Operand<bool>,
    x: &Operand<T>,
    y: &Operand<T>,
    out: &[usize],
) -> Result<Operand<T>> {
    if let (Operand::Scalar(c), Operand::Scalar(x), Operand::Scalar(y)) = (c, x, y) {
        return Ok(Operand::Scalar(if *c { *x } else { *y }));
    }
    let (c, x, y) = (c.to_arc(), x.to_arc(), y.to_arc());
    let shape = IxDyn(out);
    let cv = c
        .broadcast(shape.clone())
        .ok_or_else(|| internal("where"))?;
    let xv = x
        .broadcast(shape.clone())
        .ok_or_else(|| internal("where"))?;
    let yv = y.broadcast(shape).ok_or_else(|| internal("where"))?;
    let r = Zip::from(&cv)
        .and(&xv)
        .and(&yv)
        .map_collect(|&c, &x, &y| if c { x } else { y });
    Ok(Operand::Array(Arc::new(r)))
}

/// `nonzero(a)`: a list of int64 index vectors, one per axis (one for 0-D input), locating
/// the nonzero elements in row-major order.
pub fn nonzero(a: Value, prim: &str) -> Result<Value> {
    let b = Num::from_arg(prim, 0, a)?.into_bool();
    let a = b.to_arc();
    let ndim = a.ndim().max(1);
    let mut idx: Vec<Vec<i64>> = vec![Vec::new(); ndim];
    if a.ndim() == 0 {
        if a.iter().any(|&x| x) {
            idx[0].push(0);
        }
    } else {
        for (pos, &x) in a.indexed_iter() {
            if x {
                for (k, v) in idx.iter_mut().enumerate() {
                    v.push(pos[k] as i64);
                }
            }
        }
    }
    Ok(Value::list(
        idx.into_iter()
            .map(|v| Value::Array(Array::from_int(ndarray::Array1::from(v).into_dyn())))
            .collect(),
    ))
}

#[cfg(test)]
#[rustfmt::skip]
mod tests {
    use super::*;

    fn floats(v: &[f64]) -> Value {
        Value::from(ArrayD::from_shape_vec(IxDyn(&[v.len()]), v.to_vec()).unwrap())
    }

    fn ptr(v: &Value) -> *const f64 {
        match v {
            Value::Array(Array::Float(a)) => a.as_ptr(),
            _ => std::ptr::null(),
        }
    }

    fn bits(v: &Value) -> Vec<u64> {
        match v {
            Value::Array(Array::Float(a)) => a.iter().map(|x| x.to_bits()).collect(),
            other => panic!("not a float array: {other:?}"),
        }
    }

    fn shaped(shape: &[usize], v: Vec<f64>) -> Value {
        Value::from(ArrayD::from_shape_vec(IxDyn(shape), v).unwrap())
    }

    /// Awkward values: signed zeros, infinities, NaN, subnormals.
    fn values(n: usize, seed: usize) -> Vec<f64> {
        let special = [0.0, -0.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 5e-324, -1.5];
        (0..n)
            .map(|i| match (i * 7 + seed) % 11 {
                k if k < special.len() => special[k],
                k => (k as f64 - 8.5) * 0.75 + i as f64,
            })
            .collect()
    }

    #[test]
    fn binary_store_writes_the_old_array_with_the_plain_results() {
        let ops = [
            BinOp::Add,
            BinOp::Sub,
            BinOp::Mul,
            BinOp::Div,
            BinOp::Mod,
            BinOp::FloorDiv,
            BinOp::Pow,
            BinOp::Max,
            BinOp::Min,
        ];
        for n in [1, 3, 7, 8, 9, 30, 300] {
            let cases = [
                (floats(&values(n, 0)), floats(&values(n, 3))),
                (floats(&values(n, 1)), Value::Float(-0.0)),
                (Value::Float(2.5), floats(&values(n, 2))),
                (Value::Int(3), floats(&values(n, 4))),
                (shaped(&[2, n], values(2 * n, 5)), floats(&values(n, 6))),
                (shaped(&[1, n], values(n, 5)), shaped(&[3, 1, n], values(3 * n, 6))),
            ];
            for (a, b) in cases {
                for op in ops {
                    let want = binary(op, a.clone(), b.clone()).unwrap();
                    let shape = want.shape().unwrap().to_vec();
                    let n_out = shape.iter().product();
                    let old = shaped(&shape, vec![7.0; n_out]);
                    let p = ptr(&old);
                    let mut old = Some(old);
                    let got = binary_store(op, &a, &b, &mut || old.take().unwrap_or_default())
                        .expect("written into the old array");
                    assert_eq!(ptr(&got), p, "{op:?} n={n}");
                    assert_eq!(got.shape(), want.shape(), "{op:?} n={n}");
                    assert_eq!(bits(&got), bits(&want), "{op:?} n={n} {a:?} {b:?}");
                }
            }
        }
    }

    #[test]
    fn binary_store_leaves_other_cases_to_the_plain_path() {
        let a = floats(&[1.0, 2.0, 3.0]);
        let b = floats(&[0.5, 0.25, 0.125]);
        let old = || floats(&[0.0; 3]);
        let none = |a: &Value, b: &Value, old: Value| {
            let mut old = Some(old);
            binary_store(BinOp::Sub, a, b, &mut || old.take().unwrap_or_default()).is_none()
        };
        // the old array is an operand, shared, of another shape, not float64, absent
        assert!(none(&a, &b, a.clone()));
        let shared = old();
        let _keep = shared.clone();
        assert!(none(&a, &b, shared));
        assert!(none(&a, &b, floats(&[0.0; 4])));
        assert!(none(&a, &b, Value::Int(0)));
        assert!(none(&a, &b, Value::Nil));
        // operands of another dtype, a result of neither operand's shape, a mismatch
        let ints = Value::from(ArrayD::from_shape_vec(IxDyn(&[3]), vec![1i64, 2, 3]).unwrap());
        assert!(none(&ints, &b, old()));
        assert!(none(&Value::Bool(true), &b, old()));
        let col = shaped(&[3, 1], vec![1.0, 2.0, 3.0]);
        assert!(none(&col, &b, shaped(&[3, 3], vec![0.0; 9])));
        assert!(none(&a, &floats(&[1.0, 2.0]), old()));
        // larger outputs get a fresh array
        let n = STORE_REUSE_MAX + 1;
        assert!(none(&floats(&vec![1.0; n]), &Value::Float(1.0), floats(&vec![0.0; n])));
        let n = STORE_REUSE_MAX;
        assert!(!none(&floats(&vec![1.0; n]), &Value::Float(1.0), floats(&vec![0.0; n])));
    }

    #[test]
    fn unique_buffers_are_reused() {
        let a = floats(&[1.0, 2.0]);
        let pa = ptr(&a);
        let r = binary(BinOp::Add, a, Value::Float(1.0)).unwrap();
        assert_eq!(ptr(&r), pa);

        // left shared, right unique: the right buffer is reused, the left is untouched
        let a = floats(&[1.0, 2.0]);
        let keep = a.clone();
        let b = floats(&[10.0, 20.0]);
        let pb = ptr(&b);
        let r = binary(BinOp::Sub, a, b).unwrap();
        assert_eq!(ptr(&r), pb);
        assert_eq!(format::plain(&r), "[-9, -18]");
        assert_eq!(format::plain(&keep), "[1, 2]");

        // both shared: a new buffer
        let a = floats(&[1.0, 2.0]);
        let keep = a.clone();
        let r = binary(BinOp::Mul, a, keep.clone()).unwrap();
        assert_ne!(ptr(&r), ptr(&keep));
        assert_eq!(format::plain(&r), "[1, 4]");

        // broadcasting into the operand that has the result shape
        let m = Value::from(ArrayD::from_shape_vec(IxDyn(&[2, 2]), vec![1.0, 2.0, 3.0, 4.0]).unwrap());
        let pm = ptr(&m);
        let r = binary(BinOp::Div, floats(&[1.0, 2.0]), m).unwrap();
        assert_eq!(ptr(&r), pm);
        assert_eq!(format::plain(&r), "[[1, 1], [0.333333, 0.5]]");
    }

    use crate::value::format;

    #[test]
    fn scalar_fast_paths() {
        assert!(matches!(binary(BinOp::Add, Value::Int(1), Value::Int(2)), Ok(Value::Int(3)) ));
        assert!(matches!(binary(BinOp::Div, Value::Int(1), Value::Int(2)), Ok(Value::Float(x)) if x == 0.5) );
        assert!(matches!(binary(BinOp::Max, Value::Int(1), Value::Float(0.5)), Ok(Value::Float(x)) if x == 1.0) );
        assert!(matches!(binary(BinOp::Add, Value::Bool(true), Value::Bool(true)), Ok(Value::Bool(true)) ));
        assert!(matches!(compare(CmpOp::Lt, Value::Int(1), Value::Float(1.5), false), Ok(Value::Bool(true)) ));
        assert!(matches!(compare(CmpOp::Lt, Value::Int(1), Value::Float(1.5), true), Ok(Value::Float(x)) if x == 1.0) );
        assert!(matches!(compare(CmpOp::Eq, Value::Bool(true), Value::Int(1), true), Ok(Value::Int(1)) ));
        let e = binary(BinOp::Mod, Value::Int(1), Value::Int(0)).unwrap_err();
        assert_eq!(e.code(), "physl::zero_division");
        let e = binary_at(BinOp::FloorDiv, Value::Int(1), Value::Bool(false), 3, 4).unwrap_err();
        assert!(e
            .labels()
            .iter()
            .any(|l| l.place == crate::diagnostics::Place::Arg(4)));
    }

    #[test]
    fn integer_helpers() {
        assert_eq!(mod_i(-7, 3), 2);
        assert_eq!(mod_i(7, -3), -2);
        assert_eq!(mod_i(i64::MIN, -1), 0);
        assert_eq!(floordiv_i(-7, 2), -4);
        assert_eq!(floordiv_i(7, -2), -4);
        assert_eq!(floordiv_i(6, -2), -3);
        assert_eq!(floordiv_i(i64::MIN, -1), i64::MIN);
        assert_eq!(pow_i(3, 4), 81);
        assert_eq!(pow_i(-2, 3), -8);
        assert_eq!(pow_i(7, 0), 1);
        assert_eq!(pow_i(0, 0), 1);
    }

    #[test]
    fn float_helpers_follow_numpy() {
        assert_eq!(divmod_f(7.0, 2.0), (3.0, 1.0));
        assert_eq!(divmod_f(-7.0, 2.0), (-4.0, 1.0));
        assert_eq!(divmod_f(7.0, -2.0), (-4.0, -1.0));
        assert!(mod_f(1.0, 0.0).is_nan());
        assert_eq!(floordiv_f(1.0, 0.0), f64::INFINITY);
        assert!(floordiv_f(f64::NAN, 2.0).is_nan());
        assert!(max_f(f64::NAN, 1.0).is_nan() && max_f(1.0, f64::NAN).is_nan());
        assert!(min_f(f64::NAN, 1.0).is_nan() && min_f(1.0, f64::NAN).is_nan());
        // 0.0 % -2.0 takes the divisor's sign
        assert!(mod_f(0.0, -2.0).is_sign_negative());
    }

    #[test]
    fn where_and_nonzero() {
        let c = Value::from(ArrayD::from_shape_vec(IxDyn(&[3]), vec![true, false, true]).unwrap());
        let m = Value::from(ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![1i64, 2, 3, 4, 5, 6]).unwrap());
        let r = select(c.clone(), m, Value::Int(0)).unwrap();
        assert_eq!(format::plain(&r), "[[1, 0, 3], [4, 0, 6]]");
        let r = select(Value::Bool(false), Value::Int(1), Value::Float(2.5)).unwrap();
        assert!(matches!(r, Value::Float(x) if x == 2.5));
        let e = select(c.clone(), floats(&[1.0, 2.0]), Value::Int(0)).unwrap_err();
        assert_eq!(e.code(), "physl::shape");
        let e = select(c, Value::from("x"), Value::Int(0)).unwrap_err();
        assert_eq!(e.code(), "physl::type");
        let r = nonzero(Value::Int(5), "nonzero").unwrap();
        assert_eq!(format::plain(&r), "list([0])");
        let r = nonzero(Value::Float(0.0), "nonzero").unwrap();
        assert_eq!(format::plain(&r), "list([])");
        let t = Value::from(ArrayD::from_shape_vec(IxDyn(&[1, 1, 2, 2]), vec![0, 1, 1, 0i64]).unwrap());
        let r = nonzero(t, "nonzero").unwrap();
        assert_eq!(format::plain(&r), "list([0, 0], [0, 0], [0, 1], [1, 0])");
    }

    #[test]
    fn whole_value_equality() {
        let l = |v: Vec<Value>| Value::list(v);
        assert!(values_equal(&l(vec![Value::Int(1), floats(&[1.0])]), &l(vec![Value::Float(1.0), floats(&[1.0])]) ) .unwrap());
        assert!(!values_equal(&l(vec![floats(&[1.0, 2.0])]), &l(vec![floats(&[1.0])])).unwrap());
        assert!(!values_equal(&l(vec![Value::Float(f64::NAN)]), &l(vec![Value::Float(f64::NAN)]) ) .unwrap());
        assert!(!values_equal(&l(vec![Value::from("a")]), &l(vec![Value::Int(1)])).unwrap());
        assert!(values_equal(&Value::Nil, &Value::Nil).unwrap());
        let d = Value::Dict(std::sync::Arc::new(crate::value::Dict::new()));
        assert_eq!(values_equal(&l(vec![d.clone()]), &l(vec![d])) .unwrap_err() .code(), "physl::type" );
    }
}
