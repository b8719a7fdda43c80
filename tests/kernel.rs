//! The BLAS kernel choice (issue 11): the decision from CPU features and the library's kernels, on
//! any machine through a fake library; the user's `OPENBLAS_CORETYPE`, the opt-out and the
//! self-test failure path; and `tscript info` and the thread cap through the real binary.

mod common;

use std::process::{Command, Output};
use tscript::blas::kernel::{
    choose, plan, resolve_request, switchable_names, CpuFeatures, KeepReason, KernelControl, KernelRequest, Level,
    Outcome, Plan, RequestSource, SwitchReason,
};

/// A CPU with the features up to `level`, from `vendor` AMD or not.
fn cpu(level: Level, amd: bool) -> CpuFeatures {
    CpuFeatures {
        amd,
        sse3: true,
        avx: level >= Level::Avx,
        avx2_fma: level >= Level::Avx2,
        avx512: level >= Level::Avx512,
        avx512_bf16: level >= Level::Avx512Bf16,
    }
}

/// Every kernel TensorScript can switch to.
fn all(_: &str) -> bool {
    true
}

/// What `auto` does on `cpu` when the library chose `library`.
fn auto(cpu: CpuFeatures, library: &str) -> Plan {
    plan(&KernelRequest::Auto, None, &cpu, library, &all)
}

/// A switch to `to` for an upgrade from `from`.
fn upgrade(to: &'static str, from: Level, level: Level) -> Plan {
    Plan::Switch { to, why: SwitchReason::Upgrade { from, to: level } }
}

#[test]
fn features_choose_the_kernel() {
    use Level::*;
    // The machine: OpenBLAS 0.3.21 falls back to Prescott on a Xeon with AVX-512 and BF16.
    assert_eq!(auto(cpu(Avx512Bf16, false), "Prescott"), upgrade("Cooperlake", Sse3, Avx512Bf16));
    assert_eq!(auto(cpu(Avx512, false), "Prescott"), upgrade("SkylakeX", Sse3, Avx512));
    assert_eq!(auto(cpu(Avx512, false), "Haswell"), upgrade("SkylakeX", Avx2, Avx512));
    assert_eq!(auto(cpu(Avx2, false), "Prescott"), upgrade("Haswell", Sse3, Avx2));
    assert_eq!(auto(cpu(Avx2, true), "Prescott"), upgrade("Zen", Sse3, Avx2));
    assert_eq!(auto(cpu(Avx2, false), "Sandybridge"), upgrade("Haswell", Avx, Avx2));
    assert_eq!(auto(cpu(Avx, false), "Nehalem"), upgrade("Sandybridge", Sse3, Avx));
    // AMD's Zen 4 has AVX-512 with BF16: decided by features, not by vendor.
    assert_eq!(auto(cpu(Avx512Bf16, true), "Zen"), upgrade("Cooperlake", Avx2, Avx512Bf16));
}

#[test]
fn a_library_that_chose_right_is_left_alone() {
    use Level::*;
    let keep = Plan::Keep(KeepReason::AlreadyBest);
    assert_eq!(auto(cpu(Avx2, true), "Zen"), keep);
    assert_eq!(auto(cpu(Avx2, true), "Haswell"), keep, "Haswell and Zen are of one level");
    assert_eq!(auto(cpu(Avx2, false), "haswell"), keep, "names compare in any case");
    assert_eq!(auto(cpu(Avx512, false), "SkylakeX"), keep);
    assert_eq!(auto(cpu(Avx512Bf16, false), "SkylakeX"), keep, "BF16 changes no f32/f64 routine");
    assert_eq!(auto(cpu(Avx512Bf16, false), "SapphireRapids"), keep);
    assert_eq!(auto(cpu(Sse3, false), "Prescott"), keep);
    // A kernel TensorScript has no level for (another architecture, a newer CPU) is never replaced.
    assert_eq!(auto(cpu(Avx512, false), "NeoverseN1"), Plan::Keep(KeepReason::UnknownKernel));
}

