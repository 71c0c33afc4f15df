// The trainer in the page: JS owns the loop, Rust owns the state. Steps run in batches per animation
// frame within a time budget so the page stays responsive.
import init, { Run } from './pkg/tms_explorer.js';

const $ = (id) => document.getElementById(id);
let run = null;
let playing = false;

function show() {
  $('step-count').textContent = String(run.step_count);
  const history = run.loss_history();
  $('loss').textContent = history.length ? history[history.length - 1].toExponential(4) : '–';
  $('fingerprint').textContent = run.fingerprint();
  $('play').textContent = playing ? 'Pause' : 'Play';
}

function status(text, isError = false) {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : '';
}

function create() {
  try {
    const next = new Run($('settings').value);
    if (run) run.free();
    run = next;
    status('');
  } catch (e) {
    status(`Settings not used: ${e.message ?? e}`, true);
  }
  playing = false;
  show();
}

function frame() {
  if (!playing) return;
  const budget = Number(new URLSearchParams(run.settings).get('steps'));
  const start = performance.now();
  while (performance.now() - start < 12 && run.step_count < budget) {
    run.step(Math.min(10, budget - run.step_count));
  }
  if (run.step_count >= budget) playing = false;
  show();
  if (playing) requestAnimationFrame(frame);
}

await init();
create();
$('settings').addEventListener('change', create);
$('play').addEventListener('click', () => {
  playing = !playing;
  show();
  if (playing) requestAnimationFrame(frame);
});
$('step').addEventListener('click', () => { run.step(1); show(); });
$('reset').addEventListener('click', () => { run.reset(); playing = false; show(); });
document.body.dataset.ready = 'true';
