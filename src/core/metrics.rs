//! The quantities the explorer reports, computed from weights (docs/science.md, "What is measured").
//!
//! Features: W_i is feature i's embedding (column i of W, or of W₁ for `abs`), Ŵ_i = W_i / ‖W_i‖.
//! - feature norm ‖W_i‖
//! - superposition Σ_{j≠i} (Ŵ_i · W_j)²
//! - dimensionality D_i = ‖W_i‖² / Σ_j (Ŵ_i · W_j)²
//! - dimensions per feature D* = m / ‖W‖²_F
//! - `abs`: whether feature i is computed, |x_i| coming out at output i for x = ±e_i
//!
//! Neurons (hidden-layer models): neuron j reads the features through row j of W (or W₁) and writes
//! through the same row (tied models) or row j of W₂ᵀ (`abs`); each is monosemantic, polysemantic or
//! dead.

use crate::core::kernels::{dot, sum_sq};
use crate::core::model::Weights;

/// A feature counts as represented when ‖W_i‖ is at least this (≈1 represented, ≈0 not). Tied models
/// only: for `abs`, W₁ and W₂ trade scale (footnote 15), so [`features_computed`] is used instead.
pub const REPRESENTED_NORM: f32 = 0.5;
/// A neuron is monosemantic when its largest |weight| holds more than this share of its row's norm.
pub const MONOSEMANTIC: f32 = 0.99;
/// A feature is carried by a neuron when it can drive the neuron with at least this share of the
/// strongest drive. Above sqrt(1/0.99² − 1) ≈ 0.142, the largest second weight a monosemantic neuron can
/// have, so a monosemantic neuron carries exactly one feature; measured on trained models, the
/// secondary weights that matter sit at 0.2 to 1 of the top (abs n = 100 at 1−S = 0.03) while leftovers
/// on unlearned features sit at 0.1 to 0.18 (relu-hidden n = 10 at 0.35) and residue from the
/// initialisation under 0.05 (docs/science.md, "Neurons").
pub const CARRIED: f32 = 0.2;
/// A neuron is dead when no single input of size 1 can move any output through it by this much: its
/// largest activation from one feature (plus its hidden bias) times its largest |output weight|. Live
/// neurons of trained models measure 0.04 to 5; a neuron left at the notebook's initialisation for
/// n = 100 measures about 0.003.
pub const DEAD_GAIN: f32 = 0.01;
/// `abs`: feature i is computed when the output at i for x = ±e_i is within this of |±1| = 1.
pub const COMPUTED_WITHIN: f32 = 0.2;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FeatureMetrics {
    pub norms: Vec<f32>,
    pub superposition: Vec<f32>,
    pub dimensionality: Vec<f32>,
    /// D* = m / ‖W‖²_F
    pub dims_per_feature: f32,
}

impl FeatureMetrics {
    /// How many features have ‖W_i‖ ≥ `REPRESENTED_NORM`.
    pub fn represented(&self) -> usize {
        self.norms
            .iter()
            .filter(|&&v| v >= REPRESENTED_NORM)
            .count()
    }
}

/// Feature metrics of W (m × n, row-major; column i is W_i).
///
/// The superposition sums Σ_{j≠i} (W_i · W_j)² over all pairs are the costly part: done pair by pair they
/// cost n²·m, a billion multiply-adds at n = m = 1000 (the page computes these for every frame it
/// draws). They cost n·m·min(n, m) here: each pair once (the products are symmetric), four features
/// against one at a time; and when m is far below n, through the m × m Gram matrix G = W Wᵀ, since
/// Σ_j (W_i · W_j)² = W_iᵀ G W_i.
pub fn features(w: &[f32], n: usize, m: usize) -> FeatureMetrics {
    let mut work = FeatureWork::new(w, n, m);
    work.advance(f64::INFINITY);
    work.finish()
}

/// [`features`] a part at a time, so a caller with a time budget (the page's engine, between training
/// slices) can spread the n·m·min(n, m) work of a large model over several calls.
pub struct FeatureWork {
    n: usize,
    m: usize,
    /// W (m × n), kept only for the Gram route.
    w: Vec<f32>,
    /// Wᵀ (n × m): row i = W_i.
    w_t: Vec<f32>,
    sq: Vec<f32>,
    /// Σ_{j≠i} (W_i · W_j)², so far.
    interference: Vec<f64>,
    /// The next row of the pairs route (or n when done).
    next: usize,
}

