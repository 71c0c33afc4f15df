//! What `tms train` and `tms sweep` print: a run's summary and a sweep's table, as plain text. Pure
//! functions of trained models, so the words and the numbers are tested natively.

use crate::core::metrics::features_computed;
use crate::core::metrics::{
    summarize, NeuronCounts, Summary, CARRIED, COMPUTED_WITHIN, REPRESENTED_NORM,
};
use crate::core::sweep::{Axis, Point, AGREE};
use crate::core::training::Trainer;
use crate::views::ModelView;

/// How a run's features are counted: represented for tied models, computed for `abs`.
fn feature_line(s: &Summary, n: usize) -> String {
    match (s.computed_count(), s.represented()) {
        (Some(computed), _) => format!(
            "features computed (output i within {COMPUTED_WITHIN} of 1 for x = ±e_i): {computed} of {n}"
        ),
        (None, Some(represented)) => {
            format!("features represented (‖W_i‖ ≥ {REPRESENTED_NORM}): {represented} of {n}")
        }
        (None, None) => String::new(),
    }
}

/// "34 monosemantic, 6 polysemantic, 0 dead of 40".
fn counts_text(c: &NeuronCounts) -> String {
    format!(
        "{} monosemantic, {} polysemantic, {} dead of {}",
        c.monosemantic,
        c.polysemantic,
        c.dead,
        c.total()
    )
}

/// The summary `tms train` prints after training: loss, fingerprint, features, geometry, neurons.
pub fn run_summary(t: &Trainer) -> String {
    let s = summarize(&t.weights());
    let f = &s.features;
    let mut out = format!(
        "loss {:.4e} (last training batch) at step {}; fingerprint {}\n{}; Σ D_i = {:.2}; D* = m/‖W‖²_F = {:.3}",
        t.last_loss(),
        t.step_count(),
        t.fingerprint(),
        feature_line(&s, t.config().n),
        f.dimensionality.iter().sum::<f32>(),
        f.dims_per_feature,
    );
    if let (Some(neurons), Some(counts)) = (&s.neurons, s.neuron_counts()) {
        out.push_str(&format!("\nneurons: {}", counts_text(&counts)));
        let carried: Vec<usize> = neurons
            .iter()
            .filter(|n| n.features > 0)
            .map(|n| n.features)
            .collect();
        if let (Some(lo), Some(hi)) = (carried.iter().min(), carried.iter().max()) {
            out.push_str(&format!(
                "; each live neuron carries {lo} to {hi} features (weights ≥ {:.2} of its strongest)",
                CARRIED
            ));
        }
    }
    out
}

/// One line for the page under a run's views (and a sweep's status): how its neurons split and what it
/// computes (`abs`) or represents (tied models), the counts `tms train` prints.
/// "34 monosemantic, 6 polysemantic, 0 dead of 40 neurons · 19 of 100 features computed".
pub fn readout(view: &ModelView) -> String {
    let mut parts = vec![];
    if view.kind.hidden_relu() {
        parts.push(format!(
            "{} neurons",
            counts_text(&NeuronCounts::of(&view.neurons))
        ));
    }
    match &view.w2_t {
        Some(w2_t) => {
            let computed = features_computed(&view.w, w2_t, &view.b, view.n, view.m);
            let k = computed.iter().filter(|&&c| c).count();
            parts.push(format!("{k} of {} features computed", view.n));
        }
        None => parts.push(format!(
            "{} of {} features represented",
            view.features.represented(),
            view.n
        )),
    }
    parts.join(" · ")
}

