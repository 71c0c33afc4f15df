//! The one declared table of a run's settings: key, meaning, plain-language help and allowed values.
//!
//! Everything else is derived from [`SETTINGS`]: the range text in messages and help, the page's form
//! controls (`web::settings_schema`), the command line's flags and `--help`, and both ways of reading a
//! value — strictly ([`Setting::read`]: the value exactly as written, or an error naming the range) and
//! forgivingly ([`Setting::read_forgiving`]: the nearest allowed value with a notice saying what was
//! wrong and what was used instead), so a limit can never be written twice and drift.

use super::config::{Config, Init, ModelKind, Order, Schedule};
#[cfg(doc)]
use super::config::{LOCKSTEP_M, LOCKSTEP_N};

/// The densities the paper sweeps (docs/science.md), the stops of the density slider.
pub const PAPER_DENSITIES: [f32; 7] = [1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001];

pub const N_MAX: u64 = 1000;
pub const M_MAX: u64 = 1000;
pub const BATCH_MAX: u64 = 16384;
pub const STEPS_MAX: u64 = 10_000_000;
pub const DENSITY_MIN: f32 = 1e-5;
pub const LR_MIN: f32 = 1e-6;
pub const LR_MAX: f32 = 1000.0;
pub const IMPORTANCE_MIN: f32 = 0.01;

/// The `order` setting's help. It names the lockstep order's size limit, declared as
/// [`LOCKSTEP_N`] and [`LOCKSTEP_M`]; a test checks the two agree.
const LOCKSTEP_HELP: &str = "Which operation order training follows; both train the same model on the \
     same kind of data and give different numbers for the same seed. rows (the default) draws only each \
     row's present features and skips absent ones: fastest for one sparse run. lockstep gives every \
     feature of every row one draw and computes each row densely, so restarts train together in vector \
     lanes, each exactly its single run: fastest for best-of-K sweeps of small models. Models beyond \
     n = 32, m = 16 train in rows order whichever is chosen.";

/// What values a setting takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// One of a fixed list of names.
    Choice(&'static [&'static str]),
    /// On or off.
    Toggle,
    /// A whole number in [min, max].
    Whole { min: u64, max: u64 },
    /// A finite number in [min, max]; `log` when its useful values span decades (the form's slider).
    Number { min: f32, max: f32, log: bool },
    /// Numbers in [min, max]: one for every feature, or a comma-separated list with one per feature.
    List { min: f32, max: f32, most: usize },
}

/// A setting's value, as [`Kind`] allows it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Choice(&'static str),
    Toggle(bool),
    Whole(u64),
    Number(f32),
    List(Vec<f32>),
}

/// One declared setting.
pub struct Setting {
    /// The link key, the flag (`--key`) and the form field.
    pub key: &'static str,
    /// What it is, in a few words.
    pub meaning: &'static str,
    /// What it does, in plain language, for the form's help and `tms help`.
    pub help: &'static str,
    pub kind: Kind,
    get: fn(&Config) -> Value,
    put: fn(&mut Config, Value),
}

/// Shortest text that reads back as the same f32 (`-0` is written as `0`).
pub fn show_f32(v: f32) -> String {
    if v == 0.0 {
        "0".into()
    } else {
        format!("{v}")
    }
}

const TOGGLE_ON: [&str; 4] = ["1", "true", "on", "yes"];
const TOGGLE_OFF: [&str; 4] = ["0", "false", "off", "no"];

/// A value's text as a notice quotes it: short, so a notice stays one readable line.
pub fn quote(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("'{}…'", text.chars().take(40).collect::<String>())
    } else {
        format!("'{text}'")
    }
}

impl Kind {
    /// The allowed values in words: "1 to 1000", "linear, relu-output, relu-hidden, abs".
    pub fn range_text(&self) -> String {
        match self {
            Kind::Choice(options) => options.join(", "),
            Kind::Toggle => "on or off".into(),
            Kind::Whole { min, max } => format!("{min} to {max}"),
            Kind::Number { min, max, .. } => format!("{} to {}", show_f32(*min), show_f32(*max)),
            Kind::List { min, max, .. } => format!(
                "{} to {}, one value or one per feature",
                show_f32(*min),
                show_f32(*max)
            ),
        }
    }

