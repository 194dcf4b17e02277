//! Golden script tests: `tests/pass/*.physl` must print `*.stdout` (program output, then the
//! program's value in the plain format, as `physl -p` does), `tests/fail/*.physl` must fail
//! with the diagnostic text in `*.stderr`. A `#! physl::code` comment in a failing script
//! marks the line the primary label must point at; it is checked even when wording changes.
//! `UPDATE_GOLDEN=1 cargo test --test golden` rewrites the expectations: review the diff.

use physl::{BufferHost, Engine, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn cases(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "physl"));
    files.sort();
    files
}

/// Runs a script like `physl -p FILE` does; returns (stdout, Some(stderr) on failure, error).
fn run_script(path: &Path) -> (String, Option<(String, physl::Error, Engine)>) {
    let text = std::fs::read_to_string(path).expect("test script readable");
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let engine = Engine::new();
    let host = Arc::new(BufferHost::new(true));
    let mut session = engine.session();
    session.set_host(host.clone());
    let result = engine.compile(&name, &text).and_then(|p| {
        session.run(&p).and_then(|v| match v {
            Value::Func(_) => session.call(&v, vec![]),
            v => Ok(v),
        })
    });
    let mut out = host.take_out();
    match result {
        Ok(v) => {
            out.push_str(&v.to_string());
            out.push('\n');
            (out, None)
        }
        Err(e) => {
            let rendered = e.render(engine.sources(), false, 80);
            (out, Some((rendered, e, engine)))
        }
    }
}

fn check(dir: &str, want_failure: bool) {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut bad = Vec::new();
    let files = cases(dir);
    assert!(!files.is_empty(), "no cases in {dir}");
    for path in files {
        let (out, failure) = run_script(&path);
        let (got, golden) = match (&failure, want_failure) {
            (None, false) => (out.clone(), path.with_extension("stdout")),
            (Some((text, e, engine)), true) => {
                // the `#! code` marker line
                let src = std::fs::read_to_string(&path).unwrap();
                if let Some((line_no, code)) = src.lines().enumerate().find_map(|(i, l)| {
                    l.split_once("#! ")
                        .map(|(_, c)| (i + 1, c.trim().to_string()))
                }) {
                    if e.code() != code {
                        bad.push(format!(
                            "{}: code {} != marker {code}",
                            path.display(),
                            e.code()
                        ));
                    }
                    match e
                        .primary_span()
                        .and_then(|s| engine.sources().find(s).map(|src| src.line_col(s.start)))
                    {
                        Some((l, _)) if l == line_no => {}
                        other => bad.push(format!(
                            "{}: primary label at {other:?}, marker on line {line_no}",
                            path.display()
                        )),
                    }
                }
                (format!("{out}{text}"), path.with_extension("stderr"))
            }
            (None, true) => {
                bad.push(format!(
                    "{}: expected an error, got output {out:?}",
                    path.display()
                ));
                continue;
            }
            (Some((text, _, _)), false) => {
                bad.push(format!("{}: failed:\n{text}", path.display()));
                continue;
            }
        };
        if update {
            std::fs::write(&golden, &got).unwrap();
        } else {
            match std::fs::read_to_string(&golden) {
                Ok(want) if want == got => {}
                Ok(want) => bad.push(format!(
                    "{}: output differs\n--- want\n{want}\n--- got\n{got}",
                    path.display()
                )),
                Err(_) => bad.push(format!("{}: missing {}", path.display(), golden.display())),
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{}\n(rerun with UPDATE_GOLDEN=1 and review the diff)",
        bad.join("\n")
    );
}

#[test]
fn pass_scripts_print_their_goldens() {
    check("tests/pass", false);
}

#[test]
fn fail_scripts_report_their_goldens() {
    check("tests/fail", true);
}
