//! The kernel process: the five ZeroMQ sockets of the connection file on a single-threaded
//! tokio runtime, and what each channel answers.
//!
//! - **shell** (ROUTER): requests in the order they come, one at a time, each between a `busy`
//!   and an `idle` status on iopub. `execute`, `complete` and `inspect` go to the execution
//!   thread (`exec`); `kernel_info`, `is_complete`, `history` and `comm_info` are answered here.
//! - **control** (ROUTER): answered even while a cell runs: `interrupt_request` stops the cell,
//!   `shutdown_request` ends the process (a restart is the client starting a new one).
//! - **iopub** (PUB): everything that [`Publisher`] sends, in order; `stream` texts that queue up
//!   behind each other are joined into one message.
//! - **heartbeat** (ROUTER): echoes what it receives.
//! - **stdin** (ROUTER): bound, and never asked (the language reads no input).
//!
//! A message whose signature does not match the key, or that is not of the protocol's form, is
//! refused and logged on standard error; the kernel goes on. The kernel also ends when the
//! process that started it is gone.

use super::exec::{self, Done, Job};
use super::wire::{Message, Signer};
use crate::interrupt::INTERRUPTED;
use bytes::Bytes;
use serde_json::{json, Value as Json};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc};
use std::time::Duration;
use tokio::sync::{mpsc as channel, oneshot, Notify};
use zeromq::prelude::*;
use zeromq::{PubSocket, RouterSocket, ZmqMessage};

/// What the connection file gives: where to bind, and the key.
struct Connection {
    transport: String,
    ip: String,
    key: String,
    signature_scheme: String,
    shell_port: u16,
    iopub_port: u16,
    stdin_port: u16,
    control_port: u16,
    hb_port: u16,
}

impl Connection {
    /// Reads and checks a connection file.
    fn read(path: &Path) -> Result<Connection, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let json: Json = serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
        let text_of = |name: &str, default: &str| -> Result<String, String> {
            match &json[name] {
                Json::Null => Ok(default.to_string()),
                Json::String(s) => Ok(s.clone()),
                _ => Err(format!("`{name}` in {} is not a string", path.display())),
            }
        };
        let port = |name: &str| -> Result<u16, String> {
            json[name]
                .as_u64()
                .and_then(|p| u16::try_from(p).ok())
                .filter(|&p| p > 0)
                .ok_or_else(|| format!("`{name}` in {} is not a port number", path.display()))
        };
        let connection = Connection {
            transport: text_of("transport", "tcp")?,
            ip: text_of("ip", "127.0.0.1")?,
            key: text_of("key", "")?,
            signature_scheme: text_of("signature_scheme", "hmac-sha256")?,
            shell_port: port("shell_port")?,
            iopub_port: port("iopub_port")?,
            stdin_port: port("stdin_port")?,
            control_port: port("control_port")?,
            hb_port: port("hb_port")?,
        };
        if connection.transport != "tcp" {
            return Err(format!("the kernel speaks ZeroMQ over tcp only, not `{}`", connection.transport));
        }
        if connection.signature_scheme != "hmac-sha256" {
            return Err(format!("the kernel signs with hmac-sha256 only, not `{}`", connection.signature_scheme));
        }
        Ok(connection)
    }

    fn endpoint(&self, port: u16) -> String {
        let ip = if self.ip == "*" { "0.0.0.0" } else { &self.ip };
        format!("tcp://{ip}:{port}")
    }
}

/// Sends messages on iopub from any thread, in the order they are sent.
#[derive(Clone)]
pub struct Publisher {
    messages: channel::UnboundedSender<Message>,
    session: Arc<str>,
}

impl Publisher {
    /// A publisher for the kernel `session`, and the end the iopub socket reads from.
    pub fn new(session: &str) -> (Publisher, channel::UnboundedReceiver<Message>) {
        let (messages, receiver) = channel::unbounded_channel();
        (Publisher { messages, session: Arc::from(session) }, receiver)
    }

    /// Publishes a message of `msg_type` answering the request whose header is `parent`.
    pub fn send(&self, msg_type: &str, parent: &Json, content: Json) {
        let topic = Bytes::from(format!("kernel.{}.{msg_type}", self.session));
        let _ = self.messages.send(Message::new(&self.session, msg_type, parent, vec![topic], content));
    }

    /// Publishes the kernel's state (`busy`, `idle`, `starting`).
    fn status(&self, parent: &Json, state: &str) {
        self.send("status", parent, json!({"execution_state": state}));
    }
}

/// What the shell and control tasks share.
struct Kernel {
    signer: Signer,
    session: String,
    publisher: Publisher,
    /// Told when a `shutdown_request` has been answered.
    shutdown: Notify,
}

