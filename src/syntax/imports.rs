//! Imports (spec §13): the files a program imports, found, read and parsed before it is lowered,
//! depth first. A path is relative to the folder of the file that imports it (the working
//! directory for `-e` and the REPL). A missing or unreadable file, a parse error in one, and an
//! import cycle are diagnostics at the `import` that names the file, with the chain of imports
//! that led there. Lowering (`ir::lower`) then lowers each file where it is first imported, and
//! only there: a file imported twice runs once.

use super::ast::{Program, StmtKind};
use super::parse::parse;
use super::read_source_file;
use crate::diag::{Code, Diag, SourceMap};
use crate::span::Span;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// How deep imports may nest: a chain longer than this is surely a mistake, and each level is a
/// frame of recursion here and in lowering.
const MAX_DEPTH: usize = 64;

/// One imported file.
#[derive(Debug)]
pub struct Imported {
    /// Its canonical path: what makes two imports the same file.
    pub path: PathBuf,
    /// Its parsed text.
    pub program: Program,
}

/// The files a program imports, reached from the `import` statements that name them.
#[derive(Debug, Default)]
pub struct Imports {
    /// By the start of the path's span in an `import` statement.
    by_statement: HashMap<u32, Rc<Imported>>,
    /// By canonical path, so that each file is read once.
    by_path: HashMap<PathBuf, Rc<Imported>>,
}

impl Imports {
    /// The file an `import` statement names, once [`Imports::resolve`] has found it.
    pub fn file(&self, path_span: Span) -> Option<&Rc<Imported>> {
        self.by_statement.get(&path_span.start)
    }

    /// Finds, reads and parses every file `program` imports at its top level, and what those
    /// import; `name` is the name of the source `program` was read from (a file's path, `-e`,
    /// `<repl 3>`). Every problem is returned.
    pub fn resolve(&mut self, program: &Program, name: &str, sources: &mut SourceMap) -> Vec<Diag> {
        let mut diags = Vec::new();
        let path = Path::new(name);
        let (dir, mut chain) = match (path.is_file(), std::fs::canonicalize(path)) {
            (true, Ok(canonical)) => (path.parent().unwrap_or(Path::new("")).to_path_buf(), vec![canonical]),
            _ => (PathBuf::new(), Vec::new()),
        };
        self.visit(program, &dir, sources, &mut chain, &mut diags);
        diags
    }

    /// [`Imports::resolve`] below the files on `chain` (the imports that led here).
    fn visit(
        &mut self,
        program: &Program,
        dir: &Path,
        sources: &mut SourceMap,
        chain: &mut Vec<PathBuf>,
        diags: &mut Vec<Diag>,
    ) {
        for stmt in &program.stmts {
            let StmtKind::Import { path, path_span, .. } = &stmt.kind else { continue };
            let written = dir.join(&**path);
            let fail = |code: Code, reason: String| {
                let diag = Diag::new(code, format!("cannot import `{path}`: {reason}"), *path_span, "this file");
                match chain_text(chain) {
                    Some(via) => diag.with_help(format!(
                        "imported through {via}; the path is relative to the importing file's folder"
                    )),
                    None => diag.with_help("the path is relative to the importing file's folder"),
                }
            };
            let canonical = match std::fs::canonicalize(&written) {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    diags.push(fail(Code::Io, format!("there is no file `{}`", written.display())));
                    continue;
                }
                Err(e) => {
                    diags.push(fail(Code::Io, e.to_string()));
                    continue;
                }
            };
            if !canonical.is_file() {
                diags.push(fail(Code::Io, "it is not a regular file".into()));
                continue;
            }
            if let Some(at) = chain.iter().position(|p| *p == canonical) {
                let cycle: Vec<String> = chain[at..].iter().chain([&canonical]).map(|p| short(p)).collect();
                diags.push(
                    Diag::new(
                        Code::ImportCycle,
                        format!("an import cycle: {}", cycle.join(" → ")),
                        *path_span,
                        "this import closes the cycle",
                    )
                    .with_help("move what both files need into a third file that imports neither"),
                );
                continue;
            }
            if let Some(known) = self.by_path.get(&canonical) {
                self.by_statement.insert(path_span.start, known.clone());
                continue;
            }
            if chain.len() >= MAX_DEPTH {
                diags.push(fail(Code::Io, format!("imports nest more than {MAX_DEPTH} files deep")));
                continue;
            }
            let name = written.display().to_string();
            let parsed = read_source_file(&name)
                .map_err(|d| fail(d.code, d.message))
                .and_then(|text| sources.add(&name, &text).map(|base| (text, base)))
                .and_then(|(text, base)| parse(&text, base));
            let program = match parsed {
                Ok(program) => program,
                Err(diag) => {
                    diags.push(diag);
                    continue;
                }
            };
            chain.push(canonical.clone());
            let folder = written.parent().map_or_else(PathBuf::new, Path::to_path_buf);
            self.visit(&program, &folder, sources, chain, diags);
            chain.pop();
            let file = Rc::new(Imported { path: canonical.clone(), program });
            self.by_path.insert(canonical, file.clone());
            self.by_statement.insert(path_span.start, file);
        }
    }
}

/// `a.tsc → b.tsc`: the files of an import chain below the script by name, or `None` when the
/// script imports directly.
fn chain_text(chain: &[PathBuf]) -> Option<String> {
    (chain.len() > 1).then(|| chain.iter().map(|p| short(p)).collect::<Vec<_>>().join(" → "))
}

/// A file's name without its folders.
fn short(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}
