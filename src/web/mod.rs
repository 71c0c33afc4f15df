//! The JavaScript API of the wasm build: a `Run` the page (or Node) creates from settings text and
//! steps. Everything stays in Rust; JS only calls `step` and reads results.

use wasm_bindgen::prelude::*;

use crate::app::api;
use crate::app::export::run_json;
use crate::app::link::Link;
use crate::core::config::Config;
use crate::core::rng::fresh_seed;
use crate::core::training::Trainer;
use crate::views::hidden::Rotation;
use crate::views::scene::to_svg;
use crate::views::{
    dimensionality, hidden, sweep, Highlight, ModelView, Scene, Shape, Theme, View,
};
use plotters_canvas::CanvasBackend;
use wasm_bindgen::Clamped;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

#[wasm_bindgen]
pub struct Run {
    trainer: Trainer,
}

#[wasm_bindgen]
impl Run {
    /// A run from settings text `key=value&…` (the keys of `tms help`; missing keys take defaults).
    #[wasm_bindgen(constructor)]
    pub fn new(settings: &str) -> Result<Run, JsError> {
        let config = Config::from_text(settings).map_err(|e| JsError::new(&e))?;
        Ok(Run {
            trainer: Trainer::new(config).map_err(|e| JsError::new(&e))?,
        })
    }

    /// Runs k steps; returns the last loss.
    pub fn step(&mut self, k: u32) -> f32 {
        self.trainer.step(k as u64)
    }

    /// Back to the exact initial weights of the same seed.
    pub fn reset(&mut self) {
        self.trainer.reset();
    }

    /// Goes to exactly `step` (back through snapshots or forward by training).
    pub fn seek(&mut self, step: f64) {
        self.trainer.seek(step.max(0.0) as u64);
    }

    /// Goes back to the nearest snapshot at or before `step`, without training: the engine then
    /// replays to `step` in slices.
    pub fn restore(&mut self, step: f64) {
        self.trainer.restore(step.max(0.0) as u64);
    }

    /// Draws a fresh seed, starts over from it, and returns it.
    pub fn new_seed(&mut self) -> u32 {
        let seed = fresh_seed();
        let config = Config {
            seed,
            ..self.trainer.config().clone()
        };
        self.trainer = Trainer::new(config).expect("only the seed changed");
        seed
    }

    #[wasm_bindgen(getter)]
    pub fn step_count(&self) -> f64 {
        self.trainer.step_count() as f64
    }

    /// The last step's loss (NaN before any step): cheaper than copying the history every frame.
    #[wasm_bindgen(getter)]
    pub fn last_loss(&self) -> f32 {
        self.trainer.last_loss()
    }

    /// The step at which training diverged (non-finite loss or weights), or −1.
    #[wasm_bindgen(getter)]
    pub fn diverged(&self) -> f64 {
        self.trainer.diverged().map_or(-1.0, |s| s as f64)
    }

    /// What happened and what to do when training diverged; empty otherwise.
    pub fn divergence_message(&self) -> String {
        self.trainer.divergence_message().unwrap_or_default()
    }

    #[wasm_bindgen(getter)]
    pub fn settings(&self) -> String {
        self.trainer.config().to_text()
    }

    /// The flat parameter vector `[W or W₁ | W₂ᵀ | b | b_h]`.
    pub fn params(&self) -> Vec<f32> {
        self.trainer.params().to_vec()
    }

    pub fn loss_history(&self) -> Vec<f32> {
        self.trainer.loss_history().to_vec()
    }

    /// FNV-1a fingerprint of the weights' bits, as 16 hex digits (the same as `tms train` prints).
    pub fn fingerprint(&self) -> String {
        self.trainer.fingerprint()
    }

    /// The JSON export (`tms train --json` format).
    pub fn export_json(&self) -> String {
        run_json(&self.trainer).to_string()
    }

    /// The share-link fragment (without '#') of this run at its current step, showing `view`.
    pub fn fragment(&self, view_id: &str) -> Result<String, JsError> {
        Ok(Link {
            sweep: None,
            config: self.trainer.config().clone(),
            step: self.trainer.step_count(),
            view: view(view_id)?,
        }
        .to_fragment())
    }

