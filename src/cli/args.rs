//! The command line's flags, read with `lexopt`. A command declares its own flags here; the run's
//! settings are flags too (`--n 20`), taken from the one settings table (`core::settings`), so their
//! ranges, defaults and help are never written twice. Every command answers `--help`.

use lexopt::Arg::{Long, Short, Value};
use tms_explorer::app::link::Link;
use tms_explorer::core::config::Config;
use tms_explorer::core::settings::{quote, setting, Kind, SETTINGS};

/// A command's own flag (besides the run's settings).
pub struct Flag {
    pub name: &'static str,
    /// The value's placeholder in the help; None for a switch (`--native-only`).
    pub value: Option<&'static str>,
    pub help: &'static str,
    /// Allowed values of a numeric flag, and its default.
    pub range: Option<(Kind, u64)>,
    /// May be given more than once (`--save a.json --save b.npz`).
    pub repeat: bool,
}

impl Flag {
    pub const fn text(name: &'static str, value: &'static str, help: &'static str) -> Flag {
        Flag {
            name,
            value: Some(value),
            help,
            range: None,
            repeat: false,
        }
    }

    pub const fn whole(
        name: &'static str,
        value: &'static str,
        help: &'static str,
        min: u64,
        max: u64,
        default: u64,
    ) -> Flag {
        Flag {
            name,
            value: Some(value),
            help,
            range: Some((Kind::Whole { min, max }, default)),
            repeat: false,
        }
    }

    pub const fn switch(name: &'static str, help: &'static str) -> Flag {
        Flag {
            name,
            value: None,
            help,
            range: None,
            repeat: false,
        }
    }

    /// The same flag, allowed more than once (read every value with [`Args::all`]).
    pub const fn repeated(self) -> Flag {
        Flag {
            repeat: true,
            ..self
        }
    }
}

/// One `tms` command.
pub struct Command {
    pub name: &'static str,
    /// One line for `tms help`.
    pub summary: &'static str,
    /// Takes the run's settings (and `--link`).
    pub settings: bool,
    pub flags: &'static [Flag],
    /// The placeholder of its bare argument (`tms inspect FILE`), if it takes one.
    pub operand: Option<&'static str>,
    /// Takes one or more bare arguments (`tms sweep merge FILES…`), not exactly one.
    pub many: bool,
    pub example: &'static str,
}

/// A command's flags, read.
pub struct Args {
    pub config: Config,
    /// The share link given with `--link`, read (its notices already printed).
    pub link: Option<Link>,
    values: Vec<(&'static str, String)>,
    /// The settings given as flags (not through `--link`), in the order given.
    given: Vec<&'static str>,
    /// The bare argument, for a command with an operand (the first, for one with many).
    pub operand: Option<String>,
    /// Every bare argument, in the order given.
    pub operands: Vec<String>,
    command: &'static Command,
}

impl Args {
    /// The last value of a flag.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn switch(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every value of a repeatable flag, in the order given.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.values
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The settings given as flags (`--density 0.05`), not those taken from `--link` or the defaults.
    pub fn given_settings(&self) -> &[&'static str] {
        &self.given
    }

    /// A numeric flag's value (checked against its declared range when read), or its default.
    pub fn whole(&self, name: &str) -> u64 {
        let flag = self
            .command
            .flags
            .iter()
            .find(|f| f.name == name)
            .expect("a declared flag");
        let (_, default) = flag.range.expect("a numeric flag");
        self.get(name)
            .map(|v| v.trim().parse().expect("checked when read"))
            .unwrap_or(default)
    }

