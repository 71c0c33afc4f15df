//! The four toy models (docs/science.md, "The four models"): parameters, initialisation, and the loss
//! with its gradient, written out by hand in f32.
//!
//! | model         | forward                                   | target |
//! |---------------|-------------------------------------------|--------|
//! | `linear`      | h = W x;            x' = Wᵀ h + b         | x      |
//! | `relu-output` | h = W x;            x' = ReLU(Wᵀ h + b)   | x      |
//! | `relu-hidden` | h = ReLU(W x + b_h); x' = ReLU(Wᵀ h + b)  | x      |
//! | `abs`         | h = ReLU(W₁ x);      y' = ReLU(W₂ h + b)  | \|x\|  |
//!
//! loss = mean over batch and features of I_i (target_i − out_i)².
//!
//! Storage: every weight matrix is kept neuron-major, m × n, so that row j holds neuron j's weights over
//! the n features: W (and W₁) as the paper writes them, and W₂ (n × m) transposed. The heavy loops then
//! run along contiguous n-vectors: o = b + Σ_j h_j E_j over the active neurons (E = W for tied models,
//! W₂ᵀ for `abs`), ∂/∂h_j = E_j · g, ∂/∂E_j += h_j g. A neuron a ReLU switched off costs nothing.
//! The hidden layer reads a feature-major copy of W made once per batch (row i = W_i, an m-vector), so
//! z = b_h + Σ_i x_i W_i costs one contiguous m-vector per present feature, and sparse rows add their
//! ∂/∂W_i = x_i ∂/∂z into a feature-major gradient folded back once per batch.
//! Rows with one present feature x_i (most non-empty rows at low density) scale the unit row s e_i's
//! hidden vector by |x_i| when there is no hidden bias, so rows sharing i and s share their matrix work
//! (`single_feature_rows`).
//! All parameters live in one flat vector (`[W or W₁ | W₂ᵀ | b | b_h]`), so the optimizer, snapshots and
//! fingerprints see one slice.

use crate::core::config::{Config, Init, ModelKind};
use crate::core::data::Batch;
use crate::core::kernels::{
    indices_where, keep_where_positive, output_error, scaled_output_error, sort_singles, transpose,
    Baseline, FirstRows, Kernels, Starts,
};
use crate::core::rng::{Rng, Stream};
#[cfg(target_arch = "x86_64")]
use crate::core::wide::Avx2;
use ndarray::ArrayView2;

/// Shapes and constants of one model: everything but the parameter values.
#[derive(Clone, Debug)]
pub struct Model {
    pub kind: ModelKind,
    pub n: usize,
    pub m: usize,
    pub hidden_bias: bool,
    /// I_i
    pub importance: Vec<f32>,
    /// How `init` draws the weights.
    pub init: Init,
}

/// Where each parameter lives in the flat vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub w: (usize, usize),
    pub w2: (usize, usize),
    pub b: (usize, usize),
    pub b_h: (usize, usize),
    pub len: usize,
}

impl Layout {
    /// Where the parameters of a model of this kind and shape live: `[W or W₁ | W₂ᵀ | b | b_h]`.
    pub fn of(kind: ModelKind, n: usize, m: usize, hidden_bias: bool) -> Layout {
        let nm = n * m;
        let w = (0, nm);
        let w2 = if kind.tied() { (nm, nm) } else { (nm, 2 * nm) };
        let b = (w2.1, w2.1 + n);
        let b_h = if hidden_bias {
            (b.1, b.1 + m)
        } else {
            (b.1, b.1)
        };
        Layout {
            w,
            w2,
            b,
            b_h,
            len: b_h.1,
        }
    }

    /// The output matrix E (m × n, row j = neuron j's output weights): W itself for tied models, W₂ᵀ
    /// for `abs`.
    pub fn out(&self) -> (usize, usize) {
        if self.w2.1 > self.w2.0 {
            self.w2
        } else {
            self.w
        }
    }
}

