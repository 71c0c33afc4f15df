//! The lockstep order (`order=lockstep`): a second canonical operation order for small models, built
//! so that restarts share vector lanes with nothing left over: every row drawn with the same number of
//! random draws, and computed densely with its sums in batch order (docs/science.md, "Training many
//! restarts at once").
//!
//! The rows order (`order=rows`, `model.rs`, matched by `lanes.rs`) follows the data: a row draws as many values as
//! it has present features, empty and one-feature rows are grouped, and each row picks the cheaper of
//! two summation orders. Restarts in lanes then disagree on how many draws, which rows and which order,
//! and half a lane step goes on reconciling them. Here nothing depends on the data:
//!
//! - **Drawing.** Feature i of a row takes one 64-bit draw of its run's data stream (xoshiro256++,
//!   the same generator and seeding as [`Rng`](crate::core::rng::Rng), run for every lane at once):
//!   its top 24 bits q decide presence (present when q · 2⁻²⁴ < p_i, so p_i rounded up to a multiple
//!   of 2⁻²⁴), bits 8 to 31 give its value u = ⌊bits / 2⁸⌋ · 2⁻²⁴ (2u − 1 for `abs`). A batch is
//!   `batch` × n draws in row-major order.
//! - **A row**, densely: z_j = b_h,j + Σ_i W_ji x_i (i ascending), h_j = ReLU(z_j) where the model has
//!   a hidden ReLU, o_i = b_i + Σ_j E_ji h_j (j ascending), out_i = ReLU(o_i) where it has an output
//!   ReLU; err_i = out_i − target_i, g_i = (2 I_i / (batch · n)) err_i (0 where the ReLU is off),
//!   ∂h_j = Σ_i E_ji g_i, ∂z_j = ∂h_j (0 where h's ReLU is off).
//! - **Sums over the batch** are one accumulator per parameter, starting at +0, adding each row's term
//!   in batch order: ∂b_i += g_i; ∂E_ji += h_j g_i; ∂W_ji += ∂z_j x_i (for tied models E = W and the
//!   row adds h_j g_i, then ∂z_j x_i, to the same accumulator); ∂b_h,j += ∂z_j. The loss is one
//!   accumulator per feature of I_i err_i², summed over features in f64 at the end and divided by
//!   batch · n.
//! - **AdamW** is `AdamW::step`, operation for operation.
//!
//! Every operation is a lane-wise IEEE single-precision one, so a restart computes the same bits
//! whether it is alone ([`Width::One`], and `Trainer` through [`loss_and_grad`]) or one of four,
//! eight or sixteen: the width changes how many restarts share an instruction, never a number
//! (`tests/lockstep.rs`). Rows are computed two at a time (four at sixteen lanes) so each load of a
//! weight or gradient serves them all; every accumulator still adds the rows' terms in batch order.

// The lane loops walk several interleaved arrays by the same index at once.
#![allow(clippy::needless_range_loop)]

use crate::core::config::{Config, Order};
use crate::core::data::Batch;
use crate::core::draws::{Draws, MOST_LANES};
use crate::core::lanes::{adamw, interleaved_init, lane, lane_state, ld, st, MAX_M, MAX_N};
use crate::core::model::{Layout, Model, Workspace};
use crate::core::rng::{state, Rng, Stream};
use crate::core::training::{State, Trainer};
use crate::core::vector::{Vector, V1, V4};
#[cfg(target_arch = "x86_64")]
use crate::core::vector::{V16, V8};

/// How many restarts share an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    /// One restart: a single run.
    One,
    /// 128-bit vectors (SSE2 natively, simd128 in wasm).
    Four,
    /// 256-bit AVX2 vectors (x86-64 only, when the CPU has them).
    Eight,
    /// 512-bit AVX-512 vectors (x86-64 only, when the CPU has AVX-512F).
    Sixteen,
}

impl Width {
    pub const ALL: [Width; 4] = [Width::One, Width::Four, Width::Eight, Width::Sixteen];

    pub fn lanes(self) -> usize {
        match self {
            Width::One => 1,
            Width::Four => 4,
            Width::Eight => 8,
            Width::Sixteen => 16,
        }
    }

    /// The widest this machine runs.
    pub fn best() -> Width {
        if Width::Sixteen.available() {
            Width::Sixteen
        } else if Width::Eight.available() {
            Width::Eight
        } else {
            Width::Four
        }
    }

