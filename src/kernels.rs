//! The few vector loops the training step is made of, written so their floating-point operation order is
//! fixed by the source: the same bits on x86-64 (SSE2) and wasm32 (simd128).
//!
//! Reductions keep `LANES` independent partial sums, which the compiler maps onto vector registers
//! without reordering anything, then combine them in a fixed tree. Rust never fuses a multiply and an add
//! into an FMA on its own, and no kernel here is chosen at run time by CPU feature, so nothing depends on
//! the machine. (This is why the project does not use a BLAS: matrixmultiply picks FMA kernels by CPU.)

pub const LANES: usize = 8;

/// Σ a_k b_k.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let len = a.len().min(b.len());
    let (a, b) = (&a[..len], &b[..len]);
    let mut acc = [0.0f32; LANES];
    let chunks = len / LANES;
    for c in 0..chunks {
        let a = &a[c * LANES..c * LANES + LANES];
        let b = &b[c * LANES..c * LANES + LANES];
        for k in 0..LANES {
            acc[k] += a[k] * b[k];
        }
    }
    for k in chunks * LANES..len {
        acc[k - chunks * LANES] += a[k] * b[k];
    }
    reduce(acc)
}

/// Combines lane partial sums in a fixed order.
#[inline]
pub fn reduce(acc: [f32; LANES]) -> f32 {
    let s4 = [
        acc[0] + acc[4],
        acc[1] + acc[5],
        acc[2] + acc[6],
        acc[3] + acc[7],
    ];
    (s4[0] + s4[2]) + (s4[1] + s4[3])
}

/// y += a x.
#[inline]
pub fn axpy(y: &mut [f32], a: f32, x: &[f32]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += a * *x;
    }
}

/// Σ x_k².
#[inline]
pub fn sum_sq(x: &[f32]) -> f32 {
    dot(x, x)
}

/// 64-bit FNV-1a over the bit patterns of f32 values: a short fingerprint of weights that differs if any
/// bit differs, used to compare runs across machines and targets.
pub fn fingerprint<'a>(parts: impl IntoIterator<Item = &'a [f32]>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for v in part {
            for byte in v.to_bits().to_le_bytes() {
                h ^= byte as u64;
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_a_plain_sum_closely_at_every_length() {
        for len in 0..40 {
            let a: Vec<f32> = (0..len).map(|k| (k as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..len).map(|k| (k as f32 * 0.11).cos()).collect();
            let plain: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
            assert!((dot(&a, &b) as f64 - plain).abs() < 1e-5, "len {len}");
        }
    }

    #[test]
    fn fingerprint_sees_one_bit() {
        let a = [1.0f32, 2.0, 3.0];
        let mut b = a;
        b[2] = f32::from_bits(b[2].to_bits() ^ 1);
        assert_ne!(fingerprint([&a[..]]), fingerprint([&b[..]]));
        assert_eq!(fingerprint([&a[..]]), fingerprint([&a.clone()[..]]));
    }
}
