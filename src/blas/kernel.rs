//! Which OpenBLAS CPU kernel runs under TensorScript, and why.
//!
//! A DYNAMIC_ARCH OpenBLAS contains one kernel per CPU family and picks one when it is loaded. Old
//! releases pick by CPU model number and fall back to their oldest generic kernel (Prescott: SSE3,
//! no AVX) on a CPU they do not know: Debian 12's OpenBLAS 0.3.21 does so on a 2023 Xeon with
//! AVX-512, and runs matrix products about 3× slower than it could. At start-up, before the first
//! BLAS call, [`startup`] decides by the CPU's features instead ([`plan`]):
//!
//! - an `OPENBLAS_CORETYPE` set outside TensorScript is never overridden;
//! - `--blas-kernel` (else `TSCRIPT_BLAS_KERNEL`) names a kernel, or says `auto` (the default) or
//!   `library` (keep OpenBLAS's own choice);
//! - with `auto`, if the library's kernel is below the best level the CPU runs (AVX-512 with or
//!   without BF16, AVX2 with FMA, AVX) and the library contains a kernel of that level, TensorScript
//!   switches to it (AMD's Zen kernel on AMD CPUs with AVX2). A library that already picks a kernel
//!   of the CPU's level is left alone, and nothing is printed.
//!
//! The switch calls OpenBLAS's exported `gotoblas_dynamic_quit` and `gotoblas_dynamic_init` with
//! `OPENBLAS_CORETYPE` set during the call, which is what the library does when it is loaded
//! (docs/decisions.md says why not re-execute the program). After a switch the [`super::selftest`]
//! compares a few `gemm`, `gemv` and one LAPACK solve with references computed without BLAS; if it
//! disagrees, or the library did not take the kernel, the library's own choice is restored and one
//! warning printed. [`KernelControl`] is the seam between the decision and the library, so that the
//! decision is tested on any machine with a fake library.

use std::ffi::{c_void, CString};
use std::sync::OnceLock;

/// The environment variable that chooses the kernel: a kernel's name, `auto` or `library`.
pub const KERNEL_ENV: &str = "TSCRIPT_BLAS_KERNEL";

/// OpenBLAS's own variable, which it reads once, when it is loaded; a value set outside TensorScript
/// is never overridden.
pub const CORETYPE_ENV: &str = "OPENBLAS_CORETYPE";

/// The instruction-set level a kernel is written for, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// SSE2/SSE3 only: Prescott, Core2, Nehalem, Opteron and the other pre-AVX kernels.
    Sse3,
    /// AVX: Sandybridge and AMD's Bulldozer family.
    Avx,
    /// AVX2 with FMA: Haswell, Zen, Excavator.
    Avx2,
    /// AVX-512 (F, CD, BW, DQ, VL): SkylakeX.
    Avx512,
    /// AVX-512 with BF16: Cooperlake, SapphireRapids.
    Avx512Bf16,
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Level::Sse3 => "SSE3",
            Level::Avx => "AVX",
            Level::Avx2 => "AVX2 with FMA",
            Level::Avx512 => "AVX-512",
            Level::Avx512Bf16 => "AVX-512 with BF16",
        })
    }
}

/// The level of an OpenBLAS x86-64 kernel by the name `openblas_get_corename` gives (any case), or
/// `None` for a name TensorScript does not know (such a kernel is never replaced).
pub fn kernel_level(name: &str) -> Option<Level> {
    match name.to_ascii_lowercase().as_str() {
        "cooperlake" | "sapphirerapids" => Some(Level::Avx512Bf16),
        "skylakex" => Some(Level::Avx512),
        "haswell" | "zen" | "excavator" => Some(Level::Avx2),
        "sandybridge" | "bulldozer" | "piledriver" | "steamroller" => Some(Level::Avx),
        "prescott" | "core2" | "penryn" | "dunnington" | "nehalem" | "atom" | "nano" | "opteron" | "opteron_sse3"
        | "barcelona" | "bobcat" | "athlon" | "katmai" | "coppermine" | "northwood" | "banias" => Some(Level::Sse3),
        _ => None,
    }
}

