//! The input probe: one input x pushed through a model, keeping every intermediate value, so a person
//! can ask the trained model a question and watch it compute (docs/science.md, "Probing a model").
//!
//! | model         | z                | h        | o              | out      | target |
//! |---------------|------------------|----------|----------------|----------|--------|
//! | `linear`      | W x              | z        | Wᵀ h + b       | o        | x      |
//! | `relu-output` | W x              | z        | Wᵀ h + b       | ReLU(o)  | x      |
//! | `relu-hidden` | W x (+ b_h)      | ReLU(z)  | Wᵀ h + b       | ReLU(o)  | x      |
//! | `abs`         | W₁ x             | ReLU(z)  | W₂ h + b       | ReLU(o)  | \|x\|  |
//!
//! The sums are taken in the order [`Model::forward`] takes them (the present features in index
//! order, then the active neurons in index order, each product rounded before it is added, no FMA), so
//! `out` is the same bits as the trainer's own forward pass, natively and in wasm.
//!
//! Inputs come from people (the page's input strip, a link's `probe=`, a host page), so
//! [`read_input`] is the one reader: a value outside the model's range ([`input_range`]: [0, 1] for the
//! tied models, whose data is U[0, 1), and [−1, 1] for `abs`, whose data is U[−1, 1)) is clamped to it,
//! a value that is not a number becomes 0, a missing value is 0 and extra values are dropped, each with
//! a notice saying what was used instead. The models were never trained outside that range, so what
//! they do there says nothing about what they learned.
//!
//! [`Model::forward`]: crate::core::model::Model::forward

use crate::core::config::ModelKind;
use crate::core::model::Weights;

/// The values one feature takes in the model's data (NOTES.md, "The four models"): U[0, 1) for the
/// tied models, U[−1, 1) for `abs` (and 0 when absent). The probe accepts the closed range.
pub fn input_range(kind: ModelKind) -> (f32, f32) {
    if kind.signed_inputs() {
        (-1.0, 1.0)
    } else {
        (0.0, 1.0)
    }
}

/// An input as the probe uses it, and what had to be changed to get it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Input {
    /// The dense n-vector used.
    pub x: Vec<f32>,
    /// One sentence per change: what was given, what was used instead and why.
    pub notices: Vec<String>,
}

/// Reads an input for a model of `kind` with `n` features: every value in [`input_range`], exactly n
/// of them. Never fails; every change is a notice.
pub fn read_input(kind: ModelKind, n: usize, values: &[f32]) -> Input {
    let (lo, hi) = input_range(kind);
    let mut notices = vec![];
    if values.len() != n {
        notices.push(if values.len() < n {
            format!(
                "{} input values given for n = {n} features; the missing ones are 0",
                values.len()
            )
        } else {
            format!(
                "{} input values given for n = {n} features; using the first {n}",
                values.len()
            )
        });
    }
    let mut x = vec![0.0f32; n];
    for (i, (slot, &v)) in x.iter_mut().zip(values).enumerate() {
        *slot = if v.is_nan() {
            notices.push(format!("x{} is not a number; using 0", subscript(i)));
            0.0
        } else if v < lo || v > hi {
            let used = v.clamp(lo, hi);
            notices.push(format!(
                "x{} = {v} is outside the {} model's inputs [{lo}, {hi}]; using {used}",
                subscript(i),
                kind.id()
            ));
            used
        } else if v == 0.0 {
            0.0 // −0 is 0: the same input, and the same text
        } else {
            v
        };
    }
    Input { x, notices }
}

/// Every intermediate value of one forward pass (the table at the top of this module).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Activations {
    /// The input, an n-vector.
    pub x: Vec<f32>,
    /// The hidden pre-activations W x (+ b_h), an m-vector.
    pub z: Vec<f32>,
    /// The hidden layer: ReLU(z) for `relu-hidden` and `abs`, z itself otherwise.
    pub h: Vec<f32>,
    /// The outputs before the output activation: Wᵀ h + b (W₂ h + b for `abs`), an n-vector.
    pub o: Vec<f32>,
    /// The model's output: ReLU(o), or o for `linear`.
    pub out: Vec<f32>,
    /// What the output should be: x, or |x| for `abs`.
    pub target: Vec<f32>,
}

