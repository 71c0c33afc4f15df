//! What the page asks Rust, as plain data: every answer here is a serde value that `web` hands to
//! JavaScript as JSON, so the page builds no link, parses no setting and chooses no restart itself, and
//! all of it is tested natively.

use serde::Serialize;

use crate::app::embed::Embed;
use crate::app::link::{Link, Notice, SweepSpec};
use crate::core::bench;
use crate::core::config::Config;
use crate::core::settings::{Kind, PAPER_DENSITIES, SETTINGS};
use crate::core::sweep::{self, Axis};

/// A notice about a link, with the key it concerns (`null` for the link as a whole).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NoticeInfo {
    pub key: Option<&'static str>,
    pub text: String,
}

impl From<Notice> for NoticeInfo {
    fn from(n: Notice) -> NoticeInfo {
        NoticeInfo {
            key: n.key,
            text: n.text,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepInfo {
    pub axis: &'static str,
    pub values: Vec<f32>,
    pub restarts: u32,
}

/// A link as read: `settings` is the text `Run` takes, `fragment` the link as this explorer writes it,
/// `notices` what had to be changed (each says what was wrong and what was used instead).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkInfo {
    pub settings: String,
    pub step: u64,
    pub view: &'static str,
    pub fragment: String,
    pub notices: Vec<NoticeInfo>,
    pub sweep: Option<SweepInfo>,
    /// The step budget (`steps`), for the page's `step / budget` readout.
    pub budget: u64,
    /// The input probe's values (n of them, in the model's range), when the link sets one.
    pub probe: Option<Vec<f32>>,
}

pub fn link_info(fragment: &str) -> LinkInfo {
    let (link, notices) = Link::read(fragment);
    LinkInfo {
        settings: link.config.to_text(),
        step: link.step,
        view: link.view.id(),
        fragment: link.to_fragment(),
        notices: notices.into_iter().map(NoticeInfo::from).collect(),
        sweep: link.sweep.as_ref().map(|s| SweepInfo {
            axis: s.axis.id(),
            values: s.values.clone(),
            restarts: s.restarts,
        }),
        budget: link.config.steps,
        probe: link.probe.clone(),
    }
}

/// A fragment with the input probe set to `x` (read for the link's model: n values in its range), so
/// the page writes the probe through the one link writer.
pub fn probe_fragment(fragment: &str, x: &[f32]) -> String {
    let (mut link, _) = Link::read(fragment);
    link.probe = Some(crate::core::probe::read_input(link.config.model, link.config.n, x).x);
    link.to_fragment()
}

/// The named geometry of a model as the page shows it: the arrangement and badge (tied models, m ≤
/// 3) and the feature-geometry graph, left out (with the reason) when it would cost more than
/// [`crate::app::gate::MAX_GRAPH_MADDS`], since the page computes it between two frames.
pub fn geometry_of(view: &crate::views::ModelView) -> crate::core::geometry::Geometry {
    crate::core::geometry::geometry(
        &view.w,
        view.n,
        view.m,
        view.kind.tied(),
        &view.features,
        crate::app::gate::MAX_GRAPH_MADDS,
    )
}

/// The fragment of a run: its settings text (as `Run` reports it), the step shown and the large view,
/// read through the link reader so the page never writes a link by hand.
pub fn fragment_of(settings: &str, step: u64, view: &str) -> String {
    let (mut link, _) = Link::read(settings);
    link.step = step.min(link.config.steps);
    if let Some(v) = crate::views::View::from_id(view) {
        link.view = v;
    }
    link.to_fragment()
}

/// A sweep around a run: the run's fragment with the sweep keys set from the page's sweep form (text as
/// typed), trained to the budget. Read back by the link reader, which reports any bad value.
pub fn sweep_fragment(base: &str, axis: &str, values: &str, restarts: &str) -> String {
    let (link, _) = Link::read(base);
    let mut text = Link {
        step: link.config.steps,
        sweep: None,
        probe: None,
        ..link
    }
    .to_fragment();
    let enc = |v: &str| crate::app::link::encode(v.trim());
    text.push_str(&format!(
        "&sweep={}&values={}&restarts={}",
        enc(axis),
        enc(values),
        enc(restarts)
    ));
    text
}

/// The settings form's fields as typed, read as a link (the same reader and caps as every way in): a
/// field whose text is refused keeps the setting's current value from `current` and is reported under
/// its key, as are the caps' changes.
pub fn form_link(current: &str, keys: &[String], values: &[String], view: &str) -> LinkInfo {
    let (base, _) = Link::read(current);
    let mut text = Link {
        step: 0,
        sweep: None,
        probe: None,
        ..base
    }
    .to_fragment();
    text = text
        .split('&')
        .filter(|p| !p.starts_with("step=") && !p.starts_with("view="))
        .collect::<Vec<_>>()
        .join("&");
    for (k, v) in keys.iter().zip(values) {
        text.push_str(&format!(
            "&{}={}",
            crate::app::link::encode(k),
            crate::app::link::encode(v)
        ));
    }
    text.push_str(&format!("&step=0&view={}", crate::app::link::encode(view)));
    link_info(&text)
}

/// What is wrong with a field's text, in words quoting it as typed ("lr: 'abc' is not a number;
/// allowed 0.000001 to 1000"); empty when the setting takes it exactly as written.
pub fn setting_problem(key: &str, text: &str) -> String {
    let mut probe = Config::default();
    match crate::core::settings::setting(key) {
        None => format!("unknown setting '{key}'"),
        Some(s) => s.read(&mut probe, text).err().unwrap_or_default(),
    }
}

/// The preset whose settings a link's run has (its id), if any: a shared link that is a preset opens
/// with the preset's name and hint.
pub fn preset_matching(fragment: &str) -> Option<String> {
    let (link, _) = Link::read(fragment);
    if link.sweep.is_some() {
        let text = link.to_fragment();
        return presets()
            .into_iter()
            .find(|p| p.sweep && Link::read(&p.fragment).0.to_fragment() == text)
            .map(|p| p.id);
    }
    crate::app::presets::all()
        .into_iter()
        .find(|p| p.config == link.config)
        .map(|p| p.id)
}

/// One value of a sweep plan: its setting (with the base seed: restart k is the run of seed `seed + k`)
/// and its label.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepValue {
    pub settings: String,
    pub label: String,
    pub value: f32,
}

/// One job of a sweep plan: restarts `first..first + count` of value `value`, trained together (in the
/// vector lanes of `restarts::units`: each restart bit for bit its single run) to the plan's `until`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepJob {
    pub value: usize,
    pub first: u32,
    pub count: u32,
}

