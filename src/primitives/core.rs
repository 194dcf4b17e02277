//! core primitives (spec 4.3): the special forms `define`, `define_global`, `lambda`,
//! `store` (declared here, compiled by the compiler), output (`cout`, `debug`), strings
//! (`string`, `format`), `assert`, the kind introspection `__type`/`__name` and the
//! single-locality stand-ins for Phylanx's distributed built-ins.

use super::{Args, Context, Effects, Eval, Family, Primitive, Tier};
use crate::diagnostics::{Error, ErrorKind, Result};
use crate::value::format::plain;
use crate::value::Value;

static NIL: Value = Value::Nil;

/// Argument `i`; the signature guarantees it exists, `nil` keeps a broken caller from
/// panicking.
pub(crate) fn arg(args: &Args, i: usize) -> &Value {
    args.get(i).unwrap_or(&NIL)
}

const fn special(
    name: &'static str,
    tier: Tier,
    signature: &'static str,
    effects: Effects,
    help: &'static str,
    examples: &'static [(&'static str, &'static str)],
) -> Primitive {
    Primitive {
        name,
        family: Family::Core,
        tier,
        signature,
        effects,
        help,
        examples,
        dtype_aliases: false,
        eval: Eval::Special,
    }
}

const fn prim(
    name: &'static str,
    tier: Tier,
    signature: &'static str,
    effects: Effects,
    help: &'static str,
    examples: &'static [(&'static str, &'static str)],
    f: super::PrimFn,
) -> Primitive {
    Primitive {
        name,
        family: Family::Core,
        tier,
        signature,
        effects,
        help,
        examples,
        dtype_aliases: false,
        eval: Eval::Fn(f),
    }
}