/// The CPU features the choice depends on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuFeatures {
    /// The vendor is AMD (or Hygon): its AVX2 kernel is Zen rather than Haswell.
    pub amd: bool,
    /// SSE3.
    pub sse3: bool,
    /// AVX (with the operating system saving its registers).
    pub avx: bool,
    /// AVX2 and FMA3 both.
    pub avx2_fma: bool,
    /// AVX-512 F, CD, BW, DQ and VL, all that the SkylakeX kernel uses.
    pub avx512: bool,
    /// AVX-512 BF16 as well.
    pub avx512_bf16: bool,
}

impl CpuFeatures {
    /// The features of the CPU this process runs on (none off x86-64).
    pub fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            // CPUID leaf 0: the vendor string, "AuthenticAMD" or "HygonGenuine" for AMD's kernels.
            let vendor = std::arch::x86_64::__cpuid(0);
            let amd = matches!((vendor.ebx, vendor.edx, vendor.ecx), (0x6874_7541, 0x6974_6e65, 0x444d_4163))
                || matches!((vendor.ebx, vendor.edx, vendor.ecx), (0x6f67_7948, 0x6e65_476e, 0x656e_6975));
            let avx512 =
                has!("avx512f") && has!("avx512cd") && has!("avx512bw") && has!("avx512dq") && has!("avx512vl");
            CpuFeatures {
                amd,
                sse3: has!("sse3"),
                avx: has!("avx"),
                avx2_fma: has!("avx2") && has!("fma"),
                avx512,
                avx512_bf16: avx512 && has!("avx512bf16"),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        CpuFeatures::default()
    }

    /// Whether this CPU runs code written for `level`.
    pub fn runs(&self, level: Level) -> bool {
        match level {
            Level::Sse3 => self.sse3,
            Level::Avx => self.avx,
            Level::Avx2 => self.avx2_fma,
            Level::Avx512 => self.avx512,
            Level::Avx512Bf16 => self.avx512_bf16,
        }
    }
}

/// A kernel TensorScript may switch to: its name as OpenBLAS spells it, its level, and whether it is
/// AMD's (chosen by `auto` only on AMD CPUs).
struct Switchable {
    name: &'static str,
    level: Level,
    amd: bool,
}

/// The kernels TensorScript switches to, best first. Others (AMD's Bulldozer family needs FMA4,
/// which Intel CPUs lack) can still be forced with `OPENBLAS_CORETYPE`.
const SWITCHABLE: [Switchable; 6] = [
    Switchable { name: "Cooperlake", level: Level::Avx512Bf16, amd: false },
    Switchable { name: "SkylakeX", level: Level::Avx512, amd: false },
    Switchable { name: "Zen", level: Level::Avx2, amd: true },
    Switchable { name: "Haswell", level: Level::Avx2, amd: false },
    Switchable { name: "Sandybridge", level: Level::Avx, amd: false },
    Switchable { name: "Prescott", level: Level::Sse3, amd: false },
];

/// The names of the kernels TensorScript can switch to, best first.
pub fn switchable_names() -> impl Iterator<Item = &'static str> {
    SWITCHABLE.iter().map(|k| k.name)
}

/// What the user asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KernelRequest {
    /// The best kernel the library contains and the CPU runs (the default).
    Auto,
    /// OpenBLAS's own choice, whatever it is.
    Library,
    /// A kernel by name (any case).
    Named(String),
}

impl KernelRequest {
    /// Reads `auto`, `library` or a kernel's name (surrounding spaces ignored; empty means `auto`).
    pub fn parse(text: &str) -> KernelRequest {
        match text.trim() {
            "" | "auto" => KernelRequest::Auto,
            "library" => KernelRequest::Library,
            name => KernelRequest::Named(name.to_string()),
        }
    }
}

/// Where the request came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestSource {
    /// Nothing was set: `auto`.
    Default,
    /// `--blas-kernel`.
    CommandLine,
    /// `TSCRIPT_BLAS_KERNEL`.
    Environment,
}

