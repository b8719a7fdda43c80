//! The example scripts: every `examples/NAME.tsc` with a companion `examples/NAME.out` must print
//! exactly that; `examples/regression.tsc` (the benchmark of spec §1, whose first line is a time)
//! must print a time and then a mean squared error in [0.10, 0.125].

mod common;

use common::{root, tscript};
use std::path::{Path, PathBuf};
use std::process::Output;

fn run(script: &Path) -> Output {
    tscript(&[script.to_str().expect("a UTF-8 path")])
}

#[test]
fn examples_with_expected_output_print_it() {
    let scripts: Vec<PathBuf> =
        common::files("examples", "tsc").into_iter().filter(|p| p.with_extension("out").exists()).collect();
    assert!(scripts.len() >= 2, "expected examples with .out files, found {}", scripts.len());
    for script in scripts {
        let expected = std::fs::read_to_string(script.with_extension("out")).expect("readable .out");
        let out = run(&script);
        assert!(out.status.success(), "{}: {}", script.display(), String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected, "{}", script.display());
    }
}

/// The benchmark itself, at full size: about 20 s in a debug build, since the time goes to BLAS.
#[test]
fn the_regression_benchmark_reaches_the_expected_error() {
    let out = run(&root().join("examples/regression.tsc"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "a time and an error: {stdout}");
    let time: f64 = lines[0].parse().unwrap_or_else(|_| panic!("the first line is a time: {stdout}"));
    assert!(time > 0.0, "{stdout}");
    let mse: f64 = lines[1].parse().unwrap_or_else(|_| panic!("the second line is a float: {stdout}"));
    assert!((0.10..=0.125).contains(&mse), "mse {mse} is outside [0.10, 0.125]");
}
