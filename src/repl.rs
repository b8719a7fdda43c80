//! The REPL (spec §11): `tscript` with no arguments on a terminal. Each entry is read with
//! rustyline (prompt `ts> `, then `..> ` while
//! [`is_incomplete`](crate::syntax::parse::is_incomplete) says the entry goes on), run into one
//! [`Session`] under the name `<repl N>` so that diagnostics show the entry's own line numbers,
//! and an expression's value is printed with its type. Ctrl-C while an entry runs stops it at
//! the next statement boundary or after the running operation, and the variables keep the values
//! they had then (an interrupted training loop keeps the weights learned so far): a statement is
//! atomic, so each variable holds the value it had before the statement or the one the statement
//! gave it. The message says where it stopped (`interrupted in step 4,213 of 10,000 at line 7;
//! variables keep their values`). Any other error likewise keeps what the entry did before it
//! failed. Lines starting with `:` are commands. Reading
//! lines, history, completion and highlighting live in `input`. Piped input is not handled
//! here: `main.rs` runs it as one script.

mod input;
pub mod keywords;

pub use input::KEYWORDS;

use crate::blas::{self, ThreadPolicy};
use crate::diag::{nearest, Code, Diag};
use crate::interrupt::INTERRUPTED;
use crate::prims::{Builtin, Kind};
use crate::value::{repr_with, Value};
use crate::Session;
use input::{Input, Read};
use std::io::Write;
use std::sync::atomic::Ordering;

/// The REPL's commands with their one-line descriptions, in the order `:help` lists them.
pub const COMMANDS: &[(&str, &str)] = &[
    (":help", "list the built-ins and keywords; `:help NAME` shows one"),
    (":type", "`:type EXPR` shows the type of EXPR without running it"),
    (":time", "`:time ENTRY` runs ENTRY and shows the time of each of its lines"),
    (":vars", "the variables, their types and memory"),
    (":info", "the BLAS library, its CPU kernel and threads (as `tscript info`)"),
    (":load", "`:load FILE` runs a script into the session"),
    (":reset", "starts a fresh session"),
    (":quit", "leaves (as does Ctrl-D)"),
];

/// Runs the interactive REPL until Ctrl-D or `:quit`; returns the exit status (0, or 1 when
/// the terminal cannot be used). `threads` is `--threads N`, kept for `:reset`.
pub fn run(threads: Option<usize>) -> u8 {
    let mut input = match Input::new() {
        Ok(input) => input,
        Err(e) => {
            let diag = Diag::unplaced(Code::Io, format!("cannot use the terminal: {e}"));
            eprintln!("{:?}", crate::diag::SourceMap::default().report(diag));
            return 1;
        }
    };
    println!("TensorScript {} — `:help` for help, Ctrl-D to leave", env!("CARGO_PKG_VERSION"));
    let mut repl = Repl { session: new_session(threads), threads, entries: 0 };
    loop {
        let text = match input.read_entry() {
            Read::Entry(text) => text,
            Read::Cleared => continue,
            Read::End => {
                println!();
                return 0;
            }
        };
        if !text.trim().is_empty() {
            input.remember(&text);
        }
        let guard = input.interruptible();
        let flow = repl.entry(&text);
        drop(guard);
        if flow == Flow::Quit {
            return 0;
        }
        input.set_names(repl.session.variables().into_iter().map(|(name, _)| name.to_string()).collect());
    }
}

