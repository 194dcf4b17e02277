//! Indexing kernel (spec 2.9): reading `slice(v, i0, ...)` and writing
//! `store(slice(v, i0, ...), x)` on arrays, lists, ranges and dicts.
//!
//! Each index argument is first resolved against the extent of its axis into a [`Sel`];
//! validation happens there, so the copying code below never sees an out-of-range position.
//! Plain integer/range selections are done on ndarray views (strided copies); as soon as an
//! index array or mask is involved the selection follows NumPy's advanced indexing: the
//! index arrays broadcast together, and the selected positions are listed as flat offsets.

use crate::diagnostics::{Error, Result};
use crate::kernels::shape::{map_same, owned_std};
use crate::value::broadcast::broadcast_shapes;
use crate::value::{check_alloc, check_shape, Array, DType, Key, Range, Value, MAX_NDIM};
use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, Axis, IxDyn, Slice};
use std::sync::Arc;

const PRIM: &str = "slice";

/// How one axis is selected.
#[derive(Clone, Debug)]
enum Sel {
    /// One position; the axis is dropped.
    At(usize),
    /// Python slice resolved to its first position, step and count (the whole axis is
    /// `start 0, step 1, len n`).
    Strided {
        start: usize,
        step: isize,
        len: usize,
    },
    /// Gathered positions (index array, range object or mask), shaped like the index.
    Gather(ArrayD<usize>),
}

impl Sel {
    fn whole(n: usize) -> Sel {
        Sel::Strided {
            start: 0,
            step: 1,
            len: n,
        }
    }

    /// The equivalent ndarray slice (whose negative steps count from the end of the range).
    fn nd_slice(start: usize, step: isize, len: usize) -> Slice {
        if len == 0 {
            return Slice::new(0, Some(0), 1);
        }
        let (start, span) = (start as isize, step * (len as isize - 1));
        if step > 0 {
            Slice::new(start, Some(start + span + 1), step)
        } else {
            Slice::new(start + span, Some(start + 1), step)
        }
    }
}

/// Maps the position of an index among the index arguments to the argument position the
/// calling primitive labels errors with.
#[derive(Clone, Copy)]
pub struct Labels<'a>(pub &'a [usize]);

impl Labels<'_> {
    fn at(self, k: usize) -> usize {
        self.0.get(k).copied().unwrap_or(k + 1)
    }
}

fn out_of_bounds(i: i64, axis: usize, n: usize, label: usize) -> Error {
    Error::index(format!(
        "{PRIM}: index {i} is out of bounds for axis {axis} with size {n}"
    ))
    .at_arg(label, format!("index {i}, but the axis has {n} positions"))
    .with_help("valid positions are 0..n-1, or -n..-1 counting from the end")
}

/// A single position, negative counting from the end.
fn position(i: i64, n: usize, axis: usize, label: usize) -> Result<usize> {
    let j = if i < 0 {
        i as i128 + n as i128
    } else {
        i as i128
    };
    if j < 0 || j >= n as i128 {
        return Err(out_of_bounds(i, axis, n, label));
    }
    Ok(j as usize)
}

fn not_integer(idx: &Value, label: usize) -> Error {
    Error::type_error(format!(
        "{PRIM}: indices must be integers, nil, lists, ranges or int/bool arrays, not a {}",
        idx.describe()
    ))
    .at_arg(label, format!("this is a {}", idx.describe()))
    .with_help("convert with astype(x, \"int\") or use floor_divide for integer division")
}

/// An optional bound or step of `list(start, stop, step)`.
fn bound(v: &Value, label: usize) -> Result<Option<i64>> {
    match v {
        Value::Nil => Ok(None),
        Value::Int(i) => Ok(Some(*i)),
        other => Err(not_integer(other, label)),
    }
}