    /// The value exactly as written, or what is wrong with it (a phrase that follows the quoted text,
    /// ending with the allowed values).
    pub fn read(&self, text: &str) -> Result<Value, String> {
        let t = text.trim();
        let range = self.range_text();
        match *self {
            Kind::Choice(options) => options
                .iter()
                .find(|o| **o == t)
                .map(|o| Value::Choice(o))
                .ok_or_else(|| format!("is not one of {range}")),
            Kind::Toggle => {
                if TOGGLE_ON.contains(&t) {
                    Ok(Value::Toggle(true))
                } else if TOGGLE_OFF.contains(&t) {
                    Ok(Value::Toggle(false))
                } else {
                    Err(format!("is not {range}"))
                }
            }
            Kind::Whole { min, max } => match whole(t) {
                Some(Ok(v)) if (min as u128..=max as u128).contains(&v) => {
                    Ok(Value::Whole(v as u64))
                }
                Some(Ok(_)) => Err(format!("is out of range; allowed {range}")),
                _ => Err(format!("is not a whole number; allowed {range}")),
            },
            Kind::Number { min, max, .. } => match t.parse::<f32>() {
                Ok(v) if v.is_finite() && v >= min && v <= max => Ok(Value::Number(v + 0.0)),
                Ok(v) if v.is_finite() => Err(format!("is out of range; allowed {range}")),
                Ok(_) => Err(format!("is not a finite number; allowed {range}")),
                Err(_) => Err(format!("is not a number; allowed {range}")),
            },
            Kind::List { min, max, most } => {
                let parts: Vec<&str> = t.split(',').collect();
                if parts.len() > most {
                    return Err(format!("has {} values; at most {most}", parts.len()));
                }
                let item = Kind::Number {
                    min,
                    max,
                    log: true,
                };
                // An item's message names the list's range, not the item's.
                let item_range = item.range_text();
                parts
                    .iter()
                    .map(|p| match item.read(p) {
                        Ok(Value::Number(v)) => Ok(v),
                        Ok(_) => unreachable!(),
                        Err(e) => {
                            let e = e.replace(&item_range, &range);
                            Err(if parts.len() > 1 {
                                format!("has {} which {e}", quote(p.trim()))
                            } else {
                                e
                            })
                        }
                    })
                    .collect::<Result<Vec<f32>, String>>()
                    .map(Value::List)
            }
        }
    }

    /// The allowed value nearest to `text` and why it differs, when `text` is a number (or list of
    /// numbers) that this kind does not take as written; None when there is no sensible nearest value.
    fn nearest(&self, text: &str) -> Option<(Value, String)> {
        let t = text.trim();
        match *self {
            Kind::Whole { min, max } => {
                let (v, how) = match whole(t) {
                    Some(Ok(v)) => (v as f64, None),
                    Some(Err(())) => (f64::INFINITY, None), // digits beyond any integer type
                    None => {
                        let v = t.parse::<f64>().ok().filter(|v| v.is_finite())?;
                        (v, Some(v.round()))
                    }
                };
                let rounded = v.round();
                let used = rounded.clamp(min as f64, max as f64) as u64;
                let why = if rounded < min as f64 {
                    format!("is below the minimum {min}")
                } else if rounded > max as f64 {
                    format!("is above the maximum {max}")
                } else if how == Some(v) {
                    format!("is read as the whole number {used}")
                } else {
                    "is not a whole number".to_string()
                };
                Some((Value::Whole(used), why))
            }
            Kind::Number { min, max, .. } => {
                let v = t.parse::<f32>().ok().filter(|v| v.is_finite())?;
                let (used, why) = if v < min {
                    (min, format!("is below the minimum {}", show_f32(min)))
                } else {
                    (max, format!("is above the maximum {}", show_f32(max)))
                };
                Some((Value::Number(used), why))
            }
            Kind::List { min, max, most } => {
                let parts: Vec<f32> = t
                    .split(',')
                    .map(|p| p.trim().parse::<f32>().ok().filter(|v| v.is_finite()))
                    .collect::<Option<_>>()?;
                let kept = parts.len().min(most);
                let used: Vec<f32> = parts[..kept]
                    .iter()
                    .map(|v| v.clamp(min, max) + 0.0)
                    .collect();
                let mut why = vec![];
                if parts.len() > most {
                    why.push(format!(
                        "has {} values, more than {most}; the first {most} are used",
                        parts.len()
                    ));
                }
                if parts[..kept].iter().any(|v| *v < min || *v > max) {
                    why.push(format!(
                        "has values outside {} to {}, moved to the nearest",
                        show_f32(min),
                        show_f32(max)
                    ));
                }
                Some((Value::List(used), why.join(" and ")))
            }
            _ => None,
        }
    }
}

