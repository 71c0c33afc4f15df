//! Share links: the URL fragment that describes a run completely, so that opening it anywhere rebuilds
//! the same run at the same step with bit-identical weights.
//!
//! `#v=3&model=abs&hidden-bias=0&n=100&m=40&density=0.01&importance=0.8&lr=0.001&schedule=constant&
//! weight-decay=0.01&init=notebook&batch=1024&steps=10000&seed=0&step=5000&view=stack`
//!
//! Every setting is written, defaults included, so a link keeps its meaning if defaults change. Reading
//! is forgiving but never silent: whatever cannot be used (an unknown key, a bad value, a value out of
//! range) is replaced by the default and reported in a notice that says what was wrong and what was used
//! instead. The same parser serves the page, the embed API and `tms train --link`.

use crate::core::config::{Config, Control, DENSITY_MIN, SETTINGS, STEPS_MAX};
use crate::core::sweep::{Axis, Sweep};
use crate::views::View;

/// The link format this code writes. Version 3 added the `init` setting, whose default (the notebook's
/// rule) draws smaller initial weights than versions 1 and 2 did.
pub const VERSION: u32 = 3;

/// Version 2 links had no `init` key and meant the per-matrix rule: they open with `init=xavier` and
/// show exactly the weights they showed then (`tests/golden/v2.txt`).
const PER_MATRIX_INIT_VERSIONS: [&str; 2] = ["1", "2"];
/// Version 1 links name the same settings, but that version drew training batches and summed its
/// gradients in a different (equally fixed) order, so the same link gave other numbers: read with a
/// notice saying so.
const EARLIER_VERSION: &str = "1";
/// Longer fragments are cut here before reading (with a notice): no real link comes close.
pub const MAX_LENGTH: usize = 8192;
/// A link cannot ask for more than this much work per step (n · m · batch multiply-adds, about).
pub const MAX_WORK_PER_STEP: u64 = 16 << 20;
/// Nor for a step to open at that takes more work than this to reach: 14,600 steps of abs n = 100,
/// m = 40, batch 1024 (the paper's 10,000-step runs fit), about ten seconds of a browser tab for them.
pub const MAX_WORK_TO_STEP: u64 = 60_000_000_000;

/// At most this many values, and this many runs in all, in a sweep from a link.
pub const MAX_SWEEP_VALUES: usize = 16;
pub const MAX_SWEEP_RUNS: usize = 64;

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
}

impl Default for Link {
    fn default() -> Link {
        Link {
            config: Config::default(),
            sweep: None,
            step: 0,
            view: View::Hidden,
        }
    }
}

impl Link {
    /// The fragment (without '#').
    pub fn to_fragment(&self) -> String {
        let mut parts = vec![format!("v={VERSION}")];
        for s in SETTINGS {
            parts.push(format!(
                "{}={}",
                s.key,
                encode(&self.config.get(s.key).unwrap())
            ));
        }
        if let Some(sweep) = &self.sweep {
            let values: Vec<String> = sweep.values.iter().map(|v| format!("{v}")).collect();
            parts.push(format!("sweep={}", sweep.axis.id()));
            parts.push(format!("values={}", values.join(",")));
            parts.push(format!("restarts={}", sweep.restarts));
        }
        parts.push(format!("step={}", self.step));
        parts.push(format!("view={}", self.view.id()));
        parts.join("&")
    }

