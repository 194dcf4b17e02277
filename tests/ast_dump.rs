//! `--dump-ast` / `--load-ast`: every program in tests/ and examples/ gives the same output,
//! errors and exit status when run from its dump as from its source; damaged dumps are
//! clean `physl::io` errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn physl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_physl"))
        .args(args)
        .current_dir(root())
        .env_remove("PHYSL_IR")
        .env("NO_COLOR", "1")
        .output()
        .expect("physl runs")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("physl-ast-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn scripts(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "physl"))
        .collect();
    files.sort();
    files
}

/// Runs `script args` from source and from its dump; both runs must agree on everything.
fn same_from_dump(script: &str, args: &[&str]) -> bool {
    let dump = tmp(&format!("{}.ast", script.replace('/', "_")));
    let dump = dump.to_str().unwrap();
    let opts = ["--seed", "7", "-p", "--print-format", "json"];
    let mut from_source: Vec<&str> = opts.to_vec();
    let dump_opt = format!("--dump-ast={dump}");
    from_source.push(&dump_opt);
    from_source.push(script);
    from_source.extend_from_slice(args);
    let a = physl(&from_source);
    let a_err = String::from_utf8_lossy(&a.stderr);
    if a_err.contains("physl::parse") {
        return false; // nothing to dump
    }
    assert!(Path::new(dump).exists(), "{script}: no dump written");
    let mut from_dump: Vec<&str> = opts.to_vec();
    from_dump.extend_from_slice(&["--load-ast", dump]);
    from_dump.extend_from_slice(args);
    let b = physl(&from_dump);
    assert_eq!(
        String::from_utf8_lossy(&a.stdout),
        String::from_utf8_lossy(&b.stdout),
        "{script}: stdout differs"
    );
    assert_eq!(
        a_err,
        String::from_utf8_lossy(&b.stderr),
        "{script}: stderr differs"
    );
    assert_eq!(a.status.code(), b.status.code(), "{script}: status differs");
    assert!(!a_err.contains("panicked"), "{script}: {a_err}");
    true
}

#[test]
fn every_test_script_runs_the_same_from_its_dump() {
    let mut checked = 0;
    for dir in ["tests/pass", "tests/fail"] {
        for f in scripts(dir) {
            let rel = f
                .strip_prefix(root())
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            checked += usize::from(same_from_dump(&rel, &[]));
        }
    }
    // tests/fail has a parse error; every other script must have been compared
    assert!(checked >= 10, "only {checked} scripts compared");
}

#[test]
fn every_example_runs_the_same_from_its_dump() {
    let cases: &[(&str, &[&str])] = &[
        ("examples/fibonacci.physl", &["15"]),
        ("examples/factorial.physl", &["12"]),
        (
            "examples/kmeans.physl",
            &["examples/data/kmeans_points.csv", "300", "3", "5"],
        ),
        (
            "examples/lra.physl",
            &[
                "examples/data/breast_cancer.csv",
                "0",
                "569",
                "0",
                "30",
                "30",
                "1e-5",
                "5",
                "0",
            ],
        ),
        ("examples/embed_model.physl", &[]),
    ];
    let listed: Vec<&str> = cases.iter().map(|c| c.0).collect();
    for f in scripts("examples") {
        let rel = f
            .strip_prefix(root())
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(listed.contains(&rel.as_str()), "{rel}: add it to this test");
    }
    for (script, args) in cases {
        assert!(same_from_dump(script, args), "{script} did not run");
    }
}

