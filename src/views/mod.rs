//! The paper's views, drawn from live weights (docs/science.md, "The figures").
//!
//! Each view lays out a [`Scene`] from a [`ModelView`] at a size in CSS pixels; the scene draws on any
//! plotters backend (the page's canvas, SVG, PNG) and answers what is under a point.

pub mod bars;
#[cfg(test)]
mod checks;
pub mod dimensionality;
pub mod dynamics;
pub mod graph;
pub mod hidden;
pub mod legend;
pub mod loss;
pub mod matrix;
pub mod palette;
pub mod phase;
pub mod scene;
pub mod stack;
pub mod sweep;
pub mod text;

use crate::core::config::ModelKind;

/// The largest m the settings allow (the views' upper bound when they have none of their own).
const M_MAX: usize = crate::core::settings::M_MAX as usize;
use crate::core::metrics::{self, FeatureMetrics, Neuron};
use crate::core::model::Weights;
use crate::core::trace::Trace;
use crate::core::training::Trainer;
pub use legend::Key;
pub use palette::{Rgba, Theme};
pub use scene::{HAlign, Scene, Shape, Tag, VAlign};

/// Everything the views need to know about one model at one step.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
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
    /// The run's settings text (`key=value&…`), for exports; empty when unknown.
    pub settings: String,
    /// The furthest step trained (the timeline's end; `step` is the one shown).
    pub frontier: u64,
    /// The learning dynamics up to the frontier (empty for a sweep's panels).
    pub trace: Trace,
    /// One input pushed through this model (the page's input probe): the graph view colours its
    /// nodes by value and the stack plot outlines the neurons it fires. Set by the page, never sent.
    #[serde(skip)]
    pub probe: Option<crate::core::probe::Activations>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
        ModelView::of_with(trainer, metrics::features)
    }

    /// [`ModelView::of`] with the feature metrics from `features(W, n, m)` (the page's engine returns
    /// placeholders there and computes them a part at a time, see `metrics::FeatureWork`).
    pub fn of_with(
        trainer: &Trainer,
        features: impl FnOnce(&[f32], usize, usize) -> FeatureMetrics,
    ) -> ModelView {
        let w = trainer.weights();
        let mut view = ModelView::from_weights_with(&w, trainer.config().density[0], features);
        view.step = trainer.step_count();
        view.frontier = trainer.frontier();
        view.loss = bucket_losses(trainer.loss_history());
        view.settings = trainer.config().to_text();
        view.trace = trainer.trace().clone();
        view
    }

    pub fn from_weights(weights: &Weights, density: f32) -> ModelView {
        ModelView::from_weights_with(weights, density, metrics::features)
    }

    fn from_weights_with(
        weights: &Weights,
        density: f32,
        features: impl FnOnce(&[f32], usize, usize) -> FeatureMetrics,
    ) -> ModelView {
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
            features: features(weights.w(), n, m),
            neurons: metrics::neurons_of(weights),
            step: 0,
            loss: vec![],
            highlight: None,
            label: None,
            settings: String::new(),
            frontier: 0,
            trace: Trace::default(),
            probe: None,
        }
    }

    /// The fingerprint of the weights as `tms train` prints it (FNV-1a over the parameters' bits in
    /// their flat order W | W₂ᵀ | b | b_h), computed from the copy the views hold.
    pub fn fingerprint(&self) -> String {
        let parts = [
            Some(&self.w[..]),
            self.w2_t.as_deref(),
            Some(&self.b[..]),
            self.b_h.as_deref(),
        ];
        format!(
            "{:016x}",
            crate::core::kernels::fingerprint(parts.into_iter().flatten())
        )
    }

    /// What the hidden units are called in this model: neurons when h has a ReLU, hidden dimensions
    /// otherwise (no privileged basis).
    pub fn unit(&self) -> &'static str {
        if self.kind.hidden_relu() {
            "neuron"
        } else {
            "hidden dimension"
        }
    }

    /// The name of the first matrix: W, or W₁ for `abs`.
    pub fn w_name(&self) -> &'static str {
        if self.w2_t.is_some() {
            "W₁"
        } else {
            "W"
        }
    }

    /// A one-line title for an exported figure: "tms-explorer: stack plot of abs n=3 m=6 at step 3000".
    pub fn export_title(&self, view: View) -> String {
        format!(
            "tms-explorer: {} of {} n={} m={} at step {}",
            view.spec().name,
            self.kind.id(),
            self.n,
            self.m,
            self.step
        )
    }

    /// A file name that says what an exported figure is: `tms-abs-n100-m40-p0.03-step3000-stack-light.svg`.
    pub fn file_name(&self, view: &str, theme: &str, ext: &str) -> String {
        let clean = |s: &str| -> String {
            s.chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
                .collect()
        };
        format!(
            "tms-{}-n{}-m{}-p{}-step{}-{}-{}.{}",
            self.kind.id(),
            self.n,
            self.m,
            self.density,
            self.step,
            clean(view),
            clean(theme),
            clean(ext)
        )
    }

    /// The view in a compact binary form (postcard), to send from a training worker to the page.
    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("a model view serialises")
    }

    /// Reads [`ModelView::to_bytes`]; Err when the bytes are not a view.
    pub fn from_bytes(bytes: &[u8]) -> Result<ModelView, String> {
        postcard::from_bytes(bytes).map_err(|e| format!("not a model view: {e}"))
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
    Dynamics,
}

