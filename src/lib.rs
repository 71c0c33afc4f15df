//! tms-explorer: the toy models of *Toy Models of Superposition* (Elhage et al., 2022), trained and
//! drawn by the same Rust code natively (`tms`) and in the browser (WebAssembly).
//!
//! The folders read as the explorer's table of contents, each layer using only the ones before it:
//! - [`core`]: the science — settings, random streams, data, the four models, the trainer, metrics,
//!   sweeps (no drawing, no browser, no I/O)
//! - [`views`]: the paper's figures, laid out as scenes from live weights and drawn on any backend
//! - [`app`]: what a user hands the explorer and gets back — share links, presets, embed options,
//!   exports
//! - `web`: the thin wasm-bindgen layer the page calls (wasm only)
//! - the `tms` command line lives in `src/cli/` (a binary beside this library)

pub mod app;
pub mod core;
pub mod views;

#[cfg(target_arch = "wasm32")]
pub mod web;