    pub fn available(self) -> bool {
        match self {
            Width::One | Width::Four => true,
            #[cfg(target_arch = "x86_64")]
            Width::Eight => std::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Width::Sixteen => std::is_x86_feature_detected!("avx512f"),
            #[cfg(not(target_arch = "x86_64"))]
            Width::Eight | Width::Sixteen => false,
        }
    }
}

/// Up to [`Width::lanes`] restarts of one setting (differing only in seed), trained in the lockstep
/// order.
pub struct Lockstep {
    config: Config,
    seeds: Vec<u32>,
    real: usize,
    model: Model,
    layout: Layout,
    width: Width,
    lanes: usize,
    step: u64,
    /// Interleaved by lane: value k of lane r at k · lanes + r.
    params: Vec<f32>,
    exp_avg: Vec<f32>,
    exp_avg_sq: Vec<f32>,
    grad: Vec<f32>,
    /// Word w of lane r's data stream at [w][r].
    streams: [[u64; MOST_LANES]; 4],
    /// p_i, as the presence test compares it.
    density: Vec<f32>,
    histories: Vec<Vec<f32>>,
    /// Lanes whose loss or weights stopped being finite: they keep their state of that step and train
    /// no further.
    stopped: Vec<Option<State>>,
    loss: [f64; MOST_LANES],
}

impl Lockstep {
    pub fn new(config: &Config, seeds: &[u32], width: Width) -> Result<Lockstep, String> {
        config.check()?;
        if config.n > MAX_N || config.m > MAX_M {
            return Err(format!(
                "the lockstep order covers models up to n = {MAX_N}, m = {MAX_M}; this one has n = {}, \
                 m = {}",
                config.n, config.m
            ));
        }
        if !width.available() {
            return Err(format!("this CPU cannot run {} lanes", width.lanes()));
        }
        let lanes = width.lanes();
        if seeds.is_empty() || seeds.len() > lanes {
            return Err(format!("1 to {lanes} seeds, not {}", seeds.len()));
        }
        let real = seeds.len();
        let mut seeds = seeds.to_vec();
        seeds.resize(lanes, *seeds.last().unwrap());
        let model = Model::new(config);
        let layout = model.layout();
        let p = layout.len;
        let params = interleaved_init(&model, &seeds);
        let mut streams = [[0u64; MOST_LANES]; 4];
        for (r, &seed) in seeds.iter().enumerate() {
            for (w, word) in state(seed as u64, Stream::Data).into_iter().enumerate() {
                streams[w][r] = word;
            }
        }
        Ok(Lockstep {
            density: config.densities(),
            exp_avg: vec![0.0; p * lanes],
            exp_avg_sq: vec![0.0; p * lanes],
            grad: vec![0.0; p * lanes],
            histories: vec![Vec::new(); lanes],
            stopped: vec![None; lanes],
            loss: [0.0; MOST_LANES],
            params,
            streams,
            step: 0,
            lanes,
            width,
            layout,
            model,
            real,
            seeds,
            // The lanes train the lockstep order whatever the setting asked: their runs are the
            // setting's with order = lockstep (what `config` and `trainer` give).
            config: Config {
                order: Order::Lockstep,
                ..config.clone()
            },
        })
    }

    /// How many lanes are restarts (the seeds given to `new`).
    pub fn len(&self) -> usize {
        self.real
    }

    pub fn is_empty(&self) -> bool {
        self.real == 0
    }

    pub fn width(&self) -> Width {
        self.width
    }

    pub fn step_count(&self) -> u64 {
        self.step
    }

    /// Lane r's setting (its seed).
    pub fn config(&self, r: usize) -> Config {
        Config {
            seed: self.seeds[r],
            ..self.config.clone()
        }
    }

    /// Lane r's parameters (the layout of `Model::layout`).
    pub fn params(&self, r: usize) -> Vec<f32> {
        match &self.stopped[r] {
            Some(s) => s.params.clone(),
            None => lane(&self.params, self.lanes, r),
        }
    }

    pub fn stopped(&self, r: usize) -> bool {
        self.stopped[r].is_some()
    }

    /// loss_history(r)[t] is lane r's training loss at step t + 1.
    pub fn loss_history(&self, r: usize) -> &[f32] {
        &self.histories[r]
    }

