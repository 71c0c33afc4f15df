//! The lockstep order's data draws (`lockstep.rs`): xoshiro256++ (rand's `Xoshiro256PlusPlus`, as
//! `rng.rs` seeds it) run for every lane at once, one 64-bit output per lane and feature. Its top 24
//! bits decide presence and bits 8 to 31 give the value, each an integer below 2²⁴ held exactly as an
//! f32. Integer operations are exact, so every width gives each lane the bits of its own stream.
//!
//! One generator ([`next_words`]) over vectors of 64-bit lanes ([`Words`]), each width giving only its
//! instructions: SSE2 and wasm's simd128 (two lanes a register), AVX2 (four) and AVX-512 (eight, with
//! a native rotate); plain `u64`s where there is no vector.

// The generator walks lanes and state words by index.
#![allow(clippy::needless_range_loop)]

#[cfg(not(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
)))]
use crate::core::vector::V4;
use crate::core::vector::{Vector, V1};

/// The most lanes of any width.
pub const MOST_LANES: usize = 16;

/// A vector type that also draws every lane's data at once: each call to `draw` gives every lane's
/// (presence, value) draws of the next feature, from one xoshiro256++ output per lane.
pub(crate) trait Draws: Vector {
    /// Every lane's generator state.
    type State: Copy;
    /// Word w of lane k at `words[w][k]`.
    fn load_state(words: &[[u64; MOST_LANES]; 4]) -> Self::State;
    fn save_state(state: &Self::State, words: &mut [[u64; MOST_LANES]; 4]);
    fn draw(state: &mut Self::State) -> (Self, Self);
}

/// One xoshiro256++ output of every lane (`Xoshiro256PlusPlus::next_u64`, lane by lane): word w of
/// lane k's state at s[w][k].
#[inline(always)]
pub(crate) fn next<const L: usize>(s: &mut [[u64; L]; 4]) -> [u64; L] {
    let mut out = [0u64; L];
    for k in 0..L {
        out[k] = s[0][k]
            .wrapping_add(s[3][k])
            .rotate_left(23)
            .wrapping_add(s[0][k]);
        let t = s[1][k] << 17;
        s[2][k] ^= s[0][k];
        s[3][k] ^= s[1][k];
        s[1][k] ^= s[2][k];
        s[0][k] ^= s[3][k];
        s[2][k] ^= t;
        s[3][k] = s[3][k].rotate_left(45);
    }
    out
}

/// `Draws` for lanes a scalar generator serves: word w of lane k at s[w][k].
macro_rules! scalar_draws {
    ($v:ty, $l:expr) => {
        impl Draws for $v {
            type State = [[u64; $l]; 4];
            #[inline(always)]
            fn load_state(words: &[[u64; MOST_LANES]; 4]) -> Self::State {
                let mut s = [[0u64; $l]; 4];
                for w in 0..4 {
                    s[w].copy_from_slice(&words[w][..$l]);
                }
                s
            }
            #[inline(always)]
            fn save_state(s: &Self::State, words: &mut [[u64; MOST_LANES]; 4]) {
                for w in 0..4 {
                    words[w][..$l].copy_from_slice(&s[w]);
                }
            }
            #[inline(always)]
            fn draw(s: &mut Self::State) -> (Self, Self) {
                let (mut q, mut u) = ([0.0f32; $l], [0.0f32; $l]);
                let r = next(s);
                for k in 0..$l {
                    q[k] = (r[k] >> 40) as u32 as i32 as f32;
                    u[k] = ((r[k] as u32) >> 8) as i32 as f32;
                }
                // SAFETY: q and u hold LANES values.
                unsafe { (<$v>::load(q.as_ptr()), <$v>::load(u.as_ptr())) }
            }
        }
    };
}
scalar_draws!(V1, 1);
#[cfg(not(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
)))]
scalar_draws!(V4, 4);