impl Activations {
    /// The neurons that fire (h_j > 0), in order.
    pub fn active_neurons(&self) -> Vec<usize> {
        (0..self.h.len()).filter(|&j| self.h[j] > 0.0).collect()
    }
}

/// The ReLU of the kernels (`keep_where_positive`): z where z > 0, else +0 (a NaN gives 0).
fn relu(z: f32) -> f32 {
    if z > 0.0 {
        z
    } else {
        0.0
    }
}

/// The forward pass of one dense input (n values, not checked for range: see [`read_input`]).
///
/// Panics when `x` does not hold n values.
pub fn forward(weights: &Weights, x: &[f32]) -> Activations {
    let model = weights.model;
    let (n, m, kind) = (model.n, model.m, model.kind);
    assert_eq!(x.len(), n, "the probe's input has one value per feature");
    let w = weights.w();
    // z_j = b_h,j + Σ_i W_ji x_i over the present features (x_i ≠ 0), in index order.
    let z: Vec<f32> = (0..m)
        .map(|j| {
            let mut z = weights.b_h().map_or(0.0, |b| b[j]);
            for (i, &xi) in x.iter().enumerate() {
                if xi != 0.0 {
                    z += xi * w[j * n + i];
                }
            }
            z
        })
        .collect();
    let h: Vec<f32> = if kind.hidden_relu() {
        z.iter().map(|&v| relu(v)).collect()
    } else {
        z.clone()
    };
    // o_i = b_i + Σ_j E_ji h_j over the active neurons (h_j > 0 under a ReLU, every neuron without),
    // in index order; E = W for the tied models, W₂ᵀ for `abs`.
    let e = weights.w2_t().unwrap_or(w);
    let active: Vec<usize> = if kind.hidden_relu() {
        (0..m).filter(|&j| h[j] > 0.0).collect()
    } else {
        (0..m).collect()
    };
    let o: Vec<f32> = (0..n)
        .map(|i| {
            let mut o = weights.b()[i];
            for &j in &active {
                o += h[j] * e[j * n + i];
            }
            o
        })
        .collect();
    let out = if kind.output_relu() {
        o.iter().map(|&v| relu(v)).collect()
    } else {
        o.clone()
    };
    let target = if kind.signed_inputs() {
        x.iter().map(|v| v.abs()).collect()
    } else {
        x.to_vec()
    };
    Activations {
        x: x.to_vec(),
        z,
        h,
        o,
        out,
        target,
    }
}

/// A row of the model's own data to probe with: the first row with a feature present among `ROWS_TRIED`
/// rows drawn (at the evaluation stream, from `seed`), so sparse models do not hand back an empty input;
/// all zeros only if every one of them is empty.
pub fn batch_row(config: &crate::core::config::Config, seed: u32) -> Vec<f32> {
    const ROWS_TRIED: usize = 64;
    let batch = crate::core::training::eval_batch(config, ROWS_TRIED, seed);
    let n = config.n;
    let dense = batch.to_dense();
    dense
        .chunks(n)
        .find(|row| row.iter().any(|&v| v != 0.0))
        .map_or_else(|| vec![0.0; n], <[f32]>::to_vec)
}

