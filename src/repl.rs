//! The REPL (spec §11): `tscript` with no arguments on a terminal. Each entry is read with
//! rustyline (prompt `ts> `, `..> ` while [`is_incomplete`] says the entry goes on), run into
//! one [`Session`] under the name `<repl N>` so that diagnostics show the entry's own line
//! numbers, and an expression's value is printed with its type. Ctrl-C while an entry runs
//! stops it and puts the session back as it was before the entry ([`Session::snapshot`]); any
//! other error keeps what the entry did before it failed. Lines starting with `:` are
//! commands. History lives in `TSCRIPT_HISTORY`, else `$XDG_DATA_HOME/tscript/history`, else
//! `~/.local/share/tscript/history`. Piped input is not handled here: `main.rs` runs it as a script.

use crate::blas::{self, ThreadPolicy};
use crate::diag::{Code, Diag};
use crate::eval::interp::INTERRUPTED;
use crate::eval::lower::nearest;
use crate::prims::{Kind, Prim};
use crate::syntax::ast::{BinOp, ExprKind, StmtKind};
use crate::syntax::parse::{is_incomplete, parse};
use crate::value::{repr, Tensor, Value};
use crate::Session;
use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::config::{ColorMode, CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};
use std::borrow::Cow;
use std::cell::Cell;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// The REPL's commands with their one-line descriptions, in the order `:help` lists them.
pub const COMMANDS: &[(&str, &str)] = &[
    (":help", "list the built-ins; `:help NAME` shows one"),
    (":type", "`:type EXPR` shows the type of EXPR without running it"),
    (":time", "`:time EXPR` runs EXPR and shows the wall time (and GFLOP/s for `A @ B`)"),
    (":vars", "the variables, their types and memory"),
    (":info", "the BLAS library, its CPU kernel and threads (as `tscript info`)"),
    (":load", "`:load FILE` runs a script into the session"),
    (":reset", "starts a fresh session"),
    (":quit", "leaves (as does Ctrl-D)"),
];

/// The language's keywords (spec §2), for completion and highlighting.
pub const KEYWORDS: &[&str] = &[
    "let", "fn", "return", "if", "else", "for", "in", "while", "break", "continue", "true", "false", "and", "or",
    "not", "threads", "seed", "dtype",
];

/// Runs the interactive REPL until Ctrl-D or `:quit`; returns the exit status (0, or 1 when
/// the terminal cannot be used). `threads` is `--threads N`, kept for `:reset`.
pub fn run(threads: Option<usize>) -> u8 {
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let config = Config::builder()
        .max_history_size(1000)
        .and_then(|b| b.history_ignore_dups(true))
        .map(|b| {
            b.auto_add_history(false)
                .completion_type(CompletionType::List)
                .color_mode(if colour { ColorMode::Enabled } else { ColorMode::Disabled })
                .build()
        });
    let editor = config.and_then(Editor::<ReplHelper, DefaultHistory>::with_config);
    let mut editor = match editor {
        Ok(editor) => editor,
        Err(e) => {
            let diag = Diag::unplaced(Code::Io, format!("cannot use the terminal: {e}"));
            eprintln!("{:?}", crate::diag::SourceMap::default().report(diag));
            return 1;
        }
    };
    editor.set_helper(Some(ReplHelper::default()));
    let history = history_path();
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    println!("TensorScript {} — `:help` for help, Ctrl-D to leave", env!("CARGO_PKG_VERSION"));
    let mut repl = Repl { session: new_session(threads), threads, entries: 0 };
    loop {
        let text = match read_entry(&mut editor) {
            Read::Entry(text) => text,
            Read::Cleared => continue,
            Read::End => {
                println!();
                return 0;
            }
        };
        if !text.trim().is_empty() {
            let _ = editor.add_history_entry(text.as_str());
            save_history(&mut editor, history.as_deref());
        }
        if repl.entry(&text) == Flow::Quit {
            return 0;
        }
        let names = repl.session.variables().into_iter().map(|(name, _)| name.to_string()).collect();
        if let Some(helper) = editor.helper_mut() {
            helper.names = names;
        }
    }
}

/// A session that prints to standard output, with the thread policy of `--threads`.
fn new_session(threads: Option<usize>) -> Session {
    Session::new(Box::new(std::io::stdout()), Vec::new(), ThreadPolicy::new(threads))
}

