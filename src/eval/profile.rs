//! Time per source line: `tscript run --profile FILE` and the REPL's `:time ENTRY`.
//!
//! While [`Interp::profile`] holds a [`Profile`], every statement the interpreter runs, and every
//! call of a named function, is timed on a stack of open timers, so each source line gets its
//! *self* time, as Python's `line_profiler` gives it: a `for` line gets the time of the loop's
//! own work (its range, its steps), the lines of its body get theirs; a call's line gets the
//! call's own cost, the lines of the called function's body get theirs. A function whose body is
//! one expression (`fn loss(w) = ...`) gets the time of that expression on its own line. The
//! backward sweep of a `grad` runs inside the call of the gradient function, so it counts on the
//! line that calls it. Every `@` that runs adds its `2 m k n` floating-point operations to its
//! own line, which gives the GFLOP/s column. [`Profile::mode`] says how the timed code runs
//! ([`Mode::Compiled`] while a compiled call replays, `crate::compile`).
//!
//! With no profile the interpreter pays one test of an `Option` per statement and per call.

use super::interp::Interp;
use crate::diag::SourceMap;
use crate::span::Span;
use crate::value::Value;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How the code being timed runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Walked by the interpreter, statement by statement.
    #[default]
    Interpreted,
    /// Replayed from a compiled form of its function.
    Compiled,
}

impl Mode {
    /// The word the table shows for a line that ran only this way.
    pub fn label(self) -> &'static str {
        match self {
            Mode::Interpreted => "interpreted",
            Mode::Compiled => "compiled",
        }
    }
}

/// What was measured at one source position (a statement, a function body, an `@`).
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    /// How many times it ran.
    calls: u64,
    /// Of those, how many ran compiled.
    compiled: u64,
    /// Its self time.
    time: Duration,
    /// The floating-point operations of the matrix products it ran.
    flops: f64,
}

/// A timer that is running: when it started and how much of that its inner timers took.
#[derive(Clone, Copy, Debug)]
struct Open {
    start: Instant,
    inner: Duration,
}

/// The times and counts of one profiled run, by source position.
#[derive(Debug, Default)]
pub struct Profile {
    /// By the offset (in the session's [`SourceMap`]) where the statement or body starts.
    tallies: HashMap<u32, Tally>,
    /// The timers of the statements and calls now running, innermost last.
    open: Vec<Open>,
    /// How the code now running runs; a compiled function sets [`Mode::Compiled`] while it
    /// replays, so that its lines say so.
    pub mode: Mode,
}

/// One row of the table: a source line with what ran on it.
#[derive(Clone, Debug, PartialEq)]
pub struct LineRow {
    /// The file the line is in (as the session names it).
    pub file: String,
    /// The line number, from 1.
    pub line: usize,
    /// The line's text, trimmed.
    pub text: String,
    /// How many times a statement on it ran (or a named function whose definition starts on it
    /// was called).
    pub calls: u64,
    /// How many of those ran compiled.
    pub compiled: u64,
    /// Its self time.
    pub time: Duration,
    /// The floating-point operations of the `@` products that ran on it (`2 m k n` each).
    pub flops: f64,
}

impl LineRow {
    /// How the line ran: `interpreted`, `compiled`, or `mixed` when both.
    pub fn ran(&self) -> &'static str {
        match (self.compiled, self.calls) {
            (0, _) => Mode::Interpreted.label(),
            (c, n) if c == n => Mode::Compiled.label(),
            _ => "mixed",
        }
    }
}

impl Profile {
    /// Starts timing one statement or call.
    pub fn enter(&mut self) {
        self.open.push(Open { start: Instant::now(), inner: Duration::ZERO });
    }

    /// Stops the innermost timer and charges its self time to the statement or body at `at`.
    pub fn leave(&mut self, at: u32) {
        let Some(open) = self.open.pop() else { return };
        let elapsed = open.start.elapsed();
        if let Some(outer) = self.open.last_mut() {
            outer.inner += elapsed;
        }
        let tally = self.tallies.entry(at).or_default();
        tally.calls += 1;
        tally.compiled += u64::from(self.mode == Mode::Compiled);
        tally.time += elapsed.saturating_sub(open.inner);
    }

    /// Takes back the last compiled call counted at `at` (a replay that stopped, whose call the
    /// interpreter then runs and counts), keeping its time.
    pub fn uncount_compiled(&mut self, at: u32) {
        if let Some(tally) = self.tallies.get_mut(&at) {
            tally.calls = tally.calls.saturating_sub(1);
            tally.compiled = tally.compiled.saturating_sub(1);
        }
    }

    /// Adds `flops` floating-point operations to the position `at` (a replayed call's products,
    /// on the line of its function's definition).
    pub fn add_flops(&mut self, at: u32, flops: f64) {
        if flops > 0.0 {
            self.tallies.entry(at).or_default().flops += flops;
        }
    }

