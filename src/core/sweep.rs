//! Sweeps: the same model at several densities, each the best of K restarts. Every (density, restart) is
//! an independent run (docs/science.md, "The recipe": training models together or apart gives the same
//! result), so a sweep is a list of jobs; natively they run on all cores, in the page on Web Workers.

use crate::core::config::Config;
use crate::core::data::Batch;
use crate::core::training::{eval_batch, Trainer};

/// Rows of the fixed evaluation batch that ranks restarts.
pub const EVAL_ROWS: usize = 8192;
/// A restart "agrees" with the best when its evaluation loss is within this factor of the best one.
pub const AGREE: f32 = 1.05;

/// What a sweep varies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Axis {
    /// The feature probability 1 − S (one value for every feature).
    Density,
    /// The importance decay r (I_i = r^i).
    Importance,
}

impl Axis {
    pub fn id(self) -> &'static str {
        match self {
            Axis::Density => "density",
            Axis::Importance => "importance",
        }
    }

    pub fn from_id(id: &str) -> Option<Axis> {
        [Axis::Density, Axis::Importance]
            .into_iter()
            .find(|a| a.id() == id)
    }

    /// The setting with this value, on top of `base`.
    pub fn apply(self, base: &Config, value: f32) -> Config {
        match self {
            Axis::Density => Config {
                density: vec![value],
                ..base.clone()
            },
            Axis::Importance => Config {
                importance: value,
                ..base.clone()
            },
        }
    }

    /// How a panel is labelled ("1−S = 0.01", "r = 0.8").
    pub fn label(self, value: f32) -> String {
        match self {
            Axis::Density => format!("1−S = {value}"),
            Axis::Importance => format!("Iᵢ = {value}ⁱ"),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// Everything but the swept setting (and the seed of each restart).
    pub base: Config,
    pub axis: Axis,
    pub values: Vec<f32>,
    /// Restarts per value; restart k uses seed `base.seed + k`.
    pub restarts: u32,
    /// Each run is trained to this step (the budget, or a link's step).
    pub until: u64,
}

impl Sweep {
    /// A density sweep trained to the step budget.
    pub fn densities(base: Config, densities: Vec<f32>, restarts: u32) -> Sweep {
        Sweep {
            until: base.steps,
            base,
            axis: Axis::Density,
            values: densities,
            restarts,
        }
    }

    /// One run per (value, restart), values outer.
    pub fn jobs(&self) -> Vec<Config> {
        let mut jobs = vec![];
        for &v in &self.values {
            for k in 0..self.restarts.max(1) {
                jobs.push(Config {
                    seed: self.base.seed.wrapping_add(k),
                    ..self.axis.apply(&self.base, v)
                });
            }
        }
        jobs
    }

    /// The evaluation batch for one value: the same for every restart, drawn from the base seed.
    pub fn eval_batch(&self, value: f32) -> Batch {
        eval_batch(
            &self.axis.apply(&self.base, value),
            EVAL_ROWS,
            self.base.seed,
        )
    }
}

/// One value's outcome: the best restart.
pub struct Point {
    pub value: f32,
    pub best: Trainer,
    /// Evaluation loss of each restart, in seed order.
    pub eval_losses: Vec<f32>,
}

impl Point {
    pub fn best_eval_loss(&self) -> f32 {
        self.eval_losses
            .iter()
            .copied()
            .fold(f32::INFINITY, f32::min)
    }

    /// How many restarts reached (nearly) the best loss.
    pub fn agreeing(&self) -> usize {
        agreeing(&self.eval_losses)
    }
}

/// The restart a sweep keeps: the lowest evaluation loss; ties (and NaNs, last) go to the lower seed.
/// `None` for no restarts. The page's sweep asks this too, so both choose alike.
pub fn best_restart(eval_losses: &[f32]) -> Option<usize> {
    (0..eval_losses.len())
        .min_by(|&a, &b| eval_losses[a].total_cmp(&eval_losses[b]).then(a.cmp(&b)))
}

/// How many restarts are within [`AGREE`] of the best evaluation loss.
pub fn agreeing(eval_losses: &[f32]) -> usize {
    let best = eval_losses.iter().copied().fold(f32::INFINITY, f32::min);
    eval_losses.iter().filter(|&&l| l <= best * AGREE).count()
}

/// Trains one job to its step budget, calling `progress(steps)` as it goes; returns the trainer and its
/// loss on `eval`.
pub fn train_job(
    config: &Config,
    until: u64,
    eval: &Batch,
    mut progress: impl FnMut(u64),
) -> (Trainer, f32) {
    let mut trainer = Trainer::new(config.clone()).expect("sweep jobs come from a checked config");
    let mut left = until;
    while left > 0 {
        let k = left.min(250);
        trainer.step(k);
        progress(k);
        left -= k;
    }
    let loss = trainer.loss_on(eval);
    (trainer, loss)
}

/// Runs the sweep on `threads` threads; the result does not depend on the thread count.
#[cfg(not(target_arch = "wasm32"))]
pub fn run(sweep: &Sweep, threads: usize, progress: &(dyn Fn(u64) + Sync)) -> Vec<Point> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let jobs = sweep.jobs();
    let evals: Vec<Batch> = sweep.values.iter().map(|&v| sweep.eval_batch(v)).collect();
    let per_density = sweep.restarts.max(1) as usize;
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Option<(Trainer, f32)>>> =
        Mutex::new((0..jobs.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, jobs.len().max(1)) {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= jobs.len() {
                    break;
                }
                let result = train_job(&jobs[k], sweep.until, &evals[k / per_density], progress);
                done.lock().unwrap()[k] = Some(result);
            });
        }
    });
    let mut results = done.into_inner().unwrap().into_iter();
    sweep
        .values
        .iter()
        .map(|&value| {
            let runs: Vec<(Trainer, f32)> = (0..per_density)
                .map(|_| results.next().unwrap().unwrap())
                .collect();
            let eval_losses: Vec<f32> = runs.iter().map(|r| r.1).collect();
            let best_k = best_restart(&eval_losses).unwrap();
            let best = runs.into_iter().nth(best_k).unwrap().0;
            Point {
                value,
                best,
                eval_losses,
            }
        })
        .collect()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::config::ModelKind;

    #[test]
    fn a_sweep_keeps_the_best_restart_and_ignores_the_thread_count() {
        let sweep = Sweep::densities(
            Config {
                model: ModelKind::ReluOutput,
                n: 5,
                m: 2,
                batch: 128,
                steps: 300,
                seed: 10,
                ..Config::default()
            },
            vec![1.0, 0.1],
            3,
        );
        let one = run(&sweep, 1, &|_| {});
        let two = run(&sweep, 2, &|_| {});
        assert_eq!(one.len(), 2);
        for (a, b) in one.iter().zip(&two) {
            assert_eq!(a.best.params(), b.best.params());
            assert_eq!(a.eval_losses, b.eval_losses);
            assert_eq!(a.eval_losses.len(), 3);
            // The kept run is the restart with the lowest evaluation loss, and it is that seed's run.
            let best_k = a
                .eval_losses
                .iter()
                .position(|&l| l == a.best_eval_loss())
                .unwrap();
            assert_eq!(a.best.config().seed, 10 + best_k as u32);
            let mut again = Trainer::new(a.best.config().clone()).unwrap();
            again.step(300);
            assert_eq!(again.params(), a.best.params());
            assert!(a.agreeing() >= 1);
        }
        assert_eq!(one[1].best.config().density, vec![0.1]);
    }
}
