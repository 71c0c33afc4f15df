//! W as a graph: input features → neurons → output features (W₁ then W₂ for `abs`; W then Wᵀ for the
//! tied models). Edge width ∝ |w|, colour by sign; edges under a small share of their layer's largest
//! weight are hidden (fainter ones drawn first), and at most `MAX_EDGES` are drawn, the strongest, so
//! n = 1000 costs what n = 100 does. The figure says when edges are left out. Labels are drawn last, on
//! a halo, so edges never hide them.

use super::{
    header, header_height, text, HAlign, Highlight, Key, ModelView, Opts, Scene, Shape, Tag, Theme,
    TypeScale, VAlign, PAD,
};

/// Edges with |w| below this share of their layer's largest |w| are not drawn (small models)...
pub const HIDE_BELOW: f32 = 0.08;
/// ...and for models with more than `BIG` weights a layer, where thousands of faint edges are a fog.
pub const HIDE_BELOW_BIG: f32 = 0.3;
pub const BIG: usize = 400;
/// At most this many edges are drawn: the strongest.
pub const MAX_EDGES: usize = 1500;

fn hide_below(model: &ModelView) -> f32 {
    if model.n * model.m > BIG {
        HIDE_BELOW_BIG
    } else {
        HIDE_BELOW
    }
}

fn names(model: &ModelView) -> (&'static str, &'static str) {
    if model.w2_t.is_some() {
        ("W₁", "W₂")
    } else {
        ("W", "Wᵀ")
    }
}

/// The legend; `capped` is (edges drawn, edges above the threshold) when the cap left some out.
pub fn legend(model: &ModelView, theme: &Theme, capped: Option<(usize, usize)>) -> Vec<Key> {
    let mut keys = vec![
        Key::Line {
            colour: theme.weight(1.0, 1.0),
            width: 3.0,
            dashed: false,
            label: "positive weight".into(),
        },
        Key::Line {
            colour: theme.weight(-1.0, 1.0),
            width: 3.0,
            dashed: false,
            label: "negative weight".into(),
        },
        Key::note(format!(
            "width ∝ |w|; under {}% of the layer's largest not drawn",
            (hide_below(model) * 100.0).round()
        )),
    ];
    if let Some((drawn, of)) = capped {
        keys.push(Key::note(format!("the strongest {drawn} of {of} edges")));
    }
    if model.probe.is_some() {
        keys.push(Key::ramp(
            "node: value for the probe's input",
            "−",
            "+",
            |t| theme.weight((2.0 * t - 1.0) as f32, 1.0),
        ));
        keys.push(Key::note(
            "each column scaled to its largest |value|; edges from 0 faded",
        ));
    }
    keys
}

/// The probe's values per column (inputs, hidden, outputs) and each column's largest |value|.
fn probe_columns(model: &ModelView) -> Option<[(&[f32], f32); 3]> {
    let p = model.probe.as_ref()?;
    let scale = |v: &[f32]| {
        v.iter()
            .filter(|v| v.is_finite())
            .fold(0.0f32, |a, v| a.max(v.abs()))
            .max(f32::MIN_POSITIVE)
    };
    Some([
        (&p.x[..], scale(&p.x)),
        (&p.h[..], scale(&p.h)),
        (&p.out[..], scale(&p.out)),
    ])
}