/// Python's `slice.indices`: clamps the bounds to the axis.
fn py_slice(
    n: usize,
    start: Option<i64>,
    stop: Option<i64>,
    step: Option<i64>,
    label: usize,
) -> Result<Sel> {
    let step = step.unwrap_or(1) as i128;
    if step == 0 {
        return Err(Error::value(format!("{PRIM}: step can not be zero"))
            .at_arg(label, "step 0")
            .with_help("use a positive step to walk forwards, a negative one backwards"));
    }
    let n = n as i128;
    let (lower, upper) = if step > 0 { (0, n) } else { (-1, n - 1) };
    let clamp = |v: Option<i64>, default: i128| match v {
        None => default,
        Some(v) if v < 0 => (v as i128 + n).max(lower),
        Some(v) => (v as i128).min(upper),
    };
    let start = clamp(start, if step > 0 { lower } else { upper });
    let stop = clamp(stop, if step > 0 { upper } else { lower });
    let len = if step > 0 && stop > start {
        (stop - start - 1) / step + 1
    } else if step < 0 && start > stop {
        (start - stop - 1) / -step + 1
    } else {
        0
    };
    // |step| beyond the axis length selects at most one element: keep it within isize
    let step = step.clamp(-(n.max(1)), n.max(1)) as isize;
    Ok(Sel::Strided {
        start: if len == 0 { 0 } else { start as usize },
        step,
        len: len as usize,
    })
}

/// Resolves one index argument against `shape` (the axes from `axis` on), pushing one
/// selection per axis it consumes (a k-D mask consumes k axes).
fn resolve_one(
    idx: &Value,
    shape: &[usize],
    axis: usize,
    label: usize,
    out: &mut Vec<Sel>,
) -> Result<()> {
    let n = shape[0];
    match idx {
        Value::Nil => out.push(Sel::whole(n)),
        Value::Int(i) => out.push(Sel::At(position(*i, n, axis, label)?)),
        Value::List(items) => match items.as_slice() {
            [] | [Value::Nil] => out.push(Sel::whole(n)),
            [one @ (Value::Int(_) | Value::Array(_) | Value::Range(_) | Value::List(_))] => {
                resolve_one(one, shape, axis, label, out)?
            }
            [start, stop] => out.push(py_slice(
                n,
                bound(start, label)?,
                bound(stop, label)?,
                None,
                label,
            )?),
            [start, stop, step] => out.push(py_slice(
                n,
                bound(start, label)?,
                bound(stop, label)?,
                bound(step, label)?,
                label,
            )?),
            [other] => return Err(not_integer(other, label)),
            _ => {
                return Err(Error::value(format!(
                    "{PRIM}: a list index has at most 3 entries (start, stop, step), not {}",
                    items.len()
                ))
                .at_arg(label, "too many entries"))
            }
        },
        Value::Range(r) => {
            // every position of a range with more than 2n entries cannot be valid
            if r.len() > n.saturating_mul(2) {
                let last = r.get(r.len() - 1).unwrap_or(0);
                let bad = if position(r.start, n, axis, label).is_err() {
                    r.start
                } else {
                    last
                };
                return Err(out_of_bounds(bad, axis, n, label));
            }
            let pos = r
                .iter()
                .map(|i| position(i, n, axis, label))
                .collect::<Result<Vec<_>>>()?;
            out.push(Sel::Gather(
                ArrayD::from_shape_vec(IxDyn(&[pos.len()]), pos)
                    .map_err(|e| Error::internal(format!("{PRIM}: {e}")))?,
            ));
        }
        Value::Array(Array::Int(a)) => {
            let mut pos = Vec::with_capacity(a.len());
            for &i in a.iter() {
                pos.push(position(i, n, axis, label)?);
            }
            let g = ArrayD::from_shape_vec(IxDyn(a.shape()), pos)
                .map_err(|e| Error::internal(format!("{PRIM}: {e}")))?;
            out.push(Sel::Gather(g));
        }
        Value::Array(Array::Bool(m)) => {
            let k = m.ndim();
            if k > shape.len() || m.shape() != &shape[..k] {
                let want = &shape[..k.min(shape.len())];
                return Err(Error::index(format!(
                    "{PRIM}: a boolean index of shape {:?} does not match the indexed axes of shape {want:?}",
                    m.shape()
                ))
                .at_arg(label, format!("mask of shape {:?}", m.shape()))
                .with_help("a mask needs exactly the extents of the axes it selects"));
            }
            // a k-D mask is k index arrays: the coordinates of its true elements
            let count = m.iter().filter(|&&b| b).count();
            let mut coords = vec![Vec::with_capacity(count); k];
            for (ix, &b) in m.indexed_iter() {
                if b {
                    for (d, c) in coords.iter_mut().enumerate() {
                        c.push(ix[d]);
                    }
                }
            }
            for c in coords {
                out.push(Sel::Gather(
                    ArrayD::from_shape_vec(IxDyn(&[count]), c)
                        .map_err(|e| Error::internal(format!("{PRIM}: {e}")))?,
                ));
            }
        }
        other => return Err(not_integer(other, label)),
    }
    Ok(())
}

