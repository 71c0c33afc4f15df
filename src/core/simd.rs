//! Four f32 lanes, the one vector type the kernels use: SSE2 on x86-64, simd128 on wasm32, plain arrays
//! elsewhere. Each operation is a lane-wise IEEE-754 single-precision operation with round-to-nearest,
//! so every implementation gives the same bits (no FMA, no approximate instructions, no NaN-dependent
//! min/max: ReLU is a compare and a mask).

// `add`, `mul`, … are named after the lane instructions and chain left to right in the order the
// kernels mean; operator traits would invite precedence to reorder nothing, but read less plainly.
#![allow(clippy::should_implement_trait)]

// `--features scalar-lanes` takes the plain-array path on any machine, so the path that machines
// without SSE2 or simd128 take is tested (tests/golden.rs under that feature, in .ci/test).
#[cfg(all(target_arch = "x86_64", not(feature = "scalar-lanes")))]
mod imp {
    use core::arch::x86_64::*;

    #[derive(Clone, Copy)]
    pub struct F32x4(__m128);

    impl F32x4 {
        #[inline(always)]
        pub fn splat(v: f32) -> F32x4 {
            // SAFETY: SSE2 is part of the x86-64 baseline.
            F32x4(unsafe { _mm_set1_ps(v) })
        }
        #[inline(always)]
        pub fn load(s: &[f32]) -> F32x4 {
            assert!(s.len() >= 4);
            // SAFETY: four floats are in bounds (checked above); unaligned load.
            F32x4(unsafe { _mm_loadu_ps(s.as_ptr()) })
        }
        /// # Safety
        /// `p..p + 4` must be readable.
        #[inline(always)]
        pub unsafe fn load_ptr(p: *const f32) -> F32x4 {
            F32x4(_mm_loadu_ps(p))
        }
        /// # Safety
        /// `p..p + 4` must be writable.
        #[inline(always)]
        pub unsafe fn store_ptr(self, p: *mut f32) {
            _mm_storeu_ps(p, self.0)
        }
        #[inline(always)]
        pub fn store(self, s: &mut [f32]) {
            assert!(s.len() >= 4);
            // SAFETY: as in `load`.
            unsafe { _mm_storeu_ps(s.as_mut_ptr(), self.0) }
        }
        #[inline(always)]
        pub fn add(self, o: F32x4) -> F32x4 {
            F32x4(unsafe { _mm_add_ps(self.0, o.0) })
        }
        #[inline(always)]
        pub fn sub(self, o: F32x4) -> F32x4 {
            F32x4(unsafe { _mm_sub_ps(self.0, o.0) })
        }
        #[inline(always)]
        pub fn mul(self, o: F32x4) -> F32x4 {
            F32x4(unsafe { _mm_mul_ps(self.0, o.0) })
        }
        /// |lanes|: the sign bit cleared.
        #[inline(always)]
        pub fn abs(self) -> F32x4 {
            F32x4(unsafe { _mm_andnot_ps(_mm_set1_ps(-0.0), self.0) })
        }
        /// Four uniforms in [0, 1) from the top 24 bits of each 32-bit half of `lo` then `hi` (every
        /// value exactly representable, so the conversion is exact).
        #[inline(always)]
        pub fn unit_from_bits(lo: u64, hi: u64) -> F32x4 {
            unsafe {
                let top = _mm_srli_epi32(_mm_set_epi64x(hi as i64, lo as i64), 8);
                F32x4(_mm_mul_ps(
                    _mm_cvtepi32_ps(top),
                    _mm_set1_ps(1.0 / 16_777_216.0),
                ))
            }
        }
        /// Lanes of `self` where `gate > 0`, +0 elsewhere.
        #[inline(always)]
        pub fn where_positive(self, gate: F32x4) -> F32x4 {
            F32x4(unsafe { _mm_and_ps(self.0, _mm_cmpgt_ps(gate.0, _mm_setzero_ps())) })
        }
        /// Bit k set where lane k > 0.
        #[inline(always)]
        pub fn positive_mask(self) -> u32 {
            unsafe { _mm_movemask_ps(_mm_cmpgt_ps(self.0, _mm_setzero_ps())) as u32 }
        }
        /// Bit k set where lane k ≠ 0 (NaN included).
        #[inline(always)]
        pub fn nonzero_mask(self) -> u32 {
            unsafe { _mm_movemask_ps(_mm_cmpneq_ps(self.0, _mm_setzero_ps())) as u32 }
        }
        #[inline(always)]
        pub fn to_array(self) -> [f32; 4] {
            let mut a = [0.0; 4];
            self.store(&mut a);
            a
        }
    }