/// One view as the page's menus, captions and the link parser know it. Per-model columns are in the
/// order of `MODEL_COLUMNS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ViewSpec {
    pub view: View,
    /// The link's and the API's name.
    pub id: &'static str,
    /// The menus' name.
    pub name: &'static str,
    /// What the figure shows, in a sentence, per model.
    pub caption: [&'static str; 4],
    /// The equation behind the figure, per model, in the model's own notation.
    pub formula: [&'static str; 4],
    /// Place in the default order of the page's views, per model (0 first).
    pub order: [u8; 4],
    /// Whether a sweep can show it as small multiples.
    pub sweepable: bool,
    /// The hidden sizes it can be drawn for.
    pub min_m: usize,
    pub max_m: usize,
}

/// The models in the order of `ViewSpec`'s per-model columns.
pub const MODEL_COLUMNS: [ModelKind; 4] = [
    ModelKind::Linear,
    ModelKind::ReluOutput,
    ModelKind::ReluHidden,
    ModelKind::Abs,
];

fn column(kind: ModelKind) -> usize {
    MODEL_COLUMNS.iter().position(|&k| k == kind).unwrap_or(0)
}

const NO_RELU_READS: &str =
    "What each hidden dimension reads: its row of W, stacked by feature (h has \
                             no ReLU here, so its basis is not privileged).";
const BARS_CAPTION: &str =
    "How strongly each feature is represented (‖Wᵢ‖), and how much it shares \
                            its direction with the others (superposition).";
const HIDDEN_CAPTION: &str =
    "Each feature's direction Wᵢ in the hidden space (m = 2, or 3: drag to \
                              turn).";
const LOSS_CAPTION: &str =
    "The training loss on each step's batch, log scale; click to show that step.";
const DYNAMICS_CAPTION: &str =
    "How features and neurons changed over training; click a line to mark it \
                                in every view, click elsewhere to show that step.";

/// The views: the one place their names, captions, formulas and order are written.
pub const VIEWS: [ViewSpec; 7] = [
    ViewSpec {
        view: View::Matrix,
        id: "matrix",
        name: "matrix",
        caption: [
            "The weights themselves, red positive, blue negative; WᵀW shows how features interfere, \
             b is the output bias.",
            "The weights themselves, red positive, blue negative; WᵀW shows how features interfere, \
             b is the output bias.",
            "The weights themselves, red positive, blue negative; WᵀW shows how features interfere, \
             b is the output bias.",
            "The weights themselves, red positive, blue negative: W₁ into the neurons, W₂ out of them.",
        ],
        formula: [
            "Wᵀ, WᵀW and b: x′ = WᵀW x + b",
            "Wᵀ, WᵀW and b: x′ = ReLU(WᵀW x + b)",
            "Wᵀ, WᵀW and b: x′ = ReLU(Wᵀ ReLU(W x) + b)",
            "W₁ᵀ and W₂: y′ = ReLU(W₂ ReLU(W₁ x) + b)",
        ],
        order: [1, 1, 1, 1],
        sweepable: true,
        min_m: 1,
        max_m: M_MAX,
    },
    ViewSpec {
        view: View::Stack,
        id: "stack",
        name: "stack plot",
        caption: [
            NO_RELU_READS,
            NO_RELU_READS,
            "What each neuron reads: its row of W, stacked by feature.",
            "What each neuron reads: its row of W₁, stacked by feature.",
        ],
        formula: [
            "h = W x (no ReLU): column j stacks row j of W",
            "h = W x (no ReLU on h); x′ = ReLU(Wᵀh + b)",
            "h = ReLU(W x): neuron j stacks row j of W",
            "h = ReLU(W₁ x): neuron j stacks row j of W₁, rescaled so its largest |w| is 1",
        ],
        order: [4, 4, 0, 0],
        sweepable: true,
        min_m: 1,
        max_m: M_MAX,
    },
    ViewSpec {
        view: View::Graph,
        id: "graph",
        name: "graph",
        caption: [
            "The network as a graph, features → hidden → outputs; edge width ∝ |w|, colour by sign.",
            "The network as a graph, features → hidden → outputs; edge width ∝ |w|, colour by sign.",
            "The network as a graph, features → neurons → outputs; edge width ∝ |w|, colour by sign.",
            "The network as a graph, features → neurons → outputs; edge width ∝ |w|, colour by sign.",
        ],
        formula: [
            "x → W → h → Wᵀ → x′ = Wᵀh + b",
            "x → W → h → Wᵀ → x′ = ReLU(Wᵀh + b)",
            "x → W → h = ReLU(W x) → Wᵀ → x′ = ReLU(Wᵀh + b)",
            "x → W₁ → h = ReLU(W₁ x) → W₂ → y′ = ReLU(W₂h + b)",
        ],
        order: [5, 5, 2, 2],
        sweepable: false,
        min_m: 1,
        max_m: M_MAX,
    },
    ViewSpec {
        view: View::Bars,
        id: "bars",
        name: "feature norms",
        caption: [BARS_CAPTION; 4],
        formula: [
            "‖Wᵢ‖, Wᵢ = column i of W; superposition Σⱼ (Ŵᵢ·Wⱼ)² over j ≠ i",
            "‖Wᵢ‖, Wᵢ = column i of W; superposition Σⱼ (Ŵᵢ·Wⱼ)² over j ≠ i",
            "‖Wᵢ‖, Wᵢ = column i of W; superposition Σⱼ (Ŵᵢ·Wⱼ)² over j ≠ i",
            "‖Wᵢ‖, Wᵢ = column i of W₁; superposition Σⱼ (Ŵᵢ·Wⱼ)² over j ≠ i",
        ],
        order: [0, 0, 3, 3],
        sweepable: true,
        min_m: 1,
        max_m: M_MAX,
    },
    ViewSpec {
        view: View::Hidden,
        id: "hidden",
        name: "hidden space",
        caption: [HIDDEN_CAPTION; 4],
        formula: [
            "Wᵢ = column i of W, an m-vector",
            "Wᵢ = column i of W, an m-vector",
            "Wᵢ = column i of W, an m-vector",
            "Wᵢ = column i of W₁, an m-vector",
        ],
        order: [2, 2, 6, 6],
        sweepable: true,
        min_m: 2,
        max_m: 3,
    },
    ViewSpec {
        view: View::Loss,
        id: "loss",
        name: "loss",
        caption: [LOSS_CAPTION; 4],
        formula: [
            "L = mean over batch and i of Iᵢ (xᵢ − x′ᵢ)²",
            "L = mean over batch and i of Iᵢ (xᵢ − x′ᵢ)²",
            "L = mean over batch and i of Iᵢ (xᵢ − x′ᵢ)²",
            "L = mean over batch and i of Iᵢ (|xᵢ| − y′ᵢ)²",
        ],
        order: [6, 6, 5, 5],
        sweepable: false,
        min_m: 1,
        max_m: M_MAX,
    },
    ViewSpec {
        view: View::Dynamics,
        id: "dynamics",
        name: "learning dynamics",
        caption: [DYNAMICS_CAPTION; 4],
        formula: [
            "Dᵢ = ‖Wᵢ‖² / Σⱼ (Ŵᵢ·Wⱼ)² over the steps",
            "Dᵢ = ‖Wᵢ‖² / Σⱼ (Ŵᵢ·Wⱼ)² over the steps",
            "Dᵢ = ‖Wᵢ‖² / Σⱼ (Ŵᵢ·Wⱼ)²; each neuron's max|w|/‖w‖, over the steps",
            "y′ᵢ for x = ±eᵢ (1: |xᵢ| computed); each neuron's max|w|/‖w‖, over the steps",
        ],
        order: [3, 3, 4, 4],
        sweepable: false,
        min_m: 1,
        max_m: M_MAX,
    },
];

/// The length of the views' ids joined by `sep`.
const fn joined_len(sep: &str) -> usize {
    let mut len = 0;
    let mut k = 0;
    while k < VIEWS.len() {
        len += VIEWS[k].id.len();
        k += 1;
    }
    len + sep.len() * (VIEWS.len() - 1)
}

/// The views' ids joined by `sep`, at compile time (so static help texts can hold them too).
const fn joined<const N: usize>(sep: &str) -> [u8; N] {
    let mut out = [0u8; N];
    let (mut at, mut k) = (0, 0);
    while k < VIEWS.len() {
        if k > 0 {
            let mut b = 0;
            while b < sep.len() {
                out[at] = sep.as_bytes()[b];
                at += 1;
                b += 1;
            }
        }
        let id = VIEWS[k].id.as_bytes();
        let mut b = 0;
        while b < id.len() {
            out[at] = id[b];
            at += 1;
            b += 1;
        }
        k += 1;
    }
    out
}

const IDS_COMMA: [u8; joined_len(", ")] = joined(", ");
const IDS_BAR: [u8; joined_len("|")] = joined("|");

/// "matrix, stack, graph, bars, hidden, loss, dynamics": the views' ids as messages list them.
pub const VIEW_IDS: &str = match std::str::from_utf8(&IDS_COMMA) {
    Ok(s) => s,
    Err(_) => panic!("view ids are UTF-8"),
};

/// "matrix|stack|…": the views' ids as a flag's placeholder (`--view matrix|stack|…`).
pub const VIEW_CHOICES: &str = match std::str::from_utf8(&IDS_BAR) {
    Ok(s) => s,
    Err(_) => panic!("view ids are UTF-8"),
};

/// The sweep-only figure, named like a view so the page can list it beside the panels' views.
pub const DIMENSIONALITY: (&str, &str, &str, &str) = (
    "dimensionality",
    "dimensionality",
    "Each feature's dimensionality at each sparsity, and the dimensions per feature the model uses.",
    "Dᵢ = ‖Wᵢ‖² / Σⱼ (Ŵᵢ·Wⱼ)²; D* = m / Σᵢ ‖Wᵢ‖²",
);

/// The neuron phase-change figure (docs/science.md, "The neuron phase change"), for sweeps of the
/// hidden-layer models.
pub const PHASE: (&str, &str, &str, &str) = (
    "phase",
    "neuron phase change",
    "The neuron phase change: each setting's neurons, monosemantic (one feature holds more than 0.99 of its weights' norm), polysemantic, or dead (no input can move an output through it), against 1/(1−S); for abs, also the features computed (output i within 0.2 of |xᵢ| for x = ±eᵢ).",
    "monosemantic: max|wⱼ| / ‖wⱼ‖ > 0.99; dead: input→output gain < 0.01",
);

/// The figures only a sweep draws, for a model of kind `kind`: the dimensionality figure always, the
/// phase change when neurons are a privileged basis.
pub fn sweep_figures(
    kind: ModelKind,
) -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    let mut figures = vec![DIMENSIONALITY];
    if kind.hidden_relu() {
        figures.push(PHASE);
    }
    figures
}

