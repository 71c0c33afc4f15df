//! The science of the explorer, with no drawing and no browser in it: a run's settings, its random
//! streams, the data, the four toy models, the trainer and what is measured on the weights.
//!
//! - [`config`]: a run's settings, in one declared list with their ranges
//! - [`rng`]: seeded random streams, identical on every target
//! - [`data`]: sparse synthetic batches
//! - [`model`]: the four toy models, forward and backward
//! - [`kernels`]: the fixed-order vector loops the maths is made of, over [`simd`] lanes
//! - [`optimizer`]: AdamW and learning-rate schedules
//! - [`training`]: the trainer (step, reset, seek, snapshots)
//! - [`metrics`]: feature norms, superposition, dimensionality, neurons
//! - [`lanes`]: several restarts of one setting trained together, one per [`vector`] lane
//! - [`restarts`]: best of K restarts of one setting, in bounded memory
//! - [`sweep`]: many independent runs, best of K restarts
//! - [`bench`](mod@bench): the benchmark cases

pub mod bench;
pub mod config;
pub mod data;
pub mod kernels;
pub mod lanes;
pub mod metrics;
pub mod model;
pub mod optimizer;
pub mod restarts;
pub mod rng;
pub mod simd;
pub mod sweep;
pub mod training;
pub mod vector;
