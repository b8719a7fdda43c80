//! `tscript run --profile`: the table of time per source line. Its structure is asserted (which
//! lines, how many calls, where GFLOP/s appears, how each line ran), never a time.

mod common;

use common::{scratch, tscript};
use std::collections::BTreeMap;
use tscript::blas::ThreadPolicy;
use tscript::eval::profile::{LineRow, Profile};
use tscript::Session;

/// A loop of 10 steps, a function called 3 times, one product at top level and one inside a
/// function called 4 times.
const SCRIPT: &str = "\
fn f(v) {
    let s = v * v
    sum(s)
}
let A = ones(4, 3)
let B = ones(3, 2)
let t = 0.0
for i in 0..10 {
    t += 1.0
}
let C = A @ B
let u = f([1.0, 2.0]) + f([3.0]) + f([4.0])
fn g(x) = sum(x @ B)
for i in 0..4 { t += g(A) }
print(t, u)
";

/// One row of the printed table, by the header's columns.
#[derive(Debug)]
struct Row {
    line: String,
    source: String,
    calls: String,
    time: String,
    share: String,
    gflops: String,
    ran: String,
}

/// The rows of the table in `stderr` (the total last), read by the columns of its header.
fn table(stderr: &str) -> Vec<Row> {
    let lines: Vec<&str> = stderr.lines().collect();
    let head = lines.iter().position(|l| l.starts_with("profile: self time per line")).expect("a profile table");
    let header: Vec<char> = lines[head + 1].chars().collect();
    let find = |word: &str| {
        let text: String = header.iter().collect();
        let byte = text.find(word).unwrap_or_else(|| panic!("{word} in the header {text:?}"));
        text[..byte].chars().count()
    };
    let ends: Vec<usize> =
        ["line", "calls", "time", "share", "GFLOP/s"].iter().map(|w| find(w) + w.chars().count()).collect();
    let (source_at, ran_at) = (find("source"), find("ran"));
    lines[head + 2..]
        .iter()
        .map(|l| {
            let c: Vec<char> = l.chars().collect();
            let cell = |a: usize, b: usize| {
                c.get(a.min(c.len())..b.min(c.len())).unwrap_or(&[]).iter().collect::<String>().trim().to_string()
            };
            Row {
                line: cell(0, ends[0]),
                source: cell(source_at, ends[1] - 8),
                calls: cell(ends[1] - 8, ends[1]),
                time: cell(ends[1], ends[2]),
                share: cell(ends[2], ends[3]),
                gflops: cell(ends[3], ends[4]),
                ran: cell(ran_at, c.len()),
            }
        })
        .collect()
}

/// Writes `text` to a scratch file and returns its path.
fn script_file(name: &str, text: &str) -> String {
    let path = scratch("profile", name).join("script.tsc");
    std::fs::write(&path, text).expect("write the script");
    path.to_string_lossy().into_owned()
}

#[test]
fn profile_prints_a_row_per_line_with_exact_calls() {
    let path = script_file("rows", SCRIPT);
    let out = tscript(&["run", "--profile", &path]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout, "106.0 30.0\n", "the table goes to standard error only");
    let rows = table(&stderr);
    let (total, rows) = rows.split_last().expect("a total row");
    let calls: Vec<(&str, &str)> = rows.iter().map(|r| (r.line.as_str(), r.calls.as_str())).collect();
    assert_eq!(
        calls,
        [
            ("1", "3"),  // the calls of f
            ("2", "2"),  // its body, once per interpreted call (the third replays the second's)
            ("3", "2"),  //
            ("5", "1"),  // top-level statements, once each
            ("6", "1"),  //
            ("7", "1"),  //
            ("8", "1"),  // the loop statement itself
            ("9", "10"), // its body, once per step
            ("11", "1"), //
            ("12", "1"), //
            ("13", "4"), // the calls of g, whose body is on its line
            ("14", "5"), // the loop statement and its body, on one line
            ("15", "1"),
        ],
        "{stderr}"
    );
    assert_eq!(rows[7].source, "t += 1.0");
    assert_eq!(rows[9].source, "let u = f([1.0, 2.0]) + f([3.0]) + f([4…", "long lines are cut");
    let with_rate: Vec<&str> = rows.iter().filter(|r| !r.gflops.is_empty()).map(|r| r.line.as_str()).collect();
    assert_eq!(with_rate, ["11", "13"], "GFLOP/s only where `@` ran: {stderr}");
    for r in rows {
        // f and g run compiled from their second call with a signature: their lines say so.
        let ran = if ["1", "13"].contains(&r.line.as_str()) { "mixed" } else { "interpreted" };
        assert_eq!(r.ran, ran, "{r:?}");
        assert!(r.time.ends_with('s') && r.share.ends_with('%'), "{r:?}");
    }
    assert_eq!((total.source.as_str(), total.calls.as_str(), total.share.as_str()), ("total", "", "100.0%"));
    assert!(!total.gflops.is_empty(), "the total has the run's rate: {total:?}");
}

