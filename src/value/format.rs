//! The three print formats of spec 5: `plain` (Phylanx's value printer, with C's `%g` for
//! floats), `physl` (`dict(list("data", <plain>))`) and the `json` machine contract (5.3).

use super::{Array, Key, Value};
use std::fmt::Write;

/// The print formats of `--print-format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrintFormat {
    Plain,
    Physl,
    Json,
}

impl PrintFormat {
    pub fn parse(s: &str) -> Option<PrintFormat> {
        match s {
            "plain" => Some(PrintFormat::Plain),
            "physl" => Some(PrintFormat::Physl),
            "json" => Some(PrintFormat::Json),
            _ => None,
        }
    }

    pub fn render(self, v: &Value) -> String {
        match self {
            PrintFormat::Plain => plain(v),
            PrintFormat::Physl => format!("dict(list(\"data\", {}))", plain(v)),
            PrintFormat::Json => json(v),
        }
    }
}

/// C's `%g` with 6 significant digits (spec 5.1).
pub fn fmt_g(v: f64) -> String {
    let mut s = String::new();
    write_g(&mut s, v);
    s
}

fn write_g(out: &mut String, v: f64) {
    const P: i32 = 6;
    if v.is_nan() {
        out.push_str("nan");
        return;
    }
    if v.is_infinite() {
        out.push_str(if v > 0.0 { "inf" } else { "-inf" });
        return;
    }
    if v == 0.0 {
        out.push_str(if v.is_sign_negative() { "-0" } else { "0" });
        return;
    }
    // The exponent after rounding to P significant digits decides the notation.
    let sci = format!("{:.*e}", (P - 1) as usize, v);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let x: i32 = exp.parse().unwrap_or(0);
    if (-4..P).contains(&x) {
        let fixed = format!("{:.*}", (P - 1 - x) as usize, v);
        out.push_str(strip_zeros(&fixed));
    } else {
        out.push_str(strip_zeros(mantissa));
        out.push('e');
        out.push(if x < 0 { '-' } else { '+' });
        let _ = write!(out, "{:02}", x.abs());
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// The plain rendering used by `cout`, `string` and `-p` (spec 5.1).
pub fn plain(v: &Value) -> String {
    let mut out = String::new();
    write_plain(&mut out, v);
    out
}

pub fn write_plain(out: &mut String, v: &Value) {
    match v {
        Value::Nil => out.push_str("nil"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => write_g(out, *f),
        Value::Array(a) => write_plain_array(out, a),
        Value::Str(s) => out.push_str(s),
        Value::List(items) => write_list(out, items.iter()),
        Value::Range(r) => {
            // streamed: a range may be far larger than memory
            out.push_str("list(");
            for (i, v) in r.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{v}");
            }
            out.push(')');
        }
        Value::Dict(d) => {
            out.push_str("dict(");
            for (i, (k, v)) in d.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str("list(");
                write_plain(out, &k.to_value());
                out.push_str(", ");
                write_plain(out, v);
                out.push(')');
            }
            out.push(')');
        }
        Value::Func(f) => {
            let _ = write!(out, "<function {}>", f.name());
        }
    }
}

fn write_list<'a>(out: &mut String, items: impl Iterator<Item = &'a Value>) {
    out.push_str("list(");
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_plain(out, item);
    }
    out.push(')');
}

/// Plain rendering of an array: nested brackets, `", "` separators.
pub fn plain_array(a: &Array) -> String {
    let mut out = String::new();
    write_plain_array(&mut out, a);
    out
}

fn write_plain_array(out: &mut String, a: &Array) {
    match a {
        Array::Bool(x) => nested(out, x.shape(), &mut x.iter(), &mut |o, b| {
            o.push_str(if *b { "true" } else { "false" })
        }),
        Array::Int(x) => nested(out, x.shape(), &mut x.iter(), &mut |o, i| {
            let _ = write!(o, "{i}");
        }),
        Array::Float(x) => nested(out, x.shape(), &mut x.iter(), &mut |o, f| write_g(o, *f)),
    }
}

fn nested<'a, T: 'a>(
    out: &mut String,
    shape: &[usize],
    items: &mut dyn Iterator<Item = &'a T>,
    elem: &mut dyn FnMut(&mut String, &T),
) {
    match shape.split_first() {
        None => {
            if let Some(x) = items.next() {
                elem(out, x)
            }
        }
        Some((&n, rest)) => {
            out.push('[');
            for i in 0..n {
                if i > 0 {
                    out.push_str(", ");
                }
                nested(out, rest, items, elem);
            }
            out.push(']');
        }
    }
}

/// The `--print-format json` contract (spec 5.3): one line, no newline inside.
pub fn json(v: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, v);
    out
}

fn json_float(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str("\"nan\"");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { "\"inf\"" } else { "\"-inf\"" });
    } else {
        // serde_json writes the shortest representation that round-trips (ryu)
        out.push_str(&serde_json::to_string(&f).unwrap_or_else(|_| format!("{f:?}")));
    }
}

