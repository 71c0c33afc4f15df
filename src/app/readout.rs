//! The computation readout: for one neuron or one output and the probe's current input, its equation
//! in the model's own notation with the current numbers (docs/science.md, "Probing a model"):
//!
//! ```text
//! h₃ = ReLU(0.98·x₂ − 0.97·x₇) = 0.98
//! h₃ = ReLU(0.98·1 − 0.97·0) = ReLU(0.98) = 0.98
//! ```
//!
//! The first line is the equation with the weights, the second the same sum with the inputs' values.
//! Notation: `linear` h = W x, x′ᵢ = Σⱼ Wⱼᵢ hⱼ + bᵢ; `relu-output` the same with x′ᵢ = ReLU(…);
//! `relu-hidden` hⱼ = ReLU(Σᵢ Wⱼᵢ xᵢ [+ bₕⱼ]); `abs` hⱼ = ReLU(Σᵢ W₁ⱼᵢ xᵢ), y′ᵢ = ReLU(Σⱼ W₂ᵢⱼ hⱼ + bᵢ).
//! The weights are the model's own (for `abs` not rescaled as the views draw them, footnote 15), so
//! every hⱼ is the activation the model computes.
//!
//! Which terms are written, in this order:
//! - terms are sorted by |contribution| (weight × input value), then by |weight|, then by index;
//! - a term with a non-zero contribution is written when it is at least [`FOLD_SHARE`] (1%) of the
//!   total Σ |contribution| + |bias|; the others are folded into one: "+ 7 terms under 1% of the
//!   total: 0.003" (their sum);
//! - a term whose input is 0 contributes nothing; it is still written (with its weight, so the reader
//!   sees what would switch the neuron on or off) when its |weight| is at least
//!   [`metrics::CARRIED`](crate::core::metrics::CARRIED) (10%) of the largest, and is otherwise only
//!   counted in the note;
//! - at most [`MAX_TERMS`] are written; the rest are folded (or counted, when their input is 0).
//!
//! For `abs`, a neuron is the **positive side** of feature i when its largest input weight is on
//! feature i, positive, and carries more than [`SIDE_SHARE`] of its row's squared norm (W₁ⱼᵢ² > ½ ‖W₁ⱼ‖²:
//! more than all the other features together), so it computes about ReLU(xᵢ); the **negative side**
//! likewise with a negative weight, ReLU(−xᵢ). The paper's abs model gives each feature one of each,
//! and |x| = ReLU(x) + ReLU(−x).

use serde::Serialize;

use crate::core::config::{Init, ModelKind};
use crate::core::metrics::CARRIED;
use crate::core::model::{Model, Weights};
use crate::core::probe::{self, subscript, Activations};
use crate::views::ModelView;

/// A term whose contribution is under this share of the total is folded.
pub const FOLD_SHARE: f32 = 0.01;
/// The most terms a readout writes out.
pub const MAX_TERMS: usize = 8;
/// The share of a neuron's squared input weights one feature must carry (strictly more than) for the
/// neuron to be that feature's positive or negative side (`abs`).
pub const SIDE_SHARE: f32 = 0.5;

/// What the readout is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Neuron(usize),
    Output(usize),
}

impl Target {
    /// Reads `kind` ("neuron" or "output") and an index for a model of n features and m neurons; Err
    /// says what was wrong.
    pub fn read(kind: &str, index: usize, n: usize, m: usize) -> Result<Target, String> {
        match kind {
            "neuron" if index < m => Ok(Target::Neuron(index)),
            "neuron" => Err(format!(
                "there is no neuron {index}: this model has m = {m} neurons, 0 to {}",
                m - 1
            )),
            "output" if index < n => Ok(Target::Output(index)),
            "output" => Err(format!(
                "there is no output {index}: this model has n = {n} outputs, 0 to {}",
                n - 1
            )),
            _ => Err(format!(
                "unknown readout '{}'; allowed neuron, output",
                kind.chars().take(40).collect::<String>()
            )),
        }
    }
}

/// One term of the sum: weight × input.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Term {
    /// The input's index: a feature for a neuron, a neuron for an output.
    pub input: usize,
    /// "x₂", "h₃".
    pub symbol: String,
    pub weight: f32,
    /// The input's current value.
    pub value: f32,
    /// weight × value.
    pub contribution: f32,
}

