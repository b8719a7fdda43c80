//! Deep recursion: calls grow the stack as they need it, so a deep but finite recursion runs on a
//! small test thread's stack and a runaway one stops with a diagnostic. (Mutated scripts are
//! checked and run by the fuzz target, `tests/fuzz.rs`.)

mod common;

#[test]
fn deep_recursion_fits_on_a_small_thread_stack() {
    // Test threads have 2 MiB of stack; calls grow it as they need.
    let deep = "fn depth(n) = if n == 0 { 0 } else { 1 + depth(n - 1) }\nprint(depth(1900))";
    assert_eq!(common::run(deep).expect("1900 nested calls run"), "1900\n");
    let runaway = "fn forever(n) = forever(n + 1)\nforever(0)";
    assert_eq!(common::run(runaway).expect_err("runaway recursion stops").code.as_str(), "tscript::runtime::recursion");
}
