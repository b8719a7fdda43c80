//! Imports (spec §13) through the real binary: definitions shared between files, each file run
//! once, paths relative to the importing file, and every failure (a missing file, a parse or
//! type error inside an imported file, a cycle) as a diagnostic in the file at fault.

mod common;

use common::tscript;

/// Runs `tests/imports/NAME` from the crate root: (status, stdout, stderr).
fn run(name: &str) -> (i32, String, String) {
    let out = tscript(&[&format!("tests/imports/{name}")]);
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

#[test]
fn imported_definitions_are_shared_and_each_file_runs_once() {
    let (status, out, err) = run("main.tsc");
    assert_eq!((status, err.as_str()), (0, ""));
    // Three imports of helpers.tsc (one through more.tsc) run it once; its functions keep
    // seeing its own `scale` when the importer declares another.
    assert_eq!(out, "helpers ran\n6.0 4.0 2.0 2.0 2.0\n[4.0] 10.0\n2.0 2.0\n");
}

#[test]
fn a_missing_file_is_named_with_the_chain_of_imports() {
    let (status, out, err) = run("missing.tsc");
    assert_eq!((status, out.as_str()), (1, ""), "nothing runs: {err}");
    assert!(err.contains("tscript::io"), "{err}");
    assert!(err.contains("cannot import `lib/nowhere.tsc`: there is no file `tests/imports/lib/"), "{err}");
    assert!(err.contains("[tests/imports/missing.tsc:2:8]"), "{err}");
    assert!(err.contains("help: the path is relative to the importing file's folder"), "{err}");

    let out = tscript(&["-e", "import \"tests/imports/lib/more.tsc\"\nimport \"no/such.tsc\"\nprint(1)"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("there is no file `no/such.tsc`") && err.contains("[-e:2:8]"), "{err}");
}

#[test]
fn errors_inside_an_imported_file_point_into_it() {
    let out = tscript(&["-e", "import \"tests/imports/lib/broken.tsc\""]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("tscript::parse") && err.contains("[tests/imports/lib/broken.tsc:2:"), "{err}");

    let out = tscript(&["-e", "import \"tests/imports/lib/typo.tsc\" as t\nprint(t.half(1.0))"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tscript::type::shape") && err.contains("[tests/imports/lib/typo.tsc:2:13]"), "{err}");
    assert!(out.stdout.is_empty(), "the whole program is checked before anything runs");

    let out = tscript(&["-e", "import \"tests/imports/lib/helpers.tsc\" as h\nprint(h.dubble(1.0))"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`h` has no `dubble`") && err.contains("help: did you mean 'h.double'?"), "{err}");
}

#[test]
fn a_cycle_shows_its_files_and_imports_stay_at_the_top_level() {
    let (status, _, err) = run("cycle_a.tsc");
    assert_eq!(status, 1);
    assert!(err.contains("tscript::import::cycle"), "{err}");
    assert!(err.contains("an import cycle: cycle_a.tsc → cycle_b.tsc → cycle_a.tsc"), "{err}");
    assert!(err.contains("[tests/imports/cycle_b.tsc:2:8]") && err.contains("this import closes the cycle"), "{err}");

    let out = tscript(&["-e", "if true { import \"tests/imports/lib/helpers.tsc\" }"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`import` inside a block"), "{err}");
    let out = tscript(&["-e", "import \"tests/imports\""]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("it is not a regular file"), "{err}");
    // `import` and `as` stay usable as names.
    let out = tscript(&["-e", "let import = 3\nlet as = 4\nprint(import + as)"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "7\n");
}
