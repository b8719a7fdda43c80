//! Reading entries at the terminal: rustyline's editor (one per line, see [`Input`]), the
//! history file, Tab completion, syntax highlighting and bracket matching.

use super::COMMANDS;
use crate::prims::Builtin;
use crate::syntax::parse::is_incomplete;
use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::config::{ColorMode, CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::history::{DefaultHistory, History};
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};
use std::borrow::Cow;
use std::cell::Cell;
use std::io::IsTerminal;
use std::path::PathBuf;

/// The language's keywords (spec §2), for completion and highlighting.
pub const KEYWORDS: &[&str] = &[
    "let",
    "fn",
    "return",
    "if",
    "else",
    "for",
    "in",
    "while",
    "break",
    "continue",
    "true",
    "false",
    "and",
    "or",
    "not",
    "threads",
    "seed",
    "dtype",
    "precision",
    "import",
    "as",
];

/// What reading one entry gave.
pub(super) enum Read {
    /// A complete entry (possibly several lines).
    Entry(String),
    /// Ctrl-C at a prompt: the entry so far is dropped.
    Cleared,
    /// Ctrl-D on an empty line, or the input ended.
    End,
}

/// The terminal side: one rustyline editor for the session (it keeps input that arrives ahead
/// of the prompt, so a pasted multi-line function arrives whole), its history file, and the
/// names to complete. Rustyline handles SIGINT while its editor exists; [`SigintGuard`] puts the
/// command line's handler back while an entry runs.
pub(super) struct Input {
    editor: Editor<ReplHelper, DefaultHistory>,
    /// SIGINT's action from before the editor existed: the command line's interrupting handler.
    interrupting: libc::sigaction,
    path: Option<PathBuf>,
    /// Whether saving the history has failed already (it is reported once).
    warned: bool,
}

impl Input {
    /// Colours only on a terminal and without `NO_COLOR`; the history loaded from its file.
    pub(super) fn new() -> rustyline::Result<Input> {
        let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let config = Config::builder()
            .max_history_size(1000)?
            .history_ignore_dups(true)?
            .auto_add_history(false)
            .completion_type(CompletionType::List)
            .color_mode(if colour { ColorMode::Enabled } else { ColorMode::Disabled })
            .build();
        let interrupting = sigint_action();
        let mut editor = Editor::with_config(config)?;
        editor.set_helper(Some(ReplHelper::default()));
        let path = history_path();
        if let Some(path) = &path {
            let _ = editor.history_mut().load(path);
        }
        Ok(Input { editor, interrupting, path, warned: false })
    }

    /// Puts the command line's SIGINT handler in place of rustyline's until the guard is dropped:
    /// Ctrl-C then interrupts the running entry.
    pub(super) fn interruptible(&self) -> Option<SigintGuard> {
        SigintGuard::install(&self.interrupting)
    }

    /// Sets the session's variable names, for completion.
    pub(super) fn set_names(&mut self, names: Vec<String>) {
        if let Some(helper) = self.editor.helper_mut() {
            helper.names = names;
        }
    }

    fn read_line(&mut self, prompt: &str) -> rustyline::Result<String> {
        self.editor.readline(prompt)
    }

