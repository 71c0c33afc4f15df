//! W as a matrix: the raw weights as a diverging heatmap, features × neurons, symmetric about 0. For
//! `abs` W₁ᵀ beside W₂; for the tied models Wᵀ beside WᵀW (the paper's basic-results figure); then the
//! output bias b as a column with its own scale. Every cell is square; a matrix larger than the figure
//! has pixels is shown a block per cell (the entry of largest magnitude in the block), and WᵀW of a very
//! large model only for its first, most important features, so the cost stays bounded.

use std::sync::Arc;

use super::scene::Cells;
use super::{
    header, header_height, index_labels, text, tick_text, HAlign, Highlight, Key, ModelView, Opts,
    Scene, Shape, Tag, Theme, TypeScale, VAlign, PAD,
};

/// At most this many multiply-adds go into WᵀW (n² m): beyond, WᵀW shows its first k features.
pub const GRAM_BUDGET: usize = 1 << 22;

/// The colour scales of the three matrices (largest |value| of each), shared by a sweep's panels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scales {
    pub first: f32,
    pub second: f32,
    pub b: f32,
}

impl Scales {
    pub fn of(models: &[ModelView]) -> Scales {
        let mut s = Scales {
            first: 0.0,
            second: 0.0,
            b: 0.0,
        };
        for model in models {
            let panels = panels(model);
            s.first = s.first.max(panels[0].largest());
            s.second = s.second.max(panels[1].largest());
            s.b = s.b.max(panels[2].largest());
        }
        s
    }
}

/// One heatmap: `rows` × `cols` values, read in place: entry (r, c) is `values[r·row_step + c·col_step]`
/// (Wᵀ is W read column by column, with no transposed copy of a million weights).
struct Panel<'a> {
    name: &'static str,
    row_name: &'static str,
    col_name: &'static str,
    rows: usize,
    cols: usize,
    values: std::borrow::Cow<'a, [f32]>,
    row_step: usize,
    col_step: usize,
}

impl Panel<'_> {
    fn largest(&self) -> f32 {
        let mut top = 0.0f32;
        for v in self.values.iter() {
            let a = v.abs();
            if a > top && a.is_finite() {
                top = a;
            }
        }
        top
    }

    /// Per displayed cell of `group` × `group` entries: (value, row, column) of its largest |value|.
    /// The entries are visited in memory order, so a million of them cost a few milliseconds.
    fn blocks(&self, group: usize) -> (usize, usize, Vec<(f32, u32, u32)>) {
        let (dr, dc) = (self.rows.div_ceil(group), self.cols.div_ceil(group));
        let mut best: Vec<(f32, u32, u32)> = (0..dr * dc)
            .map(|k| (0.0, ((k / dc) * group) as u32, ((k % dc) * group) as u32))
            .collect();
        let values: &[f32] = &self.values;
        // The largest |value| of a run of entries along the contiguous direction: (value, offset).
        // NaN ranks above every number, so a diverged entry is what its block shows. Selects, not
        // branches: which entry of a run wins is a coin toss the branch predictor loses.
        let key = |v: f32| if v.is_nan() { f32::INFINITY } else { v.abs() };
        let run_max = |from: usize, len: usize, step: usize| {
            let (mut best_key, mut top) = (-1.0f32, (0.0f32, 0usize));
            for k in 0..len {
                let v = values[from + k * step];
                let better = key(v) > best_key;
                best_key = if better { key(v) } else { best_key };
                top = if better { (v, k) } else { top };
            }
            top
        };
        let mut offer = |slot: usize, (v, r, c): (f32, usize, usize)| {
            let b = &mut best[slot];
            if v.abs() > b.0.abs() || (v.is_nan() && !b.0.is_nan()) {
                *b = (v, r as u32, c as u32);
            }
        };
        if self.col_step == 1 || self.cols == 1 {
            for r in 0..self.rows {
                for bc in 0..dc {
                    let c0 = bc * group;
                    let len = group.min(self.cols - c0);
                    let (v, k) =
                        run_max(r * self.row_step + c0 * self.col_step, len, self.col_step);
                    offer((r / group) * dc + bc, (v, r, c0 + k));
                }
            }
        } else {
            // Down the columns of one block column at a time, into a column of bests that stays in
            // cache; then into the row-major result.
            let mut column = vec![(0.0f32, 0u32, 0u32); dr];
            for bc in 0..dc {
                for (br, b) in column.iter_mut().enumerate() {
                    *b = (0.0, (br * group) as u32, (bc * group) as u32);
                }
                for c in bc * group..((bc + 1) * group).min(self.cols) {
                    for (br, b) in column.iter_mut().enumerate() {
                        let r0 = br * group;
                        let len = group.min(self.rows - r0);
                        let (v, k) =
                            run_max(r0 * self.row_step + c * self.col_step, len, self.row_step);
                        if v.abs() > b.0.abs() || (v.is_nan() && !b.0.is_nan()) {
                            *b = (v, (r0 + k) as u32, c as u32);
                        }
                    }
                }
                for (br, b) in column.iter().enumerate() {
                    offer(br * dc + bc, (b.0, b.1 as usize, b.2 as usize));
                }
            }
        }
        (dr, dc, best)
    }
}