    /// Lane r's loss on `batch` (the single-run code: restarts are ranked exactly as `Trainer` ranks
    /// them).
    pub fn loss_on(&mut self, r: usize, batch: &Batch) -> f32 {
        let params = self.params(r);
        self.model.loss(&params, batch, &mut Workspace::default())
    }

    /// Lane r as a `Trainer` at its step, which goes on exactly as its single run would (the
    /// setting's order is the lockstep order, so `Trainer` trains on in it). A lane that stopped is
    /// the run at the step it stopped.
    pub fn trainer(&self, r: usize) -> Trainer {
        let state = self.stopped[r].clone().unwrap_or_else(|| self.state(r));
        Trainer::resume(self.config(r), state, self.histories[r].clone())
            .expect("a lane's state fits its setting")
    }

    /// Lane r's whole state now.
    fn state(&self, r: usize) -> State {
        let stream = Rng::from_state([0, 1, 2, 3].map(|w| self.streams[w][r]));
        lane_state(
            &self.config,
            self.step,
            [&self.params, &self.exp_avg, &self.exp_avg_sq],
            self.lanes,
            r,
            stream,
        )
    }

    /// Runs k steps of every lane still training.
    pub fn step(&mut self, k: u64) {
        for _ in 0..k {
            if self.stopped[..self.real].iter().all(|s| s.is_some()) {
                return;
            }
            match self.width {
                Width::One => self.dispatch::<V1, 1>(),
                Width::Four => self.dispatch::<V4, 4>(),
                #[cfg(target_arch = "x86_64")]
                // SAFETY: `new` refused Eight unless the CPU has AVX2.
                Width::Eight => unsafe { step_avx2(self) },
                #[cfg(target_arch = "x86_64")]
                // SAFETY: `new` refused Sixteen unless the CPU has AVX-512F.
                Width::Sixteen => unsafe { step_avx512(self) },
                #[cfg(not(target_arch = "x86_64"))]
                Width::Eight | Width::Sixteen => unreachable!("only available on x86-64"),
            }
        }
    }

    #[inline(always)]
    fn dispatch<V: Draws, const L: usize>(&mut self) {
        let shape = Shape::of(&self.model);
        at_size(shape, StepLanes::<V, L>(self, std::marker::PhantomData));
    }

    /// One step: every lane's batch, then AdamW.
    #[inline(always)]
    fn step_sized<
        V: Draws,
        const L: usize,
        const N: usize,
        const M: usize,
        const KIND: u8,
        const HIDDEN_BIAS: bool,
    >(
        &mut self,
    ) {
        assert!(V::LANES == L && L == self.lanes);
        let mut s = Streams::<V>(V::load_state(&self.streams));
        let loss = batch_pass::<V, L, N, M, KIND, HIDDEN_BIAS>(
            &self.model,
            &self.density,
            self.config.batch,
            &self.params,
            &mut self.grad,
            &mut s,
        );
        V::save_state(&s.0, &mut self.streams);
        self.loss[..L].copy_from_slice(&loss);
        self.update::<V>(self.layout.len);
    }

    /// AdamW on every lane, then `Trainer::step`'s bookkeeping: the loss is recorded, and a lane whose
    /// loss or weights are no longer finite stops.
    #[inline(always)]
    fn update<V: Vector>(&mut self, p_len: usize) {
        let finite = adamw::<V>(
            &self.config,
            self.step,
            p_len,
            &self.grad,
            &mut self.params,
            &mut self.exp_avg,
            &mut self.exp_avg_sq,
        );
        self.step += 1;
        for r in 0..self.lanes {
            if self.stopped[r].is_some() {
                continue;
            }
            let loss = self.loss[r] as f32;
            self.histories[r].push(loss);
            if !loss.is_finite() || finite & (1 << r) == 0 {
                self.stopped[r] = Some(self.state(r));
            }
        }
    }
}

/// Work that runs at a model's size and kind as constants ([`at_size`]).
trait AtSize {
    type Out;
    fn at<const N: usize, const M: usize, const KIND: u8, const HIDDEN_BIAS: bool>(
        self,
    ) -> Self::Out;
}

// ModelKind's order: Linear, ReluOutput, ReluHidden, Abs.
const LIN: u8 = 0;
const RO: u8 = 1;
const RH: u8 = 2;
const ABS: u8 = 3;

