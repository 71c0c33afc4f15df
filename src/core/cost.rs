//! What training and measuring a model cost, estimated from its shape: the one cost model behind the
//! browser's caps (`app::gate`), the trainer's snapshot spacing and the page's time estimates.
//!
//! Estimates are nanoseconds of the wasm build on a modest machine. The constants were measured: `tms
//! bench --costs` prints the estimate beside the measured time for a range of shapes, natively and in
//! wasm under Node. Before a long sweep the page scales its estimate to the machine it is on, by the
//! pace it trains [`speed_probe`] at against this model's time for it.
//! - a training step costs about [`OPTIMIZER_NS`] per parameter (AdamW, the per-batch transposes and
//!   gradient clearing) plus [`ROW_NS`] per weight per row of the batch (the forward and backward passes
//!   of a dense row; sparse rows cost less, so this is an upper bound);
//! - the feature metrics behind a redraw cost about [`METRICS_NS`] per multiply-add (superposition and
//!   dimensionality compare every feature with every other: n · m · min(n, m) multiply-adds).

use crate::core::config::{Config, ModelKind, Order};
use crate::core::model::Layout;

/// Per parameter per step (measured: 7–9 ns natively, 10–12 in wasm, at n = m = 1000).
pub const OPTIMIZER_NS: f64 = 12.0;
/// Per weight per batch row of a dense row, forward and backward (measured: abs n = 100, m = 40, dense:
/// 0.17 ns natively, 0.19 in wasm).
pub const ROW_NS: f64 = 0.3;
/// Per multiply-add of the feature metrics.
pub const METRICS_NS: f64 = 0.6;

/// A step of restarts trained together in vector lanes (`restarts.rs`) costs about this many single
/// steps of the model ([`restart_step_ns`]), however many of its lanes are in use (measured in Node's
/// wasm, four lanes of relu-hidden n = 10, m = 5, batch 1024 at the privileged-basis densities: 1.9 to
/// 3.0; natively 2.3).
pub const LANE_GROUP_STEPS: f64 = 2.5;
/// Per batch row of a training step, whatever the model's size: drawing the row and the per-row work
/// that a small model's step is made of, which [`step_ns`] (an upper bound for large models, and the
/// browser's caps) leaves out (measured in Node's wasm, relu-hidden n = 10, m = 5, batch 1024: 80 to
/// 310 ns a row from 1−S = 0.04 to 0.75, on a loaded machine).
pub const ROW_BASE_NS: f64 = 130.0;

/// Per batch row and per weight of a step of restarts in the lockstep order's lanes (`lockstep.rs`),
/// however many lanes are in use: every row is dense, so its cost is the row's draws and n · m
/// multiply-adds per layer, the same for every density (measured in the page's workers, four lanes of
/// relu-hidden n = 10, m = 5, batch 1024: 3.1 ns, on a quiet machine whose rows-order restarts ran at
/// 0.47 of their estimate; scaled by the same to a loaded machine, as the rows order's constants are).
pub const LOCKSTEP_ROW_NS: f64 = 5.0;

/// The work that measures a machine against this cost model (the page, before a long sweep starts):
/// restarts of the privileged-basis model in the lockstep order, one lane group of the page's width.
/// Its rows are dense, so a step costs the same at every step of training and the first tenth of a
/// second tells the rate of all 10,000; the rows order's cost follows the weights (a trained model's
/// rows are cheaper) and would not. The constants above were all scaled to one machine, so a machine's
/// pace on this work scales every estimate.
pub fn speed_probe() -> Config {
    Config {
        model: ModelKind::ReluHidden,
        n: 10,
        m: 5,
        importance: 0.75,
        density: vec![0.1],
        order: Order::Lockstep,
        ..Config::default()
    }
}

/// Restarts in the page's lane group of [`speed_probe`] (simd128's four lanes).
pub const SPEED_PROBE_RESTARTS: u32 = 4;

/// The estimated cost of one step of a lockstep lane group (see [`LOCKSTEP_ROW_NS`]).
pub fn lockstep_step_ns(c: &Config) -> f64 {
    let (weights, params) = sizes(c);
    OPTIMIZER_NS * params + LOCKSTEP_ROW_NS * (weights + c.n as f64) * c.batch as f64
}

/// Weights (W, W₂) and all parameters (with biases) of a configuration.
pub fn sizes(c: &Config) -> (f64, f64) {
    let hidden_bias = c.hidden_bias && c.model == ModelKind::ReluHidden;
    let layout = Layout::of(c.model, c.n, c.m, hidden_bias);
    (layout.b.0 as f64, layout.len as f64)
}

/// The estimated cost of one training step.
pub fn step_ns(c: &Config) -> f64 {
    let (weights, params) = sizes(c);
    OPTIMIZER_NS * params + ROW_NS * weights * c.batch as f64
}

/// The estimated cost of one training step of a sweep's restart, for the page's time estimate: the
/// step's cost with the per-row work of small models ([`ROW_BASE_NS`]). Not a cap: the caps use
/// [`step_ns`], which links are read with.
pub fn restart_step_ns(c: &Config) -> f64 {
    step_ns(c) + ROW_BASE_NS * c.batch as f64
}

/// The estimated cost of the feature metrics behind one redraw.
pub fn metrics_ns(c: &Config) -> f64 {
    let (n, m) = (c.n as f64, c.m as f64);
    METRICS_NS * n * m * n.min(m)
}
