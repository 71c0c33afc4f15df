//! Best of K restarts of one setting, in bounded memory: restart k is the run of seed `seed + k`
//! trained to a step, ranked by its loss on the setting's fixed evaluation batch (drawn from the base
//! seed, so every restart is ranked on the same rows). Only what the result needs is kept: each
//! restart's evaluation loss and the best run. Small models train several restarts at once in vector
//! lanes (`lanes.rs` in the rows order, `lockstep.rs` in the lockstep order), each bit for bit its
//! single run; others one `Trainer` at a time.
//!
//! A [`RestartGroup`] trains restarts k0..k1 in slices (`advance`), so a caller can interleave other
//! work (a Web Worker answers pause messages between slices); [`Best::merge`] combines groups, in any
//! order, into the result one group over all the restarts gives.

use std::ops::Range;

use crate::core::config::Config;
use crate::core::cost;
use crate::core::data::Batch;
use crate::core::lanes::{self, Lanes, Width};
use crate::core::lockstep::{self, Lockstep};
use crate::core::training::Trainer;

/// Restarts trained together in vector lanes, in either order: what a sweep asks of them.
trait LaneGroup {
    fn len(&self) -> usize;
    fn step_count(&self) -> u64;
    fn step(&mut self, k: u64);
    fn stopped(&self, r: usize) -> bool;
    fn config(&self, r: usize) -> Config;
    fn params(&self, r: usize) -> Vec<f32>;
    fn loss_history(&self, r: usize) -> &[f32];
    fn loss_on(&mut self, r: usize, batch: &Batch) -> f32;
    fn trainer(&self, r: usize) -> Trainer;
}

macro_rules! lane_group {
    ($t:ty) => {
        impl LaneGroup for $t {
            fn len(&self) -> usize {
                <$t>::len(self)
            }
            fn step_count(&self) -> u64 {
                <$t>::step_count(self)
            }
            fn step(&mut self, k: u64) {
                <$t>::step(self, k)
            }
            fn stopped(&self, r: usize) -> bool {
                <$t>::stopped(self, r)
            }
            fn config(&self, r: usize) -> Config {
                <$t>::config(self, r)
            }
            fn params(&self, r: usize) -> Vec<f32> {
                <$t>::params(self, r)
            }
            fn loss_history(&self, r: usize) -> &[f32] {
                <$t>::loss_history(self, r)
            }
            fn loss_on(&mut self, r: usize, batch: &Batch) -> f32 {
                <$t>::loss_on(self, r, batch)
            }
            fn trainer(&self, r: usize) -> Trainer {
                <$t>::trainer(self, r)
            }
        }
    };
}
lane_group!(Lanes);
lane_group!(Lockstep);

/// Whether restarts of `config` train together in lanes: small models, in either order.
fn in_lanes(config: &Config) -> bool {
    lanes::supports(config) || (config.lockstep() && config.check().is_ok())
}

/// The lane group `lanes` wide of the setting's order, if this machine runs it.
enum LaneWidth {
    Rows(Width),
    Lockstep(lockstep::Width),
}

fn lane_width(config: &Config, lanes: usize) -> Option<LaneWidth> {
    if config.lockstep() {
        lockstep::Width::ALL
            .into_iter()
            .find(|w| w.lanes() == lanes && lanes >= 4 && w.available())
            .map(LaneWidth::Lockstep)
    } else {
        [Width::Four, Width::Eight]
            .into_iter()
            .find(|w| w.lanes() == lanes && w.available())
            .map(LaneWidth::Rows)
    }
}

/// The widest lane group of the setting's order this machine runs.
fn widest(config: &Config) -> usize {
    if config.lockstep() {
        lockstep::Width::best().lanes()
    } else {
        Width::best().lanes()
    }
}

