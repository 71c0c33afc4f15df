//! The wasm build in headless Chromium and headless Firefox ESR (wasm-bindgen-test-runner with
//! chromedriver, then geckodriver; see .ci/test):
//! the same trainer, through the same `Run` API the page uses.
#![cfg(target_arch = "wasm32")]

use tms_explorer::web::{bench_cases, restart_lanes, Restarts, Run};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const ABS: &str = "model=abs&n=12&m=5&density=0.1&importance=0.8&batch=128&seed=7";

#[wasm_bindgen_test]
fn same_settings_give_the_same_weights_and_reset_restores_them() {
    let mut a = Run::new(ABS).unwrap();
    let mut b = Run::new(ABS).unwrap();
    let start = a.params();
    a.step(60);
    b.step(25);
    b.step(35);
    assert_eq!(a.params(), b.params());
    assert_ne!(a.params(), start);
    a.reset();
    assert_eq!(a.params(), start);
    assert_eq!(a.step_count(), 0.0);
}

#[wasm_bindgen_test]
fn seek_goes_back_to_the_exact_weights_of_an_earlier_step() {
    let mut a = Run::new(ABS).unwrap();
    a.step(40);
    let at_40 = a.fingerprint();
    a.step(300);
    a.seek(40.0);
    assert_eq!(a.fingerprint(), at_40);
    assert_eq!(a.step_count(), 40.0);
    // The timeline keeps the run's future: the loss curve still reaches the frontier.
    assert_eq!(a.frontier(), 340.0);
    assert_eq!(a.loss_history().len(), 340);
}

#[wasm_bindgen_test]
fn a_new_seed_changes_the_weights_and_the_settings() {
    let mut a = Run::new(ABS).unwrap();
    let before = a.params();
    let seed = a.new_seed();
    assert!(a.settings().contains(&format!("seed={seed}")));
    if seed != 7 {
        assert_ne!(a.params(), before);
    }
}

#[wasm_bindgen_test]
fn training_lowers_the_loss_in_the_browser() {
    // Mean losses over steps, not single batches: one batch's loss at this density is noisy.
    let mut a = Run::new("model=relu-output&n=5&m=2&density=0.1&batch=256").unwrap();
    a.step(1500);
    let history = a.loss_history();
    let mean = |s: &[f32]| s.iter().sum::<f32>() / s.len() as f32;
    let (first, last) = (mean(&history[..10]), mean(&history[history.len() - 100..]));
    assert!(last < 0.7 * first, "{first} → {last}");
}

#[wasm_bindgen_test]
fn bad_settings_are_refused_with_a_message() {
    assert!(Run::new("n=0").is_err());
    assert!(Run::new("model=mlp").is_err());
    assert!(Run::new("density=0.1,0.2&n=3").is_err());
    assert!(bench_cases().contains("abs n=100 m=40"));
}

#[wasm_bindgen_test]
fn links_open_on_their_recorded_fingerprints_in_the_browser() {
    // The same golden lists as tests/golden.rs, through the link parser and `Run` the page uses.
    for line in include_str!("golden/v2.txt")
        .lines()
        .chain(include_str!("golden/v3.txt").lines())
        .chain(include_str!("golden/lockstep.txt").lines())
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (fragment, want) = line.split_once(' ').unwrap();
        let (link, _) = tms_explorer::app::link::Link::parse(fragment);
        let mut run = Run::new(&link.config.to_text()).unwrap();
        run.step(link.step as u32);
        assert_eq!(run.fingerprint(), want, "{fragment}");
    }
}

#[wasm_bindgen_test]
fn restart_groups_keep_what_single_runs_give_in_the_browser() {
    // In both orders: today's lanes and the lockstep order's.
    for order in ["rows", "lockstep"] {
        restart_groups_keep_what_single_runs_give(order);
    }
}