/// One view for the page (see `schema`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ViewInfo {
    pub id: String,
    pub name: String,
    pub caption: String,
    pub formula: String,
    pub sweepable: bool,
    pub min_m: usize,
    pub max_m: usize,
    /// Whether it can be drawn for this model; when not, `reason` says why.
    pub available: bool,
    pub reason: String,
}

/// A figure only a sweep draws (the dimensionality figure).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FigureInfo {
    pub id: String,
    pub name: String,
    pub caption: String,
    pub formula: String,
}

/// The views table for one model, as the page reads it (`views_schema` in src/web).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ViewsSchema {
    pub model: String,
    pub n: usize,
    pub m: usize,
    /// "matrix, stack, …", for messages.
    pub ids: String,
    /// Every view in the table's order, with this model's caption and formula.
    pub views: Vec<ViewInfo>,
    /// The available views in their default order for this model (the first is the large one).
    pub order: Vec<String>,
    /// The available views a sweep's panels can show, in that order.
    pub sweep_views: Vec<String>,
    pub sweep_figures: Vec<FigureInfo>,
}

/// The views table for a model of kind `kind` with `n` features and `m` hidden dimensions.
pub fn schema(kind: ModelKind, n: usize, m: usize) -> ViewsSchema {
    let order = View::default_order(kind, m);
    ViewsSchema {
        model: kind.id().into(),
        n,
        m,
        ids: View::ids_text(),
        views: VIEWS
            .iter()
            .map(|s| {
                let reason = s.reason(m);
                ViewInfo {
                    id: s.id.into(),
                    name: s.name.into(),
                    caption: s.caption(kind).into(),
                    formula: s.formula(kind).into(),
                    sweepable: s.sweepable,
                    min_m: s.min_m,
                    max_m: s.max_m,
                    available: reason.is_none(),
                    reason: reason.unwrap_or_default(),
                }
            })
            .collect(),
        sweep_views: order
            .iter()
            .filter(|v| v.spec().sweepable)
            .map(|v| v.id().into())
            .collect(),
        order: order.iter().map(|v| v.id().into()).collect(),
        sweep_figures: sweep_figures(kind)
            .into_iter()
            .map(|(id, name, caption, formula)| FigureInfo {
                id: id.into(),
                name: name.into(),
                caption: caption.into(),
                formula: formula.into(),
            })
            .collect(),
    }
}

