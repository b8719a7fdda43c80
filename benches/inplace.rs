//! Updates in place (issue 12), always as ratios to a baseline measured in the same run, over
//! interleaved rounds (medians of the per-round ratios). Everything runs in this process on one
//! thread (BLAS and the element-wise pool), the baselines too.
//!
//! 1. `x += g` and `x = x + g` on a vector of `N` f64, each `STEPS` times in a loop written in
//!    the language and timed by `clock()` inside the script, against the same `STEPS` in-place
//!    additions over ndarray in Rust (the baseline).
//! 2. A Fisher–Yates shuffle of the rows of a `ROWS`×64 matrix written in the language (`SWAPS`
//!    swaps, each through a row held in a variable: `let t = B[k]; B[k] = B[j]; B[j] = t`),
//!    against the same swaps over an ndarray matrix in Rust (the baseline); and the same number
//!    of swaps on a matrix a tenth as tall, whose ratio to the tall one says whether a row write
//!    costs the matrix's size (1.0 when the write is in place).
//!
//! Run with `cargo bench --bench inplace`; `TSCRIPT_BENCH_ROUNDS` sets the number of rounds
//! (default 5).

mod stats;

use ndarray::{Array1, Array2, Zip};
use rand::{Rng, SeedableRng};
use stats::{median, ratio};
use std::time::Instant;
use tscript::blas::ThreadPolicy;
use tscript::{Output, Session};

/// The vector length of the update benchmark (80 MB per vector).
const N: usize = 10_000_000;
/// Updates per round.
const STEPS: usize = 10;
/// The rows of the tall matrix of the shuffle benchmark (as in issue 12).
const ROWS: usize = 14_000;
/// The columns of the shuffled matrices.
const COLS: usize = 64;
/// Row swaps per round, on either matrix.
const SWAPS: usize = 1_400;

/// Runs `setup` then `timed` (a script that prints the seconds it measured with `clock()`) in a
/// fresh one-thread session; returns those seconds.
fn script_seconds(setup: &str, timed: &str) -> f64 {
    let out = Output::default();
    let mut session = Session::new(Box::new(out.clone()), Vec::new(), ThreadPolicy::new(Some(1)));
    session.run("setup", setup).unwrap_or_else(|d| panic!("setup fails: {:?}", d[0].message));
    session.run("timed", timed).unwrap_or_else(|d| panic!("{timed} fails: {:?}", d[0].message));
    out.text().trim().parse().unwrap_or_else(|_| panic!("the script printed {:?}", out.text()))
}

/// `STEPS` times `x += g` (or `x = x + g` when not `compound`) in the language.
fn update_in_language(compound: bool) -> f64 {
    let step = if compound { "x += g" } else { "x = x + g" };
    // One untimed step first, so that neither side's time includes the first touch of pages.
    let setup = format!("let x = zeros({N})\nlet g = ones({N})\n{step}");
    let timed = format!("let t0 = clock()\nfor i in 0..{STEPS} {{ {step} }}\nprint(clock() - t0)");
    script_seconds(&setup, &timed)
}

/// `STEPS` in-place additions `x += g` over ndarray: the baseline.
fn update_in_rust() -> f64 {
    let mut x = Array1::<f64>::zeros(N);
    let g = Array1::<f64>::ones(N);
    let step = |x: &mut Array1<f64>| Zip::from(x).and(&g).for_each(|x, &g| *x += g);
    step(&mut x);
    let start = Instant::now();
    for _ in 0..STEPS {
        step(&mut x);
    }
    let seconds = start.elapsed().as_secs_f64();
    assert_eq!(x[N - 1], (STEPS + 1) as f64);
    seconds
}

/// `SWAPS` Fisher–Yates swaps of the rows of a `rows`×`COLS` matrix, in the language.
fn shuffle_in_language(rows: usize) -> f64 {
    let setup = format!("seed 0\nlet B = randn({rows}, {COLS})");
    let timed = format!(
        "let t0 = clock()\nfor i in 0..{SWAPS} {{\n  let k = {rows} - 1 - i\n  let j = int(rand(1)[0] * (k + 1))\n  \
         let t = B[k]\n  B[k] = B[j]\n  B[j] = t\n}}\nprint(clock() - t0)"
    );
    script_seconds(&setup, &timed)
}

/// The same swaps over an ndarray matrix in Rust, each through copied rows: the baseline.
fn shuffle_in_rust(rows: usize) -> f64 {
    let mut rng = rand_pcg::Pcg64::seed_from_u64(0);
    let mut b = Array2::<f64>::from_shape_fn((rows, COLS), |(i, j)| (i * COLS + j) as f64);
    let start = Instant::now();
    for i in 0..SWAPS {
        let k = rows - 1 - i;
        let j = rng.random_range(0..=k);
        let (row_k, row_j) = (b.row(k).to_owned(), b.row(j).to_owned());
        b.row_mut(k).assign(&row_j);
        b.row_mut(j).assign(&row_k);
    }
    let seconds = start.elapsed().as_secs_f64();
    assert_eq!(b.sum(), (rows * COLS * (rows * COLS - 1) / 2) as f64, "the rows are permuted");
    seconds
}

fn main() {
    let rounds: usize = std::env::var("TSCRIPT_BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(5);
    let jobs: [fn() -> f64; 7] = [
        || update_in_language(true),
        || update_in_language(false),
        update_in_rust,
        || shuffle_in_language(ROWS),
        || shuffle_in_language(ROWS / 10),
        || shuffle_in_rust(ROWS),
        || shuffle_in_rust(ROWS / 10),
    ];
    let mut times: [Vec<f64>; 7] = std::array::from_fn(|_| Vec::new());
    for round in 0..rounds {
        // Reverse the order every other round, so that no measurement always follows another.
        for i in 0..jobs.len() {
            let job = if round % 2 == 1 { jobs.len() - 1 - i } else { i };
            times[job].push(jobs[job]());
        }
    }
    let [compound, rebuilt, bare, tall, short, tall_bare, short_bare] = &times;
    let ms = |v: &[f64], per: usize| median(v) * 1e3 / per as f64;
    println!("update of {N} f64, {STEPS} steps, 1 thread, median of {rounds} rounds:");
    println!("  x += g        {:9.3} ms per step", ms(compound, STEPS));
    println!("  x = x + g     {:9.3} ms per step", ms(rebuilt, STEPS));
    println!("  ndarray x += g {:8.3} ms per step (baseline)", ms(bare, STEPS));
    println!("  x += g / baseline:     {:.3}", ratio(compound, bare));
    println!("  x = x + g / baseline:  {:.3}", ratio(rebuilt, bare));
    println!("  x = x + g / x += g:    {:.3}", ratio(rebuilt, compound));
    println!("Fisher–Yates, {SWAPS} row swaps of {COLS} f64, median of {rounds} rounds:");
    println!("  {ROWS} rows: {:8.2} µs per swap", ms(tall, SWAPS) * 1e3);
    println!("  {} rows:  {:8.2} µs per swap", ROWS / 10, ms(short, SWAPS) * 1e3);
    println!("  ndarray, {ROWS} rows: {:6.3} µs per swap (baseline)", ms(tall_bare, SWAPS) * 1e3);
    println!("  {ROWS} rows / baseline:           {:.2}", ratio(tall, tall_bare));
    println!("  {} rows / baseline:            {:.2}", ROWS / 10, ratio(short, short_bare));
    println!("  {ROWS} rows / {} rows (1.0: no copy of the matrix): {:.3}", ROWS / 10, ratio(tall, short));
}
