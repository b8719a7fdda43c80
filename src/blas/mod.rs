//! The BLAS library underneath TensorScript: OpenBLAS's thread count, the thread-count policy of the
//! `threads` directive (LANGUAGE.md §4), the CPU kernel OpenBLAS runs ([`kernel`]), and the report
//! that `tscript info` prints ([`info_report`], §10, §12).
//!
//! TensorScript links the system's OpenBLAS (through `blas-src` / `openblas-src` with the `system`
//! feature). This module talks to OpenBLAS's own extension functions (`openblas_set_num_threads`,
//! `openblas_get_config`, ...) through a small `extern "C"` block; every fact that `tscript info`
//! prints is read from the loaded library at run time, never typed in.
//!
//! Thread count precedence, strongest first: `--threads N` on the command line, then a `threads`
//! directive in the script, then the environment variable `TSCRIPT_THREADS`, then the number of cores.
//! [`ThreadPolicy`] implements it; [`set_threads`] and [`threads`] are the raw OpenBLAS calls. Every
//! count is capped at [`thread_limit`], and read back from OpenBLAS after it is set.
//!
//! The OpenBLAS thread count is global to the process: change it from the interpreter's thread,
//! between BLAS calls, not while another thread is inside one.

mod info;
pub mod kernel;
mod selftest;

pub use info::info_report;

use std::cell::Cell;
use std::ffi::{c_char, c_int, CStr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// The environment variable that sets the default thread count (below a directive and `--threads`).
const THREADS_ENV: &str = "TSCRIPT_THREADS";

/// The most threads per core TensorScript uses ([`thread_limit`]).
const THREADS_PER_CORE: usize = 4;

extern "C" {
    fn openblas_set_num_threads(num_threads: c_int);
    fn openblas_get_num_threads() -> c_int;
    fn openblas_get_num_procs() -> c_int;
    fn openblas_get_config() -> *const c_char;
    fn openblas_get_corename() -> *const c_char;
    fn openblas_get_parallel() -> c_int;
    /// LAPACK's version query; only its presence and its answer are used here.
    fn ilaver_(major: *mut c_int, minor: *mut c_int, patch: *mut c_int);
    /// LAPACK's general solver: its address finds the library that provides LAPACK, and the kernel
    /// self-test calls it.
    fn dgesv_(
        n: *const c_int,
        nrhs: *const c_int,
        a: *mut f64,
        lda: *const c_int,
        ipiv: *mut c_int,
        b: *mut f64,
        ldb: *const c_int,
        info: *mut c_int,
    );
}

/// Sets the number of threads OpenBLAS and the element-wise pool use for the following calls, and
/// returns the count OpenBLAS reports in force afterwards.
///
/// `0` is treated as `1`, and a count above [`thread_limit`] as the limit (the caller warns:
/// see [`ThreadPolicy`]).
pub fn set_threads(n: usize) -> usize {
    let n = n.clamp(1, thread_limit());
    // SAFETY: a plain call into OpenBLAS with a positive int; it has no pointer arguments.
    unsafe { openblas_set_num_threads(c_int::try_from(n).unwrap_or(c_int::MAX)) }
    crate::parallel::set_threads(n);
    threads()
}

/// The most threads TensorScript uses: four per core ([`cores`]), and no more than the
/// `MAX_THREADS` OpenBLAS was built with (from [`config`]). More only slow BLAS down, and thousands
/// of threads take seconds to start or exhaust the process's memory.
pub fn thread_limit() -> usize {
    static LIMIT: OnceLock<usize> = OnceLock::new();
    *LIMIT.get_or_init(|| limit_for(cores(), &config()))
}

/// [`thread_limit`] for a machine with `cores` cores and OpenBLAS's configuration string `config`.
fn limit_for(cores: usize, config: &str) -> usize {
    let blas_max = config
        .split_whitespace()
        .find_map(|word| word.strip_prefix("MAX_THREADS="))
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n >= 1);
    let limit = THREADS_PER_CORE.saturating_mul(cores);
    blas_max.map_or(limit, |max| limit.min(max)).max(1)
}

/// The number of threads OpenBLAS currently uses (`openblas_get_num_threads`).
pub fn threads() -> usize {
    // SAFETY: a plain query without arguments.
    let n = unsafe { openblas_get_num_threads() };
    usize::try_from(n).unwrap_or(1).max(1)
}

