//! The REPL (spec §11), driven through a pseudo-terminal as a user would drive it, and piped
//! input run as a script. Every wait is bounded, so a failure cannot hang the test run.

use expectrl::{ControlCode, Eof, Session};
use std::io::Write;
mod common;

use common::TempDir;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The longest any one expected output may take (generous: CI machines are loaded).
const TIMEOUT: Duration = Duration::from_secs(60);

/// A REPL on a pseudo-terminal, waiting at its first prompt.
struct Repl {
    session: Session,
}

impl Repl {
    /// Starts `tscript` with the history kept in `history`.
    fn start(history: &Path) -> Repl {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tscript"));
        command.env("NO_COLOR", "1").env("TERM", "xterm").env("TSCRIPT_HISTORY", history).env("TSCRIPT_THREADS", "1");
        let mut session = Session::spawn(command).expect("spawn tscript on a pty");
        session.set_expect_timeout(Some(TIMEOUT));
        let mut repl = Repl { session };
        repl.expect("ts> ");
        repl
    }

    /// Waits for `text`; returns what came before it.
    fn expect(&mut self, text: &str) -> String {
        match self.session.expect(text) {
            Ok(found) => String::from_utf8_lossy(found.before()).into_owned(),
            Err(e) => panic!("expected {text:?} from the REPL: {e}"),
        }
    }

    /// Types `line` and Enter.
    fn send_line(&mut self, line: &str) {
        self.session.send_line(line).expect("write to the pty");
    }

    /// Types `line` and waits for the next prompt; returns the output before it.
    fn run(&mut self, line: &str) -> String {
        self.send_line(line);
        self.expect("ts> ")
    }

    /// Types `line`, waits for the output `expected`, then for the next prompt; returns the
    /// output before `expected`.
    fn enter(&mut self, line: &str, expected: &str) -> String {
        self.send_line(line);
        let before = self.expect(expected);
        self.expect("ts> ");
        before
    }

    /// Leaves with Ctrl-D and returns the exit status.
    fn quit(mut self) -> i32 {
        self.session.send(ControlCode::EndOfTransmission).expect("send Ctrl-D");
        if let Err(e) = self.session.expect(Eof) {
            panic!("the REPL did not leave on Ctrl-D: {e}");
        }
        match self.session.get_process().wait() {
            Ok(expectrl::WaitStatus::Exited(_, code)) => code,
            other => panic!("the REPL did not exit normally: {other:?}"),
        }
    }
}

#[test]
fn values_print_with_their_types() {
    let dir = TempDir::new("repl", "values");
    let mut repl = Repl::start(&dir.0.join("history"));
    repl.enter("1 + 2", "3 : int");
    repl.enter("[1.0, 2.0]", "[1.0, 2.0] : f64[2]");
    repl.run("let x = 2.5");
    let before = repl.enter("x * 2", "5.0 : f64");
    assert!(!before.contains(" : "), "a let printed a value: {before:?}");
    repl.enter("(1, \"a\")", "(1, \"a\") : (int, str)");
    repl.enter("print(40 + 2)", "42");
    assert_eq!(repl.quit(), 0);
}

#[test]
fn multi_line_function() {
    let dir = TempDir::new("repl", "multiline");
    let mut repl = Repl::start(&dir.0.join("history"));
    repl.send_line("fn sq(x) {");
    repl.expect("..> ");
    repl.send_line("let y = x *");
    repl.expect("..> ");
    repl.send_line("  x");
    repl.expect("..> ");
    repl.send_line("y }");
    repl.expect("ts> ");
    repl.enter("sq(7)", "49 : int");
    assert_eq!(repl.quit(), 0);
}

#[test]
fn pasted_lines_arrive_whole() {
    let dir = TempDir::new("repl", "paste");
    let mut repl = Repl::start(&dir.0.join("history"));
    // All lines at once, as a paste delivers them: none may be lost between prompts.
    repl.session.send("fn sq(w) {\rsum(w ^ 2)\r}\rgrad(sq)([1.0, 2.0])\r").expect("write to the pty");
    repl.expect("[2.0, 4.0] : f64[2]");
    repl.expect("ts> ");
}

