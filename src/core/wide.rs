//! The hot kernels of [`kernels`](super::kernels) at AVX2 width, for native runs on x86-64 CPUs that
//! have it (docs/science.md, "Determinism").
//!
//! Each is the same sums in the same order as its four-lane original, so it gives the same bits:
//! - `axpy`, `bias_plus_rows` and `add_to_rows` are element-wise over their output lanes (each lane is
//!   a chain of adds over the rows, in row order), so eight lanes per instruction, or any split of the
//!   outputs into passes, changes nothing but speed. That lets a pass keep up to 96 outputs in twelve
//!   registers: abs n = 100 sums its outputs in one pass over the rows where four lanes need five.
//! - `dot_and_axpy`'s dot keeps the 16 partial sums of `kernels::blocks` (offset 16b + 4q + l into sum
//!   (q, l)) as two eight-lane sums, (q 0, 1) and (q 2, 3), then splits them into the four-lane sums
//!   for the rest of the row and the same `reduce4` tree.
//!
//! No FMA and no approximate instruction: a multiply then an add, each rounded, as in `simd.rs`.
//! The functions are reached only through [`Avx2`], a token that exists only where the CPU has AVX2;
//! they are `inline(always)` so that they compile into the AVX2 entry points of `model.rs`.

use crate::core::kernels::{Kernels, Rows};
use core::arch::x86_64::*;

/// Proof that this CPU has AVX2: the only way to run the kernels below.
#[derive(Clone, Copy)]
pub struct Avx2(());

impl Avx2 {
    /// The token where the CPU has AVX2 (never under `--features scalar-lanes`, which tests the
    /// portable path).
    pub fn detect() -> Option<Avx2> {
        if cfg!(feature = "scalar-lanes") {
            return None;
        }
        std::is_x86_feature_detected!("avx2").then_some(Avx2(()))
    }
}

/// The most eight-lane sums a pass keeps in registers (of 16: the rest hold the row's factor, a
/// loaded vector and the four-lane tail).
const MAX_PASS: usize = 12;

// SAFETY (every `unsafe` block in this impl): an `Avx2` exists only where the CPU has AVX2, and every
// pointer offset is checked by the asserts at the top of each function.
impl Kernels for Avx2 {
    #[inline(always)]
    fn axpy(self, y: &mut [f32], a: f32, x: &[f32]) {
        let len = y.len().min(x.len());
        let mut k = 0;
        unsafe {
            let va = _mm256_set1_ps(a);
            let (py, px) = (y.as_mut_ptr(), x.as_ptr());
            while k + 8 <= len {
                let v = _mm256_add_ps(
                    _mm256_loadu_ps(py.add(k)),
                    _mm256_mul_ps(va, _mm256_loadu_ps(px.add(k))),
                );
                _mm256_storeu_ps(py.add(k), v);
                k += 8;
            }
            if k + 4 <= len {
                let va = _mm_set1_ps(a);
                let v = _mm_add_ps(
                    _mm_loadu_ps(py.add(k)),
                    _mm_mul_ps(va, _mm_loadu_ps(px.add(k))),
                );
                _mm_storeu_ps(py.add(k), v);
                k += 4;
            }
        }
        for k in k..len {
            y[k] += a * x[k];
        }
    }

