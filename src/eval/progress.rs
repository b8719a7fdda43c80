//! The outermost running `for` loop: a loop at the top level of a script or REPL entry, or the
//! first one a top-level call runs (the loops inside it are part of its steps). It is counted
//! step by step, so that an interrupt can say in which step it stopped and an assignment that
//! turns a float scalar into `inf` or `nan` can say in which step that first happened. Once it
//! has run for a second, an [`indicatif`] bar on standard error shows step i of n, the steps per
//! second and the time left, and is cleared when the loop ends; only while [`enable`] has been
//! given `true` (the command line does, unless `--no-progress` is given or standard error is not
//! a terminal).
//!
//! A step costs an increment and a comparison: the clock is read only every so often (about
//! every [`CHECK_EVERY`] seconds at the rate seen so far), and only when bars are enabled.

use crate::diag::{Code, Diag, SourceMap};
use crate::span::Span;
use crate::value::Value;
use indicatif::{HumanCount, HumanDuration, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::cell::RefCell;
use std::io::{self, IsTerminal, Write};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Whether loops show a progress bar (set once by the command line).
static ENABLED: AtomicBool = AtomicBool::new(false);

/// Turns progress bars on or off for every session of this process.
pub fn enable(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// How long a loop runs before its bar appears.
pub const SHOW_AFTER: Duration = Duration::from_secs(1);

/// About how many seconds pass between two readings of the clock.
pub const CHECK_EVERY: f64 = 0.05;

/// The most steps between two readings of the clock.
const MAX_STRIDE: u64 = 1 << 24;

/// The bar's layout: `[=====>    ] step 4,213 of 10,000 · 1,234 steps/s · 5s left`.
const TEMPLATE: &str = "[{wide_bar}] step {human_pos} of {human_len} · {rate} · {left} left";

/// The bar on the screen, if any: shared between the loop that draws it and the script's output,
/// which takes it off the screen while a line is printed.
type SharedBar = Rc<RefCell<Option<ProgressBar>>>;

/// The loop being counted.
#[derive(Debug)]
struct Counted {
    /// The number of steps the range has.
    total: u64,
    /// The step running (1 for the first).
    step: u64,
    /// The step at which the clock is read next.
    next_check: u64,
    /// When the loop began.
    started: Instant,
    /// Whether a value has already become `inf` or `nan` in this loop.
    warned: bool,
}

/// The progress of the outermost running `for` loop, and its bar.
#[derive(Debug, Default)]
pub struct Progress {
    counted: Option<Counted>,
    bar: SharedBar,
}

/// Where a counted loop is: the step running, of how many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// The step running, from 1.
    pub step: u64,
    /// The number of steps the range has.
    pub total: u64,
}

impl std::fmt::Display for Step {
    /// `step 4,213 of 10,000`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "step {} of {}", HumanCount(self.step), HumanCount(self.total))
    }
}

impl Progress {
    /// Starts counting a loop of `total` steps, unless one is already counted: `true` when this
    /// loop is the one counted (the caller then calls [`Progress::step`] for each step and
    /// [`Progress::end`] when it ends, however it ends).
    pub fn begin(&mut self, total: u64) -> bool {
        if self.counted.is_some() {
            return false;
        }
        let next_check = if ENABLED.load(Ordering::Relaxed) { 1 } else { u64::MAX };
        self.counted = Some(Counted { total, step: 0, next_check, started: Instant::now(), warned: false });
        true
    }

    /// A new step of the counted loop begins.
    #[inline]
    pub fn step(&mut self) {
        if let Some(counted) = &mut self.counted {
            counted.step += 1;
            if counted.step >= counted.next_check {
                self.check_clock();
            }
        }
    }

    /// Reads the clock: sets when to read it next, shows the bar after [`SHOW_AFTER`], and
    /// moves it.
    #[cold]
    fn check_clock(&mut self) {
        let Some(counted) = &mut self.counted else { return };
        let elapsed = counted.started.elapsed();
        let seconds = elapsed.as_secs_f64();
        // Until a millisecond has passed the rate means little: read the clock at doubling steps.
        let stride = if seconds < 1e-3 { counted.step } else { (counted.step as f64 / seconds * CHECK_EVERY) as u64 };
        counted.next_check = counted.step + stride.clamp(1, MAX_STRIDE);
        let mut bar = self.bar.borrow_mut();
        if bar.is_none() && elapsed >= SHOW_AFTER {
            *bar = Some(new_bar(counted.total, elapsed, ProgressDrawTarget::stderr()));
        }
        if let Some(bar) = bar.as_ref() {
            bar.set_position(counted.step);
        }
    }

