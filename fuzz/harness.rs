//! The fuzz target of TensorScript, shared by the stable mutation run in `tests/fuzz.rs` and the
//! libFuzzer target in `fuzz/fuzz_targets/script.rs` (see `docs/fuzzing.md`).
//!
//! An input is read as a script (lossy UTF-8), parsed, lowered, checked and, unless it could touch
//! files, run in a fresh in-process session on a thread with the command line's stack. The
//! property: nothing panics, aborts or hangs, and every error comes back as a diagnostic whose
//! spans lie on the input's text and which renders. Budgets keep each run short: a run is
//! interrupted as Ctrl-C would interrupt it once it takes too long or holds too much memory.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};
use tscript::blas::ThreadPolicy;
use tscript::diag::{Code, Diag};
use tscript::interrupt::INTERRUPTED;
use tscript::Session;

/// Inputs longer than this (in bytes) are not tried: the target is about small scripts.
pub const MAX_INPUT: usize = 4096;
/// How long a run may take before it is interrupted as Ctrl-C would interrupt it.
pub const RUN_BUDGET: Duration = Duration::from_millis(200);
/// How long a run may go on after that before it counts as a hang (the interpreter checks the
/// interrupt only in loops and calls, so straight-line work finishes first).
pub const HANG_AFTER: Duration = Duration::from_secs(30);
/// Heap held by a run above which it is interrupted.
pub const SOFT_MEMORY: usize = 256 << 20;
/// Heap held by a run above which [`BudgetAlloc`] refuses to allocate: a fallible allocation
/// then reports `tscript::runtime::alloc`, an infallible one aborts (a finding).
pub const HARD_MEMORY: usize = 1 << 30;
/// The stack a run gets: the command line's (`src/main.rs`).
const EVAL_STACK: usize = 1 << 30;
/// The file name the input is checked and run under.
const NAME: &str = "fuzz.tsc";
/// Built-ins that read or write files: an input that names one is checked but not run (see
/// [`touches_files`]).
const FILE_BUILTINS: &[&str] = &["load", "loadcsv", "save", "savecsv"];

/// How one input came out; every variant holds the property.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    /// Longer than [`MAX_INPUT`]; not tried.
    TooLong,
    /// Parsing, lowering or checking reported diagnostics.
    Rejected,
    /// Checked without error; not run because it could touch files.
    CheckedOnly,
    /// Ran to the end.
    Ran,
    /// Stopped by a run-time diagnostic, other than the harness's interrupt.
    Failed,
    /// Interrupted by the harness for taking too long or holding too much memory.
    Stopped,
}

impl Verdict {
    /// Whether the input got past the checker: the inputs worth mutating further. It depends on
    /// the checker alone, never on timing.
    pub fn passed_check(self) -> bool {
        matches!(self, Verdict::CheckedOnly | Verdict::Ran | Verdict::Failed | Verdict::Stopped)
    }
}

/// A broken property: a panic, or a malformed diagnostic.
#[derive(Debug)]
pub struct Violation(pub String);

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses, checks and (when it may) runs one input under the budgets; `Err` is a broken property.
/// Inputs are tried one at a time, since the interrupt flag and the budgets are process-wide.
pub fn one_input(bytes: &[u8]) -> Result<Verdict, Violation> {
    if bytes.len() > MAX_INPUT {
        return Ok(Verdict::TooLong);
    }
    let text = String::from_utf8_lossy(bytes).into_owned();
    let _one_at_a_time = lock(&ONE_AT_A_TIME);
    let watch = watchdog();
    *lock(&watch.input) = bytes.to_vec();
    INTERRUPTED.store(false, Ordering::SeqCst);
    OVER_BUDGET.store(false, Ordering::SeqCst);
    BASELINE.store(LIVE.load(Ordering::SeqCst), Ordering::SeqCst);
    ENFORCING.store(true, Ordering::SeqCst);
    watch.deadline.store(watch.millis() + RUN_BUDGET.as_millis() as u64, Ordering::SeqCst);
    let worker = std::thread::Builder::new().stack_size(EVAL_STACK).spawn(move || attempt(&text));
    let joined = worker.map(|w| w.join());
    watch.deadline.store(0, Ordering::SeqCst);
    ENFORCING.store(false, Ordering::SeqCst);
    INTERRUPTED.store(false, Ordering::SeqCst);
    match joined {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(payload)) => Err(Violation(format!("panicked: {}", panic_message(&payload)))),
        Err(e) => Err(Violation(format!("could not start the worker thread: {e}"))),
    }
}

/// The work itself, on the worker thread: a check in one session, then a run in a fresh one
/// (which checks again, as the command line does), so that which phase failed is known.
fn attempt(text: &str) -> Result<Verdict, Violation> {
    let session = || Session::new(Box::new(std::io::sink()), Vec::new(), ThreadPolicy::with_env(Some(1), None));
    let mut checking = session();
    if let Err(diags) = checking.check(NAME, text) {
        well_formed(&diags, text, &checking)?;
        return Ok(Verdict::Rejected);
    }
    if touches_files(text) {
        return Ok(Verdict::CheckedOnly);
    }
    let mut running = session();
    let diags = match running.run(NAME, text) {
        Ok(_) => return Ok(Verdict::Ran),
        Err(diags) => diags,
    };
    well_formed(&diags, text, &running)?;
    let budget = OVER_BUDGET.load(Ordering::SeqCst);
    Ok(match diags[0].code {
        Code::RuntimeInterrupted => Verdict::Stopped,
        Code::RuntimeAlloc if budget => Verdict::Stopped,
        _ => Verdict::Failed,
    })
}

