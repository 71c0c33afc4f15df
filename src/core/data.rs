//! Synthetic sparse data (docs/science.md, "The four models"): feature i is present with probability
//! p_i; a present feature's value is drawn from U[0, 1) (or U[−1, 1) for `abs`), independently of its
//! presence. A fresh batch is drawn every step.
//!
//! Two ways to draw, chosen by the densities (both exact, each the cheaper one where it is used):
//! - sparse data: absent features are skipped with geometric gaps rather than tested one by one, so a
//!   batch costs about what its present features cost: at p = 0.01 a 1024 × 100 batch is ~1,000 draws,
//!   not 102,400;
//! - denser data: row by row, presence from one random byte per feature (16 compared at once), then
//!   the present features' values two to a draw, written straight into place (a geometric gap costs a
//!   logarithm, which is dearer than testing every feature once features are present more than a few
//!   percent of the time).

use crate::core::rng::Rng;
use crate::core::simd::{F32x4, U8x16};

/// One batch in compressed sparse rows: row b's present features are `feature[row_start[b]..row_start[b+1]]`
/// (ascending) with values `value[..]` alongside. Absent features are exact zeros. `feature` and `value`
/// may run past the last row (scratch kept between batches): the batch is their first `nnz()` entries.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    pub rows: usize,
    pub n: usize,
    pub row_start: Vec<u32>,
    pub feature: Vec<u32>,
    pub value: Vec<f32>,
    // Column-major scratch: drawing is done feature by feature, then bucketed into rows.
    col_row: Vec<u32>,
    col_value: Vec<f32>,
    col_start: Vec<u32>,
}

impl Batch {
    /// Row b's present features and their values.
    #[inline]
    pub fn row(&self, b: usize) -> (&[u32], &[f32]) {
        let (s, e) = (self.row_start[b] as usize, self.row_start[b + 1] as usize);
        (&self.feature[s..e], &self.value[s..e])
    }

    /// How many features are present in all (the entries of `feature` and `value` that are the batch).
    pub fn nnz(&self) -> usize {
        self.row_start.get(self.rows).map_or(0, |&e| e as usize)
    }

    /// The batch as a dense rows × n matrix (for tests and small exports).
    pub fn to_dense(&self) -> Vec<f32> {
        let mut x = vec![0.0; self.rows * self.n];
        for b in 0..self.rows {
            let (f, v) = self.row(b);
            for (&i, &v) in f.iter().zip(v) {
                x[b * self.n + i as usize] = v;
            }
        }
        x
    }

    /// Builds a batch from a dense matrix (for tests).
    pub fn from_dense(x: &[f32], rows: usize, n: usize) -> Batch {
        let mut batch = Batch {
            rows,
            n,
            ..Batch::default()
        };
        batch.row_start.push(0);
        for b in 0..rows {
            for i in 0..n {
                if x[b * n + i] != 0.0 {
                    batch.feature.push(i as u32);
                    batch.value.push(x[b * n + i]);
                }
            }
            batch.row_start.push(batch.feature.len() as u32);
        }
        batch
    }
}

/// For each byte, the positions of its set bits in order (padded with 0), and how many there are.
const SET_BITS8: [[u32; 8]; 256] = crate::core::kernels::set_bit_table::<8, 256>();
const COUNT8: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut mask = 0;
    while mask < 256 {
        table[mask] = (mask as u32).count_ones() as u8;
        mask += 1;
    }
    table
};

/// Appends base + k for each set bit k of the low byte of `mask`, in order, at `buf[count..]`, and
/// returns the new count. Always writes eight entries: no branch on the bits.
#[inline(always)]
fn append_byte(mask: u32, base: u32, buf: &mut [u32], count: usize) -> usize {
    let byte = (mask & 0xff) as usize;
    // As a map and a copy, which the compiler turns into two vector additions.
    buf[count..count + 8].copy_from_slice(&SET_BITS8[byte].map(|k| base + k));
    count + COUNT8[byte] as usize
}