impl FeatureWork {
    pub fn new(w: &[f32], n: usize, m: usize) -> FeatureWork {
        let w_t: Vec<f32> = (0..n * m).map(|k| w[(k % m) * n + k / m]).collect();
        let sq: Vec<f32> = (0..n).map(|i| sum_sq(&w_t[i * m..i * m + m])).collect();
        FeatureWork {
            n,
            m,
            w: if through_gram(n, m) {
                w.to_vec()
            } else {
                vec![]
            },
            w_t,
            sq,
            interference: vec![0.0; n],
            next: 0,
        }
    }

    /// The multiply-adds left (the Gram route counts as its pairs' equivalent, all in one part).
    pub fn remaining(&self) -> f64 {
        let left = (self.n - self.next) as f64;
        left * left * self.m as f64 / 2.0
    }

    /// Does about `amount` multiply-adds (at least one part); true when everything is done.
    pub fn advance(&mut self, amount: f64) -> bool {
        let (n, m) = (self.n, self.m);
        if self.next >= n {
            return true;
        }
        if !self.w.is_empty() {
            self.interference = interference_gram(&self.w, &self.w_t, n, m);
            self.next = n;
            return true;
        }
        let mut done = 0.0;
        while self.next < n && (done == 0.0 || done < amount) {
            let rows = (n - self.next).min(4);
            pairs_block(&self.w_t, n, m, self.next, rows, &mut self.interference);
            done += (rows * (n - self.next) * m) as f64;
            self.next += rows;
        }
        self.next >= n
    }

    pub fn finish(mut self) -> FeatureMetrics {
        self.advance(f64::INFINITY);
        let (n, m, sq) = (self.n, self.m, self.sq);
        let norms: Vec<f32> = sq.iter().map(|s| s.sqrt()).collect();
        let mut superposition = vec![0.0; n];
        let mut dimensionality = vec![0.0; n];
        for i in 0..n {
            if norms[i] == 0.0 {
                continue; // not learned: no direction, no interference, D_i = 0
            }
            // Σ_{j≠i} (Ŵ_i · W_j)² = Σ_{j≠i} (W_i · W_j)² / ‖W_i‖²
            superposition[i] = (self.interference[i] / sq[i] as f64) as f32;
            // Σ_j (Ŵ_i · W_j)² = ‖W_i‖² + superposition_i
            dimensionality[i] = sq[i] / (sq[i] + superposition[i]);
        }
        let frobenius: f32 = sq.iter().sum();
        FeatureMetrics {
            norms,
            superposition,
            dimensionality,
            dims_per_feature: if frobenius > 0.0 {
                m as f32 / frobenius
            } else {
                f32::INFINITY
            },
        }
    }
}

/// The Gram route costs about 1.5·n·m² scalar f64 multiply-adds, the pairs about n²·m/2 in f32 vector
/// lanes (measured about 24 times faster each, four lanes and the four-at-once reuse of loads).
fn through_gram(n: usize, m: usize) -> bool {
    m * 24 < n
}

/// Σ_{j≠i} (W_i · W_j)² for each i, each pair once. `w_t`: n × m, row i = W_i.
#[cfg(test)]
fn interference_pairs(w_t: &[f32], n: usize, m: usize) -> Vec<f64> {
    let mut acc = vec![0.0f64; n];
    let mut i0 = 0;
    while i0 < n {
        let rows = (n - i0).min(4);
        pairs_block(w_t, n, m, i0, rows, &mut acc);
        i0 += rows;
    }
    acc
}

