//! Legends: every colour, shade and mark a view uses is explained in the view itself. A legend is a list
//! of keys laid out left to right in rows under the title, each key measured before it is placed, so
//! keys and their labels never run into each other or off the figure; a sweep draws one legend for all
//! of its panels.

use super::palette::Rgba;
use super::scene::{HAlign, Scene, Shape, VAlign};
use super::text;
use super::Theme;

#[derive(Clone, Debug, PartialEq)]
pub enum Key {
    /// A filled square and its meaning.
    Swatch { colour: Rgba, label: String },
    /// A colour scale: `name`, then `lo` ▬▬▬ `hi`.
    Ramp {
        name: String,
        lo: String,
        hi: String,
        colours: Vec<Rgba>,
    },
    /// A line sample (solid or dashed) and its meaning.
    Line {
        colour: Rgba,
        width: f64,
        dashed: bool,
        label: String,
    },
    /// A dot sample and its meaning.
    Dot { colour: Rgba, label: String },
    /// Words only (a caveat such as "edges under 8% of the largest are not drawn").
    Note { text: String },
}

impl Key {
    pub fn swatch(colour: Rgba, label: impl Into<String>) -> Key {
        Key::Swatch {
            colour,
            label: label.into(),
        }
    }

    pub fn note(text: impl Into<String>) -> Key {
        Key::Note { text: text.into() }
    }

    /// A ramp sampled from `colour` over t in [0, 1].
    pub fn ramp(
        name: impl Into<String>,
        lo: impl Into<String>,
        hi: impl Into<String>,
        colour: impl Fn(f64) -> Rgba,
    ) -> Key {
        Key::Ramp {
            name: name.into(),
            lo: lo.into(),
            hi: hi.into(),
            colours: (0..RAMP_STEPS)
                .map(|k| colour((k as f64 + 0.5) / RAMP_STEPS as f64))
                .collect(),
        }
    }
}

const RAMP_STEPS: usize = 24;

/// One placed piece: its width and how to draw it at (x, row top).
struct Piece<'a> {
    width: f64,
    key: &'a Key,
    /// For a key split over rows: only this part of it.
    part: Part,
}

#[derive(Clone, Copy, PartialEq)]
enum Part {
    Whole,
    /// A note or label wrapped onto several pieces: one line of it.
    Line(usize),
    /// A ramp too wide for a row: its name on one row, its scale on the next.
    RampName,
    RampScale,
}

/// Lays `keys` out in rows from (x, y) within `max_width`, at text size `size`; returns the y below the
/// legend (y itself when there are no keys).
pub fn draw(
    scene: &mut Scene,
    keys: &[Key],
    x: f64,
    y: f64,
    max_width: f64,
    size: f64,
    theme: &Theme,
) -> f64 {
    let rows = layout(keys, max_width, size);
    let row_h = text::height(size) + 2.0;
    for (k, row) in rows.iter().enumerate() {
        let top = y + k as f64 * row_h;
        let mid = top + row_h / 2.0;
        let mut cx = x;
        for piece in row {
            draw_piece(scene, piece, cx, mid, size, max_width, theme);
            cx += piece.width + gap(size);
        }
    }
    y + rows.len() as f64 * row_h
}

/// The height `keys` take at `max_width` and `size`, for reserving room before drawing.
pub fn height(keys: &[Key], max_width: f64, size: f64) -> f64 {
    layout(keys, max_width, size).len() as f64 * (text::height(size) + 2.0)
}

fn gap(size: f64) -> f64 {
    size * 0.9
}

fn swatch_side(size: f64) -> f64 {
    (size * 0.75).round()
}

fn sample_width(key: &Key, size: f64) -> f64 {
    match key {
        Key::Swatch { .. } | Key::Dot { .. } => swatch_side(size) + 3.0,
        Key::Line { .. } => size * 1.6 + 3.0,
        _ => 0.0,
    }
}

fn ramp_width(size: f64) -> f64 {
    size * 5.0
}

fn label_of(key: &Key) -> &str {
    match key {
        Key::Swatch { label, .. } | Key::Line { label, .. } | Key::Dot { label, .. } => label,
        Key::Note { text } => text,
        Key::Ramp { .. } => "",
    }
}

fn width_of(key: &Key, size: f64) -> f64 {
    match key {
        Key::Ramp { name, lo, hi, .. } => {
            let name_w = if name.is_empty() {
                0.0
            } else {
                text::width(name, size) + 2.0
            };
            name_w + text::width(lo, size) + ramp_width(size) + text::width(hi, size) + 6.0
        }
        other => sample_width(other, size) + text::width(label_of(other), size),
    }
}

fn layout(keys: &[Key], max_width: f64, size: f64) -> Vec<Vec<Piece<'_>>> {
    let mut rows: Vec<Vec<Piece>> = vec![];
    let mut row: Vec<Piece> = vec![];
    let mut used = 0.0;
    for key in keys {
        let w = width_of(key, size);
        let mut pieces = vec![];
        let shrunk = w - ramp_width(size) + size * 2.0;
        if w <= max_width || (matches!(key, Key::Ramp { .. }) && shrunk <= max_width) {
            pieces.push(Piece {
                width: w.min(max_width),
                key,
                part: Part::Whole,
            });
        } else if let Key::Ramp { name, lo, hi, .. } = key {
            pieces.push(Piece {
                width: text::width(name, size),
                key,
                part: Part::RampName,
            });
            pieces.push(Piece {
                width: text::width(lo, size) + ramp_width(size) + text::width(hi, size) + 6.0,
                key,
                part: Part::RampScale,
            });
        } else {
            // Too wide for one row: the label wraps, each line a piece of its own row.
            let lines = text::wrap(label_of(key), size, max_width - sample_width(key, size));
            for (k, line) in lines.iter().enumerate() {
                pieces.push(Piece {
                    width: sample_width(key, size) + text::width(line, size),
                    key,
                    part: Part::Line(k),
                });
            }
        }
        for piece in pieces {
            let wrapped = matches!(piece.part, Part::Line(_) | Part::RampName | Part::RampScale);
            if !row.is_empty() && (used + gap(size) + piece.width > max_width || wrapped) {
                rows.push(std::mem::take(&mut row));
                used = 0.0;
            }
            used += if row.is_empty() {
                piece.width
            } else {
                gap(size) + piece.width
            };
            row.push(piece);
        }
    }
    if !row.is_empty() {
        rows.push(row);
    }
    rows
}