impl Kernel {
    /// Decodes received frames, or logs why they are refused.
    fn decode(&self, channel: &str, frames: ZmqMessage) -> Option<Message> {
        match self.signer.decode(frames.into_vec()) {
            Ok(message) => Some(message),
            Err(e) => {
                eprintln!("tscript kernel: {channel}: refused {e}");
                None
            }
        }
    }

    /// Encodes a message for a socket.
    fn encode(&self, message: &Message) -> Option<ZmqMessage> {
        ZmqMessage::try_from(self.signer.encode(message)).ok()
    }

    /// The `kernel_info_reply` content.
    fn info(&self) -> Json {
        let version = env!("CARGO_PKG_VERSION");
        json!({
            "status": "ok",
            "protocol_version": super::wire::PROTOCOL_VERSION,
            "implementation": "tscript",
            "implementation_version": version,
            "language_info": {
                "name": "tscript",
                "version": version,
                "mimetype": "text/x-tscript",
                "file_extension": ".tsc",
                "pygments_lexer": "python",
                "codemirror_mode": "python",
                "nbconvert_exporter": "script",
            },
            "banner": format!("TensorScript {version}: a small, statically checked array language on BLAS"),
            "help_links": [],
            "debugger": false,
        })
    }
}

/// Runs the kernel for the connection file at `path` until a `shutdown_request` or until the
/// client is gone.
pub fn run(path: &Path) -> Result<(), String> {
    let connection = Connection::read(path)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the kernel's event loop: {e}"))?;
    runtime.block_on(serve(connection))
}

async fn serve(connection: Connection) -> Result<(), String> {
    let bound = |what: &str, e: zeromq::ZmqError| format!("cannot bind the {what} socket: {e}");
    let mut shell = RouterSocket::new();
    shell.bind(&connection.endpoint(connection.shell_port)).await.map_err(|e| bound("shell", e))?;
    let mut control = RouterSocket::new();
    control.bind(&connection.endpoint(connection.control_port)).await.map_err(|e| bound("control", e))?;
    let mut stdin = RouterSocket::new();
    stdin.bind(&connection.endpoint(connection.stdin_port)).await.map_err(|e| bound("stdin", e))?;
    let mut heartbeat = RouterSocket::new();
    heartbeat.bind(&connection.endpoint(connection.hb_port)).await.map_err(|e| bound("heartbeat", e))?;
    let mut iopub = PubSocket::new();
    iopub.bind(&connection.endpoint(connection.iopub_port)).await.map_err(|e| bound("iopub", e))?;

    let session = uuid::Uuid::new_v4().to_string();
    let (publisher, messages) = Publisher::new(&session);
    let signer = Signer::new(&connection.key);
    let jobs = exec::start(publisher.clone()).map_err(|e| format!("cannot start the execution thread: {e}"))?;
    let kernel = Arc::new(Kernel { signer, session, publisher, shutdown: Notify::new() });

    tokio::spawn(publish(iopub, messages, kernel.clone()));
    tokio::spawn(echo(heartbeat));
    tokio::spawn(shell_loop(shell, kernel.clone(), jobs));
    tokio::spawn(control_loop(control, kernel.clone()));
    kernel.publisher.status(&json!({}), "starting");
    let started_by = parent_process();
    loop {
        tokio::select! {
            _ = kernel.shutdown.notified() => break,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {
                if parent_process() != started_by {
                    eprintln!("tscript kernel: the process that started the kernel is gone; stopping");
                    break;
                }
            }
        }
    }
    drop(stdin);
    // Lets the last replies leave before the sockets close.
    tokio::time::sleep(Duration::from_millis(100)).await;
    Ok(())
}

/// The id of the parent process (it changes when the parent is gone).
fn parent_process() -> libc::pid_t {
    // SAFETY: getppid has no preconditions and cannot fail.
    unsafe { libc::getppid() }
}

/// Receives the next message on a ROUTER socket; `None` if the socket is closed.
async fn receive(socket: &mut RouterSocket, channel: &str) -> Option<ZmqMessage> {
    loop {
        match socket.recv().await {
            Ok(frames) => return Some(frames),
            Err(zeromq::ZmqError::NoMessage) => return None,
            Err(e) => eprintln!("tscript kernel: {channel}: cannot receive: {e}"),
        }
    }
}

/// Sends a reply on a ROUTER socket, logging a failure (a client that went away).
async fn reply(socket: &mut RouterSocket, kernel: &Kernel, channel: &str, message: &Message) {
    if let Some(frames) = kernel.encode(message) {
        if let Err(e) = socket.send(frames).await {
            eprintln!("tscript kernel: {channel}: cannot send a reply: {e}");
        }
    }
}

/// The heartbeat: every message back to its sender.
async fn echo(mut socket: RouterSocket) {
    while let Some(frames) = receive(&mut socket, "heartbeat").await {
        let _ = socket.send(frames).await;
    }
}