/// Adds the pairs of rows `i0..i0 + rows` (at most four) with each other and with every later row.
fn pairs_block(w_t: &[f32], n: usize, m: usize, i0: usize, rows: usize, acc: &mut [f64]) {
    let row = |i: usize| &w_t[i * m..i * m + m];
    for r in 0..rows {
        for s in r + 1..rows {
            let d = dot(row(i0 + r), row(i0 + s)) as f64;
            acc[i0 + r] += d * d;
            acc[i0 + s] += d * d;
        }
    }
    if rows == 4 {
        let block = [row(i0), row(i0 + 1), row(i0 + 2), row(i0 + 3)];
        for j in i0 + 4..n {
            let d = dot4(block, row(j));
            let mut to_j = 0.0;
            for (r, &d) in d.iter().enumerate() {
                let dd = d as f64 * d as f64;
                acc[i0 + r] += dd;
                to_j += dd;
            }
            acc[j] += to_j;
        }
    } else {
        for r in 0..rows {
            for j in i0 + rows..n {
                let d = dot(row(i0 + r), row(j)) as f64;
                acc[i0 + r] += d * d;
                acc[j] += d * d;
            }
        }
    }
}

/// The dot products of four rows with one (`b`), loading `b` once for all four.
fn dot4(a: [&[f32]; 4], b: &[f32]) -> [f32; 4] {
    use crate::core::simd::F32x4;
    let len = b.len();
    let mut acc = [F32x4::splat(0.0); 4];
    let mut k = 0;
    while k + 4 <= len {
        let vb = F32x4::load(&b[k..]);
        for r in 0..4 {
            acc[r] = acc[r].add(F32x4::load(&a[r][k..]).mul(vb));
        }
        k += 4;
    }
    let mut out = [0.0f32; 4];
    for r in 0..4 {
        let v = acc[r].to_array();
        out[r] = (v[0] + v[2]) + (v[1] + v[3]);
        for t in k..len {
            out[r] += a[r][t] * b[t];
        }
    }
    out
}

/// Σ_{j≠i} (W_i · W_j)² = W_iᵀ G W_i − ‖W_i‖⁴ with G = W Wᵀ (m × m), in f64 so the difference keeps
/// f32 precision when the interference is small next to ‖W_i‖⁴. `w`: m × n; `w_t`: n × m.
fn interference_gram(w: &[f32], w_t: &[f32], n: usize, m: usize) -> Vec<f64> {
    let mut g = vec![0.0f64; m * m];
    for a in 0..m {
        let ra = &w[a * n..a * n + n];
        for b in a..m {
            let rb = &w[b * n..b * n + n];
            let v: f64 = ra.iter().zip(rb).map(|(&x, &y)| x as f64 * y as f64).sum();
            g[a * m + b] = v;
            g[b * m + a] = v;
        }
    }
    (0..n)
        .map(|i| {
            let x: Vec<f64> = w_t[i * m..i * m + m].iter().map(|&v| v as f64).collect();
            let total: f64 = (0..m)
                .map(|a| {
                    x[a] * g[a * m..a * m + m]
                        .iter()
                        .zip(&x)
                        .map(|(g, x)| g * x)
                        .sum::<f64>()
                })
                .sum();
            let own: f64 = x.iter().map(|v| v * v).sum();
            (total - own * own).max(0.0)
        })
        .collect()
}

/// What a neuron does, in the paper's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum NeuronClass {
    /// One feature dominates its weights: max|w| / ‖row‖ > `MONOSEMANTIC`.
    Monosemantic,
    /// Alive, and no single feature dominates.
    Polysemantic,
    /// Cannot contribute: its input→output gain is under `DEAD_GAIN`.
    Dead,
}

impl NeuronClass {
    pub const ALL: [NeuronClass; 3] = [
        NeuronClass::Monosemantic,
        NeuronClass::Polysemantic,
        NeuronClass::Dead,
    ];

    pub fn id(self) -> &'static str {
        match self {
            NeuronClass::Monosemantic => "monosemantic",
            NeuronClass::Polysemantic => "polysemantic",
            NeuronClass::Dead => "dead",
        }
    }
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Neuron {
    /// The feature with the largest |weight| into this neuron.
    pub top_feature: usize,
    /// That weight, signed: for `abs`, positive marks a "positive side" neuron ReLU(x_i), negative a
    /// "negative side" neuron ReLU(−x_i).
    pub top_weight: f32,
    /// max |w| / ‖row‖: 1 when a single feature feeds the neuron.
    pub monosemanticity: f32,
    pub class: NeuronClass,
    /// Features the neuron carries: 0 when dead, exactly 1 when monosemantic, else the features that
    /// drive it with at least `CARRIED` × its strongest drive. With inputs in [0, 1) only positive
    /// weights can switch a ReLU neuron on, so only they drive it; with signed inputs (`abs`) either
    /// sign does.
    pub features: usize,
    /// ‖row‖
    pub norm: f32,
    /// The largest change one input of size 1 can make to any output through this neuron:
    /// max_i ReLU(drive_i + b_h) × max_k |output weight k|. Unchanged by the footnote-15 rescaling.
    pub gain: f32,
}