impl ViewSpec {
    pub fn caption(&self, kind: ModelKind) -> &'static str {
        self.caption[column(kind)]
    }

    pub fn formula(&self, kind: ModelKind) -> &'static str {
        self.formula[column(kind)]
    }

    /// Why this view cannot be drawn for a model with `m` hidden dimensions, or None when it can.
    pub fn reason(&self, m: usize) -> Option<String> {
        if (self.min_m..=self.max_m).contains(&m) {
            return None;
        }
        let range = if self.max_m == self.min_m + 1 {
            format!("m = {} or {}", self.min_m, self.max_m)
        } else if self.max_m >= M_MAX {
            format!("m ≥ {}", self.min_m)
        } else {
            format!("m = {} to {}", self.min_m, self.max_m)
        };
        Some(format!(
            "the {} is drawn for {range} (this model has m = {m})",
            self.name
        ))
    }
}

impl View {
    pub const ALL: [View; VIEWS.len()] = {
        let mut all = [View::Matrix; VIEWS.len()];
        let mut k = 0;
        while k < VIEWS.len() {
            all[k] = VIEWS[k].view;
            k += 1;
        }
        all
    };

    pub fn spec(self) -> &'static ViewSpec {
        VIEWS
            .iter()
            .find(|s| s.view == self)
            .expect("every view is in VIEWS")
    }

    pub fn id(self) -> &'static str {
        self.spec().id
    }

    pub fn from_id(id: &str) -> Option<View> {
        VIEWS.iter().find(|s| s.id == id).map(|s| s.view)
    }

    /// "matrix, stack, graph, …": for messages that list the allowed views.
    pub fn ids_text() -> String {
        VIEW_IDS.to_string()
    }

    /// The views the page shows for a model, in their default order, leaving out those that cannot be
    /// drawn at this `m`.
    pub fn default_order(kind: ModelKind, m: usize) -> Vec<View> {
        let mut specs: Vec<&ViewSpec> = VIEWS.iter().filter(|s| s.reason(m).is_none()).collect();
        specs.sort_by_key(|s| s.order[column(kind)]);
        specs.into_iter().map(|s| s.view).collect()
    }

    /// Lays the view out at `width` × `height` CSS pixels.
    pub fn scene(self, model: &ModelView, width: f64, height: f64, theme: &Theme) -> Scene {
        self.scene_with(model, width, height, theme, &Opts::default())
    }

    /// Lays the view out with options (the m = 3 rotation; as a sweep's panel).
    pub fn scene_with(
        self,
        model: &ModelView,
        width: f64,
        height: f64,
        theme: &Theme,
        opts: &Opts,
    ) -> Scene {
        if let Some(reason) = self.spec().reason(model.m) {
            let mut scene = Scene::new(width, height);
            let ty = TypeScale::of(width, height);
            if !opts.panel {
                let name = self.spec().name;
                let capital = name[..1].to_uppercase() + &name[1..];
                title(&mut scene, &[&capital], ty, theme);
            }
            note(&mut scene, &reason, ty, theme);
            return scene;
        }
        match self {
            View::Matrix => matrix::scene(model, width, height, theme, opts),
            View::Stack => stack::scene(model, width, height, theme, opts),
            View::Graph => graph::scene(model, width, height, theme, opts),
            View::Bars => bars::scene(model, width, height, theme, opts),
            View::Hidden => hidden::scene(model, width, height, theme, opts),
            View::Loss => loss::scene(model, width, height, theme, opts),
            View::Dynamics => dynamics::scene(model, width, height, theme, opts),
        }
    }

    /// The legend a view draws for `models` (a sweep draws it once for all of its panels).
    pub fn legend(self, models: &[ModelView], theme: &Theme, opts: &Opts) -> Vec<Key> {
        let Some(first) = models.first() else {
            return vec![];
        };
        match self {
            View::Matrix => matrix::legend(first, theme, &matrix::Scales::of(models)),
            View::Stack => stack::legend(first, theme),
            View::Graph => graph::legend(first, theme, None),
            View::Bars => bars::legend(first, theme),
            View::Hidden => hidden::legend(models, theme, opts),
            View::Loss => vec![],
            View::Dynamics => dynamics::legend(first, theme),
        }
    }
}

