//! Every preset's "look for" is a claim; this trains each preset on its own settings and seed (the
//! notebook's initialisation) and checks it. The sweeps with restarts are checked on the restart they
//! keep. CI checks every preset except the dense n = 80 and n = 200 ones, which take most of a minute
//! each; `cargo test --release --test presets -- --ignored` checks those too (docs/science.md).
#![cfg(not(target_arch = "wasm32"))] // sweeps run on threads

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use tms_explorer::app::presets::{self, Preset};
use tms_explorer::core::config::{Config, Order};
use tms_explorer::core::metrics::{summarize, NeuronClass, Summary, CARRIED};
use tms_explorer::core::sweep;
use tms_explorer::core::training::Trainer;

/// Presets too slow for CI (n = 80 at high density, every n = 200 one: 10 to 25 s each on an idle
/// core): checked by the ignored test.
const SLOW: [&str; 7] = [
    "scaled-1",
    "scaled-0.1",
    "geometry-1",
    "geometry-0.6",
    "geometry-0.3",
    "geometry-0.22",
    "geometry-0.05",
];

type Check = fn(&Trainer, &Summary) -> Result<(), String>;
/// A preset's check, possibly built from parameters.
type BoxedCheck = Box<dyn Fn(&Trainer, &Summary) -> Result<(), String>>;

fn ensure(ok: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(what())
    }
}

fn represented(s: &Summary) -> usize {
    s.features.represented()
}

fn mono_tops(s: &Summary) -> Vec<usize> {
    let mut tops: Vec<usize> = s
        .neurons
        .as_ref()
        .unwrap()
        .iter()
        .filter(|n| n.class == NeuronClass::Monosemantic)
        .map(|n| n.top_feature)
        .collect();
    tops.sort();
    tops
}

fn counts(s: &Summary) -> (usize, usize, usize) {
    let c = s.neuron_counts().unwrap();
    (c.monosemantic, c.polysemantic, c.dead)
}

/// How many represented features have D_i within `tol` of `d`.
fn near(s: &Summary, d: f32, tol: f32) -> usize {
    let f = &s.features;
    (0..f.norms.len())
        .filter(|&i| f.norms[i] >= 0.5 && (f.dimensionality[i] - d).abs() < tol)
        .count()
}

/// Gaps in degrees between the directions of the represented features (m = 2), going round.
fn gaps(t: &Trainer, s: &Summary) -> Vec<f32> {
    let w = t.weights();
    let mut angles: Vec<f32> = (0..t.config().n)
        .filter(|&i| s.features.norms[i] >= 0.5)
        .map(|i| {
            let e = w.embedding(i);
            e[1].atan2(e[0]).to_degrees()
        })
        .collect();
    angles.sort_by(f32::total_cmp);
    let k = angles.len();
    (0..k)
        .map(|j| (angles[(j + 1) % k] - angles[j]).rem_euclid(360.0))
        .collect()
}

fn intro_dense(t: &Trainer, s: &Summary) -> Result<(), String> {
    let n = &s.features.norms;
    ensure(
        n[0] > 0.9 && n[1] > 0.9 && n[2..].iter().all(|&v| v < 0.1),
        || format!("norms {n:?}"),
    )?;
    let g = gaps(t, s);
    ensure(
        g.iter()
            .all(|&a| (a - 90.0).abs() < 8.0 || (a - 270.0).abs() < 8.0),
        || format!("at right angles: gaps {g:?}"),
    )
}

fn intro_pairs(t: &Trainer, s: &Summary) -> Result<(), String> {
    ensure(represented(s) == 4 && near(s, 0.5, 0.05) == 4, || {
        format!(
            "four features at D_i = 1/2: {:?}",
            s.features.dimensionality
        )
    })?;
    let g = gaps(t, s);
    ensure(g.iter().all(|&a| (a - 90.0).abs() < 8.0), || {
        format!("two antipodal pairs at right angles: gaps {g:?}")
    })
}

fn intro_pentagon(t: &Trainer, s: &Summary) -> Result<(), String> {
    let g = gaps(t, s);
    ensure(
        represented(s) == 5 && g.iter().all(|&a| (a - 72.0).abs() < 6.0),
        || format!("a regular pentagon: gaps {g:?}"),
    )?;
    ensure(near(s, 0.4, 0.03) == 5, || {
        format!("D_i = 2/5: {:?}", s.features.dimensionality)
    })
}

