//! The science of the explorer, with no drawing and no browser in it: a run's settings, its random
//! streams, the data, the four toy models, the trainer and what is measured on the weights.
//!
//! - [`config`]: what a run is (model, sizes, recipe), and [`settings`]: the one declared table of its
//!   settings, their ranges and how they are read
//! - [`cost`]: what a step and a redraw cost, estimated from a model's shape
//! - [`rng`]: seeded random streams, identical on every target
//! - [`data`]: sparse synthetic batches
//! - [`model`]: the four toy models, forward and backward, fast; [`reference`]: the same models as the
//!   paper writes them (dense, f64), the readable spec and the tests' oracle
//! - [`kernels`]: the fixed-order vector loops the maths is made of, over [`simd`] lanes, and natively
//!   `wide`: the hot ones at AVX2 width, the same bits
//! - [`optimizer`]: AdamW and learning-rate schedules
//! - [`training`]: the trainer (step, seek, the timeline of snapshots)
//! - [`metrics`]: feature norms, superposition, dimensionality, neurons
//! - [`probe`]: one input through a model, every intermediate kept
//! - [`geometry`]: the shape the features form, named, and the feature-geometry graph
//! - [`lanes`]: several restarts of one setting trained together, one per [`vector`] lane
//! - [`lockstep`]: the lockstep order for small models: fixed draws per row, dense rows, batch-order
//!   sums, so restarts fill vector lanes with nothing to reconcile
//! - [`restarts`]: best of K restarts of one setting, in bounded memory
//! - [`sweep`]: many independent runs, best of K restarts
//! - [`trace`]: the learning dynamics of a run (D_i and monosemanticity over steps)
//! - [`bench`](mod@bench): the benchmark cases

pub mod bench;
pub mod config;
pub mod cost;
pub mod data;
pub mod draws;
pub mod geometry;
pub mod kernels;
pub mod lanes;
pub mod lockstep;
pub mod metrics;
pub mod model;
pub mod optimizer;
pub mod probe;
pub mod reference;
pub mod restarts;
pub mod rng;
pub mod settings;
pub mod simd;
pub mod sweep;
pub mod trace;
pub mod training;
pub mod vector;
#[cfg(target_arch = "x86_64")]
pub mod wide;
