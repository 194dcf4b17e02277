//! `.npy` files move between physl and NumPy without conversion: physl's files load in
//! NumPy, NumPy's files (several dtypes, Fortran order) read in physl. Skipped, with a
//! message, when python3 with numpy is not available.

use std::path::{Path, PathBuf};
use std::process::Command;

fn numpy_available() -> bool {
    match Command::new("python3")
        .args(["-c", "import numpy"])
        .output()
    {
        Ok(out) if out.status.success() => true,
        _ => {
            eprintln!("npy_numpy: SKIPPED (python3 with numpy is not available)");
            false
        }
    }
}

fn temp_dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("physl_npy_numpy_{}_{test}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs `code` with the physl binary; returns its value in the JSON print format.
fn physl_json(code: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_physl"))
        .args(["-p", "--print-format", "json", "-c", code])
        .env("NO_COLOR", "1")
        .output()
        .expect("physl runs");
    assert!(
        out.status.success(),
        "physl failed on {code}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn python(script: &str) -> String {
    let out = Command::new("python3")
        .args(["-c", script])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "python failed:\n{script}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

#[test]
fn numpy_loads_what_physl_writes() {
    if !numpy_available() {
        return;
    }
    let d = temp_dir("load");
    let cases = [
        (
            "f64_matrix",
            "[[1.5, -2.0, 0.1], [1e300, -0.0, 3.0]]",
            "np.array([[1.5, -2.0, 0.1], [1e300, -0.0, 3.0]])",
        ),
        (
            "i64_vector",
            "[1, -2, 9223372036854775807]",
            "np.array([1, -2, 9223372036854775807], dtype=np.int64)",
        ),
        (
            "bool_array",
            "[[true, false], [false, true]]",
            "np.array([[True, False], [False, True]])",
        ),
        (
            "tensor",
            "reshape(arange(24), list(2, 3, 4))",
            "np.arange(24, dtype=np.int64).reshape(2, 3, 4)",
        ),
        (
            "quatern",
            "reshape(arange(16) * 0.5, list(2, 2, 2, 2))",
            "(np.arange(16) * 0.5).reshape(2, 2, 2, 2)",
        ),
        ("scalar", "2.5", "np.float64(2.5)"),
        ("empty", "constant(0.0, list(2, 0))", "np.zeros((2, 0))"),
    ];
    let mut script = String::from("import numpy as np\nok = []\n");
    for (name, src, want) in cases {
        let f = path_str(&d.join(format!("{name}.npy")));
        physl_json(&format!("file_write_npy(\"{f}\", {src})"));
        script.push_str(&format!(
            "a = np.load(r'{f}', allow_pickle=False)\nw = np.asarray({want})\n\
             assert a.dtype == w.dtype, ('{name}', a.dtype, w.dtype)\n\
             assert a.shape == w.shape, ('{name}', a.shape, w.shape)\n\
             assert np.array_equal(a, w), ('{name}', a, w)\n\
             assert a.tobytes() == w.tobytes(), '{name}'\nok.append('{name}')\n"
        ));
    }
    // nan/inf survive
    let f = path_str(&d.join("special.npy"));
    physl_json(&format!("file_write_npy(\"{f}\", [0.0, 1.0, -1.0] / 0.0)"));
    script.push_str(&format!(
        "a = np.load(r'{f}')\nassert np.isnan(a[0]) and a[1] == np.inf and a[2] == -np.inf\n\
         ok.append('special')\nprint(len(ok))\n"
    ));
    assert_eq!(python(&script), (cases.len() + 1).to_string());
}

#[test]
fn physl_reads_what_numpy_writes() {
    if !numpy_available() {
        return;
    }
    let d = temp_dir("read");
    let p = |n: &str| path_str(&d.join(n));
    python(&format!(
        "import numpy as np\n\
         np.save(r'{}', np.array([[1.5, 2.25, -3.0], [4.0, 0.1, 6.0]]))\n\
         np.save(r'{}', np.array([7, -8, 9], dtype=np.int64))\n\
         np.save(r'{}', np.array([[True, False, True]]))\n\
         np.save(r'{}', np.array([0.5, -1.25, 3.0], dtype=np.float32))\n\
         np.save(r'{}', np.asfortranarray(np.arange(6, dtype=np.int64).reshape(2, 3)))\n\
         np.save(r'{}', np.asfortranarray(np.arange(24.0).reshape(2, 3, 4)))\n\
         np.save(r'{}', np.array([1, -2, 300], dtype=np.int16))\n\
         np.save(r'{}', np.array([255, 0], dtype=np.uint8))\n\
         np.save(r'{}', np.array([1.5, 2.5], dtype='>f8'))\n\
         np.save(r'{}', np.float64(4.5))\n\
         np.save(r'{}', np.array([1+2j]))\n\
         np.save(r'{}', np.array(['a', 'b']))\n",
        p("m.npy"),
        p("v.npy"),
        p("b.npy"),
        p("f32.npy"),
        p("fort.npy"),
        p("fort3.npy"),
        p("i16.npy"),
        p("u8.npy"),
        p("be.npy"),
        p("s.npy"),
        p("c.npy"),
        p("str.npy"),
    ));
    let read = |n: &str| physl_json(&format!("file_read_npy(\"{}\")", p(n)));
    assert_eq!(
        read("m.npy"),
        r#"{"dtype": "float64", "shape": [2, 3], "data": [1.5, 2.25, -3.0, 4.0, 0.1, 6.0]}"#
    );
    assert_eq!(
        read("v.npy"),
        r#"{"dtype": "int64", "shape": [3], "data": [7, -8, 9]}"#
    );
    assert_eq!(
        read("b.npy"),
        r#"{"dtype": "bool", "shape": [1, 3], "data": [true, false, true]}"#
    );
    assert_eq!(
        read("f32.npy"),
        r#"{"dtype": "float64", "shape": [3], "data": [0.5, -1.25, 3.0]}"#
    );
    assert_eq!(
        read("fort.npy"),
        r#"{"dtype": "int64", "shape": [2, 3], "data": [0, 1, 2, 3, 4, 5]}"#
    );
    let want3: Vec<String> = (0..24).map(|i| format!("{i}.0")).collect();
    assert_eq!(
        read("fort3.npy"),
        format!(
            r#"{{"dtype": "float64", "shape": [2, 3, 4], "data": [{}]}}"#,
            want3.join(", ")
        )
    );
    assert_eq!(
        read("i16.npy"),
        r#"{"dtype": "int64", "shape": [3], "data": [1, -2, 300]}"#
    );
    assert_eq!(
        read("u8.npy"),
        r#"{"dtype": "int64", "shape": [2], "data": [255, 0]}"#
    );
    assert_eq!(
        read("be.npy"),
        r#"{"dtype": "float64", "shape": [2], "data": [1.5, 2.5]}"#
    );
    assert_eq!(
        read("s.npy"),
        r#"{"dtype": "float64", "shape": [], "data": [4.5]}"#
    );
    // unsupported dtypes are physl::io errors with a message, not crashes
    for n in ["c.npy", "str.npy"] {
        let out = Command::new(env!("CARGO_BIN_EXE_physl"))
            .args(["-c", &format!("file_read_npy(\"{}\")", p(n))])
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("physl::io") && err.contains("not supported"),
            "{err}"
        );
    }
    // a round trip through both: physl → numpy (doubles it) → physl
    let f = p("twice.npy");
    physl_json(&format!("file_write_npy(\"{f}\", [[1, 2], [3, 4]])"));
    python(&format!(
        "import numpy as np\na = np.load(r'{f}')\nassert a.dtype == np.int64\nnp.save(r'{f}', a * 2)"
    ));
    assert_eq!(
        physl_json(&format!("file_read_npy(\"{f}\")")),
        r#"{"dtype": "int64", "shape": [2, 2], "data": [2, 4, 6, 8]}"#
    );
}