fn restart_groups_keep_what_single_runs_give(order: &str) {
    // Nine restarts from seed 9 (two groups of four lanes and one of one), ranked as Run.eval_loss ranks.
    let with_seed = |seed: u32| {
        format!(
            "model=relu-hidden&n=10&m=5&density=0.15&importance=0.75&batch=64&steps=40&order={order}&seed={seed}"
        )
    };
    assert_eq!(restart_lanes(&with_seed(7)).unwrap(), 4);
    let mut group = Restarts::new(&with_seed(7), 2, 9, 40.0, 7).unwrap();
    assert!(
        group.take_best().is_none(),
        "nothing is kept before every restart is done"
    );
    while !group.advance(7) {}
    assert_eq!(group.steps_done(), group.total_steps());
    let losses = group.eval_losses();
    assert_eq!(losses.len(), 9);
    let mut fingerprints = vec![];
    for (k, loss) in losses.iter().enumerate() {
        let mut run = Run::new(&with_seed(9 + k as u32)).unwrap();
        run.step(40);
        assert_eq!(
            run.eval_loss(7).to_bits(),
            loss.to_bits(),
            "restart {}",
            2 + k
        );
        fingerprints.push(run.fingerprint());
    }
    let best = group.best_restart().unwrap();
    let lowest = (0..9)
        .min_by(|&a, &b| losses[a].total_cmp(&losses[b]))
        .unwrap();
    assert_eq!(best, 2 + lowest as u32);
    let kept = group.take_best().unwrap();
    assert_eq!(kept.fingerprint(), fingerprints[lowest]);
    assert_eq!(
        kept.settings(),
        Run::new(&with_seed(7 + best)).unwrap().settings()
    );
    assert!(kept.settings().contains(&format!("order={order}")));
    assert_eq!(group.best_restart(), Some(best));
    // Bad input is refused with a message.
    assert!(Restarts::new(&with_seed(7), 0, 4, 41.0, 7).is_err());
}