pub fn scene(model: &ModelView, width: f64, height: f64, theme: &Theme, opts: &Opts) -> Scene {
    let mut scene = Scene::new(width, height);
    let ty = TypeScale::of(width, height);
    let size = ty.label;
    let (n, m) = (model.n, model.m);
    let (first, second) = names(model);
    let unit = model.unit();
    let out_w = model.out_w();
    let largest = |w: &[f32]| {
        w.iter()
            .filter(|v| v.is_finite())
            .fold(0.0f32, |a, v| a.max(v.abs()))
            .max(f32::MIN_POSITIVE)
    };
    let scales = [largest(&model.w), largest(out_w)];
    let hide = hide_below(model);
    let inverse = [1.0 / scales[0], 1.0 / scales[1]];
    let strength = |layer: usize, w: f32| w.abs() * inverse[layer];

    // The edges worth drawing, strongest last; at most MAX_EDGES of them. A histogram of strengths
    // finds the cut in two passes over the weights, without sorting or copying a million of them.
    const BINS: usize = 1024;
    let bin = |t: f32| (((t - hide) / (1.0 - hide)).clamp(0.0, 1.0) * (BINS - 1) as f32) as usize;
    let mut hist = vec![0usize; BINS];
    for (layer, w) in [&model.w[..], out_w].into_iter().enumerate() {
        for &v in w {
            let t = strength(layer, v);
            if t >= hide && t.is_finite() {
                hist[bin(t)] += 1;
            }
        }
    }
    let candidates: usize = hist.iter().sum();
    // Every edge in a bin above `cut` is drawn; of the bin `cut` itself, the strongest that fit.
    let (mut cut, mut above) = (0usize, 0usize);
    if candidates > MAX_EDGES {
        cut = BINS - 1;
        while above + hist[cut] < MAX_EDGES {
            above += hist[cut];
            cut -= 1;
        }
    }
    // The weakest strength that can be drawn: the lower edge of bin `cut` (or the hiding threshold).
    let floor = if candidates > MAX_EDGES {
        (hide + (1.0 - hide) * cut as f32 / (BINS - 1) as f32).max(hide) * 0.999
    } else {
        hide
    };
    let mut edges: Vec<(f32, u8, usize, usize, f32)> = vec![];
    let mut border: Vec<(f32, u8, usize, usize, f32)> = vec![];
    for j in 0..m {
        for i in 0..n {
            for (layer, w) in [(0usize, model.w[j * n + i]), (1usize, out_w[j * n + i])] {
                let t = strength(layer, w);
                if !(t >= floor && t >= hide && t.is_finite()) {
                    continue;
                }
                let edge = (t, layer as u8 + 1, j, i, w);
                match bin(t).cmp(&cut) {
                    std::cmp::Ordering::Greater => edges.push(edge),
                    std::cmp::Ordering::Equal => border.push(edge),
                    std::cmp::Ordering::Less => {}
                }
            }
        }
    }
    let room = MAX_EDGES - edges.len();
    if border.len() > room {
        border.select_nth_unstable_by(room, |a, b| b.0.total_cmp(&a.0));
        border.truncate(room);
    }
    edges.extend(border);
    edges.sort_by(|a, b| a.0.total_cmp(&b.0));
    let capped = (candidates > MAX_EDGES).then_some((edges.len(), candidates));
    let keys = legend(model, theme, capped);
    let titles = [
        format!("W as graph: features → {first} → {unit}s → {second} → outputs"),
        "W as graph".to_string(),
    ];
    let titles: Vec<&str> = titles.iter().map(String::as_str).collect();

    let label_h = text::height(size);
    let top = header_height(&keys, ty, width, opts) + 1.5 * label_h + 4.0;
    header(&mut scene, &titles, &keys, ty, theme, opts);
    let bottom = height - PAD;
    let index_w = text::width(&n.saturating_sub(1).to_string(), size);
    let (x_in, x_out) = (PAD + index_w + 8.0, width - PAD - index_w - 8.0);
    let xs = [x_in, (x_in + x_out) / 2.0, x_out];
    let span = (bottom - top).max(10.0);
    let ys = |count: usize, k: usize| top + span * (k as f64 + 0.5) / count as f64;
    let (spacing_f, spacing_m) = (span / n as f64, span / m as f64);

    let probe = probe_columns(model);
    for &(t, layer, j, i, w) in &edges {
        // With a probe, an edge whose source is 0 carries nothing for this input: faded.
        let silent = probe.is_some_and(|cols| {
            let source = if layer == 1 {
                cols[0].0[i]
            } else {
                cols[1].0[j]
            };
            source == 0.0
        });
        let alpha = if silent { 0.12 } else { 0.25 + 0.75 * t as f64 };
        let (from, to) = if layer == 1 {
            ((xs[0], ys(n, i)), (xs[1], ys(m, j)))
        } else {
            ((xs[1], ys(m, j)), (xs[2], ys(n, i)))
        };
        scene.push(
            Shape::Line {
                x0: from.0,
                y0: from.1,
                x1: to.0,
                y1: to.1,
                width: 0.6 + 3.4 * t as f64,
            },
            theme.weight(w.signum(), 1.0).alpha(alpha),
            Some(Tag::Edge {
                layer,
                matrix: if layer == 1 { first } else { second },
                unit,
                neuron: j,
                feature: i,
                weight: w,
            }),
        );
    }

    // Nodes, then their labels on halos where they fit.
    let radius = |spacing: f64| (spacing * 0.3).clamp(1.0, 5.0);
    let columns = [(0, n, "feature"), (1, m, unit), (2, n, "output")];
    for (col, count, kind) in columns {
        let r = radius(if col == 1 { spacing_m } else { spacing_f });
        for k in 0..count {
            let (x, y) = (xs[col], ys(count, k));
            match probe {
                // A ring in the text colour around the value's colour, so 0 (near the background)
                // still shows as a node.
                Some(cols) => {
                    let (values, scale) = cols[col];
                    let r = r.max(2.5);
                    scene.push(Shape::Circle { x, y, r: r + 1.0 }, theme.text, None);
                    scene.push(
                        Shape::Circle { x, y, r },
                        theme.weight(values[k], scale),
                        Some(Tag::Node { kind, index: k }),
                    );
                }
                None => scene.push(
                    Shape::Circle { x, y, r },
                    theme.text,
                    Some(Tag::Node { kind, index: k }),
                ),
            }
            let marked = match model.highlight {
                Some(Highlight::Feature(f)) => col != 1 && f == k,
                Some(Highlight::Neuron(j)) => col == 1 && j == k,
                None => false,
            };
            if marked {
                super::mark(
                    &mut scene,
                    x - r - 3.0,
                    y - r - 3.0,
                    x + r + 3.0,
                    y + r + 3.0,
                    theme,
                );
            }
        }
    }
    let headers = [
        "features x",
        if model.kind.hidden_relu() {
            "neurons h"
        } else {
            "hidden h"
        },
        if model.w2_t.is_some() {
            "outputs y′"
        } else {
            "outputs x′"
        },
    ];
    for (col, text) in headers.iter().enumerate() {
        let h = match col {
            0 => HAlign::Left,
            1 => HAlign::Center,
            _ => HAlign::Right,
        };
        let x = match col {
            0 => PAD,
            1 => xs[1],
            _ => width - PAD,
        };
        scene.try_text(x, top - 4.0, *text, size, h, VAlign::Bottom, theme.muted);
    }
    for (col, count, _) in columns {
        let spacing = if col == 1 { spacing_m } else { spacing_f };
        let step = super::label_step(spacing, label_h);
        let r = radius(spacing);
        for k in (0..count).step_by(step) {
            let (x, y) = (xs[col], ys(count, k));
            let (at, h) = match col {
                0 => (x - r - 3.0, HAlign::Right),
                2 => (x + r + 3.0, HAlign::Left),
                _ => (x + r + 3.0, HAlign::Left),
            };
            scene.try_text_on_halo(
                at,
                y,
                k.to_string(),
                size,
                h,
                VAlign::Middle,
                theme.text,
                theme.background,
            );
        }
    }
    scene
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::{Config, ModelKind};
    use crate::core::model::{Model, Weights};

    fn edges(scene: &Scene) -> Vec<(u8, usize, usize, f32, f64, crate::views::Rgba)> {
        scene
            .items
            .iter()
            .filter_map(|it| match (&it.tag, &it.shape) {
                (
                    Some(Tag::Edge {
                        layer,
                        neuron,
                        feature,
                        weight,
                        ..
                    }),
                    Shape::Line { width, .. },
                ) => Some((*layer, *neuron, *feature, *weight, *width, it.color)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn edges_carry_their_weights_width_and_sign() {
        let config = Config {
            model: ModelKind::Abs,
            n: 4,
            m: 3,
            ..Config::default()
        };
        let model = Model::new(&config);
        let params = model.init(7);
        let view = ModelView::from_weights(&Weights::new(&model, &params), 1.0);
        let theme = Theme::LIGHT;
        let scene = scene(&view, 400.0, 300.0, &theme, &Opts::default());
        let largest = |w: &[f32]| w.iter().fold(0.0f32, |a, v| a.max(v.abs()));
        let scales = [largest(&params[..12]), largest(&params[12..24])];
        let drawn = edges(&scene);
        for &(layer, neuron, feature, weight, width, colour) in &drawn {
            let stored = if layer == 1 {
                params[neuron * 4 + feature]
            } else {
                params[12 + neuron * 4 + feature]
            };
            assert_eq!(weight, stored);
            let scale = scales[layer as usize - 1];
            assert!((width - (0.6 + 3.4 * (weight.abs() / scale) as f64)).abs() < 1e-6);
            assert_eq!(colour.alpha(1.0), theme.weight(weight.signum(), 1.0));
        }
        let visible = params[..12]
            .iter()
            .filter(|w| w.abs() >= HIDE_BELOW * scales[0])
            .count()
            + params[12..24]
                .iter()
                .filter(|w| w.abs() >= HIDE_BELOW * scales[1])
                .count();
        assert_eq!(drawn.len(), visible);
        assert_eq!(
            scene
                .items
                .iter()
                .filter(|it| matches!(it.tag, Some(Tag::Node { .. })))
                .count(),
            4 + 3 + 4
        );
        // Every label is drawn after every edge (on top of them).
        let last_edge = scene
            .items
            .iter()
            .rposition(|it| matches!(it.tag, Some(Tag::Edge { .. })))
            .unwrap();
        let first_label = scene
            .items
            .iter()
            .position(|it| matches!(&it.shape, Shape::Text { text, .. } if text == "0"))
            .unwrap();
        assert!(first_label > last_edge);
    }

    #[test]
    fn a_probe_colours_each_node_by_its_value_and_fades_edges_from_zero() {
        let config = Config {
            model: ModelKind::Abs,
            n: 4,
            m: 3,
            ..Config::default()
        };
        let model = Model::new(&config);
        let params = model.init(7);
        let weights = Weights::new(&model, &params);
        let mut view = ModelView::from_weights(&weights, 1.0);
        let theme = Theme::LIGHT;
        let plain = scene(&view, 400.0, 300.0, &theme, &Opts::default());
        let x = [0.0, -1.0, 0.0, 0.5];
        let acts = crate::core::probe::forward(&weights, &x);
        view.probe = Some(acts.clone());
        let probed = scene(&view, 400.0, 300.0, &theme, &Opts::default());
        let nodes = |s: &Scene| -> Vec<(&'static str, usize, crate::views::Rgba)> {
            s.items
                .iter()
                .filter_map(|it| match it.tag {
                    Some(Tag::Node { kind, index }) => Some((kind, index, it.color)),
                    _ => None,
                })
                .collect()
        };
        assert!(nodes(&plain).iter().all(|n| n.2 == theme.text));
        let largest = |v: &[f32]| v.iter().fold(0.0f32, |a, v| a.max(v.abs()));
        for (kind, k, colour) in nodes(&probed) {
            let (values, scale) = match kind {
                "feature" => (&acts.x, largest(&acts.x)),
                "output" => (&acts.out, largest(&acts.out)),
                _ => (&acts.h, largest(&acts.h)),
            };
            assert_eq!(colour, theme.weight(values[k], scale), "{kind} {k}");
        }
        // Edges from feature 0 and 2 (x = 0) carry nothing for this input: faded.
        for (layer, neuron, feature, _, _, colour) in edges(&probed) {
            let source = if layer == 1 {
                x[feature]
            } else {
                acts.h[neuron]
            };
            assert_eq!(
                colour.a == 0.12,
                source == 0.0,
                "layer {layer} {neuron} {feature}"
            );
        }
        let says = probed.items.iter().any(|it| {
            matches!(&it.shape, Shape::Text { text, .. } if text.contains("value for the probe's input"))
        });
        assert!(says, "the legend explains the nodes' colours");
    }

    #[test]
    fn a_large_model_draws_only_its_strongest_edges_and_says_so() {
        let config = Config {
            model: ModelKind::ReluOutput,
            n: 1000,
            m: 1000,
            ..Config::default()
        };
        let model = Model::new(&config);
        let params = model.init(3);
        let view = ModelView::from_weights(&Weights::new(&model, &params), 1.0);
        let scene = scene(&view, 1280.0, 800.0, &Theme::LIGHT, &Opts::default());
        let drawn = edges(&scene);
        assert_eq!(drawn.len(), MAX_EDGES);
        let weakest = drawn
            .iter()
            .map(|e| e.3.abs())
            .fold(f32::INFINITY, f32::min);
        let scale = params[..1_000_000]
            .iter()
            .fold(0.0f32, |a, v| a.max(v.abs()));
        let stronger = params[..1_000_000]
            .iter()
            .filter(|w| w.abs() > weakest)
            .count();
        // Each weight of a tied model is two edges (W and Wᵀ): every stronger one is drawn.
        assert!(
            2 * stronger <= MAX_EDGES,
            "the drawn edges are the strongest"
        );
        assert!(weakest / scale >= HIDE_BELOW_BIG);
        let says = scene.items.iter().any(|it| {
            matches!(&it.shape, Shape::Text { text, .. } if text.starts_with(&format!("the strongest {MAX_EDGES} of ")))
        });
        assert!(says, "the figure says edges were left out");
    }
}
