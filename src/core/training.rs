//! The trainer: one run's parameters, optimizer, data stream and step count.
//!
//! A run is a pure function of its [`Config`]: the seed gives two separate streams, one for the initial
//! weights and one for the batches, so `reset()` returns to the exact initial weights and replays the
//! exact same batches. Snapshots of the whole state are kept at doubling intervals so that any earlier
//! step can be reached again exactly (rewinding, a timeline, opening a link at a step).

use crate::core::config::Config;
use crate::core::data::{Batch, Sampler};
use crate::core::kernels::fingerprint;
use crate::core::model::{Model, Weights, Workspace};
use crate::core::optimizer::{lr_factor, AdamW};
use crate::core::rng::{Rng, Stream};

/// Everything that changes as training goes on: restoring it resumes the run exactly.
#[derive(Clone, Debug)]
pub struct State {
    pub step: u64,
    pub params: Vec<f32>,
    pub opt: AdamW,
    pub data_rng: Rng,
}

/// Snapshots every `interval` steps; when there are more than `cap`, every other one is dropped and the
/// interval doubles, so memory stays bounded however long the run.
#[derive(Clone, Debug)]
struct Snapshots {
    interval: u64,
    cap: usize,
    states: Vec<State>,
}

impl Snapshots {
    /// Up to 64 snapshots, fewer for big models: at most ~32 MB in all.
    fn new(state_len: usize) -> Snapshots {
        let bytes = state_len * 3 * 4 + 64;
        Snapshots {
            interval: 100,
            cap: ((32 << 20) / bytes).clamp(2, 64),
            states: Vec::new(),
        }
    }

    fn offer(&mut self, state: &State) {
        if !state.step.is_multiple_of(self.interval) {
            return;
        }
        self.states.push(state.clone());
        while self.states.len() > self.cap {
            self.interval *= 2;
            let interval = self.interval;
            self.states.retain(|s| s.step % interval == 0);
        }
    }

    /// The latest snapshot at or before `step`.
    fn at_or_before(&self, step: u64) -> Option<&State> {
        self.states.iter().rev().find(|s| s.step <= step)
    }

    fn drop_after(&mut self, step: u64) {
        self.states.retain(|s| s.step <= step);
    }
}

pub struct Trainer {
    config: Config,
    model: Model,
    sampler: Sampler,
    initial: Vec<f32>,
    state: State,
    /// loss_history[t] is the training loss of the batch at step t + 1.
    loss_history: Vec<f32>,
    snapshots: Snapshots,
    /// The step at which the loss or weights stopped being finite.
    diverged: Option<u64>,
    grad: Vec<f32>,
    batch: Batch,
    ws: Workspace,
}

impl Trainer {
    pub fn new(config: Config) -> Result<Trainer, String> {
        config.check()?;
        let model = Model::new(&config);
        let sampler = Sampler::new(&config.densities(), config.model.signed_inputs());
        let initial = model.init(config.seed);
        let len = initial.len();
        let state = State {
            step: 0,
            params: initial.clone(),
            opt: AdamW::new(len, config.weight_decay),
            data_rng: Rng::new(config.seed as u64, Stream::Data),
        };
        Ok(Trainer {
            snapshots: Snapshots::new(len),
            diverged: None,
            grad: vec![0.0; len],
            batch: Batch::default(),
            ws: Workspace::default(),
            loss_history: Vec::new(),
            initial,
            state,
            sampler,
            model,
            config,
        })
    }

    /// The run of `config` continued from `state`, trained elsewhere (with other restarts in vector
    /// lanes, `lanes.rs`), whose losses so far are `loss_history`. It has no snapshots before
    /// `state.step`: seeking back retrains from step 0.
    pub fn resume(config: Config, state: State, loss_history: Vec<f32>) -> Result<Trainer, String> {
        let mut t = Trainer::new(config)?;
        if state.params.len() != t.state.params.len()
            || state.opt.exp_avg.len() != t.state.params.len()
            || loss_history.len() as u64 != state.step
        {
            return Err("the state does not fit this setting".into());
        }
        let finite = loss_history.last().is_none_or(|l| l.is_finite())
            && state.params.iter().all(|p| p.is_finite());
        t.diverged = (!finite).then_some(state.step);
        t.state = state;
        t.loss_history = loss_history;
        Ok(t)
    }

