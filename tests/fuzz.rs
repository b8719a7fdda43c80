//! The fuzz target on stable Rust (docs/fuzzing.md): scripts from `examples/` and `tests/`, and the
//! regression inputs in `tests/fuzz-corpus/`, are mutated at random and each mutant is parsed,
//! checked and run in-process by the target in `fuzz/harness.rs`, which must hold its property:
//! no panic, no abort, no hang, every error a well-formed diagnostic. The bounded run takes about a
//! minute; `TSCRIPT_FUZZ_SECONDS`, `TSCRIPT_FUZZ_RUNS` and `TSCRIPT_FUZZ_SEED` make it longer or
//! different, and `TSCRIPT_FUZZ_KEEP_GOING` reports every failing input rather than the first. A
//! failing input is printed and written to a file ready to add to the corpus.

mod common;
#[path = "../fuzz/harness.rs"]
mod harness;

use harness::{one_input, Verdict};
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Counts what is held on the heap, so that a run can be interrupted or refused over its budget.
#[global_allocator]
static ALLOCATOR: harness::BudgetAlloc = harness::BudgetAlloc;

/// How many inputs the bounded run tries: about a minute of a debug build here. A count, not a
/// time, so that the run tries the same inputs on every machine (a run's verdict on the checker's
/// side, which decides what is mutated further, does not depend on timing).
const RUNS: u64 = 5000;

/// The seed of the bounded run (seeds 1 and 3 pass too).
const DEFAULT_SEED: u64 = 2;

/// Where committed regression inputs live (any file in it is one input).
const CORPUS: &str = "tests/fuzz-corpus";

/// Pieces a mutation may insert: punctuation, operators, keywords, extreme numbers.
const PIECES: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ";",
    "\n",
    ":",
    "=",
    "==",
    "!=",
    "<=",
    "@",
    "^",
    "-",
    "+",
    "*",
    "/",
    "%",
    "..",
    "..=",
    "|",
    "|x|",
    "|a, b|",
    ".T",
    ".shape",
    "[::-1]",
    "[:, 0]",
    "[1:]",
    "[-1]",
    "let ",
    "fn ",
    "if ",
    "else ",
    "while ",
    "for ",
    "in ",
    "return ",
    "break",
    "continue",
    "threads ",
    "seed ",
    "precision ",
    "f\"{",
    "f\"a {x:>8.3f} {{ {y!r}\"",
    ":,.2e}",
    "}\"",
    "dtype f32\n",
    "dtype f64\n",
    "true",
    "false",
    "and ",
    "or ",
    "not ",
    "0",
    "1",
    "-1",
    "2",
    "3",
    "0.5",
    "2^62",
    "2^40",
    "9223372036854775807",
    "-9223372036854775808",
    "1e308",
    "-1e308",
    "1e-320",
    "0.0",
    "nan",
    "inf",
    "\"",
    "\"s\"",
    "#",
    "x",
    "A",
    "?",
    "f64[",
    "f32[",
    "int",
    "bool",
    "str",
    "-> f64[3] ",
    ": f64",
    "axis=",
    "axis=-1",
    "keepdims=true",
    "wrt=",
    "(1, 2)",
    "[]",
    "[[]]",
    "[[1.0, 2.0], [3.0, 4.0]]",
    "zeros(0)",
    "zeros(2, 0)",
    "eye(3)",
    "A[:, ::-1]",
    "x[::-1]",
];

/// Values a number in a script may be replaced by.
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "7",
    "0.0",
    "-0.0",
    "0.5",
    "1e-300",
    "1e308",
    "1e309",
    "nan",
    "inf",
    "4611686018427387904",
    "9223372036854775807",
    "9223372036854775808",
    "2^62",
    "2^63",
    "1099511627776",
    "65536",
    "3.0e10",
    "1_000",
];

