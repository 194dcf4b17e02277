//! Property tests of the array semantics of spec section 3 and 2.9, against naive
//! references written here: broadcasting (shapes up to 4-D, compatible and incompatible
//! pairs), dtype promotion of `+ - * / %` for every dtype pair, and slicing with random
//! `list(start, stop, step)` indices on vectors and matrices. Every case builds PhySL source
//! text from the generated data and runs it through a real `physl::Engine` session.

use physl::{DType, Engine, Value};
use proptest::prelude::*;

const CASES: u32 = 64;

/// Modest case counts; no regression files written into the source tree.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A result reduced to what the references compute: dtype, shape, row-major elements as f64
/// (bools as 0/1), or the error code.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Array {
        dtype: DType,
        shape: Vec<usize>,
        data: Vec<f64>,
    },
    Error(String),
}

fn run(src: &str) -> Outcome {
    let engine = Engine::new();
    match engine.session().eval("property", src) {
        Ok(v) => outcome(&v),
        Err(e) => Outcome::Error(e.code().to_string()),
    }
}

fn outcome(v: &Value) -> Outcome {
    let a = v
        .to_array()
        .unwrap_or_else(|| panic!("expected an array, got {}", v.describe()));
    Outcome::Array {
        dtype: a.dtype(),
        shape: a.shape().to_vec(),
        data: a.to_float_array().iter().copied().collect(),
    }
}

/// Same values, NaN equal to NaN, and the same sign of zero.
fn same_data(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            (x.is_nan() && y.is_nan()) || (x == y && x.is_sign_negative() == y.is_sign_negative())
        })
}

fn shape_text(shape: &[usize]) -> String {
    let parts: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("list({})", parts.join(", "))
}

fn list_text(items: &[String]) -> String {
    format!("list({})", items.join(", "))
}

// ------------------------------------------------------------------------------------------
// Broadcasting
// ------------------------------------------------------------------------------------------

/// NumPy's broadcast shape: aligned at the last axis; equal extents, or one of them 1.
fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for k in 0..n {
        let da = if k + a.len() >= n {
            a[k + a.len() - n]
        } else {
            1
        };
        let db = if k + b.len() >= n {
            b[k + b.len() - n]
        } else {
            1
        };
        out[k] = match (da, db) {
            _ if da == db => da,
            (1, d) | (d, 1) => d,
            _ => return None,
        };
    }
    Some(out)
}

/// Row-major flat index into `shape` of the broadcast position `idx` (of the result shape).
fn source_index(shape: &[usize], idx: &[usize]) -> usize {
    let off = idx.len() - shape.len();
    shape.iter().enumerate().fold(0, |acc, (k, &d)| {
        acc * d + if d == 1 { 0 } else { idx[off + k] }
    })
}

fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for k in (0..shape.len()).rev() {
        idx[k] = flat % shape[k];
        flat /= shape[k];
    }
    idx
}

#[derive(Debug, Clone, Copy)]
enum BinOp {
    Add,
    Sub,
    Mul,
    Max,
    Lt,
}

impl BinOp {
    fn text(self, a: &str, b: &str) -> String {
        match self {
            BinOp::Add => format!("({a}) + ({b})"),
            BinOp::Sub => format!("({a}) - ({b})"),
            BinOp::Mul => format!("({a}) * ({b})"),
            BinOp::Max => format!("maximum({a}, {b})"),
            BinOp::Lt => format!("({a}) < ({b})"),
        }
    }
    fn apply(self, x: f64, y: f64) -> f64 {
        match self {
            BinOp::Add => x + y,
            BinOp::Sub => x - y,
            BinOp::Mul => x * y,
            BinOp::Max => x.max(y),
            BinOp::Lt => f64::from(u8::from(x < y)),
        }
    }
    fn dtype(self) -> DType {
        match self {
            BinOp::Lt => DType::Bool,
            _ => DType::Int,
        }
    }
}