impl RequestSource {
    /// How the setting is written, for messages: `--blas-kernel X` or `TSCRIPT_BLAS_KERNEL=X`.
    fn spell(self, value: &str) -> String {
        match self {
            RequestSource::Default => "the default".to_string(),
            RequestSource::CommandLine => format!("--blas-kernel {value}"),
            RequestSource::Environment => format!("{KERNEL_ENV}={value}"),
        }
    }
}

/// The request in force: `--blas-kernel` over `TSCRIPT_BLAS_KERNEL` over `auto`.
pub fn resolve_request(cli: Option<&str>, env: Option<&str>) -> (KernelRequest, RequestSource) {
    match (cli, env.filter(|text| !text.trim().is_empty())) {
        (Some(text), _) => (KernelRequest::parse(text), RequestSource::CommandLine),
        (None, Some(text)) => (KernelRequest::parse(text), RequestSource::Environment),
        (None, None) => (KernelRequest::Auto, RequestSource::Default),
    }
}

/// Why the kernel the library runs was kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeepReason {
    /// `OPENBLAS_CORETYPE` was set outside TensorScript.
    UserCoretype,
    /// `library` was asked for.
    OptOut,
    /// The library's kernel is already of the best level the CPU runs and the library contains.
    AlreadyBest,
    /// The kernel asked for by name is the one running.
    AlreadyRunning,
    /// The library runs a kernel TensorScript has no level for (another architecture, or a newer one).
    UnknownKernel,
    /// A kernel asked for by name cannot be used; the message says why.
    Refused(String),
    /// The library is not a DYNAMIC_ARCH build: it has one kernel.
    NotSwitchable,
}

/// Why TensorScript switched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwitchReason {
    /// The library's kernel uses `from` while the CPU runs `to`.
    Upgrade {
        /// The level of the library's kernel.
        from: Level,
        /// The level of the kernel switched to.
        to: Level,
    },
    /// The user named the kernel.
    Named,
}

/// What to do, decided before touching the library.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Keep the running kernel.
    Keep(KeepReason),
    /// Switch to the kernel `to`.
    Switch {
        /// The kernel's name as OpenBLAS spells it.
        to: &'static str,
        /// Why.
        why: SwitchReason,
    },
}

/// Decides, from the request, an `OPENBLAS_CORETYPE` set by the user, the CPU, the kernel the
/// library chose and which kernels it `contains`, whether to switch and to what.
pub fn plan(
    request: &KernelRequest,
    user_coretype: Option<&str>,
    cpu: &CpuFeatures,
    library_kernel: &str,
    contains: &dyn Fn(&str) -> bool,
) -> Plan {
    if user_coretype.is_some() {
        return Plan::Keep(KeepReason::UserCoretype);
    }
    match request {
        KernelRequest::Library => Plan::Keep(KeepReason::OptOut),
        KernelRequest::Named(name) => {
            let Some(kernel) = SWITCHABLE.iter().find(|k| k.name.eq_ignore_ascii_case(name)) else {
                let names: Vec<&str> = switchable_names().collect();
                return Plan::Keep(KeepReason::Refused(format!(
                    "tscript knows no kernel named {name:?}; it switches to {}",
                    names.join(", ")
                )));
            };
            if !cpu.runs(kernel.level) {
                return Plan::Keep(KeepReason::Refused(format!(
                    "this CPU lacks {}, which the {} kernel needs",
                    kernel.level, kernel.name
                )));
            }
            if kernel.name.eq_ignore_ascii_case(library_kernel) {
                return Plan::Keep(KeepReason::AlreadyRunning);
            }
            if !contains(kernel.name) {
                return Plan::Keep(KeepReason::Refused(format!("this OpenBLAS has no {} kernel", kernel.name)));
            }
            Plan::Switch { to: kernel.name, why: SwitchReason::Named }
        }
        KernelRequest::Auto => {
            let Some(from) = kernel_level(library_kernel) else {
                return Plan::Keep(KeepReason::UnknownKernel);
            };
            let best = SWITCHABLE.iter().find(|k| cpu.runs(k.level) && (cpu.amd || !k.amd) && contains(k.name));
            match best {
                Some(k) if for_floats(k.level) > for_floats(from) => {
                    Plan::Switch { to: k.name, why: SwitchReason::Upgrade { from, to: k.level } }
                }
                _ => Plan::Keep(KeepReason::AlreadyBest),
            }
        }
    }
}

