//! Memory: refusing tensors larger than the machine before trying to allocate them, making sure
//! a large result can be allocated before a kernel asks for it (Rust's allocator aborts the
//! process when an allocation fails, so every large allocation is tried here first, where a
//! failure is a `tscript::runtime::alloc` diagnostic), and keeping freed tensor buffers in the
//! process so that a loop reuses them instead of faulting in fresh pages at every step.

use crate::diag::Code;
use crate::diag::OpError;

/// Reserves room for `n` elements of `T`, or reports why it cannot: more memory than the machine
/// has (checked first, since the system may promise memory it cannot give), or a failed allocation.
pub fn try_alloc<T>(n: usize) -> Result<Vec<T>, OpError> {
    check_alloc(n, std::mem::size_of::<T>())?;
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| {
        OpError::new(Code::RuntimeAlloc, format!("out of memory allocating {n} elements"))
            .label("this allocation failed")
    })?;
    Ok(v)
}

/// Collects the `n` items of `items` into a vector allocated with [`try_alloc`].
pub fn collect<T>(items: impl Iterator<Item = T>, n: usize) -> Result<Vec<T>, OpError> {
    let mut v = try_alloc(n)?;
    v.extend(items.take(n));
    Ok(v)
}

/// Fails when `n` elements of `size` bytes exceed what this process may use ([`budget`]), so
/// that a request such as `randn(100000, 100000)` is an error, not a crash.
pub fn check_alloc(n: usize, size: usize) -> Result<(), OpError> {
    let limit = budget();
    match n.checked_mul(size) {
        Some(bytes) if bytes <= limit => Ok(()),
        bytes => Err(OpError::new(
            Code::RuntimeAlloc,
            format!(
                "a tensor of {n} elements needs {}, but this process may use at most {}",
                bytes.map_or_else(|| "more than 2^64 bytes".into(), size_text),
                size_text(limit)
            ),
        )
        .label("too large to allocate")),
    }
}

/// Makes sure `bytes` can be allocated now, for `what` (named in the error): within the
/// machine's memory and the process's limits, and granted by the allocator when tried. The
/// kernel that follows allocates the same amount and gets the memory this probe gave back.
pub fn reserve(bytes: usize, what: &str) -> Result<(), OpError> {
    let refuse = |why: String| {
        OpError::new(Code::RuntimeAlloc, format!("{what} needs {} of memory, but {why}", size_text(bytes)))
            .label("this allocation was refused")
            .help("use smaller tensors, or free memory (the REPL keeps your variables)")
    };
    let limit = budget();
    if bytes > limit {
        return Err(refuse(format!("this process may use at most {}", size_text(limit))));
    }
    let mut probe: Vec<u8> = Vec::new();
    probe.try_reserve_exact(bytes).map_err(|_| refuse("the system could not provide it".into()))?;
    Ok(())
}

/// The error for a result of `what` whose size cannot even be counted in a machine word.
pub fn too_large(what: &str) -> OpError {
    OpError::new(Code::RuntimeAlloc, format!("the result of `{what}` would have more elements than memory can address"))
        .label("too large to allocate")
}

/// The most memory this process can still have: the machine's physical memory, or less where
/// an address space or data segment limit is set (`ulimit -v`, `ulimit -d`): what the limit
/// leaves beyond what the process already maps.
pub fn budget() -> usize {
    let mut limit = physical_memory();
    for resource in [libc::RLIMIT_AS, libc::RLIMIT_DATA] {
        let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit writes the limit into `r`, a valid rlimit.
        if unsafe { libc::getrlimit(resource, &mut r) } == 0 && r.rlim_cur != libc::RLIM_INFINITY {
            let cap = usize::try_from(r.rlim_cur).unwrap_or(usize::MAX);
            limit = limit.min(cap.saturating_sub(mapped_bytes()));
        }
    }
    limit
}

/// The bytes of address space this process maps now (the first field of `/proc/self/statm`).
fn mapped_bytes() -> usize {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|p| p.parse::<usize>().ok()))
        .unwrap_or(0);
    // SAFETY: sysconf only reads system configuration.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages.saturating_mul(usize::try_from(page).unwrap_or(4096))
}

/// A byte count as people read it: `80.0 GB`, `512 B`.
pub fn size_text(bytes: usize) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Physical memory in bytes (all of the address space if the system does not say).
fn physical_memory() -> usize {
    // SAFETY: sysconf only reads system configuration.
    let (pages, size) = unsafe { (libc::sysconf(libc::_SC_PHYS_PAGES), libc::sysconf(libc::_SC_PAGESIZE)) };
    if pages > 0 && size > 0 {
        (pages as usize).saturating_mul(size as usize)
    } else {
        usize::MAX
    }
}

/// Tells glibc's allocator to serve tensor-sized blocks (up to its 32 MiB limit) from the heap
/// and not to give freed memory back to the system: a gradient step frees and allocates the same
/// few buffers every iteration, and fresh pages from the system cost a page fault each.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes the allocator's tuning parameters.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
            libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
        }
    }
}
