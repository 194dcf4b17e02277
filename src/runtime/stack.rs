//! The evaluator's deep stack on the calling thread.
//!
//! Evaluation recurses natively, and a program at the depth limit (10 000 nested calls)
//! needs far more than a default thread stack, so runs happen on threads with a 1 GiB stack
//! (the pool's workers, the async executor's threads). Getting onto one of those costs a
//! thread handoff, two wake-ups of sleeping threads, about 50 µs on this machine: fine for
//! a run, ruinous for an embedder calling a small function in a loop. [`on_eval_stack`]
//! instead switches the calling thread itself onto a 1 GiB stack (reserved once per thread,
//! committed by the kernel page by page as it is touched) for the duration of a call.

use std::cell::Cell;

/// The same size as a pool worker's stack, so the depth at which a program fails does not
/// depend on where it runs.
pub const EVAL_STACK: usize = 1 << 30;

/// Stack kept free below the point where calls stop with an error: what one function body
/// may need between two calls (expressions nest at most the parser's limit deep) and the
/// error's own construction.
const RESERVE: usize = 16 << 20;

thread_local! {
    /// Set while this thread runs on a stack of [`EVAL_STACK`] bytes: a pool worker or an
    /// executor thread (marked when they start), or inside [`on_eval_stack`].
    static ON_BIG_STACK: Cell<bool> = const { Cell::new(false) };
    /// The lowest stack address a user-function call may start at on this thread (0: not
    /// known, no check). Below it, [`exhausted`] says so.
    static FLOOR: Cell<usize> = const { Cell::new(0) };
}

/// Marks the current thread, just started, as one whose own stack is [`EVAL_STACK`] bytes.
pub fn mark_big_stack_thread() {
    ON_BIG_STACK.with(|b| b.set(true));
    // a thread starts near the top of its stack: what its start-up used is far less than
    // the reserve
    let top = psm::stack_pointer() as usize;
    FLOOR.with(|f| f.set(top.saturating_sub(EVAL_STACK) + RESERVE));
}

/// True when the current thread's evaluation stack is nearly used up. The depth limit
/// normally stops recursion long before; this catches a limit raised beyond what the
/// stack holds (`--max-depth`, `Engine::max_depth`) with a diagnostic instead of a crash.
#[inline(always)]
pub fn exhausted() -> bool {
    (psm::stack_pointer() as usize) < FLOOR.with(Cell::get)
}

/// Runs `f` on a stack of [`EVAL_STACK`] bytes without leaving the current thread: directly
/// if the thread already is on one, else on this thread's reserved evaluation stack.
/// `Err(f)`, not run, where stacks cannot be switched or the reservation fails; the caller
/// then moves the work to a big-stack thread.
pub fn on_eval_stack<T, F: FnOnce() -> T>(f: F) -> Result<T, F> {
    if ON_BIG_STACK.with(Cell::get) {
        return Ok(f());
    }
    imp::switch(f)
}

#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
mod imp {
    use super::{EVAL_STACK, FLOOR, ON_BIG_STACK};
    use std::cell::RefCell;

    /// One reserved stack: `len` bytes from `base`, the lowest page a guard.
    struct Reserved {
        base: *mut u8,
        len: usize,
    }

    impl Reserved {
        fn new() -> Option<Reserved> {
            let page = 4096;
            let len = EVAL_STACK + page;
            // SAFETY: an anonymous private mapping at an address of the kernel's choosing
            // touches no existing memory; the result is checked before use.
            let base = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_STACK,
                    -1,
                    0,
                )
            };
            if base == libc::MAP_FAILED {
                return None;
            }
            let reserved = Reserved {
                base: base.cast(),
                len,
            };
            // The guard page turns an overflow into a fault instead of a silent write
            // into whatever lies below the mapping.
            // SAFETY: the first page lies inside the mapping just made.
            if unsafe { libc::mprotect(base, page, libc::PROT_NONE) } != 0 {
                return None; // `reserved` is dropped: unmapped
            }
            Some(reserved)
        }
    }

    impl Drop for Reserved {
        fn drop(&mut self) {
            // SAFETY: the mapping was made by `Reserved::new` with this length and nothing
            // runs on it any more (it is only dropped when its thread ends or after a
            // failed set-up, never while switched onto it).
            unsafe {
                libc::munmap(self.base.cast(), self.len);
            }
        }
    }

    thread_local! {
        /// This thread's reserved stack, made on first use and kept until the thread ends:
        /// the pages a call touched stay mapped, so the next call does not fault them in
        /// again.
        static RESERVED: RefCell<Option<Reserved>> = const { RefCell::new(None) };
    }

    pub fn switch<T, F: FnOnce() -> T>(f: F) -> Result<T, F> {
        RESERVED.with(|slot| {
            let Ok(mut slot) = slot.try_borrow_mut() else {
                return Err(f);
            };
            if slot.is_none() {
                *slot = Reserved::new();
            }
            let Some(stack) = slot.as_ref() else {
                return Err(f);
            };
            let (base, len) = (stack.base, stack.len);
            ON_BIG_STACK.with(|b| b.set(true));
            let outer_floor = FLOOR.with(|fl| fl.replace(base as usize + super::RESERVE));
            // `psm::on_stack` forbids unwinding out of the callback: a panic is carried
            // across the switch as a value and resumed on the original stack.
            // SAFETY: [base, base + len) is a live read-write mapping owned by this thread
            // (the `RefCell` borrow is held, so no nested call can switch onto it again:
            // nested calls see ON_BIG_STACK and run in place), page-aligned and of a size
            // that is a multiple of the page size; the callback does not unwind.
            let outcome = unsafe {
                psm::on_stack(base, len, move || {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
                })
            };
            ON_BIG_STACK.with(|b| b.set(false));
            FLOOR.with(|fl| fl.set(outer_floor));
            drop(slot);
            match outcome {
                Ok(v) => Ok(v),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    }
}

#[cfg(not(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
)))]
mod imp {
    pub fn switch<T, F: FnOnce() -> T>(f: F) -> Result<T, F> {
        Err(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(n: u64) -> u64 {
        // a real frame per level (the array cannot be optimised away)
        let pad = [n; 32];
        if n == 0 {
            return 0;
        }
        let below = depth(n - 1);
        // `pad` must live across the call, so each level keeps its own frame
        std::hint::black_box(&pad);
        below + 1
    }

    #[test]
    fn recursion_far_beyond_a_thread_stack_fits() {
        // ~300 bytes per level × 200 000 levels = ~60 MB, more than the 2 MB of a test
        // thread; it only returns if it ran on the big stack.
        let r = on_eval_stack(|| depth(200_000)).ok();
        if cfg!(all(
            target_os = "linux",
            any(target_arch = "x86_64", target_arch = "aarch64")
        )) {
            assert_eq!(r, Some(200_000));
        }
    }

    #[test]
    fn nested_calls_run_in_place_and_the_flag_is_restored() {
        let r = on_eval_stack(|| {
            assert!(ON_BIG_STACK.with(Cell::get));
            on_eval_stack(|| 41).ok().map(|v| v + 1)
        });
        if let Ok(inner) = r {
            assert_eq!(inner, Some(42));
            assert!(!ON_BIG_STACK.with(Cell::get));
        }
    }

    #[test]
    fn a_panic_crosses_the_switch_and_the_stack_is_reusable() {
        let caught = std::panic::catch_unwind(|| on_eval_stack(|| panic!("boom")));
        assert!(caught.is_err());
        assert!(!ON_BIG_STACK.with(Cell::get));
        assert_eq!(on_eval_stack(|| 7).unwrap_or_else(|f| f()), 7);
    }
}
