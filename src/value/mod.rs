//! Runtime values.
//!
//! Invariants every module relies on:
//! - A number is a 0-D value and is always held as a scalar variant (`Bool`, `Int`, `Float`):
//!   `Value::Array` never holds a 0-D array. [`Value::from_array`] normalises.
//! - Cloning any value is O(1): arrays, strings, lists and dicts are behind `Arc`.
//! - Arrays are copy-on-write: [`Array::make_mut_f64`] and friends write in place when the
//!   `Arc` is unique and copy otherwise, so no two bindings ever observe each other's writes.
//!   Every in-place path goes through `Arc::get_mut` (fails while a `Weak` exists),
//!   `Arc::make_mut` (then moves the data to a new allocation) or `Arc::try_unwrap` (ends
//!   the `Arc`): an allocation a `Weak` points to is never written under the same pointer.
//!   `kernels::rowpass` relies on this to know that a recorded `transpose(x)` still is the
//!   transpose of `x`; new in-place paths must keep it (no `get_mut_unchecked`, no writes
//!   through raw pointers into shared arrays).
//! - Arrays have 1 to 4 dimensions ([`MAX_NDIM`]).

pub mod broadcast;
pub mod format;
pub mod future;

use crate::diagnostics::{Error, Result};
use indexmap::IndexMap;
use ndarray::{ArrayD, IxDyn};
use std::any::Any;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// At most this many dimensions (scalar, vector, matrix, tensor, quatern).
pub const MAX_NDIM: usize = 4;

/// Element types, ordered by promotion: bool < int64 < float64.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DType {
    Bool,
    Int,
    Float,
}

impl DType {
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::Int => "int64",
            DType::Float => "float64",
        }
    }

    /// Parses a dtype argument (spec 3.2): `"bool"`, anything starting with `"int"` or
    /// `"float"`.
    pub fn parse(name: &str) -> Option<DType> {
        if name == "bool" {
            Some(DType::Bool)
        } else if name.starts_with("int") {
            Some(DType::Int)
        } else if name.starts_with("float") {
            Some(DType::Float)
        } else {
            None
        }
    }

    pub fn size_of(self) -> usize {
        match self {
            DType::Bool => 1,
            DType::Int | DType::Float => 8,
        }
    }
}

/// A dtype-tagged n-D array (1 to 4 dimensions) with copy-on-write storage.
#[derive(Clone)]
pub enum Array {
    Bool(Arc<ArrayD<bool>>),
    Int(Arc<ArrayD<i64>>),
    Float(Arc<ArrayD<f64>>),
}

/// Applies the same generic expression to whichever typed array is inside.
#[macro_export]
macro_rules! with_array {
    ($array:expr, $a:ident => $body:expr) => {
        match $array {
            $crate::value::Array::Bool($a) => $body,
            $crate::value::Array::Int($a) => $body,
            $crate::value::Array::Float($a) => $body,
        }
    };
}

impl Array {
    pub fn dtype(&self) -> DType {
        match self {
            Array::Bool(_) => DType::Bool,
            Array::Int(_) => DType::Int,
            Array::Float(_) => DType::Float,
        }
    }

    pub fn shape(&self) -> &[usize] {
        with_array!(self, a => a.shape())
    }

    pub fn ndim(&self) -> usize {
        self.shape().len()
    }

