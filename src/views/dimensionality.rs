//! The dimensionality figure of a sweep: each feature's Dᵢ as a dot per sparsity level over a log axis
//! of 1/(1−S), dimensions per feature D* = m / Σᵢ‖Wᵢ‖² as a line, and reference lines at the fractions
//! the geometry takes: 1, 3/4 (tetrahedron), 2/3 (triangle), 1/2 (antipodal pair), 2/5 (pentagon),
//! 3/8 (square antiprism).

use super::{
    header, header_height, spread, text, HAlign, Key, ModelView, Opts, Scene, Shape, Tag, Theme,
    TypeScale, VAlign, PAD,
};

pub const FRACTIONS: [(f64, &str); 6] = [
    (1.0, "1"),
    (0.75, "3/4"),
    (2.0 / 3.0, "2/3"),
    (0.5, "1/2"),
    (0.4, "2/5"),
    (0.375, "3/8"),
];

pub fn legend(theme: &Theme) -> Vec<Key> {
    vec![
        Key::Dot {
            colour: theme.text.alpha(0.55),
            label: "Dᵢ of one feature".into(),
        },
        Key::Line {
            colour: theme.weight(1.0, 1.0),
            width: 2.0,
            dashed: false,
            label: "D* = m / Σᵢ‖Wᵢ‖², dimensions per feature".into(),
        },
        Key::Line {
            colour: theme.grid,
            width: 1.0,
            dashed: false,
            label: "fractions of regular geometries".into(),
        },
    ]
}

/// A power of ten as a tick label: 1, 10, 100, 1000, then 10⁴, …
fn decade(d: i32) -> String {
    if (0..=3).contains(&d) {
        format!("{}", 10i64.pow(d as u32))
    } else {
        text::power_of_ten(d)
    }
}