/// A sweep link's work; within a value the restart with the lowest `eval_loss(eval_seed)` is kept. The
/// jobs take the values in turn (the first restarts of every value, then the next), so every panel
/// fills early and a cancelled sweep has some restarts of each value. No values when the link has no
/// sweep.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepPlan {
    pub values: Vec<SweepValue>,
    pub restarts: u32,
    pub jobs: Vec<SweepJob>,
    pub until: u64,
    pub eval_seed: u32,
    /// The estimated time of the whole sweep on one worker, in seconds ([`crate::core::restarts::unit_ns`]).
    pub estimate_seconds: f64,
    /// A sweep whose estimate on the page's workers is longer than this asks before it starts.
    pub ask_above_seconds: f64,
    /// What the page trains, while a long sweep waits for Start, to scale `estimate_seconds` to its
    /// machine (`cost::speed_probe`).
    pub speed_probe: SpeedProbe,
    pub fragment: String,
    pub view: &'static str,
    pub notices: Vec<NoticeInfo>,
}

/// A job for `Restarts` (restarts `0..count` of `settings`, to `until`) and the cost model's time per
/// restart-step of it: a machine that trains it in half that time trains every sweep in about half its
/// estimate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SpeedProbe {
    pub settings: String,
    pub count: u32,
    pub until: u64,
    pub ns_per_restart_step: f64,
}