    pub fn len(&self) -> usize {
        with_array!(self, a => a.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn from_bool(a: ArrayD<bool>) -> Array {
        Array::Bool(Arc::new(a))
    }
    pub fn from_int(a: ArrayD<i64>) -> Array {
        Array::Int(Arc::new(a))
    }
    pub fn from_float(a: ArrayD<f64>) -> Array {
        Array::Float(Arc::new(a))
    }

    /// A 0-D array holding a scalar value.
    pub fn scalar(v: &Value) -> Option<Array> {
        Some(match *v {
            Value::Bool(b) => Array::from_bool(ArrayD::from_elem(IxDyn(&[]), b)),
            Value::Int(i) => Array::from_int(ArrayD::from_elem(IxDyn(&[]), i)),
            Value::Float(f) => Array::from_float(ArrayD::from_elem(IxDyn(&[]), f)),
            _ => return None,
        })
    }

    /// Converts to another dtype (a no-op clone when it already is). float → int truncates
    /// toward zero, saturating, NaN → 0 (spec 3.3); number → bool is "nonzero".
    pub fn cast(&self, dtype: DType) -> Array {
        match (self, dtype) {
            (Array::Bool(_), DType::Bool)
            | (Array::Int(_), DType::Int)
            | (Array::Float(_), DType::Float) => self.clone(),
            (_, DType::Bool) => Array::from_bool(self.to_bool_array()),
            (_, DType::Int) => Array::from_int(self.to_int_array()),
            (_, DType::Float) => Array::from_float(self.to_float_array()),
        }
    }

    pub fn to_float_array(&self) -> ArrayD<f64> {
        match self {
            Array::Bool(a) => a.mapv(|b| b as u8 as f64),
            Array::Int(a) => a.mapv(|i| i as f64),
            Array::Float(a) => (**a).clone(),
        }
    }

    pub fn to_int_array(&self) -> ArrayD<i64> {
        match self {
            Array::Bool(a) => a.mapv(|b| b as i64),
            Array::Int(a) => (**a).clone(),
            Array::Float(a) => a.mapv(|f| f as i64), // `as` saturates and maps NaN to 0
        }
    }

    pub fn to_bool_array(&self) -> ArrayD<bool> {
        match self {
            Array::Bool(a) => (**a).clone(),
            Array::Int(a) => a.mapv(|i| i != 0),
            Array::Float(a) => a.mapv(|f| f != 0.0),
        }
    }

    /// Shared float view: borrows when already float64, converts otherwise.
    pub fn as_float(&self) -> Arc<ArrayD<f64>> {
        match self {
            Array::Float(a) => a.clone(),
            _ => Arc::new(self.to_float_array()),
        }
    }

    pub fn as_int(&self) -> Arc<ArrayD<i64>> {
        match self {
            Array::Int(a) => a.clone(),
            _ => Arc::new(self.to_int_array()),
        }
    }

    pub fn as_bool(&self) -> Arc<ArrayD<bool>> {
        match self {
            Array::Bool(a) => a.clone(),
            _ => Arc::new(self.to_bool_array()),
        }
    }

    /// Element `i` in row-major order, as a scalar value.
    pub fn get_flat(&self, i: usize) -> Option<Value> {
        fn nth<T: Copy>(a: &ArrayD<T>, i: usize) -> Option<T> {
            match a.as_slice() {
                Some(s) => s.get(i).copied(),
                None => a.iter().nth(i).copied(),
            }
        }
        Some(match self {
            Array::Bool(a) => Value::Bool(nth(a, i)?),
            Array::Int(a) => Value::Int(nth(a, i)?),
            Array::Float(a) => Value::Float(nth(a, i)?),
        })
    }

    /// True when any element is nonzero (array truthiness, spec 3.5).
    pub fn any_nonzero(&self) -> bool {
        match self {
            Array::Bool(a) => a.iter().any(|&b| b),
            Array::Int(a) => a.iter().any(|&i| i != 0),
            Array::Float(a) => a.iter().any(|&f| f != 0.0),
        }
    }

    /// Mutable access for in-place updates: copies the data first when it is shared (and
    /// moves it to a new allocation when only `Weak`s share it: see the module invariants).
    pub fn make_mut_f64(a: &mut Arc<ArrayD<f64>>) -> &mut ArrayD<f64> {
        Arc::make_mut(a)
    }
}

impl fmt::Debug for Array {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{:?}:{}",
            self.dtype().name(),
            self.shape(),
            format::plain_array(self)
        )
    }
}

/// A function value. The value layer knows only this interface; the runtime implements it
/// for primitives, user functions and closures and downcasts through `as_any`.
pub trait FuncObj: Send + Sync + fmt::Debug {
    /// The name it was defined with, the primitive name, or `"lambda"`.
    fn name(&self) -> &str;
    fn as_any(&self) -> &dyn Any;
}

/// A lazy int64 sequence like Python's `range` (spec 2.8); behaves as a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub start: i64,
    pub stop: i64,
    /// Never 0.
    pub step: i64,
}

