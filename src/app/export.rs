//! The JSON export of a run, shared by `tms train --json` and the page's export button:
//! `{config, step, loss, fingerprint, params, metrics}`, with `params` in the paper's shapes
//! (`W` m × n for tied models; `W1` m × n and `W2` n × m for `abs`; `b` n; `b_h` m when present).

use crate::core::config::Config;
use crate::core::metrics::{summarize, Summary};
use crate::core::training::Trainer;

/// A JSON value; numbers from f32 are written in their shortest exact form, non-finite ones as null.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    F32(f32),
    Int(i64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(&'static str, Json)>),
}

impl Json {
    pub fn floats(values: &[f32]) -> Json {
        Json::Arr(values.iter().map(|&v| Json::F32(v)).collect())
    }

    /// A rows × cols matrix as nested rows, reading element (r, c) through `at`.
    pub fn matrix(rows: usize, cols: usize, at: impl Fn(usize, usize) -> f32) -> Json {
        Json::Arr(
            (0..rows)
                .map(|r| Json::Arr((0..cols).map(|c| Json::F32(at(r, c))).collect()))
                .collect(),
        )
    }

    pub fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::F32(v) if v.is_finite() => out.push_str(&format!("{v}")),
            Json::F32(_) => out.push_str("null"),
            Json::Int(v) => out.push_str(&v.to_string()),
            Json::Str(s) => {
                out.push('"');
                for c in s.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
            Json::Arr(items) => {
                out.push('[');
                for (k, item) in items.iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Obj(fields) => {
                out.push('{');
                for (k, (key, value)) in fields.iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    Json::Str(key.to_string()).write(out);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

impl std::fmt::Display for Json {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::new();
        self.write(&mut s);
        f.write_str(&s)
    }
}

pub fn config_json(c: &Config) -> Json {
    Json::Obj(vec![
        ("model", Json::Str(c.model.id().into())),
        ("hidden-bias", Json::Bool(c.hidden_bias)),
        ("n", Json::Int(c.n as i64)),
        ("m", Json::Int(c.m as i64)),
        ("density", Json::floats(&c.density)),
        ("importance", Json::F32(c.importance)),
        ("lr", Json::F32(c.lr)),
        ("schedule", Json::Str(c.schedule.id().into())),
        ("weight-decay", Json::F32(c.weight_decay)),
        ("batch", Json::Int(c.batch as i64)),
        ("steps", Json::Int(c.steps as i64)),
        ("seed", Json::Int(c.seed as i64)),
    ])
}

pub fn metrics_json(summary: &Summary) -> Json {
    let f = &summary.features;
    let mut fields = vec![
        ("feature_norms", Json::floats(&f.norms)),
        ("superposition", Json::floats(&f.superposition)),
        ("dimensionality", Json::floats(&f.dimensionality)),
        ("dims_per_feature", Json::F32(f.dims_per_feature)),
    ];
    // Weight norms say what a tied model represents; for `abs` only the function says what it computes.
    if let Some(represented) = summary.represented() {
        fields.push(("features_represented", Json::Int(represented as i64)));
    }
    if let (Some(computed), Some(count)) = (&summary.computed, summary.computed_count()) {
        fields.push(("features_computed", Json::Int(count as i64)));
        fields.push((
            "computed",
            Json::Arr(computed.iter().map(|&c| Json::Bool(c)).collect()),
        ));
    }
    if let (Some(neurons), Some(counts)) = (&summary.neurons, summary.neuron_counts()) {
        fields.push((
            "neuron_counts",
            Json::Obj(vec![
                ("monosemantic", Json::Int(counts.monosemantic as i64)),
                ("polysemantic", Json::Int(counts.polysemantic as i64)),
                ("dead", Json::Int(counts.dead as i64)),
            ]),
        ));
        fields.push((
            "neurons",
            Json::Arr(
                neurons
                    .iter()
                    .map(|n| {
                        Json::Obj(vec![
                            ("class", Json::Str(n.class.id().into())),
                            ("top_feature", Json::Int(n.top_feature as i64)),
                            ("top_weight", Json::F32(n.top_weight)),
                            ("monosemanticity", Json::F32(n.monosemanticity)),
                            ("monosemantic", Json::Bool(n.is_monosemantic())),
                            ("features", Json::Int(n.features as i64)),
                            ("gain", Json::F32(n.gain)),
                            ("norm", Json::F32(n.norm)),
                        ])
                    })
                    .collect(),
            ),
        ));
    }
    Json::Obj(fields)
}

/// The whole export of a trainer's current state.
pub fn run_json(trainer: &Trainer) -> Json {
    let w = trainer.weights();
    let (n, m) = (w.model.n, w.model.m);
    let paper_w = Json::matrix(m, n, |j, i| w.at(j, i));
    let mut params = vec![];
    match w.w2_t() {
        None => params.push(("W", paper_w)),
        Some(w2_t) => {
            params.push(("W1", paper_w));
            // Stored transposed (m × n); the paper's W₂ is n × m.
            params.push(("W2", Json::matrix(n, m, |i, j| w2_t[j * n + i])));
        }
    }
    params.push(("b", Json::floats(w.b())));
    if let Some(b_h) = w.b_h() {
        params.push(("b_h", Json::floats(b_h)));
    }
    Json::Obj(vec![
        ("config", config_json(trainer.config())),
        ("step", Json::Int(trainer.step_count() as i64)),
        ("loss", Json::F32(trainer.last_loss())),
        ("fingerprint", Json::Str(trainer.fingerprint())),
        ("params", Json::Obj(params)),
        ("metrics", metrics_json(&summarize(&w))),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::ModelKind;

    #[test]
    fn json_is_well_formed_and_exact() {
        let j = Json::Obj(vec![
            ("a", Json::floats(&[0.1, f32::NAN, -3.0])),
            ("s", Json::Str("q\"\\\n\u{1}".into())),
        ]);
        assert_eq!(j.to_string(), r#"{"a":[0.1,null,-3],"s":"q\"\\\n\u0001"}"#);
        // The shortest form reads back as the same f32.
        let v = 0.123_456_79f32;
        assert_eq!(format!("{v}").parse::<f32>().unwrap(), v);
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
        let s = run_json(&t).to_string();
        let w = t.weights();
        // W1 is m × n: its first row is neuron 0's weights over the 3 features.
        let row0 = format!(
            "\"W1\":[[{},{},{}]",
            w.embedding(0)[0],
            w.embedding(1)[0],
            w.embedding(2)[0]
        );
        let w2_t = w.w2_t().unwrap();
        // W2 is n × m: its first row is output 0's weights from the 2 neurons.
        let w2_row0 = format!("\"W2\":[[{},{}]", w2_t[0], w2_t[3]);
        assert!(s.contains(&w2_row0), "{s}");
        assert!(s.contains(&row0), "{s}");
        assert!(s.contains("\"step\":3"));
        assert!(s.contains("\"neurons\":[{"));
        assert!(s.contains("\"W2\":[["));
        // abs reports what it computes, not weight norms; tied models the other way round.
        assert!(s.contains("\"features_computed\":") && !s.contains("features_represented"));
        assert!(s.contains("\"neuron_counts\":{\"monosemantic\":"));
        let tied = run_json(&Trainer::new(Config::default()).unwrap()).to_string();
        assert!(tied.contains("\"features_represented\":") && !tied.contains("features_computed"));
    }
}
