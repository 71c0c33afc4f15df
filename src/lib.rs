//! tms-explorer: the toy models of *Toy Models of Superposition* (Elhage et al., 2022), trained and
//! drawn by the same Rust code natively (`tms`) and in the browser (WebAssembly).
//!
//! The modules read as the explorer's table of contents:
//! - [`config`]: a run's settings, in one declared list with their ranges
//! - [`rng`]: seeded random streams, identical on every target
//! - [`data`]: sparse synthetic batches
//! - [`model`]: the four toy models, forward and backward
//! - [`kernels`]: the fixed-order vector loops the maths is made of, over [`simd`] lanes
//! - [`optimizer`]: AdamW and learning-rate schedules
//! - [`training`]: the trainer (step, reset, seek, snapshots)
//! - [`metrics`]: feature norms, superposition, dimensionality, neurons
//! - [`export`]: the JSON export
//! - [`link`]: share links (the URL fragment that rebuilds a run)
//! - [`presets`]: the paper's configurations, one click each
//! - [`embed`]: embed mode's options (which controls and views an embedded explorer shows)
//! - [`sweep`]: many independent runs, best of K restarts
//! - [`bench`](mod@bench): the benchmark cases
//! - [`views`]: the paper's figures, drawn from live weights on any plotters backend

pub mod bench;
pub mod config;
pub mod data;
pub mod embed;
pub mod export;
pub mod kernels;
pub mod link;
pub mod metrics;
pub mod model;
pub mod optimizer;
pub mod presets;
pub mod rng;
pub mod simd;
pub mod sweep;
pub mod training;
pub mod views;

#[cfg(target_arch = "wasm32")]
pub mod bindings;
