//! The row pass: `p = dot(x, w)`, elementwise statements on `p`, and `g = dot(xᵀ, r)` in
//! ONE pass over the rows of `x` (the step of logistic regression and of other gradient
//! methods on a linear model). Unfused, the two matrix-vector products stream `x` and its
//! transposed copy separately; here every block of rows is read once from memory, used for
//! its `p` and again, still in L1, for its share of `g`.
//!
//! The compiler (`compile::rowpass`) finds the statements; the runtime (`runtime::rowpass`)
//! checks the values (`xᵀ` must be the transpose of `x`, see [`is_transpose`]) and calls
//! [`run`] with the elementwise part as a callback.
//!
//! Results: `p` and the elementwise values are those of the unfused kernels up to the
//! summation order of each row's dot product (this kernel's 4-lane order, as any BLAS has
//! its own), and `g` sums the rows in order within fixed tasks of [`task_rows`] rows, then
//! the tasks in order. The split depends only on the shape, never on the thread count, so
//! results are bit-identical with any number of threads.

use ndarray::ArrayD;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::{Arc, Weak};

// ---------------------------------------------------------------------- transpose provenance

/// How many `transpose` results are remembered.
const REMEMBERED: usize = 16;

struct Pair {
    src: Weak<ArrayD<f64>>,
    t: Weak<ArrayD<f64>>,
}

/// The most recent `transpose(x)` results of 2-D float64 arrays, oldest first.
static TRANSPOSES: parking_lot::Mutex<Vec<Pair>> = parking_lot::const_mutex(Vec::new());

/// Records that `t` is the transpose of the 2-D array `src` (called by `transpose`).
///
/// The invariant that makes [`is_transpose`] sound: arrays are immutable while shared, and
/// the in-place paths (`Arc::get_mut`, `Arc::make_mut`, `Arc::try_unwrap`) cannot write
/// into an allocation a `Weak` points to and keep it alive under the same pointer:
/// `get_mut` fails while a `Weak` exists, `make_mut` then moves the data to a new
/// allocation, and `try_unwrap` ends the `Arc`. A `Weak` also keeps the allocation itself
/// (not the data) from being freed, so no other array can appear at the same address while
/// the entry exists. Hence a live `Arc` at a remembered address is the remembered array,
/// with the contents it had when it was recorded. The cost: the last [`REMEMBERED`]
/// transposes and their sources are never updated in place (a store into them copies).
pub fn note_transpose(src: &Arc<ArrayD<f64>>, t: &Arc<ArrayD<f64>>) {
    let mut list = TRANSPOSES.lock();
    list.retain(|p| p.src.strong_count() > 0 && p.t.strong_count() > 0);
    if list.len() >= REMEMBERED {
        list.remove(0);
    }
    list.push(Pair {
        src: Arc::downgrade(src),
        t: Arc::downgrade(t),
    });
}

/// True when `t` is a recorded transpose of `x` (both alive: the caller holds them), which
/// proves `t == xᵀ` element for element (see [`note_transpose`]).
pub fn is_transpose(t: &Arc<ArrayD<f64>>, x: &Arc<ArrayD<f64>>) -> bool {
    TRANSPOSES.lock().iter().any(|p| {
        std::ptr::eq(p.t.as_ptr(), Arc::as_ptr(t)) && std::ptr::eq(p.src.as_ptr(), Arc::as_ptr(x))
    })
}

/// Fast-path runs since the process started (for tests: did the row pass run?).
static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many times [`run`] has run in this process.
pub fn runs() -> usize {
    RUNS.load(std::sync::atomic::Ordering::Relaxed)
}

// ---------------------------------------------------------------------- geometry

