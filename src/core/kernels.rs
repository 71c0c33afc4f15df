//! The few vector loops the training step is made of, written so their floating-point operation order is
//! fixed by the source: the same bits on x86-64 (SSE2) and wasm32 (simd128).
//!
//! They are written over [`F32x4`], whose lanes are plain IEEE-754 single operations on every target.
//! Reductions keep `LANES` independent partial sums and combine them in a fixed tree. Rust never fuses
//! a multiply and an add into an FMA on its own, and no kernel here is chosen at run time by CPU
//! feature, so nothing depends on the machine. (This is why the project does not use a BLAS: matrixmultiply picks FMA kernels by CPU.)

use crate::core::simd::F32x4;

/// Lanes of the partial sums in a reduction.
pub const LANES: usize = 16;

/// Combines 16 lane partial sums in a fixed order.
#[inline(always)]
fn reduce4(acc: [F32x4; 4]) -> f32 {
    let v = acc[0].add(acc[2]).add(acc[1].add(acc[3])).to_array();
    (v[0] + v[2]) + (v[1] + v[3])
}

/// Four lanes of `s` from `k`, without a bounds check.
/// # Safety
/// `k + 4 <= s.len()` (every offset [`blocks`] passes to its step satisfies it for slices of `len`).
#[inline(always)]
unsafe fn at(s: &[f32], k: usize) -> F32x4 {
    debug_assert!(k + 4 <= s.len());
    F32x4::load_ptr(s.as_ptr().add(k))
}

/// Writes four lanes into `s` from `k`, without a bounds check.
/// # Safety
/// As for [`at`].
#[inline(always)]
unsafe fn put(v: F32x4, s: &mut [f32], k: usize) {
    debug_assert!(k + 4 <= s.len());
    v.store_ptr(s.as_mut_ptr().add(k))
}

/// Runs `step(accumulator, offset)` over `len` in blocks of 16 lanes (four independent vector sums in
/// flight, accumulator q taking offsets 16b + 4q), then over what is left in blocks of 4, one per
/// accumulator in order. Returns where the scalar tail starts. Every reduction below sums in this order.
#[inline(always)]
fn blocks(len: usize, acc: &mut [F32x4; 4], mut step: impl FnMut(&mut F32x4, usize)) -> usize {
    let mut k = 0;
    while k + LANES <= len {
        for (q, acc) in acc.iter_mut().enumerate() {
            step(acc, k + 4 * q);
        }
        k += LANES;
    }
    for acc in acc.iter_mut() {
        if k + 4 <= len {
            step(acc, k);
            k += 4;
        }
    }
    k
}

/// Σ a_k b_k, with 16 lane partial sums (four independent vector additions in flight).
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let len = a.len().min(b.len());
    let mut acc = [F32x4::splat(0.0); 4];
    // SAFETY: blocks() passes offsets with k + 4 <= len <= a.len(), b.len().
    let step = |acc: &mut F32x4, k: usize| unsafe {
        *acc = acc.add(at(a, k).mul(at(b, k)));
    };
    let mut k = blocks(len, &mut acc, step);
    let mut sum = reduce4(acc);
    while k < len {
        sum += a[k] * b[k];
        k += 1;
    }
    sum
}

/// Sums lane partials written as a plain array (for scalar loops that keep LANES partial sums).
#[inline]
pub fn reduce(acc: [f32; LANES]) -> f32 {
    let v: [F32x4; 4] = core::array::from_fn(|q| F32x4::load(&acc[4 * q..]));
    reduce4(v)
}

/// y += a x.
#[inline]
pub fn axpy(y: &mut [f32], a: f32, x: &[f32]) {
    let len = y.len().min(x.len());
    let (y, x) = (&mut y[..len], &x[..len]);
    let va = F32x4::splat(a);
    // Whole chunks of four (no bounds check per chunk), then the rest one by one.
    let mut ys = y.chunks_exact_mut(4);
    let mut xs = x.chunks_exact(4);
    for (yc, xc) in (&mut ys).zip(&mut xs) {
        F32x4::load(yc).add(va.mul(F32x4::load(xc))).store(yc);
    }
    for (y, x) in ys.into_remainder().iter_mut().zip(xs.remainder()) {
        *y += a * *x;
    }
}