/// How many features WᵀW shows for n features and m hidden dimensions.
pub fn gram_features(n: usize, m: usize) -> usize {
    let k = ((GRAM_BUDGET / m.max(1)) as f64).sqrt() as usize;
    n.min(k.max(1))
}

fn panels(model: &ModelView) -> [Panel<'_>; 3] {
    let (n, m) = (model.n, model.m);
    let w = &model.w;
    // Stored m × n (row j = neuron j); shown n × m (row i = feature i).
    fn transposed<'a>(
        name: &'static str,
        data: &'a [f32],
        (n, m): (usize, usize),
        row_name: &'static str,
        col_name: &'static str,
    ) -> Panel<'a> {
        Panel {
            name,
            row_name,
            col_name,
            rows: n,
            cols: m,
            values: std::borrow::Cow::Borrowed(data),
            row_step: 1,
            col_step: n,
        }
    }
    let bias = Panel {
        name: "b",
        row_name: if model.w2_t.is_some() {
            "output"
        } else {
            "feature"
        },
        col_name: "bias",
        rows: n,
        cols: 1,
        values: std::borrow::Cow::Borrowed(&model.b),
        row_step: 1,
        col_step: 0,
    };
    match &model.w2_t {
        Some(w2_t) => [
            transposed("W₁ᵀ", w, (n, m), "feature", "neuron"),
            transposed("W₂", w2_t, (n, m), "output", "neuron"),
            bias,
        ],
        None => {
            let k = gram_features(n, m);
            // The first k columns of W as contiguous rows, then their dot products.
            let cols: Vec<f32> = (0..k)
                .flat_map(|a| (0..m).map(move |j| (a, j)))
                .map(|(a, j)| w[j * n + a])
                .collect();
            let col = |a: usize| &cols[a * m..a * m + m];
            let mut gram = vec![0.0f32; k * k];
            for a in 0..k {
                for c in a..k {
                    let v: f32 = col(a).iter().zip(col(c)).map(|(x, y)| x * y).sum();
                    gram[a * k + c] = v;
                    gram[c * k + a] = v;
                }
            }
            [
                transposed("Wᵀ", w, (n, m), "feature", model.unit()),
                Panel {
                    name: "WᵀW",
                    row_name: "feature",
                    col_name: "feature",
                    rows: k,
                    cols: k,
                    values: std::borrow::Cow::Owned(gram),
                    row_step: k,
                    col_step: 1,
                },
                bias,
            ]
        }
    }
}

fn scale_or_one(s: f32) -> f32 {
    if s.is_finite() && s > 0.0 {
        s
    } else {
        1.0
    }
}

