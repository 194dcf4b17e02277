//! `--dump-ast` / `--load-ast`: the AST as versioned JSON (format in `docs/ast-format.md`).
//!
//! A dump carries the text of every source its spans point into (the script, and the rules
//! files of `-t` when it was transformed), so that after loading, diagnostics still show the
//! original lines. Spans are stored per source (`[source, start, end]`, byte offsets local to
//! that source) because global offsets belong to one engine's `SourceMap`.
//!
//! Loading trusts nothing: every field is checked and every problem is a `physl::io` error
//! naming the JSON path of the bad field, never a panic. A dump written by a newer physl
//! (a larger `version`) is refused with a message saying so.

use super::ast::{ArrayData, ArrayLit, BinaryOp, Call, Expr, ExprKind, Ident, UnaryOp};
use super::parser::MAX_DEPTH;
use super::span::{SourceMap, Span};
use crate::diagnostics::{Error, Result};
use serde_json::{json, Map, Value as Json};
use std::collections::HashMap;

/// The value of the `format` field.
pub const FORMAT: &str = "physl-ast";
/// The format version this physl writes; it reads every version up to this one.
pub const VERSION: u64 = 1;

/// JSON nesting per AST level is 2 (an object and its `args`/`items` array); a little slack
/// for the envelope. Checked before serde_json recurses, so a hostile file cannot overflow
/// the stack.
const MAX_JSON_NESTING: usize = 2 * MAX_DEPTH as usize + 8;

const BINARY_OPS: [BinaryOp; 13] = [
    BinaryOp::Or,
    BinaryOp::And,
    BinaryOp::Eq,
    BinaryOp::Ne,
    BinaryOp::Lt,
    BinaryOp::Le,
    BinaryOp::Gt,
    BinaryOp::Ge,
    BinaryOp::Add,
    BinaryOp::Sub,
    BinaryOp::Mul,
    BinaryOp::Div,
    BinaryOp::Mod,
];
const UNARY_OPS: [UnaryOp; 3] = [UnaryOp::Neg, UnaryOp::Not, UnaryOp::Plus];

// ------------------------------------------------------------------------------------------
// Writing

/// The JSON text of a dump of `exprs`, whose spans are resolved through `sources`.
pub fn dump(exprs: &[Expr], sources: &SourceMap) -> String {
    let mut w = Writer {
        sources,
        index: HashMap::new(),
        list: Vec::new(),
    };
    let program = Json::Array(exprs.iter().map(|e| w.expr(e)).collect());
    // serde_json sorts object keys; the envelope is written by hand so that `format` and
    // `version` come first for a reader that looks at the head of the file.
    let text = |v: &Json| serde_json::to_string(v).unwrap_or_default();
    format!(
        "{{\"format\":{},\"version\":{VERSION},\"generator\":{},\n\"sources\":{},\n\"program\":{}}}\n",
        text(&json!(FORMAT)),
        text(&json!(concat!("physl ", env!("CARGO_PKG_VERSION")))),
        text(&Json::Array(w.list)),
        text(&program),
    )
}

struct Writer<'a> {
    sources: &'a SourceMap,
    /// Source base offset → index in `list`.
    index: HashMap<u32, usize>,
    list: Vec<Json>,
}