/// Restarts `seeds` of `config` in lanes `lanes` wide, in the setting's order.
fn lane_group(config: &Config, seeds: &[u32], lanes: usize) -> Result<Box<dyn LaneGroup>, String> {
    Ok(match lane_width(config, lanes) {
        Some(LaneWidth::Lockstep(w)) => Box::new(Lockstep::new(config, seeds, w)?),
        Some(LaneWidth::Rows(w)) => Box::new(Lanes::new(config, seeds, w)?),
        None => return Err(format!("{lanes} lanes are not available here")),
    })
}

/// The kept run of some restarts, and every one's evaluation loss.
pub struct Best {
    /// The restarts these are, k0..k1.
    pub restarts: Range<u32>,
    /// Evaluation loss of restart k at index k − k0.
    pub eval_losses: Vec<f32>,
    /// The restart with the lowest evaluation loss (ties, and NaNs last, go to the lower k), trained
    /// to the group's step; `None` only for an empty range.
    pub best: Option<(u32, Trainer)>,
}

impl Best {
    /// The best restart's number and evaluation loss.
    pub fn best_restart(&self) -> Option<(u32, f32)> {
        self.best
            .as_ref()
            .map(|(k, _)| (*k, self.eval_losses[(*k - self.restarts.start) as usize]))
    }

    /// Whether restart `a` with loss `la` ranks before restart `b` with loss `lb`: the rule of
    /// `sweep::best_restart` (the lower loss by `total_cmp`, ties to the lower restart).
    pub fn before(a: (u32, f32), b: (u32, f32)) -> bool {
        a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)).is_lt()
    }

    /// The two results as one, for adjacent ranges (either order): the same as one group over both.
    pub fn merge(self, other: Best) -> Result<Best, String> {
        let (first, second) = if self.restarts.start <= other.restarts.start {
            (self, other)
        } else {
            (other, self)
        };
        if first.restarts.end != second.restarts.start {
            return Err(format!(
                "restarts {}..{} and {}..{} are not adjacent",
                first.restarts.start,
                first.restarts.end,
                second.restarts.start,
                second.restarts.end
            ));
        }
        let best = match (first.best_restart(), second.best_restart()) {
            (Some(a), Some(b)) if Best::before(b, a) => second.best,
            (Some(_), _) => first.best,
            (None, _) => second.best,
        };
        let mut eval_losses = first.eval_losses;
        eval_losses.extend(second.eval_losses);
        Ok(Best {
            restarts: first.restarts.start..second.restarts.end,
            eval_losses,
            best,
        })
    }
}

/// What is training now.
enum Unit {
    /// Restarts first..first + len in lanes.
    Lanes(Box<dyn LaneGroup>, u32),
    /// One restart.
    Single(Box<Trainer>, u32),
}

/// Restarts k0..k1 of one setting, trained to `until` a slice at a time.
pub struct RestartGroup {
    /// The setting, with the base seed.
    config: Config,
    until: u64,
    eval: Batch,
    width: Option<usize>,
    next: u32,
    unit: Option<Unit>,
    result: Best,
    steps_done: u64,
}

impl RestartGroup {
    /// Restarts `restarts` of `config` (restart k uses seed `config.seed + k`), each trained to
    /// `until`, ranked on `eval` (the setting's evaluation batch: `training::eval_batch(config,
    /// sweep::EVAL_ROWS, config.seed)` for a sweep). Small models train in lanes of the widest width
    /// this machine has.
    pub fn new(
        config: &Config,
        restarts: Range<u32>,
        until: u64,
        eval: Batch,
    ) -> Result<RestartGroup, String> {
        let width = in_lanes(config).then(|| widest(config));
        RestartGroup::with_width(config, restarts, until, eval, width)
    }

    /// As `new`, with the widest lane group given as its number of lanes (4, 8 or, in the lockstep
    /// order, 16; `None`: one `Trainer` at a time); the result is the same for every width.
    pub fn with_width(
        config: &Config,
        restarts: Range<u32>,
        until: u64,
        eval: Batch,
        width: Option<usize>,
    ) -> Result<RestartGroup, String> {
        config.check()?;
        if let Some(w) = width {
            if !in_lanes(config) {
                return Err("this model is too large to train in lanes".into());
            }
            if lane_width(config, w).is_none() {
                return Err(format!(
                    "{w} lanes are not available on this CPU for this order"
                ));
            }
        }
        Ok(RestartGroup {
            config: config.clone(),
            until,
            eval,
            width,
            next: restarts.start,
            unit: None,
            result: Best {
                restarts,
                eval_losses: Vec::new(),
                best: None,
            },
            steps_done: 0,
        })
    }