#[test]
fn only_kernels_the_library_contains_are_chosen() {
    use Level::*;
    // A DYNAMIC_ARCH build without AVX-512 kernels (an old compiler) on an AVX-512 CPU.
    let no_avx512 = |name: &str| !matches!(name, "SkylakeX" | "Cooperlake");
    let decided = plan(&KernelRequest::Auto, None, &cpu(Avx512, false), "Prescott", &no_avx512);
    assert_eq!(decided, upgrade("Haswell", Sse3, Avx2));
    let decided = plan(&KernelRequest::Auto, None, &cpu(Avx512, false), "Haswell", &no_avx512);
    assert_eq!(decided, Plan::Keep(KeepReason::AlreadyBest));
    // On AMD without a Zen kernel, Haswell.
    let no_zen = |name: &str| name != "Zen";
    assert_eq!(plan(&KernelRequest::Auto, None, &cpu(Avx2, true), "Prescott", &no_zen), upgrade("Haswell", Sse3, Avx2));
}

#[test]
fn the_users_coretype_is_never_overridden() {
    for request in [KernelRequest::Auto, KernelRequest::Library, KernelRequest::Named("Haswell".into())] {
        let decided = plan(&request, Some("Prescott"), &cpu(Level::Avx512, false), "Prescott", &all);
        assert_eq!(decided, Plan::Keep(KeepReason::UserCoretype), "{request:?}");
    }
}

#[test]
fn library_opts_out_and_names_choose() {
    let avx2 = cpu(Level::Avx2, false);
    assert_eq!(plan(&KernelRequest::Library, None, &avx2, "Prescott", &all), Plan::Keep(KeepReason::OptOut));
    // A name chooses any kernel the CPU runs, even a slower one.
    let named = |name: &str| plan(&KernelRequest::Named(name.into()), None, &avx2, "Haswell", &all);
    assert_eq!(named("prescott"), Plan::Switch { to: "Prescott", why: SwitchReason::Named });
    assert_eq!(named("Haswell"), Plan::Keep(KeepReason::AlreadyRunning));
    let Plan::Keep(KeepReason::Refused(why)) = named("SkylakeX") else { panic!("{:?}", named("SkylakeX")) };
    assert_eq!(why, "this CPU lacks AVX-512, which the SkylakeX kernel needs");
    let Plan::Keep(KeepReason::Refused(why)) = named("Bulldozer") else { panic!("{:?}", named("Bulldozer")) };
    assert!(
        why.starts_with("tscript knows no kernel named \"Bulldozer\"; it switches to Cooperlake, SkylakeX"),
        "{why}"
    );
    let without_zen = plan(&KernelRequest::Named("Zen".into()), None, &avx2, "Haswell", &|name: &str| name != "Zen");
    assert_eq!(without_zen, Plan::Keep(KeepReason::Refused("this OpenBLAS has no Zen kernel".into())));
}

#[test]
fn requests_parse_and_the_command_line_wins() {
    assert_eq!(KernelRequest::parse(" auto "), KernelRequest::Auto);
    assert_eq!(KernelRequest::parse(""), KernelRequest::Auto);
    assert_eq!(KernelRequest::parse("library"), KernelRequest::Library);
    assert_eq!(KernelRequest::parse("SkylakeX"), KernelRequest::Named("SkylakeX".into()));
    assert_eq!(resolve_request(Some("library"), Some("Haswell")), (KernelRequest::Library, RequestSource::CommandLine));
    assert_eq!(
        resolve_request(None, Some("Haswell")),
        (KernelRequest::Named("Haswell".into()), RequestSource::Environment)
    );
    assert_eq!(resolve_request(None, Some("  ")), (KernelRequest::Auto, RequestSource::Default));
    assert_eq!(resolve_request(None, None), (KernelRequest::Auto, RequestSource::Default));
}

