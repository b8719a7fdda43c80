//! The report that `tscript info` and the REPL's `:info` print: the BLAS and LAPACK library, its
//! kernel and why it runs, the threads, and the CPU.

use super::kernel;
use super::{
    config, core_name, cores, dgesv_, ilaver_, openblas_get_config, openblas_get_num_procs, openblas_get_parallel,
    owned_c_str, threads, ThreadSource,
};

/// The CPU features `tscript info` looks for on x86_64, in the order it prints them.
#[cfg(target_arch = "x86_64")]
const X86_FEATURES: [&str; 8] = ["sse2", "sse4.2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512bf16"];

/// What `tscript info` prints (TensorScript's `numpy.show_config()`): the BLAS and LAPACK library and
/// where it was loaded from, its build configuration and CPU kernel, the thread count in use and its
/// `source`, and the CPU's features. Everything is read from the loaded library and the machine now;
/// `threads_in_use` and `source` are the count the caller applied (see [`super::ThreadPolicy`]).
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
    /// The `kernel:` line: the kernel running and why ([`kernel::describe`]).
    kernel: String,
    /// The `override:` line ([`kernel::override_help`]), if TensorScript chose the kernel.
    kernel_override: Option<String>,
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
            kernel: kernel::state().map_or_else(not_chosen, kernel::describe),
            kernel_override: kernel::state().map(kernel::override_help),
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
        }
    }
}

/// The `kernel:` line when [`kernel::startup`] did not run in this process (a program that embeds
/// TensorScript without it): the kernel as OpenBLAS loaded it.
fn not_chosen() -> String {
    format!("{} (as OpenBLAS chose it; tscript's kernel choice did not run in this process)", core_name())
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
        std::arch::is_x86_feature_detected!("avx512bw"),
        std::arch::is_x86_feature_detected!("avx512bf16"),
    ];
    X86_FEATURES.into_iter().zip(detected).collect()
}

/// Off x86_64 only the architecture is reported.
#[cfg(not(target_arch = "x86_64"))]
fn cpu_features() -> Vec<(&'static str, bool)> {
    Vec::new()
}

/// The path of the shared object that contains `addr` (`dladdr`), or `None` if the loader cannot say.
#[cfg(unix)]
fn library_path(addr: *const ()) -> Option<String> {
    let mut info = libc::Dl_info {
        dli_fname: std::ptr::null(),
        dli_fbase: std::ptr::null_mut(),
        dli_sname: std::ptr::null(),
        dli_saddr: std::ptr::null_mut(),
    };
    // SAFETY: dladdr only reads the address and fills `info`.
    let found = unsafe { libc::dladdr(addr.cast(), &mut info) };
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
    line("kernel", facts.kernel.clone());

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
    if let Some(help) = &facts.kernel_override {
        line("override", help.clone());
    }
    let mut report = lines.join("\n");
    report.push('\n');
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_facts() -> InfoFacts {
        InfoFacts {
            version: "0.1.0".to_string(),
            config: "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64".to_string(),
            kernel:
                "SkylakeX (chosen by tscript: OpenBLAS alone chose Prescott, which uses SSE3, and this CPU has AVX-512)"
                    .to_string(),
            kernel_override: Some("--blas-kernel NAME|auto|library or TSCRIPT_BLAS_KERNEL=...".to_string()),
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
                ("avx512f", true),
                ("avx512bw", true),
                ("avx512bf16", false),
            ],
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
kernel:   SkylakeX (chosen by tscript: OpenBLAS alone chose Prescott, which uses SSE3, and this CPU has AVX-512)
threads:  2 (of 2 cores; from TSCRIPT_THREADS)
CPU:      x86_64, features: sse2 sse4.2 avx avx2 fma avx512f avx512bw (not: avx512bf16)
override: --blas-kernel NAME|auto|library or TSCRIPT_BLAS_KERNEL=...
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
        facts.kernel_override = None;
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
        assert!(!report.contains("override:"), "{report}");
    }

    #[test]
    fn info_report_reads_the_real_library() {
        let report = info_report(1, ThreadSource::Cores);
        assert!(report.starts_with("tscript "), "{report}");
        assert!(report.contains("BLAS:     OpenBLAS "), "{report}");
        assert!(report.contains(&format!("kernel:   {} (", core_name())), "{report}");
        assert!(report.contains("LAPACK:   "), "{report}");
        println!("{report}");
    }
}
