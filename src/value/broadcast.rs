//! NumPy broadcasting of shapes (spec 3.4): align at the last axis, extents must match or be 1.

use crate::diagnostics::{Error, Result};

/// The broadcast shape of two shapes, or `None` when they do not fit.
pub fn broadcast_pair(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    // pushed, not `vec![0; n]`: a zeroed Vec is a calloc, which bypasses glibc's per-thread
    // cache, so its frees overflow into the fastbins and the next large malloc (every
    // array result) pays a malloc_consolidate
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let da = if i < n - a.len() {
            1
        } else {
            a[i - (n - a.len())]
        };
        let db = if i < n - b.len() {
            1
        } else {
            b[i - (n - b.len())]
        };
        out.push(match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        });
    }
    Some(out)
}

/// The broadcast shape of several operands. On a mismatch the error names both shapes and
/// labels both argument positions.
pub fn broadcast_shapes(shapes: &[&[usize]]) -> Result<Vec<usize>> {
    let mut out: Vec<usize> = Vec::new();
    for (i, s) in shapes.iter().enumerate() {
        match broadcast_pair(&out, s) {
            Some(shape) => out = shape,
            None => {
                // find the earlier operand that disagrees, for the secondary label
                let j = (0..i)
                    .find(|&j| broadcast_pair(shapes[j], s).is_none())
                    .unwrap_or(0);
                return Err(shape_mismatch(shapes[j], s, j, i));
            }
        }
    }
    Ok(out)
}

/// The error for two operands whose shapes cannot be broadcast together.
pub fn shape_mismatch(a: &[usize], b: &[usize], arg_a: usize, arg_b: usize) -> Error {
    Error::shape(format!(
        "operands of shapes {a:?} and {b:?} cannot be broadcast together"
    ))
    .at_arg(arg_b, format!("shape {b:?}"))
    .at_arg(arg_a, format!("shape {a:?}"))
    .with_help("trailing axes must be equal, or one of them 1 (NumPy broadcasting)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_rules() {
        assert_eq!(broadcast_pair(&[2, 1], &[2]), Some(vec![2, 2]));
        assert_eq!(broadcast_pair(&[], &[3]), Some(vec![3]));
        assert_eq!(broadcast_pair(&[2, 3], &[3]), Some(vec![2, 3]));
        assert_eq!(broadcast_pair(&[2, 3], &[2]), None);
        assert_eq!(broadcast_pair(&[0], &[1]), Some(vec![0]));
        let e = broadcast_shapes(&[&[2, 3], &[4]]).unwrap_err();
        assert_eq!(e.code(), "physl::shape");
    }
}