impl Writer<'_> {
    fn span(&mut self, span: Span) -> Json {
        let Some(src) = self.sources.find(span) else {
            return Json::Null;
        };
        let len = src.text.len() as u32;
        let next = self.list.len();
        let idx = *self.index.entry(src.base).or_insert(next);
        if idx == next {
            self.list.push(json!({"name": src.name, "text": src.text}));
        }
        let start = (span.start - src.base).min(len);
        let end = span.end.saturating_sub(src.base).clamp(start, len);
        json!([idx, start, end])
    }

    fn ident(&mut self, id: &Ident) -> Json {
        json!({
            "name": id.name,
            "position": position_json(id.position),
            "span": self.span(id.span),
        })
    }

    fn expr(&mut self, e: &Expr) -> Json {
        let mut obj = Map::new();
        let (kind, fields): (&str, Vec<(&str, Json)>) = match &e.kind {
            ExprKind::Int(v) => ("int", vec![("value", json!(v))]),
            ExprKind::Float(v) => ("float", vec![("value", float_json(*v))]),
            ExprKind::Str(s) => ("str", vec![("value", json!(s))]),
            ExprKind::Ident(id) => (
                "ident",
                vec![
                    ("name", json!(id.name)),
                    ("position", position_json(id.position)),
                ],
            ),
            ExprKind::Array(a) => {
                let (dtype, data) = match &a.data {
                    ArrayData::Bool(v) => ("bool", json!(v)),
                    ArrayData::Int(v) => ("int64", json!(v)),
                    ArrayData::Float(v) => (
                        "float64",
                        Json::Array(v.iter().map(|x| float_json(*x)).collect()),
                    ),
                };
                (
                    "array",
                    vec![
                        ("dtype", json!(dtype)),
                        ("shape", json!(a.shape)),
                        ("data", data),
                    ],
                )
            }
            ExprKind::Call(c) => {
                let callee = self.ident(&c.callee);
                let args: Vec<Json> = c.args.iter().map(|a| self.expr(a)).collect();
                (
                    "call",
                    vec![
                        ("callee", callee),
                        ("attribute", json!(c.attribute)),
                        ("args", Json::Array(args)),
                    ],
                )
            }
            ExprKind::QuotedList(items) => {
                let items: Vec<Json> = items.iter().map(|a| self.expr(a)).collect();
                ("quoted_list", vec![("items", Json::Array(items))])
            }
            ExprKind::Unary { op, operand } => (
                "unary",
                vec![("op", json!(op.symbol())), ("operand", self.expr(operand))],
            ),
            ExprKind::Binary { op, lhs, rhs } => (
                "binary",
                vec![
                    ("op", json!(op.symbol())),
                    ("lhs", self.expr(lhs)),
                    ("rhs", self.expr(rhs)),
                ],
            ),
        };
        obj.insert("kind".into(), json!(kind));
        for (k, v) in fields {
            obj.insert(k.into(), v);
        }
        obj.insert("span".into(), self.span(e.span));
        Json::Object(obj)
    }
}

fn position_json(p: Option<(i64, Option<i64>)>) -> Json {
    match p {
        None => Json::Null,
        Some((line, None)) => json!([line]),
        Some((line, Some(col))) => json!([line, col]),
    }
}

/// Finite floats are JSON numbers (shortest text that reads back to the same bits); the
/// others are the strings of the `--print-format json` contract.
fn float_json(v: f64) -> Json {
    if v.is_nan() {
        json!("nan")
    } else if v == f64::INFINITY {
        json!("inf")
    } else if v == f64::NEG_INFINITY {
        json!("-inf")
    } else {
        json!(v)
    }
}

// ------------------------------------------------------------------------------------------
// Reading

/// Reads a dump written by [`dump`] (this or an older format version). Its sources are
/// registered in `sources` so that spans and diagnostics work as after parsing. `file` names
/// the dump in error messages.
pub fn load(text: &str, file: &str, sources: &SourceMap) -> Result<Vec<Expr>> {
    let doc = parse_json(text, file, sources)?;
    let r = Reader { file };
    let top = r.object(&doc, "the file")?;
    match top.get("format") {
        Some(Json::String(f)) if f == FORMAT => {}
        _ => {
            return Err(Error::io(format!(
                "{file}: not a physl AST dump (its `format` field is not \"{FORMAT}\")"
            ))
            .with_help("write one with `physl --dump-ast=FILE script.physl`"))
        }
    }
    let version = match top.get("version") {
        Some(Json::Number(n)) => n.as_u64(),
        _ => None,
    };
    match version {
        Some(v) if (1..=VERSION).contains(&v) => {}
        Some(v) if v > VERSION => {
            return Err(Error::io(format!(
                "{file}: this AST dump has format version {v}, written by a newer physl; this \
                 physl ({}) reads versions 1 to {VERSION}",
                env!("CARGO_PKG_VERSION")
            ))
            .with_help("run the script from its source, or re-create the dump with this physl"))
        }
        _ => {
            return Err(r.bad("version", "a positive integer format version"));
        }
    }
    r.only_keys(
        top,
        "the file",
        &["format", "version", "generator", "sources", "program"],
    )?;
    if let Some(g) = top.get("generator") {
        if !g.is_string() {
            return Err(r.bad("generator", "a string"));
        }
    }

    // Register the sources first so that the spans can be mapped.
    let mut bases = Vec::new();
    for (i, s) in r.array(top.get("sources"), "sources")?.iter().enumerate() {
        let path = format!("sources[{i}]");
        let obj = r.object(s, &path)?;
        r.only_keys(obj, &path, &["name", "text"])?;
        let name = r.string(obj.get("name"), &format!("{path}.name"))?;
        let text = r.string(obj.get("text"), &format!("{path}.text"))?;
        let src = sources.add(name, text);
        bases.push((src.base, text.len() as u32));
    }
    let r = Reader { file };
    let ctx = Ctx { r: &r, bases };
    r.array(top.get("program"), "program")?
        .iter()
        .enumerate()
        .map(|(i, e)| ctx.expr(e, &format!("program[{i}]"), 1))
        .collect()
}

