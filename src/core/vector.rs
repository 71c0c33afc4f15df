//! Vectors of restarts: one f32 lane per restart, for training several restarts of one setting in
//! lockstep (`lanes.rs`, `lockstep.rs`). Four lanes everywhere (SSE2 natively, simd128 in wasm, plain
//! arrays elsewhere), eight with AVX2 and sixteen with AVX-512F on x86-64, chosen at run time. Every
//! operation is the lane-wise IEEE-754 single-precision operation with round-to-nearest (no FMA, no
//! approximations), so a lane computes the same bits whichever width carries it: the width changes how
//! many restarts share an instruction, never a number.

// Named after the lane instructions and chained left to right in the order the kernels mean, as in
// `simd.rs`.
#![allow(clippy::should_implement_trait)]

/// A vector of f32 lanes. Masks are vectors whose lanes are all ones (true) or all zeros (false), as the
/// comparisons give them.
pub trait Vector: Copy {
    const LANES: usize;
    fn zero() -> Self;
    fn splat(v: f32) -> Self;
    /// # Safety
    /// `p..p + LANES` must be readable.
    unsafe fn load(p: *const f32) -> Self;
    /// # Safety
    /// `p..p + LANES` must be writable.
    unsafe fn store(self, p: *mut f32);
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    fn div(self, o: Self) -> Self;
    fn sqrt(self) -> Self;
    /// Bitwise and (with a mask: the lanes where it is true, +0 elsewhere).
    fn and(self, o: Self) -> Self;
    fn or(self, o: Self) -> Self;
    /// Bitwise (not self) and o.
    fn and_not(self, o: Self) -> Self;
    /// Masks: >, <, = (false where either is NaN) and ≠ (true where either is NaN).
    fn gt(self, o: Self) -> Self;
    fn lt(self, o: Self) -> Self;
    fn eq(self, o: Self) -> Self;
    fn ne(self, o: Self) -> Self;
    /// The sign bit cleared.
    fn abs(self) -> Self;
    /// Bit k set where lane k's sign bit is (for a mask: where it is true).
    fn bits(self) -> u32;