/// The level as far as f32 and f64 arithmetic goes: BF16 changes only OpenBLAS's bfloat16 routines,
/// which TensorScript does not call, so a SkylakeX kernel on a CPU with BF16 is not replaced by
/// Cooperlake (but a switch from below AVX-512 takes Cooperlake where the CPU has BF16).
fn for_floats(level: Level) -> Level {
    match level {
        Level::Avx512Bf16 => Level::Avx512,
        Level::Sse3 | Level::Avx | Level::Avx2 | Level::Avx512 => level,
    }
}

/// The operations on the loaded library that choosing a kernel needs: [`OpenBlas`] is the real
/// library; tests use a fake one.
pub trait KernelControl {
    /// The kernel running now, as `openblas_get_corename` names it.
    fn running(&self) -> String;
    /// Whether the library contains the kernel `name`.
    fn contains(&self, name: &str) -> bool;
    /// Whether the library can switch kernels at all (a DYNAMIC_ARCH build).
    fn can_switch(&self) -> bool;
    /// Switches to the kernel `name`, or back to the library's own choice for `None`.
    fn switch(&mut self, name: Option<&str>);
    /// The self-test on the running kernel.
    fn self_test(&mut self) -> Result<(), String>;
}

/// How the choice ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The library's kernel was kept.
    Kept(KeepReason),
    /// TensorScript switched, and the self-test passed.
    Switched(SwitchReason),
    /// TensorScript switched to the kernel `tried` and went back to the library's choice: the
    /// library did not take it, or the self-test failed, as `why` says.
    Reverted {
        /// The kernel tried.
        tried: &'static str,
        /// What went wrong.
        why: String,
    },
}

/// The kernel choice of this process, for `tscript info`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelState {
    /// The kernel running.
    pub running: String,
    /// The kernel the library ran before TensorScript did anything.
    pub library_choice: String,
    /// `OPENBLAS_CORETYPE` as set outside TensorScript.
    pub user_coretype: Option<String>,
    /// The request and where it came from.
    pub request: (KernelRequest, RequestSource),
    /// The CPU's features.
    pub cpu: CpuFeatures,
    /// The switchable kernels the library contains, best first.
    pub available: Vec<&'static str>,
    /// How it ended.
    pub outcome: Outcome,
    /// The one warning to print, if any.
    pub warning: Option<String>,
}

