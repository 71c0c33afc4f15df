//! Several restarts of one setting trained together, one restart per vector lane, each bit for bit the
//! run `Trainer` gives for its seed (docs/science.md, "Training many restarts at once").
//!
//! A restart keeps its own initial weights, data stream and optimizer state; the lanes share the
//! instructions. Within a step every lane walks its own rows in the order a single run walks them
//! (`Model::run`): the rows with several features in batch order, then the one-feature rows grouped by
//! (feature, sign), then the empty rows once. The k-th such row of every lane is computed together, and
//! a lane with fewer rows is masked out. Where a single run picks a path per row (output- or
//! neuron-major back-propagation, ∂W summed neuron by neuron, feature by feature or deferred for rows
//! with every feature present), every lane computes the terms and adds each one to the accumulator its
//! own run would have used; the other accumulators get +0 in that lane.
//!
//! Why the sums are the same: a lane computes each row densely, over every feature and neuron, where a
//! single run skips absent features, silent neurons and outputs without a gradient. Every skipped term is
//! a product with an exact zero factor and a finite other factor, so ±0. Adding ±0 to a sum leaves it
//! unchanged unless the sum is −0, and no sum here is ever −0: each starts at +0 or at a bias, a bias
//! starts at +0 and AdamW never makes a −0 out of a non-zero weight, and in round-to-nearest x + y is −0
//! only when both are. The few reductions (dot products and loss sums) follow the fixed tree of
//! `kernels.rs`, leaving out its additions of +0 accumulators, which can only turn a −0 into +0: those
//! results (∂loss/∂z and a row's loss) are only ever added to such sums or multiplied into terms of
//! them, where the sign of a zero cannot show. A non-finite factor would break the argument, so a lane
//! whose gradient or loss is not finite is recomputed by the single-run code for that step (it then
//! diverges exactly as its single run does). `tests/lanes.rs` checks every model against `Trainer`.

// The lane loops walk several interleaved arrays by the same lane, row or neuron index at once; an
// index reads plainer there than zipped iterators.
#![allow(clippy::needless_range_loop)]

use crate::core::config::Config;
use crate::core::data::{Batch, Sampler};
use crate::core::kernels::sort_singles;
use crate::core::model::{Layout, Model, Workspace};
use crate::core::optimizer::{lr_factor, AdamW, BETA1, BETA2, EPS};
use crate::core::rng::{Rng, Stream};
use crate::core::training::{State, Trainer};
#[cfg(target_arch = "x86_64")]
use crate::core::vector::V8;
use crate::core::vector::{Vector, V4};

/// The most lanes of any width.
pub const MAX_LANES: usize = 8;
/// The largest models trained in lanes. Each lane computes its rows densely (n × m multiply-adds per
/// layer and row, where a single run does only the present features' and active neurons' share), which
/// pays for models this small, whose single runs spend most of their time on per-row bookkeeping.
pub const MAX_N: usize = crate::core::config::LOCKSTEP_N;
pub const MAX_M: usize = crate::core::config::LOCKSTEP_M;

/// How many restarts share an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    /// 128-bit vectors: SSE2 natively, simd128 in wasm.
    Four,
    /// 256-bit AVX2 vectors (x86-64 only, when the CPU has them).
    Eight,
}

impl Width {
    pub fn lanes(self) -> usize {
        match self {
            Width::Four => 4,
            Width::Eight => 8,
        }
    }

    /// The widest this machine runs: eight lanes where the CPU has AVX2, four otherwise.
    pub fn best() -> Width {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2")
            && std::is_x86_feature_detected!("popcnt")
            && std::is_x86_feature_detected!("bmi1")
        {
            return Width::Eight;
        }
        Width::Four
    }

    /// Whether this machine can run it.
    pub fn available(self) -> bool {
        self == Width::Four || Width::best() == Width::Eight
    }
}

/// Whether a setting is trained in these lanes: small models (see [`MAX_N`]) in the rows order
/// (the lockstep order has its own lanes, `lockstep.rs`).
pub fn supports(config: &Config) -> bool {
    config.n <= MAX_N && config.m <= MAX_M && !config.lockstep() && config.check().is_ok()
}

/// Up to [`Width::lanes`] restarts of one setting (differing only in seed), trained in lockstep.
pub struct Lanes {
    /// The setting of lane 0; lane r differs only in its seed `seeds[r]`.
    config: Config,
    seeds: Vec<u32>,
    /// How many lanes are restarts asked for (the rest repeat the last one and are ignored).
    real: usize,
    model: Model,
    layout: Layout,
    sampler: Sampler,
    width: Width,
    lanes: usize,
    step: u64,
    /// Interleaved by lane: value k of lane r at k · lanes + r.
    params: Vec<f32>,
    exp_avg: Vec<f32>,
    exp_avg_sq: Vec<f32>,
    /// The gradient (the layout of `params`), then ∂/∂W summed feature-major (n × m, as the single run's
    /// `w_t_grad`), then for `abs` ∂/∂W₂ summed output-major (its `e_t_grad`); interleaved.
    acc: Vec<f32>,
    /// W feature-major, and for `abs` W₂ output-major (n × m each); interleaved.
    w_t: Vec<f32>,
    e_t: Vec<f32>,
    rngs: Vec<Rng>,
    batches: Vec<Batch>,
    histories: Vec<Vec<f32>>,
    /// The state of a lane whose loss or weights stopped being finite, at that step; it trains no further.
    stopped: Vec<Option<State>>,
    /// Each lane's data stream at the start of the step (to draw its batch again if the single-run
    /// code has to redo the step).
    step_rngs: Vec<Rng>,
    // Per step:
    multi: Vec<Vec<u32>>,
    singles: Vec<Vec<u64>>,
    /// A one-feature row's value, by row (rows drawn straight into the lanes keep no batch).
    single_values: Vec<Vec<f32>>,
    groups: Vec<Vec<(u32, u32)>>,
    empty: Vec<usize>,
    /// Room for sorting one-feature rows (`sort_singles`).
    counts: Vec<u32>,
    scratch: Vec<u64>,
    /// Several-feature rows waiting to be computed: RING slots of n lane vectors, and per slot each
    /// lane's feature count (0 where the lane has no row there).
    ring: Vec<f32>,
    ring_meta: Vec<f32>,
    /// What the accumulation needs of up to `chunk` computed rows (see `row_terms`).
    records: Vec<f32>,
    deferred: Vec<f32>,
    loss: Vec<f32>,
    ws: Workspace,
    one_params: Vec<f32>,
    one_grad: Vec<f32>,
}

/// Several-feature rows laid out ahead of computing them (per lane).
const RING: usize = 16;
/// Accumulators kept in registers at a time when adding up rows' gradient terms.
const BLOCK: usize = 10;

