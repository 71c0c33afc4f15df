//! Share links: the URL fragment that describes a run completely, so that opening it anywhere rebuilds
//! the same run at the same step with bit-identical weights.
//!
//! `#v=4&model=abs&hidden-bias=0&n=100&m=40&density=0.01&importance=0.8&lr=0.001&schedule=constant&
//! weight-decay=0.01&init=notebook&batch=1024&steps=10000&seed=0&step=5000&view=stack`
//!
//! Every setting is written, defaults included, so a link keeps its meaning if defaults change. Reading
//! is forgiving but never silent: whatever cannot be used (an unknown key, a bad value, a value out of
//! range) is replaced by the default and reported in a notice that says what was wrong and what was used
//! instead. The same parser serves the page, the embed API and `tms train --link`.

use crate::app::gate;
use crate::core::config::{Config, Init, ModelKind};
use crate::core::settings::{quote, setting, show_f32, PAPER_DENSITIES, SETTINGS};
use crate::core::sweep::{Axis, Sweep};
use crate::views::View;

/// The link format this code writes. Version 3 added the `init` setting, whose default (the notebook's
/// rule) draws smaller initial weights than versions 1 and 2 did. Version 4 lifted the sweep's cap on
/// restarts (up to [`MAX_RESTARTS`] per value, [`MAX_SWEEP_RUNS`] runs in all); a run's settings mean
/// what they meant in version 3.
pub const VERSION: u32 = 4;

/// Version 2 links had no `init` key and meant the per-matrix rule: they open with `init=xavier` and
/// show exactly the weights they showed then (`tests/golden/v2.txt`).
const PER_MATRIX_INIT_VERSIONS: [&str; 2] = ["1", "2"];
/// Versions before 4 capped a sweep at [`EARLIER_MAX_SWEEP_RUNS`] runs: their sweep links open on the
/// restarts that cap gave them (`restarts=1000` with two values is still the best of 32).
const EARLIER_SWEEP_CAP_VERSIONS: [&str; 3] = ["1", "2", "3"];
/// Version 1 links name the same settings, but that version drew training batches and summed its
/// gradients in a different (equally fixed) order, so the same link gave other numbers: read with a
/// notice saying so.
const EARLIER_VERSION: &str = "1";
/// Longer fragments are cut here before reading (with a notice): no real link comes close.
pub const MAX_LENGTH: usize = 8192;

/// The link key of the input probe: the input values, comma-separated, one per feature
/// (`probe=0,1,0,0,0.5`), read by [`crate::core::probe::read_input`].
pub const PROBE_KEY: &str = "probe";

/// At most this many values, this many restarts of each, and this many runs in all, in a sweep from a
/// link. The page trains restarts in groups of a few at a time, keeping only each restart's evaluation
/// loss and the best run of each value, so memory does not grow with the restarts; the run total bounds
/// the time (the page estimates it before a long sweep starts).
pub const MAX_SWEEP_VALUES: usize = 16;
pub const MAX_RESTARTS: u32 = 1000;
pub const MAX_SWEEP_RUNS: usize = 8000;
/// The runs in all of a sweep from a link of version 3 or earlier.
pub const EARLIER_MAX_SWEEP_RUNS: usize = 64;

/// A sweep: the same run at several values of one setting, each the best of `restarts` seeds.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepSpec {
    pub axis: Axis,
    pub values: Vec<f32>,
    pub restarts: u32,
}

