//! The neuron phase change of a sweep (docs/science.md, "The neuron phase change"): per setting, a bar
//! of the model's neurons stacked by class (monosemantic, polysemantic, dead) against 1/(1−S) on a log
//! axis, as in the dimensionality figure, and for `abs` the number of features computed as a line on
//! the same count axis. Sweeps that do not vary the density (importance sweeps) are placed evenly, one
//! labelled bar per setting.

use super::{
    nice_ticks, note, tick_text, title, HAlign, ModelView, Rgba, Scene, Shape, Tag, Theme,
    TypeScale, VAlign, LABEL,
};
use crate::core::config::ModelKind;
use crate::core::metrics::{features_computed, NeuronClass, NeuronCounts};

/// Text size of this figure's labels: never under 12 CSS px.
const TEXT: f64 = if LABEL > 12.0 { LABEL } else { 12.0 };

/// The fill of each neuron class, bottom of the stack first.
pub fn class_colour(class: NeuronClass, theme: &Theme) -> Rgba {
    match class {
        // Okabe–Ito blue and orange: told apart with every common colour-vision deficiency.
        NeuronClass::Monosemantic => theme.feature(4),
        NeuronClass::Polysemantic => theme.feature(0),
        NeuronClass::Dead => theme.unused,
    }
}

/// What one setting shows: its label, neuron counts and (abs) features computed of n.
pub fn tag(model: &ModelView) -> Tag {
    let c = NeuronCounts::of(&model.neurons);
    Tag::Phase {
        label: model
            .label
            .clone()
            .unwrap_or_else(|| format!("1−S = {}", model.density)),
        monosemantic: c.monosemantic,
        polysemantic: c.polysemantic,
        dead: c.dead,
        computed: computed(model).map(|k| (k, model.n)),
    }
}

fn computed(model: &ModelView) -> Option<usize> {
    match (&model.w2_t, model.kind) {
        (Some(w2_t), ModelKind::Abs) => Some(
            features_computed(&model.w, w2_t, &model.b, model.n, model.m)
                .iter()
                .filter(|&&c| c)
                .count(),
        ),
        _ => None,
    }
}

/// A safe width of `text` at `size` px: DejaVu Sans measures about 0.46 em a character on these
/// labels; 0.56 leaves room for wider sans-serif fonts in the browser.
fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.56
}

