//! Speed, always as ratios measured in the same run (these machines are shared and noisy).
//!
//! 1. The spec §1 benchmark (`examples/regression.tsc`, 30 gradient steps on 2000×2000 least
//!    squares), run as whole processes in interleaved rounds: `tscript` (with the kernel it
//!    chooses), the bare BLAS calls the loop needs (two `gemm` per step, in a process of this
//!    bench that makes the same data; same kernel, same threads), NumPy by hand and PyTensor
//!    (`../shared/peers/`), and `tscript` with OpenBLAS's own kernel (`TSCRIPT_BLAS_KERNEL=library`).
//!    Each gives its loop time, its whole-process time and its peak memory; the ratios printed are
//!    medians of the per-round ratios.
//! 2. Start-up: `tscript -e 'print(1)'` with the kernel it chooses, with the library's, and with a
//!    switch (and its self-test) forced by name; and the in-process cost of a switch.
//! 3. The benchmark loop with each kernel the CPU runs and the library contains.
//! 4. Teaching-sized work (`small`): the teaching loop (`benches/teaching.tsc`, 10,000 gradient
//!    steps on 100 points), a micrograd-style network (`benches/mlp.tsc`) and a softmax
//!    regression on iris (`benches/softmax.tsc`), each against NumPy by hand and PyTensor's
//!    compiled step (`benches/peers/`), interleaved; and the first call of a typical teaching
//!    function against its later calls.
//! 5. With `TSCRIPT_BENCH_SWEEP=1,2,3,4` (thread counts) and `TSCRIPT_BENCH_CSV=FILE`: the loop
//!    time of `tscript` and NumPy at each count, interleaved, written as CSV for
//!    `benches/plot_threads.py`.
//!
//! The peers run when a Python with them exists (`../shared/peers/setup.sh` makes one in
//! `/tmp/tscript-peers`; `TSCRIPT_PEERS_PYTHON` names another). NumPy runs with
//! `OPENBLAS_CORETYPE` and `OPENBLAS_L2_SIZE` removed from its environment, so that its own
//! OpenBLAS picks its kernel (reported through threadpoolctl). Run with
//! `cargo bench --bench speed`; `TSCRIPT_BENCH_THREADS` sets the thread count (default 2) and
//! `TSCRIPT_BENCH_ROUNDS` the number of rounds (default 5); `TSCRIPT_BENCH_ONLY=startup` (or
//! `sweep`, or `small`) measures start-up (or the thread sweep, or teaching-sized work) alone.

use ndarray::linalg::general_mat_mul;
use ndarray::Array2;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;
use tscript::blas::kernel::{self, CpuFeatures, KernelRequest, OpenBlas, RequestSource};

mod small;
mod stats;

use stats::{median, ratio};

/// The crate root.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// One finished process: what it printed, its wall-clock time and its peak resident memory.
struct Finished {
    stdout: String,
    wall: f64,
    peak_mb: f64,
}

impl Finished {
    /// The first printed line as seconds (every benchmark program prints its loop time first).
    fn loop_seconds(&self) -> Option<f64> {
        self.stdout.lines().next()?.trim().parse().ok()
    }
}

/// Runs `command` to the end, timing it and reading its peak memory (`wait4`).
fn run(mut command: Command) -> Option<Finished> {
    command.stdout(Stdio::piped()).stderr(Stdio::null());
    let start = Instant::now();
    let mut child = command.spawn().ok()?;
    let mut stdout = String::new();
    child.stdout.take()?.read_to_string(&mut stdout).ok()?;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, writing into the two locals.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let wall = start.elapsed().as_secs_f64();
    (pid > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0).then(|| Finished {
        stdout,
        wall,
        peak_mb: usage.ru_maxrss as f64 / 1024.0,
    })
}

/// The tscript binary.
fn tscript() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tscript"));
    command.current_dir(root()).env_remove("TSCRIPT_THREADS").env_remove("TSCRIPT_BLAS_KERNEL");
    command
}

/// The peers' Python, if there is one.
fn peers_python() -> Option<String> {
    let python = std::env::var("TSCRIPT_PEERS_PYTHON").unwrap_or_else(|_| "/tmp/tscript-peers/bin/python".into());
    Path::new(&python).exists().then_some(python)
}

