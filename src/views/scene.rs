//! A view is laid out once as a scene: a list of shapes in CSS pixels, each with what it shows. The same
//! scene is drawn on any plotters backend (canvas, SVG, bitmap) and answers "what is under this point?"
//! for hovering, so what a reader sees and what the page reports can never disagree. The scene also
//! knows the box of every text (from `text::width`), so labels are placed only where they stay clear of
//! each other and inside the figure.

use std::f64::consts::FRAC_1_SQRT_2;
use std::ops::Range;
use std::sync::Arc;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontDesc, FontFamily, FontStyle, FontTransform};
use plotters_backend::DrawingErrorKind;

use super::palette::Rgba;
use super::text;

#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    Rect {
        x0: f64,
        y0: f64,
        x1: f64,
        y1: f64,
    },
    /// An outline rectangle.
    Frame {
        x0: f64,
        y0: f64,
        x1: f64,
        y1: f64,
    },
    Line {
        x0: f64,
        y0: f64,
        x1: f64,
        y1: f64,
        width: f64,
    },
    Path {
        points: Vec<(f64, f64)>,
        width: f64,
    },
    Circle {
        x: f64,
        y: f64,
        r: f64,
    },
    Polygon {
        points: Vec<(f64, f64)>,
    },
    /// A heatmap: `rows` × `cols` equal cells filling the box, colours row by row. The page paints it as
    /// one scaled image, so its cost does not grow with the number of cells.
    Grid {
        x0: f64,
        y0: f64,
        x1: f64,
        y1: f64,
        cols: usize,
        rows: usize,
        colours: Vec<Rgba>,
    },
    Text {
        x: f64,
        y: f64,
        text: String,
        size: f64,
        h: HAlign,
        v: VAlign,
        /// Rotated a quarter turn anticlockwise (vertical axis titles).
        vertical: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HAlign {
    Left,
    Center,
    Right,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VAlign {
    Top,
    Middle,
    Bottom,
}

/// An axis-aligned box in CSS px: (x0, y0, x1, y1).
pub type Bounds = (f64, f64, f64, f64);

fn overlaps(a: Bounds, b: Bounds) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// The values behind a heatmap, for hovering: what each displayed cell shows. A cell may stand for a
/// block of entries (large matrices are shown at most a cell per pixel); it then shows the entry of
/// largest magnitude in the block, and `entries` says which one that is.
#[derive(Clone, Debug, PartialEq)]
pub struct Cells {
    pub panel: &'static str,
    pub row_name: &'static str,
    pub col_name: &'static str,
    /// Displayed rows and columns.
    pub rows: usize,
    pub cols: usize,
    /// Entries of the matrix per displayed row and column.
    pub block: (usize, usize),
    /// Per displayed cell, row by row: (value, row, column) of the entry it shows.
    pub entries: Vec<(f32, u32, u32)>,
}

/// A neuron's (or hidden dimension's) readout: what the hover says about its whole column.
#[derive(Clone, Debug, PartialEq)]
pub struct NeuronReadout {
    pub neuron: usize,
    /// Whether the model has a ReLU on h: without it a hidden dimension has no privileged basis, and
    /// "monosemantic" means nothing.
    pub hidden_relu: bool,
    pub top_feature: usize,
    pub top_weight: f32,
    /// Features it carries (docs/science.md, "Neurons": weight ≥ 0.2 of its strongest drive).
    pub features: usize,
    pub monosemanticity: f32,
    pub monosemantic: bool,
    /// Cannot move any output (input→output gain under `metrics::DEAD_GAIN`).
    pub dead: bool,
    /// The model's inputs take both signs (`abs`): a neuron then has a "positive" or "negative" side.
    pub signed_inputs: bool,
}

/// What a shape shows, in the paper's terms: the answer to hovering over it.
#[derive(Clone, Debug, PartialEq)]
pub enum Tag {
    /// A matrix cell: `panel` names the matrix (e.g. "W₁ᵀ"), `row` and `col` index it. `of` > 1 when the
    /// cell shows the largest of a block of `of` entries.
    Cell {
        panel: &'static str,
        row_name: &'static str,
        col_name: &'static str,
        row: usize,
        col: usize,
        value: f32,
        of: usize,
    },
    /// A whole heatmap; picking it answers with the `Cell` under the point.
    Cells(Arc<Cells>),
    /// One feature's weight in a neuron's stack (`unit`: "neuron" or "hidden dimension").
    Weight {
        unit: &'static str,
        neuron: usize,
        feature: usize,
        weight: f32,
    },
    /// The small weights of a neuron, stacked together in grey.
    Rest {
        unit: &'static str,
        neuron: usize,
        count: usize,
        total: f32,
    },
    /// A neuron column (its background).
    Neuron(NeuronReadout),
    /// A graph edge: `layer` 1 is input feature → neuron, 2 is neuron → output feature; `matrix` names
    /// the weight ("W", "Wᵀ", "W₁", "W₂") and `unit` the middle column ("neuron", "hidden dimension").
    Edge {
        layer: u8,
        matrix: &'static str,
        unit: &'static str,
        neuron: usize,
        feature: usize,
        weight: f32,
    },
    /// A graph node.
    Node { kind: &'static str, index: usize },
    /// A feature's bar: ‖Wᵢ‖ and its superposition.
    Feature {
        feature: usize,
        norm: f32,
        superposition: f32,
    },
    /// A feature's direction Wᵢ in the hidden space (its first `m` coordinates are meaningful).
    Arrow {
        feature: usize,
        w: [f32; 3],
        m: usize,
        norm: f32,
    },
    /// A point of the loss curve.
    Loss { step: u64, loss: f32 },
    /// A feature's dimensionality at one density.
    Dimensionality {
        feature: usize,
        density: f32,
        value: f32,
    },
    /// One panel of a sweep.
    Panel { index: usize, density: f32 },
    /// A point of a learning-dynamics line: feature or neuron `index` at `step`, `what` it measures.
    Series {
        kind: &'static str,
        index: usize,
        step: u64,
        value: f32,
        what: &'static str,
    },
    /// One setting of a sweep in the neuron phase-change figure: its neurons by class and, for `abs`,
    /// the features it computes (of n).
    Phase {
        label: String,
        monosemantic: usize,
        polysemantic: usize,
        dead: usize,
        computed: Option<(usize, usize)>,
    },
}

impl Tag {
    /// A plain-words description for the page's hover readout.
    pub fn describe(&self) -> String {
        let w = |i: usize| format!("W{}", text::subscript(i));
        match self {
            Tag::Cell {
                panel,
                row_name,
                col_name,
                row,
                col,
                value,
                of,
            } => {
                let block = if *of > 1 {
                    format!(" (the largest |value| of the {of} entries this cell shows)")
                } else {
                    String::new()
                };
                format!("{panel}: {row_name} {row}, {col_name} {col} = {value:.4}{block}")
            }
            Tag::Cells(c) => format!("{}: {} × {} cells", c.panel, c.rows, c.cols),
            Tag::Weight {
                unit,
                neuron,
                feature,
                weight,
            } => format!("{unit} {neuron}, feature {feature}: weight {weight:.4}"),
            Tag::Rest {
                unit,
                neuron,
                count,
                total,
            } => format!(
                "{unit} {neuron}: {count} small weight{} (under {:.0}% of its largest, or too small to \
                 draw), Σ|w| = {total:.4}",
                if *count == 1 { "" } else { "s" },
                crate::core::metrics::CARRIED * 100.0
            ),
            Tag::Neuron(r) => r.describe(),
            Tag::Edge {
                layer,
                matrix,
                unit,
                neuron,
                feature,
                weight,
            } => {
                if *layer == 1 {
                    format!("feature {feature} → {unit} {neuron}: {matrix} weight {weight:.4}")
                } else {
                    format!("{unit} {neuron} → output {feature}: {matrix} weight {weight:.4}")
                }
            }
            Tag::Node { kind, index } => format!("{kind} {index}"),
            Tag::Feature {
                feature,
                norm,
                superposition,
            } => format!(
                "feature {feature}: ‖{}‖ = {norm:.3}, superposition {superposition:.3}",
                w(*feature)
            ),
            Tag::Arrow {
                feature,
                w: v,
                m,
                norm,
            } => {
                let coords: Vec<String> = v[..(*m).clamp(1, 3)]
                    .iter()
                    .map(|c| format!("{c:.3}"))
                    .collect();
                format!(
                    "feature {feature}: {} = ({}), ‖{}‖ = {norm:.3}",
                    w(*feature),
                    coords.join(", "),
                    w(*feature)
                )
            }
            Tag::Loss { step, loss } => format!("step {step}: loss {loss:.4e}"),
            Tag::Dimensionality {
                feature,
                density,
                value,
            } => format!(
                "feature {feature} at 1−S = {density}: D{} = {value:.3}",
                text::subscript(*feature)
            ),
            Tag::Panel { index, density } => format!("panel {index}: 1−S = {density}"),
            Tag::Series {
                kind,
                index,
                step,
                value,
                what,
            } => format!("{kind} {index} at step {step}: {what} = {value:.3}"),
            Tag::Phase {
                label,
                monosemantic,
                polysemantic,
                dead,
                computed,
            } => {
                let mut s = format!(
                    "{label}: {monosemantic} monosemantic, {polysemantic} polysemantic, {dead} dead of {} neurons",
                    monosemantic + polysemantic + dead
                );
                if let Some((k, n)) = computed {
                    s.push_str(&format!("; {k} of {n} features computed"));
                }
                s
            }
        }
    }
}

impl NeuronReadout {
    pub fn describe(&self) -> String {
        let j = self.neuron;
        let (i, w) = (self.top_feature, self.top_weight);
        if !self.hidden_relu {
            return format!(
                "hidden dimension {j} (no ReLU on h, so no privileged basis): its largest weight is \
                 from feature {i}, {w:.3}"
            );
        }
        if self.dead {
            return format!(
                "neuron {j}: dead, it cannot move any output (largest |w| {:.3}, from feature {i})",
                w.abs()
            );
        }
        let share = format!("max|w|/‖w‖ = {:.3}", self.monosemanticity);
        if self.monosemantic {
            let side = match (self.signed_inputs, w > 0.0) {
                (true, true) => format!(", the positive side ReLU(x{})", text::subscript(i)),
                (true, false) => format!(", the negative side ReLU(−x{})", text::subscript(i)),
                _ => String::new(),
            };
            format!("neuron {j}: monosemantic, reads feature {i}{side} ({share})")
        } else {
            format!(
                "neuron {j}: polysemantic, {} feature{} can switch it on (weight ≥ 20% of its strongest, \
                 from feature {i}); {share}",
                self.features,
                if self.features == 1 { "" } else { "s" }
            )
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub shape: Shape,
    pub color: Rgba,
    pub tag: Option<Tag>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scene {
    pub width: f64,
    pub height: f64,
    pub items: Vec<Item>,
}

/// The box a text shape takes (see `text::width`), or None for other shapes.
pub fn text_bounds(shape: &Shape) -> Option<Bounds> {
    let Shape::Text {
        x,
        y,
        text: t,
        size,
        h,
        v,
        vertical,
    } = shape
    else {
        return None;
    };
    let (along, across) = (text::width(t, *size), text::height(*size));
    let start = |align: HAlign, at: f64| match align {
        HAlign::Left => at,
        HAlign::Center => at - along / 2.0,
        HAlign::Right => at - along,
    };
    let top = |align: VAlign, at: f64| match align {
        VAlign::Top => at - (across - size) / 2.0,
        VAlign::Middle => at - across / 2.0,
        VAlign::Bottom => at - size - (across - size) / 2.0,
    };
    Some(if *vertical {
        // Read bottom to top, centred on (x, y).
        (
            x - across / 2.0,
            y - along / 2.0,
            x + across / 2.0,
            y + along / 2.0,
        )
    } else {
        let (x0, y0) = (start(*h, *x), top(*v, *y));
        (x0, y0, x0 + along, y0 + across)
    })
}

/// How the backend places text, so that one scene looks the same on each: plotters' SVG backend writes
/// `font-size` as size / 1.24, and its bitmap backend scales glyphs by their line height, not the em.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextMode {
    Canvas,
    Svg,
    Bitmap,
}

/// DejaVu Sans's line height in ems ((ascent + descent) / units per em), what ab_glyph scales by.
const LINE_EMS: f64 = (1901.0 + 483.0) / 2048.0;
/// The baseline below the point of a text drawn with textBaseline "top", in ems, as Chromium puts it
/// for DejaVu Sans (measured with measureText: 'H' tops out 0.01 em below the point, and its cap height
/// is 0.729 em); "middle" and "bottom" are half an em and an em above that.
const BASELINE_EMS: f64 = 0.74;

impl Scene {
    pub fn new(width: f64, height: f64) -> Scene {
        Scene {
            width,
            height,
            items: Vec::new(),
        }
    }

    pub fn push(&mut self, shape: Shape, color: Rgba, tag: Option<Tag>) {
        self.items.push(Item { shape, color, tag });
    }

    pub fn rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, color: Rgba, tag: Option<Tag>) {
        let (x0, x1) = (x0.min(x1), x0.max(x1));
        let (y0, y1) = (y0.min(y1), y0.max(y1));
        self.push(Shape::Rect { x0, y0, x1, y1 }, color, tag);
    }

    pub fn line(&mut self, from: (f64, f64), to: (f64, f64), width: f64, color: Rgba) {
        self.push(
            Shape::Line {
                x0: from.0,
                y0: from.1,
                x1: to.0,
                y1: to.1,
                width,
            },
            color,
            None,
        );
    }

    /// A dashed line: dashes of `dash` px with gaps of the same length.
    pub fn dashed(&mut self, from: (f64, f64), to: (f64, f64), width: f64, dash: f64, color: Rgba) {
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        let len = (dx * dx + dy * dy).sqrt();
        let drawable = len > 0.0 && dash > 0.0 && len.is_finite();
        if !drawable {
            return;
        }
        let count = (len / (2.0 * dash)).ceil().min(500.0) as usize;
        for k in 0..count {
            let (t0, t1) = (
                (2 * k) as f64 * dash / len,
                (((2 * k + 1) as f64 * dash) / len).min(1.0),
            );
            self.line(
                (from.0 + t0 * dx, from.1 + t0 * dy),
                (from.0 + t1 * dx, from.1 + t1 * dy),
                width,
                color,
            );
        }
    }

    fn text_shape(x: f64, y: f64, text: String, size: f64, h: HAlign, v: VAlign) -> Shape {
        Shape::Text {
            x,
            y,
            text,
            size,
            h,
            v,
            vertical: false,
        }
    }

    /// Adds a text wherever it is asked for (titles and legends, laid out so they cannot collide).
    #[allow(clippy::too_many_arguments)]
    pub fn text(
        &mut self,
        x: f64,
        y: f64,
        text: impl Into<String>,
        size: f64,
        h: HAlign,
        v: VAlign,
        color: Rgba,
    ) {
        self.push(Self::text_shape(x, y, text.into(), size, h, v), color, None);
    }

    /// Adds a text only if its box stays inside the figure and clear of every text already placed;
    /// returns whether it did. Tick labels, indices and arrow labels go through here, so that crowded
    /// axes drop labels instead of overprinting them (hovering still names every element).
    #[allow(clippy::too_many_arguments)]
    pub fn try_text(
        &mut self,
        x: f64,
        y: f64,
        text: impl Into<String>,
        size: f64,
        h: HAlign,
        v: VAlign,
        color: Rgba,
    ) -> bool {
        let shape = Self::text_shape(x, y, text.into(), size, h, v);
        if self.is_free(text_bounds(&shape).unwrap()) {
            self.push(shape, color, None);
            true
        } else {
            false
        }
    }

    /// Like `try_text`, on a halo: a patch of the background behind the text, so a label stays
    /// readable on top of lines (graph nodes).
    #[allow(clippy::too_many_arguments)]
    pub fn try_text_on_halo(
        &mut self,
        x: f64,
        y: f64,
        text: impl Into<String>,
        size: f64,
        h: HAlign,
        v: VAlign,
        color: Rgba,
        background: Rgba,
    ) -> bool {
        let shape = Self::text_shape(x, y, text.into(), size, h, v);
        let b = text_bounds(&shape).unwrap();
        if !self.is_free(b) {
            return false;
        }
        let pad = size * 0.1;
        self.rect(
            b.0 + pad,
            b.1 + pad,
            b.2 - pad,
            b.3 - pad,
            background.alpha(0.85),
            None,
        );
        self.push(shape, color, None);
        true
    }

    /// Whether `b` is inside the figure and clear of every text box.
    pub fn is_free(&self, b: Bounds) -> bool {
        b.0 >= 0.0
            && b.1 >= 0.0
            && b.2 <= self.width
            && b.3 <= self.height
            && !self.text_boxes().any(|t| overlaps(t, b))
    }

    /// The boxes of every text in the scene.
    pub fn text_boxes(&self) -> impl Iterator<Item = Bounds> + '_ {
        self.items.iter().filter_map(|it| text_bounds(&it.shape))
    }

    pub fn vertical_text(
        &mut self,
        x: f64,
        y: f64,
        text: impl Into<String>,
        size: f64,
        color: Rgba,
    ) {
        self.push(
            Shape::Text {
                x,
                y,
                text: text.into(),
                size,
                h: HAlign::Center,
                v: VAlign::Middle,
                vertical: true,
            },
            color,
            None,
        );
    }

    /// Adds another scene's items, shifted by (dx, dy): a panel of small multiples.
    pub fn append(&mut self, other: Scene, dx: f64, dy: f64) {
        let mv = |x: &mut f64, y: &mut f64| {
            *x += dx;
            *y += dy;
        };
        for mut item in other.items {
            match &mut item.shape {
                Shape::Rect { x0, y0, x1, y1 }
                | Shape::Frame { x0, y0, x1, y1 }
                | Shape::Line { x0, y0, x1, y1, .. }
                | Shape::Grid { x0, y0, x1, y1, .. } => {
                    mv(x0, y0);
                    mv(x1, y1);
                }
                Shape::Path { points, .. } | Shape::Polygon { points } => {
                    for (x, y) in points.iter_mut() {
                        mv(x, y);
                    }
                }
                Shape::Circle { x, y, .. } | Shape::Text { x, y, .. } => mv(x, y),
            }
            self.items.push(item);
        }
    }

    /// The tags of the shapes under (x, y), topmost first. Lines count within 4 px of their centre line,
    /// circles within their radius plus 3 px; a heatmap answers with the cell under the point.
    pub fn pick(&self, x: f64, y: f64) -> Vec<Tag> {
        let mut hits: Vec<(f64, Tag)> = vec![];
        for (k, item) in self.items.iter().enumerate().rev() {
            let Some(tag) = &item.tag else { continue };
            // Rank: topmost first for areas; for lines, the nearest, then the topmost.
            let order = -(k as f64) * 1e-9;
            match &item.shape {
                Shape::Rect { x0, y0, x1, y1 } | Shape::Frame { x0, y0, x1, y1 } => {
                    if x >= *x0 && x <= *x1 && y >= *y0 && y <= *y1 {
                        hits.push((order, tag.clone()));
                    }
                }
                Shape::Grid { x0, y0, x1, y1, .. } => {
                    if x >= *x0 && x < *x1 && y >= *y0 && y < *y1 {
                        let cell = match tag {
                            Tag::Cells(c) if c.rows > 0 && c.cols > 0 => {
                                let r = (((y - y0) / (y1 - y0) * c.rows as f64) as usize)
                                    .min(c.rows - 1);
                                let col = (((x - x0) / (x1 - x0) * c.cols as f64) as usize)
                                    .min(c.cols - 1);
                                let (value, row, column) = c.entries[r * c.cols + col];
                                Tag::Cell {
                                    panel: c.panel,
                                    row_name: c.row_name,
                                    col_name: c.col_name,
                                    row: row as usize,
                                    col: column as usize,
                                    value,
                                    of: c.block.0 * c.block.1,
                                }
                            }
                            other => other.clone(),
                        };
                        hits.push((order, cell));
                    }
                }
                Shape::Line {
                    x0,
                    y0,
                    x1,
                    y1,
                    width,
                } => {
                    let d = segment_distance((x, y), (*x0, *y0), (*x1, *y1));
                    if d <= 4.0f64.max(width / 2.0) {
                        hits.push((d + order, tag.clone()));
                    }
                }
                Shape::Circle { x: cx, y: cy, r } => {
                    let d = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
                    if d <= r + 3.0 {
                        hits.push((d + order, tag.clone()));
                    }
                }
                Shape::Polygon { points } | Shape::Path { points, .. } => {
                    let d = points
                        .windows(2)
                        .map(|w| segment_distance((x, y), w[0], w[1]))
                        .fold(f64::INFINITY, f64::min);
                    if d <= 4.0 {
                        hits.push((d + order, tag.clone()));
                    }
                }
                Shape::Text { .. } => {}
            }
        }
        hits.sort_by(|a, b| a.0.total_cmp(&b.0));
        hits.into_iter().map(|(_, t)| t).collect()
    }

    /// The scene's size in device pixels at `scale`.
    pub fn device(&self, scale: f64) -> (i32, i32) {
        (
            (self.width * scale).ceil() as i32,
            (self.height * scale).ceil() as i32,
        )
    }

    /// The runs of items a backend that takes pixels paints as one image each: runs of rectangles,
    /// lines and discs that would cost the canvas `RUN_COST` or more shape by shape.
    pub fn raster_runs(&self) -> Vec<Range<usize>> {
        let mut runs = Vec::new();
        let mut k = 0;
        while k < self.items.len() {
            let start = k;
            let mut cost = 0;
            while let Some(c) = self.items.get(k).and_then(|it| canvas_cost(&it.shape)) {
                cost += c;
                k += 1;
            }
            if cost >= RUN_COST {
                runs.push(start..k);
            }
            k = k.max(start + 1);
        }
        runs
    }

    /// Draws the scene on a backend whose pixels are `scale` × the scene's CSS pixels.
    pub fn draw<DB: DrawingBackend>(
        &self,
        backend: &mut DB,
        scale: f64,
        mode: TextMode,
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        self.draw_with(backend, scale, mode, &mut ShapeByShape)
    }

    /// Draws the scene; `fast` may paint a heatmap, or a run of rectangles, lines and discs that would
    /// cost the canvas `RUN_COST` or more (rasterised here at `scale`), itself faster than shape by
    /// shape (the page's canvas paints each as one image).
    pub fn draw_with<DB: DrawingBackend>(
        &self,
        backend: &mut DB,
        scale: f64,
        mode: TextMode,
        fast: &mut dyn Shortcuts,
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let p = |x: f64, y: f64| ((x * scale).round() as i32, (y * scale).round() as i32);
        let device = self.device(scale);
        let items = &self.items;
        let runs = if fast.takes_pixels() {
            self.raster_runs()
        } else {
            Vec::new()
        };
        let mut runs = runs.into_iter().enumerate().peekable();
        let mut k = 0;
        while k < items.len() {
            if let Some((index, range)) = runs.next_if(|(_, r)| r.start == k) {
                if fast.run(index, &items[range.clone()], scale, device) {
                    k = range.end;
                    continue;
                }
            }
            let item = &items[k];
            k += 1;
            let c = item.color;
            let color = RGBAColor(c.r, c.g, c.b, c.a);
            match &item.shape {
                grid @ Shape::Grid {
                    x0,
                    y0,
                    x1,
                    y1,
                    cols,
                    rows,
                    colours,
                } => {
                    if fast.grid(grid) || *cols == 0 || *rows == 0 {
                        continue;
                    }
                    let (w, h) = ((x1 - x0) / *cols as f64, (y1 - y0) / *rows as f64);
                    for r in 0..*rows {
                        for c in 0..*cols {
                            let k = colours[r * cols + c];
                            let (a, b) = (
                                p(x0 + c as f64 * w, y0 + r as f64 * h),
                                p(x0 + (c + 1) as f64 * w, y0 + (r + 1) as f64 * h),
                            );
                            if b.0 > a.0 && b.1 > a.1 {
                                backend.draw_rect(
                                    a,
                                    b,
                                    &RGBAColor(k.r, k.g, k.b, k.a).filled(),
                                    true,
                                )?;
                            }
                        }
                    }
                }
                Shape::Rect { x0, y0, x1, y1 } => {
                    // Exclusive of the bottom-right corner on canvas and SVG, so neighbours meet.
                    let (a, b) = (p(*x0, *y0), p(*x1, *y1));
                    if b.0 > a.0 && b.1 > a.1 && c.a > 0.0 {
                        backend.draw_rect(a, b, &color.filled(), true)?;
                    }
                }
                Shape::Frame { x0, y0, x1, y1 } => {
                    backend.draw_rect(
                        p(*x0, *y0),
                        p(*x1, *y1),
                        &color.stroke_width(scale.round().max(1.0) as u32),
                        false,
                    )?;
                }
                Shape::Line {
                    x0,
                    y0,
                    x1,
                    y1,
                    width,
                } => {
                    let style = color.stroke_width(device_px(*width, scale) as u32);
                    backend.draw_line(p(*x0, *y0), p(*x1, *y1), &style)?;
                }
                Shape::Path { points, width } => {
                    let style = color.stroke_width(device_px(*width, scale) as u32);
                    backend.draw_path(points.iter().map(|&(x, y)| p(x, y)), &style)?;
                }
                Shape::Circle { x, y, r } => {
                    let radius = device_px(*r, scale) as u32;
                    backend.draw_circle(p(*x, *y), radius, &color.filled(), true)?;
                }
                Shape::Polygon { points } => {
                    backend.fill_polygon(points.iter().map(|&(x, y)| p(x, y)), &color.filled())?;
                }
                Shape::Text {
                    x,
                    y,
                    text,
                    size,
                    h,
                    v,
                    vertical,
                } => {
                    let hpos = match h {
                        HAlign::Left => HPos::Left,
                        HAlign::Center => HPos::Center,
                        HAlign::Right => HPos::Right,
                    };
                    let vpos = match v {
                        VAlign::Top => VPos::Top,
                        VAlign::Middle => VPos::Center,
                        VAlign::Bottom => VPos::Bottom,
                    };
                    let em = size * scale;
                    let (font_size, vpos, at) = match mode {
                        TextMode::Canvas => (em, vpos, p(*x, *y)),
                        TextMode::Svg => (em * 1.24, vpos, p(*x, *y)),
                        TextMode::Bitmap => {
                            // ab_glyph puts the baseline half a line height below the point for
                            // "top"; move the point so the baseline lands where the canvas puts it.
                            let line = em * LINE_EMS;
                            let baseline = match v {
                                VAlign::Top => BASELINE_EMS * em,
                                VAlign::Middle => (BASELINE_EMS - 0.5) * em,
                                VAlign::Bottom => (BASELINE_EMS - 1.0) * em,
                            };
                            let shift = baseline - line / 2.0;
                            let (px, py) = (x * scale, y * scale);
                            let (px, py) = if *vertical {
                                (px + shift, py)
                            } else {
                                (px, py + shift)
                            };
                            (line, VPos::Top, (px.round() as i32, py.round() as i32))
                        }
                    };
                    let mut font =
                        FontDesc::new(FontFamily::Name(text::FAMILY), font_size, FontStyle::Normal);
                    if *vertical {
                        font = font.transform(FontTransform::Rotate270);
                    }
                    let style = TextStyle::from(font)
                        .color(&color)
                        .pos(Pos::new(hpos, vpos));
                    backend.draw_text(text, &style, at)?;
                }
            }
        }
        Ok(())
    }

    /// Paints the background, then the scene.
    pub fn draw_on<DB: DrawingBackend>(
        &self,
        backend: &mut DB,
        scale: f64,
        background: Rgba,
        mode: TextMode,
        fast: &mut dyn Shortcuts,
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let size = self.device(scale);
        let bg = RGBAColor(background.r, background.g, background.b, background.a);
        backend.draw_rect((0, 0), size, &bg.filled(), true)?;
        self.draw_with(backend, scale, mode, fast)
    }
}

/// A stroke's width or a disc's radius in whole device pixels, at least 1: what the canvas is given
/// and what `rasterise` paints.
fn device_px(css: f64, scale: f64) -> f64 {
    (css * scale).round().max(1.0)
}

/// A run of shapes that would cost the canvas this much (a rectangle's fill is 1) is painted on the
/// page's canvas as one image of device pixels (`Shortcuts::pixels`). A canvas call each, then their
/// rasterising in the browser's commit, is a long task: the stack plot of n = m = 1000 is 11,000
/// rectangles, and the graph's 1,500 anti-aliased edges took 30 to 45 ms of commit alone (a stroke
/// costs the canvas far more than a fill). Cheaper runs are cheaper drawn as themselves than as an
/// image of the box they span (the stack plot of n = 100, m = 40 is 1,100 rectangles).
pub const RUN_COST: usize = 2000;

/// What a line or a disc costs the canvas, in rectangle fills.
pub const STROKE_COST: usize = 10;

/// What `shape` costs the canvas shape by shape, in rectangle fills; None for shapes `rasterise`
/// does not draw (they end a run).
fn canvas_cost(shape: &Shape) -> Option<usize> {
    match shape {
        Shape::Rect { .. } => Some(1),
        Shape::Line { .. } | Shape::Circle { .. } => Some(STROKE_COST),
        _ => None,
    }
}

/// Device pixels to composite (source-over) at (x, y): RGBA, not premultiplied, row by row.
#[derive(Clone, Debug, PartialEq)]
pub struct Pixels {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

/// What a backend can paint faster than shape by shape (the page's canvas); each returns whether it
/// did. By default (SVG, PNG) every shape is drawn as itself.
pub trait Shortcuts {
    /// A heatmap (`Shape::Grid`) as one image.
    fn grid(&mut self, _grid: &Shape) -> bool {
        false
    }
    /// Whether runs of shapes costing `RUN_COST` or more (`Scene::raster_runs`) are to be painted by
    /// `run`.
    fn takes_pixels(&self) -> bool {
        false
    }
    fn pixels(&mut self, _pixels: &Pixels) -> bool {
        false
    }
    /// Paints the scene's run number `index`, its `items`, as one image: by default rasterised now
    /// and given to `pixels`. False if it was not (the shapes are then drawn one by one).
    fn run(&mut self, _index: usize, items: &[Item], scale: f64, device: (i32, i32)) -> bool {
        match rasterise(items, scale, device) {
            Some(px) => self.pixels(&px),
            None => true,
        }
    }
}

/// Every shape drawn as itself.
pub struct ShapeByShape;
impl Shortcuts for ShapeByShape {}

/// The rectangles, lines and discs of `items` (the shapes `canvas_cost` prices), rasterised at `scale`
/// on a transparent image of their bounding box within the `device` pixels (width, height) as the
/// canvas would paint them one by one, composited in order (source-over is associative, so painting
/// the image over the canvas gives what the shapes give):
/// - rectangles rounded to device pixels, as `draw_with` fills them, to within a unit of 8-bit
///   rounding;
/// - lines and discs anti-aliased by how much of each pixel they cover (a box filter: a pixel whose
///   centre is on the edge is half covered), with the geometry plotters gives the canvas: endpoints and
///   centres on whole device pixels, horizontal and vertical lines moved half a pixel onto pixel
///   centres, widths and radii whole pixels of at least 1, butt ends.
///
/// None when none of them covers a pixel.
pub fn rasterise(items: &[Item], scale: f64, device: (i32, i32)) -> Option<Pixels> {
    let mut raster = Raster::new(items, scale, device)?;
    while !raster.band() {}
    Some(raster.finish())
}

/// A rasterisation (`rasterise`) done a band of rows at a time, so that it can be spread over several
/// tasks of the page's thread: `band` paints the next band, `finish` gives the image (painting any
/// bands left).
pub struct Raster {
    paints: Vec<(Paint, Ink)>,
    band: Image,
    /// The image's columns and rows.
    x: i32,
    x_end: i32,
    y: i32,
    y_end: i32,
    /// The next band's first row.
    next: i32,
    rgba: Vec<u8>,
}

impl Raster {
    /// Paints the next band; true once every band is painted.
    pub fn band(&mut self) -> bool {
        if self.next >= self.y_end {
            return true;
        }
        let (top, bottom) = (self.next, (self.next + BAND as i32).min(self.y_end));
        let band = &mut self.band;
        band.y = top;
        band.height = (bottom - top) as usize;
        band.pixels.clear();
        band.pixels.resize(band.width * band.height, [0.0; 4]);
        for (paint, ink) in &self.paints {
            let (a, b) = paint.bounds();
            if a.1 < bottom && b.1 > top {
                paint_rows(band, paint, ink, (self.x, self.x_end));
            }
        }
        band.unpremultiplied(&mut self.rgba);
        self.next = bottom;
        self.next >= self.y_end
    }

    pub fn finish(mut self) -> Pixels {
        while !self.band() {}
        Pixels {
            x: self.x,
            y: self.y,
            width: (self.x_end - self.x) as u32,
            height: (self.y_end - self.y) as u32,
            rgba: self.rgba,
        }
    }

    /// The rasterisation of `items` (see `rasterise`), no band painted yet; None when none of them
    /// covers a pixel.
    pub fn new(items: &[Item], scale: f64, device: (i32, i32)) -> Option<Raster> {
        let p = |x: f64, y: f64| ((x * scale).round() as i32, (y * scale).round() as i32);
        let paints: Vec<(Paint, Rgba)> = items
            .iter()
            .filter(|it| it.color.a > 0.0)
            .filter_map(|it| {
                let paint = match it.shape {
                    Shape::Rect { x0, y0, x1, y1 } => {
                        let (a, b) = (p(x0, y0), p(x1, y1));
                        (b.0 > a.0 && b.1 > a.1).then_some(Paint::Fill(a, b))?
                    }
                    Shape::Line {
                        x0,
                        y0,
                        x1,
                        y1,
                        width,
                    } => {
                        let (a, b) = (p(x0, y0), p(x1, y1));
                        let (mut a, mut b) = ((a.0 as f64, a.1 as f64), (b.0 as f64, b.1 as f64));
                        if a.0 == b.0 {
                            a.0 -= 0.5;
                            b.0 -= 0.5;
                        }
                        if a.1 == b.1 {
                            a.1 -= 0.5;
                            b.1 -= 0.5;
                        }
                        let length = (b.0 - a.0).hypot(b.1 - a.1);
                        // A line of no length has no area with butt ends: the canvas paints nothing.
                        (length > 0.0).then_some(Paint::Line {
                            a,
                            b,
                            half: device_px(width, scale) / 2.0,
                        })?
                    }
                    Shape::Circle { x, y, r } => {
                        let c = p(x, y);
                        Paint::Disc {
                            c: (c.0 as f64, c.1 as f64),
                            r: device_px(r, scale),
                        }
                    }
                    _ => return None,
                };
                let (a, b) = paint.bounds();
                let (a, b) = (
                    (a.0.max(0), a.1.max(0)),
                    (b.0.min(device.0), b.1.min(device.1)),
                );
                (b.0 > a.0 && b.1 > a.1).then_some((paint, it.color))
            })
            .collect();
        let bounds = |(paint, _): &(Paint, Rgba)| paint.bounds();
        let x = paints.iter().map(|s| bounds(s).0 .0).min()?.max(0);
        let y = paints.iter().map(|s| bounds(s).0 .1).min()?.max(0);
        let x_end = paints.iter().map(|s| bounds(s).1 .0).max()?.min(device.0);
        let y_end = paints.iter().map(|s| bounds(s).1 .1).max()?.min(device.1);
        let (width, height) = ((x_end - x) as usize, (y_end - y) as usize);
        // The image is painted a band of rows at a time, every shape in order on each band: a band's
        // floats stay in the processor's cache, where a whole image's would be a cache miss at almost
        // every pixel of a slanted line.
        let paints = paints
            .into_iter()
            // The canvas keeps a colour's alpha in 8 bits.
            .map(|(paint, c)| {
                let ink = Ink::new(c, (c.a.clamp(0.0, 1.0) * 255.0).round() as f32);
                (paint, ink)
            })
            .collect();
        Some(Raster {
            paints,
            band: Image {
                x,
                y,
                width,
                height: 0,
                pixels: Vec::new(),
            },
            x,
            x_end,
            y,
            y_end,
            next: y,
            rgba: Vec::with_capacity(width * height * 4),
        })
    }
}

/// Rows of the image a band holds.
const BAND: usize = 16;

/// Composites `paint` in `ink` on the rows of `image` (within the columns `x..x_end`).
fn paint_rows(image: &mut Image, paint: &Paint, ink: &Ink, (x, x_end): (i32, i32)) {
    let (y, y_end) = (image.y, image.y + image.height as i32);
    match *paint {
        Paint::Fill(a, b) => {
            for row in a.1.max(y)..b.1.min(y_end) {
                image.fill(row, a.0, b.0, ink);
            }
        }
        Paint::Line { a, b, half } => {
            let length = (b.0 - a.0).hypot(b.1 - a.1);
            // Along the line (u) and across it (n), unit vectors. A pixel centre's distance
            // across, d, and position along, t, are covered by the pixel from |d| < half + 0.5
            // and -0.5 < t < length + 0.5, fully from |d| <= half - 0.5 and 0.5 <= t <=
            // length - 0.5; in a row each of these is a range of x.
            let u = ((b.0 - a.0) / length, (b.1 - a.1) / length);
            let n = (-u.1, u.0);
            let reach = half + 0.5;
            // Divisions are slow: each slope's inverse once a line, not four times a row.
            let inverse = |slope: f64| (slope.abs() >= 1e-12).then(|| 1.0 / slope);
            let (per_n, per_u) = (inverse(n.0), inverse(u.0));
            let range = |per: Option<f64>, at: f64, lo: f64, hi: f64| -> (f64, f64) {
                // { x : lo < (x - a.0) * slope + at < hi }, as the pixel centres' x.
                let Some(per) = per else {
                    return if at > lo && at < hi {
                        (f64::MIN, f64::MAX)
                    } else {
                        (0.0, 0.0)
                    };
                };
                let (p, q) = ((lo - at) * per + a.0, (hi - at) * per + a.0);
                (p.min(q), p.max(q))
            };
            let (top, bottom) = paint.bounds();
            let (left, right) = (top.0.max(x) as f64, (bottom.0.min(x_end) - 1) as f64);
            // The first and last pixel whose centre is in (lo, hi), or in [lo, hi] when `closed`.
            let pixels = |(lo, hi): (f64, f64), closed: bool| {
                let (from, to) = if closed {
                    ((lo - 0.5).ceil(), (hi - 0.5).floor())
                } else {
                    ((lo - 0.5).floor() + 1.0, (hi - 0.5).ceil() - 1.0)
                };
                (from.max(left), to.min(right))
            };
            for row in top.1.max(y)..bottom.1.min(y_end) {
                let dy = row as f64 + 0.5 - a.1;
                let (across, along) = (dy * n.1, dy * u.1);
                let touched = intersect(
                    range(per_n, across, -reach, reach),
                    range(per_u, along, -0.5, length + 0.5),
                );
                let (from, to) = pixels(touched, false);
                if to < from {
                    continue;
                }
                // A line 1 px wide covers no pixel fully unless it lies on pixel centres.
                let (full_from, full_to) = if half >= 1.0 || per_n.is_none() || per_u.is_none() {
                    pixels(
                        intersect(
                            range(per_n, across, -(half - 0.5) - 1e-9, half - 0.5 + 1e-9),
                            range(per_u, along, 0.5 - 1e-9, length - 0.5 + 1e-9),
                        ),
                        true,
                    )
                } else {
                    (1.0, 0.0)
                };
                let (full_from, full_to) = if full_to >= full_from {
                    (full_from.max(from), full_to.min(to))
                } else {
                    (to + 1.0, to)
                };
                // Measured from the row's first pixel, so f32 keeps the precision.
                let (d0, t0) = {
                    let dx = from + 0.5 - a.0;
                    ((dx * n.0 + across) as f32, (dx * u.0 + along) as f32)
                };
                let (nx, ux, origin) = (n.0 as f32, u.0 as f32, from as f32);
                let (reach, length) = (reach as f32, length as f32);
                let side = |px: f32| {
                    let d = d0 + (px - origin) * nx;
                    (reach - d.abs()).clamp(0.0, 1.0)
                };
                let ramp = |px: f32| {
                    let t = t0 + (px - origin) * ux;
                    let ends = (t + 0.5).clamp(0.0, 1.0) * (length - t + 0.5).clamp(0.0, 1.0);
                    side(px) * ends
                };
                // Rows away from the ends (most of them) need only the distance across.
                let (t_first, t_last) = (t0, t0 + (to - from) as f32 * ux);
                let inner = t_first.min(t_last) >= 0.5 && t_first.max(t_last) <= length - 0.5;
                let edge = full_from.min(to + 1.0);
                let (from, to) = (from as i32, to as i32 + 1);
                let (edge, full_from, full_to) =
                    (edge as i32, full_from as i32, full_to as i32 + 1);
                if inner {
                    image.ramp(row, from, edge, side, ink);
                    image.fill(row, full_from, full_to, ink);
                    image.ramp(row, full_to.max(edge), to, side, ink);
                } else {
                    image.ramp(row, from, edge, ramp, ink);
                    image.fill(row, full_from, full_to, ink);
                    image.ramp(row, full_to.max(edge), to, ramp, ink);
                }
            }
        }
        Paint::Disc { c, r } => {
            // Pixels wholly inside are covered and those wholly outside are not; a pixel the rim
            // crosses is covered by the share of eight rows across it inside (a linear ramp
            // across the rim, as for lines, would add π/12 to the area: a tenth of it at r = 1,
            // the graph's nodes at n = 1000).
            let (inside, outside) = (r - FRAC_1_SQRT_2, r + FRAC_1_SQRT_2);
            let (top, bottom) = paint.bounds();
            for row in top.1.max(y)..bottom.1.min(y_end) {
                let dy = row as f64 + 0.5 - c.1;
                if dy.abs() >= outside {
                    continue;
                }
                let half = (outside * outside - dy * dy).sqrt();
                let from = ((c.0 - half - 0.5).ceil()) as i32;
                let to = ((c.0 + half - 0.5).floor()) as i32 + 1;
                let covered = |px: f32| {
                    let dx = px as f64 + 0.5 - c.0;
                    let d = dx.hypot(dy);
                    if d <= inside {
                        return 1.0;
                    }
                    if d >= outside {
                        return 0.0;
                    }
                    // Eight rows of the pixel, each covered over the chord's overlap with the
                    // pixel's width.
                    let mut covered = 0.0;
                    for k in 0..8 {
                        let oy = dy + (k as f64 - 3.5) / 8.0;
                        let chord = (r * r - oy * oy).max(0.0).sqrt();
                        covered += (chord.min(dx + 0.5) - (-chord).max(dx - 0.5)).max(0.0);
                    }
                    (covered / 8.0) as f32
                };
                image.ramp(row, from, to, covered, ink);
            }
        }
    }
}

fn intersect(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    (a.0.max(b.0), a.1.min(b.1))
}

/// A shape of a run in device pixels, as the canvas would be given it.
enum Paint {
    /// A rectangle's top left and bottom right (exclusive).
    Fill((i32, i32), (i32, i32)),
    Line {
        a: (f64, f64),
        b: (f64, f64),
        half: f64,
    },
    Disc {
        c: (f64, f64),
        r: f64,
    },
}

impl Paint {
    /// The pixels it can touch: top left and bottom right (exclusive).
    fn bounds(&self) -> ((i32, i32), (i32, i32)) {
        match *self {
            Paint::Fill(a, b) => (a, b),
            Paint::Line { a, b, half } => {
                let reach = half + 1.0;
                (
                    (
                        (a.0.min(b.0) - reach).floor() as i32,
                        (a.1.min(b.1) - reach).floor() as i32,
                    ),
                    (
                        (a.0.max(b.0) + reach).ceil() as i32,
                        (a.1.max(b.1) + reach).ceil() as i32,
                    ),
                )
            }
            Paint::Disc { c, r } => {
                let reach = r + 1.0;
                (
                    ((c.0 - reach).floor() as i32, (c.1 - reach).floor() as i32),
                    ((c.0 + reach).ceil() as i32, (c.1 + reach).ceil() as i32),
                )
            }
        }
    }
}

/// A colour at an 8-bit alpha, premultiplied by it, ready to composite at any coverage.
struct Ink {
    /// Red, green, blue and alpha in 0..=255, premultiplied by the alpha.
    full: [f32; 4],
    alpha: f32,
}

impl Ink {
    fn new(c: Rgba, alpha: f32) -> Ink {
        let a = alpha / 255.0;
        Ink {
            full: [c.r as f32 * a, c.g as f32 * a, c.b as f32 * a, alpha],
            alpha,
        }
    }
}

/// The image a run is rasterised on: premultiplied RGBA in 0..=255 as floats (source-over is then a
/// multiply and an add a channel, and rounding to 8 bits happens once, at the end), its top left at
/// (x, y) in device pixels.
struct Image {
    x: i32,
    y: i32,
    width: usize,
    height: usize,
    pixels: Vec<[f32; 4]>,
}

impl Image {
    /// The pixels x in `from..to` of `row` (device pixels; clipped to the image), and the first x.
    fn row(&mut self, row: i32, from: i32, to: i32) -> (&mut [[f32; 4]], i32) {
        let r = row - self.y;
        if r < 0 || r as usize >= self.height {
            return (&mut [], 0);
        }
        let (from, to) = (from.max(self.x), to.min(self.x + self.width as i32));
        if to <= from {
            return (&mut [], 0);
        }
        let start = r as usize * self.width;
        let (a, b) = (
            start + (from - self.x) as usize,
            start + (to - self.x) as usize,
        );
        (&mut self.pixels[a..b], from)
    }

    /// Composites `ink` over the pixels x in `from..to` of `row`, fully covered.
    fn fill(&mut self, row: i32, from: i32, to: i32, ink: &Ink) {
        let (pixels, _) = self.row(row, from, to);
        if ink.alpha >= 255.0 {
            pixels.fill(ink.full);
            return;
        }
        let keep = 1.0 - ink.alpha / 255.0;
        for px in pixels {
            over(px, ink.full, 1.0, keep);
        }
    }

    /// Composites `ink` over the pixels x in `from..to` of `row`, each covered by `coverage(x)`.
    fn ramp(&mut self, row: i32, from: i32, to: i32, coverage: impl Fn(f32) -> f32, ink: &Ink) {
        let (pixels, first) = self.row(row, from, to);
        let mut x = first as f32;
        let per = 1.0 / ink.alpha;
        for px in pixels {
            // As the canvas does: coverage times alpha in 8 bits.
            let a = (coverage(x) * ink.alpha + 0.5).floor();
            x += 1.0;
            if a > 0.0 {
                over(px, ink.full, a * per, 1.0 - a * (1.0 / 255.0));
            }
        }
    }

    /// Appends the pixels to `out` as straight-alpha RGBA bytes (what ImageData holds).
    fn unpremultiplied(&self, out: &mut Vec<u8>) {
        for &[r, g, b, a] in &self.pixels {
            let alpha = (a + 0.5) as u8;
            if alpha == 0 {
                out.extend_from_slice(&[0, 0, 0, 0]);
                continue;
            }
            let per = 1.0 / a;
            // (The cast saturates: a channel rounding past its alpha stays 255.)
            let un = |c: f32| (c * per * 255.0 + 0.5) as u8;
            out.extend_from_slice(&[un(r), un(g), un(b), alpha]);
        }
    }
}

/// Source-over of `src` × `share` (premultiplied) on the premultiplied `dst`, keeping `keep` of it
/// (1 − the painted alpha / 255).
fn over(dst: &mut [f32; 4], src: [f32; 4], share: f32, keep: f32) {
    for ch in 0..4 {
        dst[ch] = src[ch] * share + dst[ch] * keep;
    }
}

fn segment_distance(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (cx, cy) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - cx).powi(2) + (p.1 - cy).powi(2)).sqrt()
}

/// The scene as a PNG file, `scale` device pixels per CSS pixel, with text in the bundled DejaVu Sans.
#[cfg(not(target_arch = "wasm32"))]
pub fn write_png(
    scene: &Scene,
    path: &std::path::Path,
    scale: f64,
    background: Rgba,
) -> Result<(), String> {
    static FONT: std::sync::Once = std::sync::Once::new();
    FONT.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("DejaVuSans.ttf");
        // The bundled font is valid; registering cannot fail.
        let _ = plotters::style::register_font(text::FAMILY, FontStyle::Normal, bytes);
    });
    let size = (
        (scene.width * scale).ceil() as u32,
        (scene.height * scale).ceil() as u32,
    );
    let mut backend = BitMapBackend::new(path, size);
    scene
        .draw_on(
            &mut backend,
            scale,
            background,
            TextMode::Bitmap,
            &mut ShapeByShape,
        )
        .and_then(|_| backend.present())
        .map_err(|e| format!("cannot write '{}': {e}", path.display()))
}