/// Elements of `x` per block (128 KB): a block is read for its dot products and again, from
/// L2, for the gradient; the elementwise statements run once per block, and their per-call
/// cost is what small blocks pay. Measured with the AVX-512 kernels, ms for lra 569x30 (750
/// steps) / 100000x30 (100 steps): 4096 2.78 / -, 8192 2.85 / -, 16384 2.74 / 40-44,
/// 32768 2.62 / 55-58. A matrix of at most [`TASK_ELEMS`] elements is one block (see
/// [`block_rows`]), which is what 32768 gained on the small one.
const BLOCK_ELEMS: usize = 16384;
/// Elements of `x` per task (256 KB): the unit of parallel work and of the gradient's
/// partial sums (at least one block).
const TASK_ELEMS: usize = 1 << 15;
/// Matrices of at least this many elements run their tasks on the rayon pool.
pub const PAR_MIN: usize = 1 << 16;

/// Rows per block of an `n × d` matrix (at most the fused kernels' chunk): a small matrix
/// (one task) is one block; depends only on the shape.
pub fn block_rows(n: usize, d: usize) -> usize {
    let rows = if n.saturating_mul(d) <= TASK_ELEMS {
        n
    } else {
        BLOCK_ELEMS / d.max(1)
    };
    rows.clamp(1, super::fused::CHUNK)
}

/// Rows per task: a whole number of blocks; depends only on the shape.
pub fn task_rows(n: usize, d: usize) -> usize {
    let b = block_rows(n, d);
    b * (TASK_ELEMS / (b * d.max(1))).max(1)
}

// ---------------------------------------------------------------------- kernels

/// `x_r · w` in 4 lanes: lane `k` sums the elements `j ≡ k (mod 4)` of the whole groups of
/// 4, then `(l0 + l1) + (l2 + l3)`, then the tail in order.
#[inline(always)]
fn dot_row(row: &[f64], w: &[f64]) -> f64 {
    let main = row.len() - row.len() % 4;
    let mut acc = [0.0f64; 4];
    for (xc, wc) in row[..main].chunks_exact(4).zip(w[..main].chunks_exact(4)) {
        for k in 0..4 {
            acc[k] += xc[k] * wc[k];
        }
    }
    let mut tail = 0.0;
    for (a, b) in row[main..].iter().zip(&w[main..row.len()]) {
        tail += a * b;
    }
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + tail
}

/// `p[r] = x_r · w` for the rows of `x` (`p.len()` rows of `d` elements), four rows at a
/// time (sharing the loads of `w`); each row's sum is [`dot_row`]'s, bit for bit.
#[inline(always)]
fn dots(x: &[f64], d: usize, w: &[f64], p: &mut [f64]) {
    let w = &w[..d];
    let main = d - d % 4;
    let done = p.len() - p.len() % 4;
    let mut quads = p.chunks_exact_mut(4);
    for (q, pq) in (&mut quads).enumerate() {
        let base = q * 4 * d;
        let xq = &x[base..base + 4 * d];
        let (x0, rest) = xq.split_at(d);
        let (x1, rest) = rest.split_at(d);
        let (x2, x3) = rest.split_at(d);
        let mut a = [[0.0f64; 4]; 4];
        let mut j = 0;
        while j < main {
            let wc = &w[j..j + 4];
            let c = [&x0[j..j + 4], &x1[j..j + 4], &x2[j..j + 4], &x3[j..j + 4]];
            for r in 0..4 {
                for k in 0..4 {
                    a[r][k] += c[r][k] * wc[k];
                }
            }
            j += 4;
        }
        let rows = [x0, x1, x2, x3];
        for r in 0..4 {
            let mut tail = 0.0;
            for jj in main..d {
                tail += rows[r][jj] * w[jj];
            }
            pq[r] = ((a[r][0] + a[r][1]) + (a[r][2] + a[r][3])) + tail;
        }
    }
    for (r, pr) in p.iter_mut().enumerate().skip(done) {
        *pr = dot_row(&x[r * d..r * d + d], w);
    }
}

