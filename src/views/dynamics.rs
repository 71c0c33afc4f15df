//! Learning dynamics (docs/science.md, "Learning dynamics"): over the training steps, each feature's
//! dimensionality Dᵢ (tied models) or how well it is computed (`abs`), and for hidden-layer models each
//! neuron's monosemanticity, as lines on a shared step axis with the step shown marked. The paper's
//! learning-dynamics section shows features' Dᵢ jumping between the fractions 1, ½, ⅖, … as they
//! find their place; in the hidden-layer models, neurons become polysemantic at particular moments.

use super::{
    header, header_height, nice_ticks, text, tick_text, HAlign, Key, ModelView, Opts, Scene, Shape,
    Tag, Theme, TypeScale, VAlign, PAD,
};

/// At most this many lines per panel (the most important features; every neuron up to it).
pub const MAX_LINES: usize = 40;

fn neuron_colour(theme: &Theme, j: usize, m: usize) -> super::Rgba {
    theme.sequential(j as f64 / (m.clamp(2, MAX_LINES) - 1) as f64)
}

/// The legend: which colour is which feature (identity colours for up to 12 lines), the neurons'
/// colour scale, and the mark of the step shown.
pub fn legend(model: &ModelView, theme: &Theme) -> Vec<Key> {
    let n_lines = model.n.min(MAX_LINES);
    let mut keys = vec![];
    if n_lines <= super::palette::IDENTITY_COLOURS {
        keys.push(Key::note("feature:"));
        keys.extend((0..n_lines).map(|i| Key::swatch(theme.feature(i), i.to_string())));
    } else {
        keys.push(Key::note(format!(
            "feature lines: the {n_lines} most important{} (hover names them)",
            if model.n > n_lines {
                format!(" of {}", model.n)
            } else {
                String::new()
            }
        )));
    }
    if model.kind.hidden_relu() {
        let last = model.m.min(MAX_LINES) - 1;
        keys.push(Key::ramp("neuron:", "0", last.to_string(), |t| {
            theme.sequential(t)
        }));
    }
    keys.push(Key::Line {
        colour: theme.text,
        width: 1.5,
        dashed: false,
        label: "the step shown".into(),
    });
    keys
}

pub fn scene(model: &ModelView, width: f64, height: f64, theme: &Theme, opts: &Opts) -> Scene {
    let mut scene = Scene::new(width, height);
    let ty = TypeScale::of(width, height);
    let size = ty.label;
    let points = &model.trace.points;
    let abs = model.w2_t.is_some();
    let neurons = model.kind.hidden_relu();
    let titles = [
        "Learning dynamics over the steps trained",
        "Learning dynamics",
    ];
    if points.len() < 2 {
        header(&mut scene, &titles, &[], ty, theme, opts);
        super::note(
            &mut scene,
            "train some steps to see the dynamics",
            ty,
            theme,
        );
        return scene;
    }
    let keys = legend(model, theme);
    let label_h = text::height(size);
    let top = header_height(&keys, ty, width, opts) + label_h + 4.0;
    header(&mut scene, &titles, &keys, ty, theme, opts);
    let last = points.last().map_or(1, |p| p.step).max(1) as f64;
    let left = PAD + super::widest(["1.2", "½", "⅖"], size) + 6.0;
    let right = PAD + super::widest([tick_text(last)], size) / 2.0;
    let bottom = 2.0 * label_h + 4.0 + PAD;
    let panels = if neurons { 2 } else { 1 };
    let gap = label_h + 10.0;
    let panel_h = ((height - top - bottom - gap * (panels - 1) as f64) / panels as f64).max(20.0);
    let plot_w = (width - left - right).max(10.0);
    let x = |s: f64| left + plot_w * s / last;
    // Panel 1: features.
    let n_lines = model.n.min(MAX_LINES);
    let (lo, hi) = (0.0, if abs { 1.2 } else { 1.0 });
    let refs: &[(f64, &str)] = if abs {
        &[(1.0, "1"), (0.0, "0")]
    } else {
        &[(1.0, "1"), (0.5, "½"), (0.4, "⅖"), (0.0, "0")]
    };
    let axis: &[&str] = if abs {
        &[
            "each feature i: the output y′ᵢ for the inputs ±eᵢ, the worse of the two (1 = |x| computed)",
            "each feature: y′ᵢ for x = ±eᵢ (1 = computed)",
            "y′ᵢ(±eᵢ)",
        ]
    } else {
        &[
            "each feature i: its dimensionality Dᵢ (1 = its own direction, ½ antipodal pair, ⅖ pentagon)",
            "each feature's dimensionality Dᵢ",
            "Dᵢ",
        ]
    };
    panel(
        &mut scene,
        theme,
        size,
        Panel {
            top,
            height: panel_h,
            left,
            width: plot_w,
            lo,
            hi,
            refs,
            axis,
        },
    );
    for i in 0..n_lines {
        let colour = theme.feature(i);
        let path: Vec<(f64, f64)> = points
            .iter()
            .filter_map(|p| {
                p.features
                    .get(i)
                    .map(|&v| (x(p.step as f64), value_y(v as f64, lo, hi, top, panel_h)))
            })
            .collect();
        scene.push(
            Shape::Path {
                points: path,
                width: 1.4,
            },
            colour,
            None,
        );
        // Hover and click: one tag per point of the line.
        for p in points {
            if let Some(&v) = p.features.get(i) {
                scene.push(
                    Shape::Circle {
                        x: x(p.step as f64),
                        y: value_y(v as f64, lo, hi, top, panel_h),
                        r: 1.0,
                    },
                    colour.alpha(0.0),
                    Some(Tag::Series {
                        kind: "feature",
                        index: i,
                        step: p.step,
                        value: v,
                        what: if abs { "y′ᵢ(±eᵢ)" } else { "Dᵢ" },
                    }),
                );
            }
        }
    }
    // Panel 2: neurons.
    if neurons {
        let top2 = top + panel_h + gap;
        panel(
            &mut scene,
            theme,
            size,
            Panel {
                top: top2,
                height: panel_h,
                left,
                width: plot_w,
                lo: 0.0,
                hi: 1.0,
                refs: &[(1.0, "1"), (0.0, "0")],
                axis: &[
                    "each neuron: its monosemanticity max|w| / ‖w‖ (above 0.99: monosemantic)",
                    "each neuron's max|w| / ‖w‖",
                    "max|w|/‖w‖",
                ],
            },
        );
        for j in 0..model.m.min(MAX_LINES) {
            let colour = neuron_colour(theme, j, model.m);
            let path: Vec<(f64, f64)> = points
                .iter()
                .filter_map(|p| {
                    p.neurons
                        .get(j)
                        .map(|&v| (x(p.step as f64), value_y(v as f64, 0.0, 1.0, top2, panel_h)))
                })
                .collect();
            scene.push(
                Shape::Path {
                    points: path,
                    width: 1.2,
                },
                colour,
                None,
            );
            for p in points {
                if let Some(&v) = p.neurons.get(j) {
                    scene.push(
                        Shape::Circle {
                            x: x(p.step as f64),
                            y: value_y(v as f64, 0.0, 1.0, top2, panel_h),
                            r: 1.0,
                        },
                        colour.alpha(0.0),
                        Some(Tag::Series {
                            kind: "neuron",
                            index: j,
                            step: p.step,
                            value: v,
                            what: "monosemanticity",
                        }),
                    );
                }
            }
        }
    }
    // The step axis, and the step shown.
    let axis_y = height - bottom;
    let shown = (model.step as f64).min(last);
    scene.line((x(shown), top), (x(shown), axis_y), 1.5, theme.text);
    let near_end = x(shown) > left + plot_w * 0.8;
    let label = format!("step {} shown", model.step);
    scene.try_text(
        if near_end {
            x(shown) - 4.0
        } else {
            x(shown) + 4.0
        },
        axis_y + 2.0,
        label,
        size,
        if near_end {
            HAlign::Right
        } else {
            HAlign::Left
        },
        VAlign::Top,
        theme.text,
    );
    let count = ((plot_w / (super::widest([tick_text(last)], size) * 2.5)) as usize).clamp(1, 6);
    for t in nice_ticks(0.0, last, count) {
        scene.try_text(
            x(t),
            axis_y + 2.0,
            tick_text(t),
            size,
            HAlign::Center,
            VAlign::Top,
            theme.muted,
        );
    }
    scene.try_text(
        left + plot_w / 2.0,
        axis_y + 2.0 + label_h,
        "step",
        size,
        HAlign::Center,
        VAlign::Top,
        theme.muted,
    );
    scene
}

