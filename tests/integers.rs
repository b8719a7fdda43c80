//! Integer tensors through the real binary: what may not be silent (overflow, a negative power,
//! an index out of range, a gradient with respect to ints) is an error with its code, and the
//! random ints are the same for a seed at every thread count. Their values are checked against
//! NumPy in `tests/lang/integers.tsc`.

mod common;

use common::{tscript, TempDir};

/// Runs `code` as a script with `args` before it; its status, stdout and stderr.
fn run(code: &str, args: &[&str]) -> (bool, String, String) {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = TempDir::new("integers", &format!("run{n}"));
    let path = dir.0.join("script.tsc");
    std::fs::write(&path, code).expect("a temp file");
    let path = path.to_str().expect("a UTF-8 path").to_string();
    let mut all: Vec<&str> = args.to_vec();
    all.push(&path);
    let out = tscript(&all);
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn faults_of_int_tensors_are_errors_with_their_code() {
    let cases = [
        ("print([9223372036854775807, 0] + 1)", "tscript::runtime::overflow", "9223372036854775807 + 1"),
        ("print(sum([9223372036854775807, 1]))", "tscript::runtime::overflow", "integer overflow in `sum`"),
        ("print(-[-9223372036854775807 - 1])", "tscript::runtime::overflow", "negating"),
        ("print([1, 2] // [1, 0])", "tscript::runtime::division_by_zero", "integer division by zero"),
        ("print([2, 3] ^ [1, -1])", "tscript::runtime::value", "negative power"),
        ("print([1.0, 2.0][[0, 2]])", "tscript::runtime::index", "index 2 is out of range for axis 0 of extent 2"),
        ("print(zeros(3, 2)[[0], [1]])", "tscript::type::shape", "at most one index tensor or mask"),
        ("print(i64([1.0, 0.0 / 0.0]))", "tscript::runtime::overflow", "NaN does not fit in an int"),
        ("let k = [1, 2]\nk[0] = 0.5", "tscript::type::mismatch", "cannot assign f64 to a part of type int"),
        ("fn f(x) = sum(x * 2.0)\nprint(grad(f)([1, 2]))", "tscript::type::grad", "convert it with f64(...)"),
        ("print(randint(3, 3, 2))", "tscript::runtime::value", "needs lo < hi"),
        ("print(choice(3, 4))", "tscript::runtime::value", "cannot pick 4 of 3 items without repeats"),
        (
            "fn f(x) = sum(shuffle(x))\nprint(grad(f)([1.0, 2.0]))",
            "tscript::type::mismatch",
            "cannot be differentiated",
        ),
    ];
    for (code, want, text) in cases {
        let (ok, _, stderr) = run(code, &[]);
        assert!(!ok, "{code}: no error");
        assert!(stderr.contains(want), "{code}: wanted {want}, got\n{stderr}");
        assert!(stderr.contains(text), "{code}: wanted {text:?} in\n{stderr}");
    }
}

#[test]
fn random_ints_are_the_same_for_a_seed_at_every_thread_count() {
    let code = "seed 7\nprint(permutation(20))\nprint(randint(-5, 5, 3, 4))\nprint(choice(100, 10))\n\
                print(choice(4, 8, replace=true))\nprint(shuffle(reshape(arange(0, 12), 6, 2)))\n";
    let (ok, one, stderr) = run(code, &["--threads", "1"]);
    assert!(ok, "{stderr}");
    let (ok, four, stderr) = run(code, &["--threads", "4"]);
    assert!(ok, "{stderr}");
    assert_eq!(one, four);
    let (ok, again, _) = run(code, &[]);
    assert!(ok);
    assert_eq!(one, again, "the same seed draws the same ints");
    let lines: Vec<&str> = one.lines().collect();
    let mut perm: Vec<i64> =
        lines[0].trim_matches(['[', ']']).split(", ").map(|t| t.parse().expect("an int")).collect();
    perm.sort_unstable();
    assert_eq!(perm, (0..20).collect::<Vec<i64>>(), "a permutation holds each index once");
    let picked: Vec<i64> = lines[2].trim_matches(['[', ']']).split(", ").map(|t| t.parse().expect("an int")).collect();
    let mut distinct = picked.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 10, "choice without replace repeats nothing: {picked:?}");
    assert!(picked.iter().all(|&i| (0..100).contains(&i)));
}
