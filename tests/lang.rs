//! The language test harness: every `tests/lang/NAME.tsc` runs through the real binary and its
//! standard output must equal `tests/lang/NAME.out` exactly, with exit status 0. The expected
//! outputs were computed independently, with Python and NumPy (`tests/lang/gen/README.md`).

mod common;

use std::process::Command;

/// Where two texts first differ, as a short report.
fn first_difference(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    for i in 0..e.len().max(a.len()) {
        let (x, y) = (e.get(i).copied(), a.get(i).copied());
        if x != y {
            return format!("line {}: expected {:?}, got {:?}", i + 1, x, y);
        }
    }
    "the texts differ only in their final newline".into()
}

#[test]
fn every_script_prints_its_expected_output() {
    let files = common::files("tests/lang", "tsc");
    assert!(files.len() >= 10, "expected the language scripts in tests/lang, found {}", files.len());
    let mut failures = Vec::new();
    for script in &files {
        let expected_path = script.with_extension("out");
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|e| panic!("{} has no companion .out file: {e}", script.display()));
        let out = Command::new(env!("CARGO_BIN_EXE_tscript"))
            .arg(script)
            .env("NO_COLOR", "1")
            .env_remove("TSCRIPT_THREADS")
            .output()
            .expect("the tscript binary runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let name = script.file_name().unwrap_or_default().to_string_lossy().into_owned();
        if !out.status.success() {
            failures.push(format!(
                "{name}: exit status {:?}\n{}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
        } else if stdout != expected {
            failures.push(format!("{name}: {}", first_difference(&expected, &stdout)));
        }
    }
    assert!(failures.is_empty(), "{} of {} scripts failed:\n{}", failures.len(), files.len(), failures.join("\n"));
}