pub(crate) static PRIMITIVES: &[Primitive] = &[
    special(
        "define",
        Tier::T1,
        "define(name, rest...)",
        Effects::WRITES,
        "Special form: binds a name to a value, or to a function when parameters are given.\n\
         `define(x, expr)` evaluates expr once and binds a copy of its value; \
         `define(f, p1, ..., pn, body)` defines a function of n parameters (a parameter may be \
         `__arg(p, default)`). The value of the define is the bound value or function. \
         `define(f, lambda(body))` defines a zero-parameter function; unlike Phylanx, \
         `define(x, block(...))` runs the block once and binds its value.",
        &[
            ("define(x, 42) x + 1", "43"),
            ("define(sq, x, x * x) sq(7)", "49"),
            ("define(add, a, __arg(b, 10), a + b) add(1)", "11"),
        ],
    ),
    special(
        "define_global",
        Tier::T2,
        "define_global(name, rest...)",
        Effects::WRITES,
        "Special form: like `define`, but binds in the program (outermost) scope wherever it \
         is written.\nAn existing global binding of the name is reused.",
        &[("define_global(x, 3) x * 2", "6")],
    ),
    special(
        "lambda",
        Tier::T1,
        "lambda(rest...)",
        Effects::PURE,
        "Special form: `lambda(p1, ..., pn, body)` is an anonymous function capturing its \
         defining scope.\nCaptured variables are shared cells (a later `store` is visible inside \
         the closure); captured parameters are copied when the closure is created. \
         `lambda(body)` takes no parameters.",
        &[
            ("define(inc, lambda(x, x + 1)) inc(41)", "42"),
            ("fmap(lambda(x, x * x), list(1, 2, 3))", "list(1, 4, 9)"),
            (
                "define(make_adder, a, lambda(b, a + b)) define(add41, make_adder(41)) add41(1)",
                "42",
            ),
        ],
    ),
    special(
        "store",
        Tier::T1,
        "store(target, value)",
        Effects::WRITES,
        "Special form: assigns value to a variable or to `slice(var, ...)`; returns nil.\n\
         A sliced store writes into the selected region of an array or list (broadcast and \
         converted to the variable's dtype) or sets a dict entry. Assigning to a whole \
         function parameter is an error.",
        &[
            ("block(define(x, 1), store(x, x + 41), x)", "42"),
            ("block(define(x, 1), store(x, 2))", "nil"),
        ],
    ),
    prim(
        "cout",
        Tier::T1,
        "cout(values...)",
        Effects::IO,
        "Writes the plain rendering of each argument to stdout, separated by spaces, then a \
         newline; returns nil.\n`cout()` prints an empty line (Phylanx may print `nil`).",
        &[("cout(\"step:\", 3, [1.5, 2])", "nil")],
        cout,
    ),
    prim(
        "debug",
        Tier::T2,
        "debug(values...)",
        Effects::IO,
        "Like `cout`, but writes to stderr; returns nil.",
        &[("debug(\"x =\", 1)", "nil")],
        debug,
    ),
    prim(
        "string",
        Tier::T1,
        "string(values...)",
        Effects::PURE,
        "Concatenates the plain renderings of all arguments (no separator) into one string.\n\
         `string()` is the empty string.",
        &[
            ("string(\"x=\", 1.5)", "x=1.5"),
            (
                "string(\"v: \", [1, 2], \" \", list(1, \"a\"))",
                "v: [1, 2] list(1, a)",
            ),
        ],
        string,
    ),
    prim(
        "format",
        Tier::T2,
        "format(fmt, args...)",
        Effects::PURE,
        "Replaces each `{}`, `{N}` (1-based) or `{:spec}` / `{N:spec}` in fmt by an argument.\n\
         Without a spec the argument is rendered in the plain format; spec is a printf \
         conversion without `%`: flags `-+ #0`, width, `.precision`, an ignored length \
         modifier (`hh h l ll L`) and one of `d i u o x X c s f F e E g G` (`{:6.3lf}`, \
         `{:d}`, `{:.2e}`). `{{` and `}}` are literal braces. Unlike Phylanx, `e` and `g` \
         conversions are supported and `{:f}` does not round through single precision.",
        &[
            ("format(\"{} and {}\", \"x\", 42)", "x and 42"),
            ("format(\"{2}-{1}\", \"a\", \"b\")", "b-a"),
            (
                "format(\"[{:6.3lf}] {:05d} {:.2e}\", pi, 42, 12345.678)",
                "[ 3.142] 00042 1.23e+04",
            ),
        ],
        format_prim,
    ),
    prim(
        "assert",
        Tier::T2,
        "assert(cond, msg=nil)",
        Effects::IO,
        "Raises an assertion error (physl::assert) when cond is falsy; returns nil otherwise.\n\
         The message includes the plain rendering of msg when it is given. Declared as an \
         effect so it stays ordered with the program's output.",
        &[
            ("assert(1 < 2)", "nil"),
            ("assert(1 > 2, \"custom failure\")", "!physl::assert"),
        ],
        assert_prim,
    ),
    prim(
        "__type",
        Tier::T2,
        "__type(x)",
        Effects::PURE,
        "Integer code of the runtime kind of x: 0 nil, 1 bool, 2 int64, 3 string, \
         4 float64, 5 function, 6 future, 7 list, 8 dict.\nArrays report their dtype's code.",
        &[
            ("__type(1.5)", "4"),
            ("__type(list(1))", "7"),
            ("__type([true, false])", "1"),
        ],
        type_prim,
    ),
    prim(
        "__name",
        Tier::T2,
        "__name(x)",
        Effects::PURE,
        "String naming the runtime kind of x: nil, bool, int64, string, float64, function, \
         future, list or dict.\nPhylanx returns C++ type names instead.",
        &[
            ("__name(1)", "int64"),
            ("__name(\"s\")", "string"),
            ("__name(range(3))", "list"),
        ],
        name_prim,
    ),
    prim(
        "enable_tracing",
        Tier::T4,
        "enable_tracing(flag)",
        Effects::PURE,
        "Accepted for compatibility: Phylanx's primitive tracing does not exist here; returns \
         nil.",
        &[("enable_tracing(true)", "nil")],
        enable_tracing,
    ),
    prim(
        "annotate",
        Tier::T4,
        "annotate(x, annotations...)",
        Effects::PURE,
        "Returns x unchanged: annotations (distributed tiling metadata in Phylanx) are \
         accepted and dropped.",
        &[("annotate([1, 2], list(\"tile\", 0))", "[1, 2]")],
        annotate,
    ),
    prim(
        "annotate_d",
        Tier::T4,
        "annotate_d(x, name, annotations...)",
        Effects::PURE,
        "Returns x unchanged: distributed annotations are accepted and dropped (one locality).",
        &[("annotate_d([1, 2], \"a\", list(\"tile\", 0))", "[1, 2]")],
        annotate,
    ),
    prim(
        "find_here",
        Tier::T4,
        "find_here()",
        Effects::PURE,
        "Id of the current locality: always 0 (physl runs on one locality).",
        &[("find_here()", "0")],
        find_here,
    ),
    prim(
        "num_localities",
        Tier::T4,
        "num_localities()",
        Effects::PURE,
        "Number of localities: always 1.",
        &[("num_localities()", "1")],
        num_localities,
    ),
    prim(
        "find_all_localities",
        Tier::T4,
        "find_all_localities()",
        Effects::PURE,
        "List of all locality ids: always `list(0)`.",
        &[("find_all_localities()", "list(0)")],
        find_all_localities,
    ),
    prim(
        "hostname",
        Tier::T4,
        "hostname()",
        Effects::PURE,
        "Host name of the machine running the program, as a string.",
        &[("__type(hostname())", "3")],
        hostname,
    ),
    // `timer` is compiled as a special form (NodeKind::Timer): evaluation must be
    // timed around the unevaluated expression.
    Primitive {
        name: "timer",
        family: Family::Core,
        tier: Tier::T3,
        signature: "timer(expr, done)",
        effects: Effects::CALLS,
        help: "Special form: evaluates expr, calls done(seconds) with the elapsed wall time as a \
               float64, and yields the value of expr.\n\
               `done` is any function value of one parameter; its result is discarded. The time is \
               measured around the evaluation of expr only.",
        examples: &[
            ("timer(6 * 7, lambda(t, nil))", "42"),
            (
                "define(seen, false) timer(1, lambda(t, store(seen, t >= 0.0))) seen",
                "true",
            ),
            ("timer(1, 2)", "!physl::type"),
        ],
        dtype_aliases: false,
        eval: Eval::Special,
    },
];

