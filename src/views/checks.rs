//! Checks over every view, every model and the sizes the page and its embeds use (issue 20): no two
//! texts overlap, no text leaves the figure, text is at least 12 px (titles 13) at the normal sizes,
//! every character is one the width table knows (so the layout measured it and the bundled font draws
//! it), no raw TeX reaches a figure or its SVG, and the cost of a figure stays bounded for the largest
//! models the settings allow.

use super::scene::{text_bounds, to_svg, Bounds};
use super::*;
use crate::core::config::{Config, ModelKind};
use crate::core::model::{Model, Weights};

/// The sizes of issue 20: a phone's or an embed's small figure, the page's usual one, a large one.
const SIZES: [(f64, f64); 3] = [(320.0, 240.0), (560.0, 400.0), (1280.0, 800.0)];

/// (n, m) pairs that stress labels and legends: the paper's small models, the identity-colour limit,
/// a few hundred features, and m = 3 for the rotating hidden space.
const SHAPES: [(usize, usize); 7] = [
    (5, 2),
    (3, 6),
    (12, 3),
    (20, 5),
    (10, 5),
    (100, 40),
    (250, 12),
];

fn model(kind: ModelKind, n: usize, m: usize, seed: u32, density: f32) -> ModelView {
    let config = Config {
        model: kind,
        n,
        m,
        density: vec![density],
        seed,
        ..Config::default()
    };
    let model = Model::new(&config);
    let params = model.init(seed);
    let mut view = ModelView::from_weights(&Weights::new(&model, &params), density);
    // A loss curve spanning several decades, as after training.
    view.loss = (1..=200)
        .map(|k| (k as u64 * 50, 0.3 * (k as f32).powf(-1.3)))
        .collect();
    view.step = 10_000;
    view
}

fn models() -> Vec<ModelView> {
    let mut out = vec![];
    for kind in ModelKind::ALL {
        for (k, &(n, m)) in SHAPES.iter().enumerate() {
            out.push(model(kind, n, m, k as u32, 0.05));
        }
    }
    out
}

fn texts(scene: &Scene) -> Vec<(Bounds, &str, f64)> {
    scene
        .items
        .iter()
        .filter_map(|it| match &it.shape {
            Shape::Text { text, size, .. } => {
                Some((text_bounds(&it.shape).unwrap(), text.as_str(), *size))
            }
            _ => None,
        })
        .collect()
}

/// No two texts overlap and every text is inside the figure.
fn assert_clear(scene: &Scene, what: &str) {
    let t = texts(scene);
    let eps = 1e-6;
    for (k, (a, text, _)) in t.iter().enumerate() {
        assert!(
            a.0 >= -eps && a.1 >= -eps && a.2 <= scene.width + eps && a.3 <= scene.height + eps,
            "{what}: '{text}' {a:?} leaves the {}×{} figure",
            scene.width,
            scene.height
        );
        for (b, other, _) in &t[..k] {
            let apart =
                a.2 <= b.0 + eps || b.2 <= a.0 + eps || a.3 <= b.1 + eps || b.3 <= a.1 + eps;
            assert!(apart, "{what}: '{text}' {a:?} overlaps '{other}' {b:?}");
        }
    }
}

/// Notation is Unicode: no TeX markup, no backslash commands, no ASCII sub/superscripts.
fn assert_no_tex(s: &str, what: &str) {
    for bad in ["_{", "^{", "_i", "_j", "^2", "^i"] {
        assert!(!s.contains(bad), "{what}: '{bad}' in {s:?}");
    }
    let chars: Vec<char> = s.chars().collect();
    for w in chars.windows(2) {
        assert!(
            !(w[0] == '\\' && w[1].is_ascii_alphabetic()),
            "{what}: a backslash command in {s:?}"
        );
    }
}

fn assert_known_glyphs(scene: &Scene, what: &str) {
    for (_, text, _) in texts(scene) {
        for c in text.chars() {
            assert!(
                text::known(c),
                "{what}: '{c}' in '{text}' is not in the width table"
            );
        }
    }
}

fn check(scene: &Scene, what: &str, normal: bool) {
    assert_clear(scene, what);
    assert_known_glyphs(scene, what);
    let t = texts(scene);
    assert!(!t.is_empty(), "{what}: no text at all");
    for (_, text, size) in &t {
        assert_no_tex(text, what);
        if normal {
            assert!(*size >= LABEL, "{what}: '{text}' at {size} px");
        } else {
            assert!(*size >= 9.0, "{what}: '{text}' at {size} px");
        }
    }
    if normal {
        assert!(
            t[0].2 >= TITLE,
            "{what}: the title '{}' at {} px",
            t[0].1,
            t[0].2
        );
    }
}

#[test]
fn every_view_of_every_model_at_every_size_keeps_its_texts_apart_and_inside() {
    for model in models() {
        for view in View::ALL {
            for (w, h) in SIZES {
                let what = format!(
                    "{} {}×{} n={} m={} at {w}×{h}",
                    view.id(),
                    model.kind.id(),
                    model.m,
                    model.n,
                    model.m
                );
                let scene = view.scene(&model, w, h, &Theme::LIGHT);
                check(&scene, &what, true);
            }
        }
    }
}