/// Chooses the kernel: plans, switches if the plan says so, checks that the library took the
/// kernel and that the self-test passes, and goes back to the library's choice if not.
pub fn choose(
    request: (KernelRequest, RequestSource),
    user_coretype: Option<String>,
    cpu: CpuFeatures,
    library: &mut dyn KernelControl,
) -> KernelState {
    let library_choice = library.running();
    let available: Vec<&'static str> = switchable_names().filter(|name| library.contains(name)).collect();
    let mut decided = plan(&request.0, user_coretype.as_deref(), &cpu, &library_choice, &|name| library.contains(name));
    if matches!(decided, Plan::Switch { .. }) && !library.can_switch() {
        decided = Plan::Keep(KeepReason::NotSwitchable);
    }
    let setting = match &request.0 {
        KernelRequest::Auto => "auto",
        KernelRequest::Library => "library",
        KernelRequest::Named(name) => name.as_str(),
    };
    let asked = request.1.spell(setting);
    let (outcome, warning) = match decided {
        Plan::Keep(reason) => {
            let warning = match (&reason, request.1) {
                (_, RequestSource::Default) => None,
                (KeepReason::UserCoretype, _) => Some(format!(
                    "warning: ignoring {asked}: {CORETYPE_ENV}={} is set, and tscript never overrides it",
                    user_coretype.as_deref().unwrap_or("")
                )),
                (KeepReason::Refused(why), _) => {
                    Some(format!("warning: ignoring {asked}: {why}; OpenBLAS's own choice, {library_choice}, runs"))
                }
                (KeepReason::NotSwitchable, _) => Some(format!(
                    "warning: ignoring {asked}: this OpenBLAS is not a DYNAMIC_ARCH build and has one kernel"
                )),
                _ => None,
            };
            (Outcome::Kept(reason), warning)
        }
        Plan::Switch { to, why } => {
            library.switch(Some(to));
            let now = library.running();
            let failure = if now.eq_ignore_ascii_case(to) {
                library.self_test().err().map(|e| format!("failed tscript's self-test ({e})"))
            } else {
                Some(format!("was not taken by OpenBLAS, which ran {now} instead"))
            };
            match failure {
                None => (Outcome::Switched(why), None),
                Some(why) => {
                    library.switch(None);
                    let warning = format!(
                        "warning: the OpenBLAS kernel {to} {why}; running OpenBLAS's own choice, {}",
                        library.running()
                    );
                    (Outcome::Reverted { tried: to, why }, Some(warning))
                }
            }
        }
    };
    KernelState { running: library.running(), library_choice, user_coretype, request, cpu, available, outcome, warning }
}

/// The loaded OpenBLAS, through its exported entry points found with `dlsym` (absent from builds
/// without DYNAMIC_ARCH, which then cannot switch).
pub struct OpenBlas {
    /// `gotoblas_dynamic_init`: picks a kernel (reading `OPENBLAS_CORETYPE`) and initialises it.
    init: Option<unsafe extern "C" fn()>,
    /// `gotoblas_dynamic_quit`: forgets the kernel, so that `init` picks again.
    quit: Option<unsafe extern "C" fn()>,
}

/// The address of the symbol `name` in the process, or null.
fn symbol(name: &str) -> *mut c_void {
    let Ok(name) = CString::new(name) else { return std::ptr::null_mut() };
    // SAFETY: dlsym only reads the NUL-terminated name.
    unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) }
}

/// The function `name` of the process, if there is one.
fn function(name: &str) -> Option<unsafe extern "C" fn()> {
    let address = symbol(name);
    // SAFETY: OpenBLAS's gotoblas_dynamic_init and _quit take no arguments and return nothing.
    (!address.is_null()).then(|| unsafe { std::mem::transmute::<*mut c_void, unsafe extern "C" fn()>(address) })
}

impl OpenBlas {
    /// Finds the library's entry points.
    pub fn load() -> Self {
        OpenBlas { init: function("gotoblas_dynamic_init"), quit: function("gotoblas_dynamic_quit") }
    }
}

impl KernelControl for OpenBlas {
    fn running(&self) -> String {
        super::core_name()
    }

    fn contains(&self, name: &str) -> bool {
        !symbol(&format!("gotoblas_{}", name.to_ascii_uppercase())).is_null()
    }

    fn can_switch(&self) -> bool {
        self.init.is_some() && self.quit.is_some()
    }

    fn switch(&mut self, name: Option<&str>) {
        let (Some(init), Some(quit)) = (self.init, self.quit) else { return };
        // OpenBLAS reads OPENBLAS_CORETYPE in gotoblas_dynamic_init; it is set only for that call
        // (never when the user set it: then nothing switches).
        match name {
            Some(name) => std::env::set_var(CORETYPE_ENV, name),
            None => std::env::remove_var(CORETYPE_ENV),
        }
        // SAFETY: no BLAS call is running (start-up, before the first one); quit clears the kernel
        // table pointer and init sets it again and initialises the kernel's parameters.
        unsafe {
            quit();
            init();
        }
        std::env::remove_var(CORETYPE_ENV);
    }

    fn self_test(&mut self) -> Result<(), String> {
        super::selftest::run()
    }
}