/// Operand `i` of shape `shape`: int64 values `base + 0, base + 1, ...` in row-major order.
fn operand(shape: &[usize], base: i64) -> (String, Vec<f64>) {
    let n: usize = shape.iter().product();
    let text = format!(
        "reshape(arange({base}, {}), {})",
        base + n as i64,
        shape_text(shape)
    );
    (text, (0..n).map(|i| (base + i as i64) as f64).collect())
}

fn any_shape() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(prop_oneof![4 => 1usize..=3, 1 => Just(0usize)], 0..=4)
}

/// Pairs of shapes: half independent (often incompatible), half derived from one shape
/// by dropping leading axes and setting some extents to 1 (always compatible).
fn shape_pair() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    let independent = (any_shape(), any_shape());
    let derived = (any_shape(), any::<u64>()).prop_map(|(a, bits)| {
        let drop = (bits % (a.len() as u64 + 1)) as usize;
        let b: Vec<usize> = a[drop..]
            .iter()
            .enumerate()
            .map(|(k, &d)| if bits >> (8 + k) & 1 == 1 { 1 } else { d })
            .collect();
        if bits >> 20 & 1 == 1 {
            (b, a)
        } else {
            (a, b)
        }
    });
    prop_oneof![independent, derived]
}

fn bin_op() -> impl Strategy<Value = BinOp> {
    prop_oneof![
        Just(BinOp::Add),
        Just(BinOp::Sub),
        Just(BinOp::Mul),
        Just(BinOp::Max),
        Just(BinOp::Lt),
    ]
}

fn broadcast_reference(a: &[usize], b: &[usize], op: BinOp) -> (String, Outcome) {
    let (ta, va) = operand(a, 1);
    let (tb, vb) = operand(b, -7);
    let src = op.text(&ta, &tb);
    let want = match broadcast_shape(a, b) {
        None => Outcome::Error("physl::shape".into()),
        Some(shape) => {
            let n: usize = shape.iter().product();
            let data = (0..n)
                .map(|flat| {
                    let idx = unravel(flat, &shape);
                    op.apply(va[source_index(a, &idx)], vb[source_index(b, &idx)])
                })
                .collect();
            Outcome::Array {
                dtype: op.dtype(),
                shape,
                data,
            }
        }
    };
    (src, want)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn broadcasting_matches_numpy_rules((a, b) in shape_pair(), op in bin_op()) {
        let (src, want) = broadcast_reference(&a, &b, op);
        let got = run(&src);
        prop_assert_eq!(got, want, "program: {}", src);
    }
}

#[test]
fn broadcasting_examples_of_the_spec() {
    // spec 3.4: a 2x1 matrix plus a length-2 vector; a length-2 vector with a 2x3 matrix
    for (a, b) in [
        (vec![2, 1], vec![2]),
        (vec![2, 3], vec![2]),
        (vec![2, 3], vec![3]),
        (vec![1, 2, 3, 1], vec![2, 1]),
        (vec![0, 2], vec![1, 2]),
        (vec![], vec![2, 2, 2, 2]),
    ] {
        let (src, want) = broadcast_reference(&a, &b, BinOp::Add);
        assert_eq!(run(&src), want, "program: {src}");
    }
}

// ------------------------------------------------------------------------------------------
// Promotion
// ------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

const ARITH: [Arith; 5] = [Arith::Add, Arith::Sub, Arith::Mul, Arith::Div, Arith::Mod];
const DTYPES: [DType; 3] = [DType::Bool, DType::Int, DType::Float];

impl Arith {
    fn symbol(self) -> &'static str {
        match self {
            Arith::Add => "+",
            Arith::Sub => "-",
            Arith::Mul => "*",
            Arith::Div => "/",
            Arith::Mod => "%",
        }
    }
}

fn common(a: DType, b: DType) -> DType {
    if a == DType::Float || b == DType::Float {
        DType::Float
    } else if a == DType::Int || b == DType::Int {
        DType::Int
    } else {
        DType::Bool
    }
}