/// A 256-bit load of `lanes` (1 to 4) f64 at `p`, zeros after them.
///
/// # Safety
/// `p .. p + lanes` must be readable; the CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn load(p: *const f64, lanes: usize) -> std::arch::x86_64::__m256d {
    use std::arch::x86_64::*;
    if lanes >= 4 {
        // SAFETY: the caller's contract.
        unsafe { _mm256_loadu_pd(p) }
    } else {
        let m = _mm256_setr_epi64x(
            -((lanes > 0) as i64),
            -((lanes > 1) as i64),
            -((lanes > 2) as i64),
            0,
        );
        // SAFETY: only the first `lanes` elements are read.
        unsafe { _mm256_maskload_pd(p, m) }
    }
}

/// [`dots`] with AVX2 and FMA: lane `k` of a 256-bit accumulator sums the elements
/// `j ≡ k (mod 4)` with fused multiply-adds (the last group zero-padded), then
/// `(l0 + l1) + (l2 + l3)`. Different bits from [`dots`] (the CPU decides which runs, as a
/// BLAS does), the same on every thread and for every grouping of the rows.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dots_fma(x: &[f64], d: usize, w: &[f64], p: &mut [f64]) {
    use std::arch::x86_64::*;
    let rows = p.len();
    if x.len() < rows * d || w.len() < d {
        return dots(x, d, w, p);
    }
    let mut r = 0;
    // SAFETY (all blocks below): row r + k starts at (r + k) * d < x.len(); each load reads
    // min(4, d - j) elements at column j < d of a row and of `w`; stores write p[r..r + 4].
    while r + 4 <= rows {
        unsafe {
            let b = x.as_ptr().add(r * d);
            let mut a = [_mm256_setzero_pd(); 4];
            let mut j = 0;
            // whole groups of 4 columns with plain loads, then the last one masked
            while j + 4 <= d {
                let wv = _mm256_loadu_pd(w.as_ptr().add(j));
                for (k, ak) in a.iter_mut().enumerate() {
                    *ak = _mm256_fmadd_pd(_mm256_loadu_pd(b.add(k * d + j)), wv, *ak);
                }
                j += 4;
            }
            if j < d {
                let n = d - j;
                let wv = load(w.as_ptr().add(j), n);
                for (k, ak) in a.iter_mut().enumerate() {
                    *ak = _mm256_fmadd_pd(load(b.add(k * d + j), n), wv, *ak);
                }
            }
            // [a0_0 + a0_1, a1_0 + a1_1, a0_2 + a0_3, a1_2 + a1_3] and the same for rows 2, 3
            let h01 = _mm256_hadd_pd(a[0], a[1]);
            let h23 = _mm256_hadd_pd(a[2], a[3]);
            let lo = _mm256_permute2f128_pd(h01, h23, 0x20);
            let hi = _mm256_permute2f128_pd(h01, h23, 0x31);
            _mm256_storeu_pd(p.as_mut_ptr().add(r), _mm256_add_pd(lo, hi));
        }
        r += 4;
    }
    while r < rows {
        unsafe {
            let b = x.as_ptr().add(r * d);
            let mut a = _mm256_setzero_pd();
            let mut j = 0;
            while j < d {
                let n = d - j;
                a = _mm256_fmadd_pd(load(b.add(j), n), load(w.as_ptr().add(j), n), a);
                j += 4;
            }
            let mut l = [0.0f64; 4];
            _mm256_storeu_pd(l.as_mut_ptr(), a);
            p[r] = (l[0] + l[1]) + (l[2] + l[3]);
        }
        r += 1;
    }
}