#[test]
fn a_turned_m3_hidden_space_keeps_its_labels_apart() {
    for kind in ModelKind::ALL {
        let model = model(kind, 12, 3, 5, 0.05);
        for (yaw, pitch) in [(0.0, 0.0), (1.2, -0.8), (3.0, 1.4), (-2.0, 0.5)] {
            for (w, h) in SIZES {
                let opts = Opts {
                    rotation: hidden::Rotation { yaw, pitch },
                    ..Opts::default()
                };
                let scene = View::Hidden.scene_with(&model, w, h, &Theme::DARK, &opts);
                check(
                    &scene,
                    &format!("hidden {} {yaw},{pitch} {w}×{h}", kind.id()),
                    true,
                );
            }
        }
    }
}

#[test]
fn sweep_panels_keep_their_texts_apart_under_one_legend() {
    let densities = [1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001];
    for kind in ModelKind::ALL {
        for &(n, m) in &[(5usize, 2usize), (20, 5), (100, 40), (10, 3)] {
            let models: Vec<ModelView> = densities
                .iter()
                .enumerate()
                .map(|(k, &d)| model(kind, n, m, k as u32, d))
                .collect();
            for (w, h) in SIZES {
                for view in View::ALL.into_iter().filter(|v| v.spec().sweepable) {
                    let scene = sweep::scene(&models, view, w, h, &Theme::LIGHT);
                    let what = format!("sweep {} {} n={n} m={m} {w}×{h}", view.id(), kind.id());
                    check(&scene, &what, false);
                    // One legend for all panels: each legend text appears once.
                    let keys = view.legend(&models, &Theme::LIGHT, &Opts::default());
                    let legend_texts: Vec<&str> = keys
                        .iter()
                        .filter_map(|k| match k {
                            Key::Note { text } => Some(text.as_str()),
                            Key::Swatch { label, .. } | Key::Line { label, .. } => {
                                Some(label.as_str())
                            }
                            _ => None,
                        })
                        .collect();
                    for label in legend_texts.into_iter().filter(|l| l.len() > 3) {
                        let count = texts(&scene).iter().filter(|t| t.1 == label).count();
                        assert!(count <= 1, "{what}: '{label}' drawn {count} times");
                    }
                    for (_, text, size) in texts(&scene).iter().take(3) {
                        assert!(*size >= LABEL, "{what}: the legend's '{text}' at {size} px");
                    }
                }
                let scene = dimensionality::scene(&models, w, h, &Theme::LIGHT);
                check(
                    &scene,
                    &format!("dimensionality {} {w}×{h}", kind.id()),
                    true,
                );
            }
        }
    }
}

#[test]
fn exported_svgs_carry_no_tex_and_say_where_they_came_from() {
    let theme = Theme::LIGHT;
    for model in models().iter().step_by(3) {
        for view in View::ALL {
            let scene = view.scene(model, 560.0, 400.0, &theme);
            let meta = scene::Metadata {
                title: format!("tms-explorer: {} at step {}", view.id(), model.step),
                settings: "model=abs&n=3&m=6".into(),
                step: model.step,
                fingerprint: model.fingerprint(),
                view: view.id().into(),
                theme: "light".into(),
                link: "v=3&model=abs&n=3&m=6&step=10000&view=stack".into(),
            };
            let svg = to_svg(&scene, theme.background, Some(&meta));
            assert_no_tex(&svg, view.id());
            assert!(
                svg.contains("settings=\"model=abs&amp;n=3&amp;m=6\""),
                "{svg}"
            );
            assert!(svg.contains(&format!("fingerprint=\"{}\"", model.fingerprint())));
            assert!(svg.contains("<title>tms-explorer: "));
            // The font size written is the size laid out (plotters' SVG backend divides by 1.24).
            let size = TypeScale::of(560.0, 400.0).label;
            assert!(svg.contains(&format!("font-size=\"{size}\"")), "{svg}");
        }
    }
}

