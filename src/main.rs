//! The `tscript` command line: run a script, check scripts, run one line, print the BLAS
//! configuration, or open the REPL (spec §10).

use clap::Parser;
use std::io::IsTerminal;
use std::process::ExitCode;
use tscript::blas::{self, ThreadPolicy};
use tscript::diag::Diag;
use tscript::eval::interp::INTERRUPTED;
use tscript::Session;

/// TensorScript: a small, statically checked array language on BLAS.
#[derive(Parser, Debug)]
#[command(
    name = "tscript",
    version,
    about,
    override_usage = "tscript [OPTIONS] [FILE.tsc [ARGS...]]\n       tscript run FILE.tsc [ARGS...]\n       tscript check FILE.tsc...\n       tscript -e CODE\n       tscript info\n       tscript repl"
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
    /// A script and its arguments, or a command: run, check, info, repl.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "FILE")]
    rest: Vec<String>,
}

/// The stack the evaluator runs on: deep enough for the deepest call nesting allowed.
const EVAL_STACK: usize = 1 << 30;

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    // Before the first BLAS call and before any other thread exists.
    blas::kernel::startup(cli.blas_kernel.as_deref());
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst));
    let worker = std::thread::Builder::new().stack_size(EVAL_STACK).spawn(move || run(cli));
    match worker.map(|w| w.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        _ => ExitCode::from(1),
    }
}

fn run(cli: Cli) -> u8 {
    let policy = ThreadPolicy::new(cli.threads.map(|n| n as usize));
    if let Some(code) = cli.code {
        return run_text("-e", &code, cli.rest, policy);
    }
    let mut rest = cli.rest.into_iter();
    match rest.next().as_deref() {
        None | Some("repl") if std::io::stdin().is_terminal() => tscript::repl::run(cli.threads.map(|n| n as usize)),
        None | Some("repl") => match std::io::read_to_string(std::io::stdin()) {
            Ok(text) => run_text("<stdin>", &text, rest.collect(), policy),
            Err(e) => {
                eprintln!("{:?}", miette::Report::new(FileError(format!("cannot read standard input: {e}"))));
                1
            }
        },
        Some("info") => {
            let n = policy.initial();
            print!("{}", blas::info_report(n, policy.source()));
            0
        }
        Some("check") => {
            let files: Vec<String> = rest.collect();
            if files.is_empty() {
                eprintln!("error: `tscript check` needs at least one file");
                return 2;
            }
            check_files(&files, policy)
        }
        Some("run") => match rest.next() {
            Some(file) => run_file(&file, rest.collect(), policy),
            None => {
                eprintln!("error: `tscript run` needs a file");
                2
            }
        },
        Some(option) if option.starts_with('-') && option.len() > 1 => {
            eprintln!("error: unknown option '{option}'\n\nFor more information, try '--help'.");
            2
        }
        Some(file) => run_file(file, rest.collect(), policy),
    }
}

/// Reads a script, or reports why it cannot be read.
fn read(path: &str) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    String::from_utf8(bytes)
        .map_err(|e| format!("cannot read {path}: not UTF-8 text (byte {})", e.utf8_error().valid_up_to()))
}

fn run_file(path: &str, args: Vec<String>, policy: ThreadPolicy) -> u8 {
    match read(path) {
        Ok(text) => run_text(path, &text, args, policy),
        Err(message) => {
            eprintln!("{:?}", miette::Report::new(FileError(message)));
            1
        }
    }
}

fn run_text(name: &str, text: &str, args: Vec<String>, policy: ThreadPolicy) -> u8 {
    let mut session = Session::new(Box::new(std::io::stdout()), args, policy);
    match session.run(name, text) {
        Ok(_) => 0,
        Err(diags) => report(&session, diags),
    }
}

fn check_files(files: &[String], policy: ThreadPolicy) -> u8 {
    let mut count = 0;
    for path in files {
        let mut session = Session::new(Box::new(std::io::sink()), Vec::new(), ThreadPolicy::new(None));
        match read(path) {
            Ok(text) => {
                if let Err(diags) = session.check(path, &text) {
                    count += diags.len();
                    report(&session, diags);
                }
            }
            Err(message) => {
                count += 1;
                eprintln!("{:?}", miette::Report::new(FileError(message)));
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

/// Ends the process quietly when the reader of its output goes away (`tscript x.tsc | head -1`),
/// as Unix tools do, instead of reporting every later `print` as a write error.
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    {
        extern "C" {
            fn signal(signum: i32, handler: usize) -> usize;
        }
        const SIGPIPE: i32 = 13;
        const SIG_DFL: usize = 0;
        // SAFETY: restores the default disposition of one signal; no handler code runs.
        unsafe {
            signal(SIGPIPE, SIG_DFL);
        }
    }
}
