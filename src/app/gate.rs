//! The caps that keep a browser tab responsive, for every way a run comes in (a link, the page's form,
//! the host API, a sweep): all of them are read by [`crate::app::link::Link::read`], which applies these.
//!
//! Each cap is an estimate of [`crate::core::cost`]: a step and a redraw each stay under
//! [`MAX_UNIT_NS`], so any one piece of work the page does between two chances to answer a click is
//! short, and a link's step is reachable in [`MAX_REACH_NS`].

use crate::core::config::Config;
pub use crate::core::cost::{metrics_ns, step_ns};
use crate::core::cost::{sizes, OPTIMIZER_NS, ROW_NS};

/// The most one step or one redraw may cost: well under the 50 ms a task may take.
pub const MAX_UNIT_NS: f64 = 25e6;
/// The most multiply-adds the page's feature-geometry graph may take (one dot product per pair of
/// represented features): measured about 2 ns each with the matching around them in Chromium's wasm
/// (1.6·10⁷ in 31 ms), so about 20 ms.
pub const MAX_GRAPH_MADDS: f64 = 1e7;
/// The most the training to a link's step may cost (it runs in slices, with progress and Cancel).
pub const MAX_REACH_NS: f64 = 60e9;

/// The latest step a link may open at: what the cost allows, within the budget.
pub fn reachable_step(c: &Config) -> u64 {
    ((MAX_REACH_NS / step_ns(c).max(1.0)) as u64).min(c.steps)
}

/// Applies the caps to a configuration, smallest change first: fewer hidden dimensions when the metrics
/// or the optimizer alone are too much, then a smaller batch. Returns (setting key, notice) for each
/// change.
pub fn cap_config(c: &mut Config) -> Vec<(&'static str, String)> {
    let mut notices = vec![];
    if metrics_ns(c) > MAX_UNIT_NS
        || OPTIMIZER_NS
            * sizes(&Config {
                batch: 1,
                ..c.clone()
            })
            .1
            > MAX_UNIT_NS
    {
        let m = c.m;
        while c.m > 1
            && (metrics_ns(c) > MAX_UNIT_NS
                || step_ns(&Config {
                    batch: 1,
                    ..c.clone()
                }) > MAX_UNIT_NS)
        {
            c.m -= 1.max(c.m / 64);
        }
        notices.push((
            "m",
            format!(
                "m: n = {} features with m = {m} neurons is more than a browser tab can train and redraw in \
                 time ({}); using m = {}",
                c.n,
                c.model.id(),
                c.m
            ),
        ));
    }
    if step_ns(c) > MAX_UNIT_NS {
        let batch = c.batch;
        let (weights, params) = sizes(c);
        let most = ((MAX_UNIT_NS - OPTIMIZER_NS * params) / (ROW_NS * weights)).floor();
        c.batch = (most.max(1.0) as usize).min(batch);
        notices.push((
            "batch",
            format!(
                "batch: {batch} rows of n = {}, m = {} is more work per step than a browser tab can take; \
                 using batch {}",
                c.n, c.m, c.batch
            ),
        ));
    }
    notices
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::ModelKind;

    #[test]
    fn the_papers_runs_pass_untouched_and_the_largest_are_capped() {
        for (model, n, m) in [
            (ModelKind::ReluOutput, 5, 2),
            (ModelKind::ReluOutput, 200, 20),
            (ModelKind::ReluOutput, 400, 30),
            (ModelKind::ReluHidden, 10, 5),
            (ModelKind::Abs, 100, 40),
        ] {
            let mut c = Config {
                model,
                n,
                m,
                ..Config::default()
            };
            assert!(cap_config(&mut c).is_empty(), "{model:?} n={n} m={m}");
            assert_eq!(
                reachable_step(&c),
                c.steps,
                "the 10,000-step budget is reachable"
            );
        }
        let mut c = Config {
            model: ModelKind::Abs,
            n: 1000,
            m: 1000,
            batch: 16384,
            ..Config::default()
        };
        let notices = cap_config(&mut c);
        assert_eq!(notices.len(), 2, "{notices:?}");
        assert!(step_ns(&c) <= MAX_UNIT_NS && metrics_ns(&c) <= MAX_UNIT_NS);
        assert!(c.m >= 100 && c.batch >= 1, "{} {}", c.m, c.batch);
    }
}
