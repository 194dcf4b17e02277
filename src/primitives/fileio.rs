//! fileio primitives (spec 4.11): CSV, the physl value file (`file_read` / `file_write`,
//! format in [`crate::kernels::serial`]) and NumPy `.npy` files ([`crate::kernels::npy`]).
//! All file access goes through the [`Context`], so the host decides what files a program
//! may touch.

use super::{bad_arg, Args, Context, Effects, Eval, Family, Primitive, Tier};
use crate::diagnostics::{Error, Result};
use crate::value::{check_shape, DType, Value};
use ndarray::{ArrayD, IxDyn};

fn filename_arg<'a>(prim: &str, args: &'a Args) -> Result<&'a str> {
    args[0]
        .as_str()
        .ok_or_else(|| bad_arg(prim, 0, "a file name (string)", &args[0]))
}

/// The host's error, made to name the primitive and the file.
fn io_context(prim: &str, name: &str, e: Error) -> Error {
    let msg = if e.message().contains(name) {
        format!("{prim}: {}", e.message())
    } else {
        format!("{prim}: cannot access \"{name}\": {}", e.message())
    };
    let err = Error::io(msg).at_arg(0, "this file");
    match e.help() {
        Some(h) => err.with_help(h),
        None => err,
    }
}

/// Parsed CSV: row-major numbers and the extents.
#[derive(Debug)]
pub struct Csv {
    pub data: Vec<f64>,
    pub rows: usize,
    pub cols: usize,
}

/// Parses comma-separated numbers. Blank lines are skipped; a first line that is not
/// entirely numeric is a header and skipped (spec 8.2 item 17). Every other line must have
/// the same number of fields, each a number; errors name `name:line:column` (1-based).
pub fn parse_csv(name: &str, text: &str) -> Result<Csv> {
    let mut data = Vec::new();
    let mut cols = None;
    let mut rows = 0;
    let mut first = true;
    for (ln, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let start = data.len();
        let mut bad = None;
        let mut col = 0usize;
        let mut count = 0usize;
        for field in line.split(',') {
            let t = field.trim();
            match t.parse::<f64>() {
                Ok(v) => data.push(v),
                Err(_) => {
                    let lead = field.len() - field.trim_start().len();
                    bad = Some((col + lead + 1, t));
                    break;
                }
            }
            count += 1;
            col += field.len() + 1;
        }
        if let Some((c, t)) = bad {
            if first {
                // a header line
                data.truncate(start);
                first = false;
                continue;
            }
            return Err(Error::io(format!(
                "file_read_csv: {name}:{}:{c}: `{t}` is not a number",
                ln + 1
            ))
            .at_arg(0, "in this file")
            .with_help(
                "every line after an optional header must hold only comma-separated numbers",
            ));
        }
        first = false;
        match cols {
            None => cols = Some(count),
            Some(n) if n != count => {
                let c = if count < n {
                    line.len() + 1
                } else {
                    nth_comma(line, n) + 1
                };
                return Err(Error::io(format!(
                    "file_read_csv: {name}:{}:{c}: this row has {count} values, the rows before have {n}",
                    ln + 1
                ))
                .at_arg(0, "in this file")
                .with_help("all rows of a CSV file must have the same number of values"));
            }
            Some(_) => {}
        }
        rows += 1;
    }
    Ok(Csv {
        data,
        rows,
        cols: cols.unwrap_or(0),
    })
}

/// Byte offset of the n-th comma (1-based count) of a line.
fn nth_comma(line: &str, n: usize) -> usize {
    line.match_indices(',')
        .nth(n.saturating_sub(1))
        .map_or(line.len(), |(i, _)| i)
}

