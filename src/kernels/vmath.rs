//! Vectorisable math on f64: `exp` without a libm call per element, so that slice loops
//! compile to SIMD code.
//!
//! The algorithm is fdlibm's `e_exp.c` (error < 1 ulp) made branch-free: the reduction
//! `x = k ln2 + r` rounds with the 1.5·2^52 trick instead of a conversion to int, the scale
//! `2^k` is applied as two exact powers of two (so results near overflow and subnormal results
//! are rounded once, with no special path), and NaN / overflow / underflow are selects at the
//! end. Every step is a plain IEEE operation (no FMA, no table), so the result is the same
//! bits whichever instruction set runs it: the AVX2 copy of the slice loop chosen at run time
//! and the portable one agree exactly, and the scalar [`exp`] agrees with both.
//!
//! Derived from FreeBSD msun e_exp.c. Copyright (C) 2004 by Sun Microsystems, Inc. All rights
//! reserved. Permission to use, copy, modify, and distribute this software is freely granted,
//! provided that this notice is preserved.

#![allow(clippy::excessive_precision)]

const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const INV_LN2: f64 = std::f64::consts::LOG2_E; // fdlibm's invln2, the same double
const P1: f64 = 1.66666666666666019037e-01;
const P2: f64 = -2.77777777770155933842e-03;
const P3: f64 = 6.61375632143793436117e-05;
const P4: f64 = -1.65339022054652515390e-06;
const P5: f64 = 4.13813679705723846039e-08;
/// Above this, exp overflows to inf.
const O_THRESHOLD: f64 = 7.09782712893383973096e+02;
/// Below this, exp underflows to 0.
const U_THRESHOLD: f64 = -7.45133219101941108420e+02;
/// Adding it rounds a double of magnitude < 2^51 to an integer (round to nearest even).
const ROUND: f64 = 6755399441055744.0; // 1.5 * 2^52
const TWO52: f64 = 4503599627370496.0;

/// `2^n` for an integer-valued `n` in [-1022, 1023], from the bits of `n + 1023 + 2^52`.
#[inline(always)]
fn pow2(n: f64) -> f64 {
    f64::from_bits((n + (1023.0 + TWO52)).to_bits() << 52)
}

/// e^x, within 1 ulp of the correctly rounded result; exact IEEE special cases (NaN → NaN,
/// +inf → +inf, -inf → 0, overflow → inf, underflow → 0, subnormal results rounded once).
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    // clamped so that k stays in [-1077, 1025]; a NaN stays NaN through the arithmetic
    // (no integer conversion, nothing to trap) and is selected at the end
    let xc = x.clamp(-746.0, 710.0);
    let kf = (xc * INV_LN2 + ROUND) - ROUND;
    let hi = xc - kf * LN2_HI; // exact: LN2_HI has 32 trailing zero bits
    let lo = kf * LN2_LO;
    let r = hi - lo;
    let rr = r * r;
    let c = r - rr * (P1 + rr * (P2 + rr * (P3 + rr * (P4 + rr * P5))));
    let y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
    // two factors, each a normal power of two: y * 2^k1 is exact, the second product rounds
    let k1 = (kf * 0.5).floor();
    let k2 = kf - k1;
    let v = y * pow2(k1) * pow2(k2);
    if x > O_THRESHOLD {
        f64::INFINITY
    } else if x < U_THRESHOLD {
        0.0
    } else if x.is_nan() {
        x + x
    } else {
        v
    }
}

/// `dst[i] = exp(src[i])`; `dst` and `src` have the same length.
pub fn exp_into(src: &[f64], dst: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU supports AVX-512F (checked just above).
        unsafe { exp_into_avx512(src, dst) };
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        unsafe { exp_into_avx2(src, dst) };
        return;
    }
    exp_into_portable(src, dst);
}

/// `x[i] = exp(x[i])`.
pub fn exp_in_place(x: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU supports AVX-512F (checked just above).
        unsafe { exp_in_place_avx512(x) };
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        unsafe { exp_in_place_avx2(x) };
        return;
    }
    x.iter_mut().for_each(|v| *v = exp(*v));
}

