//! The quantities of NOTES.md ("Quantities to compute and show"), computed from weights.
//!
//! Features: W_i is feature i's embedding (column i of W, or of W₁ for `abs`), Ŵ_i = W_i / ‖W_i‖.
//! - feature norm ‖W_i‖
//! - superposition Σ_{j≠i} (Ŵ_i · W_j)²
//! - dimensionality D_i = ‖W_i‖² / Σ_j (Ŵ_i · W_j)²
//! - dimensions per feature D* = m / ‖W‖²_F
//!
//! Neurons (hidden-layer models): neuron j reads the features through row j of W (or W₁).

use crate::core::kernels::{dot, sum_sq};
use crate::core::model::Weights;

/// A feature counts as represented when ‖W_i‖ is at least this (NOTES: ≈1 represented, ≈0 not).
pub const REPRESENTED_NORM: f32 = 0.5;
/// A neuron is monosemantic when its largest weight carries this share of its row's norm.
pub const MONOSEMANTIC: f32 = 0.99;
/// A feature is carried by a neuron when it can drive the neuron with at least this share of the
/// largest |weight|.
pub const CARRIED: f32 = 0.1;

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
pub fn features(w: &[f32], n: usize, m: usize) -> FeatureMetrics {
    let w_t: Vec<f32> = (0..n * m).map(|k| w[(k % m) * n + k / m]).collect();
    let row = |i: usize| &w_t[i * m..i * m + m];
    let sq: Vec<f32> = (0..n).map(|i| sum_sq(row(i))).collect();
    let norms: Vec<f32> = sq.iter().map(|s| s.sqrt()).collect();
    let mut superposition = vec![0.0; n];
    let mut dimensionality = vec![0.0; n];
    for i in 0..n {
        if norms[i] == 0.0 {
            continue; // not learned: no direction, no interference, D_i = 0
        }
        // Σ_{j≠i} (Ŵ_i · W_j)² = Σ_{j≠i} (W_i · W_j)² / ‖W_i‖²
        let mut interference = 0.0f32;
        for j in 0..n {
            if j != i {
                let d = dot(row(i), row(j));
                interference += d * d;
            }
        }
        superposition[i] = interference / sq[i];
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

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Neuron {
    /// The feature with the largest |weight| into this neuron.
    pub top_feature: usize,
    /// That weight, signed: for `abs`, positive marks a "positive side" neuron ReLU(x_i), negative a
    /// "negative side" neuron ReLU(−x_i).
    pub top_weight: f32,
    /// max |w| / ‖row‖: 1 when a single feature feeds the neuron.
    pub monosemanticity: f32,
    pub monosemantic: bool,
    /// Features that drive the neuron with a weight of at least `CARRIED` × the largest |w| (0 for a
    /// dead neuron). With inputs in [0, 1) only positive weights can switch a ReLU neuron on, so only
    /// they count; with signed inputs (`abs`) either sign does.
    pub features: usize,
    /// ‖row‖
    pub norm: f32,
}

/// Per-neuron metrics of W (m × n, row-major): neuron j reads the features through row j.
/// `signed_inputs`: features take negative values too (`abs`).
pub fn neurons(w: &[f32], n: usize, m: usize, signed_inputs: bool) -> Vec<Neuron> {
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
            let top = top_weight.abs();
            let monosemanticity = if norm > 0.0 { top / norm } else { 0.0 };
            Neuron {
                top_feature,
                top_weight,
                monosemanticity,
                monosemantic: monosemanticity > MONOSEMANTIC,
                features: if top > 0.0 {
                    let drive = |w: f32| if signed_inputs { w.abs() } else { w };
                    row.iter().filter(|&&w| drive(w) >= CARRIED * top).count()
                } else {
                    0
                },
                norm,
            }
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
            .then(|| neurons(w, n, m, weights.model.kind.signed_inputs())),
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

    #[test]
    fn unlearned_features_have_zero_dimensionality_and_are_not_represented() {
        let w = [1.0, 0.0, 0.0, 0.0];
        let f = features(&w, 2, 2);
        assert_eq!(f.dimensionality, vec![1.0, 0.0], "W_1 = 0");
        assert_eq!(f.superposition, vec![0.0, 0.0]);
        assert_eq!(f.represented(), 1);
    }

    #[test]
    fn neurons_report_their_features() {
        // n = 3 features, m = 3 neurons, W is m × n (row j = neuron j).
        // neuron 0 reads only feature 2 (−1.5); neuron 1 reads features 0 and 1 equally; neuron 2 is dead.
        let w = [0.0, 0.0, -1.5, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0];
        let ns = neurons(&w, 3, 3, true);
        assert_eq!(ns[0].top_feature, 2);
        assert_eq!(ns[0].top_weight, -1.5);
        assert!(ns[0].monosemantic && ns[0].features == 1);
        // With inputs that are never negative, a negative weight cannot switch the neuron on.
        assert_eq!(neurons(&w, 3, 3, false)[0].features, 0);
        let inhibited = [1.0, -0.5, 0.3];
        assert_eq!(neurons(&inhibited, 3, 1, false)[0].features, 2);
        assert_eq!(neurons(&inhibited, 3, 1, true)[0].features, 3);
        assert!(!ns[1].monosemantic && ns[1].features == 2);
        assert!(close(ns[1].monosemanticity, 1.0 / 2f32.sqrt()));
        assert_eq!((ns[2].features, ns[2].monosemantic), (0, false));
        // Ordered by the importance of the top feature: neuron 1 (feature 0) before neuron 0 (feature 2).
        let order = neuron_order(&ns, &[1.0, 0.5, 0.25]);
        assert_eq!(order, vec![1, 2, 0]);
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