    /// Whether every restart is trained and ranked.
    pub fn done(&self) -> bool {
        self.unit.is_none() && self.next == self.result.restarts.end
    }

    /// Restart-steps trained so far, of [`RestartGroup::total_steps`].
    pub fn steps_done(&self) -> u64 {
        self.steps_done
    }

    pub fn total_steps(&self) -> u64 {
        self.result.restarts.len() as u64 * self.until
    }

    /// How many runs' weights are held now: those training (a lane group or one run) and the best so
    /// far. At most 17 (16 lanes and the best), whatever the number of restarts.
    pub fn runs_held(&self) -> usize {
        let training = match &self.unit {
            Some(Unit::Lanes(l, _)) => l.len(),
            Some(Unit::Single(..)) => 1,
            None => 0,
        };
        training + self.result.best.is_some() as usize
    }

    /// The lowest restart training now, for a picture of progress: its setting (with its seed), its
    /// parameters, its step and its loss history. None between units and once done.
    pub fn training(&self) -> Option<(Config, Vec<f32>, u64, Vec<f32>)> {
        match self.unit.as_ref()? {
            Unit::Lanes(l, _) => Some((
                l.config(0),
                l.params(0),
                l.step_count(),
                l.loss_history(0).to_vec(),
            )),
            Unit::Single(t, _) => Some((
                t.config().clone(),
                t.params().to_vec(),
                t.step_count(),
                t.loss_history().to_vec(),
            )),
        }
    }

    /// Restarts trained and ranked so far (from k0).
    pub fn finished(&self) -> u32 {
        self.result.eval_losses.len() as u32
    }

    /// What is kept so far: the finished restarts' evaluation losses and the best of them.
    pub fn result(&self) -> &Best {
        &self.result
    }

    pub fn into_result(self) -> Best {
        self.result
    }

    /// The best run, moved out once every restart is ranked (None before, or once taken); the
    /// evaluation losses stay.
    pub fn take_best(&mut self) -> Option<(u32, Trainer)> {
        if !self.done() {
            return None;
        }
        self.result.best.take()
    }

    /// Trains at most `steps` steps of the current restarts (a step of lanes trains each of them one
    /// step), ranking and starting restarts as they finish. Returns whether the group is done.
    pub fn advance(&mut self, mut steps: u64) -> bool {
        while steps > 0 && !self.done() {
            let seed = |k: u32| self.config.seed.wrapping_add(k);
            let unit = match self.unit.take() {
                Some(u) => u,
                None => {
                    let first = self.next;
                    let left = self.result.restarts.end - first;
                    match self.width.and_then(|w| fit(w, left)) {
                        Some(w) => {
                            let count = (w as u32).min(left);
                            let seeds: Vec<u32> = (first..first + count).map(seed).collect();
                            self.next += count;
                            let lanes = lane_group(&self.config, &seeds, w)
                                .expect("checked in new: the setting fits the lanes");
                            Unit::Lanes(lanes, first)
                        }
                        None => {
                            self.next += 1;
                            let config = Config {
                                seed: seed(first),
                                ..self.config.clone()
                            };
                            let t = Trainer::new(config).expect("checked in new");
                            Unit::Single(Box::new(t), first)
                        }
                    }
                }
            };
            self.unit = Some(self.train(unit, &mut steps));
            if let Some(unit) = self.unit.take() {
                if self.finished_unit(&unit) {
                    self.rank(unit);
                } else {
                    self.unit = Some(unit);
                }
            }
        }
        self.done()
    }