/// An error comes with diagnostics, each with a message, its labels on the text (at character
/// boundaries), and each renders.
fn well_formed(diags: &[Diag], text: &str, session: &Session) -> Result<(), Violation> {
    if diags.is_empty() {
        return Err(Violation("an error came back with no diagnostic".into()));
    }
    diags.iter().try_for_each(|diag| one_well_formed(diag, text, session))
}

fn one_well_formed(diag: &Diag, text: &str, session: &Session) -> Result<(), Violation> {
    let code = diag.code.as_str();
    if diag.message.trim().is_empty() {
        return Err(Violation(format!("{code} has an empty message")));
    }
    for (span, label) in &diag.labels {
        let (start, end) = (span.start as usize, span.end as usize);
        if start > end || end > text.len() || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            return Err(Violation(format!(
                "{code} (\"{}\") labels {start}..{end} (\"{label}\"), which is not a range of characters of the {}-byte input",
                diag.message,
                text.len()
            )));
        }
    }
    if session.sources.render_plain(diag.clone()).trim().is_empty() {
        return Err(Violation(format!("{code} (\"{}\") renders as nothing", diag.message)));
    }
    Ok(())
}

/// Whether running the text could touch files: it names a built-in that reads or writes them, or
/// it mentions `svg` or `png`, without which no plot can be written to a file (a plot's file name
/// must end in `.svg` or `.png`). A fuzzer must not write over the machine's files, and reads of
/// special files are unbounded.
pub fn touches_files(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("svg")
        || lower.contains("png")
        || text.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|word| FILE_BUILTINS.contains(&word))
}

fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".into()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The thread that interrupts a run past its deadline, and gives up on one that does not stop.
struct Watchdog {
    start: Instant,
    /// Milliseconds since `start` when the current run is to be interrupted; 0 between runs.
    deadline: AtomicU64,
    /// The input being run, to print if it hangs.
    input: Mutex<Vec<u8>>,
}

impl Watchdog {
    fn millis(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    fn watch(&self) {
        loop {
            std::thread::sleep(Duration::from_millis(5));
            let deadline = self.deadline.load(Ordering::SeqCst);
            if deadline == 0 || self.millis() < deadline {
                continue;
            }
            INTERRUPTED.store(true, Ordering::SeqCst);
            if self.millis() > deadline + HANG_AFTER.as_millis() as u64 {
                let input = String::from_utf8_lossy(&lock(&self.input)).into_owned();
                eprintln!(
                    "\n=== fuzz: HANG: the run did not stop within {:?} of its interrupt; input ===\n{input}\n=== end of input ===",
                    HANG_AFTER
                );
                std::process::abort();
            }
        }
    }
}

fn watchdog() -> &'static Watchdog {
    static WATCHDOG: OnceLock<&'static Watchdog> = OnceLock::new();
    WATCHDOG.get_or_init(|| {
        let watchdog: &'static Watchdog = Box::leak(Box::new(Watchdog {
            start: Instant::now(),
            deadline: AtomicU64::new(0),
            input: Mutex::default(),
        }));
        std::thread::Builder::new()
            .name("fuzz-watchdog".into())
            .spawn(|| watchdog.watch())
            .expect("the fuzz watchdog thread starts");
        watchdog
    })
}

/// Bytes the process holds on the heap.
static LIVE: AtomicUsize = AtomicUsize::new(0);
/// [`LIVE`] when the current run began.
static BASELINE: AtomicUsize = AtomicUsize::new(0);
/// Whether a run is under way (the budgets apply only then).
static ENFORCING: AtomicBool = AtomicBool::new(false);
/// Whether the current run went over [`SOFT_MEMORY`] (and was interrupted or refused).
static OVER_BUDGET: AtomicBool = AtomicBool::new(false);

/// The system allocator, counting what is held so that a run over [`SOFT_MEMORY`] is interrupted
/// and one over [`HARD_MEMORY`] is refused. Install it as the `#[global_allocator]` of the binary
/// that fuzzes.
pub struct BudgetAlloc;

impl BudgetAlloc {
    /// Counts `more` bytes if the budget allows them.
    fn admit(&self, more: usize) -> bool {
        let live = LIVE.fetch_add(more, Ordering::SeqCst).saturating_add(more);
        if !ENFORCING.load(Ordering::Relaxed) {
            return true;
        }
        let held = live.saturating_sub(BASELINE.load(Ordering::Relaxed));
        if held > SOFT_MEMORY {
            OVER_BUDGET.store(true, Ordering::Relaxed);
            INTERRUPTED.store(true, Ordering::Relaxed);
        }
        if held > HARD_MEMORY {
            LIVE.fetch_sub(more, Ordering::SeqCst);
            return false;
        }
        true
    }
}

// SAFETY: every call goes to `System` with the caller's layout; only the count is added.
unsafe impl GlobalAlloc for BudgetAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !self.admit(layout.size()) {
            return std::ptr::null_mut();
        }
        let p = System.alloc(layout);
        if p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !self.admit(layout.size()) {
            return std::ptr::null_mut();
        }
        let p = System.alloc_zeroed(layout);
        if p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = layout.size();
        if new_size > old && !self.admit(new_size - old) {
            return std::ptr::null_mut();
        }
        let p = System.realloc(ptr, layout, new_size);
        match (p.is_null(), new_size > old) {
            (true, true) => {
                LIVE.fetch_sub(new_size - old, Ordering::SeqCst);
            }
            (false, false) => {
                LIVE.fetch_sub(old - new_size, Ordering::SeqCst);
            }
            (true, false) | (false, true) => {}
        }
        p
    }
}
