//! `-t FILE`: rewrite rules applied before compiling; `--print-code` and `--dump-ast` show the
//! rewritten program.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn physl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_physl"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("physl runs")
}

fn rules_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("physl-transform-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn rules_change_what_runs_and_print_code_shows_it() {
    let mul2add = "examples/rules/mul2add.physlrules";
    assert_eq!(stdout(&physl(&["-p", "-c", "2 * 3 * 4"])), "24\n");
    assert_eq!(
        stdout(&physl(&["-t", mul2add, "-p", "-c", "2 * 3 * 4"])),
        "9\n"
    );
    let code = "define(f, x, x) define(a, 2) f(a * 5)";
    let out = stdout(&physl(&["-t", mul2add, "--print-code", "-p", "-c", code]));
    assert_eq!(
        out,
        "PhySL Code:\ndefine(f, x, x)\ndefine(a, 2)\nf((a + 5))\n\n\n7\n"
    );
}

#[test]
fn shipped_rule_files_parse_and_apply() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rules");
    let mut n = 0;
    for f in std::fs::read_dir(dir).unwrap().flatten() {
        let p = f.path();
        let out = physl(&["-t", p.to_str().unwrap(), "--dry-run", "-c", "1"]);
        assert!(
            out.status.success(),
            "{}: {}",
            p.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        n += 1;
    }
    assert!(n >= 3);
    let sr = "examples/rules/strength_reduction.physlrules";
    let code = "define(x, 3) power(x, 2) * 2 + 0";
    assert_eq!(stdout(&physl(&["-p", "-c", code])), "18\n");
    let out = stdout(&physl(&["-t", sr, "--print-code", "-p", "-c", code]));
    assert_eq!(
        out,
        "PhySL Code:\ndefine(x, 3)\n__add((x * x), (x * x))\n\n\n18\n"
    );
}

#[test]
fn several_files_apply_in_command_line_order() {
    let a = rules_file("a.physlrules", "x : y");
    let b = rules_file("b.physlrules", "y : 5");
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    assert_eq!(stdout(&physl(&["-t", a, "-t", b, "-p", "-c", "x"])), "5\n");
    let out = physl(&["-t", b, "-t", a, "-p", "-c", "x"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("physl::name"));
}

#[test]
fn dump_after_transform_holds_the_rewritten_program_and_the_rules_source() {
    let r = rules_file("div.physlrules", "_1 / _2 : __div(_1, _2 - 2)\n");
    let dump = r.with_file_name("div.ast");
    let code = "define(x, 6 / 4) x";
    let direct = stdout(&physl(&["-t", r.to_str().unwrap(), "-p", "-c", code]));
    assert_eq!(direct, "3\n");
    let out = physl(&[
        "-t",
        r.to_str().unwrap(),
        &format!("--dump-ast={}", dump.display()),
        "--dry-run",
        "-c",
        code,
    ]);
    assert!(out.status.success());
    std::fs::remove_file(&r).unwrap();
    assert_eq!(
        stdout(&physl(&["-p", "-l", dump.to_str().unwrap()])),
        direct
    );
    // an error in rewritten code still points at the rule, from the dump's copy of it
    let bad = rules_file("bad.physlrules", "// swap\nslice(_1, _2) : slice(_1, 10)\n");
    let out = physl(&["-t", bad.to_str().unwrap(), "-c", "slice([1, 2], 0)"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("bad.physlrules:2:"), "{err}");
}

#[test]
fn bad_rules_point_into_the_rules_file() {
    for (text, line) in [
        ("_1 * 2 : _1 + _1\nf(_1) : g(_2)\n", 2),
        ("a : b\n\nc\n", 3),
        ("a : b\nf(( : c\n", 2),
        ("\n\n: b\n", 3),
    ] {
        let r = rules_file("bad_rules.physlrules", text);
        let out = physl(&["-t", r.to_str().unwrap(), "-c", "1"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{text}: {err}");
        assert!(err.contains("physl::parse"), "{text}: {err}");
        assert!(
            err.contains(&format!("bad_rules.physlrules:{line}:")),
            "{text}: {err}"
        );
    }
}