/// How a view is laid out besides its size and theme.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Opts {
    /// The m = 3 hidden space's view direction.
    pub rotation: hidden::Rotation,
    /// A sweep's panel: no title and no legend of its own (the sweep draws one for all panels).
    pub panel: bool,
    /// Colour scales shared by a sweep's matrix panels (else each matrix scales to its own largest).
    pub scales: Option<matrix::Scales>,
}

/// Text sizes in CSS px: labels and titles.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TypeScale {
    pub label: f64,
    pub title: f64,
}

/// The smallest label and title at the page's normal sizes (a figure of at least 320 × 240).
pub const LABEL: f64 = 12.0;
pub const TITLE: f64 = 13.0;

impl TypeScale {
    /// The type for a figure of `width` × `height`: 12/13 px from 320 × 240 up, 13/15 px for large
    /// figures, and smaller (to 9/10 px) only in figures smaller than 320 × 240 (sweep panels, tiny
    /// embeds).
    pub fn of(width: f64, height: f64) -> TypeScale {
        let k = (width / 320.0).min(height / 240.0);
        // NaN sizes (a canvas not laid out yet) take the normal type.
        if k >= 1.0 || k.is_nan() {
            if width >= 720.0 && height >= 450.0 {
                TypeScale {
                    label: LABEL + 1.0,
                    title: TITLE + 2.0,
                }
            } else {
                TypeScale {
                    label: LABEL,
                    title: TITLE,
                }
            }
        } else {
            let half = |v: f64| (v * 2.0).floor() / 2.0;
            TypeScale {
                label: half((LABEL * k).max(9.0)),
                title: half((TITLE * k).max(10.0)),
            }
        }
    }
}

