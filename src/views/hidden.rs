//! The hidden space: each feature's direction Wᵢ as an arrow from the origin, coloured by importance.
//! For m = 2 this is the paper's intro figure (dedicated directions, antipodal pairs, pentagons); for
//! m = 3 a rotatable orthographic projection (hovering reports the 3-D Wᵢ). A faint circle marks
//! ‖Wᵢ‖ = 1.

use super::{
    header, header_height, text, HAlign, Highlight, Key, ModelView, Opts, Scene, Shape, Tag, Theme,
    TypeScale, VAlign, PAD,
};

/// The view direction of the m = 3 projection: turn about the vertical axis, then tilt.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rotation {
    pub yaw: f64,
    pub pitch: f64,
}

impl Default for Rotation {
    fn default() -> Rotation {
        Rotation {
            yaw: 0.6,
            pitch: 0.35,
        }
    }
}

impl Rotation {
    /// The rotation the page asked for, or the default where a number is missing (NaN, ±∞).
    pub fn or_default(yaw: f64, pitch: f64) -> Rotation {
        let d = Rotation::default();
        Rotation {
            yaw: if yaw.is_finite() { yaw } else { d.yaw },
            pitch: if pitch.is_finite() { pitch } else { d.pitch },
        }
    }

    /// Screen coordinates (right, up) of a point in the hidden space.
    pub fn project(&self, p: [f64; 3]) -> (f64, f64) {
        let (cy, sy) = (self.yaw.cos(), self.yaw.sin());
        let (cp, sp) = (self.pitch.cos(), self.pitch.sin());
        let x = cy * p[0] + sy * p[1];
        let depth = -sy * p[0] + cy * p[1];
        let y = cp * p[2] - sp * depth;
        (x, y)
    }
}

/// Importance spread over the features: whether the arrows' colours mean anything.
fn importance_range(models: &[ModelView]) -> Option<(f32, f32)> {
    let (lo, hi) = models
        .iter()
        .flat_map(|m| m.importance.iter().copied())
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    (hi > lo).then_some((lo, hi))
}

fn arrow_colour(theme: &Theme, t: f64) -> super::Rgba {
    theme.sequential(0.15 + 0.85 * t)
}

pub fn legend(models: &[ModelView], theme: &Theme, _opts: &Opts) -> Vec<Key> {
    let mut keys = vec![];
    match importance_range(models) {
        Some(_) => keys.push(Key::ramp("importance Iᵢ:", "least", "most", |t| {
            arrow_colour(theme, t)
        })),
        None => keys.push(Key::swatch(
            arrow_colour(theme, 1.0),
            "every feature equally important",
        )),
    }
    keys.push(Key::Line {
        colour: theme.grid,
        width: 1.0,
        dashed: true,
        label: "‖Wᵢ‖ = 1".into(),
    });
    keys
}

