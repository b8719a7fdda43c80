//! The `tscript` command line: run a script, check scripts, run one line, print the BLAS
//! configuration, or open the REPL (spec §10).

use clap::{CommandFactory, Parser};
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use tscript::blas::{self, ThreadPolicy};
use tscript::diag::Diag;
use tscript::interrupt::INTERRUPTED;
use tscript::Session;

/// TensorScript: a small, statically checked array language on BLAS.
#[derive(Parser, Debug)]
#[command(
    name = "tscript",
    version,
    about,
    override_usage = "tscript [OPTIONS] [FILE.tsc [ARGS...]]\n       tscript run [OPTIONS] FILE.tsc [ARGS...]\n       tscript check FILE.tsc...\n       tscript -e CODE\n       tscript info\n       tscript repl\n       tscript jupyter install|uninstall|kernel"
)]
struct Cli {
    /// Run one line of code.
    #[arg(short = 'e', value_name = "CODE")]
    code: Option<String>,
    /// BLAS threads; overrides every `threads` directive in the script.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    threads: Option<u64>,
    /// BLAS kernel: a name (Haswell, SkylakeX, ...), `auto` (the best this CPU runs; the default)
    /// or `library` (OpenBLAS's own choice). Also TSCRIPT_BLAS_KERNEL; OPENBLAS_CORETYPE wins.
    #[arg(long, value_name = "NAME")]
    blas_kernel: Option<String>,
    /// Make warnings (`tscript::lint::...`) errors: nothing runs when there is one.
    #[arg(long)]
    deny_warnings: bool,
    /// No progress bar for long loops (there is none either when standard error is not a terminal).
    #[arg(long)]
    no_progress: bool,
    /// After the run, print the time of each source line to standard error (also `run --profile`).
    #[arg(long)]
    profile: bool,
    /// A script and its arguments, or a command: run, check, info, repl, jupyter.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "FILE")]
    rest: Vec<String>,
}

/// The stack the evaluator runs on: deep enough for the deepest call nesting allowed.
const EVAL_STACK: usize = 1 << 30;

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let stdout_closed = stdout_was_closed();
    let (args, run_command) = without_run_command(std::env::args_os().collect());
    let cli = Cli::parse_from(args);
    // Before the first BLAS call and before any other thread exists.
    blas::kernel::startup(cli.blas_kernel.as_deref());
    let _ = ctrlc::set_handler(interrupt);
    tscript::eval::progress::enable(!cli.no_progress && std::io::stderr().is_terminal());
    let worker = std::thread::Builder::new().stack_size(EVAL_STACK).spawn(move || run(cli, run_command, stdout_closed));
    match worker.map(|w| w.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        _ => ExitCode::from(1),
    }
}

/// Ctrl-C, the process's one SIGINT handler (the `ctrlc` crate runs it on a thread of its own),
/// asks the running code to stop at its next statement boundary (`INTERRUPTED`): a script's, a
/// REPL entry's or a Jupyter cell's. A second Ctrl-C before a script has stopped (it is inside
/// one long BLAS call) ends the process at once; the REPL and the kernel never end on Ctrl-C.
fn interrupt() {
    if INTERRUPTED.swap(true, Ordering::SeqCst) && SECOND_CTRL_C_ENDS.load(Ordering::SeqCst) {
        tscript::data::unlink_temporaries();
        eprintln!(
            "tscript::runtime::interrupted\n\n  × interrupted twice: stopped at once, inside a running operation"
        );
        // SAFETY: _exit ends the process without running destructors, which could wait on
        // the BLAS threads that are still working.
        unsafe { libc::_exit(130) };
    }
}

/// Whether a second Ctrl-C ends the process ([`interrupt`]): not in the REPL or the Jupyter
/// kernel, whose sessions outlive an interrupted entry.
static SECOND_CTRL_C_ENDS: AtomicBool = AtomicBool::new(true);

