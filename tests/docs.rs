//! The documentation cannot drift from the program:
//! - every ```` ```tsc ```` block in `docs/*.md` and `README.md` runs through the real binary and,
//!   when an ```` ```output ```` block follows it, prints exactly that (a ```` ```tsc,error ````
//!   block must fail instead), and prints the same bytes with its functions compiled and every
//!   replay checked against the interpreter (`TSCRIPT_COMPILE=check`);
//! - a ```` ```tsc,excerpt=examples/NAME.tsc ```` block is a piece of that example, word for word
//!   (`tests/examples.rs` runs the whole script);
//! - a command block (```` ```sh ````) that runs an example, `cargo run --release --
//!   examples/NAME.tsc` or `tscript examples/NAME.tsc`, names a script that exists, and the
//!   ```` ```output ```` block after it is the script's `examples/NAME.out` (which
//!   `tests/examples.rs` checks the script prints), and a ```` ```stderr ```` block after that its
//!   `examples/NAME.err`;
//! - `docs/builtins.md` is generated from the one table of built-ins (`Builtin::all()`) and must
//!   equal what the table says now (`UPDATE_DOCS=1 cargo test --test docs` rewrites it);
//! - every built-in's example runs and prints what its comment says (the `Data` family's
//!   examples, which touch files, are only checked).

mod common;

use common::{root, tscript};
use std::path::{Path, PathBuf};
use tscript::prims::{Builtin, Host, Kind};

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    common::scratch("docs", name)
}

/// One ```` ```tsc ```` block: where it is, its code, the output block after it, whether it is
/// marked to fail, and the example script it is an excerpt of, if it is one.
struct Example {
    place: String,
    code: String,
    output: Option<String>,
    fails: bool,
    excerpt_of: Option<String>,
}

/// The fenced blocks of a markdown text, as (info string, first line number, body).
fn fences(text: &str) -> Vec<(String, usize, String)> {
    let mut out = Vec::new();
    let mut open: Option<(String, usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        match open.take() {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    open = Some((info.trim().to_string(), i + 1, String::new()));
                }
            }
            Some((info, at, mut body)) => {
                if trimmed.starts_with("```") {
                    out.push((info, at, body));
                } else {
                    body.push_str(line);
                    body.push('\n');
                    open = Some((info, at, body));
                }
            }
        }
    }
    out
}

fn examples(path: &Path) -> Vec<Example> {
    let text = std::fs::read_to_string(path).expect("readable markdown");
    let blocks = fences(&text);
    let name = path.strip_prefix(root()).unwrap_or(path).display().to_string();
    let mut out = Vec::new();
    for (k, (info, line, body)) in blocks.iter().enumerate() {
        let tags: Vec<&str> = info.split(',').map(str::trim).collect();
        if tags.first() != Some(&"tsc") {
            continue;
        }
        let output = blocks.get(k + 1).filter(|(i, _, _)| i == "output").map(|(_, _, b)| b.clone());
        out.push(Example {
            place: format!("{name}:{line}"),
            code: body.clone(),
            output,
            fails: tags.contains(&"error"),
            excerpt_of: tags.iter().find_map(|t| t.strip_prefix("excerpt=")).map(str::to_string),
        });
    }
    out
}

fn markdown_files() -> Vec<PathBuf> {
    let mut files = common::files("docs", "md");
    let readme = root().join("README.md");
    if readme.exists() {
        files.push(readme);
    }
    files
}

/// Runs a script with every function compiled at its first call and each replay checked
/// against the interpreter (`TSCRIPT_COMPILE=check`, `src/compile/`), from the crate root.
fn compiled_run(script: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tscript"))
        .arg(script)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env("TSCRIPT_COMPILE", "check")
        .env_remove("TSCRIPT_THREADS")
        .output()
        .expect("the tscript binary runs")
}

/// Every `tsc` block runs and prints what the docs show after it, and prints the same bytes
/// with its functions compiled.
#[test]
fn every_tsc_block_in_the_docs_runs_as_shown() {
    let dir = scratch("blocks");
    let mut count = 0;
    let mut failures = Vec::new();
    for file in markdown_files() {
        for ex in examples(&file) {
            if let Some(script) = &ex.excerpt_of {
                let text = std::fs::read_to_string(root().join(script)).unwrap_or_default();
                if !text.contains(&ex.code) {
                    failures.push(format!("{}: not a piece of {script} as it is now:\n{}", ex.place, ex.code));
                }
                continue;
            }
            count += 1;
            let script = dir.join(format!("example{count}.tsc"));
            std::fs::write(&script, &ex.code).expect("write the example");
            let out = tscript(&[&script.to_string_lossy()]);
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let compiled = compiled_run(&script);
            if (compiled.status.code(), &compiled.stdout, &compiled.stderr)
                != (out.status.code(), &out.stdout, &out.stderr)
            {
                let (o, e) = (String::from_utf8_lossy(&compiled.stdout), String::from_utf8_lossy(&compiled.stderr));
                failures.push(format!(
                    "{}: compiled (TSCRIPT_COMPILE=check) it printed\n{o}{e}but interpreted\n{stdout}{stderr}",
                    ex.place
                ));
            }
            if ex.fails {
                if out.status.code() != Some(1) || !stderr.contains("tscript::") {
                    failures.push(format!("{}: marked `error` but exited {:?}", ex.place, out.status.code()));
                }
            } else if !out.status.success() {
                failures.push(format!("{}: exited {:?}:\n{stderr}", ex.place, out.status.code()));
            }
            if let Some(expected) = &ex.output {
                if stdout != *expected {
                    failures.push(format!("{}: printed\n{stdout}but the docs show\n{expected}", ex.place));
                }
            }
        }
    }
    assert!(count >= 20, "expected the examples of docs/language.md, found {count} blocks");
    assert!(failures.is_empty(), "{} of {count} examples failed:\n{}", failures.len(), failures.join("\n"));
}

