//! The learning dynamics of a run (docs/science.md, "Learning dynamics"): at regular steps, each
//! feature's dimensionality D_i (tied models) or how well it is computed (`abs`), and each neuron's
//! monosemanticity (hidden-layer models). The paper's learning-dynamics section shows features' D_i
//! jumping between fractions during training; this is the series behind that figure, the page's
//! dynamics view and `tms train --trace`.

use crate::core::config::Config;
use crate::core::cost::{metrics_ns, step_ns};
use crate::core::metrics::{features, neurons};
use crate::core::model::Weights;
use serde::{Deserialize, Serialize};

/// About this many points over the step budget.
pub const POINTS: u64 = 200;
/// Never more than this many (a longer budget thins the series).
pub const MAX_POINTS: usize = 400;

/// One point of the series: `features` has one value per feature, `neurons` one per neuron (empty for
/// models without a hidden ReLU).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TracePoint {
    pub step: u64,
    /// D_i for tied models; for `abs`, the worse of the outputs y′_i(e_i) and y′_i(−e_i), which is 1
    /// when feature i is computed (|±1| = 1) and 0 when it is not.
    pub features: Vec<f32>,
    /// max|w| / ‖row‖ of each neuron: 1 monosemantic, lower polysemantic.
    pub neurons: Vec<f32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// A point is recorded at every multiple of this step.
    pub interval: u64,
    pub points: Vec<TracePoint>,
}

impl Trace {
    /// An empty series for a run: about [`POINTS`] points over the budget, and sparser when measuring
    /// costs more than a tenth of the training between two points.
    pub fn new(config: &Config) -> Trace {
        let by_budget = config.steps.div_ceil(POINTS).max(1);
        let by_cost = (10.0 * metrics_ns(config) / step_ns(config).max(1.0)).ceil() as u64;
        Trace {
            interval: by_budget.max(by_cost).max(1),
            points: vec![],
        }
    }

    /// Records a point when `step` is on the series (and not recorded yet).
    pub fn offer(&mut self, step: u64, weights: &Weights) {
        if !step.is_multiple_of(self.interval) || self.points.last().is_some_and(|p| p.step >= step)
        {
            return;
        }
        self.points.push(point(step, weights));
        while self.points.len() > MAX_POINTS {
            self.interval *= 2;
            let interval = self.interval;
            self.points.retain(|p| p.step % interval == 0);
        }
    }

    /// The series as CSV: a header `step,feature_0,…,neuron_0,…`, then a row per point.
    pub fn to_csv(&self) -> String {
        let Some(first) = self.points.first() else {
            return "step\n".into();
        };
        let mut out = String::from("step");
        for i in 0..first.features.len() {
            out.push_str(&format!(",feature_{i}"));
        }
        for j in 0..first.neurons.len() {
            out.push_str(&format!(",neuron_{j}"));
        }
        out.push('\n');
        for p in &self.points {
            out.push_str(&p.step.to_string());
            for v in p.features.iter().chain(&p.neurons) {
                out.push(',');
                out.push_str(&show(*v));
            }
            out.push('\n');
        }
        out
    }

    /// The series as JSON lines: one `{step, features, neurons}` object per point.
    pub fn to_json_lines(&self) -> String {
        self.points
            .iter()
            .map(|p| serde_json::to_string(p).expect("plain data serialises") + "\n")
            .collect()
    }

    /// A longer budget: the interval grows so the series keeps about [`POINTS`] points.
    pub fn extend_budget(&mut self, steps: u64) {
        let wanted = steps.div_ceil(POINTS).max(1);
        while self.interval < wanted {
            self.interval *= 2;
            let interval = self.interval;
            self.points.retain(|p| p.step % interval == 0);
        }
    }
}

/// Shortest text that reads back as the same f32 (NaN as empty, as CSV readers expect).
fn show(v: f32) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}