/// A session that prints to standard output, with the thread policy of `--threads`.
fn new_session(threads: Option<usize>) -> Session {
    Session::new(Box::new(std::io::stdout()), Vec::new(), ThreadPolicy::new(threads))
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
                    show(&value, self.session.interp.ctx.print);
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

    /// Runs `text` into the session and returns its value (`Err` after an error or Ctrl-C,
    /// whose diagnostics it prints). The session keeps what the entry did before it stopped.
    fn run_code(&mut self, name: &str, text: &str) -> Result<Option<Value>, ()> {
        INTERRUPTED.store(false, Ordering::SeqCst);
        self.session.run(name, text).map_err(|mut diags| {
            for d in diags.iter_mut().filter(|d| d.code == Code::RuntimeInterrupted) {
                d.message.push_str("; variables keep their values");
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
        let found = Builtin::by_name(name)
            .or_else(|| Builtin::all().find(|p| p.info().kind == Kind::Operator && p.info().name == name));
        match found {
            Some(prim) => print!("{}", help_entry(prim)),
            None if keywords::keyword(name).is_some() => {
                print!("{}", keywords::keyword(name).map(keywords::help_text).unwrap_or_default())
            }
            None => {
                let mut known: Vec<&str> = Builtin::function_names().collect();
                known.extend(keywords::KEYWORDS.iter().map(|k| k.name));
                let mut diag =
                    Diag::unplaced(Code::NameUndefined, format!("there is no built-in or keyword called `{name}`"));
                diag.help = Some(match nearest(name, &known) {
                    Some(near) => format!("did you mean '{near}'?"),
                    None => "`:help` lists every built-in".into(),
                });
                self.report(vec![diag]);
            }
        }
    }

    /// `:time ENTRY`: runs the entry, prints its value, then its time per source line as
    /// `tscript run --profile` prints it (calls, self time, share, GFLOP/s where `@` ran).
    fn time(&mut self, text: &str) {
        let name = self.next_name();
        self.session.interp.profile = Some(Box::default());
        let result = self.run_code(&name, text);
        let profile = self.session.interp.profile.take();
        if let Ok(Some(value)) = &result {
            show(value, self.session.interp.ctx.print);
        }
        if let Some(profile) = profile {
            print!("{}", profile.report(&self.session.sources));
        }
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
                let bytes = v.bytes();
                (
                    name.to_string(),
                    v.type_name(),
                    if bytes > 0 || is_tensor(v) { crate::memory::size_text(bytes) } else { String::new() },
                )
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
        // An import (spec §13), forgotten first so that a file edited since runs again.
        let path = path.trim_matches('"');
        self.session.forget_import(std::path::Path::new(path));
        let name = self.next_name();
        let quoted = path.replace('\\', "\\\\").replace('"', "\\\"");
        let _ = self.run_code(&name, &format!("import \"{quoted}\""));
    }
}

/// Prints an entry's value with its type; the empty tuple (what statements and `print`
/// give) prints nothing.
fn show(value: &Value, options: crate::value::PrintOptions) {
    if matches!(value.primal(), Value::Tuple(items) if items.is_empty()) {
        return;
    }
    println!("{} : {}", repr_with(value, options), value.type_name());
}

/// The diagnostic for an unknown command or one used without its argument.
fn usage(name: &str, arg: &str) -> Diag {
    let known = COMMANDS.iter().find(|(c, _)| &c[1..] == name);
    match known {
        Some((command, what)) if arg.is_empty() => {
            Diag::unplaced(Code::Usage, format!("`{command}` needs an argument"))
                .with_help(format!("{command}: {what}"))
        }
        Some((command, what)) => Diag::unplaced(Code::Usage, format!("`{command}` takes no argument"))
            .with_help(format!("{command}: {what}")),
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

/// The text of `:help`: the built-in functions grouped by family, the operators, the commands.
pub fn help_list() -> String {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for prim in Builtin::all().filter(|p| p.info().kind == Kind::Function) {
        match groups.iter_mut().find(|(heading, _)| *heading == prim.title()) {
            Some((_, names)) => names.push(prim.info().name),
            None => groups.push((prim.title(), vec![prim.info().name])),
        }
    }
    let operators: Vec<&str> =
        Builtin::all().filter(|p| p.info().kind == Kind::Operator).map(|p| p.info().name).collect();
    groups.push(("Operators", operators));
    let mut out = String::from("Built-in functions (`:help NAME` for one of them):\n");
    for (heading, names) in groups {
        out.push_str(&wrap(&format!("  {}: ", heading.to_lowercase()), &names, 80));
    }
    let words: Vec<&str> = keywords::KEYWORDS.iter().map(|k| k.name).collect();
    out.push_str(&wrap("Keywords (`:help KEYWORD`): ", &words, 80));
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
pub fn help_entry(prim: Builtin) -> String {
    let info = prim.info();
    let signature = match info.kind {
        Kind::Operator => format!("operator {} ({})", info.name, info.params),
        Kind::Function | Kind::Internal => format!("{}({})", info.name, info.params),
    };
    format!("{signature}\n  {}\n  example: {}\n", info.help, info.example)
}

/// Whether a value is a tensor.
fn is_tensor(v: &Value) -> bool {
    matches!(v.primal(), Value::Tensor(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_lists_the_table_by_family_and_shows_one_row() {
        let list = help_list();
        for name in Builtin::function_names() {
            assert!(list.contains(name), "{name} missing from :help");
        }
        assert!(list.contains("  linear algebra: dot outer trace"), "{list}");
        assert!(list.lines().all(|l| l.chars().count() <= 80), "{list}");
        assert!(list.contains(":quit"));
        let grad = help_entry(Builtin::by_name("grad").unwrap());
        assert!(grad.starts_with("grad(f, wrt?)\n  The gradient function"), "{grad}");
        assert!(grad.ends_with("  example: grad(|x| x ^ 2)(3.0)  # 6.0\n"), "{grad}");
        let matmul = Builtin::all().find(|p| p.info().name == "@").unwrap();
        assert!(help_entry(matmul).starts_with("operator @ (a, b)\n"));
    }

    #[test]
    fn wrap_breaks_at_the_width() {
        let words = ["alpha", "beta", "gamma", "delta"];
        assert_eq!(wrap("  x: ", &words, 16), "  x: alpha beta\n    gamma delta\n");
        assert_eq!(wrap("  x: ", &[], 16), "  x:\n");
    }

    #[test]
    fn sizes_for_people() {
        assert_eq!(crate::memory::size_text(96), "96 B");
        assert_eq!(crate::memory::size_text(8192), "8.0 KiB");
        assert_eq!(crate::memory::size_text(32 << 20), "32.0 MiB");
        assert_eq!(crate::memory::size_text(3 << 30), "3.0 GiB");
    }

    #[test]
    fn usage_errors_name_the_command() {
        let d = usage("tpye", "x");
        assert_eq!((d.code, d.message.as_str()), (Code::Usage, "there is no command `:tpye`"));
        assert_eq!(d.help.as_deref(), Some("did you mean ':type'?"));
        assert_eq!(usage("load", "").message, "`:load` needs an argument");
        assert_eq!(usage("vars", "x").message, "`:vars` takes no argument");
    }
}