    #[inline(always)]
    fn dot_and_axpy(self, a: &[f32], g: &[f32], y: &mut [f32], h: f32) -> f32 {
        let len = a.len().min(g.len()).min(y.len());
        let mut k = 0;
        let mut sum;
        unsafe {
            let (pa, pg, py) = (a.as_ptr(), g.as_ptr(), y.as_mut_ptr());
            let vh = _mm256_set1_ps(h);
            let (mut lo, mut hi) = (_mm256_setzero_ps(), _mm256_setzero_ps());
            while k + 16 <= len {
                let (g0, g1) = (_mm256_loadu_ps(pg.add(k)), _mm256_loadu_ps(pg.add(k + 8)));
                lo = _mm256_add_ps(lo, _mm256_mul_ps(_mm256_loadu_ps(pa.add(k)), g0));
                hi = _mm256_add_ps(hi, _mm256_mul_ps(_mm256_loadu_ps(pa.add(k + 8)), g1));
                let y0 = _mm256_add_ps(_mm256_loadu_ps(py.add(k)), _mm256_mul_ps(vh, g0));
                let y1 = _mm256_add_ps(_mm256_loadu_ps(py.add(k + 8)), _mm256_mul_ps(vh, g1));
                _mm256_storeu_ps(py.add(k), y0);
                _mm256_storeu_ps(py.add(k + 8), y1);
                k += 16;
            }
            // Sums (q 0, 1) and (q 2, 3) split into the four of `kernels::blocks`, which take the
            // rest of the row a block of four each, in order.
            let mut acc = [
                _mm256_castps256_ps128(lo),
                _mm256_extractf128_ps::<1>(lo),
                _mm256_castps256_ps128(hi),
                _mm256_extractf128_ps::<1>(hi),
            ];
            let vh = _mm_set1_ps(h);
            for acc in acc.iter_mut() {
                if k + 4 <= len {
                    let vg = _mm_loadu_ps(pg.add(k));
                    *acc = _mm_add_ps(*acc, _mm_mul_ps(_mm_loadu_ps(pa.add(k)), vg));
                    let yk = _mm_add_ps(_mm_loadu_ps(py.add(k)), _mm_mul_ps(vh, vg));
                    _mm_storeu_ps(py.add(k), yk);
                    k += 4;
                }
            }
            // `kernels::reduce4`: ((s0 + s2) + (s1 + s3)) over q, then over l.
            let v = _mm_add_ps(_mm_add_ps(acc[0], acc[2]), _mm_add_ps(acc[1], acc[3]));
            let mut l = [0.0f32; 4];
            _mm_storeu_ps(l.as_mut_ptr(), v);
            sum = (l[0] + l[2]) + (l[1] + l[3]);
        }
        while k < len {
            sum += a[k] * g[k];
            y[k] += h * g[k];
            k += 1;
        }
        sum
    }

    #[inline(always)]
    fn bias_plus_rows<R: Rows>(
        self,
        b: &[f32],
        e: &[f32],
        n: usize,
        rows: R,
        c: &[f32],
        out: &mut [f32],
    ) {
        assert!(b.len() >= n && out.len() >= n && c.len() >= rows.count());
        assert!(rows.within(n, e.len()));
        let mut at = 0;
        for (start, v, tail) in passes(n) {
            at = start + 8 * v + 4 * tail as usize;
            macro_rules! pass {
                ($($v:literal)*) => {
                    match (v, tail) {
                        $(($v, false) => rows_pass::<R, $v, false>(b, e, n, rows, c, out, start),
                          ($v, true) => rows_pass::<R, $v, true>(b, e, n, rows, c, out, start),)*
                        _ => rows_pass::<R, 0, true>(b, e, n, rows, c, out, start),
                    }
                };
            }
            pass!(1 2 3 4 5 6 7 8 9 10 11 12);
        }
        out[at..n].copy_from_slice(&b[at..n]);
        if at == n {
            // No tail (n is a multiple of four, as in most models): skip the loop over every row.
            return;
        }
        for (k, &cj) in c[..rows.count()].iter().enumerate() {
            let start = rows.start(k, n);
            // Fewer than four outputs: `axpy`'s one-by-one tail.
            self.axpy(&mut out[at..n], cj, &e[start + at..start + n]);
        }
    }

    #[inline(always)]
    fn add_to_rows(self, e: &mut [f32], n: usize, rows: &[u32], c: &[f32], x: &[f32]) {
        assert!(x.len() >= n && c.len() >= rows.len());
        assert!(rows.within(n, e.len()));
        let mut at = 0;
        for (start, v, tail) in passes(n) {
            at = start + 8 * v + 4 * tail as usize;
            macro_rules! pass {
                ($($v:literal)*) => {
                    match (v, tail) {
                        $(($v, false) => add_pass::<$v, false>(e, n, rows, c, x, start),
                          ($v, true) => add_pass::<$v, true>(e, n, rows, c, x, start),)*
                        _ => add_pass::<0, true>(e, n, rows, c, x, start),
                    }
                };
            }
            pass!(1 2 3 4 5 6 7 8 9 10 11 12);
        }
        if at == n {
            return;
        }
        for (&j, &cj) in rows.iter().zip(c) {
            let j = j as usize;
            self.axpy(&mut e[j * n + at..j * n + n], cj, &x[at..n]);
        }
    }
}

