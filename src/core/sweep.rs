//! Sweeps: the same model at several densities, each the best of K restarts. Every (density, restart) is
//! an independent run (docs/science.md, "The recipe": training models together or apart gives the same
//! result), so a sweep is a list of jobs; natively they run on all cores (small models several restarts
//! at a time in vector lanes, `restarts.rs`), in the page on Web Workers. A sweep can be split into
//! shards for several machines; merging their results gives what one machine gives.

use std::ops::Range;

use crate::core::config::Config;
use crate::core::data::Batch;
use crate::core::restarts::Best;
use crate::core::training::{eval_batch, Trainer};
use serde::{Deserialize, Serialize};

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
    /// Which restart it is (seed `base.seed + best_restart`).
    pub best_restart: u32,
    /// Evaluation loss of each restart, in seed order.
    pub eval_losses: Vec<f32>,
}

/// Which part of a sweep one machine trains: shard `index` of `count` takes restarts
/// ⌊index·K/count⌋ to ⌊(index + 1)·K/count⌋ of every value, so each shard has a near-equal share of
/// every value's work (the values' costs differ, their shares do not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// From 0.
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// The whole sweep.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };
    /// The most shards a sweep is split into.
    pub const MAX: u32 = 100_000;

    /// Reads "K/N", shard K (from 1) of N.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || {
            format!(
                "'{text}' is not a shard K/N with 1 ≤ K ≤ N ≤ {} (for example 2/8)",
                Shard::MAX
            )
        };
        let (k, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let (k, n): (u32, u32) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if k == 0 || k > n || n > Shard::MAX {
            return Err(bad());
        }
        Ok(Shard {
            index: k - 1,
            count: n,
        })
    }

    /// As "K/N".
    pub fn text(self) -> String {
        format!("{}/{}", self.index + 1, self.count)
    }

    /// This shard's restarts of each value, of `restarts`.
    pub fn restarts(self, restarts: u32) -> Range<u32> {
        let at = |i: u32| (i as u64 * restarts as u64 / self.count as u64) as u32;
        at(self.index)..at(self.index + 1)
    }
}

