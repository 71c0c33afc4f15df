//! A run's complete description. Its settings, their ranges and how they are read are declared once, in
//! [`crate::core::settings`].

use super::settings::{setting, SETTINGS};

/// The four toy models of the paper (docs/science.md, "The four models").
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// The operation order a run trains in (docs/science.md, "Training many restarts at once"): which
/// random draws make a batch and in what order its sums are taken. Both give the paper's models; they
/// give different numbers for the same seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// The data's order (`model.rs`): a row draws only its present features and skips absent ones, so a
    /// step costs what the data holds. Every model; fastest for one sparse run.
    Rows,
    /// The lockstep order (`lockstep.rs`): every feature of every row takes one draw and every row is
    /// computed densely, so restarts share vector lanes with nothing to reconcile; fastest for many
    /// restarts of a small model. Models up to [`LOCKSTEP_N`] features and [`LOCKSTEP_M`] neurons;
    /// larger ones train in [`Order::Rows`] (see [`Config::lockstep`]).
    Lockstep,
}

/// The largest model the lockstep order trains (its rows live in registers and fixed arrays).
pub const LOCKSTEP_N: usize = 32;
pub const LOCKSTEP_M: usize = 16;

impl Order {
    pub const ALL: [Order; 2] = [Order::Rows, Order::Lockstep];

    pub fn id(self) -> &'static str {
        match self {
            Order::Rows => "rows",
            Order::Lockstep => "lockstep",
        }
    }

    pub fn from_id(id: &str) -> Option<Order> {
        Order::ALL.into_iter().find(|o| o.id() == id)
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
    /// The operation order it trains in.
    pub order: Order,
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
            order: Order::Rows,
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

    /// Whether this run trains in the lockstep order: asked for, and the model small enough for it.
    pub fn lockstep(&self) -> bool {
        self.order == Order::Lockstep && self.n <= LOCKSTEP_N && self.m <= LOCKSTEP_M
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

    /// Sets one setting from text exactly as written, or says what is wrong ("n: '0' is out of range;
    /// allowed 1 to 1000"); a refused value changes nothing.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        setting(key)
            .ok_or_else(|| format!("unknown setting '{key}'"))?
            .read(self, value)
    }

    /// Every setting as `key=value` pairs joined by `&`, in the order of [`SETTINGS`].
    pub fn to_text(&self) -> String {
        SETTINGS
            .iter()
            .map(|s| format!("{}={}", s.key, s.show(self)))
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
            c.set(key, value)?;
        }
        c.check()?;
        Ok(c)
    }

    /// The text of one setting, as `set` reads it.
    pub fn get(&self, key: &str) -> Option<String> {
        setting(key).map(|s| s.show(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