/// The series' values for one model at one step.
pub fn point(step: u64, weights: &Weights) -> TracePoint {
    let model = weights.model;
    let (n, m) = (model.n, model.m);
    let features = match weights.w2_t() {
        None => features(weights.w(), n, m).dimensionality,
        Some(w2_t) => computed_outputs(weights.w(), w2_t, weights.b(), n, m),
    };
    TracePoint {
        step,
        features,
        neurons: if model.kind.hidden_relu() {
            neurons(
                weights.w(),
                weights.w2_t().unwrap_or(weights.w()),
                weights.b_h(),
                n,
                m,
                model.kind.signed_inputs(),
            )
            .iter()
            .map(|n| n.monosemanticity)
            .collect()
        } else {
            vec![]
        },
    }
}

/// For `abs`: min over s = ±1 of y′_i(s e_i) = ReLU(Σ_j W₂[i, j] ReLU(s W₁[j, i]) + b_i). Only output i
/// of input ±e_i matters, so this costs n · m, not n full forward passes.
pub fn computed_outputs(w1: &[f32], w2_t: &[f32], b: &[f32], n: usize, m: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let out = |s: f32| {
                let z: f32 = (0..m)
                    .map(|j| w2_t[j * n + i] * (s * w1[j * n + i]).max(0.0))
                    .sum();
                (z + b[i]).max(0.0)
            };
            out(1.0).min(out(-1.0))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::ModelKind;
    use crate::core::model::Model;

    #[test]
    fn computed_outputs_are_the_forward_pass_at_plus_and_minus_e_i() {
        let config = Config {
            model: ModelKind::Abs,
            n: 6,
            m: 4,
            ..Config::default()
        };
        let model = Model::new(&config);
        let mut p = model.init(3);
        let l = model.layout();
        p[l.b.0..l.b.1].copy_from_slice(&[0.1, -0.2, 0.3, 0.0, 0.05, 0.2]);
        let w = Weights::new(&model, &p);
        let got = computed_outputs(w.w(), w.w2_t().unwrap(), w.b(), 6, 4);
        for i in 0..6 {
            let mut x = vec![0.0; 6];
            x[i] = 1.0;
            let plus = model.forward(&p, &x)[i];
            x[i] = -1.0;
            let minus = model.forward(&p, &x)[i];
            assert!(
                (got[i] - plus.min(minus)).abs() < 1e-6,
                "{i}: {} vs {plus} {minus}",
                got[i]
            );
        }
    }

    #[test]
    fn the_series_reads_back_from_csv_and_json_lines() {
        let mut t = crate::core::training::Trainer::new(Config {
            model: ModelKind::ReluHidden,
            n: 4,
            m: 3,
            batch: 32,
            steps: 600,
            ..Config::default()
        })
        .unwrap();
        t.step(600);
        let trace = t.trace();
        let csv = trace.to_csv();
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some("step,feature_0,feature_1,feature_2,feature_3,neuron_0,neuron_1,neuron_2")
        );
        for (line, p) in lines.zip(&trace.points) {
            let values: Vec<f32> = line
                .split(',')
                .skip(1)
                .map(|v| v.parse().unwrap())
                .collect();
            assert_eq!(line.split(',').next().unwrap(), p.step.to_string());
            assert_eq!(values, [p.features.clone(), p.neurons.clone()].concat());
        }
        let back: Vec<TracePoint> = trace
            .to_json_lines()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(back, trace.points);
    }

    #[test]
    fn the_series_keeps_about_two_hundred_points_however_long_the_budget() {
        let mut config = Config {
            n: 5,
            m: 2,
            steps: 10_000,
            ..Config::default()
        };
        let model = Model::new(&config);
        let p = model.init(0);
        let w = Weights::new(&model, &p);
        let mut t = Trace::new(&config);
        assert_eq!(t.interval, 50);
        for step in 0..=10_000 {
            t.offer(step, &w);
        }
        assert_eq!(t.points.len(), 201);
        config.steps = 100_000;
        t.extend_budget(config.steps);
        assert!(t.points.len() <= 101 && t.interval >= 500, "{}", t.interval);
        assert!(t.points.iter().all(|p| p.step % t.interval == 0));
    }
}
