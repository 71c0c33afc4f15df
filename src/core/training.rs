//! The trainer: one run's parameters, optimizer, data stream and step count, and its timeline.
//!
//! A run is a pure function of its [`Config`]: the seed gives two separate streams, one for the initial
//! weights and one for the batches, so returning to step 0 gives the exact initial weights and replays the
//! exact same batches. The trainer remembers the furthest step it has trained (the *frontier*) and keeps
//! snapshots of the whole state along the way, so any step up to the frontier can be shown again exactly:
//! going back restores the nearest snapshot and replays from it, and the trained future is kept (replaying
//! computes the same numbers, so nothing past the shown step is thrown away). Snapshots are spaced so a
//! replay costs about [`REPLAY_NS`] of training and their memory stays under [`SNAPSHOT_BYTES`].

use crate::core::config::Config;
use crate::core::cost::step_ns;
use crate::core::data::{Batch, Sampler};
use crate::core::kernels::fingerprint;
use crate::core::lockstep;
use crate::core::model::{Model, Weights, Workspace};
use crate::core::optimizer::{lr_factor, AdamW};
use crate::core::rng::{Rng, Stream};
use crate::core::trace::Trace;

/// Snapshots are about this much training apart (estimated by [`crate::core::cost`]), so showing any
/// trained step replays at most that much.
pub const REPLAY_NS: f64 = 40e6;
/// At most this much memory for one run's snapshots; past it, every other snapshot is dropped.
pub const SNAPSHOT_BYTES: usize = 48 << 20;

/// Everything that changes as training goes on: restoring it resumes the run exactly.
#[derive(Clone, Debug)]
pub struct State {
    pub step: u64,
    pub params: Vec<f32>,
    pub opt: AdamW,
    pub data_rng: Rng,
}

/// Snapshots every `interval` steps; when they would take more than `cap` (memory), every other one is
/// dropped and the interval doubles, so memory stays bounded however long the run.
///
/// The first interval is the replay cost's ([`REPLAY_NS`] of training), widened just enough for the
/// whole step budget's snapshots to fit in [`SNAPSHOT_BYTES`]: a run trained to its budget keeps that
/// spacing (no doubling, which would leave it up to twice as sparse as the memory allows); only a budget
/// extended past it doubles. A 10,000-step abs n = 100, m = 40 run keeps a snapshot every 20 steps,
/// 500 of 97 KB: 46 MB.
#[derive(Clone, Debug)]
struct Snapshots {
    interval: u64,
    cap: usize,
    states: Vec<State>,
}

impl Snapshots {
    fn new(config: &Config, state_len: usize) -> Snapshots {
        let bytes = Snapshots::bytes_of(state_len);
        let cap = (SNAPSHOT_BYTES / bytes).max(2);
        let replay = (REPLAY_NS / step_ns(config).max(1.0)) as u64;
        let fit = config.steps.div_ceil(cap as u64);
        Snapshots {
            interval: replay.max(fit).clamp(1, 1 << 20),
            cap,
            states: Vec::new(),
        }
    }

    /// Memory of one snapshot: the parameters, AdamW's two moments and the step and data stream.
    fn bytes_of(state_len: usize) -> usize {
        state_len * 3 * 4 + 64
    }

    fn offer(&mut self, state: &State) {
        if !state.step.is_multiple_of(self.interval)
            || self.states.last().is_some_and(|s| s.step >= state.step)
        {
            return;
        }
        self.states.push(state.clone());
        while self.states.len() > self.cap {
            self.interval *= 2;
            let interval = self.interval;
            self.states.retain(|s| s.step % interval == 0);
        }
    }

    /// The latest snapshot at or before `step` (they are kept in step order).
    fn at_or_before(&self, step: u64) -> Option<&State> {
        let after = self.states.partition_point(|s| s.step <= step);
        after.checked_sub(1).map(|k| &self.states[k])
    }

