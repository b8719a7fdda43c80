//! The execution thread: it owns the kernel's one [`Session`] (a session is not `Send`, so it
//! is made there) and answers the requests that need it — `execute`, `complete`, `inspect` —
//! one at a time, in the order the shell channel received them.
//!
//! A cell is checked, then run against the kept variables, as a REPL entry is. What it prints
//! goes out as `stream` while it runs; plots as `display_data`; its last expression's value as
//! `execute_result`; a failure as `error` with the diagnostic rendered without colour. An
//! interrupted cell stops at its next statement boundary and keeps what it did before (the
//! variables it assigned keep their values). Lines starting with `:` are the kernel's commands:
//! `:info` (as `tscript info`), `:help [NAME]`, `:type EXPR`.

use super::display::{plot_display, value_data, Parent, StreamWriter};
use super::kernel::Publisher;
use crate::blas::{self, ThreadPolicy};
use crate::diag::{Code, Diag};
use crate::interrupt::INTERRUPTED;
use crate::prims::{Builtin, Kind};
use crate::repl::{help_entry, help_list, KEYWORDS};
use crate::value::Value;
use crate::Session;
use serde_json::{json, Value as Json};
use std::io::Write as _;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use tokio::sync::oneshot;

/// The stack the execution thread runs on: as deep as the command line's evaluator thread.
const EVAL_STACK: usize = 1 << 30;

/// The kernel's commands, for completion.
const COMMANDS: &[&str] = &[":help", ":info", ":type"];

/// A request for the execution thread, and where its answer goes.
pub struct Job {
    /// The `execute_request`, `complete_request` or `inspect_request`.
    pub request: super::wire::Message,
    /// The execution count of an `execute_request`.
    pub count: u64,
    /// Where the reply's content goes.
    pub reply: oneshot::Sender<Done>,
}

/// What the execution thread answers.
pub struct Done {
    /// The content of the reply.
    pub content: Json,
    /// The value's text, for the history (executions only).
    pub output: Option<String>,
}

/// Starts the execution thread; requests sent to the returned channel are answered in order.
pub fn start(publisher: Publisher) -> std::io::Result<mpsc::Sender<Job>> {
    let (jobs, receive) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("tscript-exec".into())
        .stack_size(EVAL_STACK)
        .spawn(move || serve(receive, publisher))?;
    Ok(jobs)
}

/// Answers jobs until the channel closes. A panic in one job is reported as that job's error
/// and the thread goes on.
fn serve(jobs: mpsc::Receiver<Job>, publisher: Publisher) {
    let parent: Parent = Parent::default();
    let mut cells = Cells::new(publisher.clone(), parent.clone(), ThreadPolicy::new(None));
    crate::plot::set_display(Some(plot_display(publisher, parent)));
    for job in jobs {
        *cells.parent.borrow_mut() = job.request.header.clone();
        let request = &job.request;
        let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match request.msg_type() {
            "execute_request" => cells.execute(&request.content, job.count),
            "complete_request" => Done { content: cells.complete(&request.content), output: None },
            _ => Done { content: cells.inspect(&request.content), output: None },
        }));
        let done = answer.unwrap_or_else(|_| {
            let _ = cells.session.interp.out.flush();
            let traceback = vec!["the kernel met an internal error (a bug in tscript): the cell stopped".to_string()];
            cells.publisher.send(
                "error",
                &cells.parent.borrow(),
                error_content("tscript::internal", &traceback[0], &traceback),
            );
            Done { content: error_reply("tscript::internal", &traceback[0], &traceback, job.count), output: None }
        });
        let _ = job.reply.send(done);
    }
}

/// The session and where its cells' results go.
struct Cells {
    session: Session,
    publisher: Publisher,
    parent: Parent,
}

impl Cells {
    /// A fresh session whose prints are `stream` `stdout` messages and whose warnings
    /// (`tscript::lint::...`) are `stream` `stderr`, shown in the cell as Python's are.
    fn new(publisher: Publisher, parent: Parent, threads: ThreadPolicy) -> Cells {
        let stream =
            |name| StreamWriter { name, publisher: publisher.clone(), parent: parent.clone(), pending: Vec::new() };
        let mut session = Session::new(Box::new(stream("stdout")), Vec::new(), threads);
        session.set_warning_output(Box::new(stream("stderr")));
        Cells { session, publisher, parent }
    }

