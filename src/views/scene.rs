//! A view is laid out once as a scene: a list of shapes in CSS pixels, each with what it shows. The same
//! scene is drawn on any plotters backend (canvas, SVG, bitmap) and answers "what is under this point?"
//! for hovering, so what a reader sees and what the page reports can never disagree.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontDesc, FontFamily, FontStyle, FontTransform};
use plotters_backend::DrawingErrorKind;

use super::palette::Rgba;

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
    /// A heatmap: `rows` × `cols` equal cells filling the box, colours row by row.
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

/// What a shape shows, in the paper's terms: the answer to hovering over it.
#[derive(Clone, Debug, PartialEq)]
pub enum Tag {
    /// A matrix cell: `panel` names the matrix (e.g. "W₁ᵀ"), `row` and `col` index it.
    Cell {
        panel: &'static str,
        row_name: &'static str,
        col_name: &'static str,
        row: usize,
        col: usize,
        value: f32,
    },
    /// One feature's weight in a neuron's stack.
    Weight {
        neuron: usize,
        feature: usize,
        weight: f32,
    },
    /// A neuron column (its background).
    Neuron {
        neuron: usize,
        features: usize,
        monosemanticity: f32,
    },
    /// A graph edge: `layer` 1 is input feature → neuron, 2 is neuron → output feature.
    Edge {
        layer: u8,
        neuron: usize,
        feature: usize,
        weight: f32,
    },
    /// A graph node.
    Node { kind: &'static str, index: usize },
    /// A feature's bar: ‖W_i‖ and its superposition.
    Feature {
        feature: usize,
        norm: f32,
        superposition: f32,
    },
    /// A feature's direction W_i in the hidden space.
    Arrow {
        feature: usize,
        x: f32,
        y: f32,
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
        match self {
            Tag::Cell {
                panel,
                row_name,
                col_name,
                row,
                col,
                value,
            } => format!("{panel}: {row_name} {row}, {col_name} {col} = {value:.4}"),
            Tag::Weight {
                neuron,
                feature,
                weight,
            } => format!("neuron {neuron}, feature {feature}: weight {weight:.4}"),
            Tag::Neuron {
                neuron,
                features,
                monosemanticity,
            } => format!(
                "neuron {neuron}: {features} feature{} (max|w|/‖w‖ = {monosemanticity:.3})",
                if *features == 1 { "" } else { "s" }
            ),
            Tag::Edge {
                layer,
                neuron,
                feature,
                weight,
            } => {
                if *layer == 1 {
                    format!("feature {feature} → neuron {neuron}: weight {weight:.4}")
                } else {
                    format!("neuron {neuron} → output {feature}: weight {weight:.4}")
                }
            }
            Tag::Node { kind, index } => format!("{kind} {index}"),
            Tag::Feature {
                feature,
                norm,
                superposition,
            } => format!("feature {feature}: ‖W_i‖ = {norm:.3}, superposition {superposition:.3}"),
            Tag::Arrow {
                feature,
                x,
                y,
                norm,
            } => format!("feature {feature}: W_i = ({x:.3}, {y:.3}), ‖W_i‖ = {norm:.3}"),
            Tag::Loss { step, loss } => format!("step {step}: loss {loss:.4e}"),
            Tag::Dimensionality {
                feature,
                density,
                value,
            } => format!("feature {feature} at 1−S = {density}: D_i = {value:.3}"),
            Tag::Panel { index, density } => format!("panel {index}: 1−S = {density}"),
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
        self.push(
            Shape::Text {
                x,
                y,
                text: text.into(),
                size,
                h,
                v,
                vertical: false,
            },
            color,
            None,
        );
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
    /// circles within their radius plus 3 px.
    pub fn pick(&self, x: f64, y: f64) -> Vec<&Tag> {
        let mut hits: Vec<(f64, &Tag)> = vec![];
        for (k, item) in self.items.iter().enumerate().rev() {
            let Some(tag) = &item.tag else { continue };
            // Rank: topmost first for areas; for lines, the nearest, then the topmost.
            let order = -(k as f64) * 1e-9;
            match &item.shape {
                Shape::Rect { x0, y0, x1, y1 } | Shape::Frame { x0, y0, x1, y1 } => {
                    if x >= *x0 && x <= *x1 && y >= *y0 && y <= *y1 {
                        hits.push((order, tag));
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
                        hits.push((d + order, tag));
                    }
                }
                Shape::Circle { x: cx, y: cy, r } => {
                    let d = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
                    if d <= r + 3.0 {
                        hits.push((d + order, tag));
                    }
                }
                Shape::Polygon { points } | Shape::Path { points, .. } => {
                    let d = points
                        .windows(2)
                        .map(|w| segment_distance((x, y), w[0], w[1]))
                        .fold(f64::INFINITY, f64::min);
                    if d <= 4.0 {
                        hits.push((d + order, tag));
                    }
                }
                Shape::Text { .. } | Shape::Grid { .. } => {}
            }
        }
        hits.sort_by(|a, b| a.0.total_cmp(&b.0));
        hits.into_iter().map(|(_, t)| t).collect()
    }

    /// Draws the scene on a backend whose pixels are `scale` × the scene's CSS pixels.
    pub fn draw<DB: DrawingBackend>(
        &self,
        backend: &mut DB,
        scale: f64,
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        self.draw_with(backend, scale, &mut |_| false)
    }

    /// Draws the scene; `grids` may draw a heatmap itself faster than cell by cell (the page's canvas
    /// paints it as one scaled image) and returns whether it did.
    pub fn draw_with<DB: DrawingBackend>(
        &self,
        backend: &mut DB,
        scale: f64,
        grids: &mut dyn FnMut(&Shape) -> bool,
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let p = |x: f64, y: f64| ((x * scale).round() as i32, (y * scale).round() as i32);
        for item in &self.items {
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
                    if grids(grid) || *cols == 0 || *rows == 0 {
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
                    if b.0 > a.0 && b.1 > a.1 {
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
                    let style = color.stroke_width((width * scale).round().max(1.0) as u32);
                    backend.draw_line(p(*x0, *y0), p(*x1, *y1), &style)?;
                }
                Shape::Path { points, width } => {
                    let style = color.stroke_width((width * scale).round().max(1.0) as u32);
                    backend.draw_path(points.iter().map(|&(x, y)| p(x, y)), &style)?;
                }
                Shape::Circle { x, y, r } => {
                    let radius = (r * scale).round().max(1.0) as u32;
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
                    let pos = Pos::new(
                        match h {
                            HAlign::Left => HPos::Left,
                            HAlign::Center => HPos::Center,
                            HAlign::Right => HPos::Right,
                        },
                        match v {
                            VAlign::Top => VPos::Top,
                            VAlign::Middle => VPos::Center,
                            VAlign::Bottom => VPos::Bottom,
                        },
                    );
                    let mut font =
                        FontDesc::new(FontFamily::SansSerif, size * scale, FontStyle::Normal);
                    if *vertical {
                        font = font.transform(FontTransform::Rotate270);
                    }
                    let style = TextStyle::from(font).color(&color).pos(pos);
                    backend.draw_text(text, &style, p(*x, *y))?;
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
        grids: &mut dyn FnMut(&Shape) -> bool,
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let size = (
            (self.width * scale).ceil() as i32,
            (self.height * scale).ceil() as i32,
        );
        let bg = RGBAColor(background.r, background.g, background.b, background.a);
        backend.draw_rect((0, 0), size, &bg.filled(), true)?;
        self.draw_with(backend, scale, grids)
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
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, bytes);
    });
    let size = (
        (scene.width * scale).ceil() as u32,
        (scene.height * scale).ceil() as u32,
    );
    let mut backend = BitMapBackend::new(path, size);
    scene
        .draw_on(&mut backend, scale, background, &mut |_| false)
        .and_then(|_| backend.present())
        .map_err(|e| format!("cannot write '{}': {e}", path.display()))
}

/// The scene as an SVG document.
pub fn to_svg(scene: &Scene, background: Rgba) -> String {
    let mut out = String::new();
    {
        let mut backend = SVGBackend::with_string(
            &mut out,
            (scene.width.ceil() as u32, scene.height.ceil() as u32),
        );
        // Writing to a String cannot fail.
        let _ = scene.draw_on(&mut backend, 1.0, background, &mut |_| false);
        let _ = backend.present();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(s.pick(15.0, 15.0), vec![&cell(1), &cell(0)]);
        assert_eq!(s.pick(40.0, 40.0), vec![&cell(0)]);
        assert_eq!(s.pick(50.0, 91.0)[0], &cell(2));
        assert_eq!(s.pick(50.0, 92.8)[0], &cell(3));
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
        let svg = to_svg(&s, Rgba::rgb(255, 255, 255));
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("#B2182B"), "{svg}");
        assert!(svg.contains("W₁"), "{svg}");
    }
}
