// The explorer page. JS owns the loop, the controls and the canvases; Rust owns the run, the settings'
// ranges, the share link and all drawing. Untrusted text (links, notices) only ever goes to textContent.
import init, { Run, last_panic, parse_embed, parse_link, presets, settings_schema, sweep_fragment, fragment_of } from './pkg/tms_explorer.js';
import { startEmbed } from './embed.js';
import { SweepRunner } from './sweep.js';

const $ = (id) => document.getElementById(id);
const dark = window.matchMedia('(prefers-color-scheme: dark)');
const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)');

const VIEWS = {
  stack: ['What each neuron reads: its weights stacked by feature.', 'h = ReLU(W x)'],
  matrix: ['The weights themselves, red positive, blue negative (tied models: also WᵀW and b).', 'W, WᵀW | b'],
  graph: ['The network as a graph, features → neurons → outputs; edge width ∝ |w|.', 'x → W → h → Wᵀ (or W₂) → x′'],
  bars: ['How strongly each feature is represented, and how much it shares its direction.', '‖W_i‖, Σ_{j≠i} (Ŵ_i·W_j)²'],
  hidden: ['Each feature\'s direction in the hidden space (m = 2, or 3: drag to turn).', 'W_i = column i of W'],
  loss: ['The training loss on each step\'s batch, log scale.', 'L = mean I_i (x_i − x′_i)²'],
};

let schema = [];
let run = null;
let snapshot = null;
let playing = false;
let resumeWhenVisible = false;
let fastForward = null;
let mainView = 'hidden';
let rotation = { yaw: 0.6, pitch: 0.35 };
let stepsPerCall = 1;
let lastDraw = 0;
let drawCost = 0;
let figures = [];
let highlight = null; // { kind: 'feature' | 'neuron', index } from the embed API
let embed = null; // embed mode's options, when the page is inside someone else's article
const listeners = { state: [], progress: [], playing: [], fatal: [] };
const emit = (kind, ...args) => listeners[kind].forEach((f) => f(...args));

// ---- notices -------------------------------------------------------------------------------------

// Messages about the run (a link's or a field's bad values, divergence, rewinds) show in a strip above
// the views, where they are seen without scrolling; the strip hides when there is nothing to say.
function showNotices(items) {
  $('notices').replaceChildren(...items);
  $('notice-strip').hidden = items.length === 0;
}

function notify(lines, kind = 'info') {
  showNotices(lines.map((text) => {
    const item = document.createElement('li');
    item.textContent = text;
    item.className = kind;
    return item;
  }));
}

// A diverged run pauses, says what happened in words, and offers to rewind to its last finite step.
function checkDivergence() {
  if (run.diverged < 0) return false;
  stop();
  cancelFastForward();
  const item = document.createElement('li');
  item.className = 'error';
  item.textContent = `${run.divergence_message()} `;
  const rewind = document.createElement('button');
  rewind.type = 'button';
  rewind.id = 'rewind';
  rewind.textContent = `Rewind to step ${run.diverged - 1}`;
  rewind.addEventListener('click', () => {
    run.seek(run.diverged - 1);
    notify([`Rewound to step ${run.step_count}, the last finite weights. Lower the learning rate before playing on.`]);
    refresh();
    scheduleLink();
  });
  item.append(rewind);
  showNotices([item]);
  refresh();
  return true;
}

// Anything that escapes (a panic inside the trainer traps the wasm module) ends here: the page says so
// in words and keeps the run's settings in the address, so a reload starts the same run again.
let fatalShown = false;
function fatal(error) {
  if (fatalShown) return;
  fatalShown = true;
  playing = false;
  fastForward = null;
  let detail = '';
  try {
    detail = last_panic();
  } catch {
    detail = '';
  }
  emit('fatal', detail || String(error?.message ?? error));
  const box = $('fatal');
  box.querySelector('.what').textContent = detail || String(error?.message ?? error);
  box.hidden = false;
  document.body.dataset.failed = 'true';
}
window.addEventListener('error', (e) => fatal(e.error ?? e.message));
$('reload').addEventListener('click', () => window.location.reload());
$('notices-dismiss').addEventListener('click', () => showNotices([]));
window.addEventListener('unhandledrejection', (e) => fatal(e.reason));