    /// The loss on a sweep's fixed evaluation batch (8,192 rows drawn from `eval_seed`, the sweep's base
    /// seed): how restarts are ranked, as `tms sweep` ranks them.
    pub fn eval_loss(&mut self, eval_seed: u32) -> f32 {
        let batch = crate::core::training::eval_batch(
            self.trainer.config(),
            crate::core::sweep::EVAL_ROWS,
            eval_seed,
        );
        self.trainer.loss_on(&batch)
    }

    /// The weights and metrics at this step, for drawing every view of one frame.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            model: ModelView::of(&self.trainer),
        }
    }

    /// The same as [`Run::snapshot`] in a compact binary form, for a training worker to send to the page
    /// ([`Snapshot::from_bytes`] reads it).
    pub fn view_bytes(&self) -> Vec<u8> {
        ModelView::of(&self.trainer).to_bytes()
    }

    /// The learning dynamics as CSV (what `tms train --trace FILE.csv` writes).
    pub fn trace_csv(&self) -> String {
        self.trainer.trace().to_csv()
    }

    /// The furthest step trained: the end of the timeline (`step_count` is the step shown).
    #[wasm_bindgen(getter)]
    pub fn frontier(&self) -> f64 {
        self.trainer.frontier() as f64
    }

    /// The step budget.
    #[wasm_bindgen(getter)]
    pub fn budget(&self) -> f64 {
        self.trainer.config().steps as f64
    }

    /// Raises the step budget (a constant learning rate continues exactly; Err explains otherwise).
    pub fn extend_budget(&mut self, steps: f64) -> Result<(), JsError> {
        self.trainer
            .extend_budget(steps.max(0.0) as u64)
            .map_err(|e| JsError::new(&e))
    }

    /// Memory the timeline keeps (snapshots), in bytes, and the most a seek replays, in steps.
    #[wasm_bindgen(getter)]
    pub fn snapshot_bytes(&self) -> f64 {
        self.trainer.snapshot_bytes() as f64
    }

    #[wasm_bindgen(getter)]
    pub fn snapshot_interval(&self) -> f64 {
        self.trainer.snapshot_interval() as f64
    }

    /// The estimated cost of one step in nanoseconds (the gate's model), for pacing and time estimates.
    #[wasm_bindgen(getter)]
    pub fn step_ns(&self) -> f64 {
        crate::core::cost::step_ns(self.trainer.config())
    }
}

fn theme(name: &str) -> Result<Theme, JsError> {
    Theme::named(name)
        .ok_or_else(|| JsError::new(&format!("unknown theme '{name}'; allowed light, dark")))
}

/// Sizes the canvas's pixels to its CSS box × devicePixelRatio and draws the scene crisply on it.
fn paint(
    canvas: HtmlCanvasElement,
    dpr: f64,
    layout: impl FnOnce(f64, f64) -> Scene,
    background: crate::views::Rgba,
) -> Result<(), JsError> {
    let dpr = if dpr.is_finite() {
        dpr.clamp(0.5, 4.0)
    } else {
        1.0
    };
    let (w, h) = (
        canvas.client_width().max(1) as f64,
        canvas.client_height().max(1) as f64,
    );
    let (pw, ph) = ((w * dpr).round() as u32, (h * dpr).round() as u32);
    if canvas.width() != pw {
        canvas.set_width(pw);
    }
    if canvas.height() != ph {
        canvas.set_height(ph);
    }
    let scene = layout(w, h);
    let context = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok());
    let mut backend = CanvasBackend::with_canvas_object(canvas)
        .ok_or_else(|| JsError::new("the canvas has no 2d context"))?;
    let mut grids = |shape: &Shape| {
        context
            .as_ref()
            .is_some_and(|ctx| paint_grid(ctx, shape, dpr))
    };
    scene
        .draw_on(&mut backend, dpr, background, &mut grids)
        .map_err(|e| JsError::new(&format!("drawing failed: {e}")))
}

