//! The Jupyter kernel tested by Jupyter's own tools: runs `tests/jupyter/test_kernel.py`
//! (jupyter_kernel_test's conformance suite, interrupts, bad messages, shutdown, and nbclient on
//! `examples/lesson.ipynb`) with a Python that has them, and fails when it fails.
//!
//! The Python is `TSCRIPT_JUPYTER_PYTHON` if set; else a virtual environment at
//! `/tmp/tscript-jupyter-venv`, created with `python3 -m venv` and filled with pip the first
//! time (and reused after). Without `python3` the test says it is skipped and passes.

mod common;

use common::TempDir;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What the script needs from PyPI.
const PACKAGES: &[&str] = &["jupyter_client", "jupyter_kernel_test", "nbclient", "nbformat"];

/// The longest the whole script may take before it is stopped and the test fails.
const SCRIPT_LIMIT: Duration = Duration::from_secs(900);

/// Whether `python` can import every package the script needs.
fn has_packages(python: &Path) -> bool {
    let imports = PACKAGES.join(", ");
    Command::new(python)
        .args(["-c", &format!("import {imports}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The Python to run the script with, `Ok(None)` when there is no `python3` at all.
fn python() -> Result<Option<PathBuf>, String> {
    if let Some(python) = std::env::var_os("TSCRIPT_JUPYTER_PYTHON").filter(|p| !p.is_empty()) {
        return Ok(Some(PathBuf::from(python)));
    }
    if Command::new("python3").arg("--version").stdout(Stdio::null()).status().is_err() {
        return Ok(None);
    }
    let venv = std::env::temp_dir().join("tscript-jupyter-venv");
    let python = venv.join("bin").join("python");
    if python.exists() && has_packages(&python) {
        return Ok(Some(python));
    }
    let run = |command: &mut Command, what: &str| -> Result<(), String> {
        match command.status() {
            Ok(status) if status.success() => Ok(()),
            Ok(status) => Err(format!("{what} failed ({status})")),
            Err(e) => Err(format!("{what} could not start: {e}")),
        }
    };
    if !python.exists() {
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv), "python3 -m venv")?;
    }
    run(Command::new(&python).args(["-m", "pip", "install", "--quiet"]).args(PACKAGES), "pip install")?;
    Ok(Some(python))
}

/// Runs `tscript jupyter ARGS...`; returns the exit code, standard output and standard error.
fn jupyter(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tscript")).arg("jupyter").args(args).output().expect("run tscript");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn install_writes_the_kernelspec_and_uninstall_removes_it() {
    let prefix = TempDir::new("jupyter", "spec");
    let dir = prefix.0.join("share/jupyter/kernels/tscript");
    let prefix_arg = prefix.0.to_str().expect("a UTF-8 temp path");
    let (code, out, _) = jupyter(&["install", "--prefix", prefix_arg]);
    assert_eq!(code, Some(0));
    assert!(out.contains(&dir.display().to_string()), "{out}");
    let spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("kernel.json")).unwrap()).unwrap();
    let exe = std::fs::canonicalize(env!("CARGO_BIN_EXE_tscript")).unwrap();
    assert_eq!(spec["argv"], serde_json::json!([exe.to_str().unwrap(), "jupyter", "kernel", "{connection_file}"]));
    assert_eq!(spec["display_name"], "TensorScript");
    for logo in ["logo-32x32.png", "logo-64x64.png"] {
        assert!(std::fs::read(dir.join(logo)).unwrap().starts_with(b"\x89PNG"), "{logo}");
    }
    let (code, _, _) = jupyter(&["uninstall", "--prefix", prefix_arg]);
    assert_eq!(code, Some(0));
    assert!(!dir.exists());
    let (code, _, err) = jupyter(&["uninstall", "--prefix", prefix_arg]);
    assert_eq!(code, Some(1));
    assert!(err.contains("no TensorScript kernel is installed"), "{err}");
}

#[test]
fn bad_command_lines_and_connection_files_are_errors() {
    let (code, _, err) = jupyter(&["instal"]);
    assert_eq!(code, Some(2), "{err}");
    let (code, _, err) = jupyter(&["install", "--user", "--prefix", "/tmp/x"]);
    assert_eq!(code, Some(2), "one place only: {err}");
    let (code, _, err) = jupyter(&["kernel", "/nonexistent/connection.json"]);
    assert_eq!(code, Some(1));
    assert!(err.starts_with("error: cannot read /nonexistent/connection.json"), "{err}");
    let dir = TempDir::new("jupyter", "connection");
    let file = dir.0.join("c.json");
    std::fs::write(&file, r#"{"shell_port": 1, "transport": "ipc"}"#).unwrap();
    let (code, _, err) = jupyter(&["kernel", file.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(err.contains("`iopub_port`") && err.contains("not a port number"), "{err}");
}

#[test]
fn jupyter_tools_accept_the_kernel() {
    let python = match python() {
        Ok(Some(python)) => python,
        Ok(None) => {
            println!("skipped: python3 is not installed, so Jupyter's tools cannot test the kernel");
            return;
        }
        Err(e) => panic!("cannot set up Python for the Jupyter tests: {e} (set TSCRIPT_JUPYTER_PYTHON to a Python with {PACKAGES:?})"),
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("jupyter").join("test_kernel.py");
    // The script's report goes to a file, shown (through the test's captured output) on failure.
    let report_path = std::env::temp_dir().join(format!("tscript-jupyter-report-{}.txt", std::process::id()));
    let report = std::fs::File::create(&report_path).expect("create the report file");
    let mut child = Command::new(&python)
        .arg(&script)
        .env("TSCRIPT_BIN", env!("CARGO_BIN_EXE_tscript"))
        .stdin(Stdio::null())
        .stdout(report.try_clone().expect("share the report file"))
        .stderr(report)
        .spawn()
        .expect("start the Python test script");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the script") {
            break status;
        }
        if started.elapsed() > SCRIPT_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            println!("{}", std::fs::read_to_string(&report_path).unwrap_or_default());
            panic!("the Jupyter test script ran longer than {SCRIPT_LIMIT:?} and was stopped");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let text = std::fs::read_to_string(&report_path).unwrap_or_default();
    let _ = std::fs::remove_file(&report_path);
    println!("{text}");
    assert!(status.success(), "the Jupyter test script failed ({status}); its report is above");
    assert!(text.contains("\nOK"), "the script did not report its tests as passed");
}
