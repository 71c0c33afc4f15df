//! The paper's configurations (NOTES.md, "Configurations of the paper and what they show") as one-click
//! presets, each with what to look for.

use crate::core::config::{Config, ModelKind};
use crate::core::settings::PAPER_DENSITIES;
use crate::views::View;

pub struct Preset {
    /// Stable id (also the page's menu value).
    pub id: String,
    pub group: &'static str,
    pub label: String,
    pub look_for: String,
    pub config: Config,
    pub view: View,
}

fn config(model: ModelKind, n: usize, m: usize, importance: f32, density: f32) -> Config {
    Config {
        model,
        n,
        m,
        importance,
        density: vec![density],
        ..Config::default()
    }
}

pub fn all() -> Vec<Preset> {
    let mut out = vec![];
    let mut add = |id: String,
                   group: &'static str,
                   label: String,
                   look_for: &str,
                   config: Config,
                   view: View| {
        out.push(Preset {
            id,
            group,
            label,
            look_for: look_for.to_string(),
            config,
            view,
        });
    };
    for (density, what) in [
        (
            1.0,
            "dense features: only the two most important are learned, at right angles",
        ),
        (
            0.3,
            "antipodal pairs: features share a direction pointing opposite ways",
        ),
        (
            0.05,
            "sparse features: all five packed as a pentagon (seed-dependent; try new seeds)",
        ),
    ] {
        add(
            format!("intro-{density}"),
            "Intro: relu-output, n = 5, m = 2, I = 0.9^i",
            format!("1−S = {density}"),
            what,
            config(ModelKind::ReluOutput, 5, 2, 0.9, density),
            View::Hidden,
        );
    }
    for density in [1.0, 0.01] {
        add(
            format!("basic-linear-{density}"),
            "Basic results: n = 20, m = 5, I = 0.7^i",
            format!("linear, 1−S = {density}"),
            "the linear model learns exactly the 5 most important features, at any density",
            config(ModelKind::Linear, 20, 5, 0.7, density),
            View::Bars,
        );
    }
    for density in PAPER_DENSITIES {
        let what = match density {
            d if d >= 1.0 => "5 features with their own dimensions; the others' biases go to their mean p/2",
            d if d >= 0.1 => "antipodal pairs appear: more than 5 features in 5 dimensions",
            _ => "more and more features packed in superposition; learned sparse features get negative biases",
        };
        add(
            format!("basic-relu-{density}"),
            "Basic results: n = 20, m = 5, I = 0.7^i",
            format!("relu-output, 1−S = {density}"),
            what,
            config(ModelKind::ReluOutput, 20, 5, 0.7, density),
            View::Bars,
        );
    }
    for density in [1.0, 0.1, 0.01, 0.001] {
        add(
            format!("scaled-{density}"),
            "Scaled: relu-output, n = 80, m = 20, I = 0.9^i",
            format!("1−S = {density}"),
            "the basic results at four times the size: 20 features when dense, many more when sparse",
            config(ModelKind::ReluOutput, 80, 20, 0.9, density),
            View::Bars,
        );
    }
    for density in [1.0, 0.3, 0.1, 0.05] {
        add(
            format!("geometry-{density}"),
            "Geometry: relu-output, n = 200, m = 20, I = 1",
            format!("1−S = {density}"),
            "dimensions per feature D* sticks at 1, then 1/2; feature dimensionalities cluster at 1/2, 2/5, 3/8",
            config(ModelKind::ReluOutput, 200, 20, 1.0, density),
            View::Bars,
        );
    }
    for (density, what) in [
        (
            0.75,
            "every neuron monosemantic: 5 features, one neuron each",
        ),
        (
            0.35,
            "3 features share 2 neurons; the rest stay monosemantic",
        ),
        (0.15, "5 features on 3 neurons"),
        (0.12, "6 features on 4 neurons"),
        (0.06, "8 features on 5 neurons: all polysemantic"),
        (0.04, "each feature now a pair of neurons"),
    ] {
        add(
            format!("privileged-{density}"),
            "Privileged basis: relu-hidden, n = 10, m = 5, I = 0.75^i",
            format!("1−S = {density}"),
            what,
            config(ModelKind::ReluHidden, 10, 5, 0.75, density),
            View::Stack,
        );
    }
    add(
        "abs-basic".into(),
        "Computation: abs, y = |x|",
        "n = 3, m = 6, dense".into(),
        "each feature gets a positive-side neuron ReLU(x_i) and a negative-side neuron ReLU(−x_i); the loss goes to 0",
        config(ModelKind::Abs, 3, 6, 1.0, 1.0),
        View::Stack,
    );
    for density in PAPER_DENSITIES {
        let what = match density {
            d if d >= 0.3 => "dense: every neuron monosemantic",
            d if d >= 0.03 => "a few polysemantic neurons appear, for the less important features",
            _ => "more and more polysemantic neurons, until all of them are",
        };
        add(
            format!("abs-{density}"),
            "Computation: abs, n = 100, m = 40, I = 0.8^i",
            format!("1−S = {density}"),
            what,
            config(ModelKind::Abs, 100, 40, 0.8, density),
            View::Stack,
        );
    }
    out
}

