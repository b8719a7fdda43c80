//! Warnings (spec §13): diagnostics with a `tscript::lint::...` code that do not stop the
//! script. `outer_broadcast` is raised where the checker applies an element-wise operator's
//! type rule ([`Cx::outer_broadcast`]); `shadowed_in_loop` is a pass over the resolved
//! statements ([`shadowed_in_loop`]). A comment `# allow(NAME)` on the warned line silences
//! one ([`allowed`]).

use super::scan::{each_child, stmt_parts, Child};
use super::Cx;
use crate::diag::{Code, Diag, SourceMap};
use crate::ir::{FnCode, Ir, IrKind, Slot, Stmt, StmtKind, Target};
use crate::prims::{Arith, Builtin, Prim};
use crate::span::Span;
use crate::types::{Dim, Env, FnType, Type};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

/// Whether a comment `# allow(NAME, ...)` on the line of the warning's primary span names it.
pub fn allowed(sources: &SourceMap, diag: &Diag) -> bool {
    let (Some(name), Some(span)) = (diag.code.lint_name(), diag.span()) else { return false };
    let Some(line) = sources.line_of(span) else { return false };
    line.match_indices('#').any(|(at, _)| {
        let comment = line[at + 1..].trim_start();
        let Some(list) = comment.strip_prefix("allow").map(str::trim_start).and_then(|r| r.strip_prefix('(')) else {
            return false;
        };
        let list = list.split(')').next().unwrap_or_default();
        list.split(',').any(|n| n.trim() == name)
    })
}

/// Whether `op` is an element-wise operator of two operands that broadcasts them.
fn element_wise(op: Arith) -> bool {
    op.is_arithmetic() || op.is_comparison()
}

/// A dim as written in a suggestion: its size, or `-1` (whatever it is) when unknown.
fn size(d: Dim) -> String {
    match d {
        Dim::Known(n) => n.to_string(),
        Dim::Unknown => "-1".into(),
    }
}

/// A dim as shown in a message: its size, or `unknown` (the letter) when not known.
fn shown(d: Dim, unknown: &str) -> String {
    match d {
        Dim::Known(n) => n.to_string(),
        Dim::Unknown => unknown.into(),
    }
}

impl Cx<'_> {
    /// Records a warning once per span and code (silenced ones are dropped by the caller).
    pub(super) fn warn(&mut self, d: Diag) {
        if let Some(span) = d.span() {
            if !self.seen.insert((span, d.code)) {
                return;
            }
        }
        self.warnings.push(d);
    }

    /// `tscript::lint::outer_broadcast`: an element-wise `prim` (whose type rule has accepted
    /// it) with operands (of types `args`, at `spans`) that are a column `(n, 1)` and a vector `(m,)`, which broadcast to an `n × m`
    /// matrix: almost always `X @ w - y` with `w` a column where a vector was meant.
    pub(super) fn outer_broadcast(&mut self, prim: Builtin, args: &[Type], spans: &[Span]) {
        let Builtin::Array(Prim::Arith(op)) = prim else { return };
        let (Some(a), Some(b), Some(&sa), Some(&sb)) = (args.first(), args.get(1), spans.first(), spans.get(1)) else {
            return;
        };
        if !element_wise(op) || sa == sb {
            return;
        }
        let not_one = |d: Dim| d != Dim::Known(1);
        let column = |t: &Type| matches!(t.dims(), [n, Dim::Known(1)] if not_one(*n));
        let vector = |t: &Type| matches!(t.dims(), [m] if not_one(*m));
        let (col, vec, col_span, vec_span) = if column(a) && vector(b) {
            (a, b, sa, sb)
        } else if vector(a) && column(b) {
            (b, a, sb, sa)
        } else {
            return;
        };
        let (n, m) = (col.dims()[0], vec.dims()[0]);
        let name = op.info().name;
        let col_text = self.operand_text(col_span);
        let vec_text = self.operand_text(vec_span);
        let d = Diag::warning(
            Code::LintOuterBroadcast,
            format!(
                "`{name}` between a column {col} and a vector {vec} makes a matrix, {}×{}",
                shown(n, "n"),
                shown(m, "m")
            ),
            sa,
            if sa == col_span { format!("column {col}") } else { format!("vector {vec}") },
        )
        .with_label(sb, if sb == col_span { format!("column {col}") } else { format!("vector {vec}") })
        .with_help(format!(
            "for an element-wise `{name}`, give both one shape: `reshape({vec_text}, {}, 1)` or `{col_text}[:, 0]` \
             (or `# allow(outer_broadcast)` if the matrix is meant)",
            size(m)
        ));
        self.warn(d);
    }
}