/// Paints a heatmap grid as one image, a pixel per cell, scaled up without smoothing: thousands of
/// cells cost one draw instead of one fill each. False (draw it cell by cell) if anything is missing.
fn paint_grid(ctx: &CanvasRenderingContext2d, shape: &Shape, scale: f64) -> bool {
    let Shape::Grid {
        x0,
        y0,
        x1,
        y1,
        cols,
        rows,
        colours,
    } = shape
    else {
        return false;
    };
    let rgba: Vec<u8> = colours
        .iter()
        .flat_map(|c| [c.r, c.g, c.b, (c.a * 255.0).round() as u8])
        .collect();
    let Ok(image) =
        ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba), *cols as u32, *rows as u32)
    else {
        return false;
    };
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    let Some(cells) = document
        .create_element("canvas")
        .ok()
        .and_then(|e| e.dyn_into::<HtmlCanvasElement>().ok())
    else {
        return false;
    };
    cells.set_width(*cols as u32);
    cells.set_height(*rows as u32);
    let Some(cells_ctx) = cells
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
    else {
        return false;
    };
    if cells_ctx.put_image_data(&image, 0.0, 0.0).is_err() {
        return false;
    }
    ctx.set_image_smoothing_enabled(false);
    let (x, y) = ((x0 * scale).round(), (y0 * scale).round());
    let (w, h) = ((x1 * scale).round() - x, (y1 * scale).round() - y);
    ctx.draw_image_with_html_canvas_element_and_dw_and_dh(&cells, x, y, w, h)
        .is_ok()
}

fn view(id: &str) -> Result<View, JsError> {
    View::from_id(id).ok_or_else(|| {
        JsError::new(&format!(
            "unknown view '{id}'; allowed matrix, stack, graph, bars, hidden, loss"
        ))
    })
}

/// One model at one step, as the views draw it.
#[wasm_bindgen]
#[derive(Clone)]
pub struct Snapshot {
    model: ModelView,
}

#[wasm_bindgen]
impl Snapshot {
    /// A snapshot sent by a training worker ([`Run::view_bytes`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Snapshot, JsError> {
        Ok(Snapshot {
            model: ModelView::from_bytes(bytes).map_err(|e| JsError::new(&e))?,
        })
    }

    /// The step this snapshot shows.
    #[wasm_bindgen(getter)]
    pub fn step(&self) -> f64 {
        self.model.step as f64
    }

    /// Names this model's panel in a sweep's small multiples ("I = 0.9^i").
    pub fn set_label(&mut self, label: &str) {
        self.model.label = Some(label.chars().take(60).collect());
    }

    /// Marks feature or neuron `index` in every view drawn from this snapshot (`kind` "feature" or
    /// "neuron"; anything else clears the mark). Indices past the model's size mark nothing.
    pub fn set_highlight(&mut self, kind: &str, index: u32) {
        let index = index as usize;
        self.model.highlight = match kind {
            "feature" if index < self.model.n => Some(Highlight::Feature(index)),
            "neuron" if index < self.model.m => Some(Highlight::Neuron(index)),
            _ => None,
        };
    }

    /// Draws `view` on the canvas at its CSS size × `dpr`. `yaw` and `pitch` turn the m = 3 hidden space.
    pub fn draw(
        &self,
        canvas: HtmlCanvasElement,
        view_id: &str,
        theme_id: &str,
        dpr: f64,
        yaw: f64,
        pitch: f64,
    ) -> Result<(), JsError> {
        let (v, t) = (view(view_id)?, theme(theme_id)?);
        paint(
            canvas,
            dpr,
            |w, h| match v {
                View::Hidden => hidden::scene(&self.model, w, h, &t, Rotation { yaw, pitch }),
                _ => v.scene(&self.model, w, h, &t),
            },
            t.background,
        )
    }

    /// What is under (x, y) (CSS pixels) in `view` drawn at `width` × `height`, in plain words; empty
    /// when nothing is.
    pub fn pick(
        &self,
        view_id: &str,
        width: f64,
        height: f64,
        x: f64,
        y: f64,
    ) -> Result<String, JsError> {
        let scene = view(view_id)?.scene(&self.model, width, height, &Theme::LIGHT);
        Ok(scene
            .pick(x, y)
            .first()
            .map(|t| t.describe())
            .unwrap_or_default())
    }

    /// The step of the loss curve at x in `view` (the loss view is the timeline's scrubber): the
    /// curve's point nearest the pointer's column, or −1 when x is outside the curve.
    pub fn step_at(
        &self,
        view_id: &str,
        width: f64,
        height: f64,
        x: f64,
        _y: f64,
    ) -> Result<f64, JsError> {
        let scene = view(view_id)?.scene(&self.model, width, height, &Theme::LIGHT);
        let mut y = 0.0;
        while y < height {
            for tag in scene.pick(x, y) {
                if let crate::views::Tag::Loss { step, .. } = tag {
                    return Ok(*step as f64);
                }
            }
            y += 3.0;
        }
        Ok(-1.0)
    }

    /// The feature or neuron line under (x, y) in the dynamics view, as "feature 3" / "neuron 2", or
    /// empty.
    pub fn series_at(
        &self,
        view_id: &str,
        width: f64,
        height: f64,
        x: f64,
        y: f64,
    ) -> Result<String, JsError> {
        let scene = view(view_id)?.scene(&self.model, width, height, &Theme::LIGHT);
        Ok(scene
            .pick(x, y)
            .into_iter()
            .find_map(|t| match t {
                crate::views::Tag::Series { kind, index, .. } => Some(format!("{kind} {index}")),
                _ => None,
            })
            .unwrap_or_default())
    }

    /// The view as an SVG document.
    pub fn svg(
        &self,
        view_id: &str,
        width: f64,
        height: f64,
        theme_id: &str,
    ) -> Result<String, JsError> {
        let t = theme(theme_id)?;
        Ok(to_svg(
            &view(view_id)?.scene(&self.model, width, height, &t),
            t.background,
        ))
    }
}