/// The margin around every figure's content.
pub const PAD: f64 = 6.0;

/// A view's title at the top left: the first of `choices` that fits the width. Returns the y below it.
pub fn title(scene: &mut Scene, choices: &[&str], ty: TypeScale, theme: &Theme) -> f64 {
    let text = text::fit(choices, ty.title, scene.width - 2.0 * PAD);
    let text = text::ellipsize(text, ty.title, scene.width - 2.0 * PAD);
    scene.text(
        PAD,
        PAD,
        text,
        ty.title,
        HAlign::Left,
        VAlign::Top,
        theme.text,
    );
    PAD + text::height(ty.title) + 2.0
}

/// The title (unless the view is a sweep's panel) and the legend (likewise); returns the y where the
/// plot may start.
pub fn header(
    scene: &mut Scene,
    titles: &[&str],
    keys: &[Key],
    ty: TypeScale,
    theme: &Theme,
    opts: &Opts,
) -> f64 {
    if opts.panel {
        return PAD;
    }
    let y = title(scene, titles, ty, theme);
    if keys.is_empty() {
        return y + 2.0;
    }
    legend::draw(
        scene,
        keys,
        PAD,
        y,
        scene.width - 2.0 * PAD,
        ty.label,
        theme,
    ) + 4.0
}