impl SweepSpec {
    /// The sweep this link describes, trained to its step.
    pub fn sweep(&self, link: &Link) -> Sweep {
        Sweep {
            base: link.config.clone(),
            axis: self.axis,
            values: self.values.clone(),
            restarts: self.restarts,
            until: link.step,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub config: Config,
    /// A sweep around `config`, when the link describes one.
    pub sweep: Option<SweepSpec>,
    /// The step to show (the run is trained to it).
    pub step: u64,
    /// The view shown large.
    pub view: View,
    /// The input probe's values (exactly n, in the model's input range), when the link sets one.
    pub probe: Option<Vec<f32>>,
}

impl Default for Link {
    fn default() -> Link {
        Link {
            config: Config::default(),
            sweep: None,
            step: 0,
            view: View::Hidden,
            probe: None,
        }
    }
}

impl Link {
    /// The fragment (without '#').
    pub fn to_fragment(&self) -> String {
        let mut parts = vec![format!("v={VERSION}")];
        for s in SETTINGS {
            parts.push(format!("{}={}", s.key, encode(&s.show(&self.config))));
        }
        if let Some(sweep) = &self.sweep {
            parts.push(format!("sweep={}", sweep.axis.id()));
            parts.push(format!("values={}", join(&sweep.values)));
            parts.push(format!("restarts={}", sweep.restarts));
        }
        parts.push(format!("step={}", self.step));
        parts.push(format!("view={}", self.view.id()));
        if let Some(x) = &self.probe {
            parts.push(format!("{PROBE_KEY}={}", join(x)));
        }
        parts.join("&")
    }

    /// Reads a fragment (with or without '#'); returns the link and what had to be changed, in words.
    pub fn parse(fragment: &str) -> (Link, Vec<String>) {
        let (link, notices) = Link::read(fragment);
        (link, notices.into_iter().map(|n| n.text).collect())
    }

    /// Reads a fragment; returns the link and what had to be changed, each notice naming the key it is
    /// about (so a form can show it beside its field).
    ///
    /// Every setting is read by its declared [`Setting::read_forgiving`]; then the relations between
    /// settings, the sweep keys, and the caps of [`crate::app::gate`] that keep a browser tab
    /// responsive. The same reader serves links, the page's form, the host API and sweeps.
    pub fn read(fragment: &str) -> (Link, Vec<Notice>) {
        let mut notices = Notices::default();
        let mut link = Link::default();
        let mut text = fragment.strip_prefix('#').unwrap_or(fragment);
        if text.len() > MAX_LENGTH {
            let mut cut = MAX_LENGTH;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            notices.general(format!(
                "the link is {} characters long; only the first {MAX_LENGTH} were read",
                text.len()
            ));
            text = &text[..cut];
        }
        let mut seen_version = false;
        // An earlier version's initialisation is the starting point its keys are read over (a version 2
        // link has no `init` key; an explicit one still wins).
        let version = text
            .split('&')
            .find_map(|p| p.strip_prefix("v="))
            .and_then(decode);
        if version
            .as_deref()
            .is_some_and(|v| PER_MATRIX_INIT_VERSIONS.contains(&v))
        {
            link.config.init = Init::Xavier;
        }
        let mut seen = std::collections::HashSet::new();
        let mut step_text = None;
        let (mut sweep_text, mut values_text, mut restarts_text) = (None, None, None);
        let mut probe_text = None;
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = match pair.split_once('=') {
                Some((k, v)) => (decode(k), decode(v)),
                None => (decode(pair), None),
            };
            let (Some(key), Some(value)) = (key, value) else {
                notices.general(format!(
                    "{} in the link is not key=value; ignored",
                    quote(pair)
                ));
                continue;
            };
            if !seen.insert(key.clone()) {
                notices.general(format!(
                    "{} appears more than once in the link; the last value is used",
                    quote(&key)
                ));
            }
            match key.as_str() {
                "v" => {
                    seen_version = true;
                    if value == EARLIER_VERSION {
                        notices.about("v",
                            "this link was made by an earlier version of the explorer (link version 1), which drew training batches and summed gradients differently: the run has the same settings, but its numbers differ from what that version showed".to_string()
                        );
                    } else if value != VERSION.to_string()
                        && !EARLIER_SWEEP_CAP_VERSIONS.contains(&value.as_str())
                    {
                        notices.about("v", format!(
                            "link version {} is not one this explorer knows (it reads version {VERSION}); read as version {VERSION}",
                            quote(&value)
                        ));
                    }
                }
                "step" => step_text = Some(value),
                "sweep" => sweep_text = Some(value),
                "values" => values_text = Some(value),
                "restarts" => restarts_text = Some(value),
                PROBE_KEY => probe_text = Some(value),
                "view" => match View::from_id(&value) {
                    Some(v) => link.view = v,
                    None => notices.about(
                        "view",
                        format!(
                            "view: {} is not a view; allowed {}; using {}",
                            quote(&value),
                            View::ids_text(),
                            link.view.id()
                        ),
                    ),
                },
                _ => match setting(&key) {
                    Some(s) => {
                        if let Some(notice) = s.read_forgiving(&mut link.config, &value) {
                            notices.about(s.key, notice);
                        }
                    }
                    None => notices.general(format!(
                        "unknown setting {} in the link; ignored",
                        quote(&key)
                    )),
                },
            }
        }
        if !seen_version && !text.is_empty() {
            notices.about(
                "v",
                format!("the link has no version; read as version {VERSION}"),
            );
        }
        // Relations between settings.
        let c = &mut link.config;
        if c.density.len() != 1 && c.density.len() != c.n {
            notices.about(
                "density",
                format!(
                "density: {} values for n = {} features; using the first, {}, for every feature",
                c.density.len(),
                c.n,
                show_f32(c.density[0])
            ),
            );
            c.density.truncate(1);
        }
        if c.hidden_bias && c.model != ModelKind::ReluHidden {
            notices.about(
                "hidden-bias",
                format!(
                    "hidden-bias: only relu-hidden has a hidden bias, not {}; using off",
                    c.model.id()
                ),
            );
            c.hidden_bias = false;
        }
        for (key, notice) in gate::cap_config(c) {
            notices.about(key, notice);
        }
        let earlier_cap = version
            .as_deref()
            .is_some_and(|v| EARLIER_SWEEP_CAP_VERSIONS.contains(&v));
        link.sweep = read_sweep(
            c,
            (sweep_text, values_text, restarts_text),
            earlier_cap,
            &mut notices,
        );
        if let Some(text) = probe_text {
            link.probe = Some(read_probe(c, &text, &mut notices));
        }
        if let Some(value) = step_text {
            let reachable = gate::reachable_step(c);
            match read_step(&value) {
                Some(s) if s <= reachable as u128 => link.step = s as u64,
                Some(s) if s <= c.steps as u128 => {
                    notices.about("step", format!(
                        "step: {s} would take this model too long to reach in a browser tab; using {reachable}"
                    ));
                    link.step = reachable;
                }
                Some(s) => {
                    notices.about(
                        "step",
                        format!(
                            "step: {} is past the step budget {}; using {reachable}",
                            quote(&s.to_string()).trim_matches('\''),
                            c.steps,
                        ),
                    );
                    link.step = reachable;
                }
                None => notices.about(
                    "step",
                    format!(
                        "step: {} is not a whole number from 0 to {}; using 0",
                        quote(&value),
                        c.steps
                    ),
                ),
            }
        }
        (link, notices.0)
    }
}

/// The probe's values as written: numbers separated by commas, then read for the model (each value in
/// its input range, exactly n of them); every change is a notice under the `probe` key.
fn read_probe(c: &Config, text: &str, notices: &mut Notices) -> Vec<f32> {
    // More values than the largest n are never read (a link is at most MAX_LENGTH characters anyway).
    let parts: Vec<&str> = if text.trim().is_empty() {
        vec![]
    } else {
        text.split(',').take(c.n + 1).collect()
    };
    let values: Vec<f32> = parts
        .iter()
        .enumerate()
        .map(|(i, part)| match part.trim().parse::<f32>() {
            Ok(v) => v,
            Err(_) => {
                notices.about(
                    PROBE_KEY,
                    format!(
                        "probe: x{} = {} is not a number; using 0",
                        crate::core::probe::subscript(i),
                        quote(part)
                    ),
                );
                0.0
            }
        })
        .collect();
    let input = crate::core::probe::read_input(c.model, c.n, &values);
    for notice in input.notices {
        notices.about(PROBE_KEY, format!("probe: {notice}"));
    }
    input.x
}

/// A step as written: digits only (however many: a step past any budget is still a step).
fn read_step(text: &str) -> Option<u128> {
    let t = text.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(t.parse::<u128>().unwrap_or(u128::MAX))
}

/// What reading a link changed, in words, with the key it is about (None: the link as a whole).
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub key: Option<&'static str>,
    pub text: String,
}