/// Digits only (no sign, exponent or point): Some(Ok(v)), Some(Err) when too long for u128.
fn whole(t: &str) -> Option<Result<u128, ()>> {
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(t.parse::<u128>().map_err(|_| ()))
}

impl Setting {
    pub fn get(&self, config: &Config) -> Value {
        (self.get)(config)
    }

    /// The setting's text in `config`, as [`Setting::read`] reads it back.
    pub fn show(&self, config: &Config) -> String {
        match self.get(config) {
            Value::Choice(c) => c.into(),
            Value::Toggle(b) => (if b { "1" } else { "0" }).into(),
            Value::Whole(v) => v.to_string(),
            Value::Number(v) => show_f32(v),
            Value::List(list) => list
                .iter()
                .map(|&v| show_f32(v))
                .collect::<Vec<_>>()
                .join(","),
        }
    }

    /// Sets the value exactly as written, or explains what is wrong: "n: '0' is out of range; allowed 1
    /// to 1000". A refused value changes nothing.
    pub fn read(&self, config: &mut Config, text: &str) -> Result<(), String> {
        let value = self
            .kind
            .read(text)
            .map_err(|why| format!("{}: {} {why}", self.key, quote(text.trim())))?;
        (self.put)(config, value);
        Ok(())
    }

    /// Sets the value as written when allowed; otherwise the nearest allowed value (a number out of
    /// range) or leaves the setting as it was (text that means nothing here), and returns a notice
    /// saying what was wrong and what was used instead.
    pub fn read_forgiving(&self, config: &mut Config, text: &str) -> Option<String> {
        let why = match self.kind.read(text) {
            Ok(value) => {
                (self.put)(config, value);
                return None;
            }
            Err(why) => why,
        };
        if let Some((value, how)) = self.kind.nearest(text) {
            (self.put)(config, value);
            return Some(format!(
                "{} = {} {how}; using {}",
                self.key,
                quote(text.trim()).trim_matches('\''),
                shorten(&self.show(config))
            ));
        }
        Some(format!(
            "{}: {} {why}; using {}",
            self.key,
            quote(text.trim()),
            shorten(&self.show(config))
        ))
    }
}

fn shorten(s: &str) -> String {
    let q = quote(s);
    q[1..q.len() - 1].to_string()
}

/// The setting with this key.
pub fn setting(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

fn choice<T: Copy + 'static>(all: &'static [T], id: fn(T) -> &'static str, name: &str) -> T {
    *all.iter()
        .find(|v| id(**v) == name)
        .expect("a declared choice")
}

macro_rules! value {
    ($value:expr, $variant:ident) => {
        match $value {
            Value::$variant(v) => v,
            other => unreachable!("{other:?} for a {} setting", stringify!($variant)),
        }
    };
}