fn joined(args: &Args) -> String {
    let mut out = String::new();
    for (i, v) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        crate::value::format::write_plain(&mut out, v);
    }
    out.push('\n');
    out
}

fn cout(cx: &dyn Context, args: Args) -> Result<Value> {
    cx.write_out(&joined(&args))?;
    Ok(Value::Nil)
}

fn debug(cx: &dyn Context, args: Args) -> Result<Value> {
    cx.write_err(&joined(&args))?;
    Ok(Value::Nil)
}

fn string(_cx: &dyn Context, args: Args) -> Result<Value> {
    let mut out = String::new();
    for v in &args {
        crate::value::format::write_plain(&mut out, v);
    }
    Ok(Value::from(out))
}

fn assert_prim(_cx: &dyn Context, args: Args) -> Result<Value> {
    let cond = arg(&args, 0);
    let ok = cond.truthy().map_err(|e| {
        Error::type_error(format!("assert: {}", e.message()))
            .at_arg(0, format!("this is a {}", cond.describe()))
    })?;
    if ok {
        return Ok(Value::Nil);
    }
    let msg = arg(&args, 1);
    let text = if msg.is_nil() {
        "assertion failed".to_string()
    } else {
        format!("assertion failed: {}", plain(msg))
    };
    Err(Error::new(ErrorKind::Assertion, text).at_arg(0, "this condition is false"))
}

fn type_prim(_cx: &dyn Context, args: Args) -> Result<Value> {
    Ok(Value::Int(arg(&args, 0).type_code()))
}

fn name_prim(_cx: &dyn Context, args: Args) -> Result<Value> {
    let v = arg(&args, 0);
    // kind_name already says "bool"/"int64"/"float64" for arrays, by dtype
    Ok(Value::str(v.kind_name()))
}

fn enable_tracing(_cx: &dyn Context, _args: Args) -> Result<Value> {
    Ok(Value::Nil)
}

fn annotate(_cx: &dyn Context, args: Args) -> Result<Value> {
    Ok(arg(&args, 0).clone())
}

fn find_here(_cx: &dyn Context, _args: Args) -> Result<Value> {
    Ok(Value::Int(0))
}

fn num_localities(_cx: &dyn Context, _args: Args) -> Result<Value> {
    Ok(Value::Int(1))
}

fn find_all_localities(_cx: &dyn Context, _args: Args) -> Result<Value> {
    Ok(Value::list(vec![Value::Int(0)]))
}

fn hostname(_cx: &dyn Context, _args: Args) -> Result<Value> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
        .or_else(|| std::env::var("COMPUTERNAME").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "localhost".to_string());
    Ok(Value::from(name))
}

// ---------------------------------------------------------------------------------------------
// format