/// Scratch vectors for one row, kept between steps to avoid allocation.
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    /// The current row as a dense n-vector (zero between rows; a row with every feature present is
    /// read from the batch instead).
    x: Vec<f32>,
    dense: bool,
    /// W feature-major (n × m: row i is W_i), and ∂loss/∂W of the sparse rows in the same layout.
    w_t: Vec<f32>,
    w_t_grad: Vec<f32>,
    /// `abs` only: W₂ output-major (n × m: row i is output i's weights), and the part of ∂loss/∂W₂
    /// summed output by output. (For tied models E = W, and these are `w_t` and `w_t_grad`.)
    e_t: Vec<f32>,
    e_t_grad: Vec<f32>,
    /// Whether a row of this batch has added to `w_t_grad` / `e_t_grad` yet: they are zeroed on first
    /// use and folded only if used (a dense batch never uses them).
    w_t_used: bool,
    e_t_used: bool,
    /// Rows with every feature present add ∂/∂W_j = Σ_rows ∂/∂z_j x over the batch at its end, in
    /// one pass per neuron that keeps the sums in registers (rather than loading and storing W_j's
    /// gradient once per row): for neuron j, where each such row starts in the batch and its ∂/∂z_j,
    /// the `full_count[j]` entries from j · `full_cap` (one flat buffer: a push per neuron and row
    /// into m growable vectors cost abs n = 100, m = 40 about 8% of its step).
    full_starts: Vec<u32>,
    full_dz: Vec<f32>,
    full_count: Vec<usize>,
    full_cap: usize,
    row_grad: Vec<f32>,
    /// The outputs with g_i ≠ 0 (`live`) and their g_i, and m zeros.
    g_live: Vec<f32>,
    zeros: Vec<f32>,
    /// b_h, or zeros.
    b_h: Vec<f32>,
    z: Vec<f32>,
    h: Vec<f32>,
    /// Neurons with h_j ≠ 0 (every neuron when the hidden layer has no ReLU).
    active: Vec<u32>,
    out: Vec<f32>,
    /// scale · I_i, where scale = 2 / (batch · n) times the row's multiplicity.
    g_scale: Vec<f32>,
    g: Vec<f32>,
    /// Outputs with g_i ≠ 0.
    live: Vec<u32>,
    /// h_j of the active neurons, in `active` order.
    h_active: Vec<f32>,
    dz: Vec<f32>,
    /// Rows with exactly one present feature, as (feature i, sign of x_i) << 32 | row, sorted so that
    /// rows sharing a feature and sign are neighbours (see `single_feature_rows`).
    singles: Vec<u64>,
    single_counts: Vec<u32>,
    single_scratch: Vec<u64>,
    /// Σ_j h_j E_j for the unit row s e_i, and Σ g over the rows of one (i, s) group.
    unit_out: Vec<f32>,
    g_group: Vec<f32>,
}

impl Model {
    pub fn new(config: &Config) -> Model {
        Model {
            kind: config.model,
            n: config.n,
            m: config.m,
            hidden_bias: config.hidden_bias && config.model == ModelKind::ReluHidden,
            importance: config.importances(),
            init: config.init,
        }
    }

    pub fn layout(&self) -> Layout {
        Layout::of(self.kind, self.n, self.m, self.hidden_bias)
    }

    /// The standard deviations of W (or W₁) and of W₂ (docs/science.md, "Initialisation").
    ///
    /// `notebook`: PyTorch's `xavier_normal_` on the notebook's 3-D tensors with one instance, W[1, n, m]
    /// and W₂[1, m, n]: fan_in = size(1)·size(2), fan_out = size(0)·size(2), std = sqrt(2 / (fan_in +
    /// fan_out)) = sqrt(2 / (m (n + 1))) and sqrt(2 / (n (m + 1))). `xavier`: sqrt(2 / (n + m)) for both.
    pub fn init_std(&self) -> (f64, f64) {
        let (n, m) = (self.n as f64, self.m as f64);
        match self.init {
            Init::Notebook => (
                libm::sqrt(2.0 / (m * (n + 1.0))),
                libm::sqrt(2.0 / (n * (m + 1.0))),
            ),
            Init::Xavier => {
                let std = libm::sqrt(2.0 / (n + m));
                (std, std)
            }
        }
    }

    /// Normal weights with the standard deviations of [`Model::init_std`], biases zero. Drawn from the
    /// seed's initialisation stream (W first, then W₂ᵀ, in storage order), so they do not depend on the
    /// data stream; both rules draw the same normals, scaled differently.
    pub fn init(&self, seed: u32) -> Vec<f32> {
        let layout = self.layout();
        let mut params = vec![0.0f32; layout.len];
        let mut rng = Rng::new(seed as u64, Stream::Init);
        let (std_w, std_w2) = self.init_std();
        for (k, v) in params[layout.w.0..layout.w2.1].iter_mut().enumerate() {
            let std = if k < layout.w.1 { std_w } else { std_w2 };
            *v = (std * rng.normal_f64()) as f32;
        }
        params
    }

    /// The model's output for one dense input row (for inspection and tests).
    pub fn forward(&self, params: &[f32], x: &[f32]) -> Vec<f32> {
        let batch = Batch::from_dense(x, 1, self.n);
        let mut ws = Workspace::default();
        self.prepare(params, &mut ws);
        let (f, v) = batch.row(0);
        self.forward_row(Baseline, params, f, v, &mut ws);
        ws.out.clone()
    }

    /// The loss on a batch, without gradients.
    pub fn loss(&self, params: &[f32], batch: &Batch, ws: &mut Workspace) -> f32 {
        self.run(params, batch, None, ws)
    }

    /// The loss on a batch; `grad` (same layout as `params`) is overwritten with its gradient.
    pub fn loss_and_grad(
        &self,
        params: &[f32],
        batch: &Batch,
        grad: &mut [f32],
        ws: &mut Workspace,
    ) -> f32 {
        grad.fill(0.0);
        self.run(params, batch, Some(grad), ws)
    }