/// Returns a · g and, in the same pass, does y += h g: the two halves of back-propagating through one
/// neuron's output weights a (∂/∂h = a · g, ∂/∂a += h g) read g once.
#[inline]
pub fn dot_and_axpy(a: &[f32], g: &[f32], y: &mut [f32], h: f32) -> f32 {
    let len = a.len().min(g.len()).min(y.len());
    let vh = F32x4::splat(h);
    let mut acc = [F32x4::splat(0.0); 4];
    // The 16-lane blocks walk three pointers forward, so every load and store is a pointer plus a
    // constant (which a wasm engine folds into the instruction), in the order of `blocks`.
    let mut k = 0;
    // SAFETY: k + 16 <= len <= a.len(), g.len(), y.len() at every block.
    unsafe {
        let (mut pa, mut pg, mut py) = (a.as_ptr(), g.as_ptr(), y.as_mut_ptr());
        while k + LANES <= len {
            for (q, acc) in acc.iter_mut().enumerate() {
                let vg = F32x4::load_ptr(pg.add(4 * q));
                *acc = acc.add(F32x4::load_ptr(pa.add(4 * q)).mul(vg));
                F32x4::load_ptr(py.add(4 * q))
                    .add(vh.mul(vg))
                    .store_ptr(py.add(4 * q));
            }
            pa = pa.add(LANES);
            pg = pg.add(LANES);
            py = py.add(LANES);
            k += LANES;
        }
    }
    for acc in acc.iter_mut() {
        if k + 4 <= len {
            let vg = F32x4::load(&g[k..]);
            *acc = acc.add(F32x4::load(&a[k..]).mul(vg));
            let yk = &mut y[k..k + 4];
            F32x4::load(yk).add(vh.mul(vg)).store(yk);
            k += 4;
        }
    }
    let mut sum = reduce4(acc);
    while k < len {
        sum += a[k] * g[k];
        y[k] += h * g[k];
        k += 1;
    }
    sum
}

/// The kernels a training step spends its time in, as one set per vector width: [`Baseline`] (the four
/// lanes of this file, on every target) or, natively on x86-64, `wide::Avx2` (eight lanes, the same
/// bits). `Model::run` is written once over a set and compiled once per width.
pub trait Kernels: Copy {
    /// y += a x.
    fn axpy(self, y: &mut [f32], a: f32, x: &[f32]);
    /// a · g, and y += h g in the same pass.
    fn dot_and_axpy(self, a: &[f32], g: &[f32], y: &mut [f32], h: f32) -> f32;
    /// out = b + Σ_k c_k E_{rows_k}.
    fn bias_plus_rows<R: Rows>(
        self,
        b: &[f32],
        e: &[f32],
        n: usize,
        rows: R,
        c: &[f32],
        out: &mut [f32],
    );
    /// E_{rows_k} += c_k x.
    fn add_to_rows(self, e: &mut [f32], n: usize, rows: &[u32], c: &[f32], x: &[f32]);
}

/// The kernels of this file: four lanes (SSE2, simd128 or plain arrays).
#[derive(Clone, Copy)]
pub struct Baseline;

impl Kernels for Baseline {
    #[inline(always)]
    fn axpy(self, y: &mut [f32], a: f32, x: &[f32]) {
        axpy(y, a, x)
    }
    #[inline(always)]
    fn dot_and_axpy(self, a: &[f32], g: &[f32], y: &mut [f32], h: f32) -> f32 {
        dot_and_axpy(a, g, y, h)
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
        bias_plus_rows(b, e, n, rows, c, out)
    }
    #[inline(always)]
    fn add_to_rows(self, e: &mut [f32], n: usize, rows: &[u32], c: &[f32], x: &[f32]) {
        add_to_rows(e, n, rows, c, x)
    }
}

/// Which rows of a matrix (of rows of n values) a sum takes: a list of row numbers, the first k rows in
/// order, or a list of where each row starts.
pub trait Rows: Copy {
    fn count(self) -> usize;
    /// Where the k-th row (k < count) starts; for a list, unchecked: [`bias_plus_rows`] checks every
    /// entry first.
    fn start(self, k: usize, n: usize) -> usize;
    /// Whether every row of `n` values lies within `len` values.
    fn within(self, n: usize, len: usize) -> bool;
}