// ---- settings controls, built from the declared list in Rust --------------------------------------

function control(setting) {
  const c = setting.control;
  const label = document.createElement('label');
  label.className = `setting setting-${c.kind}`;
  label.title = `${setting.meaning} (${setting.range})`;
  const name = document.createElement('span');
  name.textContent = setting.key;
  label.append(name);
  let input;
  if (c.kind === 'choice') {
    input = document.createElement('select');
    for (const option of c.options) input.append(new Option(option, option));
  } else if (c.kind === 'toggle') {
    input = document.createElement('input');
    input.type = 'checkbox';
  } else if (c.kind === 'density') {
    // A logarithmic slider whose stops are the paper's densities, and the exact value (or a list).
    const slider = document.createElement('input');
    slider.type = 'range';
    slider.min = String(Math.log10(c.stops[c.stops.length - 1]));
    slider.max = '0';
    slider.step = 'any';
    slider.setAttribute('list', 'density-stops');
    slider.setAttribute('aria-label', 'density 1 − S (log scale)');
    const stops = document.createElement('datalist');
    stops.id = 'density-stops';
    for (const s of c.stops) stops.append(new Option(String(s), String(Math.log10(s))));
    input = document.createElement('input');
    input.type = 'text';
    input.inputMode = 'decimal';
    slider.addEventListener('input', () => {
      let value = 10 ** Number(slider.value);
      const near = c.stops.find((s) => Math.abs(Math.log10(s) - Number(slider.value)) < 0.04);
      value = near ?? Number(value.toPrecision(2));
      input.value = String(value);
    });
    slider.addEventListener('change', () => input.dispatchEvent(new Event('change', { bubbles: true })));
    input.syncSlider = () => {
      const first = Number(input.value.split(',')[0]);
      if (first > 0) slider.value = String(Math.log10(first));
    };
    label.append(slider, stops);
  } else {
    input = document.createElement('input');
    input.type = 'number';
    input.min = String(c.min);
    input.max = String(c.max);
    input.step = c.kind === 'int' ? '1' : 'any';
  }
  input.name = setting.key;
  input.id = `setting-${setting.key}`;
  label.append(input);
  return label;
}

function buildControls() {
  const form = $('settings');
  form.replaceChildren(...schema.map(control));
  form.addEventListener('change', () => {
    leaveSweep();
    applySettings(readControls());
  });
  form.addEventListener('submit', (e) => e.preventDefault());
}

function readControls() {
  return schema.map(({ key }) => {
    const input = $(`setting-${key}`);
    const value = input.type === 'checkbox' ? (input.checked ? '1' : '0') : input.value.trim();
    return `${key}=${encodeURIComponent(value).replace(/%2C/gi, ',')}`;
  }).join('&');
}

function writeControls(settingsText) {
  const values = new URLSearchParams(settingsText);
  for (const { key } of schema) {
    const input = $(`setting-${key}`);
    const value = values.get(key) ?? '';
    if (input.type === 'checkbox') input.checked = value === '1';
    else input.value = value;
    input.syncSlider?.();
  }
  $('setting-hidden-bias').disabled = values.get('model') !== 'relu-hidden';
}

// ---- the run -------------------------------------------------------------------------------------

function budget() {
  return Number(new URLSearchParams(run.settings).get('steps'));
}

// Makes a run from settings text; on bad settings says why and keeps the current run.
function applySettings(settingsText, { step = 0, keepNotices = false } = {}) {
  let next;
  try {
    next = new Run(settingsText);
  } catch (e) {
    notify([`Settings not used: ${e.message ?? e}. The current run is kept.`], 'error');
    if (run) writeControls(run.settings);
    return false;
  }
  if (run && next.settings === run.settings && step === 0) {
    next.free(); // nothing changed: keep the run where it is
    return true;
  }
  stop();
  cancelFastForward();
  if (run) run.free();
  run = next;
  if (!keepNotices) notify([]);
  writeControls(run.settings);
  arrangeViews();
  if (step > 0) startFastForward(step);
  refresh();
  scheduleLink();
  return true;
}

function stepBy(k) {
  cancelFastForward();
  const left = budget() - run.step_count;
  run.step(Math.max(0, Math.min(k, left)));
  if (!checkDivergence()) refresh();
  scheduleLink();
}