/// NumPy's result for one element pair, widened to our three dtypes (spec 3.3).
fn arith_reference(op: Arith, da: DType, db: DType, x: f64, y: f64) -> Result<f64, &'static str> {
    let dt = common(da, db);
    Ok(match (op, dt) {
        (Arith::Sub, DType::Bool) => return Err("physl::type"),
        (Arith::Add, DType::Bool) => f64::from(u8::from(x != 0.0 || y != 0.0)),
        (Arith::Mul, DType::Bool) => f64::from(u8::from(x != 0.0 && y != 0.0)),
        (Arith::Div, _) => x / y,
        (Arith::Add, DType::Int) => (x as i64).wrapping_add(y as i64) as f64,
        (Arith::Sub, DType::Int) => (x as i64).wrapping_sub(y as i64) as f64,
        (Arith::Mul, DType::Int) => (x as i64).wrapping_mul(y as i64) as f64,
        (Arith::Add, _) => x + y,
        (Arith::Sub, _) => x - y,
        (Arith::Mul, _) => x * y,
        (Arith::Mod, DType::Float) => {
            if y == 0.0 {
                f64::NAN
            } else {
                // NumPy's remainder: fmod, then moved to the divisor's sign
                let r = x % y;
                if r != 0.0 && (r < 0.0) != (y < 0.0) {
                    r + y
                } else if r == 0.0 {
                    0.0f64.copysign(y)
                } else {
                    r
                }
            }
        }
        (Arith::Mod, _) => {
            if y == 0.0 {
                return Err("physl::zero_division");
            }
            // floored: the result has the sign of the divisor
            let (x, y) = (x as i64, y as i64);
            let r = x.rem_euclid(y);
            (if y < 0 && r != 0 { r + y } else { r }) as f64
        }
    })
}

fn result_dtype(op: Arith, da: DType, db: DType) -> DType {
    match op {
        Arith::Div => DType::Float,
        Arith::Mod if common(da, db) == DType::Bool => DType::Int,
        _ => common(da, db),
    }
}

/// A value of the given dtype as PhySL text and as f64.
fn literal(dtype: DType, seed: i64) -> (String, f64) {
    match dtype {
        DType::Bool => {
            let b = seed.rem_euclid(2) == 1;
            (b.to_string(), f64::from(u8::from(b)))
        }
        DType::Int => {
            let v = seed.rem_euclid(41) - 20;
            (format!("{v}"), v as f64)
        }
        DType::Float => {
            // quarters: exact, so the reference and physl agree bit for bit
            let v = (seed.rem_euclid(161) - 80) as f64 / 4.0;
            (format!("{v:?}"), v)
        }
    }
}

/// `op` on 0-D or vector operands built from `left`/`right` seeds: the program, physl's
/// outcome and the reference outcome.
fn check_arith(
    op: Arith,
    da: DType,
    db: DType,
    left: &[i64],
    right: &[i64],
) -> (String, Outcome, Outcome) {
    let side = |dt: DType, seeds: &[i64]| -> (String, Vec<f64>) {
        let vals: Vec<(String, f64)> = seeds.iter().map(|&s| literal(dt, s)).collect();
        let text = if seeds.len() == 1 {
            vals[0].0.clone()
        } else {
            let items: Vec<String> = vals.iter().map(|v| v.0.clone()).collect();
            format!("[{}]", items.join(", "))
        };
        (text, vals.iter().map(|v| v.1).collect())
    };
    let (ta, va) = side(da, left);
    let (tb, vb) = side(db, right);
    let src = format!("({ta}) {} ({tb})", op.symbol());
    let n = va.len().max(vb.len());
    let pick = |v: &[f64], i: usize| if v.len() == 1 { v[0] } else { v[i] };
    let elems: Result<Vec<f64>, &str> = (0..n)
        .map(|i| arith_reference(op, da, db, pick(&va, i), pick(&vb, i)))
        .collect();
    let want = match elems {
        Err(code) => Outcome::Error(code.into()),
        Ok(data) => Outcome::Array {
            dtype: result_dtype(op, da, db),
            shape: if n == 1 && va.len() == 1 && vb.len() == 1 {
                vec![]
            } else {
                vec![n]
            },
            data,
        },
    };
    let got = run(&src);
    (src, got, want)
}