/// `tscript [OPTIONS] run [OPTIONS] FILE [ARGS...]` is `tscript [OPTIONS] FILE [ARGS...]` with
/// both sets of options (`run --threads 1 FILE`, `run --help`): the `run` command, taken out of
/// the arguments before they are parsed, and whether it was there. It is the first argument
/// that is neither an option nor an option's value (which options take a value, `Cli` says).
fn without_run_command(mut args: Vec<std::ffi::OsString>) -> (Vec<std::ffi::OsString>, bool) {
    let cli = Cli::command();
    let takes_value = |option: &str| {
        cli.get_arguments().any(|a| {
            !a.is_positional()
                && a.get_action().takes_values()
                && (option.strip_prefix("--").is_some_and(|long| a.get_long() == Some(long))
                    || option
                        .strip_prefix('-')
                        .and_then(|s| s.parse::<char>().ok())
                        .is_some_and(|c| a.get_short() == Some(c)))
        })
    };
    let mut at = 1;
    while let Some(arg) = args.get(at).and_then(|a| a.to_str()) {
        match arg {
            "run" => {
                args.remove(at);
                return (args, true);
            }
            option if takes_value(option) => at += 2,
            option if option.starts_with('-') => at += 1,
            _ => break,
        }
    }
    (args, false)
}

fn run(cli: Cli, run_command: bool, stdout_closed: bool) -> u8 {
    let policy = ThreadPolicy::new(cli.threads.map(|n| n as usize));
    DENY_WARNINGS.store(cli.deny_warnings, Ordering::Relaxed);
    PROFILE.store(cli.profile, Ordering::Relaxed);
    if let Some(code) = cli.code {
        return run_text("-e", &code, cli.rest, policy, stdout_closed);
    }
    if let Some(option) = cli.rest.first().filter(|a| a.starts_with('-') && a.len() > 1) {
        eprintln!("error: unknown option '{option}'\n\nFor more information, try '--help'.");
        return 2;
    }
    let mut rest = cli.rest.into_iter();
    if run_command {
        return match rest.next() {
            Some(file) => run_file(&file, rest.collect(), policy, stdout_closed),
            None if cli.profile => {
                eprintln!("error: `tscript run --profile` needs a file");
                2
            }
            None => {
                eprintln!("error: `tscript run` needs a file");
                2
            }
        };
    }
    match rest.next().as_deref() {
        None | Some("repl") if std::io::stdin().is_terminal() => {
            SECOND_CTRL_C_ENDS.store(false, Ordering::SeqCst);
            tscript::repl::run(cli.threads.map(|n| n as usize))
        }
        None | Some("repl") => match read_script(std::io::stdin().lock(), "standard input") {
            Ok(text) => run_text("<stdin>", &text, rest.collect(), policy, stdout_closed),
            Err(e) => {
                e.report();
                1
            }
        },
        Some("info") => {
            let n = policy.initial();
            print!("{}", blas::info_report(n, policy.source()));
            0
        }
        Some("check") => {
            // `tscript check --deny-warnings FILE...` too: `check` takes no script arguments.
            let (deny, files): (Vec<String>, Vec<String>) = rest.partition(|a| a == "--deny-warnings");
            if !deny.is_empty() {
                DENY_WARNINGS.store(true, Ordering::Relaxed);
            }
            if files.is_empty() {
                eprintln!("error: `tscript check` needs at least one file");
                return 2;
            }
            check_files(&files, policy)
        }
        Some("jupyter") => {
            SECOND_CTRL_C_ENDS.store(false, Ordering::SeqCst);
            tscript::jupyter::command(rest.collect())
        }
        Some(file) => run_file(file, rest.collect(), policy, stdout_closed),
    }
}

/// Why a script could not be read: a file error, or a script over the size limit.
struct ReadError(tscript::diag::Diag);

impl ReadError {
    /// The error as a diagnostic on standard error.
    fn report(self) {
        match self.0.code {
            tscript::diag::Code::ParseTooLarge => eprintln!("{:?}", miette::Report::new(TooLarge(self.0.message))),
            _ => eprintln!("{:?}", miette::Report::new(FileError(self.0.message))),
        }
    }
}

/// Reads a script from `input` (named `name` in errors), no more than the size limit.
fn read_script(input: impl Read, name: &str) -> Result<String, ReadError> {
    tscript::syntax::read_source(input, name).map_err(ReadError)
}

/// Reads a script file, or reports why it cannot be read.
fn read(path: &str) -> Result<String, ReadError> {
    tscript::syntax::read_source_file(path).map_err(ReadError)
}

fn run_file(path: &str, args: Vec<String>, policy: ThreadPolicy, stdout_closed: bool) -> u8 {
    match read(path) {
        Ok(text) => run_text(path, &text, args, policy, stdout_closed),
        Err(e) => {
            e.report();
            1
        }
    }
}

