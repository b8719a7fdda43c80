//! The Jupyter kernel (`tscript jupyter ...`, issue 17; `docs/jupyter.md`): `install` and
//! `uninstall` write and remove the kernelspec (`spec`), `kernel CONNECTION_FILE` is the kernel
//! itself — the messaging protocol 5.3 over ZeroMQ (`wire`, `kernel`) in front of one
//! [`Session`](crate::Session) on an execution thread of its own (`exec`), whose output,
//! values and plots become notebook outputs (`display`).

pub mod display;
pub mod exec;
pub mod kernel;
pub mod spec;
pub mod wire;

use clap::{Args, Parser, Subcommand};
use spec::Place;
use std::path::PathBuf;

/// `tscript jupyter`: the TensorScript kernel for Jupyter.
#[derive(Parser, Debug)]
#[command(name = "tscript jupyter")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Writes the kernelspec where Jupyter finds it (the user's Jupyter folder unless told).
    Install(Where),
    /// Removes the kernelspec that `install` wrote.
    Uninstall(Where),
    /// Runs the kernel (Jupyter starts it so, from the kernelspec).
    Kernel {
        /// The connection file Jupyter writes.
        connection_file: PathBuf,
    },
}

/// Where the kernelspec goes (one of the three; `--user` when none is given).
#[derive(Args, Debug)]
#[group(multiple = false)]
struct Where {
    /// The user's Jupyter data folder (the default).
    #[arg(long)]
    user: bool,
    /// The active Python environment (a virtualenv or conda environment).
    #[arg(long)]
    sys_prefix: bool,
    /// DIR/share/jupyter, as `jupyter kernelspec install --prefix DIR`.
    #[arg(long, value_name = "DIR")]
    prefix: Option<PathBuf>,
}

impl Where {
    fn place(&self) -> Place {
        match (&self.prefix, self.sys_prefix) {
            (Some(dir), _) => Place::Prefix(dir.clone()),
            (None, true) => Place::SysPrefix,
            (None, false) => Place::User,
        }
    }
}

/// Runs `tscript jupyter ARGS...`; returns the exit status.
pub fn command(args: Vec<String>) -> u8 {
    let cli = match Cli::try_parse_from(std::iter::once("tscript jupyter".to_string()).chain(args)) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let done = match cli.command {
        Command::Install(place) => spec::kernel_dir(&place.place()).and_then(|dir| {
            spec::install(&dir)?;
            println!("installed the TensorScript kernel in {}", dir.display());
            Ok(())
        }),
        Command::Uninstall(place) => spec::kernel_dir(&place.place()).and_then(|dir| {
            spec::uninstall(&dir)?;
            println!("removed the TensorScript kernel from {}", dir.display());
            Ok(())
        }),
        // SIGINT (Jupyter's interrupt when it signals the process) only asks the running cell
        // to stop: the command line's handler, which does not end the kernel on a second one.
        Command::Kernel { connection_file } => kernel::run(&connection_file),
    };
    match done {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("error: {message}");
            1
        }
    }
}