fn outcomes_agree(got: &Outcome, want: &Outcome) -> bool {
    match (got, want) {
        (
            Outcome::Array {
                dtype: d1,
                shape: s1,
                data: x1,
            },
            Outcome::Array {
                dtype: d2,
                shape: s2,
                data: x2,
            },
        ) => d1 == d2 && s1 == s2 && same_data(x1, x2),
        _ => got == want,
    }
}

#[test]
fn promotion_of_every_dtype_pair() {
    let mut bad = Vec::new();
    for op in ARITH {
        for da in DTYPES {
            for db in DTYPES {
                for (l, r) in [
                    (vec![3], vec![5]),
                    (vec![1, 2, 7], vec![9]),
                    (vec![4], vec![1, 30, 99]),
                ] {
                    let (src, got, want) = check_arith(op, da, db, &l, &r);
                    if !outcomes_agree(&got, &want) {
                        bad.push(format!("{src}: got {got:?}, want {want:?}"));
                    }
                }
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

fn dtype() -> impl Strategy<Value = DType> {
    prop_oneof![Just(DType::Bool), Just(DType::Int), Just(DType::Float)]
}

fn arith() -> impl Strategy<Value = Arith> {
    prop::sample::select(ARITH.to_vec())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn promotion_and_values_match_numpy(
        op in arith(),
        da in dtype(),
        db in dtype(),
        len in prop_oneof![Just(1usize), Just(4usize)],
        seeds in prop::collection::vec(any::<i64>(), 8),
        scalar_right in any::<bool>(),
    ) {
        let left = &seeds[..len];
        let right = if scalar_right { &seeds[4..5] } else { &seeds[4..4 + len] };
        let (src, got, want) = check_arith(op, da, db, left, right);
        prop_assert!(outcomes_agree(&got, &want), "{}: got {:?}, want {:?}", src, got, want);
    }
}

// ------------------------------------------------------------------------------------------
// Slicing
// ------------------------------------------------------------------------------------------

/// One index argument of `slice`.
#[derive(Debug, Clone)]
enum Index {
    /// An integer position: the axis is dropped.
    At(i64),
    /// `nil`: the whole axis.
    Whole,
    /// `list(start, stop)` or `list(start, stop, step)`.
    Range(Option<i64>, Option<i64>, Option<i64>, bool),
}

fn opt_text(v: Option<i64>) -> String {
    v.map_or("nil".into(), |v| v.to_string())
}

impl Index {
    fn text(&self) -> String {
        match self {
            Index::At(i) => i.to_string(),
            Index::Whole => "nil".into(),
            Index::Range(a, b, s, three) => {
                let mut items = vec![opt_text(*a), opt_text(*b)];
                if *three {
                    items.push(opt_text(*s));
                }
                list_text(&items)
            }
        }
    }

    /// Python's slice semantics (clamped); `Err` with the error code.
    fn positions(&self, len: usize) -> Result<Vec<usize>, &'static str> {
        let n = len as i64;
        match *self {
            Index::At(i) => {
                let j = if i < 0 { i + n } else { i };
                if (0..n).contains(&j) {
                    Ok(vec![j as usize])
                } else {
                    Err("physl::index")
                }
            }
            Index::Whole => Ok((0..len).collect()),
            Index::Range(start, stop, step, _) => {
                let step = step.unwrap_or(1);
                if step == 0 {
                    return Err("physl::value");
                }
                let (lower, upper) = if step < 0 { (-1, n - 1) } else { (0, n) };
                let clamp = |v: Option<i64>, default: i64| match v {
                    None => default,
                    Some(v) => {
                        let v = if v < 0 { v + n } else { v };
                        v.clamp(lower, upper)
                    }
                };
                let start = clamp(start, if step < 0 { upper } else { lower });
                let stop = clamp(stop, if step < 0 { lower } else { upper });
                let mut out = Vec::new();
                let mut i = start;
                while (step > 0 && i < stop) || (step < 0 && i > stop) {
                    out.push(i as usize);
                    i += step;
                }
                Ok(out)
            }
        }
    }
}

fn index() -> impl Strategy<Value = Index> {
    let bound = || prop::option::weighted(0.8, -9i64..=9);
    prop_oneof![
        1 => (-6i64..6).prop_map(Index::At),
        1 => Just(Index::Whole),
        6 => (bound(), bound(), prop::option::weighted(0.85, -4i64..=4), any::<bool>())
            .prop_map(|(a, b, s, three)| Index::Range(a, b, if three { s } else { None }, three)),
    ]
}

/// The naive reference of `slice(a, idx...)` for a row-major array holding 0, 1, 2, ...
fn slice_reference(shape: &[usize], idx: &[Index]) -> Outcome {
    let mut picks = Vec::new();
    let mut out_shape = Vec::new();
    for (k, &d) in shape.iter().enumerate() {
        let ix = idx.get(k).cloned().unwrap_or(Index::Whole);
        match ix.positions(d) {
            Err(code) => return Outcome::Error(code.into()),
            Ok(p) => {
                if !matches!(ix, Index::At(_)) {
                    out_shape.push(p.len());
                }
                picks.push(p);
            }
        }
    }
    // row-major walk over the cartesian product of the picked positions
    let mut data = Vec::new();
    let total: usize = picks.iter().map(Vec::len).product();
    for flat in 0..total {
        let mut rest = flat;
        let mut pos = vec![0; picks.len()];
        for k in (0..picks.len()).rev() {
            pos[k] = picks[k][rest % picks[k].len()];
            rest /= picks[k].len();
        }
        let src = pos
            .iter()
            .zip(shape)
            .fold(0usize, |acc, (&p, &d)| acc * d + p);
        data.push(src as f64);
    }
    Outcome::Array {
        dtype: DType::Int,
        shape: out_shape,
        data,
    }
}

fn slice_case(shape: &[usize], idx: &[Index]) -> (String, Outcome, Outcome) {
    let n: usize = shape.iter().product();
    let texts: Vec<String> = idx.iter().map(Index::text).collect();
    let src = format!(
        "slice(reshape(arange({n}), {}), {})",
        shape_text(shape),
        texts.join(", ")
    );
    (src.clone(), run(&src), slice_reference(shape, idx))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn vector_slicing_matches_python(len in 1usize..=8, ix in index()) {
        let (src, got, want) = slice_case(&[len], &[ix]);
        prop_assert_eq!(got, want, "program: {}", src);
    }

    #[test]
    fn matrix_slicing_matches_numpy(
        rows in 1usize..=5,
        cols in 1usize..=5,
        ix in prop::collection::vec(index(), 1..=2),
    ) {
        let (src, got, want) = slice_case(&[rows, cols], &ix);
        prop_assert_eq!(got, want, "program: {}", src);
    }
}

#[test]
fn slicing_examples_of_the_spec() {
    let v = [4];
    let r = |a: Option<i64>, b: Option<i64>, s: Option<i64>| Index::Range(a, b, s, true);
    for idx in [
        vec![Index::At(-1)],
        vec![r(Some(1), Some(3), None)],
        vec![r(None, None, Some(-1))],
        vec![r(Some(0), Some(3), Some(0))],
    ] {
        let (src, got, want) = slice_case(&v, &idx);
        assert_eq!(got, want, "program: {src}");
    }
    for idx in [
        vec![Index::At(1)],
        vec![Index::Whole, Index::At(2)],
        vec![r(Some(0), Some(2), None), r(Some(1), Some(3), None)],
    ] {
        let (src, got, want) = slice_case(&[2, 3], &idx);
        assert_eq!(got, want, "program: {src}");
    }
}