fn draw_piece(
    scene: &mut Scene,
    piece: &Piece,
    x: f64,
    mid: f64,
    size: f64,
    max_width: f64,
    theme: &Theme,
) {
    let side = swatch_side(size);
    let label = |scene: &mut Scene, at: f64, text: &str| {
        scene.text(
            at,
            mid,
            text,
            size,
            HAlign::Left,
            VAlign::Middle,
            theme.text,
        )
    };
    let line_text = |key: &Key| -> String {
        match piece.part {
            Part::Whole | Part::RampName | Part::RampScale => label_of(key).to_string(),
            Part::Line(k) => text::wrap(label_of(key), size, max_width - sample_width(key, size))
                .get(k)
                .cloned()
                .unwrap_or_default(),
        }
    };
    // Only the first line of a wrapped key shows its sample.
    let first = matches!(piece.part, Part::Whole | Part::Line(0));
    match piece.key {
        Key::Swatch { colour, .. } => {
            if first {
                scene.rect(
                    x,
                    mid - side / 2.0,
                    x + side,
                    mid + side / 2.0,
                    *colour,
                    None,
                );
                scene.push(
                    Shape::Frame {
                        x0: x,
                        y0: mid - side / 2.0,
                        x1: x + side,
                        y1: mid + side / 2.0,
                    },
                    theme.grid,
                    None,
                );
            }
            label(scene, x + side + 3.0, &line_text(piece.key));
        }
        Key::Dot { colour, .. } => {
            if first {
                scene.push(
                    Shape::Circle {
                        x: x + side / 2.0,
                        y: mid,
                        r: side / 2.5,
                    },
                    *colour,
                    None,
                );
            }
            label(scene, x + side + 3.0, &line_text(piece.key));
        }
        Key::Line {
            colour,
            width,
            dashed,
            ..
        } => {
            if first {
                let (a, b) = ((x, mid), (x + size * 1.6, mid));
                if *dashed {
                    scene.dashed(a, b, *width, size * 0.3, *colour);
                } else {
                    scene.line(a, b, *width, *colour);
                }
            }
            label(scene, x + size * 1.6 + 3.0, &line_text(piece.key));
        }
        Key::Note { .. } => {
            scene.text(
                x,
                mid,
                line_text(piece.key),
                size,
                HAlign::Left,
                VAlign::Middle,
                theme.muted,
            );
        }
        Key::Ramp {
            name,
            lo,
            hi,
            colours,
        } => {
            let mut cx = x;
            if piece.part == Part::RampName {
                label(scene, cx, name);
                return;
            }
            if !name.is_empty() && piece.part == Part::Whole {
                label(scene, cx, name);
                cx += text::width(name, size) + 2.0;
            }
            scene.text(
                cx,
                mid,
                lo.as_str(),
                size,
                HAlign::Left,
                VAlign::Middle,
                theme.muted,
            );
            cx += text::width(lo, size) + 3.0;
            // The ramp shrinks when the row is narrower than the key wants.
            let spare = if piece.part == Part::Whole {
                width_of(piece.key, size) - piece.width
            } else {
                0.0
            };
            let ramp = (ramp_width(size) - spare).max(size * 2.0);
            let step = ramp / colours.len() as f64;
            for (k, c) in colours.iter().enumerate() {
                scene.rect(
                    cx + k as f64 * step,
                    mid - side / 2.0,
                    cx + (k + 1) as f64 * step,
                    mid + side / 2.0,
                    *c,
                    None,
                );
            }
            cx += ramp + 3.0;
            scene.text(
                cx,
                mid,
                hi.as_str(),
                size,
                HAlign::Left,
                VAlign::Middle,
                theme.muted,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_flow_into_rows_that_fit() {
        let theme = Theme::LIGHT;
        let keys: Vec<Key> = (0..12)
            .map(|i| Key::swatch(theme.feature(i), i.to_string()))
            .chain([
                Key::ramp("superposition", "0", "≥1", |t| theme.sequential(t)),
                Key::note(
                    "a rather long caveat that has to wrap onto more than one row of the legend",
                ),
            ])
            .collect();
        for width in [120.0, 320.0, 900.0] {
            let mut scene = Scene::new(width, 400.0);
            let bottom = draw(&mut scene, &keys, 4.0, 10.0, width - 8.0, 12.0, &theme);
            assert!((bottom - 10.0 - height(&keys, width - 8.0, 12.0)).abs() < 1e-9);
            let boxes: Vec<_> = scene.text_boxes().collect();
            for (k, a) in boxes.iter().enumerate() {
                assert!(a.0 >= 0.0 && a.2 <= width, "{a:?} inside {width}");
                for b in &boxes[..k] {
                    let apart = a.2 <= b.0 || b.2 <= a.0 || a.3 <= b.1 || b.3 <= a.1;
                    assert!(apart, "{a:?} and {b:?} overlap at width {width}");
                }
            }
        }
    }
}
