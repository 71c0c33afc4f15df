//! The JSON export of a run, shared by `tms train --json`, `tms inspect --json` and the page's export
//! button: `{config, step, loss, fingerprint, params, metrics}`, with `params` in the paper's shapes
//! (`W` m × n for tied models; `W1` m × n and `W2` n × m for `abs`; `b` n; `b_h` m when present) as
//! nested rows. Plain serde structs: numbers from f32 are written in their shortest exact form,
//! non-finite ones (the loss before any step) as null.
//!
//! The same data leaves as safetensors and .npz in [`crate::app::weights`], in the notebook's shapes.

use ndarray::ArrayView2;
use serde::Serialize;

use crate::core::config::Config;
use crate::core::metrics::{summarize, Summary};
use crate::core::training::Trainer;

/// A run's settings, keyed by the settings table's keys (`hidden-bias`, `weight-decay`, …) so that
/// each value reads back through the same table ([`crate::app::weights`] does).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConfigJson {
    pub model: &'static str,
    #[serde(rename = "hidden-bias")]
    pub hidden_bias: bool,
    pub n: usize,
    pub m: usize,
    pub density: Vec<f32>,
    pub importance: f32,
    pub lr: f32,
    pub schedule: &'static str,
    #[serde(rename = "weight-decay")]
    pub weight_decay: f32,
    pub init: &'static str,
    pub batch: usize,
    pub steps: u64,
    pub seed: u32,
}

pub fn config_json(c: &Config) -> ConfigJson {
    ConfigJson {
        model: c.model.id(),
        hidden_bias: c.hidden_bias,
        n: c.n,
        m: c.m,
        density: c.density.clone(),
        importance: c.importance,
        lr: c.lr,
        schedule: c.schedule.id(),
        weight_decay: c.weight_decay,
        init: c.init.id(),
        batch: c.batch,
        steps: c.steps,
        seed: c.seed,
    }
}

/// One neuron of a hidden-layer model (see [`crate::core::metrics::Neuron`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NeuronJson {
    /// `monosemantic`, `polysemantic` or `dead` (docs/science.md, "Neurons").
    pub class: &'static str,
    pub top_feature: usize,
    pub top_weight: f32,
    pub monosemanticity: f32,
    pub monosemantic: bool,
    pub features: usize,
    pub gain: f32,
    pub norm: f32,
}

/// How many neurons fall in each class.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NeuronCountsJson {
    pub monosemantic: usize,
    pub polysemantic: usize,
    pub dead: usize,
}

/// The metrics of docs/science.md ("What is measured"). Tied models report `features_represented`
/// (weight norms say what they represent); `abs` reports `features_computed` and `computed` instead, since
/// only its function says what it computes. `neurons` and `neuron_counts` only for `relu-hidden` and
/// `abs`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricsJson {
    pub feature_norms: Vec<f32>,
    pub superposition: Vec<f32>,
    pub dimensionality: Vec<f32>,
    pub dims_per_feature: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub features_represented: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub features_computed: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computed: Option<Vec<bool>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neuron_counts: Option<NeuronCountsJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neurons: Option<Vec<NeuronJson>>,
}

pub fn metrics_json(summary: &Summary) -> MetricsJson {
    let f = &summary.features;
    MetricsJson {
        feature_norms: f.norms.clone(),
        superposition: f.superposition.clone(),
        dimensionality: f.dimensionality.clone(),
        dims_per_feature: f.dims_per_feature,
        features_represented: summary.represented(),
        features_computed: summary.computed_count(),
        computed: summary.computed.clone(),
        neuron_counts: summary.neuron_counts().map(|c| NeuronCountsJson {
            monosemantic: c.monosemantic,
            polysemantic: c.polysemantic,
            dead: c.dead,
        }),
        neurons: summary.neurons.as_ref().map(|neurons| {
            neurons
                .iter()
                .map(|n| NeuronJson {
                    class: n.class.id(),
                    top_feature: n.top_feature,
                    top_weight: n.top_weight,
                    monosemanticity: n.monosemanticity,
                    monosemantic: n.is_monosemantic(),
                    features: n.features,
                    gain: n.gain,
                    norm: n.norm,
                })
                .collect()
        }),
    }
}

/// The parameters in the paper's shapes, as nested rows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParamsJson {
    /// Tied models: W, m × n (row j is neuron j's weights over the features).
    #[serde(rename = "W", skip_serializing_if = "Option::is_none")]
    pub w: Option<Vec<Vec<f32>>>,
    /// `abs`: W₁, m × n.
    #[serde(rename = "W1", skip_serializing_if = "Option::is_none")]
    pub w1: Option<Vec<Vec<f32>>>,
    /// `abs`: W₂, n × m (row i is output i's weights from the neurons).
    #[serde(rename = "W2", skip_serializing_if = "Option::is_none")]
    pub w2: Option<Vec<Vec<f32>>>,
    /// The output bias, n.
    pub b: Vec<f32>,
    /// The hidden bias, m (relu-hidden with `hidden-bias` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b_h: Option<Vec<f32>>,
}