fn linear(_: &Trainer, s: &Summary) -> Result<(), String> {
    let n = &s.features.norms;
    ensure(
        n[..5].iter().all(|&v| (v - 1.0).abs() < 0.05) && n[5..].iter().all(|&v| v < 0.05),
        || format!("exactly the top 5: {n:?}"),
    )
}

fn basic_dense(t: &Trainer, s: &Summary) -> Result<(), String> {
    ensure(
        represented(s) == 5 && s.features.dimensionality[..5].iter().all(|&d| d > 0.95),
        || format!("5 dedicated dimensions: {:?}", s.features.dimensionality),
    )?;
    let b = t.weights().b();
    ensure(b[5..].iter().all(|&v| (v - 0.5).abs() < 0.02), || {
        format!("biases of unlearned features at p/2 = 0.5: {b:?}")
    })
}

fn basic_pairs(_: &Trainer, s: &Summary) -> Result<(), String> {
    let d = &s.features.dimensionality;
    ensure((6..=8).contains(&represented(s)), || {
        format!("7 features: {:?}", s.features.norms)
    })?;
    ensure(d[..3].iter().all(|&v| v > 0.95), || format!("{d:?}"))?;
    let paired: Vec<usize> = (0..d.len())
        .filter(|&i| s.features.norms[i] >= 0.5 && (d[i] - 0.5).abs() < 0.05)
        .collect();
    ensure(paired.len() >= 4 && paired.iter().all(|&i| i >= 3), || {
        format!("the less important in pairs: {d:?}")
    })
}

fn basic_mostly_pairs(_: &Trainer, s: &Summary) -> Result<(), String> {
    let r = represented(s);
    ensure((8..=10).contains(&r) && near(s, 0.5, 0.05) * 2 > r, || {
        format!("9 features, most in pairs: {:?}", s.features.dimensionality)
    })
}

fn basic_sparse(t: &Trainer, s: &Summary) -> Result<(), String> {
    ensure(
        (11..=14).contains(&represented(s)) && s.features.dims_per_feature < 0.45,
        || {
            format!(
                "11 to 14 features, D* {}: {:?}",
                s.features.dims_per_feature, s.features.norms
            )
        },
    )?;
    let b = t.weights().b();
    let negative = (0..b.len())
        .filter(|&i| s.features.norms[i] >= 0.5 && b[i] < -0.05)
        .count();
    ensure(negative >= 3, || format!("negative biases: {b:?}"))
}

fn scaled_dense(_: &Trainer, s: &Summary) -> Result<(), String> {
    ensure(
        represented(s) == 20 && s.features.dimensionality[..20].iter().all(|&d| d > 0.9),
        || format!("20 dedicated dimensions: {:?}", s.features.dimensionality),
    )
}

fn about(s: &Summary, lo: usize, hi: usize) -> Result<(), String> {
    ensure((lo..=hi).contains(&represented(s)), || {
        format!("{lo} to {hi} features, got {}", represented(s))
    })
}

fn geometry_dense(_: &Trainer, s: &Summary) -> Result<(), String> {
    let f = &s.features;
    let most = f.norms.iter().fold(0.0f32, |a, &v| a.max(v));
    ensure(
        (f.dims_per_feature - 1.0).abs() < 0.02 && most < 0.5,
        || format!("D* = {}, largest norm {most}", f.dims_per_feature),
    )
}

fn geometry_triangles(_: &Trainer, s: &Summary) -> Result<(), String> {
    let f = &s.features;
    let triangles = (0..f.norms.len())
        .filter(|&i| f.norms[i] >= 0.5 && (0.6..0.72).contains(&f.dimensionality[i]))
        .count();
    ensure(
        (0.7..0.9).contains(&f.dims_per_feature) && triangles >= 8 && near(s, 0.5, 0.03) >= 5,
        || format!("D* {}, D_i {:?}", f.dims_per_feature, f.dimensionality),
    )
}

fn geometry_pairs(_: &Trainer, s: &Summary) -> Result<(), String> {
    let f = &s.features;
    ensure(
        (f.dims_per_feature - 0.5).abs() < 0.02
            && represented(s) >= 30
            && near(s, 0.5, 0.03) == represented(s),
        || format!("D* {}, D_i {:?}", f.dims_per_feature, f.dimensionality),
    )
}