/// A library that chose `own`, contains every kernel, takes a switch if `takes`, and whose
/// self-test gives `test`. It records every switch.
struct FakeLibrary {
    own: String,
    running: String,
    takes: bool,
    test: Result<(), String>,
    switches: Vec<Option<String>>,
}

impl FakeLibrary {
    fn new(own: &str, takes: bool, test: Result<(), String>) -> Self {
        FakeLibrary { own: own.into(), running: own.into(), takes, test, switches: Vec::new() }
    }
}

impl KernelControl for FakeLibrary {
    fn running(&self) -> String {
        self.running.clone()
    }
    fn contains(&self, _: &str) -> bool {
        true
    }
    fn can_switch(&self) -> bool {
        true
    }
    fn switch(&mut self, name: Option<&str>) {
        self.switches.push(name.map(str::to_string));
        self.running = match name {
            Some(name) if self.takes => name.to_string(),
            Some(_) => "Haswell".to_string(),
            None => self.own.clone(),
        };
    }
    fn self_test(&mut self) -> Result<(), String> {
        self.test.clone()
    }
}

/// The default request.
fn default_auto() -> (KernelRequest, RequestSource) {
    (KernelRequest::Auto, RequestSource::Default)
}

#[test]
fn a_switch_that_passes_the_self_test_stays() {
    let mut library = FakeLibrary::new("Prescott", true, Ok(()));
    let state = choose(default_auto(), None, cpu(Level::Avx512, false), &mut library);
    assert_eq!(state.running, "SkylakeX");
    assert_eq!(state.library_choice, "Prescott");
    assert_eq!(state.warning, None, "a successful switch prints nothing");
    assert_eq!(library.switches, vec![Some("SkylakeX".to_string())]);
    let line = tscript::blas::kernel::describe(&state);
    assert_eq!(
        line,
        "SkylakeX (chosen by tscript: OpenBLAS alone chose Prescott, which uses SSE3, and this CPU has AVX-512)"
    );
}

#[test]
fn a_failed_self_test_goes_back_and_warns_once() {
    let mut library =
        FakeLibrary::new("Prescott", true, Err("dgemm 43×37×51 differs from the reference by 1.0".into()));
    let state = choose(default_auto(), None, cpu(Level::Avx512Bf16, false), &mut library);
    assert_eq!(state.running, "Prescott");
    assert_eq!(library.switches, vec![Some("Cooperlake".to_string()), None]);
    assert!(matches!(&state.outcome, Outcome::Reverted { tried: "Cooperlake", .. }), "{:?}", state.outcome);
    assert_eq!(
        state.warning.as_deref(),
        Some(
            "warning: the OpenBLAS kernel Cooperlake failed tscript's self-test (dgemm 43×37×51 differs from the \
             reference by 1.0); running OpenBLAS's own choice, Prescott"
        )
    );
    let line = tscript::blas::kernel::describe(&state);
    assert!(line.starts_with("Prescott (OpenBLAS's own choice; tscript tried Cooperlake, which failed"), "{line}");
}

#[test]
fn a_kernel_the_library_does_not_take_is_not_claimed() {
    let mut library = FakeLibrary::new("Prescott", false, Ok(()));
    let state = choose(default_auto(), None, cpu(Level::Avx512, false), &mut library);
    assert_eq!(state.running, "Prescott");
    assert_eq!(library.switches, vec![Some("SkylakeX".to_string()), None]);
    let warning = state.warning.expect("a warning");
    assert!(warning.contains("SkylakeX was not taken by OpenBLAS, which ran Haswell instead"), "{warning}");
}