/// OpenBLAS's build configuration, e.g. `OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64`
/// (`openblas_get_config`), trimmed.
pub fn config() -> String {
    // SAFETY: OpenBLAS returns a pointer to a static NUL-terminated string (or null).
    unsafe { owned_c_str(openblas_get_config()) }
}

/// The name of the CPU kernel OpenBLAS chose for this machine, e.g. `Haswell` or `Zen`
/// (`openblas_get_corename`), trimmed.
pub fn core_name() -> String {
    // SAFETY: OpenBLAS returns a pointer to a static NUL-terminated string (or null).
    unsafe { owned_c_str(openblas_get_corename()) }
}

/// Copies a C string into a trimmed `String`; null gives an empty string.
///
/// # Safety
/// `p` must be null or point to a NUL-terminated string that stays valid during the call.
unsafe fn owned_c_str(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    CStr::from_ptr(p).to_string_lossy().trim().to_string()
}

/// The number of cores this process may use (`std::thread::available_parallelism`, which respects
/// CPU affinity and cgroup quotas), at least 1. This is what `threads auto` means.
pub fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Where the thread count in force came from, strongest first (LANGUAGE.md §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadSource {
    /// The `--threads N` command-line option, which overrides every directive.
    CommandLine,
    /// A `threads N` / `threads auto` directive in the script.
    Directive,
    /// The environment variable `TSCRIPT_THREADS`.
    Environment,
    /// The default: the number of cores.
    Cores,
}

impl std::fmt::Display for ThreadSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ThreadSource::CommandLine => "--threads",
            ThreadSource::Directive => "the threads directive",
            ThreadSource::Environment => THREADS_ENV,
            ThreadSource::Cores => "the default, all cores",
        })
    }
}

/// The thread-count policy of one run: `--threads` over the script's directives over
/// `TSCRIPT_THREADS` over the number of cores.
///
/// - [`ThreadPolicy::initial`] picks and applies the count a run starts with.
/// - [`ThreadPolicy::apply_directive`] applies a `threads N` directive, unless `--threads` was given.
/// - `TSCRIPT_THREADS` accepts a positive integer or `auto` (all cores), with surrounding spaces
///   allowed; an empty value counts as unset. Any other value is ignored (the next rule, the number of
///   cores, applies) with one warning on standard error per process.
/// - A count above [`cores`] is honoured, with one warning per process on standard error, whichever
///   rule asked for it: oversubscribed BLAS threads usually run slower, not faster.
/// - A count above [`thread_limit`] is capped at it, with one warning per process.
/// - The count is read back from OpenBLAS after every change; a count it did not take is reported
///   with one warning per process, and the count it runs is the one returned.
///
/// The policy keeps the source of the count it last applied ([`ThreadPolicy::source`]), for
/// `tscript info` and the REPL's `:info`. It is meant for the interpreter's thread (it is not `Sync`).
#[derive(Debug)]
pub struct ThreadPolicy {
    /// `--threads N`, if given (the caller rejects 0 as a usage error and turns `auto` into [`cores`]).
    cli: Option<usize>,
    /// The value of `TSCRIPT_THREADS`, read once when the policy is made (or injected by a test).
    env: Option<String>,
    /// Where the count last applied by this policy came from.
    source: Cell<ThreadSource>,
}

impl ThreadPolicy {
    /// A policy for a run with `--threads N` (`cli`), reading `TSCRIPT_THREADS` from the environment.
    pub fn new(cli: Option<usize>) -> Self {
        let env = std::env::var_os(THREADS_ENV).map(|v| v.to_string_lossy().into_owned());
        Self::with_env(cli, env)
    }

    /// A policy with the value of `TSCRIPT_THREADS` given rather than read (`None`: unset), so that
    /// tests need not touch the process environment.
    pub fn with_env(cli: Option<usize>, env: Option<String>) -> Self {
        Self { cli, env, source: Cell::new(ThreadSource::Cores) }
    }

    /// Picks the thread count a run starts with (`--threads`, else `TSCRIPT_THREADS`, else the
    /// number of cores), applies it to OpenBLAS with [`set_threads`] and returns it. Prints the
    /// warnings described on [`ThreadPolicy`], each at most once per process.
    pub fn initial(&self) -> usize {
        let choice = resolve_initial(self.cli, self.env.as_deref(), cores());
        if let Some(message) = choice.env_warning {
            warn_once(&ENV_WARNED, &message);
        }
        self.apply(choice.count, choice.source)
    }

