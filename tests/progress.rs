//! Long loops: the progress bar (on a pseudo-terminal, and its absence elsewhere), Ctrl-C in a
//! script, and the warning when a float variable first becomes `inf` or `nan` in a loop. No
//! test asserts a time: the loops that must outlast the bar's first second wait on `clock()`.

mod common;

use common::{scratch, tscript};
use expectrl::{Eof, Session};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A loop of six steps of 0.3 s each (so it outlasts the bar's first second), printing a line
/// per step, then a last line.
const SLOW_LOOP: &str = "\
for i in 0..6 {
    let t = clock()
    while clock() - t < 0.3 { }
    print(\"tick\", i)
}
print(\"done\")
";

/// Writes `script` to a scratch file and returns its path.
fn script_file(name: &str, script: &str) -> String {
    let path = scratch("progress", name).join("script.tsc");
    std::fs::write(&path, script).expect("write the script");
    path.to_string_lossy().into_owned()
}

/// Runs `tscript ARGS...` on a pseudo-terminal (standard output and error both on it) to its
/// end; returns everything it wrote.
fn on_terminal(args: &[&str]) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tscript"));
    command.args(args).env("NO_COLOR", "1").env("TERM", "xterm").env("TSCRIPT_THREADS", "1");
    let mut session = Session::spawn(command).expect("spawn tscript on a pty");
    session.set_expect_timeout(Some(Duration::from_secs(60)));
    match session.expect(Eof) {
        Ok(found) => found.get(0).map(text).unwrap_or_default(),
        Err(e) => panic!("tscript did not finish: {e}"),
    }
}

#[test]
fn a_long_loop_shows_a_bar_on_a_terminal_and_clears_it() {
    let path = script_file("bar", SLOW_LOOP);
    let screen = on_terminal(&[&path]);
    let drawn = screen.rfind(" of 6 · ").unwrap_or_else(|| panic!("no bar was drawn: {screen:?}"));
    assert!(screen.contains("] step ") && screen.contains(" steps/s · ") && screen.contains(" left"), "{screen:?}");
    // Each printed line starts a row of its own: after a newline, or after the bar was erased.
    for i in 0..6 {
        let at = screen.find(&format!("tick {i}\r\n")).unwrap_or_else(|| panic!("tick {i} missing: {screen:?}"));
        let before = &screen[..at];
        assert!(before.is_empty() || before.ends_with('\n') || before.ends_with("\x1b[2K"), "{screen:?}");
    }
    // The bar is erased after it was last drawn, before the script's last line.
    let done = screen.find("done\r\n").unwrap_or_else(|| panic!("no last line: {screen:?}"));
    assert!(screen[drawn..done].contains("\x1b[2K"), "the bar was not cleared: {:?}", &screen[drawn..]);
    assert!(!screen[done..].contains(" of 6"), "{screen:?}");
}

#[test]
fn no_progress_turns_the_bar_off() {
    let path = script_file("off", SLOW_LOOP);
    let screen = on_terminal(&["--no-progress", &path]);
    assert!(screen.contains("tick 5\r\ndone\r\n"), "{screen:?}");
    assert!(!screen.contains("steps/s") && !screen.contains("\x1b["), "{screen:?}");
}

#[test]
fn no_bar_when_standard_error_is_not_a_terminal() {
    let path = script_file("piped", SLOW_LOOP);
    let out = tscript(&[&path]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "tick 0\ntick 1\ntick 2\ntick 3\ntick 4\ntick 5\ndone\n");
    assert_eq!(text(&out.stderr), "", "standard error is a pipe");
}

#[test]
fn ctrl_c_stops_a_script_in_a_loop_with_status_130_and_the_step() {
    let script = "let x = 0.0\nfor i in 0..1000000000 {\n    if i == 0 { print(\"started\") }\n    x += 1.0\n}\n";
    let path = script_file("interrupt", script);
    let mut child = Command::new(env!("CARGO_BIN_EXE_tscript"))
        .arg(&path)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the tscript binary runs");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().expect("stdout")).read_line(&mut line).expect("the first line");
    assert_eq!(line, "started\n");
    // SAFETY: sends SIGINT to the child this test started, which has not been waited for.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let out = child.wait_with_output().expect("tscript ends");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("tscript::runtime::interrupted"), "{stderr}");
    let message = stderr.lines().find(|l| l.contains("× interrupted")).unwrap_or_else(|| panic!("{stderr}"));
    assert!(message.contains("× interrupted in step ") && message.contains(" of 1,000,000,000 at line "), "{message}");
}

#[test]
fn a_loss_that_becomes_inf_is_reported_once_with_the_step_and_line() {
    // The step size 10 makes |w| grow 19-fold a step: `loss` overflows at step 122, `w` later.
    let script = "\
let lr = 10.0
let w = 3.0
for step in 0..1000 {
    let loss = w ^ 2
    w -= lr * 2.0 * w
}
print(w)
";
    let out = tscript(&[&script_file("inf", script)]);
    let stderr = text(&out.stderr);
    assert_eq!((out.status.code(), text(&out.stdout).as_str()), (Some(0), "nan\n"), "{stderr}");
    assert_eq!(stderr.matches("tscript::lint::nonfinite").count(), 1, "{stderr}");
    for part in [
        "⚠ `loss` first became inf in step 122 of 1,000, at line 4",
        "script.tsc:4:16]",
        "let loss = w ^ 2",
        "╰── first inf here",
        "help: the step size may be too large: try a smaller learning rate",
    ] {
        assert!(stderr.contains(part), "missing {part:?} in:\n{stderr}");
    }
}

#[test]
fn the_run_time_warning_obeys_allow_and_deny_warnings() {
    let script = |allow: &str| {
        format!("let w = 3.0\nfor step in 0..1000 {{\n    let loss = w ^ 2{allow}\n    w -= 10.0 * 2.0 * w\n}}\nprint(\"done\")\n")
    };
    let out = tscript(&[&script_file("allow", &script("  # allow(nonfinite)"))]);
    assert_eq!((out.status.code(), text(&out.stdout).as_str(), text(&out.stderr).as_str()), (Some(0), "done\n", ""));
    let out = tscript(&["--deny-warnings", &script_file("deny", &script(""))]);
    let stderr = text(&out.stderr);
    assert_eq!((out.status.code(), text(&out.stdout).as_str()), (Some(1), ""), "{stderr}");
    assert!(stderr.contains("× `loss` first became inf in step 122") && stderr.contains("--deny-warnings"), "{stderr}");
}

#[test]
fn only_a_finite_value_that_turns_inf_or_nan_is_reported() {
    // `best` starts at inf (no warning), `s` is a tensor (not watched), then `x` turns nan in
    // an inner loop: one warning, naming the outer loop's step.
    let script = "\
let best = 1.0 / 0.0
let s = ones(2)
let x = 1.0
for i in 0..3 {
    best = best + 1.0
    s = s / 0.0
    for j in 0..2 {
        if i == 1 and j == 1 { x = x * 0.0 / 0.0 }
    }
}
print(x)
";
    let out = tscript(&[&script_file("nan", script)]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr.matches("tscript::lint::nonfinite").count(), 1, "{stderr}");
    assert!(stderr.contains("`x` first became nan in step 2 of 3, at line 8"), "{stderr}");
}
