//! What a user hands the explorer and gets back, on top of [`crate::core`] and [`crate::views`]:
//!
//! - [`link`]: share links (the URL fragment that rebuilds a run), the one reader of runs from outside
//! - [`gate`]: the caps that keep a browser tab responsive, applied by that reader
//! - [`presets`]: the paper's configurations, one click each
//! - [`embed`]: embed mode's options (which controls and views an embedded explorer shows)
//! - [`export`]: the JSON export
//! - [`readout`]: the computation readout (a neuron's or an output's equation with the probe's numbers)
//! - [`weights`]: weights in and out as safetensors, .npz and the JSON export (the notebook's names)
//! - [`api`]: what the page asks Rust, as plain serde data (the `web` layer only turns it into JSON)
//! - [`report`]: what `tms train` and `tms sweep` print

pub mod api;
pub mod embed;
pub mod export;
pub mod gate;
pub mod link;
pub mod presets;
pub mod readout;
pub mod report;
pub mod weights;
