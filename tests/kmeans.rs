//! examples/kmeans.physl gives NumPy's centroids on the bench suite's deterministic points
//! (examples/data/kmeans_points.csv, written by examples/data/make_kmeans_points.py).

use std::process::Command;

/// NumPy 2.4's centroids for n=3000, k=8, 10 iterations, computed with the `kmeans` loop of
/// ../shared/bench/numpy_ref.py on the same points (checksum sum = 0.5068596578855078,
/// as `numpy_ref.py kmeans --n 3000 --k 8 --iterations 10` prints).
const NUMPY_3000_8_10: [[f64; 2]; 8] = [
    [1.1868170001548557, -0.4479323286905231],
    [-0.3848722925154496, 0.4973199015716114],
    [-0.023427048130034694, -0.5208849560811927],
    [0.6044496332228463, 0.2569270964604295],
    [-0.6240337811321197, -0.2328656824450129],
    [-0.6507300062971023, -0.7443664730956678],
    [1.4074071158955683, 0.3017268401793317],
    [-0.6306866999006648, 0.5120113386886326],
];

/// The same for Phylanx's sizes: n=250, k=3, 2 iterations (checksum 0.05622126905176916,
/// the bench README's 0.0562212690517692).
const NUMPY_250_3_2: [[f64; 2]; 3] = [
    [0.9949525563074791, -0.0022771272255644502],
    [-0.5078688367254736, 0.49217899264071346],
    [-0.4382669192949098, -0.48249739665047553],
];

fn kmeans(n: usize, k: usize, iterations: usize) -> Vec<f64> {
    let out = Command::new(env!("CARGO_BIN_EXE_physl"))
        .args([
            "-p",
            "--print-format",
            "json",
            "examples/kmeans.physl",
            "examples/data/kmeans_points.csv",
            &n.to_string(),
            &k.to_string(),
            &iterations.to_string(),
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("physl runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout.lines().last().expect("a printed value");
    assert!(
        line.contains(&format!("\"shape\": [{k}, 2]")),
        "a k x 2 matrix: {line}"
    );
    let data = line.split("\"data\": [").nth(1).expect("json array value");
    data.trim_end_matches("]}")
        .split(", ")
        .map(|x| x.parse().expect("a float"))
        .collect()
}

fn assert_close(got: &[f64], want: &[[f64; 2]]) {
    assert_eq!(got.len(), want.len() * 2);
    let mut worst = 0.0f64;
    for (g, w) in got.iter().zip(want.iter().flatten()) {
        let rel = (g - w).abs() / w.abs();
        worst = worst.max(rel);
        assert!(
            rel <= 1e-12,
            "centroid coordinate {g} vs NumPy {w} (rel {rel:e})"
        );
    }
    eprintln!("largest relative difference from NumPy: {worst:e}");
}

#[test]
fn kmeans_3000_points_8_centroids_10_steps() {
    assert_close(&kmeans(3000, 8, 10), &NUMPY_3000_8_10);
}

#[test]
fn kmeans_phylanx_sizes() {
    assert_close(&kmeans(250, 3, 2), &NUMPY_250_3_2);
}

#[test]
fn kmeans_data_file_is_the_bench_data() {
    // spot checks: point 0 is in blob 0: 1.0 + 0.75 * symmetric(1, 0), with
    // symmetric(1, 0) = 0.1331231503445618 (bench README test vector)
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/kmeans_points.csv"),
    )
    .unwrap();
    assert_eq!(text.lines().count(), 3000);
    let first: Vec<f64> = text
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(|x| x.parse().unwrap())
        .collect();
    assert_eq!(first[0], 1.0 + 0.75 * 0.1331231503445618);
}