/// [`axpys`] with AVX2 and FMA, by strips of 16 columns held in registers: two
/// accumulators per group of 4 columns take the even and the odd rows of the block in
/// order (fused multiply-adds), then `g += s_even + s_odd`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn axpys_fma(x: &[f64], d: usize, e: &[f64], g: &mut [f64]) {
    use std::arch::x86_64::*;
    let rows = e.len();
    if x.len() < rows * d || g.len() < d {
        return axpys(x, d, e, g);
    }
    let mut j = 0;
    // SAFETY: every load reads min(4, d - c) elements (none when d <= c) at a column c of a
    // row of the block (r < rows) or of `g`; the stores write the same elements of `g`.
    while j < d {
        let n = [
            d - j,
            d.saturating_sub(j + 4),
            d.saturating_sub(j + 8),
            d.saturating_sub(j + 12),
        ];
        unsafe {
            let z = _mm256_setzero_pd();
            let (mut e0a, mut e1a, mut e2a, mut e3a) = (z, z, z, z);
            let (mut o0a, mut o1a, mut o2a, mut o3a) = (z, z, z, z);
            let mut r = 0;
            while r + 2 <= rows {
                let b = x.as_ptr().add(r * d + j);
                let c = b.add(d);
                let (ev, od) = (_mm256_set1_pd(e[r]), _mm256_set1_pd(e[r + 1]));
                e0a = _mm256_fmadd_pd(load(b, n[0]), ev, e0a);
                o0a = _mm256_fmadd_pd(load(c, n[0]), od, o0a);
                if n[1] > 0 {
                    e1a = _mm256_fmadd_pd(load(b.add(4), n[1]), ev, e1a);
                    o1a = _mm256_fmadd_pd(load(c.add(4), n[1]), od, o1a);
                }
                if n[2] > 0 {
                    e2a = _mm256_fmadd_pd(load(b.add(8), n[2]), ev, e2a);
                    o2a = _mm256_fmadd_pd(load(c.add(8), n[2]), od, o2a);
                }
                if n[3] > 0 {
                    e3a = _mm256_fmadd_pd(load(b.add(12), n[3]), ev, e3a);
                    o3a = _mm256_fmadd_pd(load(c.add(12), n[3]), od, o3a);
                }
                r += 2;
            }
            let mut acc = [e0a, e1a, e2a, e3a];
            if r < rows {
                let b = x.as_ptr().add(r * d + j);
                let ev = _mm256_set1_pd(e[r]);
                for (h, a) in acc.iter_mut().enumerate() {
                    if n[h] > 0 {
                        *a = _mm256_fmadd_pd(load(b.add(4 * h), n[h]), ev, *a);
                    }
                }
            }
            for (h, (a, o)) in acc.into_iter().zip([o0a, o1a, o2a, o3a]).enumerate() {
                if n[h] == 0 {
                    break;
                }
                let gp = g.as_mut_ptr().add(j + 4 * h);
                let sum = _mm256_add_pd(load(gp, n[h]), _mm256_add_pd(a, o));
                let mut l = [0.0f64; 4];
                _mm256_storeu_pd(l.as_mut_ptr(), sum);
                for (k, v) in l.iter().take(n[h].min(4)).enumerate() {
                    *gp.add(k) = *v;
                }
            }
        }
        j += 16;
    }
}

/// The mask of the first `n` (at most 8) lanes of a 512-bit vector.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn lanes8(n: usize) -> u8 {
    if n >= 8 {
        0xff
    } else {
        ((1u16 << n) - 1) as u8
    }
}