pub fn scene(model: &ModelView, width: f64, height: f64, theme: &Theme, opts: &Opts) -> Scene {
    let mut scene = Scene::new(width, height);
    let ty = TypeScale::of(width, height);
    let size = ty.label;
    let (n, m) = (model.n, model.m);
    let rotation = opts.rotation;
    let keys = legend(std::slice::from_ref(model), theme, opts);
    let w = model.w_name();
    let titles: Vec<String> = if m == 2 {
        vec![
            format!("Hidden space: Wᵢ (column i of {w}) for each feature"),
            "Hidden space: Wᵢ per feature".into(),
            "Hidden space".into(),
        ]
    } else {
        vec![
            format!("Hidden space, m = 3 (drag to turn): Wᵢ, column i of {w}"),
            "Hidden space, m = 3 (drag to turn)".into(),
            "Hidden space, m = 3".into(),
        ]
    };
    let titles: Vec<&str> = titles.iter().map(String::as_str).collect();
    let top = header_height(&keys, ty, width, opts);
    header(&mut scene, &titles, &keys, ty, theme, opts);
    let embedding = |i: usize| -> [f64; 3] {
        let v = |j: usize| {
            if j < m {
                model.w[j * n + i] as f64
            } else {
                0.0
            }
        };
        [v(0), v(1), v(2)]
    };
    let flat = |p: [f64; 3]| {
        if m == 2 {
            (p[0], p[1])
        } else {
            rotation.project(p)
        }
    };
    // The scale holds every arrow and the unit circle, with room for the labels at the tips.
    let reach = (0..n)
        .map(|i| {
            let (x, y) = flat(embedding(i));
            x.abs().max(y.abs())
        })
        .filter(|v| v.is_finite())
        .fold(1.0f64, f64::max);
    let label_room = text::height(size) + 2.0;
    let side = (width - 2.0 * PAD).min(height - top - PAD).max(10.0);
    let (cx, cy) = (width / 2.0, top + side / 2.0);
    let k = (side / 2.0 - label_room).max(side / 4.0) / reach;
    let to_screen = |(x, y): (f64, f64)| (cx + k * x, cy - k * y);

    // Axes of the hidden space, and the unit circle (a sphere's outline when m = 3: the projection is
    // orthographic).
    let half = reach * k;
    if m == 2 {
        scene.line((cx - half, cy), (cx + half, cy), 1.0, theme.grid);
        scene.line((cx, cy - half), (cx, cy + half), 1.0, theme.grid);
    } else {
        for axis in 0..3 {
            let mut e = [0.0; 3];
            e[axis] = reach * 0.95;
            let end = to_screen(flat(e));
            scene.line((cx, cy), end, 1.0, theme.grid);
        }
    }
    let circle: Vec<(f64, f64)> = (0..=96)
        .map(|s| {
            let a = s as f64 / 96.0 * std::f64::consts::TAU;
            (cx + k * a.cos(), cy - k * a.sin())
        })
        .collect();
    for pair in circle.chunks(2) {
        if let [a, b] = pair {
            scene.line(*a, *b, 1.0, theme.grid);
        }
    }

    let (lo, hi) = importance_range(std::slice::from_ref(model)).unwrap_or((0.0, 0.0));
    let mut tips = vec![];
    // Least important first, so the important ones are on top.
    for i in (0..n).rev() {
        let p = embedding(i);
        let tip = to_screen(flat(p));
        let t = if hi > lo {
            ((model.importance[i] - lo) / (hi - lo)) as f64
        } else {
            1.0
        };
        let colour = arrow_colour(theme, t);
        let norm = (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt() as f32;
        let tag = Tag::Arrow {
            feature: i,
            w: [p[0] as f32, p[1] as f32, p[2] as f32],
            m,
            norm,
        };
        scene.push(
            Shape::Line {
                x0: cx,
                y0: cy,
                x1: tip.0,
                y1: tip.1,
                width: 2.0,
            },
            colour,
            Some(tag.clone()),
        );
        let (dx, dy) = (tip.0 - cx, tip.1 - cy);
        let len = (dx * dx + dy * dy).sqrt();
        if len > 8.0 {
            let (ux, uy) = (dx / len, dy / len);
            let head = 8.0;
            let base = (tip.0 - ux * head, tip.1 - uy * head);
            scene.push(
                Shape::Polygon {
                    points: vec![
                        tip,
                        (base.0 - uy * head * 0.45, base.1 + ux * head * 0.45),
                        (base.0 + uy * head * 0.45, base.1 - ux * head * 0.45),
                    ],
                },
                colour,
                Some(tag),
            );
            if model.highlight == Some(Highlight::Feature(i)) {
                super::mark(
                    &mut scene,
                    tip.0 - 7.0,
                    tip.1 - 7.0,
                    tip.0 + 7.0,
                    tip.1 + 7.0,
                    theme,
                );
            }
            tips.push((i, tip, (ux, uy)));
        }
    }
    // Labels at the tips, most important first, where they do not collide.
    for &(i, tip, (ux, uy)) in tips.iter().rev() {
        let gap = size * 0.9;
        scene.try_text(
            tip.0 + ux * gap,
            tip.1 + uy * gap,
            i.to_string(),
            size,
            HAlign::Center,
            VAlign::Middle,
            theme.text,
        );
    }
    if m == 3 {
        for axis in 0..3 {
            let mut e = [0.0; 3];
            e[axis] = reach * 0.95;
            let end = to_screen(flat(e));
            scene.try_text(
                end.0,
                end.1,
                ["h₀", "h₁", "h₂"][axis],
                size,
                HAlign::Center,
                VAlign::Middle,
                theme.muted,
            );
        }
    }
    scene
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::{Config, ModelKind};
    use crate::core::model::{Model, Weights};
    use crate::views::View;

    #[test]
    fn a_pentagon_draws_five_arrows_72_degrees_apart() {
        let config = Config {
            model: ModelKind::ReluOutput,
            n: 5,
            m: 2,
            ..Config::default()
        };
        let model = Model::new(&config);
        let mut p = vec![0.0; model.layout().len];
        for i in 0..5 {
            let a = 0.4 + 2.0 * std::f32::consts::PI * i as f32 / 5.0;
            p[i] = a.cos(); // W[0][i]
            p[5 + i] = a.sin(); // W[1][i]
        }
        let view = ModelView::from_weights(&Weights::new(&model, &p), 0.05);
        let scene = scene(&view, 300.0, 300.0, &Theme::LIGHT, &Opts::default());
        let mut angles: Vec<f64> = scene
            .items
            .iter()
            .filter_map(|it| match (&it.shape, &it.tag) {
                (Shape::Line { x0, y0, x1, y1, .. }, Some(Tag::Arrow { .. })) => {
                    Some((-(y1 - y0)).atan2(x1 - x0).to_degrees())
                }
                _ => None,
            })
            .collect();
        assert_eq!(angles.len(), 5);
        angles.sort_by(f64::total_cmp);
        for k in 0..5 {
            let gap = (angles[(k + 1) % 5] - angles[k]).rem_euclid(360.0);
            assert!((gap - 72.0).abs() < 1.0, "{angles:?}");
        }
    }

    #[test]
    fn other_sizes_say_why_nothing_is_drawn() {
        let config = Config {
            model: ModelKind::ReluOutput,
            n: 5,
            m: 4,
            ..Config::default()
        };
        let model = Model::new(&config);
        let p = model.init(0);
        let view = ModelView::from_weights(&Weights::new(&model, &p), 0.05);
        let drawn = View::Hidden.scene(&view, 300.0, 300.0, &Theme::LIGHT);
        let words: String = drawn
            .items
            .iter()
            .filter_map(|it| match &it.shape {
                Shape::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(" ");
        assert!(words.contains("m = 2 or 3"), "{words}");
    }

    /// Hovering an m = 3 view names the arrow drawn under the pointer at the rotation it is drawn with,
    /// and reports its three coordinates.
    #[test]
    fn m3_hover_follows_the_rotation_and_reports_3d_vectors() {
        let config = Config {
            model: ModelKind::Abs,
            n: 4,
            m: 3,
            ..Config::default()
        };
        let model = Model::new(&config);
        let p = model.init(0);
        let view = ModelView::from_weights(&Weights::new(&model, &p), 1.0);
        let turned = Opts {
            rotation: Rotation {
                yaw: 2.2,
                pitch: -0.7,
            },
            ..Opts::default()
        };
        let a = scene(&view, 400.0, 400.0, &Theme::LIGHT, &Opts::default());
        let b = scene(&view, 400.0, 400.0, &Theme::LIGHT, &turned);
        assert_ne!(a, b, "rotation changes the projection");
        let mut checked = 0;
        for it in &b.items {
            if let (Shape::Line { x0, y0, x1, y1, .. }, Some(Tag::Arrow { feature, w, .. })) =
                (&it.shape, &it.tag)
            {
                let at = (x0 + 0.9 * (x1 - x0), y0 + 0.9 * (y1 - y0));
                let hit = &b.pick(at.0, at.1)[0];
                let Tag::Arrow { feature: f, .. } = hit else {
                    panic!("{hit:?}")
                };
                if f != feature {
                    continue; // two arrows cross here
                }
                let col: Vec<f32> = (0..3).map(|j| p[j * 4 + feature]).collect();
                assert_eq!(&w[..], &col[..], "the hover reports W₁'s column in 3-D");
                assert!(
                    hit.describe().matches(", ").count() >= 3,
                    "{}",
                    hit.describe()
                );
                checked += 1;
            }
        }
        assert!(checked >= 3);
    }
}
