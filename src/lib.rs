//! TensorScript: a small, statically checked array language for numerical scripting.
//!
//! A script flows text → [`syntax`] (pest grammar to a spanned AST) → [`ir::lower`] (names to
//! slots, operators and built-ins to [`prims::Prim`]) → [`check`] (types and shapes) →
//! [`eval::interp`] over values on ndarray and BLAS, with [`autodiff`] recording what `grad`
//! differentiates. `docs/architecture.md`
//! describes the flow in one page; [`Session`] is the one entry point that the command line, the
//! REPL and the tests use.

#![warn(missing_docs)]

extern crate blas_src;

pub mod autodiff;
pub mod blas;
pub mod check;
pub mod compile;
pub mod data;
pub mod diag;
pub mod dtype;
pub mod eval;
pub mod format;
pub mod interrupt;
pub mod ir;
pub mod jupyter;
pub mod math;
pub mod memory;
pub mod parallel;
pub mod plot;
pub mod prims;
pub mod repl;
pub mod span;
pub mod syntax;
pub mod types;
pub mod value;

use diag::{Diag, SourceMap};
use eval::Interp;
use ir::Lowerer;
use std::io::Write;
use value::Value;

/// A running program: the sources seen so far, the top-level names, and the interpreter state.
/// A script is one `run`; the REPL runs each entry into the same session.
///
/// ```
/// use tscript::{blas::ThreadPolicy, value::repr, Session};
///
/// let mut session = Session::new(Box::new(std::io::sink()), Vec::new(), ThreadPolicy::new(Some(1)));
/// let value = session.run("example.tsc", "fn f(x) = sum(x ^ 2)\ngrad(f)([1.0, 2.0])").unwrap();
/// assert_eq!(repr(&value.unwrap()), "[2.0, 4.0]");
///
/// // Nothing runs when a check fails: every diagnostic comes back.
/// let errors = session.run("bad.tsc", "print(1)\nzeros(2) + zeros(3)").unwrap_err();
/// assert_eq!(errors[0].code.as_str(), "tscript::type::shape");
/// ```
pub struct Session {
    /// All source texts the session has seen.
    pub sources: SourceMap,
    lowerer: Lowerer,
    checker: check::Checker,
    /// The interpreter, with the top-level frame and the run-time state.
    pub interp: Interp,
    /// Whether warnings (`tscript::lint::...`) are errors (`--deny-warnings`), the checker's and
    /// those found while running.
    pub deny_warnings: bool,
    /// The warnings of the last check not yet printed or taken.
    warnings: Vec<Diag>,
}

impl Session {
    /// A session that prints to `out`, with `args` for `args()` and the thread policy.
    pub fn new(out: Box<dyn Write>, args: Vec<String>, threads: blas::ThreadPolicy) -> Session {
        memory::keep_freed_memory();
        Session {
            sources: SourceMap::default(),
            lowerer: Lowerer::default(),
            checker: check::Checker::default(),
            interp: Interp::new(out, args, threads),
            deny_warnings: false,
            warnings: Vec::new(),
        }
    }

    /// Sends the warnings [`Session::run`] prints (the checker's, then those found while
    /// running) to `out` instead of standard error.
    pub fn set_warning_output(&mut self, out: Box<dyn Write>) {
        self.interp.warning_out = out;
    }

    /// Takes the warnings of the last [`Session::check`] (a `run` prints them itself).
    pub fn take_warnings(&mut self) -> Vec<Diag> {
        std::mem::take(&mut self.warnings)
    }

    /// Parses and checks `text` as a whole, then runs it; returns the value of its last
    /// statement if that is an expression. Nothing runs if any check fails.
    pub fn run(&mut self, name: &str, text: &str) -> Result<Option<Value>, Vec<Diag>> {
        let stmts = self.check(name, text)?;
        self.interp.deny_warnings = self.deny_warnings;
        let warnings = self.take_warnings();
        self.interp.run(&stmts, self.lowerer.global_size(), &self.sources, warnings).map_err(|d| vec![d])
    }

    /// Parses, lowers and type-checks `text` without running it, returning what would run. Every
    /// diagnostic found is returned; on error the session's names and types stay as they were.
    pub fn check(&mut self, name: &str, text: &str) -> Result<Vec<ir::Stmt>, Vec<Diag>> {
        self.check_typed(name, text).map(|(stmts, _)| stmts)
    }

    /// Forgets that the file at `path` was imported, so that importing it again runs it again
    /// (the REPL's `:load` of a file edited since).
    pub fn forget_import(&mut self, path: &std::path::Path) {
        if let Ok(canonical) = std::fs::canonicalize(path) {
            self.lowerer.forget(&canonical);
        }
    }

    /// Parses and lowers `text` without type-checking it or keeping its names: the baseline
    /// that `benches/check.rs` measures the checker against.
    pub fn lower_only(&mut self, name: &str, text: &str) -> Result<Vec<ir::Stmt>, Vec<Diag>> {
        let base = self.sources.add(name, text).map_err(|d| vec![d])?;
        let program = syntax::parse::parse(text, base).map_err(|d| vec![d])?;
        let lowered = self.lowerer.clone().lower(&program, &syntax::imports::Imports::default());
        if lowered.errors.is_empty() {
            Ok(lowered.stmts)
        } else {
            Err(lowered.errors)
        }
    }