impl Neuron {
    pub fn is_monosemantic(&self) -> bool {
        self.class == NeuronClass::Monosemantic
    }
}

/// Per-neuron metrics. `w` (m × n, row-major): neuron j reads the features through row j; `out` (m × n):
/// row j is what it writes to the outputs (W itself for tied models, W₂ᵀ for `abs`); `b_h`: the hidden
/// bias, if any; `signed_inputs`: features take negative values too (`abs`).
pub fn neurons(
    w: &[f32],
    out: &[f32],
    b_h: Option<&[f32]>,
    n: usize,
    m: usize,
    signed_inputs: bool,
) -> Vec<Neuron> {
    let drive = |w: f32| if signed_inputs { w.abs() } else { w };
    (0..m)
        .map(|j| {
            let row = &w[j * n..j * n + n];
            let (top_feature, top_weight) =
                row.iter().enumerate().fold((0, 0.0f32), |best, (i, &w)| {
                    if w.abs() > best.1.abs() {
                        (i, w)
                    } else {
                        best
                    }
                });
            let norm = sum_sq(row).sqrt();
            let monosemanticity = if norm > 0.0 {
                top_weight.abs() / norm
            } else {
                0.0
            };
            let strongest = row.iter().fold(0.0f32, |a, &v| a.max(drive(v)));
            let bias = b_h.map_or(0.0, |b| b[j]);
            let writes = out[j * n..j * n + n]
                .iter()
                .fold(0.0f32, |a, v| a.max(v.abs()));
            let gain = (strongest + bias).max(0.0) * writes;
            let class = if gain.is_nan() || gain < DEAD_GAIN {
                NeuronClass::Dead
            } else if monosemanticity > MONOSEMANTIC {
                NeuronClass::Monosemantic
            } else {
                NeuronClass::Polysemantic
            };
            let features = match class {
                NeuronClass::Dead => 0,
                NeuronClass::Monosemantic => 1,
                NeuronClass::Polysemantic => row
                    .iter()
                    .filter(|&&v| drive(v) > 0.0 && drive(v) >= CARRIED * strongest)
                    .count(),
            };
            Neuron {
                top_feature,
                top_weight,
                monosemanticity,
                class,
                features,
                norm,
                gain,
            }
        })
        .collect()
}

/// The neurons of a model's weights (see [`neurons`]).
pub fn neurons_of(weights: &Weights) -> Vec<Neuron> {
    let (n, m) = (weights.model.n, weights.model.m);
    let w = weights.w();
    neurons(
        w,
        weights.w2_t().unwrap_or(w),
        weights.b_h(),
        n,
        m,
        weights.model.kind.signed_inputs(),
    )
}

/// How many neurons fall in each class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NeuronCounts {
    pub monosemantic: usize,
    pub polysemantic: usize,
    pub dead: usize,
}

impl NeuronCounts {
    pub fn of(neurons: &[Neuron]) -> NeuronCounts {
        let count = |c: NeuronClass| neurons.iter().filter(|n| n.class == c).count();
        NeuronCounts {
            monosemantic: count(NeuronClass::Monosemantic),
            polysemantic: count(NeuronClass::Polysemantic),
            dead: count(NeuronClass::Dead),
        }
    }

    pub fn get(&self, class: NeuronClass) -> usize {
        match class {
            NeuronClass::Monosemantic => self.monosemantic,
            NeuronClass::Polysemantic => self.polysemantic,
            NeuronClass::Dead => self.dead,
        }
    }

    pub fn total(&self) -> usize {
        self.monosemantic + self.polysemantic + self.dead
    }
}

