//! Ctrl-C as the running code sees it: one flag, set by the process's SIGINT handler (`main.rs`,
//! or the Jupyter kernel's interrupt request) and taken back by whatever stops on it: the
//! evaluator at every statement boundary and after every operation, a long file write every MiB.

use std::sync::atomic::AtomicBool;

/// Set by Ctrl-C; cleared by the code that stops on it (or when a REPL entry or cell starts).
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);