/// A function value a loop may call, and the frame it was defined in.
#[derive(Clone)]
struct Function {
    code: Rc<FnCode>,
    frame: usize,
}

/// The walk of `shadowed_in_loop`: frames are named as in [`super::scan`] (0 for the top level,
/// else the address of the function's code).
struct Shadows<'a> {
    sources: &'a SourceMap,
    globals: &'a Env,
    /// Functions bound to slots, by (frame, index), as their definitions are met.
    functions: HashMap<(usize, u32), Function>,
    frames: Vec<usize>,
    warnings: Vec<Diag>,
}

/// `tscript::lint::shadowed_in_loop`: a `let` in a loop body that declares a new variable with
/// the name of one that a function defined outside the loop (and used inside it) reads. The
/// function keeps reading the outer variable: the mini-batch bug, where the loss trains on the
/// first batch for ever. `globals` gives the functions defined by earlier REPL entries.
pub fn shadowed_in_loop(stmts: &[Stmt], globals: &Env, sources: &SourceMap) -> Vec<Diag> {
    let mut walk = Shadows { sources, globals, functions: HashMap::new(), frames: vec![0], warnings: Vec::new() };
    walk.block(stmts);
    walk.warnings
}

/// A variable a loop body declares with `let`: its frame and slot index, name and statement.
struct Declared {
    key: (usize, u32),
    name: Arc<str>,
    stmt: Span,
}

impl Shadows<'_> {
    fn key(&self, slot: Slot) -> Option<(usize, u32)> {
        let i = self.frames.len().checked_sub(1 + slot.depth as usize)?;
        Some((self.frames[i], slot.index))
    }

    fn block(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            if let StmtKind::Fn { slot, code } = &s.kind {
                self.define(*slot, code);
            }
        }
        for s in stmts {
            self.stmt(s);
        }
    }

    fn define(&mut self, slot: Slot, code: &Rc<FnCode>) {
        if let Some(key) = self.key(slot) {
            let frame = *self.frames.last().expect("a frame");
            self.functions.insert(key, Function { code: code.clone(), frame });
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        if let StmtKind::Let { target: Target::Slot(slot, _), value: Ir { kind: IrKind::Lambda(code), .. }, .. } =
            &s.kind
        {
            self.define(*slot, code);
        }
        stmt_parts(s, &mut |part| self.part(part));
    }

    fn part(&mut self, part: Child) {
        match part {
            Child::Ir(e) => each_child(e, &mut |part| self.part(part)),
            Child::Block(b) => self.block(b),
            Child::Loop(body, cond) => self.in_loop(body, cond),
            Child::Function(code) => {
                self.frames.push(Rc::as_ptr(code) as usize);
                self.part(Child::Ir(&code.body));
                self.frames.pop();
            }
        }
    }

    /// Checks a loop body (and a `while` condition), then walks it as any block.
    fn in_loop(&mut self, body: &[Stmt], cond: Option<&Ir>) {
        let mut declared = Vec::new();
        let mut used = Vec::new();
        let frame_depth = self.frames.len();
        self.loop_parts(body, cond, &mut declared, &mut used, frame_depth);
        if !declared.is_empty() {
            let inner: HashSet<(usize, u32)> = declared.iter().map(|d| d.key).collect();
            for (key, site) in used {
                if inner.contains(&key) {
                    continue;
                }
                let Some(f) = self.function_at(key) else { continue };
                let mut reads = Vec::new();
                captures(&f, &mut HashSet::new(), &mut reads, self);
                for d in &declared {
                    if let Some((_, read)) = reads.iter().find(|(k, r)| *k != d.key && *k != key && r.name == d.name) {
                        let used = f.code.name.as_deref().unwrap_or("the function");
                        let function = match read.reader.as_deref() {
                            Some(reader) if reader != used => format!("{used}` (through `{reader}`)"),
                            _ => format!("{used}`"),
                        };
                        self.warn(d, &function, read.span, site);
                    }
                }
            }
        }
        self.block(body);
    }

    /// The function bound at (frame, index): defined in this text, or by an earlier REPL entry.
    fn function_at(&self, key: (usize, u32)) -> Option<Function> {
        if let Some(f) = self.functions.get(&key) {
            return Some(f.clone());
        }
        if key.0 != 0 {
            return None;
        }
        match self.globals.slots.borrow().get(key.1 as usize) {
            Some(Some(Type::Fn(FnType::Closure { code, .. }))) => Some(Function { code: FnCode::rc(code), frame: 0 }),
            _ => None,
        }
    }

    /// Warns about `d`; `function` names the function used, with its closing backtick (and the
    /// function it reads through).
    fn warn(&mut self, d: &Declared, function: &str, read: Span, site: Span) {
        let span = self.name_span(d);
        let name = &d.name;
        let diag = Diag::warning(
            Code::LintShadowedInLoop,
            format!("this `let` makes a new `{name}` inside the loop, but `{function} still reads the outer `{name}`"),
            span,
            format!("a new `{name}`, seen only inside the loop"),
        )
        .with_label(read, format!("this reads the `{name}` defined outside the loop"))
        .with_label(site, format!("`{function} used here sees the outer `{name}`"))
        .with_help(format!(
            "to change what the function sees, assign the outer variable (`{name} = ...`, without `let`), \
             or give the function a parameter for it"
        ));
        self.warnings.push(diag);
    }

    /// The span of the name in `let NAME = ...` (the whole statement if it cannot be found).
    fn name_span(&self, d: &Declared) -> Span {
        let Some(text) = self.sources.text_of(d.stmt) else { return d.stmt };
        let ident = |c: char| c.is_alphanumeric() || c == '_';
        let found = text.match_indices(&*d.name).find(|(i, _)| {
            let before = text[..*i].chars().next_back();
            let after = text[i + d.name.len()..].chars().next();
            *i > 0 && !before.is_some_and(ident) && !after.is_some_and(ident)
        });
        match found {
            Some((i, _)) => {
                let start = d.stmt.start + i as u32;
                Span { start, end: start + d.name.len() as u32 }
            }
            None => d.stmt,
        }
    }

    /// Collects, in one loop body (nested blocks included, function bodies not), the variables
    /// its `let`s declare and the reads of variables of outer frames or defined outside it.
    fn loop_parts(
        &self,
        body: &[Stmt],
        cond: Option<&Ir>,
        declared: &mut Vec<Declared>,
        used: &mut Vec<((usize, u32), Span)>,
        depth: usize,
    ) {
        let read = |ir: &Ir, used: &mut Vec<((usize, u32), Span)>| {
            reads(Child::Ir(ir), &mut |slot, span| {
                if let Some(i) = depth.checked_sub(1 + slot.depth as usize) {
                    used.push(((self.frames[i], slot.index), span));
                }
            })
        };
        if let Some(c) = cond {
            read(c, used);
        }
        let frame = self.frames[depth - 1];
        for s in body {
            if let StmtKind::Let { target, .. } = &s.kind {
                let mut names = Vec::new();
                target_slots(target, &mut names);
                for (slot, name) in names {
                    declared.push(Declared { key: (frame, slot.index), name, stmt: s.span });
                }
            }
            stmt_parts(s, &mut |part| match part {
                Child::Ir(e) => read(e, used),
                // A `while` condition is read as a part of the statement already.
                Child::Block(b) | Child::Loop(b, _) => self.loop_parts(b, None, declared, used, depth),
                Child::Function(_) => {}
            });
        }
    }
}

