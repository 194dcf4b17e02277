//! NumPy's `.npy` format (versions 1.0, 2.0 and 3.0), written and read without NumPy.
//!
//! A file is the magic `\x93NUMPY`, a major and minor version byte, the header length
//! (little-endian u16 for 1.0, u32 for 2.0/3.0), the header — a Python dict literal
//! `{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }` padded with spaces and a
//! final newline so that the data starts at a multiple of 64 bytes — and the raw elements.
//!
//! Writing: bool → `|b1`, int64 → `<i8`, float64 → `<f8`, always C order, version 1.0.
//! Reading: `b1`, `i1 i2 i4 i8`, `u1 u2 u4 u8` (→ int64; a u8 value above i64::MAX is a
//! `physl::value` error), `f2 f4 f8` (→ float64), either byte order, C or Fortran order.
//! 0-D arrays read as scalars. Everything else (object, string, complex, datetime,
//! structured dtypes) is a `physl::io` error.

use crate::diagnostics::{Error, Result};
use crate::value::{check_shape, Array, DType, Value};
use ndarray::{ArrayD, IxDyn, ShapeBuilder};

const MAGIC: &[u8] = b"\x93NUMPY";

// ---------------------------------------------------------------------------------------------
// Writing

/// The `.npy` bytes of a numeric value (a scalar is written as a 0-D array).
pub fn encode(a: &Array) -> Vec<u8> {
    let descr = match a.dtype() {
        DType::Bool => "|b1",
        DType::Int => "<i8",
        DType::Float => "<f8",
    };
    let shape = match a.shape() {
        [] => "()".to_string(),
        [n] => format!("({n},)"),
        s => format!(
            "({})",
            s.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    // magic (6) + version (2) + length (2) + header, ending in '\n', a multiple of 64
    let unpadded = MAGIC.len() + 4 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out =
        Vec::with_capacity(MAGIC.len() + 4 + header.len() + a.len() * a.dtype().size_of());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    match a {
        Array::Bool(x) => out.extend(x.iter().map(|&b| b as u8)),
        Array::Int(x) => x
            .iter()
            .for_each(|i| out.extend_from_slice(&i.to_le_bytes())),
        Array::Float(x) => x
            .iter()
            .for_each(|f| out.extend_from_slice(&f.to_le_bytes())),
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The header: a small Python literal parser

#[derive(Debug, Clone, PartialEq)]
enum Py {
    Str(String),
    Int(u128),
    NegInt,
    Bool(bool),
    None,
    Tuple(Vec<Py>),
    List(Vec<Py>),
    Dict(Vec<(Py, Py)>),
}

struct Lit<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Lit<'_> {
    fn ws(&mut self) {
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.pos).copied()
    }

    fn fail(&self, what: &str) -> String {
        format!("{what} at byte {} of the header", self.pos)
    }

    /// Items up to `close`, separated by commas, trailing comma allowed.
    fn seq(&mut self, close: u8, depth: usize) -> Result<(Vec<Py>, bool), String> {
        let mut items = Vec::new();
        let mut comma = false;
        loop {
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok((items, comma));
            }
            items.push(self.value(depth + 1)?);
            comma = false;
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    comma = true;
                }
                Some(c) if c == close => {}
                _ => return Err(self.fail(&format!("expected `,` or `{}`", close as char))),
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Py, String> {
        if depth > 32 {
            return Err(self.fail("nested too deeply"));
        }
        let c = self.peek().ok_or_else(|| self.fail("unexpected end"))?;
        match c {
            b'{' => {
                self.pos += 1;
                let mut pairs = Vec::new();
                loop {
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        return Ok(Py::Dict(pairs));
                    }
                    let k = self.value(depth + 1)?;
                    if self.peek() != Some(b':') {
                        return Err(self.fail("expected `:`"));
                    }
                    self.pos += 1;
                    let v = self.value(depth + 1)?;
                    pairs.push((k, v));
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {}
                        _ => return Err(self.fail("expected `,` or `}`")),
                    }
                }
            }
            b'(' => {
                self.pos += 1;
                let (items, comma) = self.seq(b')', depth)?;
                // `(x)` is just x in Python; `(x,)` is a tuple
                if items.len() == 1 && !comma {
                    Ok(items.into_iter().next().unwrap_or(Py::None))
                } else {
                    Ok(Py::Tuple(items))
                }
            }
            b'[' => {
                self.pos += 1;
                Ok(Py::List(self.seq(b']', depth)?.0))
            }
            b'\'' | b'"' => {
                self.pos += 1;
                let start = self.pos;
                while self.pos < self.s.len() && self.s[self.pos] != c {
                    if self.s[self.pos] == b'\\' {
                        self.pos += 1;
                    }
                    self.pos += 1;
                }
                if self.pos >= self.s.len() {
                    return Err(self.fail("unterminated string"));
                }
                let text = String::from_utf8_lossy(&self.s[start..self.pos]).into_owned();
                self.pos += 1;
                Ok(Py::Str(text))
            }
            b'0'..=b'9' | b'-' => {
                let neg = c == b'-';
                if neg {
                    self.pos += 1;
                }
                let start = self.pos;
                while self.pos < self.s.len() && self.s[self.pos].is_ascii_digit() {
                    self.pos += 1;
                }
                let digits = std::str::from_utf8(&self.s[start..self.pos]).unwrap_or("");
                if digits.is_empty() {
                    return Err(self.fail("expected digits"));
                }
                // Python 2 long suffix
                if matches!(self.s.get(self.pos), Some(b'L' | b'l')) {
                    self.pos += 1;
                }
                if neg {
                    return Ok(Py::NegInt);
                }
                Ok(Py::Int(digits.parse().unwrap_or(u128::MAX)))
            }
            _ => {
                let start = self.pos;
                while self.pos < self.s.len() && self.s[self.pos].is_ascii_alphanumeric() {
                    self.pos += 1;
                }
                match &self.s[start..self.pos] {
                    b"True" => Ok(Py::Bool(true)),
                    b"False" => Ok(Py::Bool(false)),
                    b"None" => Ok(Py::None),
                    _ => {
                        self.pos = start;
                        Err(self.fail("unexpected character"))
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Bool,
    Signed,
    Unsigned,
    Float,
}

#[derive(Clone, Copy, Debug)]
struct Descr {
    kind: Kind,
    size: usize,
    big: bool,
}

fn parse_descr(d: &str) -> std::result::Result<Descr, String> {
    let (big, rest) = match d.as_bytes().first() {
        Some(b'<') => (false, &d[1..]),
        Some(b'>') => (true, &d[1..]),
        Some(b'|') => (false, &d[1..]),
        Some(b'=') => (cfg!(target_endian = "big"), &d[1..]),
        _ => (cfg!(target_endian = "big"), d),
    };
    let unsupported = || {
        format!(
            "the dtype '{d}' is not supported (physl reads bool, integer and real floating \
             point arrays: b1, i1/i2/i4/i8, u1/u2/u4/u8, f2/f4/f8)"
        )
    };
    let (kind, size) = match rest {
        "b1" | "?" => (Kind::Bool, 1),
        "i1" | "b" => (Kind::Signed, 1),
        "i2" | "h" => (Kind::Signed, 2),
        "i4" => (Kind::Signed, 4),
        "i8" => (Kind::Signed, 8),
        "u1" | "B" => (Kind::Unsigned, 1),
        "u2" | "H" => (Kind::Unsigned, 2),
        "u4" => (Kind::Unsigned, 4),
        "u8" => (Kind::Unsigned, 8),
        "f2" | "e" => (Kind::Float, 2),
        "f4" => (Kind::Float, 4),
        "f8" | "d" => (Kind::Float, 8),
        _ => {
            let what = match rest.as_bytes().first() {
                Some(b'O') => "object arrays (pickled Python objects) cannot be read",
                Some(b'c') => "complex arrays are not supported",
                Some(b'S' | b'U' | b'a') => "string arrays are not supported",
                Some(b'M' | b'm') => "datetime arrays are not supported",
                Some(b'V') => "void (raw or structured) arrays are not supported",
                _ => "",
            };
            return Err(if what.is_empty() {
                unsupported()
            } else {
                format!("{} ({what})", unsupported())
            });
        }
    };
    Ok(Descr { kind, size, big })
}

/// Reads an `.npy` file. `name` starts every error message. Errors: `physl::io` for a
/// malformed or unsupported file, `physl::limit` for a shape too large to allocate,
/// `physl::value` for more than 4 dimensions or a uint64 above the int64 range.
pub fn decode(name: &str, bytes: &[u8]) -> Result<Value> {
    let io = |what: String| Error::io(format!("{name}: {what}"));
    if bytes.len() < MAGIC.len() + 2 || !bytes.starts_with(MAGIC) {
        return Err(
            io("not an NPY file (it does not start with \\x93NUMPY)".into())
                .with_help("file_read_npy reads files written by numpy.save or file_write_npy"),
        );
    }
    let (major, minor) = (bytes[6], bytes[7]);
    let (hlen, start): (usize, usize) = match major {
        1 if bytes.len() >= 10 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        1..=3 => return Err(io("the file ends inside the NPY preamble".into())),
        _ => {
            return Err(io(format!(
            "NPY format version {major}.{minor} is not supported (versions 1.0, 2.0 and 3.0 are)"
        )))
        }
    };
    let end = start
        .checked_add(hlen)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| {
            io(format!(
                "the header claims {hlen} bytes, but the file has only {} after the preamble",
                bytes.len() - start
            ))
        })?;
    let mut lit = Lit {
        s: &bytes[start..end],
        pos: 0,
    };
    let header = lit
        .value(0)
        .map_err(|e| io(format!("malformed NPY header: {e}")))?;
    let Py::Dict(pairs) = header else {
        return Err(io("malformed NPY header: it is not a dict".into()));
    };
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == Py::Str(key.into()))
            .map(|(_, v)| v)
            .ok_or_else(|| io(format!("malformed NPY header: the key '{key}' is missing")))
    };
    let descr = match get("descr")? {
        Py::Str(s) => parse_descr(s).map_err(io)?,
        Py::List(_) => {
            return Err(io(
                "structured dtypes (records with named fields) are not supported".into(),
            ))
        }
        other => return Err(io(format!("malformed NPY header: 'descr' is {other:?}"))),
    };
    let fortran = match get("fortran_order")? {
        Py::Bool(b) => *b,
        other => {
            return Err(io(format!(
                "malformed NPY header: 'fortran_order' must be True or False, not {other:?}"
            )))
        }
    };
    let dims = match get("shape")? {
        Py::Tuple(items) => items,
        other => {
            return Err(io(format!(
                "malformed NPY header: 'shape' must be a tuple, not {other:?}"
            )))
        }
    };
    let mut shape = Vec::with_capacity(dims.len());
    for d in dims {
        match d {
            Py::Int(n) => shape.push(usize::try_from(*n).map_err(|_| {
                Error::limit(format!(
                    "{name}: the NPY header claims an extent of {n}, too large for an array"
                ))
            })?),
            other => {
                return Err(io(format!(
                    "malformed NPY header: extents must be non-negative integers, not {other:?}"
                )))
            }
        }
    }
    let dtype = match descr.kind {
        Kind::Bool => DType::Bool,
        Kind::Signed | Kind::Unsigned => DType::Int,
        Kind::Float => DType::Float,
    };
    let count = check_shape(&shape, dtype).map_err(|e| e.context(name))?;
    let nbytes = count.checked_mul(descr.size).ok_or_else(|| {
        Error::limit(format!("{name}: the array of shape {shape:?} is too large"))
    })?;
    let data = &bytes[end..];
    if data.len() < nbytes {
        return Err(io(format!(
            "the data is shorter than the header says: shape {shape:?} of '{}{}' needs {nbytes} \
             bytes, the file has {}",
            if descr.big { '>' } else { '<' },
            descr_text(descr),
            data.len()
        )));
    }
    let data = &data[..nbytes];
    let a = match descr.kind {
        Kind::Bool => Array::from_bool(build(
            &shape,
            fortran,
            data.iter().map(|&b| b != 0).collect(),
        )?),
        Kind::Float => {
            let v: Vec<f64> = data
                .chunks_exact(descr.size)
                .map(|c| float_of(c, descr.big))
                .collect();
            Array::from_float(build(&shape, fortran, v)?)
        }
        Kind::Signed | Kind::Unsigned => {
            let mut v = Vec::with_capacity(count);
            for (i, c) in data.chunks_exact(descr.size).enumerate() {
                let raw = uint_of(c, descr.big);
                let x = if descr.kind == Kind::Signed {
                    // sign-extend from size bytes
                    let shift = 64 - 8 * descr.size as u32;
                    ((raw << shift) as i64) >> shift
                } else {
                    i64::try_from(raw).map_err(|_| {
                        Error::value(format!(
                            "{name}: the uint64 value {raw} (element {i}) does not fit in int64"
                        ))
                        .with_help("physl integers are int64")
                    })?
                };
                v.push(x);
            }
            Array::from_int(build(&shape, fortran, v)?)
        }
    };
    Ok(Value::from_array(a))
}

fn descr_text(d: Descr) -> String {
    let k = match d.kind {
        Kind::Bool => 'b',
        Kind::Signed => 'i',
        Kind::Unsigned => 'u',
        Kind::Float => 'f',
    };
    format!("{k}{}", d.size)
}

fn uint_of(c: &[u8], big: bool) -> u64 {
    let mut b = [0u8; 8];
    if big {
        b[8 - c.len()..].copy_from_slice(c);
        u64::from_be_bytes(b)
    } else {
        b[..c.len()].copy_from_slice(c);
        u64::from_le_bytes(b)
    }
}

fn float_of(c: &[u8], big: bool) -> f64 {
    let bits = uint_of(c, big);
    match c.len() {
        2 => half_to_f64(bits as u16),
        4 => f32::from_bits(bits as u32) as f64,
        _ => f64::from_bits(bits),
    }
}

/// IEEE binary16 → f64 (exact).
fn half_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = ((h >> 10) & 0x1f) as i32;
    let frac = (h & 0x3ff) as f64;
    match exp {
        0 => sign * frac * 2f64.powi(-24),
        31 if frac == 0.0 => sign * f64::INFINITY,
        31 => f64::NAN,
        _ => sign * (1.0 + frac / 1024.0) * 2f64.powi(exp - 15),
    }
}

fn build<T: Clone>(shape: &[usize], fortran: bool, v: Vec<T>) -> Result<ArrayD<T>> {
    let err = |e: ndarray::ShapeError| Error::internal(format!("file_read_npy: {e}"));
    if fortran && shape.len() > 1 {
        let a = ArrayD::from_shape_vec(IxDyn(shape).f(), v).map_err(err)?;
        Ok(a.as_standard_layout().into_owned())
    } else {
        ArrayD::from_shape_vec(IxDyn(shape), v).map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::eval;
    use crate::value::format::json;

    fn round(src: &str) {
        let v = eval(src).unwrap();
        let a = v.to_array().unwrap();
        let bytes = encode(&a);
        let header_end = 10 + u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!(header_end % 64, 0, "{src}");
        assert_eq!(bytes[header_end - 1], b'\n');
        let back = decode("t.npy", &bytes).unwrap();
        assert_eq!(json(&back), json(&v), "{src}");
    }

    #[test]
    fn every_dtype_and_rank_round_trips() {
        for src in [
            "true",
            "-5",
            "2.5",
            "[1, -2, 9223372036854775807]",
            "[0.1, -0.0, 1e300]",
            "[true, false, true]",
            "[[1, 2, 3], [4, 5, 6]]",
            "[[1.5], [2.5]]",
            "[[true], [false]]",
            "reshape(arange(24), list(2, 3, 4))",
            "reshape(arange(24) * 0.5, list(2, 3, 2, 2))",
            "reshape(arange(24) > 10, list(1, 2, 3, 4))",
            "constant(0, list(0), \"int64\")",
            "constant(0.0, list(3, 0))",
        ] {
            round(src);
        }
        let v = decode(
            "n.npy",
            &encode(&Array::from_float(ArrayD::from_elem(IxDyn(&[1]), f64::NAN))),
        )
        .unwrap();
        assert_eq!(
            json(&v),
            r#"{"dtype": "float64", "shape": [1], "data": ["nan"]}"#
        );
    }

    #[test]
    fn header_matches_numpy() {
        let a = eval("[[1.0, 2.0]]").unwrap().to_array().unwrap();
        let b = encode(&a);
        assert_eq!(&b[..8], b"\x93NUMPY\x01\x00");
        let h = std::str::from_utf8(&b[10..128]).unwrap();
        assert!(h.starts_with("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }"));
        assert_eq!(b.len(), 128 + 16);
        let h = String::from_utf8_lossy(&encode(&eval("[1]").unwrap().to_array().unwrap()))
            .into_owned();
        assert!(h.contains("'shape': (1,), }"), "{h}");
    }

    /// An .npy file with the given header text and data.
    fn npy(version: u8, header: &str, data: &[u8]) -> Vec<u8> {
        let mut h = header.to_string();
        let pre = if version == 1 { 10 } else { 12 };
        while !(pre + h.len() + 1).is_multiple_of(64) {
            h.push(' ');
        }
        h.push('\n');
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&[version, 0]);
        if version == 1 {
            out.extend_from_slice(&(h.len() as u16).to_le_bytes());
        } else {
            out.extend_from_slice(&(h.len() as u32).to_le_bytes());
        }
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        out
    }

    fn read(descr: &str, shape: &str, fortran: bool, data: &[u8]) -> Result<Value> {
        let h = format!(
            "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}",
            if fortran { "True" } else { "False" }
        );
        decode("x.npy", &npy(1, &h, data))
    }

    fn j(r: Result<Value>) -> String {
        match r {
            Ok(v) => json(&v),
            Err(e) => e.code().to_string(),
        }
    }

    #[test]
    fn reads_other_dtypes() {
        assert_eq!(
            j(read(
                "<f4",
                "(2,)",
                false,
                &[0, 0, 0xc0, 0x3f, 0, 0, 0x80, 0xbf]
            )),
            r#"{"dtype": "float64", "shape": [2], "data": [1.5, -1.0]}"#
        );
        assert_eq!(
            j(read(">f8", "(1,)", false, &2.5f64.to_be_bytes())),
            r#"{"dtype": "float64", "shape": [1], "data": [2.5]}"#
        );
        assert_eq!(
            j(read(
                "<f2",
                "(3,)",
                false,
                &[0x00, 0x3c, 0x00, 0xc1, 0x00, 0x7c]
            )),
            r#"{"dtype": "float64", "shape": [3], "data": [1.0, -2.5, "inf"]}"#
        );
        assert_eq!(
            j(read(
                "<i4",
                "(2,)",
                false,
                &[0xff, 0xff, 0xff, 0xff, 7, 0, 0, 0]
            )),
            r#"{"dtype": "int64", "shape": [2], "data": [-1, 7]}"#
        );
        assert_eq!(
            j(read(">i4", "(1,)", false, &[0xff, 0xff, 0xff, 0xfe])),
            r#"{"dtype": "int64", "shape": [1], "data": [-2]}"#
        );
        assert_eq!(
            j(read("<i2", "(2,)", false, &[0x00, 0x80, 1, 0])),
            r#"{"dtype": "int64", "shape": [2], "data": [-32768, 1]}"#
        );
        assert_eq!(
            j(read("|i1", "(2,)", false, &[0xff, 0x7f])),
            r#"{"dtype": "int64", "shape": [2], "data": [-1, 127]}"#
        );
        assert_eq!(
            j(read("|u1", "(2,)", false, &[0xff, 0x7f])),
            r#"{"dtype": "int64", "shape": [2], "data": [255, 127]}"#
        );
        assert_eq!(
            j(read("<u2", "(1,)", false, &[0xff, 0xff])),
            r#"{"dtype": "int64", "shape": [1], "data": [65535]}"#
        );
        assert_eq!(
            j(read(">u4", "(1,)", false, &[0xff, 0xff, 0xff, 0xff])),
            r#"{"dtype": "int64", "shape": [1], "data": [4294967295]}"#
        );
        assert_eq!(
            j(read("<u8", "(1,)", false, &(i64::MAX as u64).to_le_bytes())),
            r#"{"dtype": "int64", "shape": [1], "data": [9223372036854775807]}"#
        );
        assert_eq!(
            j(read("<u8", "(1,)", false, &u64::MAX.to_le_bytes())),
            "physl::value"
        );
        assert_eq!(
            j(read("|b1", "(2, 1)", false, &[1, 0])),
            r#"{"dtype": "bool", "shape": [2, 1], "data": [true, false]}"#
        );
        // 0-D arrays read as scalars
        assert_eq!(
            j(read("<i8", "()", false, &42i64.to_le_bytes())),
            r#"{"dtype": "int64", "shape": [], "data": [42]}"#
        );
        // version 2.0 and 3.0 headers
        let h = "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }";
        for v in [2, 3] {
            assert_eq!(
                j(decode("v.npy", &npy(v, h, &5i64.to_le_bytes()))),
                r#"{"dtype": "int64", "shape": [1], "data": [5]}"#
            );
        }
    }

    #[test]
    fn fortran_order_becomes_row_major() {
        // the 2x3 matrix [[1, 2, 3], [4, 5, 6]] stored column by column
        let data: Vec<u8> = [1i64, 4, 2, 5, 3, 6]
            .iter()
            .flat_map(|i| i.to_le_bytes())
            .collect();
        assert_eq!(
            j(read("<i8", "(2, 3)", true, &data)),
            r#"{"dtype": "int64", "shape": [2, 3], "data": [1, 2, 3, 4, 5, 6]}"#
        );
        // 2x2x2: element (i, j, k) at i + 2j + 4k
        let data: Vec<u8> = (0..8u8)
            .map(|f| {
                let (i, j, k) = (f % 2, (f / 2) % 2, f / 4);
                i * 4 + j * 2 + k
            })
            .collect();
        assert_eq!(
            j(read("|u1", "(2, 2, 2)", true, &data)),
            r#"{"dtype": "int64", "shape": [2, 2, 2], "data": [0, 1, 2, 3, 4, 5, 6, 7]}"#
        );
    }

    #[test]
    fn bad_files_are_errors() {
        assert_eq!(j(decode("x.npy", b"")), "physl::io");
        assert_eq!(j(decode("x.npy", b"PK\x03\x04 zip")), "physl::io");
        assert_eq!(j(decode("x.npy", b"\x93NUMPY\x01\x00\xff")), "physl::io");
        assert_eq!(
            j(decode("x.npy", b"\x93NUMPY\x04\x00\x10\x00")),
            "physl::io"
        );
        // header longer than the file
        assert_eq!(
            j(decode("x.npy", b"\x93NUMPY\x01\x00\xff\x00{}")),
            "physl::io"
        );
        for (descr, what) in [
            ("|O", "object"),
            ("<c16", "complex"),
            ("<U3", "string"),
            ("<M8[ns]", "datetime"),
        ] {
            let e = read(descr, "(1,)", false, &[0; 16]).unwrap_err();
            assert_eq!(e.code(), "physl::io");
            assert!(e.message().contains(what), "{}", e.message());
        }
        let e = decode(
            "s.npy",
            &npy(
                1,
                "{'descr': [('a', '<i4'), ('b', '<f8')], 'fortran_order': False, 'shape': (1,), }",
                &[0; 12],
            ),
        )
        .unwrap_err();
        assert!(e.message().contains("structured"), "{}", e.message());
        // data shorter than the header says
        let e = read("<f8", "(2, 2)", false, &[0; 31]).unwrap_err();
        assert_eq!(e.code(), "physl::io");
        assert!(e.message().contains("shorter"), "{}", e.message());
        // huge shapes are limit errors, not aborts
        assert_eq!(
            j(read("<f8", "(4294967296, 4294967296)", false, &[])),
            "physl::limit"
        );
        assert_eq!(
            j(read("<f8", "(99999999999999999999999,)", false, &[])),
            "physl::limit"
        );
        assert_eq!(
            j(read("<f8", "(1000000000000,)", false, &[])),
            "physl::limit"
        );
        // too many dimensions, negative extents, malformed headers
        assert_eq!(
            j(read("<f8", "(1, 1, 1, 1, 1)", false, &[0; 8])),
            "physl::value"
        );
        assert_eq!(j(read("<f8", "(-1,)", false, &[])), "physl::io");
        assert_eq!(
            j(decode(
                "m.npy",
                &npy(1, "{'descr': '<f8', 'shape': (1,)}", &[0; 8])
            )),
            "physl::io"
        );
        assert_eq!(
            j(decode(
                "m.npy",
                &npy(
                    1,
                    "{'descr': '<f8', 'fortran_order': False, 'shape': (1,",
                    &[0; 8]
                )
            )),
            "physl::io"
        );
        assert_eq!(j(decode("m.npy", &npy(1, "[1, 2]", &[]))), "physl::io");
        assert_eq!(
            j(decode("m.npy", &npy(1, &"(".repeat(100), &[]))),
            "physl::io"
        );
    }

    #[test]
    fn truncated_and_corrupted_files_never_panic() {
        let good = encode(
            &eval("[[1.5, 2.5], [3.5, 4.5]]")
                .unwrap()
                .to_array()
                .unwrap(),
        );
        for n in 0..good.len() {
            assert!(decode("t.npy", &good[..n]).is_err(), "prefix {n}");
        }
        for i in 0..good.len() {
            for b in [0u8, b'(', b'\'', b'\\', 0xff] {
                let mut bad = good.clone();
                bad[i] = b;
                let _ = decode("c.npy", &bad);
            }
        }
    }
}
