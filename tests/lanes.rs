//! Restarts trained together in vector lanes are, each of them, bit for bit the single run of its seed:
//! the same weights, optimizer state, data stream and losses at every step checked.
#![cfg(not(target_arch = "wasm32"))]

use tms_explorer::core::config::{Config, ModelKind};
use tms_explorer::core::lanes::{Lanes, Width};
use tms_explorer::core::training::Trainer;

fn widths() -> Vec<Width> {
    [Width::Four, Width::Eight]
        .into_iter()
        .filter(|w| w.available())
        .collect()
}

/// Trains `seeds` together to each step of `checks` and compares every lane with its own `Trainer`.
fn agree(config: &Config, all_seeds: &[u32], checks: &[u64]) {
    for width in widths() {
        for seeds in all_seeds.chunks(width.lanes()) {
            agree_in(config, seeds, checks, width);
        }
    }
}

fn agree_in(config: &Config, seeds: &[u32], checks: &[u64], width: Width) {
    {
        let mut lanes = Lanes::new(config, seeds, width).unwrap();
        let mut singles: Vec<Trainer> = seeds
            .iter()
            .map(|&seed| {
                Trainer::new(Config {
                    seed,
                    ..config.clone()
                })
                .unwrap()
            })
            .collect();
        for &at in checks {
            lanes.step(at - lanes.step_count());
            for (r, single) in singles.iter_mut().enumerate() {
                single.step(at - single.step_count());
                let what = format!(
                    "{:?} hidden_bias={} n={} m={} density {:?} seed {} at step {at}, {width:?}",
                    config.model, config.hidden_bias, config.n, config.m, config.density, seeds[r]
                );
                assert_eq!(lanes.params(r), single.params(), "{what}: weights");
                assert_eq!(
                    lanes.loss_history(r),
                    single.loss_history(),
                    "{what}: losses"
                );
                let t = lanes.trainer(r);
                assert_eq!(t.fingerprint(), single.fingerprint(), "{what}");
                assert_eq!(t.step_count(), single.step_count(), "{what}");
            }
        }
        // The lanes' trainers go on exactly as the single runs do.
        for (r, single) in singles.iter_mut().enumerate() {
            let mut t = lanes.trainer(r);
            t.step(7);
            single.step(7);
            assert_eq!(t.params(), single.params(), "continued, lane {r}");
        }
    }
}

fn config(model: ModelKind, n: usize, m: usize, density: f32) -> Config {
    Config {
        model,
        n,
        m,
        density: vec![density],
        importance: 0.8,
        batch: 256,
        steps: 1000,
        ..Config::default()
    }
}

#[test]
fn the_privileged_basis_model_in_lanes_is_its_single_runs() {
    for density in [0.75, 0.35, 0.15, 0.12, 0.06, 0.04] {
        let c = Config {
            importance: 0.75,
            batch: 1024,
            ..config(ModelKind::ReluHidden, 10, 5, density)
        };
        agree(&c, &[0, 1, 2, 3, 4, 5, 6, 7], &[1, 2, 60]);
    }
}

#[test]
fn every_model_in_lanes_is_its_single_runs() {
    for model in ModelKind::ALL {
        for (n, m) in [(20, 5), (5, 2), (7, 3), (3, 6), (1, 2)] {
            for density in [1.0, 0.3, 0.05, 0.01] {
                let c = config(model, n, m, density);
                agree(&c, &[11, 12, 13, 14, 15], &[1, 40]);
            }
        }
    }
}

#[test]
fn hidden_bias_and_schedules_in_lanes_are_their_single_runs() {
    for density in [1.0, 0.3, 0.05] {
        let c = Config {
            hidden_bias: true,
            schedule: tms_explorer::core::config::Schedule::Cosine,
            steps: 50,
            ..config(ModelKind::ReluHidden, 10, 5, density)
        };
        agree(&c, &[3, 4, 5, 6, 7, 8, 9, 10], &[1, 50]);
    }
}
