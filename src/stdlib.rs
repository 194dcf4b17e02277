//! The standard library: functions written in PhySL (the files under `stdlib/`), embedded in
//! the binary and defined as globals of every session before user code runs. User code may
//! shadow them (a top-level `define` of the same name replaces the global).
//!
//! Each function is documented by the `#` comment block right above its `define`: the first
//! line is the signature, the second the one-line summary, further lines are help text, and
//! lines `# example: CODE => PLAIN OUTPUT` are examples (they run as tests). [`docs`] and
//! [`lookup`] expose these entries to `--docs` and the REPL's `:help`.

use std::sync::OnceLock;

/// The stdlib sources: (name used in diagnostics, text). Compiled in this order.
pub const SOURCES: &[(&str, &str)] = &[("stdlib/ml.physl", include_str!("../stdlib/ml.physl"))];

/// The documentation of one stdlib function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    /// E.g. `standardize(x, axis=0)`.
    pub signature: String,
    /// First line of the help.
    pub summary: String,
    /// The whole help text (summary included).
    pub help: String,
    /// `(code, expected plain output)`.
    pub examples: Vec<(String, String)>,
    /// The file it is defined in.
    pub file: &'static str,
}

/// Every documented stdlib function, in source order.
pub fn entries() -> &'static [Entry] {
    static ENTRIES: OnceLock<Vec<Entry>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        SOURCES
            .iter()
            .flat_map(|(file, text)| parse_docs(file, text))
            .collect()
    })
}

/// The entry of a stdlib function.
pub fn lookup(name: &str) -> Option<&'static Entry> {
    entries().iter().find(|e| e.name == name)
}

/// Names of the stdlib functions (for completion and editor grammars).
pub fn names() -> Vec<&'static str> {
    entries().iter().map(|e| e.name.as_str()).collect()
}

/// The stdlib section of `physl --docs`, in the catalog's format.
pub fn docs() -> String {
    let mut out = String::from("## stdlib (written in PhySL)\n\n");
    for e in entries() {
        out.push_str(&format!("{}  [stdlib]\n    {}\n", e.signature, e.summary));
    }
    out.push('\n');
    out
}

/// Reads the comment block above each top-level `define(NAME, ...)`.
fn parse_docs(file: &'static str, text: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut block: Vec<&str> = Vec::new();
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix('#') {
            block.push(comment.strip_prefix(' ').unwrap_or(comment));
            continue;
        }
        if let Some(rest) = line.strip_prefix("define(") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if let Some(entry) = entry_of(file, &name, &block) {
                out.push(entry);
            }
        }
        block.clear();
    }
    out
}

fn entry_of(file: &'static str, name: &str, block: &[&str]) -> Option<Entry> {
    let (signature, rest) = block.split_first()?;
    if !signature.starts_with(&format!("{name}(")) {
        return None;
    }
    let mut help = Vec::new();
    let mut examples = Vec::new();
    for line in rest {
        match line.strip_prefix("example:") {
            Some(ex) => {
                let (code, expected) = ex.split_once("=>")?;
                examples.push((code.trim().to_string(), expected.trim().to_string()));
            }
            None => help.push(line.trim()),
        }
    }
    Some(Entry {
        name: name.to_string(),
        signature: signature.trim().to_string(),
        summary: help.first().map(|s| s.to_string()).unwrap_or_default(),
        help: help.join("\n"),
        examples,
        file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::registry;

    #[test]
    fn every_function_is_documented_with_examples() {
        let names = names();
        assert!(names.len() >= 8, "{names:?}");
        for e in entries() {
            assert!(!e.summary.is_empty(), "{} has no summary", e.name);
            assert!(!e.examples.is_empty(), "{} has no example", e.name);
        }
    }

    #[test]
    fn stdlib_never_shadows_the_table() {
        for e in entries() {
            assert!(
                registry::lookup(&e.name).is_none(),
                "stdlib function `{}` has the name of a table primitive",
                e.name
            );
            assert!(!crate::compile::RESERVED.contains(&e.name.as_str()));
        }
    }

    #[test]
    fn examples_give_their_documented_output() {
        for e in entries() {
            for (code, expected) in &e.examples {
                let engine = crate::Engine::new();
                let got = engine.session().eval("example", code);
                match expected.strip_prefix('!') {
                    Some(code_) => assert_eq!(
                        got.map_err(|e| e.code()).unwrap_err(),
                        code_,
                        "{}: {code}",
                        e.name
                    ),
                    None => assert_eq!(
                        crate::value::format::plain(&got.unwrap_or_else(|err| panic!(
                            "{}: {code}: {}",
                            e.name,
                            err.message()
                        ))),
                        *expected,
                        "{}: {code}",
                        e.name
                    ),
                }
            }
        }
    }

    #[test]
    fn docs_lists_every_function() {
        let d = docs();
        for e in entries() {
            assert!(d.contains(&e.signature), "{}", e.name);
        }
    }
}
