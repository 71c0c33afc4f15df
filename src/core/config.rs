//! A run's complete description, and the one declared list of its settings.
//!
//! Every setting lives in [`SETTINGS`] with its key, meaning and allowed range. The command line reads it
//! (`--key value`), and so will the share link and the page's controls: one parser, one set of limits.

use std::fmt;

/// The four toy models of the paper (docs/science.md, "The four models").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelKind {
    /// h = W x; x' = Wᵀ h + b
    Linear,
    /// h = W x; x' = ReLU(Wᵀ h + b)
    ReluOutput,
    /// h = ReLU(W x [+ b_h]); x' = ReLU(Wᵀ h + b)
    ReluHidden,
    /// h = ReLU(W₁ x); y' = ReLU(W₂ h + b), target |x|
    Abs,
}

impl ModelKind {
    pub const ALL: [ModelKind; 4] = [
        ModelKind::Linear,
        ModelKind::ReluOutput,
        ModelKind::ReluHidden,
        ModelKind::Abs,
    ];

    pub fn id(self) -> &'static str {
        match self {
            ModelKind::Linear => "linear",
            ModelKind::ReluOutput => "relu-output",
            ModelKind::ReluHidden => "relu-hidden",
            ModelKind::Abs => "abs",
        }
    }

    pub fn from_id(id: &str) -> Option<ModelKind> {
        ModelKind::ALL.into_iter().find(|k| k.id() == id)
    }

    /// One W used in both directions (all but `abs`).
    pub fn tied(self) -> bool {
        self != ModelKind::Abs
    }

    /// A ReLU on the hidden layer, so neurons form a privileged basis.
    pub fn hidden_relu(self) -> bool {
        matches!(self, ModelKind::ReluHidden | ModelKind::Abs)
    }

    /// A ReLU on the output.
    pub fn output_relu(self) -> bool {
        self != ModelKind::Linear
    }

    /// Non-zero feature values are drawn from U[-1, 1) for `abs`, U[0, 1) otherwise.
    pub fn signed_inputs(self) -> bool {
        self == ModelKind::Abs
    }
}

/// Learning-rate schedule: the factor applied to `lr` at step t of a budget of T steps
/// (the authors' notebook: `constant_lr`, `linear_lr`, `cosine_decay_lr`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    Constant,
    Linear,
    Cosine,
}

impl Schedule {
    pub const ALL: [Schedule; 3] = [Schedule::Constant, Schedule::Linear, Schedule::Cosine];

    pub fn id(self) -> &'static str {
        match self {
            Schedule::Constant => "constant",
            Schedule::Linear => "linear",
            Schedule::Cosine => "cosine",
        }
    }

    pub fn from_id(id: &str) -> Option<Schedule> {
        Schedule::ALL.into_iter().find(|s| s.id() == id)
    }
}

/// How the initial weights are drawn (docs/science.md, "Initialisation"). Both are Xavier-normal rules
/// with zero biases; they differ in the fan they divide by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Init {
    /// The authors' notebook: `xavier_normal_` on its 3-D parameter tensors with one instance, so
    /// std = sqrt(2 / (m (n + 1))) for W and W₁ (shape [1, n, m]) and sqrt(2 / (n (m + 1))) for W₂
    /// ([1, m, n]): about 1/sqrt(n) of the per-matrix rule, which reproduces the paper's pictures.
    Notebook,
    /// The per-matrix rule std = sqrt(2 / (n + m)), what link version 2 used.
    Xavier,
}

impl Init {
    pub const ALL: [Init; 2] = [Init::Notebook, Init::Xavier];

    pub fn id(self) -> &'static str {
        match self {
            Init::Notebook => "notebook",
            Init::Xavier => "xavier",
        }
    }

    pub fn from_id(id: &str) -> Option<Init> {
        Init::ALL.into_iter().find(|i| i.id() == id)
    }
}

/// Everything that determines a run: the same `Config` gives the same weights at every step.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub model: ModelKind,
    /// Hidden-layer bias b_h (only `relu-hidden` has one; off by default).
    pub hidden_bias: bool,
    /// Number of features.
    pub n: usize,
    /// Number of hidden dimensions (neurons).
    pub m: usize,
    /// Feature probability p = 1 − S: one value for every feature, or one per feature.
    pub density: Vec<f32>,
    /// Importance decay r: I_i = r^i (1: all features equally important).
    pub importance: f32,
    pub lr: f32,
    pub schedule: Schedule,
    /// Decoupled weight decay of AdamW, applied to every parameter (PyTorch's default 0.01).
    pub weight_decay: f32,
    /// How the initial weights are drawn.
    pub init: Init,
    pub batch: usize,
    /// The step budget: where play stops and what the learning-rate schedule decays over.
    pub steps: u64,
    pub seed: u32,
}