/// `abs`: which features the model computes. Feature i is computed when, for x = e_i and x = −e_i, the
/// output at i is within `COMPUTED_WITHIN` of 1. Only output i of input ±e_i matters, so this reads
/// column i of W₁ and row i of W₂ once: h_j = ReLU(±W₁[j, i]), y_i = ReLU(Σ_j W₂[i, j] h_j + b_i), O(n·m)
/// in all instead of n forward passes. `w1`, `w2_t`: m × n.
pub fn features_computed(w1: &[f32], w2_t: &[f32], b: &[f32], n: usize, m: usize) -> Vec<bool> {
    (0..n)
        .map(|i| {
            [1.0f32, -1.0].iter().all(|&sign| {
                let mut y = b[i];
                for j in 0..m {
                    y += w2_t[j * n + i] * (sign * w1[j * n + i]).max(0.0);
                }
                (y.max(0.0) - 1.0).abs() <= COMPUTED_WITHIN
            })
        })
        .collect()
}

/// Neurons ordered "by the importance of their largest feature" (the paper's stack plots): most
/// important first, then by feature index, then by neuron index.
pub fn neuron_order(neurons: &[Neuron], importance: &[f32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..neurons.len()).collect();
    order.sort_by(|&a, &b| {
        let (fa, fb) = (neurons[a].top_feature, neurons[b].top_feature);
        importance[fb]
            .total_cmp(&importance[fa])
            .then(fa.cmp(&fb))
            .then(a.cmp(&b))
    });
    order
}

/// Footnote 15: neuron j can be scaled by α in W₁ and 1/α in W₂ without changing the function. Takes
/// W₁ (m × n) and W₂ᵀ (m × n) and returns them with each neuron scaled so its largest |W₁| weight is 1.
pub fn rescale_abs_neurons(w1: &[f32], w2_t: &[f32], n: usize, m: usize) -> (Vec<f32>, Vec<f32>) {
    let mut w1 = w1.to_vec();
    let mut w2_t = w2_t.to_vec();
    for j in 0..m {
        let row = j * n..j * n + n;
        let top = w1[row.clone()].iter().fold(0.0f32, |a, v| a.max(v.abs()));
        if top > 0.0 {
            w1[row.clone()].iter_mut().for_each(|v| *v /= top);
            w2_t[row].iter_mut().for_each(|v| *v *= top);
        }
    }
    (w1, w2_t)
}

/// Feature and neuron metrics of a model's current weights.
pub struct Summary {
    pub features: FeatureMetrics,
    /// Present for the hidden-layer models (`relu-hidden`, `abs`), whose neurons are a privileged basis.
    pub neurons: Option<Vec<Neuron>>,
    /// `abs` only: whether each feature is computed ([`features_computed`]).
    pub computed: Option<Vec<bool>>,
}

impl Summary {
    /// Features represented (‖W_i‖ ≥ `REPRESENTED_NORM`), for the tied models; `None` for `abs`, whose
    /// weight norms do not say what it computes.
    pub fn represented(&self) -> Option<usize> {
        self.computed.is_none().then(|| self.features.represented())
    }

    /// `abs`: how many features are computed.
    pub fn computed_count(&self) -> Option<usize> {
        self.computed
            .as_ref()
            .map(|c| c.iter().filter(|&&v| v).count())
    }

    pub fn neuron_counts(&self) -> Option<NeuronCounts> {
        self.neurons.as_deref().map(NeuronCounts::of)
    }
}