    /// Sixteen bytes, for comparing random bytes with per-lane thresholds.
    #[derive(Clone, Copy)]
    pub struct U8x16(__m128i);

    impl U8x16 {
        #[inline(always)]
        pub fn from_u64s(lo: u64, hi: u64) -> U8x16 {
            U8x16(unsafe { _mm_set_epi64x(hi as i64, lo as i64) })
        }
        #[inline(always)]
        pub fn load(b: &[u8; 16]) -> U8x16 {
            // SAFETY: 16 bytes; unaligned load.
            U8x16(unsafe { _mm_loadu_si128(b.as_ptr() as *const __m128i) })
        }
        /// Bit k set where byte k of self < byte k of t (unsigned).
        #[inline(always)]
        pub fn lt_mask(self, t: U8x16) -> u32 {
            unsafe {
                // SSE2 compares signed bytes: flipping the top bit of both orders them as unsigned.
                let flip = _mm_set1_epi8(i8::MIN);
                let lt = _mm_cmplt_epi8(_mm_xor_si128(self.0, flip), _mm_xor_si128(t.0, flip));
                _mm_movemask_epi8(lt) as u32
            }
        }
        /// Bit k set where byte k of self == byte k of t.
        #[inline(always)]
        pub fn eq_mask(self, t: U8x16) -> u32 {
            unsafe { _mm_movemask_epi8(_mm_cmpeq_epi8(self.0, t.0)) as u32 }
        }
    }
}

#[cfg(all(
    target_arch = "wasm32",
    target_feature = "simd128",
    not(feature = "scalar-lanes")
))]
mod imp {
    use core::arch::wasm32::*;

    #[derive(Clone, Copy)]
    pub struct F32x4(v128);

    impl F32x4 {
        #[inline(always)]
        pub fn splat(v: f32) -> F32x4 {
            F32x4(f32x4_splat(v))
        }
        #[inline(always)]
        pub fn load(s: &[f32]) -> F32x4 {
            assert!(s.len() >= 4);
            // SAFETY: four floats are in bounds (checked above); wasm loads may be unaligned.
            F32x4(unsafe { v128_load(s.as_ptr() as *const v128) })
        }
        /// # Safety
        /// `p..p + 4` must be readable.
        #[inline(always)]
        pub unsafe fn load_ptr(p: *const f32) -> F32x4 {
            F32x4(v128_load(p as *const v128))
        }
        /// # Safety
        /// `p..p + 4` must be writable.
        #[inline(always)]
        pub unsafe fn store_ptr(self, p: *mut f32) {
            v128_store(p as *mut v128, self.0)
        }
        #[inline(always)]
        pub fn store(self, s: &mut [f32]) {
            assert!(s.len() >= 4);
            // SAFETY: as in `load`.
            unsafe { v128_store(s.as_mut_ptr() as *mut v128, self.0) }
        }
        #[inline(always)]
        pub fn add(self, o: F32x4) -> F32x4 {
            F32x4(f32x4_add(self.0, o.0))
        }
        #[inline(always)]
        pub fn sub(self, o: F32x4) -> F32x4 {
            F32x4(f32x4_sub(self.0, o.0))
        }
        #[inline(always)]
        pub fn mul(self, o: F32x4) -> F32x4 {
            F32x4(f32x4_mul(self.0, o.0))
        }
        #[inline(always)]
        pub fn abs(self) -> F32x4 {
            F32x4(f32x4_abs(self.0))
        }
        #[inline(always)]
        pub fn unit_from_bits(lo: u64, hi: u64) -> F32x4 {
            let top = u32x4_shr(u64x2(lo, hi), 8);
            F32x4(f32x4_mul(
                f32x4_convert_i32x4(top),
                f32x4_splat(1.0 / 16_777_216.0),
            ))
        }
        /// Lanes of `self` where `gate > 0`, +0 elsewhere.
        #[inline(always)]
        pub fn where_positive(self, gate: F32x4) -> F32x4 {
            F32x4(v128_and(self.0, f32x4_gt(gate.0, f32x4_splat(0.0))))
        }
        #[inline(always)]
        pub fn positive_mask(self) -> u32 {
            i32x4_bitmask(f32x4_gt(self.0, f32x4_splat(0.0))) as u32
        }
        #[inline(always)]
        pub fn nonzero_mask(self) -> u32 {
            i32x4_bitmask(f32x4_ne(self.0, f32x4_splat(0.0))) as u32
        }
        #[inline(always)]
        pub fn to_array(self) -> [f32; 4] {
            let mut a = [0.0; 4];
            self.store(&mut a);
            a
        }
    }

