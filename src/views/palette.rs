//! The one palette every view uses: colour-blind-safe scales and a light and a dark theme.
//!
//! - weights: diverging blue (negative) – neutral (zero) – red (positive), symmetric about 0 (ColorBrewer
//!   RdBu end points, readable with every common colour-vision deficiency);
//! - superposition and other 0 → 1 quantities: viridis, dark to bright;
//! - feature identity (n ≤ 12): twelve colours picked from lighter and darker variants of Okabe–Ito's
//!   and Paul Tol's palettes so that every two stay apart (CIEDE2000 ≥ 10) for normal vision and under
//!   full protanopia, deuteranopia and tritanopia (Machado et al. 2009), and stay clear of both themes'
//!   backgrounds and of the grey of unused weights; the test below computes it. Beyond 12 features no
//!   palette stays distinct, and features are coloured by superposition (or importance) instead.

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

/// In order: each prefix is as spread out as the search found (the first four differ by ΔE ≥ 41).
const FEATURES: [Rgba; 12] = [
    Rgba::rgb(255, 180, 40),  // orange
    Rgba::rgb(70, 48, 171),   // indigo
    Rgba::rgb(131, 192, 252), // light blue
    Rgba::rgb(98, 53, 13),    // brown
    Rgba::rgb(174, 105, 143), // mauve
    Rgba::rgb(81, 123, 77),   // green
    Rgba::rgb(179, 80, 8),    // vermillion
    Rgba::rgb(228, 123, 139), // rose
    Rgba::rgb(152, 154, 29),  // olive
    Rgba::rgb(0, 119, 187),   // blue
    Rgba::rgb(83, 157, 201),  // sky blue
    Rgba::rgb(190, 177, 107), // sand
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

    /// Superposition (or any 0 → 1 quantity; ≥ 1 is the brightest), in 64 steps. On the dark theme the
    /// scale starts a quarter of the way up viridis, where its darkest purples would vanish into the
    /// background.
    pub fn sequential(&self, t: f64) -> Rgba {
        let t = if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let t = if self.dark { 0.25 + 0.75 * t } else { t };
        ramp(&VIRIDIS, (t * 64.0).round() / 64.0)
    }

    /// Feature i's own colour (for n ≤ `IDENTITY_COLOURS`).
    pub fn feature(&self, i: usize) -> Rgba {
        FEATURES[i % FEATURES.len()]
    }
}

/// `Theme::weight` as a table of its 129 colours, for colouring a million cells quickly.
pub struct WeightShades {
    shades: Vec<Rgba>,
    zero: Rgba,
}

impl WeightShades {
    pub fn new(theme: &Theme) -> WeightShades {
        WeightShades {
            shades: (-64..=64).map(|k| theme.weight(k as f32, 64.0)).collect(),
            zero: theme.zero,
        }
    }