pub fn summarize(weights: &Weights) -> Summary {
    let (n, m) = (weights.model.n, weights.model.m);
    let w = weights.w();
    Summary {
        features: features(w, n, m),
        neurons: weights
            .model
            .kind
            .hidden_relu()
            .then(|| neurons_of(weights)),
        computed: weights
            .w2_t()
            .map(|w2_t| features_computed(w, w2_t, weights.b(), n, m)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-5
    }

    #[test]
    fn orthogonal_features_have_their_own_dimension() {
        // 3 features on 3 dimensions, W = 2·I.
        let w = [2.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 2.0];
        let f = features(&w, 3, 3);
        assert_eq!(f.norms, vec![2.0; 3]);
        assert_eq!(f.superposition, vec![0.0; 3]);
        assert_eq!(f.dimensionality, vec![1.0; 3]);
        assert!(close(f.dims_per_feature, 3.0 / 12.0));
    }

    #[test]
    fn an_antipodal_pair_shares_one_dimension() {
        // W is m × n: column i is W_i, here W_0 = (0.6, 0.8) and W_1 = −W_0.
        let w = [0.6, -0.6, 0.8, -0.8];
        let f = features(&w, 2, 2);
        assert!(f.superposition.iter().all(|&s| close(s, 1.0)));
        assert!(f.dimensionality.iter().all(|&d| close(d, 0.5)));
        assert!(close(f.dims_per_feature, 1.0));
    }

    #[test]
    fn a_regular_pentagon_gives_two_fifths_and_tight_frames_sum_to_m() {
        let angle = |k: usize| 2.0 * std::f32::consts::PI * k as f32 / 5.0 + 0.3;
        let w: Vec<f32> = (0..5)
            .map(|k| angle(k).cos())
            .chain((0..5).map(|k| angle(k).sin()))
            .collect();
        let f = features(&w, 5, 2);
        assert!(
            f.dimensionality.iter().all(|&d| close(d, 0.4)),
            "{:?}",
            f.dimensionality
        );
        assert!(close(f.dimensionality.iter().sum(), 2.0));
        // A tight frame in 3-D: the 4 vertices of a tetrahedron give 3/4 each, Σ D_i = m = 3.
        let s = 1.0 / 3f32.sqrt();
        // Vertices (s,s,s), (s,−s,−s), (−s,s,−s), (−s,−s,s) as the columns of W (3 × 4).
        let tet = [s, s, -s, -s, s, -s, s, -s, s, -s, -s, s];
        let f = features(&tet, 4, 3);
        assert!(f.dimensionality.iter().all(|&d| close(d, 0.75)));
        assert!(close(f.dimensionality.iter().sum(), 3.0));
    }

    /// Σ_{j≠i} (W_i · W_j)² pair by pair, in f64: what the fast routes must agree with.
    fn interference_reference(w: &[f32], n: usize, m: usize) -> Vec<f64> {
        let col = |i: usize| (0..m).map(move |a| w[a * n + i] as f64);
        (0..n)
            .map(|i| {
                (0..n)
                    .filter(|&j| j != i)
                    .map(|j| col(i).zip(col(j)).map(|(x, y)| x * y).sum::<f64>().powi(2))
                    .sum()
            })
            .collect()
    }

    #[test]
    fn both_routes_to_the_superposition_sums_agree_with_the_pairs_one_by_one() {
        use crate::core::rng::Rng;
        // Shapes on both sides of the Gram cut and with tails (n not a multiple of four); a few zero
        // features and a nearly orthogonal set (small interference next to ‖W_i‖⁴).
        for &(n, m) in &[
            (1, 1),
            (3, 5),
            (7, 7),
            (13, 4),
            (50, 2),
            (101, 3),
            (200, 8),
            (9, 30),
        ] {
            let mut rng = Rng::new(n as u64 * 31 + m as u64, crate::core::rng::Stream::Init);
            let mut w: Vec<f32> = (0..n * m).map(|_| rng.uniform_f32() * 2.0 - 1.0).collect();
            for a in 0..m {
                w[a * n] = 0.0; // feature 0 not learned
            }
            let near_identity: Vec<f32> = (0..m * m)
                .map(|k| {
                    if k % (m + 1) == 0 {
                        1.5
                    } else {
                        1e-3 * (rng.uniform_f32() - 0.5)
                    }
                })
                .collect();
            for (w, n) in [(&w, n), (&near_identity, m)] {
                let want = interference_reference(w, n, m);
                let w_t: Vec<f32> = (0..n * m).map(|k| w[(k % m) * n + k / m]).collect();
                for (route, got) in [
                    ("pairs", interference_pairs(&w_t, n, m)),
                    ("gram", interference_gram(w, &w_t, n, m)),
                ] {
                    for i in 0..n {
                        let own: f64 = (0..m).map(|a| (w[a * n + i] as f64).powi(2)).sum();
                        // f32 tolerance on the sum, relative to the sum's own scale.
                        let scale = want[i].max(1e-6 * own * own).max(1e-12);
                        assert!(
                            (got[i] - want[i]).abs() <= 1e-4 * scale,
                            "{route} n={n} m={m} i={i}: {} vs {}",
                            got[i],
                            want[i]
                        );
                    }
                }
                let f = features(w, n, m);
                // A part at a time (the page's engine), the same numbers exactly.
                let mut work = FeatureWork::new(w, n, m);
                while !work.advance(1.0) {}
                assert_eq!(work.finish(), f);
                for i in 0..n {
                    let sq: f64 = (0..m).map(|a| (w[a * n + i] as f64).powi(2)).sum();
                    let sup = if sq > 0.0 { want[i] / sq } else { 0.0 };
                    assert!((f.superposition[i] as f64 - sup).abs() <= 1e-4 * sup.max(1e-3 * sq));
                }
            }
        }
    }

    #[test]
    fn unlearned_features_have_zero_dimensionality_and_are_not_represented() {
        let w = [1.0, 0.0, 0.0, 0.0];
        let f = features(&w, 2, 2);
        assert_eq!(f.dimensionality, vec![1.0, 0.0], "W_1 = 0");
        assert_eq!(f.superposition, vec![0.0, 0.0]);
        assert_eq!(f.represented(), 1);
    }

    #[test]
    fn neurons_report_their_features_and_class() {
        // n = 3 features, m = 3 neurons, W is m × n (row j = neuron j), tied (out = W).
        // neuron 0 reads only feature 2 (−1.5); neuron 1 reads features 0 and 1 equally; neuron 2 is zero.
        let w = [0.0, 0.0, -1.5, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0];
        let ns = neurons(&w, &w, None, 3, 3, true);
        assert_eq!(ns[0].top_feature, 2);
        assert_eq!(ns[0].top_weight, -1.5);
        assert_eq!(
            (ns[0].class, ns[0].features),
            (NeuronClass::Monosemantic, 1)
        );
        assert_eq!(ns[0].gain, 1.5 * 1.5);
        assert_eq!(
            (ns[1].class, ns[1].features),
            (NeuronClass::Polysemantic, 2)
        );
        assert!(close(ns[1].monosemanticity, 1.0 / 2f32.sqrt()));
        assert_eq!((ns[2].class, ns[2].features), (NeuronClass::Dead, 0));
        assert_eq!(
            NeuronCounts::of(&ns),
            NeuronCounts {
                monosemantic: 1,
                polysemantic: 1,
                dead: 1
            }
        );
        // With inputs that are never negative, a negative weight cannot switch the neuron on: dead.
        let unsigned = neurons(&w, &w, None, 3, 3, false);
        assert_eq!(
            (unsigned[0].class, unsigned[0].features),
            (NeuronClass::Dead, 0)
        );
        // ... unless a hidden bias switches it on.
        let biased = neurons(&w, &w, Some(&[0.5, 0.0, 0.0]), 3, 3, false);
        assert_eq!(biased[0].class, NeuronClass::Monosemantic);
        // Carried: what can drive the neuron, relative to the strongest drive.
        let inhibited = [1.0, -0.5, 0.3];
        assert_eq!(
            neurons(&inhibited, &inhibited, None, 3, 1, false)[0].features,
            2
        );
        assert_eq!(
            neurons(&inhibited, &inhibited, None, 3, 1, true)[0].features,
            3
        );
        // Ordered by the importance of the top feature: neuron 1 (feature 0) before neuron 0 (feature 2).
        let order = neuron_order(&ns, &[1.0, 0.5, 0.25]);
        assert_eq!(order, vec![1, 2, 0]);
    }

    #[test]
    fn a_monosemantic_neuron_carries_exactly_one_feature_and_residue_does_not_count() {
        // The largest second weight a monosemantic neuron can have is under the carried cut.
        let largest_second = (1.0 / (MONOSEMANTIC * MONOSEMANTIC) - 1.0).sqrt();
        assert!(largest_second < CARRIED);
        // Just monosemantic with the largest second weight it can have: one feature.
        let second = largest_second * 0.999;
        let w = [1.0, second, 0.0];
        let n = &neurons(&w, &w, None, 3, 1, true)[0];
        assert!(n.monosemanticity > MONOSEMANTIC);
        assert_eq!((n.class, n.features), (NeuronClass::Monosemantic, 1));
        // 98 residual weights of 2% (init-sized next to a trained weight): polysemantic by the norm cut,
        // but the residue is not counted as carried.
        let mut row = vec![0.02f32; 100];
        row[0] = 1.0;
        row[1] = 0.4;
        let n = &neurons(&row, &row, None, 100, 1, true)[0];
        assert_eq!((n.class, n.features), (NeuronClass::Polysemantic, 2));
    }

    #[test]
    fn a_neuron_is_dead_when_its_gain_is_negligible_however_it_is_scaled() {
        // abs: W₁ row strong, W₂ column tiny: rescaling by α (footnote 15) leaves the gain unchanged.
        let (w1, w2_t) = ([2.0f32, 0.0], [0.004f32, 0.0]);
        let dead = &neurons(&w1, &w2_t, None, 2, 1, true)[0];
        assert_eq!(dead.class, NeuronClass::Dead);
        let (r1, r2) = rescale_abs_neurons(&w1, &w2_t, 2, 1);
        let rescaled = &neurons(&r1, &r2, None, 2, 1, true)[0];
        assert!(close(rescaled.gain, dead.gain));
        assert_eq!(rescaled.class, NeuronClass::Dead);
        // The same neuron with a useful output weight is alive and monosemantic.
        let live = &neurons(&w1, &[0.5, 0.0], None, 2, 1, true)[0];
        assert_eq!((live.class, live.gain), (NeuronClass::Monosemantic, 1.0));
    }

    #[test]
    fn features_computed_agree_with_the_forward_pass() {
        use crate::core::config::{Config, ModelKind};
        use crate::core::model::Model;
        // n = 2, m = 3: neurons ReLU(x_0), ReLU(−x_0) write 1 to output 0: feature 0 is computed; feature 1
        // only has its positive side.
        let config = Config {
            model: ModelKind::Abs,
            n: 2,
            m: 3,
            ..Config::default()
        };
        let model = Model::new(&config);
        let l = model.layout();
        let mut p = vec![0.0f32; l.len];
        let w1 = [2.0, 0.0, -0.5, 0.0, 0.0, 1.0]; // m × n
        let w2_t = [0.5, 0.0, 2.0, 0.0, 0.0, 1.0];
        p[l.w.0..l.w.1].copy_from_slice(&w1);
        p[l.w2.0..l.w2.1].copy_from_slice(&w2_t);
        let computed = features_computed(&w1, &w2_t, &[0.0, 0.0], 2, 3);
        assert_eq!(computed, vec![true, false]);
        // The same answer from n full forward passes.
        for i in 0..2 {
            let ok = [1.0f32, -1.0].iter().all(|&s| {
                let mut x = [0.0f32; 2];
                x[i] = s;
                (model.forward(&p, &x)[i] - 1.0).abs() <= COMPUTED_WITHIN
            });
            assert_eq!(ok, computed[i], "feature {i}");
        }
        let s = summarize(&Weights::new(&model, &p));
        assert_eq!((s.computed_count(), s.represented()), (Some(1), None));
    }

    #[test]
    fn abs_rescaling_keeps_the_function_and_sets_each_largest_weight_to_one() {
        use crate::core::config::{Config, ModelKind};
        use crate::core::model::Model;
        let config = Config {
            model: ModelKind::Abs,
            n: 4,
            m: 3,
            ..Config::default()
        };
        let model = Model::new(&config);
        let mut p = model.init(2);
        let l = model.layout();
        let (w1, w2) = rescale_abs_neurons(&p[l.w.0..l.w.1], &p[l.w2.0..l.w2.1], 4, 3);
        for j in 0..3 {
            let top = w1[j * 4..j * 4 + 4]
                .iter()
                .fold(0.0f32, |a, v| a.max(v.abs()));
            assert!(close(top, 1.0));
        }
        let x = [0.3, -0.7, 0.0, 0.9];
        let before = model.forward(&p, &x);
        p[l.w.0..l.w.1].copy_from_slice(&w1);
        p[l.w2.0..l.w2.1].copy_from_slice(&w2);
        let after = model.forward(&p, &x);
        for (a, b) in before.iter().zip(&after) {
            assert!((a - b).abs() < 1e-5);
        }
    }
}