impl Rows for &[u32] {
    #[inline(always)]
    fn count(self) -> usize {
        self.len()
    }
    #[inline(always)]
    fn start(self, k: usize, n: usize) -> usize {
        debug_assert!(k < self.len());
        // SAFETY: callers pass k < count() = len.
        unsafe { *self.get_unchecked(k) as usize * n }
    }
    fn within(self, n: usize, len: usize) -> bool {
        self.iter().all(|&j| (j as usize + 1) * n <= len)
    }
}

/// Rows starting at the listed offsets (rows of a batch, which need not be n apart).
#[derive(Clone, Copy)]
pub struct Starts<'a>(pub &'a [u32]);

impl Rows for Starts<'_> {
    #[inline(always)]
    fn count(self) -> usize {
        self.0.len()
    }
    #[inline(always)]
    fn start(self, k: usize, _n: usize) -> usize {
        debug_assert!(k < self.0.len());
        // SAFETY: callers pass k < count() = len.
        unsafe { *self.0.get_unchecked(k) as usize }
    }
    fn within(self, n: usize, len: usize) -> bool {
        self.0.iter().all(|&s| s as usize + n <= len)
    }
}

/// Rows 0..k, in order (a row with every feature present).
#[derive(Clone, Copy)]
pub struct FirstRows(pub usize);

impl Rows for FirstRows {
    #[inline(always)]
    fn count(self) -> usize {
        self.0
    }
    #[inline(always)]
    fn start(self, k: usize, n: usize) -> usize {
        k * n
    }
    fn within(self, n: usize, len: usize) -> bool {
        self.0 * n <= len
    }
}

/// out = b + Σ_k c_k E_{rows_k}, where E_j is the n-vector at `e[j n..]` and c_k pairs with rows_k: up
/// to 4·MAX_PASS outputs at a time are summed in registers over the rows, in list order (the same sums
/// as a sequence of axpys). Used for the hidden layer (z = b_h + Σ_i x_i W_i over the present features, W stored feature
/// by feature) and the output (o = b + Σ_j h_j E_j over the active neurons).
#[inline]
pub fn bias_plus_rows(b: &[f32], e: &[f32], n: usize, rows: impl Rows, c: &[f32], out: &mut [f32]) {
    assert!(b.len() >= n && out.len() >= n && c.len() >= rows.count());
    assert!(rows.within(n, e.len()));
    let mut at = 0;
    for (start, v) in passes(n) {
        at = start + 4 * v;
        match v {
            6 => rows_pass::<6>(b, e, n, rows, c, out, start),
            5 => rows_pass::<5>(b, e, n, rows, c, out, start),
            4 => rows_pass::<4>(b, e, n, rows, c, out, start),
            3 => rows_pass::<3>(b, e, n, rows, c, out, start),
            2 => rows_pass::<2>(b, e, n, rows, c, out, start),
            _ => rows_pass::<1>(b, e, n, rows, c, out, start),
        }
    }
    out[at..n].copy_from_slice(&b[at..n]);
    if at == n {
        // No tail (n a multiple of four): no loop over the rows for nothing.
        return;
    }
    for (k, &cj) in c[..rows.count()].iter().enumerate() {
        let start = rows.start(k, n);
        axpy(&mut out[at..n], cj, &e[start + at..start + n]);
    }
}

/// E_{rows_k} += c_k x for each k, E_j being the n-vector at `e[j n..]`: the transpose of
/// [`bias_plus_rows`]. x is held in registers a pass at a time (passes as there), so each row costs a
/// load, a multiply, an add and a store per vector. Each row's update is x scaled and added once, so the
/// result is the same as a sequence of axpys.
#[inline]
pub fn add_to_rows(e: &mut [f32], n: usize, rows: &[u32], c: &[f32], x: &[f32]) {
    assert!(x.len() >= n && c.len() >= rows.len());
    assert!(rows.within(n, e.len()));
    let mut at = 0;
    for (start, v) in passes(n) {
        at = start + 4 * v;
        match v {
            6 => add_pass::<6>(e, n, rows, c, x, start),
            5 => add_pass::<5>(e, n, rows, c, x, start),
            4 => add_pass::<4>(e, n, rows, c, x, start),
            3 => add_pass::<3>(e, n, rows, c, x, start),
            2 => add_pass::<2>(e, n, rows, c, x, start),
            _ => add_pass::<1>(e, n, rows, c, x, start),
        }
    }
    if at == n {
        return;
    }
    for (&j, &cj) in rows.iter().zip(c) {
        let j = j as usize;
        for (y, &xk) in e[j * n + at..j * n + n].iter_mut().zip(&x[at..n]) {
            *y += cj * xk;
        }
    }
}