/// [`dots`] with AVX-512: eight rows at a time, lane `k` of a row's 512-bit accumulator
/// summing the elements `j ≡ k (mod 8)` with fused multiply-adds (the last group masked),
/// then a fixed tree of shuffles and adds that yields the eight row sums at once. Different
/// bits from [`dots_fma`] and [`dots`] (the CPU decides which runs), the same on every
/// thread and for every grouping of the rows into blocks.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn dots_avx512(x: &[f64], d: usize, w: &[f64], p: &mut [f64]) {
    use std::arch::x86_64::*;
    let rows = p.len();
    if x.len() < rows * d || w.len() < d {
        return dots(x, d, w, p);
    }
    let mut r = 0;
    // SAFETY (all blocks below): row r + k (< rows) starts at (r + k) * d; each masked load
    // reads the min(8, d - j) elements at column j < d of a row and of `w`; the stores write
    // p[r..r + 8] or p[r].
    while r + 8 <= rows {
        unsafe {
            let b = x.as_ptr().add(r * d);
            let mut a = [_mm512_setzero_pd(); 8];
            let mut j = 0;
            while j < d {
                let m = lanes8(d - j);
                let wv = _mm512_maskz_loadu_pd(m, w.as_ptr().add(j));
                for (k, ak) in a.iter_mut().enumerate() {
                    *ak = _mm512_fmadd_pd(_mm512_maskz_loadu_pd(m, b.add(k * d + j)), wv, *ak);
                }
                j += 8;
            }
            // pairs of lanes, then of 128-bit chunks, then of halves: row sums 0..8 in order
            let pair = |u: __m512d, v: __m512d| {
                _mm512_add_pd(_mm512_unpacklo_pd(u, v), _mm512_unpackhi_pd(u, v))
            };
            let chunks = |u: __m512d, v: __m512d| {
                _mm512_add_pd(
                    _mm512_shuffle_f64x2::<0x88>(u, v),
                    _mm512_shuffle_f64x2::<0xdd>(u, v),
                )
            };
            let (t01, t23, t45, t67) = (
                pair(a[0], a[1]),
                pair(a[2], a[3]),
                pair(a[4], a[5]),
                pair(a[6], a[7]),
            );
            let sums = chunks(chunks(t01, t23), chunks(t45, t67));
            _mm512_storeu_pd(p.as_mut_ptr().add(r), sums);
        }
        r += 8;
    }
    while r < rows {
        unsafe {
            let b = x.as_ptr().add(r * d);
            let mut a = _mm512_setzero_pd();
            let mut j = 0;
            while j < d {
                let m = lanes8(d - j);
                a = _mm512_fmadd_pd(
                    _mm512_maskz_loadu_pd(m, b.add(j)),
                    _mm512_maskz_loadu_pd(m, w.as_ptr().add(j)),
                    a,
                );
                j += 8;
            }
            p[r] = _mm512_reduce_add_pd(a);
        }
        r += 1;
    }
}

/// [`axpys`] with AVX-512, by strips of 32 columns held in registers: two accumulators per
/// group of 8 columns take the even and the odd rows of the block in order (fused
/// multiply-adds), then `g += s_even + s_odd`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn axpys_avx512(x: &[f64], d: usize, e: &[f64], g: &mut [f64]) {
    use std::arch::x86_64::*;
    let rows = e.len();
    if x.len() < rows * d || g.len() < d {
        return axpys(x, d, e, g);
    }
    let mut j = 0;
    // SAFETY: every masked load reads min(8, d - c) elements (none when d <= c) at a column
    // c of a row of the block (r < rows) or of `g`; the masked stores write the same
    // elements of `g`.
    while j < d {
        let m = [
            lanes8(d - j),
            lanes8(d.saturating_sub(j + 8)),
            lanes8(d.saturating_sub(j + 16)),
            lanes8(d.saturating_sub(j + 24)),
        ];
        unsafe {
            let z = _mm512_setzero_pd();
            let mut even = [z; 4];
            let mut odd = [z; 4];
            let mut r = 0;
            while r + 2 <= rows {
                let b = x.as_ptr().add(r * d + j);
                let c = b.add(d);
                let (ev, od) = (_mm512_set1_pd(e[r]), _mm512_set1_pd(e[r + 1]));
                for h in 0..4 {
                    if m[h] != 0 {
                        even[h] =
                            _mm512_fmadd_pd(_mm512_maskz_loadu_pd(m[h], b.add(8 * h)), ev, even[h]);
                        odd[h] =
                            _mm512_fmadd_pd(_mm512_maskz_loadu_pd(m[h], c.add(8 * h)), od, odd[h]);
                    }
                }
                r += 2;
            }
            if r < rows {
                let b = x.as_ptr().add(r * d + j);
                let ev = _mm512_set1_pd(e[r]);
                for h in 0..4 {
                    if m[h] != 0 {
                        even[h] =
                            _mm512_fmadd_pd(_mm512_maskz_loadu_pd(m[h], b.add(8 * h)), ev, even[h]);
                    }
                }
            }
            for h in 0..4 {
                if m[h] == 0 {
                    break;
                }
                let gp = g.as_mut_ptr().add(j + 8 * h);
                let sum = _mm512_add_pd(
                    _mm512_maskz_loadu_pd(m[h], gp),
                    _mm512_add_pd(even[h], odd[h]),
                );
                _mm512_mask_storeu_pd(gp, m[h], sum);
            }
        }
        j += 32;
    }
}

