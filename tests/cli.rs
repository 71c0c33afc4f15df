//! The `tms` command line as a user runs it.
#![cfg(not(target_arch = "wasm32"))]

use std::process::Command;
use tms_explorer::core::settings::{setting, SETTINGS};

fn tms(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tms"))
        .args(args)
        .output()
        .expect("tms runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A setting's allowed values as the settings table states them.
fn range(key: &str) -> String {
    setting(key).unwrap().kind.range_text()
}

#[test]
fn bad_flags_get_one_line_naming_the_flag_and_the_range() {
    for (args, flag, range) in [
        (vec!["train", "--n", "0"], "--n", range("n")),
        (
            vec!["train", "--density", "2"],
            "--density",
            range("density"),
        ),
        (vec!["train", "--lr=nan"], "--lr", range("lr")),
        (vec!["train", "--lr", "1e-7"], "--lr", range("lr")),
        (
            vec!["train", "--importance", "0.001"],
            "--importance",
            range("importance"),
        ),
        (vec!["train", "--model", "mlp"], "--model", range("model")),
        (
            vec!["sweep", "--restarts", "0"],
            "--restarts",
            "1 to 1000".into(),
        ),
        (
            vec!["sweep", "--densities", "1,0"],
            "--densities",
            "0.00001 to 1".into(),
        ),
        (
            vec!["render", "--width", "5", "--view", "stack"],
            "--width",
            "120 to 8000".into(),
        ),
    ] {
        let (ok, _, err) = tms(&args);
        assert!(!ok, "{args:?} should fail");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.contains(flag) && err.contains(&range),
            "{args:?}: {err}"
        );
    }
    let (ok, _, err) = tms(&["train", "--colour", "red"]);
    assert!(!ok && err.contains("unknown flag --colour"), "{err}");
    let (ok, _, err) = tms(&["train", "--model", "abs", "--hidden-bias"]);
    assert!(!ok && err.contains("only relu-hidden"), "{err}");
}

#[test]
fn links_and_steps_on_the_command_line_are_never_silently_misread() {
    let (ok, _, err) = tms(&["train", "--link", "v=3&n=3", "--link", "v=3&n=4"]);
    assert!(
        !ok && err.contains("--link is given more than once"),
        "{err}"
    );
    let (ok, _, err) = tms(&["train", "--link", "--n", "5"]);
    assert!(!ok && err.contains("--link needs a value"), "{err}");
    let (ok, _, err) = tms(&["train", "--steps", "3", "--step", "999"]);
    assert!(
        !ok && err.contains("--step: 999 is past the step budget 3"),
        "{err}"
    );
    let (ok, _, err) = tms(&["train", "--step", "2", "--step", "3"]);
    assert!(
        !ok && err.contains("--step is given more than once"),
        "{err}"
    );
    // A bare toggle, and a toggle with its value as the next word.
    let (ok, out, _) = tms(&[
        "train",
        "--model",
        "relu-hidden",
        "--hidden-bias",
        "--steps",
        "2",
    ]);
    assert!(ok && out.contains("+hidden bias"), "{out}");
    let (ok, out, _) = tms(&[
        "train",
        "--model",
        "relu-hidden",
        "--hidden-bias",
        "0",
        "--steps",
        "2",
    ]);
    assert!(ok && !out.contains("+hidden bias"), "{out}");
}

#[test]
fn every_command_answers_help_with_its_flags_and_the_settings_table() {
    for command in ["train", "sweep", "render", "bench", "serve"] {
        for ask in [
            vec![command, "--help"],
            vec![command, "-h"],
            vec!["help", command],
        ] {
            let (ok, out, err) = tms(&ask);
            assert!(ok, "{ask:?}: {err}");
            assert!(
                out.starts_with(&format!("tms {command}: ")),
                "{ask:?}: {out}"
            );
        }
    }
    let (_, out, _) = tms(&["train", "--help"]);
    for s in SETTINGS {
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("--{} ", s.key)))
            .unwrap_or_else(|| panic!("--{} missing from:\n{out}", s.key));
        assert!(line.contains(&s.kind.range_text()), "{line}");
    }
    let (ok, out, _) = tms(&["help"]);
    assert!(
        ok && out.contains("tms render") && out.contains("--density"),
        "{out}"
    );
}