#[derive(Default)]
struct Notices(Vec<Notice>);

impl Notices {
    fn about(&mut self, key: &'static str, text: String) {
        self.0.push(Notice {
            key: Some(key),
            text,
        });
    }

    fn general(&mut self, text: String) {
        self.0.push(Notice { key: None, text });
    }
}

/// The sweep keys of a link: `sweep` (density or importance), `values`, `restarts`. Each value is read
/// by the swept setting's own declaration. `earlier_cap`: the link is of a version before 4, whose
/// sweeps were capped at [`EARLIER_MAX_SWEEP_RUNS`] runs (and open on those restarts still).
fn read_sweep(
    base: &Config,
    (axis, values, restarts): (Option<String>, Option<String>, Option<String>),
    earlier_cap: bool,
    notices: &mut Notices,
) -> Option<SweepSpec> {
    let axis = match axis.as_deref() {
        None | Some("none") => {
            if values.is_some() || restarts.is_some() {
                notices.about(
                    "sweep",
                    "values and restarts describe a sweep, but the link has no sweep=; ignored"
                        .into(),
                );
            }
            return None;
        }
        Some(id) => match Axis::from_id(id) {
            Some(a) => a,
            None => {
                notices.about(
                    "sweep",
                    format!(
                        "sweep: {} is not a sweep; allowed density, importance; using none",
                        quote(id)
                    ),
                );
                return None;
            }
        },
    };
    let defaults: Vec<f32> = match axis {
        Axis::Density => PAPER_DENSITIES.to_vec(),
        Axis::Importance => vec![1.0, 0.9, 0.8, 0.7],
    };
    let swept = setting(axis.id()).expect("a sweep axis is a setting");
    let mut list = vec![];
    match values {
        None => notices.about(
            "values",
            format!("sweep: no values given; using {}", join(&defaults)),
        ),
        Some(text) => {
            let parts: Vec<&str> = text.split(',').collect();
            if parts.len() > MAX_SWEEP_VALUES {
                notices.about("values", format!(
                    "values: {} given, more than {MAX_SWEEP_VALUES}; the first {MAX_SWEEP_VALUES} are used",
                    parts.len()
                ));
            }
            for part in parts.into_iter().take(MAX_SWEEP_VALUES) {
                let mut probe = base.clone();
                match swept.read(&mut probe, part) {
                    Ok(()) => list.push(match axis {
                        Axis::Density => probe.density[0],
                        Axis::Importance => probe.importance,
                    }),
                    Err(e) => notices.about("values", format!("values: {e}; dropped")),
                }
            }
        }
    }
    if list.is_empty() {
        list = defaults;
    }
    let (most, why) = if earlier_cap {
        (
            (EARLIER_MAX_SWEEP_RUNS / list.len()).max(1) as u32,
            format!("at most {EARLIER_MAX_SWEEP_RUNS} runs in a sweep of a link before version 4"),
        )
    } else {
        (
            ((MAX_SWEEP_RUNS / list.len()) as u32).clamp(1, MAX_RESTARTS),
            format!(
                "at most {MAX_RESTARTS} restarts of a value and {MAX_SWEEP_RUNS} runs in a sweep"
            ),
        )
    };
    let mut count = 1u32;
    if let Some(text) = restarts {
        match read_step(&text) {
            Some(k) if (1..=most as u128).contains(&k) => count = k as u32,
            Some(k) => {
                count = k.clamp(1, most as u128) as u32;
                notices.about(
                    "restarts",
                    format!(
                        "restarts = {} is outside 1 to {most} ({why}); using {count}",
                        quote(&k.to_string()).trim_matches('\'')
                    ),
                );
            }
            None => notices.about(
                "restarts",
                format!("restarts: {} is not a whole number; using 1", quote(&text)),
            ),
        }
    }
    Some(SweepSpec {
        axis,
        values: list,
        restarts: count,
    })
}

