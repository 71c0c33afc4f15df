//! Feature bars: ‖W_i‖ per feature, coloured by superposition (0 dark → ≥1 bright), with a marker at
//! i = m (past it, a represented feature must share dimensions); unrepresented features greyed out.

use super::{
    colour_bar, label_step, nice_ticks, tick_text, title, HAlign, ModelView, Scene, Shape, Tag,
    Theme, VAlign, LABEL,
};

/// Features with ‖W_i‖ below this are drawn grey: their superposition means nothing.
pub const GREY_BELOW: f32 = 0.1;

pub fn scene(model: &ModelView, width: f64, height: f64, theme: &Theme) -> Scene {
    let mut scene = Scene::new(width, height);
    let n = model.n;
    let f = &model.features;
    title(
        &mut scene,
        "Feature norms ‖W_i‖, coloured by superposition Σ_{j≠i} (Ŵ_i·W_j)²",
        theme,
    );
    let (left, top, right, bottom) = (40.0, 48.0, 10.0, 34.0);
    let plot_w = (width - left - right).max(10.0);
    let plot_h = (height - top - bottom).max(10.0);
    let hi = f
        .norms
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(1.0f32, f32::max) as f64
        * 1.08;
    let y = |v: f64| top + plot_h * (1.0 - v / hi);
    for t in nice_ticks(0.0, hi, 4) {
        scene.line((left, y(t)), (left + plot_w, y(t)), 1.0, theme.grid);
        scene.text(
            left - 5.0,
            y(t),
            tick_text(t),
            LABEL,
            HAlign::Right,
            VAlign::Middle,
            theme.muted,
        );
    }
    scene.vertical_text(10.0, top + plot_h / 2.0, "‖W_i‖", LABEL, theme.muted);
    let slot = plot_w / n as f64;
    let bar = (slot * 0.8).max(1.0);
    let every = label_step(slot, 18.0);
    for i in 0..n {
        let cx = left + (i as f64 + 0.5) * slot;
        let norm = f.norms[i];
        let colour = if norm < GREY_BELOW {
            theme.unused
        } else {
            theme.sequential(f.superposition[i] as f64)
        };
        let tag = Tag::Feature {
            feature: i,
            norm,
            superposition: f.superposition[i],
        };
        let top_y = if norm.is_finite() {
            y(norm as f64)
        } else {
            y(0.0)
        };
        scene.rect(cx - bar / 2.0, top_y, cx + bar / 2.0, y(0.0), colour, None);
        if model.highlight == Some(super::Highlight::Feature(i)) {
            super::mark(
                &mut scene,
                cx - slot / 2.0,
                top,
                cx + slot / 2.0,
                y(0.0),
                theme,
            );
        }
        // The whole slot answers hovering, also above a short bar.
        scene.rect(
            cx - slot / 2.0,
            top,
            cx + slot / 2.0,
            y(0.0),
            theme.background.alpha(0.0),
            Some(tag),
        );
        if i % every == 0 {
            scene.text(
                cx,
                y(0.0) + 3.0,
                i.to_string(),
                LABEL,
                HAlign::Center,
                VAlign::Top,
                theme.muted,
            );
        }
    }
    scene.line((left, y(0.0)), (left + plot_w, y(0.0)), 1.0, theme.text);
    // The marker at i = m.
    if model.m < n {
        let x = left + model.m as f64 * slot;
        scene.push(
            Shape::Line {
                x0: x,
                y0: top - 4.0,
                x1: x,
                y1: y(0.0),
                width: 1.5,
            },
            theme.text.alpha(0.7),
            None,
        );
        scene.text(
            x + 3.0,
            top - 4.0,
            "i = m",
            LABEL,
            HAlign::Left,
            VAlign::Top,
            theme.text,
        );
    }
    scene.text(
        left + plot_w / 2.0,
        height - 3.0,
        "feature i (most important first)",
        LABEL,
        HAlign::Center,
        VAlign::Bottom,
        theme.muted,
    );
    colour_bar(
        &mut scene,
        width - 140.0,
        22.0,
        130.0,
        "0",
        "superposition",
        "≥1",
        |t| theme.sequential(t),
        theme,
    );
    scene
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::{Config, ModelKind};
    use crate::core::model::{Model, Weights};

    #[test]
    fn bars_have_the_norms_height_and_superposition_colour() {
        // n = 3, m = 2: W_0 = (1, 0), W_1 = (−1, 0) (an antipodal pair), W_2 = 0 (not learned).
        let config = Config {
            model: ModelKind::ReluOutput,
            n: 3,
            m: 2,
            ..Config::default()
        };
        let model = Model::new(&config);
        let mut p = vec![0.0; model.layout().len];
        p[0] = 1.0;
        p[1] = -1.0;
        let view = ModelView::from_weights(&Weights::new(&model, &p), 0.1);
        let theme = Theme::LIGHT;
        let scene = scene(&view, 300.0, 200.0, &theme);
        let bars: Vec<(f64, crate::views::Rgba)> = scene
            .items
            .iter()
            .filter_map(
                |it| match (&it.shape, it.tag.is_none() && it.color.a == 1.0) {
                    (Shape::Rect { y0, y1, x1, x0 }, true) if x1 - x0 > 20.0 && *y1 > 100.0 => {
                        Some((y1 - y0, it.color))
                    }
                    _ => None,
                },
            )
            .collect();
        assert_eq!(bars.len(), 3, "{bars:?}");
        assert!((bars[0].0 - bars[1].0).abs() < 1e-9 && bars[0].0 > 50.0);
        assert!(bars[2].0 < 1.0);
        assert_eq!(
            bars[0].1,
            theme.sequential(1.0),
            "an antipodal pair has superposition 1"
        );
        assert_eq!(bars[2].1, theme.unused);
        let marker = scene
            .items
            .iter()
            .any(|it| matches!(&it.shape, Shape::Text { text, .. } if text == "i = m"));
        assert!(marker);
        let tags: Vec<_> = scene.items.iter().filter_map(|it| it.tag.clone()).collect();
        assert_eq!(
            tags[1],
            Tag::Feature {
                feature: 1,
                norm: 1.0,
                superposition: 1.0
            }
        );
    }
}