pub fn scene(models: &[ModelView], width: f64, height: f64, theme: &Theme) -> Scene {
    let mut scene = Scene::new(width, height);
    let abs = models.iter().any(|v| v.kind == ModelKind::Abs);
    let ty = TypeScale::of(width, height);
    title(
        &mut scene,
        if abs {
            &[
                "Neurons by kind, and features computed",
                "Neurons and features computed",
            ]
        } else {
            &["Neurons by kind per setting", "Neurons by kind"]
        },
        ty,
        theme,
    );
    if models.is_empty() {
        note(&mut scene, "no models in this sweep", ty, theme);
        return scene;
    }
    if models.iter().any(|v| !v.kind.hidden_relu()) {
        note(
            &mut scene,
            "neuron kinds need a hidden-layer model (relu-hidden or abs)",
            ty,
            theme,
        );
        return scene;
    }

    // Legend: a swatch per class, and the line for abs; wraps onto more rows when narrow.
    let mut entries: Vec<(String, Option<Rgba>)> = NeuronClass::ALL
        .iter()
        .map(|&c| {
            let words = match c {
                NeuronClass::Monosemantic => "monosemantic (max|w|/‖w‖ > 0.99)",
                NeuronClass::Polysemantic => "polysemantic",
                NeuronClass::Dead => "dead (cannot change any output)",
            };
            (words.to_string(), Some(class_colour(c, theme)))
        })
        .collect();
    if abs {
        let n = models[0].n;
        let of = if models.iter().all(|v| v.n == n) {
            format!("of {n}")
        } else {
            "of n".to_string()
        };
        entries.push((format!("features computed ({of})"), None));
    }
    let (mut lx, mut ly) = (8.0, 26.0);
    for (words, fill) in &entries {
        let w = 16.0 + text_width(words, TEXT) + 14.0;
        if lx > 8.0 && lx + w > width - 8.0 {
            lx = 8.0;
            ly += TEXT + 6.0;
        }
        match fill {
            Some(colour) => scene.rect(lx, ly + 1.0, lx + 12.0, ly + 13.0, *colour, None),
            None => {
                scene.line((lx - 1.0, ly + 7.0), (lx + 13.0, ly + 7.0), 2.0, theme.text);
                scene.push(
                    Shape::Circle {
                        x: lx + 6.0,
                        y: ly + 7.0,
                        r: 3.5,
                    },
                    theme.text,
                    None,
                );
            }
        }
        scene.text(
            lx + 16.0,
            ly + 7.0,
            words.clone(),
            TEXT,
            HAlign::Left,
            VAlign::Middle,
            theme.text,
        );
        lx += w;
    }

    let (left, right) = (50.0, 16.0);
    let top = ly + TEXT + 14.0;
    let bottom = 40.0;
    let plot_w = (width - left - right).max(10.0);
    let plot_h = (height - top - bottom).max(10.0);
    let (x0, y0, y1) = (left, top, top + plot_h);

    // Where each setting goes: log10 1/(1−S) when the densities differ, else evenly by index.
    let logs: Vec<f64> = models
        .iter()
        .map(|v| -(v.density.max(1e-9) as f64).log10())
        .collect();
    let distinct = {
        let mut sorted = logs.clone();
        sorted.sort_by(f64::total_cmp);
        sorted.windows(2).all(|w| w[1] - w[0] > 1e-6)
    };
    let values: Vec<f64> = if distinct {
        logs.clone()
    } else {
        (0..models.len()).map(|k| k as f64).collect()
    };
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let span = (hi - lo).max(1e-9);
    let mut sorted = values.clone();
    sorted.sort_by(f64::total_cmp);
    let gap = sorted.windows(2).map(|w| w[1] - w[0]).fold(span, f64::min);
    // Room at each end for half a bar and a margin.
    let bar_for = |inner: f64| {
        if models.len() > 1 {
            (0.55 * inner * gap / span).clamp(4.0, 36.0)
        } else {
            36.0
        }
    };
    let pad = (bar_for(plot_w - 60.0) / 2.0 + 14.0).max(30.0);
    let inner = (plot_w - 2.0 * pad).max(1.0);
    let bar = bar_for(inner);
    let x = |v: f64| {
        if hi > lo {
            x0 + pad + inner * (v - lo) / span
        } else {
            x0 + plot_w / 2.0
        }
    };

    // The count axis: neurons (bars) and, for abs, features computed (line), on one scale.
    let counts: Vec<NeuronCounts> = models
        .iter()
        .map(|v| NeuronCounts::of(&v.neurons))
        .collect();
    let computed: Vec<Option<usize>> = models.iter().map(computed).collect();
    let most = counts
        .iter()
        .map(|c| c.total())
        .chain(computed.iter().flatten().copied())
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let ticks = nice_ticks(0.0, most, 4);
    let y_top = ticks.last().copied().filter(|&t| t >= most).unwrap_or(most);
    let y = |c: f64| y1 - plot_h * (c / y_top).clamp(0.0, 1.0);
    for &t in &ticks {
        scene.line((x0, y(t)), (x0 + plot_w, y(t)), 1.0, theme.grid);
        scene.text(
            x0 - 5.0,
            y(t),
            tick_text(t),
            TEXT,
            HAlign::Right,
            VAlign::Middle,
            theme.muted,
        );
    }
    scene.line((x0, y1), (x0 + plot_w, y1), 1.0, theme.text);
    scene.vertical_text(
        10.0,
        y0 + plot_h / 2.0,
        if abs {
            "neurons · features"
        } else {
            "neurons"
        },
        TEXT,
        theme.muted,
    );

    // The horizontal axis.
    if distinct {
        let (edge_lo, edge_hi) = if hi > lo {
            (lo - pad * span / inner, lo + (plot_w - pad) * span / inner)
        } else {
            (lo - 0.5, lo + 0.5)
        };
        for d in (edge_lo.ceil() as i32)..=(edge_hi.floor() as i32) {
            let px = if hi > lo {
                x(d as f64)
            } else {
                x0 + plot_w / 2.0 + (d as f64 - lo) * plot_w
            };
            scene.line((px, y1), (px, y1 + 4.0), 1.0, theme.text);
            scene.text(
                px,
                y1 + 6.0,
                format!("{}", 10f64.powi(d)),
                TEXT,
                HAlign::Center,
                VAlign::Top,
                theme.muted,
            );
        }
    } else {
        for (model, &v) in models.iter().zip(&values) {
            let label = tag_label(model);
            scene.text(
                x(v),
                y1 + 6.0,
                label,
                TEXT,
                HAlign::Center,
                VAlign::Top,
                theme.muted,
            );
        }
    }
    scene.text(
        x0 + plot_w / 2.0,
        height - 3.0,
        if distinct {
            "1/(1−S) (log scale)"
        } else {
            "setting"
        },
        TEXT,
        HAlign::Center,
        VAlign::Bottom,
        theme.muted,
    );

    // The bars: a hover area for the whole column, then the stack bottom up.
    let mut line = vec![];
    for ((model, &v), (c, k)) in models.iter().zip(&values).zip(counts.iter().zip(&computed)) {
        let cx = x(v);
        let hit = tag(model);
        scene.rect(
            cx - bar / 2.0 - 3.0,
            y0,
            cx + bar / 2.0 + 3.0,
            y1,
            theme.background.alpha(0.0),
            Some(hit.clone()),
        );
        let mut base = 0.0;
        for class in NeuronClass::ALL {
            let count = c.get(class) as f64;
            if count > 0.0 {
                scene.rect(
                    cx - bar / 2.0,
                    y(base + count),
                    cx + bar / 2.0,
                    y(base),
                    class_colour(class, theme),
                    Some(hit.clone()),
                );
            }
            base += count;
        }
        if let Some(k) = k {
            line.push((cx, y(*k as f64), hit));
        }
    }
    if line.len() > 1 {
        scene.push(
            Shape::Path {
                points: line.iter().map(|p| (p.0, p.1)).collect(),
                width: 2.0,
            },
            theme.text,
            None,
        );
    }
    for (px, py, hit) in line {
        // A ring in the background colour keeps the dot readable on top of a bar.
        scene.push(
            Shape::Circle {
                x: px,
                y: py,
                r: 5.0,
            },
            theme.background,
            None,
        );
        scene.push(
            Shape::Circle {
                x: px,
                y: py,
                r: 3.5,
            },
            theme.text,
            Some(hit),
        );
    }
    scene
}

