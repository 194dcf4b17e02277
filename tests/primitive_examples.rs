//! Every example in the primitive table runs and gives its documented result; the table
//! itself is consistent (names unique, signatures parse, help present).

use physl::primitives::registry;
use physl::Engine;

#[test]
fn every_example_runs() {
    let mut bad = Vec::new();
    let mut count = 0;
    for p in registry::all() {
        for &(src, want) in p.examples {
            count += 1;
            let engine = Engine::new();
            let result = engine
                .compile(p.name, src)
                .and_then(|prog| engine.session().run(&prog));
            match (want.strip_prefix('!'), result) {
                (Some(code), Err(e)) if e.code() == code => {}
                (None, Ok(v)) if v.to_string() == want => {}
                (_, got) => bad.push(format!("{}: `{src}` gave {got:?}, want {want}", p.name)),
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {count} examples failed:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn every_primitive_is_documented() {
    for p in registry::all() {
        assert!(!p.help.trim().is_empty(), "{} has no help", p.name);
        assert!(p.sig().min_args() <= p.sig().max_args().unwrap_or(usize::MAX));
        if !p.is_special() {
            assert!(!p.examples.is_empty(), "{} has no example", p.name);
        }
    }
}