#[test]
fn the_user_and_the_opt_out_touch_nothing() {
    let mut library = FakeLibrary::new("Prescott", true, Ok(()));
    let request = (KernelRequest::Named("Haswell".into()), RequestSource::CommandLine);
    let state = choose(request, Some("Prescott".into()), cpu(Level::Avx512, false), &mut library);
    assert!(library.switches.is_empty());
    assert_eq!(
        state.warning.as_deref(),
        Some("warning: ignoring --blas-kernel Haswell: OPENBLAS_CORETYPE=Prescott is set, and tscript never overrides it")
    );
    assert_eq!(
        tscript::blas::kernel::describe(&state),
        "Prescott (forced by OPENBLAS_CORETYPE=Prescott, set outside tscript, which leaves it)"
    );
    // A name OpenBLAS rejected is not claimed as forced.
    let state = choose(default_auto(), Some("Foo".into()), cpu(Level::Avx2, false), &mut library);
    assert_eq!(state.warning, None);
    assert_eq!(
        tscript::blas::kernel::describe(&state),
        "Prescott (OpenBLAS did not accept OPENBLAS_CORETYPE=Foo and fell back to this one)"
    );

    let request = (KernelRequest::Library, RequestSource::Environment);
    let state = choose(request, None, cpu(Level::Avx512, false), &mut library);
    assert!(library.switches.is_empty());
    assert_eq!(state.warning, None);
    assert_eq!(
        tscript::blas::kernel::describe(&state),
        "Prescott (OpenBLAS's own choice, kept by TSCRIPT_BLAS_KERNEL=library)"
    );
}

/// Runs the binary with `OPENBLAS_CORETYPE` and `TSCRIPT_BLAS_KERNEL` as given (`None`: unset),
/// whatever the environment of the tests sets.
fn tscript_with(coretype: Option<&str>, kernel: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tscript"));
    command.args(args).current_dir(common::root()).env("NO_COLOR", "1").env_remove("TSCRIPT_THREADS");
    for (name, value) in [("OPENBLAS_CORETYPE", coretype), ("TSCRIPT_BLAS_KERNEL", kernel)] {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    command.output().expect("the tscript binary runs")
}

/// The text after `label:` on its line of `tscript info`.
fn info_line(stdout: &[u8], label: &str) -> String {
    let text = String::from_utf8_lossy(stdout);
    let prefix = format!("{label}:");
    let line = text.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no {label} in {text}"));
    line[prefix.len()..].trim().to_string()
}

/// Whether this machine's OpenBLAS can switch to `Prescott` (an x86-64 DYNAMIC_ARCH build).
fn can_switch_here() -> bool {
    let out = tscript_with(None, Some("library"), &["info"]);
    info_line(&out.stdout, "override").contains("this OpenBLAS has ") && cfg!(target_arch = "x86_64")
}

#[test]
fn info_says_what_auto_chose_and_nothing_is_printed() {
    let own = tscript_with(None, Some("library"), &["info"]);
    let own_kernel = info_line(&own.stdout, "kernel");
    assert!(own_kernel.ends_with("(OpenBLAS's own choice, kept by TSCRIPT_BLAS_KERNEL=library)"), "{own_kernel}");
    let library_choice = own_kernel.split(' ').next().expect("a name").to_string();

    let out = tscript_with(None, None, &["info"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "auto prints nothing");
    let kernel = info_line(&out.stdout, "kernel");
    let help = info_line(&out.stdout, "override");
    let has = help.split("this OpenBLAS has ").nth(1).and_then(|t| t.split(';').next()).unwrap_or("").to_string();
    let contains = |name: &str| has.split(' ').any(|n| n == name);
    match plan(&KernelRequest::Auto, None, &CpuFeatures::detect(), &library_choice, &contains) {
        Plan::Switch { to, .. } => {
            assert!(
                kernel.starts_with(&format!("{to} (chosen by tscript: OpenBLAS alone chose {library_choice}")),
                "{kernel}"
            )
        }
        Plan::Keep(_) => assert!(kernel.starts_with(&format!("{library_choice} (OpenBLAS's own choice")), "{kernel}"),
    }
    assert!(help.starts_with("--blas-kernel NAME|auto|library or TSCRIPT_BLAS_KERNEL=..."), "{help}");
}

#[test]
fn a_named_kernel_runs_and_computes_the_same() {
    if !can_switch_here() {
        return;
    }
    let own = tscript_with(None, Some("library"), &["info"]);
    let library_choice = info_line(&own.stdout, "kernel").split(' ').next().expect("a name").to_string();
    let out = tscript_with(None, None, &["--blas-kernel", "Prescott", "info"]);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let kernel = info_line(&out.stdout, "kernel");
    if library_choice == "Prescott" {
        assert_eq!(kernel, "Prescott (OpenBLAS's own choice, as asked)");
    } else {
        assert_eq!(
            kernel,
            format!("Prescott (chosen by --blas-kernel Prescott; OpenBLAS alone chose {library_choice})")
        );
    }
    assert!(info_line(&out.stdout, "config").contains(" Prescott "), "the library itself reports it");

    let script = "seed 3\nlet A = randn(97, 131)\nlet B = randn(131, 89)\nprint(sum(A @ B), sum(solve(A @ A.T + eye(97), A[:, 0])))";
    let slow = tscript_with(None, Some("Prescott"), &["-e", script]);
    let own = tscript_with(None, Some("library"), &["-e", script]);
    assert!(slow.status.success() && own.status.success(), "{}", String::from_utf8_lossy(&slow.stderr));
    let numbers = |out: &Output| -> Vec<f64> {
        String::from_utf8_lossy(&out.stdout).split_whitespace().map(|w| w.parse().expect("a number")).collect()
    };
    let (a, b) = (numbers(&slow), numbers(&own));
    assert_eq!(a.len(), 2);
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() <= 1e-9 * (1.0 + y.abs()), "{a:?} vs {b:?}");
    }
}

