// A sweep worker: trains one job at a time (restarts first..first + count of one setting, together in
// vector lanes where the model is small: Rust's `Restarts`) in its own wasm instance, keeping only each
// restart's evaluation loss and the best run, and posts progress and the result back.
// Messages in: {type: 'job', id, settings, first, count, until, evalSeed} · pause · resume · crash
// (tests: a panic) · {type: 'measure', sample: {settings, first, count, until, evalSeed}, warmup,
// windows, ms} (how fast this machine trains it, for the estimate before a long sweep starts).
// Messages out: {type: 'ready'} once it can take jobs (workers.js waits for it) · {type: 'progress',
// id, steps, training?: {settings, params, step, losses}} (steps: restart-steps done; training: the
// lowest restart training now, for a picture) · {type: 'paused', id, steps} once it stopped for a pause · {type: 'done', id, steps, evalLosses, best, bestLoss,
// settings, step, params, losses, json, diverged} (best: the kept restart's number) · {type: 'failed',
// id, message} · {type: 'measured', rate} (restart-steps per second, or null if none trained).
import init, { Restarts, last_panic, simulate_panic } from './pkg/tms_explorer.js';

const ready = init();
ready.then(() => self.postMessage({ type: 'ready' }), (error) => self.postMessage({ type: 'failed', message: `its code did not load (${error?.message ?? error})` }));
let job = null;
let paused = false;

// Any error (a panic traps the wasm instance) ends this worker: the page is told why and carries on.
function failed(error) {
  let detail = '';
  try {
    detail = last_panic();
  } catch {
    detail = '';
  }
  self.postMessage({ type: 'failed', id: job?.id ?? -1, message: detail || String(error?.message ?? error) });
  self.close();
}
self.addEventListener('unhandledrejection', (event) => failed(event.reason));

self.onmessage = async (event) => {
  await ready;
  const m = event.data;
  if (m.type === 'job') {
    job = { ...m, restarts: new Restarts(m.settings, m.first, m.count, m.until, m.evalSeed), chunk: 1 };
    paused = false;
    train(job);
  } else if (m.type === 'pause') {
    paused = true;
  } else if (m.type === 'resume') {
    paused = false;
    if (job) train(job);
  } else if (m.type === 'crash') {
    simulate_panic();
  } else if (m.type === 'measure') {
    measure(m);
  }
};

// Trains `r` for up to `ms` (at most a slice: 50 ms between chances to read a message), in calls of
// about 10 ms: `pace.chunk`, the steps per call, grows or shrinks with what the last call took.
function slice(r, ms, pace) {
  const start = performance.now();
  while (performance.now() - start < ms && !r.done()) {
    const t = performance.now();
    r.advance(pace.chunk);
    const took = performance.now() - t;
    if (took < 5) pace.chunk = Math.min(pace.chunk * 2, pace.until || 1);
    else if (took > 20) pace.chunk = Math.max(1, Math.floor(pace.chunk / 2));
  }
}

// How fast this worker trains `sample` (a `Restarts` job: the sweep's speed probe), in restart-steps
// per second: the median of `windows` slices of about `ms` each (a moment of other work on the machine
// spoils one slice, not the figure), after `warmup` ms (the wasm code reaches its optimizing tier).
// The job is freed; nothing of it is kept.
async function measure({ sample: s, warmup, windows, ms }) {
  const r = new Restarts(s.settings, s.first, s.count, s.until, s.evalSeed);
  const pace = { chunk: 1, until: s.until };
  const rates = [];
  try {
    const warm = performance.now() + warmup;
    while (performance.now() < warm && !r.done()) {
      slice(r, Math.min(50, warm - performance.now()), pace);
      await nextTask();
    }
    for (let w = 0; w < windows && !r.done(); w++) {
      const before = r.steps_done();
      const start = performance.now();
      slice(r, ms, pace);
      const secs = (performance.now() - start) / 1000;
      if (secs > 0 && r.steps_done() > before) rates.push((r.steps_done() - before) / secs);
      await nextTask();
    }
  } finally {
    r.free();
  }
  rates.sort((a, b) => a - b);
  self.postMessage({ type: 'measured', rate: rates.length ? rates[Math.floor(rates.length / 2)] : null });
}

// Yields to the event loop for one task. Not setTimeout(0): nested timers are clamped to 4 ms, which
// after every 50 ms slice would leave the worker idle 7% of the time.
const channel = new MessageChannel();
function nextTask() {
  return new Promise((resolve) => {
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(0);
  });
}

function progress(current) {
  const r = current.restarts;
  const settings = r.training_settings();
  const training = settings === undefined ? undefined
    : { settings, params: r.training_params(), step: r.training_step(), losses: r.training_losses() };
  self.postMessage({ type: 'progress', id: current.id, steps: r.steps_done(), training });
}

let running = false;
async function train(current) {
  if (running) return;
  running = true;
  let lastPost = 0;
  const r = current.restarts;
  while (!paused && job === current && !r.done()) {
    // A slice between chances to read a message (pause within 250 ms).
    slice(r, 50, current);
    if (performance.now() - lastPost > 250) {
      lastPost = performance.now();
      progress(current);
    }
    await nextTask(); // let pause and crash messages in
  }
  running = false;
  if (job === current && paused) self.postMessage({ type: 'paused', id: current.id, steps: r.steps_done() });
  if (job !== current || paused) return;
  const evalLosses = r.eval_losses();
  const best = r.best_restart();
  const bestLoss = r.best_eval_loss();
  const steps = r.steps_done();
  const run = r.take_best();
  self.postMessage({
    type: 'done', id: current.id, steps, evalLosses, best, bestLoss,
    settings: run.settings, step: run.step_count, params: run.params(), losses: run.loss_history(), json: run.export_json(),
    diverged: run.diverged >= 0 ? run.divergence_message() : '',
  });
  run.free();
  r.free();
  job = null;
}