#[inline(always)]
fn exp_into_portable(src: &[f64], dst: &mut [f64]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = exp(s);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn exp_into_avx2(src: &[f64], dst: &mut [f64]) {
    exp_into_portable(src, dst)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn exp_in_place_avx2(x: &mut [f64]) {
    x.iter_mut().for_each(|v| *v = exp(*v));
}

/// Eight lanes (Zen 4/5, recent Intel): the same IEEE operations, so the same bits.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn exp_into_avx512(src: &[f64], dst: &mut [f64]) {
    exp_into_portable(src, dst)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn exp_in_place_avx512(x: &mut [f64]) {
    x.iter_mut().for_each(|v| *v = exp(*v));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two finite doubles of the same sign
    /// (or zero), counting through the subnormals.
    fn ulps(a: f64, b: f64) -> u64 {
        let key = |x: f64| {
            let b = x.to_bits() as i64;
            if b < 0 {
                i64::MIN - b
            } else {
                b
            }
        };
        key(a).abs_diff(key(b))
    }

    /// A double-double e^x for checking: x = k ln2 + r with ln2 in two parts and r in two
    /// parts, Taylor series of e^r summed in double-double, then scaled by 2^k exactly.
    fn exp_ref(x: f64) -> f64 {
        fn two_sum(a: f64, b: f64) -> (f64, f64) {
            let s = a + b;
            let bb = s - a;
            (s, (a - (s - bb)) + (b - bb))
        }
        fn two_prod(a: f64, b: f64) -> (f64, f64) {
            let p = a * b;
            (p, a.mul_add(b, -p))
        }
        fn dd_add(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
            let (s, e) = two_sum(a.0, b.0);
            let e = e + a.1 + b.1;
            two_sum(s, e)
        }
        fn dd_mul(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
            let (p, e) = two_prod(a.0, b.0);
            let e = e + a.0 * b.1 + a.1 * b.0;
            two_sum(p, e)
        }
        // ln 2 as a triple of doubles, enough for |k| <= 1100
        const L1: f64 = std::f64::consts::LN_2;
        const L2: f64 = 2.3190468138462996e-17;
        const L3: f64 = 5.707708438416212e-34;
        let k = (x / L1).round();
        // r = x - k*(L1+L2+L3) in double-double
        let (p1, e1) = two_prod(k, L1);
        let r = dd_add((x, 0.0), (-p1, -e1));
        let (p2, e2) = two_prod(k, L2);
        let r = dd_add(r, (-p2, -e2));
        let r = dd_add(r, (-k * L3, 0.0));
        // Taylor series in double-double; |r| <= 0.35, 30 terms are plenty
        let mut term = (1.0, 0.0);
        let mut sum = (1.0, 0.0);
        for n in 1..30 {
            term = dd_mul(term, r);
            let nf = n as f64;
            let q = term.0 / nf;
            let rem = (-q).mul_add(nf, term.0) + term.1;
            term = two_sum(q, rem / nf);
            sum = dd_add(sum, term);
        }
        // scale: 2^k in two exact steps, rounding once at the end
        let s = sum.0 + sum.1;
        let k1 = (k / 2.0).floor();
        let k2 = k - k1;
        s * 2f64.powi(k1 as i32) * 2f64.powi(k2 as i32)
    }

    #[test]
    fn special_values() {
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-0.0), 1.0);
        assert_eq!(exp(1e-300), 1.0);
        assert_eq!(exp(-1e-300), 1.0);
        assert_eq!(exp(5e-324), 1.0);
        assert_eq!(exp(709.79), f64::INFINITY);
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(1e300), f64::INFINITY);
        assert!(exp(709.78).is_finite());
        assert_eq!(exp(709.782712893384), 1.7976931348622732e308);
        assert_eq!(exp(-745.14), 0.0);
        assert_eq!(exp(-1e300), 0.0);
        // the smallest subnormal: exp(-745.13) rounds to it, as libm's does
        assert_eq!(exp(-745.13), 5e-324);
        assert_eq!(exp(-745.13), (-745.13f64).exp());
        // fdlibm's famous 1-ulp case (Java's StrictMath.exp(1) is the same 2.7182818284590455)
        assert!(ulps(exp(1.0), std::f64::consts::E) <= 1);
    }

    #[test]
    fn reference_agrees_with_libm() {
        // the checker itself: within 1 ulp of the platform's exp on a few points
        for x in [-700.5, -20.25, -1.0, -0.3, 0.1, 0.7, 3.0, 88.0, 700.0] {
            assert!(ulps(exp_ref(x), x.exp()) <= 1, "{x}");
        }
    }

    fn splitmix(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    #[test]
    fn within_one_ulp_on_random_points() {
        // uniform over the whole finite range of results, plus dense near 0 and the ends
        let mut s = 42u64;
        let mut worst = (0u64, 0.0);
        let mut worst_libm = 0u64;
        let n = if cfg!(debug_assertions) {
            200_000
        } else {
            2_000_000
        };
        for i in 0..n {
            let u = (splitmix(&mut s) >> 11) as f64 / 9007199254740992.0;
            let x = match i % 4 {
                0 => -745.0 + u * (709.7 + 745.0),
                1 => -1.0 + 2.0 * u,
                2 => -745.13 + u * 37.0, // subnormal results
                _ => (u - 0.5) * 1e-6,
            };
            let want = exp_ref(x);
            let d = ulps(exp(x), want);
            if d > worst.0 {
                worst = (d, x);
            }
            worst_libm = worst_libm.max(ulps(exp(x), x.exp()));
        }
        assert!(
            worst.0 <= 1,
            "max error {} ulp at x = {:e}",
            worst.0,
            worst.1
        );
        assert!(worst_libm <= 1, "differs from libm by {worst_libm} ulp");
    }

    #[test]
    fn slice_versions_match_scalar_bits() {
        let mut s = 7u64;
        let src: Vec<f64> = (0..10_001)
            .map(|i| {
                let u = (splitmix(&mut s) >> 11) as f64 / 9007199254740992.0;
                match i % 50 {
                    0 => f64::NAN,
                    1 => f64::INFINITY,
                    2 => f64::NEG_INFINITY,
                    3 => 709.9,
                    4 => -745.2,
                    _ => -800.0 + 1600.0 * u,
                }
            })
            .collect();
        let mut dst = vec![0.0; src.len()];
        exp_into(&src, &mut dst);
        let mut inplace = src.clone();
        exp_in_place(&mut inplace);
        let mut portable = vec![0.0; src.len()];
        exp_into_portable(&src, &mut portable);
        // every copy this CPU can run, not only the one exp_into picks
        let mut wide = Vec::new();
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                let mut d = vec![0.0; src.len()];
                let mut x = src.clone();
                // SAFETY: AVX2 is available (checked just above).
                unsafe { exp_into_avx2(&src, &mut d) };
                unsafe { exp_in_place_avx2(&mut x) };
                wide.extend([d, x]);
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                let mut d = vec![0.0; src.len()];
                let mut x = src.clone();
                // SAFETY: AVX-512F is available (checked just above).
                unsafe { exp_into_avx512(&src, &mut d) };
                unsafe { exp_in_place_avx512(&mut x) };
                wide.extend([d, x]);
            }
        }
        for i in 0..src.len() {
            let want = exp(src[i]);
            assert_eq!(dst[i].to_bits(), want.to_bits(), "exp({})", src[i]);
            assert_eq!(inplace[i].to_bits(), want.to_bits());
            assert_eq!(portable[i].to_bits(), want.to_bits());
            for w in &wide {
                assert_eq!(w[i].to_bits(), want.to_bits(), "exp({})", src[i]);
            }
        }
    }
}