fn file_read_csv(cx: &dyn Context, args: Args) -> Result<Value> {
    let name = filename_arg("file_read_csv", &args)?;
    let bytes = cx
        .read_file(name)
        .map_err(|e| io_context("file_read_csv", name, e))?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        Error::io(format!("file_read_csv: {name} is not UTF-8 text ({e})")).at_arg(0, "this file")
    })?;
    let csv = parse_csv(name, text)?;
    let mode3d = args[1]
        .truthy()
        .map_err(|e| e.context("file_read_csv").at_arg(1, "mode3d"))?;
    let shape: Vec<usize> = if mode3d {
        let page = match args[2].as_i64() {
            Some(p) if p >= 1 && args[2].is_scalar() => p as usize,
            _ => {
                return Err(
                    Error::value("file_read_csv: page_nrows must be a positive integer")
                        .at_arg(2, args[2].describe()),
                )
            }
        };
        if csv.rows % page != 0 {
            return Err(Error::value(format!(
                "file_read_csv: {} rows cannot be split into pages of {page} rows",
                csv.rows
            ))
            .at_arg(2, "does not divide the row count"));
        }
        vec![csv.rows / page, page, csv.cols]
    } else if csv.rows == 0 {
        vec![0]
    } else if csv.rows == 1 && csv.cols == 1 {
        vec![]
    } else if csv.rows == 1 {
        vec![csv.cols]
    } else {
        vec![csv.rows, csv.cols]
    };
    check_shape(&shape, DType::Float).map_err(|e| e.context("file_read_csv"))?;
    let a = ArrayD::from_shape_vec(IxDyn(&shape), csv.data)
        .map_err(|e| Error::internal(format!("file_read_csv: {e}")))?;
    Ok(Value::from(a))
}

/// C's `%.16e` (17 significant digits, round-trips): `1.5000000000000000e+00`.
pub fn sci(v: f64, out: &mut String) {
    use std::fmt::Write;
    if v.is_nan() {
        out.push_str("nan");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "inf" } else { "-inf" });
    } else {
        let s = format!("{v:.16e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = exp.parse().unwrap_or(0);
        let _ = write!(
            out,
            "{mant}e{}{:02}",
            if e < 0 { '-' } else { '+' },
            e.unsigned_abs()
        );
    }
}

fn file_write_csv(cx: &dyn Context, args: Args) -> Result<Value> {
    let name = filename_arg("file_write_csv", &args)?;
    let a = args[1]
        .to_array()
        .ok_or_else(|| bad_arg("file_write_csv", 1, "a number or an array", &args[1]))?;
    if a.ndim() > 2 {
        return Err(Error::value(format!(
            "file_write_csv: can write 0-D, 1-D or 2-D arrays, not {}-D",
            a.ndim()
        ))
        .at_arg(1, format!("shape {:?}", a.shape())));
    }
    let f = a.as_float();
    let cols = if a.ndim() == 0 {
        1
    } else {
        a.shape()[a.ndim() - 1]
    };
    let mut out = String::with_capacity(f.len() * 24);
    // optional header: a string (written as is) or a list of column names
    match &args[2] {
        Value::Nil => {}
        Value::Str(h) => {
            out.push_str(h);
            out.push('\n');
        }
        v if v.is_list() => {
            let names = v.list_items().map(|l| l.into_vec()).unwrap_or_default();
            if names.len() != cols {
                return Err(Error::value(format!(
                    "file_write_csv: the header has {} names but the array has {cols} columns",
                    names.len()
                ))
                .at_arg(2, format!("{} names", names.len())));
            }
            let names: Vec<String> = names.iter().map(crate::value::format::plain).collect();
            out.push_str(&names.join(","));
            out.push('\n');
        }
        other => {
            return Err(bad_arg(
                "file_write_csv",
                2,
                "nil, a string or a list of column names",
                other,
            ))
        }
    }
    let items: Vec<f64> = f.iter().copied().collect();
    for row in items.chunks(cols.max(1)) {
        for (j, &v) in row.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            sci(v, &mut out);
        }
        out.push('\n');
    }
    cx.write_file(name, out.as_bytes())
        .map_err(|e| io_context("file_write_csv", name, e))?;
    Ok(args[1].clone())
}

