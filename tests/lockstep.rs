//! The lockstep order computes a restart's numbers the same way whatever the width: the run alone (a
//! `Trainer` of a setting with order = lockstep, what a link opens) and the same restart as one of one,
//! four (SSE2) or eight (AVX2) lanes give the same weights and losses, bit for bit, at every step
//! checked; a lane handed over as a `Trainer` goes on as the run alone does; a best-of-K sweep in this
//! order keeps what single runs give. And it is a training order, not only a consistent one: it
//! learns the paper's small models.
#![cfg(not(target_arch = "wasm32"))]
// Lanes and seeds are walked by the same index.
#![allow(clippy::needless_range_loop)]

use tms_explorer::core::config::{Config, ModelKind, Order};
use tms_explorer::core::lanes;
use tms_explorer::core::lockstep::{Lockstep, Width};
use tms_explorer::core::restarts::RestartGroup;
use tms_explorer::core::training::{eval_batch, Trainer};

fn config(model: ModelKind, n: usize, m: usize, density: f32, hidden_bias: bool) -> Config {
    Config {
        model,
        n,
        m,
        hidden_bias,
        density: vec![density],
        importance: 0.8,
        batch: 64,
        steps: 1000,
        order: Order::Lockstep,
        ..Config::default()
    }
}

/// The single run of `config` with `seed`.
fn alone(config: &Config, seed: u32) -> Trainer {
    Trainer::new(Config {
        seed,
        ..config.clone()
    })
    .unwrap()
}

/// Every seed trained alone equals the same seed in every wider order, at each step of `checks`.
fn same_at_every_width(config: &Config, seeds: &[u32], checks: &[u64]) {
    let mut alone: Vec<Trainer> = seeds.iter().map(|&s| alone(config, s)).collect();
    let mut wide: Vec<(Width, Vec<Lockstep>)> = Width::ALL
        .into_iter()
        .filter(|w| w.available())
        .map(|w| {
            let groups = seeds
                .chunks(w.lanes())
                .map(|chunk| Lockstep::new(config, chunk, w).unwrap())
                .collect();
            (w, groups)
        })
        .collect();
    for &at in checks {
        for a in alone.iter_mut() {
            a.step(at - a.step_count());
            assert_eq!(a.step_count(), at, "the run alone trains on");
        }
        for (width, groups) in wide.iter_mut() {
            let mut k = 0;
            for g in groups.iter_mut() {
                g.step(at - g.step_count());
                for r in 0..g.len() {
                    let what = format!(
                        "{:?} hidden_bias={} n={} m={} density {:?} seed {} at step {at}, {width:?}",
                        config.model,
                        config.hidden_bias,
                        config.n,
                        config.m,
                        config.density,
                        seeds[k]
                    );
                    assert_eq!(g.config(r).seed, seeds[k], "{what}");
                    assert_eq!(g.params(r), alone[k].params(), "{what}: weights");
                    assert_eq!(g.loss_history(r), alone[k].loss_history(), "{what}: losses");
                    k += 1;
                }
            }
            assert_eq!(k, seeds.len());
        }
    }
}

/// Values as bits, every NaN as one pattern (Rust leaves a NaN's sign and payload unspecified).
fn bits(v: &[f32]) -> Vec<u32> {
    v.iter()
        .map(|x| {
            if x.is_nan() {
                f32::NAN.to_bits()
            } else {
                x.to_bits()
            }
        })
        .collect()
}

const SEEDS: [u32; 9] = [0, 1, 2, 3, 17, 99, 1234, 65_537, 4_000_000_000];

#[test]
fn every_model_gives_the_same_bits_at_every_width() {
    for model in ModelKind::ALL {
        let (n, m) = if model == ModelKind::Abs {
            (5, 2)
        } else {
            (10, 5)
        };
        for density in [1.0, 0.3, 0.05] {
            same_at_every_width(&config(model, n, m, density, false), &SEEDS, &[1, 9, 40]);
        }
    }
}