/// Resolves all index arguments against an array shape: one selection per axis.
fn resolve(shape: &[usize], indices: &[Value], labels: Labels) -> Result<Vec<Sel>> {
    let mut sels = Vec::with_capacity(shape.len());
    for (k, idx) in indices.iter().enumerate() {
        let axis = sels.len();
        if axis >= shape.len() {
            return Err(too_many(shape.len(), indices.len(), labels.at(k)));
        }
        resolve_one(idx, &shape[axis..], axis, labels.at(k), &mut sels)?;
    }
    while sels.len() < shape.len() {
        sels.push(Sel::whole(shape[sels.len()]));
    }
    Ok(sels)
}

fn too_many(ndim: usize, given: usize, label: usize) -> Error {
    Error::index(format!(
        "{PRIM}: too many indices: a {ndim}-D value takes at most {ndim}, but {given} were given"
    ))
    .at_arg(label, "one index too many")
    .with_help(if ndim == 0 {
        "a number (0-D value) cannot be sliced"
    } else {
        "give one index argument per leading axis"
    })
}

fn apply_view<'a, T>(mut v: ArrayViewD<'a, T>, sels: &[Sel]) -> ArrayViewD<'a, T> {
    // from the last axis backwards, so that dropping an axis keeps earlier numbers valid
    for (k, s) in sels.iter().enumerate().rev() {
        match *s {
            Sel::At(i) => v = v.index_axis_move(Axis(k), i),
            Sel::Strided { start, step, len } => {
                v.slice_axis_inplace(Axis(k), Sel::nd_slice(start, step, len))
            }
            Sel::Gather(_) => {}
        }
    }
    v
}

fn apply_view_mut<'a, T>(mut v: ArrayViewMutD<'a, T>, sels: &[Sel]) -> ArrayViewMutD<'a, T> {
    for (k, s) in sels.iter().enumerate().rev() {
        match *s {
            Sel::At(i) => v = v.index_axis_move(Axis(k), i),
            Sel::Strided { start, step, len } => {
                v.slice_axis_inplace(Axis(k), Sel::nd_slice(start, step, len))
            }
            Sel::Gather(_) => {}
        }
    }
    v
}

/// The selected positions of an advanced (gathering) selection as row-major flat offsets
/// into the source, with the result shape.
struct Plan {
    shape: Vec<usize>,
    offsets: Vec<usize>,
}

