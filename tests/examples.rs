//! The example scripts:
//! - every `examples/NAME.tsc` is listed in `examples/README.md`, with the picture it draws;
//! - every script with a companion `examples/NAME.out` prints exactly that (and, with an
//!   `examples/NAME.err`, shows exactly those warnings on standard error); a script that draws a
//!   picture is given a file in a temporary directory as its first argument, must write an SVG
//!   there (the committed picture `examples/PICTURE` is left alone) and must have its picture
//!   committed;
//! - `examples/regression.tsc` (the benchmark of spec §1, whose first line is a time) must print
//!   a time and then a mean squared error in [0.10, 0.125].

mod common;

use common::{root, tscript, TempDir};
use std::collections::BTreeMap;
use std::process::Output;

/// Runs `tscript examples/NAME.tsc ARGS...` from the crate root (a relative path, so that
/// diagnostics name the script as a user running it sees it).
fn run(name: &str, args: &[&str]) -> Output {
    let script = format!("examples/{name}");
    let mut all = vec![script.as_str()];
    all.extend_from_slice(args);
    tscript(&all)
}

/// The scripts `examples/README.md` lists, each with the picture it draws (the file name in the
/// table's last column, inside `examples/`), if any.
fn listed() -> BTreeMap<String, Option<String>> {
    let text = std::fs::read_to_string(root().join("examples/README.md")).expect("examples/README.md");
    let mut scripts = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').map(str::trim).collect();
        let Some(script) = cells.first().and_then(|c| c.strip_prefix('`')).and_then(|c| c.strip_suffix(".tsc`")) else {
            continue;
        };
        let picture = cells.last().and_then(|c| c.strip_prefix('`')).and_then(|c| c.strip_suffix('`'));
        scripts.insert(format!("{script}.tsc"), picture.map(str::to_string));
    }
    scripts
}

fn scripts() -> Vec<String> {
    common::files("examples", "tsc")
        .iter()
        .map(|p| p.file_name().expect("a file name").to_string_lossy().into_owned())
        .collect()
}

#[test]
fn the_readme_lists_every_example_and_nothing_else() {
    let listed = listed();
    let scripts = scripts();
    for script in &scripts {
        assert!(listed.contains_key(script), "examples/README.md does not list {script}");
    }
    for script in listed.keys() {
        assert!(scripts.contains(script), "examples/README.md lists {script}, which does not exist");
    }
    let pictures = listed.values().flatten().count();
    assert!(pictures >= 10, "expected a picture for each tutorial chapter, found {pictures}");
}

#[test]
fn examples_with_expected_output_print_it_and_draw_their_picture() {
    let listed = listed();
    let dir = TempDir::new("examples", "pictures");
    let mut checked = 0;
    let mut failures = Vec::new();
    for name in scripts() {
        let base = root().join("examples").join(&name);
        let Ok(expected) = std::fs::read_to_string(base.with_extension("out")) else { continue };
        checked += 1;
        let picture = listed.get(&name).cloned().flatten();
        let drawn = picture.as_ref().map(|p| dir.0.join(p));
        let args: Vec<String> = drawn.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&name, &args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            failures.push(format!("{name}: exit status {:?}\n{stderr}", out.status.code()));
            continue;
        }
        if stdout != expected {
            failures.push(format!("{name}: printed\n{stdout}but {name:?}'s .out file says\n{expected}"));
        }
        let expected_err = std::fs::read_to_string(base.with_extension("err")).unwrap_or_default();
        if stderr != expected_err {
            failures.push(format!("{name}: showed on standard error\n{stderr}but its .err file says\n{expected_err}"));
        }
        if let (Some(picture), Some(drawn)) = (picture, drawn) {
            let svg = std::fs::read_to_string(&drawn).unwrap_or_default();
            if !(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>")) {
                failures.push(format!("{name}: did not draw an SVG picture to {}", drawn.display()));
            }
            if !root().join("examples").join(&picture).exists() {
                failures.push(format!("{name}: its picture examples/{picture} is not committed"));
            }
        }
    }
    assert!(checked >= 10, "expected examples with .out files, found {checked}");
    assert!(failures.is_empty(), "{} of {checked} examples failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn a_picture_goes_where_the_first_argument_says() {
    let dir = TempDir::new("examples", "elsewhere");
    let drawn = dir.0.join("slope.svg");
    let out = run("ch01_numgrad.tsc", &[&drawn.to_string_lossy()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(drawn.exists(), "no picture at {}", drawn.display());
    let out = run("ch01_numgrad.tsc", &[&dir.0.join("missing/slope.svg").to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1), "a folder that does not exist is an error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("tscript::io"));
}

/// The benchmark itself, at full size: about 20 s in a debug build, since the time goes to BLAS.
#[test]
fn the_regression_benchmark_reaches_the_expected_error() {
    let out = run("regression.tsc", &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "a time and an error: {stdout}");
    let time: f64 = lines[0].parse().unwrap_or_else(|_| panic!("the first line is a time: {stdout}"));
    assert!(time > 0.0, "{stdout}");
    let mse: f64 = lines[1].parse().unwrap_or_else(|_| panic!("the second line is a float: {stdout}"));
    assert!((0.10..=0.125).contains(&mse), "mse {mse} is outside [0.10, 0.125]");
}
