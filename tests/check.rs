//! The checker's acceptance suite (spec §8). Every script under `tests/check/fail/` is ill-typed:
//! run by the real binary it must exit with status 1 and print nothing on standard output (its
//! first line prints, so anything that ran would show), and each expected diagnostic must be
//! reported with its code at its line and column; `tscript check` must count exactly those.
//! Expectations are comments, rust-analyzer style: a marker line `#   ^^^ error: CODE` whose
//! first `^` stands under the start of the offending text on the line above, or a header
//! `# error: CODE at LINE:COL`. Every script under `tests/check/pass/` and `examples/` must be
//! accepted, and the pass scripts must then run cleanly, so the checker agrees with the runtime.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tscript::blas::ThreadPolicy;
use tscript::Session;

/// One expected diagnostic: its code, line and column (1-based).
#[derive(Debug, Clone, PartialEq)]
struct Expected {
    code: String,
    line: usize,
    col: usize,
}

/// Reads the expectations written in a script.
fn expectations(text: &str) -> Vec<Expected> {
    let mut out = Vec::new();
    let mut target_line = 0;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("# error: ") {
            let (code, at) = rest.split_once(" at ").expect("`# error: CODE at LINE:COL`");
            let (l, c) = at.trim().split_once(':').expect("LINE:COL");
            out.push(Expected { code: code.trim().into(), line: l.parse().unwrap(), col: c.parse().unwrap() });
        } else if trimmed.starts_with('#') && trimmed.contains('^') && trimmed.contains("error: ") {
            let col = line.find('^').unwrap() + 1;
            let code = line.split("error: ").nth(1).unwrap().trim().to_string();
            out.push(Expected { code, line: target_line, col });
        } else {
            target_line = i + 1;
        }
    }
    out
}

fn tscript(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tscript"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("TSCRIPT_THREADS", "1")
        .output()
        .expect("the tscript binary runs")
}

fn scripts(dir: &str) -> Vec<PathBuf> {
    common::files(dir, "tsc")
}

/// What is wrong with how the binary treated one ill-typed script, if anything.
fn check_failing(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).unwrap();
    let expected = expectations(&text);
    if expected.is_empty() {
        return Err("no expectations written".into());
    }
    let run = tscript(&[path]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    if run.status.code() != Some(1) {
        return Err(format!("exit status {:?}, expected 1\n{stderr}", run.status.code()));
    }
    if !run.stdout.is_empty() {
        return Err(format!("printed {:?}: something ran", String::from_utf8_lossy(&run.stdout)));
    }
    for e in &expected {
        let place = format!("[{}:{}:{}]", path.display(), e.line, e.col);
        let found = stderr.split(&format!("{}\n", e.code)).skip(1).any(|after| {
            let header = after.lines().find(|l| l.contains("─[")).unwrap_or("");
            header.contains(&place)
        });
        if !found {
            return Err(format!("expected {} at {place}, got:\n{stderr}", e.code));
        }
    }
    let check = tscript(&[Path::new("check"), path]);
    let stderr = String::from_utf8_lossy(&check.stderr);
    let count = format!("{} error{}", expected.len(), if expected.len() == 1 { "" } else { "s" });
    if check.status.code() != Some(1) || !stderr.trim_end().ends_with(&count) {
        return Err(format!("`tscript check` should report {count}:\n{stderr}"));
    }
    Ok(())
}

#[test]
fn ill_typed_scripts_are_rejected_before_anything_runs() {
    let files = scripts("tests/check/fail");
    assert!(files.len() >= 40, "only {} ill-typed scripts", files.len());
    let failures: Vec<String> =
        files.iter().filter_map(|p| check_failing(p).err().map(|e| format!("{}: {e}", p.display()))).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn well_typed_scripts_and_examples_are_accepted() {
    let mut files = scripts("tests/check/pass");
    let pass = files.len();
    files.extend(scripts("examples"));
    files.extend(scripts("benches"));
    let mut args = vec![Path::new("check")];
    args.extend(files.iter().map(PathBuf::as_path));
    let check = tscript(&args);
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stderr));
    for path in &files[..pass] {
        let run = tscript(&[path]);
        assert_eq!(run.status.code(), Some(0), "{}: {}", path.display(), String::from_utf8_lossy(&run.stderr));
    }
}

#[test]
fn the_marker_reader_finds_line_and_column() {
    let text =
        "print(1)\nlet y = a + b\n#       ^^^^^ error: tscript::type::shape\n# error: tscript::type::dtype at 7:3\n";
    assert_eq!(
        expectations(text),
        vec![
            Expected { code: "tscript::type::shape".into(), line: 2, col: 9 },
            Expected { code: "tscript::type::dtype".into(), line: 7, col: 3 },
        ]
    );
}

/// The static type of the last line of `text`, after the lines before it.
fn type_of(text: &str) -> String {
    let mut session = Session::new(Box::new(std::io::sink()), Vec::new(), ThreadPolicy::new(Some(1)));
    let (body, last) = text.rsplit_once('\n').unwrap_or(("", text));
    session.check("setup", body).unwrap_or_else(|d| panic!("{d:?}"));
    session.type_of("expr", last).unwrap_or_else(|d| panic!("{d:?}"))
}

