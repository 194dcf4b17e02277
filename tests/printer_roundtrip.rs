//! `--print-code` prints a canonical form that parses back to the same AST, for every
//! program in tests/ and examples/.

use physl::syntax::{parse_program, print_program};
use std::path::Path;

fn physl_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            physl_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "physl") {
            out.push(p);
        }
    }
}

#[test]
fn printed_code_parses_back_to_the_same_ast() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    physl_files(&root.join("tests"), &mut files);
    physl_files(&root.join("examples"), &mut files);
    assert!(files.len() >= 5);
    let mut checked = 0;
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let Ok(ast) = parse_program(&text, 1) else {
            continue;
        }; // tests/fail has parse errors
        let printed = print_program(&ast);
        let again = parse_program(&printed, 1).unwrap_or_else(|e| {
            panic!(
                "{}: printed code does not parse: {e:?}\n{printed}",
                f.display()
            )
        });
        assert_eq!(ast.len(), again.len(), "{}", f.display());
        for (a, b) in ast.iter().zip(&again) {
            assert!(
                a.same_shape(b),
                "{}: round trip changed\n{a:?}\n{b:?}",
                f.display()
            );
        }
        assert_eq!(
            print_program(&again),
            printed,
            "{}: printing is not idempotent",
            f.display()
        );
        checked += 1;
    }
    assert!(checked >= 5);
}