/// The y where the plot starts below `header` (for views that size their plot before drawing it).
pub fn header_height(keys: &[Key], ty: TypeScale, width: f64, opts: &Opts) -> f64 {
    if opts.panel {
        return PAD;
    }
    let y = PAD + text::height(ty.title) + 2.0;
    if keys.is_empty() {
        return y + 2.0;
    }
    y + legend::height(keys, width - 2.0 * PAD, ty.label) + 4.0
}

/// A note in the middle of an empty view (e.g. "the hidden space is drawn for m = 2 or 3"), wrapped to
/// the figure's width.
pub fn note(scene: &mut Scene, text: &str, ty: TypeScale, theme: &Theme) {
    let (w, h) = (scene.width, scene.height);
    let lines = text::wrap(text, ty.label, w - 2.0 * PAD);
    let line_h = text::height(ty.label) + 1.0;
    let top = (h / 2.0 - line_h * lines.len() as f64 / 2.0).max(PAD + text::height(ty.title) + 4.0);
    for (k, line) in lines.iter().enumerate() {
        let line = text::ellipsize(line, ty.label, w - 2.0 * PAD);
        scene.try_text(
            w / 2.0,
            top + line_h * (k as f64 + 0.5),
            line,
            ty.label,
            HAlign::Center,
            VAlign::Middle,
            theme.muted,
        );
    }
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
    let step = nice_step(lo, hi, count);
    if step == 0.0 {
        return vec![lo];
    }
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// The tick spacing `nice_ticks` uses (0 for an empty or non-finite range).
pub fn nice_step(lo: f64, hi: f64, count: usize) -> f64 {
    if hi.is_nan() || lo.is_nan() || hi <= lo || !lo.is_finite() || !hi.is_finite() {
        return 0.0;
    }
    let raw = (hi - lo) / count.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|k| k * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}

/// [lo, hi] widened outward to whole tick steps, so an axis holds every value it shows.
pub fn nice_range(lo: f64, hi: f64, count: usize) -> (f64, f64) {
    let step = nice_step(lo, hi, count);
    if step == 0.0 {
        return (lo, hi);
    }
    (
        (lo / step - 1e-9).floor() * step,
        (hi / step + 1e-9).ceil() * step,
    )
}

/// Short text for a tick value, with a true minus sign.
pub fn tick_text(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    let s = if (1e-3..1e5).contains(&a) {
        let s = format!("{a:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        let e = a.log10().floor() as i32;
        let mantissa = a / 10f64.powi(e);
        if (mantissa - 1.0).abs() < 1e-9 {
            text::power_of_ten(e)
        } else {
            format!("{mantissa:.0}×{}", text::power_of_ten(e))
        }
    };
    if v < 0.0 {
        format!("−{s}")
    } else {
        s
    }
}

/// A value for a label: three significant digits, true minus sign.
pub fn value_text(v: f32) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs() as f64;
    let digits = if a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        3
    };
    let s = format!("{a:.digits$}");
    if v < 0.0 && a > 0.0 {
        format!("−{s}")
    } else {
        s
    }
}

