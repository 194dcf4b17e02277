//! Conversions between Rust values and physl [`Value`]s, for embedders and host functions.
//!
//! [`FromValue`] reads a Rust value out of a physl value (with a `physl::type` error when the
//! kinds do not fit); [`IntoValue`] turns a Rust value into a physl value. Both are
//! implemented for scalars (`f64`, `i64`, `bool`, `String`), [`Value`] itself, `Option<T>`
//! (nil ↔ `None`), `Vec<T>` (lists) and ndarray arrays of `f64`, `i64` and `bool` of any
//! dimensionality (`ArrayD`, `Array1`, `Array2`, ...).
//!
//! ```
//! use ndarray::{array, Array2, ArrayD};
//! use physl::{FromValue, IntoValue, Value};
//!
//! let v = array![[1.0, 2.0], [3.0, 4.0]].into_value().unwrap();
//! assert_eq!(v.to_string(), "[[1, 2], [3, 4]]"); // plain format: %g
//! let back: Array2<f64> = v.extract().unwrap();
//! assert_eq!(back[[1, 0]], 3.0);
//! // integers widen to float; a 1-D array is not a 2-D one
//! let ints = Value::from(ArrayD::from_elem(ndarray::IxDyn(&[3]), 7i64));
//! assert_eq!(Vec::<f64>::from_value(&ints).unwrap(), vec![7.0, 7.0, 7.0]);
//! assert_eq!(ints.extract::<Array2<f64>>().unwrap_err().code(), "physl::type");
//! ```

use crate::diagnostics::{Error, Result};
use crate::value::{Array, Value};
use ndarray::{ArrayD, Dimension, IxDyn};

/// A Rust type that can be read out of a physl value.
pub trait FromValue: Sized {
    /// What the type expects, for error messages ("a number", "a 2-D float64 array").
    fn expected() -> String;
    /// Converts, or fails with a `physl::type` error.
    fn from_value(v: &Value) -> Result<Self>;
}

/// A Rust type that can become a physl value.
pub trait IntoValue {
    /// Converts; fails only for values physl cannot hold (arrays of more than 4
    /// dimensions) or when the value is itself an error (`Result`).
    fn into_value(self) -> Result<Value>;
}

impl Value {
    /// Reads a Rust value out of this value: `v.extract::<ArrayD<f64>>()`.
    pub fn extract<T: FromValue>(&self) -> Result<T> {
        T::from_value(self)
    }
}

fn mismatch<T: FromValue>(v: &Value) -> Error {
    Error::type_error(format!("expected {}, not {}", T::expected(), v.describe()))
}

impl FromValue for Value {
    fn expected() -> String {
        "any value".into()
    }
    fn from_value(v: &Value) -> Result<Self> {
        Ok(v.clone())
    }
}

impl FromValue for f64 {
    fn expected() -> String {
        "a number".into()
    }
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Float(_) | Value::Int(_) | Value::Bool(_) => v.as_f64(),
            _ => None,
        }
        .ok_or_else(|| mismatch::<f64>(v))
    }
}

impl FromValue for i64 {
    fn expected() -> String {
        "an integer".into()
    }
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Int(i) => Ok(*i),
            Value::Bool(b) => Ok(*b as i64),
            _ => Err(mismatch::<i64>(v)),
        }
    }
}

impl FromValue for usize {
    fn expected() -> String {
        "a non-negative integer".into()
    }
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Int(i) if *i >= 0 => Ok(*i as usize),
            Value::Bool(b) => Ok(*b as usize),
            _ => Err(mismatch::<usize>(v)),
        }
    }
}

impl FromValue for bool {
    fn expected() -> String {
        "a boolean".into()
    }
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Bool(b) => Ok(*b),
            _ => Err(mismatch::<bool>(v)),
        }
    }
}

impl FromValue for String {
    fn expected() -> String {
        "a string".into()
    }
    fn from_value(v: &Value) -> Result<Self> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| mismatch::<String>(v))
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn expected() -> String {
        format!("{} or nil", T::expected())
    }
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Nil => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// A list (or range) element by element; a 1-D array element by element.
impl<T: FromValue> FromValue for Vec<T> {
    fn expected() -> String {
        format!("a list of {}", T::expected())
    }
    fn from_value(v: &Value) -> Result<Self> {
        let items: Vec<Value> = match v {
            Value::Array(a) if a.ndim() == 1 => {
                (0..a.len()).filter_map(|i| a.get_flat(i)).collect()
            }
            v => match v.list_items() {
                Some(items) => items.into_vec(),
                None => return Err(mismatch::<Vec<T>>(v)),
            },
        };
        items
            .iter()
            .enumerate()
            .map(|(i, x)| {
                T::from_value(x)
                    .map_err(|e| Error::type_error(format!("element {i}: {}", e.message())))
            })
            .collect()
    }
}

