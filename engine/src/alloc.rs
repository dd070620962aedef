//! Fallible allocation of the large per-bar and per-trial buffers. Rust aborts the process when an allocation
//! fails; these helpers unwind with an [`OutOfMemory`] payload instead, which the job boundary turns into a failed
//! job (`jobs::context::panicked`), so a job that outgrows the machine cannot take the server down.

use std::alloc::Layout;
use std::fmt;

/// The panic payload of a large allocation that failed: what it was for and how many bytes it asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfMemory {
    pub bytes: u128,
    pub what: &'static str,
}

impl fmt::Display for OutOfMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = u64::try_from(self.bytes).unwrap_or(u64::MAX);
        write!(
            f,
            "out of memory: {} needed {}, more than the server could allocate; narrow the job or lower \
             QE_MAX_JOB_MEMORY so that such jobs are refused before they start",
            self.what,
            crate::jobs::budget::human(bytes)
        )
    }
}

/// Leaves the unwinds of failed allocations to the job boundary's log line (the default hook would print them as
/// `Box<dyn Any>` with a backtrace); every other panic still goes to the previous hook.
pub fn quiet_out_of_memory_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<OutOfMemory>().is_none() {
            previous(info)
        }
    }));
}

fn fail<T>(n: usize, what: &'static str) -> ! {
    std::panic::panic_any(OutOfMemory {
        bytes: n as u128 * std::mem::size_of::<T>() as u128,
        what,
    })
}

/// An empty vector with room for `n` items; unwinds with [`OutOfMemory`] when the room cannot be had.
pub fn with_capacity<T>(n: usize, what: &'static str) -> Vec<T> {
    let mut v = Vec::new();
    if v.try_reserve_exact(n).is_err() {
        fail::<T>(n, what)
    }
    v
}

/// Types whose all-zero bit pattern is a valid value (`0`, `0.0`, `false`).
pub trait Zero: Copy {}
impl Zero for f64 {}
impl Zero for i64 {}
impl Zero for u32 {}
impl Zero for u64 {}
impl Zero for bool {}

/// `n` zeros, from zeroed pages as `vec![0; n]` takes them (no pass writing zeros); unwinds with
/// [`OutOfMemory`] when they cannot be had. std has no fallible `vec![0; n]`, hence the one unsafe block.
pub fn zeroed<T: Zero>(n: usize, what: &'static str) -> Vec<T> {
    let Ok(layout) = Layout::array::<T>(n) else {
        fail::<T>(n, what)
    };
    if layout.size() == 0 {
        return Vec::new(); // n == 0: every `Zero` type has a size
    }
    // SAFETY: the layout has a non-zero size; the pointer, when not null, comes from the global allocator with
    // `Layout::array::<T>(n)`, which is the layout `Vec<T>` of capacity `n` frees it with, and all-zero bytes are
    // `n` valid values of `T` (the `Zero` bound).
    unsafe {
        let p = std::alloc::alloc_zeroed(layout) as *mut T;
        if p.is_null() {
            fail::<T>(n, what)
        }
        Vec::from_raw_parts(p, n, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hint::black_box;

    fn payload(f: impl FnOnce() + std::panic::UnwindSafe) -> OutOfMemory {
        let err = std::panic::catch_unwind(f).expect_err("the allocation must fail");
        err.downcast_ref::<OutOfMemory>()
            .cloned()
            .expect("an OutOfMemory payload")
    }

    #[test]
    fn an_allocation_beyond_any_machine_unwinds_naming_its_purpose_and_size() {
        // 2^60 f64s: 8 EiB, more than any address space (an overflow of isize on the way, also refused).
        // Through black_box: LLVM may elide an allocation whose memory is never used.
        let oom = payload(|| drop(black_box(zeroed::<f64>(1 << 60, "the test's columns"))));
        assert_eq!(oom.bytes, 8 << 60);
        assert_eq!(oom.what, "the test's columns");
        // 2^50 f64s: 8 PiB, a valid layout that no allocator grants.
        let oom = payload(|| drop(black_box(zeroed::<f64>(1 << 50, "bars"))));
        assert_eq!(oom.bytes, 8 << 50);
        // 2^50 f64s: 8 PiB, more than a 47-bit address space holds, so the allocator refuses it.
        let oom = payload(|| drop(black_box(with_capacity::<f64>(1 << 50, "trials"))));
        assert_eq!(oom.bytes, 8 << 50);
        assert!(oom.to_string().contains("trials needed 8388608.0 GiB"), "{oom}");
    }

    #[test]
    fn zeroed_and_with_capacity_give_what_vec_does() {
        let z: Vec<f64> = zeroed(1000, "x");
        assert_eq!(z, vec![0.0; 1000]);
        let b: Vec<bool> = zeroed(3, "x");
        assert_eq!(b, [false; 3]);
        assert!(zeroed::<u32>(0, "x").is_empty());
        let mut c: Vec<u64> = with_capacity(10, "x");
        assert!(c.capacity() >= 10 && c.is_empty());
        c.extend(0..10);
        assert_eq!(c.iter().sum::<u64>(), 45);
    }
}