/// Runs `work` at the model's size and kind: fixed sizes for the paper's small models (loops the
/// compiler unrolls, values in registers), bounded arrays otherwise; the kind and hidden bias as
/// constants, so no branch on them is left inside the row loops.
#[inline(always)]
fn at_size<A: AtSize>(shape: Shape, work: A) -> A::Out {
    use crate::core::config::ModelKind::*;
    match (shape.kind, shape.hidden_bias, shape.n, shape.m) {
        (ReluHidden, false, 10, 5) => work.at::<10, 5, RH, false>(),
        (ReluHidden, true, 10, 5) => work.at::<10, 5, RH, true>(),
        (ReluOutput, _, 20, 5) => work.at::<20, 5, RO, false>(),
        (Abs, _, 5, 2) => work.at::<5, 2, ABS, false>(),
        (Linear, _, _, _) => work.at::<MAX_N, MAX_M, LIN, false>(),
        (ReluOutput, _, _, _) => work.at::<MAX_N, MAX_M, RO, false>(),
        (ReluHidden, false, _, _) => work.at::<MAX_N, MAX_M, RH, false>(),
        (ReluHidden, true, _, _) => work.at::<MAX_N, MAX_M, RH, true>(),
        (Abs, _, _, _) => work.at::<MAX_N, MAX_M, ABS, false>(),
    }
}

/// What [`at_size`] chooses by.
#[derive(Clone, Copy)]
struct Shape {
    kind: crate::core::config::ModelKind,
    hidden_bias: bool,
    n: usize,
    m: usize,
}

impl Shape {
    fn of(model: &Model) -> Shape {
        Shape {
            kind: model.kind,
            hidden_bias: model.hidden_bias,
            n: model.n,
            m: model.m,
        }
    }
}

/// A step of every lane of a [`Lockstep`].
struct StepLanes<'a, V, const L: usize>(&'a mut Lockstep, std::marker::PhantomData<V>);

impl<V: Draws, const L: usize> AtSize for StepLanes<'_, V, L> {
    type Out = ();
    #[inline(always)]
    fn at<const N: usize, const M: usize, const KIND: u8, const HIDDEN_BIAS: bool>(self) {
        self.0.step_sized::<V, L, N, M, KIND, HIDDEN_BIAS>()
    }
}

/// Where a batch's draws come from: each call gives every lane's (presence, value) draws of the next
/// feature. A trait rather than a closure, so the draws are inlined into the AVX2 code that calls them
/// (a closure is compiled apart, without the caller's target features).
trait Source<V> {
    fn draw(&mut self) -> (V, V);
}

/// Every lane's data stream, drawn together.
struct Streams<V: Draws>(V::State);

impl<V: Draws> Source<V> for Streams<V> {
    #[inline(always)]
    fn draw(&mut self) -> (V, V) {
        V::draw(&mut self.0)
    }
}

/// One run's data stream: the scalar generator's bits, as every lane of `Draws::draw` takes them.
struct OneStream<'a>(&'a mut Rng);

impl Source<V1> for OneStream<'_> {
    #[inline(always)]
    fn draw(&mut self) -> (V1, V1) {
        let r = self.0.next_u64();
        (
            V1::splat((r >> 40) as u32 as i32 as f32),
            V1::splat(((r as u32) >> 8) as i32 as f32),
        )
    }
}

/// One run's batch in the lockstep order (a single run, `Trainer`), drawing from its data stream.
struct OneBatch<'a> {
    model: &'a Model,
    density: &'a [f32],
    rows: usize,
    params: &'a [f32],
    rng: &'a mut Rng,
    grad: &'a mut [f32],
}

impl AtSize for OneBatch<'_> {
    type Out = f32;
    #[inline(always)]
    fn at<const N: usize, const M: usize, const KIND: u8, const HIDDEN_BIAS: bool>(self) -> f32 {
        let loss = batch_pass::<V1, 1, N, M, KIND, HIDDEN_BIAS>(
            self.model,
            self.density,
            self.rows,
            self.params,
            self.grad,
            &mut OneStream(self.rng),
        );
        loss[0] as f32
    }
}

/// The loss of one run's next batch in the lockstep order, drawn from `rng` (its data stream), with
/// the gradient of the mean loss written to `grad`: what [`Lockstep`] computes in each lane, for
/// `Trainer` to train a single run of [`Config::lockstep`](crate::core::config::Config::lockstep).
pub fn loss_and_grad(
    model: &Model,
    density: &[f32],
    rows: usize,
    params: &[f32],
    rng: &mut Rng,
    grad: &mut [f32],
) -> f32 {
    assert!(model.n <= MAX_N && model.m <= MAX_M, "a lockstep model");
    at_size(
        Shape::of(model),
        OneBatch {
            model,
            density,
            rows,
            params,
            rng,
            grad,
        },
    )
}