fn dims_text<D: Dimension>() -> String {
    match D::NDIM {
        Some(n) => format!("a {n}-D"),
        None => "an".into(),
    }
}

fn into_dim<T, D: Dimension>(
    a: ArrayD<T>,
    v: &Value,
    expected: String,
) -> Result<ndarray::Array<T, D>> {
    a.into_dimensionality::<D>()
        .map_err(|_| Error::type_error(format!("expected {expected}, not {}", v.describe())))
}

impl<D: Dimension> FromValue for ndarray::Array<f64, D> {
    fn expected() -> String {
        format!("{} array of numbers", dims_text::<D>())
    }
    /// Any numeric value; integers and booleans widen to float, scalars are 0-D.
    fn from_value(v: &Value) -> Result<Self> {
        let a = v.to_array().ok_or_else(|| mismatch::<Self>(v))?;
        into_dim(a.to_float_array(), v, Self::expected())
    }
}

impl<D: Dimension> FromValue for ndarray::Array<i64, D> {
    fn expected() -> String {
        format!("{} int64 array", dims_text::<D>())
    }
    /// Integer or boolean values (floats are refused: no silent truncation).
    fn from_value(v: &Value) -> Result<Self> {
        match v.to_array() {
            Some(a @ (Array::Int(_) | Array::Bool(_))) => {
                into_dim(a.to_int_array(), v, Self::expected())
            }
            _ => Err(mismatch::<Self>(v)),
        }
    }
}

impl<D: Dimension> FromValue for ndarray::Array<bool, D> {
    fn expected() -> String {
        format!("{} boolean array", dims_text::<D>())
    }
    fn from_value(v: &Value) -> Result<Self> {
        match v.to_array() {
            Some(a @ Array::Bool(_)) => into_dim(a.to_bool_array(), v, Self::expected()),
            _ => Err(mismatch::<Self>(v)),
        }
    }
}

// ------------------------------------------------------------------------------ IntoValue

impl IntoValue for Value {
    fn into_value(self) -> Result<Value> {
        Ok(self)
    }
}

impl IntoValue for () {
    fn into_value(self) -> Result<Value> {
        Ok(Value::Nil)
    }
}

macro_rules! into_via_from {
    ($($t:ty),*) => {$(
        impl IntoValue for $t {
            fn into_value(self) -> Result<Value> {
                Ok(Value::from(self))
            }
        }
    )*};
}
into_via_from!(f64, i64, bool, String, &str);

impl IntoValue for usize {
    fn into_value(self) -> Result<Value> {
        i64::try_from(self)
            .map(Value::Int)
            .map_err(|_| Error::value(format!("{self} does not fit an int64")))
    }
}

impl<T: IntoValue> IntoValue for Option<T> {
    fn into_value(self) -> Result<Value> {
        match self {
            Some(t) => t.into_value(),
            None => Ok(Value::Nil),
        }
    }
}

impl<T: IntoValue> IntoValue for Vec<T> {
    fn into_value(self) -> Result<Value> {
        Ok(Value::list(
            self.into_iter()
                .map(IntoValue::into_value)
                .collect::<Result<_>>()?,
        ))
    }
}

impl<T: IntoValue> IntoValue for Result<T> {
    fn into_value(self) -> Result<Value> {
        self?.into_value()
    }
}

fn check_ndim(ndim: usize) -> Result<()> {
    if ndim > 4 {
        return Err(Error::shape(format!(
            "physl arrays have at most 4 dimensions, not {ndim}"
        )));
    }
    Ok(())
}

macro_rules! into_array {
    ($t:ty, $make:ident) => {
        /// A 0-D array becomes a scalar; more than 4 dimensions is a `physl::shape` error.
        impl<D: Dimension> IntoValue for ndarray::Array<$t, D> {
            fn into_value(self) -> Result<Value> {
                check_ndim(self.ndim())?;
                let a = self.into_dyn();
                // ndarray arrays may have any memory layout; physl's kernels expect
                // standard (row-major) layout
                let a = if a.is_standard_layout() {
                    a
                } else {
                    ArrayD::from_shape_vec(IxDyn(a.shape()), a.iter().copied().collect())
                        .map_err(|e| Error::internal(e.to_string()))?
                };
                Ok(Value::from_array(Array::$make(a)))
            }
        }
    };
}
into_array!(f64, from_float);
into_array!(i64, from_int);
into_array!(bool, from_bool);

// ------------------------------------------------------------------------- host functions