    /// The same colour as `theme.weight(v, scale)`.
    pub fn of(&self, v: f32, scale: f32) -> Rgba {
        let t = if scale > 0.0 { (v / scale) as f64 } else { 0.0 };
        if !t.is_finite() {
            return self.zero;
        }
        self.shades[((t.clamp(-1.0, 1.0) * 64.0).round() as i64 + 64) as usize]
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
    fn the_weight_table_gives_the_weight_colours() {
        for theme in [Theme::LIGHT, Theme::DARK] {
            let shades = WeightShades::new(&theme);
            for k in -300..=300 {
                let v = k as f32 * 0.0037;
                assert_eq!(shades.of(v, 0.8), theme.weight(v, 0.8), "{v}");
            }
            for v in [f32::NAN, f32::INFINITY, -f32::INFINITY, 0.0] {
                assert_eq!(shades.of(v, 0.8), theme.weight(v, 0.8), "{v}");
            }
            assert_eq!(shades.of(0.3, 0.0), theme.weight(0.3, 0.0));
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

    /// sRGB component to linear light.
    fn linear(c: u8) -> f64 {
        let c = c as f64 / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    }

    /// Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB.
    const PROTANOPIA: [[f64; 3]; 3] = [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ];
    const DEUTERANOPIA: [[f64; 3]; 3] = [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ];
    const TRITANOPIA: [[f64; 3]; 3] = [
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.303900],
    ];
    const NORMAL: [[f64; 3]; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    const VISIONS: [(&str, [[f64; 3]; 3]); 4] = [
        ("normal", NORMAL),
        ("protanopia", PROTANOPIA),
        ("deuteranopia", DEUTERANOPIA),
        ("tritanopia", TRITANOPIA),
    ];

    /// CIELAB (D65) of a colour as seen with vision `m`.
    fn lab(c: Rgba, m: &[[f64; 3]; 3]) -> [f64; 3] {
        let l = [linear(c.r), linear(c.g), linear(c.b)];
        let s: Vec<f64> = (0..3)
            .map(|i| (0..3).map(|k| m[i][k] * l[k]).sum::<f64>().clamp(0.0, 1.0))
            .collect();
        let x = 0.4124564 * s[0] + 0.3575761 * s[1] + 0.1804375 * s[2];
        let y = 0.2126729 * s[0] + 0.7151522 * s[1] + 0.0721750 * s[2];
        let z = 0.0193339 * s[0] + 0.1191920 * s[1] + 0.9503041 * s[2];
        let f = |t: f64| {
            if t > 216.0 / 24389.0 {
                t.cbrt()
            } else {
                (24389.0 / 27.0 * t + 16.0) / 116.0
            }
        };
        let (fx, fy, fz) = (f(x / 0.95047), f(y), f(z / 1.08883));
        [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
    }

    /// CIEDE2000 colour difference (Sharma, Wu & Dalal 2005).
    fn delta_e(p: [f64; 3], q: [f64; 3]) -> f64 {
        let [l1, a1, b1] = p;
        let [l2, a2, b2] = q;
        let c7 = |c: f64| c.powi(7) / (c.powi(7) + 25f64.powi(7));
        let cbar = (a1.hypot(b1) + a2.hypot(b2)) / 2.0;
        let g = 0.5 * (1.0 - c7(cbar).sqrt());
        let (a1p, a2p) = ((1.0 + g) * a1, (1.0 + g) * a2);
        let (c1p, c2p) = (a1p.hypot(b1), a2p.hypot(b2));
        let hue = |b: f64, a: f64| b.atan2(a).to_degrees().rem_euclid(360.0);
        let (h1p, h2p) = (hue(b1, a1p), hue(b2, a2p));
        let dlp = l2 - l1;
        let dcp = c2p - c1p;
        let mut dhp = h2p - h1p;
        if c1p * c2p == 0.0 {
            dhp = 0.0;
        } else if dhp > 180.0 {
            dhp -= 360.0;
        } else if dhp < -180.0 {
            dhp += 360.0;
        }
        let dhhp = 2.0 * (c1p * c2p).sqrt() * (dhp.to_radians() / 2.0).sin();
        let lbp = (l1 + l2) / 2.0;
        let cbp = (c1p + c2p) / 2.0;
        let hbp = if c1p * c2p == 0.0 {
            h1p + h2p
        } else if (h1p - h2p).abs() > 180.0 {
            if h1p + h2p < 360.0 {
                (h1p + h2p + 360.0) / 2.0
            } else {
                (h1p + h2p - 360.0) / 2.0
            }
        } else {
            (h1p + h2p) / 2.0
        };
        let cos = |d: f64| d.to_radians().cos();
        let t = 1.0 - 0.17 * cos(hbp - 30.0) + 0.24 * cos(2.0 * hbp) + 0.32 * cos(3.0 * hbp + 6.0)
            - 0.20 * cos(4.0 * hbp - 63.0);
        let dtheta = 30.0 * (-((hbp - 275.0) / 25.0).powi(2)).exp();
        let rc = 2.0 * c7(cbp).sqrt();
        let sl = 1.0 + 0.015 * (lbp - 50.0).powi(2) / (20.0 + (lbp - 50.0).powi(2)).sqrt();
        let sc = 1.0 + 0.045 * cbp;
        let sh = 1.0 + 0.015 * cbp * t;
        let rt = -(2.0 * dtheta).to_radians().sin() * rc;
        ((dlp / sl).powi(2)
            + (dcp / sc).powi(2)
            + (dhhp / sh).powi(2)
            + rt * (dcp / sc) * (dhhp / sh))
            .sqrt()
    }

    /// The smallest difference between two colours over the four kinds of vision.
    fn apart(a: Rgba, b: Rgba) -> (f64, &'static str) {
        VISIONS
            .iter()
            .map(|(name, m)| (delta_e(lab(a, m), lab(b, m)), *name))
            .fold((f64::INFINITY, ""), |x, y| if y.0 < x.0 { y } else { x })
    }

    #[test]
    fn delta_e_matches_the_published_test_pairs() {
        // Sharma, Wu & Dalal (2005), table 1, pairs 1, 7 and 17.
        let pairs = [
            ([50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485], 2.0425),
            ([50.0, 0.0, 0.0], [50.0, -1.0, 2.0], 2.3669),
            ([50.0, 2.5, 0.0], [73.0, 25.0, -18.0], 27.1492),
        ];
        for (p, q, want) in pairs {
            assert!((delta_e(p, q) - want).abs() < 1e-4, "{p:?} {q:?}");
        }
        // Protanopia and deuteranopia confuse red with green; normal vision does not.
        let (red, green) = (Rgba::rgb(200, 60, 40), Rgba::rgb(110, 110, 40));
        assert!(delta_e(lab(red, &NORMAL), lab(green, &NORMAL)) > 30.0);
        assert!(delta_e(lab(red, &DEUTERANOPIA), lab(green, &DEUTERANOPIA)) < 10.0);
    }

    /// Twelve feature colours stay apart under every common colour-vision deficiency, and from the
    /// backgrounds and the greys they are drawn beside. (The previous palette had orange features 0
    /// and 3 at ΔE 4 for deuteranopes.)
    #[test]
    fn feature_colours_stay_distinct_under_colour_vision_deficiency() {
        assert_eq!(IDENTITY_COLOURS, 12);
        for a in 0..IDENTITY_COLOURS {
            for b in 0..a {
                let (d, vision) = apart(Theme::LIGHT.feature(a), Theme::LIGHT.feature(b));
                assert!(d >= 10.0, "features {a} and {b}: ΔE {d:.1} for {vision}");
            }
            for theme in [Theme::LIGHT, Theme::DARK] {
                let c = theme.feature(a);
                let (d, vision) = apart(c, theme.background);
                assert!(
                    d >= 20.0,
                    "feature {a} on the background: ΔE {d:.1} ({vision})"
                );
                let (d, vision) = apart(c, theme.unused);
                assert!(d >= 12.0, "feature {a} beside grey: ΔE {d:.1} ({vision})");
            }
        }
    }
}
