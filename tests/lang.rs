//! The language test harness: every `tests/lang/NAME.tsc` runs through the real binary and its
//! standard output must equal `tests/lang/NAME.out` exactly, with exit status 0. The expected
//! outputs were computed independently, with Python and NumPy (`tests/lang/gen/README.md`).

mod common;

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
    let failures = common::script_failures("tests/lang", 10, |expected, actual| {
        (expected != actual).then(|| first_difference(expected, actual))
    });
    assert!(failures.is_empty(), "{} scripts failed:\n{}", failures.len(), failures.join("\n"));
}