pub fn speed_probe() -> SpeedProbe {
    use crate::core::cost::{speed_probe, SPEED_PROBE_RESTARTS};
    let config = speed_probe();
    let until = config.steps;
    let ns = crate::core::restarts::unit_ns(&config, 0..SPEED_PROBE_RESTARTS, until);
    SpeedProbe {
        settings: config.to_text(),
        count: SPEED_PROBE_RESTARTS,
        until,
        ns_per_restart_step: ns / (SPEED_PROBE_RESTARTS as u64 * until) as f64,
    }
}

/// The longest sweep the page starts without asking (its estimate on the page's workers).
pub const ASK_ABOVE_SECONDS: f64 = 120.0;

/// The sweep form's bounds: at most this many values, and this many restarts of each (with the runs of
/// a sweep in all), as a link of this version reads them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepLimits {
    pub values: usize,
    pub restarts: u32,
    pub runs: usize,
}

pub fn sweep_limits() -> SweepLimits {
    use crate::app::link::{MAX_RESTARTS, MAX_SWEEP_RUNS, MAX_SWEEP_VALUES};
    SweepLimits {
        values: MAX_SWEEP_VALUES,
        restarts: MAX_RESTARTS,
        runs: MAX_SWEEP_RUNS,
    }
}

pub fn sweep_plan(fragment: &str) -> SweepPlan {
    let (link, notices) = Link::read(fragment);
    let (mut values, mut jobs, mut restarts, mut until, mut ns) =
        (vec![], vec![], 0, link.step, 0.0);
    if let Some(spec) = &link.sweep {
        let sweep = spec.sweep(&link);
        restarts = sweep.restarts.max(1);
        until = sweep.until;
        let mut units = vec![];
        for &value in &spec.values {
            let config = spec.axis.apply(&link.config, value);
            let parts = crate::core::restarts::units(&config, 0..restarts);
            ns += parts
                .iter()
                .map(|r| crate::core::restarts::unit_ns(&config, r.clone(), until))
                .sum::<f64>();
            units.push(parts);
            values.push(SweepValue {
                settings: config.to_text(),
                label: spec.axis.label(value),
                value,
            });
        }
        let most = units.iter().map(Vec::len).max().unwrap_or(0);
        for u in 0..most {
            for (value, parts) in units.iter().enumerate() {
                if let Some(r) = parts.get(u) {
                    jobs.push(SweepJob {
                        value,
                        first: r.start,
                        count: r.len() as u32,
                    });
                }
            }
        }
    }
    SweepPlan {
        values,
        restarts,
        jobs,
        until,
        eval_seed: link.config.seed,
        estimate_seconds: ns / 1e9,
        ask_above_seconds: ASK_ABOVE_SECONDS,
        speed_probe: speed_probe(),
        fragment: link.to_fragment(),
        view: link.view.id(),
        notices: notices.into_iter().map(NoticeInfo::from).collect(),
    }
}

/// A setting as the page's form shows it: derived from the settings table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SettingInfo {
    pub key: &'static str,
    pub meaning: &'static str,
    pub help: &'static str,
    /// The allowed values in words ("1 to 1000").
    pub range: String,
    pub default: String,
    pub control: ControlInfo,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ControlInfo {
    Choice {
        options: Vec<&'static str>,
    },
    Toggle,
    Int {
        min: u64,
        max: u64,
    },
    Number {
        min: f32,
        max: f32,
        log: bool,
    },
    /// A logarithmic slider with the paper's densities as stops, or a typed list.
    Density {
        min: f32,
        max: f32,
        stops: Vec<f32>,
    },
}

