//! A global allocator that recycles large blocks.
//!
//! Every elementwise operation on a big array returns a fresh buffer, and a loop (every
//! benchmark, every training step) frees and allocates buffers of the same sizes again and
//! again. glibc serves blocks above its mmap threshold (at most 32 MB) with a fresh `mmap`,
//! so each 80 MB result paid ~20k page faults and the kernel's zeroing of every page: 38 % of
//! a fused sigmoid over 1e7 elements was `clear_page_erms`.
//!
//! [`Recycling`] sits over another allocator (the system's by default) and keeps freed blocks
//! of at least [`MIN_BLOCK`] bytes, up to [`SLOTS`] blocks and a byte cap
//! ([`DEFAULT_CAP`] = 1 GiB unless [`Recycling::set_cap`] lowers or raises it; the CLI sets
//! min(1 GiB, a quarter of `--max-memory` or of the machine's memory)). A request of the
//! same size class and alignment gets the most recently freed such block back, already
//! mapped. When the cap or the slots are full, the oldest blocks go back to the inner
//! allocator, so the cache adapts to a changing working set and never holds more than the cap.
//!
//! Size classes: a large request is rounded up to a multiple of 1/16 of the largest power of
//! two not above it (at most 6.25 % more address space, and the untouched tail costs no memory); the inner
//! allocator always sees the class size, so a block can serve any request of its class and
//! `dealloc`/`realloc` recompute the same size from the caller's layout.
//!
//! The cache is a fixed array behind a `std::sync::Mutex` (a futex: it never allocates);
//! blocks leave it under the lock, so no block is ever handed out twice. Freeing to the inner
//! allocator happens after the lock is released.
//!
//! The library does not install it (a program chooses its global allocator, and the tests'
//! counting allocators must keep seeing every allocation); the `physl` binary does.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Blocks of at least this many bytes are recycled; smaller ones go straight to the inner
/// allocator (glibc's bins already recycle them without page faults).
pub const MIN_BLOCK: usize = 1 << 20;
/// At most this many blocks are cached.
pub const SLOTS: usize = 32;
/// The default cap on the bytes held by the cache.
pub const DEFAULT_CAP: usize = 1 << 30;

/// The size the inner allocator is asked for when the caller asks for `size` bytes.
pub fn class(size: usize) -> usize {
    if !(MIN_BLOCK..=(1 << 56)).contains(&size) {
        return size;
    }
    let floor = 1usize << (usize::BITS - 1 - size.leading_zeros());
    let grain = floor / 16;
    (size + grain - 1) & !(grain - 1)
}

#[derive(Clone, Copy)]
struct Block {
    ptr: *mut u8,
    size: usize,
    align: usize,
}

const EMPTY: Block = Block {
    ptr: std::ptr::null_mut(),
    size: 0,
    align: 0,
};

/// Cached blocks, oldest first, in `blocks[..len]`.
struct Cache {
    blocks: [Block; SLOTS],
    len: usize,
    bytes: usize,
}

// SAFETY: the pointers are blocks owned by the cache, not shared with anyone; moving them
// between threads is what an allocator does.
unsafe impl Send for Cache {}

impl Cache {
    /// Removes and returns the newest block of `size` and `align`.
    fn take(&mut self, size: usize, align: usize) -> Option<*mut u8> {
        let i = (0..self.len)
            .rev()
            .find(|&i| self.blocks[i].size == size && self.blocks[i].align == align)?;
        let b = self.blocks[i];
        self.blocks.copy_within(i + 1..self.len, i);
        self.len -= 1;
        self.blocks[self.len] = EMPTY;
        self.bytes -= b.size;
        Some(b.ptr)
    }

    /// Evicts the oldest blocks into `out` until `bytes` more fit under `cap` in a free slot.
    fn make_room(&mut self, bytes: usize, cap: usize, out: &mut [Block; SLOTS], n: &mut usize) {
        let mut k = 0;
        while k < self.len && (self.len - k >= SLOTS || self.bytes.saturating_add(bytes) > cap) {
            let b = self.blocks[k];
            self.bytes -= b.size;
            out[*n] = b;
            *n += 1;
            k += 1;
        }
        self.blocks.copy_within(k..self.len, 0);
        self.len -= k;
        for b in &mut self.blocks[self.len..self.len + k] {
            *b = EMPTY;
        }
    }
}

/// A caching layer over the allocator `A` (see the module documentation).
pub struct Recycling<A: GlobalAlloc = System> {
    inner: A,
    cache: Mutex<Cache>,
    cap: AtomicUsize,
    hits: AtomicUsize,
    misses: AtomicUsize,
}