/// What reading one entry gave.
enum Read {
    /// A complete entry (possibly several lines).
    Entry(String),
    /// Ctrl-C at a prompt: the entry so far is dropped.
    Cleared,
    /// Ctrl-D on an empty line, or the input ended.
    End,
}

/// Reads lines until the entry is complete: a `:` command is one line; code goes on while
/// brackets are open or a line ends in an operator.
fn read_entry(editor: &mut Editor<ReplHelper, DefaultHistory>) -> Read {
    let mut text = String::new();
    let mut prompt = "ts> ";
    loop {
        match editor.readline(prompt) {
            Ok(line) => {
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(&line);
                if text.trim_start().starts_with(':') || !is_incomplete(&text) {
                    return Read::Entry(text);
                }
                prompt = "..> ";
            }
            Err(ReadlineError::Interrupted) => return Read::Cleared,
            Err(ReadlineError::Eof) => return Read::End,
            Err(e) => {
                eprintln!("cannot read the terminal: {e}");
                return Read::End;
            }
        }
    }
}

/// Appends the new history entries to the history file, creating its folder; warns once if
/// that fails.
fn save_history(editor: &mut Editor<ReplHelper, DefaultHistory>, path: Option<&std::path::Path>) {
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    let Some(path) = path else { return };
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Err(e) = editor.append_history(path) {
        if !WARNED.swap(true, Ordering::Relaxed) {
            eprintln!("warning: cannot save the history to {}: {e}", path.display());
        }
    }
}

/// Where the history is kept: `TSCRIPT_HISTORY`, else the XDG data directory.
pub fn history_path() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(path) = var("TSCRIPT_HISTORY") {
        return Some(path);
    }
    let data = var("XDG_DATA_HOME").filter(|p| p.is_absolute()).or_else(|| var("HOME").map(|h| h.join(".local").join("share")))?;
    Some(data.join("tscript").join("history"))
}

/// Whether the REPL goes on after an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    Quit,
}

/// The REPL's state: the session entries run into.
struct Repl {
    session: Session,
    threads: Option<usize>,
    /// How many sources have been given to the session, for the `<repl N>` names.
    entries: usize,
}