fn geometry_fractions(_: &Trainer, s: &Summary) -> Result<(), String> {
    let f = &s.features;
    let (half, fifths, eighths) = (
        near(s, 0.5, 0.02),
        near(s, 0.4, 0.015),
        near(s, 0.375, 0.015),
    );
    ensure(
        half >= 8 && fifths >= 8 && eighths >= 5 && (0.35..0.45).contains(&f.dims_per_feature),
        || {
            format!(
                "1/2: {half}, 2/5: {fifths}, 3/8: {eighths}, D* {}: {:?}",
                f.dims_per_feature, f.dimensionality
            )
        },
    )
}

fn geometry_sparse(_: &Trainer, s: &Summary) -> Result<(), String> {
    let r = represented(s);
    ensure(
        (120..=160).contains(&r) && near(s, 1.0 / 7.0, 0.02) * 10 >= r * 9,
        || format!("about 140 at 1/7: {r}, {:?}", s.features.dimensionality),
    )
}

fn privileged_mono(_: &Trainer, s: &Summary) -> Result<(), String> {
    ensure(mono_tops(s) == vec![0, 1, 2, 3, 4], || {
        format!("one neuron per top-5 feature: {:?}", s.neurons)
    })
}

fn privileged_three_on_two(_: &Trainer, s: &Summary) -> Result<(), String> {
    ensure(
        mono_tops(s) == vec![0, 1, 2] && counts(s).1 == 2 && represented(s) == 6,
        || {
            format!(
                "features 0–2 monosemantic, 3–5 on the other 2: {:?} {:?}",
                s.features.norms, s.neurons
            )
        },
    )
}

fn privileged_poly(represented_want: usize) -> impl Fn(&Summary) -> Result<(), String> {
    move |s| {
        ensure(
            counts(s) == (0, 5, 0) && represented(s) == represented_want,
            || {
                format!(
                    "{represented_want} features on 5 polysemantic neurons: {:?} {:?}",
                    s.features.norms, s.neurons
                )
            },
        )
    }
}

fn abs_splits(t: &Trainer, s: &Summary) -> Result<(), String> {
    let ns = s.neurons.as_ref().unwrap();
    let split = (0..3).all(|i| {
        let side = |positive: bool| {
            ns.iter()
                .filter(|n| {
                    n.class == NeuronClass::Monosemantic
                        && n.top_feature == i
                        && (n.top_weight > 0.0) == positive
                })
                .count()
        };
        side(true) == 1 && side(false) == 1
    });
    ensure(split, || format!("a positive and a negative side: {ns:?}"))?;
    ensure(
        t.last_loss() < 1e-6 && s.computed_count() == Some(3),
        || format!("loss {} computed {:?}", t.last_loss(), s.computed_count()),
    )
}

fn abs_dense(_: &Trainer, s: &Summary) -> Result<(), String> {
    let computed: Vec<usize> = (0..100)
        .filter(|&i| s.computed.as_ref().unwrap()[i])
        .collect();
    ensure(
        counts(s) == (40, 0, 0)
            && mono_tops(s).iter().all(|&i| i < 10)
            && computed == (0..10).collect::<Vec<_>>(),
        || format!("{:?}; computed {computed:?}", counts(s)),
    )
}

fn abs_computed(s: &Summary, lo: usize, hi: usize) -> Result<(), String> {
    let k = s.computed_count().unwrap();
    ensure((lo..=hi).contains(&k), || {
        format!("{lo} to {hi} features computed, got {k}")
    })
}

fn abs_nearly_all_mono(_: &Trainer, s: &Summary) -> Result<(), String> {
    ensure(counts(s).0 >= 36, || format!("{:?}", counts(s)))?;
    abs_computed(s, 15, 21)
}

fn abs_mostly_mono(t: &Trainer, s: &Summary) -> Result<(), String> {
    let (mono, poly, _) = counts(s);
    ensure((25..=38).contains(&mono) && poly >= 2, || {
        format!("most monosemantic, a few not: {:?}", counts(s))
    })?;
    // The polysemantic ones mix in less important features: each carries one outside the top 10.
    let w = t.weights();
    for (j, neuron) in s.neurons.as_ref().unwrap().iter().enumerate() {
        if neuron.class != NeuronClass::Polysemantic {
            continue;
        }
        let row = w.neuron_row(j);
        let strongest = row.iter().fold(0.0f32, |a, v| a.max(v.abs()));
        ensure(
            (10..row.len()).any(|i| row[i].abs() >= CARRIED * strongest),
            || format!("polysemantic neuron {j} carries only top-10 features: {row:?}"),
        )?;
    }
    abs_computed(s, 16, 22)
}

