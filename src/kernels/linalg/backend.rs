//! The two [`Blas`] backends: [`Faer`] (default) and [`OpenBlas`] (feature `openblas`).

use super::{dot_f64, Blas};
use ndarray::{ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis};

/// Above this many multiply-adds faer runs on all threads of the current rayon pool, below
/// it sequentially. Measured with the ignored `par_threshold` test below on the 2-vCPU machine
/// (noisy, other jobs running): parallel/sequential GEMM speed 0.26× at n = 64, 0.53× at 96,
/// 0.9–1.05× at 128, 1.3–1.5× at 192; so the split starts between 128³ and 192³.
const PAR_FLOPS: usize = 1 << 22;

/// Elements of the matrix per parallel GEMV block (about 2 MB, an L2 cache).
const GEMV_BLOCK: usize = 1 << 18;

/// GEMV is split into blocks from this many matrix elements on (the split depends on the
/// shape only, never on the thread count). Measured on the 2-core machine, `dot(x, w)` with
/// x of n×30, µs per call at 1 → 2 threads when split: n = 300: 1.28 → 1.3–1.6,
/// 600: 2.1 → 2.2, 1100: 3.6 → 2.9, 2000: 6.2 → 4.2, 4400: 14.2 → 8.0, 100000: 535 → 250
/// (Xᵀ·e alike); the crossover is near 2^15 elements.
const GEMV_PAR_ELEMS: usize = 1 << 15;

/// Column-major matrices (transposed views) with at most this many rows are split by
/// columns, with one partial result per block summed in block order; taller ones by rows.
const GEMV_SPLIT_COLUMNS_MAX_ROWS: usize = 1024;

fn faer_par(flops: usize) -> faer::Par {
    if flops > PAR_FLOPS {
        faer::Par::rayon(0)
    } else {
        faer::Par::Seq
    }
}

/// `c = a·b` by faer.
fn faer_matmul(
    mut c: ArrayViewMut2<'_, f64>,
    a: ArrayView2<'_, f64>,
    b: ArrayView2<'_, f64>,
    par: faer::Par,
) {
    faer::linalg::matmul::matmul(
        faer_mut(&mut c),
        faer::Accum::Replace,
        faer_ref(&a),
        faer_ref(&b),
        1.0,
        par,
    );
}

/// `y = a·x` by faer on this thread.
fn seq_gemv(a: ArrayView2<'_, f64>, x: ArrayView1<'_, f64>, y: ArrayViewMut1<'_, f64>) {
    faer_matmul(
        y.insert_axis(Axis(1)),
        a,
        x.insert_axis(Axis(1)),
        faer::Par::Seq,
    );
}

/// A faer view of an ndarray matrix view, without copying (any strides, transposed views
/// included).
pub fn faer_ref<'a>(a: &ArrayView2<'a, f64>) -> faer::MatRef<'a, f64> {
    let st = a.strides();
    // SAFETY: pointer, extents and strides all come from a live ndarray view of `'a`, which
    // faer reads within exactly those bounds.
    unsafe { faer::MatRef::from_raw_parts(a.as_ptr(), a.nrows(), a.ncols(), st[0], st[1]) }
}

fn faer_mut<'a>(a: &'a mut ArrayViewMut2<'_, f64>) -> faer::MatMut<'a, f64> {
    let (r, c) = (a.nrows(), a.ncols());
    let (s0, s1) = (a.strides()[0], a.strides()[1]);
    // SAFETY: as above; the mutable view is borrowed uniquely for `'a` and never has
    // overlapping elements (ndarray guarantees this for mutable views).
    unsafe { faer::MatMut::from_raw_parts_mut(a.as_mut_ptr(), r, c, s0, s1) }
}

/// The pure-Rust backend: faer's GEMM (runtime-dispatched AVX2/AVX-512 kernels), `Par::Seq`
/// for small products and the current rayon pool above [`PAR_FLOPS`].
pub struct Faer;

impl Blas for Faer {
    const NAME: &'static str = "faer";

    fn gemm(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>, mut c: ArrayViewMut2<'_, f64>) {
        let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
        if m == 0 || n == 0 {
            return;
        }
        if k == 0 {
            c.fill(0.0);
            return;
        }
        let par = faer_par(m.saturating_mul(n).saturating_mul(k));
        faer_matmul(c, a, b, par);
    }