/// Which of 16 features are present in a row: one random byte each, 16 compared at once with the
/// thresholds `t` (two draws); a byte equal to its threshold (1 in 256) is decided by 32 more bits, for
/// the features not always present.
#[inline(always)]
fn draw_block(rng: &mut Rng, t: &[u8; 16], valid: u32, always: u32, remainder: &[u64]) -> u32 {
    let bytes = U8x16::from_u64s(rng.next_u64(), rng.next_u64());
    let t = U8x16::load(t);
    let mut present = (bytes.lt_mask(t) | always) & valid;
    let mut ties = bytes.eq_mask(t) & valid & !always;
    while ties != 0 {
        let k = ties.trailing_zeros();
        if (rng.next_u64() >> 32) < remainder[k as usize] {
            present |= 1 << k;
        }
        ties &= ties - 1;
    }
    present
}

/// A row's `count` values: pairs over them and the slot after them (which covers an odd count), two
/// draws (four values) at a time as `fill_values` converts them, then a last pair. Writes up to
/// `count + 1` values.
#[inline(always)]
fn draw_values(rng: &mut Rng, signed: bool, value: &mut [f32], count: usize) {
    let pairs = count.div_ceil(2);
    let (two, one) = (F32x4::splat(2.0), F32x4::splat(1.0));
    for quad in value[..4 * (pairs / 2)].chunks_exact_mut(4) {
        let u = F32x4::unit_from_bits(rng.next_u64(), rng.next_u64());
        // 2u − 1, as `value_of` computes it.
        let v = if signed { u.mul(two).sub(one) } else { u };
        v.store(quad);
    }
    if pairs % 2 == 1 {
        let r = rng.next_u64();
        let k = 4 * (pairs / 2);
        value[k] = value_of(signed, r as u32);
        value[k + 1] = value_of(signed, (r >> 32) as u32);
    }
}

/// A value from 32 random bits (the top 24 of them: every value is exactly representable).
#[inline(always)]
fn value_of(signed: bool, bits: u32) -> f32 {
    let u = (bits >> 8) as f32 * (1.0 / (1u32 << 24) as f32);
    if signed {
        2.0 * u - 1.0
    } else {
        u
    }
}

/// Row-by-row drawing for up to 32 features, as [`Sampler::row_draws`] copies it.
#[derive(Clone, Copy, Debug)]
pub struct RowDraws {
    blocks: usize,
    threshold: [[u8; 16]; 2],
    always: [u32; 2],
    valid: [u32; 2],
    remainder: [u64; 32],
    signed: bool,
}

impl RowDraws {
    /// One row, as [`Sampler::draw_row`] draws it (the same draws), giving the present features as
    /// bits (feature i is bit i) and their values in `value[..count]` (room for n + 1 needed).
    #[inline(always)]
    pub fn draw(&self, rng: &mut Rng, value: &mut [f32]) -> u32 {
        let mut bits = 0u32;
        for c in 0..self.blocks {
            let block = draw_block(
                rng,
                &self.threshold[c],
                self.valid[c],
                self.always[c],
                &self.remainder[16 * c..],
            );
            bits |= block << (16 * c);
        }
        draw_values(rng, self.signed, value, bits.count_ones() as usize);
        bits
    }
}

/// Draws batches for one run's densities and value range.
#[derive(Clone, Debug)]
pub struct Sampler {
    n: usize,
    signed: bool,
    /// p_i == 1: every row has feature i.
    always: Vec<bool>,
    /// ln(1 − p_i), for the geometric gaps between present rows.
    ln_absent: Vec<f64>,
    /// Row-by-row presence: feature i is present when a random byte is below t_i = ⌊256 p_i⌋, or equals
    /// it and 32 further random bits are below the remainder (256 p_i − t_i) 2³². That is exactly p_i
    /// (to 2⁻⁴⁰) at the cost of one byte in all but 1 in 256 cases.
    byte_remainder: Vec<u64>,
    /// The same per block of 16 features, for comparing 16 random bytes at once: the thresholds (0
    /// for features always present, which `always16` marks, and for the lanes past n), and the lanes
    /// that are features (`valid16`).
    threshold16: Vec<[u8; 16]>,
    always16: Vec<u32>,
    valid16: Vec<u32>,
    /// Groups of four features in each block (a block of n < 16 has fewer).
    groups16: Vec<u32>,
    row_by_row: bool,
}

