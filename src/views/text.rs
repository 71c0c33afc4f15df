//! How wide a text is: the views lay out labels before anything is drawn, so they measure text with the
//! advance widths of DejaVu Sans (the font the figures name first, and the one PNGs are drawn with),
//! plus a safety margin for the browser's own sans-serif where DejaVu Sans is not installed (Helvetica,
//! Arial and Liberation Sans are narrower). A test checks the table against the bundled font file.

/// DejaVu Sans advance widths in font units (2,048 to the em) for every character the views write,
/// sorted by character. Generated from `DejaVuSans.ttf` (see the test `the_table_is_the_bundled_font`).
const ADVANCES: [(char, u16); ADVANCE_COUNT] = [
    (' ', 651),
    ('!', 821),
    ('"', 942),
    ('#', 1716),
    ('$', 1303),
    ('%', 1946),
    ('&', 1597),
    ('\'', 563),
    ('(', 799),
    (')', 799),
    ('*', 1024),
    ('+', 1716),
    (',', 651),
    ('-', 739),
    ('.', 651),
    ('/', 690),
    ('0', 1303),
    ('1', 1303),
    ('2', 1303),
    ('3', 1303),
    ('4', 1303),
    ('5', 1303),
    ('6', 1303),
    ('7', 1303),
    ('8', 1303),
    ('9', 1303),
    (':', 690),
    (';', 690),
    ('<', 1716),
    ('=', 1716),
    ('>', 1716),
    ('?', 1087),
    ('@', 2048),
    ('A', 1401),
    ('B', 1405),
    ('C', 1430),
    ('D', 1577),
    ('E', 1294),
    ('F', 1178),
    ('G', 1587),
    ('H', 1540),
    ('I', 604),
    ('J', 604),
    ('K', 1343),
    ('L', 1141),
    ('M', 1767),
    ('N', 1532),
    ('O', 1612),
    ('P', 1235),
    ('Q', 1612),
    ('R', 1423),
    ('S', 1300),
    ('T', 1251),
    ('U', 1499),
    ('V', 1401),
    ('W', 2025),
    ('X', 1403),
    ('Y', 1251),
    ('Z', 1403),
    ('[', 799),
    ('\\', 690),
    (']', 799),
    ('^', 1716),
    ('_', 1024),
    ('`', 1024),
    ('a', 1255),
    ('b', 1300),
    ('c', 1126),
    ('d', 1300),
    ('e', 1260),
    ('f', 721),
    ('g', 1300),
    ('h', 1298),
    ('i', 569),
    ('j', 569),
    ('k', 1186),
    ('l', 569),
    ('m', 1995),
    ('n', 1298),
    ('o', 1253),
    ('p', 1300),
    ('q', 1300),
    ('r', 842),
    ('s', 1067),
    ('t', 803),
    ('u', 1298),
    ('v', 1212),
    ('w', 1675),
    ('x', 1212),
    ('y', 1212),
    ('z', 1075),
    ('{', 1303),
    ('|', 690),
    ('}', 1303),
    ('~', 1716),
    ('°', 1024),
    ('±', 1716),
    ('²', 821),
    ('³', 821),
    ('·', 651),
    ('¹', 821),
    ('½', 1985),
    ('×', 1716),
    ('Ŵ', 2025),
    ('Δ', 1401),
    ('Σ', 1294),
    ('ᵀ', 788),
    ('ᵢ', 366),
    ('–', 1024),
    ('—', 2048),
    ('‖', 1024),
    ('…', 2048),
    ('′', 465),
    ('⁰', 821),
    ('ⁱ', 366),
    ('⁴', 821),
    ('⁵', 821),
    ('⁶', 821),
    ('⁷', 821),
    ('⁸', 821),
    ('⁹', 821),
    ('⁺', 1081),
    ('⁻', 1081),
    ('₀', 821),
    ('₁', 821),
    ('₂', 821),
    ('₃', 821),
    ('₄', 821),
    ('₅', 821),
    ('₆', 821),
    ('₇', 821),
    ('₈', 821),
    ('₉', 821),
    ('ₘ', 1276),
    ('ₙ', 816),
    ('⅖', 1985),
    ('←', 1716),
    ('→', 1716),
    ('∈', 1784),
    ('∑', 1380),
    ('−', 1716),
    ('√', 1305),
    ('∝', 1463),
    ('∞', 1706),
    ('≈', 1716),
    ('≠', 1716),
    ('≤', 1716),
    ('≥', 1716),
    ('■', 1935),
    ('○', 1787),
    ('●', 1787),
    ('ⱼ', 358),
];
const ADVANCE_COUNT: usize = 152;
const UNITS_PER_EM: f64 = 2048.0;

