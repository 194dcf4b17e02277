//! `format` (spec 4.3): HPX-style fields (`{}`, `{N}` 1-based, `{:spec}`) whose spec is a C
//! printf conversion without `%`. Rust has no printf, so the conversions are rebuilt here on
//! top of Rust's exact float formatting (which rounds ties like glibc).

use crate::diagnostics::{Error, Result};
use crate::value::format::{plain, write_plain};
use crate::value::Value;
use std::fmt::Write;

fn fmt_error(msg: String) -> Error {
    Error::value(format!("format: {msg}"))
        .at_arg(0, "in this format string")
        .with_help("fields are `{}`, `{N}` (1-based) or `{:spec}` with a printf conversion such as `{:d}` or `{:.3f}`; write `{{` and `}}` for braces")
}

/// HPX's format: `{}` takes the next argument, `{N}` argument N (1-based; `{0}` = next);
/// every field advances the automatic index by one, whichever it used.
pub fn format_str(fmt: &str, values: &[Value]) -> Result<String> {
    let mut out = String::with_capacity(fmt.len() + 8 * values.len());
    let mut rest = fmt;
    let mut index = 0usize;
    while let Some(pos) = rest.find(['{', '}']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if tail.starts_with('}') {
            return Err(fmt_error(format!(
                "unmatched `}}` at byte {} of the format string",
                fmt.len() - tail.len()
            )));
        }
        let end = tail.find('}').ok_or_else(|| {
            fmt_error(format!(
                "unclosed `{{` at byte {} of the format string",
                fmt.len() - tail.len()
            ))
        })?;
        let field = &tail[1..end];
        let (id, spec) = match field.split_once(':') {
            Some((id, spec)) => (id, Some(spec)),
            None => (field, None),
        };
        let id = id.trim();
        let n = if id.is_empty() {
            0
        } else {
            id.parse::<usize>()
                .map_err(|_| fmt_error(format!("`{{{field}}}` is not a valid field")))?
        };
        let which = if n == 0 { index } else { n - 1 };
        let value = values.get(which).ok_or_else(|| {
            fmt_error(format!(
                "field `{{{field}}}` needs argument {}, but only {} {} given",
                which + 1,
                values.len(),
                if values.len() == 1 { "was" } else { "were" }
            ))
        })?;
        match spec {
            None | Some("") => write_plain(&mut out, value),
            Some(spec) => printf_one(&mut out, spec, value, which + 1)?,
        }
        index = index.wrapping_add(1);
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[derive(Default, Debug)]
struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
    conv: char,
}

/// Widths and precisions above this are refused (they would only allocate memory).
const MAX_WIDTH: usize = 4096;

fn parse_spec(spec: &str) -> Option<Spec> {
    let b = spec.as_bytes();
    let mut i = 0;
    let mut s = Spec::default();
    while i < b.len() {
        match b[i] {
            b'-' => s.left = true,
            b'+' => s.plus = true,
            b' ' => s.space = true,
            b'#' => s.alt = true,
            b'0' => s.zero = true,
            _ => break,
        }
        i += 1;
    }
    let num = |i: &mut usize| -> Option<usize> {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == start {
            return Some(0);
        }
        spec[start..*i]
            .parse::<usize>()
            .ok()
            .filter(|&n| n <= MAX_WIDTH)
    };
    s.width = num(&mut i)?;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        s.precision = Some(num(&mut i)?);
    }
    let rest = &spec[i..];
    let conv = ["hh", "ll", "h", "l", "L", "j", "z", "t", ""]
        .iter()
        .find_map(|m| rest.strip_prefix(m).filter(|c| c.len() == 1))?;
    s.conv = conv.chars().next()?;
    "diuoxXcsfFeEgG".contains(s.conv).then_some(s)
}

fn pad(out: &mut String, s: &Spec, sign: &str, body: &str, numeric_zero: bool) {
    let len = sign.chars().count() + body.chars().count();
    let fill = s.width.saturating_sub(len);
    if s.left {
        out.push_str(sign);
        out.push_str(body);
        out.extend(std::iter::repeat_n(' ', fill));
    } else if s.zero && numeric_zero {
        out.push_str(sign);
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(body);
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(sign);
        out.push_str(body);
    }
}

fn sign_of(negative: bool, s: &Spec) -> &'static str {
    if negative {
        "-"
    } else if s.plus {
        "+"
    } else if s.space {
        " "
    } else {
        ""
    }
}