fn plan(src: &[usize], sels: &[Sel]) -> Result<Plan> {
    let mut strides = vec![1usize; src.len()];
    for k in (0..src.len().saturating_sub(1)).rev() {
        strides[k] = strides[k + 1].wrapping_mul(src[k + 1]);
    }
    let gathers: Vec<&ArrayD<usize>> = sels
        .iter()
        .filter_map(|s| match s {
            Sel::Gather(g) => Some(g),
            _ => None,
        })
        .collect();
    let shapes: Vec<&[usize]> = gathers.iter().map(|g| g.shape()).collect();
    let bshape = broadcast_shapes(&shapes).map_err(|_| {
        Error::index(format!(
            "{PRIM}: shape mismatch: index arrays of shapes {shapes:?} cannot be broadcast together"
        ))
    })?;
    // NumPy: integers count as advanced indices next to index arrays; the broadcast axes go
    // where the advanced indices are when they are adjacent, else first.
    let adv: Vec<usize> = (0..sels.len())
        .filter(|&k| !matches!(sels[k], Sel::Strided { .. }))
        .collect();
    let adjacent = adv
        .last()
        .zip(adv.first())
        .is_some_and(|(l, f)| l - f + 1 == adv.len());

    let mut base = 0usize;
    let mut adv_table = vec![0usize; check_alloc(&bshape, 8)?];
    let mut groups: Vec<(Vec<usize>, Vec<usize>)> = Vec::new(); // (shape, contributions)
    for (k, s) in sels.iter().enumerate() {
        match s {
            Sel::At(i) => base = base.wrapping_add(i.wrapping_mul(strides[k])),
            Sel::Strided { start, step, len } => {
                let table = (0..*len)
                    .map(|j| {
                        let p = *start as isize + *step * j as isize;
                        (p as usize).wrapping_mul(strides[k])
                    })
                    .collect();
                groups.push((vec![*len], table));
            }
            Sel::Gather(g) => {
                if let Some(view) = g.broadcast(IxDyn(&bshape)) {
                    for (t, &p) in adv_table.iter_mut().zip(view.iter()) {
                        *t = t.wrapping_add(p.wrapping_mul(strides[k]));
                    }
                }
            }
        }
    }
    let insert_at = if adjacent {
        sels[..adv.first().copied().unwrap_or(0)]
            .iter()
            .filter(|s| matches!(s, Sel::Strided { .. }))
            .count()
    } else {
        0
    };
    groups.insert(insert_at, (bshape, adv_table));
    let shape: Vec<usize> = groups.iter().flat_map(|g| g.0.iter().copied()).collect();
    let total = check_alloc(&shape, 8)?;
    let mut offsets = Vec::with_capacity(total);
    offsets.push(base);
    for (_, table) in &groups {
        let mut next = Vec::with_capacity(offsets.len() * table.len());
        for &o in &offsets {
            next.extend(table.iter().map(|&t| o.wrapping_add(t)));
        }
        offsets = next;
    }
    Ok(Plan { shape, offsets })
}

fn has_gather(sels: &[Sel]) -> bool {
    sels.iter().any(|s| matches!(s, Sel::Gather(_)))
}

fn read_typed<T: Clone>(a: &ArrayD<T>, sels: &[Sel], dtype: DType) -> Result<ArrayD<T>> {
    if !has_gather(sels) {
        return Ok(owned_std(apply_view(a.view(), sels)));
    }
    let p = plan(a.shape(), sels)?;
    check_shape(&p.shape, dtype).map_err(|e| e.context(PRIM))?;
    let src = a.as_standard_layout();
    let data = src.as_slice().unwrap_or(&[]);
    let out: Vec<T> = p
        .offsets
        .iter()
        .filter_map(|&o| data.get(o).cloned())
        .collect();
    ArrayD::from_shape_vec(IxDyn(&p.shape), out)
        .map_err(|e| Error::internal(format!("{PRIM}: {e}")))
}

/// The element position when every axis gets an integer (the common case in loops), checked;
/// `None` for any other form, which takes the general path.
fn element_index(shape: &[usize], indices: &[Value], labels: Labels) -> Option<Result<IxDyn>> {
    if indices.len() != shape.len() || shape.len() > MAX_NDIM {
        return None;
    }
    let mut pos = [0usize; MAX_NDIM];
    for (k, idx) in indices.iter().enumerate() {
        let Value::Int(i) = idx else { return None };
        match position(*i, shape[k], k, labels.at(k)) {
            Ok(p) => pos[k] = p,
            Err(e) => return Some(Err(e)),
        }
    }
    Some(Ok(IxDyn(&pos[..shape.len()])))
}