/// Several models side by side: a sweep's small multiples and its dimensionality figure.
#[wasm_bindgen]
#[derive(Default)]
pub struct Panels {
    models: Vec<ModelView>,
}

#[wasm_bindgen]
impl Panels {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Panels {
        Panels::default()
    }

    pub fn add(&mut self, snapshot: &Snapshot) {
        self.models.push(snapshot.model.clone());
    }

    #[wasm_bindgen(getter)]
    pub fn len(&self) -> usize {
        self.models.len()
    }

    #[wasm_bindgen(getter)]
    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    /// `view` is a single-model view (one panel per model) or "dimensionality".
    pub fn draw(
        &self,
        canvas: HtmlCanvasElement,
        view_id: &str,
        theme_id: &str,
        dpr: f64,
    ) -> Result<(), JsError> {
        let t = theme(theme_id)?;
        let layout = self.layout(view_id, &t)?;
        paint(canvas, dpr, layout, t.background)
    }

    /// The panel under (x, y) in the small multiples, or −1.
    pub fn panel_at(
        &self,
        view_id: &str,
        width: f64,
        height: f64,
        x: f64,
        y: f64,
    ) -> Result<i32, JsError> {
        let scene = self.layout(view_id, &Theme::LIGHT)?(width, height);
        let panel = scene.pick(x, y).into_iter().find_map(|t| match t {
            crate::views::Tag::Panel { index, .. } => Some(*index as i32),
            _ => None,
        });
        Ok(panel.unwrap_or(-1))
    }

    /// Replaces panel `index` (or appends it) so a sweep can update its panels as workers report.
    pub fn set(&mut self, index: usize, snapshot: &Snapshot) {
        if index < self.models.len() {
            self.models[index] = snapshot.model.clone();
        } else {
            self.models.push(snapshot.model.clone());
        }
    }

    pub fn pick(
        &self,
        view_id: &str,
        width: f64,
        height: f64,
        x: f64,
        y: f64,
    ) -> Result<String, JsError> {
        let scene = self.layout(view_id, &Theme::LIGHT)?(width, height);
        Ok(scene
            .pick(x, y)
            .first()
            .map(|t| t.describe())
            .unwrap_or_default())
    }

    fn layout<'a>(
        &'a self,
        view_id: &str,
        t: &'a Theme,
    ) -> Result<impl FnOnce(f64, f64) -> Scene + 'a, JsError> {
        let v = if view_id == "dimensionality" {
            None
        } else {
            Some(view(view_id)?)
        };
        Ok(move |w, h| match v {
            None => dimensionality::scene(&self.models, w, h, t),
            Some(v) => sweep::scene(&self.models, v, w, h, t),
        })
    }
}

static LAST_PANIC: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// Called once when the module starts: a Rust panic is kept in words (message and place) so the page
/// can show it, instead of an opaque "unreachable" trap.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = info.to_string();
        }
    }));
}