/// `g += Σ_r e[r] · x_r`: four rows at a time, `g_j += (e0 x0j + e1 x1j) + (e2 x2j + e3
/// x3j)`, then the remaining rows one by one (the grouping follows the block's rows only).
#[inline(always)]
fn axpys(x: &[f64], d: usize, e: &[f64], g: &mut [f64]) {
    let g = &mut g[..d];
    let mut quads = e.chunks_exact(4);
    for (q, eq) in (&mut quads).enumerate() {
        let base = q * 4 * d;
        let xq = &x[base..base + 4 * d];
        let (x0, rest) = xq.split_at(d);
        let (x1, rest) = rest.split_at(d);
        let (x2, x3) = rest.split_at(d);
        let (e0, e1, e2, e3) = (eq[0], eq[1], eq[2], eq[3]);
        for j in 0..d {
            g[j] += (e0 * x0[j] + e1 * x1[j]) + (e2 * x2[j] + e3 * x3[j]);
        }
    }
    let done = e.len() - quads.remainder().len();
    for (r, &er) in e.iter().enumerate().skip(done) {
        let row = &x[r * d..r * d + d];
        for (gj, xj) in g.iter_mut().zip(row) {
            *gj += er * xj;
        }
    }
}

/// Where the vector of the gradient product comes from, per block.
#[derive(Clone, Copy)]
pub enum RSrc<'a> {
    /// The dot products themselves.
    Dot,
    /// Output buffer `k`.
    Out(usize),
    /// An input array of `n` elements.
    Input(&'a [f64]),
}

/// One block for the caller's elementwise part: rows `global` of the problem, which are
/// rows `local` of `outs` (the current task's parts of the output buffers); `p` holds the
/// block's dot products.
pub type BlockFn<'f> = dyn Fn(Range<usize>, Range<usize>, &[f64], &mut [&mut [f64]]) + Sync + 'f;

/// The pass over `x` (`n × d`, row-major): for each block of rows, `p = x_blk · w`, then
/// `block` (which fills the outputs' rows), then `g += x_blkᵀ · r_blk`. `outs` are the
/// output buffers (`n` elements each); returns `g` (`d` elements).
pub fn run(
    x: &[f64],
    n: usize,
    d: usize,
    w: &[f64],
    outs: &mut [&mut [f64]],
    r: RSrc,
    block: &BlockFn,
) -> Vec<f64> {
    RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let task = task_rows(n, d);
    let n_tasks = n.div_ceil(task);
    let cx = Task {
        x,
        n,
        d,
        w,
        r,
        block,
        task,
        simd: simd(),
    };
    let mut g = vec![0.0; d];
    if n_tasks <= 1 {
        if n > 0 {
            one_task(&cx, 0, outs, &mut g);
        }
        return g;
    }
    // each task's parts of the output buffers
    let mut parts: Vec<Vec<&mut [f64]>> = (0..n_tasks)
        .map(|_| Vec::with_capacity(outs.len()))
        .collect();
    for o in outs.iter_mut() {
        for (t, c) in o.chunks_mut(task).enumerate() {
            parts[t].push(c);
        }
    }
    let work = |(t, mut parts): (usize, Vec<&mut [f64]>)| {
        let mut gt = vec![0.0; d];
        one_task(&cx, t, &mut parts, &mut gt);
        gt
    };
    let partials: Vec<Vec<f64>> = if n * d >= PAR_MIN {
        parts.into_par_iter().enumerate().map(work).collect()
    } else {
        parts.into_iter().enumerate().map(work).collect()
    };
    for gt in &partials {
        for (a, b) in g.iter_mut().zip(gt) {
            *a += b;
        }
    }
    g
}

