//! Error cases through the real binary. Each `tests/errors/NAME.tsc` is a script that must fail;
//! its header says how:
//!
//! ```text
//! # error: tscript::runtime::index at 6:7     the code, and where miette points (line:col)
//! # stdout: [1.0, 2.0, 3.0]                   each line printed before the error (in order)
//! # stderr: index 3, extent 3                 text the diagnostic must contain
//! ```
//!
//! The run must exit with status 1, print the code and `[tests/errors/NAME.tsc:LINE:COL]` on
//! standard error, and nothing on standard output beyond the `# stdout:` lines. Cases that need a
//! generated file (deep nesting, a huge script, bytes that are not UTF-8) and the command line's
//! usage errors are tests of their own below.
//!
//! Each `tests/errors/lint/NAME.tsc` is a script that runs with exactly one warning (any other
//! is silenced by `# allow(NAME)`); its header is `# warning: CODE at LINE:COL` with `# stdout:`
//! and `# stderr:` lines as above. With `--deny-warnings` it must fail without running.
//! `tests/errors/at_run_time/` holds a warning that only running finds (a variable that becomes
//! infinite), which `check` cannot show.
//!
//! Every diagnostic is also compared, as rendered (no colour, 80 columns, paths relative to the
//! crate root), with its snapshot in `tests/snapshots/` (insta): one per script here, named
//! `errors__rendered@NAME.tsc.snap` (`rendered_warning@` for the lint scripts), and one per case
//! that needs a generated input, a signal or the REPL. `every_code_has_a_rendered_snapshot`
//! fails when a code of `Code::as_str` (src/diag.rs) appears in no snapshot: a new code needs a
//! script here. A changed or new rendering fails the test and leaves a `.snap.new` beside the
//! snapshot (with `CI=true`, as in CI, nothing is written); review them with `cargo insta review`
//! (`cargo install cargo-insta`), or accept them all with
//! `INSTA_UPDATE=always cargo test --test errors`, read the diff, and commit the `.snap` files.
//! `cargo insta test --unreferenced=reject` also finds snapshots no test makes any more.

mod common;

use common::tscript;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// What a script's header expects.
struct Expect {
    code: String,
    at: Option<String>,
    stdout: String,
    stderr: Vec<String>,
}

fn header(script: &str) -> Expect {
    let mut expect = Expect { code: String::new(), at: None, stdout: String::new(), stderr: Vec::new() };
    for line in script.lines().take_while(|l| l.starts_with('#')) {
        if let Some(rest) = line.strip_prefix("# error: ").or_else(|| line.strip_prefix("# warning: ")) {
            let mut parts = rest.split(" at ");
            expect.code = parts.next().unwrap_or_default().trim().to_string();
            expect.at = parts.next().map(|s| s.trim().to_string());
        } else if let Some(rest) = line.strip_prefix("# stdout: ") {
            expect.stdout.push_str(rest);
            expect.stdout.push('\n');
        } else if let Some(rest) = line.strip_prefix("# stderr: ") {
            expect.stderr.push(rest.to_string());
        }
    }
    expect
}

/// Checks one failing run against its expectations; returns what went wrong, if anything.
fn verify(
    name: &str,
    out: &Output,
    status: i32,
    code: &str,
    place: Option<&str>,
    stdout: &str,
    stderr: &[String],
) -> Vec<String> {
    let (so, se) = (text(&out.stdout), text(&out.stderr));
    let mut problems = Vec::new();
    if out.status.code() != Some(status) {
        problems.push(format!("{name}: exit status {:?}, expected {status}", out.status.code()));
    }
    if !se.contains(code) {
        problems.push(format!("{name}: stderr lacks the code {code}"));
    }
    if let Some(place) = place {
        if !se.contains(place) {
            problems.push(format!("{name}: stderr lacks {place}"));
        }
    }
    for want in stderr {
        if !se.contains(want.as_str()) {
            problems.push(format!("{name}: stderr lacks {want:?}"));
        }
    }
    if so != stdout {
        problems.push(format!("{name}: stdout {so:?}, expected {stdout:?}"));
    }
    if !problems.is_empty() {
        problems.push(format!("--- stderr of {name}:\n{se}"));
    }
    problems
}