#[test]
fn an_error_keeps_the_variables() {
    let dir = TempDir::new("repl", "error");
    let mut repl = Repl::start(&dir.0.join("history"));
    repl.run("let a = 10");
    repl.send_line("a = 11; nosuch + 1");
    repl.expect("tscript::name::undefined");
    repl.expect("ts> ");
    repl.enter("a", "10 : int");
    repl.send_line("a = 12; assert(a < 0, \"boom\")");
    repl.expect("tscript::assert");
    repl.expect("<repl 4>:1:");
    repl.expect("ts> ");
    repl.enter("a", "12 : int");
    assert_eq!(repl.quit(), 0);
}

#[test]
fn ctrl_c_stops_a_loop_and_keeps_the_variables() {
    let dir = TempDir::new("repl", "interrupt");
    let mut repl = Repl::start(&dir.0.join("history"));
    repl.run("let k = 5");
    repl.send_line("k = 100; print(1000 + 234); while true { k += 1 }");
    repl.expect("1234");
    repl.session.send(ControlCode::EndOfText).expect("send Ctrl-C");
    repl.expect("tscript::runtime::interrupted");
    repl.expect("interrupted at line 1; variables keep their values");
    repl.expect("ts> ");
    // At least the value the entry set before its loop (the loop may not have run a step yet
    // when Ctrl-C arrives), not the one from before the entry.
    repl.enter("k >= 100", "true : bool");
    repl.send_line("unfinished(");
    repl.expect("..> ");
    repl.session.send(ControlCode::EndOfText).expect("send Ctrl-C");
    repl.expect("ts> ");
    repl.enter("k - k", "0 : int");
    assert_eq!(repl.quit(), 0);
}

#[test]
fn ctrl_c_stops_a_straight_line_entry_after_the_running_product() {
    let dir = TempDir::new("repl", "interrupt-matmul");
    let mut repl = Repl::start(&dir.0.join("history"));
    repl.run("let X = ones(2500, 2500)");
    repl.send_line("let Z = X @ X @ X @ X @ X @ X");
    std::thread::sleep(Duration::from_millis(500));
    repl.session.send(ControlCode::EndOfText).expect("send Ctrl-C");
    repl.expect("tscript::runtime::interrupted");
    repl.expect("ts> ");
    repl.send_line("shape(Z)");
    repl.expect("tscript::runtime::uninit");
    repl.enter("shape(X)", "(2500, 2500) : (int, int)");
    assert_eq!(repl.quit(), 0);
}

#[test]
fn ctrl_c_keeps_the_weights_a_training_loop_has_learned() {
    let dir = TempDir::new("repl", "interrupt-training");
    let mut repl = Repl::start(&dir.0.join("history"));
    // Wide enough for the message on one line.
    repl.session.get_process_mut().set_window_size(200, 40).expect("resize the pty");
    repl.run("let target = [1.0, 2.0, 3.0]");
    repl.run("fn loss(w) = sum((w - target) ^ 2)");
    repl.run("let w = zeros(3)");
    repl.send_line("for step in 0..100000000 { w -= 0.0000001 * grad(loss)(w) }");
    // Long enough for steps to run and the bar to show; the test asserts no time.
    std::thread::sleep(Duration::from_millis(1500));
    repl.session.send(ControlCode::EndOfText).expect("send Ctrl-C");
    repl.expect("tscript::runtime::interrupted");
    repl.expect("interrupted in step ");
    repl.expect(" of 100,000,000 at line 1; variables keep their values");
    repl.expect("ts> ");
    repl.send_line("w");
    let shown = repl.expect(" : f64[3]");
    assert!(!shown.contains("[0.0, 0.0, 0.0]"), "the weights were put back: {shown:?}");
    repl.expect("ts> ");
    repl.enter("all(w > 0.0) and all(w < target)", "true : bool");
    repl.enter("sum(w * 0.0)", "0.0 : f64");
    assert_eq!(repl.quit(), 0);
}