    #[derive(Clone, Copy)]
    pub struct U8x16(v128);

    impl U8x16 {
        #[inline(always)]
        pub fn from_u64s(lo: u64, hi: u64) -> U8x16 {
            U8x16(u64x2(lo, hi))
        }
        #[inline(always)]
        pub fn load(b: &[u8; 16]) -> U8x16 {
            // SAFETY: 16 bytes; wasm loads may be unaligned.
            U8x16(unsafe { v128_load(b.as_ptr() as *const v128) })
        }
        #[inline(always)]
        pub fn lt_mask(self, t: U8x16) -> u32 {
            u8x16_bitmask(u8x16_lt(self.0, t.0)) as u32
        }
        #[inline(always)]
        pub fn eq_mask(self, t: U8x16) -> u32 {
            u8x16_bitmask(u8x16_eq(self.0, t.0)) as u32
        }
    }
}

#[cfg(any(
    feature = "scalar-lanes",
    not(any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128")
    ))
))]
mod imp {
    #[derive(Clone, Copy)]
    pub struct F32x4([f32; 4]);

    impl F32x4 {
        #[inline(always)]
        pub fn splat(v: f32) -> F32x4 {
            F32x4([v; 4])
        }
        #[inline(always)]
        pub fn load(s: &[f32]) -> F32x4 {
            F32x4([s[0], s[1], s[2], s[3]])
        }
        /// # Safety
        /// `p..p + 4` must be readable.
        #[inline(always)]
        pub unsafe fn load_ptr(p: *const f32) -> F32x4 {
            F32x4([*p, *p.add(1), *p.add(2), *p.add(3)])
        }
        /// # Safety
        /// `p..p + 4` must be writable.
        #[inline(always)]
        pub unsafe fn store_ptr(self, p: *mut f32) {
            for k in 0..4 {
                *p.add(k) = self.0[k];
            }
        }
        #[inline(always)]
        pub fn store(self, s: &mut [f32]) {
            s[..4].copy_from_slice(&self.0);
        }
        #[inline(always)]
        pub fn add(self, o: F32x4) -> F32x4 {
            F32x4(core::array::from_fn(|k| self.0[k] + o.0[k]))
        }
        #[inline(always)]
        pub fn sub(self, o: F32x4) -> F32x4 {
            F32x4(core::array::from_fn(|k| self.0[k] - o.0[k]))
        }
        #[inline(always)]
        pub fn mul(self, o: F32x4) -> F32x4 {
            F32x4(core::array::from_fn(|k| self.0[k] * o.0[k]))
        }
        #[inline(always)]
        pub fn abs(self) -> F32x4 {
            F32x4(self.0.map(f32::abs))
        }
        #[inline(always)]
        pub fn unit_from_bits(lo: u64, hi: u64) -> F32x4 {
            let halves = [lo as u32, (lo >> 32) as u32, hi as u32, (hi >> 32) as u32];
            F32x4(halves.map(|b| (b >> 8) as f32 * (1.0 / 16_777_216.0)))
        }
        #[inline(always)]
        pub fn where_positive(self, gate: F32x4) -> F32x4 {
            F32x4(core::array::from_fn(|k| {
                if gate.0[k] > 0.0 {
                    self.0[k]
                } else {
                    0.0
                }
            }))
        }
        #[inline(always)]
        pub fn positive_mask(self) -> u32 {
            (0..4).map(|k| ((self.0[k] > 0.0) as u32) << k).sum()
        }
        #[inline(always)]
        pub fn nonzero_mask(self) -> u32 {
            (0..4).map(|k| ((self.0[k] != 0.0) as u32) << k).sum()
        }
        #[inline(always)]
        pub fn to_array(self) -> [f32; 4] {
            self.0
        }
    }