fn file_write(cx: &dyn Context, args: Args) -> Result<Value> {
    let name = filename_arg("file_write", &args)?;
    let text = crate::kernels::serial::encode(&args[1]).map_err(|e| {
        let label = format!("this is a {}", args[1].describe());
        e.context("file_write").at_arg(1, label)
    })?;
    cx.write_file(name, text.as_bytes())
        .map_err(|e| io_context("file_write", name, e))?;
    Ok(Value::Nil)
}

fn file_read(cx: &dyn Context, args: Args) -> Result<Value> {
    let name = filename_arg("file_read", &args)?;
    let bytes = cx
        .read_file(name)
        .map_err(|e| io_context("file_read", name, e))?;
    crate::kernels::serial::decode(name, &bytes)
        .map_err(|e| e.context("file_read").at_arg(0, "this file"))
}

fn file_write_npy(cx: &dyn Context, args: Args) -> Result<Value> {
    let name = filename_arg("file_write_npy", &args)?;
    let a = args[1]
        .to_array()
        .ok_or_else(|| bad_arg("file_write_npy", 1, "a number or an array", &args[1]))?;
    let bytes = crate::kernels::npy::encode(&a);
    cx.write_file(name, &bytes)
        .map_err(|e| io_context("file_write_npy", name, e))?;
    Ok(Value::Nil)
}

fn file_read_npy(cx: &dyn Context, args: Args) -> Result<Value> {
    let name = filename_arg("file_read_npy", &args)?;
    let bytes = cx
        .read_file(name)
        .map_err(|e| io_context("file_read_npy", name, e))?;
    crate::kernels::npy::decode(name, &bytes)
        .map_err(|e| e.context("file_read_npy").at_arg(0, "this file"))
}