    /// Counts the operations of a matrix product of `a` and `b` written at `at`.
    pub fn matmul(&mut self, at: u32, a: &Value, b: &Value) {
        let (Value::Tensor(a), Value::Tensor(b)) = (a.primal(), b.primal()) else { return };
        if let Some(flops) = matmul_flops(a.shape(), b.shape()) {
            self.tallies.entry(at).or_default().flops += flops;
        }
    }

    /// Whether nothing was timed (the run stopped before its first statement).
    pub fn is_empty(&self) -> bool {
        self.tallies.is_empty()
    }

    /// The lines that ran, in source order (files in the order the session read them).
    pub fn rows(&self, sources: &SourceMap) -> Vec<LineRow> {
        let mut positions: Vec<(u32, Tally)> = self.tallies.iter().map(|(at, t)| (*at, *t)).collect();
        positions.sort_by_key(|(at, _)| *at);
        let mut rows: Vec<LineRow> = Vec::new();
        // Where the last position was (file base, offset in the file, its line), so that each
        // file's text is counted through once.
        let mut last: Option<(u32, usize, usize)> = None;
        for (at, tally) in positions {
            let span = Span { start: at, end: at };
            let Some(file) = sources.file_of(span) else { continue };
            let offset = ((at - file.base) as usize).min(file.text.len());
            let (from, line) = match last {
                Some((base, from, line)) if base == file.base => (from, line),
                _ => (0, 1),
            };
            let line = line + file.text.get(from..offset).map_or(0, |between| between.matches('\n').count());
            let same_line = last.is_some_and(|(base, _, l)| base == file.base && l == line);
            last = Some((file.base, offset, line));
            match rows.last_mut().filter(|_| same_line) {
                Some(row) => {
                    row.calls += tally.calls;
                    row.compiled += tally.compiled;
                    row.time += tally.time;
                    row.flops += tally.flops;
                }
                None => rows.push(LineRow {
                    file: file.name.clone(),
                    line,
                    text: sources.line_of(span).unwrap_or("").trim().to_string(),
                    calls: tally.calls,
                    compiled: tally.compiled,
                    time: tally.time,
                    flops: tally.flops,
                }),
            }
        }
        rows
    }

    /// The table: a row per line that ran (line, source, calls, self time, share of the run,
    /// GFLOP/s where an `@` ran, how it ran), then the total.
    pub fn report(&self, sources: &SourceMap) -> String {
        table(&self.rows(sources))
    }
}

/// The widest the source column gets; longer lines are cut with `…`.
const SOURCE_WIDTH: usize = 40;

