use super::*;
use std::collections::HashSet;

const MB: usize = 1 << 20;

fn layout(size: usize) -> Layout {
    Layout::from_size_align(size, 8).unwrap()
}

#[test]
fn classes_cover_the_request_with_little_slack() {
    for size in [
        MB,
        MB + 1,
        3 * MB + 17,
        80_000_000,
        80_000_008,
        (1 << 40) + 5,
    ] {
        let c = class(size);
        assert!(c >= size, "{size}");
        assert!((c - size) as f64 <= size as f64 / 16.0, "{size} -> {c}");
        assert_eq!(class(c), c, "a class size is its own class");
    }
    assert_eq!(class(MB - 1), MB - 1);
    assert_eq!(class(usize::MAX), usize::MAX);
}

#[test]
fn a_freed_block_serves_the_next_request_of_its_class() {
    let a = Recycling::new(System);
    unsafe {
        let p = a.alloc(layout(4 * MB + 8));
        assert!(!p.is_null());
        a.dealloc(p, layout(4 * MB + 8));
        assert_eq!(a.stats().cached_blocks, 1);
        let q = a.alloc(layout(4 * MB + 100));
        assert_eq!(p, q, "same class");
        let s = a.stats();
        assert_eq!((s.hits, s.misses, s.cached_blocks), (1, 1, 0));
        // another class or another alignment is not served from the cache
        a.dealloc(q, layout(4 * MB + 100));
        let r = a.alloc(layout(6 * MB));
        let big_align = Layout::from_size_align(4 * MB + 100, 4096).unwrap();
        let t = a.alloc(big_align);
        assert_ne!(r, p);
        assert_ne!(t, p);
        assert_eq!(a.stats().cached_blocks, 1);
        a.dealloc(r, layout(6 * MB));
        a.dealloc(t, big_align);
        a.trim();
        assert_eq!(a.stats().cached_bytes, 0);
    }
}

#[test]
fn small_blocks_are_not_cached() {
    let a = Recycling::new(System);
    unsafe {
        let p = a.alloc(layout(MB - 8));
        a.dealloc(p, layout(MB - 8));
    }
    let s = a.stats();
    assert_eq!((s.hits, s.misses, s.cached_blocks), (0, 0, 0));
}

#[test]
fn the_cap_and_the_slots_bound_the_cache() {
    let a = Recycling::new(System);
    a.set_cap(10 * MB);
    unsafe {
        let ps: Vec<*mut u8> = (0..5).map(|_| a.alloc(layout(4 * MB))).collect();
        for &p in &ps {
            a.dealloc(p, layout(4 * MB));
            assert!(a.stats().cached_bytes <= 10 * MB);
        }
        // the newest two stay
        assert_eq!(a.stats().cached_blocks, 2);
        assert_eq!(a.alloc(layout(4 * MB)), ps[4]);
        a.dealloc(ps[4], layout(4 * MB));
        // above the cap: straight back
        let big = a.alloc(layout(16 * MB));
        a.dealloc(big, layout(16 * MB));
        assert_eq!(a.stats().cached_blocks, 2);
        a.set_cap(usize::MAX);
        let ps: Vec<*mut u8> = (0..SLOTS + 5).map(|_| a.alloc(layout(MB))).collect();
        for &p in &ps {
            a.dealloc(p, layout(MB));
        }
        assert_eq!(a.stats().cached_blocks, SLOTS);
        a.set_cap(0);
        let p = a.alloc(layout(MB));
        a.dealloc(p, layout(MB));
        a.trim();
        assert_eq!(a.stats().cached_blocks, 0);
    }
}

#[test]
fn recycled_zeroed_blocks_are_zero() {
    let a = Recycling::new(System);
    unsafe {
        let p = a.alloc(layout(2 * MB));
        std::ptr::write_bytes(p, 0xAB, 2 * MB);
        a.dealloc(p, layout(2 * MB));
        let q = a.alloc_zeroed(layout(2 * MB - 64));
        assert_eq!(p, q);
        let s = std::slice::from_raw_parts(q, 2 * MB - 64);
        assert!(s.iter().all(|&b| b == 0));
        a.dealloc(q, layout(2 * MB - 64));
        a.trim();
    }
}

#[test]
fn realloc_keeps_contents_across_classes() {
    let a = Recycling::new(System);
    unsafe {
        let p = a.alloc(layout(2 * MB + 8));
        std::ptr::write_bytes(p, 7, 2 * MB);
        // same class: the same block
        assert_eq!(a.realloc(p, layout(2 * MB + 8), 2 * MB + 100), p);
        let q = a.realloc(p, layout(2 * MB + 100), 9 * MB);
        let s = std::slice::from_raw_parts(q, 2 * MB);
        assert!(s.iter().all(|&b| b == 7));
        // shrink to a small block, then free it as small
        let r = a.realloc(q, layout(9 * MB), 1000);
        assert!(std::slice::from_raw_parts(r, 1000).iter().all(|&b| b == 7));
        a.dealloc(r, layout(1000));
        assert_eq!(a.stats().cached_blocks, 0);
    }
}

#[test]
fn threads_never_share_a_block() {
    static A: Recycling = Recycling::new(System);
    let live = Mutex::new(HashSet::new());
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let live = &live;
            s.spawn(move || {
                for i in 0..300u64 {
                    let size = (1 + (i % 3) as usize) * MB;
                    unsafe {
                        let p = A.alloc(layout(size));
                        assert!(!p.is_null());
                        assert!(live.lock().unwrap().insert(p as usize), "handed out twice");
                        let tag = t << 32 | i;
                        let words = p as *mut u64;
                        words.write(tag);
                        words.add(size / 8 - 1).write(tag);
                        std::thread::yield_now();
                        assert_eq!(words.read(), tag);
                        assert_eq!(words.add(size / 8 - 1).read(), tag);
                        live.lock().unwrap().remove(&(p as usize));
                        A.dealloc(p, layout(size));
                    }
                }
            });
        }
    });
    let s = A.stats();
    assert!(s.hits > 0, "{s:?}");
    assert!(s.cached_bytes <= A.cap());
    A.trim();
}