/// A vector of 64-bit lanes: what xoshiro256++ needs of it, and the f32 vector of twice as many lanes
/// that two of them fill.
trait Words: Copy {
    /// The f32 vector two of these fill (lanes of `a`, then of `b`).
    type F: Vector;
    const LANES: usize;
    /// `LANES` words from `p`.
    fn load(p: &[u64]) -> Self;
    fn store(self, p: &mut [u64]);
    fn splat(v: u64) -> Self;
    fn add(self, o: Self) -> Self;
    fn xor(self, o: Self) -> Self;
    fn and(self, o: Self) -> Self;
    fn shl(self, k: u32) -> Self;
    fn shr(self, k: u32) -> Self;
    /// Rotation left by k (0 < k < 64): two shifts and an or, where there is no rotate.
    #[inline(always)]
    fn rotl(self, k: u32) -> Self {
        let (a, b) = (self.shl(k), self.shr(64 - k));
        // The two shifted halves do not overlap, so an xor is their or.
        a.xor(b)
    }
    /// The low 32 bits of a's and then b's lanes, as f32 (each below 2²⁴, so exact).
    fn low_to_f32(a: Self, b: Self) -> Self::F;
}

/// One xoshiro256++ output of every lane, the lanes in two vectors of words: word w of the lanes of
/// half h at s[w][h]. The operations of [`next`], a vector at a time.
#[inline(always)]
fn next_words<W: Words>(s: &mut [[W; 2]; 4]) -> [W; 2] {
    let mut out = [W::splat(0); 2];
    for h in 0..2 {
        let (s0, s1, s2, s3) = (s[0][h], s[1][h], s[2][h], s[3][h]);
        out[h] = s0.add(s3).rotl(23).add(s0);
        let t = s1.shl(17);
        let s2 = s2.xor(s0);
        let s3 = s3.xor(s1);
        let s1 = s1.xor(s2);
        let s0 = s0.xor(s3);
        let s2 = s2.xor(t);
        let s3 = s3.rotl(45);
        s[0][h] = s0;
        s[1][h] = s1;
        s[2][h] = s2;
        s[3][h] = s3;
    }
    out
}

/// `Draws` for an f32 vector filled by two vectors of words `$w`.
macro_rules! vector_draws {
    ($v:ty, $w:ty) => {
        impl Draws for $v {
            type State = [[$w; 2]; 4];
            #[inline(always)]
            fn load_state(words: &[[u64; MOST_LANES]; 4]) -> Self::State {
                let l = <$w as Words>::LANES;
                [0, 1, 2, 3].map(|w| [0, 1].map(|h| <$w>::load(&words[w][l * h..l * (h + 1)])))
            }
            #[inline(always)]
            fn save_state(s: &Self::State, words: &mut [[u64; MOST_LANES]; 4]) {
                let l = <$w as Words>::LANES;
                for w in 0..4 {
                    for h in 0..2 {
                        s[w][h].store(&mut words[w][l * h..l * (h + 1)]);
                    }
                }
            }
            #[inline(always)]
            fn draw(s: &mut Self::State) -> (Self, Self) {
                let [a, b] = $crate::core::draws::next_words(s);
                let low24 = <$w>::splat(0xff_ffff);
                let q = <$w>::low_to_f32(a.shr(40), b.shr(40));
                let u = <$w>::low_to_f32(a.shr(8).and(low24), b.shr(8).and(low24));
                (q, u)
            }
        }
    };
}

/// Two lanes in an SSE2 register (the x86-64 baseline).
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use super::{Draws, Words, MOST_LANES};
    use crate::core::vector::V4;
    use std::arch::x86_64::*;

    #[derive(Clone, Copy)]
    pub struct W2(__m128i);

    // SAFETY (every `unsafe` block here): SSE2 is part of the x86-64 baseline; loads and stores are
    // unaligned and within the slices (asserted).
    impl Words for W2 {
        type F = V4;
        const LANES: usize = 2;
        #[inline(always)]
        fn load(p: &[u64]) -> W2 {
            assert!(p.len() >= 2);
            W2(unsafe { _mm_loadu_si128(p.as_ptr() as *const __m128i) })
        }
        #[inline(always)]
        fn store(self, p: &mut [u64]) {
            assert!(p.len() >= 2);
            unsafe { _mm_storeu_si128(p.as_mut_ptr() as *mut __m128i, self.0) }
        }
        #[inline(always)]
        fn splat(v: u64) -> W2 {
            W2(unsafe { _mm_set1_epi64x(v as i64) })
        }
        #[inline(always)]
        fn add(self, o: W2) -> W2 {
            W2(unsafe { _mm_add_epi64(self.0, o.0) })
        }
        #[inline(always)]
        fn xor(self, o: W2) -> W2 {
            W2(unsafe { _mm_xor_si128(self.0, o.0) })
        }
        #[inline(always)]
        fn and(self, o: W2) -> W2 {
            W2(unsafe { _mm_and_si128(self.0, o.0) })
        }
        #[inline(always)]
        fn shl(self, k: u32) -> W2 {
            W2(unsafe { _mm_sll_epi64(self.0, _mm_cvtsi32_si128(k as i32)) })
        }
        #[inline(always)]
        fn shr(self, k: u32) -> W2 {
            W2(unsafe { _mm_srl_epi64(self.0, _mm_cvtsi32_si128(k as i32)) })
        }
        #[inline(always)]
        fn low_to_f32(a: W2, b: W2) -> V4 {
            unsafe {
                let lows =
                    _mm_shuffle_ps::<0b10_00_10_00>(_mm_castsi128_ps(a.0), _mm_castsi128_ps(b.0));
                V4::from_raw(_mm_cvtepi32_ps(_mm_castps_si128(lows)))
            }
        }
    }

    vector_draws!(V4, W2);
}