#[test]
fn the_hidden_bias_and_every_size_class_give_the_same_bits() {
    // The fixed sizes (10, 5), (20, 5), (5, 2) and the bounded-array path (7, 3), at the largest size
    // it takes.
    for (n, m) in [(10, 5), (20, 5), (5, 2), (7, 3), (32, 16)] {
        for hidden_bias in [false, true] {
            let c = config(ModelKind::ReluHidden, n, m, 0.15, hidden_bias);
            same_at_every_width(&c, &SEEDS[..5], &[3, 20]);
        }
    }
    // Per-feature densities and a batch that is not a multiple of anything.
    let mut c = config(ModelKind::ReluOutput, 20, 5, 0.0, false);
    c.density = (0..20).map(|i| 0.02 + 0.04 * i as f32).collect();
    c.batch = 37;
    same_at_every_width(&c, &SEEDS, &[5, 30]);
}

#[test]
fn a_restart_that_stops_being_finite_stops_where_it_would_alone() {
    // A learning rate this large sends the weights past f32's range within a few steps.
    let mut c = config(ModelKind::ReluOutput, 10, 5, 1.0, false);
    c.lr = 1e17;
    let mut g = Lockstep::new(&c, &SEEDS[..4], Width::Four).unwrap();
    g.step(50);
    for r in 0..4 {
        let mut alone = alone(&c, SEEDS[r]);
        alone.step(50);
        assert_eq!(
            g.stopped(r),
            alone.diverged().is_some(),
            "seed {}",
            SEEDS[r]
        );
        assert_eq!(
            bits(&g.params(r)),
            bits(alone.params()),
            "seed {}",
            SEEDS[r]
        );
        assert_eq!(bits(g.loss_history(r)), bits(alone.loss_history()));
        if g.stopped(r) {
            assert!(g.loss_history(r).len() < 50);
            let handed = g.trainer(r);
            assert_eq!(handed.diverged(), alone.diverged(), "seed {}", SEEDS[r]);
            assert_eq!(handed.fingerprint(), alone.fingerprint());
        }
    }
    assert!(
        (0..4).any(|r| g.stopped(r)),
        "the test needs a restart that diverges"
    );
}

#[test]
fn a_lane_handed_over_as_a_trainer_goes_on_as_its_run_alone() {
    for (model, n, m) in [(ModelKind::ReluHidden, 10, 5), (ModelKind::Abs, 5, 2)] {
        let c = config(model, n, m, 0.3, false);
        let mut g = Lockstep::new(&c, &SEEDS[..4], Width::Four).unwrap();
        g.step(30);
        for r in 0..4 {
            let mut handed = g.trainer(r);
            assert_eq!(handed.config(), &g.config(r));
            handed.step(25);
            let mut run = alone(&c, SEEDS[r]);
            run.step(55);
            assert_eq!(
                handed.fingerprint(),
                run.fingerprint(),
                "{model:?} seed {}",
                SEEDS[r]
            );
            assert_eq!(handed.loss_history(), run.loss_history());
            // Seeking back replays the lockstep order from step 0.
            handed.seek(12);
            run.seek(12);
            assert_eq!(handed.fingerprint(), run.fingerprint());
        }
    }
}

#[test]
fn a_setting_in_the_lockstep_order_trains_in_its_lanes_and_large_models_in_rows() {
    let c = config(ModelKind::ReluHidden, 10, 5, 0.3, false);
    assert!(c.lockstep());
    assert!(!lanes::supports(&c), "today's lanes are for the rows order");
    assert!(lanes::Lanes::new(&c, &[0, 1], lanes::Width::Four).is_err());
    // A model beyond the lockstep order's size trains in rows: the same numbers as order = rows.
    let big = config(ModelKind::ReluOutput, 40, 5, 0.3, false);
    assert!(!big.lockstep());
    let mut a = Trainer::new(big.clone()).unwrap();
    let mut b = Trainer::new(Config {
        order: Order::Rows,
        ..big
    })
    .unwrap();
    a.step(5);
    b.step(5);
    assert_eq!(a.fingerprint(), b.fingerprint());
    // The two orders differ on a small model: the order is part of what a link means.
    let mut rows = Trainer::new(Config {
        order: Order::Rows,
        ..c.clone()
    })
    .unwrap();
    let mut here = Trainer::new(c).unwrap();
    rows.step(5);
    here.step(5);
    assert_ne!(rows.fingerprint(), here.fingerprint());
}

