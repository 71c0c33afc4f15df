//! Small multiples: one panel of any single-model view per setting of a sweep, labelled with 1−S.

use super::{HAlign, ModelView, Scene, Tag, Theme, VAlign, View, LABEL};

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
    let (cols, rows) = grid(models.len(), width, height);
    let (pw, ph) = (width / cols as f64, height / rows as f64);
    for (k, model) in models.iter().enumerate() {
        let (x0, y0) = ((k % cols) as f64 * pw, (k / cols) as f64 * ph);
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
        scene.text(
            x0 + pw / 2.0,
            y0 + 2.0,
            model
                .label
                .clone()
                .unwrap_or_else(|| format!("1−S = {}", model.density)),
            LABEL + 1.0,
            HAlign::Center,
            VAlign::Top,
            theme.text,
        );
        let mut panel = view.scene(model, pw - 4.0, ph - 18.0, theme);
        // The panel's label replaces each view's own title.
        if let Some(first) = panel.items.first() {
            if matches!(first.shape, super::Shape::Text { .. }) {
                panel.items.remove(0);
            }
        }
        scene.append(panel, x0 + 2.0, y0 + 14.0);
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
        relabelled[2].label = Some("I = 0.9^i".into());
        let named = super::scene(&relabelled, View::Bars, 900.0, 500.0, &Theme::LIGHT);
        let texts: Vec<&str> = named
            .items
            .iter()
            .filter_map(|it| match &it.shape {
                crate::views::Shape::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert!(texts.contains(&"I = 0.9^i"));
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
