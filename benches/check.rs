//! How much the static checker adds before a script runs: for every `examples/*.tsc` (and the
//! teaching benchmark), the time of `Session::check` (parse, lower, check) against parse and
//! lower alone, as the median of many runs. The budget is 5 ms per script (spec §8, issue 4).
//! Run with `cargo bench --bench check`.

use std::path::PathBuf;
use std::time::{Duration, Instant};
use tscript::blas::ThreadPolicy;
use tscript::Session;

const RUNS: usize = 200;
const BUDGET: Duration = Duration::from_millis(5);

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Times `f` on a fresh session `RUNS` times.
fn time(f: impl Fn(&mut Session)) -> Duration {
    let runs = (0..RUNS).map(|_| {
        let mut session = Session::new(Box::new(std::io::sink()), Vec::new(), ThreadPolicy::new(Some(1)));
        let start = Instant::now();
        f(&mut session);
        start.elapsed()
    });
    median(runs.collect())
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = ["examples", "benches"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).into_iter().flatten())
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "tsc"))
        .collect();
    files.sort();
    println!("{:<28} {:>12} {:>12} {:>10} {:>8}", "script", "lower (ms)", "check (ms)", "added", "ratio");
    let mut over = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable script");
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let lower = time(|s| {
            let _ = s.lower_only(&name, &text);
        });
        let check = time(|s| {
            if let Err(d) = s.check(&name, &text) {
                panic!("{name} does not check: {d:?}");
            }
        });
        let added = check.saturating_sub(lower);
        over += usize::from(added > BUDGET);
        println!(
            "{name:<28} {:>12.3} {:>12.3} {:>8.3}ms {:>8.2}",
            lower.as_secs_f64() * 1e3,
            check.as_secs_f64() * 1e3,
            added.as_secs_f64() * 1e3,
            check.as_secs_f64() / lower.as_secs_f64().max(1e-9)
        );
    }
    println!("{} scripts; {over} over the {} ms budget", files.len(), BUDGET.as_millis());
}