/// The paper's sweeps, as share links: one click runs the whole figure.
pub fn sweeps() -> Vec<(
    &'static str,
    &'static str,
    &'static str,
    crate::app::link::Link,
)> {
    use crate::app::link::{Link, SweepSpec};
    use crate::core::sweep::Axis;
    let link = |config: Config, values: Vec<f32>, restarts: u32, view: View| Link {
        step: config.steps,
        sweep: Some(SweepSpec {
            axis: Axis::Density,
            values,
            restarts,
        }),
        config,
        view,
        probe: None,
    };
    let geometry: Vec<f32> = (0..7)
        .map(|k| libm::powf(20.0, -(k as f32) / 6.0))
        .collect();
    vec![
        (
            "sweep-basic",
            "Basic results: relu-output n = 20, m = 5, seven densities",
            "features pile into superposition as 1−S falls: 5, then antipodal pairs, then more",
            link(
                config(ModelKind::ReluOutput, 20, 5, 0.7, 1.0),
                PAPER_DENSITIES.to_vec(),
                1,
                View::Bars,
            ),
        ),
        (
            "sweep-privileged",
            "Privileged basis: relu-hidden n = 10, m = 5, best of 4 restarts",
            "neurons go from monosemantic to polysemantic as features get sparse",
            link(
                config(ModelKind::ReluHidden, 10, 5, 0.75, 1.0),
                vec![0.75, 0.35, 0.15, 0.12, 0.06, 0.04],
                4,
                View::Stack,
            ),
        ),
        (
            "sweep-abs",
            "Abs sparsity: abs n = 100, m = 40, seven densities",
            "polysemantic neurons appear for the less important features, then everywhere",
            link(
                config(ModelKind::Abs, 100, 40, 0.8, 1.0),
                PAPER_DENSITIES.to_vec(),
                1,
                View::Stack,
            ),
        ),
        (
            "sweep-geometry",
            "Geometry: relu-output n = 200, m = 20, I = 1, 1−S = 20^−t",
            "the dimensionality figure: D* sticks at 1 then 1/2; D_i clusters at 1/2, 2/5, 3/8",
            link(
                config(ModelKind::ReluOutput, 200, 20, 1.0, 1.0),
                geometry,
                1,
                View::Bars,
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_configuration_of_the_paper_is_a_valid_preset_with_a_unique_id() {
        let presets = all();
        assert!(presets.len() >= 30);
        let mut ids: Vec<&str> = presets.iter().map(|p| p.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), presets.len());
        for p in &presets {
            p.config.check().unwrap();
            assert!(!p.look_for.is_empty());
            // A preset's settings survive the share link unchanged.
            let link = crate::app::link::Link {
                sweep: None,
                config: p.config.clone(),
                step: 0,
                view: p.view,
                probe: None,
            };
            assert_eq!(
                crate::app::link::Link::parse(&link.to_fragment()),
                (link, vec![]),
                "{}",
                p.id
            );
        }
        for (id, _, _, link) in sweeps() {
            assert_eq!(
                crate::app::link::Link::parse(&link.to_fragment()),
                (link, vec![]),
                "{id}"
            );
        }
        for (model, n, m) in [
            (ModelKind::ReluOutput, 5, 2),
            (ModelKind::ReluHidden, 10, 5),
            (ModelKind::Abs, 3, 6),
            (ModelKind::Abs, 100, 40),
        ] {
            assert!(presets
                .iter()
                .any(|p| p.config.model == model && p.config.n == n && p.config.m == m));
        }
    }
}
