//! W as a matrix: the raw weights as a diverging heatmap, features × neurons, symmetric about 0. For
//! `abs` W₁ᵀ beside W₂; for the tied models Wᵀ beside WᵀW with b as an extra column (the paper's
//! basic-results figure).

use super::{
    colour_bar, label_step, tick_text, title, HAlign, ModelView, Scene, Tag, Theme, VAlign, LABEL,
};

/// One heatmap: `rows` × `cols` values read through `at`.
struct Panel<'a> {
    name: &'static str,
    row_name: &'static str,
    col_name: &'static str,
    rows: usize,
    cols: usize,
    at: Box<dyn Fn(usize, usize) -> f32 + 'a>,
    /// An extra column after a gap (b beside WᵀW).
    extra: Option<(&'static str, &'a [f32])>,
}

impl Panel<'_> {
    fn scale(&self) -> f32 {
        let mut s = 0.0f32;
        for r in 0..self.rows {
            for c in 0..self.cols {
                s = s.max((self.at)(r, c).abs());
            }
        }
        if let Some((_, v)) = self.extra {
            s = v.iter().fold(s, |s, x| s.max(x.abs()));
        }
        if s.is_finite() && s > 0.0 {
            s
        } else {
            1.0
        }
    }

    fn width_in_cells(&self) -> f64 {
        self.cols as f64 + if self.extra.is_some() { 1.5 } else { 0.0 }
    }
}

