//! The BLAS library underneath TensorScript: OpenBLAS's thread count, the thread-count policy of the
//! `threads` directive (LANGUAGE.md §4), and the report that `tscript info` prints (§10, §12).
//!
//! TensorScript links the system's OpenBLAS (through `blas-src` / `openblas-src` with the `system`
//! feature). This module talks to OpenBLAS's own extension functions (`openblas_set_num_threads`,
//! `openblas_get_config`, ...) through a small `extern "C"` block; every fact that `tscript info`
//! prints is read from the loaded library at run time, never typed in.
//!
//! Thread count precedence, strongest first: `--threads N` on the command line, then a `threads`
//! directive in the script, then the environment variable `TSCRIPT_THREADS`, then the number of cores.
//! [`ThreadPolicy`] implements it; [`set_threads`] and [`threads`] are the raw OpenBLAS calls.
//!
//! The OpenBLAS thread count is global to the process: change it from the interpreter's thread,
//! between BLAS calls, not while another thread is inside one.

use std::cell::Cell;
use std::ffi::{c_char, c_int, CStr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// The environment variable that sets the default thread count (below a directive and `--threads`).
const THREADS_ENV: &str = "TSCRIPT_THREADS";

/// The OpenBLAS environment variable that forces a CPU kernel in a DYNAMIC_ARCH build.
const CORETYPE_ENV: &str = "OPENBLAS_CORETYPE";

/// The CPU features `tscript info` looks for on x86_64, in the order it prints them.
#[cfg(target_arch = "x86_64")]
const X86_FEATURES: [&str; 6] = ["sse2", "sse4.2", "avx", "avx2", "fma", "avx512f"];

extern "C" {
    fn openblas_set_num_threads(num_threads: c_int);
    fn openblas_get_num_threads() -> c_int;
    fn openblas_get_num_procs() -> c_int;
    fn openblas_get_config() -> *const c_char;
    fn openblas_get_corename() -> *const c_char;
    fn openblas_get_parallel() -> c_int;
    /// LAPACK's version query; only its presence and its answer are used here.
    fn ilaver_(major: *mut c_int, minor: *mut c_int, patch: *mut c_int);
    /// LAPACK's general solver; only its address is used, to find the library that provides LAPACK.
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

/// Sets the number of threads OpenBLAS uses for the following BLAS and LAPACK calls.
///
/// `0` is treated as `1`. OpenBLAS itself caps the count at the `MAX_THREADS` it was built with
/// (see [`config`]); [`threads`] tells the count in force.
pub fn set_threads(n: usize) {
    let n = c_int::try_from(n.max(1)).unwrap_or(c_int::MAX);
    // SAFETY: a plain call into OpenBLAS with a positive int; it has no pointer arguments.
    unsafe { openblas_set_num_threads(n) }
    crate::parallel::set_threads(n as usize);
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

    /// Warns about oversubscription if need be, sets OpenBLAS's count and records the source.
    fn apply(&self, count: usize, source: ThreadSource) -> usize {
        if let Some(message) = oversubscription_warning(count, cores()) {
            warn_once(&OVERSUBSCRIBED_WARNED, &message);
        }
        set_threads(count);
        self.source.set(source);
        count
    }
}

/// Set once the bad-`TSCRIPT_THREADS` warning has been printed.
static ENV_WARNED: AtomicBool = AtomicBool::new(false);

/// Set once the oversubscription warning has been printed.
static OVERSUBSCRIBED_WARNED: AtomicBool = AtomicBool::new(false);

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

/// What `tscript info` prints (TensorScript's `numpy.show_config()`): the BLAS and LAPACK library and
/// where it was loaded from, its build configuration and CPU kernel, the thread count in use and its
/// `source`, and the CPU's features. Everything is read from the loaded library and the machine now;
/// `threads_in_use` and `source` are the count the caller applied (see [`ThreadPolicy`]).
pub fn info_report(threads_in_use: usize, source: ThreadSource) -> String {
    format_info(&InfoFacts::read(threads_in_use, source))
}

/// Everything `tscript info` reports, gathered before formatting so that formatting is testable.
#[derive(Debug, Clone)]
struct InfoFacts {
    /// TensorScript's version.
    version: String,
    /// `openblas_get_config()`.
    config: String,
    /// `openblas_get_corename()`.
    core_name: String,
    /// `openblas_get_parallel()`: 0 sequential, 1 pthreads, 2 OpenMP.
    parallel: i32,
    /// The file OpenBLAS was loaded from (`dladdr` on `openblas_get_config`), if known.
    blas_path: Option<String>,
    /// `blas_path` with symbolic links resolved, if that differs from it.
    blas_real_path: Option<String>,
    /// The file that provides `dgesv_`, if known.
    lapack_path: Option<String>,
    /// LAPACK's version from `ilaver_`.
    lapack_version: (i32, i32, i32),
    /// The thread count the caller applied, and where it came from.
    threads_in_use: usize,
    source: ThreadSource,
    /// `openblas_get_num_threads()`.
    blas_threads: usize,
    /// [`cores`].
    cores: usize,
    /// `openblas_get_num_procs()`.
    blas_procs: usize,
    /// `std::env::consts::ARCH`.
    arch: String,
    /// Each feature of a fixed list with whether the CPU has it (empty off x86_64).
    features: Vec<(&'static str, bool)>,
    /// The value of `OPENBLAS_CORETYPE`, if set.
    coretype_env: Option<String>,
}

impl InfoFacts {
    /// Reads the facts from OpenBLAS, the dynamic loader, the CPU and the environment.
    fn read(threads_in_use: usize, source: ThreadSource) -> Self {
        let blas_path = library_path(openblas_get_config as *const ());
        let blas_real_path = blas_path
            .as_ref()
            .and_then(|p| std::fs::canonicalize(p).ok())
            .map(|p| p.to_string_lossy().into_owned())
            .filter(|real| Some(real) != blas_path.as_ref());
        let (mut major, mut minor, mut patch) = (0, 0, 0);
        // SAFETY: ilaver_ writes three ints through the pointers it is given.
        unsafe { ilaver_(&mut major, &mut minor, &mut patch) };
        // SAFETY: plain queries without arguments.
        let (parallel, procs) = unsafe { (openblas_get_parallel(), openblas_get_num_procs()) };
        InfoFacts {
            version: env!("CARGO_PKG_VERSION").to_string(),
            config: config(),
            core_name: core_name(),
            parallel,
            blas_path,
            blas_real_path,
            lapack_path: library_path(dgesv_ as *const ()),
            lapack_version: (major, minor, patch),
            threads_in_use,
            source,
            blas_threads: threads(),
            cores: cores(),
            blas_procs: usize::try_from(procs).unwrap_or(0),
            arch: std::env::consts::ARCH.to_string(),
            features: cpu_features(),
            coretype_env: std::env::var_os(CORETYPE_ENV).map(|v| v.to_string_lossy().into_owned()),
        }
    }
}

/// Each feature of [`X86_FEATURES`] with whether this CPU has it.
#[cfg(target_arch = "x86_64")]
fn cpu_features() -> Vec<(&'static str, bool)> {
    let detected = [
        std::arch::is_x86_feature_detected!("sse2"),
        std::arch::is_x86_feature_detected!("sse4.2"),
        std::arch::is_x86_feature_detected!("avx"),
        std::arch::is_x86_feature_detected!("avx2"),
        std::arch::is_x86_feature_detected!("fma"),
        std::arch::is_x86_feature_detected!("avx512f"),
    ];
    X86_FEATURES.into_iter().zip(detected).collect()
}

/// Off x86_64 only the architecture is reported.
#[cfg(not(target_arch = "x86_64"))]
fn cpu_features() -> Vec<(&'static str, bool)> {
    Vec::new()
}

/// The layout of glibc's and macOS's `Dl_info`, filled by `dladdr`.
#[cfg(unix)]
#[repr(C)]
struct DlInfo {
    dli_fname: *const c_char,
    dli_fbase: *mut std::ffi::c_void,
    dli_sname: *const c_char,
    dli_saddr: *mut std::ffi::c_void,
}

#[cfg(unix)]
extern "C" {
    fn dladdr(addr: *const std::ffi::c_void, info: *mut DlInfo) -> c_int;
}

/// The path of the shared object that contains `addr` (`dladdr`), or `None` if the loader cannot say.
#[cfg(unix)]
fn library_path(addr: *const ()) -> Option<String> {
    let mut info = DlInfo {
        dli_fname: std::ptr::null(),
        dli_fbase: std::ptr::null_mut(),
        dli_sname: std::ptr::null(),
        dli_saddr: std::ptr::null_mut(),
    };
    // SAFETY: dladdr only reads the address and fills `info`, whose layout matches Dl_info.
    let found = unsafe { dladdr(addr.cast(), &mut info) };
    if found == 0 || info.dli_fname.is_null() {
        return None;
    }
    // SAFETY: dli_fname points to the loader's NUL-terminated copy of the object's path.
    let path = unsafe { owned_c_str(info.dli_fname) };
    (!path.is_empty()).then_some(path)
}

/// Without `dladdr` the library's path is not reported.
#[cfg(not(unix))]
fn library_path(_addr: *const ()) -> Option<String> {
    None
}

/// The last component of a path.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Lays out the `tscript info` report, one `label:    value` line per fact.
fn format_info(facts: &InfoFacts) -> String {
    let mut lines = vec![format!("tscript {}", facts.version)];
    let mut line = |label: &str, value: String| lines.push(format!("{:<10}{value}", format!("{label}:")));

    let mut words = facts.config.split_whitespace();
    let blas_version = match (words.next(), words.next()) {
        (Some("OpenBLAS"), Some(version)) => format!("OpenBLAS {version}"),
        _ => "OpenBLAS (version not reported)".to_string(),
    };
    let build = match facts.parallel {
        0 => "sequential build".to_string(),
        1 => "pthreads build".to_string(),
        2 => "OpenMP build".to_string(),
        other => format!("parallel mode {other}"),
    };
    match &facts.blas_path {
        Some(path) => line("BLAS", format!("{blas_version} ({}, {build})", file_name(path))),
        None => line("BLAS", format!("{blas_version} ({build})")),
    }
    if let Some(path) = &facts.blas_path {
        match &facts.blas_real_path {
            Some(real) => line("library", format!("{path} -> {real}")),
            None => line("library", path.clone()),
        }
    }

    let (major, minor, patch) = facts.lapack_version;
    let lapack = match (&facts.lapack_path, &facts.blas_path) {
        (Some(lapack), Some(blas)) if lapack == blas => {
            format!("bundled in {} (same library as BLAS)", file_name(blas))
        }
        (Some(lapack), _) => format!("from {lapack} (dgesv_ resolves there)"),
        (None, _) => "library not reported by the loader".to_string(),
    };
    line("LAPACK", format!("{major}.{minor}.{patch}, {lapack}"));
    line("config", facts.config.clone());
    line("kernel", facts.core_name.clone());

    let plural = if facts.cores == 1 { "" } else { "s" };
    let mut threads = format!("{} (of {} core{plural}; from {}", facts.threads_in_use, facts.cores, facts.source);
    if facts.blas_threads != facts.threads_in_use {
        threads.push_str(&format!("; OpenBLAS runs {}", facts.blas_threads));
    }
    if facts.blas_procs != facts.cores {
        threads.push_str(&format!("; OpenBLAS counts {} processors", facts.blas_procs));
    }
    threads.push(')');
    line("threads", threads);

    let present: Vec<&str> = facts.features.iter().filter(|f| f.1).map(|f| f.0).collect();
    let absent: Vec<&str> = facts.features.iter().filter(|f| !f.1).map(|f| f.0).collect();
    let mut cpu = facts.arch.clone();
    if !facts.features.is_empty() {
        cpu.push_str(&format!(", features: {}", present.join(" ")));
        if !absent.is_empty() {
            cpu.push_str(&format!(" (not: {})", absent.join(" ")));
        }
    }
    line("CPU", cpu);

    if let Some(coretype) = &facts.coretype_env {
        line("note", format!("{CORETYPE_ENV}={coretype} in the environment forces this kernel"));
    }
    let mut report = lines.join("\n");
    report.push('\n');
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Serialises the tests that change OpenBLAS's process-wide thread count.
    static BLAS_THREADS: Mutex<()> = Mutex::new(());

    #[test]
    fn set_threads_then_threads_reads_it_back() {
        let _guard = BLAS_THREADS.lock().unwrap_or_else(|e| e.into_inner());
        let before = threads();
        set_threads(1);
        assert_eq!(threads(), 1);
        set_threads(2);
        assert_eq!(threads(), 2);
        // More threads than cores are honoured.
        set_threads(cores() + 2);
        assert_eq!(threads(), cores() + 2);
        set_threads(before);
        assert_eq!(threads(), before);
    }

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
    fn policy_applies_counts_to_openblas() {
        let _guard = BLAS_THREADS.lock().unwrap_or_else(|e| e.into_inner());
        let before = threads();
        let policy = ThreadPolicy::with_env(Some(1), Some("2".to_string()));
        assert_eq!(policy.initial(), 1);
        assert_eq!(policy.source(), ThreadSource::CommandLine);
        assert_eq!(policy.apply_directive(2), 1);
        assert_eq!(threads(), 1);

        let policy = ThreadPolicy::with_env(None, Some("1".to_string()));
        assert_eq!(policy.initial(), 1);
        assert_eq!(policy.source(), ThreadSource::Environment);
        assert_eq!(policy.apply_directive(2), 2);
        assert_eq!(policy.source(), ThreadSource::Directive);
        assert_eq!(threads(), 2);
        set_threads(before);
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

    fn fake_facts() -> InfoFacts {
        InfoFacts {
            version: "0.1.0".to_string(),
            config: "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64".to_string(),
            core_name: "Haswell".to_string(),
            parallel: 1,
            blas_path: Some("/lib/x86_64-linux-gnu/libopenblas.so.0".to_string()),
            blas_real_path: Some("/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so".to_string()),
            lapack_path: Some("/lib/x86_64-linux-gnu/libopenblas.so.0".to_string()),
            lapack_version: (3, 9, 0),
            threads_in_use: 2,
            source: ThreadSource::Environment,
            blas_threads: 2,
            cores: 2,
            blas_procs: 2,
            arch: "x86_64".to_string(),
            features: vec![
                ("sse2", true),
                ("sse4.2", true),
                ("avx", true),
                ("avx2", true),
                ("fma", true),
                ("avx512f", false),
            ],
            coretype_env: Some("Haswell".to_string()),
        }
    }

    #[test]
    fn info_formats_every_fact() {
        let expected = "\
tscript 0.1.0
BLAS:     OpenBLAS 0.3.21 (libopenblas.so.0, pthreads build)
library:  /lib/x86_64-linux-gnu/libopenblas.so.0 -> /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so
LAPACK:   3.9.0, bundled in libopenblas.so.0 (same library as BLAS)
config:   OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64
kernel:   Haswell
threads:  2 (of 2 cores; from TSCRIPT_THREADS)
CPU:      x86_64, features: sse2 sse4.2 avx avx2 fma (not: avx512f)
note:     OPENBLAS_CORETYPE=Haswell in the environment forces this kernel
";
        assert_eq!(format_info(&fake_facts()), expected);
    }

    #[test]
    fn info_reports_differences_and_missing_facts() {
        let mut facts = fake_facts();
        facts.parallel = 2;
        facts.blas_path = None;
        facts.blas_real_path = None;
        facts.lapack_path = Some("/usr/lib/liblapack.so.3".to_string());
        facts.blas_threads = 4;
        facts.blas_procs = 8;
        facts.source = ThreadSource::CommandLine;
        facts.coretype_env = None;
        facts.arch = "aarch64".to_string();
        facts.features.clear();
        let report = format_info(&facts);
        assert!(report.contains("BLAS:     OpenBLAS 0.3.21 (OpenMP build)\n"), "{report}");
        assert!(!report.contains("library:"), "{report}");
        assert!(report.contains("LAPACK:   3.9.0, from /usr/lib/liblapack.so.3"), "{report}");
        assert!(
            report.contains(
                "threads:  2 (of 2 cores; from --threads; OpenBLAS runs 4; \
                 OpenBLAS counts 8 processors)\n"
            ),
            "{report}"
        );
        assert!(report.contains("CPU:      aarch64\n"), "{report}");
        assert!(!report.contains("note:"), "{report}");
    }

    #[test]
    fn info_report_reads_the_real_library() {
        let report = info_report(1, ThreadSource::Cores);
        assert!(report.starts_with("tscript "), "{report}");
        assert!(report.contains("BLAS:     OpenBLAS "), "{report}");
        assert!(report.contains(&format!("kernel:   {}\n", core_name())), "{report}");
        assert!(report.contains("LAPACK:   "), "{report}");
        println!("{report}");
    }
}
