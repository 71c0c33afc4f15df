//! The JavaScript API of the wasm build: a `Run` the page (or Node) creates from settings text and
//! steps. Everything stays in Rust; JS only calls `step` and reads results.

use wasm_bindgen::prelude::*;

mod restarts;
pub use restarts::{restart_lanes, Restarts};

use crate::app::api;
use crate::app::export::run_json;
use crate::app::link::Link;
use crate::app::readout;
use crate::core::config::Config;
use crate::core::rng::fresh_seed;
use crate::core::training::Trainer;
use crate::views::hidden::Rotation;
use crate::views::scene::{to_svg, Item, Metadata, Pixels, Raster, Shortcuts, TextMode};
use crate::views::{
    dimensionality, phase, sweep, Highlight, ModelView, Opts, Scene, Shape, Theme, View,
};
use plotters_canvas::CanvasBackend;
use wasm_bindgen::Clamped;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

#[wasm_bindgen]
pub struct Run {
    trainer: Trainer,
    /// A view of an earlier step whose feature metrics are being computed ([`Run::begin_view`]).
    pending: Option<(ModelView, crate::core::metrics::FeatureWork)>,
}

impl Run {
    /// A run around a trainer built elsewhere (a restart group's kept run, imported weights).
    pub(crate) fn of(trainer: Trainer) -> Run {
        Run {
            trainer,
            pending: None,
        }
    }
}