    fn bytes(&self) -> usize {
        self.states
            .iter()
            .map(|s| Snapshots::bytes_of(s.params.len()))
            .sum()
    }
}

pub struct Trainer {
    config: Config,
    model: Model,
    sampler: Sampler,
    initial: Vec<f32>,
    state: State,
    /// loss_history[t] is the training loss of the batch at step t + 1, up to the frontier (the furthest
    /// step trained): `loss_history.len()` is the frontier.
    loss_history: Vec<f32>,
    /// The learning dynamics, recorded as the frontier advances.
    trace: Trace,
    snapshots: Snapshots,
    /// The step at which the loss or weights stopped being finite.
    diverged: Option<u64>,
    grad: Vec<f32>,
    batch: Batch,
    ws: Workspace,
    /// p_i, for the lockstep order's draws.
    density: Vec<f32>,
}

impl Trainer {
    pub fn new(config: Config) -> Result<Trainer, String> {
        config.check()?;
        let model = Model::new(&config);
        let initial = model.init(config.seed);
        Ok(Trainer::starting_from(config, model, initial))
    }

    /// A run whose step 0 is the given parameters (weights imported from a file, flat in the layout
    /// `[W or W₁ | W₂ᵀ | b | b_h]` of [`Model::layout`]) instead of weights drawn from the seed. AdamW
    /// starts fresh (zero moments, as if these weights were new), and the batches are the config's
    /// seed's data stream, exactly those a run from scratch with this config trains on; `reset()`
    /// returns to the given parameters. Refused when their number does not fit the config's model or
    /// one is not finite.
    pub fn from_params(config: Config, params: Vec<f32>) -> Result<Trainer, String> {
        config.check()?;
        let model = Model::new(&config);
        let want = model.layout().len;
        if params.len() != want {
            return Err(format!(
                "{} parameters given; {} n = {} m = {} has {want}",
                params.len(),
                config.model.id(),
                config.n,
                config.m
            ));
        }
        if let Some(k) = params.iter().position(|v| !v.is_finite()) {
            return Err(format!(
                "parameter {k} is {}, not a finite number",
                params[k]
            ));
        }
        Ok(Trainer::starting_from(config, model, params))
    }

    fn starting_from(config: Config, model: Model, initial: Vec<f32>) -> Trainer {
        let sampler = Sampler::new(&config.densities(), config.model.signed_inputs());
        let len = initial.len();
        let state = State {
            step: 0,
            params: initial.clone(),
            opt: AdamW::new(len, config.weight_decay),
            data_rng: Rng::new(config.seed as u64, Stream::Data),
        };
        let mut trace = Trace::new(&config);
        trace.offer(0, &Weights::new(&model, &initial));
        Trainer {
            snapshots: Snapshots::new(&config, len),
            trace,
            diverged: None,
            grad: vec![0.0; len],
            density: config.densities(),
            batch: Batch::default(),
            ws: Workspace::default(),
            loss_history: Vec::new(),
            initial,
            state,
            sampler,
            model,
            config,
        }
    }

    /// The run of `config` continued from `state`, trained elsewhere (with other restarts in vector
    /// lanes, `lanes.rs`), whose losses so far are `loss_history` (its frontier is `state.step`). It has
    /// no snapshots before `state.step` (seeking back replays from step 0) and its learning-dynamics
    /// trace holds only step 0 and the steps trained after resuming.
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