/// The terms with a contribution that are not written out, as one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fold {
    pub count: usize,
    /// Their contributions' sum.
    pub sum: f32,
    /// Every one is under [`FOLD_SHARE`] of the total (false when some were folded by [`MAX_TERMS`]).
    pub small: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bias {
    /// "b₂", "bₕ₃".
    pub symbol: String,
    pub value: f32,
}

/// A neuron that is one side of a feature's absolute value (`abs`; see the module's documentation).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Side {
    pub neuron: usize,
    pub feature: usize,
    /// Positive side (reads +xᵢ, computes about ReLU(xᵢ)) or negative side (ReLU(−xᵢ)).
    pub positive: bool,
    /// W₁ⱼᵢ
    pub weight: f32,
    /// W₁ⱼᵢ² / ‖W₁ⱼ‖²
    pub share: f32,
    /// W₂ᵢⱼ: how it feeds output i.
    pub out_weight: f32,
}

/// Feature i's positive-side and negative-side neurons (`abs`), strongest first; either may be empty.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FeatureSides {
    pub feature: usize,
    pub positive: Vec<usize>,
    pub negative: Vec<usize>,
}

/// A readout (see the module's documentation). `value` and `pre` are the probe's numbers, the same
/// bits as the model's forward pass.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Readout {
    /// "neuron" or "output".
    pub kind: &'static str,
    pub index: usize,
    /// "h₃", "x′₂" (tied models) or "y′₂" (`abs`).
    pub name: String,
    /// Whether a ReLU is applied to the sum.
    pub relu: bool,
    /// The terms written out, in order.
    pub terms: Vec<Term>,
    pub folded: Fold,
    /// Terms whose input is 0 that are not written out (they contribute nothing).
    pub quiet: usize,
    pub bias: Option<Bias>,
    /// The sum before the ReLU (z_j, or o_i).
    pub pre: f32,
    /// hⱼ or the output.
    pub value: f32,
    /// The equation with the weights: "h₃ = ReLU(0.98·x₂ − 0.97·x₇) = 0.98".
    pub equation: String,
    /// The same with the inputs' values: "h₃ = ReLU(0.98·1 − 0.97·0) = ReLU(0.98) = 0.98".
    pub numbers: String,
    /// What is not written out, and for `abs` which side of which feature: empty when nothing to say.
    pub note: String,
    /// equation, numbers and note, one per line.
    pub text: String,
    /// `abs`, a neuron: the feature it is a side of, if any.
    pub side: Option<Side>,
    /// `abs`, an output i: feature i's sides.
    pub sides: Option<FeatureSides>,
}

/// Each neuron's side, if it is one (`abs` only: None for every neuron of a tied model).
pub fn sides(weights: &Weights) -> Vec<Option<Side>> {
    let model = weights.model;
    let (n, m) = (model.n, model.m);
    let Some(w2_t) = weights.w2_t() else {
        return vec![None; m];
    };
    (0..m)
        .map(|j| {
            let row = weights.neuron_row(j);
            let (i, w) = row.iter().enumerate().fold((0, 0.0f32), |best, (i, &w)| {
                if w.abs() > best.1.abs() {
                    (i, w)
                } else {
                    best
                }
            });
            let sq: f32 = row.iter().map(|v| v * v).sum();
            let share = if sq > 0.0 { w * w / sq } else { 0.0 };
            (share > SIDE_SHARE).then(|| Side {
                neuron: j,
                feature: i,
                positive: w > 0.0,
                weight: w,
                share,
                out_weight: w2_t[j * n + i],
            })
        })
        .collect()
}

/// Feature i's sides among `sides` (from [`sides`]), strongest |W₁ⱼᵢ| first.
pub fn feature_sides(sides: &[Option<Side>], feature: usize) -> FeatureSides {
    let mut of: Vec<&Side> = sides
        .iter()
        .flatten()
        .filter(|s| s.feature == feature)
        .collect();
    of.sort_by(|a, b| {
        b.weight
            .abs()
            .total_cmp(&a.weight.abs())
            .then(a.neuron.cmp(&b.neuron))
    });
    let pick = |positive: bool| {
        of.iter()
            .filter(|s| s.positive == positive)
            .map(|s| s.neuron)
            .collect()
    };
    FeatureSides {
        feature,
        positive: pick(true),
        negative: pick(false),
    }
}