/// One pass of [`add_to_rows`] over `at..at + 4V`.
#[inline(always)]
fn add_pass<const V: usize>(
    e: &mut [f32],
    n: usize,
    rows: &[u32],
    c: &[f32],
    x: &[f32],
    at: usize,
) {
    assert!(at + 4 * V <= n);
    let xs: [F32x4; V] = core::array::from_fn(|q| F32x4::load(&x[at + 4 * q..]));
    for (&j, &cj) in rows.iter().zip(c) {
        let cj = F32x4::splat(cj);
        // SAFETY: the caller checked (j + 1) n ≤ e.len() for every row j, and at + 4V ≤ n.
        let row = unsafe { e.as_mut_ptr().add(j as usize * n + at) };
        for (q, &xq) in xs.iter().enumerate() {
            unsafe {
                let p = row.add(4 * q);
                F32x4::load_ptr(p).add(cj.mul(xq)).store_ptr(p);
            }
        }
    }
}

/// The passes over n outputs, as (first output, vectors): the whole vectors split into as few passes
/// of at most MAX_PASS vectors as possible, of near-equal sizes (40 outputs: two passes of 5; 100: five
/// of 5), so each pass keeps enough independent sums in flight and all of them fit in registers.
fn passes(n: usize) -> impl Iterator<Item = (usize, usize)> {
    let vectors = n / 4;
    let count = vectors.div_ceil(MAX_PASS);
    (0..count).scan(0, move |at, p| {
        let v = vectors / count + (p < vectors % count) as usize;
        let start = *at;
        *at += 4 * v;
        Some((start, v))
    })
}

/// The most vector sums one pass of [`bias_plus_rows`] keeps in registers. More would fit x86-64's 16
/// vector registers natively, but V8 then spills some of them to the stack inside the loop; 6 measured
/// best in wasm (abs n=100 m=40: 10 or 8 were 3–6% slower).
const MAX_PASS: usize = 6;

/// One pass of [`bias_plus_rows`] over outputs `at..at + 4V`, summed in V vector registers.
#[inline(always)]
fn rows_pass<const V: usize>(
    b: &[f32],
    e: &[f32],
    n: usize,
    rows: impl Rows,
    c: &[f32],
    out: &mut [f32],
    at: usize,
) {
    assert!(at + 4 * V <= n);
    let mut acc: [F32x4; V] = core::array::from_fn(|q| F32x4::load(&b[at + 4 * q..]));
    for (k, &cj) in c[..rows.count()].iter().enumerate() {
        let cj = F32x4::splat(cj);
        // SAFETY: the caller checked (j + 1) n ≤ e.len() for every row j, and at + 4V ≤ n.
        let row = unsafe { e.as_ptr().add(rows.start(k, n) + at) };
        for (q, acc) in acc.iter_mut().enumerate() {
            *acc = acc.add(cj.mul(unsafe { F32x4::load_ptr(row.add(4 * q)) }));
        }
    }
    for (q, acc) in acc.iter().enumerate() {
        acc.store(&mut out[at + 4 * q..]);
    }
}

/// v_k = v_k where gate_k > 0, else 0 (so NaN gates give 0): ReLU is `keep_where_positive(h, z)` on h = z,
/// and ReLU' masks a gradient the same way. A bit mask rather than a branch or a float select, which a
/// wasm engine may compile to a branch that mispredicts on every other neuron.
#[inline]
pub fn keep_where_positive(v: &mut [f32], gate: &[f32]) {
    let len = v.len().min(gate.len());
    let (v, gate) = (&mut v[..len], &gate[..len]);
    let mut vs = v.chunks_exact_mut(4);
    let mut gs = gate.chunks_exact(4);
    for (vc, gc) in (&mut vs).zip(&mut gs) {
        F32x4::load(vc).where_positive(F32x4::load(gc)).store(vc);
    }
    for (v, &g) in vs.into_remainder().iter_mut().zip(gs.remainder()) {
        *v = f32::from_bits(v.to_bits() & 0u32.wrapping_sub((g > 0.0) as u32));
    }
}

