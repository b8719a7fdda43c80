//! Compiled calls (`src/compile/`) give the interpreter's results, bit for bit:
//! - every script of the repository (examples, the language tests, the error cases, imports,
//!   views) prints the same bytes on standard output and standard error, exits the same way and
//!   draws the same picture with `TSCRIPT_COMPILE=check` (each function compiled at its first
//!   call, every result taken from the replayed program, and every replay also run in the
//!   interpreter and compared bit for bit, an error if they differ) as with `TSCRIPT_COMPILE=off`;
//! - in a session, a function runs compiled after its second call; a new shape or int traces it
//!   again; a branch on a computed value, random numbers or printing keep it interpreted; a
//!   variable read from outside the function is read afresh at every call.

mod common;

use common::{root, TempDir};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tscript::compile::Policy;

/// Runs `tscript SCRIPT ARGS...` from the crate root with `TSCRIPT_COMPILE` set to `policy`.
fn run_with(policy: &str, script: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tscript"))
        .arg(script)
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env("TSCRIPT_COMPILE", policy)
        .env_remove("TSCRIPT_THREADS")
        .output()
        .expect("the tscript binary runs")
}

/// Every script the repository runs in its tests, but those that print times.
fn scripts() -> Vec<PathBuf> {
    let dirs = [
        "examples",
        "tests/lang",
        "tests/errors",
        "tests/errors/at_run_time",
        "tests/errors/lint",
        "tests/check/pass",
        "tests/imports",
        "tests/views",
    ];
    let mut all: Vec<PathBuf> = dirs.iter().flat_map(|d| common::files(d, "tsc")).collect();
    all.retain(|p| !std::fs::read_to_string(p).unwrap_or_default().contains("clock()"));
    all
}