pub static SETTINGS: &[Setting] = &[
    Setting {
        key: "model",
        meaning: "toy model",
        help: "Which of the paper's four toy models to train: linear (h = Wx, x′ = Wᵀh + b), relu-output \
               (a ReLU on the output), relu-hidden (ReLUs on the hidden neurons too, so neurons are a \
               privileged basis) or abs (two matrices trained to compute |x|).",
        kind: Kind::Choice(&["linear", "relu-output", "relu-hidden", "abs"]),
        get: |c| Value::Choice(c.model.id()),
        put: |c, v| c.model = choice(&ModelKind::ALL, ModelKind::id, value!(v, Choice)),
    },
    Setting {
        key: "hidden-bias",
        meaning: "hidden-layer bias b_h (relu-hidden only)",
        help: "Gives each hidden neuron of relu-hidden a bias b_h. The paper warns that with one the model \
               pushes every neuron into its linear regime; turn it on to see that.",
        kind: Kind::Toggle,
        get: |c| Value::Toggle(c.hidden_bias),
        put: |c, v| c.hidden_bias = value!(v, Toggle),
    },
    Setting {
        key: "n",
        meaning: "number of features",
        help: "How many input features the model must represent (the paper's n).",
        kind: Kind::Whole { min: 1, max: N_MAX },
        get: |c| Value::Whole(c.n as u64),
        put: |c, v| c.n = value!(v, Whole) as usize,
    },
    Setting {
        key: "m",
        meaning: "number of hidden dimensions (neurons)",
        help: "How many hidden dimensions (neurons) it has to do it with (the paper's m). With more \
               features than dimensions, a feature can only be represented by sharing directions: \
               superposition.",
        kind: Kind::Whole { min: 1, max: M_MAX },
        get: |c| Value::Whole(c.m as u64),
        put: |c, v| c.m = value!(v, Whole) as usize,
    },
    Setting {
        key: "density",
        meaning: "feature probability 1 − S",
        help: "The probability 1 − S that a feature is present in an input (S is the sparsity). Sparse \
               features (small 1 − S) rarely interfere with each other, which is what makes \
               superposition pay. One value for every feature, or n comma-separated values.",
        kind: Kind::List {
            min: DENSITY_MIN,
            max: 1.0,
            most: N_MAX as usize,
        },
        get: |c| Value::List(c.density.clone()),
        put: |c, v| c.density = value!(v, List),
    },
    Setting {
        key: "importance",
        meaning: "importance decay r: I_i = r^i (1: all equal)",
        help: "How fast the features' importance falls: feature i counts I_i = r^i in the loss, so with r \
               < 1 the first features matter most and are learned first.",
        kind: Kind::Number {
            min: IMPORTANCE_MIN,
            max: 1.0,
            log: false,
        },
        get: |c| Value::Number(c.importance),
        put: |c, v| c.importance = value!(v, Number),
    },
    Setting {
        key: "lr",
        meaning: "learning rate of AdamW",
        help: "AdamW's learning rate (the notebook uses 0.001).",
        kind: Kind::Number {
            min: LR_MIN,
            max: LR_MAX,
            log: true,
        },
        get: |c| Value::Number(c.lr),
        put: |c, v| c.lr = value!(v, Number),
    },
    Setting {
        key: "schedule",
        meaning: "learning-rate schedule over the step budget",
        help: "How the learning rate changes over the step budget: constant (the notebook's default), or \
               decaying linearly or as a cosine to 0 at the last step.",
        kind: Kind::Choice(&["constant", "linear", "cosine"]),
        get: |c| Value::Choice(c.schedule.id()),
        put: |c, v| c.schedule = choice(&Schedule::ALL, Schedule::id, value!(v, Choice)),
    },
    Setting {
        key: "weight-decay",
        meaning: "decoupled weight decay of AdamW (every parameter)",
        help: "AdamW's decoupled weight decay, applied to every parameter including the biases \
               (PyTorch's default 0.01).",
        kind: Kind::Number {
            min: 0.0,
            max: 1.0,
            log: false,
        },
        get: |c| Value::Number(c.weight_decay),
        put: |c, v| c.weight_decay = value!(v, Number),
    },
    Setting {
        key: "init",
        meaning: "initial weights: the notebook's rule, or the per-matrix Xavier rule",
        help: "How the initial weights are drawn: notebook (the authors' notebook, std sqrt(2/(m(n+1))), \
               which reproduces the paper's figures) or xavier (the per-matrix rule sqrt(2/(n+m)), larger; \
               what links of version 2 used).",
        kind: Kind::Choice(&["notebook", "xavier"]),
        get: |c| Value::Choice(c.init.id()),
        put: |c, v| c.init = choice(&Init::ALL, Init::id, value!(v, Choice)),
    },
    Setting {
        key: "order",
        meaning: "operation order: rows (follows the data) or lockstep (every row dense)",
        help: LOCKSTEP_HELP,
        kind: Kind::Choice(&["rows", "lockstep"]),
        get: |c| Value::Choice(c.order.id()),
        put: |c, v| c.order = choice(&Order::ALL, Order::id, value!(v, Choice)),
    },
    Setting {
        key: "batch",
        meaning: "batch size (a fresh batch every step)",
        help: "Inputs per training step; a fresh batch is drawn every step (there is no fixed data set).",
        kind: Kind::Whole {
            min: 1,
            max: BATCH_MAX,
        },
        get: |c| Value::Whole(c.batch as u64),
        put: |c, v| c.batch = value!(v, Whole) as usize,
    },
    Setting {
        key: "steps",
        meaning: "step budget",
        help: "How many steps the run trains for: where Play stops, and what a decaying learning-rate \
               schedule decays over.",
        kind: Kind::Whole {
            min: 0,
            max: STEPS_MAX,
        },
        get: |c| Value::Whole(c.steps),
        put: |c, v| c.steps = value!(v, Whole),
    },
    Setting {
        key: "seed",
        meaning: "random seed of initial weights and data",
        help: "Seeds the initial weights and the data: the same settings and seed give the same run, bit \
               for bit, on every machine.",
        kind: Kind::Whole {
            min: 0,
            max: u32::MAX as u64,
        },
        get: |c| Value::Whole(c.seed as u64),
        put: |c, v| c.seed = value!(v, Whole) as u32,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_help_names_the_lockstep_limit_as_declared() {
        use crate::core::config::{LOCKSTEP_M, LOCKSTEP_N};
        let limit = format!("n = {LOCKSTEP_N}, m = {LOCKSTEP_M}");
        assert!(LOCKSTEP_HELP.contains(&limit), "{LOCKSTEP_HELP}");
    }

    #[test]
    fn every_setting_reads_back_what_it_writes() {
        let mut c = Config {
            model: ModelKind::ReluHidden,
            hidden_bias: true,
            n: 3,
            m: 7,
            density: vec![0.5, 0.03, 1.0],
            importance: 0.7,
            lr: 3e-3,
            schedule: Schedule::Cosine,
            weight_decay: 0.0,
            init: Init::Xavier,
            order: Order::Lockstep,
            batch: 256,
            steps: 1234,
            seed: 4_000_000_000,
        };
        c.check().unwrap();
        let mut copy = Config::default();
        for s in SETTINGS {
            s.read(&mut copy, &s.show(&c)).unwrap();
        }
        assert_eq!(copy, c);
        c.density = vec![0.001];
        copy.set("density", &c.get("density").unwrap()).unwrap();
        assert_eq!(copy.density, vec![0.001]);
        assert_eq!(Config::from_text(&c.to_text()).unwrap(), c);
        assert!(Config::from_text("n=3&oops")
            .unwrap_err()
            .contains("key=value"));
    }

    #[test]
    fn bad_values_name_the_setting_and_the_range() {
        let mut c = Config::default();
        assert_eq!(
            c.set("n", "0").unwrap_err(),
            "n: '0' is out of range; allowed 1 to 1000"
        );
        let e = c.set("density", "0.5,nan").unwrap_err();
        assert!(e.contains("density") && e.contains("0.00001 to 1"), "{e}");
        assert!(c.set("lr", "inf").is_err());
        assert!(c.set("lr", "0").is_err());
        assert!(
            c.set("lr", "1.4e-45").is_err(),
            "below the declared minimum"
        );
        assert!(c.set("importance", "-1").is_err());
        assert!(c.set("importance", "0.001").is_err());
        assert!(c.set("model", "mlp").unwrap_err().contains("relu-output"));
        assert_eq!(
            c.set("colour", "red").unwrap_err(),
            "unknown setting 'colour'"
        );
        assert_eq!(c, Config::default(), "a rejected value changes nothing");
    }

    #[test]
    fn forgiving_reads_say_what_was_used_instead() {
        let read = |key: &str, text: &str| {
            let mut c = Config::default();
            let notice = setting(key).unwrap().read_forgiving(&mut c, text);
            (setting(key).unwrap().show(&c), notice)
        };
        assert_eq!(read("n", "20"), ("20".into(), None));
        assert_eq!(
            read("n", "100000"),
            (
                "1000".into(),
                Some("n = 100000 is above the maximum 1000; using 1000".into())
            )
        );
        assert_eq!(
            read("m", "1e1"),
            (
                "10".into(),
                Some("m = 1e1 is read as the whole number 10; using 10".into())
            )
        );
        assert_eq!(
            read("m", "2.5").1.unwrap(),
            "m = 2.5 is not a whole number; using 3"
        );
        assert_eq!(
            read("steps", "18446744073709551616").1.unwrap(),
            "steps = 18446744073709551616 is above the maximum 10000000; using 10000000"
        );
        assert_eq!(
            read("lr", "1.4e-45").1.unwrap(),
            "lr = 1.4e-45 is below the minimum 0.000001; using 0.000001"
        );
        assert_eq!(
            read("lr", "abc").1.unwrap(),
            "lr: 'abc' is not a number; allowed 0.000001 to 1000; using 0.001"
        );
        assert_eq!(read("weight-decay", "-0"), ("0".into(), None));
        let (used, notice) = read("density", &vec!["0.5"; 1200].join(","));
        assert_eq!(used.split(',').count(), 1000);
        assert!(notice
            .unwrap()
            .contains("has 1200 values, more than 1000; the first 1000 are used"));
        assert_eq!(
            read("model", "mlp").1.unwrap(),
            "model: 'mlp' is not one of linear, relu-output, relu-hidden, abs; using relu-output"
        );
    }

    /// Every value the forgiving reader takes without a notice is inside the declared bounds, and every
    /// bound appears in the range text (the form and `tms help` show that text).
    #[test]
    fn accepted_values_lie_inside_the_declared_bounds() {
        let probes = [
            "0",
            "-0",
            "1",
            "-1",
            "0.5",
            "1e-45",
            "1e-6",
            "0.000001",
            "0.00001",
            "0.009",
            "0.01",
            "1.5",
            "999",
            "1000",
            "1001",
            "16384",
            "16385",
            "1e1",
            "2.5",
            "inf",
            "nan",
            "4294967295",
            "4294967296",
            "10000000",
            "10000001",
            "18446744073709551616",
            "abc",
            "",
            "on",
            "yes",
            "2",
            "relu-output",
            "cosine",
            "xavier",
        ];
        for s in SETTINGS {
            let range = s.kind.range_text();
            match s.kind {
                Kind::Whole { min, max } => {
                    assert!(range.contains(&min.to_string()) && range.contains(&max.to_string()))
                }
                Kind::Number { min, max, .. } | Kind::List { min, max, .. } => {
                    assert!(range.contains(&show_f32(min)) && range.contains(&show_f32(max)))
                }
                _ => {}
            }
            for p in probes {
                let mut c = Config::default();
                if s.read_forgiving(&mut c, p).is_some() {
                    continue;
                }
                match (s.kind, s.get(&c)) {
                    (Kind::Whole { min, max }, Value::Whole(v)) => {
                        assert!((min..=max).contains(&v))
                    }
                    (Kind::Number { min, max, .. }, Value::Number(v)) => {
                        assert!(v.is_finite() && v >= min && v <= max, "{}={p}", s.key)
                    }
                    (Kind::List { min, max, .. }, Value::List(l)) => {
                        assert!(l.iter().all(|v| *v >= min && *v <= max), "{}={p}", s.key)
                    }
                    (Kind::Choice(options), Value::Choice(v)) => assert!(options.contains(&v)),
                    (Kind::Toggle, Value::Toggle(_)) => {}
                    other => panic!("{other:?}"),
                }
            }
        }
    }
}
