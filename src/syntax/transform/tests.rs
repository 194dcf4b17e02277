use super::*;
use crate::syntax::print_program;

fn rules(text: &str) -> Result<Vec<Rule>> {
    let map = SourceMap::new();
    load_rules("t.physlrules", text, &map)
}

fn rewrite_text(rule_text: &str, program: &str) -> String {
    let map = SourceMap::new();
    let src = map.add("p.physl", program);
    let exprs = parse_program(program, src.base).unwrap();
    let rules = load_rules("t.physlrules", rule_text, &map).unwrap();
    print_program(&apply(exprs, &rules).unwrap())
        .trim_end()
        .to_string()
}

#[test]
fn phylanx_example_rules() {
    assert_eq!(rewrite_text("_1 * _2 : _1 + _2", "f(a * b)"), "f((a + b))");
    assert_eq!(
        rewrite_text("__mul(_1, 2) : __add(_1, _1)", "x * 2\n__mul(y, 2)\nx * 3"),
        "__add(x, x)\n__add(y, y)\n(x * 3)"
    );
}

#[test]
fn bound_subtrees_are_rewritten_but_replacements_are_not() {
    assert_eq!(
        rewrite_text("_1 * _2 : _1 + _2", "a * b * c"),
        "((a + b) + c)"
    );
    // the replacement reproduces the pattern: one pass, no loop
    assert_eq!(rewrite_text("f(_1) : f(f(_1))", "f(1)"), "f(f(1))");
    // a bare placeholder pattern wraps each top-level expression once
    assert_eq!(rewrite_text("_1 : g(_1)", "1 2"), "g(1)\ng(2)");
}

#[test]
fn same_placeholder_twice_needs_equal_subtrees() {
    let rule = "_1 - _1 : 0";
    assert_eq!(rewrite_text(rule, "f(a) - f(a)"), "0");
    assert_eq!(rewrite_text(rule, "f(a) - f(b)"), "(f(a) - f(b))");
    assert_eq!(rewrite_text(rule, "(x + 1) - __add(x, 1)"), "0");
}

#[test]
fn sequence_placeholders_splice() {
    let rule = "f(__1, 0, __2) : g(__2, __1)";
    assert_eq!(rewrite_text(rule, "f(1, 2, 0, 3)"), "g(3, 1, 2)");
    assert_eq!(rewrite_text(rule, "f(0)"), "g()");
    assert_eq!(rewrite_text(rule, "f(1, 2)"), "f(1, 2)");
    assert_eq!(rewrite_text("'(_1, __2) : '(__2)", "'(1, 2, 3)"), "'(2, 3)");
    // an operator whose sequence operand brings more than two operands becomes a call
    assert_eq!(
        rewrite_text("h(__1) : 1 + __1", "h(2, 3)"),
        "__add(1, 2, 3)"
    );
    assert_eq!(rewrite_text("h(__1) : 1 + __1", "h(2)"), "(1 + 2)");
}

#[test]
fn rules_follow_each_other_in_order() {
    let text = "// comment: with a colon\n a : b /* : */ b : c # :\n";
    assert_eq!(rules(text).unwrap().len(), 2);
    assert_eq!(rewrite_text(text, "f(a, b)"), "f(c, c)");
    assert_eq!(rewrite_text("f{x:y}(_1) : _1", "f{x:y}(3) f(3)"), "3\nf(3)");
    assert!(rules("").unwrap().is_empty());
    assert!(rules("# nothing\n").unwrap().is_empty());
}

#[test]
fn bad_rules_are_parse_errors_in_the_rules_file() {
    for bad in [
        "a",
        "a : b c",
        ": b",
        "a :",
        "a : b : c",
        "a : b c d : e",
        "f(_1) : g(_2)",
        "f(_1) : g(__1)",
        "__1 : 0",
        "_1(x) : x",
        "f(( : 1",
    ] {
        let e = rules(bad).unwrap_err();
        assert_eq!(e.code(), "physl::parse", "{bad}: {}", e.message());
        assert!(!e.labels().is_empty(), "{bad}: no label");
    }
}

#[test]
fn growth_past_the_depth_limit_is_an_error() {
    let map = SourceMap::new();
    let program = "x".to_string();
    let src = map.add("p", program.as_str());
    let mut exprs = parse_program(&program, src.base).unwrap();
    let rules = load_rules("r", "_1 : f(f(f(f(f(f(f(f(f(f(_1))))))))))", &map).unwrap();
    for _ in 0..200 {
        match apply(exprs, &rules) {
            Ok(e) => exprs = e,
            Err(e) => {
                assert_eq!(e.code(), "physl::limit");
                return;
            }
        }
    }
    panic!("the tree grew without bound");
}
