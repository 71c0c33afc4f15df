//! The probe, the readout and the named geometry on the paper's intro runs, trained as the page trains
//! them (the preset's settings, its seed, its budget).

use tms_explorer::app::presets;
use tms_explorer::app::readout::{readout, Target};
use tms_explorer::core::geometry;
use tms_explorer::core::metrics;
use tms_explorer::core::probe;
use tms_explorer::core::training::Trainer;

fn trained(id: &str) -> Trainer {
    let preset = presets::all().into_iter().find(|p| p.id == id).unwrap();
    let mut t = Trainer::new(preset.config.clone()).unwrap();
    t.step(preset.config.steps);
    t
}

#[test]
fn the_intro_presets_name_their_shapes() {
    // The paper's Figure: dense → two dedicated directions; 1−S = 0.3 → antipodal pairs; 1−S = 0.05 →
    // all five features as a pentagon (at the preset's seed; other seeds can give other shapes).
    for (id, name, superposition) in [
        ("intro-1", "2 dedicated directions", false),
        ("intro-0.3", "square (2 antipodal pairs)", true),
        ("intro-0.05", "pentagon", true),
    ] {
        let t = trained(id);
        let w = t.weights();
        let a = geometry::arrangement(w.w(), 5, 2).unwrap();
        assert_eq!(a.name, name, "{id}: {a:?}");
        assert_eq!(a.superposition, superposition, "{id}: {a:?}");
        if name == "pentagon" {
            assert_eq!(a.represented, vec![0, 1, 2, 3, 4]);
            let f = metrics::features(w.w(), 5, 2);
            let g = geometry::feature_graph(w.w(), 5, 2, &f);
            assert_eq!(g.components.len(), 1);
            assert_eq!(g.components[0].fraction, "2/5");
            assert_eq!(g.components[0].shape.as_deref(), Some("pentagon"));
        }
    }
}

#[test]
fn the_pentagons_readout_is_its_forward_pass() {
    // Feed one feature of the pentagon: the output's readout equals ReLU(Wᵀ W x + b) computed here, and
    // the neurons' readouts equal W x.
    let t = trained("intro-0.05");
    let w = t.weights();
    let (n, m) = (5, 2);
    for feature in 0..n {
        let mut x = vec![0.0f32; n];
        x[feature] = 1.0;
        let acts = probe::forward(&w, &x);
        let h: Vec<f64> = (0..m)
            .map(|j| (0..n).map(|i| w.w()[j * n + i] as f64 * x[i] as f64).sum())
            .collect();
        for (j, &want) in h.iter().enumerate() {
            let r = readout(&w, &acts, Target::Neuron(j));
            assert!((r.value as f64 - want).abs() < 1e-6, "{}", r.text);
        }
        for i in 0..n {
            let o = w.b()[i] as f64 + (0..m).map(|j| w.w()[j * n + i] as f64 * h[j]).sum::<f64>();
            let r = readout(&w, &acts, Target::Output(i));
            assert!((r.value as f64 - o.max(0.0)).abs() < 1e-6, "{}", r.text);
        }
        // The pentagon recovers the fed feature, and the neighbours' interference is cut by the bias.
        assert!(acts.out[feature] > 0.8, "{:?}", acts.out);
    }
}
