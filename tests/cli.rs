//! The command line: printing, formats, exit codes, stdin, limits (spec 2.10, 2.11, 6.2).

use std::io::Write;
use std::process::{Command, Stdio};

fn physl_in(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_physl"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("physl starts");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn physl(args: &[&str]) -> (i32, String, String) {
    physl_in(args, Some(""))
}

#[test]
fn prints_the_value() {
    assert_eq!(
        physl(&["-p", "-c", "1 + 2 * 3"]),
        (0, "7\n".into(), String::new())
    );
}

#[test]
fn json_contract() {
    let (code, out, _) = physl(&[
        "--print",
        "--print-format",
        "json",
        "-c",
        "[[1,2],[3,4]] * 2.0",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "{\"dtype\": \"float64\", \"shape\": [2, 2], \"data\": [2.0, 4.0, 6.0, 8.0]}\n"
    );
}

#[test]
fn piped_input_is_a_script() {
    let (code, out, _) = physl_in(&["-p"], Some("define(x, 2)\nx * 21\n"));
    assert_eq!((code, out.as_str()), (0, "42\n"));
}

#[test]
fn cout_comes_before_the_value() {
    let (_, out, _) = physl(&["-p", "-c", "cout(\"step:\", 3, [1.5, 2]) 5"]);
    assert_eq!(out, "step: 3 [1.5, 2]\n5\n");
}

#[test]
fn arguments_become_sys_argv() {
    let (_, out, _) = physl(&[
        "-p", "-c", "sys_argv", "data.csv", "0", "1e-5", "[1, 2]", "\"q\"",
    ]);
    assert_eq!(out, "list(data.csv, 0, 1e-05, [1, 2], q)\n");
    // a program whose value is a function is called with sys_argv
    let (_, out, _) = physl(&["-p", "-c", "define(main, n, n * 2)", "21"]);
    assert_eq!(out, "42\n");
}

#[test]
fn exit_codes() {
    assert_eq!(physl(&["-c", "foo(1"]).0, 1, "parse error");
    assert_eq!(physl(&["-c", "slice([1, 2], 5)"]).0, 1, "runtime error");
    assert_eq!(physl(&["--no-such-option"]).0, 2, "unknown option");
    assert_eq!(physl(&["/no/such/script.physl"]).0, 2, "missing script");
    assert_eq!(
        physl(&["--print-format", "xml", "-c", "1"]).0,
        2,
        "bad format"
    );
    assert_eq!(physl(&["--help"]).0, 0);
    assert_eq!(physl(&["--version"]).0, 0);
}

#[test]
fn deep_recursion_is_a_limit_error() {
    let (code, out, err) = physl(&["-c", "define(f, n, f(n + 1))\nf(0)"]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("physl::limit"), "{err}");
    assert!(
        err.contains("<command_line>:1:"),
        "the span is shown: {err}"
    );
    assert!(!err.contains("panicked"));
}

/// A depth limit raised beyond what the evaluator's stack holds ends in the same kind of
/// diagnostic when the stack runs out, not in a crash.
#[test]
fn depth_limit_beyond_the_stack_is_still_a_limit_error() {
    let (code, out, err) = physl(&[
        "--max-depth",
        "4000000000",
        "-c",
        "define(f, n, if(n == 0, 0, 1 + f(n - 1)))\nf(100000000)",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("physl::limit"), "{err}");
    assert!(err.contains("used up the evaluator's stack"), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("overflow"),
        "{err}"
    );
}

#[test]
fn huge_allocation_is_a_limit_error() {
    let (code, _, err) = physl(&["-c", "constant(0, list(1000000, 1000000, 1000000))"]);
    assert_eq!(code, 1);
    assert!(err.contains("physl::limit"), "{err}");
}

#[test]
fn errors_point_at_the_span() {
    let (_, _, err) = physl(&["-c", "define(a, [1, 2, 3])\ndefine(b, [1, 2])\na + b"]);
    assert!(err.contains("physl::shape"), "{err}");
    assert!(
        err.contains("[3]") && err.contains("[2]"),
        "both shapes named: {err}"
    );
    assert!(err.contains("<command_line>:3:"), "{err}");
    let (_, _, err) = physl(&["-c", "foo(1, 2"]);
    assert!(
        err.contains("physl::parse") && err.contains("never closed"),
        "{err}"
    );
}

#[test]
fn closed_stdout_ends_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_physl"))
        .args([
            "-c",
            "for(define(i, 0), i < 100000, store(i, i + 1), cout(i))",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn docs_list_the_table() {
    let (code, out, _) = physl(&["--docs"]);
    assert_eq!(code, 0);
    assert!(out.contains("dot(") && out.contains("## arithmetics"));
}

#[test]
fn print_code_reparses() {
    let (code, out, _) = physl(&[
        "--print-code",
        "--dry-run",
        "-c",
        "define(x, -2.5)  x*\"s\\n\"",
    ]);
    assert_eq!(code, 0);
    assert!(out.starts_with("PhySL Code:\n"));
    let printed = out.trim_start_matches("PhySL Code:\n").trim();
    let (code2, out2, _) = physl(&["--print-code", "--dry-run", "-c", printed]);
    assert_eq!(code2, 0);
    assert_eq!(out2, out);
}

#[test]
fn deeply_nested_values_print_and_drop() {
    let (code, out, err) = physl(&[
        "-p",
        "-c",
        "define(l, list()) for(define(i, 0), i < 100000, store(i, i + 1), store(l, list(l))) l",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("list(list(") && out.trim_end().ends_with("))"));
}