/// The (slot, name) of every variable a `let` target declares.
fn target_slots(target: &Target, out: &mut Vec<(Slot, Arc<str>)>) {
    match target {
        Target::Slot(slot, name) => out.push((*slot, name.clone())),
        Target::Tuple(items, _) => items.iter().for_each(|t| target_slots(t, out)),
    }
}

/// A variable a function reads from outside its own frame.
struct Read {
    name: Arc<str>,
    span: Span,
    /// The function whose body reads it.
    reader: Option<Arc<str>>,
}

/// The variables of outer frames that `f` reads, by (frame, index), with those of the functions
/// it reads in turn (so a `step` that calls `loss` reads what `loss` reads).
fn captures(f: &Function, seen: &mut HashSet<usize>, out: &mut Vec<((usize, u32), Read)>, walk: &Shadows) {
    let id = Rc::as_ptr(&f.code) as usize;
    if !seen.insert(id) {
        return;
    }
    let mut found = Vec::new();
    free_reads(Child::Ir(&f.code.body), 0, &mut |slot, name, span| {
        // Depth 1 is the frame the function was defined in; frames further out are not named here.
        if slot.depth == 1 {
            found.push(((f.frame, slot.index), Read { name: name.clone(), span, reader: f.code.name.clone() }));
        }
    });
    for (key, read) in found {
        if let Some(inner) = walk.function_at(key) {
            captures(&inner, seen, out, walk);
        }
        out.push((key, read));
    }
}