impl Range {
    pub fn len(&self) -> usize {
        let (start, stop, step) = (self.start as i128, self.stop as i128, self.step as i128);
        let n = if step > 0 {
            (stop - start + step - 1).div_euclid(step)
        } else {
            (start - stop - step - 1).div_euclid(-step)
        };
        n.max(0) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> Option<i64> {
        (i < self.len()).then(|| self.start.wrapping_add((i as i64).wrapping_mul(self.step)))
    }

    pub fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

/// A hashable dict key: 0-D numbers and strings, compared by value and kind (`1` and `1.0`
/// are different keys).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    Bool(bool),
    Int(i64),
    /// The float's bits; `-0.0` is normalised to `0.0`.
    Float(u64),
    Str(Arc<str>),
}

impl Key {
    pub fn from_value(v: &Value) -> Result<Key> {
        Ok(match v {
            Value::Bool(b) => Key::Bool(*b),
            Value::Int(i) => Key::Int(*i),
            Value::Float(f) => Key::Float(if *f == 0.0 { 0u64 } else { f.to_bits() }),
            Value::Str(s) => Key::Str(s.clone()),
            other => {
                return Err(Error::type_error(format!(
                    "a {} cannot be a dict key",
                    other.kind_name()
                ))
                .with_help("dict keys are 0-D numbers, bools or strings"))
            }
        })
    }

    pub fn to_value(&self) -> Value {
        match self {
            Key::Bool(b) => Value::Bool(*b),
            Key::Int(i) => Value::Int(*i),
            Key::Float(bits) => Value::Float(f64::from_bits(*bits)),
            Key::Str(s) => Value::Str(s.clone()),
        }
    }
}

/// Insertion-ordered dictionary.
pub type Dict = IndexMap<Key, Value>;

/// A physl value. 24 bytes; clone is O(1).
#[derive(Clone, Default)]
pub enum Value {
    #[default]
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// 1-D to 4-D arrays (never 0-D, see the module invariants).
    Array(Array),
    Str(Arc<str>),
    List(Arc<Vec<Value>>),
    Range(Arc<Range>),
    Dict(Arc<Dict>),
    Func(Arc<dyn FuncObj>),
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format::physl_repr(self))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}
impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(Arc::from(s))
    }
}
impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Value {
        Value::List(Arc::new(v))
    }
}
impl From<Array> for Value {
    fn from(a: Array) -> Value {
        Value::from_array(a)
    }
}
impl From<ArrayD<f64>> for Value {
    fn from(a: ArrayD<f64>) -> Value {
        Value::from_array(Array::from_float(a))
    }
}
impl From<ArrayD<i64>> for Value {
    fn from(a: ArrayD<i64>) -> Value {
        Value::from_array(Array::from_int(a))
    }
}
impl From<ArrayD<bool>> for Value {
    fn from(a: ArrayD<bool>) -> Value {
        Value::from_array(Array::from_bool(a))
    }
}

impl Value {
    /// Wraps an array, turning a 0-D array into a scalar.
    pub fn from_array(a: Array) -> Value {
        if a.ndim() == 0 {
            a.get_flat(0).unwrap_or(Value::Nil)
        } else {
            Value::Array(a)
        }
    }