/// What one shard of a sweep keeps for one value.
pub struct ShardPoint {
    pub value: f32,
    /// Its restarts of the value, their evaluation losses and the best of them (none if the shard
    /// has no restart of it).
    pub result: Best,
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

/// Runs the sweep on `threads` threads; the result does not depend on the thread count.
#[cfg(not(target_arch = "wasm32"))]
pub fn run(sweep: &Sweep, threads: usize, progress: &(dyn Fn(u64) + Sync)) -> Vec<Point> {
    run_shard(sweep, Shard::WHOLE, threads, progress)
        .into_iter()
        .map(|p| {
            let (best_restart, best) = p.result.best.expect("every value has a restart");
            Point {
                value: p.value,
                best,
                best_restart,
                eval_losses: p.result.eval_losses,
            }
        })
        .collect()
}

/// Trains one shard of the sweep on `threads` threads: units of one lane group (or one run) of one
/// value, taken in order, each value's results kept as they come (its restarts' losses and its best
/// run only). The result does not depend on the thread count.
#[cfg(not(target_arch = "wasm32"))]
pub fn run_shard(
    sweep: &Sweep,
    shard: Shard,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<ShardPoint> {
    use crate::core::restarts::{run_units, train_unit, units, Tally};
    use std::sync::Mutex;
    let restarts = shard.restarts(sweep.restarts.max(1));
    let configs: Vec<Config> = sweep
        .values
        .iter()
        .map(|&v| sweep.axis.apply(&sweep.base, v))
        .collect();
    let evals: Vec<Batch> = sweep.values.iter().map(|&v| sweep.eval_batch(v)).collect();
    let work: Vec<(usize, Range<u32>)> = configs
        .iter()
        .enumerate()
        .flat_map(|(v, c)| units(c, restarts.clone()).into_iter().map(move |r| (v, r)))
        .collect();
    let tallies: Vec<Mutex<Tally>> = configs
        .iter()
        .map(|_| Mutex::new(Tally::new(restarts.clone())))
        .collect();
    run_units(&work, threads, |(v, range)| {
        let part = train_unit(
            &configs[*v],
            range.clone(),
            sweep.until,
            &evals[*v],
            progress,
        )?;
        tallies[*v].lock().unwrap().add(part)
    })
    .expect("sweep jobs come from a checked config");
    sweep
        .values
        .iter()
        .zip(tallies)
        .map(|(&value, t)| ShardPoint {
            value,
            result: t
                .into_inner()
                .unwrap()
                .finish()
                .expect("every unit of the shard ran"),
        })
        .collect()
}

/// The shards' points merged into the sweep's: every shard 1..N of one count given exactly once (in
/// any order). The same points one machine's `run` gives.
pub fn merge(sweep: &Sweep, shards: Vec<(Shard, Vec<ShardPoint>)>) -> Result<Vec<Point>, String> {
    use crate::core::restarts::Tally;
    check_cover(&shards.iter().map(|(s, _)| *s).collect::<Vec<_>>())?;
    let k = sweep.restarts.max(1);
    let mut tallies: Vec<Tally> = sweep.values.iter().map(|_| Tally::new(0..k)).collect();
    for (s, points) in shards {
        if points.len() != sweep.values.len() {
            return Err(format!(
                "shard {} has {} values; the sweep has {}",
                s.text(),
                points.len(),
                sweep.values.len()
            ));
        }
        for (v, point) in points.into_iter().enumerate() {
            if point.value.to_bits() != sweep.values[v].to_bits() {
                return Err(format!(
                    "shard {}'s value {} is {}; the sweep's is {}",
                    s.text(),
                    v + 1,
                    point.value,
                    sweep.values[v]
                ));
            }
            if point.result.restarts != s.restarts(k) {
                return Err(format!(
                    "shard {} holds restarts {}..{} of {}; shard {} of {k} restarts is {:?}",
                    s.text(),
                    point.result.restarts.start,
                    point.result.restarts.end,
                    point.value,
                    s.text(),
                    s.restarts(k)
                ));
            }
            tallies[v].add(point.result)?;
        }
    }
    sweep
        .values
        .iter()
        .zip(tallies)
        .map(|(&value, t)| {
            let result = t
                .finish()
                .map_err(|_| format!("the shards do not cover every restart of {value}"))?;
            let (best_restart, best) = result.best.ok_or("a value without a restart")?;
            Ok(Point {
                value,
                best,
                best_restart,
                eval_losses: result.eval_losses,
            })
        })
        .collect()
}

/// A shard's result as a file, written by `tms sweep --shard K/N --json FILE` and read by `tms sweep
/// merge`: the sweep it is part of, and for each value its restarts' evaluation losses and the
/// fingerprint of the best of them. Numbers are written as text that reads back to the same bits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardFile {
    /// Always [`ShardFile::KIND`].
    pub kind: String,
    /// The sweep's base settings (`Config::to_text`).
    pub settings: String,
    pub axis: String,
    pub values: Vec<String>,
    pub restarts: u32,
    pub until: u64,
    /// "K/N".
    pub shard: String,
    pub points: Vec<ShardFilePoint>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardFilePoint {
    pub value: String,
    /// The first of this shard's restarts of the value; `eval_losses` are its restarts in order.
    pub first_restart: u32,
    pub eval_losses: Vec<String>,
    /// The best of them and its run's fingerprint (none when the shard has no restart of the value).
    pub best_restart: Option<u32>,
    pub best_fingerprint: Option<String>,
}

/// A number as text that reads back to the same bits (`text_f32`): finite ones as Rust prints them,
/// others (a diverged run's loss) by their bits.
pub fn f32_text(x: f32) -> String {
    if x.is_finite() {
        format!("{x:e}")
    } else {
        format!("bits:{:08x}", x.to_bits())
    }
}

pub fn text_f32(text: &str) -> Result<f32, String> {
    match text.strip_prefix("bits:") {
        Some(hex) => u32::from_str_radix(hex, 16).map(f32::from_bits).ok(),
        None => text.parse::<f32>().ok().filter(|x| x.is_finite()),
    }
    .ok_or_else(|| format!("'{text}' is not a number"))
}

impl ShardFile {
    pub const KIND: &'static str = "tms sweep shard";

    /// What shard `shard` of `sweep` (its `run_shard` result) writes.
    pub fn new(sweep: &Sweep, shard: Shard, points: &[ShardPoint]) -> ShardFile {
        ShardFile {
            kind: ShardFile::KIND.into(),
            settings: sweep.base.to_text(),
            axis: sweep.axis.id().into(),
            values: sweep.values.iter().map(|&v| f32_text(v)).collect(),
            restarts: sweep.restarts,
            until: sweep.until,
            shard: shard.text(),
            points: points
                .iter()
                .map(|p| ShardFilePoint {
                    value: f32_text(p.value),
                    first_restart: p.result.restarts.start,
                    eval_losses: p.result.eval_losses.iter().map(|&l| f32_text(l)).collect(),
                    best_restart: p.result.best.as_ref().map(|(k, _)| *k),
                    best_fingerprint: p.result.best.as_ref().map(|(_, t)| t.fingerprint()),
                })
                .collect(),
        }
    }

    /// The sweep this shard is part of, and which shard it is.
    pub fn sweep(&self) -> Result<(Sweep, Shard), String> {
        if self.kind != ShardFile::KIND {
            return Err(format!("not a sweep shard (kind '{}')", self.kind));
        }
        let axis = Axis::from_id(&self.axis).ok_or_else(|| format!("no axis '{}'", self.axis))?;
        let values = self
            .values
            .iter()
            .map(|v| text_f32(v))
            .collect::<Result<Vec<f32>, String>>()?;
        let base = Config::from_text(&self.settings)?;
        Ok((
            Sweep {
                base,
                axis,
                values,
                restarts: self.restarts,
                until: self.until,
            },
            Shard::parse(&self.shard)?,
        ))
    }
}

/// Checks that the shards are every shard 1..N of one count exactly once.
fn check_cover(shards: &[Shard]) -> Result<(), String> {
    let Some(first) = shards.first() else {
        return Err("no shards to merge".into());
    };
    let mut seen = vec![false; first.count as usize];
    for s in shards {
        if s.count != first.count {
            return Err(format!(
                "shard {} is one of {} shards; shard {} is one of {}",
                s.text(),
                s.count,
                first.text(),
                first.count
            ));
        }
        if std::mem::replace(&mut seen[s.index as usize], true) {
            return Err(format!("shard {} is given twice", s.text()));
        }
    }
    match seen.iter().position(|&s| !s) {
        Some(missing) => Err(format!("shard {}/{} is missing", missing + 1, first.count)),
        None => Ok(()),
    }
}

/// The shard files of one sweep merged: the sweep and the points one machine's `run` gives. Each
/// value's best restart is trained again from its seed (one run per value) and must have the
/// fingerprint its shard recorded.
pub fn merge_files(files: &[ShardFile]) -> Result<(Sweep, Vec<Point>), String> {
    let read: Vec<(Sweep, Shard)> = files
        .iter()
        .map(ShardFile::sweep)
        .collect::<Result<_, _>>()?;
    let Some((sweep, _)) = read.first().cloned() else {
        return Err("no shards to merge".into());
    };
    if let Some((_, s)) = read.iter().find(|(w, _)| *w != sweep) {
        return Err(format!(
            "shard {} is of another sweep than shard {}",
            s.text(),
            read[0].1.text()
        ));
    }
    let shards: Vec<Shard> = read.iter().map(|(_, s)| *s).collect();
    check_cover(&shards)?;
    let k = sweep.restarts.max(1);
    let mut points = vec![];
    for (v, &value) in sweep.values.iter().enumerate() {
        let mut losses: Vec<Option<f32>> = vec![None; k as usize];
        let mut fingerprints: Vec<Option<&str>> = vec![None; k as usize];
        for (file, shard) in files.iter().zip(&shards) {
            let p = file
                .points
                .get(v)
                .filter(|p| text_f32(&p.value).ok().map(f32::to_bits) == Some(value.to_bits()))
                .ok_or_else(|| format!("shard {} has no value {value}", shard.text()))?;
            let range = shard.restarts(k);
            if p.first_restart != range.start || p.eval_losses.len() != range.len() {
                return Err(format!(
                    "shard {} of {value} holds {} restarts from {}; shard {} of {k} restarts is {}..{}",
                    shard.text(),
                    p.eval_losses.len(),
                    p.first_restart,
                    shard.text(),
                    range.start,
                    range.end
                ));
            }
            for (r, l) in range.clone().zip(&p.eval_losses) {
                losses[r as usize] = Some(text_f32(l)?);
            }
            if let (Some(b), Some(f)) = (p.best_restart, &p.best_fingerprint) {
                if range.contains(&b) {
                    fingerprints[b as usize] = Some(f);
                }
            }
        }
        let eval_losses: Vec<f32> = losses.into_iter().map(Option::unwrap).collect();
        let best_restart = best_restart(&eval_losses).expect("at least one restart") as u32;
        let config = Config {
            seed: sweep.base.seed.wrapping_add(best_restart),
            ..sweep.axis.apply(&sweep.base, value)
        };
        let mut best = Trainer::new(config)?;
        best.step(sweep.until);
        let recorded = fingerprints[best_restart as usize]
            .ok_or_else(|| format!("no shard kept restart {best_restart} of {value}"))?;
        if best.fingerprint() != recorded {
            return Err(format!(
                "restart {best_restart} of {value} trained here has fingerprint {}; its shard recorded {recorded} (were the shards built from another version?)",
                best.fingerprint()
            ));
        }
        points.push(Point {
            value,
            best,
            best_restart,
            eval_losses,
        });
    }
    Ok((sweep, points))
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