/// Index k as Unicode subscript digits ("₁₂" for 12), as the readouts and notices write x₁₂, h₃.
pub fn subscript(k: usize) -> String {
    k.to_string()
        .chars()
        .map(|c| char::from_u32(0x2080 + c.to_digit(10).unwrap_or(0)).unwrap_or(c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::Config;
    use crate::core::model::Model;
    use crate::core::training::Trainer;

    /// Every model, with a hidden bias too, at a shape where a pass has several lanes and a tail.
    fn configs() -> Vec<Config> {
        let mut out: Vec<Config> = ModelKind::ALL
            .into_iter()
            .map(|model| Config {
                model,
                n: 11,
                m: 6,
                density: vec![0.3],
                importance: 0.8,
                steps: 300,
                ..Config::default()
            })
            .collect();
        out.push(Config {
            model: ModelKind::ReluHidden,
            hidden_bias: true,
            ..out[2].clone()
        });
        out
    }

    /// Inputs in range for the model: empty, one feature, two, a dense row, and one at the range's end.
    fn inputs(kind: ModelKind, n: usize) -> Vec<Vec<f32>> {
        let s = if kind.signed_inputs() { -1.0 } else { 1.0 };
        let mut one = vec![0.0; n];
        one[3] = 1.0;
        let mut two = vec![0.0; n];
        two[1] = 0.7;
        two[8] = 0.25 * s;
        let dense: Vec<f32> = (0..n)
            .map(|i| {
                let v = ((i * 7 % 11) as f32 + 0.5) / 11.0;
                if i % 2 == 1 {
                    v * s
                } else {
                    v
                }
            })
            .collect();
        let mut end = vec![0.0; n];
        end[n - 1] = s;
        vec![vec![0.0; n], one, two, dense, end]
    }

    /// The forward pass written straight from NOTES.md in f64, over the paper's W (m × n) and W₂ (n × m),
    /// independent of the code above: (z, h, o, out).
    #[allow(clippy::type_complexity)]
    fn reference(weights: &Weights, x: &[f32]) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
        let model = weights.model;
        let (n, m) = (model.n, model.m);
        let p: Vec<f64> = weights.params.iter().map(|&v| v as f64).collect();
        let l = model.layout();
        let w = |j: usize, i: usize| p[l.w.0 + j * n + i];
        let w2 = |i: usize, j: usize| p[l.w2.0 + j * n + i]; // W₂[i][j], stored transposed
        let z: Vec<f64> = (0..m)
            .map(|j| {
                let b_h = if model.hidden_bias {
                    p[l.b_h.0 + j]
                } else {
                    0.0
                };
                b_h + (0..n).map(|i| w(j, i) * x[i] as f64).sum::<f64>()
            })
            .collect();
        let h: Vec<f64> = z
            .iter()
            .map(|&v| {
                if model.kind.hidden_relu() {
                    v.max(0.0)
                } else {
                    v
                }
            })
            .collect();
        let o: Vec<f64> = (0..n)
            .map(|i| {
                p[l.b.0 + i]
                    + (0..m)
                        .map(|j| {
                            let e = if model.kind.tied() { w(j, i) } else { w2(i, j) };
                            e * h[j]
                        })
                        .sum::<f64>()
            })
            .collect();
        let out = o
            .iter()
            .map(|&v| {
                if model.kind.output_relu() {
                    v.max(0.0)
                } else {
                    v
                }
            })
            .collect();
        (z, h, o, out)
    }

    fn close(got: &[f32], want: &[f64]) -> bool {
        got.len() == want.len()
            && got
                .iter()
                .zip(want)
                .all(|(&g, &w)| (g as f64 - w).abs() <= 1e-5 * (1.0 + w.abs()))
    }

    #[test]
    fn every_intermediate_matches_the_equations_and_the_output_is_the_trainers_bits() {
        for config in configs() {
            let mut t = Trainer::new(config.clone()).unwrap();
            // Initial weights, and trained ones (with biases and dead neurons).
            for steps in [0, 300] {
                t.step(steps);
                let weights = t.weights();
                for x in inputs(config.model, config.n) {
                    let a = forward(&weights, &x);
                    let (z, h, o, out) = reference(&weights, &x);
                    let what = format!(
                        "{:?} b_h={} step {steps} x={x:?}",
                        config.model, config.hidden_bias
                    );
                    assert!(close(&a.z, &z), "{what}: z {:?} vs {z:?}", a.z);
                    assert!(close(&a.h, &h), "{what}: h {:?} vs {h:?}", a.h);
                    assert!(close(&a.o, &o), "{what}: o {:?} vs {o:?}", a.o);
                    assert!(close(&a.out, &out), "{what}: out {:?} vs {out:?}", a.out);
                    let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                    assert_eq!(
                        bits(&a.out),
                        bits(&t.model().forward(t.params(), &x)),
                        "{what}: the probe's output is Model::forward's, bit for bit"
                    );
                    let want_target: Vec<f32> = if config.model.signed_inputs() {
                        x.iter().map(|v| v.abs()).collect()
                    } else {
                        x.clone()
                    };
                    assert_eq!(a.target, want_target);
                }
            }
        }
    }

    #[test]
    fn the_paper_sized_abs_model_agrees_with_the_trainer_bit_for_bit() {
        // n = 100, m = 40: passes of several widths and the trainer's dense-row path.
        let config = Config {
            model: ModelKind::Abs,
            n: 100,
            m: 40,
            density: vec![0.1],
            importance: 0.8,
            ..Config::default()
        };
        let mut t = Trainer::new(config).unwrap();
        t.step(200);
        for x in inputs(ModelKind::Abs, 100) {
            let a = forward(&t.weights(), &x);
            let (_, _, _, out) = reference(&t.weights(), &x);
            assert!(close(&a.out, &out));
            assert_eq!(a.out, t.model().forward(t.params(), &x));
        }
    }

    #[test]
    fn a_relu_hidden_neuron_that_does_not_fire_is_zero_and_the_others_pass_through() {
        // W = [[1, −1], [−1, 1]] on n = m = 2, b = 0: x = (0.5, 0.2) fires neuron 0 only.
        let model = Model::new(&Config {
            model: ModelKind::ReluHidden,
            n: 2,
            m: 2,
            ..Config::default()
        });
        let p = [1.0, -1.0, -1.0, 1.0, 0.0, 0.0];
        let a = forward(&Weights::new(&model, &p), &[0.5, 0.2]);
        assert_eq!(a.z, vec![0.3, -0.3]);
        assert_eq!(a.h, vec![0.3, 0.0]);
        assert_eq!(a.active_neurons(), vec![0]);
        assert_eq!(a.o, vec![0.3, -0.3]);
        assert_eq!(a.out, vec![0.3, 0.0]);
    }

    #[test]
    fn inputs_outside_the_models_range_are_clamped_with_a_notice() {
        let ok = read_input(ModelKind::Abs, 3, &[-1.0, 0.5, 1.0]);
        assert_eq!(ok.x, vec![-1.0, 0.5, 1.0]);
        assert!(ok.notices.is_empty());

        let r = read_input(ModelKind::ReluOutput, 3, &[-0.5, 2.0, f32::NAN]);
        assert_eq!(r.x, vec![0.0, 1.0, 0.0]);
        assert_eq!(
            r.notices,
            vec![
                "x₀ = -0.5 is outside the relu-output model's inputs [0, 1]; using 0",
                "x₁ = 2 is outside the relu-output model's inputs [0, 1]; using 1",
                "x₂ is not a number; using 0",
            ]
        );
        let r = read_input(ModelKind::Abs, 2, &[f32::NEG_INFINITY]);
        assert_eq!(r.x, vec![-1.0, 0.0]);
        assert_eq!(
            r.notices[0],
            "1 input values given for n = 2 features; the missing ones are 0"
        );
        assert!(r.notices[1].contains("using -1"), "{:?}", r.notices);
        let r = read_input(ModelKind::Linear, 2, &[0.1, 0.2, 0.3]);
        assert_eq!(r.x, vec![0.1, 0.2]);
        assert_eq!(
            r.notices,
            vec!["3 input values given for n = 2 features; using the first 2"]
        );
        assert_eq!(read_input(ModelKind::Linear, 1, &[-0.0]).x[0].to_bits(), 0);
    }

    #[test]
    fn a_batch_row_is_a_row_of_the_models_data() {
        let config = Config {
            model: ModelKind::Abs,
            n: 20,
            m: 5,
            density: vec![0.05],
            ..Config::default()
        };
        let row = batch_row(&config, 3);
        assert_eq!(row.len(), 20);
        assert!(row.iter().any(|&v| v != 0.0), "{row:?}");
        assert!(row.iter().all(|&v| (-1.0..1.0).contains(&v)));
        let signs = (0..8)
            .flat_map(|seed| batch_row(&config, seed))
            .any(|v| v < 0.0);
        assert!(signs, "abs's data takes both signs");
        assert_eq!(row, batch_row(&config, 3), "the same seed, the same row");
        assert_ne!(row, batch_row(&config, 4));
        assert!(read_input(config.model, 20, &row).notices.is_empty());
    }

    #[test]
    fn subscripts_are_unicode_digits() {
        assert_eq!(subscript(0), "₀");
        assert_eq!(subscript(12), "₁₂");
        assert_eq!(subscript(907), "₉₀₇");
    }
}