#[test]
fn errors_after_loading_point_into_the_original_source() {
    let src = tmp("located.physl");
    std::fs::write(&src, "define(f, x, x + 1)\n\nf(1)\nslice([1, 2, 3], 7)\n").unwrap();
    let dump = tmp("located.ast");
    let src_s = src.to_str().unwrap();
    let out = physl(&[
        &format!("--dump-ast={}", dump.display()),
        "--dry-run",
        src_s,
    ]);
    assert!(out.status.success());
    std::fs::remove_file(&src).unwrap(); // the dump must not need the script
    let out = physl(&["--load-ast", dump.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("physl::index"), "{err}");
    assert!(err.contains("located.physl:4:"), "{err}");
    assert!(err.contains("slice([1, 2, 3], 7)"), "{err}");
}

#[test]
fn default_dump_name_is_the_script_with_extension_ast() {
    let src = tmp("named.physl");
    std::fs::write(&src, "2 * 21").unwrap();
    let out = physl(&["-d", "--dry-run", src.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dump = src.with_extension("ast");
    let out = physl(&["-p", "-l", dump.to_str().unwrap()]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "42\n");
    // no script, no default name
    let out = physl(&["-d", "-c", "1"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn load_ast_passes_every_positional_argument_to_sys_argv() {
    let dump = tmp("argv.ast");
    let out = physl(&[&format!("--dump-ast={}", dump.display()), "-c", "sys_argv"]);
    assert!(out.status.success());
    let out = physl(&["-p", "-l", dump.to_str().unwrap(), "1", "x"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "list(1, x)\n");
}

#[test]
fn misuse_exits_with_status_2() {
    let dump = tmp("misuse.ast");
    physl(&[&format!("--dump-ast={}", dump.display()), "-c", "1"]);
    let d = dump.to_str().unwrap();
    for args in [
        vec!["-l", d, "-c", "1"],
        vec!["-l", "/nonexistent/x.ast"],
        vec!["-t", "/nonexistent/rules", "-c", "1"],
    ] {
        let out = physl(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    let env_ir = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_physl"))
            .args(extra)
            .env("PHYSL_IR", "eC5hc3Q=")
            .output()
            .unwrap()
    };
    let out = env_ir(&["-c", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PHYSL_IR is not supported"));
    assert_eq!(env_ir(&["-e", "-c", "1"]).status.code(), Some(0));
}

#[test]
fn damaged_dumps_are_io_errors() {
    let dump = tmp("good.ast");
    let out = physl(&[
        &format!("--dump-ast={}", dump.display()),
        "--dry-run",
        "examples/fibonacci.physl",
    ]);
    assert!(out.status.success());
    let good = std::fs::read_to_string(&dump).unwrap();
    let mut bad: Vec<(String, String)> = vec![
        ("truncated".into(), good[..good.len() / 2].to_string()),
        ("empty".into(), String::new()),
        ("not json".into(), "define(x, 1)".into()),
        ("trailing".into(), format!("{good} {{}}")),
        (
            "future".into(),
            good.replacen("\"version\":1", "\"version\":2", 1),
        ),
        ("no version".into(), good.replacen("\"version\":1,", "", 1)),
        (
            "other format".into(),
            good.replacen("physl-ast", "other", 1),
        ),
        (
            "bad kind".into(),
            good.replacen("\"kind\":\"call\"", "\"kind\":\"cal\"", 1),
        ),
        (
            "bad span".into(),
            good.replacen("\"span\":[0,", "\"span\":[9,", 1),
        ),
        (
            "bad int".into(),
            good.replacen("\"value\":2", "\"value\":2.5", 1),
        ),
        (
            "bad name".into(),
            good.replacen("\"name\":\"fib\"", "\"name\":\"f b\"", 1),
        ),
        ("deep".into(), "[".repeat(50_000)),
    ];
    // every single-byte truncation point in the envelope
    for n in 1..60 {
        bad.push((format!("cut at {n}"), good[..n].to_string()));
    }
    for (what, text) in bad {
        assert_ne!(text, good, "{what}: the edit did not apply");
        let path = tmp("bad.ast");
        std::fs::write(&path, &text).unwrap();
        let out = physl(&["-l", path.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{what}: {err}");
        assert!(err.contains("physl::io"), "{what}: {err}");
        assert!(!err.contains("panicked"), "{what}: {err}");
        if what == "future" {
            assert!(err.contains("newer"), "{err}");
        }
    }
}
