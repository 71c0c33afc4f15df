//! W as a stack plot: one column per neuron, each weight a rectangle of height |w| coloured by its
//! feature. Signed (negative below the axis) for small n; absolute (all upward) for large n, as the
//! paper draws n = 100. Features get their own colours for n ≤ 12 and are coloured by superposition
//! beyond; a neuron's weights under a tenth of its largest (and any past its 24 largest, fewer when
//! there are hundreds of neurons, or too thin to see) are stacked last as one grey segment, so the
//! plot's cost stays bounded. Neurons with a ReLU
//! are shaded by how polysemantic they are and ordered by the importance of their largest feature;
//! `abs` neurons are rescaled so their largest |W₁| weight is 1 (footnote 15). Models without a ReLU on
//! h have hidden dimensions, not neurons: no shading (their basis is not privileged).

use super::palette::IDENTITY_COLOURS;
use super::scene::NeuronReadout;
use super::{
    header, header_height, index_labels, nice_ticks, text, widest, y_tick_labels, HAlign,
    Highlight, Key, ModelView, Opts, Rgba, Scene, Tag, Theme, TypeScale, VAlign, PAD,
};
use crate::core::config::ModelKind;
use crate::core::metrics::{neuron_order, rescale_abs_neurons, NeuronClass, CARRIED};

/// Above this many features the stacks are absolute and coloured by superposition.
pub const SIGNED_UP_TO: usize = 20;
/// At most this many coloured segments per neuron; the rest join its grey segment.
pub const MAX_SEGMENTS: usize = 24;
/// Segments thinner than this (CSS px) join the grey segment too.
const THINNEST: f64 = 0.5;

/// How polysemantic a neuron looks, 0 (one feature) to 1 (two equal features or more).
pub fn polysemanticity(monosemanticity: f32) -> f64 {
    ((1.0 - monosemanticity as f64) / 0.3).clamp(0.0, 1.0)
}

/// The shade of a fully polysemantic neuron's column.
fn shade(theme: &Theme) -> Rgba {
    theme.muted.alpha(0.2)
}

pub fn legend(model: &ModelView, theme: &Theme) -> Vec<Key> {
    let n = model.n;
    let mut keys = vec![];
    if n <= IDENTITY_COLOURS {
        keys.push(Key::note("feature:"));
        keys.extend((0..n).map(|i| Key::swatch(theme.feature(i), i.to_string())));
    } else {
        keys.push(Key::ramp("feature's superposition:", "0", "≥1", |t| {
            theme.sequential(t)
        }));
    }
    keys.push(Key::swatch(
        theme.unused,
        if n <= IDENTITY_COLOURS {
            format!(
                "weights under {:.0}% of the neuron's largest",
                CARRIED * 100.0
            )
        } else {
            format!(
                "weights under {:.0}% of the neuron's largest, or of features with ‖Wᵢ‖ < 0.1",
                CARRIED * 100.0
            )
        },
    ));
    if model.kind.hidden_relu() {
        keys.push(Key::swatch(
            shade(theme),
            "shaded column: polysemantic neuron",
        ));
    }
    if model.kind == ModelKind::Abs {
        keys.push(Key::note("each neuron rescaled: largest |w| = 1"));
    }
    if model.probe.is_some() && model.kind.hidden_relu() {
        keys.push(Key::note("outlined: neurons the probe's input fires"));
    }
    keys
}

/// One neuron's segments: (colour, weight, feature) above and below the axis, and its grey rest.
struct Column {
    up: Vec<(Rgba, f32, usize)>,
    down: Vec<(Rgba, f32, usize)>,
    rest_up: (usize, f32),
    rest_down: (usize, f32),
}

