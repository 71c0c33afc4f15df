//! W as a graph: input features → neurons → output features (W₁ then W₂ for `abs`; W then Wᵀ for the
//! tied models). Edge width ∝ |w|, colour by sign; edges under a small share of the largest weight are
//! hidden (and fainter ones drawn first), so n = 100 stays legible.

use super::{title, HAlign, ModelView, Scene, Shape, Tag, Theme, VAlign, LABEL};

/// Edges with |w| below this share of their layer's largest |w| are not drawn (small models)...
pub const HIDE_BELOW: f32 = 0.08;
/// ...and for models with more than `BIG` weights a layer, where thousands of faint edges are a fog.
pub const HIDE_BELOW_BIG: f32 = 0.3;
pub const BIG: usize = 400;

pub fn scene(model: &ModelView, width: f64, height: f64, theme: &Theme) -> Scene {
    let mut scene = Scene::new(width, height);
    let (n, m) = (model.n, model.m);
    title(
        &mut scene,
        if model.w2_t.is_some() {
            "W as graph: features → W₁ → neurons → W₂ → outputs"
        } else {
            "W as graph: features → W → hidden → Wᵀ → outputs"
        },
        theme,
    );
    let (top, bottom) = (44.0, 14.0);
    let xs = [width * 0.12, width * 0.5, width * 0.88];
    let ys = |count: usize, k: usize| {
        let span = height - top - bottom;
        top + span * (k as f64 + 0.5) / count as f64
    };
    let spacing_f = (height - top - bottom) / n as f64;
    let spacing_m = (height - top - bottom) / m as f64;
    let out_w = model.out_w();
    let largest = |w: &[f32]| {
        w.iter()
            .fold(0.0f32, |a, v| a.max(v.abs()))
            .max(f32::MIN_POSITIVE)
    };
    let scales = [largest(&model.w), largest(out_w)];
    let hide = if n * m > BIG {
        HIDE_BELOW_BIG
    } else {
        HIDE_BELOW
    };

    // Edges, faint first so strong ones stay on top.
    let mut edges: Vec<(f32, u8, usize, usize)> = vec![];
    for j in 0..m {
        for i in 0..n {
            for (layer, w) in [(1u8, model.w[j * n + i]), (2u8, out_w[j * n + i])] {
                if w.abs() >= hide * scales[layer as usize - 1] {
                    edges.push((w, layer, j, i));
                }
            }
        }
    }
    edges.sort_by(|a, b| {
        let t = |e: &(f32, u8, usize, usize)| e.0.abs() / scales[e.1 as usize - 1];
        t(a).total_cmp(&t(b))
    });
    for &(w, layer, j, i) in &edges {
        let t = (w.abs() / scales[layer as usize - 1]) as f64;
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
                width: 0.6 + 3.4 * t,
            },
            theme.weight(w.signum(), 1.0).alpha(0.25 + 0.75 * t),
            Some(Tag::Edge {
                layer,
                neuron: j,
                feature: i,
                weight: w,
            }),
        );
    }

    // Nodes and their labels where they fit.
    let node = |spacing: f64| (spacing * 0.3).clamp(1.5, 5.0);
    for (col, count, kind) in [(0, n, "feature"), (1, m, "neuron"), (2, n, "output")] {
        let spacing = if col == 1 { spacing_m } else { spacing_f };
        for k in 0..count {
            let (x, y) = (xs[col], ys(count, k));
            scene.push(
                Shape::Circle {
                    x,
                    y,
                    r: node(spacing),
                },
                theme.text,
                Some(Tag::Node { kind, index: k }),
            );
            let marked = match model.highlight {
                Some(super::Highlight::Feature(f)) => col != 1 && f == k,
                Some(super::Highlight::Neuron(j)) => col == 1 && j == k,
                None => false,
            };
            if marked {
                let r = node(spacing) + 3.0;
                super::mark(&mut scene, x - r, y - r, x + r, y + r, theme);
            }
            if spacing >= LABEL + 1.0 {
                let (h, dx) = match col {
                    0 => (HAlign::Right, -8.0),
                    2 => (HAlign::Left, 8.0),
                    _ => (HAlign::Left, 7.0),
                };
                scene.text(
                    x + dx,
                    y,
                    k.to_string(),
                    LABEL,
                    h,
                    VAlign::Middle,
                    theme.muted,
                );
            }
        }
    }
    for (col, text) in [
        (0, "features"),
        (
            1,
            if model.w2_t.is_some() {
                "neurons"
            } else {
                "hidden"
            },
        ),
        (2, "outputs"),
    ] {
        scene.text(
            xs[col],
            top - 6.0,
            text,
            LABEL,
            HAlign::Center,
            VAlign::Bottom,
            theme.muted,
        );
    }
    scene
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::{Config, ModelKind};
    use crate::core::model::{Model, Weights};

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
        let scene = scene(&view, 400.0, 300.0, &theme);
        let largest = |w: &[f32]| w.iter().fold(0.0f32, |a, v| a.max(v.abs()));
        let scales = [largest(&params[..12]), largest(&params[12..24])];
        let mut seen = 0;
        for it in &scene.items {
            if let (
                Some(Tag::Edge {
                    layer,
                    neuron,
                    feature,
                    weight,
                }),
                Shape::Line { width, .. },
            ) = (&it.tag, &it.shape)
            {
                let stored = if *layer == 1 {
                    params[neuron * 4 + feature]
                } else {
                    params[12 + neuron * 4 + feature]
                };
                assert_eq!(*weight, stored);
                let scale = scales[*layer as usize - 1];
                assert!((width - (0.6 + 3.4 * (weight.abs() / scale) as f64)).abs() < 1e-9);
                assert_eq!(it.color.alpha(1.0), theme.weight(weight.signum(), 1.0));
                seen += 1;
            }
        }
        let visible = params[..12]
            .iter()
            .filter(|w| w.abs() >= HIDE_BELOW * scales[0])
            .count()
            + params[12..24]
                .iter()
                .filter(|w| w.abs() >= HIDE_BELOW * scales[1])
                .count();
        assert_eq!(seen, visible);
        assert_eq!(
            scene
                .items
                .iter()
                .filter(|it| matches!(it.tag, Some(Tag::Node { .. })))
                .count(),
            4 + 3 + 4
        );
    }
}