    /// Runs k optimisation steps and returns the loss of the last one (NaN when nothing has been trained
    /// yet). Steps before the frontier are replayed: the same numbers are computed again (and checked
    /// against the recorded loss in debug builds), and nothing is recorded twice.
    ///
    /// Training stops at the first step whose loss or weights are not finite (see [`Trainer::diverged`]);
    /// from then on no step reaches that step again until the run is reset.
    pub fn step(&mut self, k: u64) -> f32 {
        for _ in 0..k {
            if self.diverged.is_some_and(|d| self.state.step + 1 >= d) {
                break;
            }
            let loss = if self.config.lockstep() {
                lockstep::loss_and_grad(
                    &self.model,
                    &self.density,
                    self.config.batch,
                    &self.state.params,
                    &mut self.state.data_rng,
                    &mut self.grad,
                )
            } else {
                self.sampler
                    .sample(&mut self.state.data_rng, self.config.batch, &mut self.batch);
                self.model.loss_and_grad(
                    &self.state.params,
                    &self.batch,
                    &mut self.grad,
                    &mut self.ws,
                )
            };
            let lr = self.config.lr as f64
                * lr_factor(self.config.schedule, self.state.step, self.config.steps);
            let finite = self.state.opt.step(&mut self.state.params, &self.grad, lr);
            self.state.step += 1;
            let replayed = (self.state.step as usize) <= self.loss_history.len();
            if replayed {
                debug_assert_eq!(
                    self.loss_history[self.state.step as usize - 1].to_bits(),
                    loss.to_bits(),
                    "a replayed step computes the same loss"
                );
            } else {
                self.loss_history.push(loss);
            }
            if !loss.is_finite() || !finite {
                self.diverged = Some(self.state.step);
                break;
            }
            self.snapshots.offer(&self.state);
            if !replayed {
                let weights = Weights::new(&self.model, &self.state.params);
                self.trace.offer(self.state.step, &weights);
            }
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

    /// Back to step 0 of a fresh run: the exact initial weights of the same seed, the same batches to
    /// come, and nothing trained yet (the timeline is forgotten; [`Trainer::seek`] to 0 keeps it).
    pub fn reset(&mut self) {
        self.state = self.start();
        self.loss_history.clear();
        self.snapshots.states.clear();
        self.trace = Trace::new(&self.config);
        self.trace
            .offer(0, &Weights::new(&self.model, &self.initial));
        self.diverged = None;
    }

    fn start(&self) -> State {
        State {
            step: 0,
            params: self.initial.clone(),
            opt: AdamW::new(self.initial.len(), self.config.weight_decay),
            data_rng: Rng::new(self.config.seed as u64, Stream::Data),
        }
    }

    /// Goes to exactly `step`: back through the nearest snapshot and a replay, or forward by training.
    /// The weights are bit-identical to those of a run trained straight to that step, and what was
    /// trained past it is kept.
    pub fn seek(&mut self, step: u64) {
        self.restore(step);
        let ahead = step.saturating_sub(self.state.step);
        self.step(ahead);
    }

    /// The first half of a seek: goes without training to the latest state at or before `step` that is
    /// known, the shown step or a snapshot, whichever is nearer, so the caller (in slices if it likes)
    /// replays at most a snapshot interval of steps up to the frontier. Going back takes the nearest
    /// snapshot (or step 0); going forward within the trained timeline jumps to the nearest snapshot
    /// when it is past the shown step, instead of replaying every step in between.
    pub fn restore(&mut self, step: u64) {
        let nearest = self.snapshots.at_or_before(step);
        if step < self.state.step {
            self.state = match nearest {
                Some(s) => s.clone(),
                None => self.start(),
            };
        } else if let Some(s) = nearest.filter(|s| s.step > self.state.step) {
            self.state = s.clone();
        }
    }

    /// The furthest step trained since the run began (or was reset).
    pub fn frontier(&self) -> u64 {
        self.loss_history.len() as u64
    }

    /// Memory kept for the timeline (snapshots), in bytes.
    pub fn snapshot_bytes(&self) -> usize {
        self.snapshots.bytes()
    }

    /// Steps between snapshots: the most a seek replays.
    pub fn snapshot_interval(&self) -> u64 {
        self.snapshots.interval
    }

    /// The learning dynamics recorded so far.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Raises the step budget to `steps`. With a constant learning rate the run continues exactly as a
    /// run with that budget would (the budget only decides where play stops); with a decaying schedule
    /// the budget shapes every step's learning rate, so the run cannot continue: Err says so.
    pub fn extend_budget(&mut self, steps: u64) -> Result<(), String> {
        if steps < self.config.steps {
            return Err(format!(
                "the budget can only grow: {steps} is below the current {}",
                self.config.steps
            ));
        }
        if self.config.schedule != crate::core::config::Schedule::Constant {
            return Err(format!(
                "with the {} schedule the learning rate decays over the whole budget, so a longer budget \
                 changes every step: the run restarts with steps = {steps} instead",
                self.config.schedule.id()
            ));
        }
        self.config.steps = steps;
        self.trace.extend_budget(steps);
        Ok(())
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

    /// The loss of the batch that led to the shown step (NaN at step 0).
    pub fn last_loss(&self) -> f32 {
        match self.state.step {
            0 => f32::NAN,
            s => self.loss_history[s as usize - 1],
        }
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
    fn seek_reaches_any_step_exactly_in_both_directions_and_keeps_the_future() {
        let mut straight = Trainer::new(small(ModelKind::ReluHidden)).unwrap();
        let mut t = Trainer::new(small(ModelKind::ReluHidden)).unwrap();
        t.step(2000);
        let history = t.loss_history().to_vec();
        let trace = t.trace().clone();
        for target in [1937u64, 1200, 350, 0, 7, 1500, 2000, 2600, 10] {
            t.seek(target);
            straight.reset();
            straight.step(target);
            assert_eq!(t.step_count(), target);
            assert_eq!(t.params(), straight.params(), "step {target}");
            assert_eq!(t.last_loss().to_bits(), straight.last_loss().to_bits());
            assert_eq!(
                t.frontier(),
                target.max(2000).max(if target == 10 { 2600 } else { 0 })
            );
        }
        // Going back and forth recorded nothing twice: the history and dynamics are the straight run's.
        assert_eq!(&t.loss_history()[..2000], &history[..]);
        assert_eq!(&t.trace().points[..trace.points.len()], &trace.points[..]);
        straight.reset();
        straight.step(2600);
        assert_eq!(t.loss_history(), straight.loss_history());
        assert_eq!(t.trace(), straight.trace());
    }

    #[test]
    fn a_seek_replays_at_most_one_snapshot_interval_in_either_direction() {
        let mut t = Trainer::new(Config {
            model: ModelKind::Abs,
            n: 100,
            m: 40,
            batch: 64,
            steps: 2000,
            ..Config::default()
        })
        .unwrap();
        t.step(2000);
        let interval = t.snapshot_interval();
        assert!(4 * interval < 2000, "snapshots every {interval} steps");
        // Back, then forward within the trained timeline (far past the shown step), then back again: each
        // restore lands within one interval before the target, never further back.
        for target in [10u64, 1990, 1200, 1201, 5, 2000] {
            t.restore(target);
            let from = t.step_count();
            assert!(
                from <= target && target - from < interval,
                "{target}: restored to {from}"
            );
            t.seek(target);
            assert_eq!(t.step_count(), target);
        }
    }

    #[test]
    fn snapshots_are_spaced_by_replay_cost_and_their_memory_is_bounded() {
        let abs = Config {
            model: ModelKind::Abs,
            n: 100,
            m: 40,
            ..Config::default()
        };
        let mut t = Trainer::new(abs).unwrap();
        let interval = t.snapshot_interval();
        assert!((5..=40).contains(&interval), "{interval}");
        t.step(3 * interval);
        assert_eq!(t.snapshots.states.len(), 3);
        assert!(t.snapshot_bytes() <= SNAPSHOT_BYTES);
    }

    #[test]
    fn a_run_trained_to_its_budget_keeps_its_first_spacing_within_the_memory_bound() {
        // abs n = 100, m = 40: the replay cost alone would space them 15 apart, 667 snapshots (65 MB);
        // the budget widens that to 20 (500 of them) so they fit, and training to the end never doubles it.
        let config = Config {
            model: ModelKind::Abs,
            n: 100,
            m: 40,
            steps: 10_000,
            ..Config::default()
        };
        let len = Model::new(&config).layout().len;
        let mut s = Snapshots::new(&config, len);
        let first = s.interval;
        assert_eq!(first, 20);
        let mut state = State {
            step: 0,
            params: vec![0.0; len],
            opt: AdamW::new(len, 0.0),
            data_rng: Rng::new(0, Stream::Data),
        };
        for step in 1..=config.steps {
            state.step = step;
            s.offer(&state);
        }
        assert_eq!(s.interval, first, "no doubling within the budget");
        assert_eq!(s.states.len() as u64, config.steps / first);
        assert!(s.bytes() <= SNAPSHOT_BYTES, "{} bytes", s.bytes());
    }

    #[test]
    fn snapshots_stay_bounded() {
        let mut s = Snapshots {
            cap: 8,
            ..Snapshots::new(&Config::default(), 10)
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
        assert_eq!(t.step_count(), at, "no further steps");
        t.seek(at - 1);
        assert!(t.params().iter().all(|v| v.is_finite()));
        assert!(t.last_loss().is_finite());
        let mut straight = Trainer::new(t.config().clone()).unwrap();
        straight.step(at - 1);
        assert_eq!(t.params(), straight.params(), "rewound exactly");
        // Training on from there would diverge at the same step again: it does not go there.
        t.step(10);
        assert_eq!(t.step_count(), at - 1);
        assert_eq!(t.diverged(), Some(at));
    }

    #[test]
    fn a_run_from_given_params_starts_there_trains_on_the_seeds_batches_and_resets_to_them() {
        for kind in ModelKind::ALL {
            let config = small(kind);
            let mut trained = Trainer::new(config.clone()).unwrap();
            trained.step(120);
            let imported = trained.params().to_vec();
            let mut t = Trainer::from_params(config.clone(), imported.clone()).unwrap();
            assert_eq!(t.step_count(), 0);
            assert_eq!(t.params(), &imported[..]);
            assert_eq!(t.fingerprint(), trained.fingerprint());
            // Fresh AdamW and the seed's batches from the first: the same as a run from scratch whose
            // initial weights were these (checked against the optimizer and sampler by hand).
            let model = Model::new(&config);
            let sampler = Sampler::new(&config.densities(), config.model.signed_inputs());
            let mut params = imported.clone();
            let mut opt = AdamW::new(params.len(), config.weight_decay);
            let mut rng = Rng::new(config.seed as u64, Stream::Data);
            let (mut batch, mut grad, mut ws) = (
                Batch::default(),
                vec![0.0; params.len()],
                Workspace::default(),
            );
            for step in 0..30 {
                sampler.sample(&mut rng, config.batch, &mut batch);
                model.loss_and_grad(&params, &batch, &mut grad, &mut ws);
                let lr = config.lr as f64 * lr_factor(config.schedule, step, config.steps);
                opt.step(&mut params, &grad, lr);
            }
            t.step(30);
            assert_eq!(t.params(), &params[..], "{kind:?}");
            t.reset();
            assert_eq!(
                t.params(),
                &imported[..],
                "{kind:?}: reset returns to the imported weights"
            );
        }
        let config = small(ModelKind::Abs);
        let len = Model::new(&config).layout().len;
        assert!(Trainer::from_params(config.clone(), vec![0.0; len - 1])
            .err()
            .unwrap()
            .contains("parameters given"));
        let mut bad = vec![0.0; len];
        bad[3] = f32::NAN;
        assert!(Trainer::from_params(config, bad)
            .err()
            .unwrap()
            .contains("parameter 3"));
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