/// Parses the JSON text, with a span into the dump file itself when it is not JSON.
fn parse_json(text: &str, file: &str, sources: &SourceMap) -> Result<Json> {
    if let Some(offset) = too_deep(text) {
        let src = sources.add(file, text);
        return Err(Error::io(format!(
            "{file}: the AST dump is nested too deeply (more than {MAX_JSON_NESTING} levels)"
        ))
        .with_label(
            Span::new(src.base + offset as u32, src.base + offset as u32 + 1),
            "too deep here",
        ));
    }
    let fail = |what: String, offset: usize| {
        let src = sources.add(file, text);
        let at = src.base + offset.min(text.len()) as u32;
        Error::io(format!("{file}: {what}"))
            .with_label(Span::new(at, at), "here")
            .with_help("re-create it with `physl --dump-ast`")
    };
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    // The stream keeps the deserializer's settings; a second value is trailing garbage.
    let mut stream = de.into_iter::<Json>();
    let syntax = |e: serde_json::Error| {
        let what = if e.is_eof() {
            "the AST dump is truncated"
        } else {
            "the AST dump is not valid JSON"
        };
        fail(
            format!("{what} ({e})"),
            offset_of(text, e.line(), e.column()),
        )
    };
    match stream.next() {
        None => Err(fail("the AST dump is empty".into(), 0)),
        Some(Err(e)) => Err(syntax(e)),
        Some(Ok(v)) => {
            let end = stream.byte_offset();
            match stream.next() {
                None => Ok(v),
                Some(Err(e)) => Err(syntax(e)),
                Some(Ok(_)) => {
                    let rest = text.get(end..).unwrap_or("");
                    let at = end + rest.len() - rest.trim_start().len();
                    Err(fail("the AST dump has text after its end".into(), at))
                }
            }
        }
    }
}

/// Offset of the first bracket nested deeper than [`MAX_JSON_NESTING`], if any.
fn too_deep(text: &str) -> Option<usize> {
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    for (i, b) in text.bytes().enumerate() {
        if in_str {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_NESTING {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Byte offset of serde_json's 1-based line and (byte) column, clamped to the text.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let mut off = (start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(off) {
        off -= 1;
    }
    off
}

struct Reader<'a> {
    file: &'a str,
}

impl Reader<'_> {
    fn bad(&self, path: &str, expected: &str) -> Error {
        Error::io(format!(
            "{}: malformed AST dump: `{path}` should be {expected}",
            self.file
        ))
        .with_help("the file was damaged or not written by `physl --dump-ast`; re-create it")
    }

    fn object<'j>(&self, v: &'j Json, path: &str) -> Result<&'j Map<String, Json>> {
        v.as_object().ok_or_else(|| self.bad(path, "an object"))
    }

    fn array<'j>(&self, v: Option<&'j Json>, path: &str) -> Result<&'j Vec<Json>> {
        v.and_then(Json::as_array)
            .ok_or_else(|| self.bad(path, "an array"))
    }

    fn string<'j>(&self, v: Option<&'j Json>, path: &str) -> Result<&'j str> {
        v.and_then(Json::as_str)
            .ok_or_else(|| self.bad(path, "a string"))
    }

    fn only_keys(&self, obj: &Map<String, Json>, path: &str, keys: &[&str]) -> Result<()> {
        match obj.keys().find(|k| !keys.contains(&k.as_str())) {
            Some(k) => Err(Error::io(format!(
                "{}: malformed AST dump: unexpected field `{k}` in `{path}`",
                self.file
            ))
            .with_help("the file was damaged or not written by this format version")),
            None => Ok(()),
        }
    }
}