    /// Reads lines until the entry is complete: a `:` command is one line, except that the
    /// code of `:time CODE` goes on as code does, while brackets are open or a line ends in an
    /// operator.
    pub(super) fn read_entry(&mut self) -> Read {
        let mut text = String::new();
        let mut prompt = "ts> ";
        loop {
            match self.read_line(prompt) {
                Ok(line) => {
                    if !text.is_empty() {
                        text.push('\n');
                    }
                    text.push_str(&line);
                    let code = match text.trim_start().strip_prefix(':') {
                        Some(command) => command.strip_prefix("time").filter(|c| c.starts_with(char::is_whitespace)),
                        None => Some(text.as_str()),
                    };
                    if !code.is_some_and(is_incomplete) {
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

    /// Adds an entry to the history and appends it to the history file (creating its folder).
    pub(super) fn remember(&mut self, text: &str) {
        let history = self.editor.history_mut();
        let _ = history.add(text);
        let Some(path) = &self.path else { return };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = history.append(path) {
            if !std::mem::replace(&mut self.warned, true) {
                eprintln!("warning: cannot save the history to {}: {e}", path.display());
            }
        }
    }
}

/// Where the history is kept: `TSCRIPT_HISTORY`, else the XDG data directory.
pub fn history_path() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(path) = var("TSCRIPT_HISTORY") {
        return Some(path);
    }
    let data = var("XDG_DATA_HOME")
        .filter(|p| p.is_absolute())
        .or_else(|| var("HOME").map(|h| h.join(".local").join("share")))?;
    Some(data.join("tscript").join("history"))
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
                    let found = Builtin::function_names().filter(|n| n.starts_with(word));
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
        for name in Builtin::function_names().chain(KEYWORDS.iter().copied()) {
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
    text.char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_')
        .last()
        .map_or(text.len(), |(i, _)| i)
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, pos: usize) -> Cow<'l, str> {
        let bracket = if self.brackets.get() { matching_bracket(line, pos) } else { None };
        Cow::Owned(highlight(line, bracket))
    }

    /// Whether rustyline must repaint the whole line after a keystroke. A repaint costs the
    /// line's length, so on a long line (a paste that is not bracketed) repainting at every
    /// character is quadratic: there only a bracket at the cursor asks for one, and the colours
    /// catch up at the next repaint.
    fn highlight_char(&self, line: &str, pos: usize, kind: CmdKind) -> bool {
        self.brackets.set(kind != CmdKind::ForcedRefresh);
        kind == CmdKind::ForcedRefresh || line.len() <= LIVE_COLOUR_BYTES || matching_bracket(line, pos).is_some()
    }
}

/// Lines up to this long are repainted in colour at every keystroke.
const LIVE_COLOUR_BYTES: usize = 4096;

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
            let end = end_of(
                &|prev, d| {
                    d.is_ascii_alphanumeric()
                        || d == '_'
                        || d == '.'
                        || ((d == '+' || d == '-') && (prev == 'e' || prev == 'E'))
                },
                &mut rest,
            );
            paint(&mut out, NUMBER, &line[i..end]);
        } else if c.is_ascii_alphabetic() || c == '_' {
            let end = end_of(&|_, d| d.is_ascii_alphanumeric() || d == '_', &mut rest);
            let word = &line[i..end];
            if KEYWORDS.contains(&word) {
                paint(&mut out, KEYWORD, word);
            } else if Builtin::by_name(word).is_some() {
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

/// The byte index of the bracket matching the one at the cursor `pos`, or else just before it.
pub fn matching_bracket(line: &str, pos: usize) -> Option<usize> {
    let bytes = line.as_bytes();
    let at = [Some(pos), pos.checked_sub(1)]
        .into_iter()
        .flatten()
        .find(|&i| bytes.get(i).is_some_and(|b| b"()[]{}".contains(b)))?;
    let (open, close, forward) = match bytes[at] {
        b'(' => (b'(', b')', true),
        b'[' => (b'[', b']', true),
        b'{' => (b'{', b'}', true),
        b')' => (b'(', b')', false),
        b']' => (b'[', b']', false),
        _ => (b'{', b'}', false),
    };
    let mut depth = 0usize;
    let indices: Box<dyn Iterator<Item = usize>> =
        if forward { Box::new(at..bytes.len()) } else { Box::new((0..=at).rev()) };
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

/// Ctrl-C while an entry runs. The process has one SIGINT handler, the command line's (`ctrlc`,
/// set in `main.rs`, which sets [`crate::interrupt::INTERRUPTED`]), but rustyline's editor
/// puts its own in place for as long as it exists, and that one only wakes a prompt; so while an
/// entry runs this guard puts the command line's back ([`Input::interruptible`]), and
/// rustyline's when dropped.
pub(super) struct SigintGuard {
    previous: libc::sigaction,
}

impl SigintGuard {
    /// Makes `action` SIGINT's until the guard is dropped (no guard if the system refuses).
    fn install(action: &libc::sigaction) -> Option<SigintGuard> {
        // SAFETY: `action` was read by sigaction, so it is valid; the previous action is kept
        // and restored in `drop`.
        unsafe {
            let mut previous: libc::sigaction = std::mem::zeroed();
            (libc::sigaction(libc::SIGINT, action, &mut previous) == 0).then_some(SigintGuard { previous })
        }
    }
}

impl Drop for SigintGuard {
    fn drop(&mut self) {
        // SAFETY: restores the action that `install` replaced.
        unsafe {
            libc::sigaction(libc::SIGINT, &self.previous, std::ptr::null_mut());
        }
    }
}

/// The SIGINT action in place now (before the editor exists: the command line's handler).
fn sigint_action() -> libc::sigaction {
    // SAFETY: a zeroed sigaction is valid; sigaction with no new action only reads the current one.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        libc::sigaction(libc::SIGINT, std::ptr::null(), &mut action);
        action
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(helper: &ReplHelper, line: &str) -> (usize, Vec<String>) {
        let history = DefaultHistory::new();
        let (start, found) = helper.complete(line, line.len(), &Context::new(&history)).expect("complete");
        (start, found.into_iter().map(|p| p.replacement).collect())
    }

    #[test]
    fn completes_variables_builtins_keywords_and_commands() {
        let helper = ReplHelper { names: vec!["learning_rate".into(), "sum_sq".into()], ..ReplHelper::default() };
        assert_eq!(complete(&helper, "x = learn"), (4, vec!["learning_rate".to_string()]));
        assert_eq!(complete(&helper, "sum"), (0, vec!["sum".to_string(), "sum_sq".to_string()]));
        assert_eq!(complete(&helper, "f(wh"), (2, vec!["where".to_string(), "while".to_string()]));
        assert_eq!(complete(&helper, ":ty"), (0, vec![":type".to_string()]));
        assert_eq!(complete(&helper, ":help chol"), (6, vec!["cholesky".to_string()]));
        assert_eq!(complete(&helper, ":help learn"), (6, Vec::<String>::new()), "`:help` completes built-ins only");
        assert_eq!(complete(&helper, ":time learn"), (6, vec!["learning_rate".to_string()]));
        assert_eq!(complete(&helper, "1e"), (0, Vec::<String>::new()));
        assert_eq!(complete(&helper, "x + "), (4, Vec::<String>::new()));
    }

    #[test]
    fn highlighting_adds_only_colour() {
        let line = "let x = sum([1.5e-3, 2]) # note \"q\"";
        let coloured = highlight(line, None);
        assert!(coloured.contains(&format!("{KEYWORD}let{RESET}")));
        assert!(coloured.contains(&format!("{BUILTIN}sum{RESET}")));
        assert!(coloured.contains(&format!("{NUMBER}1.5e-3{RESET}")));
        assert!(coloured.contains(&format!("{COMMENT}# note \"q\"{RESET}")));
        assert_eq!(strip(&coloured), line);
        let s = "print(\"a \\\" b\") x";
        assert!(highlight(s, None).contains(&format!("{STRING}\"a \\\" b\"{RESET}) x")));
        assert_eq!(strip(&highlight("ünï = \"open", None)), "ünï = \"open");
    }

    #[test]
    fn the_matching_bracket_is_found_and_marked() {
        assert_eq!(matching_bracket("f([1, 2])", 9), Some(1));
        assert_eq!(matching_bracket("f([1, 2])", 2), Some(7));
        assert_eq!(matching_bracket("f([1, 2])", 1), Some(8));
        assert_eq!(matching_bracket("{ (a) }", 0), Some(6));
        assert_eq!(matching_bracket("(a", 1), None);
        assert_eq!(matching_bracket("a)", 2), None);
        assert_eq!(matching_bracket("abc", 1), None);
        assert_eq!(matching_bracket("", 0), None);
        assert!(highlight("(a)", Some(2)).ends_with(&format!("{BRACKET}){RESET}")));
    }

    #[test]
    fn a_long_line_is_not_repainted_at_every_keystroke() {
        let helper = ReplHelper::default();
        let short = "let x = [1.5, 2.5";
        assert!(helper.highlight_char(short, short.len(), CmdKind::Other), "short lines keep live colours");
        let long = format!("let x = [{}", "1.5, ".repeat(200_000));
        assert!(!helper.highlight_char(&long, long.len(), CmdKind::Other), "typing on a long line");
        let closed = format!("{long}]");
        assert!(helper.highlight_char(&closed, closed.len(), CmdKind::Other), "a bracket that matches");
        assert!(helper.highlight_char(&long, long.len(), CmdKind::ForcedRefresh), "the final repaint");
    }

    /// The text without escape codes.
    fn strip(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                chars.by_ref().find(|&c| c == 'm');
            } else {
                out.push(c);
            }
        }
        out
    }
}