/// A setting's label for the evenly spaced axis (importance sweeps).
fn tag_label(model: &ModelView) -> String {
    model
        .label
        .clone()
        .unwrap_or_else(|| format!("1−S = {}", model.density))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::Config;
    use crate::core::model::{Model, Weights};

    /// abs n = 2, m = 3 with hand-set weights: `w1`, `w2_t` are m × n.
    fn abs_view(w1: [f32; 6], w2_t: [f32; 6], density: f32) -> ModelView {
        let config = Config {
            model: ModelKind::Abs,
            n: 2,
            m: 3,
            ..Config::default()
        };
        let model = Model::new(&config);
        let l = model.layout();
        let mut p = vec![0.0f32; l.len];
        p[l.w.0..l.w.1].copy_from_slice(&w1);
        p[l.w2.0..l.w2.1].copy_from_slice(&w2_t);
        ModelView::from_weights(&Weights::new(&model, &p), density)
    }

    fn texts(scene: &Scene) -> Vec<(String, f64)> {
        scene
            .items
            .iter()
            .filter_map(|it| match &it.shape {
                Shape::Text { text, size, .. } => Some((text.clone(), *size)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn bars_stack_each_class_and_hover_gives_the_counts() {
        // Dense: ReLU(x_0), ReLU(−x_0) and ReLU(x_1), each monosemantic; feature 0 computed.
        let dense = abs_view(
            [2.0, 0.0, -0.5, 0.0, 0.0, 1.0],
            [0.5, 0.0, 2.0, 0.0, 0.0, 1.0],
            1.0,
        );
        // Sparse: one polysemantic neuron, one dead (all zero), one monosemantic: ReLU(x_0) + ReLU(−x_0)
        // still computes |x_0|; feature 1's output is 0.4 for x_1 = 1.
        let sparse = abs_view(
            [1.0, 0.8, 0.0, 0.0, -1.0, 0.0],
            [1.0, 0.5, 0.0, 0.0, 1.0, 0.0],
            0.01,
        );
        let views = vec![dense, sparse];
        let scene = scene(&views, 640.0, 320.0, &Theme::LIGHT);
        let tags: Vec<&Tag> = scene
            .items
            .iter()
            .filter_map(|it| it.tag.as_ref())
            .collect();
        assert!(tags.contains(&&Tag::Phase {
            label: "1−S = 1".into(),
            monosemantic: 3,
            polysemantic: 0,
            dead: 0,
            computed: Some((1, 2)),
        }));
        let sparse_tag = Tag::Phase {
            label: "1−S = 0.01".into(),
            monosemantic: 1,
            polysemantic: 1,
            dead: 1,
            computed: Some((1, 2)),
        };
        assert!(tags.contains(&&sparse_tag));
        assert_eq!(
            sparse_tag.describe(),
            "1−S = 0.01: 1 monosemantic, 1 polysemantic, 1 dead of 3 neurons; 1 of 2 features computed"
        );
        // Each bar's pieces are the class colours, one per neuron class present, stacked bottom up
        // (monosemantic lowest), and their heights are in proportion to the counts.
        let pieces: Vec<(f64, f64, Rgba)> = scene
            .items
            .iter()
            .filter_map(|it| match (&it.shape, &it.tag) {
                (Shape::Rect { y0, y1, .. }, Some(t)) if *t == sparse_tag && it.color.a > 0.0 => {
                    Some((*y0, *y1, it.color))
                }
                _ => None,
            })
            .collect();
        assert_eq!(pieces.len(), 3);
        let t = Theme::LIGHT;
        assert_eq!(
            pieces.iter().map(|p| p.2).collect::<Vec<_>>(),
            NeuronClass::ALL.map(|c| class_colour(c, &t)).to_vec()
        );
        assert!(
            pieces[0].0 > pieces[1].0 && pieces[1].0 > pieces[2].0,
            "bottom up"
        );
        let h: Vec<f64> = pieces.iter().map(|p| p.1 - p.0).collect();
        assert!((h[0] - h[1]).abs() < 1e-9 && (h[1] - h[2]).abs() < 1e-9);
        // Hovering the middle of the sparse bar, or just beside it, names the setting.
        let (py0, py1) = (pieces[2].0, pieces[0].1);
        let Shape::Rect { x0, x1, .. } = scene
            .items
            .iter()
            .find(|it| it.tag.as_ref() == Some(&sparse_tag) && it.color.a > 0.0)
            .unwrap()
            .shape
        else {
            panic!()
        };
        let cx = (x0 + x1) / 2.0;
        assert_eq!(scene.pick(cx, (py0 + py1) / 2.0)[0], sparse_tag);
        assert_eq!(scene.pick(x1 + 2.0, (py0 + py1) / 2.0)[0], sparse_tag);
        // Denser settings sit left: 1/(1−S) grows to the right.
        let dense_x = scene
            .items
            .iter()
            .find_map(|it| match (&it.shape, &it.tag) {
                (Shape::Circle { x, .. }, Some(Tag::Phase { label, .. })) if label == "1−S = 1" => {
                    Some(*x)
                }
                _ => None,
            })
            .unwrap();
        assert!(dense_x < cx);
    }

    #[test]
    fn every_encoding_is_explained_in_legible_text() {
        let v = abs_view([1.0; 6], [1.0; 6], 0.1);
        for width in [360.0, 900.0] {
            let scene = scene(&[v.clone(), v.clone()], width, 320.0, &Theme::DARK);
            let t = texts(&scene);
            for words in ["monosemantic", "polysemantic", "dead", "features computed"] {
                assert!(
                    t.iter().any(|(s, _)| s.starts_with(words)),
                    "{words}: {t:?}"
                );
            }
            assert!(t.iter().all(|(_, size)| *size >= 12.0), "{t:?}");
            // Two settings with one density: placed evenly, each labelled.
            assert_eq!(t.iter().filter(|(s, _)| s == "1−S = 0.1").count(), 2);
        }
        // A tied model without a hidden ReLU has no neuron kinds to show, and says so.
        let config = Config::default();
        let model = Model::new(&config);
        let p = model.init(0);
        let tied = ModelView::from_weights(&Weights::new(&model, &p), 1.0);
        let t = texts(&scene(&[tied], 400.0, 300.0, &Theme::LIGHT));
        assert!(t.iter().any(|(s, _)| s.contains("hidden-layer model")));
    }

    #[test]
    fn legend_entries_do_not_overlap_at_narrow_widths() {
        let v = abs_view([1.0; 6], [1.0; 6], 0.1);
        let w = abs_view([1.0; 6], [1.0; 6], 0.01);
        let scene = scene(&[v, w], 360.0, 320.0, &Theme::LIGHT);
        let boxes: Vec<(f64, f64, f64, f64)> = scene
            .items
            .iter()
            .filter_map(|it| match &it.shape {
                Shape::Text {
                    x,
                    y,
                    text,
                    size,
                    h,
                    ..
                } if *h == HAlign::Left => Some((*x, *y, *x + text_width(text, *size), *size)),
                _ => None,
            })
            .collect();
        for (k, a) in boxes.iter().enumerate() {
            assert!(a.2 <= 360.0, "{a:?} fits");
            for b in &boxes[..k] {
                let apart = a.2 <= b.0 || b.2 <= a.0 || (a.1 - b.1).abs() >= a.3;
                assert!(apart, "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn it_exports_as_svg() {
        let v = abs_view([1.0; 6], [1.0; 6], 0.1);
        let svg = super::super::scene::to_svg(
            &scene(&[v], 500.0, 300.0, &Theme::LIGHT),
            Theme::LIGHT.background,
            None,
        );
        assert!(svg.starts_with("<svg") && svg.contains("polysemantic"));
    }
}