    /// Runs one `execute_request`.
    fn execute(&mut self, content: &Json, count: u64) -> Done {
        let code = content["code"].as_str().unwrap_or("");
        let silent = content["silent"].as_bool().unwrap_or(false);
        INTERRUPTED.store(false, Ordering::SeqCst);
        let result = match code.trim().strip_prefix(':') {
            Some(command) => self.command(command, count).map(|text| text.map(|t| json!({"text/plain": t}))),
            None => {
                let ran = self.session.run(&format!("<cell {count}>"), code);
                let _ = self.session.interp.out.flush();
                ran.map(|value| value.filter(|v| !is_unit(v)).map(|v| value_data(&v)))
            }
        };
        match result {
            Ok(data) => {
                let output = data.as_ref().and_then(|d| d["text/plain"].as_str().map(String::from));
                if let (Some(data), false) = (data, silent) {
                    let result = json!({"execution_count": count, "data": data, "metadata": {}});
                    self.publisher.send("execute_result", &self.parent.borrow(), result);
                }
                let content = json!({"status": "ok", "execution_count": count, "payload": [], "user_expressions": {}});
                Done { content, output }
            }
            Err(diags) => {
                let (ename, evalue) = (diags[0].code.as_str(), diags[0].message.clone());
                let mut traceback = Vec::new();
                for diag in diags {
                    traceback.extend(self.session.sources.render_plain(diag).trim_end().lines().map(String::from));
                }
                self.publisher.send("error", &self.parent.borrow(), error_content(ename, &evalue, &traceback));
                Done { content: error_reply(ename, &evalue, &traceback, count), output: None }
            }
        }
    }

    /// Runs a `:` command; its text is the cell's result.
    fn command(&mut self, line: &str, count: u64) -> Result<Option<String>, Vec<Diag>> {
        let (name, arg) = line.split_once(char::is_whitespace).map_or((line, ""), |(n, a)| (n, a.trim()));
        match (name, arg.is_empty()) {
            ("info", true) => Ok(Some(blas::info_report(blas::threads(), self.session.interp.threads.source()))),
            ("help", true) => Ok(Some(help_list())),
            ("help", false) => match builtin(arg) {
                Some(prim) => Ok(Some(help_entry(prim))),
                None => Err(vec![Diag::unplaced(Code::NameUndefined, format!("there is no built-in called `{arg}`"))
                    .with_help("`:help` lists every built-in")]),
            },
            ("type", false) => self.session.type_of(&format!("<cell {count}>"), arg).map(Some),
            _ => Err(vec![Diag::unplaced(Code::Usage, format!("the kernel has no command `:{line}`"))
                .with_help("its commands are `:info`, `:help [NAME]` and `:type EXPR`")]),
        }
    }

    /// Answers a `complete_request`: the variables, built-ins, keywords (or commands) that
    /// begin with the word before the cursor.
    fn complete(&self, content: &Json) -> Json {
        let code = content["code"].as_str().unwrap_or("");
        let cursor = byte_offset(code, content["cursor_pos"].as_u64());
        let before = &code[..cursor];
        let start = word_start(before);
        let word = &before[start..];
        let command = start > 0 && before[..start].ends_with(':') && before[..start - 1].trim().is_empty();
        let mut matches: Vec<String> = if command {
            COMMANDS.iter().filter(|c| c[1..].starts_with(word)).map(|c| c[1..].to_string()).collect()
        } else if word.is_empty() || word.starts_with(|c: char| c.is_ascii_digit()) {
            Vec::new()
        } else {
            let variables = self.session.variables().into_iter().map(|(name, _)| name.to_string());
            let fixed = Builtin::function_names().chain(KEYWORDS.iter().copied()).map(String::from);
            variables.chain(fixed).filter(|n| n.starts_with(word)).collect()
        };
        matches.sort();
        matches.dedup();
        let position = |byte: usize| code[..byte].chars().count();
        json!({
            "status": "ok",
            "matches": matches,
            "cursor_start": position(start),
            "cursor_end": position(cursor),
            "metadata": {},
        })
    }