    /// Runs k optimisation steps and returns the loss of the last one (NaN when k = 0 and nothing has
    /// been trained yet; the last loss otherwise).
    ///
    /// Training stops at the first step whose loss or weights are not finite (see [`Trainer::diverged`]);
    /// later calls do nothing until the run is rewound or reset.
    pub fn step(&mut self, k: u64) -> f32 {
        for _ in 0..k {
            if self.diverged.is_some() {
                break;
            }
            self.sampler
                .sample(&mut self.state.data_rng, self.config.batch, &mut self.batch);
            let loss = self.model.loss_and_grad(
                &self.state.params,
                &self.batch,
                &mut self.grad,
                &mut self.ws,
            );
            let lr = self.config.lr as f64
                * lr_factor(self.config.schedule, self.state.step, self.config.steps);
            let finite = self.state.opt.step(&mut self.state.params, &self.grad, lr);
            self.state.step += 1;
            self.loss_history.push(loss);
            if !loss.is_finite() || !finite {
                self.diverged = Some(self.state.step);
                break;
            }
            self.snapshots.offer(&self.state);
        }
        self.last_loss()
    }

    /// The step at which training diverged (its loss or weights stopped being finite), if it did. The
    /// weights of the step before are the last finite ones: `seek(step - 1)` rewinds to them exactly.
    pub fn diverged(&self) -> Option<u64> {
        self.diverged
    }

    /// What happened and what to do, in plain words, when training diverged.
    pub fn divergence_message(&self) -> Option<String> {
        let step = self.diverged?;
        let what = match self.loss_history.last() {
            Some(l) if l.is_nan() => "the loss became NaN (not a number)",
            Some(l) if l.is_infinite() => "the loss became infinite",
            _ => "the weights became infinite",
        };
        let lr = self.config.lr;
        let decay = lr as f64 * self.config.weight_decay as f64;
        let advice = if decay > 1.0 {
            format!(
                "the learning rate {lr} is too high: with weight decay {wd}, AdamW multiplies the weights by \
                 1 − {lr}·{wd} = {:.2} every step, so they grow without bound; use a learning rate below {}",
                1.0 - decay,
                1.0 / self.config.weight_decay,
                wd = self.config.weight_decay
            )
        } else if lr > 0.01 {
            format!(
                "the learning rate {lr} is too high for this model; try {} or lower",
                lr / 10.0
            )
        } else {
            format!("the updates overshot at learning rate {lr}; try a lower one")
        };
        Some(format!(
            "Training diverged at step {step}: {what}. Most likely {advice}. Step {} has the last finite weights.",
            step - 1
        ))
    }

    /// Back to step 0: the exact initial weights of the same seed, and the same batches to come.
    pub fn reset(&mut self) {
        self.state = State {
            step: 0,
            params: self.initial.clone(),
            opt: AdamW::new(self.initial.len(), self.config.weight_decay),
            data_rng: Rng::new(self.config.seed as u64, Stream::Data),
        };
        self.loss_history.clear();
        self.snapshots.drop_after(0);
        self.diverged = None;
    }

    /// Goes to exactly `step`: back through the nearest snapshot, or forward by training. The weights
    /// are bit-identical to those of a run trained straight to that step.
    pub fn seek(&mut self, step: u64) {
        if step < self.state.step {
            match self.snapshots.at_or_before(step) {
                Some(s) => {
                    self.state = s.clone();
                    self.loss_history.truncate(s.step as usize);
                }
                None => self.reset(),
            }
            self.snapshots.drop_after(self.state.step);
            if self.diverged.is_some_and(|d| d > self.state.step) {
                self.diverged = None;
            }
        }
        let ahead = step.saturating_sub(self.state.step);
        self.step(ahead);
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn step_count(&self) -> u64 {
        self.state.step
    }

    pub fn params(&self) -> &[f32] {
        &self.state.params
    }

    pub fn weights(&self) -> Weights<'_> {
        Weights::new(&self.model, &self.state.params)
    }

    pub fn initial_params(&self) -> &[f32] {
        &self.initial
    }

    pub fn loss_history(&self) -> &[f32] {
        &self.loss_history
    }

    pub fn last_loss(&self) -> f32 {
        self.loss_history.last().copied().unwrap_or(f32::NAN)
    }

    /// The loss of the current weights on a batch (no update).
    pub fn loss_on(&mut self, batch: &Batch) -> f32 {
        self.model.loss(&self.state.params, batch, &mut self.ws)
    }

    /// A 64-bit fingerprint of the current weights (FNV-1a over their bits), as 16 hex digits.
    pub fn fingerprint(&self) -> String {
        format!("{:016x}", fingerprint([&self.state.params[..]]))
    }
}