impl Repl {
    /// Runs one entry: a command, or code.
    fn entry(&mut self, text: &str) -> Flow {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Flow::Continue;
        }
        match trimmed.strip_prefix(':') {
            Some(command) => self.command(command),
            None => {
                let name = self.next_name();
                if let Ok(Some(value)) = self.run_code(&name, text) {
                    show(&value);
                }
                Flow::Continue
            }
        }
    }

    /// The name of the next entry's source, `<repl N>`.
    fn next_name(&mut self) -> String {
        self.entries += 1;
        format!("<repl {}>", self.entries)
    }

    /// Runs `text` into the session and returns its value (`Err` after an error, whose
    /// diagnostics it prints). After Ctrl-C it first puts the session back as it was before;
    /// after any other error the session keeps what the entry did before failing.
    fn run_code(&mut self, name: &str, text: &str) -> Result<Option<Value>, ()> {
        let before = self.session.snapshot();
        INTERRUPTED.store(false, Ordering::SeqCst);
        self.session.run(name, text).map_err(|diags| {
            if diags.iter().any(|d| d.code == Code::RuntimeInterrupted) {
                self.session.restore(before);
            }
            self.report(diags);
        })
    }

    /// Prints diagnostics on standard error.
    fn report(&self, diags: Vec<Diag>) {
        let _ = std::io::stdout().flush();
        for d in diags {
            eprintln!("{:?}", self.session.report(d));
        }
    }

    /// Runs a `:` command (`command` is the text after the colon).
    fn command(&mut self, command: &str) -> Flow {
        let (name, arg) = command.split_once(char::is_whitespace).unwrap_or((command, ""));
        let arg = arg.trim();
        match (name, arg.is_empty()) {
            ("help", _) => self.help(arg),
            ("type", false) => {
                let name = self.next_name();
                match self.session.type_of(&name, arg) {
                    Ok(ty) => println!("{ty}"),
                    Err(diags) => self.report(diags),
                }
            }
            ("time", false) => self.time(arg),
            ("vars", true) => self.vars(),
            ("info", true) => print!("{}", blas::info_report(blas::threads(), self.session.interp.threads.source())),
            ("load", false) => self.load(arg),
            ("reset", true) => {
                self.session = new_session(self.threads);
                println!("fresh session: every variable is gone");
            }
            ("quit", true) => return Flow::Quit,
            _ => self.report(vec![usage(name, arg)]),
        }
        Flow::Continue
    }

    /// `:help` lists the built-ins by family and the commands; `:help NAME` shows one row of
    /// the built-in table (a function, or an operator such as `@`).
    fn help(&self, name: &str) {
        if name.is_empty() {
            print!("{}", help_list());
            return;
        }
        let found = Prim::by_name(name).or_else(|| Prim::all().find(|p| p.info().kind == Kind::Operator && p.info().name == name));
        match found {
            Some(prim) => print!("{}", help_entry(prim)),
            None => {
                let known: Vec<&str> = Prim::function_names().collect();
                let mut diag = Diag::unplaced(Code::NameUndefined, format!("there is no built-in called `{name}`"));
                diag.help = Some(match nearest(name, &known) {
                    Some(near) => format!("did you mean '{near}'?"),
                    None => "`:help` lists every built-in".into(),
                });
                self.report(vec![diag]);
            }
        }
    }

    /// `:time EXPR`: runs the entry, prints its value and the wall time, and the GFLOP/s rate
    /// when it is a matrix product of two variables (`A @ B`, `A.T @ B`).
    fn time(&mut self, text: &str) {
        let flops = self.matmul_flops(text);
        let name = self.next_name();
        let start = Instant::now();
        let Ok(value) = self.run_code(&name, text) else { return };
        let seconds = start.elapsed().as_secs_f64();
        if let Some(value) = &value {
            show(value);
        }
        match flops {
            Some(flops) if seconds > 0.0 => println!("time: {}, {:.1} GFLOP/s", duration_text(seconds), flops / seconds / 1e9),
            _ => println!("time: {}", duration_text(seconds)),
        }
    }

    /// The floating-point operations of `text` when it is `A @ B` with each side a variable or
    /// a variable's transpose: `2 m k n`.
    fn matmul_flops(&self, text: &str) -> Option<f64> {
        let program = parse(text, 0).ok()?;
        let [stmt] = &program.stmts[..] else { return None };
        let StmtKind::Expr(expr) = &stmt.kind else { return None };
        let ExprKind::Binary { op: BinOp::MatMul, lhs, rhs } = &expr.kind else { return None };
        let vars = self.session.variables();
        let shape_of = |e: &crate::syntax::ast::Expr| -> Option<Vec<usize>> {
            let (name, transposed) = match &e.kind {
                ExprKind::Name(id) => (id.name.clone(), false),
                ExprKind::Field { target, field } if &*field.name == "T" => match &target.kind {
                    ExprKind::Name(id) => (id.name.clone(), true),
                    _ => return None,
                },
                _ => return None,
            };
            let (_, value) = vars.iter().find(|(n, _)| *n == name)?;
            let Value::Tensor(t) = value.primal() else { return None };
            let mut shape = t.shape().to_vec();
            if transposed {
                shape.reverse();
            }
            Some(shape)
        };
        matmul_flops(&shape_of(lhs)?, &shape_of(rhs)?)
    }

    /// `:vars`: each variable with its type and, for tensors, its memory.
    fn vars(&self) {
        let vars = self.session.variables();
        if vars.is_empty() {
            println!("no variables yet");
            return;
        }
        let rows: Vec<(String, String, String)> = vars
            .iter()
            .map(|(name, v)| {
                let bytes = memory(v);
                (name.to_string(), v.type_name(), if bytes > 0 || is_tensor(v) { bytes_text(bytes) } else { String::new() })
            })
            .collect();
        let name_width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
        let type_width = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
        for (name, ty, mem) in rows {
            println!("{}", format!("{name:<name_width$}  {ty:<type_width$}  {mem}").trim_end());
        }
    }

    /// `:load FILE`: runs a script into the session (its last value is not printed).
    fn load(&mut self, path: &str) {
        let path = path.trim_matches('"');
        let text = match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(_) => return self.report(vec![Diag::unplaced(Code::Io, format!("cannot read {path}: not UTF-8 text"))]),
            },
            Err(e) => {
                let diag = Diag::unplaced(Code::Io, format!("cannot read {path}: {e}")).with_help("check the path");
                return self.report(vec![diag]);
            }
        };
        let _ = self.run_code(path, &text);
    }
}

