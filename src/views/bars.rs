//! Feature bars: ‖Wᵢ‖ per feature, coloured by superposition (0 dark → ≥1 bright), with a dashed mark at
//! i = m (past it, a represented feature must share dimensions); unrepresented features greyed out.

use super::{
    header, header_height, index_labels, nice_range, nice_ticks, text, widest, y_tick_labels,
    HAlign, Highlight, Key, ModelView, Opts, Scene, Tag, Theme, TypeScale, VAlign, PAD,
};

/// Features with ‖Wᵢ‖ below this are drawn grey: their superposition means nothing.
pub const GREY_BELOW: f32 = 0.1;

pub fn legend(model: &ModelView, theme: &Theme) -> Vec<Key> {
    let mut keys = vec![
        Key::ramp(
            "superposition Σⱼ (Ŵᵢ·Wⱼ)², j ≠ i:",
            "0",
            "≥1",
            |t| theme.sequential(t),
        ),
        Key::swatch(theme.unused, "‖Wᵢ‖ < 0.1: not represented"),
    ];
    if model.m < model.n {
        keys.push(Key::Line {
            colour: theme.text,
            width: 1.5,
            dashed: true,
            label: "i = m: features past it must share dimensions".into(),
        });
    }
    keys
}

pub fn scene(model: &ModelView, width: f64, height: f64, theme: &Theme, opts: &Opts) -> Scene {
    let mut scene = Scene::new(width, height);
    let ty = TypeScale::of(width, height);
    let size = ty.label;
    let n = model.n;
    let f = &model.features;
    let keys = legend(model, theme);
    let hi = f
        .norms
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(1.0f32, f32::max) as f64;
    let (_, hi) = nice_range(0.0, hi * 1.02, 8);
    let ticks = nice_ticks(0.0, hi, 4);
    let label_h = text::height(size);
    let left = PAD + label_h + 4.0 + widest(ticks.iter().map(|&t| super::tick_text(t)), size) + 6.0;
    let top = header_height(&keys, ty, width, opts) + label_h / 2.0;
    let plot_w = (width - left - PAD).max(10.0);
    let plot_h = (height - top - 2.0 * label_h - 4.0 - PAD).max(10.0);
    let w = model.w_name();
    let long = format!("Feature norms ‖Wᵢ‖ (columns of {w}), coloured by superposition");
    header(
        &mut scene,
        &[&long, "Feature norms ‖Wᵢ‖", "‖Wᵢ‖"],
        &keys,
        ty,
        theme,
        opts,
    );
    let y = |v: f64| top + plot_h * (1.0 - v / hi);
    for &t in &ticks {
        scene.line((left, y(t)), (left + plot_w, y(t)), 1.0, theme.grid);
    }
    y_tick_labels(&mut scene, &ticks, left - 6.0, y, size, theme);
    scene.vertical_text(
        PAD + label_h / 2.0,
        top + plot_h / 2.0,
        "‖Wᵢ‖",
        size,
        theme.muted,
    );
    let slot = plot_w / n as f64;
    let bar = (slot * 0.8).max(1.0);
    for i in 0..n {
        let cx = left + (i as f64 + 0.5) * slot;
        let norm = f.norms[i];
        // NaN norms are grey too.
        let represented = norm >= GREY_BELOW;
        let colour = if !represented {
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
        if model.highlight == Some(Highlight::Feature(i)) {
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
    }
    scene.line((left, y(0.0)), (left + plot_w, y(0.0)), 1.0, theme.text);
    // The dashed mark at i = m, labelled beside its top where there is room.
    if model.m < n {
        let x = left + model.m as f64 * slot;
        scene.dashed((x, top), (x, y(0.0)), 1.5, 4.0, theme.text.alpha(0.8));
        scene.try_text(
            x + 3.0,
            top,
            "i = m",
            size,
            HAlign::Left,
            VAlign::Top,
            theme.text,
        );
    }
    index_labels(&mut scene, n, left, slot, y(0.0) + 2.0, size, theme, |i| i);
    let axis = text::fit(
        &["feature i (most important first)", "feature i"],
        size,
        plot_w,
    );
    scene.try_text(
        left + plot_w / 2.0,
        y(0.0) + 2.0 + label_h,
        axis,
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
    use crate::core::config::{Config, ModelKind};
    use crate::core::model::{Model, Weights};
    use crate::views::Shape;

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
        let scene = scene(&view, 300.0, 200.0, &theme, &Opts::default());
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
        assert!((bars[0].0 - bars[1].0).abs() < 1e-9 && bars[0].0 > 40.0);
        assert!(bars[2].0 < 1.0);
        assert_eq!(
            bars[0].1,
            theme.sequential(1.0),
            "an antipodal pair has superposition 1"
        );
        assert_eq!(bars[2].1, theme.unused);
        let texts: Vec<&str> = scene
            .items
            .iter()
            .filter_map(|it| match &it.shape {
                Shape::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert!(texts.contains(&"i = m"));
        assert!(
            texts.iter().any(|t| t.contains("must share dimensions")),
            "the dashed mark is in the legend: {texts:?}"
        );
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