#[test]
fn train_writes_the_json_export_and_a_summary() {
    let dir = std::env::temp_dir().join(format!("tms-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("abs.json");
    let (ok, out, err) = tms(&[
        "train",
        "--model",
        "abs",
        "--n",
        "6",
        "--m",
        "4",
        "--density",
        "0.3",
        "--steps",
        "50",
        "--batch",
        "64",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("50 steps in"), "{out}");
    assert!(
        out.contains("features computed") && out.contains("neurons:"),
        "{out}"
    );
    let text = std::fs::read_to_string(&json).unwrap();
    for key in [
        "\"config\":{\"model\":\"abs\"",
        "\"step\":50",
        "\"W1\":[[",
        "\"W2\":[[",
        "\"b\":[",
        "\"feature_norms\":[",
        "\"superposition\":[",
        "\"dimensionality\":[",
        "\"dims_per_feature\":",
        "\"neurons\":[{",
    ] {
        assert!(text.contains(key), "missing {key} in {text}");
    }
    // W1 is m × n = 4 rows of 6.
    let w1 = &text[text.find("\"W1\":").unwrap() + 5..];
    let w1 = &w1[..w1.find("]]").unwrap() + 2];
    assert_eq!(w1.matches('[').count(), 1 + 4);
    assert_eq!(w1.split("],[").next().unwrap().matches(',').count(), 5);
}

#[test]
fn sweep_keeps_the_best_of_k_restarts_per_density() {
    let dir = std::env::temp_dir().join(format!("tms-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("sweep.json");
    let (ok, out, err) = tms(&[
        "sweep",
        "--model",
        "relu-output",
        "--n",
        "5",
        "--m",
        "2",
        "--densities",
        "1,0.1",
        "--restarts",
        "3",
        "--steps",
        "200",
        "--batch",
        "64",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("\n1−S = 1 ") && out.contains("\n1−S = 0.1 "),
        "{out}"
    );
    let text = std::fs::read_to_string(&json).unwrap();
    assert!(text.starts_with("[{\"config\""), "a list of runs");
    assert_eq!(text.matches("\"eval_losses\":[").count(), 2);
    assert_eq!(text.matches("\"density\":[0.1]").count(), 1);
}

#[test]
fn render_writes_the_view_as_svg_and_png() {
    let dir = std::env::temp_dir().join(format!("tms-render-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (svg, png) = (dir.join("stack.svg"), dir.join("stack.png"));
    let (ok, out, err) = tms(&[
        "render",
        "--model",
        "abs",
        "--n",
        "3",
        "--m",
        "6",
        "--density",
        "1",
        "--importance",
        "1",
        "--steps",
        "300",
        "--batch",
        "256",
        "--view",
        "stack",
        "--svg",
        svg.to_str().unwrap(),
        "--png",
        png.to_str().unwrap(),
        "--width",
        "400",
        "--height",
        "300",
        "--theme",
        "dark",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("wrote"), "{out}");
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("width=\"400\""),
        "{}",
        &svg[..200.min(svg.len())]
    );
    assert!(svg.contains("W₁ as stack plot"));
    assert!(svg.contains("#16161A"), "dark background");
    let png = std::fs::read(&png).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // 2 device pixels per CSS pixel by default: 800 × 600.
    assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 800);
    assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 600);
    let (ok, _, err) = tms(&["render", "--view", "pie", "--svg", "x.svg"]);
    assert!(!ok && err.contains("--view: 'pie' is not a view"), "{err}");
}
