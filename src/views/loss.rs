//! The loss curve: log-scale loss against step.

use super::{
    nice_ticks, tick_text, title, HAlign, ModelView, Scene, Shape, Tag, Theme, VAlign, LABEL,
};

pub fn scene(model: &ModelView, width: f64, height: f64, theme: &Theme) -> Scene {
    let mut scene = Scene::new(width, height);
    title(&mut scene, "Loss (log scale) against step", theme);
    let (left, top, right, bottom) = (50.0, 30.0, 24.0, 34.0);
    let plot_w = (width - left - right).max(10.0);
    let plot_h = (height - top - bottom).max(10.0);
    let points: Vec<(u64, f32)> = model
        .loss
        .iter()
        .copied()
        .filter(|(_, l)| l.is_finite() && *l > 0.0)
        .collect();
    if points.is_empty() {
        super::note(&mut scene, "no steps trained yet", theme);
        return scene;
    }
    let last = points.last().unwrap().0.max(1) as f64;
    let (lo, hi) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, l)| {
            (lo.min((*l as f64).log10()), hi.max((*l as f64).log10()))
        });
    let (lo, hi) = (lo.floor(), hi.ceil().max(lo.floor() + 1.0));
    let x = |s: f64| left + plot_w * s / last;
    let y = |l: f64| top + plot_h * (hi - l.log10()) / (hi - lo);
    for d in (lo as i32)..=(hi as i32) {
        let v = 10f64.powi(d);
        scene.line((left, y(v)), (left + plot_w, y(v)), 1.0, theme.grid);
        scene.text(
            left - 5.0,
            y(v),
            format!("1e{d}"),
            LABEL,
            HAlign::Right,
            VAlign::Middle,
            theme.muted,
        );
    }
    for t in nice_ticks(0.0, last, 4) {
        scene.text(
            x(t),
            top + plot_h + 3.0,
            tick_text(t),
            LABEL,
            HAlign::Center,
            VAlign::Top,
            theme.muted,
        );
    }
    scene.text(
        left + plot_w / 2.0,
        height - 3.0,
        "step",
        LABEL,
        HAlign::Center,
        VAlign::Bottom,
        theme.muted,
    );
    scene.vertical_text(10.0, top + plot_h / 2.0, "loss", LABEL, theme.muted);
    let path: Vec<(f64, f64)> = points
        .iter()
        .map(|&(s, l)| (x(s as f64), y(l as f64)))
        .collect();
    scene.push(
        Shape::Path {
            points: path,
            width: 1.5,
        },
        theme.weight(1.0, 1.0),
        None,
    );
    // Each point answers hovering across its step range.
    let mut prev: f64 = 0.0;
    for &(s, l) in &points {
        let x1 = x(s as f64);
        scene.rect(
            prev.max(left),
            top,
            x1.max(prev + 0.5),
            top + plot_h,
            theme.background.alpha(0.0),
            Some(Tag::Loss { step: s, loss: l }),
        );
        prev = x1;
    }
    // The step shown, when the timeline is scrubbed back from the furthest step trained.
    if model.step < model.frontier {
        let sx = x(model.step as f64);
        scene.line((sx, top), (sx, top + plot_h), 1.5, theme.text);
        scene.text(
            sx + 3.0,
            top + 2.0,
            format!("step {}", model.step),
            LABEL,
            HAlign::Left,
            VAlign::Top,
            theme.text,
        );
    }
    scene
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::{Config, ModelKind};
    use crate::core::training::Trainer;

    #[test]
    fn the_curve_falls_on_a_log_axis_and_hover_reads_the_step() {
        let mut t = Trainer::new(Config {
            model: ModelKind::ReluOutput,
            batch: 128,
            ..Config::default()
        })
        .unwrap();
        t.step(2000);
        let view = ModelView::of(&t);
        let scene = scene(&view, 400.0, 240.0, &Theme::LIGHT);
        let path = scene
            .items
            .iter()
            .find_map(|it| match &it.shape {
                Shape::Path { points, .. } => Some(points.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(path.len(), view.loss.len());
        assert!(
            path.last().unwrap().1 > path[0].1,
            "lower loss is drawn lower (larger y)"
        );
        let hit = scene.pick(path.last().unwrap().0 - 0.1, 100.0);
        assert!(
            matches!(hit[0], Tag::Loss { step, .. } if *step == 2000),
            "{hit:?}"
        );
    }
}
