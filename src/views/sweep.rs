//! Small multiples: one panel of any single-model view per setting of a sweep, labelled with 1−S, under
//! one legend for all of them (matrix panels share their colour scales, so the legend holds for each).

use super::{
    legend, matrix, text, HAlign, ModelView, Opts, Scene, Tag, Theme, TypeScale, VAlign, View, PAD,
};

/// Columns and rows for `count` panels in `width` × `height`, making panels as large as possible.
pub fn grid(count: usize, width: f64, height: f64) -> (usize, usize) {
    (1..=count.max(1))
        .map(|cols| (cols, count.max(1).div_ceil(cols)))
        .max_by(|a, b| {
            let size =
                |(c, r): (usize, usize)| (width / c as f64).min((height / r as f64 - 16.0) * 1.4);
            size(*a).total_cmp(&size(*b))
        })
        .unwrap()
}

pub fn scene(models: &[ModelView], view: View, width: f64, height: f64, theme: &Theme) -> Scene {
    let mut scene = Scene::new(width, height);
    let ty = TypeScale::of(width, height);
    let opts = Opts {
        panel: true,
        scales: (view == View::Matrix).then(|| matrix::Scales::of(models)),
        ..Opts::default()
    };
    let keys = view.legend(models, theme, &opts);
    let top = if keys.is_empty() {
        0.0
    } else {
        legend::draw(
            &mut scene,
            &keys,
            PAD,
            PAD,
            width - 2.0 * PAD,
            ty.label,
            theme,
        ) + 2.0
    };
    let (cols, rows) = grid(models.len(), width, height - top);
    let (pw, ph) = (width / cols as f64, (height - top) / rows as f64);
    let panel_ty = TypeScale::of(pw, ph);
    let label_h = text::height(panel_ty.title);
    for (k, model) in models.iter().enumerate() {
        let (x0, y0) = ((k % cols) as f64 * pw, top + (k / cols) as f64 * ph);
        scene.rect(
            x0,
            y0,
            x0 + pw,
            y0 + ph,
            theme.background.alpha(0.0),
            Some(Tag::Panel {
                index: k,
                density: model.density,
            }),
        );
        let label = model
            .label
            .clone()
            .unwrap_or_else(|| format!("1−S = {}", model.density));
        scene.text(
            x0 + pw / 2.0,
            y0 + 2.0,
            text::ellipsize(&label, panel_ty.title, pw - 4.0),
            panel_ty.title,
            HAlign::Center,
            VAlign::Top,
            theme.text,
        );
        let panel = view.scene_with(model, pw - 4.0, ph - label_h - 4.0, theme, &opts);
        scene.append(panel, x0 + 2.0, y0 + label_h + 4.0);
    }
    scene
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::{Config, ModelKind};
    use crate::core::model::{Model, Weights};

    #[test]
    fn one_labelled_panel_per_density_and_hover_reaches_inside() {
        let config = Config {
            model: ModelKind::Abs,
            n: 6,
            m: 3,
            ..Config::default()
        };
        let model = Model::new(&config);
        let p = model.init(3);
        let views: Vec<ModelView> = [1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001]
            .iter()
            .map(|&d| ModelView::from_weights(&Weights::new(&model, &p), d))
            .collect();
        let scene = scene(&views, View::Stack, 900.0, 500.0, &Theme::LIGHT);
        let panels: Vec<f32> = scene
            .items
            .iter()
            .filter_map(|it| match it.tag {
                Some(Tag::Panel { density, .. }) => Some(density),
                _ => None,
            })
            .collect();
        assert_eq!(panels, vec![1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001]);
        let labels = scene.items.iter().filter(|it| matches!(&it.shape, crate::views::Shape::Text { text, .. } if text.starts_with("1−S = "))).count();
        assert_eq!(labels, 7);
        // An importance sweep names its panels by importance.
        let mut relabelled = views.clone();
        relabelled[2].label = Some("Iᵢ = 0.9ⁱ".into());
        let named = super::scene(&relabelled, View::Bars, 900.0, 500.0, &Theme::LIGHT);
        let texts: Vec<&str> = named
            .items
            .iter()
            .filter_map(|it| match &it.shape {
                crate::views::Shape::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert!(texts.contains(&"Iᵢ = 0.9ⁱ"));
        assert_eq!(texts.iter().filter(|t| t.starts_with("1−S = ")).count(), 6);
        // A weight inside the fourth panel reports itself first, then its panel.
        let piece = scene
            .items
            .iter()
            .filter(|it| matches!(it.tag, Some(Tag::Weight { .. })))
            .nth(3)
            .unwrap();
        let crate::views::Shape::Rect { x0, y0, x1, y1 } = piece.shape else {
            panic!()
        };
        let hits = scene.pick((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        assert!(matches!(hits[0], Tag::Weight { .. }));
        assert!(hits.iter().any(|t| matches!(t, Tag::Panel { .. })));
        let (c, r) = grid(7, 900.0, 500.0);
        assert!(c * r >= 7);
    }
}