/// The table `tms sweep` prints: per setting, the kept restart, its evaluation loss, how its neurons
/// split (the neuron phase change), what it computes or represents, and D*.
pub fn sweep_table(axis: Axis, points: &[Point]) -> String {
    let summaries: Vec<Summary> = points
        .iter()
        .map(|p| summarize(&p.best.weights()))
        .collect();
    let hidden = summaries.iter().any(|s| s.neurons.is_some());
    let computes = summaries.iter().any(|s| s.computed.is_some());
    let features_head = if computes { "computed" } else { "represented" };
    let mut out = format!(
        "{:<12} {:>6} {:>7} {:>11}",
        "setting", "seed", "agree", "eval loss"
    );
    if hidden {
        out.push_str(&format!(" {:>5} {:>5} {:>5}", "mono", "poly", "dead"));
    }
    out.push_str(&format!(" {features_head:>11} {:>6}  fingerprint\n", "D*"));
    for (p, s) in points.iter().zip(&summaries) {
        let n = p.best.config().n;
        let agree = format!("{}/{}", p.agreeing(), p.eval_losses.len());
        out.push_str(&format!(
            "{:<12} {:>6} {agree:>7} {:>11.4e}",
            axis.label(p.value),
            p.best.config().seed,
            p.best_eval_loss()
        ));
        if hidden {
            let c = s.neuron_counts().unwrap_or_default();
            out.push_str(&format!(
                " {:>5} {:>5} {:>5}",
                c.monosemantic, c.polysemantic, c.dead
            ));
        }
        let features = s
            .computed_count()
            .or(s.represented())
            .map_or("–".to_string(), |k| format!("{k}/{n}"));
        out.push_str(&format!(
            " {features:>11} {:>6.3}  {}\n",
            s.features.dims_per_feature,
            p.best.fingerprint()
        ));
    }
    out.push_str(&format!(
        "seed: the kept restart (lowest eval loss); agree: restarts within {}% of it",
        ((AGREE - 1.0) * 100.0).round()
    ));
    if hidden {
        out.push_str(
            "\nmono/poly/dead: neurons monosemantic (max|w|/‖w‖ > 0.99), polysemantic, or dead (no input \
             moves an output by 0.01 through them)",
        );
    }
    if computes {
        out.push_str(&format!(
            "\ncomputed: features whose output for x = ±e_i is within {COMPUTED_WITHIN} of 1"
        ));
    } else {
        out.push_str(&format!(
            "\nrepresented: features with ‖W_i‖ ≥ {REPRESENTED_NORM}"
        ));
    }
    out.push('\n');
    out
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::config::{Config, ModelKind};
    use crate::core::sweep::{run, Sweep};

    #[test]
    fn the_summary_names_what_each_model_counts() {
        let mut abs = Trainer::new(Config {
            model: ModelKind::Abs,
            n: 3,
            m: 6,
            density: vec![1.0],
            importance: 1.0,
            steps: 3000,
            ..Config::default()
        })
        .unwrap();
        abs.step(3000);
        let text = run_summary(&abs);
        let s = summarize(&abs.weights());
        let c = s.neuron_counts().unwrap();
        assert!(
            text.contains(&format!(
                "features computed (output i within 0.2 of 1 for x = ±e_i): {} of 3",
                s.computed_count().unwrap()
            )),
            "{text}"
        );
        assert!(!text.contains("represented"), "{text}");
        assert!(
            text.contains(&format!("neurons: {}", counts_text(&c))),
            "{text}"
        );
        assert!(text.contains(&abs.fingerprint()));
        // The page's line under the views gives the same counts.
        assert_eq!(
            readout(&ModelView::of(&abs)),
            format!(
                "{} neurons · {} of 3 features computed",
                counts_text(&c),
                s.computed_count().unwrap()
            )
        );

        let tied = Trainer::new(Config::default()).unwrap();
        let text = run_summary(&tied);
        assert!(
            text.contains("features represented (‖W_i‖ ≥ 0.5): "),
            "{text}"
        );
        assert!(
            !text.contains("neurons:"),
            "relu-output has no privileged basis: {text}"
        );
    }

    #[test]
    fn the_sweep_table_has_a_row_per_setting_with_its_neuron_counts() {
        let sweep = Sweep::densities(
            Config {
                model: ModelKind::ReluHidden,
                n: 10,
                m: 5,
                importance: 0.75,
                batch: 256,
                steps: 400,
                ..Config::default()
            },
            vec![0.75, 0.04],
            2,
        );
        let points = run(&sweep, 2, &|_| {});
        let table = sweep_table(Axis::Density, &points);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 1 + points.len() + 3, "{table}");
        assert!(lines[0].starts_with("setting") && lines[0].contains("mono"));
        assert!(lines[0].contains("represented") && !lines[0].contains("computed"));
        for (line, p) in lines[1..].iter().zip(&points) {
            let c = summarize(&p.best.weights()).neuron_counts().unwrap();
            let label = format!("1−S = {}", p.value);
            let cells: Vec<&str> = line
                .strip_prefix(label.as_str())
                .unwrap_or_else(|| panic!("{line} starts with {label}"))
                .split_whitespace()
                .collect();
            assert_eq!(cells[0], p.best.config().seed.to_string(), "{line}");
            assert_eq!(cells[1], format!("{}/2", p.agreeing()), "{line}");
            let counts: Vec<usize> = cells[3..6].iter().map(|c| c.parse().unwrap()).collect();
            assert_eq!(
                counts,
                vec![c.monosemantic, c.polysemantic, c.dead],
                "{line}"
            );
            assert_eq!(*cells.last().unwrap(), p.best.fingerprint());
        }
    }
}
