//! Random primitives (spec 4.8 rows random .. shuffle; spec 8.1 "Random streams"): draws
//! from the session's seeded generator (`Context::random`). Every entry has the RANDOM
//! effect, so draws happen in program order and a seed repeats a run exactly. Sampling
//! lives in `kernels/random.rs`.

use super::statistics::dtype_arg;
use super::{bad_arg, Args, Context, Effects, Eval, Family, Primitive, Tier};
use crate::diagnostics::{Error, Result};
use crate::kernels::random::{shuffle_slice, splitmix64_fill, Dist, Generator, Spread, DIST_NAMES};
use crate::value::{check_shape, Array, DType, Value, MAX_NDIM};
use ndarray::{ArrayD, Axis, IxDyn};

/// Draws between interrupt checks.
const CHUNK: usize = 1 << 16;

use super::matrixops::shape_arg as size_arg;

/// Draws an array of `shape` from `dist` (int64 for integer distributions, float64
/// otherwise), then converts to `dtype` if given. 0-D shapes give a scalar.
fn draw(
    cx: &dyn Context,
    prim: &str,
    dist: &Dist,
    shape: &[usize],
    dtype: Option<DType>,
) -> Result<Value> {
    let native = if dist.is_integer() {
        DType::Int
    } else {
        DType::Float
    };
    let count = check_shape(shape, native).map_err(|e| e.context(prim))?;
    let sh = IxDyn(shape);
    let internal = |e: ndarray::ShapeError| Error::internal(format!("{prim}: {e}"));
    let array = if native == DType::Int {
        let mut out = Vec::with_capacity(count);
        while out.len() < count {
            cx.check_interrupt()?;
            let n = (count - out.len()).min(CHUNK);
            dist.fill_i64(&mut cx.random().lock(), n, &mut out);
        }
        Array::from_int(ArrayD::from_shape_vec(sh, out).map_err(internal)?)
    } else {
        let mut out = Vec::with_capacity(count);
        while out.len() < count {
            cx.check_interrupt()?;
            let n = (count - out.len()).min(CHUNK);
            dist.fill_f64(&mut cx.random().lock(), n, &mut out);
        }
        Array::from_float(ArrayD::from_shape_vec(sh, out).map_err(internal)?)
    };
    Ok(Value::from_array(match dtype {
        Some(dt) => array.cast(dt),
        None => array,
    }))
}

// ---------------------------------------------------------------------------------------------
// Distribution arguments

fn dist_error(message: String, label: &str) -> Error {
    Error::value(format!("random: {message}")).at_arg(1, label.to_string())
}

/// A real parameter: finite.
fn real_param(name: &str, what: &str, v: &Value) -> Result<f64> {
    match v.as_f64() {
        Some(x) if x.is_finite() => Ok(x),
        Some(x) => Err(dist_error(
            format!("the {name} parameter {what} must be finite, not {x}"),
            "bad parameter",
        )),
        None => Err(Error::type_error(format!(
            "random: the {name} parameter {what} must be a number, not a {}",
            v.describe()
        ))
        .at_arg(1, "bad parameter")),
    }
}

/// An integer parameter (integral floats accepted).
fn int_param(name: &str, what: &str, v: &Value) -> Result<i64> {
    v.as_i64().ok_or_else(|| {
        if v.is_numeric() {
            dist_error(
                format!("the {name} parameter {what} must be an integer, not {v}"),
                "bad parameter",
            )
        } else {
            Error::type_error(format!(
                "random: the {name} parameter {what} must be an integer, not a {}",
                v.describe()
            ))
            .at_arg(1, "bad parameter")
        }
    })
}

/// Checks a parameter condition, naming the rule and the value.
fn require(ok: bool, name: &str, rule: &str, got: f64) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(dist_error(
            format!("the {name} distribution requires {rule} (got {got})"),
            "bad parameter",
        ))
    }
}