/// Sends what the publisher queues on iopub, joining `stream` texts that queue up.
async fn publish(mut socket: PubSocket, mut messages: channel::UnboundedReceiver<Message>, kernel: Arc<Kernel>) {
    let mut next = messages.recv().await;
    while let Some(mut message) = next.take() {
        while let Ok(after) = messages.try_recv() {
            let joins = message.msg_type() == "stream"
                && after.msg_type() == "stream"
                && after.parent_header == message.parent_header
                && after.content["name"] == message.content["name"];
            if joins {
                let text = format!(
                    "{}{}",
                    message.content["text"].as_str().unwrap_or(""),
                    after.content["text"].as_str().unwrap_or("")
                );
                message.content["text"] = Json::String(text);
            } else {
                next = Some(after);
                break;
            }
        }
        if let Some(frames) = kernel.encode(&message) {
            if let Err(e) = socket.send(frames).await {
                eprintln!("tscript kernel: iopub: cannot publish: {e}");
            }
        }
        if next.is_none() {
            next = messages.recv().await;
        }
    }
}

/// The history of executed cells: (execution count, code, the value's text).
type History = Vec<(u64, String, Option<String>)>;

/// The shell channel: one request at a time, each between `busy` and `idle`.
async fn shell_loop(mut socket: RouterSocket, kernel: Arc<Kernel>, jobs: mpsc::Sender<Job>) {
    let mut count = 0u64;
    let mut history = History::new();
    while let Some(frames) = receive(&mut socket, "shell").await {
        let Some(request) = kernel.decode("shell", frames) else { continue };
        kernel.publisher.status(&request.header, "busy");
        let content = &request.content;
        let answer = match request.msg_type() {
            "kernel_info_request" => Some(("kernel_info_reply", kernel.info())),
            "execute_request" => {
                let code = content["code"].as_str().unwrap_or("").to_string();
                let silent = content["silent"].as_bool().unwrap_or(false);
                let store = content["store_history"].as_bool().unwrap_or(true) && !silent;
                if store {
                    count += 1;
                }
                if !silent {
                    kernel.publisher.send(
                        "execute_input",
                        &request.header,
                        json!({"code": code, "execution_count": count}),
                    );
                }
                let done = run_job(&jobs, &request, count).await;
                if store {
                    history.push((count, code, done.output));
                }
                Some(("execute_reply", done.content))
            }
            "complete_request" => Some(("complete_reply", run_job(&jobs, &request, count).await.content)),
            "inspect_request" => Some(("inspect_reply", run_job(&jobs, &request, count).await.content)),
            "is_complete_request" => Some(("is_complete_reply", is_complete(content["code"].as_str().unwrap_or("")))),
            "history_request" => Some(("history_reply", json!({"status": "ok", "history": search(&history, content)}))),
            "comm_info_request" => Some(("comm_info_reply", json!({"status": "ok", "comms": {}}))),
            "comm_open" => {
                let id = content["comm_id"].clone();
                kernel.publisher.send("comm_close", &request.header, json!({"comm_id": id, "data": {}}));
                None
            }
            "comm_msg" | "comm_close" => None,
            "shutdown_request" => Some(("shutdown_reply", shutdown(&kernel, &request))),
            other => {
                eprintln!("tscript kernel: shell: ignored a message of unknown type `{other}`");
                None
            }
        };
        if let Some((msg_type, content)) = answer {
            reply(&mut socket, &kernel, "shell", &request.reply(&kernel.session, msg_type, content)).await;
        }
        kernel.publisher.status(&request.header, "idle");
        if request.msg_type() == "shutdown_request" {
            kernel.shutdown.notify_one();
        }
    }
}

/// Hands a request to the execution thread and waits for its answer.
async fn run_job(jobs: &mpsc::Sender<Job>, request: &Message, count: u64) -> Done {
    let (answer, answered) = oneshot::channel();
    let lost = || Done {
        content: json!({"status": "error", "ename": "tscript::internal", "evalue": "the execution thread has stopped", "traceback": [], "execution_count": count}),
        output: None,
    };
    if jobs.send(Job { request: request.clone(), count, reply: answer }).is_err() {
        return lost();
    }
    answered.await.unwrap_or_else(|_| lost())
}

