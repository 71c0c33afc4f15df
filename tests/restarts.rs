//! Best of K restarts: groups trained in lanes rank and keep exactly what one run at a time does, in
//! bounded memory, at any slicing; a 1,000-restart sweep keeps its lowest evaluation loss; a sweep split
//! into shards and merged is the sweep trained on one machine.
#![cfg(not(target_arch = "wasm32"))]

use tms_explorer::core::config::{Config, ModelKind};
use tms_explorer::core::lanes::Width;
use tms_explorer::core::restarts::{best_of, RestartGroup};
use tms_explorer::core::sweep::{self, Shard, Sweep, EVAL_ROWS};
use tms_explorer::core::training::{eval_batch, Trainer};

fn small(model: ModelKind, density: f32) -> Config {
    Config {
        model,
        n: 10,
        m: 5,
        density: vec![density],
        importance: 0.75,
        batch: 128,
        steps: 60,
        seed: 5,
        ..Config::default()
    }
}

#[test]
fn a_group_in_lanes_keeps_what_single_runs_keep_at_any_slicing() {
    for (model, density) in [
        (ModelKind::ReluHidden, 0.15),
        (ModelKind::Abs, 0.3),
        (ModelKind::ReluOutput, 0.04),
    ] {
        let c = small(model, density);
        let eval = eval_batch(&c, 2048, c.seed);
        let mut widths = vec![None, Some(Width::Four)];
        if Width::Eight.available() {
            widths.push(Some(Width::Eight));
        }
        let results: Vec<_> = widths
            .iter()
            .zip([1000u64, 7, 13])
            .map(|(&w, slice)| {
                let mut g =
                    RestartGroup::with_width(&c, 3..22, 60, eval.clone(), w.map(|w| w.lanes()))
                        .unwrap();
                while !g.advance(slice) {
                    assert!(g.runs_held() <= 9);
                }
                assert_eq!(g.steps_done(), g.total_steps());
                g.into_result()
            })
            .collect();
        for r in &results {
            assert_eq!(r.restarts, 3..22);
            assert_eq!(
                r.eval_losses
                    .iter()
                    .map(|l| l.to_bits())
                    .collect::<Vec<_>>(),
                results[0]
                    .eval_losses
                    .iter()
                    .map(|l| l.to_bits())
                    .collect::<Vec<_>>(),
                "{model:?}: every restart's evaluation loss"
            );
            let (k, t) = r.best.as_ref().unwrap();
            assert_eq!(*k, results[0].best.as_ref().unwrap().0);
            assert_eq!(
                t.fingerprint(),
                results[0].best.as_ref().unwrap().1.fingerprint()
            );
            assert_eq!(t.loss_history().len(), 60);
        }
        // The kept run is restart k's own run, and it has the lowest loss.
        let (k, kept) = results[0].best.as_ref().unwrap();
        let mut alone = Trainer::new(Config {
            seed: c.seed + k,
            ..c.clone()
        })
        .unwrap();
        alone.step(60);
        assert_eq!(alone.params(), kept.params());
        assert_eq!(alone.loss_on(&eval), results[0].best_restart().unwrap().1);
        let lowest = results[0]
            .eval_losses
            .iter()
            .copied()
            .fold(f32::INFINITY, f32::min);
        assert_eq!(results[0].best_restart().unwrap().1, lowest);
    }
}

#[test]
fn a_thousand_restart_sweep_keeps_the_lowest_evaluation_loss_in_bounded_memory() {
    let base = Config {
        batch: 32,
        steps: 20,
        seed: 100,
        ..small(ModelKind::ReluHidden, 0.1)
    };
    let spec = Sweep::densities(base.clone(), vec![0.35, 0.06], 1000);
    let points = sweep::run(&spec, 2, &|_| {});
    for p in &points {
        assert_eq!(p.eval_losses.len(), 1000);
        let lowest = (0..1000)
            .min_by(|&a, &b| p.eval_losses[a].total_cmp(&p.eval_losses[b]))
            .unwrap();
        assert_eq!(p.best_restart as usize, lowest);
        assert_eq!(p.best.config().seed, 100 + lowest as u32);
        // Spot-check losses against single runs.
        let eval = spec.eval_batch(p.value);
        for k in [0u32, 499, lowest as u32, 999] {
            let mut t = Trainer::new(Config {
                seed: 100 + k,
                ..sweep::Sweep::densities(base.clone(), vec![p.value], 1)
                    .axis
                    .apply(&base, p.value)
            })
            .unwrap();
            t.step(20);
            assert_eq!(t.loss_on(&eval), p.eval_losses[k as usize], "restart {k}");
        }
    }
    // One group over all of them holds at most one lane group and the best at any time.
    let c = spec.axis.apply(&base, 0.06);
    let eval = eval_batch(&c, EVAL_ROWS, c.seed);
    let mut g = RestartGroup::new(&c, 0..1000, 20, eval.clone()).unwrap();
    let mut most = 0;
    while !g.advance(5) {
        most = most.max(g.runs_held());
    }
    assert!(most <= 9, "{most} runs held at once");
    assert_eq!(g.result().eval_losses, points[1].eval_losses);
    // And the threaded version agrees.
    let threaded = best_of(&c, 0..1000, 20, &eval, 2, &|_| {}).unwrap();
    assert_eq!(threaded.eval_losses, points[1].eval_losses);
}

#[test]
fn shards_merged_are_the_sweep_trained_on_one_machine() {
    for (model, restarts, shards) in [
        (ModelKind::ReluHidden, 19, 3),
        (ModelKind::Abs, 5, 4),
        (ModelKind::ReluOutput, 2, 5),
    ] {
        let base = Config {
            n: 12,
            m: 4,
            ..small(model, 0.2)
        };
        let spec = Sweep::densities(base, vec![0.5, 0.1, 0.02], restarts);
        let whole = sweep::run(&spec, 2, &|_| {});
        // Shards trained in any order, merged in another.
        let mut parts: Vec<_> = (0..shards)
            .rev()
            .map(|k| {
                let s = Shard {
                    index: k,
                    count: shards,
                };
                (s, sweep::run_shard(&spec, s, 1, &|_| {}))
            })
            .collect();
        parts.swap(0, shards as usize - 1);
        let merged = sweep::merge(&spec, parts).unwrap();
        for (a, b) in whole.iter().zip(&merged) {
            assert_eq!(a.value, b.value);
            assert_eq!(a.best_restart, b.best_restart);
            assert_eq!(a.best.fingerprint(), b.best.fingerprint());
            assert_eq!(a.best.loss_history(), b.best.loss_history());
            assert_eq!(a.eval_losses, b.eval_losses);
        }
        // A missing shard is refused, as is one given twice.
        let one = |k| {
            let s = Shard {
                index: k,
                count: shards,
            };
            (s, sweep::run_shard(&spec, s, 1, &|_| {}))
        };
        assert!(sweep::merge(&spec, vec![one(0)]).is_err());
        assert!(sweep::merge(&spec, (0..=shards).map(|k| one(k % shards)).collect()).is_err());
    }
    assert_eq!(Shard::parse("2/8"), Ok(Shard { index: 1, count: 8 }));
    for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
        assert!(Shard::parse(bad).is_err(), "{bad}");
    }
    // Every restart in exactly one shard.
    for (k, n) in [(7u32, 3u32), (2, 5), (1000, 7)] {
        let mut all: Vec<u32> = (0..n)
            .flat_map(|i| Shard { index: i, count: n }.restarts(k))
            .collect();
        all.sort();
        assert_eq!(all, (0..k).collect::<Vec<_>>());
    }
}
