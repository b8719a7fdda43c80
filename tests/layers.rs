//! The module layering of `docs/architecture.md`: a scan of `src/` for the top-level modules each
//! one names through `crate::` (comment lines skipped, so a doc link is no import) must find the
//! pipeline `syntax → ir → check → eval` with no cycle except the one between values, the
//! primitives and autodiff, with types below them. A new import that closes another cycle fails
//! here, with the files that make each edge of it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The one cycle allowed: a value holds a built-in (`Func::Builtin`) and a tracer, and a
/// primitive's kernel and derivative rule map values (through autodiff's `apply`). Types sit
/// below it: a closure's code and a built-in are opaque to them (`types::ClosureCode`,
/// `types::BuiltinCode`), so the IR, which holds values and types, stays above them, and the
/// primitives' rules, which map types, import them.
const CORE: [&str; 3] = ["autodiff", "prims", "value"];

/// For each top-level module, the top-level modules it names, each with the files that name it.
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

/// The top-level names a line of code reaches through `crate::`: `crate::a::b` gives `a`,
/// `crate::{a::b, c}` gives `a` and `c`. `rest` is the text after `crate::`.
fn named(rest: &str) -> Vec<String> {
    let word = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    let Some(group) = rest.strip_prefix('{') else { return vec![word(rest)] };
    let (mut names, mut depth, mut expect) = (Vec::new(), 1, true);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 1 => break,
            '}' => depth -= 1,
            ',' if depth == 1 => expect = true,
            c if depth == 1 && expect && (c.is_alphanumeric() || c == '_') => {
                names.push(word(&group[i..]));
                expect = false;
            }
            _ => {}
        }
    }
    names
}

/// The import graph of `files` (path under `src/`, text), between the top-level modules found.
fn graph(files: &[(String, String)]) -> Graph {
    let top = |path: &str| path.split('/').next().unwrap_or("").trim_end_matches(".rs").to_string();
    let modules: BTreeSet<String> = files.iter().map(|(p, _)| top(p)).filter(|m| m != "lib" && m != "main").collect();
    let mut g: Graph = modules.iter().map(|m| (m.clone(), BTreeMap::new())).collect();
    for (path, text) in files {
        let from = top(path);
        if !modules.contains(&from) {
            continue;
        }
        // A `use` may span lines, so the code is scanned as one text without its comment lines.
        let code: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
        for (at, _) in code.match_indices("crate::") {
            for to in named(&code[at + "crate::".len()..]) {
                if to != from && modules.contains(&to) {
                    g.entry(from.clone()).or_default().entry(to).or_default().insert(path.clone());
                }
            }
        }
    }
    g
}

/// The strongly connected components of more than one module, each sorted.
fn cycles(g: &Graph) -> Vec<Vec<String>> {
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_string()];
        while let Some(m) = todo.pop() {
            for to in g.get(&m).into_iter().flat_map(|e| e.keys()) {
                if seen.insert(to.clone()) {
                    todo.push(to.clone());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&String, BTreeSet<String>> = g.keys().map(|m| (m, reach(m))).collect();
    let mut out: Vec<Vec<String>> = Vec::new();
    for (m, r) in &reached {
        if !r.contains(*m) || out.iter().any(|c| c.contains(m)) {
            continue;
        }
        out.push(r.iter().filter(|n| reached[n].contains(*m)).cloned().collect());
    }
    out
}

/// Every `.rs` file under `dir`, as (path relative to `root` with `/`, text).
fn sources(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).expect("under src/").to_string_lossy().replace('\\', "/");
            out.push((rel, std::fs::read_to_string(&path).expect("a source file is text")));
        }
    }
}

/// The import graph of this crate's `src/`.
fn crate_graph() -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &root, &mut files);
    graph(&files)
}

/// The edges of `cycle`, one a line with the files that make them, for a failure message.
fn explain(g: &Graph, cycle: &[String]) -> String {
    let mut s = String::new();
    for from in cycle {
        for (to, files) in &g[from] {
            if cycle.contains(to) {
                s += &format!("  {from} -> {to}: {}\n", files.iter().cloned().collect::<Vec<_>>().join(", "));
            }
        }
    }
    s
}

#[test]
fn the_only_import_cycle_is_values_primitives_and_autodiff() {
    let g = crate_graph();
    let core: Vec<String> = CORE.iter().map(|m| m.to_string()).collect();
    for cycle in cycles(&g) {
        assert_eq!(cycle, core, "an import cycle other than {CORE:?}:\n{}", explain(&g, &cycle));
    }
}

#[test]
fn the_pipeline_imports_only_downwards() {
    let g = crate_graph();
    // Each stage, and what it may not name: the stages after it.
    let order = [
        ("format", &["syntax", "ir", "check", "eval", "value", "types", "prims"][..]),
        ("syntax", &["ir", "check", "eval", "value", "types", "prims", "autodiff"][..]),
        ("ir", &["check", "eval", "compile"][..]),
        ("check", &["eval", "compile"][..]),
        ("types", &["syntax", "ir", "check", "eval", "compile", "value", "prims", "autodiff"][..]),
    ];
    let core = CORE.map(|m| (m, &["syntax", "ir", "check", "eval", "compile"][..]));
    let order = order.into_iter().chain(core);
    for (stage, later) in order {
        let named: Vec<&String> = g[stage].keys().filter(|m| later.contains(&m.as_str())).collect();
        assert!(named.is_empty(), "{stage} imports {named:?}, which come after it:\n{}", {
            let mut all = vec![stage.to_string()];
            all.extend(named.iter().map(|m| m.to_string()));
            explain(&g, &all)
        });
    }
    // The scan does see imports: the evaluator runs the checker's output and the checker the IR.
    assert!(g["eval"].contains_key("ir") && g["check"].contains_key("ir") && g["ir"].contains_key("syntax"));
}

#[test]
fn the_scan_finds_a_cycle_and_skips_comments() {
    let file = |path: &str, text: &str| (path.to_string(), text.to_string());
    let files = [
        file("a.rs", "use crate::{b::{X, Y}, c};\n"),
        file("b/mod.rs", "//! see [`crate::d`]\nfn f() { crate::a::g() }\n"),
        file("c.rs", "/// [`crate::a`]\n"),
        file("d.rs", ""),
    ];
    let g = graph(&files);
    assert_eq!(g["a"].keys().collect::<Vec<_>>(), ["b", "c"]);
    assert_eq!(g["b"].keys().collect::<Vec<_>>(), ["a"]);
    assert_eq!(cycles(&g), vec![vec!["a".to_string(), "b".to_string()]]);
}