#[test]
fn the_views_table_derives_every_list() {
    assert_eq!(
        View::ids_text(),
        "matrix, stack, graph, bars, hidden, loss, dynamics"
    );
    assert_eq!(VIEW_CHOICES, "matrix|stack|graph|bars|hidden|loss|dynamics");
    for v in View::ALL {
        assert_eq!(View::from_id(v.id()), Some(v));
        for kind in ModelKind::ALL {
            let f = v.spec().formula(kind);
            assert_no_tex(f, v.id());
            assert_no_tex(v.spec().caption(kind), v.id());
            for c in f.chars() {
                assert!(text::known(c), "{c:?} in {f}");
            }
        }
    }
    // Formulas match the model: no hidden ReLU where there is none, W₁ for abs.
    let stack = View::Stack.spec();
    assert!(!stack.formula(ModelKind::ReluOutput).contains("ReLU(W x)"));
    assert!(stack
        .formula(ModelKind::ReluHidden)
        .contains("h = ReLU(W x)"));
    assert!(stack.formula(ModelKind::Abs).contains("W₁"));
    for v in View::ALL {
        assert!(
            !v.spec().formula(ModelKind::Linear).contains("ReLU("),
            "{v:?}"
        );
    }
    // The page's default orders (src/web's views_schema hands them to the page).
    assert_eq!(
        View::default_order(ModelKind::Abs, 40),
        [
            View::Stack,
            View::Matrix,
            View::Graph,
            View::Bars,
            View::Dynamics,
            View::Loss
        ]
    );
    assert_eq!(
        View::default_order(ModelKind::ReluOutput, 2),
        [
            View::Bars,
            View::Matrix,
            View::Hidden,
            View::Dynamics,
            View::Stack,
            View::Graph,
            View::Loss
        ]
    );
    assert_eq!(
        View::Hidden.spec().reason(5).unwrap(),
        "the hidden space is drawn for m = 2 or 3 (this model has m = 5)"
    );
    assert!(View::Hidden.spec().reason(3).is_none());
    // The schema the page reads, as JSON.
    let json = serde_json::to_value(schema(ModelKind::Abs, 100, 40)).unwrap();
    assert_eq!(json["order"][0], "stack");
    assert_eq!(json["views"].as_array().unwrap().len(), VIEWS.len());
    let hidden = &json["views"][4];
    assert_eq!(
        (&hidden["id"], &hidden["available"]),
        (&"hidden".into(), &false.into())
    );
    assert_eq!(json["sweep_figures"][0]["id"], "dimensionality");
    assert!(!json["sweep_views"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v == "graph" || v == "loss" || v == "hidden"));
}

/// The largest models the settings allow (n = m = 1000) lay out in bounded work: matrices as a block per
/// pixel, the graph's strongest edges, the stack plot's largest weights and one grey rest per neuron.
#[test]
fn the_largest_models_draw_a_bounded_number_of_shapes() {
    for kind in ModelKind::ALL {
        let model = model(kind, 1000, 1000, 1, 0.01);
        for view in View::ALL {
            for (w, h) in [(560.0, 400.0), (1280.0, 800.0)] {
                let start = std::time::Instant::now();
                let scene = view.scene(&model, w, h, &Theme::LIGHT);
                let took = start.elapsed();
                let cells: usize = scene
                    .items
                    .iter()
                    .map(|it| match &it.shape {
                        Shape::Grid { cols, rows, .. } => cols * rows,
                        _ => 1,
                    })
                    .sum();
                assert!(
                    cells <= (w * h) as usize,
                    "{} {}: {cells} shapes and cells at {w}×{h}",
                    view.id(),
                    kind.id()
                );
                check(
                    &scene,
                    &format!("{} {} 1000×1000", view.id(), kind.id()),
                    true,
                );
                // Generous: the point is "milliseconds, not seconds" on a loaded machine.
                assert!(took.as_secs_f64() < 2.0, "{} took {took:?}", view.id());
            }
        }
    }
}

/// Writes every sweep figure as PNGs for looking at by eye (`TMS_FIGURES=DIR cargo test --lib
/// write_sweep_figures -- --ignored`); the single views are written by `tms render`.
#[test]
#[ignore]
#[cfg(not(target_arch = "wasm32"))]
fn write_sweep_figures() {
    let Ok(dir) = std::env::var("TMS_FIGURES") else {
        return;
    };
    let dir = std::path::Path::new(&dir);
    std::fs::create_dir_all(dir).unwrap();
    let densities = [1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001];
    for (name, kind, n, m) in [
        ("basic", ModelKind::ReluOutput, 20, 5),
        ("abs100", ModelKind::Abs, 100, 40),
        ("intro", ModelKind::ReluOutput, 5, 2),
    ] {
        let models: Vec<ModelView> = densities
            .iter()
            .map(|&d| {
                let mut t = crate::core::training::Trainer::new(Config {
                    model: kind,
                    n,
                    m,
                    density: vec![d],
                    importance: if n == 100 { 0.8 } else { 0.7 },
                    batch: 256,
                    ..Config::default()
                })
                .unwrap();
                t.step(1500);
                ModelView::of(&t)
            })
            .collect();
        for (w, h) in SIZES {
            for (theme_name, theme) in [("light", Theme::LIGHT), ("dark", Theme::DARK)] {
                let mut figures: Vec<(String, Scene)> = View::ALL
                    .into_iter()
                    .filter(|v| v.spec().sweepable)
                    .map(|v| (v.id().to_string(), sweep::scene(&models, v, w, h, &theme)))
                    .collect();
                figures.push((
                    "dimensionality".into(),
                    dimensionality::scene(&models, w, h, &theme),
                ));
                for (id, scene) in figures {
                    let path = dir.join(format!("sweep-{name}-{id}-{w}x{h}-{theme_name}.png"));
                    scene::write_png(&scene, &path, 1.0, theme.background).unwrap();
                }
            }
        }
    }
}
