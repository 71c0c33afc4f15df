//! The `tms` commands: train, sweep, render, bench and serve, from the same code the page runs. Their
//! flags are declared beside them (see `args.rs` for how they are read and `--help` is written).

use crate::args::{self, Args, Command, Flag, Parsed};
use crate::serve;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Instant;

use tms_explorer::app::export::{run_export, run_json, to_json};
use tms_explorer::app::report;
use tms_explorer::app::weights::{self, Choice, Format, MAX_FILE_BYTES};
use tms_explorer::core::bench;
use tms_explorer::core::config::Config;
use tms_explorer::core::settings::{setting, show_f32, PAPER_DENSITIES};
use tms_explorer::core::sweep::{self, Axis, Shard, ShardFile, Sweep};
use tms_explorer::core::training::Trainer;

const STEP: Flag = Flag::text(
    "step",
    "N",
    "stop at step N of the budget (default: the budget, or the link's step)",
);
const JSON: Flag = Flag::text(
    "json",
    "FILE",
    "write the run as JSON {config, step, loss, fingerprint, params, metrics}",
);

const SAVE: Flag = Flag::text(
    "save",
    "FILE",
    "write the run's weights: .safetensors or .npz (the notebook's names and shapes) or .json (as --json)",
)
.repeated();
const WEIGHTS: Flag = Flag::text(
    "weights",
    "FILE",
    "start from weights in a file (.safetensors, .npz or a .json export) instead of drawn ones",
);
const INSTANCE: Flag = Flag::whole(
    "instance",
    "K",
    "with --weights: which model of a file with an instance dimension (W[instances, n, m])",
    0,
    1_000_000,
    0,
);

static TRAIN: Command = Command {
    name: "train",
    summary: "train one run and print what it learned",
    settings: true,
    flags: &[
        STEP,
        JSON,
        SAVE,
        WEIGHTS,
        INSTANCE,
        Flag::text(
            "trace",
            "FILE",
            "write the learning dynamics (each feature's D_i, or for abs how well it is computed, and each \
             neuron's monosemanticity), about 200 points over the budget: CSV for .csv, JSON lines otherwise",
        ),
    ],
    operand: None,
    many: false,
    example: "tms train --model abs --n 100 --m 40 --density 0.01 --importance 0.8 --steps 10000",
};

static INSPECT: Command = Command {
    name: "inspect",
    summary: "read weights from a file (.safetensors, .npz, a .json export) and print what the model learned",
    settings: true,
    flags: &[
        INSTANCE,
        Flag::text(
            "json",
            "FILE",
            "write the model as JSON {config, step, loss, fingerprint, params, metrics}, as train --json",
        ),
        SAVE,
    ],
    operand: Some("FILE"),
    many: false,
    example: "tms inspect weights.safetensors --instance 3 --model relu-output --json metrics.json",
};

static SWEEP: Command = Command {
    name: "sweep",
    summary: "train a run at several densities (or importances), each the best of K restarts, on all cores",
    settings: true,
    flags: &[
        Flag::text(
            "densities",
            "P,P,..",
            "the densities 1 − S to sweep (default the paper's seven)",
        ),
        Flag::whole(
            "restarts",
            "K",
            "restarts per value, seeds seed..seed+K−1; the lowest loss on a fixed evaluation batch is kept",
            1,
            1000,
            1,
        ),
        STEP,
        Flag::whole(
            "threads",
            "T",
            "threads to train on (default: every core; the result does not depend on it)",
            1,
            256,
            0,
        ),
        SWEEP_JSON,
        SWEEP_SAVE,
        Flag::text(
            "shard",
            "K/N",
            "train only shard K of N (a near-equal share of every value's restarts) and write its result to --json, for 'tms sweep merge'",
        ),
    ],
    operand: None,
    many: false,
    example: "tms sweep --model relu-output --n 20 --m 5 --importance 0.7 --restarts 5",
};

const SWEEP_JSON: Flag = Flag::text(
    "json",
    "FILE",
    "write the kept runs as a JSON list of train exports",
);
const SWEEP_SAVE: Flag = Flag::text(
    "save",
    "FILE",
    "write each kept run's weights to FILE's name plus -AXIS-VALUE (runs.npz: runs-density-0.1.npz, …)",
)
.repeated();