struct Ctx<'a> {
    r: &'a Reader<'a>,
    /// Base offset and length of each source of the dump, in `sources` order.
    bases: Vec<(u32, u32)>,
}

impl Ctx<'_> {
    fn span(&self, v: Option<&Json>, path: &str) -> Result<Span> {
        let path = format!("{path}.span");
        match v {
            Some(Json::Null) => return Ok(Span::DUMMY),
            Some(Json::Array(a)) if a.len() == 3 => {
                let n: Vec<Option<u64>> = a.iter().map(Json::as_u64).collect();
                if let [Some(src), Some(start), Some(end)] = n[..] {
                    if let Some(&(base, len)) =
                        usize::try_from(src).ok().and_then(|s| self.bases.get(s))
                    {
                        if start <= end && end <= len as u64 {
                            return Ok(Span::new(base + start as u32, base + end as u32));
                        }
                    }
                }
            }
            _ => {}
        }
        Err(self.r.bad(
            &path,
            "null or [source, start, end] with start <= end <= the length of that source",
        ))
    }

    fn ident_name(&self, v: Option<&Json>, path: &str) -> Result<String> {
        let name = self.r.string(v, path)?;
        let mut chars = name.chars();
        let ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            return Err(self.r.bad(path, "an identifier (letters, digits, `_`)"));
        }
        Ok(name.to_string())
    }

    fn position(&self, v: Option<&Json>, path: &str) -> Result<Option<(i64, Option<i64>)>> {
        let path = format!("{path}.position");
        match v {
            Some(Json::Null) => Ok(None),
            Some(Json::Array(a)) => match a.iter().map(Json::as_i64).collect::<Vec<_>>()[..] {
                [Some(line)] => Ok(Some((line, None))),
                [Some(line), Some(col)] => Ok(Some((line, Some(col)))),
                _ => Err(self.r.bad(&path, "null, [line] or [line, column]")),
            },
            _ => Err(self.r.bad(&path, "null, [line] or [line, column]")),
        }
    }

    fn ident(&self, v: &Json, path: &str) -> Result<Ident> {
        let obj = self.r.object(v, path)?;
        self.r.only_keys(obj, path, &["name", "position", "span"])?;
        Ok(Ident {
            name: self.ident_name(obj.get("name"), &format!("{path}.name"))?,
            position: self.position(obj.get("position"), path)?,
            span: self.span(obj.get("span"), path)?,
        })
    }

    fn float(&self, v: &Json, path: &str) -> Result<f64> {
        match v {
            Json::Number(n) => n.as_f64(),
            Json::String(s) if s == "nan" => Some(f64::NAN),
            Json::String(s) if s == "inf" => Some(f64::INFINITY),
            Json::String(s) if s == "-inf" => Some(f64::NEG_INFINITY),
            _ => None,
        }
        .ok_or_else(|| self.r.bad(path, "a number, \"nan\", \"inf\" or \"-inf\""))
    }

    fn exprs(&self, v: Option<&Json>, path: &str, depth: u32) -> Result<Vec<Expr>> {
        self.r
            .array(v, path)?
            .iter()
            .enumerate()
            .map(|(i, e)| self.expr(e, &format!("{path}[{i}]"), depth))
            .collect()
    }

    fn expr(&self, v: &Json, path: &str, depth: u32) -> Result<Expr> {
        if depth > MAX_DEPTH {
            return Err(Error::io(format!(
                "{}: the AST is nested too deeply (more than {MAX_DEPTH} levels) at `{path}`",
                self.r.file
            )));
        }
        let r = self.r;
        let obj = r.object(v, path)?;
        let kind = r.string(obj.get("kind"), &format!("{path}.kind"))?;
        let field = |k: &str| format!("{path}.{k}");
        let (keys, kind): (&[&str], ExprKind) = match kind {
            "int" => (
                &["value"],
                ExprKind::Int(
                    obj.get("value")
                        .and_then(Json::as_i64)
                        .ok_or_else(|| r.bad(&field("value"), "a 64-bit integer"))?,
                ),
            ),
            "float" => (
                &["value"],
                ExprKind::Float(
                    self.float(obj.get("value").unwrap_or(&Json::Null), &field("value"))?,
                ),
            ),
            "str" => (
                &["value"],
                ExprKind::Str(r.string(obj.get("value"), &field("value"))?.to_string()),
            ),
            "ident" => {
                let ident = Ident {
                    name: self.ident_name(obj.get("name"), &field("name"))?,
                    position: self.position(obj.get("position"), path)?,
                    span: self.span(obj.get("span"), path)?,
                };
                (&["name", "position"], ExprKind::Ident(ident))
            }
            "array" => (
                &["dtype", "shape", "data"],
                ExprKind::Array(self.array(obj, path)?),
            ),
            "call" => {
                let callee =
                    self.ident(obj.get("callee").unwrap_or(&Json::Null), &field("callee"))?;
                let attribute = match obj.get("attribute") {
                    Some(Json::Null) => None,
                    Some(Json::String(s)) if !s.contains('}') => Some(s.clone()),
                    _ => return Err(r.bad(&field("attribute"), "null or a string without `}`")),
                };
                let args = self.exprs(obj.get("args"), &field("args"), depth + 1)?;
                (
                    &["callee", "attribute", "args"],
                    ExprKind::Call(Call {
                        callee,
                        attribute,
                        args,
                    }),
                )
            }
            "quoted_list" => (
                &["items"],
                ExprKind::QuotedList(self.exprs(obj.get("items"), &field("items"), depth + 1)?),
            ),
            "unary" => {
                let sym = r.string(obj.get("op"), &field("op"))?;
                let op = UNARY_OPS
                    .into_iter()
                    .find(|o| o.symbol() == sym)
                    .ok_or_else(|| r.bad(&field("op"), "one of \"-\", \"!\", \"+\""))?;
                let operand = self.expr(
                    obj.get("operand").unwrap_or(&Json::Null),
                    &field("operand"),
                    depth + 1,
                )?;
                (
                    &["op", "operand"],
                    ExprKind::Unary {
                        op,
                        operand: Box::new(operand),
                    },
                )
            }
            "binary" => {
                let sym = r.string(obj.get("op"), &field("op"))?;
                let op = BINARY_OPS
                    .into_iter()
                    .find(|o| o.symbol() == sym)
                    .ok_or_else(|| r.bad(&field("op"), "a binary operator such as \"+\""))?;
                let side =
                    |k: &str| self.expr(obj.get(k).unwrap_or(&Json::Null), &field(k), depth + 1);
                let (lhs, rhs) = (side("lhs")?, side("rhs")?);
                (
                    &["op", "lhs", "rhs"],
                    ExprKind::Binary {
                        op,
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    },
                )
            }
            _ => {
                return Err(r.bad(
                    &field("kind"),
                    "one of int, float, str, ident, array, call, quoted_list, unary, binary",
                ))
            }
        };
        let mut all = vec!["kind", "span"];
        all.extend_from_slice(keys);
        r.only_keys(obj, path, &all)?;
        Ok(Expr {
            kind,
            span: self.span(obj.get("span"), path)?,
        })
    }

    fn array(&self, obj: &Map<String, Json>, path: &str) -> Result<ArrayLit> {
        let r = self.r;
        let field = |k: &str| format!("{path}.{k}");
        let shape: Option<Vec<usize>> = r
            .array(obj.get("shape"), &field("shape"))?
            .iter()
            .map(|n| n.as_u64().and_then(|n| usize::try_from(n).ok()))
            .collect();
        let size = shape
            .as_ref()
            .filter(|s| (1..=4).contains(&s.len()))
            .and_then(|s| s.iter().try_fold(1usize, |acc, &n| acc.checked_mul(n)));
        let (Some(shape), Some(size)) = (shape, size) else {
            return Err(r.bad(&field("shape"), "1 to 4 non-negative extents"));
        };
        let items = r.array(obj.get("data"), &field("data"))?;
        if items.len() != size {
            return Err(r.bad(
                &field("data"),
                &format!("{size} elements (the product of the shape)"),
            ));
        }
        let data_path = field("data");
        let data = match r.string(obj.get("dtype"), &field("dtype"))? {
            "bool" => ArrayData::Bool(
                items
                    .iter()
                    .map(|x| x.as_bool().ok_or_else(|| r.bad(&data_path, "booleans")))
                    .collect::<Result<_>>()?,
            ),
            "int64" => ArrayData::Int(
                items
                    .iter()
                    .map(|x| {
                        x.as_i64()
                            .ok_or_else(|| r.bad(&data_path, "64-bit integers"))
                    })
                    .collect::<Result<_>>()?,
            ),
            "float64" => ArrayData::Float(
                items
                    .iter()
                    .map(|x| self.float(x, &data_path))
                    .collect::<Result<_>>()?,
            ),
            _ => return Err(r.bad(&field("dtype"), "\"bool\", \"int64\" or \"float64\"")),
        };
        Ok(ArrayLit { shape, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_program;

    fn roundtrip(text: &str) -> (Vec<Expr>, Vec<Expr>, SourceMap) {
        let map = SourceMap::new();
        let src = map.add("t.physl", text);
        let exprs = parse_program(text, src.base).unwrap();
        let dumped = dump(&exprs, &map);
        let fresh = SourceMap::new();
        fresh.add("other", "padding so that the bases differ");
        let loaded = load(&dumped, "t.ast", &fresh).unwrap();
        (exprs, loaded, fresh)
    }

    #[test]
    fn every_node_kind_round_trips_with_spans() {
        let text = "define$1$1(f, x, -x * 2.5 + [[1, 2], [3, 4]])\n\
                    f{loc}(\"a\\n\", '(1, nan, -inf), !true, +3, [true, false], [0.1, -0.0])\n\
                    x$4 || y && 1e300 % 7";
        let (a, b, map) = roundtrip(text);
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert!(x.same_shape(y), "{x:?}\n{y:?}");
            // spans moved to the new map but point at the same text
            assert_eq!(
                map.location(y.span),
                format!("t.physl:{}", {
                    let m = SourceMap::new();
                    let s = m.add("t.physl", text);
                    let shifted = Span::new(x.span.start - 1 + s.base, x.span.end - 1 + s.base);
                    m.location(shifted)
                        .trim_start_matches("t.physl:")
                        .to_string()
                })
            );
        }
    }

    #[test]
    fn floats_keep_their_bits() {
        let (a, b, _) =
            roundtrip("[0.1, 1e-310, 2.2250738585072014e-308, 0.30000000000000004, -0.0]");
        let bits = |e: &Expr| match &e.kind {
            ExprKind::Array(ArrayLit {
                data: ArrayData::Float(v),
                ..
            }) => v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            _ => panic!("not a float array"),
        };
        assert_eq!(bits(&a[0]), bits(&b[0]));
    }

    #[test]
    fn bad_files_are_io_errors() {
        let map = SourceMap::new();
        for bad in [
            "",
            "{",
            "[]",
            "{\"format\": \"physl-ast\", \"version\": 99, \"sources\": [], \"program\": []}",
            "{\"format\": \"other\", \"version\": 1, \"sources\": [], \"program\": []}",
            "{\"format\": \"physl-ast\", \"version\": 1, \"sources\": [], \"program\": [{\"kind\": \"int\", \"value\": 1, \"span\": [0, 0, 1]}]}",
            "{\"format\": \"physl-ast\", \"version\": 1, \"sources\": [], \"program\": [{\"kind\": \"nope\", \"span\": null}]}",
            "{\"format\": \"physl-ast\", \"version\": 1, \"sources\": [], \"program\": [{\"kind\": \"array\", \"dtype\": \"int64\", \"shape\": [3], \"data\": [1, 2], \"span\": null}]}",
            "{\"format\": \"physl-ast\", \"version\": 1, \"sources\": [], \"program\": [], \"extra\": 1}",
            &"[".repeat(100_000),
        ] {
            let e = load(bad, "bad.ast", &map).unwrap_err();
            assert_eq!(e.code(), "physl::io", "{bad:.80}: {}", e.message());
        }
        let e = load(
            "{\"format\": \"physl-ast\", \"version\": 7, \"sources\": [], \"program\": []}",
            "new.ast",
            &map,
        )
        .unwrap_err();
        assert!(e.message().contains("newer physl"), "{}", e.message());
    }
}