/// Prints an entry's value with its type; the empty tuple (what statements and `print`
/// give) prints nothing.
fn show(value: &Value) {
    if matches!(value.primal(), Value::Tuple(items) if items.is_empty()) {
        return;
    }
    println!("{} : {}", repr(value), value.type_name());
}

/// The diagnostic for an unknown command or one used without its argument.
fn usage(name: &str, arg: &str) -> Diag {
    let known = COMMANDS.iter().find(|(c, _)| &c[1..] == name);
    match known {
        Some((command, what)) if arg.is_empty() => {
            Diag::unplaced(Code::Usage, format!("`{command}` needs an argument")).with_help(format!("{command}: {what}"))
        }
        Some((command, what)) => Diag::unplaced(Code::Usage, format!("`{command}` takes no argument")).with_help(format!("{command}: {what}")),
        None => {
            let names: Vec<&str> = COMMANDS.iter().map(|(c, _)| &c[1..]).collect();
            let help = match nearest(name, &names) {
                Some(near) => format!("did you mean ':{near}'?"),
                None => format!("the commands are {}", COMMANDS.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(" ")),
            };
            Diag::unplaced(Code::Usage, format!("there is no command `:{name}`")).with_help(help)
        }
    }
}

/// The heading a built-in is listed under in `:help`.
fn family(prim: Prim) -> &'static str {
    match prim {
        Prim::Arith(_) | Prim::Unary(_) => "element-wise",
        Prim::Reduce(_) => "reductions",
        Prim::Shape(_) => "shape and conversion",
        Prim::Construct(_) => "construction",
        Prim::Linalg(_) => "linear algebra",
        Prim::Diff(_) => "differentiation",
        Prim::Data(_) => "data files",
        Prim::Sys(_) => "other",
    }
}

/// The text of `:help`: the built-in functions grouped by family, the operators, the commands.
pub fn help_list() -> String {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for prim in Prim::all().filter(|p| p.info().kind == Kind::Function) {
        match groups.iter_mut().find(|(heading, _)| *heading == family(prim)) {
            Some((_, names)) => names.push(prim.info().name),
            None => groups.push((family(prim), vec![prim.info().name])),
        }
    }
    let operators: Vec<&str> = Prim::all().filter(|p| p.info().kind == Kind::Operator).map(|p| p.info().name).collect();
    groups.push(("operators", operators));
    let mut out = String::from("Built-in functions (`:help NAME` for one of them):\n");
    for (heading, names) in groups {
        out.push_str(&wrap(&format!("  {heading}: "), &names, 80));
    }
    out.push_str("Commands:\n");
    for (command, what) in COMMANDS {
        out.push_str(&format!("  {command:<7} {what}\n"));
    }
    out
}