/// The example script a command line runs: `examples/NAME.tsc` from `cargo run --release --
/// examples/NAME.tsc` or `tscript examples/NAME.tsc`, with the arguments after it.
fn example_command(line: &str) -> Option<(String, Vec<String>)> {
    let line = line.trim();
    let rest = line.strip_prefix("cargo run --release -- ").or_else(|| line.strip_prefix("tscript "))?;
    let mut words = rest.split_whitespace();
    let script = words.next().filter(|w| w.starts_with("examples/") && w.ends_with(".tsc"))?;
    Some((script.to_string(), words.map(str::to_string).collect()))
}

#[test]
fn every_example_command_in_the_docs_names_a_script_and_shows_its_output() {
    let mut count = 0;
    let mut failures = Vec::new();
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).expect("readable markdown");
        let name = file.strip_prefix(root()).unwrap_or(&file).display().to_string();
        let blocks = fences(&text);
        for (k, (info, line, body)) in blocks.iter().enumerate() {
            if info != "sh" {
                continue;
            }
            let commands: Vec<(String, Vec<String>)> = body.lines().filter_map(example_command).collect();
            for (script, _) in &commands {
                count += 1;
                if !root().join(script).exists() {
                    failures.push(format!("{name}:{line}: {script} does not exist"));
                }
            }
            let Some((_, _, shown)) = blocks.get(k + 1).filter(|(i, _, _)| i == "output") else { continue };
            let [(script, args)] = commands.as_slice() else {
                failures.push(format!("{name}:{line}: an output block must follow one command that runs an example"));
                continue;
            };
            if !args.is_empty() {
                failures.push(format!("{name}:{line}: shown output is checked for an example run without arguments"));
                continue;
            }
            let expected = std::fs::read_to_string(root().join(script).with_extension("out")).unwrap_or_default();
            if *shown != expected {
                failures.push(format!("{name}:{line}: shows\n{shown}but {script} prints\n{expected}"));
            }
            if let Some((_, _, shown)) = blocks.get(k + 2).filter(|(i, _, _)| i == "stderr") {
                let expected = std::fs::read_to_string(root().join(script).with_extension("err")).unwrap_or_default();
                // A diagnostic ends in a blank line, which a fenced block cannot end in.
                if shown.trim_end() != expected.trim_end() {
                    failures.push(format!("{name}:{line}: shows the warnings\n{shown}but {script} shows\n{expected}"));
                }
            }
        }
    }
    assert!(count >= 10, "expected the commands of docs/tutorial.md, found {count}");
    assert!(failures.is_empty(), "{} commands failed:\n{}", failures.len(), failures.join("\n"));
}

/// What `docs/builtins.md` must say, generated from the table.
fn builtins_markdown() -> String {
    let mut md = String::from(
        "# Built-in functions and operators\n\n\
         Generated from the one table of built-ins (`src/prims/`) by `tests/docs.rs`; do not edit by\n\
         hand. After changing the table, run `UPDATE_DOCS=1 cargo test --test docs`. Each example's\n\
         comment gives what it prints, and the tests check that it does. `?` marks an optional\n\
         parameter, which may also be given by name (`axis=0`); `...` any number of arguments.\n",
    );
    let mut current = "";
    for p in Builtin::all() {
        let info = p.info();
        if info.kind == Kind::Internal {
            continue;
        }
        if p.title() != current {
            current = p.title();
            md.push_str(&format!("\n## {current}\n\n"));
        }
        let signature = match info.kind {
            Kind::Function => format!("{}({})", info.name, info.params),
            _ => format!("{} (operator; operands: {})", info.name, info.params),
        };
        md.push_str(&format!("- `{signature}`: {}", info.help));
        if !info.example.is_empty() {
            md.push_str(&format!(" Example: `{}`", info.example));
        }
        md.push('\n');
    }
    md
}

#[test]
fn builtins_md_is_generated_from_the_table() {
    let path = root().join("docs/builtins.md");
    let expected = builtins_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).expect("write docs/builtins.md");
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/builtins.md differs from the table of built-ins; run `UPDATE_DOCS=1 cargo test --test docs`"
    );
}

#[test]
fn every_builtin_example_prints_its_comment() {
    let dir = scratch("builtins");
    let mut failures = Vec::new();
    let mut count = 0;
    for p in Builtin::all() {
        let info = p.info();
        if info.kind == Kind::Internal || info.example.is_empty() {
            continue;
        }
        count += 1;
        let (code, expected) = match info.example.split_once("  # ") {
            Some((code, result)) => (code.trim(), Some(result.trim())),
            None => (info.example.trim(), None),
        };
        let script = dir.join(format!("{count}.tsc"));
        let text = match expected {
            Some(_) if !code.starts_with("print(") => format!("print({code})\n"),
            _ => format!("{code}\n"),
        };
        std::fs::write(&script, &text).expect("write the example");
        let path = script.to_string_lossy();
        let out =
            if matches!(p, Builtin::Host(Host::Data(_))) { tscript(&["check", &path]) } else { tscript(&[&path]) };
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            failures.push(format!("`{}`: {text}{}", info.name, String::from_utf8_lossy(&out.stderr)));
        } else if let Some(expected) = expected {
            if stdout.trim_end_matches('\n') != expected {
                failures.push(format!("`{}`: {code} printed {stdout:?}, the table says {expected:?}", info.name));
            }
        }
    }
    assert!(count >= 60, "expected an example for most built-ins, found {count}");
    assert!(failures.is_empty(), "{} of {count} examples failed:\n{}", failures.len(), failures.join("\n"));
}