pub fn settings_schema() -> Vec<SettingInfo> {
    let defaults = Config::default();
    SETTINGS
        .iter()
        .map(|s| SettingInfo {
            key: s.key,
            meaning: s.meaning,
            help: s.help,
            range: s.kind.range_text(),
            default: s.show(&defaults),
            control: match s.kind {
                Kind::Choice(options) => ControlInfo::Choice {
                    options: options.to_vec(),
                },
                Kind::Toggle => ControlInfo::Toggle,
                Kind::Whole { min, max } => ControlInfo::Int { min, max },
                Kind::Number { min, max, log } => ControlInfo::Number { min, max, log },
                Kind::List { min, max, .. } => ControlInfo::Density {
                    min,
                    max,
                    stops: PAPER_DENSITIES.to_vec(),
                },
            },
        })
        .collect()
}

/// A preset: one of the paper's configurations (`settings`, `view`) or its sweeps (`fragment`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PresetInfo {
    pub id: String,
    pub group: String,
    pub label: String,
    pub look_for: String,
    /// The preset as a link: what the page opens, and what a link is compared with to find its preset.
    pub fragment: String,
    pub sweep: bool,
}

pub fn presets() -> Vec<PresetInfo> {
    let singles = crate::app::presets::all().into_iter().map(|p| PresetInfo {
        fragment: Link {
            config: p.config,
            sweep: None,
            step: 0,
            view: p.view,
            probe: None,
        }
        .to_fragment(),
        id: p.id,
        group: p.group.into(),
        label: p.label,
        look_for: p.look_for,
        sweep: false,
    });
    let sweeps = crate::app::presets::sweeps()
        .into_iter()
        .map(|(id, label, look_for, link)| PresetInfo {
            id: id.into(),
            group: "Sweeps: the paper's figures, trained in parallel".into(),
            label: label.into(),
            look_for: look_for.into(),
            fragment: link.to_fragment(),
            sweep: true,
        });
    singles.chain(sweeps).collect()
}

/// Embed mode's options from the query string (`embed` false when the page is not embedded).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EmbedInfo {
    pub embed: bool,
    pub controls: Vec<String>,
    pub views: Vec<&'static str>,
    pub autoplay: bool,
    pub theme: Option<&'static str>,
    pub notices: Vec<String>,
}

pub fn embed_info(query: &str) -> EmbedInfo {
    match Embed::parse(query) {
        None => EmbedInfo {
            embed: false,
            controls: vec![],
            views: vec![],
            autoplay: false,
            theme: None,
            notices: vec![],
        },
        Some((e, notices)) => EmbedInfo {
            embed: true,
            controls: e.controls,
            views: e.views.iter().map(|v| v.id()).collect(),
            autoplay: e.autoplay,
            theme: e.theme,
            notices,
        },
    }
}

/// The `tms bench` cases, so the wasm benchmark times the same work.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BenchCase {
    pub name: &'static str,
    pub settings: String,
    pub steps: u64,
}

pub fn bench_cases() -> Vec<BenchCase> {
    bench::cases()
        .iter()
        .map(|c| BenchCase {
            name: c.name,
            settings: c.config.to_text(),
            steps: c.steps,
        })
        .collect()
}

/// Which restart of a sweep's setting to keep, and how many agree with it (see
/// [`sweep::best_restart`]): the page's sweep asks this rather than choosing itself.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RestartChoice {
    /// Index of the kept restart (in seed order), or none for no restarts.
    pub best: Option<usize>,
    pub eval_loss: Option<f32>,
    /// Restarts within `agree_within` of the best loss (as `tms sweep` counts them).
    pub agree: usize,
    pub of: usize,
    /// "5%": the agreement margin, for the page's wording.
    pub agree_within: String,
}

pub fn restart_choice(eval_losses: &[f32]) -> RestartChoice {
    let best = sweep::best_restart(eval_losses);
    RestartChoice {
        best,
        eval_loss: best.map(|k| eval_losses[k]),
        agree: sweep::agreeing(eval_losses),
        of: eval_losses.len(),
        agree_within: format!("{}%", ((sweep::AGREE - 1.0) * 100.0).round()),
    }
}