/// The indices k with v_k > 0 (`positive`) or v_k ≠ 0, in order, into `out`. Without branches, since
/// whether a neuron fires or an output has a gradient is a coin flip to a branch predictor: four lanes
/// are compared at once, and the positions of the set bits (from a table of the 16 patterns) are written
/// as one block of four, of which the count keeps as many as there were bits.
#[inline]
pub fn indices_where(v: &[f32], positive: bool, out: &mut Vec<u32>) {
    // Written into the vector's spare capacity: zero-filling it first would cost as much as the scan.
    out.clear();
    out.reserve(v.len() + 4);
    let buf = &mut out.spare_capacity_mut()[..v.len() + 4];
    let mut count = 0;
    let mut chunks = v.chunks_exact(4);
    for (c, chunk) in (&mut chunks).enumerate() {
        let x = F32x4::load(chunk);
        let mask = if positive {
            x.positive_mask()
        } else {
            x.nonzero_mask()
        };
        let set = SET_BITS[mask as usize & 15];
        for (slot, k) in buf[count..count + 4].iter_mut().zip(set) {
            slot.write(4 * c as u32 + k);
        }
        count += mask.count_ones() as usize;
    }
    let base = v.len() - chunks.remainder().len();
    for (k, &x) in chunks.remainder().iter().enumerate() {
        buf[count].write((base + k) as u32);
        count += if positive { x > 0.0 } else { x != 0.0 } as usize;
    }
    // SAFETY: entries 0..count were written above (each step writes at `count` before advancing it).
    unsafe { out.set_len(count) };
}

/// Sorts one-feature rows' entries `key << 32 | row` (key = 2 · feature + sign, below `keys`), pushed
/// in increasing row order, into (key, row) order: what `sort_unstable` gives (the entries are distinct),
/// by counting keys, linear where the sort was k log k (5–10% of a small model's step).
pub fn sort_singles(
    entries: &mut Vec<u64>,
    keys: usize,
    counts: &mut Vec<u32>,
    scratch: &mut Vec<u64>,
) {
    counts.clear();
    counts.resize(keys + 1, 0);
    for &e in entries.iter() {
        counts[(e >> 32) as usize + 1] += 1;
    }
    for k in 1..=keys {
        counts[k] += counts[k - 1];
    }
    scratch.clear();
    scratch.resize(entries.len(), 0);
    // Stable: rows of one key keep their (increasing) push order.
    for &e in entries.iter() {
        let at = &mut counts[(e >> 32) as usize];
        scratch[*at as usize] = e;
        *at += 1;
    }
    std::mem::swap(entries, scratch);
}

/// Appends base + k for each set bit k of the low 4 bits of `mask`, in order, at `buf[count..]`, and
/// returns the new count. Always writes a block of four (so `buf` needs 4 entries from `count`): no
/// branch on the bits.
#[inline(always)]
pub fn append_set_bits(mask: u32, base: u32, buf: &mut [u32], count: usize) -> usize {
    let set = SET_BITS[mask as usize & 15];
    buf[count..count + 4].copy_from_slice(&set.map(|k| base + k));
    count + (mask & 15).count_ones() as usize
}

/// For each W-bit mask (N = 2^W of them), the positions of its set bits in order (padded with 0):
/// the lookup that turns a presence mask into the indices to visit, here and in the sampler.
pub(crate) const fn set_bit_table<const W: usize, const N: usize>() -> [[u32; W]; N] {
    let mut table = [[0u32; W]; N];
    let mut mask = 0;
    while mask < N {
        let (mut k, mut at) = (0, 0);
        while k < W {
            if mask & (1 << k) != 0 {
                table[mask][at] = k as u32;
                at += 1;
            }
            k += 1;
        }
        mask += 1;
    }
    table
}

/// For each 4-bit mask, the positions of its set bits in order (padded with 0).
const SET_BITS: [[u32; 4]; 16] = set_bit_table::<4, 16>();

/// The transpose of the rows × cols matrix `a` into `t` (cols × rows).
pub fn transpose(a: &[f32], rows: usize, cols: usize, t: &mut [f32]) {
    assert!(a.len() >= rows * cols && t.len() >= rows * cols);
    for (r, row) in a.chunks_exact(cols).take(rows).enumerate() {
        for (k, &v) in row.iter().enumerate() {
            t[k * rows + r] = v;
        }
    }
}