/// Parses the `dist` argument: nil (standard normal), a name, or `list(name, p1[, p2])`.
/// Missing parameters take C++ `<random>`'s defaults.
fn dist_arg(v: &Value) -> Result<Dist> {
    let (name, params): (String, Vec<Value>) = match v {
        Value::Nil => return Ok(Dist::STANDARD_NORMAL),
        Value::Str(s) => (s.to_string(), Vec::new()),
        Value::List(_) => {
            let items = v.list_items().map(|l| l.into_vec()).unwrap_or_default();
            match items.split_first() {
                Some((Value::Str(s), rest)) => (s.to_string(), rest.to_vec()),
                _ => {
                    return Err(Error::type_error(
                        "random: a distribution list must start with the distribution name",
                    )
                    .at_arg(1, "expected list(name, p1, p2)"))
                }
            }
        }
        other => {
            return Err(bad_arg(
                "random",
                1,
                "a distribution name, a list or nil",
                other,
            ))
        }
    };
    let Some(&known) = DIST_NAMES.iter().find(|&&n| n == name) else {
        let mut e = Error::value(format!("random: unknown distribution \"{name}\""))
            .at_arg(1, "not a distribution")
            .with_help(format!("known distributions: {}", DIST_NAMES.join(", ")));
        if let Some(s) = crate::diagnostics::did_you_mean(&name, DIST_NAMES.iter().copied()) {
            e = e.with_help(format!(
                "did you mean \"{s}\"? Known distributions: {}",
                DIST_NAMES.join(", ")
            ));
        }
        return Err(e);
    };
    let takes = match known {
        "bernoulli" | "geometric" | "poisson" | "exponential" | "chi_squared" | "student_t" => 1,
        _ => 2,
    };
    if params.len() > takes {
        return Err(dist_error(
            format!(
                "the {known} distribution takes at most {takes} parameter{}, not {}",
                if takes == 1 { "" } else { "s" },
                params.len()
            ),
            "too many parameters",
        ));
    }
    let real = |i: usize, what: &str, default: f64| -> Result<f64> {
        params
            .get(i)
            .map_or(Ok(default), |p| real_param(known, what, p))
    };
    let int = |i: usize, what: &str, default: i64| -> Result<i64> {
        params
            .get(i)
            .map_or(Ok(default), |p| int_param(known, what, p))
    };
    let positive = |x: f64, what: &str| require(x > 0.0, known, &format!("{what} > 0"), x);
    Ok(match known {
        "uniform_int" => {
            let (low, high) = (int(0, "low", 0)?, int(1, "high", i64::MAX)?);
            require(low <= high, known, "low <= high", high as f64)?;
            Dist::UniformInt { low, high }
        }
        "uniform" => {
            let (low, high) = (real(0, "low", 0.0)?, real(1, "high", 1.0)?);
            require(low <= high, known, "low <= high", high)?;
            require(
                (high - low).is_finite(),
                known,
                "a finite high - low",
                high - low,
            )?;
            Dist::Uniform { low, high }
        }
        "bernoulli" => {
            let p = real(0, "p", 0.5)?;
            require((0.0..=1.0).contains(&p), known, "0 <= p <= 1", p)?;
            Dist::Bernoulli { p }
        }
        "binomial" => {
            let (n, p) = (int(0, "n", 1)?, real(1, "p", 0.5)?);
            require(n >= 0, known, "n >= 0 trials", n as f64)?;
            require((0.0..=1.0).contains(&p), known, "0 <= p <= 1", p)?;
            Dist::Binomial { n, p }
        }
        "negative_binomial" => {
            let (k, p) = (int(0, "k", 1)?, real(1, "p", 0.5)?);
            require(k > 0, known, "k > 0 successes", k as f64)?;
            require(p > 0.0 && p <= 1.0, known, "0 < p <= 1", p)?;
            Dist::NegativeBinomial { k, p }
        }
        "geometric" => {
            let p = real(0, "p", 0.5)?;
            require(p > 0.0 && p <= 1.0, known, "0 < p <= 1", p)?;
            Dist::Geometric { p }
        }
        "poisson" => {
            let mean = real(0, "mean", 1.0)?;
            require(mean >= 0.0, known, "mean >= 0", mean)?;
            Dist::Poisson { mean }
        }
        "exponential" => {
            let lambda = real(0, "lambda", 1.0)?;
            positive(lambda, "lambda")?;
            Dist::Exponential { lambda }
        }
        "gamma" => {
            let (alpha, beta) = (real(0, "alpha", 1.0)?, real(1, "beta", 1.0)?);
            positive(alpha, "alpha")?;
            positive(beta, "beta")?;
            Dist::Gamma { alpha, beta }
        }
        "weibull" => {
            let (a, b) = (real(0, "a", 1.0)?, real(1, "b", 1.0)?);
            positive(a, "a")?;
            positive(b, "b")?;
            Dist::Weibull { a, b }
        }
        "extreme_value" => {
            let (a, b) = (real(0, "a", 0.0)?, real(1, "b", 1.0)?);
            positive(b, "b")?;
            Dist::ExtremeValue { a, b }
        }
        "normal" | "truncated_normal" => {
            let (mean, std) = (real(0, "mean", 0.0)?, real(1, "std", 1.0)?);
            require(std >= 0.0, known, "std >= 0", std)?;
            if known == "normal" {
                Dist::Normal { mean, std }
            } else {
                Dist::TruncatedNormal { mean, std }
            }
        }
        "lognormal" => {
            let (m, s) = (real(0, "m", 0.0)?, real(1, "s", 1.0)?);
            require(s >= 0.0, known, "s >= 0", s)?;
            Dist::Lognormal { m, s }
        }
        "chi_squared" => {
            let n = real(0, "n", 1.0)?;
            positive(n, "n")?;
            Dist::ChiSquared { n }
        }
        "cauchy" => {
            let (a, b) = (real(0, "a", 0.0)?, real(1, "b", 1.0)?);
            positive(b, "b")?;
            Dist::Cauchy { a, b }
        }
        "fisher_f" => {
            let (m, n) = (real(0, "m", 1.0)?, real(1, "n", 1.0)?);
            positive(m, "m")?;
            positive(n, "n")?;
            Dist::FisherF { m, n }
        }
        _ => {
            let n = real(0, "n", 1.0)?;
            positive(n, "n")?;
            Dist::StudentT { n }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Primitives

fn random(cx: &dyn Context, args: Args) -> Result<Value> {
    let shape = size_arg("random", &args[0], 0)?;
    let dist = dist_arg(&args[1])?;
    let dtype = dtype_arg("random", &args[2], 2)?;
    draw(cx, "random", &dist, &shape, dtype)
}

fn random_sample(cx: &dyn Context, args: Args) -> Result<Value> {
    let shape = size_arg("random_sample", &args[0], 0)?;
    let dist = Dist::Uniform {
        low: 0.0,
        high: 1.0,
    };
    draw(cx, "random_sample", &dist, &shape, None)
}

fn random_integers(cx: &dyn Context, args: Args) -> Result<Value> {
    let bound = |i: usize| -> Result<i64> {
        args[i]
            .as_i64()
            .ok_or_else(|| bad_arg("random_integers", i, "an integer", &args[i]))
    };
    let (low, high) = if args[1].is_nil() {
        (1, bound(0)?)
    } else {
        (bound(0)?, bound(1)?)
    };
    if low > high {
        return Err(Error::value(format!(
            "random_integers: low must not exceed high (low {low}, high {high})"
        ))
        .at_arg(if args[1].is_nil() { 0 } else { 1 }, "the range is empty"));
    }
    let shape = size_arg("random_integers", &args[2], 2)?;
    draw(
        cx,
        "random_integers",
        &Dist::UniformInt { low, high },
        &shape,
        None,
    )
}

fn randn(cx: &dyn Context, args: Args) -> Result<Value> {
    if args.len() > MAX_NDIM {
        return Err(Error::value(format!(
            "randn: at most {MAX_NDIM} dimensions, not {}",
            args.len()
        ))
        .at_arg(MAX_NDIM, "one dimension too many"));
    }
    let shape = args
        .iter()
        .enumerate()
        .map(|(i, v)| match v.as_i64() {
            Some(n) if n >= 0 => Ok(n as usize),
            Some(n) => Err(Error::value(format!("randn: negative dimension {n}"))
                .at_arg(i, "dimensions must be >= 0")),
            None => Err(bad_arg("randn", i, "an integer", v)),
        })
        .collect::<Result<Vec<_>>>()?;
    draw(cx, "randn", &Dist::STANDARD_NORMAL, &shape, None)
}

fn set_seed(cx: &dyn Context, args: Args) -> Result<Value> {
    let seed = args[0]
        .as_i64()
        .ok_or_else(|| bad_arg("set_seed", 0, "an integer", &args[0]))?;
    *cx.random().lock() = Generator::from_seed(seed as u64);
    Ok(Value::Nil)
}

fn get_seed(cx: &dyn Context, _args: Args) -> Result<Value> {
    Ok(Value::Int(cx.random().lock().seed() as i64))
}

fn shuffle(cx: &dyn Context, args: Args) -> Result<Value> {
    let a = &args[0];
    match a {
        Value::List(_) | Value::Range(_) => {
            let mut items = a.list_items().map(|l| l.into_vec()).unwrap_or_default();
            shuffle_slice(&mut cx.random().lock(), &mut items);
            Ok(Value::list(items))
        }
        Value::Array(arr) => {
            let mut order: Vec<usize> = (0..arr.shape()[0]).collect();
            shuffle_slice(&mut cx.random().lock(), &mut order);
            let out = match arr {
                Array::Bool(x) => Array::from_bool(x.select(Axis(0), &order)),
                Array::Int(x) => Array::from_int(x.select(Axis(0), &order)),
                Array::Float(x) => Array::from_float(x.select(Axis(0), &order)),
            };
            Ok(Value::Array(out))
        }
        other => Err(bad_arg("shuffle", 0, "an array or a list", other)
            .with_help("shuffle permutes the elements of a vector or list, or a matrix's rows")),
    }
}

/// Counter-based SplitMix64 data (the benchmark generator of ../shared/bench/README.md): a
/// pure function of (seed, index), independent of the session generator, so it is PURE and the
/// same call gives the same bits anywhere, in any order, on any thread count.
fn splitmix64(cx: &dyn Context, args: Args) -> Result<Value> {
    let seed = args[0]
        .as_i64()
        .ok_or_else(|| bad_arg("splitmix64", 0, "an integer seed", &args[0]))?;
    let shape = size_arg("splitmix64", &args[1], 1)?;
    let spread = match &args[2] {
        Value::Nil => Spread::Uniform,
        Value::Str(s) if &**s == "uniform" => Spread::Uniform,
        Value::Str(s) if &**s == "symmetric" => Spread::Symmetric,
        Value::Str(s) => {
            return Err(
                Error::value(format!("splitmix64: unknown distribution \"{s}\""))
                    .at_arg(2, "not \"uniform\" or \"symmetric\"")
                    .with_help("dist is \"uniform\" ([0, 1)) or \"symmetric\" ([-1, 1))"),
            )
        }
        other => return Err(bad_arg("splitmix64", 2, "a distribution name", other)),
    };
    let count = check_shape(&shape, DType::Float).map_err(|e| e.context("splitmix64"))?;
    cx.check_interrupt()?;
    let mut out = vec![0.0; count];
    splitmix64_fill(seed as u64, spread, &mut out);
    let array = ArrayD::from_shape_vec(IxDyn(&shape), out)
        .map_err(|e| Error::internal(format!("splitmix64: {e}")))?;
    Ok(Value::from_array(Array::from_float(array)))
}

const fn rand_prim(
    name: &'static str,
    signature: &'static str,
    help: &'static str,
    examples: &'static [(&'static str, &'static str)],
    f: super::PrimFn,
) -> Primitive {
    Primitive {
        name,
        family: Family::Matrixops,
        tier: Tier::T2,
        signature,
        effects: Effects::RANDOM,
        help,
        examples,
        dtype_aliases: false,
        eval: Eval::Fn(f),
    }
}

pub(crate) static PRIMITIVES: &[Primitive] = &[
    Primitive {
        name: "splitmix64",
        family: Family::Matrixops,
        tier: Tier::T4,
        signature: "splitmix64(seed, size=nil, dist=\"uniform\")",
        help: "Deterministic float64 data from the counter-based SplitMix64 stream (physl's own; \
               the benchmark generator of shared/bench/README.md, bit for bit the same as its \
               NumPy side).\n\
               Element i (row-major) is mix64(seed + (i+1) * 0x9E3779B97F4A7C15) with \
               SplitMix64's finaliser; dist \"uniform\" (default) takes its top 53 bits times \
               2^-53 ([0, 1), exact), \"symmetric\" gives 2u - 1 ([-1, 1), exact). size as for \
               random. Unlike random it does not touch the session generator: the result \
               depends only on the arguments (negative seeds are taken modulo 2^64).",
        examples: &[
            ("splitmix64(1, 3)", "[0.566562, 0.745782, 0.971003]"),
            (
                "splitmix64(1, 3, \"symmetric\")",
                "[0.133123, 0.491564, 0.942006]",
            ),
            ("shape(splitmix64(2, list(2, 3)))", "list(2, 3)"),
            ("splitmix64(1, 3, \"normal\")", "!physl::value"),
        ],
        effects: Effects::PURE,
        dtype_aliases: false,
        eval: Eval::Fn(splitmix64),
    },
    rand_prim(
        "random",
        "random(size=nil, dist=nil, dtype=nil)",
        "Array of random samples; size nil (0-D), an int (vector) or a list of extents.\n\
         DEFAULT IS STANDARD NORMAL (NumPy's random.random is uniform: use random_sample or \
         dist \"uniform\"). dist is a name or list(name, p1[, p2]) with C++ <random>'s \
         parameters and defaults: uniform_int(low=0, high=int64 max; inclusive), \
         uniform(low=0, high=1; [low, high)), bernoulli(p=0.5), binomial(n=1, p=0.5), \
         negative_binomial(k=1, p=0.5; failures before k successes), geometric(p=0.5; \
         failures before the first success), poisson(mean=1), exponential(lambda=1; rate), \
         gamma(alpha=1, beta=1; shape, scale), weibull(a=1, b=1; shape, scale), \
         extreme_value(a=0, b=1; Gumbel location, scale), normal(mean=0, std=1), \
         truncated_normal(mean=0, std=1; redrawn beyond 2 std), lognormal(m=0, s=1), \
         chi_squared(n=1), cauchy(a=0, b=1), fisher_f(m=1, n=1), student_t(n=1). Integer \
         distributions (uniform_int .. poisson) give int64, the others float64; dtype \
         converts.",
        &[
            ("shape(random(list(2, 3)))", "list(2, 3)"),
            (
                "block(set_seed(1), all(random(100, list(\"uniform\", 2, 5)) >= 2))",
                "true",
            ),
            ("random(3, \"gaussian\")", "!physl::value"),
        ],
        random,
    ),
    rand_prim(
        "random_sample",
        "random_sample(size=nil)",
        "Uniform samples in [0, 1) (float64); size nil (0-D), an int or a list of extents.",
        &[("shape(random_sample(list(2, 2)))", "list(2, 2)")],
        random_sample,
    ),
    rand_prim(
        "random_integers",
        "random_integers(low, high=nil, size=nil)",
        "Uniform int64 samples in [low, high], inclusive; with high nil the range is [1, low].\n\
         Unbiased for any range. Error: low > high.",
        &[
            (
                "block(set_seed(3), all(random_integers(1, 6, 50) <= 6))",
                "true",
            ),
            ("random_integers(4, 4)", "4"),
            ("random_integers(5, 2)", "!physl::value"),
        ],
        random_integers,
    ),
    rand_prim(
        "randn",
        "randn(dims...)",
        "Standard-normal samples of shape (d0, d1, ...), like numpy.random.randn; no \
         arguments gives a 0-D value.",
        &[("shape(randn(2, 3))", "list(2, 3)")],
        randn,
    ),
    rand_prim(
        "set_seed",
        "set_seed(n)",
        "Reseeds the session's generator with the integer n; returns nil.\n\
         The same seed gives the same numbers on every run and thread count (spec 8.1).",
        &[(
            "block(set_seed(5), define(a, random(4)), set_seed(5), all(a == random(4)))",
            "true",
        )],
        set_seed,
    ),
    rand_prim(
        "get_seed",
        "get_seed()",
        "The seed of the generator in use (int64).\n\
         Without set_seed, --seed or PHYSL_SEED this is the seed taken from the operating \
         system, so any run can be repeated (Phylanx returns 0 then).",
        &[("block(set_seed(123), get_seed())", "123")],
        get_seed,
    ),
    rand_prim(
        "shuffle",
        "shuffle(a)",
        "A random permutation of a vector's elements, a matrix's rows (axis 0 of any array) \
         or a list's elements (Fisher–Yates).\n\
         On a variable or parameter the compiler makes it update in place; the value is \
         returned either way.",
        &[
            ("block(set_seed(2), sort(shuffle([3, 1, 2])))", "[1, 2, 3]"),
            ("shuffle(\"abc\")", "!physl::type"),
        ],
        shuffle,
    ),
];

#[cfg(test)]
mod tests {
    use crate::testing::{json, plain};

    #[test]
    fn shapes_and_dtypes() {
        assert_eq!(plain("shape(random(5))"), "list(5)");
        assert_eq!(plain("shape(random(list(2, 3, 4, 5)))"), "list(2, 3, 4, 5)");
        assert_eq!(plain("__type(random())"), "4");
        assert_eq!(plain("shape(random(list()))"), "list()");
        assert_eq!(plain("shape(random(0))"), "list(0)");
        assert_eq!(plain("__type(random(3, list(\"poisson\", 2.0)))"), "2");
        assert_eq!(plain("__type(random(3, \"uniform_int\", \"float\"))"), "4");
        assert_eq!(plain("__type(random(3, \"normal\", \"int\"))"), "2");
        assert_eq!(plain("__type(random(3, \"bernoulli\", \"bool\"))"), "1");
        assert_eq!(plain("__type(random_integers(9))"), "2");
        assert_eq!(plain("shape(randn())"), "list()");
        assert_eq!(plain("shape(random_sample())"), "list()");
        assert_eq!(plain("random(list(1, 2, 3, 4, 5))"), "physl::value");
        assert_eq!(plain("random(-1)"), "physl::value");
        assert_eq!(plain("randn(1, 1, 1, 1, 1)"), "physl::value");
        assert_eq!(plain("random(\"x\")"), "physl::type");
    }

    #[test]
    fn every_distribution_draws_in_range() {
        for (dist, check) in [
            ("list(\"uniform_int\", -2, 2)", "all(r >= -2 && r <= 2)"),
            ("\"uniform_int\"", "all(r >= 0)"),
            ("list(\"uniform\", -1.0, 1.0)", "all(r >= -1.0 && r < 1.0)"),
            ("list(\"bernoulli\", 0.2)", "all(r == 0 || r == 1)"),
            ("list(\"binomial\", 20, 0.7)", "all(r >= 0 && r <= 20)"),
            ("list(\"negative_binomial\", 2, 0.5)", "all(r >= 0)"),
            ("list(\"geometric\", 0.3)", "all(r >= 0)"),
            ("list(\"poisson\", 50.0)", "all(r >= 0)"),
            ("list(\"exponential\", 3.0)", "all(r >= 0.0)"),
            ("list(\"gamma\", 0.3, 2.0)", "all(r >= 0.0)"),
            ("list(\"weibull\", 1.5, 2.0)", "all(r >= 0.0)"),
            ("list(\"extreme_value\", 0.0, 1.0)", "all(isfinite(r))"),
            ("list(\"normal\", 10.0, 0.0)", "all(r == 10.0)"),
            (
                "list(\"truncated_normal\", 0.0, 1.0)",
                "all(r >= -2.0 && r <= 2.0)",
            ),
            ("list(\"lognormal\", 0.0, 1.0)", "all(r > 0.0)"),
            ("list(\"chi_squared\", 4.0)", "all(r >= 0.0)"),
            ("list(\"cauchy\", 0.0, 1.0)", "all(isfinite(r))"),
            ("list(\"fisher_f\", 3.0, 7.0)", "all(r >= 0.0)"),
            ("list(\"student_t\", 3.0)", "all(isfinite(r))"),
        ] {
            let src = format!("block(set_seed(4), define(r, random(2000, {dist})), {check})");
            assert_eq!(plain(&src), "true", "{src}");
        }
    }

    #[test]
    fn moments_through_the_interpreter() {
        let src = "block(set_seed(6), define(r, random(100000, list(\"gamma\", 2.0, 3.0))), \
                   list(absolute(mean(r) - 6.0) < 0.1, absolute(var(r) - 18.0) < 0.6))";
        assert_eq!(plain(src), "list(true, true)");
        let src = "block(set_seed(6), define(r, random(100000, list(\"binomial\", 40, 0.5))), \
                   list(absolute(mean(r) - 20.0) < 0.05, absolute(var(r) - 10.0) < 0.3))";
        assert_eq!(plain(src), "list(true, true)");
    }

    #[test]
    fn bad_parameters() {
        for dist in [
            "\"gaussian\"",
            "list(\"bernoulli\", 1.5)",
            "list(\"binomial\", -1, 0.5)",
            "list(\"binomial\", 2.5, 0.5)",
            "list(\"normal\", 0.0, -1.0)",
            "list(\"uniform\", 2.0, 1.0)",
            "list(\"uniform_int\", 3, 1)",
            "list(\"poisson\", 1.0, 2.0)",
            "list(\"gamma\", 0.0)",
            "list(\"geometric\", 0.0)",
            "list(\"exponential\", nan)",
        ] {
            assert_eq!(
                plain(&format!("random(3, {dist})")),
                "physl::value",
                "{dist}"
            );
        }
        assert_eq!(plain("random(3, list(1, 2))"), "physl::type");
        assert_eq!(plain("random(3, list(\"normal\", \"a\"))"), "physl::type");
    }

    #[test]
    fn determinism() {
        let src = "block(set_seed(77), list(random(3), random_integers(1, 100, 3), \
                   shuffle(range(6)), random(2, list(\"gamma\", 0.5))))";
        assert_eq!(json(src), json(src));
        assert_eq!(
            plain("block(set_seed(-5), get_seed())"),
            "-5",
            "negative seeds round-trip"
        );
        assert_eq!(
            plain("block(set_seed(1), define(a, randn(50)), set_seed(2), all(a == randn(50)))"),
            "false"
        );
    }

    #[test]
    fn shuffle_kinds() {
        let l = plain("block(set_seed(3), shuffle(list(3, 1, 2, \"a\")))");
        let mut items: Vec<&str> = l[5..l.len() - 1].split(", ").collect();
        items.sort_unstable();
        assert_eq!(items, ["1", "2", "3", "a"], "{l}");
        let rows = "block(set_seed(3), define(m, shuffle([[1, 2], [3, 4], [5, 6]])), \
                    list(shape(m), sum(m, 0), sort(sum(m, 1))))";
        assert_eq!(plain(rows), "list(list(3, 2), [9, 12], [3, 7, 11])");
        assert_eq!(plain("shuffle(list())"), "list()");
        assert_eq!(plain("shuffle(5)"), "physl::type");
    }

    #[test]
    fn splitmix64_primitive() {
        use crate::testing::eval;
        // README test vectors, through the interpreter
        let v = eval("splitmix64(1, 3, \"symmetric\")").unwrap();
        let a = v.to_array().unwrap();
        let got: Vec<f64> = a.as_float().iter().copied().collect();
        assert_eq!(
            got,
            [0.1331231503445618, 0.49156351452540226, 0.9420055071735924]
        );
        assert_eq!(
            plain("splitmix64(1, 2) == splitmix64(1, 2, \"uniform\")"),
            "[true, true]"
        );
        assert_eq!(
            plain("all(reshape(splitmix64(3, list(4, 5)), 20) == splitmix64(3, 20))"),
            "true",
            "row-major fill"
        );
        assert_eq!(plain("shape(splitmix64(1))"), "list()");
        assert_eq!(plain("splitmix64(1.5, 3)"), "physl::type");
        assert_eq!(plain("splitmix64(1, -3)"), "physl::value");
        assert_eq!(plain("splitmix64(1, 3, 5)"), "physl::type");
        assert_eq!(plain("splitmix64(1, 3, \"normal\")"), "physl::value");
        // the stream is independent of the session generator and of draws around it
        assert_eq!(
            plain(
                "block(set_seed(1), define(a, splitmix64(9, 4)), random(3), \
                   all(a == splitmix64(9, 4)))"
            ),
            "true"
        );
    }

    /// Exact sum of values that are all multiples of 2^-53 with |x| < 1 (uniform and
    /// symmetric data), rounded once: Python's math.fsum.
    fn exact_sum(x: &[f64]) -> f64 {
        let scale = 9_007_199_254_740_992.0;
        let total: i128 = x.iter().map(|&v| (v * scale) as i128).sum();
        total as f64 / scale
    }

    /// Checks our data against `numpy_ref.py vectors` (probes and exactly rounded sums of
    /// every workload's inputs); skips when python3, numpy or the script is absent.
    #[test]
    fn splitmix64_matches_numpy_ref_vectors() {
        use crate::kernels::random::{splitmix64_fill, Spread};
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/bench/numpy_ref.py");
        let out = match std::process::Command::new("python3")
            .args([script, "vectors"])
            .output()
        {
            Ok(o) if o.status.success() => o.stdout,
            _ => {
                eprintln!("skipped: `python3 {script} vectors` did not run (numpy absent?)");
                return;
            }
        };
        let probes: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let cases: [(&str, u64, Spread, usize); 5] = [
            ("gemm --n 1000: A", 1, Spread::Symmetric, 1_000_000),
            ("gemm --n 1000: B", 2, Spread::Symmetric, 1_000_000),
            ("gemv --n 10000: x", 2, Spread::Symmetric, 10_000),
            (
                "sum-reduce: x with --n 1000000",
                1,
                Spread::Uniform,
                1_000_000,
            ),
            ("lra: X", 1, Spread::Symmetric, 569 * 30),
        ];
        for (key, seed, spread, n) in cases {
            let p = &probes[key];
            let mut x = vec![0.0; n];
            splitmix64_fill(seed, spread, &mut x);
            let elements = p["elements"].as_object().unwrap();
            assert!(!elements.is_empty(), "{key}");
            for (i, hex) in elements {
                let i: usize = i.parse().unwrap();
                assert_eq!(hex_float(hex.as_str().unwrap()), x[i], "{key} [{i}]");
            }
            // serde_json's default float parser may be an ulp off; Rust's own parse is exact
            let raw = std::str::from_utf8(&out).unwrap();
            let after = &raw[raw.find(&format!("\"{key}\"")).unwrap()..];
            let field = &after[after.find("\"fsum\": ").unwrap() + 8..];
            let fsum: f64 = field[..field.find(['\n', ',', '}']).unwrap()]
                .trim()
                .parse()
                .unwrap();
            assert_eq!(exact_sum(&x).to_bits(), fsum.to_bits(), "{key}: fsum");
        }
    }

    /// Parses Python's `float.hex()` form (`-0x1.8bd3ac6c93f9ep-1`, `0x0.0p+0`).
    fn hex_float(s: &str) -> f64 {
        let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
        let s = s.strip_prefix("0x").unwrap();
        let (mant, exp) = s.split_once('p').unwrap();
        let (int, frac) = mant.split_once('.').unwrap();
        let m = u64::from_str_radix(&format!("{int}{frac}"), 16).unwrap();
        let e: i32 = exp.parse::<i32>().unwrap() - 4 * frac.len() as i32;
        let v = m as f64 * 2f64.powi(e);
        if neg {
            -v
        } else {
            v
        }
    }
}