/// Y-axis tick labels right-aligned at `x`, at `ticks` mapped through `y_of`; each is skipped if it
/// would collide with a text already placed.
pub fn y_tick_labels(
    scene: &mut Scene,
    ticks: &[f64],
    x: f64,
    y_of: impl Fn(f64) -> f64,
    size: f64,
    theme: &Theme,
) {
    for &t in ticks {
        let y = y_of(t);
        scene.line((x + 2.0, y), (x + 5.0, y), 1.0, theme.muted);
        scene.try_text(
            x,
            y,
            tick_text(t),
            size,
            HAlign::Right,
            VAlign::Middle,
            theme.muted,
        );
    }
}

/// Moves label positions apart until neighbours are at least `gap` apart, keeping them in [lo, hi] when
/// there is room (labels of close reference lines, e.g. 2/5 and 3/8). Returns the new positions in the
/// order given.
pub fn spread(positions: &[f64], gap: f64, lo: f64, hi: f64) -> Vec<f64> {
    let mut order: Vec<usize> = (0..positions.len()).collect();
    order.sort_by(|&a, &b| positions[a].total_cmp(&positions[b]));
    let mut ys: Vec<f64> = order.iter().map(|&k| positions[k]).collect();
    for k in 1..ys.len() {
        ys[k] = ys[k].max(ys[k - 1] + gap);
    }
    if let Some(last) = ys.last_mut() {
        *last = last.min(hi);
    }
    for k in (0..ys.len().saturating_sub(1)).rev() {
        ys[k] = ys[k].min(ys[k + 1] - gap);
    }
    if let Some(first) = ys.first() {
        if *first < lo {
            let shift = lo - first;
            ys.iter_mut().for_each(|y| *y += shift);
        }
    }
    let mut out = vec![0.0; positions.len()];
    for (k, &i) in order.iter().enumerate() {
        out[i] = ys[k];
    }
    out
}

/// The widest of `labels` at `size`.
pub fn widest<S: AsRef<str>>(labels: impl IntoIterator<Item = S>, size: f64) -> f64 {
    labels
        .into_iter()
        .map(|s| text::width(s.as_ref(), size))
        .fold(0.0, f64::max)
}

/// Index labels along a row of `count` slots starting at `x0`, `spacing` px apart, at height `y`:
/// every `step`-th, and only where they fit.
#[allow(clippy::too_many_arguments)]
pub fn index_labels(
    scene: &mut Scene,
    count: usize,
    x0: f64,
    spacing: f64,
    y: f64,
    size: f64,
    theme: &Theme,
    name: impl Fn(usize) -> usize,
) {
    let widest = text::width(&count.saturating_sub(1).to_string(), size);
    let step = label_step(spacing, widest + 2.0);
    for k in (0..count).step_by(step) {
        scene.try_text(
            x0 + (k as f64 + 0.5) * spacing,
            y,
            name(k).to_string(),
            size,
            HAlign::Center,
            VAlign::Top,
            theme.muted,
        );
    }
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