#[test]
fn ctrl_c_inside_grad_leaves_a_compound_assignment_undone() {
    let dir = TempDir::new("repl", "interrupt-grad");
    let mut repl = Repl::start(&dir.0.join("history"));
    repl.run("fn slow(w) { let s = 0.0; while true { s += sum(w) }; s }");
    repl.run("let w = [1.0, 2.0, 3.0]");
    repl.send_line("print(\"be\" + \"gun\"); w -= 0.1 * grad(slow)(w)");
    // The output, not the echo of the line typed: the entry is running.
    repl.expect("begun");
    repl.session.send(ControlCode::EndOfText).expect("send Ctrl-C");
    repl.expect("interrupted at line 1; variables keep their values");
    repl.expect("ts> ");
    repl.enter("w", "[1.0, 2.0, 3.0] : f64[3]");
    repl.run("w -= 0.5 * [2.0, 2.0, 2.0]");
    repl.enter("w", "[0.0, 1.0, 2.0] : f64[3]");
    assert_eq!(repl.quit(), 0);
}

#[test]
fn tab_completes_variables_builtins_and_commands() {
    let dir = TempDir::new("repl", "complete");
    let mut repl = Repl::start(&dir.0.join("history"));
    repl.run("let learning_rate = 0.5");
    repl.session.send("learn\t").expect("type");
    repl.expect("learning_rate");
    repl.enter(" * 2", "1.0 : f64");
    repl.session.send("linsp\t").expect("type");
    repl.expect("linspace");
    repl.enter("(0, 1, 3)", "[0.0, 0.5, 1.0] : f64[3]");
    repl.session.send(":he\t").expect("type");
    repl.expect(":help");
    repl.enter(" norm", "norm(");
    assert_eq!(repl.quit(), 0);
}

#[test]
fn history_is_kept_between_sessions() {
    let dir = TempDir::new("repl", "history");
    let history = dir.0.join("deep").join("history");
    let mut first = Repl::start(&history);
    first.run("let zebra = 41");
    assert_eq!(first.quit(), 0);
    let saved = std::fs::read_to_string(&history).expect("the history file");
    assert!(saved.contains("let zebra = 41"), "history file: {saved:?}");

    let mut second = Repl::start(&history);
    second.session.send("\x1b[A").expect("type Up");
    second.expect("let zebra = 41");
    second.run("");
    second.enter("zebra + 1", "42 : int");
    assert_eq!(second.quit(), 0);
}

#[test]
fn type_shows_the_type_without_running() {
    let dir = TempDir::new("repl", "type");
    let mut repl = Repl::start(&dir.0.join("history"));
    repl.enter(":type [1.0, 2.0]", "f64[2]");
    repl.run("let X = ones(3, 4)");
    repl.enter(":type X @ X.T", "f64[3, 3]");
    repl.run("let n = 1");
    repl.send_line(":type { n = 2; print(777); n }");
    let before = repl.expect("int");
    assert!(!before.contains("777\r"), "`:type` ran its expression: {before:?}");
    repl.expect("ts> ");
    repl.enter("n", "1 : int");
    repl.send_line(":type X @ X");
    repl.expect("tscript::type::shape");
    repl.expect("ts> ");
    assert_eq!(repl.quit(), 0);
}

/// The cells after the source column of the `:time` table's row for `line` (calls, the time
/// as a number and a unit, the share, the GFLOP/s if any, how it ran), read from `table`.
fn time_row(table: &str, line: usize) -> Vec<String> {
    let row = table
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .find(|l| l.split_whitespace().next() == Some(&line.to_string()))
        .unwrap_or_else(|| panic!("no row for line {line} in {table:?}"));
    // The line number (4 wide), two spaces, the source (40 wide), then the numbers.
    row.chars().skip(46).collect::<String>().split_whitespace().map(str::to_string).collect()
}

