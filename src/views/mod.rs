//! The paper's views, drawn from live weights (docs/science.md, "The figures").
//!
//! Each view lays out a [`Scene`] from a [`ModelView`] at a size in CSS pixels; the scene draws on any
//! plotters backend (the page's canvas, SVG, PNG) and answers what is under a point.

pub mod bars;
pub mod dimensionality;
pub mod graph;
pub mod hidden;
pub mod loss;
pub mod matrix;
pub mod palette;
pub mod phase;
pub mod scene;
pub mod stack;
pub mod sweep;

use crate::core::config::ModelKind;
use crate::core::metrics::{self, FeatureMetrics, Neuron};
use crate::core::model::Weights;
use crate::core::training::Trainer;
pub use palette::{Rgba, Theme};
pub use scene::{HAlign, Scene, Shape, Tag, VAlign};

/// Everything the views need to know about one model at one step.
#[derive(Clone, Debug)]
pub struct ModelView {
    pub kind: ModelKind,
    pub n: usize,
    pub m: usize,
    /// W, or W₁ for `abs` (m × n, row j = neuron j).
    pub w: Vec<f32>,
    /// W₂ᵀ for `abs` (m × n, row j = neuron j's output weights).
    pub w2_t: Option<Vec<f32>>,
    pub b: Vec<f32>,
    pub b_h: Option<Vec<f32>>,
    pub importance: Vec<f32>,
    /// The first feature's density (the one value, for most runs), for labels.
    pub density: f32,
    pub features: FeatureMetrics,
    pub neurons: Vec<Neuron>,
    pub step: u64,
    /// The loss history, averaged into at most `LOSS_POINTS` buckets: (last step of bucket, mean loss).
    pub loss: Vec<(u64, f32)>,
    /// A feature or neuron to mark in every view (the embed API's `highlight`).
    pub highlight: Option<Highlight>,
    /// How a sweep's panel names this model (default "1−S = density").
    pub label: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Highlight {
    Feature(usize),
    Neuron(usize),
}

/// Outlines a highlighted element: two nested frames in the text colour, visible on any fill.
pub fn mark(scene: &mut Scene, x0: f64, y0: f64, x1: f64, y1: f64, theme: &Theme) {
    for (k, colour) in [(0.0, theme.text), (1.0, theme.background)] {
        scene.push(
            Shape::Frame {
                x0: x0 - 1.0 + k,
                y0: y0 - 1.0 + k,
                x1: x1 + 1.0 - k,
                y1: y1 + 1.0 - k,
            },
            colour,
            None,
        );
    }
}

pub const LOSS_POINTS: usize = 600;

impl ModelView {
    pub fn of(trainer: &Trainer) -> ModelView {
        let w = trainer.weights();
        let mut view = ModelView::from_weights(&w, trainer.config().density[0]);
        view.step = trainer.step_count();
        view.loss = bucket_losses(trainer.loss_history());
        view
    }

    pub fn from_weights(weights: &Weights, density: f32) -> ModelView {
        let model = weights.model;
        let (n, m) = (model.n, model.m);
        ModelView {
            kind: model.kind,
            n,
            m,
            w: weights.w().to_vec(),
            w2_t: weights.w2_t().map(<[f32]>::to_vec),
            b: weights.b().to_vec(),
            b_h: weights.b_h().map(<[f32]>::to_vec),
            importance: model.importance.clone(),
            density,
            features: metrics::features(weights.w(), n, m),
            neurons: metrics::neurons_of(weights),
            step: 0,
            loss: vec![],
            highlight: None,
            label: None,
        }
    }

    /// The output matrix E (m × n): W for tied models, W₂ᵀ for `abs`.
    pub fn out_w(&self) -> &[f32] {
        self.w2_t.as_deref().unwrap_or(&self.w)
    }
}

/// Means of the loss over consecutive buckets of steps, at most `LOSS_POINTS` of them.
pub fn bucket_losses(history: &[f32]) -> Vec<(u64, f32)> {
    let per = history.len().div_ceil(LOSS_POINTS).max(1);
    history
        .chunks(per)
        .enumerate()
        .map(|(k, c)| {
            let mean = c.iter().map(|&v| v as f64).sum::<f64>() / c.len() as f64;
            ((k * per + c.len()) as u64, mean as f32)
        })
        .collect()
}

/// The single-model views.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Matrix,
    Stack,
    Graph,
    Bars,
    Hidden,
    Loss,
}

impl View {
    pub const ALL: [View; 6] = [
        View::Matrix,
        View::Stack,
        View::Graph,
        View::Bars,
        View::Hidden,
        View::Loss,
    ];

    pub fn id(self) -> &'static str {
        match self {
            View::Matrix => "matrix",
            View::Stack => "stack",
            View::Graph => "graph",
            View::Bars => "bars",
            View::Hidden => "hidden",
            View::Loss => "loss",
        }
    }

    pub fn from_id(id: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.id() == id)
    }

    /// Lays the view out at `width` × `height` CSS pixels.
    pub fn scene(self, model: &ModelView, width: f64, height: f64, theme: &Theme) -> Scene {
        match self {
            View::Matrix => matrix::scene(model, width, height, theme),
            View::Stack => stack::scene(model, width, height, theme),
            View::Graph => graph::scene(model, width, height, theme),
            View::Bars => bars::scene(model, width, height, theme),
            View::Hidden => hidden::scene(model, width, height, theme, hidden::Rotation::default()),
            View::Loss => loss::scene(model, width, height, theme),
        }
    }
}

/// Text sizes in CSS pixels.
pub const TITLE: f64 = 13.0;
pub const LABEL: f64 = 11.0;