/// What a name in a script may be replaced by (`$` is the name): views (reversed, transposed,
/// strided), the operations that take them, gradients, extreme values and sizes.
const TEMPLATES: &[&str] = &[
    "$[::-1]",
    "$.T",
    "$[:, 0]",
    "$[0, :]",
    "$[:, ::-1]",
    "$[::-1, :]",
    "$[1:]",
    "$[::2]",
    "$[-1]",
    "$[$]",
    "outer($, $)",
    "outer($[::-1], $)",
    "$ @ $",
    "$ @ $.T",
    "$.T @ $",
    "$[::-1] @ $",
    "dot($, $)",
    "sum($)",
    "sum($, axis=0)",
    "sum($, axis=1)",
    "mean($, axis=-1)",
    "max($, axis=0)",
    "reshape($, -1)",
    "reshape($, 1, -1)",
    "reshape($, 2^62 + 1, 4)",
    "concat($, $)",
    "stack($, $)",
    "where($ > 0, $, 0)",
    "where(true, $, $)",
    "f32($)",
    "f64($)",
    "int($)",
    "float($)",
    "str($)",
    "len($)",
    "shape($)",
    "size($)",
    "transpose($)",
    "grad(|v| sum(v * $))($)",
    "grad(|v| sum(v))($)",
    "value_and_grad(|v| sum(v ^ 2))($)",
    "hessian(|v| sum(v ^ 3))($)",
    "numgrad(|v| sum(v), $)",
    "gradcheck(|v| sum(v ^ 2), $)",
    "($ * 2^62)",
    "($ - 1e308)",
    "($ / 0)",
    "($ % 0)",
    "(-$)",
    "zeros(2^40, 0)",
    "zeros(0, 2^40)",
    "zeros($, 0)",
    "ones($)",
    "eye($)",
    "full($, 2, 2)",
    "arange(0, $)",
    "linspace(0, 1, $)",
    "randn($)",
    "inv($)",
    "det($)",
    "svd($)[1]",
    "qr($)[0]",
    "eigh($)[0]",
    "cholesky($)",
    "lstsq($, $)",
    "solve($, $)",
    "trace($)",
    "norm($)",
    "clip($, 1, 0)",
    "softmax($)",
    "logsumexp($)",
    "relu($)",
    "abs($)",
    "sqrt($)",
    "log($)",
    "exp($)",
    "argmax($)",
    "(|v| v + $)",
    "(if $ { $ } else { $ })",
];

/// Characters a mutation may insert: a byte-order mark, controls, multi-byte text, stray symbols.
const ODD_CHARS: &[char] = &[
    '\u{feff}', '\0', '\t', '\r', '\u{7f}', '\u{fffd}', '\u{200b}', 'é', '∑', 'λ', '😀', '\\', '\'', '`', '$', '~',
    '!', '&', '.', '_',
];

#[test]
fn seeds_and_regression_inputs_hold_the_property() {
    let mut verdicts = BTreeMap::new();
    for (path, text) in seeds().iter().chain(&regression_inputs()) {
        match one_input(text.as_bytes()) {
            Ok(verdict) => *verdicts.entry(verdict).or_insert(0) += 1,
            Err(broken) => panic!("{}: {broken}", path.display()),
        }
    }
    // The seeds are the project's own scripts: most run, and the error tests are rejected.
    assert!(verdicts.get(&Verdict::Ran).copied().unwrap_or(0) >= 10, "too few seeds ran: {verdicts:?}");
    assert!(verdicts.get(&Verdict::Rejected).copied().unwrap_or(0) >= 10, "too few seeds rejected: {verdicts:?}");
}

#[test]
fn the_budgets_stop_endless_and_greedy_runs_and_files_are_never_touched() {
    let cases = [
        ("print(1 + 2)", Verdict::Ran),
        ("print(1 +", Verdict::Rejected),
        ("zeros(2) + zeros(3)", Verdict::Rejected),
        ("print(1 / len(args()))", Verdict::Failed),
        ("while true { }", Verdict::Stopped),
        ("let k = 0\nwhile k < 1 { k = k - 1 }", Verdict::Stopped),
        ("let n = 1\nwhile true { n = n * 2; print(sum(ones(n))) }", Verdict::Stopped),
        ("print(sum(zeros(200000000)))", Verdict::Stopped),
        ("save(\"fuzz-must-not-exist.npy\", eye(2))", Verdict::CheckedOnly),
        ("plot([1.0, 2.0], file=\"fuzz-must-not-exist.svg\")", Verdict::CheckedOnly),
    ];
    for (script, expected) in cases {
        let verdict = one_input(script.as_bytes()).unwrap_or_else(|broken| panic!("{script}: {broken}"));
        assert_eq!(verdict, expected, "{script}");
    }
    for file in ["fuzz-must-not-exist.npy", "fuzz-must-not-exist.svg"] {
        assert!(!common::root().join(file).exists(), "an input that writes {file} was run");
    }
    assert_eq!(one_input(&vec![b' '; harness::MAX_INPUT + 1]).ok(), Some(Verdict::TooLong));
}

