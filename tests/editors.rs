//! The editor grammars (editors/) list exactly the names of the primitive table and the
//! stdlib, so they cannot drift: regenerate them with editors/generate.sh.

use physl::primitives::registry;
use std::collections::BTreeSet;

const TM: &str = include_str!("../editors/vscode/syntaxes/physl.tmLanguage.json");
const VIM: &str = include_str!("../editors/vim/syntax/physl.vim");
/// Fails with the names that differ.
fn same(what: &str, file: &BTreeSet<String>, table: &BTreeSet<String>) {
    let missing: Vec<_> = table.difference(file).collect();
    let extra: Vec<_> = file.difference(table).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: the editor grammars are out of date, run editors/generate.sh \
         (missing: {missing:?}, not in the table: {extra:?})"
    );
}

fn special() -> BTreeSet<String> {
    let mut s: BTreeSet<String> = registry::all()
        .filter(|p| p.is_special())
        .map(|p| p.name.to_string())
        .collect();
    s.insert("for_each".into());
    s
}

fn primitives() -> BTreeSet<String> {
    let special = special();
    registry::all()
        .map(|p| p.name.to_string())
        .filter(|n| !special.contains(n))
        .collect()
}

fn aliased() -> BTreeSet<String> {
    registry::all()
        .filter(|p| p.dtype_aliases)
        .map(|p| p.name.to_string())
        .collect()
}

fn stdlib() -> BTreeSet<String> {
    physl::stdlib::names()
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// The names of a `\b(?:a|b|c)...` pattern.
fn alternation(pattern: &str) -> BTreeSet<String> {
    let inner = pattern
        .split_once("(?:")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(names, _)| names)
        .unwrap_or_else(|| panic!("not an alternation: {pattern}"));
    inner.split('|').map(str::to_string).collect()
}

#[test]
fn textmate_grammar_is_json_and_matches_the_table() {
    let g: serde_json::Value =
        serde_json::from_str(TM).expect("the TextMate grammar is valid JSON");
    assert_eq!(g["scopeName"], "source.physl");
    let repo = &g["repository"];
    let pattern = |key: &str| {
        repo[key]["match"]
            .as_str()
            .unwrap_or_else(|| panic!("repository.{key}.match missing"))
            .to_string()
    };
    same(
        "primitives",
        &alternation(&pattern("primitives")),
        &primitives(),
    );
    same(
        "special",
        &alternation(&pattern("special-forms")),
        &special(),
    );
    same(
        "aliased",
        &alternation(&pattern("dtype-aliases")),
        &aliased(),
    );
    same("stdlib", &alternation(&pattern("stdlib")), &stdlib());
    // every included rule exists
    for p in g["patterns"].as_array().unwrap() {
        let name = p["include"].as_str().unwrap().trim_start_matches('#');
        assert!(repo.get(name).is_some(), "missing rule {name}");
    }
}

#[test]
fn vim_syntax_matches_the_table() {
    let keywords = |group: &str| -> BTreeSet<String> {
        VIM.lines()
            .filter_map(|l| l.strip_prefix(&format!("syn keyword {group} ")))
            .flat_map(|l| l.split_whitespace().map(str::to_string))
            .collect()
    };
    same("primitives", &keywords("physlPrimitive"), &primitives());
    same("special", &keywords("physlSpecial"), &special());
    same("stdlib", &keywords("physlStdlib"), &stdlib());
    let alias_line = VIM
        .lines()
        .find(|l| l.starts_with("syn match physlPrimitive"))
        .expect("the alias match");
    let names: BTreeSet<String> = alias_line
        .split_once("\\<\\(")
        .and_then(|(_, r)| r.split_once("\\)__"))
        .map(|(n, _)| n.split("\\|").map(str::to_string).collect())
        .unwrap();
    same("aliased", &names, &aliased());
}

#[test]
fn sample_file_is_physl_and_highlights_as_asserted() {
    let root = env!("CARGO_MANIFEST_DIR");
    let sample = std::fs::read_to_string(format!("{root}/editors/vscode/sample.physl")).unwrap();
    physl::Engine::new()
        .parse("sample.physl", &sample)
        .expect("the sample parses");
    // The scope assertions in the sample need vscode-tmgrammar-test (npm). Run it when it
    // is installed: PHYSL_TMGRAMMAR_TEST names the executable, else it is looked up on PATH.
    let tool = std::env::var("PHYSL_TMGRAMMAR_TEST").unwrap_or("vscode-tmgrammar-test".into());
    let run = std::process::Command::new(&tool)
        .current_dir(format!("{root}/editors/vscode"))
        .args(["-g", "syntaxes/physl.tmLanguage.json", "sample.physl"])
        .output();
    match run {
        Ok(out) => assert!(
            out.status.success(),
            "vscode-tmgrammar-test failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => eprintln!(
            "SKIPPED: `{tool}` not found (npm install -g vscode-tmgrammar-test) — scope assertions not checked"
        ),
    }
}