/// The last panic's message and place ("panicked at src/…: …"), or empty. After a panic the module
/// must be reloaded; the page shows this and keeps the user's settings in its link.
#[wasm_bindgen]
pub fn last_panic() -> String {
    LAST_PANIC.lock().map(|s| s.clone()).unwrap_or_default()
}

/// Panics on purpose, so tests can check that a crash inside the trainer is reported in words.
#[wasm_bindgen]
pub fn simulate_panic() {
    panic!("a simulated internal error (simulate_panic was called)");
}

/// Reads a share-link fragment: JSON of [`api::LinkInfo`] (`{settings, step, view, fragment, notices:
/// [{key, text}], sweep, budget}`).
#[wasm_bindgen]
pub fn parse_link(fragment: &str) -> String {
    json(&api::link_info(fragment))
}

/// The fragment of a run (settings text, step shown, large view), written by the link writer.
#[wasm_bindgen]
pub fn fragment_of(settings: &str, step: f64, view: &str) -> String {
    api::fragment_of(settings, step.max(0.0) as u64, view)
}

/// The settings form's fields as typed, read as a link: JSON of [`api::LinkInfo`].
#[wasm_bindgen]
pub fn form_link(current: &str, keys: Vec<String>, values: Vec<String>, view: &str) -> String {
    json(&api::form_link(current, &keys, &values, view))
}

/// What is wrong with a field's text, quoting it as typed; empty when it is taken as written.
#[wasm_bindgen]
pub fn setting_problem(key: &str, text: &str) -> String {
    api::setting_problem(key, text)
}

/// The id of the preset a link's run is, or empty.
#[wasm_bindgen]
pub fn preset_matching(fragment: &str) -> String {
    api::preset_matching(fragment).unwrap_or_default()
}

/// A sweep around a run, from the sweep form's text as typed (read back by the link reader).
#[wasm_bindgen]
pub fn sweep_fragment(base: &str, axis: &str, values: &str, restarts: &str) -> String {
    api::sweep_fragment(base, axis, values, restarts)
}

/// The runs of a sweep link: JSON of [`api::SweepPlan`] (`{jobs: [{settings, group, restart, label,
/// value, fragment}], until, eval_seed, fragment, view, notices}`).
#[wasm_bindgen]
pub fn sweep_plan(fragment: &str) -> String {
    json(&api::sweep_plan(fragment))
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serialises")
}

/// A snapshot of weights trained elsewhere (a sweep's worker): the run's settings, its flat parameters,
/// its step and loss history.
#[wasm_bindgen]
pub fn snapshot_of(
    settings: &str,
    params: &[f32],
    step: f64,
    losses: &[f32],
) -> Result<Snapshot, JsError> {
    let config = Config::from_text(settings).map_err(|e| JsError::new(&e))?;
    let model = crate::core::model::Model::new(&config);
    if params.len() != model.layout().len {
        return Err(JsError::new(&format!(
            "{} parameters given; this model has {}",
            params.len(),
            model.layout().len
        )));
    }
    let mut view = ModelView::from_weights(
        &crate::core::model::Weights::new(&model, params),
        config.density[0],
    );
    view.step = step.max(0.0) as u64;
    view.loss = crate::views::bucket_losses(losses);
    Ok(Snapshot { model: view })
}

/// Reads embed mode's query string: JSON of [`api::EmbedInfo`] (`{embed, controls, views, autoplay,
/// notices}`; `embed` false when the page is not embedded).
#[wasm_bindgen]
pub fn parse_embed(query: &str) -> String {
    json(&api::embed_info(query))
}

/// The declared settings, for the page to build its form from: JSON of [`api::SettingInfo`]s
/// (`[{key, meaning, help, range, default, control: {kind, …}}]`).
#[wasm_bindgen]
pub fn settings_schema() -> String {
    json(&api::settings_schema())
}

/// The paper's configurations and sweeps: JSON of [`api::PresetInfo`]s (`[{id, group, label, look_for,
/// fragment, sweep}]`).
#[wasm_bindgen]
pub fn presets() -> String {
    json(&api::presets())
}

/// The `tms bench` cases as JSON `[{name, settings, steps}]`, so the wasm benchmark times the same work.
#[wasm_bindgen]
pub fn bench_cases() -> String {
    json(&api::bench_cases())
}
