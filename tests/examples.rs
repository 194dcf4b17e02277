//! The shipped examples give NumPy's answers.

use std::process::Command;

fn physl(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_physl"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("physl runs")
}

fn json_floats(stdout: &[u8]) -> Vec<f64> {
    let text = String::from_utf8_lossy(stdout);
    let line = text.lines().last().expect("a printed value");
    let data = line.split("\"data\": [").nth(1).expect("json array value");
    data.trim_end_matches("]}")
        .split(", ")
        .map(|x| x.parse().expect("a float"))
        .collect()
}

/// NumPy 2.4's weights after 100 steps of `lra` on the breast-cancer data, alpha 1e-5
/// (computed with the loop of ../shared/bench/numpy_ref.py).
const NUMPY_W100: [f64; 30] = [
    0.8215045087586059,
    1.5227228739621776,
    5.031973337397695,
    7.3505072888851,
    0.008567175545324612,
    0.002945598425882135,
    -0.004490863990556135,
    -0.002304551931964551,
    0.01618266122118991,
    0.006398185565017952,
    0.005330498061700769,
    0.1222561612808384,
    0.03196420022141862,
    -1.5369447103110656,
    0.0007504210502219587,
    0.001250992666570436,
    0.0012789792535896419,
    0.0005637023200063383,
    0.0020475357706810533,
    0.0003284467405331422,
    0.784907768125102,
    1.934633444890054,
    4.786520899878698,
    -5.619226898205106,
    0.01118301601748041,
    0.0034357952810239773,
    -0.005669545829828808,
    -0.0008663134556741044,
    0.02330145920755484,
    0.007131853199525522,
];

#[test]
fn lra_matches_numpy_after_100_steps() {
    let out = physl(&[
        "-p",
        "--print-format",
        "json",
        "examples/lra.physl",
        "examples/data/breast_cancer.csv",
        "0",
        "569",
        "0",
        "30",
        "30",
        "1e-5",
        "100",
        "0",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let w = json_floats(&out.stdout);
    assert_eq!(w.len(), 30);
    for (got, want) in w.iter().zip(NUMPY_W100) {
        assert!(
            (got - want).abs() <= 1e-8 * want.abs(),
            "{got} vs NumPy {want}"
        );
    }
}

#[test]
fn lra_classifies_523_rows_after_750_steps() {
    let script = r#"
        define(data, file_read_csv("examples/data/breast_cancer.csv"))
        define(x, slice(data, nil, list(0, 30)))
        define(y, slice(data, nil, 30))
        define(w, lra("examples/data/breast_cancer.csv", 0, 569, 0, 30, 30, 1e-5, 750, 0))
        sum((dot(x, w) > 0) == (y > 0.5))
    "#;
    let lra = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/lra.physl"),
    )
    .unwrap()
    .replace("apply(lra, sys_argv)", "");
    let out = physl(&["-p", "-c", &format!("{lra}\n{script}")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "523");
}

#[test]
fn fibonacci_and_factorial() {
    let out = physl(&["-p", "examples/fibonacci.physl", "25"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "75025");
    let out = physl(&["-p", "examples/factorial.physl", "20"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "2432902008176640000"
    );
}
