// The trainer in the page: JS owns the loop and the canvases, Rust owns the state and the drawing.
// Steps run in batches per animation frame within a time budget so the page stays responsive.
import init, { Run } from './pkg/tms_explorer.js';

const $ = (id) => document.getElementById(id);
const canvases = [...document.querySelectorAll('canvas[data-view]')];
const dark = window.matchMedia('(prefers-color-scheme: dark)');
let run = null;
let snapshot = null;
let playing = false;
let rotation = { yaw: 0.6, pitch: 0.35 };

function draw() {
  if (snapshot) snapshot.free();
  snapshot = run.snapshot();
  const theme = dark.matches ? 'dark' : 'light';
  for (const canvas of canvases) {
    snapshot.draw(canvas, canvas.dataset.view, theme, window.devicePixelRatio || 1, rotation.yaw, rotation.pitch);
  }
}

function show() {
  $('step-count').textContent = String(run.step_count);
  const history = run.loss_history();
  $('loss').textContent = history.length ? history[history.length - 1].toExponential(4) : '–';
  $('fingerprint').textContent = run.fingerprint();
  $('play').textContent = playing ? 'Pause' : 'Play';
  draw();
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

// Hovering a view names what is under the pointer; dragging the hidden space turns it (m = 3).
for (const canvas of canvases) {
  const readout = canvas.parentElement.querySelector('output');
  canvas.addEventListener('pointermove', (e) => {
    if (e.buttons && canvas.dataset.view === 'hidden') {
      rotation = { yaw: rotation.yaw + e.movementX * 0.01, pitch: Math.max(-1.5, Math.min(1.5, rotation.pitch + e.movementY * 0.01)) };
      draw();
    }
    const box = canvas.getBoundingClientRect();
    readout.textContent = snapshot.pick(canvas.dataset.view, box.width, box.height, e.clientX - box.left, e.clientY - box.top);
  });
  canvas.addEventListener('pointerleave', () => { readout.textContent = ''; });
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
new ResizeObserver(() => draw()).observe(document.querySelector('.views'));
dark.addEventListener('change', draw);
document.body.dataset.ready = 'true';