    /// a where the mask is true, b elsewhere.
    #[inline(always)]
    fn select(self, a: Self, b: Self) -> Self {
        self.and(a).or(self.and_not(b))
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Vector;
    use core::arch::x86_64::*;

    /// Four lanes in an SSE2 register (the x86-64 baseline).
    #[derive(Clone, Copy)]
    pub struct V4(__m128);

    impl V4 {
        /// Four lanes computed elsewhere with SSE2 (`lockstep.rs` draws its data this way).
        #[inline(always)]
        pub(crate) fn from_raw(v: __m128) -> V4 {
            V4(v)
        }
    }

    // SAFETY (for every `unsafe` block in this impl): SSE2 is part of the x86-64 baseline.
    impl Vector for V4 {
        const LANES: usize = 4;
        #[inline(always)]
        fn zero() -> V4 {
            V4(unsafe { _mm_setzero_ps() })
        }
        #[inline(always)]
        fn splat(v: f32) -> V4 {
            V4(unsafe { _mm_set1_ps(v) })
        }
        #[inline(always)]
        unsafe fn load(p: *const f32) -> V4 {
            V4(_mm_loadu_ps(p))
        }
        #[inline(always)]
        unsafe fn store(self, p: *mut f32) {
            _mm_storeu_ps(p, self.0)
        }
        #[inline(always)]
        fn add(self, o: V4) -> V4 {
            V4(unsafe { _mm_add_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn sub(self, o: V4) -> V4 {
            V4(unsafe { _mm_sub_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn mul(self, o: V4) -> V4 {
            V4(unsafe { _mm_mul_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn div(self, o: V4) -> V4 {
            V4(unsafe { _mm_div_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn sqrt(self) -> V4 {
            V4(unsafe { _mm_sqrt_ps(self.0) })
        }
        #[inline(always)]
        fn and(self, o: V4) -> V4 {
            V4(unsafe { _mm_and_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn or(self, o: V4) -> V4 {
            V4(unsafe { _mm_or_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn and_not(self, o: V4) -> V4 {
            V4(unsafe { _mm_andnot_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn gt(self, o: V4) -> V4 {
            V4(unsafe { _mm_cmpgt_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn lt(self, o: V4) -> V4 {
            V4(unsafe { _mm_cmplt_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn eq(self, o: V4) -> V4 {
            V4(unsafe { _mm_cmpeq_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn ne(self, o: V4) -> V4 {
            V4(unsafe { _mm_cmpneq_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn abs(self) -> V4 {
            V4(unsafe { _mm_andnot_ps(_mm_set1_ps(-0.0), self.0) })
        }
        #[inline(always)]
        fn bits(self) -> u32 {
            unsafe { _mm_movemask_ps(self.0) as u32 }
        }
    }

    /// Eight lanes in an AVX register. Only used inside functions compiled with AVX2 enabled, after
    /// checking that the CPU has it (`lanes.rs`); these methods are always inlined into them.
    #[derive(Clone, Copy)]
    pub struct V8(__m256);

    impl V8 {
        /// Eight lanes computed elsewhere with AVX2 (`lockstep.rs` draws its data this way).
        #[inline(always)]
        pub(crate) fn from_raw(v: __m256) -> V8 {
            V8(v)
        }
    }

    // SAFETY (for every `unsafe` block in this impl): V8 values exist only in code reached after
    // `is_x86_feature_detected!("avx2")`.
    impl Vector for V8 {
        const LANES: usize = 8;
        #[inline(always)]
        fn zero() -> V8 {
            V8(unsafe { _mm256_setzero_ps() })
        }
        #[inline(always)]
        fn splat(v: f32) -> V8 {
            V8(unsafe { _mm256_set1_ps(v) })
        }
        #[inline(always)]
        unsafe fn load(p: *const f32) -> V8 {
            V8(_mm256_loadu_ps(p))
        }
        #[inline(always)]
        unsafe fn store(self, p: *mut f32) {
            _mm256_storeu_ps(p, self.0)
        }
        #[inline(always)]
        fn add(self, o: V8) -> V8 {
            V8(unsafe { _mm256_add_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn sub(self, o: V8) -> V8 {
            V8(unsafe { _mm256_sub_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn mul(self, o: V8) -> V8 {
            V8(unsafe { _mm256_mul_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn div(self, o: V8) -> V8 {
            V8(unsafe { _mm256_div_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn sqrt(self) -> V8 {
            V8(unsafe { _mm256_sqrt_ps(self.0) })
        }
        #[inline(always)]
        fn and(self, o: V8) -> V8 {
            V8(unsafe { _mm256_and_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn or(self, o: V8) -> V8 {
            V8(unsafe { _mm256_or_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn and_not(self, o: V8) -> V8 {
            V8(unsafe { _mm256_andnot_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn gt(self, o: V8) -> V8 {
            V8(unsafe { _mm256_cmp_ps::<_CMP_GT_OQ>(self.0, o.0) })
        }
        #[inline(always)]
        fn lt(self, o: V8) -> V8 {
            V8(unsafe { _mm256_cmp_ps::<_CMP_LT_OQ>(self.0, o.0) })
        }
        #[inline(always)]
        fn eq(self, o: V8) -> V8 {
            V8(unsafe { _mm256_cmp_ps::<_CMP_EQ_OQ>(self.0, o.0) })
        }
        #[inline(always)]
        fn ne(self, o: V8) -> V8 {
            V8(unsafe { _mm256_cmp_ps::<_CMP_NEQ_UQ>(self.0, o.0) })
        }
        #[inline(always)]
        fn abs(self) -> V8 {
            V8(unsafe { _mm256_andnot_ps(_mm256_set1_ps(-0.0), self.0) })
        }
        #[inline(always)]
        fn bits(self) -> u32 {
            unsafe { _mm256_movemask_ps(self.0) as u32 }
        }
    }

    /// Sixteen lanes in an AVX-512 register. Only used inside functions compiled with AVX-512F
    /// enabled, after checking that the CPU has it (`lockstep.rs`); these methods are always inlined
    /// into them. Comparisons give mask registers, turned into all-ones lanes here so masks are vectors
    /// as for every other width.
    #[derive(Clone, Copy)]
    pub struct V16(__m512);

    impl V16 {
        /// Sixteen lanes computed elsewhere with AVX-512 (`lockstep.rs` draws its data this way).
        #[inline(always)]
        pub(crate) fn from_raw(v: __m512) -> V16 {
            V16(v)
        }

        #[inline(always)]
        fn mask(k: __mmask16) -> V16 {
            V16(unsafe { _mm512_castsi512_ps(_mm512_maskz_set1_epi32(k, -1)) })
        }

        #[inline(always)]
        fn int(self) -> __m512i {
            unsafe { _mm512_castps_si512(self.0) }
        }

        #[inline(always)]
        fn of_int(v: __m512i) -> V16 {
            V16(unsafe { _mm512_castsi512_ps(v) })
        }
    }

    // SAFETY (for every `unsafe` block in this impl): V16 values exist only in code reached after
    // `is_x86_feature_detected!("avx512f")`.
    impl Vector for V16 {
        const LANES: usize = 16;
        #[inline(always)]
        fn zero() -> V16 {
            V16(unsafe { _mm512_setzero_ps() })
        }
        #[inline(always)]
        fn splat(v: f32) -> V16 {
            V16(unsafe { _mm512_set1_ps(v) })
        }
        #[inline(always)]
        unsafe fn load(p: *const f32) -> V16 {
            V16(_mm512_loadu_ps(p))
        }
        #[inline(always)]
        unsafe fn store(self, p: *mut f32) {
            _mm512_storeu_ps(p, self.0)
        }
        #[inline(always)]
        fn add(self, o: V16) -> V16 {
            V16(unsafe { _mm512_add_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn sub(self, o: V16) -> V16 {
            V16(unsafe { _mm512_sub_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn mul(self, o: V16) -> V16 {
            V16(unsafe { _mm512_mul_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn div(self, o: V16) -> V16 {
            V16(unsafe { _mm512_div_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn sqrt(self) -> V16 {
            V16(unsafe { _mm512_sqrt_ps(self.0) })
        }
        #[inline(always)]
        fn and(self, o: V16) -> V16 {
            V16::of_int(unsafe { _mm512_and_si512(self.int(), o.int()) })
        }
        #[inline(always)]
        fn or(self, o: V16) -> V16 {
            V16::of_int(unsafe { _mm512_or_si512(self.int(), o.int()) })
        }
        #[inline(always)]
        fn and_not(self, o: V16) -> V16 {
            V16::of_int(unsafe { _mm512_andnot_si512(self.int(), o.int()) })
        }
        #[inline(always)]
        fn gt(self, o: V16) -> V16 {
            V16::mask(unsafe { _mm512_cmp_ps_mask::<_CMP_GT_OQ>(self.0, o.0) })
        }
        #[inline(always)]
        fn lt(self, o: V16) -> V16 {
            V16::mask(unsafe { _mm512_cmp_ps_mask::<_CMP_LT_OQ>(self.0, o.0) })
        }
        #[inline(always)]
        fn eq(self, o: V16) -> V16 {
            V16::mask(unsafe { _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(self.0, o.0) })
        }
        #[inline(always)]
        fn ne(self, o: V16) -> V16 {
            V16::mask(unsafe { _mm512_cmp_ps_mask::<_CMP_NEQ_UQ>(self.0, o.0) })
        }
        #[inline(always)]
        fn abs(self) -> V16 {
            V16::splat(-0.0).and_not(self)
        }
        #[inline(always)]
        fn bits(self) -> u32 {
            // A lane's sign bit is set exactly where its bits, read as an integer, are negative.
            unsafe { _mm512_cmplt_epi32_mask(self.int(), _mm512_setzero_si512()) as u32 }
        }
    }
}

#[cfg(target_arch = "x86_64")]
pub use x86::{V16, V4, V8};

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm {
    use super::Vector;
    use core::arch::wasm32::*;

    /// Four lanes in a simd128 register.
    #[derive(Clone, Copy)]
    pub struct V4(v128);

    impl V4 {
        /// Four lanes computed elsewhere with simd128 (`lockstep.rs` draws its data this way).
        #[inline(always)]
        pub(crate) fn from_raw(v: v128) -> V4 {
            V4(v)
        }
    }

    impl Vector for V4 {
        const LANES: usize = 4;
        #[inline(always)]
        fn zero() -> V4 {
            V4(f32x4_splat(0.0))
        }
        #[inline(always)]
        fn splat(v: f32) -> V4 {
            V4(f32x4_splat(v))
        }
        #[inline(always)]
        unsafe fn load(p: *const f32) -> V4 {
            V4(v128_load(p as *const v128))
        }
        #[inline(always)]
        unsafe fn store(self, p: *mut f32) {
            v128_store(p as *mut v128, self.0)
        }
        #[inline(always)]
        fn add(self, o: V4) -> V4 {
            V4(f32x4_add(self.0, o.0))
        }
        #[inline(always)]
        fn sub(self, o: V4) -> V4 {
            V4(f32x4_sub(self.0, o.0))
        }
        #[inline(always)]
        fn mul(self, o: V4) -> V4 {
            V4(f32x4_mul(self.0, o.0))
        }
        #[inline(always)]
        fn div(self, o: V4) -> V4 {
            V4(f32x4_div(self.0, o.0))
        }
        #[inline(always)]
        fn sqrt(self) -> V4 {
            V4(f32x4_sqrt(self.0))
        }
        #[inline(always)]
        fn and(self, o: V4) -> V4 {
            V4(v128_and(self.0, o.0))
        }
        #[inline(always)]
        fn or(self, o: V4) -> V4 {
            V4(v128_or(self.0, o.0))
        }
        #[inline(always)]
        fn and_not(self, o: V4) -> V4 {
            // v128_andnot(a, b) is a & !b.
            V4(v128_andnot(o.0, self.0))
        }
        #[inline(always)]
        fn gt(self, o: V4) -> V4 {
            V4(f32x4_gt(self.0, o.0))
        }
        #[inline(always)]
        fn lt(self, o: V4) -> V4 {
            V4(f32x4_lt(self.0, o.0))
        }
        #[inline(always)]
        fn eq(self, o: V4) -> V4 {
            V4(f32x4_eq(self.0, o.0))
        }
        #[inline(always)]
        fn ne(self, o: V4) -> V4 {
            V4(f32x4_ne(self.0, o.0))
        }
        #[inline(always)]
        fn abs(self) -> V4 {
            V4(f32x4_abs(self.0))
        }
        #[inline(always)]
        fn bits(self) -> u32 {
            i32x4_bitmask(self.0) as u32
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use wasm::V4;

#[cfg(not(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
)))]
mod plain {
    use super::Vector;

    /// Four lanes as a plain array, for targets without a vector unit the project knows.
    #[derive(Clone, Copy)]
    pub struct V4([f32; 4]);

    impl V4 {
        #[inline(always)]
        fn map2(self, o: V4, f: impl Fn(f32, f32) -> f32) -> V4 {
            V4(core::array::from_fn(|k| f(self.0[k], o.0[k])))
        }
        #[inline(always)]
        fn bitwise(self, o: V4, f: impl Fn(u32, u32) -> u32) -> V4 {
            self.map2(o, |a, b| f32::from_bits(f(a.to_bits(), b.to_bits())))
        }
        #[inline(always)]
        fn compare(self, o: V4, f: impl Fn(f32, f32) -> bool) -> V4 {
            self.map2(o, |a, b| f32::from_bits(if f(a, b) { u32::MAX } else { 0 }))
        }
    }

    impl Vector for V4 {
        const LANES: usize = 4;
        fn zero() -> V4 {
            V4([0.0; 4])
        }
        fn splat(v: f32) -> V4 {
            V4([v; 4])
        }
        unsafe fn load(p: *const f32) -> V4 {
            V4(core::array::from_fn(|k| *p.add(k)))
        }
        unsafe fn store(self, p: *mut f32) {
            for k in 0..4 {
                *p.add(k) = self.0[k];
            }
        }
        fn add(self, o: V4) -> V4 {
            self.map2(o, |a, b| a + b)
        }
        fn sub(self, o: V4) -> V4 {
            self.map2(o, |a, b| a - b)
        }
        fn mul(self, o: V4) -> V4 {
            self.map2(o, |a, b| a * b)
        }
        fn div(self, o: V4) -> V4 {
            self.map2(o, |a, b| a / b)
        }
        fn sqrt(self) -> V4 {
            V4(self.0.map(f32::sqrt))
        }
        fn and(self, o: V4) -> V4 {
            self.bitwise(o, |a, b| a & b)
        }
        fn or(self, o: V4) -> V4 {
            self.bitwise(o, |a, b| a | b)
        }
        fn and_not(self, o: V4) -> V4 {
            self.bitwise(o, |a, b| !a & b)
        }
        fn gt(self, o: V4) -> V4 {
            self.compare(o, |a, b| a > b)
        }
        fn lt(self, o: V4) -> V4 {
            self.compare(o, |a, b| a < b)
        }
        fn eq(self, o: V4) -> V4 {
            self.compare(o, |a, b| a == b)
        }
        fn ne(self, o: V4) -> V4 {
            self.compare(o, |a, b| a != b)
        }
        fn abs(self) -> V4 {
            V4(self.0.map(f32::abs))
        }
        fn bits(self) -> u32 {
            (0..4).map(|k| (self.0[k].to_bits() >> 31) << k).sum()
        }
    }
}

#[cfg(not(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
)))]
pub use plain::V4;

/// One lane as a plain f32: a single run computed by the same lane code as its restarts in vectors
/// (`lockstep.rs`), so it gives the same bits by construction.
#[derive(Clone, Copy)]
pub struct V1(f32);

impl V1 {
    #[inline(always)]
    fn bitwise(self, o: V1, f: impl Fn(u32, u32) -> u32) -> V1 {
        V1(f32::from_bits(f(self.0.to_bits(), o.0.to_bits())))
    }
    #[inline(always)]
    fn mask(b: bool) -> V1 {
        V1(f32::from_bits(if b { u32::MAX } else { 0 }))
    }
}

impl Vector for V1 {
    const LANES: usize = 1;
    #[inline(always)]
    fn zero() -> V1 {
        V1(0.0)
    }
    #[inline(always)]
    fn splat(v: f32) -> V1 {
        V1(v)
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> V1 {
        V1(*p)
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        *p = self.0
    }
    #[inline(always)]
    fn add(self, o: V1) -> V1 {
        V1(self.0 + o.0)
    }
    #[inline(always)]
    fn sub(self, o: V1) -> V1 {
        V1(self.0 - o.0)
    }
    #[inline(always)]
    fn mul(self, o: V1) -> V1 {
        V1(self.0 * o.0)
    }
    #[inline(always)]
    fn div(self, o: V1) -> V1 {
        V1(self.0 / o.0)
    }
    #[inline(always)]
    fn sqrt(self) -> V1 {
        V1(self.0.sqrt())
    }
    #[inline(always)]
    fn and(self, o: V1) -> V1 {
        self.bitwise(o, |a, b| a & b)
    }
    #[inline(always)]
    fn or(self, o: V1) -> V1 {
        self.bitwise(o, |a, b| a | b)
    }
    #[inline(always)]
    fn and_not(self, o: V1) -> V1 {
        self.bitwise(o, |a, b| !a & b)
    }
    #[inline(always)]
    fn gt(self, o: V1) -> V1 {
        V1::mask(self.0 > o.0)
    }
    #[inline(always)]
    fn lt(self, o: V1) -> V1 {
        V1::mask(self.0 < o.0)
    }
    #[inline(always)]
    fn eq(self, o: V1) -> V1 {
        V1::mask(self.0 == o.0)
    }
    #[inline(always)]
    fn ne(self, o: V1) -> V1 {
        V1::mask(self.0 != o.0)
    }
    #[inline(always)]
    fn abs(self) -> V1 {
        V1(self.0.abs())
    }
    #[inline(always)]
    fn bits(self) -> u32 {
        self.0.to_bits() >> 31
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[inline(always)]
    fn lanes<V: Vector>(v: V) -> Vec<u32> {
        let mut out = vec![0.0f32; V::LANES];
        unsafe { v.store(out.as_mut_ptr()) };
        out.iter().map(|x| x.to_bits()).collect()
    }

    /// As `lanes`, for arithmetic results (NaNs as one pattern; see `canonical`).
    #[inline(always)]
    fn values<V: Vector>(v: V) -> Vec<u32> {
        lanes(v)
            .into_iter()
            .map(|b| canonical(f32::from_bits(b)))
            .collect()
    }

    /// A value's bits, with every NaN as one pattern: Rust leaves a NaN's sign and payload
    /// unspecified (the optimiser folds them as it likes, so release builds differ from debug), and
    /// the trainer never reads them, only whether a value is finite.
    fn canonical(x: f32) -> u32 {
        if x.is_nan() {
            f32::NAN.to_bits()
        } else {
            x.to_bits()
        }
    }

    #[inline(always)]
    fn from<V: Vector>(x: &[f32]) -> V {
        unsafe { V::load(x.as_ptr()) }
    }

    /// Every operation lane by lane against the scalar IEEE operation (inlined, so the eight-lane
    /// version is compiled with AVX2 like the trainer).
    #[inline(always)]
    fn check<V: Vector>() {
        let a: Vec<f32> = [
            1.5f32,
            -2.0,
            0.0,
            f32::NAN,
            -0.0,
            1e-40,
            f32::INFINITY,
            3.0,
            7.0,
            -1e30,
            1e30,
            -5.5,
            2.5e-39,
            -0.5,
            100.0,
            f32::NEG_INFINITY,
        ][..V::LANES]
            .to_vec();
        let b: Vec<f32> = [
            0.1f32,
            3.0,
            -0.0,
            1.0,
            0.0,
            1e-3,
            2.0,
            f32::NAN,
            7.0,
            1e30,
            1e30,
            0.0,
            -2.5e-39,
            -0.25,
            -100.0,
            f32::NEG_INFINITY,
        ][..V::LANES]
            .to_vec();
        let (va, vb) = (from::<V>(&a), from::<V>(&b));
        let map = |f: &dyn Fn(f32, f32) -> f32| -> Vec<u32> {
            a.iter()
                .zip(&b)
                .map(|(x, y)| canonical(f(*x, *y)))
                .collect()
        };
        let mask = |f: &dyn Fn(f32, f32) -> bool| -> Vec<u32> {
            a.iter()
                .zip(&b)
                .map(|(x, y)| if f(*x, *y) { u32::MAX } else { 0 })
                .collect()
        };
        assert_eq!(values(va.add(vb)), map(&|x, y| x + y));
        assert_eq!(values(va.sub(vb)), map(&|x, y| x - y));
        assert_eq!(values(va.mul(vb)), map(&|x, y| x * y));
        assert_eq!(values(va.div(vb)), map(&|x, y| x / y));
        assert_eq!(values(vb.abs().sqrt()), map(&|_, y| y.abs().sqrt()));
        assert_eq!(values(va.abs()), map(&|x, _| x.abs()));
        assert_eq!(lanes(va.gt(vb)), mask(&|x, y| x > y));
        assert_eq!(lanes(va.lt(vb)), mask(&|x, y| x < y));
        assert_eq!(lanes(va.eq(vb)), mask(&|x, y| x == y));
        assert_eq!(lanes(va.ne(vb)), mask(&|x, y| x != y));
        let m = va.gt(vb);
        assert_eq!(
            values(m.select(va, vb)),
            map(&|x, y| if x > y { x } else { y })
        );
        assert_eq!(values(m.and(va)), map(&|x, y| if x > y { x } else { 0.0 }));
        assert_eq!(
            m.bits(),
            (0..V::LANES)
                .map(|k| ((a[k] > b[k]) as u32) << k)
                .sum::<u32>()
        );
        assert_eq!(
            lanes(V::splat(-0.0).or(V::zero())),
            vec![(-0.0f32).to_bits(); V::LANES]
        );
    }

    #[test]
    fn lanes_are_ieee_single_operations() {
        check::<V1>();
        check::<V4>();
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            #[target_feature(enable = "avx2")]
            unsafe fn eight() {
                check::<V8>();
            }
            unsafe { eight() };
        }
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx512f") {
            #[target_feature(enable = "avx512f")]
            unsafe fn sixteen() {
                check::<V16>();
            }
            unsafe { sixteen() };
        }
    }
}
