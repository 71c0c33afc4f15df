//! The paper's configurations (docs/science.md, "What reproduces") as one-click presets, each with what
//! to look for. Every "look for" is a claim about the preset's own settings and seed (the notebook's
//! initialisation, seed 0); `tests/presets.rs` trains each one and checks it. Where the paper's picture
//! does not come out of this recipe, the text says what you see instead.

use crate::core::config::{Config, ModelKind, Order};
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
            "antipodal pairs: four of the five features as two pairs at right angles, each pair sharing \
             a direction and pointing opposite ways; one feature is left out (some seeds keep only three)",
        ),
        (
            0.05,
            "sparse features: all five packed as a regular pentagon, D_i = 2/5 each (17 of seeds 0 to 19; \
             the others stop at two antipodal pairs)",
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
            d if d >= 1.0 => {
                "5 features with their own dimensions; the others' biases go to their mean p/2"
            }
            d if d >= 0.3 => {
                "antipodal pairs appear: 7 features in 5 dimensions, the less important ones in pairs \
                 (D_i = 1/2)"
            }
            d if d >= 0.1 => "9 features in 5 dimensions, most of them in antipodal pairs (D_i = 1/2)",
            _ => {
                "11 to 14 features packed in 5 dimensions (D* under 0.45); the learned sparse features \
                 get negative biases"
            }
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
    for (density, what) in [
        (1.0, "the basic results at four times the size: the 20 most important features, one dimension each"),
        (0.1, "about 30 features in 20 dimensions"),
        (0.01, "about 50 features in 20 dimensions"),
        (0.001, "about 60 features in 20 dimensions"),
    ] {
        add(
            format!("scaled-{density}"),
            "Scaled: relu-output, n = 80, m = 20, I = 0.9^i",
            format!("1−S = {density}"),
            what,
            config(ModelKind::ReluOutput, 80, 20, 0.9, density),
            View::Bars,
        );
    }
    for (density, what) in [
        (
            1.0,
            "D* = 1, but with all 200 features equally important the 20 dimensions stay spread thinly \
             over all of them: no feature reaches ‖W_i‖ = 0.5 in 10,000 steps",
        ),
        (
            0.6,
            "D* about 0.8, between the sticky values: features in triangles (D_i near 2/3) and antipodal \
             pairs (1/2)",
        ),
        (
            0.3,
            "D* sticks at 1/2: every learned feature is in an antipodal pair, D_i = 1/2",
        ),
        (
            0.22,
            "D_i clusters at 1/2, 2/5 (pentagons) and about 0.36, just under the 3/8 of a square \
             antiprism; D* about 0.4",
        ),
        (
            0.05,
            "about 140 features share the 20 dimensions, D_i near 1/7: below the paper's fractions",
        ),
    ] {
        add(
            format!("geometry-{density}"),
            "Geometry: relu-output, n = 200, m = 20, I = 1",
            format!("1−S = {density}"),
            what,
            config(ModelKind::ReluOutput, 200, 20, 1.0, density),
            View::Bars,
        );
    }
    for (density, what) in [
        (
            0.75,
            "every neuron monosemantic: the 5 most important features, one neuron each",
        ),
        (
            0.35,
            "the 3 most important features keep a neuron each; features 3, 4 and 5 share the other 2 \
             neurons (3 of seeds 0 to 7 find this, with the lowest loss: the privileged-basis sweep keeps \
             the best of 4)",
        ),
        (
            0.15,
            "the paper shows 5 features on 3 neurons beside 2 monosemantic ones; this recipe keeps at \
             most one monosemantic neuron, and on this seed none: 7 features share all 5 neurons",
        ),
        (
            0.12,
            "the paper shows 6 features on 4 neurons beside one monosemantic one; this recipe gives no \
             monosemantic neuron: 8 features share all 5",
        ),
        (0.06, "8 features on 5 neurons: all polysemantic"),
        (
            0.04,
            "all 5 neurons polysemantic, 8 features; the paper's code with each feature on a pair of \
             neurons does not appear with this recipe",
        ),
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
        "each feature gets a positive-side neuron ReLU(x_i) and a negative-side neuron ReLU(−x_i); the \
         loss goes to 0 and all 3 features are computed",
        config(ModelKind::Abs, 3, 6, 1.0, 1.0),
        View::Stack,
    );
    for density in PAPER_DENSITIES {
        let what = match density {
            d if d >= 1.0 => {
                "dense: every neuron monosemantic, all 40 on the 10 most important features, which are \
                 computed"
            }
            d if d >= 0.3 => "nearly every neuron monosemantic (38 of 40); 18 features computed",
            d if d >= 0.1 => {
                "most neurons still monosemantic (34 of 40); the few polysemantic ones mix in less \
                 important features; 19 features computed"
            }
            d if d >= 0.03 => {
                "most neurons now polysemantic (33 of 40): each reads one main feature plus weaker ones; \
                 19 features computed"
            }
            d if d >= 0.003 => {
                "every neuron polysemantic; 21 to 23 features computed, more than at any denser setting"
            }
            _ => {
                "every neuron polysemantic, each on several features; only 8 features computed in 10,000 \
                 steps (the recipe is under-trained this sparse)"
            }
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

/// The densities of the paper's privileged-basis figure (the `privileged-*` presets and sweeps).
pub const PRIVILEGED_DENSITIES: [f32; 6] = [0.75, 0.35, 0.15, 0.12, 0.06, 0.04];

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
            "sweep-intro",
            "Intro: relu-output n = 5, m = 2, best of 4 restarts",
            "two orthogonal features when dense, two antipodal pairs at 1−S = 0.3, a pentagon at 0.05",
            link(
                config(ModelKind::ReluOutput, 5, 2, 0.9, 1.0),
                vec![1.0, 0.3, 0.05],
                4,
                View::Hidden,
            ),
        ),
        (
            "sweep-basic",
            "Basic results: relu-output n = 20, m = 5, seven densities",
            "features pile into superposition as 1−S falls: 5, then antipodal pairs, then 11 or more",
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
            "the neuron phase change: all 5 monosemantic at 1−S = 0.75, 3 at 0.35, none from 0.12 on; \
             the paper's intermediate regimes at 0.15 and 0.12 and its neuron pairs at 0.04 do not appear",
            link(
                config(ModelKind::ReluHidden, 10, 5, 0.75, 1.0),
                PRIVILEGED_DENSITIES.to_vec(),
                4,
                View::Stack,
            ),
        ),
        (
            "sweep-privileged-1000",
            "Privileged basis, best of 1000, as in the paper",
            "the paper's privileged-basis sweep: relu-hidden n = 10, m = 5 at six densities, each the \
             lowest-loss of 1,000 seeds (6,000 runs of 10,000 steps, in the lockstep order, so restarts \
             train together in vector lanes; the page says how long before it starts, and keeps only \
             each run's loss and each density's best run)",
            link(
                Config {
                    order: Order::Lockstep,
                    ..config(ModelKind::ReluHidden, 10, 5, 0.75, 1.0)
                },
                PRIVILEGED_DENSITIES.to_vec(),
                1000,
                View::Stack,
            ),
        ),
        (
            "sweep-abs",
            "Abs sparsity: abs n = 100, m = 40, seven densities",
            "the neuron phase change: 40 monosemantic neurons when dense, still 34 at 1−S = 0.1, a few at \
             0.03, none from 0.01 on, while the features computed grow from 10 to about 20",
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
            "the dimensionality figure: D* sticks at 1 then 1/2; D_i clusters at 2/3, 1/2, then 2/5 and 3/8",
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
