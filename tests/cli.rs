//! The `tms` command line as a user runs it.
#![cfg(not(target_arch = "wasm32"))]

use std::process::Command;

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

#[test]
fn bad_flags_get_one_line_naming_the_flag_and_the_range() {
    for (args, flag, range) in [
        (vec!["train", "--n", "0"], "--n", "1 to 1000"),
        (vec!["train", "--density", "2"], "--density", "0.00001 to 1"),
        (vec!["train", "--lr=nan"], "--lr", "above 0 up to 1000"),
        (
            vec!["train", "--model", "mlp"],
            "--model",
            "linear, relu-output, relu-hidden, abs",
        ),
        (vec!["sweep", "--restarts", "0"], "--restarts", "1 to 1000"),
        (
            vec!["sweep", "--densities", "1,0"],
            "--densities",
            "0.00001 to 1",
        ),
    ] {
        let (ok, _, err) = tms(&args);
        assert!(!ok, "{args:?} should fail");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(flag) && err.contains(range), "{args:?}: {err}");
    }
    let (ok, _, err) = tms(&["train", "--colour", "red"]);
    assert!(!ok && err.contains("unknown flag --colour"), "{err}");
    let (ok, _, err) = tms(&["train", "--model", "abs", "--hidden-bias"]);
    assert!(!ok && err.contains("only relu-hidden"), "{err}");
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