impl Lanes {
    /// Restarts of `config` with the given seeds (at most `width.lanes()`), at step 0.
    pub fn new(config: &Config, seeds: &[u32], width: Width) -> Result<Lanes, String> {
        config.check()?;
        if config.lockstep() {
            return Err("a setting in the lockstep order trains in lockstep.rs's lanes".into());
        }
        if !supports(config) {
            return Err(format!(
                "lanes train models up to n = {MAX_N}, m = {MAX_M}; this one has n = {}, m = {}",
                config.n, config.m
            ));
        }
        if !width.available() {
            return Err("this CPU has no AVX2 for eight lanes".into());
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
        let nm = config.n * config.m;
        Ok(Lanes {
            sampler: Sampler::new(&config.densities(), config.model.signed_inputs()),
            rngs: seeds
                .iter()
                .map(|&s| Rng::new(s as u64, Stream::Data))
                .collect(),
            batches: vec![Batch::default(); lanes],
            histories: vec![Vec::new(); lanes],
            stopped: vec![None; lanes],
            exp_avg: vec![0.0; p * lanes],
            exp_avg_sq: vec![0.0; p * lanes],
            acc: vec![0.0; (p + 2 * nm) * lanes],
            w_t: vec![0.0; nm * lanes],
            e_t: vec![0.0; nm * lanes],
            step_rngs: seeds
                .iter()
                .map(|&s| Rng::new(s as u64, Stream::Data))
                .collect(),
            multi: vec![Vec::new(); lanes],
            singles: vec![Vec::new(); lanes],
            single_values: vec![vec![0.0; config.batch]; lanes],
            groups: vec![Vec::new(); lanes],
            empty: vec![0; lanes],
            counts: Vec::new(),
            scratch: Vec::new(),
            ring: vec![0.0; RING * config.n * lanes],
            ring_meta: vec![0.0; RING * lanes],
            records: vec![
                0.0;
                chunk_rows(config.n, config.m, lanes)
                    * record_len(config.n, config.m)
                    * lanes
            ],
            deferred: Vec::new(),
            loss: vec![0.0; lanes],
            ws: Workspace::default(),
            one_params: vec![0.0; p],
            one_grad: vec![0.0; p],
            params,
            step: 0,
            lanes,
            width,
            layout,
            model,
            real,
            seeds,
            config: config.clone(),
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

    /// Steps taken by the lanes still training.
    pub fn step_count(&self) -> u64 {
        self.step
    }

    /// Runs k steps of every lane that has not diverged.
    pub fn step(&mut self, k: u64) {
        for _ in 0..k {
            if self.stopped[..self.real].iter().all(|s| s.is_some()) {
                return;
            }
            match self.width {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: `new` refused Eight unless the CPU has AVX2.
                Width::Eight => unsafe { step_avx2(self) },
                _ => self.dispatch::<V4>(),
            }
        }
    }

    /// Lane r's setting (its seed).
    pub fn config(&self, r: usize) -> Config {
        Config {
            seed: self.seeds[r],
            ..self.config.clone()
        }
    }

    /// Lane r's parameters (the layout of `Trainer::params`).
    pub fn params(&self, r: usize) -> Vec<f32> {
        match &self.stopped[r] {
            Some(s) => s.params.clone(),
            None => self.lane(&self.params, r),
        }
    }

    /// Whether lane r stopped (its loss or weights stopped being finite).
    pub fn stopped(&self, r: usize) -> bool {
        self.stopped[r].is_some()
    }

    pub fn loss_history(&self, r: usize) -> &[f32] {
        &self.histories[r]
    }

    /// Lane r's loss on `batch` (the single-run code: restarts are ranked exactly as `Trainer` ranks
    /// them).
    pub fn loss_on(&mut self, r: usize, batch: &Batch) -> f32 {
        let params = self.params(r);
        self.model.loss(&params, batch, &mut self.ws)
    }

    /// Lane r as a `Trainer` at its step, which goes on exactly as its single run would.
    pub fn trainer(&self, r: usize) -> Trainer {
        let state = match &self.stopped[r] {
            Some(s) => s.clone(),
            None => lane_state(
                &self.config,
                self.step,
                [&self.params, &self.exp_avg, &self.exp_avg_sq],
                self.lanes,
                r,
                self.rngs[r].clone(),
            ),
        };
        Trainer::resume(self.config(r), state, self.histories[r].clone())
            .expect("a lane's state fits its setting")
    }

    fn lane(&self, v: &[f32], r: usize) -> Vec<f32> {
        lane(v, self.lanes, r)
    }

    /// One step at the model's size: fixed sizes for the paper's small models (loops the compiler
    /// unrolls, values in registers), bounded arrays otherwise.
    #[inline(always)]
    fn dispatch<V: Vector>(&mut self) {
        match (self.model.n, self.model.m) {
            (10, 5) => self.step_sized::<V, 10, 5>(10, 5),
            (20, 5) => self.step_sized::<V, 20, 5>(20, 5),
            (5, 2) => self.step_sized::<V, 5, 2>(5, 2),
            (n, m) => self.step_sized::<V, MAX_N, MAX_M>(n, m),
        }
    }

    #[inline(always)]
    fn step_sized<V: Vector, const N: usize, const M: usize>(&mut self, n: usize, m: usize) {
        debug_assert_eq!(V::LANES, self.lanes);
        let lanes = V::LANES;
        let rows = self.config.batch;
        let group = !self.model.hidden_bias && n > 1;
        // Rows are drawn straight into the lanes when the batch is drawn row by row; otherwise each
        // lane's batch is drawn whole and its rows sorted first.
        let draws = self.sampler.row_draws();
        let fused = draws.is_some();
        for r in 0..lanes {
            self.step_rngs[r] = self.rngs[r].clone();
            self.multi[r].clear();
            self.singles[r].clear();
            self.groups[r].clear();
            self.empty[r] = 0;
            if !fused && self.stopped[r].is_none() {
                self.sampler
                    .sample(&mut self.rngs[r], rows, &mut self.batches[r]);
                self.classify(r, group);
            }
        }
        self.prepare(n, m);
        let l = self.layout;
        let tied = self.model.kind.tied();
        let p_len = l.len;
        let k = Kern {
            n,
            m,
            relu_h: self.model.kind.hidden_relu(),
            relu_o: self.model.kind.output_relu(),
            abs_t: self.model.kind.signed_inputs(),
            hidden_bias: self.model.hidden_bias,
            tied,
            params: &self.params,
            w_t: &self.w_t,
            e_t: if tied { &self.w_t } else { &self.e_t },
            e0: l.out().0,
            aw0: l.w.0,
            ae0: l.out().0,
            b0: l.b.0,
            bh0: l.b_h.0,
            tw0: p_len,
            te0: if tied { p_len } else { p_len + n * m },
        };
        let acc = &mut self.acc[..];
        let deferred = &mut self.deferred;
        deferred.clear();
        let records = &mut self.records[..];
        let rec_len = record_len(n, m);
        let chunk = chunk_rows(n, m, lanes);
        let zero = V::zero();
        let scale = 2.0 / (rows * n) as f32;
        // Plain loops rather than closures throughout: a closure would be compiled apart from the AVX2
        // function this is inlined into, and its vector operations with it.
        let (mut imp, mut gs, mut b, mut bh) = ([zero; N], [zero; N], [zero; N], [zero; M]);
        for i in 0..n {
            let importance = self.model.importance[i];
            imp[i] = V::splat(importance);
            gs[i] = V::splat(scale * importance);
            // SAFETY (every `ld`/`st` below): offsets are within the layouts sized in `new` for this
            // model's n and m.
            b[i] = unsafe { ld(k.params, k.b0 + i) };
        }
        if k.hidden_bias {
            for (j, bh) in bh.iter_mut().enumerate().take(m) {
                *bh = unsafe { ld(k.params, k.bh0 + j) };
            }
        }
        let mut totals = [0.0f64; MAX_LANES];
        let ones = f32::from_bits(u32::MAX);
        let once = [1.0f64; MAX_LANES];

        // Rows with several features (any feature, when one-feature rows are not grouped), in batch
        // order: the s-th of every lane together. Each lane lays out up to RING rows ahead of the
        // slowest, in the ring; a lane without an s-th row is masked out of slot s.
        let mut cursor = [0usize; MAX_LANES];
        let mut filled = [0usize; MAX_LANES];
        let mut exhausted = [false; MAX_LANES];
        let mut value_buf = [0.0f32; MAX_N + 8];
        let mut processed = 0usize;
        let (ring, meta) = (&mut self.ring[..], &mut self.ring_meta[..]);
        loop {
            for r in 0..lanes {
                if self.stopped[r].is_some() {
                    exhausted[r] = true;
                }
                // The lane's data stream in a local, so it stays in registers while rows are drawn.
                let mut rng = self.rngs[r].clone();
                while !exhausted[r] && filled[r] - processed < RING {
                    let at = filled[r] % RING;
                    // SAFETY: at < RING, i < n and r < lanes within the ring's RING · n · lanes.
                    let slot = unsafe { ring.as_mut_ptr().add(at * n * lanes + r) };
                    let c = if let Some(draws) = &draws {
                        let b = cursor[r];
                        if b == rows {
                            exhausted[r] = true;
                            break;
                        }
                        cursor[r] += 1;
                        let bits = draws.draw(&mut rng, &mut value_buf);
                        let c = bits.count_ones() as usize;
                        if c == 0 {
                            self.empty[r] += 1;
                            continue;
                        }
                        if group && c == 1 {
                            let key =
                                2 * bits.trailing_zeros() as u64 + (value_buf[0] < 0.0) as u64;
                            self.singles[r].push(key << 32 | b as u64);
                            self.single_values[r][b] = value_buf[0];
                            continue;
                        }
                        let (mut bits, mut q) = (bits, 0);
                        while bits != 0 {
                            let i = bits.trailing_zeros() as usize;
                            unsafe { *slot.add(i * lanes) = value_buf[q] };
                            q += 1;
                            bits &= bits - 1;
                        }
                        c
                    } else {
                        let Some(&row) = self.multi[r].get(cursor[r]) else {
                            exhausted[r] = true;
                            break;
                        };
                        cursor[r] += 1;
                        let (f, v) = self.batches[r].row(row as usize);
                        for (&i, &v) in f.iter().zip(v) {
                            unsafe { *slot.add(i as usize * lanes) = v };
                        }
                        f.len()
                    };
                    meta[at * lanes + r] = c as f32;
                    filled[r] += 1;
                }
                self.rngs[r] = rng;
            }
            let waiting = (0..lanes)
                .filter(|&r| !exhausted[r])
                .map(|r| filled[r])
                .min();
            let ready =
                waiting.unwrap_or_else(|| filled[..lanes].iter().copied().max().unwrap_or(0));
            while processed < ready {
                let count = chunk.min(ready - processed);
                let mut flags = 0u32;
                for q in 0..count {
                    let at = (processed + q) % RING;
                    // Each lane's feature count (0: no row in this slot).
                    let fc = unsafe { ld::<V>(meta, at) };
                    let (row, full) = (fc.gt(zero), fc.eq(V::splat(n as f32)));
                    let mut x = [zero; N];
                    for (i, x) in x.iter_mut().enumerate().take(n) {
                        *x = unsafe { ld(ring, at * n + i) };
                        unsafe { st(zero, ring, at * n + i) };
                    }
                    unsafe { st(zero, meta, at) };
                    let hid = hidden::<V, N, M>(&k, &x, &bh);
                    let (g, loss) = output::<V, N, M>(&k, &hid.h, &x, &gs, &imp, &b);
                    add_losses(&mut totals, lanes, loss, row, &once);
                    let record = &mut records[q * rec_len * lanes..(q + 1) * rec_len * lanes];
                    flags |= row_terms::<V, N, M>(
                        &k, record, deferred, &hid, &g, &x, fc, full, row, true,
                    );
                }
                accumulate::<V, N>(&k, acc, records, count, flags, true);
                processed += count;
            }
            if waiting.is_none() && processed >= ready {
                break;
            }
        }
        if fused {
            for r in 0..lanes {
                sort_singles(
                    &mut self.singles[r],
                    2 * n,
                    &mut self.counts,
                    &mut self.scratch,
                );
                group_singles(&self.singles[r], &mut self.groups[r]);
            }
        }

        // One-feature rows, grouped by (feature, sign): the g-th group of every lane together, then
        // its q-th rows together.
        let group_slots = self.groups.iter().map(Vec::len).max().unwrap_or(0);
        let mut lane_row = [0.0f32; MAX_LANES];
        let mut lane_sign = [0.0f32; MAX_LANES];
        let mut lane_v = [0.0f32; MAX_LANES];
        let mut lane_a = [0.0f32; MAX_LANES];
        let mut in_row = [0.0f32; MAX_LANES];
        let mut onehot = [0.0f32; MAX_N * MAX_LANES];
        for gi in 0..group_slots {
            onehot[..n * lanes].fill(0.0);
            let mut rows_in = 0;
            for r in 0..lanes {
                match self.groups[r].get(gi) {
                    Some(&(start, end)) => {
                        let key = self.singles[r][start as usize] >> 32;
                        lane_sign[r] = if key & 1 == 1 { -1.0 } else { 1.0 };
                        lane_row[r] = ones;
                        onehot[(key / 2) as usize * lanes + r] = ones;
                        rows_in = rows_in.max((end - start) as usize);
                    }
                    None => {
                        lane_sign[r] = 0.0;
                        lane_row[r] = 0.0;
                    }
                }
            }
            let has = unsafe { V::load(lane_row.as_ptr()) };
            let sign = unsafe { V::load(lane_sign.as_ptr()) };
            let (mut oh, mut unit) = ([zero; N], [zero; N]);
            for i in 0..n {
                oh[i] = unsafe { V::load(onehot.as_ptr().add(i * lanes)) };
                // The unit row s e_i.
                unit[i] = oh[i].and(sign);
            }
            // h̃, and u = Σ_j h̃_j E_j from +0.
            let hid = hidden::<V, N, M>(&k, &unit, &bh);
            let u = output_sum::<V, N, M>(&k, &hid.h, &[zero; N]);
            let mut g_group = [zero; N];
            let mut g_total = [zero; N];
            for q in 0..rows_in {
                for r in 0..lanes {
                    match self.groups[r].get(gi) {
                        Some(&(start, end)) if q < (end - start) as usize => {
                            let row = (self.singles[r][start as usize + q] & 0xffff_ffff) as usize;
                            let v = if fused {
                                self.single_values[r][row]
                            } else {
                                let batch = &self.batches[r];
                                batch.value[batch.row_start[row] as usize]
                            };
                            lane_v[r] = v;
                            lane_a[r] = v.abs();
                            in_row[r] = ones;
                        }
                        _ => {
                            lane_v[r] = 0.0;
                            lane_a[r] = 0.0;
                            in_row[r] = 0.0;
                        }
                    }
                }
                let (v, a, rm) = unsafe {
                    (
                        V::load(lane_v.as_ptr()),
                        V::load(lane_a.as_ptr()),
                        V::load(in_row.as_ptr()),
                    )
                };
                // scaled_output_error: o = b + a u, the row's terms, Σ g and Σ a g.
                let mut sq = [zero; N];
                for i in 0..n {
                    let xi = oh[i].and(v);
                    let o = b[i].add(a.mul(u[i]));
                    let (s, gk) = terms(&k, o, xi, imp[i], gs[i]);
                    sq[i] = s;
                    let gm = gk.and(rm);
                    g_group[i] = g_group[i].add(gm);
                    g_total[i] = g_total[i].add(a.mul(gm));
                }
                add_losses(&mut totals, lanes, tree::<V, N>(n, &sq), rm, &once);
            }
            for (i, &gi) in g_group.iter().enumerate().take(n) {
                unsafe { add_to(acc, k.b0 + i, gi.and(has)) };
            }
            let one = V::splat(1.0).and(has);
            let record = &mut records[..rec_len * lanes];
            let flags = row_terms::<V, N, M>(
                &k, record, deferred, &hid, &g_total, &unit, one, zero, has, true,
            );
            accumulate::<V, N>(&k, acc, records, 1, flags, false);
        }

        // Rows without a feature, once per lane, counted k times.
        let mut lane_k = [0.0f64; MAX_LANES];
        let mut lane_scale = [0.0f32; MAX_LANES];
        for r in 0..lanes {
            let e = self.empty[r];
            lane_row[r] = if e > 0 { ones } else { 0.0 };
            lane_k[r] = (e as f32) as f64;
            lane_scale[r] = e as f32 * scale;
        }
        if lane_row[..lanes].iter().any(|r| r.is_nan()) {
            let has = unsafe { V::load(lane_row.as_ptr()) };
            let ks = unsafe { V::load(lane_scale.as_ptr()) };
            let mut gs_empty = [zero; N];
            for i in 0..n {
                gs_empty[i] = ks.mul(imp[i]);
            }
            let x = [zero; N];
            let hid = hidden::<V, N, M>(&k, &x, &bh);
            let (g, loss) = output::<V, N, M>(&k, &hid.h, &x, &gs_empty, &imp, &b);
            add_losses(&mut totals, lanes, loss, has, &lane_k);
            let record = &mut records[..rec_len * lanes];
            let flags =
                row_terms::<V, N, M>(&k, record, deferred, &hid, &g, &x, zero, zero, has, false);
            accumulate::<V, N>(&k, acc, records, 1, flags, true);
        }

        // Fold the feature-major (output-major) sums into the neuron-major gradient, then add the rows
        // with every feature present, neuron by neuron in row order.
        for j in 0..m {
            for i in 0..n {
                unsafe {
                    add_to(acc, k.aw0 + j * n + i, ld::<V>(acc, k.tw0 + i * m + j));
                    if !tied {
                        add_to(acc, k.ae0 + j * n + i, ld::<V>(acc, k.te0 + i * m + j));
                    }
                }
            }
        }
        for record in deferred.chunks_exact((m + n) * lanes) {
            for j in 0..m {
                let dz = unsafe { ld::<V>(record, j) };
                if !any_nonzero(dz) {
                    continue;
                }
                for i in 0..n {
                    unsafe { add_to(acc, k.aw0 + j * n + i, dz.mul(ld(record, m + i))) };
                }
            }
        }
        for r in 0..lanes {
            self.loss[r] = (totals[r] / (rows * n) as f64) as f32;
        }
        self.guard(p_len, fused);
        self.update::<V>(p_len);
    }

    /// Zeroes the sums and lays out the transposed weights for this step.
    fn prepare(&mut self, n: usize, m: usize) {
        let lanes = self.lanes;
        let l = self.layout;
        self.acc.fill(0.0);
        for j in 0..m {
            for i in 0..n {
                let (to, from) = ((i * m + j) * lanes, (l.w.0 + j * n + i) * lanes);
                self.w_t[to..to + lanes].copy_from_slice(&self.params[from..from + lanes]);
                if !self.model.kind.tied() {
                    let from = (l.w2.0 + j * n + i) * lanes;
                    self.e_t[to..to + lanes].copy_from_slice(&self.params[from..from + lanes]);
                }
            }
        }
    }

    /// Sorts lane r's batch as `Model::run` does: rows with several features (batch order), with one
    /// (grouped by feature and sign, when the hidden layer scales with a lone feature), with none.
    fn classify(&mut self, r: usize, group: bool) {
        let batch = &self.batches[r];
        let (multi, singles) = (&mut self.multi[r], &mut self.singles[r]);
        for b in 0..batch.rows {
            let (s, e) = (batch.row_start[b], batch.row_start[b + 1]);
            match e - s {
                0 => self.empty[r] += 1,
                1 if group => {
                    let key = 2 * batch.feature[s as usize] as u64
                        + (batch.value[s as usize] < 0.0) as u64;
                    singles.push(key << 32 | b as u64);
                }
                _ => multi.push(b as u32),
            }
        }
        sort_singles(
            singles,
            2 * self.model.n,
            &mut self.counts,
            &mut self.scratch,
        );
        group_singles(singles, &mut self.groups[r]);
    }

    /// Recomputes with the single-run code the step of any lane whose loss or gradient is not finite,
    /// where the lanes' dense terms could differ from the single run's (0 · ∞).
    fn guard(&mut self, p_len: usize, fused: bool) {
        let lanes = self.lanes;
        for r in 0..lanes {
            if self.stopped[r].is_some() {
                continue;
            }
            let finite =
                self.loss[r].is_finite() && (0..p_len).all(|k| self.acc[k * lanes + r].is_finite());
            if finite {
                continue;
            }
            for k in 0..p_len {
                self.one_params[k] = self.params[k * lanes + r];
            }
            if fused {
                // The rows were drawn into the lanes: draw the same batch again.
                let mut rng = self.step_rngs[r].clone();
                self.sampler
                    .sample(&mut rng, self.config.batch, &mut self.batches[r]);
            }
            self.loss[r] = self.model.loss_and_grad(
                &self.one_params,
                &self.batches[r],
                &mut self.one_grad,
                &mut self.ws,
            );
            for k in 0..p_len {
                self.acc[k * lanes + r] = self.one_grad[k];
            }
        }
    }

    /// AdamW on every lane (`AdamW::step`, operation for operation), then the bookkeeping of
    /// `Trainer::step`.
    #[inline(always)]
    fn update<V: Vector>(&mut self, p_len: usize) {
        let lanes = self.lanes;
        let t = self.step + 1;
        let weight_decay = self.config.weight_decay as f64;
        let finite = adamw::<V>(
            &self.config,
            self.step,
            p_len,
            &self.acc,
            &mut self.params,
            &mut self.exp_avg,
            &mut self.exp_avg_sq,
        );
        self.step = t;
        for r in 0..lanes {
            if self.stopped[r].is_some() {
                continue;
            }
            let loss = self.loss[r];
            self.histories[r].push(loss);
            if !loss.is_finite() || finite & (1 << r) == 0 {
                self.stopped[r] = Some(State {
                    step: t,
                    params: self.lane(&self.params, r),
                    opt: AdamW {
                        weight_decay,
                        exp_avg: self.lane(&self.exp_avg, r),
                        exp_avg_sq: self.lane(&self.exp_avg_sq, r),
                        t,
                    },
                    data_rng: self.rngs[r].clone(),
                });
            }
        }
    }
}

/// AdamW step `step + 1` on every lane of interleaved buffers (`AdamW::step`, operation for
/// operation, in each lane), with the gradient `grad`. Bit k of the result is set where lane k's
/// parameters are all finite.
#[inline(always)]
pub(crate) fn adamw<V: Vector>(
    c: &Config,
    step: u64,
    p_len: usize,
    grad: &[f32],
    params: &mut [f32],
    exp_avg: &mut [f32],
    exp_avg_sq: &mut [f32],
) -> u32 {
    let lr = c.lr as f64 * lr_factor(c.schedule, step, c.steps);
    let t = step + 1;
    let weight_decay = c.weight_decay as f64;
    let decay = V::splat((1.0 - lr * weight_decay) as f32);
    let bias_correction1 = 1.0 - libm::pow(BETA1, t as f64);
    let bias_correction2 = 1.0 - libm::pow(BETA2, t as f64);
    let step_size = V::splat(-(lr / bias_correction1) as f32);
    let bc2_sqrt = V::splat(libm::sqrt(bias_correction2) as f32);
    let (one_m_b1, b2, one_m_b2, eps) = (
        V::splat((1.0 - BETA1) as f32),
        V::splat(BETA2 as f32),
        V::splat((1.0 - BETA2) as f32),
        V::splat(EPS as f32),
    );
    let inf = V::splat(f32::INFINITY);
    let mut finite = V::zero().eq(V::zero());
    let shortest = grad.len().min(params.len()).min(exp_avg.len());
    assert!(p_len * V::LANES <= shortest.min(exp_avg_sq.len()));
    for k in 0..p_len {
        // SAFETY: k < p_len, and each buffer holds p_len values per lane (checked above).
        unsafe {
            let g = ld::<V>(grad, k);
            let mut p = ld::<V>(params, k).mul(decay);
            let mut m = ld::<V>(exp_avg, k);
            let mut v = ld::<V>(exp_avg_sq, k);
            m = m.add(one_m_b1.mul(g.sub(m)));
            v = v.mul(b2).add(one_m_b2.mul(g).mul(g));
            let denom = v.sqrt().div(bc2_sqrt).add(eps);
            p = p.add(step_size.mul(m).div(denom));
            finite = finite.and(p.abs().lt(inf));
            st(p, params, k);
            st(m, exp_avg, k);
            st(v, exp_avg_sq, k);
        }
    }
    finite.bits()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt,bmi1")]
/// # Safety
/// The CPU must have AVX2, POPCNT and BMI1 (integer instructions for the bit counts; no float
/// operation depends on them).
unsafe fn step_avx2(lanes: &mut Lanes) {
    lanes.dispatch::<V8>();
}

/// What the per-row code reads: sizes, model kind, and where things are (in lane vectors).
struct Kern<'a> {
    n: usize,
    m: usize,
    relu_h: bool,
    relu_o: bool,
    abs_t: bool,
    hidden_bias: bool,
    tied: bool,
    params: &'a [f32],
    w_t: &'a [f32],
    e_t: &'a [f32],
    /// Offsets (in vectors): E in `params`; in the sums, ∂/∂W, ∂/∂E, ∂/∂b, ∂/∂b_h, and the
    /// feature-major (output-major) sums.
    e0: usize,
    aw0: usize,
    ae0: usize,
    b0: usize,
    bh0: usize,
    tw0: usize,
    te0: usize,
}

/// Vector e of an interleaved buffer.
/// # Safety
/// `(e + 1) · LANES ≤ buf.len()`.
#[inline(always)]
pub(crate) unsafe fn ld<V: Vector>(buf: &[f32], e: usize) -> V {
    debug_assert!((e + 1) * V::LANES <= buf.len());
    V::load(buf.as_ptr().add(e * V::LANES))
}

/// # Safety
/// As for [`ld`].
#[inline(always)]
pub(crate) unsafe fn st<V: Vector>(v: V, buf: &mut [f32], e: usize) {
    debug_assert!((e + 1) * V::LANES <= buf.len());
    v.store(buf.as_mut_ptr().add(e * V::LANES))
}

/// buf[e] += v.
/// # Safety
/// As for [`ld`].
#[inline(always)]
pub(crate) unsafe fn add_to<V: Vector>(buf: &mut [f32], e: usize, v: V) {
    st(ld::<V>(buf, e).add(v), buf, e)
}

/// totals[r] += times[r] · loss[r] (in f64, as `Model::run` sums) for the lanes in `row`.
#[inline(always)]
fn add_losses<V: Vector>(
    totals: &mut [f64; MAX_LANES],
    lanes: usize,
    loss: V,
    row: V,
    times: &[f64; MAX_LANES],
) {
    let mut out = [0.0f32; MAX_LANES];
    // SAFETY: MAX_LANES ≥ LANES values.
    unsafe { loss.store(out.as_mut_ptr()) };
    let row = row.bits();
    for r in 0..lanes {
        if row & (1 << r) != 0 {
            totals[r] += times[r] * out[r] as f64;
        }
    }
}

/// Whether any lane of v is not +0 or −0 (NaN included).
#[inline(always)]
fn any_nonzero<V: Vector>(v: V) -> bool {
    v.ne(V::zero()).bits() != 0
}

struct Hidden<V, const M: usize> {
    h: [V; M],
    /// h_j > 0 (every neuron when the hidden layer has no ReLU), and how many per lane.
    act: [V; M],
    act_n: V,
}

/// z = b_h + Σ_i x_i W_i in feature order (`bias_plus_rows`), h and the active neurons.
#[inline(always)]
fn hidden<V: Vector, const N: usize, const M: usize>(
    k: &Kern,
    x: &[V; N],
    bh: &[V; M],
) -> Hidden<V, M> {
    let (n, m) = (k.n, k.m);
    let mut z = *bh;
    for (i, &xi) in x.iter().enumerate().take(n) {
        if !any_nonzero(xi) {
            continue;
        }
        for (j, z) in z.iter_mut().enumerate().take(m) {
            *z = z.add(xi.mul(unsafe { ld(k.w_t, i * m + j) }));
        }
    }
    let (zero, one) = (V::zero(), V::splat(1.0));
    let all = zero.eq(zero);
    let mut h = z;
    let mut act = [all; M];
    let mut act_n = zero;
    for j in 0..m {
        if k.relu_h {
            h[j] = z[j].and(z[j].gt(zero));
            act[j] = h[j].gt(zero);
        }
        act_n = act_n.add(act[j].and(one));
    }
    Hidden { h, act, act_n }
}

/// o = start + Σ_j h_j E_j over the neurons, in neuron order (`bias_plus_rows`).
#[inline(always)]
fn output_sum<V: Vector, const N: usize, const M: usize>(
    k: &Kern,
    h: &[V; M],
    start: &[V; N],
) -> [V; N] {
    let (n, m) = (k.n, k.m);
    let mut o = *start;
    for (j, &hj) in h.iter().enumerate().take(m) {
        if !any_nonzero(hj) {
            continue;
        }
        for (i, o) in o.iter_mut().enumerate().take(n) {
            *o = o.add(hj.mul(unsafe { ld(k.params, k.e0 + j * n + i) }));
        }
    }
    o
}

/// One output's terms (`kernels::ErrorTerms`): from o before the activation and the row's x, the
/// weighted squared error and g.
#[inline(always)]
fn terms<V: Vector>(k: &Kern, o: V, x: V, importance: V, g_scale: V) -> (V, V) {
    let zero = V::zero();
    let o = if k.relu_o { o.and(o.gt(zero)) } else { o };
    let e = o.sub(if k.abs_t { x.abs() } else { x });
    let g = g_scale.mul(e);
    (
        importance.mul(e).mul(e),
        if k.relu_o { g.and(o.gt(zero)) } else { g },
    )
}

/// The forward pass after the hidden layer (`forward_row`): g and the row's loss.
#[inline(always)]
fn output<V: Vector, const N: usize, const M: usize>(
    k: &Kern,
    h: &[V; M],
    x: &[V; N],
    gs: &[V; N],
    imp: &[V; N],
    b: &[V; N],
) -> ([V; N], V) {
    let o = output_sum::<V, N, M>(k, h, b);
    let zero = V::zero();
    let mut sq = [zero; N];
    let mut g = [zero; N];
    for i in 0..k.n {
        let (s, gi) = terms(k, o[i], x[i], imp[i], gs[i]);
        sq[i] = s;
        g[i] = gi;
    }
    (g, tree::<V, N>(k.n, &sq))
}

/// Σ_k t_k in the order of `kernels::blocks` and `reduce4`: 16 partial sums (offset 16b + 4q + l
/// into sum (q, l)), then what is left in blocks of 4 to sums 0, 1, 2, the tree
/// ((s0 + s2) + (s1 + s3)) over q and then over l, and the last len mod 4 one by one. Sums that got no
/// term are left out rather than added as +0 (see the module comment).
#[inline(always)]
fn tree<V: Vector, const N: usize>(len: usize, t: &[V; N]) -> V {
    #[inline(always)]
    fn plus<V: Vector>(a: Option<V>, b: V) -> Option<V> {
        Some(match a {
            None => b,
            Some(a) => a.add(b),
        })
    }
    #[inline(always)]
    fn both<V: Vector>(a: Option<V>, b: Option<V>) -> Option<V> {
        match (a, b) {
            (Some(a), Some(b)) => Some(a.add(b)),
            (a, None) => a,
            (None, b) => b,
        }
    }
    let mut acc: [[Option<V>; 4]; 4] = [[None; 4]; 4];
    let mut k = 0;
    while k + 16 <= len {
        for (q, acc) in acc.iter_mut().enumerate() {
            for (l, acc) in acc.iter_mut().enumerate() {
                *acc = plus(*acc, t[k + 4 * q + l]);
            }
        }
        k += 16;
    }
    for acc in acc.iter_mut() {
        if k + 4 <= len {
            for (l, acc) in acc.iter_mut().enumerate() {
                *acc = plus(*acc, t[k + l]);
            }
            k += 4;
        }
    }
    let mut v: [Option<V>; 4] = [None; 4];
    for (l, v) in v.iter_mut().enumerate() {
        *v = both(both(acc[0][l], acc[2][l]), both(acc[1][l], acc[3][l]));
    }
    let mut sum = both(both(v[0], v[2]), both(v[1], v[3]));
    while k < len {
        sum = plus(sum, t[k]);
        k += 1;
    }
    sum.unwrap_or(V::zero())
}

/// The groups of equal (feature, sign) in sorted one-feature rows, as ranges.
fn group_singles(singles: &[u64], groups: &mut Vec<(u32, u32)>) {
    groups.clear();
    let mut start = 0;
    for chunk in singles.chunk_by(|p, q| p >> 32 == q >> 32) {
        groups.push((start, start + chunk.len() as u32));
        start += chunk.len() as u32;
    }
}

/// A computed row's record, in lane vectors: h (m), ∂/∂z (m), g (n), x (n), then the masks of
/// [`Record`].
fn record_len(n: usize, m: usize) -> usize {
    2 * m + 2 * n + 5
}

/// Rows whose records are summed at a time: about 16 KB of them.
fn chunk_rows(n: usize, m: usize, lanes: usize) -> usize {
    (16384 / (record_len(n, m) * lanes * 4)).clamp(1, 16)
}

/// Where the masks are in a record (after h, ∂/∂z, g, x): the lanes that back-propagate neuron-major
/// and output-major, that add ∂/∂W neuron by neuron and feature by feature, and that have the row.
struct Record;

impl Record {
    const NEURON_MAJOR: usize = 0;
    const OUTPUT_MAJOR: usize = 1;
    const BY_NEURON: usize = 2;
    const BY_FEATURE: usize = 3;
    const ROW: usize = 4;
}

/// The per-row half of `backward_row` for the lanes in `row`: each lane's ∂/∂z by the order its single
/// run picks (output-major when 2 · live · m < active · n), and how its terms are to be summed: ∂/∂E
/// neuron-major or output-major; ∂/∂W (when `w_grads`) neuron by neuron when fc · m > active · n,
/// deferred to the end of the batch when the row is also full, feature by feature otherwise (`fc` is
/// the row's feature count, `full` whether it is n). Writes the row's record and returns which masks
/// have a lane set (bit k for mask k of [`Record`]).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn row_terms<V: Vector, const N: usize, const M: usize>(
    k: &Kern,
    record: &mut [f32],
    deferred: &mut Vec<f32>,
    hid: &Hidden<V, M>,
    g: &[V; N],
    x: &[V; N],
    fc: V,
    full: V,
    row: V,
    w_grads: bool,
) -> u32 {
    let (n, m) = (k.n, k.m);
    let (zero, one) = (V::zero(), V::splat(1.0));
    let mut live_n = zero;
    for &gi in g.iter().take(n) {
        live_n = live_n.add(gi.ne(zero).and(one));
    }
    let work_n = hid.act_n.mul(V::splat(n as f32));
    let out_major = live_n.mul(V::splat((2 * m) as f32)).lt(work_n);
    let om = out_major.and(row);
    let nm = out_major.and_not(row);
    let mut dz = [zero; M];
    if om.bits() != 0 {
        // Σ_i g_i E_t[i] from +0, over the outputs in order (`bias_plus_rows` on the live ones).
        for (i, &gi) in g.iter().enumerate().take(n) {
            if !any_nonzero(gi) {
                continue;
            }
            for (j, dz) in dz.iter_mut().enumerate().take(m) {
                *dz = dz.add(gi.mul(unsafe { ld(k.e_t, i * m + j) }));
            }
        }
    }
    if nm.bits() != 0 {
        // E_j · g (`dot_and_axpy`).
        for (j, dz) in dz.iter_mut().enumerate().take(m) {
            let mut t = [zero; N];
            for i in 0..n {
                t[i] = unsafe { ld::<V>(k.params, k.e0 + j * n + i) }.mul(g[i]);
            }
            *dz = out_major.select(*dz, tree::<V, N>(n, &t));
        }
    }
    for j in 0..m {
        dz[j] = dz[j].and(hid.act[j]);
    }
    let (by_neuron, by_feature) = if w_grads {
        let dense = fc.mul(V::splat(m as f32)).gt(work_n).and(row);
        let deferred_rows = full.and(dense);
        if deferred_rows.bits() != 0 {
            let at = deferred.len();
            deferred.resize(at + (m + n) * V::LANES, 0.0);
            let d = &mut deferred[at..];
            for (j, &dz) in dz.iter().enumerate().take(m) {
                unsafe { st(dz.and(deferred_rows), d, j) };
            }
            for (i, &xi) in x.iter().enumerate().take(n) {
                unsafe { st(xi, d, m + i) };
            }
        }
        (full.and_not(dense), dense.and_not(row))
    } else {
        (zero, zero)
    };
    // SAFETY: the record holds record_len(n, m) vectors.
    unsafe {
        for j in 0..m {
            st(hid.h[j], record, j);
            st(dz[j], record, m + j);
        }
        for i in 0..n {
            st(g[i], record, 2 * m + i);
            st(x[i], record, 2 * m + n + i);
        }
        let masks = 2 * m + 2 * n;
        st(nm, record, masks + Record::NEURON_MAJOR);
        st(om, record, masks + Record::OUTPUT_MAJOR);
        st(by_neuron, record, masks + Record::BY_NEURON);
        st(by_feature, record, masks + Record::BY_FEATURE);
        st(row, record, masks + Record::ROW);
    }
    (nm.bits() != 0) as u32
        | ((om.bits() != 0) as u32) << 1
        | ((by_neuron.bits() != 0) as u32) << 2
        | ((by_feature.bits() != 0) as u32) << 3
}

/// The summing half of `backward_row` for `count` records in row order: ∂/∂b (when `bias`) and ∂/∂b_h,
/// ∂/∂E_j += h_j g (neuron-major lanes) or ∂/∂E_{:,i} += g_i h (output-major lanes), then ∂/∂W_j +=
/// ∂/∂z_j x (neuron by neuron) or ∂/∂W_i += x_i ∂/∂z (feature by feature). Each sum is held in a register
/// over the records, and each term is masked by its row's lanes through its neuron factor (h_j or
/// ∂/∂z_j is +0 in the other lanes, so the term is ±0 there). `flags` (from `row_terms`) skips the kinds
/// of term no lane has.
#[inline(always)]
fn accumulate<V: Vector, const N: usize>(
    k: &Kern,
    acc: &mut [f32],
    records: &[f32],
    count: usize,
    flags: u32,
    bias: bool,
) {
    let (n, m) = (k.n, k.m);
    let rl = record_len(n, m);
    let (odz, og, om) = (m, 2 * m, 2 * m + 2 * n);
    // SAFETY (every `ld`/`st`): offsets within `count` records and the layouts of `acc`.
    if bias {
        for i in 0..n {
            let mut a = unsafe { ld::<V>(acc, k.b0 + i) };
            for s in 0..count {
                a = a.add(rec::<V>(records, rl, s, og + i).and(rec::<V>(
                    records,
                    rl,
                    s,
                    om + Record::ROW,
                )));
            }
            unsafe { st(a, acc, k.b0 + i) };
        }
    }
    if k.hidden_bias {
        for j in 0..m {
            let mut a = unsafe { ld::<V>(acc, k.bh0 + j) };
            for s in 0..count {
                a = a.add(rec::<V>(records, rl, s, odz + j).and(rec::<V>(
                    records,
                    rl,
                    s,
                    om + Record::ROW,
                )));
            }
            unsafe { st(a, acc, k.bh0 + j) };
        }
    }
    // Neuron-major sums (E_j and W_j), then feature-major ones (column j of the n × m layout), in
    // blocks of outputs held in registers: blocks of fixed width when n is the size this was compiled
    // for.
    let exact = n == N;
    for j in 0..m {
        let mut i0 = 0;
        while i0 < n {
            let w = BLOCK.min(n - i0);
            if exact && w == BLOCK {
                neuron_block::<V, BLOCK>(k, acc, records, count, flags, j, i0, BLOCK);
            } else if exact && w == 5 {
                neuron_block::<V, 5>(k, acc, records, count, flags, j, i0, 5);
            } else {
                neuron_block::<V, BLOCK>(k, acc, records, count, flags, j, i0, w);
            }
            i0 += w;
        }
    }
    if flags & 0b1010 == 0 {
        return;
    }
    for j in 0..m {
        let mut i0 = 0;
        while i0 < n {
            let w = BLOCK.min(n - i0);
            if exact && w == BLOCK {
                feature_block::<V, BLOCK>(k, acc, records, count, flags, j, i0, BLOCK);
            } else if exact && w == 5 {
                feature_block::<V, 5>(k, acc, records, count, flags, j, i0, 5);
            } else {
                feature_block::<V, BLOCK>(k, acc, records, count, flags, j, i0, w);
            }
            i0 += w;
        }
    }
}

#[inline(always)]
fn rec<V: Vector>(records: &[f32], rl: usize, s: usize, e: usize) -> V {
    // SAFETY: callers pass s < the records written and e < rl.
    unsafe { ld::<V>(records, s * rl + e) }
}

/// Outputs i0..i0 + w (w ≤ W) of neuron j's neuron-major sums over the records: ∂/∂E_j += h_j g
/// (neuron-major lanes), then ∂/∂W_j += ∂/∂z_j x (lanes summing neuron by neuron); for tied models both
/// are W_j.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn neuron_block<V: Vector, const W: usize>(
    k: &Kern,
    acc: &mut [f32],
    records: &[f32],
    count: usize,
    flags: u32,
    j: usize,
    i0: usize,
    w: usize,
) {
    let (n, m) = (k.n, k.m);
    let rl = record_len(n, m);
    let (oh, odz, og, ox, om) = (0, m, 2 * m, 2 * m + n, 2 * m + 2 * n);
    let zero = V::zero();
    let mut a = [zero; W];
    let mut aw = [zero; W];
    // SAFETY (`ld`/`st`): offsets within the layouts of `acc`.
    for t in 0..w {
        a[t] = unsafe { ld(acc, k.ae0 + j * n + i0 + t) };
        if !k.tied {
            aw[t] = unsafe { ld(acc, k.aw0 + j * n + i0 + t) };
        }
    }
    // Tied models add both terms to W_j (E = W), in this order per record; `abs` to W₂ᵀ_j and W₁_j.
    // (Two loops rather than a reference to either sum, which would keep the sums out of registers.)
    let (e_terms, w_terms) = (flags & 1 != 0, flags & 4 != 0);
    for s in 0..count {
        let h =
            rec::<V>(records, rl, s, oh + j).and(rec(records, rl, s, om + Record::NEURON_MAJOR));
        let dz = rec::<V>(records, rl, s, odz + j).and(rec(records, rl, s, om + Record::BY_NEURON));
        if e_terms && any_nonzero(h) {
            for t in 0..w {
                a[t] = a[t].add(h.mul(rec(records, rl, s, og + i0 + t)));
            }
        }
        if w_terms && any_nonzero(dz) {
            if k.tied {
                for t in 0..w {
                    a[t] = a[t].add(dz.mul(rec(records, rl, s, ox + i0 + t)));
                }
            } else {
                for t in 0..w {
                    aw[t] = aw[t].add(dz.mul(rec(records, rl, s, ox + i0 + t)));
                }
            }
        }
    }
    for t in 0..w {
        unsafe { st(a[t], acc, k.ae0 + j * n + i0 + t) };
        if !k.tied {
            unsafe { st(aw[t], acc, k.aw0 + j * n + i0 + t) };
        }
    }
}

/// Features i0..i0 + w (w ≤ W) of column j of the feature-major sums over the records: ∂/∂E_{:,i} +=
/// g_i h (output-major lanes), then ∂/∂W_i += x_i ∂/∂z (lanes summing feature by feature).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn feature_block<V: Vector, const W: usize>(
    k: &Kern,
    acc: &mut [f32],
    records: &[f32],
    count: usize,
    flags: u32,
    j: usize,
    i0: usize,
    w: usize,
) {
    let (n, m) = (k.n, k.m);
    let rl = record_len(n, m);
    let (oh, odz, og, ox, om) = (0, m, 2 * m, 2 * m + n, 2 * m + 2 * n);
    let zero = V::zero();
    let mut t_e = [zero; W];
    let mut t_w = [zero; W];
    for t in 0..w {
        t_e[t] = unsafe { ld(acc, k.te0 + (i0 + t) * m + j) };
        if !k.tied {
            t_w[t] = unsafe { ld(acc, k.tw0 + (i0 + t) * m + j) };
        }
    }
    let (e_terms, w_terms) = (flags & 2 != 0, flags & 8 != 0);
    for s in 0..count {
        let h =
            rec::<V>(records, rl, s, oh + j).and(rec(records, rl, s, om + Record::OUTPUT_MAJOR));
        let dz =
            rec::<V>(records, rl, s, odz + j).and(rec(records, rl, s, om + Record::BY_FEATURE));
        if e_terms && any_nonzero(h) {
            for t in 0..w {
                t_e[t] = t_e[t].add(rec::<V>(records, rl, s, og + i0 + t).mul(h));
            }
        }
        if w_terms && any_nonzero(dz) {
            if k.tied {
                for t in 0..w {
                    t_e[t] = t_e[t].add(rec::<V>(records, rl, s, ox + i0 + t).mul(dz));
                }
            } else {
                for t in 0..w {
                    t_w[t] = t_w[t].add(rec::<V>(records, rl, s, ox + i0 + t).mul(dz));
                }
            }
        }
    }
    for t in 0..w {
        unsafe { st(t_e[t], acc, k.te0 + (i0 + t) * m + j) };
        if !k.tied {
            unsafe { st(t_w[t], acc, k.tw0 + (i0 + t) * m + j) };
        }
    }
}

/// Every seed's initial weights, interleaved by lane (value k of lane r at k · seeds.len() + r), as
/// `Lanes` and `Lockstep` hold their parameters.
pub(crate) fn interleaved_init(model: &Model, seeds: &[u32]) -> Vec<f32> {
    let lanes = seeds.len();
    let mut params = vec![0.0; model.layout().len * lanes];
    for (r, &seed) in seeds.iter().enumerate() {
        for (k, v) in model.init(seed).into_iter().enumerate() {
            params[k * lanes + r] = v;
        }
    }
    params
}

/// Lane r's whole training state at `step`, from the interleaved parameters and AdamW moments
/// (`[params, exp_avg, exp_avg_sq]`) of `lanes` lanes and its data stream: what `Trainer::resume` takes
/// to go on as the single run.
pub(crate) fn lane_state(
    config: &Config,
    step: u64,
    [params, exp_avg, exp_avg_sq]: [&[f32]; 3],
    lanes: usize,
    r: usize,
    data_rng: Rng,
) -> State {
    State {
        step,
        params: lane(params, lanes, r),
        opt: AdamW {
            weight_decay: config.weight_decay as f64,
            exp_avg: lane(exp_avg, lanes, r),
            exp_avg_sq: lane(exp_avg_sq, lanes, r),
            t: step,
        },
        data_rng,
    }
}

/// Lane r's values of an array interleaved by lane.
pub(crate) fn lane(v: &[f32], lanes: usize, r: usize) -> Vec<f32> {
    v.iter().skip(r).step_by(lanes).copied().collect()
}