struct Panel<'a> {
    top: f64,
    height: f64,
    left: f64,
    width: f64,
    lo: f64,
    hi: f64,
    refs: &'a [(f64, &'a str)],
    /// What the panel shows, longest first: the first that fits is written above it.
    axis: &'a [&'a str],
}

fn value_y(v: f64, lo: f64, hi: f64, top: f64, height: f64) -> f64 {
    top + height * (hi - v.clamp(lo, hi)) / (hi - lo)
}

fn panel(scene: &mut Scene, theme: &Theme, size: f64, p: Panel) {
    scene.push(
        Shape::Frame {
            x0: p.left,
            y0: p.top,
            x1: p.left + p.width,
            y1: p.top + p.height,
        },
        theme.grid,
        None,
    );
    for &(v, label) in p.refs {
        let y = value_y(v, p.lo, p.hi, p.top, p.height);
        scene.line((p.left, y), (p.left + p.width, y), 1.0, theme.grid);
        scene.try_text(
            p.left - 5.0,
            y,
            label,
            size,
            HAlign::Right,
            VAlign::Middle,
            theme.muted,
        );
    }
    scene.try_text(
        p.left,
        p.top - 3.0,
        text::fit(p.axis, size, p.width),
        size,
        HAlign::Left,
        VAlign::Bottom,
        theme.muted,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::{Config, ModelKind};
    use crate::core::training::Trainer;

    #[test]
    fn every_line_point_answers_hovering_with_the_traced_value() {
        for model in [ModelKind::ReluOutput, ModelKind::Abs] {
            let mut t = Trainer::new(Config {
                model,
                n: 6,
                m: 3,
                batch: 64,
                steps: 400,
                ..Config::default()
            })
            .unwrap();
            t.step(400);
            let view = ModelView::of(&t);
            let scene = scene(&view, 800.0, 500.0, &Theme::LIGHT, &Opts::default());
            let tags: Vec<&Tag> = scene.items.iter().filter_map(|i| i.tag.as_ref()).collect();
            let point = &t.trace().points[3];
            let want = Tag::Series {
                kind: "feature",
                index: 2,
                step: point.step,
                value: point.features[2],
                what: if model == ModelKind::Abs {
                    "y′ᵢ(±eᵢ)"
                } else {
                    "Dᵢ"
                },
            };
            assert!(tags.contains(&&want), "{model:?}");
            let neurons = tags
                .iter()
                .filter(|t| matches!(t, Tag::Series { kind: "neuron", .. }))
                .count();
            assert_eq!(
                neurons > 0,
                model == ModelKind::Abs,
                "{model:?}: neuron lines for hidden layers"
            );
        }
    }
}