// ---- the loop --------------------------------------------------------------------------------------

function play() {
  if (!run || run.step_count >= budget()) return;
  cancelFastForward();
  playing = true;
  $('play').textContent = 'Pause';
  emit('playing', true);
  requestAnimationFrame(frame);
}

function stop() {
  if (!playing) return;
  playing = false;
  $('play').textContent = 'Play';
  emit('playing', false);
  refresh();
  scheduleLink();
}

// Trains for about `ms` milliseconds (at most `limit` steps), in calls sized to take ~2 ms each.
function trainFor(ms, limit, target) {
  const start = performance.now();
  let done = 0;
  while (done < limit && run.step_count < target && run.diverged < 0 && performance.now() - start < ms) {
    const k = Math.max(1, Math.min(stepsPerCall, limit - done, target - run.step_count));
    const t0 = performance.now();
    run.step(k);
    const took = performance.now() - t0;
    stepsPerCall = Math.max(1, Math.min(10000, Math.round(k * 2 / Math.max(took, 0.05))));
    done += k;
  }
}

// Each frame trains for a slice of time and, when drawing is cheap, redraws every view. When drawing is
// expensive (large models), frames alternate: most only train, and the views are redrawn about ten
// times a second, so no frame is long. With reduced motion, views redraw at most four times a second.
function frame() {
  if (!playing) return;
  const speed = Number($('speed').value);
  const sinceDraw = performance.now() - lastDraw;
  const cheap = drawCost < 8;
  const drawNow = reducedMotion.matches ? sinceDraw > 250 : cheap || sinceDraw > 90;
  trainFor(drawNow ? Math.max(2, 11 - drawCost) : 11, speed, budget());
  if (checkDivergence()) return;
  emit('progress');
  if (drawNow) refresh();
  else showNumbers();
  if (run.step_count >= budget()) stop();
  else requestAnimationFrame(frame);
}

function startFastForward(target) {
  fastForward = { target };
  $('progress').hidden = false;
  const tick = () => {
    if (!fastForward || fastForward.target !== target) return;
    trainFor(30, Infinity, target);
    if (checkDivergence()) return;
    $('progress').value = run.step_count / Math.max(1, target);
    showNumbers();
    if (run.step_count >= target) {
      cancelFastForward();
      refresh();
    } else {
      requestAnimationFrame(tick);
    }
  };
  requestAnimationFrame(tick);
}

function cancelFastForward() {
  fastForward = null;
  $('progress').hidden = true;
}

document.addEventListener('visibilitychange', () => {
  if (document.hidden && playing) {
    resumeWhenVisible = true;
    stop();
  } else if (!document.hidden && resumeWhenVisible) {
    resumeWhenVisible = false;
    play();
  }
});

// ---- drawing ---------------------------------------------------------------------------------------

function arrangeViews() {
  const settings = new URLSearchParams(run.settings);
  const model = settings.get('model');
  const m = Number(settings.get('m'));
  const hiddenLayer = model === 'relu-hidden' || model === 'abs';
  let order = hiddenLayer ? ['stack', 'matrix', 'graph', 'bars', 'loss', 'hidden'] : ['bars', 'matrix', 'hidden', 'stack', 'graph', 'loss'];
  if (m > 3) order = order.filter((v) => v !== 'hidden');
  if (embed?.views.length) order = embed.views;
  if (!order.includes(mainView)) mainView = order[0];
  order = [mainView, ...order.filter((v) => v !== mainView)];
  $('view').value = mainView;
  const container = $('views');
  const existing = new Map(figures.map((f) => [f.dataset.view, f]));
  figures = order.map((view) => existing.get(view) ?? makeFigure(view));
  container.replaceChildren(...figures);
  figures.forEach((f, k) => f.classList.toggle('main', k === 0));
}