/// A peer script of `../shared/peers/`.
fn peer(python: &str, script: &str, args: &[&str]) -> Command {
    let mut command = Command::new(python);
    command.arg(root().join("../shared/peers").join(script)).args(args);
    if script.contains("numpy") {
        // NumPy brings its own OpenBLAS; the machine's kernel settings are not for it.
        command.env_remove("OPENBLAS_CORETYPE").env_remove("OPENBLAS_L2_SIZE");
    }
    command
}

/// The contenders of the regression benchmark, in the order of the table.
const CONTENDERS: [&str; 5] = ["tscript", "bare BLAS", "NumPy by hand", "PyTensor", "tscript, library kernel"];

/// The command that runs contender `index` at `threads` threads.
fn contender(index: usize, threads: usize, python: Option<&str>) -> Option<Command> {
    let t = threads.to_string();
    let script = root().join("examples/regression.tsc");
    match index {
        0 => {
            let mut command = tscript();
            command.arg("--threads").arg(&t).arg(&script);
            Some(command)
        }
        1 => {
            let mut command = Command::new(std::env::current_exe().ok()?);
            command.args(["--bare-blas", &t]);
            Some(command)
        }
        2 => Some(peer(python?, "numpy_test.py", &[&t])),
        3 => Some(peer(python?, "theano_test.py", &[&t])),
        _ => {
            let mut command = tscript();
            command.arg("--threads").arg(&t).arg(&script).env("TSCRIPT_BLAS_KERNEL", "library");
            Some(command)
        }
    }
}

/// The bare-BLAS process: the benchmark's data made as `tscript` makes it (normal samples), then
/// the timed loop of the two `gemm` per step that a gradient step needs. Prints the loop's seconds.
fn bare_blas_process(threads: usize) {
    kernel::startup(None);
    tscript::blas::set_threads(threads);
    let (m, n, k, iters) = (2000, 500, 2000, 30);
    let mut rng = rand_pcg::Pcg64::seed_from_u64(1);
    let mut normal = |rows, cols| Array2::from_shape_simple_fn((rows, cols), || StandardNormal.sample(&mut rng));
    let x: Array2<f64> = normal(m, k);
    let w0: Array2<f64> = normal(k, n);
    let w: Array2<f64> = normal(k, n);
    let mut y = Array2::<f64>::zeros((m, n));
    general_mat_mul(1.0, &x, &w0, 0.0, &mut y);
    let mut r = Array2::<f64>::zeros((m, n));
    let mut g = Array2::<f64>::zeros((k, n));
    general_mat_mul(1.0, &x, &w, 0.0, &mut r);
    general_mat_mul(1.0, &x.t(), &r, 0.0, &mut g);
    let start = Instant::now();
    for _ in 0..iters {
        general_mat_mul(1.0, &x, &w, 0.0, &mut r);
        general_mat_mul(1.0, &x.t(), &r, 0.0, &mut g);
    }
    println!("{}", start.elapsed().as_secs_f64());
    println!("{}", g[[0, 0]] + y[[0, 0]]);
}

/// One measurement per contender per round: loop seconds, whole seconds, peak MB (NaN if missing).
type Table = Vec<[Vec<f64>; 3]>;

/// The regression benchmark at `threads` threads over `rounds` interleaved rounds.
fn regression(threads: usize, rounds: usize, python: Option<&str>) -> Table {
    let mut table: Table = (0..CONTENDERS.len()).map(|_| [Vec::new(), Vec::new(), Vec::new()]).collect();
    for round in 0..rounds {
        for offset in 0..CONTENDERS.len() {
            // Rotate the order each round, so that no contender always follows the same one.
            let index = (round + offset) % CONTENDERS.len();
            let finished = contender(index, threads, python).and_then(run);
            let (loop_s, wall, peak) = match &finished {
                Some(f) => (f.loop_seconds().unwrap_or(f64::NAN), f.wall, f.peak_mb),
                None => (f64::NAN, f64::NAN, f64::NAN),
            };
            table[index][0].push(loop_s);
            table[index][1].push(wall);
            table[index][2].push(peak);
        }
    }
    table
}