/// One output's error terms, shared by [`output_error`] and [`scaled_output_error`]: from o (before
/// the activation) and the target x (|x| when `abs_target`), returns out = act(o), I (out − t)² and
/// g = g_scale (out − t) act'(o). Written for both four lanes and one value, with the same operations.
trait ErrorTerms: Copy {
    fn terms(
        self,
        x: Self,
        abs_target: bool,
        importance: Self,
        g_scale: Self,
        relu: bool,
    ) -> (Self, Self, Self);
}

impl ErrorTerms for F32x4 {
    #[inline(always)]
    fn terms(
        self,
        x: F32x4,
        abs_target: bool,
        importance: F32x4,
        g_scale: F32x4,
        relu: bool,
    ) -> (F32x4, F32x4, F32x4) {
        let o = if relu {
            self.where_positive(self)
        } else {
            self
        };
        let e = o.sub(if abs_target { x.abs() } else { x });
        let g = g_scale.mul(e);
        (
            o,
            importance.mul(e).mul(e),
            if relu { g.where_positive(o) } else { g },
        )
    }
}

impl ErrorTerms for f32 {
    #[inline(always)]
    fn terms(
        self,
        x: f32,
        abs_target: bool,
        importance: f32,
        g_scale: f32,
        relu: bool,
    ) -> (f32, f32, f32) {
        let on = !relu || self > 0.0; // NaN → 0, as in the lanes
        let o = if on { self } else { 0.0 };
        let e = o - if abs_target { x.abs() } else { x };
        (o, importance * e * e, if on { g_scale * e } else { 0.0 })
    }
}

/// The loss and its gradient at the outputs, for one row. On entry `out` holds o = Eᵀh + b; on return
/// out = act(o) (ReLU when `relu`), g_i = g_scale_i (out_i − t_i) act'(o_i), and the result is
/// Σ_i I_i (out_i − t_i)², where t = x, or |x| when `abs_target`.
#[inline]
pub fn output_error(
    out: &mut [f32],
    x: &[f32],
    abs_target: bool,
    importance: &[f32],
    g_scale: &[f32],
    g: &mut [f32],
    relu: bool,
) -> f32 {
    let n = out.len();
    let mut acc = [F32x4::splat(0.0); 4];
    assert!(x.len() >= n && importance.len() >= n && g_scale.len() >= n && g.len() >= n);
    // SAFETY: blocks() passes offsets with k + 4 <= n, and every slice holds n values (asserted).
    let step = |acc: &mut F32x4, k: usize| unsafe {
        let (o, sq, gk) = at(out, k).terms(
            at(x, k),
            abs_target,
            at(importance, k),
            at(g_scale, k),
            relu,
        );
        put(o, out, k);
        *acc = acc.add(sq);
        put(gk, g, k);
    };
    let mut k = blocks(n, &mut acc, step);
    let mut loss = reduce4(acc);
    while k < n {
        let (o, sq, gk) = out[k].terms(x[k], abs_target, importance[k], g_scale[k], relu);
        out[k] = o;
        loss += sq;
        g[k] = gk;
        k += 1;
    }
    loss
}

