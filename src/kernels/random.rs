//! The session's random generator: xoshiro256++ seeded through SplitMix64. Random draws are
//! effects, so they happen in program order and a seed gives the same numbers on every run
//! and thread count (spec 8.1).
//!
//! On top of the raw stream: unbiased integer ranges (Lemire), normals (Marsaglia's polar
//! method, both outputs used), gamma (Marsaglia–Tsang), binomial (geometric inversion /
//! Hörmann's BTRS), Poisson (Knuth / Hörmann's PTRS), and the C++ `<random>` family of
//! distributions in [`Dist`], with `<random>`'s parametrisations (Phylanx uses them).

/// One seeded stream.
#[derive(Clone, Debug)]
pub struct Generator {
    seed: u64,
    state: [u64; 4],
    /// The second normal of the last polar-method pair, not yet handed out.
    spare_normal: Option<f64>,
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(GOLDEN);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Generator {
    pub fn from_seed(seed: u64) -> Generator {
        let mut x = seed;
        let state = [
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
        ];
        Generator {
            seed,
            state,
            spare_normal: None,
        }
    }

    /// A seed from the operating system (the clock and the process id, mixed), used when the
    /// program sets none; `seed()` reports it so a run can be repeated.
    pub fn from_os() -> Generator {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let mut x = nanos ^ (u64::from(std::process::id()) << 32);
        Generator::from_seed(splitmix64(&mut x) >> 1)
    }

    /// A new, independent generator seeded from this one's next output: how concurrently
    /// running parts of a program (parallel_block statements, parallel_map calls) get their
    /// own streams, split off in program order so draws never depend on the thread count.
    pub fn split(&mut self) -> Generator {
        Generator::from_seed(self.next_u64())
    }

    /// The seed in use.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.state;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform in the open interval (0, 1) (safe to take the logarithm of).
    pub fn next_f64_open(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform in `0..n` without bias (Lemire's multiply-and-reject); `n` must be > 0.
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
            }
        }
        (m >> 64) as u64
    }

    /// Uniform in `[low, high]`, inclusive (like `std::uniform_int_distribution`); `low <= high`.
    pub fn range_i64(&mut self, low: i64, high: i64) -> i64 {
        let span = (high as u64).wrapping_sub(low as u64).wrapping_add(1);
        if span == 0 {
            self.next_u64() as i64 // the whole int64 range
        } else {
            low.wrapping_add(self.below(span) as i64)
        }
    }