fn join(values: &[f32]) -> String {
    values
        .iter()
        .map(|&v| show_f32(v))
        .collect::<Vec<_>>()
        .join(",")
}

/// Percent-encodes what a fragment value cannot hold as it is (settings values never need it today).
pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b',' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Percent-decoding ('+' is a space); None for a malformed escape or invalid UTF-8.
pub fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut k = 0;
    while k < bytes.len() {
        match bytes[k] {
            b'%' => {
                let hex = bytes.get(k + 1..k + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                k += 3;
            }
            b'+' => {
                out.push(b' ');
                k += 1;
            }
            b => {
                out.push(b);
                k += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::{ModelKind, Schedule};

    fn sample() -> Link {
        Link {
            sweep: None,
            config: Config {
                model: ModelKind::ReluHidden,
                hidden_bias: true,
                n: 10,
                m: 5,
                density: vec![0.06],
                importance: 0.75,
                lr: 3e-3,
                schedule: Schedule::Linear,
                weight_decay: 0.0,
                init: crate::core::config::Init::Xavier,
                order: crate::core::config::Order::Lockstep,
                batch: 512,
                steps: 20_000,
                seed: 123_456,
            },
            step: 4321,
            view: View::Stack,
            probe: None,
        }
    }

    #[test]
    fn a_link_reads_back_as_the_same_run() {
        let link = sample();
        let text = link.to_fragment();
        assert!(
            text.starts_with("v=4&model=relu-hidden&hidden-bias=1&n=10&m=5&density=0.06&"),
            "{text}"
        );
        assert!(text.ends_with("&step=4321&view=stack"), "{text}");
        assert!(text.contains("&order=lockstep&"), "{text}");
        assert_eq!(Link::parse(&text), (link.clone(), vec![]));
        // Links from before the order setting name none: they mean the rows order, as they did.
        let (old, notices) = Link::parse("v=4&model=relu-hidden&n=10&m=5&density=0.1&steps=100");
        assert_eq!(old.config.order, crate::core::config::Order::Rows);
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(Link::parse(&format!("#{text}")), (link, vec![]));
        let listed = Link {
            config: Config {
                n: 3,
                density: vec![1.0, 0.5, 0.01],
                ..Config::default()
            },
            ..Link::default()
        };
        assert_eq!(Link::parse(&listed.to_fragment()), (listed, vec![]));
    }

    #[test]
    fn a_probe_reads_back_and_its_bad_values_are_reported() {
        let link = Link {
            config: Config {
                model: ModelKind::Abs,
                n: 4,
                m: 8,
                ..Config::default()
            },
            probe: Some(vec![0.0, -1.0, 0.25, 1.0]),
            ..Link::default()
        };
        let text = link.to_fragment();
        assert!(text.ends_with("&view=hidden&probe=0,-1,0.25,1"), "{text}");
        assert_eq!(Link::parse(&text), (link, vec![]));
        // A word, a value outside the tied model's [0, 1], and one value too many.
        let (link, notices) = Link::read("v=3&n=3&probe=abc,2,0.5,1");
        assert_eq!(link.probe, Some(vec![0.0, 1.0, 0.5]));
        let texts: Vec<&str> = notices.iter().map(|n| n.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "probe: x₀ = 'abc' is not a number; using 0",
                "probe: 4 input values given for n = 3 features; using the first 3",
                "probe: x₁ = 2 is outside the relu-output model's inputs [0, 1]; using 1",
            ]
        );
        assert!(notices.iter().all(|n| n.key == Some(PROBE_KEY)));
        // Too few: the rest are 0. Empty: every value 0, said once.
        let (link, notices) = Link::parse("v=3&n=3&probe=1");
        assert_eq!(link.probe, Some(vec![1.0, 0.0, 0.0]));
        assert_eq!(notices.len(), 1, "{notices:?}");
        let (link, _) = Link::parse("v=3&n=2&probe=");
        assert_eq!(link.probe, Some(vec![0.0, 0.0]));
        // A link without the key has no probe.
        assert_eq!(Link::parse("v=3").0.probe, None);
    }

    #[test]
    fn a_sweep_link_reads_back_and_its_bad_parts_are_reported() {
        let link = Link {
            sweep: Some(SweepSpec {
                axis: Axis::Density,
                values: vec![1.0, 0.1, 0.01],
                restarts: 3,
            }),
            ..sample()
        };
        let text = link.to_fragment();
        assert!(
            text.contains("&sweep=density&values=1,0.1,0.01&restarts=3&step="),
            "{text}"
        );
        assert_eq!(Link::parse(&text), (link, vec![]));
        let (link, notices) = Link::parse("v=3&sweep=importance&values=0.9,7,x,0.5&restarts=1000");
        let sweep = link.sweep.unwrap();
        assert_eq!(sweep.values, vec![0.9, 0.5]);
        assert_eq!(sweep.restarts, 32, "at most 64 runs");
        assert_eq!(notices.len(), 3, "{notices:?}");
        assert_eq!(
            notices[2],
            "restarts = 1000 is outside 1 to 32 (at most 64 runs in a sweep of a link before version 4); using 32"
        );
        let (link, notices) = Link::parse("v=3&sweep=colour");
        assert!(link.sweep.is_none() && notices[0].contains("'colour' is not a sweep"));
        let (link, notices) = Link::parse("v=3&values=1,2");
        assert!(link.sweep.is_none() && notices[0].contains("no sweep="));
    }

    #[test]
    fn version_3_sweep_links_keep_their_restart_cap_and_version_4_takes_a_thousand() {
        let restarts = |fragment: &str| {
            let (link, notices) = Link::parse(fragment);
            (link.sweep.unwrap().restarts, notices)
        };
        // Version 3 (and 1, 2): at most 64 runs, as those links opened then.
        for v in ["1", "2", "3"] {
            let (k, notices) = restarts(&format!(
                "v={v}&sweep=density&values=0.75,0.35,0.15,0.12,0.06,0.04&restarts=1000"
            ));
            assert_eq!(k, 10, "v={v}");
            assert!(
                notices.iter().any(|n| n.contains("at most 64 runs")),
                "{notices:?}"
            );
        }
        assert_eq!(restarts("v=3&sweep=density&values=0.5&restarts=1000").0, 64);
        // Version 4: a thousand restarts of each value, at most 8000 runs in all.
        let (k, notices) =
            restarts("v=4&sweep=density&values=0.75,0.35,0.15,0.12,0.06,0.04&restarts=1000");
        assert_eq!((k, notices), (1000, vec![]));
        let (k, notices) = restarts("v=4&sweep=density&values=0.5&restarts=5000");
        assert_eq!(k, 1000);
        assert_eq!(
            notices,
            ["restarts = 5000 is outside 1 to 1000 (at most 1000 restarts of a value and 8000 runs in a sweep); using 1000"]
        );
        let sixteen = ["0.5"; 16].join(",");
        let (k, notices) = restarts(&format!("v=4&sweep=density&values={sixteen}&restarts=1000"));
        assert_eq!(k, 500);
        assert_eq!(notices.len(), 1, "{notices:?}");
        // A version 3 link, written again, is a version 4 link with the restarts it had.
        let (old, _) = Link::parse("v=3&sweep=density&values=0.75,0.35&restarts=1000");
        let again = old.to_fragment();
        assert!(
            again.starts_with("v=4&") && again.contains("&restarts=32&"),
            "{again}"
        );
        assert_eq!(Link::parse(&again), (old, vec![]));
    }

    #[test]
    fn what_cannot_be_used_is_reported_with_what_was_used_instead() {
        let (link, notices) =
            Link::parse("v=3&n=0&model=mlp&colour=red&step=abc&view=pie&lr=nan&oops");
        assert_eq!(
            link.config,
            Config {
                n: 1,
                ..Config::default()
            }
        );
        let all = notices.join("\n");
        for want in [
            "n = 0 is below the minimum 1; using 1",
            "model: 'mlp' is not one of linear, relu-output, relu-hidden, abs; using relu-output",
            "unknown setting 'colour' in the link; ignored",
            "step: 'abc' is not a whole number",
            "view: 'pie' is not a view",
            "lr: 'nan' is not a finite number; allowed 0.000001 to 1000; using 0.001",
            "'oops' in the link is not key=value; ignored",
        ] {
            assert!(all.contains(want), "missing «{want}» in:\n{all}");
        }
        let (_, notices) = Link::parse("v=7&n=4");
        assert!(notices[0].contains("version '7'"), "{notices:?}");
        // A version 1 link opens on the same settings, saying its numbers differ from that version's.
        let (old, notices) = Link::parse("v=1&model=abs&n=3&m=6&density=1&seed=4&step=20");
        let (new, none) = Link::parse("v=2&model=abs&n=3&m=6&density=1&seed=4&step=20");
        assert!(none.is_empty(), "{none:?}");
        assert_eq!((&old.config, old.step), (&new.config, new.step));
        // Versions 1 and 2 meant the per-matrix initialisation; version 3 defaults to the notebook's.
        assert_eq!(new.config.init, crate::core::config::Init::Xavier);
        let (v3, none) = Link::parse("v=3&model=abs&n=3&m=6&density=1&seed=4&step=20");
        assert!(none.is_empty(), "{none:?}");
        assert_eq!(v3.config.init, crate::core::config::Init::Notebook);
        assert_eq!(
            Link::parse("v=2&init=notebook").0.config.init,
            crate::core::config::Init::Notebook,
            "an explicit init wins"
        );
        assert_eq!(notices.len(), 1);
        assert!(notices[0].contains("earlier version"), "{notices:?}");
        let (link, notices) = Link::parse("v=3&steps=100&step=500");
        assert_eq!(link.step, 100);
        assert!(notices[0].contains("past the step budget"));
        let (link, notices) = Link::read("v=3&model=abs&n=1000&m=1000&batch=16384");
        assert!(gate::step_ns(&link.config) <= gate::MAX_UNIT_NS);
        assert!(gate::metrics_ns(&link.config) <= gate::MAX_UNIT_NS);
        let keys: Vec<_> = notices.iter().map(|n| n.key).collect();
        assert_eq!(keys, vec![Some("m"), Some("batch")], "{notices:?}");
        let (link, notices) = Link::parse("v=3&n=4&density=0.1,0.2");
        assert_eq!(link.config.density, vec![0.1]);
        assert_eq!(notices.len(), 1);
        let (_, notices) = Link::parse(&format!("v=3&n={}", "9".repeat(20_000)));
        assert!(notices.iter().any(|n| n.contains("only the first 8192")));
        assert!(
            notices.iter().all(|n| n.len() < 300),
            "notices stay short: {notices:?}"
        );
        let (_, notices) = Link::parse("v=3&n=%zz&%ff=1");
        assert_eq!(notices.len(), 2, "{notices:?}");
        let (link, notices) = Link::parse("v=3&n=1000000000&density=5,0,0.5&m=3");
        assert_eq!(link.config.n, 1000);
        assert_eq!(
            notices[0],
            "n = 1000000000 is above the maximum 1000; using 1000"
        );
        assert_eq!(
            notices[1],
            "density = 5,0,0.5 has values outside 0.00001 to 1, moved to the nearest; using 1,0.00001,0.5"
        );
    }
}