    pub fn str(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Arc::new(items))
    }

    /// The kind name used in messages and by `__name` (spec 4.3).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int64",
            Value::Float(_) => "float64",
            Value::Array(a) => a.dtype().name(),
            Value::Str(_) => "string",
            Value::List(_) | Value::Range(_) => "list",
            Value::Dict(_) => "dict",
            Value::Func(_) => "function",
        }
    }

    /// A longer description for error messages, e.g. "int64 array of shape [2, 3]".
    pub fn describe(&self) -> String {
        match self {
            Value::Array(a) => format!("{} array of shape {:?}", a.dtype().name(), a.shape()),
            Value::Bool(_) | Value::Int(_) | Value::Float(_) => {
                format!("{} scalar", self.kind_name())
            }
            Value::Str(_) => "string".into(),
            Value::List(_) | Value::Range(_) => "list".into(),
            Value::Dict(_) => "dict".into(),
            Value::Func(_) if future::Future::of(self).is_some() => "future".to_string(),
            Value::Func(f) => format!("function `{}`", f.name()),
            Value::Nil => "nil".into(),
        }
    }

    /// `__type` code (spec 3.1).
    pub fn type_code(&self) -> i64 {
        match self {
            Value::Nil => 0,
            Value::Bool(_) => 1,
            Value::Int(_) => 2,
            Value::Str(_) => 3,
            Value::Float(_) => 4,
            Value::Array(a) => match a.dtype() {
                DType::Bool => 1,
                DType::Int => 2,
                DType::Float => 4,
            },
            Value::Func(_) => 5,
            Value::List(_) | Value::Range(_) => 7,
            Value::Dict(_) => 8,
        }
    }

    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// True for numeric values (scalars and arrays).
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Array(_)
        )
    }

    pub fn is_scalar(&self) -> bool {
        matches!(self, Value::Bool(_) | Value::Int(_) | Value::Float(_))
    }

    pub fn is_list(&self) -> bool {
        matches!(self, Value::List(_) | Value::Range(_))
    }

    /// The dtype of a numeric value.
    pub fn dtype(&self) -> Option<DType> {
        match self {
            Value::Bool(_) => Some(DType::Bool),
            Value::Int(_) => Some(DType::Int),
            Value::Float(_) => Some(DType::Float),
            Value::Array(a) => Some(a.dtype()),
            _ => None,
        }
    }

    /// The shape of a numeric value (`[]` for scalars).
    pub fn shape(&self) -> Option<&[usize]> {
        match self {
            Value::Bool(_) | Value::Int(_) | Value::Float(_) => Some(&[]),
            Value::Array(a) => Some(a.shape()),
            _ => None,
        }
    }

    /// A numeric value as an array (scalars become 0-D arrays); `None` for other kinds.
    pub fn to_array(&self) -> Option<Array> {
        match self {
            Value::Array(a) => Some(a.clone()),
            v => Array::scalar(v),
        }
    }

    /// A numeric value as an array, or a type error naming `what`.
    pub fn expect_array(&self, what: &str) -> Result<Array> {
        self.to_array().ok_or_else(|| {
            Error::type_error(format!("{what} must be numeric, not {}", self.describe()))
        })
    }

    /// `clone`, with the plain numbers copied inline: the derived `clone` is an
    /// out-of-line call, which the interpreter's hot paths (constants, local reads) feel.
    #[inline(always)]
    pub fn clone_fast(&self) -> Value {
        match self {
            Value::Int(i) => Value::Int(*i),
            Value::Float(f) => Value::Float(*f),
            Value::Bool(b) => Value::Bool(*b),
            _ => self.clone(),
        }
    }

    /// Truthiness (spec 3.5).
    pub fn truthy(&self) -> Result<bool> {
        Ok(match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Array(a) => a.any_nonzero(),
            Value::List(l) => !l.is_empty(),
            Value::Range(r) => !r.is_empty(),
            Value::Dict(d) => !d.is_empty(),
            Value::Str(_) | Value::Func(_) => {
                return Err(Error::type_error(format!(
                    "a {} does not hold a boolean value",
                    self.kind_name()
                ))
                .with_help("conditions must be numbers, arrays, lists, dicts or nil"))
            }
        })
    }

    /// A scalar integer (bools and integral floats are accepted).
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Int(i) => Some(i),
            Value::Bool(b) => Some(b as i64),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Some(f as i64),
            _ => None,
        }
    }

    /// A scalar integer, or a type error naming `what`.
    pub fn expect_i64(&self, what: &str) -> Result<i64> {
        self.as_i64().ok_or_else(|| {
            Error::type_error(format!(
                "{what} must be an integer, not {}",
                self.describe()
            ))
        })
    }

    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Int(i) => Some(i as f64),
            Value::Bool(b) => Some(b as u8 as f64),
            Value::Float(f) => Some(f),
            _ => None,
        }
    }

    pub fn expect_f64(&self, what: &str) -> Result<f64> {
        self.as_f64().ok_or_else(|| {
            Error::type_error(format!("{what} must be a number, not {}", self.describe()))
        })
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn expect_str(&self, what: &str) -> Result<&str> {
        self.as_str().ok_or_else(|| {
            Error::type_error(format!("{what} must be a string, not {}", self.describe()))
        })
    }

    /// The elements of a list or range, materialised.
    pub fn list_items(&self) -> Option<ListItems<'_>> {
        match self {
            Value::List(l) => Some(ListItems::Borrowed(l)),
            Value::Range(r) => Some(ListItems::Owned(r.iter().map(Value::Int).collect())),
            _ => None,
        }
    }

    pub fn expect_list(&self, what: &str) -> Result<ListItems<'_>> {
        self.list_items().ok_or_else(|| {
            Error::type_error(format!("{what} must be a list, not {}", self.describe()))
        })
    }

    /// Number of elements of a list, range, dict, string (bytes) or extent along axis 0 of an
    /// array; 0-D numbers give 1 (spec 4.7 `__len`).
    #[allow(clippy::len_without_is_empty)] // `None` for kinds without a length
    pub fn len(&self) -> Option<usize> {
        Some(match self {
            Value::List(l) => l.len(),
            Value::Range(r) => r.len(),
            Value::Dict(d) => d.len(),
            Value::Str(s) => s.len(),
            Value::Array(a) => a.shape()[0],
            Value::Bool(_) | Value::Int(_) | Value::Float(_) => 1,
            Value::Nil | Value::Func(_) => return None,
        })
    }
}