fn format_prim(_cx: &dyn Context, args: Args) -> Result<Value> {
    let fmt = match arg(&args, 0) {
        Value::Str(s) => s.clone(),
        other => return Err(super::bad_arg("format", 0, "a format string", other)),
    };
    let values = args.get(1..).unwrap_or(&[]);
    crate::kernels::printf::format_str(&fmt, values).map(Value::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::TestContext;
    use smallvec::smallvec;

    fn s(v: &str) -> Value {
        Value::str(v)
    }

    #[test]
    fn format_needs_a_string() {
        let cx = TestContext::default();
        let e = format_prim(&cx, smallvec![Value::Int(1)]).unwrap_err();
        assert_eq!(e.code(), "physl::type");
        let r = format_prim(&cx, smallvec![s("{} and {:.2f}"), s("x"), Value::Int(2)]).unwrap();
        assert_eq!(r.as_str(), Some("x and 2.00"));
    }

    #[test]
    fn cout_joins_with_spaces() {
        let cx = TestContext::default();
        let arr = Value::from(
            ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[2]), vec![1.5, 2.0]).unwrap(),
        );
        let r = cout(&cx, smallvec![s("step:"), Value::Int(3), arr]).unwrap();
        assert!(r.is_nil());
        cout(&cx, smallvec![]).unwrap();
        cout(
            &cx,
            smallvec![
                Value::Float(2.0),
                Value::Nil,
                Value::list(vec![Value::Int(1), s("a")])
            ],
        )
        .unwrap();
        assert_eq!(&*cx.out.lock(), "step: 3 [1.5, 2]\n\n2 nil list(1, a)\n");
        assert!(debug(&cx, smallvec![s("x")]).unwrap().is_nil());
    }

    #[test]
    fn string_concatenates() {
        let cx = TestContext::default();
        let r = string(
            &cx,
            smallvec![s("n="), Value::Int(42), Value::Float(1.0 / 3.0)],
        )
        .unwrap();
        assert_eq!(r.as_str(), Some("n=420.333333"));
        assert_eq!(string(&cx, smallvec![]).unwrap().as_str(), Some(""));
    }

    #[test]
    fn assert_raises() {
        let cx = TestContext::default();
        assert!(assert_prim(&cx, smallvec![Value::Bool(true), Value::Nil])
            .unwrap()
            .is_nil());
        let e = assert_prim(&cx, smallvec![Value::Bool(false), Value::Nil]).unwrap_err();
        assert_eq!(e.code(), "physl::assert");
        let e =
            assert_prim(&cx, smallvec![Value::Int(0), s("custom failure message")]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Assertion);
        assert!(e.message().contains("custom failure message"));
        let e = assert_prim(&cx, smallvec![s("x"), Value::Nil]).unwrap_err();
        assert_eq!(e.code(), "physl::type");
        assert!(assert_prim(&cx, smallvec![Value::list(vec![]), Value::Nil]).is_err());
    }

    #[test]
    fn kinds() {
        let cx = TestContext::default();
        let t = |v: Value| type_prim(&cx, smallvec![v]).unwrap().as_i64().unwrap();
        let n = |v: Value| {
            name_prim(&cx, smallvec![v])
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(t(Value::Nil), 0);
        assert_eq!(t(Value::Bool(true)), 1);
        assert_eq!(t(Value::Int(1)), 2);
        assert_eq!(t(s("a")), 3);
        assert_eq!(t(Value::Float(1.0)), 4);
        assert_eq!(t(Value::list(vec![])), 7);
        assert_eq!(t(Value::Dict(Default::default())), 8);
        assert_eq!(
            t(crate::primitives::NativeFn::value("f", |_, _| Ok(
                Value::Nil
            ))),
            5
        );
        assert_eq!(n(Value::Nil), "nil");
        assert_eq!(n(Value::Float(1.0)), "float64");
        assert_eq!(n(s("a")), "string");
        assert_eq!(n(Value::Dict(Default::default())), "dict");
        assert_eq!(
            n(crate::primitives::NativeFn::value("f", |_, _| Ok(
                Value::Nil
            ))),
            "function"
        );
    }

    #[test]
    fn localities() {
        let cx = TestContext::default();
        assert_eq!(find_here(&cx, smallvec![]).unwrap().as_i64(), Some(0));
        assert_eq!(num_localities(&cx, smallvec![]).unwrap().as_i64(), Some(1));
        assert_eq!(
            plain(&find_all_localities(&cx, smallvec![]).unwrap()),
            "list(0)"
        );
        assert!(matches!(hostname(&cx, smallvec![]).unwrap(), Value::Str(s) if !s.is_empty()));
        assert_eq!(
            annotate(&cx, smallvec![Value::Int(3), Value::Nil])
                .unwrap()
                .as_i64(),
            Some(3)
        );
    }

    #[test]
    fn timer_yields_the_value_and_reports_the_time() {
        assert_eq!(
            crate::testing::plain("timer(list(1, 2), lambda(t, nil))"),
            "list(1, 2)"
        );
        assert_eq!(
            crate::testing::plain(
                "define(d, 0.0) timer(sum(constant(1, 1000)), lambda(t, store(d, t))) d >= 0.0"
            ),
            "true"
        );
    }

    #[test]
    fn timer_is_in_the_table_as_a_special_form() {
        let found = crate::primitives::registry::lookup("timer").unwrap();
        assert!(found.prim.is_special());
    }
}