    /// Standard normal (Marsaglia's polar method; the second value of each pair is kept for
    /// the next call).
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        loop {
            let u = 2.0 * self.next_f64() - 1.0;
            let v = 2.0 * self.next_f64() - 1.0;
            let s = u * u + v * v;
            if s < 1.0 && s > 0.0 {
                let f = (-2.0 * s.ln() / s).sqrt();
                self.spare_normal = Some(v * f);
                return u * f;
            }
        }
    }

    /// Standard exponential (rate 1).
    pub fn exponential(&mut self) -> f64 {
        -self.next_f64_open().ln()
    }

    /// Gamma with shape `alpha` > 0 and scale 1 (Marsaglia–Tsang; alpha < 1 by boosting).
    pub fn gamma(&mut self, alpha: f64) -> f64 {
        if alpha < 1.0 {
            let boost = self.next_f64_open().powf(1.0 / alpha);
            return self.gamma(alpha + 1.0) * boost;
        }
        let d = alpha - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.next_f64_open();
            let x2 = x * x;
            if u < 1.0 - 0.0331 * x2 * x2 || u.ln() < 0.5 * x2 + d * (1.0 - v + v.ln()) {
                return d * v;
            }
        }
    }

    /// Poisson with the given mean (>= 0): Knuth's product method for small means, Hörmann's
    /// PTRS transformed rejection otherwise, a normal approximation beyond 1e15.
    pub fn poisson(&mut self, mean: f64) -> f64 {
        if mean <= 0.0 {
            return 0.0;
        }
        if mean < 10.0 {
            let limit = (-mean).exp();
            let (mut k, mut p) = (0.0, self.next_f64());
            while p > limit {
                k += 1.0;
                p *= self.next_f64();
            }
            return k;
        }
        if mean > 1e15 {
            return (mean + mean.sqrt() * self.normal()).round().max(0.0);
        }
        let log_mean = mean.ln();
        let b = 0.931 + 2.53 * mean.sqrt();
        let a = -0.059 + 0.02483 * b;
        let inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
        let v_r = 0.9277 - 3.6224 / (b - 2.0);
        loop {
            let u = self.next_f64() - 0.5;
            let v = self.next_f64_open();
            let us = 0.5 - u.abs();
            let k = ((2.0 * a / us + b) * u + mean + 0.43).floor();
            if us >= 0.07 && v <= v_r {
                return k;
            }
            if k < 0.0 || (us < 0.013 && v > us) {
                continue;
            }
            if v.ln() + inv_alpha.ln() - (a / (us * us) + b).ln()
                <= -mean + k * log_mean - ln_factorial(k)
            {
                return k;
            }
        }
    }

    /// Binomial: successes in `n` trials of probability `p` (0 <= p <= 1, n >= 0).
    pub fn binomial(&mut self, n: f64, p: f64) -> f64 {
        if n <= 0.0 || p <= 0.0 {
            return 0.0;
        }
        if p >= 1.0 {
            return n;
        }
        if p > 0.5 {
            return n - self.binomial(n, 1.0 - p);
        }
        if n * p < 10.0 {
            // count the geometric waiting times that fit into n trials
            let log_q = (-p).ln_1p();
            let (mut count, mut sum) = (0.0, 0.0);
            loop {
                sum += (self.next_f64_open().ln() / log_q).ceil();
                if sum > n {
                    return count;
                }
                count += 1.0;
            }
        }
        self.btrs(n, p)
    }

    /// Hörmann's BTRS for n·p >= 10, p <= 0.5.
    fn btrs(&mut self, n: f64, p: f64) -> f64 {
        let q = 1.0 - p;
        let spq = (n * p * q).sqrt();
        let b = 1.15 + 2.53 * spq;
        let a = -0.0873 + 0.0248 * b + 0.01 * p;
        let c = n * p + 0.5;
        let v_r = 0.92 - 4.2 / b;
        let r = p / q;
        let alpha = (2.83 + 5.1 / b) * spq;
        let m = ((n + 1.0) * p).floor();
        loop {
            let u = self.next_f64() - 0.5;
            let v = self.next_f64_open();
            let us = 0.5 - u.abs();
            let k = ((2.0 * a / us + b) * u + c).floor();
            if us >= 0.07 && v <= v_r {
                return k;
            }
            if k < 0.0 || k > n {
                continue;
            }
            let v = (v * alpha / (a / (us * us) + b)).ln();
            let bound = (m + 0.5) * ((m + 1.0) / (r * (n - m + 1.0))).ln()
                + (n + 1.0) * ((n - m + 1.0) / (n - k + 1.0)).ln()
                + (k + 0.5) * (r * (n - k + 1.0) / (k + 1.0)).ln()
                + stirling_tail(m)
                + stirling_tail(n - m)
                - stirling_tail(k)
                - stirling_tail(n - k);
            if v <= bound {
                return k;
            }
        }
    }

    /// Failures before the first success, success probability `p` in (0, 1].
    pub fn geometric(&mut self, p: f64) -> f64 {
        if p >= 1.0 {
            return 0.0;
        }
        (self.next_f64_open().ln() / (-p).ln_1p()).floor()
    }
}

/// ln(k!) for integral k >= 0.
fn ln_factorial(k: f64) -> f64 {
    if k < 20.0 {
        let mut f = 1.0f64;
        let mut i = 2.0;
        while i <= k {
            f *= i;
            i += 1.0;
        }
        return f.ln();
    }
    let x = k + 1.0;
    let x2 = x * x;
    (x - 0.5) * x.ln() - x
        + 0.5 * (2.0 * std::f64::consts::PI).ln()
        + (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / (1260.0 * x2)) / x2) / x
}