fn json_str(out: &mut String, s: &str) {
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()));
}

pub fn write_json(out: &mut String, v: &Value) {
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => {
            let _ = write!(
                out,
                "{{\"dtype\": \"bool\", \"shape\": [], \"data\": [{b}]}}"
            );
        }
        Value::Int(i) => {
            let _ = write!(
                out,
                "{{\"dtype\": \"int64\", \"shape\": [], \"data\": [{i}]}}"
            );
        }
        Value::Float(f) => {
            out.push_str("{\"dtype\": \"float64\", \"shape\": [], \"data\": [");
            json_float(out, *f);
            out.push_str("]}");
        }
        Value::Array(a) => {
            let _ = write!(
                out,
                "{{\"dtype\": \"{}\", \"shape\": {:?}, \"data\": [",
                a.dtype().name(),
                a.shape()
            );
            match a {
                Array::Bool(x) => join(out, x.iter(), |o, b| {
                    let _ = write!(o, "{b}");
                }),
                Array::Int(x) => join(out, x.iter(), |o, i| {
                    let _ = write!(o, "{i}");
                }),
                Array::Float(x) => join(out, x.iter(), |o, f| json_float(o, *f)),
            }
            out.push_str("]}");
        }
        Value::Str(s) => json_str(out, s),
        Value::List(items) => {
            out.push('[');
            join(out, items.iter(), write_json);
            out.push(']');
        }
        Value::Range(r) => {
            out.push('[');
            join(out, r.iter(), |o, i| write_json(o, &Value::Int(i)));
            out.push(']');
        }
        Value::Dict(d) => {
            out.push_str("{\"dict\": [");
            join(out, d.iter(), |o, (k, v)| {
                o.push('[');
                write_json(o, &k.to_value());
                o.push_str(", ");
                write_json(o, v);
                o.push(']');
            });
            out.push_str("]}");
        }
        Value::Func(f) => {
            out.push_str("{\"function\": ");
            json_str(out, f.name());
            out.push('}');
        }
    }
}

fn join<T>(out: &mut String, items: impl Iterator<Item = T>, mut f: impl FnMut(&mut String, T)) {
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        f(out, item);
    }
}

/// A PhySL-like representation for debugging and the REPL: strings are quoted, floats keep
/// their `.` so `2.0` and `2` are told apart.
pub fn physl_repr(v: &Value) -> String {
    match v {
        Value::Str(s) => format!("{s:?}"),
        Value::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 => {
            format!("{f:.1}")
        }
        Value::List(items) => {
            let parts: Vec<String> = items.iter().map(physl_repr).collect();
            format!("list({})", parts.join(", "))
        }
        Value::Dict(d) => {
            let parts: Vec<String> = d
                .iter()
                .map(|(k, v)| format!("list({}, {})", physl_repr(&k.to_value()), physl_repr(v)))
                .collect();
            format!("dict({})", parts.join(", "))
        }
        other => plain(other),
    }
}

/// Renders a dict key the way `plain` does (for error messages).
pub fn plain_key(k: &Key) -> String {
    plain(&k.to_value())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ArrayD, IxDyn};

    #[test]
    fn percent_g_matches_c() {
        for (v, want) in [
            (1.0, "1"),
            (2.5, "2.5"),
            (1.0 / 3.0, "0.333333"),
            (1.234_567_89, "1.23457"),
            (100000.0, "100000"),
            (1e6, "1e+06"),
            (123456789.0, "1.23457e+08"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-0.0, "-0"),
            (999999.5, "1e+06"),
            (1e-300, "1e-300"),
            (-2.5e-7, "-2.5e-07"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            assert_eq!(fmt_g(v), want, "{v}");
        }
    }

    #[test]
    fn json_contract() {
        let a =
            Value::from(ArrayD::from_shape_vec(IxDyn(&[2, 2]), vec![1.0, 2.0, 3.0, 4.5]).unwrap());
        assert_eq!(
            json(&a),
            r#"{"dtype": "float64", "shape": [2, 2], "data": [1.0, 2.0, 3.0, 4.5]}"#
        );
        let l = Value::list(vec![Value::Float(f64::NAN), Value::str("a\"b"), Value::Nil]);
        assert_eq!(
            json(&l),
            r#"[{"dtype": "float64", "shape": [], "data": ["nan"]}, "a\"b", null]"#
        );
    }

    #[test]
    fn plain_nested() {
        let a =
            Value::from(ArrayD::from_shape_vec(IxDyn(&[2, 1, 2]), vec![1i64, 2, 3, 4]).unwrap());
        assert_eq!(plain(&a), "[[[1, 2]], [[3, 4]]]");
        let l = Value::list(vec![Value::Int(1), Value::list(vec![Value::str("x")])]);
        assert_eq!(plain(&l), "list(1, list(x))");
    }
}