/// The legend: the diverging scale, and the largest |value| s each matrix is scaled to (each has its
/// own, so a small b is not washed out by a large WᵀW).
pub fn legend(model: &ModelView, theme: &Theme, scales: &Scales) -> Vec<Key> {
    let names = if model.w2_t.is_some() {
        ["W₁ᵀ", "W₂", "b"]
    } else {
        ["Wᵀ", "WᵀW", "b"]
    };
    let each: Vec<String> = names
        .iter()
        .zip([scales.first, scales.second, scales.b])
        .map(|(name, s)| format!("{name} {}", tick_text(scale_or_one(s) as f64)))
        .collect();
    let mut keys = vec![
        Key::ramp("weight:", "−s", "+s", |t| {
            theme.weight((2.0 * t - 1.0) as f32, 1.0)
        }),
        Key::note(format!("s: {}", each.join(", "))),
    ];
    let k = gram_features(model.n, model.m);
    if model.w2_t.is_none() && k < model.n {
        keys.push(Key::note(format!(
            "WᵀW: features 0–{} of {} (the most important)",
            k - 1,
            model.n
        )));
    }
    keys
}

pub fn scene(model: &ModelView, width: f64, height: f64, theme: &Theme, opts: &Opts) -> Scene {
    let mut scene = Scene::new(width, height);
    let ty = TypeScale::of(width, height);
    let size = ty.label;
    let n = model.n;
    let panels = panels(model);
    let scales = opts.scales.unwrap_or_else(|| Scales {
        first: panels[0].largest(),
        second: panels[1].largest(),
        b: panels[2].largest(),
    });
    let mut keys = legend(model, theme, &scales);
    let titles: &[&str] = if model.w2_t.is_some() {
        &[
            "W as matrix: W₁ᵀ and W₂ (features × neurons), and b",
            "W₁ᵀ, W₂ and b",
        ]
    } else {
        &[
            "W as matrix: Wᵀ (features × hidden), WᵀW and b",
            "Wᵀ, WᵀW and b",
        ]
    };

    // Square cells: as large as the width and height allow, after the gaps the panel names need.
    let label_h = text::height(size);
    let left = PAD + label_h + 2.0 + text::width(&n.saturating_sub(1).to_string(), size) + 2.0;
    let base_gaps = [size * 1.5, size * 0.8];
    let cols: f64 = panels.iter().map(|p| p.cols as f64).sum();
    let room_w = width - left - PAD - base_gaps.iter().sum::<f64>();
    let fit_cell = |top: f64| {
        let room_h = height - top - PAD - 2.0 * label_h - 4.0;
        (room_w / cols).min(room_h / n as f64).clamp(0.05, 64.0)
    };
    // The legend's height depends on the width only; a first layout tells whether cells are blocks.
    let probe = fit_cell(header_height(&keys, ty, width, opts) + label_h + 2.0);
    if probe < 1.0 {
        keys.push(Key::note("each cell: the largest |value| of its block"));
    }
    let top = header(&mut scene, titles, &keys, ty, theme, opts) + label_h + 2.0;
    let cell = fit_cell(top);
    let gaps = [
        base_gaps[0].max(text::width(panels[0].name, size) - panels[0].cols as f64 * cell + 4.0),
        base_gaps[1].max(text::width(panels[1].name, size) - panels[1].cols as f64 * cell + 4.0),
        0.0,
    ];
    let group = if cell < 1.0 {
        (1.0 / cell).ceil() as usize
    } else {
        1
    };

    // The panels are centred in what width is left over (square cells rarely fill it).
    let used: f64 = panels.iter().map(|p| p.cols as f64 * cell).sum::<f64>() + gaps[0] + gaps[1];
    let shift = ((width - PAD - left - used) / 2.0).max(0.0);
    let left = left + shift;

    // Feature labels down the left side, and the axis title.
    let grid_h = n as f64 * cell;
    let row_step = super::label_step(cell, label_h);
    for i in (0..n).step_by(row_step) {
        scene.try_text(
            left - 3.0,
            top + (i as f64 + 0.5) * cell,
            i.to_string(),
            size,
            HAlign::Right,
            VAlign::Middle,
            theme.muted,
        );
    }
    scene.vertical_text(
        shift + PAD + label_h / 2.0,
        top + grid_h / 2.0,
        panels[0].row_name,
        size,
        theme.muted,
    );

    let shades = super::palette::WeightShades::new(theme);
    let mut x = left;
    for (k, panel) in panels.iter().enumerate() {
        let scale = scale_or_one([scales.first, scales.second, scales.b][k]);
        let (pw, ph) = (panel.cols as f64 * cell, panel.rows as f64 * cell);
        let (dr, dc, entries) = panel.blocks(group);
        let colours = entries
            .iter()
            .map(|&(v, _, _)| shades.of(v, scale))
            .collect();
        // The grid's box covers whole blocks, so that a block is as large as its share of the panel.
        let (gw, gh) = ((dc * group) as f64 * cell, (dr * group) as f64 * cell);
        scene.push(
            Shape::Grid {
                x0: x,
                y0: top,
                x1: x + gw,
                y1: top + gh,
                cols: dc,
                rows: dr,
                colours,
            },
            theme.text,
            Some(Tag::Cells(Arc::new(Cells {
                panel: panel.name,
                row_name: panel.row_name,
                col_name: panel.col_name,
                rows: dr,
                cols: dc,
                block: (group.min(panel.rows.max(1)), group.min(panel.cols.max(1))),
                entries,
            }))),
        );
        match model.highlight {
            Some(Highlight::Feature(i)) if i < panel.rows => {
                let y0 = top + i as f64 * cell;
                super::mark(&mut scene, x, y0, x + pw, y0 + cell, theme);
            }
            Some(Highlight::Neuron(j))
                if matches!(panel.col_name, "neuron" | "hidden dimension") && j < panel.cols =>
            {
                let x0 = x + j as f64 * cell;
                super::mark(&mut scene, x0, top, x0 + cell, top + ph, theme);
            }
            _ => {}
        }
        scene.push(
            Shape::Frame {
                x0: x,
                y0: top,
                x1: x + pw,
                y1: top + ph,
            },
            theme.grid,
            None,
        );
        scene.try_text(
            x,
            top - 2.0,
            panel.name,
            size,
            HAlign::Left,
            VAlign::Bottom,
            theme.text,
        );
        if panel.cols > 1 {
            index_labels(
                &mut scene,
                panel.cols,
                x,
                cell,
                top + ph + 2.0,
                size,
                theme,
                |c| c,
            );
            // "hidden dimension" under a narrow panel is "hidden".
            let short = panel.col_name.split(' ').next().unwrap_or(panel.col_name);
            scene.try_text(
                x + pw / 2.0,
                top + ph + 2.0 + label_h,
                text::fit(&[panel.col_name, short], size, pw + gaps[k]),
                size,
                HAlign::Center,
                VAlign::Top,
                theme.muted,
            );
        }
        x += pw + gaps[k];
    }
    scene
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::{Config, ModelKind};
    use crate::core::model::{Model, Weights};
    use crate::views::{palette::Rgba, scene::to_svg};

    fn cell(scene: &Scene, panel: &str, row: usize, col: usize) -> (Rgba, f32, (f64, f64)) {
        for it in &scene.items {
            if let (
                Shape::Grid {
                    x0,
                    y0,
                    x1,
                    y1,
                    colours,
                    ..
                },
                Some(Tag::Cells(c)),
            ) = (&it.shape, &it.tag)
            {
                if c.panel != panel {
                    continue;
                }
                let k = c
                    .entries
                    .iter()
                    .position(|e| (e.1 as usize, e.2 as usize) == (row, col))
                    .unwrap();
                let (r, cc) = (k / c.cols, k % c.cols);
                let centre = (
                    x0 + (cc as f64 + 0.5) * (x1 - x0) / c.cols as f64,
                    y0 + (r as f64 + 0.5) * (y1 - y0) / c.rows as f64,
                );
                return (colours[k], c.entries[k].0, centre);
            }
        }
        panic!("no panel {panel}")
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
        let scene = scene(&view, 500.0, 300.0, &theme, &Opts::default());
        for i in 0..5 {
            for j in 0..3 {
                let (c, v, _) = cell(&scene, "W₁ᵀ", i, j);
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
        let (c, _, _) = cell(&scene, "W₁ᵀ", k % 5, k / 5);
        assert_eq!(c, theme.weight(top.signum(), 1.0));
        // Hovering the middle of a cell reports that cell.
        let (_, v, (x, y)) = cell(&scene, "W₂", 2, 1);
        let hit = &scene.pick(x, y)[0];
        assert_eq!(
            hit,
            &Tag::Cell {
                panel: "W₂",
                row_name: "output",
                col_name: "neuron",
                row: 2,
                col: 1,
                value: v,
                of: 1
            }
        );
        assert_eq!(v, params[15 + 5 + 2], "W₂[2][1] = W₂ᵀ[1][2]");
        let svg = to_svg(&scene, theme.background, None);
        assert!(svg.contains(&c.hex()));
    }

    #[test]
    fn tied_models_show_a_square_w_transpose_w_and_b_on_its_own_scale() {
        let config = Config {
            model: ModelKind::ReluOutput,
            n: 20,
            m: 5,
            ..Config::default()
        };
        let model = Model::new(&config);
        let mut params = model.init(1);
        params[model.layout().b.0 + 3] = 0.05;
        let view = ModelView::from_weights(&Weights::new(&model, &params), 0.1);
        let theme = Theme::DARK;
        let scene = scene(&view, 560.0, 400.0, &theme, &Opts::default());
        let (_, wtw, _) = cell(&scene, "WᵀW", 1, 3);
        let expect: f32 = (0..5)
            .map(|j| params[j * 20 + 1] * params[j * 20 + 3])
            .sum();
        assert_eq!(wtw, expect);
        // b's colour comes from b's own largest value: its only nonzero entry is full red.
        let (colour, b, _) = cell(&scene, "b", 3, 0);
        assert_eq!(b, 0.05);
        assert_eq!(colour, theme.weight(1.0, 1.0));
        // WᵀW is square: as many px wide as tall.
        let gram = scene
            .items
            .iter()
            .find_map(|it| match (&it.shape, &it.tag) {
                (Shape::Grid { x0, y0, x1, y1, .. }, Some(Tag::Cells(c))) if c.panel == "WᵀW" => {
                    Some((x1 - x0, y1 - y0))
                }
                _ => None,
            })
            .unwrap();
        assert!((gram.0 - gram.1).abs() < 1e-9, "{gram:?}");
        let texts: Vec<String> = scene
            .items
            .iter()
            .filter_map(|it| match &it.shape {
                Shape::Text { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect();
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("s: ") && t.ends_with(", b 0.05")),
            "b has its own scale: {texts:?}"
        );
    }

    #[test]
    fn a_large_matrix_is_drawn_a_block_per_pixel_and_hover_names_the_block_s_largest_entry() {
        let config = Config {
            model: ModelKind::Abs,
            n: 1000,
            m: 1000,
            ..Config::default()
        };
        let model = Model::new(&config);
        let params = model.init(2);
        let view = ModelView::from_weights(&Weights::new(&model, &params), 0.1);
        let scene = scene(&view, 560.0, 400.0, &Theme::LIGHT, &Opts::default());
        assert!(scene.items.len() < 2000, "{} items", scene.items.len());
        let (x, y, cells) = scene
            .items
            .iter()
            .find_map(|it| match (&it.shape, &it.tag) {
                (Shape::Grid { x0, y0, .. }, Some(Tag::Cells(c))) if c.panel == "W₁ᵀ" => {
                    Some((*x0, *y0, c.clone()))
                }
                _ => None,
            })
            .unwrap();
        assert!(
            cells.rows * cells.cols <= 560 * 400,
            "at most a cell per pixel"
        );
        let (g, _) = cells.block;
        assert!(g > 1);
        let Tag::Cell {
            row,
            col,
            value,
            of,
            ..
        } = scene.pick(x + 0.01, y + 0.01)[0].clone()
        else {
            panic!()
        };
        assert_eq!(of, g * g);
        let block_max = (0..g)
            .flat_map(|r| (0..g).map(move |c| (r, c)))
            .map(|(r, c)| params[c * 1000 + r])
            .fold(0.0f32, |a, v| if v.abs() > a.abs() { v } else { a });
        assert_eq!(value, block_max);
        assert_eq!(value, params[col * 1000 + row]);
    }
}