/// The readout of `target` for the activations `acts` of one input (from [`probe::forward`] on the
/// same weights).
pub fn readout(weights: &Weights, acts: &Activations, target: Target) -> Readout {
    let model = weights.model;
    let (n, kind) = (model.n, model.kind);
    let w = weights.w();
    let all_sides = if kind == ModelKind::Abs {
        sides(weights)
    } else {
        vec![]
    };
    let (kind_id, index, name, relu, all, bias, pre, value) = match target {
        Target::Neuron(j) => {
            let terms: Vec<Term> = (0..n)
                .map(|i| term(i, format!("x{}", subscript(i)), w[j * n + i], acts.x[i]))
                .collect();
            let bias = weights.b_h().map(|b| Bias {
                symbol: format!("bₕ{}", subscript(j)),
                value: b[j],
            });
            let relu = kind.hidden_relu();
            (
                "neuron",
                j,
                format!("h{}", subscript(j)),
                relu,
                terms,
                bias,
                acts.z[j],
                acts.h[j],
            )
        }
        Target::Output(i) => {
            let e = weights.w2_t().unwrap_or(w);
            let terms: Vec<Term> = (0..model.m)
                .map(|j| term(j, format!("h{}", subscript(j)), e[j * n + i], acts.h[j]))
                .collect();
            let bias = Some(Bias {
                symbol: format!("b{}", subscript(i)),
                value: weights.b()[i],
            });
            let prime = if kind.tied() { "x′" } else { "y′" };
            let name = format!("{prime}{}", subscript(i));
            (
                "output",
                i,
                name,
                kind.output_relu(),
                terms,
                bias,
                acts.o[i],
                acts.out[i],
            )
        }
    };
    let (terms, folded, quiet) = choose_terms(all);
    let mut r = Readout {
        kind: kind_id,
        index,
        name,
        relu,
        terms,
        folded,
        quiet,
        bias,
        pre,
        value,
        equation: String::new(),
        numbers: String::new(),
        note: String::new(),
        text: String::new(),
        side: match target {
            Target::Neuron(j) => all_sides.get(j).cloned().flatten(),
            Target::Output(_) => None,
        },
        sides: match target {
            Target::Output(i) if kind == ModelKind::Abs => Some(feature_sides(&all_sides, i)),
            _ => None,
        },
    };
    write_text(&mut r);
    r
}

fn term(input: usize, symbol: String, weight: f32, value: f32) -> Term {
    Term {
        input,
        symbol,
        weight,
        value,
        contribution: weight * value,
    }
}

/// Sorts the terms and splits them into written, folded and quiet (the rules in the module's
/// documentation).
fn choose_terms(mut all: Vec<Term>) -> (Vec<Term>, Fold, usize) {
    all.sort_by(|a, b| {
        b.contribution
            .abs()
            .total_cmp(&a.contribution.abs())
            .then(b.weight.abs().total_cmp(&a.weight.abs()))
            .then(a.input.cmp(&b.input))
    });
    let total: f32 = all.iter().map(|t| t.contribution.abs()).sum();
    let top_weight = all.iter().fold(0.0f32, |a, t| a.max(t.weight.abs()));
    let mut shown = vec![];
    let mut folded = Fold {
        count: 0,
        sum: 0.0,
        small: true,
    };
    let mut quiet = 0;
    for t in all {
        let active = t.contribution != 0.0;
        let worth = if active {
            t.contribution.abs() >= FOLD_SHARE * total
        } else {
            top_weight > 0.0 && t.weight.abs() >= CARRIED * top_weight
        };
        if worth && shown.len() < MAX_TERMS {
            shown.push(t);
        } else if active {
            folded.count += 1;
            folded.sum += t.contribution;
            folded.small &= !worth;
        } else {
            quiet += 1;
        }
    }
    (shown, folded, quiet)
}