#[test]
fn mutated_scripts_hold_the_property() {
    let seed = seed();
    let (runs, seconds) = (env_number("TSCRIPT_FUZZ_RUNS", RUNS), env_number("TSCRIPT_FUZZ_SECONDS", 600));
    let last_input = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-last-input.tsc");
    // Written outside the test's captured output, so that it shows even if the process dies.
    let _ = writeln!(
        std::io::stderr(),
        "fuzz: seed {seed}, up to {runs} runs or {seconds} s; if this process dies, the input it was running is {}",
        last_input.display()
    );
    let mut mutator = Mutator::new(seed, seeds().into_iter().chain(regression_inputs()).map(|(_, t)| t).collect());
    let mut verdicts: BTreeMap<Verdict, usize> = BTreeMap::new();
    let start = Instant::now();
    let mut round: u64 = 0;
    let keep_going = std::env::var_os("TSCRIPT_FUZZ_KEEP_GOING").is_some();
    let mut failures = 0;
    while round < runs && start.elapsed() < Duration::from_secs(seconds) {
        let text = mutator.next();
        let _ = std::fs::write(&last_input, &text);
        match one_input(text.as_bytes()) {
            Ok(verdict) => {
                *verdicts.entry(verdict).or_insert(0) += 1;
                if verdict.passed_check() {
                    mutator.keep(text);
                }
            }
            Err(broken) => {
                let report = report(seed, round, &text, &broken);
                if !keep_going {
                    panic!("{report}");
                }
                let _ = writeln!(std::io::stderr(), "{report}");
                failures += 1;
            }
        }
        round += 1;
    }
    let _ = writeln!(std::io::stderr(), "fuzz: {round} inputs in {:.0?}: {verdicts:?}", start.elapsed());
    assert_eq!(failures, 0, "{failures} inputs broke the property (each is printed above)");
    // A mutator that only made unparseable text would test nothing past the parser.
    let deep = verdicts.iter().filter(|(v, _)| v.passed_check()).map(|(_, n)| n).sum::<usize>();
    assert!(round < 100 || deep as u64 * 20 >= round, "fewer than 1 in 20 inputs got past the checker: {verdicts:?}");
}

#[test]
fn the_libfuzzer_dictionary_names_every_builtin() {
    let dict = std::fs::read_to_string(common::root().join("fuzz/tscript.dict")).expect("fuzz/tscript.dict");
    for name in builtin_names() {
        assert!(dict.contains(&format!("\"{name}\"")), "fuzz/tscript.dict lacks the built-in `{name}`");
    }
}

/// A broken property with everything needed to reproduce it; the input is also written to a file.
fn report(seed: u64, round: u64, text: &str, broken: &harness::Violation) -> String {
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-failure-{seed}-{round}.tsc"));
    let _ = std::fs::write(&file, text);
    format!(
        "fuzz: {broken}\nseed {seed}, input {round} (TSCRIPT_FUZZ_SEED={seed}); the input, also in {}:\n\
         === input ===\n{text}\n=== end of input ({text:?}) ===\n\
         Once fixed, keep it as a regression case: cp {} {CORPUS}/<what-it-found>.tsc",
        file.display(),
        file.display()
    )
}