#[wasm_bindgen]
impl Run {
    /// A run from settings text `key=value&…` (the keys of `tms help`; missing keys take defaults).
    #[wasm_bindgen(constructor)]
    pub fn new(settings: &str) -> Result<Run, JsError> {
        let config = Config::from_text(settings).map_err(|e| JsError::new(&e))?;
        Ok(Run {
            trainer: Trainer::new(config).map_err(|e| JsError::new(&e))?,
            pending: None,
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

    /// Goes to the nearest known state at or before `step` (the shown step or a snapshot, back or
    /// forward), without training: the engine then replays to `step` in slices.
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
            probe: None,
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

    /// [`Run::view_bytes`] in parts, for a large model: takes the view of this step, whose feature
    /// metrics (n·m·min(n, m) multiply-adds) [`Run::view_work`] then computes a slice at a time while
    /// training goes on.
    pub fn begin_view(&mut self) {
        let mut work = None;
        let view = ModelView::of_with(&self.trainer, |w, n, m| {
            work = Some(crate::core::metrics::FeatureWork::new(w, n, m));
            crate::core::metrics::FeatureMetrics {
                norms: vec![],
                superposition: vec![],
                dimensionality: vec![],
                dims_per_feature: 0.0,
            }
        });
        self.pending = work.map(|work| (view, work));
    }

    /// Does about `amount` multiply-adds of the begun view's metrics; true when it is ready.
    pub fn view_work(&mut self, amount: f64) -> bool {
        self.pending
            .as_mut()
            .is_none_or(|(_, work)| work.advance(amount))
    }

    /// The begun view's bytes (finishing its metrics first); empty when none was begun.
    pub fn take_view_bytes(&mut self) -> Vec<u8> {
        match self.pending.take() {
            Some((mut view, work)) => {
                view.features = work.finish();
                view.to_bytes()
            }
            None => vec![],
        }
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
    Drawing::new(&canvas, dpr, layout, background).paint(canvas)
}

/// A view laid out for a canvas and rasterised a part at a time (its runs of shapes that cost the
/// canvas most, `Scene::raster_runs`), then painted at once: the page spreads a large view's
/// rasterising over several of its thread's tasks and touches the canvas only when all is ready, so
/// the canvas shows the previous drawing until the new one is whole.
#[wasm_bindgen]
pub struct Drawing {
    scene: Scene,
    dpr: f64,
    /// The canvas's pixels (its CSS box × dpr when laid out).
    pixels: (u32, u32),
    background: crate::views::Rgba,
    runs: Vec<std::ops::Range<usize>>,
    /// The images of the runs rasterised so far, in order (None: the run covers no pixel).
    done: Vec<Option<Pixels>>,
    /// The run under way (the next one after `done`).
    current: Option<Raster>,
}

impl Drawing {
    fn new(
        canvas: &HtmlCanvasElement,
        dpr: f64,
        layout: impl FnOnce(f64, f64) -> Scene,
        background: crate::views::Rgba,
    ) -> Drawing {
        let dpr = if dpr.is_finite() {
            dpr.clamp(0.5, 4.0)
        } else {
            1.0
        };
        let (w, h) = (
            canvas.client_width().max(1) as f64,
            canvas.client_height().max(1) as f64,
        );
        let scene = layout(w, h);
        let runs = scene.raster_runs();
        Drawing {
            scene,
            dpr,
            pixels: ((w * dpr).round() as u32, (h * dpr).round() as u32),
            background,
            runs,
            done: Vec::new(),
            current: None,
        }
    }

    /// Rasterises the next band of the runs; true once every run is done.
    fn band(&mut self) -> bool {
        let Some(range) = self.runs.get(self.done.len()).cloned() else {
            return true;
        };
        let device = self.scene.device(self.dpr);
        if self.current.is_none() {
            self.current = Raster::new(&self.scene.items[range], self.dpr, device);
            if self.current.is_none() {
                self.done.push(None);
                return self.done.len() == self.runs.len();
            }
        }
        let raster = self.current.as_mut().expect("a run under way");
        if raster.band() {
            let raster = self.current.take().expect("a run under way");
            self.done.push(Some(raster.finish()));
        }
        self.done.len() == self.runs.len()
    }
}

#[wasm_bindgen]
impl Drawing {
    /// Rasterises for about `budget_ms` milliseconds (at least one band); true once all is done and
    /// `paint` costs only the canvas's calls.
    pub fn work(&mut self, budget_ms: f64) -> bool {
        let start = js_sys::Date::now();
        loop {
            if self.band() {
                return true;
            }
            if js_sys::Date::now() - start >= budget_ms {
                return false;
            }
        }
    }

    /// Paints the drawing on `canvas` (rasterising what is left first), its pixels sized as when it
    /// was laid out.
    pub fn paint(mut self, canvas: HtmlCanvasElement) -> Result<(), JsError> {
        while !self.band() {}
        let (pw, ph) = self.pixels;
        if canvas.width() != pw {
            canvas.set_width(pw);
        }
        if canvas.height() != ph {
            canvas.set_height(ph);
        }
        let context = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok());
        let mut backend = CanvasBackend::with_canvas_object(canvas)
            .ok_or_else(|| JsError::new("the canvas has no 2d context"))?;
        let mut fast = CanvasShortcuts {
            context,
            scale: self.dpr,
            images: std::mem::take(&mut self.done),
        };
        self.scene
            .draw_on(
                &mut backend,
                self.dpr,
                self.background,
                TextMode::Canvas,
                &mut fast,
            )
            .map_err(|e| JsError::new(&format!("drawing failed: {e}")))
    }
}

/// The canvas paints heatmaps and runs of rectangles as one image each: thousands of cells or
/// rectangles cost one draw (and one rasterised image in the browser's commit) instead of a fill each.
struct CanvasShortcuts {
    context: Option<CanvasRenderingContext2d>,
    scale: f64,
    /// The scene's runs, rasterised (`Drawing`).
    images: Vec<Option<Pixels>>,
}

impl Shortcuts for CanvasShortcuts {
    /// A pixel per cell, scaled up without smoothing.
    fn grid(&mut self, shape: &Shape) -> bool {
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
        let scale = self.scale;
        let (x, y) = ((x0 * scale).round(), (y0 * scale).round());
        let (w, h) = ((x1 * scale).round() - x, (y1 * scale).round() - y);
        self.image(&rgba, *cols as u32, *rows as u32, (x, y, w, h))
    }

    fn takes_pixels(&self) -> bool {
        self.context.is_some()
    }

    /// Device pixels as they are.
    fn pixels(&mut self, p: &Pixels) -> bool {
        let at = (p.x as f64, p.y as f64, p.width as f64, p.height as f64);
        self.image(&p.rgba, p.width, p.height, at)
    }

    /// The run as `Drawing` rasterised it (every run, before it paints; None: it covers no pixel).
    fn run(&mut self, index: usize, _items: &[Item], _scale: f64, _device: (i32, i32)) -> bool {
        match self.images.get_mut(index).and_then(Option::take) {
            Some(px) => self.pixels(&px),
            None => true,
        }
    }
}

thread_local! {
    /// The canvas images are put on before they are drawn (kept: one canvas, not one per image).
    static STAGING: std::cell::RefCell<Option<(HtmlCanvasElement, CanvasRenderingContext2d)>> =
        const { std::cell::RefCell::new(None) };
}

impl CanvasShortcuts {
    /// Draws `cols` × `rows` RGBA pixels into the box (x, y, w, h) of device pixels, composited over
    /// what is drawn there. False if anything is missing (the caller then draws shape by shape).
    fn image(&self, rgba: &[u8], cols: u32, rows: u32, (x, y, w, h): (f64, f64, f64, f64)) -> bool {
        let Some(ctx) = &self.context else {
            return false;
        };
        let Ok(image) = ImageData::new_with_u8_clamped_array_and_sh(Clamped(rgba), cols, rows)
        else {
            return false;
        };
        STAGING.with(|staging| {
            let mut staging = staging.borrow_mut();
            if staging.is_none() {
                *staging = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.create_element("canvas").ok())
                    .and_then(|e| e.dyn_into::<HtmlCanvasElement>().ok())
                    .and_then(|c| {
                        let cx = c.get_context("2d").ok().flatten()?;
                        Some((c, cx.dyn_into::<CanvasRenderingContext2d>().ok()?))
                    });
            }
            let Some((cells, cells_ctx)) = staging.as_ref() else {
                return false;
            };
            // Setting a size clears the canvas; the same size is cleared by putting every pixel.
            if cells.width() != cols {
                cells.set_width(cols);
            }
            if cells.height() != rows {
                cells.set_height(rows);
            }
            if cells_ctx.put_image_data(&image, 0.0, 0.0).is_err() {
                return false;
            }
            ctx.set_image_smoothing_enabled(false);
            ctx.draw_image_with_html_canvas_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
                cells,
                0.0,
                0.0,
                cols as f64,
                rows as f64,
                x,
                y,
                w,
                h,
            )
            .is_ok()
        })
    }
}

fn view(id: &str) -> Result<View, JsError> {
    View::from_id(id).ok_or_else(|| {
        JsError::new(&format!(
            "unknown view '{id}'; allowed {}",
            View::ids_text()
        ))
    })
}

/// The options a single view is laid out with: the m = 3 rotation (NaN or missing: the default).
fn rotated(yaw: f64, pitch: f64) -> Opts {
    Opts {
        rotation: Rotation::or_default(yaw, pitch),
        ..Opts::default()
    }
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

    /// The run's counts in words, as `tms train` prints them: neurons by class (hidden-layer models)
    /// and features computed (`abs`) or represented.
    pub fn readout(&self) -> String {
        crate::app::report::readout(&self.model)
    }

    /// The step this snapshot shows.
    #[wasm_bindgen(getter)]
    pub fn step(&self) -> f64 {
        self.model.step as f64
    }

    /// Names this model's panel in a sweep's small multiples ("Iᵢ = 0.9ⁱ").
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

    /// Pushes input `x` through this snapshot's model (read for it: n values in its input range) and
    /// keeps it, so the graph view colours its nodes by value and the stack plot outlines the neurons
    /// it fires: JSON of [`readout::ProbeInfo`] (`{x, z, h, o, out, target, active, notices}`).
    pub fn set_probe(&mut self, x: &[f32]) -> String {
        let info = readout::probe_view(&self.model, x);
        self.model.probe = Some(info.activations.clone());
        json(&info)
    }

    /// Stops showing the probe's input in the views.
    pub fn clear_probe(&mut self) {
        self.model.probe = None;
    }

    /// The readout of neuron or output `index` (`kind` "neuron" or "output") for the probe's input (all
    /// zeros when none is set): JSON of [`readout::ReadoutInfo`] (`{name, equation, numbers, note, text,
    /// terms, value, …}`); Err says which readout does not exist.
    pub fn readout_of(&self, kind: &str, index: u32) -> Result<String, JsError> {
        let x = self
            .model
            .probe
            .as_ref()
            .map_or_else(|| vec![0.0; self.model.n], |p| p.x.clone());
        readout::readout_view(&self.model, kind, index as usize, &x)
            .map(|r| json(&r))
            .map_err(|e| JsError::new(&e))
    }

    /// The named geometry: JSON of [`crate::core::geometry::Geometry`] (`{arrangement: {name, badge,
    /// reason, parts, …} | null, no_arrangement, graph: {components, edges, …}}`).
    pub fn geometry(&self) -> String {
        json(&api::geometry_of(&self.model))
    }

    /// A row of this model's data (the first non-empty of a few drawn from `seed`), for the probe.
    pub fn batch_row(&self, seed: u32) -> Vec<f32> {
        let config = Config::from_text(&self.model.settings).unwrap_or_else(|_| Config {
            model: self.model.kind,
            n: self.model.n,
            m: self.model.m,
            density: vec![self.model.density],
            ..Config::default()
        });
        crate::core::probe::batch_row(&config, seed)
    }

    /// The neuron, output or feature under (x, y) in `view` as "neuron 3", "output 2", "feature 1", or
    /// empty: what a click selects for the readout.
    #[allow(clippy::too_many_arguments)]
    pub fn target_at(
        &self,
        view_id: &str,
        width: f64,
        height: f64,
        x: f64,
        y: f64,
        yaw: f64,
        pitch: f64,
    ) -> Result<String, JsError> {
        use crate::views::Tag;
        let scene = self.hit_scene(view_id, width, height, yaw, pitch)?;
        let tags = scene.pick(x, y);
        let found = tags.iter().find_map(|t| match t {
            Tag::Node { kind, index } if *kind == "output" => Some(format!("output {index}")),
            Tag::Node { kind, index } if *kind == "feature" => Some(format!("feature {index}")),
            Tag::Node { index, .. } => Some(format!("neuron {index}")),
            Tag::Weight { neuron, .. } | Tag::Rest { neuron, .. } => {
                Some(format!("neuron {neuron}"))
            }
            Tag::Neuron(r) => Some(format!("neuron {}", r.neuron)),
            Tag::Feature { feature, .. } | Tag::Arrow { feature, .. } => {
                Some(format!("feature {feature}"))
            }
            _ => None,
        });
        Ok(found.unwrap_or_default())
    }

    /// Draws `view` on the canvas at its CSS size × `dpr`. `yaw` and `pitch` turn the m = 3 hidden space.
    /// (Drawing on a canvas the page does not show, with `theme` "light", is how the page exports a PNG
    /// in the light theme whatever the screen's theme.)
    pub fn draw(
        &self,
        canvas: HtmlCanvasElement,
        view_id: &str,
        theme_id: &str,
        dpr: f64,
        yaw: f64,
        pitch: f64,
    ) -> Result<(), JsError> {
        self.prepare(&canvas, view_id, theme_id, dpr, yaw, pitch)?
            .paint(canvas)
    }

    /// `view` laid out for the canvas's CSS size × `dpr`, not yet painted (as `draw`): the page
    /// rasterises it with `Drawing::work` over several tasks, then paints it with `Drawing::paint`.
    pub fn prepare(
        &self,
        canvas: &HtmlCanvasElement,
        view_id: &str,
        theme_id: &str,
        dpr: f64,
        yaw: f64,
        pitch: f64,
    ) -> Result<Drawing, JsError> {
        let (v, t) = (view(view_id)?, theme(theme_id)?);
        let opts = rotated(yaw, pitch);
        Ok(Drawing::new(
            canvas,
            dpr,
            |w, h| v.scene_with(&self.model, w, h, &t, &opts),
            t.background,
        ))
    }

    /// What is under (x, y) (CSS pixels) in `view` drawn at `width` × `height` with the m = 3 view turned
    /// by `yaw` and `pitch` (as drawn; missing: the default rotation), in plain words; empty when
    /// nothing is.
    #[allow(clippy::too_many_arguments)]
    pub fn pick(
        &self,
        view_id: &str,
        width: f64,
        height: f64,
        x: f64,
        y: f64,
        yaw: f64,
        pitch: f64,
    ) -> Result<String, JsError> {
        let scene = self.hit_scene(view_id, width, height, yaw, pitch)?;
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
                    return Ok(step as f64);
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

    /// The view as an SVG document in `theme` ("light" or "dark"), the m = 3 view turned by `yaw` and
    /// `pitch`, with the run's settings, step, fingerprint and share link in its metadata.
    #[allow(clippy::too_many_arguments)]
    pub fn svg(
        &self,
        view_id: &str,
        width: f64,
        height: f64,
        theme_id: &str,
        yaw: f64,
        pitch: f64,
    ) -> Result<String, JsError> {
        let (v, t) = (view(view_id)?, theme(theme_id)?);
        let scene = v.scene_with(&self.model, width, height, &t, &rotated(yaw, pitch));
        Ok(to_svg(
            &scene,
            t.background,
            Some(&self.metadata(v, theme_id)),
        ))
    }

    /// A file name that says what an export is: `tms-abs-n100-m40-p0.03-step3000-stack-light.png`.
    pub fn file_name(&self, view_id: &str, theme_id: &str, ext: &str) -> Result<String, JsError> {
        let (v, _) = (view(view_id)?, theme(theme_id)?);
        Ok(self.model.file_name(v.id(), theme_id, ext))
    }
}

impl Snapshot {
    /// `view` laid out as drawn at `width` × `height` with the m = 3 view turned by `yaw` and `pitch`:
    /// what hover and click ask what is under the pointer (colours do not matter to that).
    fn hit_scene(
        &self,
        view_id: &str,
        width: f64,
        height: f64,
        yaw: f64,
        pitch: f64,
    ) -> Result<Scene, JsError> {
        Ok(view(view_id)?.scene_with(
            &self.model,
            width,
            height,
            &Theme::LIGHT,
            &rotated(yaw, pitch),
        ))
    }

    fn metadata(&self, v: View, theme_id: &str) -> Metadata {
        let m = &self.model;
        let link = Config::from_text(&m.settings)
            .map(|config| {
                Link {
                    sweep: None,
                    config,
                    step: m.step,
                    view: v,
                    probe: None,
                }
                .to_fragment()
            })
            .unwrap_or_default();
        Metadata {
            title: m.export_title(v),
            settings: m.settings.clone(),
            step: m.step,
            fingerprint: m.fingerprint(),
            view: v.id().into(),
            theme: theme_id.into(),
            link,
        }
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

    /// `view` is a single-model view (one panel per model), "dimensionality" or "phase".
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
            crate::views::Tag::Panel { index, .. } => Some(index as i32),
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

    /// The figure `view` (as `draw` takes it) as an SVG document.
    pub fn svg(
        &self,
        view_id: &str,
        width: f64,
        height: f64,
        theme_id: &str,
    ) -> Result<String, JsError> {
        let t = theme(theme_id)?;
        let scene = self.layout(view_id, &t)?(width, height);
        Ok(to_svg(&scene, t.background, None))
    }

    fn layout<'a>(
        &'a self,
        view_id: &str,
        t: &'a Theme,
    ) -> Result<impl FnOnce(f64, f64) -> Scene + 'a, JsError> {
        // The sweep-level figures by name; any other name is a single-model view, one panel per model.
        let figures = [crate::views::DIMENSIONALITY.0, crate::views::PHASE.0];
        let v = if figures.contains(&view_id) {
            None
        } else {
            Some(View::from_id(view_id).ok_or_else(|| {
                JsError::new(&format!(
                    "unknown view '{view_id}'; allowed {}, {}",
                    View::ids_text(),
                    figures.join(", ")
                ))
            })?)
        };
        let phase = view_id == crate::views::PHASE.0;
        Ok(move |w, h| match v {
            None if phase => phase::scene(&self.models, w, h, t),
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

/// `fragment` with the input probe set to `x` (read for its model), written by the link writer.
#[wasm_bindgen]
pub fn probe_fragment(fragment: &str, x: &[f32]) -> String {
    api::probe_fragment(fragment, x)
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

/// The work of a sweep link: JSON of [`api::SweepPlan`] (`{values: [{settings, label, value}],
/// restarts, jobs: [{value, first, count}], until, eval_seed, estimate_seconds, ask_above_seconds,
/// fragment, view, notices}`).
#[wasm_bindgen]
pub fn sweep_plan(fragment: &str) -> String {
    json(&api::sweep_plan(fragment))
}

/// The sweep form's bounds, as JSON `{values, restarts, runs}`: what a link of this version accepts.
#[wasm_bindgen]
pub fn sweep_limits() -> String {
    json(&api::sweep_limits())
}

/// Which restart of a sweep's setting to keep: JSON of [`api::RestartChoice`] (`{best, eval_loss, agree,
/// of, agree_within}`) for the restarts' evaluation losses in seed order.
#[wasm_bindgen]
pub fn restart_choice(eval_losses: Vec<f32>) -> String {
    json(&api::restart_choice(&eval_losses))
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
    view.settings = config.to_text();
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

// Weights in and out (src/app/weights.rs): the page's export buttons and its file picker / drop.

#[wasm_bindgen]
impl Run {
    /// The current weights as a file's bytes: `format` "safetensors" or "npz" (the notebook's names
    /// and shapes, the run's config, step and fingerprint in the metadata), or "json" (the JSON
    /// export's UTF-8 text). The same bytes `tms train --save` writes for the same run and step.
    pub fn export(&self, format: &str) -> Result<Vec<u8>, JsError> {
        let f = crate::app::weights::Format::from_id(format).ok_or_else(|| {
            JsError::new(&format!(
                "unknown format '{format}'; allowed safetensors, npz, json"
            ))
        })?;
        Ok(crate::app::weights::export(&self.trainer, f))
    }
}

/// Weights read from a file: a new [`Run`] whose step 0 is them, with what was read in one line and
/// any notices. Take the run with `take_run()` (once).
#[wasm_bindgen]
pub struct ImportedWeights {
    run: Option<Run>,
    description: String,
    notices: Vec<String>,
}

#[wasm_bindgen]
impl ImportedWeights {
    /// "W [10, 5, 2], b_final [10, 5]: instance 3 of 10, n = 5, m = 2, relu-output assumed; set the
    /// model if it is another".
    #[wasm_bindgen(getter)]
    pub fn description(&self) -> String {
        self.description.clone()
    }

    /// What was converted, assumed or adjusted, as a JSON list of strings.
    #[wasm_bindgen(getter)]
    pub fn notices(&self) -> String {
        json(&self.notices)
    }

    /// The run (fresh AdamW state; batches from its settings' seed). Errors if already taken.
    pub fn take_run(&mut self) -> Result<Run, JsError> {
        self.run
            .take()
            .ok_or_else(|| JsError::new("the imported run was already taken"))
    }
}

/// Reads weights from a file's bytes (.safetensors, .npz or the JSON export; `file_name` picks the
/// format by its extension). `instance`: which model of a file with an instance dimension (undefined:
/// 0). `model`: the model the weights are for ("" lets the file decide; a tied W is taken for
/// relu-output). `settings`: settings text for everything the weights do not fix (the page's form,
/// to train on with other settings; "" uses the file's own settings, or the defaults). Files up to
/// 2 MiB ([`crate::app::weights::Limits::PAGE`]: reading stays under ~50 ms). A bad file is an error
/// in words and changes nothing: the page keeps its current run.
#[wasm_bindgen]
pub fn import_weights(
    bytes: &[u8],
    file_name: &str,
    instance: Option<u32>,
    model: &str,
    settings: &str,
) -> Result<ImportedWeights, JsError> {
    use crate::app::weights::{fit_for_page, import_within, Choice, Limits};
    use crate::core::config::ModelKind;
    let model = match model {
        "" => None,
        id => Some(ModelKind::from_id(id).ok_or_else(|| {
            JsError::new(&format!(
                "unknown model '{id}'; allowed linear, relu-output, relu-hidden, abs"
            ))
        })?),
    };
    let base = match settings {
        "" => None,
        text => Some(Config::from_text(text).map_err(|e| JsError::new(&e))?),
    };
    let choice = Choice {
        instance: instance.map(|k| k as usize),
        model,
    };
    let read =
        import_within(bytes, file_name, &choice, &Limits::PAGE).map_err(|e| JsError::new(&e))?;
    let (mut config, mut notices) = read.config(base.as_ref());
    notices.splice(0..0, read.notices.iter().cloned());
    notices.extend(fit_for_page(&mut config).map_err(|e| JsError::new(&e))?);
    let trainer = Trainer::from_params(config, read.params).map_err(|e| JsError::new(&e))?;
    Ok(ImportedWeights {
        run: Some(Run {
            trainer,
            pending: None,
        }),
        description: read.description,
        notices,
    })
}

/// The views for a run's settings, from the one table in `src/views/mod.rs`, for the page's menus,
/// captions and layout:
/// `{model, n, m, ids, views: [{id, name, caption, formula, sweepable, min_m, max_m, available, reason}],
/// order: [id…], sweep_views: [id…], sweep_figures: [{id, name, caption, formula}]}`. `views` lists
/// every view in the table's order with this model's caption and formula; `available` is false (and
/// `reason` says why) when it cannot be drawn at this m; `order` is the default order of the available
/// ones (the first is the large view); `sweep_views` are those a sweep's panels can show.
#[wasm_bindgen]
pub fn views_schema(settings: &str) -> Result<String, JsError> {
    let config = Config::from_text(settings).map_err(|e| JsError::new(&e))?;
    Ok(json(&crate::views::schema(
        config.model,
        config.n,
        config.m,
    )))
}