#[test]
fn no_table_without_the_flag_and_one_after_an_error() {
    let path = script_file("flag", "print(1)\n");
    let out = tscript(&[&path]);
    assert!(out.status.success() && out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = tscript(&["--profile", "-e", "let a = 1.0\nfor i in 0..3 { a += 1.0 }\nlet b = [1.0, 2.0][int(a)]"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    let error = stderr.find("tscript::runtime::index").expect("the error is reported");
    let at = stderr.find("profile: self time per line").expect("the profile of what ran");
    assert!(error < at, "the table comes after the run's diagnostics: {stderr}");
    let rows = table(&stderr);
    let calls: Vec<(&str, &str)> = rows.iter().map(|r| (r.line.as_str(), r.calls.as_str())).collect();
    assert_eq!(calls, [("1", "1"), ("2", "4"), ("3", "1"), ("", "")], "{stderr}");
    let out = tscript(&["--profile", "-e", "print(1)\nlet b = [1.0] @ ones(2, 2)"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("tscript::type::shape") && !stderr.contains("profile:"), "nothing ran: {stderr}");
}

#[test]
fn run_needs_a_file_after_the_flag() {
    let out = tscript(&["run", "--profile"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`tscript run --profile` needs a file"));
}

#[test]
fn run_takes_the_options_after_it() {
    let dir = scratch("profile", "run-options");
    let path = dir.join("t.tsc");
    std::fs::write(&path, "threads 2\nprint(nthreads())\nprint(args())\n").expect("write");
    let path = path.to_string_lossy();
    let out = tscript(&["run", "--threads", "1", &path, "--threads", "3"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1\n(\"--threads\", \"3\")\n", "{out:?}");
    let out = tscript(&["--threads", "1", "run", "--profile", &path]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("profile:"), "{out:?}");
    let out = tscript(&["run", "--help"]);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("tscript run [OPTIONS] FILE.tsc"));
    let out = tscript(&["run", "--bogus", &path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown option '--bogus'"), "{out:?}");
    let out = tscript(&["run"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`tscript run` needs a file"));
}

/// Runs `text` with a profile in a fresh session; returns the rows.
fn rows_of(text: &str) -> Vec<LineRow> {
    let mut session = Session::new(Box::new(std::io::sink()), Vec::new(), ThreadPolicy::new(Some(1)));
    session.interp.profile = Some(Box::default());
    let result = session.run("t.tsc", text);
    assert!(result.is_ok(), "{text}");
    let profile: Box<Profile> = session.interp.profile.take().expect("the profile");
    profile.rows(&session.sources)
}

#[test]
fn flops_count_every_product_on_its_line() {
    let rows = rows_of(SCRIPT);
    let flops: BTreeMap<usize, f64> = rows.iter().filter(|r| r.flops > 0.0).map(|r| (r.line, r.flops)).collect();
    // A (4×3) @ B (3×2) is 2·4·3·2 = 48 operations; g runs it 4 times.
    assert_eq!(flops, BTreeMap::from([(11, 48.0), (13, 4.0 * 48.0)]));
    let transposed = rows_of("let X = ones(5, 3)\nlet G = X.T @ X\nlet v = X @ [1.0, 2.0, 3.0]\n");
    let flops: Vec<(usize, f64)> = transposed.iter().map(|r| (r.line, r.flops)).collect();
    assert_eq!(flops, [(1, 0.0), (2, 2.0 * 3.0 * 5.0 * 3.0), (3, 2.0 * 5.0 * 3.0)]);
}

#[test]
fn the_backward_sweep_counts_on_the_calling_line_and_returns_close_their_line() {
    let text = "\
fn loss(w) = sum((w * 2.0) ^ 2)
let dloss = grad(loss)
fn pick(k) {
    if k > 1 { return k }
    0
}
let g = dloss([1.0, 2.0])
let p = pick(1) + pick(2) + pick(3)
";
    let rows = rows_of(text);
    let calls: Vec<(usize, u64)> = rows.iter().map(|r| (r.line, r.calls)).collect();
    // Line 4 holds two statements: the `if` ran 3 times, its `return` twice; line 5 ran once.
    assert_eq!(calls, [(1, 1), (2, 1), (3, 3), (4, 5), (5, 1), (7, 1), (8, 1)]);
}

#[test]
fn imported_lines_are_named_by_their_file() {
    let dir = scratch("profile", "import");
    std::fs::write(dir.join("lib.tsc"), "fn twice(x) = 2.0 * x\n").expect("write lib");
    std::fs::write(dir.join("main.tsc"), "import \"lib.tsc\"\nprint(twice(1.0) + twice(2.0))\n").expect("write main");
    let out = tscript(&["run", "--profile", &dir.join("main.tsc").to_string_lossy()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let rows = table(&stderr);
    let places: Vec<(&str, &str)> = rows.iter().map(|r| (r.line.as_str(), r.calls.as_str())).collect();
    assert_eq!(
        places,
        [("main.tsc:2", "1"), ("lib.tsc:1", "2"), ("", "")],
        "files in the order they were read: {stderr}"
    );
}

#[test]
fn a_replay_that_stops_counts_its_call_once_as_interpreted() {
    // The fourth call's mask keeps three elements where the traced one kept two: its replay
    // stops, and the interpreter runs the call again.
    let text = "\
fn f(x) = sum(x[x > 0.0] * 2.0)
let a = f([1.0, -1.0, 2.0])
let b = f([1.0, -1.0, 2.0])
let c = f([1.0, -1.0, 2.0])
let d = f([1.0, 1.0, 2.0])
";
    let rows = rows_of(text);
    let definition = rows.iter().find(|r| r.line == 1).expect("the definition's row");
    assert_eq!((definition.calls, definition.compiled), (4, 1), "{definition:?}");
}
