//! No input panics: every script of the test suite and the examples, mutated at random (bytes
//! deleted, duplicated, swapped, or replaced by punctuation, keywords and numbers), must come
//! back from parsing, lowering and checking as a value or as diagnostics, never as a panic.

mod common;

use rand::{Rng, SeedableRng};
use std::path::Path;

/// Pieces a mutation may insert: punctuation, operators, keywords, extreme numbers.
const PIECES: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ";",
    "\n",
    ":",
    "=",
    "==",
    "@",
    "^",
    "-",
    "..",
    "..=",
    "|",
    "|x|",
    ".T",
    ".shape",
    "let ",
    "fn ",
    "if ",
    "else ",
    "while ",
    "for ",
    "return ",
    "threads ",
    "dtype f32\n",
    "0",
    "-1",
    "9223372036854775807",
    "1e308",
    "0.0",
    "\"",
    "#",
    "grad(",
    "x",
    "A",
    "?",
    "f64[",
    "]",
    "sum(",
    "axis=",
];

fn scripts() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["examples", "tests/lang", "tests/errors", "tests/check/fail", "tests/check/pass"] {
        for path in common::files(dir, "tsc") {
            out.push(std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
    assert!(out.len() > 50, "found only {} scripts under {}", out.len(), Path::new(".").display());
    out
}

fn mutate(text: &str, rng: &mut impl Rng) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..rng.random_range(1..6) {
        if chars.is_empty() {
            break;
        }
        let at = rng.random_range(0..chars.len());
        match rng.random_range(0..4) {
            0 => {
                let end = (at + rng.random_range(1..8)).min(chars.len());
                chars.drain(at..end);
            }
            1 => {
                let piece = PIECES[rng.random_range(0..PIECES.len())];
                chars.splice(at..at, piece.chars());
            }
            2 => {
                let other = rng.random_range(0..chars.len());
                chars.swap(at, other);
            }
            _ => {
                let end = (at + rng.random_range(1..20)).min(chars.len());
                let copy: Vec<char> = chars[at..end].to_vec();
                chars.splice(at..at, copy);
            }
        }
    }
    chars.into_iter().collect()
}

#[test]
fn mutated_scripts_are_checked_without_panicking() {
    let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
    let scripts = scripts();
    for round in 0..rounds() {
        let text = mutate(&scripts[round % scripts.len()], &mut rng);
        let mut session =
            tscript::Session::new(Box::new(std::io::sink()), Vec::new(), tscript::blas::ThreadPolicy::new(Some(1)));
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| session.check("fuzz.tsc", &text).is_ok()));
        assert!(outcome.is_ok(), "checking panicked on:\n{text}");
    }
}

/// How many mutations to try (`TSCRIPT_FUZZ_ROUNDS` runs more, for a longer hunt).
fn rounds() -> usize {
    std::env::var("TSCRIPT_FUZZ_ROUNDS").ok().and_then(|n| n.parse().ok()).unwrap_or(2000)
}

#[test]
fn mutated_small_scripts_run_without_panicking() {
    use std::sync::atomic::Ordering;
    use tscript::eval::interp::INTERRUPTED;
    let mut rng = rand_pcg::Pcg64::seed_from_u64(11);
    // Scripts that run quickly: the language tests (the examples build large data). Scripts
    // that write plot files are left out: mutated, they would write into the source tree.
    let scripts: Vec<String> = scripts().into_iter().filter(|s| !s.contains("2000") && !s.contains("file=")).collect();
    for round in 0..rounds() / 4 {
        let text = mutate(&scripts[round % scripts.len()], &mut rng);
        let mut session =
            tscript::Session::new(Box::new(std::io::sink()), Vec::new(), tscript::blas::ThreadPolicy::new(Some(1)));
        // A mutated loop may never end: a watchdog interrupts it as Ctrl-C would.
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watchdog = {
            let done = done.clone();
            std::thread::spawn(move || {
                for _ in 0..50 {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    if done.load(Ordering::SeqCst) {
                        return;
                    }
                }
                INTERRUPTED.store(true, Ordering::SeqCst);
            })
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| session.run("fuzz.tsc", &text).is_ok()));
        done.store(true, Ordering::SeqCst);
        let _ = watchdog.join();
        INTERRUPTED.store(false, Ordering::SeqCst);
        assert!(outcome.is_ok(), "running panicked on:\n{text}");
    }
}

#[test]
fn deep_recursion_fits_on_a_small_thread_stack() {
    // Test threads have 2 MiB of stack; calls grow it as they need.
    let deep = "fn depth(n) = if n == 0 { 0 } else { 1 + depth(n - 1) }\nprint(depth(1900))";
    assert_eq!(common::run(deep).expect("1900 nested calls run"), "1900\n");
    let runaway = "fn forever(n) = forever(n + 1)\nforever(0)";
    assert_eq!(common::run(runaway).expect_err("runaway recursion stops").code.as_str(), "tscript::runtime::recursion");
}