/// The control channel: interrupts, shutdowns, and `kernel_info`, even while a cell runs.
async fn control_loop(mut socket: RouterSocket, kernel: Arc<Kernel>) {
    while let Some(frames) = receive(&mut socket, "control").await {
        let Some(request) = kernel.decode("control", frames) else { continue };
        let answer = match request.msg_type() {
            "interrupt_request" => {
                INTERRUPTED.store(true, Ordering::SeqCst);
                ("interrupt_reply", json!({"status": "ok"}))
            }
            "shutdown_request" => ("shutdown_reply", shutdown(&kernel, &request)),
            "kernel_info_request" => ("kernel_info_reply", kernel.info()),
            other => {
                eprintln!("tscript kernel: control: ignored a message of unknown type `{other}`");
                continue;
            }
        };
        reply(&mut socket, &kernel, "control", &request.reply(&kernel.session, answer.0, answer.1)).await;
        if request.msg_type() == "shutdown_request" {
            kernel.shutdown.notify_one();
        }
    }
}

/// Stops a running cell and announces the shutdown on iopub; the reply's content.
fn shutdown(kernel: &Kernel, request: &Message) -> Json {
    INTERRUPTED.store(true, Ordering::SeqCst);
    let restart = request.content["restart"].as_bool().unwrap_or(false);
    let content = json!({"status": "ok", "restart": restart});
    kernel.publisher.send("shutdown_reply", &request.header, content.clone());
    content
}

/// The `is_complete_reply` content: the REPL's continuation rule decides `incomplete`; text
/// that is not incomplete but does not parse is `invalid`.
pub fn is_complete(code: &str) -> Json {
    if code.trim_start().starts_with(':') {
        json!({"status": "complete"})
    } else if crate::syntax::parse::is_incomplete(code) {
        json!({"status": "incomplete", "indent": "    "})
    } else if crate::syntax::parse::parse(code, 0).is_err() {
        json!({"status": "invalid"})
    } else {
        json!({"status": "complete"})
    }
}

/// The entries a `history_request` asks for: `tail` (the last `n`), `range` (counts from
/// `start` up to `stop`) or `search` (a glob `pattern` over the code, the last `n`, each code
/// once with `unique`). The session number is always 1: the history is this kernel's.
pub fn search(history: &History, request: &Json) -> Vec<Json> {
    let n = request["n"].as_u64().map(|n| n as usize);
    let entries: Vec<&(u64, String, Option<String>)> = match request["hist_access_type"].as_str() {
        Some("range") => {
            let start = request["start"].as_u64().unwrap_or(0);
            let stop = request["stop"].as_u64().unwrap_or(u64::MAX);
            history.iter().filter(|(count, ..)| (start..stop).contains(count)).collect()
        }
        Some("search") => {
            let Ok(pattern) = glob::Pattern::new(request["pattern"].as_str().unwrap_or("*")) else { return Vec::new() };
            let mut found: Vec<_> = history.iter().filter(|(_, code, _)| pattern.matches(code)).collect();
            if request["unique"].as_bool().unwrap_or(false) {
                let mut seen = std::collections::HashSet::new();
                found.reverse();
                found.retain(|(_, code, _)| seen.insert(code.clone()));
                found.reverse();
            }
            last(found, n)
        }
        _ => last(history.iter().collect(), n),
    };
    let output = request["output"].as_bool().unwrap_or(false);
    entries
        .into_iter()
        .map(|(count, code, out)| if output { json!([1, count, [code, out]]) } else { json!([1, count, code]) })
        .collect()
}

/// The last `n` items (all of them without `n`).
fn last<T>(mut items: Vec<T>, n: Option<usize>) -> Vec<T> {
    if let Some(n) = n {
        items.drain(..items.len().saturating_sub(n));
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_complete_follows_the_repl() {
        assert_eq!(is_complete("let x = 1")["status"], "complete");
        assert_eq!(is_complete("fn f(x) {")["status"], "incomplete");
        assert_eq!(is_complete("1 +")["status"], "incomplete");
        assert_eq!(is_complete("let = )")["status"], "invalid");
        assert_eq!(is_complete(":info")["status"], "complete");
    }

    #[test]
    fn history_tail_range_and_search() {
        let history: History = (1..=5).map(|k| (k, format!("x{}", k % 2), Some(k.to_string()))).collect();
        let tail = search(&history, &json!({"hist_access_type": "tail", "n": 2}));
        assert_eq!(tail, [json!([1, 4, "x0"]), json!([1, 5, "x1"])]);
        let range = search(&history, &json!({"hist_access_type": "range", "start": 2, "stop": 3, "output": true}));
        assert_eq!(range, [json!([1, 2, ["x0", "2"]])]);
        let all = search(&history, &json!({"hist_access_type": "search", "pattern": "x1*"}));
        assert_eq!(all.len(), 3);
        let unique = search(&history, &json!({"hist_access_type": "search", "pattern": "x*", "unique": true}));
        assert_eq!(unique, [json!([1, 4, "x0"]), json!([1, 5, "x1"])]);
        let two = search(&history, &json!({"hist_access_type": "search", "pattern": "x?", "n": 2}));
        assert_eq!(two.len(), 2);
    }
}