pub fn scene(model: &ModelView, width: f64, height: f64, theme: &Theme, opts: &Opts) -> Scene {
    let mut scene = Scene::new(width, height);
    let ty = TypeScale::of(width, height);
    let size = ty.label;
    let (n, m) = (model.n, model.m);
    let rows: Vec<f32> = match (&model.w2_t, model.kind) {
        (Some(w2_t), ModelKind::Abs) => rescale_abs_neurons(&model.w, w2_t, n, m).0,
        _ => model.w.clone(),
    };
    let signed = n <= SIGNED_UP_TO;
    let identity = n <= IDENTITY_COLOURS;
    let relu = model.kind.hidden_relu();
    let w = model.w_name();
    let long = format!(
        "{w} as stack plot: {} per {}",
        if signed { "weights" } else { "|weights|" },
        model.unit()
    );
    let short = format!("{w} as stack plot");
    let keys = legend(model, theme);

    // Stack heights above and below the axis, over every weight (so the axis holds every stack).
    let (mut up, mut down) = (0.0f64, 0.0f64);
    for j in 0..m {
        let row = &rows[j * n..j * n + n];
        let finite = row.iter().filter(|w| w.is_finite());
        let (pos, neg) = finite.fold((0.0f64, 0.0f64), |(p, q), &w| {
            if !signed {
                (p + w.abs() as f64, q)
            } else if w > 0.0 {
                (p + w as f64, q)
            } else {
                (p, q - w as f64)
            }
        });
        up = up.max(pos);
        down = down.max(neg);
    }
    let extent = up + down;
    if extent.is_nan() || extent <= 0.0 || extent.is_infinite() {
        up = 1.0;
        down = 0.0;
    }
    // The axis holds the tallest stack on each side, with a little room.
    let (lo, hi) = (-down * 1.03, up * 1.03);
    let ticks = nice_ticks(lo, hi, 4);

    let label_h = text::height(size);
    let left = PAD + label_h + 4.0 + widest(ticks.iter().map(|&t| super::tick_text(t)), size) + 6.0;
    let top = header_height(&keys, ty, width, opts) + label_h / 2.0;
    let bottom = label_h * 2.0 + 4.0;
    let plot_w = (width - left - PAD).max(10.0);
    let plot_h = (height - top - bottom - PAD).max(10.0);
    header(
        &mut scene,
        &[&long, &short, "stack plot"],
        &keys,
        ty,
        theme,
        opts,
    );
    let px = plot_h / (hi - lo);
    let y_of = |v: f64| top + (hi - v) * px;
    let axis_y = y_of(0.0);
    let col = plot_w / m as f64;
    let bar = (col * 0.72).max(1.0);

    y_tick_labels(&mut scene, &ticks, left - 6.0, y_of, size, theme);
    scene.line(
        (left - 1.0, y_of(lo)),
        (left - 1.0, y_of(hi)),
        1.0,
        theme.muted,
    );
    scene.vertical_text(
        PAD + label_h / 2.0,
        top + plot_h / 2.0,
        if signed { "w" } else { "|w|" },
        size,
        theme.muted,
    );

    let colour_of = |i: usize| {
        if !identity && model.features.norms[i] < 0.1 {
            theme.unused
        } else if identity {
            theme.feature(i)
        } else {
            theme.sequential(model.features.superposition[i] as f64)
        }
    };
    // Thin columns get fewer segments: the figure's cost stays near 12,000 rectangles at any m.
    let segments = (12_000 / m.max(1)).clamp(4, MAX_SEGMENTS);
    let column = |j: usize| -> Column {
        let row = &rows[j * n..j * n + n];
        let largest = row
            .iter()
            .filter(|w| w.is_finite())
            .fold(0.0f32, |a, w| a.max(w.abs()));
        // The significant weights, largest first, capped; then back in feature order, so colours stack
        // in the same order in every column.
        let mut big: Vec<usize> = (0..n)
            .filter(|&i| {
                let w = row[i];
                w.is_finite()
                    && w.abs() >= CARRIED * largest
                    && w.abs() as f64 * px >= THINNEST
                    && (identity || model.features.norms[i] >= 0.1)
            })
            .collect();
        if big.len() > segments {
            big.select_nth_unstable_by(segments, |&a, &b| {
                row[b].abs().total_cmp(&row[a].abs()).then(a.cmp(&b))
            });
            big.truncate(segments);
        }
        big.sort_unstable();
        let mut c = Column {
            up: vec![],
            down: vec![],
            rest_up: (0, 0.0),
            rest_down: (0, 0.0),
        };
        let mut in_big = vec![false; n];
        for &i in &big {
            in_big[i] = true;
            let w = row[i];
            if !signed || w > 0.0 {
                c.up.push((colour_of(i), w, i));
            } else {
                c.down.push((colour_of(i), w, i));
            }
        }
        for (i, &w) in row.iter().enumerate() {
            if in_big[i] || !w.is_finite() || w == 0.0 {
                continue;
            }
            let rest = if !signed || w > 0.0 {
                &mut c.rest_up
            } else {
                &mut c.rest_down
            };
            rest.0 += 1;
            rest.1 += w.abs();
        }
        c
    };

    let order = neuron_order(&model.neurons, &model.importance);
    let unit = model.unit();
    // Pieces never overlap: they are drawn after all column backgrounds, sorted by colour (a canvas is
    // much faster when the colour rarely changes).
    let mut pieces: Vec<(Rgba, [f64; 4], Tag)> = vec![];
    let mut marks: Vec<[f64; 4]> = vec![];
    for (slot, &j) in order.iter().enumerate() {
        let cx = left + (slot as f64 + 0.5) * col;
        let neuron = &model.neurons[j];
        let background = if relu {
            shade(theme).alpha(0.2 * polysemanticity(neuron.monosemanticity))
        } else {
            theme.background.alpha(0.0)
        };
        scene.rect(
            cx - col / 2.0,
            top,
            cx + col / 2.0,
            top + plot_h,
            background,
            Some(Tag::Neuron(NeuronReadout {
                neuron: j,
                hidden_relu: relu,
                top_feature: neuron.top_feature,
                top_weight: neuron.top_weight,
                features: neuron.features,
                monosemanticity: neuron.monosemanticity,
                monosemantic: neuron.is_monosemantic(),
                dead: neuron.class == NeuronClass::Dead,
                signed_inputs: model.kind.signed_inputs(),
            })),
        );
        let c = column(j);
        let (x0, x1) = (cx - bar / 2.0, cx + bar / 2.0);
        let mut above = axis_y;
        for &(colour, w, i) in &c.up {
            let h = w.abs() as f64 * px;
            pieces.push((
                colour,
                [x0, above - h, x1, above],
                Tag::Weight {
                    unit,
                    neuron: j,
                    feature: i,
                    weight: w,
                },
            ));
            above -= h;
        }
        if c.rest_up.0 > 0 {
            let h = c.rest_up.1 as f64 * px;
            pieces.push((
                theme.unused,
                [x0, above - h, x1, above],
                Tag::Rest {
                    unit,
                    neuron: j,
                    count: c.rest_up.0,
                    total: c.rest_up.1,
                },
            ));
        }
        let mut below = axis_y;
        for &(colour, w, i) in &c.down {
            let h = w.abs() as f64 * px;
            pieces.push((
                colour,
                [x0, below, x1, below + h],
                Tag::Weight {
                    unit,
                    neuron: j,
                    feature: i,
                    weight: w,
                },
            ));
            below += h;
        }
        if c.rest_down.0 > 0 {
            let h = c.rest_down.1 as f64 * px;
            pieces.push((
                theme.unused,
                [x0, below, x1, below + h],
                Tag::Rest {
                    unit,
                    neuron: j,
                    count: c.rest_down.0,
                    total: c.rest_down.1,
                },
            ));
        }
        let fired = model.kind.hidden_relu()
            && model
                .probe
                .as_ref()
                .is_some_and(|p| p.h.get(j).is_some_and(|&h| h > 0.0));
        if model.highlight == Some(Highlight::Neuron(j)) || fired {
            marks.push([cx - col / 2.0, top, cx + col / 2.0, top + plot_h]);
        }
    }
    pieces.sort_by_key(|(k, _, _)| (k.r, k.g, k.b));
    for (colour, [x0, y0, x1, y1], tag) in pieces {
        if let (Some(Highlight::Feature(f)), Tag::Weight { feature, .. }) = (model.highlight, &tag)
        {
            if f == *feature {
                marks.push([x0, y0, x1, y1]);
            }
        }
        // A hairline of background between segments tall enough to spare it, so two neighbours of
        // one colour still read as two weights.
        let (y0, y1) = if y1 - y0 >= 3.0 {
            if y1 <= axis_y {
                (y0 + 0.5, y1)
            } else {
                (y0, y1 - 0.5)
            }
        } else {
            (y0, y1)
        };
        scene.rect(x0, y0, x1, y1, colour, Some(tag));
    }
    for [x0, y0, x1, y1] in marks {
        super::mark(&mut scene, x0, y0, x1, y1, theme);
    }
    scene.line((left, axis_y), (left + plot_w, axis_y), 1.0, theme.text);
    index_labels(
        &mut scene,
        m,
        left,
        col,
        top + plot_h + 2.0,
        size,
        theme,
        |slot| order[slot],
    );
    let by = format!("{unit}, ordered by the importance of its largest feature");
    let by_short = format!("{unit} (by importance)");
    let axis_title = text::fit(&[&by, &by_short, unit], size, plot_w);
    scene.try_text(
        left + plot_w / 2.0,
        top + plot_h + 2.0 + label_h,
        axis_title,
        size,
        HAlign::Center,
        VAlign::Top,
        theme.muted,
    );
    scene
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::Config;
    use crate::core::training::Trainer;
    use crate::views::Shape;

    fn pieces(scene: &Scene) -> Vec<(usize, usize, f32)> {
        scene
            .items
            .iter()
            .filter_map(|it| match it.tag {
                Some(Tag::Weight {
                    neuron,
                    feature,
                    weight,
                    ..
                }) => Some((neuron, feature, weight)),
                _ => None,
            })
            .collect()
    }

    fn trained(config: Config, steps: u64) -> ModelView {
        let mut t = Trainer::new(config).unwrap();
        t.step(steps);
        ModelView::of(&t)
    }

    #[test]
    fn the_abs_basic_solution_draws_six_columns_of_one_feature_each() {
        let view = trained(
            Config {
                model: ModelKind::Abs,
                n: 3,
                m: 6,
                density: vec![1.0],
                importance: 1.0,
                ..Config::default()
            },
            10_000,
        );
        let scene = scene(&view, 480.0, 300.0, &Theme::LIGHT, &Opts::default());
        let columns = scene
            .items
            .iter()
            .filter(|it| matches!(it.tag, Some(Tag::Neuron(_))))
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
            .filter_map(|it| match &it.tag {
                Some(Tag::Neuron(r)) => Some(view.neurons[r.neuron].top_feature),
                _ => None,
            })
            .collect();
        assert!(order.windows(2).all(|w| w[0] <= w[1]), "{order:?}");
    }

    /// abs n = 3, m = 6 at step 3,000 has stacks taller than 1 (a neuron's rescaled weights add up past
    /// its largest): the axis reaches past every stack, and every stack is inside the plot.
    #[test]
    fn a_probe_outlines_the_neurons_its_input_fires() {
        let mut t = Trainer::new(Config {
            model: ModelKind::Abs,
            n: 3,
            m: 6,
            density: vec![1.0],
            importance: 1.0,
            ..Config::default()
        })
        .unwrap();
        t.step(3_000);
        let mut view = ModelView::of(&t);
        let frames = |view: &ModelView| {
            scene(view, 480.0, 300.0, &Theme::LIGHT, &Opts::default())
                .items
                .iter()
                .filter(|it| matches!(it.shape, Shape::Frame { .. }))
                .count()
        };
        let none = frames(&view);
        let acts = crate::core::probe::forward(&t.weights(), &[0.0, -1.0, 0.0]);
        let active = acts.active_neurons();
        assert!(!active.is_empty() && active.len() < 6, "{active:?}");
        view.probe = Some(acts);
        // Each outline is two nested frames.
        assert_eq!(frames(&view), none + 2 * active.len());
    }

    #[test]
    fn the_axis_holds_every_stack() {
        let view = trained(
            Config {
                model: ModelKind::Abs,
                n: 3,
                m: 6,
                density: vec![1.0],
                importance: 1.0,
                ..Config::default()
            },
            3000,
        );
        for (w, h) in [(320.0, 240.0), (560.0, 400.0)] {
            let scene = scene(&view, w, h, &Theme::LIGHT, &Opts::default());
            let columns: Vec<(f64, f64)> = scene
                .items
                .iter()
                .filter_map(|it| match (&it.shape, &it.tag) {
                    (Shape::Rect { y0, y1, .. }, Some(Tag::Neuron(_))) => Some((*y0, *y1)),
                    _ => None,
                })
                .collect();
            let (top, bottom) = columns[0];
            let mut tallest = 0.0f64;
            for it in &scene.items {
                if let (Shape::Rect { y0, y1, .. }, Some(Tag::Weight { .. } | Tag::Rest { .. })) =
                    (&it.shape, &it.tag)
                {
                    assert!(*y0 >= top - 1e-9 && *y1 <= bottom + 1e-9, "inside the plot");
                    tallest = tallest.max(bottom - y0).max(y1 - top);
                }
            }
            assert!(tallest > 0.0);
            // The axis line spans the plot, from its lowest tick to its highest.
            let axis = scene.items.iter().find_map(|it| match it.shape {
                Shape::Line { x0, x1, y0, y1, .. } if x0 == x1 && (y1 - y0).abs() > 10.0 => {
                    Some((y0.min(y1), y0.max(y1)))
                }
                _ => None,
            });
            let (a0, a1) = axis.unwrap();
            assert!((a0 - top).abs() < 1e-9 && (a1 - bottom).abs() < 1e-9);
        }
    }

    #[test]
    fn large_models_stack_absolute_values_coloured_by_superposition() {
        let view = trained(
            Config {
                model: ModelKind::Abs,
                n: 100,
                m: 40,
                density: vec![0.03],
                importance: 0.8,
                batch: 256,
                ..Config::default()
            },
            300,
        );
        let theme = Theme::LIGHT;
        let scene = scene(&view, 900.0, 420.0, &theme, &Opts::default());
        let axis_y = scene.items.iter().rev().find_map(|it| match it.shape {
            Shape::Line { y0, y1, x0, x1, .. } if y0 == y1 && x1 - x0 > 100.0 => Some(y0),
            _ => None,
        });
        let axis_y = axis_y.unwrap();
        for it in &scene.items {
            match (&it.tag, &it.shape) {
                (
                    Some(Tag::Weight {
                        feature, weight, ..
                    }),
                    Shape::Rect { y1, .. },
                ) => {
                    assert!(*y1 <= axis_y + 1e-9, "absolute stacks grow upward");
                    let f = &view.features;
                    // Rescaled (footnote 15): every neuron's largest |w| is 1; coloured pieces are the
                    // weights of at least 10% of it, of represented features.
                    assert!(weight.abs() >= CARRIED && f.norms[*feature] >= 0.1);
                    assert_eq!(it.color, theme.sequential(f.superposition[*feature] as f64));
                }
                (Some(Tag::Rest { .. }), _) => assert_eq!(it.color, theme.unused),
                _ => {}
            }
        }
        assert_eq!(
            scene
                .items
                .iter()
                .filter(|it| matches!(it.tag, Some(Tag::Neuron(_))))
                .count(),
            40
        );
    }

    #[test]
    fn a_neuron_draws_at_most_its_largest_weights_and_one_grey_rest() {
        use crate::core::model::{Model, Weights};
        let config = Config {
            model: ModelKind::ReluHidden,
            n: 1000,
            m: 1000,
            ..Config::default()
        };
        let model = Model::new(&config);
        // Weights between 0.01 and 0.02, all above a tenth of each neuron's largest.
        let params: Vec<f32> = (0..model.layout().len)
            .map(|k| 0.01 * (1.0 + ((k * 7919) % 1009) as f32 / 1009.0))
            .collect();
        let view = ModelView::from_weights(&Weights::new(&model, &params), 0.1);
        let scene = scene(&view, 1280.0, 800.0, &Theme::LIGHT, &Opts::default());
        let drawn = pieces(&scene);
        let rests = scene
            .items
            .iter()
            .filter(|it| matches!(it.tag, Some(Tag::Rest { .. })))
            .count();
        assert!(drawn.len() <= 12_000, "{} coloured segments", drawn.len());
        assert!(rests <= 1000);
        assert!(scene.items.len() < 16_000, "{} shapes", scene.items.len());
        // Each neuron's coloured segments are its largest weights; the rest are grey.
        for j in [0, 517, 999] {
            let row = &params[j * 1000..j * 1000 + 1000];
            let shown: Vec<f32> = drawn.iter().filter(|p| p.0 == j).map(|p| p.2).collect();
            assert_eq!(shown.len(), 12, "neuron {j}");
            let weakest = shown.iter().fold(f32::INFINITY, |a, w| a.min(w.abs()));
            let stronger = row.iter().filter(|w| w.abs() > weakest).count();
            assert!(
                stronger < 12,
                "neuron {j}: {stronger} weights stronger than its weakest shown"
            );
        }
    }
}
