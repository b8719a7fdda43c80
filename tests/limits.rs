//! Allocation failure and Ctrl-C through the real binary. Each memory case runs in a child
//! process whose address space is limited (`setrlimit`), where a failed allocation would abort
//! the process (SIGABRT) unless TensorScript refuses it first: it must end as a
//! `tscript::runtime::alloc` diagnostic with status 1. The interrupt cases send SIGINT while a
//! script is running straight-line code or a long `@`: it must stop with status 130.

mod common;

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// The address space each memory case may use: room for the binary, its 1 GiB evaluation stack
/// (reserved, not touched), OpenBLAS's buffers and one 512 MiB tensor, but not a second one.
const LIMIT: u64 = 2 << 30;

/// Runs `code` with `tscript -e` under the address-space limit.
fn limited(code: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tscript"));
    cmd.args(["--threads", "1", "-e", code]).current_dir(common::root()).env("NO_COLOR", "1");
    // SAFETY: setrlimit is async-signal-safe; the closure touches nothing else.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit { rlim_cur: LIMIT, rlim_max: LIMIT };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    cmd.output().expect("tscript runs")
}

/// An 8192 × 8192 matrix of f64: 512 MiB.
const BIG: &str = "let A = zeros(8192, 8192)\n";

#[test]
fn every_large_allocation_is_refused_with_a_diagnostic_under_a_memory_limit() {
    let cases = [
        ("+", "print(sum(A + 1.0))"),
        ("broadcast -", "print(sum(zeros(100000, 1) - zeros(100000)))"),
        ("where", "print(sum(where(A > 0, A, 1.0)))"),
        ("@", "print(sum(A @ A.T))"),
        ("outer", "let v = zeros(8192)\nprint(sum(outer(v, v)))"),
        ("concat", "print(sum(concat(A, A)))"),
        ("copy on write", "let B = A\nB[0, 0] = 1.0\nprint(B[0, 0])"),
        ("inv", "print(sum(inv(A)))"),
        ("svd", "let (u, s, vt) = svd(A)\nprint(s[0])"),
        ("grad", "fn f(x) = sum(x * x)\nprint(sum(grad(f)(A)))"),
        ("hessian", "fn f(x) = sum(x ^ 3)\nprint(hessian(f)(zeros(100000)))"),
    ];
    let outputs: Vec<(&str, Output)> = std::thread::scope(|scope| {
        let runs: Vec<_> = cases
            .iter()
            .map(|(name, body)| scope.spawn(move || (*name, limited(&format!("{BIG}{body}\nprint(\"not reached\")")))))
            .collect();
        runs.into_iter().map(|r| r.join().expect("the run finishes")).collect()
    });
    let mut failures = Vec::new();
    for (name, out) in outputs {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        if out.status.code() != Some(1) || !stderr.contains("tscript::runtime::alloc") || stdout.contains("not reached")
        {
            failures.push(format!("{name}: status {:?}\n{stderr}{stdout}", out.status));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
}

#[test]
fn the_tape_of_an_endless_loop_under_grad_is_bounded() {
    let code = "fn f(x) {\n  let s = x\n  while true { s = s + x }\n  s\n}\nprint(grad(f)(1.0))";
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tscript"));
    cmd.args(["-e", code]).env("NO_COLOR", "1");
    // SAFETY: as in `limited`.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit { rlim_cur: 2 << 30, rlim_max: 2 << 30 };
            libc::setrlimit(libc::RLIMIT_AS, &limit);
            Ok(())
        });
    }
    let out = cmd.output().expect("tscript runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("tscript::runtime::alloc") && stderr.contains("`grad` has recorded"), "{stderr}");
}

/// Starts `code`, sends SIGINT once it has had `after` to start, and returns what it did.
fn interrupted(code: &str, after: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tscript"))
        .args(["--threads", "1", "-e", code])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tscript starts");
    std::thread::sleep(after);
    // SAFETY: kill only sends a signal to the child we started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().expect("tscript ends");
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    child.stdout.take().expect("piped").read_to_end(&mut stdout).expect("stdout");
    child.stderr.take().expect("piped").read_to_end(&mut stderr).expect("stderr");
    Output { status, stdout, stderr }
}

fn assert_interrupted(out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("tscript::runtime::interrupted"), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("done"), "the script ran on to the end");
}

#[test]
fn ctrl_c_stops_straight_line_code_at_the_next_statement() {
    // Thousands of statements without a loop or call: only the statement boundary sees Ctrl-C.
    let mut code = String::from("let X = ones(400, 400)\n");
    for _ in 0..4000 {
        code.push_str("let Z = X @ X\n");
    }
    code.push_str("print(\"done\")\n");
    assert_interrupted(&interrupted(&code, Duration::from_millis(700)));
}

#[test]
fn ctrl_c_during_a_long_matrix_product_stops_after_it() {
    let code = "let X = ones(3000, 3000)\nlet Z = X @ X @ X @ X @ X @ X\nprint(\"done\")";
    assert_interrupted(&interrupted(code, Duration::from_millis(700)));
}

#[test]
fn an_update_in_place_needs_no_new_memory_under_the_limit() {
    // A takes what the limit leaves; `A += 1.0` and `A *= 2.0` write into A's own buffer, so
    // they run, while a new tensor of A's size is refused.
    let out = limited(&format!("{BIG}A += 1.0\nA *= 2.0\nprint(A[0, 0], A[8191, 8191])\nlet B = A + 1.0"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "2.0 2.0\n", "{stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("tscript::runtime::alloc"), "{stderr}");
}