/// ln(k!) - [(k + 1/2) ln(k + 1) - (k + 1) + ln(2π)/2], the Stirling remainder.
fn stirling_tail(k: f64) -> f64 {
    const TAIL: [f64; 10] = [
        0.081_061_466_795_327_2,
        0.041_340_695_955_409_2,
        0.027_677_925_684_998_3,
        0.020_790_672_103_765_09,
        0.016_644_691_189_821_1,
        0.013_876_128_823_070_7,
        0.011_896_709_945_891_7,
        0.010_411_265_261_972_0,
        0.009_255_462_182_712_73,
        0.008_330_563_433_362_87,
    ];
    if k <= 9.0 {
        return TAIL[k.max(0.0) as usize];
    }
    let kp1sq = (k + 1.0) * (k + 1.0);
    (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / 1260.0 / kp1sq) / kp1sq) / (k + 1.0)
}

/// A distribution of `random(size, dist)`, parameters already checked. Names and
/// parametrisations are those of C++ `<random>` (and Phylanx's truncated normal).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dist {
    /// Inclusive `[low, high]`.
    UniformInt {
        low: i64,
        high: i64,
    },
    /// `[low, high)`.
    Uniform {
        low: f64,
        high: f64,
    },
    Bernoulli {
        p: f64,
    },
    Binomial {
        n: i64,
        p: f64,
    },
    /// Failures before the `k`-th success.
    NegativeBinomial {
        k: i64,
        p: f64,
    },
    Geometric {
        p: f64,
    },
    Poisson {
        mean: f64,
    },
    /// Rate `lambda` (mean 1/lambda).
    Exponential {
        lambda: f64,
    },
    /// Shape `alpha`, scale `beta`.
    Gamma {
        alpha: f64,
        beta: f64,
    },
    /// Shape `a`, scale `b`.
    Weibull {
        a: f64,
        b: f64,
    },
    /// Gumbel (maximum): location `a`, scale `b`.
    ExtremeValue {
        a: f64,
        b: f64,
    },
    Normal {
        mean: f64,
        std: f64,
    },
    /// Normal redrawn until within two standard deviations of the mean.
    TruncatedNormal {
        mean: f64,
        std: f64,
    },
    /// exp of normal(m, s).
    Lognormal {
        m: f64,
        s: f64,
    },
    ChiSquared {
        n: f64,
    },
    /// Location `a`, scale `b`.
    Cauchy {
        a: f64,
        b: f64,
    },
    FisherF {
        m: f64,
        n: f64,
    },
    StudentT {
        n: f64,
    },
}

/// The distribution names, in catalog order.
pub const DIST_NAMES: [&str; 18] = [
    "uniform_int",
    "uniform",
    "bernoulli",
    "binomial",
    "negative_binomial",
    "geometric",
    "poisson",
    "exponential",
    "gamma",
    "weibull",
    "extreme_value",
    "normal",
    "truncated_normal",
    "lognormal",
    "chi_squared",
    "cauchy",
    "fisher_f",
    "student_t",
];

impl Dist {
    pub const STANDARD_NORMAL: Dist = Dist::Normal {
        mean: 0.0,
        std: 1.0,
    };

