//! Speed, always as ratios measured in the same run (these machines are shared and noisy):
//!
//! 1. The spec §1 benchmark (`examples/regression.tsc`): its timed loop against the bare BLAS
//!    calls it needs, two `gemm` per step on the same shapes and thread count.
//! 2. The teaching-sized loop (`benches/teaching.tsc`, 10,000 gradient steps on 100 points):
//!    microseconds per step.
//!
//! When a Python with the peers is available (`../shared/peers/setup.sh` makes one in
//! `/tmp/tscript-peers`; `TSCRIPT_PEERS_PYTHON` names another), the same programs written for
//! NumPy and PyTensor run too. Run with `cargo bench --bench speed`; `TSCRIPT_BENCH_THREADS`
//! sets the thread count (default 2).

use ndarray::linalg::general_mat_mul;
use ndarray::Array2;
use std::path::Path;
use std::process::Command;
use std::time::Instant;
use tscript::blas::ThreadPolicy;
use tscript::Session;

/// Runs a script and returns its printed lines.
fn run_script(name: &str, text: &str, threads: usize) -> Vec<String> {
    let out = tscript::Output::default();
    let mut session = Session::new(Box::new(out.clone()), Vec::new(), ThreadPolicy::new(Some(threads)));
    if let Err(diags) = session.run(name, text) {
        for d in diags {
            eprintln!("{:?}", session.report(d));
        }
        panic!("{name} failed");
    }
    let text = out.text();
    text.lines().map(str::to_string).collect()
}

/// Seconds for `iters` steps of the two bare gemm calls of one gradient step.
fn bare_blas(iters: usize) -> f64 {
    let (m, n, k) = (2000, 500, 2000);
    let x = Array2::from_shape_fn((m, k), |(i, j)| ((i * 31 + j * 17) % 97) as f64 / 97.0 - 0.5);
    let w = Array2::from_shape_fn((k, n), |(i, j)| ((i * 7 + j * 13) % 89) as f64 / 89.0 - 0.5);
    let mut r = Array2::<f64>::zeros((m, n));
    let mut g = Array2::<f64>::zeros((k, n));
    general_mat_mul(1.0, &x, &w, 0.0, &mut r);
    general_mat_mul(1.0, &x.t(), &r, 0.0, &mut g);
    let start = Instant::now();
    for _ in 0..iters {
        general_mat_mul(1.0, &x, &w, 0.0, &mut r);
        general_mat_mul(1.0, &x.t(), &r, 0.0, &mut g);
    }
    start.elapsed().as_secs_f64()
}

/// The peers' Python, if there is one.
fn peers_python() -> Option<String> {
    let python = std::env::var("TSCRIPT_PEERS_PYTHON").unwrap_or_else(|_| "/tmp/tscript-peers/bin/python".into());
    Path::new(&python).exists().then_some(python)
}

/// Runs a peer script and returns the first line it prints (its loop time) as seconds.
fn peer_seconds(python: &str, script: &str, args: &[&str]) -> Option<f64> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/peers").join(script);
    let out = Command::new(python).arg(path).args(args).output().ok()?;
    String::from_utf8_lossy(&out.stdout).lines().next()?.trim().parse().ok()
}

fn main() {
    let threads: usize = std::env::var("TSCRIPT_BENCH_THREADS").ok().and_then(|s| s.parse().ok()).unwrap_or(2);
    let regression = include_str!("../examples/regression.tsc");
    let teaching = include_str!("teaching.tsc");
    let python = peers_python();

    println!("regression benchmark (spec §1), {threads} threads, 30 steps:");
    let mut best_script = f64::INFINITY;
    let mut best_blas = f64::INFINITY;
    for _ in 0..3 {
        let lines = run_script("regression.tsc", regression, threads);
        best_script = best_script.min(lines[0].parse::<f64>().expect("the script prints its loop time"));
        best_blas = best_blas.min(bare_blas(30));
        println!("  mse {}", lines[1]);
    }
    println!("  tscript loop / bare BLAS (2 gemm per step): {:.3}  (best of 3 each)", best_script / best_blas);
    if let Some(py) = &python {
        let t = threads.to_string();
        if let Some(numpy) = peer_seconds(py, "numpy_test.py", &[&t]) {
            println!("  tscript / NumPy by hand: {:.3}", best_script / numpy);
        }
        if let Some(pytensor) = peer_seconds(py, "theano_test.py", &[&t]) {
            println!("  tscript / PyTensor: {:.3}", best_script / pytensor);
        }
    }

    println!("teaching loop (10,000 steps on 100 points):");
    let lines = run_script("teaching.tsc", teaching, 1);
    let seconds: f64 = lines[0].parse().expect("the script prints its loop time");
    println!("  tscript with grad: {:.1} µs per step; a, b = {}", seconds * 1e6 / 10_000.0, lines[1]);
    if let Some(py) = &python {
        if let Some(numpy) = peer_seconds(py, "small_numpy.py", &[]) {
            println!("  tscript / NumPy by hand: {:.3}", seconds / numpy);
        }
        if let Some(pytensor) = peer_seconds(py, "small_pytensor.py", &[]) {
            println!("  tscript / PyTensor compiled: {:.3}", seconds / (pytensor * 10_000.0 / 9_999.0));
        }
    }
}