impl Default for Config {
    /// The authors' recipe (docs/science.md, "The recipe") on the intro model.
    fn default() -> Config {
        Config {
            model: ModelKind::ReluOutput,
            hidden_bias: false,
            n: 5,
            m: 2,
            density: vec![0.1],
            importance: 0.9,
            lr: 1e-3,
            schedule: Schedule::Constant,
            weight_decay: 0.01,
            init: Init::Notebook,
            batch: 1024,
            steps: 10_000,
            seed: 0,
        }
    }
}

impl Config {
    /// I_i for every feature.
    pub fn importances(&self) -> Vec<f32> {
        (0..self.n)
            .map(|i| libm::pow(self.importance as f64, i as f64) as f32)
            .collect()
    }

    /// p_i for every feature.
    pub fn densities(&self) -> Vec<f32> {
        if self.density.len() == 1 {
            vec![self.density[0]; self.n]
        } else {
            self.density.clone()
        }
    }

    /// Checks what single settings cannot: relations between them. Returns the first problem.
    pub fn check(&self) -> Result<(), String> {
        if self.density.len() != 1 && self.density.len() != self.n {
            return Err(format!(
                "density: {} values given for n = {} features; give one value or exactly n",
                self.density.len(),
                self.n
            ));
        }
        if self.hidden_bias && self.model != ModelKind::ReluHidden {
            return Err(format!(
                "hidden-bias: only relu-hidden has a hidden bias, not {}",
                self.model.id()
            ));
        }
        Ok(())
    }

    /// Sets one setting from text, checking its type and range.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), SettingError> {
        let setting = SETTINGS
            .iter()
            .find(|s| s.key == key)
            .ok_or_else(|| SettingError::UnknownKey(key.to_string()))?;
        (setting.apply)(self, value).map_err(|problem| SettingError::Invalid {
            key: setting.key,
            value: value.to_string(),
            problem,
        })
    }

    /// Every setting as `key=value` pairs joined by `&`, in the order of [`SETTINGS`].
    pub fn to_text(&self) -> String {
        SETTINGS
            .iter()
            .map(|s| format!("{}={}", s.key, (s.show)(self)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Reads `key=value&…` over the defaults; the first bad pair or relation is the error.
    pub fn from_text(text: &str) -> Result<Config, String> {
        let mut c = Config::default();
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("'{pair}' is not key=value"))?;
            c.set(key, value).map_err(|e| e.to_string())?;
        }
        c.check()?;
        Ok(c)
    }

    /// The text of one setting, as `set` reads it.
    pub fn get(&self, key: &str) -> Option<String> {
        SETTINGS
            .iter()
            .find(|s| s.key == key)
            .map(|s| (s.show)(self))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum SettingError {
    UnknownKey(String),
    Invalid {
        key: &'static str,
        value: String,
        problem: String,
    },
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingError::UnknownKey(k) => write!(f, "unknown setting '{k}'"),
            SettingError::Invalid {
                key,
                value,
                problem,
            } => write!(f, "{key}: '{value}' {problem}"),
        }
    }
}

/// One declared setting: its key (the flag is `--key`), what it means and its range, and how to read
/// and write it.
pub struct Setting {
    pub key: &'static str,
    pub meaning: &'static str,
    pub range: &'static str,
    /// How the page offers it.
    pub control: Control,
    apply: fn(&mut Config, &str) -> Result<(), String>,
    show: fn(&Config) -> String,
}

/// The kind of control a setting gets in the page.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Control {
    Choice(&'static [&'static str]),
    Toggle,
    Int {
        min: u64,
        max: u64,
    },
    Number {
        min: f64,
        max: f64,
        log: bool,
    },
    /// A logarithmic slider with the paper's densities as stops (or a typed list).
    Density,
}

/// The densities the paper sweeps (docs/science.md, "What reproduces"), the stops of the density slider.
pub const PAPER_DENSITIES: [f32; 7] = [1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001];

