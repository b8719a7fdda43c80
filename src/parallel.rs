//! The element-wise thread pool (spec §12): `threads N` gives large element-wise kernels N
//! threads, as it gives BLAS; kernels on fewer than [`PARALLEL_MIN`] elements run on the calling
//! thread, where splitting would cost more than it saves.

use rayon::{ThreadPool, ThreadPoolBuilder};
use std::sync::{Arc, Mutex};

/// The fewest elements a kernel splits over the pool.
pub const PARALLEL_MIN: usize = 1 << 16;

/// The pool and its thread count, or `None` for one thread.
static POOL: Mutex<Option<(usize, Arc<ThreadPool>)>> = Mutex::new(None);

/// Sets the number of element-wise threads (1: kernels run on the calling thread).
pub fn set_threads(n: usize) {
    let mut pool = POOL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if n <= 1 {
        *pool = None;
    } else if pool.as_ref().map(|(size, _)| *size) != Some(n) {
        // A pool that cannot be built (no threads left) means one thread, not an error.
        *pool = ThreadPoolBuilder::new().num_threads(n).build().ok().map(|p| (n, Arc::new(p)));
    }
}

/// The pool to split a kernel over `len` elements with, if it is worth splitting.
pub fn pool_for(len: usize) -> Option<Arc<ThreadPool>> {
    if len < PARALLEL_MIN {
        return None;
    }
    POOL.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).as_ref().map(|(_, p)| p.clone())
}