/// The passes over n outputs, as (first output, eight-lane vectors, whether a four-lane vector
/// follows): the whole eight-lane vectors split into as few passes of at most [`MAX_PASS`] as
/// possible, of near-equal sizes, and a last four outputs (n mod 8 ≥ 4) in the last pass.
fn passes(n: usize) -> impl Iterator<Item = (usize, usize, bool)> {
    let vectors = n / 8;
    let tail = n % 8 >= 4;
    let count = vectors.div_ceil(MAX_PASS).max(tail as usize);
    (0..count).scan(0, move |at, p| {
        let v = vectors / count + (p < vectors % count) as usize;
        let start = *at;
        *at += 8 * v;
        Some((start, v, tail && p + 1 == count))
    })
}

/// One pass of `bias_plus_rows` over outputs `at..at + 8V (+ 4)`, summed in registers over the rows.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn rows_pass<R: Rows, const V: usize, const TAIL: bool>(
    b: &[f32],
    e: &[f32],
    n: usize,
    rows: R,
    c: &[f32],
    out: &mut [f32],
    at: usize,
) {
    assert!(at + 8 * V + 4 * TAIL as usize <= n);
    // SAFETY: AVX2 (the caller holds an `Avx2`); the offsets are within n of at, which the caller
    // checked for every row and asserted for b and out.
    unsafe {
        let mut acc: [__m256; V] =
            core::array::from_fn(|q| _mm256_loadu_ps(b.as_ptr().add(at + 8 * q)));
        let mut last = if TAIL {
            _mm_loadu_ps(b.as_ptr().add(at + 8 * V))
        } else {
            _mm_setzero_ps()
        };
        for (k, &cj) in c[..rows.count()].iter().enumerate() {
            let row = e.as_ptr().add(rows.start(k, n) + at);
            let c8 = _mm256_set1_ps(cj);
            for (q, acc) in acc.iter_mut().enumerate() {
                *acc = _mm256_add_ps(*acc, _mm256_mul_ps(c8, _mm256_loadu_ps(row.add(8 * q))));
            }
            if TAIL {
                let c4 = _mm256_castps256_ps128(c8);
                last = _mm_add_ps(last, _mm_mul_ps(c4, _mm_loadu_ps(row.add(8 * V))));
            }
        }
        for (q, acc) in acc.iter().enumerate() {
            _mm256_storeu_ps(out.as_mut_ptr().add(at + 8 * q), *acc);
        }
        if TAIL {
            _mm_storeu_ps(out.as_mut_ptr().add(at + 8 * V), last);
        }
    }
}

/// One pass of `add_to_rows` over `at..at + 8V (+ 4)`: x held in registers, each row loaded, added to
/// and stored once.
#[inline(always)]
fn add_pass<const V: usize, const TAIL: bool>(
    e: &mut [f32],
    n: usize,
    rows: &[u32],
    c: &[f32],
    x: &[f32],
    at: usize,
) {
    assert!(at + 8 * V + 4 * TAIL as usize <= n);
    // SAFETY: as in `rows_pass`.
    unsafe {
        let xs: [__m256; V] = core::array::from_fn(|q| _mm256_loadu_ps(x.as_ptr().add(at + 8 * q)));
        let x4 = if TAIL {
            _mm_loadu_ps(x.as_ptr().add(at + 8 * V))
        } else {
            _mm_setzero_ps()
        };
        for (&j, &cj) in rows.iter().zip(c) {
            let row = e.as_mut_ptr().add(j as usize * n + at);
            let c8 = _mm256_set1_ps(cj);
            for (q, &xq) in xs.iter().enumerate() {
                let p = row.add(8 * q);
                _mm256_storeu_ps(p, _mm256_add_ps(_mm256_loadu_ps(p), _mm256_mul_ps(c8, xq)));
            }
            if TAIL {
                let p = row.add(8 * V);
                let c4 = _mm256_castps256_ps128(c8);
                _mm_storeu_ps(p, _mm_add_ps(_mm_loadu_ps(p), _mm_mul_ps(c4, x4)));
            }
        }
    }
}