#[test]
fn best_of_k_in_the_lockstep_order_keeps_what_single_runs_give_at_every_width() {
    // Nineteen restarts from seed 5: groups of sixteen (or eight, or four) lanes, then three in four.
    let mut c = config(ModelKind::ReluHidden, 10, 5, 0.15, false);
    c.seed = 5;
    let until = 30;
    let eval = eval_batch(&c, 256, c.seed);
    let singles: Vec<(f32, String)> = (0..19)
        .map(|k| {
            let mut t = alone(&c, 5 + k);
            t.step(until);
            (t.loss_on(&eval), t.fingerprint())
        })
        .collect();
    let lowest = (0..19)
        .min_by(|&a, &b| singles[a].0.total_cmp(&singles[b].0))
        .unwrap();
    for width in [
        None,
        Some(Width::Four),
        Some(Width::Eight),
        Some(Width::Sixteen),
    ] {
        if width.is_some_and(|w| !w.available()) {
            continue;
        }
        let lanes = width.map(|w| w.lanes());
        let mut g = RestartGroup::with_width(&c, 0..19, until, eval.clone(), lanes).unwrap();
        while !g.advance(7) {
            assert!(g.runs_held() <= 17);
        }
        let losses: Vec<u32> = g.result().eval_losses.iter().map(|l| l.to_bits()).collect();
        let want: Vec<u32> = singles.iter().map(|(l, _)| l.to_bits()).collect();
        assert_eq!(losses, want, "{width:?}");
        let (k, best) = g.take_best().unwrap();
        assert_eq!(k as usize, lowest, "{width:?}");
        assert_eq!(best.fingerprint(), singles[lowest].1, "{width:?}");
        assert_eq!(best.config().order, Order::Lockstep);
    }
}

#[test]
fn it_learns_the_papers_models_as_todays_order_does() {
    // Trained in this order, each model's loss falls below the loss of its initial weights and
    // ends where today's order ends: the same model and recipe on other draws of the same data, so the
    // two spread alike over seeds (median of 8 seeds' mean loss over the last 200 steps, within 25%).
    let seeds: Vec<u32> = (0..8).collect();
    let tail = |h: &[f32]| h[h.len() - 200..].iter().sum::<f32>() / 200.0;
    let median = |mut v: Vec<f32>| {
        v.sort_by(f32::total_cmp);
        (v[3] + v[4]) / 2.0
    };
    for model in ModelKind::ALL {
        let mut c = config(model, 10, 5, 0.1, false);
        c.batch = 512;
        let steps = 2000;
        let (mut here, mut today) = (Vec::new(), Vec::new());
        for chunk in seeds.chunks(Width::best().lanes()) {
            let mut g = Lockstep::new(&c, chunk, Width::best()).unwrap();
            g.step(steps);
            for r in 0..g.len() {
                let h = g.loss_history(r);
                assert!(
                    tail(h) < 0.8 * h[0],
                    "{model:?} seed {}: loss {} at step 1, {} at the end",
                    chunk[r],
                    h[0],
                    tail(h)
                );
                here.push(tail(h));
            }
        }
        for &seed in &seeds {
            let mut t = Trainer::new(Config {
                seed,
                order: Order::Rows,
                ..c.clone()
            })
            .unwrap();
            t.step(steps);
            today.push(tail(t.loss_history()));
        }
        let (here, today) = (median(here), median(today));
        assert!(
            (here / today - 1.0).abs() < 0.25,
            "{model:?}: median loss {here} in the lockstep order, {today} in today's"
        );
    }
}