fn abs_mostly_poly(t: &Trainer, s: &Summary) -> Result<(), String> {
    let (mono, poly, _) = counts(s);
    ensure(poly >= 25 && mono >= 1, || {
        format!("most polysemantic: {:?}", counts(s))
    })?;
    ensure(t.last_loss() < 1.2e-5, || format!("loss {}", t.last_loss()))?;
    abs_computed(s, 15, 23)
}

fn abs_all_poly(_: &Trainer, s: &Summary) -> Result<(), String> {
    ensure(counts(s) == (0, 40, 0), || format!("{:?}", counts(s)))?;
    abs_computed(s, 20, 26)
}

fn abs_sparsest(_: &Trainer, s: &Summary) -> Result<(), String> {
    ensure(counts(s) == (0, 40, 0), || format!("{:?}", counts(s)))?;
    let fewest = s
        .neurons
        .as_ref()
        .unwrap()
        .iter()
        .map(|n| n.features)
        .min()
        .unwrap();
    ensure(fewest >= 2, || {
        format!("each neuron on several features (≥ {CARRIED} of its strongest): {fewest}")
    })?;
    abs_computed(s, 4, 12)
}

/// The check of each single-run preset, by id.
fn check_of(p: &Preset) -> BoxedCheck {
    let plain = |f: Check| -> BoxedCheck { Box::new(f) };
    match p.id.as_str() {
        "intro-1" => plain(intro_dense),
        "intro-0.3" => plain(intro_pairs),
        "intro-0.05" => plain(intro_pentagon),
        "basic-linear-1" | "basic-linear-0.01" => plain(linear),
        "basic-relu-1" => plain(basic_dense),
        "basic-relu-0.3" => plain(basic_pairs),
        "basic-relu-0.1" => plain(basic_mostly_pairs),
        "basic-relu-0.03" | "basic-relu-0.01" | "basic-relu-0.003" | "basic-relu-0.001" => {
            plain(basic_sparse)
        }
        "scaled-1" => plain(scaled_dense),
        "scaled-0.1" => Box::new(|_, s| about(s, 25, 36)),
        "scaled-0.01" => Box::new(|_, s| about(s, 42, 58)),
        "scaled-0.001" => Box::new(|_, s| about(s, 52, 70)),
        "geometry-1" => plain(geometry_dense),
        "geometry-0.6" => plain(geometry_triangles),
        "geometry-0.3" => plain(geometry_pairs),
        "geometry-0.22" => plain(geometry_fractions),
        "geometry-0.05" => plain(geometry_sparse),
        "privileged-0.75" => plain(privileged_mono),
        "privileged-0.35" => plain(privileged_three_on_two),
        "privileged-0.15" => {
            let poly = privileged_poly(7);
            Box::new(move |_, s| poly(s))
        }
        "privileged-0.12" | "privileged-0.06" | "privileged-0.04" => {
            let poly = privileged_poly(8);
            Box::new(move |_, s| poly(s))
        }
        "abs-basic" => plain(abs_splits),
        "abs-1" => plain(abs_dense),
        "abs-0.3" => plain(abs_nearly_all_mono),
        "abs-0.1" => plain(abs_mostly_mono),
        "abs-0.03" => plain(abs_mostly_poly),
        "abs-0.01" | "abs-0.003" => plain(abs_all_poly),
        "abs-0.001" => plain(abs_sparsest),
        other => panic!("preset {other} has no check: every 'look for' needs one"),
    }
}

/// Trains every config to its budget on two threads; returns them by settings text.
fn train_all(configs: Vec<Config>) -> HashMap<String, Trainer> {
    let next = AtomicUsize::new(0);
    let done = Mutex::new(HashMap::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(c) = configs.get(k) else { break };
                let mut t = Trainer::new(c.clone()).unwrap();
                t.step(c.steps);
                done.lock().unwrap().insert(c.to_text(), t);
            });
        }
    });
    done.into_inner().unwrap()
}