/// Lays out `rows` as the profile table.
pub fn table(rows: &[LineRow]) -> String {
    let one_file = rows.windows(2).all(|w| w[0].file == w[1].file);
    let file_name = |r: &LineRow| r.file.rsplit(['/', '\\']).next().unwrap_or("").to_string();
    let place = |r: &LineRow| if one_file { r.line.to_string() } else { format!("{}:{}", file_name(r), r.line) };
    let place_width = rows.iter().map(|r| place(r).chars().count()).max().unwrap_or(0).max(4);
    let total: Duration = rows.iter().map(|r| r.time).sum();
    let flops: f64 = rows.iter().map(|r| r.flops).sum();
    let share = |t: Duration| match total.as_secs_f64() {
        0.0 => "-".to_string(),
        all => format!("{:.1}%", 100.0 * t.as_secs_f64() / all),
    };
    let rate = |flops: f64, t: Duration| match (flops, t.as_secs_f64()) {
        (f, s) if f > 0.0 && s > 0.0 => rate_text(f / s / 1e9),
        _ => String::new(),
    };
    let time = |t: Duration| duration_text(t.as_secs_f64());
    let mut out = format!(
        "profile: self time per line (a loop's or a call's line counts only its own work)\n\
         {:>place_width$}  {:<SOURCE_WIDTH$}  {:>8}  {:>10}  {:>6}  {:>8}  {}\n",
        "line", "source", "calls", "time", "share", "GFLOP/s", "ran"
    );
    for r in rows {
        out.push_str(&format!(
            "{:>place_width$}  {:<SOURCE_WIDTH$}  {:>8}  {:>10}  {:>6}  {:>8}  {}\n",
            place(r),
            shorten(&r.text, SOURCE_WIDTH),
            r.calls,
            time(r.time),
            share(r.time),
            rate(r.flops, r.time),
            r.ran(),
        ));
    }
    let line = format!(
        "{:>place_width$}  {:<SOURCE_WIDTH$}  {:>8}  {:>10}  {:>6}  {:>8}",
        "",
        "total",
        "",
        time(total),
        share(total),
        rate(flops, total),
    );
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// `text` cut to `width` characters, the last one `…` when it was longer.
fn shorten(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    cut.push('…');
    cut
}

/// `2 m k n` for a product of operands with these shapes (ranks 1 and 2), if they fit.
pub fn matmul_flops(a: &[usize], b: &[usize]) -> Option<f64> {
    let (m, k) = match a {
        [k] => (1, *k),
        [m, k] => (*m, *k),
        _ => return None,
    };
    let n = match b {
        [k2] if *k2 == k => 1,
        [k2, n] if *k2 == k => *n,
        _ => return None,
    };
    Some(2.0 * m as f64 * k as f64 * n as f64)
}

/// A duration for people: `850 ns`, `12.3 µs`, `4.56 ms`, `1.234 s`.
pub fn duration_text(seconds: f64) -> String {
    if seconds < 1e-6 {
        format!("{:.0} ns", seconds * 1e9)
    } else if seconds < 1e-3 {
        format!("{:.1} µs", seconds * 1e6)
    } else if seconds < 1.0 {
        format!("{:.2} ms", seconds * 1e3)
    } else {
        format!("{seconds:.3} s")
    }
}

/// A rate with three significant digits at most: `0.00123`, `4.56`, `123.4`.
pub fn rate_text(rate: f64) -> String {
    match rate {
        r if r >= 100.0 => format!("{r:.1}"),
        r if r >= 1.0 => format!("{r:.2}"),
        r => format!("{:.*}", (2 - r.log10().floor() as i64).clamp(2, 9) as usize, r),
    }
}

impl Interp {
    /// Runs `run` as one timed statement or call whose self time goes to the line of `span`
    /// (the caller has checked that a profile is on).
    pub(super) fn profiled<T>(&mut self, span: Span, run: impl FnOnce(&mut Interp) -> T) -> T {
        if let Some(profile) = &mut self.profile {
            profile.enter();
        }
        let result = run(self);
        if let Some(profile) = &mut self.profile {
            profile.leave(span.start);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matmul_flops_from_shapes() {
        assert_eq!(matmul_flops(&[2, 3], &[3, 4]), Some(48.0));
        assert_eq!(matmul_flops(&[3], &[3, 4]), Some(24.0));
        assert_eq!(matmul_flops(&[2, 3], &[3]), Some(12.0));
        assert_eq!(matmul_flops(&[3], &[3]), Some(6.0));
        assert_eq!(matmul_flops(&[2, 3], &[2, 3]), None);
        assert_eq!(matmul_flops(&[2, 3, 4], &[4, 1]), None);
    }

    #[test]
    fn durations_and_rates_for_people() {
        assert_eq!(duration_text(4e-7), "400 ns");
        assert_eq!(duration_text(1.25e-5), "12.5 µs");
        assert_eq!(duration_text(0.004561), "4.56 ms");
        assert_eq!(duration_text(2.5), "2.500 s");
        assert_eq!(rate_text(123.45), "123.5");
        assert_eq!(rate_text(4.567), "4.57");
        assert_eq!(rate_text(0.0123), "0.0123");
    }

    #[test]
    fn self_time_leaves_out_inner_timers_and_lines_merge() {
        let mut sources = SourceMap::default();
        let base = sources.add("t.tsc", "let a = 1; let b = 2\nfor i in 0..3 {\n  a += 1\n}").unwrap();
        let mut profile = Profile::default();
        let start = Instant::now();
        profile.enter();
        for _ in 0..3 {
            profile.enter();
            profile.leave(base + 39);
        }
        profile.leave(base + 21);
        profile.enter();
        profile.leave(base);
        profile.enter();
        profile.leave(base + 11);
        let wall = start.elapsed();
        let rows = profile.rows(&sources);
        let lines: Vec<(usize, u64, &str)> = rows.iter().map(|r| (r.line, r.calls, r.text.as_str())).collect();
        assert_eq!(lines, [(1, 2, "let a = 1; let b = 2"), (2, 1, "for i in 0..3 {"), (3, 3, "a += 1")]);
        let counted: Duration = rows.iter().map(|r| r.time).sum();
        assert!(counted <= wall, "no time is counted twice: {counted:?} of {wall:?}");
        assert!(rows.iter().all(|r| r.ran() == "interpreted"));
    }

    #[test]
    fn the_table_has_a_row_per_line_and_a_total() {
        let row = |line: usize, text: &str, flops: f64, compiled: u64| LineRow {
            file: "f.tsc".into(),
            line,
            text: text.into(),
            calls: 4,
            compiled,
            time: Duration::from_millis(10),
            flops,
        };
        let long = "let a_rather_long_name = another_long_name + yet_another_long_name";
        let text = table(&[row(2, long, 0.0, 0), row(7, "C = A @ B", 4e8, 4), row(9, "f(x)", 0.0, 1)]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 6, "{text}");
        assert!(lines[1].starts_with("line  source"), "{text}");
        assert_eq!(
            lines[2],
            "   2  let a_rather_long_name = another_long_n…         4    10.00 ms   33.3%            interpreted"
        );
        assert_eq!(
            lines[3],
            "   7  C = A @ B                                        4    10.00 ms   33.3%     40.00  compiled"
        );
        assert_eq!(
            lines[4],
            "   9  f(x)                                             4    10.00 ms   33.3%            mixed"
        );
        assert_eq!(lines[5], "      total                                                 30.00 ms  100.0%     13.33");
    }
}