function makeFigure(view) {
  const figure = $('figure').content.firstElementChild.cloneNode(true);
  figure.dataset.view = view;
  const canvas = figure.querySelector('canvas');
  canvas.dataset.view = view;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', VIEWS[view][0]);
  figure.querySelector('.caption').textContent = VIEWS[view][0];
  figure.querySelector('.formula').textContent = VIEWS[view][1];
  const readout = figure.querySelector('output');
  canvas.addEventListener('pointermove', (e) => {
    const box = canvas.getBoundingClientRect();
    if (e.buttons && view === 'hidden') {
      rotation = { yaw: rotation.yaw + e.movementX * 0.01, pitch: Math.max(-1.5, Math.min(1.5, rotation.pitch + e.movementY * 0.01)) };
      drawFigure(figure);
    }
    if (snapshot) readout.textContent = snapshot.pick(view, box.width, box.height, e.clientX - box.left, e.clientY - box.top);
  });
  canvas.addEventListener('pointerleave', () => { readout.textContent = ''; });
  figure.querySelector('[data-export="png"]').addEventListener('click', () => {
    canvas.toBlob((blob) => download(blob, `${fileStem()}-${view}.png`), 'image/png');
  });
  figure.querySelector('[data-export="svg"]').addEventListener('click', () => {
    const box = canvas.getBoundingClientRect();
    const svg = snapshot.svg(view, box.width, box.height, theme());
    download(new Blob([svg], { type: 'image/svg+xml' }), `${fileStem()}-${view}.svg`);
  });
  return figure;
}

const theme = () => (dark.matches ? 'dark' : 'light');

function drawFigure(figure) {
  const canvas = figure.querySelector('canvas');
  snapshot.draw(canvas, figure.dataset.view, theme(), window.devicePixelRatio || 1, rotation.yaw, rotation.pitch);
}

function showNumbers() {
  $('step-count').textContent = String(run.step_count);
  $('budget').textContent = String(budget());
  const loss = run.last_loss;
  $('loss').textContent = Number.isNaN(loss) ? '–' : loss.toExponential(4);
  $('fingerprint').textContent = run.fingerprint();
}

function refresh() {
  if (!run) return;
  const start = performance.now();
  showNumbers();
  if (snapshot) snapshot.free();
  snapshot = run.snapshot();
  if (highlight) snapshot.set_highlight(highlight.kind, highlight.index);
  for (const figure of figures) drawFigure(figure);
  lastDraw = performance.now();
  drawCost = lastDraw - start;
}

// ---- links and export ------------------------------------------------------------------------------

let linkTimer = 0;
function scheduleLink() {
  clearTimeout(linkTimer);
  linkTimer = setTimeout(writeLink, 300);
}

function writeLink() {
  emit('state');
  if (embed) return; // an embed never touches the host's history
  try {
    history.replaceState(null, '', `#${sweep ? sweepFragment : run.fragment(mainView)}`);
  } catch {
    // A sandboxed or opaque-origin page may not touch history; the Copy link button still works.
  }
}

function currentUrl() {
  let base = '';
  try {
    base = window.location.href.split('#')[0];
  } catch {
    base = '';
  }
  return `${base}#${sweep ? sweepFragment : run.fragment(mainView)}`;
}

// Shows `text` in the box under the share buttons and copies it; where the browser does not allow
// copying, the box's text is selected for the reader to copy.
async function offerCopy(text, copied, what) {
  const field = $('link');
  field.value = text;
  field.hidden = false;
  try {
    await navigator.clipboard.writeText(text);
    notify([copied]);
  } catch {
    field.select();
    notify([`The browser did not allow copying; the ${what} is selected in the box above.`]);
  }
}

function copyLink() {
  writeLink();
  return offerCopy(currentUrl(), 'Link copied: it opens this run at this step, on any machine.', 'link');
}