    /// Integer-valued distributions give int64 arrays.
    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            Dist::UniformInt { .. }
                | Dist::Bernoulli { .. }
                | Dist::Binomial { .. }
                | Dist::NegativeBinomial { .. }
                | Dist::Geometric { .. }
                | Dist::Poisson { .. }
        )
    }

    /// One draw of an integer distribution (others are truncated, saturating).
    pub fn sample_i64(&self, g: &mut Generator) -> i64 {
        match *self {
            Dist::UniformInt { low, high } => g.range_i64(low, high),
            Dist::Bernoulli { p } => i64::from(g.next_f64() < p),
            Dist::Binomial { n, p } => g.binomial(n as f64, p) as i64,
            Dist::NegativeBinomial { k, p } => {
                if p >= 1.0 {
                    0
                } else {
                    let mean = g.gamma(k as f64) * (1.0 - p) / p;
                    g.poisson(mean) as i64
                }
            }
            Dist::Geometric { p } => g.geometric(p) as i64,
            Dist::Poisson { mean } => g.poisson(mean) as i64,
            _ => self.sample_f64(g) as i64,
        }
    }

    /// One draw of a real distribution (integer ones are converted).
    pub fn sample_f64(&self, g: &mut Generator) -> f64 {
        match *self {
            Dist::Uniform { low, high } => {
                if low >= high {
                    return low;
                }
                loop {
                    let x = low + (high - low) * g.next_f64();
                    if x < high {
                        return x;
                    }
                }
            }
            Dist::Exponential { lambda } => g.exponential() / lambda,
            Dist::Gamma { alpha, beta } => g.gamma(alpha) * beta,
            Dist::Weibull { a, b } => b * g.exponential().powf(1.0 / a),
            Dist::ExtremeValue { a, b } => a - b * g.exponential().ln(),
            Dist::Normal { mean, std } => mean + std * g.normal(),
            Dist::TruncatedNormal { mean, std } => loop {
                let z = g.normal();
                if z.abs() <= 2.0 {
                    return mean + std * z;
                }
            },
            Dist::Lognormal { m, s } => (m + s * g.normal()).exp(),
            Dist::ChiSquared { n } => 2.0 * g.gamma(0.5 * n),
            Dist::Cauchy { a, b } => {
                a + b * (std::f64::consts::PI * (g.next_f64_open() - 0.5)).tan()
            }
            Dist::FisherF { m, n } => (g.gamma(0.5 * m) / m) / (g.gamma(0.5 * n) / n),
            Dist::StudentT { n } => g.normal() / (2.0 * g.gamma(0.5 * n) / n).sqrt(),
            _ => self.sample_i64(g) as f64,
        }
    }

    /// Appends `count` draws to `out`.
    pub fn fill_f64(&self, g: &mut Generator, count: usize, out: &mut Vec<f64>) {
        out.extend((0..count).map(|_| self.sample_f64(g)));
    }

    /// Appends `count` draws to `out`.
    pub fn fill_i64(&self, g: &mut Generator, count: usize, out: &mut Vec<i64>) {
        out.extend((0..count).map(|_| self.sample_i64(g)));
    }
}

/// A uniformly random permutation of `0..n` (Fisher–Yates).
pub fn permutation(g: &mut Generator, n: usize) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    shuffle_slice(g, &mut p);
    p
}

/// Shuffles a slice in place (Fisher–Yates).
pub fn shuffle_slice<T>(g: &mut Generator, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = g.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

// ---------------------------------------------------------------------------------------------
// Counter-based SplitMix64 (the benchmark data generator of ../shared/bench/README.md)

/// The finaliser of SplitMix64.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Element `i` of the stream with `seed`: the (i+1)-th output of the sequential splitmix64
/// started at `state = seed`, computed from the counter alone so any element (and any chunk)
/// can be made independently.
pub fn splitmix64_at(seed: u64, i: u64) -> u64 {
    mix64(seed.wrapping_add(i.wrapping_add(1).wrapping_mul(GOLDEN)))
}

/// What a SplitMix64 stream is turned into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spread {
    /// The top 53 bits times 2^-53: exact doubles in [0, 1).
    Uniform,
    /// `2u - 1`: exact doubles in [-1, 1) (both steps are exact).
    Symmetric,
}

/// Elements per parallel chunk; every element is independent, so the split only affects speed.
const SPLITMIX_CHUNK: usize = 1 << 16;