/// What every task shares.
struct Task<'a, 'f> {
    x: &'a [f64],
    n: usize,
    d: usize,
    w: &'a [f64],
    r: RSrc<'a>,
    block: &'a BlockFn<'f>,
    task: usize,
    simd: Simd,
}

/// Which kernels the CPU runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Simd {
    /// [`dots_avx512`], [`axpys_avx512`].
    Avx512,
    /// [`dots_fma`], [`axpys_fma`].
    Avx2Fma,
    /// [`dots`], [`axpys`].
    Portable,
}

fn simd() -> Simd {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return Simd::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return Simd::Avx2Fma;
        }
    }
    Simd::Portable
}

/// Task `t`: its rows block by block; `parts` are its parts of the outputs, `g` its partial
/// gradient (zero on entry).
#[inline(always)]
fn one_task(cx: &Task, t: usize, parts: &mut [&mut [f64]], g: &mut [f64]) {
    let d = cx.d;
    let first = t * cx.task;
    let rows = cx.task.min(cx.n - first);
    let b = block_rows(cx.n, d);
    let mut p = [0.0f64; super::fused::CHUNK];
    let mut lo = 0;
    while lo < rows {
        let hi = (lo + b).min(rows);
        let xb = &cx.x[(first + lo) * d..(first + hi) * d];
        let pb = &mut p[..hi - lo];
        match cx.simd {
            // SAFETY: `simd` names only what the CPU has (see [`simd`]).
            #[cfg(target_arch = "x86_64")]
            Simd::Avx512 => unsafe { dots_avx512(xb, d, cx.w, pb) },
            #[cfg(target_arch = "x86_64")]
            Simd::Avx2Fma => unsafe { dots_fma(xb, d, cx.w, pb) },
            _ => dots(xb, d, cx.w, pb),
        }
        (cx.block)(first + lo..first + hi, lo..hi, pb, parts);
        let rb: &[f64] = match cx.r {
            RSrc::Dot => pb,
            RSrc::Out(k) => &parts[k][lo..hi],
            RSrc::Input(s) => &s[first + lo..first + hi],
        };
        match cx.simd {
            // SAFETY: as above.
            #[cfg(target_arch = "x86_64")]
            Simd::Avx512 => unsafe { axpys_avx512(xb, d, rb, g) },
            #[cfg(target_arch = "x86_64")]
            Simd::Avx2Fma => unsafe { axpys_fma(xb, d, rb, g) },
            _ => axpys(xb, d, rb, g),
        }
        lo = hi;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_and_tasks_depend_on_the_shape_only() {
        assert_eq!(block_rows(100_000, 30), 546);
        assert_eq!(block_rows(569, 30), 569);
        assert_eq!(block_rows(100_000, 1), super::super::fused::CHUNK);
        assert_eq!(block_rows(100, 5000), 3);
        assert_eq!(block_rows(100, 50_000), 1);
        for n in [1, 569, 100_000] {
            for d in [1, 2, 30, 100, 5000] {
                assert_eq!(task_rows(n, d) % block_rows(n, d), 0);
            }
        }
    }

    #[test]
    fn pass_matches_plain_loops() {
        for (n, d) in [(1, 1), (7, 3), (300, 30), (5000, 5)] {
            let x: Vec<f64> = (0..n * d).map(|i| ((i * 7919) % 13) as f64 - 6.0).collect();
            let w: Vec<f64> = (0..d).map(|j| 0.5 - j as f64 * 0.25).collect();
            let mut pred = vec![0.0; n];
            let mut outs: Vec<&mut [f64]> = vec![&mut pred];
            let g = run(
                &x,
                n,
                d,
                &w,
                &mut outs,
                RSrc::Out(0),
                &|_, local, p, outs| {
                    for (o, &v) in outs[0][local].iter_mut().zip(p) {
                        *o = 2.0 * v;
                    }
                },
            );
            let mut want_g = vec![0.0; d];
            for i in 0..n {
                let p: f64 = (0..d).map(|j| x[i * d + j] * w[j]).sum();
                assert_eq!(pred[i], 2.0 * p, "row {i}"); // small integers: exact
                for j in 0..d {
                    want_g[j] += 2.0 * p * x[i * d + j];
                }
            }
            assert_eq!(g, want_g);
        }
    }

    /// Every kernel variant this CPU can run gives the plain sums on small integers (exact
    /// whatever the order) for all the tail shapes: rows not a multiple of 4 or 8, columns
    /// not a multiple of 4, 8, 16 or 32.
    #[test]
    fn every_kernel_variant_matches_plain_sums() {
        for rows in [1, 3, 4, 7, 8, 9, 17] {
            for d in [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 30, 31, 32, 33, 40, 100] {
                let x: Vec<f64> = (0..rows * d)
                    .map(|i| ((i * 7919) % 13) as f64 - 6.0)
                    .collect();
                let w: Vec<f64> = (0..d).map(|j| (j % 5) as f64 - 2.0).collect();
                let e: Vec<f64> = (0..rows).map(|r| (r % 7) as f64 - 3.0).collect();
                let want_p: Vec<f64> = (0..rows)
                    .map(|r| (0..d).map(|j| x[r * d + j] * w[j]).sum())
                    .collect();
                let want_g: Vec<f64> = (0..d)
                    .map(|j| 1.0 + (0..rows).map(|r| e[r] * x[r * d + j]).sum::<f64>())
                    .collect();
                type Dots = unsafe fn(&[f64], usize, &[f64], &mut [f64]);
                type Axpys = unsafe fn(&[f64], usize, &[f64], &mut [f64]);
                let mut variants: Vec<(&str, Dots, Axpys)> = Vec::new();
                fn plain_dots(x: &[f64], d: usize, w: &[f64], p: &mut [f64]) {
                    dots(x, d, w, p)
                }
                fn plain_axpys(x: &[f64], d: usize, e: &[f64], g: &mut [f64]) {
                    axpys(x, d, e, g)
                }
                variants.push(("portable", plain_dots, plain_axpys));
                #[cfg(target_arch = "x86_64")]
                {
                    if std::arch::is_x86_feature_detected!("avx2")
                        && std::arch::is_x86_feature_detected!("fma")
                    {
                        variants.push(("avx2+fma", dots_fma, axpys_fma));
                    }
                    if std::arch::is_x86_feature_detected!("avx512f") {
                        variants.push(("avx512", dots_avx512, axpys_avx512));
                    }
                }
                for (name, dots_fn, axpys_fn) in variants {
                    let mut p = vec![0.0; rows];
                    let mut g = vec![1.0; d];
                    // SAFETY: only the variants the CPU has are listed.
                    unsafe {
                        dots_fn(&x, d, &w, &mut p);
                        axpys_fn(&x, d, &e, &mut g);
                    }
                    assert_eq!(p, want_p, "{name} dots, {rows} x {d}");
                    assert_eq!(g, want_g, "{name} axpys, {rows} x {d}");
                }
            }
        }
    }
}