    fn prepare(&self, params: &[f32], ws: &mut Workspace) {
        let (n, m, l) = (self.n, self.m, self.layout());
        ws.w_t.resize(n * m, 0.0);
        transpose(&params[l.w.0..l.w.1], m, n, &mut ws.w_t);
        ws.w_t_used = false;
        ws.e_t_used = false;
        ws.full_count.clear();
        ws.full_count.resize(m, 0);
        if !self.kind.tied() {
            ws.e_t.resize(n * m, 0.0);
            transpose(&params[l.w2.0..l.w2.1], m, n, &mut ws.e_t);
        }
        ws.zeros.clear();
        ws.zeros.resize(m.max(n), 0.0);
        ws.b_h.clear();
        if self.hidden_bias {
            ws.b_h.extend_from_slice(&params[l.b_h.0..l.b_h.1]);
        } else {
            ws.b_h.resize(m, 0.0);
        }
        ws.z.resize(self.m, 0.0);
        ws.h.resize(self.m, 0.0);
        ws.dz.resize(self.m, 0.0);
        ws.x.clear();
        ws.x.resize(self.n, 0.0);
        ws.out.resize(self.n, 0.0);
        ws.g.resize(self.n, 0.0);
        ws.g_scale.resize(self.n, 0.0);
        ws.unit_out.resize(self.n, 0.0);
        ws.g_group.resize(self.n, 0.0);
    }

    /// One pass over the batch (`run_with`), at AVX2 width where the CPU has it natively: the same
    /// sums in the same order, so the same bits (`wide.rs`).
    fn run(
        &self,
        params: &[f32],
        batch: &Batch,
        grad: Option<&mut [f32]>,
        ws: &mut Workspace,
    ) -> f32 {
        #[cfg(target_arch = "x86_64")]
        if let Some(kern) = Avx2::detect() {
            // SAFETY: the token says this CPU has AVX2.
            return unsafe { self.run_avx2(kern, params, batch, grad, ws) };
        }
        self.run_with(Baseline, params, batch, grad, ws)
    }