/// Fills `out` with elements `0..out.len()` of the stream, in parallel for long outputs.
pub fn splitmix64_fill(seed: u64, spread: Spread, out: &mut [f64]) {
    let fill = |start: usize, chunk: &mut [f64]| {
        for (k, o) in chunk.iter_mut().enumerate() {
            let u = (splitmix64_at(seed, (start + k) as u64) >> 11) as f64
                * (1.0 / 9_007_199_254_740_992.0);
            *o = match spread {
                Spread::Uniform => u,
                Spread::Symmetric => 2.0 * u - 1.0,
            };
        }
    };
    if out.len() > SPLITMIX_CHUNK {
        use rayon::prelude::*;
        out.par_chunks_mut(SPLITMIX_CHUNK)
            .enumerate()
            .for_each(|(c, chunk)| fill(c * SPLITMIX_CHUNK, chunk));
    } else {
        fill(0, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: usize = 100_000;

    #[test]
    fn same_seed_same_numbers() {
        let mut a = Generator::from_seed(42);
        let mut b = Generator::from_seed(42);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
            assert_eq!(a.normal(), b.normal());
        }
        let u = Generator::from_seed(7).next_f64();
        assert!((0.0..1.0).contains(&u));
    }

    /// Draws N values; checks the range, the mean within 6 standard errors and the variance
    /// within the relative tolerance `var_tol`.
    fn check(dist: Dist, range: (f64, f64), mean: f64, var: f64, var_tol: f64) {
        let xs = draws(dist, 12345);
        for &x in &xs {
            assert!(
                x >= range.0 && x <= range.1,
                "{dist:?}: {x} outside {range:?}"
            );
        }
        let m = xs.iter().sum::<f64>() / N as f64;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / N as f64;
        let se = (var / N as f64).sqrt();
        assert!(
            (m - mean).abs() <= 6.0 * se,
            "{dist:?}: mean {m}, expected {mean}"
        );
        assert!(
            (v - var).abs() <= var_tol * var,
            "{dist:?}: variance {v}, expected {var}"
        );
    }

    fn draws(dist: Dist, seed: u64) -> Vec<f64> {
        let mut g = Generator::from_seed(seed);
        let mut xs = Vec::new();
        if dist.is_integer() {
            let mut v = Vec::new();
            dist.fill_i64(&mut g, N, &mut v);
            xs.extend(v.into_iter().map(|i| i as f64));
        } else {
            dist.fill_f64(&mut g, N, &mut xs);
        }
        xs
    }

    /// Pearson's chi-squared of integer draws against a pmf, over the cells expecting >= 20;
    /// asserts it is below dof + 6·sqrt(2·dof).
    fn goodness_of_fit(dist: Dist, pmf: impl Fn(f64) -> f64) {
        let xs = draws(dist, 777);
        let (mut stat, mut dof) = (0.0, 0usize);
        for k in 0..2000 {
            let expected = pmf(k as f64) * N as f64;
            if expected >= 20.0 {
                let seen = xs.iter().filter(|&&x| x == k as f64).count() as f64;
                stat += (seen - expected) * (seen - expected) / expected;
                dof += 1;
            }
        }
        let bound = dof as f64 + 6.0 * (2.0 * dof as f64).sqrt();
        assert!(
            dof > 5 && stat < bound,
            "{dist:?}: chi2 {stat} over {dof} cells"
        );
    }

    #[test]
    fn discrete_pmfs_fit() {
        let ln_choose = |n: f64, k: f64| ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k);
        goodness_of_fit(Dist::Binomial { n: 100, p: 0.4 }, |k| {
            (ln_choose(100.0, k) + k * 0.4f64.ln() + (100.0 - k) * 0.6f64.ln()).exp()
        });
        goodness_of_fit(Dist::Binomial { n: 20, p: 0.2 }, |k| {
            if k > 20.0 {
                return 0.0;
            }
            (ln_choose(20.0, k) + k * 0.2f64.ln() + (20.0 - k) * 0.8f64.ln()).exp()
        });
        for mean in [3.0f64, 30.0, 400.0] {
            goodness_of_fit(Dist::Poisson { mean }, |k| {
                (-mean + k * mean.ln() - ln_factorial(k)).exp()
            });
        }
    }

    #[test]
    fn integer_distributions() {
        let inf = f64::INFINITY;
        check(
            Dist::UniformInt { low: -3, high: 3 },
            (-3.0, 3.0),
            0.0,
            4.0,
            0.03,
        );
        check(Dist::Bernoulli { p: 0.3 }, (0.0, 1.0), 0.3, 0.21, 0.03);
        check(
            Dist::Binomial { n: 10, p: 0.3 },
            (0.0, 10.0),
            3.0,
            2.1,
            0.03,
        );
        check(
            Dist::Binomial { n: 1000, p: 0.3 },
            (0.0, 1000.0),
            300.0,
            210.0,
            0.03,
        );
        check(
            Dist::Binomial { n: 1000, p: 0.9 },
            (0.0, 1000.0),
            900.0,
            90.0,
            0.03,
        );
        check(
            Dist::NegativeBinomial { k: 3, p: 0.4 },
            (0.0, inf),
            4.5,
            11.25,
            0.06,
        );
        check(Dist::Geometric { p: 0.25 }, (0.0, inf), 3.0, 12.0, 0.05);
        check(Dist::Poisson { mean: 4.0 }, (0.0, inf), 4.0, 4.0, 0.03);
        check(
            Dist::Poisson { mean: 250.0 },
            (0.0, inf),
            250.0,
            250.0,
            0.03,
        );
    }

    #[test]
    fn real_distributions() {
        let inf = f64::INFINITY;
        check(
            Dist::Uniform {
                low: 2.0,
                high: 5.0,
            },
            (2.0, 5.0 - 1e-12),
            3.5,
            0.75,
            0.02,
        );
        check(Dist::STANDARD_NORMAL, (-inf, inf), 0.0, 1.0, 0.03);
        check(
            Dist::Normal {
                mean: 5.0,
                std: 2.0,
            },
            (-inf, inf),
            5.0,
            4.0,
            0.03,
        );
        // truncated at two sigma: variance 1 - 2·2φ(2)/(2Φ(2) - 1) = 0.773741
        check(
            Dist::TruncatedNormal {
                mean: 1.0,
                std: 1.0,
            },
            (-1.0, 3.0),
            1.0,
            0.773_741,
            0.02,
        );
        check(
            Dist::Exponential { lambda: 2.0 },
            (0.0, inf),
            0.5,
            0.25,
            0.05,
        );
        check(
            Dist::Gamma {
                alpha: 2.5,
                beta: 2.0,
            },
            (0.0, inf),
            5.0,
            10.0,
            0.05,
        );
        check(
            Dist::Gamma {
                alpha: 0.5,
                beta: 1.0,
            },
            (0.0, inf),
            0.5,
            0.5,
            0.06,
        );
        // Weibull(2, 1): mean Γ(1.5) = 0.886227, variance 1 - Γ(1.5)² = 0.214602
        check(
            Dist::Weibull { a: 2.0, b: 1.0 },
            (0.0, inf),
            0.886_227,
            0.214_602,
            0.03,
        );
        // Gumbel(1, 2): mean a + bγ, variance π²b²/6
        let pi2 = std::f64::consts::PI * std::f64::consts::PI;
        check(
            Dist::ExtremeValue { a: 1.0, b: 2.0 },
            (-inf, inf),
            1.0 + 2.0 * 0.577_215_664_9,
            pi2 * 4.0 / 6.0,
            0.04,
        );
        // lognormal(0, 0.5): mean e^(1/8), variance (e^(1/4) - 1)e^(1/4)
        let (e8, e4) = (0.125f64.exp(), 0.25f64.exp());
        check(
            Dist::Lognormal { m: 0.0, s: 0.5 },
            (0.0, inf),
            e8,
            (e4 - 1.0) * e4,
            0.05,
        );
        check(Dist::ChiSquared { n: 3.0 }, (0.0, inf), 3.0, 6.0, 0.05);
        check(
            Dist::FisherF { m: 5.0, n: 10.0 },
            (0.0, inf),
            1.25,
            1.354_166_7,
            0.15,
        );
        check(Dist::StudentT { n: 5.0 }, (-inf, inf), 0.0, 5.0 / 3.0, 0.1);
    }

    #[test]
    fn cauchy_median_and_quartiles() {
        let mut g = Generator::from_seed(3);
        let d = Dist::Cauchy { a: 1.0, b: 2.0 };
        let mut xs: Vec<f64> = (0..N).map(|_| d.sample_f64(&mut g)).collect();
        xs.sort_by(f64::total_cmp);
        assert!((xs[N / 2] - 1.0).abs() < 0.05);
        assert!((xs[N / 4] + 1.0).abs() < 0.1); // quartiles at a ± b
        assert!((xs[3 * N / 4] - 3.0).abs() < 0.1);
    }

    #[test]
    fn integer_ranges_are_unbiased_and_inclusive() {
        let mut g = Generator::from_seed(9);
        let mut counts = [0usize; 6];
        for _ in 0..60_000 {
            counts[(g.range_i64(1, 6) - 1) as usize] += 1;
        }
        for c in counts {
            assert!((9_400..10_600).contains(&c), "{counts:?}");
        }
        let _ = g.range_i64(i64::MIN, i64::MAX); // full range: no overflow
        assert_eq!(g.range_i64(5, 5), 5);
    }

    #[test]
    fn permutation_is_a_permutation() {
        let mut g = Generator::from_seed(1);
        let mut p = permutation(&mut g, 50);
        assert_ne!(p, (0..50).collect::<Vec<_>>());
        p.sort_unstable();
        assert_eq!(p, (0..50).collect::<Vec<_>>());
        assert!(permutation(&mut g, 0).is_empty());
    }

    #[test]
    fn helpers() {
        assert!((ln_factorial(5.0) - 120f64.ln()).abs() < 1e-12);
        let ln25: f64 = (1..=25).map(|i| (i as f64).ln()).sum();
        assert!((ln_factorial(25.0) - ln25).abs() < 1e-10);
        let tail12 = ln_factorial(12.0)
            - (12.5 * 13f64.ln() - 13.0 + 0.5 * (2.0 * std::f64::consts::PI).ln());
        assert!((stirling_tail(12.0) - tail12).abs() < 1e-9);
    }

    #[test]
    fn splitmix64_test_vectors() {
        // ../shared/bench/README.md, "Test vectors"
        let s1: Vec<u64> = (0..5).map(|i| splitmix64_at(1, i)).collect();
        assert_eq!(
            s1,
            [
                0x910a2dec89025cc1,
                0xbeeb8da1658eec67,
                0xf893a2eefb32555e,
                0x71c18690ee42c90b,
                0x71bb54d8d101b5b9
            ]
        );
        assert_eq!(splitmix64_at(0, 0), 0xe220a8397b1dcdaf);
        assert_eq!(splitmix64_at(0, 1), 0x6e789e6aa1b965f4);
        // the sequential generator gives the same stream
        let mut x = 1u64;
        assert!(s1.iter().all(|&v| v == splitmix64(&mut x)));
        let mut u = [0.0; 3];
        splitmix64_fill(1, Spread::Uniform, &mut u);
        // 0x1.22145bd91204bp-1 0x1.7dd71b42cb1ddp-1 0x1.f12745ddf664ap-1
        let bits = |m: u64, e: i32| f64::from_bits(((1023 + e) as u64) << 52 | m);
        assert_eq!(
            u,
            [
                bits(0x22145bd91204b, -1),
                bits(0x7dd71b42cb1dd, -1),
                bits(0xf12745ddf664a, -1)
            ]
        );
        let mut s = [0.0; 3];
        splitmix64_fill(1, Spread::Symmetric, &mut s);
        assert_eq!(
            s,
            [0.1331231503445618, 0.49156351452540226, 0.9420055071735924]
        );
        assert_eq!(s[0], bits(0x10a2dec890258, -3));
    }

    #[test]
    fn splitmix64_chunks_do_not_change_the_stream() {
        let n = 3 * SPLITMIX_CHUNK + 17;
        let mut par = vec![0.0; n];
        splitmix64_fill(7, Spread::Symmetric, &mut par);
        for i in [
            0,
            SPLITMIX_CHUNK - 1,
            SPLITMIX_CHUNK,
            2 * SPLITMIX_CHUNK + 5,
            n - 1,
        ] {
            let expect = 2.0 * ((splitmix64_at(7, i as u64) >> 11) as f64 * 2f64.powi(-53)) - 1.0;
            assert_eq!(par[i].to_bits(), expect.to_bits(), "element {i}");
        }
    }
}