    fn train(&mut self, unit: Unit, steps: &mut u64) -> Unit {
        match unit {
            Unit::Lanes(mut l, first) => {
                let k = (*steps).min(self.until.saturating_sub(l.step_count()));
                let before = l.step_count();
                l.step(k);
                // Lanes that diverged stop early: count the whole of every restart once all stopped.
                let ran = if l.step_count() == before + k {
                    k
                } else {
                    self.until - before
                };
                self.steps_done += ran * l.len() as u64;
                *steps -= k.min(*steps);
                Unit::Lanes(l, first)
            }
            Unit::Single(mut t, first) => {
                let left = self.until.saturating_sub(t.step_count());
                let k = (*steps).min(left);
                t.step(k);
                self.steps_done += if t.diverged().is_some() { left } else { k };
                *steps -= k.min(*steps);
                Unit::Single(t, first)
            }
        }
    }

    fn finished_unit(&self, unit: &Unit) -> bool {
        match unit {
            Unit::Lanes(l, _) => l.step_count() >= self.until || (0..l.len()).all(|r| l.stopped(r)),
            Unit::Single(t, _) => t.step_count() >= self.until || t.diverged().is_some(),
        }
    }

    /// Evaluates the unit's restarts in order and keeps the best so far.
    fn rank(&mut self, unit: Unit) {
        match unit {
            Unit::Lanes(mut l, first) => {
                for r in 0..l.len() {
                    let loss = l.loss_on(r, &self.eval);
                    if self.result.offer(first + r as u32, loss) {
                        self.result.best = Some((first + r as u32, l.trainer(r)));
                    }
                }
            }
            Unit::Single(mut t, first) => {
                let loss = t.loss_on(&self.eval);
                if self.result.offer(first, loss) {
                    self.result.best = Some((first, *t));
                }
            }
        }
    }
}

impl Best {
    /// Records restart k's loss (the next restart of the range) and says whether it is the best so
    /// far (the caller then keeps it).
    fn offer(&mut self, k: u32, loss: f32) -> bool {
        debug_assert_eq!(k, self.restarts.start + self.eval_losses.len() as u32);
        let better = match self.best_restart() {
            None => true,
            Some(b) => Best::before((k, loss), b),
        };
        self.eval_losses.push(loss);
        better
    }
}

/// The lanes to train the next `left` restarts in, of at most `w`: a lane group costs about as much per
/// step however many of its lanes are in use, four lanes about two to four single runs' steps for these
/// small models and eight lanes three to eight (`tms bench --restarts`), so one or two restarts train
/// alone, three or four in four lanes and five to eight in eight.
fn fit(w: usize, left: u32) -> Option<usize> {
    match left {
        0..=2 => None,
        3..=4 => Some(4),
        5..=8 => Some(w.min(8)),
        _ => Some(w),
    }
}

/// Results of groups over parts of a range of restarts, combined as they come in any order: the
/// evaluation losses by restart and only the best run (memory bounded by the range's losses).
pub struct Tally {
    restarts: Range<u32>,
    eval_losses: Vec<Option<f32>>,
    best: Option<(u32, f32, Trainer)>,
}

impl Tally {
    pub fn new(restarts: Range<u32>) -> Tally {
        Tally {
            eval_losses: vec![None; restarts.len()],
            restarts,
            best: None,
        }
    }

    /// Adds the result of a group over part of the range.
    pub fn add(&mut self, part: Best) -> Result<(), String> {
        if part.restarts.start < self.restarts.start || part.restarts.end > self.restarts.end {
            return Err("a part outside the restarts".into());
        }
        let at = (part.restarts.start - self.restarts.start) as usize;
        let best = part.best_restart();
        for (slot, loss) in self.eval_losses[at..].iter_mut().zip(part.eval_losses) {
            if slot.replace(loss).is_some() {
                return Err("a restart given twice".into());
            }
        }
        if let (Some(b), Some((_, trainer))) = (best, part.best) {
            let better = match &self.best {
                None => true,
                Some((k, l, _)) => Best::before(b, (*k, *l)),
            };
            if better {
                self.best = Some((b.0, b.1, trainer));
            }
        }
        Ok(())
    }