/// Above this mean density a batch is drawn row by row (a byte per feature and row); below it, by
/// geometric gaps (about one logarithm per present feature). Measured in wasm for abs n = 100, m = 40:
/// at p = 0.03 gaps are still a few percent faster overall; at 0.1 row by row is several times cheaper to
/// draw.
const ROW_BY_ROW_DENSITY: f64 = 0.03;

impl Sampler {
    pub fn new(densities: &[f32], signed: bool) -> Sampler {
        Sampler {
            n: densities.len(),
            signed,
            always: densities.iter().map(|&p| p >= 1.0).collect(),
            ln_absent: densities
                .iter()
                .map(|&p| libm::log(1.0 - p as f64))
                .collect(),
            threshold16: densities
                .chunks(16)
                .map(|block| {
                    let mut t = [0u8; 16];
                    for (t, &p) in t.iter_mut().zip(block) {
                        *t = libm::floor(p.clamp(0.0, 1.0) as f64 * 256.0).min(255.0) as u8;
                        if p >= 1.0 {
                            *t = 0;
                        }
                    }
                    t
                })
                .collect(),
            always16: densities
                .chunks(16)
                .map(|block| {
                    (0..block.len())
                        .map(|k| ((block[k] >= 1.0) as u32) << k)
                        .sum()
                })
                .collect(),
            valid16: densities
                .chunks(16)
                .map(|block| (1u32 << block.len()) - 1)
                .collect(),
            groups16: densities
                .chunks(16)
                .map(|block| block.len().div_ceil(4) as u32)
                .collect(),
            byte_remainder: densities
                .iter()
                .map(|&p| {
                    let scaled = p.clamp(0.0, 1.0) as f64 * 256.0;
                    libm::round((scaled - libm::floor(scaled)) * 4_294_967_296.0) as u64
                })
                .collect(),
            row_by_row: densities.iter().map(|&p| p as f64).sum::<f64>()
                >= ROW_BY_ROW_DENSITY * densities.len() as f64,
        }
    }

    /// Fills `batch` with a fresh batch of `rows` rows drawn from `rng`.
    pub fn sample(&self, rng: &mut Rng, rows: usize, batch: &mut Batch) {
        batch.rows = rows;
        batch.n = self.n;
        if self.row_by_row {
            return self.sample_row_by_row(rng, rows, batch);
        }
        batch.col_row.clear();
        batch.col_value.clear();
        batch.col_start.clear();
        batch.col_start.push(0);
        for i in 0..self.n {
            if self.always[i] {
                for b in 0..rows {
                    batch.col_row.push(b as u32);
                    batch.col_value.push(self.value(rng));
                }
            } else {
                let mut b = rng.geometric(self.ln_absent[i]);
                while b < rows as u64 {
                    batch.col_row.push(b as u32);
                    batch.col_value.push(self.value(rng));
                    b = b.saturating_add(1 + rng.geometric(self.ln_absent[i]));
                }
            }
            batch.col_start.push(batch.col_row.len() as u32);
        }
        // Counting sort of the column entries into rows; features stay ascending within a row.
        let nnz = batch.col_row.len();
        batch.row_start.clear();
        batch.row_start.resize(rows + 1, 0);
        for &b in &batch.col_row {
            batch.row_start[b as usize + 1] += 1;
        }
        for b in 0..rows {
            batch.row_start[b + 1] += batch.row_start[b];
        }
        batch.feature.resize(nnz, 0);
        batch.value.resize(nnz, 0.0);
        let mut next: Vec<u32> = batch.row_start[..rows].to_vec();
        for i in 0..self.n {
            let (s, e) = (batch.col_start[i] as usize, batch.col_start[i + 1] as usize);
            for k in s..e {
                let b = batch.col_row[k] as usize;
                let slot = next[b] as usize;
                batch.feature[slot] = i as u32;
                batch.value[slot] = batch.col_value[k];
                next[b] += 1;
            }
        }
    }

