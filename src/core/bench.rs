//! The benchmark cases of `tms bench`, shared by the native run and the wasm run under Node
//! (`tests/web/bench.mjs` asks the wasm build for the same list), so both time the same work.

use crate::core::config::{Config, ModelKind};

pub struct Case {
    pub name: &'static str,
    pub config: Config,
    /// Steps per timed run: enough for ~0.2 s or more on this machine.
    pub steps: u64,
}

pub fn cases() -> Vec<Case> {
    let base = Config {
        batch: 1024,
        ..Config::default()
    };
    vec![
        Case {
            name: "relu-output n=20 m=5 density 0.01",
            config: Config {
                model: ModelKind::ReluOutput,
                n: 20,
                m: 5,
                density: vec![0.01],
                importance: 0.7,
                ..base.clone()
            },
            steps: 2000,
        },
        Case {
            name: "abs n=100 m=40 density 0.01",
            config: Config {
                model: ModelKind::Abs,
                n: 100,
                m: 40,
                density: vec![0.01],
                importance: 0.8,
                ..base.clone()
            },
            steps: 400,
        },
        Case {
            name: "abs n=100 m=40 dense",
            config: Config {
                model: ModelKind::Abs,
                n: 100,
                m: 40,
                density: vec![1.0],
                importance: 0.8,
                ..base.clone()
            },
            steps: 100,
        },
        Case {
            name: "relu-hidden n=10 m=5 density 0.1",
            config: Config {
                model: ModelKind::ReluHidden,
                n: 10,
                m: 5,
                density: vec![0.1],
                importance: 0.75,
                ..base
            },
            steps: 1000,
        },
    ]
}

/// The middle value (the upper one of an even count).
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Median steps per second over `runs` timed runs, after one untimed warm-up. Each run starts from a
/// fresh trainer (so early and late training, whose sparsity differs, are weighed alike every run).
#[cfg(not(target_arch = "wasm32"))]
pub fn measure(case: &Case, runs: usize) -> f64 {
    use crate::core::training::Trainer;
    let mut rates = vec![];
    for run in 0..=runs {
        let mut t = Trainer::new(case.config.clone()).expect("bench configs are valid");
        let start = std::time::Instant::now();
        t.step(case.steps);
        let secs = start.elapsed().as_secs_f64();
        if run > 0 {
            rates.push(case.steps as f64 / secs);
        }
    }
    median(rates)
}

/// The cases of `tms bench --restarts`: the small models of the paper's best-of-1000 figures, where
/// restarts train together in vector lanes (`lanes.rs`).
pub fn restart_cases() -> Vec<Case> {
    let keep = [
        "relu-hidden n=10 m=5 density 0.1",
        "relu-output n=20 m=5 density 0.01",
    ];
    cases()
        .into_iter()
        .filter(|c| keep.contains(&c.name))
        .map(|c| Case {
            steps: c.steps / 2,
            ..c
        })
        .collect()
}

/// A way of training many restarts of one setting in `measure_restarts`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Way {
    /// One `Trainer` after another.
    Singles,
    /// Groups of lanes of this width in the rows order (`lanes.rs`).
    Lanes(crate::core::lanes::Width),
    /// Groups of lanes of this width in the lockstep order (`lockstep.rs`).
    Lockstep(crate::core::lockstep::Width),
}

impl Way {
    pub fn label(self) -> String {
        match self {
            Way::Singles => "singles".into(),
            Way::Lanes(w) => format!("lanes ×{}", w.lanes()),
            Way::Lockstep(w) => format!("lockstep ×{}", w.lanes()),
        }
    }
}

/// Median restart-steps per second on one thread for each way of training in `ways`, over `runs` timed
/// runs after one untimed warm-up, the ways interleaved run by run so a change in the machine's load
/// falls on all of them alike. A run trains `restarts` restarts of the case (seeds seed..seed +
/// restarts) for `case.steps` steps each.
#[cfg(not(target_arch = "wasm32"))]
pub fn measure_restarts(case: &Case, ways: &[Way], restarts: u32, runs: usize) -> Vec<f64> {
    use crate::core::lanes::Lanes;
    use crate::core::lockstep::Lockstep;
    use crate::core::training::Trainer;
    let seeds: Vec<u32> = (0..restarts)
        .map(|k| case.config.seed.wrapping_add(k))
        .collect();
    let mut rates = vec![vec![]; ways.len()];
    for run in 0..=runs {
        for (way, rates) in ways.iter().zip(&mut rates) {
            let start = std::time::Instant::now();
            match *way {
                Way::Singles => {
                    for &seed in &seeds {
                        let config = Config {
                            seed,
                            ..case.config.clone()
                        };
                        let mut t = Trainer::new(config).expect("bench configs are valid");
                        t.step(case.steps);
                    }
                }
                Way::Lanes(w) => {
                    for group in seeds.chunks(w.lanes()) {
                        let mut l = Lanes::new(&case.config, group, w)
                            .expect("bench configs fit the lanes");
                        l.step(case.steps);
                    }
                }
                Way::Lockstep(w) => {
                    for group in seeds.chunks(w.lanes()) {
                        let mut l = Lockstep::new(&case.config, group, w)
                            .expect("bench configs fit the lockstep order");
                        l.step(case.steps);
                    }
                }
            }
            let secs = start.elapsed().as_secs_f64();
            if run > 0 {
                rates.push((restarts as u64 * case.steps) as f64 / secs);
            }
        }
    }
    rates.into_iter().map(median).collect()
}