    /// # Safety
    /// The CPU must have AVX2 (which holding an `Avx2` proves).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn run_avx2(
        &self,
        kern: Avx2,
        params: &[f32],
        batch: &Batch,
        grad: Option<&mut [f32]>,
        ws: &mut Workspace,
    ) -> f32 {
        self.run_with(kern, params, batch, grad, ws)
    }

    /// Rows are processed one at a time, in order, so each row's hidden and output vectors stay in cache
    /// and the sums over the batch have a fixed order. Every row without a present feature gives the same
    /// output (h depends only on the biases), so those rows are computed once and counted k times: at low
    /// density most rows are empty. Rows with one present feature are grouped by feature and sign and
    /// done after the others (`single_feature_rows`), in (feature, sign, row) order.
    #[inline(always)]
    fn run_with<K: Kernels>(
        &self,
        kern: K,
        params: &[f32],
        batch: &Batch,
        mut grad: Option<&mut [f32]>,
        ws: &mut Workspace,
    ) -> f32 {
        self.prepare(params, ws);
        // Room for every row in each neuron's list, made when a full row first needs it (a sparse run
        // of a large model never does).
        ws.full_cap = batch.rows;
        let l = self.layout();
        let scale = 2.0 / (batch.rows * self.n) as f32;
        self.set_g_scale(ws, scale);
        let mut total = 0.0f64;
        let mut empty_rows = 0usize;
        let group = self.single_rows_scale();
        ws.singles.clear();
        for b in 0..batch.rows {
            let (features, values) = batch.row(b);
            if features.is_empty() {
                empty_rows += 1;
                continue;
            }
            if group && features.len() == 1 {
                let key = 2 * features[0] as u64 + (values[0] < 0.0) as u64;
                ws.singles.push(key << 32 | b as u64);
                continue;
            }
            total += self.forward_row(kern, params, features, values, ws) as f64;
            if let Some(grad) = grad.as_deref_mut() {
                kern.axpy(&mut grad[l.b.0..l.b.1], 1.0, &ws.g);
                let start = batch.row_start[b];
                self.backward_row(kern, params, features, values, start, grad, ws);
            }
            if features.len() < self.n {
                for &i in features {
                    ws.x[i as usize] = 0.0;
                }
            }
        }
        if !ws.singles.is_empty() {
            total += self.single_feature_rows(kern, params, batch, grad.as_deref_mut(), ws);
        }
        if empty_rows > 0 {
            let k = empty_rows as f32;
            self.set_g_scale(ws, k * scale);
            total += k as f64 * self.forward_row(kern, params, &[], &[], ws) as f64;
            if let Some(grad) = grad.as_deref_mut() {
                kern.axpy(&mut grad[l.b.0..l.b.1], 1.0, &ws.g);
                self.backward_row(kern, params, &[], &[], 0, grad, ws);
            }
        }
        if let Some(grad) = grad {
            // Fold the parts summed feature by feature (or output by output) into the neuron-major
            // layout.
            let (n, m, l) = (self.n, self.m, self.layout());
            let mut fold = |range: (usize, usize), t: &[f32]| {
                for (j, row) in grad[range.0..range.1].chunks_exact_mut(n).enumerate() {
                    for (i, g) in row.iter_mut().enumerate() {
                        *g += t[i * m + j];
                    }
                }
            };
            if ws.w_t_used {
                fold(l.w, &ws.w_t_grad);
            }
            if ws.e_t_used {
                fold(l.w2, &ws.e_t_grad);
            }
            for (j, row) in grad[l.w.0..l.w.1].chunks_exact_mut(n).enumerate() {
                if ws.full_count[j] > 0 {
                    let list = j * ws.full_cap..j * ws.full_cap + ws.full_count[j];
                    let (starts, dz) = (&ws.full_starts[list.clone()], &ws.full_dz[list]);
                    ws.row_grad.clear();
                    ws.row_grad.extend_from_slice(row);
                    kern.bias_plus_rows(&ws.row_grad, &batch.value, n, Starts(starts), dz, row);
                }
            }
        }
        (total / (batch.rows * self.n) as f64) as f32
    }

    /// Whether h scales with a lone feature's value: h(x_i e_i) = |x_i| h(s e_i) for s = sign(x_i), true
    /// when the hidden layer has no bias (ReLU(x_i W_i) = |x_i| ReLU(s W_i)). Always true but for
    /// `relu-hidden` with its bias, and for n = 1 (where a lone feature is a full row).
    fn single_rows_scale(&self) -> bool {
        !self.hidden_bias && self.n > 1
    }

    /// The rows with one present feature, grouped by feature i and sign s (the rows in `ws.singles`).
    /// In a group every row has h = |x_i| h̃, with h̃ the hidden vector of the unit row s e_i, so
    ///   o = b + |x_i| u, u = Σ_j h̃_j E_j, computed once per group;
    ///   Σ_rows ∂/∂E_j = Σ_rows |x_i| h̃_j g = h̃_j G, and Σ_rows ∂/∂W_ji = Σ_rows x_i ∂/∂z_j = s E_j·G
    ///   (masked by the same ReLU'), where G = Σ_rows |x_i| g:
    /// the back-propagation of the unit row with g = G. So a group costs one row's matrix work plus a
    /// few n-vector passes per row. At density 0.01 with n = 100 about 60% of the non-empty rows have
    /// one feature, about two per group.
    #[inline(always)]
    fn single_feature_rows<K: Kernels>(
        &self,
        kern: K,
        params: &[f32],
        batch: &Batch,
        mut grad: Option<&mut [f32]>,
        ws: &mut Workspace,
    ) -> f64 {
        let n = self.n;
        let l = self.layout();
        let out_w = &params[l.out().0..l.out().1];
        let b = &params[l.b.0..l.b.1];
        let mut singles = std::mem::take(&mut ws.singles);
        sort_singles(
            &mut singles,
            2 * n,
            &mut ws.single_counts,
            &mut ws.single_scratch,
        );
        let mut total = 0.0f64;
        for group in singles.chunk_by(|p, q| p >> 32 == q >> 32) {
            let key = group[0] >> 32;
            let (i, s) = ((key / 2) as u32, if key & 1 == 1 { -1.0 } else { 1.0 });
            let i_ = i as usize;
            self.hidden(kern, &[i], &[s], ws);
            kern.bias_plus_rows(
                &ws.zeros,
                out_w,
                n,
                &ws.active[..],
                &ws.h_active,
                &mut ws.unit_out,
            );
            ws.g.fill(0.0);
            ws.g_group.fill(0.0);
            for &entry in group {
                let row = (entry & 0xffff_ffff) as usize;
                let v = batch.value[batch.row_start[row] as usize];
                ws.x[i_] = v;
                total += scaled_output_error(
                    b,
                    v.abs(),
                    &ws.unit_out,
                    &ws.x,
                    self.kind.signed_inputs(),
                    &self.importance,
                    &ws.g_scale,
                    self.kind.output_relu(),
                    &mut ws.g_group,
                    &mut ws.g,
                ) as f64;
            }
            // ws.g = G, ws.g_group = Σ g (∂/∂b).
            if let Some(grad) = grad.as_deref_mut() {
                kern.axpy(&mut grad[l.b.0..l.b.1], 1.0, &ws.g_group);
                ws.x[i_] = s;
                self.backward_row(kern, params, &[i], &[s], 0, grad, ws);
            }
            ws.x[i_] = 0.0;
        }
        ws.singles = singles;
        total
    }

    fn set_g_scale(&self, ws: &mut Workspace, scale: f32) {
        for (s, &imp) in ws.g_scale.iter_mut().zip(&self.importance) {
            *s = scale * imp;
        }
    }

    /// Forward pass of one row given its present features; returns Σ_i I_i (target_i − out_i)² and
    /// leaves z, h, the active neurons, the row as x (unless every feature is present) and g = ∂loss/∂o
    /// in the workspace.
    #[inline(always)]
    fn forward_row<K: Kernels>(
        &self,
        kern: K,
        params: &[f32],
        features: &[u32],
        values: &[f32],
        ws: &mut Workspace,
    ) -> f32 {
        let n = self.n;
        let l = self.layout();
        let out_w = &params[l.out().0..l.out().1];
        let b = &params[l.b.0..l.b.1];
        self.hidden(kern, features, values, ws);
        // o = b + Σ_{active j} h_j E_j
        kern.bias_plus_rows(b, out_w, n, &ws.active[..], &ws.h_active, &mut ws.out);
        // out = act(o), the weighted squared error, and g = ∂loss/∂o. The target is x (the dense row,
        // which is `values` when every feature is present), or |x| for abs.
        output_error(
            &mut ws.out,
            if features.len() == n { values } else { &ws.x },
            self.kind.signed_inputs(),
            &self.importance,
            &ws.g_scale,
            &mut ws.g,
            self.kind.output_relu(),
        )
    }

    /// The hidden layer of one row: z, h, the active neurons and their h, the row as x (unless every
    /// feature is present) and how ∂/∂W will be summed.
    #[inline(always)]
    fn hidden<K: Kernels>(&self, kern: K, features: &[u32], values: &[f32], ws: &mut Workspace) {
        let (n, m) = (self.n, self.m);

        // z = b_h + Σ_i x_i W_i over the present features (all of them: the first n rows in order).
        if features.len() == n {
            kern.bias_plus_rows(&ws.b_h, &ws.w_t, m, FirstRows(n), values, &mut ws.z);
        } else {
            kern.bias_plus_rows(&ws.b_h, &ws.w_t, m, features, values, &mut ws.z);
        }
        // h = ReLU(z) for the hidden-layer models, z otherwise; the active neurons are those with h ≠ 0
        // under ReLU (all of them otherwise).
        let relu = self.kind.hidden_relu();
        ws.h.copy_from_slice(&ws.z);
        if relu {
            keep_where_positive(&mut ws.h, &ws.z);
        }
        if relu {
            indices_where(&ws.h, true, &mut ws.active);
        } else {
            ws.active.clear();
            ws.active.extend(0..m as u32);
        }
        ws.h_active.clear();
        ws.h_active
            .extend(ws.active.iter().map(|&j| ws.h[j as usize]));
        // ∂/∂W goes neuron by neuron (active neurons × n) or feature by feature (present features × m),
        // whichever is less work; the first needs the row as an n-vector.
        ws.dense = features.len() * m > ws.active.len() * n;
        // The row as an n-vector, unless every feature is present (then it is `values`).
        if features.len() < n {
            for (&i, &v) in features.iter().zip(values) {
                ws.x[i as usize] = v;
            }
        }
    }

    /// Backward pass of the row last passed to `forward_row`, adding its gradient to `grad`, all but
    /// ∂/∂b = g, which the caller adds.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn backward_row<K: Kernels>(
        &self,
        kern: K,
        params: &[f32],
        features: &[u32],
        values: &[f32],
        start: u32,
        grad: &mut [f32],
        ws: &mut Workspace,
    ) {
        let n = self.n;
        let l = self.layout();
        // ∂/∂z_j = ∂/∂h_j = E_j · g for an active neuron (ReLU'(z_j) = 1 there; an inactive one has
        // ∂/∂z_j = 0), and ∂/∂E_j += h_j g. Two orders, whichever touches fewer weights:
        // - neuron by neuron over the active neurons' n-vectors;
        // - output by output over the outputs with g_i ≠ 0 (a ReLU output is off wherever the model
        //   predicts 0, which at low density is most outputs): ∂/∂h = Σ_i g_i E_{:,i} summed in
        //   registers, and ∂/∂E_{:,i} += g_i h, on m-vectors.
        let (m, relu) = (self.m, self.kind.hidden_relu());
        indices_where(&ws.g, false, &mut ws.live);
        let live = ws.live.len();
        if output_major_is_cheaper(live, ws.active.len(), n, m) {
            ws.g_live.clear();
            ws.g_live.extend(ws.live.iter().map(|&i| ws.g[i as usize]));
            let tied = self.kind.tied();
            if tied {
                first_use(&mut ws.w_t_grad, &mut ws.w_t_used, n * m);
            } else {
                first_use(&mut ws.e_t_grad, &mut ws.e_t_used, n * m);
            }
            let (e_t, e_t_grad) = if tied {
                (&ws.w_t, &mut ws.w_t_grad)
            } else {
                (&ws.e_t, &mut ws.e_t_grad)
            };
            kern.bias_plus_rows(&ws.zeros, e_t, m, &ws.live[..], &ws.g_live, &mut ws.dz);
            if relu {
                keep_where_positive(&mut ws.dz, &ws.h);
            }
            if m >= 16 {
                kern.add_to_rows(e_t_grad, m, &ws.live, &ws.g_live, &ws.h);
            } else {
                // A few lanes per output: plain axpys cost less than passes over h.
                for (&i, &g) in ws.live.iter().zip(&ws.g_live) {
                    let i = i as usize;
                    kern.axpy(&mut e_t_grad[i * m..i * m + m], g, &ws.h);
                }
            }
        } else {
            ws.dz.fill(0.0);
            let out_w = &params[l.out().0..l.out().1];
            let out_grad = &mut grad[l.out().0..l.out().1];
            for &j in &ws.active {
                let j = j as usize;
                let row = j * n..j * n + n;
                ws.dz[j] =
                    kern.dot_and_axpy(&out_w[row.clone()], &ws.g, &mut out_grad[row], ws.h[j]);
            }
        }
        if self.hidden_bias {
            for (gb, &dz) in grad[l.b_h.0..l.b_h.1].iter_mut().zip(&ws.dz) {
                *gb += dz;
            }
        }
        // ∂/∂W_ji += ∂/∂z_j x_i
        let w_grad = &mut grad[l.w.0..l.w.1];
        if ws.dense && features.len() == n {
            // Summed over the batch at its end (`run`); `values` starts at `start` in the batch.
            if ws.full_starts.len() < self.m * ws.full_cap {
                ws.full_starts.resize(self.m * ws.full_cap, 0);
                ws.full_dz.resize(self.m * ws.full_cap, 0.0);
            }
            for &j in &ws.active {
                let j = j as usize;
                let at = j * ws.full_cap + ws.full_count[j];
                ws.full_starts[at] = start;
                ws.full_dz[at] = ws.dz[j];
                ws.full_count[j] += 1;
            }
        } else if ws.dense {
            for &j in &ws.active {
                let j = j as usize;
                kern.axpy(&mut w_grad[j * n..j * n + n], ws.dz[j], &ws.x);
            }
        } else {
            let m = self.m;
            first_use(&mut ws.w_t_grad, &mut ws.w_t_used, n * m);
            for (&i, &v) in features.iter().zip(values) {
                let i = i as usize;
                kern.axpy(&mut ws.w_t_grad[i * m..i * m + m], v, &ws.dz);
            }
        }
    }
}