fn run_text(name: &str, text: &str, args: Vec<String>, policy: ThreadPolicy, stdout_closed: bool) -> u8 {
    let out: Box<dyn Write> = if stdout_closed { Box::new(ClosedOutput) } else { Box::new(std::io::stdout()) };
    let mut session = Session::new(out, args, policy);
    session.deny_warnings = DENY_WARNINGS.load(Ordering::Relaxed);
    if PROFILE.load(Ordering::Relaxed) {
        session.interp.profile = Some(Box::default());
    }
    let status = match session.run(name, text) {
        Ok(_) => 0,
        Err(diags) => report(&session, diags),
    };
    if let Some(profile) = session.interp.profile.take().filter(|p| !p.is_empty()) {
        eprint!("{}", profile.report(&session.sources));
    }
    status
}

fn check_files(files: &[String], policy: ThreadPolicy) -> u8 {
    let mut count = 0;
    for path in files {
        let mut session = Session::new(Box::new(std::io::sink()), Vec::new(), ThreadPolicy::new(None));
        session.deny_warnings = DENY_WARNINGS.load(Ordering::Relaxed);
        match read(path) {
            Ok(text) => match session.check(path, &text) {
                Ok(_) => {
                    let warnings = session.take_warnings();
                    report(&session, warnings);
                }
                Err(diags) => {
                    count += diags.len();
                    report(&session, diags);
                }
            },
            Err(e) => {
                count += 1;
                e.report();
            }
        }
    }
    drop(policy);
    match count {
        0 => {
            eprintln!("checked {} file{}: no errors", files.len(), if files.len() == 1 { "" } else { "s" });
            0
        }
        n => {
            eprintln!("{n} error{}", if n == 1 { "" } else { "s" });
            1
        }
    }
}

/// `--deny-warnings`: warnings are errors.
static DENY_WARNINGS: AtomicBool = AtomicBool::new(false);

/// `--profile` (or `run --profile`): the time of each source line after the run.
static PROFILE: AtomicBool = AtomicBool::new(false);

/// Prints diagnostics to standard error; the exit status is 130 for an interrupt, else 1.
fn report(session: &Session, diags: Vec<Diag>) -> u8 {
    let interrupted = diags.iter().any(|d| d.code == tscript::diag::Code::RuntimeInterrupted);
    for d in diags {
        eprintln!("{:?}", session.report(d));
    }
    if interrupted {
        130
    } else {
        1
    }
}

/// A file that cannot be read, as a diagnostic with the `tscript::io` code.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{0}")]
#[diagnostic(code(tscript::io), help("check the path and that the file is UTF-8 text"))]
struct FileError(String);

/// A script over the size limit, as a diagnostic with the `tscript::parse::too_large` code.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{0}")]
#[diagnostic(code(tscript::parse::too_large), help("split it into several files"))]
struct TooLarge(String);

/// Ends the process quietly when the reader of its output goes away (`tscript x.tsc | head -1`),
/// as Unix tools do, instead of reporting every later `print` as a write error.
fn quiet_on_closed_pipe() {
    // SAFETY: restores the default disposition of one signal; no handler code runs.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Whether standard output was closed when the process started (`tscript x.tsc >&-`), as seen
/// by [`note_closed_stdout`].
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Notes whether descriptor 1 is closed. It runs as an ELF constructor, before Rust's runtime
/// starts: the runtime puts `/dev/null` in place of a closed standard descriptor (so that a file
/// opened later does not become standard output), after which a closed standard output could no
/// longer be told from `>/dev/null`.
#[cfg(target_os = "linux")]
extern "C" fn note_closed_stdout() {
    // SAFETY: F_GETFD only asks whether descriptor 1 is open.
    let closed = unsafe { libc::fcntl(libc::STDOUT_FILENO, libc::F_GETFD) } == -1;
    STDOUT_CLOSED.store(closed, Ordering::Relaxed);
}

#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static NOTE_CLOSED_STDOUT: extern "C" fn() = note_closed_stdout;

/// Whether standard output was closed at start, so that what the script prints is reported as
/// lost ([`ClosedOutput`]) instead of vanishing into `/dev/null`.
fn stdout_was_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

/// Standard output when it was closed at start: every write fails, and `print` reports it.
struct ClosedOutput;

impl Write for ClosedOutput {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("standard output is closed"))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