// An <iframe> snippet for this run and these views, for an article.
function embedCode() {
  const s = new URLSearchParams(run.settings);
  const views = figures.slice(0, 2).map((f) => f.dataset.view).join(',');
  let base = '';
  try {
    base = window.location.href.split(/[?#]/)[0];
  } catch {
    base = '';
  }
  const src = `${base}?embed=1&views=${views}&controls=play,step,reset#${run.fragment(mainView)}`;
  const title = `Toy model of superposition: ${s.get('model')}, n = ${s.get('n')}, m = ${s.get('m')}, 1−S = ${s.get('density')}`;
  const attr = (v) => v.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
  return `<iframe src="${attr(src)}" title="${attr(title)}" loading="lazy" sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox" style="width: 100%; aspect-ratio: 16 / 10; border: 0;"></iframe>`;
}

function copyEmbed() {
  return offerCopy(
    embedCode(),
    'Embed code copied: paste it into an article; the embed pauses when scrolled away and takes commands over postMessage (see README).',
    'embed code',
  );
}

function fileStem() {
  const s = new URLSearchParams(run.settings);
  return `tms-${s.get('model')}-n${s.get('n')}-m${s.get('m')}-step${run.step_count}`;
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function openLink(fragment) {
  const link = JSON.parse(parse_link(fragment));
  mainView = link.view;
  notify(link.notices.map((n) => `Link: ${n.text}.`), link.notices.length ? 'warning' : 'info');
  if (link.sweep) {
    applySettings(link.settings, { keepNotices: true });
    startSweep(link);
  } else {
    leaveSweep();
    applySettings(link.settings, { step: link.step, keepNotices: true });
  }
}

// ---- sweeps ----------------------------------------------------------------------------------------

let sweep = null;
let sweepFragment = '';

function startSweep(link) {
  stop();
  sweep?.free();
  sweepFragment = link.fragment;
  $('sweep-axis').value = link.sweep.axis;
  $('sweep-values').value = link.sweep.values.join(',');
  $('sweep-restarts').value = String(link.sweep.restarts);
  if (['stack', 'bars', 'matrix', 'hidden'].includes(link.view)) $('sweep-view').value = link.view;
  $('views').hidden = true;
  document.querySelector('.main-view').hidden = true;
  $('sweep').hidden = false;
  $('sweep-pause').textContent = 'Pause';
  document.body.dataset.sweep = 'running';
  sweep = new SweepRunner(sweepFragment, {
    panels: $('sweep-panels'),
    dimensionality: $('sweep-dimensionality'),
    list: $('sweep-list'),
    overall: $('sweep-overall'),
    theme,
    view: () => $('sweep-view').value,
    onChange: (s) => { document.body.dataset.sweep = s.finished ? 'done' : 'running'; },
  });
  window.tmsSweep = sweep;
  scheduleLink();
}

function leaveSweep() {
  if (!sweep) return;
  sweep.free();
  sweep = null;
  window.tmsSweep = null;
  delete document.body.dataset.sweep;
  $('sweep').hidden = true;
  $('views').hidden = false;
  document.querySelector('.main-view').hidden = false;
}

// A sweep around the current settings, through the link parser (which reports any bad value).
function sweepFromControls() {
  openLink(sweep_fragment(run.fragment(mainView), $('sweep-axis').value, $('sweep-values').value, $('sweep-restarts').value));
}

function wireSweep() {
  $('sweep-start').addEventListener('click', sweepFromControls);
  $('sweep-view').addEventListener('change', () => sweep?.draw());
  $('sweep-pause').addEventListener('click', () => {
    if (!sweep || sweep.finished) return;
    if (sweep.paused) sweep.resume();
    else sweep.pause();
    $('sweep-pause').textContent = sweep.paused ? 'Resume' : 'Pause';
  });
  $('sweep-cancel').addEventListener('click', () => sweep?.cancel());
  $('sweep-export').addEventListener('click', () => {
    if (sweep) download(new Blob([JSON.stringify(sweep.exportJson())], { type: 'application/json' }), 'tms-sweep.json');
  });
  $('sweep-leave').addEventListener('click', () => { leaveSweep(); refresh(); scheduleLink(); });
  const panels = $('sweep-panels');
  const box = () => panels.getBoundingClientRect();
  panels.addEventListener('pointermove', (e) => {
    if (!sweep) return;
    const b = box();
    $('sweep-panels-hover').textContent = sweep.panels.pick($('sweep-view').value, b.width, b.height, e.clientX - b.left, e.clientY - b.top);
  });
  // Clicking a panel opens that run, at the same step, in the single-run view.
  panels.addEventListener('click', (e) => {
    if (!sweep) return;
    const b = box();
    const k = sweep.panels.panel_at($('sweep-view').value, b.width, b.height, e.clientX - b.left, e.clientY - b.top);
    const job = k >= 0 ? sweep.shown(sweep.groups[k]) : null;
    if (job) openLink(fragment_of(job.settings, job.state === 'done' ? sweep.plan.until : job.step, $('sweep-view').value));
  });
  const dim = $('sweep-dimensionality');
  dim.addEventListener('pointermove', (e) => {
    if (!sweep) return;
    const b = dim.getBoundingClientRect();
    $('sweep-dim-hover').textContent = sweep.panels.pick('dimensionality', b.width, b.height, e.clientX - b.left, e.clientY - b.top);
  });
}

// ---- presets ---------------------------------------------------------------------------------------

function buildPresets() {
  const select = $('preset');
  const groups = new Map();
  for (const p of JSON.parse(presets())) {
    if (!groups.has(p.group)) {
      const group = document.createElement('optgroup');
      group.label = p.group;
      groups.set(p.group, group);
      select.append(group);
    }
    const option = new Option(`${p.group.split(':')[0]}: ${p.label}`, p.id);
    option.dataset.fragment = p.fragment;
    option.dataset.lookFor = p.look_for;
    groups.get(p.group).append(option);
  }
  select.addEventListener('change', () => {
    const option = select.selectedOptions[0];
    if (!option?.dataset.lookFor) return;
    $('look-for').textContent = `Look for: ${option.dataset.lookFor}.`;
    openLink(option.dataset.fragment);
  });
}

// ---- wiring ----------------------------------------------------------------------------------------

function wire() {
  $('play').addEventListener('click', () => (playing ? stop() : play()));
  $('step').addEventListener('click', () => { stop(); stepBy(1); });
  $('step100').addEventListener('click', () => { stop(); stepBy(100); });
  $('reset').addEventListener('click', () => { stop(); cancelFastForward(); run.reset(); refresh(); scheduleLink(); });
  $('new-seed').addEventListener('click', () => {
    stop();
    cancelFastForward();
    run.new_seed();
    writeControls(run.settings);
    refresh();
    scheduleLink();
  });
  $('copy-link').addEventListener('click', copyLink);
  wireSweep();
  $('copy-embed').addEventListener('click', copyEmbed);
  $('export-json').addEventListener('click', () => {
    download(new Blob([run.export_json()], { type: 'application/json' }), `${fileStem()}.json`);
  });
  $('view').addEventListener('change', () => {
    mainView = $('view').value;
    arrangeViews();
    refresh();
    scheduleLink();
  });
  document.addEventListener('keydown', (e) => {
    if (e.target.closest('input, select, textarea') || e.ctrlKey || e.metaKey || e.altKey) return;
    const actions = { ' ': 'play', '.': 'step', ',': 'step100', r: 'reset', n: 'new-seed' };
    const id = actions[e.key];
    if (!id) return;
    if (e.key === ' ' && e.target.closest('button')) return; // the focused button handles space
    e.preventDefault();
    $(id).click();
  });
  new ResizeObserver(() => { if (run) refresh(); }).observe($('views'));
  dark.addEventListener('change', refresh);
  window.addEventListener('hashchange', () => {
    const fragment = window.location.hash.slice(1);
    if (fragment && fragment !== run.fragment(mainView)) openLink(fragment);
  });
}

await init();
try {
  embed = JSON.parse(parse_embed(window.location.search));
} catch {
  embed = { embed: false };
}
if (!embed.embed) embed = null;
// On a phone the controls start folded, so the views come first.
if (!embed && window.matchMedia('(max-width: 900px)').matches) $('controls').open = false;
schema = JSON.parse(settings_schema());
buildControls();
buildPresets();
wire();
let fragment = '';
try {
  fragment = window.location.hash.slice(1);
} catch {
  fragment = '';
}
if (fragment) {
  openLink(fragment);
} else {
  const intro = [...$('preset').options].find((o) => o.value === 'intro-0.05');
  intro.selected = true;
  $('preset').dispatchEvent(new Event('change'));
}
if (embed) {
  startEmbed(embed, {
    run: () => run,
    view: () => mainView,
    playing: () => playing,
    play,
    stop,
    step: (n) => { stop(); stepBy(n); },
    reset: () => $('reset').click(),
    open: (fragment) => { stop(); openLink(fragment); return JSON.parse(parse_link(fragment)).notices.map((n) => n.text); },
    highlight: (h) => { highlight = h; refresh(); },
    on: (kind, f) => listeners[kind].push(f),
  });
}
document.body.dataset.ready = 'true';
