//! The hidden space: each feature's direction W_i as an arrow from the origin, coloured by importance.
//! For m = 2 this is the paper's intro figure (dedicated directions, antipodal pairs, pentagons); for
//! m = 3 a rotatable orthographic projection.

use super::{title, HAlign, ModelView, Scene, Shape, Tag, Theme, VAlign, LABEL};

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
    /// Screen coordinates (right, up) of a point in the hidden space.
    fn project(&self, p: [f64; 3]) -> (f64, f64) {
        let (cy, sy) = (self.yaw.cos(), self.yaw.sin());
        let (cp, sp) = (self.pitch.cos(), self.pitch.sin());
        let x = cy * p[0] + sy * p[1];
        let depth = -sy * p[0] + cy * p[1];
        let y = cp * p[2] - sp * depth;
        (x, y)
    }
}

pub fn scene(
    model: &ModelView,
    width: f64,
    height: f64,
    theme: &Theme,
    rotation: Rotation,
) -> Scene {
    let mut scene = Scene::new(width, height);
    let (n, m) = (model.n, model.m);
    if m != 2 && m != 3 {
        title(&mut scene, "Hidden space", theme);
        super::note(
            &mut scene,
            &format!("the hidden space is drawn for m = 2 or 3 (this model has m = {m})"),
            theme,
        );
        return scene;
    }
    title(
        &mut scene,
        if m == 2 {
            "Hidden space: W_i for each feature"
        } else {
            "Hidden space (m = 3, drag to rotate): W_i for each feature"
        },
        theme,
    );
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
    let reach = (0..n)
        .map(|i| {
            let (x, y) = flat(embedding(i));
            x.abs().max(y.abs())
        })
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max)
        .max(1e-6)
        * 1.15;
    let top = 26.0;
    let size = (width - 16.0).min(height - top - 8.0).max(10.0);
    let (cx, cy) = (width / 2.0, top + size / 2.0);
    let k = size / 2.0 / reach;
    let to_screen = |(x, y): (f64, f64)| (cx + k * x, cy - k * y);

    // Axes of the hidden space.
    if m == 2 {
        scene.line(
            (cx - size / 2.0, cy),
            (cx + size / 2.0, cy),
            1.0,
            theme.grid,
        );
        scene.line(
            (cx, cy - size / 2.0),
            (cx, cy + size / 2.0),
            1.0,
            theme.grid,
        );
    } else {
        for axis in 0..3 {
            let mut e = [0.0; 3];
            e[axis] = reach * 0.9;
            let end = to_screen(flat(e));
            scene.line((cx, cy), end, 1.0, theme.grid);
            scene.text(
                end.0,
                end.1,
                ["h₀", "h₁", "h₂"][axis],
                LABEL,
                HAlign::Center,
                VAlign::Middle,
                theme.muted,
            );
        }
    }
    let (lo, hi) = model
        .importance
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    // Least important first, so the important ones are on top.
    for i in (0..n).rev() {
        let p = embedding(i);
        let tip = to_screen(flat(p));
        let t = if hi > lo {
            ((model.importance[i] - lo) / (hi - lo)) as f64
        } else {
            1.0
        };
        let colour = theme.sequential(0.15 + 0.85 * t);
        let norm = (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt() as f32;
        let tag = Tag::Arrow {
            feature: i,
            x: p[0] as f32,
            y: p[1] as f32,
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
            if model.highlight == Some(super::Highlight::Feature(i)) {
                super::mark(
                    &mut scene,
                    tip.0 - 7.0,
                    tip.1 - 7.0,
                    tip.0 + 7.0,
                    tip.1 + 7.0,
                    theme,
                );
            }
            if n <= 20 {
                scene.text(
                    tip.0 + ux * 9.0,
                    tip.1 + uy * 9.0,
                    i.to_string(),
                    LABEL,
                    HAlign::Center,
                    VAlign::Middle,
                    theme.text,
                );
            }
        }
    }
    scene
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::{Config, ModelKind};
    use crate::core::model::{Model, Weights};

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
        let scene = scene(&view, 300.0, 300.0, &Theme::LIGHT, Rotation::default());
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
        let drawn = scene(&view, 300.0, 300.0, &Theme::LIGHT, Rotation::default());
        assert!(drawn.items.iter().any(
            |it| matches!(&it.shape, Shape::Text { text, .. } if text.contains("m = 2 or 3"))
        ));
        let config = Config {
            model: ModelKind::Abs,
            n: 4,
            m: 3,
            ..Config::default()
        };
        let model = Model::new(&config);
        let p = model.init(0);
        let view = ModelView::from_weights(&Weights::new(&model, &p), 1.0);
        let a = scene(&view, 300.0, 300.0, &Theme::LIGHT, Rotation::default());
        let b = scene(
            &view,
            300.0,
            300.0,
            &Theme::LIGHT,
            Rotation {
                yaw: 1.5,
                pitch: 0.1,
            },
        );
        assert!(
            a.items
                .iter()
                .filter(|it| matches!(it.tag, Some(Tag::Arrow { .. })))
                .count()
                >= 4
        );
        assert_ne!(a, b, "rotation changes the projection");
    }
}