    /// Big products are split into fixed blocks (the sizes depend on the shape only), each
    /// a sequential faer product: blocks of output rows, or for a column-major matrix with
    /// few rows blocks of columns whose partial results are added in block order. So the
    /// result bits never depend on the thread count (faer's own parallel GEMV would split
    /// the inner dimension by thread count).
    fn gemv(a: ArrayView2<'_, f64>, x: ArrayView1<'_, f64>, mut y: ArrayViewMut1<'_, f64>) {
        use rayon::prelude::*;
        let (m, n) = a.dim();
        if m == 0 {
            return;
        }
        if n == 0 {
            y.fill(0.0);
            return;
        }
        if m.saturating_mul(n) < GEMV_PAR_ELEMS {
            return seq_gemv(a, x, y);
        }
        let column_major = a.strides()[0] == 1 && n > 1;
        if column_major && m <= GEMV_SPLIT_COLUMNS_MAX_ROWS {
            // A few long rows stored by column (Xᵀ of a tall X): a split by rows would make
            // every block stream the whole matrix, so split the columns instead.
            let cols = (GEMV_BLOCK / m.max(1)).max(64);
            let partials: Vec<ndarray::Array1<f64>> = a
                .axis_chunks_iter(Axis(1), cols)
                .into_par_iter()
                .zip(x.axis_chunks_iter(Axis(0), cols))
                .map(|(ab, xb)| {
                    let mut yb = ndarray::Array1::zeros(m);
                    seq_gemv(ab, xb, yb.view_mut());
                    yb
                })
                .collect();
            let mut parts = partials.iter();
            if let Some(first) = parts.next() {
                y.assign(first);
            }
            for part in parts {
                y += part;
            }
            return;
        }
        let rows = (GEMV_BLOCK / n.max(1)).clamp(8, m.div_ceil(2).max(8));
        a.axis_chunks_iter(Axis(0), rows)
            .into_par_iter()
            .zip(y.axis_chunks_iter_mut(Axis(0), rows))
            .for_each(|(ab, yb)| seq_gemv(ab, x, yb));
    }

    fn dot(x: ArrayView1<'_, f64>, y: ArrayView1<'_, f64>) -> f64 {
        match (x.as_slice(), y.as_slice()) {
            (Some(xs), Some(ys)) => dot_f64(xs, ys),
            _ => dot_strided(x, y),
        }
    }
}

/// System OpenBLAS (cblas `dgemm`/`dgemv`/`ddot` through ndarray's `blas` feature). Called
/// from a rayon worker thread it runs single-threaded (its own pthreads would oversubscribe
/// the cores the pool already uses); elsewhere it uses its default thread count
/// (`OPENBLAS_NUM_THREADS`, else all cores). OpenBLAS's thread count is process-global, so
/// concurrent callers on and off rayon may briefly see each other's setting (never wrong
/// results). Factorisations (`inverse`, `solve`, …) stay on faer with either backend.
#[cfg(feature = "openblas")]
pub struct OpenBlas;

#[cfg(feature = "openblas")]
mod openblas_threads {
    use std::os::raw::c_int;
    use std::sync::atomic::{AtomicI32, Ordering};

    extern "C" {
        fn openblas_set_num_threads(n: c_int);
        fn openblas_get_num_threads() -> c_int;
    }

    /// OpenBLAS's own default (read once, before we change it); 0 = not read yet.
    static DEFAULT: AtomicI32 = AtomicI32::new(0);
    /// The count last set by us.
    static CURRENT: AtomicI32 = AtomicI32::new(0);

    /// One thread inside rayon, the default elsewhere; a no-op when already so.
    pub fn for_this_call() {
        let mut default = DEFAULT.load(Ordering::Relaxed);
        if default == 0 {
            // SAFETY: plain getter of OpenBLAS's global thread count.
            default = unsafe { openblas_get_num_threads() }.max(1);
            DEFAULT.store(default, Ordering::Relaxed);
            CURRENT.store(default, Ordering::Relaxed);
        }
        let want = if rayon::current_thread_index().is_some() {
            1
        } else {
            default
        };
        if CURRENT.swap(want, Ordering::Relaxed) != want {
            // SAFETY: OpenBLAS's documented setter; it only adjusts its thread pool size.
            unsafe { openblas_set_num_threads(want) };
        }
    }
}

#[cfg(feature = "openblas")]
impl Blas for OpenBlas {
    const NAME: &'static str = "openblas";

    fn gemm(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>, mut c: ArrayViewMut2<'_, f64>) {
        if c.is_empty() {
            return;
        }
        openblas_threads::for_this_call();
        ndarray::linalg::general_mat_mul(1.0, &a, &b, 0.0, &mut c);
    }

    fn gemv(a: ArrayView2<'_, f64>, x: ArrayView1<'_, f64>, mut y: ArrayViewMut1<'_, f64>) {
        if y.is_empty() {
            return;
        }
        openblas_threads::for_this_call();
        ndarray::linalg::general_mat_vec_mul(1.0, &a, &x, 0.0, &mut y);
    }