fn printf_one(out: &mut String, spec_text: &str, v: &Value, argn: usize) -> Result<()> {
    let s = parse_spec(spec_text)
        .ok_or_else(|| fmt_error(format!("invalid format specifier `{spec_text}`")))?;
    let wrong = |what: &str| {
        Error::type_error(format!(
            "format: the specifier `{spec_text}` expects {what}, but argument {argn} is a {}",
            v.describe()
        ))
        .at_arg(argn, format!("this is a {}", v.describe()))
    };
    match s.conv {
        's' => {
            let text = plain(v);
            let body: String = match s.precision {
                Some(p) => text.chars().take(p).collect(),
                None => text,
            };
            pad(out, &s, "", &body, false);
        }
        'c' => {
            let code = match v {
                Value::Int(i) => *i,
                Value::Bool(b) => *b as i64,
                _ => return Err(wrong("an integer scalar")),
            };
            let c = u32::try_from(code)
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| {
                    Error::value(format!("format: {code} is not a character code"))
                        .at_arg(argn, "out of range for `c`")
                })?;
            pad(out, &s, "", &c.to_string(), false);
        }
        'd' | 'i' | 'u' | 'o' | 'x' | 'X' => {
            let i = match v {
                Value::Int(i) => *i,
                Value::Bool(b) => *b as i64,
                _ => return Err(wrong("an integer scalar")),
            };
            let (negative, mut digits) = match s.conv {
                'd' | 'i' => (i < 0, i.unsigned_abs().to_string()),
                'u' => (false, (i as u64).to_string()),
                'o' => (false, format!("{:o}", i as u64)),
                'x' => (false, format!("{:x}", i as u64)),
                _ => (false, format!("{:X}", i as u64)),
            };
            if let Some(p) = s.precision {
                if p == 0 && i == 0 {
                    digits.clear();
                } else if digits.len() < p {
                    digits = "0".repeat(p - digits.len()) + &digits;
                }
            }
            let mut prefix = sign_of(negative, &s).to_string();
            if s.conv == 'd' || s.conv == 'i' {
                // sign chars only for signed conversions
            } else {
                prefix.clear();
            }
            if s.alt {
                match s.conv {
                    'o' if !digits.starts_with('0') => digits.insert(0, '0'),
                    'x' if i != 0 => prefix.push_str("0x"),
                    'X' if i != 0 => prefix.push_str("0X"),
                    _ => {}
                }
            }
            pad(out, &s, &prefix, &digits, s.precision.is_none());
        }
        _ => {
            let f = match v {
                Value::Int(i) => *i as f64,
                Value::Bool(b) => *b as u8 as f64,
                Value::Float(f) => *f,
                _ => return Err(wrong("a numeric scalar")),
            };
            let (sign, body) = float_body(f, &s);
            pad(out, &s, sign, &body, f.is_finite());
        }
    }
    Ok(())
}

/// The sign and digits of a float conversion (`f F e E g G`), as C's printf writes them.
fn float_body(f: f64, s: &Spec) -> (&'static str, String) {
    let upper = s.conv.is_ascii_uppercase();
    let sign = sign_of(f.is_sign_negative() && !f.is_nan(), s);
    if !f.is_finite() {
        let t = if f.is_nan() { "nan" } else { "inf" };
        return (
            sign,
            if upper {
                t.to_ascii_uppercase()
            } else {
                t.to_string()
            },
        );
    }
    let a = f.abs();
    let p = s.precision.unwrap_or(6);
    let body = match s.conv.to_ascii_lowercase() {
        'f' => fixed(a, p, s.alt),
        'e' => sci(a, p, s.alt, upper),
        _ => {
            let p = p.max(1);
            let x = sci_exponent(a, p - 1);
            let mut t = if x < -4 || x >= p as i32 {
                sci(a, p - 1, s.alt, upper)
            } else {
                fixed(a, (p as i32 - 1 - x).max(0) as usize, s.alt)
            };
            if !s.alt {
                t = strip_fraction_zeros(&t);
            }
            t
        }
    };
    (sign, body)
}

fn fixed(a: f64, p: usize, alt: bool) -> String {
    let mut t = format!("{a:.p$}");
    if alt && p == 0 {
        t.push('.');
    }
    t
}