    /// Applies a `threads N` directive and returns the count actually used: `--threads` if it was
    /// given, else `requested`. The count is applied to OpenBLAS with [`set_threads`] either way.
    /// `requested` should be ≥ 1 (a 0 counts as 1): the caller reports `threads 0` as an error and
    /// turns `threads auto` into [`cores`].
    pub fn apply_directive(&self, requested: usize) -> usize {
        let (count, source) = resolve_directive(self.cli, requested);
        self.apply(count, source)
    }

    /// Where the count this policy last applied came from ([`ThreadSource::Cores`] before any).
    pub fn source(&self) -> ThreadSource {
        self.source.get()
    }

    /// Caps the count, warns about oversubscription if need be, sets OpenBLAS's count, reads it
    /// back, and records the source. Returns the count OpenBLAS runs.
    fn apply(&self, count: usize, source: ThreadSource) -> usize {
        let limit = thread_limit();
        let count = match cap_warning(count, limit, cores()) {
            Some(message) => {
                warn_once(&CAPPED_WARNED, &message);
                limit
            }
            None => count,
        };
        if let Some(message) = oversubscription_warning(count, cores()) {
            warn_once(&OVERSUBSCRIBED_WARNED, &message);
        }
        let running = set_threads(count);
        if running != count {
            warn_once(&IGNORED_WARNED, &format!("warning: OpenBLAS runs {running} threads, not the {count} asked for"));
        }
        self.source.set(source);
        running
    }
}

/// Set once the bad-`TSCRIPT_THREADS` warning has been printed.
static ENV_WARNED: AtomicBool = AtomicBool::new(false);

/// Set once the oversubscription warning has been printed.
static OVERSUBSCRIBED_WARNED: AtomicBool = AtomicBool::new(false);

/// Set once the warning about a count above [`thread_limit`] has been printed.
static CAPPED_WARNED: AtomicBool = AtomicBool::new(false);

/// Set once the warning about a count OpenBLAS did not take has been printed.
static IGNORED_WARNED: AtomicBool = AtomicBool::new(false);

/// Prints `message` on standard error unless `flag` says it was printed already.
fn warn_once(flag: &AtomicBool, message: &str) {
    if !flag.swap(true, Ordering::Relaxed) {
        eprintln!("{message}");
    }
}

/// The count a run starts with, where it came from, and the warning about a bad environment value.
#[derive(Debug, PartialEq, Eq)]
struct InitialChoice {
    count: usize,
    source: ThreadSource,
    env_warning: Option<String>,
}

/// The precedence of a run's first count: `cli`, then the `TSCRIPT_THREADS` value `env`, then `cores`.
fn resolve_initial(cli: Option<usize>, env: Option<&str>, cores: usize) -> InitialChoice {
    let env = env.map(str::trim).filter(|text| !text.is_empty());
    let parsed = env.map(|text| parse_count(text, cores).ok_or(text));
    let env_warning = match parsed {
        Some(Err(text)) => Some(format!("warning: ignoring {THREADS_ENV}={text:?}: not a positive integer or `auto`")),
        _ => None,
    };
    let (count, source) = match (cli, parsed) {
        (Some(n), _) => (n, ThreadSource::CommandLine),
        (None, Some(Ok(n))) => (n, ThreadSource::Environment),
        (None, _) => (cores, ThreadSource::Cores),
    };
    InitialChoice { count: count.max(1), source, env_warning }
}

/// The count a `threads requested` directive gives: `cli` wins over it.
fn resolve_directive(cli: Option<usize>, requested: usize) -> (usize, ThreadSource) {
    match cli {
        Some(n) => (n.max(1), ThreadSource::CommandLine),
        None => (requested.max(1), ThreadSource::Directive),
    }
}

/// Reads a thread count: a positive integer, or `auto` for `cores`.
fn parse_count(text: &str, cores: usize) -> Option<usize> {
    if text == "auto" {
        return Some(cores);
    }
    text.parse::<usize>().ok().filter(|&n| n >= 1)
}

/// The warning for a count above `limit`, if it is.
fn cap_warning(count: usize, limit: usize, cores: usize) -> Option<String> {
    (count > limit).then(|| {
        let plural = if cores == 1 { "" } else { "s" };
        format!(
            "warning: threads {count} is more than this machine can use; capped at {limit} \
             (at most {THREADS_PER_CORE} per core, {cores} core{plural}, and OpenBLAS's MAX_THREADS)"
        )
    })
}