    /// Row by row: presence from one byte per feature, 16 compared at once (two draws), the present
    /// ones appended without a branch on them (whether a feature is present is a coin flip to a branch
    /// predictor); then the row's present features' values, two to a draw. When every feature is always
    /// present, no presence is drawn.
    fn sample_row_by_row(&self, rng: &mut Rng, rows: usize, batch: &mut Batch) {
        let n = self.n;
        batch.row_start.clear();
        batch.row_start.push(0);
        // Room to spare: indices are written in blocks of four, values in pairs (see `draw_row`). The
        // vectors keep their length between batches (only the rows' part is the batch), so this zeroes
        // memory only when it grows.
        let room = rows * n + 24;
        if batch.feature.len() < room {
            batch.feature.resize(room, 0);
            batch.value.resize(room, 0.0);
        }
        if self.always.iter().all(|&a| a) {
            for (b, features) in batch.feature.chunks_exact_mut(n).take(rows).enumerate() {
                for (i, f) in features.iter_mut().enumerate() {
                    *f = i as u32;
                }
                batch.row_start.push(((b + 1) * n) as u32);
            }
            self.fill_values(rng, &mut batch.value[..rows * n]);
            return;
        }
        let (feature, value) = (&mut batch.feature[..], &mut batch.value[..]);
        let mut at = 0usize;
        for _ in 0..rows {
            at += self.draw_row(rng, &mut feature[at..], &mut value[at..]);
            batch.row_start.push(at as u32);
        }
    }

    /// Whether batches are drawn row by row (one row's draws at a time, [`Sampler::draw_row`]): when
    /// the mean density is not low and some feature can be absent.
    pub fn draws_rows(&self) -> bool {
        self.row_by_row && !self.always.iter().all(|&a| a)
    }

    /// One row of a batch drawn row by row: its present features, ascending, into `feature[..count]`,
    /// their values into `value[..count]`; returns count. Writes scratch past the row: `feature` needs
    /// room for n + 8, `value` for n + 4.
    #[inline(always)]
    pub fn draw_row(&self, rng: &mut Rng, feature: &mut [u32], value: &mut [f32]) -> usize {
        let mut at = 0;
        for c in 0..self.threshold16.len() {
            let present = self.draw_block(rng, c);
            // A byte of the mask at a time, and only the bytes that hold features.
            at = append_byte(present, 16 * c as u32, feature, at);
            if self.groups16[c] > 2 {
                at = append_byte(present >> 8, 16 * c as u32 + 8, feature, at);
            }
        }
        self.draw_values(rng, value, at);
        at
    }

    /// What drawing one row takes, copied out for n ≤ 32 (a lane trainer keeps it on its stack, where
    /// no store can alias it): [`RowDraws::draw`] draws exactly what [`Sampler::draw_row`] draws.
    pub fn row_draws(&self) -> Option<RowDraws> {
        if self.n > 32 || !self.draws_rows() {
            return None;
        }
        let mut d = RowDraws {
            blocks: self.threshold16.len(),
            threshold: [[0; 16]; 2],
            always: [0; 2],
            valid: [0; 2],
            remainder: [0; 32],
            signed: self.signed,
        };
        for c in 0..d.blocks {
            d.threshold[c] = self.threshold16[c];
            d.always[c] = self.always16[c];
            d.valid[c] = self.valid16[c];
        }
        d.remainder[..self.n].copy_from_slice(&self.byte_remainder);
        Some(d)
    }

    /// Which features of block c (16 features) are present in a row.
    #[inline(always)]
    fn draw_block(&self, rng: &mut Rng, c: usize) -> u32 {
        draw_block(
            rng,
            &self.threshold16[c],
            self.valid16[c],
            self.always16[c],
            &self.byte_remainder[16 * c..],
        )
    }

    #[inline(always)]
    fn draw_values(&self, rng: &mut Rng, value: &mut [f32], count: usize) {
        draw_values(rng, self.signed, value, count)
    }

