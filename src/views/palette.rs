//! The one palette every view uses: colour-blind-safe scales and a light and a dark theme.
//!
//! - weights: diverging blue (negative) – neutral (zero) – red (positive), symmetric about 0 (ColorBrewer
//!   RdBu end points, readable with every common colour-vision deficiency);
//! - superposition and other 0 → 1 quantities: viridis, dark to bright;
//! - feature identity (small n): Okabe–Ito's seven colours and three of Paul Tol's "muted" set.

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rgba {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    pub a: f64,
}

impl Rgba {
    pub const fn rgb(r: u8, g: u8, b: u8) -> Rgba {
        Rgba { r, g, b, a: 1.0 }
    }

    pub fn alpha(self, a: f64) -> Rgba {
        Rgba { a, ..self }
    }

    /// `#rrggbb`, as SVG writes fills.
    pub fn hex(self) -> String {
        format!("#{:02X}{:02X}{:02X}", self.r, self.g, self.b)
    }

    fn mix(self, other: Rgba, t: f64) -> Rgba {
        let t = t.clamp(0.0, 1.0);
        let l = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
        Rgba {
            r: l(self.r, other.r),
            g: l(self.g, other.g),
            b: l(self.b, other.b),
            a: self.a + (other.a - self.a) * t,
        }
    }
}

/// Evenly spaced colour stops, interpolated linearly.
fn ramp(stops: &[Rgba], t: f64) -> Rgba {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (stops.len() - 1) as f64;
    let k = (x.floor() as usize).min(stops.len() - 2);
    stops[k].mix(stops[k + 1], x - k as f64)
}

const VIRIDIS: [Rgba; 5] = [
    Rgba::rgb(68, 1, 84),
    Rgba::rgb(59, 82, 139),
    Rgba::rgb(33, 145, 140),
    Rgba::rgb(94, 201, 98),
    Rgba::rgb(253, 231, 37),
];

const NEGATIVE: Rgba = Rgba::rgb(33, 102, 172);
const POSITIVE: Rgba = Rgba::rgb(178, 24, 43);

const FEATURES: [Rgba; 10] = [
    Rgba::rgb(230, 159, 0),   // orange
    Rgba::rgb(86, 180, 233),  // sky blue
    Rgba::rgb(0, 158, 115),   // bluish green
    Rgba::rgb(213, 94, 0),    // vermillion
    Rgba::rgb(0, 114, 178),   // blue
    Rgba::rgb(204, 121, 167), // reddish purple
    Rgba::rgb(240, 228, 66),  // yellow
    Rgba::rgb(51, 34, 136),   // indigo
    Rgba::rgb(153, 153, 51),  // olive
    Rgba::rgb(204, 102, 119), // rose
];

/// How many features get a colour of their own; beyond this, features are coloured by superposition.
pub const IDENTITY_COLOURS: usize = FEATURES.len();

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Theme {
    pub dark: bool,
    pub background: Rgba,
    pub text: Rgba,
    pub muted: Rgba,
    pub grid: Rgba,
    /// Features or neurons that carry nothing.
    pub unused: Rgba,
    /// The colour of zero on the diverging scale.
    pub zero: Rgba,
}

impl Theme {
    pub const LIGHT: Theme = Theme {
        dark: false,
        background: Rgba::rgb(255, 255, 255),
        text: Rgba::rgb(33, 33, 33),
        muted: Rgba::rgb(110, 110, 110),
        grid: Rgba::rgb(225, 225, 225),
        unused: Rgba::rgb(205, 205, 205),
        zero: Rgba::rgb(247, 247, 247),
    };

    pub const DARK: Theme = Theme {
        dark: true,
        background: Rgba::rgb(22, 22, 26),
        text: Rgba::rgb(232, 232, 232),
        muted: Rgba::rgb(160, 160, 160),
        grid: Rgba::rgb(58, 58, 64),
        unused: Rgba::rgb(80, 80, 86),
        zero: Rgba::rgb(40, 40, 46),
    };

    pub fn named(name: &str) -> Option<Theme> {
        match name {
            "light" => Some(Theme::LIGHT),
            "dark" => Some(Theme::DARK),
            _ => None,
        }
    }

    /// A weight on the diverging scale: `v / scale` in [−1, 1] maps blue – zero – red.
    pub fn weight(&self, v: f32, scale: f32) -> Rgba {
        let t = if scale > 0.0 { (v / scale) as f64 } else { 0.0 };
        // 64 steps a side: finer than the eye can tell apart, and neighbouring cells of one colour merge.
        let t = if t.is_finite() {
            (t.clamp(-1.0, 1.0) * 64.0).round() / 64.0
        } else {
            0.0
        };
        if t >= 0.0 {
            self.zero.mix(POSITIVE, t)
        } else {
            self.zero.mix(NEGATIVE, -t)
        }
    }

    /// Superposition (or any 0 → 1 quantity; ≥ 1 is the brightest), in 64 steps.
    pub fn sequential(&self, t: f64) -> Rgba {
        ramp(&VIRIDIS, (t * 64.0).round() / 64.0)
    }

    /// Feature i's own colour (for n ≤ `IDENTITY_COLOURS`).
    pub fn feature(&self, i: usize) -> Rgba {
        FEATURES[i % FEATURES.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weight_scale_is_symmetric_and_signed() {
        for theme in [Theme::LIGHT, Theme::DARK] {
            assert_eq!(theme.weight(0.0, 1.0), theme.zero);
            assert_eq!(theme.weight(1.0, 1.0), POSITIVE);
            assert_eq!(theme.weight(-1.0, 1.0), NEGATIVE);
            assert_eq!(theme.weight(5.0, 1.0), POSITIVE, "clamped");
            let (p, n) = (theme.weight(0.5, 1.0), theme.weight(-0.5, 1.0));
            assert!(p.r > p.b && n.b > n.r);
            assert_eq!(theme.weight(f32::NAN, 1.0), theme.zero);
        }
    }

    #[test]
    fn sequential_runs_dark_to_bright() {
        let luma = |c: Rgba| 0.2126 * c.r as f64 + 0.7152 * c.g as f64 + 0.0722 * c.b as f64;
        let steps: Vec<f64> = (0..=10)
            .map(|k| luma(Theme::LIGHT.sequential(k as f64 / 10.0)))
            .collect();
        assert!(steps.windows(2).all(|w| w[1] > w[0]), "{steps:?}");
        assert_eq!(Theme::LIGHT.sequential(3.0), VIRIDIS[4]);
    }

    #[test]
    fn feature_colours_are_distinct() {
        for a in 0..IDENTITY_COLOURS {
            for b in 0..a {
                assert_ne!(Theme::LIGHT.feature(a), Theme::LIGHT.feature(b));
            }
        }
    }
}