/// Calls `visit` with every read of a variable that lies `depth + 1` or more frames out of the
/// part's own frame, its depth made relative to the function whose body the part is in.
fn free_reads(part: Child, depth: u32, visit: &mut dyn FnMut(Slot, &Arc<str>, Span)) {
    match part {
        Child::Ir(Ir { kind: IrKind::Var(slot, name), span }) if slot.depth > depth => {
            visit(Slot { depth: slot.depth - depth, index: slot.index }, name, *span)
        }
        Child::Ir(Ir { kind: IrKind::Var(..), .. }) => {}
        Child::Ir(e) => each_child(e, &mut |part| free_reads(part, depth, visit)),
        Child::Block(b) | Child::Loop(b, _) => {
            b.iter().for_each(|s| stmt_parts(s, &mut |p| free_reads(p, depth, visit)))
        }
        Child::Function(code) => free_reads(Child::Ir(&code.body), depth + 1, visit),
    }
}

/// Calls `visit` with every variable read in a part outside nested function bodies.
fn reads(part: Child, visit: &mut dyn FnMut(Slot, Span)) {
    match part {
        Child::Ir(Ir { kind: IrKind::Var(slot, _), span }) => visit(*slot, *span),
        Child::Ir(e) => each_child(e, &mut |part| reads(part, visit)),
        Child::Block(b) | Child::Loop(b, _) => b.iter().for_each(|s| stmt_parts(s, &mut |part| reads(part, visit))),
        Child::Function(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::{blas::ThreadPolicy, Output, Session};

    fn session() -> (Session, Output, Output) {
        let (out, warnings) = (Output::default(), Output::default());
        let mut session = Session::new(Box::new(out.clone()), Vec::new(), ThreadPolicy::new(Some(1)));
        session.set_warning_output(Box::new(warnings.clone()));
        (session, out, warnings)
    }

    #[test]
    fn a_warning_is_printed_and_the_script_runs() {
        let (mut session, out, warnings) = session();
        let ran = session.run("a.tsc", "let c = zeros(3, 1)\nprint(shape(c + ones(2)))");
        assert!(ran.is_ok());
        assert_eq!(out.text(), "(3, 2)\n");
        assert!(warnings.text().contains("tscript::lint::outer_broadcast"), "{}", warnings.text());
        let flat = warnings.text().split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("`reshape(ones(2), 2, 1)` or `c[:, 0]`"), "{flat}");
    }

    #[test]
    fn allow_comments_name_one_or_several_lints() {
        let (mut session, _, _) = session();
        let lines = [
            "let a = zeros(3, 1) - ones(2)  # allow(outer_broadcast)",
            "let b = zeros(3, 1) - ones(2)  # note # allow(shadowed_in_loop, outer_broadcast)",
            "let c = zeros(3, 1) - ones(2)  #allow( outer_broadcast )",
        ];
        for line in lines {
            assert!(session.check("t", line).is_ok());
            assert!(session.take_warnings().is_empty(), "{line}");
        }
        for line in ["let d = zeros(3, 1) - ones(2)  # allow(shadowed_in_loop)", "let e = zeros(3, 1) - ones(2)"] {
            assert!(session.check("t", line).is_ok());
            let warnings = session.take_warnings();
            assert_eq!(warnings.len(), 1, "{line}");
            assert!(warnings[0].is_warning());
        }
    }

    #[test]
    fn deny_warnings_makes_them_errors_and_nothing_runs() {
        let (mut session, out, _) = session();
        session.deny_warnings = true;
        let errors = session.run("d.tsc", "print(1)\nlet m = zeros(2, 1) * ones(4)").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code.as_str(), "tscript::lint::outer_broadcast");
        assert!(!errors[0].is_warning());
        assert_eq!(out.text(), "");
        assert!(session.run("e.tsc", "m").is_err(), "the denied entry's names are forgotten");
    }

    #[test]
    fn no_warning_without_a_column_and_a_vector_or_a_shadowed_read() {
        let (mut session, _, _) = session();
        let quiet = [
            "let a = zeros(3, 1) - ones(3, 1)",
            "let b = zeros(3, 2) - ones(2)",
            "let c = zeros(1, 1) - ones(4)",
            "let d = zeros(3, 1) - ones(1)",
            "let x = 1.0\nfn f(v) = v + x\nfor i in 0..2 { let y = 2.0; print(f(y)) }",
            "let z = 1.0\nfn g(v) = v + z\nfor i in 0..2 { let z = 2.0; print(z) }",
            "let q = 1.0\nfor i in 0..2 { let q = 2.0; fn h(v) = v + q; print(h(1.0)) }",
        ];
        for text in quiet {
            assert!(session.check("t", text).is_ok(), "{text}");
            let warnings: Vec<String> = session.take_warnings().iter().map(|w| w.message.clone()).collect();
            assert!(warnings.is_empty(), "{text}: {warnings:?}");
        }
    }
}
