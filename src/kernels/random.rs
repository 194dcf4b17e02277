//! The session's random generator: xoshiro256++ seeded through SplitMix64. Random draws are
//! effects, so they happen in program order and a seed gives the same numbers on every run
//! and thread count (spec 8.1).

/// One seeded stream.
#[derive(Clone, Debug)]
pub struct Generator {
    seed: u64,
    state: [u64; 4],
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
        Generator { seed, state }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_numbers() {
        let mut a = Generator::from_seed(42);
        let mut b = Generator::from_seed(42);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        let u = Generator::from_seed(7).next_f64();
        assert!((0.0..1.0).contains(&u));
    }
}
