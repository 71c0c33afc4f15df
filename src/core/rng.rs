//! Seeded random streams that give the same bits on every target.
//!
//! The explorer promises that a link replays the same run everywhere, so randomness must not depend on
//! the platform, the word size or a library's version: `rand`'s `SmallRng` is a different generator on
//! 32-bit wasm than on 64-bit native, and its distributions may change between releases. This module is
//! the whole of the project's randomness: xoshiro256++ (rand's `Xoshiro256PlusPlus`, a fixed algorithm)
//! seeded through SplitMix64 here, integer-only arithmetic, and `libm` for the few transcendental
//! functions (rand's distributions would use the platform's maths).

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng as _, SeedableRng};

/// One SplitMix64 step: used to expand a seed into generator state and to derive independent streams.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The independent streams a run draws from; each is derived from the run's one seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Initial weights.
    Init = 1,
    /// Training batches.
    Data = 2,
    /// The fixed evaluation batch that ranks restarts.
    Eval = 3,
}

/// xoshiro256++ (rand's `Xoshiro256PlusPlus`): fast, 256 bits of state, and plain u64 arithmetic (native
/// on wasm32 too). Its state is set from the seed by SplitMix64, here, so the bits do not depend on how
/// a library chooses to expand a seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    inner: Xoshiro256PlusPlus,
}

impl Rng {
    /// The generator for one stream of one seed.
    pub fn new(seed: u64, stream: Stream) -> Rng {
        Rng::from_state(state(seed, stream))
    }

    /// The generator whose state words are `words` (as [`state`] gives them, or as a generator that
    /// runs several streams at once has advanced them): it continues that stream. `words` must not all
    /// be zero (no xoshiro stream reaches that state).
    pub fn from_state(words: [u64; 4]) -> Rng {
        debug_assert!(words != [0; 4]);
        let mut bytes = [0u8; 32];
        for (word, s) in bytes.chunks_exact_mut(8).zip(words) {
            word.copy_from_slice(&s.to_le_bytes());
        }
        Rng {
            inner: Xoshiro256PlusPlus::from_seed(bytes),
        }
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// Uniform in [0, 1) with 24 random bits: every value is exactly representable in f32.
    #[inline]
    pub fn uniform_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 * (1.0 / (1u64 << 24) as f32)
    }

    /// Uniform in (0, 1] with 53 random bits, safe to take the logarithm of.
    #[inline]
    pub fn uniform_open0_f64(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal by Box–Muller (one value per call; the sine half is discarded so the sequence
    /// does not depend on call parity).
    pub fn normal_f64(&mut self) -> f64 {
        let u1 = self.uniform_open0_f64();
        let u2 = self.uniform_open0_f64();
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * core::f64::consts::PI * u2)
    }

    /// Number of failures before the first success of a Bernoulli(p) sequence, given ln(1 − p) < 0.
    /// Used to skip absent features: the cost of a batch follows the present features, not n × batch.
    #[inline]
    pub fn geometric(&mut self, ln_1m_p: f64) -> u64 {
        if ln_1m_p.is_nan() || ln_1m_p >= 0.0 {
            return u64::MAX; // p = 0: never
        }
        let g = libm::floor(libm::log(self.uniform_open0_f64()) / ln_1m_p);
        if g >= u64::MAX as f64 {
            u64::MAX
        } else {
            g as u64
        }
    }
}

/// The xoshiro256++ state words of one stream of one seed, as [`Rng::new`] sets them (for generators
/// that run the same algorithm several streams at a time, `lockstep.rs`). An all-zero expansion (which
/// xoshiro cannot use) is replaced as `Xoshiro256PlusPlus::from_seed` replaces it.
pub fn state(seed: u64, stream: Stream) -> [u64; 4] {
    let mut sm = seed ^ (stream as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
    let words = [(); 4].map(|_| splitmix64(&mut sm));
    if words == [0; 4] {
        let mut zero = 0;
        return [(); 4].map(|_| splitmix64(&mut zero));
    }
    words
}

/// A fresh seed from the operating system or the browser, for the "new seed" action.
/// Seeds stay below 2^32 so a link and JavaScript carry them exactly.
pub fn fresh_seed() -> u32 {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        // No entropy source: fall back to a fixed but valid seed rather than failing the action.
        return 1;
    }
    u32::from_le_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_of_one_seed_differ_and_repeat() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7, Stream::Init);
                move |_| r.next_u64()
            })
            .collect();
        let mut again = Rng::new(7, Stream::Init);
        assert_eq!(a, (0..4).map(|_| again.next_u64()).collect::<Vec<_>>());
        let mut data = Rng::new(7, Stream::Data);
        assert_ne!(a[0], data.next_u64());
        let mut other_seed = Rng::new(8, Stream::Init);
        assert_ne!(a[0], other_seed.next_u64());
    }

    /// rand's generator is xoshiro256++ as its authors wrote it (xoshiro.di.unimi.it): the state our
    /// seeding gives produces the reference algorithm's outputs, so fingerprints cannot move under us.
    #[test]
    fn the_generator_is_the_reference_xoshiro256plusplus() {
        let mut sm = 42u64 ^ (Stream::Data as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut s = [0u64; 4].map(|_| splitmix64(&mut sm));
        let mut r = Rng::new(42, Stream::Data);
        for _ in 0..1000 {
            let want = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
            let t = s[1] << 17;
            s[2] ^= s[0];
            s[3] ^= s[1];
            s[1] ^= s[2];
            s[0] ^= s[3];
            s[2] ^= t;
            s[3] = s[3].rotate_left(45);
            assert_eq!(r.next_u64(), want);
        }
    }

    #[test]
    fn uniform_and_normal_have_the_right_moments() {
        let mut r = Rng::new(1, Stream::Data);
        let k = 200_000;
        let (mut su, mut sn, mut sn2) = (0.0f64, 0.0f64, 0.0f64);
        for _ in 0..k {
            let u = r.uniform_f32();
            assert!((0.0..1.0).contains(&u));
            su += u as f64;
            let z = r.normal_f64();
            sn += z;
            sn2 += z * z;
        }
        let k = k as f64;
        assert!((su / k - 0.5).abs() < 0.005);
        assert!((sn / k).abs() < 0.01);
        assert!((sn2 / k - 1.0).abs() < 0.02);
    }

    #[test]
    fn geometric_gaps_have_mean_one_over_p_minus_one() {
        let mut r = Rng::new(3, Stream::Data);
        for p in [0.5f64, 0.1, 0.01] {
            let ln = libm::log(1.0 - p);
            let k = 100_000;
            let mean = (0..k).map(|_| r.geometric(ln) as f64).sum::<f64>() / k as f64;
            let expected = (1.0 - p) / p;
            assert!(
                (mean - expected).abs() < 0.03 * expected + 0.01,
                "p={p}: {mean} vs {expected}"
            );
        }
    }
}