    /// The counted loop has ended: its bar, if shown, is cleared. Returns where it was.
    pub fn end(&mut self) -> Option<Step> {
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
        }
        self.counted.take().map(|c| Step { step: c.step, total: c.total })
    }

    /// Whether a loop is being counted (assignments are then watched for `inf` and `nan`).
    #[inline]
    pub fn counting(&self) -> bool {
        self.counted.is_some()
    }

    /// Where the counted loop is, the first time a value becomes `inf` or `nan` in it; `None`
    /// after that (it is reported once per loop) or outside a counted loop.
    pub fn first_nonfinite(&mut self) -> Option<Step> {
        let counted = self.counted.as_mut().filter(|c| !c.warned)?;
        counted.warned = true;
        Some(Step { step: counted.step, total: counted.total })
    }

    /// Runs `f` (which writes to the terminal) with the bar, if shown, off the screen.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match self.bar.borrow().as_ref() {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// The script's output `out`, made to print whole lines around the bar when bars are on and
    /// standard output is a terminal (standard error being one too, the bar and the lines share
    /// the screen); `out` itself otherwise.
    pub fn output(&self, out: Box<dyn Write>) -> Box<dyn Write> {
        if ENABLED.load(Ordering::Relaxed) && io::stdout().is_terminal() {
            Box::new(AroundBar { inner: out, bar: self.bar.clone(), pending: Vec::new() })
        } else {
            out
        }
    }
}

/// A bar drawn on `target` for a loop of `total` steps that has run for `elapsed` already.
fn new_bar(total: u64, elapsed: Duration, target: ProgressDrawTarget) -> ProgressBar {
    let style = ProgressStyle::with_template(TEMPLATE)
        .expect("the template is valid (a unit test renders it)")
        .with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{}", rate_text(steps_per_second(state)));
        })
        .with_key("left", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
            let rate = steps_per_second(state);
            let left = state.len().unwrap_or(0).saturating_sub(state.pos()) + 1;
            let seconds = if rate > 0.0 { (left as f64 / rate).min(1e9) } else { 0.0 };
            let _ = write!(w, "{:#}", HumanDuration(Duration::from_secs_f64(seconds)));
        })
        .progress_chars("=> ");
    ProgressBar::with_draw_target(Some(total), target).with_style(style).with_elapsed(elapsed)
}

/// The steps finished per second since the loop began (the bar's position is the step running):
/// the mean over the whole loop, which stays steady where the rate of the last few steps jumps.
fn steps_per_second(state: &ProgressState) -> f64 {
    let seconds = state.elapsed().as_secs_f64();
    if seconds > 0.0 {
        state.pos().saturating_sub(1) as f64 / seconds
    } else {
        0.0
    }
}

/// A rate for people: `1,234 steps/s`, `12.5 steps/s`, `0.42 steps/s`.
fn rate_text(per_second: f64) -> String {
    match per_second {
        r if r >= 100.0 => format!("{} steps/s", HumanCount(r.round() as u64)),
        r if r >= 10.0 => format!("{r:.1} steps/s"),
        r => format!("{r:.2} steps/s"),
    }
}

/// Whether `v` is finite, when it is a float scalar; `None` for any other value.
#[inline]
pub fn finite_scalar(v: &Value) -> Option<bool> {
    match v {
        Value::F64(x) => Some(x.is_finite()),
        Value::F32(x) => Some(x.is_finite()),
        Value::Tracer(t) => finite_scalar(&t.primal),
        _ => None,
    }
}

/// The warning that `name` became `value` (`inf`, `-inf` or `nan`) in `step` of the counted loop.
pub fn nonfinite_warning(name: &str, value: &Value, step: Step, line: Option<usize>, span: Span) -> Diag {
    let value = crate::value::text(value.primal());
    let at = line.map(|l| format!(", at line {l}")).unwrap_or_default();
    Diag::warning(
        Code::LintNonfinite,
        format!("`{name}` first became {value} in {step}{at}"),
        span,
        format!("first {value} here"),
    )
    .with_help("the step size may be too large: try a smaller learning rate")
}

/// The message of an interrupt, from where it stopped: `interrupted in step 4,213 of 10,000 at
/// line 7`, or `interrupted at line 7` outside a counted loop.
pub fn interrupt_message(step: Option<Step>, line: Option<usize>) -> String {
    let mut message = String::from("interrupted");
    if let Some(step) = step {
        message.push_str(&format!(" in {step}"));
    }
    if let Some(line) = line {
        message.push_str(&format!(" at line {line}"));
    }
    message
}

/// An interrupt's diagnostic `d` with the message saying where it stopped (other diagnostics
/// unchanged): the counted loop's `step`, if it was in one, and the line.
pub fn place_interrupt(mut d: Diag, step: Option<Step>, sources: &SourceMap) -> Diag {
    if d.code == Code::RuntimeInterrupted {
        let line = d.span().and_then(|span| line_of(sources, span));
        d.message = interrupt_message(step, line);
    }
    d
}

