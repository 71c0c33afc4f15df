//! Best of K restarts for the page's sweep workers: a worker trains a group of restarts of one setting
//! (four at a time in simd128 lanes for small models, each bit for bit its single run; one `Run` at a
//! time otherwise) in slices, keeping only each restart's evaluation loss and the best run, so a
//! 1,000-restart sweep holds a handful of runs at a time. The same groups `tms sweep` trains
//! (`core/restarts.rs`).

use wasm_bindgen::prelude::*;

use super::Run;
use crate::core::config::Config;
use crate::core::restarts::{units, RestartGroup};
use crate::core::sweep::EVAL_ROWS;
use crate::core::training::eval_batch;

#[wasm_bindgen]
pub struct Restarts {
    group: RestartGroup,
    /// The best restart and its evaluation loss, once its run is taken.
    taken: Option<(u32, f32)>,
}

#[wasm_bindgen]
impl Restarts {
    /// Restarts `first`..`first + count` of `settings` (restart k is the run of seed `seed + k`), each
    /// trained to step `until`, ranked on the sweep's evaluation batch drawn from `eval_seed` (the one
    /// `Run.eval_loss(eval_seed)` uses: `sweep_plan`'s `eval_seed`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        settings: &str,
        first: u32,
        count: u32,
        until: f64,
        eval_seed: u32,
    ) -> Result<Restarts, JsError> {
        let config = Config::from_text(settings).map_err(|e| JsError::new(&e))?;
        let end = first
            .checked_add(count)
            .ok_or_else(|| JsError::new("first + count is past the last seed"))?;
        if !(0.0..=config.steps as f64).contains(&until) || until.fract() != 0.0 {
            return Err(JsError::new(&format!(
                "until {until} is not a step from 0 to the step budget {}",
                config.steps
            )));
        }
        let eval = eval_batch(&config, EVAL_ROWS, eval_seed);
        let group = RestartGroup::new(&config, first..end, until as u64, eval)
            .map_err(|e| JsError::new(&e))?;
        Ok(Restarts { group, taken: None })
    }

    /// Trains at most `steps` steps of the restarts training now (a step of a lane group is one step of
    /// each of its restarts), ranking them as they finish. Returns whether every restart is done.
    pub fn advance(&mut self, steps: u32) -> bool {
        self.group.advance(steps as u64)
    }

    pub fn done(&self) -> bool {
        self.group.done()
    }

    /// Restart-steps trained so far (for progress), of `total_steps`.
    pub fn steps_done(&self) -> f64 {
        self.group.steps_done() as f64
    }

    pub fn total_steps(&self) -> f64 {
        self.group.total_steps() as f64
    }

    /// The evaluation losses of the restarts finished so far, from `first`, in seed order.
    pub fn eval_losses(&self) -> Vec<f32> {
        self.group.result().eval_losses.clone()
    }

    /// The best restart finished so far (lowest evaluation loss; ties to the lower seed), if any.
    pub fn best_restart(&self) -> Option<u32> {
        self.taken
            .or(self.group.result().best_restart())
            .map(|(k, _)| k)
    }

    pub fn best_eval_loss(&self) -> Option<f32> {
        self.taken
            .or(self.group.result().best_restart())
            .map(|(_, l)| l)
    }

    /// The setting (with its seed) of the lowest restart training now, for a picture of progress
    /// (with `training_params`, `training_step` and `training_losses`); undefined between restarts and
    /// once done.
    pub fn training_settings(&self) -> Option<String> {
        self.group.training().map(|(c, ..)| c.to_text())
    }

    pub fn training_params(&self) -> Vec<f32> {
        self.group.training().map_or(vec![], |(_, p, ..)| p)
    }

    pub fn training_step(&self) -> f64 {
        self.group.training().map_or(0.0, |(_, _, s, _)| s as f64)
    }

    pub fn training_losses(&self) -> Vec<f32> {
        self.group.training().map_or(vec![], |(.., l)| l)
    }

    /// The best restart's run (its settings with its seed, weights, step and loss history; seeking back
    /// replays from step 0), once every restart is done; undefined before, or once taken.
    pub fn take_best(&mut self) -> Option<Run> {
        let best = self.group.result().best_restart();
        let (_, trainer) = self.group.take_best()?;
        self.taken = best;
        Some(Run::of(trainer))
    }
}

/// The restarts of `settings` that train together in this build's vector lanes (4 with simd128; 1 for
/// models too large for lanes): a sweep's work is best split into groups of this many restarts (or a
/// multiple of it).
#[wasm_bindgen]
pub fn restart_lanes(settings: &str) -> Result<u32, JsError> {
    let config = Config::from_text(settings).map_err(|e| JsError::new(&e))?;
    Ok(units(&config, 0..1000)
        .first()
        .map_or(1, |r| r.len() as u32))
}