    /// Fills `values` with fresh values, four to two draws (each 32-bit half giving one), converted four
    /// lanes at a time (every feature present: a whole batch of values).
    #[inline]
    fn fill_values(&self, rng: &mut Rng, values: &mut [f32]) {
        let (two, one) = (F32x4::splat(2.0), F32x4::splat(1.0));
        let mut quads = values.chunks_exact_mut(4);
        for quad in &mut quads {
            let u = F32x4::unit_from_bits(rng.next_u64(), rng.next_u64());
            // 2u − 1, as `value_of` computes it.
            let v = if self.signed { u.mul(two).sub(one) } else { u };
            v.store(quad);
        }
        for v in quads.into_remainder() {
            *v = self.value_of(rng.next_u64() as u32);
        }
    }

    #[inline]
    fn value_of(&self, bits: u32) -> f32 {
        value_of(self.signed, bits)
    }

    #[inline]
    fn value(&self, rng: &mut Rng) -> f32 {
        let u = rng.uniform_f32();
        if self.signed {
            2.0 * u - 1.0
        } else {
            u
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rng::Stream;

    #[test]
    fn presence_follows_each_features_density_and_values_their_range() {
        // Drawn row by row (mean density 0.32), by geometric gaps (mean 0.024, with one feature
        // always present), with every feature present (two values per draw), and row by row over
        // several blocks of 16 features.
        let row_by_row = vec![1.0f32, 0.5, 0.1, 0.01, 0.001];
        let mut gaps = vec![1.0f32, 0.05, 0.01, 0.001, 0.0];
        gaps.resize(45, 0.0);
        let all_present = vec![1.0f32; 5];
        // Several blocks of 16 and a partial one.
        let blocks: Vec<f32> = (0..37).map(|i| [0.9, 0.3, 0.05, 1.0][i % 4]).collect();
        for (densities, by_rows) in [
            (row_by_row, true),
            (gaps, false),
            (all_present, true),
            (blocks, true),
        ] {
            for signed in [false, true] {
                let sampler = Sampler::new(&densities, signed);
                assert_eq!(sampler.row_by_row, by_rows);
                let mut rng = Rng::new(11, Stream::Data);
                let mut batch = Batch::default();
                let rows = 4096;
                let mut present = vec![0usize; densities.len()];
                let mut negative = 0usize;
                for _ in 0..25 {
                    sampler.sample(&mut rng, rows, &mut batch);
                    for b in 0..rows {
                        let (f, v) = batch.row(b);
                        assert!(f.windows(2).all(|w| w[0] < w[1]), "features ascending");
                        for (&i, &v) in f.iter().zip(v) {
                            present[i as usize] += 1;
                            if signed {
                                assert!((-1.0..1.0).contains(&v));
                            } else {
                                assert!((0.0..1.0).contains(&v));
                            }
                            negative += (v < 0.0) as usize;
                        }
                    }
                }
                let total = (25 * rows) as f64;
                for (i, &p) in densities.iter().enumerate() {
                    let seen = present[i] as f64 / total;
                    let p = p as f64;
                    let sd = (p * (1.0 - p) / total).sqrt();
                    assert!(
                        (seen - p).abs() <= 5.0 * sd + 1e-9,
                        "feature {i}: {seen} vs {p}"
                    );
                }
                let nnz: usize = present.iter().sum();
                if signed {
                    assert!((negative as f64 / nnz as f64 - 0.5).abs() < 0.01);
                } else {
                    assert_eq!(negative, 0);
                }
            }
        }
    }

    #[test]
    fn dense_round_trip() {
        let sampler = Sampler::new(&[0.3; 7], true);
        let mut rng = Rng::new(5, Stream::Data);
        let mut batch = Batch::default();
        sampler.sample(&mut rng, 50, &mut batch);
        let x = batch.to_dense();
        let again = Batch::from_dense(&x, 50, 7);
        assert_eq!(again.row_start, batch.row_start);
        let nnz = batch.nnz();
        assert_eq!(again.feature, batch.feature[..nnz]);
        assert_eq!(again.value, batch.value[..nnz]);
    }
}