#[test]
fn time_prints_the_time_of_each_line_of_the_entry() {
    let dir = TempDir::new("repl", "time");
    let mut repl = Repl::start(&dir.0.join("history"));
    repl.run("let A = ones(40, 30)");
    repl.run("let B = ones(30, 20)");
    repl.send_line(":time A @ B");
    repl.expect(" : f64[40, 20]");
    repl.expect("profile: self time per line");
    let table = repl.expect("ts> ");
    let row = time_row(&table, 1);
    assert_eq!((row.len(), row[0].as_str(), row[5].as_str()), (6, "1", "interpreted"), "{table:?}");
    assert!(row[4].parse::<f64>().is_ok(), "GFLOP/s of the product: {table:?}");
    assert!(table.contains("total"), "{table:?}");
    // An entry of several lines: the loop's line runs once, its body once per step.
    repl.send_line(":time for i in 0..10 {");
    repl.expect("..> ");
    repl.send_line("let C = A @ B");
    repl.expect("..> ");
    repl.send_line("}");
    repl.expect("profile: self time per line");
    let table = repl.expect("ts> ");
    let (first, second) = (time_row(&table, 1), time_row(&table, 2));
    assert_eq!((first[0].as_str(), first.len()), ("1", 5), "no GFLOP/s on the loop's line: {table:?}");
    assert_eq!((second[0].as_str(), second.len()), ("10", 6), "{table:?}");
    repl.send_line(":time 1 + 1");
    repl.expect("2 : int");
    let table = repl.expect("ts> ");
    assert_eq!(time_row(&table, 1).len(), 5, "no GFLOP/s without `@`: {table:?}");
    assert_eq!(repl.quit(), 0);
}

#[test]
fn help_shows_a_builtin_from_the_table() {
    let dir = TempDir::new("repl", "help");
    let mut repl = Repl::start(&dir.0.join("history"));
    repl.send_line(":help grad");
    repl.expect("grad(f, wrt?)");
    repl.expect("example: grad(|x| x ^ 2)(3.0)");
    repl.expect("ts> ");
    repl.send_line(":help");
    repl.expect("linear algebra:");
    repl.expect(":quit");
    repl.expect("ts> ");
    repl.send_line(":help gradd");
    repl.expect("did you mean 'grad'?");
    repl.expect("ts> ");
    assert_eq!(repl.quit(), 0);
}

#[test]
fn commands_vars_load_reset_quit() {
    let dir = TempDir::new("repl", "commands");
    let script = dir.0.join("setup.tsc");
    std::fs::write(&script, "let W = zeros(256, 4)\nlet count = 3\n").expect("write script");
    let mut repl = Repl::start(&dir.0.join("history"));
    repl.run(&format!(":load {}", script.display()));
    repl.send_line(":vars");
    repl.expect("W      f64[256, 4]  8.0 KiB");
    repl.expect("count  int");
    repl.expect("ts> ");
    repl.enter(":info", "threads");
    repl.enter(":reset", "fresh session");
    repl.send_line("count");
    repl.expect("tscript::name::undefined");
    repl.expect("ts> ");
    repl.send_line(":nonsense");
    repl.expect("tscript::usage");
    repl.expect("ts> ");
    repl.send_line(":quit");
    repl.session.expect(Eof).expect("`:quit` leaves");
}

#[test]
fn piped_input_runs_as_a_script() {
    let run = |input: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tscript"))
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn tscript");
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
        let out = child.wait_with_output().expect("tscript output");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = run("print(1+1)\n");
    assert_eq!((code, out.as_str(), err.as_str()), (Some(0), "2\n", ""));

    let (code, out, _) = run("let x = [1.0,\n 2.0]\nx\nprint(sum(x))\n");
    assert_eq!((code, out.as_str()), (Some(0), "3.0\n"), "no prompts and no echo of values");

    let (code, out, err) = run("print(1)\nprint(nosuch)\n");
    assert_eq!(code, Some(1));
    assert_eq!(out, "", "the script is checked as a whole before it runs");
    assert!(err.contains("tscript::name::undefined") && err.contains("<stdin>:2:"), "{err}");
}