/// The whole export of a run at one step.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunJson {
    pub config: ConfigJson,
    pub step: u64,
    pub loss: f32,
    pub fingerprint: String,
    pub params: ParamsJson,
    pub metrics: MetricsJson,
    /// A sweep's kept run: the loss of every restart on the sweep's evaluation batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eval_losses: Option<Vec<f32>>,
}

/// A matrix as nested rows, as JSON writes it.
fn rows(matrix: ArrayView2<f32>) -> Vec<Vec<f32>> {
    matrix.outer_iter().map(|row| row.to_vec()).collect()
}

/// The export of a trainer's current state.
pub fn run_export(trainer: &Trainer) -> RunJson {
    let w = trainer.weights();
    let paper_w = rows(w.w_matrix());
    let (tied, w1, w2) = match w.w2_matrix() {
        None => (Some(paper_w), None, None),
        Some(w2) => (None, Some(paper_w), Some(rows(w2))),
    };
    RunJson {
        config: config_json(trainer.config()),
        step: trainer.step_count(),
        loss: trainer.last_loss(),
        fingerprint: trainer.fingerprint(),
        params: ParamsJson {
            w: tied,
            w1,
            w2,
            b: w.b().to_vec(),
            b_h: w.b_h().map(<[f32]>::to_vec),
        },
        metrics: metrics_json(&summarize(&w)),
        eval_losses: None,
    }
}

/// The export as JSON text.
pub fn run_json(trainer: &Trainer) -> String {
    to_json(&run_export(trainer))
}

/// Any of these structs (or a list of them) as JSON text.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serialises")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::ModelKind;
    use serde_json::Value;

    fn floats(v: &Value) -> Vec<f32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect()
    }

    #[test]
    fn export_has_the_papers_shapes() {
        let mut t = Trainer::new(Config {
            model: ModelKind::Abs,
            n: 3,
            m: 2,
            batch: 16,
            ..Config::default()
        })
        .unwrap();
        t.step(3);
        let json: Value = serde_json::from_str(&run_json(&t)).unwrap();
        let w = t.weights();
        let w1 = json["params"]["W1"].as_array().unwrap();
        assert_eq!(w1.len(), 2, "W1 is m × n");
        // Row j of W1 is neuron j's weights over the 3 features, exactly (shortest f32 text).
        for (j, row) in w1.iter().enumerate() {
            assert_eq!(floats(row), w.neuron_row(j));
        }
        let w2 = json["params"]["W2"].as_array().unwrap();
        assert_eq!(w2.len(), 3, "W2 is n × m");
        let w2_t = w.w2_t().unwrap();
        // Row i of W2 is output i's weights from the 2 neurons.
        assert_eq!(floats(&w2[0]), vec![w2_t[0], w2_t[3]]);
        assert_eq!(floats(&json["params"]["b"]), w.b());
        assert!(json["params"].get("W").is_none() && json["params"].get("b_h").is_none());
        assert_eq!(json["step"], 3);
        assert_eq!(json["fingerprint"], t.fingerprint());
        assert_eq!(json["config"]["model"], "abs");
        assert_eq!(json["config"]["hidden-bias"], false);
        assert_eq!(
            json["config"]["weight-decay"].as_f64().unwrap() as f32,
            0.01
        );
        assert_eq!(json["config"]["density"].as_array().unwrap().len(), 1);
        let metrics = &json["metrics"];
        for key in ["feature_norms", "superposition", "dimensionality"] {
            assert_eq!(floats(&metrics[key]).len(), 3, "{key}");
        }
        assert!(metrics["dims_per_feature"].is_number());
        // abs reports what it computes, not weight norms; tied models the other way round.
        assert!(
            metrics["features_computed"].is_u64() && metrics.get("features_represented").is_none()
        );
        assert_eq!(metrics["computed"].as_array().unwrap().len(), 3);
        assert!(metrics["neuron_counts"]["monosemantic"].is_u64());
        let neurons = metrics["neurons"].as_array().unwrap();
        assert_eq!(neurons.len(), 2);
        for key in [
            "top_feature",
            "top_weight",
            "monosemanticity",
            "monosemantic",
            "features",
            "gain",
            "norm",
            "class",
        ] {
            assert!(neurons[0].get(key).is_some(), "neuron field {key}");
        }
        assert!(json.get("eval_losses").is_none());
    }

    #[test]
    fn tied_models_export_w_and_the_hidden_bias_and_no_loss_before_a_step_is_null() {
        let t = Trainer::new(Config {
            model: ModelKind::ReluHidden,
            hidden_bias: true,
            n: 4,
            m: 3,
            ..Config::default()
        })
        .unwrap();
        let json: Value = serde_json::from_str(&run_json(&t)).unwrap();
        let w = json["params"]["W"].as_array().unwrap();
        assert_eq!((w.len(), w[0].as_array().unwrap().len()), (3, 4));
        assert_eq!(floats(&json["params"]["b_h"]).len(), 3);
        assert!(json["loss"].is_null(), "NaN before any step is null");
        assert!(json["metrics"].get("neurons").is_some());
        let linear = Trainer::new(Config {
            model: ModelKind::Linear,
            ..Config::default()
        })
        .unwrap();
        let json: Value = serde_json::from_str(&run_json(&linear)).unwrap();
        assert!(json["metrics"].get("neurons").is_none());
    }
}