#[test]
fn every_error_script_fails_as_its_header_says_and_renders_as_its_snapshot() {
    let mut problems = Vec::new();
    let mut count = 0;
    insta::glob!("errors/*.tsc", |path| {
        count += 1;
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let script = std::fs::read_to_string(path).expect("readable script");
        let expect = header(&script);
        assert!(expect.code.starts_with("tscript::"), "{name} has no `# error: CODE` header");
        let relative = format!("tests/errors/{name}");
        let place = expect.at.as_ref().map(|at| format!("[{relative}:{at}]"));
        let out = plain(&[&relative]);
        problems.extend(verify(&name, &out, 1, &expect.code, place.as_deref(), &expect.stdout, &expect.stderr));
        snapshot("rendered", &script, &text(&out.stderr));
    });
    assert!(count >= 20, "expected the error scripts in tests/errors, found {count}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    common::scratch("errors", name)
}

fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write a scratch file");
    path.to_string_lossy().into_owned()
}

fn assert_fails(out: &Output, status: i32, code: &str, stderr: &[&str]) {
    let wanted: Vec<String> = stderr.iter().map(|s| s.to_string()).collect();
    let problems = verify("run", out, status, code, None, "", &wanted);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn nesting_300_deep_is_a_parse_error_not_a_stack_overflow() {
    let dir = scratch("deep");
    let brackets = format!("print({}1{})\n", "[".repeat(300), "]".repeat(300));
    let calls = format!("print({}1{})\n", "abs(".repeat(300), ")".repeat(300));
    let blocks = format!("{}1{}\n", "if true { ".repeat(300), " }".repeat(300));
    let parens = format!("let x = {}1{}\n", "(".repeat(300), ")".repeat(300));
    let negations = format!("let x = {}1\n", "-".repeat(300));
    for (i, src) in [brackets, calls, blocks, parens, negations].iter().enumerate() {
        let path = write(&dir, &format!("deep{i}.tsc"), src);
        assert_fails(&tscript(&[&path]), 1, "tscript::parse::too_deep", &[]);
    }
    // 200 levels is within the limit and runs.
    let ok = write(&dir, "ok.tsc", format!("print({}1{})\n", "(".repeat(200), ")".repeat(200)));
    let out = tscript(&[&ok]);
    assert_eq!(text(&out.stdout), "1\n", "{}", text(&out.stderr));
}

#[test]
fn a_script_over_64_mib_is_a_parse_error() {
    let dir = scratch("large");
    let line = format!("# {}\n", "x".repeat(1021));
    let path = write(&dir, "large.tsc", line.repeat(65 * 1024 + 1));
    assert_fails(&tscript(&[&path]), 1, "tscript::parse::too_large", &[]);
    std::fs::remove_file(&path).expect("remove the large script");
}

#[test]
fn a_missing_or_non_utf8_script_is_an_io_error() {
    assert_fails(&tscript(&["tests/errors/no_such_file.tsc"]), 1, "tscript::io", &["no_such_file.tsc"]);
    let dir = scratch("utf8");
    let path = write(&dir, "latin1.tsc", b"print(\"caf\xe9\")\n");
    assert_fails(&tscript(&[&path]), 1, "tscript::io", &["UTF-8"]);
    assert_fails(&tscript(&["check", &path]), 1, "tscript::io", &[]);
}

#[test]
fn usage_errors_exit_2() {
    let good = "tests/lang/statements.tsc";
    for args in [
        vec!["--threads", "0", good],
        vec!["--threads", "many", good],
        vec!["--bogus", good],
        vec!["--bogus"],
        vec!["check"],
        vec!["run"],
    ] {
        let out = tscript(&args);
        assert_eq!(out.status.code(), Some(2), "tscript {args:?}: {}", text(&out.stderr));
        assert!(out.stdout.is_empty(), "tscript {args:?} printed {}", text(&out.stdout));
        assert!(!out.stderr.is_empty(), "tscript {args:?} says nothing on stderr");
    }
}

#[test]
fn check_reports_without_running() {
    let dir = scratch("check");
    let good = write(&dir, "good.tsc", "print(\"ran\")\nlet x = zeros(2) + 1\n");
    let out = tscript(&["check", &good]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "check ran the script: {}", text(&out.stdout));
    let bad = write(&dir, "bad.tsc", "print(\"ran\")\nlet x = maen(1)\nlet y = (1 +\n");
    let out = tscript(&["check", &good, &bad]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "check ran the script: {}", text(&out.stdout));
    assert!(text(&out.stderr).contains("tscript::parse"), "{}", text(&out.stderr));
    let bad = write(&dir, "undefined.tsc", "print(\"ran\")\nlet x = maen(1)\n");
    let out = tscript(&["check", &bad]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("tscript::name::undefined"), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
}

#[test]
fn one_line_of_code_runs_with_e() {
    let out = tscript(&["-e", "print(1+1)"]);
    assert_eq!(text(&out.stdout), "2\n", "{}", text(&out.stderr));
    assert_eq!(out.status.code(), Some(0));
    let out = tscript(&["-e", "print(1 / len(args()))"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("tscript::runtime::division_by_zero"), "{}", text(&out.stderr));
}

#[test]
fn info_names_the_blas_library_and_its_kernel() {
    let out = tscript(&["info"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let info = text(&out.stdout);
    assert!(info.lines().any(|l| l.contains("OpenBLAS")), "{info}");
    assert!(info.lines().any(|l| l.to_lowercase().contains("kernel")), "{info}");
}

#[test]
fn arguments_reach_args() {
    let dir = scratch("args");
    let script = write(&dir, "args.tsc", "print(args())\nprint(len(args()), args()[0])\n");
    let out = tscript(&[&script, "first", "-x", "3"]);
    assert_eq!(text(&out.stdout), "(\"first\", \"-x\", \"3\")\n3 first\n", "{}", text(&out.stderr));
    let out = tscript(&["run", &script, "only"]);
    assert_eq!(text(&out.stdout), "(\"only\",)\n1 only\n", "{}", text(&out.stderr));
}

#[test]
fn the_threads_option_overrides_every_directive() {
    let dir = scratch("threads");
    let script = write(&dir, "threads.tsc", "threads 1\nprint(nthreads())\nthreads 2 { print(nthreads()) }\n");
    let out = tscript(&["--threads", "3", &script]);
    assert_eq!(text(&out.stdout), "3\n3\n", "{}", text(&out.stderr));
    let out = tscript(&[&script]);
    assert_eq!(text(&out.stdout), "1\n2\n", "{}", text(&out.stderr));
}

/// `tscript` with `args`, from the crate root, with its standard input from `stdin` and its
/// standard output set up by `stdout` (closed, or a pipe).
fn tscript_with(args: &[&str], stdin: std::process::Stdio, close_stdout: bool) -> Output {
    use std::os::unix::process::CommandExt;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_tscript"));
    command.args(args).current_dir(common::root()).env("NO_COLOR", "1").stdin(stdin);
    command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    if close_stdout {
        // SAFETY: close is async-signal-safe, as code between fork and exec must be.
        unsafe {
            command.pre_exec(|| {
                libc::close(1);
                Ok(())
            });
        }
    }
    command.output().expect("the tscript binary runs")
}

#[test]
fn an_endless_script_is_refused_after_64_mib() {
    assert_fails(&tscript(&["/dev/zero"]), 1, "tscript::parse::too_large", &["larger than 64 MiB"]);
    let zero = std::fs::File::open("/dev/zero").expect("/dev/zero");
    let out = tscript_with(&[], zero.into(), false);
    assert_fails(&out, 1, "tscript::parse::too_large", &["standard input is larger than 64 MiB"]);
    assert_fails(&tscript(&["-e", "load(\"/dev/zero\")"]), 1, "tscript::io", &["character device"]);
    assert_fails(&tscript(&["-e", "loadcsv(\"/dev/zero\")"]), 1, "tscript::io", &["character device"]);
    assert_fails(&tscript(&["/"]), 1, "tscript::io", &["cannot read /"]);
}

#[test]
fn a_byte_order_mark_starts_a_script() {
    let dir = scratch("bom");
    let path = write(&dir, "bom.tsc", "\u{feff}print(1)\n");
    let out = tscript(&[&path]);
    assert_eq!((text(&out.stdout).as_str(), out.status.code()), ("1\n", Some(0)), "{}", text(&out.stderr));
    let out = tscript(&["-e", "\u{feff}print(2)"]);
    assert_eq!(text(&out.stdout), "2\n", "{}", text(&out.stderr));
    let out = tscript_with(&[], std::fs::File::open(&path).unwrap().into(), false);
    assert_eq!(text(&out.stdout), "1\n", "{}", text(&out.stderr));
    // Only at the start: elsewhere it is an invisible character, named as such.
    let inside = write(&dir, "inside.tsc", "print(1)\n\u{feff}print(2)\n");
    assert_eq!(tscript(&[&inside]).status.code(), Some(1));
}

#[test]
fn output_to_a_closed_stdout_is_an_error() {
    let out = tscript_with(&["-e", "print(1)"], std::process::Stdio::null(), true);
    assert_fails(&out, 1, "tscript::io", &["standard output is closed"]);
    // Nothing printed, nothing lost.
    let out = tscript_with(&["-e", "let x = 1"], std::process::Stdio::null(), true);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // A reader that goes away still ends the run quietly (SIGPIPE), with nothing on stderr.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tscript"))
        .args(["-e", "for i in 0..10000000 { print(i) }"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the tscript binary runs");
    let mut first = [0u8; 2];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

/// Rendered text with miette's line wrapping undone: continuation marks dropped, runs of
/// white space made one space.
fn unwrapped(text: &str) -> String {
    text.replace("\n  │ ", " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_lint_script_warns_once_runs_and_renders_as_its_snapshot() {
    let mut problems = Vec::new();
    let mut count = 0;
    insta::glob!("errors/lint/*.tsc", |path| {
        count += 1;
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let script = std::fs::read_to_string(path).expect("readable script");
        let expect = header(&script);
        assert!(expect.code.starts_with("tscript::lint::"), "{name} has no `# warning: CODE` header");
        let relative = format!("tests/errors/lint/{name}");
        let out = plain(&[&relative]);
        let stderr = text(&out.stderr);
        snapshot("rendered_warning", &script, &stderr);
        let flat = unwrapped(&stderr);
        if out.status.code() != Some(0) {
            problems.push(format!("{name}: exit status {:?}, expected 0", out.status.code()));
        }
        if text(&out.stdout) != expect.stdout {
            problems.push(format!("{name}: stdout {:?}, expected {:?}", text(&out.stdout), expect.stdout));
        }
        if stderr.matches(&expect.code).count() != 1 {
            problems.push(format!("{name}: expected exactly one {} warning", expect.code));
        }
        if !stderr.contains('⚠') {
            problems.push(format!("{name}: not rendered as a warning"));
        }
        if let Some(at) = &expect.at {
            if !stderr.contains(&format!("[{relative}:{at}]")) {
                problems.push(format!("{name}: stderr lacks [{relative}:{at}]"));
            }
        }
        for want in &expect.stderr {
            if !flat.contains(&unwrapped(want)) {
                problems.push(format!("{name}: stderr lacks {want:?}"));
            }
        }
        // --deny-warnings: the same diagnostic as an error, and nothing runs.
        let denied = tscript(&["--deny-warnings", &relative]);
        if denied.status.code() != Some(1) || !denied.stdout.is_empty() {
            problems.push(format!("{name}: --deny-warnings gave {:?} and ran", denied.status.code()));
        }
        if !text(&denied.stderr).contains(&expect.code) || !text(&denied.stderr).contains("--deny-warnings") {
            problems.push(format!("{name}: --deny-warnings does not report {}", expect.code));
        }
        // `check` shows the warning and succeeds; with --deny-warnings it fails.
        let checked = tscript(&["check", &relative]);
        if checked.status.code() != Some(0) || !text(&checked.stderr).contains(&expect.code) {
            problems.push(format!("{name}: check gave {:?}", checked.status.code()));
        }
        if tscript(&["--deny-warnings", "check", &relative]).status.code() != Some(1)
            || tscript(&["check", "--deny-warnings", &relative]).status.code() != Some(1)
        {
            problems.push(format!("{name}: --deny-warnings check did not fail"));
        }
        if !problems.is_empty() {
            problems.push(format!("--- stderr of {name}:\n{stderr}"));
        }
    });
    assert!(count >= 3, "expected the lint scripts in tests/errors/lint, found {count}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_underline_is_under_the_index_with_no_stray_line() {
    let out = tscript(&["tests/errors/index.tsc"]);
    let stderr = text(&out.stderr);
    let expected = " 6 │ print(v[3])\n   ·         ┬\n   ·         ╰── index 3, extent 3\n   ╰────";
    assert!(stderr.contains(expected), "{stderr}");
    let out = tscript(&["-e", "let X = ones(150, 4)\nprint(X[200])"]);
    let stderr = text(&out.stderr);
    let expected = " 2 │ print(X[200])\n   ·         ─┬─\n   ·          ╰── index 200, extent 150\n   ╰────";
    assert!(stderr.contains(expected), "{stderr}");
}

/// `tscript ARGS...` from `dir` (relative to the crate root), ready to spawn, with what it shows
/// made the same on every machine: no colour (`NO_COLOR`, and the variables that force colour,
/// hyperlinks or miette's narrated style unset), standard input closed, and standard output and
/// error piped, so that nothing is a terminal and miette draws in Unicode at 80 columns.
fn plain_command(dir: &Path, args: &[&str]) -> Command {
    let mut command = uncoloured(dir, args);
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    command
}

/// `tscript ARGS...` from `dir` with the environment of [`plain_command`], its standard streams
/// left for the caller to set.
fn uncoloured(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tscript"));
    command.args(args).current_dir(common::root().join(dir)).env("NO_COLOR", "1");
    for var in ["TSCRIPT_THREADS", "FORCE_COLOR", "CLICOLOR_FORCE", "FORCE_HYPERLINK", "NO_GRAPHICS"] {
        command.env_remove(var);
    }
    command
}

/// Runs `tscript ARGS...` from the crate root as [`plain_command`] sets it up.
fn plain(args: &[&str]) -> Output {
    plain_command(Path::new(""), args).output().expect("the tscript binary runs")
}

/// Compares the diagnostics `rendered` with the snapshot `name` (inside `insta::glob!`, one per
/// script), which shows `source` (what was run) above them.
fn snapshot(name: &str, source: &str, rendered: &str) {
    let rendered = machine_independent(rendered);
    insta::with_settings!({ description => source.trim_end(), omit_expression => true }, {
        insta::assert_snapshot!(name, rendered);
    });
}

/// `rendered` with the one figure that depends on the machine, the memory a process may use
/// (`may use at most 23.5 GiB`), written `N`.
fn machine_independent(rendered: &str) -> String {
    const BUDGET: &str = "may use at most ";
    let mut out = String::new();
    let mut rest = rendered;
    while let Some(at) = rest.find(BUDGET) {
        let (before, after) = rest.split_at(at + BUDGET.len());
        out.push_str(before);
        out.push('N');
        rest = after.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    }
    out.push_str(rest);
    out
}

#[test]
fn a_warning_found_while_running_renders_as_its_snapshot() {
    // A loop whose variable becomes infinite: found only by running, so `check` cannot show it
    // as the lint scripts' test asks.
    let name = "tests/errors/at_run_time/nonfinite.tsc";
    let script = std::fs::read_to_string(common::root().join(name)).expect("readable script");
    let expect = header(&script);
    let out = plain(&[name]);
    let stderr = text(&out.stderr);
    assert_eq!((out.status.code(), text(&out.stdout)), (Some(0), expect.stdout), "{stderr}");
    assert_eq!(stderr.matches(&expect.code).count(), 1, "{stderr}");
    snapshot("rendered_at_run_time", &script, &stderr);
    let denied = plain(&["--deny-warnings", name]);
    assert_eq!((denied.status.code(), text(&denied.stdout)), (Some(1), String::new()), "{}", text(&denied.stderr));
    assert!(text(&denied.stderr).contains("(an error because of --deny-warnings)"), "{}", text(&denied.stderr));
}

#[test]
fn nesting_too_deep_renders_as_its_snapshot() {
    let dir = common::TempDir::new("errors", "deep-snapshot");
    let source = format!("{}1{}\n", "if true {\n".repeat(300), "}\n".repeat(300));
    write(&dir.0, "deep.tsc", &source);
    let out = plain_command(&dir.0, &["deep.tsc"]).output().expect("the tscript binary runs");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    snapshot("too_deep", "# 300 nested blocks\nif true {\nif true {\n...\n1\n}\n}\n...", &text(&out.stderr));
}

#[test]
fn standard_input_over_64_mib_renders_as_its_snapshot() {
    let zero = std::fs::File::open("/dev/zero").expect("/dev/zero");
    let out = plain_command(Path::new(""), &[]).stdin(zero).output().expect("the tscript binary runs");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    snapshot("too_large", "tscript < /dev/zero", &text(&out.stderr));
}

#[test]
fn a_missing_script_renders_as_its_snapshot() {
    let out = plain(&["tests/errors/no_such_file.tsc"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    snapshot("missing_script", "tscript tests/errors/no_such_file.tsc", &text(&out.stderr));
}

#[test]
fn ctrl_c_renders_as_its_snapshot_with_status_130() {
    // One statement, so that wherever the interrupt is seen (before the loop, or at an
    // iteration) it points at the same place.
    let code = "while true { }";
    let mut child = plain_command(Path::new(""), &["-e", code]).spawn().expect("the tscript binary runs");
    let pid = child.id() as libc::pid_t;
    while !catches_sigint(pid) {
        assert!(child.try_wait().expect("the child's status").is_none(), "tscript ended before Ctrl-C");
        std::thread::yield_now();
    }
    // SAFETY: sends SIGINT to the child this test started, which has not been waited for.
    unsafe { libc::kill(pid, libc::SIGINT) };
    let out = child.wait_with_output().expect("tscript ends");
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    snapshot("interrupted", &format!("tscript -e '{code}', then Ctrl-C"), &text(&out.stderr));
}

/// Whether process `pid` has a handler for SIGINT yet (its `SigCgt` mask in /proc).
fn catches_sigint(pid: libc::pid_t) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let mask = status.lines().find_map(|l| l.strip_prefix("SigCgt:")).map(str::trim).unwrap_or("0");
    u64::from_str_radix(mask, 16).is_ok_and(|m| m & (1 << (libc::SIGINT - 1)) != 0)
}

#[test]
fn a_repl_usage_error_renders_as_its_snapshot() {
    use expectrl::{ControlCode, Eof};
    let dir = common::TempDir::new("errors", "repl-usage");
    // On a pseudo-terminal of 80 columns, as the other cases' 80 columns when nothing is one.
    let mut command = uncoloured(Path::new(""), &["repl"]);
    command.env("TERM", "xterm").env("TSCRIPT_HISTORY", dir.0.join("history"));
    let mut repl = expectrl::Session::spawn(command).expect("spawn tscript on a pty");
    repl.set_expect_timeout(Some(std::time::Duration::from_secs(60)));
    repl.get_process_mut().set_window_size(80, 40).expect("resize the pty");
    repl.expect("ts> ").expect("the first prompt");
    let mut rendered = String::new();
    for entry in [":tpye x", ":vars now", ":load"] {
        repl.send_line(entry).expect("write to the pty");
        repl.expect("tscript::usage").expect("a usage error");
        let shown = repl.expect("ts> ").expect("the next prompt");
        rendered.push_str("tscript::usage");
        rendered.push_str(&without_escapes(&String::from_utf8_lossy(shown.before())));
    }
    repl.send(ControlCode::EndOfTransmission).expect("send Ctrl-D");
    repl.expect(Eof).expect("the REPL ends on Ctrl-D");
    snapshot("repl_usage", ":tpye x\n:vars now\n:load", &rendered);
}

/// What a terminal shows of `text`: carriage returns and escape sequences (`ESC [ ... letter`)
/// dropped.
fn without_escapes(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => {
                chars.by_ref().find(|c| c.is_ascii_alphabetic());
            }
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Every diagnostic code, read from the exhaustive `match` of `Code::as_str` in src/diag.rs.
fn every_code() -> Vec<String> {
    let source = std::fs::read_to_string(common::root().join("src/diag.rs")).expect("src/diag.rs");
    let start = source.find("pub fn as_str").expect("Code::as_str in src/diag.rs");
    let body = &source[start..start + source[start..].find("\n    }\n").expect("the end of as_str")];
    let codes: Vec<String> = body.split('"').filter(|s| s.starts_with("tscript::")).map(String::from).collect();
    assert!(codes.len() >= 20, "found only {codes:?} in Code::as_str");
    codes
}

#[test]
fn every_code_has_a_rendered_snapshot() {
    let mut shown = std::collections::BTreeSet::new();
    for snap in common::files("tests/snapshots", "snap") {
        let file = std::fs::read_to_string(&snap).expect("readable snapshot");
        // The body follows the header's closing `---` line; a diagnostic's code is a line of its own.
        let body = file.split_once("\n---\n").map_or("", |(_, body)| body);
        shown.extend(body.lines().map(str::trim).filter(|l| l.starts_with("tscript::")).map(String::from));
    }
    let missing: Vec<String> = every_code().into_iter().filter(|c| !shown.contains(c)).collect();
    assert!(missing.is_empty(), "no snapshot in tests/snapshots shows {missing:?}: add a case to tests/errors");
}