#[test]
fn int_constants_propagate_into_shapes() {
    assert_eq!(type_of("let M = 2000\nlet K = 2000\nrandn(M, K)"), "f64[2000, 2000]");
    assert_eq!(type_of("let K = 20 * 100\nzeros(K + 1, 2)"), "f64[2001, 2]");
    assert_eq!(type_of("let A = zeros(7, 3)\nshape(A)[0]"), "int");
    assert_eq!(type_of("let A = zeros(7, 3)\nzeros(shape(A)[0])"), "f64[7]");
    assert_eq!(type_of("let n = 3\nn = 4\nzeros(n)"), "f64[?]");
    assert_eq!(type_of("let A = zeros(7, 3)\nzeros(A.shape[1], len(A))"), "f64[3, 7]");
}

#[test]
fn shapes_follow_the_kernels() {
    assert_eq!(type_of("let X = zeros(10, 4)\nX @ zeros(4, 2)"), "f64[10, 2]");
    assert_eq!(type_of("let X = zeros(10, 4)\nX.T @ zeros(10)"), "f64[4]");
    assert_eq!(type_of("zeros(4) @ zeros(4)"), "f64");
    assert_eq!(type_of("zeros(3, 1) + zeros(4)"), "f64[3, 4]");
    assert_eq!(type_of("sum(zeros(3, 4), axis=0)"), "f64[4]");
    assert_eq!(type_of("sum(zeros(3, 4), axis=-1, keepdims=true)"), "f64[3, 1]");
    assert_eq!(type_of("argmax(zeros(3, 4))"), "int");
    assert_eq!(type_of("argmax(zeros(3, 4), axis=1)"), "i64[3]");
    assert_eq!(type_of("[1, 2, 3] * 2"), "i64[3]");
    assert_eq!(type_of("[1, 2, 3] * 0.5"), "f64[3]");
    assert_eq!(type_of("[1, 2, 3] / 2"), "f64[3]");
    assert_eq!(type_of("zeros(5, 2)[[4, 0, 1]]"), "f64[3, 2]");
    assert_eq!(type_of("zeros(5, 4, 3)[0, :, [1, 1]]"), "f64[2, 4]");
    assert_eq!(type_of("zeros(5, 4, 3)[:, [[1, 2], [0, 0], [3, 3]]]"), "f64[5, 3, 2, 3]");
    assert_eq!(type_of("zeros(5, 2, 3)[:, 0, [1, 1, 0, 2]]"), "f64[5, 4]");
    assert_eq!(type_of("sort(permutation(7))"), "i64[7]");
    assert_eq!(type_of("zeros(10, 4)[2:8, 1]"), "f64[6]");
    assert_eq!(type_of("zeros(10, 4)[::3, :]"), "f64[4, 4]");
    assert_eq!(type_of("zeros(10, 4)[1, 2]"), "f64");
    assert_eq!(type_of("reshape(zeros(12), 3, -1)"), "f64[3, 4]");
    assert_eq!(type_of("concat(zeros(2, 3), zeros(5, 3))"), "f64[7, 3]");
    assert_eq!(type_of("stack(zeros(3), zeros(3), axis=1)"), "f64[3, 2]");
    assert_eq!(type_of("[[1, 2], [3, 4], [5, 6]]"), "i64[3, 2]");
    assert_eq!(type_of("[[1, 2.0], [3, 4], [5, 6]]"), "f64[3, 2]");
    assert_eq!(type_of("f32(zeros(2)) * 0.5"), "f32[2]");
    assert_eq!(type_of("svd(zeros(5, 3))"), "(f64[5, 3], f64[3], f64[3, 3])");
    assert_eq!(type_of("zeros(3) > 1"), "bool[3]");
    assert_eq!(type_of("args()"), "(str, ...)");
    assert_eq!(type_of("print(1)"), "()");
}

#[test]
fn functions_are_checked_per_call() {
    let f = "fn f(a, b) = a @ b\n";
    assert_eq!(type_of(&format!("{f}f(zeros(2, 3), zeros(3, 5))")), "f64[2, 5]");
    assert_eq!(type_of(&format!("{f}f(zeros(3), zeros(3, 5))")), "f64[5]");
    assert_eq!(type_of("fn twice(g, v) = g(g(v))\ntwice(|x| x @ eye(3), zeros(3))"), "f64[3]");
    assert_eq!(type_of("let h = |g, v| g(v) * 2\nh(|x| sum(x), zeros(4))"), "f64");
    assert_eq!(type_of("fn fact(n) -> int = if n <= 1 { 1 } else { n * fact(n - 1) }\nfact(5)"), "int");
    assert_eq!(type_of("let X = zeros(5, 2)\nfn cost(W) = sum((X @ W) ^ 2)\ngrad(cost)(zeros(2, 3))"), "f64[2, 3]");
    assert_eq!(type_of("value_and_grad(|a, b| a * b, (0, 1))(1.0, 2.0)"), "(f64, (f64, f64))");
    assert_eq!(type_of("hessian(|x| sum(x ^ 3))(zeros(4))"), "f64[4, 4]");
    assert_eq!(type_of("hessian(|x| sum(x ^ 3))(zeros(2, 3))"), "f64[2, 3, 2, 3]");
    assert_eq!(type_of("jacobian(|x| x[0:2] * 2.0)(zeros(3))"), "f64[2, 3]");
    // A CSV file is a matrix of the default dtype; its columns are known when chosen.
    assert_eq!(type_of("loadcsv(\"d.csv\")"), "f64[?, ?]");
    assert_eq!(type_of("loadcsv(\"d.csv\", header=true, columns=(0, \"y\"))[0]"), "f64[?, 2]");
    assert_eq!(type_of("fn g() { return zeros(2) }\ng()"), "f64[2]");
    assert_eq!(type_of("fn first() = second(2.0)\nfn second(x) = x * zeros(3)\nfirst()"), "f64[3]");
}