static SWEEP_MERGE: Command = Command {
    name: "sweep merge",
    summary: "merge the shards of a sweep ('tms sweep --shard K/N --json FILE', each shard once) into what one machine gives",
    settings: false,
    flags: &[SWEEP_JSON, SWEEP_SAVE],
    operand: Some("FILES…"),
    many: true,
    example: "tms sweep merge part-1.json part-2.json part-3.json --json runs.json",
};

static RENDER: Command = Command {
    name: "render",
    summary: "train a run and draw one view of it as SVG and/or PNG",
    settings: true,
    flags: &[
        STEP,
        Flag::text("view", tms_explorer::views::VIEW_CHOICES, "the view to draw"),
        Flag::text("svg", "FILE", "write the view as SVG (a folder: a file named for the run in it)"),
        Flag::text("png", "FILE", "write the view as PNG (a folder: a file named for the run in it)"),
        Flag::whole("width", "W", "width in CSS pixels", 120, 8000, 800),
        Flag::whole("height", "H", "height in CSS pixels", 100, 8000, 500),
        Flag::text("theme", "light|dark", "colours (default light, as papers print)"),
        Flag::whole("scale", "S", "PNG device pixels per CSS pixel", 1, 4, 2),
        SAVE,
        Flag::text(
            "weights",
            "FILE",
            "draw weights from a file (.safetensors, .npz, a .json export); --step N trains N steps from them first",
        ),
        INSTANCE,
    ],
    operand: None,
    many: false,
    example: "tms render --model abs --n 100 --m 40 --density 0.03 --importance 0.8 --view stack --png stack.png",
};

static BENCH: Command = Command {
    name: "bench",
    summary:
        "print training steps per second for the benchmark cases, natively and in wasm under Node",
    settings: false,
    flags: &[
        Flag::whole(
            "runs",
            "R",
            "runs per case (the median is printed)",
            1,
            100,
            5,
        ),
        Flag::switch("native-only", "skip the wasm figures (which need Node)"),
        Flag::switch(
            "restarts",
            "instead: restart-steps per second of the small models, one run at a time against restarts in vector lanes (one thread), then of the six settings of the paper's best-of-1000 privileged-basis figure and the time the figure takes on this machine",
        ),
    ],
    operand: None,
    many: false,
    example: "tms bench --runs 5",
};

static SERVE: Command = Command {
    name: "serve",
    summary: "serve the explorer's page on 127.0.0.1",
    settings: false,
    flags: &[
        Flag::whole(
            "port",
            "PORT",
            "the first port to try (0: any free port)",
            0,
            65535,
            8000,
        ),
        Flag::text(
            "dir",
            "DIR",
            "the folder to serve (default www/ of this checkout)",
        ),
    ],
    operand: None,
    many: false,
    example: "tms serve --port 8000",
};

static COMMANDS: [&Command; 7] = [
    &TRAIN,
    &SWEEP,
    &SWEEP_MERGE,
    &RENDER,
    &INSPECT,
    &BENCH,
    &SERVE,
];

/// `tms help`: every command in a line, then the run's settings.
fn overview() -> String {
    let mut s = String::from(
        "tms: train and inspect the toy models of 'Toy Models of Superposition'\n\ncommands:\n",
    );
    for c in COMMANDS {
        s.push_str(&format!("  tms {:<8} {}\n", c.name, c.summary));
    }
    s.push_str("  tms help     this text; 'tms COMMAND --help' lists a command's flags\n");
    s.push_str(
        "\nsettings of a run (train, sweep, render, inspect; --key VALUE or --key=VALUE):\n",
    );
    s.push_str(&args::settings_help());
    s.push_str(&format!("\nexample: {}", TRAIN.example));
    s
}

