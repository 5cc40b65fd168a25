//! The binaries' allocator: mimalloc, told to keep the memory a training step frees.
//!
//! A step allocates and frees tens of megabytes. glibc's malloc handed those buffers back to the
//! kernel and faulted them in again (mimalloc made a step about 15% faster). mimalloc itself still
//! returns freed memory to the kernel after a purge delay of 1 s, which a step's buffers of other
//! sizes often outlive: about 940 page faults per dSprites iteration and 8.6% of an MNIST step's
//! profile in the kernel's page clearing. With purging off the faults stop after the first
//! iterations, an MNIST step takes about 0.95x the time, and a run's peak memory grows by under 2%.

pub use mimalloc::MiMalloc as Allocator;

/// `mi_option_purge_delay` in mimalloc's `mimalloc.h` (v3), which `libmimalloc-sys` names no
/// constant for.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Turns mimalloc's purging off for this process (`MIMALLOC_PURGE_DELAY=-1`); call it first in
/// `main`.
pub fn keep_freed_memory() {
    // SAFETY: setting an option is allowed at any time; the value is read at each purge.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The constant is the purge delay's: its default, 1,000 ms in this mimalloc (or what
    /// `MIMALLOC_PURGE_DELAY` says), then -1.
    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: reading and setting options is allowed at any time.
        let before = unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
        let expected = std::env::var("MIMALLOC_PURGE_DELAY").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
        assert_eq!(before, expected);
        keep_freed_memory();
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, -1);
    }
}