/// `lead` then `words` separated by spaces, wrapped at `width` with continuation lines indented.
fn wrap(lead: &str, words: &[&str], width: usize) -> String {
    let indent = " ".repeat(4);
    let mut out = String::new();
    let mut line = lead.to_string();
    let mut fresh = true;
    for word in words {
        if !fresh && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = indent.clone();
            fresh = true;
        }
        if !fresh {
            line.push(' ');
        }
        line.push_str(word);
        fresh = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// The text of `:help NAME`: the signature, the one-line help and the example of its row.
pub fn help_entry(prim: Prim) -> String {
    let info = prim.info();
    let signature = match info.kind {
        Kind::Operator => format!("operator {} ({})", info.name, info.params),
        Kind::Function | Kind::Internal => format!("{}({})", info.name, info.params),
    };
    format!("{signature}\n  {}\n  example: {}\n", info.help, info.example)
}

/// `2 m k n` for a product of operands with these shapes (ranks 1 and 2), if they fit.
pub fn matmul_flops(a: &[usize], b: &[usize]) -> Option<f64> {
    let (m, k) = match a {
        [k] => (1, *k),
        [m, k] => (*m, *k),
        _ => return None,
    };
    let n = match b {
        [k2] if *k2 == k => 1,
        [k2, n] if *k2 == k => *n,
        _ => return None,
    };
    Some(2.0 * m as f64 * k as f64 * n as f64)
}

/// A duration for people: `850 ns`, `12.3 µs`, `4.56 ms`, `1.234 s`.
pub fn duration_text(seconds: f64) -> String {
    if seconds < 1e-6 {
        format!("{:.0} ns", seconds * 1e9)
    } else if seconds < 1e-3 {
        format!("{:.1} µs", seconds * 1e6)
    } else if seconds < 1.0 {
        format!("{:.2} ms", seconds * 1e3)
    } else {
        format!("{seconds:.3} s")
    }
}

/// Whether a value is a tensor.
fn is_tensor(v: &Value) -> bool {
    matches!(v.primal(), Value::Tensor(_))
}

/// The bytes of tensor data a value holds (tuples add up their tensors; views count in full).
pub fn memory(v: &Value) -> usize {
    match v.primal() {
        Value::Tensor(t) => {
            t.len()
                * match t {
                    Tensor::F64(_) => 8,
                    Tensor::F32(_) => 4,
                    Tensor::Bool(_) => 1,
                }
        }
        Value::Tuple(items) => items.iter().map(memory).sum(),
        _ => 0,
    }
}

/// A size for people: `96 B`, `1.5 KiB`, `30.5 MiB`, `2.0 GiB`.
pub fn bytes_text(bytes: usize) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if b < KIB * KIB {
        format!("{:.1} KiB", b / KIB)
    } else if b < KIB * KIB * KIB {
        format!("{:.1} MiB", b / (KIB * KIB))
    } else {
        format!("{:.1} GiB", b / (KIB * KIB * KIB))
    }
}

/// Rustyline's helper: Tab completion, syntax highlighting and bracket matching.
#[derive(Default)]
pub struct ReplHelper {
    /// The session's variable names, refreshed after each entry.
    pub names: Vec<String>,
    /// Whether the next repaint shows the bracket matching the one at the cursor (not on the
    /// final repaint of an entered line).
    brackets: Cell<bool>,
    files: FilenameCompleter,
}

impl Helper for ReplHelper {}

impl Hinter for ReplHelper {
    type Hint = String;
}

impl Validator for ReplHelper {}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, ctx: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let lead = before.len() - before.trim_start().len();
        if let Some(command) = before.trim_start().strip_prefix(':') {
            match command.split_once(char::is_whitespace) {
                None => {
                    let found = COMMANDS.iter().map(|(c, _)| *c).filter(|c| c.starts_with(before.trim_start()));
                    return Ok((lead, found.map(pair).collect()));
                }
                Some(("load", _)) => return self.files.complete(line, pos, ctx),
                Some(("help", _)) => {
                    let start = word_start(before);
                    let word = &before[start..];
                    let found = Prim::function_names().filter(|n| n.starts_with(word));
                    return Ok((start, sorted(found.map(pair).collect())));
                }
                Some(_) => {}
            }
        }
        let start = word_start(before);
        let word = &before[start..];
        if word.is_empty() || word.starts_with(|c: char| c.is_ascii_digit()) {
            return Ok((start, Vec::new()));
        }
        let mut names: Vec<&str> = self.names.iter().map(String::as_str).collect();
        for name in Prim::function_names().chain(KEYWORDS.iter().copied()) {
            names.push(name);
        }
        Ok((start, sorted(names.into_iter().filter(|n| n.starts_with(word)).map(pair).collect())))
    }
}

/// A completion candidate shown and inserted as `text`.
fn pair(text: &str) -> Pair {
    Pair { display: text.to_string(), replacement: text.to_string() }
}

/// Candidates in order, each once.
fn sorted(mut pairs: Vec<Pair>) -> Vec<Pair> {
    pairs.sort_by(|a, b| a.replacement.cmp(&b.replacement));
    pairs.dedup_by(|a, b| a.replacement == b.replacement);
    pairs
}