    #[derive(Clone, Copy)]
    pub struct U8x16([u8; 16]);

    impl U8x16 {
        #[inline(always)]
        pub fn from_u64s(lo: u64, hi: u64) -> U8x16 {
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&lo.to_le_bytes());
            b[8..].copy_from_slice(&hi.to_le_bytes());
            U8x16(b)
        }
        #[inline(always)]
        pub fn load(b: &[u8; 16]) -> U8x16 {
            U8x16(*b)
        }
        #[inline(always)]
        pub fn lt_mask(self, t: U8x16) -> u32 {
            (0..16).map(|k| ((self.0[k] < t.0[k]) as u32) << k).sum()
        }
        #[inline(always)]
        pub fn eq_mask(self, t: U8x16) -> u32 {
            (0..16).map(|k| ((self.0[k] == t.0[k]) as u32) << k).sum()
        }
    }
}

pub use imp::{F32x4, U8x16};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_masks_compare_unsigned() {
        let (lo, hi) = (0x0102_0304_80ff_0000u64, 0xfe7f_8081_0000_0010u64);
        let t = [
            0, 1, 0xff, 0x80, 3, 3, 2, 1, 0x10, 0, 0, 0, 0x81, 0x7f, 0x80, 0xfe,
        ];
        let mut x = [0u8; 16];
        x[..8].copy_from_slice(&lo.to_le_bytes());
        x[8..].copy_from_slice(&hi.to_le_bytes());
        let mask =
            |f: fn(u8, u8) -> bool| (0..16).map(|k| (f(x[k], t[k]) as u32) << k).sum::<u32>();
        let v = U8x16::from_u64s(lo, hi);
        assert_eq!(v.lt_mask(U8x16::load(&t)), mask(|a, b| a < b));
        assert_eq!(v.eq_mask(U8x16::load(&t)), mask(|a, b| a == b));
        assert!(mask(|a, b| a < b) != 0 && mask(|a, b| a == b) != 0 && mask(|a, b| a > b) != 0);
        // Bytes above 0x7f are large, not negative.
        assert_eq!(
            U8x16::from_u64s(0xff, 0).lt_mask(U8x16::load(&[1; 16])),
            0xfffe
        );
    }

    #[test]
    fn lanes_are_ieee_single_operations() {
        let a = [1.5f32, -2.0, 1e-40, f32::MAX];
        let b = [0.1f32, 3.0, 1e-3, 2.0];
        let (va, vb) = (F32x4::load(&a), F32x4::load(&b));
        let expect = |f: fn(f32, f32) -> f32| core::array::from_fn::<f32, 4, _>(|k| f(a[k], b[k]));
        let bits = |x: [f32; 4]| x.map(f32::to_bits);
        assert_eq!(bits(va.add(vb).to_array()), bits(expect(|x, y| x + y)));
        assert_eq!(bits(va.sub(vb).to_array()), bits(expect(|x, y| x - y)));
        assert_eq!(bits(va.mul(vb).to_array()), bits(expect(|x, y| x * y)));
        let unit = F32x4::unit_from_bits(0xffff_ffff_0000_0100, 0x8000_0000_7fff_ffff).to_array();
        let top = |b: u32| (b >> 8) as f32 / 16_777_216.0;
        assert_eq!(
            bits(unit),
            bits([
                top(0x100),
                top(0xffff_ffff),
                top(0x7fff_ffff),
                top(0x8000_0000)
            ])
        );
        let signed = F32x4::load(&[-1.5, 2.0, -0.0, f32::NEG_INFINITY]);
        assert_eq!(
            bits(signed.abs().to_array()),
            bits([1.5, 2.0, 0.0, f32::INFINITY])
        );
        let gate = F32x4::load(&[1.0, -1.0, 0.0, f32::NAN]);
        assert_eq!(
            bits(va.where_positive(gate).to_array()),
            bits([1.5, 0.0, 0.0, 0.0])
        );
        assert_eq!(gate.positive_mask(), 0b0001);
        assert_eq!(gate.nonzero_mask(), 0b1011);
    }
}