/// The page paints a view's costliest runs of shapes as one image rasterised in Rust (`rasterise`);
/// painted over the background, it must look like what the browser's canvas paints shape by shape.
#[wasm_bindgen_test]
fn a_rasterised_run_paints_what_the_canvas_paints_shape_by_shape() {
    use tms_explorer::core::rng::{Rng, Stream};
    use tms_explorer::views::scene::{rasterise, ShapeByShape, TextMode};
    use tms_explorer::views::{Rgba, Scene, Shape};
    use wasm_bindgen::JsCast;
    let (w, h, scale) = (300.0, 200.0, 1.5);
    // Slanted, horizontal and vertical lines of each width, translucent and opaque, and discs: as the
    // graph view draws its edges and nodes.
    let mut scene = Scene::new(w, h);
    let mut rng = Rng::new(11, Stream::Data);
    let mut next = || rng.uniform_open0_f64();
    for k in 0..300 {
        let (x0, y0) = (next() * w, next() * h);
        let (x1, y1) = match k % 10 {
            0 => (next() * w, y0),
            1 => (x0, next() * h),
            _ => (next() * w, next() * h),
        };
        let colour = if k % 2 == 0 {
            Rgba::rgb(178, 24, 43)
        } else {
            Rgba::rgb(33, 102, 172)
        };
        let alpha = if k % 3 == 0 { 1.0 } else { 0.25 + 0.7 * next() };
        scene.line((x0, y0), (x1, y1), 0.6 + 3.4 * next(), colour.alpha(alpha));
    }
    for _ in 0..200 {
        let r = 1.0 + 4.0 * next();
        let (x, y) = (next() * w, next() * h);
        scene.push(Shape::Circle { x, y, r }, Rgba::rgb(33, 33, 33), None);
    }
    let device = scene.device(scale);
    let background = Rgba::rgb(255, 255, 255);
    let document = web_sys::window().unwrap().document().unwrap();
    let canvas: web_sys::HtmlCanvasElement = document
        .create_element("canvas")
        .unwrap()
        .dyn_into()
        .unwrap();
    canvas.set_width(device.0 as u32);
    canvas.set_height(device.1 as u32);
    let context: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    let mut backend = plotters_canvas::CanvasBackend::with_canvas_object(canvas).unwrap();
    scene
        .draw_on(
            &mut backend,
            scale,
            background,
            TextMode::Canvas,
            &mut ShapeByShape,
        )
        .unwrap();
    let canvas_pixels = context
        .get_image_data(0.0, 0.0, device.0 as f64, device.1 as f64)
        .unwrap()
        .data();
    let image = rasterise(&scene.items, scale, device).unwrap();
    // The image over the background, pixel by pixel, against the canvas.
    let (mut total, mut far, mut ink_canvas, mut ink_image) = (0.0, 0usize, 0.0, 0.0);
    let count = (device.0 * device.1) as usize;
    for y in 0..device.1 {
        for x in 0..device.0 {
            let k = ((y * device.0 + x) * 4) as usize;
            let inside = x >= image.x
                && y >= image.y
                && x < image.x + image.width as i32
                && y < image.y + image.height as i32;
            let px = if inside {
                let j = (((y - image.y) as u32 * image.width + (x - image.x) as u32) * 4) as usize;
                let a = image.rgba[j + 3] as f64 / 255.0;
                [0, 1, 2].map(|c| image.rgba[j + c] as f64 * a + 255.0 * (1.0 - a))
            } else {
                [255.0; 3]
            };
            let mut worst: f64 = 0.0;
            for c in 0..3 {
                let d = (px[c] - canvas_pixels[k + c] as f64).abs();
                total += d;
                worst = worst.max(d);
                ink_canvas += 255.0 - canvas_pixels[k + c] as f64;
                ink_image += 255.0 - px[c];
            }
            if worst > 32.0 {
                far += 1;
            }
        }
    }
    let mean = total / (3 * count) as f64;
    let ink = ink_image / ink_canvas;
    let seen = format!("mean difference {mean:.2} levels, {far} of {count} pixels off by more than 32, ink {ink:.4}");
    // The same ink to 2%, and no more than 1 pixel in 200 off by more than an eighth of the range:
    // anti-aliasing differs at edges (Chromium's canvas strokes a slanted 2 px line about 9% heavier
    // than its area, measured across it; the image paints the area), not in what is painted.
    assert!((ink - 1.0).abs() < 0.02, "{seen}");
    assert!(far * 200 < count, "{seen}");
}

/// The lockstep order in wasm: a restart as one of four simd128 lanes computes what its run alone (a
/// `Run` of the setting with order = lockstep) computes (tests/lockstep.rs checks the same natively,
/// with SSE2 and AVX2).
#[wasm_bindgen_test]
fn lockstep_restarts_in_simd128_lanes_equal_each_restart_alone() {
    use tms_explorer::core::config::{Config, ModelKind, Order};
    use tms_explorer::core::lockstep::{Lockstep, Width};
    for (model, n, m, density) in [
        (ModelKind::ReluHidden, 10, 5, 0.15),
        (ModelKind::ReluOutput, 20, 5, 0.05),
        (ModelKind::Abs, 5, 2, 0.3),
        (ModelKind::Linear, 7, 3, 1.0),
    ] {
        let config = Config {
            model,
            n,
            m,
            density: vec![density],
            batch: 64,
            order: Order::Lockstep,
            ..Config::default()
        };
        let seeds = [0, 5, 77, 4_000_000_000];
        let mut four = Lockstep::new(&config, &seeds, Width::Four).unwrap();
        four.step(25);
        for (r, &seed) in seeds.iter().enumerate() {
            // The run alone, as a link of this setting opens it in the page.
            let mut alone = Run::new(&four.config(r).to_text()).unwrap();
            alone.step(25);
            assert_eq!(four.params(r), alone.params(), "{model:?} seed {seed}");
            assert_eq!(
                four.loss_history(r),
                alone.loss_history(),
                "{model:?} seed {seed}"
            );
        }
    }
}