    /// Answers an `inspect_request`: the help of the built-in at the cursor, or the type of the
    /// variable there.
    fn inspect(&mut self, content: &Json) -> Json {
        let code = content["code"].as_str().unwrap_or("");
        let cursor = byte_offset(code, content["cursor_pos"].as_u64());
        let start = word_start(&code[..cursor]);
        let end = cursor + code[cursor..].find(|c: char| !is_word(c)).unwrap_or(code.len() - cursor);
        let word = &code[start..end];
        let variable = self.session.variables().into_iter().find(|(name, _)| &**name == word);
        let text = match (variable, builtin(word)) {
            (Some((_, value)), _) => {
                let ty = self.session.type_of("<inspect>", word).unwrap_or_else(|_| value.type_name());
                Some(format!("{word} : {ty}\n"))
            }
            (None, Some(prim)) => Some(help_entry(prim)),
            (None, None) => None,
        };
        json!({
            "status": "ok",
            "found": text.is_some(),
            "data": text.map_or(json!({}), |t| json!({"text/plain": t})),
            "metadata": {},
        })
    }
}

/// The built-in function (or operator) called `name`.
fn builtin(name: &str) -> Option<Builtin> {
    Builtin::by_name(name).or_else(|| Builtin::all().find(|p| p.info().kind == Kind::Operator && p.info().name == name))
}

/// Whether a value is the empty tuple that statements and `print` give.
fn is_unit(value: &Value) -> bool {
    matches!(value.primal(), Value::Tuple(items) if items.is_empty())
}

/// The content of an `error` message.
fn error_content(ename: &str, evalue: &str, traceback: &[String]) -> Json {
    json!({"ename": ename, "evalue": evalue, "traceback": traceback})
}

/// The content of an `execute_reply` for a cell that failed.
fn error_reply(ename: &str, evalue: &str, traceback: &[String], count: u64) -> Json {
    json!({"status": "error", "execution_count": count, "ename": ename, "evalue": evalue, "traceback": traceback})
}

