//! The `tms` command line: train, sweep, bench and serve, from the same code the page runs.

use crate::serve;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Instant;

use tms_explorer::app::export::{run_json, Json};
use tms_explorer::app::link::Link;
use tms_explorer::app::report;
use tms_explorer::core::bench;
use tms_explorer::core::config::PAPER_DENSITIES;
use tms_explorer::core::config::{Config, SETTINGS, STEPS_MAX};
use tms_explorer::core::sweep::{self, Axis, Sweep};
use tms_explorer::core::training::Trainer;

const USAGE: &str = "\
tms: train and inspect the toy models of 'Toy Models of Superposition'

usage:
  tms train [SETTINGS] [--step N] [--json FILE]   (--step: stop at step N; default the budget)
  tms train --link FRAGMENT [--json FILE]         (a share link's run, to its step)
  tms sweep [SETTINGS] [--densities P,P,..] [--restarts K] [--step N] [--threads T] [--json FILE]
  tms sweep --link FRAGMENT [--json FILE]         (a sweep's share link, to its step)
  tms render [SETTINGS] [--step N] --view VIEW [--svg FILE] [--png FILE] [--width W] [--height H]
             [--theme light|dark] [--scale S]   (VIEW: matrix, stack, graph, bars, hidden, loss)
  tms bench [--runs R] [--native-only]
  tms serve [--port PORT] [--dir DIR]   (port 0: any free port)
  tms help

SETTINGS (each --key VALUE or --key=VALUE):";

fn usage() -> String {
    let mut s = USAGE.to_string();
    let d = Config::default();
    for setting in SETTINGS {
        s.push_str(&format!(
            "\n  --{:<13} {} ({}; default {})",
            setting.key,
            setting.meaning,
            setting.range,
            d.get(setting.key).unwrap()
        ));
    }
    s.push_str("\n\nExample: tms train --model abs --n 100 --m 40 --density 0.01 --importance 0.8 --steps 10000");
    s
}

/// The flags of one command, with the run settings already applied to a `Config`.
struct Args {
    config: Config,
    extra: Vec<(String, String)>,
    /// The share link given with --link, as written.
    raw_link: Option<String>,
}

impl Args {
    /// Reads `--key value`, `--key=value` and bare `--hidden-bias`. Run settings go to the config; the
    /// keys in `extra_keys` (command-specific) are kept as text; anything else is an error.
    fn parse(args: &[String], extra_keys: &[&str], flags: &[&str]) -> Result<Args, String> {
        let mut config = Config::default();
        let mut extra = vec![];
        let mut raw_link = None;
        // A share link sets everything first; flags given beside it override its settings.
        if let Some(k) = args
            .iter()
            .position(|a| a == "--link" || a.starts_with("--link="))
        {
            let fragment = match args[k].strip_prefix("--link=") {
                Some(v) => v.to_string(),
                None => args.get(k + 1).cloned().ok_or("--link needs a value")?,
            };
            let (link, notices) = Link::parse(&fragment);
            for notice in notices {
                eprintln!("tms: link: {notice}");
            }
            config = link.config;
            extra.push(("step".to_string(), link.step.to_string()));
            raw_link = Some(fragment);
        }
        let mut k = 0;
        while k < args.len() {
            let arg = &args[k];
            let Some(body) = arg.strip_prefix("--") else {
                return Err(format!("unexpected argument '{arg}' (flags start with --)"));
            };
            let (key, inline) = match body.split_once('=') {
                Some((key, v)) => (key, Some(v.to_string())),
                None => (body, None),
            };
            let is_flag = flags.contains(&key) || key == "hidden-bias";
            let next_is_value = args.get(k + 1).is_some_and(|a| !a.starts_with("--"));
            let value = match inline {
                Some(v) => v,
                None if is_flag && !next_is_value => "1".to_string(),
                None => {
                    k += 1;
                    args.get(k)
                        .cloned()
                        .ok_or_else(|| format!("--{key} needs a value"))?
                }
            };
            if key == "link" {
                // Read above.
            } else if extra_keys.contains(&key) || flags.contains(&key) {
                extra.push((key.to_string(), value));
            } else if SETTINGS.iter().any(|s| s.key == key) {
                config.set(key, &value).map_err(|e| format!("--{e}"))?;
            } else {
                return Err(format!("unknown flag --{key} (see 'tms help')"));
            }
            k += 1;
        }
        config.check().map_err(|e| format!("--{e}"))?;
        Ok(Args {
            config,
            extra,
            raw_link,
        })
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.extra
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn int(&self, key: &str, default: u64, min: u64, max: u64) -> Result<u64, String> {
        match self.get(key) {
            None => Ok(default),
            Some(text) => text
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|v| (min..=max).contains(v))
                .ok_or_else(|| {
                    format!("--{key}: '{text}' is not a whole number from {min} to {max}")
                }),
        }
    }
}

/// A one-line progress bar on a terminal; every 10% as a plain line otherwise.
struct Progress {
    total: u64,
    done: u64,
    terminal: bool,
    shown: u64,
    start: Instant,
}

impl Progress {
    fn new(total: u64) -> Progress {
        Progress {
            total,
            done: 0,
            terminal: std::io::stderr().is_terminal(),
            shown: 0,
            start: Instant::now(),
        }
    }

    fn add(&mut self, steps: u64, loss: Option<f32>) {
        self.done += steps;
        let total = self.total.max(1);
        let loss = loss.map(|l| format!("  loss {l:.4e}")).unwrap_or_default();
        let mut err = std::io::stderr();
        if self.terminal {
            let width = 30;
            let filled = (self.done * width / total) as usize;
            let _ = write!(
                err,
                "\r[{}{}] {}/{} steps{}  ",
                "#".repeat(filled),
                " ".repeat(width as usize - filled),
                self.done,
                self.total,
                loss
            );
        } else if self.done * 10 / total > self.shown * 10 / total || self.done == self.total {
            self.shown = self.done;
            let _ = writeln!(err, "{}/{} steps{}", self.done, self.total, loss);
        }
    }

    fn finish(&self) -> f64 {
        if self.terminal {
            eprintln!();
        }
        self.start.elapsed().as_secs_f64()
    }
}

fn describe(c: &Config) -> String {
    let density = c.get("density").unwrap();
    let bias = if c.hidden_bias { " +hidden bias" } else { "" };
    format!(
        "{}{bias} n={} m={} density {density} importance {}",
        c.model.id(),
        c.n,
        c.m,
        c.importance
    )
}

fn summary(t: &Trainer) -> String {
    report::run_summary(t)
}

fn write_json(path: &str, json: &Json) -> Result<(), String> {
    std::fs::write(path, json.to_string())
        .map_err(|e| format!("--json: cannot write '{path}': {e}"))
}

fn train(args: &[String]) -> Result<(), String> {
    let args = Args::parse(args, &["json", "step"], &[])?;
    let config = args.config.clone();
    let until = args.int("step", config.steps, 0, STEPS_MAX)?;
    println!(
        "training {} to step {until} of a {}-step budget",
        describe(&config),
        config.steps
    );
    let mut trainer = Trainer::new(config.clone())?;
    let mut progress = Progress::new(until);
    let mut left = until;
    while left > 0 {
        let k = left.min(100);
        let loss = trainer.step(k);
        progress.add(k, Some(loss));
        left -= k;
    }
    let secs = progress.finish();
    println!(
        "{until} steps in {:.2} s ({:.0} steps/s)",
        secs,
        until as f64 / secs.max(1e-9)
    );
    println!("{}", summary(&trainer));
    if let Some(message) = trainer.divergence_message() {
        println!("{message}");
    }
    if let Some(path) = args.get("json") {
        write_json(path, &run_json(&trainer))?;
        println!("wrote {path}");
    }
    Ok(())
}

/// Trains like `train`, quietly, to `--step` (default the budget).
fn train_to(args: &Args) -> Result<Trainer, String> {
    let until = args.int("step", args.config.steps, 0, STEPS_MAX)?;
    let mut trainer = Trainer::new(args.config.clone())?;
    trainer.step(until);
    Ok(trainer)
}

fn render(args: &[String]) -> Result<(), String> {
    use tms_explorer::views::{scene::to_svg, scene::write_png, ModelView, Theme, View};
    let args = Args::parse(
        args,
        &[
            "step", "view", "svg", "png", "width", "height", "theme", "scale",
        ],
        &[],
    )?;
    let view_id = args
        .get("view")
        .ok_or("--view is needed: matrix, stack, graph, bars, hidden or loss")?;
    let view = View::from_id(view_id).ok_or_else(|| {
        format!(
            "--view: '{view_id}' is not a view; allowed matrix, stack, graph, bars, hidden, loss"
        )
    })?;
    let theme_id = args.get("theme").unwrap_or("light");
    let theme = Theme::named(theme_id)
        .ok_or_else(|| format!("--theme: '{theme_id}' is not a theme; allowed light, dark"))?;
    let width = args.int("width", 800, 120, 8000)? as f64;
    let height = args.int("height", 500, 100, 8000)? as f64;
    let scale = args.int("scale", 2, 1, 4)? as f64;
    if args.get("svg").is_none() && args.get("png").is_none() {
        return Err("give --svg FILE or --png FILE (or both)".into());
    }
    let trainer = train_to(&args)?;
    let scene = view.scene(&ModelView::of(&trainer), width, height, &theme);
    if let Some(path) = args.get("svg") {
        std::fs::write(path, to_svg(&scene, theme.background))
            .map_err(|e| format!("--svg: cannot write '{path}': {e}"))?;
        println!("wrote {path}");
    }
    if let Some(path) = args.get("png") {
        write_png(&scene, std::path::Path::new(path), scale, theme.background)
            .map_err(|e| format!("--png: {e}"))?;
        println!("wrote {path}");
    }
    Ok(())
}

fn sweep_command(args: &[String]) -> Result<(), String> {
    let args = Args::parse(
        args,
        &["json", "densities", "restarts", "threads", "step"],
        &[],
    )?;
    // A share link of a sweep gives the whole sweep; flags beside it override its parts.
    let from_link = args
        .raw_link
        .as_deref()
        .map(Link::parse)
        .and_then(|(l, _)| l.sweep);
    let (axis, mut values, mut restarts) = match &from_link {
        Some(s) => (s.axis, s.values.clone(), s.restarts),
        None => (Axis::Density, PAPER_DENSITIES.to_vec(), 1),
    };
    if let Some(text) = args.get("densities") {
        let mut c = args.config.clone();
        c.set("density", text)
            .map_err(|e| format!("--densities{}", e.to_string().trim_start_matches("density")))?;
        values = c.density;
        if axis != Axis::Density {
            return Err("--densities: the link sweeps importance, not density".into());
        }
    }
    if args.get("restarts").is_some() {
        restarts = args.int("restarts", 1, 1, 1000)? as u32;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let threads = args.int("threads", cores, 1, 256)? as usize;
    let until = args.int("step", args.config.steps, 0, STEPS_MAX)?;
    let spec = Sweep {
        base: args.config.clone(),
        axis,
        values,
        restarts,
        until,
    };
    println!(
        "sweeping {} over {} {} values × {} restarts, {} steps each, on {} threads",
        describe(&spec.base),
        spec.values.len(),
        axis.id(),
        restarts,
        spec.until,
        threads
    );
    let total = spec.until * spec.jobs().len() as u64;
    let progress = std::sync::Mutex::new(Progress::new(total));
    let points = sweep::run(&spec, threads, &|k| progress.lock().unwrap().add(k, None));
    let secs = progress.into_inner().unwrap().finish();
    println!("done in {secs:.2} s");
    print!("\n{}", report::sweep_table(axis, &points));
    if let Some(path) = args.get("json") {
        let list = Json::Arr(
            points
                .iter()
                .map(|p| {
                    let Json::Obj(mut fields) = run_json(&p.best) else {
                        unreachable!()
                    };
                    fields.push(("eval_losses", Json::floats(&p.eval_losses)));
                    Json::Obj(fields)
                })
                .collect(),
        );
        write_json(path, &list)?;
        println!("wrote {path}");
    }
    Ok(())
}

fn bench_command(args: &[String]) -> Result<(), String> {
    let args = Args::parse(args, &["runs"], &["native-only"])?;
    let runs = args.int("runs", 5, 1, 100)? as usize;
    let cases = bench::cases();
    println!(
        "steps per second, median of {runs} runs (batch 1024); each run starts from fresh weights"
    );
    let native: Vec<f64> = cases
        .iter()
        .map(|c| {
            let r = bench::measure(c, runs);
            eprintln!("  native {}: {:.0}", c.name, r);
            r
        })
        .collect();
    let wasm = if args.get("native-only").is_some() {
        None
    } else {
        Some(wasm_bench(runs)?)
    };
    let targets = [10_000.0, 2_000.0, 500.0];
    println!(
        "\n{:<36} {:>10} {:>12} {:>14}",
        "case", "native", "wasm (Node)", "wasm target"
    );
    for (k, case) in cases.iter().enumerate() {
        let w = wasm
            .as_ref()
            .and_then(|w| w.iter().find(|(name, _)| name == case.name))
            .map_or("-".to_string(), |(_, r)| format!("{r:.0}"));
        let target = targets
            .get(k)
            .map_or("-".to_string(), |t| format!("≥ {t:.0}"));
        println!(
            "{:<36} {:>10.0} {:>12} {:>14}",
            case.name, native[k], w, target
        );
    }
    Ok(())
}

/// Runs the same cases in the wasm build under Node (tests/web/bench.mjs), building it first if needed.
fn wasm_bench(runs: usize) -> Result<Vec<(String, f64)>, String> {
    let root = env!("CARGO_MANIFEST_DIR");
    let pkg = format!("{root}/www/pkg/tms_explorer_bg.wasm");
    if !std::path::Path::new(&pkg).exists() {
        eprintln!("building the wasm package (.ci/build)…");
        let ok = std::process::Command::new("bash")
            .arg(format!("{root}/.ci/build"))
            .status()
            .map_err(|e| format!("cannot run .ci/build: {e}"))?
            .success();
        if !ok {
            return Err(".ci/build failed; run it by hand to see why".into());
        }
    }
    let out = std::process::Command::new("node")
        .arg(format!("{root}/tests/web/bench.mjs"))
        .arg(runs.to_string())
        .output()
        .map_err(|e| {
            format!("cannot run node (needed for the wasm figures; --native-only skips them): {e}")
        })?;
    if !out.status.success() {
        return Err(format!(
            "the wasm benchmark failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let (name, rate) = line.rsplit_once('\t')?;
            Some((name.to_string(), rate.trim().parse().ok()?))
        })
        .collect())
}

fn serve_command(args: &[String]) -> Result<(), String> {
    let args = Args::parse(args, &["port", "dir"], &[])?;
    let port = args.int("port", 8000, 0, 65535)? as u16; // 0: any free port
    let dir = args
        .get("dir")
        .map(str::to_string)
        .unwrap_or_else(|| format!("{}/www", env!("CARGO_MANIFEST_DIR")));
    serve::serve(&dir, port)
}

pub fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest),
        None => ("help", &[][..]),
    };
    let result = match command {
        "train" => train(rest),
        "sweep" => sweep_command(rest),
        "bench" => bench_command(rest),
        "render" => render(rest),
        "serve" => serve_command(rest),
        "help" | "--help" | "-h" => {
            println!("{}", usage());
            Ok(())
        }
        other => Err(format!("unknown command '{other}' (see 'tms help')")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("tms: {message}");
            ExitCode::from(2)
        }
    }
}
