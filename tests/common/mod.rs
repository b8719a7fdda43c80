//! Helpers shared by the integration tests: running the real binary from the crate root, and
//! running a script in a fresh in-process session.

#![allow(dead_code)] // Each test file uses the helpers it needs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tscript::diag::Diag;

/// The crate root, where the binary runs so that paths in diagnostics are relative to it.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `tscript ARGS...` from the crate root, without colour and without `TSCRIPT_THREADS`.
pub fn tscript(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tscript"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("TSCRIPT_THREADS")
        .output()
        .expect("the tscript binary runs")
}

/// The files in `dir` (relative to the crate root) whose name ends in `.ext`, sorted.
pub fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let dir = root().join(dir);
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    found.sort();
    found
}

/// A fresh, empty scratch directory for one test (`kind` and `name` keep tests apart).
pub fn scratch(kind: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tscript-{kind}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A [`scratch`] directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A fresh, empty one (`kind` and `name` keep tests apart).
    pub fn new(kind: &str, name: &str) -> TempDir {
        TempDir(scratch(kind, name))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `src` in a fresh session: what it printed, or its first diagnostic.
pub fn run(src: &str) -> Result<String, Diag> {
    let out = tscript::Output::default();
    let mut session = tscript::Session::new(Box::new(out.clone()), vec![], tscript::blas::ThreadPolicy::new(None));
    match session.run("t.tsc", src) {
        Ok(_) => Ok(out.text()),
        Err(diags) => Err(diags.into_iter().next().expect("a failed run has a diagnostic")),
    }
}

/// Runs every `DIR/NAME.tsc` (at least `min_scripts` of them) through the binary and compares
/// its standard output with `DIR/NAME.out`; returns one report per script that failed to run or
/// printed something else (`compare` describes a difference, if any).
pub fn script_failures(dir: &str, min_scripts: usize, compare: impl Fn(&str, &str) -> Option<String>) -> Vec<String> {
    let files = files(dir, "tsc");
    assert!(files.len() >= min_scripts, "expected the scripts in {dir}, found {}", files.len());
    let mut failures = Vec::new();
    for script in &files {
        let expected = std::fs::read_to_string(script.with_extension("out"))
            .unwrap_or_else(|e| panic!("{} has no companion .out file: {e}", script.display()));
        let out = tscript(&[&script.to_string_lossy()]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let name = script.file_name().unwrap_or_default().to_string_lossy().into_owned();
        if !out.status.success() {
            failures.push(format!(
                "{name}: exit status {:?}\n{}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
        } else if let Some(difference) = compare(&expected, &stdout) {
            failures.push(format!("{name}: {difference}"));
        }
    }
    failures
}
