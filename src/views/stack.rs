//! W as a stack plot: one column per neuron, each weight a rectangle of height |w| coloured by its
//! feature. Signed (negative below the axis) for small n; absolute (all upward) for large n, as the
//! paper draws n = 100. Features get their own colours for small n and are coloured by superposition
//! for large n; weights under a tenth of the neuron's largest are stacked last, in grey. Neurons are
//! faintly shaded by how polysemantic they are and ordered by the importance
//! of their largest feature; `abs` neurons are rescaled so their largest |W₁| weight is 1 (footnote 15).

use super::palette::IDENTITY_COLOURS;
use super::{
    colour_bar, label_step, nice_ticks, tick_text, title, HAlign, ModelView, Scene, Tag, Theme,
    VAlign, LABEL,
};
use crate::core::config::ModelKind;
use crate::core::metrics::{neuron_order, rescale_abs_neurons, CARRIED};

/// Above this many features the stacks are absolute and coloured by superposition.
pub const SIGNED_UP_TO: usize = 20;

/// How polysemantic a neuron looks, 0 (one feature) to 1 (two equal features or more).
pub fn polysemanticity(monosemanticity: f32) -> f64 {
    ((1.0 - monosemanticity as f64) / 0.3).clamp(0.0, 1.0)
}

pub fn scene(model: &ModelView, width: f64, height: f64, theme: &Theme) -> Scene {
    let mut scene = Scene::new(width, height);
    let (n, m) = (model.n, model.m);
    let rows: Vec<f32> = match (&model.w2_t, model.kind) {
        (Some(w2_t), ModelKind::Abs) => rescale_abs_neurons(&model.w, w2_t, n, m).0,
        _ => model.w.clone(),
    };
    let signed = n <= SIGNED_UP_TO;
    let identity = n <= IDENTITY_COLOURS;
    let heading = match (model.kind, signed) {
        (ModelKind::Abs, false) => "W₁ as stack plot: |w| per neuron (rescaled: max |w| = 1)",
        (ModelKind::Abs, true) => "W₁ as stack plot: weights per neuron (rescaled: max |w| = 1)",
        (_, true) => "W as stack plot: weights per neuron",
        (_, false) => "W as stack plot: |w| per neuron",
    };
    title(&mut scene, heading, theme);

    let order = neuron_order(&model.neurons, &model.importance);
    // Stack heights above and below the axis.
    let (mut up, mut down) = (0.0f64, 0.0f64);
    for j in 0..m {
        let row = &rows[j * n..j * n + n];
        let pos: f64 = row
            .iter()
            .map(|&w| if signed { w.max(0.0) } else { w.abs() } as f64)
            .sum();
        let neg: f64 = if signed {
            row.iter().map(|&w| (-w).max(0.0) as f64).sum()
        } else {
            0.0
        };
        up = up.max(pos);
        down = down.max(neg);
    }
    let total = up + down;
    if total.is_nan() || total <= 0.0 || total.is_infinite() {
        up = 1.0;
    }

    let (left, top, right, bottom) = (44.0, 48.0, 10.0, 40.0);
    let plot_w = (width - left - right).max(10.0);
    let plot_h = (height - top - bottom).max(10.0);
    let px = plot_h / (up + down);
    let axis_y = top + up * px;
    let col = plot_w / m as f64;
    let bar = (col * 0.72).max(1.0);

    // Y axis ticks.
    for t in nice_ticks(-down, up, 4) {
        let y = axis_y - t * px;
        scene.line((left - 3.0, y), (left, y), 1.0, theme.muted);
        scene.text(
            left - 5.0,
            y,
            tick_text(t),
            LABEL,
            HAlign::Right,
            VAlign::Middle,
            theme.muted,
        );
    }
    scene.vertical_text(
        10.0,
        top + plot_h / 2.0,
        if signed { "w" } else { "|w|" },
        LABEL,
        theme.muted,
    );

    let label_every = label_step(col, 16.0);
    // Pieces never overlap: they are drawn after all column backgrounds, sorted by colour (a canvas is
    // much faster when the colour rarely changes).
    let mut pieces: Vec<(super::Rgba, [f64; 4], Option<Tag>)> = vec![];
    let mut marks: Vec<[f64; 4]> = vec![];
    for (slot, &j) in order.iter().enumerate() {
        let cx = left + (slot as f64 + 0.5) * col;
        let neuron = &model.neurons[j];
        // The column's background: faint where the neuron is polysemantic.
        let shade = theme
            .muted
            .alpha(0.16 * polysemanticity(neuron.monosemanticity));
        scene.rect(
            cx - col / 2.0,
            top,
            cx + col / 2.0,
            top + plot_h,
            shade,
            Some(Tag::Neuron {
                neuron: j,
                features: neuron.features,
                monosemanticity: neuron.monosemanticity,
            }),
        );
        // What the neuron reads first (weights of at least CARRIED × its largest, by feature), then the
        // small remainder stacked on top in grey, so residual weights never hide the real ones.
        let (mut above, mut below) = (axis_y, axis_y);
        let top_w = rows[j * n..j * n + n]
            .iter()
            .fold(0.0f32, |a, w| a.max(w.abs()));
        for significant in [true, false] {
            for i in 0..n {
                let w = rows[j * n + i];
                let h = w.abs() as f64 * px;
                if h.is_nan() || h < 0.4 || (w.abs() >= CARRIED * top_w) != significant {
                    continue; // invisible at this size (NaN never draws), or not in this pass
                }
                let colour = if !significant || (!identity && model.features.norms[i] < 0.1) {
                    theme.unused
                } else if identity {
                    theme.feature(i)
                } else {
                    theme.sequential(model.features.superposition[i] as f64)
                };
                let tag = Some(Tag::Weight {
                    neuron: j,
                    feature: i,
                    weight: w,
                });
                if !signed || w > 0.0 {
                    pieces.push((
                        colour,
                        [cx - bar / 2.0, above - h, cx + bar / 2.0, above],
                        tag,
                    ));
                    above -= h;
                } else {
                    pieces.push((
                        colour,
                        [cx - bar / 2.0, below, cx + bar / 2.0, below + h],
                        tag,
                    ));
                    below += h;
                }
            }
        }
        if model.highlight == Some(super::Highlight::Neuron(j)) {
            marks.push([cx - col / 2.0, top, cx + col / 2.0, top + plot_h]);
        }
        if slot % label_every == 0 {
            scene.text(
                cx,
                top + plot_h + 3.0,
                j.to_string(),
                LABEL,
                HAlign::Center,
                VAlign::Top,
                theme.muted,
            );
        }
    }
    pieces.sort_by_key(|(k, _, _)| (k.r, k.g, k.b));
    for (colour, [x0, y0, x1, y1], tag) in pieces {
        if let (Some(super::Highlight::Feature(f)), Some(Tag::Weight { feature, .. })) =
            (model.highlight, &tag)
        {
            if f == *feature {
                marks.push([x0, y0, x1, y1]);
            }
        }
        scene.rect(x0, y0, x1, y1, colour, tag);
    }
    for [x0, y0, x1, y1] in marks {
        super::mark(&mut scene, x0, y0, x1, y1, theme);
    }
    scene.line((left, axis_y), (left + plot_w, axis_y), 1.0, theme.text);
    scene.text(
        left + plot_w / 2.0,
        height - 4.0,
        "neuron (ordered by the importance of its largest feature)",
        LABEL,
        HAlign::Center,
        VAlign::Bottom,
        theme.muted,
    );

    // Legend: feature colours, or the superposition scale.
    if identity {
        let mut x = 8.0;
        for i in 0..n {
            scene.rect(x, 26.0, x + 9.0, 35.0, theme.feature(i), None);
            scene.text(
                x + 11.0,
                30.5,
                format!("{i}"),
                LABEL,
                HAlign::Left,
                VAlign::Middle,
                theme.muted,
            );
            x += 30.0;
        }
        scene.text(
            x,
            30.5,
            "feature",
            LABEL,
            HAlign::Left,
            VAlign::Middle,
            theme.muted,
        );
    } else {
        colour_bar(
            &mut scene,
            8.0,
            24.0,
            120.0,
            "0",
            "superposition",
            "≥1",
            |t| theme.sequential(t),
            theme,
        );
    }
    scene
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::Config;
    use crate::core::training::Trainer;

    fn pieces(scene: &Scene) -> Vec<(usize, usize, f32)> {
        scene
            .items
            .iter()
            .filter_map(|it| match it.tag {
                Some(Tag::Weight {
                    neuron,
                    feature,
                    weight,
                }) => Some((neuron, feature, weight)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_abs_basic_solution_draws_six_columns_of_one_feature_each() {
        let mut t = Trainer::new(Config {
            model: ModelKind::Abs,
            n: 3,
            m: 6,
            density: vec![1.0],
            importance: 1.0,
            ..Config::default()
        })
        .unwrap();
        t.step(10_000);
        let view = ModelView::of(&t);
        let scene = scene(&view, 480.0, 300.0, &Theme::LIGHT);
        let columns = scene
            .items
            .iter()
            .filter(|it| matches!(it.tag, Some(Tag::Neuron { .. })))
            .count();
        assert_eq!(columns, 6);
        let ps = pieces(&scene);
        // Non-negligible: at least 5% of the neuron's largest weight (which rescaling made 1).
        for j in 0..6 {
            let big: Vec<_> = ps.iter().filter(|p| p.0 == j && p.2.abs() > 0.05).collect();
            assert_eq!(big.len(), 1, "neuron {j}: {big:?}");
            assert!((big[0].2.abs() - 1.0).abs() < 1e-5, "rescaled to 1");
        }
        // One positive-side and one negative-side neuron per feature.
        for i in 0..3 {
            let signs: Vec<bool> = ps
                .iter()
                .filter(|p| p.1 == i && p.2.abs() > 0.05)
                .map(|p| p.2 > 0.0)
                .collect();
            assert_eq!(signs.len(), 2);
            assert_ne!(signs[0], signs[1]);
        }
        // Neurons are ordered by their largest feature (all equally important: by feature index).
        let order: Vec<usize> = scene
            .items
            .iter()
            .filter_map(|it| match it.tag {
                Some(Tag::Neuron { neuron, .. }) => Some(view.neurons[neuron].top_feature),
                _ => None,
            })
            .collect();
        assert!(order.windows(2).all(|w| w[0] <= w[1]), "{order:?}");
    }

    #[test]
    fn large_models_stack_absolute_values_coloured_by_superposition() {
        let mut t = Trainer::new(Config {
            model: ModelKind::Abs,
            n: 100,
            m: 40,
            density: vec![0.03],
            importance: 0.8,
            batch: 256,
            ..Config::default()
        })
        .unwrap();
        t.step(300);
        let view = ModelView::of(&t);
        let theme = Theme::LIGHT;
        let scene = scene(&view, 900.0, 420.0, &theme);
        let axis_y = scene.items.iter().rev().find_map(|it| match it.shape {
            crate::views::Shape::Line { y0, y1, .. } if y0 == y1 => Some(y0),
            _ => None,
        });
        let axis_y = axis_y.unwrap();
        for it in &scene.items {
            if let (
                Some(Tag::Weight {
                    feature, weight, ..
                }),
                crate::views::Shape::Rect { y1, .. },
            ) = (&it.tag, &it.shape)
            {
                assert!(*y1 <= axis_y + 1e-9, "absolute stacks grow upward");
                let f = &view.features;
                // Rescaled (footnote 15): every neuron's largest |w| is 1.
                if weight.abs() < CARRIED || f.norms[*feature] < 0.1 {
                    assert_eq!(it.color, theme.unused, "small weights are grey");
                } else {
                    assert_eq!(it.color, theme.sequential(f.superposition[*feature] as f64));
                }
            }
        }
        assert_eq!(
            scene
                .items
                .iter()
                .filter(|it| matches!(it.tag, Some(Tag::Neuron { .. })))
                .count(),
            40
        );
    }
}