/// The byte offset of the cursor, given in characters (Unicode code points, protocol 5.2 on);
/// the end of the text when it is missing or past the end.
fn byte_offset(code: &str, cursor: Option<u64>) -> usize {
    let chars = cursor.map_or(usize::MAX, |c| usize::try_from(c).unwrap_or(usize::MAX));
    code.char_indices().nth(chars).map_or(code.len(), |(i, _)| i)
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Where the identifier that ends at the end of `text` starts.
fn word_start(text: &str) -> usize {
    text.char_indices().rev().take_while(|&(_, c)| is_word(c)).last().map_or(text.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells() -> (Cells, tokio::sync::mpsc::UnboundedReceiver<super::super::wire::Message>) {
        let (publisher, messages) = Publisher::new("test");
        (Cells::new(publisher, Parent::default(), ThreadPolicy::new(Some(1))), messages)
    }

    #[test]
    fn a_warning_shows_in_the_cell_on_stderr_and_the_cell_runs() {
        let (mut cells, mut messages) = cells();
        let done = cells.execute(&json!({"code": "let y = zeros(3)\nlet r = zeros(3, 1) - y\nprint(shape(r))"}), 1);
        assert_eq!(done.content["status"], "ok");
        let sent = sent(&mut messages);
        let (kind, content) = &sent[0];
        assert_eq!((kind.as_str(), &content["name"]), ("stream", &json!("stderr")));
        assert!(content["text"].as_str().unwrap().contains("tscript::lint::outer_broadcast"), "{content}");
        assert!(sent.contains(&("stream".into(), json!({"name": "stdout", "text": "(3, 3)\n"}))), "{sent:?}");
    }

    fn sent(messages: &mut tokio::sync::mpsc::UnboundedReceiver<super::super::wire::Message>) -> Vec<(String, Json)> {
        std::iter::from_fn(|| messages.try_recv().ok()).map(|m| (m.msg_type().to_string(), m.content)).collect()
    }

    #[test]
    fn a_cell_streams_its_prints_then_gives_its_value() {
        let (mut cells, mut messages) = cells();
        let done = cells.execute(&json!({"code": "print(\"hello\")\nlet x = [1.0, 2.0]\nx * 2"}), 1);
        assert_eq!(done.content["status"], "ok");
        assert_eq!(done.output.as_deref(), Some("[2.0, 4.0]"));
        let sent = sent(&mut messages);
        assert_eq!(sent[0], ("stream".into(), json!({"name": "stdout", "text": "hello\n"})));
        assert_eq!(sent[1].0, "execute_result");
        assert_eq!(sent[1].1["data"]["text/plain"], "[2.0, 4.0]");
        assert!(sent[1].1["data"]["text/html"].as_str().unwrap().contains("<td>4.0</td>"));
        assert_eq!(sent.len(), 2);
    }

    #[test]
    fn an_error_is_rendered_without_colour_and_the_variables_stay() {
        let (mut cells, mut messages) = cells();
        cells.execute(&json!({"code": "let k = 5"}), 1);
        let done = cells.execute(&json!({"code": "zeros(2) + zeros(3)"}), 2);
        assert_eq!(done.content["status"], "error");
        assert_eq!(done.content["ename"], "tscript::type::shape");
        let traceback = done.content["traceback"].as_array().unwrap();
        let text: Vec<&str> = traceback.iter().map(|l| l.as_str().unwrap()).collect();
        assert!(text.join("\n").contains("<cell 2>"), "{text:?}");
        assert!(!text.join("\n").contains('\x1b'), "no colour");
        let sent = sent(&mut messages);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].0, "error");
        let done = cells.execute(&json!({"code": "k"}), 3);
        assert_eq!(done.output.as_deref(), Some("5"));
    }

    #[test]
    fn commands_give_text_results() {
        let (mut cells, _messages) = cells();
        let info = cells.execute(&json!({"code": ":info"}), 1);
        assert!(info.output.unwrap().contains("threads"));
        let help = cells.execute(&json!({"code": ":help grad"}), 2);
        assert!(help.output.unwrap().starts_with("grad(f, wrt?)"));
        let ty = cells.execute(&json!({"code": ":type zeros(2, 3)"}), 3);
        assert_eq!(ty.output.as_deref(), Some("f64[2, 3]"));
        let unknown = cells.execute(&json!({"code": ":nope"}), 4);
        assert_eq!(unknown.content["ename"], "tscript::usage");
    }

    #[test]
    fn completion_and_inspection_know_the_session() {
        let (mut cells, _messages) = cells();
        cells.execute(&json!({"code": "let learning_rate = 0.1\nlet sum_sq = 2.0"}), 1);
        let reply = cells.complete(&json!({"code": "x = su", "cursor_pos": 6}));
        assert_eq!(reply["matches"], json!(["sum", "sum_sq"]));
        assert_eq!((reply["cursor_start"].as_u64(), reply["cursor_end"].as_u64()), (Some(4), Some(6)));
        let reply = cells.complete(&json!({"code": "ünï + learn", "cursor_pos": 11}));
        assert_eq!(reply["matches"], json!(["learning_rate"]));
        assert_eq!(reply["cursor_start"], 6, "in characters, not bytes");
        let reply = cells.complete(&json!({"code": ":in", "cursor_pos": 3}));
        assert_eq!(reply["matches"], json!(["info"]));
        let reply = cells.inspect(&json!({"code": "gr", "cursor_pos": 1}));
        assert_eq!(reply["found"], false);
        let reply = cells.inspect(&json!({"code": "grad(f)", "cursor_pos": 2}));
        assert!(reply["data"]["text/plain"].as_str().unwrap().starts_with("grad(f, wrt?)"));
        let reply = cells.inspect(&json!({"code": "learning_rate * 2", "cursor_pos": 13}));
        assert_eq!(reply["data"]["text/plain"], "learning_rate : f64\n");
    }

    #[test]
    fn a_plot_is_shown_as_pictures() {
        let (mut cells, mut messages) = cells();
        let (publisher, parent) = (cells.publisher.clone(), cells.parent.clone());
        let before = crate::plot::set_display(Some(plot_display(publisher, parent)));
        cells.execute(&json!({"code": "print(1)\nplot([1.0, 3.0, 2.0])\nprint(2)"}), 1);
        crate::plot::set_display(before);
        let sent = sent(&mut messages);
        let kinds: Vec<&str> = sent.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kinds, ["stream", "display_data", "stream"]);
        let data = &sent[1].1["data"];
        assert!(data["image/svg+xml"].as_str().unwrap().starts_with("<svg"));
        use base64::Engine;
        let png = base64::engine::general_purpose::STANDARD.decode(data["image/png"].as_str().unwrap()).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
}