#[test]
fn every_script_prints_the_same_bytes_compiled_and_interpreted() {
    let dir = TempDir::new("compiled", "pictures");
    let mut failures = Vec::new();
    let scripts = scripts();
    assert!(scripts.len() >= 100, "expected the repository's scripts, found {}", scripts.len());
    for script in &scripts {
        let relative = script.strip_prefix(root()).unwrap_or(script);
        let picture = dir.0.join("picture.svg");
        let run = |policy: &str| {
            let out = run_with(policy, relative, &[&picture.to_string_lossy()]);
            let drawn = std::fs::read(&picture).unwrap_or_default();
            let _ = std::fs::remove_file(&picture);
            (out.status.code(), out.stdout, out.stderr, drawn)
        };
        let (interpreted, compiled) = (run("off"), run("check"));
        let name = relative.display();
        if interpreted.0 != compiled.0 {
            failures.push(format!("{name}: exit {:?} interpreted, {:?} compiled", interpreted.0, compiled.0));
        }
        for (what, a, b) in [
            ("stdout", &interpreted.1, &compiled.1),
            ("stderr", &interpreted.2, &compiled.2),
            ("picture", &interpreted.3, &compiled.3),
        ] {
            if a != b {
                let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
                failures.push(format!("{name}: {what} differs\n--- interpreted\n{a}\n--- compiled\n{b}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} scripts differ:\n{}", failures.len(), scripts.len(), failures.join("\n"));
}

/// A session that compiles as `policy` says.
fn session(policy: Policy) -> (tscript::Session, tscript::Output) {
    let out = tscript::Output::default();
    let mut session = tscript::Session::new(Box::new(out.clone()), vec![], tscript::blas::ThreadPolicy::new(None));
    session.interp.compiler.policy = policy;
    (session, out)
}

/// What `src` prints under `policy`, and the compiler's counts afterwards: (functions compiled,
/// functions refused, traces made).
fn printed(policy: Policy, src: &str) -> (String, (usize, usize), u32) {
    let (mut session, out) = session(policy);
    if let Err(e) = session.run("t.tsc", src) {
        panic!("{src} failed: {e:?}");
    }
    let compiler = &session.interp.compiler;
    (out.text(), compiler.counts(), compiler.traces())
}

/// What `src` prints, which must be the same with and without compiling (and with every replay
/// checked against the interpreter); and the counts.
fn same_both_ways(src: &str) -> (String, (usize, usize), u32) {
    let interpreted = printed(Policy::Off, src);
    let compiled = printed(Policy::Repeated, src);
    assert_eq!(compiled.0, interpreted.0, "compiled and interpreted runs differ for\n{src}");
    assert_eq!(printed(Policy::Check, src).0, interpreted.0, "a checked run differs for\n{src}");
    assert_eq!(interpreted.1, (0, 0));
    compiled
}

#[test]
fn the_teaching_loop_runs_compiled_with_the_interpreters_bits() {
    let src = "precision auto\nseed 0\nlet x = randn(100)\nlet y = 3 * x + 2 + 0.1 * randn(100)\n\
               fn cost(a, b) = mean((a * x + b - y) ^ 2)\nlet dcost = grad(cost, (0, 1))\n\
               let a = 0.0\nlet b = 0.0\nfor i in 0..200 {\n  let (ga, gb) = dcost(a, b)\n  a -= 0.01 * ga\n  b -= 0.01 * gb\n}\n\
               print(a, b, cost(a, b), cost(a, b))\n";
    let (text, counts, traces) = same_both_ways(src);
    assert_eq!(counts, (2, 0), "grad(cost) and cost both compiled: {text}");
    assert_eq!(traces, 2);
}

#[test]
fn a_parameter_tree_network_runs_compiled() {
    let src = "precision auto\nseed 1\nlet X = randn(20, 2)\nlet y = tanh(X[:, 0] * X[:, 1])\n\
               fn forward(p, X) = tanh(X @ p[0] + p[1]) @ p[2] + p[3]\n\
               fn loss(p) = mean((forward(p, X) - y) ^ 2)\n\
               let params = (0.5 * randn(2, 8), zeros(8), 0.5 * randn(8), zeros(1))\n\
               for i in 0..30 { params -= 0.1 * grad(loss)(params) }\nprint(loss(params))\nprint(params[3])\n";
    let (_, counts, _) = same_both_ways(src);
    assert_eq!(counts.0, 1, "grad(loss) compiled");
}

#[test]
fn hessians_and_jacobians_run_compiled() {
    let src = "precision auto\nfn f(x) = sum(x ^ 4) + x[0] * x[1]\nfn g(x) = tanh(x) * x\n\
               for i in 0..6 {\n  print(hessian(f)([1.0, 2.0, 3.0] * i))\n  print(jacobian(g)([0.5, -1.0] * i))\n}\n";
    let (text, counts, traces) = same_both_ways(src);
    assert_eq!(counts, (2, 0), "hessian(f) and jacobian(g) both compiled: {text}");
    assert_eq!(traces, 2);
    assert!(text.contains("\n[[12.0, 1.0, 0.0], [1.0, 48.0, 0.0], [0.0, 0.0, 108.0]]\n"), "{text}");
}

#[test]
fn a_new_shape_or_int_traces_again() {
    let src = "fn f(x, k) = sum(x ^ k)\nfor n in 1..4 {\n  print(f(ones(n), 2), f(ones(n), 2), f(ones(n), 3), f(ones(n), 3))\n}\n";
    let (text, counts, traces) = same_both_ways(src);
    assert_eq!(text, "1.0 1.0 1.0 1.0\n2.0 2.0 2.0 2.0\n3.0 3.0 3.0 3.0\n");
    assert_eq!(counts, (1, 0));
    assert_eq!(traces, 6, "one trace per shape and power");
}

#[test]
fn signatures_that_keep_changing_stay_interpreted() {
    let src = "fn f(k) = 2.0 * k\nlet s = 0.0\nfor i in 0..30 { s += f(i) }\nprint(s)\n";
    let (text, counts, _) = same_both_ways(src);
    assert_eq!(text, "870.0\n");
    assert_eq!(counts, (0, 1));
}

#[test]
fn a_branch_on_a_computed_value_stays_interpreted() {
    let src = "fn f(x) = if sum(x) > 0.0 { sum(x) } else { -sum(x) }\n\
               for i in 0..4 { print(f([1.0, 2.0]), f([-1.0, -2.0])) }\n";
    let (text, counts, _) = same_both_ways(src);
    assert_eq!(text, "3.0 3.0\n".repeat(4));
    assert_eq!(counts, (0, 1));
}

#[test]
fn effects_keep_a_function_interpreted() {
    for def in ["fn f(x) = x + sum(randn(2))", "fn f(x) {\n  print(x)\n  x\n}", "fn f(x) = x + clock() * 0.0"] {
        let src = format!("seed 3\n{def}\nfor i in 0..3 {{ print(f(1.0)) }}\n");
        let (_, counts, _) = same_both_ways(&src);
        assert_eq!(counts, (0, 1), "{def}");
    }
}

#[test]
fn a_variable_from_outside_is_read_at_every_call() {
    let src = "let w = [1.0, 2.0]\nlet n = 2\nfn f(x) = sum(w * x) + n\n\
               for i in 0..4 {\n  print(f([1.0, 1.0]))\n  w = w * 2.0\n}\nn = 3\nprint(f([1.0, 1.0]))\n";
    let (text, counts, traces) = same_both_ways(src);
    assert_eq!(text, "5.0\n8.0\n14.0\n26.0\n51.0\n");
    assert_eq!(counts, (1, 0));
    assert_eq!(traces, 2, "a new int outside traces again; a new float does not");
}

#[test]
fn a_function_writing_outside_itself_stays_interpreted() {
    let src = "let calls = 0\nfn f(x) {\n  calls += 1\n  x * 2.0\n}\nfor i in 0..3 { print(f(1.5)) }\nprint(calls)\n";
    let (text, counts, _) = same_both_ways(src);
    assert_eq!(text, "3.0\n3.0\n3.0\n3\n");
    assert_eq!(counts, (0, 1));
}

#[test]
fn an_error_in_a_replay_is_reported_where_the_interpreter_reports_it() {
    let src = "fn f(A, b) = solve(A, b)\nprint(f(eye(2), [1.0, 2.0]))\nprint(f(eye(2), [1.0, 2.0]))\nprint(f(eye(2), [1.0, 2.0]))\nprint(f(zeros(2, 2), [1.0, 2.0]))\n";
    let run = |policy| {
        let (mut session, out) = session(policy);
        let err = session.run("t.tsc", src).expect_err("a singular matrix");
        (out.text(), format!("{:?}", err[0]))
    };
    let interpreted = run(Policy::Off);
    assert_eq!(run(Policy::Repeated), interpreted);
    assert_eq!(run(Policy::Always), interpreted);
    assert_eq!(run(Policy::Check), interpreted);
    assert_eq!(interpreted.0, "[1.0, 2.0]\n".repeat(3));
}

#[test]
fn a_derivative_rule_that_reads_values_keeps_its_function_interpreted() {
    // A median's gradient finds the median's elements in Rust: a replay at other values would
    // look for the traced median among them, find none and divide by zero ties.
    let src = "fn f(x) = median(x * 1.0)\nlet g = grad(f)\nfor i in 0..4 { print(g([1.0, 2.0, 3.0] * (i + 1.0))) }\n";
    let (text, counts, _) = same_both_ways(src);
    assert_eq!(text, "[0.0, 1.0, 0.0]\n".repeat(4));
    assert_eq!(counts, (0, 1), "the median's gradient stays interpreted");
}