/// The decimal exponent of `a` once rounded to `p + 1` significant digits.
fn sci_exponent(a: f64, p: usize) -> i32 {
    let t = format!("{a:.p$e}");
    t.split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0)
}

fn sci(a: f64, p: usize, alt: bool, upper: bool) -> String {
    let t = format!("{a:.p$e}");
    let (mant, exp) = t.split_once('e').unwrap_or((&t, "0"));
    let x: i32 = exp.parse().unwrap_or(0);
    let mut out = mant.to_string();
    if alt && p == 0 {
        out.push('.');
    }
    let _ = write!(
        out,
        "{}{}{:02}",
        if upper { 'E' } else { 'e' },
        if x < 0 { '-' } else { '+' },
        x.unsigned_abs()
    );
    out
}

/// `%g` without `#`: trailing zeros of the fraction and a bare `.` go (the exponent stays).
fn strip_fraction_zeros(t: &str) -> String {
    let (mant, exp) = match t.find(['e', 'E']) {
        Some(i) => t.split_at(i),
        None => (t, ""),
    };
    let mant = if mant.contains('.') {
        mant.trim_end_matches('0').trim_end_matches('.')
    } else {
        mant
    };
    format!("{mant}{exp}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::str(v)
    }

    fn fmt(f: &str, vals: Vec<Value>) -> String {
        format_str(f, &vals).unwrap()
    }

    fn fmt_err(f: &str, vals: Vec<Value>) -> Error {
        format_str(f, &vals).unwrap_err()
    }

    #[test]
    fn format_fields() {
        assert_eq!(fmt("{} and {}", vec![s("x"), s("y")]), "x and y");
        assert_eq!(fmt("total: {}", vec![Value::Int(42)]), "total: 42");
        assert_eq!(fmt("{2}-{1}", vec![s("a"), s("b")]), "b-a");
        assert_eq!(fmt("{1}{}", vec![s("a"), s("b")]), "ab");
        assert_eq!(fmt("{0}{0}", vec![s("a"), s("b")]), "ab");
        assert_eq!(fmt("{{}} {}", vec![Value::Float(2.5)]), "{} 2.5");
        assert_eq!(fmt("no fields", vec![Value::Int(1)]), "no fields");
        assert_eq!(fmt("{}", vec![Value::Float(2.0)]), "2");
        assert_eq!(fmt("é{}ü", vec![s("ß")]), "éßü");
    }

    #[test]
    fn format_printf_integers() {
        assert_eq!(fmt("{:d}", vec![Value::Int(-42)]), "-42");
        assert_eq!(
            fmt(
                "{:5d}|{:-5d}|{:05d}",
                vec![Value::Int(42), Value::Int(42), Value::Int(-42)]
            ),
            "   42|42   |-0042"
        );
        assert_eq!(
            fmt("{:+d} {: d}", vec![Value::Int(7), Value::Int(7)]),
            "+7  7"
        );
        assert_eq!(
            fmt("{:.3d}|{:.0d}|", vec![Value::Int(7), Value::Int(0)]),
            "007||"
        );
        assert_eq!(
            fmt(
                "{:x} {:X} {:#x} {:o} {:#o}",
                vec![
                    Value::Int(255),
                    Value::Int(255),
                    Value::Int(255),
                    Value::Int(8),
                    Value::Int(8)
                ]
            ),
            "ff FF 0xff 10 010"
        );
        assert_eq!(fmt("{:u}", vec![Value::Int(-1)]), "18446744073709551615");
        assert_eq!(
            fmt(
                "{:lld} {:ld} {:hhd}",
                vec![Value::Int(1), Value::Int(2), Value::Int(3)]
            ),
            "1 2 3"
        );
        assert_eq!(
            fmt("{:d}", vec![Value::Int(i64::MIN)]),
            "-9223372036854775808"
        );
        assert_eq!(fmt("{:d}", vec![Value::Bool(true)]), "1");
        assert_eq!(fmt("{:c}{:c}", vec![Value::Int(72), Value::Int(105)]), "Hi");
    }

    #[test]
    fn format_printf_floats() {
        let pi = Value::Float(std::f64::consts::PI);
        assert_eq!(fmt("{:6.3lf}", vec![pi.clone()]), " 3.142");
        assert_eq!(fmt("{:f}", vec![pi.clone()]), "3.141593");
        assert_eq!(fmt("{:.2f}", vec![Value::Int(2)]), "2.00");
        assert_eq!(fmt("{:.2f}", vec![Value::Float(0.125)]), "0.12");
        assert_eq!(
            fmt("{:.0f} {:#.0f}", vec![Value::Float(2.5), Value::Float(3.0)]),
            "2 3."
        );
        assert_eq!(fmt("{:e}", vec![Value::Float(12345.678)]), "1.234568e+04");
        assert_eq!(fmt("{:.2E}", vec![Value::Float(-0.000123)]), "-1.23E-04");
        assert_eq!(fmt("{:e}", vec![Value::Float(0.0)]), "0.000000e+00");
        assert_eq!(fmt("{:g}", vec![Value::Float(0.0001)]), "0.0001");
        assert_eq!(fmt("{:g}", vec![Value::Float(0.00001)]), "1e-05");
        assert_eq!(fmt("{:g}", vec![Value::Float(123456789.0)]), "1.23457e+08");
        assert_eq!(
            fmt("{:g} {:g}", vec![Value::Float(100000.0), Value::Float(1e6)]),
            "100000 1e+06"
        );
        assert_eq!(fmt("{:.3g}", vec![Value::Float(2.0)]), "2");
        assert_eq!(fmt("{:#.3g}", vec![Value::Float(2.0)]), "2.00");
        assert_eq!(fmt("{:G}", vec![Value::Float(1e-10)]), "1E-10");
        assert_eq!(fmt("{:.0g}", vec![Value::Float(123.0)]), "1e+02");
        assert_eq!(fmt("{:08.2f}", vec![Value::Float(-3.25159)]), "-0003.25");
        assert_eq!(fmt("{:+.1f}", vec![Value::Float(1.0)]), "+1.0");
        assert_eq!(fmt("{:f}", vec![Value::Float(-0.0)]), "-0.000000");
        assert_eq!(
            fmt(
                "{:5f}|{:F}|{:05f}",
                vec![
                    Value::Float(f64::NAN),
                    Value::Float(f64::INFINITY),
                    Value::Float(f64::NEG_INFINITY)
                ]
            ),
            "  nan|INF| -inf"
        );
        for (v, want) in [
            (1.0, "1"),
            (2.5, "2.5"),
            (1.0 / 3.0, "0.333333"),
            (999999.5, "1e+06"),
            (-2.5e-7, "-2.5e-07"),
        ] {
            assert_eq!(fmt("{:g}", vec![Value::Float(v)]), want);
        }
    }

    #[test]
    fn format_strings_and_padding() {
        assert_eq!(
            fmt(
                "[{:5s}][{:-5s}][{:.2s}]",
                vec![s("ab"), s("ab"), s("abcdef")]
            ),
            "[   ab][ab   ][ab]"
        );
        assert_eq!(
            fmt("{:s}", vec![Value::list(vec![Value::Int(1)])]),
            "list(1)"
        );
        assert_eq!(fmt("{:s}", vec![Value::Float(1.5)]), "1.5");
    }

    #[test]
    fn format_errors() {
        assert_eq!(fmt_err("{}", vec![]).code(), "physl::value");
        assert_eq!(fmt_err("{3}", vec![Value::Int(1)]).code(), "physl::value");
        assert_eq!(fmt_err("{", vec![Value::Int(1)]).code(), "physl::value");
        assert_eq!(fmt_err("}", vec![]).code(), "physl::value");
        assert_eq!(fmt_err("{x}", vec![Value::Int(1)]).code(), "physl::value");
        assert_eq!(fmt_err("{:q}", vec![Value::Int(1)]).code(), "physl::value");
        assert_eq!(
            fmt_err("{:>10}", vec![Value::Int(1)]).code(),
            "physl::value"
        );
        assert_eq!(
            fmt_err("{:99999d}", vec![Value::Int(1)]).code(),
            "physl::value"
        );
        assert_eq!(
            fmt_err("{:d}", vec![Value::Float(1.5)]).code(),
            "physl::type"
        );
        assert_eq!(fmt_err("{:f}", vec![s("x")]).code(), "physl::type");
        assert_eq!(fmt_err("{:c}", vec![Value::Int(-1)]).code(), "physl::value");
        let e = fmt_err("{:d}", vec![Value::Nil]);
        assert!(e.message().starts_with("format:"), "{}", e.message());
    }
}
