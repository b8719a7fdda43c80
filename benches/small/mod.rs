//! Teaching-sized work, where the interpreter's cost is what counts (issue 13): the teaching
//! loop (`benches/teaching.tsc`), a micrograd-style network (`benches/mlp.tsc`) and a softmax
//! regression on iris (`benches/softmax.tsc`), each against NumPy with the gradients written by
//! hand and PyTensor's compiled step function, as whole processes in interleaved rounds (the
//! order rotated each round). Every program times its own loop and prints the seconds first;
//! the ratios are medians of the per-round ratios of the time per step. Then the first call of
//! a typical teaching function (`benches/first_call.tsc`) in a fresh process, against its later
//! calls.

use super::{median, peer, ratio, root, run, tscript};
use std::process::Command;

/// One program of a workload: how to start it and how many steps its printed time covers.
struct Program {
    command: Command,
    steps: f64,
}

/// A workload: its name and its three contenders (`tscript`, NumPy, PyTensor).
struct Workload {
    name: &'static str,
    /// The `tscript` script, relative to the crate root.
    script: &'static str,
    /// The NumPy and PyTensor programs: a path relative to the crate root, and their steps.
    peers: [(&'static str, f64); 2],
    /// The steps `tscript`'s printed time covers.
    steps: f64,
}

/// The workloads, in the order of the table.
const WORKLOADS: [Workload; 3] = [
    Workload {
        name: "teaching loop (y = a x + b, 100 points)",
        script: "benches/teaching.tsc",
        peers: [("../shared/peers/small_numpy.py", 10_000.0), ("../shared/peers/small_pytensor.py", 9_999.0)],
        steps: 10_000.0,
    },
    Workload {
        name: "micrograd-style MLP (2-16-16-1, 100 points)",
        script: "benches/mlp.tsc",
        peers: [("benches/peers/mlp_numpy.py", 1_000.0), ("benches/peers/mlp_pytensor.py", 1_000.0)],
        steps: 1_000.0,
    },
    Workload {
        name: "softmax regression (iris, 150 x 4)",
        script: "benches/softmax.tsc",
        peers: [("benches/peers/softmax_numpy.py", 2_000.0), ("benches/peers/softmax_pytensor.py", 2_000.0)],
        steps: 2_000.0,
    },
];

/// The contenders' names, in the order of [`Workload::program`]'s index.
const CONTENDERS: [&str; 3] = ["tscript", "NumPy by hand", "PyTensor compiled"];

impl Workload {
    /// Contender `index` of this workload (`None` for a peer without the peers' Python).
    fn program(&self, index: usize, threads: usize, python: Option<&str>) -> Option<Program> {
        match index {
            0 => {
                let mut command = tscript();
                command.arg("--threads").arg(threads.to_string()).arg(root().join(self.script));
                Some(Program { command, steps: self.steps })
            }
            _ => {
                let (path, steps) = self.peers[index - 1];
                let mut command = peer(python?, &root().join(path).to_string_lossy(), &[]);
                command.current_dir(root());
                Some(Program { command, steps })
            }
        }
    }
}

/// Runs every workload's contenders in `rounds` interleaved rounds; prints the microseconds per
/// step and the ratios of `tscript` to each peer. Then the first-call cost.
pub fn small_loops(threads: usize, rounds: usize, python: Option<&str>) {
    // per_step[workload][contender][round], in seconds (NaN when a program failed).
    let mut per_step = vec![vec![Vec::new(); CONTENDERS.len()]; WORKLOADS.len()];
    let jobs: Vec<(usize, usize)> =
        (0..WORKLOADS.len()).flat_map(|w| (0..CONTENDERS.len()).map(move |c| (w, c))).collect();
    for round in 0..rounds {
        for offset in 0..jobs.len() {
            let (w, c) = jobs[(round + offset) % jobs.len()];
            let seconds = WORKLOADS[w].program(c, threads, python).and_then(|p| {
                let finished = run(p.command)?;
                Some(finished.loop_seconds()? / p.steps)
            });
            per_step[w][c].push(seconds.unwrap_or(f64::NAN));
        }
    }
    println!("small loops, {threads} threads, {rounds} interleaved rounds, µs per step (median):");
    println!("  {:<46}{:>10}{:>10}{:>10}{:>10}{:>10}", "", "tscript", "NumPy", "PyTensor", "/ NumPy", "/ PyT.");
    for (workload, times) in WORKLOADS.iter().zip(&per_step) {
        let us = |c: usize| median(&times[c]) * 1e6;
        println!(
            "  {:<46}{:>10.2}{:>10.2}{:>10.2}{:>10.3}{:>10.3}",
            workload.name,
            us(0),
            us(1),
            us(2),
            ratio(&times[0], &times[1]),
            ratio(&times[0], &times[2]),
        );
    }
    first_call(threads, rounds);
}

/// The first call of a typical teaching function in a fresh process, and its second (traced and
/// compiled), against the mean of its next 1,000 calls (`benches/first_call.tsc`), median of
/// `rounds`.
fn first_call(threads: usize, rounds: usize) {
    let (mut first, mut traced, mut later) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let mut command = tscript();
        command.arg("--threads").arg(threads.to_string()).arg(root().join("benches/first_call.tsc"));
        let printed = run(command).map(|f| f.stdout).unwrap_or_default();
        let mut numbers = printed.lines().map(|l| l.trim().parse::<f64>().unwrap_or(f64::NAN));
        first.push(numbers.next().unwrap_or(f64::NAN));
        traced.push(numbers.next().unwrap_or(f64::NAN));
        later.push(numbers.next().unwrap_or(f64::NAN));
    }
    println!(
        "grad(loss)(w) in a fresh process: first call {:.1} µs, second (traced and compiled) {:.1} µs, \
         later calls {:.1} µs (first {:.2}×, second {:.2}× a later call), median of {rounds}",
        median(&first) * 1e6,
        median(&traced) * 1e6,
        median(&later) * 1e6,
        ratio(&first, &later),
        ratio(&traced, &later),
    );
}
