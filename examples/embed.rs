//! Embedding physl in a Rust program: load a PhySL model from a file, register a host
//! function, and call the model's functions with ndarray data.
//!
//!     cargo run --release --example embed [MODEL.physl]

use ndarray::{Array1, Array2};
use physl::{Engine, IntoValue, Limits};

/// Two Gaussian-ish clouds from a small deterministic generator: label 1 when
/// 2*x0 - x1 + 0.5 > 0. The last column is the bias input (always 1).
fn data(n: usize) -> (Array2<f64>, Array1<f64>) {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 * 4.0 - 2.0
    };
    let mut x = Array2::zeros((n, 3));
    let mut y = Array1::zeros(n);
    for i in 0..n {
        let (a, b) = (next(), next());
        x[[i, 0]] = a;
        x[[i, 1]] = b;
        x[[i, 2]] = 1.0;
        y[i] = if 2.0 * a - b + 0.5 > 0.0 { 1.0 } else { 0.0 };
    }
    (x, y)
}

fn run(engine: &mut Engine, model_path: &str) -> physl::Result<()> {
    // host functions are registered before compiling the code that calls them
    engine.register_fn("progress", |what: String, loss: f64| {
        println!("[model] {what}: loss {loss:.4}");
    })?;
    let text = std::fs::read_to_string(model_path)
        .map_err(|e| physl::Error::io(format!("cannot read {model_path}: {e}")))?;
    let program = engine.compile(model_path, &text)?;

    // a session holds the model's definitions; it may not touch files (the default)
    let mut session = engine.session();
    session.run(&program)?;

    let (x, y) = data(400);
    let w: Array1<f64> = session
        .call_global(
            "train",
            vec![
                x.clone().into_value()?,
                y.clone().into_value()?,
                0.01.into_value()?,
                300i64.into_value()?,
            ],
        )?
        .extract()?;
    println!("weights: {w:.3}");

    let labels: Array1<bool> = session
        .call_global("predict", vec![x.into_value()?, w.into_value()?])?
        .extract()?;
    let correct = labels
        .iter()
        .zip(y.iter())
        .filter(|(p, t)| **p == (**t == 1.0))
        .count();
    let accuracy = correct as f64 / y.len() as f64;
    println!("training accuracy: {:.1}%", 100.0 * accuracy);
    if accuracy < 0.9 {
        return Err(physl::Error::value(format!(
            "the model should separate the data, accuracy was {accuracy}"
        )));
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/examples/embed_model.physl").to_string()
    });
    // a step budget keeps a runaway model from hanging the host program
    let mut engine = Engine::with_limits(Limits {
        max_steps: Some(10_000_000),
        ..Limits::default()
    });
    match run(&mut engine, &path) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprint!("{}", e.render(engine.sources(), false, 100));
            std::process::ExitCode::FAILURE
        }
    }
}