/// Where the identifier that ends at the end of `text` starts.
fn word_start(text: &str) -> usize {
    text.char_indices().rev().take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_').last().map_or(text.len(), |(i, _)| i)
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, pos: usize) -> Cow<'l, str> {
        let bracket = if self.brackets.get() { matching_bracket(line, pos) } else { None };
        Cow::Owned(highlight(line, bracket))
    }

    fn highlight_char(&self, _line: &str, _pos: usize, kind: CmdKind) -> bool {
        self.brackets.set(kind != CmdKind::ForcedRefresh);
        true
    }
}

/// ANSI colours of the highlighter.
const KEYWORD: &str = "\x1b[35m";
const BUILTIN: &str = "\x1b[34m";
const NUMBER: &str = "\x1b[33m";
const STRING: &str = "\x1b[32m";
const COMMENT: &str = "\x1b[90m";
const BRACKET: &str = "\x1b[1;4m";
const RESET: &str = "\x1b[0m";

/// `line` with keywords, built-ins, numbers, strings and comments coloured, and the bracket
/// at byte `bracket` (the match of the one at the cursor) in bold. Only escape codes are
/// added, so the text keeps its width.
pub fn highlight(line: &str, bracket: Option<usize>) -> String {
    let mut out = String::with_capacity(line.len() * 2);
    let mut rest = line.char_indices().peekable();
    let paint = |out: &mut String, colour: &str, text: &str| {
        out.push_str(colour);
        out.push_str(text);
        out.push_str(RESET);
    };
    while let Some((i, c)) = rest.next() {
        let end_of = |pred: &dyn Fn(char, char) -> bool, rest: &mut std::iter::Peekable<std::str::CharIndices>| {
            let mut prev = c;
            while let Some(&(_, next)) = rest.peek() {
                if !pred(prev, next) {
                    break;
                }
                prev = next;
                rest.next();
            }
            rest.peek().map_or(line.len(), |&(j, _)| j)
        };
        if c == '#' {
            paint(&mut out, COMMENT, &line[i..]);
            break;
        } else if c == '"' {
            let mut escaped = false;
            let mut end = line.len();
            for (j, d) in rest.by_ref() {
                if d == '"' && !escaped {
                    end = j + 1;
                    break;
                }
                escaped = d == '\\' && !escaped;
            }
            paint(&mut out, STRING, &line[i..end]);
        } else if c.is_ascii_digit() {
            let end = end_of(&|prev, d| d.is_ascii_alphanumeric() || d == '_' || d == '.' || ((d == '+' || d == '-') && (prev == 'e' || prev == 'E')), &mut rest);
            paint(&mut out, NUMBER, &line[i..end]);
        } else if c.is_ascii_alphabetic() || c == '_' {
            let end = end_of(&|_, d| d.is_ascii_alphanumeric() || d == '_', &mut rest);
            let word = &line[i..end];
            if KEYWORDS.contains(&word) {
                paint(&mut out, KEYWORD, word);
            } else if Prim::by_name(word).is_some() {
                paint(&mut out, BUILTIN, word);
            } else {
                out.push_str(word);
            }
        } else if Some(i) == bracket {
            paint(&mut out, BRACKET, &line[i..i + c.len_utf8()]);
        } else {
            out.push(c);
        }
    }
    out
}

/// The byte index of the bracket matching the one just before or at the cursor `pos`.
pub fn matching_bracket(line: &str, pos: usize) -> Option<usize> {
    let bytes = line.as_bytes();
    let at = [pos.checked_sub(1), Some(pos)].into_iter().flatten().find(|&i| bytes.get(i).is_some_and(|b| b"()[]{}".contains(b)))?;
    let (open, close, forward) = match bytes[at] {
        b'(' => (b'(', b')', true),
        b'[' => (b'[', b']', true),
        b'{' => (b'{', b'}', true),
        b')' => (b'(', b')', false),
        b']' => (b'[', b']', false),
        _ => (b'{', b'}', false),
    };
    let mut depth = 0usize;
    let indices: Box<dyn Iterator<Item = usize>> = if forward { Box::new(at..bytes.len()) } else { Box::new((0..=at).rev()) };
    for i in indices {
        if bytes[i] == open {
            depth = if forward { depth + 1 } else { depth.checked_sub(1)? };
        } else if bytes[i] == close {
            depth = if forward { depth.checked_sub(1)? } else { depth + 1 };
        }
        if depth == 0 {
            return Some(i);
        }
    }
    None
}