/// Trains the presets (most expensive first) and checks each claim; every failure is reported. Returns
/// the trained runs by settings text.
fn check_presets(ids: impl Fn(&str) -> bool) -> HashMap<String, Trainer> {
    let chosen: Vec<Preset> = presets::all().into_iter().filter(|p| ids(&p.id)).collect();
    let mut configs: Vec<Config> = chosen.iter().map(|p| p.config.clone()).collect();
    let cost = |c: &Config| c.n * c.m * (1 + (c.density[0] * c.n as f32) as usize);
    configs.sort_by_key(|c| std::cmp::Reverse(cost(c)));
    let runs = train_all(configs);
    let mut failures = vec![];
    for p in &chosen {
        let t = &runs[&p.config.to_text()];
        let s = summarize(&t.weights());
        println!("{}: loss {:.3e}", p.id, t.last_loss());
        if let Err(e) = check_of(p)(t, &s) {
            failures.push(format!("{} ('{}'): {e}", p.id, p.look_for));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    runs
}

/// The runs a one-restart sweep preset keeps: exactly its single presets' runs (checked), from `runs`.
fn kept_runs<'a>(id: &str, prefix: &str, runs: &'a HashMap<String, Trainer>) -> Vec<&'a Trainer> {
    let (_, _, _, link) = presets::sweeps().into_iter().find(|s| s.0 == id).unwrap();
    let spec = link.sweep.clone().unwrap().sweep(&link);
    assert_eq!(spec.restarts, 1);
    spec.jobs()
        .iter()
        .zip(&spec.values)
        .map(|(job, v)| {
            assert_eq!(job, &preset(&format!("{prefix}{v}")).config, "{id} at {v}");
            &runs[&job.to_text()]
        })
        .collect()
}

#[test]
fn every_preset_has_a_check() {
    for p in presets::all() {
        let _ = check_of(&p);
        assert!(!p.look_for.is_empty());
    }
    for (id, ..) in presets::sweeps() {
        assert!(
            [
                "sweep-intro",
                "sweep-basic",
                "sweep-privileged",
                "sweep-privileged-1000",
                "sweep-abs",
                "sweep-geometry"
            ]
            .contains(&id),
            "sweep {id} has no check"
        );
    }
    for slow in SLOW {
        assert!(presets::all().iter().any(|p| p.id == slow), "{slow}");
    }
}

#[test]
fn presets_keep_their_promises() {
    let runs = check_presets(|id| !SLOW.contains(&id));
    // The one-restart sweeps keep exactly these runs: their trends across densities.
    let represented: Vec<usize> = kept_runs("sweep-basic", "basic-relu-", &runs)
        .iter()
        .map(|t| summarize(&t.weights()).features.represented())
        .collect();
    println!("sweep-basic: represented {represented:?}");
    assert!(
        represented[0] == 5 && represented[1] > 5 && represented[3..].iter().all(|&k| k >= 11),
        "5, then pairs, then 11 or more: {represented:?}"
    );
    let abs: Vec<Summary> = kept_runs("sweep-abs", "abs-", &runs)
        .iter()
        .map(|t| summarize(&t.weights()))
        .collect();
    let mono: Vec<usize> = abs.iter().map(|s| counts(s).0).collect();
    let computed: Vec<usize> = abs.iter().map(|s| s.computed_count().unwrap()).collect();
    println!("sweep-abs: monosemantic {mono:?}, computed {computed:?}");
    assert!(mono.windows(2).all(|w| w[1] <= w[0]), "{mono:?}");
    assert!(
        mono[0] == 40 && mono[2] >= 30 && mono[3] < 20 && mono[4..].iter().all(|&k| k == 0),
        "40, still 34 at 0.1, a few at 0.03, none from 0.01: {mono:?}"
    );
    assert!(
        computed[0] == 10 && computed.iter().max().unwrap() >= &18,
        "{computed:?}"
    );
}

#[test]
#[ignore = "the dense n = 80 and n = 200 presets take most of a minute each"]
fn slow_presets_keep_their_promises() {
    check_presets(|id| SLOW.contains(&id));
}