pub const N_MAX: usize = 1000;
pub const M_MAX: usize = 1000;
pub const BATCH_MAX: usize = 16384;
pub const STEPS_MAX: u64 = 10_000_000;
pub const DENSITY_MIN: f32 = 1e-5;
pub const LR_MAX: f32 = 1000.0;

fn parse_int<T: std::str::FromStr + PartialOrd + fmt::Display + Copy>(
    text: &str,
    min: T,
    max: T,
) -> Result<T, String> {
    let v: T = text
        .trim()
        .parse()
        .map_err(|_| format!("is not a whole number; allowed {min} to {max}"))?;
    if v < min || v > max {
        return Err(format!("is out of range; allowed {min} to {max}"));
    }
    Ok(v)
}

/// A finite number in [min, max] (or (min, max] when `open_min`).
fn parse_f32(text: &str, min: f32, max: f32, open_min: bool) -> Result<f32, String> {
    let range = if open_min {
        format!("above {min} up to {max}")
    } else {
        format!("{min} to {max}")
    };
    let v: f32 = text
        .trim()
        .parse()
        .map_err(|_| format!("is not a number; allowed {range}"))?;
    let low_ok = if open_min { v > min } else { v >= min };
    if !v.is_finite() || !low_ok || v > max {
        return Err(format!("is out of range; allowed {range}"));
    }
    Ok(v)
}

fn parse_bool(text: &str) -> Result<bool, String> {
    match text.trim() {
        "1" | "true" | "on" | "yes" => Ok(true),
        "0" | "false" | "off" | "no" => Ok(false),
        _ => Err("is not on/off; allowed 1, 0, true, false, on, off".into()),
    }
}

/// Shortest text that reads back as the same f32.
pub fn show_f32(v: f32) -> String {
    format!("{v}")
}

