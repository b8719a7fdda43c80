//! Memory: refusing tensors larger than the machine before trying to allocate them, and keeping
//! freed tensor buffers in the process so that a loop reuses them instead of faulting in fresh
//! pages from the system at every step.

use crate::diag::Code;
use crate::prims::OpError;

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

/// Fails when `n` elements of `size` bytes exceed the machine's physical memory, so that a
/// request such as `randn(100000, 100000)` is an error, not a crash.
pub fn check_alloc(n: usize, size: usize) -> Result<(), OpError> {
    let bytes = n.checked_mul(size);
    let total = physical_memory();
    match bytes {
        Some(b) if b <= total => Ok(()),
        _ => Err(OpError::new(
            Code::RuntimeAlloc,
            format!("a tensor of {n} elements needs {} but this machine has {}", gib(bytes), gib(Some(total))),
        )
        .label("too large to allocate")),
    }
}

fn gib(bytes: Option<usize>) -> String {
    match bytes {
        Some(b) => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        None => "more than 2^64 bytes".into(),
    }
}

/// Physical memory in bytes (all of the address space if the system does not say).
fn physical_memory() -> usize {
    extern "C" {
        fn sysconf(name: i32) -> i64;
    }
    const SC_PAGESIZE: i32 = 30;
    const SC_PHYS_PAGES: i32 = 85;
    // SAFETY: sysconf only reads system configuration.
    let (pages, size) = unsafe { (sysconf(SC_PHYS_PAGES), sysconf(SC_PAGESIZE)) };
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
        extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        const M_TRIM_THRESHOLD: i32 = -1;
        const M_MMAP_THRESHOLD: i32 = -3;
        // SAFETY: mallopt only changes the allocator's tuning parameters.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, 32 << 20);
            mallopt(M_TRIM_THRESHOLD, i32::MAX);
        }
    }
}