/// The warning for a count above the machine's cores, if it is.
fn oversubscription_warning(count: usize, cores: usize) -> Option<String> {
    (count > cores).then(|| {
        let plural = if cores == 1 { "" } else { "s" };
        format!(
            "warning: threads {count} exceeds the {cores} core{plural} of this machine; \
             oversubscribed BLAS threads usually run slower"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_and_core_name_come_from_openblas() {
        assert!(config().contains("OpenBLAS"), "config: {}", config());
        assert!(!core_name().is_empty());
        assert!(config().contains(&core_name()), "{} / {}", config(), core_name());
    }

    #[test]
    fn command_line_beats_environment_and_cores() {
        let choice = resolve_initial(Some(3), Some("5"), 2);
        assert_eq!((choice.count, choice.source), (3, ThreadSource::CommandLine));
        assert_eq!(choice.env_warning, None);
    }

    #[test]
    fn environment_beats_cores() {
        let choice = resolve_initial(None, Some(" 5 "), 2);
        assert_eq!((choice.count, choice.source), (5, ThreadSource::Environment));
        let auto = resolve_initial(None, Some("auto"), 7);
        assert_eq!((auto.count, auto.source), (7, ThreadSource::Environment));
    }

    #[test]
    fn no_setting_means_all_cores() {
        let choice = resolve_initial(None, None, 6);
        assert_eq!((choice.count, choice.source), (6, ThreadSource::Cores));
        let empty = resolve_initial(None, Some(""), 6);
        assert_eq!((empty.count, empty.source, empty.env_warning), (6, ThreadSource::Cores, None));
    }

    #[test]
    fn a_bad_environment_value_is_ignored_with_a_warning() {
        for bad in ["0", "-2", "two", "1.5"] {
            let choice = resolve_initial(None, Some(bad), 4);
            assert_eq!((choice.count, choice.source), (4, ThreadSource::Cores), "{bad}");
            let warning = choice.env_warning.expect("a warning");
            assert!(warning.starts_with("warning: ignoring TSCRIPT_THREADS="), "{warning}");
            assert!(warning.contains(bad), "{warning}");
        }
        // Even with --threads given, a bad value is worth a warning.
        assert!(resolve_initial(Some(1), Some("x"), 4).env_warning.is_some());
    }

    #[test]
    fn command_line_overrides_every_directive() {
        assert_eq!(resolve_directive(Some(1), 8), (1, ThreadSource::CommandLine));
        assert_eq!(resolve_directive(None, 8), (8, ThreadSource::Directive));
        assert_eq!(resolve_directive(None, 0), (1, ThreadSource::Directive));
    }

    #[test]
    fn injected_environment_reaches_the_policy() {
        let policy = ThreadPolicy::with_env(None, Some("3".to_string()));
        let choice = resolve_initial(policy.cli, policy.env.as_deref(), 2);
        assert_eq!((choice.count, choice.source), (3, ThreadSource::Environment));
        assert_eq!(policy.source(), ThreadSource::Cores);
    }

    #[test]
    fn oversubscription_warning_names_count_and_cores() {
        assert_eq!(oversubscription_warning(2, 2), None);
        assert_eq!(
            oversubscription_warning(8, 2).as_deref(),
            Some(
                "warning: threads 8 exceeds the 2 cores of this machine; \
                 oversubscribed BLAS threads usually run slower"
            )
        );
        assert!(oversubscription_warning(2, 1).unwrap().contains("the 1 core of"));
    }

    #[test]
    fn parse_count_accepts_positive_ints_and_auto() {
        assert_eq!(parse_count("4", 2), Some(4));
        assert_eq!(parse_count("auto", 2), Some(2));
        assert_eq!(parse_count("0", 2), None);
        assert_eq!(parse_count("4x", 2), None);
    }

    #[test]
    fn the_thread_limit_is_four_per_core_and_at_most_openblas_max() {
        assert_eq!(limit_for(2, "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64"), 8);
        assert_eq!(limit_for(32, "OpenBLAS 0.3.21 DYNAMIC_ARCH Zen MAX_THREADS=64"), 64);
        assert_eq!(limit_for(3, "OpenBLAS 0.3.21"), 12);
        assert_eq!(limit_for(usize::MAX, "OpenBLAS"), usize::MAX);
        assert!(thread_limit() >= cores());
    }

    #[test]
    fn cap_warning_names_count_and_limit() {
        assert_eq!(cap_warning(8, 8, 2), None);
        let message = cap_warning(5000, 8, 2).expect("a warning");
        assert!(
            message.starts_with("warning: threads 5000 is more than this machine can use; capped at 8"),
            "{message}"
        );
    }
}