/// The kept run per value of a sweep preset (best of its restarts, as the page and `tms sweep` keep),
/// for the given values of its sweep (all of them when `None`).
fn sweep_of(id: &str, values: Option<&[f32]>) -> Vec<sweep::Point> {
    let (_, _, _, link) = presets::sweeps().into_iter().find(|s| s.0 == id).unwrap();
    let mut spec = link.sweep.clone().unwrap().sweep(&link);
    if let Some(values) = values {
        assert!(
            values.iter().all(|v| spec.values.contains(v)),
            "{id}: {values:?}"
        );
        spec.values = values.to_vec();
    }
    sweep::run(&spec, 2, &|_| {})
}

fn preset(id: &str) -> Preset {
    presets::all().into_iter().find(|p| p.id == id).unwrap()
}

#[test]
fn the_intro_sweep_keeps_restarts_that_show_each_regime() {
    // The sparse settings, where restarts matter (dense, every seed learns the same two features).
    let points = sweep_of("sweep-intro", Some(&[0.3, 0.05]));
    let mut failures = vec![];
    for (p, id) in points.iter().zip(["intro-0.3", "intro-0.05"]) {
        let s = summarize(&p.best.weights());
        if let Err(e) = check_of(&preset(id))(&p.best, &s) {
            failures.push(format!(
                "1−S = {} (seed {}): {e}",
                p.value,
                p.best.config().seed
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_privileged_basis_sweep_keeps_the_papers_regime_at_035() {
    // Where the restart matters: 3 of seeds 0 to 7 give it, and the best of 4 keeps one of them. At the
    // other densities every seed of 0 to 7 shows what the single presets (checked above) show: all 5
    // monosemantic at 0.75, at most one at 0.15, none from 0.12 on.
    let points = sweep_of("sweep-privileged", Some(&[0.35]));
    let s = summarize(&points[0].best.weights());
    privileged_three_on_two(&points[0].best, &s).unwrap();
}

#[test]
fn the_best_of_1000_preset_is_the_privileged_sweep_with_1000_restarts() {
    // Its claim is its recipe: the best-of-4 sweep's settings and densities, 1,000 restarts of each,
    // which its link keeps (a version 4 link: no cap notice), in the lockstep order.
    let find = |id: &str| presets::sweeps().into_iter().find(|s| s.0 == id).unwrap().3;
    let (four, thousand) = (find("sweep-privileged"), find("sweep-privileged-1000"));
    let (opened, notices) = tms_explorer::app::link::Link::parse(&thousand.to_fragment());
    assert!(notices.is_empty(), "{notices:?}");
    let spec = opened.sweep.as_ref().unwrap();
    assert_eq!(spec.restarts, 1000);
    assert_eq!(spec.values, four.sweep.as_ref().unwrap().values);
    assert_eq!(spec.values, [0.75, 0.35, 0.15, 0.12, 0.06, 0.04]);
    // The same settings, trained in the lockstep order so restarts share vector lanes.
    assert_eq!(opened.config.order, Order::Lockstep);
    assert!(opened.config.lockstep());
    let same = Config {
        order: four.config.order,
        ..opened.config.clone()
    };
    assert_eq!((&same, opened.step), (&four.config, four.step));
    assert_eq!((opened.config.steps, opened.config.batch), (10_000, 1024));
    assert_eq!(spec.sweep(&opened).jobs().len(), 6000);
}

#[test]
#[ignore = "seven n = 200 runs: several minutes"]
fn the_geometry_sweep_shows_sticky_dimensionalities() {
    let points = sweep_of("sweep-geometry", None);
    let s: Vec<Summary> = points
        .iter()
        .map(|p| summarize(&p.best.weights()))
        .collect();
    let dstar: Vec<f32> = s.iter().map(|s| s.features.dims_per_feature).collect();
    println!("D* {dstar:?}");
    assert!((dstar[0] - 1.0).abs() < 0.02, "sticky at 1: {dstar:?}");
    assert!((dstar[2] - 0.5).abs() < 0.02, "sticky at 1/2: {dstar:?}");
    geometry_triangles(&points[1].best, &s[1]).unwrap();
    // At 1−S = 20^−1/2 ≈ 0.224: pentagons and square antiprisms.
    let (fifths, eighths) = (near(&s[3], 0.4, 0.03), near(&s[3], 0.375, 0.015));
    assert!(
        fifths >= 15 && eighths >= 8,
        "2/5: {fifths}, 3/8: {eighths}: {:?}",
        s[3].features.dimensionality
    );
}
