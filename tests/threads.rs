//! OpenBLAS's process-wide thread count, set and read back. These tests are a test binary of
//! their own: any in-process session sets the count when it starts, so in the library's unit
//! tests, which run sessions in parallel, a count set here could be changed before it is read.

use std::sync::Mutex;
use tscript::blas::{cores, set_threads, thread_limit, threads, ThreadPolicy, ThreadSource};

/// Serialises the tests here, which all change the one thread count.
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
fn huge_counts_are_capped_and_read_back() {
    let _guard = BLAS_THREADS.lock().unwrap_or_else(|e| e.into_inner());
    let before = threads();
    assert_eq!(set_threads(100_000), thread_limit());
    assert_eq!(threads(), thread_limit());
    let policy = ThreadPolicy::with_env(None, Some("5000".to_string()));
    assert_eq!(policy.initial(), thread_limit());
    assert_eq!(policy.apply_directive(100_000), thread_limit());
    assert_eq!(policy.apply_directive(1), 1);
    set_threads(before);
}