fn read_array(a: &Array, indices: &[Value], labels: Labels) -> Result<Value> {
    if let Some(ix) = element_index(a.shape(), indices, labels) {
        let ix = ix?;
        let v = match a {
            Array::Bool(x) => x.get(ix).map(|&b| Value::Bool(b)),
            Array::Int(x) => x.get(ix).map(|&i| Value::Int(i)),
            Array::Float(x) => x.get(ix).map(|&f| Value::Float(f)),
        };
        return v.ok_or_else(|| Error::internal(format!("{PRIM}: element index")));
    }
    let sels = resolve(a.shape(), indices, labels)?;
    let dtype = a.dtype();
    Ok(Value::from_array(
        map_same!(a, x => read_typed(x, &sels, dtype)?),
    ))
}

/// The selection of a list or range of length `n` by its single index.
fn resolve_list(n: usize, indices: &[Value], labels: Labels, what: &str) -> Result<Sel> {
    match indices {
        [idx] => {
            let mut sels = Vec::new();
            resolve_one(idx, &[n], 0, labels.at(0), &mut sels)?;
            match sels.as_slice() {
                [Sel::Gather(g)] if g.ndim() != 1 => Err(Error::index(format!(
                    "{PRIM}: a {what} can only be indexed by a 1-D index array"
                ))
                .at_arg(labels.at(0), format!("{}-D index", g.ndim()))),
                [_] => Ok(sels.swap_remove(0)),
                _ => Err(too_many(1, 2, labels.at(0))),
            }
        }
        [] => Err(Error::arity(format!("{PRIM}: missing index")).at_call("no index given")),
        _ => Err(Error::index(format!(
            "{PRIM}: a {what} takes exactly one index argument, but {} were given",
            indices.len()
        ))
        .at_arg(labels.at(1), "one index too many")
        .with_help("slice the element first: slice(slice(l, i), j)")),
    }
}

fn positions(sel: &Sel) -> Vec<usize> {
    match sel {
        Sel::At(i) => vec![*i],
        Sel::Strided { start, step, len } => (0..*len)
            .map(|j| (*start as isize + step * j as isize) as usize)
            .collect(),
        Sel::Gather(g) => g.iter().copied().collect(),
    }
}

fn read_list(items: &[Value], indices: &[Value], labels: Labels) -> Result<Value> {
    let sel = resolve_list(items.len(), indices, labels, "list")?;
    Ok(match sel {
        Sel::At(i) => items.get(i).cloned().unwrap_or_default(),
        sel => Value::list(
            positions(&sel)
                .into_iter()
                .filter_map(|i| items.get(i).cloned())
                .collect(),
        ),
    })
}

fn read_range(r: &Range, indices: &[Value], labels: Labels) -> Result<Value> {
    let sel = resolve_list(r.len(), indices, labels, "list")?;
    Ok(match sel {
        Sel::At(i) => Value::Int(r.get(i).unwrap_or(0)),
        Sel::Strided { start, step, len } => {
            // a slice of a range is again a range, unless its bounds overflow
            let first = r.get(start).unwrap_or(r.start);
            let sub = r.step.checked_mul(step as i64).and_then(|s| {
                let stop = first.checked_add(s.checked_mul(len as i64)?)?;
                Some(Range {
                    start: first,
                    stop,
                    step: s,
                })
            });
            match sub {
                Some(sub) if sub.len() == len => Value::Range(Arc::new(sub)),
                _ => Value::list(
                    positions(&Sel::Strided { start, step, len })
                        .into_iter()
                        .filter_map(|i| r.get(i).map(Value::Int))
                        .collect(),
                ),
            }
        }
        sel => Value::list(
            positions(&sel)
                .into_iter()
                .filter_map(|i| r.get(i).map(Value::Int))
                .collect(),
        ),
    })
}

fn dict_key(indices: &[Value], labels: Labels) -> Result<Key> {
    match indices {
        [k] => Key::from_value(k).map_err(|e| {
            e.context(PRIM)
                .at_arg(labels.at(0), format!("a {} is not hashable", k.describe()))
        }),
        _ => Err(Error::index(format!(
            "{PRIM}: a dict takes exactly one index argument (the key), but {} were given",
            indices.len()
        ))
        .at_arg(labels.at(indices.len().min(1)), "one index too many")),
    }
}