/// The kernel choice of this process, made once by [`startup`].
static STATE: OnceLock<KernelState> = OnceLock::new();

/// Chooses the kernel for this process, once: `cli` is `--blas-kernel`, if given; the environment
/// gives `TSCRIPT_BLAS_KERNEL` and `OPENBLAS_CORETYPE`. Prints the one warning, if any, on standard
/// error. Call it before the first BLAS call, while no other thread can make one; later calls
/// return the first choice.
pub fn startup(cli: Option<&str>) -> &'static KernelState {
    STATE.get_or_init(|| {
        let env = std::env::var(KERNEL_ENV).ok();
        let user_coretype = std::env::var_os(CORETYPE_ENV).map(|v| v.to_string_lossy().into_owned());
        let state =
            choose(resolve_request(cli, env.as_deref()), user_coretype, CpuFeatures::detect(), &mut OpenBlas::load());
        if let Some(warning) = &state.warning {
            eprintln!("{warning}");
        }
        state
    })
}

/// The kernel choice of this process, if [`startup`] ran.
pub fn state() -> Option<&'static KernelState> {
    STATE.get()
}

/// The `kernel:` line of `tscript info`: the kernel running and why.
pub fn describe(state: &KernelState) -> String {
    let (running, library) = (&state.running, &state.library_choice);
    let level = |name: &str| kernel_level(name).map_or_else(|| "an unknown level".to_string(), |l| l.to_string());
    let why = match &state.outcome {
        Outcome::Kept(KeepReason::UserCoretype) => {
            let set = state.user_coretype.as_deref().unwrap_or("");
            if set.eq_ignore_ascii_case(running) {
                format!("forced by {CORETYPE_ENV}={set}, set outside tscript, which leaves it")
            } else {
                format!("OpenBLAS did not accept {CORETYPE_ENV}={set} and fell back to this one")
            }
        }
        Outcome::Kept(KeepReason::OptOut) => {
            format!("OpenBLAS's own choice, kept by {}", state.request.1.spell("library"))
        }
        Outcome::Kept(KeepReason::AlreadyBest) => {
            format!("OpenBLAS's own choice, {}, the best this CPU and library allow", level(running))
        }
        Outcome::Kept(KeepReason::AlreadyRunning) => "OpenBLAS's own choice, as asked".to_string(),
        Outcome::Kept(KeepReason::UnknownKernel) => "OpenBLAS's own choice".to_string(),
        Outcome::Kept(KeepReason::Refused(why)) => {
            format!("OpenBLAS's own choice; the kernel asked for was refused: {why}")
        }
        Outcome::Kept(KeepReason::NotSwitchable) => "the only kernel of this OpenBLAS".to_string(),
        Outcome::Switched(SwitchReason::Upgrade { from, to }) => {
            format!("chosen by tscript: OpenBLAS alone chose {library}, which uses {from}, and this CPU has {to}")
        }
        Outcome::Switched(SwitchReason::Named) => {
            let setting = match &state.request.0 {
                KernelRequest::Named(name) => name.as_str(),
                KernelRequest::Auto | KernelRequest::Library => running.as_str(),
            };
            format!("chosen by {}; OpenBLAS alone chose {library}", state.request.1.spell(setting))
        }
        Outcome::Reverted { tried, why } => format!("OpenBLAS's own choice; tscript tried {tried}, which {why}"),
    };
    format!("{running} ({why})")
}

/// The `override:` line of `tscript info`: how to choose another kernel, and which there are.
pub fn override_help(state: &KernelState) -> String {
    let list = |names: Vec<&str>| if names.is_empty() { "none".to_string() } else { names.join(" ") };
    let runnable = SWITCHABLE
        .iter()
        .filter(|k| state.available.contains(&k.name) && state.cpu.runs(k.level))
        .map(|k| k.name)
        .collect();
    format!(
        "--blas-kernel NAME|auto|library or {KERNEL_ENV}=...; this OpenBLAS has {}; this CPU runs {}",
        list(state.available.clone()),
        list(runnable)
    )
}