/// A number as the readout writes it: two decimals from 0.1 up, two significant digits below, trailing
/// zeros dropped, a true minus sign.
pub fn number(v: f32) -> String {
    let a = v.abs();
    let text = if v == 0.0 {
        "0".to_string()
    } else if !v.is_finite() {
        format!("{v}")
    } else if a >= 0.1 {
        trim(format!("{v:.2}"))
    } else if a >= 1e-4 {
        let decimals = (1.0 - libm::floor(libm::log10(a as f64))) as usize;
        trim(format!("{v:.decimals$}"))
    } else {
        format!("{v:.1e}")
    };
    text.replace('-', "−")
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// "a·b" with a sign joining it to what came before: first "−0.97·x₇", later " − 0.97·x₇".
fn signed(first: bool, v: f32, rest: &str) -> String {
    let magnitude = number(v.abs());
    match (first, v < 0.0) {
        (true, false) => format!("{magnitude}{rest}"),
        (true, true) => format!("−{magnitude}{rest}"),
        (false, false) => format!(" + {magnitude}{rest}"),
        (false, true) => format!(" − {magnitude}{rest}"),
    }
}

fn write_text(r: &mut Readout) {
    let plural = |k: usize| if k == 1 { "term" } else { "terms" };
    let mut symbolic = String::new();
    let mut numeric = String::new();
    for (k, t) in r.terms.iter().enumerate() {
        symbolic += &signed(k == 0, t.weight, &format!("·{}", t.symbol));
        let value = if t.value < 0.0 {
            format!("·({})", number(t.value))
        } else {
            format!("·{}", number(t.value))
        };
        numeric += &signed(k == 0, t.weight, &value);
    }
    let first = r.terms.is_empty();
    if r.folded.count > 0 {
        let k = r.folded.count;
        let what = if r.folded.small {
            format!(
                "{} under {:.0}% of the total",
                plural(k),
                FOLD_SHARE * 100.0
            )
        } else {
            format!("more {}", plural(k))
        };
        let sum = number(r.folded.sum);
        symbolic += &format!("{}{k} {what}: {sum}", if first { "" } else { " + " });
        numeric += &signed(first, r.folded.sum, "");
    }
    let first = first && r.folded.count == 0;
    if let Some(b) = &r.bias {
        symbolic += &format!("{}{}", if first { "" } else { " + " }, b.symbol);
        numeric += &signed(first, b.value, "");
    }
    if symbolic.is_empty() {
        symbolic = "0".into();
        numeric = "0".into();
    }
    let value = number(r.value);
    if r.relu {
        r.equation = format!("{} = ReLU({symbolic}) = {value}", r.name);
        r.numbers = format!(
            "{} = ReLU({numeric}) = ReLU({}) = {value}",
            r.name,
            number(r.pre)
        );
    } else {
        r.equation = format!("{} = {symbolic} = {value}", r.name);
        r.numbers = format!("{} = {numeric} = {value}", r.name);
    }
    let mut notes = vec![];
    if r.quiet > 0 {
        notes.push(format!(
            "{} more {} with input 0 not shown",
            r.quiet,
            plural(r.quiet)
        ));
    }
    if let Some(s) = &r.side {
        let sign = if s.positive { "" } else { "−" };
        notes.push(format!(
            "{} is the {} side of feature {}: it computes about ReLU({sign}x{}) ({:.0}% of its squared input weight)",
            r.name,
            if s.positive { "positive" } else { "negative" },
            s.feature,
            subscript(s.feature),
            s.share * 100.0
        ));
    }
    if let Some(s) = &r.sides {
        let list = |v: &[usize]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.iter()
                    .map(|j| format!("h{}", subscript(*j)))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        notes.push(format!(
            "feature {}: positive side {}; negative side {}",
            s.feature,
            list(&s.positive),
            list(&s.negative)
        ));
    }
    r.note = notes.join("; ");
    r.text = [r.equation.as_str(), r.numbers.as_str(), r.note.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
}

/// The model and its flat parameters (`[W or W₁ | W₂ᵀ | b | b_h]`) behind a view.
pub fn model_of(view: &ModelView) -> (Model, Vec<f32>) {
    let model = Model {
        kind: view.kind,
        n: view.n,
        m: view.m,
        hidden_bias: view.b_h.is_some(),
        importance: view.importance.clone(),
        init: Init::Notebook, // unused: no weights are drawn
    };
    let mut params = view.w.clone();
    params.extend_from_slice(view.w2_t.as_deref().unwrap_or(&[]));
    params.extend_from_slice(&view.b);
    params.extend_from_slice(view.b_h.as_deref().unwrap_or(&[]));
    debug_assert_eq!(params.len(), model.layout().len);
    (model, params)
}

/// What the page's probe shows: the activations of one input and what had to be changed to read it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProbeInfo {
    #[serde(flatten)]
    pub activations: Activations,
    /// The neurons that fire (hⱼ > 0).
    pub active: Vec<usize>,
    pub notices: Vec<String>,
}

/// The probe of a view's model on `x` (read by [`probe::read_input`]).
pub fn probe_view(view: &ModelView, x: &[f32]) -> ProbeInfo {
    let (model, params) = model_of(view);
    let input = probe::read_input(model.kind, model.n, x);
    let activations = probe::forward(&Weights::new(&model, &params), &input.x);
    ProbeInfo {
        active: activations.active_neurons(),
        activations,
        notices: input.notices,
    }
}

/// A readout with the notices of reading its input.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReadoutInfo {
    #[serde(flatten)]
    pub readout: Readout,
    pub notices: Vec<String>,
}

