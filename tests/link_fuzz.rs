//! Share links come from strangers: 100,000 random and mutated fragments never panic the parser, always
//! give a run within every cap, and every value that was not used as written is reported.

use tms_explorer::app::gate;
use tms_explorer::app::link::{
    decode, Link, EARLIER_MAX_SWEEP_RUNS, MAX_LENGTH, MAX_RESTARTS, MAX_SWEEP_RUNS,
    MAX_SWEEP_VALUES,
};
use tms_explorer::core::config::{Config, Init, ModelKind, Order, Schedule};
use tms_explorer::core::rng::{Rng, Stream};
use tms_explorer::core::settings::{Kind, Value, DENSITY_MIN, SETTINGS};
use tms_explorer::views::View;

const KEYS: [&str; 20] = [
    "v",
    "model",
    "hidden-bias",
    "n",
    "m",
    "density",
    "importance",
    "lr",
    "schedule",
    "weight-decay",
    "batch",
    "steps",
    "seed",
    "step",
    "view",
    "colour",
    "",
    "sweep",
    "values",
    "restarts",
];

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[(rng.next_u64() % items.len() as u64) as usize]
}

fn value(rng: &mut Rng) -> String {
    let r = rng.next_u64();
    match r % 16 {
        0 => "NaN".into(),
        1 => pick(
            rng,
            &[
                "inf", "-inf", "1e309", "-0", "0x10", "1e-400", "+5", " 7 ", "", "5.", ".5",
            ],
        )
        .into(),
        2 => format!("{}", rng.next_u64()),
        3 => format!("-{}", rng.next_u64() % 100_000),
        4 => format!(
            "{}",
            (rng.uniform_f32() as f64 * 10f64.powi((r % 20) as i32 - 10))
        ),
        5 => (0..(r % 3000))
            .map(|_| format!("{}", rng.uniform_f32()))
            .collect::<Vec<_>>()
            .join(","),
        6 => pick(
            rng,
            &[
                "linear",
                "relu-output",
                "relu-hidden",
                "abs",
                "mlp",
                "ABS",
                "constant",
                "cosine",
                "stack",
                "pie",
            ],
        )
        .into(),
        7 => pick(
            rng,
            &[
                "%", "%2", "%zz", "%41", "%C3%A9", "%ff%fe", "%00", "a%2Cb", "%26n%3D3",
            ],
        )
        .into(),
        8 => "x".repeat(1 + (r % 200_000) as usize),
        9 => format!("{}", (r % 2000) as i64 - 500),
        10 => pick(rng, &["1", "0", "true", "on", "yes", "2"]).into(),
        11 => format!("{},{}", rng.uniform_f32(), rng.uniform_f32()),
        12 => "<script>alert(1)</script>".into(),
        _ => format!("{}", (r % 100) as f32 / 10.0),
    }
}

fn fragment(rng: &mut Rng) -> String {
    let pairs = 1 + rng.next_u64() % 20;
    let mut parts = vec![];
    if !rng.next_u64().is_multiple_of(4) {
        parts.push(format!(
            "v={}",
            pick(rng, &["1", "1", "1", "2", "0", "", "999999999999"])
        ));
    }
    for _ in 0..pairs {
        let key = pick(rng, &KEYS);
        match rng.next_u64() % 10 {
            0 => parts.push(key.to_string()),
            1 => parts.push(format!("{key}={}={}", value(rng), value(rng))),
            _ => parts.push(format!("{key}={}", value(rng))),
        }
    }
    let mut text = parts.join("&");
    if rng.next_u64().is_multiple_of(3) {
        text.insert(0, '#');
    }
    text
}

/// A valid fragment with one byte changed, dropped or duplicated.
fn mutated(rng: &mut Rng) -> String {
    let mut bytes = random_valid(rng).0.to_fragment().into_bytes();
    let at = (rng.next_u64() % bytes.len() as u64) as usize;
    match rng.next_u64() % 3 {
        0 => bytes[at] = b"0123456789.,-=&%eE#x"[(rng.next_u64() % 20) as usize],
        1 => {
            bytes.remove(at);
        }
        _ => bytes.insert(at, bytes[at]),
    }
    String::from_utf8(bytes).unwrap()
}

fn random_valid(rng: &mut Rng) -> (Link, ()) {
    let model = ModelKind::ALL[(rng.next_u64() % 4) as usize];
    let n = 1 + (rng.next_u64() % 300) as usize;
    let m = 1 + (rng.next_u64() % 60) as usize;
    let density = if rng.next_u64().is_multiple_of(5) {
        (0..n).map(|_| DENSITY_MIN.max(rng.uniform_f32())).collect()
    } else {
        vec![DENSITY_MIN.max(rng.uniform_f32())]
    };
    let config = Config {
        model,
        hidden_bias: model == ModelKind::ReluHidden && rng.next_u64().is_multiple_of(2),
        n,
        m,
        density,
        importance: 0.01f32.max(rng.uniform_f32()),
        lr: 10f32.powf(-5.0 + 4.0 * rng.uniform_f32()),
        schedule: Schedule::ALL[(rng.next_u64() % 3) as usize],
        weight_decay: rng.uniform_f32(),
        init: Init::ALL[(rng.next_u64() % 2) as usize],
        order: Order::ALL[(rng.next_u64() % 2) as usize],
        batch: 1 + (rng.next_u64() % 2048) as usize,
        steps: rng.next_u64() % 50_000,
        seed: rng.next_u64() as u32,
    };
    let mut config = config;
    gate::cap_config(&mut config);
    let step = rng.next_u64() % (config.steps + 1);
    let step = step.min(gate::reachable_step(&config));
    (
        Link {
            sweep: None,
            config,
            step,
            view: View::ALL[(rng.next_u64() % 6) as usize],
            probe: None,
        },
        (),
    )
}