/// One batch of `rows` rows in the lockstep order, every lane at once (module comment): `draw` gives
/// each feature's (presence, value) draws, `grad` (cleared here) gets the gradient of the mean loss,
/// and each lane's loss is returned.
#[inline(always)]
fn batch_pass<
    V: Vector,
    const L: usize,
    const N: usize,
    const M: usize,
    const KIND: u8,
    const HIDDEN_BIAS: bool,
>(
    model: &Model,
    density: &[f32],
    rows: usize,
    params: &[f32],
    grad: &mut [f32],
    draw: &mut impl Source<V>,
) -> [f64; L] {
    let (n, m) = (model.n, model.m);
    assert!(V::LANES == L && n <= N && m <= M);
    assert!(KIND == model.kind as u8 && HIDDEN_BIAS == model.hidden_bias);
    let l = model.layout();
    let p_len = l.len;
    let (w0, e0, b0, bh0) = (l.w.0, l.out().0, l.b.0, l.b_h.0);
    let zero = V::zero();
    let scale = 2.0 / (rows * n) as f32;
    let (mut p, mut imp, mut gs) = ([zero; N], [zero; N], [zero; N]);
    for i in 0..n {
        p[i] = V::splat(density[i]);
        imp[i] = V::splat(model.importance[i]);
        gs[i] = V::splat(scale * model.importance[i]);
    }
    grad.fill(0.0);
    assert!(params.len() >= p_len * L && grad.len() >= p_len * L);
    let mut loss = [zero; N];
    let shape = Rows {
        n,
        m,
        w0,
        e0,
        b0,
        bh0,
        p,
        imp,
        gs,
    };
    // Rows a block at a time share every load of a weight and of a gradient accumulator; each
    // accumulator still adds the block's rows' terms in batch order, so the sums (and every bit) are
    // those of one row at a time.
    let mut r = 0;
    // Sixteen lanes have 32 registers to hold four rows' values.
    if V::LANES >= 16 {
        while r + 4 <= rows {
            rows_block::<V, N, M, KIND, HIDDEN_BIAS, 4>(&shape, params, grad, &mut loss, draw);
            r += 4;
        }
    }
    while r + 2 <= rows {
        rows_block::<V, N, M, KIND, HIDDEN_BIAS, 2>(&shape, params, grad, &mut loss, draw);
        r += 2;
    }
    if r < rows {
        rows_block::<V, N, M, KIND, HIDDEN_BIAS, 1>(&shape, params, grad, &mut loss, draw);
    }
    let mut per_lane = [[0.0f32; L]; N];
    for i in 0..n {
        // SAFETY: per_lane[i] holds L = V::LANES values.
        unsafe { loss[i].store(per_lane[i].as_mut_ptr()) };
    }
    let mut out = [0.0f64; L];
    for r in 0..L {
        let total: f64 = (0..n).map(|i| per_lane[i][r] as f64).sum();
        out[r] = total / (rows * n) as f64;
    }
    out
}

/// What a block of rows needs of its batch: the model's size, where its parameters are, and per
/// feature p_i, I_i and the loss gradient's scale 2 I_i / (batch · n), one vector each.
struct Rows<V, const N: usize> {
    n: usize,
    m: usize,
    w0: usize,
    e0: usize,
    b0: usize,
    bh0: usize,
    p: [V; N],
    imp: [V; N],
    gs: [V; N],
}

/// B consecutive rows of a batch (module comment): drawn row after row, then computed side by side,
/// each gradient accumulator and each loss adding row 0's term, then row 1's, as B single rows do.
#[inline(always)]
fn rows_block<
    V: Vector,
    const N: usize,
    const M: usize,
    const KIND: u8,
    const HIDDEN_BIAS: bool,
    const B: usize,