/// Every script under `examples/` and `tests/` (except the regression inputs), with its path.
fn seeds() -> Vec<(PathBuf, String)> {
    let mut paths = Vec::new();
    for dir in ["examples", "tests"] {
        walk(&common::root().join(dir), &mut paths);
    }
    let corpus = common::root().join(CORPUS);
    paths.retain(|p| p.extension().is_some_and(|e| e == "tsc") && !p.starts_with(&corpus));
    paths.sort();
    let scripts: Vec<(PathBuf, String)> =
        paths.into_iter().map(|p| std::fs::read_to_string(&p).map(|t| (p.clone(), t)).expect("readable")).collect();
    assert!(scripts.len() > 50, "found only {} seed scripts", scripts.len());
    scripts
}

/// The committed regression inputs: every file in `tests/fuzz-corpus/`, read as bytes.
fn regression_inputs() -> Vec<(PathBuf, String)> {
    let mut paths = Vec::new();
    walk(&common::root().join(CORPUS), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
        .map(|p| {
            let bytes = std::fs::read(&p).expect("readable corpus file");
            (p, String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn builtin_names() -> Vec<&'static str> {
    use tscript::prims::{Builtin, Kind};
    Builtin::all().map(|p| p.info()).filter(|i| i.kind == Kind::Function).map(|i| i.name).collect()
}

/// `TSCRIPT_FUZZ_SEED`: a number, or `random` for one from the clock (default [`DEFAULT_SEED`]).
fn seed() -> u64 {
    match std::env::var("TSCRIPT_FUZZ_SEED").ok().as_deref() {
        Some("random") => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64 % 1_000_000_007),
        Some(n) => n.parse().unwrap_or_else(|_| panic!("TSCRIPT_FUZZ_SEED={n} is not a number or `random`")),
        None => DEFAULT_SEED,
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().map_or(default, |v| v.parse().unwrap_or_else(|_| panic!("{name}={v} is not a number")))
}

/// Makes inputs: a seed script or an input that got past the checker, changed a few times.
struct Mutator {
    rng: rand_pcg::Pcg64,
    seeds: Vec<String>,
    /// Inputs that got past the checker, to go deeper from.
    kept: Vec<String>,
    /// Built-in names, and built-in examples as expressions.
    builtins: Vec<&'static str>,
    examples: Vec<&'static str>,
}

impl Mutator {
    fn new(seed: u64, seeds: Vec<String>) -> Mutator {
        use tscript::prims::{Builtin, Kind};
        let examples = Builtin::all()
            .map(|p| p.info())
            .filter(|i| i.kind == Kind::Function)
            .map(|i| i.example.split("  #").next().unwrap_or(i.example))
            .collect();
        // Whole-line comments go: a mutation there would test nothing but the comment rule.
        let seeds = seeds
            .iter()
            .map(|s| s.lines().filter(|l| !l.trim_start().starts_with('#')).collect::<Vec<_>>().join("\n"))
            .collect();
        Mutator {
            rng: rand_pcg::Pcg64::seed_from_u64(seed),
            seeds,
            kept: Vec::new(),
            builtins: builtin_names(),
            examples,
        }
    }

    /// Remembers an input worth mutating further (a bounded pool; old ones are replaced).
    fn keep(&mut self, text: String) {
        if self.kept.len() < 2000 {
            self.kept.push(text);
        } else {
            let at = self.rng.random_range(0..self.kept.len());
            self.kept[at] = text;
        }
    }

    fn next(&mut self) -> String {
        let base = if !self.kept.is_empty() && self.rng.random_bool(0.5) {
            self.kept[self.rng.random_range(0..self.kept.len())].clone()
        } else {
            let seed = &self.seeds[self.rng.random_range(0..self.seeds.len())];
            if self.rng.random_bool(0.5) {
                seed.clone()
            } else {
                // A few consecutive lines: small inputs parse fast, so more of them are tried.
                let lines: Vec<&str> = seed.lines().collect();
                let from = self.rng.random_range(0..lines.len().max(1));
                let to = (from + self.rng.random_range(1..30)).min(lines.len());
                lines[from..to].join("\n")
            }
        };
        let mut chars: Vec<char> = base.chars().collect();
        let mutations = 1 + self.rng.random_range(0..4) * self.rng.random_range(0..3);
        for _ in 0..mutations {
            self.mutate(&mut chars);
        }
        let mut text: String = chars.into_iter().collect();
        while text.len() > harness::MAX_INPUT {
            text.pop();
        }
        text
    }

    fn mutate(&mut self, chars: &mut Vec<char>) {
        let rng = &mut self.rng;
        let at = rng.random_range(0..=chars.len());
        let end = (at + rng.random_range(1..24)).min(chars.len());
        match rng.random_range(0..12) {
            0 => {
                chars.drain(at..end);
            }
            1 => {
                let piece = PIECES[rng.random_range(0..PIECES.len())];
                chars.splice(at..at, piece.chars());
            }
            2 if !chars.is_empty() => {
                let (last, other) = (chars.len() - 1, rng.random_range(0..chars.len()));
                chars.swap(at.min(last), other);
            }
            3 => {
                let copy: Vec<char> = chars[at..end].to_vec();
                chars.splice(at..at, copy);
            }
            4 => {
                // A line or a piece of another script.
                let other: Vec<char> = self.seeds[rng.random_range(0..self.seeds.len())].chars().collect();
                let from = rng.random_range(0..=other.len());
                let to = (from + rng.random_range(1..120)).min(other.len());
                chars.splice(at..at, other[from..to].iter().copied());
            }
            5 => {
                let example = self.examples[rng.random_range(0..self.examples.len())];
                chars.splice(at..at, example.chars());
            }
            6 => replace_token(chars, rng, |c| c.is_ascii_digit(), |rng| NUMBERS[rng.random_range(0..NUMBERS.len())]),
            7 => {
                let builtins = &self.builtins;
                replace_token(chars, rng, |c| c.is_alphabetic(), |rng| builtins[rng.random_range(0..builtins.len())]);
            }
            8 => chars.insert(at, ODD_CHARS[rng.random_range(0..ODD_CHARS.len())]),
            9 | 10 => {
                let template = TEMPLATES[rng.random_range(0..TEMPLATES.len())];
                replace_name(chars, rng, template);
            }
            _ => {
                // Nest: wrap a stretch in brackets, or repeat an opening bracket.
                let (open, close) = [("(", ")"), ("[", "]"), ("{ ", " }"), ("f(", ")")][rng.random_range(0..4)];
                if rng.random_bool(0.2) {
                    let depth = rng.random_range(1..300);
                    chars.splice(at..at, open.repeat(depth).chars());
                } else {
                    chars.splice(end..end, close.chars());
                    chars.splice(at..at, open.chars());
                }
            }
        }
    }
}

/// Replaces one name in the text by `template` with `$` standing for the name.
fn replace_name(chars: &mut Vec<char>, rng: &mut rand_pcg::Pcg64, template: &str) {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let starts: Vec<usize> =
        (0..chars.len()).filter(|&i| chars[i].is_alphabetic() && (i == 0 || !word(chars[i - 1]))).collect();
    let Some(&at) = starts.get(rng.random_range(0..starts.len().max(1))) else { return };
    let end = (at..chars.len()).find(|&i| !word(chars[i])).unwrap_or(chars.len());
    let name: String = chars[at..end].iter().collect();
    chars.splice(at..end, template.replace('$', &name).chars());
}

/// Replaces one token (a run of characters starting with one that `starts` accepts and going on
/// over letters, digits, `_` and `.`) by what `with` picks.
fn replace_token(
    chars: &mut Vec<char>,
    rng: &mut rand_pcg::Pcg64,
    starts: impl Fn(char) -> bool,
    with: impl Fn(&mut rand_pcg::Pcg64) -> &'static str,
) {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let starts_at: Vec<usize> =
        (0..chars.len()).filter(|&i| starts(chars[i]) && (i == 0 || !word(chars[i - 1]))).collect();
    if starts_at.is_empty() {
        return;
    }
    let at = starts_at[rng.random_range(0..starts_at.len())];
    let mut end = at + 1;
    while end < chars.len() && (word(chars[end]) || chars[end] == '.') {
        end += 1;
    }
    chars.splice(at..end, with(rng).chars());
}