#[test]
fn load_reads_a_bounded_script_and_accepts_a_byte_order_mark() {
    let dir = TempDir::new("repl", "load-bounded");
    let script = dir.0.join("bom.tsc");
    std::fs::write(&script, "\u{feff}let from_bom = 41 + 1\n").expect("write script");
    let mut repl = Repl::start(&dir.0.join("history"));
    repl.run(&format!(":load {}", script.display()));
    repl.enter("from_bom", "42");
    // A device is refused (it could be endless), and the session goes on.
    repl.send_line(":load /dev/zero");
    repl.expect("it is not a regular file");
    repl.expect("ts> ");
    repl.enter("from_bom + 1", "43");
    // `:load` is an import that runs the file again after an edit.
    std::fs::write(&script, "let from_bom = 7\n").expect("rewrite script");
    repl.run(&format!(":load {}", script.display()));
    repl.enter("from_bom", "7");
    assert_eq!(repl.quit(), 0);
}

#[test]
fn precision_holds_for_the_session_and_f_strings_work() {
    let dir = TempDir::new("repl", "precision");
    let mut repl = Repl::start(&dir.0.join("history"));
    repl.run("let w = [0.123456, 2.5]");
    repl.run("precision 2");
    repl.enter("w", "[0.12, 2.5] : f64[2]");
    repl.enter("print(w, w[0])", "[0.12, 2.5] 0.123456");
    repl.enter("f\"{w[0]:.3f} {w}\"", "\"0.123 [0.12, 2.5]\" : str");
    repl.run("precision auto");
    repl.enter("w", "[0.123456, 2.5] : f64[2]");
    assert_eq!(repl.quit(), 0);
}

#[test]
fn type_of_loaded_data_is_the_type_it_really_has() {
    let dir = TempDir::new("repl", "type-live");
    let data = dir.0.join("X.npy");
    let mut repl = Repl::start(&dir.0.join("history"));
    repl.run(&format!("save(\"{}\", ones(150, 4))", data.display()));
    repl.run(&format!("let X = load(\"{}\")", data.display()));
    repl.enter(":type X", "f64[150, 4]");
    repl.enter(":type X.T @ X", "f64[4, 4]");
    // Without a value the static type stays: a function's parameter is not a live variable.
    repl.enter(":type |v| v", "fn (v)");
    assert_eq!(repl.quit(), 0);
}

#[test]
fn help_explains_each_keyword() {
    let dir = TempDir::new("repl", "help-keywords");
    let mut repl = Repl::start(&dir.0.join("history"));
    repl.send_line(":help for");
    repl.expect("keyword for");
    repl.expect("for i in A..B");
    repl.expect("example:");
    repl.expect("for i in 1..=10 { total += i }");
    repl.expect("ts> ");
    for keyword in ["let", "fn", "while", "if", "else", "return", "threads", "in", "break", "continue", "seed", "dtype"]
    {
        repl.send_line(&format!(":help {keyword}"));
        repl.expect(&format!("keyword {keyword}"));
        repl.expect("example:");
        repl.expect("ts> ");
    }
    repl.send_line(":help");
    repl.expect("Keywords (`:help KEYWORD`): let fn");
    repl.expect("ts> ");
    repl.send_line(":help whlie");
    repl.expect("did you mean 'while'?");
    repl.expect("ts> ");
    assert_eq!(repl.quit(), 0);
}

#[test]
fn a_warning_is_shown_before_the_entry_runs_and_the_entry_runs() {
    let dir = TempDir::new("repl", "warning");
    let mut repl = Repl::start(&dir.0.join("history"));
    repl.run("let w = zeros(4, 1)");
    repl.run("let y = ones(150)");
    repl.send_line("print(shape(w - y))");
    repl.expect("tscript::lint::outer_broadcast");
    repl.expect("reshape(y, 150, 1)");
    repl.expect("(4, 150)");
    repl.expect("ts> ");
    // A function defined in one entry, the loop in the next: still seen.
    repl.run("let b = 1.0");
    repl.run("fn f(x) = x + b");
    repl.send_line("for i in 0..2 { let b = 2.0; print(f(1.0)) }");
    repl.expect("tscript::lint::shadowed_in_loop");
    repl.expect("2.0");
    repl.expect("ts> ");
    assert_eq!(repl.quit(), 0);
}