/// Whether one key=value pair would be used exactly as written.
fn accepted(key: &str, value: &str, link: &Link) -> bool {
    match key {
        // Versions 2 and 3 are read as they were (version 2 with the per-matrix initialisation, both
        // with the sweep cap of their time), without a notice.
        "v" => {
            value == tms_explorer::app::link::VERSION.to_string() || value == "2" || value == "3"
        }
        // Surrounding spaces are not part of a value, as for every setting.
        "step" => value.trim().parse::<u64>().is_ok_and(|s| s == link.step),
        "view" => View::from_id(value).is_some(),
        "sweep" => link.sweep.as_ref().is_some_and(|s| s.axis.id() == value),
        "restarts" => link
            .sweep
            .as_ref()
            .is_some_and(|s| value.parse::<u32>() == Ok(s.restarts)),
        "values" => link
            .sweep
            .as_ref()
            .is_some_and(|s| s.values.len() == value.split(',').count()),
        k if SETTINGS.iter().any(|s| s.key == k) => Config::default().set(k, value).is_ok(),
        _ => false,
    }
}

fn check_caps(link: &Link, input: &str) {
    let c = &link.config;
    c.check().unwrap_or_else(|e| panic!("{e} for {input:.200}"));
    // Every setting inside its declared bounds.
    for s in SETTINGS {
        let inside = match (s.kind, s.get(c)) {
            (Kind::Whole { min, max }, Value::Whole(v)) => (min..=max).contains(&v),
            (Kind::Number { min, max, .. }, Value::Number(v)) => {
                v.is_finite() && v >= min && v <= max
            }
            (Kind::List { min, max, most }, Value::List(l)) => {
                l.len() <= most && l.iter().all(|v| v.is_finite() && *v >= min && *v <= max)
            }
            (Kind::Choice(options), Value::Choice(v)) => options.contains(&v),
            (Kind::Toggle, Value::Toggle(_)) => true,
            _ => false,
        };
        assert!(inside, "{} = {} for {input:.200}", s.key, s.show(c));
    }
    assert!(link.step <= c.steps && link.step <= gate::reachable_step(c));
    assert!(
        gate::step_ns(c) <= gate::MAX_UNIT_NS,
        "step cost for {input:.200}"
    );
    assert!(
        gate::metrics_ns(c) <= gate::MAX_UNIT_NS,
        "redraw cost for {input:.200}"
    );
    if let Some(s) = &link.sweep {
        assert!(!s.values.is_empty() && s.values.len() <= MAX_SWEEP_VALUES);
        assert!(s.restarts >= 1 && s.restarts <= MAX_RESTARTS);
        assert!(s.values.len() * s.restarts as usize <= MAX_SWEEP_RUNS);
        // A link of version 3 or earlier keeps the cap of its time.
        let version = input
            .trim_start_matches('#')
            .split('&')
            .find_map(|p| p.strip_prefix("v="));
        if matches!(version, Some("1" | "2" | "3")) {
            assert!(s.values.len() * s.restarts as usize <= EARLIER_MAX_SWEEP_RUNS);
        }
        assert!(s
            .values
            .iter()
            .all(|v| v.is_finite() && *v > 0.0 && *v <= 1.0));
    }
}

#[test]
fn random_and_mutated_fragments_give_capped_runs_and_every_change_is_reported() {
    let mut rng = Rng::new(2026, Stream::Data);
    let mut silent = 0;
    for k in 0..100_000 {
        let input = match k % 3 {
            0 => fragment(&mut rng),
            1 => mutated(&mut rng),
            _ => format!(
                "v=3&n={}",
                "9".repeat((rng.next_u64() % (2 * MAX_LENGTH as u64)) as usize)
            ),
        };
        let (link, notices) = Link::parse(&input);
        check_caps(&link, &input);
        assert!(
            notices.iter().all(|n| n.len() <= 400),
            "a notice too long: {:.600}",
            notices.iter().find(|n| n.len() > 400).unwrap()
        );
        // Nothing is silent: with no notice, every pair of the input was used as written.
        if notices.is_empty() {
            silent += 1;
            let text = input.strip_prefix('#').unwrap_or(&input);
            for pair in text.split('&').filter(|p| !p.is_empty()) {
                let (key, value) = pair
                    .split_once('=')
                    .unwrap_or_else(|| panic!("'{pair}' silently dropped from {input:.200}"));
                let (key, value) = (decode(key).unwrap(), decode(value).unwrap());
                assert!(
                    accepted(&key, &value, &link),
                    "'{pair}' silently changed in {input:.200}"
                );
            }
            assert_eq!(Link::parse(&link.to_fragment()).0, link);
        }
    }
    assert!(
        silent > 1000,
        "the generator also makes valid links ({silent})"
    );
}

#[test]
fn valid_links_round_trip_exactly() {
    let mut rng = Rng::new(7, Stream::Init);
    for _ in 0..20_000 {
        let (link, ()) = random_valid(&mut rng);
        let (back, notices) = Link::parse(&link.to_fragment());
        assert_eq!(notices, Vec::<String>::new(), "{}", link.to_fragment());
        assert_eq!(back, link);
    }
}
