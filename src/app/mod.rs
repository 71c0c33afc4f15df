//! What a user hands the explorer and gets back, on top of [`crate::core`] and [`crate::views`]:
//!
//! - [`link`]: share links (the URL fragment that rebuilds a run)
//! - [`presets`]: the paper's configurations, one click each
//! - [`embed`]: embed mode's options (which controls and views an embedded explorer shows)
//! - [`export`]: the JSON export
//! - [`report`]: what `tms train` and `tms sweep` print

pub mod embed;
pub mod export;
pub mod link;
pub mod presets;
pub mod report;