/// Counters of a [`Recycling`] allocator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stats {
    /// Large requests served from the cache.
    pub hits: usize,
    /// Large requests passed to the inner allocator.
    pub misses: usize,
    /// Bytes held by the cache now.
    pub cached_bytes: usize,
    /// Blocks held by the cache now.
    pub cached_blocks: usize,
}

impl<A: GlobalAlloc> Recycling<A> {
    pub const fn new(inner: A) -> Self {
        Recycling {
            inner,
            cache: Mutex::new(Cache {
                blocks: [EMPTY; SLOTS],
                len: 0,
                bytes: 0,
            }),
            cap: AtomicUsize::new(DEFAULT_CAP),
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
        }
    }

    /// Sets the most bytes the cache may hold; blocks above it are evicted at the next free
    /// (or now, by [`Recycling::trim`]). 0 disables recycling.
    pub fn set_cap(&self, bytes: usize) {
        self.cap.store(bytes, Ordering::Relaxed);
    }

    pub fn cap(&self) -> usize {
        self.cap.load(Ordering::Relaxed)
    }

    /// Returns every cached block to the inner allocator.
    pub fn trim(&self) {
        let mut out = [EMPTY; SLOTS];
        let mut n = 0;
        {
            let mut c = self.lock();
            c.make_room(usize::MAX / 2, 0, &mut out, &mut n);
        }
        self.release(&out[..n]);
    }

    pub fn stats(&self) -> Stats {
        let c = self.lock();
        Stats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            cached_bytes: c.bytes,
            cached_blocks: c.len,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        // nothing panics while holding the lock; a poisoned cache is still consistent
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn release(&self, blocks: &[Block]) {
        for b in blocks {
            // SAFETY: every cached block came from `self.inner` with exactly this layout.
            unsafe {
                self.inner
                    .dealloc(b.ptr, Layout::from_size_align_unchecked(b.size, b.align))
            };
        }
    }

    fn take(&self, size: usize, align: usize) -> Option<*mut u8> {
        let p = self.lock().take(size, align);
        let counter = if p.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        p
    }
}

// SAFETY: every block handed out is either fresh from `inner` or was removed from the cache
// under the lock after its owner freed it; the inner allocator always sees the class size of
// the caller's layout, which `dealloc` and `realloc` recompute from that layout.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Recycling<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let size = class(layout.size());
        if size < MIN_BLOCK {
            return unsafe { self.inner.alloc(layout) };
        }
        if let Some(p) = self.take(size, layout.align()) {
            return p;
        }
        // SAFETY: size >= layout.size() and class() keeps it far below isize::MAX.
        unsafe {
            self.inner
                .alloc(Layout::from_size_align_unchecked(size, layout.align()))
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let size = class(layout.size());
        if size < MIN_BLOCK {
            return unsafe { self.inner.alloc_zeroed(layout) };
        }
        if let Some(p) = self.take(size, layout.align()) {
            // one write pass over pages that are already mapped: cheaper than the fresh
            // mapping's page faults (which zero the same bytes in the kernel)
            unsafe { std::ptr::write_bytes(p, 0, layout.size()) };
            return p;
        }
        unsafe {
            self.inner
                .alloc_zeroed(Layout::from_size_align_unchecked(size, layout.align()))
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let size = class(layout.size());
        let block = Block {
            ptr,
            size,
            align: layout.align(),
        };
        let cap = self.cap();
        if size < MIN_BLOCK || size > cap {
            return unsafe {
                self.inner
                    .dealloc(ptr, Layout::from_size_align_unchecked(size, layout.align()))
            };
        }
        let mut out = [EMPTY; SLOTS];
        let mut n = 0;
        {
            let mut c = self.lock();
            c.make_room(size, cap, &mut out, &mut n);
            let len = c.len;
            c.blocks[len] = block;
            c.len += 1;
            c.bytes += size;
        }
        self.release(&out[..n]);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = class(layout.size());
        let new = class(new_size);
        if old >= MIN_BLOCK && old == new {
            // the block already has the class size
            return ptr;
        }
        // the inner allocator's realloc (mremap for mapped blocks: no copy), between the
        // class sizes it knows; small-to-small requests have class == size
        unsafe {
            self.inner.realloc(
                ptr,
                Layout::from_size_align_unchecked(old, layout.align()),
                new,
            )
        }
    }
}

#[cfg(test)]
mod tests;