/// The line (from 1) of the text that `span` starts on, within its own source.
pub fn line_of(sources: &SourceMap, span: Span) -> Option<usize> {
    let file = sources.file_of(span)?;
    let offset = (span.start - file.base) as usize;
    let before = file.text.get(..offset.min(file.text.len()))?;
    Some(before.bytes().filter(|&b| b == b'\n').count() + 1)
}

/// The script's output while a bar may be on the screen: what is printed goes out in whole lines,
/// each with the bar taken off the screen and drawn again below it, so that a line and the bar
/// never share a row.
struct AroundBar {
    inner: Box<dyn Write>,
    bar: SharedBar,
    /// The start of a line printed while the bar is shown, until its end comes.
    pending: Vec<u8>,
}

impl Write for AroundBar {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let shown = self.bar.borrow();
        let Some(bar) = shown.as_ref() else {
            drop(shown);
            self.write_pending()?;
            return self.inner.write(buf);
        };
        self.pending.extend_from_slice(buf);
        if let Some(last) = self.pending.iter().rposition(|&b| b == b'\n') {
            let (inner, pending) = (&mut self.inner, &self.pending);
            bar.suspend(|| inner.write_all(&pending[..=last]).and_then(|()| inner.flush()))?;
            self.pending.drain(..=last);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_pending()?;
        self.inner.flush()
    }
}

impl AroundBar {
    /// Writes out the start of a line kept back while the bar was shown.
    fn write_pending(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let (inner, pending) = (&mut self.inner, &self.pending);
        match self.bar.borrow().as_ref() {
            Some(bar) => bar.suspend(|| inner.write_all(pending))?,
            None => inner.write_all(pending)?,
        }
        self.pending.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A terminal that keeps what is drawn on it.
    #[derive(Debug, Default, Clone)]
    struct Screen(std::sync::Arc<std::sync::Mutex<String>>);

    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            100
        }
        fn move_cursor_up(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> io::Result<()> {
            self.write_str(&format!("{s}\n"))
        }
        fn write_str(&self, s: &str) -> io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> io::Result<()> {
            self.0.lock().unwrap().push_str("<clear>");
            Ok(())
        }
        fn flush(&self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_bar_shows_the_step_the_rate_and_the_time_left_and_is_cleared() {
        let screen = Screen::default();
        let bar = new_bar(10_000, Duration::from_secs(2), ProgressDrawTarget::term_like(Box::new(screen.clone())));
        bar.set_position(4_213);
        bar.force_draw();
        let drawn = screen.0.lock().unwrap().clone();
        assert!(drawn.starts_with("[") && drawn.contains("=>"), "{drawn:?}");
        assert!(drawn.contains("] step 4,213 of 10,000 · "), "{drawn:?}");
        assert!(drawn.contains(" steps/s · ") && drawn.trim_end().ends_with(" left"), "{drawn:?}");
        bar.finish_and_clear();
        let after = screen.0.lock().unwrap().clone();
        assert!(after[drawn.len()..].contains("<clear>"), "{after:?}");
        assert_eq!(rate_text(1234.4), "1,234 steps/s");
        assert_eq!(rate_text(12.46), "12.5 steps/s");
        assert_eq!(rate_text(0.4213), "0.42 steps/s");
    }

    #[test]
    fn only_the_outermost_loop_is_counted() {
        let mut progress = Progress::default();
        assert!(!progress.counting());
        assert!(progress.begin(3));
        assert!(!progress.begin(100), "a loop inside the counted one");
        progress.step();
        progress.step();
        assert_eq!(progress.first_nonfinite(), Some(Step { step: 2, total: 3 }));
        assert_eq!(progress.first_nonfinite(), None, "once per loop");
        assert_eq!(progress.end(), Some(Step { step: 2, total: 3 }));
        assert!(!progress.counting());
        assert!(progress.begin(5), "the next loop is counted afresh");
        progress.step();
        assert_eq!(progress.first_nonfinite(), Some(Step { step: 1, total: 5 }));
    }

    #[test]
    fn interrupt_messages_say_where() {
        let step = Step { step: 4213, total: 10_000 };
        assert_eq!(interrupt_message(Some(step), Some(7)), "interrupted in step 4,213 of 10,000 at line 7");
        assert_eq!(interrupt_message(None, Some(2)), "interrupted at line 2");
        assert_eq!(interrupt_message(None, None), "interrupted");
    }

    #[test]
    fn lines_are_counted_within_their_own_source() {
        let mut sources = SourceMap::default();
        sources.add("a", "one\ntwo\n").unwrap();
        let base = sources.add("b", "x\ny\nz").unwrap();
        assert_eq!(line_of(&sources, Span::new(base as usize + 4, base as usize + 5)), Some(3));
        assert_eq!(line_of(&sources, Span::new(4, 5)), Some(2));
    }
}