    /// `--step`: where to stop, within the step budget (default: the budget, or the link's step).
    pub fn step(&self) -> Result<u64, String> {
        let budget = self.config.steps;
        let Some(text) = self.get("step") else {
            return Ok(self.link.as_ref().map_or(budget, |l| l.step.min(budget)));
        };
        match text.trim().parse::<u64>() {
            Ok(s) if s <= budget => Ok(s),
            Ok(s) => Err(format!(
                "--step: {s} is past the step budget {budget} (--steps); give a step from 0 to {budget} or a larger --steps"
            )),
            Err(_) => Err(format!(
                "--step: {} is not a whole number; allowed 0 to {budget}",
                quote(text)
            )),
        }
    }
}

/// What a command line asked for.
pub enum Parsed {
    Run(Box<Args>),
    /// `--help` was given: print this.
    Help(String),
}

/// Reads a command's arguments: `--key value`, `--key=value`, bare switches and toggles
/// (`--hidden-bias`, `--hidden-bias 0`). A share link (`--link FRAGMENT`) sets every setting first; the
/// flags beside it override its settings. The first problem is the error, in one line naming the flag.
pub fn parse(command: &'static Command, args: &[String]) -> Result<Parsed, String> {
    let mut parser = lexopt::Parser::from_args(args.iter().cloned());
    let mut given: Vec<(String, Option<String>)> = vec![];
    let mut toggle_open: Option<usize> = None;
    let mut operands: Vec<String> = vec![];
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Long("help") | Short('h') => return Ok(Parsed::Help(help(command))),
            Long(name) => {
                let name = name.to_string();
                let is_toggle =
                    setting(&name).is_some_and(|s| s.kind == Kind::Toggle) && command.settings;
                let switch = command
                    .flags
                    .iter()
                    .any(|f| f.name == name && f.value.is_none());
                toggle_open = None;
                let value = if is_toggle || switch {
                    let v = parser
                        .optional_value()
                        .map(|v| v.to_string_lossy().into_owned());
                    if is_toggle && v.is_none() {
                        toggle_open = Some(given.len());
                    }
                    v
                } else {
                    let v = parser
                        .value()
                        .map_err(|_| format!("--{name} needs a value"))?
                        .to_string_lossy()
                        .into_owned();
                    if v.starts_with("--") {
                        return Err(format!(
                            "--{name} needs a value (found the flag {v} instead)"
                        ));
                    }
                    Some(v)
                };
                given.push((name, value));
            }
            Short(c) => {
                return Err(format!(
                    "unknown flag -{c} (see 'tms {} --help')",
                    command.name
                ))
            }
            Value(v) => {
                let v = v.to_string_lossy().into_owned();
                // `--hidden-bias 0`: the word after a bare toggle is its value.
                match toggle_open.take() {
                    Some(k) if setting(&given[k].0).is_some_and(|s| s.kind.read(&v).is_ok()) => {
                        given[k].1 = Some(v)
                    }
                    _ if command.operand.is_some() && (command.many || operands.is_empty()) => {
                        operands.push(v)
                    }
                    _ => {
                        return Err(format!(
                            "unexpected argument {} (flags start with --; see 'tms {} --help')",
                            quote(&v),
                            command.name
                        ))
                    }
                }
            }
        }
    }
    let mut config = Config::default();
    let mut link = None;
    let links: Vec<&String> = given
        .iter()
        .filter(|(k, _)| k == "link")
        .filter_map(|(_, v)| v.as_ref())
        .collect();
    if command.settings {
        if links.len() > 1 {
            return Err("--link is given more than once; give one share link".into());
        }
        if let Some(fragment) = links.first() {
            let (read, notices) = Link::parse(fragment);
            for notice in notices {
                eprintln!("tms: link: {notice}");
            }
            config = read.config.clone();
            link = Some(read);
        }
    }
    let mut values = vec![];
    let mut settings_given = vec![];
    for (name, value) in given {
        if name == "link" && command.settings {
            continue;
        }
        if let (true, Some(s)) = (command.settings, setting(&name)) {
            let text = value.unwrap_or_else(|| "1".into());
            s.read(&mut config, &text).map_err(|e| format!("--{e}"))?;
            settings_given.push(s.key);
            continue;
        }
        let Some(flag) = command.flags.iter().find(|f| f.name == name) else {
            return Err(format!(
                "unknown flag --{name} (see 'tms {} --help')",
                command.name
            ));
        };
        if !flag.repeat && values.iter().any(|(k, _)| *k == flag.name) {
            return Err(format!("--{name} is given more than once"));
        }
        let text = value.unwrap_or_default();
        if let Some((kind, _)) = flag.range {
            kind.read(&text)
                .map_err(|why| format!("--{name}: {} {why}", quote(text.trim())))?;
        }
        values.push((flag.name, text));
    }
    config.check().map_err(|e| format!("--{e}"))?;
    if let (Some(placeholder), true) = (command.operand, operands.is_empty()) {
        return Err(format!(
            "give the {placeholder}: tms {} {placeholder} [flags]",
            command.name
        ));
    }
    Ok(Parsed::Run(Box::new(Args {
        config,
        link,
        values,
        given: settings_given,
        operand: operands.first().cloned(),
        operands,
        command,
    })))
}

/// `tms COMMAND --help`: the command's flags, then the run's settings from the table.
pub fn help(command: &Command) -> String {
    let usage = command
        .operand
        .map(|o| format!("\n\nusage: tms {} {o} [flags]", command.name))
        .unwrap_or_default();
    let mut out = format!(
        "tms {}: {}{usage}\n\nflags:\n",
        command.name, command.summary
    );
    for f in command.flags {
        let head = match f.value {
            Some(v) => format!("--{} {v}", f.name),
            None => format!("--{}", f.name),
        };
        let range = match f.range {
            Some((kind, default)) => format!(" ({}; default {default})", kind.range_text()),
            None => String::new(),
        };
        let again = if f.repeat { " (may be repeated)" } else { "" };
        out.push_str(&format!("  {head:<22} {}{range}{again}\n", f.help));
    }
    if command.settings {
        out.push_str(&format!(
            "  {:<22} a share link's run: every setting and its step (flags beside it override it)\n",
            "--link FRAGMENT"
        ));
        out.push_str("\nsettings of the run (--key VALUE or --key=VALUE):\n");
        out.push_str(&settings_help());
    }
    out.push_str(&format!("\nexample: {}\n", command.example));
    out
}

/// The settings table as help text: key, meaning, allowed values, default.
pub fn settings_help() -> String {
    let d = Config::default();
    SETTINGS
        .iter()
        .map(|s| {
            format!(
                "  --{:<20} {} ({}; default {})\n",
                s.key,
                s.meaning,
                s.kind.range_text(),
                s.show(&d)
            )
        })
        .collect()
}
