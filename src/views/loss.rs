//! The loss curve: log-scale loss against step.

use super::{
    header, header_height, nice_ticks, text, tick_text, widest, HAlign, ModelView, Opts, Scene,
    Shape, Tag, Theme, TypeScale, VAlign, PAD,
};

pub fn scene(model: &ModelView, width: f64, height: f64, theme: &Theme, opts: &Opts) -> Scene {
    let mut scene = Scene::new(width, height);
    let ty = TypeScale::of(width, height);
    let size = ty.label;
    let target = if model.w2_t.is_some() {
        "|xᵢ| − y′ᵢ"
    } else {
        "xᵢ − x′ᵢ"
    };
    let long = format!("Loss L = mean Iᵢ ({target})² on each step's batch, log scale");
    let titles = [long.as_str(), "Loss (log scale) against step", "Loss"];
    let top = header_height(&[], ty, width, opts) + text::height(size) / 2.0;
    header(&mut scene, &titles, &[], ty, theme, opts);
    let points: Vec<(u64, f32)> = model
        .loss
        .iter()
        .copied()
        .filter(|(_, l)| l.is_finite() && *l > 0.0)
        .collect();
    if points.is_empty() {
        super::note(&mut scene, "no steps trained yet", ty, theme);
        return scene;
    }
    let last = points.last().unwrap().0.max(1) as f64;
    let (lo, hi) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, l)| {
            (lo.min((*l as f64).log10()), hi.max((*l as f64).log10()))
        });
    let (lo, hi) = (lo.floor(), hi.ceil().max(lo.floor() + 1.0));
    let decades: Vec<i32> = ((lo as i32)..=(hi as i32)).collect();
    let label_h = text::height(size);
    let left =
        PAD + label_h + 4.0 + widest(decades.iter().map(|&d| text::power_of_ten(d)), size) + 6.0;
    let right = PAD + widest([tick_text(last)], size) / 2.0;
    let plot_w = (width - left - right).max(10.0);
    let plot_h = (height - top - 2.0 * label_h - 4.0 - PAD).max(10.0);
    let x = |s: f64| left + plot_w * s / last;
    let y = |l: f64| top + plot_h * (hi - l.log10()) / (hi - lo);
    for &d in &decades {
        let v = 10f64.powi(d);
        scene.line((left, y(v)), (left + plot_w, y(v)), 1.0, theme.grid);
        scene.try_text(
            left - 6.0,
            y(v),
            text::power_of_ten(d),
            size,
            HAlign::Right,
            VAlign::Middle,
            theme.muted,
        );
    }
    let count = ((plot_w / (widest([tick_text(last)], size) * 2.0)) as usize).clamp(1, 6);
    for t in nice_ticks(0.0, last, count) {
        scene.try_text(
            x(t),
            top + plot_h + 2.0,
            tick_text(t),
            size,
            HAlign::Center,
            VAlign::Top,
            theme.muted,
        );
    }
    scene.try_text(
        left + plot_w / 2.0,
        top + plot_h + 2.0 + label_h,
        "step",
        size,
        HAlign::Center,
        VAlign::Top,
        theme.muted,
    );
    scene.vertical_text(
        PAD + label_h / 2.0,
        top + plot_h / 2.0,
        "loss",
        size,
        theme.muted,
    );
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
        let label = format!("step {}", model.step);
        // Beside the line, on whichever side has room.
        if !scene.try_text(
            sx + 3.0,
            top + 2.0,
            label.clone(),
            size,
            HAlign::Left,
            VAlign::Top,
            theme.text,
        ) {
            scene.try_text(
                sx - 3.0,
                top + 2.0,
                label,
                size,
                HAlign::Right,
                VAlign::Top,
                theme.text,
            );
        }
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
        let scene = scene(&view, 400.0, 240.0, &Theme::LIGHT, &Opts::default());
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
            matches!(hit[0], Tag::Loss { step, .. } if step == 2000),
            "{hit:?}"
        );
    }
}