pub fn scene(models: &[ModelView], width: f64, height: f64, theme: &Theme) -> Scene {
    let mut scene = Scene::new(width, height);
    let ty = TypeScale::of(width, height);
    let size = ty.label;
    let keys = legend(theme);
    let opts = Opts::default();
    let titles = [
        "Dimensionality Dᵢ per feature, and D* = m / Σᵢ‖Wᵢ‖²",
        "Dimensionality Dᵢ and D*",
        "Dimensionality",
    ];
    if models.is_empty() {
        header(&mut scene, &titles, &[], ty, theme, &opts);
        super::note(&mut scene, "no models in this sweep", ty, theme);
        return scene;
    }
    let label_h = text::height(size);
    let top = header_height(&keys, ty, width, &opts) + label_h / 2.0;
    header(&mut scene, &titles, &keys, ty, theme, &opts);
    let left = PAD + label_h + 6.0;
    let right = PAD + super::widest(FRACTIONS.iter().map(|f| f.1), size) + 6.0;
    let plot_w = (width - left - right).max(10.0);
    let plot_h = (height - top - 2.0 * label_h - 4.0 - PAD).max(10.0);
    let xs: Vec<f64> = models
        .iter()
        .map(|v| -(v.density.max(1e-9) as f64).log10())
        .collect();
    let (lo, hi) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    let (lo, hi) = if hi - lo < 0.5 {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo))
    };
    let x = |v: f64| left + plot_w * (v - lo) / (hi - lo);
    let y = |d: f64| top + plot_h * (1.0 - d.clamp(0.0, 1.1) / 1.1);
    for (d, _) in FRACTIONS {
        scene.line((left, y(d)), (left + plot_w, y(d)), 1.0, theme.grid);
    }
    // The fractions' labels, moved apart where their lines are closer than a line of text.
    let at = spread(&FRACTIONS.map(|(d, _)| y(d)), label_h, top, top + plot_h);
    for ((_, label), ly) in FRACTIONS.iter().zip(at) {
        scene.try_text(
            left + plot_w + 4.0,
            ly,
            *label,
            size,
            HAlign::Left,
            VAlign::Middle,
            theme.muted,
        );
    }
    scene.line((left, y(0.0)), (left + plot_w, y(0.0)), 1.0, theme.text);
    for d in (lo.ceil() as i32)..=(hi.floor() as i32) {
        scene.try_text(
            x(d as f64),
            y(0.0) + 2.0,
            decade(d),
            size,
            HAlign::Center,
            VAlign::Top,
            theme.muted,
        );
    }
    scene.try_text(
        left + plot_w / 2.0,
        y(0.0) + 2.0 + label_h,
        text::fit(&["1/(1−S), log scale (sparser →)", "1/(1−S)"], size, plot_w),
        size,
        HAlign::Center,
        VAlign::Top,
        theme.muted,
    );
    scene.vertical_text(
        PAD + label_h / 2.0,
        top + plot_h / 2.0,
        text::fit(&["dimensionality", "D"], size, plot_h),
        size,
        theme.muted,
    );
    let mut line = vec![];
    for (model, &xv) in models.iter().zip(&xs) {
        let n = model.n;
        for (i, &d) in model.features.dimensionality.iter().enumerate() {
            if !d.is_finite() {
                continue;
            }
            // A little spread so features at one density do not all sit on one pixel column.
            let jitter = (i as f64 / n.max(1) as f64 - 0.5) * 8.0;
            scene.push(
                Shape::Circle {
                    x: x(xv) + jitter,
                    y: y(d as f64),
                    r: 2.2,
                },
                theme.text.alpha(0.55),
                Some(Tag::Dimensionality {
                    feature: i,
                    density: model.density,
                    value: d,
                }),
            );
        }
        let dstar = model.features.dims_per_feature as f64;
        if dstar.is_finite() {
            line.push((x(xv), y(dstar)));
        }
    }
    let colour = theme.weight(1.0, 1.0);
    for &(px, py) in &line {
        scene.push(
            Shape::Circle {
                x: px,
                y: py,
                r: 3.0,
            },
            colour,
            None,
        );
    }
    if line.len() > 1 {
        scene.push(
            Shape::Path {
                points: line,
                width: 2.0,
            },
            colour,
            None,
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
    fn dots_sit_at_their_dimensionality_and_reference_lines_are_labelled() {
        // An antipodal pair (D = 1/2 each) at density 0.1 and a dedicated pair (D = 1) at density 1.
        let config = Config {
            model: ModelKind::ReluOutput,
            n: 2,
            m: 1,
            ..Config::default()
        };
        let model = Model::new(&config);
        let pair = [1.0, -1.0, 0.0, 0.0];
        let config2 = Config {
            model: ModelKind::ReluOutput,
            n: 2,
            m: 2,
            ..Config::default()
        };
        let model2 = Model::new(&config2);
        let dedicated = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
        let views = vec![
            ModelView::from_weights(&Weights::new(&model2, &dedicated), 1.0),
            ModelView::from_weights(&Weights::new(&model, &pair), 0.1),
        ];
        let scene = scene(&views, 400.0, 300.0, &Theme::LIGHT);
        let dots: Vec<(f64, f32, f32)> = scene
            .items
            .iter()
            .filter_map(|it| match (&it.shape, &it.tag) {
                (Shape::Circle { y, .. }, Some(Tag::Dimensionality { density, value, .. })) => {
                    Some((*y, *density, *value))
                }
                _ => None,
            })
            .collect();
        assert_eq!(dots.len(), 4);
        // The reference lines, top to bottom in the order of FRACTIONS, and their labels near them.
        let lines: Vec<f64> = scene
            .items
            .iter()
            .filter_map(|it| match it.shape {
                Shape::Line { y0, y1, x0, x1, .. }
                    if y0 == y1 && x1 - x0 > 100.0 && it.color == Theme::LIGHT.grid =>
                {
                    Some(y0)
                }
                _ => None,
            })
            .collect();
        assert_eq!(lines.len(), FRACTIONS.len());
        for (y, density, value) in dots {
            let want = if density == 1.0 { 1.0 } else { 0.5 };
            assert_eq!(value as f64, want);
            let k = FRACTIONS.iter().position(|f| f.0 == want).unwrap();
            assert!(
                (y - lines[k]).abs() < 1e-9,
                "the dot sits on its reference line"
            );
        }
        for (k, (_, label)) in FRACTIONS.iter().enumerate() {
            let y = scene
                .items
                .iter()
                .find_map(|it| match &it.shape {
                    Shape::Text { text, y, .. } if text == label => Some(*y),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("{label} is labelled"));
            assert!(
                (y - lines[k]).abs() < 12.0,
                "{label} is labelled near its line"
            );
        }
    }
}
