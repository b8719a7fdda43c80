//! The example scripts: every `examples/NAME.tsc` with a companion `examples/NAME.out` must print
//! exactly that; `examples/regression.tsc` (the benchmark of spec §1, whose first line is a time)
//! must print a time and then a mean squared error in [0.10, 0.125].

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run(script: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tscript"))
        .arg(script)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("TSCRIPT_THREADS")
        .output()
        .expect("the tscript binary runs")
}

#[test]
fn examples_with_expected_output_print_it() {
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .expect("examples/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "tsc") && p.with_extension("out").exists())
        .collect();
    scripts.sort();
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
