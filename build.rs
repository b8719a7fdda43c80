//! Checks that the system OpenBLAS is installed before anything is compiled, so that a machine
//! without it gets one line saying what to install instead of a long linker error at the end.
//! It is found as `openblas-src` finds it: by pkg-config, else as a `libopenblas` file in the
//! linker's usual directories.

use std::path::Path;
use std::process::Command;

/// The directories searched when pkg-config does not know OpenBLAS (Debian's multiarch, the other
/// usual Linux places, and Homebrew's).
const LIBRARY_DIRS: [&str; 8] = [
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
    "/usr/local/lib",
    "/usr/local/lib64",
    "/opt/homebrew/opt/openblas/lib",
    "/usr/local/opt/openblas/lib",
];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo::rerun-if-env-changed=LIBRARY_PATH");
    if !openblas_found() {
        println!(
            "cargo::error=the system OpenBLAS was not found: install it (Debian/Ubuntu: \
             `sudo apt-get install libopenblas-dev pkg-config`, or `sh .ci/install-deps`; \
             Fedora: `sudo dnf install openblas-devel`; macOS: `brew install openblas`)"
        );
    }
}

/// Whether pkg-config knows OpenBLAS, or a `libopenblas` library file is in a usual directory.
fn openblas_found() -> bool {
    let by_pkg_config =
        Command::new("pkg-config").args(["--exists", "openblas"]).status().is_ok_and(|status| status.success());
    let extra = std::env::var("LIBRARY_PATH").unwrap_or_default();
    by_pkg_config || extra.split(':').filter(|d| !d.is_empty()).chain(LIBRARY_DIRS).any(has_openblas)
}

/// Whether `dir` holds `libopenblas.so`, `.a` or `.dylib` (or a versioned `.so.N`).
fn has_openblas(dir: &str) -> bool {
    let Ok(entries) = std::fs::read_dir(Path::new(dir)) else { return false };
    entries.filter_map(Result::ok).any(|entry| {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        name.starts_with("libopenblas.") || name.starts_with("libopenblas64.")
    })
}
