//! THE table: every primitive of every family, collected once. Name lookup, dtype aliases
//! (spec 4.1), signatures and the docs are all derived from it.

use super::{parse_signature, Family, Primitive, Signature};
use crate::value::DType;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Every family's entries, in catalog order.
pub fn families() -> [&'static [Primitive]; 14] {
    [
        super::core::PRIMITIVES,
        super::arithmetics::PRIMITIVES,
        super::booleans::PRIMITIVES,
        super::controls::PRIMITIVES,
        super::listops::PRIMITIVES,
        super::matrixops::PRIMITIVES,
        super::random::PRIMITIVES,
        super::linalg::PRIMITIVES,
        super::indexing::PRIMITIVES,
        super::shaping::PRIMITIVES,
        super::statistics::PRIMITIVES,
        super::solvers::PRIMITIVES,
        super::iterative::PRIMITIVES,
        super::fileio::PRIMITIVES,
    ]
}

/// All primitives, special forms included.
pub fn all() -> impl Iterator<Item = &'static Primitive> {
    families().into_iter().flatten()
}

struct Table {
    by_name: HashMap<&'static str, (&'static Primitive, Signature)>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut by_name = HashMap::new();
        for p in all() {
            let sig = parse_signature(p.name, p.signature);
            let sig_name = p.signature.split('(').next().unwrap_or("").trim();
            assert_eq!(sig_name, p.name, "signature of {} names {sig_name}", p.name);
            let dup = by_name.insert(p.name, (p, sig));
            assert!(dup.is_none(), "primitive {} is declared twice", p.name);
        }
        Table { by_name }
    })
}

/// A name resolved in the table: the primitive and, for a `NAME__int`-style alias, the
/// dtype it forces.
#[derive(Clone, Copy, Debug)]
pub struct Found {
    pub prim: &'static Primitive,
    pub dtype: Option<DType>,
}

/// Looks a name up, including the dtype-suffixed aliases.
pub fn lookup(name: &str) -> Option<Found> {
    let t = table();
    if let Some((p, _)) = t.by_name.get(name) {
        return Some(Found {
            prim: p,
            dtype: None,
        });
    }
    for (suffix, dtype) in [
        ("__bool", DType::Bool),
        ("__int", DType::Int),
        ("__float", DType::Float),
    ] {
        if let Some(base) = name.strip_suffix(suffix) {
            if let Some((p, _)) = t.by_name.get(base) {
                if p.dtype_aliases {
                    return Some(Found {
                        prim: p,
                        dtype: Some(dtype),
                    });
                }
            }
        }
    }
    None
}

/// The parsed signature of a table entry.
pub fn signature_of(p: &'static Primitive) -> &'static Signature {
    &table().by_name[p.name].1
}

/// Every callable name (aliases included), for did-you-mean and completion.
pub fn names() -> Vec<&'static str> {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES
        .get_or_init(|| {
            let mut names: Vec<&'static str> = all().map(|p| p.name).collect();
            for p in all().filter(|p| p.dtype_aliases) {
                for suffix in ["__bool", "__int", "__float"] {
                    names.push(Box::leak(format!("{}{suffix}", p.name).into_boxed_str()));
                }
            }
            names.sort_unstable();
            names
        })
        .clone()
}

/// The catalog as text for `physl --docs`: by family, each entry with its signature and
/// summary.
pub fn docs() -> String {
    let mut out = String::new();
    let mut by_family: Vec<(Family, Vec<&'static Primitive>)> = Vec::new();
    for p in all() {
        match by_family.iter_mut().find(|(f, _)| *f == p.family) {
            Some((_, v)) => v.push(p),
            None => by_family.push((p.family, vec![p])),
        }
    }
    for (family, prims) in by_family {
        out.push_str(&format!("## {}\n\n", family.name()));
        for p in prims {
            out.push_str(&format!(
                "{}  [{:?}]\n    {}\n",
                p.signature,
                p.tier,
                p.summary()
            ));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        // parses every signature, checks names unique and matching
        assert!(table().by_name.len() >= 20);
        for p in all() {
            assert!(!p.help.is_empty(), "{} has no help", p.name);
        }
    }

    #[test]
    fn aliases_resolve() {
        if let Some(f) = lookup("maximum__int") {
            assert_eq!(f.dtype, Some(DType::Int));
        }
        assert!(lookup("no_such_primitive").is_none());
    }
}