/// `output_error` for a row whose o is b + a u (one row of a group that shares u, see
/// `Model::single_feature_rows`), fused with the group's sums: with out and g as `output_error` computes
/// them, adds g to `g_sum` and a g to `g_scaled`, and returns Σ_i I_i (out_i − t_i)². Neither out nor g
/// is kept.
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn scaled_output_error(
    b: &[f32],
    a: f32,
    u: &[f32],
    x: &[f32],
    abs_target: bool,
    importance: &[f32],
    g_scale: &[f32],
    relu: bool,
    g_sum: &mut [f32],
    g_scaled: &mut [f32],
) -> f32 {
    let n = b.len();
    let mut acc = [F32x4::splat(0.0); 4];
    assert!(u.len() >= n && x.len() >= n && importance.len() >= n && g_scale.len() >= n);
    assert!(g_sum.len() >= n && g_scaled.len() >= n);
    let av = F32x4::splat(a);
    // SAFETY: blocks() passes offsets with k + 4 <= n, and every slice holds n values (asserted).
    let step = |acc: &mut F32x4, k: usize| unsafe {
        let o = at(b, k).add(av.mul(at(u, k)));
        let (_, sq, gk) = o.terms(
            at(x, k),
            abs_target,
            at(importance, k),
            at(g_scale, k),
            relu,
        );
        *acc = acc.add(sq);
        put(at(g_sum, k).add(gk), g_sum, k);
        put(at(g_scaled, k).add(av.mul(gk)), g_scaled, k);
    };
    let mut k = blocks(n, &mut acc, step);
    let mut loss = reduce4(acc);
    while k < n {
        let (_, sq, gk) =
            (b[k] + a * u[k]).terms(x[k], abs_target, importance[k], g_scale[k], relu);
        loss += sq;
        g_sum[k] += gk;
        g_scaled[k] += a * gk;
        k += 1;
    }
    loss
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
    fn sorting_singles_by_counting_gives_the_order_of_a_full_sort() {
        use crate::core::rng::{Rng, Stream};
        let mut rng = Rng::new(11, Stream::Data);
        let (mut counts, mut scratch) = (vec![], vec![]);
        for (keys, rows) in [(2, 0), (2, 1), (20, 400), (64, 1024), (2000, 300)] {
            // About two rows in three have one feature; each a random key.
            let mut entries = vec![];
            for row in 0..rows as u64 {
                if !rng.next_u64().is_multiple_of(3) {
                    entries.push((rng.next_u64() % keys as u64) << 32 | row);
                }
            }
            let mut sorted = entries.clone();
            sorted.sort_unstable();
            sort_singles(&mut entries, keys, &mut counts, &mut scratch);
            assert_eq!(entries, sorted, "{keys} keys, {rows} rows");
        }
    }

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
    fn dot_and_axpy_is_a_dot_and_an_axpy() {
        for len in [0, 3, 8, 21] {
            let a: Vec<f32> = (0..len).map(|k| k as f32 - 4.0).collect();
            let g: Vec<f32> = (0..len).map(|k| 0.5 * k as f32).collect();
            let mut y = vec![1.0; len];
            let mut y2 = y.clone();
            let d = dot_and_axpy(&a, &g, &mut y, 3.0);
            axpy(&mut y2, 3.0, &g);
            assert_eq!(d, dot(&a, &g));
            assert_eq!(y, y2);
        }
    }

    #[test]
    fn bias_plus_rows_sums_the_chosen_rows() {
        // Lengths with one pass, several passes of unequal size, and a scalar tail.
        for n in [3, 4, 37, 40, 100, 129] {
            let e: Vec<f32> = (0..3 * n).map(|k| (k as f32 * 0.7).sin()).collect();
            let b: Vec<f32> = (0..n).map(|k| k as f32 * 0.01).collect();
            let c = [2.0, 0.5];
            let mut out = vec![0.0; n];
            bias_plus_rows(&b, &e, n, &[0u32, 2][..], &c, &mut out);
            let mut expect = b.clone();
            axpy(&mut expect, 2.0, &e[0..n]);
            axpy(&mut expect, 0.5, &e[2 * n..3 * n]);
            assert_eq!(out, expect, "n = {n}: the same bits as axpys in row order");
            let mut first = vec![0.0; n];
            let mut listed = vec![0.0; n];
            bias_plus_rows(&b, &e, n, FirstRows(3), &[0.5, -1.0, 2.0], &mut first);
            bias_plus_rows(&b, &e, n, &[0u32, 1, 2][..], &[0.5, -1.0, 2.0], &mut listed);
            assert_eq!(first, listed, "n = {n}: the first rows are rows 0, 1, 2");
            let mut started = vec![0.0; n];
            let starts = [0u32, n as u32, 2 * n as u32];
            bias_plus_rows(&b, &e, n, Starts(&starts), &[0.5, -1.0, 2.0], &mut started);
            assert_eq!(started, listed, "n = {n}: rows by where they start");
        }
    }

    #[test]
    fn keep_where_positive_is_relu() {
        for len in [0, 3, 4, 9] {
            let gate: Vec<f32> = (0..len)
                .map(|k| [1.5, -2.0, 0.0, f32::NAN][k % 4])
                .collect();
            let mut v: Vec<f32> = (0..len).map(|k| k as f32 + 1.0).collect();
            keep_where_positive(&mut v, &gate);
            for (k, got) in v.iter().enumerate() {
                let want = if k % 4 == 0 { k as f32 + 1.0 } else { 0.0 };
                assert_eq!(got.to_bits(), want.to_bits(), "len {len} k {k}");
            }
        }
    }

    #[test]
    fn indices_where_lists_positive_or_nonzero_entries() {
        let v = [0.0, 2.0, -1.0, f32::NAN, 0.0, 0.0, 0.0, 0.0, 3.0, -0.0, 5.0];
        let mut out = vec![7];
        // Every pattern of one block of four, against a plain filter.
        for mask in 0..16u32 {
            let block: Vec<f32> = (0..4)
                .map(|k| if mask & (1 << k) != 0 { 1.0 } else { -1.0 })
                .collect();
            indices_where(&block, true, &mut out);
            let want: Vec<u32> = (0..4).filter(|k| mask & (1 << k) != 0).collect();
            assert_eq!(out, want, "mask {mask:04b}");
        }
        indices_where(&v, true, &mut out);
        assert_eq!(out, [1, 8, 10]);
        indices_where(&v, false, &mut out);
        assert_eq!(out, [1, 2, 3, 8, 10]);
    }

    #[test]
    fn add_to_rows_is_axpys_into_the_chosen_rows() {
        for n in [3, 4, 37, 40, 100] {
            let x: Vec<f32> = (0..n).map(|k| (k as f32 * 0.3).cos()).collect();
            let e: Vec<f32> = (0..3 * n).map(|k| (k as f32 * 0.7).sin()).collect();
            let (mut got, mut want) = (e.clone(), e.clone());
            add_to_rows(&mut got, n, &[2, 0], &[0.5, -3.0], &x);
            axpy(&mut want[2 * n..3 * n], 0.5, &x);
            axpy(&mut want[0..n], -3.0, &x);
            assert_eq!(got, want, "n = {n}");
        }
    }

    #[test]
    fn scaled_output_error_is_output_error_of_b_plus_a_u_with_the_sums() {
        for len in [0, 3, 8, 21, 37] {
            for (relu, abs_target) in [(true, true), (true, false), (false, false)] {
                let f = |k: usize, c: f32| (k as f32 * c).sin();
                let wave = |c: f32| (0..len).map(|k| f(k, c)).collect::<Vec<f32>>();
                let (b, u, x) = (wave(0.7), wave(1.3), wave(0.4));
                let importance: Vec<f32> = (0..len).map(|k| 0.9f32.powi(k as i32)).collect();
                let g_scale: Vec<f32> = importance.iter().map(|i| 0.01 * i).collect();
                let a = 0.6;
                let mut out: Vec<f32> = b.iter().zip(&u).map(|(b, u)| b + a * u).collect();
                let mut g = vec![0.0; len];
                let loss = output_error(
                    &mut out,
                    &x,
                    abs_target,
                    &importance,
                    &g_scale,
                    &mut g,
                    relu,
                );
                let (mut g_sum, mut g_scaled) = (vec![1.0; len], vec![-2.0; len]);
                let fused = scaled_output_error(
                    &b,
                    a,
                    &u,
                    &x,
                    abs_target,
                    &importance,
                    &g_scale,
                    relu,
                    &mut g_sum,
                    &mut g_scaled,
                );
                assert_eq!(fused, loss, "len {len}");
                assert_eq!(
                    g_sum,
                    g.iter().map(|g| 1.0 + g).collect::<Vec<_>>(),
                    "len {len}"
                );
                assert_eq!(
                    g_scaled,
                    g.iter().map(|g| -2.0 + a * g).collect::<Vec<_>>(),
                    "len {len}"
                );
                if relu && len > 0 {
                    assert!(
                        g.contains(&0.0) && g.iter().any(|&g| g != 0.0),
                        "both sides of the ReLU, len {len}"
                    );
                }
            }
        }
    }

    #[test]
    fn fingerprint_sees_one_bit() {
        let a = [1.0f32, 2.0, 3.0];
        let mut b = a;
        b[2] = f32::from_bits(b[2].to_bits() ^ 1);
        assert_ne!(fingerprint([&a[..]]), fingerprint([&b[..]]));
        assert_eq!(
            fingerprint([&a[..]]),
            fingerprint([&[1.0f32, 2.0, 3.0][..]])
        );
    }
}