/// Zeroes a per-batch accumulator the first time a batch adds to it.
fn first_use(buf: &mut Vec<f32>, used: &mut bool, len: usize) {
    if !*used {
        buf.clear();
        buf.resize(len, 0.0);
        *used = true;
    }
}

/// Whether to back-propagate output by output (live outputs × m weights) rather than neuron by neuron
/// (active neurons × n): per weight the first costs about twice the second (an m-vector update per
/// output, against a dot product fused with an axpy). Measured in wasm: for abs n = 100 m = 40 a factor
/// 1.5 was faster at p = 0.01 but 7–15% slower on dense rows and at p = 0.1–0.3 early in training; for
/// relu-output n = 20 m = 5, 2 beat 1.5 by 3%.
fn output_major_is_cheaper(live: usize, active: usize, n: usize, m: usize) -> bool {
    2 * live * m < active * n
}

/// Read access to one model's parameters by the paper's names and shapes.
pub struct Weights<'a> {
    pub model: &'a Model,
    pub params: &'a [f32],
}

impl<'a> Weights<'a> {
    pub fn new(model: &'a Model, params: &'a [f32]) -> Weights<'a> {
        Weights { model, params }
    }

    /// W (m × n, row-major), or W₁ for `abs`: row j is neuron j's weights over the features and
    /// column i is feature i's embedding W_i.
    pub fn w(&self) -> &'a [f32] {
        let l = self.model.layout();
        &self.params[l.w.0..l.w.1]
    }

    /// W_ji
    pub fn at(&self, j: usize, i: usize) -> f32 {
        self.w()[j * self.model.n + i]
    }

    /// W_i, feature i's embedding (column i of W or W₁): an m-vector.
    pub fn embedding(&self, i: usize) -> Vec<f32> {
        (0..self.model.m).map(|j| self.at(j, i)).collect()
    }

    /// Neuron j's weights over the features: row j of W (or W₁), an n-vector.
    pub fn neuron_row(&self, j: usize) -> &'a [f32] {
        let n = self.model.n;
        &self.w()[j * n..j * n + n]
    }

    /// W (or W₁) as the paper's m × n matrix, a view of the same memory: the kernels keep the flat
    /// slice; exports, metrics and views that think in matrices take this.
    pub fn w_matrix(&self) -> ArrayView2<'a, f32> {
        ArrayView2::from_shape((self.model.m, self.model.n), self.w()).expect("layout is m × n")
    }

    /// `abs`: the paper's W₂ (n × m: row i is output i's weights from the neurons), a transposed view of
    /// the stored W₂ᵀ.
    pub fn w2_matrix(&self) -> Option<ArrayView2<'a, f32>> {
        self.w2_t().map(|w2_t| {
            ArrayView2::from_shape((self.model.m, self.model.n), w2_t)
                .expect("layout is m × n")
                .reversed_axes()
        })
    }

    /// W₂ᵀ (m × n: row j is neuron j's output weights), `abs` only.
    pub fn w2_t(&self) -> Option<&'a [f32]> {
        let l = self.model.layout();
        (l.w2.1 > l.w2.0).then(|| &self.params[l.w2.0..l.w2.1])
    }

    pub fn b(&self) -> &'a [f32] {
        let l = self.model.layout();
        &self.params[l.b.0..l.b.1]
    }

    pub fn b_h(&self) -> Option<&'a [f32]> {
        let l = self.model.layout();
        (l.b_h.1 > l.b_h.0).then(|| &self.params[l.b_h.0..l.b_h.1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::data::Sampler;

    use crate::core::reference;

    /// The loss as the paper writes it (src/core/reference.rs), independent of the optimised code above.
    fn reference_loss(model: &Model, p: &[f64], x: &[f32], rows: usize) -> f64 {
        reference::loss(model, p, x, rows)
    }

    fn models() -> Vec<Config> {
        let mut out = vec![];
        for kind in ModelKind::ALL {
            out.push(Config {
                model: kind,
                n: 6,
                m: 4,
                importance: 0.8,
                ..Config::default()
            });
        }
        out.push(Config {
            model: ModelKind::ReluHidden,
            hidden_bias: true,
            n: 6,
            m: 4,
            importance: 0.8,
            ..Config::default()
        });
        out
    }

    #[test]
    fn loss_matches_the_equations() {
        for config in models() {
            let model = Model::new(&config);
            let mut params = model.init(3);
            // Non-zero biases so their paths are exercised too.
            let l = model.layout();
            for (k, v) in params[l.b.0..l.len].iter_mut().enumerate() {
                *v = 0.05 * ((k % 5) as f32 - 2.0);
            }
            let sampler = Sampler::new(&[0.4; 6], config.model.signed_inputs());
            let mut batch = Batch::default();
            sampler.sample(&mut Rng::new(1, Stream::Data), 64, &mut batch);
            let x = batch.to_dense();
            let p64: Vec<f64> = params.iter().map(|&v| v as f64).collect();
            let expected = reference_loss(&model, &p64, &x, 64);
            let got = model.loss(&params, &batch, &mut Workspace::default()) as f64;
            assert!(
                (got - expected).abs() <= 1e-5 * expected.max(1e-3),
                "{:?}: {got} vs {expected}",
                config.model
            );
        }
    }

    /// Gradient check: the hand-written backward pass against central finite differences of the
    /// independent f64 loss, for every parameter of every model.
    #[test]
    fn the_matrix_views_are_the_paper_shapes_of_the_flat_parameters() {
        let c = Config {
            model: ModelKind::Abs,
            n: 3,
            m: 2,
            ..Config::default()
        };
        let model = Model::new(&c);
        let params: Vec<f32> = (0..model.layout().len).map(|k| k as f32).collect();
        let w = Weights::new(&model, &params);
        let w1 = w.w_matrix();
        assert_eq!(w1.dim(), (2, 3));
        assert_eq!(w1[[1, 2]], w.at(1, 2));
        let w2 = w.w2_matrix().unwrap();
        assert_eq!(w2.dim(), (3, 2), "W₂ is n × m");
        // W₂[i][j] is neuron j's weight to output i: element (j, i) of the stored W₂ᵀ.
        assert_eq!(w2[[2, 1]], w.w2_t().unwrap()[3 + 2]);
    }

    /// Natively with AVX2, a step's kernels run eight lanes wide (`wide.rs`); the loss and every
    /// gradient bit must be those of the four-lane kernels (and so of wasm), for every model, for sizes
    /// that leave every kind of tail (n mod 8 and mod 4, passes of fewer than twelve vectors), and for
    /// sparse and dense batches (each of `run`'s paths: grouped one-feature rows, empty rows, output-
    /// and neuron-major back-propagation, deferred full rows).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_width_gives_the_four_lane_bits() {
        let Some(avx2) = Avx2::detect() else {
            eprintln!("this CPU has no AVX2: only the four-lane kernels run here");
            return;
        };
        let sizes = [(1, 1), (5, 2), (13, 7), (37, 11), (100, 40), (203, 21)];
        let mut compared = 0;
        for kind in ModelKind::ALL {
            for &(n, m) in &sizes {
                for hidden_bias in [false, true] {
                    if hidden_bias && kind != ModelKind::ReluHidden {
                        continue;
                    }
                    let config = Config {
                        model: kind,
                        n,
                        m,
                        hidden_bias,
                        importance: 0.9,
                        ..Config::default()
                    };
                    let model = Model::new(&config);
                    let l = model.layout();
                    let mut params = model.init(3);
                    for (k, v) in params[l.b.0..l.len].iter_mut().enumerate() {
                        *v = 0.1 * ((k % 7) as f32 - 3.0);
                    }
                    for (density, rows) in [(0.02, 512), (0.3, 64), (1.0, 32)] {
                        let sampler = Sampler::new(&vec![density; n], kind.signed_inputs());
                        let mut batch = Batch::default();
                        sampler.sample(&mut Rng::new(7, Stream::Data), rows, &mut batch);
                        let (mut g4, mut g8) = (vec![0.0; l.len], vec![0.0; l.len]);
                        let mut ws = Workspace::default();
                        let loss4 =
                            model.run_with(Baseline, &params, &batch, Some(&mut g4), &mut ws);
                        // SAFETY: `avx2` says this CPU has AVX2.
                        let loss8 = unsafe {
                            model.run_avx2(avx2, &params, &batch, Some(&mut g8), &mut ws)
                        };
                        let what = format!("{kind:?} n={n} m={m} b_h={hidden_bias} p={density}");
                        assert_eq!(loss4.to_bits(), loss8.to_bits(), "{what}: loss");
                        for (k, (a, b)) in g4.iter().zip(&g8).enumerate() {
                            assert_eq!(a.to_bits(), b.to_bits(), "{what}: gradient {k}");
                        }
                        compared += 1;
                    }
                }
            }
        }
        assert!(compared >= 4 * sizes.len() * 3);
    }

    #[test]
    fn gradients_match_finite_differences() {
        // Half the features present (sparse and dense rows, a few empty ones), all of them (rows read
        // straight from the batch), and a sparse batch of many rows (few outputs with a gradient, so
        // back-propagation output by output).
        for (config, density, rows) in models()
            .into_iter()
            .flat_map(|c| [(c.clone(), 0.5, 32), (c.clone(), 1.0, 32), (c, 0.1, 256)])
        {
            let model = Model::new(&config);
            let mut params = model.init(5);
            let l = model.layout();
            // Biases away from 0: an empty row's output is its bias, and a ReLU has no derivative at 0.
            for (k, v) in params[l.b.0..l.len].iter_mut().enumerate() {
                *v = 0.1 * ((k % 7) as f32 - 3.0) + 0.05;
            }
            let sampler = Sampler::new(&[density; 6], config.model.signed_inputs());
            let mut batch = Batch::default();
            sampler.sample(&mut Rng::new(2, Stream::Data), rows, &mut batch);
            let x = batch.to_dense();
            let mut grad = vec![0.0; l.len];
            model.loss_and_grad(&params, &batch, &mut grad, &mut Workspace::default());
            let p64: Vec<f64> = params.iter().map(|&v| v as f64).collect();
            let mut worst = 0.0f64;
            for k in 0..l.len {
                let eps = 1e-6;
                let mut plus = p64.clone();
                plus[k] += eps;
                let mut minus = p64.clone();
                minus[k] -= eps;
                let numeric = (reference_loss(&model, &plus, &x, rows)
                    - reference_loss(&model, &minus, &x, rows))
                    / (2.0 * eps);
                let err = (grad[k] as f64 - numeric).abs() / (numeric.abs() + 1e-3);
                worst = worst.max(err);
            }
            assert!(
                worst < 1e-3,
                "{:?} hidden_bias={} density {density}: worst relative error {worst}",
                config.model,
                config.hidden_bias
            );
            assert!(
                grad.iter().filter(|g| **g != 0.0).count() > l.len / 2,
                "most parameters get a gradient"
            );
        }
    }

    #[test]
    fn init_follows_the_notebook_fan_rule_or_the_per_matrix_rule_with_zero_biases() {
        let variance =
            |w: &[f32]| w.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / w.len() as f64;
        let near = |got: f64, want: f64| (got - want).abs() < 0.05 * want;
        for init in Init::ALL {
            let config = Config {
                model: ModelKind::Abs,
                n: 100,
                m: 40,
                init,
                ..Config::default()
            };
            let model = Model::new(&config);
            let p = model.init(0);
            let l = model.layout();
            let (w1, w2) = (variance(&p[l.w.0..l.w.1]), variance(&p[l.w2.0..l.w2.1]));
            let (want1, want2) = match init {
                // xavier_normal_ on W1[1, 100, 40] and W2[1, 40, 100]: 2 / (40·101), 2 / (100·41).
                Init::Notebook => (2.0 / (40.0 * 101.0), 2.0 / (100.0 * 41.0)),
                Init::Xavier => (2.0 / 140.0, 2.0 / 140.0),
            };
            assert!(near(w1, want1) && near(w2, want2), "{init:?}: {w1} {w2}");
            assert!(p[l.b.0..].iter().all(|v| *v == 0.0));
            assert_ne!(model.init(1), p);
        }
        // Tied models: one W[1, n, m], std = sqrt(2 / (m (n + 1))).
        let tied = Model::new(&Config {
            n: 20,
            m: 5,
            ..Config::default()
        });
        assert_eq!(tied.init_std().0, libm::sqrt(2.0 / (5.0 * 21.0)));
    }

    #[test]
    fn the_fast_forward_pass_is_the_papers() {
        for config in models() {
            let model = Model::new(&config);
            let mut params = model.init(4);
            let l = model.layout();
            for (k, v) in params[l.b.0..l.len].iter_mut().enumerate() {
                *v = 0.07 * ((k % 5) as f32 - 2.0);
            }
            let p64: Vec<f64> = params.iter().map(|&v| v as f64).collect();
            for x in [[0.3, 0.0, 0.9, 0.1, 0.0, 0.5], [1.0; 6], [0.0; 6]] {
                let x = if config.model.signed_inputs() {
                    x.map(|v| v - 0.4)
                } else {
                    x
                };
                let fast = model.forward(&params, &x);
                let spec = reference::forward(&model, &p64, &x.map(|v| v as f64));
                for (a, b) in fast.iter().zip(&spec) {
                    assert!(
                        (*a as f64 - b).abs() < 1e-5,
                        "{:?}: {fast:?} vs {spec:?}",
                        config.model
                    );
                }
            }
        }
    }

    #[test]
    fn forward_of_an_identity_embedding_reproduces_the_input() {
        // W = I (n = m = 3), b = 0: every model but abs returns x; abs returns |x|.
        for kind in ModelKind::ALL {
            let config = Config {
                model: kind,
                n: 3,
                m: 3,
                ..Config::default()
            };
            let model = Model::new(&config);
            let mut p = vec![0.0; model.layout().len];
            for i in 0..3 {
                p[i * 3 + i] = 1.0;
                if !kind.tied() {
                    p[9 + i * 3 + i] = 1.0;
                }
            }
            let x = [0.5, 0.0, 0.25];
            assert_eq!(model.forward(&p, &x), vec![0.5, 0.0, 0.25], "{kind:?}");
        }
    }
}