    fn dot(x: ArrayView1<'_, f64>, y: ArrayView1<'_, f64>) -> f64 {
        openblas_threads::for_this_call();
        x.dot(&y)
    }
}

/// [`dot_f64`] on strided views, in the same order (same result bits).
fn dot_strided(a: ArrayView1<'_, f64>, b: ArrayView1<'_, f64>) -> f64 {
    let n = a.len().min(b.len());
    let full = n / 8 * 8;
    let mut acc = [0.0f64; 8];
    for i in (0..full).step_by(8) {
        for j in 0..8 {
            acc[j] += a[i + j] * b[i + j];
        }
    }
    let mut s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for i in full..n {
        s += a[i] * b[i];
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{s, Array2, ArrayD, IxDyn};

    fn fmat(m: usize, n: usize, seed: u64) -> Array2<f64> {
        Array2::from_shape_fn((m, n), |(i, j)| {
            let h = (i as u64 * 31 + j as u64 * 17 + seed).wrapping_mul(2654435761) % 1000;
            h as f64 / 100.0 - 5.0
        })
    }

    fn naive(a: &ArrayD<f64>, b: &ArrayD<f64>) -> ArrayD<f64> {
        let (m, k, n) = (a.shape()[0], a.shape()[1], b.shape()[1]);
        ArrayD::from_shape_fn(IxDyn(&[m, n]), |ix| {
            (0..k).map(|t| a[[ix[0], t]] * b[[t, ix[1]]]).sum()
        })
    }

    fn close(a: &ArrayD<f64>, b: &ArrayD<f64>) -> bool {
        a.shape() == b.shape()
            && a.iter()
                .zip(b.iter())
                .all(|(x, y)| (x - y).abs() <= 1e-9 * (1.0 + y.abs()))
    }

    /// GEMM/GEMV/dot of one backend against the naive loop on contiguous, transposed,
    /// reversed, sliced and broadcast (zero-stride) views.
    fn check_backend<B: Blas>() {
        use ndarray::{Array1, Array2};
        let (m, k, n) = (37, 29, 23);
        let a = fmat(m, k, 1);
        let b = fmat(k, n, 2);
        let at = a.t().to_owned().as_standard_layout().to_owned(); // k×m, row-major
        let big = fmat(2 * m, 3 * k, 3);
        let a_variants: Vec<ArrayView2<'_, f64>> = vec![
            a.view(),
            at.t(),                      // column-major
            big.slice(s![..;2, ..;3]),   // strided
            big.slice(s![..;-2, 1..;3]), // negative row stride
        ];
        let bcol = Array1::from_shape_fn(k, |i| i as f64 * 0.5 - 3.0);
        let brd = bcol.broadcast((n, k)).unwrap().reversed_axes(); // k×n, zero column stride
        let b_variants: Vec<ArrayView2<'_, f64>> = vec![b.view(), b.slice(s![..;-1, ..]), brd];
        for (ia, av) in a_variants.iter().enumerate() {
            for (ib, bv) in b_variants.iter().enumerate() {
                let want = naive(&av.to_owned().into_dyn(), &bv.to_owned().into_dyn());
                // C row-major and C column-major
                let mut c = Array2::from_elem((av.nrows(), bv.ncols()), f64::NAN);
                B::gemm(av.view(), bv.view(), c.view_mut());
                assert!(
                    close(&c.clone().into_dyn(), &want),
                    "{} gemm {ia} {ib}",
                    B::NAME
                );
                let mut cf = Array2::from_elem((bv.ncols(), av.nrows()), f64::NAN);
                B::gemm(av.view(), bv.view(), cf.view_mut().reversed_axes());
                assert!(
                    close(&cf.t().to_owned().into_dyn(), &want),
                    "{} gemm F {ia} {ib}",
                    B::NAME
                );
            }
            let x = b.column(0);
            let want = naive(
                &av.to_owned().into_dyn(),
                &x.to_owned().insert_axis(Axis(1)).into_dyn(),
            );
            for xv in [x, b.slice(s![..;-1, 3]), bcol.view()] {
                let want = if xv == x {
                    want.clone()
                } else {
                    naive(
                        &av.to_owned().into_dyn(),
                        &xv.to_owned().insert_axis(Axis(1)).into_dyn(),
                    )
                };
                let mut y = Array1::from_elem(av.nrows(), f64::NAN);
                B::gemv(av.view(), xv, y.view_mut());
                let mut ys = Array2::from_elem((av.nrows(), 2), f64::NAN);
                B::gemv(av.view(), xv, ys.column_mut(1));
                let want = want.into_shape_with_order(IxDyn(&[av.nrows()])).unwrap();
                assert!(close(&y.into_dyn(), &want), "{} gemv {ia}", B::NAME);
                assert!(
                    close(&ys.column(1).to_owned().into_dyn(), &want),
                    "{} gemv strided y {ia}",
                    B::NAME
                );
            }
        }
        let u = fmat(1, 1000, 4).into_shape_with_order(1000).unwrap();
        let v = fmat(1, 1000, 5).into_shape_with_order(1000).unwrap();
        let want: f64 = u.iter().zip(&v).map(|(p, q)| p * q).sum();
        for (uu, vv) in [
            (u.view(), v.view()),
            (u.slice(s![..;-1]), v.slice(s![..;-1])),
            (u.slice(s![..;2]), v.slice(s![1..;2])),
        ] {
            let w: f64 = uu.iter().zip(&vv).map(|(p, q)| p * q).sum();
            let got = B::dot(uu, vv);
            assert!((got - w).abs() <= 1e-9 * (1.0 + w.abs()), "{} dot", B::NAME);
        }
        assert!((B::dot(u.view(), v.view()) - want).abs() < 1e-9 * want.abs().max(1.0));
        assert_eq!(B::dot(u.slice(s![..0]), v.slice(s![..0])), 0.0);
        // empty shapes
        let mut c = Array2::<f64>::from_elem((3, 2), f64::NAN);
        B::gemm(
            Array2::zeros((3, 0)).view(),
            Array2::zeros((0, 2)).view(),
            c.view_mut(),
        );
        assert!(c.iter().all(|&v| v == 0.0));
        let mut y = Array1::<f64>::from_elem(3, f64::NAN);
        B::gemv(
            Array2::zeros((3, 0)).view(),
            Array1::zeros(0).view(),
            y.view_mut(),
        );
        assert!(y.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn faer_backend_handles_any_strides() {
        check_backend::<Faer>();
    }

    #[cfg(feature = "openblas")]
    #[test]
    fn openblas_backend_handles_any_strides() {
        check_backend::<OpenBlas>();
        // inside rayon it runs single-threaded: the same result up to rounding
        let a = fmat(300, 200, 5);
        let b = fmat(200, 250, 6);
        let mut c1 = ndarray::Array2::zeros((300, 250));
        OpenBlas::gemm(a.view(), b.view(), c1.view_mut());
        let mut c2 = ndarray::Array2::zeros((300, 250));
        rayon::scope(|_| OpenBlas::gemm(a.view(), b.view(), c2.view_mut()));
        // OpenBLAS may round differently on 1 and on several threads (measured: this
        // 300×200×250 product differs in the last bits; 64³, 1000³ and GEMV do not)
        assert!(close(&c1.into_dyn(), &c2.into_dyn()));
    }

    /// Where faer's rayon split starts to pay (prints a table; run with
    /// `cargo test --release par_threshold -- --ignored --nocapture` on an idle machine).
    #[test]
    #[ignore]
    fn par_threshold() {
        use std::time::Instant;
        let time = |f: &mut dyn FnMut()| {
            f();
            let reps = 20;
            let t = Instant::now();
            for _ in 0..reps {
                f();
            }
            t.elapsed().as_secs_f64() / reps as f64
        };
        for n in [32usize, 64, 96, 128, 192, 256, 500, 1000, 2000, 4000, 10000] {
            let a = fmat(n, n, 1);
            let nb = if n <= 2000 { n } else { 1 }; // GEMM only up to 2000
            let b = fmat(n, nb, 2);
            let mut c = ndarray::Array2::zeros((n, nb));
            let mut row = Vec::new();
            for par in [faer::Par::Seq, faer::Par::rayon(0)] {
                row.push(time(&mut || {
                    faer::linalg::matmul::matmul(
                        faer_mut(&mut c.view_mut()),
                        faer::Accum::Replace,
                        faer_ref(&a.view()),
                        faer_ref(&b.view()),
                        1.0,
                        par,
                    )
                }));
            }
            // GEMV: Faer::gemv (row blocks above PAR_FLOPS) on 1 thread and on the pool
            let x = b.column(0);
            let mut y = ndarray::Array1::zeros(n);
            let one = rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .unwrap();
            row.push(one.install(|| time(&mut || Faer::gemv(a.view(), x, y.view_mut()))));
            row.push(time(&mut || Faer::gemv(a.view(), x, y.view_mut())));
            println!(
                "n={n:5} gemm seq {:.3e} par {:.3e} ({:.2}x)   gemv seq {:.3e} par {:.3e} ({:.2}x)",
                row[0],
                row[1],
                row[0] / row[1],
                row[2],
                row[3],
                row[2] / row[3]
            );
        }
    }
}