/// `slice(v, indices...)` (spec 2.9) with errors labelled on argument 0 (the value) and
/// `k + 1` (index `k`).
pub fn slice(v: &Value, indices: &[Value]) -> Result<Value> {
    slice_labeled(v, indices, Labels(&[1, 2, 3, 4]))
}

/// [`slice`] for primitives whose index arguments sit at other argument positions.
pub fn slice_labeled(v: &Value, indices: &[Value], labels: Labels) -> Result<Value> {
    match v {
        Value::Array(a) => read_array(a, indices, labels),
        Value::Bool(_) | Value::Int(_) | Value::Float(_) => {
            Err(too_many(0, indices.len(), labels.at(0)))
        }
        Value::List(items) => read_list(items, indices, labels),
        Value::Range(r) => read_range(r, indices, labels),
        Value::Dict(d) => {
            let key = dict_key(indices, labels)?;
            d.get(&key).cloned().ok_or_else(|| {
                Error::index(format!(
                    "{PRIM}: key {} is not in the dict",
                    crate::value::format::physl_repr(&key.to_value())
                ))
                .at_arg(labels.at(0), "missing key")
                .with_help("add it with store(slice(d, key), value)")
            })
        }
        other => Err(
            Error::type_error(format!("{PRIM}: a {} cannot be sliced", other.describe()))
                .at_arg(0, format!("this is a {}", other.describe()))
                .with_help("slice takes arrays, lists and dicts; strings are opaque"),
        ),
    }
}

/// Drops leading length-1 axes of the value that the region does not have (NumPy allows
/// storing a `[[1, 2]]` into a row).
fn trim<T>(value: &ArrayD<T>, region_ndim: usize) -> ArrayViewD<'_, T> {
    let mut v = value.view();
    while v.ndim() > region_ndim && v.shape()[0] == 1 {
        v = v.index_axis_move(Axis(0), 0);
    }
    v
}

fn mismatch(value: &[usize], region: &[usize]) -> Error {
    Error::shape(format!(
        "{PRIM}: a value of shape {value:?} cannot be stored into a selection of shape {region:?}"
    ))
    .at_arg(0, format!("the selection has shape {region:?}"))
    .with_help("the value must broadcast to the selected region (NumPy rules)")
}

/// float → int as [`Array::cast`] does: truncating, saturating, NaN → 0.
fn scalar_to_int(v: &Value) -> i64 {
    match *v {
        Value::Float(f) => f as i64,
        Value::Int(i) => i,
        Value::Bool(b) => b as i64,
        _ => 0,
    }
}

fn write_typed<T: Clone>(
    target: &mut Arc<ArrayD<T>>,
    sels: &[Sel],
    value: &ArrayD<T>,
) -> Result<()> {
    if !has_gather(sels) {
        // check before make_mut so a failing store never copies
        let region = apply_view(target.view(), sels).shape().to_vec();
        let t = trim(value, region.len());
        let src = t
            .broadcast(IxDyn(&region))
            .ok_or_else(|| mismatch(value.shape(), &region))?;
        let t = Arc::make_mut(target);
        apply_view_mut(t.view_mut(), sels).assign(&src);
        return Ok(());
    }
    let p = plan(target.shape(), sels)?;
    let t = trim(value, p.shape.len());
    let src = t
        .broadcast(IxDyn(&p.shape))
        .ok_or_else(|| mismatch(value.shape(), &p.shape))?;
    let t = Arc::make_mut(target);
    if !t.is_standard_layout() {
        *t = t.as_standard_layout().into_owned();
    }
    if let Some(data) = t.as_slice_mut() {
        for (&o, v) in p.offsets.iter().zip(src.iter()) {
            if let Some(slot) = data.get_mut(o) {
                *slot = v.clone();
            }
        }
    }
    Ok(())
}