pub static SETTINGS: &[Setting] = &[
    Setting {
        key: "model",
        meaning: "toy model",
        range: "linear, relu-output, relu-hidden, abs",
        control: Control::Choice(&["linear", "relu-output", "relu-hidden", "abs"]),
        apply: |c, t| {
            c.model = ModelKind::from_id(t.trim())
                .ok_or("is not a model; allowed linear, relu-output, relu-hidden, abs")?;
            Ok(())
        },
        show: |c| c.model.id().into(),
    },
    Setting {
        key: "hidden-bias",
        meaning: "hidden-layer bias b_h (relu-hidden only)",
        range: "on or off",
        control: Control::Toggle,
        apply: |c, t| {
            c.hidden_bias = parse_bool(t)?;
            Ok(())
        },
        show: |c| (if c.hidden_bias { "1" } else { "0" }).into(),
    },
    Setting {
        key: "n",
        meaning: "number of features",
        range: "1 to 1000",
        control: Control::Int {
            min: 1,
            max: N_MAX as u64,
        },
        apply: |c, t| {
            c.n = parse_int(t, 1, N_MAX)?;
            Ok(())
        },
        show: |c| c.n.to_string(),
    },
    Setting {
        key: "m",
        meaning: "number of hidden dimensions (neurons)",
        range: "1 to 1000",
        control: Control::Int {
            min: 1,
            max: M_MAX as u64,
        },
        apply: |c, t| {
            c.m = parse_int(t, 1, M_MAX)?;
            Ok(())
        },
        show: |c| c.m.to_string(),
    },
    Setting {
        key: "density",
        meaning: "feature probability 1 − S: one value, or n comma-separated values",
        range: "0.00001 to 1",
        control: Control::Density,
        apply: |c, t| {
            let values = t
                .split(',')
                .map(|v| parse_f32(v, DENSITY_MIN, 1.0, false))
                .collect::<Result<Vec<_>, _>>()?;
            if values.len() > N_MAX {
                return Err(format!("has {} values; at most {N_MAX}", values.len()));
            }
            c.density = values;
            Ok(())
        },
        show: |c| {
            c.density
                .iter()
                .map(|&d| show_f32(d))
                .collect::<Vec<_>>()
                .join(",")
        },
    },
    Setting {
        key: "importance",
        meaning: "importance decay r: I_i = r^i (1: all equal)",
        range: "above 0 up to 1",
        control: Control::Number {
            min: 0.01,
            max: 1.0,
            log: false,
        },
        apply: |c, t| {
            c.importance = parse_f32(t, 0.0, 1.0, true)?;
            Ok(())
        },
        show: |c| show_f32(c.importance),
    },
    Setting {
        key: "lr",
        meaning: "learning rate of AdamW",
        range: "above 0 up to 1000",
        control: Control::Number {
            min: 1e-5,
            max: LR_MAX as f64,
            log: true,
        },
        apply: |c, t| {
            c.lr = parse_f32(t, 0.0, LR_MAX, true)?;
            Ok(())
        },
        show: |c| show_f32(c.lr),
    },
    Setting {
        key: "schedule",
        meaning: "learning-rate schedule over the step budget",
        range: "constant, linear, cosine",
        control: Control::Choice(&["constant", "linear", "cosine"]),
        apply: |c, t| {
            c.schedule = Schedule::from_id(t.trim())
                .ok_or("is not a schedule; allowed constant, linear, cosine")?;
            Ok(())
        },
        show: |c| c.schedule.id().into(),
    },
    Setting {
        key: "weight-decay",
        meaning: "decoupled weight decay of AdamW (every parameter)",
        range: "0 to 1",
        control: Control::Number {
            min: 0.0,
            max: 1.0,
            log: false,
        },
        apply: |c, t| {
            c.weight_decay = parse_f32(t, 0.0, 1.0, false)?;
            Ok(())
        },
        show: |c| show_f32(c.weight_decay),
    },
    Setting {
        key: "init",
        meaning: "initial weights: the authors' notebook rule, or the per-matrix Xavier rule of link version 2",
        range: "notebook, xavier",
        control: Control::Choice(&["notebook", "xavier"]),
        apply: |c, t| {
            c.init = Init::from_id(t.trim()).ok_or("is not an initialisation; allowed notebook, xavier")?;
            Ok(())
        },
        show: |c| c.init.id().into(),
    },
    Setting {
        key: "batch",
        meaning: "batch size (a fresh batch every step)",
        range: "1 to 16384",
        control: Control::Int {
            min: 1,
            max: BATCH_MAX as u64,
        },
        apply: |c, t| {
            c.batch = parse_int(t, 1, BATCH_MAX)?;
            Ok(())
        },
        show: |c| c.batch.to_string(),
    },
    Setting {
        key: "steps",
        meaning: "step budget",
        range: "0 to 10000000",
        control: Control::Int {
            min: 0,
            max: STEPS_MAX,
        },
        apply: |c, t| {
            c.steps = parse_int(t, 0, STEPS_MAX)?;
            Ok(())
        },
        show: |c| c.steps.to_string(),
    },
    Setting {
        key: "seed",
        meaning: "random seed of initial weights and data",
        range: "0 to 4294967295",
        control: Control::Int {
            min: 0,
            max: u32::MAX as u64,
        },
        apply: |c, t| {
            c.seed = parse_int(t, 0, u32::MAX)?;
            Ok(())
        },
        show: |c| c.seed.to_string(),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

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
            batch: 256,
            steps: 1234,
            seed: 4_000_000_000,
        };
        c.check().unwrap();
        let mut copy = Config::default();
        for s in SETTINGS {
            copy.set(s.key, &c.get(s.key).unwrap()).unwrap();
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
        let e = c.set("n", "0").unwrap_err().to_string();
        assert_eq!(e, "n: '0' is out of range; allowed 1 to 1000");
        let e = c.set("density", "0.5,nan").unwrap_err().to_string();
        assert!(e.contains("density") && e.contains("0.00001 to 1"), "{e}");
        assert!(c.set("lr", "inf").is_err());
        assert!(c.set("lr", "0").is_err());
        assert!(c.set("importance", "-1").is_err());
        assert!(c
            .set("model", "mlp")
            .unwrap_err()
            .to_string()
            .contains("relu-output"));
        assert_eq!(
            c.set("colour", "red").unwrap_err(),
            SettingError::UnknownKey("colour".into())
        );
        assert_eq!(c, Config::default(), "a rejected value changes nothing");
    }

    #[test]
    fn relations_between_settings_are_checked() {
        let c = Config {
            density: vec![0.1, 0.2],
            ..Config::default()
        };
        assert!(c.check().unwrap_err().contains("exactly n"));
        let c = Config {
            hidden_bias: true,
            ..Config::default()
        };
        assert!(c.check().unwrap_err().contains("relu-hidden"));
    }

    #[test]
    fn importances_decay_geometrically_and_densities_expand() {
        let c = Config {
            n: 4,
            importance: 0.5,
            ..Config::default()
        };
        assert_eq!(c.importances(), vec![1.0, 0.5, 0.25, 0.125]);
        assert_eq!(c.densities(), vec![0.1; 4]);
    }
}