/// Borrowed list elements, or a materialised range.
pub enum ListItems<'a> {
    Borrowed(&'a Arc<Vec<Value>>),
    Owned(Vec<Value>),
}

impl std::ops::Deref for ListItems<'_> {
    type Target = [Value];
    fn deref(&self) -> &[Value] {
        match self {
            ListItems::Borrowed(v) => v,
            ListItems::Owned(v) => v,
        }
    }
}

impl ListItems<'_> {
    pub fn into_vec(self) -> Vec<Value> {
        match self {
            ListItems::Borrowed(v) => (**v).clone(),
            ListItems::Owned(v) => v,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Allocation limit

static MAX_BYTES: AtomicU64 = AtomicU64::new(0);

/// Sets the largest array (in bytes) the process may allocate (`--max-memory`). 0 = the
/// machine's memory.
pub fn set_max_bytes(bytes: u64) {
    MAX_BYTES.store(bytes, Ordering::Relaxed);
}

fn machine_memory() -> u64 {
    static MEM: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *MEM.get_or_init(|| {
        std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("MemTotal:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|kb| kb.parse::<u64>().ok())
            })
            .map_or(16 << 30, |kb| kb * 1024)
    })
}

pub fn max_bytes() -> u64 {
    match MAX_BYTES.load(Ordering::Relaxed) {
        0 => machine_memory(),
        n => n,
    }
}

/// Checks an allocation of an array of `shape` with elements of `elem_size` bytes before it
/// is made: an element count that overflows or a size above the limit is a `physl::limit`
/// error, never an abort. Returns the element count.
pub fn check_alloc(shape: &[usize], elem_size: usize) -> Result<usize> {
    let count = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| {
            Error::limit(format!("an array of shape {shape:?} has too many elements"))
        })?;
    let bytes = (count as u128) * (elem_size as u128);
    let limit = max_bytes();
    if bytes > limit as u128 {
        return Err(Error::limit(format!(
            "an array of shape {shape:?} needs {} bytes, more than the memory limit of {limit} bytes",
            bytes
        ))
        .with_help("use a smaller shape, or raise the limit with --max-memory"));
    }
    Ok(count)
}

/// Checks that a shape has at most [`MAX_NDIM`] axes and fits the memory limit.
pub fn check_shape(shape: &[usize], dtype: DType) -> Result<usize> {
    if shape.len() > MAX_NDIM {
        return Err(Error::value(format!(
            "arrays have at most {MAX_NDIM} dimensions, not {}",
            shape.len()
        )));
    }
    check_alloc(shape, dtype.size_of())
}

impl fmt::Display for Value {
    /// The plain format (spec 5.1).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format::plain(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_small() {
        assert!(std::mem::size_of::<Value>() <= 24);
    }

    #[test]
    fn ranges_count_like_python() {
        let r = |start, stop, step| Range { start, stop, step }.len();
        assert_eq!(r(0, 5, 1), 5);
        assert_eq!(r(0, 5, 2), 3);
        assert_eq!(r(5, 0, -1), 5);
        assert_eq!(r(5, 0, -2), 3);
        assert_eq!(r(0, 0, 1), 0);
        assert_eq!(r(3, 0, 1), 0);
        assert_eq!(
            r(i64::MIN, i64::MAX, 1),
            usize::try_from(u64::MAX).unwrap_or(usize::MAX)
        );
    }

    #[test]
    fn zero_d_arrays_become_scalars() {
        let a = Array::from_int(ArrayD::from_elem(IxDyn(&[]), 7));
        assert!(matches!(Value::from_array(a), Value::Int(7)));
    }

    #[test]
    fn huge_shapes_are_limit_errors() {
        let e = check_alloc(&[usize::MAX, 2], 8).unwrap_err();
        assert_eq!(e.code(), "physl::limit");
        let e = check_alloc(&[1 << 40, 1 << 10], 8).unwrap_err();
        assert_eq!(e.code(), "physl::limit");
    }
}
