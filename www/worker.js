// A sweep worker: trains one job at a time in its own wasm instance and posts progress and weights back.
// Messages in: {type: 'job', id, settings, until, evalSeed} · pause · resume · crash (tests: a panic).
// Messages out: {type: 'ready'} once it can take jobs (workers.js waits for it) · {type: 'progress', id,
// step, params, losses} · {type: 'done', id, step, evalLoss, params, losses, json} · {type: 'failed',
// id, message}.
import init, { Run, last_panic, simulate_panic } from './pkg/tms_explorer.js';

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
    job = { ...m, run: new Run(m.settings) };
    paused = false;
    train(job);
  } else if (m.type === 'pause') {
    paused = true;
  } else if (m.type === 'resume') {
    paused = false;
    if (job) train(job);
  } else if (m.type === 'crash') {
    simulate_panic();
  }
};

// Yields to the event loop for one task. Not setTimeout(0): nested timers are clamped to 4 ms, which
// after every 50 ms slice would leave the worker idle 7% of the time.
const channel = new MessageChannel();
function nextTask() {
  return new Promise((resolve) => {
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(0);
  });
}

let running = false;
async function train(current) {
  if (running) return;
  running = true;
  let lastPost = 0;
  while (!paused && job === current && current.run.step_count < current.until) {
    const start = performance.now();
    while (performance.now() - start < 50 && current.run.step_count < current.until) {
      current.run.step(Math.min(50, current.until - current.run.step_count));
    }
    if (current.run.diverged >= 0) break;
    if (performance.now() - lastPost > 250) {
      lastPost = performance.now();
      self.postMessage({ type: 'progress', id: current.id, step: current.run.step_count, params: current.run.params(), losses: current.run.loss_history() });
    }
    await nextTask(); // let pause and crash messages in
  }
  running = false;
  if (job !== current || paused) return;
  const run = current.run;
  self.postMessage({
    type: 'done', id: current.id, step: run.step_count, evalLoss: run.eval_loss(current.evalSeed),
    params: run.params(), losses: run.loss_history(), json: run.export_json(),
    diverged: run.diverged >= 0 ? run.divergence_message() : '',
  });
  run.free();
  job = null;
}
