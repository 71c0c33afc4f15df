//! A sweep spread over machines: `tms sweep --shard K/N` on each, `tms sweep merge` of their files gives
//! what `tms sweep` gives on one machine (the same kept runs, byte for byte, and the same report).
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

/// The report of the kept runs: from the table's head on (the lines before say how the work ran).
fn kept(stdout: &str) -> String {
    let at = stdout.find("\nsetting ").expect("the table of kept runs");
    stdout[at..]
        .lines()
        .filter(|l| !l.starts_with("wrote "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn shards_merged_give_the_sweep_of_one_machine() {
    let dir = std::env::temp_dir().join(format!("tms-shards-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let setting = [
        "sweep",
        "--model",
        "relu-hidden",
        "--n",
        "10",
        "--m",
        "5",
        "--importance",
        "0.75",
        "--batch",
        "64",
        "--steps",
        "40",
        "--seed",
        "3",
        "--densities",
        "0.35,0.06",
        "--restarts",
        "11",
    ];
    let (whole, whole_npz) = (path("whole.json"), path("whole.npz"));
    let mut args = setting.to_vec();
    args.extend(["--json", &whole, "--save", &whole_npz]);
    let (ok, one_machine, err) = tms(&args);
    assert!(ok, "{err}");
    // Three machines, each with its own thread count; merged in another order.
    let parts: Vec<String> = (1..=3).map(|k| path(&format!("part-{k}.json"))).collect();
    for (k, part) in parts.iter().enumerate() {
        let shard = format!("{}/3", k + 1);
        let threads = format!("{}", k + 1);
        let mut args = setting.to_vec();
        args.extend(["--shard", &shard, "--json", part, "--threads", &threads]);
        let (ok, out, err) = tms(&args);
        assert!(ok, "{err}");
        assert!(out.contains(&format!("shard {shard}: restarts")), "{out}");
    }
    let (merged, merged_npz) = (path("merged.json"), path("merged.npz"));
    let (ok, out, err) = tms(&[
        "sweep",
        "merge",
        &parts[2],
        &parts[0],
        &parts[1],
        "--json",
        &merged,
        "--save",
        &merged_npz,
    ]);
    assert!(ok, "{err}");
    assert_eq!(kept(&out), kept(&one_machine));
    assert_eq!(
        std::fs::read(&merged).unwrap(),
        std::fs::read(&whole).unwrap()
    );
    for value in ["0.35", "0.06"] {
        assert_eq!(
            std::fs::read(path(&format!("merged-density-{value}.npz"))).unwrap(),
            std::fs::read(path(&format!("whole-density-{value}.npz"))).unwrap(),
            "{value}"
        );
    }

    // A shard missing or given twice, or one of another sweep, is refused with a message saying so.
    let (ok, _, err) = tms(&["sweep", "merge", &parts[0], &parts[2]]);
    assert!(!ok && err.contains("shard 2/3 is missing"), "{err}");
    let (ok, _, err) = tms(&["sweep", "merge", &parts[0], &parts[1], &parts[1], &parts[2]]);
    assert!(!ok && err.contains("shard 2/3 is given twice"), "{err}");
    let other = path("other.json");
    let mut args = setting.to_vec();
    args.extend(["--shard", "2/3", "--json", &other, "--seed", "4"]);
    assert!(tms(&args).0);
    let (ok, _, err) = tms(&["sweep", "merge", &parts[0], &other, &parts[2]]);
    assert!(!ok && err.contains("another sweep"), "{err}");
    // A shard needs a file to write to; a bad shard names the form.
    let mut args = setting.to_vec();
    args.extend(["--shard", "2/3"]);
    let (ok, _, err) = tms(&args);
    assert!(!ok && err.contains("--json"), "{err}");
    let mut args = setting.to_vec();
    args.extend(["--shard", "4/3", "--json", &other]);
    let (ok, _, err) = tms(&args);
    assert!(!ok && err.contains("K/N"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