    /// [`Session::check`], also returning the type of the value of the last statement.
    fn check_typed(&mut self, name: &str, text: &str) -> Result<(Vec<ir::Stmt>, types::Type), Vec<Diag>> {
        let base = self.sources.add(name, text).map_err(|d| vec![d])?;
        let program = syntax::parse::parse(text, base).map_err(|d| vec![d])?;
        let mut imports = syntax::imports::Imports::default();
        let missing = imports.resolve(&program, name, &mut self.sources);
        if !missing.is_empty() {
            return Err(missing);
        }
        let before = self.lowerer.clone();
        let lowered = self.lowerer.lower(&program, &imports);
        if !lowered.errors.is_empty() {
            // Check the rest anyway, so that every independent error is reported at once; then
            // forget what checking learnt, since nothing of this text will run.
            let types_before = self.checker.snapshot();
            let mut diags = lowered.errors;
            if let Err(more) = self.checker.check(&lowered.stmts, lowered.global_size, &self.sources) {
                diags.extend(more);
            }
            self.checker.restore(types_before);
            diags.sort_by_key(|d| d.span().map_or(0, |s| s.start));
            return Err(diags);
        }
        let types_before = if self.deny_warnings { Some(self.checker.snapshot()) } else { None };
        match self.checker.check(&lowered.stmts, lowered.global_size, &self.sources) {
            Ok(t) => {
                let warnings = self.checker.take_warnings();
                match types_before {
                    Some(types) if !warnings.is_empty() => {
                        // Warnings are errors: forget what the check learnt, as for an error.
                        self.checker.restore(types);
                        self.lowerer = before;
                        Err(warnings.into_iter().map(diag::Diag::denied).collect())
                    }
                    _ => {
                        self.warnings = warnings;
                        Ok((lowered.stmts, t))
                    }
                }
            }
            Err(diags) => {
                self.lowerer = before;
                Err(diags)
            }
        }
    }

    /// The names defined at top level, with their current values (for the REPL).
    pub fn variables(&self) -> Vec<(std::sync::Arc<str>, Value)> {
        let slots = self.interp.globals.slots.borrow();
        self.lowerer
            .globals()
            .into_iter()
            .filter_map(|(name, index)| Some((name, slots.get(index as usize)?.clone()?)))
            .collect()
    }

    /// The type of the expression `text` without running it (the REPL's `:type`). The text is
    /// parsed, lowered and checked against the session, which it leaves unchanged.
    /// The variables that have run are checked with the types their values really have (a
    /// `load`ed tensor's shape, not `f64[?, ?]`).
    pub fn type_of(&mut self, name: &str, text: &str) -> Result<String, Vec<Diag>> {
        let (lowerer, types) = (self.lowerer.clone(), self.checker.snapshot());
        let mut live = types.clone();
        for (slot, value) in live.iter_mut().zip(self.interp.globals.slots.borrow().iter()) {
            let Some(value) = value else { continue };
            let actual = types::Type::of_value(value).variable();
            let known = matches!(actual, types::Type::Tensor { .. } | types::Type::Tuple(_));
            if let Some(t) = slot.as_mut().filter(|t| known && t.holds(value) && !t.proves(&actual)) {
                *t = actual;
            }
        }
        self.checker.restore(live);
        let result = self.check_typed(name, text);
        self.warnings.clear();
        self.lowerer = lowerer;
        self.checker.restore(types);
        result.map(|(_, t)| t.to_string())
    }

    /// Renders a diagnostic for a terminal (colour when it is one and `NO_COLOR` is unset).
    pub fn report(&self, diag: Diag) -> miette::Report {
        self.sources.report(diag)
    }
}

/// Collects what a session prints, for tests, benchmarks and programs that embed TensorScript:
/// give `Box::new(output.clone())` to [`Session::new`], then read [`Output::text`].
#[derive(Clone, Debug, Default)]
pub struct Output(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl Output {
    /// Everything printed so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.borrow()).into_owned()
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A variable whose `let` did not run is an unbound slot, not a value: it is not listed, and
    /// reading it is `runtime::uninit`, while the variables bound before the error keep their values.
    #[test]
    fn a_variable_not_yet_bound_is_not_a_value() {
        let mut session = Session::new(Box::new(std::io::sink()), Vec::new(), blas::ThreadPolicy::new(Some(1)));
        let errors = session.run("stop.tsc", "let a = 1\nassert(a == 2)\nlet b = [1.0, 2.0]").unwrap_err();
        assert_eq!(errors[0].code.as_str(), "tscript::assert");
        let listed: Vec<(String, String)> =
            session.variables().into_iter().map(|(name, v)| (name.to_string(), value::repr(&v))).collect();
        assert_eq!(listed, [("a".to_string(), "1".to_string())]);
        let errors = session.run("read.tsc", "b").unwrap_err();
        assert_eq!(errors[0].code.as_str(), "tscript::runtime::uninit");
        let errors = session.run("write.tsc", "b[0] = 3.0").unwrap_err();
        assert_eq!(errors[0].code.as_str(), "tscript::runtime::uninit");
    }
}