#[test]
fn the_users_coretype_wins_and_a_rejected_one_is_not_claimed() {
    if !can_switch_here() {
        return;
    }
    let out = tscript_with(Some("Prescott"), None, &["--blas-kernel", "Haswell", "info"]);
    assert_eq!(
        info_line(&out.stdout, "kernel"),
        "Prescott (forced by OPENBLAS_CORETYPE=Prescott, set outside tscript, which leaves it)"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "warning: ignoring --blas-kernel Haswell: OPENBLAS_CORETYPE=Prescott is set, and tscript never overrides it\n"
    );
    let out = tscript_with(Some("NoSuchCore"), None, &["info"]);
    let kernel = info_line(&out.stdout, "kernel");
    assert!(
        kernel.ends_with("(OpenBLAS did not accept OPENBLAS_CORETYPE=NoSuchCore and fell back to this one)"),
        "{kernel}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("forces"));
}

#[test]
fn an_unknown_or_unrunnable_kernel_is_refused_with_one_warning() {
    let out = tscript_with(None, Some("NoSuchCore"), &["-e", "print(1)"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("warning: ignoring TSCRIPT_BLAS_KERNEL=NoSuchCore: tscript knows no kernel named"),
        "{stderr}"
    );
    let names: Vec<&str> = switchable_names().collect();
    assert!(stderr.contains(&names.join(", ")), "{stderr}");
}

#[test]
fn thread_counts_are_capped_with_a_warning() {
    let limit = 4 * std::thread::available_parallelism().map_or(1, |n| n.get());
    let expected = limit.min(64).to_string() + "\n";
    for (args, env) in [
        (vec!["--threads", "100000", "-e", "print(nthreads())"], None),
        (vec!["-e", "threads 100000\nprint(nthreads())"], None),
        (vec!["-e", "print(nthreads())"], Some("5000")),
    ] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tscript"));
        command.args(&args).env("NO_COLOR", "1").env_remove("TSCRIPT_THREADS");
        if let Some(count) = env {
            command.env("TSCRIPT_THREADS", count);
        }
        let out = command.output().expect("the tscript binary runs");
        assert!(out.status.success(), "{args:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        // OpenBLAS's own MAX_THREADS may be lower than 64; it is read from the library.
        assert!(stdout == expected || stdout.trim().parse::<usize>().is_ok_and(|n| n < limit), "{args:?}: {stdout}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("is more than this machine can use; capped at"), "{args:?}: {stderr}");
    }
}