/// Prints the regression table and its ratios.
fn print_regression(threads: usize, rounds: usize, table: &Table) {
    println!("regression benchmark (spec §1), {threads} threads, {rounds} interleaved rounds, medians:");
    println!("  {:<26}{:>9}{:>10}{:>10}", "", "loop s", "whole s", "peak MB");
    for (name, row) in CONTENDERS.iter().zip(table) {
        println!("  {name:<26}{:>9.3}{:>10.3}{:>10.0}", median(&row[0]), median(&row[1]), median(&row[2]));
    }
    println!("  tscript against each (median of the per-round ratios):");
    println!("  {:<26}{:>9}{:>10}{:>10}", "", "loop", "whole", "peak");
    for (name, row) in CONTENDERS.iter().zip(table).skip(1) {
        let cells: Vec<f64> = (0..3).map(|c| ratio(&table[0][c], &row[c])).collect();
        println!("  / {name:<24}{:>9.3}{:>10.3}{:>10.3}", cells[0], cells[1], cells[2]);
    }
}

/// Median milliseconds of `tscript ARGS` for each (`TSCRIPT_BLAS_KERNEL`, ARGS), interleaved.
fn startup(cases: &[(&str, &[&str])], rounds: usize) -> Vec<f64> {
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    for _ in 0..rounds {
        for (i, (kernel, args)) in cases.iter().enumerate() {
            let mut command = tscript();
            command.args(*args).env("TSCRIPT_BLAS_KERNEL", kernel);
            times[i].push(run(command).map_or(f64::NAN, |f| f.wall * 1e3));
        }
    }
    times.iter().map(|t| median(t.as_slice())).collect()
}

/// Microseconds of an in-process switch to `to` and its self-test (median of 20), switching back
/// to `back` between samples.
fn switch_cost(to: &str, back: &str) -> f64 {
    let cpu = CpuFeatures::detect();
    let mut samples = Vec::new();
    for _ in 0..20 {
        let start = Instant::now();
        let state = kernel::choose(
            (KernelRequest::Named(to.into()), RequestSource::CommandLine),
            None,
            cpu,
            &mut OpenBlas::load(),
        );
        samples.push(start.elapsed().as_secs_f64() * 1e6);
        assert_eq!(state.running, to, "{:?}", state.warning);
        kernel::choose(
            (KernelRequest::Named(back.into()), RequestSource::CommandLine),
            None,
            cpu,
            &mut OpenBlas::load(),
        );
    }
    median(&samples)
}

/// What `tscript info` says on `label`, with `TSCRIPT_BLAS_KERNEL` as given.
fn info_line(kernel: &str, label: &str) -> String {
    let mut command = tscript();
    command.arg("info").env("TSCRIPT_BLAS_KERNEL", kernel);
    let out = run(command).map(|f| f.stdout).unwrap_or_default();
    let prefix = format!("{label}:");
    out.lines().find_map(|l| l.strip_prefix(&prefix)).unwrap_or("?").trim().to_string()
}

/// NumPy's OpenBLAS and kernel as threadpoolctl reports them.
fn numpy_blas(python: &str) -> String {
    let mut command = Command::new(python);
    command.env_remove("OPENBLAS_CORETYPE").env_remove("OPENBLAS_L2_SIZE").args([
        "-c",
        "import numpy, threadpoolctl\nfor i in threadpoolctl.threadpool_info():\n    \
         print(i['internal_api'], i['version'], i['architecture'])",
    ]);
    run(command).map_or_else(|| "?".to_string(), |f| f.stdout.trim().replace('\n', "; "))
}

/// The benchmark loop with each kernel this CPU runs, interleaved over `rounds`.
fn kernels(names: &[&str], threads: usize, rounds: usize) {
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    for _ in 0..rounds {
        for (i, name) in names.iter().enumerate() {
            let mut command = tscript();
            command.arg("--threads").arg(threads.to_string()).arg(root().join("examples/regression.tsc"));
            command.env("TSCRIPT_BLAS_KERNEL", name);
            times[i].push(run(command).and_then(|f| f.loop_seconds()).unwrap_or(f64::NAN));
        }
    }
    println!("kernels on this machine, benchmark loop at {threads} threads, median of {rounds}:");
    let best = times.iter().map(|t| median(t)).fold(f64::INFINITY, f64::min);
    for (name, t) in names.iter().zip(&times) {
        println!("  {name:<12}{:>8.3} s  {:>6.2}× the fastest", median(t), median(t) / best);
    }
}

