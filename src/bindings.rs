//! The JavaScript API of the wasm build: a `Run` the page (or Node) creates from settings text and
//! steps. Everything stays in Rust; JS only calls `step` and reads results.

use wasm_bindgen::prelude::*;

use crate::bench;
use crate::config::Config;
use crate::export::{run_json, Json};
use crate::rng::fresh_seed;
use crate::training::Trainer;

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
}

/// The `tms bench` cases as JSON `[{name, settings, steps}]`, so the wasm benchmark times the same work.
#[wasm_bindgen]
pub fn bench_cases() -> String {
    Json::Arr(
        bench::cases()
            .iter()
            .map(|c| {
                Json::Obj(vec![
                    ("name", Json::Str(c.name.into())),
                    ("settings", Json::Str(c.config.to_text())),
                    ("steps", Json::Int(c.steps as i64)),
                ])
            })
            .collect(),
    )
    .to_string()
}
