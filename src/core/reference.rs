//! The four toy models as the paper writes them (docs/science.md, "The models"): dense, in f64, with no
//! caching, sparsity or vector lanes. This is the readable specification of what `model.rs` computes
//! fast, and the oracle its tests check the loss and (by finite differences) the gradient against.
//!
//! W is m × n (row j is neuron j, column i is feature i's embedding W_i); for `abs`, W₂ is n × m.

use crate::core::model::Model;

/// The parameters as matrices, read from the flat vector `[W or W₁ | W₂ᵀ | b | b_h]`.
struct Params<'a> {
    model: &'a Model,
    p: &'a [f64],
}

impl Params<'_> {
    fn w(&self, j: usize, i: usize) -> f64 {
        self.p[self.model.layout().w.0 + j * self.model.n + i]
    }
    fn w2(&self, i: usize, j: usize) -> f64 {
        self.p[self.model.layout().w2.0 + j * self.model.n + i] // stored transposed
    }
    fn b(&self, i: usize) -> f64 {
        self.p[self.model.layout().b.0 + i]
    }
    fn b_h(&self, j: usize) -> f64 {
        let l = self.model.layout();
        if l.b_h.1 > l.b_h.0 {
            self.p[l.b_h.0 + j]
        } else {
            0.0
        }
    }
}

fn relu(v: f64) -> f64 {
    v.max(0.0)
}

/// The model's output for one input x.
///
/// - linear:      h = W x;               x′ = Wᵀ h + b
/// - relu-output: h = W x;               x′ = ReLU(Wᵀ h + b)
/// - relu-hidden: h = ReLU(W x + b_h);   x′ = ReLU(Wᵀ h + b)
/// - abs:         h = ReLU(W₁ x);        y′ = ReLU(W₂ h + b)
pub fn forward(model: &Model, p: &[f64], x: &[f64]) -> Vec<f64> {
    let (n, m, p) = (model.n, model.m, Params { model, p });
    let h: Vec<f64> = (0..m)
        .map(|j| {
            let z = (0..n).map(|i| p.w(j, i) * x[i]).sum::<f64>() + p.b_h(j);
            if model.kind.hidden_relu() {
                relu(z)
            } else {
                z
            }
        })
        .collect();
    (0..n)
        .map(|i| {
            let e = |j: usize| {
                if model.kind.tied() {
                    p.w(j, i)
                } else {
                    p.w2(i, j)
                }
            };
            let o = (0..m).map(|j| e(j) * h[j]).sum::<f64>() + p.b(i);
            if model.kind.output_relu() {
                relu(o)
            } else {
                o
            }
        })
        .collect()
}

/// loss = mean over rows and features of I_i (target_i − out_i)², target x (|x| for abs), for `rows`
/// dense rows of n features.
pub fn loss(model: &Model, p: &[f64], x: &[f32], rows: usize) -> f64 {
    let n = model.n;
    let mut total = 0.0;
    for r in 0..rows {
        let x: Vec<f64> = x[r * n..r * n + n].iter().map(|&v| v as f64).collect();
        let out = forward(model, p, &x);
        for i in 0..n {
            let target = if model.kind.signed_inputs() {
                x[i].abs()
            } else {
                x[i]
            };
            total += model.importance[i] as f64 * (target - out[i]).powi(2);
        }
    }
    total / (rows * n) as f64
}