/// Characters outside the table (a label someone typed) count as one em, wider than nearly every glyph.
const UNKNOWN: f64 = 1.0;
/// Widths are stretched by this share and padded by this many ems on each side, so that a text drawn
/// in a slightly wider font, or with different hinting, still fits the box the layout reserved.
pub const MARGIN: f64 = 0.06;
pub const PAD_EM: f64 = 0.1;

/// The font family every backend is asked for: DejaVu Sans where installed (the widths above are
/// exact), the platform's sans-serif otherwise. A CSS font list, so canvas and SVG read it as is.
pub const FAMILY: &str = "DejaVu Sans, sans-serif";

/// The advance of one character in ems.
pub fn advance(c: char) -> f64 {
    match ADVANCES.binary_search_by(|(k, _)| k.cmp(&c)) {
        Ok(k) => ADVANCES[k].1 as f64 / UNITS_PER_EM,
        Err(_) => UNKNOWN,
    }
}

/// Whether the table knows `c` (the views' own strings use only such characters).
pub fn known(c: char) -> bool {
    ADVANCES.binary_search_by(|(k, _)| k.cmp(&c)).is_ok()
}

/// The width in CSS px that `text` takes at `size` px, margins included.
pub fn width(text: &str, size: f64) -> f64 {
    let ems: f64 = text.chars().map(advance).sum();
    (ems * (1.0 + MARGIN) + 2.0 * PAD_EM) * size
}

/// The height of a line box at `size` px: the em square and a little room for accents and descenders.
pub fn height(size: f64) -> f64 {
    size * (1.0 + 2.0 * PAD_EM)
}

/// The first of `choices` that fits in `max_width` at `size` (the last one when none does).
pub fn fit<'a>(choices: &[&'a str], size: f64, max_width: f64) -> &'a str {
    choices
        .iter()
        .copied()
        .find(|t| width(t, size) <= max_width)
        .unwrap_or(choices[choices.len() - 1])
}

/// `text` broken at spaces into lines no wider than `max_width` (a word wider than that stays whole).
pub fn wrap(text: &str, size: f64, max_width: f64) -> Vec<String> {
    let mut lines: Vec<String> = vec![];
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if line.is_empty() || width(&candidate, size) <= max_width {
            line = candidate;
        } else {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` shortened with "…" so it fits in `max_width` (for labels a user gave, which can be long).
pub fn ellipsize(text: &str, size: f64, max_width: f64) -> String {
    if width(text, size) <= max_width {
        return text.to_string();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let candidate: String = chars.iter().collect::<String>() + "…";
        if width(&candidate, size) <= max_width {
            return candidate;
        }
    }
    String::new()
}

/// Digits as subscripts: feature 12's vector is W₁₂.
pub fn subscript(k: usize) -> String {
    k.to_string()
        .chars()
        .map(|d| char::from_u32(0x2080 + d.to_digit(10).unwrap_or(0)).unwrap_or(d))
        .collect()
}

/// An integer power of ten as "10⁻³".
pub fn power_of_ten(e: i32) -> String {
    const SUPER: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let digits: String = e
        .unsigned_abs()
        .to_string()
        .chars()
        .map(|d| SUPER[d.to_digit(10).unwrap_or(0) as usize])
        .collect();
    format!("10{}{digits}", if e < 0 { "⁻" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_measures_text() {
        assert!(ADVANCES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(advance('W'), 2025.0 / 2048.0);
        assert!(width("WWW", 10.0) > width("iii", 10.0));
        assert!(
            width("日本", 12.0) >= 24.0,
            "unknown characters count as an em each"
        );
        assert_eq!(fit(&["a long title", "short"], 12.0, 50.0), "short");
        assert_eq!(
            wrap("a bb ccc", 10.0, width("a bb", 10.0)),
            vec!["a bb", "ccc"]
        );
        assert!(width(&ellipsize("a very long label indeed", 12.0, 60.0), 12.0) <= 60.0);
        assert_eq!(subscript(12), "₁₂");
        assert_eq!(power_of_ten(-3), "10⁻³");
        assert_eq!(power_of_ten(2), "10²");
    }

    /// The table holds the bundled font's advances, every character in it has a glyph there (so PNGs
    /// never show a missing-glyph box), and plotters lays text out no wider than the table says.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn the_table_is_the_bundled_font() {
        use ab_glyph::{Font, FontRef};
        let font = FontRef::try_from_slice(include_bytes!("DejaVuSans.ttf")).unwrap();
        assert_eq!(font.units_per_em(), Some(UNITS_PER_EM as f32));
        for (c, adv) in ADVANCES {
            let id = font.glyph_id(c);
            assert_ne!(id.0, 0, "DejaVu Sans has no glyph for {c:?}");
            assert_eq!(font.h_advance_unscaled(id), adv as f32, "{c:?}");
        }
    }
}