>(
    rs: &Rows<V, N>,
    params: &[f32],
    grad: &mut [f32],
    loss: &mut [V; N],
    draw: &mut impl Source<V>,
) {
    let (relu_h, relu_o, abs_t) = (KIND >= RH, KIND >= RO, KIND == ABS);
    let (tied, hidden_bias) = (KIND != ABS, HIDDEN_BIAS);
    let (n, m, w0, e0, b0, bh0) = (rs.n, rs.m, rs.w0, rs.e0, rs.b0, rs.bh0);
    let zero = V::zero();
    let unit = V::splat(1.0 / (1u32 << 24) as f32);
    let (two, one) = (V::splat(2.0), V::splat(1.0));
    // The rows' draws, row after row (the stream's order), every lane at once.
    let mut x = [[zero; N]; B];
    for xb in x.iter_mut() {
        for i in 0..n {
            let (q, u) = draw.draw();
            let u = u.mul(unit);
            let v = if abs_t { u.mul(two).sub(one) } else { u };
            xb[i] = q.mul(unit).lt(rs.p[i]).and(v);
        }
    }
    // SAFETY (every `ld`/`st` below): offsets are within the layout, p_len vectors.
    let (mut z, mut h) = ([[zero; M]; B], [[zero; M]; B]);
    for j in 0..m {
        let start = if hidden_bias {
            unsafe { ld::<V>(params, bh0 + j) }
        } else {
            zero
        };
        let mut a = [start; B];
        for i in 0..n {
            let w = unsafe { ld::<V>(params, w0 + j * n + i) };
            for b in 0..B {
                a[b] = a[b].add(w.mul(x[b][i]));
            }
        }
        for b in 0..B {
            z[b][j] = a[b];
            h[b][j] = if relu_h {
                a[b].gt(zero).and(a[b])
            } else {
                a[b]
            };
        }
    }
    let mut g = [[zero; N]; B];
    for i in 0..n {
        let mut o = [unsafe { ld::<V>(params, b0 + i) }; B];
        for j in 0..m {
            let e = unsafe { ld::<V>(params, e0 + j * n + i) };
            for b in 0..B {
                o[b] = o[b].add(e.mul(h[b][j]));
            }
        }
        let mut db = unsafe { ld::<V>(grad, b0 + i) };
        for b in 0..B {
            let out = if relu_o {
                o[b].gt(zero).and(o[b])
            } else {
                o[b]
            };
            let target = if abs_t { x[b][i].abs() } else { x[b][i] };
            let err = out.sub(target);
            loss[i] = loss[i].add(rs.imp[i].mul(err).mul(err));
            let gi = rs.gs[i].mul(err);
            g[b][i] = if relu_o { o[b].gt(zero).and(gi) } else { gi };
            db = db.add(g[b][i]);
        }
        unsafe { st(db, grad, b0 + i) };
    }
    for j in 0..m {
        let mut dh = [zero; B];
        for i in 0..n {
            let e = unsafe { ld::<V>(params, e0 + j * n + i) };
            for b in 0..B {
                dh[b] = dh[b].add(e.mul(g[b][i]));
            }
        }
        let mut dz = [zero; B];
        for b in 0..B {
            dz[b] = if relu_h {
                z[b][j].gt(zero).and(dh[b])
            } else {
                dh[b]
            };
        }
        for i in 0..n {
            unsafe {
                if tied {
                    let e = w0 + j * n + i;
                    let mut a = ld::<V>(grad, e);
                    for b in 0..B {
                        a = a.add(h[b][j].mul(g[b][i])).add(dz[b].mul(x[b][i]));
                    }
                    st(a, grad, e);
                } else {
                    let (e, w) = (e0 + j * n + i, w0 + j * n + i);
                    let (mut ae, mut aw) = (ld::<V>(grad, e), ld::<V>(grad, w));
                    for b in 0..B {
                        ae = ae.add(h[b][j].mul(g[b][i]));
                        aw = aw.add(dz[b].mul(x[b][i]));
                    }
                    st(ae, grad, e);
                    st(aw, grad, w);
                }
            }
        }
        if hidden_bias {
            let mut a = unsafe { ld::<V>(grad, bh0 + j) };
            for b in 0..B {
                a = a.add(dz[b]);
            }
            unsafe { st(a, grad, bh0 + j) };
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
/// # Safety
/// The CPU must have AVX2.
unsafe fn step_avx2(lanes: &mut Lockstep) {
    lanes.dispatch::<V8, 8>();
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
/// # Safety
/// The CPU must have AVX-512F.
unsafe fn step_avx512(lanes: &mut Lockstep) {
    lanes.dispatch::<V16, 16>();
}
