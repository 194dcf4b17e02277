//! The recycling allocator of the `physl` binary (`physl::alloc::Recycling`) installed over a
//! counting allocator: a loop whose steps allocate and free the same large arrays reaches the
//! system allocator only while it warms up.

use physl::alloc::Recycling;
use physl::Engine;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LARGE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() >= physl::alloc::MIN_BLOCK {
            LARGE.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() >= physl::alloc::MIN_BLOCK {
            LARGE.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Recycling<Counting> = Recycling::new(Counting);

/// System allocations of 1 MiB or more made by `steps` steps of `body` over 2^18-element
/// (2 MiB) arrays.
fn system_allocations(steps: usize, body: &str) -> usize {
    let src = format!(
        "define(a, constant(1.5, 262144)) define(b, constant(0.5, 262144))
         define(c, constant(2.0, 262144)) define(r, 0) define(step, 0)
         while(step < {steps}, block({body}, store(step, step + 1)))
         sum(r)"
    );
    let engine = Engine::new();
    let program = engine.compile("recycle", &src).unwrap();
    let mut session = engine.session();
    let before = LARGE.load(Ordering::Relaxed);
    let v = session.run(&program).unwrap();
    assert_eq!(v.to_string(), (262144.0 * 2.75).to_string());
    LARGE.load(Ordering::Relaxed) - before
}

#[test]
fn loops_over_large_arrays_reuse_their_buffers() {
    for body in [
        "store(r, a * b + c)",
        "store(r, 1.0 / (1.0 + exp(-a)) * 0.0 + a * b + c)",
    ] {
        let few = system_allocations(5, body);
        let many = system_allocations(105, body);
        let per_step = many.saturating_sub(few) as f64 / 100.0;
        eprintln!("{body}: {per_step} system allocations per step");
        assert!(
            per_step < 0.05,
            "{body}: {per_step} system allocations per step"
        );
    }
    let s = GLOBAL.stats();
    assert!(s.hits >= 200, "{s:?}");
    assert!(s.cached_bytes <= GLOBAL.cap());
}