/// The readout of `kind` ("neuron" or "output") `index` on a view's model for input `x`; Err says
/// which readout does not exist.
pub fn readout_view(
    view: &ModelView,
    kind: &str,
    index: usize,
    x: &[f32],
) -> Result<ReadoutInfo, String> {
    let target = Target::read(kind, index, view.n, view.m)?;
    let (model, params) = model_of(view);
    let weights = Weights::new(&model, &params);
    let input = probe::read_input(model.kind, model.n, x);
    let acts = probe::forward(&weights, &input.x);
    Ok(ReadoutInfo {
        readout: readout(&weights, &acts, target),
        notices: input.notices,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::Config;
    use crate::core::training::Trainer;

    fn weights_of(kind: ModelKind, n: usize, m: usize, params: &[f32]) -> (Model, Vec<f32>) {
        let model = Model::new(&Config {
            model: kind,
            n,
            m,
            ..Config::default()
        });
        assert_eq!(params.len(), model.layout().len);
        (model, params.to_vec())
    }

    #[test]
    fn a_relu_hidden_neuron_reads_as_the_issues_example() {
        // Neuron 3 reads x₂ at 0.98 and x₇ at −0.97 (n = 8, m = 4), every other weight 0.
        let (n, m) = (8, 4);
        let mut p = vec![0.0; n * m + n];
        p[3 * n + 2] = 0.98;
        p[3 * n + 7] = -0.97;
        let (model, p) = weights_of(ModelKind::ReluHidden, n, m, &p);
        let w = Weights::new(&model, &p);
        let mut x = vec![0.0; n];
        x[2] = 1.0;
        let r = readout(&w, &probe::forward(&w, &x), Target::Neuron(3));
        assert_eq!(r.equation, "h₃ = ReLU(0.98·x₂ − 0.97·x₇) = 0.98");
        assert_eq!(r.numbers, "h₃ = ReLU(0.98·1 − 0.97·0) = ReLU(0.98) = 0.98");
        assert_eq!(r.note, "6 more terms with input 0 not shown");
        assert_eq!(r.value, 0.98);
        // x₇ = 1 as well: the neuron is cancelled.
        x[7] = 1.0;
        let r = readout(&w, &probe::forward(&w, &x), Target::Neuron(3));
        assert_eq!(r.numbers, "h₃ = ReLU(0.98·1 − 0.97·1) = ReLU(0.01) = 0.01");
        // x₂ = 0: the ReLU bites.
        x[2] = 0.0;
        let r = readout(&w, &probe::forward(&w, &x), Target::Neuron(3));
        assert_eq!(r.equation, "h₃ = ReLU(−0.97·x₇ + 0.98·x₂) = 0");
        assert_eq!(r.numbers, "h₃ = ReLU(−0.97·1 + 0.98·0) = ReLU(−0.97) = 0");
    }

    #[test]
    fn small_terms_are_folded_with_their_sum() {
        // linear n = 10, m = 1: h₀ = Σ wᵢ xᵢ with one large weight and nine small ones.
        let n = 10;
        let mut p = vec![0.0; 2 * n];
        p[0] = 2.0;
        for (i, v) in p.iter_mut().enumerate().take(n).skip(1) {
            *v = 0.002 * i as f32;
        }
        let (model, p) = weights_of(ModelKind::Linear, n, 1, &p);
        let w = Weights::new(&model, &p);
        let x = vec![1.0; n];
        let acts = probe::forward(&w, &x);
        let r = readout(&w, &acts, Target::Neuron(0));
        let small: f32 = (1..n).map(|i| 0.002 * i as f32).sum();
        // 0.018 is 0.86% of the total 2.09: folded; so is everything below it.
        assert_eq!(r.terms.len(), 1);
        assert_eq!(r.folded.count, 9);
        assert!(r.folded.small);
        assert!((r.folded.sum - small).abs() < 1e-6);
        assert_eq!(
            r.equation,
            "h₀ = 2·x₀ + 9 terms under 1% of the total: 0.09 = 2.09"
        );
        assert_eq!(r.numbers, "h₀ = 2·1 + 0.09 = 2.09");
        assert_eq!(r.value, acts.h[0]);
        assert!(!r.relu, "the linear model's hidden layer has no ReLU");
    }

    #[test]
    fn more_than_max_terms_are_folded_as_more() {
        let n = 12;
        let p: Vec<f32> = (0..n)
            .map(|i| 1.0 + 0.01 * i as f32)
            .chain(vec![0.0; n])
            .collect();
        let (model, p) = weights_of(ModelKind::ReluOutput, n, 1, &p);
        let w = Weights::new(&model, &p);
        let r = readout(&w, &probe::forward(&w, &vec![0.5; n]), Target::Neuron(0));
        assert_eq!(r.terms.len(), MAX_TERMS);
        assert_eq!(r.terms[0].input, n - 1, "largest contribution first");
        assert_eq!(r.folded.count, n - MAX_TERMS);
        assert!(!r.folded.small);
        assert!(r.equation.contains("+ 4 more terms: "), "{}", r.equation);
    }

    /// Readouts of every neuron and output on trained models equal a forward pass computed here from
    /// the weights, and their terms add up to it.
    #[test]
    fn every_readout_equals_a_forward_pass_computed_in_the_test() {
        for kind in ModelKind::ALL {
            for hidden_bias in [false, true] {
                if hidden_bias && kind != ModelKind::ReluHidden {
                    continue;
                }
                let config = Config {
                    model: kind,
                    hidden_bias,
                    n: 7,
                    m: 4,
                    density: vec![0.3],
                    importance: 0.8,
                    ..Config::default()
                };
                let (n, m) = (config.n, config.m);
                let mut t = Trainer::new(config).unwrap();
                t.step(400);
                let w = t.weights();
                let s = if kind.signed_inputs() { -1.0 } else { 1.0 };
                let inputs = [
                    vec![0.0; n],
                    (0..n)
                        .map(|i| if i == 2 { s } else { 0.0 })
                        .collect::<Vec<f32>>(),
                    (0..n)
                        .map(|i| (i as f32 + 1.0) / n as f32 * if i % 3 == 0 { s } else { 1.0 })
                        .collect(),
                ];
                let relu = |v: f64, on: bool| if on { v.max(0.0) } else { v };
                for x in &inputs {
                    // h and out by hand, in f64.
                    let wji = |j: usize, i: usize| w.w()[j * n + i] as f64;
                    let h: Vec<f64> = (0..m)
                        .map(|j| {
                            let b = w.b_h().map_or(0.0, |b| b[j] as f64);
                            relu(
                                b + (0..n).map(|i| wji(j, i) * x[i] as f64).sum::<f64>(),
                                kind.hidden_relu(),
                            )
                        })
                        .collect();
                    let e = |j: usize, i: usize| match w.w2_t() {
                        Some(e) => e[j * n + i] as f64,
                        None => wji(j, i),
                    };
                    let out: Vec<f64> = (0..n)
                        .map(|i| {
                            let o = w.b()[i] as f64 + (0..m).map(|j| e(j, i) * h[j]).sum::<f64>();
                            relu(o, kind.output_relu())
                        })
                        .collect();
                    let acts = probe::forward(&w, x);
                    let targets = (0..m)
                        .map(|j| (Target::Neuron(j), h[j]))
                        .chain((0..n).map(|i| (Target::Output(i), out[i])));
                    for (target, want) in targets {
                        let r = readout(&w, &acts, target);
                        let what =
                            format!("{kind:?} b_h={hidden_bias} {target:?} x={x:?}: {}", r.text);
                        assert!((r.value as f64 - want).abs() < 1e-5, "{what}: want {want}");
                        // The written terms, the folded sum and the bias add up to the sum before the ReLU.
                        let sum = r.terms.iter().map(|t| t.contribution as f64).sum::<f64>()
                            + r.folded.sum as f64
                            + r.bias.as_ref().map_or(0.0, |b| b.value as f64);
                        assert!(
                            (sum - r.pre as f64).abs() < 1e-5,
                            "{what}: terms sum to {sum}"
                        );
                        if !r.relu {
                            assert_eq!(r.pre, r.value, "{what}");
                        }
                        let name = r.name.chars().next().unwrap();
                        match target {
                            Target::Neuron(_) => assert_eq!(name, 'h'),
                            Target::Output(_) => {
                                assert_eq!(name, if kind.tied() { 'x' } else { 'y' })
                            }
                        }
                        assert_eq!(r.equation.contains("ReLU("), r.relu, "{what}");
                        assert!(
                            r.equation.ends_with(&format!("= {}", number(r.value))),
                            "{what}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_notation_follows_each_model() {
        let relu_of = |kind: ModelKind| {
            let (model, p) = weights_of(kind, 2, 2, &{
                let model = Model::new(&Config {
                    model: kind,
                    n: 2,
                    m: 2,
                    ..Config::default()
                });
                vec![0.5; model.layout().len]
            });
            let w = Weights::new(&model, &p);
            let a = probe::forward(&w, &[0.5, 0.5]);
            (
                readout(&w, &a, Target::Neuron(1)).equation,
                readout(&w, &a, Target::Output(0)).equation,
            )
        };
        let (h, o) = relu_of(ModelKind::Linear);
        assert!(h.starts_with("h₁ = 0.5·x₀ + 0.5·x₁ = "), "{h}");
        assert!(o.starts_with("x′₀ = 0.5·h₀ + 0.5·h₁ + b₀ = "), "{o}");
        let (h, o) = relu_of(ModelKind::ReluOutput);
        assert!(h.starts_with("h₁ = 0.5·x₀"), "no hidden ReLU: {h}");
        assert!(o.starts_with("x′₀ = ReLU(0.5·h₀ + 0.5·h₁ + b₀)"), "{o}");
        let (h, o) = relu_of(ModelKind::ReluHidden);
        assert!(h.starts_with("h₁ = ReLU(0.5·x₀ + 0.5·x₁)"), "{h}");
        assert!(o.starts_with("x′₀ = ReLU("), "{o}");
        let (h, o) = relu_of(ModelKind::Abs);
        assert!(h.starts_with("h₁ = ReLU(0.5·x₀ + 0.5·x₁)"), "{h}");
        assert!(o.starts_with("y′₀ = ReLU(0.5·h₀ + 0.5·h₁ + b₀)"), "{o}");
    }

    #[test]
    fn abs_names_the_positive_and_negative_side_of_each_feature() {
        // The paper's abs model n = 3, m = 6 trained: each feature gets a ReLU(xᵢ) and a ReLU(−xᵢ) neuron
        // (tests/science.rs checks that this seed gives that split).
        let mut t = Trainer::new(Config {
            model: ModelKind::Abs,
            n: 3,
            m: 6,
            density: vec![1.0],
            importance: 1.0,
            ..Config::default()
        })
        .unwrap();
        t.step(10_000);
        let w = t.weights();
        let all = sides(&w);
        for i in 0..3 {
            let s = feature_sides(&all, i);
            assert_eq!(
                (s.positive.len(), s.negative.len()),
                (1, 1),
                "feature {i}: {s:?}"
            );
            // Feed x_i = −1: the negative side fires, the positive side does not, and the output is |x_i|.
            let mut x = vec![0.0; 3];
            x[i] = -1.0;
            let acts = probe::forward(&w, &x);
            assert!(acts.h[s.negative[0]] > 0.0, "{:?}", acts.h);
            assert_eq!(acts.h[s.positive[0]], 0.0);
            let r = readout(&w, &acts, Target::Output(i));
            assert!((r.value - 1.0).abs() < 0.05, "{}", r.text);
            assert_eq!(
                r.terms[0].symbol,
                format!("h{}", subscript(s.negative[0])),
                "{}",
                r.text
            );
            assert!(
                r.note.contains(&format!(
                    "feature {i}: positive side h{}; negative side h{}",
                    subscript(s.positive[0]),
                    subscript(s.negative[0])
                )),
                "{}",
                r.text
            );
            let r = readout(&w, &acts, Target::Neuron(s.negative[0]));
            assert!(
                r.note.contains(&format!(
                    "is the negative side of feature {i}: it computes about ReLU(−x{})",
                    subscript(i)
                )),
                "{}",
                r.text
            );
        }
        // A tied model has no sides.
        let tied = Trainer::new(Config::default()).unwrap();
        assert!(sides(&tied.weights()).iter().all(Option::is_none));
    }

    #[test]
    fn a_neuron_shared_equally_by_two_features_is_no_ones_side() {
        // abs n = 2, m = 1: the neuron reads x₀ at 1 and x₁ at −1, half its squared weight each.
        let model = Model::new(&Config {
            model: ModelKind::Abs,
            n: 2,
            m: 1,
            ..Config::default()
        });
        let p = [1.0, -1.0, 0.7, 0.0, 0.0, 0.0];
        assert_eq!(sides(&Weights::new(&model, &p)), vec![None]);
        // x₁ at −0.9: x₀ carries 1 / 1.81 = 55% of it, so the neuron is x₀'s positive side.
        let p = [1.0, -0.9, 0.7, 0.0, 0.0, 0.0];
        let s = sides(&Weights::new(&model, &p))[0].clone().unwrap();
        assert_eq!((s.feature, s.positive, s.out_weight), (0, true, 0.7));
        assert!((s.share - 1.0 / 1.81).abs() < 1e-6);
    }

    #[test]
    fn numbers_are_short_with_a_true_minus() {
        assert_eq!(number(0.98), "0.98");
        assert_eq!(number(1.0), "1");
        assert_eq!(number(-0.97), "−0.97");
        assert_eq!(number(0.0031), "0.0031");
        assert_eq!(number(0.003), "0.003");
        assert_eq!(number(-0.0456), "−0.046");
        assert_eq!(number(0.00001234), "1.2e−5");
        assert_eq!(number(12.345), "12.35");
        assert_eq!(number(-0.0), "0");
    }

    #[test]
    fn a_view_gives_back_its_models_weights_and_bad_readouts_are_refused() {
        for kind in ModelKind::ALL {
            let t = Trainer::new(Config {
                model: kind,
                n: 6,
                m: 3,
                ..Config::default()
            })
            .unwrap();
            let view = ModelView::of(&t);
            let (model, params) = model_of(&view);
            assert_eq!(params, t.params());
            assert_eq!(model.layout(), t.model().layout());
            let info = probe_view(&view, &[0.5, 2.0]);
            assert_eq!(info.activations.x, vec![0.5, 1.0, 0.0, 0.0, 0.0, 0.0]);
            assert_eq!(info.notices.len(), 2, "{:?}", info.notices);
            assert_eq!(
                info.activations.out,
                t.model().forward(t.params(), &info.activations.x)
            );
        }
        let view = ModelView::of(&Trainer::new(Config::default()).unwrap());
        assert_eq!(
            readout_view(&view, "neuron", 2, &[]).unwrap_err(),
            "there is no neuron 2: this model has m = 2 neurons, 0 to 1"
        );
        assert_eq!(
            readout_view(&view, "output", 5, &[]).unwrap_err(),
            "there is no output 5: this model has n = 5 outputs, 0 to 4"
        );
        assert_eq!(
            readout_view(&view, "feature", 0, &[]).unwrap_err(),
            "unknown readout 'feature'; allowed neuron, output"
        );
        let r = readout_view(&view, "output", 4, &[0.0, 0.0, 0.0, 0.0, 1.0]).unwrap();
        assert_eq!(r.readout.name, "x′₄");
        assert!(r.notices.is_empty());
    }
}
