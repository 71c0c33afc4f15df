//! Learning dynamics (docs/science.md, "Learning dynamics"): over the training steps, each feature's
//! dimensionality D_i (tied models) or how well it is computed (`abs`), and for hidden-layer models each
//! neuron's monosemanticity, as lines on a shared step axis with the step shown marked. The paper's
//! learning-dynamics section shows features' D_i jumping between the fractions 1, 1/2, 2/5, … as they
//! find their place; in the hidden-layer models, neurons become polysemantic at particular moments.

use super::{
    nice_ticks, tick_text, title, HAlign, ModelView, Scene, Shape, Tag, Theme, VAlign, LABEL,
};

/// At most this many lines per panel (the most important features; every neuron up to it).
pub const MAX_LINES: usize = 40;

pub fn scene(model: &ModelView, width: f64, height: f64, theme: &Theme) -> Scene {
    let mut scene = Scene::new(width, height);
    let points = &model.trace.points;
    let abs = model.w2_t.is_some();
    let neurons = model.kind.hidden_relu();
    title(
        &mut scene,
        "Learning dynamics over the steps trained",
        theme,
    );
    if points.len() < 2 {
        super::note(&mut scene, "train some steps to see the dynamics", theme);
        return scene;
    }
    let last = points.last().map_or(1, |p| p.step).max(1) as f64;
    let (left, right, top, bottom) = (40.0, 16.0, 48.0, 30.0);
    let panels = if neurons { 2 } else { 1 };
    let gap = 40.0;
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
    let shown_of = if model.n > n_lines {
        format!("; the {n_lines} most important of {}", model.n)
    } else {
        String::new()
    };
    let axis = if abs {
        format!("each feature i: the output y′ᵢ for the inputs ±eᵢ, the worse of the two (1 = |x| computed){shown_of}")
    } else {
        format!("each feature i: its dimensionality Dᵢ (1 = its own direction, ½ antipodal pair, ⅖ pentagon){shown_of}")
    };
    panel(
        &mut scene,
        theme,
        Panel {
            top,
            height: panel_h,
            left,
            width: plot_w,
            lo,
            hi,
            refs,
            axis: &axis,
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
    // Which colour is which feature (identity colours only go so far; beyond them the lines are the
    // most important features in importance order, named by hovering).
    if n_lines <= super::palette::IDENTITY_COLOURS {
        let mut lx = left + plot_w;
        for i in (0..n_lines).rev() {
            let label = format!("{i}");
            let w = 7.0 * label.len() as f64 + 16.0;
            lx -= w;
            scene.rect(lx, top + 4.0, lx + 9.0, top + 13.0, theme.feature(i), None);
            scene.text(
                lx + 12.0,
                top + 8.5,
                label,
                LABEL,
                HAlign::Left,
                VAlign::Middle,
                theme.muted,
            );
        }
        scene.text(
            lx - 4.0,
            top + 8.5,
            "feature",
            LABEL,
            HAlign::Right,
            VAlign::Middle,
            theme.muted,
        );
    }
    // Panel 2: neurons.
    if neurons {
        let top2 = top + panel_h + gap;
        panel(
            &mut scene,
            theme,
            Panel {
                top: top2,
                height: panel_h,
                left,
                width: plot_w,
                lo: 0.0,
                hi: 1.0,
                refs: &[(1.0, "1"), (0.0, "0")],
                axis: "each neuron: its monosemanticity max|w| / ‖w‖ (above 0.99: monosemantic)",
            },
        );
        for j in 0..model.m.min(MAX_LINES) {
            let colour = theme.sequential(j as f64 / model.m.max(2).saturating_sub(1) as f64);
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
    for t in nice_ticks(0.0, last, 4) {
        scene.text(
            x(t),
            axis_y + 3.0,
            tick_text(t),
            LABEL,
            HAlign::Center,
            VAlign::Top,
            theme.muted,
        );
    }
    scene.text(
        left + plot_w / 2.0,
        height - 2.0,
        "step",
        LABEL,
        HAlign::Center,
        VAlign::Bottom,
        theme.muted,
    );
    let shown = (model.step as f64).min(last);
    scene.line((x(shown), top), (x(shown), axis_y), 1.5, theme.text);
    let near_end = x(shown) > left + plot_w * 0.8;
    scene.text(
        if near_end {
            x(shown) - 4.0
        } else {
            x(shown) + 4.0
        },
        top - 14.0,
        format!("step {} shown", model.step),
        LABEL,
        if near_end {
            HAlign::Right
        } else {
            HAlign::Left
        },
        VAlign::Middle,
        theme.text,
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
    axis: &'a str,
}

fn value_y(v: f64, lo: f64, hi: f64, top: f64, height: f64) -> f64 {
    top + height * (hi - v.clamp(lo, hi)) / (hi - lo)
}

fn panel(scene: &mut Scene, theme: &Theme, p: Panel) {
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
        scene.text(
            p.left - 5.0,
            y,
            label,
            LABEL,
            HAlign::Right,
            VAlign::Middle,
            theme.muted,
        );
    }
    scene.text(
        p.left,
        p.top - 4.0,
        p.axis,
        LABEL,
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
            let scene = scene(&view, 800.0, 500.0, &Theme::LIGHT);
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