    /// Every restart's loss and the best run, once all parts are in.
    pub fn finish(self) -> Result<Best, String> {
        let eval_losses: Option<Vec<f32>> = self.eval_losses.into_iter().collect();
        Ok(Best {
            eval_losses: eval_losses.ok_or("a restart is missing")?,
            restarts: self.restarts,
            best: self.best.map(|(k, _, t)| (k, t)),
        })
    }
}

/// Trains restarts `restarts` of `config` to `until` on `threads` threads (units of one lane group or
/// one run each, taken in order), calling `progress(restart_steps)` as they go; the result does not
/// depend on the thread count.
#[cfg(not(target_arch = "wasm32"))]
pub fn best_of(
    config: &Config,
    restarts: Range<u32>,
    until: u64,
    eval: &Batch,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Best, String> {
    config.check()?;
    let units = units(config, restarts.clone());
    let tally = std::sync::Mutex::new(Tally::new(restarts));
    run_units(&units, threads, |range| {
        let part = train_unit(config, range.clone(), until, eval, progress)?;
        tally.lock().unwrap().add(part)
    })?;
    tally.into_inner().unwrap().finish()
}

/// The restarts split into units of one lane group (or one run, for models too large for lanes).
pub fn units(config: &Config, restarts: Range<u32>) -> Vec<Range<u32>> {
    let unit = if in_lanes(config) {
        widest(config) as u32
    } else {
        1
    };
    restarts
        .clone()
        .step_by(unit as usize)
        .map(|k| k..(k + unit).min(restarts.end))
        .collect()
}

/// The estimated cost of training restarts `restarts` of `config` to `until` in one group (the page's
/// time estimate of a sweep): a step of a lane group costs about [`cost::LANE_GROUP_STEPS`] single steps
/// of the model, whatever the width and however many of its lanes are in use; a restart alone costs its
/// single steps ([`cost::restart_step_ns`]).
pub fn unit_ns(config: &Config, restarts: Range<u32>, until: u64) -> f64 {
    let single = cost::restart_step_ns(config) * until as f64;
    let group = if config.lockstep() {
        cost::lockstep_step_ns(config) * until as f64
    } else {
        cost::LANE_GROUP_STEPS * single
    };
    let width = in_lanes(config).then(|| widest(config));
    let (mut left, mut ns) = (restarts.len() as u32, 0.0);
    // The units `RestartGroup::advance` trains, one after another.
    while left > 0 {
        match width.and_then(|w| fit(w, left)) {
            Some(w) => {
                ns += group;
                left -= (w as u32).min(left);
            }
            None => {
                ns += single;
                left -= 1;
            }
        }
    }
    ns
}

/// Trains one unit of restarts to `until`, calling `progress(restart_steps)` as it goes.
pub fn train_unit(
    config: &Config,
    restarts: Range<u32>,
    until: u64,
    eval: &Batch,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Best, String> {
    let mut g = RestartGroup::new(config, restarts, until, eval.clone())?;
    let mut reported = 0;
    loop {
        let done = g.advance(100);
        progress(g.steps_done() - reported);
        reported = g.steps_done();
        if done {
            return Ok(g.into_result());
        }
    }
}

/// Runs `work` on each unit on up to `threads` threads, units taken in order; the first error, if any.
#[cfg(not(target_arch = "wasm32"))]
pub fn run_units<U: Sync>(
    units: &[U],
    threads: usize,
    work: impl Fn(&U) -> Result<(), String> + Sync,
) -> Result<(), String> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let next = AtomicUsize::new(0);
    let failed: Mutex<Option<String>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, units.len().max(1)) {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= units.len() || failed.lock().unwrap().is_some() {
                    break;
                }
                if let Err(e) = work(&units[k]) {
                    failed.lock().unwrap().get_or_insert(e);
                }
            });
        }
    });
    match failed.into_inner().unwrap() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