/// Two lanes in a simd128 register (the wasm build enables simd128).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128 {
    use super::{Draws, Words, MOST_LANES};
    use crate::core::vector::V4;
    use std::arch::wasm32::*;

    #[derive(Clone, Copy)]
    pub struct W2(v128);

    impl Words for W2 {
        type F = V4;
        const LANES: usize = 2;
        #[inline(always)]
        fn load(p: &[u64]) -> W2 {
            W2(u64x2(p[0], p[1]))
        }
        #[inline(always)]
        fn store(self, p: &mut [u64]) {
            p[0] = u64x2_extract_lane::<0>(self.0);
            p[1] = u64x2_extract_lane::<1>(self.0);
        }
        #[inline(always)]
        fn splat(v: u64) -> W2 {
            W2(u64x2_splat(v))
        }
        #[inline(always)]
        fn add(self, o: W2) -> W2 {
            W2(i64x2_add(self.0, o.0))
        }
        #[inline(always)]
        fn xor(self, o: W2) -> W2 {
            W2(v128_xor(self.0, o.0))
        }
        #[inline(always)]
        fn and(self, o: W2) -> W2 {
            W2(v128_and(self.0, o.0))
        }
        #[inline(always)]
        fn shl(self, k: u32) -> W2 {
            W2(i64x2_shl(self.0, k))
        }
        #[inline(always)]
        fn shr(self, k: u32) -> W2 {
            W2(u64x2_shr(self.0, k))
        }
        #[inline(always)]
        fn low_to_f32(a: W2, b: W2) -> V4 {
            V4::from_raw(f32x4_convert_i32x4(i32x4_shuffle::<0, 2, 4, 6>(a.0, b.0)))
        }
    }

    vector_draws!(V4, W2);
}

/// Four lanes in an AVX2 register.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{Draws, Words, MOST_LANES};
    use crate::core::vector::V8;
    use std::arch::x86_64::*;

    #[derive(Clone, Copy)]
    pub struct W4(__m256i);

    // SAFETY (every `unsafe` block here): W4 values, and so these draws, exist only in code reached
    // after checking the CPU has AVX2 (`lockstep::Width::available`), inlined into the lockstep
    // order's AVX2 step; loads and stores are unaligned and within the slices (asserted).
    impl Words for W4 {
        type F = V8;
        const LANES: usize = 4;
        #[inline(always)]
        fn load(p: &[u64]) -> W4 {
            assert!(p.len() >= 4);
            W4(unsafe { _mm256_loadu_si256(p.as_ptr() as *const __m256i) })
        }
        #[inline(always)]
        fn store(self, p: &mut [u64]) {
            assert!(p.len() >= 4);
            unsafe { _mm256_storeu_si256(p.as_mut_ptr() as *mut __m256i, self.0) }
        }
        #[inline(always)]
        fn splat(v: u64) -> W4 {
            W4(unsafe { _mm256_set1_epi64x(v as i64) })
        }
        #[inline(always)]
        fn add(self, o: W4) -> W4 {
            W4(unsafe { _mm256_add_epi64(self.0, o.0) })
        }
        #[inline(always)]
        fn xor(self, o: W4) -> W4 {
            W4(unsafe { _mm256_xor_si256(self.0, o.0) })
        }
        #[inline(always)]
        fn and(self, o: W4) -> W4 {
            W4(unsafe { _mm256_and_si256(self.0, o.0) })
        }
        #[inline(always)]
        fn shl(self, k: u32) -> W4 {
            W4(unsafe { _mm256_sll_epi64(self.0, _mm_cvtsi32_si128(k as i32)) })
        }
        #[inline(always)]
        fn shr(self, k: u32) -> W4 {
            W4(unsafe { _mm256_srl_epi64(self.0, _mm_cvtsi32_si128(k as i32)) })
        }
        #[inline(always)]
        fn low_to_f32(a: W4, b: W4) -> V8 {
            unsafe {
                let even = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
                let a = _mm256_permutevar8x32_epi32(a.0, even);
                let b = _mm256_permutevar8x32_epi32(b.0, even);
                V8::from_raw(_mm256_cvtepi32_ps(_mm256_blend_epi32::<0xf0>(a, b)))
            }
        }
    }

    vector_draws!(V8, W4);
}