fn write_array(a: &mut Array, indices: &[Value], value: &Value, labels: Labels) -> Result<()> {
    if value.is_scalar() {
        if let Some(ix) = element_index(a.shape(), indices, labels) {
            let ix = ix?;
            let slot = match a {
                Array::Bool(x) => {
                    let b = value.truthy()?;
                    Arc::make_mut(x).get_mut(ix).map(|s| *s = b)
                }
                Array::Int(x) => Arc::make_mut(x)
                    .get_mut(ix)
                    .map(|s| *s = scalar_to_int(value)),
                Array::Float(x) => Arc::make_mut(x)
                    .get_mut(ix)
                    .map(|s| *s = value.as_f64().unwrap_or(0.0)),
            };
            return slot.ok_or_else(|| Error::internal(format!("{PRIM}: element index")));
        }
    }
    let sels = resolve(a.shape(), indices, labels)?;
    let dtype = a.dtype();
    let v = value.to_array().ok_or_else(|| {
        Error::type_error(format!(
            "{PRIM}: cannot store a {} into a {} array",
            value.describe(),
            dtype.name()
        ))
        .with_help("arrays hold numbers only; use a list for other values")
    })?;
    let v = v.cast(dtype);
    match (a, &v) {
        (Array::Bool(t), Array::Bool(x)) => write_typed(t, &sels, x),
        (Array::Int(t), Array::Int(x)) => write_typed(t, &sels, x),
        (Array::Float(t), Array::Float(x)) => write_typed(t, &sels, x),
        _ => Err(Error::internal(format!(
            "{PRIM}: cast did not give {}",
            dtype.name()
        ))),
    }
}

fn write_list(items: &mut Vec<Value>, sel: Sel, value: Value) -> Result<()> {
    if let Sel::At(i) = sel {
        if let Some(slot) = items.get_mut(i) {
            *slot = value;
        }
        return Ok(());
    }
    let pos = positions(&sel);
    let values: Vec<Value> = match value.list_items() {
        Some(vals) => vals.into_vec(),
        None => vec![value; pos.len()],
    };
    match sel {
        // a plain forward range may change the length, as in Python
        Sel::Strided {
            start,
            step: 1,
            len,
        } if values.len() != len => {
            let end = (start + len).min(items.len());
            items.splice(start.min(end)..end, values);
        }
        _ if values.len() != pos.len() => {
            return Err(Error::shape(format!(
                "{PRIM}: cannot store {} values into a selection of {} list elements",
                values.len(),
                pos.len()
            ))
            .at_arg(0, format!("{} elements selected", pos.len())))
        }
        _ => {
            for (i, v) in pos.into_iter().zip(values) {
                if let Some(slot) = items.get_mut(i) {
                    *slot = v;
                }
            }
        }
    }
    Ok(())
}

/// `store(slice(target, indices...), value)`: writes into the selected region of an array
/// (value broadcast and converted to the array's dtype), list element(s), or sets a dict
/// entry. Copy-on-write: writes in place when `target` holds the only reference.
pub fn assign(target: &mut Value, indices: &[Value], value: Value) -> Result<()> {
    assign_labeled(target, indices, value, Labels(&[1, 2, 3, 4]))
}

/// [`assign`] with index labels at other argument positions.
pub fn assign_labeled(
    target: &mut Value,
    indices: &[Value],
    value: Value,
    labels: Labels,
) -> Result<()> {
    if let Value::Range(r) = target {
        // ranges become concrete lists on their first modification
        let items: Vec<Value> = r.iter().map(Value::Int).collect();
        *target = Value::list(items);
    }
    match target {
        Value::Array(a) => write_array(a, indices, &value, labels),
        Value::List(items) => {
            let sel = resolve_list(items.len(), indices, labels, "list")?;
            write_list(Arc::make_mut(items), sel, value)
        }
        Value::Dict(d) => {
            let key = dict_key(indices, labels)?;
            Arc::make_mut(d).insert(key, value);
            Ok(())
        }
        Value::Bool(_) | Value::Int(_) | Value::Float(_) => {
            Err(too_many(0, indices.len(), labels.at(0)))
        }
        other => Err(Error::type_error(format!(
            "{PRIM}: cannot store into a slice of a {}",
            other.describe()
        ))
        .at_arg(0, format!("this is a {}", other.describe()))),
    }
}