/// A Rust closure usable as a host function ([`Engine::register_fn`](crate::Engine::register_fn)):
/// implemented for `Fn(A1, ..., An) -> R` with 0 to 6 parameters of [`FromValue`] types and a
/// result of an [`IntoValue`] type. `A` is the tuple of parameter types, `R` the result type.
pub trait HostFn<A, R>: Send + Sync + 'static {
    /// The number of parameters.
    const ARITY: usize;
    /// Converts the arguments (exactly `ARITY` of them), calls, converts the result.
    fn call(&self, name: &str, args: &[Value]) -> Result<Value>;
}

/// Converts argument `i` of host function `name`.
fn arg<T: FromValue>(name: &str, args: &[Value], i: usize) -> Result<T> {
    let v = args
        .get(i)
        .ok_or_else(|| Error::internal(format!("{name}: argument {} is missing", i + 1)))?;
    T::from_value(v).map_err(|_| {
        Error::type_error(format!(
            "{name}: argument {} must be {}, not {}",
            i + 1,
            T::expected(),
            v.describe()
        ))
        .at_arg(i, format!("this is {}", v.describe()))
    })
}

macro_rules! host_fn {
    ($n:expr; $($t:ident $i:tt),*) => {
        impl<F, R, $($t,)*> HostFn<($($t,)*), R> for F
        where
            F: Fn($($t),*) -> R + Send + Sync + 'static,
            R: IntoValue,
            $($t: FromValue,)*
        {
            const ARITY: usize = $n;
            #[allow(unused_variables)]
            fn call(&self, name: &str, args: &[Value]) -> Result<Value> {
                (self)($(arg::<$t>(name, args, $i)?),*).into_value()
            }
        }
    };
}
host_fn!(0;);
host_fn!(1; A0 0);
host_fn!(2; A0 0, A1 1);
host_fn!(3; A0 0, A1 1, A2 2);
host_fn!(4; A0 0, A1 1, A2 2, A3 3);
host_fn!(5; A0 0, A1 1, A2 2, A3 3, A4 4);
host_fn!(6; A0 0, A1 1, A2 2, A3 3, A4 4, A5 5);

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array1, Array2, Array3};

    #[test]
    fn scalars_round_trip() {
        assert_eq!(f64::from_value(&Value::Int(3)).unwrap(), 3.0);
        assert_eq!(i64::from_value(&Value::Int(-3)).unwrap(), -3);
        assert!(i64::from_value(&Value::Float(1.5)).is_err());
        assert_eq!(
            String::from_value(&Value::str("a")).unwrap(),
            "a".to_string()
        );
        assert_eq!(
            bool::from_value(&Value::Int(1)).unwrap_err().code(),
            "physl::type"
        );
        assert_eq!(Option::<f64>::from_value(&Value::Nil).unwrap(), None);
        assert_eq!(2.5f64.into_value().unwrap().to_string(), "2.5");
        assert_eq!(().into_value().unwrap().to_string(), "nil");
    }

    #[test]
    fn arrays_round_trip_with_dimension_checks() {
        let v = array![[1i64, 2], [3, 4]].into_value().unwrap();
        let a: Array2<i64> = v.extract().unwrap();
        assert_eq!(a, array![[1, 2], [3, 4]]);
        let f: ArrayD<f64> = v.extract().unwrap();
        assert_eq!(f.shape(), &[2, 2]);
        let e = v.extract::<Array1<f64>>().unwrap_err();
        assert!(e.message().contains("1-D"), "{}", e.message());
        // a scalar is a 0-D array
        let s: ArrayD<f64> = Value::Float(2.0).extract().unwrap();
        assert_eq!(s.ndim(), 0);
        assert_eq!(
            ArrayD::from_elem(IxDyn(&[]), 4.0)
                .into_value()
                .unwrap()
                .to_string(),
            "4"
        );
        // transposed (non-standard) layout is copied into row-major order
        let t = array![[1.0, 2.0], [3.0, 4.0]].reversed_axes();
        assert_eq!(t.into_value().unwrap().to_string(), "[[1, 3], [2, 4]]");
        let five = ArrayD::<f64>::zeros(IxDyn(&[1, 1, 1, 1, 1]));
        assert_eq!(five.into_value().unwrap_err().code(), "physl::shape");
        let b: Array3<bool> = Array3::from_elem((1, 1, 2), true);
        assert_eq!(b.into_value().unwrap().to_string(), "[[[true, true]]]");
    }

    #[test]
    fn vectors_from_lists_and_arrays() {
        let l = vec![1i64, 2, 3].into_value().unwrap();
        assert_eq!(l.to_string(), "list(1, 2, 3)");
        assert_eq!(Vec::<i64>::from_value(&l).unwrap(), vec![1, 2, 3]);
        let bad = Value::list(vec![Value::Int(1), Value::str("x")]);
        let e = Vec::<i64>::from_value(&bad).unwrap_err();
        assert!(e.message().starts_with("element 1"), "{}", e.message());
    }
}