    /// Reads a fragment (with or without '#'); returns the link and what had to be changed.
    pub fn parse(fragment: &str) -> (Link, Vec<String>) {
        let mut notices = vec![];
        let mut link = Link::default();
        let mut text = fragment.strip_prefix('#').unwrap_or(fragment);
        if text.len() > MAX_LENGTH {
            let mut cut = MAX_LENGTH;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            notices.push(format!(
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
            link.config.init = crate::core::config::Init::Xavier;
        }
        let mut seen = std::collections::HashSet::new();
        let mut step_text = None;
        let (mut sweep_text, mut values_text, mut restarts_text) = (None, None, None);
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = match pair.split_once('=') {
                Some((k, v)) => (decode(k), decode(v)),
                None => (decode(pair), None),
            };
            let (Some(key), Some(value)) = (key, value) else {
                notices.push(format!(
                    "'{}' in the link is not key=value; ignored",
                    shorten(pair)
                ));
                continue;
            };
            if !seen.insert(key.clone()) {
                notices.push(format!(
                    "'{}' appears more than once in the link; the last value is used",
                    shorten(&key)
                ));
            }
            match key.as_str() {
                "v" => {
                    seen_version = true;
                    if value == EARLIER_VERSION {
                        notices.push(
                            "this link was made by an earlier version of the explorer (link version 1), which drew training batches and summed gradients differently: the run has the same settings, but its numbers differ from what that version showed".to_string()
                        );
                    } else if value != VERSION.to_string()
                        && !PER_MATRIX_INIT_VERSIONS.contains(&value.as_str())
                    {
                        notices.push(format!(
                            "link version '{}' is not one this explorer knows (it reads version {VERSION}); read as version {VERSION}",
                            shorten(&value)
                        ));
                    }
                }
                "step" => step_text = Some(value),
                "sweep" => sweep_text = Some(value),
                "values" => values_text = Some(value),
                "restarts" => restarts_text = Some(value),
                "view" => match View::from_id(&value) {
                    Some(v) => link.view = v,
                    None => notices.push(format!(
                        "view: '{}' is not a view; allowed {}; using {}",
                        shorten(&value),
                        View::ids_text(),
                        link.view.id()
                    )),
                },
                _ => {
                    if let Err(e) = link.config.set(&key, &value) {
                        if let Some(notice) = clamp_into(&mut link.config, &key, &value) {
                            notices.push(notice);
                            continue;
                        }
                        // A refused value leaves the setting as it was: the default, as a rule.
                        let used = link
                            .config
                            .get(&key)
                            .map(|d| format!("; using {}", shorten(&d)))
                            .unwrap_or_default();
                        notices.push(match e {
                            crate::core::config::SettingError::UnknownKey(k) => {
                                format!("unknown setting '{}' in the link; ignored", shorten(&k))
                            }
                            e => format!("{}{used}", shorten_message(&e.to_string())),
                        });
                    }
                }
            }
        }
        if !seen_version && !text.is_empty() {
            notices.push(format!(
                "the link has no version; read as version {VERSION}"
            ));
        }
        // Relations between settings.
        let c = &mut link.config;
        if c.density.len() != 1 && c.density.len() != c.n {
            notices.push(format!(
                "density: {} values for n = {} features; using the first, {}, for every feature",
                c.density.len(),
                c.n,
                c.density[0]
            ));
            c.density.truncate(1);
        }
        if c.hidden_bias && c.model != crate::core::config::ModelKind::ReluHidden {
            notices.push(format!(
                "hidden-bias: only relu-hidden has a hidden bias, not {}; using off",
                c.model.id()
            ));
            c.hidden_bias = false;
        }
        let work = c.n as u64 * c.m as u64 * c.batch as u64;
        if work > MAX_WORK_PER_STEP {
            let batch = (MAX_WORK_PER_STEP / (c.n as u64 * c.m as u64)).max(1) as usize;
            notices.push(format!(
                "batch: n · m · batch = {work} is more work per step than a browser tab can take; using batch {batch}"
            ));
            c.batch = batch;
        }
        link.sweep = read_sweep(c, sweep_text, values_text, restarts_text, &mut notices);
        let work = c.n as u64 * c.m as u64 * c.batch as u64;
        let reachable = (MAX_WORK_TO_STEP / work.max(1)).min(c.steps);
        if let Some(value) = step_text {
            match value.trim().parse::<u64>() {
                Ok(s) if s <= reachable => link.step = s,
                Ok(s) if s <= c.steps => {
                    notices.push(format!(
                        "step: {s} would take this model too long to reach in a browser tab; using {reachable}"
                    ));
                    link.step = reachable;
                }
                Ok(s) => {
                    notices.push(format!(
                        "step: {} is past the step budget {}; using {}",
                        shorten(&s.to_string()),
                        c.steps,
                        reachable
                    ));
                    link.step = reachable;
                }
                Err(_) => notices.push(format!(
                    "step: '{}' is not a whole number from 0 to {}; using 0",
                    shorten(&value),
                    c.steps.min(STEPS_MAX)
                )),
            }
        }
        (link, notices)
    }
}

/// The sweep keys of a link: `sweep` (density or importance), `values`, `restarts`.
fn read_sweep(
    base: &Config,
    axis: Option<String>,
    values: Option<String>,
    restarts: Option<String>,
    notices: &mut Vec<String>,
) -> Option<SweepSpec> {
    let axis = match axis.as_deref() {
        None | Some("none") => {
            if values.is_some() || restarts.is_some() {
                notices.push(
                    "values and restarts describe a sweep, but the link has no sweep=; ignored"
                        .into(),
                );
            }
            return None;
        }
        Some(id) => match Axis::from_id(id) {
            Some(a) => a,
            None => {
                notices.push(format!(
                    "sweep: '{}' is not a sweep; allowed density, importance; using none",
                    shorten(id)
                ));
                return None;
            }
        },
    };
    let defaults: Vec<f32> = match axis {
        Axis::Density => crate::core::config::PAPER_DENSITIES.to_vec(),
        Axis::Importance => vec![1.0, 0.9, 0.8, 0.7],
    };
    let mut list = vec![];
    match values {
        None => notices.push(format!("sweep: no values given; using {}", join(&defaults))),
        Some(text) => {
            for part in text.split(',') {
                let mut probe = base.clone();
                match probe.set(axis.id(), part) {
                    Ok(()) if list.len() < MAX_SWEEP_VALUES => list.push(match axis {
                        Axis::Density => probe.density[0],
                        Axis::Importance => probe.importance,
                    }),
                    Ok(()) => {
                        notices.push(format!(
                            "values: more than {MAX_SWEEP_VALUES}; the rest are dropped"
                        ));
                        break;
                    }
                    Err(e) => notices.push(format!(
                        "values: {}; dropped",
                        shorten_message(&e.to_string())
                    )),
                }
            }
        }
    }
    if list.is_empty() {
        list = defaults;
    }
    let most = (MAX_SWEEP_RUNS / list.len()).max(1) as u32;
    let mut count = 1u32;
    if let Some(text) = restarts {
        match text.trim().parse::<u64>() {
            Ok(k) if (1..=most as u64).contains(&k) => count = k as u32,
            Ok(k) => {
                count = (k.clamp(1, most as u64)) as u32;
                notices.push(format!(
                    "restarts = {} is outside 1 to {most} (at most {MAX_SWEEP_RUNS} runs in a sweep); using {count}",
                    shorten(&k.to_string())
                ));
            }
            Err(_) => notices.push(format!(
                "restarts: '{}' is not a whole number; using 1",
                shorten(&text)
            )),
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
        .map(|v| format!("{v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// A number out of range is moved to the nearest allowed value ("n = 100000 is above the maximum 1000;
/// using 1000"). None when the value is not a finite number (or list of them) or the setting has no
/// numeric range.
fn clamp_into(config: &mut Config, key: &str, value: &str) -> Option<String> {
    let setting = SETTINGS.iter().find(|s| s.key == key)?;
    let (min, max, whole) = match setting.control {
        Control::Int { min, max } => (min as f64, max as f64, true),
        Control::Number { min, max, .. } => (min, max, false),
        Control::Density => (DENSITY_MIN as f64, 1.0, false),
        _ => return None,
    };
    let parts: Vec<f64> = value
        .split(',')
        .map(|p| p.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect::<Option<_>>()?;
    if parts.len() > 1 && setting.control != Control::Density {
        return None;
    }
    let clamp = |v: f64| {
        let v = v.clamp(min, max);
        if whole {
            v.round()
        } else {
            v
        }
    };
    let text = parts
        .iter()
        .map(|&v| {
            let c = clamp(v);
            if whole {
                format!("{}", c as u64)
            } else {
                format!("{}", c as f32)
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    config.set(key, &text).ok()?;
    let bound = |v: f64| {
        if whole {
            format!("{}", v as u64)
        } else {
            format!("{}", v as f32)
        }
    };
    let low = parts.iter().any(|&v| v < min);
    Some(if parts.len() == 1 {
        let side = if low {
            format!("below the minimum {}", bound(min))
        } else {
            format!("above the maximum {}", bound(max))
        };
        format!("{key} = {} is {side}; using {text}", shorten(value))
    } else {
        format!(
            "{key}: values outside {} to {} moved to the nearest; using {}",
            bound(min),
            bound(max),
            shorten(&text)
        )
    })
}

/// Long values are shown cut, so a notice stays one readable line.
fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Setting errors quote the value; keep that quote short.
fn shorten_message(message: &str) -> String {
    match (message.find('\''), message.rfind('\'')) {
        (Some(a), Some(b)) if b > a + 42 => format!(
            "{}'{}'{}",
            &message[..a],
            shorten(&message[a + 1..b]),
            &message[b + 1..]
        ),
        _ => message.to_string(),
    }
}

/// Percent-encodes what a fragment value cannot hold as it is (settings values never need it today).
fn encode(value: &str) -> String {
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
                batch: 512,
                steps: 20_000,
                seed: 123_456,
            },
            step: 4321,
            view: View::Stack,
        }
    }

    #[test]
    fn a_link_reads_back_as_the_same_run() {
        let link = sample();
        let text = link.to_fragment();
        assert!(
            text.starts_with("v=3&model=relu-hidden&hidden-bias=1&n=10&m=5&density=0.06&"),
            "{text}"
        );
        assert!(text.ends_with("&step=4321&view=stack"), "{text}");
        assert_eq!(Link::parse(&text), (link.clone(), vec![]));
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
        let (link, notices) = Link::parse("v=3&sweep=colour");
        assert!(link.sweep.is_none() && notices[0].contains("'colour' is not a sweep"));
        let (link, notices) = Link::parse("v=3&values=1,2");
        assert!(link.sweep.is_none() && notices[0].contains("no sweep="));
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
            "model: 'mlp' is not a model; allowed linear, relu-output, relu-hidden, abs; using relu-output",
            "unknown setting 'colour' in the link; ignored",
            "step: 'abc' is not a whole number",
            "view: 'pie' is not a view",
            "lr: 'nan' is out of range",
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
        let (link, notices) = Link::parse("v=3&model=abs&n=1000&m=1000&batch=16384");
        assert!(
            link.config.n as u64 * link.config.m as u64 * link.config.batch as u64
                <= MAX_WORK_PER_STEP
        );
        assert!(notices[0].starts_with("batch:"), "{notices:?}");
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
        assert!(
            notices[1].starts_with("density: values outside 0.00001 to 1 moved to the nearest"),
            "{notices:?}"
        );
    }
}