/// Reads a command's arguments; Ok(None) when `--help` was printed instead.
fn read(command: &'static Command, args: &[String]) -> Result<Option<Args>, String> {
    match args::parse(command, args)? {
        Parsed::Run(args) => Ok(Some(*args)),
        Parsed::Help(text) => {
            println!("{text}");
            Ok(None)
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

fn write_json(path: &str, json: &str) -> Result<(), String> {
    std::fs::write(path, json).map_err(|e| format!("--json: cannot write '{path}': {e}"))
}

/// The formats of `--save` files, checked before any training so a typo costs nothing.
fn save_formats(args: &Args) -> Result<Vec<(String, Format)>, String> {
    args.all("save")
        .into_iter()
        .map(|path| {
            Format::of_file(path)
                .map(|f| (path.to_string(), f))
                .ok_or_else(|| {
                    format!(
                    "--save: '{path}' has no weights extension; use .safetensors, .npz or .json"
                )
                })
        })
        .collect()
}

fn save(trainer: &Trainer, files: &[(String, Format)]) -> Result<(), String> {
    for (path, format) in files {
        std::fs::write(path, weights::export(trainer, *format))
            .map_err(|e| format!("--save: cannot write '{path}': {e}"))?;
        println!("wrote {path}");
    }
    Ok(())
}

/// A run whose step 0 is the weights in `path`, with the settings the file carries, overridden by a
/// `--link` and by the setting flags given (the model and shape are the weights'). Says what it read.
fn load_weights(path: &str, args: &Args) -> Result<Trainer, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read '{path}': {e}"))?
        .len();
    if size > MAX_FILE_BYTES as u64 {
        return Err(format!(
            "'{path}' is {:.1} MiB; weight files over {} MiB are not read",
            size as f64 / (1 << 20) as f64,
            MAX_FILE_BYTES >> 20
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read '{path}': {e}"))?;
    let given = args.given_settings();
    let choice = Choice {
        instance: args
            .get("instance")
            .map(|_| args.whole("instance") as usize),
        model: given.contains(&"model").then_some(args.config.model),
    };
    let import = weights::import(&bytes, path, &choice)?;
    println!("read {}", import.description);
    let mut base = match &args.link {
        Some(link) => link.config.clone(),
        None => import.file_config.clone().unwrap_or_default(),
    };
    for key in given {
        let s = setting(key).expect("a declared setting");
        s.read(&mut base, &s.show(&args.config))
            .expect("a value the setting read before");
    }
    let mut notices = import.notices.clone();
    for (key, wanted, have) in [
        ("n", args.config.n, import.n),
        ("m", args.config.m, import.m),
    ] {
        if given.contains(&key) && wanted != have {
            notices.push(format!(
                "--{key} {wanted} ignored: the weights have {key} = {have}"
            ));
        }
    }
    let (config, more) = import.config(Some(&base));
    notices.extend(more);
    for notice in notices {
        println!("note: {notice}");
    }
    Trainer::from_params(config, import.params)
}

fn train(args: &[String]) -> Result<(), String> {
    let Some(args) = read(&TRAIN, args)? else {
        return Ok(());
    };
    let files = save_formats(&args)?;
    let mut trainer = match args.get("weights") {
        Some(path) => load_weights(path, &args)?,
        None => Trainer::new(args.config.clone())?,
    };
    let config = trainer.config().clone();
    let until = match args.get("weights") {
        // From imported weights: the given --step, else the budget, counted from them.
        Some(_) if args.get("step").is_none() => config.steps,
        _ => args.step()?,
    };
    let from = if args.get("weights").is_some() {
        " from the file's weights (step 0; fresh AdamW state)"
    } else {
        ""
    };
    println!(
        "training {}{from} to step {until} of a {}-step budget",
        describe(&config),
        config.steps
    );
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
    if let Some(path) = args.get("trace") {
        let trace = trainer.trace();
        let text = if path.ends_with(".csv") {
            trace.to_csv()
        } else {
            trace.to_json_lines()
        };
        std::fs::write(path, text).map_err(|e| format!("--trace: cannot write '{path}': {e}"))?;
        println!(
            "wrote {path} ({} points, every {} steps)",
            trace.points.len(),
            trace.interval
        );
    }
    save(&trainer, &files)
}

/// Trains like `train`, quietly, to `--step` (default the budget); from `--weights`, `--step` steps
/// from them (default none: the weights as they are).
fn train_to(args: &Args) -> Result<Trainer, String> {
    let mut trainer = match args.get("weights") {
        Some(path) => load_weights(path, args)?,
        None => Trainer::new(args.config.clone())?,
    };
    let until = match args.get("weights") {
        Some(_) if args.get("step").is_none() => 0,
        _ => args.step()?,
    };
    trainer.step(until);
    Ok(trainer)
}

fn inspect(args: &[String]) -> Result<(), String> {
    let Some(args) = read(&INSPECT, args)? else {
        return Ok(());
    };
    let files = save_formats(&args)?;
    let path = args.operand.as_deref().expect("checked when read");
    let trainer = load_weights(path, &args)?;
    println!("{}", summary(&trainer));
    if let Some(out) = args.get("json") {
        write_json(out, &run_json(&trainer))?;
        println!("wrote {out}");
    }
    save(&trainer, &files)
}

fn render(args: &[String]) -> Result<(), String> {
    use tms_explorer::views::{scene::to_svg, scene::write_png, ModelView, Theme, View};
    let Some(args) = read(&RENDER, args)? else {
        return Ok(());
    };
    let view_id = args
        .get("view")
        .ok_or_else(|| format!("--view is needed: {}", View::ids_text()))?;
    let view = View::from_id(view_id).ok_or_else(|| {
        format!(
            "--view: '{view_id}' is not a view; allowed {}",
            View::ids_text()
        )
    })?;
    let theme_id = args.get("theme").unwrap_or("light");
    let theme = Theme::named(theme_id)
        .ok_or_else(|| format!("--theme: '{theme_id}' is not a theme; allowed light, dark"))?;
    let width = args.whole("width") as f64;
    let height = args.whole("height") as f64;
    let scale = args.whole("scale") as f64;
    if args.get("svg").is_none() && args.get("png").is_none() {
        return Err("give --svg FILE or --png FILE (or both)".into());
    }
    let files = save_formats(&args)?;
    let trainer = train_to(&args)?;
    save(&trainer, &files)?;
    let model = ModelView::of(&trainer);
    let scene = view.scene(&model, width, height, &theme);
    // A folder given for a file: the file is named for what it shows.
    let target = |path: &str, ext: &str| {
        let p = std::path::Path::new(path);
        if path.ends_with('/') || p.is_dir() {
            p.join(model.file_name(view.id(), theme_id, ext))
        } else {
            p.to_path_buf()
        }
    };
    if let Some(path) = args.get("svg") {
        let path = target(path, "svg");
        let meta = tms_explorer::views::scene::Metadata {
            title: model.export_title(view),
            settings: model.settings.clone(),
            step: model.step,
            fingerprint: trainer.fingerprint(),
            view: view.id().into(),
            theme: theme_id.into(),
            link: tms_explorer::app::link::Link {
                sweep: None,
                config: trainer.config().clone(),
                step: model.step,
                view,
                probe: None,
            }
            .to_fragment(),
        };
        std::fs::write(&path, to_svg(&scene, theme.background, Some(&meta)))
            .map_err(|e| format!("--svg: cannot write '{}': {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    if let Some(path) = args.get("png") {
        let path = target(path, "png");
        write_png(&scene, &path, scale, theme.background).map_err(|e| format!("--png: {e}"))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

fn sweep_command(args: &[String]) -> Result<(), String> {
    let Some(args) = read(&SWEEP, args)? else {
        return Ok(());
    };
    // A share link of a sweep gives the whole sweep; flags beside it override its parts.
    let from_link = args.link.as_ref().and_then(|l| l.sweep.clone());
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
        restarts = args.whole("restarts") as u32;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = match args.whole("threads") {
        0 => cores,
        t => t as usize,
    };
    let until = args.step()?;
    let files = save_formats(&args)?;
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
    if let Some(text) = args.get("shard") {
        let shard = Shard::parse(text).map_err(|e| format!("--shard: {e}"))?;
        let Some(path) = args.get("json") else {
            return Err(
                "--shard needs --json FILE: the file the shard's result is written to".into(),
            );
        };
        if !files.is_empty() {
            return Err("--save with --shard: a shard keeps no run of its own; save the runs when merging (tms sweep merge FILES… --save FILE)".into());
        }
        let restarts = shard.restarts(spec.restarts.max(1));
        println!(
            "shard {}: restarts {}..{} of each value",
            shard.text(),
            restarts.start,
            restarts.end
        );
        let total = spec.until * (restarts.len() * spec.values.len()) as u64;
        let progress = std::sync::Mutex::new(Progress::new(total));
        let points = sweep::run_shard(&spec, shard, threads, &|k| {
            progress.lock().unwrap().add(k, None)
        });
        let secs = progress.into_inner().unwrap().finish();
        println!("done in {secs:.2} s");
        write_json(path, &to_json(&ShardFile::new(&spec, shard, &points)))?;
        println!("wrote {path}");
        return Ok(());
    }
    let total = spec.until * spec.jobs().len() as u64;
    let progress = std::sync::Mutex::new(Progress::new(total));
    let points = sweep::run(&spec, threads, &|k| progress.lock().unwrap().add(k, None));
    let secs = progress.into_inner().unwrap().finish();
    println!("done in {secs:.2} s");
    report_sweep(&spec, &points, &args, &files)
}

/// `tms sweep merge FILES…`: the shards' files merged, reported as `tms sweep` reports a sweep.
fn sweep_merge_command(args: &[String]) -> Result<(), String> {
    let Some(args) = read(&SWEEP_MERGE, args)? else {
        return Ok(());
    };
    let files = save_formats(&args)?;
    let shards = args
        .operands
        .iter()
        .map(|path| {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("cannot read '{path}': {e}"))?;
            serde_json::from_str::<ShardFile>(&text)
                .map_err(|e| format!("'{path}' is not a sweep shard's file: {e}"))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let (spec, points) = sweep::merge_files(&shards)?;
    println!(
        "merged {} shards of sweeping {} over {} {} values × {} restarts, {} steps each",
        shards.len(),
        describe(&spec.base),
        spec.values.len(),
        spec.axis.id(),
        spec.restarts,
        spec.until
    );
    report_sweep(&spec, &points, &args, &files)
}

/// What `tms sweep` says and writes of a sweep's kept runs.
fn report_sweep(
    spec: &Sweep,
    points: &[sweep::Point],
    args: &Args,
    files: &[(String, Format)],
) -> Result<(), String> {
    let axis = spec.axis;
    print!("\n{}", report::sweep_table(axis, points));
    if let Some(path) = args.get("json") {
        let list: Vec<_> = points
            .iter()
            .map(|p| tms_explorer::app::export::RunJson {
                eval_losses: Some(p.eval_losses.clone()),
                ..run_export(&p.best)
            })
            .collect();
        write_json(path, &to_json(&list))?;
        println!("wrote {path}");
    }
    for (path, format) in files {
        let values: Vec<f32> = points.iter().map(|p| p.value).collect();
        for (p, name) in points
            .iter()
            .zip(sweep_file_names(path, axis.id(), &values))
        {
            std::fs::write(&name, weights::export(&p.best, *format))
                .map_err(|e| format!("--save: cannot write '{name}': {e}"))?;
            println!("wrote {name}");
        }
    }
    Ok(())
}

/// One file per kept run of a sweep: `runs.npz` → `runs-density-0.1.npz`, `runs-density-0.01.npz`, …
/// (with the value's index too, `runs-2-density-0.1.npz`, if a value repeats).
fn sweep_file_names(path: &str, axis: &str, values: &[f32]) -> Vec<String> {
    let (stem, ext) = path
        .rsplit_once('.')
        .expect("checked to have a weights extension");
    let repeats = (1..values.len()).any(|k| values[..k].contains(&values[k]));
    values
        .iter()
        .enumerate()
        .map(|(k, &v)| {
            let index = if repeats {
                format!("-{k}")
            } else {
                String::new()
            };
            format!("{stem}{index}-{axis}-{}.{ext}", show_f32(v))
        })
        .collect()
}

fn bench_command(args: &[String]) -> Result<(), String> {
    let Some(args) = read(&BENCH, args)? else {
        return Ok(());
    };
    let runs = args.whole("runs") as usize;
    if args.switch("restarts") {
        restarts_bench(runs);
        return Ok(());
    }
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
    let wasm = if args.switch("native-only") {
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

/// `tms bench --restarts`: restart-steps per second on one thread, single runs against lane groups of
/// each width this machine has (the rows order and the lockstep order), and what that makes of the
/// paper's best-of-1000 privileged-basis figure.
fn restarts_bench(runs: usize) {
    use tms_explorer::core::bench::Way;
    use tms_explorer::core::lanes::Width;
    use tms_explorer::core::lockstep::Width as LockWidth;
    const RESTARTS: u32 = 16;
    let widths: Vec<Width> = [Width::Four, Width::Eight]
        .into_iter()
        .filter(|w| w.available())
        .collect();
    let lock_widths: Vec<LockWidth> = [LockWidth::Four, LockWidth::Eight, LockWidth::Sixteen]
        .into_iter()
        .filter(|w| w.available())
        .collect();
    println!(
        "restart-steps per second on one thread, median of {runs} runs of {RESTARTS} restarts (batch 1024), the ways interleaved run by run; singles: one run after another; lanes ×L: L restarts per vector in the rows order (order=rows); lockstep ×L: the same in the lockstep order (order=lockstep)"
    );
    let ways: Vec<Way> = std::iter::once(Way::Singles)
        .chain(widths.iter().copied().map(Way::Lanes))
        .chain(lock_widths.iter().copied().map(Way::Lockstep))
        .collect();
    let mut header = format!("\n{:<36} {:>10}", "case", "singles");
    for w in &ways[1..] {
        header.push_str(&format!(" {:>12} {:>8}", w.label(), "gain"));
    }
    let mut rows = vec![];
    for case in bench::restart_cases() {
        let rates = bench::measure_restarts(&case, &ways, RESTARTS, runs);
        let single = rates[0];
        eprintln!("  {}: {rates:.0?}", case.name);
        let mut row = format!("{:<36} {:>10.0}", case.name, single);
        for &r in &rates[1..] {
            row.push_str(&format!(" {:>12.0} {:>7.2}×", r, r / single));
        }
        rows.push(row);
    }
    println!("{header}");
    for row in rows {
        println!("{row}");
    }
    // The figure itself: its six settings (the `privileged-*` presets) in the widest lanes of each
    // order, each density at its own rate (the dense ones cost most), 1,000 restarts × 10,000 steps.
    let Some(&widest) = widths.last() else {
        return;
    };
    let figure: Vec<Way> = std::iter::once(Way::Lanes(widest))
        .chain(
            lock_widths
                .iter()
                .filter(|w| w.lanes() >= 8)
                .copied()
                .map(Way::Lockstep),
        )
        .collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut header = format!("  {:<10}", "");
    for w in &figure {
        header.push_str(&format!(" {:>14}", w.label()));
    }
    println!(
        "\nthe best-of-1000 privileged-basis figure, its six settings (median of {runs} runs of {RESTARTS} restarts × {FIGURE_STEPS} steps each, the ways interleaved; restart-steps/s):\n{header}"
    );
    let mut seconds = vec![0.0; figure.len()];
    for preset in tms_explorer::app::presets::all()
        .into_iter()
        .filter(|p| p.id.starts_with("privileged-"))
    {
        let case = bench::Case {
            name: "privileged basis",
            config: preset.config,
            steps: FIGURE_STEPS,
        };
        let rates = bench::measure_restarts(&case, &figure, RESTARTS, runs);
        for (s, r) in seconds.iter_mut().zip(&rates) {
            *s += 1.0e7 / r;
        }
        let mut row = format!("  1−S = {:<5}", show_f32(case.config.density[0]));
        for r in &rates {
            row.push_str(&format!(" {r:>14.0}"));
        }
        println!("{row}");
    }
    let minutes: Vec<String> = figure
        .iter()
        .zip(&seconds)
        .map(|(w, s)| format!("{:.1} min in {}", s / cores as f64 / 60.0, w.label()))
        .collect();
    println!(
        "on {cores} cores (the settings spread over them), 6 × 1,000 runs × 10,000 steps: about {}",
        minutes.join(", ")
    );
}

/// Steps per timed run of the figure's settings in `tms bench --restarts`.
const FIGURE_STEPS: u64 = 1000;

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
    let Some(args) = read(&SERVE, args)? else {
        return Ok(());
    };
    let port = args.whole("port") as u16; // 0: any free port
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
        "sweep" if rest.first().is_some_and(|a| a == "merge") => sweep_merge_command(&rest[1..]),
        "sweep" => sweep_command(rest),
        "bench" => bench_command(rest),
        "render" => render(rest),
        "inspect" => inspect(rest),
        "serve" => serve_command(rest),
        "help" | "--help" | "-h" => match rest
            .first()
            .and_then(|c| COMMANDS.iter().find(|k| k.name == c))
        {
            Some(c) => {
                println!("{}", args::help(c));
                Ok(())
            }
            None => {
                println!("{}", overview());
                Ok(())
            }
        },
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