/// What an exported figure says about where it came from: enough to open the same run again.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metadata {
    /// A one-line title ("tms-explorer: stack plot of abs n=3 m=6 at step 3000").
    pub title: String,
    /// The run's settings text (`key=value&…`, every key).
    pub settings: String,
    pub step: u64,
    pub fingerprint: String,
    pub view: String,
    pub theme: String,
    /// The share-link fragment that reopens this view of this run at this step.
    pub link: String,
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The scene as an SVG document; with `metadata`, a `<title>`, a `<desc>` and a `<metadata>` element
/// that carry the run's settings, step and fingerprint.
pub fn to_svg(scene: &Scene, background: Rgba, metadata: Option<&Metadata>) -> String {
    let mut out = String::new();
    {
        let mut backend = SVGBackend::with_string(
            &mut out,
            (scene.width.ceil() as u32, scene.height.ceil() as u32),
        );
        // Writing to a String cannot fail.
        let _ = scene.draw_on(
            &mut backend,
            1.0,
            background,
            TextMode::Svg,
            &mut ShapeByShape,
        );
        let _ = backend.present();
    }
    let Some(meta) = metadata else { return out };
    let e = xml_escape;
    let head = format!(
        "\n<title>{}</title>\n<desc>settings {}; step {}; fingerprint {}; link #{}</desc>\n\
         <metadata><tms:run xmlns:tms=\"urn:tms-explorer:run\" view=\"{}\" theme=\"{}\" step=\"{}\" \
         fingerprint=\"{}\" settings=\"{}\" link=\"{}\"/></metadata>",
        e(&meta.title),
        e(&meta.settings),
        meta.step,
        e(&meta.fingerprint),
        e(&meta.link),
        e(&meta.view),
        e(&meta.theme),
        meta.step,
        e(&meta.fingerprint),
        e(&meta.settings),
        e(&meta.link),
    );
    match out.find('>') {
        Some(k) => {
            out.insert_str(k + 1, &head);
            out
        }
        None => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Composites (r, g, b, a in 0..=1) over an opaque pixel, in f64.
    fn over(px: [f64; 3], c: (f64, f64, f64, f64)) -> [f64; 3] {
        [
            c.0 * c.3 + px[0] * (1.0 - c.3),
            c.1 * c.3 + px[1] * (1.0 - c.3),
            c.2 * c.3 + px[2] * (1.0 - c.3),
        ]
    }

    #[test]
    fn a_rasterised_run_of_rectangles_paints_what_the_rectangles_paint() {
        // Overlapping rectangles, opaque and translucent, at a scale that rounds their edges.
        let mut scene = Scene::new(60.0, 40.0);
        let mut rng = crate::core::rng::Rng::new(7, crate::core::rng::Stream::Data);
        let mut next = || rng.uniform_open0_f64();
        for _ in 0..200 {
            let (x, y) = (next() * 55.0, next() * 35.0);
            let (w, h) = (next() * 12.0, next() * 9.0);
            let alpha = if next() < 0.5 {
                1.0
            } else {
                (next() * 10.0).round() / 10.0
            };
            let colour = Rgba {
                r: (next() * 255.0) as u8,
                g: (next() * 255.0) as u8,
                b: (next() * 255.0) as u8,
                a: alpha,
            };
            scene.rect(x, y, x + w, y + h, colour, None);
        }
        let scale = 1.5;
        let px = rasterise(&scene.items, scale, (90, 60)).expect("the rectangles cover pixels");
        let background = [240.0, 230.0, 200.0];
        let p = |x: f64, y: f64| ((x * scale).round() as i32, (y * scale).round() as i32);
        for y in px.y..px.y + px.height as i32 {
            for x in px.x..px.x + px.width as i32 {
                // One by one, as a canvas fills them (alpha in 8 bits).
                let mut want = background;
                for it in &scene.items {
                    let Shape::Rect { x0, y0, x1, y1 } = it.shape else {
                        unreachable!()
                    };
                    let (a, b) = (p(x0, y0), p(x1, y1));
                    if x >= a.0 && x < b.0 && y >= a.1 && y < b.1 {
                        let c = it.color;
                        let alpha = (c.a * 255.0).round() / 255.0;
                        want = over(want, (c.r as f64, c.g as f64, c.b as f64, alpha));
                    }
                }
                let k = (((y - px.y) as u32 * px.width + (x - px.x) as u32) * 4) as usize;
                let img = &px.rgba[k..k + 4];
                let got = over(
                    background,
                    (
                        img[0] as f64,
                        img[1] as f64,
                        img[2] as f64,
                        img[3] as f64 / 255.0,
                    ),
                );
                for ch in 0..3 {
                    assert!(
                        (got[ch] - want[ch]).abs() <= 1.5,
                        "pixel ({x}, {y}) channel {ch}: {} vs {}",
                        got[ch],
                        want[ch]
                    );
                }
            }
        }
    }

    /// Records what a canvas would be asked to paint as images.
    struct Images(Vec<(i32, i32, u32, u32)>);
    impl Shortcuts for Images {
        fn takes_pixels(&self) -> bool {
            true
        }
        fn pixels(&mut self, p: &Pixels) -> bool {
            self.0.push((p.x, p.y, p.width, p.height));
            true
        }
    }

    #[test]
    fn costly_runs_of_shapes_are_one_image_and_cheap_ones_are_drawn_as_themselves() {
        let mut scene = Scene::new(5000.0, 100.0);
        let c = Rgba::rgb(10, 20, 30);
        // A run of rectangles that costs RUN_COST, ended by a path (not rasterised)...
        for k in 0..RUN_COST {
            scene.rect(
                k as f64,
                10.0,
                k as f64 + 1.0,
                20.0 + k as f64 % 7.0,
                c,
                None,
            );
        }
        let path = Shape::Path {
            points: vec![(0.0, 0.0), (10.0, 10.0)],
            width: 1.0,
        };
        scene.push(path.clone(), c, None);
        // ...one that costs one fill less...
        for k in 0..RUN_COST - 1 {
            scene.rect(2500.0 + k as f64, 10.0, 2501.0 + k as f64, 20.0, c, None);
        }
        scene.push(path, c, None);
        // ...and lines and discs, each costing STROKE_COST, at RUN_COST between them.
        let strokes = RUN_COST / STROKE_COST;
        for k in 0..strokes / 2 {
            scene.line((k as f64, 50.0), (k as f64 + 9.0, 60.0), 1.0, c);
            scene.push(
                Shape::Circle {
                    x: k as f64,
                    y: 80.0,
                    r: 2.0,
                },
                c,
                None,
            );
        }
        let mut svg = String::new();
        let mut images = Images(vec![]);
        {
            let mut backend = SVGBackend::with_string(&mut svg, (5000, 100));
            scene
                .draw_with(&mut backend, 2.0, TextMode::Svg, &mut images)
                .unwrap();
        }
        // The first run is one image of its bounding box in device pixels; the second, one fill short,
        // is drawn rectangle by rectangle; the strokes are one image.
        assert_eq!(images.0.len(), 2);
        assert_eq!(images.0[0], (0, 20, 2 * RUN_COST as u32, 2 * (20 + 6 - 10)));
        assert_eq!(svg.matches("<rect").count(), RUN_COST - 1);
        assert_eq!(svg.matches("<line").count(), 0);
        assert_eq!(svg.matches("<circle").count(), 0);
        // Without the shortcut (SVG and PNG exports), every shape is itself.
        let mut plain = String::new();
        {
            let mut backend = SVGBackend::with_string(&mut plain, (5000, 100));
            scene.draw(&mut backend, 2.0, TextMode::Svg).unwrap();
        }
        assert_eq!(plain.matches("<rect").count(), 2 * RUN_COST - 1);
        assert_eq!(plain.matches("<line").count(), strokes / 2);
        assert_eq!(plain.matches("<circle").count(), strokes / 2);
    }

    /// The straight alpha of every pixel of `px`, in 0..=1, by (x, y).
    fn alpha_at(px: &Pixels, x: i32, y: i32) -> f64 {
        if x < px.x || y < px.y || x >= px.x + px.width as i32 || y >= px.y + px.height as i32 {
            return 0.0;
        }
        px.rgba[(((y - px.y) as u32 * px.width + (x - px.x) as u32) * 4 + 3) as usize] as f64
            / 255.0
    }

    #[test]
    fn rasterised_lines_and_discs_cover_their_area_and_nothing_else() {
        let opaque = Rgba::rgb(200, 40, 10);
        let ink = |px: &Pixels| px.rgba.chunks(4).map(|p| p[3] as f64 / 255.0).sum::<f64>();
        // A horizontal line 2 px wide at y = 20 is given to the canvas half a pixel up, centred on row
        // 19: that row fully covered, the rows either side half, nothing else.
        let line = |from: (f64, f64), to: (f64, f64), width: f64| Item {
            shape: Shape::Line {
                x0: from.0,
                y0: from.1,
                x1: to.0,
                y1: to.1,
                width,
            },
            color: opaque,
            tag: None,
        };
        let px = rasterise(&[line((10.0, 20.0), (50.0, 20.0), 2.0)], 1.0, (100, 100)).unwrap();
        for x in 5..55 {
            for y in 15..25 {
                let want = match y {
                    _ if !(10..50).contains(&x) => 0.0,
                    19 => 1.0,
                    18 | 20 => 128.0 / 255.0,
                    _ => 0.0,
                };
                assert_eq!(alpha_at(&px, x, y), want, "pixel ({x}, {y})");
            }
        }
        // A vertical line 1 px wide lies on pixel centres (as the canvas is given it), so it is crisp.
        let px = rasterise(&[line((30.0, 10.0), (30.0, 40.0), 1.0)], 1.0, (100, 100)).unwrap();
        assert_eq!(alpha_at(&px, 29, 20), 1.0);
        assert_eq!(alpha_at(&px, 30, 20), 0.0);
        assert_eq!(alpha_at(&px, 28, 20), 0.0);
        // Slanted lines of each width: the ink is the area (length × width) to within 2%, and no pixel
        // farther than half the width and a pixel from the segment is touched.
        for (k, width) in [1.0, 2.0, 3.0, 4.0].into_iter().enumerate() {
            let (a, b): ((f64, f64), (f64, f64)) =
                ((12.0, 7.0 + k as f64), (83.0, 61.0 - 3.0 * k as f64));
            let px = rasterise(&[line(a, b, width)], 1.0, (100, 100)).unwrap();
            let area = (b.0 - a.0).hypot(b.1 - a.1) * width;
            assert!(
                (ink(&px) / area - 1.0).abs() < 0.02,
                "width {width}: ink {} of area {area}",
                ink(&px)
            );
            for y in 0..100 {
                for x in 0..100 {
                    let d = segment_distance((x as f64 + 0.5, y as f64 + 0.5), a, b);
                    if d > width / 2.0 + 1.0 {
                        assert_eq!(alpha_at(&px, x, y), 0.0, "width {width}: pixel ({x}, {y})");
                    }
                }
            }
        }
        // A disc: its ink is πr² to within 2%, the four pixels round its centre (a pixel corner) alike
        // and covered once the disc reaches past them, nothing beyond r + 1.
        for r in [1.0, 2.0, 5.0, 12.0] {
            let disc = Item {
                shape: Shape::Circle {
                    x: 40.0,
                    y: 40.0,
                    r,
                },
                color: opaque,
                tag: None,
            };
            let px = rasterise(&[disc], 1.0, (100, 100)).unwrap();
            let area = std::f64::consts::PI * r * r;
            assert!(
                (ink(&px) / area - 1.0).abs() < 0.02,
                "r {r}: ink {} of {area}",
                ink(&px)
            );
            let centre = [(39, 39), (40, 39), (39, 40), (40, 40)].map(|(x, y)| alpha_at(&px, x, y));
            assert!(centre.iter().all(|&a| a == centre[0]));
            if r >= 2.0 {
                assert_eq!(centre[0], 1.0);
            }
            for y in 0..100 {
                for x in 0..100 {
                    if (x as f64 + 0.5 - 40.0).hypot(y as f64 + 0.5 - 40.0) > r + 1.0 {
                        assert_eq!(alpha_at(&px, x, y), 0.0, "r {r}: pixel ({x}, {y})");
                    }
                }
            }
        }
        // Translucent strokes composite: two crossing lines at alpha 0.5 give 0.75 where they cross.
        let half = opaque.alpha(0.5);
        let cross = [
            Item {
                color: half,
                ..line((10.0, 50.0), (90.0, 50.0), 4.0)
            },
            Item {
                color: half,
                ..line((50.0, 10.0), (50.0, 90.0), 4.0)
            },
        ];
        let px = rasterise(&cross, 1.0, (100, 100)).unwrap();
        assert!((alpha_at(&px, 49, 49) - 0.75).abs() < 1.0 / 255.0);
        assert!((alpha_at(&px, 30, 49) - 0.5).abs() < 1.0 / 255.0);
        // The image stays inside the device pixels.
        let px = rasterise(&[line((-50.0, 50.0), (150.0, 50.0), 4.0)], 1.0, (100, 100)).unwrap();
        assert_eq!((px.x, px.width), (0, 100));
    }

    #[test]
    fn pick_finds_the_topmost_area_and_the_nearest_line() {
        let mut s = Scene::new(100.0, 100.0);
        let red = Rgba::rgb(255, 0, 0);
        let cell = |k| Tag::Node {
            kind: "x",
            index: k,
        };
        s.rect(0.0, 0.0, 50.0, 50.0, red, Some(cell(0)));
        s.rect(10.0, 10.0, 20.0, 20.0, red, Some(cell(1)));
        s.line((0.0, 80.0), (100.0, 80.0), 1.0, red);
        s.push(
            Shape::Line {
                x0: 0.0,
                y0: 90.0,
                x1: 100.0,
                y1: 90.0,
                width: 1.0,
            },
            red,
            Some(cell(2)),
        );
        s.push(
            Shape::Line {
                x0: 0.0,
                y0: 93.0,
                x1: 100.0,
                y1: 93.0,
                width: 1.0,
            },
            red,
            Some(cell(3)),
        );
        assert_eq!(s.pick(15.0, 15.0), vec![cell(1), cell(0)]);
        assert_eq!(s.pick(40.0, 40.0), vec![cell(0)]);
        assert_eq!(s.pick(50.0, 91.0)[0], cell(2));
        assert_eq!(s.pick(50.0, 92.8)[0], cell(3));
        assert!(s.pick(50.0, 70.0).is_empty());
    }

    #[test]
    fn svg_has_the_shapes_and_their_colours() {
        let mut s = Scene::new(40.0, 30.0);
        s.rect(1.0, 2.0, 11.0, 12.0, Rgba::rgb(0xB2, 0x18, 0x2B), None);
        s.text(
            5.0,
            25.0,
            "W₁",
            10.0,
            HAlign::Left,
            VAlign::Bottom,
            Rgba::rgb(0, 0, 0),
        );
        let svg = to_svg(&s, Rgba::rgb(255, 255, 255), None);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("#B2182B"), "{svg}");
        assert!(svg.contains("W₁"), "{svg}");
    }
}
