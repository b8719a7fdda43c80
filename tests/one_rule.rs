//! One rule per primitive: a fault of type or shape gets the same diagnostic whichever stage
//! finds it. Each case is a statement run twice, after a first line that makes its operands'
//! shapes known to the checker (`let n = 2`) or known only when running (`n` counted from
//! `args()`, or a tensor read by `loadcsv`); the checker refuses the first before anything runs,
//! the primitive's type rule the second when it runs. Both must render to the same text: the
//! same code, message, labels and help (a help naming the operands, `did you mean A @ W.T?`,
//! included).

mod common;

use common::{tscript, TempDir};

/// The rendered diagnostic of running `script` as `dir/case.tsc`, and the exit status.
fn failure(dir: &TempDir, script: &str) -> (String, Option<i32>) {
    let path = dir.0.join("case.tsc");
    std::fs::write(&path, script).expect("script written");
    let out = tscript(&["run", path.to_str().expect("utf-8 path")]);
    (String::from_utf8_lossy(&out.stderr).into_owned(), out.status.code())
}

/// Checks that `body` fails with the same diagnostic after `known` as after `unknown`, and
/// that the diagnostic has `code`.
fn same_fault(dir: &TempDir, known: &str, unknown: &str, body: &str, code: &str) {
    let (checked, status) = failure(dir, &format!("{known}\n# the statements below fail\n{body}"));
    assert_eq!(status, Some(1), "{body}: {checked}");
    assert!(checked.contains(code), "{body}: the checker gives\n{checked}");
    let (ran, status) = failure(dir, &format!("{unknown}\n# the statements below fail\n{body}"));
    assert_eq!(status, Some(1), "{body}: {ran}");
    assert_eq!(ran, checked, "{body}: the run-time diagnostic differs from the checker's");
}

#[test]
fn a_shape_known_only_when_running_gets_the_checkers_diagnostic() {
    let dir = TempDir::new("one-rule", "shapes");
    let (known, unknown) = ("let n = 2", "let n = len(args()) + 2");
    for (body, code) in [
        ("let x = ones(n)\nprint(x + zeros(3))", "tscript::type::shape"),
        ("let A = ones(2, 3)\nlet W = ones(n, 3)\nprint(A @ W)", "tscript::type::shape"),
        ("let A = ones(3, n)\nlet W = ones(3, 4)\nprint(A @ W)", "tscript::type::shape"),
        ("let X = ones(n, 2)\nprint(X[ones(4) > 0.0])", "tscript::type::shape"),
        ("let c = ones(n) > 0.0\nprint(where(c, ones(3), 0.0))", "tscript::type::shape"),
        ("let A = eye(3)\nprint(solve(A, ones(n)))", "tscript::type::shape"),
        ("let A = ones(n, n + 1)\nprint(inv(A))", "tscript::type::shape"),
        ("let A = ones(n, 3)\nprint(reshape(A, 4, 2))", "tscript::type::shape"),
        ("let A = ones(2, n)\nprint(concat(A, ones(2, 3), axis=0))", "tscript::type::shape"),
        ("let x = ones(n)\nprint(dot(x, ones(3)))", "tscript::type::shape"),
        ("let X = zeros(3, 3)\nX[0] = ones(n)", "tscript::type::shape"),
        ("let X = zeros(3, 3)\nX[0:2] += ones(2, n)", "tscript::type::shape"),
        ("let x = ones(3)\nx += zeros(n)", "tscript::type::shape"),
    ] {
        same_fault(&dir, known, unknown, body, code);
    }
}

#[test]
fn a_tensor_read_from_a_file_gets_the_checkers_diagnostic() {
    let dir = TempDir::new("one-rule", "loadcsv");
    let csv = dir.0.join("x.csv");
    std::fs::write(&csv, "1,2,3\n4,5,6\n").expect("csv written");
    let known = "let X = ones(2, 3)";
    let unknown = format!("let X = loadcsv({:?})", csv.to_str().expect("utf-8 path"));
    for body in ["print(X @ X)", "let Y = X.T\nprint(Y @ Y)", "print(X + ones(3, 2))", "print(trace(X))"] {
        same_fault(&dir, known, &unknown, body, "tscript::type::shape");
    }
    let (ran, _) = failure(&dir, &format!("{unknown}\nprint(X @ X)"));
    assert!(ran.contains("help: did you mean X @ X.T?"), "{ran}");
}