/// The loop time of `tscript` and NumPy at each thread count of `counts`, interleaved, as CSV.
fn sweep(counts: &[usize], rounds: usize, python: Option<&str>, csv: &Path) {
    let mut lines = vec!["threads,tool,round,loop_seconds".to_string()];
    for round in 0..rounds {
        for &threads in counts {
            for (tool, index) in [("tscript", 0), ("NumPy", 2)] {
                let seconds = contender(index, threads, python).and_then(run).and_then(|f| f.loop_seconds());
                if let Some(s) = seconds {
                    lines.push(format!("{threads},{tool},{round},{s:.4}"));
                }
            }
        }
    }
    std::fs::write(csv, lines.join("\n") + "\n").expect("the CSV file can be written");
    println!("thread sweep {counts:?}, {rounds} rounds: written to {}", csv.display());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--bare-blas") {
        let threads = args.get(at + 1).and_then(|t| t.parse().ok()).unwrap_or(1);
        return bare_blas_process(threads);
    }
    let number = |name: &str, default: usize| std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    let threads = number("TSCRIPT_BENCH_THREADS", 2);
    let rounds = number("TSCRIPT_BENCH_ROUNDS", 5);
    let python = peers_python();
    // The kernel of this process (for the in-process parts), before its first BLAS call.
    let state = kernel::startup(None);

    println!("tscript kernel:      {}", info_line("auto", "kernel"));
    println!("library's own:       {}", info_line("library", "kernel"));
    println!("OpenBLAS config:     {}", info_line("auto", "config"));
    if let Some(py) = &python {
        println!("NumPy's BLAS:        {}", numpy_blas(py));
    }

    // TSCRIPT_BENCH_ONLY=startup measures start-up alone, TSCRIPT_BENCH_ONLY=sweep the sweep alone.
    let only = std::env::var("TSCRIPT_BENCH_ONLY").unwrap_or_default();
    let only_startup = only == "startup";
    if only == "sweep" {
        return run_sweep(python.as_deref(), &number);
    }
    if only == "small" {
        return small::small_loops(threads, rounds, python.as_deref());
    }
    if !only_startup {
        let table = regression(threads, rounds, python.as_deref());
        print_regression(threads, rounds, &table);
    }

    // Start-up with the kernel tscript chooses, the library's, and a switch forced by name.
    let cpu = CpuFeatures::detect();
    let other = kernel::switchable_names()
        .find(|name| !name.eq_ignore_ascii_case(&state.running) && state.available.contains(name) && runs(&cpu, name));
    let print_one: &[&str] = &["-e", "print(1)"];
    let mut cases: Vec<(&str, &[&str])> = vec![("auto", print_one), ("library", print_one)];
    cases.extend(other.map(|name| (name, print_one)));
    // A second process start-up, which re-executing with OPENBLAS_CORETYPE set would add.
    cases.push(("library", &["--version"]));
    let times = startup(&cases, 30);
    println!("start-up, median of 30 interleaved:");
    for ((kernel, args), ms) in cases.iter().zip(&times) {
        println!("  TSCRIPT_BLAS_KERNEL={kernel:<12} tscript {:<14}{ms:>7.2} ms", args.join(" "));
    }
    if let Some(other) = other {
        let running = state.running.clone();
        println!("  in-process switch to {other} with its self-test: {:.0} µs", switch_cost(other, &running));
    }

    if only_startup {
        return;
    }
    let runnable: Vec<&str> =
        kernel::switchable_names().filter(|name| state.available.contains(name) && runs(&cpu, name)).collect();
    kernels(&runnable, threads, number("TSCRIPT_BENCH_KERNEL_ROUNDS", 3));

    small::small_loops(threads, rounds, python.as_deref());

    run_sweep(python.as_deref(), &number);
}

/// The thread sweep, if `TSCRIPT_BENCH_SWEEP` and `TSCRIPT_BENCH_CSV` ask for it.
fn run_sweep(python: Option<&str>, number: &dyn Fn(&str, usize) -> usize) {
    if let (Ok(counts), Ok(csv)) = (std::env::var("TSCRIPT_BENCH_SWEEP"), std::env::var("TSCRIPT_BENCH_CSV")) {
        let counts: Vec<usize> = counts.split(',').filter_map(|c| c.trim().parse().ok()).collect();
        sweep(&counts, number("TSCRIPT_BENCH_SWEEP_ROUNDS", 3), python, &PathBuf::from(csv));
    }
}

/// Whether `cpu` runs the kernel `name`, by the decision's own rule (a switch to it is planned).
fn runs(cpu: &CpuFeatures, name: &str) -> bool {
    let decided = kernel::plan(&KernelRequest::Named(name.into()), None, cpu, "", &|_| true);
    matches!(decided, kernel::Plan::Switch { .. })
}