pub(crate) static PRIMITIVES: &[Primitive] = &[
    Primitive {
        name: "file_read_csv",
        family: Family::Fileio,
        tier: Tier::T3,
        signature: "file_read_csv(filename, mode3d=false, page_nrows=1)",
        effects: Effects::IO,
        help: "Reads comma-separated numbers as float64: a 1x1 file gives 0-D, one row a vector, \
               otherwise a matrix.\n\
               A first line that is not entirely numeric is skipped as a header (Phylanx rejects \
               a textual header). mode3d splits the rows into pages of page_nrows rows (3-D). \
               Error: ragged rows, a non-numeric later line, an unreadable file.",
        examples: &[("file_read_csv(\"/nonexistent/x.csv\")", "!physl::io")],
        dtype_aliases: false,
        eval: Eval::Fn(file_read_csv),
    },
    Primitive {
        name: "file_write_csv",
        family: Family::Fileio,
        tier: Tier::T3,
        signature: "file_write_csv(filename, a, header=nil)",
        effects: Effects::IO,
        help: "Writes a 0-D, 1-D or 2-D array as CSV, one row per line, numbers in scientific \
               notation with 17 significant digits (round-trips). Returns the array.\n\
               header (ours): a string written as the first line, or a list of column names \
               joined with commas; file_read_csv skips such a non-numeric first line.",
        examples: &[(
            "file_write_csv(\"/nonexistent/x.csv\", [1, 2])",
            "!physl::io",
        )],
        dtype_aliases: false,
        eval: Eval::Fn(file_write_csv),
    },
    Primitive {
        name: "file_read",
        family: Family::Fileio,
        tier: Tier::T3,
        signature: "file_read(filename)",
        effects: Effects::IO,
        help: "Reads back a value written by file_write, exactly: dtype, shape, float bits, \
               dict key kinds and order.\n\
               The file is versioned JSON, {\"physl\": 1, \"value\": ...} (Phylanx uses a \
               binary HPX archive instead; the files are not interchangeable). A malformed \
               file, or one written by a newer physl, is a physl::io error naming the file \
               and the line and column or the place in the value.",
        examples: &[("file_read(\"/nonexistent/v.json\")", "!physl::io")],
        dtype_aliases: false,
        eval: Eval::Fn(file_read),
    },
    Primitive {
        name: "file_write",
        family: Family::Fileio,
        tier: Tier::T3,
        signature: "file_write(filename, value)",
        effects: Effects::IO,
        help: "Writes any value to a file for file_read; returns nil.\n\
               Numbers and 1-D..4-D arrays keep their dtype and shape, floats their exact \
               bits (nan, inf, -0.0 included); strings, lists, dicts (key kinds and \
               insertion order) and nil are kept; ranges are written as lists. Functions \
               cannot be written (physl::type). The format is versioned JSON.",
        examples: &[
            ("file_write(\"/nonexistent/v.json\", 1)", "!physl::io"),
            (
                "file_write(\"never_written.json\", list(1, lambda(x, x)))",
                "!physl::type",
            ),
        ],
        dtype_aliases: false,
        eval: Eval::Fn(file_write),
    },
    Primitive {
        name: "file_read_npy",
        family: Family::Fileio,
        tier: Tier::T3,
        signature: "file_read_npy(filename)",
        effects: Effects::IO,
        help: "Reads a NumPy .npy file (numpy.save) as an array; a physl extension, not in \
               Phylanx.\n\
               NPY versions 1.0-3.0; dtypes bool, int8..int64 and uint8..uint64 (read as \
               int64; a uint64 above the int64 range is physl::value), float16/32/64 (read as \
               float64), either byte order, C or Fortran order (converted to row-major). A \
               0-D array reads as a scalar. Object, string, complex, datetime and structured \
               arrays are physl::io errors, as are truncated files.",
        examples: &[("file_read_npy(\"/nonexistent/a.npy\")", "!physl::io")],
        dtype_aliases: false,
        eval: Eval::Fn(file_read_npy),
    },
    Primitive {
        name: "file_write_npy",
        family: Family::Fileio,
        tier: Tier::T3,
        signature: "file_write_npy(filename, a)",
        effects: Effects::IO,
        help: "Writes a number or array as a NumPy .npy file for numpy.load; returns nil. A \
               physl extension, not in Phylanx.\n\
               bool, int64 and float64 become '|b1', '<i8' and '<f8', C order, NPY version \
               1.0; a scalar is written as a 0-D array.",
        examples: &[
            (
                "file_write_npy(\"/nonexistent/a.npy\", [1, 2])",
                "!physl::io",
            ),
            (
                "file_write_npy(\"never_written.npy\", \"text\")",
                "!physl::type",
            ),
        ],
        dtype_aliases: false,
        eval: Eval::Fn(file_write_npy),
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::{call_primitive, TestContext};
    use crate::value::format::json;
    use smallvec::SmallVec;

    fn call(p: &str, args: &[Value]) -> Result<Value> {
        let prim = PRIMITIVES.iter().find(|x| x.name == p).unwrap();
        call_primitive(
            &TestContext::default(),
            prim,
            args.iter().cloned().collect::<SmallVec<_>>(),
        )
    }

    fn tmp(name: &str, text: &str) -> String {
        let dir = std::env::temp_dir().join(format!("physl_fileio_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    }

    fn read(name: &str, text: &str) -> Result<Value> {
        call("file_read_csv", &[Value::str(&tmp(name, text))])
    }

    #[test]
    fn reads_shapes() {
        let j = |n: &str, t: &str| json(&read(n, t).unwrap());
        assert_eq!(
            j("a.csv", "1,2,3\n4,5,6\n"),
            r#"{"dtype": "float64", "shape": [2, 3], "data": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]}"#
        );
        assert_eq!(
            j("b.csv", "0.5,1.5\n-2.25,3.0\n"),
            r#"{"dtype": "float64", "shape": [2, 2], "data": [0.5, 1.5, -2.25, 3.0]}"#
        );
        assert_eq!(
            j("c.csv", "1e3,-2.5e-1\r\n4, 5\r\n"),
            r#"{"dtype": "float64", "shape": [2, 2], "data": [1000.0, -0.25, 4.0, 5.0]}"#
        );
        assert_eq!(
            j("d.csv", "1,2,3\n"),
            r#"{"dtype": "float64", "shape": [3], "data": [1.0, 2.0, 3.0]}"#
        );
        assert_eq!(
            j("e.csv", "42"),
            r#"{"dtype": "float64", "shape": [], "data": [42.0]}"#
        );
        assert_eq!(
            j("f.csv", "x,y,z\n1,2,3\n4,5,6\n"),
            r#"{"dtype": "float64", "shape": [2, 3], "data": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]}"#
        );
        assert_eq!(
            j("g.csv", ""),
            r#"{"dtype": "float64", "shape": [0], "data": []}"#
        );
        assert_eq!(
            j("h.csv", "1,2\n\n3,4\n\n"),
            r#"{"dtype": "float64", "shape": [2, 2], "data": [1.0, 2.0, 3.0, 4.0]}"#
        );
        let p = tmp("p.csv", "1,2\n3,4\n5,6\n7,8\n");
        let v = call(
            "file_read_csv",
            &[Value::str(&p), Value::Bool(true), Value::Int(2)],
        )
        .unwrap();
        assert_eq!(
            json(&v),
            r#"{"dtype": "float64", "shape": [2, 2, 2], "data": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]}"#
        );
        let e = call(
            "file_read_csv",
            &[Value::str(&p), Value::Bool(true), Value::Int(3)],
        )
        .unwrap_err();
        assert_eq!(e.code(), "physl::value");
    }

    #[test]
    fn read_errors_name_file_line_column() {
        let e = read("r.csv", "1,2\n3\n").unwrap_err();
        assert_eq!(e.code(), "physl::io");
        assert!(e.message().contains("r.csv:2:2"), "{}", e.message());
        let e = read("t.csv", "a,b\nc,d\n").unwrap_err();
        assert_eq!(e.code(), "physl::io");
        assert!(e.message().contains("t.csv:2:1"), "{}", e.message());
        let e = read("u.csv", "1,2\n3, x\n").unwrap_err();
        assert!(e.message().contains("u.csv:2:4"), "{}", e.message());
        let e = read("w.csv", "1,2\n3,4,5\n").unwrap_err();
        assert!(e.message().contains("w.csv:2:4"), "{}", e.message());
        let e = call("file_read_csv", &[Value::str("does_not_exist.csv")]).unwrap_err();
        assert_eq!(e.code(), "physl::io");
        assert!(e.message().contains("does_not_exist.csv"));
        assert_eq!(
            call("file_read_csv", &[Value::Int(1)]).unwrap_err().code(),
            "physl::type"
        );
    }

    #[test]
    fn writes_round_trip() {
        let p = tmp("o.csv", "");
        let m = Value::from(
            ndarray::ArrayD::from_shape_vec(IxDyn(&[2, 2]), vec![1.5, 0.1, -3e-300, f64::NAN])
                .unwrap(),
        );
        let r = call("file_write_csv", &[Value::str(&p), m.clone()]).unwrap();
        assert_eq!(json(&r), json(&m));
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(
            text.lines().next(),
            Some("1.5000000000000000e+00,1.0000000000000001e-01")
        );
        assert_eq!(
            json(&call("file_read_csv", &[Value::str(&p)]).unwrap()),
            json(&m)
        );
        let iv = Value::from(
            ndarray::ArrayD::from_shape_vec(IxDyn(&[2, 2]), vec![1i64, 2, 3, 4]).unwrap(),
        );
        call("file_write_csv", &[Value::str(&p), iv]).unwrap();
        assert_eq!(
            json(&call("file_read_csv", &[Value::str(&p)]).unwrap()),
            r#"{"dtype": "float64", "shape": [2, 2], "data": [1.0, 2.0, 3.0, 4.0]}"#
        );
        call("file_write_csv", &[Value::str(&p), Value::Float(2.5)]).unwrap();
        assert_eq!(
            json(&call("file_read_csv", &[Value::str(&p)]).unwrap()),
            r#"{"dtype": "float64", "shape": [], "data": [2.5]}"#
        );
        let t = Value::from(ndarray::ArrayD::<f64>::zeros(IxDyn(&[1, 1, 1])));
        assert_eq!(
            call("file_write_csv", &[Value::str(&p), t])
                .unwrap_err()
                .code(),
            "physl::value"
        );
        let mut s = String::new();
        sci(1e-7, &mut s);
        assert_eq!(s, "9.9999999999999995e-08");
        s.clear();
        sci(1e22, &mut s);
        assert_eq!(s, "1.0000000000000000e+22");
        s.clear();
        sci(-0.0, &mut s);
        assert_eq!(s, "-0.0000000000000000e+00");
    }

    /// A fresh directory for one test, as a path prefix usable inside PhySL strings.
    fn dir(test: &str) -> String {
        let d = std::env::temp_dir().join(format!("physl_fileio_{}_{test}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d.to_string_lossy().replace('\\', "/")
    }

    fn run(src: &str) -> String {
        match crate::testing::eval(src) {
            Ok(v) => json(&v),
            Err(e) => e.code().to_string(),
        }
    }

    #[test]
    fn file_write_read_round_trip_through_the_engine() {
        let d = dir("serial");
        for (i, src) in [
            "nil",
            "true",
            "-3",
            "0.1",
            "-0.0",
            "0.0 / 0.0",
            "-1.0 / 0.0",
            "\"text\"",
            "[1, 2, 3]",
            "[[0.5, -1.5]]",
            "[[[true]], [[false]]]",
            "reshape(arange(16) * 0.25, list(2, 2, 2, 2))",
            "constant(0, list(0), \"int64\")",
            "list(1, \"two\", [3.0, 4.5], list())",
            "range(5)",
            "dict(list(list(\"z\", 1), list(1, 2), list(1.0, 3), list(true, list(4))))",
        ]
        .iter()
        .enumerate()
        {
            let f = format!("{d}/v{i}.json");
            let got = run(&format!(
                "block(define(v, {src}), file_write(\"{f}\", v), file_read(\"{f}\"))"
            ));
            let want = run(src);
            assert!(!want.starts_with("physl::"), "{src}: {want}");
            assert_eq!(got, want, "{src}");
            // exact: printing both in the physl format agrees too, and nan stays nan
            assert_eq!(
                crate::testing::plain(&format!(
                    "block(file_write(\"{f}\", {src}), file_read(\"{f}\"))"
                )),
                crate::testing::plain(src),
                "{src}"
            );
        }
        // file_write returns nil; dict key order is kept
        assert_eq!(run(&format!("file_write(\"{d}/n.json\", 1)")), "null");
        let dict = "dict(list(list(3, 1), list(1, 2), list(2.5, 3), list(\"a\", 4)))";
        let back = crate::testing::plain(&format!(
            "block(file_write(\"{d}/k.json\", {dict}), file_read(\"{d}/k.json\"))"
        ));
        assert_eq!(back, crate::testing::plain(dict));
        assert!(back.starts_with("dict(list(3, 1), list(1, 2)"), "{back}");
    }

    #[test]
    fn file_write_read_errors() {
        let d = dir("serial_err");
        assert_eq!(
            run(&format!("file_write(\"{d}/f.json\", lambda(x, x))")),
            "physl::type"
        );
        assert!(!std::path::Path::new(&format!("{d}/f.json")).exists());
        assert_eq!(
            run(&format!("file_read(\"{d}/missing.json\")")),
            "physl::io"
        );
        std::fs::write(
            format!("{d}/bad.json"),
            "{\"physl\": 1,\n \"value\": [1,,]}",
        )
        .unwrap();
        let e = crate::testing::eval(&format!("file_read(\"{d}/bad.json\")")).unwrap_err();
        assert_eq!(e.code(), "physl::io");
        assert!(e.message().starts_with("file_read: "), "{}", e.message());
        assert!(e.message().contains("bad.json:2:"), "{}", e.message());
        std::fs::write(format!("{d}/new.json"), "{\"physl\": 7, \"value\": 1}").unwrap();
        let e = crate::testing::eval(&format!("file_read(\"{d}/new.json\")")).unwrap_err();
        assert_eq!(e.code(), "physl::io");
        assert!(e.message().contains("newer"), "{}", e.message());
        assert_eq!(run("file_read(42)"), "physl::type");
    }

    #[test]
    fn npy_round_trip_through_the_engine() {
        let d = dir("npy");
        for (i, src) in [
            "true",
            "7",
            "2.5",
            "[1, -2, 3]",
            "[0.0, 1.0, -1.0, -0.0] / 0.0",
            "[true, false]",
            "[[1, 2], [3, 4], [5, 6]]",
            "[[1.5, 2.5, 3.5]]",
            "[[true, false], [false, true]]",
            "reshape(arange(24), list(2, 3, 4))",
            "reshape(arange(24) * 1.5, list(2, 3, 2, 2))",
            "reshape(arange(8) > 3, list(2, 2, 2))",
            "constant(0.0, list(2, 0))",
        ]
        .iter()
        .enumerate()
        {
            let f = format!("{d}/a{i}.npy");
            let got = run(&format!(
                "block(define(v, {src}), file_write_npy(\"{f}\", v), file_read_npy(\"{f}\"))"
            ));
            let want = run(src);
            assert!(!want.starts_with("physl::"), "{src}: {want}");
            assert_eq!(got, want, "{src}");
        }
        assert_eq!(run(&format!("file_write_npy(\"{d}/x.npy\", [1])")), "null");
        assert_eq!(
            run(&format!("file_write_npy(\"{d}/x.npy\", list(1, 2))")),
            "physl::type"
        );
        std::fs::write(format!("{d}/bad.npy"), b"\x93NUMPY\x01\x00").unwrap();
        assert_eq!(run(&format!("file_read_npy(\"{d}/bad.npy\")")), "physl::io");
        assert_eq!(
            run(&format!("file_read_npy(\"{d}/none.npy\")")),
            "physl::io"
        );
        // a physl value file is not an npy file and vice versa
        run(&format!("file_write(\"{d}/v.json\", [1])"));
        assert_eq!(run(&format!("file_read_npy(\"{d}/v.json\")")), "physl::io");
        assert_eq!(run(&format!("file_read(\"{d}/x.npy\")")), "physl::io");
    }

    #[test]
    fn csv_header_option() {
        let d = std::env::temp_dir().join(format!("physl-csv-header-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let f = d.join("h.csv");
        let f = f.display();
        assert_eq!(
            crate::testing::plain(&format!(
                "file_write_csv(\"{f}\", [[1, 2], [3, 4.5]], list(\"a\", \"b\")) file_read_csv(\"{f}\")"
            )),
            "[[1, 2], [3, 4.5]]"
        );
        let text = std::fs::read_to_string(d.join("h.csv")).unwrap();
        assert!(text.starts_with("a,b\n"), "{text}");
        assert_eq!(
            crate::testing::plain(&format!("file_write_csv(\"{f}\", [[1, 2]], list(\"a\"))")),
            "physl::value"
        );
        std::fs::remove_dir_all(&d).ok();
    }
}