/// Eight lanes in an AVX-512 register, with its native 64-bit rotate.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::{Draws, Words, MOST_LANES};
    use crate::core::vector::V16;
    use std::arch::x86_64::*;

    #[derive(Clone, Copy)]
    pub struct W8(__m512i);

    // SAFETY (every `unsafe` block here): W8 values, and so these draws, exist only in code reached
    // after checking the CPU has AVX-512F (`lockstep::Width::available`), inlined into the lockstep
    // order's AVX-512 step; loads and stores are unaligned and within the slices (asserted).
    impl Words for W8 {
        type F = V16;
        const LANES: usize = 8;
        #[inline(always)]
        fn load(p: &[u64]) -> W8 {
            assert!(p.len() >= 8);
            W8(unsafe { _mm512_loadu_epi64(p.as_ptr() as *const i64) })
        }
        #[inline(always)]
        fn store(self, p: &mut [u64]) {
            assert!(p.len() >= 8);
            unsafe { _mm512_storeu_epi64(p.as_mut_ptr() as *mut i64, self.0) }
        }
        #[inline(always)]
        fn splat(v: u64) -> W8 {
            W8(unsafe { _mm512_set1_epi64(v as i64) })
        }
        #[inline(always)]
        fn add(self, o: W8) -> W8 {
            W8(unsafe { _mm512_add_epi64(self.0, o.0) })
        }
        #[inline(always)]
        fn xor(self, o: W8) -> W8 {
            W8(unsafe { _mm512_xor_si512(self.0, o.0) })
        }
        #[inline(always)]
        fn and(self, o: W8) -> W8 {
            W8(unsafe { _mm512_and_si512(self.0, o.0) })
        }
        #[inline(always)]
        fn shl(self, k: u32) -> W8 {
            W8(unsafe { _mm512_sll_epi64(self.0, _mm_cvtsi32_si128(k as i32)) })
        }
        #[inline(always)]
        fn shr(self, k: u32) -> W8 {
            W8(unsafe { _mm512_srl_epi64(self.0, _mm_cvtsi32_si128(k as i32)) })
        }
        #[inline(always)]
        fn rotl(self, k: u32) -> W8 {
            W8(unsafe { _mm512_rolv_epi64(self.0, _mm512_set1_epi64(k as i64)) })
        }
        #[inline(always)]
        fn low_to_f32(a: W8, b: W8) -> V16 {
            unsafe {
                let (a, b) = (_mm512_cvtepi64_epi32(a.0), _mm512_cvtepi64_epi32(b.0));
                V16::from_raw(_mm512_cvtepi32_ps(_mm512_inserti64x4::<1>(
                    _mm512_castsi256_si512(a),
                    b,
                )))
            }
        }
    }

    vector_draws!(V16, W8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rng::{state, Rng, Stream};

    /// Each lane of the scalar generator is its seed's data stream, draw for draw.
    #[test]
    fn the_lane_generator_is_each_runs_stream() {
        let seeds = [0u64, 1, 7, 123_456_789];
        let mut runs: Vec<Rng> = seeds.iter().map(|&s| Rng::new(s, Stream::Data)).collect();
        let mut s = [[0u64; 4]; 4];
        for (k, &seed) in seeds.iter().enumerate() {
            for (w, word) in state(seed, Stream::Data).into_iter().enumerate() {
                s[w][k] = word;
            }
        }
        for _ in 0..100 {
            let want: Vec<u64> = runs.iter_mut().map(|r| r.next_u64()).collect();
            assert_eq!(next(&mut s).to_vec(), want);
        }
    }
}
