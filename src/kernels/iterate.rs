//! Iteration over PhySL iterables (spec 2.8) and packing of per-item results into arrays,
//! shared by the higher-order primitives (`for_each`, `fmap`, `filter`, the folds) and the
//! coordinate grids of `indices`/`fromfunction`.

use crate::diagnostics::{Error, Result};
use crate::primitives::bad_arg;
use crate::value::{check_shape, Array, DType, Dict, Range, Value};
use ndarray::{ArrayD, Axis, IxDyn};
use std::sync::Arc;

/// The items of an iterable value, produced on demand (a range is never materialised).
pub enum Items<'a> {
    List(&'a [Value]),
    Range(Range),
    Keys(&'a Dict),
    /// An array of rank >= 1: its sub-arrays along axis 0.
    Array(&'a Array),
    /// A number, visited once.
    One(&'a Value),
}

impl Items<'_> {
    pub fn len(&self) -> usize {
        match self {
            Items::List(l) => l.len(),
            Items::Range(r) => r.len(),
            Items::Keys(d) => d.len(),
            Items::Array(a) => a.shape().first().copied().unwrap_or(1),
            Items::One(_) => 1,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Item `i < len()`.
    pub fn get(&self, i: usize) -> Value {
        match self {
            Items::List(l) => l.get(i).cloned().unwrap_or_default(),
            Items::Range(r) => r.get(i).map_or(Value::Nil, Value::Int),
            Items::Keys(d) => d.get_index(i).map_or(Value::Nil, |(k, _)| k.to_value()),
            Items::Array(a) => sub_array(a, i),
            Items::One(v) => (*v).clone(),
        }
    }

    pub fn is_array(&self) -> bool {
        matches!(self, Items::Array(_))
    }
}

fn sub_array(a: &Array, i: usize) -> Value {
    if i >= a.shape().first().copied().unwrap_or(0) {
        return Value::Nil;
    }
    match a {
        Array::Bool(x) if x.ndim() == 1 => Value::Bool(x[[i].as_slice()]),
        Array::Int(x) if x.ndim() == 1 => Value::Int(x[[i].as_slice()]),
        Array::Float(x) if x.ndim() == 1 => Value::Float(x[[i].as_slice()]),
        Array::Bool(x) => Value::from(x.index_axis(Axis(0), i).to_owned()),
        Array::Int(x) => Value::from(x.index_axis(Axis(0), i).to_owned()),
        Array::Float(x) => Value::from(x.index_axis(Axis(0), i).to_owned()),
    }
}

/// The items of argument `pos` of `prim`, or a type error labelled on it.
pub fn items<'a>(prim: &str, pos: usize, v: &'a Value) -> Result<Items<'a>> {
    Ok(match v {
        Value::List(l) => Items::List(l),
        Value::Range(r) => Items::Range(**r),
        Value::Dict(d) => Items::Keys(d),
        Value::Array(a) => Items::Array(a),
        Value::Bool(_) | Value::Int(_) | Value::Float(_) => Items::One(v),
        other => {
            return Err(bad_arg(prim, pos, "a list, range, dict or array", other)
                .with_help("iterables are lists, ranges, dicts (their keys) and numeric arrays"))
        }
    })
}

/// Stacks numeric results of equal shape along a new axis 0, in their common dtype.
pub fn pack(prim: &str, results: Vec<Value>) -> Result<Value> {
    let mut dtype = DType::Bool;
    let mut item_shape: Option<Vec<usize>> = None;
    for (i, r) in results.iter().enumerate() {
        let (Some(dt), Some(shape)) = (r.dtype(), r.shape()) else {
            return Err(Error::type_error(format!(
                "{prim}: mapping over an array needs numeric results, but item {i} gave a {}",
                r.describe()
            ))
            .at_arg(0, "this function")
            .with_help("map over a list instead to collect any kind of result"));
        };
        dtype = dtype.max(dt);
        match &item_shape {
            None => item_shape = Some(shape.to_vec()),
            Some(s) if s.as_slice() != shape => {
                return Err(Error::shape(format!(
                    "{prim}: the results have different shapes ({s:?} for item 0, {shape:?} for item {i}), so they cannot be packed into an array"
                ))
                .at_arg(0, "this function"))
            }
            Some(_) => {}
        }
    }
    let mut shape = vec![results.len()];
    shape.extend(item_shape.unwrap_or_default());
    check_shape(&shape, dtype).map_err(|e| e.context(prim))?;
    // scalars are read directly: no 0-D array per item
    fn gather<T: Clone>(
        results: &[Value],
        scalar: impl Fn(&Value) -> Option<T>,
        get: impl Fn(&Array) -> Arc<ArrayD<T>>,
    ) -> Vec<T> {
        let mut data = Vec::with_capacity(results.len());
        for r in results {
            match r {
                Value::Array(a) => data.extend(get(a).iter().cloned()),
                v => data.extend(scalar(v)),
            }
        }
        data
    }
    let bool_of = |v: &Value| match v {
        Value::Bool(b) => Some(*b),
        _ => None,
    };
    let arr = match dtype {
        DType::Bool => {
            Array::from_bool(from_vec(&shape, gather(&results, bool_of, Array::as_bool))?)
        }
        DType::Int => Array::from_int(from_vec(
            &shape,
            gather(&results, Value::as_i64, Array::as_int),
        )?),
        DType::Float => Array::from_float(from_vec(
            &shape,
            gather(&results, Value::as_f64, Array::as_float),
        )?),
    };
    Ok(Value::from_array(arr))
}

fn from_vec<T>(shape: &[usize], data: Vec<T>) -> Result<ArrayD<T>> {
    ArrayD::from_shape_vec(IxDyn(shape), data)
        .map_err(|e| Error::internal(format!("packing results: {e}")))
}

/// The coordinate grids of `shape`: grid k holds the index along axis k. Sparse grids have
/// extent 1 on every other axis.
pub fn grids(prim: &str, shape: &[usize], dtype: DType, sparse: bool) -> Result<Vec<Value>> {
    check_shape(shape, dtype).map_err(|e| e.context(prim))?;
    let mut out = Vec::with_capacity(shape.len());
    for k in 0..shape.len() {
        let grid_shape: Vec<usize> = if sparse {
            (0..shape.len())
                .map(|j| if j == k { shape[k] } else { 1 })
                .collect()
        } else {
            shape.to_vec()
        };
        let g = ArrayD::from_shape_fn(IxDyn(&grid_shape), |ix| ix[k] as i64);
        out.push(Value::from_array(Array::from_int(g).cast(dtype)));
    }
    Ok(out)
}
