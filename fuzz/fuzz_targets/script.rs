//! The libFuzzer entry point (`cargo +nightly fuzz run script`, see docs/fuzzing.md): the same
//! target as the stable run in `tests/fuzz.rs`, driven by coverage-guided mutation.

#![no_main]

#[allow(dead_code)] // What only the stable run uses (verdicts, the input limit).
#[path = "../harness.rs"]
mod harness;

/// Counts what is held on the heap, so that a run can be interrupted or refused over its budget.
#[global_allocator]
static ALLOCATOR: harness::BudgetAlloc = harness::BudgetAlloc;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    if let Err(broken) = harness::one_input(bytes) {
        panic!("{broken}\n=== input ===\n{}\n=== end of input ===", String::from_utf8_lossy(bytes));
    }
});