/// A fixed evaluation batch for a configuration: the same for every seed, so restarts are compared on the
/// same data. It depends only on the densities, the value range and `eval_seed`.
pub fn eval_batch(config: &Config, rows: usize, eval_seed: u32) -> Batch {
    let sampler = Sampler::new(&config.densities(), config.model.signed_inputs());
    let mut batch = Batch::default();
    sampler.sample(
        &mut Rng::new(eval_seed as u64, Stream::Eval),
        rows,
        &mut batch,
    );
    batch
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::ModelKind;

    fn small(model: ModelKind) -> Config {
        Config {
            model,
            n: 8,
            m: 3,
            density: vec![0.2],
            batch: 64,
            steps: 1000,
            ..Config::default()
        }
    }

    #[test]
    fn same_seed_same_weights_and_reset_restores_them() {
        for kind in ModelKind::ALL {
            let mut a = Trainer::new(small(kind)).unwrap();
            let mut b = Trainer::new(small(kind)).unwrap();
            let start = a.params().to_vec();
            a.step(150);
            b.step(100);
            b.step(50);
            assert_eq!(a.params(), b.params(), "{kind:?}: 150 steps = 100 + 50");
            assert_ne!(a.params(), &start[..]);
            a.reset();
            assert_eq!(
                a.params(),
                &start[..],
                "{kind:?}: reset restores the initial weights"
            );
            assert_eq!(a.step_count(), 0);
            a.step(150);
            assert_eq!(
                a.params(),
                b.params(),
                "{kind:?}: and replays the same batches"
            );
        }
    }

    #[test]
    fn a_new_seed_gives_other_weights() {
        let a = Trainer::new(small(ModelKind::Abs)).unwrap();
        let b = Trainer::new(Config {
            seed: 1,
            ..small(ModelKind::Abs)
        })
        .unwrap();
        assert_ne!(a.params(), b.params());
    }

    #[test]
    fn seek_reaches_any_step_exactly_in_both_directions() {
        let mut straight = Trainer::new(small(ModelKind::ReluHidden)).unwrap();
        let mut t = Trainer::new(small(ModelKind::ReluHidden)).unwrap();
        t.step(2000); // past many snapshots; the interval has doubled
        for target in [1937u64, 1200, 350, 0, 7, 1500] {
            t.seek(target);
            straight.reset();
            straight.step(target);
            assert_eq!(t.step_count(), target);
            assert_eq!(t.params(), straight.params(), "step {target}");
            assert_eq!(t.loss_history(), straight.loss_history(), "step {target}");
        }
    }

    #[test]
    fn snapshots_stay_bounded() {
        let mut s = Snapshots {
            cap: 8,
            ..Snapshots::new(10)
        };
        let mut state = State {
            step: 0,
            params: vec![0.0; 10],
            opt: AdamW::new(10, 0.0),
            data_rng: Rng::new(0, Stream::Data),
        };
        for step in 1..=100_000 {
            state.step = step;
            s.offer(&state);
        }
        assert!(s.states.len() <= 8);
        assert!(s.at_or_before(100_000).unwrap().step >= 100_000 - s.interval);
    }

    #[test]
    fn divergence_stops_training_and_rewinding_restores_the_last_finite_weights() {
        // (At lr = 100 AdamW's decay factor 1 − lr·wd is 0 and the model collapses to zero instead.)
        let mut t = Trainer::new(Config {
            lr: 300.0,
            batch: 64,
            ..small(ModelKind::Abs)
        })
        .unwrap();
        t.step(5000);
        let at = t.diverged().expect("lr = 300 diverges");
        assert_eq!(t.step_count(), at, "training stopped at the diverging step");
        assert!(!t.last_loss().is_finite() || t.params().iter().any(|v| !v.is_finite()));
        let message = t.divergence_message().unwrap();
        assert!(
            message.contains("the learning rate 300 is too high"),
            "{message}"
        );
        assert!(message.contains(&format!("Step {} has the last finite weights", at - 1)));
        t.step(10);
        assert_eq!(t.step_count(), at, "no further steps until rewound");
        t.seek(at - 1);
        assert_eq!(t.diverged(), None);
        assert!(t.params().iter().all(|v| v.is_finite()));
        assert!(t.loss_history().iter().all(|v| v.is_finite()));
        let mut straight = Trainer::new(t.config().clone()).unwrap();
        straight.step(at - 1);
        assert_eq!(t.params(), straight.params(), "rewound exactly");
    }

    #[test]
    fn training_lowers_the_loss() {
        let mut t = Trainer::new(Config {
            batch: 256,
            ..small(ModelKind::ReluOutput)
        })
        .unwrap();
        let eval = eval_batch(t.config(), 4096, 9);
        let before = t.loss_on(&eval);
        t.step(1000);
        let after = t.loss_on(&eval);
        assert!(after < 0.7 * before, "{before} → {after}");
        assert_eq!(t.loss_history().len(), 1000);
    }
}