/// A view's title at the top left.
pub fn title(scene: &mut Scene, text: &str, theme: &Theme) {
    scene.text(8.0, 6.0, text, TITLE, HAlign::Left, VAlign::Top, theme.text);
}

/// A note in the middle of an empty view (e.g. "hidden space needs m = 2 or 3").
pub fn note(scene: &mut Scene, text: &str, theme: &Theme) {
    let (w, h) = (scene.width, scene.height);
    scene.text(
        w / 2.0,
        h / 2.0,
        text,
        LABEL + 1.0,
        HAlign::Center,
        VAlign::Middle,
        theme.muted,
    );
}

/// A step between labelled indices so that labels `spacing` px apart stay at least `min_gap` px apart:
/// 1, 2, 5, 10, 20, 50, …
pub fn label_step(spacing: f64, min_gap: f64) -> usize {
    let mut step = 1usize;
    for k in [1usize, 2, 5].iter().cycle().scan(1usize, |decade, &k| {
        let v = k * *decade;
        if k == 5 {
            *decade *= 10;
        }
        Some(v)
    }) {
        step = k;
        if spacing * k as f64 >= min_gap || k > 1_000_000 {
            break;
        }
    }
    step
}

/// Round tick values covering [lo, hi]: about `count` of them at 1, 2 or 5 × 10^k.
pub fn nice_ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    if hi.is_nan() || lo.is_nan() || hi <= lo || !lo.is_finite() || !hi.is_finite() {
        return vec![lo];
    }
    let raw = (hi - lo) / count.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|k| k * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Short text for a tick value.
pub fn tick_text(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if (1e-3..1e5).contains(&a) {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{v:.0e}")
    }
}

/// A horizontal colour ramp with its end labels (a colour bar or a legend).
#[allow(clippy::too_many_arguments)]
pub fn colour_bar(
    scene: &mut Scene,
    x: f64,
    y: f64,
    width: f64,
    label_lo: &str,
    label_mid: &str,
    label_hi: &str,
    colour: impl Fn(f64) -> Rgba,
    theme: &Theme,
) {
    let steps = 24;
    for k in 0..steps {
        let t0 = k as f64 / steps as f64;
        let t1 = (k + 1) as f64 / steps as f64;
        scene.rect(
            x + t0 * width,
            y,
            x + t1 * width,
            y + 8.0,
            colour((t0 + t1) / 2.0),
            None,
        );
    }
    let ty = y + 10.0;
    scene.text(
        x,
        ty,
        label_lo,
        LABEL,
        HAlign::Left,
        VAlign::Top,
        theme.muted,
    );
    if !label_mid.is_empty() {
        scene.text(
            x + width / 2.0,
            ty,
            label_mid,
            LABEL,
            HAlign::Center,
            VAlign::Top,
            theme.muted,
        );
    }
    scene.text(
        x + width,
        ty,
        label_hi,
        LABEL,
        HAlign::Right,
        VAlign::Top,
        theme.muted,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_and_label_steps_are_round() {
        assert_eq!(
            nice_ticks(0.0, 1.0, 5),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        assert_eq!(nice_ticks(0.0, 10_000.0, 4), vec![0.0, 5000.0, 10000.0]);
        assert_eq!(
            nice_ticks(0.0, 10_000.0, 5),
            vec![0.0, 2000.0, 4000.0, 6000.0, 8000.0, 10000.0]
        );
        assert_eq!(label_step(20.0, 12.0), 1);
        assert_eq!(label_step(3.0, 14.0), 5);
        assert_eq!(label_step(1.0, 14.0), 20);
        assert_eq!(tick_text(0.25), "0.25");
        assert_eq!(tick_text(2000.0), "2000");
    }

    #[test]
    fn loss_buckets_cover_every_step() {
        let h: Vec<f32> = (0..1000).map(|k| k as f32).collect();
        let b = bucket_losses(&h);
        assert!(b.len() <= LOSS_POINTS);
        assert_eq!(b.last().unwrap().0, 1000);
        assert_eq!(b[0], (2, 0.5));
        assert!(bucket_losses(&[]).is_empty());
    }
}

#[cfg(test)]
mod highlight_tests {
    use super::*;
    use crate::core::config::{Config, ModelKind};
    use crate::core::model::Model;

    #[test]
    fn a_highlighted_feature_or_neuron_is_outlined_in_every_view() {
        let config = Config {
            model: ModelKind::Abs,
            n: 6,
            m: 4,
            ..Config::default()
        };
        let model = Model::new(&config);
        let params = model.init(1);
        let mut view = ModelView::from_weights(&Weights::new(&model, &params), 0.1);
        let frames = |v: &ModelView, which: View| {
            let scene = which.scene(v, 500.0, 300.0, &Theme::LIGHT);
            scene
                .items
                .iter()
                .filter(|it| matches!(it.shape, Shape::Frame { .. }) && it.tag.is_none())
                .count()
        };
        let plain: Vec<usize> = View::ALL.iter().map(|&w| frames(&view, w)).collect();
        view.highlight = Some(Highlight::Neuron(2));
        for which in [View::Stack, View::Matrix, View::Graph] {
            let k = View::ALL.iter().position(|&w| w == which).unwrap();
            assert!(
                frames(&view, which) > plain[k],
                "{which:?} outlines neuron 2"
            );
        }
        view.highlight = Some(Highlight::Feature(1));
        for which in [View::Stack, View::Matrix, View::Graph, View::Bars] {
            let k = View::ALL.iter().position(|&w| w == which).unwrap();
            assert!(
                frames(&view, which) > plain[k],
                "{which:?} outlines feature 1"
            );
        }
    }
}