pub fn scene(model: &ModelView, width: f64, height: f64, theme: &Theme) -> Scene {
    let mut scene = Scene::new(width, height);
    let (n, m) = (model.n, model.m);
    let w = &model.w;
    let panels: Vec<Panel> = match &model.w2_t {
        Some(w2_t) => vec![
            Panel {
                name: "W₁ᵀ",
                row_name: "feature",
                col_name: "neuron",
                rows: n,
                cols: m,
                at: Box::new(move |i, j| w[j * n + i]),
                extra: None,
            },
            Panel {
                name: "W₂",
                row_name: "output",
                col_name: "neuron",
                rows: n,
                cols: m,
                at: Box::new(move |i, j| w2_t[j * n + i]),
                extra: None,
            },
        ],
        None => vec![
            Panel {
                name: "Wᵀ",
                row_name: "feature",
                col_name: "neuron",
                rows: n,
                cols: m,
                at: Box::new(move |i, j| w[j * n + i]),
                extra: None,
            },
            Panel {
                name: "WᵀW",
                row_name: "feature",
                col_name: "feature",
                rows: n,
                cols: n,
                at: Box::new(move |i, k| (0..m).map(|j| w[j * n + i] * w[j * n + k]).sum()),
                extra: Some(("b", &model.b)),
            },
        ],
    };
    let heading = if model.w2_t.is_some() {
        "W as matrix: W₁ᵀ and W₂ (features × neurons)"
    } else {
        "W as matrix: Wᵀ (features × neurons) and WᵀW | b"
    };
    title(&mut scene, heading, theme);

    let (left, top, gap, bottom) = (40.0, 42.0, 28.0, 46.0);
    let cells_wide: f64 = panels.iter().map(Panel::width_in_cells).sum();
    let avail_w = width - left - 8.0 - gap * (panels.len() - 1) as f64;
    let avail_h = height - top - bottom;
    // Cells fill the area, square when they can be, at most 3:1 either way.
    let (mut cell_w, mut cell_h) = (
        (avail_w / cells_wide).clamp(0.5, 48.0),
        (avail_h / n as f64).clamp(0.5, 48.0),
    );
    cell_w = cell_w.min(3.0 * cell_h);
    cell_h = cell_h.min(3.0 * cell_w);
    let grid_h = cell_h * n as f64;

    // Feature labels down the left side, and the axis title.
    let step = label_step(cell_h, LABEL + 2.0);
    for i in (0..n).step_by(step) {
        let y = top + (i as f64 + 0.5) * cell_h;
        scene.text(
            left - 4.0,
            y,
            i.to_string(),
            LABEL,
            HAlign::Right,
            VAlign::Middle,
            theme.muted,
        );
    }
    scene.vertical_text(
        10.0,
        top + grid_h / 2.0,
        panels[0].row_name,
        LABEL,
        theme.muted,
    );

    let mut x = left;
    for panel in &panels {
        let scale = panel.scale();
        // The cells as one grid (the page paints it as a single scaled image); every cell is also an
        // invisible shape that answers hovering.
        let colours = (0..panel.rows * panel.cols)
            .map(|k| theme.weight((panel.at)(k / panel.cols, k % panel.cols), scale))
            .collect();
        scene.push(
            super::Shape::Grid {
                x0: x,
                y0: top,
                x1: x + panel.cols as f64 * cell_w,
                y1: top + grid_h,
                cols: panel.cols,
                rows: panel.rows,
                colours,
            },
            theme.text,
            None,
        );
        for r in 0..panel.rows {
            let y0 = top + r as f64 * cell_h;
            for c in 0..panel.cols {
                let v = (panel.at)(r, c);
                let x0 = x + c as f64 * cell_w;
                let tag = Tag::Cell {
                    panel: panel.name,
                    row_name: panel.row_name,
                    col_name: panel.col_name,
                    row: r,
                    col: c,
                    value: v,
                };
                let invisible = theme.weight(v, scale).alpha(0.0);
                scene.rect(x0, y0, x0 + cell_w, y0 + cell_h, invisible, Some(tag));
            }
        }
        let panel_w = panel.cols as f64 * cell_w;
        match model.highlight {
            Some(super::Highlight::Feature(i)) if i < panel.rows => {
                let y0 = top + i as f64 * cell_h;
                super::mark(&mut scene, x, y0, x + panel_w, y0 + cell_h, theme);
            }
            Some(super::Highlight::Neuron(j)) if panel.col_name == "neuron" && j < panel.cols => {
                let x0 = x + j as f64 * cell_w;
                super::mark(&mut scene, x0, top, x0 + cell_w, top + grid_h, theme);
            }
            _ => {}
        }
        scene.push(
            super::Shape::Frame {
                x0: x,
                y0: top,
                x1: x + panel_w,
                y1: top + grid_h,
            },
            theme.grid,
            None,
        );
        // Column labels and the panel's name.
        let col_step = label_step(cell_w, 16.0);
        for c in (0..panel.cols).step_by(col_step) {
            let cx = x + (c as f64 + 0.5) * cell_w;
            scene.text(
                cx,
                top + grid_h + 3.0,
                c.to_string(),
                LABEL,
                HAlign::Center,
                VAlign::Top,
                theme.muted,
            );
        }
        scene.text(
            x,
            top - 3.0,
            panel.name,
            LABEL + 1.0,
            HAlign::Left,
            VAlign::Bottom,
            theme.text,
        );
        let mut right = x + panel_w;
        if let Some((name, values)) = panel.extra {
            let ex = x + panel_w + 0.5 * cell_w;
            for (r, &v) in values.iter().enumerate() {
                let y0 = top + r as f64 * cell_h;
                let tag = Tag::Cell {
                    panel: name,
                    row_name: panel.row_name,
                    col_name: "bias",
                    row: r,
                    col: 0,
                    value: v,
                };
                scene.rect(
                    ex,
                    y0,
                    ex + cell_w,
                    y0 + cell_h,
                    theme.weight(v, scale),
                    Some(tag),
                );
            }
            scene.text(
                ex + cell_w / 2.0,
                top - 3.0,
                name,
                LABEL + 1.0,
                HAlign::Center,
                VAlign::Bottom,
                theme.text,
            );
            right = ex + cell_w;
        }
        // The colour bar of this panel's symmetric scale.
        let bar_w = (right - x).clamp(100.0, 160.0);
        let s = tick_text(scale as f64);
        colour_bar(
            &mut scene,
            x,
            top + grid_h + 18.0,
            bar_w,
            &format!("−{s}"),
            "0",
            &format!("+{s}"),
            |t| theme.weight((2.0 * t - 1.0) as f32, 1.0),
            theme,
        );
        x = right + gap;
    }
    scene
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::{Config, ModelKind};
    use crate::core::model::{Model, Weights};
    use crate::views::{palette::Rgba, scene::to_svg};

    fn cell_colour(scene: &Scene, panel: &str, row: usize, col: usize) -> (Rgba, f32) {
        scene
            .items
            .iter()
            .find_map(|it| match &it.tag {
                Some(Tag::Cell {
                    panel: p,
                    row: r,
                    col: c,
                    value,
                    ..
                }) if *p == panel && *r == row && *c == col => Some((it.color.alpha(1.0), *value)),
                _ => None,
            })
            .unwrap()
    }

    #[test]
    fn each_cell_has_the_colour_of_its_values_sign_and_size() {
        let config = Config {
            model: ModelKind::Abs,
            n: 5,
            m: 3,
            ..Config::default()
        };
        let model = Model::new(&config);
        let params = model.init(4);
        let view = ModelView::from_weights(&Weights::new(&model, &params), 0.1);
        let theme = Theme::LIGHT;
        let scene = scene(&view, 500.0, 300.0, &theme);
        let cells = scene
            .items
            .iter()
            .filter(|it| matches!(it.tag, Some(Tag::Cell { .. })))
            .count();
        assert_eq!(cells, 2 * 5 * 3, "W₁ᵀ and W₂, every entry");
        for i in 0..5 {
            for j in 0..3 {
                let (c, v) = cell_colour(&scene, "W₁ᵀ", i, j);
                assert_eq!(v, params[j * 5 + i], "cell (i, j) shows W₁[j][i]");
                if v > 0.0 {
                    assert!(c.r > c.b, "positive is red: {c:?} for {v}");
                } else if v < 0.0 {
                    assert!(c.b > c.r, "negative is blue: {c:?} for {v}");
                }
            }
        }
        // The largest |value| of a panel has the full colour of its sign; the scale is symmetric.
        let top = (0..15)
            .map(|k| params[k])
            .fold(0.0f32, |a, v| if v.abs() > a.abs() { v } else { a });
        let k = (0..15).find(|&k| params[k] == top).unwrap();
        let (c, _) = cell_colour(&scene, "W₁ᵀ", k % 5, k / 5);
        assert_eq!(c, theme.weight(top.signum(), 1.0));
        // Hovering the middle of a cell reports that cell.
        let hit = scene
            .items
            .iter()
            .find(|it| {
                matches!(
                    &it.tag,
                    Some(Tag::Cell {
                        panel: "W₂",
                        row: 2,
                        col: 1,
                        ..
                    })
                )
            })
            .unwrap();
        let super::super::Shape::Rect { x0, y0, x1, y1 } = hit.shape else {
            panic!()
        };
        assert_eq!(
            scene.pick((x0 + x1) / 2.0, (y0 + y1) / 2.0)[0],
            hit.tag.as_ref().unwrap()
        );
        // What is drawn there has that cell's colour: W₂'s grid, row 2, column 1.
        let hit_colour = hit.color.alpha(1.0);
        let grids: Vec<&Vec<super::super::Rgba>> = scene
            .items
            .iter()
            .filter_map(|it| match &it.shape {
                super::super::Shape::Grid { colours, .. } => Some(colours),
                _ => None,
            })
            .collect();
        assert_eq!(grids.len(), 2);
        let drawn = (grids[1][2 * 3 + 1] == hit_colour).then_some(());
        assert!(drawn.is_some(), "the cell is painted in its colour");
        let svg = to_svg(&scene, theme.background);
        assert!(svg.contains(&c.hex()));
    }

    #[test]
    fn tied_models_show_w_transpose_w_with_the_bias_column() {
        let config = Config {
            model: ModelKind::ReluOutput,
            n: 4,
            m: 2,
            ..Config::default()
        };
        let model = Model::new(&config);
        let mut params = model.init(1);
        params[model.layout().b.0 + 3] = 0.25;
        let view = ModelView::from_weights(&Weights::new(&model, &params), 0.1);
        let scene = scene(&view, 500.0, 300.0, &Theme::DARK);
        let (_, wtw) = cell_colour(&scene, "WᵀW", 1, 3);
        let expect: f32 = (0..2).map(|j| params[j * 4 + 1] * params[j * 4 + 3]).sum();
        assert_eq!(wtw, expect);
        let (_, b) = cell_colour(&scene, "b", 3, 0);
        assert_eq!(b, 0.25);
    }
}
