//! Golden fingerprints: links keep opening on exactly the weights they showed when they were made.
//! `tests/golden/v2.txt` was recorded before link version 3 changed the default initialisation,
//! `tests/golden/v3.txt` when version 3 began, `tests/golden/lockstep.txt` when the lockstep order
//! (`order=lockstep`) began. The same lists are checked in the browser by
//! `tests/wasm.rs`, and with the 4-lane type's plain-array path (`--features scalar-lanes`) by .ci/test.

use tms_explorer::app::link::Link;
use tms_explorer::core::training::Trainer;

/// (fragment, fingerprint) pairs of a golden file.
fn golden(text: &str) -> Vec<(&str, &str)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_once(' ').expect("fragment fingerprint"))
        .collect()
}

/// A golden run opened as its link says and trained to its step: the link read, its notices and the
/// fingerprint of the weights there.
fn opened(fragment: &str) -> (Link, Vec<String>, String) {
    let (link, notices) = Link::parse(fragment);
    let mut t = Trainer::new(link.config.clone()).unwrap();
    t.step(link.step);
    let notices = notices.iter().map(|n| format!("{n:?}")).collect();
    (link, notices, t.fingerprint())
}

#[test]
fn version_2_links_open_on_their_recorded_fingerprints() {
    let runs = golden(include_str!("golden/v2.txt"));
    assert!(runs.len() >= 5);
    for (fragment, want) in runs {
        let (_, notices, got) = opened(fragment);
        assert_eq!(got, want, "{fragment} (notices {notices:?})");
    }
}

#[test]
fn version_3_links_open_on_their_recorded_fingerprints() {
    let runs = golden(include_str!("golden/v3.txt"));
    assert!(runs.len() >= 5);
    for (fragment, want) in runs {
        let (_, notices, got) = opened(fragment);
        assert!(notices.is_empty(), "{fragment}: {notices:?}");
        assert_eq!(got, want, "{fragment}");
    }
}

#[test]
fn lockstep_order_links_open_on_their_recorded_fingerprints() {
    let runs = golden(include_str!("golden/lockstep.txt"));
    assert!(runs.len() >= 5);
    for (fragment, want) in runs {
        let (link, notices, got) = opened(fragment);
        assert!(notices.is_empty(), "{fragment}: {notices:?}");
        assert!(link.config.lockstep(), "{fragment}");
        assert_eq!(got, want, "{fragment}");
    }
}