/// The sweep axes, for the sweep form.
pub fn sweep_axes() -> Vec<&'static str> {
    [Axis::Density, Axis::Importance]
        .iter()
        .map(|a| a.id())
        .collect()
}

impl SweepSpec {
    /// The sweep as the page's sweep form shows it.
    pub fn info(&self) -> SweepInfo {
        SweepInfo {
            axis: self.axis.id(),
            values: self.values.clone(),
            restarts: self.restarts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn json<T: Serialize>(v: &T) -> Value {
        serde_json::to_value(v).unwrap()
    }

    #[test]
    fn the_speed_probe_is_lockstep_work_the_page_trains_in_one_lane_group() {
        let probe = speed_probe();
        let config = Config::from_text(&probe.settings).unwrap();
        assert_eq!(config, crate::core::cost::speed_probe());
        // Dense rows: every step costs what the first ones do.
        assert!(config.lockstep());
        assert_eq!(probe.until, config.steps);
        assert!(
            probe.count >= 1 && probe.count <= 4,
            "the page's lanes: {}",
            probe.count
        );
        let one_group = crate::core::cost::lockstep_step_ns(&config) / probe.count as f64;
        assert!((probe.ns_per_restart_step - one_group).abs() <= 1e-9 * one_group);
        // Every sweep plan carries it.
        let plan =
            sweep_plan("v=4&model=relu-hidden&n=10&m=5&sweep=density&values=1,0.1&restarts=2");
        assert_eq!(plan.speed_probe, probe);
    }

    #[test]
    fn the_kept_restart_is_the_lowest_eval_loss_and_ties_go_to_the_lower_seed() {
        let c = json(&restart_choice(&[0.3, 0.1, 0.104, 0.1, f32::NAN]));
        assert_eq!(c["best"], 1);
        assert_eq!(c["agree"], 3, "0.1, 0.104 and 0.1 are within 5% of 0.1");
        assert_eq!(c["of"], 5);
        assert_eq!(c["agree_within"], "5%");
        assert_eq!(json(&restart_choice(&[]))["best"], Value::Null);
    }

    #[test]
    fn a_link_reads_into_settings_notices_by_key_and_its_own_fragment() {
        let info = json(&link_info(
            "v=3&model=abs&n=0&m=6&step=20&view=stack&colour=red",
        ));
        assert_eq!(info["step"], 20);
        assert_eq!(info["view"], "stack");
        assert!(info["settings"]
            .as_str()
            .unwrap()
            .contains("model=abs&hidden-bias=0&n=1&"));
        let notices = info["notices"].as_array().unwrap();
        assert_eq!(notices[0]["key"], "n");
        assert_eq!(notices[0]["text"], "n = 0 is below the minimum 1; using 1");
        assert_eq!(notices[1]["key"], Value::Null);
        assert!(info["fragment"]
            .as_str()
            .unwrap()
            .starts_with("v=4&model=abs&"));
        assert_eq!(info["sweep"], Value::Null);
    }

    #[test]
    fn the_page_builds_no_link_itself() {
        let settings = Config::default().to_text();
        let f = fragment_of(&settings, 123, "bars");
        assert!(f.ends_with("&step=123&view=bars"), "{f}");
        assert_eq!(Link::parse(&f).1, Vec::<String>::new());
        let s = sweep_fragment(&f, "density", " 1, 0.1 ", "2");
        let plan = json(&sweep_plan(&s));
        assert_eq!(plan["values"].as_array().unwrap().len(), 2);
        assert_eq!(plan["restarts"], 2);
        assert_eq!(plan["until"], 10_000);
        assert_eq!(plan["values"][1]["label"], "1−S = 0.1");
        assert!(plan["values"][1]["settings"]
            .as_str()
            .unwrap()
            .contains("density=0.1&"));
        // Two restarts of each value: a job each (restarts::units), the values in turn.
        let jobs: Vec<(u64, u64, u64)> = plan["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| {
                let f = |k: &str| j[k].as_u64().unwrap();
                (f("value"), f("first"), f("count"))
            })
            .collect();
        assert_eq!(jobs, [(0, 0, 2), (1, 0, 2)]);
        assert!(plan["estimate_seconds"].as_f64().unwrap() > 0.0);
        // A thousand restarts: every restart of every value in exactly one job, the values in turn.
        let s = sweep_fragment(&f, "density", "1,0.1,0.01", "1000");
        let plan = sweep_plan(&s);
        assert_eq!(plan.restarts, 1000, "{:?}", plan.notices);
        for value in 0..3 {
            let mut next = 0;
            for j in plan.jobs.iter().filter(|j| j.value == value) {
                assert_eq!(j.first, next);
                next += j.count;
            }
            assert_eq!(next, 1000);
        }
        assert_eq!(
            plan.jobs[..3].iter().map(|j| j.value).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        // What the form typed badly is reported by the same reader.
        assert!(!sweep_plan(&sweep_fragment(&f, "density", "1,x", "1"))
            .notices
            .is_empty());
    }

    #[test]
    fn the_form_is_read_like_a_link_and_its_problems_quote_what_was_typed() {
        let current = Config::default().to_text();
        let keys: Vec<String> = ["n", "m", "batch"].map(String::from).to_vec();
        let values: Vec<String> = ["1000", "1000", "16384"].map(String::from).to_vec();
        let info = form_link(&current, &keys, &values, "stack");
        let keyed: Vec<_> = info.notices.iter().map(|n| n.key).collect();
        assert!(
            keyed.contains(&Some("batch")) && keyed.contains(&Some("m")),
            "{:?}",
            info.notices
        );
        assert_eq!(info.view, "stack");
        assert_eq!(
            setting_problem("lr", "abc"),
            "lr: 'abc' is not a number; allowed 0.000001 to 1000"
        );
        assert_eq!(setting_problem("lr", "0.01"), "");
        assert_eq!(
            setting_problem("density", "0.5, 0.1x").split(':').next(),
            Some("density")
        );
    }

    #[test]
    fn a_link_with_a_presets_settings_names_the_preset() {
        let p = presets().into_iter().find(|p| p.id == "abs-0.1").unwrap();
        assert_eq!(preset_matching(&p.fragment).as_deref(), Some("abs-0.1"));
        let edited = p.fragment.replace("&seed=0&", "&seed=5&");
        assert_eq!(preset_matching(&edited), None);
        let s = presets().into_iter().find(|p| p.sweep).unwrap();
        assert_eq!(preset_matching(&s.fragment), Some(s.id));
    }

    #[test]
    fn the_settings_schema_is_the_table() {
        let schema = json(&settings_schema());
        let list = schema.as_array().unwrap();
        assert_eq!(list.len(), SETTINGS.len());
        let n = list.iter().find(|s| s["key"] == "n").unwrap();
        assert_eq!(n["control"]["kind"], "int");
        assert_eq!(n["control"]["max"], 1000);
        assert_eq!(n["range"], "1 to 1000");
        let lr = list.iter().find(|s| s["key"] == "lr").unwrap();
        assert_eq!(lr["control"]["min"].as_f64().unwrap() as f32, 1e-6);
        assert!(list.iter().all(|s| !s["help"].as_str().unwrap().is_empty()));
        let density = list.iter().find(|s| s["key"] == "density").unwrap();
        assert_eq!(density["control"]["kind"], "density");
    }

    #[test]
    fn presets_and_embeds_serialise() {
        let presets = json(&presets());
        let intro = presets
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == "intro-0.05")
            .unwrap();
        assert_eq!(Link::parse(intro["fragment"].as_str().unwrap()).1.len(), 0);
        let e = json(&embed_info("?embed=1&views=stack,nope&controls=play"));
        assert_eq!(e["views"], serde_json::json!(["stack"]));
        assert_eq!(e["notices"].as_array().unwrap().len(), 1);
        assert_eq!(json(&embed_info(""))["embed"], false);
    }
}
